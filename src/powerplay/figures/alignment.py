"""How aligned are the two agents' POWERs? Alignment plots, α_HA, and line plots over a sweep.

The *alignment plot* of a ``multiagent_with_reward`` run puts one point per state: Agent H's
POWER there (x) against Agent A's (y). Its Pearson coefficient is the alignment coefficient

    α_HA = corr_states(POWER_H(s), POWER_A(s)),

computed from exactly the plotted points (the per-state means). Its standard error, its
noise-attenuation correction and the reliabilities of the means come from the run's
streamed statistics (:meth:`RunResult.alignment() <powerplay.stats.summary.RunStatistics.alignment>`,
see :mod:`powerplay.stats.alignment`): the title shows the raw α_HA ± its standard error and
the corrected value with its 95 % interval, and a run whose means are too noisy
(reliability below :data:`~powerplay.stats.alignment.LOW_RELIABILITY`) gets a note on the
plot with the sample count that would fix it.

:func:`alignment_data` computes what is drawn (:class:`~powerplay.figures.data.AlignmentData`),
:func:`draw_alignment` draws it. Line plots against a swept parameter
(:class:`~powerplay.figures.data.LinesData`, built in :mod:`powerplay.figures.sweeps`) are
drawn by :func:`draw_lines`.

Examples
--------
>>> pearson([1, 2, 3], [2, 4, 7]) > 0.98
True
>>> data = alignment_data(np.array([0.1, 0.2, 0.4]), np.array([0.2, 0.1, 0.5]))
>>> round(data.alpha, 4), data.title.splitlines()[1]
(0.8386, '$\\\\alpha_{HA}$ = 0.839 · 3 states')
"""

from __future__ import annotations

import dataclasses
import itertools
import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from ..errors import FigureError
from ..stats.alignment import (
    CONFIDENCE,
    LOW_RELIABILITY,
    TARGET_RELIABILITY,
    AlignmentStatistics,
    corrected_text,
    reliability_text,
)
from . import style
from .data import AlignmentData, AlignmentMatrixData, LinesData

#: Error bars are drawn on alignment plots of at most this many states.
MAX_ERROR_BAR_STATES = 100

ALPHA = r"$\alpha_{HA}$"


def alpha_symbol(agents: Sequence[str] = ("H", "A")) -> str:
    """``'$\\alpha_{HA}$'`` (mathtext) for a pair of agents."""
    return rf"$\alpha_{{{''.join(agents)}}}$"


#: Width and axes height (inches) of an alignment plot.
ALIGNMENT_WIDTH, ALIGNMENT_AXES_HEIGHT = 6.4, 4.8


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson correlation of two vectors (NaN if either is constant)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    dx, dy = x - x.mean(), y - y.mean()
    scale = np.sqrt((dx @ dx) * (dy @ dy))
    return float(np.clip((dx @ dy) / scale, -1.0, 1.0)) if scale > 0 else float("nan")


def _number(value: float, digits: int = 3) -> str:
    return f"{value:.{digits}f}" if value is not None and np.isfinite(value) else "n/a"


def format_alignment(alpha: float, error: float | None = None, agents: Sequence[str] = ("H", "A")) -> str:
    """``'α_HA = 0.873 ± 0.004'`` (mathtext): the raw coefficient of a pair of agents and its standard error."""
    text = f"{alpha_symbol(agents)} = " + (f"{alpha:.3f}" if np.isfinite(alpha) else "undefined (constant POWER)")
    if error is not None and np.isfinite(error):
        text += f" ± {error:.3f}"
    return text


def format_corrected(statistics) -> str:
    """``'corrected 0.912 [0.85, 0.97] (95% interval)'``: the attenuation-corrected α_HA and its interval."""
    if not np.isfinite(statistics.alpha_corrected):
        return "corrected: undefined (no signal beyond the noise)"
    low, high = statistics.alpha_corrected_interval
    interval = f" [{_number(low, 2)}, {_number(high, 2)}]" if np.isfinite(low) and np.isfinite(high) else ""
    shown = corrected_text(statistics.alpha_corrected, getattr(statistics, "alpha_corrected_unclipped", None))
    return f"corrected {shown}{interval} ({CONFIDENCE:.0%} interval)"


