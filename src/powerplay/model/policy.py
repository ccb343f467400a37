"""Policies of Agent H or Agent A, and folding one agent's policy into a joint MDP.

A :class:`Policy` gives, for every state of an MDP, a probability distribution over the
acting agent's *own* actions. On a joint MDP its states are joint states and its actions
are the acting agent's single-agent actions (as in the reference tool's policy graphs).

Marginalising the other agent
-----------------------------
:func:`marginalize` turns a joint MDP plus Agent A's policy into Agent H's single-agent MDP
(or the reverse)::

    P_H(s' | s, a_H) = sum_{a_A} pi_A(a_A | s) * P(s' | s, a_H, a_A)

When a joint action ``(a_H, a_A)`` is absent from the joint MDP (for example because the
no-overlap rule removed it), its term is zero: the row of ``a_H`` then sums to less than
one. This *sub-stochastic* rule is how the reference tool, and so the published figures,
computed multi-agent POWER; the lost probability behaves like a move to an absorbing
state worth zero. The physically motivated alternative -- an agent that moves into an
occupied cell stays where it is -- is a property of the joint MDP instead, see
:func:`powerplay.model.gridworld.joint_gridworld` with ``overlap='block'``.

Examples
--------
>>> from powerplay.model.mdp import MDP
>>> mdp = MDP.from_dict({'a': {'stay': {'a': 1.0}, 'go': {'b': 1.0}}, 'b': {'stay': {'b': 1.0}}})
>>> uniform_random_policy(mdp).probabilities.tolist()
[[0.5, 0.5], [1.0, 0.0]]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import product

import numpy as np
from scipy import sparse

from ..errors import ModelError, UnknownLabelError, WrongKindError
from .labels import AGENTS, index_of, joint_label, split_joint_label
from .mdp import MDP, PROBABILITY_TOLERANCE, JointMDP

AnyMDP = MDP | JointMDP


@dataclass(frozen=True, eq=False)
class Policy:
    """A stochastic policy of one agent.

    Parameters
    ----------
    states : tuple of str
        ``[S]``, the states of the MDP the policy is for.
    actions : tuple of str
        ``[A]``, the acting agent's own actions.
    probabilities : numpy.ndarray
        ``[S, A]``; each row sums to one.
    agent : {'H', 'A'}
        The acting agent. Single-agent policies are Agent H's.
    name : str
        A short description.

    Raises
    ------
    ValueError
        On bad shapes, negative probabilities, or a row not summing to one (naming the state).
    """

    states: tuple[str, ...]
    actions: tuple[str, ...]
    probabilities: np.ndarray  # [S, A]
    agent: str = "H"
    name: str = ""

    def __post_init__(self) -> None:
        if self.agent not in AGENTS:
            raise ModelError(f"agent must be 'H' or 'A', not {self.agent!r}")
        states, actions = tuple(self.states), tuple(self.actions)
        index_of(states, "state")
        index_of(actions, "action")
        probs = np.array(self.probabilities, dtype=np.float64)
        if probs.shape != (len(states), len(actions)):
            raise ModelError(f"probabilities have shape {probs.shape}, expected {(len(states), len(actions))}")
        if not np.all(np.isfinite(probs)) or probs.min(initial=0) < 0:
            s = int(np.argwhere(~np.isfinite(probs) | (probs < 0))[0, 0])
            raise ModelError(f"state {states[s]!r}: policy probabilities must be finite and non-negative")
        sums = probs.sum(axis=1)
        bad = np.flatnonzero(np.abs(sums - 1) > PROBABILITY_TOLERANCE)
        if bad.size:
            raise ModelError(f"state {states[bad[0]]!r}: policy probabilities sum to {sums[bad[0]]:.12g}, not 1")
        probs.flags.writeable = False
        object.__setattr__(self, "states", states)
        object.__setattr__(self, "actions", actions)
        object.__setattr__(self, "probabilities", probs)

    @classmethod
    def from_dict(
        cls,
        probabilities: Mapping[str, Mapping[str, float]],
        *,
        actions: Sequence[str] | None = None,
        agent: str = "H",
        name: str = "",
    ) -> Policy:
        """Build a policy from ``{state: {action: probability}}`` (missing actions get zero)."""
        states = tuple(probabilities)
        if actions is None:
            seen: dict[str, None] = {}
            for row in probabilities.values():
                seen.update(dict.fromkeys(row))
            actions = tuple(seen)
        positions = index_of(actions, "action")
        table = np.zeros((len(states), len(actions)))
        for s, state in enumerate(states):
            for action, p in probabilities[state].items():
                if action not in positions:
                    raise ModelError(f"state {state!r}: action {action!r} is not in the action list")
                table[s, positions[action]] = float(p)
        return cls(states, tuple(actions), table, agent=agent, name=name)

    def to_dict(self) -> dict[str, dict[str, float]]:
        """``{state: {action: probability}}`` over actions with positive probability."""
        return {
            state: {a: float(p) for a, p in zip(self.actions, row) if p > 0}
            for state, row in zip(self.states, self.probabilities)
        }

    def with_probabilities(self, state: str, probabilities: Mapping[str, float]) -> Policy:
        """A copy with one state's action distribution replaced."""
        table = np.array(self.probabilities)
        s = self.states.index(state)
        table[s] = 0.0
        for action, p in probabilities.items():
            table[s, self.actions.index(action)] = p
        return Policy(self.states, self.actions, table, agent=self.agent, name=edited_name(self.name))


