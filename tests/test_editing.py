"""Programmatic edits: new validated objects, agreement with the gridworld builders, clear errors."""

import numpy as np
import pytest

from powerplay.model.editing import (
    add_state_action,
    add_states,
    align_policy,
    create_joint_multiagent_graph,
    generate_noised_gridworlds,
    remove_state_completely,
    remove_states,
    remove_states_with_overlapping_agents,
    reorder_states,
    single_agent_to_multiagent_policy,
    update_state_action,
    update_state_actions,
)
from powerplay.model.environments import MAZE_7X7, load_mdp
from powerplay.model.gridworld import gridworld, gridworld_from_map, joint_gridworld
from powerplay.model.policy import Policy, joint_policy_from_single, uniform_random_policy
from powerplay.solvers.power import SingleAgentProblem

MAZE_3X4 = [["(0, 0)", "(1, 1)"], ["(0, 3)", "(0, 3)"], ["(2, 3)", "(2, 3)"]]


def same(a, b):
    assert a.states == b.states
    assert a.to_dict() == b.to_dict()
    np.testing.assert_array_equal(a.action_mask, b.action_mask)


@pytest.mark.parametrize(
    "single",
    [gridworld(3, 4, MAZE_3X4), gridworld(3, 3), gridworld(1, 3), gridworld_from_map(MAZE_7X7)],
    ids=["3x4 maze", "3x3", "1x3", "7x7 maze"],
)
def test_joint_edits_agree_with_joint_gridworld(single):
    allowed = joint_gridworld(single, overlap="allow")
    joint = create_joint_multiagent_graph(single)
    same(joint, allowed)
    assert (joint.actions_H, joint.actions_A) == (allowed.actions_H, allowed.actions_A)
    removed = remove_states_with_overlapping_agents(joint)
    same(removed, joint_gridworld(single, overlap="remove"))
    assert removed.actions_H == single.actions


def test_no_overlap_rule_with_noise_is_refused_by_both():
    """With noise every joint move may end in a shared cell: no action would be left."""
    joint = create_joint_multiagent_graph(gridworld(2, 3, stochastic_noise_level=0.4))
    with pytest.raises(ValueError, match=r"leaves state '\(0, 0\)_H\^\(0, 1\)_A' with no actions"):
        remove_states_with_overlapping_agents(joint)
    with pytest.raises(ValueError, match=r"leaves state .\(0, 0\)_H\^\(0, 1\)_A."):
        joint_gridworld(gridworld(2, 3, stochastic_noise_level=0.4), overlap="remove")


def test_update_state_action_replaces_actions():
    grid = gridworld(3, 4, MAZE_3X4)
    edited = update_state_action(grid, "(0, 2)", {"down": {"(1, 2)": 1}})
    assert edited.available_actions("(0, 2)") == ["down"]
    assert grid.available_actions("(0, 2)") == ["down", "stay"]  # the original is untouched
    # Other states keep their transitions exactly.
    rest = {s: r for s, r in edited.to_dict().items() if s != "(0, 2)"}
    assert rest == {s: r for s, r in grid.to_dict().items() if s != "(0, 2)"}
    noisy = update_state_action(grid, "(0, 2)", {"stay": {"(0, 2)": 0.5, "(1, 2)": 0.5}, "jump": {"(2, 0)": 1.0}})
    assert noisy.actions[-1] == "jump" and noisy.next_states("(0, 2)", "jump") == {"(2, 0)": 1.0}


@pytest.mark.parametrize(
    "action_dict, message",
    [
        ({"down": {"(9, 9)": 1}}, "state '(0, 2)', action 'down': next state '(9, 9)' is not a state of the MDP"),
        ({"down": {"(1, 2)": 0.5}}, "state '(0, 2)', action 'down': probabilities sum to 0.5, not 1"),
        ({"down": {"(1, 2)": 1.5, "(0, 2)": -0.5}}, "state '(0, 2)', action 'down': probability"),
        ({}, "state '(0, 2)': give at least one action"),
        ({"down": {}}, "state '(0, 2)', action 'down': give next states"),
    ],
)
def test_update_state_action_validates(action_dict, message):
    with pytest.raises(ValueError) as error:
        update_state_action(gridworld(3, 4, MAZE_3X4), "(0, 2)", action_dict)
    assert message in str(error.value)


def test_update_unknown_state():
    with pytest.raises(ValueError, match=r"state '\(5, 5\)' is not a state of MDP '3x4 gridworld'"):
        update_state_action(gridworld(3, 4), "(5, 5)", {"stay": {"(0, 0)": 1}})


