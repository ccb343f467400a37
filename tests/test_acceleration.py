"""Anderson-accelerated sweeps (``accelerate=True``): the values of fixed chains against direct
linear solves, their certified bounds, and independence from batching and thread count."""

import numba
import numpy as np
import pytest
from scipy import sparse

from powerplay.solvers import kernels
from powerplay.solvers.structure import RowStructure
from powerplay.solvers.values import optimal_values


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
