"""Phase-change scans: where along a parameter does a statistic change fastest?

``powerplay scan CONFIG --param discount_rate --from 0.8 --to 0.999`` runs an *adaptive*
one-parameter sweep. It starts from a few points spread evenly on the scan axis -- for a
discount rate the axis is ``log10(1 − γ)``, which spreads points where γ → 1 -- computes a
statistic at each, and repeatedly adds the midpoint of the interval where the statistic
changed most (the change less one standard error, so sampling noise does not attract
points), until the steepest interval is narrower than the resolution or the run budget is
spent.

Statistics (``--statistic``):

``alpha_corrected`` (default for two-agent configs), ``alpha``
    α_HA of the run, attenuation-corrected or raw, with its jackknife standard error.
``power:STATE`` or ``power:STATE:AGENT``
    The mean POWER of one state (default agent H) with its standard error.
``average_power`` or ``average_power:AGENT`` (default for one-agent configs)
    POWER averaged over states.
``rank`` or ``rank:AGENT``
    The rank order of states by POWER: the change between two points is ``1 − ρ``, with
    ρ Spearman's rank correlation of their per-state means, less the ``1 − ρ`` sampling
    noise alone would give (states of equal POWER swap places at random).

Each point is one run, computed as a one-run sweep inside the scan's folder
``{output}/{name}-scan-{param}/`` (one sweep folder per point), so a repeated or extended
scan reuses the points it already has. ``scan.json`` records the points, the steepest
interval and the settings; ``scan.csv`` the points.

The result names the interval of steepest change ``[a, b]`` -- among neighbouring points
whose change exceeds two standard errors, the one with the largest change per unit of the
scan axis (its width is the resolution of the location) -- and the change across it (from
``a`` to ``b``) with its standard error. When no change exceeds two standard errors the
steepest one is reported and said to be not significant: more samples, not more points,
are then what the scan needs.
"""

from __future__ import annotations

import copy
import csv
import io
import itertools
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ..errors import ConfigError
from ..io.atomic import atomic_write_json, atomic_write_text
from ..storage.runs import StoredRun
from .build import build_experiment
from .config import SweepConfig, load_config_document, load_sweep_config, parse_sweep_config, validate_value
from .events import SweepListener
from .sweep import SweepOptions, as_options, run_sweep

#: Parameters scanned on a ``log10(1 - value)`` axis.
LOG_ONE_MINUS = ("discount_rate", "discount_rate_agent_A")

#: Standard errors a change must exceed to count as a change rather than noise.
SIGNIFICANT = 2.0

SCAN_JSON = "scan.json"
SCAN_CSV = "scan.csv"


def to_axis(param: str, value: float) -> float:
    """Position of a value on the scan axis (``log10(1 - γ)`` for discount rates)."""
    return math.log10(1.0 - value) if param in LOG_ONE_MINUS else float(value)


def from_axis(param: str, u: float) -> float:
    """The value at a position on the scan axis (rounded to 12 significant digits)."""
    value = 1.0 - 10.0**u if param in LOG_ONE_MINUS else u
    return float(f"{value:.12g}")


