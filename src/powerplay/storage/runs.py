"""One run folder: what a finished run writes, checking it, and loading it back lazily.

Layout of a run folder (the output contract; tests and users rely on it)::

    run.yaml       the fully resolved run configuration (plain values, no sweep syntax)
    power.csv      one row per state: state, then power_{key}, power_{key}_sem for every POWER key
                   in order -- every agent in learning order, then the diagnostics
                   (power_H, power_H_sem[, power_A, power_A_sem][, power_B, ...]
                   [, power_H_against_seed, ..._sem, power_A_seed, ..._sem]);
                   a standard error that is undefined (a run of one sample) is an empty field
    summary.npz    the run's streamed statistics (powerplay.stats.summary.RunSummary): per-state
                   moments of every POWER key and of the rewards, cross products of every pair
                   of agents, group moments
    samples.npz    only if the run kept its samples: power_{key} [N, S], compressed
                   (see powerplay.storage.samples)
    run.json       the run's scenario (agents, environment, rewards, experiment type: the JSON
                   form of powerplay.scenario.Scenario), timing, versions, seed, convergence
                   statistics, α statistics ("alignment": of the first pair, α_HA for two
                   agents; with three or more agents also "alignments": {"HA": ..., "HB": ...,
                   "AB": ...}, every pair by its tag), the size and SHA-256 of every
                   file above, figure list; ``sem_undefined`` says why standard errors are
                   undefined (``'1 sample'``) when they are
    *.png / *.gif  figures

``run.json`` is written last: a folder without it is an unfinished run (an interrupted sweep
redoes it). Every file is written atomically. Nothing is pickled.

Reading is bounded and checked (:mod:`powerplay.io.safe_load`): ``run.json`` and ``run.yaml``
are read as regular files of at most :data:`~powerplay.io.safe_load.MAX_CONFIG_BYTES` and
:data:`~powerplay.io.safe_load.MAX_FILE_BYTES`, with bounded nesting, no duplicate keys, and
every field ``run.json`` is known to hold checked for its type; ``power.csv`` is read up to the size ``run.json`` recorded for it (at most
:data:`MAX_TABLE_BYTES`) and must have one row per state. A damaged file is a one-line
:class:`~powerplay.errors.FileFormatError` naming it. A folder (or ``run.json``) that is a
symbolic link is not a finished run: results are only read from, and written to, real folders
inside the sweep folder.

Integrity: :func:`verify_run` checks every recorded file against the size and SHA-256 in
``run.json``; an unreadable ``run.json`` or a changed, missing, swapped or extra file is a
:class:`~powerplay.errors.DamagedRunError` (the sweep runner then stops, or with ``--repair``
recomputes the run).

The scenario: :attr:`StoredRun.scenario` is the typed description of what the run computed
(:class:`~powerplay.scenario.Scenario`), read from ``run.json``; folders written before
``run.json`` held it derive it from ``run.yaml`` (the same function builds it from a config),
so every finished run folder has one. Everything that needs to know what a run was --
figures, the report, scans, the command line -- reads it rather than ``run.yaml``.

Reward samples are never stored: :attr:`StoredRun.rewards` draws them again, exactly, from
the run's seeded stream (:meth:`Scenario.reward_stream <powerplay.scenario.Scenario.reward_stream>`,
the one the run was computed with, on the states of ``power.csv``); ``run.json`` records a
checksum of the first reward block so a changed random-number generator is detected rather
than silently giving other rewards.

Loading is lazy: :func:`load_run` reads ``run.json``, ``run.yaml`` and ``power.csv``;
:attr:`StoredRun.summary` reads ``summary.npz`` when first used; :attr:`StoredRun.power`
reads the samples when first used, and raises :class:`~powerplay.errors.SamplesNotKeptError`
(saying how to keep them) if the run did not keep them. Run folders written before
``summary.npz`` existed (with every sample in an uncompressed ``samples.npz``) load too.

Examples
--------
>>> import tempfile, numpy as np
>>> from powerplay.stats.summary import RunSummary
>>> from types import SimpleNamespace
>>> power = {'H': np.array([[1., 2.], [3., 4.], [5., 6.]])}
>>> result = SimpleNamespace(states=('a', 'b'), summary=RunSummary.of_samples(power), samples=power,
...                          seconds=0.5, random_seed=0, convergence_summary=lambda: {})
>>> folder = write_run(tempfile.mkdtemp(), {'discount_rate': 0.5}, result, {'experiment_type': 'single_agent'})
>>> run = load_run(folder)
>>> run.power_mean('H').tolist(), run.config['discount_rate'], run.samples_kept
([3.0, 4.0], 0.5, True)
>>> verify_run(folder)   # every file as written
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import platform
import time
import zipfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ..errors import DamagedRunError, FileFormatError, ModelError, PowerplayError, SamplesNotKeptError
from ..io import safe_load
from ..io.atomic import atomic_write_bytes, atomic_write_json, atomic_write_text
from ..scenario import Scenario, scenario_from_config
from ..stats.keys import key_agent
from ..stats.rounds import RoundsTotals
from ..stats.summary import POWER_KEYS, RunStatistics, RunSummary
from .samples import SAMPLES, SampleArchive, sample_archive_bytes
from .tables import read_table, table_csv, text_from_cell

RUN_CONFIG = "run.yaml"
POWER_TABLE = "power.csv"
SUMMARY = "summary.npz"
RUN_INFO = "run.json"

#: Files whose size and checksum ``run.json`` records (those present).
RECORDED_FILES = (RUN_CONFIG, POWER_TABLE, SUMMARY, SAMPLES)
#: Files every finished run has (``samples.npz`` only when samples are kept).
REQUIRED_FILES = (RUN_CONFIG, POWER_TABLE, SUMMARY)

#: Largest ``power.csv`` read (about ten million states).
MAX_TABLE_BYTES = 2**30

#: How to keep samples, for error messages.
KEEP_SAMPLES_ADVICE = (
    "run the sweep again with --keep-samples (and --new), or set keep_samples: true in the config, "
    "or pass keep_samples=True in Python"
)


def _versions() -> dict[str, str]:
    import numba
    import scipy

    from ..version import __version__

    return {
        "powerplay": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "numba": numba.__version__,
    }


def power_table_csv(states, summary: RunSummary) -> str:
    """The ``power.csv`` text: per-state means and standard errors of each POWER key.

    Written by the rules of :mod:`powerplay.storage.tables`: state labels quoted (and escaped
    where a spreadsheet would run them), numbers in their shortest exact form.
    """
    keys = summary.power_keys
    header = ["state"] + [c for k in keys for c in (f"power_{k}", f"power_{k}_sem")]
    # An undefined standard error (one sample) is an empty field.
    columns = [
        column
        for k in keys
        for column in (summary.power_mean(k).tolist(), [_defined(x) for x in summary.power_sem(k).tolist()])
    ]
    return table_csv(header, ([state, *(column[i] for column in columns)] for i, state in enumerate(states)))


def _defined(x: float) -> float | None:
    """A number of ``power.csv``; an undefined one (NaN: the standard error of one sample) is None (empty)."""
    return x if np.isfinite(x) else None


def _table_value(text: str) -> float:
    return float(text) if text != "" else float("nan")


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An ``.npz`` archive whose bytes depend only on the arrays (fixed timestamps)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, array in arrays.items():
            entry = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(entry, "w", force_zip64=True) as handle:
                np.lib.format.write_array(handle, np.asanyarray(array), allow_pickle=False)
    return buffer.getvalue()


def file_record(path: Path) -> dict[str, Any]:
    """``{'bytes': size, 'sha256': hex digest}`` of a file (read in pieces)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while piece := handle.read(8 * 2**20):
            digest.update(piece)
    return {"bytes": path.stat().st_size, "sha256": digest.hexdigest()}


