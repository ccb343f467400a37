"""The per-run figures the sweep runner asks for: which files, named how, showing what, under which flags."""

import re
import warnings

import numpy as np
import pytest
from test_figures_fixtures import expected_size, joint_run, make_run, png_size, run_config, single_run

from powerplay.errors import FigureWarning
from powerplay.figures import render
from powerplay.figures.data import AlignmentData, HeatmapData, HistogramData
from powerplay.figures.run_figures import render_run_figures, run_figure_records

FLAGS = dict(plot_as_gridworld=True, plot_distributions=False, plot_correlations=False, diagnostic=False)

#: Every figure file name: ASCII letters, digits, '.', '_' and '-' (no spaces, no parentheses).
SAFE_NAME = re.compile(r"^[A-Za-z0-9._-]+$")


def _names(paths, run):
    suffix = f"-{run.name}.png"
    assert all(p.name.endswith(suffix) and SAFE_NAME.match(p.name) for p in paths), [p.name for p in paths]
    return [p.name[: -len(suffix)] for p in paths]


def test_single_agent_default_figure_is_the_power_csv_heat_map(tmp_path):
    run = single_run(tmp_path / "0001-demo-discount_rate__0p6")
    ((prefix, data),) = run_figure_records(run, **FLAGS)
    assert prefix == "POWER_means" and isinstance(data, HeatmapData)
    means, sems = run.table_power("H")  # exactly what power.csv says (to its 10 digits)
    np.testing.assert_allclose(data.values, means, rtol=1e-9)
    np.testing.assert_allclose(data.errors, sems, rtol=1e-9)
    paths = render_run_figures(run, run.path, **FLAGS)
    assert _names(paths, run) == ["POWER_means"] and paths[0].parent == run.path
    assert png_size(paths[0]) == expected_size(render.draw(data))


def test_single_agent_distributions_and_correlations(tmp_path):
    run = make_run(tmp_path / "run", run_config("single_agent", "stochastic_graph_4_states", 0.8, 100))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 4 states: nothing is guarded
        paths = render_run_figures(
            run,
            tmp_path / "figures",
            plot_as_gridworld=False,
            plot_distributions=True,
            plot_correlations=True,
            diagnostic=False,
        )
    assert _names(paths, run) == [
        "POWER_means",
        "POWER_vars",
        "Reward_means",
        "Reward_vars",
        "Reward_samples",
        "POWER_samples",
        "POWER_correlations_1",
        "POWER_correlations_2",
        "POWER_correlations_3",
        "POWER_correlations_4",
        "POWER_correlation_matrix",
    ]
    assert all((tmp_path / "figures" / p.name).is_file() for p in paths)
    records = dict(run_figure_records(run, plot_distributions=True))
    np.testing.assert_allclose(records["POWER_vars"].values, run.power["H"].var(axis=0, ddof=1), rtol=1e-9)
    np.testing.assert_allclose(records["Reward_means"].values, run.rewards["H"].mean(axis=0), rtol=1e-9)
    histogram = records["POWER_samples"]
    for s, state in enumerate(run.states):
        np.testing.assert_array_equal(histogram.counts[state], np.histogram(run.power["H"][:, s], histogram.edges)[0])


def test_multiagent_with_reward_figures_per_agent_with_alignment_and_diagnostics(tmp_path):
    run = joint_run(tmp_path / "run", samples=40, diagnostic=True)
    records = run_figure_records(run, **dict(FLAGS, diagnostic=True))
    assert [prefix for prefix, _ in records] == [
        "POWER_means-agent_H",
        "POWER_means-agent_A",
        "POWER_alignment",
        "POWER_means-agent_H_against_seed",
        "POWER_means-agent_A_seed",
    ]
    by_prefix = dict(records)
    for key, prefix in (
        ("H", "POWER_means-agent_H"),
        ("A", "POWER_means-agent_A"),
        ("H_against_seed", "POWER_means-agent_H_against_seed"),
        ("A_seed", "POWER_means-agent_A_seed"),
    ):
        np.testing.assert_allclose(by_prefix[prefix].values, run.table_power(key)[0], rtol=1e-9)
    alignment = by_prefix["POWER_alignment"]
    assert isinstance(alignment, AlignmentData)
    assert alignment.statistics.alpha == run.alignment().alpha and alignment.alpha == pytest.approx(
        run.alignment().alpha
    )
    paths = render_run_figures(run, run.path, **dict(FLAGS, diagnostic=True))
    assert _names(paths, run) == [prefix for prefix, _ in records]
    for (_, data), path in zip(records, paths):
        assert png_size(path) == expected_size(render.draw(data))


