"""How the command line reports mistakes: one ``error:`` line on stderr, exit status 2, no traceback."""

from __future__ import annotations

import contextlib
from typing import Iterator

import typer

#: Exit status for bad input (as click uses for usage errors).
EXIT_BAD_INPUT = 2


@contextlib.contextmanager
def user_errors(kinds: tuple[type[BaseException], ...]) -> Iterator[None]:
    """Turn the given error types into one line on stderr and exit status 2.

    A Ctrl-C is reported in one line too (finished runs are always on disk).
    """
    try:
        yield
    except kinds as error:
        typer.echo(f"error: {' '.join(str(error).split())}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except KeyboardInterrupt:
        typer.echo("interrupted: finished runs are saved; run the same command again to resume", err=True)
        raise typer.Exit(130) from None
