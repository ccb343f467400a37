"""Anderson-accelerated sweeps (``accelerate=True``): the values of fixed chains against direct
linear solves, best responses to per-sample probabilities against dense value iteration (values
within their certified bounds, the same tie masks), and independence from batching and thread count."""

import itertools

import numba
import numpy as np
import pytest
from naive_agents import _fold, dense_joint, tie_policy, value_iteration
from scipy import sparse

from powerplay.model.gridworld import gridworld, joint_gridworld
from powerplay.solvers import kernels
from powerplay.solvers.structure import JointStructure, ResponseGroups, RowStructure
from powerplay.solvers.values import optimal_values, response_greedy, response_values


def _chain(rng: np.random.Generator, num_states: int, leak: bool) -> tuple[RowStructure, np.ndarray]:
    """A random Markov chain (one action per state), as rows for the kernels and as a dense
    matrix: a random walk on a ring (to a neighbour or staying, with random weights), so that it
    mixes slowly as a maze does, plus a rare random jump; with ``leak`` some rows lose mass."""
    P = np.zeros((num_states, num_states))
    for s in range(num_states):
        support = [(s - 1) % num_states, s, (s + 1) % num_states]
        if rng.random() < 0.1:
            support.append(int(rng.integers(num_states)))
        np.add.at(P[s], support, rng.dirichlet(np.ones(len(support))))
        if leak and rng.random() < 0.2:
            P[s] *= rng.uniform(0.5, 0.99)
    rows = RowStructure.build(sparse.csr_array(P), np.ones((num_states, 1), dtype=bool))
    assert rows.leaks == leak
    return rows, P


@pytest.mark.parametrize("gamma", [0.99, 0.999])
@pytest.mark.parametrize("leak", [False, True])
def test_accelerated_evaluation_matches_a_direct_solve_within_its_bound(gamma, leak):
    """V = R + γ P V per sample: each lane's values are within their certified bound (POWER
    units, ``(1 - γ) |V - V*|``) of ``numpy.linalg.solve``, and take far fewer sweeps than
    plain value iteration; the bound is tight enough to be useful."""
    rng = np.random.default_rng(int(gamma * 1000) + leak)
    S, B = 60, 2 * kernels.LANES + 7  # several lane blocks, a partial one, lanes refilled
    rows, P = _chain(rng, S, leak)
    rewards = rng.normal(size=(B, S)) * rng.uniform(0.1, 10.0, size=(B, 1))
    exact = np.linalg.solve(np.eye(S) - gamma * P, rewards.T).T
    tolerance = 1e-9
    fast, conv = optimal_values(rows, rewards, gamma, tolerance, 100_000, accelerate=True)
    plain, conv_plain = optimal_values(rows, rewards, gamma, tolerance, 100_000)
    error = (1 - gamma) * np.abs(fast - exact).max(axis=1)
    assert np.all(error <= conv.bound), np.max(error / conv.bound)
    assert np.all(conv.bound <= tolerance) and not conv.capped.any()
    assert np.all((1 - gamma) * np.abs(plain - exact).max(axis=1) <= conv_plain.bound)
    assert conv.iterations.sum() < 0.5 * conv_plain.iterations.sum()


def test_accelerated_values_do_not_depend_on_batching_or_threads():
    """A sample's accelerated values and sweep count are bit for bit the same whatever else
    shares its lanes, however the samples are split, and on one thread or two."""
    rng = np.random.default_rng(7)
    rows, _ = _chain(rng, 45, leak=False)
    rewards = rng.random((3 * kernels.LANES + 5, 45))
    whole, conv = optimal_values(rows, rewards, 0.99, 1e-8, 100_000, accelerate=True)
    parts = [optimal_values(rows, rewards[i : i + 13], 0.99, 1e-8, 100_000, accelerate=True) for i in range(0, 101, 13)]
    np.testing.assert_array_equal(whole, np.concatenate([p[0] for p in parts]))
    np.testing.assert_array_equal(conv.iterations, np.concatenate([p[1].iterations for p in parts]))
    reversed_values, _ = optimal_values(rows, rewards[::-1], 0.99, 1e-8, 100_000, accelerate=True)
    np.testing.assert_array_equal(whole, reversed_values[::-1])
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        single, _ = optimal_values(rows, rewards, 0.99, 1e-8, 100_000, accelerate=True)
    finally:
        numba.set_num_threads(threads)
    np.testing.assert_array_equal(whole, single)