def acting_action_mask(mdp: AnyMDP, agent: str) -> tuple[tuple[str, ...], np.ndarray]:
    """The acting agent's action labels and ``[S, A]`` availability mask in ``mdp``."""
    if isinstance(mdp, JointMDP):
        return mdp.agent_actions(agent), mdp.agent_action_mask(agent)
    return mdp.actions, mdp.action_mask


def acting_agent(mdp: AnyMDP, agent: str) -> str:
    """The agent a policy on ``mdp`` acts for: ``agent`` on a joint MDP, always H on a single-agent one.

    Raises
    ------
    WrongKindError
        If ``mdp`` is not an MDP or joint MDP.
    ModelError
        If ``agent`` is not ``'H'`` or ``'A'``.
    """
    if not isinstance(mdp, (MDP, JointMDP)):
        raise WrongKindError(f"expected an MDP or JointMDP, got {type(mdp).__name__}")
    if agent not in AGENTS:
        raise ModelError(f"agent must be 'H' or 'A', not {agent!r}")
    return agent if isinstance(mdp, JointMDP) else "H"


def policy_name(what: str, mdp: AnyMDP, agent: str) -> str:
    """The name of a policy built for ``mdp``: ``'{what} on {mdp.name}'``, with the agent on a joint MDP.

    Examples
    --------
    >>> from powerplay.model.gridworld import gridworld, joint_gridworld
    >>> policy_name('uniform random', gridworld(1, 2, name='corridor'), 'H')
    'uniform random on corridor'
    >>> policy_name('stays', joint_gridworld(gridworld(1, 2, name='corridor')), 'A')
    'agent A stays on joint corridor'
    """
    who = f"agent {agent} " if isinstance(mdp, JointMDP) else ""
    return f"{who}{what} on {mdp.name}" if mdp.name else f"{who}{what}"


def edited_name(name: str) -> str:
    """A policy's name once it has been edited (marked once, however many edits follow)."""
    return name if name.endswith("(edited)") else f"{name} (edited)".strip()


#: A fallback that spreads a state's probability uniformly over the available actions.
UNIFORM_FALLBACK = "uniform_random"


