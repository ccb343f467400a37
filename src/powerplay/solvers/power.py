"""POWER of every state for the three experiment types, on batches of reward samples.

POWER of state ``s`` under reward function ``R`` and discount ``g`` is

    POWER_R(s) = (1 - g) / g * (V_R(s) - R(s)) = (1 - g) * C_R(s),

with ``C_R(s) = max_a sum_s' P(s'|s,a) V_R(s')`` the continuation value (for a fixed policy,
the policy's average instead of the max). The second form is used: it is the same number,
loses no precision for small ``g``, and at ``g = 0`` gives the limit -- the best action's
expected next-state reward. POWER itself is the mean of these samples over ``R``.

A *problem* object prepares everything that does not depend on the reward samples (the
kernel-ready transition structure) once, and then maps a batch of rewards to POWER samples
with :meth:`solve`. Problems are picklable and cheap to ship to a worker.

Experiment types
----------------
``single_agent`` / ``multiagent_fixed_policy``
    :class:`SingleAgentProblem`. A fixed Agent A policy is folded into Agent H's
    transitions (:func:`powerplay.model.policy.marginalize`) first.
``multiagent_with_reward``
    :class:`MultiAgentProblem`: Agent H learns an optimal policy per reward sample against
    Agent A's *seed* policy; Agent A then learns an optimal policy against each frozen H
    policy with its own rewards. A's POWER comes from A's optimal values; H's POWER from
    evaluating H's frozen policy against A's optimal policy. Optional diagnostics: H's POWER
    against the seed policy, and A's POWER when following the seed policy against H.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import ModelError
from ..model.mdp import MDP, JointMDP
from ..model.policy import Policy, check_policy_compatible, marginalize_to_mdp
from .structure import JointStructure, ResponseIndex, RowStructure
from .values import (
    Convergence,
    SolverSettings,
    best_response,
    check_discount_rate,
    exact_optimal,
    greedy,
    joint_policy_values,
    optimal_values,
)

#: Keys of the POWER sample arrays a problem can produce.
POWER_H = "H"
POWER_A = "A"
POWER_H_AGAINST_SEED = "H_against_seed"
POWER_A_SEED = "A_seed"


@dataclass
class BatchResult:
    """POWER samples ``[B, S]`` by key (:data:`POWER_H`, ...), and per-stage convergence."""

    power: dict[str, np.ndarray]
    convergence: dict[str, Convergence] = field(default_factory=dict)


class SingleAgentProblem:
    """POWER of Agent H on one MDP (a joint MDP with a fixed Agent A policy is folded first).

    Parameters
    ----------
    mdp : MDP or JointMDP
    discount_rate : float in [0, 1)
    policy_A : Policy, optional
        Agent A's fixed policy; required (only) when ``mdp`` is joint.
    settings : SolverSettings, optional

    Examples
    --------
    >>> from powerplay.model.environments import load_mdp
    >>> problem = SingleAgentProblem(load_mdp('3x3_gridworld'), 0.5)
    >>> batch = problem.solve(np.full((1, 9), 0.5))
    >>> bool(np.allclose(batch.power['H'], 0.5))   # constant rewards: POWER is that constant
    True
    """

    agents = ("H",)

    def __init__(
        self,
        mdp: MDP | JointMDP,
        discount_rate: float,
        policy_A: Policy | None = None,
        settings: SolverSettings | None = None,
    ):
        self.discount_rate = check_discount_rate(discount_rate)
        if isinstance(mdp, JointMDP):
            if policy_A is None:
                raise ModelError(f"joint MDP {mdp.name!r} needs a fixed Agent A policy")
            mdp = marginalize_to_mdp(mdp, policy_A)
        elif policy_A is not None:
            raise ModelError(f"MDP {mdp.name!r} is single-agent: it takes no Agent A policy")
        self.mdp = mdp
        self.states = mdp.states
        self.settings = settings or SolverSettings()
        self.rows = RowStructure.of_mdp(mdp)
        # Deterministic MDPs are solved exactly by policy iteration, which needs this index.
        self.response = ResponseIndex.of_single(self.rows) if self.rows.deterministic else None

    def solve(self, rewards_H: np.ndarray, rewards_A: np.ndarray | None = None) -> BatchResult:
        """POWER samples ``[B, S]`` for reward samples ``[B, S]``.

        Deterministic MDPs are solved exactly by policy iteration; others by value iteration
        to the certified ``settings.tolerance``.
        """
        g, s = self.discount_rate, self.settings
        if self.response is not None:
            _, continuation, _, conv = exact_optimal(self.response, rewards_H, g, s)
        else:
            values, conv = optimal_values(self.rows, rewards_H, g, s.tolerance, s.max_iterations)
            _, continuation = greedy(self.rows, values, g, s.tie_tolerance, with_policy=False)
        return BatchResult({POWER_H: (1.0 - g) * continuation}, {"H": conv})

    def policies(self, rewards_H: np.ndarray, rewards_A: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Agent H's optimal policies ``{'H': [B, S] uint64 tie masks}`` for reward samples ``[B, S]``.

        Bit ``a`` of a mask marks an optimal action (index into ``self.mdp.actions``); the
        policy splits uniformly among them (see ``mask_to_probabilities``).
        """
        g, s = self.discount_rate, self.settings
        if self.response is not None:
            return {"H": exact_optimal(self.response, rewards_H, g, s)[2]}
        values, _ = optimal_values(self.rows, rewards_H, g, s.policy_tolerance, s.max_iterations)
        policy, _ = greedy(self.rows, values, g, s.tie_tolerance)
        return {"H": policy}


