"""POWER against analytic limits, exact symmetries and the reference's documented cases."""

import numpy as np
import pytest
from conftest import assert_within_sem
from naive import dense_transitions

from powerplay.model.environments import load_mdp, load_policy, simulated_state_for_joint
from powerplay.model.gridworld import gridworld, joint_gridworld
from powerplay.model.labels import cell_coordinates, cell_label, joint_label, split_joint_label
from powerplay.model.policy import uniform_random_policy
from powerplay.model.rewards import RewardDistribution
from powerplay.runner.executors import run_experiment
from powerplay.runner.experiment import Experiment
from powerplay.solvers.power import MultiAgentProblem, SingleAgentProblem
from powerplay.solvers.values import ConvergenceWarning, SolverSettings

RNG = np.random.default_rng(2024)


def _single(mdp, gamma, n, dist, seed=0):
    return run_experiment(Experiment("single_agent", mdp, gamma, dist, n, seed))


@pytest.mark.parametrize("gamma", [0.0, 1e-3])
def test_small_discount_limit_is_expected_best_successor(uniform01, gamma):
    """POWER -> E[max of k iid U(0,1)] = k / (k + 1) for a cell with k reachable cells."""
    grid = gridworld(3, 3)
    result = _single(grid, gamma, 20_000, uniform01)
    k = grid.action_mask.sum(axis=1)  # corners 3, edges 4, centre 5 (staying counts)
    expected = k / (k + 1)
    # O(gamma) bias at gamma = 1e-3 is far below the sampling error
    assert_within_sem(result.power_mean(), result.power_sem(), expected)


def test_zero_discount_is_the_exact_one_step_limit(uniform01):
    mdp = load_mdp("stochastic_graph_4_states")
    rewards = uniform01.for_states(mdp.states).sample(RNG, 50)
    power = SingleAgentProblem(mdp, 0.0).solve(rewards).power["H"]
    P = dense_transitions(mdp)
    expected = np.where(mdp.action_mask, np.einsum("sat,bt->bsa", P, rewards), -np.inf).max(axis=2)
    np.testing.assert_allclose(power, expected, atol=1e-15)


def test_discount_rate_one_is_rejected():
    with pytest.raises(ValueError, match="discount_rate = 1 is not allowed"):
        SingleAgentProblem(load_mdp("3x3_gridworld"), 1.0)
    with pytest.raises(ValueError, match=r"discount_rate must be in \[0, 1\)"):
        SingleAgentProblem(load_mdp("3x3_gridworld"), -0.1)


@pytest.mark.parametrize("gamma", [0.1, 0.5, 0.9])
def test_absorbing_state_power_is_its_own_reward(gamma):
    """The reference's test_vanilla MDP: state '∅' only loops, rewards U[-1, 1].

    Each POWER sample equals the reward sample, so POWER(∅) = E[R] = 0. (The reference treated
    missing actions as worth 0 and reported about 0.25 = E[max(R, 0)].)
    """
    paper = load_mdp("mdp_from_paper")
    dist = RewardDistribution.from_config(
        {
            "default_dist": {"dist_name": "uniform", "params": [0, 1]},
            "state_dists": {
                "∅": {"dist_name": "uniform", "params": [-1, 1]},
                "ℓ_◁": {"dist_name": "beta", "params": [1, 2]},
            },
        }
    )
    result = _single(paper, gamma, 10_000, dist)
    s = paper.states.index("∅")
    np.testing.assert_allclose(
        result.power["H"][:, s], result.rewards["H"][:, s], atol=1e-12
    )  # exact: deterministic MDP
    assert_within_sem(result.power_mean()[s], result.power_sem()[s], 0.0)
    assert abs(result.power_mean()[s] - 0.25) > 0.2


def test_far_sighted_limit_is_the_expected_best_reward(uniform01):
    """At gamma -> 1 every state of a connected gridworld with 'stay' tends to E[max_s R(s)].

    Per sample: |POWER(s) - max R| <= (d + 1)(1 - gamma) with d the grid's diameter.
    """
    gamma, grid = 0.999, gridworld(3, 3)
    result = _single(grid, gamma, 3000, uniform01)
    best = result.rewards["H"].max(axis=1, keepdims=True)
    assert np.abs(result.power["H"] - best).max() <= 5 * (1 - gamma)
    assert_within_sem(result.power_mean(), result.power_sem(), 9 / 10, floor=5 * (1 - gamma))


def _rotate(label: str, rows: int) -> str:
    """Rotate a cell (or both cells of a joint state) by 90 degrees in a square grid."""
    parts = split_joint_label(label)
    if parts:
        return joint_label(_rotate(parts[0], rows), _rotate(parts[1], rows))
    r, c = cell_coordinates(label)
    return cell_label(c, rows - 1 - r)


@pytest.mark.parametrize("name", ["3x3_gridworld", "joint_3x3_gridworld"])
def test_power_is_exactly_equivariant_under_grid_symmetry(name):
    """Rotating the rewards rotates every POWER sample (the 3x3 grid is symmetric under D4)."""
    mdp = load_mdp(name)
    index = {s: i for i, s in enumerate(mdp.states)}
    perm = np.array([index[_rotate(s, 3)] for s in mdp.states])  # state i -> rotated state perm[i]
    rewards = RNG.random((20, mdp.num_states))
    rotated = np.empty_like(rewards)
    rotated[:, perm] = rewards
    if name == "3x3_gridworld":
        problem = SingleAgentProblem(mdp, 0.8)
        power, power_rot = problem.solve(rewards).power, problem.solve(rotated).power
    else:
        problem = MultiAgentProblem(mdp, load_policy("joint_3x3_gridworld_agent_A_uniform_random"), 0.8, 0.8)
        rewards_A = RNG.random(rewards.shape)
        rotated_A = np.empty_like(rewards_A)
        rotated_A[:, perm] = rewards_A
        power, power_rot = problem.solve(rewards, rewards_A).power, problem.solve(rotated, rotated_A).power
    for key in power:
        np.testing.assert_allclose(power_rot[key][:, perm], power[key], atol=1e-9)


