"""Counter-optimisation rounds of the learning chain (``rounds: K``), in the solver.

Hand-built one-shot games whose best-response dynamics are worked out below (a fixed point at a
known round, a cycle), cross-checks against a plain dense implementation of the rounds protocol
(tests/naive_rounds.py) for two, three and four agents, ``rounds: 0`` unchanged bit for bit, and
bit-identity of POWER and outcomes for any batch split.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from naive_rounds import rounds_power
from scipy import sparse

from powerplay.errors import ModelError
from powerplay.model.gridworld import gridworld, joint_gridworld
from powerplay.model.mdp import JointMDP
from powerplay.model.policies import random_deterministic_policy
from powerplay.model.policy import uniform_random_policy
from powerplay.solvers.power import LearningChainProblem, MultiAgentProblem
from powerplay.solvers.values import SolverSettings

TIGHT = SolverSettings(tolerance=1e-7, policy_tolerance=1e-11, tie_tolerance=1e-10)
NAIVE_ERROR = 1e-9
RNG = np.random.default_rng(21)


def one_shot_game(agents, num_actions):
    """A joint MDP of a one-shot game: from ``start`` every joint action leads to its own absorbing
    outcome state ``o{a_1}{a_2}...`` (where every action stays). With rewards on the outcomes,
    POWER at ``start`` is the reward of the outcome the agents' policies choose (at any discount
    rate: ``(1 - g) * C(start) = (1 - g) * R(o) / (1 - g)``)."""
    outcomes = list(itertools.product(*(range(m) for m in num_actions)))
    states = ("start", *("o" + "".join(map(str, o)) for o in outcomes))
    S, J = len(states), int(np.prod(num_actions))
    rows, cols = [], []
    for s in range(S):
        for j, _outcome in enumerate(outcomes):
            rows.append(s * J + j)
            cols.append(1 + j if s == 0 else s)  # start -> the outcome; an outcome stays
    transitions = sparse.csr_array((np.ones(len(rows)), (rows, cols)), shape=(S * J, S))
    mask = np.ones((S, *num_actions), dtype=bool)
    actions = tuple(tuple(f"{a.lower()}{i}" for i in range(m)) for a, m in zip(agents, num_actions))
    return JointMDP(states, tuple(agents), actions, transitions, mask, "one-shot game"), outcomes


def outcome_rewards(outcomes, payoff):
    """``[1, S]`` rewards: 0 at ``start``, ``payoff(outcome)`` at each outcome."""
    return np.array([[0.0, *(payoff(o) for o in outcomes)]])


def actions_at_start(masks):
    """The actions each agent's tie mask at ``start`` allows: ``{agent: (actions,)}``."""
    return {a: tuple(i for i in range(64) if int(m[0, 0]) >> i & 1) for a, m in masks.items()}


# -- hand-built games --------------------------------------------------------------------------

#: H's payoffs over (H's action, A's action) with A's actions 0, 1, 2: against A's uniform seed H
#: prefers 1 (0.6 against 1/3); A matches H (payoff 1 for equal actions, so A's 2 is never best).
SETTLE_H = {(0, 0): 0.5, (1, 0): 0.4, (0, 1): 0.5, (1, 1): 0.4, (0, 2): 0.0, (1, 2): 1.0}


def settle_game():
    joint, outcomes = one_shot_game(("H", "A"), (2, 3))
    rewards = {
        "H": outcome_rewards(outcomes, lambda o: SETTLE_H[o]),
        "A": outcome_rewards(outcomes, lambda o: float(o[0] == o[1])),
    }
    return joint, outcomes, rewards


