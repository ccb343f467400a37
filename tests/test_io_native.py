"""Our own YAML/JSON format: exact round trips, gridworld maps, and one-line errors."""

import json

import numpy as np
import pytest
import yaml

from powerplay.errors import ResourceLimitError
from powerplay.io import (
    FileFormatError,
    read_any,
    read_mdp,
    read_policy,
    safe_load,
    to_networkx,
    write_any,
    write_mdp,
    write_policy,
)
from powerplay.io.native import native_text
from powerplay.model.environments import load_mdp, load_policy
from powerplay.model.gridworld import gridworld, gridworld_from_map, joint_gridworld
from powerplay.model.mdp import MDP, JointMDP
from powerplay.model.policies import random_deterministic_policy, stay_policy
from powerplay.model.policy import Policy, uniform_random_policy

SMALL = [
    "3x3_gridworld",
    "7x7_gridworld_maze",
    "mdp_from_paper",
    "stochastic_graph_4_states",
    "gridworld_selfloop_3x3",
    "joint_3x3_gridworld",
    "joint_1x3_gridworld_with_agent_H_forbidden_from_staying_when_agent_A_is_at_far_right",
]


def assert_same(a, b):
    assert type(a) is type(b)
    assert a.states == b.states and a.name == b.name
    if isinstance(a, Policy):
        assert (a.actions, a.agent) == (b.actions, b.agent)
        np.testing.assert_array_equal(a.probabilities, b.probabilities)
        return
    if isinstance(a, JointMDP):
        assert (a.agents, a.actions_by_agent) == (b.agents, b.actions_by_agent)
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
    for policy in (
        load_policy("joint_1x3_gridworld_agent_A_move_left"),
        uniform_random_policy(gridworld(2, 3, stochastic_noise_level=0.3)),
    ):
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
    (tmp_path / "maze.yaml").write_text(
        "kind: mdp\nname: maze\ngridworld_map: |\n  ..#\n  ...\nstochastic_noise_level: 0.2\n"
    )
    expected = gridworld_from_map("..#\n...", stochastic_noise_level=0.2, name="maze")
    assert_same(read_mdp(tmp_path / "maze.yaml"), expected)
    (tmp_path / "joint.yaml").write_text("kind: joint_mdp\ngridworld_map: |\n  ...\noverlap: remove\n")
    joint = read_mdp(tmp_path / "joint.yaml")
    assert joint.to_dict() == joint_gridworld(gridworld(1, 3), overlap="remove").to_dict()
    assert joint.name == "joint"  # the file name when the file gives none


def test_gridworld_map_alone_takes_interaction_rules_and_wind(tmp_path):
    """A map-only file builds what the Python call with the same rules and wind builds."""
    (tmp_path / "passing.yaml").write_text(
        "kind: joint_mdp\nname: corridor\ngridworld_map: |\n  ...\ninteraction: [block, no_swap]\n"
    )
    expected = joint_gridworld(gridworld(1, 3, name="corridor"), interaction=["no_swap", "block"])
    assert read_mdp(tmp_path / "passing.yaml").to_dict() == expected.to_dict()
    assert expected.num_states == 6  # 3 x 3 cell pairs, the 3 shared ones removed by block
    wind = {"column": 1, "direction": "up", "probability": 0.25}
    (tmp_path / "windy.yaml").write_text(
        "kind: mdp\ngridworld_map: |\n  ...\n  ...\nwind: {column: 1, direction: up, probability: 0.25}\n"
    )
    windy = read_mdp(tmp_path / "windy.yaml")
    assert windy.next_states("(1, 0)", "right") == {"(0, 1)": 0.25, "(1, 1)": 0.75}
    assert windy.to_dict() == gridworld_from_map("...\n...", wind=wind, name="windy").to_dict()


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
        (
            "kind: mdp\ntransitions:\n  a: {go: {b: 1}}\n",
            "state 'a', action 'go': next state 'b' is not a state of the MDP",
        ),
        ("kind: mdp\ntransitions:\n  a: {go: {a: 0.6}}\n", "state 'a', action 'go': probabilities sum to 0.6, not 1"),
        ("kind: mdp\ntransitions:\n  a: {go: {a: high}}\n", "transitions['a']['go']['a']: 'high' is not a number"),
        ("kind: mdp\ntransitions:\n  a: {go: {a: 1}\n", ":4: YAML syntax error"),
        (
            "kind: mdp\ngridworld_map: |\n  ..\ntransitions:\n  (0, 0): {stay: {'(0, 0)': 1}}\n",
            "gridworld_map does not match the states",
        ),
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


