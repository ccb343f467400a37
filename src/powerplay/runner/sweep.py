"""Run a sweep: expand a config into runs, compute them, write each run's folder, report.

:func:`run_sweep` is the Python API behind ``powerplay run`` (and the reference-compatible
``base.launch_experiment``)::

    sweep = run_sweep('configs/my_first_sweep.yaml')
    sweep.run(discount_rate=0.9).power_mean('H')

What it does, in order:

1. Load and validate the config (:func:`powerplay.runner.config.load_sweep_config`), resolving
   every MDP and policy up front, so mistakes surface before anything is written.
2. Find or create the sweep folder ``{output_dir}/{SWEEP_ID}-{name}/`` (see
   :mod:`powerplay.storage.sweeps`), after checking that the output folder can be written
   and has room for the samples that will be kept. **Resuming:** if ``output_dir`` already holds a sweep
   with the same name, identical config bytes and the same result-changing overrides
   (``samples``, ``diagnostic``), the latest such folder is reused: its finished runs are
   checked against the checksums they recorded and skipped, so re-running an interrupted
   command completes it with the same results an uninterrupted run gives. If an MDP or
   policy file the sweep uses has changed since, resuming is refused (it would mix two
   environments in one sweep). ``new=True`` always starts a new sweep.
3. Compute the unfinished runs with an executor (:mod:`powerplay.runner.executors`: in this
   process by default, or on a Dask cluster, several runs at once), streaming each run's
   samples into statistics (and into ``samples.npz`` when samples are kept), and write each
   run's folder as soon as its last chunk is in (atomically, ``run.json`` last).
4. Tell the listeners (:mod:`powerplay.runner.events`) about each run: figures and tracking
   are listeners, supplied by the caller. Then write ``runs.csv`` and mark the sweep finished.

Sample counts: ``samples=N`` (``--samples N``) overrides ``num_reward_samples`` for a quick
look; when it is not given, the environment variable ``POWERPLAY_SAMPLES`` does the same.
The override is part of what makes two sweeps "the same" for resuming.

Seeds: every run of a sweep uses the config's ``random_seed`` (common random numbers: runs
differ only by their parameters). ``random_seed: null`` draws one seed for the whole sweep,
records it in ``sweep.json`` and reuses it when the sweep is resumed.

Results never depend on the executor, worker or thread count, or chunk size.

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
>>> sweep = run_sweep(config, output_dir=Path(folder) / 'expts')
>>> sweep.path.name, sweep.run_suffixes
('0001-demo', ['discount_rate__0p2', 'discount_rate__0p8'])
>>> again = run_sweep(config, output_dir=Path(folder) / 'expts')  # resumes: nothing left to do
>>> again.path == sweep.path
True
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from ..defaults import SAMPLES_ENVIRONMENT_VARIABLE
from ..errors import DamagedRunError, ResourceLimitError, SweepError
from ..io.atomic import STALE_SECONDS, remove_stale_temporary_files
from ..storage.runs import (
    RECORDED_FILES,
    RUN_INFO,
    StoredRun,
    check_run_matches,
    is_complete_run,
    load_run,
    read_run_info,
    verify_run,
    write_run,
)
from ..storage.samples import SCRATCH_PREFIX, SampleFileWriter
from ..storage.sweeps import (
    DEFAULT_FOLDER,
    StoredSweep,
    check_output_folder,
    claiming,
    create_sweep_folder,
    find_matching_sweep,
    load_sweep,
    new_sweep_record,
    next_sweep_id,
    read_sweep_record,
    write_runs_table,
    write_sweep_record,
)
from .build import (
    build_experiment,
    check_environments,
    environment_fingerprints,
    environment_labels,
    environment_sources,
)
from .config import RunSpec, SweepConfig, load_sweep_config
from .events import SweepListener, combine
from .executors import Executor, LocalExecutor, RunJob, check_fits, compute_runs

#: A file in the sweep folder, locked while a process computes the sweep.
LOCK_FILE = ".lock"


@dataclass(frozen=True)
class SweepOptions:
    """How to run a sweep (everything except the config, the executor and the listeners).

    Parameters
    ----------
    output_dir : path
        Where sweep folders go (default ``./expts``).
    samples : int, optional
        Override ``num_reward_samples`` of every run (default: ``$POWERPLAY_SAMPLES`` if set).
    diagnostic : bool
        Experiment types with diagnostics only (``multiagent_with_reward``): also compute H's
        POWER against A's seed policy and A's POWER under it.
    keep_samples : bool, optional
        Keep every run's per-sample POWER arrays in ``samples.npz``. Default (``None``):
        keep them for runs where they take at most 64 MB
        (:data:`~powerplay.runner.experiment.AUTO_KEEP_SAMPLES_BYTES`).
    new : bool
        Start a new sweep even if a matching one could be resumed.
    repair : bool
        Recompute finished runs whose files no longer match their checksums (otherwise such
        a run stops the sweep with an error naming it).
    workdir : path, optional
        Where ``mdps/`` and ``policies/`` are (default: the current working directory).
    chunk_size : int, optional
        Samples solved together. Never changes results.
    workers : int, optional
        Threads of the default local executor (default: all cores). Never changes results.
    """

    output_dir: Path = Path(DEFAULT_FOLDER)
    samples: int | None = None
    diagnostic: bool = False
    keep_samples: bool | None = None
    new: bool = False
    repair: bool = False
    workdir: Path | None = None
    chunk_size: int | None = None
    workers: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "output_dir", Path(self.output_dir))
        if self.workdir is not None:
            object.__setattr__(self, "workdir", Path(self.workdir))
        if self.workers is not None and self.workers < 1:
            raise SweepError(f"workers must be at least 1, got {self.workers}")
        if self.chunk_size is not None and self.chunk_size < 1:
            raise SweepError(f"chunk_size must be at least 1, got {self.chunk_size}")

    def with_(self, **changes: Any) -> SweepOptions:
        """A copy with some fields changed (unknown names are an error naming them)."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise SweepError(f"unknown sweep option {unknown[0]!r}; options: {', '.join(sorted(known))}")
        return replace(self, **changes)


