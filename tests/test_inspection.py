"""Optimal policies of single reward samples, and rollouts (with leaking probability)."""

import itertools

import numpy as np
import pytest
from test_figures_fixtures import BETA_SWEEP, joint_run, make_run, make_sweep, run_config, single_run

from powerplay.compat.get import get_properties_from_run
from powerplay.compat.policy import sample_optimal_policy_data_from_run
from powerplay.errors import ModelError
from powerplay.model.environments import load_mdp, load_policy
from powerplay.model.gridworld import gridworld, joint_gridworld
from powerplay.model.policy import Policy, marginalize, uniform_random_policy
from powerplay.runner.inspection import inspect_sample, simulate_policy_rollout
from powerplay.solvers.power import SingleAgentProblem
from powerplay.solvers.values import mask_to_probabilities


def _deterministic(mdp, agent, choice) -> Policy:
    """A policy taking ``choice(state)`` in every state (on joint MDPs, for ``agent``)."""
    actions = mdp.agent_actions(agent) if hasattr(mdp, "agent_actions") else mdp.actions
    table = np.zeros((len(mdp.states), len(actions)))
    for s, state in enumerate(mdp.states):
        table[s, actions.index(choice(state))] = 1.0
    return Policy(mdp.states, actions, table, agent=agent)


def test_single_agent_rollout_follows_a_deterministic_policy():
    grid = gridworld(2, 2)
    clockwise = {"(0, 0)": "right", "(0, 1)": "down", "(1, 1)": "left", "(1, 0)": "up"}
    policy = _deterministic(grid, "H", clockwise.get)
    assert simulate_policy_rollout("(0, 0)", policy, grid, 5) == [
        "(0, 0)",
        "(0, 1)",
        "(1, 1)",
        "(1, 0)",
        "(0, 0)",
        "(0, 1)",
    ]


def test_stochastic_rollouts_are_reproducible_from_the_generator():
    grid = gridworld(3, 3, stochastic_noise_level=0.5)
    policy = uniform_random_policy(grid)
    first = simulate_policy_rollout("(1, 1)", policy, grid, 30, rng=np.random.default_rng(7))
    again = simulate_policy_rollout("(1, 1)", policy, grid, 30, rng=np.random.default_rng(7))
    other = simulate_policy_rollout("(1, 1)", policy, grid, 30, rng=np.random.default_rng(8))
    assert first == again and first != other and len(first) == 31
    for here, there in itertools.pairwise(first):
        assert any(there in grid.next_states(here, a) for a in grid.available_actions(here))


def test_joint_rollout_moves_both_agents_and_stops_when_a_joint_move_leaks():
    joint = joint_gridworld(gridworld(1, 3), overlap="remove")
    to_the_right = _deterministic(joint, "H", lambda s: "right" if not s.startswith("(0, 2)") else "stay")
    stay = _deterministic(joint, "A", lambda s: "stay")
    # H walks right until it would step onto A's cell: that joint move was removed, so the episode ends.
    rollout = simulate_policy_rollout("(0, 0)_H^(0, 2)_A", to_the_right, joint, 10, other_policy=stay)
    assert rollout == ["(0, 0)_H^(0, 2)_A", "(0, 1)_H^(0, 2)_A"]
    # The same agents with overlapping allowed walk on, and the order of the policies does not matter.
    shared = joint_gridworld(gridworld(1, 3), overlap="allow")
    right_shared = _deterministic(shared, "H", lambda s: "right" if not s.startswith("(0, 2)") else "stay")
    stay_shared = _deterministic(shared, "A", lambda s: "stay")
    assert simulate_policy_rollout("(0, 0)_H^(0, 2)_A", stay_shared, shared, 3, other_policy=right_shared) == [
        "(0, 0)_H^(0, 2)_A",
        "(0, 1)_H^(0, 2)_A",
        "(0, 2)_H^(0, 2)_A",
        "(0, 2)_H^(0, 2)_A",
    ]


def test_sub_stochastic_rows_end_the_rollout_when_mass_leaks():
    joint = joint_gridworld(gridworld(1, 2), overlap="remove")
    right = lambda s: "right" if s.startswith("(0, 0)") else "stay"
    # A never moves: H stepping right onto A's cell has no probability left at all.
    blocked = marginalize(joint, _deterministic(joint, "A", lambda s: "stay"))
    assert blocked.row_mass[blocked.state_index("(0, 0)_H^(0, 1)_A"), blocked.actions.index("right")] == 0
    assert simulate_policy_rollout("(0, 0)_H^(0, 1)_A", _deterministic(blocked, "H", right), blocked, 5) == [
        "(0, 0)_H^(0, 1)_A"
    ]
    # A moves left half the time (the agents swap): half the rollouts end at once, the rest swap.
    leaky = marginalize(joint, uniform_random_policy(joint, "A"))
    policy = _deterministic(leaky, "H", right)
    firsts = [
        simulate_policy_rollout("(0, 0)_H^(0, 1)_A", policy, leaky, 1, rng=np.random.default_rng(seed))
        for seed in range(400)
    ]
    stopped = sum(len(r) == 1 for r in firsts)
    assert abs(stopped / 400 - 0.5) < 4 * 0.025
    assert {r[1] for r in firsts if len(r) == 2} == {"(0, 1)_H^(0, 0)_A"}


