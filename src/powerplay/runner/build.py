"""From a run's resolved config to its scenario, and to its :class:`~powerplay.runner.experiment.Experiment`.

:func:`build_scenario` builds the typed :class:`~powerplay.scenario.Scenario` of a run config
once (every value checked by the parameter registry, every rule of its experiment type by the
protocol); :func:`scenario_experiment` resolves what the scenario names -- the environment
(joined from a single-agent ``mdp_graph`` with the ``interaction`` rule when agents are
listed) and every later agent's seed or fixed policy -- into the objects a run computes
with; :func:`build_experiment` does both.

A run config (``run.yaml``, or :attr:`RunSpec.config <powerplay.runner.config.RunSpec>`)
names its MDP and the agents' policies in one of three ways:

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
>>> same = build_experiment({'agents': ['H', 'A'], 'mdp_graph': {'generator': 'maze', 'rows': 2, 'cols': 2, 'seed': 0},
...     'interaction': 'remove', 'seed_policy': 'stay', 'discount_rate': 0.5, 'reward_correlation': 0,
...     'reward_distribution': {'default_dist': {'dist_name': 'uniform', 'params': [0, 1]}},
...     'num_reward_samples': 10, 'random_seed': 3})
>>> same.mdp.states == exp.mdp.states, same.scenario.environment_name
(True, 'maze 2x2 seed 0 (remove)')
"""

from __future__ import annotations

import json
import math
import os
import warnings
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping
from typing import Any

import numpy as np

from ..errors import ConfigError, ModelError, ResolveError, StatisticsWarning
from ..model.editing import align_policy
from ..model.generators import generate_mdp, is_generator_spec
from ..model.gridworld import joint_gridworld
from ..model.mdp import MDP, JointMDP
from ..model.policies import generated_policy, is_policy_spec
from ..model.policy import Policy, check_policy_compatible, marginalize
from ..model.rewards import StateRewardSampler, scoped_sampler
from ..scenario import Scenario, find_parameter, scenario_from_config
from ..scenario.protocols import PAIR
from ..solvers.power import Precision, check_precision
from ..solvers.values import MAX_POLICY_ACTIONS, SolverSettings
from .config import SweepConfig
from .experiment import Experiment
from .resolve import content_hash, resolve_mdp, resolve_policy

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


def resolve_environment_policy(value: Any, mdp, workdir: str | os.PathLike | None = None, agent: str = "A"):
    """``(Policy, source)`` for a config's policy value, built for ``agent`` on ``mdp`` if it is a spec.

    A name is looked up first (files, built-ins); a spec name such as ``stay`` that is not a
    file or built-in is generated.
    """
    return _named_policy(value, workdir) or (generated_policy(value, mdp, agent), GENERATED)


def _named_policy(value: Any, workdir) -> tuple[Any, str] | None:
    """``(Policy, source)`` of a policy name that resolves; None for a spec to generate."""
    if isinstance(value, str):
        try:
            return resolve_policy(value, workdir)
        except ResolveError:
            if not is_policy_spec(value):
                raise
    return None


def _spec_error(error: ModelError, key: str) -> ConfigError:
    return ConfigError(str(error), f"{key}.{error.field}" if getattr(error, "field", None) else key)


def build_scenario(run_config: Mapping[str, Any]) -> Scenario:
    """The :class:`~powerplay.scenario.Scenario` of one resolved run config (a ``run.yaml`` mapping).

    Every value is checked by the parameter registry and every rule of the experiment type by
    its protocol (:func:`~powerplay.scenario.scenario_from_config`); nothing is resolved.

    Raises
    ------
    ConfigError
        With ``field`` naming the run parameter at fault.
    """
    return scenario_from_config(run_config)


def policy_parameter(scenario: Scenario, agent: str, keys: Collection[str] = ()) -> str:
    """The config parameter that gives ``agent``'s seed or fixed policy (for messages): the
    reference's names for Agent A of a two-agent config, else ``seed_policy_agent_X`` if given,
    else ``seed_policy``."""
    if scenario.protocol.joint and not scenario.protocol.others_learn:
        return "policy_graph_agent_A"
    own = f"seed_policy_agent_{agent}"
    if own in keys:
        return own
    if "seed_policy" in keys or "agents" in keys:
        return "seed_policy"
    return "seed_policy_graph_agent_A"


