"""Graphviz drawings of MDPs and policies: content, chunking, and a clear error without ``dot``."""

import json
import re
import shutil
import subprocess

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
    chunks = plot_mdp_or_policy(
        grid, subgraphs_per_figure=4, subgraphs_per_row=2, save_handle="maze", output_folder=tmp_path
    )
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


# -- labels from files cannot change the drawing (issue 11, item 7) -----------------------

#: Labels a crafted MDP file could hold: HTML-like labels (one embedding a local image),
#: quotes, backslashes (Graphviz escape sequences included), line breaks and DOT syntax.
CRAFTED = [
    '<IMG SRC="/etc/passwd"/>',
    "<<TABLE><TR><TD><IMG SRC='/tmp/x.png'/></TD></TR></TABLE>>",
    'say "hi"',
    "back\\slash",
    "ends in \\",
    "\\N \\G \\l",
    '\\"',
    "two\nlines",
    "]",
    'a"]; evil -> pwned [label="x"',
    '"; b -> c; "',
    "->",
    ";",
    "{ subgraph x {",
    "// not a comment",
    "node",
]


def _crafted_mdp():
    """Each crafted label is a state whose one action (also crafted) leads to the next state."""
    from powerplay.model.mdp import MDP

    n = len(CRAFTED)
    return MDP.from_dict(
        {CRAFTED[i]: {CRAFTED[(i + 3) % n]: {CRAFTED[(i + 1) % n]: 0.5, CRAFTED[i]: 0.5}} for i in range(n)}
    )


def _graphviz_text(label: str) -> str:
    """How a label is written in a DOT file so that Graphviz shows it as is (backslashes doubled)."""
    return label.replace("\\", "\\\\")


@pytest.mark.parametrize("index", range(len(CRAFTED)))
def test_crafted_labels_stay_labels(index):
    from powerplay.io.dot import parse_dot

    mdp = _crafted_mdp()
    state = CRAFTED[index]
    source = state_tree_source(mdp, state).source
    raw = parse_dot(source, "tree.gv")  # our parser refuses HTML strings ('<...>') outright
    assert list(raw.nodes) == ["s", "a0", "a0n0", "a0n1"]
    assert [(e.source, e.target) for e in raw.edges] == [("s", "a0"), ("a0", "a0n0"), ("a0", "a0n1")]
    (action,) = mdp.available_actions(state)
    outcomes = list(mdp.next_states(state, action))
    labels = {name: attributes["label"] for name, attributes in raw.node_attributes.items()}
    assert labels == {
        "s": _graphviz_text(state),
        "a0": _graphviz_text(action),
        "a0n0": _graphviz_text(outcomes[0]),
        "a0n1": _graphviz_text(outcomes[1]),
    }
    assert "label=<" not in source.replace(" ", "")


@needs_dot
def test_graphviz_sees_the_intended_graph_and_draws_labels_as_text():
    """Graphviz's own reading: the same nodes and edges, no HTML label, no image; every label drawn as written."""
    mdp = _crafted_mdp()
    for state in CRAFTED:
        source = state_tree_source(mdp, state).source
        canon = subprocess.run(["dot", "-Tcanon"], input=source, capture_output=True, text=True, check=True).stdout
        assert "label=<" not in re.sub(r"\s", "", canon)
        layout = json.loads(
            subprocess.run(["dot", "-Tjson"], input=source, capture_output=True, text=True, check=True).stdout
        )
        names = [node["name"] for node in layout["objects"]]
        assert names == ["s", "a0", "a0n0", "a0n1"]
        assert sorted((names[e["tail"]], names[e["head"]]) for e in layout["edges"]) == [
            ("a0", "a0n0"),
            ("a0", "a0n1"),
            ("s", "a0"),
        ]
        (action,) = mdp.available_actions(state)
        expected = [state, action, *mdp.next_states(state, action)]
        for node, label in zip(layout["objects"], expected):
            ops = node.get("_draw_", []) + node.get("_ldraw_", [])
            assert not any(op["op"] == "I" for op in ops)  # no image
            assert "\n".join(op["text"] for op in ops if op["op"] == "T") == label
