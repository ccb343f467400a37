"""Phase-change scans: where along a parameter does a statistic change fastest?

``powerplay scan CONFIG --param discount_rate --from 0.8 --to 0.999`` runs an *adaptive*
one-parameter sweep. It starts from a few points spread evenly on the scan axis -- for a
discount rate the axis is ``log10(1 − γ)``, which spreads points where γ → 1 -- computes a
statistic's change between neighbouring points, and repeatedly adds the midpoint of the
interval where it changed most (the change less one standard error, so sampling noise does
not attract points), until the steepest interval is narrower than the resolution or the run
budget is spent.

Statistics (``--statistic``) come from the one registry of
:mod:`powerplay.stats.statistics`: ``alpha_corrected`` (default for two-agent configs),
``alpha``, ``average_power[:AGENT]`` (default for one agent), ``power:STATE[:AGENT]``,
``rank[:AGENT]``, ``contrast[:AGENT]:"PATTERN" - "PATTERN"`` and registered Python
functions.

Paired steps
------------
Every point of a scan uses the config's ``random_seed``, so all points draw the same rewards
(common random numbers) and their statistics are strongly correlated; the change between two
points is therefore tested with its *paired* standard error, from the runs' sample groups
(:mod:`powerplay.stats.groups`), not ``hypot(sem_a, sem_b)``, which overstates it and biases
verdicts towards "no change". Points that do not share their draws (a scan of
``num_reward_samples``, or runs written before sample groups were kept) are compared unpaired,
and each step says which.

Folders
-------
The points are one-run sweeps in ``{output}/{name}-scan-{param}-{config hash}/`` (the hash
is of the config's bytes and the sample override, so two configs that share a ``name`` never
share a folder), so a repeated or extended scan -- with any statistic -- reuses the points it
already has. Each statistic writes its own ``scan.json``, ``scan.csv`` and ``scan.png`` into
its own sub-folder ``{statistic slug}/`` (:attr:`~powerplay.stats.statistics.Statistic.slug`:
a tidy name and a hash of the statistic), so scans of one config with different statistics
never overwrite each other. A scan folder that is a symbolic link is refused.

Validation
----------
Everything that can be checked is checked before the first run: the parameter is numeric and
swept alone; both ends are valid values and build valid experiments (the valid values of every
scannable parameter form an interval, so every point between them is valid too); the initial
points are distinct after rounding (values are rounded to 12 significant digits, of ``1 − γ``
for discount rates, and integer parameters to integers); the statistic exists, names states
and agents the runs have, and its patterns match states.

The result names the interval of steepest change ``[a, b]`` -- among neighbouring points
whose change exceeds two standard errors, the one with the largest change per unit of the
scan axis -- and the change across it with its standard error. When no change exceeds two
standard errors the steepest one is reported as not significant (more samples, not more
points, are then what the scan needs); a step whose error is undefined gets no verdict.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import itertools
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ..errors import ConfigError, ModelError, SweepError
from ..io.atomic import atomic_write_json, atomic_write_text
from ..scenario.parameters import FAMILIES, PARAMETERS, parameter
from ..stats.statistics import SIGNIFICANT, Estimate, Statistic, parse_statistic
from ..storage.runs import StoredRun
from .build import build_experiment
from .config import SweepConfig, load_config_document, load_sweep_config, parse_sweep_config
from .events import SweepListener
from .sweep import SweepOptions, as_options, run_sweep

SCAN_JSON = "scan.json"
SCAN_CSV = "scan.csv"
SCAN_FIGURE = "scan.png"


def scannable() -> tuple[str, ...]:
    """The parameters a scan can vary: the numeric ones of the parameter registry (and, written
    as ``..._X``, the numeric per-agent families)."""
    fixed = tuple(name for name, p in PARAMETERS.items() if p.numeric)
    families = tuple(f.pattern for f in FAMILIES if f.member("A").numeric)
    return (*fixed, *families)


def to_axis(param: str, value: float) -> float:
    """Position of a value on the scan axis (``log10(1 - γ)`` for discount rates: the registry's scale)."""
    return parameter(param).to_axis(value)


def from_axis(param: str, u: float) -> float | int:
    """The value at a position on the scan axis: rounded to 12 significant digits (of
    ``1 − γ`` for discount rates, so values close to 1 stay below it), integers for integer
    parameters."""
    known = parameter(param)
    if known.scale == "log_one_minus":
        value = 1.0 - float(f"{10.0**u:.12g}")
        tidy = float(f"{value:.12g}")  # 0.99, not 0.9899999999999999 -- unless that rounds to 1
        return tidy if tidy < 1.0 else value
    if known.integer:
        return int(round(u))
    return float(f"{u:.12g}")


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

    def parsed_statistic(self, source: str = "") -> Statistic:
        try:
            return parse_statistic(self.statistic)
        except ModelError as error:
            raise ConfigError(str(error), "--statistic", source) from None

    def initial_values(self) -> list[float | int]:
        low, high = to_axis(self.param, self.low), to_axis(self.param, self.high)
        return [from_axis(self.param, float(u)) for u in np.linspace(low, high, self.initial_points)]

    def check(self, config: SweepConfig) -> None:
        """One-line errors for a scan that cannot work with this config (nothing is run)."""
        param = config.parameter(self.param)
        if param is None:
            raise ConfigError(f"{self.param!r} is not a parameter of this config", "--param", config.source)
        if param.same_as is not None:
            raise ConfigError(
                f"{self.param!r} is linked to {param.same_as!r}; scan that one instead", "--param", config.source
            )
        known = parameter(self.param)
        if not known.numeric:
            raise ConfigError(
                f"{self.param!r} is not a number; a scan varies one of {', '.join(scannable())}",
                "--param",
                config.source,
            )
        for value, option in ((self.low, "--from"), (self.high, "--to")):
            try:
                known.validate(value)
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
        if not (self.resolution > 0 and math.isfinite(self.resolution)):
            raise ConfigError(f"must be positive, got {self.resolution}", "--resolution", config.source)
        values = self.initial_values()
        for value, option in ((values[0], "--from"), (values[-1], "--to")):
            try:
                known.validate(value)
            except ConfigError as error:
                raise ConfigError(
                    f"{value!r} (the end of the scan, rounded): {error.detail}", option, config.source
                ) from None
        if len(set(values)) < len(values):
            raise ConfigError(
                f"the range {self.low!r} to {self.high!r} is too narrow for {self.initial_points} distinct points "
                "once values are rounded (12 significant digits; integers for integer parameters): widen it",
                "--to",
                config.source,
            )
        self.parsed_statistic(config.source)


@dataclass(frozen=True)
class ScanPoint:
    """One point of a scan: the run at ``value`` and the statistic's estimate there (undefined
    for statistics that are changes between runs, such as ``rank``)."""

    value: float
    axis: float
    estimate: Estimate
    run: str

    @property
    def statistic(self) -> float:
        return self.estimate.value

    @property
    def sem(self) -> float:
        return self.estimate.sem


@dataclass(frozen=True)
class ScanStep:
    """The statistic's change from one point to the next (``b − a``), paired where the runs share draws."""

    low: float
    high: float
    change: Estimate
    width: float

    @property
    def significant(self) -> bool | None:
        return self.change.significant

    def as_dict(self) -> dict[str, Any]:
        return {"from": self.low, "to": self.high, **self.change.as_dict(), "significant": self.significant}


@dataclass(frozen=True)
class ScanResult:
    """A finished scan (see module notes).

    Attributes
    ----------
    settings : ScanSettings
    points : tuple of ScanPoint
        Sorted by value.
    steps : tuple of ScanStep
        The change between each point and the next.
    steepest : int or None
        Index into :attr:`steps` of the interval of steepest change (significant if any is;
        None if no step's change is defined).
    folder : Path
        The statistic's folder (``scan.json``, ``scan.csv``, ``scan.png``).
    label : str
        The statistic's label.
    """

    settings: ScanSettings
    points: tuple[ScanPoint, ...]
    steps: tuple[ScanStep, ...]
    steepest: int | None
    folder: Path
    label: str = ""
    points_folder: Path | None = None

    @property
    def steepest_step(self) -> ScanStep | None:
        return None if self.steepest is None else self.steps[self.steepest]

    @property
    def steepest_interval(self) -> tuple[float, float] | None:
        step = self.steepest_step
        return None if step is None else (step.low, step.high)

    @property
    def change(self) -> float:
        step = self.steepest_step
        return math.nan if step is None else step.change.value

    @property
    def change_sem(self) -> float:
        step = self.steepest_step
        return math.nan if step is None else step.change.sem

    @property
    def significance(self) -> float | None:
        """How many standard errors the steepest change is (None if undefined)."""
        step = self.steepest_step
        return None if step is None else step.change.z

    def describe(self) -> str:
        s = self.settings
        step = self.steepest_step
        name = self.label or s.statistic
        if step is None:
            reasons = {st.change.undefined for st in self.steps if st.change.undefined}
            return f"no change of {name} in {s.param} is defined ({'; '.join(sorted(reasons)) or 'no steps'})"
        head = f"steepest change of {name} in {s.param} ∈ [{step.low:.6g}, {step.high:.6g}]: "
        change = step.change
        z = change.z
        count = f"{len(self.points)} points"
        if z is None:
            return f"{head}{change.describe(signed=True)}; no verdict ({count})"
        verdict = "" if z >= SIGNIFICANT else "; not significant: no change exceeds 2 standard errors"
        return f"{head}{change.describe(signed=True)}, {z:.1f} standard errors ({count}{verdict})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "settings": asdict(self.settings),
            "statistic": self.label,
            "points": [
                {
                    "value": p.value,
                    "axis": p.axis,
                    "statistic": p.estimate.value,
                    "sem": p.estimate.sem,
                    "undefined": p.estimate.undefined,
                    "sem_undefined": p.estimate.sem_undefined,
                    "run": p.run,
                }
                for p in self.points
            ],
            "steps": [step.as_dict() for step in self.steps],
            "steepest": list(self.steepest_interval) if self.steepest_interval else None,
            "change": self.change,
            "change_sem": self.change_sem,
            "paired": None if self.steepest_step is None else self.steepest_step.change.paired,
        }


