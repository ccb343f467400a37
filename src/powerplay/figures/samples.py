"""Per-state summaries of reward and POWER samples: means, variances, histograms, correlations.

These are the reference tool's per-run figures:

* :func:`sample_aggregation_figure` -- the mean (with ± standard-error bars) or variance of
  the samples at each state: a bar plot, or a gridworld heat map (``plot_as_gridworld``);
* :func:`sample_histogram_figures` -- a histogram of the samples at each state;
* :func:`sample_correlation_figures` -- for each state ``x``, 2-D histograms of the samples
  at ``x`` against those at every state ``y``;
* :func:`correlation_matrix_figure` -- the state-by-state Pearson correlation matrix, a
  compact alternative when ``N²`` histograms would be impractical.

Histograms and correlations are guarded: beyond :data:`MAX_DISTRIBUTION_STATES` /
:data:`MAX_CORRELATION_STATES` states they are skipped with a :class:`FigureWarning`
saying why (pass a larger ``max_states`` to force them).

Examples
--------
>>> samples = np.array([[0.1, 0.5], [0.3, 0.7]])
>>> figure = sample_aggregation_figure(samples, ['a', 'b'], aggregation='mean')
>>> figure.plotted['values'].round(6).tolist(), figure.plotted['errors'].round(6).tolist()
([0.2, 0.6], [0.1, 0.1])
"""

from __future__ import annotations

from ..errors import FigureError, FigureWarning

import warnings
from typing import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Normalize, PowerNorm
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..stats.moments import standard_error
from . import style
from .heatmaps import GridGeometry, choose_value_format, gridworld_heatmap_figure

#: Above this many states (per agent) the per-state histograms are skipped.
MAX_DISTRIBUTION_STATES = 256

#: Above this many states the ``N**2`` correlation histograms are skipped.
MAX_CORRELATION_STATES = 25

#: Above this many states even the correlation matrix is skipped.
MAX_CORRELATION_MATRIX_STATES = 2500

AGGREGATIONS = ("mean", "var")


def aggregate(samples: np.ndarray, aggregation: str = "mean") -> np.ndarray:
    """``[S]`` mean or (unbiased) variance over the samples ``[N, S]``."""
    if aggregation not in AGGREGATIONS:
        raise FigureError(f"aggregation must be one of {AGGREGATIONS}, not {aggregation!r}")
    samples = np.asarray(samples, dtype=np.float64)
    if aggregation == "mean":
        return samples.mean(axis=0)
    return samples.var(axis=0, ddof=1) if samples.shape[0] > 1 else np.zeros(samples.shape[1])


def state_bar_figure(
    values: np.ndarray,
    states: Sequence[str],
    *,
    errors: np.ndarray | None = None,
    title: str,
    ylabel: str,
) -> Figure:
    """Bar plot of one value per state, with optional error bars (e.g. ± SEM)."""
    values = np.asarray(values, dtype=np.float64)
    count = len(states)
    width = float(np.clip(1.6 + 0.34 * count, 6.4, 26.0))
    longest = max(len(str(s)) for s in states)
    many = count > 150
    label_inches = 0.4 if many else min(2.6, 0.3 + 0.075 * longest)
    height = 4.4 + label_inches
    figure = style.new_figure(width, height)
    bottom = (0.5 + label_inches) / height
    ax = figure.add_axes([0.95 / width, bottom, 1 - 1.25 / width, 1 - bottom - 0.75 / height])
    positions = np.arange(count)
    ax.bar(positions, values, color=style.AGENT_COLORS["H"], width=0.8, zorder=2)
    if errors is not None:
        ax.errorbar(positions, values, yerr=errors, fmt="none", ecolor="black", elinewidth=1, capsize=min(6, 120 / count), zorder=3)
    ax.grid(axis="y", color="0.88", zorder=0)
    ax.set_ylabel(ylabel, fontsize=style.FONT_SIZE)
    ax.set_xlim(-0.7, count - 0.3)
    if many:
        step = int(np.ceil(count / 40))
        ax.set_xticks(positions[::step])
        ax.set_xlabel("state index (labels in power.csv)", fontsize=style.FONT_SIZE)
    else:
        rotate = count > 8 or longest > 6
        ax.set_xticks(positions, [str(s) for s in states], rotation=90 if rotate else 0,
                      fontsize=style.FONT_SIZE - (2 if count > 40 else 1))
        ax.set_xlabel("state", fontsize=style.FONT_SIZE)
    if count <= 30:
        # Each value printed just beyond its error bar.
        reach = values + np.where(values >= 0, 1.0, -1.0) * (errors if errors is not None else 0.0)
        extent = float(np.nanmax(np.abs(reach))) or 1.0
        value_format = choose_value_format(values)
        for x, v, end in zip(positions, values, reach):
            ax.text(x, end + (0.02 if v >= 0 else -0.02) * extent, value_format.format(v), ha="center",
                    va="bottom" if v >= 0 else "top", rotation=90, fontsize=style.FONT_SIZE - 2)
        low, high = min(0.0, float(np.nanmin(reach))), max(0.0, float(np.nanmax(reach)))
        ax.set_ylim(low - (0.2 * extent if low < 0 else 0), high + (0.2 * extent if high > 0 else 0.05 * extent))
    ax.tick_params(axis="y", labelsize=style.FONT_SIZE - 1)
    figure.suptitle(title, fontsize=style.FONT_SIZE + 1, y=1 - 0.1 / height, va="top")
    figure.plotted = {"kind": "bars", "values": values, "errors": errors, "states": tuple(states)}
    return figure


