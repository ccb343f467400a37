r"""One registry of run statistics: how each is named, parsed, labelled and computed, with its error.

Scans (:mod:`powerplay.runner.scan`), ``powerplay compare``, the runs table (``runs.csv``,
``powerplay show``), :meth:`~powerplay.storage.sweeps.StoredSweep.to_dataframe` and the report
all take their statistics from here, so a statistic means the same thing everywhere.

Statistics (``--statistic``; ``AGENT`` is a POWER key -- any agent's name, or a diagnostic such as ``A_seed`` -- default ``H``)
---------------------------------------------------------------------------------------------------------------------------------
``power:STATE[:AGENT]``
    One state's mean POWER. (A state label that itself ends in ``:NAME`` needs its agent:
    ``power:a:b:H``.)
``average_power[:AGENT]``
    POWER averaged over states.
``alpha[:X:Y]`` / ``alpha_corrected[:X:Y]``
    α of agents X and Y (default H and A: α_HA), raw or corrected for the attenuation noisy
    per-state means cause (:mod:`powerplay.stats.alignment`); runs of two or more agents.
``rank[:AGENT]``
    How much the order of states by POWER changes between two runs: ``1 − ρ`` (Spearman's
    ρ of the two runs' per-state means), corrected for the change that sampling noise alone
    causes. A change between runs only (no value per run).
``contrast[:AGENT]:GROUP - GROUP``
    Mean POWER over the states of the first group minus that over the second (or, without
    ``- GROUP``, the mean over one group). A group is one or more *label patterns* joined
    by ``|``, each a state label in which ``*`` stands for any characters except ``^`` (so
    a ``*`` stays inside one agent's part of a joint label); quote a pattern in double quotes
    when it has spaces around a ``-``. Part 3's corridor blocking, H at the end of a corridor
    with A at its mouth, against A anywhere::

        contrast:H:"(0, 6)_H^(1, 3)_A" - "(0, 6)_H^(*, *)_A"

``NAME``
    A Python function registered with :func:`register_statistic`.

Errors, and paired differences
------------------------------
Every value comes as an :class:`Estimate` with its standard error; a value or an error that
cannot be computed is *undefined* with the reason (``'1 sample'``, ``'too noisy at 500
samples'``), never NaN or 0 on display. One state's or the average POWER take their error from
the streamed moments; other smooth statistics from a delete-a-group jackknife over the run's
sample groups (:mod:`powerplay.stats.groups`).

:meth:`Statistic.difference` compares two runs. When both drew the same rewards (the same
reward stream, recognised by its fingerprint, and the same sample count) their groups hold
the same draws and the difference gets a *paired* error, from replicates that are
differences too; otherwise the runs are independent and the error is
``hypot(sem_a, sem_b)``. The estimate says which (:attr:`Estimate.paired`, :attr:`Estimate.note`).

For ``rank``, a rank correlation is not smooth in the means (the jackknife does not apply, and
noise reorders states of nearly equal POWER however many samples there are), so the change is
measured between random halves of the sample groups, less the change within each run between
its own halves (:class:`RankStatistic`: 0 in expectation when the order does not change), with
a bootstrap error over the groups (reproducible: a fixed seed).

Examples
--------
>>> statistic = parse_statistic('contrast:H:"(0, 6)_H^(1, 3)_A" - "(0, 6)_H^(*, *)_A"')
>>> statistic.kind, statistic.agent, statistic.groups
('contrast', 'H', (('(0, 6)_H^(1, 3)_A',), ('(0, 6)_H^(*, *)_A',)))
>>> parse_statistic('power:(1, 1)').label
'POWER of (1, 1) (H)'
>>> print(Estimate(0.25, math.nan, sem_undefined='1 sample').describe())
0.2500 ± undefined (1 sample)
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from ..errors import ModelError, UnknownLabelError
from .alignment import AlignmentStatistics, alignment_replicates, undefined_reason
from .groups import SampleGroups, jackknife_sem
from .keys import DEFAULT_PAIR, check_power_key, is_agent_name, key_agent, pair_tag, pair_tags, pairs_of
from .summary import RunSummary, state_mean_variable

#: Standard errors a difference must exceed to count as a change rather than noise.
SIGNIFICANT = 2.0

#: Bootstrap resamplings of the groups for a rank change's error, and random splits of the
#: groups into halves averaged in each.
RANK_DRAWS = 100
RANK_SPLITS = 8

#: Values of one bootstrap batch (draws × states), to bound memory for huge MDPs.
RANK_BATCH_VALUES = 2**22

#: Why a statistic that needs sample groups has no error for an older run.
NO_GROUPS = "the run was written before sample groups were kept"


# --------------------------------------------------------------------------------------
# Estimates


@dataclass(frozen=True)
class Estimate:
    """A statistic's value with its standard error, or why either is undefined.

    Attributes
    ----------
    value : float
        NaN when undefined (:attr:`undefined` says why).
    sem : float
        NaN when undefined (:attr:`sem_undefined` says why).
    undefined, sem_undefined : str or None
        Reasons, e.g. ``'1 sample'``, ``'too noisy at 3,000 samples'``.
    paired : bool or None
        For a difference between two runs: whether its error is paired (the runs share
        their reward draws); ``None`` for a single run's value.
    note : str or None
        Why a difference is unpaired, or other context.
    """

    value: float
    sem: float
    undefined: str | None = None
    sem_undefined: str | None = None
    paired: bool | None = None
    note: str | None = None

    @classmethod
    def undefined_as(cls, reason: str, paired: bool | None = None, note: str | None = None) -> Estimate:
        return cls(math.nan, math.nan, reason, reason, paired, note)

    @property
    def defined(self) -> bool:
        return math.isfinite(self.value)

    @property
    def sem_defined(self) -> bool:
        return self.defined and math.isfinite(self.sem)

    @property
    def z(self) -> float | None:
        """``|value| / sem`` (``inf`` for a nonzero value with zero error; None if undefined)."""
        if not self.sem_defined:
            return None
        if self.sem > 0:
            return abs(self.value) / self.sem
        return 0.0 if self.value == 0 else math.inf

    @property
    def significant(self) -> bool | None:
        """Whether it exceeds :data:`SIGNIFICANT` standard errors (None if that is undefined)."""
        z = self.z
        return None if z is None else z >= SIGNIFICANT

    def describe(self, digits: int = 4, signed: bool = False) -> str:
        """E.g. ``'+0.0108 ± 0.0032 (paired)'``, ``'0.2778 ± undefined (1 sample)'``."""
        if not self.defined:
            return f"undefined ({self.undefined or 'not computable'})"
        sign = "+" if signed else ""
        text = f"{self.value:{sign}.{digits}f} ± "
        text += f"{self.sem:.{digits}f}" if self.sem_defined else f"undefined ({self.sem_undefined or 'unknown'})"
        if self.paired is not None:
            text += " (paired)" if self.paired else f" (unpaired{': ' + self.note if self.note else ''})"
        return text

    def as_dict(self) -> dict[str, Any]:
        """Plain values for JSON (NaN becomes ``null`` when written)."""
        return {
            "value": self.value,
            "sem": self.sem,
            "undefined": self.undefined,
            "sem_undefined": self.sem_undefined,
            "paired": self.paired,
            "note": self.note,
        }


class RunLike(Protocol):
    """What a statistic reads of a run (runs in memory and on disk both have it)."""

    @property
    def summary(self) -> RunSummary: ...  # pragma: no cover

    @property
    def states(self) -> tuple[str, ...]: ...  # pragma: no cover

    @property
    def reward_fingerprint(self) -> str | None: ...  # pragma: no cover

    def alignment(self, pair: tuple[str, str] | None = None) -> AlignmentStatistics | None: ...  # pragma: no cover


def _name(run) -> str:
    return str(getattr(run, "name", None) or "a run")


def pairing(first: RunLike, second: RunLike) -> tuple[bool, str | None]:
    """Whether two runs' differences get paired errors, and if not, why.

    Paired: both drew the same rewards (equal reward fingerprints) in the same sample groups.
    """
    groups_a, groups_b = first.summary.paired, second.summary.paired
    if groups_a is None or groups_b is None:
        return False, f"{_name(first if groups_a is None else second)}: {NO_GROUPS}"
    fingerprints = first.reward_fingerprint, second.reward_fingerprint
    if None in fingerprints:
        return False, "the runs' reward draws are unknown"
    if fingerprints[0] != fingerprints[1]:
        return False, "different reward draws"
    if not groups_a.same_groups(groups_b):
        return False, "different sample counts"
    return True, None


# --------------------------------------------------------------------------------------
# Statistics


class Statistic:
    """A named statistic of a run (see the module notes). Subclasses set :attr:`kind`,
    :attr:`spec` and :attr:`label`, and compute :meth:`of_run` and :meth:`difference`."""

    kind: str = ""
    spec: str = ""
    label: str = ""
    #: Whether it has a value per run (``rank`` is a change between runs only).
    per_run: bool = True
    #: POWER keys it reads.
    keys: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"<statistic {self.spec}>"

    @property
    def slug(self) -> str:
        """A file-name-safe name, unique to :attr:`spec` (e.g. for scan folders)."""
        tidy = re.sub(r"_+", "_", re.sub(r"[^\w.+=-]", "_", self.spec)).strip("_")[:48] or self.kind
        return f"{tidy}-{hashlib.sha256(self.spec.encode('utf-8')).hexdigest()[:8]}"

    def check(self, states: Sequence[str], power_keys: Sequence[str]) -> None:
        """Refuse, before anything runs, a statistic runs with these states and POWER keys
        cannot have (a one-line :class:`~powerplay.errors.ModelError` naming what is wrong)."""
        for key in self.keys:
            if key not in power_keys:
                raise UnknownLabelError(
                    f"{self.spec!r} needs POWER of {key!r}, but these runs have POWER of {', '.join(power_keys)}"
                )

    def of_run(self, run: RunLike) -> Estimate:
        raise NotImplementedError

    def difference(self, first: RunLike, second: RunLike) -> Estimate:
        """``second − first`` with its standard error (paired when the runs share draws)."""
        a, b = self.of_run(first), self.of_run(second)
        return _unpaired(a, b, pairing(first, second)[1] or "no paired error for this statistic")

    def columns(self, run: RunLike) -> dict[str, Any]:
        """Its columns of the runs table: ``{column: value, column_sem: sem}`` (None if undefined)."""
        estimate = self.of_run(run)
        name = self.column
        return {
            name: estimate.value if estimate.defined else None,
            f"{name}_sem": estimate.sem if estimate.sem_defined else None,
        }

    @property
    def column(self) -> str:
        return self.slug


def _unpaired(a: Estimate, b: Estimate, note: str | None) -> Estimate:
    if not (a.defined and b.defined):
        reason = a.undefined if not a.defined else b.undefined
        return Estimate.undefined_as(reason or "undefined in one run", paired=False, note=note)
    if a.sem_defined and b.sem_defined:
        return Estimate(b.value - a.value, math.hypot(a.sem, b.sem), paired=False, note=note)
    reason = a.sem_undefined if not a.sem_defined else b.sem_undefined
    return Estimate(b.value - a.value, math.nan, sem_undefined=reason, paired=False, note=note)


def _check_agent(agent: str) -> str:
    """A POWER key by its form (an agent name or a diagnostic of one); whether a run has it is
    :meth:`Statistic.check`'s question."""
    return check_power_key(agent)


