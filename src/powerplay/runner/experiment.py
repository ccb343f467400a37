"""One run: draw reward samples, solve them chunk by chunk, stream them into statistics.

An :class:`Experiment` holds everything a run needs.
:func:`~powerplay.runner.executors.run_experiment` executes it and returns a :class:`RunResult`: per-state means and standard errors of every agent's POWER,
α_HA with its noise correction (two agents), convergence statistics and timing -- and the
per-sample POWER arrays only if asked (``keep_samples``), so memory does not grow with the
number of samples.

The pieces the sweep runner and the executors (:mod:`powerplay.runner.executors`,
:mod:`powerplay.runner.distributed`) build on:

* :meth:`Experiment.problem` -- the reward-independent, picklable solver object;
* :func:`solve_chunk` -- samples ``start:stop`` of a run, solved and reduced to nodes of
  the run's fixed merge tree (:mod:`powerplay.stats.tree`), reproducible on their own;
* :class:`RunAccumulator` -- merges chunk results, in any order, into a :class:`RunResult`.

Because reward samples come from :class:`~powerplay.model.rewards.RewardStream`, every
sample is solved independently, and statistics are merged along a tree fixed by the sample
count, a run's numbers depend only on the experiment and its seed -- never on the chunk
size, the number of threads or workers, or the order in which chunks finish.

Examples
--------
>>> from powerplay.model.environments import load_mdp
>>> from powerplay.model.rewards import RewardDistribution
>>> uniform = RewardDistribution.from_config({'default_dist': {'dist_name': 'uniform', 'params': [0, 1]}})
>>> exp = Experiment('single_agent', load_mdp('3x3_gridworld'), 0.6, uniform, num_reward_samples=2000, random_seed=0)
>>> from powerplay.runner.executors import run_experiment
>>> result = run_experiment(exp)
>>> mean, sem = result.power_mean('H'), result.power_sem('H')
>>> bool(mean[4] > mean[0])   # the centre of the grid has more POWER than a corner
True
>>> result.samples_kept       # 2,000 x 9 samples are small, so they are kept (see keep_samples)
True
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from typing import Protocol as TypingProtocol

import numpy as np

from ..errors import ConvergenceWarning, ModelError, ResourceLimitError, SamplesNotKeptError
from ..model.agent_models import agent_model_spec
from ..model.mdp import MDP, JointMDP
from ..model.policy import Policy
from ..model.rewards import RewardDistribution, RewardStream, block_size
from ..scenario import PROTOCOLS, Protocol, Scenario, protocol_named
from ..scenario.protocols import check_joint
from ..scenario.record import pair_scenario
from ..solvers.kernels import LANES
from ..solvers.values import Convergence, SolverSettings
from ..stats.moments import Layout, Moments
from ..stats.rounds import RoundsTotals
from ..stats.summary import (
    RunStatistics,
    RunSummary,
    kept_group_means,
    kept_groups,
    power_variable,
    reward_variable,
    run_layout,
)
from ..stats.tree import Node, TreeReducer, reduce_chunk

#: The experiment types' names (:data:`~powerplay.scenario.PROTOCOLS`).
EXPERIMENT_KINDS: tuple[str, ...] = tuple(PROTOCOLS)

#: Rough memory budget (bytes) for one chunk's working arrays; sets the default chunk size.
CHUNK_MEMORY_BUDGET = 128 * 2**20

#: Measured working memory per sample and state while a chunk is solved and reduced (solver
#: arrays, rewards, moments), per agent whose rewards are drawn: 104 bytes for one agent,
#: 208 for two (see :meth:`Experiment.memory_estimate`).
BYTES_PER_SAMPLE_STATE_PER_AGENT = 104

#: Measured peak memory of building an MDP and its solver structures, per stored transition.
BYTES_PER_TRANSITION = 200

#: Memory of the interpreter with powerplay imported.
BASE_BYTES = 200 * 2**20

#: Per-sample POWER arrays are kept automatically when all of them together are at most this
#: many bytes (``keep_samples=None``); above it, only their statistics are kept.
AUTO_KEEP_SAMPLES_BYTES = 64 * 2**20


@dataclass(frozen=True)
class Experiment:
    """Everything one run needs: its :class:`~powerplay.scenario.Scenario` and the objects it names.

    The positional arguments are the reference's (two agents at most: H, and A); ``scenario``
    and ``policies`` add what they cannot say -- the agents' names, agents beyond the second,
    and the config values the environment and policies came from.
    :func:`~powerplay.runner.build.build_experiment` builds experiments from run configs
    (:meth:`from_scenario`). The arguments always win: :attr:`scenario` is the given one
    (or one described from the arguments) with the arguments' numbers, so
    ``dataclasses.replace(experiment, num_reward_samples=64)`` changes both.

    Parameters
    ----------
    kind : {'single_agent', 'multiagent_fixed_policy', 'multiagent_with_reward'}
        The experiment type (:data:`~powerplay.scenario.PROTOCOLS`).
    mdp : MDP or JointMDP
        Single-agent MDP, or the joint MDP of the multi-agent kinds.
    discount_rate : float in [0, 1)
        The first agent's discount rate (Agent H's; the only agent's, for ``single_agent``).
    reward_distribution : RewardDistribution
        The reward distribution (every agent's rewards have its marginals).
    num_reward_samples : int
    random_seed : int
    policy_A : Policy, optional
        The second agent's fixed policy (``multiagent_fixed_policy``) or seed policy
        (``multiagent_with_reward``): Agent A's.
    discount_rate_agent_A : float, optional
        The second agent's discount rate (``multiagent_with_reward``).
    reward_correlation : float in [-1, 1], optional
        Correlation of the second agent's rewards with the first's (``multiagent_with_reward``).
    diagnostic : bool
        Also compute the diagnostic POWERs (``multiagent_with_reward``).
    settings : SolverSettings
    reward_scope : {'joint_state', 'own_cell'}
        Rewards per joint state, or one per cell per agent, each agent getting its own
        cell's reward (joint gridworlds; :mod:`powerplay.model.rewards`).
    scenario : Scenario, optional
        The run's description (agent names, agents beyond the second, config values).
    policies : mapping, optional
        Agent -> its seed or fixed policy, for every agent after the first (``policy_A`` is the
        second agent's).
    agent_models : mapping, optional
        Agent -> its model (:class:`~powerplay.model.agent_models.AgentModel` or config value,
        e.g. ``{'H': pp.Boltzmann(beta=5)}``); the scenario's (default optimal) for agents left out.
    """

    kind: str
    mdp: MDP | JointMDP
    discount_rate: float
    reward_distribution: RewardDistribution
    num_reward_samples: int
    random_seed: int
    policy_A: Policy | None = None
    discount_rate_agent_A: float | None = None
    reward_correlation: float | None = None
    diagnostic: bool = False
    settings: SolverSettings = field(default_factory=SolverSettings)
    reward_scope: str = "joint_state"
    scenario: Scenario = field(default=None, compare=False)  # type: ignore[assignment]  # set in __post_init__
    policies: Mapping[str, Policy] = field(default_factory=dict, compare=False)
    agent_models: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        protocol = protocol_named(self.kind)  # helpful error for an unknown name
        if not isinstance(self.num_reward_samples, (int, np.integer)) or self.num_reward_samples < 1:
            raise ModelError(f"num_reward_samples must be a positive integer, got {self.num_reward_samples!r}")
        check_joint(protocol, self.mdp, repr(self.mdp.name))
        if protocol.joint and self.policy_A is None:
            raise ModelError(f"experiment type {self.kind!r} needs an Agent A policy")
        if self.reward_scope != "joint_state" and not protocol.joint:
            raise ModelError(f"reward_scope {self.reward_scope!r} needs a joint MDP; single-agent runs reward states")
        if protocol.others_learn:
            if self.discount_rate_agent_A is None:
                raise ModelError(f"{self.kind} needs discount_rate_agent_A")
            if self.reward_correlation is None:
                raise ModelError(f"{self.kind} needs reward_correlation")
        scenario = self._described(protocol)
        policies = dict(self.policies)
        if len(scenario.agents) > 1 and self.policy_A is not None:
            policies[scenario.agents[1].name] = self.policy_A
        missing = [a.name for a in scenario.agents[1:] if a.name not in policies]
        if missing:
            raise ModelError(f"experiment type {self.kind!r} needs Agent {missing[0]}'s policy")
        if isinstance(self.mdp, JointMDP) and self.mdp.agents != scenario.agent_names:
            raise ModelError(
                f"joint MDP {self.mdp.name!r} has the agents {', '.join(self.mdp.agents)}, but the experiment's are "
                f"{', '.join(scenario.agent_names)} (give a scenario listing them: Experiment.from_scenario)"
            )
        object.__setattr__(self, "scenario", scenario)
        object.__setattr__(self, "policies", policies)

    def _described(self, protocol) -> Scenario:
        """The scenario, given or described from the arguments, with the arguments' numbers."""
        base = self.scenario
        if base is None:
            # Described by the objects' names (a scenario built here names no config value).
            policy = (self.policy_A.name or None) if self.policy_A is not None else None
            base = pair_scenario(
                protocol,
                {"joint_mdp_graph" if protocol.joint else "mdp_graph": self.mdp.name or "unnamed MDP"},
                self.discount_rate,
                self.reward_distribution.config(),
                int(self.num_reward_samples),
                self.random_seed,
                policy=policy,
                discount_rate_agent_A=self.discount_rate_agent_A,
                reward_correlation=self.reward_correlation,
            )
        elif base.protocol != protocol:
            raise ModelError(f"experiment type {self.kind!r} is not the scenario's {base.experiment_type!r}")
        agents = list(base.agents)
        agents[0] = replace(agents[0], discount_rate=self.discount_rate)
        if protocol.others_learn:
            agents[1] = replace(
                agents[1], discount_rate=self.discount_rate_agent_A, reward_correlation=self.reward_correlation
            )
        names = [agent.name for agent in agents]
        for name, model in self.agent_models.items():
            if name not in names:
                raise ModelError(
                    f"agent model for {name!r}, which is not one of the agents {names}", f"agent_model_agent_{name}"
                )
            position = names.index(name)
            agents[position] = replace(agents[position], agent_model=agent_model_spec(model))
        described = base.reward_distribution
        if RewardDistribution.from_config(described).config() != self.reward_distribution.config():
            described = self.reward_distribution.config()
        return replace(
            base,
            agents=tuple(agents),
            reward_distribution=described,
            reward_scope=self.reward_scope,
            num_reward_samples=int(self.num_reward_samples),
            random_seed=self.random_seed,
            convergence_threshold=self.settings.tolerance,
        )

    @classmethod
    def from_scenario(
        cls,
        scenario: Scenario,
        mdp: MDP | JointMDP,
        reward_distribution: RewardDistribution,
        policies: Mapping[str, Policy],
        settings: SolverSettings,
        diagnostic: bool = False,
    ) -> Experiment:
        """The experiment of a scenario and the objects it names (its MDP, the policies of the
        agents after the first, its reward distribution)."""
        agents = scenario.agents
        second = agents[1] if len(agents) > 1 else None
        chain = scenario.protocol.others_learn
        if scenario.random_seed is None:
            raise ModelError("a run needs a concrete random_seed", field="random_seed")
        return cls(
            scenario.experiment_type,
            mdp,
            agents[0].discount_rate,  # type: ignore[arg-type]  # the first agent learns
            reward_distribution,
            scenario.num_reward_samples,
            scenario.random_seed,
            policy_A=policies.get(second.name) if second is not None else None,
            discount_rate_agent_A=second.discount_rate if chain and second is not None else None,
            reward_correlation=second.reward_correlation if chain and second is not None else None,
            diagnostic=bool(diagnostic and scenario.protocol.has_diagnostics),
            settings=settings,
            reward_scope=scenario.reward_scope,
            scenario=scenario,
            policies=policies,
        )

    @property
    def protocol(self) -> Protocol:
        """The experiment type (:mod:`powerplay.scenario.protocols`)."""
        return self.scenario.protocol

    @property
    def agents(self) -> tuple[str, ...]:
        """The agents whose rewards are drawn, in learning order."""
        return self.scenario.reward_agents

    @property
    def power_keys(self) -> tuple[str, ...]:
        """The POWER sample keys this run produces."""
        return self.scenario.power_keys(self.diagnostic)

    @property
    def states(self) -> tuple[str, ...]:
        return self.mdp.states

    def layout(self) -> Layout:
        """The statistics a run streams (:func:`powerplay.stats.summary.run_layout`)."""
        return run_layout(len(self.states), self.power_keys, self.agents, self.scenario.power_agents)

    def problem(self):
        """The solver object for this run (independent of the reward samples; :meth:`Protocol.problem
        <powerplay.scenario.protocols.Protocol.problem>`)."""
        return self.protocol.problem(self)

    def reward_stream(self) -> RewardStream:
        """The run's reproducible reward samples (every reward agent's: :meth:`Scenario.reward_stream
        <powerplay.scenario.Scenario.reward_stream>`)."""
        return self.scenario.reward_stream(self.states, self.reward_distribution)

    def sample_bytes(self) -> int:
        """Bytes of all the run's per-sample POWER arrays (what ``keep_samples`` stores, uncompressed)."""
        return 8 * int(self.num_reward_samples) * len(self.states) * len(self.power_keys)

    def keeps_samples(self, keep_samples: bool | None) -> bool:
        """Whether a run with this ``keep_samples`` setting keeps its per-sample arrays.

        ``None`` (automatic) keeps them when they are at most :data:`AUTO_KEEP_SAMPLES_BYTES`.
        """
        return bool(keep_samples) if keep_samples is not None else self.sample_bytes() <= AUTO_KEEP_SAMPLES_BYTES

    def _per_sample_state(self) -> int:
        n = max(len(self.agents), 1)
        base = BYTES_PER_SAMPLE_STATE_PER_AGENT * n
        # Counter-optimisation rounds hold every agent's final and working policy and rewards (the
        # working copies compacted), the last agent's continuation, a re-training's policy,
        # continuation, values and the others' stacked masks, and the profile's words to hash.
        if self.scenario.rounds:
            base += 8 * (4 * n + 4)
        if all(agent.model.is_optimal for agent in self.scenario.agents):
            return base
        # Non-optimal agents' policies are probabilities per action: a stage's action values and
        # softmax temporaries, and every agent's policy stacked for the evaluations.
        shape = self.mdp.action_shape if isinstance(self.mdp, JointMDP) else (len(self.mdp.actions),)
        per_action = 6 + 2 * len(self.scenario.agents)
        if self.scenario.rounds:
            # Rounds hold such a policy final, working, as the profile's words and (diagnostics) the chain's.
            per_action += 4 * len(self.scenario.agents)
        return base + 8 * int(max(shape)) * per_action

    def default_chunk_size(self) -> int:
        """Samples per chunk so that one chunk's arrays stay within :data:`CHUNK_MEMORY_BUDGET`.

        Whole reward blocks when large (no block is drawn twice), whole multiples of the
        kernels' vector lanes when small.
        """
        per_sample = len(self.states) * self._per_sample_state()
        block = block_size(len(self.states))
        size = int(np.clip(CHUNK_MEMORY_BUDGET // per_sample, LANES, 4 * block))
        return size - size % block if size >= block else size - size % LANES

    def memory_estimate(self, chunk_size: int | None = None) -> int:
        """Peak memory (bytes) of computing this run in one process with chunks of ``chunk_size``.

        ``BASE_BYTES + BYTES_PER_TRANSITION × transitions + chunk × states × bytes per
        sample-state`` with constants measured on gridworlds (an estimate, erring high).
        Memory does not grow with the number of samples, only with the chunk size.
        """
        chunk = min(chunk_size or self.default_chunk_size(), int(self.num_reward_samples))
        if self.scenario.protocol.others_learn and len(self.agents) > 2:
            # Three or more agents: the learning chain's stages counted array by array (their
            # dense joint-action lookups grow with the agents), plus the runner's own arrays.
            from ..solvers.power import learning_chain_memory  # (the solvers load numba)

            assert isinstance(self.mdp, JointMDP)  # the protocol runs on one
            chain = learning_chain_memory(self.mdp, self.scenario.agent_names, self.diagnostic)
            threads = os.cpu_count() or 1
            return int(
                BASE_BYTES
                + chain.total(chunk, len(self.states), threads)
                + chunk * len(self.states) * self._per_sample_state()
            )
        transitions = int(self.mdp.transitions.nnz)
        return int(
            BASE_BYTES + BYTES_PER_TRANSITION * transitions + chunk * len(self.states) * self._per_sample_state()
        )

    def check_memory(self, chunk_size: int | None = None, available: int | None = None) -> None:
        """Refuse, before anything runs, a run that would not fit in memory.

        Raises
        ------
        ResourceLimitError
            Stating the estimate, what is available and what to change.
        """
        if available is None:
            import psutil

            available = int(psutil.virtual_memory().available)
        estimate = self.memory_estimate(chunk_size)
        if estimate <= 0.9 * available:
            return
        smallest = self.memory_estimate(LANES)
        advice = (
            f"use smaller chunks (chunk_size, at least {LANES}: about {_gib(smallest)})"
            if smallest <= 0.9 * available
            else "it does not fit even in the smallest chunks: use a machine with more memory or a smaller MDP"
        )
        raise ResourceLimitError(
            f"a run of {self.mdp.name or 'this MDP'} ({len(self.states):,} states, {self.mdp.transitions.nnz:,} transitions) "
            f"needs about {_gib(estimate)} of memory but {_gib(available)} is available; {advice}",
            what="memory",
            estimate=estimate,
            limit=available,
            unit="bytes",
        )

    def chunks(self, chunk_size: int | None = None) -> list[tuple[int, int]]:
        """``(start, stop)`` sample ranges covering the run."""
        size = chunk_size or self.default_chunk_size()
        if size < 1:
            raise ModelError(f"chunk size must be positive, got {size}")
        n = int(self.num_reward_samples)
        return [(start, min(start + size, n)) for start in range(0, n, size)]


def _gib(n: float) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


# --------------------------------------------------------------------------------------
# Chunks


@dataclass(frozen=True)
class ConvergenceTotals:
    """Convergence of one solver stage over some samples, in a form that merges exactly.

    Attributes
    ----------
    samples : int
    iterations_sum, iterations_max : int
    bound_max : float
        Largest certified POWER error bound.
    samples_capped : int
        Samples that stopped at the iteration cap.
    """

    samples: int
    iterations_sum: int
    iterations_max: int
    bound_max: float
    samples_capped: int

    @classmethod
    def of(cls, conv: Convergence) -> ConvergenceTotals:
        n = int(conv.iterations.size)
        return cls(
            n,
            int(conv.iterations.sum()),
            int(conv.iterations.max()) if n else 0,
            float(conv.bound.max()) if n else 0.0,
            int(conv.capped.sum()),
        )

    def merge(self, other: ConvergenceTotals) -> ConvergenceTotals:
        # Integer sums and maxima: exact in any order.
        return ConvergenceTotals(
            self.samples + other.samples,
            self.iterations_sum + other.iterations_sum,
            max(self.iterations_max, other.iterations_max),
            max(self.bound_max, other.bound_max),
            self.samples_capped + other.samples_capped,
        )

    def summary(self) -> dict[str, float]:
        """The ``run.json`` form: ``iterations_mean``, ``iterations_max``, ``bound_max``, ``samples_capped``."""
        return {
            "iterations_mean": self.iterations_sum / self.samples if self.samples else 0.0,
            "iterations_max": self.iterations_max,
            "bound_max": self.bound_max,
            "samples_capped": self.samples_capped,
        }


@dataclass
class ChunkResult:
    """Samples ``start:stop`` of a run, solved and reduced.

    Attributes
    ----------
    start, stop : int
    nodes : list of Node
        The chunk's maximal nodes of the run's merge tree (:func:`powerplay.stats.tree.reduce_chunk`).
    convergence : dict
        Solver stage -> :class:`ConvergenceTotals`.
    samples : dict or None
        POWER key -> ``[stop - start, S]`` samples, only when the run keeps them.
    seconds : float
        Time spent computing the chunk.
    worker : str
        Where it was computed (``'local'`` or a Dask worker's address).
    rounds : RoundsTotals or None
        How the chunk's counter-optimisation rounds ended (runs with ``rounds > 0``).
    """

    start: int
    stop: int
    nodes: list[Node]
    convergence: dict[str, ConvergenceTotals]
    samples: dict[str, np.ndarray] | None = None
    seconds: float = 0.0
    worker: str = "local"
    rounds: RoundsTotals | None = None

    @property
    def nbytes(self) -> int:
        """Bytes of the chunk's arrays (what a worker sends back)."""
        total = 0
        for node in self.nodes:
            m = node.moments
            total += sum(a.nbytes for a in (*m.means, *m.m2s, *m.crosses)) + m.exponent.nbytes
        return total + sum(a.nbytes for a in (self.samples or {}).values())


def solve_chunk(
    problem, stream: RewardStream, layout: Layout, num_samples: int, start: int, stop: int, keep_samples: bool = False
) -> ChunkResult:
    """Compute samples ``start:stop`` of a run and reduce them to merge-tree nodes.

    Pure: the same inputs give the same numbers, on any machine, any number of times.

    Parameters
    ----------
    problem : SingleAgentProblem or LearningChainProblem
    stream : RewardStream
        The run's reward samples.
    layout : Layout
        The run's statistics (:meth:`Experiment.layout`).
    num_samples : int
        The run's total sample count (it fixes the merge tree).
    start, stop : int
    keep_samples : bool
        Also return the POWER samples themselves.
    """
    started = time.perf_counter()
    rewards = stream.rewards_by_agent(start, stop)
    with warnings.catch_warnings():
        # Reported once per run from the merged totals (RunAccumulator.result), wherever the
        # chunk ran: a Dask worker's warnings would not reach the user, and local runs would
        # say it once per chunk.
        warnings.simplefilter("ignore", ConvergenceWarning)
        batch = problem.solve(rewards)
    arrays = {power_variable(k): v for k, v in batch.power.items()}
    arrays.update({reward_variable(agent): r for agent, r in rewards.items()})
    nodes = reduce_chunk(Moments.leaves(layout, arrays), start, num_samples)
    convergence = {stage: ConvergenceTotals.of(conv) for stage, conv in batch.convergence.items()}
    samples = dict(batch.power) if keep_samples else None
    rounds = RoundsTotals.of(batch.rounds) if getattr(batch, "rounds", None) is not None else None
    return ChunkResult(start, stop, nodes, convergence, samples, time.perf_counter() - started, rounds=rounds)


# --------------------------------------------------------------------------------------
# Runs


class SampleSink(TypingProtocol):
    """Where a run's kept POWER samples go, chunk by chunk (in memory, or a file being written)."""

    def write(self, key: str, start: int, samples: np.ndarray) -> None: ...  # pragma: no cover

    def close(self) -> Path | None:
        """Finish (all chunks written); return the file written, if any."""

    def discard(self) -> None:
        """Give up (the run failed or was interrupted)."""


class MemorySink:
    """Keeps samples in preallocated ``[N, S]`` arrays."""

    def __init__(self, keys, num_samples: int, num_states: int):
        self.arrays = {k: np.empty((num_samples, num_states)) for k in keys}

    def write(self, key: str, start: int, samples: np.ndarray) -> None:
        self.arrays[key][start : start + len(samples)] = samples

    def close(self) -> None:
        return None

    def discard(self) -> None:
        self.arrays = {}


@dataclass
class RunResult(RunStatistics):
    """The outputs of one run.

    Attributes
    ----------
    states : tuple of str
    summary : RunSummary
        Streamed statistics: per-state means, standard errors, variances, α_HA inputs.
    convergence : dict
        Solver stage -> :class:`ConvergenceTotals` over all samples.
    seconds : float
        Wall-clock time of the computation.
    random_seed : int
    samples : dict or None
        POWER key -> ``[N, S]`` samples, if they were kept in memory (see :attr:`power`).
    samples_file : Path or None
        Where they were written instead, if they were streamed to a file.
    experiment : Experiment or None
        What was run (for :attr:`rewards`).
    rounds : RoundsTotals or None
        How the counter-optimisation rounds ended over all samples (runs with ``rounds > 0``).
    """

    states: tuple[str, ...]
    summary: RunSummary
    convergence: dict[str, ConvergenceTotals]
    seconds: float
    random_seed: int
    samples: dict[str, np.ndarray] | None = field(default=None, repr=False)
    samples_file: Path | None = None
    experiment: Experiment | None = field(default=None, repr=False)
    rounds: RoundsTotals | None = None
    _fingerprint: str | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def samples_kept(self) -> bool:
        return self.samples is not None or self.samples_file is not None

    @property
    def reward_fingerprint(self) -> str | None:
        """The fingerprint of the run's reward draws (drawn again from its experiment; cached)."""
        if self.experiment is None:
            return None
        if self._fingerprint is None:
            self._fingerprint = self.experiment.reward_stream().fingerprint()
        return self._fingerprint

    @property
    def power(self) -> dict[str, np.ndarray]:
        """POWER key -> ``[N, S]`` POWER samples.

        Raises
        ------
        SamplesNotKeptError
            If the run kept only statistics (run it with ``keep_samples=True``).
        """
        if self.samples is None:
            raise SamplesNotKeptError(
                "this run kept only the statistics of its POWER samples, not the samples; "
                "run it again with keep_samples=True to keep them"
            )
        return self.samples

    @property
    def rewards(self) -> dict[str, np.ndarray]:
        """Agent -> ``[N, S]`` reward samples, drawn again from the run's seeded stream."""
        if self.experiment is None:
            raise SamplesNotKeptError("this result does not know its experiment, so its rewards cannot be drawn again")
        return self.experiment.reward_stream().rewards_by_agent(0, self.num_samples)

    def convergence_summary(self) -> dict[str, dict[str, float]]:
        return {stage: totals.summary() for stage, totals in self.convergence.items()}

    def rounds_summary(self) -> dict[str, Any] | None:
        """``run.json``'s ``rounds`` record (:meth:`RoundsTotals.summary`), None for a run without rounds."""
        return self.rounds.summary() if self.rounds is not None else None


class RunAccumulator:
    """Collects the chunk results of one run (in any order) into a :class:`RunResult`.

    Parameters
    ----------
    experiment : Experiment
    sink : SampleSink, optional
        Where kept samples go (``None``: samples are not kept).
    """

    def __init__(self, experiment: Experiment, sink: SampleSink | None = None):
        self.experiment = experiment
        self.sink = sink
        self.reducer = TreeReducer(
            experiment.num_reward_samples,
            keep_groups=kept_groups(experiment.power_keys, experiment.scenario.power_agents),
            keep_group_means=kept_group_means(experiment.power_keys, experiment.scenario.power_agents),
        )
        self.convergence: dict[str, ConvergenceTotals] = {}
        self.rounds: RoundsTotals | None = None
        self.started = time.perf_counter()

    @property
    def samples_done(self) -> int:
        return self.reducer.samples_done

    @property
    def complete(self) -> bool:
        return self.reducer.complete

    def add(self, chunk: ChunkResult) -> None:
        for node in chunk.nodes:
            self.reducer.add(node)
        for stage, totals in chunk.convergence.items():
            self.convergence[stage] = totals if stage not in self.convergence else self.convergence[stage].merge(totals)
        if chunk.rounds is not None:
            self.rounds = chunk.rounds if self.rounds is None else self.rounds.merge(chunk.rounds)
        if self.sink is not None:
            if chunk.samples is None:
                raise ModelError("a chunk came back without the samples its run keeps")
            for key, array in chunk.samples.items():
                self.sink.write(key, chunk.start, array)

    def result(self) -> RunResult:
        """The finished run (all samples added)."""
        summary = RunSummary.of_reducer(self.reducer)
        samples, samples_file = None, None
        if self.sink is not None:
            samples_file = self.sink.close()
            samples = getattr(self.sink, "arrays", None)
        # Stages come back in solver order from every chunk; sort for a stable record.
        convergence = {stage: self.convergence[stage] for stage in sorted(self.convergence)}
        for stage, totals in convergence.items():
            if totals.samples_capped:  # capped samples stopped at the cap: their iteration count is it
                warnings.warn(
                    ConvergenceWarning(stage, totals.samples_capped, totals.iterations_max, totals.bound_max),
                    stacklevel=2,
                )
        return RunResult(
            states=tuple(self.experiment.states),
            summary=summary,
            convergence=convergence,
            seconds=time.perf_counter() - self.started,
            random_seed=self.experiment.random_seed,
            samples=samples,
            samples_file=samples_file,
            experiment=self.experiment,
            rounds=self.rounds,
        )


__all__ = [
    "AUTO_KEEP_SAMPLES_BYTES",
    "EXPERIMENT_KINDS",
    "ChunkResult",
    "ConvergenceTotals",
    "Experiment",
    "MemorySink",
    "RunAccumulator",
    "RunResult",
    "SampleSink",
    "solve_chunk",
]
