"""The reference's ``policy`` module: edit policies, convert tensors, inspect optimal policies.

Examples
--------
>>> from powerplay.compat import base
>>> policy = base.construct_policy_from_mdp(base.construct_single_agent_gridworld_mdp(1, 2))
>>> update_state_actions(policy, '(0, 0)', {'stay': 1}).to_dict()['(0, 0)']
{'stay': 1.0}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..errors import ModelError
from ..model import editing
from ..model.policy import Policy, acting_action_mask
from ..scenario import Scenario, scenario_from_config
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


@dataclass(frozen=True)
class _RunProperties:
    """A run as the dict of ``get.get_properties_from_run`` describes it (what inspection reads)."""

    name: str
    config: dict[str, Any]
    states: tuple[str, ...]
    rewards: dict[str, np.ndarray]

    @property
    def scenario(self) -> Scenario:
        return scenario_from_config(self.config)

    @property
    def num_samples(self) -> int:
        return int(next(iter(self.rewards.values())).shape[0])

    def reward_samples(self, start: int, stop: int) -> dict[str, np.ndarray]:
        return {agent: rewards[start:stop] for agent, rewards in self.rewards.items()}


def _as_run(run):
    """A :class:`~powerplay.storage.runs.StoredRun` as is, or the dict of ``get_properties_from_run``."""
    if not isinstance(run, Mapping):
        return run
    try:
        config = dict(run["run_config"])
        rewards = {"H": np.asarray(run["reward_samples"])}
        states = tuple(run["states"])
    except KeyError as error:
        raise ModelError(
            f"run properties lack {error.args[0]!r}; pass a StoredRun or get_properties_from_run's output"
        ) from None
    if "reward_samples_agent_A" in run:
        rewards["A"] = np.asarray(run["reward_samples_agent_A"])
    info = dict(run.get("run_info") or {})
    return _RunProperties(str(info.get("name", "run")), config, states, rewards)


def sample_optimal_policy_data_from_run(run_properties, reward_sample_index=0, workdir=None):
    """Optimal policies (and reward functions) for one reward sample of a finished run.

    ``run_properties`` is the output of ``get.get_properties_from_run`` (or a loaded run).
    Returns a dict with the reference's keys, our objects as values: ``'mdp_graph'``,
    ``'policy_graph_H'``, ``'reward_function_H'`` and, in multi-agent runs,
    ``'policy_graph_A'`` (and ``'seed_policy_graph_A'``, ``'reward_function_A'`` when A
    learns), plus ``'experiment_type'`` and ``'reward_sample_index'``; ``_H`` is the first
    agent's, ``_A`` the second's. See :func:`powerplay.runner.inspection.inspect_sample`.
    """
    from ..runner.inspection import inspect_sample

    found = inspect_sample(_as_run(run_properties), reward_sample_index, workdir)
    agents = found.scenario.agents
    first = agents[0].name
    data: dict[str, Any] = {
        "experiment_type": found.scenario.experiment_type,
        "reward_sample_index": found.reward_sample_index,
        "mdp_graph": found.mdp,
        "reward_function_H": found.rewards[first],
        "policy_graph_H": found.optimal_policies[first],
    }
    if len(agents) > 1:
        second = agents[1]
        if second.learns:
            data["seed_policy_graph_A"] = found.given_policies[second.name]
            data["reward_function_A"] = found.rewards[second.name]
            data["policy_graph_A"] = found.optimal_policies[second.name]
        else:
            data["policy_graph_A"] = found.given_policies[second.name]
    return data


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
