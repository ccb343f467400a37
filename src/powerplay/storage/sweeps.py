"""Sweep folders: one experiment config, its runs, and the one way to query them.

Layout (the output contract; tests and users rely on it)::

    DIR/                                    default ./expts
      0001-my_first_sweep/                  {SWEEP_ID}-{name}; SWEEP_ID = next free 4-digit counter in DIR
        config.yaml                         the config file exactly as given (its bytes)
        sweep.json                          the sweep record (below)
        runs.csv                            one row per finished run (written when the sweep ends)
        0001-my_first_sweep-discount_rate__0p1/     one run folder per run (see powerplay.storage.runs)
        0001-my_first_sweep-discount_rate__0p9/
        ...

A run folder is named ``{SWEEP_ID}-{name}-{suffix}``; the suffix is ``{param}__{valuename}``
for each swept parameter, sorted by parameter name and joined with ``-``
(``0002-grid-discount_rate__0p9-reward_correlation__0``), and a sweep with nothing swept has
one run folder named like the sweep, ``{SWEEP_ID}-{name}``. Names longer than
:data:`MAX_FOLDER_NAME` bytes (in UTF-8: file systems count bytes) are shortened and end in a
hash of the full suffix.
``sweep.json`` lists every run's folder, so a folder is always found from its record.

``sweep.json`` holds ``sweep_id``, ``name``, ``description``, ``experiment_type``,
``config_sha256`` (of ``config.yaml``), ``fingerprint`` (of the config, the result-changing
overrides and the *contents* of every MDP and policy the runs use), ``environments`` (each
environment's source and content hash), ``source`` (the config file it came from),
``overrides`` (``samples``, ``diagnostic``), ``random_seed`` (the seed substituted for
``random_seed: null``, or ``null``), ``swept`` (``{param: {'values': [...], 'names':
[...]}}`` in file order, with ``'zip'`` for parameters that vary together), ``linked``
(``{param: other}`` for ``same_as`` parameters), ``runs`` (in sweep order: ``suffix``,
``folder``, ``values``, ``names``), ``created`` and, once every run has finished,
``finished``.

Records are checked when read (:func:`read_sweep_record`): ``sweep.json`` must be a regular
file of at most :data:`~powerplay.io.safe_load.MAX_FILE_BYTES` holding JSON without duplicate
keys, every field must have its type, and every name that becomes a path (``sweep_id``,
``name``, ``runs[].folder``) must be a plain name without separators or control characters,
each run folder one of this sweep's; so no record can lead a reader or a resumed sweep
outside the sweep folder. ``config.yaml`` is read with the bounded config reader.

Querying: :func:`load_sweep` gives a :class:`StoredSweep` without reading any samples;
:meth:`StoredSweep.run` finds one run by suffix, swept values or value names;
:meth:`StoredSweep.runs_over` gives the runs along one swept parameter (for sweep plots);
:meth:`StoredSweep.table` is the runs table (``runs.csv``). Figures, the command line and the
reference-compatible ``get`` functions (:mod:`powerplay.compat.get`) all use these.

Examples
--------
>>> import tempfile, numpy as np
>>> from types import SimpleNamespace
>>> from powerplay.stats.summary import RunSummary
>>> expts = tempfile.mkdtemp()
>>> runs = [{'suffix': 'discount_rate__0p5', 'values': {'discount_rate': 0.5}, 'names': {'discount_rate': '0p5'}}]
>>> record = new_sweep_record('0001', 'demo', 'single_agent', b'name: demo', runs=runs,
...                           swept={'discount_rate': {'values': [0.5], 'names': ['0p5']}})
>>> folder = create_sweep_folder(expts, record, b'name: demo')
>>> folder.name
'0001-demo'
>>> from powerplay.storage.runs import write_run
>>> power = {'H': np.array([[1., 2.], [3., 4.]])}
>>> result = SimpleNamespace(states=('a', 'b'), summary=RunSummary.of_samples(power), samples=None,
...                          seconds=0.5, random_seed=0, convergence_summary=lambda: {})
>>> _ = write_run(folder / '0001-demo-discount_rate__0p5', {'discount_rate': 0.5}, result, {'experiment_type': 'single_agent'})
>>> sweep = load_sweep('0001', folder=expts)
>>> sweep.run(discount_rate=0.5).power_mean('H').tolist()
[2.0, 3.0]
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
import shutil
import time
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

from ..defaults import DEFAULT_FOLDER, FIGURES_FOLDER
from ..errors import FileFormatError, PowerplayError, SweepError, SweepNotFoundError
from ..io import safe_load
from ..io.atomic import atomic_write_bytes, atomic_write_json, atomic_write_text
from ..scenario import Protocol, Scenario, protocol_named
from ..scenario.parameters import overriding
from ..stats.rounds import rounds_columns
from ..stats.statistics import run_table_columns
from .runs import (
    COUNT,
    MAPPING,
    RECORDED_FILES,
    RUN_INFO,
    TEXT,
    TEXT_MAPPING,
    StoredRun,
    _kind,
    _mapping_of,
    _optional,
    check_fields,
    is_complete_run,
    load_run,
    read_run_info,
)
from .tables import table_csv

SWEEP_RECORD = "sweep.json"
SWEEP_CONFIG = "config.yaml"
RUNS_TABLE = "runs.csv"

#: Longest run folder name written, in UTF-8 bytes (file systems allow 255 bytes, not characters;
#: leave room for figure names, which include it).
MAX_FOLDER_NAME = 120

_SWEEP_FOLDER = re.compile(r"^(\d{4,})-(.+)$")
_SWEEP_ID = re.compile(r"^\d{4,9}$")

#: Numbers that differ by less than this (relative) are the same parameter value.
VALUE_TOLERANCE = 1e-9


# --------------------------------------------------------------------------------------
# Names and folders


def sweep_folder_name(sweep_id: str, name: str) -> str:
    return f"{sweep_id}-{name}"


def run_folder_name(sweep_id: str, name: str, suffix: str) -> str:
    """The folder of a run: ``{SWEEP_ID}-{name}-{suffix}``, or ``{SWEEP_ID}-{name}`` with no suffix.

    Examples
    --------
    >>> run_folder_name('0002', 'grid', 'discount_rate__0p9')
    '0002-grid-discount_rate__0p9'
    >>> len(run_folder_name('0002', 'grid', 'x__' + 'a' * 300)) <= MAX_FOLDER_NAME
    True
    >>> len(run_folder_name('0002', 'grid', 'x__' + '\U0001d400' * 64).encode()) <= MAX_FOLDER_NAME  # bytes, not characters
    True
    """
    full = f"{sweep_id}-{name}-{suffix}" if suffix else f"{sweep_id}-{name}"
    encoded = full.encode("utf-8", "surrogatepass")
    if len(encoded) <= MAX_FOLDER_NAME:
        return full
    digest = hashlib.sha256(suffix.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    # Cut in bytes (the file system's unit), at a character boundary.
    head = encoded[: MAX_FOLDER_NAME - 14].decode("utf-8", "ignore")
    return f"{head}--{digest}"


def _plain_name(value: Any) -> TypeGuard[str]:
    """A name usable as one path component: no separators, no control or format characters."""
    return (
        isinstance(value, str)
        and value not in ("", ".", "..")
        and "/" not in value
        and "\\" not in value
        and len(value.encode("utf-8", "surrogatepass")) <= 255
        and not any(unicodedata.category(c)[0] == "C" for c in value)
    )


def _sweep_folders(folder: Path) -> list[Path]:
    """Sweep folders in ``folder`` (those with a ``sweep.json``), by increasing id."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _SWEEP_FOLDER.match(path.name)
        if match and path.is_dir() and not path.is_symlink() and (path / SWEEP_RECORD).is_file():
            found.append((int(match.group(1)), path.name, path))
    return [p for _, _, p in sorted(found)]