def reliability_note(statistics) -> str | None:
    """The warning a run with noisy per-state means gets on its alignment plot (else ``None``)."""
    if statistics is None or not statistics.low_reliability:
        return None
    first, second = statistics.agents
    text = (
        f"Low reliability of the per-state means ({first} {_number(statistics.reliability_first, 2)}, "
        f"{second} {_number(statistics.reliability_second, 2)}; below {LOW_RELIABILITY}): sampling noise pulls "
        f"the raw {statistics.symbol} towards 0."
    )
    if statistics.suggested_samples is not None:
        text += f" About {statistics.suggested_samples:,} reward samples would bring both to {TARGET_RELIABILITY}."
    return text


Limits = tuple[tuple[float, float], tuple[float, float]]


def alignment_limits(pairs: Sequence[tuple[np.ndarray, np.ndarray]], padding: float = 0.05) -> Limits:
    """Axis limits covering every ``(powers_H, powers_A)`` pair, padded by ``padding`` of the range."""
    xs = np.concatenate([np.asarray(p[0], dtype=np.float64) for p in pairs])
    ys = np.concatenate([np.asarray(p[1], dtype=np.float64) for p in pairs])

    def padded(values) -> tuple[float, float]:
        low, high = float(values.min()), float(values.max())
        span = high - low or max(abs(high), 1.0) * 0.1
        return low - padding * span, high + padding * span

    return padded(xs), padded(ys)


def _fitted_limits(x: np.ndarray, y: np.ndarray, baseline: np.ndarray | None) -> Limits:
    """Limits covering the points and the baseline's vertical lines (drawn at the points' height)."""
    pairs = [(x, y)] + ([(baseline, np.full(len(baseline), y.mean()))] if baseline is not None else [])
    return alignment_limits(pairs)


def _draw_points(ax, data, size: float, error_width: float) -> None:
    """One alignment panel's points: each state's POWER pair (with error bars where the data has
    them), the panel's limits and the equal-POWER diagonal where it crosses them."""
    many = data.num_states > MAX_ERROR_BAR_STATES
    if data.errors_H is not None or data.errors_A is not None:
        ax.errorbar(
            data.x,
            data.y,
            xerr=data.errors_H,
            yerr=data.errors_A,
            fmt="none",
            ecolor="0.45",
            elinewidth=error_width,
            zorder=2,
        )
    ax.scatter(
        data.x,
        data.y,
        s=size,
        color=style.ACCENT_COLOR,
        alpha=0.35 if many else 0.75,
        linewidths=0,
        zorder=3,
        label="states",
    )
    (x0, x1), (y0, y1) = _limits(data)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    low, high = max(x0, y0), min(x1, y1)
    if high > low:
        ax.plot([low, high], [low, high], linestyle="--", color="0.5", linewidth=1, zorder=1, label="equal POWER")


def _limits(data: AlignmentData) -> Limits:
    """``data.limits``, or if ``None`` the limits fitted to its points (as :func:`alignment_data` fits them)."""
    return data.limits if data.limits is not None else _fitted_limits(data.x, data.y, data.baseline)


