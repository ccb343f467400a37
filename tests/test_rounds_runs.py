"""Counter-optimisation rounds in runs: the ``rounds`` parameter, the outcome counts in run.json, the
runs table, ``to_dataframe``, ``powerplay show`` and the report, merged identically for any chunk size.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from powerplay.errors import ConfigError
from powerplay.figures.report.data import gather_report_data
from powerplay.figures.report.page import report_html
from powerplay.interfaces.cli import app
from powerplay.model.agent_models import Boltzmann
from powerplay.runner.build import build_experiment
from powerplay.runner.config import load_sweep_config
from powerplay.runner.executors import run_experiment
from powerplay.runner.sweep import run_sweep
from powerplay.scenario import Scenario, scenario_from_config
from powerplay.stats.rounds import RoundsTotals, rounds_columns, wilson_interval
from powerplay.storage.sweeps import load_sweep

UNIFORM = {"default_dist": {"dist_name": "uniform", "params": [0, 1]}}


def pair_parameters(samples: int = 240, rounds=(0, 6)) -> dict:
    return {
        "agents": {"value": ["H", "A"]},
        "mdp_graph": {"value": "3x3_gridworld"},
        "interaction": {"value": "remove"},
        "discount_rate": {"value": 0.9},
        "seed_policy": {"value": "uniform_random"},
        "reward_correlation": {"value": 0},
        "rounds": {"values": list(rounds)},
        "reward_distribution": {"value": UNIFORM},
        "num_reward_samples": {"value": samples},
        "random_seed": {"value": 1},
    }


def write_config(folder, name: str, parameters: dict):
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"name": name, "description": "rounds", "parameters": parameters}, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def rounds_sweep(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rounds")
    return run_sweep(write_config(folder, "rounds", pair_parameters()), folder / "expts")


def _direct_totals(config: dict) -> tuple[RoundsTotals, dict]:
    """The run's samples solved in one batch by its solver object, outside the runner."""
    experiment = build_experiment(config)
    rewards = experiment.reward_stream().rewards_by_agent(0, experiment.num_reward_samples)
    batch = experiment.problem().solve(rewards)
    return RoundsTotals.of(batch.rounds), batch.power


def test_a_rounds_sweep_records_the_outcomes_of_its_samples(rounds_sweep):
    zero, six = rounds_sweep.runs
    assert "rounds" not in zero.info and zero.rounds is None and zero.scenario.rounds == 0
    assert "rounds" not in zero.info["scenario"]  # records of rounds 0 are those written before rounds existed
    assert six.scenario.rounds == 6 and six.info["scenario"]["rounds"] == 6
    totals = six.rounds
    # The same counts as the solver's per-sample outcomes on the run's rewards in one batch.
    direct, power = _direct_totals(load_sweep_config(rounds_sweep.path / "config.yaml").runs()[1].config)
    assert totals == direct
    assert totals.samples == 240 and totals.fixed_points + totals.cycles + totals.unsettled == 240
    assert totals.cycles > 0 and sum(totals.cycle_periods) == totals.cycles and totals.cycle_periods[0] == 0
    assert totals.cycle_rounds[:1] == (0,)  # a cycle needs two rounds at least
    np.testing.assert_array_equal(six.power["H"], power["H"])
    assert {"H_rounds", "A_rounds"} <= set(six.info["convergence"]) and "H_rounds" not in zero.info["convergence"]


def test_outcome_counts_and_power_do_not_depend_on_the_chunk_size(rounds_sweep):
    config = load_sweep_config(rounds_sweep.path / "config.yaml").runs()[1].config
    experiment = build_experiment(config)
    small = run_experiment(experiment, chunk_size=17, workers=1, keep_samples=True)
    whole = run_experiment(experiment, chunk_size=240, keep_samples=True)
    assert small.rounds == whole.rounds == rounds_sweep.runs[1].rounds
    for key in whole.power:
        np.testing.assert_array_equal(small.power[key], whole.power[key])
    assert small.convergence == whole.convergence


def test_runs_table_dataframe_show_and_report_state_the_outcomes(rounds_sweep):
    rows = rounds_sweep.table()
    assert "rounds_fixed_points" not in rows[0]
    totals = rounds_sweep.runs[1].rounds
    share = totals.fixed_points / totals.samples
    low, high = wilson_interval(totals.fixed_points, totals.samples)
    assert rows[1]["rounds"] == 6
    assert rows[1]["rounds_fixed_points"] == totals.fixed_points
    assert rows[1]["rounds_cycles"] == totals.cycles and rows[1]["rounds_unsettled"] == totals.unsettled
    assert rows[1]["rounds_fixed_point_share"] == pytest.approx(share)
    assert (rows[1]["rounds_fixed_point_share_low"], rows[1]["rounds_fixed_point_share_high"]) == (low, high)
    assert low <= share <= high
    frame = rounds_sweep.to_dataframe()
    by_run = frame.groupby("run")["rounds_cycles"].first()
    assert np.isnan(by_run["rounds__0"]) and by_run["rounds__6"] == totals.cycles
    result = CliRunner().invoke(app, ["show", str(rounds_sweep.path)])
    assert result.exit_code == 0, result.output
    assert f"rounds = 6: {totals.describe()}" in " ".join(result.output.split())
    csv = CliRunner().invoke(app, ["show", str(rounds_sweep.path), "--csv"]).output
    assert "rounds_fixed_points" in csv.splitlines()[0]
    data = gather_report_data(rounds_sweep)
    assert data.header()["rounds"] == [("rounds = 6", totals.describe())]
    assert f"rounds = 6: {totals.describe()}" in report_html(data)