def _folder_parts(path: Path) -> tuple[str, str]:
    """The id and the name in a sweep folder's name (a folder :func:`_sweep_folders` gives)."""
    match = _SWEEP_FOLDER.match(path.name)
    assert match is not None  # _sweep_folders keeps only folders whose names match
    return match.group(1), match.group(2)


#: Largest sweep id (ids have at most nine digits; longer numbers in folder names are ignored).
MAX_SWEEP_ID = 999_999_999

#: Seconds a new sweep waits for another process that is creating a sweep in the same folder.
CLAIM_TIMEOUT = 60.0


def next_sweep_id(folder) -> str:
    """The next free sweep id in ``folder``: one more than the largest id of a sweep there.

    Only sweep folders count (those with a ``sweep.json``): a foreign folder such as
    ``999999999-x`` does not derail the numbering. If the largest id is taken, the smallest
    free one is used.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> (folder / '999999999-not-a-sweep').mkdir()
    >>> next_sweep_id(folder)
    '0001'
    """
    used = {
        number
        for p in _sweep_folders(Path(folder))
        if (match := _SWEEP_FOLDER.match(p.name)) and (number := int(match.group(1))) <= MAX_SWEEP_ID
    }
    following = max(used, default=0) + 1
    if following > MAX_SWEEP_ID:  # the last id is taken: fill the first gap
        following = next(number for number in range(1, MAX_SWEEP_ID + 2) if number not in used)
        if following > MAX_SWEEP_ID:  # pragma: no cover - a billion sweeps
            raise SweepError(f"{folder} holds {MAX_SWEEP_ID:,} sweeps; use another output folder")
    return f"{following:04d}"


