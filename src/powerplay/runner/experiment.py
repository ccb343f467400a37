"""One run: draw reward samples, compute POWER samples chunk by chunk, summarise.

An :class:`Experiment` holds everything a run needs. :func:`run_experiment` executes it in
memory and returns a :class:`RunResult` (reward samples, POWER samples, per-state means and
standard errors, convergence statistics, timing). The sweep machinery, run folders and the
distributed scheduler build on the two pieces exposed here:

* :meth:`Experiment.problem` -- the reward-independent, picklable solver object;
* :func:`solve_chunk` -- samples ``start:stop`` of a run, reproducible on their own.

Because reward samples come from :class:`~powerplay.model.rewards.RewardStream` and every
sample is solved independently, the result of a run depends only on the experiment (and its
seed), never on the chunk size or the number of workers.

Examples
--------
>>> from powerplay.model.environments import load_mdp
>>> from powerplay.model.rewards import RewardDistribution
>>> uniform = RewardDistribution.from_config({'default_dist': {'dist_name': 'uniform', 'params': [0, 1]}})
>>> exp = Experiment('single_agent', load_mdp('3x3_gridworld'), 0.6, uniform, num_reward_samples=2000, random_seed=0)
>>> result = run_experiment(exp)
>>> mean, sem = result.power_mean('H'), result.power_sem('H')
>>> bool(mean[4] > mean[0])   # the centre of the grid has more POWER than a corner
True
"""

from __future__ import annotations

from ..errors import ModelError

import time
from dataclasses import dataclass, field
from typing import Callable, Literal

import numba
import numpy as np

from ..model.mdp import MDP, JointMDP
from ..model.policy import Policy
from ..model.rewards import BLOCK_SIZE, RewardDistribution, RewardStream
from ..solvers.power import POWER_A, POWER_H, MultiAgentProblem, SingleAgentProblem
from ..storage.runs import PowerSamples
from ..solvers.values import Convergence, SolverSettings

ExperimentKind = Literal["single_agent", "multiagent_fixed_policy", "multiagent_with_reward"]
EXPERIMENT_KINDS: tuple[str, ...] = ("single_agent", "multiagent_fixed_policy", "multiagent_with_reward")

#: Rough memory budget (bytes) for one chunk's working arrays; sets the default chunk size.
CHUNK_MEMORY_BUDGET = 256 * 2**20