def join_agents(single: MDP, agents: tuple[str, ...], interaction: str) -> JointMDP:
    """The joint gridworld of ``agents`` moving on ``single`` under an interaction rule
    (:func:`~powerplay.model.gridworld.joint_gridworld`; for H and A the published joint MDP)."""
    return joint_gridworld(single, agents=agents, interaction=interaction)


def scenario_environment(scenario: Scenario, workdir: str | os.PathLike | None = None) -> tuple[MDP | JointMDP, str]:
    """``(MDP or JointMDP, described)``: the environment a scenario names, resolved (and joined
    for its agents when it is a single-agent ``mdp_graph`` with an ``interaction`` rule), and
    how messages name it.

    Raises
    ------
    ConfigError
        Naming ``mdp_graph`` or ``joint_mdp_graph`` (or ``agents``).
    """
    key, value = scenario.environment_key, scenario.environment_value
    described = value if isinstance(value, str) else "the generated MDP"
    try:
        found, _ = resolve_environment_mdp(value, workdir)
    except ResolveError as error:
        raise ConfigError(str(error), key) from None
    except ModelError as error:
        raise _spec_error(error, key) from None
    rule = scenario.environment.get("interaction")
    if rule is not None:
        if isinstance(found, JointMDP):
            raise ConfigError(
                f"{described!r} is a joint MDP; with interaction, mdp_graph is the single-agent gridworld every agent "
                "moves on (or give the joint MDP as joint_mdp_graph, without interaction)",
                key,
            )
        cache_key = _canonical([value, rule, scenario.agent_names]) if is_generator_spec(value) else None
        if cache_key is not None and cache_key in _generated:
            _generated.move_to_end(cache_key)
            return _generated[cache_key], described
        try:
            joint = join_agents(found, scenario.agent_names, rule)
        except ModelError as error:
            raise ConfigError(f"interaction: {error}", "interaction") from None
        if cache_key is not None:
            _generated[cache_key] = joint
            while len(_generated) > GENERATED_CACHE_SIZE:
                _generated.popitem(last=False)
        return joint, described
    if not scenario.protocol.joint and isinstance(found, JointMDP):
        raise ConfigError(
            f"{described!r} is a joint MDP; single-agent experiments need a single-agent MDP "
            "(use joint_mdp_graph with an Agent A policy)",
            key,
        )
    if scenario.protocol.joint and not isinstance(found, JointMDP):
        if key == "mdp_graph":
            raise ConfigError(f"{described!r} is a single-agent MDP; agents on it need an interaction rule", key)
        hint = " (add joint: allow, remove or block to the generator spec)" if is_generator_spec(value) else ""
        raise ConfigError(f"{described!r} is a single-agent MDP; joint_mdp_graph needs a joint MDP{hint}", key)
    if isinstance(found, JointMDP) and found.agents != scenario.agent_names:
        hint = f" (list them with agents: [{', '.join(found.agents)}])" if scenario.agent_names == PAIR else ""
        raise ConfigError(
            f"{described!r} is a joint MDP of the agents {', '.join(found.agents)}, but the run's agents are "
            f"{', '.join(scenario.agent_names)}{hint}",
            key,
        )
    return found, described


def scenario_policies(
    scenario: Scenario, mdp: MDP | JointMDP, workdir: str | os.PathLike | None = None, keys: Collection[str] = ()
) -> dict[str, Policy]:
    """Agent -> its seed or fixed policy, for every agent after the first, resolved on ``mdp``.

    ``keys`` are the run config's parameter names (to name the one at fault in messages).

    Raises
    ------
    ConfigError
        Naming the policy parameter at fault.
    """
    policies = {}
    for agent in scenario.agents[1:]:
        key = policy_parameter(scenario, agent.name, keys)
        try:
            policy, _ = resolve_environment_policy(agent.seed_policy, mdp, workdir, agent.name)
        except ResolveError as error:
            raise ConfigError(str(error), key) from None
        except ModelError as error:
            raise _spec_error(error, key) from None
        if policy.agent != agent.name:
            raise ConfigError(
                f"policy {agent.seed_policy!r} is Agent {policy.agent}'s; Agent {agent.name}'s policy is needed", key
            )
        try:
            # Policy files may list states in another order than their MDP's (the reference's do).
            policy = align_policy(policy, mdp)
            check_policy_compatible(policy, mdp)
        except ValueError as error:
            raise ConfigError(str(error), key) from None
        policies[agent.name] = policy
    return policies


