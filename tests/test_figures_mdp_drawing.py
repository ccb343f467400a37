"""Graphviz drawings of MDPs and policies: content, chunking, and a clear error without ``dot``."""

import shutil

import pytest
from test_figures_fixtures import png_size

from powerplay.figures import mdp_drawing
from powerplay.figures.mdp_drawing import GraphvizNotFoundError, plot_mdp_or_policy, state_tree_source
from powerplay.model.gridworld import gridworld, joint_gridworld
from powerplay.model.policy import uniform_random_policy

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed")

MAZE = [["(0, 0)", "(1, 1)"], ["(0, 3)", "(0, 3)"], ["(2, 3)", "(2, 3)"]]


def test_state_tree_lists_actions_next_states_and_probabilities():
    noisy = gridworld(3, 4, MAZE, stochastic_noise_level=0.2)
    source = state_tree_source(noisy, "(1, 2)").source
    for action in noisy.available_actions("(1, 2)"):
        assert f"label={action}" in source
    assert "label=0.85" in source and "label=0.05" in source
    policy = uniform_random_policy(noisy)
    policy_source = state_tree_source(policy, "(1, 2)").source
    assert policy_source.count("label=0.25") == 4  # up, down, right, stay: 1/4 each


@needs_dot
def test_plot_writes_one_image_per_chunk_of_states(tmp_path):
    grid = gridworld(3, 4, MAZE)
    assert len(grid.states) == 6
    single = plot_mdp_or_policy(grid, output_folder=tmp_path)
    assert single == [tmp_path / "mdp_graph-temp.png"]
    chunks = plot_mdp_or_policy(grid, subgraphs_per_figure=4, subgraphs_per_row=2, save_handle="maze", output_folder=tmp_path)
    assert [p.name for p in chunks] == ["mdp_graph-maze-1.png", "mdp_graph-maze-2.png"]
    assert png_size(chunks[0])[1] > png_size(chunks[1])[1]  # 4 trees in two rows, then 2 in one row
    wide = png_size(single[0])
    narrow = png_size(plot_mdp_or_policy(grid, subgraphs_per_row=1, save_handle="column", output_folder=tmp_path)[0])
    assert narrow[0] < wide[0] and narrow[1] > wide[1]  # one tree per row: narrower and taller


@needs_dot
def test_plot_draws_joint_mdps_and_policies(tmp_path):
    joint = joint_gridworld(gridworld(1, 2), overlap="remove")
    assert [p.name for p in plot_mdp_or_policy(joint, output_folder=tmp_path)] == ["joint_mdp_graph-temp.png"]
    policy = uniform_random_policy(joint, "A")
    path = plot_mdp_or_policy(policy, graph_name="seed_policy", output_folder=tmp_path)[0]
    assert path.name == "seed_policy-temp.png" and png_size(path)[0] > 100


def test_missing_dot_gives_a_one_line_error(monkeypatch, tmp_path):
    monkeypatch.setattr(mdp_drawing.shutil, "which", lambda name: None)
    with pytest.raises(GraphvizNotFoundError) as error:
        plot_mdp_or_policy(gridworld(1, 2), output_folder=tmp_path)
    message = str(error.value)
    assert "'dot'" in message and "apt-get install graphviz" in message and "\n" not in message
    assert not any(tmp_path.iterdir())


def test_bad_chunking_arguments_are_refused():
    with pytest.raises(ValueError, match="positive"):
        plot_mdp_or_policy(gridworld(1, 2), subgraphs_per_row=0)
