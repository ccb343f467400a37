"""The reference's Graphviz DOT files: every shipped file loads, round-trips, matches the
built-in environment and gives the same POWER; malformed files fail with one clear line."""

import numpy as np
import pytest
from conftest import REFERENCE, needs_reference_files

from powerplay.errors import ResourceLimitError
from powerplay.io import FileFormatError, read_any, read_mdp, read_policy, write_mdp, write_policy
from powerplay.io.dot import dot_text, parse_dot
from powerplay.model.editing import align_policy, reorder_states
from powerplay.model.environments import load_mdp, load_policy
from powerplay.model.mdp import MDP, JointMDP
from powerplay.model.policy import Policy
from powerplay.solvers.power import MultiAgentProblem, SingleAgentProblem

MDP_FILES = sorted((REFERENCE / "powerplay-mdps").glob("*.gv"))
POLICY_FILES = sorted((REFERENCE / "powerplay-policies").glob("*.gv"))

#: Each reference policy and the MDP it is defined on.
POLICY_MDP = {
    "joint_1x3_gridworld_agent_A_move_left": "joint_1x3_gridworld_with_agent_H_forbidden_from_staying_when_agent_A_is_at_far_right",
    "joint_3x3_gridworld_agent_A_uniform_random": "joint_3x3_gridworld",
    "joint_7x7_gridworld_maze_agent_A_uniform_random": "joint_7x7_gridworld_maze",
    "joint_7x7_gridworld_maze_no_overlaps_agent_A_uniform_random": "joint_7x7_gridworld_maze_no_overlaps",
}
JOINT_POLICY = {mdp: policy for policy, mdp in POLICY_MDP.items()}


def same_mdp(a, b) -> bool:
    """Same states (as sets), same transition table; joint MDPs also the same agent action sets."""
    return not (type(a) is not type(b) or set(a.states) != set(b.states) or a.to_dict() != b.to_dict())


@pytest.fixture(scope="module")
def loaded():
    """Every reference file read once (the 7x7 joint files take about a second each)."""
    return {path.stem: read_any(path) for path in MDP_FILES + POLICY_FILES}


@pytest.mark.parametrize("path", MDP_FILES, ids=lambda p: p.stem[:40])
@needs_reference_files
def test_reference_mdp_matches_builtin(path, loaded):
    mdp = loaded[path.stem]
    builtin = load_mdp(path.stem)
    assert isinstance(mdp, (MDP, JointMDP))
    assert same_mdp(mdp, builtin)
    # The name is the graph's own ID when it has one, else the file name.
    graph_ids = {"gridworld_selfloop_3x3": "3x3 gridworld with self-loops", "mdp_from_paper": "POWER paper MDP"}
    assert mdp.name == graph_ids.get(path.stem, path.stem)


@pytest.mark.parametrize("path", POLICY_FILES, ids=lambda p: p.stem[:40])
@needs_reference_files
def test_reference_policy_matches_builtin(path, loaded):
    policy = loaded[path.stem]
    assert isinstance(policy, Policy) and policy.agent == "A"
    mdp = load_mdp(POLICY_MDP[path.stem])
    aligned = align_policy(policy, mdp)  # the files list states in another order than the MDP files
    builtin = load_policy(path.stem)
    assert aligned.states == builtin.states and aligned.actions == builtin.actions
    np.testing.assert_array_equal(aligned.probabilities, builtin.probabilities)
    assert read_policy(path, mdp=mdp).probabilities.tolist() == builtin.probabilities.tolist()


@pytest.mark.parametrize("path", MDP_FILES + POLICY_FILES, ids=lambda p: p.stem[:40])
@needs_reference_files
def test_round_trip_through_dot(path, loaded, tmp_path):
    original = loaded[path.stem]
    copy = tmp_path / path.name
    (write_policy if isinstance(original, Policy) else write_mdp)(original, copy)
    again = read_any(copy)
    assert type(again) is type(original)
    assert again.states == original.states
    assert again.to_dict() == original.to_dict()
    assert again.name == original.name
    if isinstance(original, Policy):
        assert again.agent == original.agent
    elif isinstance(original, JointMDP):
        assert (again.actions_H, again.actions_A) == (original.actions_H, original.actions_A)
    else:
        assert again.actions == original.actions  # even actions never available (plain-format files)
        np.testing.assert_array_equal(again.action_mask, original.action_mask)


