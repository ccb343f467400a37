"""One run folder: what a finished run writes, and loading it back.

Layout of a run folder (the output contract; tests and users rely on it)::

    run.yaml       the fully resolved run configuration (plain values, no sweep syntax)
    power.csv      one row per state: state, power_H, power_H_sem
                   [, power_A, power_A_sem][, power_H_against_seed, ..._sem, power_A_seed, ..._sem]
    samples.npz    states, rewards_H [N, S], power_H [N, S] (and rewards_A, power_A, diagnostics)
    run.json       timing, versions, seed, convergence statistics, figure list
    *.png / *.gif  figures

``run.json`` is written last: a folder without it is an unfinished run (an interrupted sweep
redoes it). Every file is written atomically. Nothing is pickled: ``samples.npz`` loads with
``allow_pickle=False``.

Examples
--------
>>> import tempfile, numpy as np
>>> from powerplay.runner.experiment import RunResult
>>> result = RunResult(('a', 'b'), {'H': np.ones((3, 2))}, {'H': np.array([[1., 2.], [3., 4.], [5., 6.]])}, {}, 0.5, 0)
>>> folder = write_run(tempfile.mkdtemp(), {'discount_rate': 0.5}, result, {'experiment_type': 'single_agent'})
>>> run = load_run(folder)
>>> run.power_mean('H').tolist(), run.config['discount_rate']
([3.0, 4.0], 0.5)
"""

from __future__ import annotations

import csv
import io
import json
import platform
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from .atomic import atomic_write_bytes, atomic_write_text

RUN_CONFIG = "run.yaml"
POWER_TABLE = "power.csv"
SAMPLES = "samples.npz"
RUN_INFO = "run.json"

#: POWER sample keys in the order their columns appear in ``power.csv``.
POWER_KEYS = ("H", "A", "H_against_seed", "A_seed")


def _versions() -> dict[str, str]:
    import numba
    import scipy

    from .. import __version__

    return {
        "powerplay": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "numba": numba.__version__,
    }


def standard_error(samples: np.ndarray) -> np.ndarray:
    """``[S]`` standard error of the mean of samples ``[N, S]`` (0 with fewer than two samples)."""
    samples = np.asarray(samples, dtype=np.float64)
    if samples.shape[0] < 2:
        return np.zeros(samples.shape[1])
    return samples.std(axis=0, ddof=1) / np.sqrt(samples.shape[0])


class PowerSamples:
    """Per-state summaries of POWER samples ``power: {key: [N, S]}`` (for runs in memory and on disk)."""

    power: dict[str, np.ndarray]

    @property
    def num_samples(self) -> int:
        return next(iter(self.power.values())).shape[0]

    def power_mean(self, key: str = "H") -> np.ndarray:
        """``[S]`` POWER of each state (mean of the samples)."""
        return self.power[key].mean(axis=0)

    def power_sem(self, key: str = "H") -> np.ndarray:
        """``[S]`` standard error of :meth:`power_mean` (0 with a single sample)."""
        return standard_error(self.power[key])


def power_table_csv(states, power: dict[str, np.ndarray]) -> str:
    """The ``power.csv`` text: per-state means and standard errors of each POWER key."""
    keys = [k for k in POWER_KEYS if k in power]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["state"] + [c for k in keys for c in (f"power_{k}", f"power_{k}_sem")])
    means = {k: power[k].mean(axis=0) for k in keys}
    sems = {k: standard_error(power[k]) for k in keys}
    for i, state in enumerate(states):
        writer.writerow([state] + [f"{x:.10g}" for k in keys for x in (means[k][i], sems[k][i])])
    return buffer.getvalue()


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An ``.npz`` archive whose bytes depend only on the arrays.

    ``numpy.savez`` stamps the current time into each zip entry; a fixed timestamp makes the
    same results give the same file, so finished runs can be compared byte for byte.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, array in arrays.items():
            entry = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            with archive.open(entry, "w", force_zip64=True) as handle:
                np.lib.format.write_array(handle, np.asanyarray(array), allow_pickle=False)
    return buffer.getvalue()


def write_run(folder, config: dict[str, Any], result, info: dict[str, Any] | None = None) -> Path:
    """Write a finished run into ``folder`` (created if needed); ``run.json`` goes last.

    Parameters
    ----------
    folder : path
    config : dict
        The resolved run configuration (written as ``run.yaml``).
    result : RunResult
    info : dict, optional
        Extra fields for ``run.json`` (e.g. ``experiment_type``, ``sweep_id``, ``figures``).

    Returns
    -------
    Path
        The run folder.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder / RUN_CONFIG, yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    atomic_write_text(folder / POWER_TABLE, power_table_csv(result.states, result.power))
    arrays = {"states": np.array(result.states, dtype=str)}
    arrays.update({f"rewards_{k}": v for k, v in result.rewards.items()})
    arrays.update({f"power_{k}": v for k, v in result.power.items()})
    atomic_write_bytes(folder / SAMPLES, npz_bytes(arrays))
    n = result.num_samples
    record = {
        "name": folder.name,
        "num_reward_samples": n,
        "random_seed": result.random_seed,
        "seconds": result.seconds,
        "samples_per_second": n / result.seconds if result.seconds > 0 else None,
        "convergence": result.convergence_summary(),
        "versions": _versions(),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    record.update(info or {})
    atomic_write_text(folder / RUN_INFO, json.dumps(record, indent=2, sort_keys=False))
    return folder


def update_run_info(folder, **fields: Any) -> None:
    """Merge ``fields`` into an existing ``run.json`` (atomically)."""
    path = Path(folder) / RUN_INFO
    record = json.loads(path.read_text())
    record.update(fields)
    atomic_write_text(path, json.dumps(record, indent=2, sort_keys=False))


def is_complete_run(folder) -> bool:
    """Whether ``folder`` holds a finished run (its ``run.json`` exists)."""
    return (Path(folder) / RUN_INFO).is_file()


@dataclass
class StoredRun(PowerSamples):
    """A run folder loaded back.

    Attributes
    ----------
    path : Path
    config : dict
        ``run.yaml``.
    info : dict
        ``run.json``.
    states : tuple of str
    rewards : dict
        ``'H'`` (and ``'A'``) -> ``[N, S]``.
    power : dict
        POWER sample key -> ``[N, S]``.
    """

    path: Path
    config: dict[str, Any]
    info: dict[str, Any]
    states: tuple[str, ...]
    rewards: dict[str, np.ndarray] = field(repr=False)
    power: dict[str, np.ndarray] = field(repr=False)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def experiment_type(self) -> str | None:
        return self.info.get("experiment_type")


def load_run(folder) -> StoredRun:
    """Load a finished run folder.

    Raises
    ------
    FileNotFoundError
        If the folder is not a finished run (naming the missing file).
    """
    folder = Path(folder)
    for name in (RUN_INFO, RUN_CONFIG, SAMPLES):
        if not (folder / name).is_file():
            raise FileNotFoundError(f"{folder / name}: not found (is {folder} a finished run?)")
    config = yaml.safe_load((folder / RUN_CONFIG).read_text()) or {}
    info = json.loads((folder / RUN_INFO).read_text())
    with np.load(folder / SAMPLES, allow_pickle=False) as data:
        states = tuple(str(s) for s in data["states"])
        rewards = {k[len("rewards_"):]: data[k] for k in data.files if k.startswith("rewards_")}
        power = {k[len("power_"):]: data[k] for k in data.files if k.startswith("power_")}
    return StoredRun(folder, config, info, states, rewards, power)
