"""Studies: α_HA across generated environments, and adaptive phase-change scans."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import yaml
from scipy import stats as scipy_stats
from typer.testing import CliRunner

from powerplay.errors import ConfigError
from powerplay.interfaces.cli import app
from powerplay.runner.scan import ScanSettings, from_axis, run_scan, to_axis
from powerplay.runner.studies import (
    across_environments,
    environment_studies,
    wilson_interval,
    write_environment_studies,
)
from powerplay.runner.sweep import run_sweep

UNIFORM = {"default_dist": {"dist_name": "uniform", "params": [0, 1]}, "allow_all_equal_rewards": False}


@pytest.fixture(autouse=True)
def _no_samples_override(monkeypatch):
    monkeypatch.delenv("POWERPLAY_SAMPLES", raising=False)


def _write(path, name, parameters):
    path.write_text(yaml.safe_dump({"name": name, "parameters": parameters}, sort_keys=False))
    return path


def maze_family(tmp_path, seeds=(0, 1, 2), betas=None):
    parameters = {
        "joint_mdp_graph": {
            "values": [{"generator": "maze", "rows": 2, "cols": 3, "seed": s, "joint": "remove"} for s in seeds]
        },
        "seed_policy_graph_agent_A": {"value": "uniform_random"},
        "discount_rate": {"value": 0.9},
        "discount_rate_agent_A": {"same_as": "discount_rate"},
        "reward_correlation": {"values": betas} if betas else {"value": 0},
        "reward_distribution": {"value": UNIFORM},
        "num_reward_samples": {"value": 300},
        "random_seed": {"value": 0},
    }
    return _write(tmp_path / "family.yaml", "family", parameters)


def test_summary_statistics_across_environments():
    values = np.array([-0.5, -0.3, -0.1, 0.2, -0.4])
    summary = across_environments(values)
    half = scipy_stats.t.ppf(0.975, 4) * values.std(ddof=1) / math.sqrt(5)
    assert summary["mean"] == pytest.approx(values.mean())
    assert (summary["mean_low"], summary["mean_high"]) == pytest.approx((values.mean() - half, values.mean() + half))
    assert summary["share_negative"] == 0.8
    low, high = wilson_interval(4, 5)
    assert (summary["share_low"], summary["share_high"]) == (low, high) and low < 0.8 < high
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == pytest.approx(1.0)


def test_environment_study_of_a_generated_maze_family(tmp_path):
    sweep = run_sweep(maze_family(tmp_path), tmp_path / "expts")
    (study,) = environment_studies(sweep)
    assert study.param == "joint_mdp_graph" and study.fixed == {}
    assert [e.name for e in study.environments] == [f"joint_maze_2x3_seed_{s}_no_overlap" for s in (0, 1, 2)]
    corrected = [sweep.run(joint_mdp_graph=e.name).alignment().alpha_corrected for e in study.environments]
    assert [e.alpha_corrected for e in study.environments] == pytest.approx(corrected)
    assert study.mean == pytest.approx(np.mean(corrected))
    _, _paths = write_environment_studies(sweep)
    document = json.loads((sweep.path / "study.json").read_text())
    assert document["studies"][0]["mean"] == pytest.approx(study.mean)
    assert (sweep.path / "study.csv").read_text().count("\n") == 4


def test_one_study_per_combination_of_the_other_swept_values(tmp_path):
    sweep = run_sweep(maze_family(tmp_path, seeds=(0, 1), betas=[0, 1]), tmp_path / "expts")
    studies = environment_studies(sweep)
    assert [s.fixed for s in studies] == [{"reward_correlation": "0"}, {"reward_correlation": "1"}]
    # With identical rewards (β = 1) A's POWER is H's: α_HA is 1 in every environment.
    assert [e.alpha for e in studies[1].environments] == pytest.approx([1.0, 1.0], abs=1e-3)


def test_the_run_command_writes_the_study(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["run", str(maze_family(tmp_path)), "--no-figures"])
    assert result.exit_code == 0, result.output
    assert "3 environments: mean α_HA (corrected)" in result.stdout
    assert (tmp_path / "expts" / "0001-family" / "study.json").is_file()


# -- scans -----------------------------------------------------------------------------------


def single_agent(tmp_path, samples=400):
    return _write(
        tmp_path / "grid.yaml",
        "grid",
        {
            "mdp_graph": {"value": "3x3_gridworld"},
            "discount_rate": {"value": 0.5},
            "reward_distribution": {"value": UNIFORM},
            "num_reward_samples": {"value": samples},
            "random_seed": {"value": 0},
        },
    )


def test_scan_axis_is_log_one_minus_gamma():
    assert to_axis("discount_rate", 0.99) == pytest.approx(-2.0)
    assert from_axis("discount_rate", -3.0) == 0.999
    assert to_axis("reward_correlation", 0.3) == 0.3


def test_a_scan_refines_where_the_statistic_changes_and_reuses_its_points(tmp_path):
    settings = ScanSettings(
        "discount_rate", 0.01, 0.99, statistic="power:(1, 1)", initial_points=3, resolution=0.2, max_runs=6
    )
    result = run_scan(single_agent(tmp_path), settings, tmp_path / "expts")
    values = [p.value for p in result.points]
    assert len(values) == 6 and values == sorted(values) and values[0] == 0.01 and values[-1] == 0.99
    # The centre's POWER against γ, from its own run.
    for point in result.points:
        assert point.statistic == pytest.approx(
            json.loads((result.folder / "scan.json").read_text())["points"][values.index(point.value)]["statistic"]
        )
    a, b = result.steepest
    assert a in values and b in values and values.index(b) == values.index(a) + 1
    assert result.change == pytest.approx(
        result.points[values.index(b)].statistic - result.points[values.index(a)].statistic
    )
    assert len(result.changes) == len(values) - 1 and result.changes[values.index(a)] == (
        result.change,
        result.change_sem,
    )
    sweeps_before = sorted(p.name for p in result.folder.iterdir() if p.is_dir())
    again = run_scan(single_agent(tmp_path), settings, tmp_path / "expts")
    assert [p.value for p in again.points] == values
    assert sorted(p.name for p in result.folder.iterdir() if p.is_dir()) == sweeps_before  # nothing recomputed


@pytest.mark.parametrize(
    "change, words",
    [
        (dict(param="reward_correlation"), "not a parameter of this config"),
        (dict(low=0.9, high=0.5), "--from below --to"),
        (dict(high=1.0), "below 1"),
        (dict(statistic="alpha"), "needs a multiagent_with_reward config"),
        (dict(statistic="median"), "unknown statistic"),
        (dict(statistic="power:(9, 9)"), "'(9, 9)' is not a state of the MDP"),
    ],
)
def test_bad_scans_are_one_line_errors(tmp_path, change, words):
    settings = ScanSettings(
        **{"param": "discount_rate", "low": 0.1, "high": 0.9, "statistic": "average_power", **change}
    )
    with pytest.raises(ConfigError) as error:
        run_scan(single_agent(tmp_path), settings, tmp_path / "expts")
    assert words in str(error.value) and "\n" not in str(error.value)
    assert not (tmp_path / "expts").exists()


def test_a_scan_needs_the_other_parameters_fixed(tmp_path):
    config = _write(
        tmp_path / "swept.yaml",
        "swept",
        {
            "mdp_graph": {"value": "3x3_gridworld"},
            "discount_rate": {"value": 0.5},
            "reward_distribution": {"value": UNIFORM},
            "num_reward_samples": {"value": 50},
            "random_seed": {"values": [0, 1]},
        },
    )
    with pytest.raises(ConfigError, match="fix random_seed"):
        run_scan(config, ScanSettings("discount_rate", 0.1, 0.9, "average_power"), tmp_path / "expts")


def test_the_scan_command(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        app,
        [
            "scan",
            str(single_agent(tmp_path, 200)),
            "--from",
            "0.1",
            "--to",
            "0.99",
            "--initial-points",
            "3",
            "--max-runs",
            "4",
            "--statistic",
            "rank",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "steepest change of rank in discount_rate" in result.stdout
    folder = tmp_path / "expts" / "grid-scan-discount_rate"
    assert (folder / "scan.png").stat().st_size > 1000 and len(
        json.loads((folder / "scan.json").read_text())["points"]
    ) == 4
