"""Studies across environments: is misalignment by default robust to the environment?

A sweep over a family of environments -- generated mazes or rooms sweeping their ``seed`` --
gives one α_HA per environment. :func:`environment_studies` summarises them:

* per environment: the attenuation-corrected α_HA with its 95 % interval (and the raw one);
* across environments: the mean corrected α_HA with a 95 % Student-t interval over
  environments (the spread between environments, which includes each run's own sampling
  error), and the share of environments whose corrected α_HA is below 0, with a Wilson
  interval.

What is pooled
--------------
Only environments that differ by their generator ``seed``, with everything else equal, are
pooled: each study is one *group*. Environments from another generator, size, interaction
rule (``joint: allow | remove | block``), noise, or a named environment, form their own
groups; so do runs that differ in any other swept parameter (the seed policy, γ, the reward
distribution, β, ...), each combination summarised on its own. A sweep over the three
interaction rules of one maze thus gives three studies of one environment each, not one
mean over incomparable environments.

Generated environments that are identical (the same states and transitions: two seeds of a
small rooms generator can give the same map) are detected from the content hashes the sweep
recorded, counted once, and reported (:attr:`EnvironmentStudy.duplicates`).

An environment whose corrected α_HA is undefined (too noisy at its sample count) is reported
as "undefined (too noisy at N samples)" and left out of the mean, the counts and the share,
consistently (:attr:`EnvironmentStudy.undefined`).

The environments are treated as a random sample from their family, so the interval is about
the family, not only the environments drawn.

:func:`write_environment_studies` writes ``study.json`` and ``study.csv`` into the sweep
folder; :class:`EnvironmentStudyWriter` does so when a sweep finishes (a sweep listener).

Examples
--------
>>> stats = [(-0.4, 0.05), (-0.2, 0.05), (0.1, 0.05)]
>>> summary = across_environments(np.array([a for a, _ in stats]))
>>> round(summary['mean'], 3), summary['share_negative']
(-0.167, 0.6666666666666666)
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.special import stdtrit  # Student's t quantiles, without importing scipy.stats

from ..errors import ModelError, SweepNotFoundError
from ..io.atomic import atomic_write_json, atomic_write_text
from ..model.generators import generator_spec_name, is_generator_spec, normalize_generator_spec
from ..stats.alignment import undefined_reason
from ..stats.rounds import wilson_interval
from ..storage.sweeps import StoredSweep, canonical, load_sweep
from .build import environment_label
from .events import SweepListener

#: Parameters whose values are environments.
ENVIRONMENT_PARAMETERS = ("joint_mdp_graph", "mdp_graph")

STUDY_JSON = "study.json"
STUDY_CSV = "study.csv"

#: Coverage of the intervals.
CONFIDENCE = 0.95


@dataclass(frozen=True)
class EnvironmentResult:
    """α_HA of one environment (one run).

    ``undefined`` says why the corrected α_HA is undefined (``None`` when it is defined);
    ``duplicate_of`` names an identical environment earlier in the study (``None`` if none).
    """

    name: str
    run: str
    alpha_corrected: float
    alpha_corrected_low: float
    alpha_corrected_high: float
    alpha: float
    alpha_sem: float
    reliability_H: float
    reliability_A: float
    seed: int | None = None
    undefined: str | None = None
    duplicate_of: str | None = None

    @property
    def counted(self) -> bool:
        """Whether it counts in the study's mean and share (defined, and not a duplicate)."""
        return self.undefined is None and self.duplicate_of is None

    def describe(self) -> str:
        if self.duplicate_of is not None:
            return f"{self.name}: identical to {self.duplicate_of} (counted once)"
        if self.undefined is not None:
            return f"{self.name}: undefined ({self.undefined})"
        return (
            f"{self.name}: {self.alpha_corrected:.3f} [{self.alpha_corrected_low:.3f}, {self.alpha_corrected_high:.3f}]"
        )


