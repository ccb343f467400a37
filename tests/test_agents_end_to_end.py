"""Three agents end to end through ``powerplay run``: files, tables, figures and the report;
the memory a three-agent run is refused for, before it computes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from powerplay.errors import FigureError, ResourceLimitError
from powerplay.figures.agent_maps import AgentGeometry, own_cell_means
from powerplay.figures.report.data import gather_report_data
from powerplay.figures.sweeps import alignment_frames, average_powers_data
from powerplay.interfaces.cli import app
from powerplay.runner.build import build_experiment
from powerplay.stats.alignment import alignment_of_samples
from powerplay.storage import load_sweep

AGENTS = ("H", "A", "B")
CONFIG = {
    "name": "trio_e2e",
    "parameters": {
        "agents": {"value": list(AGENTS)},
        "mdp_graph": {"value": "3x3_gridworld"},
        "interaction": {"value": "remove"},
        "discount_rate": {"value": 0.9},
        "seed_policy": {"value": "uniform_random"},
        "reward_correlation": {"values": [0, 0.5], "names": ["0", "0p5"]},
        "reward_distribution": {"value": {"default_dist": {"dist_name": "uniform", "params": [0, 1]}}},
        "num_reward_samples": {"value": 64},
        "random_seed": {"value": 0},
    },
}


def test_three_agents_through_powerplay_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "trio.yaml").write_text(yaml.safe_dump(CONFIG, sort_keys=False))
    result = CliRunner().invoke(app, ["run", "trio.yaml", "--plot-as-gridworld", "--diagnostic", "--report"])
    assert result.exit_code == 0, result.stdout + result.stderr
    # The runs table: every pair's corrected α, as run.json has them (checked below).
    header = next(line for line in result.stdout.splitlines() if "run folder" in line)
    assert [c.strip() for c in header.split("  ") if c.strip().startswith("α")] == [
        "α_HA corrected",
        "α_HB corrected",
        "α_AB corrected",
    ]
    sweep = load_sweep("0001", "expts")
    rows = sweep.table()
    for run, row in zip(sweep.runs, rows):
        assert run.power_keys == ("H", "A", "B", "H_against_seed", "A_against_seed", "A_seed", "B_seed")
        header = (run.path / "power.csv").read_text().splitlines()[0].split(",")
        assert header[1:7] == ["power_H", "power_H_sem", "power_A", "power_A_sem", "power_B", "power_B_sem"]
        info = json.loads((run.path / "run.json").read_text())
        assert list(info["alignments"]) == ["HA", "HB", "AB"]
        # The streamed α of each pair is the α of the kept samples (the same tree, bit for bit).
        for (x, y), stats in run.alignments().items():
            assert stats == alignment_of_samples(run.power[x], run.power[y], agents=(x, y))
            assert row[f"alpha_{x}{y}"] == stats.alpha
            assert info["alignments"][f"{x}{y}"]["alpha"] == stats.alpha
        rewards = run.reward_samples(0, 4)
        assert list(rewards) == list(AGENTS) and rewards["B"].shape == (4, len(run.states))
        figures = set(info["figures"])
        assert {f"POWER_means-agent_{a}-{run.name}.png" for a in AGENTS} <= figures
        assert f"POWER_alignment_matrix-{run.name}.png" in figures
        assert f"POWER_means-agent_B_seed-{run.name}.png" in figures
        # B's map is the average of its POWER over the joint states with B in each cell.
        geometry = AgentGeometry.of_states(run.states)
        _, averages, counts = own_cell_means(run.power_mean("B"), geometry, "B")
        assert set(counts.tolist()) == {56}
        np.testing.assert_allclose(averages, [run.power_mean("B")[geometry.flat("B") == c].mean() for c in range(9)])
    with open(sweep.path / "runs.csv", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert float(table[1]["alpha_AB_corrected"] or "nan") == pytest.approx(
        rows[1]["alpha_AB_corrected"] or np.nan, nan_ok=True
    )
    data = gather_report_data(sweep)
    assert data.keys == AGENTS and data.kind == "agents_gridworld"
    assert (sweep.path / "report.html").stat().st_size > 100_000
    _sweep_figures_cover_every_agent(sweep, tmp_path)


def _sweep_figures_cover_every_agent(sweep, tmp_path):
    """The average-POWER plot has a series per agent, the alignment animation any pair's plots."""
    lines = average_powers_data(sweep)
    assert [s.label for s in lines.series] == [f"Agent {a} POWER, averaged over states" for a in ("A", "H", "B")]
    assert lines.title.startswith("Average POWER of Agents H, A and B")
    for series, agent in zip(lines.series, ("A", "H", "B")):
        expected = np.array([run.average_power(agent) for run in sweep.runs])
        np.testing.assert_array_equal(series.y, expected[:, 0])
        np.testing.assert_array_equal(series.high, expected[:, 0] + expected[:, 1])
    frames = alignment_frames(sweep, pair=("A", "B"))
    for frame, run in zip(frames, sweep.runs):
        assert frame.agents == ("A", "B") and frame.baseline is None  # a baseline is H's against A's seed only
        np.testing.assert_array_equal(frame.x, run.power_mean("A"))
        assert frame.statistics == run.alignment(("A", "B"))
        assert frame.alpha == pytest.approx(np.corrcoef(run.power_mean("A"), run.power_mean("B"))[0, 1], rel=1e-12)
    with pytest.raises(FigureError, match="alignment plot of agents H and C: run .* has agents H, A, B"):
        alignment_frames(sweep, pair=("H", "C"))
    result = CliRunner().invoke(app, ["plot", "alignment", "0001", "--pair", "A:B", "--output", str(tmp_path / "figs")])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert len(list((tmp_path / "figs").glob("*.gif"))) == 1


