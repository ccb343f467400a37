"""String labels for states and actions, in the reference tool's formats.

States and actions are identified by strings everywhere a user sees them (configs,
files, figures). The formats are the reference tool's:

* a gridworld cell: ``'(row, col)'``, e.g. ``'(1, 3)'``;
* a joint (two-agent) state: ``'{state_H}_H^{state_A}_A'``, e.g. ``'(1, 3)_H^(0, 2)_A'``;
* a joint action: ``'{action_H}_H^{action_A}_A'``, e.g. ``'left_H^down_A'``.

Examples
--------
>>> joint_label('(1, 3)', '(0, 2)')
'(1, 3)_H^(0, 2)_A'
>>> split_joint_label('left_H^down_A')
('left', 'down')
>>> cell_coordinates('(1, 3)')
(1, 3)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ..errors import ModelError

_CELL = re.compile(r"^\((-?\d+), ?(-?\d+)\)$")

AGENTS = ("H", "A")


def cell_label(row: int, col: int) -> str:
    """Label of the gridworld cell at ``(row, col)``."""
    return f"({row}, {col})"


def cell_coordinates(label: str) -> tuple[int, int] | None:
    """``(row, col)`` of a gridworld cell label, or ``None`` if ``label`` is not a cell."""
    match = _CELL.match(label)
    return (int(match.group(1)), int(match.group(2))) if match else None


def cells_of(labels: Iterable[str]) -> list[tuple[int, int]] | None:
    """``(row, col)`` of every label, or ``None`` if some label is not a cell ``'(r, c)'``.

    Examples
    --------
    >>> cells_of(['(0, 1)', '(2, 0)'])
    [(0, 1), (2, 0)]
    >>> cells_of(['(0, 1)', 'start']) is None
    True
    """
    cells = []
    for label in labels:
        cell = cell_coordinates(label)
        if cell is None:
            return None
        cells.append(cell)
    return cells


def joint_label(label_H: str, label_A: str) -> str:
    """Joint label of a pair of single-agent labels (states or actions)."""
    return f"{label_H}_H^{label_A}_A"


def split_joint_label(label: str) -> tuple[str, str] | None:
    """``(label_H, label_A)`` of a joint label, or ``None`` if ``label`` is not joint.

    The split is at the last ``'_H^'`` before the final ``'_A'``. (String methods, not a
    regular expression: ``^(.*)_H\\^(.*)_A$`` backtracks quadratically on long labels full of
    ``'_H^'``, and labels come from files.)
    """
    if not label.endswith("_A"):
        return None
    head = label[:-2]
    cut = head.rfind("_H^")
    return (head[:cut], head[cut + 3 :]) if cut >= 0 else None


def ambiguous_joint_pair(
    labels_H: Iterable[str], labels_A: Iterable[str]
) -> tuple[str, str, tuple[str, str] | None] | None:
    """The first pair ``(h, a, read_back)`` whose joint label splits into something else, or ``None``.

    E.g. Agent H's ``'x_H^y'`` with Agent A's ``'z'`` gives ``'x_H^y_H^z_A'``, which splits as
    ``('x_H^y', 'z')`` -- fine -- but Agent A's ``'y_H^z'`` would read back differently.
    """
    labels_A = list(labels_A)
    for h in labels_H:
        for a in labels_A:
            read_back = split_joint_label(joint_label(h, a))
            if read_back != (h, a):
                return h, a, read_back
    return None


def is_joint_label(label: str) -> bool:
    """Whether ``label`` has the joint ``'x_H^y_A'`` form."""
    return split_joint_label(label) is not None


def are_gridworld_states(states: Iterable[str]) -> bool:
    """Whether every label is a cell ``'(r, c)'`` or a joint state of two cells."""
    for state in states:
        parts = split_joint_label(state) or (state,)
        if any(cell_coordinates(part) is None for part in parts):
            return False
    return True


def index_of(labels: Sequence[str], what: str) -> dict[str, int]:
    """Map each label to its position, refusing duplicates.

    Raises
    ------
    ValueError
        If a label appears twice; ``what`` names the kind of label in the message.
    """
    positions: dict[str, int] = {}
    for position, label in enumerate(labels):
        if label in positions:
            raise ModelError(f"duplicate {what} label {label!r}")
        positions[label] = position
    return positions