def scenario_experiment(
    scenario: Scenario,
    workdir: str | os.PathLike | None = None,
    diagnostic: bool = False,
    keys: Collection[str] = (),
) -> Experiment:
    """The :class:`Experiment` of a scenario: its environment and policies resolved, checked
    (:func:`check_experiment`).

    Parameters
    ----------
    scenario : Scenario
    workdir : path, optional
        Where ``mdps/`` and ``policies/`` are (default: the current working directory).
    diagnostic : bool
        Compute the diagnostic POWERs (experiment types that have them).
    keys : collection of str
        The run config's parameter names, to name the one at fault in messages.

    Raises
    ------
    ConfigError
        With ``field`` naming the run parameter at fault.
    """
    if scenario.random_seed is None:
        raise ConfigError("a run needs a concrete seed (the sweep draws one for null)", "random_seed")
    mdp, described = scenario_environment(scenario, workdir)
    policies = scenario_policies(scenario, mdp, workdir, keys)
    scope = scenario.reward_scope
    if scope != "joint_state" and not scenario.protocol.joint:
        raise ConfigError(
            f"{scope!r} needs a joint MDP (each agent's reward is that of its own cell); a single-agent run "
            "rewards its states",
            "reward_scope",
        )
    try:
        distribution = scenario.distribution()
        sampler, _ = scoped_sampler(distribution, mdp.states, scope)
    except ModelError as error:
        if getattr(error, "field", None) == "reward_scope":
            raise ConfigError(str(error), "reward_scope") from None
        raise _spec_error(error, "reward_distribution") from None
    if any(beta < 0 for beta in scenario.reward_correlations.values()):
        try:
            sampler.symmetric_intervals()
        except ValueError as error:
            raise ConfigError(str(error), "reward_correlation") from None
    experiment = Experiment.from_scenario(
        scenario,
        mdp,
        distribution,
        policies,
        solver_settings(scenario.convergence_threshold, sampler.spread()),
        diagnostic=diagnostic,
    )
    check_experiment(experiment, sampler, described)
    return experiment


