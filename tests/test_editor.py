"""The prompt-driven editors, driven by scripted answers: edits apply, bad answers are re-asked."""

import io

import numpy as np
import pytest

from powerplay.interfaces.editor import edit_gridworld_mdp, edit_gridworld_policy
from powerplay.model.editing import update_state_action
from powerplay.model.gridworld import gridworld, joint_gridworld, multiagent_gridworld
from powerplay.model.labels import split_joint_label
from powerplay.model.policy import uniform_random_policy

MAZE_3X4 = [["(0, 0)", "(1, 1)"], ["(0, 3)", "(0, 3)"], ["(2, 3)", "(2, 3)"]]


def run(edit, obj, answers: str, **kwargs):
    output = io.StringIO()
    result = edit(obj, input=io.StringIO(answers), output=output, **kwargs)
    return result, output.getvalue()


@pytest.fixture
def maze():
    return gridworld(3, 4, MAZE_3X4)


def test_delete_stay_from_one_state(maze):
    """The reference README's example: only 'down' remains in (0, 2)."""
    edited, _ = run(edit_gridworld_mdp, maze, "down\n\n\n")
    assert edited.available_actions("(0, 2)") == ["down"]
    assert edited.next_states("(0, 2)", "down") == {"(1, 2)": 1.0}
    assert {s: r for s, r in edited.to_dict().items() if s != "(0, 2)"} == {
        s: r for s, r in maze.to_dict().items() if s != "(0, 2)"
    }
    assert maze.available_actions("(0, 2)") == ["down", "stay"]  # the input is untouched


def test_end_of_input_keeps_everything(maze):
    edited, text = run(edit_gridworld_mdp, maze, "")
    assert edited.to_dict() == maze.to_dict()
    assert "end of input" in text


def test_bad_answers_are_asked_again(maze):
    answers = (
        "\n".join(
            [
                "fly",  # unknown action
                "right",  # (0, 2) cannot move right: a new action
                "",  # done choosing
                "",  # Enter: no default for a move into a wall
                "(0, 3)",  # a deleted cell
                "(5, 5)",  # off the grid
                "{'(1, 2)': 0.5, '(0, 2)': 0.4}",  # does not sum to one
                "{'(1, 2)': 'lots'}",  # not a number
                "{'(1, 2)': 0.5, '(0, 2)': 0.5}",  # fine
            ]
        )
        + "\n"
    )
    edited, text = run(edit_gridworld_mdp, maze, answers)
    assert edited.available_actions("(0, 2)") == ["right"]
    assert edited.next_states("(0, 2)", "right") == {"(1, 2)": 0.5, "(0, 2)": 0.5}
    assert "Unknown action 'fly'" in text
    assert "Action 'right' is new in state '(0, 2)'" in text
    assert "'(0, 3)' is not a state of this MDP" in text and "'(5, 5)' is not a state of this MDP" in text
    assert "the probabilities sum to 0.9, not 1" in text
    assert "must be a number" in text


def test_new_move_defaults_to_its_cell(maze):
    only_stay = update_state_action(maze, "(0, 2)", {"stay": {"(0, 2)": 1.0}})
    # Add 'down' back to (0, 2): Enter accepts the cell the move leads to; keep 'stay' as it is.
    edited, text = run(edit_gridworld_mdp, only_stay, "down\nstay\n\n\n\n")
    assert "Enter to keep {'(1, 2)': 1.0}" in text
    assert edited.to_dict()["(0, 2)"] == {"down": {"(1, 2)": 1.0}, "stay": {"(0, 2)": 1.0}}


def test_joint_mdp_overlaps_and_joint_actions():
    joint = multiagent_gridworld(3, 4, MAZE_3X4)
    first = "(0, 2)_H^(1, 2)_A"
    answers = (
        "\n".join(
            [
                "maybe",  # not y/n
                "y",  # delete the overlapping states
                "left_H^down_A",  # a joint action, new in this state
                "stay_H^stay_A",
                "",  # done choosing
                "(1, 2)_H^(1, 2)_A",  # an overlapping state, deleted a moment ago
                "",  # Enter: H cannot move left here, so there is no default
                "(1, 2)_H^(2, 2)_A",  # fine
                "",  # keep stay_H^stay_A as it is
            ]
        )
        + "\n"
    )
    edited, text = run(edit_gridworld_mdp, joint, answers)
    assert "Please answer 'y' or 'n'" in text
    assert edited.num_states == 30
    assert all(split_joint_label(s)[0] != split_joint_label(s)[1] for s in edited.states)
    assert "'(1, 2)_H^(1, 2)_A' is not a state of this MDP" in text
    assert "Action 'left_H^down_A' is new in state" in text
    assert edited.states[0] == first
    assert edited.to_dict()[first] == {"left_H^down_A": {"(1, 2)_H^(2, 2)_A": 1.0}, "stay_H^stay_A": {first: 1.0}}