def test_totals_describe_and_columns_by_hand():
    totals = RoundsTotals(4, 10, (3, 1, 0, 0), (0, 2, 1, 0), (0, 2, 0, 1), 55)
    assert (totals.fixed_points, totals.cycles, totals.unsettled) == (4, 3, 3)
    assert totals.fixed_point_round_mean == pytest.approx(1.25)
    assert totals.describe() == (
        "4 of 10 samples at a fixed point within 4 rounds (40.0 % [16.8, 68.7]; by round 1: 3, 2: 1), "
        "3 cycled (period 2: 2, 4: 1), 3 unsettled"
    )
    assert RoundsTotals.from_summary(json.loads(json.dumps(totals.summary()))) == totals
    columns = rounds_columns(totals.summary())
    assert columns["rounds_fixed_point_share"] == 0.4 and columns["rounds_fixed_point_round_mean"] == 1.25
    assert rounds_columns(None) == {}
    with pytest.raises(ValueError, match="add up"):
        RoundsTotals.from_summary({**totals.summary(), "samples": 5})
    with pytest.raises(ValueError, match="rounds"):
        totals.merge(RoundsTotals(3, 1, (0, 0, 0), (0, 0, 0), (0, 0, 0), 0))


BASE = {
    "agents": ["H", "A", "B"],
    "mdp_graph": "3x3_gridworld",
    "interaction": "block",
    "discount_rate": 0.9,
    "seed_policy": "uniform_random",
    "reward_correlation": 0,
    "reward_distribution": UNIFORM,
    "num_reward_samples": 50,
    "random_seed": 0,
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"rounds": -1}, "rounds: must be a whole number of rounds in [0, 1000], got -1"),
        ({"rounds": 2.5}, "rounds: must be an integer, got 2.5"),
        ({"rounds": 1001}, "rounds: must be a whole number of rounds in [0, 1000], got 1001"),
    ],
)
def test_bad_round_counts_are_one_line_config_errors(change, message):
    with pytest.raises(ConfigError) as error:
        scenario_from_config({**BASE, **change})
    assert str(error.value) == message


def test_rounds_need_agents_that_learn():
    single = {k: BASE[k] for k in ("discount_rate", "reward_distribution", "num_reward_samples", "random_seed")}
    with pytest.raises(ConfigError, match=r"^rounds: counter-optimisation rounds re-train agents") as error:
        scenario_from_config({**single, "mdp_graph": "3x3_gridworld", "rounds": 2})
    assert error.value.field == "rounds"
    assert scenario_from_config({**single, "mdp_graph": "3x3_gridworld", "rounds": 0}).rounds == 0


def test_a_boltzmann_agent_with_rounds_runs_from_a_yaml_config_end_to_end(tmp_path, monkeypatch):
    """``rounds`` with ``agent_model_agent_H`` through ``powerplay run``: the run records the
    scenario's model and rounds, the same outcome counts and POWER as the solver on the run's
    rewards in one batch, and the same for another chunk size."""
    monkeypatch.chdir(tmp_path)
    parameters = pair_parameters(samples=60, rounds=(5,))
    parameters["agent_model_agent_H"] = {"value": {"boltzmann": {"beta": 3}}}
    path = write_config(tmp_path, "boltzmann_rounds", parameters)
    result = CliRunner().invoke(app, ["run", str(path), "--no-figures", "--workers", "1"])
    assert result.exit_code == 0, result.output
    sweep = load_sweep("0001", "expts")
    (run,) = sweep.runs
    assert run.scenario.rounds == 5 and run.info["scenario"]["rounds"] == 5
    assert run.scenario.agent("H").model == Boltzmann(3.0)
    config = load_sweep_config(sweep.path / "config.yaml").runs()[0].config
    direct, power = _direct_totals(config)
    assert run.rounds == direct and run.rounds.samples == 60
    assert run.rounds.fixed_points > 0 and run.rounds.retrainings > 60
    for agent in ("H", "A"):
        np.testing.assert_array_equal(run.power[agent], power[agent])
    small = run_experiment(build_experiment(config), chunk_size=13, workers=1, keep_samples=True)
    assert small.rounds == run.rounds
    for agent in ("H", "A"):
        np.testing.assert_array_equal(small.power[agent], power[agent])
    assert {"H_rounds", "A_rounds"} <= set(run.info["convergence"])


def test_a_scenario_record_without_rounds_reads_as_zero_and_round_trips_with_them():
    scenario = scenario_from_config({**BASE, "rounds": 3})
    record = scenario.to_json()
    assert record["rounds"] == 3 and Scenario.from_json(record) == scenario
    old = {k: v for k, v in record.items() if k != "rounds"}
    assert Scenario.from_json(old) == replace(scenario, rounds=0)
    assert scenario.parameter_value("rounds") == 3


def test_three_agents_with_rounds_run_and_match_the_solver(tmp_path):
    parameters = {k: {"value": v} for k, v in BASE.items()}
    parameters["rounds"] = {"value": 4}
    parameters["num_reward_samples"] = {"value": 40}
    sweep = run_sweep(write_config(tmp_path, "trio", parameters), tmp_path / "expts")
    (run,) = sweep.runs
    direct, power = _direct_totals(load_sweep_config(sweep.path / "config.yaml").runs()[0].config)
    assert run.rounds == direct and run.rounds.samples == 40
    for agent in ("H", "A", "B"):
        np.testing.assert_array_equal(run.power[agent], power[agent])