def sample_aggregation_figure(
    samples: np.ndarray,
    states: Sequence[str],
    *,
    aggregation: str = "mean",
    quantity: str = "POWER",
    plot_as_gridworld: bool = False,
    label: style.RunLabel | None = None,
    agent: str | None = None,
) -> Figure:
    """Mean (± standard error) or variance of samples ``[N, S]`` at each state.

    Parameters
    ----------
    samples : array ``[N, S]``
        Reward or POWER samples.
    states : sequence of str
    aggregation : {'mean', 'var'}
    quantity : str
        What the samples are (``'POWER'``, ``'Reward'``), for titles and labels.
    plot_as_gridworld : bool
        Draw a gridworld heat map (values printed in cells) instead of bars.
    label : RunLabel, optional
        The run, for the title.
    agent : {'H', 'A'}, optional
        Whose samples these are, for the title.

    Returns
    -------
    Figure
        ``figure.plotted`` holds the drawn ``'values'`` (and ``'errors'``, the standard
        errors, for means; bar plots) or ``'matrix'``/``'blocks'`` (heat maps).
    """
    samples = np.asarray(samples, dtype=np.float64)
    if samples.ndim != 2 or samples.shape[1] != len(states):
        raise FigureError(f"samples have shape {samples.shape}, expected [num_samples, {len(states)}]")
    values = aggregate(samples, aggregation)
    errors = standard_error(samples) if aggregation == "mean" else None
    return state_values_figure(values, states, errors=errors, aggregation=aggregation, quantity=quantity,
                               plot_as_gridworld=plot_as_gridworld, label=label, agent=agent,
                               num_samples=samples.shape[0])


def state_values_figure(
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
) -> Figure:
    """One statistic per state (a mean with its standard errors, or a variance) as bars or a heat map.

    The statistics-only form of :func:`sample_aggregation_figure`: a run that kept only the
    statistics of its samples draws its figures with this.
    """
    values = np.asarray(values, dtype=np.float64)
    if aggregation not in AGGREGATIONS:
        raise FigureError(f"aggregation must be one of {AGGREGATIONS}, not {aggregation!r}")
    if aggregation == "mean":
        what, units, axis_label = quantity, "reward units", f"{quantity} (mean over samples)"
        if errors is not None and (num_samples is None or num_samples > 1):
            detail = f" (largest standard error {np.max(errors):.2g})" if plot_as_gridworld else " (mean ± standard error)"
        else:
            detail = ""
    else:
        errors = None
        what, units, detail = f"Variance of {quantity} samples", "reward units²", ""
        axis_label = f"variance of {quantity} samples"
    title = style.figure_title(what, label, agent, detail)
    if plot_as_gridworld:
        figure = gridworld_heatmap_figure(values, states, title=title, colorbar_label=f"{axis_label} ({units})")
        figure.plotted.update({"values": values, "errors": errors})
        return figure
    return state_bar_figure(values, states, errors=errors, title=title, ylabel=f"{axis_label} ({units})")