def alignment_data(
    powers_H: np.ndarray,
    powers_A: np.ndarray,
    *,
    label: style.RunLabel | None = None,
    statistics=None,
    errors_H: np.ndarray | None = None,
    errors_A: np.ndarray | None = None,
    baseline_H: np.ndarray | None = None,
    limits: Limits | None = None,
    heading: str | None = None,
    agents: tuple[str, str] = ("H", "A"),
) -> AlignmentData:
    """What an alignment plot draws: one point per state, POWER of H (x) against POWER of A (y)
    (or of any pair of ``agents``).

    Parameters
    ----------
    powers_H, powers_A : array ``[S]``
        Per-state mean POWERs.
    label : RunLabel, optional
        The run, for the title.
    statistics : AlignmentStatistics, optional
        The run's α_HA statistics (:meth:`run.alignment() <powerplay.stats.summary.RunStatistics.alignment>`):
        the title then shows the raw α_HA ± its standard error and the corrected α_HA with its
        95 % interval, and low reliabilities get a note on the plot.
    errors_H, errors_A : array ``[S]``, optional
        Standard errors of the points, drawn as error bars when there are at most
        :data:`MAX_ERROR_BAR_STATES` states.
    baseline_H : array ``[S]``, optional
        Agent H's POWERs against Agent A's seed policy, drawn as faint vertical lines
        (the reference's baseline).
    limits : ((x0, x1), (y0, y1)), optional
        Fixed axis limits (e.g. shared by the frames of an animation); by default fitted to
        the points (and the baseline).
    heading : str, optional
        First line of the title (default ``'Alignment plot: POWER of Agents H and A at each state'``).
    agents : (str, str)
        The pair (default H and A): ``powers_H`` are the first's, ``powers_A`` the second's.

    Returns
    -------
    AlignmentData
        ``alpha`` is the Pearson coefficient of exactly the plotted points.
    """
    x, y = np.asarray(powers_H, dtype=np.float64), np.asarray(powers_A, dtype=np.float64)
    agents = (str(agents[0]), str(agents[1]))
    if heading is None:
        heading = f"Alignment plot: POWER of Agents {agents[0]} and {agents[1]} at each state"
    alpha = pearson(x, y)
    count = len(x)
    first = format_alignment(alpha, statistics.alpha_sem if statistics is not None else None, agents)
    if statistics is not None:
        first += f" (raw) · {format_corrected(statistics)}"
    lines = [heading, f"{first} · {count} states"]
    if label is not None:
        lines.append(label.describe())
    title = style.fit_title("\n".join(lines), ALIGNMENT_WIDTH - 0.3)
    baseline = None
    if baseline_H is not None:
        baseline = np.unique(np.round(np.asarray(baseline_H, dtype=np.float64), 12))
    (x0, x1), (y0, y1) = _fitted_limits(x, y, baseline) if limits is None else limits
    small = count <= MAX_ERROR_BAR_STATES
    return AlignmentData(
        title=title,
        x=x,
        y=y,
        alpha=alpha,
        statistics=statistics,
        errors_H=None if errors_H is None or not small else np.asarray(errors_H, dtype=np.float64),
        errors_A=None if errors_A is None or not small else np.asarray(errors_A, dtype=np.float64),
        baseline=baseline,
        limits=((float(x0), float(x1)), (float(y0), float(y1))),
        note=reliability_note(statistics),
        agents=agents,
    )


def draw_alignment(data: AlignmentData) -> Figure:
    """Draw an :class:`AlignmentData`: the points, the equal-POWER diagonal, the baseline and notes."""
    top = style.title_inches(data.title) + 0.35  # the legend sits between the title and the axes
    bottom, left = 0.6, 0.85
    width, height = ALIGNMENT_WIDTH, top + ALIGNMENT_AXES_HEIGHT + bottom
    figure = style.new_figure(width, height)
    ax = figure.add_axes((left / width, bottom / height, (width - left - 0.3) / width, ALIGNMENT_AXES_HEIGHT / height))
    many = data.num_states > MAX_ERROR_BAR_STATES
    if data.baseline is not None:
        # One collection for every vertical line (one artist each would be slow with many states).
        ax.vlines(
            data.baseline,
            0,
            1,
            transform=ax.get_xaxis_transform(),
            colors=style.AGENT_COLORS["H"],
            alpha=0.2,
            linewidths=1,
            zorder=1,
        )
        ax.plot(
            [],
            [],
            color=style.AGENT_COLORS["H"],
            alpha=0.5,
            label=f"{data.agents[0]} against {data.agents[1]}'s seed policy (baseline)",
        )
    _draw_points(ax, data, 10 if many else 22, 0.8)
    ax.set_xlabel(f"POWER of Agent {data.agents[0]} at the state (reward units)", fontsize=style.FONT_SIZE)
    ax.set_ylabel(f"POWER of Agent {data.agents[1]} at the state (reward units)", fontsize=style.FONT_SIZE)
    ax.grid(color="0.9", zorder=0)
    # Above the axes: alignment plots are often dense everywhere inside them.
    ax.legend(
        fontsize=style.FONT_SIZE - 2,
        loc="lower left",
        bbox_to_anchor=(0.0, 1.01),
        ncol=3,
        frameon=False,
        borderaxespad=0.0,
        handletextpad=0.4,
        columnspacing=1.0,
    )
    ax.tick_params(labelsize=style.FONT_SIZE - 1)
    if data.note:
        ax.text(
            0.02,
            0.98,
            textwrap.fill(data.note, 62),
            transform=ax.transAxes,
            ha="left",
            va="top",
            fontsize=style.FONT_SIZE - 2,
            color="#7a2e00",
            zorder=6,
            bbox={"boxstyle": "round,pad=0.4", "facecolor": "#fff1d6", "edgecolor": "#d98c00", "linewidth": 1.2},
        )
    style.set_title(figure, data.title, 0.08)
    return figure


