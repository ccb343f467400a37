"""Certified bounds at the numeric edges: discount rates near 1, rewards far from 0, tiny spreads.

Every reported bound must hold, rounding included, or the run must be refused before it
starts, naming the setting at fault. Reference answers are computed here, independently of
the engine: relative value iteration's gain (the gamma -> 1 limit of POWER) with numpy, and
tests/naive.py's dense value iteration.
"""

import numpy as np
import pytest
from naive import dense_transitions, multiagent_power, single_agent_power
from scipy import sparse

from powerplay.errors import ConfigError, ModelError
from powerplay.model.generators import maze
from powerplay.model.gridworld import gridworld, joint_gridworld
from powerplay.model.mdp import MDP
from powerplay.model.policy import uniform_random_policy
from powerplay.runner.build import build_experiment
from powerplay.solvers.power import MultiAgentProblem, Precision, SingleAgentProblem, check_precision
from powerplay.solvers.values import SolverSettings

RNG = np.random.default_rng(18)
SETTINGS = SolverSettings()
NEAR_ONE = [1e-6, 1e-8, 1e-10, 1e-12]


def _gain_and_bias(mdp, rewards):
    """Optimal gain and a bias vector by relative value iteration (unichain, aperiodic MDPs)."""
    P, mask = dense_transitions(mdp), mdp.action_mask
    h = np.zeros(mdp.num_states)
    for _ in range(100_000):
        new = rewards + np.where(mask, P @ h, -np.inf).max(axis=1)
        gain = new[0]
        new -= gain
        if np.abs(new - h).max() < 1e-14:
            return gain, new
        h = new
    raise AssertionError("relative value iteration did not converge")


def _precision_refusal(mdp, gamma, low, high):
    """The refusal :func:`check_precision` gives a single-agent run, or None."""
    try:
        check_precision(
            Precision.of(mdp, None, False),
            {"discount_rate": gamma},
            low,
            high,
            max(abs(low), abs(high)),
            SETTINGS,
            False,
        )
    except ModelError as error:
        return error
    return None


@pytest.mark.parametrize("noise", [0.2, 0.0])  # value iteration (stochastic) and policy iteration (deterministic)
@pytest.mark.parametrize("delta", NEAR_ONE)
def test_power_near_discount_one_is_the_gain_within_the_reported_bound(noise, delta):
    mdp = maze(3, 3, seed=0, stochastic_noise_level=noise)
    gamma = 1.0 - delta
    rewards = RNG.random((12, mdp.num_states))
    batch = SingleAgentProblem(mdp, gamma).solve(rewards)
    bound = batch.convergence["H"].bound
    for power, R, b in zip(batch.power["H"], rewards, bound, strict=True):
        gain, bias = _gain_and_bias(mdp, R)
        # POWER_gamma = gain + O(delta * span(bias)) for a unichain MDP
        slack = 4 * delta * np.ptp(bias) + 1e-13
        assert np.abs(power - gain).max() <= b + slack
    refusal = _precision_refusal(mdp, gamma, 0.0, 1.0)
    if bound.max() > SETTINGS.tolerance:
        # a run that could not be certified is refused before it starts, naming the discount rate
        assert refusal is not None and refusal.field == "discount_rate"
        assert "too close to 1" in str(refusal)
    if refusal is None:
        assert bound.max() <= SETTINGS.tolerance


def test_discount_rates_near_one_are_refused_by_config_with_the_largest_certifiable():
    config = {
        "mdp_graph": {"generator": "maze", "rows": 3, "cols": 3, "seed": 0, "stochastic_noise_level": 0.2},
        "reward_distribution": {"default_dist": {"dist_name": "uniform", "params": [0, 1]}},
        "num_reward_samples": 10,
        "random_seed": 0,
    }
    build_experiment({**config, "discount_rate": 1 - 1e-10})
    with pytest.raises(ConfigError, match="too close to 1") as info:
        build_experiment({**config, "discount_rate": 1 - 1e-12})
    assert info.value.field == "discount_rate" and "\n" not in str(info.value)
    largest = float(str(info.value).split("at most ")[1].split(" ")[0])
    build_experiment({**config, "discount_rate": largest})  # the rate it suggests is accepted


def _largest_accepted_offset(mdp, closed_field="reward_distribution"):
    offset = 1.0
    while _precision_refusal(mdp, 0.99, offset * 10, offset * 10 + 1) is None:
        offset *= 10
    refusal = _precision_refusal(mdp, 0.99, offset * 10, offset * 10 + 1)
    assert refusal.field == closed_field
    return offset


