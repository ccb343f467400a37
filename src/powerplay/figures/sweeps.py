"""Figures of a whole sweep: quantities against a swept parameter, and animations across runs.

Reference functions (same names, inputs and defaults; ``sweep_id`` may also be a sweep
folder path or a loaded :class:`~powerplay.storage.sweeps.StoredSweep`):

* :func:`visualize_alignment_plots` -- animation of alignment plots over a β sweep;
* :func:`visualize_average_powers` -- average POWER of H and A over states against β;
* :func:`generate_sweep_animation` -- GIF of any per-run figure across a swept parameter.

New, for questions the posts leave open:

* :func:`visualize_alignment_against_parameter` -- α_HA against β (Part 2 Fig 10) or γ;
* :func:`visualize_power_against_parameter` -- POWER of chosen states against γ (or any
  swept parameter), with standard-error bars, to locate phase changes such as Part 3's
  corridor blocking above γ ≈ 0.9.

Functions that save into ``temp/`` take ``output_folder`` (default ``temp`` under the
working directory); sweeps are looked up in ``folder`` (default ``expts``).
"""

from __future__ import annotations

from ..errors import FigureError, FigureWarning

import dataclasses
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from ..storage.sweeps import DEFAULT_FOLDER, FIGURES_FOLDER, load_sweep
from . import style
from .alignment import alignment_figure, alignment_limits, parameter_line_figure, series_colors
from .animation import MS_PER_FRAME, read_png, write_gif

EXPERIMENT_FOLDER = DEFAULT_FOLDER
TEMP_FOLDER = FIGURES_FOLDER


def resolve_sweep(sweep, folder=DEFAULT_FOLDER):
    """A loaded sweep from a :class:`StoredSweep`, a sweep id or a folder."""
    return load_sweep(sweep, folder)


def sweep_name(sweep) -> str:
    return sweep.path.name


def runs_over(sweep, param: str, fixed=None):
    return sweep.runs_over(param, fixed)


def parameter_value(run, param: str):
    if param not in run.config:
        raise FigureError(f"parameter {param!r} is not in the configuration of run {run.name}")
    return run.config[param]

#: Axis labels of the parameters figures are usually drawn against.
PARAMETER_LABELS = {
    "reward_correlation": "reward correlation β between Agents H and A",
    "discount_rate": "discount rate γ",
    "discount_rate_agent_A": "discount rate γ_A of Agent A",
}


def parameter_label(param: str) -> str:
    """Axis label of a swept parameter."""
    return PARAMETER_LABELS.get(param, param)


def _short(param: str) -> str:
    return parameter_label(param).split(" between")[0]


def _label_across(run, param: str) -> style.RunLabel:
    """The run's title description without the parameter that varies along the x axis."""
    label = style.RunLabel.from_run(run)
    if param == "reward_correlation":
        return dataclasses.replace(label, beta=None)
    if param in ("discount_rate", "discount_rate_agent_A"):
        return dataclasses.replace(label, gamma_H=None, gamma_A=None)
    return label


def _require_two_agents(sweep, what: str) -> None:
    kind = sweep.experiment_type
    if kind != "multiagent_with_reward":
        raise FigureError(
            f"{what} needs multiagent_with_reward runs (POWERs of both agents); sweep {sweep_name(sweep)} is "
            f"{kind or 'single-agent'}"
        )


def _save(figure: Figure, fig_name: str | None, output_folder: str | Path) -> Figure:
    if fig_name is not None:
        style.save_figure(figure, Path(output_folder) / fig_name)
    return figure


def _baseline(run, include: bool, warned: list) -> np.ndarray | None:
    if not include:
        return None
    if "H_against_seed" in run.power_keys:
        return run.power_mean("H_against_seed")
    if not warned:
        warnings.warn(
            f"run {run.name} has no baseline POWERs (Agent H against the seed policy); run the sweep with "
            "diagnostic mode to include them. Drawing without the baseline.",
            FigureWarning,
            stacklevel=3,
        )
        warned.append(True)
    return None