@pytest.mark.parametrize("name", sorted(POLICY_MDP), ids=lambda n: n[:40])
@needs_reference_files
def test_policy_written_with_its_mdp_lists_untaken_actions_like_the_reference(name, loaded, tmp_path):
    """The reference's policy files list every available action, with weight 0 when never taken."""
    mdp = loaded[POLICY_MDP[name]]
    policy = align_policy(loaded[name], mdp)
    write_policy(policy, tmp_path / "p.gv", mdp=mdp)
    ours = parse_dot((tmp_path / "p.gv").read_text(), "ours")
    theirs = parse_dot((REFERENCE / "powerplay-policies" / f"{name}.gv").read_text(encoding="utf-8"), "theirs")
    assert set(ours.nodes) == set(theirs.nodes)
    assert {(e.source, e.target): float(e.weight) for e in ours.edges} == {
        (e.source, e.target): float(e.weight) for e in theirs.edges
    }
    again = read_policy(tmp_path / "p.gv", mdp=mdp)
    np.testing.assert_array_equal(again.probabilities, policy.probabilities)


def _rewards(num_states: int, samples: int = 12, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1, 1, (samples, num_states))


@pytest.mark.parametrize("path", [p for p in MDP_FILES if not p.stem.startswith("joint_")], ids=lambda p: p.stem[:40])
@pytest.mark.parametrize("gamma", [0.0, 0.6, 0.99])
@needs_reference_files
def test_single_agent_power_equals_builtin(path, gamma, loaded):
    builtin = load_mdp(path.stem)
    from_file = reorder_states(loaded[path.stem], builtin.states)
    rewards = _rewards(builtin.num_states)
    expected = SingleAgentProblem(builtin, gamma).solve(rewards).power["H"]
    got = SingleAgentProblem(from_file, gamma).solve(rewards).power["H"]
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("mdp_name", sorted(JOINT_POLICY), ids=lambda n: n[:40])
@needs_reference_files
def test_fixed_policy_power_equals_builtin(mdp_name, loaded):
    builtin, builtin_policy = load_mdp(mdp_name), load_policy(JOINT_POLICY[mdp_name])
    joint = reorder_states(loaded[mdp_name], builtin.states)
    policy = align_policy(loaded[JOINT_POLICY[mdp_name]], joint)
    rewards = _rewards(builtin.num_states, samples=4)
    expected = SingleAgentProblem(builtin, 0.9, policy_A=builtin_policy).solve(rewards).power["H"]
    got = SingleAgentProblem(joint, 0.9, policy_A=policy).solve(rewards).power["H"]
    np.testing.assert_array_equal(got, expected)


@needs_reference_files
def test_multiagent_power_equals_builtin(loaded):
    name = "joint_3x3_gridworld"
    builtin, seed = load_mdp(name), load_policy(JOINT_POLICY[name])
    joint = reorder_states(loaded[name], builtin.states)
    policy = align_policy(loaded[JOINT_POLICY[name]], joint)
    rewards_H, rewards_A = _rewards(81, seed=1), _rewards(81, seed=2)
    expected = MultiAgentProblem(builtin, seed, 0.6, 0.6).solve(rewards_H, rewards_A).power
    got = MultiAgentProblem(joint, policy, 0.6, 0.6).solve(rewards_H, rewards_A).power
    for key in ("H", "A"):
        np.testing.assert_array_equal(got[key], expected[key])


@needs_reference_files
def test_plain_successor_format_becomes_move_to_actions(loaded):
    paper = loaded["mdp_from_paper"]
    assert paper.available_actions("★") == ["∅", "ℓ_◁", "r_▷"]
    assert paper.next_states("★", "ℓ_◁") == {"ℓ_◁": 1.0}
    assert paper.name == "POWER paper MDP"  # the graph's own name


def test_writer_layout_is_the_reference_layout(tmp_path):
    grid = load_mdp("3x3_gridworld")
    text = dot_text(grid)
    lines = text.splitlines()
    assert lines[0] == 'strict digraph "3x3 gridworld" {'
    assert '"[(0, 0)]";' in lines and '"[down]__[(0, 0)]";' in lines
    assert '"[(0, 0)]" -> "[down]__[(0, 0)]";' in lines
    assert '"[down]__[(0, 0)]" -> "[(1, 0)]__[down]__[(0, 0)]"  [weight="1.0"];' in lines
    # Probabilities are written exactly.
    noisy = load_mdp("stochastic_graph_4_states")
    assert '[weight="0.9"]' in dot_text(noisy)


# -- malformed files ------------------------------------------------------------------

GOOD = """strict digraph {
"[a]";
"[b]";
"[go]__[a]";
"[b]__[go]__[a]";
"[stay]__[b]";
"[b]__[stay]__[b]";
"[a]" -> "[go]__[a]";
"[go]__[a]" -> "[b]__[go]__[a]"  [weight="1.0"];
"[b]" -> "[stay]__[b]";
"[stay]__[b]" -> "[b]__[stay]__[b]"  [weight="1.0"];
}
"""


