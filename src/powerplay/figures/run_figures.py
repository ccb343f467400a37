"""The figures drawn automatically for every finished run (called by the sweep runner).

File names follow the reference tool's scheme ``{figure type}-{run folder name}.png``, so
:func:`powerplay.figures.sweeps.generate_sweep_animation` can animate any type across a
sweep. The figure types:

=====================================  ==============================================  =====================
figure type (prefix)                   what                                            when
=====================================  ==============================================  =====================
``POWER_means``                        POWER per state: bars ± standard error, or a    always
                                       gridworld heat map with values in the cells
``POWER_means-agent_H`` / ``-agent_A`` the same for each agent (block layout for       ``multiagent_with_reward``
                                       joint gridworlds)
``POWER_alignment``                    alignment plot, α_HA in the title               ``multiagent_with_reward``
``POWER_means-agent_H_against_seed``   Agent H's POWER against Agent A's seed policy   ... and ``diagnostic``
``POWER_means-agent_A_seed``           Agent A's POWER following the seed policy       ... and ``diagnostic``
``POWER_vars``                         variance of the POWER samples per state         ``plot_distributions``
``Reward_means`` / ``Reward_vars``     mean / variance of the reward samples           ``plot_distributions``
``Reward_samples`` / ``POWER_samples`` histograms per state (joint gridworlds: one     ``plot_distributions``
                                       figure per Agent A position,
                                       ``..._agent_A_state_(r, c)``)
``POWER_correlations_{state}``         2-D histograms of state's POWER samples         ``plot_correlations``
                                       against every state's
``POWER_correlation_matrix``           state-by-state Pearson correlations (drawn      ``plot_correlations``
                                       instead when there are too many states)
=====================================  ==============================================  =====================

For ``multiagent_with_reward`` every prefix gets ``-agent_H`` or ``-agent_A`` (e.g.
``POWER_samples-agent_A``), as in the reference. With ``plot_as_gridworld`` on an MDP whose
states are not gridworld cells, bars are drawn instead (with a warning).
"""

from __future__ import annotations

import warnings
from pathlib import Path

from matplotlib.figure import Figure

from . import style
from .alignment import alignment_coefficient, alignment_figure
from .heatmaps import is_gridworld
from .samples import (
    MAX_CORRELATION_STATES,
    FigureWarning,
    correlation_matrix_figure,
    sample_aggregation_figure,
    sample_correlation_figures,
    sample_histogram_figures,
)


def _agents(run) -> list[tuple[str, str]]:
    """``(POWER key, file-name tag)`` of each agent whose figures are drawn."""
    if "A" in run.power:
        return [("H", "-agent_H"), ("A", "-agent_A")]
    return [("H", "")]


