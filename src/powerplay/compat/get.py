"""The reference's ``get`` module: results of finished sweeps in ``./expts/``.

Thin wrappers over :mod:`powerplay.storage.sweeps` (where :func:`~powerplay.storage.sweeps.load_sweep`
gives the full picture). :func:`get_properties_from_run` also returns the run's MDP and
policy as ``transition_graphs``, like the reference.

Examples
--------
>>> get_transition_graphs({'mdp_graph': '3x3_gridworld'})[0].num_states
9
"""

from __future__ import annotations

from ..errors import ModelError

from typing import Any, Mapping

from ..storage import sweeps as _sweeps
from ..storage.sweeps import DEFAULT_FOLDER

#: Which config key names the MDP / the Agent A policy, by experiment type.
_MDP_KEYS = ("mdp_graph", "joint_mdp_graph")
_POLICY_KEYS = ("policy_graph_agent_A", "seed_policy_graph_agent_A")


def get_transition_graphs(run_params: Mapping[str, Any], check_graph_compatibilities: bool = False) -> list:
    """``[mdp]`` or ``[joint_mdp, policy_A]`` named by a run's parameters (resolved like configs).

    The policy is always checked against the MDP and put in its state and action order
    (``check_graph_compatibilities`` is accepted for compatibility).
    """
    from ..model.editing import align_policy
    from ..runner.resolve import resolve_mdp, resolve_policy

    mdp_key = next((k for k in _MDP_KEYS if k in run_params), None)
    if mdp_key is None:
        raise KeyError(f"the run parameters name no MDP (expected one of {', '.join(_MDP_KEYS)})")
    mdp = resolve_mdp(run_params[mdp_key])[0]
    policy_key = next((k for k in _POLICY_KEYS if k in run_params), None)
    if policy_key is None:
        return [mdp]
    return [mdp, align_policy(resolve_policy(run_params[policy_key])[0], mdp)]


def get_properties_from_run(sweep_id, run_suffix="", folder=DEFAULT_FOLDER) -> dict[str, Any]:
    """Every input and output of one run (see :func:`powerplay.storage.sweeps.get_properties_from_run`)
    plus ``transition_graphs`` (the run's MDP, and Agent A's policy in multi-agent runs)."""
    properties = _sweeps.get_properties_from_run(sweep_id, run_suffix=run_suffix, folder=folder)
    properties["transition_graphs"] = get_transition_graphs(properties["run_config"])
    return properties


def get_sweep_run_results(sweep_id, run_suffix="", results_type="inputs", folder=DEFAULT_FOLDER) -> dict[str, Any]:
    """A run's ``'inputs'`` (its resolved parameters, ``run.yaml``) or ``'outputs'`` (reward and POWER samples)."""
    properties = _sweeps.get_properties_from_run(sweep_id, run_suffix=run_suffix, folder=folder)
    if results_type == "inputs":
        return dict(properties["run_config"])
    if results_type == "outputs":
        return {k: v for k, v in properties.items() if k.startswith(("reward_samples", "power_samples"))}
    raise ModelError(f"results_type must be 'inputs' or 'outputs', not {results_type!r}")


def get_sweep_run_suffixes_for_param(sweep_id, param, folder=DEFAULT_FOLDER) -> list[str]:
    """``['{param}__{name}', ...]``, one per value of a swept parameter."""
    return _sweeps.get_sweep_run_suffixes_for_param(sweep_id, param, folder=folder)


def get_sweep_type(sweep_id, folder=DEFAULT_FOLDER) -> str:
    """``'single_agent'``, ``'multiagent_fixed_policy'`` or ``'multiagent_with_reward'``."""
    return _sweeps.get_sweep_type(sweep_id, folder=folder)


def get_sweep_state_list(sweep_id, folder=DEFAULT_FOLDER) -> list[str]:
    """The states of a sweep's runs, in order."""
    return _sweeps.get_sweep_state_list(sweep_id, folder=folder)


__all__ = [
    "get_properties_from_run",
    "get_sweep_run_results",
    "get_sweep_run_suffixes_for_param",
    "get_sweep_state_list",
    "get_sweep_type",
    "get_transition_graphs",
]
