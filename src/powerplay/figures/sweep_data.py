"""Finding runs inside a sweep: by id or path, by parameter value, by run suffix.

Sweep-level figures only need a sweep's folder and its finished runs in sweep order
(:class:`powerplay.storage.sweeps.StoredSweep` ``.path`` and ``.runs``). A run's parameter
values are read from its own ``run.yaml`` (every parameter has its single value there), so
nothing here depends on how the sweep was configured. Runs are chosen from their
``run.yaml`` alone (:func:`run_entries`); only the chosen runs' samples are loaded, which
matters for joint MDPs, whose ``samples.npz`` can be hundreds of megabytes.
"""

from __future__ import annotations

from ..errors import FigureError

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import yaml

EXPERIMENT_FOLDER = "expts"


def resolve_sweep(sweep: Any, folder: str | Path = EXPERIMENT_FOLDER):
    """A loaded sweep from a :class:`StoredSweep`, a sweep id (``'0002'`` or ``2``) or a folder path.

    Raises
    ------
    FileNotFoundError
        If no such sweep exists (the loader's message names where it looked).
    """
    if hasattr(sweep, "runs") and hasattr(sweep, "path"):
        return sweep
    from ..storage.sweeps import load_sweep

    return load_sweep(sweep, folder=folder)


@dataclass(frozen=True)
class RunEntry:
    """A finished run of a sweep, known from its ``run.yaml`` only (samples not loaded).

    Attributes
    ----------
    index : int
        Position in ``sweep.runs`` (sweep order).
    path : Path
        The run folder.
    config : dict
        ``run.yaml``.
    """

    index: int
    path: Path
    config: dict

    @property
    def name(self) -> str:
        return self.path.name

    def load(self, sweep):
        """The run with its samples (:class:`~powerplay.storage.StoredRun`)."""
        return sweep.runs[self.index]


def run_entries(sweep) -> list[RunEntry]:
    """The sweep's finished runs in sweep order, from their ``run.yaml`` files."""
    if hasattr(sweep, "run_suffixes") and hasattr(sweep, "run_folder"):
        folders = [Path(sweep.run_folder(suffix)) for suffix in sweep.run_suffixes]
        return [RunEntry(i, folder, yaml.safe_load((folder / "run.yaml").read_text(encoding="utf-8")) or {})
                for i, folder in enumerate(folders)]
    return [RunEntry(i, Path(run.path), dict(run.config)) for i, run in enumerate(sweep.runs)]


def sweep_name(sweep) -> str:
    """The sweep folder's name, ``'{SWEEP_ID}-{name}'``."""
    return Path(sweep.path).name


def run_suffix(sweep, run) -> str:
    """A run's suffix, e.g. ``'discount_rate__0p9'`` (``''`` when nothing is swept)."""
    suffix = run.config.get("run_suffix")
    if suffix is not None:
        return str(suffix)
    prefix = sweep_name(sweep) + "-"
    return run.name[len(prefix):] if run.name.startswith(prefix) else run.name