def test_three_agent_memory_is_counted_by_the_chain_and_refused_before_computing():
    from powerplay.solvers.power import learning_chain_memory

    run = {k: v["value"] if "value" in v else v["values"][0] for k, v in CONFIG["parameters"].items()}
    experiment = build_experiment(run)
    states = len(experiment.states)
    chain = learning_chain_memory(experiment.mdp, AGENTS)
    # The estimate holds the chain's own count (stages' structures, per-sample arrays) for the chunk.
    assert experiment.memory_estimate(64) >= chain.total(64, states)
    assert experiment.memory_estimate(64) - experiment.memory_estimate(32) >= 32 * states * chain.peak_per_sample_state
    experiment.check_memory(64, available=10 * experiment.memory_estimate(64))
    with pytest.raises(ResourceLimitError, match=r"needs about .* of memory but .* is available; it does not fit"):
        experiment.check_memory(64, available=experiment.memory_estimate(64) // 2)


def test_the_readme_s_several_agents_config_builds_what_it_says():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Several agents") :]
    block = section[section.index("```yaml\n") + len("```yaml\n") : section.index("```", section.index("```yaml") + 7)]
    parameters = yaml.safe_load(block)["parameters"]
    run = {k: v["value"] for k, v in parameters.items()}
    experiment = build_experiment(run)
    scenario = experiment.scenario
    assert scenario.agent_names == ("H", "A", "B") and experiment.power_keys == ("H", "A", "B")
    assert scenario.agent("H").model.title == "Boltzmann beta = 5" and scenario.agent("B").model.is_optimal
    assert scenario.interaction == "push" and scenario.rounds == 0 and len(experiment.states) == 31 * 30 * 29


def test_a_sweep_of_two_and_three_agents_shows_each_run_s_own_pairs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    parameters = {k: dict(v) for k, v in CONFIG["parameters"].items()}
    parameters["agents"] = {"values": [["H", "A"], ["H", "A", "B"]], "names": ["pair", "trio"]}
    parameters["reward_correlation"] = {"value": 0}
    parameters["num_reward_samples"] = {"value": 300}
    (tmp_path / "mixed.yaml").write_text(yaml.safe_dump({"name": "mixed", "parameters": parameters}))
    result = CliRunner().invoke(app, ["run", "mixed.yaml", "--no-figures"])
    assert result.exit_code == 0, result.stdout + result.stderr
    sweep = load_sweep("0001", "expts")
    pair, trio = sweep.runs
    expected = {
        "pair": [pair.alignment(("H", "A")).alpha_corrected],
        "trio": [trio.alignment(p).alpha_corrected for p in (("H", "A"), ("H", "B"), ("A", "B"))],
    }
    # The runs table (a row per run, in order): the pair run's α_HA is there, blank for the pairs it lacks.
    lines = [line for line in result.stdout.splitlines() if "   new   " in line]
    for line, values in zip(lines, expected.values(), strict=True):
        cells = [c.strip() for c in line.split("   ") if " ± " in c or c.strip().startswith("undefined")]
        got = [float(c.split(" ± ")[0]) if " ± " in c else None for c in cells]
        assert got == [None if np.isnan(v) else pytest.approx(v, abs=5e-4) for v in values]
    shown = CliRunner().invoke(app, ["show", "0001"])
    assert shown.exit_code == 0 and "agents H, A, B" in shown.stdout
    alpha_rows = [line.split() for line in shown.stdout.splitlines() if "α_" in line and "±" in line]
    assert [row[row.index(next(c for c in row if c.startswith("α_")))] for row in alpha_rows] == [
        "α_HA",
        "α_HA",
        "α_HB",
        "α_AB",
    ]
    # The average-POWER plot over the agents parameter: B has a point for the trio run only.
    result = CliRunner().invoke(
        app, ["plot", "average-powers", "0001", "--param", "agents", "--output", str(tmp_path / "figs")]
    )
    assert result.exit_code == 0, result.stdout + result.stderr
    series = {s.label.split()[1]: s for s in average_powers_data(sweep, "agents").series}
    assert list(series) == ["A", "H", "B"]
    assert np.isnan(series["B"].y[0]) and series["B"].y[1] == trio.average_power("B")[0]
    assert series["H"].y.tolist() == [pair.average_power("H")[0], trio.average_power("H")[0]]
