"""Experiment config files (the reference tool's YAML format): load, validate, expand into runs.

A config names an experiment and lists its ``parameters``, each either fixed or swept::

    name: my_first_sweep
    description: "Three discount rates on the 7x7 maze."
    program: sweep.py                 # accepted and ignored (the reference ran this script)
    parameters:
      mdp_graph:
        value: "7x7_gridworld_maze"
      discount_rate:
        values: [0.1, 0.9, 0.99]
        names: ["0p1", "0p9", "0p99"] # used in run folder names
      reward_distribution:
        value:
          default_dist: {dist_name: "uniform", params: [0, 1]}
          allow_all_equal_rewards: False
      num_reward_samples: {value: 20000}
      convergence_threshold: {value: 0.0001}
      random_seed: {value: 0}

Parameters (``*`` = required):

==============================  ==========================================================
``discount_rate`` *             Agent H's discount rate, in ``[0, 1)`` (0 is the limit
                                where POWER is the best next-state reward; 1 is rejected)
``reward_distribution`` *       Agent H's reward distribution: ``default_dist``,
                                ``state_dists``, ``states_with_identical_rewards``,
                                ``allow_all_equal_rewards`` (see :mod:`powerplay.model.rewards`)
``num_reward_samples`` *        reward functions sampled per run (a positive integer)
``convergence_threshold``       certified bound on each POWER sample's error (default
                                ``1e-4``). The reference stopped value iteration when the
                                largest relative change of a value fell below it; ours is a
                                guaranteed bound on every reported POWER sample, so it is
                                at least as strict
``random_seed``                 non-negative integer; ``null`` (or absent) draws one seed per
                                sweep and records it. Every run of a sweep uses the same
                                seed, so runs differ only by their parameters (common random
                                numbers make comparisons across γ or β sharper)
``mdp_graph``                   ``single_agent``: a single-agent MDP name
``joint_mdp_graph``             multi-agent types: a joint MDP name
``policy_graph_agent_A``        ``multiagent_fixed_policy``: Agent A's fixed policy
``seed_policy_graph_agent_A``   ``multiagent_with_reward``: Agent A's seed policy
``discount_rate_agent_A``       ``multiagent_with_reward``: Agent A's discount rate
``reward_correlation``          ``multiagent_with_reward``: β in ``[-1, 1]`` (negative β
                                needs a distribution symmetric on an interval)
==============================  ==========================================================

The experiment type follows from which parameters are present (see
:data:`EXPERIMENT_TYPE_KEYS`). MDP and policy names resolve as described in
:mod:`powerplay.runner.resolve`.

Several swept parameters make a grid: every combination is one run, the first swept
parameter in the file varying slowest. A run is named by its value names,
``{param}__{name}`` for each swept parameter sorted by parameter name, joined with ``-``
(the reference's rule); ``''`` when nothing is swept. ``names`` may be omitted for numbers
(``0.1`` is named ``0p1``, ``-1`` is ``n1``).

Every mistake is a :class:`ConfigError` whose one-line message names the file and field,
e.g. ``configs/x.yaml: parameters.discount_rate.values[2]: must be in [0, 1), got 1.0``.

Examples
--------
>>> text = '''
... name: demo
... parameters:
...   mdp_graph: {value: 3x3_gridworld}
...   discount_rate: {values: [0.1, 0.9]}
...   reward_distribution: {value: {default_dist: {dist_name: uniform, params: [0, 1]}}}
...   num_reward_samples: {value: 100}
...   random_seed: {value: 0}
... '''
>>> sweep = parse_sweep_config(text)
>>> sweep.experiment_type, [run.suffix for run in sweep.runs()]
('single_agent', ['discount_rate__0p1', 'discount_rate__0p9'])
>>> build_experiment(sweep.runs()[1].config).discount_rate
0.9
>>> parse_sweep_config(text.replace('0.9', '1.5'))
Traceback (most recent call last):
...
powerplay.errors.ConfigError: <config>: parameters.discount_rate.values[1]: must be in [0, 1), got 1.5
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import math
import os
import re
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, Mapping

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, TypeAdapter, ValidationError, ValidationInfo, field_validator, model_validator

from ..errors import ConfigError, ResolveError
from ..model.mdp import JointMDP
from ..model.editing import align_policy
from ..model.policy import check_policy_compatible
from ..model.rewards import RewardDistribution, make_distribution
from ..solvers.values import SolverSettings
from .experiment import Experiment
from .resolve import content_hash, resolve_mdp, resolve_policy

# --------------------------------------------------------------------------------------
# Typed schema of parameter values (pydantic v2)


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"must be a number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"must be finite, got {value!r}")
    return float(value)


def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError(f"must be an integer, got {value!r}")
    return int(value)


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"must be a non-empty name (string), got {value!r}")
    return value


def _in_range(low: float, high: float, high_open: bool = False):
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


def _positive(value: Any) -> float:
    x = _number(value)
    if x <= 0:
        raise ValueError(f"must be positive, got {value!r}")
    return x


def _sample_count(value: Any) -> int:
    n = _integer(value)
    if n < 1:
        raise ValueError(f"must be a positive integer, got {value!r}")
    return n


def _seed(value: Any) -> int | None:
    if value is None:
        return None
    n = _integer(value)
    if n < 0:
        raise ValueError(f"must be a non-negative integer or null, got {value!r}")
    return n


Number = Annotated[float, BeforeValidator(_number)]
Name = Annotated[str, BeforeValidator(_name)]


class DistributionSpec(BaseModel):
    """One 1-D distribution: ``{dist_name, params}``."""

    model_config = ConfigDict(extra="forbid")
    dist_name: Name
    params: list[Number] = []

    @model_validator(mode="after")
    def _known(self) -> "DistributionSpec":
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


#: Each parameter's value type. Validation of a value runs its adapter.
PARAMETER_TYPES: dict[str, TypeAdapter] = {
    "mdp_graph": TypeAdapter(Name),
    "joint_mdp_graph": TypeAdapter(Name),
    "policy_graph_agent_A": TypeAdapter(Name),
    "seed_policy_graph_agent_A": TypeAdapter(Name),
    "discount_rate": TypeAdapter(Annotated[float, BeforeValidator(_discount_rate)]),
    "discount_rate_agent_A": TypeAdapter(Annotated[float, BeforeValidator(_discount_rate)]),
    "reward_distribution": TypeAdapter(RewardDistributionSpec),
    "reward_correlation": TypeAdapter(Annotated[float, BeforeValidator(lambda v: _in_range(-1.0, 1.0)(_number(v)))]),
    "num_reward_samples": TypeAdapter(Annotated[int, BeforeValidator(_sample_count)]),
    "convergence_threshold": TypeAdapter(Annotated[float, BeforeValidator(_positive)]),
    "random_seed": TypeAdapter(Annotated[int | None, BeforeValidator(_seed)]),
}

#: Parameters every experiment type needs.
COMMON_REQUIRED = ("discount_rate", "reward_distribution", "num_reward_samples")

#: Parameters every experiment type accepts, with their defaults.
COMMON_OPTIONAL: dict[str, Any] = {"convergence_threshold": 1e-4, "random_seed": None}

#: The parameters that identify each experiment type (all of them, and no other type's).
EXPERIMENT_TYPE_KEYS: dict[str, tuple[str, ...]] = {
    "single_agent": ("mdp_graph",),
    "multiagent_fixed_policy": ("joint_mdp_graph", "policy_graph_agent_A"),
    "multiagent_with_reward": ("joint_mdp_graph", "seed_policy_graph_agent_A", "discount_rate_agent_A", "reward_correlation"),
}

#: Keys a resolved run config carries besides parameters (added by the sweep runner).
RUN_METADATA_KEYS = ("experiment_type", "sweep_id", "sweep_name", "run_suffix", "value_names")

_TYPE_SPECIFIC = tuple(dict.fromkeys(k for keys in EXPERIMENT_TYPE_KEYS.values() for k in keys))
KNOWN_PARAMETERS = tuple(PARAMETER_TYPES)

_BAD_NAME_CHARS = re.compile(r'[\s/\\:*?"<>|]')


def _pydantic_error(error: ValidationError) -> ConfigError:
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


def validate_value(param: str, value: Any) -> Any:
    """Validate one value of parameter ``param``; return its typed form.

    Raises
    ------
    ConfigError
        With ``field`` relative to the value (e.g. ``default_dist.params[0]``).
    """
    if param not in PARAMETER_TYPES:
        close = difflib.get_close_matches(param, KNOWN_PARAMETERS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else f"; known: {', '.join(KNOWN_PARAMETERS)}"
        raise ConfigError(f"unknown parameter{hint}")
    try:
        return PARAMETER_TYPES[param].validate_python(value)
    except ValidationError as error:
        raise _pydantic_error(error) from None


def detect_experiment_type(keys) -> str:
    """The experiment type a set of parameter names describes.

    Raises
    ------
    ConfigError
        Naming the missing and unexpected parameters of the closest type.

    Examples
    --------
    >>> detect_experiment_type(['joint_mdp_graph', 'policy_graph_agent_A', 'discount_rate'])
    'multiagent_fixed_policy'
    >>> detect_experiment_type(['joint_mdp_graph', 'seed_policy_graph_agent_A'])
    Traceback (most recent call last):
    ...
    powerplay.errors.ConfigError: parameters: no experiment type matches: closest is multiagent_with_reward, which also needs discount_rate_agent_A, reward_correlation
    """
    present = [k for k in _TYPE_SPECIFIC if k in set(keys)]
    for kind, needed in EXPERIMENT_TYPE_KEYS.items():
        if set(present) == set(needed):
            return kind
    if not present:
        raise ConfigError(
            "no experiment type matches: add mdp_graph (single_agent) or joint_mdp_graph with policy_graph_agent_A "
            "(multiagent_fixed_policy) or with seed_policy_graph_agent_A, discount_rate_agent_A and reward_correlation "
            "(multiagent_with_reward)",
            "parameters",
        )

    def mismatch(kind):
        needed = EXPERIMENT_TYPE_KEYS[kind]
        missing = [k for k in needed if k not in present]
        extra = [k for k in present if k not in needed]
        return len(missing) + len(extra), len(extra), missing, extra

    kind = min(EXPERIMENT_TYPE_KEYS, key=lambda k: mismatch(k)[:2])
    _, _, missing, extra = mismatch(kind)
    parts = []
    if missing:
        parts.append(f"also needs {', '.join(missing)}")
    if extra:
        parts.append(f"does not take {', '.join(extra)}")
    raise ConfigError(f"no experiment type matches: closest is {kind}, which {' and '.join(parts)}", "parameters")


# --------------------------------------------------------------------------------------
# Sweeps


def default_value_name(value: Any) -> str:
    """A run name for a scalar value: ``0.1 -> '0p1'``, ``-1 -> 'n1'``, ``'maze' -> 'maze'``."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        text = repr(value) if isinstance(value, float) else str(value)
        return text.replace("-", "n").replace(".", "p").replace("+", "")
    if isinstance(value, str):
        return value
    raise ValueError("give names for non-scalar values")