# -- bounded, strict reading ---------------------------------------------------------------------


def _refused(tmp_path, name: str, content: str | bytes, error=FileFormatError) -> str:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(error) as caught:
        read_any(path)
    message = str(caught.value)
    assert message.startswith(str(path)) and "\n" not in message
    return message[len(str(path)) :]


@pytest.mark.parametrize(
    "name, text, expected",
    [
        (
            "dup.yaml",
            "kind: mdp\ntransitions:\n  a: {go: {a: 1}}\n  a: {stay: {a: 1}}\n",
            ":4: duplicate key 'a' (first at line 3)",
        ),
        ("dup.yaml", "kind: mdp\nname: x\nkind: policy\n", ":3: duplicate key 'kind' (first at line 1)"),
        (
            "dup.yaml",
            "kind: mdp\ntransitions:\n  a: {go: {a: 0.5, a: 0.5}}\n",
            ":3: duplicate key 'a' (first at line 3)",
        ),
        (
            "dup.json",
            '{"kind": "mdp",\n "transitions": {"a": {"go": {"a": 1}},\n                 "a": {"go": {"a": 1}}}}',
            ":3: duplicate key 'a' (first at line 2)",
        ),
        (
            "same.yaml",
            "kind: mdp\ntransitions:\n  1: {go: {1: 1}}\n  '1': {go: {1: 1}}\n",
            ": transitions: two keys are the label '1'",
        ),
        (
            "same.yaml",
            "kind: policy\nprobabilities:\n  s: {1: 0.5, 1.0: 0.5}\n",
            ":3: duplicate key 1.0 (first at line 3)",
        ),
        (
            "list.yaml",
            "kind: mdp\nname: [a, b]\ntransitions:\n  a: {go: {a: 1}}\n",
            ": name: a label must be text or a number, not a list",
        ),
        (
            "list.yaml",
            "kind: mdp\nstates: [[a]]\ntransitions:\n  a: {go: {a: 1}}\n",
            ": states[0]: a label must be text or a number, not a list",
        ),
        (
            "big.yaml",
            "kind: mdp\ntransitions:\n  a: {go: {a: 1" + "0" * 400 + "}}\n",
            ": transitions['a']['go']['a']: " + "1" + "0" * 56 + "... is too large",
        ),
        (
            "inf.yaml",
            "kind: mdp\ntransitions:\n  a: {go: {a: .inf}}\n",
            ": transitions['a']['go']['a']: inf is not a finite number",
        ),
        (
            "nan.json",
            '{"kind": "mdp", "transitions": {"a": {"go": {"a": NaN}}}}',
            ": transitions['a']['go']['a']: nan is not a finite number",
        ),
        ("empty.yaml", "kind: mdp\ntransitions: {}\n", ": transitions is empty: an MDP needs at least one state"),
        (
            "noise.yaml",
            "kind: mdp\ngridworld_map: '..'\nstochastic_noise_level: [0.1]\n",
            ": stochastic_noise_level: [0.1] is not a number",
        ),
        (
            "noise.yaml",
            "kind: mdp\ngridworld_map: '..'\nstochastic_noise_level: 0.2\nnoise_bias: up\n",
            ": noise_bias must be a mapping {direction: magnitude}",
        ),
        (
            "overlap.yaml",
            "kind: joint_mdp\ngridworld_map: '..'\noverlap: {a: 1}\n",
            ": overlap: unknown rule {'a': 1}; valid: allow, remove, block, no_swap, push, or a list of them such as "
            "[no_swap, block]",
        ),
        (
            "interaction.yaml",
            "kind: joint_mdp\ngridworld_map: '...'\ninteraction: push\noverlap: remove\n",
            ": interaction push and overlap remove differ: give interaction only",
        ),
        (
            "wind.yaml",
            "kind: mdp\ngridworld_map: '...'\nwind: {column: 1, direction: sideways, probability: 0.5}\n",
            ": wind.direction must be one of up, down, left, right, not 'sideways'",
        ),
        ("utf16.yaml", "kind: mdp\n".encode("utf-16"), ": is UTF-16 text; save it as UTF-8"),
    ],
)
def test_hostile_or_sloppy_documents_get_one_line(tmp_path, name, text, expected):
    assert _refused(tmp_path, name, text) == expected