@dataclass(frozen=True)
class Experiment:
    """Everything one run needs.

    Parameters
    ----------
    kind : {'single_agent', 'multiagent_fixed_policy', 'multiagent_with_reward'}
    mdp : MDP or JointMDP
        Single-agent MDP, or the joint MDP of the multi-agent kinds.
    discount_rate : float in [0, 1)
        Agent H's discount rate (the only agent's, for ``single_agent``).
    reward_distribution : RewardDistribution
        Agent H's reward distribution (Agent A's has the same marginals).
    num_reward_samples : int
    random_seed : int
    policy_A : Policy, optional
        Agent A's fixed policy (``multiagent_fixed_policy``) or seed policy
        (``multiagent_with_reward``).
    discount_rate_agent_A : float, optional
        Agent A's discount rate (``multiagent_with_reward``).
    reward_correlation : float in [-1, 1], optional
        Correlation of Agent A's rewards with Agent H's (``multiagent_with_reward``).
    diagnostic : bool
        Also compute the diagnostic POWERs (``multiagent_with_reward``).
    settings : SolverSettings
    """

    kind: ExperimentKind
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

    def __post_init__(self) -> None:
        if self.kind not in EXPERIMENT_KINDS:
            raise ModelError(f"unknown experiment type {self.kind!r}; expected one of {', '.join(EXPERIMENT_KINDS)}")
        if not isinstance(self.num_reward_samples, (int, np.integer)) or self.num_reward_samples < 1:
            raise ModelError(f"num_reward_samples must be a positive integer, got {self.num_reward_samples!r}")
        joint = isinstance(self.mdp, JointMDP)
        if (self.kind == "single_agent") == joint:
            raise ModelError(
                f"experiment type {self.kind!r} needs a {'single-agent' if self.kind == 'single_agent' else 'joint'} "
                f"MDP, but {self.mdp.name!r} is {'joint' if joint else 'single-agent'}"
            )
        if self.kind != "single_agent" and self.policy_A is None:
            raise ModelError(f"experiment type {self.kind!r} needs an Agent A policy")
        if self.kind == "multiagent_with_reward":
            if self.discount_rate_agent_A is None:
                raise ModelError("multiagent_with_reward needs discount_rate_agent_A")
            if self.reward_correlation is None:
                raise ModelError("multiagent_with_reward needs reward_correlation")

    @property
    def agents(self) -> tuple[str, ...]:
        return ("H", "A") if self.kind == "multiagent_with_reward" else ("H",)

    @property
    def states(self) -> tuple[str, ...]:
        return self.mdp.states

    def problem(self) -> SingleAgentProblem | MultiAgentProblem:
        """The solver object for this run (independent of the reward samples)."""
        if self.kind == "multiagent_with_reward":
            return MultiAgentProblem(
                self.mdp, self.policy_A, self.discount_rate, self.discount_rate_agent_A,
                diagnostic=self.diagnostic, settings=self.settings,
            )
        return SingleAgentProblem(self.mdp, self.discount_rate, policy_A=self.policy_A, settings=self.settings)

    def reward_stream(self) -> RewardStream:
        """The run's reproducible reward samples (Agent A's too when correlated rewards are used)."""
        sampler = self.reward_distribution.for_states(self.states)
        correlation = self.reward_correlation if self.kind == "multiagent_with_reward" else None
        return RewardStream(sampler, self.random_seed, correlation=correlation)

    def default_chunk_size(self) -> int:
        """Samples per chunk so that one chunk's arrays stay within :data:`CHUNK_MEMORY_BUDGET`.

        Rounded to whole reward blocks when large (no block is drawn twice) and to multiples
        of 64 when small (whole vector-lane groups for two threads).
        """
        per_sample = 8 * len(self.states) * (12 if self.kind == "multiagent_with_reward" else 6)
        size = int(np.clip(CHUNK_MEMORY_BUDGET // per_sample, 64, 4 * BLOCK_SIZE))
        return size - size % BLOCK_SIZE if size >= BLOCK_SIZE else size - size % 64

    def chunks(self, chunk_size: int | None = None) -> list[tuple[int, int]]:
        """``(start, stop)`` sample ranges covering the run."""
        size = chunk_size or self.default_chunk_size()
        if size < 1:
            raise ModelError(f"chunk size must be positive, got {size}")
        n = int(self.num_reward_samples)
        return [(start, min(start + size, n)) for start in range(0, n, size)]


@dataclass
class ChunkOutput:
    """Samples ``start:stop`` of a run: rewards and POWER samples by key, convergence by stage."""

    start: int
    stop: int
    rewards: dict[str, np.ndarray]
    power: dict[str, np.ndarray]
    convergence: dict[str, Convergence]


def solve_chunk(problem, stream: RewardStream, start: int, stop: int) -> ChunkOutput:
    """Compute samples ``start:stop`` of a run (pure: the same inputs give the same numbers)."""
    rewards_H, rewards_A = stream.rewards(start, stop)
    batch = problem.solve(rewards_H, rewards_A)
    rewards = {"H": rewards_H} if rewards_A is None else {"H": rewards_H, "A": rewards_A}
    return ChunkOutput(start, stop, rewards, batch.power, batch.convergence)


@dataclass
class RunResult(PowerSamples):
    """The outputs of one run.

    Attributes
    ----------
    states : tuple of str
    rewards : dict
        ``'H'`` (and ``'A'``) -> ``[N, S]`` reward samples.
    power : dict
        ``'H'``, ``'A'``, and in diagnostic mode ``'H_against_seed'``, ``'A_seed'`` ->
        ``[N, S]`` POWER samples.
    convergence : dict
        Solver stage -> :class:`~powerplay.solvers.values.Convergence` over all samples.
    seconds : float
        Wall-clock time of the computation.
    random_seed : int
    """

    states: tuple[str, ...]
    rewards: dict[str, np.ndarray]
    power: dict[str, np.ndarray]
    convergence: dict[str, Convergence]
    seconds: float
    random_seed: int

    def convergence_summary(self) -> dict[str, dict[str, float]]:
        return {stage: conv.summary() for stage, conv in self.convergence.items()}


def combine_chunks(states, chunks: list[ChunkOutput], seconds: float, random_seed: int) -> RunResult:
    """Assemble chunk outputs (in any order) into a :class:`RunResult`."""
    chunks = sorted(chunks, key=lambda c: c.start)
    first = chunks[0]

    def cat(getter):
        return np.concatenate([getter(c) for c in chunks], axis=0)

    convergence = {
        stage: Convergence(
            cat(lambda c: c.convergence[stage].iterations),
            cat(lambda c: c.convergence[stage].bound),
            cat(lambda c: c.convergence[stage].capped),
        )
        for stage in first.convergence
    }
    return RunResult(
        states=tuple(states),
        rewards={k: cat(lambda c, k=k: c.rewards[k]) for k in first.rewards},
        power={k: cat(lambda c, k=k: c.power[k]) for k in first.power},
        convergence=convergence,
        seconds=seconds,
        random_seed=random_seed,
    )


def run_experiment(
    experiment: Experiment,
    chunk_size: int | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RunResult:
    """Run one experiment in this process.

    Parameters
    ----------
    experiment : Experiment
    chunk_size : int, optional
        Samples solved together (bounds memory; never changes results).
    workers : int, optional
        Threads for the compiled kernels (default: all cores; never changes results).
    progress : callable, optional
        Called as ``progress(samples_done, samples_total)`` after each chunk.

    Returns
    -------
    RunResult
    """
    problem = experiment.problem()
    stream = experiment.reward_stream()
    previous_threads = numba.get_num_threads()
    if workers is not None:
        if workers < 1:
            raise ModelError(f"workers must be at least 1, got {workers}")
        numba.set_num_threads(min(workers, numba.config.NUMBA_NUM_THREADS))
    try:
        started = time.perf_counter()
        outputs = []
        done = 0
        for start, stop in experiment.chunks(chunk_size):
            outputs.append(solve_chunk(problem, stream, start, stop))
            done += stop - start
            if progress is not None:
                progress(done, experiment.num_reward_samples)
        seconds = time.perf_counter() - started
    finally:
        numba.set_num_threads(previous_threads)
    return combine_chunks(experiment.states, outputs, seconds, experiment.random_seed)


__all__ = [
    "EXPERIMENT_KINDS",
    "ChunkOutput",
    "Experiment",
    "RunResult",
    "POWER_A",
    "POWER_H",
    "combine_chunks",
    "run_experiment",
    "solve_chunk",
]