def choose_actions(
    preferences: Sequence[str],
    actions: Sequence[str],
    mask: np.ndarray,
    states_to_fill: np.ndarray | None = None,
    what: str = "action",
) -> tuple[np.ndarray, np.ndarray]:
    """In each state, probability one on the first preferred action that is available there.

    Parameters
    ----------
    preferences : sequence of str
        Action labels, tried in order; :data:`UNIFORM_FALLBACK` (``'uniform_random'``), allowed
        only last, spreads the state's probability uniformly over its available actions. A
        label that is one of ``actions`` always means that action.
    actions : sequence of str
        ``[A]``, the acting agent's action labels.
    mask : numpy.ndarray of bool
        ``[S, A]``; ``True`` where the action is available.
    states_to_fill : numpy.ndarray of bool, optional
        ``[S]``; only these states are filled (default: all).
    what : str
        How to call a preference in error messages (e.g. ``'fallback'``).

    Returns
    -------
    probabilities : numpy.ndarray
        ``[S, A]``; zero rows for the states not filled.
    unfilled : numpy.ndarray of bool
        ``[S]``, the states in ``states_to_fill`` where no preference was available.

    Raises
    ------
    UnknownLabelError
        If a preference is neither an action nor ``'uniform_random'``.
    ModelError
        If ``'uniform_random'`` is not the last preference.

    Examples
    --------
    >>> mask = np.array([[True, True], [False, True]])
    >>> probs, unfilled = choose_actions(['left', 'stay'], ['left', 'stay'], mask)
    >>> probs.tolist(), unfilled.tolist()
    ([[1.0, 0.0], [0.0, 1.0]], [False, False])
    """
    mask = np.asarray(mask, dtype=bool)
    column = {a: j for j, a in enumerate(actions)}
    unfilled = np.ones(mask.shape[0], dtype=bool) if states_to_fill is None else np.array(states_to_fill, dtype=bool)
    probs = np.zeros(mask.shape)
    for position, choice in enumerate(preferences):
        if choice in column:
            take = unfilled & mask[:, column[choice]]
            probs[take, column[choice]] = 1.0
            unfilled &= ~take
        elif choice == UNIFORM_FALLBACK:
            if position != len(preferences) - 1:
                raise ModelError(f"{what} {UNIFORM_FALLBACK!r} must come last (nothing after it is ever used)")
            rows = mask[unfilled]
            probs[unfilled] = rows / rows.sum(axis=1, keepdims=True)  # every state has an available action
            unfilled[:] = False
        else:
            raise UnknownLabelError(
                f"{what} {choice!r} is not one of the actions {list(actions)} nor {UNIFORM_FALLBACK!r}"
            )
    return probs, unfilled


def as_preferences(fallback: str | Sequence[str] | None) -> list[str]:
    """A ``fallback`` argument (``None``, one label, or a list of labels) as a list of labels."""
    if fallback is None:
        return []
    if isinstance(fallback, str):
        return [fallback]
    if not all(isinstance(item, str) for item in fallback):
        raise ModelError(f"fallback must be an action, a list of actions or {UNIFORM_FALLBACK!r}, not {fallback!r}")
    return list(fallback)


def uniform_random_policy(mdp: AnyMDP, agent: str = "A") -> Policy:
    """The policy that picks uniformly among the acting agent's available actions.

    Parameters
    ----------
    mdp : MDP or JointMDP
    agent : {'H', 'A'}
        The acting agent on a joint MDP. On a single-agent MDP the acting agent is always H
        and ``agent`` is ignored (as in the reference's ``construct_policy_from_mdp``).

    Returns
    -------
    Policy
        Named e.g. ``'agent A uniform random on joint 3x3 gridworld'``.

    Raises
    ------
    WrongKindError
        If ``mdp`` is not an MDP.
    ModelError
        If ``agent`` is not ``'H'`` or ``'A'``.

    Examples
    --------
    >>> from powerplay.model.gridworld import gridworld
    >>> policy = uniform_random_policy(gridworld(1, 2))
    >>> policy.name, policy.to_dict()['(0, 0)']
    ('uniform random on 1x2 gridworld', {'right': 0.5, 'stay': 0.5})
    """
    agent = acting_agent(mdp, agent)
    actions, mask = acting_action_mask(mdp, agent)
    probs = mask / mask.sum(axis=1, keepdims=True)
    return Policy(mdp.states, actions, probs, agent=agent, name=policy_name("uniform random", mdp, agent))


