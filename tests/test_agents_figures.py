"""Figures of runs with three or more agents: per-agent maps over the agent's own cell (averaged
over the others' positions, or with them held at cells) and the pairwise alignment matrix.

The runs are synthetic three-agent sweeps (:mod:`agents_fixtures`): their per-state means are
known functions of the joint state, so every number drawn is checked against a computation
done here from the labels, independently of the figure code.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from agents_fixtures import AGENTS, positions, trio_sweep

from powerplay.errors import FigureError
from powerplay.figures import style
from powerplay.figures.agent_maps import AgentGeometry, agent_map, agent_map_data, parse_others
from powerplay.figures.alignment import alignment_matrix_data, draw_alignment_matrix, pearson
from powerplay.figures.data import AlignmentMatrixData, HeatmapData
from powerplay.figures.run_figures import FigureOptions, render_run_figures, run_figure_records
from powerplay.stats.moments import standard_error


@pytest.fixture(scope="module")
def trio(tmp_path_factory):
    sweep, kept = trio_sweep(tmp_path_factory.mktemp("trio"), diagnostic=True)
    return sweep, kept


def _by_cell(values, states, agent, where=None):
    """``{(r, c): mean of values}`` over the states with ``agent`` there (and ``where`` true): a plain loop."""
    cells = positions(states)[AGENTS.index(agent)]
    out: dict[tuple[int, int], list[float]] = {}
    for s, (r, c) in enumerate(cells.tolist()):
        if where is None or where[s]:
            out.setdefault((r, c), []).append(float(values[s]))
    return {cell: (float(np.mean(v)), len(v)) for cell, v in out.items()}


def test_each_agent_map_is_the_uniform_average_over_the_joint_states_present(trio):
    sweep, kept = trio
    run = sweep.runs[0]
    geometry = AgentGeometry.of_states(run.states)
    assert geometry.agents == AGENTS and (geometry.num_rows, geometry.num_cols) == (3, 3)
    for agent in AGENTS:
        item = agent_map(run.power_mean(agent), run.power_sem(agent), run.states, agent, groups=run.summary.paired)
        expected = _by_cell(run.power_mean(agent), run.states, agent)
        assert [tuple(c) for c in item.cells.tolist()] == sorted(expected)
        np.testing.assert_allclose(item.values, [expected[c][0] for c in sorted(expected)], rtol=0, atol=1e-13)
        assert item.counts.tolist() == [8 * 7] * 9  # remove: the two others on distinct other cells
        assert item.error_kind == "jackknife"
        # A mean over states is linear: its jackknife over 64 groups of one sample is the
        # textbook standard error of the per-sample averages.
        samples = kept[run.info["run_suffix"]][agent]
        cells = positions(run.states)[AGENTS.index(agent)]
        per_sample = np.stack([samples[:, (cells == c).all(axis=1)].mean(axis=1) for c in item.cells.tolist()], axis=1)
        np.testing.assert_allclose(item.errors, standard_error(per_sample), rtol=1e-9)


def test_slices_hold_the_others_and_partial_holds_average_over_the_rest(trio):
    sweep, _ = trio
    run = sweep.runs[1]
    states = run.states
    cells = positions(states)
    held = parse_others("A=(1, 1), B=(0, 2)")
    item = agent_map(run.power_mean("H"), run.power_sem("H"), states, "H", held=held, groups=run.summary.paired)
    assert item.held == {"A": (1, 1), "B": (0, 2)} and item.error_kind == "exact" and set(item.counts) == {1}
    # Every cell but the held agents' has exactly the state with H there: its own mean and SE.
    assert sorted(map(tuple, item.cells.tolist())) == sorted(
        {(r, c) for r in range(3) for c in range(3)} - {(1, 1), (0, 2)}
    )
    for k, (r, c) in enumerate(item.cells.tolist()):
        label = f"({r}, {c})_H^(1, 1)_A^(0, 2)_B"
        assert item.states[k] == label
        s = states.index(label)
        assert item.values[k] == run.power_mean("H")[s] and item.errors[k] == run.power_sem("H")[s]
    data = agent_map_data(item, AgentGeometry.of_states(states))
    assert np.isnan(data.matrix[1, 1]) and np.isnan(data.matrix[0, 2])  # where H cannot be
    assert {(cell, colour) for cell, colour, _ in data.markers} == {((1, 1), "#d62728"), ((0, 2), "#2ca02c")}
    assert "with A at (1, 1), B at (0, 2) (squares: A red, B green)" in " ".join(data.title.split())
    # Holding only B: A's map averages over H's positions with B there.
    partial = agent_map(run.power_mean("A"), run.power_sem("A"), states, "A", held={"B": (0, 2), "A": (2, 2)})
    assert partial.held == {"B": (0, 2)}  # A's own entry does not apply to A's map
    expected = _by_cell(run.power_mean("A"), states, "A", where=(cells[2] == (0, 2)).all(axis=1))
    np.testing.assert_allclose(partial.values, [expected[tuple(c)][0] for c in partial.cells.tolist()], atol=1e-13)
    assert set(partial.counts.tolist()) == {7} and partial.error_kind == "bound"  # no groups given: an upper bound
    np.testing.assert_array_less(0, partial.errors)
    assert "averaged over the positions of H" in " ".join(
        agent_map_data(partial, AgentGeometry.of_states(states)).title.split()
    )


def test_held_positions_are_read_and_checked_with_one_line_errors(trio):
    sweep, _ = trio
    run = sweep.runs[0]
    assert parse_others("A=(1,3),B=( 2 , 2 )") == {"A": (1, 3), "B": (2, 2)}
    assert parse_others({"B": [0, 1]}) == {"B": (0, 1)} and parse_others(None) == {}
    for text, message in (
        ("A=(1, 3) B=(2, 2)", "expected ',' before"),
        ("A=1,3", "cannot read 'A=1,3'"),
        ("A=(1, 3),A=(0, 0)", "Agent A is given twice"),
        ("A=(1, 3),", "a ',' with no agent after it"),
    ):
        with pytest.raises(FigureError, match=message):
            parse_others(text)
    means, sems = run.power_mean("H"), run.power_sem("H")
    with pytest.raises(FigureError, match=r"^Agent A is never at \(5, 5\) in this gridworld"):
        agent_map(means, sems, run.states, "H", held={"A": (5, 5)})
    with pytest.raises(FigureError, match=r"^no Agent 'C' in this gridworld \(agents: H, A, B\)$"):
        agent_map(means, sems, run.states, "H", held={"C": (0, 0)})
    with pytest.raises(FigureError, match="no joint state has A at \\(1, 1\\), B at \\(1, 1\\)"):
        agent_map(means, sems, run.states, "H", held={"A": (1, 1), "B": (1, 1)})  # remove: never together
    with pytest.raises(ValueError, match="--others: cannot read"):
        FigureOptions(others="A:(1, 1)")


def test_the_alignment_matrix_has_one_panel_per_pair_with_its_alpha(trio):
    sweep, _ = trio
    run = sweep.runs[1]
    means = {a: run.power_mean(a) for a in AGENTS}
    stats = run.alignments()
    data = alignment_matrix_data(means, AGENTS, statistics=stats, errors={a: run.power_sem(a) for a in AGENTS})
    assert [p.agents for p in data.panels] == [("H", "A"), ("H", "B"), ("A", "B")]
    assert [data.position(p.agents) for p in data.panels] == [(0, 0), (1, 0), (1, 1)]
    for panel in data.panels:
        x, y = panel.agents
        assert panel.alpha == pytest.approx(pearson(means[x], means[y]), abs=1e-15)
        assert panel.alpha == pytest.approx(stats[(x, y)].alpha, abs=1e-12)
        np.testing.assert_array_equal(panel.x, means[x])
        symbol = rf"$\alpha_{{{x}{y}}}$"
        assert panel.title.startswith(f"{symbol} = {panel.alpha:.3f} ± ") and "corrected" in panel.title
        assert panel.errors_H is None  # 504 states: too many for error bars
    figure = draw_alignment_matrix(data)
    assert len(figure.axes) == 3
    labels = {(ax.get_xlabel(), ax.get_ylabel()) for ax in figure.axes}
    assert labels == {("", "POWER of Agent A"), ("POWER of Agent H", "POWER of Agent B"), ("POWER of Agent A", "")}
    with pytest.raises(FigureError, match="two or more agents"):
        alignment_matrix_data(means, ("H",))


def test_noisy_means_put_a_note_with_the_suggested_count_on_the_matrix():
    rng = np.random.default_rng(0)
    signal = np.linspace(0, 1, 30)
    power = {a: signal + rng.normal(scale=8.0, size=(200, 30)) for a in AGENTS}
    from powerplay.stats.summary import RunSummary

    summary = RunSummary.of_samples(power, agents=AGENTS)
    data = alignment_matrix_data({a: summary.power_mean(a) for a in AGENTS}, AGENTS, statistics=summary.alignments())
    assert data.note is not None and data.note.startswith("Low reliability of the per-state means (H ")
    counts = [s.suggested_samples for s in summary.alignments().values() if s.suggested_samples]
    if counts:
        assert f"{max(counts):,} reward samples would bring every agent" in data.note


def test_run_figures_of_three_agents(trio, tmp_path):
    sweep, _ = trio
    run = sweep.runs[0]
    records = dict(run_figure_records(run, FigureOptions(plot_as_gridworld=True, diagnostic=True, others="A=(1, 1)")))
    assert list(records) == [
        "POWER_means-agent_H",
        "POWER_means-agent_H-others_A_1_1",
        "POWER_means-agent_A",
        "POWER_means-agent_B",
        "POWER_means-agent_B-others_A_1_1",
        "POWER_alignment_matrix",
        "POWER_means-agent_H_against_seed",
        "POWER_means-agent_A_against_seed",
        "POWER_means-agent_A_seed",
        "POWER_means-agent_B_seed",
    ]
    assert isinstance(records["POWER_alignment_matrix"], AlignmentMatrixData)
    seed = records["POWER_means-agent_B_seed"]
    assert isinstance(seed, HeatmapData)
    assert " ".join(seed.title.split()).startswith("POWER of Agent B following its seed policy at its own cell")
    expected = _by_cell(run.power_mean("B_seed"), run.states, "B")
    np.testing.assert_allclose(seed.values, [expected[(r, c)][0] for r in range(3) for c in range(3)], atol=1e-13)
    # Without the gridworld option: bars per agent over the joint states, and the matrix.
    plain = dict(run_figure_records(run))
    assert list(plain) == [
        "POWER_means-agent_H",
        "POWER_means-agent_A",
        "POWER_means-agent_B",
        "POWER_alignment_matrix",
    ]
    paths = render_run_figures(run, tmp_path, FigureOptions(plot_as_gridworld=True, others="B=(0, 0)"))
    assert [p.name.split("-0001")[0] for p in paths] == [
        "POWER_means-agent_H",
        "POWER_means-agent_H-others_B_0_0",
        "POWER_means-agent_A",
        "POWER_means-agent_A-others_B_0_0",
        "POWER_means-agent_B",
        "POWER_alignment_matrix",
    ]
    assert all(p.stat().st_size > 10_000 for p in paths)


def test_agent_colours_keep_h_and_a_and_tell_the_others_apart():
    assert style.agent_color("H") == style.AGENT_COLORS["H"] and style.agent_color("A", AGENTS) == "#d62728"
    colours = [style.agent_color(a, ("H", "A", "B", "C", "D")) for a in ("B", "C", "D")]
    assert len(set(colours)) == 3 and not set(colours) & set(style.AGENT_COLORS.values())
    assert style.power_key_name("B_seed") == "POWER of Agent B following its seed policy"
    assert style.power_key_name("A_seed") == style.POWER_KEY_NAMES["A_seed"] and not math.isnan(1.0)


def test_the_matrix_note_fits_the_figure_and_shows_reliabilities_clipped():
    """An agent whose reliability estimate is negative (too noisy) is shown at 0.00, and the note
    is wrapped inside the figure."""
    from powerplay.stats.summary import RunSummary

    rng = np.random.default_rng(0)  # (a seed at which A's estimate comes out negative)
    signal = np.linspace(0, 1, 20)
    power = {a: signal * (a != "A") + rng.normal(scale=10.0, size=(64, 20)) for a in AGENTS}
    summary = RunSummary.of_samples(power, agents=AGENTS)
    assert summary.alignment(("H", "A")).reliability("A")[0] < 0
    data = alignment_matrix_data({a: summary.power_mean(a) for a in AGENTS}, AGENTS, statistics=summary.alignments())
    assert "A 0.00" in data.note and "A -" not in data.note
    figure = draw_alignment_matrix(data)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    (note,) = [t for t in figure.texts if t.get_text().startswith("Low reliability")]
    box = note.get_bbox_patch().get_window_extent(renderer)
    assert box.x1 <= figure.bbox.width and box.x0 >= 0