def alignment_plot_frames(
    sweep,
    param: str = "reward_correlation",
    include_baseline_powers: bool = True,
    fixed: Mapping[str, Any] | None = None,
) -> list[Figure]:
    """One alignment plot per run over ``param`` (sorted), all with the same axis limits."""
    _require_two_agents(sweep, "an alignment plot")
    pairs = runs_over(sweep, param, fixed)
    means = [(run.power_mean("H"), run.power_mean("A")) for _, run in pairs]
    warned: list = []
    baselines = [_baseline(run, include_baseline_powers, warned) for _, run in pairs]
    limits = alignment_limits(means + [(b, m[1]) for b, m in zip(baselines, means) if b is not None])
    frames = []
    for (_, run), (powers_H, powers_A), baseline in zip(pairs, means, baselines):
        frames.append(alignment_figure(
            powers_H, powers_A, label=style.RunLabel.from_run(run), alpha_error=run.alignment().alpha_sem,
            baseline_H=baseline, limits=limits,
        ))
    return frames


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
) -> Path:
    """Animation of the alignment plots of a sweep over reward correlations.

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

    Returns
    -------
    Path
        The GIF (one frame per run, in increasing ``param``).
    """
    sweep = resolve_sweep(sweep_id, folder)
    frames = alignment_plot_frames(sweep, param, include_baseline_powers)
    return write_gif(frames, Path(output_folder) / fig_name, ms_per_frame, frames_at_start, frames_at_end)


def average_powers_figure(sweep, param: str = "reward_correlation", include_baseline_power: bool = True,
                          fixed: Mapping[str, Any] | None = None) -> Figure:
    """Average over states of each agent's POWER against ``param`` (± standard error)."""
    _require_two_agents(sweep, "the average-POWER plot")
    pairs = runs_over(sweep, param, fixed)
    x = np.array([float(v) for v, _ in pairs])

    def averaged(run, key):
        return run.average_power(key)  # each sample's average over states: its mean and standard error

    series = []
    for key, name, marker in (("A", "Agent A POWER, averaged over states", "s"), ("H", "Agent H POWER, averaged over states", "o")):
        values = np.array([averaged(run, key) for _, run in pairs])
        series.append({"y": values[:, 0], "error": values[:, 1], "label": name, "color": style.AGENT_COLORS[key], "marker": marker})
    warned: list = []
    if include_baseline_power and all(_baseline(run, True, warned) is not None for _, run in pairs):
        values = np.array([averaged(run, "H_against_seed") for _, run in pairs])
        series.append({"y": values[:, 0], "error": values[:, 1], "label": "Agent H baseline (against A's seed policy)",
                       "color": style.AGENT_COLORS["H"], "marker": "", "linestyle": "--"})
    return parameter_line_figure(
        x, series, xlabel=parameter_label(param), ylabel="POWER averaged over states (reward units)",
        title=f"Average POWER of Agents H and A against {_short(param)}\n{_label_across(pairs[0][1], param).describe()}",
    )


def visualize_average_powers(
    sweep_id,
    include_baseline_power: bool = True,
    fig_name: str | None = None,
    folder: str | Path = EXPERIMENT_FOLDER,
    output_folder: str | Path = TEMP_FOLDER,
    param: str = "reward_correlation",
) -> Figure:
    """Average POWER of Agents H and A over all states, against the swept reward correlation.

    Parameters
    ----------
    sweep_id : str, int, Path or StoredSweep
    include_baseline_power : bool
        Also plot Agent H's average POWER against Agent A's seed policy (diagnostic runs).
    fig_name : str, optional
        If given, save as ``{output_folder}/{fig_name}.png``.
    folder, output_folder : str or Path
    param : str
        The swept parameter on the horizontal axis.

    Returns
    -------
    Figure
        Error bars are standard errors of the state-averaged POWER over reward samples.
    """
    sweep = resolve_sweep(sweep_id, folder)
    return _save(average_powers_figure(sweep, param, include_baseline_power), fig_name, output_folder)