def test_add_states():
    grid = gridworld(1, 2)
    bigger = add_state_action(grid, "lava", {"stay": {"lava": 1.0}})
    assert bigger.states[-1] == "lava" and bigger.next_states("lava", "stay") == {"lava": 1.0}
    # Two new states that lead to each other must be added together.
    with pytest.raises(ValueError, match="next state 'b' is not a state of the MDP"):
        add_state_action(grid, "a", {"go": {"b": 1.0}})
    pair = add_states(grid, {"a": {"go": {"b": 1.0}}, "b": {"go": {"a": 1.0}}})
    assert pair.states == ("(0, 0)", "(0, 1)", "a", "b")
    with pytest.raises(ValueError, match=r"state '\(0, 0\)' already exists"):
        add_state_action(grid, "(0, 0)", {"stay": {"(0, 0)": 1.0}})
    joint = add_state_action(joint_gridworld(grid), "x_H^x_A", {"stay_H^stay_A": {"x_H^x_A": 1.0}})
    assert joint.available_actions("x_H^x_A") == ["stay_H^stay_A"]
    with pytest.raises(ValueError, match="not a joint action"):
        add_state_action(joint_gridworld(grid), "y_H^y_A", {"stay": {"y_H^y_A": 1.0}})


def test_remove_state_completely_drops_actions_leading_into_it():
    grid = gridworld(2, 3)
    smaller = remove_state_completely(grid, "(0, 2)")
    assert smaller.states == ("(0, 0)", "(0, 1)", "(1, 0)", "(1, 1)", "(1, 2)")
    assert smaller.available_actions("(0, 1)") == ["down", "left", "stay"]
    assert smaller.available_actions("(1, 2)") == ["left", "stay"]
    corners = remove_states(grid, ["(0, 0)", "(0, 2)"])
    assert corners.states == ("(0, 1)", "(1, 0)", "(1, 1)", "(1, 2)")
    assert corners.available_actions("(0, 1)") == ["down", "stay"]
    unchanged = {s: r for s, r in grid.to_dict().items() if s in ("(0, 0)", "(1, 0)", "(1, 1)")}
    assert {s: smaller.to_dict()[s] for s in unchanged} == unchanged
    # Under noise every action of (0, 1) may slip into (0, 2): nothing would be left.
    with pytest.raises(ValueError, match=r"removing \['\(0, 2\)'\] leaves state '\(0, 1\)' with no actions"):
        remove_state_completely(gridworld(1, 3, stochastic_noise_level=0.3), "(0, 2)")
    with pytest.raises(ValueError, match="is not a state"):
        remove_state_completely(grid, "(7, 7)")


def test_generate_noised_gridworlds():
    maze = gridworld(3, 4, MAZE_3X4)
    levels = [0.0, 0.3, 0.5]
    noised = generate_noised_gridworlds(maze, levels, [{}, {"right": 0.3}, {"left": 0.2}])
    for got, level, bias in zip(noised, levels, [{}, {"right": 0.3}, {"left": 0.2}]):
        same(got, gridworld(3, 4, MAZE_3X4, stochastic_noise_level=level, noise_bias=bias))
    assert noised[1].next_states("(2, 0)", "stay") == {"(2, 0)": 0.7, "(2, 1)": 0.3}
    with pytest.raises(ValueError, match="not a gridworld"):
        generate_noised_gridworlds(load_mdp("mdp_from_paper"), [0.1])
    with pytest.raises(ValueError, match="noise_bias_list has 1 entries for 2 noise levels"):
        generate_noised_gridworlds(maze, [0.1, 0.2], [{}])


def test_update_state_actions_validates():
    maze = gridworld(3, 4, MAZE_3X4)
    policy = uniform_random_policy(maze)
    stay = update_state_actions(policy, "(0, 2)", {"stay": 1}, mdp=maze)
    assert stay.to_dict()["(0, 2)"] == {"stay": 1.0}
    assert policy.to_dict()["(0, 2)"] == {"down": 0.5, "stay": 0.5}
    with pytest.raises(ValueError, match=r"state '\(0, 2\)': action 'up' is not available there"):
        update_state_actions(policy, "(0, 2)", {"up": 1}, mdp=maze)
    with pytest.raises(ValueError, match=r"state '\(0, 2\)': action probabilities sum to 0.9, not 1"):
        update_state_actions(policy, "(0, 2)", {"stay": 0.5, "down": 0.4})
    with pytest.raises(ValueError, match=r"action 'fly' is not one of"):
        update_state_actions(policy, "(0, 2)", {"fly": 1})
    with pytest.raises(ValueError, match=r"state '\(0, 0\)' is not a state of policy"):
        update_state_actions(policy, "(0, 0)", {"stay": 1})