@contextlib.contextmanager
def claiming(folder) -> Iterator[None]:
    """Hold the right to create sweeps in ``folder`` (an existing folder) while deciding which
    sweep a command continues or creates.

    Two identical commands started together must end in one sweep: the one that comes second
    waits here, then finds the other's sweep (and resumes it, or is refused while the other
    computes it). An exclusive ``flock`` on the folder itself: no file is left behind, and a
    killed process releases it. Where folders cannot be locked (not POSIX, some network file
    systems) nothing is held, and each process makes its own sweep as before.

    Raises
    ------
    SweepError
        If another process holds it for more than :data:`CLAIM_TIMEOUT` seconds.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:  # the writer will say what is wrong with the folder
        yield
        return
    try:
        deadline = time.monotonic() + CLAIM_TIMEOUT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise SweepError(
                        f"another powerplay process has been creating a sweep in {folder} for {CLAIM_TIMEOUT:g} s; "
                        "try again when it has started"
                    ) from None
                time.sleep(0.02)
            except OSError:  # the file system cannot lock folders
                break
        yield
    finally:
        os.close(fd)  # releases the lock


def check_output_folder(folder) -> None:
    """Check, before anything is written, that sweep folders can be created in ``folder``.

    ``folder`` may not exist yet; its nearest existing ancestor must then be a writable folder.

    Raises
    ------
    SweepError
        If ``folder`` (or an ancestor) is a file, or it cannot be written.
    """
    folder = Path(folder)
    existing = folder
    while not existing.exists() and existing != existing.parent:
        if existing.is_symlink():  # a dangling link: mkdir would fail on it
            raise SweepError(f"output folder {folder}: {existing} is a broken symbolic link")
        existing = existing.parent
    if not existing.is_dir():
        which = "is a file" if existing == folder else f"cannot be created: {existing} is a file"
        raise SweepError(f"output folder {folder} {which}, not a folder; choose another with --output")
    if not os.access(existing, os.W_OK | os.X_OK):
        where = "" if existing == folder else f" ({existing} is not writable)"
        raise SweepError(f"output folder {folder} cannot be written{where}: permission denied")


#: A sweep folder's own records: written only by the sweep (and its study or scan), never over
#: by another output (``study.*`` by :mod:`powerplay.runner.studies`, ``scan.*`` by
#: :mod:`powerplay.runner.scan`, in their folders).
SWEEP_FOLDER_RECORDS = (
    SWEEP_RECORD,
    SWEEP_CONFIG,
    RUNS_TABLE,
    ".lock",
    "study.json",
    "study.csv",
    "scan.json",
    "scan.csv",
)
#: A run folder's own records.
RUN_FOLDER_RECORDS = (*RECORDED_FILES, RUN_INFO)


def check_not_a_record(path, option: str = "output") -> None:
    """Refuse an output path that is, or lies inside, one of a sweep's own records.

    A report, a figure or a table written over ``sweep.json``, ``runs.csv`` or a run's
    ``run.json`` would damage the sweep; so would a folder created in their place. The path is
    resolved first (a link to a record is that record). Figures and reports may go into sweep
    folders (that is where ``report.html`` and animations go by default).

    Parameters
    ----------
    path : path
        Where an output would be written (a file, or a folder to write into).
    option : str
        The option that named it, for the message (e.g. ``'--output'``).

    Raises
    ------
    SweepError
        One line naming the option, the path and the record.

    Examples
    --------
    >>> import tempfile
    >>> sweep = Path(tempfile.mkdtemp()) / '0001-demo'
    >>> _ = (sweep / 'run-folder').mkdir(parents=True), (sweep / SWEEP_RECORD).write_text('{}')
    >>> check_not_a_record(sweep / 'report.html', '-o')       # fine
    >>> check_not_a_record(sweep / 'run-folder' / 'run.json', '-o')
    Traceback (most recent call last):
    ...
    powerplay.errors.SweepError: -o: .../0001-demo/run-folder/run.json is run.json, a record of the run ... write elsewhere
    """
    try:
        resolved = Path(path).resolve()
    except (OSError, RuntimeError, ValueError):  # a link loop, a NUL byte: the writer will say so
        return
    for ancestor in resolved.parents:
        if not ((ancestor / SWEEP_RECORD).is_file() or (ancestor / "scan.json").is_file()):
            continue
        parts = resolved.relative_to(ancestor).parts
        if parts[0] in SWEEP_FOLDER_RECORDS:
            record = f"{parts[0]}, a record of the sweep {ancestor.name}"
        elif len(parts) >= 2 and parts[1] in RUN_FOLDER_RECORDS:
            record = f"{parts[1]}, a record of the run {parts[0]}"
        else:
            continue
        verb = "is" if len(parts) <= 2 and parts[-1] == record.split(",")[0] else "lies inside"
        raise SweepError(f"{option}: {path} {verb} {record}; writing there would damage the sweep, so write elsewhere")


def new_sweep_record(
    sweep_id: str,
    name: str,
    experiment_type: str,
    config_bytes: bytes,
    *,
    description: str = "",
    source: str = "",
    config_sha256: str | None = None,
    fingerprint: str | None = None,
    environments: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Any] | None = None,
    random_seed: int | None = None,
    swept: Mapping[str, Any] | None = None,
    linked: Mapping[str, str] | None = None,
    runs: list[dict] | None = None,
) -> dict[str, Any]:
    """The ``sweep.json`` record of a new sweep (see module docs)."""
    runs = [dict(r, folder=run_folder_name(sweep_id, name, r["suffix"])) for r in (runs or [])]
    folders = [r["folder"] for r in runs]
    # Everything that becomes a path is checked before anything is created (a name the file
    # system refuses would otherwise leave a sweep folder whose own record cannot be read).
    for folder in [sweep_folder_name(sweep_id, name), *folders]:
        if not _plain_name(folder) or not folder.startswith(f"{sweep_id}-{name}"):
            raise SweepError(
                f"sweep {name!r} would need the folder name {folder[:60]!r}..., which is not a plain name of at most "
                f"255 bytes; choose a shorter name"
            )
    if len(set(folders)) != len(folders):
        duplicate = next(f for f in folders if folders.count(f) > 1)
        raise SweepError(f"two runs of sweep {name!r} would share the folder {duplicate}")
    config_sha256 = config_sha256 or hashlib.sha256(config_bytes).hexdigest()
    return {
        "sweep_id": sweep_id,
        "name": name,
        "description": description,
        "experiment_type": experiment_type,
        "config_sha256": config_sha256,
        "fingerprint": fingerprint or config_sha256,
        "environments": dict(environments or {}),
        "source": source,
        "overrides": dict(overrides or {}),
        "random_seed": random_seed,
        "swept": dict(swept or {}),
        "linked": dict(linked or {}),
        "runs": runs,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def create_sweep_folder(folder, record: dict[str, Any], config_bytes: bytes) -> Path:
    """Create ``folder/{id}-{name}/`` with ``config.yaml`` and ``sweep.json``.

    If ``record['sweep_id']`` is taken meanwhile (another process), the next free id is
    used and the record updated.
    """
    folder = Path(folder)
    check_output_folder(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for _ in range(1000):
        path = folder / sweep_folder_name(record["sweep_id"], record["name"])
        try:
            path.mkdir()
        except FileExistsError:  # a sweep made meanwhile, or a folder that is not one: the next id
            following = max(int(record["sweep_id"]) + 1, int(next_sweep_id(folder)))
            if following > MAX_SWEEP_ID:
                following = int(next_sweep_id(folder))
            sweep_id = f"{following:04d}"
            record["sweep_id"] = sweep_id
            record["runs"] = [
                dict(r, folder=run_folder_name(sweep_id, record["name"], r["suffix"])) for r in record["runs"]
            ]
            continue
        try:
            atomic_write_bytes(path / SWEEP_CONFIG, config_bytes)
            write_sweep_record(path, record)
        except BaseException:
            # A disk that filled up (or Ctrl-C) leaves no half-made sweep behind: it is ours and new.
            shutil.rmtree(path, ignore_errors=True)
            raise
        return path
    raise SweepError(f"could not create a sweep folder in {folder}")  # pragma: no cover


def write_sweep_record(path, record: Mapping[str, Any]) -> None:
    """Write a sweep folder's ``sweep.json`` atomically (a non-finite number as ``null``: strict JSON)."""
    atomic_write_json(Path(path) / SWEEP_RECORD, record)