def reward_check(scenario: Scenario | None, states) -> str | None:
    """SHA-256 of the run's first reward block, drawn from its scenario (``None`` if it cannot be drawn)."""
    if scenario is None:
        return None
    try:
        stream = scenario.reward_stream(states)
    except Exception:  # a distribution registered only in the writing session
        return None
    return _stream_check(stream)


def run_scenario(config: dict[str, Any], info: dict[str, Any] | None = None) -> Scenario | None:
    """A run's scenario: ``info['scenario']`` (``run.json``'s) if there is one, else derived from
    its config (``run.yaml``); None if neither gives one."""
    try:
        if info and "scenario" in info:
            return Scenario.from_json(info["scenario"])
        return scenario_from_config(config)
    except PowerplayError:
        return None


def _stream_check(stream) -> str | None:
    """A reward stream's :meth:`~powerplay.model.rewards.RewardStream.fingerprint` (``None`` if it cannot be drawn)."""
    try:
        return stream.fingerprint()
    except Exception:  # e.g. a sampler that fails only when it draws
        return None


def _rounds_summary(result) -> dict[str, Any] | None:
    """A result's counter-optimisation record (``rounds_summary()``), None for a run without rounds."""
    summary = getattr(result, "rounds_summary", None)
    return summary() if summary is not None else None


