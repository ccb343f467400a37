"""From a run's resolved config to its :class:`~powerplay.runner.experiment.Experiment`.

A run config (``run.yaml``, or :attr:`RunSpec.config <powerplay.runner.config.RunSpec>`)
names its MDP and Agent A's policy in one of three ways:

* a name: a file path, a file in ``./mdps/`` or ``./policies/``, or a built-in
  (:mod:`powerplay.runner.resolve`);
* an environment generator spec, ``{generator: maze, rows: 7, cols: 7, seed: 3}`` (with
  ``joint: allow | remove | block`` for a joint MDP; :mod:`powerplay.model.generators`);
* a generated-policy spec, ``uniform_random``, ``stay``, ``{deterministic: left}``,
  ``{random_deterministic: {seed: 3}}`` (:mod:`powerplay.model.policies`), built for
  whichever joint MDP the run uses. A policy *name* is looked up first, so a file
  ``policies/stay.yaml`` shadows the generated ``stay``.

:func:`check_environments` builds every run of a sweep once, so that a bad name, spec or
incompatible policy fails before anything runs; :func:`environment_fingerprints` hashes
what each run uses, so a resumed sweep can tell when a file changed.

Examples
--------
>>> exp = build_experiment({'joint_mdp_graph': {'generator': 'maze', 'rows': 2, 'cols': 2, 'seed': 0, 'joint': 'remove'},
...     'seed_policy_graph_agent_A': 'stay', 'discount_rate': 0.5, 'discount_rate_agent_A': 0.5, 'reward_correlation': 0,
...     'reward_distribution': {'default_dist': {'dist_name': 'uniform', 'params': [0, 1]}},
...     'num_reward_samples': 10, 'random_seed': 3})
>>> exp.mdp.name, exp.policy_A.name
('joint maze 2x2 seed 0 (no overlap)', 'agent A stays on joint maze 2x2 seed 0 (no overlap)')
"""

from __future__ import annotations

import json
import os
from collections import OrderedDict
from typing import Any, Mapping

from ..errors import ConfigError, ModelError, ResolveError
from ..model.editing import align_policy
from ..model.generators import generate_mdp, is_generator_spec
from ..model.mdp import JointMDP
from ..model.policies import generated_policy, is_policy_spec
from ..model.policy import check_policy_compatible
from ..model.rewards import RewardDistribution
from ..solvers.values import SolverSettings
from .config import (
    COMMON_OPTIONAL,
    COMMON_REQUIRED,
    RUN_METADATA_KEYS,
    RewardDistributionSpec,
    SweepConfig,
    detect_experiment_type,
    validate_value,
)
from .experiment import Experiment
from .resolve import content_hash, resolve_mdp, resolve_policy

#: Parameters that name an MDP or a policy.
MDP_KEYS = ("mdp_graph", "joint_mdp_graph")
POLICY_KEYS = ("policy_graph_agent_A", "seed_policy_graph_agent_A")
ENVIRONMENT_KEYS = MDP_KEYS + POLICY_KEYS

#: Source recorded for generated environments and policies.
GENERATED = "generated"

#: Generated MDPs kept in memory (a sweep builds each of its runs' MDPs more than once).
GENERATED_CACHE_SIZE = 16

_generated: "OrderedDict[str, Any]" = OrderedDict()


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def resolve_environment_mdp(value: Any, workdir: str | os.PathLike | None = None):
    """``(MDP or JointMDP, source)`` for a config's MDP value (name or generator spec).

    Raises
    ------
    ResolveError, ModelError
        For a name that resolves to nothing, or a bad spec (``field`` names the key).
    """
    if not is_generator_spec(value):
        return resolve_mdp(value, workdir)
    key = _canonical(value)
    if key in _generated:
        _generated.move_to_end(key)
    else:
        _generated[key] = generate_mdp(value)
        while len(_generated) > GENERATED_CACHE_SIZE:
            _generated.popitem(last=False)
    return _generated[key], GENERATED