def as_options(options: SweepOptions | str | os.PathLike | None) -> SweepOptions:
    """``options`` as :class:`SweepOptions` (a path is the output folder; ``None`` the defaults)."""
    if options is None:
        return SweepOptions()
    if isinstance(options, SweepOptions):
        return options
    return SweepOptions(output_dir=Path(options))


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


def _check_environments_unchanged(path: Path, record: dict[str, Any], current: dict[str, dict[str, str]]) -> None:
    recorded = record.get("environments")
    if not recorded:  # sweeps written before environments were fingerprinted
        return
    for label, entry in current.items():
        before = recorded.get(label)
        if before is not None and before.get("sha256") != entry["sha256"]:
            where = entry["source"] if entry["source"] != "builtin" else f"the built-in {label.split('=', 1)[1]}"
            raise SweepError(
                f"{where} changed since sweep {path.name} was started, so resuming it would mix two environments; "
                "restore it, or start a new sweep with --new"
            )


def _check_record_matches(path: Path, record: dict[str, Any], runs: list[RunSpec]) -> None:
    """A resumed sweep's record lists exactly the config's runs (it could have been edited)."""
    recorded = [r["suffix"] for r in record["runs"]]
    if recorded != [r.suffix for r in runs]:
        raise SweepError(
            f"{path / 'sweep.json'} lists other runs than its config.yaml gives "
            f"({len(recorded)} against {len(runs)}), so it was changed; restore it, or start a new sweep with --new"
        )


