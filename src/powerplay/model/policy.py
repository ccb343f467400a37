"""Policies of one agent, and folding one agent's policy into a joint MDP.

A :class:`Policy` gives, for every state of an MDP, a probability distribution over the
acting agent's *own* actions. On a joint MDP its states are joint states and its actions
are the acting agent's single-agent actions (as in the reference tool's policy graphs).

Marginalising an agent out
--------------------------
:func:`marginalize` folds one agent's policy into a joint MDP's dynamics. With two agents, a
joint MDP plus Agent A's policy gives Agent H's single-agent MDP (or the reverse)::

    P_H(s' | s, a_H) = sum_{a_A} pi_A(a_A | s) * P(s' | s, a_H, a_A)

With more agents the result is the joint MDP of the remaining agents (the same sum over the
removed agent's actions), so agents can be folded in one at a time.

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
from .labels import DEFAULT_AGENTS, check_agent_name, check_agent_names, index_of, joint_label, split_joint_label
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
    agent : str
        The acting agent: any agent name (a letter, then letters or digits), checked against
        an MDP by :func:`check_policy_compatible`. Single-agent policies are Agent H's.
    name : str
        A short description.

    Raises
    ------
    ValueError
        On bad shapes, negative probabilities, or a row not summing to one (naming the state),
        or a malformed agent name.
    """

    states: tuple[str, ...]
    actions: tuple[str, ...]
    probabilities: np.ndarray  # [S, A]
    agent: str = "H"
    name: str = ""

    def __post_init__(self) -> None:
        check_agent_name(self.agent)
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
        If ``agent`` is not a valid agent name; on a joint MDP an
        :class:`~powerplay.errors.UnknownLabelError` if it is not one of its agents.

    Examples
    --------
    >>> from powerplay.model.gridworld import gridworld, joint_gridworld
    >>> acting_agent(joint_gridworld(gridworld(1, 3), agents=('H', 'A', 'B')), 'B')
    'B'
    >>> acting_agent(gridworld(1, 3), 'B')
    'H'
    """
    if not isinstance(mdp, (MDP, JointMDP)):
        raise WrongKindError(f"expected an MDP or JointMDP, got {type(mdp).__name__}")
    check_agent_name(agent)
    if isinstance(mdp, JointMDP):
        mdp.agent_index(agent)  # raises, naming the MDP's agents
        return agent
    return "H"


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
    agent : str
        The acting agent on a joint MDP (any of its agents). On a single-agent MDP the acting
        agent is always H and ``agent`` is ignored (as in the reference's
        ``construct_policy_from_mdp``).

    Returns
    -------
    Policy
        Named e.g. ``'agent A uniform random on joint 3x3 gridworld'``.

    Raises
    ------
    WrongKindError
        If ``mdp`` is not an MDP.
    ModelError
        If ``agent`` is not an agent of a joint ``mdp`` (see :func:`acting_agent`).

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

    The policy must list the same states in the same order, be for one of the MDP's agents
    (Agent H on a single-agent MDP), use that agent's action labels, and put probability only
    on available actions.

    Raises
    ------
    ModelError
        One line naming the policy, the MDP and the state, agent or action at fault.
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
        raise ModelError(f"policy {policy.name!r} is for agent {policy.agent} but MDP {mdp.name!r} is single-agent")
    if isinstance(mdp, JointMDP) and policy.agent not in mdp.agents:
        raise ModelError(
            f"policy {policy.name!r} is for agent {policy.agent}, which is not an agent of MDP {mdp.name!r} "
            f"(its agents: {', '.join(mdp.agents)})"
        )
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


def marginalize(joint: JointMDP, policy: Policy) -> MDP | JointMDP:
    """Fold ``policy``'s agent into ``joint``'s dynamics: the MDP of the remaining agents.

    With two agents, Agent A's policy gives Agent H's single-agent MDP, and vice versa. With
    more, the removed agent's actions are summed over with the policy's weights and the
    result is the joint MDP of the others (in their order)::

        P(s' | s, a_rest) = sum_{a_k} pi_k(a_k | s) * P(s' | s, a_1, ..., a_n)

    Joint actions absent from ``joint`` contribute nothing, so rows may sum to less than one
    (see module notes). A remaining (joint) action is available wherever some joint action
    of ``joint`` uses it. For two agents the arrays are exactly those of the two-agent rule
    (same entries, same floating-point products, same order).

    Parameters
    ----------
    joint : JointMDP
    policy : Policy
        A policy of one of ``joint``'s agents, compatible with ``joint``.

    Returns
    -------
    MDP or JointMDP
        Over ``joint``'s states: a single-agent :class:`MDP` with the remaining agent's
        actions when one agent remains, else a :class:`JointMDP` of the remaining agents.
        Named ``'{joint.name} with agent {k} following {policy.name}'``.

    Raises
    ------
    ModelError
        If the policy does not fit ``joint`` (see :func:`check_policy_compatible`).

    Examples
    --------
    >>> from powerplay.model.gridworld import gridworld, joint_gridworld
    >>> joint = joint_gridworld(gridworld(1, 3), agents=('H', 'A', 'B'), interaction='remove')
    >>> rest = marginalize(joint, uniform_random_policy(joint, 'B'))
    >>> rest.agents, rest.num_states == joint.num_states
    (('H', 'A'), True)
    >>> single = marginalize(rest, uniform_random_policy(rest, 'A'))
    >>> single.actions, bool(single.is_stochastic)
    (('up', 'down', 'left', 'right', 'stay'), False)
    """
    if not isinstance(joint, JointMDP):
        raise WrongKindError(f"marginalize needs a JointMDP, got {type(joint).__name__}")
    check_policy_compatible(policy, joint)
    k = joint.agent_index(policy.agent)
    shape = joint.action_shape
    S = joint.num_states
    rest_agents = tuple(agent for j, agent in enumerate(joint.agents) if j != k)
    rest_shape = tuple(size for j, size in enumerate(shape) if j != k)
    width = int(np.prod(rest_shape, dtype=np.int64))
    rows = joint.transitions.tocoo()
    s, joint_action = np.divmod(rows.row, joint.num_joint_actions)
    if len(shape) == 2:  # (the two-agent arithmetic, kept as it was)
        h, a = np.divmod(joint_action, shape[1])
        removed, acting = (a, h) if k == 1 else (h, a)
    else:
        per_agent = np.unravel_index(joint_action, shape)
        removed = per_agent[k]
        acting = np.ravel_multi_index(tuple(p for j, p in enumerate(per_agent) if j != k), rest_shape)
    weight = policy.probabilities[s, removed]
    folded = sparse.coo_array((rows.data * weight, (s * width + acting, rows.col)), shape=(S * width, S))
    mask = np.asarray(joint.action_mask.any(axis=1 + k))
    name = f"{joint.name} with agent {policy.agent} following {policy.name}".strip()
    if len(rest_agents) == 1:
        return MDP(joint.states, joint.actions_by_agent[1 - k], folded, mask, name=name)
    rest_actions = tuple(actions for j, actions in enumerate(joint.actions_by_agent) if j != k)
    return JointMDP(joint.states, rest_agents, rest_actions, folded, mask, name=name)


def marginalize_to_mdp(joint: JointMDP, policy: Policy) -> MDP:
    """:func:`marginalize` where one agent remains: its single-agent :class:`MDP` (typed as such).

    For two-agent code (the other agent's policy folded into a two-agent joint MDP).

    Raises
    ------
    WrongKindError
        If more than one agent remains (fold the others in first, with :func:`marginalize`).

    Examples
    --------
    >>> from powerplay.model.gridworld import gridworld, joint_gridworld
    >>> joint = joint_gridworld(gridworld(1, 3))
    >>> marginalize_to_mdp(joint, uniform_random_policy(joint, 'A')).actions
    ('up', 'down', 'left', 'right', 'stay')
    """
    folded = marginalize(joint, policy)
    if not isinstance(folded, MDP):
        raise WrongKindError(
            f"folding agent {policy.agent} into joint MDP {joint.name!r} leaves the agents "
            f"{', '.join(folded.agents)}, not one: fold the others in too (marginalize)"
        )
    return folded


def joint_policy_from_single(
    policy: Policy,
    agent: str = "A",
    joint: JointMDP | None = None,
    fallback: str | Sequence[str] | None = None,
    *,
    agents: Sequence[str] | None = None,
) -> Policy:
    """Lift a single-agent policy to joint states: act on one's own component only.

    Parameters
    ----------
    policy : Policy
        A policy on a single-agent MDP.
    agent : str
        Which agent the joint policy is for. In joint state ``'x_H^y_A'`` Agent A uses the
        single-agent distribution at ``y`` (Agent H: at ``x``); with more agents, each uses
        its own part of the joint state.
    joint : JointMDP, optional
        The joint MDP the policy is for. The result then has exactly its states (in its order)
        and the agent's actions there, and respects what the agent may do in each joint state
        (see Notes). By default: every tuple of single-agent states, one per agent, in C order
        (two agents: every ordered pair, H-major, as the reference tool builds them), with the
        single-agent probabilities unchanged.
    fallback : str or list of str, optional
        Only with ``joint``: what to do in a joint state where the single-agent policy puts
        all its probability on actions the agent cannot take there -- an action, a list of
        actions tried in order, or ``'uniform_random'`` (as in
        :func:`powerplay.model.policies.deterministic_policy`). Without it such a state is an
        error.
    agents : sequence of str, optional
        The agents of the joint states (default: ``joint``'s, else ``('H', 'A')``).

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
    >>> trio = joint_policy_from_single(single, agent='B', agents=('H', 'A', 'B'))
    >>> len(trio.states), trio.to_dict()['b_H^a_A^b_B']
    (8, {'go': 1.0})
    """
    check_agent_name(agent)
    if joint is not None:
        if not isinstance(joint, JointMDP):
            raise WrongKindError(f"joint must be a JointMDP, got {type(joint).__name__}")
        if agents is not None and tuple(agents) != joint.agents:
            raise ModelError(f"agents {list(agents)} differ from the joint MDP's agents {list(joint.agents)}")
        agents = joint.agents
        states = joint.states
    else:
        agents = check_agent_names(DEFAULT_AGENTS if agents is None else agents)
        states = tuple(joint_label(parts, agents) for parts in product(policy.states, repeat=len(agents)))
    if agent not in agents:
        raise ModelError(f"agent {agent!r} is not one of the agents {', '.join(agents)}")
    k = agents.index(agent)
    positions = index_of(policy.states, "state")
    own = []
    for state in states:
        parts = split_joint_label(state, agents)
        if parts is None:
            raise ModelError(f"state {state!r} is not a joint state of the agents {', '.join(agents)}")
        component = parts[k]
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
