"""What a run keeps of its samples: the moments of its POWER and reward samples.

A run's POWER samples are reduced, chunk by chunk, to a :class:`RunSummary`: the moments
(:mod:`powerplay.stats.moments`) of every POWER key's per-state samples, of the reward
samples, and of each sample's POWER averaged over states, plus -- for two-agent runs -- the
H–A cross products and the moments of up to 32 consecutive groups of samples, from which
α_HA and its error bars follow (:mod:`powerplay.stats.alignment`), and, for every run, the
per-state POWER means of up to 64 consecutive groups of samples, from which any statistic
gets a (paired) standard error (:mod:`powerplay.stats.groups`). Its size does not grow
with the number of samples.

Variable names
--------------
``power_{key}`` (``[S]``) for each POWER key (``H``, ``A``, ``H_against_seed``,
``A_seed``); ``reward_{agent}`` (``[S]``) for each agent's rewards; ``state_mean_{key}``
(scalar) for a POWER sample's mean over states.

Examples
--------
>>> rng = np.random.default_rng(0)
>>> summary = RunSummary.of_samples({'H': rng.random((100, 3))}, {'H': rng.random((100, 3))})
>>> summary.num_samples, summary.power_mean('H').shape, summary.alignment() is None
(100, (3,), True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ModelError, UnknownLabelError
from .alignment import MEAN_A, MEAN_H, A, AlignmentStatistics, H, alignment_from_moments, alignment_layout
from .groups import SampleGroups
from .moments import Layout, Moments
from .tree import TreeReducer, reduced

#: POWER keys in the order their columns appear in tables.
POWER_KEYS = ("H", "A", "H_against_seed", "A_seed")

#: Variables kept per group, for α_HA's error bars.
GROUP_VARIABLES = alignment_layout(1).names


def kept_groups(power_keys) -> tuple[str, ...] | None:
    """The variables a run keeps per group: α_HA's, for runs with both agents (else none)."""
    return GROUP_VARIABLES if "A" in power_keys else None


def kept_group_means(power_keys) -> tuple[str, ...]:
    """The variables whose per-group means a run keeps: every POWER key's (paired errors)."""
    return tuple(power_variable(k) for k in POWER_KEYS if k in set(power_keys))


def power_variable(key: str) -> str:
    return f"power_{key}"


def reward_variable(agent: str) -> str:
    return f"reward_{agent}"


def state_mean_variable(key: str) -> str:
    return f"state_mean_{key}"


def run_layout(num_states: int, power_keys, reward_agents) -> Layout:
    """The variables a run with these POWER keys and reward agents tracks (module notes)."""
    power_keys = [k for k in POWER_KEYS if k in set(power_keys)]
    vectors = tuple(power_variable(k) for k in power_keys) + tuple(reward_variable(a) for a in reward_agents)
    scalars = tuple((state_mean_variable(k), power_variable(k)) for k in power_keys)
    pairs = ((H, A), (MEAN_H, MEAN_A)) if "A" in power_keys else ()
    return Layout(vectors, num_states, scalars, pairs)


