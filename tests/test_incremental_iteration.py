"""Incremental policy iteration on functional chains (the rounds' re-trainings).

When every action leads to one next state (or to none) and the other agents are deterministic,
each policy's chain is a functional graph; ``best_response(..., incremental=True)`` then re-values
after an improvement only the states whose path reaches a switched state. It must change only the
work: the same tie masks bit for bit as the full iteration, values and continuation within the
certified bounds, the same improvement steps from the same warm start (a cold start first sweeps
the values, and takes fewer); where a chain is not functional (stochastic rows, another
agent splitting ties) it is the full iteration, bit for bit. The pieces are checked against
independent computations: the functional evaluation against :func:`_evaluate_chain` (bit for bit)
and a dense linear solve, the upstream search against following every state's path.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from test_warm_start import random_joint, random_masks

from powerplay.model.environments import load_mdp
from powerplay.solvers import kernels
from powerplay.solvers.structure import JointStructure
from powerplay.solvers.values import SolverSettings, best_response

SETTINGS = SolverSettings()


def single_action_masks(rng: np.random.Generator, shape: tuple[int, int], num_actions: int) -> np.ndarray:
    """Random deterministic policies ``[B, S]``: one bit per state."""
    return (np.uint64(1) << rng.integers(0, num_actions, size=shape).astype(np.uint64)).astype(np.uint64)


def assert_incremental_is_full(joint, agent, others, rewards, gamma, warm=None, same_bits=False):
    full = best_response(joint, agent, others, rewards, gamma, SETTINGS, warm)
    inc = best_response(joint, agent, others, rewards, gamma, SETTINGS, warm, incremental=True)
    np.testing.assert_array_equal(inc[2], full[2])
    if warm is not None or same_bits:  # from the same start, the same improvement steps
        np.testing.assert_array_equal(inc[3].iterations, full[3].iterations)
    if same_bits:
        np.testing.assert_array_equal(inc[0], full[0])
        np.testing.assert_array_equal(inc[1], full[1])
    both = (inc[3].bound + full[3].bound)[:, None]
    assert np.all(inc[3].bound <= 1e-10) and not inc[3].capped.any()
    assert np.all((1 - gamma) * np.abs(inc[0] - full[0]) <= both)
    assert np.all((1 - gamma) * np.abs(inc[1] - full[1]) <= both)
    return full, inc


CASES = list(itertools.product([(2, 3), (3, 2), (2, 2, 2)], [0.5, 0.9, 0.99]))


@pytest.mark.parametrize(("num_actions", "gamma"), CASES)
def test_incremental_iteration_gives_the_full_iteration_s_answer_on_random_joint_mdps(num_actions, gamma):
    rng = np.random.default_rng([22, len(num_actions), num_actions[0], int(100 * gamma)])
    B, S = 24, 40
    functional = JointStructure(random_joint(rng, S, num_actions, stochastic=False))
    stochastic = JointStructure(random_joint(rng, S, num_actions, stochastic=True))
    for position, agent in enumerate(functional.agents):
        width = num_actions[position]
        widths = [m for i, m in enumerate(num_actions) if i != position]
        continuous = rng.random((B, S))
        bernoulli = (rng.random((B, S)) < 0.3).astype(float)  # exact ties between actions
        for rewards in (continuous, bernoulli):
            deterministic = [single_action_masks(rng, (B, S), m) for m in widths]
            previous = assert_incremental_is_full(functional, agent, deterministic, rewards, gamma)[0][2]
            # Warm-started from the answer to other policies (as in a round), and from the answer.
            moved = [single_action_masks(rng, (B, S), m) for m in widths]
            assert_incremental_is_full(functional, agent, moved, rewards, gamma, previous)
            assert_incremental_is_full(functional, agent, deterministic, rewards, gamma, previous)
            assert_incremental_is_full(
                functional, agent, deterministic, rewards, gamma, random_masks(rng, (B, S), width)
            )
            # Not functional: the full iteration itself, bit for bit.
            tied = [random_masks(rng, (B, S), m) for m in widths]
            assert_incremental_is_full(functional, agent, tied, rewards, gamma, same_bits=True)
            assert_incremental_is_full(stochastic, agent, deterministic, rewards, gamma, same_bits=True)


def test_incremental_iteration_gives_the_full_iteration_s_answer_on_the_part_3_maze():
    """Rounds on the no-overlap 7x7 maze (930 joint states): H and A answer each other in turn
    from A's uniform seed, both iterations side by side, at gamma 0.9 and 0.99."""
    mdp = load_mdp("joint_7x7_gridworld_maze_no_overlaps")
    joint = JointStructure(mdp)
    rng = np.random.default_rng(2121)
    B, S = 8, mdp.num_states
    for gamma in (0.9, 0.99):
        rewards = {a: rng.random((B, S)) for a in ("H", "A")}
        a_policy = np.full((B, S), 1 << 4, dtype=np.uint64)  # A stays put
        steps = {"full": 0.0, "incremental": 0.0}
        for _ in range(3):
            full, inc = assert_incremental_is_full(joint, "H", a_policy, rewards["H"], gamma)
            h_policy = full[2]
            steps["full"] += full[3].iterations.mean()
            steps["incremental"] += inc[3].iterations.mean()
            full, inc = assert_incremental_is_full(joint, "A", h_policy, rewards["A"], gamma)
            a_policy = full[2]
            steps["full"] += full[3].iterations.mean()
            steps["incremental"] += inc[3].iterations.mean()
        # The start sweeps save improvement steps (the full iteration: greedy on R / (1 - gamma)).
        assert steps["incremental"] < steps["full"]


