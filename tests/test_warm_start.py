"""Warm-started best responses (policy iteration from a given policy), as the rounds use them.

A warm start must change only the work, never the answer: on random small joint MDPs
(deterministic and stochastic rows, a state where some joint actions are missing, continuous and
Bernoulli rewards with exact ties) and on the Part 3 no-overlap 7x7 maze, a best response started
from any tie masks gives the cold start's tie masks bit for bit, and values and continuation within
the two certified bounds; started from the answer itself it takes one improvement pass.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import sparse

from powerplay.errors import ModelError
from powerplay.model.environments import load_mdp
from powerplay.model.mdp import JointMDP
from powerplay.solvers.structure import JointStructure
from powerplay.solvers.values import SolverSettings, best_response

SETTINGS = SolverSettings()


def random_joint(rng: np.random.Generator, num_states: int, num_actions: tuple[int, ...], stochastic: bool) -> JointMDP:
    """A joint MDP with random rows: each (state, joint action) leads to one random next state, or
    (``stochastic``) to up to three with random probabilities; in state 0 the first agent's last
    action is missing against the second agent's action 0 (a joint action that leaks no row)."""
    agents = ("H", "A", "B")[: len(num_actions)]
    J = int(np.prod(num_actions))
    dense = np.zeros((num_states * J, num_states))
    for row in range(num_states * J):
        targets = rng.choice(num_states, size=rng.integers(1, 4) if stochastic else 1, replace=False)
        dense[row, targets] = rng.dirichlet(np.ones(len(targets)))
    mask = np.ones((num_states, *num_actions), dtype=bool)
    missing = (0, num_actions[0] - 1, 0, *([0] * (len(num_actions) - 2)))
    mask[missing] = False
    dense[np.ravel_multi_index(missing, (num_states, *num_actions))] = 0.0
    states = tuple(f"s{i}" for i in range(num_states))
    actions = tuple(tuple(f"{a.lower()}{i}" for i in range(m)) for a, m in zip(agents, num_actions))
    return JointMDP(states, agents, actions, sparse.csr_array(dense), mask, "random joint MDP")


def random_masks(rng: np.random.Generator, shape: tuple[int, int], num_actions: int) -> np.ndarray:
    """Random non-empty tie masks ``[B, S]`` over ``num_actions`` actions."""
    masks = rng.integers(1, 2**num_actions, size=shape).astype(np.uint64)
    return masks


def assert_warm_is_cold(joint, agent, others, rewards, gamma, warm):
    """Warm and cold starts agree: tie masks bit for bit, values within the certified bounds."""
    cold_values, cold_cont, cold_policy, cold_conv = best_response(joint, agent, others, rewards, gamma, SETTINGS)
    values, cont, policy, conv = best_response(joint, agent, others, rewards, gamma, SETTINGS, warm)
    np.testing.assert_array_equal(policy, cold_policy)
    both = (conv.bound + cold_conv.bound)[:, None]
    assert np.all((1 - gamma) * np.abs(cont - cold_cont) <= both)
    assert np.all((1 - gamma) * np.abs(values - cold_values) <= both)
    assert np.all(conv.bound <= 1e-10) and not conv.capped.any()
    return cold_policy, conv


CASES = list(itertools.product([(2, 3), (3, 2), (2, 2, 2)], [False, True], [0.5, 0.9, 0.99]))


@pytest.mark.parametrize(("num_actions", "stochastic", "gamma"), CASES)
def test_warm_starts_give_the_cold_start_s_tie_masks_on_random_joint_mdps(num_actions, stochastic, gamma):
    rng = np.random.default_rng([21, len(num_actions), num_actions[0], stochastic, int(100 * gamma)])
    mdp = random_joint(rng, 12, num_actions, stochastic)
    joint = JointStructure(mdp)
    B, S = 16, mdp.num_states
    for agent_position, agent in enumerate(mdp.agents):
        width = num_actions[agent_position]
        other_actions = [m for i, m in enumerate(num_actions) if i != agent_position]
        continuous = rng.random((B, S))
        bernoulli = (rng.random((B, S)) < 0.3).astype(float)  # exact ties between actions
        for rewards in (continuous, bernoulli):
            others = [random_masks(rng, (B, S), m) for m in other_actions]
            # From random policies, from everything tied, from a single action everywhere.
            for warm in (
                random_masks(rng, (B, S), width),
                np.full((B, S), 2**width - 1, dtype=np.uint64),
                np.full((B, S), 1 << (width - 1), dtype=np.uint64),
            ):
                assert_warm_is_cold(joint, agent, others, rewards, gamma, warm)
            # From the answer to other policies of the others (as in a round), then from the answer itself.
            _, _, previous, _ = best_response(
                joint, agent, [random_masks(rng, (B, S), m) for m in other_actions], rewards, gamma, SETTINGS
            )
            answer, _ = assert_warm_is_cold(joint, agent, others, rewards, gamma, previous)
            _, conv = assert_warm_is_cold(joint, agent, others, rewards, gamma, answer)
            assert np.all(conv.iterations == 1)


def test_warm_starts_give_the_cold_start_s_tie_masks_on_the_part_3_maze():
    """The no-overlap 7x7 maze (930 joint states) at gamma 0.9 and 0.99: H against A's answers,
    warm-started from H's answer to A's earlier policy, as in the rounds, and from the answer."""
    mdp = load_mdp("joint_7x7_gridworld_maze_no_overlaps")
    joint = JointStructure(mdp)
    rng = np.random.default_rng(2021)
    B, S = 6, mdp.num_states
    for gamma in (0.9, 0.99):
        rewards = {a: rng.random((B, S)) for a in ("H", "A")}
        stay = np.full((B, S), 1 << 4, dtype=np.uint64)  # A stays put (action 4)
        _, _, h_first, _ = best_response(joint, "H", stay, rewards["H"], gamma, SETTINGS)
        _, _, a_answer, _ = best_response(joint, "A", h_first, rewards["A"], gamma, SETTINGS)
        h_answer, _ = assert_warm_is_cold(joint, "H", a_answer, rewards["H"], gamma, h_first)
        _, conv = assert_warm_is_cold(joint, "H", a_answer, rewards["H"], gamma, h_answer)
        assert np.all(conv.iterations == 1)
        # A moves in 1% of the states: from H's answer, fewer improvement steps than cold.
        nudged = a_answer.copy()
        nudged[:, rng.choice(S, size=S // 100, replace=False)] = np.uint64(1 << 4)
        _, conv = assert_warm_is_cold(joint, "H", nudged, rewards["H"], gamma, h_answer)
        cold = best_response(joint, "H", nudged, rewards["H"], gamma, SETTINGS)[3]
        assert conv.iterations.mean() < cold.iterations.mean()


def test_a_warm_start_of_the_wrong_shape_is_refused():
    mdp = random_joint(np.random.default_rng(0), 5, (2, 2), False)
    joint = JointStructure(mdp)
    rewards = np.zeros((3, 5))
    others = np.ones((3, 5), dtype=np.uint64)
    with pytest.raises(ModelError, match="warm_start"):
        best_response(joint, "H", others, rewards, 0.9, SETTINGS, np.ones((3, 4), dtype=np.uint64))
    with pytest.raises(ModelError, match="warm_start"):
        best_response(joint, "H", others, rewards, 0.9, SETTINGS, np.ones((3, 5)))