def update_alignment(figure: Figure, previous: AlignmentData, data: AlignmentData) -> bool:
    """Show ``data`` on ``figure`` (drawn from ``previous``) if the layout is the same; whether it was.

    The same layout: as many states, no error bars and no baseline in either, a note in both
    or neither, as many title lines. Then the points, limits, note and title change.
    """
    same = (
        previous.num_states == data.num_states
        and previous.errors_H is None
        and data.errors_H is None
        and previous.errors_A is None
        and data.errors_A is None
        and previous.baseline is None
        and data.baseline is None
        and (previous.note is None) == (data.note is None)
        and previous.title.count("\n") == data.title.count("\n")
    )
    if not same:
        return False
    ax = figure.axes[0]
    points = [c for c in ax.collections if c.get_label() == "states"]
    diagonal = [line for line in ax.lines if line.get_label() == "equal POWER"]
    (x0, x1), (y0, y1) = _limits(data)
    low, high = max(x0, y0), min(x1, y1)
    if len(points) != 1 or len(diagonal) != 1 or not high > low:
        return False
    points[0].set_offsets(np.column_stack([data.x, data.y]))
    diagonal[0].set_data([low, high], [low, high])
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    if data.note:
        ax.texts[0].set_text(textwrap.fill(data.note, 62))
    style.set_title(figure, data.title, 0.08)
    return True


def alignment_figure(powers_H: np.ndarray, powers_A: np.ndarray, **options) -> Figure:
    """:func:`draw_alignment` of :func:`alignment_data` (same arguments)."""
    return draw_alignment(alignment_data(powers_H, powers_A, **options))


def matrix_note(statistics: Sequence) -> str | None:
    """The note of an alignment matrix: the agents whose per-state means are noisy (each agent's
    reliability is its own, the same in every pair) and the sample count that would fix them."""
    reliability: dict[str, float] = {}
    for stats in statistics:
        for agent in stats.agents:
            reliability.setdefault(agent, stats.reliability(agent)[0])
    low = {a: r for a, r in reliability.items() if not r >= LOW_RELIABILITY}
    if not low:
        return None
    shown = ", ".join(f"{a} {reliability_text(r)}" for a, r in low.items())
    text = (
        f"Low reliability of the per-state means ({shown}; below {LOW_RELIABILITY}): sampling noise pulls "
        "the raw α of their pairs towards 0."
    )
    suggested = [(s.suggested_samples, s.suggested_is_lower_bound) for s in statistics if s.suggested_samples]
    if suggested:
        count, lower = max(suggested)
        text += f" {'At least' if lower else 'About'} {count:,} reward samples would bring every agent to {TARGET_RELIABILITY}."
    return text


