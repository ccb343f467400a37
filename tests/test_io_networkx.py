"""networkx graphs in the reference schema: out and back, graphs as the reference built
them, and our DOT parser against pydot (an independent parser) on the reference files."""

import ast
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from conftest import REFERENCE

from powerplay.io import FileFormatError, from_networkx, read_any, to_networkx
from powerplay.model.environments import load_mdp, load_policy
from powerplay.model.gridworld import gridworld
from powerplay.model.policy import Policy, uniform_random_policy

MODEL = Path(__file__).resolve().parents[1] / "src" / "powerplay" / "model"


def test_mdp_schema():
    graph = to_networkx(gridworld(1, 2, stochastic_noise_level=0.5, name="noisy"))
    assert graph.graph["name"] == "noisy"
    assert set(graph.successors("[(0, 0)]")) == {"[right]__[(0, 0)]", "[stay]__[(0, 0)]"}
    assert "weight" not in graph.edges["[(0, 0)]", "[right]__[(0, 0)]"]
    assert graph.edges["[right]__[(0, 0)]", "[(0, 1)]__[right]__[(0, 0)]"]["weight"] == 0.75
    assert graph.edges["[right]__[(0, 0)]", "[(0, 0)]__[right]__[(0, 0)]"]["weight"] == 0.25
    # 2 states + 4 (state, action) nodes + 8 outcome nodes
    assert graph.number_of_nodes() == 14


@pytest.mark.parametrize(
    "name", ["3x3_gridworld", "mdp_from_paper", "stochastic_graph_4_states", "joint_3x3_gridworld"]
)
def test_mdp_round_trip(name):
    mdp = load_mdp(name)
    back = from_networkx(to_networkx(mdp))
    assert back.states == mdp.states and back.to_dict() == mdp.to_dict() and back.name == mdp.name


def test_policy_round_trip_and_untaken_actions():
    mdp = load_mdp("joint_1x3_gridworld_with_agent_H_forbidden_from_staying_when_agent_A_is_at_far_right")
    policy = load_policy("joint_1x3_gridworld_agent_A_move_left")
    graph = to_networkx(policy, mdp=mdp)
    assert graph.graph["agent"] == "A"
    assert graph.edges["[(0, 0)_H^(0, 1)_A]", "[right]__[(0, 0)_H^(0, 1)_A]"]["weight"] == 0.0
    back = from_networkx(graph)
    assert isinstance(back, Policy) and back.agent == "A"
    assert back.to_dict() == policy.to_dict()


def test_graph_built_like_the_reference():
    """Weights as strings and quoted node names, as networkx.nx_pydot.read_dot leaves them."""
    graph = nx.DiGraph()
    graph.add_edge('"[a]"', '"[go]__[a]"')
    graph.add_edge('"[go]__[a]"', '"[b]__[go]__[a]"', weight='"0.25"')
    graph.add_edge('"[go]__[a]"', '"[a]__[go]__[a]"', weight='"0.75"')
    graph.add_edge('"[b]"', '"[go]__[b]"')
    graph.add_edge('"[go]__[b]"', '"[b]__[go]__[b]"', weight="1.0")
    mdp = from_networkx(graph)
    assert mdp.next_states("a", "go") == {"b": 0.25, "a": 0.75}


def test_plain_state_graph():
    mdp = from_networkx(nx.DiGraph([("x", "y"), ("y", "y"), ("y", "x")]))
    assert mdp.available_actions("y") == ["x", "y"] and mdp.next_states("x", "y") == {"y": 1.0}


def test_bad_graph_is_reported():
    graph = nx.DiGraph()
    graph.add_edge("[a]", "[go]__[a]")
    graph.add_edge("[go]__[a]", "[a]__[go]__[a]", weight=2.0)
    with pytest.raises(
        FileFormatError, match=r"^networkx graph: state 'a', action 'go': probability 2.0 is not in \[0, 1\]$"
    ):
        from_networkx(graph)


SMALL_FILES = [
    "powerplay-mdps/mdp_from_paper.gv",
    "powerplay-mdps/stochastic_graph_4_states.gv",
    "powerplay-mdps/3x3_gridworld.gv",
    "powerplay-mdps/joint_1x3_gridworld_with_agent_H_forbidden_from_staying_when_agent_A_is_at_far_right.gv",
    "powerplay-policies/joint_1x3_gridworld_agent_A_move_left.gv",
]


