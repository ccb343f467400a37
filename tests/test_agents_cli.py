"""The command line with three agents: show, compare, plot heatmaps and plot alpha --pair.

The sweeps are synthetic three-agent sweeps (:mod:`agents_fixtures`); the numbers printed are
checked against the runs table and the statistics computed in Python.
"""

from __future__ import annotations

import csv
import io

import pytest
from agents_fixtures import trio_sweep
from typer.testing import CliRunner

from powerplay.interfaces.cli import app

RUNNER = CliRunner()


@pytest.fixture(scope="module")
def trio(tmp_path_factory):
    root = tmp_path_factory.mktemp("trio_cli")
    sweep, _ = trio_sweep(root / "expts")
    return root, sweep


def _invoke(root, *args):
    result = RUNNER.invoke(app, [*args])
    return result.exit_code, result.stdout, result.stderr


def test_show_has_alpha_of_every_pair(trio, monkeypatch):
    root, sweep = trio
    monkeypatch.chdir(root)
    code, output, _ = _invoke(root, "show", "0001")
    assert code == 0, output
    assert "agents H, A, B" in output and "α of each pair of agents (H, A, B)" in output
    rows = sweep.table()
    # One row per run and pair, in order: α ± SE, corrected [interval], the pair's reliabilities.
    lines = [line.split() for line in output.splitlines() if "α_" in line and "±" in line]
    expected = [(row, tag) for row in rows for tag in ("HA", "HB", "AB")]
    assert len(lines) == len(expected)
    for words, (row, tag) in zip(lines, expected):
        at = words.index(f"α_{tag}")
        assert words[at + 1 : at + 4] == [f"{row[f'alpha_{tag}']:.3f}", "±", f"{row[f'alpha_{tag}_sem']:.3f}"]
        assert words[at + 4] == f"{row[f'alpha_{tag}_corrected']:.3f}"
        assert words[at + 7 : at + 9] == [tag[0], f"{row[f'reliability_{tag[0]}']:.2f}"]
    code, text, _ = _invoke(root, "show", "0001", "--csv")
    table = list(csv.DictReader(io.StringIO(text)))
    assert float(table[1]["alpha_AB_corrected"]) == pytest.approx(rows[1]["alpha_AB_corrected"], rel=1e-15)
    assert [c for c in table[0] if c.startswith("alpha_") and c.endswith("corrected")] == [
        "alpha_HA_corrected",
        "alpha_HB_corrected",
        "alpha_AB_corrected",
    ]


def test_compare_takes_any_pair_and_agent(trio, monkeypatch):
    root, sweep = trio
    monkeypatch.chdir(root)
    runs = sweep.runs
    code, output, _ = _invoke(
        root,
        "compare",
        "0001",
        "reward_correlation__0",
        "reward_correlation__0p5",
        "--statistic",
        "alpha:A:B",
        "--statistic",
        "average_power:B",
    )
    assert code == 0, output
    flat = " ".join(output.split())
    a, b = runs[0].alignment(("A", "B")).alpha, runs[1].alignment(("A", "B")).alpha
    assert f"α_AB {a:.4f} ±" in flat and f"{b:.4f} ±" in flat and f"{b - a:+.4f} ±" in flat
    assert "average POWER (B)" in flat
    default = " ".join(_invoke(root, "compare", "0001", "reward_correlation__0", "reward_correlation__0p5")[1].split())
    assert all(f"α_{tag} corrected" in default for tag in ("HA", "HB", "AB"))
    code, _, error = _invoke(
        root, "compare", "0001", "reward_correlation__0", "reward_correlation__0p5", "--statistic", "alpha:H:C"
    )
    assert code == 2 and "'alpha:H:C' needs POWER of 'C', but these runs have POWER of H, A, B" in error
    assert len(error.strip().splitlines()) == 1


def test_plot_heatmaps_and_alpha_of_a_pair(trio, monkeypatch):
    root, _ = trio
    monkeypatch.chdir(root)
    code, output, error = _invoke(
        root, "plot", "heatmaps", "0001", "--run-suffix", "reward_correlation__0", "--others", "A=(1, 1),B=(0, 2)"
    )
    assert code == 0, error
    written = [line.removeprefix("Figure available in ").strip() for line in output.splitlines()]
    assert [w.split("/")[-1].split("-0001")[0] for w in written] == [
        "POWER_means-agent_H",
        "POWER_means-agent_H-others_A_1_1_B_0_2",
        "POWER_means-agent_A",
        "POWER_means-agent_A-others_B_0_2",
        "POWER_means-agent_B",
        "POWER_means-agent_B-others_A_1_1",
    ]
    assert all((root / w).is_file() for w in written)
    code, _, error = _invoke(
        root, "plot", "heatmaps", "0001", "--run-suffix", "reward_correlation__0", "--others", "A=(9, 9)"
    )
    assert code == 2 and "Agent A is never at (9, 9)" in error and len(error.strip().splitlines()) == 1
    code, output, error = _invoke(root, "plot", "alpha", "0001", "--pair", "A:B")
    assert code == 0, error
    assert output.strip().endswith("-pair_AB.png")
    code, _, error = _invoke(root, "plot", "alpha", "0001", "--pair", "A")
    assert code == 2 and "--pair: give two agents as X:Y" in error
