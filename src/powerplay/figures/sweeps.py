"""Figures of a whole sweep: quantities against a swept parameter, and animations across runs.

Reference functions (same names, inputs and defaults; ``sweep_id`` may also be a sweep
folder path or a loaded :class:`~powerplay.storage.sweeps.StoredSweep`):

* :func:`visualize_alignment_plots` -- animation of alignment plots over a β sweep;
* :func:`visualize_average_powers` -- average POWER of every agent over states against β;
* :func:`generate_sweep_animation` -- GIF of any per-run figure across a swept parameter.

New, for questions the posts leave open:

* :func:`visualize_alignment_against_parameter` -- α_HA against β (Part 2 Fig 10) or γ:
  the attenuation-corrected value with its 95 % interval, and the raw value (lighter);
* :func:`visualize_power_against_parameter` -- POWER of chosen states against γ (or any
  swept parameter), with standard-error bars, to locate phase changes such as Part 3's
  corridor blocking above γ ≈ 0.9.

Every function saves its figure and returns the path(s) it wrote. Functions that save into
``temp/`` take ``output_folder`` (default ``temp`` under the working directory); sweeps are
looked up in ``folder`` (default ``expts``). Where the reference's ``fig_name`` may be
``None``, the file gets a default name made of the figure kind, the parameter and the sweep's
*folder name* (never a path as typed), e.g.
``temp/alignment_coefficient_against_reward_correlation-0002-PART_2-FIGURES_2_3_4_6_7_8_9_10.png``.

The horizontal axis
-------------------
* numeric parameters: the values themselves; with ``log_one_minus_gamma=True`` (for
  discount rates) the axis is ``log10(1 - γ)``, reversed so γ grows to the right, with ticks
  labelled by γ (0, 0.5, 0.9, 0.99, ...), which spreads out the values near 1;
* other parameters (mappings such as reward distributions or generated-environment specs):
  a categorical axis, one tick per value labelled with its value name, in sweep order.

``fixed={'param': value}`` holds other swept parameters (values or value names, as
:meth:`StoredSweep.run <powerplay.storage.sweeps.StoredSweep.run>`); the titles name every
parameter held fixed (γ_A included).

Each figure's numbers are computed by a ``*_data`` function (``alignment_against_parameter_data``,
``power_against_parameter_data``, ``average_powers_data``, ``alignment_frames``) that returns
its record (:mod:`powerplay.figures.data`).
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FigureError, SweepNotFoundError
from ..scenario import Scenario, parameters
from ..stats.alignment import CONFIDENCE
from ..storage.sweeps import DEFAULT_FOLDER, FIGURES_FOLDER, load_sweep
from . import style
from .alignment import alignment_data, alignment_limits, alpha_symbol, draw_lines, series_colors
from .animation import MS_PER_FRAME, read_png, write_gif
from .data import AlignmentData, LinesData, Series
from .render import frame_pixels

EXPERIMENT_FOLDER = DEFAULT_FOLDER
TEMP_FOLDER = FIGURES_FOLDER

#: An alignment animation shares its axes across frames only if every frame's points span
#: at least this share of the shared range in x and in y (else some frame would be a
#: cluster in a corner).
SHARED_AXES_MINIMUM = 0.4


def resolve_sweep(sweep, folder=DEFAULT_FOLDER):
    """A loaded sweep from a :class:`StoredSweep`, a sweep id or a folder."""
    return load_sweep(sweep, folder)


def sweep_name(sweep) -> str:
    return sweep.path.name


def parameter_label(param: str) -> str:
    """Axis label of a swept parameter (the parameter registry's, :mod:`powerplay.scenario.parameters`)."""
    return parameters.label(param)


def _short(param: str) -> str:
    return parameter_label(param).split(" between")[0]


def _numeric(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _require_two_agents(sweep, what: str) -> None:
    protocol = sweep.protocol
    if protocol is None or not protocol.others_learn:
        raise FigureError(
            f"{what} needs runs where every agent learns (the POWERs of both agents: multiagent_with_reward); "
            f"sweep {sweep_name(sweep)} is {sweep.experiment_type or 'single-agent'}"
        )


# --------------------------------------------------------------------------------------
# The horizontal axis


#: Up to this many swept values, a log(1 - γ) axis is labelled at the values themselves.
MAX_VALUE_TICKS = 8


def _log_one_minus_ticks(values: np.ndarray) -> tuple[tuple[float, str], ...]:
    """Ticks of a ``-log10(1 - γ)`` axis labelled with γ: at the swept values if there are few,
    else at round values (0, 0.5, 0.9, 0.99, ...) within their range."""
    positions = -np.log10(1.0 - values)
    if len(np.unique(values)) <= MAX_VALUE_TICKS:
        return tuple((float(p), style.format_number(v)) for p, v in sorted(set(zip(positions, values))))
    low, high = float(positions.min()), float(positions.max())
    candidates = [0.0, 0.5] + [1.0 - 10.0**-k for k in range(1, 10)]
    return tuple(
        (-math.log10(1.0 - g), style.format_number(g))
        for g in candidates
        if low - 1e-9 <= -math.log10(1.0 - g) <= high + 1e-9
    )


def parameter_axis(values: Sequence[Any], names: Sequence[str], param: str, log_one_minus_gamma: bool = False):
    """Where each value of ``param`` goes on the horizontal axis, and how the axis is labelled.

    Returns
    -------
    (positions, scale, ticks, xlabel)
        See :class:`~powerplay.figures.data.LinesData`.

    Raises
    ------
    FigureError
        If ``log_one_minus_gamma`` is asked for values that are not numbers below 1.
    """
    numeric = all(_numeric(v) for v in values)
    if log_one_minus_gamma:
        bad = [v for v in values if not (_numeric(v) and float(v) < 1.0)]
        if bad:
            raise FigureError(f"a log(1 - γ) axis needs {param} values below 1 (discount rates); {param} = {bad[0]!r}")
        x = np.array([float(v) for v in values])
        return (
            -np.log10(1.0 - x),
            "log_one_minus",
            _log_one_minus_ticks(x),
            f"{parameter_label(param)} (axis: log scale of 1 − {parameters.symbol(param)})",
        )
    if numeric:
        return np.array([float(v) for v in values]), "linear", (), parameter_label(param)
    return (
        np.arange(len(values), dtype=np.float64),
        "categorical",
        tuple(enumerate(map(str, names))),
        parameter_label(param),
    )


def _along(sweep, param: str, fixed: Mapping[str, Any] | None):
    """``[(value, run)]`` along ``param`` and each run's value name."""
    pairs = sweep.runs_over(param, fixed)
    names = [sweep.value_name(run, param) for _, run in pairs]
    return pairs, names


def _discount_parts(scenarios: Sequence[Scenario], param: str) -> list[str]:
    """How a title states the discount rates along ``param``: those held fixed, and those that
    follow the first agent's when it is on the axis (``'γ_A = γ_H'``)."""
    first = scenarios[0]
    rates = [s.discount_rates for s in scenarios]
    names = [a for a in first.discount_rates if all(a in r for r in rates)]
    if not names:
        return []
    lead = names[0]
    varies = {a: len({r[a] for r in rates}) > 1 for a in names}
    axis = parameters.find_parameter(param)
    if param == "discount_rate" or (axis is not None and axis.overrides == "discount_rate"):
        moved = lead if param == "discount_rate" else axis.agent if axis is not None else None
        parts = []
        for a in names:
            if a == moved:
                continue
            if moved is not None and varies[a] and all(r[a] == r[moved] for r in rates):
                parts.append(f"γ_{a} = γ_{moved}")
            else:
                parts.append(f"γ_{a} = {style.format_number(rates[0][a])}")
        return [", ".join(parts)] if parts else []
    values = [(a, rates[0][a]) for a in names]
    if len({v for _, v in values}) == 1:
        return [f"γ = {style.format_number(values[0][1])}"]
    return [", ".join(f"γ_{a} = {style.format_number(v)}" for a, v in values)]


def _described_by_scenario(param: str) -> bool:
    """Parameters a title already states through the scenario (discount rates, correlations, samples)."""
    found = parameters.find_parameter(param)
    general = found.overrides if found is not None and found.overrides else param
    return general in ("discount_rate", "reward_correlation", "num_reward_samples")


def _context(sweep, runs: Sequence, param: str) -> str:
    """What is held fixed along ``param``: environment, the other parameters (every agent's
    discount rate and reward correlation included), samples."""
    scenarios = [run.scenario for run in runs]
    first, run = scenarios[0], runs[0]
    parts = [first.environment_name, *_discount_parts(scenarios, param)]
    found = parameters.find_parameter(param)
    on_axis = param == "reward_correlation" or (found is not None and found.overrides == "reward_correlation")
    correlations = first.reward_correlations
    if correlations and not on_axis and first.protocol.others_learn:
        values = list(correlations.items())
        if len({v for _, v in values}) == 1:
            parts.append(f"β = {style.format_number(values[0][1])}")
        else:
            parts.append(", ".join(f"β_{a} = {style.format_number(v)}" for a, v in values))
    for other in sweep.swept:
        if other != param and not _described_by_scenario(other):
            parts.append(f"{other} = {sweep.value_name(run, other)}")
    if param != "num_reward_samples":
        parts.append(f"{int(run.num_samples):,} reward samples")
    return " · ".join(parts)


def _title(what: str, sweep, pairs, param: str, fixed) -> str:
    return style.fit_title(f"{what} against {_short(param)}\n{_context(sweep, [run for _, run in pairs], param)}", 6.9)


def _fixed_tags(sweep, run, fixed: Mapping[str, Any] | None) -> list[str]:
    return [f"{p}__{sweep.value_name(run, p)}" for p in sorted(fixed or {})]


def default_name(
    kind: str, sweep, run=None, fixed: Mapping[str, Any] | None = None, log_one_minus_gamma: bool = False
) -> str:
    """The file name a sweep figure gets without ``fig_name``: kind, sweep folder name, fixed values."""
    tags = _fixed_tags(sweep, run, fixed) if run is not None else []
    return "-".join([kind, sweep_name(sweep), *tags] + (["log_one_minus_gamma"] if log_one_minus_gamma else []))


def _save_lines(data: LinesData, name: str, output_folder) -> Path:
    return style.save_figure(draw_lines(data), style.figure_file(output_folder, name))


# --------------------------------------------------------------------------------------
# Alignment plots over a sweep


def _baseline(run, include: bool, warned: list, pair: tuple[str, str] = ("H", "A")) -> np.ndarray | None:
    """Agent H's POWERs against A's seed policy (diagnostic runs), for the pair (H, A) of a
    two-agent run; None for other pairs (a baseline against one seed policy is H's only)."""
    if not include or pair != ("H", "A") or run.agents != ("H", "A"):
        return None
    if "H_against_seed" in run.power_keys:
        return run.power_mean("H_against_seed")
    if not warned:
        style.warn(
            f"run {run.name} has no baseline POWERs (Agent H against the seed policy); run the sweep with "
            "diagnostic mode to include them. Drawing without the baseline."
        )
        warned.append(True)
    return None


def frame_limits(frames: Sequence[Sequence[tuple[np.ndarray, np.ndarray]]], share_axes: bool | None = None):
    """Axis limits of each frame of an alignment animation, and whether they are shared.

    ``frames[k]`` is the ``(x, y)`` point sets of frame ``k`` (the points, and the baseline).
    Shared limits cover every frame; with ``share_axes=None`` they are used unless some
    frame's points would span less than :data:`SHARED_AXES_MINIMUM` of the shared range
    (in x or y), in which case each frame gets limits fitted to its own points.

    Examples
    --------
    >>> near = [[(np.array([0.0, 1.0]), np.array([0.0, 1.0]))], [(np.array([0.2, 1.2]), np.array([0.1, 0.9]))]]
    >>> frame_limits(near)[1], frame_limits([near[0], [(np.array([10.0, 10.1]), np.array([5.0, 5.1]))]])[1]
    (True, False)
    """
    own = [alignment_limits(list(sets)) for sets in frames]
    shared = alignment_limits([pair for sets in frames for pair in sets])
    if share_axes is None:
        spans = np.array([[x1 - x0, y1 - y0] for (x0, x1), (y0, y1) in own])
        whole = np.array([shared[0][1] - shared[0][0], shared[1][1] - shared[1][0]])
        share_axes = bool(np.all(spans >= SHARED_AXES_MINIMUM * whole))
    return ([shared] * len(frames) if share_axes else own), share_axes


def alignment_frames(
    sweep,
    param: str = "reward_correlation",
    include_baseline_powers: bool = True,
    fixed: Mapping[str, Any] | None = None,
    share_axes: bool | None = None,
    pair: tuple[str, str] | None = None,
) -> list[AlignmentData]:
    """One alignment plot per run along ``param`` (sorted by value).

    Parameters
    ----------
    sweep : StoredSweep
    param : str
    include_baseline_powers : bool
        Agent H's POWERs against A's seed policy, for the pair (H, A) of two-agent runs.
    fixed : dict, optional
    share_axes : bool, optional
        Same axis limits in every frame; by default shared unless that would squeeze some
        frame into a corner (:func:`frame_limits`). Frames with their own limits say so in
        the title.
    pair : (str, str), optional
        The two agents (x, then y); default H and A. Every run must have both.

    Raises
    ------
    FigureError
        If some run lacks an agent of ``pair``.
    """
    _require_two_agents(sweep, "an alignment plot")
    pair = ("H", "A") if pair is None else (str(pair[0]), str(pair[1]))
    pairs, _ = _along(sweep, param, fixed)
    for _, run in pairs:
        if not set(pair) <= set(run.agents):
            raise FigureError(
                f"an alignment plot of agents {pair[0]} and {pair[1]}: run {run.name} has agents "
                f"{', '.join(run.agents)}"
            )
    means = [(run.power_mean(pair[0]), run.power_mean(pair[1])) for _, run in pairs]
    warned: list = []
    baselines = [_baseline(run, include_baseline_powers, warned, pair) for _, run in pairs]
    point_sets = [[m] + ([(b, m[1])] if b is not None else []) for m, b in zip(means, baselines)]
    limits, shared = frame_limits(point_sets, share_axes)
    heading = f"Alignment plot: POWER of Agents {pair[0]} and {pair[1]} at each state"
    if not shared:
        heading += " · axes fitted to this frame"
    return [
        alignment_data(
            powers_x,
            powers_y,
            label=style.RunLabel.from_run(run),
            statistics=run.alignment(pair),
            baseline_H=baseline,
            limits=frame,
            heading=heading,
            agents=pair,
        )
        for (_, run), (powers_x, powers_y), baseline, frame in zip(pairs, means, baselines, limits)
    ]


def visualize_alignment_plots(
    sweep_id,
    include_baseline_powers: bool = True,
    fig_name: str = "alignment_plot_animation",
    folder: str | Path = EXPERIMENT_FOLDER,
    output_folder: str | Path = TEMP_FOLDER,
    param: str = "reward_correlation",
    ms_per_frame: int = 200,
    frames_at_start: int = 1,
    frames_at_end: int = 1,
    fixed: Mapping[str, Any] | None = None,
    share_axes: bool | None = None,
    pair: tuple[str, str] | None = None,
) -> Path:
    """Animation of the alignment plots of a sweep over reward correlations (or another parameter).

    Parameters
    ----------
    sweep_id : str, int, Path or StoredSweep
        The sweep (its id, e.g. ``'0002'``, looked up in ``folder``).
    include_baseline_powers : bool
        Also draw Agent H's POWERs against Agent A's seed policy (needs diagnostic runs;
        without them a warning is given and the plots are drawn without).
    fig_name : str
        The GIF is saved as ``{output_folder}/{fig_name}.gif``.
    folder : str or Path
        Where sweeps live (default ``expts``).
    output_folder : str or Path
        Default ``temp``.
    param : str
        The swept parameter to animate over (the reference requires a β sweep).
    ms_per_frame, frames_at_start, frames_at_end : int
        Animation timing.
    fixed : dict, optional
        Values of other swept parameters.
    share_axes : bool, optional
        See :func:`frame_limits` (default: shared unless that squeezes some frame).
    pair : (str, str), optional
        Which two agents (default H and A), for sweeps of three or more agents.

    Returns
    -------
    Path
        The GIF (one frame per run, in increasing ``param``).
    """
    sweep = resolve_sweep(sweep_id, folder)
    frames = alignment_frames(sweep, param, include_baseline_powers, fixed, share_axes, pair)
    return write_gif(
        frame_pixels(frames),
        style.figure_file(output_folder, fig_name, ".gif"),
        ms_per_frame,
        frames_at_start,
        frames_at_end,
    )


# --------------------------------------------------------------------------------------
# Quantities against a parameter


#: Markers of the agents after H (circle) and A (square) in the average-POWER plot.
AGENT_MARKERS = ("^", "D", "v", "P", "X")


def _and(names: Sequence[str]) -> str:
    """``'H and A'``, ``'H, A and B'``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def average_powers_data(
    sweep,
    param: str = "reward_correlation",
    include_baseline_power: bool = True,
    fixed: Mapping[str, Any] | None = None,
    log_one_minus_gamma: bool = False,
) -> LinesData:
    """Average over states of each agent's POWER against ``param`` (± standard error over reward samples).

    One series per agent of the runs: A and H first (the published figure), then the others in
    learning order; an agent that some runs lack has no point there.
    """
    _require_two_agents(sweep, "the average-POWER plot")
    pairs, names = _along(sweep, param, fixed)
    positions, scale, ticks, xlabel = parameter_axis([v for v, _ in pairs], names, param, log_one_minus_gamma)
    agents = list(dict.fromkeys(agent for _, run in pairs for agent in run.agents))
    drawn = ["A", "H", *(agent for agent in agents if agent not in ("H", "A"))]
    series = []
    for agent, marker in zip(drawn, ("s", "o", *AGENT_MARKERS * len(drawn))):
        values = np.array([run.average_power(agent) if agent in run.agents else (np.nan, np.nan) for _, run in pairs])
        series.append(
            Series(
                f"Agent {agent} POWER, averaged over states",
                values[:, 0],
                values[:, 0] - values[:, 1],
                values[:, 0] + values[:, 1],
                color=style.agent_color(agent, agents),
                marker=marker,
            )
        )
    warned: list = []
    if include_baseline_power and all(_baseline(run, True, warned) is not None for _, run in pairs):
        values = np.array([run.average_power("H_against_seed") for _, run in pairs])
        series.append(
            Series(
                "Agent H baseline (against A's seed policy)",
                values[:, 0],
                values[:, 0] - values[:, 1],
                values[:, 0] + values[:, 1],
                color=style.AGENT_COLORS["H"],
                marker="",
                linestyle="--",
            )
        )
    return LinesData(
        x=tuple(v for v, _ in pairs),
        positions=positions,
        series=tuple(series),
        xlabel=xlabel,
        ylabel="POWER averaged over states (reward units)",
        scale=scale,
        ticks=ticks,
        title=_title(f"Average POWER of Agents {_and(agents)}", sweep, pairs, param, fixed),
    )


def visualize_average_powers(
    sweep_id,
    include_baseline_power: bool = True,
    fig_name: str | None = None,
    folder: str | Path = EXPERIMENT_FOLDER,
    output_folder: str | Path = TEMP_FOLDER,
    param: str = "reward_correlation",
    fixed: Mapping[str, Any] | None = None,
    log_one_minus_gamma: bool = False,
) -> Path:
    """Average POWER of Agents H and A over all states, against the swept reward correlation; saved as PNG.

    Parameters
    ----------
    sweep_id : str, int, Path or StoredSweep
    include_baseline_power : bool
        Also plot Agent H's average POWER against Agent A's seed policy (diagnostic runs).
    fig_name : str, optional
        File name (without ``.png``); default ``'average_powers_against_{param}-{sweep folder}'``.
    folder, output_folder : str or Path
    param : str
        The swept parameter on the horizontal axis.
    fixed : dict, optional
        Values of other swept parameters.
    log_one_minus_gamma : bool
        A ``log(1 - γ)`` axis (discount-rate parameters).

    Returns
    -------
    Path
        The PNG written. Error bars are standard errors of the state-averaged POWER over
        reward samples.
    """
    sweep = resolve_sweep(sweep_id, folder)
    data = average_powers_data(sweep, param, include_baseline_power, fixed, log_one_minus_gamma)
    name = fig_name or default_name(
        f"average_powers_against_{param}", sweep, sweep.runs_over(param, fixed)[0][1], fixed, log_one_minus_gamma
    )
    return _save_lines(data, name, output_folder)


def alignment_against_parameter_data(
    sweep,
    param: str = "reward_correlation",
    fixed: Mapping[str, Any] | None = None,
    include_zero_line: bool = True,
    log_one_minus_gamma: bool = False,
    pair: tuple[str, str] | None = None,
) -> LinesData:
    """α_HA (or α of another ``pair`` of agents) of each run against ``param``: corrected (with
    its interval) and raw (lighter, with its interval).

    The two :class:`~powerplay.figures.data.Series` are labelled
    ``'α_HA corrected for sampling noise (95% interval)'`` and ``'α_HA raw (95% interval)'``;
    their values are each run's :meth:`alignment() <powerplay.stats.summary.RunStatistics.alignment>`
    ``alpha_corrected`` / ``alpha`` and the ends of its ``alpha_corrected_interval`` /
    ``alpha_interval``.
    """
    _require_two_agents(sweep, "α_HA")
    pairs, names = _along(sweep, param, fixed)
    positions, scale, ticks, xlabel = parameter_axis([v for v, _ in pairs], names, param, log_one_minus_gamma)
    stats = [run.alignment(pair) for _, run in pairs]
    symbol = alpha_symbol(stats[0].agents)
    level = f"{CONFIDENCE:.0%}"
    undefined = "" if any(np.isfinite(s.alpha_corrected) for s in stats) else " (undefined: no signal beyond the noise)"
    corrected = Series(
        f"{symbol} corrected for sampling noise ({level} interval){undefined}",
        np.array([s.alpha_corrected for s in stats]),
        np.array([s.alpha_corrected_interval[0] for s in stats]),
        np.array([s.alpha_corrected_interval[1] for s in stats]),
        color=style.ACCENT_COLOR,
    )
    raw = Series(
        f"{symbol} raw ({level} interval)",
        np.array([s.alpha for s in stats]),
        np.array([s.alpha_interval[0] for s in stats]),
        np.array([s.alpha_interval[1] for s in stats]),
        color=style.ACCENT_COLOR,
        marker="s",
        linestyle="--",
        opacity=0.4,
    )
    return LinesData(
        x=tuple(v for v, _ in pairs),
        positions=positions,
        series=(corrected, raw),
        xlabel=xlabel,
        ylabel=f"{symbol}: state-by-state correlation of POWERs",
        scale=scale,
        ticks=ticks,
        zero_line=include_zero_line,
        title=_title("Alignment coefficient", sweep, pairs, param, fixed),
    )


def visualize_alignment_against_parameter(
    sweep_id,
    param: str = "reward_correlation",
    fig_name: str | None = None,
    folder: str | Path = EXPERIMENT_FOLDER,
    output_folder: str | Path = TEMP_FOLDER,
    fixed: Mapping[str, Any] | None = None,
    include_zero_line: bool = True,
    log_one_minus_gamma: bool = False,
    pair: tuple[str, str] | None = None,
) -> Path:
    """α_HA against a swept parameter: β (Part 2 Fig 10), γ, or any other (categorical ones too).

    Parameters
    ----------
    sweep_id : str, int, Path or StoredSweep
        A ``multiagent_with_reward`` sweep.
    param : str
        ``'reward_correlation'``, ``'discount_rate'``, ``'reward_distribution'``, ...
    fig_name : str, optional
        File name (without ``.png``); default
        ``'alignment_coefficient_against_{param}-{sweep folder}[-{fixed param}__{name}...]'``.
    folder, output_folder : str or Path
    fixed : dict, optional
        Values of other swept parameters, if the sweep varies several.
    include_zero_line : bool
    log_one_minus_gamma : bool
        A ``log(1 - γ)`` axis (discount-rate parameters).
    pair : (str, str), optional
        Which two agents' α (default the first pair: H and A); another pair's file name
        ends in ``-pair_XY``.

    Returns
    -------
    Path
        The PNG written (see :func:`alignment_against_parameter_data` for what it shows).
    """
    sweep = resolve_sweep(sweep_id, folder)
    data = alignment_against_parameter_data(sweep, param, fixed, include_zero_line, log_one_minus_gamma, pair)
    name = fig_name or default_name(
        f"alignment_coefficient_against_{param}", sweep, sweep.runs_over(param, fixed)[0][1], fixed, log_one_minus_gamma
    )
    first = sweep.runs_over(param, fixed)[0][1].summary.pair()
    if fig_name is None and pair is not None and first is not None and tuple(pair) != first:
        name += f"-pair_{''.join(pair)}"
    return _save_lines(data, name, output_folder)


def _default_states(means_last: np.ndarray, states: Sequence[str], count: int = 8) -> list[str]:
    if len(states) <= count:
        return list(states)
    order = np.argsort(means_last, kind="stable")
    picked = list(order[-(count // 2) :][::-1]) + list(order[: count - count // 2])
    return [states[i] for i in picked]


def power_against_parameter_data(
    sweep,
    states: Sequence[str] | None = None,
    param: str = "discount_rate",
    agent: str = "H",
    fixed: Mapping[str, Any] | None = None,
    log_one_minus_gamma: bool = False,
) -> LinesData:
    """POWER (± standard error) of chosen states in each run, against ``param`` (one series per state)."""
    pairs, names = _along(sweep, param, fixed)
    key = agent
    for _, run in pairs:
        if key not in run.power_keys:
            raise FigureError(f"run {run.name} has no POWER samples for {key!r}; available: {sorted(run.power_keys)}")
    run_states = pairs[0][1].states
    if states is None:
        states = _default_states(pairs[-1][1].power_mean(key), run_states)
    index = {s: i for i, s in enumerate(run_states)}
    missing = [s for s in states if s not in index]
    if missing:
        raise FigureError(f"state {missing[0]!r} is not a state of sweep {sweep_name(sweep)} (e.g. {run_states[0]!r})")
    positions, scale, ticks, xlabel = parameter_axis([v for v, _ in pairs], names, param, log_one_minus_gamma)
    chosen = [index[s] for s in states]
    means = np.array([run.power_mean(key)[chosen] for _, run in pairs])  # [K, M]
    errors = np.array([run.power_sem(key)[chosen] for _, run in pairs])
    colors = series_colors(len(states))
    series = tuple(
        Series(str(s), means[:, j], means[:, j] - errors[:, j], means[:, j] + errors[:, j], color=colors[j])
        for j, s in enumerate(states)
    )
    quantity = style.POWER_KEY_NAMES.get(key, f"POWER ({key})")
    return LinesData(
        x=tuple(v for v, _ in pairs),
        positions=positions,
        series=series,
        xlabel=xlabel,
        ylabel="POWER (reward units)",
        scale=scale,
        ticks=ticks,
        legend_title="state",
        title=_title(f"{quantity} at chosen states", sweep, pairs, param, fixed),
    )


def visualize_power_against_parameter(
    sweep_id,
    states: Sequence[str] | None = None,
    param: str = "discount_rate",
    agent: str = "H",
    fig_name: str | None = None,
    folder: str | Path = EXPERIMENT_FOLDER,
    output_folder: str | Path = TEMP_FOLDER,
    fixed: Mapping[str, Any] | None = None,
    log_one_minus_gamma: bool = False,
) -> Path:
    """POWER of chosen states against a swept parameter (by default γ), with standard errors.

    Parameters
    ----------
    sweep_id : str, int, Path or StoredSweep
    states : list of str, optional
        State labels (joint labels for joint MDPs). By default all states if there are at
        most 8, else the 4 with the highest and the 4 with the lowest POWER at the largest
        parameter value.
    param : str
        The swept parameter, ``'discount_rate'`` by default.
    agent : str
        POWER samples to use: ``'H'``, ``'A'``, ``'H_against_seed'``, ``'A_seed'``.
    fig_name : str, optional
        File name (without ``.png``); default ``'POWER_{agent}_against_{param}-{sweep folder}'``.
    folder, output_folder : str or Path
    fixed : dict, optional
        Values of other swept parameters.
    log_one_minus_gamma : bool
        A ``log(1 - γ)`` axis (discount-rate parameters).

    Returns
    -------
    Path
        The PNG written.
    """
    sweep = resolve_sweep(sweep_id, folder)
    data = power_against_parameter_data(sweep, states, param, agent, fixed, log_one_minus_gamma)
    kind = f"POWER_{agent}_against_{param}" + (f"-{states_tag(states)}" if states else "")
    name = fig_name or default_name(kind, sweep, sweep.runs_over(param, fixed)[0][1], fixed, log_one_minus_gamma)
    return _save_lines(data, name, output_folder)


def states_tag(states: Sequence[str]) -> str:
    """A file-name part naming the chosen states, so figures of other states never share a file:
    the tidy labels when short, else their number and a hash of them all.

    Examples
    --------
    >>> states_tag(["(3, 3)"]), states_tag(["(1, 1)", "(3, 3)"])
    ('states_3_3', 'states_1_1-3_3')
    """
    tokens = [style.file_token(s).strip("_") for s in states]
    text = "states_" + "-".join(tokens)
    if len(text) <= 60 and len(set(tokens)) == len(tokens) and all(tokens):
        return text
    digest = hashlib.sha256("\n".join(states).encode("utf-8")).hexdigest()[:10]
    return f"{len(states)}_states_{digest}"


def visualize_power_against_discount_rate(
    sweep_id, states: Sequence[str] | None = None, agent: str = "H", **kwargs
) -> Path:
    """:func:`visualize_power_against_parameter` with ``param='discount_rate'``."""
    return visualize_power_against_parameter(sweep_id, states, "discount_rate", agent, **kwargs)


def visualize_alignment_against_discount_rate(sweep_id, **kwargs) -> Path:
    """:func:`visualize_alignment_against_parameter` with ``param='discount_rate'``."""
    return visualize_alignment_against_parameter(sweep_id, "discount_rate", **kwargs)


# --------------------------------------------------------------------------------------
# Animations of per-run figures


def _figure_prefixes(run) -> set[str]:
    """Figure types present in a run folder: ``'{prefix}-{run name}.png'`` -> prefix."""
    ending = f"-{run.name}.png"
    return {p.name[: -len(ending)] for p in Path(run.path).glob("*.png") if p.name.endswith(ending)}


def _ordered(sweep, runs: list, param: str) -> list:
    """Runs by increasing value of ``param`` (numbers), else in sweep order (e.g. mappings)."""
    values = [sweep.value(run, param) for run in runs]
    if all(_numeric(v) for v in values):
        return [run for _, run in sorted(zip(values, runs), key=lambda pair: float(pair[0]))]
    return runs


def generate_sweep_animation(
    sweep_id,
    animation_param: str,
    figure_prefix: str | None = None,
    folder: str | Path = EXPERIMENT_FOLDER,
    ms_per_frame: int = MS_PER_FRAME,
    frames_at_start: int = 1,
    frames_at_end: int = 1,
    fixed: Mapping[str, Any] | None = None,
) -> list[Path]:
    """GIFs of per-run figures across a swept parameter, saved in the sweep folder.

    Each run folder holds figures named ``'{figure_prefix}-{run folder name}.png'`` (e.g.
    ``POWER_means-agent_H-0002-NAME-reward_correlation__0p5.png``). This animates one figure
    type (or, with ``figure_prefix=None``, every type found) over ``animation_param``, one
    frame per run in increasing parameter value (sweep order for categorical parameters),
    as ``{sweep folder}/animation-{figure_prefix}-{sweep folder name}.gif``. If other
    parameters are swept too, one GIF is made per combination of their values (their
    names are appended to the file name), or only for the runs matching ``fixed``.

    Parameters
    ----------
    sweep_id : str, int, Path or StoredSweep
    animation_param : str
        The swept parameter to animate over, e.g. ``'discount_rate'``.
    figure_prefix : str, optional
        The figure type, e.g. ``'POWER_means'`` or ``'POWER_means-agent_A'``.
    folder : str or Path
        Where sweeps live (default ``expts``).
    ms_per_frame, frames_at_start, frames_at_end : int
        Animation timing.
    fixed : dict, optional
        Values (or value names) of other swept parameters: animate only those runs.

    Returns
    -------
    list of Path
        The GIFs written. Figure types missing from some runs are skipped with a
        :class:`~powerplay.errors.FigureWarning` (not an error).

    Raises
    ------
    FigureError
        If ``animation_param`` is not swept in this sweep.
    """
    sweep = resolve_sweep(sweep_id, folder)
    swept = list(sweep.swept)
    if animation_param not in swept:
        raise FigureError(
            f"sweep {sweep_name(sweep)} does not sweep {animation_param!r}; swept parameters: {', '.join(swept) or 'none'}"
        )
    fixed = dict(fixed or {})
    chosen = {entry.index for entry in sweep.entries()}
    if fixed:
        unknown = [p for p in fixed if p not in sweep.swept]
        if unknown:
            raise SweepNotFoundError(
                f"{unknown[0]!r} is not swept in sweep {sweep_name(sweep)} (swept: {', '.join(swept)})"
            )
        chosen = {entry.index for entry in sweep.entries() if all(entry.matches(k, v) for k, v in fixed.items())}
        if not chosen:
            raise FigureError(f"sweep {sweep_name(sweep)} has no finished run with {fixed}")
    others = [p for p in swept if p != animation_param and p not in fixed]
    groups: dict[str, list] = defaultdict(list)
    for index, run in enumerate(sweep.runs):  # figures are found by file name: no samples are loaded
        if index in chosen:
            groups["-".join(f"{p}__{sweep.value_name(run, p)}" for p in others)].append(run)
    written = []
    for tag, runs in groups.items():
        runs = _ordered(sweep, runs, animation_param)
        present = [_figure_prefixes(run) for run in runs]
        prefixes = [figure_prefix] if figure_prefix is not None else sorted(set().union(*present))
        if not prefixes:
            style.warn(f"sweep {sweep_name(sweep)}: no figures found in its run folders; nothing to animate")
        for prefix in prefixes:
            lacking = [run.name for run, have in zip(runs, present) if prefix not in have]
            if lacking:
                style.warn(
                    f"sweep {sweep_name(sweep)}: figure type {prefix!r} is missing from {len(lacking)} of "
                    f"{len(runs)} runs (e.g. {lacking[0]}); skipping its animation"
                )
                continue
            frames = [read_png(Path(run.path) / f"{prefix}-{run.name}.png") for run in runs]
            name = "-".join(filter(None, ["animation", prefix, sweep_name(sweep), tag]))
            written.append(
                write_gif(
                    frames, style.figure_file(sweep.path, name, ".gif"), ms_per_frame, frames_at_start, frames_at_end
                )
            )
    return written


__all__ = [
    "alignment_against_parameter_data",
    "alignment_frames",
    "average_powers_data",
    "default_name",
    "frame_limits",
    "generate_sweep_animation",
    "parameter_axis",
    "power_against_parameter_data",
    "visualize_alignment_against_discount_rate",
    "visualize_alignment_against_parameter",
    "visualize_alignment_plots",
    "visualize_average_powers",
    "visualize_power_against_discount_rate",
    "visualize_power_against_parameter",
]
