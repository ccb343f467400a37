"""Single-agent and two-agent (joint) MDPs as labelled sparse arrays.

Rewards live on states and are sampled separately (see :mod:`powerplay.model.rewards`),
so an MDP here is only its states, actions and transition probabilities.

Layout
------
An :class:`MDP` with ``S`` states and ``A`` actions stores

* ``transitions``: a CSR matrix of shape ``[S * A, S]``; row ``s * A + a`` holds
  ``P(. | s, a)``;
* ``action_mask``: ``[S, A]`` booleans, ``True`` where action ``a`` is available in ``s``.

An unavailable action is *not* an option worth zero: solvers never consider it. An
available action whose row sums to less than one is *sub-stochastic*: the missing mass
leaves the MDP (it behaves like a move to an absorbing state worth zero). User-built
MDPs are checked to be stochastic; sub-stochastic rows only arise when another agent's
policy is marginalised out of a joint MDP (see :func:`powerplay.model.policy.marginalize`).

A :class:`JointMDP` is the same with a joint action ``(a_H, a_A)``: ``transitions`` is
``[S * A_H * A_A, S]`` with row ``(s * A_H + a_H) * A_A + a_A`` and ``action_mask`` is
``[S, A_H, A_A]``. Its states are labelled ``'x_H^y_A'`` and its joint actions
``'u_H^v_A'`` (:mod:`powerplay.model.labels`).

Examples
--------
>>> mdp = MDP.from_dict({'a': {'stay': {'a': 1.0}, 'go': {'b': 1.0}},
...                      'b': {'stay': {'b': 1.0}}})
>>> mdp.states, mdp.actions
(('a', 'b'), ('stay', 'go'))
>>> mdp.action_mask.tolist()
[[True, True], [True, False]]
>>> mdp.next_states('a', 'go')
{'b': 1.0}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import sparse

from ..errors import ModelError, UnknownLabelError
from .labels import index_of, joint_label, split_joint_label

#: Probabilities of an available action must sum to one within this tolerance.
PROBABILITY_TOLERANCE = 1e-9

TransitionDict = Mapping[str, Mapping[str, Mapping[str, float]]]


def _frozen(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def _as_csr(matrix, shape: tuple[int, int]) -> sparse.csr_array:
    # A copy: the clean-up below works in place, and the input may be another MDP's frozen arrays.
    csr = sparse.csr_array(matrix, dtype=np.float64, copy=True)
    if csr.shape != shape:
        raise ModelError(f"transitions have shape {csr.shape}, expected {shape}")
    csr.sum_duplicates()
    csr.eliminate_zeros()
    csr.sort_indices()
    for part in (csr.data, csr.indices, csr.indptr):
        _frozen(part)
    return csr


def _check_rows(transitions: sparse.csr_array, flat_mask: np.ndarray, describe_row) -> None:
    """Probabilities in [0, 1]; nothing in unavailable rows; no row above one."""
    data = transitions.data
    if data.size and (not np.all(np.isfinite(data)) or data.min() < 0 or data.max() > 1 + PROBABILITY_TOLERANCE):
        bad = int(np.flatnonzero(~np.isfinite(data) | (data < 0) | (data > 1 + PROBABILITY_TOLERANCE))[0])
        row = int(np.searchsorted(transitions.indptr, bad, side="right") - 1)
        raise ModelError(f"{describe_row(row)}: probability {data[bad]!r} is not in [0, 1]")
    row_nnz = np.diff(transitions.indptr)
    stray = np.flatnonzero((row_nnz > 0) & ~flat_mask)
    if stray.size:
        raise ModelError(f"{describe_row(int(stray[0]))}: action is unavailable but has transitions")
    mass = transitions.sum(axis=1)
    over = np.flatnonzero(mass > 1 + PROBABILITY_TOLERANCE)
    if over.size:
        raise ModelError(f"{describe_row(int(over[0]))}: probabilities sum to {mass[over[0]]:.12g} > 1")


def _unstochastic_row(transitions: sparse.csr_array, flat_mask: np.ndarray) -> int | None:
    mass = transitions.sum(axis=1)
    bad = np.flatnonzero(flat_mask & (np.abs(mass - 1.0) > PROBABILITY_TOLERANCE))
    return int(bad[0]) if bad.size else None


def _every_state_has_an_action(states: Sequence[str], mask: np.ndarray) -> None:
    stuck = np.flatnonzero(~mask.reshape(len(states), -1).any(axis=1))
    if stuck.size:
        raise ModelError(f"state {states[stuck[0]]!r} has no available action")


def _triples_from_dict(
    transitions: TransitionDict,
    states: Sequence[str],
    action_index,
    num_row_actions: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """COO triples and the flat availability mask from ``{state: {action: {next: p}}}``."""
    state_index = index_of(states, "state")
    rows, cols, probs = [], [], []
    mask = np.zeros(len(states) * num_row_actions, dtype=bool)
    for state, by_action in transitions.items():
        if state not in state_index:
            raise ModelError(f"state {state!r} is not in the state list")
        for action, outcomes in by_action.items():
            row = state_index[state] * num_row_actions + action_index(action, state)
            mask[row] = True
            for next_state, probability in outcomes.items():
                if next_state not in state_index:
                    raise ModelError(
                        f"state {state!r}, action {action!r}: next state {next_state!r} is not a state of the MDP"
                    )
                rows.append(row)
                cols.append(state_index[next_state])
                probs.append(float(probability))
    return np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64), np.array(probs), mask


def _ordered_union(lists) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for items in lists:
        for item in items:
            seen.setdefault(item, None)
    return tuple(seen)


class _Transitions:
    """Queries shared by :class:`MDP` and :class:`JointMDP`.

    Both store one row per (state, action) pair, state-major; they differ only in how an
    action is labelled (a joint action ``(a_H, a_A)`` is the flat action ``a_H * A_A + a_A``,
    labelled ``'u_H^v_A'``). Subclasses provide :attr:`action_labels`, the flat labels.
    """

    states: tuple[str, ...]
    transitions: sparse.csr_array
    action_mask: np.ndarray
    name: str

    @property
    def action_labels(self) -> tuple[str, ...]:
        raise NotImplementedError

    @property
    def num_states(self) -> int:
        return len(self.states)

    def _finish(self, mask_shape: tuple[int, ...]) -> None:
        """Validate and freeze the arrays (the labels are already set as tuples)."""
        index_of(self.states, "state")
        S = len(self.states)
        mask = np.array(self.action_mask, dtype=bool)
        if mask.shape != mask_shape:
            raise ModelError(f"action_mask has shape {mask.shape}, expected {mask_shape}")
        transitions = _as_csr(self.transitions, (S * len(self.action_labels), S))
        _check_rows(transitions, mask.ravel(), self._describe_row)
        _every_state_has_an_action(self.states, mask)
        object.__setattr__(self, "transitions", transitions)
        object.__setattr__(self, "action_mask", _frozen(mask))

    def _describe_row(self, row: int) -> str:
        s, a = divmod(row, len(self.action_labels))
        return f"state {self.states[s]!r}, action {self.action_labels[a]!r}"

    @property
    def is_stochastic(self) -> bool:
        """Whether every available action's probabilities sum to one."""
        return _unstochastic_row(self.transitions, self.action_mask.ravel()) is None

    def check_stochastic(self) -> None:
        """Raise ``ValueError`` naming the first available action whose row does not sum to one."""
        row = _unstochastic_row(self.transitions, self.action_mask.ravel())
        if row is not None:
            mass = float(self.transitions[[row], :].sum())
            raise ModelError(f"{self._describe_row(row)}: probabilities sum to {mass:.12g}, not 1")

    def state_index(self, state: str) -> int:
        try:
            return self.states.index(state)
        except ValueError:
            raise UnknownLabelError(f"unknown state {state!r}") from None

    def available_actions(self, state: str) -> list[str]:
        """Labels of the actions available in ``state`` (joint labels for a joint MDP)."""
        row = self.action_mask[self.state_index(state)].ravel()
        return [label for label, ok in zip(self.action_labels, row) if ok]

    def next_states(self, state: str, action: str) -> dict[str, float]:
        """``{next_state: probability}`` of an available action."""
        s = self.state_index(state)
        try:
            a = self.action_labels.index(action)
        except ValueError:
            raise UnknownLabelError(f"unknown action {action!r}") from None
        if not self.action_mask[s].ravel()[a]:
            raise UnknownLabelError(f"action {action!r} is not available in state {state!r}")
        row = s * len(self.action_labels) + a
        lo, hi = self.transitions.indptr[row], self.transitions.indptr[row + 1]
        return {self.states[j]: float(p) for j, p in zip(self.transitions.indices[lo:hi], self.transitions.data[lo:hi])}

    def to_dict(self) -> dict[str, dict[str, dict[str, float]]]:
        """``{state: {action: {next_state: probability}}}`` for the available actions."""
        return {
            state: {action: self.next_states(state, action) for action in self.available_actions(state)}
            for state in self.states
        }


