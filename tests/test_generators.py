"""Generated gridworld families: perfect mazes and rooms with doors, their specs and joint lifts."""

import numpy as np
import pytest
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from powerplay.errors import ModelError
from powerplay.model.generators import (
    generate_mdp,
    generator_spec_name,
    is_generator_spec,
    maze,
    maze_cells,
    maze_map,
    normalize_generator_spec,
    rooms,
    rooms_cells,
    rooms_map,
)
from powerplay.model.gridworld import _parse_map, gridworld_from_map, joint_gridworld
from powerplay.model.mdp import JointMDP
from powerplay.model.policies import stay_policy
from powerplay.model.policy import check_policy_compatible, uniform_random_policy


def move_graph(mdp):
    """``[S, S]`` symmetric 0/1 adjacency of distinct states one move apart."""
    S = mdp.num_states
    rows = mdp.transitions.tocoo()
    graph = sparse.coo_array(
        (np.ones(rows.nnz), (rows.row // (mdp.transitions.shape[0] // S), rows.col)), shape=(S, S)
    ).tocsr()
    graph.setdiag(0)
    graph.eliminate_zeros()
    graph = ((graph + graph.T) > 0).astype(np.int8)
    return graph


def is_connected(mdp) -> bool:
    return connected_components(move_graph(mdp), directed=True, connection="strong")[0] == 1


def cycle_rank(mdp) -> int:
    """Edges - nodes + 1 of the move graph: 0 for a tree (if connected)."""
    return move_graph(mdp).nnz // 2 - mdp.num_states + 1


# -- mazes -------------------------------------------------------------------------------------


@pytest.mark.parametrize("rows, cols", [(1, 1), (1, 6), (5, 1), (2, 2), (4, 7), (7, 7), (12, 9)])
@pytest.mark.parametrize("seed", [0, 1, 17])
def test_mazes_are_spanning_trees_of_the_cell_grid(rows, cols, seed):
    cells = maze_cells(rows, cols, seed)
    assert cells.shape == (2 * rows - 1, 2 * cols - 1)
    assert cells[::2, ::2].all() and not cells[1::2, 1::2].any()  # cells open, wall corners closed
    passages = cells.sum() - rows * cols
    assert passages == rows * cols - 1
    grid = maze(rows, cols, seed)
    assert grid.num_states == 2 * rows * cols - 1
    assert is_connected(grid) and cycle_rank(grid) == 0
    assert maze_map(rows, cols, seed) == "\n".join("".join(".#"[not c] for c in line) for line in cells)
    assert grid.to_dict() == gridworld_from_map(maze_map(rows, cols, seed)).to_dict()


def test_corridor_mazes_have_one_layout():
    assert maze_map(1, 5, seed=3) == "." * 9
    assert maze_map(3, 1, seed=3) == ".\n.\n.\n.\n."


@pytest.mark.parametrize("loops", [1, 3, 10])
def test_loops_open_extra_walls_each_adding_one_independent_cycle(loops):
    grid = maze(6, 6, seed=2, loops=loops)
    assert grid.num_states == 2 * 36 - 1 + loops
    assert is_connected(grid) and cycle_rank(grid) == loops
    perfect = maze_cells(6, 6, seed=2)
    assert np.all(maze_cells(6, 6, seed=2, loops=loops) >= perfect)  # only walls are opened
    with pytest.raises(ModelError, match=r"loops=26 but a 6x6 maze has only 25 inner walls") as error:
        maze_cells(6, 6, seed=2, loops=26)
    assert error.value.field == "loops"


def test_same_seed_same_maze_different_seeds_different_mazes():
    assert maze_map(7, 7, seed=3) == maze_map(7, 7, seed=3)
    maps = {maze_map(7, 7, seed=seed) for seed in range(20)}
    assert len(maps) == 20


def test_every_wall_is_open_in_some_maze():
    """Each wall between neighbouring cells is a passage for some seed (no position is excluded)."""
    opened = sum(maze_cells(4, 5, seed).astype(int) for seed in range(60))
    between = np.zeros(opened.shape, dtype=bool)
    between[::2, 1::2] = between[1::2, ::2] = True
    assert np.all(opened[between] > 0) and np.all(opened[between] < 60)


def test_a_big_maze_builds_fast_and_is_still_a_tree():
    grid = maze(150, 200, seed=5)
    assert grid.num_states == 2 * 150 * 200 - 1
    assert is_connected(grid) and cycle_rank(grid) == 0


# -- rooms -------------------------------------------------------------------------------------


@pytest.mark.parametrize("rows, cols, size", [(1, 1, 3), (1, 4, 2), (3, 1, 3), (3, 2, 4), (3, 3, (2, 5)), (4, 4, 1)])
@pytest.mark.parametrize("doors", ["all", "tree"])
def test_rooms_sizes_doors_and_connectivity(rows, cols, size, doors):
    height, width = (size, size) if isinstance(size, int) else size
    for seed in range(3):
        cells = rooms_cells(rows, cols, seed, size, doors)
        assert cells.shape == (rows * (height + 1) - 1, cols * (width + 1) - 1)
        interior = np.ones(cells.shape, dtype=bool)
        interior[height :: height + 1, :] = interior[:, width :: width + 1] = False
        assert cells[interior].all()  # every room cell is open
        assert not cells[height :: height + 1, width :: width + 1].any()  # wall crossings stay closed
        shared_walls = rows * (cols - 1) + (rows - 1) * cols
        expected_doors = shared_walls if doors == "all" else rows * cols - 1
        assert cells[~interior].sum() == expected_doors
        grid = rooms(rows, cols, seed, size, doors)
        assert grid.num_states == rows * cols * height * width + expected_doors
        assert is_connected(grid)


def test_tree_doors_are_a_subset_of_all_doors_and_seeds_differ():
    for seed in range(5):
        assert np.all(rooms_cells(4, 4, seed, 3, "tree") <= rooms_cells(4, 4, seed, 3, "all"))
    assert rooms_map(3, 3, seed=1) == rooms_map(3, 3, seed=1)
    assert len({rooms_map(3, 3, seed=seed) for seed in range(20)}) == 20
    assert len({rooms_map(3, 3, seed=seed, doors="tree") for seed in range(20)}) == 20


def test_rooms_map_by_hand():
    # Two 2x3 rooms side by side: the door is somewhere in the middle column.
    text = rooms_map(1, 2, seed=0, room_size=(2, 3))
    lines = text.splitlines()
    assert [line[:3] + line[4:] for line in lines] == ["......", "......"]
    assert sorted(line[3] for line in lines) == ["#", "."]
    with pytest.raises(ModelError, match="doors must be one of all, tree, not 'some'") as error:
        rooms_map(2, 2, seed=0, doors="some")
    assert error.value.field == "doors"
    with pytest.raises(ModelError, match=r"room_size must be an integer or \[height, width\]") as error:
        rooms_map(2, 2, seed=0, room_size=(1, 2, 3))
    assert error.value.field == "room_size"


# -- specs -------------------------------------------------------------------------------------


def test_specs_build_the_same_gridworlds_as_the_functions():
    from_spec = generate_mdp({"generator": "maze", "rows": 7, "cols": 7, "seed": 3})
    direct = maze(7, 7, 3)
    assert from_spec.name == direct.name == "maze 7x7 seed 3"
    assert from_spec.states == direct.states and (from_spec.transitions != direct.transitions).nnz == 0
    spec = {
        "generator": "rooms",
        "rows": 2,
        "cols": 3,
        "seed": 1,
        "room_size": [2, 4],
        "doors": "tree",
        "stochastic_noise_level": 0.2,
        "noise_bias": {"left": 0.1},
    }
    noisy = generate_mdp(spec)
    assert noisy.name == "rooms 2x3 (2x4 each) seed 1, tree doors, noise 0.2 (bias left 0.1)"
    assert noisy.to_dict() == rooms(2, 3, 1, (2, 4), "tree", 0.2, {"left": 0.1}).to_dict()
    assert generate_mdp({**spec, "name": "my rooms"}).name == "my rooms"
    assert (
        generate_mdp({"generator": "maze", "rows": 5, "cols": 5, "seed": 0, "loops": 1}).name
        == "maze 5x5 seed 0, 1 loop"
    )


@pytest.mark.parametrize("rule, suffix", [("allow", ""), ("remove", " (no overlap)"), ("block", " (blocking)")])
def test_joint_specs_lift_with_each_overlap_rule(rule, suffix):
    spec = {"generator": "maze", "rows": 3, "cols": 3, "seed": 4, "joint": rule}
    joint = generate_mdp(spec)
    single = maze(3, 3, 4)
    expected = joint_gridworld(single, overlap=rule)
    assert isinstance(joint, JointMDP) and joint.name == f"joint maze 3x3 seed 4{suffix}" == generator_spec_name(spec)
    assert joint.states == expected.states and joint.to_dict() == expected.to_dict()
    assert joint.num_states == 17 * 17 - (0 if rule == "allow" else 17)
    for policy in (uniform_random_policy(joint, "A"), stay_policy(joint, "A")):
        check_policy_compatible(policy, joint)


def test_joint_block_with_noise_and_remove_refused_with_noise():
    spec = {"generator": "rooms", "rows": 1, "cols": 2, "seed": 0, "room_size": 2, "stochastic_noise_level": 0.1}
    blocking = generate_mdp({**spec, "joint": "block"})
    assert blocking.is_stochastic and blocking.num_states == 9 * 9 - 9
    with pytest.raises(ModelError, match="use joint: block") as error:
        generate_mdp({**spec, "joint": "remove"})
    assert error.value.field == "joint"


@pytest.mark.parametrize(
    "spec, field, message",
    [
        ({"rows": 3, "cols": 3, "seed": 0}, "generator", "needs a 'generator' key; valid: maze, rooms"),
        (
            {"generator": "labyrinth", "rows": 3, "cols": 3, "seed": 0},
            "generator",
            "unknown generator 'labyrinth'; valid: maze, rooms",
        ),
        (
            {"generator": ["maze"], "rows": 3, "cols": 3, "seed": 0},
            "generator",
            "unknown generator ['maze']; valid: maze, rooms",
        ),
        (
            {"generator": "maze", "rows": 3, "cols": 3, "seed": 0, "doors": "all"},
            "doors",
            "doors: unknown key for generator 'maze'; valid: generator, rows",
        ),
        (
            {"generator": "rooms", "rows": 3, "cols": 3, "seed": 0, "loops": 2},
            "loops",
            "unknown key for generator 'rooms'",
        ),
        ({"generator": "maze", "rows": 3, "seed": 0}, "cols", "cols: missing"),
        ({"generator": "maze", "rows": 0, "cols": 3, "seed": 0}, "rows", "rows must be an integer >= 1, not 0"),
        ({"generator": "maze", "rows": 3.0, "cols": 3, "seed": 0}, "rows", "rows must be an integer >= 1, not 3.0"),
        ({"generator": "maze", "rows": 3, "cols": 3, "seed": -1}, "seed", "seed must be an integer >= 0"),
        ({"generator": "maze", "rows": 3, "cols": 3, "seed": True}, "seed", "seed must be an integer >= 0"),
        ({"generator": "maze", "rows": 3, "cols": 3, "seed": 0, "loops": -1}, "loops", "loops must be an integer >= 0"),
        (
            {"generator": "maze", "rows": 3, "cols": 3, "seed": 0, "joint": "yes"},
            "joint",
            "joint: unknown rule 'yes'; valid: allow, remove, block, no_swap, push, or a list of them",
        ),
        (
            {"generator": "maze", "rows": 3, "cols": 3, "seed": 0, "stochastic_noise_level": 2},
            "stochastic_noise_level",
            "in [0, 1]",
        ),
        ({"generator": "maze", "rows": 3, "cols": 3, "seed": 0, "noise_bias": {"north": 0.0}}, "noise_bias", "'north'"),
        (
            {
                "generator": "maze",
                "rows": 3,
                "cols": 3,
                "seed": 0,
                "stochastic_noise_level": 0.1,
                "noise_bias": {"up": 0.2},
            },
            "noise_bias",
            "noise_bias magnitudes sum",
        ),
        (
            {"generator": "rooms", "rows": 3, "cols": 3, "seed": 0, "room_size": 0},
            "room_size",
            "room_size must be an integer >= 1",
        ),
        (
            {"generator": "rooms", "rows": 3, "cols": 3, "seed": 0, "doors": "few"},
            "doors",
            "doors must be one of all, tree",
        ),
    ],
)
def test_bad_specs_name_the_field_at_fault(spec, field, message):
    with pytest.raises(ModelError) as error:
        generate_mdp(spec)
    assert error.value.field == field and message in str(error.value)
    assert "\n" not in str(error.value)


def test_is_generator_spec_and_normalisation():
    assert is_generator_spec({"generator": "maze"}) and is_generator_spec({})
    assert not is_generator_spec("7x7_gridworld_maze") and not is_generator_spec(None)
    assert normalize_generator_spec({"generator": "rooms", "rows": 2, "cols": 2, "seed": 0, "room_size": [3, 3]}) == {
        "generator": "rooms",
        "rows": 2,
        "cols": 2,
        "seed": 0,
        "stochastic_noise_level": 0.0,
        "noise_bias": {},
        "joint": None,
        "name": "",
        "room_size": 3,
        "doors": "all",
    }
    with pytest.raises(ModelError, match="a generator spec is a mapping"):
        generate_mdp("maze")


def test_generated_maps_parse_back_to_the_same_cells():
    for cells in (maze_cells(5, 8, 2, loops=3), rooms_cells(3, 2, 9, (3, 2), "tree")):
        text = "\n".join("".join(".#"[not c] for c in line) for line in cells)
        np.testing.assert_array_equal(_parse_map(text), cells)
