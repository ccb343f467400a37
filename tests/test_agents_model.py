"""N agents in the model: agent names and labels, N-agent joint MDPs, joint gridworlds, marginalisation.

Two agents stay bit for bit as they were: the hashes below were recorded from main's builders
before N agents (joint gridworlds, their marginals, native files).
"""

import hashlib
import itertools
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from powerplay.errors import ModelError, ResourceLimitError, UnknownLabelError
from powerplay.io.native import native_text
from powerplay.model import gridworld as gridworld_module
from powerplay.model.editing import add_state_action, remove_states_with_overlapping_agents
from powerplay.model.environments import MAZE_7X7, load_mdp
from powerplay.model.generators import generate_mdp, generator_spec_name, normalize_generator_spec
from powerplay.model.gridworld import gridworld, gridworld_from_map, joint_gridworld, resolve_blocking
from powerplay.model.labels import (
    ambiguous_joint_part,
    check_agent_names,
    infer_agents,
    joint_label,
    pair_label,
    split_joint_label,
)
from powerplay.model.mdp import MDP, JointMDP
from powerplay.model.policies import deterministic_policy, generated_policy, random_deterministic_policy, stay_policy
from powerplay.model.policy import (
    Policy,
    acting_action_mask,
    check_policy_compatible,
    joint_policy_from_single,
    marginalize,
    marginalize_to_mdp,
    uniform_random_policy,
)

HAB = ("H", "A", "B")


def _maze() -> MDP:
    return gridworld_from_map(MAZE_7X7, name="7x7 gridworld maze")


def _corridor(cols: int = 3) -> MDP:
    return gridworld(1, cols, name="corridor")


# -- agent names and labels -------------------------------------------------------------------


@pytest.mark.parametrize(
    "agents, message",
    [
        (["H"], "at least 2 agents"),
        (["H", "A", "H"], "agent 'H' is listed twice"),
        (["H", "A_1"], "agent name 'A_1' must be a letter followed by letters or digits"),
        (["H", "A^"], "agent name 'A^'"),
        (["H", "1A"], "agent name '1A'"),
        (["H", ""], "agent name ''"),
        (["H", 3], "agent name 3"),
        ("HA", "agents must be a list of agent names"),
    ],
)
def test_bad_agent_names_are_refused_in_one_line(agents, message):
    with pytest.raises(ModelError, match=re.escape(message)) as error:
        check_agent_names(agents)
    assert "\n" not in str(error.value)


def test_check_agent_names_accepts_letters_then_letters_or_digits():
    assert check_agent_names(["H", "A", "B2", "Zed"]) == ("H", "A", "B2", "Zed")


def test_joint_labels_of_three_agents_read_back():
    label = joint_label(["(0, 1)", "(2, 2)", "(1, 0)"], HAB)
    assert label == "(0, 1)_H^(2, 2)_A^(1, 0)_B"
    assert split_joint_label(label, HAB) == ("(0, 1)", "(2, 2)", "(1, 0)")
    assert split_joint_label(label) is None  # not an H, A label: it ends in '_B'
    assert split_joint_label("(0, 1)_H^(2, 2)_A", HAB) is None
    assert split_joint_label("x_A^y_H^z_B", HAB) is None  # the separators in the wrong order
    # Two agents: the shorthand and the sequence form are one label.
    assert joint_label("u", "v") == pair_label("u", "v") == joint_label(["u", "v"]) == "u_H^v_A"
    with pytest.raises(ModelError, match="2 labels for the agents"):
        joint_label(["u", "v"], HAB)


_PIECES = ["_H^", "_A^", "_B^", "_H", "_A", "_B", "^", "_", "H", "A", "x", "(0, 1)", ""]
_LABELS = st.lists(st.sampled_from(_PIECES), max_size=6).map("".join)


@given(st.lists(_LABELS, min_size=3, max_size=3))
def test_a_joint_label_reads_back_exactly_when_no_part_holds_the_separator_before_it(parts):
    """The ambiguity rule, checked against the split itself on labels made of separators."""
    read_back = split_joint_label(joint_label(parts, HAB), HAB)
    ambiguous = ambiguous_joint_part([[p] for p in parts], HAB)
    assert (read_back == tuple(parts)) == (ambiguous is None)


@given(_LABELS, _LABELS)
def test_two_agent_split_is_the_reference_regular_expression(h, a):
    """For two agents the split is the reference's greedy regex ``^(.*)_H\\^(.*)_A$``, unchanged."""
    for label in (pair_label(h, a), h + a, f"{h}_H^{a}", f"{h}^{a}_A"):
        match = re.fullmatch(r"(.*)_H\^(.*)_A", label, flags=re.DOTALL)
        assert split_joint_label(label) == (match.groups() if match else None)