@pytest.mark.parametrize("relative", SMALL_FILES, ids=lambda r: Path(r).stem[:30])
def test_our_parser_agrees_with_pydot(relative):
    pydot = pytest.importorskip("pydot")
    path = REFERENCE / relative
    if not path.is_file():
        pytest.skip("interop with the reference tool's own files: ../shared/reference is not beside the repository")
    (dot_graph,) = pydot.graph_from_dot_file(str(path), encoding="utf-8")
    graph = nx.nx_pydot.from_pydot(dot_graph)
    theirs = from_networkx(nx.DiGraph(graph))
    ours = read_any(path)
    assert ours.states == theirs.states
    assert ours.to_dict() == theirs.to_dict()
    if isinstance(ours, Policy):
        np.testing.assert_array_equal(ours.probabilities, theirs.probabilities)


def test_uniform_policy_graph_weights():
    graph = to_networkx(uniform_random_policy(gridworld(2, 2)))
    weights = [graph.edges[e]["weight"] for e in graph.out_edges("[(0, 0)]")]
    assert sorted(weights) == [1 / 3] * 3


def test_joint_mdp_and_joint_policy_round_trip():
    joint = load_mdp("joint_3x3_gridworld")
    assert from_networkx(to_networkx(joint)).to_dict() == joint.to_dict()
    seed = load_policy("joint_3x3_gridworld_agent_A_uniform_random")
    graph = to_networkx(seed, mdp=joint)
    assert graph.number_of_edges() == int(
        joint.agent_action_mask("A").sum()
    )  # every available action of A, taken or not
    back = from_networkx(graph)
    assert back.agent == "A" and back.to_dict() == seed.to_dict()


def _model_imports(path: Path) -> set[str]:
    """Model modules a model module imports, at the top or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:  # from .x import ... / from . import x
                found.update([node.module] if node.module else [alias.name for alias in node.names])
            elif node.level == 0 and (node.module or "").startswith("powerplay.model."):
                found.add(node.module.split(".")[2])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[2] for a in node.names if a.name.startswith("powerplay.model."))
    return {name.split(".")[0] for name in found}


def test_model_modules_import_each_other_without_cycles():
    """The graph schema is io's business: no model module reaches back to a file format (issue 9)."""
    modules = {path.stem: path for path in MODEL.glob("*.py") if path.stem != "__init__"}
    assert "reference_graph" not in modules and "mdp" in modules and "policy" in modules
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        graph.add_edges_from((name, other) for other in _model_imports(path) if other in modules)
    assert ("policy", "mdp") in graph.edges  # the walk does see imports
    assert list(nx.simple_cycles(graph)) == []
    assert not hasattr(load_mdp("3x3_gridworld"), "to_networkx")


def test_action_lists_and_names_survive_networkx():
    from powerplay.model.mdp import MDP

    grid = gridworld(1, 2, name='"quoted"')  # up and down are never available
    graph = to_networkx(grid)
    assert graph.graph["actions"] == "[up]__[down]__[left]__[right]__[stay]"
    back = from_networkx(graph)
    assert back.actions == grid.actions and back.name == '"quoted"'
    np.testing.assert_array_equal(back.action_mask, grid.action_mask)
    # Action lists may also be given as Python lists.
    graph = to_networkx(MDP.from_dict({"a": {"go": {"a": 1.0}}}))
    graph.graph["actions"] = ["stay", "go"]
    assert from_networkx(graph).actions == ("stay", "go")


def test_labels_the_schema_cannot_hold_are_refused():
    from powerplay.model.mdp import MDP

    with pytest.raises(FileFormatError, match=r"^networkx graph: state 'a\]__\[b' contains '\]__\['"):
        to_networkx(MDP.from_dict({"a]__[b": {"go": {"a]__[b": 1.0}}}))
    # Backslashes, quotes and line breaks are fine in a graph (only DOT files restrict them).
    odd = MDP.from_dict({'a\\"\n': {"go": {'a\\"\n': 1.0}}})
    assert from_networkx(to_networkx(odd)).to_dict() == odd.to_dict()