def _panel_grid(
    figure_width_panels: int,
    figure_height_panels: int,
    positions: Sequence[tuple[int, int]],
    *,
    panel: tuple[float, float] = (2.1, 1.6),
    gap: tuple[float, float] = (0.35, 0.55),
    margins: tuple[float, float, float, float] = (0.75, 0.3, 1.05, 0.7),
) -> tuple[Figure, dict[tuple[int, int], Axes]]:
    """A figure with one small axes at each ``(row, col)`` of a ``rows x cols`` panel grid."""
    left, right, top, bottom = margins
    width = left + right + figure_width_panels * panel[0] + (figure_width_panels - 1) * gap[0]
    height = top + bottom + figure_height_panels * panel[1] + (figure_height_panels - 1) * gap[1]
    width = max(width, 6.0)
    figure = style.new_figure(width, height)
    axes = {}
    for r, c in positions:
        x = left + c * (panel[0] + gap[0])
        y = bottom + (figure_height_panels - 1 - r) * (panel[1] + gap[1])
        axes[(r, c)] = figure.add_axes([x / width, y / height, panel[0] / width, panel[1] / height])
    return figure, axes


def _panel_positions(states: Sequence[str], plot_as_gridworld: bool) -> tuple[list[tuple[int, int]], int, int]:
    """Where each state's panel goes: its cell (gridworld) or reading order (4-8 columns)."""
    if plot_as_gridworld:
        geometry = GridGeometry.of_states(states)
        return [tuple(map(int, rc)) for rc in geometry.cells_H], geometry.num_rows, geometry.num_cols
    count = len(states)
    cols = min(count, 4 if count <= 16 else 6 if count <= 48 else 8)
    rows = int(np.ceil(count / cols))
    return [divmod(i, cols) for i in range(count)], rows, cols


def _groups_by_agent_A(states: Sequence[str], plot_as_gridworld: bool) -> list[tuple[str, np.ndarray, tuple[int, int] | None]]:
    """Split a joint gridworld's states by Agent A's position (one figure each), else one group."""
    if plot_as_gridworld:
        geometry = GridGeometry.of_states(states)
        if geometry.joint:
            groups = []
            for r, c in geometry.positions_of_A():
                idx = np.flatnonzero((geometry.cells_A[:, 0] == r) & (geometry.cells_A[:, 1] == c))
                groups.append((f"_agent_A_state_({r}, {c})", idx, (r, c)))
            return groups
    return [("", np.arange(len(states)), None)]


def _too_many(kind: str, count: int, limit: int) -> bool:
    if count > limit:
        warnings.warn(
            f"{kind}: {count} states is more than the limit of {limit}; these figures are skipped "
            f"(pass max_states={count} to draw them anyway)",
            FigureWarning,
            stacklevel=3,
        )
        return True
    return False