def _stochastic_response(gamma: float, samples: int, seed: int):
    """Agent A's response on a joint maze with the no-overlap rule (absent joint actions: rows
    lose mass, so Gauss-Seidel sweeps) to per-sample probabilities of H: a softmax of random
    logits over H's available actions, some near-deterministic, some near-uniform."""
    rng = np.random.default_rng(seed)
    joint = joint_gridworld(gridworld(3, 3), overlap="remove")
    groups = ResponseGroups.of(JointStructure(joint), "A")
    available_H = joint.action_mask.any(axis=2)  # [S, A_H]
    logits = rng.normal(size=(samples, *available_H.shape)) * rng.choice([0.1, 3.0, 30.0], size=(samples, 1, 1))
    logits = np.where(available_H, logits, -np.inf)
    probs = np.exp(logits - logits.max(axis=2, keepdims=True))
    probs /= probs.sum(axis=2, keepdims=True)
    rewards = rng.random((samples, joint.num_states))
    return joint, groups, probs, rewards


@pytest.mark.parametrize("gamma", [0.99, 0.999])
def test_accelerated_response_to_a_stochastic_policy_matches_dense_value_iteration(gamma):
    """The certified best response (tie sets certain, values within ``certify_tolerance``) to
    per-sample probabilities: each sample's values are within their certified bound of dense
    value iteration on the folded MDP (naive_agents, to 1e-13), its tie masks are those of the
    dense values, and the same as plain (unaccelerated) value iteration's, in fewer sweeps. The
    exact values: a linear solve for a greedy policy of the dense values (exact to rounding)."""
    joint, groups, probs, rewards = _stochastic_response(gamma, kernels.LANES + 9, seed=int(gamma * 1000))
    args = (groups, probs[None], rewards, gamma, 1e-9, 100_000, 1e-8, 7e-5)
    fast, conv = response_values(*args, accelerate=True)
    plain, conv_plain = response_values(*args)
    masks, _ = response_greedy(groups, probs[None], fast, gamma, 1e-8)
    plain_masks, _ = response_greedy(groups, probs[None], plain, gamma, 1e-8)
    np.testing.assert_array_equal(masks, plain_masks)
    assert not conv.capped.any() and np.all(conv.bound <= 7e-5)
    assert conv.iterations.sum() < 0.8 * conv_plain.iterations.sum()
    P = dense_joint(joint)
    available_A = joint.action_mask.any(axis=1)
    bits = np.uint64(1) << np.arange(available_A.shape[1], dtype=np.uint64)
    for b in range(len(rewards)):
        folded = _fold(P, {0: probs[b]}, 1)
        dense = value_iteration(folded, available_A, rewards[b], gamma)
        greedy = np.where(available_A, folded @ dense, -np.inf).argmax(axis=1)
        chain = folded[np.arange(len(greedy)), greedy]
        exact = np.linalg.solve(np.eye(len(greedy)) - gamma * chain, rewards[b])
        # the greedy policy is optimal: the dense values are within their own bound of its values
        assert (1 - gamma) * np.abs(dense - exact).max() <= 1e-13 * np.abs(exact).max()
        assert (1 - gamma) * np.abs(fast[b] - exact).max() <= conv.bound[b]
        tied = tie_policy(folded, available_A, exact, gamma, 1e-8) > 0
        np.testing.assert_array_equal(masks[b], (tied * bits).sum(axis=1).astype(np.uint64))


def test_accelerated_response_does_not_depend_on_batching_or_threads():
    """A's certified response to per-sample probabilities, bit for bit, whatever the split of
    the samples into calls and the thread count (each lane's history is its own)."""
    _, groups, probs, rewards = _stochastic_response(0.99, 2 * kernels.LANES + 11, seed=5)
    args = (0.99, 1e-9, 100_000, 1e-8, 7e-5)
    whole, conv = response_values(groups, probs[None], rewards, *args, accelerate=True)
    cuts = [0, 1, 30, 31, 64, len(rewards)]
    parts = [
        response_values(groups, probs[None, a:b], rewards[a:b], *args, accelerate=True)
        for a, b in itertools.pairwise(cuts)
    ]
    np.testing.assert_array_equal(whole, np.concatenate([p[0] for p in parts]))
    np.testing.assert_array_equal(conv.iterations, np.concatenate([p[1].iterations for p in parts]))
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        single, _ = response_values(groups, probs[None], rewards, *args, accelerate=True)
    finally:
        numba.set_num_threads(threads)
    np.testing.assert_array_equal(whole, single)
