"""Our own open, diffable file format for MDPs, joint MDPs (any number of agents) and policies (YAML or JSON).

One mapping per file. The same keys work in ``.yaml``/``.yml`` and ``.json``; YAML is what
:func:`powerplay.compat.base.save_mdp_graph` writes (readable, and ``git diff`` shows exactly
which transition changed)::

    kind: mdp                    # mdp | joint_mdp | policy
    version: 1
    name: 3x4 gridworld maze
    gridworld_map: |             # optional: the cells, '.' open, '#' wall (checked on load)
      ..#.
      ....
    states: ['(0, 0)', '(0, 1)', ...]
    actions: [up, down, left, right, stay]      # joint MDPs: actions_H and actions_A
    transitions:                 # state -> action -> next state -> probability
      (0, 0):
        down: {(1, 0): 1.0}
        right: {(0, 1): 1.0}
        stay: {(0, 0): 1.0}

Joint MDPs (``kind: joint_mdp``) use joint labels ``'x_H^y_A'`` and ``'u_H^v_A'`` in
``transitions`` and list each agent's actions as ``actions_H`` and ``actions_A``. Agents other
than the published pair H, A are listed in order under ``agents`` (written only then, so
two-agent files are as they always were); each agent ``X`` then has ``actions_X``, and the
labels have one part per agent, ``'u_H^v_A^w_B'``::

    kind: joint_mdp
    version: 1
    name: joint corridor, agents H A B (no overlap)
    agents: [H, A, B]
    gridworld_map: |-
      ...
    states: ['(0, 0)_H^(0, 1)_A^(0, 2)_B', ...]
    actions_H: [up, down, left, right, stay]
    actions_A: [up, down, left, right, stay]
    actions_B: [up, down, left, right, stay]
    transitions:
      (0, 0)_H^(0, 1)_A^(0, 2)_B:
        stay_H^stay_A^stay_B: {(0, 0)_H^(0, 1)_A^(0, 2)_B: 1.0}

Policies (``kind: policy``) have ``agent`` (any agent name, default ``H``), ``states``,
``actions`` (the acting agent's own) and ``probabilities: {state: {action: p}}``.

``states`` and ``actions`` fix the order and may be omitted (order of appearance is used).
``name`` may be omitted too (the file name is used); an empty ``name: ''`` stays empty.
A gridworld may be given by its map alone (no ``transitions``); optional keys
``stochastic_noise_level``, ``noise_bias``, ``wind`` (one wind or a list, each
``{column: c, direction: d, probability: p}`` or ``row: r``; one-way doors and teleporter pads
are map characters) and, for ``kind: joint_mdp``, ``interaction`` (a rule's name or a list,
as in configs; ``overlap`` is its former name) and ``agents`` are then passed to
:func:`powerplay.model.gridworld.gridworld_from_map` /
:func:`powerplay.model.gridworld.joint_gridworld`.

Reading is bounded and strict (:mod:`powerplay.io.safe_load`): a size limit, no alias bombs,
no deep nesting, no duplicated keys (also none that become the same label, such as ``1`` and
``'1'``), labels must be scalars, and an object whose [states x actions] arrays would be over
:data:`~powerplay.io.safe_load.MAX_TABLE_ENTRIES` is refused before it is built. Writing
refuses what would not read back the same (a label that is not text or not valid Unicode, a
joint action whose labels do not split back into the same parts) with one line naming it.

Examples
--------
>>> import tempfile, pathlib
>>> from powerplay.model.gridworld import gridworld_from_map
>>> path = pathlib.Path(tempfile.mkdtemp()) / 'corridor.yaml'
>>> write_native(gridworld_from_map('...', name='corridor'), path)
>>> print(path.read_text().split('states')[0])
kind: mdp
version: 1
name: corridor
gridworld_map: |-
  ...
<BLANKLINE>
>>> read_native(path).next_states('(0, 1)', 'left')
{'(0, 0)': 1.0}
"""

from __future__ import annotations

import datetime
import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ..errors import FileFormatError, ModelError, ResourceLimitError
from ..model.gridworld import cells_to_map, gridworld_from_map, joint_gridworld
from ..model.interactions import Interaction, interaction_rule
from ..model.labels import (
    DEFAULT_AGENTS,
    ambiguous_joint_pair,
    ambiguous_joint_part,
    are_gridworld_states,
    cells_of,
    check_agent_names,
    split_joint_label,
)
from ..model.mdp import MDP, JointMDP
from ..model.policy import Policy
from . import safe_load
from .atomic import atomic_write_text