def _swept_entry(value) -> str | None:
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("values"), list)
        or not isinstance(value.get("names"), list)
    ):
        return "a mapping of parameters to {values, names}"
    if len(value["values"]) != len(value["names"]) or not all(isinstance(n, str) for n in value["names"]):
        return "a mapping of parameters to {values, names} with one name (a string) per value"
    if "zip" in value and not isinstance(value["zip"], str):
        return "a mapping of parameters to {values, names, zip}"
    return None


_ENVIRONMENT = _kind(
    lambda v: isinstance(v, dict) and isinstance(v.get("source"), str) and isinstance(v.get("sha256"), str),
    "{source, sha256}",
)

#: The type of every field ``sweep.json`` is known to hold (``runs`` is checked separately).
SWEEP_RECORD_FIELDS = {
    "description": TEXT,
    "experiment_type": TEXT,
    "config_sha256": TEXT,
    "fingerprint": TEXT,
    "environments": _mapping_of(_ENVIRONMENT, "a mapping of environments to {source, sha256}"),
    "source": TEXT,
    "overrides": MAPPING,
    "random_seed": _optional(COUNT),
    "swept": _mapping_of(_swept_entry, "a mapping of parameters to {values, names}"),
    "linked": TEXT_MAPPING,
    "created": TEXT,
    "finished": TEXT,
}


def read_sweep_record(path) -> dict[str, Any]:
    """A sweep folder's ``sweep.json``, checked (see the module notes).

    Raises
    ------
    FileFormatError
        If it is missing, not a regular file, unreadable, or a field has the wrong type -- in
        particular if a field that names files (``sweep_id``, ``name``, ``runs[].folder``)
        would lead outside the sweep folder.
    ResourceLimitError
        If it is over :data:`~powerplay.io.safe_load.MAX_FILE_BYTES`.
    """
    path = Path(path)
    record_path = path / SWEEP_RECORD
    if record_path.is_symlink():
        raise FileFormatError(record_path, "is a symbolic link, not the sweep's own record")
    try:
        record = safe_load.load_document(record_path, max_bytes=safe_load.MAX_FILE_BYTES, what="sweep record")
    except FileNotFoundError:
        raise FileFormatError(record_path, "not found (is the folder a sweep?)") from None
    if not isinstance(record, dict):
        raise FileFormatError(record_path, "is not a JSON object")
    short = safe_load._short
    sweep_id, name = record.get("sweep_id"), record.get("name")
    if not isinstance(sweep_id, str) or not _SWEEP_ID.match(sweep_id):
        raise FileFormatError(record_path, f"sweep_id {short(sweep_id)} is not a 4-digit id")
    if not _plain_name(name):
        raise FileFormatError(record_path, f"name {short(name)} is not a plain folder name")
    check_fields(record, SWEEP_RECORD_FIELDS, record_path)
    runs = record.get("runs", [])
    if not isinstance(runs, list):
        raise FileFormatError(record_path, "'runs' is not a list")
    folders, suffixes = set(), set()
    for i, run in enumerate(runs):
        if not isinstance(run, dict) or not isinstance(run.get("suffix"), str) or run["suffix"] in suffixes:
            raise FileFormatError(record_path, f"runs[{i}] is not a run entry with its own suffix")
        suffixes.add(run["suffix"])
        folder = run.get("folder")
        if not _plain_name(folder) or not folder.startswith(f"{sweep_id}-{name}") or folder in folders:
            raise FileFormatError(record_path, f"runs[{i}].folder {short(folder)} is not a run folder of this sweep")
        folders.add(folder)
        for key in ("values", "names"):
            if not isinstance(run.setdefault(key, {}), dict):
                raise FileFormatError(record_path, f"runs[{i}].{key} is not a mapping")
        if not all(isinstance(n, str) for n in run["names"].values()):
            raise FileFormatError(record_path, f"runs[{i}].names has a name that is not a string")
    return record


def find_matching_sweep(folder, name: str, config_sha256: str, overrides: Mapping[str, Any]) -> Path | None:
    """The latest sweep in ``folder`` with this name, config hash and overrides (or ``None``).

    Raises
    ------
    SweepError
        If, before a matching sweep is found, a sweep folder named for ``name`` has a damaged
        record: it may be this config's sweep, and silently starting another would compute
        its finished runs again. The message says to repair it or start anew with ``--new``.
    """
    for path in reversed(_sweep_folders(Path(folder))):
        try:
            record = read_sweep_record(path)
        except PowerplayError as error:
            if _folder_parts(path)[1] != name:
                continue
            raise SweepError(
                f"{error}; it may be this config's sweep, so it is not resumed or replaced silently: "
                "restore its sweep.json, or start a new sweep with --new"
            ) from None
        if (
            record.get("name") == name
            and record.get("config_sha256") == config_sha256
            and record.get("overrides") == dict(overrides)
        ):
            return path
    return None


