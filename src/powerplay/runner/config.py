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
``discount_rate`` *             the discount rate, in ``[0, 1)``, of every agent (0 is the
                                limit where POWER is the best next-state reward; 1 is
                                rejected); ``discount_rate_agent_X`` overrides it for Agent X
``reward_distribution`` *       the reward distribution (every agent's rewards have its
                                marginals): ``default_dist``, ``state_dists``,
                                ``states_with_identical_rewards``, ``allow_all_equal_rewards``
                                (see :mod:`powerplay.model.rewards`)
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
``mdp_graph``                   ``single_agent``: a single-agent MDP name, or a generator spec
                                ``{generator: maze, rows: 7, cols: 7, seed: 3}``; with
                                ``agents``, the gridworld every agent moves on
``reward_scope``                multi-agent types on joint gridworlds: ``joint_state`` (the
                                default: each agent's reward depends on the joint state) or
                                ``own_cell`` (one reward per cell per agent; each agent gets
                                the reward of the cell it stands on; ``state_dists`` name cells)
==============================  ==========================================================

Agents, in the form that lists them (a learning chain, ``multiagent_with_reward``, of any
number of agents; :mod:`powerplay.scenario.protocols`)::

    agents: {value: [H, A, B]}               # learning order, slowest first
    mdp_graph: {value: 7x7_gridworld_maze}   # the gridworld every agent moves on
    interaction: {value: remove}             # allow | remove | block
    discount_rate: {value: 0.9}              # every agent; discount_rate_agent_B overrides one
    seed_policy: {value: uniform_random}     # every agent after the first; seed_policy_agent_B overrides
    reward_correlation: {value: 0}           # with the first agent; reward_correlation_agent_B overrides

(``joint_mdp_graph`` may name the environment instead of ``mdp_graph`` and ``interaction``.)
Per-agent parameters must name a listed agent, and not the first for correlations and seed
policies; every later agent needs a seed policy and a correlation. ``agents: [H, A]`` with
these keys is the two-agent run of the reference's keys, which remain:

==============================  ==========================================================
``joint_mdp_graph``             multi-agent types: a joint MDP name, or a generator spec with
                                ``joint: allow | remove | block``
``policy_graph_agent_A``        ``multiagent_fixed_policy``: Agent A's fixed policy: a name,
                                or a generated policy (``uniform_random``, ``stay``,
                                ``{deterministic: left}``, ``{random_deterministic: {seed: 3}}``)
``seed_policy_graph_agent_A``   ``multiagent_with_reward``: Agent A's seed policy (as above)
``discount_rate_agent_A``       ``multiagent_with_reward``: Agent A's discount rate
``reward_correlation``          ``multiagent_with_reward``: β in ``[-1, 1]`` (negative β
                                needs a distribution symmetric on an interval)
==============================  ==========================================================

Every parameter, its validator, label and axis scale are in the parameter registry
(:mod:`powerplay.scenario.parameters`). The experiment type follows from which parameters are
present (:func:`~powerplay.scenario.protocols.detect_protocol`): ``agents`` makes a learning
chain; otherwise each type has its identifying parameters. MDP and policy names and specs
resolve as described in :mod:`powerplay.runner.build` and :mod:`powerplay.runner.resolve`.

Several swept parameters make a grid: every combination is one run, the first swept
parameter in the file varying slowest. Two more forms link parameters instead::

    discount_rate: {values: [0.5, 0.9, 0.99]}
    discount_rate_agent_A: {same_as: discount_rate}          # takes discount_rate's value in every run
    joint_mdp_graph: {values: [a, b], zip: env}               # zipped: a with pa, b with pb,
    seed_policy_graph_agent_A: {values: [pa, pb], zip: env}   # instead of all four pairs

Swept parameters with the same ``zip`` name form one axis of the grid (equal numbers of
values required). A run is named by its value names, ``{param}__{name}`` for each swept
parameter sorted by parameter name, joined with ``-`` (the reference's rule); a sweep with
nothing swept has one run. ``names`` may be omitted for numbers (``0.1`` is named ``0p1``,
``-1`` is ``n1``), names, environment and policy specs (``maze_7x7_seed_3``), agent models
(``boltzmann_beta_5``) and simple reward distributions (``beta_1_2``). Value names are 1 to 64 letters, digits or
``_ . + =`` -- no ``-``, which separates a run name's parts, so two runs can never share a
folder. A sweep may expand into at most :data:`MAX_RUNS` runs.

Every mistake is a :class:`ConfigError` whose one-line message names the file and field,
e.g. ``configs/x.yaml: parameters.discount_rate.values[2]: must be in [0, 1), got 1.0``.

Reading is bounded (:mod:`powerplay.io.safe_load`): a config file is at most
:data:`~powerplay.io.safe_load.MAX_CONFIG_BYTES` (4 MiB) and must be a regular file
(``/dev/zero`` or a FIFO is refused before anything is read); its YAML may nest at most
:data:`~powerplay.io.safe_load.MAX_DEPTH` levels and its aliases may not expand it beyond
4 MiB of text; a key given twice is an error naming both lines (YAML would silently keep the
last value). Oversized inputs raise :class:`~powerplay.errors.ResourceLimitError` stating
the size and the limit. So does a generator spec whose MDP would be too big to build
(more than :data:`~powerplay.io.safe_load.MAX_TABLE_ENTRIES` (state, action) entries, the
limit the file readers apply), estimated from its size before anything is generated.

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
>>> sweep.runs()[1].config['discount_rate']
0.9
>>> parse_sweep_config(text.replace('0.9', '1.5'))
Traceback (most recent call last):
...
powerplay.errors.ConfigError: <config>: parameters.discount_rate.values[1]: must be in [0, 1), got 1.5
"""

from __future__ import annotations

import hashlib
import itertools
import math
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import ConfigError, FileFormatError, ModelError, ResourceLimitError
from ..io import safe_load
from ..model.generators import generator_spec_name, is_generator_spec
from ..model.policies import policy_spec_name
from ..scenario.parameters import (
    ALL_TYPES,
    MAX_SAMPLES,
    MAX_TEXT_LENGTH,
    PARAMETERS,
    find_parameter,
    parameter,
    validate_value,
)
from ..scenario.protocols import Protocol, detect_protocol, protocol_named
from ..scenario.record import RUN_METADATA_KEYS

#: Most runs a sweep may expand into (a grid of several long value lists grows fast).
MAX_RUNS = 100_000

#: Parameters every experiment type needs (the registry's ``required_by``).
COMMON_REQUIRED = tuple(name for name, p in PARAMETERS.items() if set(p.required_by) == set(ALL_TYPES))

#: Parameters every run config carries, with their defaults when a config leaves them out.
COMMON_OPTIONAL: dict[str, Any] = {name: parameter(name).default for name in ("convergence_threshold", "random_seed")}

#: A sweep's ``name``: letters, digits and ``_ . + = -`` (it names folders).
SWEEP_NAME = re.compile(r"^[\w.+=-]{1,64}$")
#: Longest sweep name in UTF-8 bytes: with a 9-digit id and a hash it leaves run folder names
#: (:data:`powerplay.storage.sweeps.MAX_FOLDER_NAME` bytes) room for the name whole.
MAX_NAME_BYTES = 80
#: A value name: the same without ``-``, which separates the parts of a run suffix, so two
#: different runs can never get the same folder.
VALUE_NAME = re.compile(r"^[\w.+=]{1,64}$")


def detect_experiment_type(keys) -> str:
    """The ``experiment_type`` name a set of parameter names describes
    (:func:`~powerplay.scenario.protocols.detect_protocol`).

    Examples
    --------
    >>> detect_experiment_type(['agents', 'mdp_graph', 'interaction', 'discount_rate'])
    'multiagent_with_reward'
    """
    return detect_protocol(keys).name


# --------------------------------------------------------------------------------------
# Sweeps


def _tidy_name(text: str) -> str:
    """``text`` reduced to the value-name alphabet (other characters become ``_``)."""
    return re.sub(r"_+", "_", re.sub(r"[^\w.+=]", "_", text)).strip("_")[:64] or "value"


def default_value_name(value: Any, param: str = "") -> str:
    """A run name for a swept value.

    Numbers: ``0.1 -> '0p1'``, ``-1 -> 'n1'``; names are used as they are (tidied); specs of
    generated environments and policies, and reward distributions, get a short name of
    what they are.

    Examples
    --------
    >>> default_value_name(0.99), default_value_name(-1), default_value_name('7x7_gridworld_maze')
    ('0p99', 'n1', '7x7_gridworld_maze')
    >>> default_value_name({'generator': 'maze', 'rows': 7, 'cols': 7, 'seed': 3}, 'mdp_graph')
    'maze_7x7_seed_3'
    >>> default_value_name({'random_deterministic': {'seed': 2}}, 'seed_policy_graph_agent_A')
    'random_deterministic_seed_2'
    >>> default_value_name({'default_dist': {'dist_name': 'beta', 'params': [1, 2]}}, 'reward_distribution')
    'beta_1_2'
    >>> default_value_name({'boltzmann': {'beta': 0.5}}, 'agent_model_agent_H')
    'boltzmann_beta_0p5'
    """
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        text = repr(value) if isinstance(value, float) else str(value)
        return text.replace("-", "n").replace(".", "p").replace("+", "")
    if isinstance(value, str):
        return _tidy_name(value)
    known = find_parameter(param)
    kind = known.kind if known is not None else None
    if isinstance(value, Mapping):
        if kind == "model" and len(value) == 1:
            ((name, params),) = value.items()
            parts = [str(name), *(f"{k}_{default_value_name(v)}" for k, v in (params or {}).items())]
            return _tidy_name("_".join(parts))
        if kind == "mdp":
            return _tidy_name(generator_spec_name(value))
        if kind == "policy":
            return _tidy_name(policy_spec_name(value))
        default = value.get("default_dist")
        if kind == "distribution" and isinstance(default, Mapping) and not value.get("state_dists"):
            parts = [str(default.get("dist_name")), *(f"{x:g}" for x in default.get("params") or [])]
            return _tidy_name("_".join(parts).replace("-", "n"))
    raise ValueError("give names for these values")


@dataclass(frozen=True)
class SweepParameter:
    """One parameter of a sweep config.

    Attributes
    ----------
    name : str
    values : tuple
        Its values as given in the file (one for a fixed parameter; none for a linked one).
    names : tuple of str or None
        Value names of a swept parameter; ``None`` for a fixed or linked one.
    zip_group : str or None
        Swept parameters with the same ``zip`` name vary together instead of forming a grid.
    same_as : str or None
        A linked parameter takes this other parameter's value in every run.
    """

    name: str
    values: tuple[Any, ...]
    names: tuple[str, ...] | None = None
    zip_group: str | None = None
    same_as: str | None = None

    @property
    def swept(self) -> bool:
        return self.names is not None

    def path(self, index: int) -> str:
        """The config path of value ``index`` (``parameters.x.value`` or ``.values[i]``)."""
        if self.same_as is not None:
            return f"parameters.{self.name}.same_as"
        return f"parameters.{self.name}.values[{index}]" if self.swept else f"parameters.{self.name}.value"


_SPEC_KEYS = ("value", "values", "names", "zip", "same_as")


def _parameter(name: str, spec: Any) -> SweepParameter:
    where = f"parameters.{name}"
    if not isinstance(spec, Mapping):
        raise ConfigError(
            f"must be a mapping with 'value', 'values' (and 'names', 'zip') or 'same_as', got {spec!r}", where
        )
    unknown = [k for k in spec if k not in _SPEC_KEYS]
    if unknown:
        raise ConfigError(
            f"unknown key {unknown[0]!r} (expected 'value', 'values' with 'names' and 'zip', or 'same_as')", where
        )
    if "same_as" in spec:
        if set(spec) != {"same_as"}:
            raise ConfigError(
                "'same_as' stands alone: the parameter takes the other parameter's value in every run", where
            )
        other = spec["same_as"]
        if not isinstance(other, str) or find_parameter(other) is None:
            raise ConfigError(f"must name another parameter, got {other!r}", f"{where}.same_as")
        if other == name:
            raise ConfigError("a parameter cannot be the same as itself", f"{where}.same_as")
        return SweepParameter(name, (), None, None, other)
    if "value" in spec:
        if set(spec) - {"value"}:
            raise ConfigError(
                "has both 'value' and 'values'/'names'/'zip': use 'value' for a fixed parameter, 'values' for a swept one",
                where,
            )
        return SweepParameter(name, (spec["value"],))
    if "values" not in spec:
        raise ConfigError("needs 'value' (fixed), 'values' (swept) or 'same_as' (linked)", where)
    values = spec["values"]
    if not isinstance(values, list) or not values:
        raise ConfigError(f"must be a non-empty list, got {values!r}", f"{where}.values")
    names = spec.get("names")
    if names is None:
        try:
            names = [default_value_name(v, name) for v in values]
        except (ValueError, ModelError, TypeError):
            # A value that cannot be named may be invalid: then say what is wrong with it instead.
            for i, value in enumerate(values):
                try:
                    validate_value(name, value)
                except ConfigError as error:
                    raise error.located(f"{where}.values[{i}]") from None
            raise ConfigError(
                "swept values that are not numbers, names or specs need 'names'", f"{where}.names"
            ) from None
    if not isinstance(names, list):
        raise ConfigError(f"must be a list, got {names!r}", f"{where}.names")
    if len(names) != len(values):
        raise ConfigError(f"has {len(names)} names for {len(values)} values; give one name per value", f"{where}.names")
    clean = []
    for i, n in enumerate(names):
        if isinstance(n, bool) or not isinstance(n, (str, int, float)) or not VALUE_NAME.match(str(n)):
            raise ConfigError(
                f"is used in run folder names: 1 to 64 letters, digits or _ . + = (no '-', which separates the "
                f"parameters of a run name), got {str(n)[:80]!r}",
                f"{where}.names[{i}]",
            )
        clean.append(str(n))
    if len(set(clean)) != len(clean):
        duplicate = next(n for n in clean if clean.count(n) > 1)
        raise ConfigError(f"name {duplicate!r} is used twice; run names must be unique", f"{where}.names")
    group = spec.get("zip")
    if group is not None and (not isinstance(group, str) or not VALUE_NAME.match(group)):
        raise ConfigError(f"must be a short name (letters, digits, _), got {group!r}", f"{where}.zip")
    return SweepParameter(name, tuple(values), tuple(clean), group)


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


def _link_target(linked: Mapping[str, str], name: str) -> str:
    """The parameter a chain of ``same_as`` links ends at."""
    seen = [name]
    while name in linked:
        name = linked[name]
        if name in seen:
            raise ConfigError(
                f"same_as links form a loop: {' -> '.join(seen + [name])}", f"parameters.{seen[0]}.same_as"
            )
        seen.append(name)
    return name


def draw_random_seed() -> int:
    """A fresh seed from the operating system's entropy (for ``random_seed: null``)."""
    return secrets.randbelow(2**32)


@dataclass(frozen=True)
class SweepConfig:
    """A validated config file, ready to expand into runs.

    Attributes
    ----------
    name, description : str
    parameters : tuple of SweepParameter
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
    parameters: tuple[SweepParameter, ...]
    experiment_type: str
    source: str
    text: bytes = field(repr=False)
    drawn_seed: int | None = None
    samples_override: int | None = None

    @property
    def protocol(self) -> Protocol:
        """The experiment type (:mod:`powerplay.scenario.protocols`)."""
        return protocol_named(self.experiment_type)

    @property
    def sha256(self) -> str:
        """Hash of :attr:`text` (identifies "the same config")."""
        return hashlib.sha256(self.text).hexdigest()

    @property
    def swept(self) -> dict[str, list[tuple[Any, str]]]:
        """``{param: [(value, name), ...]}`` of the swept parameters, in file order."""
        return {p.name: list(zip(p.values, p.names)) for p in self.parameters if p.names is not None}

    @property
    def zipped(self) -> dict[str, str]:
        """``{param: zip group}`` of the swept parameters that vary together."""
        return {p.name: p.zip_group for p in self.parameters if p.swept and p.zip_group is not None}

    @property
    def linked(self) -> dict[str, str]:
        """``{param: other param}`` of the parameters declared ``same_as`` another."""
        return {p.name: p.same_as for p in self.parameters if p.same_as is not None}

    def dimensions(self) -> list[list[SweepParameter]]:
        """The sweep's independent axes, in file order: a swept parameter alone, or a zip group."""
        axes: dict[str, list[SweepParameter]] = {}
        for p in self.parameters:
            if p.swept:
                axes.setdefault(p.zip_group or f"\0{p.name}", []).append(p)
        return list(axes.values())

    @property
    def num_runs(self) -> int:
        """How many runs the sweep expands into."""
        return math.prod(len(axis[0].values) for axis in self.dimensions())

    @property
    def needs_seed(self) -> bool:
        """Whether some run has ``random_seed: null`` (or no seed at all)."""
        seeds = [p for p in self.parameters if p.name == "random_seed"]
        return not seeds or any(v is None for v in seeds[0].values)

    def with_overrides(self, samples: int | None = None, drawn_seed: int | None = None) -> SweepConfig:
        """A copy using ``samples`` reward samples per run and/or a given seed for ``null`` seeds."""
        if samples is not None:
            try:
                samples = validate_value("num_reward_samples", samples)
            except ConfigError as error:
                raise error.located("samples override") from None
        return replace(
            self,
            samples_override=samples if samples is not None else self.samples_override,
            drawn_seed=drawn_seed if drawn_seed is not None else self.drawn_seed,
        )

    def runs(self) -> list[RunSpec]:
        """Every run: a grid over the axes (:meth:`dimensions`), the first axis varying slowest.

        Parameters of one zip group take their values at the same position; a ``same_as``
        parameter takes its target's value.
        """
        axes = self.dimensions()
        swept = [p for axis in axes for p in axis]
        runs = []
        for index, positions in enumerate(itertools.product(*(range(len(axis[0].values)) for axis in axes))):
            chosen = {p.name: position for axis, position in zip(axes, positions) for p in axis}
            config: dict[str, Any] = {}
            for p in self.parameters:
                if p.same_as is None:
                    config[p.name] = p.values[chosen.get(p.name, 0)]
            for p in self.parameters:
                if p.same_as is not None:
                    config[p.name] = config[_link_target(self.linked, p.name)]
            for key, default in COMMON_OPTIONAL.items():
                config.setdefault(key, default)
            if config["random_seed"] is None:
                config["random_seed"] = self.drawn_seed
            if self.samples_override is not None:
                config["num_reward_samples"] = self.samples_override
            names = {p.name: p.names[chosen[p.name]] for p in swept if p.names is not None}  # (all: swept)
            config["experiment_type"] = self.experiment_type
            config["value_names"] = dict(sorted(names.items()))
            runs.append(RunSpec(index, run_suffix(names), config, names, chosen))
        return runs

    def parameter(self, name: str) -> SweepParameter | None:
        return next((p for p in self.parameters if p.name == name), None)


def parse_sweep_config(text: str | bytes, source: str = "<config>") -> SweepConfig:
    """Validate config text (YAML) and return a :class:`SweepConfig`.

    Parameters
    ----------
    text : str or bytes
        The YAML text.
    source : str
        Named in error messages (the file path).

    The MDPs and policies it names are checked separately
    (:func:`powerplay.runner.build.check_environments`).

    Raises
    ------
    ConfigError
    """
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
    document = load_config_document(raw, source)
    if not isinstance(document, Mapping):
        raise ConfigError("must be a YAML mapping with 'name' and 'parameters'", None, source)
    unknown = [k for k in document if k not in ("name", "description", "program", "parameters")]
    if unknown:
        raise ConfigError("unknown key (expected name, description, program, parameters)", str(unknown[0]), source)
    name = document.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"must be a non-empty string, got {name!r}", "name", source)
    if not SWEEP_NAME.match(name) or len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        raise ConfigError(
            f"is used in folder names: 1 to 64 letters, digits or _ . + = -, at most {MAX_NAME_BYTES} bytes in UTF-8 "
            f"(file systems count bytes: 'é' takes 2, '𝐀' 4), got {name[:80]!r}",
            "name",
            source,
        )
    description = document.get("description") or ""
    if not isinstance(description, str) or len(description) > MAX_TEXT_LENGTH:
        raise ConfigError(f"must be a string of at most {MAX_TEXT_LENGTH} characters", "description", source)
    params = document.get("parameters")
    if not isinstance(params, Mapping) or not params:
        raise ConfigError("must be a non-empty mapping of parameters", "parameters", source)

    parameters = []
    for key, spec in params.items():
        key = str(key)
        try:
            known = parameter(key)
        except ConfigError as error:
            raise error.located(f"parameters.{key}", source) from None
        try:
            entry = _parameter(key, spec)
        except ConfigError as error:
            raise error.located(None, source) from None
        for i, value in enumerate(entry.values):
            try:
                typed = known.validate(value)
            except ConfigError as error:
                raise error.located(entry.path(i), source) from None
            if known.kind == "mdp" and is_generator_spec(typed):
                check_generated_size(typed, f"{source}: {entry.path(i)}")
        parameters.append(entry)

    keys = [p.name for p in parameters]
    try:
        protocol = detect_protocol(keys)
    except ConfigError as error:
        raise error.located(None, source) from None
    for required in COMMON_REQUIRED:
        if required not in keys:
            raise ConfigError(f"missing required parameter {required!r}", "parameters", source)
    config = SweepConfig(str(name), description, tuple(parameters), protocol.name, source, raw)
    try:
        _check_links_and_zips(config)
        _check_agent_keys(config, protocol)
    except ConfigError as error:
        raise error.located(None, source) from None
    if config.num_runs > MAX_RUNS:
        raise ConfigError(
            f"the sweep would have {config.num_runs:,} runs (the product of its swept value counts); "
            f"the limit is {MAX_RUNS:,}",
            "parameters",
            source,
        )
    if config.needs_seed:
        config = replace(config, drawn_seed=draw_random_seed())
    return config


def _check_agent_keys(config: SweepConfig, protocol: Protocol) -> None:
    """The protocol's rules for parameters that go together, for every value of ``agents``
    (:meth:`~powerplay.scenario.protocols.Protocol.check_keys`)."""
    keys = [p.name for p in config.parameters]
    listed = config.parameter("agents")
    if listed is None:
        protocol.check_keys(keys)
        return
    values = config.parameter(_link_target(config.linked, "agents"))
    assert values is not None  # a same_as target exists (_check_links_and_zips)
    checked: set[tuple[str, ...]] = set()
    for value in values.values:
        agents = tuple(validate_value("agents", value))
        if agents not in checked:
            checked.add(agents)
            protocol.check_keys(keys, agents)


def _check_links_and_zips(config: SweepConfig) -> None:
    """``same_as`` targets exist, form no loop and give valid values; zipped lists have equal lengths."""
    by_name = {p.name: p for p in config.parameters}
    linked = config.linked
    for name, other in linked.items():
        if other not in by_name:
            raise ConfigError(f"{other!r} is not a parameter of this config", f"parameters.{name}.same_as")
        target = by_name[_link_target(linked, name)]
        for i, value in enumerate(target.values):
            try:
                validate_value(name, value)
            except ConfigError as error:
                raise ConfigError(
                    f"takes {target.path(i)} = {value!r}, which {error.detail}", f"parameters.{name}.same_as"
                ) from None
    for axis in config.dimensions():
        lengths = {len(p.values) for p in axis}
        if len(lengths) > 1:
            sizes = ", ".join(f"{p.name} has {len(p.values)}" for p in axis)
            raise ConfigError(
                f"zipped parameters vary together and need equal numbers of values ({sizes})",
                f"parameters.{axis[-1].name}.zip",
            )


def load_config_document(data: bytes | str, source: str = "<config>") -> Any:
    """Parse config text with the bounded YAML reader (see the module notes on limits).

    Raises
    ------
    ConfigError
        For text that is not UTF-8 or not YAML, nesting deeper than
        :data:`~powerplay.io.safe_load.MAX_DEPTH`, or a duplicated key (naming the line).
    ResourceLimitError
        If the text, or what its aliases expand to, is over
        :data:`~powerplay.io.safe_load.MAX_CONFIG_BYTES`.

    Examples
    --------
    >>> load_config_document('name: a\\nname: b\\n', 'c.yaml')
    Traceback (most recent call last):
    ...
    powerplay.errors.ConfigError: c.yaml: line 2: duplicate key 'name' (first at line 1)
    """
    try:
        return safe_load.load_yaml(data, source, max_bytes=safe_load.MAX_CONFIG_BYTES)
    except FileFormatError as error:
        raise ConfigError(error.problem, f"line {error.line}" if error.line is not None else None, source) from None


def _count(n: int) -> str:
    """``n`` with thousands separators, or as a power of ten when it has more than 15 digits."""
    return f"{n:,}" if n < 10**15 else f"about 10^{len(str(n)) - 1}"


def generated_size(spec: Mapping[str, Any]) -> tuple[int, int]:
    """``(states, (state, action) entries)`` of the MDP a normalised generator spec describes.

    Computed from the spec alone (exact for mazes, an upper bound for rooms), with Python
    integers, so a spec of any size is measured without building anything. Joint specs count
    the full product of the two agents' states and moves, which is what gets built before
    an overlap rule removes anything.

    Examples
    --------
    >>> generated_size({'generator': 'maze', 'rows': 7, 'cols': 7, 'seed': 0, 'loops': 0, 'joint': None})
    (97, 485)
    >>> generated_size({'generator': 'maze', 'rows': 7, 'cols': 7, 'seed': 0, 'loops': 0, 'joint': 'remove'})
    (9409, 235225)
    """
    rows, cols = int(spec["rows"]), int(spec["cols"])
    if spec["generator"] == "maze":
        area = (2 * rows - 1) * (2 * cols - 1)
        states = 2 * rows * cols - 1 + int(spec.get("loops") or 0)
    else:
        size = spec.get("room_size", 3)
        height, width = (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))
        area = (rows * (height + 1) - 1) * (cols * (width + 1) - 1)
        states = rows * cols * height * width + rows * (cols - 1) + cols * (rows - 1)
    states = min(states, area)
    moves = 5  # up, down, left, right, stay
    if spec.get("joint") is None:
        return states, max(states * moves, area)
    return states * states, states * states * moves * moves