def check_policy_compatible(policy: Policy, mdp: AnyMDP) -> None:
    """Raise ``ValueError`` unless ``policy`` is defined on exactly ``mdp``'s states and actions.

    The policy must list the same states in the same order, use the acting agent's action
    labels, and put probability only on available actions.
    """
    if policy.states != mdp.states:
        missing = [s for s in mdp.states if s not in set(policy.states)]
        extra = [s for s in policy.states if s not in set(mdp.states)]
        detail = (
            f"state {missing[0]!r} of the MDP is missing from the policy"
            if missing
            else f"policy state {extra[0]!r} is not in the MDP"
            if extra
            else "the policy lists the MDP's states in a different order"
        )
        raise ModelError(f"policy {policy.name!r} does not fit MDP {mdp.name!r}: {detail}")
    if not isinstance(mdp, JointMDP) and policy.agent != "H":
        raise ModelError(f"policy {policy.name!r} is for agent A but MDP {mdp.name!r} is single-agent")
    actions, mask = acting_action_mask(mdp, policy.agent)
    if policy.actions != actions:
        raise ModelError(
            f"policy {policy.name!r} has actions {list(policy.actions)} but agent {policy.agent} "
            f"of MDP {mdp.name!r} has {list(actions)}"
        )
    bad = np.argwhere((policy.probabilities > 0) & ~mask)
    if bad.size:
        s, a = bad[0]
        raise ModelError(
            f"policy {policy.name!r}: state {mdp.states[s]!r} gives probability to action "
            f"{actions[a]!r}, which is not available there"
        )


def marginalize(joint: JointMDP, policy: Policy) -> MDP:
    """The other agent's MDP when ``policy``'s agent is folded into ``joint``'s dynamics.

    With Agent A's policy this returns Agent H's MDP, and vice versa. Joint actions absent
    from ``joint`` contribute nothing, so rows may sum to less than one (see module notes).

    Parameters
    ----------
    joint : JointMDP
    policy : Policy
        A policy of agent ``'A'`` or ``'H'`` compatible with ``joint``.

    Returns
    -------
    MDP
        Over ``joint``'s states, with the acting agent's actions; an action is available
        wherever some joint action uses it.
    """
    check_policy_compatible(policy, joint)
    S, AH, AA = joint.action_mask.shape
    acting = "H" if policy.agent == "A" else "A"
    rows = joint.transitions.tocoo()
    s, rest = np.divmod(rows.row, AH * AA)
    h, a = np.divmod(rest, AA)
    if policy.agent == "A":
        weight, acting_action, width = policy.probabilities[s, a], h, AH
    else:
        weight, acting_action, width = policy.probabilities[s, h], a, AA
    folded = sparse.coo_array((rows.data * weight, (s * width + acting_action, rows.col)), shape=(S * width, S))
    return MDP(
        joint.states,
        joint.agent_actions(acting),
        folded,
        joint.agent_action_mask(acting),
        name=f"{joint.name} with agent {policy.agent} following {policy.name}".strip(),
    )


