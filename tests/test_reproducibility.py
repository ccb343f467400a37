"""Same seed, same numbers: results never depend on chunk size, worker count or sample position."""

import numba
import numpy as np
import pytest

from powerplay.model.environments import load_mdp, load_policy
from powerplay.model.gridworld import gridworld
from powerplay.runner.executors import run_experiment
from powerplay.runner.experiment import Experiment
from powerplay.solvers.power import SingleAgentProblem


def _experiments(uniform01):
    joint = load_mdp("joint_7x7_gridworld_maze_no_overlaps")
    return {
        "deterministic single agent": Experiment(
            "single_agent", load_mdp("7x7_gridworld_maze"), 0.9, uniform01, 200, 5
        ),
        "stochastic single agent": Experiment(
            "single_agent", gridworld(3, 4, stochastic_noise_level=0.3), 0.95, uniform01, 200, 5
        ),
        "two agents, no overlap": Experiment(
            "multiagent_with_reward",
            joint,
            0.9,
            uniform01,
            70,
            5,
            policy_A=load_policy("joint_7x7_gridworld_maze_no_overlaps_agent_A_uniform_random"),
            discount_rate_agent_A=0.8,
            reward_correlation=0.5,
            diagnostic=True,
        ),
    }


@pytest.mark.parametrize("which", ["deterministic single agent", "stochastic single agent", "two agents, no overlap"])
def test_results_do_not_depend_on_chunking_or_workers(uniform01, which):
    experiment = _experiments(uniform01)[which]
    reference = run_experiment(experiment, chunk_size=10_000, workers=numba.config.NUMBA_NUM_THREADS)
    for chunk_size, workers in [(7, 1), (33, 2), (64, 1)]:
        other = run_experiment(experiment, chunk_size=chunk_size, workers=workers)
        for key in reference.power:
            np.testing.assert_array_equal(
                other.power[key], reference.power[key], err_msg=f"{key} {chunk_size} {workers}"
            )
        for agent in reference.rewards:
            np.testing.assert_array_equal(other.rewards[agent], reference.rewards[agent])
        # The sample groups behind paired errors are the same bits too.
        groups, reference_groups = other.summary.paired, reference.summary.paired
        np.testing.assert_array_equal(groups.counts, reference_groups.counts)
        for key in reference_groups.means:
            np.testing.assert_array_equal(groups.means[key], reference_groups.means[key], err_msg=key)


def test_a_sample_gives_the_same_numbers_wherever_it_runs():
    """Solved alone, or at any position among others (vector lanes, blocks), a sample is unchanged."""
    mdp = gridworld(3, 3, stochastic_noise_level=0.2)
    problem = SingleAgentProblem(mdp, 0.97)
    rewards = np.random.default_rng(1).random((100, mdp.num_states))
    together = problem.solve(rewards).power["H"]
    for i in (0, 31, 32, 57, 99):
        alone = problem.solve(rewards[i : i + 1]).power["H"]
        np.testing.assert_array_equal(alone[0], together[i])
    shuffled = np.random.default_rng(2).permutation(100)
    np.testing.assert_array_equal(problem.solve(rewards[shuffled]).power["H"], together[shuffled])


def test_prefix_of_a_longer_run_is_the_shorter_run(uniform01):
    maze = load_mdp("7x7_gridworld_maze")
    short = run_experiment(Experiment("single_agent", maze, 0.5, uniform01, 500, 9))
    long = run_experiment(Experiment("single_agent", maze, 0.5, uniform01, 1500, 9))
    np.testing.assert_array_equal(long.power["H"][:500], short.power["H"])
