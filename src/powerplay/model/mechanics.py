"""Mechanics of a gridworld map: one-way doors, teleporters and wind.

A plain gridworld (:mod:`powerplay.model.gridworld`) has open cells and walls. Three
mechanics change where a move leads; each is a property of the map, so every agent of a
joint gridworld lives with the same mechanics (a joint gridworld is built from the
single-agent moves, and the mechanics are part of those moves).

One-way doors
    A door cell can be entered only by moving in one direction: on a text map ``>``, ``<``,
    ``^`` and ``v`` are open cells entered only by moving right, left, up and down. A move
    into a door from any other side is *unavailable*, exactly like a move into a wall (so
    the noise of a noisy gridworld, which is spread over the available moves, never carries
    an agent through a door the wrong way). Leaving a door cell is not restricted. In the
    corridor ``.>.`` the agent can go from left to right but never back: the right-hand cell
    is a dead end.
Teleporters
    Pairs of cells marked with the same digit or capital letter on a map (each mark exactly
    twice). A move (chosen, or the noise's) that enters one pad puts the agent on the other
    pad instead; staying on a pad does nothing. The agent's move is available as for the pad's
    cell (a wall or door is a wall or door whatever lies beyond).
Wind
    :class:`Wind` ``(direction, probability, column=c)`` (or ``row=r``) blows through one
    column (row) of the map: an agent whose move -- after noise, doors and teleporters -- ends
    in a windy cell is blown one cell further in the wind's direction with that probability,
    if it could move there (an open cell, not a door entered from the wrong side); a blown
    agent is not teleported and not blown again. Wind acts on every action, ``stay``
    included, and composes with noise: each outcome of the noisy move is blown or not.
    In YAML a wind is ``{column: 3, direction: up, probability: 0.2}``.

Pushes by other agents (:mod:`powerplay.model.interactions`) are, like wind, one-cell
displacements: walls and doors stop them, teleporters and wind do not act on them.

Each map character stands for one cell, so a door cannot also be a teleporter pad; a pad or
door can lie in a windy column. Two winds may not share a cell.

Examples
--------
>>> open_cells, mechanics = parse_map('''
... 1.>.
... ...1
... ''')
>>> open_cells.astype(int).tolist()
[[1, 1, 1, 1], [1, 1, 1, 1]]
>>> mechanics.one_way, mechanics.teleporters
((((0, 2), 'right'),), (((0, 0), (1, 3)),))
>>> Wind.from_spec({'column': 3, 'direction': 'up', 'probability': 0.2}).describe()
'wind up 0.2 in column 3'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np
from scipy import sparse

from ..errors import ModelError

#: Gridworld actions, in their canonical order, with their (row, col) displacements.
MOVES: dict[str, tuple[int, int]] = {
    "up": (-1, 0),
    "down": (1, 0),
    "left": (0, -1),
    "right": (0, 1),
    "stay": (0, 0),
}

#: The moves that go somewhere (directions of doors, wind and pushes), in :data:`MOVES` order.
DIRECTIONS: tuple[str, ...] = ("up", "down", "left", "right")

#: Map characters of one-way doors: the direction an agent must move in to enter the cell.
DOOR_CHARACTERS: dict[str, str] = {"^": "up", "v": "down", "<": "left", ">": "right"}

#: Map characters of teleporter pads (each used by exactly two cells).
PAD_CHARACTERS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

Cell = tuple[int, int]


def _direction(value: Any, field: str) -> str:
    if not isinstance(value, str) or value not in DIRECTIONS:
        raise ModelError(f"{field} must be one of {', '.join(DIRECTIONS)}, not {value!r}", field=field)
    return value


def _cell(value: Any, field: str) -> Cell:
    if (
        not isinstance(value, (tuple, list))
        or len(value) != 2
        or not all(isinstance(x, Integral) and not isinstance(x, bool) for x in value)
    ):
        raise ModelError(f"{field}: {value!r} is not a cell (row, col)", field=field)
    return int(value[0]), int(value[1])


@dataclass(frozen=True)
class Wind:
    """Wind through one column (or row) of a gridworld map.

    Parameters
    ----------
    direction : {'up', 'down', 'left', 'right'}
        Where it blows.
    probability : float in [0, 1]
        The chance that an agent ending its move in the column is blown one cell on.
    column, row : int, optional
        The windy column or row (map coordinates, from 0); exactly one of them.

    Raises
    ------
    ModelError
        With ``field`` naming the key at fault (``wind.direction``, ...).

    Examples
    --------
    >>> Wind('up', 0.25, column=2).to_spec()
    {'column': 2, 'direction': 'up', 'probability': 0.25}
    """

    direction: str
    probability: float
    column: int | None = None
    row: int | None = None

    def __post_init__(self) -> None:
        _direction(self.direction, "wind.direction")
        p = self.probability
        if not isinstance(p, Real) or isinstance(p, bool) or not 0.0 <= float(p) <= 1.0:
            raise ModelError(f"wind.probability must be a number in [0, 1], not {p!r}", field="wind.probability")
        object.__setattr__(self, "probability", float(p))
        if (self.column is None) == (self.row is None):
            raise ModelError("a wind blows through one column or one row: give exactly one of them", field="wind")
        for key in ("column", "row"):
            value = getattr(self, key)
            if value is not None and (not isinstance(value, Integral) or isinstance(value, bool) or value < 0):
                raise ModelError(f"wind.{key} must be an integer >= 0, not {value!r}", field=f"wind.{key}")

    @classmethod
    def from_spec(cls, spec: Any) -> Wind:
        """A wind from its config form ``{column: 3, direction: up, probability: 0.2}`` (or ``row:``).

        Raises
        ------
        ModelError
            With ``field`` naming the key at fault; unknown keys are listed.
        """
        if isinstance(spec, Wind):
            return spec
        if not isinstance(spec, Mapping):
            raise ModelError(
                f"a wind is a mapping such as {{column: 3, direction: up, probability: 0.2}}, not {spec!r}",
                field="wind",
            )
        valid = ("column", "row", "direction", "probability")
        for key in spec:
            if key not in valid:
                raise ModelError(f"wind.{key}: unknown key; valid: {', '.join(valid)}", field=f"wind.{key}")
        for key in ("direction", "probability"):
            if key not in spec:
                raise ModelError(f"wind.{key}: missing", field=f"wind.{key}")
        return cls(spec["direction"], spec["probability"], column=spec.get("column"), row=spec.get("row"))

    def to_spec(self) -> dict[str, Any]:
        """The config form (:meth:`from_spec` reads it back)."""
        where = {"column": self.column} if self.column is not None else {"row": self.row}
        return {**where, "direction": self.direction, "probability": self.probability}

    def describe(self) -> str:
        """``'wind up 0.2 in column 3'``."""
        where = f"column {self.column}" if self.column is not None else f"row {self.row}"
        return f"wind {self.direction} {self.probability:g} in {where}"

    def cells(self, shape: tuple[int, int]) -> np.ndarray:
        """``[rows, cols]`` bool: the cells of a map of this shape that the wind blows through."""
        windy = np.zeros(shape, dtype=bool)
        if self.column is not None:
            windy[:, self.column] = True
        else:
            windy[self.row, :] = True
        return windy


@dataclass(frozen=True)
class Mechanics:
    """The one-way doors, teleporter pairs and winds of a map (see the module notes).

    Parameters
    ----------
    one_way : tuple of ((row, col), direction)
        Door cells and the direction an agent must move in to enter each, in cell order.
    teleporters : tuple of ((row, col), (row, col))
        Pairs of pads, each pair in cell order, pairs in order of their first pad.
    wind : tuple of Wind

    Examples
    --------
    >>> m = Mechanics.create(one_way={(0, 2): 'right'}, teleporters=[((1, 3), (0, 0))], wind=[{'row': 1, 'direction': 'left', 'probability': 0.5}])
    >>> m.teleporters, m.describe()
    ((((0, 0), (1, 3)),), '1 one-way door, 1 teleporter pair, wind left 0.5 in row 1')
    >>> bool(Mechanics())
    False
    """

    one_way: tuple[tuple[Cell, str], ...] = ()
    teleporters: tuple[tuple[Cell, Cell], ...] = ()
    wind: tuple[Wind, ...] = ()

    @classmethod
    def create(
        cls,
        one_way: Mapping[Cell, str] | Iterable[tuple[Cell, str]] | None = None,
        teleporters: Iterable[Sequence[Cell]] | None = None,
        wind: Wind | Mapping | Iterable[Wind | Mapping] | None = None,
    ) -> Mechanics:
        """Mechanics from plain values, checked and put in canonical order.

        ``wind`` may be one wind or a list of them, each a :class:`Wind` or its config form.

        Raises
        ------
        ModelError
            With ``field`` set (``one_way``, ``teleporters``, ``wind...``): a bad cell or
            direction, a cell used twice.
        """
        doors: dict[Cell, str] = {}
        items = one_way.items() if isinstance(one_way, Mapping) else (one_way or ())
        for item in items:
            if not isinstance(item, (tuple, list)) or len(item) != 2:
                raise ModelError(f"one_way: {item!r} is not a (cell, direction) pair", field="one_way")
            cell = _cell(item[0], "one_way")
            if cell in doors:
                raise ModelError(f"one_way: cell {cell} is listed twice", field="one_way")
            doors[cell] = _direction(item[1], "one_way")
        pairs = []
        used: set[Cell] = set(doors)
        for pair in teleporters or ():
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise ModelError(f"teleporters: {pair!r} is not a pair of cells", field="teleporters")
            a, b = sorted((_cell(pair[0], "teleporters"), _cell(pair[1], "teleporters")))
            for cell in (a, b):
                if cell in used:
                    raise ModelError(
                        f"teleporters: cell {cell} is already a door or a pad (one mechanic per cell)",
                        field="teleporters",
                    )
                used.add(cell)
            pairs.append((a, b))
        if wind is None:
            winds: list = []
        elif isinstance(wind, (Wind, Mapping)):
            winds = [wind]
        elif isinstance(wind, (list, tuple)):
            winds = list(wind)
        else:
            raise ModelError(f"wind must be a wind or a list of winds, not {wind!r}", field="wind")
        return cls(tuple(sorted(doors.items())), tuple(sorted(pairs)), tuple(map(Wind.from_spec, winds)))

    def __bool__(self) -> bool:
        return bool(self.one_way or self.teleporters or self.wind)

    def describe(self) -> str:
        """A short text, ``'2 one-way doors, 1 teleporter pair, wind up 0.2 in column 3'`` (empty if none)."""
        parts = []
        for count, what in ((len(self.one_way), "one-way door"), (len(self.teleporters), "teleporter pair")):
            if count:
                parts.append(f"{count} {what}{'s' if count != 1 else ''}")
        parts.extend(w.describe() for w in self.wind)
        return ", ".join(parts)

    def check(self, open_cells: np.ndarray) -> None:
        """Every door and pad is an open cell of the map, every wind inside it, no cell in two winds.

        Raises
        ------
        ModelError
            Naming the cell or wind at fault.
        """
        rows, cols = open_cells.shape
        for field, cell in [("one_way", c) for c, _ in self.one_way] + [
            ("teleporters", c) for pair in self.teleporters for c in pair
        ]:
            r, c = cell
            if not (0 <= r < rows and 0 <= c < cols) or not open_cells[r, c]:
                raise ModelError(f"{field}: cell {cell} is not an open cell of the {rows}x{cols} map", field=field)
        covered = np.zeros(open_cells.shape, dtype=np.int64)
        for wind in self.wind:
            index, size, axis = (wind.column, cols, "column") if wind.column is not None else (wind.row, rows, "row")
            if index is None or index >= size:
                raise ModelError(
                    f"wind.{axis}: {index} is outside the {rows}x{cols} map ({axis}s 0 to {size - 1})",
                    field=f"wind.{axis}",
                )
            covered += wind.cells(open_cells.shape)
        if (covered > 1).any():
            r, c = (int(x) for x in np.argwhere(covered > 1)[0])
            raise ModelError(f"wind: cell {(r, c)} is in two winds (a cell has at most one)", field="wind")


def parse_map(text_map: str) -> tuple[np.ndarray, Mechanics]:
    """The open cells ``[rows, cols]`` and the doors and teleporters of a text map.

    ``'.'`` open, ``'#'`` wall, ``'>' '<' '^' 'v'`` one-way doors, digits and capital letters
    teleporter pads (each exactly twice). Leading/trailing blank lines and indentation are
    ignored; short lines are padded with walls.

    Raises
    ------
    ModelError
        Naming the line and column of any other character, or a pad mark not used exactly twice.
    """
    lines = [line.strip() for line in text_map.strip("\n").splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise ModelError("the gridworld map is empty")
    width = max(len(line) for line in lines)
    open_cells = np.zeros((len(lines), width), dtype=bool)
    doors: dict[Cell, str] = {}
    pads: dict[str, list[Cell]] = {}
    for r, line in enumerate(lines):
        for c, char in enumerate(line):
            if char == "#":
                continue
            if char in DOOR_CHARACTERS:
                doors[r, c] = DOOR_CHARACTERS[char]
            elif char in PAD_CHARACTERS:
                pads.setdefault(char, []).append((r, c))
            elif char != ".":
                raise ModelError(
                    f"gridworld map line {r + 1}, column {c + 1}: {char!r} is not '.' (open) or '#' (wall), "
                    "a one-way door (> < ^ v) or a teleporter pad (a digit or capital letter)"
                )
            open_cells[r, c] = True
    for mark, cells in pads.items():
        if len(cells) != 2:
            r, c = cells[-1]
            raise ModelError(
                f"gridworld map line {r + 1}, column {c + 1}: teleporter {mark!r} appears {len(cells)} "
                f"time{'s' if len(cells) != 1 else ''}; each pad mark pairs exactly two cells"
            )
    return open_cells, Mechanics.create(one_way=doors, teleporters=[tuple(cells) for cells in pads.values()])


def render_map(open_cells: np.ndarray, mechanics: Mechanics | None = None) -> str:
    """The text map of open cells with their doors and teleporter pads (the inverse of :func:`parse_map`).

    Winds are not drawn (they are not map characters). Pads are marked ``0``, ``1``, ... in
    :attr:`Mechanics.teleporters` order.

    Raises
    ------
    ModelError
        With more teleporter pairs than pad characters (36).
    """
    grid = np.where(open_cells, ".", "#").astype("<U1")
    if mechanics is not None:
        if len(mechanics.teleporters) > len(PAD_CHARACTERS):
            raise ModelError(
                f"a text map marks at most {len(PAD_CHARACTERS)} teleporter pairs, not {len(mechanics.teleporters)}",
                field="teleporters",
            )
        symbol = {direction: char for char, direction in DOOR_CHARACTERS.items()}
        for (r, c), direction in mechanics.one_way:
            grid[r, c] = symbol[direction]
        for mark, pair in zip(PAD_CHARACTERS, mechanics.teleporters):
            for r, c in pair:
                grid[r, c] = mark
    return "\n".join("".join(line) for line in grid)


# -- moves on a map ----------------------------------------------------------------------------


def cell_index(open_cells: np.ndarray) -> np.ndarray:
    """``[rows + 2, cols + 2]`` int64: the state index of each open cell, ``-1`` elsewhere, with a
    border of ``-1`` (so ``index[r + 1 + dr, c + 1 + dc]`` is the neighbour of ``(r, c)``)."""
    rows, cols = open_cells.shape
    index = np.full((rows + 2, cols + 2), -1, dtype=np.int64)  # a border of walls
    index[1:-1, 1:-1][open_cells] = np.arange(int(open_cells.sum()))
    return index


def cell_targets(open_cells: np.ndarray) -> np.ndarray:
    """``[S, 5]`` index of the open cell each move reaches from each open cell, ``-1`` if none."""
    index = cell_index(open_cells)
    r, c = np.nonzero(open_cells)
    return np.stack([index[r + 1 + dr, c + 1 + dc] for dr, dc in MOVES.values()], axis=1)


def door_targets(open_cells: np.ndarray, mechanics: Mechanics) -> np.ndarray:
    """``[S, 5]``: :func:`cell_targets` with moves into a door from the wrong side made unavailable (``-1``)."""
    targets = cell_targets(open_cells)
    if not mechanics.one_way:
        return targets
    index = cell_index(open_cells)
    entry = np.full(len(targets), -1, dtype=np.int64)  # [S] the move that may enter each door cell
    for (r, c), direction in mechanics.one_way:
        entry[index[r + 1, c + 1]] = list(MOVES).index(direction)
    for k in range(len(DIRECTIONS)):
        into = targets[:, k]
        wrong = (into >= 0) & (entry[into] >= 0) & (entry[into] != k)
        into[wrong] = -1
    return targets


def mechanics_transitions(
    open_cells: np.ndarray, mechanics: Mechanics, outcome_table: np.ndarray
) -> tuple[sparse.coo_array, np.ndarray]:
    """The transitions ``[S * 5, S]`` (COO, duplicates not yet summed) and action mask ``[S, 5]`` of a
    gridworld with mechanics; vectorised over cells.

    Parameters
    ----------
    open_cells : numpy.ndarray of bool
        ``[rows, cols]``.
    mechanics : Mechanics
        Checked against ``open_cells``.
    outcome_table : numpy.ndarray
        ``[32, 5, 5]``: ``P(move m happens | action a)`` for each availability pattern of a cell
        (bit ``k`` set when move ``k`` is available), moves in :data:`MOVES` order: the noise.
    """
    targets = door_targets(open_cells, mechanics)  # [S, 5]
    S, A = targets.shape
    mask = targets >= 0
    index = cell_index(open_cells)
    partner = np.arange(S)
    for a, b in mechanics.teleporters:
        ia, ib = index[a[0] + 1, a[1] + 1], index[b[0] + 1, b[1] + 1]
        partner[ia], partner[ib] = ib, ia
    landing = targets.copy()  # where each move puts the agent: entering a pad (not staying) teleports
    landing[:, : len(DIRECTIONS)] = np.where(
        targets[:, : len(DIRECTIONS)] >= 0, partner[targets[:, : len(DIRECTIONS)]], -1
    )
    pattern = mask.astype(np.int64) @ (1 << np.arange(A))  # [S]
    probs = outcome_table[pattern]  # [S, A (action), A (move)]
    present = probs > 0
    s, action, move = np.nonzero(present)
    row = s * A + action
    end = landing[s, move]
    p = probs[present]
    wind_move = np.full(S, -1, dtype=np.int64)  # [S] the wind's move in each cell
    wind_prob = np.zeros(S)
    r, c = np.nonzero(open_cells)
    for wind in mechanics.wind:
        windy = wind.cells(open_cells.shape)[r, c]
        wind_move[windy] = list(MOVES).index(wind.direction)
        wind_prob[windy] = wind.probability
    if not mechanics.wind:
        return sparse.coo_array((p, (row, end)), shape=(S * A, S)), mask
    blown = np.where(wind_move >= 0, targets[np.arange(S), wind_move.clip(0)], -1)  # [S], doors respected
    blows = blown[end] >= 0
    q = wind_prob[end]
    rows = np.concatenate([row, row[blows]])
    cols = np.concatenate([end, blown[end[blows]]])
    data = np.concatenate([np.where(blows, p * (1.0 - q), p), p[blows] * q[blows]])
    return sparse.coo_array((data, (rows, cols)), shape=(S * A, S)), mask


__all__ = [
    "DIRECTIONS",
    "DOOR_CHARACTERS",
    "MOVES",
    "PAD_CHARACTERS",
    "Mechanics",
    "Wind",
    "cell_targets",
    "door_targets",
    "mechanics_transitions",
    "parse_map",
    "render_map",
]