def _read_broken(tmp_path, text: str) -> str:
    path = tmp_path / "broken.gv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FileFormatError) as error:
        read_mdp(path)
    message = str(error.value)
    assert "\n" not in message and message.startswith(str(path))
    return message


def test_good_file_reads(tmp_path):
    path = tmp_path / "good.gv"
    path.write_text(GOOD)
    assert read_mdp(path).to_dict() == {"a": {"go": {"b": 1.0}}, "b": {"stay": {"b": 1.0}}}


@pytest.mark.parametrize(
    "change, expected",
    [
        (
            ('"[b]__[go]__[a]"  [weight="1.0"]', '"[b]__[go]__[a]"  [weight="1.5"]'),
            ":9: state 'a', action 'go': probability 1.5 is not in [0, 1]",
        ),
        (
            ('"[b]__[go]__[a]"  [weight="1.0"]', '"[b]__[go]__[a]"  [weight="lots"]'),
            ":9: state 'a', action 'go': weight 'lots' is not a number",
        ),
        (
            ('"[b]__[go]__[a]"  [weight="1.0"]', '"[b]__[go]__[a]"  [weight="0.7"]'),
            ":9: state 'a', action 'go': probabilities sum to 0.7, not 1",
        ),
        (
            ('"[b]__[go]__[a]"  [weight="1.0"]', '"[b]__[go]__[a]"'),
            ":9: state 'a', action 'go': the edge to next state 'b' has no weight",
        ),
        (
            ('"[b]__[stay]__[b]"  [weight="1.0"]', '"[c]__[stay]__[b]"  [weight="1.0"]'),
            ":11: state 'b', action 'stay': next state 'c' is not a state of the graph",
        ),
        (('"[b]" -> "[stay]__[b]";', '"[b]" -> "[stay]__[b]" -> ;'), ":10: expected a name, found ';'"),
        (("}\n", ""), "unexpected end of file (missing '}'?)"),
        (('"[a]";', '"[a]" @;'), ":2: unexpected character '@'"),
        (('"[a]";', '"[a]" -- "[b]";'), ":2: undirected edges ('--') are not supported"),
        (('"[a]";', '"a";'), ":2: node 'a' is not of the form '[state]'"),
        (('"[a]" -> "[go]__[a]";', '"[a]" -> "[go]__[a]"  [weight=1];'), "mixes an MDP"),
        (('"[a]" -> "[go]__[a]";\n', ""), ":4: action node '[go]__[a]' has no edge from its state '[a]'"),
        (("strict digraph {", "strict graph {"), ":1: an undirected 'graph' cannot hold an MDP"),
    ],
)
def test_malformed_files_name_file_line_and_state(tmp_path, change, expected):
    old, new = change
    assert old in GOOD
    message = _read_broken(tmp_path, GOOD.replace(old, new, 1))
    assert expected in message


def test_state_without_actions_is_named(tmp_path):
    text = GOOD.replace('"[b]" -> "[stay]__[b]";\n', "").replace(
        '"[stay]__[b]" -> "[b]__[stay]__[b]"  [weight="1.0"];\n', ""
    )
    text = text.replace('"[stay]__[b]";\n"[b]__[stay]__[b]";\n', "")
    message = _read_broken(tmp_path, text)
    assert ":3: state 'b' has no actions" in message


def test_policy_rows_must_sum_to_one(tmp_path):
    path = tmp_path / "policy.gv"
    path.write_text(
        'strict digraph {\n"[a]";\n"[x]__[a]";\n"[y]__[a]";\n"[a]" -> "[x]__[a]" [weight=0.5];\n"[a]" -> "[y]__[a]" [weight=0.4];\n}\n'
    )
    with pytest.raises(FileFormatError, match=r"policy.gv:5: state 'a': probabilities sum to 0.9, not 1"):
        read_policy(path)


def test_mdp_file_is_not_a_policy(tmp_path):
    path = tmp_path / "good.gv"
    path.write_text(GOOD)
    with pytest.raises(FileFormatError, match="holds an MDP, not a policy"):
        read_policy(path)


