"""Sweep folders: one experiment config, its runs, and loading them back.

Layout (the output contract; tests and users rely on it)::

    DIR/                                    default ./expts
      0001-my_first_sweep/                  {SWEEP_ID}-{name}; SWEEP_ID = next free 4-digit counter in DIR
        config.yaml                         the config file exactly as given (its bytes)
        sweep.json                          the sweep record (below)
        runs.csv                            one row per finished run (written when the sweep ends)
        0001-my_first_sweep-discount_rate__0p1/     one run folder per run (see powerplay.storage.runs)
        0001-my_first_sweep-discount_rate__0p9/
        ...

A run folder is named ``{SWEEP_ID}-{name}-{suffix}``; the suffix is
``{param}__{valuename}`` for each swept parameter, sorted by parameter name and joined with
``-`` (``0002-grid-discount_rate__0p9-reward_correlation__0``), and empty when nothing is
swept (``0003-single-``).

``sweep.json`` holds ``sweep_id``, ``name``, ``description``, ``experiment_type``,
``config_sha256`` (of ``config.yaml``), ``source`` (the config file it came from),
``overrides`` (``samples``, ``diagnostic``: anything that changes results), ``random_seed``
(the seed substituted for ``random_seed: null``, or ``null``), ``swept`` (``{param:
{'values': [...], 'names': [...]}}`` in file order), ``runs`` (in sweep order: ``suffix``,
``folder``, ``values``, ``names``), ``created`` and, once every run has finished,
``finished``.

Resuming: a sweep is *the same sweep* as an earlier one in ``DIR`` when its name, config
bytes and overrides are identical (:func:`find_matching_sweep`); the runner then reuses
the latest such folder and skips runs that are already finished.

Loading: :func:`load_sweep` gives a :class:`StoredSweep`; the reference's ``get`` functions
(:func:`get_properties_from_run`, :func:`get_sweep_run_suffixes_for_param`,
:func:`get_sweep_type`, :func:`get_sweep_state_list`) and a tidy runs table
(:meth:`StoredSweep.table`, :func:`write_runs_table`) are built on it.

Examples
--------
>>> import tempfile, numpy as np
>>> from powerplay.runner.experiment import RunResult
>>> expts = tempfile.mkdtemp()
>>> record = new_sweep_record('0001', 'demo', 'single_agent', b'name: demo', swept={'discount_rate': {'values': [0.5], 'names': ['0p5']}},
...     runs=[{'suffix': 'discount_rate__0p5', 'values': {'discount_rate': 0.5}, 'names': {'discount_rate': '0p5'}}])
>>> folder = create_sweep_folder(expts, record, b'name: demo')
>>> folder.name
'0001-demo'
>>> from powerplay.storage.runs import write_run
>>> result = RunResult(('a', 'b'), {'H': np.ones((2, 2))}, {'H': np.array([[1., 2.], [3., 4.]])}, {}, 0.5, 0)
>>> _ = write_run(folder / '0001-demo-discount_rate__0p5', {'discount_rate': 0.5, 'experiment_type': 'single_agent'}, result,
...               {'experiment_type': 'single_agent'})
>>> sweep = load_sweep('0001', folder=expts)
>>> sweep.run(discount_rate=0.5).power_mean('H').tolist()
[2.0, 3.0]
>>> get_sweep_run_suffixes_for_param('0001', 'discount_rate', folder=expts)
['discount_rate__0p5']
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping

import numpy as np
import yaml

from ..errors import SweepNotFoundError
from .atomic import atomic_write_bytes, atomic_write_text
from .runs import POWER_KEYS, POWER_TABLE, RUN_INFO, StoredRun, is_complete_run, load_run

#: Default folder for sweeps (relative to the working directory), as in the reference.
DEFAULT_FOLDER = "expts"
SWEEP_RECORD = "sweep.json"
SWEEP_CONFIG = "config.yaml"
RUNS_TABLE = "runs.csv"

_SWEEP_FOLDER = re.compile(r"^(\d{4,})-(.+)$")


# --------------------------------------------------------------------------------------
# Names and folders


def sweep_folder_name(sweep_id: str, name: str) -> str:
    return f"{sweep_id}-{name}"


def run_folder_name(sweep_id: str, name: str, suffix: str) -> str:
    return f"{sweep_id}-{name}-{suffix}"


def _sweep_folders(folder: Path) -> list[Path]:
    """Sweep folders in ``folder`` (those with a ``sweep.json``), by increasing id."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _SWEEP_FOLDER.match(path.name)
        if match and path.is_dir() and (path / SWEEP_RECORD).is_file():
            found.append((int(match.group(1)), path.name, path))
    return [p for _, _, p in sorted(found)]


