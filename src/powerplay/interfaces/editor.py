"""Text-based, prompt-driven editors for gridworld MDPs and policies (single and joint).

These are the reference tool's ``edit_gridworld_mdp`` and ``edit_gridworld_policy``. They
walk through the states one by one; pressing Enter keeps a state as it is. The end of the
input (Ctrl-D) acts like Enter from there on: the remaining states are kept as they are.

A bad answer -- an unknown action, a move to a cell that is not a state (a wall, off the
grid, a deleted overlapping state), probabilities that are negative or do not sum to one --
is explained and asked again; the object being edited is only ever replaced by a new, fully
checked one, so it cannot be corrupted.

Answers
-------
* Actions: one per prompt, by name (``down``; joint MDPs ``down_H^stay_A``); an empty line
  ends the list. The listed actions *replace* the state's allowed actions.
* Next state of an action: a state label (``(1, 2)``; quotes optional) reached with
  probability 1, or a distribution ``{'(1, 2)': 0.8, '(0, 2)': 0.2}``. Enter keeps the
  current outcome (for an action new to the state: the cell the move leads to, if any).
* Policy: an action name (taken with probability 1) or ``{'down': 0.5, 'stay': 0.5}``.

Both editors read answers from ``input`` and write prompts to ``output`` (default: standard
input and output, looked up when called), so they can be scripted and tested.

Examples
--------
>>> import io
>>> from powerplay.model.gridworld import gridworld
>>> answers = io.StringIO("\\n\\nleft\\n\\n\\n")     # keep (0, 0) and (0, 1); (0, 2): only 'left'
>>> edited = edit_gridworld_mdp(gridworld(1, 3), input=answers, output=io.StringIO())
>>> edited.available_actions('(0, 2)'), edited.next_states('(0, 2)', 'left')
(['left'], {'(0, 1)': 1.0})
"""

from __future__ import annotations

import sys
from typing import TextIO

import numpy as np

from ..errors import FileFormatError, ModelError
from ..io.safe_load import load_yaml
from ..model.editing import (
    align_policy,
    remove_states_with_overlapping_agents,
    update_state_action,
    update_state_actions,
)
from ..model.gridworld import MOVES, OverlapRule, gridworld_from_cells, joint_gridworld
from ..model.labels import cell_coordinates, cell_label, cells_of, joint_label, split_joint_label
from ..model.mdp import MDP, PROBABILITY_TOLERANCE, JointMDP
from ..model.policy import Policy, acting_action_mask


class _Prompter:
    """Asks questions on a text stream; ``None`` once the input is exhausted."""

    def __init__(self, input: TextIO | None, output: TextIO | None):
        self.input = input if input is not None else sys.stdin
        self.output = output if output is not None else sys.stdout
        self.finished = False

    def say(self, text: str = "") -> None:
        self.output.write(text + "\n")
        self.output.flush()

    def ask(self, prompt: str) -> str | None:
        if self.finished:
            return None
        self.output.write(prompt)
        self.output.flush()
        line = self.input.readline()
        if not line:
            self.finished = True
            self.say()
            self.say("(end of input: keeping the remaining states as they are)")
            return None
        return line.strip()


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _quoted(labels) -> str:
    return ", ".join(f"'{label}'" for label in labels)


def _parse_distribution(answer: str, what: str) -> dict[str, float]:
    """``{label: probability}`` from ``{'a': 0.5, 'b': 0.5}`` (YAML/Python dict syntax)."""
    try:  # the bounded reader, as for files: a pasted alias bomb is refused, not expanded
        parsed = load_yaml(answer, "<answer>", max_bytes=64 * 1024)
    except FileFormatError:
        raise ModelError(f"could not read {answer!r} as {{{what}: probability, ...}}") from None
    if not isinstance(parsed, dict) or not parsed:
        raise ModelError(f"could not read {answer!r} as {{{what}: probability, ...}}")
    out = {}
    for key, value in parsed.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ModelError(f"the probability of {key!r} must be a number, not {value!r}")
        if not 0 <= value <= 1:
            raise ModelError(f"the probability of {key!r} must be between 0 and 1, not {value!r}")
        out[str(key)] = float(value)
    total = sum(out.values())
    if abs(total - 1.0) > PROBABILITY_TOLERANCE:
        raise ModelError(f"the probabilities sum to {total:.12g}, not 1")
    return out


def _move_target(state: str, action: str) -> str | None:
    """The cell (or joint cell) a gridworld move leads to, by label arithmetic."""
    pair, joint_action = split_joint_label(state), split_joint_label(action)
    if pair is not None and joint_action is not None:
        target_H, target_A = _move_target(pair[0], joint_action[0]), _move_target(pair[1], joint_action[1])
        return joint_label(target_H, target_A) if target_H is not None and target_A is not None else None
    coords = cell_coordinates(state)
    if coords is None or action not in MOVES:
        return None
    dr, dc = MOVES[action]
    return cell_label(coords[0] + dr, coords[1] + dc)


