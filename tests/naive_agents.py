"""A plain, separately written learning chain of N agents, for cross-checks of the engine.

Dense numpy over explicit joint actions, one reward sample at a time: every stage's MDP is
built by summing the joint transition array over the other agents' policies with
``numpy.einsum``, optimal values come from plain value iteration to 1e-13 (relative), and
fixed policies are evaluated by an exact linear solve. It shares nothing with the engine
except the MDP and policy objects' public arrays (no folding, structure or kernel code).
"""

from __future__ import annotations

import string

import numpy as np


def dense_joint(joint) -> np.ndarray:
    """``[S, A_1, ..., A_n, S]`` transition array (absent joint actions are all zero)."""
    S = joint.num_states
    return joint.transitions.toarray().reshape(joint.action_mask.shape + (S,))


def _fold(P: np.ndarray, policies: dict[int, np.ndarray], acting: int) -> np.ndarray:
    """``[S, A_acting, S]``: ``sum over the others' actions of prod_j pi_j(a_j|s) P(.|s, a)``."""
    n = P.ndim - 2
    letters = string.ascii_letters[: n + 2]
    s, t, actions = letters[0], letters[1], letters[2:]
    operands, subscripts = [P], [s + actions + t]
    for j in range(n):
        if j != acting:
            operands.append(policies[j])
            subscripts.append(s + actions[j])
    return np.einsum(",".join(subscripts) + "->" + s + actions[acting] + t, *operands)


def _chain(P: np.ndarray, policies: dict[int, np.ndarray]) -> np.ndarray:
    """``[S, S]``: every agent following its policy."""
    n = P.ndim - 2
    letters = string.ascii_letters[: n + 2]
    s, t, actions = letters[0], letters[1], letters[2:]
    operands, subscripts = [P], [s + actions + t]
    for j in range(n):
        operands.append(policies[j])
        subscripts.append(s + actions[j])
    return np.einsum(",".join(subscripts) + "->" + s + t, *operands)


def value_iteration(P: np.ndarray, available: np.ndarray, R: np.ndarray, gamma: float) -> np.ndarray:
    """Optimal values of ``[S, A, S]`` with unavailable actions excluded: sweeps until a step
    changes no value by more than 1e-13 of the largest (a cycle's rounding keeps it from less),
    so the POWER error ``(1 - gamma) |V - V*| <= gamma * step`` is about 1e-13 of the values."""
    V = R / (1.0 - gamma)
    for _ in range(200_000):
        Q = np.where(available, P @ V, -np.inf)
        new = R + gamma * Q.max(axis=1)
        if np.max(np.abs(new - V)) <= 1e-13 * max(1.0, np.max(np.abs(new))):
            return new
        V = new
    raise AssertionError("value iteration did not converge")


def tie_policy(P, available, V, gamma, tie_tolerance):
    """Uniform over the actions within ``tie_tolerance`` (POWER units) of the best."""
    Q = np.where(available, P @ V, -np.inf)
    best = Q.max(axis=1, keepdims=True)
    tied = available & ((1.0 - gamma) * (best - Q) <= tie_tolerance)
    return tied / tied.sum(axis=1, keepdims=True)


def dense_setting(joint, order):
    """``(P, S, position, own_available)``: the dense joint transitions :func:`dense_joint`, the
    state count, each agent's position in the joint action, and ``{agent: [S, A_agent] bool}``
    whether each of its actions is available (with some action of the others)."""
    position = {agent: joint.agents.index(agent) for agent in order}
    own_available = {
        agent: joint.action_mask.any(axis=tuple(1 + j for j in range(len(order)) if j != position[agent]))
        for agent in order
    }
    return dense_joint(joint), joint.num_states, position, own_available


def stage_policy(P_k, available, R, gamma, model, tie_tolerance):
    """An agent's policy ``[S, A]`` in a stage with dynamics ``P_k [S, A, S]`` (the others'
    policies folded in) -- ``model(P_k, available, V, R, gamma, tie_tolerance)``, or the tie-split
    optimal policy for ``model=None`` -- and ``(1 - gamma) max_a Q(s, a)`` ``[S]``, the POWER of
    its optimal values ``V`` (plain value iteration)."""
    V = value_iteration(P_k, available, R, gamma)
    best = (1.0 - gamma) * np.where(available, P_k @ V, -np.inf).max(axis=1)
    if model is None:
        return tie_policy(P_k, available, V, gamma, tie_tolerance), best
    return model(P_k, available, V, R, gamma, tie_tolerance), best