def test_byte_order_mark(tmp_path):
    for name, text in (
        ("m.yaml", "kind: mdp\ntransitions:\n  a: {go: {a: 1}}\n"),
        ("m.json", '{"kind": "mdp", "transitions": {"a": {"go": {"a": 1}}}}'),
    ):
        (tmp_path / name).write_bytes(b"\xef\xbb\xbf" + text.encode())
        assert read_mdp(tmp_path / name).to_dict() == {"a": {"go": {"a": 1.0}}}


def test_alias_bomb_in_the_name_is_refused(tmp_path):
    """The file of issue 11: about 400 bytes whose name would become a 2.8 GB string."""
    levels = ["&a0 [" + ",".join(["lol"] * 9) + "]"] + [
        f"&a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)
    ]
    text = "kind: mdp\nname: [" + ", ".join(levels) + "]\ntransitions: {s: {go: {s: 1}}}\n"
    assert len(text) < 450
    message = _refused(tmp_path, "bomb.yaml", text, ResourceLimitError)
    assert message.startswith(": YAML aliases expand the document to ") and "over the limit of" in message


def test_object_size_is_checked_before_building(tmp_path, monkeypatch):
    # A joint gridworld of 1,001 open cells has 1,002,001 joint states x 25 joint moves.
    message = _refused(
        tmp_path, "joint.yaml", "kind: joint_mdp\ngridworld_map: '" + "." * 1001 + "'\n", ResourceLimitError
    )
    assert message == ": states x actions would be 25,050,025 entries, over the limit of 25,000,000"
    monkeypatch.setattr(safe_load, "MAX_TABLE_ENTRIES", 100)
    tall = "kind: mdp\ngridworld_map: |\n" + "  .\n" * 10 + "  " + "#" * 20 + "\n"
    assert _refused(tmp_path, "tall.yaml", tall, ResourceLimitError) == (
        ": the gridworld map's rows x columns would be 220 cells, over the limit of 100"
    )
    rows = "\n".join(f"  s{i}: {{go{i}: {{s0: 1}}}}" for i in range(11))
    assert _refused(tmp_path, "wide.yaml", "kind: mdp\ntransitions:\n" + rows + "\n", ResourceLimitError) == (
        ": states x actions would be 121 entries, over the limit of 100"
    )


def test_names_absent_empty_and_odd(tmp_path):
    unnamed = MDP.from_dict({"a": {"go": {"a": 1.0}}})
    for suffix in (".yaml", ".json"):
        write_mdp(unnamed, tmp_path / f"stem{suffix}")
        assert read_mdp(tmp_path / f"stem{suffix}").name == ""  # written as '', read as ''
    (tmp_path / "stem.yaml").write_text("kind: mdp\ntransitions:\n  a: {go: {a: 1}}\n")
    assert read_mdp(tmp_path / "stem.yaml").name == "stem"  # no name: the file's


def test_yaml_line_breaks_inside_labels_survive(tmp_path):
    labels = [
        "nel\x85here",
        "line\u2028sep",
        "para\u2029sep",
        "cr\rhere",
        "nul\x00",
        "\ufeffbom",
        " padded ",
        "null",
        "<<",
        "- dash",
        "'q'",
    ]
    mdp = MDP.from_dict({label: {"go": {label: 1.0}} for label in labels}, name="\x85")
    for suffix in (".yaml", ".json"):
        write_mdp(mdp, tmp_path / f"m{suffix}")
        assert_same(read_mdp(tmp_path / f"m{suffix}"), mdp)
    text = native_text(mdp)
    # PyYAML's pure-Python emitter would write NEL unescaped in a plain scalar; ours double-quotes it.
    assert yaml.load(text, Loader=yaml.SafeLoader)["states"] == labels


