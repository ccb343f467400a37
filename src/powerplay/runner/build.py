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

What can be computed
--------------------
:func:`build_experiment` also refuses, naming the parameter, an experiment whose numbers
could not be computed or would mean nothing (:func:`check_experiment`):

* **optimal policies over more than 64 actions** -- policies are kept as 64-bit masks
  (:data:`~powerplay.solvers.values.MAX_POLICY_ACTIONS`). They are needed for Agent H on a
  deterministic MDP (solved exactly by policy iteration) and for both agents of
  ``multiagent_with_reward``; a stochastic single-agent MDP has no such limit;
* **rewards too large for double precision**: every reward and every value
  ``R / (1 - γ)`` must stay below :data:`MAX_VALUE_MAGNITUDE` (``1e150``), so that squares
  and sums over samples and states (variances, correlations) cannot overflow. For Pareto
  rewards, "every" means all but a one-in-a-million chance over the run's draws;
* **rewards without a mean**: Pareto with ``alpha <= 1`` (POWER, an average of rewards, has
  no mean either, so its estimate never settles). With ``alpha <= 2`` the variance is
  infinite and a :class:`~powerplay.errors.StatisticsWarning` says that means and standard
  errors are unreliable;
* **a convergence_threshold that certifies nothing**: it bounds the error of every POWER
  sample, and POWER lies within the rewards' range, so it must be at most
  :data:`MAX_RELATIVE_THRESHOLD` (1%) of the reward scale -- the widest
  :attr:`~powerplay.model.rewards.Distribution.spread` of a state's distribution (the width
  of a bounded support, Pareto's ``scale``). ``1e10`` for rewards in ``[0, 1]`` is refused;
  the default ``1e-4`` is 0.01% of that range;
* **allow_all_equal_rewards: False that cannot be honoured** -- distributions whose reward
  functions are always (``bernoulli [0]``) or almost always all-equal
  (:meth:`~powerplay.model.rewards.StateRewardSampler.check_redraws`).

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
import math
import os
import warnings
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..errors import ConfigError, ModelError, ResolveError, StatisticsWarning
from ..model.editing import align_policy
from ..model.generators import generate_mdp, is_generator_spec
from ..model.mdp import JointMDP
from ..model.policies import generated_policy, is_policy_spec
from ..model.policy import check_policy_compatible, marginalize
from ..model.rewards import RewardDistribution, StateRewardSampler, scoped_sampler
from ..solvers.power import Precision, check_precision
from ..solvers.values import MAX_POLICY_ACTIONS, SolverSettings
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

#: Largest magnitude of a reward or a value ``R / (1 - γ)``: squares of numbers this large,
#: summed over many samples and states, stay well inside double precision (1.8e308).
MAX_VALUE_MAGNITUDE = 1e150

#: Smallest reward scale (spread): below it the tolerances scaled by it (1e-9 of the spread
#: for policies) and the rounding of rewards leave double precision's normal range.
MIN_REWARD_SCALE = 1e-280

#: Largest ``convergence_threshold``, as a fraction of the reward scale (see module notes).
MAX_RELATIVE_THRESHOLD = 0.01

#: Chance, over all of a run's reward draws, that a heavy-tailed reward exceeds the bound
#: used for :data:`MAX_VALUE_MAGNITUDE`.
TAIL_CHANCE = 1e-6

_generated: OrderedDict[str, Any] = OrderedDict()


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def environment_label(key: str, value: Any) -> str:
    """How ``sweep.json``'s ``environments`` names one parameter value: ``'{key}={value}'``
    (mappings as canonical JSON)."""
    return f"{key}={_canonical(value) if not isinstance(value, str) else value}"


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
    return _named_policy(value, workdir) or (generated_policy(value, mdp, "A"), GENERATED)


def _named_policy(value: Any, workdir) -> tuple[Any, str] | None:
    """``(Policy, source)`` of a policy name that resolves; None for a spec to generate."""
    if isinstance(value, str):
        try:
            return resolve_policy(value, workdir)
        except ResolveError:
            if not is_policy_spec(value):
                raise
    return None


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