def _free_space(folder: Path) -> int | None:
    """Free bytes where ``folder`` is (or would be created); ``None`` if unknown."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    try:
        return shutil.disk_usage(existing).free
    except OSError:
        return None


def _check_disk_space(folder: Path, kept_bytes: list[int], keep_samples: bool | None = None) -> None:
    """Refuse up front when the samples the runs keep (``kept_bytes``, 0 for a run that keeps
    none) cannot fit where they go.

    A kept run writes its samples to uncompressed scratch files, then compresses them into
    ``samples.npz``; the uncompressed size of every kept archive plus the largest scratch
    space is an upper bound of what the sweep adds to the disk. The advice says why samples
    are kept: asked for (``keep_samples=True``: ``--keep-samples``, or a figure drawn from the
    samples), or kept by default because each run's are small (``None``).
    """
    kept = [b for b in kept_bytes if b]
    if not kept:
        return
    needed, free = sum(kept) + max(kept), _free_space(folder)
    if keep_samples:
        advice = (
            "they are kept because it was asked (--keep-samples, or --plot-distributions/--plot-correlations, "
            "which draw from them; keep_samples=True in Python): leave that out"
        )
    else:
        advice = "runs keep samples of at most 64 MB by default: run with --no-keep-samples (keep_samples=False)"
    if free is not None and needed > free:
        from ..io.safe_load import _size

        raise ResourceLimitError(
            f"keeping the samples of {len(kept):,} run(s) needs up to {_size(needed)} in {folder}, but only "
            f"{_size(free)} is free; {advice} (statistics are kept either way), or free some space",
            "disk space for kept samples",
            float(needed),
            float(free),
            "bytes",
        )


def prepare_sweep(
    config: SweepConfig | str | os.PathLike,
    options: SweepOptions,
    executor: Executor | None = None,
    *,
    hold: contextlib.ExitStack | None = None,
) -> tuple[SweepConfig, Path, bool]:
    """Validate the config and find (resume) or create its sweep folder.

    Everything that can be checked is checked before anything is written: the config, every
    run's environments and reward distribution (:func:`~powerplay.runner.build.check_environments`),
    that a resumed sweep's record and environments still match, that the output folder can
    be written, that the samples to keep fit on its disk and, when ``executor`` computes in
    this process (the default, a :class:`LocalExecutor`; not a cluster), that each run fits in
    this machine's memory (:func:`~powerplay.runner.executors.check_fits`).

    A new sweep folder is claimed atomically (:func:`~powerplay.storage.sweeps.claiming`): of
    two identical commands started together, the second finds the first one's sweep and
    resumes it (or, with ``hold``, is refused while the first computes it).

    Parameters
    ----------
    hold : contextlib.ExitStack, optional
        If given, the sweep's lock (one process computes a sweep) is taken here, before any
        other process can find a newly created sweep, and held until the stack closes.

    Returns
    -------
    (SweepConfig, Path, bool)
        The config with overrides applied, the sweep folder, and whether it was resumed.

    Raises
    ------
    ConfigError, ResourceLimitError, SweepError
        One line each, before anything is created.
    """
    if not isinstance(config, SweepConfig):
        config = load_sweep_config(config)
    given = config
    config = config.with_overrides(samples=samples_override(options.samples))
    diagnostic = bool(options.diagnostic and config.protocol.has_diagnostics)
    overrides = {"samples": config.samples_override, "diagnostic": diagnostic}
    output = options.output_dir
    if output.exists() and not output.is_dir():
        check_output_folder(output)  # says it is a file
    existing = None if options.new else find_matching_sweep(output, config.name, config.sha256, overrides)
    if existing is not None:
        record = read_sweep_record(existing)
        if config.needs_seed:
            if record.get("random_seed") is None:
                raise SweepError(
                    f"{existing / 'sweep.json'} lacks the seed drawn for random_seed: null, so the sweep "
                    "cannot be resumed with the same rewards; start a new sweep with --new"
                )
            config = config.with_overrides(drawn_seed=record["random_seed"])
    executor = executor or LocalExecutor(threads=options.workers)
    kept_bytes: list[int] = []  # per run: the bytes of the samples it will keep (Experiment.keeps_samples)

    def check(experiment) -> None:
        check_fits(experiment, executor, options.chunk_size)
        kept_bytes.append(experiment.sample_bytes() if experiment.keeps_samples(options.keep_samples) else 0)

    check_environments(config, options.workdir, diagnostic, check=check)
    runs = config.runs()
    environments = environment_fingerprints(runs, options.workdir)
    if existing is not None:
        _check_record_matches(existing, record, runs)
        _check_environments_unchanged(existing, record, environments)
        if not os.access(existing, os.W_OK | os.X_OK):
            raise SweepError(f"sweep folder {existing} cannot be written: permission denied")
        pending = [
            size for size, entry in zip(kept_bytes, record["runs"]) if not is_complete_run(existing / entry["folder"])
        ]
        _check_disk_space(existing, pending, options.keep_samples)
        if hold is not None:
            hold.enter_context(_sweep_lock(existing))
        return config, existing, True
    check_output_folder(output)
    _check_disk_space(output, kept_bytes, options.keep_samples)
    output.mkdir(parents=True, exist_ok=True)
    with claiming(output):
        if not options.new and find_matching_sweep(output, config.name, config.sha256, overrides) is not None:
            found_meanwhile = True  # another process created this sweep while this one checked the config
        else:
            found_meanwhile = False
            path = _create_sweep(config, options, environments, overrides, runs)
            if hold is not None:
                hold.enter_context(_sweep_lock(path))
    if found_meanwhile:
        return prepare_sweep(given, options, executor, hold=hold)
    return config, path, False


def _create_sweep(
    config: SweepConfig, options: SweepOptions, environments: dict[str, Any], overrides: dict[str, Any], runs
) -> Path:
    """Create a new sweep folder with its ``config.yaml`` and ``sweep.json`` (under :func:`claiming`)."""
    record = new_sweep_record(
        next_sweep_id(options.output_dir),
        config.name,
        config.experiment_type,
        config.text,
        description=config.description,
        source=str(Path(config.source).resolve()) if Path(config.source).is_file() else config.source,
        config_sha256=config.sha256,
        environments=environments,
        overrides=overrides,
        random_seed=config.drawn_seed if config.needs_seed else None,
        swept={
            p: {
                "values": [v for v, _ in pairs],
                "names": [n for _, n in pairs],
                **({"zip": config.zipped[p]} if p in config.zipped else {}),
            }
            for p, pairs in config.swept.items()
        },
        linked=config.linked,
        runs=[
            {"suffix": r.suffix, "values": {p: r.config[p] for p in r.value_names}, "names": r.value_names}
            for r in runs
        ],
    )
    return create_sweep_folder(options.output_dir, record, config.text)


@contextlib.contextmanager
def _sweep_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the sweep folder while computing it (one process per sweep)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no lock, no cleanup of others' files
        yield
        return
    # O_NOFOLLOW: a lock file replaced by a link must not create or open a file elsewhere.
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path / LOCK_FILE, flags, 0o666)
    except OSError as error:
        raise SweepError(
            f"cannot lock sweep {path}: {LOCK_FILE} cannot be opened ({error.strerror or error}); "
            "if it is not a plain file, remove it"
        ) from None
    with os.fdopen(fd, "r+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise SweepError(
                f"sweep {path.name} is being computed by another powerplay process; wait for it to finish "
                "(then run the same command to reuse its runs), or start a separate sweep with --new"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _clean_interrupted(folder: Path) -> None:
    """Remove what a killed process left in a run folder it was writing (we hold the sweep lock)."""
    remove_stale_temporary_files(folder, older_than=0.0, patterns=(".*.tmp", f"{SCRATCH_PREFIX}*"))


def _check_plain_folder(folder: Path) -> None:
    """A run folder is written and read only if it is a real folder inside the sweep folder."""
    if folder.is_symlink():
        raise SweepError(
            f"{folder} is a symbolic link, not a run folder of this sweep; nothing is read or written "
            "through it: remove the link and run the same command again"
        )
    if folder.exists() and not folder.is_dir():
        raise SweepError(f"{folder} is not a plain folder; remove it and run the same command again")


def _check_writable(folder: Path) -> None:
    """Files a run writes must be replaceable: a folder in their place would stop the run after computing it."""
    for name in (*RECORDED_FILES, RUN_INFO):
        path = folder / name
        if path.is_dir() and not path.is_symlink():
            raise SweepError(
                f"{path} is a folder where the run writes a file; remove it and run the same command again"
            )


def _run_identity(run: RunSpec, config: SweepConfig, record: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(run.yaml, fields of run.json)`` that identify a run: what it is written with, and
    what a finished run folder must hold to be reused for it (see :func:`check_run_matches`)."""
    run_config = dict(run.config)
    run_config.update(sweep_id=record["sweep_id"], sweep_name=config.name, run_suffix=run.suffix)
    recorded = record.get("environments") or {}
    environments = {
        key: recorded[label]["sha256"] for key, label in environment_labels(run.config).items() if label in recorded
    }
    folder = next(entry["folder"] for entry in record["runs"] if entry["suffix"] == run.suffix)
    info = {
        "name": folder,
        "experiment_type": config.experiment_type,
        "sweep_id": record["sweep_id"],
        "sweep_name": config.name,
        "run_suffix": run.suffix,
        "num_reward_samples": run.config.get("num_reward_samples"),
        "random_seed": run.config.get("random_seed"),
        "diagnostic": bool((record.get("overrides") or {}).get("diagnostic")),
        "environments": environments,
    }
    return run_config, info