@dataclass(frozen=True)
class Parameter:
    """One parameter of a sweep config.

    Attributes
    ----------
    name : str
    values : tuple
        Its values as given in the file (one for a fixed parameter).
    names : tuple of str or None
        Value names of a swept parameter; ``None`` for a fixed one.
    """

    name: str
    values: tuple[Any, ...]
    names: tuple[str, ...] | None = None

    @property
    def swept(self) -> bool:
        return self.names is not None

    def path(self, index: int) -> str:
        """The config path of value ``index`` (``parameters.x.value`` or ``.values[i]``)."""
        return f"parameters.{self.name}.values[{index}]" if self.swept else f"parameters.{self.name}.value"


def _parameter(name: str, spec: Any) -> Parameter:
    where = f"parameters.{name}"
    if not isinstance(spec, Mapping):
        raise ConfigError(f"must be a mapping with 'value' or with 'values' and 'names', got {spec!r}", where)
    unknown = [k for k in spec if k not in ("value", "values", "names")]
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]!r} (expected 'value', or 'values' and 'names')", where)
    if "value" in spec:
        if "values" in spec or "names" in spec:
            raise ConfigError("has both 'value' and 'values'/'names': use 'value' for a fixed parameter, 'values' for a swept one", where)
        return Parameter(name, (spec["value"],))
    if "values" not in spec:
        raise ConfigError("needs 'value' (fixed) or 'values' (swept)", where)
    values = spec["values"]
    if not isinstance(values, list) or not values:
        raise ConfigError(f"must be a non-empty list, got {values!r}", f"{where}.values")
    names = spec.get("names")
    if names is None:
        try:
            names = [default_value_name(v) for v in values]
        except ValueError:
            raise ConfigError("swept values that are not numbers or strings need 'names'", f"{where}.names") from None
    if not isinstance(names, list):
        raise ConfigError(f"must be a list, got {names!r}", f"{where}.names")
    if len(names) != len(values):
        raise ConfigError(f"has {len(names)} names for {len(values)} values; give one name per value", f"{where}.names")
    clean = []
    for i, n in enumerate(names):
        if isinstance(n, bool) or not isinstance(n, (str, int, float)) or not str(n):
            raise ConfigError(f"must be a non-empty string, got {n!r}", f"{where}.names[{i}]")
        if _BAD_NAME_CHARS.search(str(n)):
            raise ConfigError(f"is used in folder names and may not contain spaces or /\\:*?\"<>|, got {n!r}", f"{where}.names[{i}]")
        clean.append(str(n))
    if len(set(clean)) != len(clean):
        duplicate = next(n for n in clean if clean.count(n) > 1)
        raise ConfigError(f"name {duplicate!r} is used twice; run names must be unique", f"{where}.names")
    return Parameter(name, tuple(values), tuple(clean))


