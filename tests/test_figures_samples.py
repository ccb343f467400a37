"""Per-state means, variances, histograms and correlations of samples, with their guards."""

import warnings

import numpy as np
import pytest
from test_figures_fixtures import expected_size, png_size, single_run

from powerplay.figures import style
from powerplay.figures.samples import (
    FigureWarning,
    correlation_matrix_figure,
    sample_aggregation_figure,
    sample_correlation_figures,
    sample_histogram_figures,
)
from powerplay.model.environments import load_mdp


@pytest.fixture(scope="module")
def paper_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("paper") / "run"
    from test_figures_fixtures import make_run, run_config

    return make_run(folder, run_config("single_agent", "mdp_from_paper", 0.9, 400))


def test_bar_plot_draws_means_with_standard_errors(paper_run, tmp_path):
    figure = sample_aggregation_figure(paper_run.power["H"], paper_run.states, label=style.RunLabel.from_run(paper_run), agent="H")
    np.testing.assert_allclose(figure.plotted["values"], paper_run.power_mean("H"))
    np.testing.assert_allclose(figure.plotted["errors"], paper_run.power_sem("H"))
    ax = figure.axes[0]
    heights = [bar.get_height() for bar in ax.patches]
    np.testing.assert_allclose(heights, paper_run.power_mean("H"))
    assert [t.get_text() for t in ax.get_xticklabels()] == list(paper_run.states)
    title = figure._suptitle.get_text()
    assert "POWER of Agent H" in title and "mdp_from_paper" in title and "γ = 0.9" in title and "400 reward samples" in title
    assert png_size(style.save_figure(figure, tmp_path / "bars")) == expected_size(figure)


def test_variance_aggregation_is_the_unbiased_sample_variance(paper_run):
    figure = sample_aggregation_figure(paper_run.rewards["H"], paper_run.states, aggregation="var", quantity="Reward")
    np.testing.assert_allclose(figure.plotted["values"], paper_run.rewards["H"].var(axis=0, ddof=1))
    assert figure.plotted["errors"] is None
    with pytest.raises(ValueError, match="aggregation"):
        sample_aggregation_figure(paper_run.rewards["H"], paper_run.states, aggregation="median")


def test_gridworld_aggregation_draws_a_heat_map_of_the_means(tmp_path):
    run = single_run(tmp_path / "run")
    figure = sample_aggregation_figure(run.power["H"], run.states, plot_as_gridworld=True)
    np.testing.assert_allclose(figure.plotted["matrix"].ravel(), run.power_mean("H"))


def test_histograms_count_every_sample_on_shared_bins(paper_run):
    figures = sample_histogram_figures(paper_run.power["H"], paper_run.states, number_of_bins=20)
    assert [tag for tag, _ in figures] == [""]
    plotted = figures[0][1].plotted
    assert len(plotted["edges"]) == 21
    for s, state in enumerate(paper_run.states):
        counts = plotted["counts"][state]
        assert counts.sum() == paper_run.num_samples
        np.testing.assert_array_equal(counts, np.histogram(paper_run.power["H"][:, s], bins=plotted["edges"])[0])


def test_joint_gridworld_histograms_make_one_figure_per_position_of_A():
    joint = load_mdp("joint_3x3_gridworld")
    samples = np.random.default_rng(0).random((50, len(joint.states)))
    figures = sample_histogram_figures(samples, joint.states, plot_as_gridworld=True)
    assert [tag for tag, _ in figures] == [f"_agent_A_state_({r}, {c})" for r in range(3) for c in range(3)]
    centre = dict(figures)["_agent_A_state_(1, 1)"]
    assert sorted(centre.plotted["counts"]) == sorted(s for s in joint.states if s.endswith("_H^(1, 1)_A"))
    framed = [ax for ax in centre.axes if ax.spines["left"].get_linewidth() > 2]
    assert [ax.get_title() for ax in framed] == ["Agent H at (1, 1)"]  # A's own cell is framed in red


def test_histograms_beyond_the_limit_are_skipped_with_a_clear_warning(paper_run):
    with pytest.warns(FigureWarning, match="8 states is more than the limit of 5"):
        assert sample_histogram_figures(paper_run.power["H"], paper_run.states, max_states=5) == []


def test_correlation_histograms_one_figure_per_state_with_pearson_in_titles(paper_run):
    figures = sample_correlation_figures(paper_run.power["H"], paper_run.states)
    assert [tag for tag, _ in figures] == [f"_correlations_{s}" for s in paper_run.states]
    star = dict(figures)["_correlations_★"]
    expected = np.corrcoef(paper_run.power["H"][:, 0], paper_run.power["H"][:, 2])[0, 1]
    assert star.plotted["pearson"]["ℓ_◁"] == pytest.approx(expected)
    assert len([ax for ax in star.axes if ax.images]) == len(paper_run.states)


def test_correlation_histograms_guard_and_matrix_fallback(tmp_path):
    run = single_run(tmp_path / "maze", "7x7_gridworld_maze", samples=100)
    with pytest.warns(FigureWarning, match=r"31² 2-D histograms\): 31 states is more than the limit of 25"):
        assert sample_correlation_figures(run.power["H"], run.states) == []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figure = correlation_matrix_figure(run.power["H"], run.states)
    matrix = figure.plotted["matrix"]
    np.testing.assert_allclose(matrix, np.corrcoef(run.power["H"].T), atol=1e-12)