def next_sweep_id(folder) -> str:
    """The next free 4-digit sweep id in ``folder`` (one more than the largest in use)."""
    folder = Path(folder)
    used = [int(m.group(1)) for p in (folder.iterdir() if folder.is_dir() else []) if (m := _SWEEP_FOLDER.match(p.name))]
    return f"{max(used, default=0) + 1:04d}"


def new_sweep_record(sweep_id: str, name: str, experiment_type: str, config_bytes: bytes, *,
                     description: str = "", source: str = "", config_sha256: str | None = None,
                     overrides: Mapping[str, Any] | None = None, random_seed: int | None = None,
                     swept: Mapping[str, Any] | None = None, runs: list[dict] | None = None) -> dict[str, Any]:
    """The ``sweep.json`` record of a new sweep (see module docs)."""
    import hashlib

    runs = [dict(r, folder=run_folder_name(sweep_id, name, r["suffix"])) for r in (runs or [])]
    return {
        "sweep_id": sweep_id,
        "name": name,
        "description": description,
        "experiment_type": experiment_type,
        "config_file": SWEEP_CONFIG,
        "config_sha256": config_sha256 or hashlib.sha256(config_bytes).hexdigest(),
        "source": source,
        "overrides": dict(overrides or {}),
        "random_seed": random_seed,
        "swept": dict(swept or {}),
        "runs": runs,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def create_sweep_folder(folder, record: dict[str, Any], config_bytes: bytes) -> Path:
    """Create ``folder/{id}-{name}/`` with ``config.yaml`` and ``sweep.json``.

    If ``record['sweep_id']`` is taken meanwhile (another process), the next free id is
    used and the record updated.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for _ in range(1000):
        path = folder / sweep_folder_name(record["sweep_id"], record["name"])
        try:
            path.mkdir()
        except FileExistsError:
            sweep_id = next_sweep_id(folder)
            record["sweep_id"] = sweep_id
            record["runs"] = [dict(r, folder=run_folder_name(sweep_id, record["name"], r["suffix"])) for r in record["runs"]]
            continue
        atomic_write_bytes(path / SWEEP_CONFIG, config_bytes)
        write_sweep_record(path, record)
        return path
    raise RuntimeError(f"could not create a sweep folder in {folder}")  # pragma: no cover


def write_sweep_record(path, record: Mapping[str, Any]) -> None:
    atomic_write_text(Path(path) / SWEEP_RECORD, json.dumps(record, indent=2, ensure_ascii=False))


def read_sweep_record(path) -> dict[str, Any]:
    return json.loads((Path(path) / SWEEP_RECORD).read_text(encoding="utf-8"))


def find_matching_sweep(folder, name: str, config_sha256: str, overrides: Mapping[str, Any]) -> Path | None:
    """The latest sweep in ``folder`` with this name, config hash and overrides (or ``None``)."""
    for path in reversed(_sweep_folders(Path(folder))):
        try:
            record = read_sweep_record(path)
        except (OSError, ValueError):
            continue
        if (record.get("name") == name and record.get("config_sha256") == config_sha256
                and record.get("overrides") == dict(overrides)):
            return path
    return None


def resolve_sweep_path(path_or_id, folder=DEFAULT_FOLDER) -> Path:
    """The sweep folder meant by a path, a folder name (``'0001-demo'``) or an id (``'0001'``, ``1``).

    Raises
    ------
    SweepNotFoundError
        Listing the sweeps that exist in ``folder``.
    """
    candidate = Path(path_or_id) if not isinstance(path_or_id, int) else None
    if candidate is not None and (candidate / SWEEP_RECORD).is_file():
        return candidate
    folder = Path(folder)
    if candidate is not None and (folder / candidate / SWEEP_RECORD).is_file():
        return folder / candidate
    key = str(path_or_id)
    sweeps = _sweep_folders(folder)
    if key.isdigit():
        matches = [p for p in sweeps if int(_SWEEP_FOLDER.match(p.name).group(1)) == int(key)]
        if len(matches) == 1:
            return matches[0]
    known = ", ".join(p.name for p in sweeps) or "none"
    raise SweepNotFoundError(f"no sweep {path_or_id!r} in {folder}/ (sweeps there: {known})")


# --------------------------------------------------------------------------------------
# Loading


class RunList(Sequence):
    """The finished runs of a sweep, in sweep order, each loaded from disk on first access.

    Behaves like a list of :class:`~powerplay.storage.runs.StoredRun` (indexing, ``len``,
    iteration); loading is deferred because a run's samples can be large.
    """

    def __init__(self, folders: list[Path]):
        self._folders = list(folders)
        self._loaded: dict[int, StoredRun] = {}

    def __len__(self) -> int:
        return len(self._folders)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        i = range(len(self))[index]
        if i not in self._loaded:
            self._loaded[i] = load_run(self._folders[i])
        return self._loaded[i]

    def __iter__(self) -> Iterator[StoredRun]:
        return (self[i] for i in range(len(self)))

    def __repr__(self) -> str:
        return f"RunList({[p.name for p in self._folders]})"


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)
    return a == b


@dataclass
class StoredSweep:
    """A sweep folder loaded back (see module docs).

    Attributes
    ----------
    path : Path
        The sweep folder.
    sweep_id : str
        E.g. ``'0001'``.
    name : str
        The config's ``name``.
    config : dict
        ``config.yaml`` as given (parsed).
    record : dict
        ``sweep.json``.
    experiment_type : str
        ``'single_agent'``, ``'multiagent_fixed_policy'`` or ``'multiagent_with_reward'``.
    swept : dict
        ``{param: [(value, name), ...]}`` for each swept parameter, in file order.
    run_suffixes : list of str
        Suffixes of the finished runs, in sweep order.
    runs : RunList
        The finished runs (:class:`~powerplay.storage.runs.StoredRun`), in sweep order,
        loaded lazily.
    """

    path: Path
    sweep_id: str
    name: str
    config: dict[str, Any]
    record: dict[str, Any]
    experiment_type: str
    swept: dict[str, list[tuple[Any, str]]]
    run_suffixes: list[str]
    runs: RunList = field(repr=False)

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
        if not self.run_suffixes:
            raise SweepNotFoundError(f"sweep {self.path} has no finished run")
        return _power_table_states(self.run_folder(self.run_suffixes[0]))

    def run_folder(self, suffix: str = "") -> Path:
        """The folder of the run with this suffix (finished or not)."""
        return self.path / run_folder_name(self.sweep_id, self.name, suffix)

    def _entries(self):
        done = set(self.run_suffixes)
        return [r for r in self.record.get("runs", []) if r["suffix"] in done]

    def find_suffix(self, suffix: str = "", **params: Any) -> str:
        """The suffix of the one finished run matching a (partial) suffix and/or parameter values.

        ``suffix`` may be the full run suffix or some of its ``param__name`` parts;
        ``params`` match either a swept parameter's value or its value name.

        Raises
        ------
        SweepNotFoundError
            If no run or several runs match (listing the candidates).
        """
        parts = [p for p in suffix.split("-") if p] if suffix else []
        unknown = [p for p in params if p not in self.swept]
        if unknown:
            raise SweepNotFoundError(
                f"{unknown[0]!r} is not swept in sweep {self.path.name} (swept: {', '.join(self.swept) or 'nothing'})"
            )
        matches = []
        for entry in self._entries():
            if suffix and entry["suffix"] != suffix and not all(p in entry["suffix"].split("-") for p in parts):
                continue
            if all(_same_value(entry["values"][k], v) or entry["names"][k] == str(v) for k, v in params.items()):
                matches.append(entry["suffix"])
        if len(matches) == 1:
            return matches[0]
        wanted = " ".join([repr(suffix)] * bool(suffix) + [f"{k}={v!r}" for k, v in params.items()]) or "''"
        if not matches:
            raise SweepNotFoundError(
                f"no finished run {wanted} in sweep {self.path.name} (finished runs: {', '.join(map(repr, self.run_suffixes)) or 'none'})"
            )
        raise SweepNotFoundError(f"{wanted} matches several runs of sweep {self.path.name}: {', '.join(matches)}")

    def run(self, suffix: str = "", **params: Any) -> StoredRun:
        """The finished run with this suffix or these swept-parameter values (or names).

        Examples: ``sweep.run('discount_rate__0p9')``, ``sweep.run(discount_rate=0.9)``,
        ``sweep.run(reward_correlation='0p50', discount_rate=0.1)``; ``sweep.run()`` when
        nothing is swept.
        """
        return self.runs[self.run_suffixes.index(self.find_suffix(suffix, **params))]

    def table(self) -> list[dict[str, Any]]:
        """One tidy row per finished run: run, folder, swept values and names, timing, POWER summary.

        Columns: ``run`` (suffix), ``folder``, one column per swept parameter (its value)
        and ``{param}_name``, ``num_reward_samples``, ``random_seed``, ``seconds``,
        ``samples_per_second``, ``bound_max`` (largest certified POWER error),
        ``samples_capped``, and per agent ``power_{key}_mean`` (average over states).
        Built from ``run.json`` and ``power.csv`` only (no samples are loaded).
        """
        rows = []
        for entry in self._entries():
            folder = self.path / entry["folder"]
            info = json.loads((folder / RUN_INFO).read_text(encoding="utf-8"))
            row: dict[str, Any] = {"run": entry["suffix"], "folder": str(folder)}
            for param in self.swept:
                row[param] = entry["values"][param]
                row[f"{param}_name"] = entry["names"][param]
            conv = info.get("convergence") or {}
            row.update(
                num_reward_samples=info.get("num_reward_samples"),
                random_seed=info.get("random_seed"),
                seconds=info.get("seconds"),
                samples_per_second=info.get("samples_per_second"),
                bound_max=max((c.get("bound_max", 0.0) for c in conv.values()), default=0.0),
                samples_capped=sum(int(c.get("samples_capped", 0)) for c in conv.values()),
            )
            means = _power_table_means(folder)
            for key in POWER_KEYS:
                if key in means:
                    row[f"power_{key}_mean"] = means[key]
            rows.append(row)
        return rows


def _power_table_rows(run_folder: Path) -> list[dict[str, str]]:
    with open(run_folder / POWER_TABLE, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _power_table_states(run_folder: Path) -> tuple[str, ...]:
    return tuple(row["state"] for row in _power_table_rows(run_folder))


def _power_table_means(run_folder: Path) -> dict[str, float]:
    rows = _power_table_rows(run_folder)
    return {k: float(np.mean([float(r[f"power_{k}"]) for r in rows])) for k in POWER_KEYS if rows and f"power_{k}" in rows[0]}


def load_sweep(path_or_id, folder=DEFAULT_FOLDER) -> StoredSweep:
    """Load a sweep folder.

    Parameters
    ----------
    path_or_id : str, int or path
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
    """
    path = resolve_sweep_path(path_or_id, folder)
    record = read_sweep_record(path)
    config_path = path / record.get("config_file", SWEEP_CONFIG)
    config = yaml.safe_load(config_path.read_text(encoding="utf-8")) if config_path.is_file() else {}
    swept = {p: list(zip(spec["values"], spec["names"])) for p, spec in record.get("swept", {}).items()}
    finished = [r for r in record.get("runs", []) if is_complete_run(path / r["folder"])]
    return StoredSweep(
        path=path,
        sweep_id=record["sweep_id"],
        name=record["name"],
        config=config or {},
        record=record,
        experiment_type=record.get("experiment_type"),
        swept=swept,
        run_suffixes=[r["suffix"] for r in finished],
        runs=RunList([path / r["folder"] for r in finished]),
    )


def runs_table_csv(rows: list[Mapping[str, Any]]) -> str:
    """CSV text of a runs table (columns in first-seen order)."""
    columns = list(dict.fromkeys(k for row in rows for k in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in columns})
    return buffer.getvalue()


def write_runs_table(sweep: StoredSweep, path=None) -> Path:
    """Write :meth:`StoredSweep.table` as CSV (default ``{sweep}/runs.csv``)."""
    path = Path(path) if path is not None else sweep.path / RUNS_TABLE
    atomic_write_text(path, runs_table_csv(sweep.table()))
    return path


# --------------------------------------------------------------------------------------
# The reference's ``get`` module


def get_sweep_type(sweep_id, folder=DEFAULT_FOLDER) -> str:
    """The experiment type of a sweep: ``'single_agent'``, ``'multiagent_fixed_policy'`` or
    ``'multiagent_with_reward'``."""
    return load_sweep(sweep_id, folder).experiment_type


def get_sweep_run_suffixes_for_param(sweep_id, param_name: str, folder=DEFAULT_FOLDER) -> list[str]:
    """``['{param_name}__{name}', ...]`` for each value of a swept parameter, in file order.

    With one swept parameter these are the run suffixes; with several they are partial
    suffixes, which :func:`get_properties_from_run` accepts together with the others'.

    Raises
    ------
    SweepNotFoundError
        If ``param_name`` is not swept (listing the swept parameters).
    """
    sweep = load_sweep(sweep_id, folder)
    if param_name not in sweep.swept:
        raise SweepNotFoundError(
            f"{param_name!r} is not swept in sweep {sweep.path.name} (swept: {', '.join(sweep.swept) or 'nothing'})"
        )
    return [f"{param_name}__{name}" for _, name in sweep.swept[param_name]]


def get_sweep_state_list(sweep_id, folder=DEFAULT_FOLDER) -> list[str]:
    """The states of a sweep, in canonical order (the same for every run).

    Raises
    ------
    ValueError
        If runs of the sweep have different state lists.
    """
    sweep = load_sweep(sweep_id, folder)
    lists = {_power_table_states(sweep.run_folder(s)) for s in sweep.run_suffixes}
    if len(lists) > 1:
        raise ValueError(f"runs of sweep {sweep.path.name} have different state lists")
    if not lists:
        raise SweepNotFoundError(f"sweep {sweep.path.name} has no finished run")
    return list(lists.pop())


def get_properties_from_run(sweep_id, run_suffix: str = "", folder=DEFAULT_FOLDER) -> dict[str, Any]:
    """Inputs and outputs of one run, with the reference's keys.

    Parameters
    ----------
    sweep_id : str, int or path
    run_suffix : str
        The run's suffix (``''`` when nothing is swept), or enough of its ``param__name``
        parts to identify it.
    folder : path

    Returns
    -------
    dict
        Every parameter of the run (``discount_rate``, ``convergence_threshold``, ...),
        ``sweep_type``, ``states``, ``run_config`` (the whole ``run.yaml``), ``run_info``
        (``run.json``), ``reward_samples`` and ``power_samples`` (Agent H, ``[N, S]``); for
        ``multiagent_with_reward`` also ``reward_samples_agent_A`` and
        ``power_samples_agent_A``; in diagnostic mode ``power_samples_H_against_seed`` and
        ``power_samples_A_seed``.
    """
    sweep = load_sweep(sweep_id, folder)
    run = sweep.run(run_suffix)
    properties = {k: v for k, v in run.config.items()}
    properties.update(
        sweep_type=sweep.experiment_type,
        states=list(run.states),
        run_config=dict(run.config),
        run_info=dict(run.info),
        reward_samples=run.rewards["H"],
        power_samples=run.power["H"],
    )
    if "A" in run.rewards:
        properties["reward_samples_agent_A"] = run.rewards["A"]
    if "A" in run.power:
        properties["power_samples_agent_A"] = run.power["A"]
    for key in ("H_against_seed", "A_seed"):
        if key in run.power:
            properties[f"power_samples_{key}"] = run.power[key]
    return properties


__all__ = [
    "DEFAULT_FOLDER",
    "RUNS_TABLE",
    "SWEEP_CONFIG",
    "SWEEP_RECORD",
    "RunList",
    "StoredSweep",
    "SweepNotFoundError",
    "create_sweep_folder",
    "find_matching_sweep",
    "get_properties_from_run",
    "get_sweep_run_suffixes_for_param",
    "get_sweep_state_list",
    "get_sweep_type",
    "load_sweep",
    "new_sweep_record",
    "next_sweep_id",
    "read_sweep_record",
    "resolve_sweep_path",
    "run_folder_name",
    "runs_table_csv",
    "sweep_folder_name",
    "write_runs_table",
    "write_sweep_record",
]
