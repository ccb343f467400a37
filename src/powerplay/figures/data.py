"""What each figure draws: small frozen records, computed by pure functions, drawn separately.

Every figure kind is split in two:

* a pure function computes one of the records below from results (no matplotlib involved),
  e.g. :func:`powerplay.figures.heatmaps.heatmap_data` or
  :func:`powerplay.figures.alignment.alignment_data`;
* a drawing function renders the record (``draw_heatmap(data) -> Figure``, ...).

So a test (or a user) checks the numbers of a figure on its record, and the picture is a
rendering of exactly that record. Records are immutable (frozen dataclasses whose arrays are
read-only) and picklable, so they can be drawn in worker processes.

==============================  ===============================================================
record                          figures
==============================  ===============================================================
:class:`HeatmapData`            gridworld heat maps (single, and the joint block layout),
                                ``view_gridworld``, rollout frames
:class:`BarsData`               one value per state as bars (± standard error)
:class:`AlignmentData`          alignment plots (POWER of H against A per state, α_HA; of any pair)
:class:`AlignmentMatrixData`    the alignment plots of every pair of three or more agents
:class:`LinesData`              quantities against a swept parameter (α_HA, POWER, averages)
:class:`HistogramData`          per-state histograms of samples (panels sharing bins)
:class:`CorrelationData`        2-D histograms of one state's samples against every state's
:class:`MatrixData`             the state-by-state correlation matrix
:class:`RewardPairsData`        scatter of correlated reward pairs (R_H, R_A)
==============================  ===============================================================

Examples
--------
>>> data = LinesData(x=(0.0, 0.5), positions=np.array([0.0, 0.5]), series=(Series('a', np.array([1.0, 2.0])),),
...                  xlabel='β', ylabel='y', title='t')
>>> data.series_by_label()['a'].y.tolist()
[1.0, 2.0]
>>> data.series[0].y.flags.writeable
False
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

#: An outline drawn around a cell: ``((row, col), colour, inset)``; ``inset`` shrinks the
#: square by that fraction of a cell on each side.
Marker = tuple[tuple[int, int], str, float]


def _frozen(value):
    """``value`` with every numpy array in it (also inside dicts and tuples) a read-only copy."""
    if isinstance(value, np.ndarray):
        copy = value.copy()
        copy.flags.writeable = False
        return copy
    if isinstance(value, dict):
        return {key: _frozen(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return tuple(_frozen(item) for item in value)
    return value


def _frozen_arrays(record) -> None:
    """Replace a record's arrays by read-only copies (the caller's arrays stay writable)."""
    for item in dataclasses.fields(record):
        object.__setattr__(record, item.name, _frozen(getattr(record, item.name)))


@dataclass(frozen=True, eq=False)
class _Record:
    """Base of the figure records: on creation their arrays become read-only copies."""

    def __post_init__(self):
        _frozen_arrays(self)


def _array(value, dtype=np.float64) -> np.ndarray | None:
    return None if value is None else np.array(value, dtype=dtype)


@dataclass(frozen=True, eq=False)
class HeatmapData(_Record):
    """A gridworld heat map (see :mod:`powerplay.figures.heatmaps`).

    Attributes
    ----------
    title : str
    values : numpy.ndarray
        ``[S]`` the value of each state, in the order of ``states``.
    states : tuple of str
    matrix : numpy.ndarray
        The image that is drawn, NaN (blank) where there is no state: ``[R, C]`` for a
        single-agent gridworld; for a joint one the *mosaic* of blocks, one block of
        ``R x C`` cells per position of Agent A, separated by one blank cell.
    block_origins : dict
        Joint only: ``{(row_A, col_A): (row, col)}``, where in ``matrix`` each block's cell
        ``(0, 0)`` is. Empty for a single-agent gridworld.
    block_shape : (int, int)
        ``(R, C)``: the size of the grid (of one block).
    norm : (float, float)
        The colour range.
    colorbar_label : str or None
        ``None``: no colour bar.
    cell_text : numpy.ndarray or None
        Text printed in each cell of ``matrix`` (``''`` for none); ``None`` when nothing is
        printed (cells too small to read it).
    font_size : float
        Points, for ``cell_text``.
    markers : tuple of Marker
        Cells of ``matrix`` outlined with an open square (Agent A's own cell in each joint
        block, the agents in a rollout).
    cell_inches : float
        Side of one cell in the drawing.
    errors : numpy.ndarray or None
        ``[S]`` standard errors of ``values`` (when they are means), for reference.
    """

    title: str
    values: np.ndarray
    states: tuple[str, ...]
    matrix: np.ndarray
    block_origins: Mapping[tuple[int, int], tuple[int, int]]
    block_shape: tuple[int, int]
    norm: tuple[float, float]
    colorbar_label: str | None
    cell_text: np.ndarray | None
    font_size: float
    markers: tuple[Marker, ...]
    cell_inches: float
    errors: np.ndarray | None = None

    @property
    def joint(self) -> bool:
        return bool(self.block_origins)

    def block(self, position_A: tuple[int, int]) -> np.ndarray:
        """``[R, C]`` values over Agent H's position when Agent A is at ``position_A``."""
        row_A, col_A = position_A
        row, col = self.block_origins[(row_A, col_A)]
        rows, cols = self.block_shape
        return self.matrix[row : row + rows, col : col + cols]

    @property
    def blocks(self) -> dict[tuple[int, int], np.ndarray]:
        """``{(row_A, col_A): [R, C] block}`` for every position of Agent A (joint only)."""
        return {position: self.block(position) for position in self.block_origins}


