"""Kernel-ready arrays built once per MDP (see :mod:`powerplay.solvers.kernels` for the layout)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from ..errors import ModelError, ResourceLimitError
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
        Action index of each row (joint: the flat joint action, C order).
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


#: Dense joint-action lookups (``S * prod(A_i)`` int64 entries) above which
#: :class:`JointStructure` refuses to build (2 GiB), before allocating it.
MAX_ROW_INDEX = 1 << 28


@dataclass(frozen=True)
class ActingIndex:
    """For one agent of a joint MDP: which joint rows each of its own actions uses.

    Joint rows of state ``s`` using the agent's action ``a`` are
    ``act_row[act_ptr[s * num_act + a] : act_ptr[s * num_act + a + 1]]``, and the other
    agents' actions in each (in agent order, the acting agent left out) are ``act_others``.

    Attributes
    ----------
    act_ptr : [S * num_act + 1]
    act_row : [N_act]
    act_others : [N_act, m]
        ``m`` the number of other agents (0 for a single-agent MDP).
    num_act : int
    """

    act_ptr: np.ndarray
    act_row: np.ndarray
    act_others: np.ndarray
    num_act: int

    @classmethod
    def build(cls, rows: RowStructure, row_agent_action: np.ndarray, agent: int, num_act: int) -> ActingIndex:
        """The index of agent ``agent`` (a position) from each row's per-agent actions ``[N, n]``."""
        S = len(rows.state_ptr) - 1
        row_state = np.repeat(np.arange(S), np.diff(rows.state_ptr))
        own = row_agent_action[:, agent]
        key = row_state * num_act + own
        order = np.argsort(key, kind="stable")
        act_ptr = np.searchsorted(key[order], np.arange(S * num_act + 1)).astype(np.int64)
        others = np.delete(row_agent_action, agent, axis=1)[order]
        return cls(act_ptr, order.astype(np.int64), np.ascontiguousarray(others, dtype=np.int64), num_act)


@dataclass(frozen=True)
class ResponseIndex:
    """Everything the policy-iteration kernel needs about the acting agent's choices.

    ``row_index [S * num_joint]`` maps a (state, flat joint action) to its available row (or
    -1). The joint row of acting action ``a`` when the others take ``o_j`` is
    ``row_index[s * num_joint + a * acting_stride + sum_j o_j * other_strides[j]]``. A
    single-agent MDP is the case of no other agents.

    Attributes
    ----------
    rows : RowStructure
    acting : ActingIndex
    row_index : [S * num_joint]
    other_sizes, other_strides : [m]
        The other agents' action counts and strides (agent order).
    acting_stride, num_joint : int
    """

    rows: RowStructure
    acting: ActingIndex
    row_index: np.ndarray
    other_sizes: np.ndarray
    other_strides: np.ndarray
    acting_stride: int
    num_joint: int

    @classmethod
    def of_single(cls, rows: RowStructure) -> ResponseIndex:
        S, A = len(rows.state_ptr) - 1, rows.num_actions
        row_state = np.repeat(np.arange(S), np.diff(rows.state_ptr))
        row_index = np.full(S * A, -1, dtype=np.int64)
        row_index[row_state * A + rows.row_action] = np.arange(len(row_state))
        acting = ActingIndex.build(rows, rows.row_action[:, None], 0, A)
        none = np.zeros(0, dtype=np.int64)
        return cls(rows, acting, row_index, none, none.copy(), 1, A)

    @property
    def num_others(self) -> int:
        return len(self.other_sizes)


def check_row_index(num_states: int, num_joint: int, name: str = "") -> None:
    """Refuse a joint MDP whose dense (state, joint action) lookup would not fit.

    Raises
    ------
    ResourceLimitError
        One line with the estimate and the limit (:data:`MAX_ROW_INDEX` entries).
    """
    entries = int(num_states) * int(num_joint)
    if entries > MAX_ROW_INDEX:
        what = f"joint MDP {name!r}" if name else "the joint MDP"
        raise ResourceLimitError(
            f"{what} has {num_states:,} states x {num_joint:,} joint actions = {entries:,} (state, joint action) "
            f"pairs ({entries * 8 / 2**30:.1f} GiB of lookup), over the solvers' limit of {MAX_ROW_INDEX:,}",
            "joint (state, action) pairs",
            entries,
            MAX_ROW_INDEX,
        )