class SmoothStatistic(Statistic):
    """A smooth function of a run's per-state POWER means, with jackknife errors over the
    sample groups (and paired errors for differences). Subclasses define :meth:`evaluate`,
    vectorised over leading axes: ``means[key]`` is ``[..., S]``, the result ``[...]``."""

    #: Whether :meth:`evaluate` accepts ``[G, S]`` batches (else it is called per replicate).
    vectorised = True

    def evaluate(self, means: Mapping[str, np.ndarray], states: tuple[str, ...]) -> np.ndarray:
        raise NotImplementedError

    def exact(self, summary: RunSummary, states: tuple[str, ...]) -> tuple[float, float] | None:
        """``(value, sem)`` straight from the moments, where that exists (linear statistics)."""
        return None

    def _apply(self, means: Mapping[str, np.ndarray], states: tuple[str, ...]) -> np.ndarray:
        if self.vectorised:
            return np.asarray(self.evaluate(means, states), dtype=np.float64)
        first = next(iter(means.values()))
        if first.ndim == 1:
            return np.asarray(float(self.evaluate(means, states)))
        return np.array([float(self.evaluate({k: v[g] for k, v in means.items()}, states)) for g in range(len(first))])

    def _totals(self, summary: RunSummary) -> dict[str, np.ndarray]:
        return {key: summary.power_mean(key) for key in self.keys}

    def _replicates(self, groups: SampleGroups, states) -> tuple[float, np.ndarray]:
        totals = {k: v for k, v in groups.totals().items() if k in self.keys}
        loo = {k: v for k, v in groups.leave_one_out().items() if k in self.keys}
        return float(self._apply(totals, states)), self._apply(loo, states)

    def of_run(self, run: RunLike) -> Estimate:
        summary, states = run.summary, tuple(run.states)
        exact = self.exact(summary, states)
        n = summary.num_samples
        if exact is not None:
            value, sem = exact
        else:
            value = float(self._apply(self._totals(summary), states))
            sem = math.nan
        if not math.isfinite(value):
            return Estimate.undefined_as(f"not computable at {n:,} samples")
        if n < 2:
            return Estimate(value, math.nan, sem_undefined=undefined_reason(n))
        if exact is not None:
            return Estimate(value, sem)
        if summary.paired is None:
            return Estimate(value, math.nan, sem_undefined=NO_GROUPS)
        estimate, replicates = self._replicates(summary.paired, states)
        sem = jackknife_sem(estimate, replicates, summary.paired.counts)
        return Estimate(value, sem, sem_undefined=None if math.isfinite(sem) else undefined_reason(n))

    def difference(self, first: RunLike, second: RunLike) -> Estimate:
        paired, why = pairing(first, second)
        a, b = self.of_run(first), self.of_run(second)
        if not paired:
            return _unpaired(a, b, why)
        if not (a.defined and b.defined):
            return Estimate.undefined_as((a.undefined if not a.defined else b.undefined) or "undefined", paired=True)
        value = b.value - a.value
        n = first.summary.num_samples
        if n < 2:
            return Estimate(value, math.nan, sem_undefined=undefined_reason(n), paired=True)
        groups_a, groups_b = first.summary.paired, second.summary.paired
        assert groups_a is not None and groups_b is not None  # (paired)
        estimate_a, replicates_a = self._replicates(groups_a, tuple(first.states))
        estimate_b, replicates_b = self._replicates(groups_b, tuple(second.states))
        sem = jackknife_sem(estimate_b - estimate_a, replicates_b - replicates_a, groups_a.counts)
        return Estimate(value, sem, sem_undefined=None if math.isfinite(sem) else undefined_reason(n), paired=True)


