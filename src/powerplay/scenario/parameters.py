"""The parameter registry: what every config parameter is, in one place.

One :class:`Parameter` record per config parameter says how its values are checked
(``validator``: the one validator, one message style), how it is shown (``label`` on axes and
in tables, ``symbol`` in titles), on what axis it is plotted and scanned (``scale``), which
agent it belongs to (``agent``) and which experiment types need it (``required_by``). Config
validation, sweep queries, scans, sweep figures and the report all ask this registry.

Per-agent parameters are *families*: ``discount_rate_agent_{X}``,
``reward_correlation_agent_{X}``, ``seed_policy_agent_{X}`` and ``agent_model_agent_{X}`` exist
for every agent name ``X`` (letters and digits, starting with a letter), each overriding the
parameter that holds for every agent (``discount_rate``, ``reward_correlation``,
``seed_policy``, ``agent_model``) for one agent (:attr:`Parameter.overrides`). The two-agent names of the reference tool
(``discount_rate_agent_A``, ``seed_policy_graph_agent_A``, ``policy_graph_agent_A``,
``joint_mdp_graph``, ``reward_correlation``) are parameters of the same registry.

Adding a parameter is a local change: a :class:`Parameter` in :data:`PARAMETERS` (or a
:class:`ParameterFamily` in :data:`FAMILIES`), then its use where the scenario is built
(:mod:`powerplay.scenario.protocols`).

Examples
--------
>>> parameter('discount_rate_agent_B').label, parameter('discount_rate_agent_B').agent
('discount rate γ_B of Agent B', 'B')
>>> parameter('discount_rate').scale, parameter('reward_correlation').symbol
('log_one_minus', 'β')
>>> validate_value('discount_rate', 0.9)
0.9
>>> validate_value('discount_rate', 1.5)
Traceback (most recent call last):
...
powerplay.errors.ConfigError: must be in [0, 1), got 1.5
>>> parameter('discount_rate_agnet_A')
Traceback (most recent call last):
...
powerplay.errors.ConfigError: unknown parameter (did you mean 'discount_rate_agent_A'?)
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ..errors import ConfigError, ModelError
from ..model.agent_models import agent_model_spec
from ..model.generators import JOINT_RULES, is_generator_spec, normalize_generator_spec
from ..model.interactions import interaction_spec
from ..model.labels import check_agent_name, check_agent_names
from ..model.policies import parse_policy_spec
from ..model.rewards import REWARD_SCOPES, make_distribution

#: Most reward samples a run may ask for.
MAX_SAMPLES = 10**9
#: Longest name or description accepted.
MAX_TEXT_LENGTH = 1000
#: Most agents a config may list.
MAX_AGENTS = 16
#: Most counter-optimisation rounds (the solvers' ``powerplay.solvers.power.MAX_ROUNDS``).
MAX_ROUNDS = 1000

#: An agent name: a letter, then letters and digits (``_`` and ``^`` delimit joint labels;
#: :func:`~powerplay.model.labels.check_agent_name`).
AGENT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")

#: The experiment types (protocol names, :mod:`powerplay.scenario.protocols`).
SINGLE_AGENT = "single_agent"
FIXED_POLICIES = "multiagent_fixed_policy"
LEARNING_CHAIN = "multiagent_with_reward"
ALL_TYPES = (SINGLE_AGENT, FIXED_POLICIES, LEARNING_CHAIN)

#: How a parameter's values are placed on an axis (sweep figures, the report, scans).
Scale = Literal["linear", "log_one_minus", "categorical"]

# --------------------------------------------------------------------------------------
# Validators: each takes a value as written in a config and returns its typed form, or
# raises ValueError with what is wrong ("must be ..., got ...").


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"must be a number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"must be finite, got {value!r}")
    return float(value)


def _integer(value: Any) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or (isinstance(value, float) and not value.is_integer())
    ):
        raise ValueError(f"must be an integer, got {value!r}")
    return int(value)


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"must be a non-empty name (string), got {value!r}")
    if len(value) > MAX_TEXT_LENGTH or any(ord(c) < 32 for c in value):
        raise ValueError(f"must be a name of at most {MAX_TEXT_LENGTH} printable characters, got {value[:40]!r}...")
    return value


def _mdp_value(value: Any) -> Any:
    """An MDP name, or a generator spec (``{generator: maze, rows, cols, seed, ...}``)."""
    if is_generator_spec(value):
        generator = value.get("generator")
        if generator is not None and not isinstance(generator, str):  # e.g. a list: unhashable
            raise ValueError(f"generator must be the name of a generator (maze, rooms), got {generator!r}")
        if isinstance(value.get("name"), str) and value["name"]:
            _name(value["name"])  # it titles figures and tables: printable and bounded, as any name
        try:
            return normalize_generator_spec(value)
        except ModelError as error:
            raise ValueError(str(error)) from None
    return _name(value)


def _policy_value(value: Any) -> Any:
    """A policy name, or a generated-policy spec (``uniform_random``, ``{deterministic: left}``, ...)."""
    if isinstance(value, Mapping):
        try:
            parse_policy_spec(value)
        except ModelError as error:
            raise ValueError(str(error)) from None
        return dict(value)
    return _name(value)


def _in_range(low: float, high: float, high_open: bool = False) -> Callable[[float], float]:
    def check(value: float) -> float:
        if not (low <= value < high if high_open else low <= value <= high):
            raise ValueError(f"must be in [{low:g}, {high:g}{')' if high_open else ']'}, got {value!r}")
        return value

    return check


def _discount_rate(value: Any) -> float:
    g = _number(value)
    if g == 1.0:
        raise ValueError("must be below 1 (POWER's (1 - γ)/γ normalisation vanishes at γ = 1), got 1")
    return _in_range(0.0, 1.0, high_open=True)(g)


def _correlation(value: Any) -> float:
    return _in_range(-1.0, 1.0)(_number(value))


def _positive(value: Any) -> float:
    x = _number(value)
    if x <= 0:
        raise ValueError(f"must be positive, got {value!r}")
    return x


def _sample_count(value: Any) -> int:
    n = _integer(value)
    if not 1 <= n <= MAX_SAMPLES:
        raise ValueError(f"must be a positive integer of at most {MAX_SAMPLES:,}, got {value!r}")
    return n


def _rounds(value: Any) -> int:
    n = _integer(value)
    if not 0 <= n <= MAX_ROUNDS:
        raise ValueError(f"must be a whole number of rounds in [0, {MAX_ROUNDS}], got {value!r}")
    return n


def _seed(value: Any) -> int | None:
    if value is None:
        return None
    n = _integer(value)
    if n < 0:
        raise ValueError(f"must be a non-negative integer or null, got {value!r}")
    return n


def _choice(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str) or value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}, got {value!r}")
        return value

    return check


def _interaction(value: Any) -> str | list[str]:
    """An interaction rule or list of rules, in its canonical form (:func:`~powerplay.model.interactions.interaction_spec`)."""
    try:
        return interaction_spec(value)
    except ModelError as error:
        raise ValueError(str(error).removeprefix("interaction: ")) from None


def _agent_model(value: Any) -> str | dict[str, dict[str, float]]:
    """An agent model in its canonical form (:func:`~powerplay.model.agent_models.agent_model_spec`)."""
    try:
        return agent_model_spec(value)
    except ModelError as error:
        raise ValueError(str(error).removeprefix("agent_model: ")) from None


def agent_name(value: Any) -> str:
    """An agent name (:func:`~powerplay.model.labels.check_agent_name`); raises ValueError saying what a name may be."""
    try:
        return check_agent_name(value)
    except ModelError as error:
        raise ValueError(str(error)) from None


def _agents(value: Any) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"must be a list of agent names in learning order, e.g. [H, A, B], got {value!r}")
    if len(value) < 2:
        raise ValueError(f"must list at least 2 agents (one agent: give mdp_graph without agents), got {list(value)!r}")
    if len(value) > MAX_AGENTS:
        raise ValueError(f"must list at most {MAX_AGENTS} agents, got {len(value)}")
    try:
        return check_agent_names(list(value))
    except ModelError as error:
        raise ValueError(str(error)) from None


Number = Annotated[float, BeforeValidator(_number)]
Name = Annotated[str, BeforeValidator(_name)]


class DistributionSpec(BaseModel):
    """One 1-D distribution: ``{dist_name, params}``."""

    model_config = ConfigDict(extra="forbid")
    dist_name: Name
    params: list[Number] = []

    @model_validator(mode="after")
    def _known(self) -> DistributionSpec:
        make_distribution({"dist_name": self.dist_name, "params": self.params})  # ValueError names the problem
        return self


def _string_keys(value: Any) -> Any:
    # YAML reads state labels such as 1 or 2.5 as numbers; state labels are strings.
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    return value


class RewardDistributionSpec(BaseModel):
    """The ``reward_distribution`` block (see :mod:`powerplay.model.rewards`)."""

    model_config = ConfigDict(extra="forbid")
    default_dist: DistributionSpec
    state_dists: Annotated[dict[str, DistributionSpec], BeforeValidator(_string_keys)] = {}
    states_with_identical_rewards: list[list[Annotated[str, BeforeValidator(str)]]] = []
    allow_all_equal_rewards: bool = True

    @field_validator("allow_all_equal_rewards", mode="before")
    @classmethod
    def _strict_bool(cls, value: Any) -> bool:
        if not isinstance(value, bool):
            raise ValueError(f"must be True or False, got {value!r}")
        return value

    @field_validator("state_dists", "states_with_identical_rewards", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any, info: ValidationInfo) -> Any:
        # ``state_dists:`` with nothing after it is YAML null: read it as empty.
        if value is None:
            return {} if info.field_name == "state_dists" else []
        return value


def _adapter(check: Callable[[Any], Any], typed: Any = Any) -> TypeAdapter:
    return TypeAdapter(Annotated[typed, BeforeValidator(check)])


def pydantic_error(error: ValidationError) -> ConfigError:
    """The first error of a pydantic ``ValidationError`` as a one-line :class:`ConfigError`."""
    first = error.errors(include_url=False)[0]
    path = ""
    for part in first["loc"]:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    kind, message = first["type"], first["msg"]
    if kind == "extra_forbidden":
        message = "unknown key"
    elif kind == "missing":
        message = "missing required key"
    elif kind in ("value_error", "assertion_error"):
        message = message.split(", ", 1)[1] if message.startswith(("Value error, ", "Assertion failed, ")) else message
    else:
        message = f"{message[:1].lower()}{message[1:]}, got {first.get('input')!r}"
    return ConfigError(message, path.lstrip(".") or None)


# --------------------------------------------------------------------------------------
# The records

#: The kinds of parameter value.
Kind = Literal["number", "integer", "mdp", "policy", "distribution", "choice", "agents", "model"]

_NO_DEFAULT = object()


@dataclass(frozen=True)
class Parameter:
    """What one config parameter is.

    Attributes
    ----------
    name : str
        As written in configs, e.g. ``'discount_rate_agent_B'``.
    validator : pydantic.TypeAdapter
        Checks a value and returns its typed form (:meth:`validate`).
    kind : {'number', 'integer', 'mdp', 'policy', 'distribution', 'choice', 'agents', 'model'}
    label : str
        For axes and tables, e.g. ``'discount rate γ_B of Agent B'`` (the name if nothing better).
    symbol : str or None
        For titles and run labels, e.g. ``'γ_B'``; None when the parameter has none.
    scale : {'linear', 'log_one_minus', 'categorical'}
        The axis it is plotted and scanned on: discount rates on ``log10(1 - γ)``.
    agent : str or None
        The agent it belongs to (family members); None for parameters of the run or of every agent.
    required_by : tuple of str
        The experiment types that need it in a two-agent (reference-style) config.
    overrides : str or None
        For a per-agent parameter, the parameter it overrides for its agent.
    default : Any
        The value used when a config leaves it out (:attr:`has_default`).
    description : str
        One line for documentation and error messages.
    """

    name: str
    validator: TypeAdapter = field(repr=False, compare=False)
    kind: Kind
    label: str = ""
    symbol: str | None = None
    scale: Scale = "categorical"
    agent: str | None = None
    required_by: tuple[str, ...] = ()
    overrides: str | None = None
    default: Any = field(default=_NO_DEFAULT, repr=False)
    description: str = ""

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", self.name)

    @property
    def numeric(self) -> bool:
        """Whether its values are numbers (it can be scanned and plotted on a numeric axis)."""
        return self.kind in ("number", "integer")

    @property
    def integer(self) -> bool:
        return self.kind == "integer"

    @property
    def has_default(self) -> bool:
        return self.default is not _NO_DEFAULT

    @property
    def short_label(self) -> str:
        """The label up to ``' between'`` (``'reward correlation β'``), for titles."""
        return self.label.split(" between")[0]

    def validate(self, value: Any) -> Any:
        """The typed value.

        Raises
        ------
        ConfigError
            One line saying what is wrong, with ``field`` relative to the value
            (e.g. ``default_dist.params[0]``).
        """
        try:
            return self.validator.validate_python(value)
        except ValidationError as error:
            raise pydantic_error(error) from None

    def to_axis(self, value: float) -> float:
        """A value's position on the parameter's numeric axis (``log10(1 - γ)`` for discount rates)."""
        return math.log10(1.0 - value) if self.scale == "log_one_minus" else float(value)


@dataclass(frozen=True)
class ParameterFamily:
    """Per-agent parameters ``{prefix}{agent}`` for every agent name.

    Attributes
    ----------
    prefix : str
        E.g. ``'discount_rate_agent_'``.
    member : callable
        ``member(agent) -> Parameter``.
    """

    prefix: str
    member: Callable[[str], Parameter] = field(repr=False, compare=False)

    @property
    def pattern(self) -> str:
        """How the family is written in messages: ``'discount_rate_agent_X'``."""
        return f"{self.prefix}X"

    def agent_of(self, name: str) -> str | None:
        """The agent a parameter name of this family is for, or None if it is not one."""
        if name.startswith(self.prefix):
            rest = name[len(self.prefix) :]
            if AGENT_NAME.fullmatch(rest):
                return rest
        return None


_DISCOUNT = _adapter(_discount_rate, float)
_CORRELATION = _adapter(_correlation, float)
_POLICY = _adapter(_policy_value)
_MDP = _adapter(_mdp_value)
_EVERY = ALL_TYPES
_MODEL = _adapter(_agent_model)


def _discount_rate_of(agent: str) -> Parameter:
    return Parameter(
        f"discount_rate_agent_{agent}",
        _DISCOUNT,
        "number",
        label=f"discount rate γ_{agent} of Agent {agent}",
        symbol=f"γ_{agent}",
        scale="log_one_minus",
        agent=agent,
        required_by=(LEARNING_CHAIN,) if agent == "A" else (),
        overrides="discount_rate",
        description=f"Agent {agent}'s discount rate, in [0, 1)",
    )


def _correlation_of(agent: str) -> Parameter:
    return Parameter(
        f"reward_correlation_agent_{agent}",
        _CORRELATION,
        "number",
        label=f"reward correlation β_{agent} of Agent {agent} with the first agent",
        symbol=f"β_{agent}",
        scale="linear",
        agent=agent,
        overrides="reward_correlation",
        description=f"correlation of Agent {agent}'s rewards with the first agent's, in [-1, 1]",
    )


def _seed_policy_of(agent: str) -> Parameter:
    return Parameter(
        f"seed_policy_agent_{agent}",
        _POLICY,
        "policy",
        agent=agent,
        overrides="seed_policy",
        description=f"Agent {agent}'s seed policy: a name or a generated-policy spec",
    )


def _agent_model_of(agent: str) -> Parameter:
    return Parameter(
        f"agent_model_agent_{agent}",
        _MODEL,
        "model",
        label=f"agent model of Agent {agent}",
        agent=agent,
        overrides="agent_model",
        description=f"Agent {agent}'s model: optimal, {{boltzmann: {{beta: B}}}} or {{epsilon_greedy: {{epsilon: e}}}}",
    )


#: The per-agent families.
FAMILIES: tuple[ParameterFamily, ...] = (
    ParameterFamily("discount_rate_agent_", _discount_rate_of),
    ParameterFamily("reward_correlation_agent_", _correlation_of),
    ParameterFamily("seed_policy_agent_", _seed_policy_of),
    ParameterFamily("agent_model_agent_", _agent_model_of),
)


def _fixed(*parameters: Parameter) -> dict[str, Parameter]:
    return {p.name: p for p in parameters}


#: Every parameter with a fixed name, in the order configs usually list them.
PARAMETERS: dict[str, Parameter] = _fixed(
    Parameter(
        "agents",
        _adapter(_agents),
        "agents",
        required_by=(),
        description="the agents in learning order, slowest first, e.g. [H, A, B]",
    ),
    Parameter(
        "mdp_graph",
        _MDP,
        "mdp",
        required_by=(SINGLE_AGENT,),
        description="a single-agent MDP: a name or a generator spec (with agents: the gridworld every agent moves on)",
    ),
    Parameter(
        "interaction",
        _adapter(_interaction),
        "choice",
        description=(
            f"with agents and mdp_graph: what happens when agents would share a cell: one of {', '.join(JOINT_RULES)}, "
            "or a list of them such as [no_swap, block]"
        ),
    ),
    Parameter(
        "joint_mdp_graph",
        _MDP,
        "mdp",
        required_by=(FIXED_POLICIES, LEARNING_CHAIN),
        description="a joint MDP: a name or a generator spec with joint: allow | remove | block",
    ),
    Parameter(
        "policy_graph_agent_A",
        _POLICY,
        "policy",
        agent="A",
        required_by=(FIXED_POLICIES,),
        description="multiagent_fixed_policy: Agent A's fixed policy (a name or a generated-policy spec)",
    ),
    Parameter(
        "seed_policy_graph_agent_A",
        _POLICY,
        "policy",
        agent="A",
        required_by=(LEARNING_CHAIN,),
        description="multiagent_with_reward: Agent A's seed policy (a name or a generated-policy spec)",
    ),
    Parameter(
        "seed_policy",
        _POLICY,
        "policy",
        description="with agents: the seed policy of every agent after the first (seed_policy_agent_X overrides)",
    ),
    Parameter(
        "discount_rate",
        _DISCOUNT,
        "number",
        label="discount rate γ",
        symbol="γ",
        scale="log_one_minus",
        required_by=_EVERY,
        description="the discount rate of every agent, in [0, 1) (discount_rate_agent_X overrides)",
    ),
    _discount_rate_of("A"),  # the reference's name for Agent A's: listed, so messages suggest it
    Parameter(
        "agent_model",
        _MODEL,
        "model",
        label="agent model",
        default="optimal",
        description=(
            "how every learning agent acts (agent_model_agent_X overrides): optimal (default), "
            "{boltzmann: {beta: B}} or {epsilon_greedy: {epsilon: e}}"
        ),
    ),
    _agent_model_of("H"),  # the two-agent configs' agents: listed, so their configs may name them
    _agent_model_of("A"),
    Parameter(
        "reward_distribution",
        TypeAdapter(RewardDistributionSpec),
        "distribution",
        required_by=_EVERY,
        description="the reward distribution (every agent's rewards have its marginals)",
    ),
    Parameter(
        "reward_correlation",
        _CORRELATION,
        "number",
        label="reward correlation β between Agents H and A",
        symbol="β",
        scale="linear",
        required_by=(LEARNING_CHAIN,),
        description="β in [-1, 1]: correlation of every later agent's rewards with the first agent's",
    ),
    Parameter(
        "reward_scope",
        _adapter(_choice(REWARD_SCOPES), str),
        "choice",
        default="joint_state",
        description="joint_state (a reward per joint state) or own_cell (each agent rewarded by its own cell)",
    ),
    Parameter(
        "rounds",
        _adapter(_rounds, int),
        "integer",
        label="counter-optimisation rounds",
        scale="linear",
        default=0,
        description=(
            "multiagent_with_reward: rounds of re-training after the learning chain, each agent in turn a best "
            "response to everyone's current policies, until a fixed point or a cycle (0: the chain alone)"
        ),
    ),
    Parameter(
        "num_reward_samples",
        _adapter(_sample_count, int),
        "integer",
        label="number of reward samples",
        scale="linear",
        required_by=_EVERY,
        description="reward functions sampled per run (a positive integer)",
    ),
    Parameter(
        "convergence_threshold",
        _adapter(_positive, float),
        "number",
        scale="linear",
        default=1e-4,
        description="certified bound on each POWER sample's error",
    ),
    Parameter(
        "random_seed",
        _adapter(_seed, int | None),
        "integer",
        scale="linear",
        default=None,
        description="a non-negative integer; null draws one per sweep",
    ),
)

#: Every parameter name and family pattern, for messages.
KNOWN_PARAMETERS: tuple[str, ...] = (*PARAMETERS, *(family.pattern for family in FAMILIES))


def find_parameter(name: str) -> Parameter | None:
    """The parameter called ``name`` (a fixed name or a family member), or None."""
    if not isinstance(name, str):
        return None
    found = PARAMETERS.get(name)
    if found is not None:
        return found
    for family in FAMILIES:
        agent = family.agent_of(name)
        if agent is not None:
            return family.member(agent)
    return None


def parameter(name: str) -> Parameter:
    """The parameter called ``name``.

    Raises
    ------
    ConfigError
        For an unknown name, suggesting the closest known one (or listing them).
    """
    found = find_parameter(name)
    if found is not None:
        return found
    candidates = [*PARAMETERS, "reward_correlation_agent_A", "seed_policy_agent_A"]
    close = difflib.get_close_matches(str(name), candidates, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else f"; known: {', '.join(KNOWN_PARAMETERS)}"
    raise ConfigError(f"unknown parameter{hint}")


def validate_value(name: str, value: Any) -> Any:
    """Validate one value of parameter ``name``; return its typed form.

    Raises
    ------
    ConfigError
        With ``field`` relative to the value (e.g. ``default_dist.params[0]``); an unknown
        parameter is an error suggesting the closest known one.
    """
    return parameter(name).validate(value)


def agent_parameter(general: str, agent: str) -> Parameter:
    """The member of the family overriding ``general`` for ``agent`` (``discount_rate``, 'B' ->
    ``discount_rate_agent_B``)."""
    for family in FAMILIES:
        member = family.member(agent)
        if member.overrides == general:
            return member
    raise ConfigError(f"{general!r} has no per-agent parameters")


def overriding(general: str, names) -> list[str]:
    """The names among ``names`` that override ``general`` for one agent, in their order."""
    out = []
    for name in names:
        found = find_parameter(name)
        if found is not None and found.overrides == general:
            out.append(name)
    return out


def label(name: str) -> str:
    """Axis label of a parameter (its name if it is not a parameter)."""
    found = find_parameter(name)
    return found.label if found is not None else str(name)


def symbol(name: str) -> str:
    """Symbol of a parameter for titles (its name if it has none)."""
    found = find_parameter(name)
    return found.symbol if found is not None and found.symbol else str(name)


def scale(name: str) -> Scale:
    """The axis scale of a parameter (``'categorical'`` for unknown names)."""
    found = find_parameter(name)
    return found.scale if found is not None else "categorical"


__all__ = [
    "AGENT_NAME",
    "ALL_TYPES",
    "FAMILIES",
    "FIXED_POLICIES",
    "KNOWN_PARAMETERS",
    "LEARNING_CHAIN",
    "MAX_AGENTS",
    "MAX_ROUNDS",
    "MAX_SAMPLES",
    "MAX_TEXT_LENGTH",
    "PARAMETERS",
    "SINGLE_AGENT",
    "DistributionSpec",
    "Parameter",
    "ParameterFamily",
    "RewardDistributionSpec",
    "agent_name",
    "agent_parameter",
    "find_parameter",
    "label",
    "overriding",
    "parameter",
    "pydantic_error",
    "scale",
    "symbol",
    "validate_value",
]