def build_experiment(
    run_config: Mapping[str, Any], workdir: str | os.PathLike | None = None, diagnostic: bool = False
) -> Experiment:
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
        raise ConfigError(
            f"{described!r} is a joint MDP; single-agent experiments need a single-agent MDP "
            "(use joint_mdp_graph with an Agent A policy)",
            mdp_key,
        )
    if kind != "single_agent" and not isinstance(mdp, JointMDP):
        hint = " (add joint: allow, remove or block to the generator spec)" if is_generator_spec(typed[mdp_key]) else ""
        raise ConfigError(f"{described!r} is a single-agent MDP; joint_mdp_graph needs a joint MDP{hint}", mdp_key)
    if isinstance(mdp, JointMDP) and mdp.agents != ("H", "A"):  # the N-agent experiments are not built yet
        raise ConfigError(
            f"{described!r} is a joint MDP of the agents {', '.join(mdp.agents)}; experiments run the two agents "
            "H and A so far",
            mdp_key,
        )

    policy = None
    policy_key = {
        "multiagent_fixed_policy": "policy_graph_agent_A",
        "multiagent_with_reward": "seed_policy_graph_agent_A",
    }.get(kind)
    if policy_key:
        try:
            policy, _ = resolve_environment_policy(typed[policy_key], mdp, workdir)
        except ResolveError as error:
            raise ConfigError(str(error), policy_key) from None
        except ModelError as error:
            raise _spec_error(error, policy_key) from None
        if policy.agent != "A":
            raise ConfigError(
                f"policy {typed[policy_key]!r} is Agent {policy.agent}'s; Agent A's policy is needed", policy_key
            )
        try:
            # Policy files may list states in another order than their MDP's (the reference's do).
            policy = align_policy(policy, mdp)
            check_policy_compatible(policy, mdp)
        except ValueError as error:
            raise ConfigError(str(error), policy_key) from None

    spec: RewardDistributionSpec = typed["reward_distribution"]
    scope = typed.get("reward_scope", "joint_state")
    if scope != "joint_state" and kind == "single_agent":
        raise ConfigError(
            f"{scope!r} needs a joint MDP (each agent's reward is that of its own cell); a single-agent run "
            "rewards its states",
            "reward_scope",
        )
    try:
        distribution = RewardDistribution.from_config(spec.model_dump())
        sampler, _ = scoped_sampler(distribution, mdp.states, scope)
    except ModelError as error:
        where = "reward_scope" if getattr(error, "field", None) == "reward_scope" else "reward_distribution"
        if where == "reward_scope":
            raise ConfigError(str(error), "reward_scope") from None
        raise _spec_error(error, "reward_distribution") from None
    correlation = typed.get("reward_correlation")
    if correlation is not None and correlation < 0:
        try:
            sampler.symmetric_intervals()
        except ValueError as error:
            raise ConfigError(str(error), "reward_correlation") from None

    experiment = Experiment(
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
        settings=solver_settings(typed["convergence_threshold"], sampler.spread()),
        reward_scope=scope,
    )
    check_experiment(experiment, sampler, described)
    return experiment


def solver_settings(convergence_threshold: float, reward_scale: float) -> SolverSettings:
    """Solver settings whose policy and tie tolerances are relative to the reward scale.

    The defaults (:class:`SolverSettings`) suit rewards of scale 1; for rewards in
    ``[0, 1e-9]`` they would tie every action, and for rewards near ``1e149`` rounding noise
    would decide ties. Scaling both by the width of the reward support keeps the same
    relative accuracy, so scaling the rewards scales POWER and nothing else.
    """
    relative = reward_scale if math.isfinite(reward_scale) and reward_scale > 0 else 1.0
    if relative < MIN_REWARD_SCALE:
        raise ConfigError(
            f"rewards spread over only {reward_scale:.3g}: ties and policies are judged to 1e-9 of that spread, "
            "below the range where double precision keeps its relative accuracy; rescale the rewards "
            f"(the spread must be at least {MIN_REWARD_SCALE:g})",
            "reward_distribution",
        )
    defaults = SolverSettings()
    return SolverSettings(
        tolerance=convergence_threshold,
        policy_tolerance=defaults.policy_tolerance * relative,
        tie_tolerance=defaults.tie_tolerance * relative,
    )


def _number_text(x: float) -> str:
    return f"{x:.3g}" if math.isfinite(x) else "infinity"