@pytest.mark.parametrize("gamma", [0.0, 0.5, 0.9])
def test_round_one_changes_h_and_the_game_settles_at_round_two(gamma):
    """Round 0: H against A's uniform seed picks 1 (0.6 > 1/3), A matches: (1, 1). Round 1: H's best
    response to A = 1 is 0 (0.5 > 0.4), A matches: (0, 0). Round 2: H's best response to A = 0 is
    still 0 (0.5 > 0.4), so nothing changes: a fixed point at round 2, the equilibrium (0, 0)."""
    joint, _outcomes, rewards = settle_game()
    seed = uniform_random_policy(joint, "A")
    expected = {  # rounds -> (H's action, A's action, fixed-point round)
        0: (1, 1, None),
        1: (0, 0, 0),
        2: (0, 0, 2),
        5: (0, 0, 2),
    }
    for K, (h, a, fixed) in expected.items():
        problem = MultiAgentProblem(joint, seed, gamma, gamma, rounds=K)
        batch = problem.solve(rewards["H"], rewards["A"])
        assert actions_at_start(problem.policies(rewards)) == {"H": (h,), "A": (a,)}
        # POWER at start is the chosen outcome's reward; at an outcome its own reward.
        assert batch.power["H"][0, 0] == pytest.approx(SETTLE_H[(h, a)], abs=1e-12)
        assert batch.power["A"][0, 0] == pytest.approx(1.0, abs=1e-12)
        np.testing.assert_allclose(batch.power["H"][0, 1:], rewards["H"][0, 1:], atol=1e-12)
        if K == 0:
            assert batch.rounds is None and "H_rounds" not in batch.convergence
            continue
        outcome = batch.rounds
        assert outcome.rounds == K
        assert outcome.fixed_point.tolist() == [fixed]
        assert outcome.cycle.tolist() == outcome.period.tolist() == [0]
        assert outcome.unsettled.tolist() == [fixed == 0]
        # Round 1 re-trains H and A; round 2 only H (A's re-training would face what it faced).
        assert outcome.retrainings.tolist() == [2 if K == 1 else 3]


def pennies(agents):
    """Each agent after the first matches the agent before it; the first wants to differ from the
    last, preferring to play 1 against 0 (payoff 1) over 0 against 1 (payoff 0.9)."""
    joint, outcomes = one_shot_game(agents, (2,) * len(agents))

    def first(o):
        return 0.0 if o[0] == o[-1] else (1.0 if o[0] == 1 else 0.9)

    rewards = {agents[0]: outcome_rewards(outcomes, first)}
    for k, agent in enumerate(agents[1:], start=1):
        rewards[agent] = outcome_rewards(outcomes, lambda o, k=k: float(o[k] == o[k - 1]))
    return joint, outcomes, rewards


@pytest.mark.parametrize("agents", [("H", "A"), ("H", "A", "B")])
def test_matching_pennies_cycles_with_period_two_and_stops(agents):
    """Round 0: against uniform seeds the first agent prefers 1 (0.5 > 0.45) and everyone matches:
    all 1. Round 1: the first agent's best response to 1 is 0 and everyone follows: all 0. Round 2:
    back to all 1, the profile of round 0 -- a cycle of period 2 found at round 2, whatever the
    rounds asked for; POWER uses round 2's profile."""
    joint, _outcomes, rewards = pennies(agents)
    seeds = {a: uniform_random_policy(joint, a) for a in agents[1:]}
    gammas = dict.fromkeys(agents, 0.9)
    for K in (1, 2, 3, 50):
        problem = LearningChainProblem(joint, agents, gammas, seeds, rounds=K)
        batch = problem.solve(rewards)
        profile = 0 if K == 1 else 1
        assert actions_at_start(problem.policies(rewards)) == dict.fromkeys(agents, (profile,))
        assert batch.rounds.cycle.tolist() == [0 if K == 1 else 2]
        assert batch.rounds.period.tolist() == [0 if K == 1 else 2]
        assert batch.rounds.fixed_point.tolist() == [0]
        assert batch.rounds.retrainings.tolist() == [len(agents) * min(K, 2)]
        # The others copy the first agent, so it never differs from the last: 0 whatever the round.
        assert batch.power[agents[0]][0, 0] == pytest.approx(0.0, abs=1e-12)
        for agent in agents[1:]:
            assert batch.power[agent][0, 0] == pytest.approx(1.0, abs=1e-12)


def test_a_tie_set_equilibrium_is_a_fixed_point_at_round_one():
    """Symmetric matching pennies: every agent is indifferent against uniform play, so the chain's
    tie sets are both actions for everyone, and that profile is a best response to itself."""
    joint, outcomes = one_shot_game(("H", "A"), (2, 2))
    rewards = {
        "H": outcome_rewards(outcomes, lambda o: float(o[0] != o[1])),
        "A": outcome_rewards(outcomes, lambda o: float(o[0] == o[1])),
    }
    problem = MultiAgentProblem(joint, uniform_random_policy(joint, "A"), 0.5, 0.5, rounds=3)
    batch = problem.solve(rewards)
    assert actions_at_start(problem.policies(rewards)) == {"H": (0, 1), "A": (0, 1)}
    assert batch.rounds.fixed_point.tolist() == [1]
    assert batch.rounds.retrainings.tolist() == [1]
    assert batch.power["H"][0, 0] == pytest.approx(0.5, abs=1e-12)


