"""How aligned are the two agents' POWERs? Alignment plots, α_HA, and sweep-level line plots.

The *alignment plot* of a ``multiagent_with_reward`` run puts one point per state: Agent H's
POWER there (x) against Agent A's (y). Its Pearson coefficient is the alignment coefficient

    α_HA = corr_states(POWER_H(s), POWER_A(s)),

computed from exactly the plotted points (the per-state means). Its standard error, its
noise-attenuation correction and the reliabilities of the means come from the run's
streamed statistics (:meth:`RunResult.alignment() <powerplay.stats.summary.RunStatistics.alignment>`,
see :mod:`powerplay.stats.alignment`).

Line plots over a sweep (the reference's Part 2 Fig 10 and the alignment curves, and the
new POWER-against-γ plot) share :func:`parameter_line_figure`.

Examples
--------
>>> pearson([1, 2, 3], [2, 4, 7]) > 0.98
True
"""

from __future__ import annotations

from ..errors import FigureError

from typing import Sequence

import numpy as np
from matplotlib.figure import Figure

from . import style

def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson correlation of two vectors (NaN if either is constant)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    dx, dy = x - x.mean(), y - y.mean()
    scale = np.sqrt((dx @ dx) * (dy @ dy))
    return float(np.clip((dx @ dy) / scale, -1.0, 1.0)) if scale > 0 else float("nan")


def format_alignment(alpha: float, error: float | None = None) -> str:
    """``'α_HA = 0.873 ± 0.004'`` (mathtext), the form every title uses."""
    text = r"$\alpha_{HA}$ = " + (f"{alpha:.3f}" if np.isfinite(alpha) else "undefined (constant POWER)")
    if error is not None and np.isfinite(error):
        text += f" ± {error:.3f}"
    return text


def alignment_figure(
    powers_H: np.ndarray,
    powers_A: np.ndarray,
    *,
    label: style.RunLabel | None = None,
    alpha_error: float | None = None,
    errors_H: np.ndarray | None = None,
    errors_A: np.ndarray | None = None,
    baseline_H: np.ndarray | None = None,
    limits: tuple[tuple[float, float], tuple[float, float]] | None = None,
    heading: str = "Alignment plot: POWER of Agents H and A at each state",
) -> Figure:
    """Alignment plot: one point per state, POWER of H (x) against POWER of A (y).

    Parameters
    ----------
    powers_H, powers_A : array ``[S]``
        Per-state mean POWERs.
    label : RunLabel, optional
        The run, for the title.
    alpha_error : float, optional
        Standard error of α_HA (from the run's statistics), shown after it.
    errors_H, errors_A : array ``[S]``, optional
        Standard errors of the points, drawn as error bars when there are at most 100 states.
    baseline_H : array ``[S]``, optional
        Agent H's POWERs against Agent A's seed policy, drawn as faint vertical lines
        (the reference's baseline).
    limits : ((x0, x1), (y0, y1)), optional
        Fixed axis limits (e.g. shared by every frame of an animation).
    heading : str
        First line of the title.

    Returns
    -------
    Figure
        ``figure.plotted`` holds ``'x'``, ``'y'`` (the plotted points) and ``'alpha'``, which
        is ``pearson(x, y)``.
    """
    x, y = np.asarray(powers_H, dtype=np.float64), np.asarray(powers_A, dtype=np.float64)
    alpha = pearson(x, y)
    figure = style.new_figure(6.4, 6.6)
    ax = figure.add_axes([0.15, 0.1, 0.8, 0.69])
    if baseline_H is not None:
        for value in np.unique(np.round(np.asarray(baseline_H, dtype=np.float64), 12)):
            ax.axvline(value, color=style.AGENT_COLORS["H"], alpha=0.2, linewidth=1, zorder=1)
        ax.plot([], [], color=style.AGENT_COLORS["H"], alpha=0.5, label="H against A's seed policy (baseline)")
    if (errors_H is not None or errors_A is not None) and len(x) <= 100:
        ax.errorbar(x, y, xerr=errors_H, yerr=errors_A, fmt="none", ecolor="0.45", elinewidth=0.8, zorder=2)
    point_alpha = 0.75 if len(x) <= 100 else 0.35
    ax.scatter(x, y, s=22 if len(x) <= 100 else 10, color=style.ACCENT_COLOR, alpha=point_alpha, linewidths=0, zorder=3,
               label="states")
    if limits is not None:
        ax.set_xlim(*limits[0])
        ax.set_ylim(*limits[1])
    low = max(ax.get_xlim()[0], ax.get_ylim()[0])
    high = min(ax.get_xlim()[1], ax.get_ylim()[1])
    if high > low:
        ax.plot([low, high], [low, high], linestyle="--", color="0.5", linewidth=1, zorder=1, label="equal POWER")
    ax.set_xlabel("POWER of Agent H at the state (reward units)", fontsize=style.FONT_SIZE)
    ax.set_ylabel("POWER of Agent A at the state (reward units)", fontsize=style.FONT_SIZE)
    ax.grid(color="0.9", zorder=0)
    # Above the axes: alignment plots are often dense everywhere inside them.
    ax.legend(fontsize=style.FONT_SIZE - 2, loc="lower left", bbox_to_anchor=(0.0, 1.01), ncol=3, frameon=False,
              borderaxespad=0.0, handletextpad=0.4, columnspacing=1.0)
    ax.tick_params(labelsize=style.FONT_SIZE - 1)
    lines = [heading, format_alignment(alpha, alpha_error) + f"  ({len(x)} states)"]
    if label is not None:
        lines.append(label.describe())
    figure.suptitle("\n".join(lines), fontsize=style.FONT_SIZE + 1, y=0.985, va="top")
    figure.plotted = {"kind": "alignment", "x": x, "y": y, "alpha": alpha, "alpha_error": alpha_error}
    return figure


