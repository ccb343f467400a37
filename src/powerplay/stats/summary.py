"""What a run keeps of its samples: the moments of its POWER and reward samples.

A run's POWER samples are reduced, chunk by chunk, to a :class:`RunSummary`: the moments
(:mod:`powerplay.stats.moments`) of every POWER key's per-state samples, of the reward
samples, and of each sample's POWER averaged over states, plus -- for runs of two or more
agents -- the cross products of every pair of agents and the moments of up to 32
consecutive groups of samples, from which α of every pair and its error bars follow
(:mod:`powerplay.stats.alignment`), and, for every run, the per-state POWER means of up to
64 consecutive groups of samples, from which any statistic gets a (paired) standard error
(:mod:`powerplay.stats.groups`). Its size does not grow with the number of samples (it
grows with the number of agents: ``n`` POWER vectors and ``n (n - 1) / 2`` cross products).

Variable names
--------------
``power_{key}`` (``[S]``) for each POWER key (agent names such as ``H``, ``A``, ``B``, and
diagnostics such as ``H_against_seed``, ``A_seed``: :mod:`powerplay.stats.keys`);
``reward_{agent}`` (``[S]``) for each agent's rewards; ``state_mean_{key}`` (scalar) for a
POWER sample's mean over states. Pairs: ``(power_X, power_Y)`` for every pair of agents in
agent order, then ``(state_mean_X, state_mean_Y)`` likewise -- for H and A exactly the
variables and pairs two-agent runs have always had, so their ``summary.npz`` is unchanged.

Examples
--------
>>> rng = np.random.default_rng(0)
>>> summary = RunSummary.of_samples({'H': rng.random((100, 3))}, {'H': rng.random((100, 3))})
>>> summary.num_samples, summary.power_mean('H').shape, summary.alignment() is None
(100, (3,), True)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ModelError, UnknownLabelError
from .alignment import AlignmentStatistics, alignment_from_moments, alignment_layout, leave_one_out_merges
from .groups import SampleGroups
from .keys import PAIR_KEYS, agents_of, is_agent_name, order_power_keys, pair_tags, pairs_of
from .moments import Layout, Moments
from .tree import TreeReducer, reduced

#: The POWER keys of a two-agent diagnostic run, in column order (any agent names are
#: POWER keys now: :mod:`powerplay.stats.keys`).
POWER_KEYS = PAIR_KEYS

#: Variables kept per group of a two-agent run, for α_HA's error bars.
GROUP_VARIABLES = alignment_layout(1).names


def _agents(power_keys, agents=None) -> tuple[str, ...]:
    """The agents among ``power_keys`` (in the order of ``agents`` if given)."""
    keys = set(power_keys)
    if agents is None:
        return agents_of(power_keys)
    return tuple(a for a in agents if a in keys)


def kept_groups(power_keys, agents=None) -> tuple[str, ...] | None:
    """The variables a run keeps per group: every agent's POWER and state mean, for runs of two
    or more agents (α's error bars; else none)."""
    names = _agents(power_keys, agents)
    if len(names) < 2:
        return None
    return tuple(power_variable(a) for a in names) + tuple(state_mean_variable(a) for a in names)


def kept_group_means(power_keys, agents=None) -> tuple[str, ...]:
    """The variables whose per-group means a run keeps: every POWER key's (paired errors)."""
    return tuple(power_variable(k) for k in order_power_keys(power_keys, agents))


def power_variable(key: str) -> str:
    return f"power_{key}"


def reward_variable(agent: str) -> str:
    return f"reward_{agent}"


def state_mean_variable(key: str) -> str:
    return f"state_mean_{key}"


def run_layout(num_states: int, power_keys, reward_agents, agents=None) -> Layout:
    """The variables a run with these POWER keys and reward agents tracks (module notes).

    Parameters
    ----------
    num_states : int
    power_keys : iterable of str
        Agent names and diagnostics (:mod:`powerplay.stats.keys`).
    reward_agents : iterable of str
        The agents whose rewards are drawn.
    agents : sequence of str, optional
        The run's agents in learning order, which orders the keys and the pairs (default:
        :func:`~powerplay.stats.keys.agents_of` the keys: H and A first, then the others as given).

    Raises
    ------
    UnknownLabelError
        For a key that is not an agent name or a diagnostic of one.
    """
    power_keys = order_power_keys(power_keys, agents)
    vectors = tuple(power_variable(k) for k in power_keys) + tuple(reward_variable(a) for a in reward_agents)
    scalars = tuple((state_mean_variable(k), power_variable(k)) for k in power_keys)
    pairs = pairs_of(_agents(power_keys, agents))
    cross = tuple((power_variable(x), power_variable(y)) for x, y in pairs)
    cross += tuple((state_mean_variable(x), state_mean_variable(y)) for x, y in pairs)
    return Layout(vectors, num_states, scalars, cross)


@dataclass(frozen=True)
class RunSummary:
    """The streamed statistics of one run.

    Attributes
    ----------
    total : Moments
        Moments of all the run's samples (a batch of one).
    groups : tuple of Moments
        Moments of consecutive groups of samples (every agent's POWER and state mean, and
        their pairs); empty for one-agent runs.
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
        """The POWER keys, in column order (agents in learning order, then diagnostics)."""
        prefix = power_variable("")
        return tuple(v[len(prefix) :] for v in self.total.layout.vectors if v.startswith(prefix))

    @property
    def agents(self) -> tuple[str, ...]:
        """The agents whose POWER the run has (not diagnostics), in learning order."""
        return tuple(k for k in self.power_keys if is_agent_name(k))

    @property
    def pairs(self) -> tuple[tuple[str, str], ...]:
        """The pairs of agents whose α the run has (every pair of :attr:`agents`, in agent order)."""
        tracked = set(self.total.layout.pairs)
        return tuple(p for p in pairs_of(self.agents) if tuple(power_variable(a) for a in p) in tracked)

    @property
    def reward_agents(self) -> tuple[str, ...]:
        prefix = reward_variable("")
        return tuple(v[len(prefix) :] for v in self.total.layout.vectors if v.startswith(prefix))

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

    def pair(self, pair: tuple[str, str] | None = None) -> tuple[str, str] | None:
        """``pair`` checked against the run's pairs (either order); by default the first pair
        (``('H', 'A')`` for two agents); None for a run of one agent.

        Raises
        ------
        UnknownLabelError
            For a pair of agents the run does not have.
        """
        pairs = self.pairs
        if pair is None:
            return pairs[0] if pairs else None
        if len(pair) != 2:
            raise UnknownLabelError(f"α needs a pair of agents, got {list(pair)}")
        x, y = str(pair[0]), str(pair[1])
        if (x, y) in pairs or (y, x) in pairs:
            return (x, y)
        shown = ", ".join(f"{a}{b}" for a, b in pairs) or "none: it has the POWER of one agent"
        raise UnknownLabelError(f"this run has no α of agents {x} and {y} (its pairs: {shown})")

    def alignment(self, pair: tuple[str, str] | None = None) -> AlignmentStatistics | None:
        """α statistics of a pair of agents (default the first pair: α_HA for two agents);
        ``None`` for runs of one agent.

        Raises
        ------
        UnknownLabelError
            For a pair of agents the run does not have.
        """
        chosen = self.pair(pair)
        if chosen is None:
            return None
        known = self._alignments.get(chosen)
        return known if known is not None else alignment_from_moments(self.total, list(self.groups), chosen)

    def alignments(self) -> dict[tuple[str, str], AlignmentStatistics]:
        """α statistics of every pair of agents, in agent order (empty for one agent).

        The same numbers as :meth:`alignment` of each pair; the groups' leave-one-out merges
        are shared between the pairs, and the results kept (a summary does not change).
        """
        return dict(self._alignments)

    @cached_property
    def _alignments(self) -> dict[tuple[str, str], AlignmentStatistics]:
        pairs = self.pairs
        if not pairs:
            return {}
        groups = list(self.groups)
        if len(pairs) == 1 or len(groups) < 2:
            return {p: alignment_from_moments(self.total, groups, p) for p in pairs}
        merged = leave_one_out_merges(groups)
        return {p: alignment_from_moments(self.total, groups, p, left_out=merged) for p in pairs}

    def pair_tags(self) -> dict[tuple[str, str], str]:
        """``{pair: tag}`` naming α of each pair (``'HA'``: :func:`~powerplay.stats.keys.pair_tags`)."""
        return pair_tags(self.agents)

    # -- building ---------------------------------------------------------------------

    @classmethod
    def of_samples(
        cls,
        power: dict[str, np.ndarray],
        rewards: dict[str, np.ndarray] | None = None,
        agents: tuple[str, ...] | None = None,
    ) -> RunSummary:
        """The summary of samples held in memory (e.g. a run folder written before summaries).

        Uses the same merge tree and groups as a streamed run, so the numbers are identical.

        Parameters
        ----------
        power : dict
            POWER key -> ``[N, S]`` samples (agent names and diagnostics).
        rewards : dict, optional
            Agent -> ``[N, S]`` reward samples.
        agents : tuple of str, optional
            The agents in learning order (default: H and A first, then the others as given).
        """
        rewards = rewards or {}
        first = next(iter(power.values()))
        _n, num_states = np.shape(first)
        layout = run_layout(num_states, power, rewards, agents)
        arrays = {power_variable(k): v for k, v in power.items()}
        arrays.update({reward_variable(a): v for a, v in rewards.items()})
        reducer = reduced(
            Moments.leaves(layout, arrays),
            keep_groups=kept_groups(power, agents),
            keep_group_means=kept_group_means(power, agents),
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
            or not set(paired.keys) <= {v[len("power_") :] for v in total.layout.vectors if v.startswith("power_")}
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
        """The POWER keys this run computed: every learning agent's name (``'H'``, ``'A'``, ...)
        and, in diagnostic mode, their diagnostics (``'H_against_seed'``, ``'A_seed'``, ...)."""
        return self.summary.power_keys

    @property
    def agents(self) -> tuple[str, ...]:
        """The agents whose POWER the run computed, in learning order."""
        return self.summary.agents

    @property
    def pairs(self) -> tuple[tuple[str, str], ...]:
        """Every pair of :attr:`agents` (in agent order): the pairs whose α the run has."""
        return self.summary.pairs

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

    def alignment(self, pair: tuple[str, str] | None = None) -> AlignmentStatistics | None:
        """α of a pair of agents (default the first: α_HA for two agents), its attenuation
        correction, reliabilities and intervals; ``None`` for runs of one agent.

        Raises
        ------
        UnknownLabelError
            For a pair of agents the run does not have.
        """
        return self.summary.alignment(pair)

    def alignments(self) -> dict[tuple[str, str], AlignmentStatistics]:
        """α of every pair of agents, in agent order (empty for one agent)."""
        return self.summary.alignments()

    def to_dataframe(self):
        """A tidy :class:`pandas.DataFrame`: one row per state and POWER key.

        Columns ``state``, ``agent`` (the POWER key: an agent's name such as ``H``, ``A``,
        ``B``, or a diagnostic such as ``H_against_seed``, ``A_seed``), ``power_mean``, ``power_sem``, ``power_variance`` and ``num_samples``.
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
