"""The batched engine against a plain per-sample implementation (tests/naive.py) on random MDPs."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from naive import multiagent_power, single_agent_power
from scipy import sparse

from powerplay.model.mdp import MDP, JointMDP
from powerplay.model.policy import Policy
from powerplay.solvers.power import MultiAgentProblem, SingleAgentProblem
from powerplay.solvers.values import SolverSettings

GAMMAS = st.sampled_from([0.0, 0.3, 0.9, 0.99])
SETTINGS = SolverSettings()


def _random_rows(rng, num_rows, num_states, deterministic, leak):
    """Random transition rows; each has 1-3 next states (or exactly 1) and mass 1 (or less)."""
    data = np.zeros((num_rows, num_states))
    for r in range(num_rows):
        support = rng.choice(
            num_states, size=1 if deterministic else rng.integers(1, min(3, num_states) + 1), replace=False
        )
        data[r, support] = rng.dirichlet(np.ones(len(support)))
        if leak and rng.random() < 0.3:
            data[r] *= rng.uniform(0.2, 0.9)
    return data


def _random_mask(rng, shape):
    mask = rng.random(shape) < 0.6
    first = np.zeros_like(mask)
    first.reshape(shape[0], -1)[:, 0] = True
    return mask | first  # every state keeps at least one action


@st.composite
def single_agent_cases(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    S, A = draw(st.integers(1, 6)), draw(st.integers(1, 4))
    deterministic, leak = draw(st.booleans()), draw(st.booleans())
    mask = _random_mask(rng, (S, A))
    rows = _random_rows(rng, S * A, S, deterministic, leak) * mask.reshape(-1, 1)
    mdp = MDP(tuple(f"s{i}" for i in range(S)), tuple(f"a{i}" for i in range(A)), sparse.csr_array(rows), mask)
    rewards = rng.normal(size=(3, S))  # negative rewards too: unavailable actions must not count as 0
    return mdp, rewards, draw(GAMMAS)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(single_agent_cases())
def test_single_agent_power_matches_plain_value_iteration(case):
    mdp, rewards, gamma = case
    batch = SingleAgentProblem(mdp, gamma, settings=SETTINGS).solve(rewards)
    expected = single_agent_power(mdp, rewards, gamma)
    error = np.abs(batch.power["H"] - expected).max(axis=1)
    assert np.all(error <= SETTINGS.tolerance + 1e-9)
    assert np.all(error <= batch.convergence["H"].bound + 1e-9)  # the certified bound holds


@st.composite
def multiagent_cases(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    S, AH, AA = draw(st.integers(1, 5)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    deterministic = draw(st.booleans())
    mask = _random_mask(rng, (S, AH, AA))
    rows = _random_rows(rng, S * AH * AA, S, deterministic, leak=False) * mask.reshape(-1, 1)
    joint = JointMDP(
        tuple(f"x{i}_H^y{i}_A" for i in range(S)),
        ("H", "A"),
        (tuple(f"h{i}" for i in range(AH)), tuple(f"a{i}" for i in range(AA))),
        sparse.csr_array(rows),
        mask,
    )
    available_A = mask.any(axis=1)
    seed_probs = rng.random((S, AA)) * available_A
    seed_probs /= seed_probs.sum(axis=1, keepdims=True)
    seed_policy = Policy(joint.states, joint.actions_A, seed_probs, agent="A", name="random seed")
    rewards_H, rewards_A = rng.normal(size=(2, 3, S))
    return joint, seed_policy, rewards_H, rewards_A, draw(GAMMAS), draw(GAMMAS)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(multiagent_cases())
def test_multiagent_power_matches_plain_implementation(case):
    joint, seed_policy, rewards_H, rewards_A, gamma_H, gamma_A = case
    problem = MultiAgentProblem(joint, seed_policy, gamma_H, gamma_A, diagnostic=True, settings=SETTINGS)
    batch = problem.solve(rewards_H, rewards_A)
    expected = multiagent_power(joint, seed_policy.probabilities, rewards_H, rewards_A, gamma_H, gamma_A)
    for key in ("H", "A", "H_against_seed", "A_seed"):
        np.testing.assert_allclose(batch.power[key], expected[key], atol=SETTINGS.tolerance + 1e-9, err_msg=key)


#: Tight settings: the engine's reported bounds, not the default tolerance, are what is tested.
TIGHT = SolverSettings(tolerance=1e-7, policy_tolerance=1e-11, tie_tolerance=1e-10)
#: The plain implementation's own error (value iteration to 1e-13 relative, in POWER units).
NAIVE_ERROR = 1e-10


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(single_agent_cases(), st.floats(-1e6, 1e6))
def test_single_agent_errors_are_within_the_reported_bound_at_tight_tolerance(case, offset):
    mdp, rewards, gamma = case
    rewards = rewards + offset  # centred or not (leaking rows), the bound must hold
    batch = SingleAgentProblem(mdp, gamma, settings=TIGHT).solve(rewards)
    expected = single_agent_power(mdp, rewards, gamma)
    error = np.abs(batch.power["H"] - expected).max(axis=1)
    scale = NAIVE_ERROR * (1 + np.abs(rewards).max())
    assert np.all(error <= batch.convergence["H"].bound + scale)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(multiagent_cases())
def test_multiagent_errors_are_within_the_reported_bounds_at_tight_tolerance(case):
    joint, seed_policy, rewards_H, rewards_A, gamma_H, gamma_A = case
    problem = MultiAgentProblem(joint, seed_policy, gamma_H, gamma_A, diagnostic=True, settings=TIGHT)
    batch = problem.solve(rewards_H, rewards_A)
    expected = multiagent_power(joint, seed_policy.probabilities, rewards_H, rewards_A, gamma_H, gamma_A)
    for key in ("H", "A", "H_against_seed", "A_seed"):
        error = np.abs(batch.power[key] - expected[key]).max(axis=1)
        assert np.all(error <= batch.convergence[key].bound + NAIVE_ERROR), key