def test_single_agent_to_multiagent_policy():
    maze = gridworld(3, 4, MAZE_3X4)
    policy = uniform_random_policy(maze)
    for state in maze.states:
        policy = update_state_actions(policy, state, {"stay": 1})
    lifted = single_agent_to_multiagent_policy(policy)
    expected = joint_policy_from_single(policy, agent="A")
    assert lifted.agent == "A" and lifted.states == expected.states
    np.testing.assert_array_equal(lifted.probabilities, expected.probabilities)
    # Restricted to a no-overlap joint MDP, and checked against it.
    joint = joint_gridworld(maze, overlap="remove")
    on_joint = single_agent_to_multiagent_policy(policy, acting_agent_is_H=True, joint=joint)
    assert on_joint.agent == "H" and on_joint.states == joint.states
    assert on_joint.to_dict()["(0, 2)_H^(1, 2)_A"] == {"stay": 1.0}


def test_align_policy_reorders_and_checks():
    mdp = load_mdp("joint_3x3_gridworld")
    policy = uniform_random_policy(mdp, "A")
    shuffled = reorder_states(policy, sorted(mdp.states, reverse=True))
    only_used = Policy.from_dict(shuffled.to_dict(), agent="A")  # drops no action here, but reorders them
    aligned = align_policy(only_used, mdp)
    np.testing.assert_array_equal(aligned.probabilities, policy.probabilities)
    with pytest.raises(ValueError, match="does not fit MDP"):
        align_policy(uniform_random_policy(load_mdp("3x3_gridworld")), mdp)
    wrong = update_state_actions(policy, "(0, 0)_H^(0, 0)_A", {"up": 1.0})
    with pytest.raises(ValueError, match=r"state '\(0, 0\)_H\^\(0, 0\)_A' gives probability to action 'up'"):
        align_policy(wrong, mdp)


def test_reorder_states_keeps_power():
    mdp = load_mdp("stochastic_graph_4_states")
    reversed_mdp = reorder_states(mdp, mdp.states[::-1])
    assert reversed_mdp.to_dict() == mdp.to_dict() and reversed_mdp.states == mdp.states[::-1]
    rewards = np.random.default_rng(0).random((5, 4))
    p1 = SingleAgentProblem(mdp, 0.7).solve(rewards).power["H"]
    p2 = SingleAgentProblem(reversed_mdp, 0.7).solve(rewards[:, ::-1]).power["H"]
    np.testing.assert_allclose(p2[:, ::-1], p1, atol=1e-12)
    with pytest.raises(ValueError, match="not a permutation"):
        reorder_states(mdp, mdp.states[:3])


def test_remove_states_on_a_stochastic_mdp_and_on_a_policy():
    chain = load_mdp("stochastic_graph_4_states")
    smaller = remove_states(chain, ["4"])
    # Only the actions that could reach '4' go (3's 'R'); everything else is kept exactly.
    assert smaller.to_dict() == {
        "1": {"H": {"1": 1.0}, "R": {"2": 1.0}},
        "2": {"L": {"1": 1.0}, "H": {"1": 0.5, "2": 0.5}, "R": {"2": 0.2, "3": 0.8}},
        "3": {"L": {"2": 1.0}, "H": {"2": 0.3, "3": 0.7}},
    }
    assert smaller.actions == chain.actions and smaller.name == chain.name
    with pytest.raises(ValueError, match=r"^removing \['2'\] leaves state '3' with no actions$"):
        remove_states(smaller, ["2"])  # both of 3's remaining actions may enter '2'
    assert remove_states(smaller, ["2", "3"]).to_dict() == {"1": {"H": {"1": 1.0}}}
    policy = Policy.from_dict({"1": {"R": 1.0}, "2": {"H": 0.5, "L": 0.5}, "3": {"L": 1.0}, "4": {"L": 1.0}}, name="p")
    kept = remove_states(policy, ["2", "4"])
    assert kept.states == ("1", "3") and kept.to_dict() == {"1": {"R": 1.0}, "3": {"L": 1.0}} and kept.name == "p"
    with pytest.raises(ValueError, match="state '9' is not a state of policy 'p'"):
        remove_states(policy, ["9"])


def test_remove_states_error_lists_few_states_and_counts_many():
    joint = create_joint_multiagent_graph(gridworld(2, 3, stochastic_noise_level=0.4))
    with pytest.raises(ValueError, match=r"^removing 6 states \('\(0, 0\)_H\^\(0, 0\)_A', .*, \.\.\.\) leaves state"):
        remove_states_with_overlapping_agents(joint)