def resolve_sweep_path(path_or_id, folder=DEFAULT_FOLDER) -> Path:
    """The sweep folder meant by a path, a folder name (``'0001-demo'``) or an id (``'0001'``, ``1``).

    Raises
    ------
    SweepNotFoundError
        Listing the sweeps that exist in ``folder``.
    """
    if isinstance(path_or_id, StoredSweep):
        return path_or_id.path
    candidate = Path(path_or_id) if not isinstance(path_or_id, int) else None
    if candidate is not None and (candidate / SWEEP_RECORD).is_file():
        return candidate
    folder = Path(folder)
    if candidate is not None and (folder / candidate / SWEEP_RECORD).is_file():
        return folder / candidate
    key = str(path_or_id)
    sweeps = _sweep_folders(folder)
    if key.isdigit():
        matches = [p for p in sweeps if int(_folder_parts(p)[0]) == int(key)]
        if len(matches) == 1:
            return matches[0]
    names = [p.name for p in sweeps]
    if len(names) > 10:  # the error stays one readable line
        names = [*names[:3], f"... {len(names) - 6} more ...", *names[-3:]]
    known = ", ".join(names) or "none"
    raise SweepNotFoundError(f"no sweep {str(path_or_id)!r} in {folder}/ (sweeps there: {known})")


# --------------------------------------------------------------------------------------
# Loading and querying


class RunList(Sequence):
    """The finished runs of a sweep, in sweep order, each loaded on first access.

    Loading a run reads only ``run.json``, ``run.yaml`` and ``power.csv``; statistics and
    samples load when used (see :class:`~powerplay.storage.runs.StoredRun`).
    """

    def __init__(self, folders: list[Path], entries: Sequence[RunEntry] | None = None):
        self._folders = list(folders)
        self._entries = list(entries) if entries is not None else None
        self._loaded: dict[int, StoredRun] = {}

    def __len__(self) -> int:
        return len(self._folders)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        i = range(len(self))[index]
        if i not in self._loaded:
            run = load_run(self._folders[i])
            if self._entries is not None:
                _check_entry(run, self._entries[i])
            self._loaded[i] = run
        return self._loaded[i]

    def __iter__(self) -> Iterator[StoredRun]:
        return (self[i] for i in range(len(self)))

    def __repr__(self) -> str:
        return f"RunList({[p.name for p in self._folders]})"


def _check_entry(run: StoredRun, entry: RunEntry) -> None:
    """A run folder read back must hold the run ``sweep.json`` lists for it (not files copied
    from another run's folder): the same suffix in ``run.json``, the same swept values in
    ``run.yaml``. A cheap check of what was read anyway; ``powerplay run`` checks more.

    Raises
    ------
    FileFormatError
        Naming the file and the first difference.
    """
    suffix = run.info.get("run_suffix")
    if suffix is not None and suffix != entry.suffix:
        raise FileFormatError(
            run.path / RUN_INFO,
            f"is the record of run {safe_load._short(suffix)}, but sweep.json lists {entry.suffix!r} in this folder; "
            "run the sweep's command with --repair to recompute it",
        )
    for param, value in entry.values.items():
        if param in run.config and not same_value(run.config[param], value):
            raise FileFormatError(
                run.path / "run.yaml",
                f"is the record of another run: {param} is {safe_load._short(run.config[param])} there, but "
                f"sweep.json lists {safe_load._short(value)} for this folder; run the sweep's command with --repair "
                "to recompute it",
            )


def canonical(value: Any) -> str:
    """A parameter value as canonical JSON (mappings compare by content)."""
    return json.dumps(value, sort_keys=True, default=str)


def same_value(a: Any, b: Any) -> bool:
    """Whether two parameter values are the same (numbers within :data:`VALUE_TOLERANCE`)."""
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool) and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=VALUE_TOLERANCE, abs_tol=1e-12)
    return canonical(a) == canonical(b)


def tied_parameters(param: str, swept) -> list[str]:
    """The swept parameters that override ``param`` for one agent (``discount_rate_agent_A`` for
    ``discount_rate``; the parameter registry's :attr:`~powerplay.scenario.Parameter.overrides`):
    swept as a grid with it and not fixed, sweep plots use the runs where they equal it (γ_A = γ_H)."""
    return overriding(param, swept)


@dataclass(frozen=True)
class RunEntry:
    """A finished run as the sweep record knows it (nothing read from its folder).

    Attributes
    ----------
    index : int
        Position among the sweep's finished runs.
    suffix : str
    folder : Path
    values : dict
        Swept parameter -> value.
    names : dict
        Swept parameter -> value name.
    """

    index: int
    suffix: str
    folder: Path
    values: dict[str, Any]
    names: dict[str, str]

    def matches(self, param: str, wanted: Any) -> bool:
        """Whether this run's value of a swept parameter is ``wanted`` (a value or its name)."""
        return same_value(self.values.get(param), wanted) or self.names.get(param) == str(wanted)


