"""The typed scenario of a run: a frozen, agent-keyed description, built once from its config.

A :class:`Scenario` says what a run computes -- the agents in learning order (each one's
discount rate, reward correlation with the first agent, seed policy and role), the
environment and its interaction rule, the reward distribution and scope, the sample count,
seed and convergence threshold, and the experiment type (a
:class:`~powerplay.scenario.protocols.Protocol`). It is built from a run config by
:func:`scenario_from_config` (every value checked by the parameter registry, every
cross-parameter rule by the protocol), written into ``run.json`` as plain JSON
(:meth:`Scenario.to_json`) and read back (:meth:`Scenario.from_json`) by storage, scans,
figures and the report instead of the config. Run folders written before ``run.json`` held
it are read back by deriving it from ``run.yaml`` with the same function.

The environment and the seed policies are kept as the config gave them (names or specs):
resolving them into objects needs files (``runner.build``).

JSON form (``run.json``'s ``scenario``)::

    {"schema": 1, "experiment_type": "multiagent_with_reward",
     "agents": [{"name": "H", "discount_rate": 0.9, "reward_correlation": null, "seed_policy": null, "role": "learner"},
                {"name": "A", "discount_rate": 0.9, "reward_correlation": 0.0, "seed_policy": "uniform_random", "role": "learner"}],
     "environment": {"mdp_graph": "7x7_gridworld_maze", "interaction": "remove"}, "interaction": "remove",
     "reward_distribution": {...}, "reward_scope": "joint_state",
     "num_reward_samples": 1000, "random_seed": 0, "convergence_threshold": 0.0001}

Examples
--------
>>> scenario = scenario_from_config({'agents': ['H', 'A', 'B'], 'mdp_graph': '3x3_gridworld', 'interaction': 'block',
...     'discount_rate': 0.9, 'discount_rate_agent_B': 0.5, 'seed_policy': 'uniform_random', 'reward_correlation': 0,
...     'reward_distribution': {'default_dist': {'dist_name': 'uniform', 'params': [0, 1]}},
...     'num_reward_samples': 100, 'random_seed': 0})
>>> scenario.agent_names, [a.discount_rate for a in scenario.agents], scenario.pairs
(('H', 'A', 'B'), [0.9, 0.9, 0.5], (('H', 'A'), ('H', 'B'), ('A', 'B')))
>>> Scenario.from_json(scenario.to_json()) == scenario
True
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError, ModelError, UnknownLabelError
from ..model.generators import generator_spec_name, is_generator_spec
from ..model.rewards import RewardDistribution, RewardStream, reward_stream
from .agents import ROLES, AgentSpec
from .parameters import agent_name, parameter, validate_value
from .protocols import PAIR, Protocol, detect_protocol, protocol_named

#: Version of the JSON form (:meth:`Scenario.to_json`).
SCHEMA = 1

#: The :class:`AgentSpec` field each agent parameter sets (per-agent families set the field of
#: the parameter they override; the reference's names for Agent A's policies set its policy).
_AGENT_FIELDS = {
    "discount_rate": "discount_rate",
    "reward_correlation": "reward_correlation",
    "seed_policy": "seed_policy",
    "seed_policy_graph_agent_A": "seed_policy",
    "policy_graph_agent_A": "seed_policy",
    "agent_model": "agent_model",
}

#: Keys a resolved run config carries besides parameters (added by the sweep runner).
RUN_METADATA_KEYS = ("experiment_type", "sweep_id", "sweep_name", "run_suffix", "value_names")


def _environment_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if is_generator_spec(value):
        try:
            return generator_spec_name(value)
        except (ModelError, KeyError, TypeError, ValueError):  # a spec read back from a damaged file
            pass
    return json.dumps(value, sort_keys=True, default=str)


@dataclass(frozen=True)
class Scenario:
    """A frozen description of one run (see module notes).

    Attributes
    ----------
    agents : tuple of AgentSpec
        In learning order, slowest first.
    environment : dict
        The config values naming the environment: ``{'mdp_graph': ...}``,
        ``{'joint_mdp_graph': ...}`` or ``{'mdp_graph': ..., 'interaction': ...}``.
    interaction : str, list of str, or None
        The interaction rule (a name, or a list of names such as ``[no_swap, block]``) when known (given, or a generator spec's ``joint``).
    reward_distribution : dict
        The validated ``reward_distribution`` block.
    reward_scope : {'joint_state', 'own_cell'}
    num_reward_samples : int
    random_seed : int or None
        None only for a sweep's ``random_seed: null`` before a seed is drawn.
    convergence_threshold : float
    protocol : Protocol
        The experiment type.
    rounds : int
        Counter-optimisation rounds after the learning chain (0: the chain alone; only
        protocols whose later agents learn take more). ``run.json`` records it when it is not 0.
    """

    agents: tuple[AgentSpec, ...]
    environment: dict[str, Any]
    interaction: str | list[str] | None
    reward_distribution: dict[str, Any]
    reward_scope: str
    num_reward_samples: int
    random_seed: int | None
    convergence_threshold: float
    protocol: Protocol
    rounds: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "agents", tuple(self.agents))
        names = self.agent_names
        if len(set(names)) != len(names):
            raise ModelError(f"agents {list(names)} name an agent twice", field="agents")
        for agent in self.agents:
            if agent.role not in ROLES:
                raise ModelError(f"Agent {agent.name}'s role must be one of {', '.join(ROLES)}", field="agents")
            if agent.learns and agent.discount_rate is None:
                raise ModelError(f"Agent {agent.name} learns, so it needs a discount rate", field="agents")
            if not agent.learns and not agent.model.is_optimal:
                raise ModelError(
                    f"Agent {agent.name} follows a fixed policy, so it has no agent model (got {agent.model.title})",
                    field=f"agent_model_agent_{agent.name}",
                )
        if self.rounds and not self.protocol.others_learn:
            raise ModelError(
                f"counter-optimisation rounds re-train agents that learn for their own rewards; {self.experiment_type} "
                "has one learning agent: leave rounds out (or 0)",
                field="rounds",
            )

    # -- agents -------------------------------------------------------------------------

    @property
    def experiment_type(self) -> str:
        """The protocol's name (``'single_agent'``, ...), as files and the reference name it."""
        return self.protocol.name

    @property
    def agent_names(self) -> tuple[str, ...]:
        return tuple(agent.name for agent in self.agents)

    @property
    def num_agents(self) -> int:
        return len(self.agents)

    @property
    def pairs(self) -> tuple[tuple[str, str], ...]:
        """Every unordered pair of agents, in agent order: ``('H', 'A'), ('H', 'B'), ('A', 'B')``."""
        return tuple(itertools.combinations(self.agent_names, 2))

    def agent(self, name: str) -> AgentSpec:
        """The agent called ``name``.

        Raises
        ------
        UnknownLabelError
            Naming the agents there are.
        """
        for agent in self.agents:
            if agent.name == name:
                return agent
        raise UnknownLabelError(f"no Agent {name!r} in this run (agents: {', '.join(self.agent_names)})")

    @property
    def power_agents(self) -> tuple[str, ...]:
        """The agents whose POWER the run computes."""
        return self.protocol.power_agents(self)

    @property
    def reward_agents(self) -> tuple[str, ...]:
        """The agents whose rewards the run draws (the first from stream 0)."""
        return self.protocol.reward_agents(self)

    @property
    def stream_agents(self) -> tuple[str, ...] | None:
        """The agents a reward stream (or its sampler) is told about: ``None`` for the published
        names H (and A), whose streams' defaults also read own cells off every agent of a joint
        label (a fixed-policy run draws H's rewards only); the reward agents otherwise."""
        agents = self.reward_agents
        return None if agents in (PAIR, PAIR[:1]) else agents

    def power_keys(self, diagnostic: bool = False) -> tuple[str, ...]:
        """The POWER sample keys the run produces."""
        return self.protocol.power_keys(self, diagnostic)

    @property
    def discount_rates(self) -> dict[str, float]:
        """Agent -> discount rate, for the agents that have one."""
        return {a.name: a.discount_rate for a in self.agents if a.discount_rate is not None}

    @property
    def reward_correlations(self) -> dict[str, float]:
        """Agent -> correlation of its rewards with the first agent's, for the agents that have one."""
        return {a.name: a.reward_correlation for a in self.agents if a.reward_correlation is not None}

    def parameter_value(self, name: str) -> Any:
        """The value the config parameter ``name`` has in this scenario, read back from it
        (``discount_rate``: the first agent's; ``reward_correlation`` and ``seed_policy``: the
        second agent's; ``discount_rate_agent_B``: Agent B's; ``mdp_graph``: the environment's
        value, ...); None for a parameter it does not use.

        Raises
        ------
        ConfigError
            For an unknown parameter; UnknownLabelError for an agent the scenario lacks.

        Examples
        --------
        >>> from powerplay.scenario import AgentSpec, LearningChain
        >>> pair = Scenario((AgentSpec('H', 0.9), AgentSpec('A', 0.5, 0.2, 'stay')), {'joint_mdp_graph': 'j'},
        ...                 None, {}, 'joint_state', 10, 0, 1e-4, LearningChain())
        >>> pair.parameter_value('discount_rate_agent_A'), pair.parameter_value('reward_correlation')
        (0.5, 0.2)
        """
        found = parameter(name)
        if found.agent is not None:
            return getattr(self.agent(found.agent), found.overrides or _AGENT_FIELDS[name])
        if name in _AGENT_FIELDS.values():  # every agent's (the first learning one's, or the second's)
            first = name in ("discount_rate", "agent_model")
            agent = self.agents[0] if first else self.agents[1] if len(self.agents) > 1 else None
            return getattr(agent, name) if agent is not None else None
        if name == "agents":
            return list(self.agent_names)
        if found.kind in ("mdp", "choice") and name not in ("reward_scope",):
            return self.environment.get(name)
        return getattr(self, name)

    # -- the environment ----------------------------------------------------------------

    @property
    def environment_key(self) -> str:
        """The parameter naming the environment: ``'mdp_graph'`` or ``'joint_mdp_graph'``."""
        return "joint_mdp_graph" if "joint_mdp_graph" in self.environment else "mdp_graph"

    @property
    def environment_value(self) -> Any:
        """The environment's config value (a name or a generator spec)."""
        return self.environment[self.environment_key]

    @property
    def environment_name(self) -> str:
        """The environment for titles and tables: its name (a generated one's canonical name, e.g.
        ``'maze 7x7 seed 3'``), with the interaction rule when the agents are put together from a
        single-agent MDP."""
        text = _environment_text(self.environment_value)
        if self.environment_key == "mdp_graph" and "interaction" in self.environment:
            rule = self.environment["interaction"]
            return f"{text} ({rule if isinstance(rule, str) else ' + '.join(rule)})"
        return text

    # -- rewards ------------------------------------------------------------------------

    def distribution(self) -> RewardDistribution:
        """The reward distribution as an object."""
        return RewardDistribution.from_config(self.reward_distribution)

    def reward_stream(self, states, distribution: RewardDistribution | None = None) -> RewardStream:
        """The run's reproducible reward samples on ``states`` -- the one place streams are built,
        for computing a run and for drawing its rewards again from its folder.

        Raises
        ------
        ModelError
            For a scenario without a seed.
        """
        if self.random_seed is None:
            raise ModelError("a run needs a concrete random_seed to draw rewards", field="random_seed")
        agents = self.reward_agents
        correlations = {}
        for name in agents[1:]:
            correlation = self.agent(name).reward_correlation
            assert correlation is not None  # every later reward agent has one (checked when built)
            correlations[name] = correlation
        # Draws are keyed by agent name; the first two agents' are exactly the published H's and A's.
        return reward_stream(
            distribution or self.distribution(),
            states,
            self.random_seed,
            scope=self.reward_scope,
            correlations=correlations or None,
            agents=self.stream_agents,
        )

    # -- JSON ---------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The plain JSON form (see module notes)."""
        return {
            "schema": SCHEMA,
            "experiment_type": self.protocol.name,
            "agents": [agent.to_json() for agent in self.agents],
            "environment": dict(self.environment),
            "interaction": self.interaction,
            "reward_distribution": dict(self.reward_distribution),
            "reward_scope": self.reward_scope,
            "num_reward_samples": self.num_reward_samples,
            "random_seed": self.random_seed,
            "convergence_threshold": self.convergence_threshold,
            **({"rounds": self.rounds} if self.rounds else {}),  # records without it: 0
        }

    @classmethod
    def from_json(cls, record: Any) -> Scenario:
        """The scenario of a JSON form (every field checked as a config's would be).

        Raises
        ------
        ConfigError
            One line naming the field at fault (``agents[1].discount_rate``).
        """
        if not isinstance(record, Mapping):
            raise ConfigError(f"must be a JSON object, got {type(record).__name__}")
        schema = record.get("schema")
        if schema != SCHEMA:
            raise ConfigError(f"has schema {schema!r}; this version reads schema {SCHEMA}", "schema")
        for key in ("experiment_type", "agents", "environment", "reward_distribution"):
            if key not in record:
                raise ConfigError("missing", key)
        try:
            protocol = protocol_named(record["experiment_type"])
        except ModelError as error:
            raise ConfigError(str(error), "experiment_type") from None
        agents = record["agents"]
        if not isinstance(agents, list) or not agents:
            raise ConfigError("must be a non-empty list of agents", "agents")
        specs = []
        for i, agent in enumerate(agents):
            where = f"agents[{i}]"
            if not isinstance(agent, Mapping):
                raise ConfigError("must be an object", where)
            unknown = sorted(
                set(agent) - {"name", "discount_rate", "reward_correlation", "seed_policy", "role", "agent_model"}
            )
            if unknown:
                raise ConfigError(f"unknown key {unknown[0]!r}", where)
            role = agent.get("role")
            if role not in ROLES:
                raise ConfigError(f"must be one of {', '.join(ROLES)}, got {role!r}", f"{where}.role")
            try:
                name = agent_name(agent.get("name"))
            except ValueError as error:
                raise ConfigError(str(error), f"{where}.name") from None
            gamma = agent.get("discount_rate")
            beta = agent.get("reward_correlation")
            seed = agent.get("seed_policy")
            specs.append(
                AgentSpec(
                    name,
                    None if gamma is None else _checked("discount_rate", gamma, f"{where}.discount_rate"),
                    None if beta is None else _checked("reward_correlation", beta, f"{where}.reward_correlation"),
                    None if seed is None else _checked("seed_policy", seed, f"{where}.seed_policy"),
                    role,
                    _checked("agent_model", agent.get("agent_model", "optimal"), f"{where}.agent_model"),
                )
            )
        environment = record["environment"]
        if not isinstance(environment, Mapping) or not environment:
            raise ConfigError("must be an object naming the environment", "environment")
        checked_environment = {}
        for key, value in environment.items():
            if key not in ("mdp_graph", "joint_mdp_graph", "interaction"):
                raise ConfigError(f"unknown key {key!r}", "environment")
            checked_environment[key] = _checked(key, value, f"environment.{key}")
        interaction = record.get("interaction")
        distribution = _checked("reward_distribution", record["reward_distribution"], "reward_distribution")
        try:
            return cls(
                tuple(specs),
                checked_environment,
                None if interaction is None else _checked("interaction", interaction, "interaction"),
                distribution.model_dump(),
                _checked("reward_scope", record.get("reward_scope", "joint_state"), "reward_scope"),
                _checked("num_reward_samples", record.get("num_reward_samples"), "num_reward_samples"),
                _checked("random_seed", record.get("random_seed"), "random_seed"),
                _checked("convergence_threshold", record.get("convergence_threshold", 1e-4), "convergence_threshold"),
                protocol,
                _checked("rounds", record.get("rounds", 0), "rounds"),
            )
        except ModelError as error:
            raise ConfigError(str(error), error.field) from None


def _checked(name: str, value: Any, where: str) -> Any:
    try:
        return validate_value(name, value)
    except ConfigError as error:
        raise error.located(where) from None


def typed_parameters(run_config: Mapping[str, Any]) -> dict[str, Any]:
    """Every parameter of a resolved run config validated (metadata keys left out).

    Raises
    ------
    ConfigError
        With ``field`` naming the parameter (and the place within its value).
    """
    typed = {}
    for key, value in run_config.items():
        if key in RUN_METADATA_KEYS:
            continue
        try:
            typed[key] = validate_value(key, value)
        except ConfigError as error:
            raise error.located(key) from None
    return typed


def scenario_from_config(run_config: Mapping[str, Any]) -> Scenario:
    """The scenario of a resolved run config (a ``run.yaml`` mapping: one plain value per parameter).

    Metadata keys (``experiment_type``, ``sweep_id``, ...) are ignored: the experiment type
    follows from the parameters (:func:`~powerplay.scenario.protocols.detect_protocol`).

    Raises
    ------
    ConfigError
        With ``field`` naming the parameter at fault.
    """
    typed = typed_parameters(run_config)
    protocol = detect_protocol(typed)
    for name in ("discount_rate", "reward_distribution", "num_reward_samples"):
        if name not in typed:
            raise ConfigError(f"missing required parameter {name!r}", "parameters")
    for name in ("convergence_threshold", "random_seed", "reward_scope", "rounds"):
        typed.setdefault(name, parameter(name).default)
    agents = protocol.agents_from_config(typed)
    environment, interaction = protocol.environment_from_config(typed)
    try:
        return Scenario(
            agents,
            environment,
            interaction,
            typed["reward_distribution"].model_dump(),
            typed["reward_scope"],
            typed["num_reward_samples"],
            typed["random_seed"],
            typed["convergence_threshold"],
            protocol,
            typed["rounds"],
        )
    except ModelError as error:
        raise ConfigError(str(error), error.field) from None


def pair_scenario(
    protocol: Protocol,
    environment: Mapping[str, Any],
    discount_rate: float,
    reward_distribution: Mapping[str, Any],
    num_reward_samples: int,
    random_seed: int | None,
    *,
    policy: Any = None,
    discount_rate_agent_A: float | None = None,
    reward_correlation: float | None = None,
    reward_scope: str = "joint_state",
    convergence_threshold: float = 1e-4,
) -> Scenario:
    """The scenario of the reference's arguments (Agent H, and Agent A for the multi-agent types).

    ``policy`` describes Agent A's seed or fixed policy (its name).
    """
    typed: dict[str, Any] = {"discount_rate": discount_rate}
    if protocol.joint:
        typed.update(
            policy_graph_agent_A=policy,
            seed_policy_graph_agent_A=policy,
            discount_rate_agent_A=discount_rate_agent_A,
            reward_correlation=reward_correlation,
        )
    agents = protocol.agents_from_config(typed)
    interaction = environment.get("interaction")
    return Scenario(
        agents,
        dict(environment),
        interaction,
        dict(reward_distribution),
        reward_scope,
        num_reward_samples,
        random_seed,
        convergence_threshold,
        protocol,
    )


__all__ = [
    "PAIR",
    "RUN_METADATA_KEYS",
    "SCHEMA",
    "Scenario",
    "pair_scenario",
    "scenario_from_config",
    "typed_parameters",
]
