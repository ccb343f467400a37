"""The per-run figures the sweep runner asks for: which files, named how, under which flags."""

import warnings

import numpy as np
import pytest
from test_figures_fixtures import joint_run, make_run, png_size, run_config, single_run

from powerplay.figures.run_figures import render_run_figures
from powerplay.figures.samples import FigureWarning

FLAGS = dict(plot_as_gridworld=True, plot_distributions=False, plot_correlations=False, diagnostic=False)


def _names(paths, run):
    suffix = f"-{run.name}.png"
    assert all(p.name.endswith(suffix) for p in paths)
    return [p.name[: -len(suffix)] for p in paths]


def test_single_agent_default_figures(tmp_path):
    run = single_run(tmp_path / "0001-demo-discount_rate__0p6")
    paths = render_run_figures(run, run.path, **FLAGS)
    assert _names(paths, run) == ["POWER_means"]
    assert paths[0].parent == run.path
    width, height = png_size(paths[0])
    assert width > 400 and height > 400


def test_single_agent_distributions_and_correlations(tmp_path):
    run = make_run(tmp_path / "run", run_config("single_agent", "stochastic_graph_4_states", 0.8, 100))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 4 states: nothing is guarded
        paths = render_run_figures(run, tmp_path / "figures", plot_as_gridworld=False, plot_distributions=True,
                                   plot_correlations=True, diagnostic=False)
    assert _names(paths, run) == [
        "POWER_means", "POWER_vars", "Reward_means", "Reward_vars", "Reward_samples", "POWER_samples",
        "POWER_correlations_1", "POWER_correlations_2", "POWER_correlations_3", "POWER_correlations_4",
        "POWER_correlation_matrix",
    ]
    assert all((tmp_path / "figures" / p.name).is_file() for p in paths)


def test_multiagent_with_reward_figures_per_agent_with_alignment_and_diagnostics(tmp_path):
    run = joint_run(tmp_path / "run", samples=40, diagnostic=True)
    paths = render_run_figures(run, run.path, **dict(FLAGS, diagnostic=True))
    assert _names(paths, run) == [
        "POWER_means-agent_H", "POWER_means-agent_A", "POWER_alignment",
        "POWER_means-agent_H_against_seed", "POWER_means-agent_A_seed",
    ]
    for path in paths:
        png_size(path)


def test_multiagent_distributions_make_one_histogram_figure_per_position_of_A(tmp_path):
    run = joint_run(tmp_path / "run", "joint_1x3_gridworld_with_agent_H_forbidden_from_staying_when_agent_A_is_at_far_right",
                    "joint_1x3_gridworld_agent_A_move_left", samples=40, diagnostic=False)
    names = _names(render_run_figures(run, run.path, **dict(FLAGS, plot_distributions=True)), run)
    assert names[:3] == ["POWER_means-agent_H", "POWER_means-agent_A", "POWER_alignment"]
    for agent in ("H", "A"):
        assert {f"POWER_vars-agent_{agent}", f"Reward_means-agent_{agent}", f"Reward_vars-agent_{agent}"} <= set(names)
        for quantity in ("Reward", "POWER"):
            assert [n for n in names if n.startswith(f"{quantity}_samples") and n.endswith(f"-agent_{agent}")] == [
                f"{quantity}_samples_agent_A_state_(0, {c})-agent_{agent}" for c in range(3)
            ]


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
    assert np.isfinite(run.power_mean("H")).all()
