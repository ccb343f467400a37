"""Gridworlds for one agent and for two agents, built from sizes or from text maps.

Single-agent gridworld
----------------------
Cells are labelled ``'(row, col)'`` with ``(0, 0)`` at the top left. In each cell the agent
may move ``up``, ``down``, ``left``, ``right`` or ``stay``; a move off the grid or into a
deleted cell is *unavailable* (it is not in the cell's action set), exactly as in the
reference tool. Cells can be removed in rectangles (``squares_to_delete``, the reference's
format) or drawn as a text map::

    .......
    .##.###      '.' is an open cell
    ....###      '#' is a wall (no state)
    .##....

Stochastic noise (the reference's semantics): with ``stochastic_noise_level = e`` an
action reaches its intended cell with probability ``1 - e`` and the noise ``e`` is spread
equally over the cells reachable by *all* actions available in that cell (including the
intended one and staying put). ``noise_bias = {'left': b}`` takes ``b`` of the noise and
sends it in that direction instead; the rest, ``e - sum(b)``, is spread equally. A bias
towards a direction that is unavailable in a cell is spread equally like the rest of the
noise there. For example, in the top-left cell of a grid, with ``e = 0.3``:

* no bias: ``down`` gives ``down 0.8, right 0.1, stay 0.1``;
* ``noise_bias = {'right': 0.3}``: ``down`` gives ``down 0.7, right 0.3``.

Two-agent (joint) gridworld
---------------------------
:func:`joint_gridworld` pairs two copies of a single-agent MDP: joint states
``'x_H^y_A'`` ordered H-major, joint actions ``'u_H^v_A'``, and independent moves (the
joint probability is the product). ``overlap`` sets what happens when both agents would
occupy one cell:

``'allow'``
    Nothing special: agents may share cells (the reference's ``joint_3x3_gridworld``).
``'remove'``
    The reference's no-overlap rule: joint states where the agents share a cell are
    deleted, together with every joint action that could lead into one. Agents may still
    swap cells. (With stochastic moves this can leave a state with no action at all, which
    is an error: use ``'block'`` there.) When the other agent's policy is marginalised out, the removed joint
    actions make rows sub-stochastic (see :mod:`powerplay.model.policy`); this is how the
    published Part 3 figures were computed.
``'block'``
    A physical alternative with proper probabilities: shared cells are never occupied; a
    move into a cell the other agent holds, or into the cell the other agent is also
    entering, leaves the mover where it was.

Examples
--------
>>> maze = gridworld_from_map('''
... ..#
... ...
... ''')
>>> maze.states
('(0, 0)', '(0, 1)', '(1, 0)', '(1, 1)', '(1, 2)')
>>> maze.available_actions('(0, 1)')
['down', 'left', 'stay']
>>> noisy = gridworld(1, 2, stochastic_noise_level=0.5)
>>> noisy.next_states('(0, 0)', 'right')
{'(0, 0)': 0.25, '(0, 1)': 0.75}
>>> joint_gridworld(gridworld(1, 2), overlap='remove').states
('(0, 0)_H^(0, 1)_A', '(0, 1)_H^(0, 0)_A')
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Literal

import numpy as np
from scipy import sparse

from ..errors import ModelError
from .labels import cell_label, cells_of, joint_label
from .mdp import MDP, JointMDP

#: Gridworld actions, in their canonical order, with their (row, col) displacements.
MOVES: dict[str, tuple[int, int]] = {
    "up": (-1, 0),
    "down": (1, 0),
    "left": (0, -1),
    "right": (0, 1),
    "stay": (0, 0),
}

OverlapRule = Literal["allow", "remove", "block"]


def _open_cells_from_squares(num_rows: int, num_cols: int, squares_to_delete: Iterable[Sequence[str]]) -> np.ndarray:
    if num_rows < 1 or num_cols < 1:
        raise ModelError(f"a gridworld needs at least one row and one column, not {num_rows}x{num_cols}")
    open_cells = np.ones((num_rows, num_cols), dtype=bool)
    for square in squares_to_delete:
        if len(square) != 2:
            raise ModelError(f"squares_to_delete entry {square!r} must be a pair of corner cells")
        corners = cells_of(str(corner) for corner in square)
        if corners is None:
            raise ModelError(f"squares_to_delete entry {square!r}: corners must look like '(0, 0)'")
        (r0, c0), (r1, c1) = corners
        open_cells[min(r0, r1) : max(r0, r1) + 1, min(c0, c1) : max(c0, c1) + 1] = False
    return open_cells


def _parse_map(text_map: str) -> np.ndarray:
    lines = [line.strip() for line in text_map.strip("\n").splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise ModelError("the gridworld map is empty")
    width = max(len(line) for line in lines)
    open_cells = np.zeros((len(lines), width), dtype=bool)
    for r, line in enumerate(lines):
        for c, char in enumerate(line):
            if char not in ".#":
                raise ModelError(
                    f"gridworld map line {r + 1}, column {c + 1}: {char!r} is not '.' (open) or '#' (wall)"
                )
            open_cells[r, c] = char == "."
    return open_cells


def _noise_weights(
    allowed: list[str], stochastic_noise_level: float, noise_bias: Mapping[str, float]
) -> dict[str, float]:
    """How the noise of one cell is split over its available moves (independent of the action)."""
    spread = stochastic_noise_level - sum(noise_bias.get(move, 0.0) for move in allowed)
    weights = {move: spread / len(allowed) + noise_bias.get(move, 0.0) for move in allowed}
    return weights


def _check_noise(stochastic_noise_level: float, noise_bias: Mapping[str, float]) -> None:
    if not 0.0 <= stochastic_noise_level <= 1.0:
        raise ModelError(f"stochastic_noise_level must be in [0, 1], not {stochastic_noise_level!r}")
    for move, magnitude in noise_bias.items():
        if move not in MOVES:
            raise ModelError(f"noise_bias direction {move!r} is not one of {list(MOVES)}")
        if magnitude < 0:
            raise ModelError(f"noise_bias[{move!r}] must be non-negative, not {magnitude!r}")
    if sum(noise_bias.values()) > stochastic_noise_level + 1e-12:
        raise ModelError(
            f"noise_bias magnitudes sum to {sum(noise_bias.values())!r}, more than "
            f"stochastic_noise_level={stochastic_noise_level!r}"
        )


def _outcome_table(stochastic_noise_level: float, noise_bias: Mapping[str, float]) -> np.ndarray:
    """``[32, 5, 5]``: ``P(move m happens | action a)`` for each availability pattern of a cell.

    Bit ``k`` of the pattern is set when move ``k`` (in :data:`MOVES` order) is available.
    A cell's outcome distribution depends only on which of its moves are available, so the
    at most 16 patterns that occur (``stay`` is always available) are computed here once, in
    plain Python with exactly the arithmetic of the per-cell definition, and gathered for
    all cells by :func:`gridworld_from_cells`.
    """
    moves = list(MOVES)
    table = np.zeros((1 << len(moves), len(moves), len(moves)))
    for pattern in range(1 << len(moves)):
        allowed = [move for k, move in enumerate(moves) if pattern >> k & 1]
        if "stay" not in allowed:
            continue
        noise = _noise_weights(allowed, stochastic_noise_level, noise_bias) if stochastic_noise_level > 0 else {}
        for action in allowed:
            # Keyed by move: the moves of one cell reach distinct cells.
            outcome = dict(noise)
            outcome[action] = outcome.get(action, 0.0) + 1.0 - stochastic_noise_level
            for move, p in outcome.items():
                if p > 0:
                    table[pattern, moves.index(action), moves.index(move)] = p
    return table


#: Moves in the order of the cells they reach in row-major numbering (up < left < stay <
#: right < down), so a transition row gathered in this order has sorted columns.
_ROW_MAJOR_MOVES = np.array([list(MOVES).index(m) for m in ("up", "left", "stay", "right", "down")])

#: Cells per block when gathering noisy rows (bounds the ``[block, 5, 5]`` temporaries).
_BLOCK = 1 << 16


def _cell_targets(open_cells: np.ndarray) -> np.ndarray:
    """``[S, 5]`` index of the open cell each move reaches from each open cell, ``-1`` if none."""
    rows, cols = open_cells.shape
    index = np.full((rows + 2, cols + 2), -1, dtype=np.int64)  # a border of walls
    index[1:-1, 1:-1][open_cells] = np.arange(int(open_cells.sum()))
    r, c = np.nonzero(open_cells)
    return np.stack([index[r + 1 + dr, c + 1 + dc] for dr, dc in MOVES.values()], axis=1)


def gridworld_from_cells(
    open_cells: np.ndarray,
    stochastic_noise_level: float = 0.0,
    noise_bias: Mapping[str, float] | None = None,
    name: str = "",
) -> MDP:
    """A single-agent gridworld on the ``True`` cells of a ``[rows, cols]`` boolean array.

    Vectorised over cells: a 1000 x 1000 grid builds in seconds, with memory linear in the
    number of cells.

    Parameters
    ----------
    open_cells : numpy.ndarray of bool
        ``[rows, cols]``; ``True`` marks an open cell (a state).
    stochastic_noise_level : float in [0, 1]
        Probability mass spread over a cell's available moves (see module notes).
    noise_bias : dict, optional
        ``{direction: magnitude}``: noise sent in a fixed direction (see module notes).
    name : str
        Description of the MDP.

    Returns
    -------
    MDP
        States are the open cells ``'(row, col)'`` in row-major order; actions are
        :data:`MOVES`.

    Raises
    ------
    ModelError
        If no cell is open, or on a bad noise level or bias.

    Examples
    --------
    >>> grid = gridworld_from_cells(np.array([[True, True, False], [False, True, True]]))
    >>> grid.states
    ('(0, 0)', '(0, 1)', '(1, 1)', '(1, 2)')
    >>> grid.available_actions('(0, 1)')
    ['down', 'left', 'stay']
    """
    noise_bias = dict(noise_bias or {})
    _check_noise(stochastic_noise_level, noise_bias)
    open_cells = np.asarray(open_cells, dtype=bool)
    if open_cells.ndim != 2:
        raise ModelError(f"open_cells must be a [rows, cols] array, not of shape {open_cells.shape}")
    targets = _cell_targets(open_cells)  # [S, 5]
    S, A = targets.shape
    if S == 0:
        raise ModelError("the gridworld has no open cells")
    mask = targets >= 0  # [S, A]
    indptr = np.zeros(S * A + 1, dtype=np.int64)
    if stochastic_noise_level > 0:
        table = _outcome_table(stochastic_noise_level, noise_bias)[:, :, _ROW_MAJOR_MOVES]  # [32, A, A]
        pattern = mask.astype(np.int64) @ (1 << np.arange(A))  # [S]
        np.cumsum((table > 0).sum(axis=2)[pattern].ravel(), out=indptr[1:])
        # Filled in place a block of cells at a time: bounded temporaries, no concatenated copies.
        data = np.empty(indptr[-1])
        indices = np.empty(indptr[-1], dtype=np.int64)
        for lo in range(0, S, _BLOCK):
            probs = table[pattern[lo : lo + _BLOCK]]  # [block, A, A]
            present = probs > 0
            span = slice(indptr[lo * A], indptr[min(lo + _BLOCK, S) * A])
            data[span] = probs[present]
            indices[span] = np.broadcast_to(targets[lo : lo + _BLOCK, None, _ROW_MAJOR_MOVES], probs.shape)[present]
    else:  # each available action reaches its own target with probability one
        np.cumsum(mask.ravel(), out=indptr[1:])
        data = np.ones(indptr[-1])
        indices = targets[mask]
    transitions = sparse.csr_array((data, indices, indptr), shape=(S * A, S))
    r, c = np.nonzero(open_cells)
    states = tuple(map(cell_label, r.tolist(), c.tolist()))
    return MDP(states, tuple(MOVES), transitions, mask, name=name)


def gridworld(
    num_rows: int,
    num_cols: int,
    squares_to_delete: Iterable[Sequence[str]] = (),
    stochastic_noise_level: float = 0.0,
    noise_bias: Mapping[str, float] | None = None,
    name: str = "",
) -> MDP:
    """A single-agent gridworld of ``num_rows x num_cols`` cells, minus deleted rectangles.

    Parameters
    ----------
    num_rows, num_cols : int
        Grid size.
    squares_to_delete : list of [corner, corner]
        Rectangles to remove, each given by two opposite corner cells in label form, e.g.
        ``[['(0, 0)', '(1, 1)']]`` removes the 2x2 block at the top left.
    stochastic_noise_level : float in [0, 1]
        Probability mass spread over a cell's available moves (see module notes).
    noise_bias : dict, optional
        ``{direction: magnitude}``: noise sent in a fixed direction (see module notes).
    name : str
        Description; defaults to ``'{rows}x{cols} gridworld'``.

    Raises
    ------
    ValueError
        On a bad size, square, noise level or bias.
    """
    open_cells = _open_cells_from_squares(num_rows, num_cols, squares_to_delete)
    return gridworld_from_cells(
        open_cells, stochastic_noise_level, noise_bias, name=name or f"{num_rows}x{num_cols} gridworld"
    )


def gridworld_from_map(
    text_map: str,
    stochastic_noise_level: float = 0.0,
    noise_bias: Mapping[str, float] | None = None,
    name: str = "",
) -> MDP:
    """A single-agent gridworld drawn as text: ``'.'`` open cell, ``'#'`` wall.

    Leading/trailing blank lines and indentation are ignored; short lines are padded with
    walls.

    Raises
    ------
    ValueError
        Naming the line and column of any other character.
    """
    open_cells = _parse_map(text_map)
    return gridworld_from_cells(
        open_cells,
        stochastic_noise_level,
        noise_bias,
        name=name or f"{open_cells.shape[0]}x{open_cells.shape[1]} gridworld",
    )


def gridworld_to_map(mdp: MDP) -> str:
    """The text map (``'.'``/``'#'``) of a single-agent gridworld's cells."""
    coords = cells_of(mdp.states)
    if coords is None:
        raise ModelError(f"MDP {mdp.name!r} is not a gridworld: its states are not all '(row, col)' cells")
    return cells_to_map(coords)