AnyObject = MDP | JointMDP | Policy

FORMAT_VERSION = 1
KINDS = ("mdp", "joint_mdp", "policy")
YAML_SUFFIXES = (".yaml", ".yml")
JSON_SUFFIXES = safe_load.JSON_SUFFIXES

if TYPE_CHECKING:
    _BaseDumper = yaml.SafeDumper
else:  # libyaml's emitter when PyYAML has it
    _BaseDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Flow(dict):
    """A mapping written on one line (``{next: p}`` rows stay one line each in diffs)."""


class _Block(str):
    """A multi-line string written as a literal block (the gridworld map)."""


class _Dumper(_BaseDumper):
    pass


# YAML 1.1 counts NEL and the Unicode line/paragraph separators as line breaks, which plain and
# single-quoted scalars fold away (PyYAML's pure-Python emitter writes them unescaped there):
# double quotes escape them.
_BREAKS = ("\x85", "\u2028", "\u2029")


def _represent_str(dumper, data: str):
    style = '"' if any(ch in data for ch in _BREAKS) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(
    _Flow, lambda d, data: d.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=True)
)
_Dumper.add_representer(_Block, lambda d, data: d.represent_scalar("tag:yaml.org,2002:str", str(data), style="|"))


def _cells(states, agents: Sequence[str] = DEFAULT_AGENTS) -> set[tuple[int, int]]:
    """The cells that (joint) gridworld states occupy (see :func:`are_gridworld_states`)."""
    cells = set()
    for state in states:
        coords = cells_of(split_joint_label(state, agents) or (state,))
        assert coords is not None  # the caller checked are_gridworld_states
        cells.update(coords)
    return cells


def _map_of_states(states, agents: Sequence[str] = DEFAULT_AGENTS) -> str | None:
    """The text map of the cells that (joint) gridworld states occupy, or ``None``.

    ``None`` too when a map would not be a useful picture: negative coordinates, or a grid
    mostly made of walls (a cell ``'(100000, 0)'`` would otherwise need a 100,000-line map).
    """
    if not are_gridworld_states(states, agents):
        return None
    cells = _cells(states, agents)
    if not cells or min(min(r, c) for r, c in cells) < 0:
        return None
    rows = max(r for r, _ in cells) + 1
    cols = max(c for _, c in cells) + 1
    if rows * cols > 16 * len(cells) + 256:
        return None
    return cells_to_map(cells)


def document_of(obj: AnyObject) -> dict[str, Any]:
    """The file contents of an object as plain data (see module notes).

    Parameters
    ----------
    obj : MDP, JointMDP or Policy

    Returns
    -------
    dict
        ``kind``, ``version``, ``name``, maybe ``gridworld_map``, ``states``, the action
        lists and ``transitions`` (``probabilities`` for a policy).

    Examples
    --------
    >>> from powerplay.model.mdp import MDP
    >>> document_of(MDP.from_dict({'a': {'go': {'a': 1.0}}}, name='loop'))
    {'kind': 'mdp', 'version': 1, 'name': 'loop', 'states': ['a'], 'actions': ['go'], 'transitions': {'a': {'go': {'a': 1.0}}}}
    """
    if isinstance(obj, Policy):
        kind = "policy"
    else:
        kind = "joint_mdp" if isinstance(obj, JointMDP) else "mdp"
    doc: dict[str, Any] = {"kind": kind, "version": FORMAT_VERSION, "name": obj.name}
    agents = obj.agents if isinstance(obj, JointMDP) else DEFAULT_AGENTS
    if agents != DEFAULT_AGENTS:
        doc["agents"] = list(agents)
    grid = _map_of_states(obj.states, agents)
    if grid is not None:
        doc["gridworld_map"] = grid
    doc["states"] = list(obj.states)
    if isinstance(obj, Policy):
        doc["agent"] = obj.agent
        doc["actions"] = list(obj.actions)
        doc["probabilities"] = obj.to_dict()
    else:
        if isinstance(obj, JointMDP):
            for agent, actions in zip(obj.agents, obj.actions_by_agent):
                doc[f"actions_{agent}"] = list(actions)
        else:
            doc["actions"] = list(obj.actions)
        doc["transitions"] = obj.to_dict()
    return doc


