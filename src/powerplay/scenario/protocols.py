"""Experiment types as strategy objects: which agents learn, in which stages, with which outputs.

A :class:`Protocol` says everything that depends on the experiment type: how a config's
parameters describe the agents (:meth:`~Protocol.agents_from_config`), the solver's stages,
which agents draw rewards and have their POWER computed, the POWER keys a run produces, and
the solver object (:meth:`~Protocol.problem`). Code elsewhere asks the run's protocol instead
of comparing experiment-type strings. The registry :data:`PROTOCOLS` maps the config's
``experiment_type`` names (kept for files and the reference's API) to the objects:

=============================  ==================  ==============================================
``experiment_type``            protocol            agents
=============================  ==================  ==============================================
``single_agent``               :class:`SingleAgent`      one agent, H, on a single-agent MDP
``multiagent_fixed_policy``    :class:`FixedPolicies`    H learns; A follows a fixed policy
``multiagent_with_reward``     :class:`LearningChain`    every agent learns, in order, for its own rewards
=============================  ==================  ==============================================

Which protocol a config describes follows from its parameters (:func:`detect_protocol`): a
config listing ``agents`` (two or more) is a learning chain of those agents; otherwise the
reference's rules apply -- each type has its identifying parameters (those the parameter
registry says it requires, :attr:`Protocol.keys`), and a config must give exactly one type's.

The learning chain
------------------
Agents learn in the order of ``agents``, slowest first. Stage 1: ``agents[0]`` learns an
optimal policy against every later agent's seed policy. Stage k: ``agents[k-1]`` learns a best
response to the frozen learned policies of ``agents[:k-1]``, the later agents following their
seed policies. The last agent's POWER is its optimal value; every other agent's is its learned
policy evaluated against the others' final policies. For two agents this is the published
human-AI setting (H, then A). With ``rounds: K`` the agents then re-train in the same order, K
more times, each a best response to everyone's current policies, per reward sample until a
fixed point or a cycle (:class:`~powerplay.solvers.power.RoundsOutcome`); POWER is then that
of the final policies.

Examples
--------
>>> detect_protocol(['agents', 'mdp_graph', 'interaction']).name
'multiagent_with_reward'
>>> protocol_named('multiagent_fixed_policy')
FixedPolicies()
>>> protocol_named('multi_agent')
Traceback (most recent call last):
...
powerplay.errors.UnknownLabelError: unknown experiment type 'multi_agent'; known: single_agent, multiagent_fixed_policy, multiagent_with_reward
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from ..errors import ConfigError, ModelError, UnknownLabelError
from ..model.mdp import MDP, JointMDP
from ..model.policy import Policy
from .agents import AgentSpec
from .parameters import (
    FIXED_POLICIES,
    LEARNING_CHAIN,
    PARAMETERS,
    SINGLE_AGENT,
    agent_parameter,
    find_parameter,
)

if TYPE_CHECKING:
    from typing import Protocol as TypingProtocol

    from ..solvers.power import LearningChainProblem, SingleAgentProblem
    from ..solvers.values import SolverSettings
    from .record import Scenario

    class SolverInputs(TypingProtocol):
        """What :meth:`Protocol.problem` reads of an experiment."""

        @property
        def scenario(self) -> Scenario: ...

        @property
        def mdp(self) -> MDP | JointMDP: ...

        @property
        def policies(self) -> Mapping[str, Policy]: ...

        @property
        def diagnostic(self) -> bool: ...

        @property
        def settings(self) -> SolverSettings: ...


#: The agent names of the published two-agent setting, in learning order.
PAIR = ("H", "A")

#: Parameters that describe agents in a config that lists ``agents`` (and are errors without it).
_AGENT_LIST_PARAMETERS = ("interaction", "seed_policy")


@dataclass(frozen=True)
class Stage:
    """One stage of a protocol's solver.

    Attributes
    ----------
    agent : str
        The agent that learns an optimal policy in this stage.
    against : tuple of str
        Agents whose learned policies are frozen during it.
    seeds : tuple of str
        Agents that follow their seed (or fixed) policies during it.
    """

    agent: str
    against: tuple[str, ...] = ()
    seeds: tuple[str, ...] = ()

    def describe(self) -> str:
        """E.g. ``'A learns a best response to the learned policy of H, B following its seed or fixed policies'``."""
        text = f"{self.agent} learns an optimal policy" if not self.against else f"{self.agent} learns a best response"
        if self.against:
            text += f" to the learned {_policies_of(self.against)}"
        if self.seeds:
            text += (
                f", {_joined(self.seeds)} following {'its' if len(self.seeds) == 1 else 'their'} seed or fixed policies"
            )
        return text


def _joined(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _policies_of(names: Sequence[str]) -> str:
    return f"policy of {names[0]}" if len(names) == 1 else f"policies of {_joined(names)}"


class Protocol:
    """An experiment type (see the module notes). Subclasses are stateless; compare them by class.

    Attributes
    ----------
    name : str
        The config's ``experiment_type``.
    joint : bool
        Whether it runs on a joint MDP.
    others_learn : bool
        Whether the agents after the first learn for their own rewards (each has a discount
        rate and a reward correlation), rather than follow fixed policies.
    has_diagnostics : bool
        Whether runs can also compute diagnostic POWERs (``diagnostic=True``).
    """

    name: ClassVar[str]
    joint: ClassVar[bool]
    others_learn: ClassVar[bool] = False
    has_diagnostics: ClassVar[bool] = False

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self).__name__)

    @property
    def keys(self) -> tuple[str, ...]:
        """The parameters that identify this type in a reference-style config (registry order)."""
        return tuple(
            p.name for p in PARAMETERS.values() if self.name in p.required_by and set(p.required_by) != set(PROTOCOLS)
        )

    # -- from a config ------------------------------------------------------------------

    def agents_from_config(self, typed: Mapping[str, Any]) -> tuple[AgentSpec, ...]:
        """The agents, in learning order, of a run config's typed parameters."""
        raise NotImplementedError

    def environment_from_config(self, typed: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
        """``(environment, interaction)``: the config values naming the environment, and its
        interaction rule when known (given, or the ``joint`` rule of a generator spec)."""
        if "joint_mdp_graph" in typed:
            value = typed["joint_mdp_graph"]
            rule = value.get("joint") if isinstance(value, Mapping) else None
            return {"joint_mdp_graph": value}, rule
        environment = {"mdp_graph": typed["mdp_graph"]}
        if "interaction" in typed:
            environment["interaction"] = typed["interaction"]
        return environment, typed.get("interaction")

    def check_keys(self, keys: Collection[str], agents: Sequence[str] | None = None) -> None:
        """Refuse parameters that cannot go together in this type's configs (one line naming one).

        ``agents`` is a value of the config's ``agents`` parameter, if it has one.
        """

    # -- what runs ----------------------------------------------------------------------

    def stages(self, scenario: Scenario) -> tuple[Stage, ...]:
        """The solver's stages, in order."""
        raise NotImplementedError

    def power_agents(self, scenario: Scenario) -> tuple[str, ...]:
        """The agents whose POWER is computed (those that learn), in learning order."""
        return tuple(agent.name for agent in scenario.agents if agent.learns)

    def reward_agents(self, scenario: Scenario) -> tuple[str, ...]:
        """The agents whose rewards are drawn, in learning order (the first uses stream 0)."""
        return self.power_agents(scenario)

    def power_keys(self, scenario: Scenario, diagnostic: bool = False) -> tuple[str, ...]:
        """The POWER sample keys a run produces: the learning agents' names (and diagnostics)."""
        return self.power_agents(scenario)

    def problem(self, experiment: SolverInputs) -> Any:
        """The solver object of a run (independent of the reward samples).

        Raises
        ------
        ConfigError
            For a run this build cannot solve (naming the parameter).
        """
        raise NotImplementedError

    def check(self, experiment: SolverInputs) -> None:
        """Refuse, before anything runs, what :meth:`problem` would refuse (without building it)."""


@dataclass(frozen=True, eq=False)
class SingleAgent(Protocol):
    """``single_agent``: Agent H alone on a single-agent MDP."""

    name: ClassVar[str] = SINGLE_AGENT
    joint: ClassVar[bool] = False

    def agents_from_config(self, typed: Mapping[str, Any]) -> tuple[AgentSpec, ...]:
        _refuse_models(typed, (PAIR[0],), "single_agent has one agent, H")
        return (AgentSpec(PAIR[0], typed["discount_rate"], None, None, "only", _model_in(typed, PAIR[0])),)

    def stages(self, scenario: Scenario) -> tuple[Stage, ...]:
        return (Stage(scenario.agents[0].name),)

    def problem(self, experiment: SolverInputs) -> SingleAgentProblem:
        from ..solvers.power import SingleAgentProblem  # (the solvers load numba: only to solve)

        first = experiment.scenario.agents[0]
        assert first.discount_rate is not None  # a learning agent has one (Scenario checks it)
        return SingleAgentProblem(
            experiment.mdp, first.discount_rate, settings=experiment.settings, agent_model=first.model
        )


@dataclass(frozen=True, eq=False)
class FixedPolicies(Protocol):
    """``multiagent_fixed_policy``: Agent H learns on a joint MDP; Agent A follows a fixed policy."""

    name: ClassVar[str] = FIXED_POLICIES
    joint: ClassVar[bool] = True

    def agents_from_config(self, typed: Mapping[str, Any]) -> tuple[AgentSpec, ...]:
        _refuse_models(typed, (PAIR[0],), "Agent A follows its fixed policy (policy_graph_agent_A), so it has no model")
        return (
            AgentSpec(PAIR[0], typed["discount_rate"], None, None, "learner", _model_in(typed, PAIR[0])),
            AgentSpec(PAIR[1], None, None, typed["policy_graph_agent_A"], "fixed"),
        )

    def stages(self, scenario: Scenario) -> tuple[Stage, ...]:
        fixed = tuple(a.name for a in scenario.agents if not a.learns)
        return tuple(Stage(a.name, (), fixed) for a in scenario.agents if a.learns)

    def problem(self, experiment: SolverInputs) -> SingleAgentProblem:
        from ..solvers.power import SingleAgentProblem  # (the solvers load numba: only to solve)

        first, fixed = experiment.scenario.agents
        assert first.discount_rate is not None  # a learning agent has one (Scenario checks it)
        return SingleAgentProblem(
            experiment.mdp,
            first.discount_rate,
            policy_A=experiment.policies[fixed.name],
            settings=experiment.settings,
            agent_model=first.model,
        )


@dataclass(frozen=True, eq=False)
class LearningChain(Protocol):
    """``multiagent_with_reward``: every agent learns for its own rewards, in learning order."""

    name: ClassVar[str] = LEARNING_CHAIN
    joint: ClassVar[bool] = True
    others_learn: ClassVar[bool] = True
    has_diagnostics: ClassVar[bool] = True

    def agents_from_config(self, typed: Mapping[str, Any]) -> tuple[AgentSpec, ...]:
        if "agents" not in typed:  # the reference's two-agent keys
            return (
                AgentSpec(PAIR[0], typed["discount_rate"], None, None, "learner", _model_in(typed, PAIR[0])),
                AgentSpec(
                    PAIR[1],
                    typed["discount_rate_agent_A"],
                    typed["reward_correlation"],
                    typed["seed_policy_graph_agent_A"],
                    "learner",
                    _model_in(typed, PAIR[1]),
                ),
            )
        names = tuple(typed["agents"])
        self.check_keys(typed, names)

        def own(general: str, agent: str) -> Any:  # the agent's own value, else every agent's
            name = agent_parameter(general, agent).name
            return typed[name] if name in typed else typed.get(general)

        return tuple(
            AgentSpec(
                agent,
                own("discount_rate", agent),
                own("reward_correlation", agent) if k else None,
                own("seed_policy", agent) if k else None,
                "learner",
                _model_in(typed, agent),
            )
            for k, agent in enumerate(names)
        )

    def check_keys(self, keys: Collection[str], agents: Sequence[str] | None = None) -> None:
        """The rules of a config that lists ``agents`` (see :func:`check_agent_keys`)."""
        if agents is not None:
            check_agent_keys(keys, agents)

    def stages(self, scenario: Scenario) -> tuple[Stage, ...]:
        names = scenario.agent_names
        return tuple(Stage(agent, names[:k], names[k + 1 :]) for k, agent in enumerate(names))

    def power_keys(self, scenario: Scenario, diagnostic: bool = False) -> tuple[str, ...]:
        """Every agent; with ``diagnostic`` also ``{a}_against_seed`` for every agent but the
        last (its POWER in its own training stage) and ``{a}_seed`` for every agent but the first
        (following its seed policy against the others' final policies).

        Examples
        --------
        >>> from powerplay.scenario import AgentSpec, Scenario
        >>> two = Scenario((AgentSpec('H', 0.9), AgentSpec('A', 0.9, 0.0, 'stay')), {'joint_mdp_graph': 'j'},
        ...                None, {}, 'joint_state', 10, 0, 1e-4, LearningChain())
        >>> LearningChain().power_keys(two, diagnostic=True)
        ('H', 'A', 'H_against_seed', 'A_seed')
        """
        names = scenario.agent_names
        if not diagnostic:
            return names
        return (*names, *(f"{a}_against_seed" for a in names[:-1]), *(f"{a}_seed" for a in names[1:]))

    def problem(self, experiment: SolverInputs) -> LearningChainProblem:
        from ..solvers.power import LearningChainProblem, MultiAgentProblem  # (the solvers load numba: only to solve)

        scenario = experiment.scenario
        assert isinstance(experiment.mdp, JointMDP)  # the experiment checked that this type runs on one
        rates = {}
        for agent in scenario.agents:
            assert agent.discount_rate is not None  # learners have one
            rates[agent.name] = agent.discount_rate
        models = {agent.name: agent.model for agent in scenario.agents}
        if scenario.agent_names == PAIR:
            # The published signature (its checks of A's seed policy and its attribute names).
            return MultiAgentProblem(
                experiment.mdp,
                experiment.policies["A"],
                rates["H"],
                rates["A"],
                diagnostic=experiment.diagnostic,
                settings=experiment.settings,
                rounds=scenario.rounds,
                agent_models=models,
            )
        later = scenario.agent_names[1:]
        return LearningChainProblem(
            experiment.mdp,
            scenario.agent_names,
            rates,
            {name: experiment.policies[name] for name in later},
            diagnostic=experiment.diagnostic,
            settings=experiment.settings,
            rounds=scenario.rounds,
            agent_models=models,
        )


def _model_in(typed: Mapping[str, Any], agent: str) -> Any:
    """An agent's model in a config's typed parameters: its own, else every agent's, else optimal."""
    return typed.get(f"agent_model_agent_{agent}", typed.get("agent_model", "optimal"))


def _refuse_models(typed: Mapping[str, Any], learners: Sequence[str], why: str) -> None:
    """Refuse ``agent_model_agent_X`` for an agent that is not one of ``learners`` (one line saying ``why``)."""
    for key in sorted(typed):
        found = find_parameter(key)
        if found is not None and found.overrides == "agent_model" and found.agent not in learners:
            raise ConfigError(f"{why}: agent_model_agent_{found.agent} does not apply", f"parameters.{key}")


def check_agent_keys(keys: Collection[str], agents: Sequence[str]) -> None:
    """The rules of a config that lists ``agents``, one line naming the parameter at fault.

    Per-agent parameters (``discount_rate_agent_X``, ...) must name one of the agents, and not
    the first agent for correlations and seed policies (it learns first: it has neither);
    every later agent needs a seed policy and a reward correlation (``seed_policy``,
    ``reward_correlation``, or its own); the environment is ``mdp_graph`` with ``interaction``,
    or ``joint_mdp_graph``; the reference's two-agent names for A's policies are not taken.

    Raises
    ------
    ConfigError
        With ``field`` the parameter (``parameters.seed_policy_agent_B``).

    Examples
    --------
    >>> check_agent_keys(['mdp_graph', 'interaction', 'seed_policy', 'reward_correlation',
    ...                   'reward_correlation_agent_H'], ['H', 'A'])
    Traceback (most recent call last):
    ...
    powerplay.errors.ConfigError: parameters.reward_correlation_agent_H: H is the first agent: the others' rewards are correlated with its rewards, so it has no correlation of its own
    """
    keys = set(keys)
    first, later = agents[0], list(agents[1:])
    for key in sorted(keys):
        found = find_parameter(key)
        if found is None or found.agent is None:
            continue
        where = f"parameters.{key}"
        if key in ("seed_policy_graph_agent_A", "policy_graph_agent_A"):
            raise ConfigError(
                "a config that lists agents gives seed policies with seed_policy (every agent after the first) or "
                "seed_policy_agent_X; fixed policies (multiagent_fixed_policy) take no agents list",
                where,
            )
        if found.agent not in agents:
            raise ConfigError(f"names Agent {found.agent}, which is not one of the agents {', '.join(agents)}", where)
        if found.agent == first and found.overrides == "reward_correlation":
            raise ConfigError(
                f"{first} is the first agent: the others' rewards are correlated with its rewards, so it has no "
                "correlation of its own",
                where,
            )
        if found.agent == first and found.overrides == "seed_policy":
            raise ConfigError(f"{first} is the first agent: it learns first, from no seed policy", where)
    if "mdp_graph" in keys and "joint_mdp_graph" in keys:
        raise ConfigError(
            "give mdp_graph (with interaction) or joint_mdp_graph, not both", "parameters.joint_mdp_graph"
        )
    if "joint_mdp_graph" in keys and "interaction" in keys:
        raise ConfigError(
            "joint_mdp_graph has its own interaction rule; give interaction with a single-agent mdp_graph instead",
            "parameters.interaction",
        )
    if "mdp_graph" not in keys and "joint_mdp_graph" not in keys:
        raise ConfigError(
            "agents need an environment: mdp_graph (the gridworld every agent moves on) with interaction, or "
            "joint_mdp_graph",
            "parameters",
        )
    if "mdp_graph" in keys and "interaction" not in keys:
        raise ConfigError(
            "missing: agents on mdp_graph need interaction: allow, remove or block (what happens when two agents "
            "would share a cell)",
            "parameters.interaction",
        )
    for general, what in (("seed_policy", "a seed policy"), ("reward_correlation", "a reward correlation")):
        lacking = [a for a in later if general not in keys and f"{general}_agent_{a}" not in keys]
        if lacking:
            raise ConfigError(
                f"missing: Agent {lacking[0]} needs {what}: give {general} (every agent after the first) or "
                f"{general}_agent_{lacking[0]}",
                f"parameters.{general}",
            )


#: The experiment types by ``experiment_type`` name.
PROTOCOLS: dict[str, Protocol] = {p.name: p for p in (SingleAgent(), FixedPolicies(), LearningChain())}


def protocol_named(name: str) -> Protocol:
    """The protocol of an ``experiment_type`` name.

    Raises
    ------
    UnknownLabelError
        For an unknown name, listing the known ones.
    """
    found = PROTOCOLS.get(name) if isinstance(name, str) else None
    if found is not None:
        return found
    close = difflib.get_close_matches(str(name), list(PROTOCOLS), n=1, cutoff=0.8)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise UnknownLabelError(f"unknown experiment type {name!r}; known: {', '.join(PROTOCOLS)}{hint}")


def detect_protocol(keys: Collection[str]) -> Protocol:
    """The protocol a config's parameter names describe.

    ``agents`` makes a learning chain; without it, parameters that only describe listed agents
    are errors, and each type is identified by its :attr:`~Protocol.keys`.

    Raises
    ------
    ConfigError
        Naming the parameter at fault, or the missing and unexpected parameters of the
        closest type.

    Examples
    --------
    >>> detect_protocol(['joint_mdp_graph', 'policy_graph_agent_A', 'discount_rate']).name
    'multiagent_fixed_policy'
    >>> detect_protocol(['joint_mdp_graph', 'seed_policy_graph_agent_A'])
    Traceback (most recent call last):
    ...
    powerplay.errors.ConfigError: parameters: no experiment type matches: closest is multiagent_with_reward, which also needs discount_rate_agent_A, reward_correlation
    >>> detect_protocol(['mdp_graph', 'interaction', 'discount_rate'])
    Traceback (most recent call last):
    ...
    powerplay.errors.ConfigError: parameters.interaction: describes the agents of a config that lists them: add agents (e.g. agents: [H, A]) or leave interaction out
    """
    keys = set(keys)
    if "agents" in keys:
        return PROTOCOLS[LEARNING_CHAIN]
    for key in sorted(keys):
        found = find_parameter(key)
        listed = key in _AGENT_LIST_PARAMETERS or (
            found is not None and found.agent is not None and key not in PARAMETERS
        )
        if listed:
            raise ConfigError(
                f"describes the agents of a config that lists them: add agents (e.g. agents: [H, A]) or leave {key} out",
                f"parameters.{key}",
            )
    specific = list(dict.fromkeys(k for p in PROTOCOLS.values() for k in p.keys))
    present = [k for k in specific if k in keys]
    for protocol in PROTOCOLS.values():
        if set(present) == set(protocol.keys):
            return protocol
    if not present:
        raise ConfigError(
            "no experiment type matches: add mdp_graph (single_agent) or joint_mdp_graph with policy_graph_agent_A "
            "(multiagent_fixed_policy) or with seed_policy_graph_agent_A, discount_rate_agent_A and reward_correlation "
            "(multiagent_with_reward), or list agents (e.g. agents: [H, A]) with mdp_graph and interaction",
            "parameters",
        )

    def mismatch(protocol: Protocol) -> tuple[int, int, list[str], list[str]]:
        missing = [k for k in protocol.keys if k not in present]
        extra = [k for k in present if k not in protocol.keys]
        return len(missing) + len(extra), len(extra), missing, extra

    closest = min(PROTOCOLS.values(), key=lambda p: mismatch(p)[:2])
    _, _, missing, extra = mismatch(closest)
    parts = []
    if missing:
        parts.append(f"also needs {', '.join(missing)}")
    if extra:
        parts.append(f"does not take {', '.join(extra)}")
    raise ConfigError(
        f"no experiment type matches: closest is {closest.name}, which {' and '.join(parts)}", "parameters"
    )


def check_joint(protocol: Protocol, mdp: MDP | JointMDP, what: str) -> None:
    """Refuse an MDP of the wrong kind for the protocol (``what`` names it in the message)."""
    joint = isinstance(mdp, JointMDP)
    if protocol.joint != joint:
        raise ModelError(
            f"experiment type {protocol.name!r} needs a {'joint' if protocol.joint else 'single-agent'} MDP, but "
            f"{what} is {'joint' if joint else 'single-agent'}"
        )


__all__ = [
    "PAIR",
    "PROTOCOLS",
    "FixedPolicies",
    "LearningChain",
    "Protocol",
    "SingleAgent",
    "Stage",
    "check_agent_keys",
    "check_joint",
    "detect_protocol",
    "protocol_named",
]
