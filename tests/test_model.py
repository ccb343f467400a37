"""MDPs, joint MDPs, policies and marginalisation: construction, validation, hand-computed arrays."""

import numpy as np
import pytest

from powerplay.model.mdp import MDP, JointMDP
from powerplay.model.policy import (
    Policy,
    check_policy_compatible,
    joint_policy_from_single,
    marginalize,
    uniform_random_policy,
)

CHAIN = {
    "a": {"stay": {"a": 1.0}, "go": {"b": 1.0}},
    "b": {"stay": {"b": 1.0}, "go": {"a": 0.25, "b": 0.75}},
}


def test_from_dict_builds_arrays_in_label_order():
    mdp = MDP.from_dict(CHAIN)
    assert mdp.states == ("a", "b") and mdp.actions == ("stay", "go")
    dense = mdp.transitions.toarray().reshape(2, 2, 2)
    np.testing.assert_array_equal(dense, [[[1, 0], [0, 1]], [[0, 1], [0.25, 0.75]]])
    assert mdp.action_mask.all()
    assert mdp.to_dict() == CHAIN


def test_arrays_are_read_only():
    mdp = MDP.from_dict(CHAIN)
    with pytest.raises(ValueError):
        mdp.action_mask[0, 0] = False
    with pytest.raises(ValueError):
        mdp.transitions.data[0] = 0.5


@pytest.mark.parametrize(
    "table, message",
    [
        ({"a": {"go": {"a": 0.5}}}, "state 'a', action 'go': probabilities sum to 0.5"),
        ({"a": {"go": {"z": 1.0}}}, "next state 'z' is not a state"),
        ({"a": {"go": {"a": -0.5, "b": 1.5}}, "b": {"go": {"b": 1}}}, "not in [0, 1]"),
        ({"a": {}}, "state 'a' has no available action"),
    ],
)
def test_bad_mdps_name_the_state_at_fault(table, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        MDP.from_dict(table)


def test_available_actions_and_unavailable_rows():
    mdp = MDP.from_dict({"a": {"go": {"b": 1.0}}, "b": {"stay": {"b": 1.0}}}, actions=["stay", "go"])
    assert mdp.available_actions("a") == ["go"]
    assert mdp.action_mask.tolist() == [[False, True], [True, False]]
    with pytest.raises(KeyError, match="not available"):
        mdp.next_states("a", "stay")


def _two_cell_joint():
    """Both agents move in {L, R}; the joint action 'go_H^go_A' from 'L_H^R_A' is absent."""
    table = {}
    for h in "LR":
        for a in "LR":
            actions = {}
            for mh in ("stay", "go"):
                for ma in ("stay", "go"):
                    if (h, a, mh, ma) == ("L", "R", "go", "go"):
                        continue
                    nh = h if mh == "stay" else ("R" if h == "L" else "L")
                    na = a if ma == "stay" else ("R" if a == "L" else "L")
                    actions[f"{mh}_H^{ma}_A"] = {f"{nh}_H^{na}_A": 1.0}
            table[f"{h}_H^{a}_A"] = actions
    return JointMDP.from_dict(table)


def test_marginalizing_absent_joint_actions_leaves_sub_stochastic_rows():
    joint = _two_cell_joint()
    seed = uniform_random_policy(joint, agent="A")
    mdp_H = marginalize(joint, seed)
    s = mdp_H.states.index("L_H^R_A")
    mass = mdp_H.row_mass[s]
    # H's 'go' loses A's 'go' half of the time: the lost half is the reference's rule.
    assert mass[mdp_H.actions.index("go")] == pytest.approx(0.5)
    assert mass[mdp_H.actions.index("stay")] == pytest.approx(1.0)
    assert not mdp_H.is_stochastic
    assert mdp_H.next_states("L_H^R_A", "go") == {"R_H^R_A": 0.5}


def test_marginalizing_a_deterministic_policy_gives_its_rows():
    joint = _two_cell_joint()
    stay = Policy(joint.states, joint.actions_A, np.tile([1.0, 0.0], (4, 1)), agent="A", name="A stays")
    mdp_H = marginalize(joint, stay)
    assert mdp_H.is_stochastic
    assert mdp_H.next_states("L_H^R_A", "go") == {"R_H^R_A": 1.0}


def test_policy_validation_and_compatibility():
    joint = _two_cell_joint()
    with pytest.raises(ValueError, match="sum to 0.5"):
        Policy(joint.states, joint.actions_A, np.full((4, 2), 0.25), agent="A")
    wrong = Policy(("x_H^y_A",), ("stay",), np.ones((1, 1)), agent="A", name="wrong")
    with pytest.raises(ValueError, match="does not fit"):
        check_policy_compatible(wrong, joint)
    single = MDP.from_dict({"a": {"go": {"b": 1.0}}, "b": {"stay": {"b": 1.0}}}, actions=["stay", "go"])
    bad = Policy(single.states, single.actions, [[1.0, 0.0], [1.0, 0.0]], name="bad")
    with pytest.raises(ValueError, match="state 'a' gives probability to action 'stay'"):
        check_policy_compatible(bad, single)


def test_uniform_random_policy_spreads_over_available_actions():
    single = MDP.from_dict({"a": {"go": {"b": 1.0}}, "b": {"stay": {"b": 1.0}, "go": {"a": 1.0}}})
    assert single.actions == ("go", "stay")
    np.testing.assert_array_equal(uniform_random_policy(single).probabilities, [[1, 0], [0.5, 0.5]])


def test_joint_policy_from_single_uses_the_acting_agents_component():
    single = Policy.from_dict({"L": {"stay": 1.0}, "R": {"go": 0.5, "stay": 0.5}})
    lifted_A = joint_policy_from_single(single, agent="A")
    lifted_H = joint_policy_from_single(single, agent="H")
    assert lifted_A.states == ("L_H^L_A", "L_H^R_A", "R_H^L_A", "R_H^R_A")
    assert lifted_A.to_dict()["L_H^R_A"] == {"stay": 0.5, "go": 0.5}
    assert lifted_H.to_dict()["L_H^R_A"] == {"stay": 1.0}
    assert lifted_A.agent == "A" and lifted_H.agent == "H"
