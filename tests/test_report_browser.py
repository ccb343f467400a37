"""Sweep reports in a real browser: headless Chromium (Debian's), driven by Selenium.

The page must load without console errors and render its plots and table rows; hovering a
heat-map cell must show the right state, means, standard errors and ranks (checked against
``power.csv``); selecting an alignment point must highlight the right cell, and the other
way round; the run menu, runs table, colour-scale switch, axis switch and table filter must
do what they say. Screenshots go to ``$POWERPLAY_TEST_ARTIFACTS/report/`` (default: pytest's
temporary folder), to be looked at.

Without Chromium, ChromeDriver or Selenium these tests skip, saying why -- unless
``POWERPLAY_REQUIRE_BROWSER=1`` (set by ``.ci/run``), which turns the skip into a failure.
"""

from __future__ import annotations

import io
import math
import os
import re
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from test_report import JOINT_SWEEP, power_csv

from powerplay.figures import write_report
from powerplay.figures.report import browser
from powerplay.runner.config import parse_sweep_config
from powerplay.runner.sweep import run_sweep

REQUIRE_VARIABLE = "POWERPLAY_REQUIRE_BROWSER"
ARTIFACTS_VARIABLE = "POWERPLAY_TEST_ARTIFACTS"

#: The joint sweep of the other report tests, under its own name (the header must show it).
SWEEP = JOINT_SWEEP.replace("name: report_joint", "name: report_browser")
assert "report_browser" in SWEEP

#: Colour of selected cells' outlines and selected points (page.HIGHLIGHT).
ORANGE = (255, 127, 14)


