"""Batched value computations over reward samples (thin wrappers over the compiled kernels).

All functions take rewards ``[B, S]`` (one reward function per row) and return arrays of the
same leading shape. Each sample is solved independently, so results do not depend on how
samples are grouped, on ``B``, or on the number of threads.

Tolerances are in POWER units: a bound ``e`` on a sample means every state's POWER from these
values is within ``e`` of the exact POWER.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal, overload

import numba
import numpy as np

from ..errors import ConvergenceWarning, ModelError
from . import kernels
from .structure import JointStructure, ResponseGroups, ResponseIndex, RowStructure


@dataclass(frozen=True)
class SolverSettings:
    """Accuracy and tie-breaking settings shared by all solvers.

    Parameters
    ----------
    tolerance : float
        Certified bound on each reported POWER sample's error (POWER units).
    policy_tolerance : float
        Accuracy of values from which a policy is read off (must be well below
        ``tie_tolerance`` for ties to be found reliably). Value iteration for a policy stops
        earlier once the policy's tie sets are certain (see :func:`optimal_values`).
    tie_tolerance : float
        Actions whose action values, in POWER units ``(1 - gamma) * (Q_max - Q_a)``, are within
        this of the best are treated as tied, and the policy splits uniformly among them.
    max_iterations : int
        Cap on sweeps (value iteration) or improvement steps (policy iteration) per sample.
        Hitting it issues a :class:`ConvergenceWarning` and the achieved bound is reported.
    """

    tolerance: float = 1e-4
    policy_tolerance: float = 1e-9
    tie_tolerance: float = 1e-8
    max_iterations: int = 100_000

    def __post_init__(self) -> None:
        for field in ("tolerance", "policy_tolerance", "tie_tolerance"):
            if not getattr(self, field) > 0:
                raise ModelError(f"{field} must be positive, got {getattr(self, field)!r}")
        if self.policy_tolerance >= self.tie_tolerance:
            raise ModelError("policy_tolerance must be smaller than tie_tolerance")
        if self.max_iterations < 1:
            raise ModelError(f"max_iterations must be at least 1, got {self.max_iterations!r}")


@dataclass(frozen=True)
class Convergence:
    """Per-sample convergence record of one solver stage.

    Attributes
    ----------
    iterations : [B] int
        Sweeps (value iteration) or policy-improvement steps (policy iteration).
    bound : [B] float
        Certified POWER-unit error bound achieved, rounding included (exact evaluations: from
        their Bellman residual, around 1e-13 times the rewards' size at ordinary discount rates).
    capped : [B] bool
        Whether the sample stopped at the iteration cap.
    """

    iterations: np.ndarray
    bound: np.ndarray
    capped: np.ndarray


def check_discount_rate(gamma: float, field: str = "discount_rate") -> float:
    """Return ``gamma`` as a float if it is in ``[0, 1)``.

    ``gamma = 0`` is the limit in which POWER is the best action's expected next-state
    reward. ``gamma = 1`` is rejected: POWER's ``(1 - gamma) / gamma`` normalisation vanishes
    and optimal values diverge.

    Raises
    ------
    ModelError
        Naming ``field`` (in the message and as its ``field``).
    """
    try:
        g = float(gamma)
    except (TypeError, ValueError):
        raise ModelError(f"{field} must be a number, got {gamma!r}", field) from None
    if g == 1.0:
        raise ModelError(f"{field} = 1 is not allowed: POWER needs a discount rate below 1", field)
    if not 0.0 <= g < 1.0:
        raise ModelError(f"{field} must be in [0, 1), got {gamma!r}", field)
    return g


def _check_rewards(rewards: np.ndarray, num_states: int) -> np.ndarray:
    rewards = np.ascontiguousarray(rewards, dtype=np.float64)
    if rewards.ndim != 2 or rewards.shape[1] != num_states:
        raise ModelError(f"rewards must be [samples, {num_states}], got shape {rewards.shape}")
    if not np.all(np.isfinite(rewards)):
        raise ModelError("rewards must be finite")
    return rewards


def _record(iterations, bound, cap: int, stage: str) -> Convergence:
    capped = iterations >= cap
    if capped.any():
        warnings.warn(ConvergenceWarning(stage, int(capped.sum()), cap, float(bound.max())), stacklevel=3)
    return Convergence(iterations, bound, capped)


@contextmanager
def _balanced():
    """Hand out parallel blocks one at a time (samples differ in cost); compile with SLP on."""
    with numba.parallel_chunksize(1), kernels.slp_vectorization():
        yield


def _num_blocks(num_samples: int, per_block: int = 1) -> int:
    """How many independent blocks to split samples into (it never changes results)."""
    return max(1, min(-(-num_samples // per_block), 8 * numba.get_num_threads()))


def _lane_blocks(num_samples: int, accelerate: bool) -> int:
    """Blocks for the lane kernels. Accelerated samples' sweep counts vary widely, and a block
    sweeps all its lanes until its last sample is done: fewer, larger blocks (1 per thread, at
    least 4 lanes' worth of samples each) leave fewer idle lanes. Part 3 maze, A's response to
    a Boltzmann H (beta 5), 1,000 samples, simulated from measured sweep counts (mean 139,
    largest 496): 8, 4 and 2 blocks take 5,560, 4,980 and 4,820 block sweeps, the busier of 2
    threads 2,850, 2,660 and 2,560 (all samples' sweeps spread evenly over 2 x 32 lanes: 2,170)."""
    if not accelerate:
        return _num_blocks(num_samples, kernels.LANES)
    return max(1, min(-(-num_samples // (4 * kernels.LANES)), numba.get_num_threads()))


def optimal_values(
    rows: RowStructure,
    rewards: np.ndarray,
    gamma: float,
    tolerance: float,
    max_iterations: int,
    tie_tolerance: float | None = None,
    certify_tolerance: float | None = None,
    accelerate: bool = False,
) -> tuple[np.ndarray, Convergence]:
    """Optimal values ``[B, S]`` of each reward sample on a shared MDP.

    Stochastic MDPs use Jacobi sweeps with McQueen-Porteus span bounds; MDPs with
    sub-stochastic rows use Gauss-Seidel sweeps with self-loop elimination and the sup-norm
    bound (see :mod:`powerplay.solvers.kernels`).

    With ``tie_tolerance`` (for values from which a policy is read off), a sample also stops
    before its bound reaches ``tolerance`` once the bound is at most ``certify_tolerance``
    and its greedy policy is certain: every action's gap ``(1 - gamma)(Q_max - Q_a)`` is
    farther from ``tie_tolerance`` than the values' error can move it, so :func:`greedy`
    on the returned values gives exactly the tie sets of the exact optimal values.
    """
    gamma = check_discount_rate(gamma)
    S = len(rows.state_ptr) - 1
    rewards = _check_rewards(rewards, S)
    B = rewards.shape[0]
    values = np.empty((B, S))
    iterations = np.zeros(B, dtype=np.int64)
    bound = np.zeros(B)
    blocks = _lane_blocks(B, accelerate)
    jacobi = not rows.leaks
    certify = tie_tolerance is not None
    with _balanced():
        kernels.shared_optimal_values(
            rows.state_ptr,
            rows.row_ptr,
            rows.cols,
            rows.probs,
            rows.row_self,
            rewards,
            gamma,
            float(tolerance),
            int(max_iterations),
            jacobi,
            rows.leaks,
            certify,
            float(tie_tolerance) if tie_tolerance is not None else 0.0,
            float(certify_tolerance if certify_tolerance is not None else tolerance),
            kernels.ANDERSON_MEMORY if accelerate else 0,
            blocks,
            values,
            iterations,
            bound,
        )
    return values, _record(iterations, bound, max_iterations, "optimal values")


#: Largest number of actions an agent may have when its optimal policies are computed
#: (policies are stored as 64-bit masks of the optimal actions).
MAX_POLICY_ACTIONS = 64


def mask_to_probabilities(masks: np.ndarray, num_actions: int, out: np.ndarray | None = None) -> np.ndarray:
    """Expand tie masks ``[...]`` (uint64) into probabilities ``[..., num_actions]``.

    Written to ``out`` (C-contiguous float64 of that shape) if given; a mask without bits set
    gives nan.

    Examples
    --------
    >>> mask_to_probabilities(np.array([0b101], dtype=np.uint64), 3).tolist()
    [[0.5, 0.0, 0.5]]
    """
    masks = np.asarray(masks, dtype=np.uint64)
    shape = (*masks.shape, num_actions)
    if out is None:
        out = np.empty(shape)
    elif out.shape != shape or out.dtype != np.float64 or not out.flags.c_contiguous:
        raise ModelError(f"out must be C-contiguous float64 {shape}, got {out.dtype} {out.shape}")
    kernels.mask_probabilities(np.ascontiguousarray(masks.reshape(-1)), out.reshape(-1, num_actions))
    return out


def _check_policy_width(num_actions: int, agent: str) -> None:
    if num_actions > MAX_POLICY_ACTIONS:
        raise ModelError(
            f"agent {agent} has {num_actions} actions; optimal policies support at most {MAX_POLICY_ACTIONS}"
        )


@overload
def greedy(
    rows: RowStructure, values: np.ndarray, gamma: float, tie_tolerance: float, with_policy: Literal[True] = True
) -> tuple[np.ndarray, np.ndarray]: ...


@overload
def greedy(
    rows: RowStructure, values: np.ndarray, gamma: float, tie_tolerance: float, with_policy: bool
) -> tuple[np.ndarray | None, np.ndarray]: ...


def greedy(
    rows: RowStructure, values: np.ndarray, gamma: float, tie_tolerance: float, with_policy: bool = True
) -> tuple[np.ndarray | None, np.ndarray]:
    """Greedy policy as tie masks ``[B, S]`` (``None`` unless ``with_policy``) and continuation ``[B, S]``.

    The continuation value is ``C(s) = max_a sum_s' P(s'|s,a) V(s')``; POWER is ``(1 - gamma) C``.
    Bit ``a`` of a mask is set for every action within ``tie_tolerance`` of the best (see
    :class:`SolverSettings`); the policy is uniform over the set bits.
    """
    B, S = values.shape
    if with_policy:
        _check_policy_width(rows.num_actions, "H")
    policy = np.empty((B, S) if with_policy else (0, 0), dtype=np.uint64)
    continuation = np.empty((B, S))
    with _balanced():
        kernels.shared_greedy(
            rows.state_ptr,
            rows.row_ptr,
            rows.cols,
            rows.probs,
            rows.row_self,
            rows.row_action,
            np.ascontiguousarray(values),
            float(gamma),
            float(tie_tolerance),
            with_policy,
            _num_blocks(B),
            policy,
            continuation,
        )
    return (policy if with_policy else None), continuation


def _other_masks(others: np.ndarray | Sequence[np.ndarray], B: int, S: int, m: int) -> np.ndarray:
    """The others' tie masks as one ``[m, B, S]`` uint64 array (a single ``[B, S]`` array: one agent)."""
    if isinstance(others, np.ndarray):
        masks = others[None] if others.ndim == 2 else others
    else:
        masks = np.stack(list(others)) if len(others) else np.zeros((0, B, S), dtype=np.uint64)
    if masks.shape != (m, B, S) or masks.dtype != np.uint64:
        raise ModelError(
            f"the other agents' policies must be [{m}, {B}, {S}] uint64 tie masks, got {masks.dtype} {masks.shape}"
        )
    return np.ascontiguousarray(masks)


#: No dense policies (the kernels' placeholder when the others' policies are tie masks).
_NO_PROBABILITIES = np.zeros((0, 0, 0, 0))


def _others(others: np.ndarray | Sequence[np.ndarray], B: int, S: int, m: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """The others' policies for the lane kernels: ``(masks, probabilities, dense)``.

    ``others`` are tie masks (``[m, B, S]`` uint64, or a sequence of ``[B, S]``), or
    probabilities (``[m, B, S, A]`` float64, or a sequence of ``[B, S, A_j]``, zero-padded here
    to the widest).
    """
    dense = (isinstance(others, np.ndarray) and others.dtype != np.uint64) or (
        not isinstance(others, np.ndarray) and any(np.asarray(o).dtype != np.uint64 for o in others)
    )
    if not dense:
        return _other_masks(others, B, S, m), _NO_PROBABILITIES, False
    if isinstance(others, np.ndarray):
        stacked = np.ascontiguousarray(others, dtype=np.float64)
    else:
        widest = max(int(np.shape(o)[-1]) for o in others)
        stacked = np.zeros((len(others), B, S, widest))
        for j, policy in enumerate(others):
            if np.shape(policy)[:2] != (B, S) or np.ndim(policy) != 3:
                raise ModelError(f"the other agents' probabilities must be [{B}, {S}, A], got {np.shape(policy)}")
            stacked[j, :, :, : np.shape(policy)[2]] = policy
    if stacked.ndim != 4 or stacked.shape[:3] != (m, B, S):
        raise ModelError(f"the other agents' probabilities must be [{m}, {B}, {S}, A], got {stacked.shape}")
    return np.zeros((m, 0, 0), dtype=np.uint64), stacked, True


def policy_iteration(
    index: ResponseIndex,
    other_masks: np.ndarray | Sequence[np.ndarray],
    rewards: np.ndarray,
    gamma: float,
    settings: SolverSettings,
    stage: str,
    warm_start: np.ndarray | None = None,
    incremental: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, Convergence]:
    """Optimal values, continuation values and tie-mask policy by per-sample policy iteration.

    Parameters
    ----------
    index : ResponseIndex
    other_masks : [m, B, S] uint64
        The other agents' per-sample policies as tie masks, in agent order (``m = 0`` for a
        single agent; a ``[B, S]`` array for ``m = 1``).
    rewards : [B, S]
    warm_start : [B, S] uint64, optional
        Tie masks of the acting agent to start each sample's policy iteration from (its lowest
        available action per state), e.g. its policy from an earlier response: few improvement
        steps when little has changed. The tie masks returned are a cold start's (read off
        exact values of an optimal policy); values and continuation may differ from a cold
        start's by rounding, within the certified bound.
    incremental : bool
        For samples whose every chain is a functional graph (each action leads to one next state
        or to none, the other agents deterministic), re-value after each improvement only the
        states whose path reaches a switched state, and re-improve only the states with an action
        leading to one of them: the same improvement steps and tie masks, values and
        continuation within the certified bound, at a fraction of the work in the later steps.
        A sample whose tie sets are then not certain is redone by the full iteration from a cold
        start. False: the full iteration alone.

    Returns
    -------
    values, continuation : [B, S]
    policy : [B, S] uint64
    convergence : Convergence
        Policy-improvement steps per sample.
    """
    gamma = check_discount_rate(gamma)
    S = len(index.rows.state_ptr) - 1
    rewards = _check_rewards(rewards, S)
    acting = index.acting
    _check_policy_width(acting.num_act, stage)
    B = rewards.shape[0]
    masks = _other_masks(other_masks, B, S, index.num_others)
    if warm_start is None:
        warm = np.zeros((0, 0), dtype=np.uint64)
    else:
        warm = np.ascontiguousarray(warm_start)
        if warm.shape != (B, S) or warm.dtype != np.uint64:
            raise ModelError(f"warm_start must be [{B}, {S}] uint64 tie masks, got {warm.dtype} {warm.shape}")
    values = np.empty((B, S))
    continuation = np.empty((B, S))
    policy = np.empty((B, S), dtype=np.uint64)
    iterations = np.zeros(B, dtype=np.int64)
    bound = np.zeros(B)
    r = index.rows
    with _balanced():
        kernels.best_response(
            acting.act_ptr,
            acting.act_row,
            acting.act_others,
            acting.num_act,
            index.other_sizes,
            index.other_strides,
            index.acting_stride,
            index.num_joint,
            index.row_index,
            r.row_ptr,
            r.cols,
            r.probs,
            r.row_self,
            masks,
            warm,
            bool(incremental),
            rewards,
            gamma,
            float(settings.policy_tolerance),
            float(settings.tie_tolerance),
            int(settings.max_iterations),
            _num_blocks(B),
            values,
            continuation,
            policy,
            iterations,
            bound,
        )
    return values, continuation, policy, _record(iterations, bound, settings.max_iterations, stage)


def exact_optimal(
    index: ResponseIndex, rewards: np.ndarray, gamma: float, settings: SolverSettings
) -> tuple[np.ndarray, np.ndarray, np.ndarray, Convergence]:
    """Policy iteration on a deterministic shared MDP: exact values, continuation and policy.

    ``index`` is :meth:`ResponseIndex.of_single` of the MDP's rows (built once per MDP).
    Returns ``values, continuation [B, S]``, ``policy [B, S] uint64`` and the convergence record.
    """
    B, S = np.shape(rewards)
    no_others = np.zeros((0, B, S), dtype=np.uint64)
    return policy_iteration(index, no_others, rewards, gamma, settings, "optimal values")


def best_response(
    joint: JointStructure,
    agent: str | int,
    other_policies: np.ndarray | Sequence[np.ndarray],
    rewards: np.ndarray,
    gamma: float,
    settings: SolverSettings,
    warm_start: np.ndarray | None = None,
    incremental: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, Convergence]:
    """Optimal values, continuation values and policy of ``agent`` against the others' policies.

    Parameters
    ----------
    joint : JointStructure
    agent : str or int
        The acting agent (name or position).
    other_policies : [m, B, S] uint64, or a sequence of ``m`` arrays [B, S]
        Every other agent's per-sample policy as tie masks, in agent order (the acting agent
        left out); a single ``[B, S]`` array when there is one other agent.
    rewards : [B, S]
        The acting agent's rewards.
    warm_start : [B, S] uint64, optional
        The acting agent's tie masks to start policy iteration from (see :func:`policy_iteration`):
        the same tie masks as a cold start, usually in fewer steps.
    incremental : bool
        Incremental policy iteration where the chains are functional graphs (see
        :func:`policy_iteration`): the same tie masks, values within the certified bound.

    Returns
    -------
    values, continuation : [B, S]
    policy : [B, S] uint64
        Tie masks of the acting agent's optimal actions.
    convergence : Convergence
        Policy-iteration steps per sample.

    Examples
    --------
    >>> from powerplay.model.gridworld import gridworld, joint_gridworld
    >>> joint = JointStructure(joint_gridworld(gridworld(1, 3), agents=('H', 'A', 'B')))
    >>> rewards = np.random.default_rng(0).random((2, 27))
    >>> stay = np.full((2, 2, 27), 1 << 4, dtype=np.uint64)   # H and A stay (action 4)
    >>> values, continuation, policy, conv = best_response(joint, 'B', stay, rewards, 0.9, SolverSettings())
    >>> policy.shape, bool(np.all(conv.bound < 1e-9))
    ((2, 27), True)
    """
    name = joint.agents[joint.agent_position(agent)]
    return policy_iteration(
        joint.response(agent),
        other_policies,
        rewards,
        gamma,
        settings,
        f"best response of agent {name}",
        warm_start,
        incremental,
    )


def joint_policy_values(
    joint: JointStructure,
    policies: Sequence[np.ndarray],
    rewards: np.ndarray,
    gamma: float,
    tolerance: float,
    max_iterations: int,
) -> tuple[np.ndarray, np.ndarray, Convergence]:
    """Values and continuation values ``[B, S]`` of fixed policies of every agent on a joint MDP.

    Parameters
    ----------
    joint : JointStructure
    policies : sequence of arrays, one per agent in agent order
        Each a per-sample policy (tie masks ``[B, S]`` uint64) or one shared stochastic
        policy ``[S, A_i]`` (float), for instance a seed policy.
    rewards : [B, S]

    Returns
    -------
    values, continuation : [B, S]
        POWER is ``(1 - gamma) * continuation``.
    convergence : Convergence
    """
    gamma = check_discount_rate(gamma)
    S = len(joint.rows.state_ptr) - 1
    rewards = _check_rewards(rewards, S)
    B = rewards.shape[0]
    if len(policies) != joint.num_agents:
        raise ModelError(f"{len(policies)} policies for the {joint.num_agents} agents {', '.join(joint.agents)}")
    source = np.empty(joint.num_agents, dtype=np.int64)
    masks: list[np.ndarray] = []
    dense: list[np.ndarray] = []
    widest = int(joint.action_shape.max(initial=1))
    for i, policy in enumerate(policies):
        if policy.dtype == np.uint64:
            if policy.shape != (B, S):
                raise ModelError(f"agent {joint.agents[i]}'s tie masks must be [{B}, {S}], got {policy.shape}")
            source[i] = len(masks)
            masks.append(policy)
        else:
            if policy.shape != (S, joint.action_shape[i]):
                raise ModelError(
                    f"agent {joint.agents[i]}'s policy must be [{S}, {joint.action_shape[i]}], got {policy.shape}"
                )
            source[i] = -1 - len(dense)
            padded = np.zeros((S, widest))
            padded[:, : policy.shape[1]] = policy
            dense.append(padded)
    mask_array = np.ascontiguousarray(np.stack(masks) if masks else np.zeros((0, B, S)), dtype=np.uint64)
    dense_array = np.ascontiguousarray(np.stack(dense) if dense else np.zeros((0, S, widest)), dtype=np.float64)
    values = np.empty((B, S))
    continuation = np.empty((B, S))
    iterations = np.zeros(B, dtype=np.int64)
    bound = np.zeros(B)
    r = joint.rows
    with _balanced():
        kernels.joint_policy_values(
            r.state_ptr,
            r.row_ptr,
            r.cols,
            r.probs,
            r.row_self,
            joint.row_agent_action,
            joint.row_index,
            joint.action_shape,
            joint.strides,
            joint.num_joint,
            source,
            mask_array,
            dense_array,
            rewards,
            gamma,
            float(tolerance),
            int(max_iterations),
            _num_blocks(B),
            values,
            continuation,
            iterations,
            bound,
        )
    return values, continuation, _record(iterations, bound, max_iterations, "policy evaluation")


def response_values(
    groups: ResponseGroups,
    other_masks: np.ndarray | Sequence[np.ndarray],
    rewards: np.ndarray,
    gamma: float,
    tolerance: float,
    max_iterations: int,
    tie_tolerance: float | None = None,
    certify_tolerance: float | None = None,
    stage: str = "best response",
    accelerate: bool = False,
) -> tuple[np.ndarray, Convergence]:
    """Optimal values ``[B, S]`` of an agent's response to per-sample policies of the others.

    Value iteration vectorised across samples (:func:`optimal_values` with each lane's action
    values mixing the joint rows by its sample's policies of the others): Jacobi sweeps with
    span bounds when the acting agent can never lose mass (``groups.jacobi``), Gauss-Seidel
    with self-loop elimination otherwise; the same certified early stop on the policy with
    ``tie_tolerance``. For stochastic joint MDPs, where policy iteration would have to
    evaluate chains with stochastic rows in every state one sample at a time.

    Parameters
    ----------
    groups : ResponseGroups
    other_masks : [m, B, S] uint64, or [m, B, S, A] float64
        The other agents' tie masks, in agent order; or their per-sample probabilities
        (a Boltzmann or epsilon-greedy agent's policy, see :mod:`powerplay.model.agent_models`).
    rewards : [B, S]
    """
    gamma = check_discount_rate(gamma)
    S = len(groups.grp_state_ptr) - 1
    rewards = _check_rewards(rewards, S)
    B = rewards.shape[0]
    masks, dense_probs, dense = _others(other_masks, B, S, groups.row_others.shape[1])
    values = np.empty((B, S))
    iterations = np.zeros(B, dtype=np.int64)
    bound = np.zeros(B)
    with _balanced():
        kernels.response_optimal_values(
            groups.grp_state_ptr,
            groups.grp_ptr,
            groups.row_ptr,
            groups.cols,
            groups.probs,
            groups.row_self,
            groups.row_slot,
            groups.slot_ptr,
            groups.slot_others,
            masks,
            dense_probs,
            dense,
            rewards,
            gamma,
            float(tolerance),
            int(max_iterations),
            groups.jacobi,
            not groups.jacobi,
            tie_tolerance is not None,
            float(tie_tolerance) if tie_tolerance is not None else 0.0,
            float(certify_tolerance if certify_tolerance is not None else tolerance),
            kernels.ANDERSON_MEMORY if accelerate else 0,
            _lane_blocks(B, accelerate),
            values,
            iterations,
            bound,
        )
    return values, _record(iterations, bound, max_iterations, stage)


@overload
def response_greedy(
    groups: ResponseGroups,
    other_masks: np.ndarray | Sequence[np.ndarray],
    values: np.ndarray,
    gamma: float,
    tie_tolerance: float,
    with_action_values: Literal[False] = False,
) -> tuple[np.ndarray, np.ndarray]: ...


@overload
def response_greedy(
    groups: ResponseGroups,
    other_masks: np.ndarray | Sequence[np.ndarray],
    values: np.ndarray,
    gamma: float,
    tie_tolerance: float,
    with_action_values: Literal[True],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...


def response_greedy(
    groups: ResponseGroups,
    other_masks: np.ndarray | Sequence[np.ndarray],
    values: np.ndarray,
    gamma: float,
    tie_tolerance: float,
    with_action_values: bool = False,
) -> tuple[np.ndarray, np.ndarray] | tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`greedy` for an agent's response: tie masks ``[B, S]`` and continuation ``[B, S]``.

    The action values are computed with the operations of :func:`response_values`' sweeps,
    so the tie sets it certified are the ones returned. ``other_masks`` as in
    :func:`response_values` (tie masks or probabilities). With ``with_action_values`` also
    every action's value ``sum_o pi_others(o|s) sum_s' P(s'|s,a,o) V(s')`` as ``[B, S, A]``
    (``-inf`` where the action is not available; ``A`` the acting agent's action count).
    """
    B, S = values.shape
    masks, dense_probs, dense = _others(other_masks, B, S, groups.row_others.shape[1])
    num_actions = int(groups.grp_action.max(initial=0)) + 1
    _check_policy_width(num_actions, "best response")
    policy = np.empty((B, S), dtype=np.uint64)
    continuation = np.empty((B, S))
    q = np.empty((B, S, num_actions) if with_action_values else (0, 0, 0))
    with _balanced():
        kernels.response_greedy(
            groups.grp_state_ptr,
            groups.grp_ptr,
            groups.grp_action,
            groups.row_ptr,
            groups.cols,
            groups.probs,
            groups.row_self,
            groups.row_others,
            masks,
            dense_probs,
            dense,
            np.ascontiguousarray(values),
            float(gamma),
            float(tie_tolerance),
            _num_blocks(B),
            policy,
            continuation,
            with_action_values,
            q,
        )
    if with_action_values:
        return policy, continuation, q
    return policy, continuation


def evaluate_policies(
    groups: ResponseGroups,
    probabilities: np.ndarray | Sequence[np.ndarray],
    rewards: np.ndarray,
    gamma: float,
    tolerance: float,
    max_iterations: int,
    accelerate: bool = True,
) -> tuple[np.ndarray, np.ndarray, Convergence]:
    """Values and continuation values ``[B, S]`` of per-sample stochastic policies of every agent.

    Value iteration vectorised across samples on :meth:`ResponseGroups.evaluation` groups
    (every agent's policy weighs the joint rows; one group per state, so the maximum is that
    group's value): Jacobi sweeps with span bounds when no policy can lose mass, Gauss-Seidel
    otherwise, to the certified ``tolerance`` (POWER units). For policies that are stochastic
    in most states (a Boltzmann agent's), where the per-sample chains of
    :func:`joint_policy_values` would have to be iterated one sample at a time.

    Parameters
    ----------
    groups : ResponseGroups
        From :meth:`ResponseGroups.evaluation`.
    probabilities : [n, B, S, A] float64, or a sequence of n arrays [B, S, A_i]
        Each agent's per-sample policy, in agent order.
    rewards : [B, S]

    Returns
    -------
    values, continuation : [B, S]
        POWER is ``(1 - gamma) * continuation``.
    convergence : Convergence
    """
    S = len(groups.grp_state_ptr) - 1
    B = np.shape(rewards)[0]
    masks, dense_probs, dense = _others(probabilities, B, S, groups.row_others.shape[1])
    policies = dense_probs if dense else masks
    values, conv = response_values(
        groups,
        policies,
        rewards,
        gamma,
        tolerance,
        max_iterations,
        stage="policy evaluation",
        accelerate=accelerate,
    )
    # One group per state: the greedy pass's continuation is the policies' own (tie tolerance 0).
    _, continuation = response_greedy(groups, policies, values, gamma, 0.0)
    return values, continuation, conv
