"""Studies: α_HA across generated environments, and adaptive phase-change scans."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest
import yaml
from scipy import stats as scipy_stats
from typer.testing import CliRunner

from powerplay.errors import ConfigError, SweepError
from powerplay.interfaces.cli import app
from powerplay.runner.config import load_sweep_config
from powerplay.runner.scan import ScanSettings, from_axis, run_scan, scan_folder, to_axis
from powerplay.runner.studies import (
    across_environments,
    environment_studies,
    wilson_interval,
    write_environment_studies,
)
from powerplay.runner.sweep import run_sweep
from powerplay.storage.runs import load_run

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


def _joint_sweep(tmp_path, name, environments, samples, names=None):
    spec = {"values": environments}
    if names:
        spec["names"] = names
    parameters = {
        "joint_mdp_graph": spec,
        "seed_policy_graph_agent_A": {"value": "uniform_random"},
        "discount_rate": {"value": 0.9},
        "discount_rate_agent_A": {"same_as": "discount_rate"},
        "reward_correlation": {"value": 0},
        "reward_distribution": {"value": UNIFORM},
        "num_reward_samples": {"value": samples},
        "random_seed": {"value": 0},
    }
    return run_sweep(_write(tmp_path / f"{name}.yaml", name, parameters), tmp_path / "expts")


def test_a_sweep_over_interaction_rules_gives_one_study_per_rule(tmp_path):
    rules = ["remove", "block", "allow"]
    maze = {"generator": "maze", "rows": 2, "cols": 3, "seed": 0}
    sweep = _joint_sweep(tmp_path, "rules", [{**maze, "joint": rule} for rule in rules], 200, names=rules)
    studies = environment_studies(sweep)
    assert [s.group for s in studies] == [
        "joint maze 2x3 (no overlap)",
        "joint maze 2x3 (blocking)",
        "joint maze 2x3",
    ]
    for study, rule in zip(studies, rules):
        (only,) = study.environments
        assert only.name == rule and only.alpha_corrected == sweep.run(joint_mdp_graph=rule).alignment().alpha_corrected
        assert math.isnan(study.mean_low) and "one environment: no mean over environments" in study.describe()


def test_identical_and_undefined_environments_are_counted_once_and_left_out_consistently(tmp_path):
    """Rooms 1x3 (2x2 each) seeds 2 and 3 are the same map; at 20 samples two environments'
    corrected α_HA is undefined (too noisy)."""
    rooms = {"generator": "rooms", "rows": 1, "cols": 3, "room_size": 2, "joint": "remove"}
    sweep = _joint_sweep(tmp_path, "rooms", [{**rooms, "seed": s} for s in range(4)], 20)
    (study,) = environment_studies(sweep)
    by_seed = {e.seed: e for e in study.environments}
    assert by_seed[3].duplicate_of == by_seed[2].name and [e.seed for e in study.duplicates] == [3]
    assert by_seed[3].alpha == by_seed[2].alpha  # the same map and draws: the same numbers
    undefined = study.undefined
    assert len(undefined) == 2 and all(e.undefined == "too noisy at 20 samples" for e in undefined)
    assert all(math.isnan(e.alpha_corrected) for e in undefined)
    counted = study.counted
    assert len(counted) == 1 and counted[0].undefined is None and counted[0].duplicate_of is None
    assert study.mean == counted[0].alpha_corrected and study.share_negative == float(counted[0].alpha_corrected < 0)
    line = study.describe()
    assert line.startswith("4 environments") and "3 distinct" in line and "2 undefined: too noisy at 20 samples" in line
    assert "nan" not in line
    document = json.loads(write_environment_studies(sweep)[1][0].read_text())
    assert document["studies"][0]["counted"] == 1 and document["studies"][0]["distinct"] == 3


def test_the_run_command_writes_the_study(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["run", str(maze_family(tmp_path)), "--no-figures"])
    assert result.exit_code == 0, result.output
    assert "3 environments (joint maze 2x3 (no overlap)): mean α_HA (corrected)" in result.stdout
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
    document = json.loads((result.folder / "scan.json").read_text())
    for point, recorded in zip(result.points, document["points"]):
        run = load_run(point.run)
        index = run.states.index("(1, 1)")
        assert point.statistic == recorded["statistic"] == run.power_mean("H")[index]
        assert point.sem == pytest.approx(run.power_sem("H")[index])
    a, b = result.steepest_interval
    assert a in values and b in values and values.index(b) == values.index(a) + 1
    assert result.change == pytest.approx(
        result.points[values.index(b)].statistic - result.points[values.index(a)].statistic
    )
    # Every point draws the same rewards: every step is paired, and its error is far below hypot(sem_a, sem_b).
    assert len(result.steps) == len(values) - 1 and all(step.change.paired for step in result.steps)
    for step, p, q in zip(result.steps, result.points, result.points[1:]):
        assert step.change.sem < 0.5 * math.hypot(p.sem, q.sem)
    assert [s["paired"] for s in document["steps"]] == [True] * 5
    sweeps_before = sorted(p.name for p in result.points_folder.iterdir() if p.is_dir())
    again = run_scan(single_agent(tmp_path), settings, tmp_path / "expts")
    assert [p.value for p in again.points] == values
    assert sorted(p.name for p in result.points_folder.iterdir() if p.is_dir()) == sweeps_before  # nothing recomputed
    # Another statistic reuses the points and writes its own folder: nothing is overwritten.
    average = run_scan(
        single_agent(tmp_path), replace(settings, statistic="average_power", max_runs=3), tmp_path / "expts"
    )
    assert average.points_folder == result.points_folder and average.folder != result.folder
    assert json.loads((result.folder / "scan.json").read_text()) == document
    assert sorted(p.name for p in result.points_folder.iterdir() if p.is_dir() and p.name[0].isdigit()) == [
        n for n in sweeps_before if n[0].isdigit()
    ]


def test_the_paired_test_finds_a_real_change_that_unpaired_errors_hide(tmp_path):
    """POWER of the 3x3 centre rises with γ; between γ = 0.5 and 0.55 the rise is small against
    each run's noise but the runs share their draws, so the paired step finds it."""
    settings = ScanSettings("discount_rate", 0.5, 0.55, "power:(1, 1)", initial_points=2, resolution=10, max_runs=2)
    result = run_scan(single_agent(tmp_path, 300), settings, tmp_path / "expts")
    (step,) = result.steps
    low, high = result.points
    assert step.change.paired and step.change.value > 0
    assert step.change.value / step.change.sem > 2 > step.change.value / math.hypot(low.sem, high.sem)
    assert "standard errors" in result.describe() and "not significant" not in result.describe()