def _reusable(folder: Path, identity: tuple[dict[str, Any], dict[str, Any]], options: SweepOptions, listeners) -> bool:
    """Whether a finished run can be reused as is: its files match their checksums, its record
    is the record of this run (``identity``, from :func:`_run_identity`), and it reads back."""
    _check_plain_folder(folder)
    _check_writable(folder)
    if not (folder / RUN_INFO).exists() and not (folder / RUN_INFO).is_symlink():
        return False
    try:
        verify_run(folder)
        check_run_matches(folder, *identity)
    except DamagedRunError as error:
        if not options.repair:
            raise SweepError(f"{error}; run the same command with --repair to recompute it") from None
        listeners.on_warning(f"{error}; recomputing it (--repair)")
        (folder / RUN_INFO).unlink(missing_ok=True)  # a link is removed, never what it points to
        return False
    return True


def run_sweep(
    config: SweepConfig | str | os.PathLike,
    options: SweepOptions | str | os.PathLike | None = None,
    *,
    executor: Executor | None = None,
    listeners: Sequence[SweepListener] | SweepListener | None = None,
    **option_changes: Any,
) -> StoredSweep:
    """Run (or resume) every run of a sweep and return it loaded from disk.

    Parameters
    ----------
    config : path or SweepConfig
        The YAML config file (or an already loaded config).
    options : SweepOptions or path, optional
        How to run it (a path is the output folder); keyword arguments change single fields
        (``run_sweep(path, output_dir='out', samples=1000)``).
    executor : Executor, optional
        How chunks are computed (default: :class:`LocalExecutor` with ``options.workers``
        threads). Never changes results.
    listeners : SweepListener or sequence of them, optional
        Progress displays and hooks (figures, tracking); see :mod:`powerplay.runner.events`.

    Returns
    -------
    StoredSweep

    Raises
    ------
    ConfigError
        For an invalid config (one line naming file and field).
    SweepError
        For a bad override, a changed environment on resume, a damaged finished run, or a
        sweep being computed by another process.
    """
    options = as_options(options).with_(**option_changes)
    events = combine(listeners)
    own_executor = executor is None
    executor = executor or LocalExecutor(threads=options.workers)
    try:
        with contextlib.ExitStack() as hold:
            config, sweep_path, resumed = prepare_sweep(config, options, executor, hold=hold)  # locks the sweep
            record = read_sweep_record(sweep_path)
            runs = config.runs()
            folders = {r["suffix"]: sweep_path / r["folder"] for r in record["runs"]}
            # Temporary files of writers killed long ago (a sweep record, a runs table, a redrawn figure).
            remove_stale_temporary_files(sweep_path, older_than=STALE_SECONDS)
            identities = {r.suffix: _run_identity(r, config, record) for r in runs}
            finished = {r.suffix for r in runs if _reusable(folders[r.suffix], identities[r.suffix], options, events)}
            for suffix in finished:
                remove_stale_temporary_files(folders[suffix], older_than=STALE_SECONDS)
            events.on_sweep_started(sweep_path, runs, finished, resumed)
            for run in runs:
                if run.suffix in finished:
                    stored = load_run(folders[run.suffix])
                    events.on_run_written(stored, False)
                    events.on_run_finished(run, stored.path, read_run_info(stored.path), True)
            pending = [run for run in runs if run.suffix not in finished]
            for run in pending:  # (plain and writable: checked with every folder by _reusable)
                _clean_interrupted(folders[run.suffix])
            for run, stored in _compute(pending, folders, identities, executor, options, events):
                events.on_run_written(stored, True)
                events.on_run_finished(run, stored.path, read_run_info(stored.path), False)
    finally:
        if own_executor:
            executor.close()
    sweep = load_sweep(sweep_path)
    write_runs_table(sweep)
    if sweep.is_complete and "finished" not in record:
        record = dict(sweep.record)
        record["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        write_sweep_record(sweep_path, record)
        sweep = load_sweep(sweep_path)
    events.on_sweep_finished(sweep)
    return sweep


def _compute(
    pending: list[RunSpec],
    folders: dict[str, Path],
    identities: dict[str, tuple[dict[str, Any], dict[str, Any]]],
    executor: Executor,
    options: SweepOptions,
    events,
) -> Iterator[tuple[RunSpec, StoredRun]]:
    """Compute the pending runs; write and yield each as soon as it is complete."""

    def jobs() -> Iterator[RunJob]:  # pulled by the executor as it has room
        for run in pending:
            experiment = build_experiment(run.config, workdir=options.workdir, diagnostic=options.diagnostic)
            yield RunJob(
                experiment, keep_samples=experiment.keeps_samples(options.keep_samples), chunk_size=options.chunk_size
            )

    def sink(index: int, job: RunJob):
        if not job.keep_samples:
            return None
        experiment = job.experiment
        return SampleFileWriter(
            folders[pending[index].suffix], experiment.states, experiment.power_keys, experiment.num_reward_samples
        )

    def started(index: int, job: RunJob) -> None:
        events.on_run_started(pending[index], job.experiment.num_reward_samples)

    def progress(index: int, done: int, total: int) -> None:
        events.on_samples_done(pending[index], done, total)

    for index, result in compute_runs(jobs(), executor, sink=sink, started=started, progress=progress):
        run, experiment = pending[index], result.experiment
        assert experiment is not None  # a computed result carries its experiment
        run_config, identity = identities[run.suffix]
        info = {
            **{
                key: value
                for key, value in identity.items()
                if key not in ("name", "num_reward_samples", "random_seed")
            },
            "experiment_type": experiment.scenario.experiment_type,
            "scenario": experiment.scenario.to_json(),
            "value_names": run.value_names,
            "diagnostic": experiment.diagnostic,
            "executor": executor.describe(),
            "sources": environment_sources(run.config, options.workdir),
        }
        folder = write_run(folders[run.suffix], run_config, result, info)
        yield run, load_run(folder)


__all__ = [
    "SAMPLES_ENVIRONMENT_VARIABLE",
    "SweepOptions",
    "as_options",
    "prepare_sweep",
    "run_sweep",
    "samples_override",
]
