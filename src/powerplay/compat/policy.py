"""The reference's ``policy`` module: edit policies, convert tensors, inspect optimal policies.

Examples
--------
>>> from powerplay.compat import base
>>> policy = base.construct_policy_from_mdp(base.construct_single_agent_gridworld_mdp(1, 2))
>>> update_state_actions(policy, '(0, 0)', {'stay': 1}).to_dict()['(0, 0)']
{'stay': 1.0}
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..model import editing
from ..model.policy import Policy, acting_action_mask
from ._common import as_mdp, as_policy


def update_state_actions(policy_graph, state, new_policy_actions):
    """Replace one state's action probabilities with ``{action: probability}`` (others get 0)."""
    return editing.update_state_actions(as_policy(policy_graph), state, new_policy_actions)


def single_agent_to_multiagent_policy_graph(single_agent_policy_graph, acting_agent_is_H=False):
    """Lift a single-agent policy to joint states (Agent A's policy unless ``acting_agent_is_H``)."""
    return editing.single_agent_to_multiagent_policy(
        as_policy(single_agent_policy_graph), acting_agent_is_H=acting_agent_is_H
    )


def policy_tensor_to_graph(policy_tensor, associated_mdp_graph, acting_agent_is_H=True):
    """The policy of a ``[S, A]`` probability tensor on an MDP (states and actions in the MDP's order).

    On a joint MDP the columns are the acting agent's actions (``acting_agent_is_H`` picks it).
    """
    mdp = as_mdp(associated_mdp_graph)
    agent = "H" if acting_agent_is_H else "A"
    actions, _ = acting_action_mask(mdp, agent)
    policy = Policy(mdp.states, actions, np.asarray(policy_tensor, dtype=np.float64), agent=agent)
    return editing.align_policy(policy, mdp)


def sample_optimal_policy_data_from_run(run_properties, reward_sample_index=0):
    """Optimal policies (and reward functions) for one reward sample of a finished run.

    ``run_properties`` is the output of ``get.get_properties_from_run`` (or a loaded run).
    Returns a dict with the reference's keys, our objects as values: ``'mdp_graph'``,
    ``'policy_graph_H'``, ``'reward_function_H'`` and, in multi-agent runs,
    ``'policy_graph_A'`` (and ``'seed_policy_graph_A'``, ``'reward_function_A'``). See
    :func:`powerplay.runner.inspection.sample_optimal_policy_data`.
    """
    from ..runner.inspection import sample_optimal_policy_data

    return sample_optimal_policy_data(run_properties, reward_sample_index=reward_sample_index)


def _as_agent(policy: Policy, agent: str, mdp) -> Policy:
    """The reference's graphs carry no agent: the argument position decides whose policy it is."""
    if policy.agent != agent:
        policy = replace(policy, agent=agent)
    return editing.align_policy(policy, mdp)


def simulate_policy_rollout(
    initial_state,
    policy_graph_H,
    mdp_graph_H,
    policy_graph_A=None,
    mdp_graph_A=None,
    number_of_steps=20,
    random_seed=0,
):
    """A sampled rollout (list of states) of Agent H's policy from ``initial_state``.

    On a joint MDP give Agent A's policy too: both agents act at every step (the reference
    let them take turns, listing two states per step); ``mdp_graph_A`` is accepted for
    compatibility, the joint MDP ``mdp_graph_H`` holds both agents' dynamics. A rollout ends
    early if it takes a joint action the MDP lacks (see :mod:`powerplay.runner.inspection`).
    """
    from ..runner.inspection import simulate_policy_rollout as rollout

    mdp = as_mdp(mdp_graph_H)
    policy_H = _as_agent(as_policy(policy_graph_H), "H", mdp)
    policy_A = None if policy_graph_A is None else _as_agent(as_policy(policy_graph_A), "A", mdp)
    return rollout(
        initial_state,
        policy_H,
        mdp,
        number_of_steps=number_of_steps,
        other_policy=policy_A,
        rng=np.random.default_rng(random_seed),
    )


__all__ = [
    "policy_tensor_to_graph",
    "sample_optimal_policy_data_from_run",
    "simulate_policy_rollout",
    "single_agent_to_multiagent_policy_graph",
    "update_state_actions",
]