def build_experiment(
    run_config: Mapping[str, Any], workdir: str | os.PathLike | None = None, diagnostic: bool = False
) -> Experiment:
    """The :class:`Experiment` of one resolved run config (a ``run.yaml`` mapping):
    :func:`build_scenario`, then :func:`scenario_experiment`.

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
    scenario = build_scenario(run_config)
    return scenario_experiment(scenario, workdir, diagnostic, keys=tuple(run_config))


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


def agent_actions(mdp: MDP | JointMDP, index: int) -> tuple[str, ...]:
    """The actions of the agent at ``index`` in learning order (of the only agent of an MDP)."""
    if not isinstance(mdp, JointMDP):
        return mdp.actions
    return mdp.actions_by_agent[index]


def _check_policy_width(experiment: Experiment, described: str) -> None:
    scenario, mdp = experiment.scenario, experiment.mdp
    key = scenario.environment_key
    if scenario.protocol.others_learn:  # every agent's optimal policies are kept as masks
        for index, agent in enumerate(scenario.agent_names):
            actions = agent_actions(mdp, index)
            if len(actions) > MAX_POLICY_ACTIONS:
                raise ConfigError(
                    f"Agent {agent} has {len(actions)} actions in {described!r}, but {scenario.experiment_type} computes "
                    f"every agent's optimal policies, which support at most {MAX_POLICY_ACTIONS} actions",
                    key,
                )
        return
    actions = agent_actions(mdp, 0)
    if len(actions) <= MAX_POLICY_ACTIONS:
        return
    own = mdp
    if isinstance(mdp, JointMDP):
        fixed = scenario.agents[1].name  # the protocol checked that a joint MDP comes with the others' policies
        own = marginalize(mdp, experiment.policies[fixed])
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
    experiment.protocol.check(experiment)
    _check_policy_width(experiment, described)
    sampler = (
        sampler
        or scoped_sampler(
            experiment.reward_distribution,
            experiment.states,
            experiment.reward_scope,
            experiment.scenario.stream_agents,
        )[0]
    )
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
    draws = experiment.num_reward_samples * len(experiment.agents)
    try:
        sampler.check_redraws(draws)
    except ModelError as error:
        raise ConfigError(str(error), f"reward_distribution.{error.field}") from None
    gamma = max(experiment.scenario.discount_rates.values())
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
    scenario = experiment.scenario
    chain = scenario.protocol.others_learn
    # Each learning agent's discount rate under the parameter that sets it (for the message).
    rates = {
        "discount_rate" if k == 0 else f"discount_rate_agent_{agent}": rate
        for k, (agent, rate) in enumerate(scenario.discount_rates.items())
    }
    if chain and scenario.agent_names != PAIR:
        assert isinstance(experiment.mdp, JointMDP)  # the protocol checked that it runs on one
        seeds = {name: experiment.policies[name] for name in scenario.agent_names[1:]}
        precision = Precision.of_learning_chain(experiment.mdp, seeds, scenario.agent_names)
    else:
        precision = Precision.of(experiment.mdp, experiment.policy_A, chain)
    try:
        check_precision(
            precision,
            rates,
            min(d.support[0] for d in distributions),
            max(d.support[1] for d in distributions),
            largest,
            experiment.settings,
            policies=chain,
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
    """``{param: (object, source)}`` for the MDP and the policies a run config names (each
    policy resolved for the first agent it is given to, on the run's environment)."""
    scenario = build_scenario(run_config)
    out: dict[str, tuple[Any, str]] = {
        scenario.environment_key: resolve_environment_mdp(scenario.environment_value, workdir)
    }
    mdp, _ = scenario_environment(scenario, workdir)
    for agent in scenario.agents[1:]:
        key = policy_parameter(scenario, agent.name, run_config)
        if key not in out:
            out[key] = resolve_environment_policy(agent.seed_policy, mdp, workdir, agent.name)
    return out


def _environment_keys(run_config: Mapping[str, Any]) -> list[str]:
    """The parameters of a run config that name an MDP or a policy (registry kinds)."""
    return [key for key in run_config if (found := find_parameter(key)) is not None and found.kind in ("mdp", "policy")]


def environment_labels(run_config: Mapping[str, Any]) -> dict[str, str]:
    """``{parameter: '{param}={value}'}``: the keys of a run's MDP and policies in ``sweep.json``'s ``environments``."""
    return {key: environment_label(key, run_config[key]) for key in _environment_keys(run_config)}


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
    """``{parameter: 'builtin', 'generated' or file path}`` for the MDP and policies a run config names.

    Generated policies are not built again just to say they are generated.
    """
    sources = {}
    for key in _environment_keys(run_config):
        if key in ("mdp_graph", "joint_mdp_graph"):
            sources[key] = resolve_environment_mdp(run_config[key], workdir)[1]
        else:
            named = _named_policy(run_config[key], workdir)
            sources[key] = named[1] if named else GENERATED
    return sources


__all__ = [
    "GENERATED",
    "MAX_RELATIVE_THRESHOLD",
    "MAX_VALUE_MAGNITUDE",
    "agent_actions",
    "build_experiment",
    "build_scenario",
    "check_environments",
    "check_experiment",
    "environment_fingerprints",
    "environment_label",
    "environment_labels",
    "environment_sources",
    "join_agents",
    "policy_parameter",
    "resolve_environment_mdp",
    "resolve_environment_policy",
    "scenario_environment",
    "scenario_experiment",
    "scenario_policies",
]
