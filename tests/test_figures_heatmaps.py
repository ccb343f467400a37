"""Gridworld heat maps: values in the right cells, the joint block layout, and view_gridworld."""

import numpy as np
import pytest
from matplotlib.patches import Rectangle
from test_figures_fixtures import expected_size, png_size, single_run

from powerplay.figures import style
from powerplay.figures.heatmaps import GridGeometry, gridworld_heatmap_figure, view_gridworld
from powerplay.model.environments import load_mdp
from powerplay.model.gridworld import gridworld, joint_gridworld
from powerplay.model.labels import cell_coordinates, split_joint_label


def _cell_texts(ax) -> dict[tuple[int, int], str]:
    """Text annotations of a heat-map axes by (row, col)."""
    return {(int(round(t.get_position()[1])), int(round(t.get_position()[0]))): t.get_text() for t in ax.texts}


def test_single_heatmap_prints_the_run_means_in_their_cells(tmp_path):
    run = single_run(tmp_path / "run", "7x7_gridworld_maze", gamma=0.9, samples=200)
    means = run.power_mean("H")
    figure = gridworld_heatmap_figure(means, run.states, title="POWER")
    ax = figure.axes[0]
    texts = _cell_texts(ax)
    assert len(texts) == 31  # one number per open cell, none in the 18 walls
    for state, value in zip(run.states, means):
        row, col = cell_coordinates(state)
        assert texts[(row, col)] == f"{value:.3f}"
        assert figure.plotted["matrix"][row, col] == value
    walls = np.isnan(figure.plotted["matrix"])
    assert walls.sum() == 49 - 31 and walls[1, 1] and not walls[0, 0]
    # Row 0 at the top, like the reference; a colour bar is present.
    bottom, top = ax.get_ylim()
    assert bottom > top
    assert len(figure.axes) == 2
    path = style.save_figure(figure, tmp_path / "maze")
    assert png_size(path) == expected_size(figure)


def test_joint_blocks_are_indexed_by_agent_A_and_marked_in_the_right_block():
    joint = load_mdp("joint_3x3_gridworld")
    # Encode each joint state's coordinates in its value: 1000 rH + 100 cH + 10 rA + cA.
    values = np.array([
        1000 * h[0] + 100 * h[1] + 10 * a[0] + a[1]
        for h, a in (map(cell_coordinates, split_joint_label(s)) for s in joint.states)
    ], dtype=float)
    figure = gridworld_heatmap_figure(values, joint.states, title="POWER", annotate=False)
    blocks, axes = figure.plotted["blocks"], figure.plotted["axes"]
    assert sorted(blocks) == [(r, c) for r in range(3) for c in range(3)]
    for (rA, cA), block in blocks.items():
        expected = np.array([[1000 * rH + 100 * cH + 10 * rA + cA for cH in range(3)] for rH in range(3)])
        np.testing.assert_array_equal(block, expected)
        squares = [p for p in axes[(rA, cA)].patches if isinstance(p, Rectangle)]
        assert len(squares) == 1
        assert squares[0].get_xy() == (cA - 0.5, rA - 0.5)  # A's own cell inside its block
        assert squares[0].get_edgecolor()[:3] == pytest.approx((0.839, 0.153, 0.157), abs=0.01)  # red
        assert axes[(rA, cA)].get_title() == f"Agent A at ({rA}, {cA})"
    # Blocks are arranged like the grid: A's column runs left to right, A's row top to bottom.
    x = {pos: ax.get_position().x0 for pos, ax in axes.items()}
    y = {pos: ax.get_position().y0 for pos, ax in axes.items()}
    assert x[(0, 0)] < x[(0, 1)] < x[(0, 2)]
    assert y[(0, 0)] > y[(1, 0)] > y[(2, 0)]
    assert x[(1, 2)] == pytest.approx(x[(0, 2)]) and y[(1, 2)] == pytest.approx(y[(1, 0)])


def test_no_overlap_blocks_leave_A_cell_blank_and_walls_have_no_block():
    joint = joint_gridworld(gridworld(2, 3, [["(1, 2)", "(1, 2)"]]), overlap="remove")
    figure = gridworld_heatmap_figure(np.arange(len(joint.states), dtype=float), joint.states, title="t")
    blocks = figure.plotted["blocks"]
    assert (1, 2) not in blocks  # a wall: Agent A is never there
    for (rA, cA), block in blocks.items():
        assert np.isnan(block[rA, cA])  # the agents never share a cell
        assert np.isnan(block[1, 2])  # the wall
        assert np.isfinite(block).sum() == 5 - 1


def test_values_printed_are_rounded_means_and_constant_values_still_draw(tmp_path):
    states = gridworld(1, 3).states
    figure = gridworld_heatmap_figure(np.array([0.5, 0.5, 0.5]), states, title="constant")
    assert sorted(_cell_texts(figure.axes[0]).values()) == ["0.500"] * 3
    lo, hi = figure.plotted["norm"]
    assert lo < 0.5 < hi


def test_non_gridworld_states_are_refused_with_the_state_named():
    with pytest.raises(ValueError, match="'★'"):
        gridworld_heatmap_figure(np.zeros(8), load_mdp("mdp_from_paper").states, title="x")
    with pytest.raises(ValueError, match="one per state"):
        gridworld_heatmap_figure(np.zeros(3), gridworld(2, 2).states, title="x")


def test_view_gridworld_single_labels_cells_and_saves(tmp_path):
    grid = gridworld(3, 4, [["(0, 0)", "(1, 1)"], ["(0, 3)", "(0, 3)"], ["(2, 3)", "(2, 3)"]])
    figure = view_gridworld(grid, fig_name="maze", output_folder=tmp_path)
    texts = _cell_texts(figure.axes[0])
    assert texts == {cell_coordinates(s): s for s in grid.states}
    assert png_size(tmp_path / "maze.png") == expected_size(figure)


def test_view_gridworld_joint_draws_one_block_per_position_of_A():
    joint = joint_gridworld(gridworld(2, 2), overlap="remove")
    figure = view_gridworld(joint)
    assert sorted(figure.plotted["blocks"]) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert len(figure.axes) == 4  # no colour bar for a layout


def test_geometry_rejects_mixed_single_and_joint_labels():
    with pytest.raises(ValueError, match="not a joint gridworld state"):
        GridGeometry.of_states(["(0, 0)_H^(0, 1)_A", "(0, 1)"])