def _comparable(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def swept_parameters(sweep) -> list[str]:
    """Parameters whose value differs between the sweep's runs (in config order)."""
    if getattr(sweep, "swept", None):
        return list(sweep.swept)
    runs = run_entries(sweep)
    names: dict[str, None] = {}
    for run in runs:
        for key in (run.config.get("value_names") or {}):
            names.setdefault(key, None)
    if names:
        return list(names)
    if len(runs) < 2:
        return []
    ignored = {"run_suffix", "sweep_id", "sweep_name", "value_names"}
    keys = [k for k in runs[0].config if k not in ignored]
    return [k for k in keys if len({_comparable(run.config.get(k)) for run in runs}) > 1]


def parameter_value(run, param: str) -> Any:
    """The value of ``param`` in a run's configuration.

    Raises
    ------
    KeyError
        Naming the parameter and the run.
    """
    if param not in run.config:
        raise KeyError(f"parameter {param!r} is not in the configuration of run {run.name}")
    return run.config[param]


def _matches(value: Any, wanted: Any) -> bool:
    if isinstance(value, (int, float)) and isinstance(wanted, (int, float)) and not isinstance(value, bool):
        return bool(np.isclose(float(value), float(wanted), rtol=1e-9, atol=1e-12))
    return _comparable(value) == _comparable(wanted)


#: Parameters that move together with ``discount_rate`` when both are swept (γ_A = γ_H).
TIED_PARAMETERS = {"discount_rate": ("discount_rate_agent_A",)}


def runs_over(sweep, param: str, fixed: Mapping[str, Any] | None = None,
              tied: Sequence[str] | None = None) -> list[tuple[Any, Any]]:
    """``[(value, run)]`` of the runs that differ in ``param``, sorted by value.

    Parameters
    ----------
    sweep : StoredSweep
    param : str
        The parameter to vary (e.g. ``'reward_correlation'``, ``'discount_rate'``).
    fixed : dict, optional
        Values of the sweep's other swept parameters; needed when they vary too.
    tied : list of str, optional
        Parameters that must equal ``param`` in the runs used. By default, when both
        ``discount_rate`` and ``discount_rate_agent_A`` are swept and the latter is not
        fixed, the runs with γ_A = γ_H are used (:data:`TIED_PARAMETERS`).

    Raises
    ------
    ValueError
        If ``param`` does not occur, or other swept parameters vary and are not fixed.
    """
    swept = swept_parameters(sweep)
    if tied is None:
        tied = [p for p in TIED_PARAMETERS.get(param, ()) if p in swept and p not in (fixed or {})]
    runs = [run for run in run_entries(sweep) if all(_matches(run.config.get(k), v) for k, v in (fixed or {}).items())
            and all(_matches(run.config.get(t), run.config.get(param)) for t in tied)]
    if not runs:
        raise FigureError(f"sweep {sweep_name(sweep)} has no finished run with {dict(fixed or {})}")
    if any(param not in run.config for run in runs):
        raise FigureError(f"sweep {sweep_name(sweep)}: its runs have no parameter {param!r}")
    others = [p for p in swept if p != param and p not in (fixed or {}) and p not in tied]
    varying = [p for p in others if len({_comparable(run.config.get(p)) for run in runs}) > 1]
    if varying:
        choices = {p: sorted({_comparable(run.config.get(p)) for run in runs}) for p in varying}
        raise FigureError(
            f"sweep {sweep_name(sweep)} also sweeps {', '.join(varying)}; choose the runs with "
            f"fixed={{...}} (values: {choices})"
        )
    pairs = [(run.config[param], run) for run in runs]
    try:
        pairs = sorted(pairs, key=lambda pair: float(pair[0]))
    except (TypeError, ValueError):
        pass
    return [(value, entry.load(sweep)) for value, entry in pairs]


def select_run(sweep, **values: Any):
    """The run whose parameters equal ``values`` (numbers compared to 1e-9 relative).

    Raises
    ------
    ValueError
        Naming the values available when no run (or more than one) matches.
    """
    entries = run_entries(sweep)
    matching = [run for run in entries if all(_matches(run.config.get(k), v) for k, v in values.items())]
    if len(matching) == 1:
        return matching[0].load(sweep)
    available = {k: sorted({_comparable(run.config.get(k)) for run in entries}) for k in values}
    if not matching:
        raise FigureError(f"sweep {sweep_name(sweep)} has no run with {values}; available: {available}")
    raise FigureError(f"sweep {sweep_name(sweep)} has {len(matching)} runs with {values}; fix more parameters")


def run_by_suffix(sweep, suffix: str = ""):
    """The run with this suffix (``''`` picks the only run of a sweep with one run).

    Raises
    ------
    ValueError
        Listing the sweep's suffixes when none matches.
    """
    runs = run_entries(sweep)
    if suffix == "" and len(runs) == 1:
        return runs[0].load(sweep)
    for run in runs:
        if run_suffix(sweep, run) == suffix or run.name == suffix:
            return run.load(sweep)
    known = ", ".join(repr(run_suffix(sweep, run)) for run in runs)
    raise FigureError(f"sweep {sweep_name(sweep)} has no run with suffix {suffix!r}; its runs: {known}")
