"""Find the MDPs and policies that configs name: ``./mdps/``, ``./policies/``, then the built-ins.

A config names environments the way the reference tool did, by file name without
extension (``mdp_graph: 7x7_gridworld_maze``). A name resolves, in this order, to

1. a file path, if the name is one (absolute, or containing a ``/``, relative to the
   working directory), read with :func:`powerplay.io.read_mdp` / :func:`powerplay.io.read_policy`;
2. a file ``{workdir}/mdps/{name}.*`` (``policies/`` for policies) -- the reference's ``.gv``
   files or our own format, whichever :mod:`powerplay.io` reads (several matches are an
   error, naming them);
3. a built-in environment of :mod:`powerplay.model.environments`.

So a file in ``./mdps/`` shadows a built-in of the same name. Files are read once per
(path, modification time, size) and kept in a small cache (the :data:`FILE_CACHE_SIZE` most
recently used).

:func:`content_hash` fingerprints what a name resolved to, so a sweep can tell when a file
changed between the start of a sweep and its resumption.

Examples
--------
>>> mdp, source = resolve_mdp('3x3_gridworld', workdir='/nonexistent')
>>> mdp.num_states, source
(9, 'builtin')
>>> resolve_mdp('no_such_mdp', workdir='/nonexistent')  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
powerplay.errors.ResolveError: unknown MDP 'no_such_mdp': not a file, not in /nonexistent/mdps/, not a built-in (built-ins: 20x20_gridworld_robot_face, 3x3_gridworld, ...)
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

from ..errors import ResolveError
from ..io import read_mdp, read_policy
from ..model import environments
from ..model.mdp import MDP, JointMDP
from ..model.policy import Policy

#: Folders (relative to the working directory) searched for named files.
MDP_FOLDER = "mdps"
POLICY_FOLDER = "policies"

#: Source recorded for environments that came from :mod:`powerplay.model.environments`.
BUILTIN = "builtin"


#: Parsed files kept in memory (most recently used first out of the cache is the oldest).
FILE_CACHE_SIZE = 32

_file_cache: OrderedDict[tuple[str, str, int, int], object] = OrderedDict()


_READERS: dict[str, Callable[[Path], object]] = {"mdp": read_mdp, "policy": read_policy}


#: What a lookup finds: an MDP or joint MDP (resolve_mdp), or a policy (resolve_policy).
_Found = TypeVar("_Found")


def _read(kind: str, path: Path):
    stat = path.stat()
    key = (kind, str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key in _file_cache:
        _file_cache.move_to_end(key)
        return _file_cache[key]
    try:
        value = _READERS[kind](path)
    except (ValueError, KeyError, OSError) as error:
        raise ResolveError(f"cannot read {kind} file {path}: {error}") from None
    _file_cache[key] = value
    while len(_file_cache) > FILE_CACHE_SIZE:
        _file_cache.popitem(last=False)
    return value


def _looks_like_path(name: str) -> bool:
    return os.path.isabs(name) or "/" in name or os.sep in name


def _candidates(folder: Path, name: str) -> list[Path]:
    """Files in ``folder`` called ``name`` plus an extension (or exactly ``name``)."""
    if not folder.is_dir():
        return []
    exact = folder / name
    if exact.is_file() and exact.suffix:
        return [exact]
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.name.startswith(name + ".") and not p.name.endswith((".tmp", "~"))
    )


def _resolve(
    kind: str,
    name: str,
    folder_name: str,
    builtin_names: Callable[[], list[str]],
    load_builtin: Callable[[str], _Found],
    workdir,
) -> tuple[_Found, str]:
    if not isinstance(name, str) or not name:
        raise ResolveError(f"{kind} name must be a non-empty string, got {name!r}")
    workdir = Path.cwd() if workdir is None else Path(workdir)
    label = "MDP" if kind == "mdp" else kind
    try:
        if _looks_like_path(name):
            path = Path(name) if os.path.isabs(name) else workdir / name
            if not path.is_file():
                raise ResolveError(f"{kind} file {path} not found")
            return _read(kind, path), str(path.resolve())
        folder = workdir / folder_name
        found = _candidates(folder, name)
        here = (workdir / name).is_file()  # a bare name is looked up in the folder, as the reference did
    except OSError as error:  # e.g. a name too long for a file name: not a file, then
        raise ResolveError(
            f"{label} {name[:60]!r}... cannot be looked up as a file ({error.strerror or error})"
        ) from None
    if len(found) > 1:
        raise ResolveError(
            f"{kind} name {name!r} is ambiguous: several files match in {folder}/ ({', '.join(p.name for p in found)})"
        )
    if found:
        return _read(kind, found[0]), str(found[0].resolve())
    if name in builtin_names():
        return load_builtin(name), BUILTIN
    if here:
        raise ResolveError(
            f"unknown {label} {name!r}: not in {folder}/ and not a built-in; to read the file "
            f"{name} in {workdir}, give it as a path: ./{name}"
        )
    raise ResolveError(
        f"unknown {label} {name!r}: not a file, not in {folder}/, not a built-in "
        f"(built-ins: {', '.join(builtin_names())})"
    )


def resolve_mdp(name: str, workdir: str | os.PathLike | None = None) -> tuple[MDP | JointMDP, str]:
    """The MDP or joint MDP called ``name``, and where it came from.

    Parameters
    ----------
    name : str
        A built-in name, a file name in ``{workdir}/mdps/`` without extension, or a path.
    workdir : path, optional
        The folder holding ``mdps/`` (default: the current working directory).

    Returns
    -------
    (MDP or JointMDP, str)
        The MDP and its source: ``'builtin'`` or the absolute path of the file read.

    Raises
    ------
    ResolveError
        If nothing (or more than one file) matches, listing where it looked, or the file
        cannot be read.
    """
    return _resolve("mdp", name, MDP_FOLDER, environments.builtin_mdp_names, environments.load_mdp, workdir)


def resolve_policy(name: str, workdir: str | os.PathLike | None = None) -> tuple[Policy, str]:
    """The policy called ``name`` (searched in ``{workdir}/policies/``), and its source.

    See :func:`resolve_mdp`.
    """
    return _resolve("policy", name, POLICY_FOLDER, environments.builtin_policy_names, environments.load_policy, workdir)


def content_hash(obj: MDP | JointMDP | Policy) -> str:
    """SHA-256 of an MDP's or policy's contents: labels, availability, probabilities.

    Two objects with the same hash compute the same POWER; the file they came from (or its
    formatting) does not matter.

    Examples
    --------
    >>> from powerplay.model.gridworld import gridworld
    >>> content_hash(gridworld(2, 2)) == content_hash(gridworld(2, 2)) != content_hash(gridworld(2, 3))
    True
    """
    digest = hashlib.sha256(type(obj).__name__.encode())
    if isinstance(obj, Policy):
        labels = [obj.states, obj.actions, [obj.agent]]
        arrays = [obj.probabilities]
    else:
        actions = [obj.actions_H, obj.actions_A] if isinstance(obj, JointMDP) else [obj.actions]
        labels = [obj.states, *actions]
        t = obj.transitions
        arrays = [obj.action_mask, t.indptr.astype(np.int64), t.indices.astype(np.int64), t.data]
    digest.update(json.dumps([list(group) for group in labels]).encode("utf-8"))
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


__all__ = [
    "BUILTIN",
    "FILE_CACHE_SIZE",
    "MDP_FOLDER",
    "POLICY_FOLDER",
    "ResolveError",
    "content_hash",
    "resolve_mdp",
    "resolve_policy",
]