@pytest.fixture(scope="module")
def driver():
    if browser.find_browser() is None:
        reason = f"browser tests need headless Chromium: {browser.missing_browser_reason()}"
        if os.environ.get(REQUIRE_VARIABLE) == "1":
            pytest.fail(f"{reason} ({REQUIRE_VARIABLE}=1 forbids skipping)")
        pytest.skip(reason)
    with browser.headless_chromium(width=1500, height=1100) as chromium:
        yield chromium


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory) -> Path:
    base = os.environ.get(ARTIFACTS_VARIABLE)
    folder = Path(base) / "report" if base else tmp_path_factory.mktemp("report_screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    config = parse_sweep_config(SWEEP, source="<browser tests>")
    return run_sweep(config, tmp_path_factory.mktemp("report_browser"), keep_samples=False)


@pytest.fixture(scope="module")
def report(sweep) -> Path:
    return write_report(sweep)


@pytest.fixture
def page(driver, report):
    """The report freshly loaded (no selection, first run shown); console errors checked after the test."""
    browser.open_report(driver, report)
    yield driver
    assert browser.console_errors(driver) == []


def power_table(sweep, run_index: int) -> dict[str, dict[str, float]]:
    return power_csv(sweep.path / sweep.record["runs"][run_index]["folder"])


def js(driver, code: str, *args):
    """Run ``code`` with ``doc`` (the Bokeh document) and ``states`` (the state source) defined."""
    prelude = "const doc = Bokeh.documents[0]; const states = doc.get_model_by_name('states');\n"
    return driver.execute_script(prelude + code, *args)


def row_of(driver, run: int, state: str) -> int:
    """Row of (run, state) in the page's state source."""
    return js(
        driver,
        "return states.data.state.findIndex((s, i) => s == arguments[0] && states.data.run[i] == arguments[1]);",
        state,
        str(run),
    )


def cell_point(driver, plot: str, row: int) -> tuple[float, float]:
    x, y = js(driver, "return [states.data.x[arguments[0]], states.data.y[arguments[0]]];", row)
    return browser.plot_point(driver, plot, x, y)


def alignment_point(driver, row: int) -> tuple[float, float]:
    h, a = js(driver, "return [states.data.H_mean[arguments[0]], states.data.A_mean[arguments[0]]];", row)
    return browser.plot_point(driver, "alignment", h, a)


def hover_text(driver, x: float, y: float) -> str:
    for _ in range(20):  # the tooltip appears on the next animation frame
        browser.move_mouse(driver, x, y)
        time.sleep(0.05)
        shown = browser.visible_tooltips(driver)
        if shown:
            return shown[0]
    raise AssertionError(f"no tooltip at ({x:.0f}, {y:.0f})")


def selected_rows(driver) -> list[int]:
    return sorted(js(driver, "return [...states.selected.indices];"))


def screenshot(driver, folder: Path, name: str) -> Image.Image:
    png = driver.get_screenshot_as_png()
    (folder / f"{name}.png").write_bytes(png)
    return Image.open(io.BytesIO(png)).convert("RGB")


def pixels_near(image: Image.Image, x: float, y: float, radius: int) -> np.ndarray:
    box = np.asarray(image)[int(y) - radius : int(y) + radius + 1, int(x) - radius : int(x) + radius + 1]
    return box.reshape(-1, 3).astype(int)


def close_to(pixels: np.ndarray, colour, tolerance: int = 40) -> bool:
    return bool(np.any(np.abs(pixels - np.array(colour)).max(axis=1) <= tolerance))


def decimals_shown(text: str) -> int:
    return len(re.search(r"POWER H: -?\d+\.(\d+)", text).group(1))


def check_tooltip(text: str, state: str, table: dict[str, dict[str, float]]) -> None:
    """The tooltip names ``state`` and shows each agent's mean ± SE and rank as in ``power.csv``."""
    assert text.splitlines()[0].strip() == state
    tolerance = 0.5 * 10 ** -decimals_shown(text) + 1e-12
    for key in ("H", "A"):
        match = re.search(rf"POWER {key}: (-?[\d.]+) ± ([\d.]+) \(rank (\d+) of (\d+)\)", text)
        assert match, text
        mean, sem, rank, count = float(match[1]), float(match[2]), int(match[3]), int(match[4])
        expected = table[state][f"power_{key}"]
        assert abs(mean - expected) <= tolerance and abs(sem - table[state][f"power_{key}_sem"]) <= tolerance
        assert rank == 1 + sum(row[f"power_{key}"] > expected for row in table.values())
        assert count == len(table)


# --- loading --------------------------------------------------------------------------------


def test_page_loads_renders_every_plot_and_row(driver, report, sweep, artifacts):
    milliseconds = browser.open_report(driver, report)
    assert milliseconds > 0 and browser.console_errors(driver) == []
    figures = js(
        driver,
        """
        return [...doc.all_models].filter(m => m.type == 'Figure')
          .map(m => [m.name, Bokeh.index.find_one(m) != null && Bokeh.index.find_one(m).canvas_view.el.getBoundingClientRect().width > 0]);""",
    )
    names = {name for name, shown in figures if shown}
    assert len(figures) == len(names)  # every figure has a rendered, visible canvas
    # two heat maps and the alignment plot; per swept parameter α_HA, average POWER, chosen states
    assert names == {"heatmap_H", "heatmap_A", "alignment"} | {
        f"sweep_{kind}_{param}"
        for kind in ("alpha", "average", "states")
        for param in ("discount_rate", "reward_correlation")
    }
    assert browser.count_in(driver, "runs_table", ".slick-row") == len(sweep.runs) == 4
    assert browser.count_in(driver, "top_table", ".slick-row") == 10
    text = js(driver, "return doc.get_model_by_name('header').text;")
    assert "report_browser" in text and "random seed" in text and "versions" in text
    screenshot(driver, artifacts, "01-loaded")


# --- hover ----------------------------------------------------------------------------------


@pytest.mark.parametrize("plot", ["heatmap_H", "heatmap_A"])
def test_hovering_a_cell_shows_its_state_values_and_ranks(page, sweep, plot, artifacts):
    table = power_table(sweep, 0)
    states = list(table)
    for state in (states[0], states[len(states) // 2], states[-1]):
        x, y = cell_point(page, plot, row_of(page, 0, state))
        check_tooltip(hover_text(page, x, y), state, table)
    screenshot(page, artifacts, f"02-hover-{plot}")


def test_hovering_an_alignment_point_shows_its_state(page, sweep):
    table = power_table(sweep, 0)
    state = max(table, key=lambda s: table[s]["power_H"])  # the rightmost point: nothing covers it
    check_tooltip(hover_text(page, *alignment_point(page, row_of(page, 0, state))), state, table)


# --- linked selection -------------------------------------------------------------------------


def test_selecting_an_alignment_point_highlights_its_cell(page, sweep, artifacts):
    table = power_table(sweep, 0)
    state = max(table, key=lambda s: table[s]["power_H"])
    other = min(table, key=lambda s: table[s]["power_H"])
    row = row_of(page, 0, state)
    browser.click_at(page, *alignment_point(page, row))
    assert selected_rows(page) == [row]
    for plot in ("heatmap_H", "heatmap_A"):
        x, y = cell_point(page, plot, row)
        ox, oy = cell_point(page, plot, row_of(page, 0, other))
        cell = js(
            page,
            "const v = Bokeh.index.find_one(doc.get_model_by_name(arguments[0])); return v.frame.x_scale.compute(1) - v.frame.x_scale.compute(0);",
            plot,
        )
        image = screenshot(page, artifacts, f"03-selected-point-{plot}")
        # The selected cell keeps its full colour (viridis always has a dark channel); other
        # cells fade towards white; an orange outline runs along the selected cell's edge.
        assert pixels_near(image, x, y, 1).min() < 140
        assert pixels_near(image, ox, oy, 1).min() > 150
        assert close_to(pixels_near(image, x + 0.47 * cell, y, 2), ORANGE)
        assert not close_to(pixels_near(image, ox + 0.47 * cell, oy, 2), ORANGE)


def test_clicking_a_cell_highlights_its_point(page, sweep, artifacts):
    table = power_table(sweep, 0)
    state = min(table, key=lambda s: table[s]["power_A"])  # the lowest point
    row = row_of(page, 0, state)
    browser.click_at(page, *cell_point(page, "heatmap_A", row))
    assert selected_rows(page) == [row]
    x, y = alignment_point(page, row)
    image = screenshot(page, artifacts, "04-selected-cell")
    assert close_to(pixels_near(image, x, y, 1), ORANGE)


def test_top_states_rows_select_their_state(page, sweep):
    table = power_table(sweep, 0)
    best = max(table, key=lambda s: table[s]["power_H"])
    row = browser.element_in(page, "top_table", ".slick-row .slick-cell.l1")  # first row's state column
    assert row.text == best
    browser.click_element(page, row)
    assert selected_rows(page) == [row_of(page, 0, best)]


# --- runs, colour scales, axes, filter ---------------------------------------------------------


def test_choosing_a_run_in_the_table_shows_it_and_keeps_the_selection(page, sweep, artifacts):
    first = power_table(sweep, 0)
    state = max(first, key=lambda s: first[s]["power_H"])
    browser.click_at(page, *alignment_point(page, row_of(page, 0, state)))
    target = browser.element_in(page, "runs_table", ".slick-row:nth-child(4) .slick-cell.l0")
    assert "γ = 0.9 · β = 1" in target.text
    browser.click_element(page, target)
    assert js(page, "return doc.get_model_by_name('run_select').value;") == "3"
    assert selected_rows(page) == [row_of(page, 3, state)]  # the same state, now of run 3
    title = js(page, "return doc.get_model_by_name('heatmap_H').title.text;")
    assert "γ = 0.9 · β = 1" in title
    fourth = power_table(sweep, 3)
    other = list(fourth)[1]
    check_tooltip(hover_text(page, *cell_point(page, "heatmap_H", row_of(page, 3, other))), other, fourth)
    screenshot(page, artifacts, "05-run-3")


def test_colour_scale_switch(page, sweep, artifacts):
    table = power_table(sweep, 0)
    buttons = {}
    for label in ("shared scale", "per-block scale", "difference from block mean"):
        buttons[label] = js(
            page,
            """
            const view = Bokeh.index.find_one(doc.get_model_by_name('colour_mode'));
            const root = view.shadow_el ?? view.el.shadowRoot;
            return [...root.querySelectorAll('button')].find(b => b.innerText.trim() == arguments[0]);""",
            label,
        )
    browser.click_element(page, buttons["per-block scale"])
    mapper = "const r = doc.get_model_by_name('cells_H'); return [r.glyph.fill_color.field, r.glyph.fill_color.transform.low, r.glyph.fill_color.transform.high];"
    assert js(page, mapper) == ["c_H_block", 0, 1]
    state = list(table)[4]
    check_tooltip(
        hover_text(page, *cell_point(page, "heatmap_H", row_of(page, 0, state))), state, table
    )  # values, not colours
    screenshot(page, artifacts, "06-per-block-scale")
    browser.click_element(page, buttons["difference from block mean"])
    field, low, high = js(page, mapper)
    assert field == "c_H_difference" and low == pytest.approx(-high) and high > 0
    browser.click_element(page, buttons["shared scale"])
    field, low, high = js(page, mapper)
    assert field == "H_mean" and low == pytest.approx(min(r["power_H"] for r in table.values()), abs=1e-9)


def test_log_axis_switch_for_discount_rates(page):
    source = "return doc.get_model_by_name('sweep_alpha_discount_rate').renderers.map(r => r.data_source).find(s => s.data.y != null).data.x;"
    assert sorted(set(js(page, source))) == [0.3, 0.9]
    button = js(
        page,
        """
        const view = Bokeh.index.find_one(doc.get_model_by_name('axis_discount_rate'));
        return [...(view.shadow_el ?? view.el.shadowRoot).querySelectorAll('button')][1];""",
    )
    browser.click_element(page, button)
    assert sorted(set(js(page, source))) == pytest.approx(sorted({math.log10(1 - 0.3), math.log10(1 - 0.9)}))
    label = js(page, "return doc.get_model_by_name('sweep_alpha_discount_rate').below[0].axis_label;")
    assert label.startswith("log₁₀(1 − γ)")


def test_runs_table_filter(page):
    field = browser.element_in(page, "run_query", "input")
    field.send_keys("0p9")
    for _ in range(50):
        if browser.count_in(page, "runs_table", ".slick-row") == 2:
            break
        time.sleep(0.05)
    rows = browser.count_in(page, "runs_table", ".slick-row")
    assert rows == 2
    assert "γ = 0.9" in browser.element_in(page, "runs_table", ".slick-row .slick-cell.l0").text


# --- other kinds of sweeps ---------------------------------------------------------------------

OTHER_SWEEPS = {
    "gridworld": """
name: report_browser_single
parameters:
  mdp_graph: {value: 3x3_gridworld}
  discount_rate: {values: [0.2, 0.9], names: ["0p2", "0p9"]}
  reward_distribution: {value: {default_dist: {dist_name: uniform, params: [0, 1]}}}
  num_reward_samples: {value: 40}
  random_seed: {value: 0}
""",
    "bars": """
name: report_browser_graph
parameters:
  mdp_graph: {value: mdp_from_paper}
  discount_rate: {values: [0.2, 0.9], names: ["0p2", "0p9"]}
  reward_distribution: {value: {default_dist: {dist_name: uniform, params: [0, 1]}}}
  num_reward_samples: {value: 40}
  random_seed: {value: 0}
""",
}


@pytest.mark.parametrize("kind", sorted(OTHER_SWEEPS))
def test_single_agent_reports_render_and_hover(driver, tmp_path, kind, artifacts):
    sweep = run_sweep(parse_sweep_config(OTHER_SWEEPS[kind], source="<browser tests>"), tmp_path)
    browser.open_report(driver, write_report(sweep))
    assert browser.console_errors(driver) == []
    plot = "heatmap_H" if kind == "gridworld" else "bars_H"
    table = power_table(sweep, 1)
    state = list(table)[-1]
    row = row_of(driver, 1, state)
    browser.click_element(driver, browser.element_in(driver, "runs_table", ".slick-row:nth-child(2) .slick-cell.l0"))
    if kind == "gridworld":
        x, y = cell_point(driver, plot, row)
    else:  # the middle of the bar, on a categorical axis
        view = "const v = Bokeh.index.find_one(doc.get_model_by_name(arguments[0])); const b = v.canvas_view.el.getBoundingClientRect();"
        browser.scroll_to(driver, plot)
        x, y = js(
            driver,
            view
            + " return [b.left + v.frame.x_scale.compute(arguments[1]), b.top + v.frame.y_scale.compute(arguments[2] / 2)];",
            plot,
            state,
            table[state]["power_H"],
        )
    text = hover_text(driver, x, y)
    assert text.splitlines()[0].strip() == state
    match = re.search(r"POWER H: (-?[\d.]+) ± ([\d.]+) \(rank (\d+) of (\d+)\)", text)
    assert match and abs(float(match[1]) - table[state]["power_H"]) <= 0.5 * 10 ** -decimals_shown(text) + 1e-12
    screenshot(driver, artifacts, f"07-single-agent-{kind}")
    assert browser.console_errors(driver) == []