def alignment_against_parameter_figure(sweep, param: str = "reward_correlation", fixed: Mapping[str, Any] | None = None,
                                       include_zero_line: bool = True) -> Figure:
    """α_HA (± jackknife standard error) of each run against ``param``."""
    _require_two_agents(sweep, "α_HA")
    pairs = runs_over(sweep, param, fixed)
    x = np.array([float(v) for v, _ in pairs])
    stats = np.array([(run.alignment().alpha, run.alignment().alpha_sem) for _, run in pairs])
    return parameter_line_figure(
        x, [{"y": stats[:, 0], "error": stats[:, 1], "label": r"$\alpha_{HA}$ (± jackknife standard error)",
             "color": style.ACCENT_COLOR}],
        xlabel=parameter_label(param), ylabel=r"$\alpha_{HA}$: state-by-state correlation of POWERs",
        title=f"Alignment coefficient against {_short(param)}\n{_label_across(pairs[0][1], param).describe()}",
        zero_line=include_zero_line,
    )


def visualize_alignment_against_parameter(
    sweep_id,
    param: str = "reward_correlation",
    fig_name: str | None = None,
    folder: str | Path = EXPERIMENT_FOLDER,
    output_folder: str | Path = TEMP_FOLDER,
    fixed: Mapping[str, Any] | None = None,
    include_zero_line: bool = True,
) -> Figure:
    """α_HA against a swept parameter: β (Part 2 Fig 10) or γ.

    Parameters
    ----------
    sweep_id : str, int, Path or StoredSweep
        A ``multiagent_with_reward`` sweep.
    param : str
        ``'reward_correlation'``, ``'discount_rate'``, ...
    fig_name : str, optional
        If given, save as ``{output_folder}/{fig_name}.png``.
    folder, output_folder : str or Path
    fixed : dict, optional
        Values of other swept parameters, if the sweep varies several.
    include_zero_line : bool

    Returns
    -------
    Figure
        ``figure.plotted['series']`` holds the α_HA values.
    """
    sweep = resolve_sweep(sweep_id, folder)
    return _save(alignment_against_parameter_figure(sweep, param, fixed, include_zero_line), fig_name, output_folder)