@dataclass(frozen=True)
class ScanSettings:
    """What to scan.

    Attributes
    ----------
    param : str
        The parameter, e.g. ``'discount_rate'``.
    low, high : float
        The range.
    statistic : str
        See the module notes.
    initial_points : int
        Evenly spaced points (on the scan axis) computed first.
    resolution : float
        Stop refining an interval narrower than this on the scan axis (decades of
        ``1 − γ`` for discount rates).
    max_runs : int
        Budget of points.
    """

    param: str
    low: float
    high: float
    statistic: str = "alpha_corrected"
    initial_points: int = 5
    resolution: float = 0.05
    max_runs: int = 12

    def check(self, config: SweepConfig) -> None:
        """One-line errors for a scan that cannot work with this config."""
        param = config.parameter(self.param)
        if param is None:
            raise ConfigError(f"{self.param!r} is not a parameter of this config", "--param", config.source)
        if param.same_as is not None:
            raise ConfigError(
                f"{self.param!r} is linked to {param.same_as!r}; scan that one instead", "--param", config.source
            )
        for value, option in ((self.low, "--from"), (self.high, "--to")):
            try:
                validate_value(self.param, value)
            except ConfigError as error:
                raise ConfigError(f"{value!r}: {error.detail}", option, config.source) from None
        if not self.low < self.high:
            raise ConfigError(f"needs --from below --to, got {self.low} and {self.high}", "--param", config.source)
        others = [p.name for p in config.parameters if p.swept and p.name != self.param]
        if others:
            raise ConfigError(
                f"a scan varies one parameter; fix {', '.join(others)} (give each a single value)",
                "parameters",
                config.source,
            )
        if not 2 <= self.initial_points <= self.max_runs:
            raise ConfigError(
                f"needs 2 <= initial points <= max runs, got {self.initial_points} and {self.max_runs}",
                "--initial-points",
                config.source,
            )
        if not self.resolution > 0:
            raise ConfigError(f"must be positive, got {self.resolution}", "--resolution", config.source)
        _statistic_parts(self.statistic, config)


def _statistic_parts(statistic: str, config: SweepConfig) -> tuple[str, str | None, str]:
    """``(kind, state, agent)`` of a statistic name (see the module notes)."""
    parts = statistic.split(":")
    kind = parts[0]
    two_agents = config.experiment_type == "multiagent_with_reward"
    if kind in ("alpha", "alpha_corrected") and len(parts) == 1:
        if not two_agents:
            raise ConfigError(f"{statistic!r} needs a multiagent_with_reward config", "--statistic", config.source)
        return kind, None, "H"
    if kind in ("average_power", "rank") and len(parts) <= 2:
        return kind, None, parts[1] if len(parts) == 2 else "H"
    if kind == "power" and len(parts) in (2, 3):
        return kind, parts[1], parts[2] if len(parts) == 3 else "H"
    raise ConfigError(
        f"unknown statistic {statistic!r}; use alpha_corrected, alpha, average_power[:AGENT], "
        "power:STATE[:AGENT] or rank[:AGENT]",
        "--statistic",
        config.source,
    )


@dataclass(frozen=True)
class ScanPoint:
    """One point of a scan."""

    value: float
    axis: float
    statistic: float
    sem: float
    run: str
    means: tuple[float, ...] = field(default=(), repr=False)  # per-state means (for rank changes)
    sems: tuple[float, ...] = field(default=(), repr=False)  # and their standard errors


@dataclass(frozen=True)
class ScanResult:
    """A finished scan (see module notes).

    Attributes
    ----------
    settings : ScanSettings
    points : tuple of ScanPoint
        Sorted by value.
    steepest : (float, float)
        The interval of steepest change, as parameter values.
    change, change_sem : float
        The statistic's change across it (for ``rank``: ``1 − ρ``) and its standard error.
    folder : Path
        The scan's folder.
    changes : tuple of (float, float)
        ``(change, standard error)`` between each point and the next.
    """

    settings: ScanSettings
    points: tuple[ScanPoint, ...]
    steepest: tuple[float, float]
    change: float
    change_sem: float
    folder: Path
    changes: tuple[tuple[float, float], ...] = field(default=(), repr=False)

    @property
    def significance(self) -> float:
        """``change / change_sem`` (how many standard errors the steepest change is)."""
        return abs(self.change) / self.change_sem if self.change_sem > 0 else math.inf

    def describe(self) -> str:
        s = self.settings
        verdict = "" if self.significance >= SIGNIFICANT else "; not significant: no change exceeds 2 standard errors"
        return (
            f"steepest change of {s.statistic} in {s.param} ∈ [{self.steepest[0]:.6g}, {self.steepest[1]:.6g}]: "
            f"{self.change:+.4g} ± {self.change_sem:.2g} ({self.significance:.1f} standard errors; "
            f"{len(self.points)} points{verdict})"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "settings": asdict(self.settings),
            "points": [{k: v for k, v in asdict(p).items() if k not in ("means", "sems")} for p in self.points],
            "steepest": list(self.steepest),
            "change": self.change,
            "change_sem": self.change_sem,
        }


