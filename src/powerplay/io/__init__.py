"""Reading and writing MDPs and policies: our YAML/JSON format, the reference's DOT files,
networkx graphs and Gymnasium environments.

========================  ===============================================================
file extension            format
========================  ===============================================================
``.yaml``, ``.yml``       ours, YAML (:mod:`powerplay.io.native`) -- the default
``.json``                 ours, JSON (same keys)
``.gv``, ``.dot``         the reference tool's Graphviz DOT graphs (:mod:`powerplay.io.dot`)
========================  ===============================================================

:func:`read_mdp` and :func:`read_policy` dispatch on the extension; so do the writers. See
``docs/authoring.md`` for the formats.

Examples
--------
>>> import tempfile, pathlib
>>> from powerplay.model.gridworld import gridworld
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> write_mdp(gridworld(2, 2), folder / 'square.yaml')
>>> write_mdp(gridworld(2, 2), folder / 'square.gv')
>>> read_mdp(folder / 'square.yaml').to_dict() == read_mdp(folder / 'square.gv').to_dict()
True
"""

from __future__ import annotations

from ..errors import WrongKindError

import os
from pathlib import Path

from ..model.mdp import MDP, JointMDP
from ..model.policy import Policy
from .dot import read_dot, write_dot
from ..errors import FileFormatError
from .gym_env import from_gymnasium
from .native import JSON_SUFFIXES, YAML_SUFFIXES, read_native, write_native
from .reference_graph import from_networkx, to_networkx

DOT_SUFFIXES = (".gv", ".dot")
#: Every extension the readers understand.
SUFFIXES = YAML_SUFFIXES + JSON_SUFFIXES + DOT_SUFFIXES


def _suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise FileFormatError(path, f"unknown file extension {path.suffix!r}; use one of {', '.join(SUFFIXES)}")
    return suffix


def read_any(path: str | os.PathLike) -> MDP | JointMDP | Policy:
    """Read whatever object a file holds (MDP, joint MDP or policy), by extension.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    FileFormatError
        On a bad extension or contents, naming the file and the line or state.
    """
    path = Path(path)
    suffix = _suffix(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    return read_dot(path) if suffix in DOT_SUFFIXES else read_native(path)


def read_mdp(path: str | os.PathLike) -> MDP | JointMDP:
    """Read an MDP or joint MDP from a ``.yaml``/``.yml``/``.json``/``.gv``/``.dot`` file.

    Raises
    ------
    FileFormatError
        On malformed contents or if the file holds a policy.
    """
    obj = read_any(path)
    if isinstance(obj, Policy):
        raise FileFormatError(path, "holds a policy, not an MDP")
    return obj


def read_policy(path: str | os.PathLike, mdp: MDP | JointMDP | None = None) -> Policy:
    """Read a policy from a ``.yaml``/``.yml``/``.json``/``.gv``/``.dot`` file.

    Parameters
    ----------
    path : path
    mdp : MDP or JointMDP, optional
        If given, the policy is checked against it and re-indexed to its state and action
        order (files need not list states in the MDP's order, nor actions the policy never
        takes), so it can be used with ``mdp`` directly.

    Raises
    ------
    FileFormatError
        On malformed contents, if the file holds an MDP, or if the policy does not fit ``mdp``.
    """
    obj = read_any(path)
    if not isinstance(obj, Policy):
        raise FileFormatError(path, "holds an MDP, not a policy")
    if mdp is not None:
        from ..model.editing import align_policy

        try:
            obj = align_policy(obj, mdp)
        except ValueError as error:
            raise FileFormatError(path, str(error)) from None
    return obj


def write_any(obj: MDP | JointMDP | Policy, path: str | os.PathLike, mdp: MDP | JointMDP | None = None) -> None:
    """Write an MDP, joint MDP or policy, in the format given by the extension (atomically).

    ``mdp`` (policies in ``.gv`` only) also lists the available actions a policy never takes.
    """
    path = Path(path)
    if _suffix(path) in DOT_SUFFIXES:
        write_dot(obj, path, mdp=mdp)
    else:
        write_native(obj, path)


def write_mdp(obj: MDP | JointMDP, path: str | os.PathLike) -> None:
    """Write an MDP or joint MDP to ``path`` (format by extension; see module notes)."""
    if not isinstance(obj, (MDP, JointMDP)):
        raise WrongKindError(f"write_mdp needs an MDP or JointMDP, got {type(obj).__name__}")
    write_any(obj, path)


def write_policy(obj: Policy, path: str | os.PathLike, mdp: MDP | JointMDP | None = None) -> None:
    """Write a policy to ``path`` (format by extension; see module notes)."""
    if not isinstance(obj, Policy):
        raise WrongKindError(f"write_policy needs a Policy, got {type(obj).__name__}")
    write_any(obj, path, mdp=mdp)


__all__ = [
    "DOT_SUFFIXES",
    "SUFFIXES",
    "FileFormatError",
    "from_gymnasium",
    "from_networkx",
    "read_any",
    "read_mdp",
    "read_policy",
    "to_networkx",
    "write_any",
    "write_mdp",
    "write_policy",
]
