"""Gridworld heat maps: values in the right cells, the joint block mosaic, and view_gridworld."""

import numpy as np
import pytest
from test_figures_fixtures import expected_size, png_size, single_run, texts_outside

from powerplay.errors import FigureError
from powerplay.figures import render, style
from powerplay.figures.heatmaps import BLOCK_GAP, GridGeometry, draw_heatmap, heatmap_data, view_data, view_gridworld
from powerplay.model.environments import load_mdp
from powerplay.model.gridworld import gridworld, joint_gridworld
from powerplay.model.labels import cell_coordinates, split_joint_label


def test_single_heatmap_puts_the_run_means_in_their_cells(tmp_path):
    run = single_run(tmp_path / "run", "7x7_gridworld_maze", gamma=0.9, samples=200)
    means = run.power_mean("H")
    data = heatmap_data(means, run.states, title="POWER")
    assert data.matrix.shape == (7, 7) and not data.joint
    for state, value in zip(run.states, means):
        row, col = cell_coordinates(state)
        assert data.matrix[row, col] == value
        assert data.cell_text[row, col] == f"{value:.3f}"  # printed: the cells are large enough
    walls = np.isnan(data.matrix)
    assert walls.sum() == 49 - 31 and walls[1, 1] and not walls[0, 0]
    assert (data.cell_text[walls] == "").all()  # nothing printed in the walls
    assert data.norm == (means.min(), means.max())
    path = render.save(data, tmp_path / "maze")
    assert png_size(path) == expected_size(draw_heatmap(data))


def test_joint_blocks_are_indexed_by_agent_A_and_marked_in_the_right_block():
    joint = load_mdp("joint_3x3_gridworld")
    # Encode each joint state's coordinates in its value: 1000 rH + 100 cH + 10 rA + cA.
    values = np.array(
        [
            1000 * h[0] + 100 * h[1] + 10 * a[0] + a[1]
            for h, a in (map(cell_coordinates, split_joint_label(s)) for s in joint.states)
        ],
        dtype=float,
    )
    data = heatmap_data(values, joint.states, title="POWER", annotate=False)
    assert data.joint and sorted(data.blocks) == [(r, c) for r in range(3) for c in range(3)]
    for (rA, cA), block in data.blocks.items():
        expected = np.array([[1000 * rH + 100 * cH + 10 * rA + cA for cH in range(3)] for rH in range(3)])
        np.testing.assert_array_equal(block, expected)
        # Blocks are arranged like the grid, one blank cell apart.
        assert data.block_origins[(rA, cA)] == (rA * (3 + BLOCK_GAP), cA * (3 + BLOCK_GAP))
    # The mosaic is one image: 3 blocks of 3 cells and 2 gaps each way; the gaps are blank.
    assert data.matrix.shape == (11, 11)
    assert np.isnan(data.matrix[3, :]).all() and np.isnan(data.matrix[:, 7]).all()
    # A red square on Agent A's own cell in each block.
    red = style.AGENT_COLORS["A"]
    assert sorted(data.markers) == sorted(((rA * 4 + rA, cA * 4 + cA), red, 0.0) for rA in range(3) for cA in range(3))
    assert data.cell_text is None


def test_no_overlap_blocks_leave_A_cell_blank_and_walls_have_no_block():
    joint = joint_gridworld(gridworld(2, 3, [["(1, 2)", "(1, 2)"]]), overlap="remove")
    data = heatmap_data(np.arange(len(joint.states), dtype=float), joint.states, title="t")
    assert (1, 2) not in data.blocks  # a wall: Agent A is never there
    for (rA, cA), block in data.blocks.items():
        assert np.isnan(block[rA, cA])  # the agents never share a cell
        assert np.isnan(block[1, 2])  # the wall
        assert np.isfinite(block).sum() == 5 - 1


def test_a_single_joint_block_fills_the_figure(tmp_path):
    # Agent A never leaves (0, 0): one block, which must not sit in a corner of a 3x3-block canvas.
    joint = joint_gridworld(gridworld(3, 3), overlap="allow")
    states = [s for s in joint.states if s.endswith("_H^(0, 0)_A")]
    data = heatmap_data(np.arange(9.0), states, title="one block")
    assert data.matrix.shape == (3, 3) and list(data.blocks) == [(0, 0)]
    np.testing.assert_array_equal(data.block((0, 0)), np.arange(9.0).reshape(3, 3))
    assert data.cell_inches >= 0.6  # the size of a single-agent map's cells, not a mosaic's
    width, height = png_size(render.save(data, tmp_path / "one_block"))
    assert width < 800 and height < 800
    # ...while Agent A at the far corner only (rows and columns of blocks that do not occur are cropped).
    corner = [s for s in joint.states if s.endswith("_H^(2, 2)_A")]
    assert heatmap_data(np.arange(9.0), corner, title="corner").matrix.shape == (3, 3)