def _default_states(means_last: np.ndarray, states: Sequence[str], count: int = 8) -> list[str]:
    if len(states) <= count:
        return list(states)
    order = np.argsort(means_last, kind="stable")
    picked = list(order[-(count // 2):][::-1]) + list(order[: count - count // 2])
    return [states[i] for i in picked]


def power_against_parameter_figure(
    sweep,
    states: Sequence[str] | None = None,
    param: str = "discount_rate",
    agent: str = "H",
    fixed: Mapping[str, Any] | None = None,
) -> Figure:
    """POWER (± standard error) of chosen states in each run, against ``param``."""
    pairs = runs_over(sweep, param, fixed)
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
    x = np.array([float(v) for v, _ in pairs])
    means = np.array([run.power_mean(key)[[index[s] for s in states]] for _, run in pairs])  # [K, M]
    errors = np.array([run.power_sem(key)[[index[s] for s in states]] for _, run in pairs])
    colors = series_colors(len(states))
    series = [{"y": means[:, j], "error": errors[:, j], "label": str(s), "color": colors[j]} for j, s in enumerate(states)]
    quantity = style.POWER_KEY_NAMES.get(key, f"POWER ({key})")
    return parameter_line_figure(
        x, series, xlabel=parameter_label(param), ylabel="POWER (reward units)",
        title=f"{quantity} at chosen states against {_short(param)}\n{_label_across(pairs[0][1], param).describe()}",
        legend_title="state",
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
) -> Figure:
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
        If given, save as ``{output_folder}/{fig_name}.png``.
    folder, output_folder : str or Path
    fixed : dict, optional
        Values of other swept parameters.

    Returns
    -------
    Figure
        ``figure.plotted['series']`` maps each state to its POWER values.
    """
    sweep = resolve_sweep(sweep_id, folder)
    figure = power_against_parameter_figure(sweep, states, param, agent, fixed)
    return _save(figure, fig_name, output_folder)


def visualize_power_against_discount_rate(sweep_id, states: Sequence[str] | None = None, agent: str = "H", **kwargs) -> Figure:
    """:func:`visualize_power_against_parameter` with ``param='discount_rate'``."""
    return visualize_power_against_parameter(sweep_id, states, "discount_rate", agent, **kwargs)


def visualize_alignment_against_discount_rate(sweep_id, **kwargs) -> Figure:
    """:func:`visualize_alignment_against_parameter` with ``param='discount_rate'``."""
    return visualize_alignment_against_parameter(sweep_id, "discount_rate", **kwargs)


def _value_name(run, param: str) -> str:
    """The name a sweep gave a run's value of ``param`` (e.g. ``'0p9'``), else the value."""
    names = run.config.get("value_names") or {}
    if param in names:
        return str(names[param])
    value = parameter_value(run, param)
    return style.format_number(value) if isinstance(value, (int, float)) else str(value)


def _figure_prefixes(run) -> set[str]:
    """Figure types present in a run folder: ``'{prefix}-{run name}.png'`` -> prefix."""
    ending = f"-{run.name}.png"
    return {p.name[: -len(ending)] for p in Path(run.path).glob("*.png") if p.name.endswith(ending)}


def generate_sweep_animation(
    sweep_id,
    animation_param: str,
    figure_prefix: str | None = None,
    folder: str | Path = EXPERIMENT_FOLDER,
    ms_per_frame: int = MS_PER_FRAME,
    frames_at_start: int = 1,
    frames_at_end: int = 1,
) -> list[Path]:
    """GIFs of per-run figures across a swept parameter, saved in the sweep folder.

    Each run folder holds figures named ``'{figure_prefix}-{run folder name}.png'`` (e.g.
    ``POWER_means-agent_H-0002-NAME-reward_correlation__0p5.png``). This animates one figure
    type (or, with ``figure_prefix=None``, every type found) over ``animation_param``, one
    frame per run in increasing parameter value, as
    ``{sweep folder}/animation-{figure_prefix}-{sweep folder name}.gif``. If other
    parameters are swept too, one GIF is made per combination of their values (their
    names are appended to the file name).

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

    Returns
    -------
    list of Path
        The GIFs written. Figure types missing from some runs are skipped with a
        :class:`FigureWarning` (not an error).

    Raises
    ------
    ValueError
        If ``animation_param`` is not swept in this sweep.
    """
    sweep = resolve_sweep(sweep_id, folder)
    swept = list(sweep.swept)
    if animation_param not in swept:
        raise FigureError(
            f"sweep {sweep_name(sweep)} does not sweep {animation_param!r}; swept parameters: {', '.join(swept) or 'none'}"
        )
    others = [p for p in swept if p != animation_param]
    groups: dict[str, list] = defaultdict(list)
    for run in sweep.runs:  # figures are found by file name: no samples are loaded
        groups["-".join(f"{p}__{_value_name(run, p)}" for p in others)].append(run)
    written = []
    for tag, runs in groups.items():
        runs = sorted(runs, key=lambda run: float(parameter_value(run, animation_param)))
        present = [_figure_prefixes(run) for run in runs]
        prefixes = [figure_prefix] if figure_prefix is not None else sorted(set().union(*present))
        if not prefixes:
            warnings.warn(f"sweep {sweep_name(sweep)}: no figures found in its run folders; nothing to animate",
                          FigureWarning, stacklevel=2)
        for prefix in prefixes:
            lacking = [run.name for run, have in zip(runs, present) if prefix not in have]
            if lacking:
                warnings.warn(
                    f"sweep {sweep_name(sweep)}: figure type {prefix!r} is missing from {len(lacking)} of {len(runs)} "
                    f"runs (e.g. {lacking[0]}); skipping its animation",
                    FigureWarning,
                    stacklevel=2,
                )
                continue
            frames = [read_png(Path(run.path) / f"{prefix}-{run.name}.png") for run in runs]
            name = "-".join(filter(None, ["animation", prefix, sweep_name(sweep), tag]))
            written.append(write_gif(frames, Path(sweep.path) / style.safe_filename(name), ms_per_frame,
                                     frames_at_start, frames_at_end))
    return written

