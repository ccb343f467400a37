"""Gridworlds: the reference's documented semantics, text maps, joint products and overlap rules."""

import itertools

import pytest

from powerplay.model.gridworld import (
    MOVES,
    gridworld,
    gridworld_from_map,
    gridworld_to_map,
    joint_gridworld,
)
from powerplay.model.labels import cell_coordinates, split_joint_label

MAZE_3X4 = [["(0, 0)", "(1, 1)"], ["(0, 3)", "(0, 3)"], ["(2, 3)", "(2, 3)"]]


def test_moves_off_grid_or_into_deleted_cells_are_unavailable():
    maze = gridworld(3, 4, squares_to_delete=MAZE_3X4)
    assert maze.states == ("(0, 2)", "(1, 2)", "(1, 3)", "(2, 0)", "(2, 1)", "(2, 2)")
    assert maze.available_actions("(0, 2)") == ["down", "stay"]
    assert maze.available_actions("(2, 0)") == ["right", "stay"]
    assert maze.next_states("(2, 0)", "right") == {"(2, 1)": 1.0}


def test_noise_examples_from_the_reference_documentation():
    grid = gridworld(3, 3, stochastic_noise_level=0.3)
    # top-left corner, action down: 0.7 intended + 0.3 spread over down, right, stay
    assert grid.next_states("(0, 0)", "down") == pytest.approx({"(1, 0)": 0.8, "(0, 1)": 0.1, "(0, 0)": 0.1})
    biased = gridworld(3, 3, stochastic_noise_level=0.3, noise_bias={"right": 0.3})
    assert biased.next_states("(0, 0)", "down") == pytest.approx({"(1, 0)": 0.7, "(0, 1)": 0.3})
    maze = gridworld(3, 4, squares_to_delete=MAZE_3X4, stochastic_noise_level=0.5)
    assert maze.next_states("(2, 0)", "right") == pytest.approx({"(2, 1)": 0.75, "(2, 0)": 0.25})


def test_partial_bias_and_bias_into_a_wall():
    grid = gridworld(3, 3, stochastic_noise_level=0.5, noise_bias={"left": 0.2})
    # centre: 0.3 spread over 5 moves, 0.2 more to the left
    assert grid.next_states("(1, 1)", "up") == pytest.approx(
        {"(0, 1)": 0.5 + 0.06, "(2, 1)": 0.06, "(1, 0)": 0.06 + 0.2, "(1, 2)": 0.06, "(1, 1)": 0.06}
    )
    # top-left: 'left' is blocked, so its bias is spread like the rest of the noise
    assert grid.next_states("(0, 0)", "stay") == pytest.approx({"(0, 0)": 0.5 + 0.5 / 3, "(1, 0)": 0.5 / 3, "(0, 1)": 0.5 / 3})
    for mdp in (grid, gridworld(3, 4, MAZE_3X4, 0.9, {"up": 0.4})):
        mdp.check_stochastic()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(stochastic_noise_level=1.5), "stochastic_noise_level"),
        (dict(stochastic_noise_level=0.1, noise_bias={"left": 0.2}), "noise_bias magnitudes"),
        (dict(noise_bias={"north": 0.0}), "noise_bias direction 'north'"),
        (dict(squares_to_delete=[["(0, 0)"]]), "squares_to_delete"),
        (dict(squares_to_delete=[["(0, 0)", "zero"]]), "squares_to_delete"),
    ],
)
def test_bad_gridworld_arguments_name_the_field(kwargs, message):
    with pytest.raises(ValueError, match=message):
        gridworld(3, 3, **kwargs)


def test_text_maps_match_squares_to_delete():
    text = """
        ##.#
        ##..
        ...#
    """
    from_map = gridworld_from_map(text)
    from_squares = gridworld(3, 4, squares_to_delete=MAZE_3X4)
    assert from_map.to_dict() == from_squares.to_dict()
    assert gridworld_to_map(from_map) == "##.#\n##..\n...#"
    with pytest.raises(ValueError, match="line 2, column 3: 'x'"):
        gridworld_from_map("...\n..x")


