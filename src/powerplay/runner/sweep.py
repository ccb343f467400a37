"""Run a sweep: expand a config into runs, compute each, write its folder, render its figures.

:func:`run_sweep` is the Python API behind ``powerplay run`` (and the reference-compatible
``base.launch_experiment``)::

    sweep = run_sweep('configs/my_first_sweep.yaml', plot_as_gridworld=True)
    sweep.run(discount_rate=0.9).power_mean('H')

What it does, in order:

1. Load and validate the config (:func:`powerplay.runner.config.load_sweep_config`), resolving
   every MDP and policy up front so mistakes surface before anything runs.
2. Find or create the sweep folder ``{output_dir}/{SWEEP_ID}-{name}/`` (see
   :mod:`powerplay.storage.sweeps`). **Resuming:** if ``output_dir`` already holds a sweep
   with the same name, identical config bytes and the same result-changing overrides
   (``samples``, ``diagnostic``), the latest such folder is reused and its finished runs are
   skipped -- so re-running an interrupted command completes it with the same results an
   uninterrupted run gives. ``new=True`` always starts a new sweep.
3. For each run in sweep order: build its :class:`~powerplay.runner.experiment.Experiment`,
   compute it with the executor (by default in this process, see :class:`LocalExecutor`;
   on a Dask cluster, see :mod:`powerplay.runner.distributed`, several runs at once),
   write the run folder (atomically, ``run.json`` last), then render its figures
   (:func:`powerplay.figures.run_figures.render_run_figures`) and log it to Weights & Biases if
   asked. A figure or tracking failure is reported but never loses computed results.
4. Write ``runs.csv`` and mark the sweep finished.

Sample counts: ``samples=N`` (``--samples N`` on the command line) overrides
``num_reward_samples`` for a quick look; when it is not given, the environment variable
``POWERPLAY_SAMPLES`` does the same (so reference-style scripts and the README's examples
can run quickly in tests). The override is recorded and is part of what makes two sweeps
"the same" for resuming.

Seeds: every run of a sweep uses the config's ``random_seed`` (common random numbers: runs
differ only by their parameters). ``random_seed: null`` draws one seed for the whole sweep,
records it in ``sweep.json`` and reuses it when the sweep is resumed.

Results never depend on ``workers`` or ``chunk_size`` (the engine solves each sample
independently and draws rewards in fixed seeded blocks).

Examples
--------
>>> import tempfile, textwrap
>>> folder = tempfile.mkdtemp()
>>> config = Path(folder) / 'demo.yaml'
>>> _ = config.write_text(textwrap.dedent('''
...     name: demo
...     parameters:
...       mdp_graph: {value: 3x3_gridworld}
...       discount_rate: {values: [0.2, 0.8], names: ["0p2", "0p8"]}
...       reward_distribution: {value: {default_dist: {dist_name: uniform, params: [0, 1]}}}
...       num_reward_samples: {value: 500}
...       random_seed: {value: 0}
... '''))
>>> sweep = run_sweep(config, output_dir=Path(folder) / 'expts', render_figures=False)
>>> sweep.path.name, sweep.run_suffixes
('0001-demo', ['discount_rate__0p2', 'discount_rate__0p8'])
>>> again = run_sweep(config, output_dir=Path(folder) / 'expts', render_figures=False)  # resumes: nothing left to do
>>> again.path == sweep.path
True
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import os
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Protocol

from ..errors import SweepError, TrackingError
from ..storage.runs import StoredRun, is_complete_run, load_run, update_run_info, write_run
from ..storage.sweeps import (
    StoredSweep,
    create_sweep_folder,
    find_matching_sweep,
    load_sweep,
    new_sweep_record,
    next_sweep_id,
    read_sweep_record,
    run_folder_name,
    write_runs_table,
    write_sweep_record,
)
from .config import ConfigError, RunSpec, SweepConfig, build_experiment, environment_sources, load_sweep_config
from .experiment import Experiment, RunResult, run_experiment

#: Environment variable overriding every run's ``num_reward_samples`` (when ``samples`` is not given).
SAMPLES_ENVIRONMENT_VARIABLE = "POWERPLAY_SAMPLES"

#: The module that renders per-run figures (written alongside; optional at run time).
RUN_FIGURES_MODULE = "powerplay.figures.run_figures"


# --------------------------------------------------------------------------------------
# Executors: how one run's samples are computed (pluggable, e.g. for a Dask cluster)


class RunExecutor(Protocol):
    """Computes one experiment. Implementations must give the same numbers as
    :func:`~powerplay.runner.experiment.run_experiment` (e.g. by mapping
    :func:`~powerplay.runner.experiment.solve_chunk` over :meth:`Experiment.chunks` and
    joining with :func:`~powerplay.runner.experiment.combine_chunks`)."""

    def run(self, experiment: Experiment, progress: Callable[[int, int], None] | None = None) -> RunResult:
        ...  # pragma: no cover

    def describe(self) -> str:
        ...  # pragma: no cover


class ConcurrentRunExecutor(RunExecutor, Protocol):
    """An executor that can compute several runs at once (e.g. on a Dask cluster, see
    :class:`powerplay.runner.distributed.DaskExecutor`).

    :func:`run_sweep` uses :meth:`run_many` when an executor has it: it pulls the runs
    still to compute lazily, and writes each run's folder as soon as its result is yielded,
    so finished runs are kept if the sweep stops.
    """

    def run_many(
        self, experiments: Iterable[Experiment], progress: Callable[[int, int, int], None] | None = None
    ) -> Iterator[tuple[int, RunResult]]:
        """Yield ``(index, result)`` as each experiment finishes (``index`` counts the
        experiments pulled, from 0); call ``progress(index, samples_done, samples_total)``."""
        ...  # pragma: no cover


@dataclass(frozen=True)
class LocalExecutor:
    """Run in this process on ``workers`` threads of the compiled kernels (default: all cores).

    Parameters
    ----------
    workers : int, optional
    chunk_size : int, optional
        Samples solved together (bounds memory; never changes results).
    """

    workers: int | None = None
    chunk_size: int | None = None

    def run(self, experiment: Experiment, progress: Callable[[int, int], None] | None = None) -> RunResult:
        return run_experiment(experiment, chunk_size=self.chunk_size, workers=self.workers, progress=progress)

    def describe(self) -> str:
        return f"local, {self.workers or os.cpu_count()} thread(s)"


# --------------------------------------------------------------------------------------
# Progress reporting


class SweepProgress:
    """Receives progress events from :func:`run_sweep`; the base class ignores them all.

    Subclass and override what you need (the command line draws rich progress bars).
    """

    def sweep_started(self, sweep_path: Path, runs: list[RunSpec], finished: set[str], resumed: bool) -> None:
        """Before the first run; ``finished`` holds suffixes of runs that will be skipped."""

    def run_started(self, run: RunSpec, total_samples: int) -> None:
        """Before a run is computed."""

    def samples_done(self, run: RunSpec, done: int, total: int) -> None:
        """After each chunk of a run."""

    def run_finished(self, run: RunSpec, folder: Path, info: dict[str, Any], skipped: bool) -> None:
        """After a run's folder is complete (or when it is skipped because it was)."""

    def warning(self, message: str) -> None:
        """Something went wrong without losing results (figures, tracking)."""

    def sweep_finished(self, sweep: StoredSweep) -> None:
        """After the last run."""


