"""Programmatic edits of MDPs, joint MDPs and policies, each returning a new, checked object.

Our objects are immutable; every function here builds a new one and validates it, so an edit
either gives a valid object or raises ``ValueError`` naming the state (and action) at fault:

* closure -- every next state is a state of the MDP;
* probabilities -- each available action's next-state probabilities are in [0, 1] and sum
  to one; a policy's action probabilities likewise;
* a policy only uses actions that are available in its MDP (when the MDP is given).

The names follow the reference tool's ``mdp``, ``multi`` and ``policy`` modules
(:mod:`powerplay.compat` maps its graph-based API onto these).

Examples
--------
>>> from powerplay.model.gridworld import gridworld
>>> grid = gridworld(1, 3)
>>> no_stay = update_state_action(grid, '(0, 2)', {'left': {'(0, 1)': 1.0}})
>>> no_stay.available_actions('(0, 2)')
['left']
>>> update_state_action(grid, '(0, 2)', {'left': {'(0, 7)': 1.0}})
Traceback (most recent call last):
...
powerplay.errors.ModelError: state '(0, 2)', action 'left': next state '(0, 7)' is not a state of the MDP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar, cast

import numpy as np
from scipy import sparse

from ..errors import ModelError, WrongKindError
from .gridworld import OverlapRule, gridworld_from_cells, joint_gridworld
from .labels import DEFAULT_AGENTS, cells_of, check_agent_names, example_joint_label, split_joint_label
from .mdp import MDP, PROBABILITY_TOLERANCE, JointMDP
from .policy import AnyMDP, Policy, acting_action_mask, check_policy_compatible, joint_policy_from_single

ActionDict = Mapping[str, Mapping[str, float]]

#: An object that state removal gives back of the same kind.
_Editable = TypeVar("_Editable", bound=MDP | JointMDP | Policy)


def _with_rows(mdp: AnyMDP, rows: Mapping[str, Mapping[str, Mapping[str, float]]], states: Sequence[str]) -> AnyMDP:
    """Rebuild ``mdp`` with the transition table ``rows`` over ``states`` (validated)."""
    if isinstance(mdp, JointMDP):
        split_actions = []
        for row in rows.values():
            for action in row:
                parts = split_joint_label(action, mdp.agents)
                if parts is None:
                    raise ModelError(f"action {action!r} is not a joint action {example_joint_label(mdp.agents)!r}")
                split_actions.append(parts)
        actions_by_agent = [
            tuple(dict.fromkeys([*own, *(parts[i] for parts in split_actions)]))
            for i, own in enumerate(mdp.actions_by_agent)
        ]
        return JointMDP.from_dict(
            rows, states=states, agents=mdp.agents, actions_by_agent=actions_by_agent, name=mdp.name
        )
    actions = tuple(dict.fromkeys([*mdp.actions, *(a for row in rows.values() for a in row)]))
    return MDP.from_dict(rows, states=states, actions=actions, name=mdp.name)


def _check_action_dict(state: str, action_dict: ActionDict) -> dict[str, dict[str, float]]:
    if not isinstance(action_dict, Mapping) or not action_dict:
        raise ModelError(f"state {state!r}: give at least one action as {{action: {{next_state: probability}}}}")
    out = {}
    for action, outcomes in action_dict.items():
        if not isinstance(outcomes, Mapping) or not outcomes:
            raise ModelError(f"state {state!r}, action {action!r}: give next states as {{next_state: probability}}")
        out[str(action)] = {str(n): float(p) for n, p in outcomes.items()}
    return out


def add_state_action(mdp: AnyMDP, state_to_add: str, action_dict: ActionDict) -> AnyMDP:
    """Add a new state with its actions ``{action: {next_state: probability}}``.

    Next states must already exist or be ``state_to_add`` itself (use :func:`add_states` to
    add several states that lead to each other). New action labels extend the action list.

    Raises
    ------
    ValueError
        If the state exists, or naming the state/action with a missing next state or bad
        probabilities.
    """
    return add_states(mdp, {state_to_add: action_dict})


def add_states(mdp: AnyMDP, new_states: Mapping[str, ActionDict]) -> AnyMDP:
    """Add several states at once: ``{state: {action: {next_state: probability}}}``.

    Examples
    --------
    >>> from powerplay.model.gridworld import gridworld
    >>> bigger = add_states(gridworld(1, 1), {'a': {'go': {'b': 1.0}}, 'b': {'go': {'a': 1.0}}})
    >>> bigger.states
    ('(0, 0)', 'a', 'b')
    """
    existing = mdp.to_dict()
    for state in new_states:
        if state in existing:
            raise ModelError(f"state {state!r} already exists; use update_state_action to change it")
    rows = dict(existing)
    rows.update({str(s): _check_action_dict(str(s), d) for s, d in new_states.items()})
    return _with_rows(mdp, rows, [*mdp.states, *map(str, new_states)])


def update_state_action(mdp: AnyMDP, state_to_update: str, new_action_dict: ActionDict) -> AnyMDP:
    """Replace all of a state's actions with ``{action: {next_state: probability}}``.

    Actions not in ``new_action_dict`` become unavailable in that state (the reference
    tool's semantics).

    Raises
    ------
    ValueError
        If the state does not exist, or naming the action with a missing next state or bad
        probabilities.
    """
    rows = mdp.to_dict()
    if state_to_update not in rows:
        raise ModelError(f"state {state_to_update!r} is not a state of MDP {mdp.name!r}")
    rows[state_to_update] = _check_action_dict(state_to_update, new_action_dict)
    return _with_rows(mdp, rows, mdp.states)


def remove_states(mdp: _Editable, states_to_remove: Sequence[str]) -> _Editable:
    """Delete states, and every action (of the remaining states) that could lead into one.

    This is the no-overlap rule's construction: probability can never flow into a deleted
    state, so each remaining action is either kept whole or removed. A policy simply loses
    the states (its other states keep their probabilities).

    Parameters
    ----------
    mdp : MDP, JointMDP or Policy
    states_to_remove : sequence of str

    Returns
    -------
    MDP, JointMDP or Policy
        Of the same kind and name, the remaining states in their order.

    Raises
    ------
    ModelError
        If a state does not exist, or if a remaining state is left without actions.
    WrongKindError
        For anything but an MDP, joint MDP or policy.

    Examples
    --------
    >>> from powerplay.model.gridworld import gridworld
    >>> smaller = remove_states(gridworld(1, 3), ['(0, 2)'])
    >>> smaller.states, smaller.available_actions('(0, 1)')
    (('(0, 0)', '(0, 1)'), ['left', 'stay'])
    """
    return cast(_Editable, _remove_states(mdp, states_to_remove, mdp.name))  # of the same kind


def _remove_states(mdp: AnyMDP | Policy, states_to_remove: Sequence[str], name: str) -> AnyMDP | Policy:
    if not isinstance(mdp, (MDP, JointMDP, Policy)):
        raise WrongKindError(f"expected an MDP, JointMDP or Policy, got {type(mdp).__name__}")
    position = {state: i for i, state in enumerate(mdp.states)}
    doomed = np.zeros(len(mdp.states), dtype=bool)
    for state in states_to_remove:
        if state not in position:
            what = "policy" if isinstance(mdp, Policy) else "MDP"
            raise ModelError(f"state {state!r} is not a state of {what} {mdp.name!r}")
        doomed[position[state]] = True
    keep = ~doomed
    states = tuple(s for s, kept in zip(mdp.states, keep) if kept)
    if isinstance(mdp, Policy):
        return Policy(states, mdp.actions, mdp.probabilities[keep], agent=mdp.agent, name=name)

    transitions = mdp.transitions
    width = transitions.shape[0] // len(mdp.states)  # rows per state
    entry_row = np.repeat(np.arange(transitions.shape[0]), np.diff(transitions.indptr))
    into_doomed = np.zeros(transitions.shape[0], dtype=bool)
    into_doomed[entry_row[doomed[transitions.indices]]] = True
    flat_mask = mdp.action_mask.reshape(-1) & ~into_doomed
    kept_rows = np.repeat(keep, width)
    mask = flat_mask[kept_rows].reshape((len(states),) + mdp.action_mask.shape[1:])
    stuck = np.flatnonzero(~mask.reshape(len(states), -1).any(axis=1))
    if stuck.size:
        gone = [s for s, d in zip(mdp.states, doomed) if d]
        listed = repr(gone) if len(gone) <= 3 else f"{len(gone)} states ({', '.join(map(repr, gone[:3]))}, ...)"
        raise ModelError(f"removing {listed} leaves state {states[stuck[0]]!r} with no actions")
    # Rows of kept states, emptied where they could enter a removed state; kept columns only.
    rows = sparse.diags_array(flat_mask[kept_rows].astype(np.float64)) @ transitions[kept_rows]
    rows = rows.tocsc()[:, keep]
    if isinstance(mdp, JointMDP):
        return JointMDP(states, mdp.agents, mdp.actions_by_agent, rows, mask, name=name)
    return MDP(states, mdp.actions, rows, mask, name=name)


def remove_state_completely(mdp: AnyMDP, state_to_remove: str) -> AnyMDP:
    """Delete one state and every action that could lead into it (see :func:`remove_states`)."""
    return remove_states(mdp, [state_to_remove])


def remove_states_with_overlapping_agents(joint: _Editable, agents: Sequence[str] | None = None) -> _Editable:
    """Delete the joint states where two agents are in the same place (the no-overlap rule).

    Gives the same MDP as ``joint_gridworld(single, agents, interaction='remove')`` when
    applied to ``joint_gridworld(single, agents, interaction='allow')``. Applied to a policy on
    joint states (say, a single-agent policy lifted with
    :func:`single_agent_to_multiagent_policy`), it gives the policy on the remaining states,
    which fits the no-overlap joint MDP.

    Parameters
    ----------
    joint : JointMDP or Policy
        On joint states ``'x_H^y_A'`` (or of more agents).
    agents : sequence of str, optional
        The agents of the joint states: by default a joint MDP's own, else ``('H', 'A')``.

    Returns
    -------
    JointMDP or Policy
        Named ``'{name} (no overlap)'``.

    Raises
    ------
    ModelError
        If a state is not a joint state ``'x_H^y_A'``, or (for an MDP) if a state is left
        without actions.
    WrongKindError
        For anything but an MDP, joint MDP or policy.

    Examples
    --------
    >>> from powerplay.model.gridworld import gridworld, joint_gridworld
    >>> from powerplay.model.policy import uniform_random_policy
    >>> lifted = single_agent_to_multiagent_policy(uniform_random_policy(gridworld(1, 2)))
    >>> remove_states_with_overlapping_agents(lifted).states
    ('(0, 0)_H^(0, 1)_A', '(0, 1)_H^(0, 0)_A')
    """
    if not isinstance(joint, (MDP, JointMDP, Policy)):
        raise WrongKindError(f"expected a joint MDP or a policy on joint states, got {type(joint).__name__}")
    if agents is None:
        agents = joint.agents if isinstance(joint, JointMDP) else DEFAULT_AGENTS
    agents = check_agent_names(agents)
    overlapping = []
    for state in joint.states:
        parts = split_joint_label(state, agents)
        if parts is None:
            raise ModelError(f"state {state!r} is not a joint state {example_joint_label(agents, 'xyz')!r}")
        if len(set(parts)) < len(parts):
            overlapping.append(state)
    renamed = overlapping and not joint.name.endswith("(no overlap)")
    name = f"{joint.name} (no overlap)".strip() if renamed else joint.name
    return cast(_Editable, _remove_states(joint, overlapping, name))  # of the same kind


def create_joint_multiagent_graph(single: MDP, overlap: OverlapRule = "allow") -> JointMDP:
    """The joint two-agent MDP in which Agents H and A each move in ``single``.

    The agents move independently (the reference's construction); ``overlap`` as in
    :func:`powerplay.model.gridworld.joint_gridworld`.

    Raises
    ------
    TypeError
        For a policy (use :func:`single_agent_to_multiagent_policy`) or a joint MDP.
    """
    if not isinstance(single, MDP):
        hint = " (use single_agent_to_multiagent_policy for policies)" if isinstance(single, Policy) else ""
        raise WrongKindError(
            f"create_joint_multiagent_graph needs a single-agent MDP, got {type(single).__name__}{hint}"
        )
    return joint_gridworld(single, overlap=overlap)


def generate_noised_gridworlds(
    gridworld_mdp: MDP,
    noise_level_list: Sequence[float] = (),
    noise_bias_list: Sequence[Mapping[str, float]] | None = None,
) -> list[MDP]:
    """Copies of a gridworld's layout with different stochastic noise (one per level).

    Parameters
    ----------
    gridworld_mdp : MDP
        A gridworld: only its cells are used (its transitions are rebuilt).
    noise_level_list : list of float
        ``stochastic_noise_level`` of each copy.
    noise_bias_list : list of dict, optional
        ``noise_bias`` of each copy (same length as ``noise_level_list``).

    Examples
    --------
    >>> from powerplay.model.gridworld import gridworld
    >>> calm, noisy = generate_noised_gridworlds(gridworld(1, 2), [0.0, 0.5])
    >>> noisy.next_states('(0, 0)', 'right')
    {'(0, 0)': 0.25, '(0, 1)': 0.75}
    """
    coords = cells_of(gridworld_mdp.states)
    if coords is None:
        raise ModelError(f"MDP {gridworld_mdp.name!r} is not a gridworld: its states are not all '(row, col)' cells")
    open_cells = np.zeros((max(r for r, _ in coords) + 1, max(c for _, c in coords) + 1), dtype=bool)
    for r, c in coords:
        open_cells[r, c] = True
    biases = list(noise_bias_list) if noise_bias_list is not None else [None] * len(noise_level_list)
    if len(biases) != len(noise_level_list):
        raise ModelError(f"noise_bias_list has {len(biases)} entries for {len(noise_level_list)} noise levels")
    return [
        gridworld_from_cells(open_cells, level, bias, name=f"{gridworld_mdp.name} (noise {level})".strip())
        for level, bias in zip(noise_level_list, biases)
    ]


def update_state_actions(
    policy: Policy,
    state: str,
    new_policy_actions: Mapping[str, float],
    mdp: AnyMDP | None = None,
) -> Policy:
    """A policy with one state's action distribution replaced by ``{action: probability}``.

    Actions left out get probability zero.

    Parameters
    ----------
    policy : Policy
    state : str
    new_policy_actions : dict
    mdp : MDP or JointMDP, optional
        If given, every action with positive probability must be available in ``state``.

    Raises
    ------
    ValueError
        Naming the state and action: unknown state or action, probabilities negative or not
        summing to one, an action unavailable in ``mdp``.
    """
    if state not in policy.states:
        raise ModelError(f"state {state!r} is not a state of policy {policy.name!r}")
    if not new_policy_actions:
        raise ModelError(f"state {state!r}: give at least one action as {{action: probability}}")
    available = None
    if mdp is not None:
        actions, mask = acting_action_mask(mdp, policy.agent)
        row = mask[mdp.state_index(state)]
        available = {a for a, ok in zip(actions, row) if ok}
    for action, p in new_policy_actions.items():
        if action not in policy.actions:
            raise ModelError(f"state {state!r}: action {action!r} is not one of {list(policy.actions)}")
        if not np.isfinite(p) or p < 0:
            raise ModelError(f"state {state!r}, action {action!r}: probability {p!r} must be non-negative")
        if available is not None and p > 0 and action not in available:
            raise ModelError(
                f"state {state!r}: action {action!r} is not available there (available: {sorted(available)})"
            )
    total = float(sum(new_policy_actions.values()))
    if abs(total - 1.0) > PROBABILITY_TOLERANCE:
        raise ModelError(f"state {state!r}: action probabilities sum to {total:.12g}, not 1")
    return policy.with_probabilities(state, new_policy_actions)


def single_agent_to_multiagent_policy(
    single_agent_policy: Policy,
    acting_agent_is_H: bool = False,
    joint: JointMDP | None = None,
    fallback: str | Sequence[str] | None = None,
) -> Policy:
    """Lift a single-agent policy to joint states: each agent acts on its own position.

    With ``acting_agent_is_H=False`` (the default) the result is Agent A's policy: in joint
    state ``'x_H^y_A'`` it does what the single-agent policy does in ``y``.

    Parameters
    ----------
    single_agent_policy : Policy
    acting_agent_is_H : bool
        Lift to Agent H's policy instead of Agent A's.
    joint : JointMDP, optional
        The joint MDP the policy is for -- with any overlap rule. The result then has its
        states and actions and only uses actions the agent can take in each joint state
        (probability on a forbidden action is shared among the available ones in proportion;
        see :func:`powerplay.model.policy.joint_policy_from_single`). By default: every
        ordered pair of single-agent states (then :func:`align_policy` or
        :func:`remove_states_with_overlapping_agents` fits it to a joint MDP).
    fallback : str or list of str, optional
        With ``joint``: what to do where none of the policy's actions is available (an
        action, a list of actions, or ``'uniform_random'``); by default an error.

    Returns
    -------
    Policy
        Named ``'{name} (lifted to agent A)'`` (or H).

    Raises
    ------
    ModelError
        As :func:`powerplay.model.policy.joint_policy_from_single`.

    Examples
    --------
    >>> from powerplay.model.gridworld import gridworld, joint_gridworld
    >>> from powerplay.model.policy import uniform_random_policy
    >>> corridor = gridworld(1, 3, name='corridor')
    >>> lifted = single_agent_to_multiagent_policy(uniform_random_policy(corridor), joint=joint_gridworld(corridor, overlap='remove'))
    >>> lifted.name, len(lifted.states)
    ('uniform random on corridor (lifted to agent A)', 6)
    """
    agent = "H" if acting_agent_is_H else "A"
    return joint_policy_from_single(single_agent_policy, agent=agent, joint=joint, fallback=fallback)


def reorder_states(obj: AnyMDP | Policy, states: Sequence[str]) -> AnyMDP | Policy:
    """The same MDP, joint MDP or policy with its states listed in the order ``states``.

    Raises
    ------
    ValueError
        If ``states`` is not a permutation of ``obj.states``.
    """
    states = tuple(states)
    if sorted(states) != sorted(obj.states) or len(set(states)) != len(states):
        missing = sorted(set(obj.states) - set(states)) or sorted(set(states) - set(obj.states)) or ["(duplicate)"]
        raise ModelError(
            f"the new state order is not a permutation of the states of {obj.name!r} (e.g. {missing[0]!r})"
        )
    position = {s: i for i, s in enumerate(obj.states)}
    perm = np.array([position[s] for s in states], dtype=np.int64)
    if isinstance(obj, Policy):
        return Policy(states, obj.actions, obj.probabilities[perm], agent=obj.agent, name=obj.name)
    width = obj.transitions.shape[0] // obj.num_states
    rows = (perm[:, None] * width + np.arange(width)[None, :]).ravel()
    transitions = obj.transitions[rows][:, perm]
    if isinstance(obj, JointMDP):
        return JointMDP(states, obj.agents, obj.actions_by_agent, transitions, obj.action_mask[perm], name=obj.name)
    return MDP(states, obj.actions, transitions, obj.action_mask[perm], name=obj.name)


def align_policy(policy: Policy, mdp: AnyMDP) -> Policy:
    """Re-index a policy onto an MDP's state order and (acting agent's) action list.

    A policy read from a file may list states in another order, or only the actions it
    takes; this gives the equivalent policy that :func:`~powerplay.model.policy.check_policy_compatible`
    accepts for ``mdp``. A policy may also cover *more* states than ``mdp`` has: it is then
    restricted to ``mdp``'s states (the others can never be visited). So a policy on every
    pair of cells -- a lifted single-agent policy, or a seed policy file written for the
    joint gridworld that allows overlaps -- fits the no-overlap joint MDP too.

    Parameters
    ----------
    policy : Policy
    mdp : MDP or JointMDP

    Returns
    -------
    Policy
        On exactly ``mdp``'s states (in its order) and the acting agent's actions there.

    Raises
    ------
    ModelError
        If a state of ``mdp`` is missing from the policy (naming one), an action with
        positive probability is not an action of the agent in ``mdp``, or is unavailable in
        its state.

    Examples
    --------
    >>> from powerplay.model.gridworld import gridworld, joint_gridworld
    >>> from powerplay.model.policy import uniform_random_policy
    >>> lifted = single_agent_to_multiagent_policy(uniform_random_policy(gridworld(1, 2)))
    >>> len(lifted.states), align_policy(lifted, joint_gridworld(gridworld(1, 2), overlap='remove')).states
    (4, ('(0, 0)_H^(0, 1)_A', '(0, 1)_H^(0, 0)_A'))
    """
    if isinstance(mdp, MDP) and policy.agent != "H":
        raise ModelError(f"policy {policy.name!r} is for agent {policy.agent} but MDP {mdp.name!r} is single-agent")
    position = {state: i for i, state in enumerate(policy.states)}
    missing = next((state for state in mdp.states if state not in position), None)
    if missing is not None:
        raise ModelError(
            f"policy {policy.name!r} does not fit MDP {mdp.name!r}: state {missing!r} of the MDP is missing from the policy"
        )
    rows = policy.probabilities[
        np.fromiter((position[state] for state in mdp.states), dtype=np.int64, count=len(mdp.states))
    ]
    actions, _ = acting_action_mask(mdp, policy.agent)
    column = {a: j for j, a in enumerate(actions)}
    table = np.zeros((len(mdp.states), len(actions)))
    for j, action in enumerate(policy.actions):
        used = rows[:, j]
        if action not in column:
            if np.any(used > 0):
                s = int(np.flatnonzero(used > 0)[0])
                raise ModelError(
                    f"policy {policy.name!r}: state {mdp.states[s]!r} uses action {action!r}, which agent "
                    f"{policy.agent} does not have in MDP {mdp.name!r}"
                )
            continue
        table[:, column[action]] = used
    aligned = Policy(mdp.states, actions, table, agent=policy.agent, name=policy.name)
    check_policy_compatible(aligned, mdp)
    return aligned


__all__ = [
    "add_state_action",
    "add_states",
    "align_policy",
    "create_joint_multiagent_graph",
    "generate_noised_gridworlds",
    "remove_state_completely",
    "remove_states",
    "remove_states_with_overlapping_agents",
    "reorder_states",
    "single_agent_to_multiagent_policy",
    "update_state_action",
    "update_state_actions",
]