def _check_writable(obj: AnyObject, origin: str) -> None:
    """Refuse labels our format cannot give back as they are."""
    groups: tuple[tuple[str, Sequence[str]], ...]
    if isinstance(obj, JointMDP):
        groups = (
            ("state", obj.states),
            *((f"Agent {agent} action", actions) for agent, actions in zip(obj.agents, obj.actions_by_agent)),
        )
    else:
        groups = (("state", obj.states), ("action", obj.actions))
    for what, labels in (("name", (obj.name,)), *groups):
        for label in labels:
            if not isinstance(label, str):
                raise FileFormatError(origin, f"{what} {label!r} is not text")
            try:
                label.encode("utf-8")
            except UnicodeEncodeError:
                raise FileFormatError(
                    origin, f"{what} {label!r} is not valid Unicode text (it has a lone surrogate)"
                ) from None
    if isinstance(obj, JointMDP):
        if obj.agents == DEFAULT_AGENTS:
            check_joint_actions(obj.actions_H, obj.actions_A, origin)
        else:
            check_joint_action_lists(obj.actions_by_agent, obj.agents, origin)


def check_joint_actions(actions_H, actions_A, origin: str) -> None:
    """Refuse joint actions whose labels would not split back into the same pair when read.

    Parameters
    ----------
    actions_H, actions_A : sequence of str
        Agent H's and Agent A's actions.
    origin : str
        Where the object is written (a file name), for messages.

    Raises
    ------
    FileFormatError
        Naming the first such pair and what it would read back as.

    Examples
    --------
    >>> check_joint_actions(['u'], ['v_H^w'], 'out.yaml')
    Traceback (most recent call last):
    ...
    powerplay.errors.FileFormatError: out.yaml: the joint action of Agent H's 'u' and Agent A's 'v_H^w' would read back as the pair ('u_H^v', 'w')
    """
    ambiguous = ambiguous_joint_pair(actions_H, actions_A)
    if ambiguous is not None:
        h, a, read_back = ambiguous
        raise FileFormatError(
            origin, f"the joint action of Agent H's {h!r} and Agent A's {a!r} would read back as the pair {read_back!r}"
        )


def check_joint_action_lists(actions_by_agent: Sequence[Sequence[str]], agents: Sequence[str], origin: str) -> None:
    """Refuse agents' actions whose joint labels would not split back into the same parts when read.

    Parameters
    ----------
    actions_by_agent : sequence of sequences of str
        Each agent's actions, in agent order.
    agents : sequence of str
    origin : str
        Where the object is written (a file name), for messages.

    Raises
    ------
    FileFormatError
        Naming the first action that contains the separator before its part.

    Examples
    --------
    >>> check_joint_action_lists([['u'], ['v'], ['w_A^x']], ['H', 'A', 'B'], 'out.yaml')
    Traceback (most recent call last):
    ...
    powerplay.errors.FileFormatError: out.yaml: Agent B's action 'w_A^x' contains '_A^', which separates the parts of joint labels, so its joint actions would not read back as written
    """
    found = ambiguous_joint_part(actions_by_agent, agents)
    if found is not None:
        agent, label, separator = found
        raise FileFormatError(
            origin,
            f"Agent {agent}'s action {label!r} contains {separator!r}, which separates the parts of joint labels, "
            "so its joint actions would not read back as written",
        )


def native_text(obj: AnyObject, suffix: str = ".yaml", origin: str = "text") -> str:
    """The text of an object in our format, YAML or (``suffix='.json'``) JSON.

    Parameters
    ----------
    obj : MDP, JointMDP or Policy
    suffix : str
        ``'.json'`` for JSON, anything else YAML.
    origin : str
        Where the text goes (a file name), for messages.

    Returns
    -------
    str

    Raises
    ------
    FileFormatError
        Naming ``origin`` and the label, if a label cannot be written so that it reads back
        the same.

    Examples
    --------
    >>> from powerplay.model.mdp import MDP
    >>> print(native_text(MDP.from_dict({'a': {'go': {'a': 1.0}}}, name='loop'), '.json'))  # doctest: +ELLIPSIS
    {
     "kind": "mdp",
    ...
    """
    _check_writable(obj, origin)
    doc = document_of(obj)
    if suffix in JSON_SUFFIXES:
        return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
    if "gridworld_map" in doc:
        doc["gridworld_map"] = _Block(doc["gridworld_map"])
    if "transitions" in doc:
        doc["transitions"] = {s: {a: _Flow(row) for a, row in acts.items()} for s, acts in doc["transitions"].items()}
    else:
        doc["probabilities"] = {s: _Flow(row) for s, row in doc["probabilities"].items()}
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120, default_flow_style=False)