def resolve_environment_policy(value: Any, mdp, workdir: str | os.PathLike | None = None):
    """``(Policy, source)`` for a config's policy value, built for ``mdp`` if it is a spec.

    A name is looked up first (files, built-ins); a spec name such as ``stay`` that is not a
    file or built-in is generated.
    """
    if isinstance(value, str):
        try:
            return resolve_policy(value, workdir)
        except ResolveError:
            if not is_policy_spec(value):
                raise
    return generated_policy(value, mdp, "A"), GENERATED


def _typed_run_parameters(run_config: Mapping[str, Any]) -> dict[str, Any]:
    typed = {}
    for key, value in run_config.items():
        if key in RUN_METADATA_KEYS:
            continue
        try:
            typed[key] = validate_value(key, value)
        except ConfigError as error:
            raise error.located(key) from None
    return typed


def _spec_error(error: ModelError, key: str) -> ConfigError:
    return ConfigError(str(error), f"{key}.{error.field}" if getattr(error, "field", None) else key)


def build_experiment(run_config: Mapping[str, Any], workdir: str | os.PathLike | None = None,
                     diagnostic: bool = False) -> Experiment:
    """The :class:`Experiment` of one resolved run config (a ``run.yaml`` mapping).

    Parameters
    ----------
    run_config : mapping
        Every parameter with a single plain value, as in :attr:`RunSpec.config` or a run
        folder's ``run.yaml``; metadata keys (:data:`~powerplay.runner.config.RUN_METADATA_KEYS`)
        are ignored.
    workdir : path, optional
        Where ``mdps/`` and ``policies/`` are (default: the current working directory).
    diagnostic : bool
        Compute the diagnostic POWERs (``multiagent_with_reward`` only).

    Returns
    -------
    Experiment

    Raises
    ------
    ConfigError
        With ``field`` naming the run parameter at fault.

    Examples
    --------
    >>> exp = build_experiment({'mdp_graph': '3x3_gridworld', 'discount_rate': 0.5,
    ...     'reward_distribution': {'default_dist': {'dist_name': 'uniform', 'params': [0, 1]}},
    ...     'num_reward_samples': 10, 'random_seed': 3})
    >>> exp.kind, exp.mdp.num_states, exp.settings.tolerance
    ('single_agent', 9, 0.0001)
    """
    typed = _typed_run_parameters(run_config)
    kind = detect_experiment_type(typed)
    for required in COMMON_REQUIRED:
        if required not in typed:
            raise ConfigError(f"missing required parameter {required!r}", "parameters")
    for key, default in COMMON_OPTIONAL.items():
        typed.setdefault(key, default)
    if typed["random_seed"] is None:
        raise ConfigError("a run needs a concrete seed (the sweep draws one for null)", "random_seed")

    mdp_key = "mdp_graph" if kind == "single_agent" else "joint_mdp_graph"
    described = typed[mdp_key] if isinstance(typed[mdp_key], str) else "the generated MDP"
    try:
        mdp, _ = resolve_environment_mdp(typed[mdp_key], workdir)
    except ResolveError as error:
        raise ConfigError(str(error), mdp_key) from None
    except ModelError as error:
        raise _spec_error(error, mdp_key) from None
    if kind == "single_agent" and isinstance(mdp, JointMDP):
        raise ConfigError(f"{described!r} is a joint MDP; single-agent experiments need a single-agent MDP "
                          "(use joint_mdp_graph with an Agent A policy)", mdp_key)
    if kind != "single_agent" and not isinstance(mdp, JointMDP):
        hint = " (add joint: allow, remove or block to the generator spec)" if is_generator_spec(typed[mdp_key]) else ""
        raise ConfigError(f"{described!r} is a single-agent MDP; joint_mdp_graph needs a joint MDP{hint}", mdp_key)

    policy = None
    policy_key = {"multiagent_fixed_policy": "policy_graph_agent_A",
                  "multiagent_with_reward": "seed_policy_graph_agent_A"}.get(kind)
    if policy_key:
        try:
            policy, _ = resolve_environment_policy(typed[policy_key], mdp, workdir)
        except ResolveError as error:
            raise ConfigError(str(error), policy_key) from None
        except ModelError as error:
            raise _spec_error(error, policy_key) from None
        if policy.agent != "A":
            raise ConfigError(f"policy {typed[policy_key]!r} is Agent {policy.agent}'s; Agent A's policy is needed", policy_key)
        try:
            # Policy files may list states in another order than their MDP's (the reference's do).
            policy = align_policy(policy, mdp)
            check_policy_compatible(policy, mdp)
        except ValueError as error:
            raise ConfigError(str(error), policy_key) from None

    spec: RewardDistributionSpec = typed["reward_distribution"]
    try:
        distribution = RewardDistribution.from_config(spec.model_dump())
        sampler = distribution.for_states(mdp.states)
    except ModelError as error:
        field = f"reward_distribution.{error.field}" if getattr(error, "field", None) else "reward_distribution"
        raise ConfigError(str(error), field) from None
    correlation = typed.get("reward_correlation")
    if correlation is not None and correlation < 0:
        try:
            sampler.symmetric_intervals()
        except ValueError as error:
            raise ConfigError(str(error), "reward_correlation") from None

    return Experiment(
        kind=kind,
        mdp=mdp,
        discount_rate=typed["discount_rate"],
        reward_distribution=distribution,
        num_reward_samples=typed["num_reward_samples"],
        random_seed=typed["random_seed"],
        policy_A=policy,
        discount_rate_agent_A=typed.get("discount_rate_agent_A"),
        reward_correlation=correlation,
        diagnostic=bool(diagnostic and kind == "multiagent_with_reward"),
        settings=SolverSettings(tolerance=typed["convergence_threshold"]),
    )


