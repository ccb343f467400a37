"""Sweep reports without a browser: the numbers gathered, the page's data, the file, the commands.

The browser tests (hover, selection, rendering) are in ``test_report_browser.py``.
"""

from __future__ import annotations

import csv
import json
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from powerplay.errors import FigureError, SweepNotFoundError
from powerplay.figures import write_report
from powerplay.figures.heatmaps import BLOCK_GAP
from powerplay.figures.report.data import (
    Layout,
    colour_range,
    colour_values,
    gather_report_data,
    ranks_descending,
)
from powerplay.figures.report.page import runs_source_columns, state_source_columns, top_source_columns
from powerplay.interfaces.cli import app
from powerplay.runner.config import parse_sweep_config
from powerplay.runner.sweep import run_sweep
from powerplay.storage import load_sweep

JOINT_SWEEP = """
name: report_joint
parameters:
  joint_mdp_graph: {value: joint_3x3_gridworld}
  seed_policy_graph_agent_A: {value: joint_3x3_gridworld_agent_A_uniform_random}
  discount_rate: {values: [0.3, 0.9], names: ["0p3", "0p9"]}
  discount_rate_agent_A: {value: 0.6}
  reward_distribution: {value: {default_dist: {dist_name: uniform, params: [0, 1]}}}
  reward_correlation: {values: [0, 1], names: ["0", "1"]}
  num_reward_samples: {value: 50}
  random_seed: {value: 0}
"""

SINGLE_SWEEP = """
name: report_single
parameters:
  mdp_graph: {value: 3x3_gridworld}
  discount_rate: {values: [0.2, 0.9], names: ["0p2", "0p9"]}
  reward_distribution: {value: {default_dist: {dist_name: uniform, params: [0, 1]}}}
  num_reward_samples: {value: 60}
  random_seed: {value: 0}
"""

#: A swept parameter that is not a number (the MDP itself).
NAMED_SWEEP = """
name: report_named
parameters:
  mdp_graph: {values: [3x3_gridworld, mdp_from_paper]}
  discount_rate: {value: 0.5}
  reward_distribution: {value: {default_dist: {dist_name: uniform, params: [0, 1]}}}
  num_reward_samples: {value: 20}
  random_seed: {value: 0}
"""

#: Two parameters varying together (one ``zip`` group), not as a grid.
ZIPPED_SWEEP = """
name: report_zipped
parameters:
  joint_mdp_graph: {value: joint_3x3_gridworld}
  seed_policy_graph_agent_A: {value: joint_3x3_gridworld_agent_A_uniform_random}
  discount_rate: {values: [0.2, 0.5, 0.9], names: ["0p2", "0p5", "0p9"], zip: together}
  discount_rate_agent_A: {values: [0.3, 0.6, 0.8], names: ["0p3", "0p6", "0p8"], zip: together}
  reward_distribution: {value: {default_dist: {dist_name: uniform, params: [0, 1]}}}
  reward_correlation: {value: 0}
  num_reward_samples: {value: 20}
  random_seed: {value: 0}
"""

GRAPH_SWEEP = """
name: report_graph
parameters:
  mdp_graph: {value: mdp_from_paper}
  discount_rate: {value: 0.5}
  reward_distribution: {value: {default_dist: {dist_name: uniform, params: [0, 1]}}}
  num_reward_samples: {value: 40}
  random_seed: {value: 0}
"""


class TagCollector(HTMLParser):
    """Counts script elements and collects every tag that would load something from elsewhere."""

    def __init__(self):
        super().__init__()
        self.scripts, self.external = 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.scripts += tag == "script"
        if (tag in ("script", "img", "iframe") and attrs.get("src")) or (tag == "link" and attrs.get("href")):
            self.external.append((tag, attrs))


def make_sweep(expts: Path, text: str, **options):
    return run_sweep(parse_sweep_config(text, source="<report tests>"), expts, **options)


