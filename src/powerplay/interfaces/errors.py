"""How the command line reports problems: one line, never a traceback.

* A mistake in the input (any :class:`~powerplay.errors.PowerplayError`: a bad config, an
  unknown sweep, a damaged file, ...) prints ``error: ...`` on standard error and exits
  with status :data:`EXIT_BAD_INPUT` (2).
* Ctrl-C prints one line and exits with status 130 (finished runs are always on disk).
* Anything else is a bug or an environment problem (a full disk, a read-only folder): it
  prints ``internal error: ...`` with where the full traceback was saved, and exits with
  status :data:`EXIT_INTERNAL` (70). Operating-system errors (permissions, disk full) name
  the file and say so.

Text from files (names, labels) is printed with control characters escaped, so a crafted
config cannot move the cursor or rewrite the terminal.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
import traceback
import unicodedata
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import typer

from ..errors import PowerplayError

#: Exit status for bad input (as click uses for usage errors).
EXIT_BAD_INPUT = 2
#: Exit status for an internal error (sysexits' EX_SOFTWARE).
EXIT_INTERNAL = 70
#: Exit status after Ctrl-C.
EXIT_INTERRUPTED = 130


#: Unicode categories shown escaped: controls, invisible formatting (including the bidirectional
#: overrides that reorder what a terminal shows), surrogates, private use, unassigned, and
#: line and paragraph separators.
_HIDDEN = ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


def printable(text: object) -> str:
    """``text`` on one line, with control characters shown as escapes (``\\x1b``, ``\\u202e``, ...).

    Examples
    --------
    >>> printable('name\\x1b[2J\\u202egnp.exe\\nnext')
    'name\\\\x1b[2J\\\\u202egnp.exe next'
    """
    out = []
    for char in str(text):
        if char in "\n\r\t":
            out.append(" ")
        elif unicodedata.category(char) in _HIDDEN:
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(char)
    return " ".join("".join(out).split())


def save_traceback() -> Path | None:
    """Write the current exception's traceback to a file in the temporary folder; return its path."""
    try:
        fd, name = tempfile.mkstemp(prefix=f"powerplay-crash-{time.strftime('%Y%m%d-%H%M%S')}-", suffix=".txt")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(traceback.format_exc())
        return Path(name)
    except OSError:
        return None


def not_a_record(option: str) -> Callable[[Path | None], Path | None]:
    """A typer callback refusing an output path that is one of a sweep's own records
    (:func:`powerplay.storage.sweeps.check_not_a_record`), before the command does anything."""

    def check(value: Path | None) -> Path | None:
        from ..storage.sweeps import check_not_a_record

        if value is not None:
            try:
                check_not_a_record(value, option)
            except PowerplayError as error:
                raise typer.BadParameter(str(error).removeprefix(f"{option}: ")) from None
        return value

    return check


@contextlib.contextmanager
def warnings_as_lines(show: Callable[[str], None]) -> Iterator[None]:
    """Pass every Python warning (figures, convergence, statistics) to ``show`` as its message
    alone: one line, no file name or source line, and once per message (a config checked,
    built and run warns about its reward distribution from three places: one cause, one line)."""
    shown: set[str] = set()

    def once(message, *args, **kwargs) -> None:
        text = str(message)
        if text not in shown:
            shown.add(text)
            show(text)

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = once
        yield


@contextlib.contextmanager
def reported_errors() -> Iterator[None]:
    """Turn every exception into one line on stderr and an exit status (see module notes)."""
    try:
        yield
    except typer.Exit:
        raise
    except PowerplayError as error:
        typer.echo(f"error: {printable(error)}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except KeyboardInterrupt:
        typer.echo("interrupted: finished runs are saved; run the same command again to resume", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except OSError as error:
        where = f" ({error.filename})" if getattr(error, "filename", None) else ""
        typer.echo(f"error: {printable(f'{error.strerror or error}{where}')}; finished runs are saved", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except RecursionError:
        typer.echo("error: the input is nested too deeply to process", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except Exception as error:
        saved = save_traceback()
        where = f"; full traceback in {saved}" if saved else ""
        typer.echo(f"internal error: {type(error).__name__}: {printable(error)}{where}", err=True)
        raise typer.Exit(EXIT_INTERNAL) from None


__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "not_a_record",
    "printable",
    "reported_errors",
    "save_traceback",
    "warnings_as_lines",
]