def test_dot_lexical_features():
    """Comments, unquoted IDs, ``+`` concatenation, escaped quotes, chains and default edge attributes."""
    text = """// a comment
    /* block
       comment */
    digraph G {
      graph [label="ignored"]; agent="A";
      edge [weight=0.5];
      "[s]" -> "[l" + "eft]__[s]";
      "[s]" -> "[say \\"hi\\"]__[s]"
    }
    """
    raw = parse_dot(text, "inline.gv")
    assert raw.name == "G" and raw.attributes["agent"] == "A"
    assert list(raw.nodes) == ["[s]", "[left]__[s]", '[say "hi"]__[s]']
    assert [e.weight for e in raw.edges] == ["0.5", "0.5"]


# -- reading: encodings, line endings, the tokenizer's errors -----------------------------------


def test_byte_order_mark_and_crlf_line_endings(tmp_path):
    path = tmp_path / "bom.gv"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode())
    assert read_mdp(path).to_dict() == {"a": {"go": {"b": 1.0}}, "b": {"stay": {"b": 1.0}}}
    path.write_bytes(GOOD.replace("1.5", "x").replace('"[a]";', '"[a]" \xff;').encode("latin-1"))
    with pytest.raises(FileFormatError, match=r"bom.gv:2: not UTF-8 text \(byte 0xff at offset \d+\)$"):
        read_mdp(path)


@pytest.mark.parametrize(
    "text, expected",
    [
        ('digraph {\n"[a]" -> "[go]__[a]\\\n\\\n', ":2: a quoted string starts here and is never closed"),
        ('digraph {\n"[a]";\n/* to the end', ":3: a comment '/*' starts here and is never closed"),
        ('digraph {\n"[a]" -> <b>;\n}', ":2: HTML strings ('<...>') are not supported"),
        ('digraph {\n"[a]" -> "[b]" [label="x" \\ ];\n}', ":2: unexpected character '\\\\'"),
    ],
)
def test_tokenizer_errors_name_the_line(tmp_path, text, expected):
    assert expected in _read_broken(tmp_path, text)


def test_string_escapes_as_in_dot():
    """Only \\" is an escape; a backslash-newline joins lines; other backslashes stay."""
    raw = parse_dot('digraph { "a\\"b" -> "c\\\\d"; "e\\\nf" -> "g\\\r\nh"; "\\N" }')
    assert list(raw.nodes) == ['a"b', "c\\\\d", "ef", "gh", "\\N"]


def test_node_attributes_are_kept():
    raw = parse_dot('digraph { s [label="say \\"hi\\"", shape=box]; s [color=red]; s -> t [label=x] }')
    assert raw.node_attributes == {"s": {"label": 'say "hi"', "shape": "box", "color": "red"}}


def test_large_plain_graph_is_refused_before_it_is_built(tmp_path):
    """A chain of n states is an n x n action table in the plain format: refused, not built."""
    path = tmp_path / "chain.gv"
    path.write_text("digraph {\n" + " -> ".join(f'"s{i}"' for i in range(6000)) + ' -> "s0";\n}\n')
    with pytest.raises(ResourceLimitError) as error:
        read_mdp(path)
    assert str(error.value) == f"{path}: states x actions would be 36,000,000 entries, over the limit of 25,000,000"


# -- writing: what the file cannot hold is refused; action lists survive ------------------------


def _written_then_read(obj, tmp_path, name="x.gv", **kw):
    path = tmp_path / name
    write_mdp(obj, path) if not isinstance(obj, Policy) else write_policy(obj, path, **kw)
    return read_any(path), path.read_text(encoding="utf-8")


def test_labels_with_quotes_backslashes_and_line_breaks_round_trip(tmp_path):
    labels = [
        'say "hi"',
        "back\\slash",
        "ends in \\",
        '\\\\"even\\',
        "two\nlines",
        "cr\rlf\r\n",
        "\\N",
        "",
        "tab\there",
    ]
    mdp = MDP.from_dict(
        {label: {"go": {labels[(i + 1) % len(labels)]: 1.0}} for i, label in enumerate(labels)}, name="odd labels"
    )
    again, _ = _written_then_read(mdp, tmp_path)
    assert again.states == mdp.states and again.to_dict() == mdp.to_dict() and again.name == "odd labels"