def _point_statistic(run: StoredRun, kind: str, state: str | None, agent: str) -> tuple[float, float]:
    if kind in ("alpha", "alpha_corrected"):
        stats = run.alignment()
        assert stats is not None  # alpha needs a two-agent config: checked before the scan started
        return (stats.alpha, stats.alpha_sem) if kind == "alpha" else (stats.alpha_corrected, stats.alpha_corrected_sem)
    if kind == "average_power":
        return run.average_power(agent)
    if kind == "power":
        index = run.states.index(state)  # (a state of the MDP: checked before the scan started)
        return float(run.power_mean(agent)[index]), float(run.power_sem(agent)[index])
    return math.nan, math.nan  # rank: compared between points, not per point


#: Noisy copies of two points' per-state means drawn to judge a change of rank order.
RANK_DRAWS = 200


def _rank_change(x, y) -> float:
    from scipy.stats import spearmanr  # here, not at import: scipy.stats costs half a second of start-up

    rho = float(spearmanr(x, y).statistic)
    return 1.0 - rho if math.isfinite(rho) else 0.0


def _change(a: ScanPoint, b: ScanPoint, kind: str) -> tuple[float, float]:
    """The statistic's change from ``a`` to ``b`` and its standard error.

    For ``rank`` the change is ``1 − ρ`` less what sampling noise alone gives (two noisy
    copies of ``a``'s means, drawn from their standard errors), and its standard error is
    the spread of ``1 − ρ`` between noisy copies of ``a`` and ``b``; both from a fixed
    random stream, so the result is reproducible.
    """
    if kind == "rank":
        rng = np.random.default_rng(0)
        x, y = np.asarray(a.means), np.asarray(b.means)
        sx, sy = np.asarray(a.sems), np.asarray(b.sems)
        between = [
            _rank_change(x + rng.normal(size=x.shape) * sx, y + rng.normal(size=y.shape) * sy)
            for _ in range(RANK_DRAWS)
        ]
        within = [
            _rank_change(x + rng.normal(size=x.shape) * sx, x + rng.normal(size=x.shape) * sx)
            for _ in range(RANK_DRAWS)
        ]
        return max(_rank_change(x, y) - float(np.mean(within)), 0.0), float(np.std(between, ddof=1))
    return b.statistic - a.statistic, math.hypot(a.sem, b.sem)


def _point_config(document: dict[str, Any], param: str, value: float) -> str:
    point = copy.deepcopy(document)
    point["parameters"][param] = {"value": value}
    return yaml.safe_dump(point, sort_keys=False, allow_unicode=True)