class JointStructure:
    """A joint MDP's rows plus the per-agent indices the best-response and evaluation kernels need.

    Attributes
    ----------
    agents : tuple of str
    action_shape : [n] int64
        Each agent's number of actions.
    strides : [n] int64
        Each agent's stride in the flat joint action (C order: first agent most significant).
    num_joint : int
        Joint actions per state, ``prod(action_shape)``.
    rows : RowStructure
    row_agent_action : [N_rows, n] int64
        Each available row's action of every agent.
    row_index : [S * num_joint] int64
        The available row of each (state, joint action), -1 where absent.
    complete : bool
        Every state offers every combination of its agents' available actions and no row
        leaks: no policy of any agent can lose mass.

    Raises
    ------
    ResourceLimitError
        When the dense lookup would exceed :data:`MAX_ROW_INDEX` entries.
    """

    def __init__(self, joint: JointMDP):
        S = joint.num_states
        shape = tuple(int(x) for x in joint.action_shape)
        num_joint = int(np.prod(shape, dtype=np.int64))
        check_row_index(S, num_joint, joint.name)
        self.agents = tuple(joint.agents)
        self.action_shape = np.array(shape, dtype=np.int64)
        self.strides = np.array([int(np.prod(shape[i + 1 :], dtype=np.int64)) for i in range(len(shape))], np.int64)
        self.num_joint = num_joint
        self.rows = RowStructure.of_joint(joint)
        per_agent = np.unravel_index(self.rows.row_action, shape)
        self.row_agent_action = np.ascontiguousarray(np.stack(per_agent, axis=1), dtype=np.int64)
        row_state = np.repeat(np.arange(S), np.diff(self.rows.state_ptr))
        self.row_index = np.full(S * num_joint, -1, dtype=np.int64)
        self.row_index[row_state * num_joint + self.rows.row_action] = np.arange(len(row_state))
        self._acting: dict[int, ActingIndex] = {}
        # Complete: every state offers every combination of its agents' available actions and
        # every joint row sums to one, so no policy of any agent can lose mass.
        combos = np.zeros(S, dtype=np.int64)
        np.add.at(combos, row_state, 1)
        mask = joint.action_mask
        product = np.ones(S, dtype=np.int64)
        for i in range(len(shape)):
            others = tuple(1 + j for j in range(len(shape)) if j != i)
            product *= mask.any(axis=others).sum(axis=1)
        self.complete = bool(not self.rows.leaks and np.array_equal(combos, product))

    @property
    def num_agents(self) -> int:
        return len(self.agents)

    def agent_position(self, agent: int | str) -> int:
        """An agent's position (given by name or position)."""
        if isinstance(agent, str):
            if agent not in self.agents:
                raise ModelError(f"agent {agent!r} is not one of the agents {', '.join(self.agents)}")
            return self.agents.index(agent)
        if not 0 <= int(agent) < len(self.agents):
            raise ModelError(f"agent position {agent} is out of range for {len(self.agents)} agents")
        return int(agent)

    def acting(self, agent: int | str) -> ActingIndex:
        i = self.agent_position(agent)
        if i not in self._acting:
            self._acting[i] = ActingIndex.build(self.rows, self.row_agent_action, i, int(self.action_shape[i]))
        return self._acting[i]

    def response(self, agent: int | str) -> ResponseIndex:
        """The policy-iteration inputs for ``agent`` (name or position) acting against the others."""
        i = self.agent_position(agent)
        keep = np.arange(self.num_agents) != i
        return ResponseIndex(
            self.rows,
            self.acting(i),
            self.row_index,
            np.ascontiguousarray(self.action_shape[keep]),
            np.ascontiguousarray(self.strides[keep]),
            int(self.strides[i]),
            self.num_joint,
        )