def test_rewards_far_from_zero_are_centred_and_the_bound_holds_up_to_the_largest_accepted_offset():
    """POWER(R + c) = POWER(R) + c on a stochastic MDP: the engine solves centred rewards."""
    mdp = maze(3, 3, seed=0, stochastic_noise_level=0.2)
    largest = _largest_accepted_offset(mdp)
    assert largest >= 1e10
    small = RNG.random((8, mdp.num_states))
    for offset in (1e3, 1e8, largest):
        rewards = small + offset  # rounded; rewards - offset is then exact (Sterbenz)
        exact = single_agent_power(mdp, rewards - offset, 0.99)
        batch = SingleAgentProblem(mdp, 0.99).solve(rewards)
        error = np.abs((batch.power["H"] - offset) - exact).max(axis=1)  # the subtraction is exact too
        assert np.all(error <= batch.convergence["H"].bound + 1e-11)
        assert np.all(batch.power["H"] <= rewards.max(axis=1, keepdims=True))  # never above the largest reward


def test_offsets_on_mdps_that_lose_mass_are_not_centred_and_are_refused_when_rounding_would_show():
    """Absent joint actions leak mass worth 0: there POWER(R + c) != POWER(R) + c."""
    joint = joint_gridworld(gridworld(2, 2), overlap="remove")
    seed = uniform_random_policy(joint, "A")
    assert not Precision.of(joint, seed, True).closed
    problem = MultiAgentProblem(joint, seed, 0.9, 0.9, diagnostic=True)
    rewards_H, rewards_A = RNG.random((2, 6, joint.num_states)) + 100.0
    batch = problem.solve(rewards_H, rewards_A)
    expected = multiagent_power(joint, seed.probabilities, rewards_H, rewards_A, 0.9, 0.9)
    for key, stage in (("H", "H"), ("A", "A"), ("H_against_seed", "H_against_seed"), ("A_seed", "A_seed")):
        error = np.abs(batch.power[key] - expected[key]).max(axis=1)
        assert np.all(error <= batch.convergence[stage].bound + 1e-9), key
    # One state whose one action keeps half its mass: POWER = (1 - g) R / 2 / (1 - g / 2), not R-shifted.
    leaky = MDP(("s",), ("a",), sparse.csr_array(np.array([[0.5]])), np.array([[True]]))
    assert not Precision.of(leaky, None, False).closed
    rewards = 1e3 + RNG.random((5, 1))
    power = SingleAgentProblem(leaky, 0.9).solve(rewards).power["H"]
    np.testing.assert_allclose(power, 0.1 * rewards / 2 / (1 - 0.45), rtol=1e-13)
    config = {
        "joint_mdp_graph": {"generator": "maze", "rows": 2, "cols": 2, "seed": 0, "joint": "remove"},
        "seed_policy_graph_agent_A": "stay",
        "discount_rate": 0.99,
        "discount_rate_agent_A": 0.99,
        "reward_correlation": 0,
        "num_reward_samples": 10,
        "random_seed": 0,
    }
    build_experiment({**config, "reward_distribution": {"default_dist": {"dist_name": "uniform", "params": [10, 11]}}})
    with pytest.raises(ConfigError, match="loses probability mass") as info:
        build_experiment(
            {**config, "reward_distribution": {"default_dist": {"dist_name": "uniform", "params": [1e9, 1e9 + 1]}}}
        )
    assert info.value.field == "reward_distribution"


def test_a_reward_spread_below_double_precision_is_refused_naming_the_rewards():
    config = {
        "mdp_graph": "3x3_gridworld",
        "discount_rate": 0.9,
        "reward_distribution": {"default_dist": {"dist_name": "uniform", "params": [0, 5e-324]}},
        "num_reward_samples": 10,
        "random_seed": 0,
    }
    with pytest.raises(ConfigError, match="spread over only") as info:
        build_experiment(config)
    assert info.value.field == "reward_distribution"


@pytest.mark.parametrize("overlap", ["allow", "remove"])
def test_certified_early_stop_gives_the_policies_of_fully_converged_values(overlap):
    """H's policy stage stops once its tie sets are certain: the same masks as values at 1e-13.

    Bernoulli rewards make many exact ties, the case where certainty needs the most care.
    """
    from powerplay.solvers.values import greedy, optimal_values

    joint = joint_gridworld(gridworld(2, 3), overlap=overlap)
    problem = MultiAgentProblem(joint, uniform_random_policy(joint, "A"), 0.95, 0.95)
    rows, s = problem.rows_H, problem.settings
    rewards = (RNG.random((64, joint.num_states)) < 0.2).astype(float)
    early, conv = optimal_values(
        rows, rewards, 0.95, s.policy_tolerance, s.max_iterations, s.tie_tolerance, s.tolerance
    )
    tight, _ = optimal_values(rows, rewards, 0.95, 1e-13, s.max_iterations)
    assert conv.bound.max() <= s.tolerance
    assert (conv.bound > s.policy_tolerance).any()  # some samples did stop early
    np.testing.assert_array_equal(
        greedy(rows, early, 0.95, s.tie_tolerance)[0], greedy(rows, tight, 0.95, s.tie_tolerance)[0]
    )