def cells_to_map(coords: Collection[tuple[int, int]]) -> str:
    """The text map (``'.'``/``'#'``) whose open cells are ``coords`` (``(row, col)``, at least one, none negative)."""
    rows = max(r for r, _ in coords) + 1
    cols = max(c for _, c in coords) + 1
    grid = [["#"] * cols for _ in range(rows)]
    for r, c in coords:
        grid[r][c] = "."
    return "\n".join("".join(line) for line in grid)


def _joint_product(single: MDP) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """COO triples of the independent-moves product, rows in joint-row order, and the mask."""
    S, A = single.num_states, single.num_actions
    kron = sparse.kron(single.transitions, single.transitions, format="coo")
    # kron row = (s_H*A + a_H) * (S*A) + (s_A*A + a_A); col = s'_H * S + s'_A.
    r_H, r_A = np.divmod(kron.row, S * A)
    s_H, a_H = np.divmod(r_H, A)
    s_A, a_A = np.divmod(r_A, A)
    joint_row = ((s_H * S + s_A) * A + a_H) * A + a_A
    mask = single.action_mask[:, None, :, None] & single.action_mask[None, :, None, :]  # [S_H, S_A, A_H, A_A]
    return joint_row.astype(np.int64), kron.col.astype(np.int64), kron.data, mask.reshape(S * S, A, A)