def test_agents_are_read_from_labels_when_they_can_be():
    assert infer_agents(["u_H^v_A^w_B", "x_H^y_A^z_B"]) == HAB
    assert infer_agents(["u_X^v_Y"]) == ("X", "Y")
    assert infer_agents(["u_H^v_A", "u_H^v_A^w_B"]) is None  # not one set of agents
    assert infer_agents(["a^b_H^c_A"]) is None  # a part holds '^': say the agents
    assert infer_agents(["x_H^y_H^z_A"]) is None  # repeated names
    assert infer_agents(["plain"]) is None and infer_agents([]) is None


# -- joint MDPs of N agents -------------------------------------------------------------------


def _trio_table():
    """Two states; H has {stay, go}, A has {stay}, B has {stay, hop}; 'go_H^stay_A^hop_B' is absent in 'p'."""
    table = {}
    for state, other in (("p", "q"), ("q", "p")):
        actions = {}
        for h, b in itertools.product(("stay", "go"), ("stay", "hop")):
            if (state, h, b) == ("p", "go", "hop"):
                continue
            moved = h == "go" or b == "hop"
            actions[joint_label([h, "stay", b], HAB)] = {other: 0.5, state: 0.5} if moved else {state: 1.0}
        table[state] = actions
    return table


def test_joint_mdp_of_three_agents_from_labels():
    joint = JointMDP.from_dict(_trio_table(), name="trio")
    assert joint.agents == HAB and joint.num_agents == 3
    assert joint.actions_by_agent == (("stay", "go"), ("stay",), ("stay", "hop"))
    assert joint.action_shape == (2, 1, 2) and joint.num_joint_actions == 4
    assert (joint.actions_H, joint.actions_A) == (("stay", "go"), ("stay",))
    assert joint.agent_actions("B") == ("stay", "hop") and joint.agent_index("B") == 2
    assert joint.action_mask.shape == (2, 2, 1, 2)
    assert joint.action_mask[0, 1, 0, 1] == False and joint.action_mask.sum() == 7  # noqa: E712
    # Row s * 4 + (h * 1 + a) * 2 + b, C order: 'go_H^stay_A^stay_B' from 'q' is row 4 + 2.
    dense = joint.transitions.toarray()
    np.testing.assert_array_equal(dense[6], [0.5, 0.5])
    np.testing.assert_array_equal(dense[3], [0.0, 0.0])  # the absent joint action of 'p'
    assert joint.action_labels[3] == "go_H^stay_A^hop_B"
    np.testing.assert_array_equal(joint.agent_action_mask("B"), [[True, True], [True, True]])
    np.testing.assert_array_equal(joint.agent_action_mask("H"), [[True, True], [True, True]])
    assert joint.to_dict() == _trio_table()
    again = JointMDP.from_dict(joint.to_dict(), agents=HAB, actions_by_agent=joint.actions_by_agent)
    assert (again.transitions != joint.transitions).nnz == 0


def test_joint_mdp_errors_name_the_state_agent_or_action():
    with pytest.raises(ModelError, match=r"state 's': action 'go_H\^stay_A' is not a joint action 'u_H\^v_A\^w_B'"):
        JointMDP.from_dict({"s": {"go_H^stay_A": {"s": 1.0}}}, agents=HAB)
    with pytest.raises(ModelError, match="2 action lists for the 3 agents"):
        JointMDP.from_dict(_trio_table(), agents=HAB, actions_by_agent=[["stay"], ["stay"]])
    with pytest.raises(ModelError, match="duplicate Agent B action label 'hop'"):
        JointMDP.from_dict(_trio_table(), actions_by_agent=[None, None, ["stay", "hop", "hop"]])
    with pytest.raises(
        ModelError,
        match=r"state 'p': action 'stay_H\^stay_A\^hop_B' is not in the action lists \(Agent B's 'hop' is not one",
    ):
        JointMDP.from_dict(_trio_table(), actions_by_agent=[None, None, ["stay"]])
    with pytest.raises(ModelError, match=r"state 'p', action 'stay_H\^stay_A\^hop_B': probabilities sum to 0.5"):
        table = _trio_table()
        table["p"]["stay_H^stay_A^hop_B"] = {"q": 0.5}
        JointMDP.from_dict(table)
    with pytest.raises(ModelError, match="actions_by_agent must hold one list of action labels per agent"):
        JointMDP(("x_H^y_A",), ("u",), ("v",), np.ones((1, 1)), np.ones((1, 1, 1), dtype=bool))
    with pytest.raises(ModelError, match="agent 'H' is listed twice"):
        JointMDP(("x",), ("H", "H"), (("u",), ("v",)), np.ones((1, 1)), np.ones((1, 1, 1), dtype=bool))
    joint = JointMDP.from_dict(_trio_table(), name="trio")
    with pytest.raises(
        UnknownLabelError, match=r"agent 'C' is not an agent of joint MDP 'trio' \(its agents: H, A, B\)"
    ):
        joint.agent_actions("C")