def sample_histogram_figures(
    samples: np.ndarray,
    states: Sequence[str],
    *,
    quantity: str = "POWER",
    plot_as_gridworld: bool = False,
    label: style.RunLabel | None = None,
    agent: str | None = None,
    number_of_bins: int = 30,
    max_states: int = MAX_DISTRIBUTION_STATES,
) -> list[tuple[str, Figure]]:
    """Histogram of the samples at each state.

    All panels share one set of bins (so areas compare across states) and one count axis.
    For a gridworld the panels sit at their cells; for a joint gridworld there is one figure
    per position of Agent A (whose cell's panel is framed in red), as in the reference.

    Returns
    -------
    list of (str, Figure)
        The file-name tag of each figure (``''`` or ``'_agent_A_state_(r, c)'``) and the
        figure; empty (with a :class:`FigureWarning`) beyond ``max_states`` states. Each
        figure's ``plotted['counts']`` maps a state to its bin counts, ``plotted['edges']``
        holds the bin edges.
    """
    samples = np.asarray(samples, dtype=np.float64)
    if _too_many(f"{quantity} sample histograms", len(states), max_states):
        return []
    low, high = float(samples.min()), float(samples.max())
    if high <= low:
        low, high = low - 0.5, high + 0.5
    edges = np.linspace(low, high, number_of_bins + 1)
    counts = np.stack([np.histogram(samples[:, s], bins=edges)[0] for s in range(len(states))])  # [S, bins]
    out = []
    for tag, idx, position_A in _groups_by_agent_A(states, plot_as_gridworld):
        group_states = [states[i] for i in idx]
        positions, rows, cols = _panel_positions(group_states, plot_as_gridworld)
        # Panels shrink for large grids so the figure stays within ~24 inches.
        panel_width = float(np.clip(24.0 / cols - 0.35, 0.9, 2.1))
        small = panel_width < 1.5
        figure, axes = _panel_grid(cols, rows, positions, panel=(panel_width, 0.76 * panel_width),
                                   gap=(0.3, 0.42) if small else (0.35, 0.55))
        top_count = counts[idx].max() * 1.05
        lowest, leftmost = {}, {}
        for (r, c) in positions:
            lowest[c] = max(lowest.get(c, -1), r)
            leftmost[r] = min(leftmost.get(r, cols), c)
        for i, (r, c) in zip(idx, positions):
            ax = axes[(r, c)]
            ax.stairs(counts[i], edges, fill=True, color=style.AGENT_COLORS.get(agent or "H", style.AGENT_COLORS["H"]), alpha=0.85)
            ax.set_xlim(low, high)
            ax.set_ylim(0, top_count)
            panel_title = str(states[i])
            if position_A is not None:  # the figure already says where A is
                row_H, col_H = GridGeometry.of_states([states[i]]).cells_H[0]
                panel_title = f"Agent H at ({row_H}, {col_H})"
            ax.set_title(panel_title, fontsize=style.FONT_SIZE - 2, pad=2)
            ax.tick_params(labelsize=style.FONT_SIZE - 3, length=2, pad=1)
            ax.xaxis.set_major_locator(MaxNLocator(3 if small else 5))
            ax.yaxis.set_major_locator(MaxNLocator(3 if small else 5, integer=True))
            if r != lowest[c]:
                ax.set_xticklabels([])
            if c != leftmost[r]:  # every panel shares the count axis
                ax.set_yticklabels([])
            if position_A == (r, c):
                for spine in ax.spines.values():
                    spine.set_edgecolor(style.AGENT_COLORS["A"])
                    spine.set_linewidth(2.5)
        head = style.figure_title(f"{quantity} samples", label, agent, detail=", by state")
        if position_A is not None:
            head += f"\nAgent A at ({position_A[0]}, {position_A[1]}) (red frame); panels: Agent H's position"
        figure.suptitle(head, fontsize=style.FONT_SIZE, y=1 - 0.08 / figure.get_figheight(), va="top")
        figure.text(0.5, 0.1 / figure.get_figheight(), f"{quantity} sample (reward units); bins shared by all panels",
                    ha="center", va="bottom", fontsize=style.FONT_SIZE - 1)
        figure.text(0.1 / figure.get_figwidth(), 0.5, "number of samples", rotation=90, ha="left", va="center",
                    fontsize=style.FONT_SIZE - 1)
        figure.plotted = {"kind": "histograms", "edges": edges, "counts": {states[i]: counts[i] for i in idx}}
        out.append((tag, figure))
    return out


def sample_correlation_figures(
    samples: np.ndarray,
    states: Sequence[str],
    *,
    quantity: str = "POWER",
    plot_as_gridworld: bool = False,
    label: style.RunLabel | None = None,
    agent: str | None = None,
    number_of_bins: int = 30,
    max_states: int = MAX_CORRELATION_STATES,
) -> list[tuple[str, Figure]]:
    """For each state ``x``: 2-D histograms of the samples at ``x`` (horizontal) against each state ``y``.

    That is ``N`` figures of ``N`` panels; beyond ``max_states`` states nothing is drawn and
    a :class:`FigureWarning` explains why (see :func:`correlation_matrix_figure`).

    Returns
    -------
    list of (str, Figure)
        The file-name tag (``'_correlations_{x}'``) and figure for each state ``x``. Each
        figure's ``plotted['pearson']`` maps ``y`` to the Pearson correlation of the samples.
    """
    samples = np.asarray(samples, dtype=np.float64)
    count = len(states)
    if _too_many(f"{quantity} sample correlations ({count}² 2-D histograms)", count, max_states):
        return []
    grid = plot_as_gridworld and not GridGeometry.of_states(states).joint
    positions, rows, cols = _panel_positions(states, grid)
    low, high = samples.min(axis=0), samples.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    # Bin indices of every sample at every state, computed once: [N, S].
    bins = np.clip(((samples - low) / span * number_of_bins).astype(np.int64), 0, number_of_bins - 1)
    pearson = _pearson_matrix(samples)
    out = []
    for x in range(count):
        hist = np.zeros((count, number_of_bins, number_of_bins))
        flat = bins[:, x][:, None] * number_of_bins + bins  # [N, S]
        for y in range(count):
            hist[y] = np.bincount(flat[:, y], minlength=number_of_bins**2).reshape(number_of_bins, number_of_bins)
        off_diagonal = np.delete(hist, x, axis=0)
        top = max(float(off_diagonal.max()) if off_diagonal.size else 1.0, 1.0)
        norm = PowerNorm(0.5, vmin=0, vmax=top)
        figure, axes = _panel_grid(cols, rows, positions, panel=(1.9, 1.9), gap=(0.5, 0.6), margins=(0.75, 1.2, 1.05, 0.7))
        for y, pos in zip(range(count), positions):
            ax = axes[pos]
            # hist[y] is indexed [bin of x, bin of y]; transpose so x runs horizontally.
            ax.imshow(hist[y].T, origin="lower", cmap=style.color_map(), norm=norm, aspect="auto",
                      extent=(low[x], low[x] + span[x], low[y], low[y] + span[y]), interpolation="nearest")
            r = pearson[x, y]
            ax.set_title(f"{states[y]}  (r = {r:.2f})" if np.isfinite(r) else str(states[y]), fontsize=style.FONT_SIZE - 2, pad=2)
            ax.tick_params(labelsize=style.FONT_SIZE - 3, length=2, pad=1)
        from matplotlib.cm import ScalarMappable

        height = figure.get_figheight()
        cax = figure.add_axes([1 - 0.85 / figure.get_figwidth(), 0.7 / height, 0.16 / figure.get_figwidth(), 1 - 1.75 / height])
        bar = figure.colorbar(ScalarMappable(norm=norm, cmap=style.color_map()), cax=cax)
        bar.set_label("samples per bin", fontsize=style.FONT_SIZE - 1)
        bar.ax.tick_params(labelsize=style.FONT_SIZE - 2)
        figure.suptitle(style.figure_title(f"{quantity} samples", label, agent, detail=f": state {states[x]} against each state"),
                        fontsize=style.FONT_SIZE, y=1 - 0.08 / height, va="top")
        figure.text(0.5, 0.1 / height, f"{quantity} sample at state {states[x]} (reward units); "
                    f"vertical: {quantity} sample at the panel's state", ha="center", va="bottom", fontsize=style.FONT_SIZE - 1)
        figure.plotted = {"kind": "correlations", "state": states[x], "pearson": dict(zip(states, pearson[x]))}
        out.append((f"_correlations_{states[x]}", figure))
    return out


