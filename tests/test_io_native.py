"""Our own YAML/JSON format: exact round trips, gridworld maps, and one-line errors."""

import json

import numpy as np
import pytest
import yaml

from powerplay.io import FileFormatError, read_any, read_mdp, read_policy, write_mdp, write_policy
from powerplay.io.native import native_text
from powerplay.model.environments import load_mdp, load_policy
from powerplay.model.gridworld import gridworld, gridworld_from_map, joint_gridworld
from powerplay.model.mdp import JointMDP
from powerplay.model.policy import Policy, uniform_random_policy

SMALL = ["3x3_gridworld", "7x7_gridworld_maze", "mdp_from_paper", "stochastic_graph_4_states", "gridworld_selfloop_3x3",
         "joint_3x3_gridworld", "joint_1x3_gridworld_with_agent_H_forbidden_from_staying_when_agent_A_is_at_far_right"]


def assert_same(a, b):
    assert type(a) is type(b)
    assert a.states == b.states and a.name == b.name
    if isinstance(a, Policy):
        assert (a.actions, a.agent) == (b.actions, b.agent)
        np.testing.assert_array_equal(a.probabilities, b.probabilities)
        return
    if isinstance(a, JointMDP):
        assert (a.actions_H, a.actions_A) == (b.actions_H, b.actions_A)
    else:
        assert a.actions == b.actions
    np.testing.assert_array_equal(a.action_mask, b.action_mask)
    assert (a.transitions != b.transitions).nnz == 0  # bit-identical probabilities


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
@pytest.mark.parametrize("name", SMALL)
def test_builtin_mdps_round_trip_exactly(name, suffix, tmp_path):
    mdp = load_mdp(name)
    write_mdp(mdp, tmp_path / f"m{suffix}")
    assert_same(read_mdp(tmp_path / f"m{suffix}"), mdp)


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".json"])
def test_policies_round_trip_exactly(suffix, tmp_path):
    for policy in (load_policy("joint_1x3_gridworld_agent_A_move_left"), uniform_random_policy(gridworld(2, 3, stochastic_noise_level=0.3))):
        write_policy(policy, tmp_path / f"p{suffix}")
        assert_same(read_policy(tmp_path / f"p{suffix}"), policy)


def test_noisy_probabilities_survive_text(tmp_path):
    noisy = gridworld(3, 3, stochastic_noise_level=1 / 3, noise_bias={"left": 0.1})
    write_mdp(noisy, tmp_path / "noisy.yaml")
    assert_same(read_mdp(tmp_path / "noisy.yaml"), noisy)


def test_yaml_is_readable_and_diffable():
    text = native_text(gridworld(2, 2, name="square"))
    lines = text.splitlines()
    assert lines[:4] == ["kind: mdp", "version: 1", "name: square", "gridworld_map: |-"]
    assert lines[4:6] == ["  ..", "  .."]
    # One line per (state, action): a changed probability is a one-line diff.
    assert "    down: {'(1, 0)': 1.0}" in lines
    doc = yaml.safe_load(text)
    assert doc["transitions"]["(0, 0)"]["right"] == {"(0, 1)": 1.0}


def test_json_has_the_same_keys():
    doc_json = json.loads(native_text(load_mdp("stochastic_graph_4_states"), ".json"))
    doc_yaml = yaml.safe_load(native_text(load_mdp("stochastic_graph_4_states")))
    assert doc_json == doc_yaml


def test_gridworld_map_alone_defines_a_gridworld(tmp_path):
    (tmp_path / "maze.yaml").write_text("kind: mdp\nname: maze\ngridworld_map: |\n  ..#\n  ...\nstochastic_noise_level: 0.2\n")
    expected = gridworld_from_map("..#\n...", stochastic_noise_level=0.2, name="maze")
    assert_same(read_mdp(tmp_path / "maze.yaml"), expected)
    (tmp_path / "joint.yaml").write_text("kind: joint_mdp\ngridworld_map: |\n  ...\noverlap: remove\n")
    joint = read_mdp(tmp_path / "joint.yaml")
    assert joint.to_dict() == joint_gridworld(gridworld(1, 3), overlap="remove").to_dict()
    assert joint.name == "joint"  # the file name when the file gives none


def test_hand_written_file_with_number_labels(tmp_path):
    (tmp_path / "chain.yaml").write_text(
        "kind: mdp\ntransitions:\n  1: {go: {2: 1}}\n  2: {stay: {2: 1}, back: {1: 0.5, 2: 0.5}}\n"
    )
    mdp = read_mdp(tmp_path / "chain.yaml")
    assert mdp.states == ("1", "2") and mdp.next_states("2", "back") == {"1": 0.5, "2": 0.5}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("kind: mdpp\n", "kind must be one of mdp, joint_mdp, policy, not 'mdpp'"),
        ("kind: mdp\nversion: 2\ntransitions: {}\n", "version 2 is not supported"),
        ("kind: mdp\ncolour: red\ntransitions: {}\n", "unknown key 'colour' for kind 'mdp'"),
        ("kind: mdp\ntransitions:\n  a: {go: {b: 1}}\n", "state 'a', action 'go': next state 'b' is not a state of the MDP"),
        ("kind: mdp\ntransitions:\n  a: {go: {a: 0.6}}\n", "state 'a', action 'go': probabilities sum to 0.6, not 1"),
        ("kind: mdp\ntransitions:\n  a: {go: {a: high}}\n", "transitions['a']['go']['a']: 'high' is not a number"),
        ("kind: mdp\ntransitions:\n  a: {go: {a: 1}\n", ":4: YAML syntax error"),
        ("kind: mdp\ngridworld_map: |\n  ..\ntransitions:\n  (0, 0): {stay: {'(0, 0)': 1}}\n", "gridworld_map does not match the states"),
        ("kind: policy\nprobabilities:\n  a: {x: 0.5, y: 0.6}\n", "state 'a': policy probabilities sum to 1.1, not 1"),
        ("- just\n- a list\n", "expected a mapping with a 'kind' key"),
    ],
)
def test_malformed_files_fail_with_one_line(text, expected, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(FileFormatError) as error:
        read_any(path)
    message = str(error.value)
    assert message.startswith(str(path)) and "\n" not in message
    assert expected in message


def test_json_syntax_error_names_line(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"kind": "mdp",\n "transitions": }\n')
    with pytest.raises(FileFormatError, match=r"bad.json:2: JSON syntax error"):
        read_mdp(path)


def test_wrong_kind_and_extension(tmp_path):
    write_policy(load_policy("joint_1x3_gridworld_agent_A_move_left"), tmp_path / "p.yaml")
    with pytest.raises(FileFormatError, match="holds a policy, not an MDP"):
        read_mdp(tmp_path / "p.yaml")
    with pytest.raises(FileFormatError, match="unknown file extension '.txt'"):
        write_mdp(gridworld(1, 1), tmp_path / "m.txt")
    with pytest.raises(FileNotFoundError):
        read_mdp(tmp_path / "missing.yaml")