# -- joint gridworlds: structure --------------------------------------------------------------


def _row_mass(joint: JointMDP) -> np.ndarray:
    return np.asarray(joint.transitions.sum(axis=1)).reshape(joint.action_mask.shape)


def _parts(joint: JointMDP) -> list[tuple[str, ...]]:
    return [split_joint_label(state, joint.agents) for state in joint.states]


@pytest.mark.parametrize(
    "rule, states, transitions",
    [("allow", 31**3, 97**3), ("remove", 31 * 30 * 29, 766_644), ("block", 31 * 30 * 29, 824_214)],
)
def test_three_agents_on_the_7x7_maze(rule, states, transitions):
    maze = _maze()
    assert maze.num_states == 31 and maze.transitions.nnz == 97  # 97 available moves
    joint = joint_gridworld(maze, agents=HAB, interaction=rule)
    assert joint.num_states == states and joint.action_mask.shape == (states, 5, 5, 5)
    assert joint.transitions.nnz == transitions
    mass = _row_mass(joint)
    np.testing.assert_array_equal(mass[joint.action_mask], 1.0)  # deterministic moves: each row is one 1.0
    assert not mass[~joint.action_mask].any()
    shared = [len(set(parts)) < 3 for parts in _parts(joint)]
    assert any(shared) == (rule == "allow")
    allow = joint if rule == "allow" else joint_gridworld(maze, agents=HAB)
    assert allow.action_mask.sum() == 97**3  # every agent may take every move available in its own cell
    apart = np.array([len(set(parts)) == 3 for parts in _parts(allow)])
    assert apart.sum() == 31 * 30 * 29
    if rule == "block":  # no joint action is removed: only where the agents end up changes
        np.testing.assert_array_equal(joint.action_mask, allow.action_mask[apart])
    if rule == "remove":  # some are: those that may put two agents in one cell
        assert not (joint.action_mask & ~allow.action_mask[apart]).any()
        assert joint.action_mask.sum() == transitions < allow.action_mask[apart].sum()
    assert joint.states[0] == ("(0, 0)_H^(0, 0)_A^(0, 0)_B" if rule == "allow" else "(0, 0)_H^(0, 1)_A^(0, 2)_B")
    suffix = {"allow": "", "remove": " (no overlap)", "block": " (blocking)"}[rule]
    assert joint.name == f"joint 7x7 gridworld maze, agents H A B{suffix}"


def _naive_joint(single: MDP, agents, rule: str) -> dict:
    """The joint gridworld by brute force: a loop over joint states and joint actions, no numpy."""
    n = len(agents)
    table = {}
    for cells in itertools.product(single.states, repeat=n):
        if rule != "allow" and len(set(cells)) < n:
            continue
        actions = {}
        for moves in itertools.product(*(single.available_actions(c) for c in cells)):
            outcome: dict[str, float] = {}
            for combo in itertools.product(*(single.next_states(c, m).items() for c, m in zip(cells, moves))):
                ends = [nxt for nxt, _ in combo]
                if rule == "block":
                    while True:  # send back every mover whose cell is contested, until none is
                        back = [
                            i
                            for i in range(n)
                            if ends[i] != cells[i] and any(ends[j] == ends[i] for j in range(n) if j != i)
                        ]
                        if not back:
                            break
                        for i in back:
                            ends[i] = cells[i]
                p = 1.0
                for _, q in combo:
                    p *= q
                key = joint_label(ends, agents)
                outcome[key] = outcome.get(key, 0.0) + p
            if rule == "remove" and any(len(set(split_joint_label(k, agents))) < n for k in outcome):
                continue
            actions[joint_label(moves, agents)] = outcome
        table[joint_label(cells, agents)] = actions
    return table


