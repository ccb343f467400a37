"""Per-state means, variances, histograms and correlations of samples, with their guards."""

import warnings

import numpy as np
import pytest
from test_figures_fixtures import expected_size, make_run, png_size, run_config, single_run

from powerplay.errors import FigureError, FigureWarning
from powerplay.figures import render, style
from powerplay.figures.data import BarsData, HeatmapData
from powerplay.figures.samples import (
    BARS_GID,
    bars_data,
    correlation_data,
    draw_histograms,
    heavy_tailed_rewards,
    histogram_data,
    matrix_data,
    sample_aggregation_data,
    update_bars,
    use_log_bins,
)
from powerplay.model.environments import load_mdp


@pytest.fixture(scope="module")
def paper_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("paper") / "run"
    return make_run(folder, run_config("single_agent", "mdp_from_paper", 0.9, 400))


def test_bars_are_the_means_with_standard_errors(paper_run, tmp_path):
    data = sample_aggregation_data(
        paper_run.power["H"], paper_run.states, label=style.RunLabel.from_run(paper_run), agent="H"
    )
    assert isinstance(data, BarsData)
    np.testing.assert_allclose(data.values, paper_run.power_mean("H"))
    np.testing.assert_allclose(data.errors, paper_run.power_sem("H"))
    assert data.states == tuple(paper_run.states) and data.value_format == "{:.3f}"
    title = data.title
    assert (
        "POWER of Agent H" in title
        and "mdp_from_paper" in title
        and "γ = 0.9" in title
        and "400 reward samples" in title
    )
    figure = render.draw(data)
    # The bars (one collection) stand on zero, one per state, as high as the means; the
    # error bars reach mean ± standard error.
    (bars,) = [c for c in figure.axes[0].collections if c.get_gid() == BARS_GID]
    corners = np.array([path.vertices[:4] for path in bars.get_paths()])  # [S, 4, 2]
    np.testing.assert_allclose(corners[:, :2, 1], 0.0)
    np.testing.assert_allclose(corners[:, 2:, 1], np.repeat(data.values[:, None], 2, axis=1))
    np.testing.assert_allclose(corners[:, :, 0].mean(axis=1), np.arange(len(data.states)))
    (whiskers,) = [c for c in figure.axes[0].collections if c is not bars]
    ends = np.array(whiskers.get_segments())  # [S, 2, 2]
    np.testing.assert_allclose(ends[:, :, 1], np.column_stack([data.values - data.errors, data.values + data.errors]))
    assert figure.axes[0].get_ylim()[0] == 0.0  # bars stick to zero, as matplotlib's bar plots do
    assert png_size(render.save(data, tmp_path / "bars")) == expected_size(figure)


def test_agent_A_bars_drawn_on_agent_H_figure_are_the_same_picture():
    # Reusing one figure for a second bar plot of the same states must give exactly the fresh
    # drawing, whatever the signs (the y axis follows the new bars, zero stays sticky).
    rng = np.random.default_rng(0)
    states = [f"({i // 20}, {i % 20})" for i in range(200)]
    positive = bars_data(rng.random(200), states, errors=0.05 * rng.random(200), title="H", ylabel="POWER")
    mixed = bars_data(rng.random(200) - 0.7, states, errors=0.2 * rng.random(200), title="A", ylabel="POWER of A")
    for first, second in ((positive, mixed), (mixed, positive)):
        reused = render.frame_pixels([first, second])
        np.testing.assert_array_equal(reused[1], style.figure_pixels(render.draw(second)))
    # Values printed above the bars (few states) are not moved: such a plot is drawn anew.
    few = bars_data(rng.random(5), states[:5], errors=None, title="few", ylabel="y")
    assert not update_bars(render.draw(few), few, few)


def test_many_bars_are_ticked_at_round_state_indices():
    rng = np.random.default_rng(0)
    figure = render.draw(bars_data(rng.random(930), [str(i) for i in range(930)], title="t", ylabel="y"))
    np.testing.assert_array_equal(figure.axes[0].get_xticks(), np.arange(0, 930, 50))


def test_variance_aggregation_is_the_unbiased_sample_variance(paper_run):
    data = sample_aggregation_data(paper_run.rewards["H"], paper_run.states, aggregation="var", quantity="Reward")
    np.testing.assert_allclose(data.values, paper_run.rewards["H"].var(axis=0, ddof=1))
    assert data.errors is None
    with pytest.raises(FigureError, match="aggregation"):
        sample_aggregation_data(paper_run.rewards["H"], paper_run.states, aggregation="median")


def test_gridworld_aggregation_is_a_heat_map_of_the_means(tmp_path):
    run = single_run(tmp_path / "run")
    data = sample_aggregation_data(run.power["H"], run.states, plot_as_gridworld=True)
    assert isinstance(data, HeatmapData)
    np.testing.assert_allclose(data.matrix.ravel(), run.power_mean("H"))
    np.testing.assert_allclose(data.errors, run.power_sem("H"))