def _state_index(states: Sequence[str], state: str, spec: str) -> int:
    try:
        return list(states).index(state)
    except ValueError:
        example = f" (e.g. {states[0]!r})" if len(states) else ""
        raise UnknownLabelError(f"{state!r} is not a state of the MDP{example}") from None


class PowerStatistic(SmoothStatistic):
    """``power:STATE[:AGENT]``: one state's mean POWER."""

    kind = "power"

    def __init__(self, state: str, agent: str = "H"):
        self.state, self.agent = state, _check_agent(agent)
        self.keys = (agent,)
        self.spec = f"power:{state}:{agent}"
        self.label = f"POWER of {state} ({agent})"

    def check(self, states, power_keys) -> None:
        super().check(states, power_keys)
        _state_index(states, self.state, self.spec)

    def evaluate(self, means, states):
        return means[self.agent][..., _state_index(states, self.state, self.spec)]

    def exact(self, summary, states):
        i = _state_index(states, self.state, self.spec)
        return float(summary.power_mean(self.agent)[i]), float(summary.power_sem(self.agent)[i])

    @property
    def column(self) -> str:
        return f"power_{self.agent}:{self.state}"


class AveragePowerStatistic(SmoothStatistic):
    """``average_power[:AGENT]``: POWER averaged over states."""

    kind = "average_power"

    def __init__(self, agent: str = "H"):
        self.agent = _check_agent(agent)
        self.keys = (agent,)
        self.spec = f"average_power:{agent}"
        self.label = f"average POWER ({agent})"

    def evaluate(self, means, states):
        return means[self.agent].mean(axis=-1)

    def exact(self, summary, states):
        name = state_mean_variable(self.agent)
        summary.power_mean(self.agent)  # (names the missing key if the run has none)
        return float(summary.total.mean(name)), float(summary.total.sem(name))

    @property
    def column(self) -> str:
        return f"power_{self.agent}_mean"


