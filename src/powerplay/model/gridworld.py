"""Gridworlds for one agent and for several agents, built from sizes or from text maps.

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

Joint gridworld
---------------
:func:`joint_gridworld` puts ``n >= 2`` agents (default the published pair H, A) in copies
of a single-agent MDP, moving simultaneously: joint states ``'x_H^y_A'`` (``'x_H^y_A^z_B'``
for three agents) in C order (the first agent's cell slowest), joint actions ``'u_H^v_A'``,
and independent moves (the joint probability is the product). ``interaction`` (formerly
``overlap``) sets what happens when agents would occupy one cell:

``'allow'``
    Nothing special: agents may share cells (the reference's ``joint_3x3_gridworld``).
``'remove'``
    The reference's no-overlap rule: joint states where two agents share a cell are
    deleted, together with every joint action that could lead into one. Agents may still
    swap cells. (With stochastic moves this can leave a state with no action at all, which
    is an error: use ``'block'`` there.) When another agent's policy is marginalised out, the
    removed joint actions make rows sub-stochastic (see :mod:`powerplay.model.policy`); this
    is how the published Part 3 figures were computed.
``'block'``
    A physical alternative with proper probabilities: shared cells are never occupied; a
    move into a cell another agent holds, or into a cell another agent is also entering,
    leaves the mover where it was, repeated until no cell is contested
    (:func:`resolve_blocking` states the order; the outcome does not depend on the order of
    the agents). Agents may swap cells.

Each rule is one function (``_rule_allow``, ``_rule_remove``, ``_rule_block``) acting on the
agents' independent moves, block by block of joint states; everything is vectorised.

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
>>> joint_gridworld(gridworld(1, 2), interaction='remove').states
('(0, 0)_H^(0, 1)_A', '(0, 1)_H^(0, 0)_A')
>>> joint_gridworld(gridworld(1, 3), agents=('H', 'A', 'B'), interaction='remove').num_states
6
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from itertools import product
from typing import Literal

import numpy as np
from scipy import sparse

from ..errors import ModelError, ResourceLimitError, WrongKindError
from .interactions import (
    INTERACTION_RULES,
    GridGeometry,
    Interaction,
    InteractionRule,
    interaction_rule,
    interaction_spec,
    resolve_blocking,
)
from .labels import DEFAULT_AGENTS, cell_label, cells_of, check_agent_names
from .mdp import MDP, JointMDP
from .mechanics import MOVES, Mechanics, Wind, cell_targets, mechanics_transitions, parse_map

#: The published interaction rules by name (:func:`joint_gridworld` takes any rule of
#: :data:`INTERACTION_RULES`, or a list of them: :data:`InteractionSpec`).
OverlapRule = Literal["allow", "remove", "block"]

#: What :func:`joint_gridworld` takes as ``interaction``: a rule's name, a list of names, a rule
#: or an :class:`~powerplay.model.interactions.Interaction`.
InteractionSpec = str | Sequence[str] | InteractionRule | Interaction


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
    """The open cells of a text map (its doors and teleporter pads are open cells)."""
    return parse_map(text_map)[0]


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


def gridworld_from_cells(
    open_cells: np.ndarray,
    stochastic_noise_level: float = 0.0,
    noise_bias: Mapping[str, float] | None = None,
    name: str = "",
    mechanics: Mechanics | None = None,
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
    mechanics : Mechanics, optional
        One-way doors, teleporters and wind (:mod:`powerplay.model.mechanics`); without them
        the arrays are exactly those of a plain gridworld.

    Returns
    -------
    MDP
        States are the open cells ``'(row, col)'`` in row-major order; actions are
        :data:`MOVES`.

    Raises
    ------
    ModelError
        If no cell is open, on a bad noise level or bias, or on mechanics that do not fit
        the cells (a door or pad on a wall, a wind outside the map).

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
    targets = cell_targets(open_cells)  # [S, 5]
    S, A = targets.shape
    if S == 0:
        raise ModelError("the gridworld has no open cells")
    r, c = np.nonzero(open_cells)
    states = tuple(map(cell_label, r.tolist(), c.tolist()))
    if mechanics:
        mechanics.check(open_cells)
        entries, mask = mechanics_transitions(open_cells, mechanics, _outcome_table(stochastic_noise_level, noise_bias))
        return MDP(states, tuple(MOVES), entries, mask, name=name)  # duplicates (teleports, wind) summed there
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
    return MDP(states, tuple(MOVES), transitions, mask, name=name)


def gridworld(
    num_rows: int,
    num_cols: int,
    squares_to_delete: Iterable[Sequence[str]] = (),
    stochastic_noise_level: float = 0.0,
    noise_bias: Mapping[str, float] | None = None,
    name: str = "",
    wind: Wind | Mapping | Sequence[Wind | Mapping] | None = None,
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
    wind : Wind, dict or list of them, optional
        Windy columns or rows, e.g. ``{'column': 2, 'direction': 'up', 'probability': 0.2}``
        (:class:`~powerplay.model.mechanics.Wind`).

    Raises
    ------
    ValueError
        On a bad size, square, noise level, bias or wind.

    Examples
    --------
    >>> windy = gridworld(2, 3, wind={'column': 1, 'direction': 'up', 'probability': 0.25})
    >>> windy.next_states('(1, 0)', 'right')   # into the windy column, then blown up a quarter of the time
    {'(0, 1)': 0.25, '(1, 1)': 0.75}
    """
    open_cells = _open_cells_from_squares(num_rows, num_cols, squares_to_delete)
    return gridworld_from_cells(
        open_cells,
        stochastic_noise_level,
        noise_bias,
        name=name or f"{num_rows}x{num_cols} gridworld",
        mechanics=Mechanics.create(wind=wind) if wind is not None else None,
    )


