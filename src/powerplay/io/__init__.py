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

import os
from pathlib import Path

from ..errors import FileFormatError, WrongKindError
from ..model.mdp import MDP, JointMDP
from ..model.policy import Policy
from . import safe_load
from .dot import read_dot, write_dot
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


def read_any(path: str | os.PathLike, *, max_bytes: int | None = None) -> MDP | JointMDP | Policy:
    """Read whatever object a file holds (MDP, joint MDP or policy), by extension.

    Parameters
    ----------
    path : str or path
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
        On a bad extension or contents, naming the file and the line or state; on a file
        that is not UTF-8 or not a regular file (a FIFO, a device, a directory).
    ResourceLimitError
        If the file or the object it holds is over a limit of :mod:`powerplay.io.safe_load`.

    Examples
    --------
    >>> read_any('/dev/zero.yaml')
    Traceback (most recent call last):
    ...
    FileNotFoundError: [Errno 2] no such file: '/dev/zero.yaml'
    """
    path = Path(path)
    suffix = _suffix(path)
    if suffix in DOT_SUFFIXES:
        return read_dot(path, max_bytes=max_bytes)
    return read_native(path, max_bytes=max_bytes)


def read_mdp(path: str | os.PathLike, *, max_bytes: int | None = None) -> MDP | JointMDP:
    """Read an MDP or joint MDP from a ``.yaml``/``.yml``/``.json``/``.gv``/``.dot`` file.

    Parameters
    ----------
    path : str or path
    max_bytes : int, optional
        As :func:`read_any`.

    Returns
    -------
    MDP or JointMDP

    Raises
    ------
    FileFormatError
        On malformed contents or if the file holds a policy.
    ResourceLimitError, FileNotFoundError
        As :func:`read_any`.
    """
    obj = read_any(path, max_bytes=max_bytes)
    if isinstance(obj, Policy):
        raise FileFormatError(path, "holds a policy, not an MDP")
    return obj


def read_policy(path: str | os.PathLike, mdp: MDP | JointMDP | None = None, *, max_bytes: int | None = None) -> Policy:
    """Read a policy from a ``.yaml``/``.yml``/``.json``/``.gv``/``.dot`` file.

    Parameters
    ----------
    path : path
    mdp : MDP or JointMDP, optional
        If given, the policy is checked against it and re-indexed to its state and action
        order (files need not list states in the MDP's order, nor actions the policy never
        takes), so it can be used with ``mdp`` directly.
    max_bytes : int, optional
        As :func:`read_any`.

    Returns
    -------
    Policy

    Raises
    ------
    FileFormatError
        On malformed contents, if the file holds an MDP, or if the policy does not fit ``mdp``.
    ResourceLimitError, FileNotFoundError
        As :func:`read_any`.
    """
    obj = read_any(path, max_bytes=max_bytes)
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
    r"""Write an MDP, joint MDP or policy, in the format given by the extension (atomically).

    Parameters
    ----------
    obj : MDP, JointMDP or Policy
    path : str or path
        ``.yaml``/``.yml``, ``.json``, ``.gv`` or ``.dot``.
    mdp : MDP or JointMDP, optional
        For a policy written as ``.gv``: also list the available actions it never takes.

    Raises
    ------
    FileFormatError
        On an unknown extension, or naming the label that the format cannot hold so that it
        reads back the same (nothing is written then; see ``docs/authoring.md``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from powerplay.model.mdp import MDP
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> odd = MDP.from_dict({'a\\': {'go': {'a\\': 1.0}}})     # a label ending in a backslash
    >>> write_any(odd, folder / 'odd.yaml')
    >>> read_any(folder / 'odd.yaml').states
    ('a\\',)
    >>> write_any(odd, folder / 'odd.gv')      # DOT can hold it: labels sit between brackets
    >>> read_any(folder / 'odd.gv').states
    ('a\\',)
    >>> write_any(MDP.from_dict({'a': {'go': {'a': 1.0}}}, name='ends in \\'), folder / 'name.gv')
    Traceback (most recent call last):
    ...
    powerplay.errors.FileFormatError: .../name.gv: name 'ends in \\' cannot be written in a DOT file: a backslash before a quote or a line break, or at the end, does not read back
    """
    path = Path(path)
    if _suffix(path) in DOT_SUFFIXES:
        write_dot(obj, path, mdp=mdp)
    else:
        write_native(obj, path)


def write_mdp(obj: MDP | JointMDP, path: str | os.PathLike) -> None:
    """Write an MDP or joint MDP to ``path`` (format by extension; see module notes).

    Parameters
    ----------
    obj : MDP or JointMDP
    path : str or path

    Raises
    ------
    WrongKindError
        If ``obj`` is a policy.
    FileFormatError
        As :func:`write_any`.
    """
    if not isinstance(obj, (MDP, JointMDP)):
        raise WrongKindError(f"write_mdp needs an MDP or JointMDP, got {type(obj).__name__}")
    write_any(obj, path)


def write_policy(obj: Policy, path: str | os.PathLike, mdp: MDP | JointMDP | None = None) -> None:
    """Write a policy to ``path`` (format by extension; see module notes).

    Parameters
    ----------
    obj : Policy
    path : str or path
    mdp : MDP or JointMDP, optional
        As :func:`write_any`.

    Raises
    ------
    WrongKindError
        If ``obj`` is not a policy.
    FileFormatError
        As :func:`write_any`.
    """
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
    "safe_load",
    "to_networkx",
    "write_any",
    "write_mdp",
    "write_policy",
]