def test_values_are_not_printed_where_they_cannot_be_read():
    joint = load_mdp("joint_7x7_gridworld_maze")
    data = heatmap_data(np.linspace(0, 1, len(joint.states)), joint.states, title="big")
    assert data.cell_text is None and data.cell_inches < 0.3
    small = heatmap_data(np.linspace(0, 1, 81), load_mdp("joint_3x3_gridworld").states, title="small")
    assert small.cell_text is not None and (small.cell_text != "").sum() == 81


def test_constant_values_still_get_a_colour_range():
    states = gridworld(1, 3).states
    data = heatmap_data(np.array([0.5, 0.5, 0.5]), states, title="constant")
    assert list(data.cell_text[0]) == ["0.500"] * 3
    low, high = data.norm
    assert low < 0.5 < high


def test_long_titles_are_wrapped_to_the_figure():
    label = style.RunLabel("joint_7x7_gridworld_maze_no_overlaps", "multiagent_with_reward", 0.9, 0.99, 0.0, 10_000)
    data = heatmap_data(np.arange(4.0), gridworld(2, 2).states, title=f"POWER of Agent H\n{label.describe()}")
    # Broken between the description's parts only, into lines that fit.
    assert len(data.title.splitlines()) > 2
    assert " · ".join(data.title.splitlines()[1:]) == label.describe()
    assert texts_outside(draw_heatmap(data)) == []


def test_non_gridworld_states_are_refused_with_the_state_named():
    with pytest.raises(FigureError, match="'★'"):
        heatmap_data(np.zeros(8), load_mdp("mdp_from_paper").states, title="x")
    with pytest.raises(FigureError, match="one per state"):
        heatmap_data(np.zeros(3), gridworld(2, 2).states, title="x")


def test_view_gridworld_single_labels_cells_and_returns_the_png(tmp_path):
    grid = gridworld(3, 4, [["(0, 0)", "(1, 1)"], ["(0, 3)", "(0, 3)"], ["(2, 3)", "(2, 3)"]])
    data = view_data(grid)
    labels = {(r, c): data.cell_text[r, c] for r, c in zip(*np.nonzero(data.cell_text != ""))}
    assert labels == {cell_coordinates(s): s for s in grid.states}
    assert data.colorbar_label is None
    path = view_gridworld(grid, fig_name="maze", output_folder=tmp_path)
    assert path == tmp_path / "maze.png"
    assert png_size(path) == expected_size(draw_heatmap(data))


def test_view_gridworld_default_name_is_the_mdps_name_made_safe(tmp_path):
    path = view_gridworld(load_mdp("7x7_gridworld_maze"), output_folder=tmp_path)
    assert path == tmp_path / "gridworld-7x7_gridworld_maze.png" and path.is_file()


def test_view_gridworld_joint_draws_one_block_per_position_of_A():
    joint = joint_gridworld(gridworld(2, 2), overlap="remove")
    data = view_data(joint)
    assert sorted(data.blocks) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert data.colorbar_label is None  # a layout, not a quantity
    assert len(draw_heatmap(data).axes) == 1  # the whole mosaic is one axes


def test_agent_A_map_drawn_on_agent_H_figure_is_the_same_picture(tmp_path):
    # Reusing one figure for a second map of the same layout must give exactly the fresh drawing.
    joint = load_mdp("joint_3x3_gridworld")
    rng = np.random.default_rng(0)
    first = heatmap_data(rng.random(81), joint.states, title="H", annotate=False)
    second = heatmap_data(10 * rng.random(81), joint.states, title="A", annotate=False)
    reused = render.frame_pixels([first, second])
    np.testing.assert_array_equal(reused[1], style.figure_pixels(draw_heatmap(second)))


def test_geometry_rejects_mixed_single_and_joint_labels():
    with pytest.raises(FigureError, match="not a joint gridworld state"):
        GridGeometry.of_states(["(0, 0)_H^(0, 1)_A", "(0, 1)"])


def test_records_are_read_only_copies():
    values = np.arange(4.0)
    data = heatmap_data(values, gridworld(2, 2).states, title="x")
    values[0] = 99.0  # the caller's array stays writable, and the record does not change
    assert data.values[0] == 0.0
    with pytest.raises(ValueError):
        data.matrix[0, 0] = 1.0