def render_run_figures(
    run,
    out_dir: Path,
    *,
    plot_as_gridworld: bool,
    plot_distributions: bool,
    plot_correlations: bool,
    diagnostic: bool,
) -> list[Path]:
    """Draw a finished run's figures (see the module table) into ``out_dir``.

    Parameters
    ----------
    run : StoredRun
        The run (:func:`powerplay.storage.load_run`).
    out_dir : Path
        Where to write (normally the run folder).
    plot_as_gridworld : bool
        Heat maps over the grid instead of bar plots (the reference's flag).
    plot_distributions : bool
        Also draw variances and per-state histograms of rewards and POWERs.
    plot_correlations : bool
        Also draw the POWER sample correlations between states (guarded: beyond
        :data:`~powerplay.figures.samples.MAX_CORRELATION_STATES` states only the
        correlation matrix, with a :class:`FigureWarning`).
    diagnostic : bool
        For ``multiagent_with_reward`` runs, also draw the diagnostic POWERs (if the run
        computed them).

    Returns
    -------
    list of Path
        The PNG files written, in drawing order.
    """
    out_dir = Path(out_dir)
    label = style.RunLabel.from_run(run)
    handle = run.name
    states = run.states
    as_grid = plot_as_gridworld
    if as_grid and not is_gridworld(states):
        warnings.warn(
            f"plot_as_gridworld: the states of run {handle} are not gridworld cells '(row, col)' "
            f"(e.g. {states[0]!r}); drawing bar plots instead",
            FigureWarning,
            stacklevel=2,
        )
        as_grid = False
    written: list[Path] = []

    def save(figure: Figure | None, prefix: str) -> None:
        if figure is not None:
            written.append(style.save_figure(figure, out_dir / style.safe_filename(f"{prefix}-{handle}.png")))

    agents = _agents(run)
    two_agents = len(agents) == 2
    for key, tag in agents:
        agent = key if two_agents else None
        save(sample_aggregation_figure(run.power[key], states, aggregation="mean", plot_as_gridworld=as_grid,
                                       label=label, agent=agent or "H"), f"POWER_means{tag}")
    if two_agents:
        alpha_error = alignment_coefficient(run.power["H"], run.power["A"])[1]
        save(alignment_figure(run.power_mean("H"), run.power_mean("A"), label=label, alpha_error=alpha_error,
                              errors_H=run.power_sem("H"), errors_A=run.power_sem("A")), "POWER_alignment")
        if diagnostic:
            missing = [k for k in ("H_against_seed", "A_seed") if k not in run.power]
            if missing:
                warnings.warn(f"diagnostic: run {handle} has no diagnostic POWERs ({', '.join(missing)}); "
                              "run the sweep in diagnostic mode to compute them", FigureWarning, stacklevel=2)
            for key, tag in (("H_against_seed", "-agent_H_against_seed"), ("A_seed", "-agent_A_seed")):
                if key in run.power:
                    save(sample_aggregation_figure(run.power[key], states, plot_as_gridworld=as_grid, label=label,
                                                   quantity=style.POWER_KEY_NAMES[key]), f"POWER_means{tag}")
    if plot_distributions:
        for key, tag in agents:
            agent = key
            save(sample_aggregation_figure(run.power[key], states, aggregation="var", plot_as_gridworld=as_grid,
                                           label=label, agent=agent), f"POWER_vars{tag}")
            if key in run.rewards:
                for aggregation in ("mean", "var"):
                    save(sample_aggregation_figure(run.rewards[key], states, aggregation=aggregation, quantity="Reward",
                                                   plot_as_gridworld=as_grid, label=label, agent=agent),
                         f"Reward_{aggregation}s{tag}")
                for group, figure in sample_histogram_figures(run.rewards[key], states, quantity="Reward",
                                                              plot_as_gridworld=as_grid, label=label, agent=agent):
                    save(figure, f"Reward_samples{group}{tag}")
            for group, figure in sample_histogram_figures(run.power[key], states, quantity="POWER",
                                                          plot_as_gridworld=as_grid, label=label, agent=agent):
                save(figure, f"POWER_samples{group}{tag}")
    if plot_correlations:
        for key, tag in agents:
            if len(states) > MAX_CORRELATION_STATES:
                warnings.warn(
                    f"plot_correlations: run {handle} has {len(states)} states, so the state-pair histograms would "
                    f"be {len(states)}² = {len(states) ** 2} panels (limit: {MAX_CORRELATION_STATES} states); drawing "
                    f"the state-by-state correlation matrix POWER_correlation_matrix{tag} instead",
                    FigureWarning,
                    stacklevel=2,
                )
                save(correlation_matrix_figure(run.power[key], states, label=label, agent=key), f"POWER_correlation_matrix{tag}")
                continue
            for group, figure in sample_correlation_figures(run.power[key], states, plot_as_gridworld=as_grid,
                                                            label=label, agent=key):
                save(figure, f"POWER{group}{tag}")
            save(correlation_matrix_figure(run.power[key], states, label=label, agent=key), f"POWER_correlation_matrix{tag}")
    return written