def test_agent_A_map_reuses_agent_H_figure_and_matches_a_fresh_drawing(tmp_path):
    run = joint_run(tmp_path / "run", samples=40, diagnostic=False)
    paths = render_run_figures(run, run.path, **FLAGS)
    from PIL import Image

    (a_data,) = [data for prefix, data in run_figure_records(run, **FLAGS) if prefix == "POWER_means-agent_A"]
    fresh = render.save(a_data, tmp_path / "fresh")
    assert np.array_equal(np.asarray(Image.open(paths[1])), np.asarray(Image.open(fresh)))


def test_multiagent_distributions_make_one_histogram_figure_per_position_of_A(tmp_path):
    run = joint_run(
        tmp_path / "run",
        "joint_1x3_gridworld_with_agent_H_forbidden_from_staying_when_agent_A_is_at_far_right",
        "joint_1x3_gridworld_agent_A_move_left",
        samples=40,
        diagnostic=False,
    )
    paths = render_run_figures(run, run.path, **dict(FLAGS, plot_distributions=True))
    names = _names(paths, run)
    assert names[:3] == ["POWER_means-agent_H", "POWER_means-agent_A", "POWER_alignment"]
    for agent in ("H", "A"):
        assert {f"POWER_vars-agent_{agent}", f"Reward_means-agent_{agent}", f"Reward_vars-agent_{agent}"} <= set(names)
        for quantity in ("Reward", "POWER"):
            assert [n for n in names if n.startswith(f"{quantity}_samples") and n.endswith(f"-agent_{agent}")] == [
                f"{quantity}_samples_agent_A_state_0_{c}-agent_{agent}" for c in range(3)
            ]
    histograms = [
        data
        for _, data in run_figure_records(run, **dict(FLAGS, plot_distributions=True))
        if isinstance(data, HistogramData)
    ]
    assert all(sum(c.sum() for c in h.counts.values()) == 40 * len(h.counts) for h in histograms)


def test_diagnostic_without_diagnostic_powers_warns(tmp_path):
    run = joint_run(tmp_path / "run", samples=20, diagnostic=False)
    with pytest.warns(FigureWarning, match="no diagnostic POWERs"):
        paths = render_run_figures(run, run.path, **dict(FLAGS, diagnostic=True))
    assert len(paths) == 3


def test_non_gridworld_states_fall_back_to_bars_with_a_warning(tmp_path):
    run = make_run(tmp_path / "paper", run_config("single_agent", "mdp_from_paper", 0.5, 50))
    with pytest.warns(FigureWarning, match="not gridworld cells"):
        paths = render_run_figures(run, run.path, **FLAGS)
    assert _names(paths, run) == ["POWER_means"]


def test_correlations_for_many_states_draw_the_matrix_instead(tmp_path):
    run = single_run(tmp_path / "maze", "7x7_gridworld_maze", samples=50)
    with pytest.warns(FigureWarning, match=r"31² = 961 panels"):
        paths = render_run_figures(run, run.path, **dict(FLAGS, plot_correlations=True))
    assert _names(paths, run) == ["POWER_means", "POWER_correlation_matrix"]


def test_state_labels_in_file_names_are_made_safe(tmp_path):
    run = make_run(tmp_path / "paper", run_config("single_agent", "mdp_from_paper", 0.5, 30))
    paths = render_run_figures(run, run.path, plot_correlations=True)
    names = _names(paths, run)
    assert "POWER_correlations_u2605" in names  # the state '★'
    assert len(set(names)) == len(names)
