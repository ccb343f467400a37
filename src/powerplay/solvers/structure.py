"""Kernel-ready arrays built once per MDP (see :mod:`powerplay.solvers.kernels` for the layout)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from ..model.mdp import MDP, PROBABILITY_TOLERANCE, JointMDP


def _split_self_loops(rows: sparse.csr_array, row_state: np.ndarray):
    """CSR without each row's self-loop entry, plus that entry's probability per row."""
    coo = rows.tocoo()
    is_self = coo.col == row_state[coo.row]
    row_self = np.zeros(rows.shape[0])
    np.add.at(row_self, coo.row[is_self], coo.data[is_self])
    rest = sparse.csr_array((coo.data[~is_self], (coo.row[~is_self], coo.col[~is_self])), shape=rows.shape)
    rest.sort_indices()
    return (
        rest.indptr.astype(np.int64),
        rest.indices.astype(np.int64),
        rest.data.astype(np.float64),
        row_self,
    )


@dataclass(frozen=True)
class RowStructure:
    """The available rows of an MDP or joint MDP, grouped by state, self-loops split out.

    Attributes
    ----------
    state_ptr : [S + 1]
    row_ptr : [N + 1]
    cols, probs : [nnz]
    row_self : [N]
        Self-loop probability of each row.
    row_action : [N]
        Action index of each row (joint: ``h * A_A + a``).
    leaks : bool
        Some available row sums to less than one.
    deterministic : bool
        Every available row has at most one next state (policy iteration then evaluates
        policies exactly).
    """

    state_ptr: np.ndarray
    row_ptr: np.ndarray
    cols: np.ndarray
    probs: np.ndarray
    row_self: np.ndarray
    row_action: np.ndarray
    num_actions: int
    leaks: bool
    deterministic: bool

    @classmethod
    def build(cls, transitions: sparse.csr_array, mask: np.ndarray) -> RowStructure:
        S = mask.shape[0]
        flat = mask.reshape(S, -1)
        num_actions = flat.shape[1]
        available = np.flatnonzero(flat.ravel())
        row_state = available // num_actions
        rows = transitions[available]
        mass = np.asarray(rows.sum(axis=1)).ravel()
        state_ptr = np.searchsorted(row_state, np.arange(S + 1)).astype(np.int64)
        row_ptr, cols, probs, row_self = _split_self_loops(sparse.csr_array(rows), row_state)
        entries = np.diff(row_ptr) + (row_self > 0)
        return cls(
            state_ptr=state_ptr,
            row_ptr=row_ptr,
            cols=cols,
            probs=probs,
            row_self=row_self,
            row_action=(available % num_actions).astype(np.int64),
            num_actions=num_actions,
            leaks=bool(np.any(mass < 1 - PROBABILITY_TOLERANCE)),
            deterministic=bool(np.all(entries <= 1)),
        )

    @classmethod
    def of_mdp(cls, mdp: MDP) -> RowStructure:
        return cls.build(mdp.transitions, mdp.action_mask)

    @classmethod
    def of_joint(cls, joint: JointMDP) -> RowStructure:
        return cls.build(joint.transitions, joint.action_mask)


@dataclass(frozen=True)
class ActingIndex:
    """For one agent of a joint MDP: which joint rows each of its own actions uses.

    Joint rows of state ``s`` using the agent's action ``a`` are
    ``act_row[act_ptr[s * num_act + a] : act_ptr[s * num_act + a + 1]]``, and the other
    agent's action in each is ``act_other``.
    """

    act_ptr: np.ndarray
    act_row: np.ndarray
    act_other: np.ndarray
    num_act: int

    @classmethod
    def build(cls, rows: RowStructure, num_H: int, num_A: int, agent: str) -> ActingIndex:
        S = len(rows.state_ptr) - 1
        row_state = np.repeat(np.arange(S), np.diff(rows.state_ptr))
        h, a = np.divmod(rows.row_action, num_A)
        own, other, num_act = (h, a, num_H) if agent == "H" else (a, h, num_A)
        key = row_state * num_act + own
        order = np.argsort(key, kind="stable")
        act_ptr = np.searchsorted(key[order], np.arange(S * num_act + 1)).astype(np.int64)
        return cls(act_ptr, order.astype(np.int64), other[order].astype(np.int64), num_act)


@dataclass(frozen=True)
class ResponseIndex:
    """Everything the policy-iteration kernel needs about the acting agent's choices.

    ``row_index [S * A_H * A_A]`` maps a joint action to its available row (or -1). A
    single-agent MDP is the special case of an "other agent" with one action.
    """

    rows: RowStructure
    acting: ActingIndex
    row_index: np.ndarray
    num_other: int
    agent_is_H: bool

    @classmethod
    def of_single(cls, rows: RowStructure) -> ResponseIndex:
        S, A = len(rows.state_ptr) - 1, rows.num_actions
        row_state = np.repeat(np.arange(S), np.diff(rows.state_ptr))
        row_index = np.full(S * A, -1, dtype=np.int64)
        row_index[row_state * A + rows.row_action] = np.arange(len(row_state))
        return cls(rows, ActingIndex.build(rows, A, 1, "H"), row_index, 1, True)


class JointStructure:
    """A joint MDP's rows plus the per-agent indices the best-response kernel needs."""

    def __init__(self, joint: JointMDP):
        self.rows = RowStructure.of_joint(joint)
        self.num_H = len(joint.actions_H)
        self.num_A = len(joint.actions_A)
        self.row_h, self.row_a = (x.astype(np.int64) for x in np.divmod(self.rows.row_action, self.num_A))
        # Dense (s, a_H, a_A) -> available-row lookup (-1 when the joint action is absent).
        row_state = np.repeat(np.arange(joint.num_states), np.diff(self.rows.state_ptr))
        self.row_index = np.full(joint.num_states * self.num_H * self.num_A, -1, dtype=np.int64)
        self.row_index[row_state * self.num_H * self.num_A + self.rows.row_action] = np.arange(len(row_state))
        self._acting: dict[str, ActingIndex] = {}
        # Complete: every state offers every pair of its agents' available actions and every
        # joint row sums to one, so no policy of either agent can lose mass.
        pairs = np.zeros(joint.num_states, dtype=np.int64)
        np.add.at(pairs, row_state, 1)
        mask = joint.action_mask.reshape(joint.num_states, self.num_H, self.num_A)
        product = mask.any(axis=2).sum(axis=1) * mask.any(axis=1).sum(axis=1)
        self.complete = bool(not self.rows.leaks and np.array_equal(pairs, product))

    def acting(self, agent: str) -> ActingIndex:
        if agent not in self._acting:
            self._acting[agent] = ActingIndex.build(self.rows, self.num_H, self.num_A, agent)
        return self._acting[agent]

    def response(self, agent: str) -> ResponseIndex:
        """The policy-iteration inputs for ``agent`` acting against the other agent."""
        other = self.num_A if agent == "H" else self.num_H
        return ResponseIndex(self.rows, self.acting(agent), self.row_index, other, agent == "H")