def _pattern(text: str) -> re.Pattern:
    """A label pattern: ``*`` is any run of characters except ``^``; the rest is literal."""
    return re.compile("^" + "[^^]*".join(re.escape(part) for part in text.split("*")) + "$")


def _tokens(text: str) -> list[tuple[str, str]]:
    """``[(kind, text)]`` with kinds ``'pattern'``, ``'-'`` and ``'|'`` (see the module notes)."""
    tokens: list[tuple[str, str]] = []
    bare, i = "", 0

    def flush():
        nonlocal bare
        if bare.strip():
            tokens.append(("pattern", bare.strip()))
        bare = ""

    while i < len(text):
        c = text[i]
        if c == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise ModelError(f"unclosed quote in {text!r}")
            flush()
            tokens.append(("pattern", text[i + 1 : end]))
            i = end + 1
        elif c == "|":
            flush()
            tokens.append(("|", c))
            i += 1
        elif c == "-" and (not bare.strip() or bare[-1:].isspace()) and (i + 1 == len(text) or text[i + 1].isspace()):
            flush()
            tokens.append(("-", c))
            i += 1
        else:
            bare += c
            i += 1
    flush()
    return tokens


def parse_groups(text: str) -> tuple[tuple[str, ...], ...]:
    """The groups of label patterns of a contrast, ``GROUP [- GROUP]`` (module notes).

    Examples
    --------
    >>> parse_groups('"(0, 6)_H^(1, 3)_A" - "(0, 6)_H^(5, *)_A" | "(0, 6)_H^(6, *)_A"')
    (('(0, 6)_H^(1, 3)_A',), ('(0, 6)_H^(5, *)_A', '(0, 6)_H^(6, *)_A'))
    >>> parse_groups('(-1, 2) - (0, 0)')
    (('(-1, 2)',), ('(0, 0)',))
    """
    groups: list[list[str]] = [[]]
    expect_pattern = True
    for kind, value in _tokens(text):
        if kind == "pattern":
            if not expect_pattern:
                raise ModelError(f"two patterns without '|' or '-' between them in {text!r}")
            groups[-1].append(value)
            expect_pattern = False
        elif expect_pattern:
            raise ModelError(f"{kind!r} without a pattern before it in {text!r}")
        elif kind == "-":
            if len(groups) == 2:
                raise ModelError(f"a contrast has at most two groups (one '-'), got {text!r}")
            groups.append([])
            expect_pattern = True
        else:
            expect_pattern = True
    if expect_pattern:
        raise ModelError(
            f'a contrast needs label patterns, e.g. \'"(0, 6)_H^(1, 3)_A" - "(0, 6)_H^(*, *)_A"\', got {text!r}'
        )
    return tuple(tuple(g) for g in groups)


class ContrastStatistic(SmoothStatistic):
    """``contrast[:AGENT]:GROUP - GROUP``: mean POWER over one group of states minus another."""

    kind = "contrast"

    def __init__(self, groups: tuple[tuple[str, ...], ...], agent: str = "H"):
        self.agent = _check_agent(agent)
        self.keys = (agent,)
        self.groups = groups
        shown = [" | ".join(f'"{p}"' for p in group) for group in groups]
        self.spec = f"contrast:{agent}:{' - '.join(shown)}"
        self.label = f"contrast of {agent}'s POWER: {' − '.join(shown)}"
        self._weights: dict[tuple[str, ...], np.ndarray] = {}

    def members(self, states: Sequence[str]) -> list[list[int]]:
        """Indices of the states each group matches.

        Raises
        ------
        UnknownLabelError
            For a pattern that matches no state.
        """
        out = []
        for group in self.groups:
            found: dict[int, None] = {}
            for text in group:
                pattern = _pattern(text)
                hits = [i for i, s in enumerate(states) if pattern.match(s)]
                if not hits:
                    example = f" (states look like {states[0]!r})" if len(states) else ""
                    raise UnknownLabelError(f"the pattern {text!r} matches no state{example}")
                found.update(dict.fromkeys(hits))
            out.append(sorted(found))
        return out

    def weights(self, states: Sequence[str]) -> np.ndarray:
        """``[S]`` the contrast's weights (``1/k`` on a first group of ``k`` states, ``−1/k'`` on the second)."""
        key = tuple(states)
        if key not in self._weights:
            w = np.zeros(len(states))
            for sign, members in zip((1.0, -1.0), self.members(states)):
                np.add.at(w, members, sign / len(members))
            self._weights[key] = w
        return self._weights[key]

    def check(self, states, power_keys) -> None:
        super().check(states, power_keys)
        self.weights(states)

    def describe_groups(self, states: Sequence[str]) -> str:
        """E.g. ``'1 state − 31 states'``."""
        sizes = [len(m) for m in self.members(states)]
        return " − ".join(f"{k} state{'s' * (k != 1)}" for k in sizes)

    def evaluate(self, means, states):
        return means[self.agent] @ self.weights(states)