def joint_name(single_name: str, overlap: str) -> str:
    """The default name of the joint MDP of ``single_name`` with an overlap rule, e.g. ``'joint maze (no overlap)'``."""
    return " ".join(
        filter(None, ["joint", single_name, {"allow": "", "remove": "(no overlap)", "block": "(blocking)"}[overlap]])
    )


def joint_gridworld(single: MDP, overlap: OverlapRule = "allow", name: str = "") -> JointMDP:
    """The two-agent MDP in which Agents H and A each move in ``single``.

    Parameters
    ----------
    single : MDP
        The single-agent MDP both agents live in (typically a gridworld).
    overlap : {'allow', 'remove', 'block'}
        What happens when the agents would share a state (see module notes).
    name : str
        Description; defaults to ``'joint ' + single.name`` plus the overlap rule.

    Returns
    -------
    JointMDP
        States ``'x_H^y_A'`` (H-major order), actions ``single.actions`` for each agent.

    Raises
    ------
    ModelError
        For an unknown overlap rule; for ``'remove'`` or ``'block'`` on an MDP with fewer than
        two states (no joint state where both agents fit); for ``'remove'`` when a state has
        no joint action that surely avoids a shared cell.
    """
    if overlap not in ("allow", "remove", "block"):
        raise ModelError(f"overlap must be 'allow', 'remove' or 'block', not {overlap!r}")
    S, A = single.num_states, single.num_actions
    if overlap != "allow" and S < 2:
        raise ModelError(
            f"overlap={overlap!r} keeps only joint states where the agents are in different cells, and MDP "
            f"{single.name!r} has {S} state{'s' if S != 1 else ''}, so no joint state would be left; use overlap='allow' "
            "or an environment with at least two cells"
        )
    rows, cols, probs, mask = _joint_product(single)
    labels = [joint_label(x, y) for x in single.states for y in single.states]
    name = name or joint_name(single.name, overlap)

    if overlap == "allow":
        transitions = sparse.coo_array((probs, (rows, cols)), shape=(S * S * A * A, S * S))
        return JointMDP(tuple(labels), single.actions, single.actions, transitions, mask, name=name)

    state_of_row = rows // (A * A)
    from_H, from_A = np.divmod(state_of_row, S)
    to_H, to_A = np.divmod(cols, S)
    if overlap == "remove":
        into_overlap = np.zeros(S * S * A * A, dtype=bool)
        into_overlap[rows[to_H == to_A]] = True
        mask = mask & ~into_overlap.reshape(S * S, A, A)
    else:  # block: an agent moving into the shared cell stays put
        clash = to_H == to_A
        H_moved, A_moved = to_H != from_H, to_A != from_A
        # The agent that stayed put keeps its cell; whoever moved into it bounces back.
        to_H = np.where(clash & H_moved, from_H, to_H)
        to_A = np.where(clash & A_moved, from_A, to_A)
        cols = to_H * S + to_A

    keep_state = np.repeat(np.arange(S), S) != np.tile(np.arange(S), S)  # h != a
    stuck = np.flatnonzero(keep_state & ~mask.reshape(S * S, -1).any(axis=1))
    if stuck.size:
        raise ModelError(
            f"overlap='remove' leaves state {labels[stuck[0]]!r} without any joint action that surely avoids "
            "a shared cell (with stochastic moves the agents can always collide); use overlap='block'"
        )
    new_index = np.cumsum(keep_state) - 1
    keep = keep_state[state_of_row] & keep_state[cols] & mask.reshape(-1)[rows]
    rest = rows % (A * A)
    new_rows = new_index[state_of_row[keep]] * A * A + rest[keep]
    n = int(keep_state.sum())
    transitions = sparse.coo_array((probs[keep], (new_rows, new_index[cols[keep]])), shape=(n * A * A, n))
    states = tuple(label for label, ok in zip(labels, keep_state) if ok)
    return JointMDP(states, single.actions, single.actions, transitions, mask[keep_state], name=name)


def multiagent_gridworld(
    num_rows: int,
    num_cols: int,
    squares_to_delete: Iterable[Sequence[str]] = (),
    overlap: OverlapRule = "allow",
    name: str = "",
) -> JointMDP:
    """Joint two-agent version of :func:`gridworld` (the reference's ``construct_multiagent_gridworld_mdp``)."""
    return joint_gridworld(gridworld(num_rows, num_cols, squares_to_delete), overlap=overlap, name=name)