def power_csv(run_folder: Path) -> dict[str, dict[str, float]]:
    with open(run_folder / "power.csv", newline="", encoding="utf-8") as handle:
        return {row["state"]: {k: float(v) for k, v in row.items() if k != "state"} for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def joint_sweep(tmp_path_factory):
    # Samples not kept: the report must work from statistics alone.
    return make_sweep(tmp_path_factory.mktemp("report_joint"), JOINT_SWEEP, keep_samples=False)


@pytest.fixture(scope="module")
def single_sweep(tmp_path_factory):
    return make_sweep(tmp_path_factory.mktemp("report_single"), SINGLE_SWEEP)


# --- helpers ------------------------------------------------------------------------------


def test_ranks_put_the_largest_first_and_share_ties():
    assert ranks_descending(np.array([0.5, 0.9, 0.1, 0.9, 0.5])).tolist() == [3, 1, 5, 1, 3]
    assert ranks_descending(np.array([1.0])).tolist() == [1]


def test_joint_layout_places_blocks_by_agent_A_and_cells_by_agent_H():
    states = ["(0, 0)_H^(0, 1)_A", "(1, 1)_H^(0, 1)_A", "(0, 1)_H^(1, 0)_A"]
    layout = Layout.of_states(states)
    assert layout.kind == "joint_gridworld"
    step = 2 + BLOCK_GAP  # a 2x2 grid
    assert layout.x.tolist() == [1 * step + 0, 1 * step + 1, 0 * step + 1]
    assert layout.y.tolist() == [0, 1, 1 * step + 0]
    assert layout.blocks == [(0, 1), (1, 0)] and layout.block_of.tolist() == [0, 0, 1]
    assert Layout.of_states(["(0, 0)", "(2, 1)"]).kind == "gridworld"
    assert Layout.of_states(["start", "end"]).kind == "bars"


def test_colour_scales_shared_per_block_and_difference():
    layout = Layout.of_states(["(0, 0)_H^(0, 1)_A", "(1, 1)_H^(0, 1)_A", "(0, 1)_H^(1, 0)_A", "(1, 1)_H^(1, 0)_A"])
    values = np.array([1.0, 3.0, 10.0, 10.0])
    scales = colour_values(values, layout)
    assert scales["shared"].tolist() == values.tolist()
    assert scales["block"].tolist() == [0.0, 1.0, 0.5, 0.5]  # a constant block sits mid-scale
    assert scales["difference"].tolist() == [-1.0, 1.0, 0.0, 0.0]
    assert colour_range("shared", values) == (1.0, 10.0)
    assert colour_range("block", scales["block"]) == (0.0, 1.0)
    assert colour_range("difference", scales["difference"]) == (-1.0, 1.0)
    low, high = colour_range("shared", np.array([2.0, 2.0]))
    assert low < 2.0 < high


# --- gathered numbers -------------------------------------------------------------------


def test_gathered_statistics_match_power_csv_and_run_json(joint_sweep):
    data = gather_report_data(joint_sweep)
    assert data.keys == ("H", "A") and data.kind == "joint_gridworld" and data.same_states
    assert len(data.runs) == 4 and not any(run.info["samples_kept"] for run in data.runs)
    for run in data.runs:
        folder = joint_sweep.path / joint_sweep.record["runs"][run.index]["folder"]
        table = power_csv(folder)
        assert list(table) == list(run.states)
        for key in ("H", "A"):
            np.testing.assert_allclose(run.means[key], [table[s][f"power_{key}"] for s in run.states], rtol=1e-9)
            np.testing.assert_allclose(run.sems[key], [table[s][f"power_{key}_sem"] for s in run.states], rtol=1e-9)
            order = sorted(run.states, key=lambda s: -table[s][f"power_{key}"])
            assert run.states[int(np.argmin(run.ranks[key]))] == order[0]
        info = json.loads((folder / "run.json").read_text())
        assert run.alignment["alpha"] == info["alignment"]["alpha"]
    assert [run.label for run in data.runs] == [
        "γ = 0.3 · β = 0",
        "γ = 0.3 · β = 1",
        "γ = 0.9 · β = 0",
        "γ = 0.9 · β = 1",
    ]


def test_top_states_are_the_extremes(joint_sweep):
    data = gather_report_data(joint_sweep, top_k=3)
    run = data.runs[0]
    lists = run.top_states(3)
    assert list(lists) == ["highest H", "lowest H", "highest A", "lowest A", "largest gap H − A"]
    h = run.means["H"]
    assert [h[i] for i in lists["highest H"]] == sorted(h, reverse=True)[:3]
    assert [h[i] for i in lists["lowest H"]] == sorted(h)[:3]
    gap = np.abs(run.means["H"] - run.means["A"])
    assert [gap[i] for i in lists["largest gap H − A"]] == sorted(gap, reverse=True)[:3]


def test_header_has_config_seed_samples_versions_timing_and_convergence(joint_sweep):
    header = gather_report_data(joint_sweep).header()
    assert header["random_seed"] == "0" and header["num_reward_samples"] == [50]
    assert header["runs_finished"] == header["runs_total"] == 4
    assert "numpy" in header["versions"] and header["seconds_total"] > 0
    assert header["convergence_threshold"] and header["bound_max"] >= 0 and header["samples_capped"] == 0
    assert "reward_correlation" in header["config_text"] and header["swept"]["discount_rate"] == ["0.3", "0.9"]


def test_sweep_series_fix_the_other_parameters(joint_sweep):
    data = gather_report_data(joint_sweep)
    series = data.series("discount_rate")
    assert [label for label, _ in series] == ["β = 0", "β = 1"]
    assert [[run.values["discount_rate"] for run in runs] for _, runs in series] == [[0.3, 0.9], [0.3, 0.9]]
    assert data.plotted_parameters == ["discount_rate", "reward_correlation"]
    assert len(data.chosen_states) >= 2


def test_zipped_parameters_make_one_series_with_every_point(tmp_path):
    data = gather_report_data(make_sweep(tmp_path / "expts", ZIPPED_SWEEP))
    assert data.plotted_parameters == ["discount_rate", "discount_rate_agent_A"]
    for param, values in (("discount_rate", [0.2, 0.5, 0.9]), ("discount_rate_agent_A", [0.3, 0.6, 0.8])):
        series = data.series(param)
        assert [label for label, _ in series] == ["all runs"]
        assert [run.values[param] for run in series[0][1]] == values
        assert {data.combo_label(run, param) for run in data.runs} == {"all runs"}


def test_page_columns_hold_every_run_and_state_in_order(joint_sweep):
    data = gather_report_data(joint_sweep, top_k=4)
    columns = state_source_columns(data)
    count = len(data.runs[0].states)
    assert len(columns["state"]) == 4 * count and columns["run"][count] == "1"
    np.testing.assert_array_equal(columns["A_mean"][2 * count : 3 * count], data.runs[2].means["A"])
    assert columns["c_H_block"].dtype == np.float32 and columns["x"].dtype == np.int32
    runs = runs_source_columns(data)
    assert runs["alpha"][3] == pytest.approx(data.runs[3].alignment["alpha"])
    assert runs["alpha_ci"][0].startswith("[")
    top = top_source_columns(data)
    assert len(top["state"]) == 4 * 5 * 4  # runs x lists x k
    first = top["row"][0]  # rows point into the state source
    assert columns["state"][first] == top["state"][0] and columns["run"][first] == top["run"][0]


# --- the file ---------------------------------------------------------------------------


def test_report_is_one_self_contained_file(joint_sweep, tmp_path):
    path = write_report(joint_sweep)
    assert path == joint_sweep.path / "report.html"
    text = path.read_text(encoding="utf-8")
    tags = TagCollector()
    tags.feed(text)
    assert tags.scripts >= 3 and tags.external == []  # every script inlined, nothing fetched
    assert "Bokeh.embed" in text and "(0, 0)_H^(0, 0)_A" in text
    other = write_report(joint_sweep.path, tmp_path / "nested" / "mine.html", states=["(0, 0)_H^(1, 1)_A"], top_k=3)
    assert other.is_file() and other.stat().st_size < 10 * 2**20


def test_single_agent_and_non_gridworld_sweeps(single_sweep, tmp_path):
    data = gather_report_data(single_sweep)
    assert data.keys == ("H",) and data.kind == "gridworld" and not data.two_agents
    assert write_report(single_sweep).is_file()
    graph = make_sweep(tmp_path / "expts", GRAPH_SWEEP)
    data = gather_report_data(graph)
    assert data.kind == "bars" and data.plotted_parameters == []
    assert "heatmap" not in write_report(graph).read_text(encoding="utf-8").split("Bokeh.embed")[-1]


def test_sweep_over_a_parameter_that_is_not_a_number(tmp_path):
    sweep = make_sweep(tmp_path / "expts", NAMED_SWEEP)
    data = gather_report_data(sweep)
    assert data.kind == "bars" and data.plotted_parameters == ["mdp_graph"] and not data.is_numeric("mdp_graph")
    assert runs_source_columns(data)["p_mdp_graph"] == ["3x3_gridworld", "mdp_from_paper"]
    text = write_report(sweep).read_text(encoding="utf-8")
    assert '"field":"p_mdp_graph"' in text.replace(" ", "")  # the table has a column for it


def test_bad_requests_are_one_line_errors(joint_sweep, tmp_path):
    with pytest.raises(FigureError, match=r"state 'nowhere' is not a state of sweep"):
        write_report(joint_sweep, states=["nowhere"])
    with pytest.raises(FigureError, match="top_k"):
        write_report(joint_sweep, top_k=0)
    with pytest.raises(SweepNotFoundError):
        write_report("0042", folder=tmp_path)
    empty = make_sweep(tmp_path / "expts", SINGLE_SWEEP)
    for run in empty.runs:
        (run.path / "run.json").unlink()  # as if no run had finished
    with pytest.raises(FigureError, match="no finished run"):
        write_report(load_sweep(empty.path))


# --- commands ---------------------------------------------------------------------------

runner = CliRunner()


def test_report_command(joint_sweep, tmp_path):
    target = tmp_path / "shared" / "sweep.html"
    result = runner.invoke(
        app,
        [
            "report",
            joint_sweep.sweep_id,
            "--folder",
            str(joint_sweep.path.parent),
            "-o",
            str(target),
            "--state",
            "(0, 0)_H^(1, 1)_A",
            "--top",
            "3",
        ],
    )
    assert result.exit_code == 0, result.output
    assert target.is_file() and str(target) in result.stdout.replace("\n", "")
    bad = runner.invoke(app, ["report", "0099", "--expts", str(tmp_path)])
    assert bad.exit_code == 2 and "no sweep '0099'" in bad.stderr


def test_run_and_reproduce_write_a_report(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "single.yaml"
    config.write_text(SINGLE_SWEEP, encoding="utf-8")
    result = runner.invoke(app, ["run", str(config), "--no-figures", "--report"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "expts" / "0001-report_single" / "report.html").is_file()
    result = runner.invoke(app, ["reproduce", "1", "1", "-n", "100", "--no-run-figures", "--report"])
    assert result.exit_code == 0, result.output
    reports = list((tmp_path / "expts").glob("*PART_1-FIGURE_1/report.html"))
    assert len(reports) == 1 and "Report in" in result.stdout


def test_slips_the_runs_table_scrolls_instead_of_clipping_and_menus_name_both_agents(joint_sweep):
    """Issue 19, item 6: a table wider than the page keeps its columns (and scrolls); the gap
    list is named for both agents; the header's sample count is the runs'."""
    from powerplay.figures.report.page import MAX_TABLE_WIDTH, _list_title, _Page

    page = _Page(gather_report_data(joint_sweep))
    _, _, table = page.runs_table()
    wanted = sum(c.width for c in table.columns) + 20
    assert table.width == min(wanted, MAX_TABLE_WIDTH)
    assert table.autosize_mode == ("none" if wanted > MAX_TABLE_WIDTH else "force_fit")
    assert _list_title("largest gap H − A") == "largest gap between the POWER of Agent H and of Agent A"
    assert _list_title("highest A") == "highest POWER of Agent A"
    assert gather_report_data(joint_sweep).header()["num_reward_samples"] == [joint_sweep.runs[0].num_samples]


def test_the_header_gives_the_runs_sample_count_not_the_configs(tmp_path):
    sweep = make_sweep(tmp_path, SINGLE_SWEEP, samples=30)
    header = gather_report_data(sweep).header()
    assert header["num_reward_samples"] == [30] and header["overrides"]["samples"] == 30