def _point_config(document: dict[str, Any], param: str, value: float) -> str:
    point = copy.deepcopy(document)
    point["parameters"][param] = {"value": value}
    return yaml.safe_dump(point, sort_keys=False, allow_unicode=True)


def scan_folder(output_dir: Path, config: SweepConfig, settings: ScanSettings) -> Path:
    """The folder of a scan's points: ``{output}/{name}-scan-{param}-{hash of config and sample override}``."""
    digest = hashlib.sha256(config.text)
    digest.update(f"\0samples={config.samples_override}".encode())
    return Path(output_dir) / f"{config.name}-scan-{settings.param}-{digest.hexdigest()[:10]}"


def _refuse_links(base: Path, *folders: Path) -> None:
    for folder in folders:
        path = folder
        while path != base and path != path.parent:
            if path.is_symlink():
                raise SweepError(
                    f"scan folder {path} is a symbolic link; a scan is written only inside --output {base}: "
                    "remove the link or choose another --output"
                )
            path = path.parent


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
        For a scan that cannot work with this config (naming the option or field); nothing
        has run then.
    SweepError
        If the scan folder is a symbolic link.
    """
    options = as_options(options)
    base = load_sweep_config(config) if not isinstance(config, SweepConfig) else config
    if options.samples is not None:
        base = base.with_overrides(samples=options.samples)
    settings.check(base)
    statistic = settings.parsed_statistic(base.source)
    document = load_config_document(base.text, base.source)  # already validated; the same bounded reader
    folder = scan_folder(options.output_dir, base, settings)
    statistic_folder = folder / statistic.slug
    _refuse_links(Path(options.output_dir), statistic_folder)
    point_options = options.with_(output_dir=folder, new=False)

    def point_config(value: float) -> SweepConfig:
        text = _point_config(document, settings.param, value)
        return parse_sweep_config(text, source=f"{base.source} ({settings.param} = {value:g})")

    # Both ends build (every value between them is then valid), and the statistic is checked
    # against the runs' states and POWER keys: nothing fails after the first run.
    values = settings.initial_values()
    for value, option in ((values[0], "--from"), (values[-1], "--to")):
        try:
            run = point_config(value).with_overrides(samples=options.samples).runs()[0]
            experiment = build_experiment(run.config, options.workdir)
        except ConfigError as error:
            raise ConfigError(f"at {settings.param} = {value!r}: {error}", option, base.source) from None
    try:
        statistic.check(experiment.states, experiment.power_keys)
    except ModelError as error:
        raise ConfigError(str(error), "--statistic", base.source) from None

    points: dict[float, ScanPoint] = {}
    runs: dict[float, StoredRun] = {}
    steps: dict[tuple[float, float], ScanStep] = {}

    def step(a: ScanPoint, b: ScanPoint) -> ScanStep:  # (for rank, hundreds of correlations: once)
        if (a.value, b.value) not in steps:
            change = statistic.difference(runs[a.value], runs[b.value])
            steps[a.value, b.value] = ScanStep(a.value, b.value, change, abs(b.axis - a.axis))
        return steps[a.value, b.value]

    def compute(value: float) -> None:
        if value in points:
            return
        sweep = run_sweep(point_config(value), point_options, executor=executor, listeners=list(listeners))
        run = sweep.run()
        runs[value] = run
        estimate = statistic.of_run(run) if statistic.per_run else Estimate.undefined_as("a change between runs")
        points[value] = ScanPoint(value, to_axis(settings.param, value), estimate, str(run.path))

    for value in values:
        compute(value)
    while len(points) < settings.max_runs:
        by_value = sorted(points.values(), key=lambda p: p.value)
        candidates = []
        for a, b in itertools.pairwise(by_value):
            if abs(b.axis - a.axis) > settings.resolution:
                change = step(a, b).change
                if change.defined:
                    candidates.append((abs(change.value) - (change.sem if change.sem_defined else 0.0), a, b))
        if not candidates:
            break
        _, a, b = max(candidates, key=lambda c: c[0])
        middle = from_axis(settings.param, (a.axis + b.axis) / 2)
        if middle in points:
            break
        compute(middle)
    final = tuple(sorted(points.values(), key=lambda p: p.value))
    all_steps = tuple(step(a, b) for a, b in itertools.pairwise(final))
    defined = [i for i, s in enumerate(all_steps) if s.change.defined]
    significant = [i for i in defined if all_steps[i].significant]
    pool = significant or defined
    steepest = (
        max(pool, key=lambda i: abs(all_steps[i].change.value) / max(all_steps[i].width, 1e-300)) if pool else None
    )
    result = ScanResult(settings, final, all_steps, steepest, statistic_folder, statistic.label, folder)
    write_scan(result)
    return result


def write_scan(result: ScanResult) -> list[Path]:
    """``scan.json`` and ``scan.csv`` into the statistic's folder."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            result.settings.param,
            "axis",
            "statistic",
            "sem",
            "undefined",
            "change_to_next",
            "change_sem",
            "paired",
            "run",
        ]
    )

    def number(x: float) -> str:
        return f"{x:.10g}" if math.isfinite(x) else ""

    for i, p in enumerate(result.points):
        step = result.steps[i] if i < len(result.steps) else None
        writer.writerow(
            [
                repr(p.value),
                f"{p.axis:.12g}",
                number(p.estimate.value),
                number(p.estimate.sem),
                p.estimate.undefined or p.estimate.sem_undefined or "",
                number(step.change.value) if step else "",
                number(step.change.sem) if step else "",
                "" if step is None or step.change.paired is None else str(step.change.paired).lower(),
                p.run,
            ]
        )
    result.folder.mkdir(parents=True, exist_ok=True)
    return [
        atomic_write_json(result.folder / SCAN_JSON, result.as_dict()),
        atomic_write_text(result.folder / SCAN_CSV, buffer.getvalue()),
    ]


__all__ = [
    "ScanPoint",
    "ScanResult",
    "ScanSettings",
    "ScanStep",
    "from_axis",
    "run_scan",
    "scan_folder",
    "scannable",
    "to_axis",
    "write_scan",
]