class _WarningProgress(SweepProgress):
    """Default progress: silent, but problems become Python warnings."""

    def warning(self, message: str) -> None:
        warnings.warn(message, RuntimeWarning, stacklevel=3)


# --------------------------------------------------------------------------------------
# Figures


def figures_available() -> bool:
    """Whether the per-run figures module is installed."""
    try:
        return importlib.util.find_spec(RUN_FIGURES_MODULE) is not None
    except ModuleNotFoundError:
        return False


@dataclass(frozen=True)
class FigureOptions:
    """Which per-run figures to draw (the reference's ``launch_experiment`` flags)."""

    plot_as_gridworld: bool = False
    plot_distributions: bool = False
    plot_correlations: bool = False
    diagnostic: bool = False

    def as_dict(self) -> dict[str, bool]:
        return dict(self.__dict__)


def render_figures_for_run(run: StoredRun, options: FigureOptions) -> list[Path]:
    """Render a run's figures into its folder and record their names in ``run.json``."""
    module = importlib.import_module(RUN_FIGURES_MODULE)
    paths = module.render_run_figures(run, run.path, **options.as_dict())
    folder = run.path.resolve()
    names = [Path(p).name if Path(p).resolve().parent == folder else str(p) for p in paths]
    update_run_info(run.path, figures=names, figure_options=options.as_dict())
    return [Path(p) for p in paths]


