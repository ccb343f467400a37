"""The error raised for a bad MDP or policy file (or graph): one line naming where."""

from __future__ import annotations

import os


class FileFormatError(ValueError):
    """A malformed MDP/policy file or graph.

    The message is one line: ``'{path}:{line}: {problem}'`` when the line is known,
    ``'{path}: {problem}'`` otherwise (the problem names the state or action at fault).

    Attributes
    ----------
    path : str
        The file (or a description such as ``'networkx graph'``).
    line : int or None
        1-based line number, when known.
    problem : str
        What is wrong.
    """

    def __init__(self, path: str | os.PathLike, problem: str, line: int | None = None):
        self.path = str(path)
        self.line = line
        self.problem = problem
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {problem}")