@pytest.mark.parametrize(
    "rule, noise, shape, agents",
    [
        ("allow", 0.0, (2, 2), HAB),
        ("allow", 0.3, (2, 2), HAB),
        ("remove", 0.0, (2, 3), HAB),
        ("block", 0.0, (2, 3), HAB),
        ("block", 0.3, (2, 2), HAB),
        ("block", 0.0, (1, 5), ("H", "A", "B", "C")),
        ("remove", 0.0, (1, 5), ("H", "A", "B", "C")),
    ],
)
def test_joint_gridworld_matches_a_brute_force_construction(rule, noise, shape, agents):
    single = gridworld(*shape, stochastic_noise_level=noise, noise_bias={"left": 0.1} if noise else None)
    joint = joint_gridworld(single, agents=agents, interaction=rule)
    expected = _naive_joint(single, agents, rule)
    got = joint.to_dict()
    assert list(got) == list(expected)
    for state in expected:
        assert set(got[state]) == set(expected[state]), state
        for action in expected[state]:
            assert got[state][action] == pytest.approx(expected[state][action], rel=1e-12), (state, action)
    if rule != "remove":
        np.testing.assert_allclose(_row_mass(joint)[joint.action_mask], 1.0, rtol=1e-12)


def test_joint_gridworld_in_blocks_is_the_same_as_in_one_piece(monkeypatch):
    """Building block by block of joint states (bounded temporaries) changes no bit."""
    single = gridworld(2, 3, stochastic_noise_level=0.2, noise_bias={"up": 0.05})
    whole = {rule: joint_gridworld(single, agents=HAB, interaction=rule) for rule in ("allow", "block")}
    whole["remove"] = joint_gridworld(gridworld(2, 3), agents=HAB, interaction="remove")
    monkeypatch.setattr(gridworld_module, "_BLOCK_ENTRIES", 500)
    assert len(gridworld_module._cell_blocks(single, 3)) == 6  # one cell per block
    for rule, expected in whole.items():
        pieces = joint_gridworld(single if rule != "remove" else gridworld(2, 3), agents=HAB, interaction=rule)
        assert _digest(pieces) == _digest(expected), rule


# -- the rules by hand, on corridors -------------------------------------------------------------


def _label(*cells_and_agents) -> str:
    return "^".join(f"(0, {c})_{agent}" for c, agent in zip(cells_and_agents, HAB))


@pytest.mark.parametrize(
    "start, moves, end",
    [
        ((0, 1, 2), ("right", "right", "stay"), (0, 1, 2)),  # B holds its cell: A is sent back, then H
        ((0, 2, 1), ("right", "left", "stay"), (0, 2, 1)),  # H and A both move into B's cell
        ((0, 1, 2), ("right", "right", "left"), (0, 1, 2)),  # A-B swap, but H and B contest cell 1: 3 rounds
        ((0, 1, 2), ("right", "left", "stay"), (1, 0, 2)),  # H and A swap cells: allowed
        ((1, 0, 2), ("stay", "right", "left"), (1, 0, 2)),  # both move into H, who stays
        ((0, 1, 2), ("stay", "stay", "stay"), (0, 1, 2)),
    ],
)
def test_blocking_on_a_1x3_corridor_by_hand(start, moves, end):
    joint = joint_gridworld(_corridor(), agents=HAB, interaction="block")
    action = joint_label(moves, HAB)
    assert joint.next_states(_label(*start), action) == {_label(*end): 1.0}


def test_blocking_lets_agents_follow_each_other_on_a_1x4_corridor():
    joint = joint_gridworld(_corridor(4), agents=HAB, interaction="block")
    start = "(0, 0)_H^(0, 1)_A^(0, 3)_B"
    # A moves on into the free cell and H follows into the cell A left.
    assert joint.next_states(start, "right_H^right_A^stay_B") == {"(0, 1)_H^(0, 2)_A^(0, 3)_B": 1.0}
    # B also wants cell 2: A and B are sent back, and then so is H (A is back in cell 1).
    assert joint.next_states(start, "right_H^right_A^left_B") == {start: 1.0}
    origin, target = np.array([[0], [1], [3]]), np.array([[1], [2], [2]])
    np.testing.assert_array_equal(resolve_blocking(origin, target), origin)


def test_no_overlap_on_a_1x3_corridor_by_hand():
    joint = joint_gridworld(_corridor(), agents=HAB, interaction="remove")
    assert joint.num_states == 6  # the 3! ways to put three agents in three cells
    start = _label(0, 1, 2)
    available = set(joint.available_actions(start))
    assert "right_H^left_A^stay_B" in available  # a swap never puts two agents in one cell
    assert "stay_H^right_A^left_B" in available
    assert "right_H^stay_A^stay_B" not in available  # H would join A
    assert "stay_H^right_A^stay_B" not in available
    # Every available joint action permutes the agents (they fill the corridor): stay, or swap neighbours.
    assert len(available) == 3
    assert joint.next_states(start, "right_H^left_A^stay_B") == {_label(1, 0, 2): 1.0}


