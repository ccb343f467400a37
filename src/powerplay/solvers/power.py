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
    transitions (:func:`powerplay.model.policy.marginalize_to_mdp`) first.
``multiagent_with_reward``
    :class:`MultiAgentProblem`: Agent H learns an optimal policy per reward sample against
    Agent A's *seed* policy; Agent A then learns an optimal policy against each frozen H
    policy with its own rewards. A's POWER comes from A's optimal values; H's POWER from
    evaluating H's frozen policy against A's optimal policy. Optional diagnostics: H's POWER
    against the seed policy, and A's POWER when following the seed policy against H.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import ModelError
from ..model.mdp import MDP, PROBABILITY_TOLERANCE, JointMDP
from ..model.policy import Policy, check_policy_compatible, marginalize_to_mdp
from . import kernels
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


@dataclass(frozen=True)
class Precision:
    """What rounding in an experiment's solvers depends on, known before any reward is drawn.

    Attributes
    ----------
    closed : bool
        No stage can lose probability mass, so rewards are solved centred (:func:`centred`)
        and values scale with the rewards' range rather than their size.
    terms : int
        Most terms in one action value's sum (a row's entries, its self-loop, and the other
        agent's tie-split actions).
    """

    closed: bool
    terms: int

    @classmethod
    def of(cls, mdp: MDP | JointMDP, policy_A: Policy | None, with_reward: bool) -> Precision:
        """For ``single_agent`` (``policy_A`` None), ``multiagent_fixed_policy`` or (``with_reward``) the human-AI setting."""
        if isinstance(mdp, JointMDP) and not with_reward:
            assert policy_A is not None
            mdp = marginalize_to_mdp(mdp, policy_A)
        entries = int(np.diff(mdp.transitions.indptr).max(initial=0)) + 1
        if isinstance(mdp, MDP):
            return cls(not _leaks(mdp.transitions, mdp.action_mask), entries + 1)
        assert policy_A is not None
        S, num_H, num_A = mdp.action_mask.shape
        mask = mdp.action_mask
        complete = np.array_equal(
            mask.reshape(S, -1).sum(axis=1), mask.any(axis=2).sum(axis=1) * mask.any(axis=1).sum(axis=1)
        )
        folded = marginalize_to_mdp(mdp, policy_A)
        closed = complete and not _leaks(mdp.transitions, mask) and not _leaks(folded.transitions, folded.action_mask)
        return cls(bool(closed), max(num_H, num_A) * entries + 2)


def _leaks(transitions, mask: np.ndarray) -> bool:
    mass = np.asarray(transitions.sum(axis=1)).ravel()[mask.ravel()]
    return bool(np.any(mass < 1 - PROBABILITY_TOLERANCE))


def check_precision(
    precision: Precision,
    discount_rates: dict[str, float],
    low: float,
    high: float,
    magnitude: float,
    settings: SolverSettings,
    policies: bool,
) -> None:
    """Refuse discount rates (or rewards) at which rounding alone could exceed the tolerances.

    Values are ``R / (1 - gamma)``; rounding errors relative to their size become errors of
    that size times ``1 / (1 - gamma)`` in POWER (:func:`~powerplay.solvers.kernels.rounding_floor`).
    This floor must leave room for the certified bound: at most half ``settings.tolerance``,
    and, where optimal policies are computed (``policies``), a quarter of ``tie_tolerance``
    so that ties are still told apart.

    Parameters
    ----------
    precision : Precision
    discount_rates : dict
        ``{field name: discount rate}`` of each agent.
    low, high : float
        The smallest and largest reward any state can have (infinite if unbounded).
    magnitude : float
        The largest ``|reward|`` to expect.

    Raises
    ------
    ModelError
        With ``field`` naming the discount rate at fault, or ``reward_distribution`` when
        rewards far from 0 are the cause (they cannot be centred on MDPs that leak mass).
    """
    size = magnitude
    if precision.closed and np.isfinite(high - low):
        size = min(size, 0.5 * (high - low))  # centred rewards
    limit, what = 0.5 * settings.tolerance, f"half the convergence threshold ({0.5 * settings.tolerance:.3g})"
    if policies and 0.25 * settings.tie_tolerance < limit:
        limit, what = (
            0.25 * settings.tie_tolerance,
            f"a quarter of the tie tolerance ({0.25 * settings.tie_tolerance:.3g})",
        )
    eps = np.finfo(np.float64).eps
    # Centred POWER is shifted back by each sample's midrange: that sum is rounded at the rewards' size.
    restore = 0.5 * eps * magnitude if precision.closed else 0.0
    if restore > 0.25 * settings.tolerance:
        raise ModelError(
            f"POWER samples near {magnitude:.3g} are rounded by up to {restore:.2g} when written in double precision, "
            f"too much to certify them to the convergence threshold ({settings.tolerance:.3g}): shift the rewards "
            "towards 0",
            "reward_distribution",
        )
    for name, gamma in discount_rates.items():
        floor = float(kernels.rounding_floor(precision.terms, size, gamma))
        if floor + (restore if limit == 0.5 * settings.tolerance else 0.0) <= limit:
            continue
        per_slack = (2.0 * precision.terms + 12.0) * eps * size
        if per_slack * 2.0 > limit or (not precision.closed and magnitude > 2.0 * (high - low)):
            raise ModelError(
                f"rewards up to {magnitude:.3g} in size on an MDP that loses probability mass (absent joint actions, "
                f"so rewards cannot be centred) give values so large that rounding alone could move a POWER sample by "
                f"{floor:.2g} at discount rate {gamma:g}, more than {what}: shift the rewards towards 0",
                "reward_distribution",
            )
        largest = 1.0 - 1.0 / (limit / per_slack - 1.0)
        raise ModelError(
            f"{gamma!r} is too close to 1: values R/(1 - γ) are so large that rounding alone could move a POWER "
            f"sample by {floor:.2g}, more than {what}; at most {largest:.10g} can be certified here",
            name,
        )


