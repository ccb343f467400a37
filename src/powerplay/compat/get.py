"""The reference's ``get`` module: results of finished sweeps in ``./expts/``.

Built on the run-query API of :mod:`powerplay.storage.sweeps` (:func:`~powerplay.storage.sweeps.load_sweep`
gives the full picture). As in the reference, run results come as a dict of arrays; POWER
samples are included only if the run kept them (``--keep-samples``; small runs keep them
automatically) -- otherwise the dict has the per-state means and standard errors, and
asking for samples says how to keep them. Reward samples are always available: they are
drawn again from the run's seed.

Examples
--------
>>> get_transition_graphs({'mdp_graph': '3x3_gridworld'})[0].num_states
9
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ModelError, SamplesNotKeptError, SweepNotFoundError, UnknownLabelError
from ..storage.sweeps import DEFAULT_FOLDER, load_sweep

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
        raise UnknownLabelError(f"the run parameters name no MDP (expected one of {', '.join(_MDP_KEYS)})")
    mdp = resolve_mdp(run_params[mdp_key])[0]
    policy_key = next((k for k in _POLICY_KEYS if k in run_params), None)
    if policy_key is None:
        return [mdp]
    return [mdp, align_policy(resolve_policy(run_params[policy_key])[0], mdp)]


def _run_properties(sweep, run) -> dict[str, Any]:
    properties = dict(run.config)
    properties.update(
        sweep_type=sweep.experiment_type,
        states=list(run.states),
        run_config=dict(run.config),
        run_info=dict(run.info),
        power_means=run.power_mean("H"),
        power_sems=run.power_sem("H"),
    )
    rewards = run.rewards
    properties["reward_samples"] = rewards["H"]
    if "A" in rewards:
        properties["reward_samples_agent_A"] = rewards["A"]
    if "A" in run.power_keys:
        properties["power_means_agent_A"] = run.power_mean("A")
        properties["power_sems_agent_A"] = run.power_sem("A")
    try:
        power = run.power
    except SamplesNotKeptError:
        return properties
    properties["power_samples"] = power["H"]
    if "A" in power:
        properties["power_samples_agent_A"] = power["A"]
    for key in ("H_against_seed", "A_seed"):
        if key in power:
            properties[f"power_samples_{key}"] = power[key]
    return properties


def get_properties_from_run(sweep_id, run_suffix: str = "", folder=DEFAULT_FOLDER) -> dict[str, Any]:
    """Every input and output of one run, with the reference's keys.

    Parameters
    ----------
    sweep_id : str, int or path
    run_suffix : str
        The run's suffix (``''`` when nothing is swept), or enough of its ``param__name``
        parts to identify it.
    folder : path

    Returns
    -------
    dict
        Every parameter of the run (``discount_rate``, ``convergence_threshold``, ...),
        ``sweep_type``, ``states``, ``run_config`` (``run.yaml``), ``run_info`` (``run.json``),
        ``reward_samples`` (Agent H, ``[N, S]``), ``power_means`` and ``power_sems`` (``[S]``),
        ``transition_graphs`` (the run's MDP, and Agent A's policy in multi-agent runs); if
        the run kept its samples, ``power_samples`` (``[N, S]``); for
        ``multiagent_with_reward`` also the ``..._agent_A`` versions, and in diagnostic mode
        ``power_samples_H_against_seed`` and ``power_samples_A_seed``.
    """
    sweep = load_sweep(sweep_id, folder)
    run = sweep.run(run_suffix)
    properties = _run_properties(sweep, run)
    properties["transition_graphs"] = _run_graphs(run)
    return properties


def _run_graphs(run) -> list:
    """``[mdp]`` or ``[joint_mdp, policy_A, ...]``: the environment and the given policies of a
    finished run, from its scenario."""
    from ..runner.build import scenario_environment, scenario_policies

    mdp, _ = scenario_environment(run.scenario)
    return [mdp, *scenario_policies(run.scenario, mdp).values()]


def get_sweep_run_results(sweep_id, run_suffix="", results_type="inputs", folder=DEFAULT_FOLDER) -> dict[str, Any]:
    """A run's ``'inputs'`` (its resolved parameters, ``run.yaml``) or ``'outputs'`` (reward and POWER samples)."""
    sweep = load_sweep(sweep_id, folder)
    run = sweep.run(run_suffix)
    if results_type == "inputs":
        return dict(run.config)  # no need to draw every reward sample again for the config
    if results_type == "outputs":
        properties = _run_properties(sweep, run)
        return {
            k: v
            for k, v in properties.items()
            if k.startswith(("reward_samples", "power_samples", "power_means", "power_sems"))
        }
    raise ModelError(f"results_type must be 'inputs' or 'outputs', not {results_type!r}")


def get_sweep_run_suffixes_for_param(sweep_id, param_name: str, folder=DEFAULT_FOLDER) -> list[str]:
    """``['{param_name}__{name}', ...]`` for each value of a swept parameter, in file order.

    With one swept parameter these are the run suffixes; with several they are partial
    suffixes, which :func:`get_properties_from_run` accepts together with the others'.

    Raises
    ------
    SweepNotFoundError
        If ``param_name`` is not swept (listing the swept parameters).
    """
    sweep = load_sweep(sweep_id, folder)
    sweep.check_swept([param_name])
    return [f"{param_name}__{name}" for _, name in sweep.swept[param_name]]


def get_sweep_type(sweep_id, folder=DEFAULT_FOLDER) -> str | None:
    """``'single_agent'``, ``'multiagent_fixed_policy'`` or ``'multiagent_with_reward'`` (``None`` if not recorded)."""
    return load_sweep(sweep_id, folder).experiment_type


def get_sweep_state_list(sweep_id, folder=DEFAULT_FOLDER) -> list[str]:
    """The states of a sweep, in canonical order (the same for every run).

    Raises
    ------
    SweepNotFoundError
        If the sweep has no finished run, or its runs have different state lists.
    """
    sweep = load_sweep(sweep_id, folder)
    lists = {run.states for run in sweep.runs}
    if not lists:
        raise SweepNotFoundError(f"sweep {sweep.path.name} has no finished run")
    if len(lists) > 1:
        raise SweepNotFoundError(f"runs of sweep {sweep.path.name} have different state lists")
    return list(lists.pop())


__all__ = [
    "get_properties_from_run",
    "get_sweep_run_results",
    "get_sweep_run_suffixes_for_param",
    "get_sweep_state_list",
    "get_sweep_type",
    "get_transition_graphs",
]