def alignment_matrix_data(
    means: Mapping[str, np.ndarray],
    agents: Sequence[str],
    *,
    statistics: Mapping[tuple[str, str], AlignmentStatistics] | None = None,
    errors: Mapping[str, np.ndarray] | None = None,
    label: style.RunLabel | None = None,
) -> AlignmentMatrixData:
    """What the alignment matrix of three or more agents draws: one alignment plot per pair.

    Parameters
    ----------
    means : mapping
        Agent -> ``[S]`` per-state mean POWER.
    agents : sequence of str
        The run's agents, in order (pairs in agent order).
    statistics : mapping, optional
        Pair -> its :class:`~powerplay.stats.alignment.AlignmentStatistics`
        (:meth:`run.alignments() <powerplay.stats.summary.RunStatistics.alignments>`): each
        panel's title then shows the raw α ± its standard error and the corrected α with its
        95 % interval.
    errors : mapping, optional
        Agent -> ``[S]`` standard errors (error bars for at most :data:`MAX_ERROR_BAR_STATES` states).
    label : RunLabel, optional

    Returns
    -------
    AlignmentMatrixData
    """
    agents = tuple(agents)
    if len(agents) < 2:
        raise FigureError(f"an alignment matrix needs two or more agents, got {list(agents)}")
    statistics = dict(statistics or {})
    errors = dict(errors or {})
    panels = []
    for x, y in itertools.combinations(agents, 2):
        stats = statistics.get((x, y))
        data = alignment_data(
            means[x], means[y], statistics=stats, errors_H=errors.get(x), errors_A=errors.get(y), agents=(x, y)
        )
        lines = [format_alignment(data.alpha, stats.alpha_sem if stats is not None else None, (x, y))]
        if stats is not None:
            lines[0] += " (raw)"
            lines.append(format_corrected(stats))
        panels.append(dataclasses.replace(data, title="\n".join(lines), note=None))
    count = len(np.asarray(means[agents[0]]))
    lines = [f"Alignment plots of every pair of agents: POWER at each of {count:,} states"]
    if label is not None:
        lines.append(label.describe(_matrix_width(len(agents)) - 0.3))
    title = style.fit_title("\n".join(lines), _matrix_width(len(agents)) - 0.3)
    return AlignmentMatrixData(
        title=title, agents=agents, panels=tuple(panels), note=matrix_note([statistics[p] for p in statistics])
    )


#: Side (inches) of one panel of an alignment matrix, and the room around the panels.
MATRIX_PANEL, MATRIX_GAP, MATRIX_LEFT, MATRIX_BOTTOM = 3.0, 0.75, 0.9, 0.65


def _matrix_width(num_agents: int) -> float:
    return MATRIX_LEFT + (num_agents - 1) * MATRIX_PANEL + (num_agents - 2) * MATRIX_GAP + 0.3


def draw_alignment_matrix(data: AlignmentMatrixData) -> Figure:
    """Draw an :class:`AlignmentMatrixData`: the pairs' panels below the diagonal, the legend and note above it."""
    size = len(data.agents) - 1
    title_height = style.title_inches(data.title)
    panel_title = max(style.title_inches(p.title, style.FONT_SIZE - 1) for p in data.panels)
    row_height = MATRIX_PANEL + panel_title + 0.2
    width = _matrix_width(len(data.agents))
    height = title_height + 0.15 + size * row_height + (size - 1) * 0.35 + MATRIX_BOTTOM
    figure = style.new_figure(width, height)
    axes = {}
    for item in data.panels:
        row, col = data.position(item.agents)
        left = MATRIX_LEFT + col * (MATRIX_PANEL + MATRIX_GAP)
        bottom = MATRIX_BOTTOM + (size - 1 - row) * (row_height + 0.35)
        ax = figure.add_axes((left / width, bottom / height, MATRIX_PANEL / width, MATRIX_PANEL / height))
        axes[item.agents] = ax
        _draw_points(ax, item, 6 if item.num_states > MAX_ERROR_BAR_STATES else 16, 0.7)
        ax.grid(color="0.9", zorder=0)
        ax.tick_params(labelsize=style.FONT_SIZE - 2)
        ax.set_title(item.title, fontsize=style.FONT_SIZE - 1, pad=4)
        x_agent, y_agent = item.agents
        if row == size - 1:
            ax.set_xlabel(
                f"POWER of Agent {x_agent}", fontsize=style.FONT_SIZE, color=style.agent_color(x_agent, data.agents)
            )
        if col == 0:
            ax.set_ylabel(
                f"POWER of Agent {y_agent}", fontsize=style.FONT_SIZE, color=style.agent_color(y_agent, data.agents)
            )
    # Above the diagonal: what the marks are, and the note on noisy means.
    first = axes[data.panels[0].agents]
    handles, labels = first.get_legend_handles_labels()
    corner = (MATRIX_LEFT + (MATRIX_PANEL + MATRIX_GAP) * (1 if size > 1 else 0)) / width
    top = 1 - (title_height + 0.15 + panel_title) / height
    figure.legend(
        handles,
        labels,
        loc="upper left",
        bbox_to_anchor=(corner, top),
        fontsize=style.FONT_SIZE - 1,
        frameon=False,
        title="one point per state; x: POWER of the column's\nagent, y: of the row's (reward units)",
        title_fontsize=style.FONT_SIZE - 2,
    )
    if data.note:
        room = width * (1 - corner) - 0.4  # inches right of the legend's left edge
        figure.text(
            corner + 0.01,
            top - 0.9 / height,
            textwrap.fill(data.note, max(30, int(room * 72 / ((style.FONT_SIZE - 2) * 0.62)))),
            ha="left",
            va="top",
            fontsize=style.FONT_SIZE - 2,
            color="#7a2e00",
            bbox={"boxstyle": "round,pad=0.4", "facecolor": "#fff1d6", "edgecolor": "#d98c00", "linewidth": 1.2},
        )
    style.set_title(figure, data.title, 0.08)
    return figure