def write_run(folder, config: dict[str, Any], result, info: dict[str, Any] | None = None) -> Path:
    """Write a finished run into ``folder`` (created if needed); ``run.json`` goes last.

    Parameters
    ----------
    folder : path
    config : dict
        The resolved run configuration (written as ``run.yaml``).
    result : RunResult
        Its ``samples`` (if any, in memory) are written to ``samples.npz``; if instead they
        were streamed to ``{folder}/samples.npz`` while the run computed (``samples_file``),
        that file is kept; otherwise any ``samples.npz`` left from an earlier run is removed.
    info : dict, optional
        Extra fields for ``run.json`` (e.g. ``experiment_type``, ``sweep_id``).

    Returns
    -------
    Path
        The run folder.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder / RUN_CONFIG, yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    atomic_write_text(folder / POWER_TABLE, power_table_csv(result.states, result.summary))
    atomic_write_bytes(folder / SUMMARY, npz_bytes(result.summary.to_arrays()))
    if getattr(result, "samples", None):
        atomic_write_bytes(folder / SAMPLES, sample_archive_bytes(result.states, result.samples))
    elif (
        getattr(result, "samples_file", None) is None
        or Path(result.samples_file).resolve() != (folder / SAMPLES).resolve()
    ):
        (folder / SAMPLES).unlink(missing_ok=True)
    n = result.summary.num_samples
    alignments = result.summary.alignments()
    alignment = next(iter(alignments.values()), None)
    tags = result.summary.pair_tags()
    record = {
        "name": folder.name,
        "num_reward_samples": n,
        "num_states": len(result.states),
        "random_seed": result.random_seed,
        "seconds": result.seconds,
        "samples_per_second": n / result.seconds if result.seconds > 0 else None,
        "convergence": result.convergence_summary(),
        **({"rounds": rounds} if (rounds := _rounds_summary(result)) is not None else {}),
        "alignment": alignment.as_dict() if alignment is not None else None,
        **(
            {"alignments": {tags[pair]: stats.as_dict() for pair, stats in alignments.items()}}
            if len(alignments) > 1
            else {}
        ),
        **({"sem_undefined": "1 sample"} if n < 2 else {}),
        "samples_kept": (folder / SAMPLES).is_file(),
        "reward_check": reward_check(run_scenario(config, info), result.states),
        "files": {name: file_record(folder / name) for name in RECORDED_FILES if (folder / name).is_file()},
        "versions": _versions(),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    record.update(info or {})
    atomic_write_json(folder / RUN_INFO, record)
    return folder


# -- checking what was read back ------------------------------------------------------------
# Each checker returns None if the value is fine, else what it should have been.


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _kind(test, text: str):
    return lambda value: None if test(value) else text


def _optional(check):
    return lambda value: None if value is None else check(value)


def _mapping_of(check, text: str):
    def checker(value):
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            return text
        problems = (check(v) for v in value.values())
        return next((problem or text for problem in problems if problem is not None), None)

    return checker


def _list_of(check, text: str):
    def checker(value):
        if not isinstance(value, list):
            return text
        return next((text for v in value if check(v) is not None), None)

    return checker


TEXT = _kind(lambda v: isinstance(v, str), "a string")
BOOLEAN = _kind(lambda v: isinstance(v, bool), "true or false")
COUNT = _kind(lambda v: _is_int(v) and v >= 0, "a non-negative integer")
NUMBER = _kind(_is_number, "a number")
MAPPING = _kind(lambda v: isinstance(v, dict), "a mapping")
TEXT_MAPPING = _mapping_of(TEXT, "a mapping of strings")
_STAT = _optional(
    _kind(
        lambda v: (
            _is_number(v)
            or isinstance(v, (bool, str))  # flags, and why a statistic is undefined
            or (isinstance(v, list) and all(x is None or _is_number(x) for x in v))
            or (isinstance(v, list) and len(v) == 2 and all(isinstance(x, str) for x in v))  # a pair's agents
        ),
        "a number",
    )
)
_FILE_ENTRY = _kind(
    lambda v: isinstance(v, dict) and _is_int(v.get("bytes")) and v["bytes"] >= 0 and isinstance(v.get("sha256"), str),
    "{bytes, sha256}",
)


def _rounds_record(value) -> str | None:
    """None for a readable counter-optimisation record (:meth:`RoundsTotals.from_summary`)."""
    try:
        RoundsTotals.from_summary(value) if isinstance(value, dict) else None
    except (ValueError, OverflowError):
        return "a rounds record whose counts add up"
    return None if isinstance(value, dict) else "a rounds record"


#: The type of every field ``run.json`` is known to hold (others are kept as they are).
RUN_INFO_FIELDS = {
    "name": TEXT,
    "num_reward_samples": _kind(lambda v: _is_int(v) and v >= 1, "a positive integer"),
    "num_states": COUNT,
    "random_seed": _optional(COUNT),
    "seconds": _optional(NUMBER),
    "samples_per_second": _optional(NUMBER),
    "convergence": _mapping_of(_mapping_of(_optional(NUMBER), ""), "a mapping of stages to statistics"),
    "alignment": _optional(_mapping_of(_STAT, "a mapping of statistics")),
    "alignments": _mapping_of(_mapping_of(_STAT, ""), "a mapping of pairs to statistics"),
    "rounds": _rounds_record,
    "samples_kept": BOOLEAN,
    "reward_check": _optional(TEXT),
    "sem_undefined": TEXT,
    "files": _mapping_of(_FILE_ENTRY, "a mapping of file names to {bytes, sha256}"),
    "versions": TEXT_MAPPING,
    "finished": TEXT,
    "experiment_type": TEXT,
    "scenario": MAPPING,
    "sweep_id": TEXT,
    "sweep_name": TEXT,
    "run_suffix": TEXT,
    "value_names": TEXT_MAPPING,
    "diagnostic": BOOLEAN,
    "executor": TEXT,
    "sources": TEXT_MAPPING,
    "figures": _list_of(TEXT, "a list of file names"),
    "figure_options": MAPPING,
    "figure_error": TEXT,
}


def check_fields(record: dict[str, Any], fields: dict[str, Any], path) -> None:
    """Check the types of the known fields of a record read back from ``path``.

    Raises
    ------
    FileFormatError
        Naming the first field of the wrong type and what it should be.
    """
    for key, check in fields.items():
        if key in record:
            expected = check(record[key])
            if expected is not None:
                shown = safe_load._short(record[key], 40)
                raise FileFormatError(path, f"{key} should be {expected or 'a mapping of numbers'}, got {shown}")


def _read_document(path: Path, what: str, limit: int | None = None) -> Any:
    """A YAML/JSON file of a run folder (JSON for ``.json``), read within limits (default the config limit)."""
    limit = safe_load.MAX_CONFIG_BYTES if limit is None else limit
    try:
        return safe_load.load_document(path, max_bytes=limit, what=what)
    except FileNotFoundError:
        raise FileFormatError(path, "not found (is the folder a finished run?)") from None


def read_run_info(folder) -> dict[str, Any]:
    """A run folder's ``run.json``, checked (see :data:`RUN_INFO_FIELDS`).

    Raises
    ------
    FileFormatError
        If it is missing, not a regular file, not JSON, not a JSON object, or a known field
        has the wrong type.
    ResourceLimitError
        If it is over :data:`~powerplay.io.safe_load.MAX_CONFIG_BYTES`.
    """
    path = Path(folder) / RUN_INFO
    record = _read_document(path, "run record")
    if not isinstance(record, dict):
        raise FileFormatError(path, "is not a JSON object")
    check_fields(record, RUN_INFO_FIELDS, path)
    return record


def update_run_info(folder, **fields: Any) -> None:
    """Merge ``fields`` into an existing ``run.json`` (atomically)."""
    record = read_run_info(folder)
    record.update(fields)
    atomic_write_json(Path(folder) / RUN_INFO, record)


def is_complete_run(folder) -> bool:
    """Whether ``folder`` holds a finished run: a real folder (not a symbolic link) whose
    ``run.json`` is a regular file."""
    folder = Path(folder)
    info = folder / RUN_INFO
    return folder.is_dir() and not folder.is_symlink() and info.is_file() and not info.is_symlink()


def verify_run(folder) -> None:
    """Check that a finished run's files are the ones it wrote (sizes and SHA-256).

    Raises
    ------
    DamagedRunError
        Naming the first file that is missing, changed, swapped in or not a regular file --
        or ``run.json`` itself, if it cannot be read, is not a regular file, or does not record
        the checksum of every file a finished run has (:data:`REQUIRED_FILES`).
    """
    folder = Path(folder)
    if (folder / RUN_INFO).is_symlink():
        raise DamagedRunError(f"run {folder} is damaged: {RUN_INFO} is a symbolic link", str(folder), RUN_INFO)
    try:
        info = read_run_info(folder)
    except PowerplayError as error:
        problem = error.problem if isinstance(error, FileFormatError) else str(error)
        raise DamagedRunError(f"run {folder} is damaged: {RUN_INFO} {problem}", str(folder), RUN_INFO) from None
    recorded = info.get("files")
    if recorded is None:  # a record without checksums vouches for nothing
        raise DamagedRunError(
            f"run {folder} is damaged: {RUN_INFO} records no checksums of its files", str(folder), RUN_INFO
        )
    unrecorded = [name for name in REQUIRED_FILES if name not in recorded]
    if unrecorded:
        raise DamagedRunError(
            f"run {folder} is damaged: {RUN_INFO} records no checksum of {unrecorded[0]}", str(folder), RUN_INFO
        )
    for name in RECORDED_FILES:
        path = folder / name
        expected = recorded.get(name)
        if expected is None:
            if path.exists():  # e.g. a samples.npz copied in from another run
                raise DamagedRunError(f"run {folder} is damaged: {name} is not a file the run wrote", str(folder), name)
            continue
        if path.is_symlink() or (path.exists() and not path.is_file()):
            raise DamagedRunError(f"run {folder} is damaged: {name} is not a regular file", str(folder), name)
        if not path.is_file():
            raise DamagedRunError(f"run {folder} is damaged: {name} is missing", str(folder), name)
        if (
            not isinstance(expected, dict)
            or path.stat().st_size != expected.get("bytes")
            or file_record(path)["sha256"] != expected.get("sha256")
        ):
            raise DamagedRunError(f"run {folder} is damaged: {name} changed since the run wrote it", str(folder), name)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _first_difference(found: Any, expected: Any) -> str:
    """Where two run configs differ first, e.g. ``"discount_rate is 0.1 there, 0.9 here"``."""
    short = safe_load._short
    if isinstance(found, dict) and isinstance(expected, dict):
        for key in [*expected, *(k for k in found if k not in expected)]:
            if _canonical(found.get(key)) != _canonical(expected.get(key)):
                there = short(found[key], 40) if key in found else "missing"
                here = short(expected[key], 40) if key in expected else "absent"
                return f"{key} is {there} there, {here} here"
    return f"it holds {short(found, 40)}"


def check_run_matches(folder, run_config: dict[str, Any], expected_info: dict[str, Any]) -> StoredRun:
    """Check that a finished run's record is the record of the run it stands for, and load it.

    A run folder whose files match their checksums (:func:`verify_run`) may still be another
    run's: files copied from the folder of another swept value, another seed or another
    environment. This compares ``run.yaml`` with the resolved config the run would be
    computed from, ``run.json``'s identifying fields (``expected_info``: e.g. ``run_suffix``,
    ``random_seed``, ``num_reward_samples``, ``environments`` -- content hashes of its MDP and
    policies) with what they should be, and the recorded checksum of the run's first reward
    block with the block this installation draws from the config (a changed random-number
    generator would mix two reward streams in one sweep). It also reads what
    :func:`load_run` reads, so a run that cannot be read back is damaged too.

    Parameters
    ----------
    folder : path
        A finished run folder whose checksums were verified.
    run_config : dict
        The resolved config the run is computed from (as written to ``run.yaml``).
    expected_info : dict
        ``run.json`` field -> the value it must have (a field recorded as ``null`` or not at
        all counts as a mismatch).

    Returns
    -------
    StoredRun

    Raises
    ------
    DamagedRunError
        Naming the folder and the first mismatch.
    """
    folder = Path(folder)

    def damaged(problem: str, name: str) -> DamagedRunError:
        return DamagedRunError(f"run {folder} is damaged: {problem}", str(folder), name)

    try:
        run = load_run(folder)
    except PowerplayError as error:
        problem = f"{Path(error.path).name} {error.problem}" if isinstance(error, FileFormatError) else str(error)
        name = Path(error.path).name if isinstance(error, FileFormatError) else RUN_INFO
        raise damaged(problem, name) from None
    if _canonical(run.config) != _canonical(run_config):
        raise damaged(
            f"{RUN_CONFIG} is the record of another run ({_first_difference(run.config, run_config)})", RUN_CONFIG
        )
    for key, value in expected_info.items():
        if _canonical(run.info.get(key)) != _canonical(value):
            found = safe_load._short(run.info[key], 60) if key in run.info else "nothing"
            raise damaged(
                f"{RUN_INFO} records {key} {found}, but this run's is {safe_load._short(value, 60)}", RUN_INFO
            )
    if "scenario" in run.info:
        expected = run_scenario(run_config)
        try:
            recorded_scenario = Scenario.from_json(run.info["scenario"])
        except PowerplayError as error:
            raise damaged(f"{RUN_INFO} records a scenario that cannot be read ({error})", RUN_INFO) from None
        if expected is not None and _canonical(recorded_scenario.to_json()) != _canonical(expected.to_json()):
            raise damaged(f"{RUN_INFO} records the scenario of another run", RUN_INFO)
    recorded = run.info.get("reward_check")
    if recorded is not None:
        drawn = reward_check(run_scenario(run_config), run.states)
        if drawn is not None and drawn != recorded:
            raise damaged(
                "its reward samples are not the ones this installation draws from the same seed "
                "(numpy's generator changed?), so it would mix two reward streams in one sweep",
                RUN_INFO,
            )
    return run


def _read_power_table(
    folder: Path, info: dict[str, Any]
) -> tuple[tuple[str, ...], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """States, means and standard errors from ``power.csv`` (see the module notes on limits)."""
    path = folder / POWER_TABLE
    recorded = (info.get("files") or {}).get(POWER_TABLE)
    limit = min(recorded["bytes"], MAX_TABLE_BYTES) if recorded else min(safe_load.MAX_FILE_BYTES, MAX_TABLE_BYTES)
    try:
        size = path.stat().st_size
        if recorded and path.is_file() and size != recorded["bytes"]:
            raise FileFormatError(
                path,
                f"is {size:,} bytes, but {RUN_INFO} recorded {recorded['bytes']:,}: it changed since the run wrote it",
            )
        text = safe_load.read_limited_text(path, limit, "power table")
    except FileNotFoundError:
        raise FileFormatError(path, "not found (is the folder a finished run?)") from None
    try:
        rows = read_table(text)
    except csv.Error as error:
        raise FileFormatError(path, f"cannot be read as CSV ({error})") from None
    header = rows.pop(0) if rows else None
    if not header or header[0] != "state" or not rows:
        raise FileFormatError(path, "has no 'state' column or no rows")
    for number, row in enumerate(rows, start=2):
        if len(row) != len(header):
            raise FileFormatError(path, f"has {len(row)} fields where the header has {len(header)}", number)
    column = {name: i for i, name in enumerate(header)}
    # Every POWER key's pair of columns, in the table's order (agents, then diagnostics).
    keys = [
        name[len("power_") :]
        for name in header
        if name.startswith("power_") and key_agent(name[len("power_") :]) is not None and f"{name}_sem" in column
    ]
    try:
        means = {k: np.array([float(r[column[f"power_{k}"]]) for r in rows]) for k in keys}
        sems = {k: np.array([_table_value(r[column[f"power_{k}_sem"]]) for r in rows]) for k in keys}
    except ValueError as error:
        raise FileFormatError(path, f"has a value that is not a number ({safe_load._shorten(str(error))})") from None
    num_states = info.get("num_states")
    if num_states is not None and num_states != len(rows):
        raise FileFormatError(path, f"has {len(rows):,} rows, but the run has {num_states:,} states")
    return tuple(text_from_cell(r[0]) for r in rows), means, sems


@dataclass
class StoredRun(RunStatistics):
    """A run folder loaded back (see module notes on what is read when).

    Attributes
    ----------
    path : Path
    config : dict
        ``run.yaml``.
    info : dict
        ``run.json``.
    states : tuple of str
    """

    path: Path
    config: dict[str, Any]
    info: dict[str, Any]
    states: tuple[str, ...]
    _table_means: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    _table_sems: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def experiment_type(self) -> str | None:
        """The experiment type's name as recorded (``run.json``, else ``run.yaml``)."""
        return self.info.get("experiment_type") or self.config.get("experiment_type")

    @cached_property
    def scenario(self) -> Scenario:
        """What the run computed (:class:`~powerplay.scenario.Scenario`): ``run.json``'s record,
        or for folders written before it had one, derived from ``run.yaml``.

        Raises
        ------
        FileFormatError
            Naming the file, if the recorded scenario (or the config it is derived from)
            cannot be read.
        """
        if "scenario" in self.info:
            source, read = self.path / RUN_INFO, lambda: Scenario.from_json(self.info["scenario"])
        else:
            source, read = self.path / RUN_CONFIG, lambda: scenario_from_config(self.config)
        try:
            return read()
        except PowerplayError as error:
            where = getattr(error, "field", None)
            field = f"scenario.{where}" if "scenario" in self.info and where else None
            detail = getattr(error, "detail", str(error))
            raise FileFormatError(source, f"{field + ': ' if field else ''}{detail}") from None

    @property
    def samples_kept(self) -> bool:
        return (self.path / SAMPLES).is_file()

    @property
    def reward_fingerprint(self) -> str | None:
        """The fingerprint of its reward draws ``run.json`` recorded (``reward_check``)."""
        value = self.info.get("reward_check")
        return value if isinstance(value, str) else None

    @cached_property
    def summary(self) -> RunSummary:
        """The run's streamed statistics (``summary.npz``; computed from the samples for older folders)."""
        path = self.path / SUMMARY
        if path.is_file():
            if not zipfile.is_zipfile(path):  # np.load would try it as a pickle and say so
                raise FileFormatError(path, "is damaged (not an .npz archive)")
            try:
                with np.load(path, allow_pickle=False) as arrays:
                    return RunSummary.from_arrays(arrays)
            except (OSError, ValueError, EOFError, zipfile.BadZipFile, ModelError, MemoryError) as error:
                raise FileFormatError(
                    path, f"is damaged ({safe_load._shorten(' '.join(str(error).split()), 120)})"
                ) from None
        archive = self._archive()
        power = {k: archive.load(k) for k in archive.keys()}  # noqa: SIM118 - not a mapping
        rewards = {a: archive.load(a, "rewards_") for a in archive.reward_keys()}
        return RunSummary.of_samples(power, rewards)

    @property
    def num_samples(self) -> int:
        n = self.info.get("num_reward_samples")
        return int(n) if isinstance(n, int) else self.summary.num_samples

    def table_power(self, key: str = "H") -> tuple[np.ndarray, np.ndarray]:
        """Means and standard errors as printed in ``power.csv`` (no other file read)."""
        if key not in self._table_means:
            raise SamplesNotKeptError(f"run {self.name} has no POWER {key!r} in {POWER_TABLE}")
        return self._table_means[key], self._table_sems[key]

    def _archive(self) -> SampleArchive:
        path = self.path / SAMPLES
        if not path.is_file():
            raise SamplesNotKeptError(
                f"run {self.name} kept only the statistics of its POWER samples, not the samples themselves; "
                f"to get them, {KEEP_SAMPLES_ADVICE}"
            )
        return SampleArchive(path)

    @cached_property
    def power(self) -> dict[str, np.ndarray]:
        """POWER key -> ``[N, S]`` samples (loaded on first use).

        Raises
        ------
        SamplesNotKeptError
            If the run did not keep its samples (the message says how to keep them).
        """
        archive = self._archive()
        return {k: archive.load(k) for k in archive.keys()}  # noqa: SIM118 - not a mapping

    @cached_property
    def rewards(self) -> dict[str, np.ndarray]:
        """Agent -> ``[N, S]`` reward samples, drawn again from the run's seeded stream."""
        if (self.path / SAMPLES).is_file():
            archive = SampleArchive(self.path / SAMPLES)
            if archive.reward_keys():  # an older folder that stored them
                return {a: archive.load(a, "rewards_") for a in archive.reward_keys()}
        return self.reward_samples(0, self.num_samples)

    def reward_samples(self, start: int, stop: int) -> dict[str, np.ndarray]:
        """Reward samples ``start:stop`` of each agent, drawn again (cheap for a few samples):
        ``{agent: [n, S]}`` in the run's agent order.

        Raises
        ------
        SamplesNotKeptError
            If they cannot be drawn again here (an unknown distribution, or a random-number
            generator that no longer gives the rewards the run used).
        """
        try:
            stream = self.scenario.reward_stream(self.states)
        except (KeyError, TypeError, ValueError) as error:
            raise SamplesNotKeptError(
                f"run {self.name}: its reward samples cannot be drawn again here ({error})"
            ) from None
        expected = self.info.get("reward_check")
        if expected and _stream_check(stream) != expected:  # the stream just built: no second one
            raise SamplesNotKeptError(
                f"run {self.name}: this installation draws different reward samples from the same seed than the one "
                "that computed the run (numpy's generator changed?), so its rewards cannot be reproduced"
            )
        by_agent = getattr(stream, "rewards_by_agent", None)  # a stream of any number of agents
        if by_agent is not None:
            return dict(by_agent(start, stop))
        drawn = stream.rewards(start, stop)
        return {agent: rewards for agent, rewards in zip(self.scenario.reward_agents, drawn) if rewards is not None}

    def convergence_summary(self) -> dict[str, dict[str, float]]:
        return dict(self.info.get("convergence") or {})

    def rounds_summary(self) -> dict[str, Any] | None:
        """``run.json``'s counter-optimisation record (None for a run without rounds)."""
        record = self.info.get("rounds")
        return dict(record) if isinstance(record, dict) else None

    @property
    def rounds(self) -> RoundsTotals | None:
        """How the run's counter-optimisation rounds ended (:class:`~powerplay.stats.rounds.RoundsTotals`;
        None for a run without rounds)."""
        record = self.rounds_summary()
        return RoundsTotals.from_summary(record) if record is not None else None


