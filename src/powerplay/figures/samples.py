"""Per-state summaries of reward and POWER samples: means, variances, histograms, correlations;
and the scatter of Agent H's and Agent A's reward pairs.

These are the reference tool's per-run figures:

* :func:`state_values_data` -- one statistic per state (a mean with its standard errors, or
  a variance): bars (:class:`~powerplay.figures.data.BarsData`), or a gridworld heat map
  (:class:`~powerplay.figures.data.HeatmapData`) with ``plot_as_gridworld``;
  :func:`sample_aggregation_data` computes the statistic from samples first;
* :func:`histogram_data` -- a histogram of the samples at each state, all panels on shared
  bins (log-spaced for heavy-tailed samples, see :func:`use_log_bins`);
* :func:`correlation_data` -- for each state ``x``, 2-D histograms of the samples at ``x``
  against those at every state ``y``;
* :func:`matrix_data` -- the state-by-state Pearson correlation matrix, a compact
  alternative when ``N²`` histograms would be impractical.

Each has a drawing function (:func:`draw_bars`, :func:`draw_histograms`,
:func:`draw_correlations`, :func:`draw_matrix`; :func:`draw` dispatches on the record).
:func:`draw_reward_pairs` draws the reward-pair scatters that
:mod:`powerplay.figures.reward_samples` computes. A
multi-panel figure is drawn on *one* axes (panels placed in inches, bars as one polygon
collection, the 2-D histograms as one image), so a figure of 49 panels costs about as much
as one plot.

Histograms and correlations are guarded: beyond :data:`MAX_DISTRIBUTION_STATES` /
:data:`MAX_CORRELATION_STATES` states they are skipped with a :class:`FigureWarning`
saying why (pass a larger ``max_states`` to force them).

Examples
--------
>>> samples = np.array([[0.1, 0.5], [0.3, 0.7]])
>>> data = sample_aggregation_data(samples, ['a', 'b'], aggregation='mean')
>>> data.values.round(6).tolist(), data.errors.round(6).tolist()
([0.2, 0.6], [0.1, 0.1])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import Normalize, PowerNorm
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..errors import FigureError, FigureWarning, ModelError
from ..model.rewards import RewardDistribution
from ..stats.moments import standard_error
from . import style
from .data import BarsData, CorrelationData, HeatmapData, HistogramData, MatrixData, Panel, RewardPairsData
from .glyphs import text_collection
from .heatmaps import GridGeometry, choose_value_format, heatmap_data

__all__ = [
    "BARS_GID",
    "MAX_CORRELATION_MATRIX_STATES",
    "MAX_CORRELATION_STATES",
    "MAX_DISTRIBUTION_STATES",
    "FigureWarning",
    "aggregate",
    "correlation_data",
    "draw_bars",
    "draw_correlations",
    "draw_histograms",
    "draw_matrix",
    "draw_reward_pairs",
    "histogram_data",
    "matrix_data",
    "sample_aggregation_data",
    "state_values_data",
    "too_many_states",
    "update_bars",
    "update_reward_pairs",
    "use_log_bins",
]

#: Above this many states (per agent) the per-state histograms are skipped.
MAX_DISTRIBUTION_STATES = 256

#: Above this many states the ``N**2`` correlation histograms are skipped.
MAX_CORRELATION_STATES = 25

#: Above this many states even the correlation matrix is skipped.
MAX_CORRELATION_MATRIX_STATES = 2500

#: Positive samples whose largest value is at least this many times their median get
#: log-spaced histogram bins (a heavy tail: linear bins would put nearly everything in one).
HEAVY_TAIL_RATIO = 50.0

AGGREGATIONS = ("mean", "var")


def aggregate(samples: np.ndarray, aggregation: str = "mean") -> np.ndarray:
    """``[S]`` mean or (unbiased) variance over the samples ``[N, S]``."""
    if aggregation not in AGGREGATIONS:
        raise FigureError(f"aggregation must be one of {AGGREGATIONS}, not {aggregation!r}")
    samples = np.asarray(samples, dtype=np.float64)
    if aggregation == "mean":
        return samples.mean(axis=0)
    return samples.var(axis=0, ddof=1) if samples.shape[0] > 1 else np.zeros(samples.shape[1])


# --------------------------------------------------------------------------------------
# One value per state


def bars_data(
    values: np.ndarray, states: Sequence[str], *, errors: np.ndarray | None = None, title: str, ylabel: str
) -> BarsData:
    """Bars of one value per state (values printed above the bars when there are at most 30)."""
    values = np.asarray(values, dtype=np.float64)
    width = _bars_width(len(states))
    return BarsData(
        title=style.fit_title(title, width - 0.3),
        ylabel=ylabel,
        states=tuple(map(str, states)),
        values=values,
        errors=None if errors is None else np.asarray(errors, dtype=np.float64),
        value_format=choose_value_format(values) if len(states) <= 30 else None,
    )


def _bars_width(count: int) -> float:
    return float(np.clip(1.6 + 0.34 * count, 6.4, 26.0))


#: ``gid`` of the collection holding a bar plot's bars (one rectangle per state).
BARS_GID = "bars"


def bar_rectangles(values: np.ndarray, width: float = 0.8) -> np.ndarray:
    """``[S, 4, 2]`` corners of one bar per value: centred on ``0, 1, ...``, from 0 to the value.

    Non-finite values get an empty (zero-height) bar.
    """
    values = np.where(np.isfinite(values), np.asarray(values, dtype=np.float64), 0.0)
    positions = np.arange(len(values), dtype=np.float64)
    left, right = positions - width / 2, positions + width / 2
    zero = np.zeros_like(values)
    xs = np.stack([left, right, right, left], axis=1)
    ys = np.stack([zero, zero, values, values], axis=1)
    return np.stack([xs, ys], axis=2)


def _index_tick_step(count: int, most: int = 40) -> int:
    """A round step (1, 2 or 5 times a power of ten) that puts at most ``most`` index ticks on ``count`` bars."""
    least = count / most
    for power in range(12):
        for factor in (1, 2, 5):
            if factor * 10**power >= least:
                return factor * 10**power
    return 10**12


def _add_bars(ax, values: np.ndarray, errors: np.ndarray | None) -> None:
    """The bars (one collection) and their error bars, which the y axis autoscales to (as :meth:`~matplotlib.axes.Axes.bar`)."""
    count = len(values)
    bars = PolyCollection(
        bar_rectangles(values),  # type: ignore[arg-type]  # an [S, 4, 2] array: matplotlib's fast path, not in its stubs
        facecolors=style.AGENT_COLORS["H"],
        edgecolors="none",
        linewidths=0,
        zorder=2,
        gid=BARS_GID,
    )
    bars.sticky_edges.y.append(0.0)  # as Axes.bar: no margin below a bar's foot
    ax.add_collection(bars, autolim=True)
    if errors is not None:
        ax.errorbar(
            np.arange(count),
            values,
            yerr=errors,
            fmt="none",
            ecolor="black",
            elinewidth=1,
            capsize=min(6, 120 / count),
            zorder=3,
        )


def draw_bars(data: BarsData) -> Figure:
    """Draw a :class:`BarsData` (one bar per state, error bars, values above them).

    The bars are one polygon collection (``gid`` :data:`BARS_GID`), not a patch each: 930
    bars as patches took about 0.4 s to create and 0.15 s to draw; as one collection a few
    milliseconds, with the same pixels. The y axis is scaled as for
    :meth:`~matplotlib.axes.Axes.bar` (bars stick to zero, 5 % margins elsewhere). Beyond
    150 states the ticks are state indices at a round step (at most 40 of them).
    """
    values, errors, states = data.values, data.errors, data.states
    count = len(states)
    width = _bars_width(count)
    longest = max(len(s) for s in states)
    many = count > 150
    label_inches = 0.4 if many else min(2.6, 0.3 + 0.075 * longest)
    top = style.title_inches(data.title) + 0.2
    height = 3.8 + label_inches + top
    figure = style.new_figure(width, height)
    bottom = (0.5 + label_inches) / height
    ax = figure.add_axes((0.95 / width, bottom, 1 - 1.25 / width, 1 - bottom - top / height))
    positions = np.arange(count)
    _add_bars(ax, values, errors)
    ax.grid(axis="y", color="0.88", zorder=0)
    ax.set_ylabel(data.ylabel, fontsize=style.FONT_SIZE)
    ax.set_xlim(-0.7, count - 0.3)
    if many:
        ax.set_xticks(positions[:: _index_tick_step(count)])
        ax.set_xlabel("state index (labels in power.csv)", fontsize=style.FONT_SIZE)
    else:
        rotate = count > 8 or longest > 6
        ax.set_xticks(
            positions, list(states), rotation=90 if rotate else 0, fontsize=style.FONT_SIZE - (2 if count > 40 else 1)
        )
        ax.set_xlabel("state", fontsize=style.FONT_SIZE)
    if data.value_format is not None:
        # Each value printed just beyond its error bar.
        reach = values + np.where(values >= 0, 1.0, -1.0) * (errors if errors is not None else 0.0)
        extent = float(np.nanmax(np.abs(reach))) or 1.0
        for x, v, end in zip(positions, values, reach):
            ax.text(
                float(x),
                end + (0.02 if v >= 0 else -0.02) * extent,
                data.value_format.format(v),
                ha="center",
                va="bottom" if v >= 0 else "top",
                rotation=90,
                fontsize=style.FONT_SIZE - 2,
            )
        low, high = min(0.0, float(np.nanmin(reach))), max(0.0, float(np.nanmax(reach)))
        ax.set_ylim(low - (0.2 * extent if low < 0 else 0), high + (0.2 * extent if high > 0 else 0.05 * extent))
    ax.tick_params(axis="y", labelsize=style.FONT_SIZE - 1)
    style.set_title(figure, data.title, 0.08)
    return figure


def update_bars(figure: Figure, previous: BarsData, data: BarsData) -> bool:
    """Show ``data`` on ``figure`` (drawn from ``previous``) if the layout is the same; whether it was.

    The same layout: the same states, error bars in both or neither, no values printed
    above the bars, the same number of title lines. Then the bars, error bars, y axis and
    title change (Agent A's bars after Agent H's), and the figure is what :func:`draw_bars`
    would draw.
    """
    same = (
        previous.states == data.states
        and (previous.errors is None) == (data.errors is None)
        and previous.value_format is None
        and data.value_format is None
        and previous.title.count("\n") == data.title.count("\n")
    )
    if not same:
        return False
    ax = figure.axes[0]
    for collection in [c for c in ax.collections if c.get_gid() == BARS_GID]:
        collection.remove()
    for container in list(ax.containers):  # the error bars
        container.remove()
    ax.relim()  # forget the old bars' extent; the y axis is autoscaled to the new ones when drawn
    _add_bars(ax, data.values, data.errors)
    ax.set_ylabel(data.ylabel, fontsize=style.FONT_SIZE)
    style.set_title(figure, data.title, 0.08)
    return True


def state_values_data(
    values: np.ndarray,
    states: Sequence[str],
    *,
    errors: np.ndarray | None = None,
    aggregation: str = "mean",
    quantity: str = "POWER",
    plot_as_gridworld: bool = False,
    label: style.RunLabel | None = None,
    agent: str | None = None,
    num_samples: int | None = None,
    geometry: GridGeometry | None = None,
) -> HeatmapData | BarsData:
    """One statistic per state (a mean with its standard errors, or a variance) as bars or a heat map.

    Parameters
    ----------
    values : array ``[S]``
    states : sequence of str
    errors : array ``[S]``, optional
        Standard errors of ``values`` (means only).
    aggregation : {'mean', 'var'}
    quantity : str
        What the values are of (``'POWER'``, ``'Reward'``, or a full name such as
        ``'POWER of Agent H against Agent A's seed policy'``).
    plot_as_gridworld : bool
        A gridworld heat map instead of bars.
    label : RunLabel, optional
        The run, for the title.
    agent : {'H', 'A'}, optional
    num_samples : int, optional
    geometry : GridGeometry, optional
        The parsed gridworld states, if already known.
    """
    values = np.asarray(values, dtype=np.float64)
    if aggregation not in AGGREGATIONS:
        raise FigureError(f"aggregation must be one of {AGGREGATIONS}, not {aggregation!r}")
    if aggregation == "mean":
        what, units, axis_label = quantity, "reward units", f"{quantity} (mean over samples)"
        if errors is not None and (num_samples is None or num_samples > 1):
            detail = (
                f" (largest standard error {np.max(errors):.2g})" if plot_as_gridworld else " (mean ± standard error)"
            )
        else:
            detail = ""
    else:
        errors = None
        what, units, detail = f"Variance of {quantity} samples", "reward units²", ""
        axis_label = f"variance of {quantity} samples"
    title = style.figure_title(what, label, agent, detail)
    if plot_as_gridworld:
        return heatmap_data(
            values, states, title=title, colorbar_label=f"{axis_label} ({units})", errors=errors, geometry=geometry
        )
    return bars_data(values, states, errors=errors, title=title, ylabel=f"{axis_label} ({units})")


def sample_aggregation_data(
    samples: np.ndarray,
    states: Sequence[str],
    *,
    aggregation: str = "mean",
    quantity: str = "POWER",
    plot_as_gridworld: bool = False,
    label: style.RunLabel | None = None,
    agent: str | None = None,
) -> HeatmapData | BarsData:
    """:func:`state_values_data` of the mean (± standard error) or variance of samples ``[N, S]``."""
    samples = np.asarray(samples, dtype=np.float64)
    if samples.ndim != 2 or samples.shape[1] != len(states):
        raise FigureError(f"samples have shape {samples.shape}, expected [num_samples, {len(states)}]")
    values = aggregate(samples, aggregation)
    errors = standard_error(samples) if aggregation == "mean" else None
    return state_values_data(
        values,
        states,
        errors=errors,
        aggregation=aggregation,
        quantity=quantity,
        plot_as_gridworld=plot_as_gridworld,
        label=label,
        agent=agent,
        num_samples=samples.shape[0],
    )


# --------------------------------------------------------------------------------------
# Panels: many small plots on one axes


def _panel_positions(states: Sequence[str], plot_as_gridworld: bool) -> tuple[list[tuple[int, int]], int, int]:
    """Where each state's panel goes: its cell (gridworld) or reading order (4-8 columns)."""
    if plot_as_gridworld:
        geometry = GridGeometry.of_states(states)
        return [(int(r), int(c)) for r, c in geometry.cells_H], geometry.num_rows, geometry.num_cols
    count = len(states)
    cols = min(count, 4 if count <= 16 else 6 if count <= 48 else 8)
    rows = int(np.ceil(count / cols))
    return [divmod(i, cols) for i in range(count)], rows, cols


def _groups_by_agent_A(
    states: Sequence[str], plot_as_gridworld: bool
) -> list[tuple[str, np.ndarray, tuple[int, int] | None]]:
    """Split a joint gridworld's states by Agent A's position (one figure each), else one group."""
    if plot_as_gridworld:
        geometry = GridGeometry.of_states(states)
        if geometry.cells_A is not None:  # joint
            groups: list[tuple[str, np.ndarray, tuple[int, int] | None]] = []
            for r, c in geometry.positions_of_A():
                idx = np.flatnonzero((geometry.cells_A[:, 0] == r) & (geometry.cells_A[:, 1] == c))
                groups.append((f"_agent_A_state_{r}_{c}", idx, (r, c)))
            return groups
    return [("", np.arange(len(states)), None)]


def too_many_states(kind: str, count: int, limit: int) -> bool:
    """Whether ``count`` states exceed ``limit`` for the figures ``kind`` (then warn that they are skipped)."""
    if count > limit:
        style.warn(
            f"{kind}: {count} states is more than the limit of {limit}; these figures are skipped "
            f"(pass max_states={count} to draw them anyway)"
        )
        return True
    return False


@dataclass(frozen=True)
class _PanelGrid:
    """Panel sizes and margins (inches) of a multi-panel figure drawn on one axes."""

    rows: int
    cols: int
    panel_w: float
    panel_h: float
    gap_x: float
    gap_y: float
    left: float
    right: float
    top: float
    bottom: float

    @property
    def width(self) -> float:
        return max(self.left + self.right + self.cols * self.panel_w + (self.cols - 1) * self.gap_x, 6.0)

    @property
    def height(self) -> float:
        return self.top + self.bottom + self.rows * self.panel_h + (self.rows - 1) * self.gap_y

    def origin(self, row: int, col: int) -> tuple[float, float]:
        """Lower-left corner (inches from the figure's lower left) of the panel at ``(row, col)``."""
        return (
            self.left + col * (self.panel_w + self.gap_x),
            self.bottom + (self.rows - 1 - row) * (self.panel_h + self.gap_y),
        )


def _inch_axes(figure: Figure, grid: _PanelGrid):
    """One invisible axes over the whole figure whose data coordinates are inches."""
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, figure.get_figwidth())
    ax.set_ylim(0, figure.get_figheight())
    ax.set_axis_off()
    return ax