@dataclass(frozen=True)
class RunSpec:
    """One run of a sweep.

    Attributes
    ----------
    index : int
        Position in the sweep.
    suffix : str
        Run name suffix, e.g. ``'discount_rate__0p9'`` (``''`` when nothing is swept).
    config : dict
        The resolved run config: every parameter with its single plain value (defaults
        filled in, ``random_seed`` the actual seed), ``experiment_type`` and ``value_names``.
    value_names : dict
        ``{swept parameter: value name}``.
    positions : dict
        ``{swept parameter: index into its values}``.
    """

    index: int
    suffix: str
    config: dict[str, Any]
    value_names: dict[str, str]
    positions: dict[str, int]


def run_suffix(value_names: Mapping[str, str]) -> str:
    """``'{param}__{name}'`` per swept parameter, sorted by parameter name, joined by ``'-'``."""
    return "-".join(f"{param}__{value_names[param]}" for param in sorted(value_names))


def draw_random_seed() -> int:
    """A fresh seed from the operating system's entropy (for ``random_seed: null``)."""
    return secrets.randbelow(2**32)


@dataclass(frozen=True)
class SweepConfig:
    """A validated config file, ready to expand into runs.

    Attributes
    ----------
    name, description : str
    parameters : tuple of Parameter
        In file order.
    experiment_type : str
    source : str
        The file path (or a label) used in error messages.
    text : bytes
        The config file exactly as given.
    drawn_seed : int or None
        The seed substituted for ``random_seed: null`` (``None`` if no null seed).
    samples_override : int or None
        If set, every run uses this many reward samples instead of ``num_reward_samples``.
    """

    name: str
    description: str
    parameters: tuple[Parameter, ...]
    experiment_type: str
    source: str
    text: bytes = field(repr=False)
    drawn_seed: int | None = None
    samples_override: int | None = None

    @property
    def sha256(self) -> str:
        """Hash of :attr:`text` (identifies "the same config")."""
        return hashlib.sha256(self.text).hexdigest()

    @property
    def swept(self) -> dict[str, list[tuple[Any, str]]]:
        """``{param: [(value, name), ...]}`` of the swept parameters, in file order."""
        return {p.name: list(zip(p.values, p.names)) for p in self.parameters if p.swept}

    @property
    def needs_seed(self) -> bool:
        """Whether some run has ``random_seed: null`` (or no seed at all)."""
        seeds = [p for p in self.parameters if p.name == "random_seed"]
        return not seeds or any(v is None for v in seeds[0].values)

    def with_overrides(self, samples: int | None = None, drawn_seed: int | None = None) -> "SweepConfig":
        """A copy using ``samples`` reward samples per run and/or a given seed for ``null`` seeds."""
        if samples is not None:
            try:
                samples = PARAMETER_TYPES["num_reward_samples"].validate_python(samples)
            except ValidationError as error:
                raise _pydantic_error(error).located("samples override") from None
        return replace(
            self,
            samples_override=samples if samples is not None else self.samples_override,
            drawn_seed=drawn_seed if drawn_seed is not None else self.drawn_seed,
        )

    def runs(self) -> list[RunSpec]:
        """Every run of the grid, the first swept parameter (in file order) varying slowest."""
        swept = [p for p in self.parameters if p.swept]
        runs = []
        for index, positions in enumerate(itertools.product(*(range(len(p.values)) for p in swept))):
            chosen = dict(zip((p.name for p in swept), positions))
            config: dict[str, Any] = {}
            for p in self.parameters:
                config[p.name] = p.values[chosen.get(p.name, 0)]
            for key, default in COMMON_OPTIONAL.items():
                config.setdefault(key, default)
            if config["random_seed"] is None:
                config["random_seed"] = self.drawn_seed
            if self.samples_override is not None:
                config["num_reward_samples"] = self.samples_override
            names = {p.name: p.names[chosen[p.name]] for p in swept}
            config["experiment_type"] = self.experiment_type
            config["value_names"] = dict(sorted(names.items()))
            runs.append(RunSpec(index, run_suffix(names), config, names, chosen))
        return runs

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)

    def check_environments(self, workdir: str | os.PathLike | None = None) -> None:
        """Build every run's :class:`Experiment` once, so bad names and incompatible
        policies fail before anything runs.

        Raises
        ------
        ConfigError
            Naming the parameter value at fault (``parameters.x.values[i]``) and the file.
        """
        for run in self.runs():
            try:
                build_experiment(run.config, workdir=workdir)
            except ConfigError as error:
                param = (error.field or "").split(".")[0].split("[")[0]
                p = self.parameter(param)
                if p is None:
                    raise error.located(None, self.source) from None
                rest = (error.field or "")[len(param):].lstrip(".")
                raise ConfigError(error.detail, p.path(run.positions.get(param, 0)) + (f".{rest}" if rest else ""), self.source) from None