def centred(rewards: np.ndarray, closed: bool) -> tuple[np.ndarray, Centring]:
    """Rewards ``[B, S]`` less each sample's midrange, and that shift (zero unless ``closed``).

    On an MDP whose rows all sum to one, adding ``c`` to every reward adds ``c / (1 - g)`` to
    every value and ``c`` to every POWER sample, and changes no policy. Solving the centred
    rewards keeps values at the scale of the rewards' spread instead of their offset, so
    rounding (which grows with the values' magnitude) does not swamp POWER when rewards sit
    far from zero. Rows that leak mass (worth 0) are not shift-equivariant: their rewards are
    solved as they are (``closed`` False), and the rounding bounds account for the offset.
    """
    rewards = np.ascontiguousarray(rewards, dtype=np.float64)
    if not closed or rewards.size == 0:
        return rewards, Centring(None, None)
    low, high = rewards.min(axis=1), rewards.max(axis=1)
    shift = 0.5 * low + 0.5 * high  # no overflow near the largest floats
    return rewards - shift[:, None], Centring(shift, 0.5 * high - 0.5 * low)


@dataclass(frozen=True)
class Centring:
    """The per-sample shift ``[B]`` of :func:`centred` and the centred rewards' size ``[B]`` (None: not centred)."""

    shift: np.ndarray | None
    size: np.ndarray | None

    def restore(self, power: np.ndarray, conv: Convergence) -> tuple[np.ndarray, Convergence]:
        """``power + shift`` per sample (in place); the bound grows by the addition's rounding.

        The centred POWER lies within the centred rewards' range (within its bound), so the
        sum is at most ``|shift| + size + bound`` in size, and rounds by half an ulp of that.
        """
        if self.shift is None or self.size is None:
            return power, conv
        power += self.shift[:, None]
        extent = np.abs(self.shift) + self.size + conv.bound
        return power, replace(conv, bound=conv.bound + np.finfo(np.float64).eps * extent)


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
        self.closed = not self.rows.leaks  # POWER is shift-equivariant: solve centred rewards
        # Deterministic MDPs are solved exactly by policy iteration, which needs this index.
        self.response = ResponseIndex.of_single(self.rows) if self.rows.deterministic else None

    def solve(self, rewards_H: np.ndarray, rewards_A: np.ndarray | None = None) -> BatchResult:
        """POWER samples ``[B, S]`` for reward samples ``[B, S]``.

        Deterministic MDPs are solved exactly by policy iteration; others by value iteration
        to the certified ``settings.tolerance``.
        """
        g, s = self.discount_rate, self.settings
        rewards_H, centring = centred(rewards_H, self.closed)
        if self.response is not None:
            _, continuation, _, conv = exact_optimal(self.response, rewards_H, g, s)
        else:
            values, conv = optimal_values(self.rows, rewards_H, g, s.tolerance, s.max_iterations)
            _, continuation = greedy(self.rows, values, g, s.tie_tolerance, with_policy=False)
        power, conv = centring.restore((1.0 - g) * continuation, conv)
        return BatchResult({POWER_H: power}, {"H": conv})

    def policies(self, rewards_H: np.ndarray, rewards_A: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Agent H's optimal policies ``{'H': [B, S] uint64 tie masks}`` for reward samples ``[B, S]``.

        Bit ``a`` of a mask marks an optimal action (index into ``self.mdp.actions``); the
        policy splits uniformly among them (see ``mask_to_probabilities``).
        """
        g, s = self.discount_rate, self.settings
        rewards_H, _ = centred(rewards_H, self.closed)
        if self.response is not None:
            return {"H": exact_optimal(self.response, rewards_H, g, s)[2]}
        values, _ = optimal_values(
            self.rows, rewards_H, g, s.policy_tolerance, s.max_iterations, s.tie_tolerance, s.tolerance
        )
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
        # Shift-equivariant (centred rewards are solved) when no stage can leak mass: every
        # joint row sums to one, every state has every pair of its agents' actions, and the
        # seed policy folds into rows that sum to one.
        self.closed = self.joint.complete and not self.rows_H.leaks

    def _optimal_policies(self, rewards_H: np.ndarray, rewards_A: np.ndarray):
        if rewards_A is None:
            raise ModelError("multiagent_with_reward needs Agent A's reward samples")
        gH, gA, s = self.discount_rate_H, self.discount_rate_A, self.settings
        rewards_H, centring_H = centred(rewards_H, self.closed)
        rewards_A, centring_A = centred(rewards_A, self.closed)
        # 1. H's optimal policies against A's seed policy.
        # Stops once each sample's greedy policy is certain (and its values within tolerance).
        values_H0, conv_H0 = optimal_values(
            self.rows_H, rewards_H, gH, s.policy_tolerance, s.max_iterations, s.tie_tolerance, s.tolerance
        )
        policy_H, continuation_H0 = greedy(self.rows_H, values_H0, gH, s.tie_tolerance)
        # 2. A's optimal responses to each frozen H policy, with A's own rewards.
        _, continuation_A, policy_A, conv_A = best_response(self.joint, "A", policy_H, rewards_A, gA, s)
        return (
            policy_H,
            continuation_H0,
            conv_H0,
            policy_A,
            continuation_A,
            conv_A,
            rewards_H,
            centring_H,
            rewards_A,
            centring_A,
        )

    def policies(self, rewards_H: np.ndarray, rewards_A: np.ndarray) -> dict[str, np.ndarray]:
        """Both agents' optimal policies ``{'H': [B, S], 'A': [B, S]}`` as uint64 tie masks.

        H's policy is optimal against A's seed policy; A's is optimal against H's. Bits index
        ``joint.actions_H`` and ``joint.actions_A``.
        """
        policy_H, _, _, policy_A, *_ = self._optimal_policies(rewards_H, rewards_A)
        return {"H": policy_H, "A": policy_A}

    def solve(self, rewards_H: np.ndarray, rewards_A: np.ndarray) -> BatchResult:
        """POWER samples ``[B, S]`` of both agents (and diagnostics) for paired reward samples."""
        gH, gA, s = self.discount_rate_H, self.discount_rate_A, self.settings
        (
            policy_H,
            continuation_H0,
            conv_H0,
            policy_A,
            continuation_A,
            conv_A,
            rewards_H,
            centring_H,
            rewards_A,
            centring_A,
        ) = self._optimal_policies(rewards_H, rewards_A)
        # 3. H's frozen policy evaluated against A's optimal policy.
        _, continuation_H, conv_H = joint_policy_values(
            self.joint, policy_H, policy_A, rewards_H, gH, s.tolerance, s.max_iterations
        )
        power, convergence = {}, {}
        power[POWER_H], convergence["H"] = centring_H.restore((1.0 - gH) * continuation_H, conv_H)
        power[POWER_A], convergence["A"] = centring_A.restore((1.0 - gA) * continuation_A, conv_A)
        power_H0, convergence["H_against_seed"] = centring_H.restore((1.0 - gH) * continuation_H0, conv_H0)
        if self.diagnostic:
            _, continuation_A_seed, conv_seed = joint_policy_values(
                self.joint, policy_H, self.seed_policy, rewards_A, gA, s.tolerance, s.max_iterations
            )
            power[POWER_H_AGAINST_SEED] = power_H0
            power[POWER_A_SEED], convergence["A_seed"] = centring_A.restore((1.0 - gA) * continuation_A_seed, conv_seed)
        return BatchResult(
            power, {k: convergence[k] for k in ("H_against_seed", "A", "H", "A_seed") if k in convergence}
        )