def _frames(ax, grid: _PanelGrid, panels: Sequence[Panel], framed_color: str) -> None:
    """Panel frames as two line collections (plain, and framed in colour)."""
    plain: list[list[tuple[float, float]]] = []
    framed: list[list[tuple[float, float]]] = []
    for panel in panels:
        x, y = grid.origin(panel.row, panel.col)
        square = [(x, y), (x + grid.panel_w, y), (x + grid.panel_w, y + grid.panel_h), (x, y + grid.panel_h), (x, y)]
        (framed if panel.framed else plain).append(square)
    ax.add_collection(LineCollection(plain, colors="black", linewidths=0.6, zorder=4))
    if framed:
        ax.add_collection(LineCollection(framed, colors=framed_color, linewidths=2.5, zorder=4))


def _edge_panels(panels: Sequence[Panel]) -> tuple[set, set]:
    """Panels lowest in their column and leftmost in their row (those carry tick labels)."""
    lowest: dict[int, int] = {}  # column -> its lowest row
    leftmost: dict[int, int] = {}  # row -> its leftmost column
    for p in panels:
        lowest[p.col] = max(lowest.get(p.col, -1), p.row)
        leftmost[p.row] = min(leftmost.get(p.row, 1 << 30), p.col)
    return (
        {(p.row, p.col) for p in panels if p.row == lowest[p.col]},
        {(p.row, p.col) for p in panels if p.col == leftmost[p.row]},
    )