class FunctionStatistic(SmoothStatistic):
    """A registered Python function of the per-state means (see :func:`register_statistic`)."""

    vectorised = False

    def __init__(self, name: str, function: Callable, label: str, keys: tuple[str, ...]):
        self.kind = self.spec = name
        self.function, self.label, self.keys = function, label, keys

    def evaluate(self, means, states):
        return float(self.function(means, states))


class AlphaStatistic(Statistic):
    """``alpha[:X:Y]`` / ``alpha_corrected[:X:Y]``: α between two agents' per-state POWER (default H and A).

    Its spec is ``alpha`` / ``alpha_corrected`` for H and A (as always) and ``alpha:X:Y``
    otherwise; its runs-table columns are ``alpha_{XY}...`` and ``alpha_{XY}_corrected...``
    (``alpha_HA``, ``alpha_HA_corrected`` for two agents).
    """

    def __init__(self, corrected: bool, agents: tuple[str, str] = DEFAULT_PAIR):
        agents = tuple(agents)  # type: ignore[assignment]
        if len(agents) != 2 or agents[0] == agents[1] or not all(is_agent_name(a) for a in agents):
            raise ModelError(f"α needs two different agents' names, e.g. alpha:H:B, got {':'.join(map(str, agents))}")
        self.corrected, self.agents = corrected, (agents[0], agents[1])
        self.kind = "alpha_corrected" if corrected else "alpha"
        self.spec = self.kind if self.agents == DEFAULT_PAIR else f"{self.kind}:{agents[0]}:{agents[1]}"
        symbol = f"α_{pair_tag(self.agents)}"
        self.label = f"{symbol} corrected" if corrected else symbol
        self.keys = self.agents

    def of_run(self, run: RunLike) -> Estimate:
        stats = run.alignment(self.agents)
        if stats is None:
            return Estimate.undefined_as("a one-agent run")
        if self.corrected:
            value, sem, why = stats.alpha_corrected, stats.alpha_corrected_sem, stats.alpha_corrected_undefined
        else:
            value, sem, why = stats.alpha, stats.alpha_sem, stats.alpha_undefined
        if not math.isfinite(value):
            return Estimate.undefined_as(why or undefined_reason(stats.num_samples))
        if not math.isfinite(sem):
            return Estimate(value, math.nan, sem_undefined=undefined_reason(stats.num_samples))
        return Estimate(value, sem)

    def difference(self, first: RunLike, second: RunLike) -> Estimate:
        paired, why = pairing(first, second)
        a, b = self.of_run(first), self.of_run(second)
        groups = first.summary.groups, second.summary.groups
        if paired and not (len(groups[0]) >= 2 and [g.n for g in groups[0]] == [g.n for g in groups[1]]):
            paired, why = False, "no alignment groups"
        if not paired or not (a.defined and b.defined):
            return _unpaired(a, b, why) if not paired else Estimate.undefined_as(a.undefined or b.undefined or "", True)
        reps = [
            alignment_replicates(run.summary.total, list(run.summary.groups), self.agents) for run in (first, second)
        ]
        if self.corrected:
            estimate = reps[1].corrected - reps[0].corrected
            replicates = reps[1].corrected_replicates - reps[0].corrected_replicates
        else:
            estimate = reps[1].raw - reps[0].raw
            replicates = reps[1].raw_replicates - reps[0].raw_replicates
        sem = jackknife_sem(estimate, replicates, reps[0].sizes)
        n = first.summary.num_samples
        return Estimate(
            b.value - a.value, sem, sem_undefined=None if math.isfinite(sem) else undefined_reason(n), paired=True
        )

    def column_prefix(self, agents: Sequence[str] | None = None) -> str:
        """``'alpha_HA'`` / ``'alpha_HA_corrected'``: the runs-table name, tagged among a run's ``agents``."""
        prefix = f"alpha_{pair_tag(self.agents, agents)}"
        return f"{prefix}_corrected" if self.corrected else prefix

    @property
    def column(self) -> str:
        return self.column_prefix()

    def columns(self, run: RunLike) -> dict[str, Any]:
        """``alpha_{XY}[_corrected]`` with ``_sem``, ``_low``, ``_high`` (95 % interval) and
        ``_undefined`` (why, if it is); empty for a run of one agent."""
        stats = run.alignment(self.agents) if len(run.summary.agents) >= 2 else None
        if stats is None:
            return {}
        prefix = self.column_prefix(run.summary.agents)
        estimate = self.of_run(run)
        interval = stats.alpha_corrected_interval if self.corrected else stats.alpha_interval
        out = {
            prefix: estimate.value if estimate.defined else None,
            f"{prefix}_sem": estimate.sem if estimate.sem_defined else None,
            f"{prefix}_low": interval[0] if math.isfinite(interval[0]) else None,
            f"{prefix}_high": interval[1] if math.isfinite(interval[1]) else None,
            f"{prefix}_undefined": estimate.undefined,
        }
        if self.corrected:  # the estimate before clipping to [-1, 1] (beyond it when noise pushed it there)
            unclipped = stats.alpha_corrected_unclipped
            out[f"{prefix}_unclipped"] = unclipped if math.isfinite(unclipped) else None
        return out