def test_a_scan_is_validated_before_its_first_run(tmp_path):
    config = single_agent(tmp_path, 50)
    # Close to 1: values are rounded on 1 - γ, so the ends stay below 1.
    close = ScanSettings("discount_rate", 0.9, 0.9999999999999, "average_power", initial_points=4, max_runs=4)
    values = close.initial_values()
    assert values[-1] == pytest.approx(0.9999999999999, abs=1e-15) and all(v < 1 for v in values)
    assert len(set(values)) == 4
    # Integer parameters are scanned on integers.
    samples = ScanSettings("num_reward_samples", 10, 50, "average_power", initial_points=3, max_runs=3)
    assert samples.initial_values() == [10, 30, 50]
    result = run_scan(config, samples, tmp_path / "counts")
    assert [p.value for p in result.points] == [10, 30, 50]
    assert all(step.change.paired is False and "sample counts" in step.change.note for step in result.steps)


@pytest.mark.parametrize(
    "change, words",
    [
        (dict(low=0.1, high=0.1000000000001), "too narrow"),
        (dict(statistic="average_power:A"), "needs POWER of 'A'"),
        (dict(statistic='contrast:H:"(9, *)" - "(1, 1)"'), "matches no state"),
        (dict(param="random_seed", low=0.5, high=3), "--from: 0.5: must be an integer, got 0.5"),
        (dict(param="reward_distribution"), "is not a number"),
    ],
)
def test_more_bad_scans_are_refused_before_any_run(tmp_path, change, words):
    settings = ScanSettings(
        **{"param": "discount_rate", "low": 0.1, "high": 0.9, "statistic": "average_power", **change}
    )
    with pytest.raises(ConfigError) as error:
        run_scan(single_agent(tmp_path), settings, tmp_path / "expts")
    assert words in str(error.value) and "\n" not in str(error.value)
    assert not (tmp_path / "expts").exists()