# -- order of the agents -----------------------------------------------------------------------


# -- arguments ---------------------------------------------------------------------------------


def test_joint_gridworld_arguments():
    corridor = _corridor()
    assert joint_gridworld(corridor, overlap="remove").name == "joint corridor (no overlap)"
    assert joint_gridworld(corridor, interaction="remove", overlap="remove").num_states == 6
    assert joint_gridworld(corridor, ("A", "B")).name == "joint corridor, agents A B"
    assert joint_gridworld(corridor, ("A", "B")).states[1] == "(0, 0)_A^(0, 1)_B"
    with pytest.raises(ModelError, match="overlap='block' and interaction='remove' differ"):
        joint_gridworld(corridor, interaction="remove", overlap="block")
    with pytest.raises(ModelError, match=r"unknown rule 'merge'; valid: allow, remove, block, no_swap, push"):
        joint_gridworld(corridor, interaction="merge")
    with pytest.raises(ModelError, match="not the string 'remove'"):
        joint_gridworld(corridor, "remove")
    with pytest.raises(ModelError, match=r"has 2 states for 3 agents, so no joint state would be left"):
        joint_gridworld(gridworld(1, 2), agents=HAB, interaction="block")
    with pytest.raises(ModelError, match="use overlap='block'"):
        joint_gridworld(gridworld(2, 2, stochastic_noise_level=0.2), agents=HAB, interaction="remove")
    robot_face = load_mdp("20x20_gridworld_robot_face")
    with pytest.raises(ResourceLimitError, match=r"4 agents .* 1,464,100,000,000 joint transition rows") as error:
        joint_gridworld(robot_face, agents=("H", "A", "B", "C"))
    assert error.value.estimate == 220**4 * 5**4


# -- two agents: bit for bit as before ------------------------------------------------------------


def _digest(obj) -> str:
    """SHA-256 (first 20 hex digits) of an MDP's arrays, labels and name, with fixed dtypes."""
    h = hashlib.sha256()
    t = obj.transitions
    for array, dtype in ((t.data, np.float64), (t.indices, np.int64), (t.indptr, np.int64)):
        h.update(np.ascontiguousarray(array, dtype=dtype).tobytes())
    h.update(np.ascontiguousarray(obj.action_mask, dtype=bool).tobytes())
    h.update(repr(obj.action_mask.shape).encode())
    h.update("\n".join(obj.states).encode())
    h.update(repr(obj.action_labels).encode())
    h.update(obj.name.encode())
    return h.hexdigest()[:20]


def _text_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:20]


#: Recorded from main (commit 7bcf182) before N agents.
_TWO_AGENT_JOINT = {
    ("maze", "allow"): "7fd01aee5aaf7d8d36eb",
    ("maze", "remove"): "51f60c80b1ea71e13553",
    ("maze", "block"): "e71d21aabde6bcd84648",
    ("noisy", "allow"): "771b80d070d44aeb4a9c",
    ("noisy", "block"): "456354679885df0112a5",
}
_TWO_AGENT_MARGINALS = {  # (single, rule, policy's agent, policy): the other agent's MDP
    ("maze", "allow", "A", "uniform"): "c2b17c801bf536cfae93",
    ("maze", "allow", "A", "random"): "a5a696cf927f44dd8f71",
    ("maze", "allow", "H", "uniform"): "ece83766aef65b5a0f06",
    ("maze", "allow", "H", "random"): "7ada02c5142f4db52e9d",
    ("maze", "remove", "A", "uniform"): "eca1a5f15c3b1b79204e",
    ("maze", "remove", "A", "random"): "48b7130550970c880929",
    ("maze", "remove", "H", "uniform"): "bc4f57f37dfe22797421",
    ("maze", "remove", "H", "random"): "79a9a504dc141f6faaf9",
    ("maze", "block", "A", "uniform"): "283613749f9cccf3d68a",
    ("maze", "block", "A", "random"): "9d9edccf6d63359ababd",
    ("maze", "block", "H", "uniform"): "f5c919d314539f071432",
    ("maze", "block", "H", "random"): "3288accecc935b5d8224",
    ("noisy", "allow", "A", "uniform"): "305ed8a558ea5ac83612",
    ("noisy", "allow", "A", "random"): "64f8dfd1ca0c19b42720",
    ("noisy", "allow", "H", "uniform"): "0ca2ce2becc13079c483",
    ("noisy", "allow", "H", "random"): "02832fdb38a59ae3f2a6",
    ("noisy", "block", "A", "uniform"): "a8a4298b156d10b5ac42",
    ("noisy", "block", "A", "random"): "ce5d204304f7bc2acc66",
    ("noisy", "block", "H", "uniform"): "c42e8bd29427e8ecc20a",
    ("noisy", "block", "H", "random"): "0669c9b696e01d35b324",
}
_TWO_AGENT_FILES = {
    ("joint", ".yaml"): "528465fd8c6cb3fe8ea0",
    ("policy", ".yaml"): "9b5e5acaec19c1b97693",
    ("noisy block", ".yaml"): "7c928b3965a29202109e",
    ("joint", ".json"): "deb72ab5982d44634ac1",
    ("policy", ".json"): "0ed59eaf748e5956baeb",
    ("noisy block", ".json"): "39028a24001be146ad45",
}