def _check_policy_width(experiment: Experiment, described: str) -> None:
    mdp, key = experiment.mdp, "mdp_graph" if experiment.kind == "single_agent" else "joint_mdp_graph"
    if experiment.kind == "multiagent_with_reward":
        assert isinstance(mdp, JointMDP)  # Experiment checked that this kind has a joint MDP
        for agent, actions in (("H", mdp.actions_H), ("A", mdp.actions_A)):
            if len(actions) > MAX_POLICY_ACTIONS:
                raise ConfigError(
                    f"Agent {agent} has {len(actions)} actions in {described!r}, but multiagent_with_reward computes both "
                    f"agents' optimal policies, which support at most {MAX_POLICY_ACTIONS} actions",
                    key,
                )
        return
    actions = mdp.actions_H if isinstance(mdp, JointMDP) else mdp.actions
    if len(actions) <= MAX_POLICY_ACTIONS:
        return
    own = mdp
    if isinstance(mdp, JointMDP):
        assert experiment.policy_A is not None  # Experiment checked that a joint MDP comes with A's policy
        own = marginalize(mdp, experiment.policy_A)
    if int(np.diff(own.transitions.indptr).max(initial=0)) <= 1:  # deterministic: solved by policy iteration
        raise ConfigError(
            f"{described!r} has {len(actions)} actions and is deterministic, so POWER is computed from optimal "
            f"policies, which support at most {MAX_POLICY_ACTIONS} actions",
            key,
        )


def check_experiment(
    experiment: Experiment, sampler: StateRewardSampler | None = None, described: str = "the MDP"
) -> None:
    """Refuse an experiment whose numbers could not be computed or would mean nothing.

    See "What can be computed" in the module notes. Called by :func:`build_experiment`.

    Raises
    ------
    ConfigError
        With ``field`` naming the run parameter at fault.

    Warns
    -----
    StatisticsWarning
        For rewards with infinite variance (Pareto ``alpha <= 2``).
    """
    _check_policy_width(experiment, described)
    sampler = sampler or scoped_sampler(experiment.reward_distribution, experiment.states, experiment.reward_scope)[0]
    distributions = {(d.name, d.params): d for d in sampler.per_state}.values()
    for dist in distributions:
        alpha = dist.tail_index
        what = f"{dist.name} {list(dist.params)}"
        if alpha is not None and alpha <= 1:
            raise ConfigError(
                f"{what} has no mean (alpha <= 1), so neither has POWER and its estimate would never settle; "
                "use alpha > 1",
                "reward_distribution",
            )
        if alpha is not None and alpha <= 2:
            warnings.warn(
                StatisticsWarning(
                    f"reward distribution {what} has infinite variance (alpha <= 2): POWER means converge slowly and "
                    "their standard errors are unreliable"
                ),
                stacklevel=2,
            )
    agents = 2 if experiment.kind == "multiagent_with_reward" else 1
    draws = experiment.num_reward_samples * agents
    try:
        sampler.check_redraws(draws)
    except ModelError as error:
        raise ConfigError(str(error), f"reward_distribution.{error.field}") from None
    gamma = max(experiment.discount_rate, experiment.discount_rate_agent_A or 0.0)
    largest = sampler.magnitude(TAIL_CHANCE / (draws * max(len(experiment.states), 1)))
    values = largest / (1.0 - gamma)
    if not values <= MAX_VALUE_MAGNITUDE:
        raise ConfigError(
            f"rewards up to {_number_text(largest)} in magnitude give values R/(1 - γ) up to {_number_text(values)} "
            f"at discount rate {gamma:g}, over the limit of {MAX_VALUE_MAGNITUDE:g} (beyond it variances overflow "
            "double precision); rescale the rewards",
            "reward_distribution",
        )
    threshold, scale = experiment.settings.tolerance, sampler.spread()
    if threshold > MAX_RELATIVE_THRESHOLD * scale:
        raise ConfigError(
            f"must be at most {MAX_RELATIVE_THRESHOLD:.0%} of the reward scale ({MAX_RELATIVE_THRESHOLD:g} x "
            f"{scale:g} = {MAX_RELATIVE_THRESHOLD * scale:g}): it bounds the error of each POWER sample, and POWER "
            f"lies within the rewards' range; got {threshold:g}",
            "convergence_threshold",
        )
    rates = {"discount_rate": experiment.discount_rate}
    if experiment.kind == "multiagent_with_reward":
        rates["discount_rate_agent_A"] = experiment.discount_rate_agent_A or 0.0
    try:
        check_precision(
            Precision.of(experiment.mdp, experiment.policy_A, experiment.kind == "multiagent_with_reward"),
            rates,
            min(d.support[0] for d in distributions),
            max(d.support[1] for d in distributions),
            largest,
            experiment.settings,
            policies=experiment.kind == "multiagent_with_reward",
        )
    except ModelError as error:
        raise ConfigError(str(error), error.field or "discount_rate") from None