def _ticks(ax, grid: _PanelGrid, panels: Sequence[Panel], x_ticks, y_ticks, font: float) -> None:
    """Tick marks and labels along the bottom of the lowest panels and the left of the leftmost.

    ``x_ticks`` / ``y_ticks``: ``[(fraction of the panel, label)]`` for every panel. The labels
    are one collection of outlines (:mod:`powerplay.figures.glyphs`), not a text each.
    """
    bottom_panels, left_panels = _edge_panels(panels)
    marks = []
    below: tuple[list[str], list[tuple[float, float]]] = ([], [])  # tick labels and their positions
    beside: tuple[list[str], list[tuple[float, float]]] = ([], [])
    length = 0.04
    for panel in panels:
        x, y = grid.origin(panel.row, panel.col)
        if (panel.row, panel.col) in bottom_panels:
            for fraction, text in x_ticks:
                xt = x + fraction * grid.panel_w
                marks.append([(xt, y), (xt, y - length)])
                below[0].append(text)
                below[1].append((xt, y - length - 0.04))
        if (panel.row, panel.col) in left_panels:
            for fraction, text in y_ticks:
                yt = y + fraction * grid.panel_h
                marks.append([(x, yt), (x - length, yt)])
                beside[0].append(text)
                beside[1].append((x - length - 0.04, yt))
    ax.add_collection(LineCollection(marks, colors="black", linewidths=0.6))
    if below[0]:
        text_collection(ax, *below, size=font, va="top")
    if beside[0]:
        text_collection(ax, *beside, size=font, ha="right")