def test_joint_mdp_without_deleting_keeps_overlaps():
    joint = multiagent_gridworld(1, 2)
    edited, _ = run(edit_gridworld_mdp, joint, "n\n")
    assert edited.to_dict() == joint.to_dict()


def test_policy_stays_everywhere(maze):
    policy = uniform_random_policy(maze)
    edited, _ = run(edit_gridworld_policy, policy, "stay\n" * maze.num_states)
    assert all(edited.to_dict()[s] == {"stay": 1.0} for s in maze.states)


def test_policy_bad_answers(maze):
    policy = uniform_random_policy(maze)
    answers = (
        "\n".join(
            [
                "up",  # not allowed in (0, 2)
                "fly",  # unknown
                "{'down': 0.5, 'stay': 0.6}",  # sums to 1.1
                "'down'",  # quoted is fine
                "",  # keep (1, 2)
                "{down: 0.25, stay: 0.75}",  # (1, 3) has no 'down'
                "{left: 0.25, stay: 0.75}",
            ]
        )
        + "\n"
    )
    edited, text = run(edit_gridworld_policy, policy, answers)
    assert edited.to_dict()["(0, 2)"] == {"down": 1.0}
    assert edited.to_dict()["(1, 2)"] == policy.to_dict()["(1, 2)"]
    assert edited.to_dict()["(1, 3)"] == {"left": 0.25, "stay": 0.75}
    assert "action 'up' is not allowed in this state" in text
    assert "action 'fly' is unknown" in text
    assert "sum to 1.1, not 1" in text
    assert "action 'down' is not allowed in this state" in text


def test_a_pasted_alias_bomb_is_refused_and_asked_again(maze):
    """Answers go through the bounded YAML reader: 9**7 values from a one-line answer are not built."""
    levels = ["a: &a [" + ",".join(["x"] * 9) + "]"]
    for i, name in enumerate("bcdefg"):
        levels.append(f"{name}: &{name} [" + ",".join([f"*{'abcdefg'[i]}"] * 9) + "]")
    bomb = "{" + ", ".join(levels) + "}"
    policy = uniform_random_policy(maze)
    edited, text = run(edit_gridworld_policy, policy, bomb + "\n" + "{down: 0.5, stay: 0.5}\n")
    assert "over the limit of 64 KiB" in text
    assert edited.to_dict()["(0, 2)"] == {"down": 0.5, "stay": 0.5}


def test_joint_policy_and_custom_mdp(maze):
    joint = joint_gridworld(maze)
    policy = uniform_random_policy(joint, "A")
    edited, _ = run(edit_gridworld_policy, policy, "stay\n")
    assert edited.agent == "A" and edited.to_dict()["(0, 2)_H^(0, 2)_A"] == {"stay": 1.0}
    assert edited.to_dict()["(0, 2)_H^(1, 2)_A"] == policy.to_dict()["(0, 2)_H^(1, 2)_A"]
    # With its own MDP, the editor allows exactly that MDP's actions.
    no_stay = update_state_action(maze, "(0, 2)", {"down": {"(1, 2)": 1.0}})
    edited, text = run(edit_gridworld_policy, uniform_random_policy(no_stay), "stay\ndown\n", mdp=no_stay)
    assert "action 'stay' is not allowed in this state" in text
    assert edited.to_dict()["(0, 2)"] == {"down": 1.0}


def test_policy_end_of_input_keeps_everything(maze):
    policy = uniform_random_policy(maze)
    edited, _ = run(edit_gridworld_policy, policy, "")
    np.testing.assert_array_equal(edited.probabilities, policy.probabilities)


def test_base_editor_reads_standard_input(monkeypatch, maze, capsys):
    from powerplay.compat import base

    monkeypatch.setattr("sys.stdin", io.StringIO("down\n\n"))
    edited = base.edit_gridworld_mdp(maze)
    assert edited.available_actions("(0, 2)") == ["down"]
    assert "State '(0, 2)' currently allows actions 'down', 'stay'" in capsys.readouterr().out