def reliability_columns(alignments: Mapping[tuple[str, str], AlignmentStatistics]) -> dict[str, Any]:
    """The runs-table columns of the agents' reliabilities and the suggested sample count.

    ``reliability_{X}``, ``reliability_{X}_low``, ``reliability_{X}_high`` for every agent
    of the pairs (an agent's reliability depends on its own means only: every pair with it
    gives the same numbers), then ``suggested_samples`` -- the largest of the pairs', at
    which every agent's reliability would reach the target -- and
    ``suggested_samples_is_lower_bound``.
    """
    out: dict[str, Any] = {}
    for (x, y), stats in alignments.items():
        for agent in (x, y):
            if f"reliability_{agent}" in out:
                continue
            value, (low, high) = stats.reliability(agent)
            out[f"reliability_{agent}"] = value if math.isfinite(value) else None
            out[f"reliability_{agent}_low"] = low if math.isfinite(low) else None
            out[f"reliability_{agent}_high"] = high if math.isfinite(high) else None
    if alignments:
        suggestions = [(s.suggested_samples, s.suggested_is_lower_bound) for s in alignments.values()]
        counted = [item for item in suggestions if item[0] is not None]
        largest = max(counted, key=lambda item: (item[0], item[1]), default=(None, False))
        out["suggested_samples"] = largest[0]
        out["suggested_samples_is_lower_bound"] = bool(largest[1])
    return out


def _ranks(values: np.ndarray) -> np.ndarray:
    from scipy.stats import rankdata  # here: scipy.stats costs half a second of start-up

    return rankdata(values, axis=-1)