def test_histograms_count_every_sample_on_shared_bins(paper_run, tmp_path):
    records = histogram_data(paper_run.power["H"], paper_run.states, number_of_bins=20)
    assert [tag for tag, _ in records] == [""]
    data = records[0][1]
    assert len(data.edges) == 21 and not data.log_bins
    for s, state in enumerate(paper_run.states):
        counts = data.counts[state]
        assert counts.sum() == paper_run.num_samples
        np.testing.assert_array_equal(counts, np.histogram(paper_run.power["H"][:, s], bins=data.edges)[0])
    assert data.top_count >= max(c.max() for c in data.counts.values())
    assert png_size(render.save(data, tmp_path / "histograms")) == expected_size(draw_histograms(data))


def test_joint_gridworld_histograms_make_one_figure_per_position_of_A():
    joint = load_mdp("joint_3x3_gridworld")
    samples = np.random.default_rng(0).random((50, len(joint.states)))
    records = histogram_data(samples, joint.states, plot_as_gridworld=True)
    assert [tag for tag, _ in records] == [f"_agent_A_state_{r}_{c}" for r in range(3) for c in range(3)]
    centre = dict(records)["_agent_A_state_1_1"]
    assert sorted(centre.counts) == sorted(s for s in joint.states if s.endswith("_H^(1, 1)_A"))
    assert [(p.row, p.col) for p in centre.panels if p.framed] == [(1, 1)]  # A's own cell is framed in red
    assert {p.title for p in centre.panels if p.framed} == {"(1, 1)"}
    assert "panels: Agent H's position" in centre.title


def test_heavy_tailed_samples_get_log_spaced_bins(tmp_path):
    rng = np.random.default_rng(0)
    pareto = 1.0 + rng.pareto(1.5, size=(4000, 3))  # shape 1.5: infinite variance
    assert use_log_bins(pareto) and not use_log_bins(rng.random((4000, 3)))
    assert not use_log_bins(pareto - 2.0)  # not positive: no log bins
    ((_, data),) = histogram_data(pareto, ["a", "b", "c"], number_of_bins=25)
    assert data.log_bins
    np.testing.assert_allclose(np.diff(np.log(data.edges)), np.log(data.edges[-1] / data.edges[0]) / 25)
    for s, state in enumerate("abc"):
        np.testing.assert_array_equal(data.counts[state], np.histogram(pareto[:, s], bins=data.edges)[0])
    assert "log-spaced bins" in data.title
    # A Pareto reward distribution with shape <= 2 forces log bins even for a mild sample.
    mild = 1.0 + rng.random((100, 2))
    assert not use_log_bins(mild) and use_log_bins(mild, heavy_tailed=True)
    pareto_block = {"default_dist": {"dist_name": "pareto", "params": [1, 2]}}
    assert heavy_tailed_rewards(pareto_block) and not heavy_tailed_rewards(
        {"default_dist": {"dist_name": "pareto", "params": [1, 3]}}
    )
    render.save(data, tmp_path / "log_bins")


def test_histograms_beyond_the_limit_are_skipped_with_a_clear_warning(paper_run):
    with pytest.warns(FigureWarning, match="8 states is more than the limit of 5") as record:
        assert histogram_data(paper_run.power["H"], paper_run.states, max_states=5) == []
    assert record[0].filename == __file__  # the warning names the caller's line, not powerplay's


def test_correlation_histograms_one_figure_per_state_with_pearson_in_titles(paper_run, tmp_path):
    samples = paper_run.power["H"]
    records = correlation_data(samples, paper_run.states, number_of_bins=10)
    assert [tag for tag, _ in records] == [f"_correlations_{s}" for s in paper_run.states]
    star = dict(records)["_correlations_★"]
    expected = np.corrcoef(samples[:, 0], samples[:, 2])[0, 1]
    assert star.pearson["ℓ_◁"] == pytest.approx(expected)
    assert len(star.panels) == len(paper_run.states)
    joint_counts = star.histograms["ℓ_◁"]
    assert joint_counts.shape == (10, 10) and joint_counts.sum() == paper_run.num_samples
    render.save(star, tmp_path / "correlations")


def test_correlation_histograms_guard_and_matrix_fallback(tmp_path):
    run = single_run(tmp_path / "maze", "7x7_gridworld_maze", samples=100)
    with pytest.warns(FigureWarning, match=r"31² 2-D histograms\): 31 states is more than the limit of 25"):
        assert correlation_data(run.power["H"], run.states) == []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data = matrix_data(run.power["H"], run.states)
    np.testing.assert_allclose(data.matrix, np.corrcoef(run.power["H"].T), atol=1e-12)
    render.save(data, tmp_path / "matrix")


def test_parallel_drawing_writes_the_same_files(paper_run, tmp_path):
    records = histogram_data(paper_run.power["H"], paper_run.states) + histogram_data(
        paper_run.rewards["H"], paper_run.states
    )
    jobs = [(data, tmp_path / "serial" / f"{i}.png") for i, (_, data) in enumerate(records)]
    serial = render.save_all(jobs, workers=1)
    parallel = render.save_all([(data, tmp_path / "parallel" / path.name) for data, path in jobs], workers=2)
    assert [p.name for p in parallel] == [p.name for p in serial]
    for a, b in zip(serial, parallel):
        assert a.read_bytes() == b.read_bytes()
