"""Reports of sweeps with three agents: the data behind the page, and the page in a real browser.

Each agent's map is computed by the page itself (in the browser); the browser test checks it
against :func:`powerplay.figures.agent_maps.agent_map` -- the same averages computed in Python --
and the hovered values against ``power.csv``. Screenshots go where the other browser tests'
go (``$POWERPLAY_TEST_ARTIFACTS/report/``), to be looked at.
"""

from __future__ import annotations

import math
import re
import time

import numpy as np
import pytest
from agents_fixtures import AGENTS, trio_sweep
from test_report import power_csv
from test_report_browser import artifacts, close_to, driver, hover_text, js, pixels_near, screenshot  # noqa: F401

from powerplay.figures import write_report
from powerplay.figures.agent_maps import agent_map, own_cell_means
from powerplay.figures.report import browser
from powerplay.figures.report.data import gather_report_data
from powerplay.figures.report.page import runs_source_columns, state_source_columns, top_source_columns

RED = (214, 39, 40)  # Agent A's colour
CELLS = 3  # the trio sweeps' 3x3 grid


@pytest.fixture(scope="module")
def trio(tmp_path_factory):
    return trio_sweep(tmp_path_factory.mktemp("trio_report"))


def test_the_report_data_of_three_agents(trio):
    sweep, _ = trio
    data = gather_report_data(sweep)
    assert data.keys == AGENTS and data.kind == "agents_gridworld" and not data.two_agents
    assert data.pairs == (("H", "A"), ("H", "B"), ("A", "B"))
    rows = sweep.table()
    runs = runs_source_columns(data)
    for tag in ("HA", "HB", "AB"):
        assert runs[f"alpha_{tag}"] == pytest.approx([row[f"alpha_{tag}"] for row in rows])
        assert runs[f"alpha_{tag}_c"] == pytest.approx([row[f"alpha_{tag}_corrected"] for row in rows])
        assert all(text.startswith("[") for text in runs[f"alpha_{tag}_c_ci"])
    assert runs["reliability_B"] == pytest.approx([row["reliability_B"] for row in rows])
    assert data.runs[1].pair_alignment("AB")["alpha"] == pytest.approx(rows[1]["alpha_AB"])
    states = state_source_columns(data)
    run = data.runs[0]
    for k, agent in enumerate(AGENTS):
        expected = [int(r) * CELLS + int(c) for r, c in re.findall(r"\((\d), (\d)\)", "".join(run.states))[k::3]]
        assert states[f"cell_{agent}"][: len(run.states)].tolist() == expected
    assert "x" not in states and "gap" not in states
    top = top_source_columns(data)
    assert set(top["list"]) == {f"{w} {a}" for w in ("highest", "lowest") for a in AGENTS}


@pytest.fixture(scope="module")
def trio_report(trio):
    return write_report(trio[0])


def _map(page, agent: str) -> dict[str, list]:
    return js(
        page,
        "const c = doc.get_model_by_name(arguments[0]).data; return {value: [...c.value], count: [...c.count], error: [...c.error]};",
        f"map_cells_{agent}",
    )


def _grid(item) -> dict[str, list]:
    """An :class:`AgentMap` on the page's grid (cells without a state: value None, count 0)."""
    value, count, error = [None] * CELLS**2, [0] * CELLS**2, [None] * CELLS**2
    for (r, c), v, n, e in zip(item.cells.tolist(), item.values, item.counts, item.errors):
        value[r * CELLS + c], count[r * CELLS + c], error[r * CELLS + c] = float(v), int(n), float(e)
    return {"value": value, "count": count, "error": error}


def _assert_same(page_map, expected):
    assert page_map["count"] == expected["count"]
    for got, want in zip(page_map["value"], expected["value"]):
        assert (got is None and want is None) or got == pytest.approx(want, abs=1e-12)


def _bounds(run, agent, held=None):
    """The page's errors of averages: the mean of the states' standard errors (an upper bound)."""
    from powerplay.figures.agent_maps import AgentGeometry

    geometry = AgentGeometry.of_states(run.states)
    mask = geometry.mask(held) if held else None
    cells, bound, _ = own_cell_means(run.power_sem(agent), geometry, agent, mask)
    return {(int(r), int(c)): float(b) for (r, c), b in zip(cells.tolist(), bound)}