@dataclass
class StoredSweep:
    """A sweep folder loaded back (see module docs). Nothing is read from the run folders
    until a run is used.

    Attributes
    ----------
    path : Path
        The sweep folder.
    sweep_id : str
        E.g. ``'0001'``.
    name : str
        The config's ``name``.
    record : dict
        ``sweep.json``.
    experiment_type : str or None
        ``'single_agent'``, ``'multiagent_fixed_policy'`` or ``'multiagent_with_reward'``
        (``None`` if ``sweep.json`` does not say).
    swept : dict
        ``{param: [(value, name), ...]}`` for each swept parameter, in file order.
    run_suffixes : list of str
        Suffixes of the finished runs, in sweep order.
    runs : RunList
        The finished runs (:class:`~powerplay.storage.runs.StoredRun`), in sweep order, lazily.
    """

    path: Path
    sweep_id: str
    name: str
    record: dict[str, Any]
    experiment_type: str | None
    swept: dict[str, list[tuple[Any, str]]]
    run_suffixes: list[str]
    runs: RunList = field(repr=False)
    _entries: list[RunEntry] = field(default_factory=list, repr=False)

    @property
    def config(self) -> dict[str, Any]:
        """``config.yaml`` as given (parsed)."""
        path = self.path / SWEEP_CONFIG
        try:
            document = safe_load.load_document(path, max_bytes=safe_load.MAX_CONFIG_BYTES, what="config")
        except FileNotFoundError:
            raise FileFormatError(path, "not found") from None
        if document is None:
            return {}
        if not isinstance(document, dict):
            raise FileFormatError(path, "is not a YAML mapping")
        return document

    @property
    def protocol(self) -> Protocol | None:
        """The experiment type (:mod:`powerplay.scenario.protocols`); None if ``sweep.json`` does not say.

        Raises
        ------
        FileFormatError
            If ``sweep.json`` names an unknown experiment type.
        """
        if self.experiment_type is None:
            return None
        try:
            return protocol_named(self.experiment_type)
        except PowerplayError as error:
            raise FileFormatError(self.path / SWEEP_RECORD, str(error)) from None

    def scenario(self) -> Scenario:
        """The scenario of the first finished run (every run shares its experiment type; swept
        parameters change the rest)."""
        return self.first_run().scenario

    @property
    def is_complete(self) -> bool:
        """Whether every run of the sweep has finished."""
        return len(self.run_suffixes) == len(self.record.get("runs", []))

    @property
    def missing_runs(self) -> list[str]:
        """Suffixes of runs that have not finished."""
        done = set(self.run_suffixes)
        return [r["suffix"] for r in self.record.get("runs", []) if r["suffix"] not in done]

    @property
    def states(self) -> tuple[str, ...]:
        """The states of the sweep's runs (read from the first run's ``power.csv``)."""
        return self.first_run().states

    def first_run(self) -> StoredRun:
        if not self.runs:
            raise SweepNotFoundError(f"sweep {self.path.name} has no finished run")
        return self.runs[0]

    def entries(self) -> list[RunEntry]:
        """The finished runs as the record knows them, in sweep order."""
        return list(self._entries)

    def run_folder(self, suffix: str = "") -> Path:
        """The folder of the run with this suffix (finished or not)."""
        for entry in self.record.get("runs", []):
            if entry["suffix"] == suffix:
                return self.path / entry["folder"]
        raise SweepNotFoundError(f"sweep {self.path.name} has no run {suffix!r}")

    def check_swept(self, params) -> None:
        """Raise :class:`SweepNotFoundError` naming the first of ``params`` that is not swept (and those that are)."""
        unknown = [p for p in params if p not in self.swept]
        if unknown:
            raise SweepNotFoundError(
                f"{unknown[0]!r} is not swept in sweep {self.path.name} (swept: {', '.join(self.swept) or 'nothing'})"
            )

    def find(self, suffix: str = "", **params: Any) -> RunEntry:
        """The one finished run matching a (partial) suffix and/or swept values or value names.

        ``suffix`` may be the full run suffix or some of its ``param__name`` parts.

        Raises
        ------
        SweepNotFoundError
            If no run or several runs match (listing the candidates).
        """
        self.check_swept(params)
        parts = [p for p in suffix.split("-") if p] if suffix else []
        matches = [
            entry
            for entry in self._entries
            if (not suffix or entry.suffix == suffix or all(p in entry.suffix.split("-") for p in parts))
            and all(entry.matches(k, v) for k, v in params.items())
        ]
        if suffix and any(entry.suffix == suffix for entry in matches):
            matches = [entry for entry in matches if entry.suffix == suffix]
        if len(matches) == 1:
            return matches[0]
        wanted = " ".join([repr(suffix)] * bool(suffix) + [f"{k}={v!r}" for k, v in params.items()]) or "''"
        if not matches:
            raise SweepNotFoundError(
                f"no finished run {wanted} in sweep {self.path.name} "
                f"(finished runs: {', '.join(map(repr, self.run_suffixes)) or 'none'})"
            )
        raise SweepNotFoundError(
            f"{wanted} matches {len(matches)} runs of sweep {self.path.name} ({', '.join(e.suffix for e in matches)}); "
            "give more parameters"
        )

    def run(self, suffix: str = "", **params: Any) -> StoredRun:
        """The finished run with this suffix or these swept-parameter values (or value names).

        Examples: ``sweep.run('discount_rate__0p9')``, ``sweep.run(discount_rate=0.9)``,
        ``sweep.run(reward_correlation='0p50', discount_rate=0.1)``; ``sweep.run()`` when
        nothing is swept.
        """
        return self.runs[self.find(suffix, **params).index]

    def runs_over(
        self, param: str, fixed: Mapping[str, Any] | None = None, tied: Sequence[str] | None = None
    ) -> list[tuple[Any, StoredRun]]:
        """``[(value, run)]`` along one swept parameter, sorted by value (numbers) or sweep order.

        Parameters
        ----------
        param : str
            The swept parameter to vary (e.g. ``'reward_correlation'``).
        fixed : dict, optional
            Values (or value names) of the other swept parameters; needed when they vary.
        tied : list of str, optional
            Swept parameters that must equal ``param`` in the runs used. By default, the swept
            per-agent overrides of ``param`` that are not fixed (:func:`tied_parameters`): when
            both ``discount_rate`` and ``discount_rate_agent_A`` are swept as a grid, the runs
            with γ_A = γ_H.

        Raises
        ------
        SweepNotFoundError
            If ``param`` is not swept, no run matches, or other swept parameters vary and
            are not fixed (listing their values).
        """
        fixed = dict(fixed or {})
        self.check_swept([param, *fixed])
        if tied is None:
            tied = [p for p in tied_parameters(param, self.swept) if p not in fixed]
        zipped = [
            p
            for p in self.swept
            if p != param and self.zip_group(p) is not None and self.zip_group(p) == self.zip_group(param)
        ]
        chosen = [
            entry
            for entry in self._entries
            if all(entry.matches(k, v) for k, v in fixed.items())
            and all(same_value(entry.values.get(t), entry.values.get(param)) for t in tied)
        ]
        if not chosen:
            raise SweepNotFoundError(f"sweep {self.path.name} has no finished run with {fixed or 'these values'}")
        others = [p for p in self.swept if p != param and p not in fixed and p not in tied and p not in zipped]
        varying = [p for p in others if len({canonical(e.values.get(p)) for e in chosen}) > 1]
        if varying:
            choices = {p: sorted({e.names.get(p, str(e.values.get(p))) for e in chosen}) for p in varying}
            raise SweepNotFoundError(
                f"sweep {self.path.name} also sweeps {', '.join(varying)}; choose the runs with fixed values "
                f"(e.g. --fixed {varying[0]}={choices[varying[0]][0]}; values: {choices})"
            )
        pairs = [(entry.values[param], entry) for entry in chosen]
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v, _ in pairs):
            pairs.sort(key=lambda pair: float(pair[0]))
        return [(value, self.runs[entry.index]) for value, entry in pairs]

    def zip_group(self, param: str) -> str | None:
        """The ``zip`` group a swept parameter varies with (``None`` if it forms its own axis)."""
        spec = self.record.get("swept", {}).get(param) or {}
        return spec.get("zip") if isinstance(spec, dict) else None

    def value(self, run: StoredRun, param: str) -> Any:
        """A run's value of a swept parameter, as ``sweep.json`` records it (``run.yaml``'s for others)."""
        for entry in self._entries:
            is_run = self.path / entry.folder.name == run.path or entry.folder.name == run.name
            if is_run and param in entry.values:
                return entry.values[param]
        return run.config.get(param)

    def value_name(self, run: StoredRun, param: str) -> str:
        """The name a run's value of a swept parameter has in folder names (e.g. ``'0p9'``)."""
        for entry in self._entries:
            is_run = self.path / entry.folder.name == run.path or entry.folder.name == run.name
            if is_run and param in entry.names:
                return str(entry.names[param])
        value = run.config.get(param)
        return f"{value:.6g}" if isinstance(value, float) else str(value)

    def to_dataframe(self, statistics: Sequence[Any] = (), alignment: bool = False):
        """A tidy :class:`pandas.DataFrame` of every finished run: one row per run, state and POWER key.

        Columns: ``run`` (suffix), one column per swept parameter (its value; the value's
        name for mappings such as reward distributions or generated environments), then
        those of :meth:`~powerplay.stats.summary.RunStatistics.to_dataframe` (``state``,
        ``agent``, ``power_mean``, ``power_sem`` (NaN where undefined: one sample),
        ``power_variance``, ``num_samples``), and for runs with counter-optimisation rounds
        the runs table's ``rounds_*`` columns (:func:`~powerplay.stats.rounds.rounds_columns`;
        NaN for runs without, and where undefined).

        Parameters
        ----------
        statistics : sequence of str or Statistic
            Run statistics of the registry (:mod:`powerplay.stats.statistics`), e.g.
            ``['alpha_corrected', 'alpha:A:B', 'contrast:H:"(0, 6)_H^(1, 3)_A" - "(0, 6)_H^(*, *)_A"']``:
            each adds the columns ``{spec}`` and ``{spec}_sem`` (the same on every row of a
            run; NaN where undefined).
        alignment : bool
            Also add α of every pair of agents with the runs table's names and columns
            (:meth:`table`): ``alpha_{XY}``, ``alpha_{XY}_sem``, ``_low``, ``_high`` and the same
            for ``alpha_{XY}_corrected`` (``alpha_HA`` ... for two agents), NaN where undefined.
        """
        import pandas as pd

        from ..stats.statistics import AlphaStatistic, parse_statistic

        chosen = [parse_statistic(s) for s in statistics]
        frames = []
        for entry in self._entries:
            run = self.runs[entry.index]
            frame = run.to_dataframe()
            for statistic in chosen:
                estimate = statistic.of_run(run)
                frame[statistic.spec] = estimate.value
                frame[f"{statistic.spec}_sem"] = estimate.sem if estimate.sem_defined else float("nan")
            if alignment:
                for pair in run.pairs:
                    for corrected in (False, True):
                        for name, value in AlphaStatistic(corrected, pair).columns(run).items():
                            if not name.endswith("_undefined"):
                                frame[name] = float("nan") if value is None else value
            for name, value in rounds_columns(run.info.get("rounds")).items():
                frame[name] = float("nan") if value is None else value
            frame.insert(0, "run", entry.suffix)
            for position, param in enumerate(self.swept, start=1):
                value = entry.values.get(param)
                frame.insert(position, param, entry.names.get(param) if isinstance(value, (dict, list)) else value)
            frames.append(frame)
        if not frames:
            raise SweepNotFoundError(f"sweep {self.path.name} has no finished run")
        return pd.concat(frames, ignore_index=True)

    def table(self) -> list[dict[str, Any]]:
        """One row per finished run: run, folder, swept values and names, timing, POWER, α_HA.

        Columns: ``run`` (suffix), ``folder``, one column per swept parameter (its value, or
        its name for mapping values such as reward distributions) and ``{param}_name``,
        ``num_reward_samples``, ``random_seed``, ``seconds``, ``samples_per_second``,
        ``bound_max`` (largest certified POWER error), ``samples_capped``,
        ``samples_kept``, then the columns of the registry's run statistics
        (:func:`~powerplay.stats.statistics.run_table_columns`): per POWER key
        ``power_{key}_mean`` (average over states) and ``power_{key}_mean_sem``; for runs of
        two or more agents, for every pair of agents X, Y in agent order, ``alpha_{XY}``,
        ``alpha_{XY}_sem``, ``alpha_{XY}_low``, ``alpha_{XY}_high``, ``alpha_{XY}_undefined``
        (why it is undefined, if it is) and the same for ``alpha_{XY}_corrected`` (two agents:
        ``alpha_HA`` ... ``alpha_HA_corrected_undefined``), then for every agent
        ``reliability_{X}`` (as estimated: noise can make it negative) with its 95 % interval
        ``reliability_{X}_low``, ``reliability_{X}_high``, and ``suggested_samples`` (with
        ``suggested_samples_is_lower_bound``), and for runs with counter-optimisation rounds
        ``rounds_fixed_points``, ``rounds_fixed_point_share`` (with ``_low``, ``_high``: its
        95 % Wilson interval), ``rounds_fixed_point_round_mean``, ``rounds_cycles`` and
        ``rounds_unsettled`` (:func:`~powerplay.stats.rounds.rounds_columns`). An undefined
        value is empty. Built from ``run.json`` and the run statistics (``summary.npz``) only.
        """
        rows = []
        for entry in self._entries:
            run = self.runs[entry.index]
            info = run.info
            row: dict[str, Any] = {"run": entry.suffix, "folder": str(entry.folder)}
            for param in self.swept:
                value = entry.values.get(param)
                row[param] = entry.names.get(param) if isinstance(value, (dict, list)) else value
                row[f"{param}_name"] = entry.names.get(param)
            conv = info.get("convergence") or {}
            row.update(
                num_reward_samples=info.get("num_reward_samples"),
                random_seed=info.get("random_seed"),
                seconds=info.get("seconds"),
                samples_per_second=info.get("samples_per_second"),
                bound_max=max((c.get("bound_max", 0.0) for c in conv.values() if isinstance(c, dict)), default=0.0),
                samples_capped=sum(int(c.get("samples_capped", 0)) for c in conv.values() if isinstance(c, dict)),
                samples_kept=info.get("samples_kept"),
            )
            row.update(run_table_columns(run))
            row.update(rounds_columns(info.get("rounds")))
            rows.append(row)
        return rows