@dataclass(frozen=True)
class ResponseGroups:
    """One agent's response to the others on a joint MDP, in the layout of the lane kernels.

    The available joint rows, reordered so that the rows of one acting action in one state
    form a *group*: state ``s``'s groups are ``grp_state_ptr[s]:grp_state_ptr[s+1]`` (acting
    actions in increasing order, ``grp_action``), group ``g``'s rows ``grp_ptr[g]:grp_ptr[g+1]``
    (one per joint action of the others, their actions in ``row_others``). Rows are CSR
    without self-loops, as in :class:`RowStructure`.

    Attributes
    ----------
    grp_state_ptr : [S + 1]
    grp_ptr : [G + 1]
    grp_action : [G]
    row_ptr : [N + 1]
    cols, probs : [nnz]
    row_self : [N]
    row_others : [N, m]
    row_slot : [N]
        Each row's slot: the others' joint action in its state, shared by the rows of every
        acting action (state ``s``'s slots are ``slot_ptr[s]:slot_ptr[s+1]``, their actions
        ``slot_others [slots, m]``), so that the lane kernels read each weight once per state.
    slot_ptr : [S + 1]
    slot_others : [slots, m]
    jacobi : bool
        Every action of the acting agent keeps its mass whatever the others do (the joint MDP
        is complete and no row leaks), so span bounds (Jacobi sweeps) apply.
    """

    grp_state_ptr: np.ndarray
    grp_ptr: np.ndarray
    grp_action: np.ndarray
    row_ptr: np.ndarray
    cols: np.ndarray
    probs: np.ndarray
    row_self: np.ndarray
    row_others: np.ndarray
    row_slot: np.ndarray
    slot_ptr: np.ndarray
    slot_others: np.ndarray
    jacobi: bool

    @classmethod
    def of(cls, joint: JointStructure, agent: int | str) -> ResponseGroups:
        i = joint.agent_position(agent)
        acting = joint.acting(i)
        rows = joint.rows
        S = len(rows.state_ptr) - 1
        sizes = np.diff(acting.act_ptr)  # rows per (state, acting action)
        present = np.flatnonzero(sizes)
        grp_ptr = np.concatenate([[0], np.cumsum(sizes[present])]).astype(np.int64)
        grp_state_ptr = np.searchsorted(present // acting.num_act, np.arange(S + 1)).astype(np.int64)
        order = acting.act_row  # rows in (state, acting action) order
        lengths = np.diff(rows.row_ptr)[order]
        row_ptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        starts = np.repeat(rows.row_ptr[order] - row_ptr[:-1], lengths)
        entries = np.arange(row_ptr[-1], dtype=np.int64) + starts
        # Slots: the distinct (state, others' joint action) pairs, in that order.
        row_state = np.repeat(np.arange(S), np.diff(rows.state_ptr))[order]
        others_flat = np.ravel_multi_index(acting.act_others.T, joint.action_shape[np.arange(joint.num_agents) != i])
        keys, row_slot = np.unique(row_state * (joint.num_joint + 1) + others_flat, return_inverse=True)
        first = np.zeros(len(keys), dtype=np.int64)
        first[row_slot[::-1]] = np.arange(len(row_slot))[::-1]  # a row of each slot
        slot_state = keys // (joint.num_joint + 1)
        return cls(
            grp_state_ptr=grp_state_ptr,
            grp_ptr=grp_ptr,
            grp_action=(present % acting.num_act).astype(np.int64),
            row_ptr=row_ptr,
            cols=np.ascontiguousarray(rows.cols[entries]),
            probs=np.ascontiguousarray(rows.probs[entries]),
            row_self=np.ascontiguousarray(rows.row_self[order]),
            row_others=acting.act_others,
            row_slot=row_slot.astype(np.int64),
            slot_ptr=np.searchsorted(slot_state, np.arange(S + 1)).astype(np.int64),
            slot_others=np.ascontiguousarray(acting.act_others[first]),
            jacobi=joint.complete,
        )

    @classmethod
    def of_mdp(cls, rows: RowStructure) -> ResponseGroups:
        """A single-agent MDP as a response to no other agents: one group (of one row) per action.

        Action values from it are bit for bit those of :func:`~powerplay.solvers.kernels.shared_greedy`
        (a weight of one times the row's sum, plus zero).
        """
        S = len(rows.state_ptr) - 1
        N = len(rows.row_self)
        row_state = np.repeat(np.arange(S, dtype=np.int64), np.diff(rows.state_ptr))
        return cls(
            grp_state_ptr=rows.state_ptr,
            grp_ptr=np.arange(N + 1, dtype=np.int64),
            grp_action=rows.row_action,
            row_ptr=rows.row_ptr,
            cols=rows.cols,
            probs=rows.probs,
            row_self=rows.row_self,
            row_others=np.zeros((N, 0), dtype=np.int64),
            row_slot=row_state,
            slot_ptr=np.arange(S + 1, dtype=np.int64),
            slot_others=np.zeros((S, 0), dtype=np.int64),
            jacobi=not rows.leaks,
        )

    @classmethod
    def evaluation(cls, rows: RowStructure, row_agent_action: np.ndarray, complete: bool) -> ResponseGroups:
        """Fixed policies of every agent, in the layout of the lane kernels: no agent acts, every
        agent is one of the "others", and each state has one group holding all its rows (each
        row its own slot: a joint action of all the agents).

        Value iteration on it (:func:`~powerplay.solvers.values.response_values`) evaluates the
        agents' policies, given as probabilities, with the lanes' span bounds; its greedy pass
        gives the continuation ``sum_a prod_i pi_i(a_i|s) P(.|s,a) V``.

        Parameters
        ----------
        rows : RowStructure
            A joint MDP's (or a single-agent MDP's) available rows.
        row_agent_action : [N, n] int64
            Each row's action of every agent (a single-agent MDP: ``rows.row_action[:, None]``).
        complete : bool
            No policy can lose mass (every combination of the agents' actions is present and
            no row leaks): span bounds (Jacobi sweeps) apply.
        """
        S = len(rows.state_ptr) - 1
        N = len(rows.row_self)
        actions = np.ascontiguousarray(row_agent_action, dtype=np.int64)
        if actions.shape[0] != N:
            raise ModelError(f"row_agent_action must have one row per available row ({N}), got {actions.shape}")
        return cls(
            grp_state_ptr=np.arange(S + 1, dtype=np.int64),
            grp_ptr=rows.state_ptr,
            grp_action=np.zeros(S, dtype=np.int64),
            row_ptr=rows.row_ptr,
            cols=rows.cols,
            probs=rows.probs,
            row_self=rows.row_self,
            row_others=actions,
            row_slot=np.arange(N, dtype=np.int64),
            slot_ptr=rows.state_ptr,
            slot_others=actions,
            jacobi=bool(complete),
        )

    @property
    def nbytes(self) -> int:
        return sum(int(getattr(self, name).nbytes) for name in self.__dataclass_fields__ if name != "jacobi")
