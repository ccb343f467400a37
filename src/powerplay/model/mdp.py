"""Single-agent and joint (multi-agent) MDPs as labelled sparse arrays.

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

A :class:`JointMDP` of ``n >= 2`` agents is the same with a joint action ``(a_1, ..., a_n)``,
one action per agent: ``transitions`` is ``[S * A_1 * ... * A_n, S]`` with row
``s * (A_1 * ... * A_n) + flat(a_1, ..., a_n)``, the joint action flattened in C order (the
first agent most significant), and ``action_mask`` is ``[S, A_1, ..., A_n]``. For the two
agents H and A the row is ``(s * A_H + a_H) * A_A + a_A``. Its joint actions are labelled
``'u_H^v_A'`` (``'u_H^v_A^w_B'`` for three agents, :mod:`powerplay.model.labels`); its
states are usually joint labels too (``'x_H^y_A'``), but any labels will do.

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
from itertools import product

import numpy as np
from scipy import sparse

from ..errors import ModelError, UnknownLabelError
from .labels import (
    DEFAULT_AGENTS,
    check_agent_names,
    example_joint_label,
    index_of,
    infer_agents,
    joint_label,
    split_joint_label,
)

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

    @cached_property
    def _state_positions(self) -> dict[str, int]:
        return {state: s for s, state in enumerate(self.states)}

    @cached_property
    def _action_positions(self) -> dict[str, int]:
        return {action: a for a, action in enumerate(self.action_labels)}

    def state_index(self, state: str) -> int:
        """Position of ``state`` in :attr:`states` (an :class:`~powerplay.errors.UnknownLabelError` if none)."""
        try:
            return self._state_positions[state]
        except (KeyError, TypeError):
            raise UnknownLabelError(f"unknown state {state!r}") from None

    def available_actions(self, state: str) -> list[str]:
        """Labels of the actions available in ``state`` (joint labels for a joint MDP)."""
        row = self.action_mask[self.state_index(state)].ravel()
        return [label for label, ok in zip(self.action_labels, row) if ok]

    def next_states(self, state: str, action: str) -> dict[str, float]:
        """``{next_state: probability}`` of an available action."""
        s = self.state_index(state)
        try:
            a = self._action_positions[action]
        except (KeyError, TypeError):
            raise UnknownLabelError(f"unknown action {action!r}") from None
        if not self.action_mask[s].ravel()[a]:
            raise UnknownLabelError(f"action {action!r} is not available in state {state!r}")
        row = s * len(self.action_labels) + a
        lo, hi = self.transitions.indptr[row], self.transitions.indptr[row + 1]
        return {self.states[j]: float(p) for j, p in zip(self.transitions.indices[lo:hi], self.transitions.data[lo:hi])}

    def to_dict(self) -> dict[str, dict[str, dict[str, float]]]:
        """``{state: {action: {next_state: probability}}}`` for the available actions.

        Actions in label order, next states in state order (as :meth:`next_states`).
        """
        states, labels = self.states, self.action_labels
        width = len(labels)
        indptr = self.transitions.indptr.tolist()
        indices = self.transitions.indices.tolist()
        data = self.transitions.data.tolist()
        flat_mask = self.action_mask.reshape(len(states), width)
        table: dict[str, dict[str, dict[str, float]]] = {}
        for s, state in enumerate(states):
            row: dict[str, dict[str, float]] = {}
            for a in np.flatnonzero(flat_mask[s]).tolist():
                lo, hi = indptr[s * width + a], indptr[s * width + a + 1]
                row[labels[a]] = {states[j]: p for j, p in zip(indices[lo:hi], data[lo:hi])}
            table[state] = row
        return table


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
    """A joint MDP of ``n >= 2`` agents acting at once: joint states, one action per agent.

    Parameters
    ----------
    states : tuple of str
        State labels, ``[S]``; usually joint labels ``'x_H^y_A'`` (any labels will do).
    agents : tuple of str
        The agents, in order (``('H', 'A')`` for the published pair): valid names
        (:func:`~powerplay.model.labels.check_agent_names`), at least two.
    actions_by_agent : tuple of tuple of str
        Each agent's own action labels, in agent order: ``[A_1], ..., [A_n]``.
    transitions : scipy.sparse.csr_array
        ``[S * A_1 * ... * A_n, S]``; row ``s * prod(A) + flat(a_1, ..., a_n)`` holds
        ``P(. | s, a_1, ..., a_n)``, the joint action flattened in C order (first agent most
        significant; two agents: row ``(s * A_H + h) * A_A + a``).
    action_mask : numpy.ndarray of bool
        ``[S, A_1, ..., A_n]``; ``True`` where the joint action is available.
    name : str
        A short description, used in figure titles.

    Raises
    ------
    ModelError
        One line naming the agent, state or action at fault: a bad or repeated agent name,
        one action list per agent missing, and everything :class:`MDP` checks.

    Notes
    -----
    ``JointMDP(states, agents, actions_by_agent, ...)`` replaces the two-agent
    ``JointMDP(states, actions_H, actions_A, ...)``; :attr:`actions_H` and :attr:`actions_A`
    remain (the first and second agent's actions), and ``from_dict(..., actions_H=, actions_A=)``.

    Examples
    --------
    >>> table = {'x_H^y_A^z_B': {'stay_H^stay_A^go_B': {'x_H^y_A^z_B': 1.0}}}
    >>> joint = JointMDP.from_dict(table)
    >>> joint.agents, joint.actions_by_agent, joint.action_mask.shape
    (('H', 'A', 'B'), (('stay',), ('stay',), ('go',)), (1, 1, 1, 1))
    >>> joint.agent_actions('B'), joint.agent_index('B'), joint.num_agents
    (('go',), 2, 3)
    """

    states: tuple[str, ...]
    agents: tuple[str, ...]
    actions_by_agent: tuple[tuple[str, ...], ...]
    transitions: sparse.csr_array  # [S * A_1 * ... * A_n, S]
    action_mask: np.ndarray  # [S, A_1, ..., A_n] bool
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "states", tuple(self.states))
        per_agent = self.actions_by_agent
        if isinstance(per_agent, str) or any(isinstance(actions, str) for actions in per_agent):
            raise ModelError(
                "JointMDP(states, agents, actions_by_agent, transitions, action_mask): actions_by_agent must hold "
                "one list of action labels per agent (two agents: JointMDP(states, ('H', 'A'), (actions_H, "
                "actions_A), ...))"
            )
        agents = check_agent_names(self.agents)
        per_agent = tuple(tuple(actions) for actions in per_agent)
        if len(per_agent) != len(agents):
            raise ModelError(f"{len(per_agent)} action lists for the {len(agents)} agents {list(agents)}")
        for agent, actions in zip(agents, per_agent):
            index_of(actions, f"Agent {agent} action")
        object.__setattr__(self, "agents", agents)
        object.__setattr__(self, "actions_by_agent", per_agent)
        self._finish((len(self.states), *map(len, per_agent)))

    @classmethod
    def from_dict(
        cls,
        transitions: TransitionDict,
        *,
        states: Sequence[str] | None = None,
        agents: Sequence[str] | None = None,
        actions_by_agent: Sequence[Sequence[str] | None] | None = None,
        actions_H: Sequence[str] | None = None,
        actions_A: Sequence[str] | None = None,
        name: str = "",
    ) -> JointMDP:
        """Build a joint MDP from ``{state: {joint action: {next_state: probability}}}``.

        Parameters
        ----------
        transitions : mapping
            Joint actions labelled ``'u_H^v_A'`` (``'u_H^v_A^w_B'``, ... for more agents).
        states : sequence of str, optional
            The state order (default: order of appearance).
        agents : sequence of str, optional
            The agents. By default read from the action labels
            (:func:`~powerplay.model.labels.infer_agents`), else ``('H', 'A')``; always
            ``('H', 'A')`` when ``actions_H``/``actions_A`` are given.
        actions_by_agent : sequence, optional
            Each agent's action order (an entry may be ``None``: order of appearance).
        actions_H, actions_A : sequence of str, optional
            The two-agent shorthand for ``actions_by_agent``.
        name : str

        Returns
        -------
        JointMDP

        Raises
        ------
        ModelError
            If an action label is not a joint action of the agents, or as :meth:`MDP.from_dict`;
            naming the state and action.

        Examples
        --------
        >>> joint = JointMDP.from_dict({'s': {'go_H^stay_A': {'s': 1.0}}}, actions_A=['stay', 'go'])
        >>> joint.agents, joint.actions_H, joint.actions_A
        (('H', 'A'), ('go',), ('stay', 'go'))
        """
        states = tuple(states) if states is not None else tuple(transitions)
        if actions_H is not None or actions_A is not None:
            if actions_by_agent is not None:
                raise ModelError("give actions_by_agent or actions_H/actions_A, not both")
            actions_by_agent = [actions_H, actions_A]
            agents = DEFAULT_AGENTS if agents is None else agents
        if agents is None:
            agents = infer_agents(action for row in transitions.values() for action in row) or DEFAULT_AGENTS
        agents = check_agent_names(agents)
        n = len(agents)
        if actions_by_agent is not None and len(actions_by_agent) != n:
            raise ModelError(f"{len(actions_by_agent)} action lists for the {n} agents {list(agents)}")
        example = example_joint_label(agents)

        def split(action: str, state: str) -> tuple[str, ...]:
            parts = split_joint_label(action, agents)
            if parts is None:
                raise ModelError(f"state {state!r}: action {action!r} is not a joint action {example!r}")
            return parts

        split_rows = {state: [split(action, state) for action in row] for state, row in transitions.items()}
        per_agent = []
        for i in range(n):
            given = actions_by_agent[i] if actions_by_agent is not None else None
            if given is not None:
                per_agent.append(tuple(given))
            else:
                per_agent.append(_ordered_union([parts[i] for parts in rows] for rows in split_rows.values()))
        positions = [index_of(actions, f"Agent {agent} action") for agent, actions in zip(agents, per_agent)]
        sizes = [len(actions) for actions in per_agent]
        strides = [int(np.prod(sizes[i + 1 :], dtype=np.int64)) for i in range(n)]

        def action_index(action: str, state: str) -> int:
            flat = 0
            for agent, own, part, stride in zip(agents, positions, split(action, state), strides):
                if part not in own:
                    raise ModelError(
                        f"state {state!r}: action {action!r} is not in the action lists "
                        f"(Agent {agent}'s {part!r} is not one of its actions {list(own)})"
                    )
                flat += own[part] * stride
            return flat

        width = int(np.prod(sizes, dtype=np.int64))
        rows, cols, probs, mask = _triples_from_dict(transitions, states, action_index, width)
        matrix = sparse.coo_array((probs, (rows, cols)), shape=(len(states) * width, len(states)))
        joint = cls(states, agents, tuple(per_agent), matrix, mask.reshape(len(states), *sizes), name=name)
        joint.check_stochastic()
        return joint

    # -- agents ---------------------------------------------------------------------

    @property
    def num_agents(self) -> int:
        return len(self.agents)

    @property
    def action_shape(self) -> tuple[int, ...]:
        """``(A_1, ..., A_n)``: each agent's number of actions (``action_mask.shape[1:]``)."""
        return tuple(len(actions) for actions in self.actions_by_agent)

    @property
    def num_joint_actions(self) -> int:
        """``A_1 * ... * A_n``: the transition rows per state."""
        return int(np.prod(self.action_shape, dtype=np.int64))

    def agent_index(self, agent: str) -> int:
        """Position of ``agent`` in :attr:`agents`.

        Raises
        ------
        UnknownLabelError
            If ``agent`` is not one of the agents (naming them).
        """
        try:
            return self.agents.index(agent)
        except ValueError:
            raise UnknownLabelError(
                f"agent {agent!r} is not an agent of joint MDP {self.name!r} (its agents: {', '.join(self.agents)})"
            ) from None

    def agent_actions(self, agent: str) -> tuple[str, ...]:
        """An agent's own action labels."""
        return self.actions_by_agent[self.agent_index(agent)]

    def agent_action_mask(self, agent: str) -> np.ndarray:
        """``[S, A_agent]``: an agent's action is available if some joint action uses it."""
        i = self.agent_index(agent)
        others = tuple(1 + j for j in range(self.num_agents) if j != i)
        return np.asarray(self.action_mask.any(axis=others))

    @property
    def actions_H(self) -> tuple[str, ...]:
        """The first agent's actions (Agent H's in the published pair)."""
        return self.actions_by_agent[0]

    @property
    def actions_A(self) -> tuple[str, ...]:
        """The second agent's actions (Agent A's in the published pair)."""
        return self.actions_by_agent[1]

    @cached_property
    def action_labels(self) -> tuple[str, ...]:
        """Joint action labels ``'u_H^v_A'`` in row order (C order: first agent most significant)."""
        return tuple(joint_label(parts, self.agents) for parts in product(*self.actions_by_agent))

    def with_name(self, name: str) -> JointMDP:
        return JointMDP(self.states, self.agents, self.actions_by_agent, self.transitions, self.action_mask, name=name)
