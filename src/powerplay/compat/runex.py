"""The reference's ``runex`` module: run one experiment in memory.

Examples
--------
>>> from powerplay.compat import base
>>> result = run_one_experiment([base.construct_single_agent_gridworld_mdp(3, 3)], 0.5,
...     {'default_dist': {'dist_name': 'uniform', 'params': [0, 1]}}, num_reward_samples=200, random_seed=0)
>>> result.power['H'].shape
(200, 9)
"""

from __future__ import annotations

from dataclasses import replace

from ..errors import WrongKindError
from ..model.editing import align_policy
from ..model.mdp import JointMDP
from ..model.rewards import RewardDistribution
from ..runner.config import draw_random_seed
from ..runner.executors import run_experiment
from ..runner.experiment import Experiment, RunResult
from ..scenario import FixedPolicies, LearningChain, Protocol, SingleAgent
from ..solvers.values import SolverSettings
from ._common import as_mdp, as_policy


def _distribution(reward_sampler) -> RewardDistribution:
    if isinstance(reward_sampler, RewardDistribution):
        return reward_sampler
    if hasattr(reward_sampler, "distribution") and isinstance(reward_sampler.distribution, RewardDistribution):
        return reward_sampler.distribution  # a powerplay.compat.dist.RewardSampler
    if isinstance(reward_sampler, dict):
        return RewardDistribution.from_config(reward_sampler)
    raise WrongKindError(
        "reward_sampler must be a RewardDistribution, the output of dist.config_to_reward_distribution(), "
        f"or a reward_distribution config dict; got {type(reward_sampler).__name__}"
    )


def run_one_experiment(
    transition_graphs,
    discount_rate,
    reward_sampler,
    num_reward_samples=10000,
    num_workers=None,
    convergence_threshold=1e-4,
    random_seed=None,
    reward_correlation=None,
    discount_rate_agent_A=None,
    diagnostic_mode=False,
) -> RunResult:
    """Compute POWER samples for one experiment and return them (nothing is written to disk).

    Parameters
    ----------
    transition_graphs : list
        ``[mdp]`` (single agent), ``[joint_mdp, policy_A]`` (Agent A follows a fixed
        policy), or ``[joint_mdp, seed_policy_A]`` with ``reward_correlation`` set
        (the multi-agent setting with Agent A's own rewards).
    discount_rate : float
        Agent H's discount rate.
    reward_sampler : RewardDistribution, dist.RewardSampler or dict
        The reward distribution (a ``reward_distribution`` config block works too).
    num_reward_samples : int
    num_workers : int, optional
        Threads (never changes results; default all cores).
    convergence_threshold : float
        Certified bound on each POWER sample's error.
    random_seed : int, optional
        Drawn (and stored in the result) if not given.
    reward_correlation, discount_rate_agent_A : float, optional
        For the multi-agent setting; Agent A's discount rate defaults to H's.
    diagnostic_mode : bool
        Also compute the diagnostic POWERs of the multi-agent setting.

    Returns
    -------
    RunResult
        ``.rewards`` and ``.power`` by agent, ``.power_mean()``, ``.power_sem()``, ...
    """
    graphs = list(transition_graphs)
    mdp = as_mdp(graphs[0])
    policy = None
    if len(graphs) == 2:
        if not isinstance(mdp, JointMDP):
            raise WrongKindError("with a policy, the first graph must be a joint MDP")
        policy = as_policy(graphs[1])
        if policy.agent != "A":  # the reference's graphs carry no agent: the second graph is Agent A's
            policy = replace(policy, agent="A")
        policy = align_policy(policy, mdp)
    elif len(graphs) != 1:
        raise WrongKindError("transition_graphs must be [mdp] or [joint_mdp, policy_A]")
    protocol: Protocol
    if policy is None:
        protocol = SingleAgent()
    else:
        protocol = FixedPolicies() if reward_correlation is None else LearningChain()
    seed = int(random_seed) if random_seed is not None else draw_random_seed()
    experiment = Experiment(
        protocol.name,
        mdp,
        discount_rate,
        _distribution(reward_sampler),
        int(num_reward_samples),
        seed,
        policy_A=policy,
        discount_rate_agent_A=(discount_rate if discount_rate_agent_A is None else discount_rate_agent_A)
        if protocol.others_learn
        else None,
        reward_correlation=reward_correlation if protocol.others_learn else None,
        diagnostic=bool(diagnostic_mode),
        settings=SolverSettings(tolerance=convergence_threshold),
    )
    return run_experiment(experiment, workers=num_workers)


__all__ = ["run_one_experiment"]