# --------------------------------------------------------------------------------------
# Sweeps


def samples_override(samples: int | None) -> int | None:
    """``samples`` if given, else ``$POWERPLAY_SAMPLES`` as an integer, else ``None``.

    Raises
    ------
    SweepError
        If the environment variable is not a positive integer.
    """
    if samples is not None:
        return samples
    text = os.environ.get(SAMPLES_ENVIRONMENT_VARIABLE, "").strip()
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise SweepError(f"{SAMPLES_ENVIRONMENT_VARIABLE} must be a positive integer, got {text!r}")
    return value


def prepare_sweep(
    config: SweepConfig | str | os.PathLike,
    output_dir: str | os.PathLike = "expts",
    *,
    diagnostic: bool = False,
    samples: int | None = None,
    new: bool = False,
    workdir: str | os.PathLike | None = None,
) -> tuple[SweepConfig, Path, bool]:
    """Validate the config and find (resume) or create its sweep folder.

    Returns
    -------
    (SweepConfig, Path, bool)
        The config with overrides applied, the sweep folder, and whether it was resumed.
    """
    if not isinstance(config, SweepConfig):
        config = load_sweep_config(config, check_environments=False, workdir=workdir)
    config = config.with_overrides(samples=samples_override(samples))
    overrides = {"samples": config.samples_override, "diagnostic": bool(diagnostic and config.experiment_type == "multiagent_with_reward")}
    output_dir = Path(output_dir)
    existing = None if new else find_matching_sweep(output_dir, config.name, config.sha256, overrides)
    if existing is not None:
        record = read_sweep_record(existing)
        if config.needs_seed:
            config = config.with_overrides(drawn_seed=record["random_seed"])
        config.check_environments(workdir)
        return config, existing, True
    config.check_environments(workdir)
    runs = config.runs()
    record = new_sweep_record(
        next_sweep_id(output_dir), config.name, config.experiment_type, config.text,
        description=config.description,
        source=str(Path(config.source).resolve()) if Path(config.source).is_file() else config.source,
        config_sha256=config.sha256,
        overrides=overrides,
        random_seed=config.drawn_seed if config.needs_seed else None,
        swept={p: {"values": [v for v, _ in pairs], "names": [n for _, n in pairs]} for p, pairs in config.swept.items()},
        runs=[{"suffix": r.suffix, "values": {p: r.config[p] for p in r.value_names}, "names": r.value_names} for r in runs],
    )
    return config, create_sweep_folder(output_dir, record, config.text), False