def parse_sweep_config(text: str | bytes, source: str = "<config>", check_environments: bool = False,
                       workdir: str | os.PathLike | None = None) -> SweepConfig:
    """Validate config text (YAML) and return a :class:`SweepConfig`.

    Parameters
    ----------
    text : str or bytes
        The YAML text.
    source : str
        Named in error messages (the file path).
    check_environments : bool
        Also resolve every MDP and policy and check them (see
        :meth:`SweepConfig.check_environments`).
    workdir : path, optional
        Where ``mdps/`` and ``policies/`` are (default: the current working directory).

    Raises
    ------
    ConfigError
    """
    raw = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    try:
        document = yaml.safe_load(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ConfigError(f"is not UTF-8 text ({error.reason})", None, source) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ConfigError(f"not valid YAML: {where}{problem}", None, source) from None
    if not isinstance(document, Mapping):
        raise ConfigError("must be a YAML mapping with 'name' and 'parameters'", None, source)
    unknown = [k for k in document if k not in ("name", "description", "program", "parameters")]
    if unknown:
        raise ConfigError("unknown key (expected name, description, program, parameters)", str(unknown[0]), source)
    name = document.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"must be a non-empty string, got {name!r}", "name", source)
    if _BAD_NAME_CHARS.search(name):
        raise ConfigError(f"is used in folder names and may not contain spaces or /\\:*?\"<>|, got {name!r}", "name", source)
    description = document.get("description") or ""
    if not isinstance(description, str):
        raise ConfigError(f"must be a string, got {description!r}", "description", source)
    params = document.get("parameters")
    if not isinstance(params, Mapping) or not params:
        raise ConfigError("must be a non-empty mapping of parameters", "parameters", source)

    parameters = []
    for key, spec in params.items():
        key = str(key)
        if key not in PARAMETER_TYPES:
            try:
                validate_value(key, None)
            except ConfigError as error:
                raise error.located(f"parameters.{key}", source) from None
        try:
            parameter = _parameter(key, spec)
        except ConfigError as error:
            raise error.located(None, source) from None
        for i, value in enumerate(parameter.values):
            try:
                validate_value(key, value)
            except ConfigError as error:
                raise error.located(parameter.path(i), source) from None
        parameters.append(parameter)

    keys = [p.name for p in parameters]
    try:
        kind = detect_experiment_type(keys)
    except ConfigError as error:
        raise error.located(None, source) from None
    for required in COMMON_REQUIRED:
        if required not in keys:
            raise ConfigError(f"missing required parameter {required!r}", "parameters", source)
    config = SweepConfig(str(name), description, tuple(parameters), kind, source, raw)
    if config.needs_seed:
        config = replace(config, drawn_seed=draw_random_seed())
    if check_environments:
        config.check_environments(workdir)
    return config