@dataclass(frozen=True)
class RunSummary:
    """The streamed statistics of one run.

    Attributes
    ----------
    total : Moments
        Moments of all the run's samples (a batch of one).
    groups : tuple of Moments
        Moments of consecutive groups of samples (the variables of
        :func:`~powerplay.stats.alignment.alignment_layout` only); empty for one-agent runs.
    paired : SampleGroups or None
        Per-group POWER means of every POWER key (:mod:`powerplay.stats.groups`); ``None``
        for runs written before they were kept.
    """

    total: Moments
    groups: tuple[Moments, ...] = ()
    paired: SampleGroups | None = None

    @property
    def num_samples(self) -> int:
        return self.total.n

    @property
    def num_states(self) -> int:
        return self.total.layout.size

    @property
    def power_keys(self) -> tuple[str, ...]:
        return tuple(k for k in POWER_KEYS if power_variable(k) in self.total.layout.index)

    @property
    def reward_agents(self) -> tuple[str, ...]:
        return tuple(a for a in ("H", "A") if reward_variable(a) in self.total.layout.index)

    def _variable(self, name: str, what: str) -> str:
        if name not in self.total.layout.index:
            raise UnknownLabelError(f"this run has no {what} (it has POWER keys {', '.join(self.power_keys)})")
        return name

    def power_mean(self, key: str = "H") -> np.ndarray:
        """``[S]`` mean POWER of each state."""
        return self.total.mean(self._variable(power_variable(key), f"POWER samples {key!r}"))

    def power_sem(self, key: str = "H") -> np.ndarray:
        """``[S]`` standard error of :meth:`power_mean`."""
        return self.total.sem(self._variable(power_variable(key), f"POWER samples {key!r}"))

    def power_variance(self, key: str = "H") -> np.ndarray:
        """``[S]`` variance of the POWER samples of each state (``ddof=1``)."""
        return self.total.variance(self._variable(power_variable(key), f"POWER samples {key!r}"))

    def reward_mean(self, agent: str = "H") -> np.ndarray:
        return self.total.mean(self._variable(reward_variable(agent), f"rewards of agent {agent!r}"))

    def reward_variance(self, agent: str = "H") -> np.ndarray:
        return self.total.variance(self._variable(reward_variable(agent), f"rewards of agent {agent!r}"))

    def average_power(self, key: str = "H") -> tuple[float, float]:
        """POWER averaged over states, and its standard error over reward samples."""
        name = self._variable(state_mean_variable(key), f"POWER samples {key!r}")
        return float(self.total.mean(name)), float(self.total.sem(name))

    def alignment(self) -> AlignmentStatistics | None:
        """α_HA statistics (``None`` for runs without Agent A's POWER)."""
        if power_variable("A") not in self.total.layout.index:
            return None
        return alignment_from_moments(self.total, list(self.groups))

    # -- building ---------------------------------------------------------------------

    @classmethod
    def of_samples(cls, power: dict[str, np.ndarray], rewards: dict[str, np.ndarray] | None = None) -> RunSummary:
        """The summary of samples held in memory (e.g. a run folder written before summaries).

        Uses the same merge tree and groups as a streamed run, so the numbers are identical.
        """
        rewards = rewards or {}
        first = next(iter(power.values()))
        _n, num_states = first.shape
        layout = run_layout(num_states, power, rewards)
        arrays = {power_variable(k): v for k, v in power.items()}
        arrays.update({reward_variable(a): v for a, v in rewards.items()})
        reducer = reduced(
            Moments.leaves(layout, arrays), keep_groups=kept_groups(power), keep_group_means=kept_group_means(power)
        )
        return cls.of_reducer(reducer)

    @classmethod
    def of_reducer(cls, reducer: TreeReducer) -> RunSummary:
        """The summary of a complete :class:`~powerplay.stats.tree.TreeReducer`."""
        paired = reducer.paired_group_means()
        groups = None
        if paired is not None:
            counts, means = paired
            prefix = len(power_variable(""))
            groups = SampleGroups(counts, {name[prefix:]: array for name, array in means.items()})
        return cls(reducer.root(), tuple(reducer.group_moments()), groups)

    # -- storage ----------------------------------------------------------------------

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Plain arrays for ``summary.npz`` (see :meth:`from_arrays`)."""
        arrays = self.total.to_arrays("total:")
        if self.groups:
            arrays.update(Moments.concatenate(list(self.groups)).to_arrays("groups:"))
        if self.paired is not None:
            arrays.update(self.paired.to_arrays("paired:"))
        return arrays

    @classmethod
    def from_arrays(cls, arrays) -> RunSummary:
        """Inverse of :meth:`to_arrays`.

        Raises
        ------
        ModelError
            If an array is missing or inconsistent.
        """
        try:
            total = Moments.from_arrays(arrays, "total:")
            groups: tuple[Moments, ...] = ()
            if "groups:count" in getattr(arrays, "files", arrays):
                batch = Moments.from_arrays(arrays, "groups:")
                groups = tuple(batch.take(i) for i in range(batch.size))
            paired = SampleGroups.from_arrays(arrays, "paired:")
        except (KeyError, IndexError, ValueError) as error:
            raise ModelError(f"summary arrays are incomplete or inconsistent ({error})") from None
        if total.size != 1 or sum(g.n for g in groups) not in (0, total.n):
            raise ModelError("summary arrays are inconsistent (group counts do not add up to the total)")
        if paired is not None and (
            paired.num_samples != total.n
            or any(np.shape(m)[1] != total.layout.size for m in paired.means.values())
            or not set(paired.keys) <= {k for k in POWER_KEYS if power_variable(k) in total.layout.index}
        ):
            raise ModelError("summary arrays are inconsistent (sample groups do not match the totals)")
        return cls(total, groups, paired)


class RunStatistics:
    """Per-state summaries of a run, for anything with a :attr:`summary` and :attr:`states`
    (runs in memory and on disk)."""

    if TYPE_CHECKING:  # read-only here: a field of RunResult, a lazily read property of StoredRun

        @property
        def summary(self) -> RunSummary: ...

    states: tuple[str, ...]

    @property
    def num_samples(self) -> int:
        return self.summary.num_samples

    @property
    def power_keys(self) -> tuple[str, ...]:
        """The POWER keys this run computed (``'H'``, and ``'A'`` and diagnostics for two agents)."""
        return self.summary.power_keys

    @property
    def reward_fingerprint(self) -> str | None:
        """A fingerprint of the run's reward draws: runs with equal fingerprints (and sample
        counts) drew the same rewards, so their differences get paired errors
        (:mod:`powerplay.stats.statistics`). ``None`` if unknown."""
        return None

    def power_mean(self, key: str = "H") -> np.ndarray:
        """``[S]`` POWER of each state (mean over reward samples)."""
        return self.summary.power_mean(key)

    def power_sem(self, key: str = "H") -> np.ndarray:
        """``[S]`` standard error of :meth:`power_mean` (NaN, undefined, with a single sample)."""
        return self.summary.power_sem(key)

    def power_variance(self, key: str = "H") -> np.ndarray:
        """``[S]`` variance of the POWER samples of each state."""
        return self.summary.power_variance(key)

    def average_power(self, key: str = "H") -> tuple[float, float]:
        """POWER averaged over states, with its standard error."""
        return self.summary.average_power(key)

    def alignment(self) -> AlignmentStatistics | None:
        """α_HA, its attenuation correction, reliabilities and intervals (two-agent runs; else ``None``)."""
        return self.summary.alignment()

    def to_dataframe(self):
        """A tidy :class:`pandas.DataFrame`: one row per state and POWER key.

        Columns ``state``, ``agent`` (the POWER key: ``H``, ``A``, ``H_against_seed``,
        ``A_seed``), ``power_mean``, ``power_sem``, ``power_variance`` and ``num_samples``.
        """
        import pandas as pd  # imported on use: it is slow to import and most commands never need it

        states = list(self.states)
        frames = [
            pd.DataFrame(
                {
                    "state": states,
                    "agent": key,
                    "power_mean": self.power_mean(key),
                    "power_sem": self.power_sem(key),
                    "power_variance": self.power_variance(key),
                    "num_samples": self.num_samples,
                }
            )
            for key in self.power_keys
        ]
        return pd.concat(frames, ignore_index=True)


__all__ = [
    "GROUP_VARIABLES",
    "POWER_KEYS",
    "RunStatistics",
    "RunSummary",
    "kept_group_means",
    "kept_groups",
    "power_variable",
    "reward_variable",
    "run_layout",
    "state_mean_variable",
]
