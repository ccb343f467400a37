"""Interaction rules of joint gridworlds: what happens when agents meet, as composable rule objects.

:func:`~powerplay.model.gridworld.joint_gridworld` moves every agent in its own copy of a
single-agent MDP at the same time. Each agent's move has one or more *outcomes* (the cell it
would reach: with noise several, each with its probability; teleporters and wind are part of
the outcome, see :mod:`powerplay.model.mechanics`), and a *joint outcome* is one outcome per
agent, with the product of their probabilities. An interaction rule says what happens to a
joint outcome when agents meet. Rules are registered by name in :data:`INTERACTION_RULES`; a
config names one (``interaction: block``) or a list of them (``interaction: [no_swap,
block]``), and :func:`interaction_rule` turns either into an :class:`Interaction`.

The rules
---------
``allow``
    Nothing happens: agents may share cells (the reference's ``joint_3x3_gridworld``).
``remove`` (a *constraint*)
    The published no-overlap rule: joint states where two agents share a cell are deleted,
    together with every joint action that may (with any probability) end in one. Agents may
    swap cells. On marginalisation the deleted joint actions make rows sub-stochastic.
``block``
    A mover whose cell is contested -- another agent also ends there, having stayed, moved
    there or been sent back there -- is sent back to its own cell, all such movers at once,
    repeated until no cell is contested (:func:`resolve_blocking`). Agents may swap cells and
    follow each other.
``no_swap``
    Two agents that would pass through each other (each enters the cell the other leaves)
    both stay (:func:`resolve_no_swap`). Rotations of three or more agents are not swaps.
    On its own it lets agents share cells, like ``allow``.
``push``
    A mover that enters the cell of an agent that stays pushes that agent one cell further
    in its direction, when that cell is free; otherwise the mover stays; movers that contest
    a cell all stay (:func:`resolve_push` states the order). Needs grid geometry: only for
    gridworlds (states ``'(row, col)'``, actions ``up``/``down``/``left``/``right``).

Composition
-----------
A list of rules acts on each joint outcome in two stages:

1. *outcome rules* (``allow``, ``block``, ``no_swap``, ``push``) change where the agents end
   up, one after the other **in list order**: each takes the agents' starting cells and the
   cells the previous rule left them in (the first: the cells their moves reach);
2. *constraint rules* (``remove``) then delete joint actions by the final outcomes, **whatever
   their place in the list** (:func:`interaction_spec` writes them last).

The joint states are all combinations of cells, minus those with two agents in one cell when
any rule of the list is *exclusive* (``remove``, ``block``, ``push``: agents never share a
cell). ``block`` and ``push`` end every joint outcome with the agents in distinct cells, and
``no_swap`` keeps distinct cells distinct, so every list of built-in rules with an exclusive
rule is consistent; a list whose outcome could still put two agents in one cell (possible
only with rules added later) is refused with one line naming the state and joint action.
``allow`` adds nothing and is not allowed in a list of several rules; a rule may appear only
once. For example ``[no_swap, block]``: swaps are undone first, then contested cells block;
``[push, remove]`` is ``push`` (push never ends two agents in one cell, so ``remove`` deletes
nothing more).

Stochastic moves compose: rules act on each joint outcome separately, and outcomes that end
in the same joint state add up.

Adding a rule
-------------
Subclass :class:`OutcomeRule` (a pure function of the starting and reached cells, ``[n, T]``
integer arrays) or :class:`ConstraintRule` (which joint outcomes are forbidden), give it a
``name``, a ``title`` and ``exclusive``, and add an instance to :data:`INTERACTION_RULES`:
configs, generator specs, joint names and the parameter check of the runner pick it up from
there.

Examples
--------
>>> interaction_rule('block').spec, interaction_rule(['block', 'no_swap']).spec
('block', ['block', 'no_swap'])
>>> interaction_rule(['remove', 'no_swap']).spec          # constraints go last
['no_swap', 'remove']
>>> interaction_rule(['no_swap', 'push']).title
'no swaps, pushing'
>>> interaction_rule('merge')
Traceback (most recent call last):
...
powerplay.errors.ModelError: interaction: unknown rule 'merge'; valid: allow, remove, block, no_swap, push, or a list of them such as [no_swap, block]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np

from ..errors import ModelError
from .labels import cell_coordinates
from .mdp import MDP
from .mechanics import DIRECTIONS, MOVES

# -- grid geometry -----------------------------------------------------------------------------


@dataclass(frozen=True)
class GridGeometry:
    """Where the cells of a single-agent gridworld are, for rules that need directions (``push``).

    Parameters
    ----------
    coordinates : numpy.ndarray
        ``[S, 2]`` int64, each state's ``(row, col)``.
    neighbour : numpy.ndarray
        ``[S, 4]`` int64: the state one cell away in each of :data:`DIRECTIONS` into which an
        agent may be displaced from there -- an open cell whose move is available (walls,
        the map's edge and one-way doors entered from the wrong side give ``-1``).
    """

    coordinates: np.ndarray  # [S, 2]
    neighbour: np.ndarray  # [S, 4]

    @classmethod
    def of(cls, single: MDP, rule: str = "push") -> GridGeometry:
        """The geometry of a gridworld, from its cell labels and available moves.

        Raises
        ------
        ModelError
            In one line, when ``single`` is not a gridworld: a state that is not a cell
            ``'(row, col)'``, or no action named ``up``, ``down``, ``left`` or ``right``.
        """
        coordinates = [cell_coordinates(state) for state in single.states]
        bad = next((state for state, cell in zip(single.states, coordinates) if cell is None), None)
        if bad is not None:
            raise ModelError(
                f"interaction {rule!r} needs a gridworld, and state {bad!r} of MDP {single.name!r} is not a cell "
                "'(row, col)'",
                field="interaction",
            )
        missing = [move for move in DIRECTIONS if move not in single.actions]
        if missing:
            raise ModelError(
                f"interaction {rule!r} needs a gridworld, and MDP {single.name!r} has no action {missing[0]!r}",
                field="interaction",
            )
        coords = np.array(coordinates, dtype=np.int64).reshape(-1, 2)
        low = coords.min(axis=0) - 1
        width = int(coords[:, 1].max() - low[1] + 2)
        keys = (coords[:, 0] - low[0]) * width + (coords[:, 1] - low[1])
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        neighbour = np.full((len(coords), len(DIRECTIONS)), -1, dtype=np.int64)
        for d, move in enumerate(DIRECTIONS):
            dr, dc = MOVES[move]
            wanted = keys + dr * width + dc
            at = np.searchsorted(sorted_keys, wanted).clip(max=len(keys) - 1)
            found = (sorted_keys[at] == wanted) & single.action_mask[:, single.actions.index(move)]
            neighbour[found, d] = order[at[found]]
        return cls(coords, neighbour)

    def direction(self, origin: np.ndarray, target: np.ndarray) -> np.ndarray:
        """Index into :data:`DIRECTIONS` of each step ``origin -> target`` (same shape), ``-1`` when
        it is not one cell along a row or column (staying, a teleport, a step blown sideways)."""
        delta = self.coordinates[target] - self.coordinates[origin]  # [..., 2]
        dr, dc = delta[..., 0], delta[..., 1]
        code = np.where((np.abs(dr) <= 1) & (np.abs(dc) <= 1), (dr + 1) * 3 + (dc + 1), 4)
        return _STEP_DIRECTION[code]


#: Direction index of a one-cell step, by ``(dr + 1) * 3 + (dc + 1)`` (``-1``: no direction).
_STEP_DIRECTION = np.full(9, -1, dtype=np.int64)
for _d, _move in enumerate(DIRECTIONS):
    _STEP_DIRECTION[(MOVES[_move][0] + 1) * 3 + MOVES[_move][1] + 1] = _d


# -- the resolutions, as plain functions of cells ---------------------------------------------


def shared_cell(cells: np.ndarray) -> np.ndarray:
    """``[T]`` bool: whether two of the agents' cells ``[n, T]`` are the same.

    Examples
    --------
    >>> shared_cell(np.array([[0, 1], [2, 1], [3, 4]])).tolist()
    [False, True]
    """
    n = len(cells)
    shared = np.zeros(cells.shape[1:], dtype=bool)
    for i in range(n):
        for j in range(i + 1, n):
            shared |= cells[i] == cells[j]
    return shared


def resolve_blocking(origin: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Where agents end up under the ``block`` rule: movers into contested cells stay put.

    Every agent whose move would end in a cell that another agent also ends in (having stayed
    there, moved there, or been sent back there) is sent back to its own cell, all such agents
    at once; this repeats until no two agents end in one cell. Each round sends at least one
    mover back for good (an agent back in its own cell has not moved and is never sent back
    again), so there are at most ``n`` rounds. Every round treats all agents alike, so the
    outcome does not depend on the order of the agents. Agents may swap cells (they are not
    in one cell at the end of the step).

    Parameters
    ----------
    origin, target : numpy.ndarray of int
        ``[n, T]``: each agent's cell before the step, and the cell its move reaches, for
        ``T`` independent cases; each case's origins are distinct cells.

    Returns
    -------
    numpy.ndarray
        ``[n, T]``, the cells the agents end in: pairwise distinct in each case.

    Examples
    --------
    A 1x3 corridor, cells 0 1 2; agents in 0, 1, 2. The first moves right into the second,
    which moves right into the third, which stays: the third holds its cell, so the second is
    sent back, and then so is the first.

    >>> resolve_blocking(np.array([[0], [1], [2]]), np.array([[1], [2], [2]])).ravel().tolist()
    [0, 1, 2]
    >>> resolve_blocking(np.array([[0], [2]]), np.array([[1], [1]])).ravel().tolist()  # both want 1
    [0, 2]
    """
    final = np.array(target, copy=True)
    n = len(final)
    while True:
        contested = np.zeros(final.shape, dtype=bool)
        for i in range(n):
            for j in range(i + 1, n):
                same = final[i] == final[j]
                contested[i] |= same
                contested[j] |= same
        back = contested & (final != origin)
        if not back.any():
            return final
        final[back] = origin[back]


def resolve_no_swap(origin: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Where agents end up under the ``no_swap`` rule: two agents that would swap cells both stay.

    A pair swaps when each one's move ends in the other's (distinct) cell. Every such pair,
    judged on the moves as given, stays put, all at once; nothing else changes. (Undoing a
    swap makes no new one, so one pass is enough; the order of the agents does not matter.)

    Parameters
    ----------
    origin, target : numpy.ndarray of int
        ``[n, T]`` starting cells and reached cells, as :func:`resolve_blocking`.

    Returns
    -------
    numpy.ndarray
        ``[n, T]``. When the targets are pairwise distinct, so are the results.

    Examples
    --------
    Agents in cells 0 and 1 that would swap both stay; three agents that rotate through cells
    0, 1, 2 are not a swap.

    >>> resolve_no_swap(np.array([[0], [1]]), np.array([[1], [0]])).ravel().tolist()
    [0, 1]
    >>> resolve_no_swap(np.array([[0], [1], [2]]), np.array([[1], [2], [0]])).ravel().tolist()  # a rotation
    [1, 2, 0]
    """
    n = len(target)
    back = np.zeros(target.shape, dtype=bool)
    for i in range(n):
        for j in range(i + 1, n):
            swap = (target[i] == origin[j]) & (target[j] == origin[i]) & (origin[i] != origin[j])
            back[i] |= swap
            back[j] |= swap
    if not back.any():
        return target
    return np.where(back, origin, target)


def resolve_push(origin: np.ndarray, target: np.ndarray, grid: GridGeometry) -> np.ndarray:
    """Where agents end up under the ``push`` rule.

    In this order, each step treating all agents alike:

    1. **Pushes, judged on the moves as given.** A mover ``i`` whose move is one cell along a
       row or column and ends in the cell of an agent ``k`` that stays (its move, as given,
       ends where it starts) pushes ``k`` one cell further in the same direction, to ``p``,
       when all of these hold: no other agent's move ends in ``k``'s cell; ``p`` is a cell ``k``
       could move to in that direction (open, not a one-way door entered from the wrong
       side: :attr:`GridGeometry.neighbour`); no agent's move ends in ``p`` (``p`` is free
       after the others' moves: an agent that stays there, or moves there, holds it); and no
       other push also sends an agent to ``p``. Then ``k`` goes to ``p`` and ``i`` into
       ``k``'s cell. Otherwise ``i`` stays. An agent pushes at most one agent: a row of
       agents is not pushed along (``p`` is held).
    2. **Blocking** (:func:`resolve_blocking`) settles everything else: movers that end in
       one cell all stay (two agents moving into the same free cell, or into the same held
       cell), a mover into the cell of an agent sent back stays, and so on until no cell is
       contested. If an agent that was to leave ``p`` stays after all (its own push failed,
       or it was blocked), the pushed agent and then its pusher go back too.

    A push is a displacement, not a move of the pushed agent: teleporters and wind do not act
    on it. A step that is not one cell along a row or column (a teleport, a move blown
    sideways by wind) pushes nobody.

    Parameters
    ----------
    origin, target : numpy.ndarray of int
        ``[n, T]`` starting cells and reached cells, as :func:`resolve_blocking`.
    grid : GridGeometry

    Returns
    -------
    numpy.ndarray
        ``[n, T]``, pairwise distinct in every case whose origins are.

    Examples
    --------
    A 1x4 corridor, cells 0 1 2 3. The first agent moves right into the second, which stays:
    it is pushed into cell 2. With a third agent holding cell 2, nobody moves.

    >>> from powerplay.model.gridworld import gridworld
    >>> grid = GridGeometry.of(gridworld(1, 4))
    >>> resolve_push(np.array([[0], [1]]), np.array([[1], [1]]), grid).ravel().tolist()
    [1, 2]
    >>> resolve_push(np.array([[0], [1], [2]]), np.array([[1], [1], [2]]), grid).ravel().tolist()
    [0, 1, 2]
    """
    n = len(target)
    moving = target != origin  # [n, T]
    # The cases where a mover runs into an agent that stays (few: agents must be next to each other).
    meets = np.zeros(target.shape[1:], dtype=bool)
    for i in range(n):
        for j in range(n):
            if i != j:
                meets |= moving[i] & ~moving[j] & (target[i] == target[j])
    cases = np.flatnonzero(meets)
    final = target
    if cases.size:
        final = np.array(target, copy=True)
        final[:, cases] = _push_where_they_meet(origin[:, cases], target[:, cases], moving[:, cases], grid)
    return resolve_blocking(origin, final)


def _push_where_they_meet(origin: np.ndarray, target: np.ndarray, moving: np.ndarray, grid: GridGeometry) -> np.ndarray:
    """Step 1 of :func:`resolve_push` on ``[n, T]`` cases: the cells after the pushes (blocking follows)."""
    n = len(target)
    rivalled = np.zeros(target.shape, dtype=bool)  # another mover's move ends in the same cell
    victim = np.full(target.shape, -1, dtype=np.int64)  # the staying agent a mover runs into
    for i in range(n):
        for j in range(n):
            if i != j:
                rivalled[i] |= moving[i] & moving[j] & (target[i] == target[j])
                victim[i] = np.where(moving[i] & ~moving[j] & (target[i] == target[j]), j, victim[i])
    runs_into = victim >= 0
    direction = grid.direction(origin, target)  # [n, T]
    destination = np.where(
        runs_into & (direction >= 0), grid.neighbour[target, direction.clip(0)], -1
    )  # [n, T] where the victim would go
    candidate = runs_into & ~rivalled & (destination >= 0)
    for j in range(n):  # p must be free: no agent's move ends there
        candidate &= destination != target[j]
    pushes = candidate.copy()
    for i in range(n):  # and no other push sends an agent there
        for j in range(n):
            if i != j:
                pushes[i] &= ~(candidate[j] & (destination[j] == destination[i]))
    final = np.where(runs_into & ~pushes, origin, target)
    for i in range(n):
        for k in range(n):
            if i != k:
                final[k] = np.where(pushes[i] & (victim[i] == k), destination[i], final[k])
    return final


# -- rules as objects --------------------------------------------------------------------------


class InteractionRule:
    """A registered interaction rule (see the module notes); subclass :class:`OutcomeRule` or
    :class:`ConstraintRule`.

    Attributes
    ----------
    name : str
        The config's name (``'no_swap'``).
    title : str
        How a joint MDP's name says it (``'no swaps'``); empty for ``allow``.
    exclusive : bool
        Whether agents never share a cell under this rule (joint states with a shared cell
        are then not states).
    needs_grid : bool
        Whether the rule needs :class:`GridGeometry` (only gridworlds can have it).
    summary : str
        One line for help texts and error messages.
    """

    name: ClassVar[str]
    title: ClassVar[str]
    exclusive: ClassVar[bool]
    needs_grid: ClassVar[bool] = False
    summary: ClassVar[str]

    def __repr__(self) -> str:
        return f"<interaction rule {self.name!r}>"


class OutcomeRule(InteractionRule):
    """A rule that changes where agents end up: :meth:`resolve`."""

    def resolve(self, origin: np.ndarray, target: np.ndarray, grid: GridGeometry | None) -> np.ndarray:
        """``[n, T]`` cells the agents end in, from their cells ``origin [n, T]`` and the cells
        the previous rules left them in, ``target [n, T]`` (may return ``target`` itself)."""
        raise NotImplementedError


class ConstraintRule(InteractionRule):
    """A rule that deletes joint actions by their outcomes: :meth:`forbidden`."""

    def forbidden(self, origin: np.ndarray, final: np.ndarray) -> np.ndarray:
        """``[T]`` bool: joint outcomes (final cells ``[n, T]``) whose joint action must go."""
        raise NotImplementedError


class Allow(OutcomeRule):
    name, title, exclusive = "allow", "", False
    summary = "agents move independently and may share cells"

    def resolve(self, origin, target, grid):
        return target


class Remove(ConstraintRule):
    name, title, exclusive = "remove", "no overlap", True
    summary = "no two agents in one cell: such joint states, and joint actions that may lead into one, are deleted"

    def forbidden(self, origin, final):
        return shared_cell(final)


class Block(OutcomeRule):
    name, title, exclusive = "block", "blocking", True
    summary = "a move into a contested cell leaves the mover where it was"

    def resolve(self, origin, target, grid):
        return resolve_blocking(origin, target)


class NoSwap(OutcomeRule):
    name, title, exclusive = "no_swap", "no swaps", False
    summary = "two agents that would pass through each other both stay"

    def resolve(self, origin, target, grid):
        return resolve_no_swap(origin, target)


class Push(OutcomeRule):
    name, title, exclusive, needs_grid = "push", "pushing", True, True
    summary = "a mover pushes an agent that stays one cell on, if that cell is free; otherwise it stays"

    def resolve(self, origin, target, grid):
        if grid is None:
            raise ModelError("interaction 'push' needs grid geometry", field="interaction")
        return resolve_push(origin, target, grid)


#: The registered interaction rules, by name (read-only; add a rule in this module).
INTERACTION_RULES: Mapping[str, InteractionRule] = MappingProxyType(
    {rule.name: rule for rule in (Allow(), Remove(), Block(), NoSwap(), Push())}
)


@dataclass(frozen=True)
class Interaction:
    """A list of interaction rules acting together (see the module notes); build it with
    :func:`interaction_rule`.

    Parameters
    ----------
    rules : tuple of InteractionRule
        Outcome rules in the order they apply, then constraint rules.
    """

    rules: tuple[InteractionRule, ...]

    @property
    def spec(self) -> str | list[str]:
        """The config value: the rule's name, or the list of names (outcome rules first)."""
        names = [rule.name for rule in self.rules]
        return names[0] if len(names) == 1 else names

    @property
    def title(self) -> str:
        """How a joint MDP's name says it: ``'blocking'``, ``'no swaps, blocking'`` (``''`` for allow)."""
        return ", ".join(rule.title for rule in self.rules if rule.title)

    @property
    def exclusive(self) -> bool:
        """Whether agents never share a cell (then such joint states are not states)."""
        return any(rule.exclusive for rule in self.rules)

    @property
    def needs_grid(self) -> bool:
        return any(rule.needs_grid for rule in self.rules)

    @property
    def outcome_rules(self) -> tuple[OutcomeRule, ...]:
        return tuple(rule for rule in self.rules if isinstance(rule, OutcomeRule))

    @property
    def constraint_rules(self) -> tuple[ConstraintRule, ...]:
        return tuple(rule for rule in self.rules if isinstance(rule, ConstraintRule))

    def resolve(self, origin: np.ndarray, target: np.ndarray, grid: GridGeometry | None = None) -> np.ndarray:
        """``[n, T]`` final cells: the outcome rules applied in order to the reached cells ``target``."""
        for rule in self.outcome_rules:
            target = rule.resolve(origin, target, grid)
        return target

    def forbidden(self, origin: np.ndarray, final: np.ndarray) -> np.ndarray | None:
        """``[T]`` bool, the joint outcomes a constraint rule forbids (``None`` without constraints)."""
        found = None
        for rule in self.constraint_rules:
            bad = rule.forbidden(origin, final)
            found = bad if found is None else found | bad
        return found

    def __str__(self) -> str:
        spec = self.spec
        return spec if isinstance(spec, str) else "[" + ", ".join(spec) + "]"


def _unknown(value: Any) -> ModelError:
    return ModelError(
        f"interaction: unknown rule {value!r}; valid: {', '.join(INTERACTION_RULES)}, or a list of them such as "
        "[no_swap, block]",
        field="interaction",
    )


def interaction_rule(spec: Any) -> Interaction:
    """The :class:`Interaction` a config value names: a rule's name or a list of names.

    Parameters
    ----------
    spec : str, list of str, InteractionRule or Interaction
        ``'block'``, ``['no_swap', 'block']``, ...

    Returns
    -------
    Interaction
        Outcome rules in the given order, then constraint rules.

    Raises
    ------
    ModelError
        With ``field='interaction'``, in one line: an unknown name (listing the valid ones),
        an empty list, a rule listed twice, ``allow`` in a list of several rules.

    Examples
    --------
    >>> interaction_rule(['no_swap', 'block']).rules
    (<interaction rule 'no_swap'>, <interaction rule 'block'>)
    >>> interaction_rule(['block', 'block'])
    Traceback (most recent call last):
    ...
    powerplay.errors.ModelError: interaction: rule 'block' is listed twice
    """
    if isinstance(spec, Interaction):
        return spec
    if isinstance(spec, InteractionRule):
        return Interaction((spec,))
    if isinstance(spec, str):
        names: list[Any] = [spec]
    elif isinstance(spec, Sequence) and not isinstance(spec, (bytes, bytearray)):
        names = list(spec)
        if not names:
            raise ModelError("interaction: an empty list; name a rule (allow for none)", field="interaction")
    else:
        raise _unknown(spec)
    rules: list[InteractionRule] = []
    for name in names:
        if not isinstance(name, str) or name not in INTERACTION_RULES:
            raise _unknown(name)
        rule = INTERACTION_RULES[name]
        if rule in rules:
            raise ModelError(f"interaction: rule {name!r} is listed twice", field="interaction")
        rules.append(rule)
    if len(rules) > 1 and INTERACTION_RULES["allow"] in rules:
        raise ModelError(
            f"interaction: 'allow' adds nothing to a list of rules; leave it out of {names!r}", field="interaction"
        )
    outcome_first = sorted(rules, key=lambda rule: isinstance(rule, ConstraintRule))  # stable: list order kept
    return Interaction(tuple(outcome_first))


def interaction_spec(spec: Any) -> str | list[str]:
    """The canonical config value of an interaction: ``'block'``, ``['no_swap', 'block']`` (checked).

    A list of one rule is its name; constraint rules go last.

    Raises
    ------
    ModelError
        As :func:`interaction_rule`.

    Examples
    --------
    >>> interaction_spec(['push']), interaction_spec(['remove', 'no_swap'])
    ('push', ['no_swap', 'remove'])
    """
    return interaction_rule(spec).spec


__all__ = [
    "INTERACTION_RULES",
    "Allow",
    "Block",
    "ConstraintRule",
    "GridGeometry",
    "Interaction",
    "InteractionRule",
    "NoSwap",
    "OutcomeRule",
    "Push",
    "Remove",
    "interaction_rule",
    "interaction_spec",
    "resolve_blocking",
    "resolve_no_swap",
    "resolve_push",
    "shared_cell",
]