def run_sweep(
    config: SweepConfig | str | os.PathLike,
    output_dir: str | os.PathLike = "expts",
    *,
    workers: int | None = None,
    chunk_size: int | None = None,
    plot_as_gridworld: bool = False,
    plot_distributions: bool = False,
    plot_correlations: bool = False,
    diagnostic: bool = False,
    wandb: bool = False,
    wandb_project: str | None = None,
    samples: int | None = None,
    render_figures: bool = True,
    new: bool = False,
    workdir: str | os.PathLike | None = None,
    executor: RunExecutor | None = None,
    progress: SweepProgress | None = None,
) -> StoredSweep:
    """Run (or resume) every run of a sweep and return it loaded from disk.

    Parameters
    ----------
    config : path or SweepConfig
        The YAML config file (or an already loaded config).
    output_dir : path
        Where sweep folders go (default ``./expts``).
    workers : int, optional
        Threads for the local executor (default: all cores). Never changes results.
    chunk_size : int, optional
        Samples solved together. Never changes results.
    plot_as_gridworld, plot_distributions, plot_correlations : bool
        Per-run figure options, as in the reference.
    diagnostic : bool
        ``multiagent_with_reward`` only: also compute (and plot) H's POWER against A's
        seed policy and A's POWER under it.
    wandb : bool
        Log each run to Weights & Biases (offline unless logged in, see
        :mod:`powerplay.runner.tracking`).
    wandb_project : str, optional
        W&B project (default ``powerplay``).
    samples : int, optional
        Override ``num_reward_samples`` of every run (default: ``$POWERPLAY_SAMPLES`` if set).
    render_figures : bool
        Draw per-run figures (needs :mod:`powerplay.figures`).
    new : bool
        Start a new sweep even if a matching one could be resumed.
    workdir : path, optional
        Where ``mdps/`` and ``policies/`` are (default: the current working directory).
    executor : RunExecutor, optional
        How runs are computed (default :class:`LocalExecutor` with ``workers``, ``chunk_size``).
        An executor with ``run_many`` (:class:`ConcurrentRunExecutor`, e.g.
        :class:`powerplay.runner.distributed.DaskExecutor`) computes the unfinished runs
        concurrently; each run's folder is written as soon as it finishes, so progress
        events of different runs interleave and runs finish in any order.
    progress : SweepProgress, optional
        Progress callbacks.

    Returns
    -------
    StoredSweep

    Raises
    ------
    ConfigError
        For an invalid config (one line naming file and field).
    SweepError
        For a bad ``$POWERPLAY_SAMPLES`` or ``workers``.
    TrackingError
        If ``wandb=True`` but the ``wandb`` package is not installed.
    """
    progress = progress or _WarningProgress()
    executor = executor or LocalExecutor(workers=workers, chunk_size=chunk_size)
    if workers is not None and workers < 1:
        raise SweepError(f"workers must be at least 1, got {workers}")
    if wandb and importlib.util.find_spec("wandb") is None:  # fail before creating any folder
        from .tracking import TrackingError

        raise TrackingError("--wandb needs the wandb package: pip install 'powerplay[wandb]'")
    config, sweep_path, resumed = prepare_sweep(config, output_dir, diagnostic=diagnostic, samples=samples, new=new, workdir=workdir)
    record = read_sweep_record(sweep_path)
    sweep_id = record["sweep_id"]
    runs = config.runs()
    options = FigureOptions(plot_as_gridworld, plot_distributions, plot_correlations, diagnostic)
    draw = render_figures and figures_available()
    if render_figures and not draw:
        progress.warning(f"figures are not drawn: {RUN_FIGURES_MODULE} is not available")

    tracker = None
    if wandb:
        from .tracking import WandbTracker

        tracker = WandbTracker(sweep_path, record, project=wandb_project)

    finished = {r.suffix for r in runs if is_complete_run(sweep_path / run_folder_name(sweep_id, config.name, r.suffix))}
    progress.sweep_started(sweep_path, runs, finished, resumed)
    # An executor with run_many (e.g. Dask) computes the unfinished runs concurrently, after
    # the finished ones are reported; others compute one run at a time, in sweep order.
    concurrent = callable(getattr(executor, "run_many", None))
    try:
        for run in runs:
            folder = sweep_path / run_folder_name(sweep_id, config.name, run.suffix)
            if run.suffix in finished:
                stored = None
                info = read_sweep_run_info(folder)
                if draw and info.get("figure_options") != options.as_dict():
                    stored = load_run(folder)
                    _render(stored, options, progress)
                    info = read_sweep_run_info(folder)
                if tracker is not None and not info.get("wandb_run"):
                    _track(tracker, stored or load_run(folder), progress)
                progress.run_finished(run, folder, read_sweep_run_info(folder), skipped=True)
                continue
            if concurrent:
                continue
            stored = _compute_run(run, folder, config, sweep_id, executor, options, workdir, progress)
            _after_run(run, stored, draw, options, tracker, progress)
        if concurrent:
            pending = [run for run in runs if run.suffix not in finished]
            computed = _compute_runs_concurrently(pending, sweep_path, config, sweep_id, executor, options, workdir, progress)
            with contextlib.closing(computed):  # on an error or interrupt, the executor cancels what is left at once
                for run, stored in computed:
                    _after_run(run, stored, draw, options, tracker, progress)
    finally:
        if tracker is not None:
            tracker.close()

    sweep = load_sweep(sweep_path)
    write_runs_table(sweep)
    if sweep.is_complete and "finished" not in record:
        record = read_sweep_record(sweep_path)
        record["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        write_sweep_record(sweep_path, record)
        sweep = load_sweep(sweep_path)
    progress.sweep_finished(sweep)
    return sweep


def read_sweep_run_info(folder: Path) -> dict[str, Any]:
    """A run folder's ``run.json``."""
    return json.loads((folder / "run.json").read_text(encoding="utf-8"))


def _compute_run(run: RunSpec, folder: Path, config: SweepConfig, sweep_id: str, executor: RunExecutor,
                 options: FigureOptions, workdir, progress: SweepProgress) -> StoredRun:
    """Compute one run and write its folder; return it as a :class:`StoredRun` (no re-read)."""
    experiment = build_experiment(run.config, workdir=workdir, diagnostic=options.diagnostic)
    progress.run_started(run, experiment.num_reward_samples)
    result = executor.run(experiment, progress=lambda done, total: progress.samples_done(run, done, total))
    return _write_computed_run(run, folder, config, sweep_id, experiment, result, executor, workdir)


def _compute_runs_concurrently(pending: list[RunSpec], sweep_path: Path, config: SweepConfig, sweep_id: str,
                               executor: ConcurrentRunExecutor, options: FigureOptions, workdir,
                               progress: SweepProgress) -> Iterator[tuple[RunSpec, StoredRun]]:
    """Compute ``pending`` runs with ``executor.run_many``; write and yield each as it finishes."""
    experiments: dict[int, Experiment] = {}

    def build() -> Iterator[Experiment]:  # pulled by the executor as it has room
        for index, run in enumerate(pending):
            experiments[index] = build_experiment(run.config, workdir=workdir, diagnostic=options.diagnostic)
            progress.run_started(run, experiments[index].num_reward_samples)
            yield experiments[index]

    results = executor.run_many(build(), progress=lambda index, done, total: progress.samples_done(pending[index], done, total))
    try:
        for index, result in results:
            run = pending[index]
            folder = sweep_path / run_folder_name(sweep_id, config.name, run.suffix)
            yield run, _write_computed_run(run, folder, config, sweep_id, experiments.pop(index), result, executor, workdir)
    finally:
        close = getattr(results, "close", None)
        if close is not None:  # stopped early: let the executor cancel what is still running
            close()


def _write_computed_run(run: RunSpec, folder: Path, config: SweepConfig, sweep_id: str, experiment: Experiment,
                        result: RunResult, executor: RunExecutor, workdir) -> StoredRun:
    run_config = dict(run.config)
    run_config.update(sweep_id=sweep_id, sweep_name=config.name, run_suffix=run.suffix)
    info = {
        "experiment_type": experiment.kind,
        "sweep_id": sweep_id,
        "sweep_name": config.name,
        "run_suffix": run.suffix,
        "value_names": run.value_names,
        "diagnostic": experiment.diagnostic,
        "executor": executor.describe(),
        "sources": environment_sources(run.config, workdir),
        "num_states": len(experiment.states),
    }
    write_run(folder, run_config, result, info)
    return StoredRun(folder, run_config, read_sweep_run_info(folder), tuple(result.states), result.rewards, result.power)


def _after_run(run: RunSpec, stored: StoredRun, draw: bool, options: FigureOptions, tracker,
               progress: SweepProgress) -> None:
    """Figures and tracking of a freshly written run, then its progress event."""
    if draw:
        _render(stored, options, progress)
    if tracker is not None:
        _track(tracker, stored, progress)
    progress.run_finished(run, stored.path, read_sweep_run_info(stored.path), skipped=False)


def _render(run: StoredRun, options: FigureOptions, progress: SweepProgress) -> None:
    try:
        render_figures_for_run(run, options)
    except Exception as error:  # figures must never lose computed results
        message = " ".join(f"{type(error).__name__}: {error}".split())
        update_run_info(run.path, figure_error=message)
        progress.warning(f"figures for {run.path.name} failed ({message}); the results are saved")


def _track(tracker, run: StoredRun, progress: SweepProgress) -> None:
    try:
        url_or_id = tracker.log_run(run)
        update_run_info(run.path, wandb_run=url_or_id)
    except Exception as error:  # tracking must never lose computed results
        message = " ".join(f"{type(error).__name__}: {error}".split())
        progress.warning(f"Weights & Biases logging of {run.path.name} failed ({message}); the results are saved")


__all__ = [
    "SAMPLES_ENVIRONMENT_VARIABLE",
    "ConcurrentRunExecutor",
    "ConfigError",
    "FigureOptions",
    "LocalExecutor",
    "RunExecutor",
    "SweepError",
    "SweepProgress",
    "figures_available",
    "prepare_sweep",
    "render_figures_for_run",
    "run_sweep",
    "samples_override",
]