@dataclass(frozen=True, eq=False)
class MDP(_Transitions):
    """A single-agent MDP: labelled states and actions, sparse transitions, an action mask.

    Parameters
    ----------
    states : tuple of str
        State labels, ``[S]``.
    actions : tuple of str
        Action labels, ``[A]``.
    transitions : scipy.sparse.csr_array
        ``[S * A, S]``; row ``s * A + a`` holds ``P(. | s, a)``.
    action_mask : numpy.ndarray of bool
        ``[S, A]``; ``True`` where the action is available.
    name : str
        A short description, used in figure titles.

    Raises
    ------
    ValueError
        On inconsistent shapes, duplicate labels, probabilities outside [0, 1], transitions
        on an unavailable action, a row summing above one, or a state with no action.
    """

    states: tuple[str, ...]
    actions: tuple[str, ...]
    transitions: sparse.csr_array  # [S * A, S]
    action_mask: np.ndarray  # [S, A] bool
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "states", tuple(self.states))
        object.__setattr__(self, "actions", tuple(self.actions))
        index_of(self.actions, "action")
        self._finish((len(self.states), len(self.actions)))

    # -- construction ---------------------------------------------------------------

    @classmethod
    def from_dict(
        cls,
        transitions: TransitionDict,
        *,
        states: Sequence[str] | None = None,
        actions: Sequence[str] | None = None,
        name: str = "",
    ) -> MDP:
        """Build an MDP from ``{state: {action: {next_state: probability}}}``.

        ``states`` and ``actions`` fix the label order; by default they follow the order of
        first appearance. Every available action must have probabilities summing to one.

        Raises
        ------
        ValueError
            Naming the state (and action) at fault.
        """
        states = tuple(states) if states is not None else tuple(transitions)
        actions = tuple(actions) if actions is not None else _ordered_union(transitions.values())
        positions = index_of(actions, "action")

        def action_index(action: str, state: str) -> int:
            if action not in positions:
                raise ModelError(f"state {state!r}: action {action!r} is not in the action list")
            return positions[action]

        rows, cols, probs, mask = _triples_from_dict(transitions, states, action_index, len(actions))
        matrix = sparse.coo_array((probs, (rows, cols)), shape=(len(states) * len(actions), len(states)))
        mdp = cls(states, actions, matrix, mask.reshape(len(states), len(actions)), name=name)
        mdp.check_stochastic()
        return mdp

    # -- queries --------------------------------------------------------------------

    @property
    def action_labels(self) -> tuple[str, ...]:
        return self.actions

    @property
    def num_actions(self) -> int:
        return len(self.actions)

    @property
    def row_mass(self) -> np.ndarray:
        """``[S, A]`` total probability of each row (zero where unavailable)."""
        return np.asarray(self.transitions.sum(axis=1)).reshape(self.num_states, self.num_actions)

    def with_name(self, name: str) -> MDP:
        return MDP(self.states, self.actions, self.transitions, self.action_mask, name=name)