def check_generated_size(spec: Mapping[str, Any], where: str) -> None:
    """Refuse a generator spec whose MDP would be over :data:`~powerplay.io.safe_load.MAX_TABLE_ENTRIES`.

    Raises
    ------
    ResourceLimitError
        Stating the estimated states and entries and the limit (``where`` starts the message).
    """
    states, entries = generated_size(spec)
    limit = safe_load.MAX_TABLE_ENTRIES
    if entries > limit:
        kind = "joint MDP" if spec.get("joint") is not None else "MDP"
        raise ResourceLimitError(
            f"{where}: the generated {kind} would have {_count(states)} states and {_count(entries)} (state, action) "
            f"entries, over the limit of {limit:,} entries",
            "generated MDP size",
            float(entries),
            float(limit),
            "entries",
        )


def load_sweep_config(path: str | os.PathLike) -> SweepConfig:
    """Read and validate a config file.

    Parameters
    ----------
    path : path
        The YAML file.

    Returns
    -------
    SweepConfig
        ``random_seed: null`` is replaced by a freshly drawn seed (:attr:`SweepConfig.drawn_seed`).

    Raises
    ------
    ConfigError
        For a missing or unreadable file or any invalid content, naming file and field.
    ResourceLimitError
        For a file over :data:`~powerplay.io.safe_load.MAX_CONFIG_BYTES`, aliases expanding
        beyond it, too many runs, or a generated MDP too big to build.
    """
    path = Path(path)
    try:
        raw = safe_load.read_limited_bytes(path, safe_load.MAX_CONFIG_BYTES, "config file")
    except FileNotFoundError:
        raise ConfigError("config file not found", None, str(path)) from None
    except FileFormatError as error:  # a folder, a device, a FIFO, unreadable
        raise ConfigError(error.problem, None, str(path)) from None
    return parse_sweep_config(raw, str(path))


__all__ = [
    "COMMON_OPTIONAL",
    "COMMON_REQUIRED",
    "MAX_RUNS",
    "MAX_SAMPLES",
    "RUN_METADATA_KEYS",
    "RunSpec",
    "SweepConfig",
    "SweepParameter",
    "check_generated_size",
    "default_value_name",
    "detect_experiment_type",
    "draw_random_seed",
    "generated_size",
    "load_config_document",
    "load_sweep_config",
    "parse_sweep_config",
    "run_suffix",
    "validate_value",
]