def _all_actions(mdp: MDP | JointMDP) -> list[str]:
    if isinstance(mdp, JointMDP):
        return [joint_label(h, a) for h in mdp.actions_H for a in mdp.actions_A]
    return list(mdp.actions)


def _has_overlaps(mdp: MDP | JointMDP) -> bool:
    pairs = [split_joint_label(s) for s in mdp.states]
    joint_pairs = [p for p in pairs if p is not None]
    return len(joint_pairs) == len(pairs) and any(h == a for h, a in joint_pairs)


def _ask_yes_no(prompter: _Prompter, question: str) -> bool:
    while True:
        answer = prompter.ask(f"{question} [y/N]: ")
        if answer is None or answer.lower() in ("", "n", "no"):
            return False
        if answer.lower() in ("y", "yes"):
            return True
        prompter.say(f"  Please answer 'y' or 'n' (got {answer!r}).")


def _ask_actions(prompter: _Prompter, mdp, state: str, known: list[str]) -> list[str]:
    chosen: list[str] = []
    current = mdp.available_actions(state)
    while True:
        so_far = f" Chosen so far: {_quoted(chosen)}." if chosen else ""
        answer = prompter.ask(
            f"State '{state}' currently allows actions {_quoted(current)}.{so_far} "
            f"Input new action, one at a time (Enter to {'finish' if chosen else 'skip and keep'}): "
        )
        if not answer:
            return chosen
        action = _unquote(answer)
        if action not in known:
            prompter.say(f"  Unknown action {action!r}; choose from {_quoted(known)}.")
        elif action in chosen:
            prompter.say(f"  Action {action!r} is already chosen.")
        else:
            chosen.append(action)


def _ask_outcome(prompter: _Prompter, mdp, state: str, action: str) -> dict[str, float] | None:
    """The new ``{next_state: p}`` of an action, or ``None`` to drop the state's edit."""
    states = set(mdp.states)
    if action in mdp.available_actions(state):
        default = mdp.next_states(state, action)
        prompter.say(f"Action '{action}' from state '{state}' currently has next-state probabilities {default}.")
    else:
        target = _move_target(state, action)
        default = {target: 1.0} if target in states else None
    keep = f"Enter to keep {default}" if default is not None else "required"
    while True:
        answer = prompter.ask(f"Input new next state for action '{action}' from state '{state}' ({keep}): ")
        if answer is None:
            return default
        if answer == "":
            if default is not None:
                return default
            prompter.say(f"  Action {action!r} is new in state {state!r}: give the state it leads to.")
            continue
        try:
            outcome = _parse_distribution(answer, "next_state") if answer.startswith("{") else {_unquote(answer): 1.0}
        except ValueError as error:
            prompter.say(f"  {error}; try again.")
            continue
        unknown = [s for s in outcome if s not in states]
        if unknown:
            prompter.say(
                f"  {unknown[0]!r} is not a state of this MDP (a wall, off the grid, or a deleted state); try again."
            )
            continue
        return outcome


def edit_gridworld_mdp(
    mdp: MDP | JointMDP,
    *,
    input: TextIO | None = None,
    output: TextIO | None = None,
) -> MDP | JointMDP:
    """Edit a (single or joint) gridworld MDP interactively; returns the edited copy.

    For each state: the allowed actions (Enter keeps them), then each chosen action's next
    state(s). For a joint MDP with overlapping states, first offers to delete them (the
    no-overlap rule, :func:`powerplay.model.editing.remove_states_with_overlapping_agents`).

    Parameters
    ----------
    mdp : MDP or JointMDP
    input, output : text streams, optional
        Where answers are read and prompts written (default: standard input/output).

    Returns
    -------
    MDP or JointMDP
        A new object; ``mdp`` is never modified.
    """
    prompter = _Prompter(input, output)
    prompter.say(
        "For each state, input the actions you want to allow from it, one at a time "
        f"({'joint actions like ' + repr(_all_actions(mdp)[0]) if isinstance(mdp, JointMDP) else 'e.g. ' + repr(_all_actions(mdp)[0])}). "
        "Press Enter to skip a state and keep its actions as they are; Ctrl-D keeps all remaining states."
    )
    prompter.say(
        "For each chosen action, input the state it leads to (probability 1) or a distribution "
        "such as {'(1, 2)': 0.8, '(0, 2)': 0.2}."
    )
    edited = mdp
    if _has_overlaps(mdp) and _ask_yes_no(
        prompter, "Delete the states where both agents occupy the same cell (the no-overlap rule)?"
    ):
        try:
            edited = remove_states_with_overlapping_agents(mdp)
            prompter.say(f"Deleted {mdp.num_states - edited.num_states} overlapping states.")
        except ValueError as error:
            prompter.say(f"  Cannot delete them: {error}. Keeping all states.")
    known = _all_actions(edited)
    for state in edited.states:
        if prompter.finished:
            break
        prompter.say()
        actions = _ask_actions(prompter, edited, state, known)
        if not actions:
            continue
        new_actions = {}
        for action in actions:
            outcome = _ask_outcome(prompter, edited, state, action)
            if outcome is None:
                break
            new_actions[action] = outcome
        if len(new_actions) != len(actions):
            prompter.say(f"  State '{state}' left unchanged.")
            continue
        try:
            edited = update_state_action(edited, state, new_actions)
        except ValueError as error:  # every answer was checked; this is a last line of defence
            prompter.say(f"  Could not apply the edit ({error}); state '{state}' left unchanged.")
    return edited


