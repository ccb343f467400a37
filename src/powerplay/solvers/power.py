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
``multiagent_with_reward`` (any number of agents)
    :class:`LearningChainProblem`: the agents learn one after another, in their order
    (slowest first). The first learns an optimal policy per reward sample against the later
    agents' *seed* policies; agent ``k`` then learns an optimal response to the frozen
    policies of the agents before it, with the later agents' seed policies folded in. The
    last agent's POWER comes from its optimal values; every other agent's from evaluating
    its frozen policy against all the others' final policies. Optional diagnostics: each
    agent's POWER in its own training stage, and each later agent's POWER when following its
    seed policy against the others. :class:`MultiAgentProblem` is the two-agent (H, A) form
    with the published signature.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import ModelError
from ..model.agent_models import OPTIMAL, AgentModel, agent_model
from ..model.mdp import MDP, PROBABILITY_TOLERANCE, JointMDP
from ..model.policy import Policy, check_policy_compatible, marginalize, marginalize_to_mdp
from . import kernels
from .models import (
    SOLVE_SHARE,
    action_value_error,
    available_actions,
    policy_error_bound,
    probabilities,
    solve_by_class,
    span_bound,
    value_tolerance,
)
from .structure import JointStructure, ResponseGroups, ResponseIndex, RowStructure, check_row_index
from .values import (
    Convergence,
    SolverSettings,
    best_response,
    check_discount_rate,
    evaluate_policies,
    exact_optimal,
    greedy,
    joint_policy_values,
    mask_to_probabilities,
    optimal_values,
    response_greedy,
    response_values,
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

    @classmethod
    def of_learning_chain(
        cls,
        joint: JointMDP,
        seed_policies: Mapping[str, Policy] | Sequence[Policy],
        agents: Sequence[str] | None = None,
    ) -> Precision:
        """For :class:`LearningChainProblem` on ``joint`` (any number of agents).

        Two agents: the same as ``Precision.of(joint, seed_policy_A, True)``. Closed when every
        state offers every combination of its agents' actions, no joint row leaks, and no stage's
        folded MDP leaks; ``terms`` counts the widest mix of rows in one action value: the
        product of the other agents' action counts times a row's entries.
        """
        order = _learning_order(joint, agents)
        seeds = _seed_policies(joint, order, seed_policies)
        stages = _fold_stages(joint, order, seeds)
        structure = JointStructure(joint)
        closed = structure.complete and not any(_leaks(m.transitions, m.action_mask) for m in stages[:-1])
        return cls(bool(closed), _chain_terms(joint))


def _chain_terms(joint: JointMDP) -> int:
    """Most terms of one action value's sum in a learning chain (rows' entries and self-loop, times
    the most joint rows one agent's action mixes), plus two."""
    entries = int(np.diff(joint.transitions.indptr).max(initial=0)) + 1
    shape = joint.action_shape
    widest = max(int(np.prod(shape, dtype=np.int64)) // size for size in shape)
    return widest * entries + 2


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
    """POWER samples ``[B, S]`` by key (:data:`POWER_H`, ...), per-stage convergence, and the
    wall-clock seconds of each stage of a :class:`LearningChainProblem` (``'learn H'``,
    ``'evaluate H'``, ``'seed A'``, ...; for benchmarks, never part of a result)."""

    power: dict[str, np.ndarray]
    convergence: dict[str, Convergence] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    #: How each sample's counter-optimisation rounds ended (a chain with ``rounds > 0`` only).
    rounds: RoundsOutcome | None = None


@dataclass(frozen=True)
class RoundsOutcome:
    """How each reward sample's counter-optimisation rounds ended (:class:`LearningChainProblem`).

    Round ``r`` (1 ... ``rounds``) re-trains every agent in learning order against everyone's
    current policies (an optimal agent's best response, another model's policy from its optimal
    action values); the *profile* after round ``r`` is every agent's policy then (round 0: the
    learning chain's). A sample stops at the first of:

    * a **fixed point** at round ``r``: round ``r`` changes no agent's policy (bit for bit), so
      the profile of round ``r - 1`` is an equilibrium of the sample's game (every agent's
      policy is its response to the others'; with optimal agents alone a pure equilibrium);
    * a **cycle** at round ``r``: the profile of round ``r`` equals that of an earlier round
      ``r - period`` (``period >= 2``) without being a fixed point; re-training would repeat
      the same ``period`` profiles for ever. Its POWER uses the profile of round ``r``;
    * the last round (neither: *unsettled*). Its POWER uses the profile of round ``rounds``.

    Attributes
    ----------
    rounds : int
        The rounds asked for.
    fixed_point : [B] int64
        The round of the fixed point (1 ... ``rounds``), 0 if none.
    cycle : [B] int64
        The round at which a profile repeated (2 ... ``rounds``), 0 if none.
    period : [B] int64
        The cycle's length in rounds (0 if none).
    retrainings : [B] int64
        Best responses computed in the rounds (those whose result was already known, from the
        agents before them changing nothing, are not counted: they are not computed).
    """

    rounds: int
    fixed_point: np.ndarray
    cycle: np.ndarray
    period: np.ndarray
    retrainings: np.ndarray

    @property
    def unsettled(self) -> np.ndarray:
        """``[B]`` bool: neither a fixed point nor a cycle within the rounds."""
        return (self.fixed_point == 0) & (self.cycle == 0)


class SingleAgentProblem:
    """POWER of Agent H on one MDP (a joint MDP with a fixed Agent A policy is folded first).

    Parameters
    ----------
    mdp : MDP or JointMDP
    discount_rate : float in [0, 1)
    policy_A : Policy, optional
        Agent A's fixed policy; required (only) when ``mdp`` is joint.
    settings : SolverSettings, optional
    agent_model : AgentModel or config value, optional
        Agent H's model (:mod:`powerplay.model.agent_models`; default optimal). A non-optimal
        agent's POWER is its model's policy evaluated exactly (to the certified tolerance).

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
        agent_model: AgentModel | object = None,
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
        self.agent_model = _model_of(agent_model, "agent_model")
        self.rows = RowStructure.of_mdp(mdp)
        self.closed = not self.rows.leaks  # POWER is shift-equivariant: solve centred rewards
        # Deterministic MDPs are solved exactly by policy iteration, which needs this index.
        self.response = ResponseIndex.of_single(self.rows) if self.rows.deterministic else None
        self._terms = int(np.diff(self.rows.row_ptr).max(initial=0)) + 2

    def solve(
        self, rewards_H: np.ndarray | Mapping[str, np.ndarray], rewards_A: np.ndarray | None = None
    ) -> BatchResult:
        """POWER samples ``[B, S]`` for reward samples ``[B, S]`` (or ``{'H': [B, S]}``).

        Deterministic MDPs are solved exactly by policy iteration; others by value iteration
        to the certified ``settings.tolerance``. A non-optimal agent's policy is then
        evaluated (:func:`~powerplay.solvers.values.evaluate_policies`), its bound including
        the policy's own error (:mod:`powerplay.solvers.models`).
        """
        g, s = self.discount_rate, self.settings
        rewards_H, centring = centred(
            _rewards_of(rewards_H, "H") if isinstance(rewards_H, Mapping) else rewards_H, self.closed
        )
        if not self.agent_model.is_optimal:
            policy, error, _ = self._model_policy(rewards_H)
            _, continuation, conv = evaluate_policies(
                self._evaluation_groups, [policy], rewards_H, g, SOLVE_SHARE * s.tolerance, s.max_iterations
            )
            extra = policy_error_bound([error], rewards_H, g, self.closed)
            power, conv = centring.restore((1.0 - g) * continuation, replace(conv, bound=conv.bound + extra))
            return BatchResult({POWER_H: power}, {"H": conv})
        if self.response is not None:
            _, continuation, _, conv = exact_optimal(self.response, rewards_H, g, s)
        else:
            values, conv = optimal_values(self.rows, rewards_H, g, s.tolerance, s.max_iterations)
            _, continuation = greedy(self.rows, values, g, s.tie_tolerance, with_policy=False)
        power, conv = centring.restore((1.0 - g) * continuation, conv)
        return BatchResult({POWER_H: power}, {"H": conv})

    def policies(
        self, rewards_H: np.ndarray | Mapping[str, np.ndarray], rewards_A: np.ndarray | None = None
    ) -> dict[str, np.ndarray]:
        """Agent H's policies for reward samples ``[B, S]`` (or ``{'H': [B, S]}``): optimal ones as
        ``{'H': [B, S] uint64 tie masks}``, a non-optimal model's as probabilities ``[B, S, A]``.

        Bit ``a`` of a mask marks an optimal action (index into ``self.mdp.actions``); the
        policy splits uniformly among them (see ``mask_to_probabilities``).
        """
        g, s = self.discount_rate, self.settings
        rewards_H, _ = centred(
            _rewards_of(rewards_H, "H") if isinstance(rewards_H, Mapping) else rewards_H, self.closed
        )
        if not self.agent_model.is_optimal:
            return {"H": self._model_policy(rewards_H)[0]}
        if self.response is not None:
            return {"H": exact_optimal(self.response, rewards_H, g, s)[2]}
        values, _ = optimal_values(
            self.rows, rewards_H, g, s.policy_tolerance, s.max_iterations, s.tie_tolerance, s.tolerance
        )
        policy, _ = greedy(self.rows, values, g, s.tie_tolerance)
        return {"H": policy}

    # -- a non-optimal agent ------------------------------------------------------------

    @property
    def _evaluation_groups(self) -> ResponseGroups:
        if not hasattr(self, "_evaluation"):
            self._evaluation = ResponseGroups.evaluation(self.rows, self.rows.row_action[:, None], self.closed)
        return self._evaluation

    def _model_policy(self, rewards: np.ndarray) -> tuple[np.ndarray, np.ndarray, Convergence]:
        """The model's policy ``[B, S, A]``, its L1 error bound per state ``[B]``, and the
        convergence of the values it was read from."""
        model, g, s = self.agent_model, self.discount_rate, self.settings
        B = rewards.shape[0]
        available = available_actions(self.rows.state_ptr, self.rows.row_action, self.rows.num_actions)
        q = ties = None
        value_error = np.zeros(B)
        conv = _no_convergence(B)
        if model.needs_action_values or model.needs_ties:
            if self.response is not None:
                values, _, mask, conv = exact_optimal(self.response, rewards, g, s)
            elif model.needs_action_values:
                reach = span_bound(rewards, self.closed) / (1.0 - g)
                classes = value_tolerance(model, s.tolerance, g, reach, 1, s.policy_tolerance)
                values, conv = solve_by_class(
                    classes,
                    lambda index, tol: optimal_values(
                        self.rows, rewards[index], g, tol, s.max_iterations, accelerate=True
                    ),
                    rewards.shape[1],
                )
                mask = None
            else:
                values, conv = optimal_values(
                    self.rows, rewards, g, s.policy_tolerance, s.max_iterations, s.tie_tolerance, s.tolerance
                )
                mask, _ = greedy(self.rows, values, g, s.tie_tolerance)
            if model.needs_action_values:
                no_others = np.zeros((0, B, rewards.shape[1]), dtype=np.uint64)
                groups = ResponseGroups.of_mdp(self.rows)
                _, _, q = response_greedy(groups, no_others, values, g, s.tie_tolerance, with_action_values=True)
                q = _widen(q, self.rows.num_actions)
                value_error = action_value_error(conv.bound, values, g, self._terms)
            if model.needs_ties:
                assert mask is not None
                ties = mask_to_probabilities(mask, self.rows.num_actions)
        policy = model.policy(q, ties, available, g, B)
        return np.ascontiguousarray(policy), model.policy_error(value_error, g), conv


def _widen(q: np.ndarray, num_actions: int) -> np.ndarray:
    """Action values ``[B, S, a]`` padded with ``-inf`` (not available) to ``num_actions``."""
    if q.shape[2] == num_actions:
        return q
    out = np.full((*q.shape[:2], num_actions), -np.inf)
    out[:, :, : q.shape[2]] = q
    return out


def _no_convergence(B: int) -> Convergence:
    return Convergence(np.zeros(B, dtype=np.int64), np.zeros(B), np.zeros(B, dtype=bool))


def _model_of(model: object, field: str) -> AgentModel:
    """An agent model from an object or a config value, errors naming ``field``."""
    try:
        return agent_model(model)
    except ModelError as error:
        raise ModelError(str(error).removeprefix("agent_model: "), field) from None


def _learning_order(joint: JointMDP, agents: Sequence[str] | None) -> tuple[str, ...]:
    """The learning order: ``agents`` (a permutation of the joint MDP's agents) or their own order."""
    if not isinstance(joint, JointMDP):
        raise ModelError(f"MDP {getattr(joint, 'name', joint)!r} is not a joint MDP")
    if agents is None:
        return tuple(joint.agents)
    order = (agents,) if isinstance(agents, str) else tuple(agents)
    if len(order) != len(set(order)) or set(order) != set(joint.agents):
        raise ModelError(
            f"agents {list(order)} must list the joint MDP's agents {list(joint.agents)} once each, in learning order",
            "agents",
        )
    return order


def discount_field(order: Sequence[str], agent: str) -> str:
    """The config parameter of an agent's discount rate: ``discount_rate`` for the first agent,
    ``discount_rate_agent_{X}`` for the others."""
    return "discount_rate" if agent == order[0] else f"discount_rate_agent_{agent}"


def _discount_rates(order: tuple[str, ...], rates: Mapping[str, float] | Sequence[float]) -> dict[str, float]:
    if isinstance(rates, Mapping):
        unknown = [agent for agent in rates if agent not in order]
        if unknown:
            raise ModelError(f"discount rate for {unknown[0]!r}, which is not one of the agents {list(order)}")
        missing = [agent for agent in order if agent not in rates]
        if missing:
            raise ModelError(f"agent {missing[0]} has no discount rate", discount_field(order, missing[0]))
        values = [rates[agent] for agent in order]
    else:
        values = list(rates)
        if len(values) != len(order):
            raise ModelError(f"{len(values)} discount rates for the {len(order)} agents {list(order)}")
    return {agent: check_discount_rate(g, discount_field(order, agent)) for agent, g in zip(order, values)}


def _seed_policies(
    joint: JointMDP, order: tuple[str, ...], seeds: Mapping[str, Policy] | Sequence[Policy] | None
) -> dict[str, Policy]:
    """Every later agent's seed policy, checked against the joint MDP."""
    given = dict(seeds) if isinstance(seeds, Mapping) else {policy.agent: policy for policy in seeds or ()}
    if order[0] in given:
        raise ModelError(f"agent {order[0]} learns first: it has no seed policy", f"seed_policy_agent_{order[0]}")
    out = {}
    for agent in order[1:]:
        if agent not in given:
            raise ModelError(f"agent {agent} needs a seed policy", f"seed_policy_agent_{agent}")
        policy = given[agent]
        if policy.agent != agent:
            raise ModelError(
                f"seed policy {policy.name!r} is agent {policy.agent}'s, given for agent {agent}",
                f"seed_policy_agent_{agent}",
            )
        check_policy_compatible(policy, joint)
        out[agent] = policy
    unknown = [agent for agent in given if agent not in order]
    if unknown:
        raise ModelError(f"seed policy for {unknown[0]!r}, which is not one of the agents {list(order)}")
    return out


def _fold_stages(joint: JointMDP, order: tuple[str, ...], seeds: Mapping[str, Policy]) -> list[MDP | JointMDP]:
    """Each stage's MDP: stage ``k`` (0-based) is ``joint`` with the seed policies of agents
    ``order[k+1:]`` folded in, the last agent's first (stage 0 is the first agent's MDP)."""
    stages: list[MDP | JointMDP] = [joint]
    for agent in reversed(order[1:]):
        current = stages[0]
        assert isinstance(current, JointMDP)
        stages.insert(0, marginalize(current, seeds[agent]))
    return stages


#: Most counter-optimisation rounds a chain may run (its profile hashes are 16 bytes per
#: sample per round).
MAX_ROUNDS = 1000


def check_rounds(rounds: int, field: str = "rounds") -> int:
    """``rounds`` as an int if it is an integer in ``[0, MAX_ROUNDS]``.

    Raises
    ------
    ModelError
        Naming ``field``.
    """
    if isinstance(rounds, (bool, np.bool_)) or not isinstance(rounds, (int, np.integer)):
        raise ModelError(f"{field} must be a whole number of rounds, got {rounds!r}", field)
    if not 0 <= int(rounds) <= MAX_ROUNDS:
        raise ModelError(f"{field} must be in [0, {MAX_ROUNDS}], got {rounds!r}", field)
    return int(rounds)


#: A round's policy iteration starts from the agent's current tie masks when its previous
#: re-training changed at most this share of the states' masks, else cold. Measured on Part 3's
#: no-overlap maze at gamma 0.9 (benchmarks/bench_rounds.py): a warm start saves improvement steps
#: when few masks move (about 5.6 -> 1.3 steps once under 1% move) but costs an extra evaluation
#: when many do (about 40% of the states moved every round with beta = 0: 7.3 steps warm, 7.1 cold).
WARM_START_MOVED = 0.25


def _words(policy: np.ndarray) -> np.ndarray:
    """A per-sample policy's bits as ``[B, W]`` uint64 words (tie masks ``[B, S]`` as they are;
    probabilities ``[B, S, A]`` float64 by their bit patterns), so that "the same policy" is
    equality of every bit."""
    policy = np.ascontiguousarray(policy)
    return policy.view(np.uint64).reshape(policy.shape[0], -1)


def _same_policy(new: np.ndarray, old: np.ndarray) -> np.ndarray:
    """``[B]`` bool: each sample's policy equal bit for bit."""
    return np.all(_words(new) == _words(old), axis=1)


def _profile_hashes(policies: Sequence[np.ndarray]) -> np.ndarray:
    """``[B, 2]`` uint64 hashes of each sample's joint profile (every agent's policy, in order)."""
    words = np.concatenate([_words(p) for p in policies], axis=1)[None]  # [1, B, W]
    out = np.empty((words.shape[1], 2), dtype=np.uint64)
    kernels.profile_hashes(words, *kernels.PROFILE_HASH_SEEDS, out)
    return out


def _rewards_of(rewards: Mapping[str, np.ndarray], agent: str) -> np.ndarray:
    if not isinstance(rewards, Mapping):
        raise ModelError("rewards must be a mapping {agent: [samples, states] array}")
    if agent not in rewards:
        raise ModelError(f"no reward samples for agent {agent} (got {', '.join(map(str, rewards)) or 'none'})")
    return rewards[agent]


@dataclass(frozen=True)
class ChainMemory:
    """Memory a :class:`LearningChainProblem` needs, from its sizes (:func:`learning_chain_memory`).

    Attributes
    ----------
    model_bytes : int
        The joint MDP itself (transitions and action mask), which a run holds throughout.
    structure_bytes : int
        The solver structures of every stage, held for the whole run.
    build_bytes : int
        Extra peak while they are built (each stage's folded MDP and its temporaries).
    per_sample_state : dict
        Bytes per reward sample and state live at the peak of each stage (``'learn H'``, ...,
        ``'evaluate'``): the rewards (given and centred), the learned policies and training
        results carried between stages, and the stage's own arrays.
    thread_bytes : int
        Scratch of one worker thread (the widest stage's: value-iteration lanes or a policy's
        chain), whatever the chunk size.
    """

    model_bytes: int
    structure_bytes: int
    build_bytes: int
    per_sample_state: dict[str, int]
    thread_bytes: int

    @property
    def peak_per_sample_state(self) -> int:
        return max(self.per_sample_state.values())

    def total(self, chunk: int, num_states: int, threads: int = 1) -> int:
        """Peak bytes of building the problem and solving ``chunk`` samples at once on ``threads``
        threads (the joint MDP included; the interpreter and a runner's own arrays not)."""
        held = self.model_bytes + self.structure_bytes
        solve = held + threads * self.thread_bytes + chunk * num_states * self.peak_per_sample_state
        return int(max(held + self.build_bytes, solve))

    def largest_chunk(self, num_states: int, available: int, threads: int = 1) -> int:
        """The most samples per chunk that fit in ``available`` bytes (0 if none)."""
        spare = available - self.model_bytes - self.structure_bytes - threads * self.thread_bytes
        if spare <= 0 or self.model_bytes + self.structure_bytes + self.build_bytes > available:
            return 0
        return int(spare // (num_states * self.peak_per_sample_state))


def learning_chain_memory(
    joint: JointMDP, agents: Sequence[str] | None = None, diagnostic: bool = False
) -> ChainMemory:
    """What a :class:`LearningChainProblem` on ``joint`` will need, before building it.

    Counted from the joint MDP's sizes (the stages' available rows from its action mask; their
    entries at most the joint MDP's: folding only merges rows' entries), array by array as the
    solvers allocate them, so that a runner can refuse a run that would not fit, or choose its
    chunk size, before anything is built. Checked against measured peaks in
    ``benchmarks/bench_agents.py`` (it errs high).

    Parameters
    ----------
    joint : JointMDP
    agents : sequence of str, optional
        The learning order (default: the joint MDP's agents).
    diagnostic : bool

    Returns
    -------
    ChainMemory

    Raises
    ------
    ResourceLimitError
        If a dense joint-action lookup alone is over the solvers' limit.

    Examples
    --------
    >>> from powerplay.model.gridworld import gridworld, joint_gridworld
    >>> joint = joint_gridworld(gridworld(2, 2), agents=('H', 'A', 'B'))
    >>> memory = learning_chain_memory(joint)
    >>> list(memory.per_sample_state)
    ['learn H', 'learn A', 'learn B', 'evaluate']
    >>> memory.total(64, joint.num_states) > memory.structure_bytes
    True
    """
    order = _learning_order(joint, agents)
    n = len(order)
    S = joint.num_states
    position = [joint.agent_index(agent) for agent in order]
    shape = joint.action_shape
    nnz = int(joint.transitions.nnz)
    check_row_index(S, joint.num_joint_actions, joint.name)
    mask = joint.action_mask
    widest = max(shape)
    structure = 0
    thread = 0
    for k in range(n):
        later = tuple(1 + position[j] for j in range(k + 1, n))
        rows = int(mask.any(axis=later).sum()) if later else int(mask.sum())
        entries = nnz + rows  # each row's entries, self-loops kept apart
        structure += 8 * (S + 1) + 8 * (rows + 1) + 16 * entries + 16 * rows  # RowStructure
        if k == 0:
            # value-iteration lanes: R, V, W and action values
            thread = max(thread, 24 * kernels.LANES * S + 8 * kernels.LANES * widest)
            continue
        width = int(np.prod([shape[position[j]] for j in range(k + 1)], dtype=np.int64))
        structure += 8 * (k + 1) * rows + 8 * S * width  # per-agent actions, dense lookup
        structure += 8 * (S * shape[position[k]] + 1) + 8 * (k + 1) * rows  # the acting agent's index
        slots = min(rows, S * width // shape[position[k]])
        # stochastic stages (of three or more agents): the lane layout, a copy of the rows
        structure += 8 * (rows + 1) + 16 * entries + 8 * (k + 2) * rows + 8 * (S + 1) * 2 + 8 * (k + 1) * slots
        lanes = 24 * kernels.LANES * S + 8 * kernels.LANES * slots + 2 * kernels.LANES * S + 9 * S
        chain = 32 * entries + 96 * S + 8 * kernels.DIRECT_MAX**2 + 8 * S * (4 + 4 * shape[position[k]])
        thread = max(thread, lanes, chain)
    model = 12 * nnz + 8 * (S * joint.num_joint_actions + 1) + mask.size
    # Folding a seed policy in: the joint's triples, the weights, the folded triples and the CSR built from them.
    build = (n - 1) * 96 * nnz
    keys = n + (2 * (n - 1) if diagnostic else 0)
    carried = 16 * n  # rewards as given and centred
    per_stage: dict[str, int] = {}
    for k, agent in enumerate(order):
        # the policies and training results so far, the others' stacked masks, values, continuation, policy
        per_stage[f"learn {agent}"] = carried + 16 * k + 8 * k + 40
    # every policy and training result, a stack of every agent's masks, values and continuation,
    # the POWER arrays
    per_stage["evaluate"] = carried + 16 * n + 8 * n + 24 + 8 * keys
    return ChainMemory(int(model), int(structure), int(build), per_stage, int(thread))


class LearningChainProblem:
    """POWER of any number of agents that learn one after another (``multiagent_with_reward``).

    Per reward sample (each agent has its own rewards, :class:`~powerplay.model.rewards.RewardStream`):

    1. ``agents[0]`` learns an optimal policy on the MDP with every later agent's seed policy
       folded in (value iteration, stopped once its tie sets are certain);
    2. ``agents[k]`` (k = 1 ... n-1) learns an optimal response (policy iteration) to the frozen
       learned policies of ``agents[:k]``, on the joint MDP with the seed policies of
       ``agents[k+1:]`` folded in;
    3. the last agent's POWER comes from its optimal values; every other agent's from its
       learned policy evaluated against all the others' learned policies.

    Tie sets are policies uniform over the actions within ``settings.tie_tolerance`` of the
    best; a tie-split joint action weighs each joint row by the product of the agents'
    probabilities, in the joint MDP's agent order. Two agents ``('H', 'A')`` give exactly the
    stages, arrays and floating-point operations of :class:`MultiAgentProblem`.

    Parameters
    ----------
    joint : JointMDP
    agents : sequence of str, optional
        The learning order, slowest first: the joint MDP's agents in any order (default:
        theirs).
    discount_rates : mapping or sequence
        ``{agent: gamma}`` or one rate per agent in learning order, each in ``[0, 1)``.
    seed_policies : mapping or sequence of Policy
        ``{agent: policy}`` for every agent but the first (a sequence: keyed by ``policy.agent``).
    diagnostic : bool
        Also compute ``{a}_against_seed`` (each agent but the last: its POWER in its own
        training stage) and ``{a}_seed`` (each agent but the first: following its seed policy
        against the others' learned policies).
    settings : SolverSettings, optional
    rounds : int
        Counter-optimisation rounds after the chain, in ``[0, MAX_ROUNDS]``: every agent
        re-trains in learning order on the full joint MDP against everyone's current policies
        (:class:`RoundsOutcome`; any mix of agent models). 0: the chain alone.
    agent_models : mapping, optional
        ``{agent: AgentModel or config value}`` (:mod:`powerplay.model.agent_models`); agents
        left out are optimal. A non-optimal agent's stage produces its model's policy
        (probabilities ``[B, S, A_i]``) from its optimal action values in that stage; later
        stages respond to it, and its POWER is that policy's value against the others' final
        policies (also for the last agent). In rounds, each of its re-trainings does the same on
        the full joint MDP, and the POWER bounds carry its final policy's error.

    Raises
    ------
    ModelError
        One line naming the agent (and its config parameter) at fault.
    ResourceLimitError
        If a stage's dense joint-action lookup would be too large.

    Examples
    --------
    >>> from powerplay.model.gridworld import gridworld, joint_gridworld
    >>> from powerplay.model.policy import uniform_random_policy
    >>> joint = joint_gridworld(gridworld(1, 3), agents=('H', 'A', 'B'), interaction='remove')
    >>> seeds = {a: uniform_random_policy(joint, a) for a in ('A', 'B')}
    >>> problem = LearningChainProblem(joint, ('H', 'A', 'B'), {'H': 0.9, 'A': 0.9, 'B': 0.9}, seeds)
    >>> rng = np.random.default_rng(0)
    >>> batch = problem.solve({a: rng.random((4, joint.num_states)) for a in problem.agents})
    >>> list(batch.power), batch.power['B'].shape
    (['H', 'A', 'B'], (4, 6))
    """

    def __init__(
        self,
        joint: JointMDP,
        agents: Sequence[str] | None = None,
        discount_rates: Mapping[str, float] | Sequence[float] = (),
        seed_policies: Mapping[str, Policy] | Sequence[Policy] = (),
        diagnostic: bool = False,
        settings: SolverSettings | None = None,
        rounds: int = 0,
        agent_models: Mapping[str, AgentModel | object] | None = None,
    ):
        order = _learning_order(joint, agents)
        self.rounds = check_rounds(rounds)
        self.agents = order
        self.agent_models = _agent_models(order, agent_models)
        self.discount_rates = _discount_rates(order, discount_rates)
        self.seed_policies = _seed_policies(joint, order, seed_policies)
        self.diagnostic = diagnostic
        self.settings = settings or SolverSettings()
        self.states = joint.states
        self.joint = JointStructure(joint)
        stages = _fold_stages(joint, order, self.seed_policies)
        first = stages[0]
        assert isinstance(first, MDP)
        #: Stage 1: the first agent's MDP (value iteration).
        self.first_rows = RowStructure.of_mdp(first)
        #: Stages 2 ... n-1: the joint MDPs of the first k agents (later seeds folded in); then the full joint.
        middle = []
        for stage in stages[1:-1]:
            assert isinstance(stage, JointMDP)
            middle.append(JointStructure(stage))
        self.stage_structures: tuple[JointStructure, ...] = (*middle, self.joint)
        # How each later agent learns: policy iteration (exact evaluation of its chains) where
        # the stage's rows are deterministic, and always for two agents (the published
        # MultiAgentProblem); value iteration across samples where they are stochastic (a
        # later agent's seed policy folded in, or noise), as policy iteration would evaluate
        # chains with stochastic rows in every state one sample at a time.
        self.stage_groups: tuple[ResponseGroups | None, ...] = tuple(
            None if len(order) == 2 or structure.rows.deterministic else ResponseGroups.of(structure, agent)
            for agent, structure in zip(order[1:], self.stage_structures)
        )
        # Seed policies as dense [S, A_i] arrays for the diagnostics.
        self.seed_probabilities = {a: np.ascontiguousarray(p.probabilities) for a, p in self.seed_policies.items()}
        # Shift-equivariant (centred rewards are solved) when no stage can leak mass: every
        # joint row sums to one, every state has every combination of its agents' actions,
        # and the seed policies fold into rows that sum to one.
        self.closed = self.joint.complete and all(s.complete for s in middle) and not self.first_rows.leaks
        self.precision = Precision(self.closed, _chain_terms(joint))
        # Built when first needed (non-optimal agents, or responses to their policies).
        self._lazy: dict[object, object] = {}
        self._all_optimal = all(model.is_optimal for model in self.agent_models.values())
        self._valued_models = sum(model.needs_action_values for model in self.agent_models.values())
        #: Rounds: each agent's re-training on the full joint MDP, with the last stage's choice of
        #: algorithm (the last agent's is its stage-n one).
        self.round_groups: tuple[ResponseGroups | None, ...] = ()
        if self.rounds:
            self.round_groups = tuple(
                self.stage_groups[-1]
                if agent == order[-1]
                else None
                if len(order) == 2 or self.joint.rows.deterministic
                else ResponseGroups.of(self.joint, agent)
                for agent in order
            )

    # -- the protocol -------------------------------------------------------------------

    def _learn(self, rewards: Mapping[str, np.ndarray], seconds: dict[str, float] | None = None):
        """Centred rewards, the learned policies (tie masks, or a non-optimal model's
        probabilities), the training stages' results (continuation or None, convergence), and
        each non-optimal agent's policy error (an L1 bound per state, ``[B]``)."""
        clock = time.perf_counter()
        centred_rewards, centrings = {}, {}
        for agent in self.agents:
            centred_rewards[agent], centrings[agent] = centred(_rewards_of(rewards, agent), self.closed)
        shapes = {r.shape for r in centred_rewards.values()}
        if len(shapes) != 1:
            raise ModelError(f"every agent's rewards must have the same shape, got {sorted(shapes)}")
        first = self.agents[0]
        reach = self._reach(centred_rewards)
        errors: dict[str, np.ndarray] = {}
        policies: dict[str, np.ndarray] = {}
        trained: dict[str, tuple[np.ndarray | None, Convergence]] = {}
        # 1. The first agent's optimal policies against the later agents' seed policies.
        if self.agent_models[first].is_optimal:
            policy, continuation, conv = self._learn_first(centred_rewards[first])
            policies[first] = policy
            trained[first] = (continuation, conv)
        else:
            policies[first], errors[first], conv = self._first_model_policy(centred_rewards[first], reach)
            trained[first] = (None, conv)
        if seconds is not None:
            seconds[f"learn {first}"], clock = time.perf_counter() - clock, time.perf_counter()
        # 2. Each later agent's optimal responses to the frozen policies before it.
        for k, (agent, structure, groups) in enumerate(zip(self.agents[1:], self.stage_structures, self.stage_groups)):
            others = [policies[other] for other in structure.agents if other != agent]
            if self.agent_models[agent].is_optimal and all(p.dtype == np.uint64 for p in others):
                policy, continuation, conv = self._respond(agent, structure, groups, others, centred_rewards[agent])
                policies[agent] = policy
                trained[agent] = (continuation, conv)
            else:
                policy, model_continuation, conv, error = self._response_model_policy(
                    k + 1, agent, structure, groups, others, centred_rewards[agent], reach
                )
                policies[agent] = policy
                trained[agent] = (model_continuation, conv)
                if error is not None:
                    errors[agent] = error
            if seconds is not None:
                seconds[f"learn {agent}"], clock = time.perf_counter() - clock, time.perf_counter()
        return centred_rewards, centrings, policies, trained, errors

    def _reach(self, centred_rewards: Mapping[str, np.ndarray]) -> np.ndarray:
        """The widest span of any agent's values ``[B]``: a non-optimal policy's error reaches them all."""
        return np.max(
            [span_bound(centred_rewards[a], self.closed) / (1.0 - self.discount_rates[a]) for a in self.agents], axis=0
        )

    # -- non-optimal agents' stages ---------------------------------------------------------

    def _cached(self, key: object, build):
        if key not in self._lazy:
            self._lazy[key] = build()
        return self._lazy[key]

    def _learn_first(self, rewards: np.ndarray) -> tuple[np.ndarray, np.ndarray, Convergence]:
        """The first agent's optimal tie masks ``[B, S]``, continuation ``[B, S]`` and convergence
        on its stage's MDP (the later agents' seed policies folded in), for its centred rewards
        ``[B, S]``: value iteration that stops once each sample's greedy policy is certain (and its
        values are within tolerance)."""
        s = self.settings
        g = self.discount_rates[self.agents[0]]
        values, conv = optimal_values(
            self.first_rows, rewards, g, s.policy_tolerance, s.max_iterations, s.tie_tolerance, s.tolerance
        )
        policy, continuation = greedy(self.first_rows, values, g, s.tie_tolerance)
        return policy, continuation, conv

    def _first_model_policy(self, rewards: np.ndarray, reach: np.ndarray) -> tuple[np.ndarray, np.ndarray, Convergence]:
        """The first agent's model policy ``[B, S, A]`` on its stage's MDP (the later agents'
        seed policies folded in), its L1 error bound ``[B]`` and the values' convergence."""
        first = self.agents[0]
        model, g, s, rows = self.agent_models[first], self.discount_rates[first], self.settings, self.first_rows
        B = rewards.shape[0]
        available = self._cached(
            ("available", 0), lambda: available_actions(rows.state_ptr, rows.row_action, rows.num_actions)
        )
        q = ties = None
        value_error = np.zeros(B)
        conv = _no_convergence(B)
        if model.needs_action_values:
            # Accurate enough that the softmax's error moves POWER by at most a quarter of the tolerance.
            classes = value_tolerance(model, s.tolerance, g, reach, self._valued_models, s.policy_tolerance)
            values, conv = solve_by_class(
                classes,
                lambda index, tol: optimal_values(rows, rewards[index], g, tol, s.max_iterations, accelerate=True),
                rewards.shape[1],
            )
            groups = self._cached(("groups", 0), lambda: ResponseGroups.of_mdp(rows))
            no_others = np.zeros((0, B, rewards.shape[1]), dtype=np.uint64)
            _, _, q = response_greedy(groups, no_others, values, g, s.tie_tolerance, with_action_values=True)
            q = _widen(q, rows.num_actions)
            value_error = action_value_error(conv.bound, values, g, self.precision.terms)
        elif model.needs_ties:
            mask, _, conv = self._learn_first(rewards)
            ties = mask_to_probabilities(mask, rows.num_actions)
        policy = model.policy(q, ties, available, g, B)
        return np.ascontiguousarray(policy), model.policy_error(value_error, g), conv

    def _response_model_policy(
        self,
        stage: int,
        agent: str,
        structure: JointStructure,
        groups: ResponseGroups | None,
        others: list[np.ndarray],
        rewards: np.ndarray,
        reach: np.ndarray,
        incremental: bool = False,
    ) -> tuple[np.ndarray, np.ndarray | None, Convergence, np.ndarray | None]:
        """Agent ``agent``'s stage when it is not optimal or responds to a non-optimal policy:
        its policy (tie masks for an optimal agent, else its model's probabilities), its
        continuation (optimal agents only), the convergence, and its policy error (or None).

        ``incremental``: where the stage is policy iteration, its incremental form (the same
        tie masks and certified values, other last bits; a rounds' re-training that need not
        equal a chain stage bit for bit)."""
        model, g, s = self.agent_models[agent], self.discount_rates[agent], self.settings
        B, S = rewards.shape
        i = structure.agent_position(agent)
        num_actions = int(structure.action_shape[i])
        lanes = self._cached(("groups", stage), lambda: groups or ResponseGroups.of(structure, agent))
        dense = any(p.dtype != np.uint64 for p in others)
        if dense:
            widest = max((int(structure.action_shape[j]) for j in range(structure.num_agents) if j != i), default=1)
            if len(others) == 1 and others[0].dtype != np.uint64 and others[0].shape[2] == widest:
                weights: np.ndarray = np.ascontiguousarray(others[0])[None]  # no copy of [B, S, A]
            else:
                weights = np.empty((len(others), B, S, widest))
                for j, p in enumerate(others):
                    probabilities(p, widest, out=weights[j])
        else:
            weights = np.stack(others) if others else np.zeros((0, B, S), dtype=np.uint64)
        need_q = model.needs_action_values
        if not (need_q or model.needs_ties):  # Boltzmann at beta = 0: no values needed
            values, conv, mask = None, _no_convergence(B), None
        elif groups is None and not dense:
            # Policy iteration (deterministic stage, tie masks): exact values and certified tie sets.
            values, _, mask, conv = best_response(structure, agent, others, rewards, g, s, incremental=incremental)
        elif need_q and not model.is_optimal:
            classes = value_tolerance(model, s.tolerance, g, reach, self._valued_models, s.policy_tolerance)
            values, conv = solve_by_class(
                classes,
                lambda index, tol: response_values(
                    lanes,
                    weights[:, index],
                    rewards[index],
                    g,
                    tol,
                    s.max_iterations,
                    stage=f"agent {agent}",
                    accelerate=True,
                ),
                S,
            )
            mask = None
        else:
            # Certified tie sets; the values within a share of the tolerance, the others' policy
            # errors taking the rest.
            values, conv = response_values(
                lanes,
                weights,
                rewards,
                g,
                s.policy_tolerance,
                s.max_iterations,
                s.tie_tolerance,
                SOLVE_SHARE * s.tolerance,
                f"best response of agent {agent}",
                accelerate=True,
            )
            mask = None
        q = continuation = None
        if values is not None:
            if need_q:
                found, continuation, action_values = response_greedy(
                    lanes, weights, values, g, s.tie_tolerance, with_action_values=True
                )
                q = _widen(action_values, num_actions)
            else:
                found, continuation = response_greedy(lanes, weights, values, g, s.tie_tolerance)
            mask = found if mask is None else mask
        if model.is_optimal:
            assert mask is not None
            return mask, continuation, conv, None
        available = self._cached(
            ("available", stage),
            lambda: available_actions(structure.rows.state_ptr, structure.row_agent_action[:, i], num_actions),
        )
        ties = mask_to_probabilities(mask, num_actions) if model.needs_ties and mask is not None else None
        value_error = (
            action_value_error(conv.bound, values, g, self.precision.terms)
            if need_q and values is not None
            else np.zeros(B)
        )
        policy = np.ascontiguousarray(model.policy(q, ties, available, g, B))
        return policy, None, conv, model.policy_error(value_error, g)

    def _evaluate(
        self,
        structure: JointStructure,
        stage: object,
        policies: Sequence[np.ndarray],
        rewards: np.ndarray,
        gamma: float,
    ) -> tuple[np.ndarray, Convergence]:
        """Continuation values ``[B, S]`` of fixed policies of every agent of ``structure`` (agent
        order): tie masks and shared seed policies by their chains (:func:`joint_policy_values`),
        per-sample probabilities by value iteration across samples (:func:`evaluate_policies`)."""
        s = self.settings
        # With non-optimal agents the policies' errors take a share of the threshold (see models).
        tolerance = s.tolerance if self._all_optimal else SOLVE_SHARE * s.tolerance
        if all(p.dtype == np.uint64 or p.ndim == 2 for p in policies):
            _, continuation, conv = joint_policy_values(
                structure, policies, rewards, gamma, tolerance, s.max_iterations
            )
            return continuation, conv
        B = rewards.shape[0]
        widest = int(structure.action_shape.max(initial=1))
        dense = np.zeros((len(policies), B, rewards.shape[1], widest))
        for j, p in enumerate(policies):
            if p.dtype != np.uint64 and p.ndim == 2:  # a shared (seed) policy [S, A_j]
                dense[j, :, :, : p.shape[1]] = p[None]
            else:
                probabilities(p, widest, out=dense[j])
        groups = self._cached(
            ("evaluation", stage),
            lambda: ResponseGroups.evaluation(structure.rows, structure.row_agent_action, structure.complete),
        )
        _, continuation, conv = evaluate_policies(groups, dense, rewards, gamma, tolerance, s.max_iterations)
        return continuation, conv

    def _first_stage_evaluation(self, policy: np.ndarray, rewards: np.ndarray, gamma: float):
        """The first agent's policy evaluated in its training stage (the later seeds folded in)."""
        rows = self.first_rows
        groups = self._cached(
            ("evaluation", "first"), lambda: ResponseGroups.evaluation(rows, rows.row_action[:, None], self.closed)
        )
        s = self.settings
        _, continuation, conv = evaluate_policies(
            groups,
            [probabilities(policy, rows.num_actions)],
            rewards,
            gamma,
            SOLVE_SHARE * s.tolerance,
            s.max_iterations,
        )
        return continuation, conv

    def _play(self, rewards: Mapping[str, np.ndarray], seconds: dict[str, float] | None = None):
        """:meth:`_learn`, then the counter-optimisation rounds (if any): centred rewards, their
        centrings, the final policies, the training results that POWER reads (the last agent's
        from its last training), the final policies' errors, and ``(RoundsOutcome, {agent:
        rounds' convergence}, chain)`` or None, ``chain`` the learning chain's ``(policies,
        errors)`` that its stages' results and diagnostics read (policies only when ``diagnostic``)."""
        centred_rewards, centrings, policies, trained, errors = self._learn(rewards, seconds)
        if not self.rounds:
            return centred_rewards, centrings, policies, trained, errors, None
        last = self.agents[-1]
        chain = (dict(policies) if self.diagnostic else {}, dict(errors))
        final, final_last, final_errors, outcome, retrained = self._counter_optimise(
            centred_rewards, policies, trained[last], errors, seconds
        )
        trained = {**trained, last: final_last}
        return centred_rewards, centrings, final, trained, final_errors, (outcome, retrained, chain)

    def _counter_optimise(
        self,
        rewards: Mapping[str, np.ndarray],
        policies: Mapping[str, np.ndarray],
        last_trained: tuple[np.ndarray | None, Convergence],
        errors: Mapping[str, np.ndarray] | None = None,
        seconds: dict[str, float] | None = None,
    ) -> tuple[
        dict[str, np.ndarray],
        tuple[np.ndarray | None, Convergence],
        dict[str, np.ndarray],
        RoundsOutcome,
        dict[str, Convergence],
    ]:
        """Rounds 1 ... ``self.rounds`` of re-training after the learning chain (see :class:`RoundsOutcome`).

        Each re-training is ``agent``'s stage on the full joint MDP against everyone's current
        policies (:meth:`_retrain`: an optimal agent's best response, a non-optimal agent's
        model policy), compared with its current policy bit for bit (tie masks, or
        probabilities by their bit patterns). A re-training is a deterministic function of the
        others' policies and the sample's own rewards, so once ``n - 1`` re-trainings in a row
        have changed nothing, the next agent faces exactly what it faced at its own last
        re-training (or, for the last agent, its chain stage on the full joint MDP) and every
        later re-training would return the policies unchanged: the sample has reached its fixed
        point (in this round if the streak covers the round's first re-training, else in the
        next) and leaves the batch without computing them. A sample whose profile after a round
        equals one of two or more rounds before (two 64-bit hashes of its policies' words,
        :func:`~powerplay.solvers.kernels.profile_hashes`) has cycled and leaves too. The
        others go on, compacted into a smaller batch: every sample is solved independently, so
        its numbers do not depend on which samples share its batch.

        Parameters
        ----------
        rewards : mapping
            ``{agent: [B, S]}`` centred rewards.
        policies : mapping
            The chain's policies: ``[B, S]`` uint64 tie masks or ``[B, S, A_i]`` probabilities.
        last_trained : (continuation [B, S] or None, Convergence)
            The last agent's chain stage (continuation None when it is not optimal).
        errors : mapping, optional
            ``{agent: [B]}`` the chain's non-optimal policies' L1 error bounds.
        seconds : dict, optional
            Filled with each re-training's seconds (``'round r agent'``).

        Returns
        -------
        policies : dict
            Every agent's final policy (tie masks ``[B, S]`` or probabilities ``[B, S, A_i]``).
        last : (continuation [B, S] or None, Convergence)
            The last agent's training result against the final policies (from its last
            re-training, or its chain stage if it was not re-trained); continuation None when
            it is not optimal.
        errors : dict
            ``{agent: [B]}`` each non-optimal agent's error bound of its final policy (from the
            re-training that produced it, or the chain's).
        outcome : RoundsOutcome
        retrained : dict
            Per agent, the convergence of its re-trainings per sample (iterations summed,
            largest bound, capped if any was).
        """
        order, last, n, K = self.agents, self.agents[-1], len(self.agents), self.rounds
        B = len(policies[order[0]])
        final = {agent: np.array(policies[agent], copy=True) for agent in order}
        final_errors = {agent: np.array(error, copy=True) for agent, error in (errors or {}).items()}
        last_continuation = None if last_trained[0] is None else np.array(last_trained[0], copy=True)
        last_conv = last_trained[1]
        last_iterations, last_bound = np.array(last_conv.iterations, copy=True), np.array(last_conv.bound, copy=True)
        last_capped = np.array(last_conv.capped, copy=True)
        iterations = {agent: np.zeros(B, dtype=np.int64) for agent in order}
        bound = {agent: np.zeros(B) for agent in order}
        capped = {agent: np.zeros(B, dtype=bool) for agent in order}
        fixed_point = np.zeros(B, dtype=np.int64)
        cycle = np.zeros(B, dtype=np.int64)
        period = np.zeros(B, dtype=np.int64)
        retrainings = np.zeros(B, dtype=np.int64)
        hashes = np.empty((B, K + 1, 2), dtype=np.uint64)
        hashes[:, 0] = _profile_hashes([final[a] for a in order])
        # The working batch: the samples still re-training (global indices), compacted as they stop.
        active = np.arange(B)
        current = {agent: final[agent] for agent in order}
        current_errors = dict(final_errors)
        working = dict(rewards)
        # A non-optimal model's accuracy target reads the widest reach of the sample's values.
        reach = None if self._all_optimal else self._reach(rewards)
        streak = np.zeros(B, dtype=np.int64)  # re-trainings in a row that changed nothing
        # Share of states whose mask the agent's last re-training changed (1: not re-trained yet).
        moved = {agent: np.ones(B) for agent in order}

        def stop(done: np.ndarray) -> None:
            nonlocal active, streak, reach
            if not done.any():
                return
            keep = ~done
            for agent in order:
                final[agent][active[done]] = current[agent][done]
                current[agent] = current[agent][keep]
                working[agent] = working[agent][keep]
                moved[agent] = moved[agent][keep]
            for agent, error in current_errors.items():
                final_errors[agent][active[done]] = error[done]
                current_errors[agent] = error[keep]
            if reach is not None:
                reach = reach[keep]
            active, streak = active[keep], streak[keep]

        clock = time.perf_counter()
        for r in range(1, K + 1):
            for k, agent in enumerate(order):
                if not active.size:
                    break
                others = [current[other] for other in self.joint.agents if other != agent]
                policy, continuation, conv, error = self._retrain(
                    k, agent, others, working[agent], current[agent], moved[agent], reach
                )
                retrainings[active] += 1
                iterations[agent][active] += conv.iterations
                bound[agent][active] = np.maximum(bound[agent][active], conv.bound)
                capped[agent][active] |= conv.capped
                if agent == last:
                    if continuation is not None:
                        assert last_continuation is not None
                        last_continuation[active] = continuation
                    last_iterations[active] = conv.iterations
                    last_bound[active] = conv.bound
                    last_capped[active] = conv.capped
                unchanged = (
                    _same_policy(policy, current[agent])
                    if policy.shape == current[agent].shape
                    else np.zeros(len(policy), dtype=bool)
                )
                if policy.dtype == np.uint64:  # (warm starts: tie masks only)
                    moved[agent] = np.mean(policy != current[agent], axis=1)
                current[agent] = policy
                if error is not None:
                    current_errors[agent] = error
                streak = np.where(unchanged, streak + 1, 0)
                if seconds is not None:
                    seconds[f"round {r} {agent}"], clock = time.perf_counter() - clock, time.perf_counter()
                settled = streak >= n - 1
                if k < n - 1:  # the streak covers this round's re-trainings so far; the rest repeat them
                    fixed_point[active[settled]] = r
                elif r < K:  # the round's first re-training changed a policy: the next round changes none
                    fixed_point[active[settled]] = r + 1
                else:  # the next round would change none, but it is past the last
                    settled[:] = False
                stop(settled)
            if not active.size:
                break
            # The profile after round r against those of rounds 0 ... r - 2 (r - 1: a fixed point).
            hashes[active, r] = _profile_hashes([current[a] for a in order])
            if r >= 2:
                earlier = np.all(hashes[active, : r - 1] == hashes[active, r][:, None, :], axis=2)  # [W, r - 1]
                repeated = earlier.any(axis=1)
                cycle[active[repeated]] = r
                period[active[repeated]] = r - np.argmax(earlier[repeated], axis=1)
                stop(repeated)
        stop(np.ones(active.size, dtype=bool))
        outcome = RoundsOutcome(K, fixed_point, cycle, period, retrainings)
        retrained = {a: Convergence(iterations[a], bound[a], capped[a]) for a in order}
        last_result = (last_continuation, Convergence(last_iterations, last_bound, last_capped))
        return final, last_result, final_errors, outcome, retrained

    def _retrain(
        self,
        k: int,
        agent: str,
        others: list[np.ndarray],
        rewards: np.ndarray,
        current: np.ndarray,
        moved: np.ndarray,
        reach: np.ndarray | None,
    ) -> tuple[np.ndarray, np.ndarray | None, Convergence, np.ndarray | None]:
        """One re-training of a round: ``agent`` (``order[k]``) on the full joint MDP against the
        others' current policies (joint MDP's agent order), the chain's choice made again.

        An optimal agent facing tie masks only responds by :meth:`_respond` (warm-started from
        its ``current`` tie masks where its last re-training moved at most
        :data:`WARM_START_MOVED` of them); otherwise (a non-optimal agent, or one facing a
        non-optimal policy) it goes through the chain's non-optimal stage,
        :meth:`_response_model_policy`, on the joint MDP (for the last agent with its chain
        stage's lanes, so that its re-training against the chain's policies is its chain stage
        bit for bit), ``reach [B]`` setting a model's accuracy.

        Returns
        -------
        policy, continuation (optimal agents, else None), Convergence, error ``[B]`` (non-optimal agents, else None)
        """
        groups = self.round_groups[k]
        if self.agent_models[agent].is_optimal and all(p.dtype == np.uint64 for p in others):
            # Policy iteration starts from the agent's current masks once its policy is settling
            # (same masks as a cold start either way; a sample's choice depends on it alone).
            warm = np.where((moved <= WARM_START_MOVED)[:, None], current, np.uint64(0))
            policy, continuation, conv = self._respond(
                agent, self.joint, groups, others, rewards, warm=warm, incremental=True
            )
            return policy, continuation, conv, None
        assert reach is not None
        # The last agent's chain stage is the joint MDP: its lanes and cache keys are shared; the
        # others' re-trainings get keys of their own (n + k) beside the chain's stages (0 ... n - 1).
        n = len(self.agents)
        stage = n - 1 if k == n - 1 else n + k
        # Only the last agent must repeat its chain stage bit for bit; the others' policy
        # iteration can be incremental (a deterministic function of its inputs all the same,
        # so a model's fixed points are still found by equal bits).
        return self._response_model_policy(
            stage, agent, self.joint, groups, others, rewards, reach, incremental=k != n - 1
        )

    def _respond(
        self,
        agent: str,
        structure: JointStructure,
        groups: ResponseGroups | None,
        others: Sequence[np.ndarray],
        rewards: np.ndarray,
        warm: np.ndarray | None = None,
        incremental: bool = False,
    ) -> tuple[np.ndarray, np.ndarray, Convergence]:
        """An optimal agent's response on ``structure`` to the others' tie masks (``[B, S]``
        each, in the structure's agent order) for its centred rewards ``[B, S]``: its tie masks,
        continuation ``[B, S]`` and convergence. The chain's later stages (:meth:`_learn`, step
        2) and the rounds' re-trainings both call it, so that the last agent's tie masks on the
        full joint MDP are its chain stage's when the others' are (the rounds rely on it).

        Policy iteration when ``groups`` is None -- warm-started from ``warm`` tie masks ``[B,
        S]`` if given (a sample whose masks are zero starts cold), incremental where every chain
        is a functional graph if ``incremental``: both give the same tie masks as the cold full
        iteration -- else value iteration across samples on the response's lane layout
        (``groups``).
        """
        s = self.settings
        g = self.discount_rates[agent]
        if groups is None:
            _, continuation, policy, conv = best_response(
                structure, agent, others, rewards, g, s, warm, incremental=incremental
            )
            return policy, continuation, conv
        stacked = np.stack(others)
        values, conv = response_values(
            groups,
            stacked,
            rewards,
            g,
            s.policy_tolerance,
            s.max_iterations,
            s.tie_tolerance,
            s.tolerance,
            f"best response of agent {agent}",
        )
        policy, continuation = response_greedy(groups, stacked, values, g, s.tie_tolerance)
        return policy, continuation, conv

    def policies(self, rewards: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Every agent's learned policy (learning order): optimal agents' as ``[B, S]`` uint64 tie
        masks, non-optimal agents' as probabilities ``[B, S, A_i]``.

        Bit ``a`` (or column ``a``) indexes the agent's own actions (``joint.agent_actions(agent)``).
        The first agent's is learned against the later agents' seed policies; each later agent's
        against the learned policies before it; with ``rounds``, the policies the rounds ended with.
        """
        return self._play(rewards)[2]

    def solve(self, rewards: Mapping[str, np.ndarray]) -> BatchResult:
        """POWER samples ``[B, S]`` of every agent (and the diagnostics) for reward samples ``{agent: [B, S]}``.

        Keys in order: the agents (learning order), then ``{a}_against_seed`` and ``{a}_seed``
        when ``diagnostic``. Convergence per stage: ``{a}_against_seed`` (each agent's training
        stage but the last's), the last agent, each other agent's evaluation, ``{a}_seed``.
        Bounds include the non-optimal policies' errors (:mod:`powerplay.solvers.models`).
        """
        seconds: dict[str, float] = {}
        rewards_c, centrings, policies, trained, errors, rounds = self._play(rewards, seconds)
        # The training stages' diagnostics read the chain's policies and errors (rounds replace
        # ``policies`` and ``errors`` by the final ones).
        chain_policies, chain_errors = (policies, errors) if rounds is None else rounds[2]
        last = self.agents[-1]
        power: dict[str, np.ndarray] = {}
        convergence: dict[str, Convergence] = {}
        against_seed: dict[str, np.ndarray] = {}
        final = [policies[agent] for agent in self.joint.agents]

        def restore(
            agent: str, continuation: np.ndarray, conv: Convergence, among, errors=errors
        ) -> tuple[np.ndarray, Convergence]:
            g = self.discount_rates[agent]
            terms = [errors[a] for a in among if a in errors]
            if terms:
                extra = policy_error_bound(terms, rewards_c[agent], g, self.closed)
                conv = replace(conv, bound=conv.bound + extra)
            return centrings[agent].restore((1.0 - g) * continuation, conv)

        for k, agent in enumerate(self.agents):
            g = self.discount_rates[agent]
            continuation, conv = trained[agent]
            if agent == last and continuation is not None:
                power[agent], convergence[agent] = restore(agent, continuation, conv, self.agents)
                continue
            # Its frozen policy evaluated against every other agent's learned policy.
            clock = time.perf_counter()
            evaluated, conv_eval = self._evaluate(self.joint, "joint", final, rewards_c[agent], g)
            seconds[f"evaluate {agent}"] = time.perf_counter() - clock
            power[agent], convergence[agent] = restore(agent, evaluated, conv_eval, self.agents)
            if agent == last:
                continue
            key = f"{agent}_against_seed"
            if continuation is not None:
                against_seed[key], convergence[key] = restore(agent, continuation, conv, self.agents[:k], chain_errors)
            elif self.diagnostic:
                # A non-optimal agent's POWER in its own training stage: its policy evaluated there.
                if k == 0:
                    evaluated, conv_stage = self._first_stage_evaluation(chain_policies[agent], rewards_c[agent], g)
                else:
                    structure = self.stage_structures[k - 1]
                    evaluated, conv_stage = self._evaluate(
                        structure, k, [chain_policies[a] for a in structure.agents], rewards_c[agent], g
                    )
                against_seed[key], convergence[key] = restore(
                    agent, evaluated, conv_stage, self.agents[: k + 1], chain_errors
                )
            else:
                convergence[key] = conv  # the training stage's values
        if self.diagnostic:
            power.update(against_seed)
            for agent in self.agents[1:]:
                g = self.discount_rates[agent]
                mixed = [self.seed_probabilities[a] if a == agent else policies[a] for a in self.joint.agents]
                clock = time.perf_counter()
                continuation, conv = self._evaluate(self.joint, "joint", mixed, rewards_c[agent], g)
                seconds[f"seed {agent}"] = time.perf_counter() - clock
                key = f"{agent}_seed"
                power[key], convergence[key] = restore(
                    agent, continuation, conv, [a for a in self.agents if a != agent]
                )
        order = [
            *(f"{a}_against_seed" for a in self.agents[:-1]),
            last,
            *self.agents[:-1],
            *(f"{a}_seed" for a in self.agents[1:]),
        ]
        if rounds is not None:
            outcome, retrained, _ = rounds
            convergence.update({f"{a}_rounds": conv for a, conv in retrained.items()})
            order += [f"{a}_rounds" for a in self.agents]
        else:
            outcome = None
        return BatchResult(power, {k: convergence[k] for k in order if k in convergence}, seconds, outcome)


def _agent_models(order: tuple[str, ...], models: Mapping[str, AgentModel | object] | None) -> dict[str, AgentModel]:
    """Every agent's model (optimal unless given), errors naming ``agent_model_agent_X``."""
    given = dict(models or {})
    unknown = [agent for agent in given if agent not in order]
    if unknown:
        raise ModelError(
            f"agent model for {unknown[0]!r}, which is not one of the agents {list(order)}",
            f"agent_model_agent_{unknown[0]}",
        )
    return {agent: _model_of(given.get(agent, OPTIMAL), f"agent_model_agent_{agent}") for agent in order}


class MultiAgentProblem(LearningChainProblem):
    """POWER of Agents H and A in the human-AI setting (``multiagent_with_reward``).

    :class:`LearningChainProblem` for the agents ``('H', 'A')``, with the published signature.

    Parameters
    ----------
    joint : JointMDP
    seed_policy_A : Policy
        Agent A's seed policy, which H's policies are optimised against.
    discount_rate_H, discount_rate_A : float in [0, 1)
    diagnostic : bool
        Also compute H's POWER against the seed policy and A's POWER under the seed policy.
    settings : SolverSettings, optional
    rounds : int
        Counter-optimisation rounds after the chain (:class:`LearningChainProblem`).
    agent_models : mapping, optional
        ``{'H': model, 'A': model}`` (see :class:`LearningChainProblem`); default optimal.
    """

    def __init__(
        self,
        joint: JointMDP,
        seed_policy_A: Policy,
        discount_rate_H: float,
        discount_rate_A: float,
        diagnostic: bool = False,
        settings: SolverSettings | None = None,
        rounds: int = 0,
        agent_models: Mapping[str, AgentModel | object] | None = None,
    ):
        if not isinstance(joint, JointMDP):
            raise ModelError(f"MDP {getattr(joint, 'name', joint)!r} is not a joint MDP")
        if seed_policy_A.agent != "A":
            raise ModelError(f"seed policy {seed_policy_A.name!r} must be an Agent A policy")
        check_policy_compatible(seed_policy_A, joint)
        super().__init__(
            joint,
            ("H", "A"),
            {"H": discount_rate_H, "A": discount_rate_A},
            {"A": seed_policy_A},
            diagnostic,
            settings,
            rounds,
            agent_models,
        )
        self.discount_rate_H = self.discount_rates["H"]
        self.discount_rate_A = self.discount_rates["A"]
        self.seed_policy = self.seed_probabilities["A"]  # [S, A_A]
        self.rows_H = self.first_rows

    def policies(
        self, rewards_H: np.ndarray | Mapping[str, np.ndarray], rewards_A: np.ndarray | None = None
    ) -> dict[str, np.ndarray]:
        """Both agents' optimal policies ``{'H': [B, S], 'A': [B, S]}`` as uint64 tie masks.

        H's policy is optimal against A's seed policy; A's is optimal against H's. Bits index
        ``joint.actions_H`` and ``joint.actions_A``.
        """
        return super().policies(self._pair(rewards_H, rewards_A))

    def solve(
        self, rewards_H: np.ndarray | Mapping[str, np.ndarray], rewards_A: np.ndarray | None = None
    ) -> BatchResult:
        """POWER samples ``[B, S]`` of both agents (and diagnostics) for paired reward samples."""
        return super().solve(self._pair(rewards_H, rewards_A))

    @staticmethod
    def _pair(rewards_H, rewards_A) -> Mapping[str, np.ndarray]:
        if isinstance(rewards_H, Mapping):
            return rewards_H
        if rewards_A is None:
            raise ModelError("multiagent_with_reward needs Agent A's reward samples")
        return {"H": rewards_H, "A": rewards_A}