def write_native(obj: AnyObject, path: str | os.PathLike) -> None:
    """Write an object in our format (YAML for ``.yaml``/``.yml``, JSON for ``.json``), atomically.

    Parameters
    ----------
    obj : MDP, JointMDP or Policy
    path : str or path

    Raises
    ------
    FileFormatError
        As :func:`native_text`; nothing is written then.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from powerplay.model.mdp import MDP
    >>> path = pathlib.Path(tempfile.mkdtemp()) / 'loop.json'
    >>> write_native(MDP.from_dict({'a': {'go': {'a': 1.0}}}), path)
    >>> read_native(path).to_dict()
    {'a': {'go': {'a': 1.0}}}
    """

    path = Path(path)
    atomic_write_text(path, native_text(obj, path.suffix.lower(), str(path)))


# -- reading ---------------------------------------------------------------------------------

_SCALARS = (str, int, float, bool, datetime.date, type(None))
Fail = Callable[[str], FileFormatError]


def _label(value, field: str, fail: Fail) -> str:
    """A label from a YAML/JSON scalar (YAML may read ``1`` as a number); collections are refused."""
    if isinstance(value, str):
        return value
    if not isinstance(value, _SCALARS):
        raise fail(f"{field}: a label must be text or a number, not a {type(value).__name__}")
    return str(value)


def _labels(value, field: str, fail: Fail) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise fail(f"{field} must be a list of labels")
    return [_label(v, f"{field}[{i}]", fail) for i, v in enumerate(value)]


def _number(value, field: str, fail: Fail) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fail(f"{field}: {safe_load._short(value)} is not a number")
    try:
        number = float(value)
    except OverflowError:  # an int of hundreds of digits
        raise fail(f"{field}: {safe_load._short(value)} is too large") from None
    if not math.isfinite(number):
        raise fail(f"{field}: {number} is not a finite number")
    return number


def _nested(value, depth: int, field: str, fail: Fail):
    """Labels as keys all the way down, numbers at the bottom; two keys may not give one label."""
    if depth == 0:
        return _number(value, field, fail)
    if not isinstance(value, Mapping):
        raise fail(f"{field} must be a mapping")
    table = {}
    for key, item in value.items():
        label = _label(key, f"{field} key", fail)
        if label in table:
            raise fail(f"{field}: two keys are the label {label!r}")
        table[label] = _nested(item, depth - 1, f"{field}[{label!r}]", fail)
    return table


def _gridworld_from_document(
    doc: Mapping, kind: str, grid: str, name: str, origin: str, fail: Fail, agents: tuple[str, ...] = DEFAULT_AGENTS
) -> MDP | JointMDP:
    """The gridworld a map-only document describes, its size checked before it is built."""
    noise = _number(doc.get("stochastic_noise_level", 0.0), "stochastic_noise_level", fail)
    bias = doc.get("noise_bias")
    if bias is not None:
        if not isinstance(bias, Mapping):
            raise fail("noise_bias must be a mapping {direction: magnitude}")
        bias = {_label(k, "noise_bias key", fail): _number(v, f"noise_bias[{k!r}]", fail) for k, v in bias.items()}
    interaction = _map_interaction(doc, fail)
    lines = [line for line in (line.strip() for line in grid.strip("\n").splitlines()) if line]
    width = max(map(len, lines), default=0)
    safe_load.check_size(
        "the gridworld map's rows x columns", len(lines) * width, safe_load.MAX_TABLE_ENTRIES, origin, "cells"
    )
    cells = grid.count(".")
    if kind == "joint_mdp":
        safe_load.check_table(origin, cells ** len(agents), 5 ** len(agents))
    else:
        safe_load.check_table(origin, cells, 5)
    single = gridworld_from_map(grid, noise, bias, name=name, wind=doc.get("wind"))  # errors: one line (caller)
    return joint_gridworld(single, agents, interaction=interaction, name=name) if kind == "joint_mdp" else single


