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
                                       joint gridworlds; for three or more agents, each
                                       agent's POWER over its own cell averaged over
                                       the others' positions, :mod:`.agent_maps`)
``POWER_means-agent_H-others_A_1_3``   the same with other agents held at cells        ``others`` (3+ agents)
``POWER_alignment``                    alignment plot, α_HA in the title               ``multiagent_with_reward``
``POWER_alignment_matrix``             alignment plots of every pair of agents, α of   ... with 3+ agents
                                       each pair in its panel (instead of the above)
``POWER_means-agent_H_against_seed``   Agent H's POWER against Agent A's seed policy   ... and ``diagnostic``
``POWER_means-agent_A_seed``           Agent A's POWER following the seed policy       ... and ``diagnostic``
``POWER_vars``                         variance of the POWER samples per state         ``plot_distributions``
``Reward_means`` / ``Reward_vars``     mean / variance of the reward samples           ``plot_distributions``
``Reward_samples`` / ``POWER_samples`` histograms per state (joint gridworlds: one     ``plot_distributions``
                                       figure per Agent A position,
                                       ``..._agent_A_state_{r}_{c}``)
``POWER_correlations_{state}``         2-D histograms of state's POWER samples         ``plot_correlations``
                                       against every state's
``POWER_correlation_matrix``           state-by-state Pearson correlations (drawn      ``plot_correlations``
                                       instead when there are too many states)
=====================================  ==============================================  =====================

For ``multiagent_with_reward`` every prefix gets ``-agent_H`` or ``-agent_A`` (e.g.
``POWER_samples-agent_A``), as in the reference, and ``-agent_B``, ... for further agents
(diagnostics: ``-agent_B_seed``, ``-agent_A_against_seed``, ...). With ``plot_as_gridworld`` on an MDP whose
states are not gridworld cells, bars are drawn instead (with a warning). File names hold
only ASCII letters, digits, ``.``, ``_`` and ``-``: a state in a prefix is written like
``0_1`` for ``'(0, 1)'`` (:func:`powerplay.figures.style.file_token`).

:func:`run_figure_records` computes every figure's record (what it draws, see
:mod:`powerplay.figures.data`); :func:`render_run_figures` draws and writes them: heat maps
of the same layout reuse one figure (Agent A's map is Agent H's with other data), and many
histograms are drawn in worker processes (:func:`powerplay.figures.render.save_all`).