class MultiAgentProblem:
    """POWER of Agents H and A in the human-AI setting (``multiagent_with_reward``).

    Parameters
    ----------
    joint : JointMDP
    seed_policy_A : Policy
        Agent A's seed policy, which H's policies are optimised against.
    discount_rate_H, discount_rate_A : float in [0, 1)
    diagnostic : bool
        Also compute H's POWER against the seed policy and A's POWER under the seed policy.
    settings : SolverSettings, optional
    """

    agents = ("H", "A")

    def __init__(
        self,
        joint: JointMDP,
        seed_policy_A: Policy,
        discount_rate_H: float,
        discount_rate_A: float,
        diagnostic: bool = False,
        settings: SolverSettings | None = None,
    ):
        if not isinstance(joint, JointMDP):
            raise ModelError(f"MDP {getattr(joint, 'name', joint)!r} is not a joint MDP")
        if seed_policy_A.agent != "A":
            raise ModelError(f"seed policy {seed_policy_A.name!r} must be an Agent A policy")
        check_policy_compatible(seed_policy_A, joint)
        self.discount_rate_H = check_discount_rate(discount_rate_H, "discount_rate")
        self.discount_rate_A = check_discount_rate(discount_rate_A, "discount_rate_agent_A")
        self.diagnostic = diagnostic
        self.settings = settings or SolverSettings()
        self.states = joint.states
        self.joint = JointStructure(joint)
        self.seed_policy = np.ascontiguousarray(seed_policy_A.probabilities)  # [S, A_A]
        self.rows_H = RowStructure.of_mdp(marginalize_to_mdp(joint, seed_policy_A))

    def _optimal_policies(self, rewards_H: np.ndarray, rewards_A: np.ndarray):
        if rewards_A is None:
            raise ModelError("multiagent_with_reward needs Agent A's reward samples")
        gH, gA, s = self.discount_rate_H, self.discount_rate_A, self.settings
        # 1. H's optimal policies against A's seed policy.
        values_H0, conv_H0 = optimal_values(self.rows_H, rewards_H, gH, s.policy_tolerance, s.max_iterations)
        policy_H, continuation_H0 = greedy(self.rows_H, values_H0, gH, s.tie_tolerance)
        # 2. A's optimal responses to each frozen H policy, with A's own rewards.
        _, continuation_A, policy_A, conv_A = best_response(self.joint, "A", policy_H, rewards_A, gA, s)
        return policy_H, continuation_H0, conv_H0, policy_A, continuation_A, conv_A

    def policies(self, rewards_H: np.ndarray, rewards_A: np.ndarray) -> dict[str, np.ndarray]:
        """Both agents' optimal policies ``{'H': [B, S], 'A': [B, S]}`` as uint64 tie masks.

        H's policy is optimal against A's seed policy; A's is optimal against H's. Bits index
        ``joint.actions_H`` and ``joint.actions_A``.
        """
        policy_H, _, _, policy_A, _, _ = self._optimal_policies(rewards_H, rewards_A)
        return {"H": policy_H, "A": policy_A}

    def solve(self, rewards_H: np.ndarray, rewards_A: np.ndarray) -> BatchResult:
        """POWER samples ``[B, S]`` of both agents (and diagnostics) for paired reward samples."""
        gH, gA, s = self.discount_rate_H, self.discount_rate_A, self.settings
        policy_H, continuation_H0, conv_H0, policy_A, continuation_A, conv_A = self._optimal_policies(
            rewards_H, rewards_A
        )
        # 3. H's frozen policy evaluated against A's optimal policy.
        _, continuation_H, conv_H = joint_policy_values(
            self.joint, policy_H, policy_A, rewards_H, gH, s.tolerance, s.max_iterations
        )
        power = {POWER_H: (1.0 - gH) * continuation_H, POWER_A: (1.0 - gA) * continuation_A}
        convergence = {"H_against_seed": conv_H0, "A": conv_A, "H": conv_H}
        if self.diagnostic:
            _, continuation_A_seed, conv_seed = joint_policy_values(
                self.joint, policy_H, self.seed_policy, rewards_A, gA, s.tolerance, s.max_iterations
            )
            power[POWER_H_AGAINST_SEED] = (1.0 - gH) * continuation_H0
            power[POWER_A_SEED] = (1.0 - gA) * continuation_A_seed
            convergence["A_seed"] = conv_seed
        return BatchResult(power, convergence)
