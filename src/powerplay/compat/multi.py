"""The reference's ``multi`` module: joint (two-agent) MDPs from single-agent ones.

Examples
--------
>>> from powerplay.compat import base
>>> joint = create_joint_multiagent_graph(base.construct_single_agent_gridworld_mdp(1, 2))
>>> joint.states
('(0, 0)_H^(0, 0)_A', '(0, 0)_H^(0, 1)_A', '(0, 1)_H^(0, 0)_A', '(0, 1)_H^(0, 1)_A')
>>> remove_states_with_overlapping_agents(joint).states
('(0, 0)_H^(0, 1)_A', '(0, 1)_H^(0, 0)_A')

Policies on joint states lose those states too, so a lifted single-agent policy fits the
no-overlap joint MDP:

>>> lifted = base.single_agent_to_multiagent_policy(base.construct_policy_from_mdp(base.construct_single_agent_gridworld_mdp(1, 2)))
>>> remove_states_with_overlapping_agents(lifted).name
'uniform random on single-agent gridworld (lifted to agent A) (no overlap)'
"""

from __future__ import annotations

from ..model import editing
from ._common import as_object, as_single_agent_mdp


def remove_states_with_overlapping_agents(mdp_graph):
    """Delete the joint states where both agents share a cell, and every joint action leading into one.

    Also takes a policy graph on joint states: the policy on the remaining states.
    """
    return editing.remove_states_with_overlapping_agents(as_object(mdp_graph))


def create_joint_multiagent_graph(mdp_graph):
    """The joint MDP of two agents moving independently in a single-agent MDP.

    A policy is not accepted (it would need a joint action distribution); use
    :func:`powerplay.compat.policy.single_agent_to_multiagent_policy_graph`.
    """
    return editing.create_joint_multiagent_graph(as_single_agent_mdp(mdp_graph))


__all__ = ["create_joint_multiagent_graph", "remove_states_with_overlapping_agents"]