def load_sweep(path_or_id, folder=DEFAULT_FOLDER) -> StoredSweep:
    """Load a sweep folder (its record only; runs load lazily).

    Parameters
    ----------
    path_or_id : str, int, path or StoredSweep
        The sweep folder, its name (``'0001-my_first_sweep'``) or its id (``'0001'``, ``1``).
    folder : path
        Where to look for names and ids (default ``expts``).

    Returns
    -------
    StoredSweep
        Only finished runs are listed in ``runs`` (see :attr:`StoredSweep.missing_runs`).

    Raises
    ------
    SweepNotFoundError
        If there is no such sweep.
    FileFormatError
        If its ``sweep.json`` is damaged.
    """
    if isinstance(path_or_id, StoredSweep):
        return path_or_id
    path = resolve_sweep_path(path_or_id, folder)
    record = read_sweep_record(path)
    swept = {p: list(zip(spec["values"], spec["names"])) for p, spec in record.get("swept", {}).items()}
    finished = [r for r in record.get("runs", []) if is_complete_run(path / r["folder"])]
    entries = [
        RunEntry(i, r["suffix"], path / r["folder"], dict(r["values"]), {k: str(v) for k, v in r["names"].items()})
        for i, r in enumerate(finished)
    ]
    return StoredSweep(
        path=path,
        sweep_id=record["sweep_id"],
        name=record["name"],
        record=record,
        experiment_type=record.get("experiment_type"),
        swept=swept,
        run_suffixes=[r["suffix"] for r in finished],
        runs=RunList([path / r["folder"] for r in finished], entries),
        _entries=entries,
    )