@dataclass(frozen=True, eq=False)
class JointMDP(_Transitions):
    """A two-agent MDP over joint states, with joint actions ``(a_H, a_A)``.

    Parameters
    ----------
    states : tuple of str
        Joint state labels ``'x_H^y_A'``, ``[S]``.
    actions_H, actions_A : tuple of str
        Each agent's own action labels, ``[A_H]`` and ``[A_A]``.
    transitions : scipy.sparse.csr_array
        ``[S * A_H * A_A, S]``; row ``(s * A_H + h) * A_A + a`` holds ``P(. | s, h, a)``.
    action_mask : numpy.ndarray of bool
        ``[S, A_H, A_A]``; ``True`` where the joint action is available.
    name : str
        A short description, used in figure titles.
    """

    states: tuple[str, ...]
    actions_H: tuple[str, ...]
    actions_A: tuple[str, ...]
    transitions: sparse.csr_array  # [S * A_H * A_A, S]
    action_mask: np.ndarray  # [S, A_H, A_A] bool
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "states", tuple(self.states))
        object.__setattr__(self, "actions_H", tuple(self.actions_H))
        object.__setattr__(self, "actions_A", tuple(self.actions_A))
        index_of(self.actions_H, "Agent H action")
        index_of(self.actions_A, "Agent A action")
        self._finish((len(self.states), len(self.actions_H), len(self.actions_A)))

    @classmethod
    def from_dict(
        cls,
        transitions: TransitionDict,
        *,
        states: Sequence[str] | None = None,
        actions_H: Sequence[str] | None = None,
        actions_A: Sequence[str] | None = None,
        name: str = "",
    ) -> JointMDP:
        """Build a joint MDP from ``{state: {'u_H^v_A': {next_state: probability}}}``.

        Raises
        ------
        ValueError
            If an action label is not joint, or as :meth:`MDP.from_dict`.
        """
        states = tuple(states) if states is not None else tuple(transitions)

        def pairs(state):
            out = []
            for action in transitions[state]:
                pair = split_joint_label(action)
                if pair is None:
                    raise ModelError(f"state {state!r}: action {action!r} is not a joint action 'u_H^v_A'")
                out.append(pair)
            return out

        all_pairs = [pairs(state) for state in transitions]
        actions_H = (
            tuple(actions_H) if actions_H is not None else _ordered_union([[p[0] for p in ps] for ps in all_pairs])
        )
        actions_A = (
            tuple(actions_A) if actions_A is not None else _ordered_union([[p[1] for p in ps] for ps in all_pairs])
        )
        pos_H, pos_A = index_of(actions_H, "Agent H action"), index_of(actions_A, "Agent A action")

        def action_index(action: str, state: str) -> int:
            pair = split_joint_label(action)
            assert pair is not None  # pairs() above checked every action of every state
            h, a = pair
            if h not in pos_H or a not in pos_A:
                raise ModelError(f"state {state!r}: action {action!r} is not in the action lists")
            return pos_H[h] * len(actions_A) + pos_A[a]

        width = len(actions_H) * len(actions_A)
        rows, cols, probs, mask = _triples_from_dict(transitions, states, action_index, width)
        matrix = sparse.coo_array((probs, (rows, cols)), shape=(len(states) * width, len(states)))
        joint = cls(
            states, actions_H, actions_A, matrix, mask.reshape(len(states), len(actions_H), len(actions_A)), name=name
        )
        joint.check_stochastic()
        return joint

    @cached_property
    def action_labels(self) -> tuple[str, ...]:
        """Joint action labels ``'u_H^v_A'`` in row order (H-major)."""
        return tuple(joint_label(h, a) for h in self.actions_H for a in self.actions_A)

    def agent_actions(self, agent: str) -> tuple[str, ...]:
        """Agent ``'H'`` or ``'A'``'s own action labels."""
        return {"H": self.actions_H, "A": self.actions_A}[agent]

    def agent_action_mask(self, agent: str) -> np.ndarray:
        """``[S, A_agent]``: an agent's action is available if some joint action uses it."""
        return np.asarray(self.action_mask.any(axis={"H": 2, "A": 1}[agent]))

    def with_name(self, name: str) -> JointMDP:
        return JointMDP(self.states, self.actions_H, self.actions_A, self.transitions, self.action_mask, name=name)