def check_environments(
    config: SweepConfig,
    workdir: str | os.PathLike | None = None,
    diagnostic: bool = False,
    check: Callable[[Experiment], None] | None = None,
) -> list[int]:
    """Build every run's :class:`Experiment` once, so bad names, specs, incompatible policies
    and experiments that cannot be computed (:func:`check_experiment`) fail before anything runs.

    ``check(experiment)``, if given, is called for every run too (e.g. the memory check of
    runs computed in this process, :meth:`Experiment.check_memory`).

    Returns
    -------
    list of int
        Each run's :meth:`Experiment.sample_bytes` (with ``diagnostic``), in run order, for
        estimates of the disk space kept samples need.

    Raises
    ------
    ConfigError
        Naming the parameter value at fault (``parameters.x.values[i]``) and the file.
    """
    by_name = {p.name: p for p in config.parameters}
    sizes = []
    for run in config.runs():
        try:
            experiment = build_experiment(run.config, workdir=workdir, diagnostic=diagnostic)
        except ConfigError as error:
            param = (error.field or "").split(".")[0].split("[")[0]
            p = by_name.get(param)
            if p is None:
                raise error.located(None, config.source) from None
            rest = (error.field or "")[len(param) :].lstrip(".")
            raise ConfigError(
                error.detail, p.path(run.positions.get(param, 0)) + (f".{rest}" if rest else ""), config.source
            ) from None
        sizes.append(experiment.sample_bytes())
        if check is not None:
            check(experiment)
    return sizes


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


def environment_labels(run_config: Mapping[str, Any]) -> dict[str, str]:
    """``{parameter: '{param}={value}'}``: the keys of a run's MDP and policies in ``sweep.json``'s ``environments``."""
    return {key: environment_label(key, run_config[key]) for key in ENVIRONMENT_KEYS if key in run_config}


def environment_fingerprints(runs, workdir: str | os.PathLike | None = None) -> dict[str, dict[str, str]]:
    """``{'{param}={value}': {'source': ..., 'sha256': ...}}`` for every MDP and policy the runs use.

    The hash is of the contents (:func:`powerplay.runner.resolve.content_hash`), so a sweep
    resumed after a file changed can refuse to mix two environments.
    """
    out: dict[str, dict[str, str]] = {}
    for run in runs:
        labels = environment_labels(run.config)
        if all(label in out for label in labels.values()):
            continue
        for key, (obj, source) in _environments(run.config, workdir).items():
            if labels[key] not in out:  # (hashing a big MDP takes a second: once per environment)
                out[labels[key]] = {"source": source, "sha256": content_hash(obj)}
    return out


def environment_sources(run_config: Mapping[str, Any], workdir: str | os.PathLike | None = None) -> dict[str, str]:
    """``{parameter: 'builtin', 'generated' or file path}`` for the MDP and policy a run config names.

    Generated policies are not built again just to say they are generated.
    """
    sources = {key: resolve_environment_mdp(run_config[key], workdir)[1] for key in MDP_KEYS if key in run_config}
    for key in POLICY_KEYS:
        if key in run_config:
            named = _named_policy(run_config[key], workdir)
            sources[key] = named[1] if named else GENERATED
    return sources


__all__ = [
    "ENVIRONMENT_KEYS",
    "GENERATED",
    "MAX_RELATIVE_THRESHOLD",
    "MAX_VALUE_MAGNITUDE",
    "build_experiment",
    "check_environments",
    "check_experiment",
    "environment_fingerprints",
    "environment_label",
    "environment_labels",
    "environment_sources",
    "resolve_environment_mdp",
    "resolve_environment_policy",
]