def load_sweep_config(path: str | os.PathLike, check_environments: bool = True,
                      workdir: str | os.PathLike | None = None) -> SweepConfig:
    """Read and validate a config file.

    Parameters
    ----------
    path : path
        The YAML file.
    check_environments : bool
        Resolve every MDP and policy and check their compatibility now (default), so
        mistakes surface before any run starts.
    workdir : path, optional
        Where ``mdps/`` and ``policies/`` are (default: the current working directory).

    Returns
    -------
    SweepConfig
        ``random_seed: null`` is replaced by a freshly drawn seed (:attr:`SweepConfig.drawn_seed`).

    Raises
    ------
    ConfigError
        For a missing or unreadable file or any invalid content, naming file and field.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError("config file not found", None, str(path)) from None
    except IsADirectoryError:
        raise ConfigError("is a folder, not a config file", None, str(path)) from None
    except OSError as error:
        raise ConfigError(f"cannot read config file: {error.strerror}", None, str(path)) from None
    return parse_sweep_config(raw, str(path), check_environments=check_environments, workdir=workdir)


# --------------------------------------------------------------------------------------
# Runs -> experiments


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


def build_experiment(run_config: Mapping[str, Any], workdir: str | os.PathLike | None = None,
                     diagnostic: bool = False) -> Experiment:
    """The :class:`Experiment` of one resolved run config (a ``run.yaml`` mapping).

    Parameters
    ----------
    run_config : mapping
        Every parameter with a single plain value, as in :attr:`RunSpec.config` or a run
        folder's ``run.yaml``; metadata keys (:data:`RUN_METADATA_KEYS`) are ignored.
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
    try:
        mdp, _ = resolve_mdp(typed[mdp_key], workdir)
    except ResolveError as error:
        raise ConfigError(str(error), mdp_key) from None
    if kind == "single_agent" and isinstance(mdp, JointMDP):
        raise ConfigError(f"{typed[mdp_key]!r} is a joint MDP; single-agent experiments need a single-agent MDP "
                          "(use joint_mdp_graph with an Agent A policy)", mdp_key)
    if kind != "single_agent" and not isinstance(mdp, JointMDP):
        raise ConfigError(f"{typed[mdp_key]!r} is a single-agent MDP; joint_mdp_graph needs a joint MDP", mdp_key)

    policy = None
    policy_key = {"multiagent_fixed_policy": "policy_graph_agent_A",
                  "multiagent_with_reward": "seed_policy_graph_agent_A"}.get(kind)
    if policy_key:
        try:
            policy, _ = resolve_policy(typed[policy_key], workdir)
        except ResolveError as error:
            raise ConfigError(str(error), policy_key) from None
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
    except ValueError as error:
        # Messages look like "reward_distribution.state_dists: '(9, 9)' is not a state"; keep the sub-field.
        match = re.match(r"reward_distribution\.(\w+): (.*)", str(error))
        field, detail = (f"reward_distribution.{match.group(1)}", match.group(2)) if match else ("reward_distribution", str(error))
        raise ConfigError(detail, field) from None
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