@pytest.mark.parametrize(
    "obj, expected",
    [
        (
            MDP.from_dict({"a\ud800": {"go": {"a\ud800": 1.0}}}),
            "state 'a\\ud800' is not valid Unicode text (it has a lone surrogate)",
        ),
        (MDP.from_dict({1: {"go": {1: 1.0}}}), "state 1 is not text"),
        (MDP.from_dict({"a": {"go": {"a": 1.0}}}, name=3), "name 3 is not text"),
        (
            JointMDP(("x_H^y_A",), ("H", "A"), (("u",), ("v_H^w",)), np.ones((1, 1)), np.ones((1, 1, 1), dtype=bool)),
            "the joint action of Agent H's 'u' and Agent A's 'v_H^w' would read back as the pair ('u_H^v', 'w')",
        ),
    ],
)
def test_what_our_format_cannot_hold_is_refused(obj, expected, tmp_path):
    for suffix in (".yaml", ".json"):
        path = tmp_path / f"refused{suffix}"
        with pytest.raises(FileFormatError) as error:
            write_mdp(obj, path)
        assert str(error.value) == f"{path}: {expected}"
        assert not path.exists()


def test_large_cell_coordinates_do_not_make_a_huge_map(tmp_path):
    far = MDP.from_dict({"(0, 0)": {"go": {"(100000, 0)": 1.0}}, "(100000, 0)": {"go": {"(0, 0)": 1.0}}})
    assert "gridworld_map" not in native_text(far)
    negative = MDP.from_dict({"(-1, 0)": {"go": {"(-1, 0)": 1.0}}})
    assert "gridworld_map" not in native_text(negative)
    write_mdp(far, tmp_path / "far.yaml")
    assert_same(read_mdp(tmp_path / "far.yaml"), far)


# -- joint MDPs of more agents -----------------------------------------------------------------------

HAB = ("H", "A", "B")


def _trio(rule="remove", noise=0.0):
    return joint_gridworld(gridworld(2, 2, stochastic_noise_level=noise, name="square"), HAB, interaction=rule)


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
@pytest.mark.parametrize(
    "make",
    [
        lambda: _trio("remove"),
        lambda: _trio("block", noise=0.3),
        lambda: joint_gridworld(gridworld(1, 4), ("H", "A", "B", "C"), interaction="remove"),
        lambda: joint_gridworld(gridworld(1, 3), ("A", "B")),
    ],
    ids=["3 remove", "3 block noisy", "4 agents", "A and B"],
)
def test_joint_mdps_of_any_agents_round_trip_exactly(make, suffix, tmp_path):
    joint = make()
    write_mdp(joint, tmp_path / f"j{suffix}")
    assert_same(read_mdp(tmp_path / f"j{suffix}"), joint)
    for agent in joint.agents:
        policy = random_deterministic_policy(joint, agent, 2)
        write_policy(policy, tmp_path / f"p{suffix}")
        again = read_policy(tmp_path / f"p{suffix}", mdp=joint)
        assert_same(again, policy)


def test_the_agents_are_written_only_when_they_are_not_h_and_a():
    lines = native_text(_trio()).splitlines()
    assert lines[:5] == [
        "kind: joint_mdp",
        "version: 1",
        "name: joint square, agents H A B (no overlap)",
        "agents:",
        "- H",
    ]
    assert lines[5:10] == ["- A", "- B", "gridworld_map: |-", "  ..", "  .."]
    assert "actions_B:" in lines and "  (0, 0)_H^(0, 1)_A^(1, 0)_B:" in lines
    assert "    stay_H^stay_A^stay_B: {'(0, 0)_H^(0, 1)_A^(1, 0)_B': 1.0}" in lines
    two = native_text(joint_gridworld(gridworld(2, 2)))
    assert "agents" not in two and "actions_H:" in two and "actions_A:" in two


def test_a_map_alone_defines_a_joint_gridworld_of_more_agents(tmp_path):
    (tmp_path / "trio.yaml").write_text(
        "kind: joint_mdp\nagents: [H, A, B]\ngridworld_map: |\n  ..\n  ..\noverlap: remove\nname: square\n"
    )
    got = read_mdp(tmp_path / "trio.yaml")
    expected = joint_gridworld(gridworld(2, 2), HAB, interaction="remove", name="square")
    assert_same(got, expected)
    assert got.num_states == 4 * 3 * 2