def rank_change(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``1 − ρ`` (Spearman) between the last axes of ``x`` and ``y`` (``[..., S]``; ties get average ranks)."""
    rx, ry = _ranks(x), _ranks(y)
    rx = rx - rx.mean(axis=-1, keepdims=True)
    ry = ry - ry.mean(axis=-1, keepdims=True)
    denominator = np.sqrt((rx * rx).sum(axis=-1) * (ry * ry).sum(axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = (rx * ry).sum(axis=-1) / denominator
    return 1.0 - rho


def _half_means(means: np.ndarray, counts: np.ndarray, index: np.ndarray, masks: np.ndarray) -> tuple:
    """Count-weighted means of the two halves of resampled groups.

    ``means`` ``[G, S]``, ``counts`` ``[G]``, ``index`` ``[R, G]`` (resampled groups),
    ``masks`` ``[K, G]`` (1 for the first half, -1 for the second, 0 for a left-over group);
    returns two ``[R, K, S]`` arrays.
    """
    weights = counts[index].astype(np.float64)  # [R, G]
    values = means[index]  # [R, G, S]
    halves = []
    for side in (1, -1):
        w = weights[:, None, :] * (masks == side)[None, :, :]  # [R, K, G]
        halves.append(np.einsum("rkg,rgs->rks", w, values) / w.sum(axis=-1)[..., None])
    return halves[0], halves[1]


class RankStatistic(Statistic):
    """``rank[:AGENT]``: how much the order of states by POWER changes between runs, beyond noise.

    Each run's sample groups are split at random into two halves of equal size. The rank
    change *between* the runs, ``1 − ρ`` of one run's half against the other run's other half,
    less the rank change *within* each run, ``1 − ρ`` of its two halves, carries the same
    noise in both terms (independent halves of the same size), so it is 0 in expectation
    when the order does not change -- states of (nearly) equal POWER, which noise reorders
    at random however many samples there are, included. It is averaged over
    :data:`RANK_SPLITS` random splits; its standard error comes from a bootstrap over the
    groups (:data:`RANK_DRAWS` resamplings, the same groups for both runs when they share
    draws), all from a fixed seed. With much noise the change is diluted (it is measured at
    half the samples); it is never inflated.
    """

    kind = "rank"
    per_run = False

    def __init__(self, agent: str = "H"):
        self.agent = _check_agent(agent)
        self.keys = (agent,)
        self.spec = f"rank:{agent}"
        self.label = f"rank change of {agent}'s POWER beyond noise (1 − ρ)"

    def of_run(self, run: RunLike) -> Estimate:
        return Estimate.undefined_as("a change between two runs, not a value of one")

    def columns(self, run: RunLike) -> dict[str, Any]:
        return {}

    def _change(self, groups, index, masks) -> np.ndarray:
        """``[R]`` the split-averaged change for each resampling ``index`` (``[R, G]`` per run)."""
        a1, a2 = _half_means(groups[0].means[self.agent], groups[0].counts, index[0], masks[0])
        b1, b2 = _half_means(groups[1].means[self.agent], groups[1].counts, index[1], masks[1])
        between = (rank_change(a1, b2) + rank_change(a2, b1)) / 2
        within = (rank_change(a1, a2) + rank_change(b1, b2)) / 2
        return np.nanmean(between - within, axis=-1)

    def difference(self, first: RunLike, second: RunLike) -> Estimate:
        paired, why = pairing(first, second)
        first_groups, second_groups = first.summary.paired, second.summary.paired
        if first_groups is None or second_groups is None:
            return Estimate.undefined_as(f"needs sample groups; {why}", paired=False, note=why)
        groups = (first_groups, second_groups)
        if len(first.states) != len(second.states):
            raise ModelError(
                f"a rank change needs runs with the same states ({len(first.states)} and {len(second.states)})"
            )
        n = min(g.num_samples for g in groups)
        if min(g.size for g in groups) < 4:
            return Estimate.undefined_as(f"too few samples ({n:,}) to split into groups", paired=paired, note=why)
        rng = np.random.default_rng(0)

        def masks(size: int) -> np.ndarray:
            out = np.zeros((RANK_SPLITS, size), dtype=np.int8)
            half = size // 2
            for k in range(RANK_SPLITS):
                order = rng.permutation(size)
                out[k, order[:half]], out[k, order[half : 2 * half]] = 1, -1
            return out

        split = [masks(groups[0].size)]
        split.append(split[0] if paired else masks(groups[1].size))
        identity = [np.arange(g.size)[None, :] for g in groups]
        with np.errstate(invalid="ignore", divide="ignore"):
            value = float(self._change(groups, identity, split)[0])
            if not math.isfinite(value):
                return Estimate.undefined_as("POWER does not vary across states", paired=paired, note=why)
            batch = max(1, RANK_BATCH_VALUES // max(RANK_SPLITS * len(first.states) * max(g.size for g in groups), 1))
            draws = []
            for start in range(0, RANK_DRAWS, batch):
                count = min(batch, RANK_DRAWS - start)
                index_a = rng.integers(0, groups[0].size, size=(count, groups[0].size))
                index_b = index_a if paired else rng.integers(0, groups[1].size, size=(count, groups[1].size))
                draws.append(self._change(groups, [index_a, index_b], split))
        changes = np.concatenate(draws)
        changes = changes[np.isfinite(changes)]
        if len(changes) < 2:
            return Estimate.undefined_as(undefined_reason(n), paired=paired, note=why)
        return Estimate(value, float(changes.std(ddof=1)), paired=paired, note=why)


# --------------------------------------------------------------------------------------
# The registry


@dataclass(frozen=True)
class StatisticKind:
    """A registered kind of statistic: its name, syntax, one-line help and parser.

    ``parse(arguments)`` receives the text after ``NAME:`` (``''`` if none) and returns a
    :class:`Statistic`, or raises :class:`~powerplay.errors.ModelError`.
    """

    name: str
    syntax: str
    help: str
    parse: Callable[[str], Statistic] = field(repr=False)


def _agent_only(make: Callable[[str], Statistic], name: str) -> Callable[[str], Statistic]:
    def parse(arguments: str) -> Statistic:
        if ":" in arguments:
            raise ModelError(f"{name} takes at most an agent, e.g. {name}:H")
        return make(arguments or "H")

    return parse


def _parse_power(arguments: str) -> Statistic:
    if not arguments:
        raise ModelError("power needs a state, e.g. power:(1, 1) or power:(1, 1):A")
    state, sep, agent = arguments.rpartition(":")
    if not (sep and state and key_agent(agent) is not None):
        state, agent = arguments, "H"
    return PowerStatistic(state, agent)


def _parse_contrast(arguments: str) -> Statistic:
    agent, rest = "H", arguments
    head, sep, tail = arguments.partition(":")
    if sep and key_agent(head) is not None:
        agent, rest = head, tail
    return ContrastStatistic(parse_groups(rest), agent)


def _parse_alpha(corrected: bool) -> Callable[[str], Statistic]:
    name = "alpha_corrected" if corrected else "alpha"

    def parse(arguments: str) -> Statistic:
        agents = tuple(arguments.split(":")) if arguments else DEFAULT_PAIR
        if len(agents) != 2 or not all(agents):
            raise ModelError(f"{name} takes a pair of agents, e.g. {name}:H:B (default H and A)")
        return AlphaStatistic(corrected, (agents[0], agents[1]))

    return parse


STATISTICS: dict[str, StatisticKind] = {}


def register_kind(kind: StatisticKind) -> None:
    """Add a kind of statistic to the registry (a name already taken is refused)."""
    if kind.name in STATISTICS:
        raise ModelError(f"a statistic named {kind.name!r} is already registered")
    STATISTICS[kind.name] = kind


for _kind in (
    StatisticKind("power", "power:STATE[:AGENT]", "one state's mean POWER", _parse_power),
    StatisticKind(
        "average_power",
        "average_power[:AGENT]",
        "POWER averaged over states",
        _agent_only(AveragePowerStatistic, "average_power"),
    ),
    StatisticKind("alpha", "alpha[:X:Y]", "α of agents X and Y (default H and A), raw", _parse_alpha(False)),
    StatisticKind(
        "alpha_corrected",
        "alpha_corrected[:X:Y]",
        "α of agents X and Y (default H and A) corrected for noisy means",
        _parse_alpha(True),
    ),
    StatisticKind(
        "rank",
        "rank[:AGENT]",
        "noise-corrected change of the order of states by POWER",
        _agent_only(RankStatistic, "rank"),
    ),
    StatisticKind(
        "contrast",
        'contrast[:AGENT]:"PATTERN" - "PATTERN"',
        "mean POWER over one group of states minus another (* in a pattern: any characters but ^)",
        _parse_contrast,
    ),
):
    register_kind(_kind)


def register_statistic(
    name: str,
    function: Callable[[Mapping[str, np.ndarray], tuple[str, ...]], float],
    *,
    label: str | None = None,
    keys: Sequence[str] = ("H",),
    replace: bool = False,
) -> StatisticKind:
    """Register a Python function of a run's per-state mean POWER as a statistic.

    It then works wherever statistics are named (``run_scan``, ``compare``,
    ``to_dataframe(statistics=...)``), with jackknife errors over the sample groups and
    paired errors for differences between runs that share their reward draws.

    Parameters
    ----------
    name : str
        The statistic's name (letters, digits and ``_``).
    function : callable
        ``function(means, states) -> float`` with ``means[key]`` the ``[S]`` mean POWER of
        each state for each of ``keys`` and ``states`` the state labels. It must be smooth in
        the means (a jackknife estimates its error).
    label : str, optional
        For tables and figures (default: ``name``).
    keys : sequence of str
        POWER keys it reads.
    replace : bool
        Replace a registered statistic of that name (not a built-in one).

    Examples
    --------
    >>> kind = register_statistic('spread_demo', lambda m, states: float(m['H'].max() - m['H'].min()), replace=True)
    >>> parse_statistic('spread_demo').label
    'spread_demo'
    """
    if not re.fullmatch(r"[A-Za-z_]\w*", name):
        raise ModelError(f"a statistic's name is letters, digits and _, got {name!r}")
    keys = tuple(_check_agent(k) for k in keys)
    existing = STATISTICS.get(name)
    if existing is not None and (not replace or name in BUILT_IN):
        raise ModelError(f"a statistic named {name!r} is already registered")

    def parse(arguments: str) -> Statistic:
        if arguments:
            raise ModelError(f"{name} takes no arguments")
        return FunctionStatistic(name, function, label or name, keys)

    kind = StatisticKind(name, name, label or name, parse)
    STATISTICS[name] = kind
    return kind


BUILT_IN = frozenset(STATISTICS)


def parse_statistic(text: str) -> Statistic:
    """The :class:`Statistic` a name such as ``'power:(1, 1):A'`` describes (module notes).

    Raises
    ------
    ModelError
        For an unknown name (listing the known syntaxes) or bad arguments.
    """
    if isinstance(text, Statistic):
        return text
    text = str(text).strip()
    name, _, arguments = text.partition(":")
    kind = STATISTICS.get(name)
    if kind is None:
        known = ", ".join(k.syntax for k in STATISTICS.values())
        raise ModelError(f"unknown statistic {text!r}; use {known}")
    return kind.parse(arguments)


def _agents_of(power_keys: Sequence[str]) -> tuple[str, ...]:
    """The agents among a run's POWER keys, in the run's (learning) order."""
    return tuple(k for k in power_keys if is_agent_name(k))


def run_table_statistics(power_keys: Sequence[str]) -> list[Statistic]:
    """The statistics of the runs table (``runs.csv``): average POWER per key (in the run's
    order), then α raw and corrected for every pair of agents (in agent order)."""
    out: list[Statistic] = [AveragePowerStatistic(k) for k in power_keys]
    for pair in pairs_of(_agents_of(power_keys)):
        out += [AlphaStatistic(False, pair), AlphaStatistic(True, pair)]
    return out


def run_table_columns(run: RunLike) -> dict[str, Any]:
    """A run's columns of the runs table: those of :func:`run_table_statistics` (``power_{key}_mean``
    and ``_sem`` per POWER key; ``alpha_{XY}...`` and ``alpha_{XY}_corrected...`` per pair),
    then :func:`reliability_columns`. For two agents exactly the columns ``runs.csv`` has always had."""
    out: dict[str, Any] = {}
    for statistic in run_table_statistics(run.summary.power_keys):
        out.update(statistic.columns(run))
    agents = run.summary.agents
    if len(agents) >= 2:
        out.update(reliability_columns(run.summary.alignments()))
    return out


def alpha_columns(agents: Sequence[str]) -> dict[tuple[str, str], tuple[str, str]]:
    """``{pair: (raw column, corrected column)}`` of the runs table for a run of ``agents``
    (``{('H', 'A'): ('alpha_HA', 'alpha_HA_corrected')}`` for two)."""
    return {pair: (f"alpha_{tag}", f"alpha_{tag}_corrected") for pair, tag in pair_tags(agents).items()}


def default_statistic(power_keys: Sequence[str]) -> str:
    """``alpha_corrected`` (α of the first pair of agents) for runs of two or more agents, ``average_power`` otherwise."""
    agents = _agents_of(power_keys)
    if len(agents) < 2:
        return "average_power"
    return "alpha_corrected" if agents[:2] == DEFAULT_PAIR else f"alpha_corrected:{agents[0]}:{agents[1]}"


__all__ = [
    "RANK_DRAWS",
    "SIGNIFICANT",
    "STATISTICS",
    "AlphaStatistic",
    "AveragePowerStatistic",
    "ContrastStatistic",
    "Estimate",
    "FunctionStatistic",
    "PowerStatistic",
    "RankStatistic",
    "SmoothStatistic",
    "Statistic",
    "StatisticKind",
    "alpha_columns",
    "default_statistic",
    "pairing",
    "parse_groups",
    "parse_statistic",
    "rank_change",
    "register_kind",
    "register_statistic",
    "reliability_columns",
    "run_table_columns",
    "run_table_statistics",
]