def _brute_force_joint(single, overlap):
    """The joint MDP written out state by state, for comparison with the vectorised builder."""
    table = {}
    for x, y in itertools.product(single.states, single.states):
        if overlap != "allow" and x == y:
            continue
        actions = {}
        for u, v in itertools.product(single.available_actions(x), single.available_actions(y)):
            outcome = {}
            for (nx, p), (ny, q) in itertools.product(single.next_states(x, u).items(), single.next_states(y, v).items()):
                if overlap == "block" and nx == ny:
                    nx, ny = (x if nx != x else nx), (y if ny != y else ny)
                key = f"{nx}_H^{ny}_A"
                outcome[key] = outcome.get(key, 0.0) + p * q
            if overlap == "remove" and any(split_joint_label(k)[0] == split_joint_label(k)[1] for k in outcome):
                continue
            actions[f"{u}_H^{v}_A"] = outcome
        table[f"{x}_H^{y}_A"] = actions
    return table


@pytest.mark.parametrize(
    "overlap, noise", [("allow", 0.0), ("allow", 0.4), ("remove", 0.0), ("block", 0.0), ("block", 0.4)]
)
def test_joint_gridworld_matches_a_brute_force_construction(overlap, noise):
    single = gridworld(2, 3, squares_to_delete=[["(1, 2)", "(1, 2)"]], stochastic_noise_level=noise)
    joint = joint_gridworld(single, overlap=overlap)
    expected = _brute_force_joint(single, overlap)
    got = joint.to_dict()
    assert list(got) == list(expected)
    for state in expected:
        assert set(got[state]) == set(expected[state]), state
        for action in expected[state]:
            assert got[state][action] == pytest.approx(expected[state][action]), (state, action)


def test_no_overlap_rule_with_noise_is_refused_with_advice():
    with pytest.raises(ValueError, match="use overlap='block'"):
        joint_gridworld(gridworld(2, 2, stochastic_noise_level=0.2), overlap="remove")


def test_no_overlap_rule_keeps_swaps_and_removes_moves_into_shared_cells():
    joint = joint_gridworld(gridworld(1, 3), overlap="remove")
    assert "(0, 1)_H^(0, 1)_A" not in joint.states and len(joint.states) == 6
    swaps = joint.available_actions("(0, 0)_H^(0, 1)_A")
    assert "right_H^left_A" in swaps  # swapping cells is legal
    assert "right_H^stay_A" not in swaps  # moving into A's cell is not
    assert joint.next_states("(0, 0)_H^(0, 1)_A", "right_H^left_A") == {"(0, 1)_H^(0, 0)_A": 1.0}


def test_blocking_rule_leaves_the_mover_in_place():
    joint = joint_gridworld(gridworld(1, 3), overlap="block")
    assert joint.is_stochastic
    assert joint.next_states("(0, 0)_H^(0, 1)_A", "right_H^stay_A") == {"(0, 0)_H^(0, 1)_A": 1.0}
    # both enter the middle cell: both stay where they were
    assert joint.next_states("(0, 0)_H^(0, 2)_A", "right_H^left_A") == {"(0, 0)_H^(0, 2)_A": 1.0}
    # A leaves, H follows into the cell A just left: allowed
    assert joint.next_states("(0, 0)_H^(0, 1)_A", "right_H^right_A") == {"(0, 1)_H^(0, 2)_A": 1.0}


def test_joint_states_are_h_major_pairs_of_cells():
    single = gridworld(2, 2)
    joint = joint_gridworld(single)
    assert joint.states[:3] == ("(0, 0)_H^(0, 0)_A", "(0, 0)_H^(0, 1)_A", "(0, 0)_H^(1, 0)_A")
    assert joint.actions_H == joint.actions_A == tuple(MOVES)
    coords = [tuple(cell_coordinates(part) for part in split_joint_label(s)) for s in joint.states]
    assert len(set(coords)) == 16