def test_rollout_input_errors_name_the_problem():
    grid = gridworld(1, 2)
    policy = uniform_random_policy(grid)
    with pytest.raises(ValueError, match="'\\(5, 5\\)' is not a state"):
        simulate_policy_rollout("(5, 5)", policy, grid)
    joint = joint_gridworld(grid)
    with pytest.raises(ValueError, match="give both agents' policies"):
        simulate_policy_rollout("(0, 0)_H^(0, 1)_A", uniform_random_policy(joint, "H"), joint)
    with pytest.raises(ValueError, match="one Agent H and one Agent A"):
        simulate_policy_rollout(
            "(0, 0)_H^(0, 1)_A",
            uniform_random_policy(joint, "A"),
            joint,
            other_policy=uniform_random_policy(joint, "A"),
        )


def _optimal_actions(mdp, rewards, gamma):
    """Optimal actions per state by plain value iteration on dense arrays (an independent check)."""
    S, A = len(mdp.states), len(mdp.actions)
    P = mdp.transitions.toarray().reshape(S, A, S)
    values = np.zeros(S)
    for _ in range(2000):
        values = rewards + gamma * np.where(mdp.action_mask, P @ values, -np.inf).max(axis=1)
    q = np.where(mdp.action_mask, P @ values, -np.inf)
    return q >= q.max(axis=1, keepdims=True) - 1e-9


def test_single_agent_optimal_policy_matches_value_iteration(tmp_path):
    run = single_run(tmp_path / "run", "7x7_gridworld_maze", gamma=0.9, samples=20)
    for index in (0, 7):
        found = inspect_sample(run, index)
        np.testing.assert_array_equal(found.rewards["H"], run.rewards["H"][index])
        assert found.scenario.experiment_type == "single_agent" and found.reward_sample_index == index
        assert list(found.optimal_policies) == ["H"] and not found.given_policies
        optimal = _optimal_actions(found.mdp, found.rewards["H"], 0.9)
        chosen = found.optimal_policies["H"].probabilities > 0
        np.testing.assert_array_equal(chosen, optimal)
        # Along a rollout every move is made by an optimal action.
        mdp = found.mdp
        rollout = simulate_policy_rollout("(0, 0)", found.optimal_policies["H"], mdp, 12)
        assert len(rollout) == 13
        for here, there in itertools.pairwise(rollout):
            s = mdp.state_index(here)
            assert any(there in mdp.next_states(here, a) for a, ok in zip(mdp.actions, optimal[s]) if ok)


def test_fixed_policy_run_returns_the_fixed_policy(tmp_path):
    config = run_config(
        "multiagent_fixed_policy",
        "joint_3x3_gridworld",
        0.6,
        10,
        policy_graph_agent_A="joint_3x3_gridworld_agent_A_uniform_random",
    )
    run = make_run(tmp_path / "fixed", config)
    found = inspect_sample(run, 2)
    np.testing.assert_array_equal(
        found.given_policies["A"].probabilities,
        load_policy("joint_3x3_gridworld_agent_A_uniform_random").probabilities,
    )
    assert found.final_policies["A"] is found.given_policies["A"] and "A" not in found.optimal_policies
    assert found.optimal_policies["H"].agent == "H" and found.optimal_policies["H"].states == run.states
    assert set(found.rewards) == {"H"}  # a fixed agent draws no rewards


def test_multiagent_policies_are_h_against_the_seed_and_a_against_h(tmp_path):
    run = joint_run(tmp_path / "run", beta=0.0, samples=12, diagnostic=False)
    found = inspect_sample(run, 5)
    joint, seed = load_mdp("joint_3x3_gridworld"), load_policy("joint_3x3_gridworld_agent_A_uniform_random")
    np.testing.assert_array_equal(found.given_policies["A"].probabilities, seed.probabilities)
    np.testing.assert_array_equal(found.rewards["A"], run.rewards["A"][5])
    # H's policy is the single-agent optimal policy on H's MDP with A following the seed policy.
    against_seed = SingleAgentProblem(marginalize(joint, seed), 0.6)
    masks = against_seed.policies(run.rewards["H"][5:6])["H"][0]
    np.testing.assert_array_equal(found.optimal_policies["H"].probabilities, mask_to_probabilities(masks, 5))
    learned_A = found.optimal_policies["A"]
    assert learned_A.agent == "A" and learned_A.actions == joint.actions_A and found.final_policies["A"] is learned_A
    rollout = simulate_policy_rollout(
        "(1, 1)_H^(1, 1)_A", found.optimal_policies["H"], joint, 5, other_policy=learned_A
    )
    assert len(rollout) == 6  # overlapping is allowed: nothing leaks


def test_reference_style_run_properties_are_accepted(tmp_path):
    sweep = make_sweep(tmp_path / "expts", BETA_SWEEP, samples=8)
    properties = get_properties_from_run(sweep.sweep_id, "reward_correlation__1", folder=tmp_path / "expts")
    data = sample_optimal_policy_data_from_run(properties, 4)
    np.testing.assert_array_equal(data["reward_function_A"], properties["reward_samples_agent_A"][4])
    np.testing.assert_array_equal(data["reward_function_A"], data["reward_function_H"])  # β = 1
    assert data["experiment_type"] == "multiagent_with_reward" and data["seed_policy_graph_A"].agent == "A"
    with pytest.raises(ModelError, match="has 8 reward samples"):
        sample_optimal_policy_data_from_run(properties, 8)