def gridworld_from_map(
    text_map: str,
    stochastic_noise_level: float = 0.0,
    noise_bias: Mapping[str, float] | None = None,
    name: str = "",
    wind: Wind | Mapping | Sequence[Wind | Mapping] | None = None,
) -> MDP:
    """A single-agent gridworld drawn as text.

    ``'.'`` open cell, ``'#'`` wall; ``'>'``, ``'<'``, ``'^'``, ``'v'`` one-way doors (open
    cells entered only by moving right, left, up, down); a digit or capital letter marks a
    teleporter pad, each mark on exactly two cells (entering one puts the agent on the other).
    See :mod:`powerplay.model.mechanics`. Leading/trailing blank lines and indentation are
    ignored; short lines are padded with walls.

    Parameters
    ----------
    text_map : str
    stochastic_noise_level, noise_bias
        As :func:`gridworld`.
    name : str
        Defaults to ``'{rows}x{cols} gridworld'``.
    wind : Wind, dict or list of them, optional
        Windy columns or rows (:class:`~powerplay.model.mechanics.Wind`).

    Raises
    ------
    ValueError
        Naming the line and column of any other character or of an unpaired teleporter mark;
        a bad noise level, bias or wind.

    Examples
    --------
    >>> trap = gridworld_from_map('.>.')           # the right-hand cell is a dead end
    >>> trap.available_actions('(0, 2)'), trap.next_states('(0, 0)', 'right')
    (['stay'], {'(0, 1)': 1.0})
    >>> portal = gridworld_from_map('1.#.1')       # two pads '1' on either side of a wall
    >>> portal.next_states('(0, 1)', 'left')
    {'(0, 4)': 1.0}
    """
    open_cells, mechanics = parse_map(text_map)
    if wind is not None:
        mechanics = Mechanics.create(mechanics.one_way, mechanics.teleporters, wind)
    return gridworld_from_cells(
        open_cells,
        stochastic_noise_level,
        noise_bias,
        name=name or f"{open_cells.shape[0]}x{open_cells.shape[1]} gridworld",
        mechanics=mechanics,
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


# -- joint gridworlds ------------------------------------------------------------------------

#: Joint transition rows (states x joint actions, ``S^n * A^n``) above which
#: :func:`joint_gridworld` refuses to build (a :class:`~powerplay.errors.ResourceLimitError`),
#: before allocating anything: 4 agents on the 7x7 maze would be 577 million rows.
MAX_JOINT_ROWS = 1 << 28

#: Entries of the joint transition matrix (the product of the single-agent entries) above which
#: :func:`joint_gridworld` refuses to build.
MAX_JOINT_ENTRIES = 1 << 28


@dataclass(frozen=True)
class _JointMoves:
    """The agents' simultaneous moves out of a block of joint states, one entry per combination
    of single-agent transitions.

    The block is the joint states whose first agent is in cells ``[first_cell, first_cell +
    block_cells)``: a contiguous range of joint states (C order), holding every transition
    entry of its rows. Entries are in lexicographic order of the agents' single-agent
    transition entries (the first agent's slowest), so blocks in cell order concatenate to the
    order of ``scipy.sparse.kron`` for two agents and the assembled arrays are bit for bit those
    of the two-agent builder. A rule may change ``target`` (where each agent ends up),
    ``mask`` (which joint actions exist) and ``keep_state`` (which joint states exist);
    :func:`_assemble` builds the MDP from the blocks.
    """

    num_cells: int  # S, the single-agent states
    num_actions: int  # A, each agent's actions
    first_state: int  # the block's first joint state
    origin: np.ndarray  # [n, T] int, the cell each agent starts in
    target: np.ndarray  # [n, T] int, the cell each agent ends in
    row: np.ndarray  # [T] int64, joint row s * A^n + flat(a_1, ..., a_n)
    prob: np.ndarray  # [T] float64, the product of the agents' probabilities, in agent order
    mask: np.ndarray  # [block states, A, ..., A] bool, available joint actions
    keep_state: np.ndarray | None = None  # [S^n] bool, the joint states that exist (None: all)

    @property
    def num_agents(self) -> int:
        return len(self.origin)

    @property
    def width(self) -> int:
        """Joint actions per state, ``A^n``."""
        return int(self.num_actions**self.num_agents)

    def flat_state(self, cells: np.ndarray) -> np.ndarray:
        """``[T]`` joint state index of per-agent cells ``[n, T]`` (C order, first agent slowest)."""
        flat = cells[0].astype(np.int64)
        for agent_cells in cells[1:]:
            flat = flat * self.num_cells + agent_cells
        return flat


#: Transition entries per block of :func:`_independent_moves` (bounds the temporaries of
#: building a joint gridworld: about 100 bytes per entry).
_BLOCK_ENTRIES = 1 << 22


def _cell_blocks(single: MDP, num_agents: int) -> list[tuple[int, int]]:
    """``(first, stop)`` ranges of the first agent's cells, each with at most about
    :data:`_BLOCK_ENTRIES` joint transition entries (at least one cell per block)."""
    S, A = single.num_states, single.num_actions
    per_other = single.transitions.nnz ** (num_agents - 1)
    entries_per_cell = np.diff(single.transitions.indptr[::A])[:S] * per_other  # [S]
    blocks, first, total = [], 0, 0
    for cell, entries in enumerate(entries_per_cell.tolist()):
        if total and total + entries > _BLOCK_ENTRIES:
            blocks.append((first, cell))
            first, total = cell, 0
        total += entries
    blocks.append((first, S))
    return blocks


def _independent_moves(single: MDP, num_agents: int, first: int, stop: int) -> _JointMoves:
    """Every agent moves in ``single``, independently (the joint probability is the product),
    out of the joint states whose first agent is in cells ``[first, stop)``."""
    S, A = single.num_states, single.num_actions
    t = single.transitions
    lo, hi = int(t.indptr[first * A]), int(t.indptr[stop * A])  # the first agent's entries
    entry_row = np.repeat(np.arange(S * A, dtype=np.int64), np.diff(t.indptr))  # [E]
    cell, action = np.divmod(entry_row, A)
    E = t.nnz
    # [n, T]: which single-agent entry each agent uses, lexicographic (np.indices is C order).
    entry = np.indices((hi - lo,) + (E,) * (num_agents - 1), dtype=np.int64).reshape(num_agents, -1)
    entry[0] += lo
    index_type = np.int32 if S < 1 << 31 else np.int64
    origin = cell.astype(index_type)[entry]
    target = t.indices.astype(index_type)[entry]
    prob = t.data[entry[0]]
    for agent_entry in entry[1:]:
        prob = prob * t.data[agent_entry]  # ((p_1 * p_2) * p_3) ...: two agents, p_H * p_A as kron
    flat_action = action[entry[0]]
    for agent_entry in entry[1:]:
        flat_action = flat_action * A + action[agent_entry]
    del entry
    state = origin[0].astype(np.int64)
    for agent_cells in origin[1:]:
        state = state * S + agent_cells
    # mask[s_1..s_n, a_1..a_n] = AND_i single_mask[s_i, a_i], by broadcasting (first agent: its block).
    mask = np.ones((1,) * (2 * num_agents), dtype=bool)
    for i in range(num_agents):
        shape = [1] * (2 * num_agents)
        shape[i], shape[num_agents + i] = (stop - first if i == 0 else S), A
        own = single.action_mask[first:stop] if i == 0 else single.action_mask
        mask = mask & own.reshape(shape)
    mask = mask.reshape(((stop - first) * S ** (num_agents - 1),) + (A,) * num_agents)
    return _JointMoves(
        S, A, first * S ** (num_agents - 1), origin, target, state * A**num_agents + flat_action, prob, mask
    )


@cache
def _shared_cell_states(num_cells: int, num_agents: int) -> np.ndarray:
    """``[S^n]`` bool, read-only: joint states (C order) in which two agents are in the same cell."""
    shape = (num_cells,) * num_agents
    cells = [
        np.arange(num_cells).reshape([num_cells if k == i else 1 for k in range(num_agents)]) for i in range(num_agents)
    ]
    shared = np.zeros(shape, dtype=bool)
    for i in range(num_agents):
        for j in range(i + 1, num_agents):
            shared |= cells[i] == cells[j]
    shared = shared.reshape(-1)
    shared.flags.writeable = False
    return shared


def _interact(moves: _JointMoves, interaction: Interaction, grid: GridGeometry | None) -> _JointMoves:
    """The interaction's rules acting on a block of joint outcomes (:mod:`powerplay.model.interactions`).

    Outcome rules move ``target`` (in list order); constraint rules then delete every joint
    action one of whose outcomes they forbid (a joint action is kept whole or not at all);
    an exclusive interaction keeps only the joint states with the agents in distinct cells.
    """
    target = interaction.resolve(moves.origin, moves.target, grid)
    mask = moves.mask
    forbidden = interaction.forbidden(moves.origin, target)
    if forbidden is not None:
        into_forbidden = np.zeros(mask.size, dtype=bool)
        into_forbidden[moves.row[forbidden] - moves.first_state * moves.width] = True
        mask = mask & ~into_forbidden.reshape(mask.shape)
    keep_state = ~_shared_cell_states(moves.num_cells, moves.num_agents) if interaction.exclusive else None
    return replace(moves, target=target, mask=mask, keep_state=keep_state)


def _assemble(
    blocks: Iterable[_JointMoves],
    labels: list[str],
    rule: str | list[str],
    agents: tuple[str, ...],
    actions,
    name: str,
) -> JointMDP:
    """The joint MDP of the moves: unavailable rows and deleted states dropped, states renumbered."""
    n = len(agents)
    width = len(actions) ** n
    rows, cols, probs, masks = [], [], [], []
    kept_states: np.ndarray | None = None  # [S^n] bool, when the rule deletes states
    new_index = np.empty(0, dtype=np.int64)  # [S^n], the position of each kept state
    for moves in blocks:
        target_state = moves.flat_state(moves.target)
        if moves.keep_state is None:
            rows.append(moves.row)
            cols.append(target_state)
            probs.append(moves.prob)
            masks.append(moves.mask)
            continue
        keep_state = kept_states = moves.keep_state
        if new_index.size == 0:
            new_index = np.cumsum(keep_state) - 1
        block_keep = keep_state[moves.first_state : moves.first_state + len(moves.mask)]
        stuck = np.flatnonzero(block_keep & ~moves.mask.reshape(len(block_keep), -1).any(axis=1))
        if stuck.size:
            raise ModelError(
                f"overlap={rule!r} leaves state {labels[moves.first_state + stuck[0]]!r} without any joint action "
                "that surely avoids a shared cell (with stochastic moves the agents can always collide); use "
                "overlap='block'"
            )
        state_of_row = moves.row // width
        live = keep_state[state_of_row] & moves.mask.reshape(-1)[moves.row - moves.first_state * width]
        keep = live & keep_state[target_state]
        leak = np.flatnonzero(live & ~keep)
        if leak.size:  # only a rule added later can get here: the built-in ones never leave agents sharing a cell
            state, flat_action = divmod(int(moves.row[leak[0]]), width)
            parts = np.unravel_index(flat_action, (len(actions),) * n)
            action = "^".join(f"{actions[int(a)]}_{agent}" for a, agent in zip(parts, agents))
            raise ModelError(
                f"interaction {rule!r} puts two agents in one cell (state {labels[state]!r}, joint action "
                f"{action!r}): end the list with a rule that keeps cells apart (block, push) or add remove"
            )
        rows.append(new_index[state_of_row[keep]] * width + moves.row[keep] % width)
        cols.append(new_index[target_state[keep]])
        probs.append(moves.prob[keep])
        masks.append(moves.mask[block_keep])
        del moves, target_state, state_of_row, live, keep
    states = (
        tuple(labels) if kept_states is None else tuple(label for label, ok in zip(labels, kept_states.tolist()) if ok)
    )
    S = len(states)
    transitions = sparse.coo_array(
        (_concatenated(probs), (_concatenated(rows), _concatenated(cols))), shape=(S * width, S)
    )
    mask = _concatenated(masks)
    return JointMDP(states, agents, (tuple(actions),) * n, transitions, mask, name=name)


def _concatenated(pieces: list[np.ndarray]) -> np.ndarray:
    """One array of the pieces, emptying the list as it goes (one block is the common case: no copy)."""
    if len(pieces) == 1:
        return pieces.pop()
    out = np.concatenate(pieces)
    pieces.clear()
    return out


def joint_name(single_name: str, overlap: InteractionSpec, agents: Sequence[str] = DEFAULT_AGENTS) -> str:
    """The default name of a joint gridworld: ``'joint 7x7 maze (no overlap)'``.

    Agents other than the published pair H, A are named: ``'joint 7x7 maze, agents H A B
    (no overlap)'``; the interaction by its rules' titles (:attr:`Interaction.title`).

    Examples
    --------
    >>> joint_name('7x7 maze', 'remove'), joint_name('7x7 maze', 'block', ('H', 'A', 'B'))
    ('joint 7x7 maze (no overlap)', 'joint 7x7 maze, agents H A B (blocking)')
    >>> joint_name('corridor', ['no_swap', 'push'])
    'joint corridor (no swaps, pushing)'
    """
    base = " ".join(filter(None, ["joint", single_name]))
    if tuple(agents) != DEFAULT_AGENTS:
        base += f"{', ' if single_name else ' '}agents {' '.join(agents)}"
    title = interaction_rule(overlap).title
    return " ".join(filter(None, [base, f"({title})" if title else ""]))


def joint_gridworld(
    single: MDP,
    agents: Sequence[str] = DEFAULT_AGENTS,
    interaction: InteractionSpec | None = None,
    name: str = "",
    overlap: InteractionSpec | None = None,
) -> JointMDP:
    """The joint MDP in which every agent moves in ``single`` at the same time.

    Parameters
    ----------
    single : MDP
        The single-agent MDP every agent lives in (typically a gridworld).
    agents : sequence of str
        The agents, in order (default the published pair ``('H', 'A')``); at least two.
    interaction : str or list of str, optional
        What happens when agents meet: a rule of
        :data:`~powerplay.model.interactions.INTERACTION_RULES` (``'allow'``, ``'remove'``,
        ``'block'``, ``'no_swap'``, ``'push'``) or a list of them (``['no_swap', 'block']``);
        see :mod:`powerplay.model.interactions`. Default ``'allow'``.
    name : str
        Description; defaults to :func:`joint_name` (``'joint ' + single.name``, the agents if
        they are not H and A, and the rules).
    overlap : str or list of str, optional
        The former name of ``interaction`` (an alias; giving both, different, is an error).

    Returns
    -------
    JointMDP
        States are joint labels of cells (``'x_H^y_A'``) in C order (the first agent's cell
        slowest), actions ``single.actions`` for each agent. For two agents the arrays are
        bit for bit those of the two-agent builder.

    Raises
    ------
    ModelError
        For an unknown rule or bad agents; for an exclusive rule (``'remove'``, ``'block'``,
        ``'push'``) with fewer states than agents (no joint state where every agent has a
        cell of its own); for ``'remove'`` when a state has no joint action that surely avoids
        a shared cell (noisy moves: use ``'block'``); for ``'push'`` on an MDP that is not a
        gridworld.
    ResourceLimitError
        If the joint MDP would have more than :data:`MAX_JOINT_ROWS` rows or
        :data:`MAX_JOINT_ENTRIES` transitions (checked before building).

    Notes
    -----
    Vectorised over joint states and transitions (loops run over agents, pairs of agents and,
    for ``block`` and ``push``, at most ``n`` resolution rounds). Three agents on the 7x7 maze
    (31 cells: 29,791 joint states x 125 joint actions, 912,673 transitions) build in well
    under a second with any rule (``python benchmarks/bench_joint_gridworld.py``).

    Examples
    --------
    >>> corridor = gridworld(1, 3, name='corridor')
    >>> trio = joint_gridworld(corridor, agents=('H', 'A', 'B'), interaction='remove')
    >>> trio.name, trio.num_states, trio.states[0]
    ('joint corridor, agents H A B (no overlap)', 6, '(0, 0)_H^(0, 1)_A^(0, 2)_B')
    >>> blocked = joint_gridworld(corridor, agents=('H', 'A', 'B'), interaction='block')
    >>> blocked.next_states('(0, 0)_H^(0, 1)_A^(0, 2)_B', 'right_H^right_A^stay_B')
    {'(0, 0)_H^(0, 1)_A^(0, 2)_B': 1.0}
    """
    if isinstance(agents, str):
        raise ModelError(
            f"agents must be a list of agent names, not the string {agents!r} (give the rule as interaction=)"
        )
    agents = check_agent_names(agents)
    if overlap is not None and interaction is not None and interaction_spec(overlap) != interaction_spec(interaction):
        raise ModelError(
            f"overlap={overlap!r} and interaction={interaction!r} differ: overlap is the former name, give one"
        )
    rules = interaction_rule(interaction if interaction is not None else overlap if overlap is not None else "allow")
    rule = rules.spec
    if not isinstance(single, MDP):
        raise WrongKindError(f"joint_gridworld needs a single-agent MDP, got {type(single).__name__}")
    S, A, n = single.num_states, single.num_actions, len(agents)
    if rules.exclusive and n > S:
        raise ModelError(
            f"overlap={rule!r} keeps only joint states where the agents are in different cells, and MDP "
            f"{single.name!r} has {S} state{'s' if S != 1 else ''} for {n} agents, so no joint state would be "
            f"left; use overlap='allow' or an environment with at least {n} cells"
        )
    for what, estimate, limit in (
        ("joint transition rows (states x joint actions)", S**n * A**n, MAX_JOINT_ROWS),
        ("joint transitions", single.transitions.nnz**n, MAX_JOINT_ENTRIES),
    ):
        if estimate > limit:
            raise ResourceLimitError(
                f"a joint gridworld of {n} agents on {single.name or 'this MDP'} ({S} states) would have "
                f"{estimate:,} {what}, over the limit of {limit:,}",
                what,
                estimate,
                limit,
            )
    needs_grid = [rule.name for rule in rules.rules if rule.needs_grid]
    grid = GridGeometry.of(single, needs_grid[0]) if needs_grid else None
    blocks = (
        _interact(_independent_moves(single, n, first, stop), rules, grid) for first, stop in _cell_blocks(single, n)
    )
    suffixed = [[f"{state}_{agent}" for state in single.states] for agent in agents]
    labels = ["^".join(parts) for parts in product(*suffixed)]  # = joint_label(parts, agents), C order
    return _assemble(blocks, labels, rule, agents, single.actions, name or joint_name(single.name, rules, agents))


def multiagent_gridworld(
    num_rows: int,
    num_cols: int,
    squares_to_delete: Iterable[Sequence[str]] = (),
    overlap: OverlapRule = "allow",
    name: str = "",
) -> JointMDP:
    """Joint two-agent version of :func:`gridworld` (the reference's ``construct_multiagent_gridworld_mdp``).

    Examples
    --------
    >>> multiagent_gridworld(2, 2, overlap='remove').num_states
    12
    """
    return joint_gridworld(gridworld(num_rows, num_cols, squares_to_delete), overlap=overlap, name=name)


__all__ = [
    "INTERACTION_RULES",
    "MAX_JOINT_ENTRIES",
    "MAX_JOINT_ROWS",
    "MOVES",
    "InteractionSpec",
    "Mechanics",
    "OverlapRule",
    "Wind",
    "cells_to_map",
    "gridworld",
    "gridworld_from_cells",
    "gridworld_from_map",
    "gridworld_to_map",
    "interaction_rule",
    "interaction_spec",
    "joint_gridworld",
    "joint_name",
    "multiagent_gridworld",
    "resolve_blocking",
]
