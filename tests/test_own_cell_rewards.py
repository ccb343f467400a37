"""Rewards on an agent's own cell (``reward_scope: own_cell``)."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from powerplay.errors import ConfigError
from powerplay.model.generators import maze
from powerplay.model.rewards import agent_cells
from powerplay.runner.build import build_experiment
from powerplay.runner.executors import run_experiment
from powerplay.runner.sweep import run_sweep
from powerplay.solvers.power import SingleAgentProblem

UNIFORM = {"default_dist": {"dist_name": "uniform", "params": [0, 1]}}


def _config(joint="allow", **changes):
    config = {
        "joint_mdp_graph": {"generator": "maze", "rows": 2, "cols": 3, "seed": 0, "joint": joint},
        "seed_policy_graph_agent_A": "uniform_random",
        "discount_rate": 0.8,
        "discount_rate_agent_A": 0.7,
        "reward_correlation": 0.5,
        "reward_distribution": UNIFORM,
        "num_reward_samples": 60,
        "random_seed": 3,
        "reward_scope": "own_cell",
    }
    config.update(changes)
    return config


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"seed_policy_graph_agent_A": "stay"},
        {"seed_policy_graph_agent_A": {"random_deterministic": {"seed": 2}}},
        {
            "seed_policy_graph_agent_A": None,
            "discount_rate_agent_A": None,
            "reward_correlation": None,
            "policy_graph_agent_A": {"deterministic": {"action": "left", "fallback": "uniform_random"}},
        },
    ],
    ids=["uniform seed policy", "A stays", "random deterministic", "fixed policy"],
)
def test_with_allow_H_has_the_single_agent_power_of_its_cell_sample_by_sample(changes):
    config = {k: v for k, v in _config(**changes).items() if v is not None}
    experiment = build_experiment(config)
    result = run_experiment(experiment, keep_samples=True, chunk_size=17)
    stream = experiment.reward_stream()
    cell_rewards_H, _ = stream.cell_rewards(0, experiment.num_reward_samples)
    cells, index = agent_cells(experiment.states)
    single = maze(2, 3, seed=0)
    order = [cells.index(s) for s in single.states]
    expected = SingleAgentProblem(single, 0.8).solve(cell_rewards_H[:, order]).power["H"]
    column = {cell: i for i, cell in enumerate(single.states)}
    in_joint_states = expected[:, [column[cells[i]] for i in index["H"]]]
    np.testing.assert_allclose(result.power["H"], in_joint_states, rtol=0, atol=1e-9)


def test_each_agent_gets_its_own_cells_reward_and_runs_read_them_back(tmp_path):
    config = _config(joint="remove")
    experiment = build_experiment(config)
    stream = experiment.reward_stream()
    rewards_H, rewards_A = stream.rewards(0, 40)
    cell_H, cell_A = stream.cell_rewards(0, 40)
    cells, index = agent_cells(experiment.states)
    assert rewards_H.shape == (40, len(experiment.states)) and cell_H.shape == (40, len(cells))
    np.testing.assert_array_equal(rewards_H, cell_H[:, index["H"]])
    np.testing.assert_array_equal(rewards_A, cell_A[:, index["A"]])
    # A's cell rewards are correlated with H's as configured (β = 0.5): about half are copies.
    assert 0.35 < np.mean(cell_A == cell_H) < 0.65
    # Two joint states with H in the same cell give H the same reward in every sample.
    same = np.flatnonzero(index["H"] == index["H"][0])
    assert len(same) > 1 and np.all(rewards_H[:, same] == rewards_H[:, same[:1]])
    # A sweep's run folder draws the same per-joint-state rewards again.
    parameters = {k: {"value": v} for k, v in config.items()}
    path = tmp_path / "own.yaml"
    path.write_text(yaml.safe_dump({"name": "own", "parameters": parameters}, sort_keys=False))
    run = run_sweep(path, tmp_path / "expts").run()
    again = run.reward_samples(0, 40)
    np.testing.assert_array_equal(again["H"], rewards_H)
    np.testing.assert_array_equal(again["A"], rewards_A)
    assert run.config["reward_scope"] == "own_cell"


def test_the_default_scope_draws_what_it_always_drew():
    joint = build_experiment({k: v for k, v in _config().items() if k != "reward_scope"})
    scoped = build_experiment(_config(reward_scope="joint_state"))
    np.testing.assert_array_equal(joint.reward_stream().rewards(0, 30)[0], scoped.reward_stream().rewards(0, 30)[0])
    assert joint.reward_stream().rewards(0, 30)[0].std(axis=0).min() > 0  # every joint state its own draw


@pytest.mark.parametrize(
    "config, words",
    [
        (
            {
                "mdp_graph": "3x3_gridworld",
                "discount_rate": 0.5,
                "reward_distribution": UNIFORM,
                "num_reward_samples": 5,
                "random_seed": 0,
                "reward_scope": "own_cell",
            },
            "needs a joint MDP",
        ),
        (_config(reward_scope="own_state"), "must be one of joint_state, own_cell"),
    ],
)
def test_bad_reward_scopes_are_refused(config, words):
    with pytest.raises(ConfigError, match=words) as error:
        build_experiment(config)
    assert "reward_scope" in str(error.value)