def _lighter(color, opacity: float):
    """``color`` blended with white (so lighter series stay opaque where they cross)."""
    import matplotlib.colors as mcolors

    rgb = np.array(mcolors.to_rgb(color if color is not None else style.ACCENT_COLOR))
    return tuple(1 - opacity * (1 - rgb))


def draw_lines(data: LinesData) -> Figure:
    """Draw a :class:`LinesData`: each series with its error bars against the parameter's positions."""
    many = len(data.series) > 4
    width, axes_height = 7.2, 4.0
    tick_room = 0.0
    if data.scale == "categorical":
        longest = max((len(label) for _, label in data.ticks), default=1)
        tick_room = min(2.0, 0.075 * longest) if longest > 8 else 0.0
    top = style.title_inches(data.title) + 0.15
    bottom = 0.65 + tick_room
    height = top + axes_height + bottom
    figure = style.new_figure(width, height)
    ax = figure.add_axes((0.9 / width, bottom / height, (4.5 if many else 6.0) / width, axes_height / height))
    if data.zero_line:
        ax.axhline(0.0, color="0.35", linewidth=1, zorder=1)
    for rank, item in enumerate(data.series):
        color = item.color if item.opacity >= 1 else _lighter(item.color, item.opacity)
        errors = None
        if item.low is not None and item.high is not None:
            errors = np.vstack([item.y - item.low, item.high - item.y])
            errors = np.where(np.isfinite(errors), np.maximum(errors, 0.0), 0.0)
        ax.errorbar(
            data.positions,
            item.y,
            yerr=errors,
            label=item.label,
            color=color,
            marker=item.marker or "",
            markersize=5,
            linestyle=item.linestyle,
            linewidth=1.4,
            capsize=3,
            elinewidth=1,
            zorder=3 + (item.opacity >= 1) + 0.01 * rank,
        )
    if data.ticks:
        positions, labels = zip(*data.ticks)
        rotate = data.scale == "categorical" and max(len(label) for label in labels) > 8
        ax.set_xticks(positions, labels, rotation=30 if rotate else 0, ha="right" if rotate else "center")
    if data.scale == "categorical":
        ax.set_xlim(-0.5, len(data.positions) - 0.5)
    ax.set_xlabel(data.xlabel, fontsize=style.FONT_SIZE)
    ax.set_ylabel(data.ylabel, fontsize=style.FONT_SIZE)
    ax.grid(color="0.9", zorder=0)
    ax.tick_params(labelsize=style.FONT_SIZE - 1)
    if any(item.label for item in data.series):
        if many:
            ax.legend(
                fontsize=style.FONT_SIZE - 2,
                title=data.legend_title,
                title_fontsize=style.FONT_SIZE - 2,
                loc="upper left",
                bbox_to_anchor=(1.02, 1.0),
                borderaxespad=0,
            )
        else:
            ax.legend(fontsize=style.FONT_SIZE - 2, title=data.legend_title, title_fontsize=style.FONT_SIZE - 2)
    style.set_title(figure, data.title, 0.08)
    return figure


def series_colors(count: int) -> list:
    """``count`` distinguishable colours taken from the one colour map."""
    import matplotlib

    cmap = matplotlib.colormaps[style.COLOR_MAP]
    return [cmap(v) for v in np.linspace(0.0, 0.9, max(count, 1))][:count]


__all__ = [
    "alignment_data",
    "alignment_figure",
    "alignment_limits",
    "alignment_matrix_data",
    "alpha_symbol",
    "draw_alignment",
    "draw_alignment_matrix",
    "draw_lines",
    "format_alignment",
    "matrix_note",
    "pearson",
    "reliability_note",
    "series_colors",
    "update_alignment",
]
