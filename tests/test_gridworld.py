"""Gridworlds: the reference's documented semantics, text maps, joint products and overlap rules."""

import itertools

import naive
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from powerplay.model.gridworld import (
    MOVES,
    gridworld,
    gridworld_from_cells,
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
    assert grid.next_states("(0, 0)", "stay") == pytest.approx(
        {"(0, 0)": 0.5 + 0.5 / 3, "(1, 0)": 0.5 / 3, "(0, 1)": 0.5 / 3}
    )
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
            for (nx, p), (ny, q) in itertools.product(
                single.next_states(x, u).items(), single.next_states(y, v).items()
            ):
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


# -- the vectorised builder against the per-cell loop it replaced (tests/naive.py) -----------


@st.composite
def noisy_maps(draw):
    """A random open-cell array, noise level and bias (biases sum to at most the noise)."""
    rows, cols = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    cells = np.array(draw(st.lists(st.booleans(), min_size=rows * cols, max_size=rows * cols))).reshape(rows, cols)
    cells.flat[draw(st.integers(0, rows * cols - 1))] = True  # at least one open cell
    level = draw(st.one_of(st.sampled_from([0.0, 0.1, 0.3, 0.5, 1.0]), st.floats(0.0, 1.0)))
    directions = draw(st.lists(st.sampled_from(list(MOVES)), unique=True, max_size=3))
    shares = [draw(st.sampled_from([0.0, 0.25, 1 / 3, 0.5, 1.0])) for _ in directions]
    total = sum(shares)
    # Scaled so that they sum to at most the noise level; sometimes exactly all of it.
    bias = {d: level * s / max(total, 1.0) for d, s in zip(directions, shares)}
    return cells, level, bias


def _identical(fast, slow):
    assert fast.states == slow.states and fast.actions == slow.actions
    np.testing.assert_array_equal(fast.action_mask, slow.action_mask)
    for part in ("data", "indices", "indptr"):
        got, expected = getattr(fast.transitions, part), getattr(slow.transitions, part)
        assert got.dtype == expected.dtype, part
        np.testing.assert_array_equal(got, expected, err_msg=part)  # bit for bit, not approximately


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(noisy_maps())
def test_vectorised_builder_is_identical_to_the_per_cell_loop(case):
    cells, level, bias = case
    _identical(gridworld_from_cells(cells, level, bias), naive.gridworld_from_cells(cells, level, bias))


@pytest.mark.parametrize("level, bias", [(0.0, {}), (0.4, {}), (0.3, {"right": 0.3}), (0.9, {"up": 0.4, "stay": 0.2})])
def test_vectorised_builder_on_the_published_maps(level, bias):
    from powerplay.model.environments import MAZE_7X7, ROBOT_FACE_20X20
    from powerplay.model.gridworld import _parse_map

    for text in (MAZE_7X7, ROBOT_FACE_20X20):
        cells = _parse_map(text)
        _identical(gridworld_from_cells(cells, level, bias), naive.gridworld_from_cells(cells, level, bias))


def test_large_noisy_grid_has_the_expected_structure():
    """An open R x C grid with noise: each available action reaches every available move's cell.

    A cell with k available moves (3 in a corner, 4 on an edge, 5 inside) has k rows of k
    entries, so nnz = 9 * 4 + 16 * 2 * (R - 2 + C - 2) + 25 * (R - 2) * (C - 2).
    """
    R, C = 120, 250
    grid = gridworld(R, C, stochastic_noise_level=0.2, noise_bias={"down": 0.05})
    assert grid.num_states == R * C and grid.states[C] == "(1, 0)"
    assert grid.transitions.nnz == 36 + 32 * (R - 2 + C - 2) + 25 * (R - 2) * (C - 2)
    np.testing.assert_array_equal(grid.action_mask.sum(axis=1).reshape(R, C)[[0, 0, 5], [0, 7, 7]], [3, 4, 5])
    np.testing.assert_allclose(grid.row_mass[grid.action_mask], 1.0, atol=1e-12)
    # Interior cell, action 'up': 0.8 intended, 0.15 spread over 5 moves, 0.05 more downwards.
    assert grid.next_states("(5, 7)", "up") == pytest.approx(
        {"(4, 7)": 0.83, "(5, 6)": 0.03, "(5, 7)": 0.03, "(5, 8)": 0.03, "(6, 7)": 0.08}
    )


def test_open_cells_must_be_a_2d_array_with_an_open_cell():
    with pytest.raises(ValueError, match="no open cells"):
        gridworld_from_cells(np.zeros((2, 2), dtype=bool))
    with pytest.raises(ValueError, match=r"\[rows, cols\] array"):
        gridworld_from_cells(np.ones(3, dtype=bool))