def learning_chain_power(joint, order, gammas, seeds, rewards, tie_tolerance=1e-8):
    """POWER samples of every agent and the diagnostics, per the learning-chain protocol.

    Parameters
    ----------
    joint : JointMDP
    order : sequence of str
        Learning order.
    gammas : dict
        ``{agent: gamma}``.
    seeds : dict
        ``{agent: [S, A] probabilities}`` for every agent but the first.
    rewards : dict
        ``{agent: [B, S]}``.

    Returns
    -------
    power : dict
        ``{key: [B, S]}`` with the agents, ``{a}_against_seed`` and ``{a}_seed``.
    policies : dict
        ``{agent: [B, S, A] probabilities}`` learned.
    """
    P, S, position, own_available = dense_setting(joint, order)
    B = len(rewards[order[0]])
    power = {key: np.empty((B, S)) for key in order}
    power.update({f"{a}_against_seed": np.empty((B, S)) for a in order[:-1]})
    power.update({f"{a}_seed": np.empty((B, S)) for a in order[1:]})
    learned = {agent: [] for agent in order}
    for b in range(B):
        policies: dict[int, np.ndarray] = {}
        for k, agent in enumerate(order):
            i, g, R = position[agent], gammas[agent], rewards[agent][b]
            context = dict(policies)
            for later in order[k + 1 :]:
                context[position[later]] = seeds[later]
            key = agent if agent == order[-1] else f"{agent}_against_seed"
            policies[i], power[key][b] = stage_policy(
                _fold(P, context, i), own_available[agent], R, g, None, tie_tolerance
            )
            learned[agent].append(policies[i])
        for agent in order[:-1]:
            g, R = gammas[agent], rewards[agent][b]
            chain = _chain(P, policies)
            V = np.linalg.solve(np.eye(S) - g * chain, R)
            power[agent][b] = (1.0 - g) * chain @ V
        for agent in order[1:]:
            g, R = gammas[agent], rewards[agent][b]
            chain = _chain(P, {**policies, position[agent]: seeds[agent]})
            V = np.linalg.solve(np.eye(S) - g * chain, R)
            power[f"{agent}_seed"][b] = (1.0 - g) * chain @ V
    return power, {agent: np.array(p) for agent, p in learned.items()}


def boltzmann_policy(beta):
    """``pi(a|s) ∝ exp(beta * Q(s, a))`` with ``Q = R + gamma P V`` (unavailable actions excluded):
    for the naive chain's ``models``; written with scipy's softmax, independently of the engine."""
    from scipy.special import softmax

    def policy(P, available, V, R, gamma, tie_tolerance):
        Q = R[:, None] + gamma * (P @ V)
        logits = np.where(available, beta * Q, -np.inf)
        return softmax(logits, axis=1)

    return policy


def epsilon_greedy_policy(epsilon):
    """``(1 - epsilon)`` times the tie-split optimal policy plus ``epsilon`` uniform over the available actions."""

    def policy(P, available, V, R, gamma, tie_tolerance):
        uniform = available / available.sum(axis=1, keepdims=True)
        return (1 - epsilon) * tie_policy(P, available, V, gamma, tie_tolerance) + epsilon * uniform

    return policy


def learning_chain_power_with_models(joint, order, gammas, seeds, rewards, models, tie_tolerance=1e-8):
    """:func:`learning_chain_power` where agents in ``models`` follow ``models[agent](P_k, available,
    V, R, gamma, tie_tolerance) -> [S, A]`` (from the optimal values ``V`` of their stage) instead
    of the tie-split optimal policy; every such agent's POWER (the last one's too) is its policy
    evaluated by an exact linear solve against the others' final policies."""
    P, S, position, own_available = dense_setting(joint, order)
    B = len(rewards[order[0]])
    power = {key: np.empty((B, S)) for key in order}
    learned = {agent: [] for agent in order}
    for b in range(B):
        policies: dict[int, np.ndarray] = {}
        for k, agent in enumerate(order):
            i, g, R = position[agent], gammas[agent], rewards[agent][b]
            context = dict(policies)
            for later in order[k + 1 :]:
                context[position[later]] = seeds[later]
            model = models.get(agent)
            policies[i], best = stage_policy(_fold(P, context, i), own_available[agent], R, g, model, tie_tolerance)
            if agent == order[-1] and model is None:
                power[agent][b] = best
            learned[agent].append(policies[i])
        for agent in order:
            if agent == order[-1] and agent not in models:
                continue
            g, R = gammas[agent], rewards[agent][b]
            chain = _chain(P, policies)
            V = np.linalg.solve(np.eye(S) - g * chain, R)
            power[agent][b] = (1.0 - g) * chain @ V
    return power, {agent: np.array(p) for agent, p in learned.items()}