Means, standard errors and variances come from the run's streamed statistics, so every
figure but the POWER histograms and correlations is drawn whether or not the run kept its
samples; those two need the samples and are skipped with a :class:`FigureWarning` saying
how to keep them (reward histograms draw the rewards again from the run's seed).

:class:`RunFigures` draws them for every run a sweep writes (a
:class:`~powerplay.runner.events.SweepListener`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..errors import SamplesNotKeptError
from ..runner.events import SweepListener
from ..storage.runs import KEEP_SAMPLES_ADVICE, StoredRun, update_run_info
from . import style
from .agent_maps import AgentGeometry, agent_map, agent_map_data, parse_others, power_map_records
from .alignment import alignment_data, alignment_matrix_data
from .data import HeatmapData
from .heatmaps import GridGeometry
from .render import prestart, save_all
from .samples import (
    MAX_CORRELATION_STATES,
    MAX_DISTRIBUTION_STATES,
    correlation_data,
    heavy_tailed_rewards,
    histogram_data,
    matrix_data,
    state_values_data,
    too_many_states,
)


@dataclass(frozen=True)
class FigureOptions:
    """Which per-run figures to draw (the reference's ``launch_experiment`` flags).

    Attributes
    ----------
    plot_as_gridworld : bool
        Heat maps over the grid instead of bar plots.
    plot_distributions : bool
        Also draw variances and per-state histograms of rewards and POWERs.
    plot_correlations : bool
        Also draw the POWER sample correlations between states.
    diagnostic : bool
        For ``multiagent_with_reward`` runs, also draw the diagnostic POWERs.
    others : str or None
        Joint gridworlds of three or more agents (with ``plot_as_gridworld``): also draw
        each agent's POWER with the other agents held at these cells, e.g.
        ``'A=(1, 3),B=(2, 2)'`` (:func:`~powerplay.figures.agent_maps.parse_others`; an
        agent's own entry is ignored for its map, and agents not given are averaged over).
    """

    plot_as_gridworld: bool = False
    plot_distributions: bool = False
    plot_correlations: bool = False
    diagnostic: bool = False
    others: str | None = None

    def __post_init__(self) -> None:
        parse_others(self.others)  # refuse a bad --others before anything is drawn

    def as_dict(self) -> dict:
        """Plain values for ``run.json`` (``others`` only when given)."""
        out = asdict(self)
        if out["others"] is None:
            del out["others"]
        return out

    @property
    def needs_samples(self) -> bool:
        """Whether some figure asked for needs the per-sample POWER arrays."""
        return self.plot_distributions or self.plot_correlations


def _agents(run) -> list[tuple[str, str]]:
    """``(POWER key, file-name tag)`` of each agent whose figures are drawn."""
    agents = run.summary.agents
    if len(agents) >= 2:
        return [(a, f"-agent_{a}") for a in agents]
    return [("H", "")]


def _samples_or_warn(run, key: str, what: str):
    try:
        return run.power[key]
    except SamplesNotKeptError:
        style.warn(f"{what}: run {run.name} did not keep its POWER samples; to draw it, {KEEP_SAMPLES_ADVICE}")
        return None


def run_figure_records(run, options: FigureOptions | None = None, **flags: bool) -> list[tuple[str, object]]:
    """What each of a finished run's figures draws (see the module table), in drawing order.

    Parameters
    ----------
    run : StoredRun or RunResult
        The run (:func:`powerplay.storage.load_run`).
    options : FigureOptions, optional
        Which figures; keyword flags (``plot_as_gridworld=True``, ...) change single options.

    Returns
    -------
    list of (str, record)
        The figure type (file-name prefix, e.g. ``'POWER_means-agent_H'``) and its record
        (:mod:`powerplay.figures.data`). Skipped figures are left out with a
        :class:`~powerplay.errors.FigureWarning` saying why.
    """
    options = FigureOptions(**{**(options or FigureOptions()).as_dict(), **flags})
    label = style.RunLabel.from_run(run)
    handle = run.name
    states = run.states
    as_grid = options.plot_as_gridworld
    agents = _agents(run)
    many = len(agents) > 2
    geometry = None
    maps: AgentGeometry | None = None  # three or more agents: maps over each agent's own cell
    if as_grid:
        try:
            if many:
                maps = AgentGeometry.of_states(states)
            else:
                geometry = GridGeometry.of_states(states)
        except ValueError:
            style.warn(
                f"plot_as_gridworld: the states of run {handle} are not gridworld cells '(row, col)' "
                f"(e.g. {states[0]!r}); drawing bar plots instead"
            )
            as_grid = False
    records: list[tuple[str, object]] = []

    def agent_values(prefix: str, key: str, means, quantity: str | None = None, **kwargs) -> None:
        """An agent's variances or rewards: a map over its cells (3+ agents), else as below."""
        if maps is None:
            values(prefix, means, **({"quantity": quantity} if quantity else {}), **kwargs)
            return
        item = agent_map(means, np.full(len(states), np.nan), states, key, geometry=maps)
        variance = kwargs.get("aggregation", "mean") == "var"
        what = f"{quantity or 'POWER'} of Agent {key}"
        if variance:
            what = f"Variance of the {what[0].lower()}{what[1:]} samples"
        unit = "variance of samples) (reward units²" if variance else "mean over samples) (reward units"
        colorbar = f"{quantity or 'POWER'} ({unit})"
        records.append((prefix, agent_map_data(item, maps, quantity=what, label=label, colorbar_label=colorbar)))

    def values(prefix: str, means, **kwargs) -> None:
        records.append(
            (
                prefix,
                state_values_data(
                    means,
                    states,
                    plot_as_gridworld=as_grid,
                    label=label,
                    num_samples=run.num_samples,
                    geometry=geometry,
                    **kwargs,
                ),
            )
        )

    two_agents = len(agents) == 2
    if maps is not None:
        records += power_map_records(run, others=options.others, label=label, geometry=maps)
    else:
        for key, tag in agents:
            values(
                f"POWER_means{tag}", run.power_mean(key), errors=run.power_sem(key), agent=key if two_agents else "H"
            )
    if many:
        names = tuple(key for key, _ in agents)
        records.append(
            (
                "POWER_alignment_matrix",
                alignment_matrix_data(
                    {a: run.power_mean(a) for a in names},
                    names,
                    statistics=run.alignments(),
                    errors={a: run.power_sem(a) for a in names},
                    label=label,
                ),
            )
        )
        if options.diagnostic:
            expected = [k for k in run.scenario.power_keys(True) if k not in names]
            missing = [k for k in expected if k not in run.power_keys]
            if missing:
                style.warn(
                    f"diagnostic: run {handle} has no diagnostic POWERs ({', '.join(missing)}); "
                    "run the sweep in diagnostic mode to compute them"
                )
            present = [k for k in expected if k in run.power_keys]
            if maps is not None:
                records += power_map_records(run, keys=present, label=label, geometry=maps)
            else:
                for key in present:
                    values(
                        f"POWER_means-agent_{key}",
                        run.power_mean(key),
                        errors=run.power_sem(key),
                        quantity=style.power_key_name(key),
                    )
    if two_agents:
        records.append(
            (
                "POWER_alignment",
                alignment_data(
                    run.power_mean("H"),
                    run.power_mean("A"),
                    label=label,
                    statistics=run.alignment(),
                    errors_H=run.power_sem("H"),
                    errors_A=run.power_sem("A"),
                ),
            )
        )
        if options.diagnostic:
            missing = [k for k in ("H_against_seed", "A_seed") if k not in run.power_keys]
            if missing:
                style.warn(
                    f"diagnostic: run {handle} has no diagnostic POWERs ({', '.join(missing)}); "
                    "run the sweep in diagnostic mode to compute them"
                )
            for key, tag in (("H_against_seed", "-agent_H_against_seed"), ("A_seed", "-agent_A_seed")):
                if key in run.power_keys:
                    values(
                        f"POWER_means{tag}",
                        run.power_mean(key),
                        errors=run.power_sem(key),
                        quantity=style.POWER_KEY_NAMES[key],
                    )
    if options.plot_distributions:
        # Histograms need every sample (drawn again, or loaded): only when they will be drawn.
        histograms = not too_many_states(
            "sample histograms (Reward_samples, POWER_samples)", len(states), MAX_DISTRIBUTION_STATES
        )
        rewards = {}
        if histograms:
            try:
                rewards = run.rewards
            except SamplesNotKeptError as error:  # e.g. a distribution registered only where the run was computed
                style.warn(f"Reward_samples: {error}")
        heavy = heavy_tailed_rewards(run.scenario.reward_distribution)
        for key, tag in agents:
            agent_values(f"POWER_vars{tag}", key, run.power_variance(key), aggregation="var", agent=key)
            if key in run.summary.reward_agents:
                agent_values(f"Reward_means{tag}", key, run.summary.reward_mean(key), quantity="Reward", agent=key)
                agent_values(
                    f"Reward_vars{tag}",
                    key,
                    run.summary.reward_variance(key),
                    aggregation="var",
                    quantity="Reward",
                    agent=key,
                )
            if key in rewards:
                for group, data in histogram_data(
                    rewards[key],
                    states,
                    quantity="Reward",
                    plot_as_gridworld=as_grid and maps is None,
                    label=label,
                    agent=key,
                    heavy_tailed=heavy,
                ):
                    records.append((f"Reward_samples{group}{tag}", data))
            samples = _samples_or_warn(run, key, "POWER_samples (histograms of POWER samples)") if histograms else None
            if samples is not None:
                for group, data in histogram_data(
                    samples,
                    states,
                    quantity="POWER",
                    plot_as_gridworld=as_grid and maps is None,
                    label=label,
                    agent=key,
                    heavy_tailed=heavy,
                ):
                    records.append((f"POWER_samples{group}{tag}", data))
    if options.plot_correlations:
        for key, tag in agents:
            samples = _samples_or_warn(run, key, "POWER correlations")
            if samples is None:
                continue
            if len(states) > MAX_CORRELATION_STATES:
                style.warn(
                    f"plot_correlations: run {handle} has {len(states)} states, so the state-pair histograms would "
                    f"be {len(states)}² = {len(states) ** 2} panels (limit: {MAX_CORRELATION_STATES} states); drawing "
                    f"the state-by-state correlation matrix POWER_correlation_matrix{tag} instead"
                )
            else:
                for group, corr in correlation_data(
                    samples, states, plot_as_gridworld=as_grid and maps is None, label=label, agent=key
                ):
                    records.append((f"POWER{group}{tag}", corr))
            matrix = matrix_data(samples, states, label=label, agent=key)
            if matrix is not None:
                records.append((f"POWER_correlation_matrix{tag}", matrix))
    return records


def run_figure_path(out_dir: Path, prefix: str, run_name: str) -> Path:
    """``{out_dir}/{prefix}-{run folder name}.png``, the prefix made a safe file-name part."""
    return Path(out_dir) / f"{style.file_token(prefix)}-{style.safe_filename(run_name)}.png"


def render_run_figures(
    run, out_dir: Path, options: FigureOptions | None = None, *, workers: int | None = None, **flags: bool
) -> list[Path]:
    """Draw a finished run's figures (see the module table) into ``out_dir``.

    Parameters
    ----------
    run : StoredRun or RunResult
        The run (:func:`powerplay.storage.load_run`).
    out_dir : Path
        Where to write (normally the run folder).
    options : FigureOptions, optional
        Which figures; keyword flags (``plot_as_gridworld=True``, ...) change single options.
    workers : int, optional
        Processes drawing the many-panel figures (histograms); by default more than one only
        when there are many of them. The files never depend on it.

    Returns
    -------
    list of Path
        The PNG files written, in drawing order (as :func:`run_figure_records`).
    """
    jobs = [
        (data, run_figure_path(out_dir, prefix, run.name)) for prefix, data in run_figure_records(run, options, **flags)
    ]
    # Heat maps first, together: they share a layout (Agent A's is Agent H's with other values),
    # so one figure is redrawn for them.
    order = sorted(range(len(jobs)), key=lambda i: not isinstance(jobs[i][0], HeatmapData))
    written = save_all([jobs[i] for i in order], workers)
    paths: list[Path] = [Path()] * len(jobs)
    for i, path in zip(order, written):
        paths[i] = path
    return paths


def render_figures_for_run(run: StoredRun, options: FigureOptions) -> list[Path]:
    """Render a stored run's figures into its folder and record their names in ``run.json``."""
    paths = render_run_figures(run, run.path, options)
    folder = run.path.resolve()
    names = [p.name if p.resolve().parent == folder else str(p) for p in paths]
    update_run_info(run.path, figures=names, figure_options=options.as_dict())
    return paths


class RunFigures(SweepListener):
    """Draws each run's figures as a sweep writes it (a sweep listener).

    A reused run is redrawn only if it was drawn with other options (or not at all).
    Figure warnings (a figure skipped, simplified) are passed on as the sweep's warnings.

    Parameters
    ----------
    options : FigureOptions
    """

    def __init__(self, options: FigureOptions | None = None):
        self.options = options or FigureOptions()
        if self.options.needs_samples:  # many figures per run: have drawing workers ready in time
            prestart()

    def on_run_written(self, run: StoredRun, fresh: bool) -> None:
        if not fresh and run.info.get("figure_options") == self.options.as_dict():
            return
        render_figures_for_run(run, self.options)


__all__ = [
    "FigureOptions",
    "RunFigures",
    "render_figures_for_run",
    "render_run_figures",
    "run_figure_path",
    "run_figure_records",
]