def test_symmetric_states_agree_within_sampling_error(uniform01):
    """Symmetric cells of the 7x7 maze... has none; the 3x3 grid's corners and edges do."""
    result = _single(gridworld(3, 3), 0.9, 5000, uniform01)
    power = result.power["H"]
    index = {s: i for i, s in enumerate(gridworld(3, 3).states)}
    corners = [index[c] for c in ("(0, 0)", "(0, 2)", "(2, 0)", "(2, 2)")]
    edges = [index[c] for c in ("(0, 1)", "(1, 0)", "(1, 2)", "(2, 1)")]
    for group in (corners, edges):
        for other in group[1:]:
            diff = power[:, group[0]] - power[:, other]
            assert_within_sem(diff.mean(), diff.std(ddof=1) / np.sqrt(len(diff)), 0.0)
    assert power[:, index["(1, 1)"]].mean() > power[:, edges].mean() > power[:, corners].mean()


def test_fixed_policy_joint_equals_simulated_single_agent_exactly(uniform01):
    """The reference's test_multiagent claims this; here it is checked, sample by sample."""
    joint = load_mdp("joint_1x3_gridworld_with_agent_H_forbidden_from_staying_when_agent_A_is_at_far_right")
    simulated = load_mdp(
        "stoch_1x3_gridworld_with_agent_A_moving_left_and_agent_H_forbidden_from_staying_when_agent_A_is_at_far_right_simulated"
    )
    assert [simulated_state_for_joint(s) for s in joint.states] == list(simulated.states)
    policy = load_policy("joint_1x3_gridworld_agent_A_move_left")
    actual = run_experiment(Experiment("multiagent_fixed_policy", joint, 0.1, uniform01, 10_000, 0, policy_A=policy))
    sim = run_experiment(Experiment("single_agent", simulated, 0.1, uniform01, 10_000, 0))
    np.testing.assert_array_equal(actual.rewards["H"], sim.rewards["H"])
    np.testing.assert_array_equal(actual.power["H"], sim.power["H"])


@pytest.mark.parametrize("overlap", ["allow", "remove"])
def test_identical_rewards_give_identical_powers(uniform01, overlap):
    joint = joint_gridworld(gridworld(2, 3), overlap=overlap)
    exp = Experiment(
        "multiagent_with_reward",
        joint,
        0.7,
        uniform01,
        300,
        1,
        policy_A=uniform_random_policy(joint, "A"),
        discount_rate_agent_A=0.7,
        reward_correlation=1.0,
    )
    result = run_experiment(exp)
    np.testing.assert_array_equal(result.rewards["H"], result.rewards["A"])
    np.testing.assert_allclose(result.power["H"], result.power["A"], atol=1e-10)


def test_blocking_rule_gives_proper_probabilities_and_different_powers(uniform01):
    single = gridworld(2, 3)
    results = {}
    for overlap in ("remove", "block"):
        joint = joint_gridworld(single, overlap=overlap)
        exp = Experiment(
            "multiagent_with_reward",
            joint,
            0.9,
            uniform01,
            2000,
            0,
            policy_A=uniform_random_policy(joint, "A"),
            discount_rate_agent_A=0.9,
            reward_correlation=0.0,
        )
        results[overlap] = run_experiment(exp)
    # Mass lost to removed joint actions lowers H's POWER against the random seed policy.
    assert results["remove"].power_mean("H").mean() < results["block"].power_mean("H").mean()


def test_iteration_cap_warns_and_reports_the_achieved_bound(uniform01):
    settings = SolverSettings(max_iterations=3)
    rewards = RNG.random((4, 4))
    with pytest.warns(ConvergenceWarning, match="hit the iteration cap"):
        batch = SingleAgentProblem(load_mdp("stochastic_graph_4_states"), 0.99, settings=settings).solve(rewards)
    assert batch.convergence["H"].capped.all()
    assert (batch.convergence["H"].bound > settings.tolerance).all()


def test_a_run_warns_about_the_iteration_cap_once_with_its_totals(uniform01):
    """Chunks stay quiet; the run says it once, whatever the chunking (or executor)."""
    exp = Experiment(
        "single_agent",
        load_mdp("stochastic_graph_4_states"),
        0.99,
        uniform01,
        40,
        0,
        settings=SolverSettings(max_iterations=3),
    )
    with pytest.warns(ConvergenceWarning) as record:
        result = run_experiment(exp, chunk_size=8)
    capped = [w.message for w in record if isinstance(w.message, ConvergenceWarning)]
    assert len(capped) == len(result.convergence)  # one per stage, not one per chunk (5 chunks)
    for warning in capped:
        totals = result.convergence[warning.stage]
        assert warning.samples_capped == totals.samples_capped == 40 and warning.cap == 3
        assert warning.bound == totals.bound_max