def test_scan_folders_are_unique_to_the_config_and_never_a_symbolic_link(tmp_path):
    settings = ScanSettings("discount_rate", 0.1, 0.9, "average_power", initial_points=2, max_runs=2)
    first = run_scan(single_agent(tmp_path, 40), settings, tmp_path / "expts")
    other = tmp_path / "other"
    other.mkdir()
    second = run_scan(single_agent(other, 60), settings, tmp_path / "expts")  # the same name, another config
    assert first.points_folder != second.points_folder
    assert (first.folder / "scan.json").is_file() and (second.folder / "scan.json").is_file()
    outside = tmp_path / "outside"
    outside.mkdir()
    target = scan_folder(tmp_path / "linked", load_sweep_config(single_agent(tmp_path, 40)), settings)
    target.parent.mkdir()
    target.symlink_to(outside)
    with pytest.raises(SweepError, match="symbolic link"):
        run_scan(single_agent(tmp_path, 40), settings, tmp_path / "linked")
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize(
    "change, words",
    [
        (dict(param="reward_correlation"), "not a parameter of this config"),
        (dict(low=0.9, high=0.5), "--from below --to"),
        (dict(high=1.0), "below 1"),
        (dict(statistic="alpha"), "needs POWER of 'A'"),
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
    assert "steepest change of rank change of H's POWER beyond noise (1 − ρ) in discount_rate" in result.stdout
    (folder,) = (tmp_path / "expts").glob("grid-scan-discount_rate-*/rank_H-*")
    assert (folder / "scan.png").stat().st_size > 1000 and len(
        json.loads((folder / "scan.json").read_text())["points"]
    ) == 4


def test_a_step_with_an_undefined_error_gets_no_verdict(tmp_path):
    settings = ScanSettings("discount_rate", 0.1, 0.9, "power:(1, 1)", initial_points=2, max_runs=2)
    result = run_scan(single_agent(tmp_path, 1), settings, tmp_path / "expts")
    (step,) = result.steps
    assert step.change.defined and not step.change.sem_defined and step.significant is None
    line = result.describe()
    assert "± undefined (1 sample)" in line and "no verdict" in line and "nan" not in line and "inf" not in line


def _rules_sweep(tmp_path):
    maze = {"generator": "maze", "rows": 2, "cols": 3, "seed": 0}
    return _joint_sweep(
        tmp_path, "rules", [{**maze, "joint": r} for r in ("remove", "block")], 64, names=["remove", "block"]
    )


def test_show_prints_the_names_the_config_gave_and_compare_pairs_runs(tmp_path, monkeypatch):
    sweep = _rules_sweep(tmp_path)
    monkeypatch.chdir(tmp_path)
    shown = CliRunner().invoke(app, ["show", sweep.sweep_id, "-o", str(tmp_path / "expts")])
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert any(line.split()[:1] == ["remove"] for line in lines) and any(
        line.split()[:1] == ["block"] for line in lines
    )
    assert "…" not in shown.stdout and "joint_maze" not in shown.stdout
    compared = CliRunner().invoke(
        app,
        [
            "compare",
            sweep.sweep_id,
            "joint_mdp_graph__remove",
            "joint_mdp_graph__block",
            "-o",
            str(tmp_path / "expts"),
            "--statistic",
            "average_power",
            "--statistic",
            "alpha_corrected",
        ],
    )
    assert compared.exit_code == 0, compared.output
    # remove and block have the same joint states, so the same seed draws the same rewards: paired.
    assert "paired: the runs share their reward draws" in compared.stdout and "average POWER (H)" in compared.stdout
    bad = CliRunner().invoke(
        app,
        [
            "compare",
            sweep.sweep_id,
            "joint_mdp_graph__remove",
            "joint_mdp_graph__block",
            "-o",
            str(tmp_path / "expts"),
            "--statistic",
            "power:(9, 9)",
        ],
    )
    assert bad.exit_code == 2 and "'(9, 9)' is not a state" in bad.output


def test_one_warning_per_cause(tmp_path, monkeypatch):
    """Issue 19, item 6: the infinite-variance warning was printed three times for one config."""
    heavy = {"default_dist": {"dist_name": "pareto", "params": [1, 1.5]}}
    path = _write(
        tmp_path / "heavy.yaml",
        "heavy",
        {
            "mdp_graph": {"value": "3x3_gridworld"},
            "discount_rate": {"values": [0.5, 0.6]},
            "reward_distribution": {"value": heavy},
            "num_reward_samples": {"value": 20},
            "random_seed": {"value": 0},
        },
    )
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["run", str(path), "--no-figures"])
    assert result.exit_code == 0, result.output
    assert result.output.count("infinite variance") == 1
