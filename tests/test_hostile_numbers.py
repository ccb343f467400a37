"""Fuzzing the numeric edges (issue 18): discount rates near 1, rewards far from 0, tiny spreads.

Every drawn experiment either is refused with one line before anything runs, or is computed with
per-sample POWER within its certified bound of the *exact* answer -- here from policy iteration in
rational arithmetic (``fractions.Fraction``), which has no rounding at all.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from powerplay.errors import PowerplayError
from powerplay.model.gridworld import gridworld
from powerplay.model.rewards import RewardDistribution
from powerplay.runner.build import check_experiment
from powerplay.runner.experiment import Experiment

NUMBERS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: A 2x2 gridworld with noise: 4 states, stochastic rows (value iteration with span bounds).
GRID = gridworld(2, 2, stochastic_noise_level=0.3, name="noisy 2x2")


def exact_power(mdp, rewards: np.ndarray, gamma: float) -> list[Fraction]:
    """POWER of every state by policy iteration over exact rationals (floats convert exactly)."""
    S, A = mdp.action_mask.shape
    g = Fraction(gamma)
    R = [Fraction(float(r)) for r in rewards]
    P = [[dict() for _ in range(A)] for _ in range(S)]
    for s, a in zip(*np.nonzero(mdp.action_mask)):
        row = {mdp.states.index(t): Fraction(p) for t, p in mdp.next_states(mdp.states[s], mdp.actions[a]).items()}
        # The MDP meant: rows summing to exactly one (stored as floats they may miss by 1e-17,
        # which over 1 / (1 - gamma) steps of rewards near 1e10 would be a real difference).
        total = sum(row.values())
        P[s][a] = {t: p / total for t, p in row.items()}
    policy = [int(np.flatnonzero(mdp.action_mask[s])[0]) for s in range(S)]
    while True:
        V = _solve([[(1 if i == j else 0) - g * P[i][policy[i]].get(j, 0) for j in range(S)] for i in range(S)], R)
        Q = [
            [sum(p * V[t] for t, p in P[s][a].items()) if mdp.action_mask[s, a] else None for a in range(A)]
            for s in range(S)
        ]
        better = [max((q, a) for a, q in enumerate(Q[s]) if q is not None) for s in range(S)]
        changed = [s for s in range(S) if better[s][0] > Q[s][policy[s]]]
        if not changed:
            return [(1 - g) * better[s][0] for s in range(S)]
        for s in changed:
            policy[s] = better[s][1]


def _solve(M: list[list[Fraction]], b: list[Fraction]) -> list[Fraction]:
    """Gauss-Jordan elimination over rationals."""
    n = len(b)
    rows = [list(M[i]) + [b[i]] for i in range(n)]
    for c in range(n):
        pivot = next(r for r in range(c, n) if rows[r][c] != 0)
        rows[c], rows[pivot] = rows[pivot], rows[c]
        for r in range(n):
            if r != c and rows[r][c] != 0:
                factor = rows[r][c] / rows[c][c]
                rows[r] = [x - factor * y for x, y in zip(rows[r], rows[c])]
    return [rows[i][n] / rows[i][i] for i in range(n)]


@NUMBERS
@given(
    decades=st.floats(0.5, 16.0),  # 1 - gamma = 10**-decades
    offset_exponent=st.integers(-3, 308),
    offset_sign=st.sampled_from([-1.0, 0.0, 1.0]),
    width_exponent=st.integers(-320, 3),
)
def test_near_one_discounts_and_far_rewards_are_exact_within_their_bound_or_refused(
    decades, offset_exponent, offset_sign, width_exponent
):
    gamma = 1.0 - 10.0**-decades
    low = offset_sign * 10.0**offset_exponent
    high = low + 10.0**width_exponent
    if not (np.isfinite(high) and high > low and gamma < 1.0):
        return  # not a distribution anyone can write down
    try:
        distribution = RewardDistribution.from_config({"default_dist": {"dist_name": "uniform", "params": [low, high]}})
        experiment = Experiment("single_agent", GRID, gamma, distribution, 3, random_seed=0)
        check_experiment(experiment)  # what build_experiment refuses before a run
        rewards = experiment.reward_stream().rewards(0, 3)[0]
        batch = experiment.problem().solve(rewards)
    except PowerplayError as error:
        assert "\n" not in str(error) and str(error)
        return
    bound = batch.convergence["H"].bound
    for b in range(3):
        exact = exact_power(GRID, rewards[b], gamma)
        for s in range(GRID.num_states):
            error = abs(Fraction(float(batch.power["H"][b, s])) - exact[s])
            assert error <= Fraction(float(bound[b])), (gamma, low, high, b, s, float(error), bound[b])