def _pearson_matrix(samples: np.ndarray) -> np.ndarray:
    """``[S, S]`` Pearson correlations between states' samples (NaN for constant states)."""
    centred = samples - samples.mean(axis=0)
    scale = np.sqrt((centred**2).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        matrix = (centred.T @ centred) / np.outer(scale, scale)
    matrix[~np.isfinite(matrix)] = np.nan
    return np.clip(matrix, -1.0, 1.0)


def correlation_matrix_figure(
    samples: np.ndarray,
    states: Sequence[str],
    *,
    quantity: str = "POWER",
    label: style.RunLabel | None = None,
    agent: str | None = None,
) -> Figure | None:
    """Heat map of the Pearson correlation between every pair of states' samples.

    Returns ``None`` (with a :class:`FigureWarning`) beyond
    :data:`MAX_CORRELATION_MATRIX_STATES` states. ``figure.plotted['matrix']`` is the
    ``[S, S]`` matrix (NaN where a state's samples are constant).
    """
    count = len(states)
    if _too_many(f"{quantity} correlation matrix", count, MAX_CORRELATION_MATRIX_STATES):
        return None
    matrix = _pearson_matrix(np.asarray(samples, dtype=np.float64))
    side = float(np.clip(0.28 * count, 5.0, 11.0))
    width, height = side + 2.4, side + 1.9
    figure = style.new_figure(width, height)
    ax = figure.add_axes([1.3 / width, 0.9 / height, side / width, side / height])
    norm = Normalize(-1.0, 1.0)
    image = ax.imshow(np.ma.masked_invalid(matrix), cmap=style.color_map(), norm=norm, interpolation="nearest")
    if count <= 40:
        size = style.FONT_SIZE - (1 if count <= 12 else 3)
        ax.set_xticks(range(count), [str(s) for s in states], rotation=90, fontsize=size)
        ax.set_yticks(range(count), [str(s) for s in states], fontsize=size)
    else:
        ax.set_xlabel("state index", fontsize=style.FONT_SIZE)
        ax.set_ylabel("state index", fontsize=style.FONT_SIZE)
    cax = figure.add_axes([(1.5 + side) / width, 0.9 / height, 0.2 / width, side / height])
    bar = figure.colorbar(image, cax=cax)
    bar.set_label(f"Pearson correlation of {quantity} samples", fontsize=style.FONT_SIZE)
    figure.suptitle(style.figure_title(f"{quantity} samples", label, agent, detail=": Pearson correlation between states"),
                    fontsize=style.FONT_SIZE + 1, y=1 - 0.1 / height, va="top")
    figure.plotted = {"kind": "correlation_matrix", "matrix": matrix}
    return figure