def _map_interaction(doc: Mapping, fail: Fail) -> Interaction:
    """A map-only joint document's interaction rule: ``interaction`` (a rule's name or a list of
    them), or ``overlap``, its former name; both given, they must agree."""
    given = {key: doc[key] for key in ("interaction", "overlap") if doc.get(key) is not None}
    rules = {}
    for key, value in given.items():
        try:
            rules[key] = interaction_rule(value)
        except ModelError as error:
            raise fail(f"{key}: {str(error).removeprefix('interaction: ')}") from None
    if len(rules) == 2 and rules["interaction"] != rules["overlap"]:
        raise fail(f"interaction {rules['interaction']} and overlap {rules['overlap']} differ: give interaction only")
    return next(iter(rules.values()), interaction_rule("allow"))


def object_from_document(doc: Any, origin: str, default_name: str = "") -> AnyObject:
    """Build an MDP, joint MDP or policy from a parsed document.

    Parameters
    ----------
    doc : object
        What :func:`powerplay.io.safe_load.load_yaml` or ``load_json`` returned.
    origin : str
        The file, for messages.
    default_name : str
        The name when the document has none.

    Returns
    -------
    MDP, JointMDP or Policy

    Raises
    ------
    FileFormatError
        Naming ``origin`` and the field, state or action at fault.
    ResourceLimitError
        If the object's [states x actions] arrays would be over
        :data:`~powerplay.io.safe_load.MAX_TABLE_ENTRIES`.

    Examples
    --------
    >>> object_from_document({'kind': 'mdp', 'transitions': {'a': {'go': {'a': 1}}}}, 'inline').to_dict()
    {'a': {'go': {'a': 1.0}}}
    >>> object_from_document({'kind': 'mdp', 'transitions': {1: {'go': {1: 1}}, '1': {}}}, 'inline')
    Traceback (most recent call last):
    ...
    powerplay.errors.FileFormatError: inline: transitions: two keys are the label '1'
    """

    def fail(problem: str) -> FileFormatError:
        return FileFormatError(origin, problem)

    if not isinstance(doc, Mapping):
        raise fail("expected a mapping with a 'kind' key at the top level")
    kind = doc.get("kind")
    if kind not in KINDS:
        raise fail(f"kind must be one of {', '.join(KINDS)}, not {safe_load._short(kind)}")
    version = doc.get("version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise fail(f"version {safe_load._short(version)} is not supported (this is version {FORMAT_VERSION})")
    agents = DEFAULT_AGENTS
    if kind == "joint_mdp" and doc.get("agents") is not None:
        try:
            agents = check_agent_names(_labels(doc["agents"], "agents", fail) or [])
        except ValueError as error:
            raise fail(f"agents: {error}") from None
    allowed = {
        "mdp": {"actions", "transitions"},
        "joint_mdp": {"agents", "transitions", "overlap", "interaction"} | {f"actions_{agent}" for agent in agents},
        "policy": {"agent", "actions", "probabilities"},
    }[kind] | {"kind", "version", "name", "states", "gridworld_map", "stochastic_noise_level", "noise_bias", "wind"}
    unknown = sorted(set(map(str, doc)) - allowed)
    if unknown:
        hint = (
            f" with agents {', '.join(agents)} (list the agents in 'agents')"
            if kind == "joint_mdp" and unknown[0].startswith("actions_")
            else ""
        )
        raise fail(f"unknown key {safe_load._short(unknown[0])} for kind {kind!r}{hint}")
    name = doc.get("name")
    name = default_name if name is None else _label(name, "name", fail)
    states = _labels(doc.get("states"), "states", fail)
    grid = doc.get("gridworld_map")
    if grid is not None and not isinstance(grid, str):
        raise fail("gridworld_map must be a text block of '.' and '#'")
    obj: AnyObject
    try:
        if kind == "policy":
            if "probabilities" not in doc:
                raise fail("a policy needs 'probabilities' ({state: {action: probability}})")
            table = _nested(doc["probabilities"], 2, "probabilities", fail)
            if states is not None:
                missing = [s for s in states if s not in table]
                listed = set(states)  # built once: a set per state made this check quadratic
                extra = [s for s in table if s not in listed]
                if missing or extra:
                    raise fail(
                        f"probabilities: state {(missing or extra)[0]!r} is {'missing' if missing else 'not in states'}"
                    )
                table = {s: table[s] for s in states}
            actions = _labels(doc.get("actions"), "actions", fail)
            num_actions = len(actions) if actions is not None else len({a for row in table.values() for a in row})
            safe_load.check_table(origin, len(table), num_actions)
            agent = _label(doc.get("agent", "H"), "agent", fail)
            obj = Policy.from_dict(table, actions=actions, agent=agent, name=name)
        elif "transitions" not in doc:
            if grid is None:
                raise fail(f"kind {kind!r} needs 'transitions' (or a 'gridworld_map')")
            obj = _gridworld_from_document(doc, kind, grid, name, origin, fail, agents)
            grid = None  # the map is the definition, nothing to check
        else:
            table = _nested(doc["transitions"], 3, "transitions", fail)
            if not table:
                raise fail(
                    f"transitions is empty: an {'MDP' if kind == 'mdp' else 'joint MDP'} needs at least one state"
                )
            num_states = len(states) if states is not None else len(table)
            used = {a for row in table.values() for a in row}
            if kind == "joint_mdp":
                lists = [_labels(doc.get(f"actions_{agent}"), f"actions_{agent}", fail) for agent in agents]
                split = [parts for parts in (split_joint_label(action, agents) for action in used) if parts is not None]
                safe_load.check_table(
                    origin,
                    num_states,
                    *(len(given) if given is not None else len({p[i] for p in split}) for i, given in enumerate(lists)),
                )
                obj = JointMDP.from_dict(table, states=states, agents=agents, actions_by_agent=lists, name=name)
            else:
                actions = _labels(doc.get("actions"), "actions", fail)
                safe_load.check_table(origin, num_states, len(actions) if actions is not None else len(used))
                obj = MDP.from_dict(table, states=states, actions=actions, name=name)
    except (FileFormatError, ResourceLimitError):
        raise
    except (ValueError, TypeError) as error:
        raise fail(str(error)) from None
    if grid is not None:
        if not are_gridworld_states(obj.states, agents):
            raise fail("gridworld_map is given but the states are not gridworld cells '(row, col)'")
        lines = [line for line in (line.strip() for line in grid.strip("\n").splitlines()) if line]
        if (
            grid.count(".") > len(obj.states)
            or len(lines) * max(map(len, lines), default=0) > safe_load.MAX_TABLE_ENTRIES
        ):
            raise fail("gridworld_map does not match the states (it has more open cells)")
        try:
            expected = _cells(gridworld_from_map(grid).states)
        except ValueError as error:
            raise fail(f"gridworld_map: {error}") from None
        if _cells(obj.states, agents) != expected:
            stray = sorted(_cells(obj.states, agents) ^ expected)[0]
            raise fail(f"gridworld_map does not match the states (cell {stray} differs)")
    return obj


def read_native(path: str | os.PathLike, *, max_bytes: int | None = None) -> AnyObject:
    """Read an MDP, joint MDP or policy from a ``.yaml``/``.yml``/``.json`` file in our format.

    Parameters
    ----------
    path : str or path
        UTF-8 (a byte-order mark is allowed); ``.json`` is read as JSON, anything else YAML.
    max_bytes : int, optional
        Largest file read (default :data:`powerplay.io.safe_load.MAX_FILE_BYTES`).

    Returns
    -------
    MDP, JointMDP or Policy

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    FileFormatError
        On a syntax error (with its line), a duplicated key, invalid contents (naming the
        field or state), or a file that is not UTF-8 or not a regular file.
    ResourceLimitError
        If the file, what its YAML aliases expand to, or the object is over a limit of
        :mod:`powerplay.io.safe_load`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / 'twice.yaml'
    >>> _ = path.write_text('kind: mdp\\ntransitions:\\n  a: {go: {a: 1}}\\n  a: {stay: {a: 1}}\\n')
    >>> read_native(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    powerplay.errors.FileFormatError: .../twice.yaml:4: duplicate key 'a' (first at line 3)
    """
    path = Path(path)
    doc = safe_load.load_document(path, max_bytes=max_bytes, what="MDP/policy file")
    return object_from_document(doc, str(path), default_name=path.stem)
