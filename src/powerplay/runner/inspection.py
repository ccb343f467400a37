"""Looking inside one reward sample of a finished run: optimal policies and rollouts.

POWER is an average over reward functions; to understand it one often looks at single
samples: which policies were optimal for reward sample ``i``, and what do the agents do when
they follow them? :func:`inspect_sample` rebuilds a run's experiment from its scenario
(:attr:`StoredRun.scenario <powerplay.storage.runs.StoredRun.scenario>`), recomputes the
optimal policies for one reward sample (drawn again from the run's seed), and returns them,
with the sample's rewards and the agents' given policies, as a :class:`SampleInspection`;
:func:`simulate_policy_rollout` plays policies forward on the MDP. (The reference's
dictionary of the same facts is :func:`powerplay.compat.policy.sample_optimal_policy_data_from_run`.)

Which policies (the same ones the run's POWER was computed from), by experiment type:

``single_agent``
    Agent H's optimal policy for its reward sample.
``multiagent_fixed_policy``
    Agent H's optimal policy against Agent A's fixed policy (A's *given* policy).
``multiagent_with_reward``
    Agent H's optimal policy against Agent A's *seed* policy, and Agent A's optimal policy
    (for A's own reward sample) against that H policy; A's seed policy is its given policy.

Tied optimal actions share the probability equally (the engine's tie rule).

Rollouts on a joint MDP
-----------------------
Both agents act at every step: each draws an action from its policy at the current joint
state, and the next joint state is drawn from the joint transition probabilities. The
probability of a joint action that is absent from the joint MDP (for example a move that
would make the agents overlap, in a no-overlap MDP) *leaks*: in POWER calculations it acts
like a move to an absorbing state worth zero (see :mod:`powerplay.model.policy`). In a
rollout the same event ends the episode: :func:`simulate_policy_rollout` stops and returns
the states visited so far, so a rollout can be shorter than ``number_of_steps + 1``. The
same happens for a single-agent MDP with sub-stochastic rows (e.g. one obtained with
:func:`~powerplay.model.policy.marginalize`).

Examples
--------
>>> from powerplay.model.gridworld import gridworld
>>> from powerplay.model.policy import Policy
>>> grid = gridworld(1, 3)
>>> go_right = Policy.from_dict({'(0, 0)': {'right': 1.0}, '(0, 1)': {'right': 1.0}, '(0, 2)': {'stay': 1.0}},
...                             actions=grid.actions)
>>> simulate_policy_rollout('(0, 0)', go_right, grid, number_of_steps=3)
['(0, 0)', '(0, 1)', '(0, 2)', '(0, 2)']
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from ..errors import ModelError
from ..model.mdp import MDP, JointMDP
from ..model.policy import Policy, check_policy_compatible
from ..scenario import Scenario
from ..solvers.values import mask_to_probabilities
from .build import agent_actions, scenario_experiment


class InspectedRun(Protocol):
    """What :func:`inspect_sample` reads of a run (a :class:`~powerplay.storage.runs.StoredRun` has it)."""

    @property
    def name(self) -> str: ...  # pragma: no cover

    @property
    def scenario(self) -> Scenario: ...  # pragma: no cover

    @property
    def states(self) -> tuple[str, ...]: ...  # pragma: no cover

    @property
    def num_samples(self) -> int: ...  # pragma: no cover

    def reward_samples(self, start: int, stop: int) -> dict[str, np.ndarray]: ...  # pragma: no cover


@dataclass(frozen=True)
class SampleInspection:
    """The agents' policies and rewards in one reward sample of a run.

    Attributes
    ----------
    run : str
        The run's name.
    scenario : Scenario
        What the run computed.
    reward_sample_index : int
    mdp : MDP or JointMDP
        The run's environment.
    rewards : dict
        Agent -> ``[S]`` its reward sample (the agents whose rewards the run draws).
    optimal_policies : dict
        Agent -> its optimal :class:`Policy` for this sample (the learning agents, in learning
        order; on joint states for joint MDPs).
    given_policies : dict
        Agent -> the policy it was given: its seed policy (learning chains) or its fixed policy.
    """

    run: str
    scenario: Scenario
    reward_sample_index: int
    mdp: MDP | JointMDP
    rewards: dict[str, np.ndarray]
    optimal_policies: dict[str, Policy]
    given_policies: dict[str, Policy]

    @property
    def final_policies(self) -> dict[str, Policy]:
        """Agent -> the policy it follows once every agent has learned (optimal if it learns, else given)."""
        return {
            agent.name: self.optimal_policies[agent.name] if agent.learns else self.given_policies[agent.name]
            for agent in self.scenario.agents
        }


def _policy(masks: np.ndarray, states, actions, agent: str, name: str) -> Policy:
    probabilities = mask_to_probabilities(np.asarray(masks, dtype=np.uint64), len(actions))
    return Policy(states, actions, probabilities, agent=agent, name=name)


def inspect_sample(
    run: InspectedRun, reward_sample_index: int = 0, workdir: str | Path | None = None
) -> SampleInspection:
    """Reward functions, optimal policies and the MDP of one reward sample of a run.

    Parameters
    ----------
    run : StoredRun
        A finished run (:func:`powerplay.storage.load_run`), or any object with its ``name``,
        ``scenario``, ``states``, ``num_samples`` and ``reward_samples(start, stop)``.
    reward_sample_index : int
        Which reward sample (0-based; drawn again from the run's seed).
    workdir : path, optional
        Where the run's MDP and policy names resolve (``./mdps/``, ``./policies/``);
        default the current directory. Built-in environments resolve anywhere.

    Returns
    -------
    SampleInspection

    Raises
    ------
    ModelError
        If the run has no such reward sample, or its MDP no longer has the run's states.
    """
    count = run.num_samples
    if not 0 <= reward_sample_index < count:
        raise ModelError(
            f"reward_sample_index {reward_sample_index} is out of range: run {run.name} has {count} reward samples"
        )
    scenario = run.scenario
    experiment = scenario_experiment(scenario, workdir=Path.cwd() if workdir is None else Path(workdir))
    if tuple(experiment.states) != tuple(run.states):
        raise ModelError(
            f"run {run.name}: its MDP {experiment.mdp.name!r} no longer has the states the run was computed on"
        )
    i = reward_sample_index
    sample = {agent: np.ascontiguousarray(r) for agent, r in run.reward_samples(i, i + 1).items()}
    masks = experiment.problem().policies(*(sample.get(a) for a in scenario.reward_agents))
    mdp = experiment.mdp
    optimal = {}
    for index, agent in enumerate(scenario.agents):
        if agent.learns:
            optimal[agent.name] = _policy(
                masks[agent.name][0],
                mdp.states,
                agent_actions(mdp, index),
                agent.name,
                f"optimal policy of Agent {agent.name}, reward sample {i}",
            )
    return SampleInspection(
        run=run.name,
        scenario=scenario,
        reward_sample_index=i,
        mdp=mdp,
        rewards={agent: r[0].copy() for agent, r in sample.items()},
        optimal_policies=optimal,
        given_policies=dict(experiment.policies),
    )


def _draw(rng: np.random.Generator, probabilities: np.ndarray) -> int | None:
    """An index drawn with these probabilities, or ``None`` for the leaked remainder."""
    u = rng.random()
    cumulative = np.cumsum(probabilities)
    if cumulative[-1] > 1.0 - 1e-9:  # a full distribution: rounding must not look like a leak
        cumulative = cumulative / cumulative[-1]
    if u >= cumulative[-1]:
        return None
    return int(np.searchsorted(cumulative, u, side="right"))


def _row(transitions, row: int) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = transitions.indptr[row], transitions.indptr[row + 1]
    return transitions.indices[lo:hi], transitions.data[lo:hi]


def simulate_policy_rollout(
    initial_state: str,
    policy: Policy,
    mdp: MDP | JointMDP,
    number_of_steps: int = 20,
    other_policy: Policy | None = None,
    rng: np.random.Generator | None = None,
) -> list[str]:
    """States visited when following ``policy`` (and ``other_policy``, on a joint MDP).

    Parameters
    ----------
    initial_state : str
        Starting state label.
    policy : Policy
        The acting agent's policy (on a joint MDP, one of the two agents' policies).
    mdp : MDP or JointMDP
    number_of_steps : int
        Steps to simulate.
    other_policy : Policy, optional
        Required on a joint MDP: the other agent's policy (the two policies must be one
        Agent H and one Agent A policy, in either order).
    rng : numpy.random.Generator, optional
        Source of randomness; default ``numpy.random.default_rng(0)``.

    Returns
    -------
    list of str
        ``number_of_steps + 1`` states, starting with ``initial_state`` -- fewer if
        probability leaks (an absent joint action or a sub-stochastic row; see module notes),
        in which case the rollout stops at the last state reached.

    Raises
    ------
    ValueError
        If the state is unknown, a policy does not fit the MDP, or a joint MDP lacks one
        agent's policy.
    """
    if number_of_steps < 0:
        raise ModelError(f"number_of_steps must be non-negative, got {number_of_steps}")
    rng = np.random.default_rng(0) if rng is None else rng
    if initial_state not in set(mdp.states):
        raise ModelError(f"initial_state {initial_state!r} is not a state of MDP {mdp.name!r} (e.g. {mdp.states[0]!r})")
    index = {s: i for i, s in enumerate(mdp.states)}
    s = index[initial_state]
    visited = [initial_state]
    if isinstance(mdp, JointMDP):
        if other_policy is None:
            raise ModelError(f"MDP {mdp.name!r} is joint: give both agents' policies (policy and other_policy)")
        by_agent = {policy.agent: policy, other_policy.agent: other_policy}
        if set(by_agent) != {"H", "A"}:
            raise ModelError("on a joint MDP, policy and other_policy must be one Agent H and one Agent A policy")
        for p in by_agent.values():
            check_policy_compatible(p, mdp)
        probs_H, probs_A = by_agent["H"].probabilities, by_agent["A"].probabilities
        width_A = len(mdp.actions_A)
        width = len(mdp.actions_H) * width_A
        for _ in range(number_of_steps):
            h = _draw(rng, probs_H[s])
            a = _draw(rng, probs_A[s])
            if h is None or a is None or not mdp.action_mask[s, h, a]:
                break  # the joint action is absent: its probability leaks, the episode ends
            columns, weights = _row(mdp.transitions, s * width + h * width_A + a)
            if not len(columns):
                break
            nxt = _draw(rng, weights)
            if nxt is None:
                break
            s = int(columns[nxt])
            visited.append(mdp.states[s])
        return visited
    if other_policy is not None:
        raise ModelError(f"MDP {mdp.name!r} is single-agent: it takes one policy")
    check_policy_compatible(policy, mdp)
    width = len(mdp.actions)
    for _ in range(number_of_steps):
        a = _draw(rng, policy.probabilities[s])
        if a is None or not mdp.action_mask[s, a]:
            break
        columns, weights = _row(mdp.transitions, s * width + a)
        nxt = _draw(rng, weights) if len(columns) else None
        if nxt is None:
            break
        s = int(columns[nxt])
        visited.append(mdp.states[s])
    return visited