@pytest.mark.parametrize(
    "obj, expected",
    [
        (MDP.from_dict({'a\\"b': {"go": {'a\\"b': 1.0}}}), "state 'a\\\\\"b' cannot be written in a DOT file"),
        (MDP.from_dict({"a\\\nb": {"go": {"a\\\nb": 1.0}}}), "cannot be written in a DOT file"),
        (
            MDP.from_dict({"a": {"go": {"a": 1.0}}}, name="ends in \\"),
            "name 'ends in \\\\' cannot be written in a DOT file",
        ),
        (MDP.from_dict({"a]__[b": {"go": {"a]__[b": 1.0}}}), "state 'a]__[b' contains ']__['"),
        (MDP.from_dict({"a": {"x]__[y": {"a": 1.0}}}), "action 'x]__[y' contains ']__['"),
        (
            MDP.from_dict({"x_H^y_A": {"u_H^v_A": {"x_H^y_A": 1.0}}}),
            "looks joint ('x_H^y_A'), so the graph would read back as a joint MDP",
        ),
        (JointMDP.from_dict({"plain": {"u_H^v_A": {"plain": 1.0}}}), "joint MDP state 'plain' is not a joint label"),
        (
            JointMDP(("x_H^y_A",), ("H", "A"), (("u",), ("v_H^w",)), np.ones((1, 1)), np.ones((1, 1, 1), dtype=bool)),
            "the joint action of Agent H's 'u' and Agent A's 'v_H^w' would read back as the pair ('u_H^v', 'w')",
        ),
        (Policy((), ("a",), np.zeros((0, 1))), "policy '' has no states"),
        (MDP.from_dict({"a": {"go": {"a": 1.0}}}, name=3), "the MDP's name 3 is not text"),
    ],
)
def test_what_dot_cannot_hold_is_refused_and_nothing_written(obj, expected, tmp_path):
    path = tmp_path / "refused.gv"
    with pytest.raises(FileFormatError) as error:
        (write_policy if isinstance(obj, Policy) else write_mdp)(obj, path)
    message = str(error.value)
    assert message.startswith(f"{path}: ") and expected in message and "\n" not in message
    assert not path.exists()


def test_action_order_and_unused_actions_survive(tmp_path):
    from powerplay.model.gridworld import gridworld

    grid = gridworld(1, 2)  # up and down are never available
    again, text = _written_then_read(grid, tmp_path)
    assert again.actions == grid.actions and np.array_equal(again.action_mask, grid.action_mask)
    assert 'actions="[up]__[down]__[left]__[right]__[stay]";' in text.splitlines()
    reordered = MDP.from_dict({"a": {"y": {"a": 1.0}, "x": {"a": 1.0}}}, actions=["x", "z", "y"])
    assert _written_then_read(reordered, tmp_path)[0].actions == ("x", "z", "y")
    joint = JointMDP.from_dict({"p_H^q_A": {"b_H^d_A": {"p_H^q_A": 1.0}}}, actions_H=["a", "b"], actions_A=["c", "d"])
    again, text = _written_then_read(joint, tmp_path)
    assert (again.actions_H, again.actions_A) == (("a", "b"), ("c", "d"))
    assert 'actions_H="[a]__[b]";' in text and 'actions_A="[c]__[d]";' in text
    policy = Policy.from_dict({"s": {"b": 1.0}}, actions=["a", "b"])
    again, text = _written_then_read(policy, tmp_path)
    assert again.actions == ("a", "b") and again.probabilities.tolist() == [[0.0, 1.0]]


@needs_reference_files
def test_reference_files_need_no_action_attributes(loaded):
    """Our writer adds an action list only where the nodes would not give it back: never for the
    reference's own schema. The plain format makes every state a possible move, and in
    ``mdp_from_paper`` some states are the target of no edge, so that list must be kept."""
    plain = {"mdp_from_paper"}
    for name, obj in loaded.items():
        mdp = loaded[POLICY_MDP[name]] if name in POLICY_MDP else None  # policies list untaken actions with their MDP
        has_list = any(line.startswith("actions") for line in dot_text(obj, mdp).splitlines()[:3])
        assert has_list == (name in plain), name


@pytest.mark.parametrize(
    "attribute, expected",
    [
        ('actions="go"', "graph attribute actions='go' is not a list of labels like '[up]__[down]'"),
        ('actions="[go]__[go]__[stay]"', "graph attribute actions lists action 'go' twice"),
        ('actions="[stay]"', "graph attribute actions does not list action 'go', which the graph uses"),
    ],
)
def test_bad_action_attributes(tmp_path, attribute, expected):
    text = GOOD.replace("strict digraph {\n", f"strict digraph {{\n{attribute};\n")
    assert expected in _read_broken(tmp_path, text)


def test_empty_name_stays_empty_and_missing_name_is_the_file_name(tmp_path):
    unnamed = MDP.from_dict({"a": {"go": {"a": 1.0}}})
    again, text = _written_then_read(unnamed, tmp_path, "stem.gv")
    assert text.startswith('strict digraph "" {') and again.name == ""
    (tmp_path / "stem.gv").write_text(text.replace('strict digraph "" {', "strict digraph {"))
    assert read_any(tmp_path / "stem.gv").name == "stem"