@dataclass(frozen=True, eq=False)
class BarsData(_Record):
    """One value per state as bars.

    Attributes
    ----------
    title, ylabel : str
    states : tuple of str
    values : numpy.ndarray ``[S]``
    errors : numpy.ndarray or None
        ``[S]`` half-lengths of the error bars (standard errors).
    value_format : str or None
        Format of the values printed above the bars (``None``: not printed, too many bars).
    """

    title: str
    ylabel: str
    states: tuple[str, ...]
    values: np.ndarray
    errors: np.ndarray | None
    value_format: str | None


@dataclass(frozen=True, eq=False)
class AlignmentData(_Record):
    """An alignment plot: one point per state, POWER of Agent H (x) against Agent A's (y).

    Attributes
    ----------
    title : str
        Heading, α_HA line(s) and the run's description.
    x, y : numpy.ndarray
        ``[S]`` the plotted points: per-state mean POWERs of H and A.
    alpha : float
        Pearson coefficient of exactly these points (the raw α_HA).
    statistics : AlignmentStatistics or None
        The run's α_HA statistics (standard error, corrected value, intervals, reliabilities).
    errors_H, errors_A : numpy.ndarray or None
        ``[S]`` error bars (standard errors), drawn only for at most 100 states.
    baseline : numpy.ndarray or None
        Distinct values of Agent H's POWER against Agent A's seed policy (vertical lines).
    limits : ((float, float), (float, float)) or None
        Axis limits; ``None``: fitted to the points.
    note : str or None
        A warning printed on the plot (low reliability of the means, with a suggested sample
        count).
    agents : (str, str)
        The pair: the agent on the horizontal axis, then the one on the vertical (``x``,
        ``errors_H`` are the first's; ``y``, ``errors_A`` the second's). Default H and A.
    """

    title: str
    x: np.ndarray
    y: np.ndarray
    alpha: float
    statistics: Any = None
    errors_H: np.ndarray | None = None
    errors_A: np.ndarray | None = None
    baseline: np.ndarray | None = None
    limits: tuple[tuple[float, float], tuple[float, float]] | None = None
    note: str | None = None
    agents: tuple[str, str] = ("H", "A")

    @property
    def num_states(self) -> int:
        return len(self.x)


@dataclass(frozen=True, eq=False)
class AlignmentMatrixData(_Record):
    """Alignment plots of every pair of agents of a run, as a lower-triangular matrix of panels.

    Attributes
    ----------
    title : str
    agents : tuple of str
        The run's agents: the panel of pair ``(agents[j], agents[i])``, ``j < i``, sits in row
        ``i - 1`` and column ``j``, POWER of ``agents[j]`` across and of ``agents[i]`` up.
    panels : tuple of AlignmentData
        One per pair, in agent order (``('H', 'A'), ('H', 'B'), ('A', 'B')``); each panel's
        ``title`` is its α line(s) and its ``statistics`` the pair's α statistics.
    note : str or None
        Noisy per-state means (low reliabilities) and the sample count that would fix them.
    """

    title: str
    agents: tuple[str, ...]
    panels: tuple[AlignmentData, ...]
    note: str | None = None

    def panel(self, pair: tuple[str, str]) -> AlignmentData:
        """The panel of ``pair`` (in agent order)."""
        for item in self.panels:
            if item.agents == tuple(pair):
                return item
        raise KeyError(pair)

    def position(self, pair: tuple[str, str]) -> tuple[int, int]:
        """(row, column) of the panel of ``pair`` in the matrix."""
        x, y = pair
        return self.agents.index(y) - 1, self.agents.index(x)


@dataclass(frozen=True, eq=False)
class Series(_Record):
    """One line of a :class:`LinesData`: values with an optional band ``[low, high]`` as error bars.

    Attributes
    ----------
    label : str
    y : numpy.ndarray ``[K]``
    low, high : numpy.ndarray or None
        ``[K]`` ends of the error bar at each point (e.g. ``y ± standard error``, or a 95 %
        interval); ``None``: no error bars.
    color : str or tuple, optional
    marker, linestyle : str
    opacity : float
        1 for the main series; lighter (e.g. 0.45) for secondary ones.
    """

    label: str
    y: np.ndarray
    low: np.ndarray | None = None
    high: np.ndarray | None = None
    color: Any = None
    marker: str = "o"
    linestyle: str = "-"
    opacity: float = 1.0

    def __post_init__(self):
        for name in ("y", "low", "high"):
            object.__setattr__(self, name, _array(getattr(self, name)))
        super().__post_init__()