def alignment_limits(pairs: Sequence[tuple[np.ndarray, np.ndarray]], padding: float = 0.05):
    """Axis limits covering every ``(powers_H, powers_A)`` pair, padded by ``padding`` of the range."""
    xs = np.concatenate([np.asarray(p[0]) for p in pairs])
    ys = np.concatenate([np.asarray(p[1]) for p in pairs])

    def padded(values):
        low, high = float(values.min()), float(values.max())
        span = high - low or max(abs(high), 1.0)
        return low - padding * span, high + padding * span

    return padded(xs), padded(ys)


def parameter_line_figure(
    x: np.ndarray,
    series: Sequence[dict],
    *,
    xlabel: str,
    ylabel: str,
    title: str,
    zero_line: bool = False,
    legend_title: str | None = None,
) -> Figure:
    """Lines with error bars against a swept parameter.

    Parameters
    ----------
    x : array ``[K]``
        Parameter values (sorted).
    series : list of dict
        Each with ``'y'`` ``[K]``, optional ``'error'`` ``[K]``, ``'label'``, and optional
        ``'color'``, ``'marker'``, ``'linestyle'``.
    xlabel, ylabel, title : str
    zero_line : bool
        Draw a horizontal line at zero.
    legend_title : str, optional

    Returns
    -------
    Figure
        ``figure.plotted`` holds ``'x'`` and ``'series'`` (label -> y values).
    """
    x = np.asarray(x, dtype=np.float64)
    figure = style.new_figure(7.2, 5.4)
    ax = figure.add_axes([0.12, 0.11, 0.84 if len(series) <= 4 else 0.62, 0.72])
    if zero_line:
        ax.axhline(0.0, color="0.35", linewidth=1, zorder=1)
    for item in series:
        ax.errorbar(
            x, item["y"], yerr=item.get("error"), label=item.get("label"), color=item.get("color"),
            marker=item.get("marker", "o"), markersize=5, linestyle=item.get("linestyle", "-"), linewidth=1.4,
            capsize=3, elinewidth=1, zorder=3,
        )
    ax.set_xlabel(xlabel, fontsize=style.FONT_SIZE)
    ax.set_ylabel(ylabel, fontsize=style.FONT_SIZE)
    ax.grid(color="0.9", zorder=0)
    ax.tick_params(labelsize=style.FONT_SIZE - 1)
    if any(item.get("label") for item in series):
        if len(series) <= 4:
            ax.legend(fontsize=style.FONT_SIZE - 2, title=legend_title, title_fontsize=style.FONT_SIZE - 2)
        else:
            ax.legend(fontsize=style.FONT_SIZE - 2, title=legend_title, title_fontsize=style.FONT_SIZE - 2,
                      loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    figure.suptitle(title, fontsize=style.FONT_SIZE + 1, y=0.985, va="top")
    figure.plotted = {"kind": "lines", "x": x, "series": {item.get("label"): np.asarray(item["y"]) for item in series}}
    return figure


def series_colors(count: int) -> list:
    """``count`` distinguishable colours taken from the one colour map."""
    import matplotlib

    cmap = matplotlib.colormaps[style.COLOR_MAP]
    return [cmap(v) for v in np.linspace(0.0, 0.9, max(count, 1))][:count]
