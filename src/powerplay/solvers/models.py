"""The solvers' side of agent models (:mod:`powerplay.model.agent_models`): a stage's policy from
its values, accuracy targets, and the error bounds a non-optimal policy adds.

Error bound (``docs/engine.md``, "Agent models"). Let ``π`` be a Boltzmann agent's policy from
exact action values and ``π̂`` the computed one, from continuation values within ``δ`` (value
units) of the exact ones. Each logit ``β γ C(s, a)`` is then within ``β γ δ`` of its exact value,
and the softmax moves by at most the span of that perturbation in L1 norm, so
``||π̂(·|s) - π(·|s)||_1 <= ε = min(2, 2 β γ δ)`` (plus rounding) in every state. Any agent ``i``'s
values under the policies, with ``π`` swapped for ``π̂``, then change by at most
``γ_i / (1 - γ_i) · ε/2 · K_i`` (one step of the policy difference, ``Σ_a (π̂ - π)(a|s) Q_i(s, a)
<= ε/2 · span_a Q_i(s, a)``, propagated by ``(I - γ_i P)^-1``), with ``K_i`` bounding the span of
agent ``i``'s continuation values: ``K_i <= span(R_i) / (1 - γ_i)`` (the span taken with 0 when
the MDP can lose mass). In POWER units, ``(1 - γ_i)/γ_i`` times that: ``ε/2 · K_i``, added to every
POWER sample computed with ``π̂`` (:func:`policy_error_bound`). The same holds for an optimal agent
``i``'s optimal values (a maximum over its policies). Agents that respond to ``π̂`` respond to the
computed policy: their tie sets are certified for it, as for any policy they respond to.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .values import Convergence, mask_to_probabilities

#: Coarsest accuracy classes of value iteration for a policy read off action values: tolerances
#: are rounded down to a power of two so that each sample's class depends on its own rewards only
#: (bit-identical results whatever the chunking) and a chunk runs few classes.
_CLASS_BASE = 2.0


def span_bound(rewards: np.ndarray, closed: bool) -> np.ndarray:
    """Per sample ``[B]``: ``max R - min R`` over the states, taken with 0 when the MDP can lose
    mass (values then lie between ``min(min R, 0)/(1 - γ)`` and ``max(max R, 0)/(1 - γ)``)."""
    rewards = np.asarray(rewards, dtype=np.float64)
    if rewards.shape[1] == 0:
        return np.zeros(rewards.shape[0])
    high, low = rewards.max(axis=1), rewards.min(axis=1)
    if not closed:
        high, low = np.maximum(high, 0.0), np.minimum(low, 0.0)
    return high - low


#: Share of the convergence threshold left to the solves whose results carry a non-optimal
#: policy's error (evaluations, responses to such policies); the policies' errors get a quarter
#: (:func:`value_tolerance`), the rest is headroom for rounding.
SOLVE_SHARE = 0.7
#: Share of the convergence threshold the non-optimal policies' errors may take, all together.
POLICY_SHARE = 0.25


def value_tolerance(model, tolerance: float, gamma: float, reach: np.ndarray, models: int, cap: float) -> np.ndarray:
    """The tolerance classes ``[B]`` for solving one non-optimal agent's action values: its model's
    :meth:`~powerplay.model.agent_models.AgentModel.value_tolerance` for a share
    ``POLICY_SHARE / models`` of ``tolerance`` (``models`` the non-optimal agents of the run) and
    the widest reach ``[B]`` of any agent's values, rounded down to powers of two, at most ``cap``."""
    return tolerance_classes(model.value_tolerance(POLICY_SHARE * tolerance / max(models, 1), gamma, reach), cap)


def tolerance_classes(tolerances: np.ndarray, cap: float) -> np.ndarray:
    """Each sample's tolerance ``[B]`` rounded down to a power of two, at most ``cap``."""
    tolerances = np.minimum(np.asarray(tolerances, dtype=np.float64), cap)
    exponent = np.floor(np.log2(np.maximum(tolerances, np.finfo(np.float64).tiny)))
    return np.minimum(np.exp2(exponent), cap)


def solve_by_class(
    classes: np.ndarray, solve: Callable[[np.ndarray, float], tuple[np.ndarray, Convergence]], num_states: int
) -> tuple[np.ndarray, Convergence]:
    """Values ``[B, S]`` and convergence of ``solve(indices, tolerance)`` run once per tolerance
    class (a loop over the few distinct classes, not over samples)."""
    B = len(classes)
    values = np.empty((B, num_states))
    iterations = np.zeros(B, dtype=np.int64)
    bound = np.zeros(B)
    capped = np.zeros(B, dtype=bool)
    for tolerance in np.unique(classes):
        index = np.flatnonzero(classes == tolerance)
        part, conv = solve(index, float(tolerance))
        values[index] = part
        iterations[index] = conv.iterations
        bound[index] = conv.bound
        capped[index] = conv.capped
    return values, Convergence(iterations, bound, capped)


def probabilities(policy: np.ndarray, num_actions: int, out: np.ndarray | None = None) -> np.ndarray:
    """A learned policy as probabilities ``[B, S, num_actions]`` (tie masks expanded; probabilities
    zero-padded to ``num_actions``), written to ``out`` if given (C-contiguous float64)."""
    if policy.dtype == np.uint64:
        return mask_to_probabilities(policy, num_actions, out)
    if out is None:
        if policy.shape[2] == num_actions:
            return policy
        out = np.zeros((*policy.shape[:2], num_actions))
    else:
        out[:, :, policy.shape[2] :] = 0.0
    out[:, :, : policy.shape[2]] = policy
    return out


def action_value_error(bound: np.ndarray, values: np.ndarray, gamma: float, terms: int) -> np.ndarray:
    """Bound ``[B]`` (value units) on the continuation values' error: the values' certified POWER
    bound over ``1 - γ``, plus the rounding of an action value's sum of ``terms`` products."""
    eps = np.finfo(np.float64).eps
    value_max = np.abs(values).max(axis=1) if values.size else np.zeros(len(bound))
    return np.asarray(bound) / (1.0 - gamma) + (terms + 4.0) * eps * value_max


def policy_error_bound(errors: list[np.ndarray], rewards: np.ndarray, gamma: float, closed: bool) -> np.ndarray:
    """What the policies' errors ``ε_j [B]`` (each an L1 bound per state) add to a POWER bound of
    an agent with ``rewards [B, S]`` and discount ``gamma``: ``Σ_j ε_j / 2 · span(R) / (1 - γ)``."""
    if not errors:
        return np.zeros(rewards.shape[0])
    total = np.sum(errors, axis=0)
    return 0.5 * total * span_bound(rewards, closed) / (1.0 - gamma)


def available_actions(state_ptr: np.ndarray, row_action: np.ndarray, num_actions: int) -> np.ndarray:
    """``[S, A]`` bool: the actions an agent can take in each state, from its rows (``row_action``
    its action in each available row, rows grouped by state by ``state_ptr``)."""
    S = len(state_ptr) - 1
    row_state = np.repeat(np.arange(S), np.diff(state_ptr))
    available = np.zeros((S, num_actions), dtype=bool)
    available[row_state, row_action] = True
    return available


__all__ = [
    "POLICY_SHARE",
    "SOLVE_SHARE",
    "action_value_error",
    "available_actions",
    "policy_error_bound",
    "probabilities",
    "solve_by_class",
    "span_bound",
    "tolerance_classes",
    "value_tolerance",
]