def check_environments(config: SweepConfig, workdir: str | os.PathLike | None = None) -> None:
    """Build every run's :class:`Experiment` once, so bad names, specs and incompatible
    policies fail before anything runs.

    Raises
    ------
    ConfigError
        Naming the parameter value at fault (``parameters.x.values[i]``) and the file.
    """
    by_name = {p.name: p for p in config.parameters}
    for run in config.runs():
        try:
            build_experiment(run.config, workdir=workdir)
        except ConfigError as error:
            param = (error.field or "").split(".")[0].split("[")[0]
            p = by_name.get(param)
            if p is None:
                raise error.located(None, config.source) from None
            rest = (error.field or "")[len(param):].lstrip(".")
            raise ConfigError(error.detail, p.path(run.positions.get(param, 0)) + (f".{rest}" if rest else ""),
                              config.source) from None


def _environments(run_config: Mapping[str, Any], workdir) -> dict[str, tuple[Any, str]]:
    """``{param: (object, source)}`` for the MDP and policy a run config names."""
    out: dict[str, tuple[Any, str]] = {}
    mdp = None
    for key in MDP_KEYS:
        if key in run_config:
            mdp, source = resolve_environment_mdp(run_config[key], workdir)
            out[key] = (mdp, source)
    for key in POLICY_KEYS:
        if key in run_config:
            out[key] = resolve_environment_policy(run_config[key], mdp, workdir)
    return out


def environment_fingerprints(runs, workdir: str | os.PathLike | None = None) -> dict[str, dict[str, str]]:
    """``{'{param}={value}': {'source': ..., 'sha256': ...}}`` for every MDP and policy the runs use.

    The hash is of the contents (:func:`powerplay.runner.resolve.content_hash`), so a sweep
    resumed after a file changed can refuse to mix two environments.
    """
    out: dict[str, dict[str, str]] = {}
    for run in runs:
        labels = {key: f"{key}={_canonical(run.config[key]) if not isinstance(run.config[key], str) else run.config[key]}"
                  for key in ENVIRONMENT_KEYS if key in run.config}
        if all(label in out for label in labels.values()):
            continue
        for key, (obj, source) in _environments(run.config, workdir).items():
            out.setdefault(labels[key], {"source": source, "sha256": content_hash(obj)})
    return out


def environment_sources(run_config: Mapping[str, Any], workdir: str | os.PathLike | None = None) -> dict[str, str]:
    """``{parameter: 'builtin', 'generated' or file path}`` for the MDP and policy a run config names."""
    return {key: source for key, (_, source) in _environments(run_config, workdir).items()}


__all__ = [
    "ENVIRONMENT_KEYS",
    "GENERATED",
    "build_experiment",
    "check_environments",
    "environment_fingerprints",
    "environment_sources",
    "resolve_environment_mdp",
    "resolve_environment_policy",
]