def _single(kind: str) -> MDP:
    if kind == "maze":
        return _maze()
    return gridworld(3, 3, stochastic_noise_level=0.3, noise_bias={"left": 0.1}, name="noisy 3x3")


@pytest.mark.parametrize("single, rule", sorted(_TWO_AGENT_JOINT))
def test_two_agent_joint_gridworlds_and_marginals_are_bit_identical_to_before(single, rule):
    joint = joint_gridworld(_single(single), overlap=rule)
    assert joint.agents == ("H", "A")
    assert _digest(joint) == _TWO_AGENT_JOINT[single, rule]
    for agent in ("A", "H"):
        for kind, policy in (
            ("uniform", uniform_random_policy(joint, agent)),
            ("random", random_deterministic_policy(joint, agent, 5)),
        ):
            folded = marginalize(joint, policy)
            assert isinstance(folded, MDP)
            assert _digest(folded) == _TWO_AGENT_MARGINALS[single, rule, agent, kind], (agent, kind)
            assert _digest(marginalize_to_mdp(joint, policy)) == _digest(folded)


@pytest.mark.parametrize("what, suffix", sorted(_TWO_AGENT_FILES))
def test_two_agent_native_files_are_byte_identical_to_before(what, suffix):
    small = joint_gridworld(gridworld(2, 2, name="square"), overlap="remove")
    obj = {
        "joint": small,
        "policy": stay_policy(small, "A"),
        "noisy block": joint_gridworld(gridworld(1, 3, stochastic_noise_level=0.2), overlap="block"),
    }[what]
    assert _text_digest(native_text(obj, suffix)) == _TWO_AGENT_FILES[what, suffix]


# -- marginalisation -------------------------------------------------------------------------------


def _dense(joint: JointMDP) -> np.ndarray:
    """``[S, A_1, ..., A_n, S]``."""
    return joint.transitions.toarray().reshape(joint.action_mask.shape + (joint.num_states,))