def power_table_rows(run: StoredRun) -> tuple[list[str], list[list[Any]]]:
    """The columns and rows of a run's ``power.csv`` as read back: state labels as they are
    (escapes undone), numbers as floats.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from types import SimpleNamespace
    >>> power = {'H': np.array([[1., 2.], [3., 4.]])}
    >>> result = SimpleNamespace(states=('=a', 'b'), summary=RunSummary.of_samples(power), samples=None,
    ...                          seconds=0.5, random_seed=0, convergence_summary=lambda: {})
    >>> power_table_rows(load_run(write_run(tempfile.mkdtemp(), {}, result)))
    (['state', 'power_H', 'power_H_sem'], [['=a', 2.0, 1.0], ['b', 3.0, 1.0]])
    """
    keys = list(run._table_means)
    columns = ["state"] + [c for k in keys for c in (f"power_{k}", f"power_{k}_sem")]
    values = [column for k in keys for column in (run._table_means[k].tolist(), run._table_sems[k].tolist())]
    return columns, [[state, *(column[i] for column in values)] for i, state in enumerate(run.states)]


def load_run(folder) -> StoredRun:
    """Load a finished run folder (only ``run.json``, ``run.yaml`` and ``power.csv`` are read now).

    Raises
    ------
    FileFormatError
        If the folder is not a finished run or one of these files is unreadable (naming it).
    ResourceLimitError
        If one of them is over its size limit.
    """
    folder = Path(folder)
    if folder.is_symlink():
        raise FileFormatError(folder, "is a symbolic link, not a run folder")
    info = read_run_info(folder)
    config_path = folder / RUN_CONFIG
    # Our own dump of a config of up to 4 MiB: block style may make it bigger than the config was.
    config = _read_document(config_path, "run config", safe_load.MAX_FILE_BYTES)
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise FileFormatError(config_path, "is not a YAML mapping")
    states, means, sems = _read_power_table(folder, info)
    return StoredRun(folder, config, info, states, means, sems)


__all__ = [
    "KEEP_SAMPLES_ADVICE",
    "MAX_TABLE_BYTES",
    "POWER_KEYS",
    "POWER_TABLE",
    "RECORDED_FILES",
    "REQUIRED_FILES",
    "RUN_CONFIG",
    "RUN_INFO",
    "RUN_INFO_FIELDS",
    "SAMPLES",
    "SUMMARY",
    "StoredRun",
    "check_fields",
    "check_run_matches",
    "file_record",
    "is_complete_run",
    "load_run",
    "power_table_csv",
    "power_table_rows",
    "read_run_info",
    "reward_check",
    "run_scenario",
    "update_run_info",
    "verify_run",
    "write_run",
]