def _panel_titles(ax, grid: _PanelGrid, panels: Sequence[Panel]) -> None:
    text_collection(
        ax,
        [p.title for p in panels],
        [
            (grid.origin(p.row, p.col)[0] + grid.panel_w / 2, grid.origin(p.row, p.col)[1] + grid.panel_h + 0.05)
            for p in panels
        ],
        size=style.FONT_SIZE - 2,
        va="bottom",
    )


def _tick_label(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e6:
        return str(int(value))
    text = f"{value:.3g}"
    return "0" if text in ("-0", "0") else text


def _linear_ticks(low: float, high: float, count: int, integer: bool = False) -> list[tuple[float, str]]:
    values = MaxNLocator(count, integer=integer).tick_values(low, high)
    span = high - low or 1.0
    return [((v - low) / span, _tick_label(v)) for v in values if low - 1e-9 * span <= v <= high + 1e-9 * span]


def _log_ticks(low: float, high: float) -> list[tuple[float, str]]:
    lo, hi = np.log10(low), np.log10(high)
    span = hi - lo or 1.0
    decades = np.arange(np.ceil(lo - 1e-9), np.floor(hi + 1e-9) + 1)
    if len(decades) > 5:
        decades = decades[:: int(np.ceil(len(decades) / 5))]
    return [((d - lo) / span, _tick_label(10.0**d)) for d in decades]


# --------------------------------------------------------------------------------------
# Histograms


def use_log_bins(samples: np.ndarray, heavy_tailed: bool = False) -> bool:
    """Whether histograms of ``samples`` get log-spaced bins.

    Yes when every sample is positive and either ``heavy_tailed`` (e.g. the run's reward
    distribution is Pareto with shape ≤ 2) or the largest sample is at least
    :data:`HEAVY_TAIL_RATIO` times the median: linear bins would then put almost every
    sample in the first bin. Samples with zeros or negatives keep linear bins.
    """
    samples = np.asarray(samples, dtype=np.float64).ravel()
    if samples.size == 0 or not samples.min() > 0 or not np.isfinite(samples.max()):
        return False
    # The median of an even subsample of up to 100,000 values is plenty for a 50-fold ratio.
    median = float(np.median(samples[:: max(1, samples.size // 100_000)]))
    return bool(heavy_tailed or samples.max() >= HEAVY_TAIL_RATIO * median)


def heavy_tailed_rewards(block) -> bool:
    """Whether a ``reward_distribution`` block (:attr:`Scenario.reward_distribution
    <powerplay.scenario.Scenario.reward_distribution>`) has a Pareto part with shape (alpha) ≤ 2."""
    if not isinstance(block, Mapping):  # no distribution: nothing to warn about
        return False
    try:
        distribution = RewardDistribution.from_config(block)
    except (ModelError, TypeError, AttributeError):  # no (valid) distribution: nothing to warn about
        return False
    parts = [distribution.default, *distribution.state_dists.values()]
    return any(part.tail_index is not None and part.tail_index <= 2 for part in parts)


def _panel_size(cols: int) -> tuple[float, bool]:
    # Panels shrink for large grids so the figure stays within ~15 inches (pixels cost time).
    width = float(np.clip(11.0 / cols, 0.9, 2.1))
    return width, width < 1.5


def histogram_data(
    samples: np.ndarray,
    states: Sequence[str],
    *,
    quantity: str = "POWER",
    plot_as_gridworld: bool = False,
    label: style.RunLabel | None = None,
    agent: str | None = None,
    number_of_bins: int = 30,
    max_states: int = MAX_DISTRIBUTION_STATES,
    log_bins: bool | None = None,
    heavy_tailed: bool = False,
) -> list[tuple[str, HistogramData]]:
    """Histograms of the samples at each state, on bins and a count axis shared by all panels.

    For a gridworld the panels sit at their cells; for a joint gridworld there is one figure
    per position of Agent A (whose own cell's panel is framed in red), as in the reference.

    Parameters
    ----------
    samples : array ``[N, S]``
    states : sequence of str
    quantity : str
        ``'POWER'`` or ``'Reward'``.
    plot_as_gridworld : bool
    label : RunLabel, optional
    agent : {'H', 'A'}, optional
    number_of_bins : int
    max_states : int
        Beyond this many states nothing is computed and a :class:`FigureWarning` says why.
    log_bins : bool, optional
        Log-spaced bins; by default :func:`use_log_bins` decides.
    heavy_tailed : bool
        The samples come from a heavy-tailed distribution (see :func:`use_log_bins`).

    Returns
    -------
    list of (str, HistogramData)
        The file-name tag of each figure (``''`` or ``'_agent_A_state_{r}_{c}'``) and its data.
    """
    samples = np.asarray(samples, dtype=np.float64)
    if too_many_states(f"{quantity} sample histograms", len(states), max_states):
        return []
    log = use_log_bins(samples, heavy_tailed) if log_bins is None else bool(log_bins)
    low, high = float(samples.min()), float(samples.max())
    if log and low <= 0:
        raise FigureError(f"log-spaced bins need positive samples; the {quantity} samples reach {low:g}")
    if high <= low:
        low, high = (low / 2, low * 2) if log else (low - 0.5, high + 0.5)
    edges = np.geomspace(low, high, number_of_bins + 1) if log else np.linspace(low, high, number_of_bins + 1)
    # Bin indices once for every sample and state; then one bincount per state.
    if log:
        index = np.floor((np.log(samples) - np.log(low)) / (np.log(high) - np.log(low)) * number_of_bins)
    else:
        index = np.floor((samples - low) / (high - low) * number_of_bins)
    index = np.clip(index.astype(np.int64), 0, number_of_bins - 1)
    counts = np.stack([np.bincount(index[:, s], minlength=number_of_bins) for s in range(len(states))])
    color = style.agent_color(agent or "H")
    out = []
    for tag, idx, position_A in _groups_by_agent_A(states, plot_as_gridworld):
        group_states = [states[i] for i in idx]
        positions, rows, cols = _panel_positions(group_states, plot_as_gridworld)
        panels = []
        for i, (r, c) in zip(idx, positions):
            title = str(states[i])
            if position_A is not None:  # the figure says where A is, and that panels are H's positions
                row_H, col_H = GridGeometry.of_states([states[i]]).cells_H[0]
                title = f"({row_H}, {col_H})"
            panels.append(Panel(str(states[i]), r, c, title, framed=position_A == (r, c)))
        if position_A is not None and position_A not in positions:  # A's cell, where H cannot be: an empty frame
            panels.append(Panel("", position_A[0], position_A[1], "Agent A", framed=True))
        head = style.figure_title(
            f"{quantity} samples", label, agent, detail=", by state" + (" (log-spaced bins)" if log else "")
        )
        if position_A is not None:
            head += f"\nAgent A at ({position_A[0]}, {position_A[1]}) (red frame); panels: Agent H's position"
        grid = _histogram_grid(rows, cols, head)
        out.append(
            (
                tag,
                HistogramData(
                    title=style.fit_title(head, grid.width - 0.3),
                    quantity=quantity,
                    edges=edges,
                    log_bins=log,
                    counts={states[i]: counts[i] for i in idx},
                    panels=tuple(panels),
                    rows=rows,
                    cols=cols,
                    top_count=float(counts[idx].max()) * 1.05 or 1.0,
                    color=color,
                ),
            )
        )
    return out


def _histogram_grid(rows: int, cols: int, title: str) -> _PanelGrid:
    panel_w, small = _panel_size(cols)
    gap = (0.3, 0.42) if small else (0.35, 0.55)
    return _PanelGrid(
        rows,
        cols,
        panel_w,
        0.76 * panel_w,
        gap[0],
        gap[1],
        left=0.9,
        right=0.3,
        top=style.title_inches(title, style.FONT_SIZE) + 0.3,
        bottom=0.75,
    )


def draw_histograms(data: HistogramData) -> Figure:
    """Draw a :class:`HistogramData`: every panel's bars as one polygon collection on one axes."""
    grid = _histogram_grid(data.rows, data.cols, data.title)
    figure = style.new_figure(grid.width, grid.height)
    ax = _inch_axes(figure, grid)
    edges = np.log10(data.edges) if data.log_bins else data.edges
    fractions = (edges - edges[0]) / (edges[-1] - edges[0])
    polygons = []
    for panel in data.panels:
        if panel.state not in data.counts:  # an empty frame (Agent A's own cell)
            continue
        x, y = grid.origin(panel.row, panel.col)
        heights = y + grid.panel_h * data.counts[panel.state] / data.top_count
        xs = x + grid.panel_w * np.repeat(fractions, 2)[1:-1]  # each bin's left and right edge
        ys = np.repeat(heights, 2)
        polygons.append(np.column_stack([np.r_[xs[0], xs, xs[-1]], np.r_[y, ys, y]]))
    ax.add_collection(PolyCollection(polygons, facecolors=data.color, edgecolors="none", alpha=0.85, zorder=2))
    _frames(ax, grid, data.panels, style.AGENT_COLORS["A"])
    small = grid.panel_w < 1.5
    font = style.FONT_SIZE - 3
    _panel_titles(ax, grid, data.panels)
    low, high = float(data.edges[0]), float(data.edges[-1])
    # Few tick labels: every text costs about a millisecond to draw.
    x_ticks = _log_ticks(low, high) if data.log_bins else _linear_ticks(low, high, 3 if small else 4)
    y_ticks = _linear_ticks(0.0, data.top_count, 3, integer=True)
    _ticks(ax, grid, data.panels, x_ticks, y_ticks, font)
    height = grid.height
    style.set_title(figure, data.title, 0.08, style.FONT_SIZE)
    scale = "log scale, " if data.log_bins else ""
    figure.text(
        0.5,
        0.08 / height,
        f"{data.quantity} sample (reward units; {scale}bins shared by all panels)",
        ha="center",
        va="bottom",
        fontsize=style.FONT_SIZE - 1,
    )
    figure.text(
        0.1 / grid.width, 0.5, "number of samples", rotation=90, ha="left", va="center", fontsize=style.FONT_SIZE - 1
    )
    return figure


# --------------------------------------------------------------------------------------
# Correlations


def _pearson_matrix(samples: np.ndarray) -> np.ndarray:
    """``[S, S]`` Pearson correlations between states' samples (NaN for constant states)."""
    centred = samples - samples.mean(axis=0)
    scale = np.sqrt((centred**2).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        matrix = (centred.T @ centred) / np.outer(scale, scale)
    matrix[~np.isfinite(matrix)] = np.nan
    return np.clip(matrix, -1.0, 1.0)


def correlation_data(
    samples: np.ndarray,
    states: Sequence[str],
    *,
    quantity: str = "POWER",
    plot_as_gridworld: bool = False,
    label: style.RunLabel | None = None,
    agent: str | None = None,
    number_of_bins: int = 30,
    max_states: int = MAX_CORRELATION_STATES,
) -> list[tuple[str, CorrelationData]]:
    """For each state ``x``: 2-D histograms of the samples at ``x`` (horizontal) against each state ``y``.

    That is ``N`` figures of ``N`` panels; beyond ``max_states`` states nothing is computed
    and a :class:`FigureWarning` explains why (see :func:`matrix_data`).

    Returns
    -------
    list of (str, CorrelationData)
        The file-name tag (``'_correlations_{x}'``) and data for each state ``x``.
    """
    samples = np.asarray(samples, dtype=np.float64)
    count = len(states)
    if too_many_states(f"{quantity} sample correlations ({count}² 2-D histograms)", count, max_states):
        return []
    grid_layout = plot_as_gridworld and not GridGeometry.of_states(states).joint
    positions, rows, cols = _panel_positions(states, grid_layout)
    low, high = samples.min(axis=0), samples.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    # Bin indices of every sample at every state, computed once: [N, S].
    bins = np.clip(((samples - low) / span * number_of_bins).astype(np.int64), 0, number_of_bins - 1)
    pearson = _pearson_matrix(samples)
    ranges = {s: (float(low[i]), float(low[i] + span[i])) for i, s in enumerate(states)}
    out = []
    for x in range(count):
        flat = bins[:, x][:, None] * number_of_bins + bins  # [N, S]
        histograms = {
            states[y]: np.bincount(flat[:, y], minlength=number_of_bins**2).reshape(number_of_bins, number_of_bins)
            for y in range(count)
        }
        off_diagonal = [h.max() for s, h in histograms.items() if s != states[x]]
        top = max(float(max(off_diagonal)) if off_diagonal else 1.0, 1.0)
        panels = []
        for y, (r, c) in zip(range(count), positions):
            rho = pearson[x, y]
            panels.append(
                Panel(str(states[y]), r, c, f"{states[y]}  (r = {rho:.2f})" if np.isfinite(rho) else str(states[y]))
            )
        title = style.figure_title(
            f"{quantity} samples", label, agent, detail=f": state {states[x]} against each state"
        )
        out.append(
            (
                f"_correlations_{states[x]}",
                CorrelationData(
                    title=title,
                    state=str(states[x]),
                    histograms=histograms,
                    ranges=ranges,
                    pearson={str(s): float(v) for s, v in zip(states, pearson[x])},
                    panels=tuple(panels),
                    rows=rows,
                    cols=cols,
                    top_count=top,
                ),
            )
        )
    return out


def _correlation_grid(rows: int, cols: int, title: str) -> _PanelGrid:
    return _PanelGrid(
        rows,
        cols,
        1.9,
        1.9,
        0.55,
        0.6,
        left=0.9,
        right=1.2,
        top=style.title_inches(title, style.FONT_SIZE) + 0.3,
        bottom=0.75,
    )


def draw_correlations(data: CorrelationData) -> Figure:
    """Draw a :class:`CorrelationData`: every panel's 2-D histogram as one mosaic image on one axes."""
    grid = _correlation_grid(data.rows, data.cols, data.title)
    figure = style.new_figure(grid.width, grid.height)
    ax = _inch_axes(figure, grid)
    bins = next(iter(data.histograms.values())).shape[0]
    # One image over the whole figure at a resolution of one bin per pixel-block: panels are
    # whole numbers of bins apart, the rest is blank.
    per_inch = bins / grid.panel_w
    shape = (int(round(grid.height * per_inch)), int(round(grid.width * per_inch)))
    mosaic = np.full(shape, np.nan)
    for panel in data.panels:
        x, y = grid.origin(panel.row, panel.col)
        col0 = int(round(x * per_inch))
        row0 = shape[0] - int(round((y + grid.panel_h) * per_inch))
        # Histograms are indexed [bin of x, bin of y]; the image has y upwards, x to the right.
        mosaic[row0 : row0 + bins, col0 : col0 + bins] = data.histograms[panel.state].T[::-1]
    norm = PowerNorm(0.5, vmin=0, vmax=data.top_count)
    image = ax.imshow(
        np.ma.masked_invalid(mosaic),
        cmap=style.color_map(),
        norm=norm,
        interpolation="nearest",
        extent=(0, shape[1] / per_inch, 0, shape[0] / per_inch),
        aspect="auto",
        zorder=1,
    )
    ax.set_xlim(0, grid.width)
    ax.set_ylim(0, grid.height)
    _frames(ax, grid, data.panels, style.AGENT_COLORS["A"])
    font = style.FONT_SIZE - 3
    _panel_titles(ax, grid, data.panels)
    low, high = data.ranges[data.state]
    x_ticks = _linear_ticks(low, high, 3)

    _ticks(ax, grid, data.panels, x_ticks, [], font)
    # Every panel has its own vertical range (its state's samples): label each panel's left edge.
    marks, texts, places = [], [], []
    for panel in data.panels:
        x, y = grid.origin(panel.row, panel.col)
        for fraction, text in _linear_ticks(*data.ranges[panel.state], 3):
            marks.append([(x, y + fraction * grid.panel_h), (x - 0.04, y + fraction * grid.panel_h)])
            texts.append(text)
            places.append((x - 0.08, y + fraction * grid.panel_h))
    ax.add_collection(LineCollection(marks, colors="black", linewidths=0.6))
    text_collection(ax, texts, places, size=font, ha="right")
    height, width = grid.height, grid.width
    cax = figure.add_axes((1 - 0.85 / width, grid.bottom / height, 0.16 / width, 1 - (grid.bottom + grid.top) / height))
    bar = figure.colorbar(image, cax=cax)
    bar.set_label("samples per bin", fontsize=style.FONT_SIZE - 1)
    bar.ax.tick_params(labelsize=style.FONT_SIZE - 2)
    style.set_title(figure, data.title, 0.08, style.FONT_SIZE)
    figure.text(
        0.5,
        0.08 / height,
        f"horizontal: sample at state {data.state}; vertical: sample at the panel's state (reward units)",
        ha="center",
        va="bottom",
        fontsize=style.FONT_SIZE - 1,
    )
    return figure


def matrix_data(
    samples: np.ndarray,
    states: Sequence[str],
    *,
    quantity: str = "POWER",
    label: style.RunLabel | None = None,
    agent: str | None = None,
) -> MatrixData | None:
    """The Pearson correlation between every pair of states' samples.

    Returns ``None`` (with a :class:`FigureWarning`) beyond
    :data:`MAX_CORRELATION_MATRIX_STATES` states.
    """
    count = len(states)
    if too_many_states(f"{quantity} correlation matrix", count, MAX_CORRELATION_MATRIX_STATES):
        return None
    matrix = _pearson_matrix(np.asarray(samples, dtype=np.float64))
    title = style.figure_title(f"{quantity} samples", label, agent, detail=": Pearson correlation between states")
    side = _matrix_side(count)
    return MatrixData(
        title=style.fit_title(title, side + 2.1),
        colorbar_label=f"Pearson correlation of {quantity} samples",
        states=tuple(map(str, states)),
        matrix=matrix,
    )


def _matrix_side(count: int) -> float:
    return float(np.clip(0.28 * count, 5.0, 11.0))


def draw_matrix(data: MatrixData) -> Figure:
    """Draw a :class:`MatrixData` as a heat map (state labels when there are at most 40 states)."""
    count = len(data.states)
    side = _matrix_side(count)
    top = style.title_inches(data.title) + 0.2
    width, height = side + 2.4, side + 0.9 + top
    figure = style.new_figure(width, height)
    ax = figure.add_axes((1.3 / width, 0.9 / height, side / width, side / height))
    image = ax.imshow(
        np.ma.masked_invalid(data.matrix),
        cmap=style.color_map(),
        norm=Normalize(-1.0, 1.0),
        interpolation="nearest",
        aspect="auto",
    )
    if count <= 40:
        size = style.FONT_SIZE - (1 if count <= 12 else 3)
        ax.set_xticks(range(count), list(data.states), rotation=90, fontsize=size)
        ax.set_yticks(range(count), list(data.states), fontsize=size)
    else:
        ax.set_xlabel("state index", fontsize=style.FONT_SIZE)
        ax.set_ylabel("state index", fontsize=style.FONT_SIZE)
    cax = figure.add_axes(((1.5 + side) / width, 0.9 / height, 0.2 / width, side / height))
    bar = figure.colorbar(image, cax=cax)
    bar.set_label(data.colorbar_label, fontsize=style.FONT_SIZE)
    style.set_title(figure, data.title, 0.08)
    return figure


#: Size (inches) of a reward-pair scatter.
PAIRS_SIZE = (6.0, 6.3)


def draw_reward_pairs(data: RewardPairsData) -> Figure:
    """Draw a :class:`RewardPairsData` as a scatter (square axes when both ranges are given)."""
    figure = style.new_figure(*PAIRS_SIZE)
    ax = figure.add_axes((0.14, 0.1, 0.8, 0.74))
    ax.scatter(data.rewards_H, data.rewards_A, s=14, color=style.ACCENT_COLOR, alpha=0.4, linewidths=0)
    if data.xlim is not None:
        ax.set_xlim(*data.xlim)
    if data.ylim is not None:
        ax.set_ylim(*data.ylim)
    ax.set_aspect("equal" if data.xlim is not None and data.ylim is not None else "auto")
    ax.set_xlabel("reward of Agent H", fontsize=style.FONT_SIZE)
    ax.set_ylabel("reward of Agent A", fontsize=style.FONT_SIZE)
    ax.grid(color="0.9", zorder=0)
    ax.tick_params(labelsize=style.FONT_SIZE - 1)
    style.set_title(figure, data.title, 0.1)
    return figure


def update_reward_pairs(figure: Figure, previous: RewardPairsData, data: RewardPairsData) -> bool:
    """Show ``data`` on ``figure`` (drawn from ``previous``) if both have set axis limits; whether it did."""
    if (
        previous.xlim is None
        or previous.ylim is None
        or data.xlim is None
        or data.ylim is None
        or previous.title.count("\n") != data.title.count("\n")
    ):
        return False
    ax = figure.axes[0]
    ax.collections[0].set_offsets(np.column_stack([data.rewards_H, data.rewards_A]))
    ax.set_xlim(*data.xlim)
    ax.set_ylim(*data.ylim)
    style.set_title(figure, data.title, 0.1)
    return True