@dataclass(frozen=True)
class EnvironmentStudy:
    """α_HA across a family of environments (see module notes).

    Attributes
    ----------
    param : str
        The swept environment parameter.
    fixed : dict
        Values (names) of the sweep's other swept parameters for this study.
    environments : tuple of EnvironmentResult
        Every environment of the group, duplicates and undefined ones included.
    mean, mean_low, mean_high : float
        Mean corrected α_HA over the counted environments and its 95 % interval (NaN with
        fewer than two).
    share_negative, share_low, share_high : float
        Share of counted environments with corrected α_HA < 0 and its 95 % (Wilson) interval.
    sd : float
    group : str
        What the pooled environments share, e.g. ``'joint maze 4x4 (no overlap)'`` (the
        environment's name for a named environment).
    """

    param: str
    fixed: dict[str, str]
    environments: tuple[EnvironmentResult, ...]
    mean: float
    mean_low: float
    mean_high: float
    share_negative: float
    share_low: float
    share_high: float
    sd: float = field(default=math.nan)
    group: str = ""

    @property
    def counted(self) -> tuple[EnvironmentResult, ...]:
        return tuple(e for e in self.environments if e.counted)

    @property
    def duplicates(self) -> tuple[EnvironmentResult, ...]:
        return tuple(e for e in self.environments if e.duplicate_of is not None)

    @property
    def undefined(self) -> tuple[EnvironmentResult, ...]:
        return tuple(e for e in self.environments if e.duplicate_of is None and e.undefined is not None)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["environments"] = [asdict(e) for e in self.environments]
        out["counted"] = len(self.counted)
        out["distinct"] = len(self.environments) - len(self.duplicates)
        return out

    def describe(self) -> str:
        """One line, e.g. ``'20 environments (joint maze 4x4 (no overlap); 17 distinct: ...): mean α_HA ...'``."""
        total, counted = len(self.environments), self.counted
        notes = [self.group] if self.group else []
        notes += [f"{k}={v}" for k, v in self.fixed.items()]
        if self.duplicates:
            same = ", ".join(f"{e.name} = {e.duplicate_of}" for e in self.duplicates)
            notes.append(f"{total - len(self.duplicates)} distinct: {same}")
        if self.undefined:
            reasons = sorted({e.undefined or "" for e in self.undefined})
            notes.append(f"{len(self.undefined)} undefined: {'; '.join(reasons)}")
        head = f"{total} environment{'s' * (total != 1)} ({'; '.join(notes)})" if notes else f"{total} environments"
        if not counted:
            return f"{head}: α_HA (corrected) undefined in every environment"
        if len(counted) == 1:
            return f"{head}: α_HA (corrected) {counted[0].describe().split(': ', 1)[1]} (one environment: no mean over environments)"
        negative = sum(e.alpha_corrected < 0 for e in counted)
        return (
            f"{head}: mean α_HA (corrected) {self.mean:.3f} [{self.mean_low:.3f}, {self.mean_high:.3f}] over "
            f"{len(counted)}; {negative}/{len(counted)} below 0 (share {self.share_negative:.2f} "
            f"[{self.share_low:.2f}, {self.share_high:.2f}])"
        )


def across_environments(values: np.ndarray, confidence: float = CONFIDENCE) -> dict[str, float]:
    """Mean with a Student-t interval, and the share below 0 with a Wilson interval."""
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    n = len(values)
    mean = float(values.mean()) if n else math.nan
    sd = float(values.std(ddof=1)) if n > 1 else math.nan
    if n > 1:
        half = float(stdtrit(n - 1, 0.5 + confidence / 2)) * sd / math.sqrt(n)
        low, high = mean - half, mean + half
    else:
        low = high = math.nan
    negative = int((values < 0).sum())
    share_low, share_high = wilson_interval(negative, n, confidence)
    return {
        "mean": mean,
        "mean_low": low,
        "mean_high": high,
        "sd": sd,
        "share_negative": negative / n if n else math.nan,
        "share_low": share_low,
        "share_high": share_high,
    }


def environment_parameter(sweep: StoredSweep) -> str | None:
    """The swept parameter whose values are environments (``None`` if the sweep sweeps none)."""
    return next((p for p in ENVIRONMENT_PARAMETERS if p in sweep.swept), None)


def _group_of(value: Any) -> tuple[str, str, int | None]:
    """``(group key, group description, generator seed)`` of an environment value: generator
    specs without their seed (and name) share a group; anything else is its own group."""
    if is_generator_spec(value):
        try:
            spec = normalize_generator_spec(value)
        except ModelError:
            return canonical(value), str(value), None
        rest = {k: v for k, v in spec.items() if k not in ("seed", "name")}
        described = re.sub(r" seed \d+", "", generator_spec_name({**rest, "seed": 0, "name": ""}))
        return canonical(rest), described, int(spec["seed"])
    return canonical(value), str(value), None


def _undefined(alignment: dict[str, Any], num_samples: Any) -> str | None:
    """Why a run's corrected α_HA is undefined (None if it is defined, with its interval)."""
    value = _number(alignment.get("alpha_corrected"))
    low, high = (list(alignment.get("alpha_corrected_interval") or []) + [None, None])[:2]
    if math.isfinite(value) and math.isfinite(_number(low)) and math.isfinite(_number(high)):
        return None
    reason = alignment.get("alpha_corrected_undefined")
    if isinstance(reason, str) and reason:
        return reason
    return undefined_reason(int(num_samples)) if isinstance(num_samples, int) else "too noisy"


def _every_agent_learns(sweep) -> bool:
    """Whether the sweep's runs compute every agent's POWER (so α_HA), by its experiment type."""
    protocol = sweep.protocol
    return protocol is not None and protocol.others_learn


