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

from ..errors import ModelError

from dataclasses import dataclass
from itertools import product
from typing import Mapping, Sequence

import numpy as np
from scipy import sparse

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
    ) -> "Policy":
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

    def with_probabilities(self, state: str, probabilities: Mapping[str, float]) -> "Policy":
        """A copy with one state's action distribution replaced."""
        table = np.array(self.probabilities)
        s = self.states.index(state)
        table[s] = 0.0
        for action, p in probabilities.items():
            table[s, self.actions.index(action)] = p
        return Policy(self.states, self.actions, table, agent=self.agent, name=self.name)


def acting_action_mask(mdp: AnyMDP, agent: str) -> tuple[tuple[str, ...], np.ndarray]:
    """The acting agent's action labels and ``[S, A]`` availability mask in ``mdp``."""
    if isinstance(mdp, JointMDP):
        return mdp.agent_actions(agent), mdp.agent_action_mask(agent)
    return mdp.actions, mdp.action_mask


def uniform_random_policy(mdp: AnyMDP, agent: str = "A") -> Policy:
    """The policy that picks uniformly among the acting agent's available actions.

    For a single-agent MDP the acting agent is always H and ``agent`` is ignored (as in the
    reference's ``construct_policy_from_mdp``).
    """
    agent = agent if isinstance(mdp, JointMDP) else "H"
    actions, mask = acting_action_mask(mdp, agent)
    probs = mask / mask.sum(axis=1, keepdims=True)
    return Policy(mdp.states, actions, probs, agent=agent, name=f"{mdp.name} uniform random (agent {agent})".strip())


def check_policy_compatible(policy: Policy, mdp: AnyMDP) -> None:
    """Raise ``ValueError`` unless ``policy`` is defined on exactly ``mdp``'s states and actions.

    The policy must list the same states in the same order, use the acting agent's action
    labels, and put probability only on available actions.
    """
    if policy.states != mdp.states:
        missing = [s for s in mdp.states if s not in set(policy.states)]
        extra = [s for s in policy.states if s not in set(mdp.states)]
        detail = (
            f"state {missing[0]!r} of the MDP is missing from the policy" if missing
            else f"policy state {extra[0]!r} is not in the MDP" if extra
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
    folded = sparse.coo_array(
        (rows.data * weight, (s * width + acting_action, rows.col)), shape=(S * width, S)
    )
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
        Restrict to (and order as) this joint MDP's states. By default every ordered pair of
        single-agent states, H-major, as the reference tool builds them.

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
    return Policy(states, policy.actions, policy.probabilities[own], agent=agent, name=policy.name)
