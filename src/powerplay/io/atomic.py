"""Atomic file writes: a reader (or a crash) never sees a half-written file.

Each file is written to a hidden temporary file in the same folder (``.{name}.{random}.tmp``),
flushed to disk, given the permissions a plain ``open`` would give it under the current
umask (temporary files start private), and renamed over the target. A process killed
mid-write leaves only such a temporary file; :func:`remove_stale_temporary_files` clears
them.

Examples
--------
>>> import tempfile, pathlib, os
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> path = atomic_write_text(folder / 'a.txt', 'hello')
>>> path.read_text(), oct(path.stat().st_mode & 0o777) == oct(0o666 & ~current_umask())
('hello', True)
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

#: Temporary files older than this (seconds) are stale: no writer is still using them.
STALE_SECONDS = 3600.0

_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process's umask (read without changing it for other threads)."""
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def atomic_write_with(path: str | os.PathLike, write: Callable[[IO[bytes]], object]) -> Path:
    """Create ``path`` atomically: ``write(handle)`` fills a temporary binary file first.

    Raises
    ------
    OSError
        If the folder cannot be written (nothing is left behind).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w+b") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp makes files private (0600); results are meant to be shared like any file.
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see module notes)."""
    return atomic_write_with(path, lambda handle: handle.write(data))


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def json_safe(value: Any) -> Any:
    """``value`` with NaN and infinities (in nested dicts, lists and tuples) as ``None``.

    JSON has no such numbers; ``json.dumps`` would write ``NaN``, which strict readers refuse.

    >>> json_safe({'a': [1.0, float('nan')], 'b': float('inf')})
    {'a': [1.0, None], 'b': None}
    """
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def atomic_write_json(path: str | os.PathLike, value: Any) -> Path:
    """Write ``value`` as indented JSON (non-finite numbers as ``null``, see :func:`json_safe`)."""
    return atomic_write_text(path, json.dumps(json_safe(value), indent=2, ensure_ascii=False))


def remove_stale_temporary_files(
    folder: str | os.PathLike, older_than: float = STALE_SECONDS, patterns: tuple[str, ...] = (".*.tmp",)
) -> list[Path]:
    """Delete temporary files an interrupted writer left in ``folder`` (not in subfolders).

    Only files matching ``patterns`` and untouched for ``older_than`` seconds are removed, so
    a writer still at work in another process keeps its file.

    Returns
    -------
    list of Path
        The files removed.
    """
    folder = Path(folder)
    if not folder.is_dir() or folder.is_symlink():  # never delete through a link to somewhere else
        return []
    now, removed = time.time(), []
    for pattern in patterns:
        for path in folder.glob(pattern):
            try:
                if path.is_file() and not path.is_symlink() and now - path.stat().st_mtime > older_than:
                    path.unlink()
                    removed.append(path)
            except OSError:
                continue
    return removed