@pytest.mark.parametrize("rule, noise", [("allow", 0.2), ("remove", 0.0), ("block", 0.2)])
@pytest.mark.parametrize("agent", HAB)
def test_marginalizing_one_of_three_agents_is_the_weighted_sum(rule, noise, agent):
    """Against a dense computation: P(s' | s, rest) = sum_k pi(a_k | s) P(s' | s, a)."""
    joint = joint_gridworld(gridworld(2, 2, stochastic_noise_level=noise), agents=HAB, interaction=rule)
    policy = random_deterministic_policy(joint, agent, 1) if rule == "block" else uniform_random_policy(joint, agent)
    folded = marginalize(joint, policy)
    k = HAB.index(agent)
    assert isinstance(folded, JointMDP) and folded.agents == tuple(a for a in HAB if a != agent)
    assert folded.states == joint.states
    expected = np.einsum("s...k,sk->s...", np.moveaxis(_dense(joint), 1 + k, -1), policy.probabilities)
    np.testing.assert_allclose(_dense(folded), expected, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(folded.action_mask, joint.action_mask.any(axis=1 + k))
    assert folded.name == f"{joint.name} with agent {agent} following {policy.name}"


def test_marginalizing_with_no_overlap_is_sub_stochastic_and_order_free():
    """On the 3-agent no-overlap maze the lost mass is that of the removed joint actions."""
    joint = joint_gridworld(_maze(), agents=HAB, interaction="remove")
    pi_B, pi_A = uniform_random_policy(joint, "B"), random_deterministic_policy(joint, "A", 7)
    without_B = marginalize(joint, pi_B)
    mass = _row_mass(without_B)  # [S, A_H, A_A]
    # Each available joint action's row sums to one (deterministic moves), so the mass left is
    # the probability that B's action is one that exists with H's and A's.
    expected = np.einsum("shab,sb->sha", joint.action_mask, pi_B.probabilities)
    np.testing.assert_allclose(mass, expected, rtol=0, atol=1e-15)
    assert (mass[without_B.action_mask] < 1 - 1e-9).sum() > 0 and not without_B.is_stochastic
    h_only = marginalize_to_mdp(without_B, pi_A)
    assert h_only.actions == joint.actions_H
    expected_H = np.einsum("shab,sb,sa->sh", joint.action_mask, pi_B.probabilities, pi_A.probabilities)
    np.testing.assert_allclose(h_only.row_mass, expected_H, rtol=0, atol=1e-15)
    # Folding A in first and then B gives the same MDP of H.
    other_order = marginalize_to_mdp(marginalize(joint, pi_A), pi_B)
    np.testing.assert_array_equal(other_order.action_mask, h_only.action_mask)
    assert abs(other_order.transitions - h_only.transitions).max() < 1e-15
    with pytest.raises(ModelError, match="leaves the agents H, A, not one"):
        marginalize_to_mdp(joint, pi_B)


@pytest.mark.parametrize("single", [gridworld(3, 3, name="3x3 gridworld"), _maze()], ids=["3x3", "maze"])
def test_a_third_agent_that_stays_splits_the_joint_mdp_into_copies_of_the_two_agent_one(single):
    """Under 'allow', B staying put leaves H and A in the two-agent MDP, once per cell of B."""
    pair = joint_gridworld(single)
    trio = joint_gridworld(single, agents=HAB)
    rest = marginalize(trio, stay_policy(trio, "B"))
    assert rest.agents == ("H", "A") and rest.actions_by_agent == pair.actions_by_agent
    S, width = single.num_states, 25
    transitions = rest.transitions.tocsr()
    for b in range(S):
        states = np.arange(S * S) * S + b  # (h, a, b) for every (h, a): C order
        rows = (states[:, None] * width + np.arange(width)).ravel()
        block = transitions[rows][:, states]
        assert (block != pair.transitions).nnz == 0, b  # exactly the two-agent MDP
        assert transitions[rows].nnz == block.nnz  # and nothing leaves the copy
        np.testing.assert_array_equal(rest.action_mask[states], pair.action_mask)


# -- policies of any agent -------------------------------------------------------------------------


def test_generated_policies_for_agent_B():
    trio = joint_gridworld(_corridor(), agents=HAB, interaction="remove")
    actions, mask = acting_action_mask(trio, "B")
    assert actions == trio.agent_actions("B") and mask.shape == (6, 5)
    uniform = uniform_random_policy(trio, "B")
    np.testing.assert_array_equal(uniform.probabilities, mask / mask.sum(axis=1, keepdims=True))
    stays = stay_policy(trio, "B")
    assert stays.name == "agent B stays on joint corridor, agents H A B (no overlap)"
    left = deterministic_policy(trio, "B", "left", fallback="stay")
    state = "(0, 1)_H^(0, 0)_A^(0, 2)_B"
    assert left.to_dict()[state] == {"left": 1.0}  # B's own 'left' is available (with H moving right)
    picks = np.random.default_rng(3).integers(mask.sum(axis=1))
    chosen = random_deterministic_policy(trio, "B", 3)
    expected = [np.flatnonzero(row)[j] for row, j in zip(mask, picks)]
    np.testing.assert_array_equal(chosen.probabilities.argmax(axis=1), expected)
    assert generated_policy({"random_deterministic": 3}, trio, "B").name == chosen.name
    for policy in (uniform, stays, left, chosen):
        assert policy.agent == "B"
        check_policy_compatible(policy, trio)
    with pytest.raises(ModelError, match=r"agent 'C' is not an agent of joint MDP .* \(its agents: H, A, B\)"):
        uniform_random_policy(trio, "C")


def test_policies_are_checked_against_the_mdps_agents():
    pair = joint_gridworld(_corridor())
    policy_B = Policy(pair.states, pair.actions_A, uniform_random_policy(pair, "A").probabilities, agent="B", name="b")
    with pytest.raises(
        ModelError, match=r"policy 'b' is for agent B, which is not an agent of MDP .* \(its agents: H, A\)"
    ):
        check_policy_compatible(policy_B, pair)
    with pytest.raises(ModelError, match="is for agent B but MDP 'corridor' is single-agent"):
        check_policy_compatible(Policy(("(0, 0)",), ("stay",), [[1.0]], agent="B", name="b"), _corridor(1))
    with pytest.raises(ModelError, match="agent name 'b_2'"):
        Policy(("x",), ("stay",), [[1.0]], agent="b_2")


def test_lifting_a_single_agent_policy_for_agent_B():
    corridor = _corridor()
    single = deterministic_policy(corridor, "H", "left", fallback="stay")
    trio = joint_gridworld(corridor, agents=HAB, interaction="block")
    lifted = joint_policy_from_single(single, agent="B", joint=trio)
    for state, row in zip(trio.states, lifted.probabilities):
        own = split_joint_label(state, HAB)[2]
        np.testing.assert_array_equal(row, single.probabilities[corridor.state_index(own)])
    everywhere = joint_policy_from_single(single, agent="B", agents=HAB)
    assert len(everywhere.states) == 27 and everywhere.states[1] == "(0, 0)_H^(0, 0)_A^(0, 1)_B"
    with pytest.raises(ModelError, match="agent 'C' is not one of the agents H, A, B"):
        joint_policy_from_single(single, agent="C", joint=trio)


def test_editing_joint_mdps_of_three_agents():
    allow = joint_gridworld(_corridor(), agents=HAB)
    trimmed = remove_states_with_overlapping_agents(allow)
    remove = joint_gridworld(_corridor(), agents=HAB, interaction="remove")
    assert trimmed.states == remove.states and trimmed.to_dict() == remove.to_dict()
    assert trimmed.name == "joint corridor, agents H A B (no overlap)"
    grown = add_state_action(remove, "pit", {"stay_H^stay_A^stay_B": {"pit": 1.0}})
    assert grown.agents == HAB and grown.available_actions("pit") == ["stay_H^stay_A^stay_B"]
    with pytest.raises(ModelError, match=r"is not a joint action 'u_H\^v_A\^w_B'"):
        add_state_action(remove, "pit", {"stay_H^stay_A": {"pit": 1.0}})


# -- generator specs ---------------------------------------------------------------------------------


def test_generator_specs_with_agents():
    spec = {"generator": "maze", "rows": 2, "cols": 2, "seed": 0, "joint": "remove", "agents": ["H", "A", "B"]}
    joint = generate_mdp(spec)
    assert isinstance(joint, JointMDP) and joint.agents == HAB
    assert joint.num_states == 7 * 6 * 5  # a 2x2 maze has 7 cells
    assert joint.name == generator_spec_name(spec) == "joint maze 2x2 seed 0, agents H A B (no overlap)"
    pair_spec = {**spec, "agents": ["H", "A"]}
    assert normalize_generator_spec(pair_spec) == normalize_generator_spec({**spec, "agents": None})
    assert "agents" not in normalize_generator_spec(pair_spec)
    assert generate_mdp(pair_spec).name == "joint maze 2x2 seed 0 (no overlap)"
    for bad, message in (
        ({**spec, "joint": None}, "needs joint: allow, remove or block"),
        ({**spec, "agents": ["H", "H"]}, "agent 'H' is listed twice"),
        ({**spec, "agents": "HAB"}, "agents must be a list of agent names"),
        ({**spec, "rows": 1, "cols": 1}, "joint: overlap='remove' keeps only joint states"),
    ):
        with pytest.raises(ModelError, match=re.escape(message)) as error:
            generate_mdp(bad)
        assert error.value.field in ("agents", "joint")


def test_experiments_refuse_joint_mdps_of_other_agents_than_theirs(tmp_path):
    """A two-agent experiment (the reference's arguments or keys) refuses a joint MDP of three agents."""
    from powerplay.errors import ConfigError
    from powerplay.model.rewards import RewardDistribution
    from powerplay.runner.build import build_experiment
    from powerplay.runner.experiment import Experiment

    trio = joint_gridworld(_corridor(), agents=HAB, interaction="remove")
    uniform = RewardDistribution.from_config({"default_dist": {"dist_name": "uniform", "params": [0, 1]}})
    with pytest.raises(ModelError, match="joint MDP .* has the agents H, A, B, but the experiment's are H, A"):
        Experiment("multiagent_fixed_policy", trio, 0.9, uniform, 10, 0, policy_A=uniform_random_policy(trio, "A"))
    spec = {"generator": "maze", "rows": 2, "cols": 2, "seed": 0, "joint": "remove", "agents": ["H", "A", "B"]}
    config = {
        "joint_mdp_graph": spec,
        "seed_policy_graph_agent_A": "uniform_random",
        "discount_rate": 0.9,
        "discount_rate_agent_A": 0.9,
        "reward_correlation": 0.0,
        "reward_distribution": {"default_dist": {"dist_name": "uniform", "params": [0, 1]}},
        "num_reward_samples": 10,
        "random_seed": 0,
    }
    with pytest.raises(
        ConfigError, match=re.escape("joint MDP of the agents H, A, B, but the run's agents are H, A (list them with")
    ) as error:
        build_experiment(config, tmp_path)
    assert error.value.field == "joint_mdp_graph"