@dataclass(frozen=True)
class SweepListing:
    """One line of :func:`list_sweeps`."""

    path: Path
    sweep_id: str
    name: str
    experiment_type: str
    runs_finished: int
    runs_total: int
    created: str
    description: str


def list_sweeps(folder=DEFAULT_FOLDER) -> list[SweepListing]:
    """Every sweep in ``folder``, by id (damaged records are skipped)."""
    out = []
    for path in _sweep_folders(Path(folder)):
        try:
            record = read_sweep_record(path)
        except PowerplayError:
            continue
        runs = record.get("runs", [])
        finished = sum(is_complete_run(path / r["folder"]) for r in runs)
        out.append(
            SweepListing(
                path,
                record["sweep_id"],
                record["name"],
                str(record.get("experiment_type")),
                finished,
                len(runs),
                str(record.get("created", "")),
                str(record.get("description") or ""),
            )
        )
    return out


def runs_table_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    """CSV text of a runs table (columns in first-seen order), written by the rules of
    :mod:`powerplay.storage.tables` (text quoted and escaped, numbers exact)."""
    columns = list(dict.fromkeys(k for row in rows for k in row))
    return table_csv(columns, ([row.get(k) for k in columns] for row in rows))


def write_runs_table(sweep: StoredSweep, path=None) -> Path:
    """Write :meth:`StoredSweep.table` as CSV (default ``{sweep}/runs.csv``; another path may not
    be a sweep's record, see :func:`check_not_a_record`)."""
    if path is not None:
        check_not_a_record(path, "path")
    path = Path(path) if path is not None else sweep.path / RUNS_TABLE
    atomic_write_text(path, runs_table_csv(sweep.table()))
    return path


__all__ = [
    "CLAIM_TIMEOUT",
    "DEFAULT_FOLDER",
    "FIGURES_FOLDER",
    "MAX_SWEEP_ID",
    "RUNS_TABLE",
    "RUN_FOLDER_RECORDS",
    "RUN_INFO",
    "SWEEP_CONFIG",
    "SWEEP_FOLDER_RECORDS",
    "SWEEP_RECORD",
    "SWEEP_RECORD_FIELDS",
    "RunEntry",
    "RunList",
    "StoredSweep",
    "SweepListing",
    "canonical",
    "check_not_a_record",
    "check_output_folder",
    "claiming",
    "create_sweep_folder",
    "find_matching_sweep",
    "list_sweeps",
    "load_sweep",
    "new_sweep_record",
    "next_sweep_id",
    "read_run_info",
    "read_sweep_record",
    "resolve_sweep_path",
    "run_folder_name",
    "runs_table_csv",
    "same_value",
    "sweep_folder_name",
    "tied_parameters",
    "write_runs_table",
    "write_sweep_record",
]