def environment_studies(sweep, param: str | None = None, folder=None) -> list[EnvironmentStudy]:
    """One :class:`EnvironmentStudy` per group of comparable environments and combination of
    the sweep's other swept values (see the module notes on what is pooled).

    Parameters
    ----------
    sweep : StoredSweep, id or path
        A ``multiagent_with_reward`` sweep.
    param : str, optional
        The environment parameter (default: the swept ``joint_mdp_graph``).

    Raises
    ------
    SweepNotFoundError
        If the sweep sweeps no environment, or has no two-agent runs.
    """
    sweep = load_sweep(sweep, folder) if folder is not None else load_sweep(sweep)
    param = param or environment_parameter(sweep)
    if param is None or param not in sweep.swept:
        raise SweepNotFoundError(f"sweep {sweep.path.name} sweeps no environment (mdp_graph or joint_mdp_graph)")
    if not _every_agent_learns(sweep):
        raise SweepNotFoundError(f"an environment study needs α_HA: sweep {sweep.path.name} is {sweep.experiment_type}")
    group = sweep.zip_group(param)
    zipped = [p for p in sweep.swept if p != param and group is not None and sweep.zip_group(p) == group]
    others = [p for p in sweep.swept if p != param and p not in zipped]
    combinations = itertools.product(*[[name for _, name in sweep.swept[p]] for p in others]) if others else [()]
    hashes = sweep.record.get("environments") or {}
    studies = []
    for combination in combinations:
        fixed = dict(zip(others, combination))
        try:
            pairs = sweep.runs_over(param, fixed)
        except SweepNotFoundError:
            continue  # a combination without finished runs
        groups: dict[str, tuple[str, list]] = {}
        for value, run in pairs:
            key, described, seed = _group_of(value)
            # Zipped partners (e.g. the seed policy) must be equal too.
            partners = {p: canonical(sweep.value(run, p)) for p in zipped}
            groups.setdefault(key + canonical(partners), (described, []))[1].append((value, run, seed))
        for described, members in groups.values():
            results: list[EnvironmentResult] = []
            seen: dict[str, str] = {}  # content hash -> the first environment with it
            for value, run, seed in members:
                alignment = run.info.get("alignment") or {}
                low, high = (list(alignment.get("alpha_corrected_interval") or []) + [math.nan, math.nan])[:2]
                name = sweep.value_name(run, param)
                content = hashes.get(environment_label(param, value), {}).get("sha256")
                duplicate_of = seen.get(content) if content else None
                if content and duplicate_of is None:
                    seen[content] = name
                results.append(
                    EnvironmentResult(
                        name=name,
                        run=str(run.info.get("run_suffix", run.name)),
                        alpha_corrected=_number(alignment.get("alpha_corrected")),
                        alpha_corrected_low=_number(low),
                        alpha_corrected_high=_number(high),
                        alpha=_number(alignment.get("alpha")),
                        alpha_sem=_number(alignment.get("alpha_sem")),
                        reliability_H=_number(alignment.get("reliability_H")),
                        reliability_A=_number(alignment.get("reliability_A")),
                        seed=seed,
                        undefined=_undefined(alignment, run.info.get("num_reward_samples")),
                        duplicate_of=duplicate_of,
                    )
                )
            counted = np.array([r.alpha_corrected for r in results if r.counted])
            summary = across_environments(counted)
            studies.append(EnvironmentStudy(param, fixed, tuple(results), **summary, group=described))
    return studies


def _number(value) -> float:
    return float(value) if isinstance(value, (int, float)) and value is not None else math.nan


def study_csv(studies: list[EnvironmentStudy]) -> str:
    """One row per environment (and study): fixed values, names, α statistics."""
    buffer = io.StringIO()
    rows = []
    for study in studies:
        for env in study.environments:
            rows.append(
                {
                    **study.fixed,
                    "group": study.group,
                    "environment": env.name,
                    **{k: v for k, v in asdict(env).items() if k != "name"},
                }
            )
    columns = list(dict.fromkeys(k for row in rows for k in row))
    writer = csv.DictWriter(buffer, columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if isinstance(v, float) and not math.isfinite(v) else v for k, v in row.items()})
    return buffer.getvalue()


def write_environment_studies(sweep, param: str | None = None) -> tuple[list[EnvironmentStudy], list[Path]]:
    """Compute the studies of a sweep and write ``study.json`` and ``study.csv`` into its folder."""
    sweep = load_sweep(sweep)
    studies = environment_studies(sweep, param)
    document = {
        "param": studies[0].param if studies else param,
        "confidence": CONFIDENCE,
        "studies": [s.as_dict() for s in studies],
    }
    paths = [
        atomic_write_json(sweep.path / STUDY_JSON, document),
        atomic_write_text(sweep.path / STUDY_CSV, study_csv(studies)),
    ]
    return studies, paths


class EnvironmentStudyWriter(SweepListener):
    """Writes the environment study of a two-agent sweep over environments when it finishes.

    Does nothing for other sweeps. The studies are kept in :attr:`studies` (for a display).
    """

    def __init__(self):
        self.studies: list[EnvironmentStudy] = []
        self.paths: list[Path] = []

    def on_sweep_finished(self, sweep: StoredSweep) -> None:
        param = environment_parameter(sweep)
        if not _every_agent_learns(sweep) or param is None:
            return
        if len(sweep.swept[param]) < 2:
            return
        self.studies, self.paths = write_environment_studies(sweep)


__all__ = [
    "EnvironmentResult",
    "EnvironmentStudy",
    "EnvironmentStudyWriter",
    "across_environments",
    "environment_parameter",
    "environment_studies",
    "wilson_interval",
    "write_environment_studies",
]
