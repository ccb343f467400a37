"""The ``powerplay`` command: help, runs, one-line errors, show, selftest, reproduce."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from powerplay.interfaces.cli import app
from powerplay.storage.sweeps import load_sweep

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()

UNIFORM = {"default_dist": {"dist_name": "uniform", "params": [0, 1]}}


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("POWERPLAY_SAMPLES", raising=False)


def write_config(path: Path, **overrides) -> Path:
    parameters = {
        "mdp_graph": {"value": "3x3_gridworld"},
        "discount_rate": {"values": [0.3, 0.9], "names": ["0p3", "0p9"]},
        "reward_distribution": {"value": UNIFORM},
        "num_reward_samples": {"value": 5000},
        "random_seed": {"value": 0},
    }
    parameters.update(overrides)
    path.write_text(yaml.safe_dump({"name": "cli_demo", "parameters": parameters}, sort_keys=False))
    return path


def assert_one_line_error(result, *fragments):
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0]


def test_help_explains_commands():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("run", "list", "show", "selftest", "reproduce"):
        assert command in result.stdout
    text = " ".join(result.stdout.split())
    assert "powerplay run CONFIG.yaml" in text and "powerplay selftest needs no config" in text
    run_help = runner.invoke(app, ["run", "--help"]).stdout
    for option in (
        "--output",
        "--workers",
        "--plot-as-gridworld",
        "--plot-distributions",
        "--plot-correlations",
        "--diagnostic",
        "--wandb",
        "--samples",
        "--new",
        "--keep-samples",
        "--repair",
        "--scheduler",
        "--cluster",
    ):
        assert option in run_help


def test_run_writes_results_and_prints_summary(tmp_path):
    config = write_config(tmp_path / "demo.yaml")
    result = runner.invoke(app, ["run", str(config), "--samples", "300", "--no-figures", "--workers", "1"])
    assert result.exit_code == 0, result.output
    for suffix in ("0p3", "0p9"):
        assert f"0001-cli_demo-discount_rate__{suffix}" in result.stdout
    assert "samples/s" in result.stdout and "Results in expts/0001-cli_demo" in result.stdout
    sweep = load_sweep("0001", "expts")
    assert [run.num_samples for run in sweep.runs] == [300, 300]
    # Second invocation resumes: nothing recomputed, rows say so.
    again = runner.invoke(app, ["run", str(config), "--samples", "300", "--no-figures"])
    assert again.exit_code == 0 and again.stdout.count("reused") == 2
    assert "resuming" in again.stderr


def test_run_output_folder_and_environment_override(tmp_path, monkeypatch):
    monkeypatch.setenv("POWERPLAY_SAMPLES", "40")
    result = runner.invoke(app, ["run", str(write_config(tmp_path / "demo.yaml")), "-o", "results", "--no-figures"])
    assert result.exit_code == 0, result.output
    assert {run.num_samples for run in load_sweep("0001", "results").runs} == {40}


@pytest.mark.parametrize(
    "overrides, fragments",
    [
        ({"discount_rate": {"value": 1}}, ["demo.yaml", "parameters.discount_rate.value", "below 1"]),
        ({"mdp_graph": {"value": "no_such_mdp"}}, ["parameters.mdp_graph.value", "unknown MDP 'no_such_mdp'"]),
        ({"reward_correlation": {"value": 0.5}}, ["parameters", "no experiment type matches"]),
        ({"num_reward_samples": {"value": "many"}}, ["parameters.num_reward_samples.value", "integer"]),
    ],
)
def test_bad_configs_fail_with_one_line(tmp_path, overrides, fragments):
    result = runner.invoke(app, ["run", str(write_config(tmp_path / "demo.yaml", **overrides))])
    assert_one_line_error(result, *fragments)
    assert not Path("expts").exists()  # nothing half-created


def test_missing_config_and_bad_options(tmp_path):
    assert_one_line_error(runner.invoke(app, ["run", "missing.yaml"]), "missing.yaml: config file not found")
    result = runner.invoke(app, ["run", str(write_config(tmp_path / "demo.yaml")), "--workers", "0"])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_show_prints_runs_and_csv(tmp_path):
    runner.invoke(app, ["run", str(write_config(tmp_path / "demo.yaml")), "-n", "200", "--no-figures"])
    result = runner.invoke(app, ["show", "0001"])
    assert result.exit_code == 0 and "discount_rate" in result.stdout and "mean POWER H" in result.stdout
    csv_text = runner.invoke(app, ["show", "1", "--csv"]).stdout
    header, first, second = csv_text.strip().splitlines()
    assert header.startswith("run,folder,discount_rate,discount_rate_name")
    assert first.startswith('"discount_rate__0p3",') and second.startswith('"discount_rate__0p9",')  # text quoted
    mean = float(first.split(",")[header.split(",").index("power_H_mean")])
    assert mean == pytest.approx(float(np.mean(load_sweep("0001", "expts").runs[0].power_mean("H"))), rel=1e-8)
    assert_one_line_error(runner.invoke(app, ["show", "0042"]), "no sweep '0042'", "0001-cli_demo")


def test_selftest_command(tmp_path):
    result = runner.invoke(app, ["selftest", "test_multiagent", "test_stochastic", "-n", "300", "-o", "kept"])
    assert result.exit_code == 0, result.output
    assert "PASS  test_multiagent" in result.stdout and "PASS  test_stochastic" in result.stdout
    assert "All 2 self-tests passed." in result.stdout
    assert sorted(p.name for p in Path("kept").iterdir()) == [
        "0001-test_multiagent_simulated",
        "0002-test_multiagent_actual",
        "0003-test_stochastic",
    ]
    assert_one_line_error(runner.invoke(app, ["selftest", "test_nothing"]), "unknown self-test 'test_nothing'")


def test_reproduce_lists_and_rejects_unknown_figures():
    listing = runner.invoke(app, ["reproduce"])
    assert listing.exit_code == 0 and "PART_1-FIGURES_2_3_4" in listing.stdout and "Part 1 Fig 2" in listing.stdout
    assert_one_line_error(runner.invoke(app, ["reproduce", "2", "11"]), "post 2 has no figure 11", "1, 2, 3")
    assert_one_line_error(runner.invoke(app, ["reproduce", "4", "1"]), "no post 4")


def test_reproduce_runs_the_sweep_once():
    result = runner.invoke(app, ["reproduce", "1", "1", "-n", "200", "--no-run-figures"])
    assert result.exit_code == 0, result.output
    assert "Sweep data in expts/0001-PART_1-FIGURE_1" in result.stdout
    assert ("Figure available in temp/" in result.stdout) or ("note: figure drawing is not available" in result.stdout)
    again = runner.invoke(app, ["reproduce", "1", "1", "-n", "200", "--no-run-figures"])
    assert again.exit_code == 0 and "expts/0001-PART_1-FIGURE_1" in again.stdout
    assert sorted(p.name for p in Path("expts").iterdir()) == ["0001-PART_1-FIGURE_1"]
    # A damaged run is refused with advice to pass --repair, which reproduce takes too.
    power = next(Path("expts/0001-PART_1-FIGURE_1").glob("*/power.csv"))
    power.write_text(power.read_text() + "\n")
    damaged = runner.invoke(app, ["reproduce", "1", "1", "-n", "200", "--no-run-figures"])
    assert_one_line_error(damaged, "is damaged", "--repair")
    repaired = runner.invoke(app, ["reproduce", "1", "1", "-n", "200", "--no-run-figures", "--repair"])
    assert repaired.exit_code == 0, repaired.output


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "powerplay"
    if not script.exists():
        pytest.skip("powerplay console script not installed in this environment")
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, env={**os.environ}, timeout=120)
    assert result.returncode == 0 and result.stdout.startswith("powerplay ")


def test_wandb_missing_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "wandb", None)  # import wandb now fails
    result = runner.invoke(app, ["run", str(write_config(tmp_path / "demo.yaml")), "--wandb", "-n", "20"])
    assert_one_line_error(result, "--wandb", "pip install 'powerplay[wandb]'")
    assert not Path("expts").exists()