#: Parameters that name an MDP or a policy.
ENVIRONMENT_KEYS = ("mdp_graph", "joint_mdp_graph", "policy_graph_agent_A", "seed_policy_graph_agent_A")


def environment_fingerprints(runs, workdir: str | os.PathLike | None = None) -> dict[str, dict[str, str]]:
    """``{'{param}={value}': {'source': ..., 'sha256': ...}}`` for every MDP and policy the runs use.

    The hash is of the contents (:func:`powerplay.runner.resolve.content_hash`), so a sweep
    resumed after a file changed can refuse to mix two environments.
    """
    out: dict[str, dict[str, str]] = {}
    for run in runs:
        for key in ENVIRONMENT_KEYS:
            if key not in run.config:
                continue
            label = f"{key}={run.config[key]}"
            if label in out:
                continue
            resolve = resolve_policy if "policy" in key else resolve_mdp
            obj, source = resolve(run.config[key], workdir)
            out[label] = {"source": source, "sha256": content_hash(obj)}
    return out


def environment_sources(run_config: Mapping[str, Any], workdir: str | os.PathLike | None = None) -> dict[str, str]:
    """``{parameter: 'builtin' or file path}`` for the MDP and policy a run config names."""
    sources = {}
    for key in ("mdp_graph", "joint_mdp_graph"):
        if key in run_config:
            sources[key] = resolve_mdp(run_config[key], workdir)[1]
    for key in ("policy_graph_agent_A", "seed_policy_graph_agent_A"):
        if key in run_config:
            sources[key] = resolve_policy(run_config[key], workdir)[1]
    return sources


__all__ = [
    "COMMON_OPTIONAL",
    "COMMON_REQUIRED",
    "EXPERIMENT_TYPE_KEYS",
    "KNOWN_PARAMETERS",
    "PARAMETER_TYPES",
    "ConfigError",
    "DistributionSpec",
    "Parameter",
    "RewardDistributionSpec",
    "RunSpec",
    "SweepConfig",
    "build_experiment",
    "default_value_name",
    "detect_experiment_type",
    "draw_random_seed",
    "environment_fingerprints",
    "environment_sources",
    "load_sweep_config",
    "parse_sweep_config",
    "run_suffix",
    "validate_value",
]
