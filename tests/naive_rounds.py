"""A plain, separately written implementation of counter-optimisation rounds, for cross-checks.

One reward sample at a time, dense numpy: round 0 is the learning chain of
:func:`naive_agents.learning_chain_power_with_models`; each later round re-trains every agent
in learning order on the joint MDP with everyone else's current policies folded in
(``numpy.einsum``): an optimal agent by plain value iteration (its tie-split policy), an agent
with a model (Boltzmann, epsilon-greedy) by its model's policy from its optimal values. Every
re-training is computed (no shortcut), every round's profile of policies is stored and compared
exactly with all earlier ones, and POWER is taken as the protocol says: an optimal last agent's
from its last best response, every other agent's by an exact linear solve of the final profile.
:func:`rounds_power` is the case of optimal agents, returning tie sets.
"""

from __future__ import annotations

import numpy as np
from naive_agents import (
    _chain,
    _fold,
    dense_setting,
    learning_chain_power_with_models,
    stage_policy,
)


def rounds_power(joint, order, gammas, seeds, rewards, rounds, tie_tolerance=1e-8):
    """POWER ``{agent: [B, S]}``, final tie sets ``{agent: [B, S, A] bool}`` and per-sample outcome
    ``{'fixed_point', 'cycle', 'period': [B] int}`` (0 where none) of ``rounds`` rounds: every
    agent optimal (a tie-split policy's probabilities are equal exactly when its tie sets are)."""
    power, final, outcome = rounds_power_with_models(joint, order, gammas, seeds, rewards, rounds, {}, tie_tolerance)
    return power, {agent: policy > 0 for agent, policy in final.items()}, outcome


def rounds_power_with_models(joint, order, gammas, seeds, rewards, rounds, models, tie_tolerance=1e-8):
    """:func:`rounds_power` where agents in ``models`` follow ``models[agent](P_k, available, V, R,
    gamma, tie_tolerance) -> [S, A]`` (``naive_agents.boltzmann_policy``, ...) in every stage and
    re-training. Returns POWER ``{agent: [B, S]}``, the final policies ``{agent: [B, S, A]}``
    (probabilities) and the per-sample outcome ``{'fixed_point', 'cycle', 'period': [B]}``."""
    P, S, position, own_available = dense_setting(joint, order)
    _, learned = learning_chain_power_with_models(joint, order, gammas, seeds, rewards, models, tie_tolerance)
    B = len(rewards[order[0]])
    power = {agent: np.empty((B, S)) for agent in order}
    final = {agent: np.empty((B, S, len(joint.agent_actions(agent)))) for agent in order}
    outcome = {name: np.zeros(B, dtype=np.int64) for name in ("fixed_point", "cycle", "period")}
    last = order[-1]
    for b in range(B):
        policies = {position[a]: learned[a][b] for a in order}
        profiles = [tuple(policies[position[a]].copy() for a in order)]
        last_power = None
        for r in range(1, rounds + 1):
            for agent in order:
                i, g, R = position[agent], gammas[agent], rewards[agent][b]
                model = models.get(agent)
                policies[i], best = stage_policy(
                    _fold(P, policies, i), own_available[agent], R, g, model, tie_tolerance
                )
                if agent == last and model is None:
                    last_power = best
            profile = tuple(policies[position[a]].copy() for a in order)
            same = [all(np.array_equal(x, y) for x, y in zip(profile, earlier)) for earlier in profiles]
            profiles.append(profile)
            if same[-1]:
                outcome["fixed_point"][b] = r
                break
            if any(same):
                outcome["cycle"][b] = r
                outcome["period"][b] = r - same.index(True)
                break
        for agent in order:
            final[agent][b] = policies[position[agent]]
            g, R = gammas[agent], rewards[agent][b]
            if agent == last and agent not in models and last_power is not None:
                power[agent][b] = last_power
                continue
            chain = _chain(P, policies)
            V = np.linalg.solve(np.eye(S) - g * chain, R)
            power[agent][b] = (1.0 - g) * chain @ V
    return power, final, outcome
