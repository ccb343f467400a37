"""The reference's ``graph`` module: queries on MDPs and policies, and dense tensors.

Differences from the reference (see ``docs/compat.md``):

* inputs may be our objects or reference-schema ``networkx`` graphs;
* the "canonical order" of states and actions is the object's own order (the reference
  sorted labels as strings); every function here uses that one order consistently;
* tensors are dense ``numpy`` arrays (the reference used ``torch``). They are dense like the
  reference's, so large joint MDPs make large tensors; our objects keep sparse
  ``transitions`` for real work.

Examples
--------
>>> from powerplay.compat import base
>>> grid = base.construct_single_agent_gridworld_mdp(1, 2)
>>> get_states_from_graph(grid), get_available_actions_from_graph_state(grid, '(0, 0)')
(['(0, 0)', '(0, 1)'], ['right', 'stay'])
>>> graph_to_full_transition_tensor(grid).shape
(2, 5, 2)
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..errors import WrongKindError
from ..model.labels import is_joint_label, joint_label
from ..model.mdp import JointMDP
from ..model.policy import Policy, marginalize_to_mdp
from ._common import as_joint_mdp, as_mdp, as_object, as_policy


def is_graph_multiagent(input_graph) -> bool:
    """Whether every state of the MDP or policy is a joint state ``'x_H^y_A'``."""
    return all(map(is_joint_label, as_object(input_graph).states))


def get_states_from_graph(input_graph) -> list[str]:
    """The states of an MDP or policy, in its canonical order."""
    return list(as_object(input_graph).states)


def get_actions_from_graph(input_graph) -> list[str]:
    """The actions of an MDP or policy (joint actions ``'u_H^v_A'`` for a joint MDP).

    For a single-agent MDP or a policy this is the action axis of the tensors below. For a
    joint MDP it lists the joint actions available in some state (H-major order).
    """
    obj = as_object(input_graph)
    if isinstance(obj, JointMDP):
        used = np.asarray(obj.action_mask.any(axis=0))
        return [
            joint_label(h, a) for i, h in enumerate(obj.actions_H) for j, a in enumerate(obj.actions_A) if used[i, j]
        ]
    return list(obj.actions)


def get_single_agent_actions_from_joint_mdp_graph(input_graph) -> list[list[str]]:
    """``[actions of Agent H, actions of Agent A]`` of a joint MDP."""
    mdp = as_mdp(input_graph)
    if not isinstance(mdp, JointMDP):
        raise WrongKindError(f"MDP {mdp.name!r} is not a joint MDP")
    return [list(mdp.actions_H), list(mdp.actions_A)]


def get_available_actions_from_graph_state(input_graph, state: str) -> list[str]:
    """The actions available in ``state`` (for a policy: those it takes with positive probability)."""
    obj = as_object(input_graph)
    if isinstance(obj, Policy):
        if state not in obj.states:
            raise KeyError(f"unknown state {state!r}")
        return list(obj.to_dict()[state])
    return obj.available_actions(state)


def get_available_states_and_probabilities_from_mdp_graph_state_and_action(
    input_mdp_graph, state: str, action: str
) -> dict[str, float]:
    """``{next_state: probability}`` of an available action in a state."""
    return as_mdp(input_mdp_graph).next_states(state, action)


def graph_to_full_transition_tensor(mdp_graph) -> np.ndarray:
    """Dense ``[S, A, S']`` transition tensor of a single-agent MDP (zeros where unavailable)."""
    mdp = as_mdp(mdp_graph)
    if isinstance(mdp, JointMDP):
        raise WrongKindError(f"{mdp.name!r} is a joint MDP: use graph_to_joint_transition_tensor")
    return mdp.transitions.toarray().reshape(mdp.num_states, mdp.num_actions, mdp.num_states)


def graph_to_joint_transition_tensor(mdp_graph) -> np.ndarray:
    """Dense ``[S, A_H, A_A, S']`` transition tensor of a joint MDP."""
    mdp = as_mdp(mdp_graph)
    if not isinstance(mdp, JointMDP):
        raise WrongKindError(f"{mdp.name!r} is not a joint MDP: use graph_to_full_transition_tensor")
    S = mdp.num_states
    return mdp.transitions.toarray().reshape(S, len(mdp.actions_H), len(mdp.actions_A), S)


def graph_to_policy_tensor(policy_graph) -> np.ndarray:
    """``[S, A]`` action probabilities of a policy."""
    return np.array(as_policy(policy_graph).probabilities)


def any_graphs_to_full_transition_tensor(*transition_graphs, acting_agent_is_H: bool = True) -> np.ndarray:
    """``[S, A, S']`` transitions of the acting agent.

    One single-agent MDP gives its own tensor. ``(joint MDP, policy)`` folds the other
    agent's policy into the joint dynamics (:func:`powerplay.model.policy.marginalize`):
    with ``acting_agent_is_H=True`` the policy is Agent A's and the result is Agent H's MDP.
    """
    if len(transition_graphs) == 1:
        return graph_to_full_transition_tensor(transition_graphs[0])
    if len(transition_graphs) != 2:
        raise WrongKindError("give one single-agent MDP, or a joint MDP and the other agent's policy")
    joint, policy = as_joint_mdp(transition_graphs[0]), as_policy(transition_graphs[1])
    other = "A" if acting_agent_is_H else "H"
    if policy.agent != other:  # the reference's graphs carry no agent: position decides
        policy = replace(policy, agent=other)
    from ..model.editing import align_policy

    folded = marginalize_to_mdp(joint, align_policy(policy, joint))
    return folded.transitions.toarray().reshape(folded.num_states, folded.num_actions, folded.num_states)


__all__ = [
    "any_graphs_to_full_transition_tensor",
    "get_actions_from_graph",
    "get_available_actions_from_graph_state",
    "get_available_states_and_probabilities_from_mdp_graph_state_and_action",
    "get_single_agent_actions_from_joint_mdp_graph",
    "get_states_from_graph",
    "graph_to_full_transition_tensor",
    "graph_to_joint_transition_tensor",
    "graph_to_policy_tensor",
    "is_graph_multiagent",
]