# -- against the plain implementation ---------------------------------------------------------


def _assert_matches_naive(joint, order, gammas, seeds, rewards, rounds, settings=TIGHT):
    problem = LearningChainProblem(joint, order, gammas, seeds, settings=settings, rounds=rounds)
    batch = problem.solve(rewards)
    expected, ties, outcome = rounds_power(
        joint, order, gammas, {a: p.probabilities for a, p in seeds.items()}, rewards, rounds, settings.tie_tolerance
    )
    for name in ("fixed_point", "cycle", "period"):
        np.testing.assert_array_equal(getattr(batch.rounds, name), outcome[name], err_msg=name)
    scale = 1.0 + max(np.abs(r).max() for r in rewards.values())
    for agent in order:
        error = np.abs(batch.power[agent] - expected[agent]).max(axis=1)
        assert np.all(error <= batch.convergence[agent].bound + NAIVE_ERROR * scale), agent
    for agent, masks in problem.policies(rewards).items():
        bits = (masks[..., None] >> np.arange(ties[agent].shape[2], dtype=np.uint64)) & np.uint64(1)
        np.testing.assert_array_equal(bits.astype(bool), ties[agent], err_msg=agent)
    return batch


@pytest.mark.parametrize(
    ("agents", "rule", "noise", "cells"),
    [
        (("H", "A"), "remove", 0.0, (2, 3)),
        (("H", "A"), "allow", 0.1, (2, 2)),
        (("H", "A", "B"), "remove", 0.0, (1, 3)),
        (("H", "A", "B"), "allow", 0.1, (1, 3)),
        (("H", "A", "B"), "block", 0.0, (2, 2)),
    ],
    ids=["two-remove", "two-noisy", "three-remove", "three-noisy", "three-block-2x2"],
)
def test_rounds_match_the_plain_implementation(agents, rule, noise, cells):
    """Outcomes (fixed-point round, cycle round and period) exactly, final tie sets exactly, POWER
    within the reported bounds; uniform and deterministic seeds, continuous and Bernoulli rewards
    (exact ties)."""
    joint = joint_gridworld(gridworld(*cells, stochastic_noise_level=noise), agents=agents, interaction=rule)
    gammas = dict(zip(agents, (0.9, 0.75, 0.95)))
    rng = np.random.default_rng(7)  # the case's own draws, whatever ran before it
    seen = {"fixed": 0, "cycle": 0, "unsettled": 0}
    for seeds, rewards in (
        (
            {a: uniform_random_policy(joint, a) for a in agents[1:]},
            {a: rng.random((6, joint.num_states)) for a in agents},
        ),
        (
            {a: random_deterministic_policy(joint, a, seed=i) for i, a in enumerate(agents[1:])},
            {a: (rng.random((6, joint.num_states)) < 0.3).astype(float) for a in agents},
        ),
    ):
        batch = _assert_matches_naive(joint, agents, gammas, seeds, rewards, rounds=6)
        seen["fixed"] += int((batch.rounds.fixed_point > 0).sum())
        seen["cycle"] += int((batch.rounds.cycle > 0).sum())
        seen["unsettled"] += int(batch.rounds.unsettled.sum())
    assert seen["fixed"] + seen["cycle"] > 0, seen  # the comparison covered a stopping rule


def test_four_agents_and_a_learning_order_other_than_the_joint_order_match_the_plain_implementation():
    four = joint_gridworld(gridworld(1, 4), agents=("H", "A", "B", "C"), interaction="block")
    order = ("B", "H", "C", "A")
    rewards = {a: RNG.random((4, four.num_states)) for a in order}
    seeds = {a: uniform_random_policy(four, a) for a in order[1:]}
    _assert_matches_naive(four, order, dict(zip(order, (0.6, 0.9, 0.8, 0.7))), seeds, rewards, rounds=4)


# -- reproducibility, rounds 0, errors ---------------------------------------------------------