def joint_policy_from_single(
    policy: Policy,
    agent: str = "A",
    joint: JointMDP | None = None,
    fallback: str | Sequence[str] | None = None,
) -> Policy:
    """Lift a single-agent policy to joint states: act on one's own component only.

    Parameters
    ----------
    policy : Policy
        A policy on a single-agent MDP.
    agent : {'H', 'A'}
        Which agent the joint policy is for. In joint state ``'x_H^y_A'`` Agent A uses the
        single-agent distribution at ``y`` (Agent H: at ``x``).
    joint : JointMDP, optional
        The joint MDP the policy is for. The result then has exactly its states (in its order)
        and the agent's actions there, and respects what the agent may do in each joint state
        (see Notes). By default: every ordered pair of single-agent states, H-major, as the
        reference tool builds them, with the single-agent probabilities unchanged.
    fallback : str or list of str, optional
        Only with ``joint``: what to do in a joint state where the single-agent policy puts
        all its probability on actions the agent cannot take there -- an action, a list of
        actions tried in order, or ``'uniform_random'`` (as in
        :func:`powerplay.model.policies.deterministic_policy`). Without it such a state is an
        error.

    Returns
    -------
    Policy
        Agent ``agent``'s policy, named ``'{policy.name} (lifted to agent {agent})'``.

    Raises
    ------
    ModelError
        If a state of ``joint`` is not a joint state of ``policy``'s states, the policy uses an
        action the agent does not have in ``joint``, or (without ``fallback``) it can take none
        of its actions in some joint state.

    Notes
    -----
    A joint MDP may forbid some of the agent's own moves in some joint states (a custom joint
    MDP, or one edited by hand). There the lifted policy is the single-agent distribution
    *conditioned on the actions available*::

        pi(a | s) = pi_single(a | y) / sum_{b available in s} pi_single(b | y),  a available in s

    that is, the probability of the unavailable actions is shared among the available ones in
    proportion to the probabilities the policy already gives them. This is the only rule that
    changes nothing where everything is available and keeps the policy's own preferences among
    what it can still do; "the mover stays instead" would favour one action (which may not
    exist, or be unavailable too) over the policy's own choices. Rows where every action the
    policy uses is available are copied exactly. (:func:`~powerplay.model.gridworld.joint_gridworld`
    of a plain gridworld never forbids an agent's own moves, with any overlap rule, so there
    the lift is a plain copy.)

    Examples
    --------
    >>> single = Policy.from_dict({'a': {'stay': 1.0}, 'b': {'go': 1.0}})
    >>> lifted = joint_policy_from_single(single, agent='A')
    >>> lifted.states
    ('a_H^a_A', 'a_H^b_A', 'b_H^a_A', 'b_H^b_A')
    >>> lifted.to_dict()['a_H^b_A']
    {'go': 1.0}
    """
    if agent not in AGENTS:
        raise ModelError(f"agent must be 'H' or 'A', not {agent!r}")
    if joint is not None:
        if not isinstance(joint, JointMDP):
            raise WrongKindError(f"joint must be a JointMDP, got {type(joint).__name__}")
        states = joint.states
    else:
        states = tuple(joint_label(x, y) for x, y in product(policy.states, policy.states))
    positions = index_of(policy.states, "state")
    own = []
    for state in states:
        pair = split_joint_label(state)
        if pair is None:
            raise ModelError(f"state {state!r} is not a joint state")
        component = pair[1] if agent == "A" else pair[0]
        if component not in positions:
            raise ModelError(f"joint state {state!r}: {component!r} is not a state of policy {policy.name!r}")
        own.append(positions[component])
    name = f"{policy.name} (lifted to agent {agent})".strip()
    rows = policy.probabilities[own]  # [S_joint, A_policy]
    if joint is None:
        return Policy(states, policy.actions, rows, agent=agent, name=name)

    actions, available = acting_action_mask(joint, agent)
    column = {a: j for j, a in enumerate(actions)}
    table = np.zeros((len(states), len(actions)))  # [S, A_agent]
    for j, action in enumerate(policy.actions):
        if action in column:
            table[:, column[action]] = rows[:, j]
        elif np.any(rows[:, j] > 0):
            s = int(np.flatnonzero(rows[:, j] > 0)[0])
            raise ModelError(
                f"joint state {states[s]!r}: policy {policy.name!r} uses action {action!r}, which agent {agent} "
                f"of {joint.name!r} does not have (its actions: {list(actions)})"
            )
    blocked = np.any((table > 0) & ~available, axis=1)  # [S]: rows that need conditioning
    table[blocked] *= available[blocked]
    remaining = table[blocked].sum(axis=1)
    conditioned = np.flatnonzero(blocked)[remaining > 0]
    table[conditioned] /= remaining[remaining > 0, None]
    stuck = np.zeros(len(states), dtype=bool)
    stuck[np.flatnonzero(blocked)[remaining == 0]] = True
    if stuck.any():
        filled, unfilled = choose_actions(as_preferences(fallback), actions, available, stuck, what="fallback")
        table[stuck] = filled[stuck]
        if unfilled.any():
            s = int(np.flatnonzero(unfilled)[0])
            taken = [a for a, p in zip(policy.actions, rows[s]) if p > 0]
            raise ModelError(
                f"joint state {states[s]!r}: agent {agent} can take none of the actions {taken} that policy "
                f"{policy.name!r} uses there ({int(unfilled.sum())} such state(s)); give a fallback, e.g. "
                f"fallback={UNIFORM_FALLBACK!r}"
            )
    lifted = Policy(states, actions, table, agent=agent, name=name)
    check_policy_compatible(lifted, joint)
    return lifted