#: Horizontal scales of a :class:`LinesData`.
X_SCALES = ("linear", "log_one_minus", "categorical")


@dataclass(frozen=True, eq=False)
class LinesData(_Record):
    """Quantities against a swept parameter.

    Attributes
    ----------
    x : tuple
        The parameter's values, in plotting order (numbers, or mappings for categorical
        parameters such as reward distributions).
    positions : numpy.ndarray
        ``[K]`` where each value is drawn on the horizontal axis: the value itself
        (``'linear'``), ``-log10(1 - value)`` (``'log_one_minus'``), or ``0..K-1``
        (``'categorical'``).
    series : tuple of Series
    xlabel, ylabel, title : str
    scale : {'linear', 'log_one_minus', 'categorical'}
    ticks : tuple of (float, str)
        Tick positions and labels (empty: automatic numeric ticks). Categorical axes are
        labelled by the values' names; ``log_one_minus`` axes by γ values.
    zero_line : bool
    legend_title : str or None
    """

    x: tuple
    positions: np.ndarray
    series: tuple[Series, ...]
    xlabel: str
    ylabel: str
    title: str
    scale: str = "linear"
    ticks: tuple[tuple[float, str], ...] = ()
    zero_line: bool = False
    legend_title: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "positions", _array(self.positions))
        super().__post_init__()

    def series_by_label(self) -> dict[str, Series]:
        return {item.label: item for item in self.series}


@dataclass(frozen=True, eq=False)
class Panel:
    """One small panel of a multi-panel figure: which state, where, titled how, framed in red or not."""

    state: str
    row: int
    col: int
    title: str
    framed: bool = False


@dataclass(frozen=True, eq=False)
class HistogramData(_Record):
    """Histograms of the samples at each state, all on the same bins and count axis.

    Attributes
    ----------
    title : str
    quantity : str
        ``'POWER'`` or ``'Reward'``.
    edges : numpy.ndarray
        ``[B + 1]`` bin edges shared by every panel.
    log_bins : bool
        Bins evenly spaced in ``log10`` (heavy-tailed samples); the axis is logarithmic.
    counts : dict
        ``{state: [B] counts}``.
    panels : tuple of Panel
        Where each state's panel goes in a ``rows x cols`` arrangement (a panel of state
        ``''`` is an empty frame: Agent A's own cell when Agent H cannot share it).
    rows, cols : int
    top_count : float
        Upper end of the shared count axis.
    color : str
    """

    title: str
    quantity: str
    edges: np.ndarray
    log_bins: bool
    counts: Mapping[str, np.ndarray]
    panels: tuple[Panel, ...]
    rows: int
    cols: int
    top_count: float
    color: str


@dataclass(frozen=True, eq=False)
class CorrelationData(_Record):
    """2-D histograms of the samples at one state (horizontal) against each state's (vertical).

    Attributes
    ----------
    title : str
    state : str
        The state on the horizontal axes.
    histograms : dict
        ``{state y: [B, B] counts indexed [bin of x, bin of y]}``.
    ranges : dict
        ``{state: (low, high)}`` of each state's samples (the panels' extents).
    pearson : dict
        ``{state y: Pearson r of the samples at state and at y}``.
    panels : tuple of Panel
    rows, cols : int
    top_count : float
        Colour scale's top (largest off-diagonal count); counts are drawn on a square-root scale.
    """

    title: str
    state: str
    histograms: Mapping[str, np.ndarray]
    ranges: Mapping[str, tuple[float, float]]
    pearson: Mapping[str, float]
    panels: tuple[Panel, ...]
    rows: int
    cols: int
    top_count: float


@dataclass(frozen=True, eq=False)
class MatrixData(_Record):
    """The state-by-state Pearson correlation matrix of samples.

    Attributes
    ----------
    title, colorbar_label : str
    states : tuple of str
    matrix : numpy.ndarray
        ``[S, S]`` (NaN where a state's samples are constant).
    """

    title: str
    colorbar_label: str
    states: tuple[str, ...]
    matrix: np.ndarray


@dataclass(frozen=True, eq=False)
class RewardPairsData(_Record):
    """A scatter of correlated reward pairs.

    Attributes
    ----------
    title : str
    rewards_H, rewards_A : numpy.ndarray
        ``[N]`` the plotted pairs.
    correlation : float
        β they were drawn with.
    sample_correlation : float
        Pearson coefficient of the pairs.
    xlim, ylim : (float, float) or None
    """

    title: str
    rewards_H: np.ndarray
    rewards_A: np.ndarray
    correlation: float
    sample_correlation: float
    xlim: tuple[float, float] | None = None
    ylim: tuple[float, float] | None = None


__all__ = [
    "X_SCALES",
    "AlignmentData",
    "AlignmentMatrixData",
    "BarsData",
    "CorrelationData",
    "HeatmapData",
    "HistogramData",
    "LinesData",
    "Marker",
    "MatrixData",
    "Panel",
    "RewardPairsData",
    "Series",
]