def test_position_pickers_recompute_every_agents_map(driver, trio, trio_report, artifacts):  # noqa: F811
    from selenium.webdriver.support.ui import Select

    sweep, _ = trio
    run = sweep.runs[0]
    table = power_csv(run.path)
    browser.open_report(driver, trio_report)
    time.sleep(0.2)
    assert browser.console_errors(driver) == []
    # Opened: every map averaged over the other agents' positions.
    for agent in AGENTS:
        shown = _map(driver, agent)
        _assert_same(shown, _grid(agent_map(run.power_mean(agent), run.power_sem(agent), run.states, agent)))
        bounds = _bounds(run, agent)
        assert [shown["error"][r * CELLS + c] for r, c in bounds] == pytest.approx(list(bounds.values()), abs=1e-12)
    screenshot(driver, artifacts, "agents-01-averaged")
    # A click on A's cell (1, 1) holds A there in H's and B's maps (a real pointer click).
    browser.click_at(driver, *browser.plot_point(driver, "map_A", 1, 1))
    time.sleep(0.2)
    assert js(driver, "return doc.get_model_by_name('position_A').value;") == str(1 * CELLS + 1)
    for agent in ("H", "B"):
        held = agent_map(run.power_mean(agent), run.power_sem(agent), run.states, agent, held={"A": (1, 1)})
        _assert_same(_map(driver, agent), _grid(held))
    _assert_same(_map(driver, "A"), _grid(agent_map(run.power_mean("A"), run.power_sem("A"), run.states, "A")))
    # B's menu (the <select> a user opens): now H's map is one joint state per cell.
    Select(browser.element_in(driver, "position_B", "select")).select_by_visible_text("(0, 2)")
    time.sleep(0.2)
    held = {"A": (1, 1), "B": (0, 2)}
    sliced = agent_map(run.power_mean("H"), run.power_sem("H"), run.states, "H", held=held)
    _assert_same(_map(driver, "H"), _grid(sliced))
    assert set(_map(driver, "H")["count"]) == {0, 1}
    image = screenshot(driver, artifacts, "agents-02-held")
    # Where H cannot be (A's cell), the map is blank, outlined in A's red.
    x, y = browser.plot_point(driver, "map_H", 1, 1)
    edge = browser.plot_point(driver, "map_H", 1.44, 1)[0] - x
    assert pixels_near(image, x, y, 2).min() > 225  # the light grey of a cell without a state
    assert close_to(pixels_near(image, x + edge, y, 2), RED)
    # Hover: one joint state, every agent's POWER ± SE and rank as in power.csv.
    text = hover_text(driver, *browser.plot_point(driver, "map_H", 0, 2))
    state = "(2, 0)_H^(1, 1)_A^(0, 2)_B"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert lines[0] == "H at (2, 0)" and lines[1] == state
    for agent in AGENTS:
        match = re.search(rf"POWER {agent}: (-?[\d.]+) ± ([\d.]+) \(rank (\d+) of (\d+)\)", text)
        assert match, text
        expected = table[state][f"power_{agent}"]
        decimals = len(match[1].split(".")[1])
        assert abs(float(match[1]) - expected) <= 0.5 * 10**-decimals + 1e-12
        assert abs(float(match[2]) - table[state][f"power_{agent}_sem"]) <= 0.5 * 10**-decimals + 1e-12
        assert int(match[3]) == 1 + sum(row[f"power_{agent}"] > expected for row in table.values())
        assert int(match[4]) == len(table) == 504
    # Hover an average: A's map with B held, H anywhere.
    text = hover_text(driver, *browser.plot_point(driver, "map_A", 0, 0))
    assert "average over 7 joint states (H anywhere; B at (0, 2))" in text, text
    partial = agent_map(run.power_mean("A"), run.power_sem("A"), run.states, "A", held={"B": (0, 2)})
    value = float(re.search(r"POWER A: (-?[\d.]+) ± at most ([\d.]+)", text)[1])
    assert value == pytest.approx(partial.values[0], abs=1e-4)
    screenshot(driver, artifacts, "agents-03-hover-average")


def test_the_run_and_pair_menus(driver, trio, trio_report, artifacts):  # noqa: F811
    from selenium.webdriver.support.ui import Select

    sweep, _ = trio
    browser.open_report(driver, trio_report)
    second = sweep.runs[1]
    Select(browser.element_in(driver, "run_select", "select")).select_by_index(1)
    time.sleep(0.2)
    _assert_same(_map(driver, "B"), _grid(agent_map(second.power_mean("B"), second.power_sem("B"), second.states, "B")))
    assert "β = 0.5" in js(driver, "return doc.get_model_by_name('map_B').title.text;")
    Select(browser.element_in(driver, "pair_select", "select")).select_by_visible_text("A and B (α_AB)")
    time.sleep(0.2)
    fields = js(driver, "const p = doc.get_model_by_name('points'); return [p.glyph.x.field, p.glyph.y.field];")
    assert fields == ["A_mean", "B_mean"]
    title = js(driver, "return doc.get_model_by_name('alignment').title.text;")
    alpha = second.alignment(("A", "B")).alpha
    assert f"α_AB = {alpha:.3f}" in title and "β = 0.5" in title
    assert not math.isnan(alpha) and browser.console_errors(driver) == []
    screenshot(driver, artifacts, "agents-04-pair-AB")
    assert np.isfinite(alpha)