def random_functional_chain(rng: np.random.Generator, S: int, gamma: float):
    """A functional graph on ``S`` states: successors (-1: a dead end, and self-loops) reached with
    discounted probabilities ``gamma * p`` (``p < 1``: some mass leaks), and its chain in CSR."""
    nxt = rng.integers(0, S, size=S)
    nxt[rng.random(S) < 0.1] = -1
    loops = rng.random(S) < 0.1
    nxt[loops] = np.arange(S)[loops]
    p = np.where(rng.random(S) < 0.5, 1.0, rng.random(S))
    p[nxt < 0] = 0.0
    chain_ptr = np.concatenate([[0], np.cumsum(nxt >= 0)]).astype(np.int64)
    return nxt.astype(np.int64), gamma * p, chain_ptr, nxt[nxt >= 0].astype(np.int64), p[nxt >= 0]


def test_functional_values_are_the_chain_evaluation_s_bit_for_bit_and_solve_the_bellman_equations():
    rng = np.random.default_rng(7)
    S = 300
    for gamma in (0.5, 0.9, 0.99):
        nxt, f, chain_ptr, chain_cols, chain_w = random_functional_chain(rng, S, gamma)
        R = rng.random(S)
        reference = np.zeros(S)
        iwork = np.empty(6 * S + 1 + S, dtype=np.int64)
        fwork = np.empty(5 * S + S + kernels.DIRECT_MAX**2)
        kernels._evaluate_chain(chain_ptr, chain_cols, chain_w, R, gamma, reference, 1e-12, 1000, iwork, fwork)
        V = np.full(S, np.nan)
        status = np.full(S, 2, dtype=np.int64)
        kernels._functional_values(np.arange(S), S, nxt, f, R, V, status, np.empty(S, dtype=np.int64))
        np.testing.assert_array_equal(V, reference)
        assert np.all(status == 2)
        # An independent solve: (I - P_gamma) V = R.
        P = np.zeros((S, S))
        P[np.arange(S)[nxt >= 0], nxt[nxt >= 0]] = f[nxt >= 0]
        np.testing.assert_allclose(V, np.linalg.solve(np.eye(S) - P, R), rtol=1e-12, atol=1e-12)
        # Switch a few states; re-value only those whose path reaches one: the full answer.
        switched = rng.choice(S, size=5, replace=False)
        nxt[switched] = rng.integers(0, S, size=5)
        f[switched] = gamma * rng.random(5)
        rev = [[] for _ in range(S)]
        for s in range(S):
            if nxt[s] >= 0:
                rev[nxt[s]].append(s)
        upstream = set(switched.tolist())
        todo = list(upstream)
        while todo:
            for s in rev[todo.pop()]:
                if s not in upstream:
                    upstream.add(s)
                    todo.append(s)
        starts = np.array(sorted(upstream), dtype=np.int64)
        before = V.copy()
        kernels._functional_values(starts, len(starts), nxt, f, R, V, status, np.empty(S, dtype=np.int64))
        outside = np.setdiff1d(np.arange(S), starts)
        np.testing.assert_array_equal(V[outside], before[outside])
        P = np.zeros((S, S))
        P[np.arange(S)[nxt >= 0], nxt[nxt >= 0]] = f[nxt >= 0]
        np.testing.assert_allclose(V, np.linalg.solve(np.eye(S) - P, R), rtol=1e-12, atol=1e-12)


def test_the_upstream_search_finds_the_states_whose_path_reaches_a_seed():
    rng = np.random.default_rng(8)
    S, num_act = 200, 3
    target = rng.integers(-1, S, size=S * num_act).astype(np.int64)
    pol = rng.integers(0, num_act, size=S).astype(np.int64)
    rev_ptr = np.empty(S + 1, dtype=np.int64)
    rev_idx = np.empty(S * num_act, dtype=np.int64)
    rev_state = np.empty(S * num_act, dtype=np.int64)
    kernels._reverse_actions(S, num_act, target, rev_ptr, rev_idx, rev_state)
    for t in range(S):  # every action leading to t, in increasing order
        expected = np.flatnonzero(target == t)
        np.testing.assert_array_equal(rev_idx[rev_ptr[t] : rev_ptr[t + 1]], expected)
        np.testing.assert_array_equal(rev_state[rev_ptr[t] : rev_ptr[t + 1]], expected // num_act)
    seeds = rng.choice(S, size=4, replace=False).astype(np.int64)
    mark = np.full(S, -1, dtype=np.int64)
    queue = np.empty(S, dtype=np.int64)
    n = kernels._upstream(num_act, pol, rev_ptr, rev_idx, rev_state, seeds, 4, mark, 5, queue)
    found = set(queue[:n].tolist())
    assert len(found) == n
    nxt = target[np.arange(S) * num_act + pol]
    expected = set()
    for s in range(S):  # follow s's path until it ends, repeats or meets a seed
        seen, u = set(), s
        while u >= 0 and u not in seen:
            if u in set(seeds.tolist()):
                expected.add(s)
                break
            seen.add(u)
            u = nxt[u]
    assert found == expected
    assert np.all((mark == 5) == np.isin(np.arange(S), queue[:n]))