def run_scan(
    config,
    settings: ScanSettings,
    options: SweepOptions | None = None,
    *,
    executor=None,
    listeners: Sequence[SweepListener] = (),
) -> ScanResult:
    """Run (or extend, or reuse) an adaptive scan and write ``scan.json`` and ``scan.csv``.

    Parameters
    ----------
    config : path
        The experiment config; every parameter but ``settings.param`` must have one value.
    settings : ScanSettings
    options : SweepOptions or path, optional
        Where the scan folder goes (``output_dir``), sample override, executor threads.
    executor, listeners
        As for :func:`~powerplay.runner.sweep.run_sweep`.

    Raises
    ------
    ConfigError
        For a scan that cannot work with this config (naming the option or field).
    """
    options = as_options(options)
    base = load_sweep_config(config) if not isinstance(config, SweepConfig) else config
    settings.check(base)
    document = load_config_document(base.text, base.source)  # already validated; the same bounded reader
    folder = options.output_dir / f"{base.name}-scan-{settings.param}"
    point_options = options.with_(output_dir=folder, new=False)
    kind, state, agent = _statistic_parts(settings.statistic, base)
    low, high = to_axis(settings.param, settings.low), to_axis(settings.param, settings.high)

    def point_config(value: float) -> SweepConfig:
        text = _point_config(document, settings.param, value)
        return parse_sweep_config(text, source=f"{base.source} ({settings.param} = {value:g})")

    if kind == "power":  # a misspelt state is refused before any run, not after the first
        states = build_experiment(point_config(from_axis(settings.param, low)).runs()[0].config, options.workdir).states
        if state not in states:
            raise ConfigError(f"{state!r} is not a state of the MDP (e.g. {states[0]!r})", "--statistic", base.source)
    points: dict[float, ScanPoint] = {}
    changes: dict[tuple[float, float], tuple[float, float]] = {}

    def change(a: ScanPoint, b: ScanPoint) -> tuple[float, float]:  # (for rank, hundreds of correlations: once)
        if (a.value, b.value) not in changes:
            changes[a.value, b.value] = _change(a, b, kind)
        return changes[a.value, b.value]

    def compute(value: float) -> None:
        if value in points:
            return
        sweep = run_sweep(point_config(value), point_options, executor=executor, listeners=list(listeners))
        run = sweep.run()
        statistic, sem = _point_statistic(run, kind, state, agent)
        means = tuple(float(x) for x in run.power_mean(agent))
        sems = tuple(float(x) for x in run.power_sem(agent))
        points[value] = ScanPoint(
            value, to_axis(settings.param, value), float(statistic), float(sem), str(run.path), means, sems
        )

    for u in np.linspace(low, high, settings.initial_points):
        compute(from_axis(settings.param, float(u)))
    while len(points) < settings.max_runs:
        by_value = sorted(points.values(), key=lambda p: p.value)
        candidates = []
        for a, b in itertools.pairwise(by_value):
            if abs(b.axis - a.axis) > settings.resolution:
                delta, sem = change(a, b)
                candidates.append((abs(delta) - sem, a, b))
        if not candidates:
            break
        _, a, b = max(candidates, key=lambda c: c[0])
        middle = from_axis(settings.param, (a.axis + b.axis) / 2)
        if middle in points:
            break
        compute(middle)
    ordered = tuple(sorted(points.values(), key=lambda p: p.value))
    pairs = []
    for a, b in itertools.pairwise(ordered):
        delta, delta_sem = change(a, b)
        significant = delta_sem == 0 or abs(delta) >= SIGNIFICANT * delta_sem
        pairs.append((significant, abs(delta) / abs(b.axis - a.axis), (a, b), delta, delta_sem))
    # The steepest of the significant changes; if none is, the steepest of all (and the
    # result says it is not significant).
    pool = [pair for pair in pairs if pair[0]] or pairs
    _, _, steepest_pair, change_steepest, sem = max(pool, key=lambda pair: pair[1])
    a, b = steepest_pair
    result = ScanResult(
        settings,
        ordered,
        (a.value, b.value),
        change_steepest,
        sem,
        folder,
        tuple(change(p, q) for p, q in itertools.pairwise(ordered)),
    )
    _write(result)
    return result


def _write(result: ScanResult) -> list[Path]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([result.settings.param, "axis", result.settings.statistic, "sem", "run"])
    for p in result.points:
        writer.writerow([repr(p.value), f"{p.axis:.12g}", f"{p.statistic:.10g}", f"{p.sem:.10g}", p.run])
    return [
        atomic_write_json(result.folder / SCAN_JSON, result.as_dict()),
        atomic_write_text(result.folder / SCAN_CSV, buffer.getvalue()),
    ]


__all__ = ["LOG_ONE_MINUS", "ScanPoint", "ScanResult", "ScanSettings", "from_axis", "run_scan", "to_axis"]