@pytest.mark.parametrize(
    "text, expected",
    [
        ("kind: joint_mdp\nagents: [H, H]\ntransitions: {}\n", "agents: agent 'H' is listed twice"),
        ("kind: joint_mdp\nagents: HAB\ntransitions: {}\n", "agents must be a list of labels"),
        ("kind: joint_mdp\nagents: [H, A_1]\ntransitions: {}\n", "agents: agent name 'A_1' must be a letter"),
        ("kind: joint_mdp\nagents: [H]\ntransitions: {}\n", "agents: a joint MDP needs at least 2 agents"),
        (
            "kind: joint_mdp\nactions_B: [stay]\ntransitions: {}\n",
            "unknown key 'actions_B' for kind 'joint_mdp' with agents H, A (list the agents in 'agents')",
        ),
        ("kind: mdp\nagents: [H, A, B]\ntransitions: {}\n", "unknown key 'agents' for kind 'mdp'"),
        (
            "kind: joint_mdp\nagents: [H, A, B]\ntransitions:\n  s: {stay_H^stay_A: {s: 1}}\n",
            "state 's': action 'stay_H^stay_A' is not a joint action 'u_H^v_A^w_B'",
        ),
        (
            "kind: joint_mdp\nagents: [H, A, B]\nactions_B: [go]\ntransitions:\n  s: {stay_H^stay_A^stay_B: {s: 1}}\n",
            "(Agent B's 'stay' is not one of its actions ['go'])",
        ),
        (
            "kind: joint_mdp\nagents: [H, A, B]\ngridworld_map: |\n  ..\noverlap: block\n",
            "overlap='block' keeps only joint states where the agents are in different cells",
        ),
        ("kind: policy\nagent: B_2\nprobabilities:\n  s: {stay: 1}\n", "agent name 'B_2'"),
    ],
)
def test_malformed_files_of_more_agents_fail_with_one_line(text, expected, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(FileFormatError) as error:
        read_any(path)
    message = str(error.value)
    assert message.startswith(str(path)) and "\n" not in message
    assert expected in message


def test_a_map_of_many_agents_is_refused_before_it_is_built(tmp_path):
    (tmp_path / "big.yaml").write_text("kind: joint_mdp\nagents: [H, A, B, C]\ngridworld_map: |\n  " + "." * 40 + "\n")
    with pytest.raises(ResourceLimitError, match="would be 1,600,000,000 entries"):
        read_mdp(tmp_path / "big.yaml")


def test_joint_actions_of_more_agents_that_would_not_read_back_are_refused(tmp_path):
    joint = JointMDP(("s",), HAB, (("u",), ("v",), ("w_A^x",)), np.ones((1, 1)), np.ones((1, 1, 1, 1), dtype=bool))
    assert joint.action_labels == ("u_H^v_A^w_A^x_B",)
    with pytest.raises(FileFormatError, match=r"Agent B's action 'w_A\^x' contains '_A\^'") as error:
        write_mdp(joint, tmp_path / "odd.yaml")
    assert not (tmp_path / "odd.yaml").exists() and "\n" not in str(error.value)


@pytest.mark.parametrize("suffix", [".gv", ".dot"])
def test_graph_formats_refuse_agents_other_than_h_and_a(suffix, tmp_path):
    trio = _trio()
    with pytest.raises(FileFormatError, match="has the agents H, A, B, and the reference tool's graph formats hold"):
        write_any(trio, tmp_path / f"trio{suffix}")
    with pytest.raises(FileFormatError, match="has the agents A, B"):
        write_any(joint_gridworld(gridworld(1, 2), ("A", "B")), tmp_path / f"pair{suffix}")
    with pytest.raises(FileFormatError, match="policy .* is agent B's, and the reference tool's graph formats"):
        write_any(stay_policy(trio, "B"), tmp_path / f"b{suffix}")
    with pytest.raises(FileFormatError, match="write it as .yaml or .json"):
        to_networkx(trio)
    assert not list(tmp_path.iterdir())
    write_any(stay_policy(trio, "H"), tmp_path / f"h{suffix}")  # H's policy is H's, whatever its states
    assert read_policy(tmp_path / f"h{suffix}", mdp=trio).probabilities.tolist() == (
        stay_policy(trio, "H").probabilities.tolist()
    )