def test_rounds_zero_is_the_learning_chain_bit_for_bit():
    joint = joint_gridworld(gridworld(2, 2, stochastic_noise_level=0.1), agents=("H", "A", "B"))
    seeds = {a: uniform_random_policy(joint, a) for a in ("A", "B")}
    rewards = {a: RNG.random((9, joint.num_states)) for a in ("H", "A", "B")}
    plain = LearningChainProblem(joint, ("H", "A", "B"), [0.9] * 3, seeds, diagnostic=True).solve(rewards)
    zero = LearningChainProblem(joint, ("H", "A", "B"), [0.9] * 3, seeds, diagnostic=True, rounds=0).solve(rewards)
    assert zero.rounds is None and list(zero.convergence) == list(plain.convergence)
    for key in plain.power:
        assert np.array_equal(plain.power[key], zero.power[key]), key


def test_outcomes_and_power_are_bit_identical_for_any_batch_split():
    """Samples leave the batch as they settle; each sample's numbers must not depend on which
    others shared its batch, so any split gives the same bits."""
    joint = joint_gridworld(gridworld(2, 3), agents=("H", "A"), interaction="remove")
    problem = LearningChainProblem(
        joint, ("H", "A"), [0.9, 0.9], [uniform_random_policy(joint, "A")], diagnostic=True, rounds=8
    )
    rng = np.random.default_rng(5)
    rewards = {a: rng.random((40, joint.num_states)) for a in ("H", "A")}
    whole = problem.solve(rewards)
    parts = [problem.solve({a: r[lo:hi] for a, r in rewards.items()}) for lo, hi in ((0, 1), (1, 13), (13, 40))]
    assert len({int(x) for x in whole.rounds.fixed_point}) > 1 and whole.rounds.cycle.any()
    for key, power in whole.power.items():
        assert np.array_equal(power, np.concatenate([p.power[key] for p in parts])), key
    for name in ("fixed_point", "cycle", "period", "retrainings"):
        joined = np.concatenate([getattr(p.rounds, name) for p in parts])
        assert np.array_equal(getattr(whole.rounds, name), joined), name
    for stage, conv in whole.convergence.items():
        assert np.array_equal(conv.bound, np.concatenate([p.convergence[stage].bound for p in parts])), stage
        assert np.array_equal(conv.iterations, np.concatenate([p.convergence[stage].iterations for p in parts]))


@pytest.mark.parametrize("bad", [-1, 1.5, True, "3", 10**6])
def test_bad_round_counts_are_refused_naming_rounds(bad):
    joint = joint_gridworld(gridworld(1, 2))
    with pytest.raises(ModelError, match="rounds") as error:
        MultiAgentProblem(joint, uniform_random_policy(joint, "A"), 0.9, 0.9, rounds=bad)
    assert error.value.field == "rounds"


@pytest.mark.parametrize(("agents", "noise"), [(("H", "A"), 0.1), (("H", "A", "B"), 0.1), (("H", "A", "B"), 0.0)])
def test_a_round_s_response_of_the_last_agent_is_its_chain_stage(agents, noise):
    """The rounds skip re-trainings whose inputs are unchanged, the last agent's first one included
    (its chain stage already was a response on the full joint MDP): the two must agree on the masks
    (to the bit) and on the values (to the bit for value iteration; within the certified bounds for
    policy iteration, warm-started from the stage's masks, whose pure policy may split ties
    differently)."""
    joint = joint_gridworld(gridworld(2, 2, stochastic_noise_level=noise), agents=agents, interaction="allow")
    seeds = {a: uniform_random_policy(joint, a) for a in agents[1:]}
    problem = LearningChainProblem(joint, agents, [0.9] * len(agents), seeds, rounds=1)
    rng = np.random.default_rng(8)
    rewards = {a: rng.random((7, joint.num_states)) for a in agents}
    centred, _, policies, trained, _ = problem._learn(rewards)
    last = agents[-1]
    others = [policies[a] for a in joint.agents if a != last]
    policy, continuation, conv = problem._respond(
        last, problem.joint, problem.round_groups[-1], others, centred[last], warm=policies[last], incremental=True
    )
    assert np.array_equal(policy, policies[last])
    if problem.round_groups[-1] is not None:  # value iteration: the chain stage's operations
        assert np.array_equal(continuation, trained[last][0])
        assert np.array_equal(conv.bound, trained[last][1].bound)
    else:  # policy iteration warm-started from the stage's masks: the same masks, values to rounding
        bound = np.maximum(conv.bound, trained[last][1].bound)[:, None]
        assert np.all(np.abs(continuation - trained[last][0]) * (1 - 0.9) <= 2 * bound)
        assert np.all(conv.iterations == 1)  # already optimal: one improvement pass finds nothing
