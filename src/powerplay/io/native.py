"""Our own open, diffable file format for MDPs, joint MDPs and policies (YAML or JSON).

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
``transitions``. Policies (``kind: policy``) have ``agent`` (``H`` or ``A``), ``states``,
``actions`` (the acting agent's own) and ``probabilities: {state: {action: p}}``.

``states`` and ``actions`` fix the order and may be omitted (order of appearance is used).
A gridworld may be given by its map alone (no ``transitions``); optional keys
``stochastic_noise_level``, ``noise_bias`` and, for ``kind: joint_mdp``, ``overlap``
(``allow``, ``remove`` or ``block``) are then passed to
:func:`powerplay.model.gridworld.gridworld_from_map` /
:func:`powerplay.model.gridworld.joint_gridworld`.

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

import json
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Mapping

import yaml

from ..model.gridworld import gridworld_from_map, gridworld_to_map, joint_gridworld
from ..model.labels import are_gridworld_states, cell_coordinates, cell_label, split_joint_label
from ..model.mdp import MDP, JointMDP
from ..model.policy import Policy
from ..errors import FileFormatError

AnyObject = MDP | JointMDP | Policy

FORMAT_VERSION = 1
KINDS = ("mdp", "joint_mdp", "policy")
YAML_SUFFIXES = (".yaml", ".yml")
JSON_SUFFIXES = (".json",)

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BaseDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Flow(dict):
    """A mapping written on one line (``{next: p}`` rows stay one line each in diffs)."""


class _Block(str):
    """A multi-line string written as a literal block (the gridworld map)."""


class _Dumper(_BaseDumper):
    pass


_Dumper.add_representer(_Flow, lambda d, data: d.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=True))
_Dumper.add_representer(_Block, lambda d, data: d.represent_scalar("tag:yaml.org,2002:str", str(data), style="|"))


def _cells(states) -> set[tuple[int, int]]:
    cells = set()
    for state in states:
        for part in split_joint_label(state) or (state,):
            cells.add(cell_coordinates(part))
    return cells


def _map_of_states(states) -> str | None:
    """The text map of the cells that (joint) gridworld states occupy, or ``None``."""
    if not are_gridworld_states(states):
        return None
    cells = SimpleNamespace(states=[cell_label(r, c) for r, c in _cells(states)], name="")
    return gridworld_to_map(cells)  # it only needs the cell labels


def document_of(obj: AnyObject) -> dict[str, Any]:
    """The file contents of an object as plain data (see module notes)."""
    if isinstance(obj, Policy):
        kind = "policy"
    else:
        kind = "joint_mdp" if isinstance(obj, JointMDP) else "mdp"
    doc: dict[str, Any] = {"kind": kind, "version": FORMAT_VERSION, "name": obj.name}
    grid = _map_of_states(obj.states)
    if grid is not None:
        doc["gridworld_map"] = grid
    doc["states"] = list(obj.states)
    if isinstance(obj, Policy):
        doc["agent"] = obj.agent
        doc["actions"] = list(obj.actions)
        doc["probabilities"] = obj.to_dict()
    else:
        if isinstance(obj, JointMDP):
            doc["actions_H"], doc["actions_A"] = list(obj.actions_H), list(obj.actions_A)
        else:
            doc["actions"] = list(obj.actions)
        doc["transitions"] = obj.to_dict()
    return doc


def native_text(obj: AnyObject, suffix: str = ".yaml") -> str:
    """The text of an object in our format, YAML or (``suffix='.json'``) JSON."""
    doc = document_of(obj)
    if suffix in JSON_SUFFIXES:
        return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
    if "gridworld_map" in doc:
        doc["gridworld_map"] = _Block(doc["gridworld_map"])
    doc["states"] = [str(s) for s in doc["states"]]
    if "transitions" in doc:
        doc["transitions"] = {s: {a: _Flow(row) for a, row in acts.items()} for s, acts in doc["transitions"].items()}
    else:
        doc["probabilities"] = {s: _Flow(row) for s, row in doc["probabilities"].items()}
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120, default_flow_style=False)


def write_native(obj: AnyObject, path: str | os.PathLike) -> None:
    """Write an object in our format (YAML for ``.yaml``/``.yml``, JSON for ``.json``), atomically."""
    from ..storage.atomic import atomic_write_text

    path = Path(path)
    atomic_write_text(path, native_text(obj, path.suffix.lower()))


def _labels(value, field: str, fail) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise fail(f"{field} must be a list of labels")
    return [str(v) for v in value]


def _nested(value, depth: int, field: str, fail):
    """String keys all the way down, numbers at the bottom (YAML may read '1' as an int)."""
    if depth == 0:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise fail(f"{field}: {value!r} is not a number")
        return float(value)
    if not isinstance(value, Mapping):
        raise fail(f"{field} must be a mapping")
    return {str(k): _nested(v, depth - 1, f"{field}[{str(k)!r}]", fail) for k, v in value.items()}


def object_from_document(doc: Any, origin: str, default_name: str = "") -> AnyObject:
    """Build an MDP, joint MDP or policy from a parsed document.

    Raises
    ------
    FileFormatError
        Naming ``origin`` and the field, state or action at fault.
    """

    def fail(problem: str) -> FileFormatError:
        return FileFormatError(origin, problem)

    if not isinstance(doc, Mapping):
        raise fail("expected a mapping with a 'kind' key at the top level")
    kind = doc.get("kind")
    if kind not in KINDS:
        raise fail(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    version = doc.get("version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise fail(f"version {version!r} is not supported (this is version {FORMAT_VERSION})")
    allowed = {
        "mdp": {"actions", "transitions"},
        "joint_mdp": {"actions_H", "actions_A", "transitions", "overlap"},
        "policy": {"agent", "actions", "probabilities"},
    }[kind] | {"kind", "version", "name", "states", "gridworld_map", "stochastic_noise_level", "noise_bias"}
    unknown = sorted(set(map(str, doc)) - allowed)
    if unknown:
        raise fail(f"unknown key {unknown[0]!r} for kind {kind!r}")
    name = str(doc.get("name") or default_name)
    states = _labels(doc.get("states"), "states", fail)
    grid = doc.get("gridworld_map")
    if grid is not None and not isinstance(grid, str):
        raise fail("gridworld_map must be a text block of '.' and '#'")
    try:
        if kind == "policy":
            if "probabilities" not in doc:
                raise fail("a policy needs 'probabilities' ({state: {action: probability}})")
            table = _nested(doc["probabilities"], 2, "probabilities", fail)
            if states is not None:
                missing = [s for s in states if s not in table]
                extra = [s for s in table if s not in set(states)]
                if missing or extra:
                    raise fail(f"probabilities: state {(missing or extra)[0]!r} is {'missing' if missing else 'not in states'}")
                table = {s: table[s] for s in states}
            obj = Policy.from_dict(table, actions=_labels(doc.get("actions"), "actions", fail), agent=str(doc.get("agent", "H")), name=name)
        elif "transitions" not in doc:
            if grid is None:
                raise fail(f"kind {kind!r} needs 'transitions' (or a 'gridworld_map')")
            single = gridworld_from_map(grid, float(doc.get("stochastic_noise_level", 0.0)), doc.get("noise_bias"), name=name)
            obj = joint_gridworld(single, overlap=doc.get("overlap", "allow"), name=name) if kind == "joint_mdp" else single
            grid = None  # the map is the definition, nothing to check
        else:
            table = _nested(doc["transitions"], 3, "transitions", fail)
            if kind == "joint_mdp":
                obj = JointMDP.from_dict(
                    table, states=states, actions_H=_labels(doc.get("actions_H"), "actions_H", fail),
                    actions_A=_labels(doc.get("actions_A"), "actions_A", fail), name=name,
                )
            else:
                obj = MDP.from_dict(table, states=states, actions=_labels(doc.get("actions"), "actions", fail), name=name)
    except FileFormatError:
        raise
    except (ValueError, TypeError) as error:
        raise fail(str(error)) from None
    if grid is not None:
        if not are_gridworld_states(obj.states):
            raise fail("gridworld_map is given but the states are not gridworld cells '(row, col)'")
        expected = _cells(gridworld_from_map(grid).states)
        if _cells(obj.states) != expected:
            stray = sorted(_cells(obj.states) ^ expected)[0]
            raise fail(f"gridworld_map does not match the states (cell {stray} differs)")
    return obj


def read_native(path: str | os.PathLike) -> AnyObject:
    """Read an MDP, joint MDP or policy from a ``.yaml``/``.yml``/``.json`` file in our format.

    Raises
    ------
    FileFormatError
        On a syntax error (with its line) or invalid contents (naming the field or state).
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() in JSON_SUFFIXES:
            doc = json.loads(text)
        else:
            doc = yaml.load(text, Loader=_Loader)
    except json.JSONDecodeError as error:
        raise FileFormatError(path, f"JSON syntax error: {error.msg}", error.lineno) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise FileFormatError(path, f"YAML syntax error: {problem}", mark.line + 1 if mark else None) from None
    return object_from_document(doc, str(path), default_name=path.stem)