def _gridworld_of_policy(policy: Policy) -> MDP | JointMDP | None:
    """The plain gridworld (or joint gridworld) a gridworld policy's states describe, if any."""
    pairs = [split_joint_label(s) for s in policy.states]
    joint_pairs = [p for p in pairs if p is not None]
    joint = len(joint_pairs) == len(pairs)
    parts = [part for p in joint_pairs for part in p] if joint else list(policy.states)
    coords = cells_of(parts)
    if coords is None:
        return None
    cells = np.zeros((max(r for r, _ in coords) + 1, max(c for _, c in coords) + 1), dtype=bool)
    for r, c in coords:
        cells[r, c] = True
    single = gridworld_from_cells(cells)
    mdp: MDP | JointMDP
    if joint:
        overlap: OverlapRule = "allow" if any(h == a for h, a in joint_pairs) else "remove"
        mdp = joint_gridworld(single, overlap=overlap)
    else:
        mdp = single
    if set(mdp.states) != set(policy.states):
        return None
    try:
        align_policy(policy, mdp)
    except ValueError:
        return None
    return mdp


def edit_gridworld_policy(
    policy: Policy,
    *,
    mdp: MDP | JointMDP | None = None,
    input: TextIO | None = None,
    output: TextIO | None = None,
) -> Policy:
    """Edit a (single or joint) gridworld policy interactively; returns the edited copy.

    For each state, choose the action the policy takes (probability 1) or give a
    distribution; Enter keeps the state's current distribution.

    Parameters
    ----------
    policy : Policy
    mdp : MDP or JointMDP, optional
        The MDP the policy is for, which says which actions are allowed where. By default a
        gridworld policy's MDP is rebuilt from its states (plain moves; a joint one without
        overlapping states follows the no-overlap rule); pass ``mdp`` if yours differs.
    input, output : text streams, optional
        Where answers are read and prompts written (default: standard input/output).
    """
    prompter = _Prompter(input, output)
    if mdp is not None:
        policy = align_policy(policy, mdp)  # the MDP's state and action order
    reference = mdp if mdp is not None else _gridworld_of_policy(policy)
    if reference is not None:
        actions, mask = acting_action_mask(reference, policy.agent)
        position = {s: i for i, s in enumerate(reference.states)}
    prompter.say(
        f"For each state, input the action you want Agent {policy.agent}'s policy to take there "
        "(it gets probability 1), or a distribution such as {'down': 0.5, 'stay': 0.5}. "
        "Press Enter to keep a state's current action probabilities; Ctrl-D keeps all remaining states."
    )
    edited = policy
    for state in policy.states:
        if prompter.finished:
            break
        if reference is not None:
            allowed = [a for a, ok in zip(actions, mask[position[state]]) if ok]
        else:
            allowed = list(policy.actions)
        current = {a: round(p, 6) for a, p in edited.to_dict()[state].items()}
        while True:
            answer = prompter.ask(
                f"State '{state}': the policy takes {current}. Allowed actions: {_quoted(allowed)}. "
                "Input action (Enter to keep): "
            )
            if not answer:
                break
            try:
                choice = _parse_distribution(answer, "action") if answer.startswith("{") else {_unquote(answer): 1.0}
                bad = [a for a, p in choice.items() if p > 0 and a not in allowed]
                if bad:
                    known = bad[0] in policy.actions
                    raise ModelError(
                        f"action {bad[0]!r} is {'not allowed in this state' if known else 'unknown'}; "
                        f"choose from {_quoted(allowed)}"
                    )
                edited = update_state_actions(edited, state, choice)
            except ValueError as error:
                prompter.say(f"  {error}; try again.")
                continue
            break
    return edited
