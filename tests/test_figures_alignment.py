"""Alignment plots and α_HA: the plotted points, the title's statistics, the reliability note."""

import re
from dataclasses import replace

import numpy as np
import pytest
from test_figures_fixtures import expected_size, joint_run, png_size, texts_outside

from powerplay.figures import render, style
from powerplay.figures.alignment import alignment_data, draw_alignment, draw_lines, pearson
from powerplay.figures.data import LinesData, Series
from powerplay.stats import alignment_of_samples
from powerplay.stats.alignment import LOW_RELIABILITY


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return joint_run(tmp_path_factory.mktemp("joint") / "run", beta=0.5, samples=80)


def test_plotted_points_are_the_means_and_alpha_is_their_pearson(run, tmp_path):
    stats = run.alignment()
    data = alignment_data(
        run.power_mean("H"),
        run.power_mean("A"),
        label=style.RunLabel.from_run(run),
        statistics=stats,
        errors_H=run.power_sem("H"),
        errors_A=run.power_sem("A"),
    )
    np.testing.assert_array_equal(data.x, run.power_mean("H"))
    np.testing.assert_array_equal(data.y, run.power_mean("A"))
    numpy_alpha = np.corrcoef(data.x, data.y)[0, 1]
    assert data.alpha == pytest.approx(numpy_alpha, rel=1e-12)
    assert stats.alpha == pytest.approx(numpy_alpha, rel=1e-9)
    assert data.num_states == 81 and data.errors_H is not None  # few states: error bars
    path = render.save(data, tmp_path / "alignment")
    assert png_size(path) == expected_size(draw_alignment(data))


def test_title_shows_raw_alpha_with_its_error_and_the_corrected_value_with_its_interval(run):
    stats = run.alignment()
    data = alignment_data(
        run.power_mean("H"), run.power_mean("A"), label=style.RunLabel.from_run(run), statistics=stats
    )
    title = data.title.replace("\n", " ")
    raw = re.search(r"\$ = (-?\d+\.\d+) ± (\d+\.\d+) \(raw\)", title)
    assert (float(raw.group(1)), float(raw.group(2))) == (
        pytest.approx(stats.alpha, abs=5e-4),
        pytest.approx(stats.alpha_sem, abs=5e-4),
    )
    corrected = re.search(r"corrected (-?\d+\.\d+) \[(-?\d+\.\d+), (-?\d+\.\d+)\] \(95% interval\)", title)
    assert float(corrected.group(1)) == pytest.approx(stats.alpha_corrected, abs=5e-4)
    assert float(corrected.group(2)) == pytest.approx(stats.alpha_corrected_interval[0], abs=5e-3)
    assert float(corrected.group(3)) == pytest.approx(stats.alpha_corrected_interval[1], abs=5e-3)
    assert "β = 0.5" in title and "80 reward samples" in title and "81 states" in title


def test_low_reliability_gets_a_note_with_the_suggested_sample_count(run):
    stats = run.alignment()
    noisy = replace(stats, reliability_first=LOW_RELIABILITY - 0.2, reliability_second=0.95, suggested_samples=12_550)
    data = alignment_data(run.power_mean("H"), run.power_mean("A"), statistics=noisy)
    assert (
        data.note is not None and "12,550 reward samples" in data.note and f"H {LOW_RELIABILITY - 0.2:.2f}" in data.note
    )
    figure = draw_alignment(data)
    assert any("12,550" in text.get_text() for text in figure.axes[0].texts)  # drawn on the plot
    reliable = replace(stats, reliability_first=0.95, reliability_second=0.95, suggested_samples=None)
    assert alignment_data(run.power_mean("H"), run.power_mean("A"), statistics=reliable).note is None


def test_title_fits_when_the_agents_have_different_discount_rates(run):
    label = style.RunLabel("joint_7x7_gridworld_maze_no_overlaps", "multiagent_with_reward", 0.9, 0.99, 0.0, 10_000)
    data = alignment_data(run.power_mean("H"), run.power_mean("A"), label=label, statistics=run.alignment())
    assert "γ_H = 0.9, γ_A = 0.99" in data.title
    assert texts_outside(draw_alignment(data)) == []
    # Even a name wider than the figure is broken (after an underscore) rather than clipped.
    long = "joint_1x3_gridworld_with_agent_H_forbidden_from_staying_when_agent_A_is_at_far_right"
    data = alignment_data(
        run.power_mean("H"),
        run.power_mean("A"),
        statistics=run.alignment(),
        label=style.RunLabel(long, "multiagent_with_reward", 0.9, 0.99, 0.0, 10_000),
    )
    assert long in data.title.replace("\n", "") and texts_outside(draw_alignment(data)) == []


def test_identical_powers_are_perfectly_aligned_and_constant_powers_undefined():
    samples = np.random.default_rng(1).random((30, 6))
    stats = alignment_of_samples(samples, samples)
    assert (stats.alpha, stats.alpha_sem) == (pytest.approx(1.0), pytest.approx(0.0, abs=1e-12))
    assert np.isnan(pearson(np.ones(4), np.arange(4.0)))
    assert "undefined" in alignment_data(np.ones(4), np.arange(4.0)).title


def test_baseline_is_the_distinct_values_of_H_against_the_seed_policy(run):
    baseline = run.power_mean("H_against_seed")
    data = alignment_data(run.power_mean("H"), run.power_mean("A"), baseline_H=baseline)
    np.testing.assert_array_equal(data.baseline, np.unique(np.round(baseline, 12)))
    (x0, x1), _ = data.limits
    assert x0 <= baseline.min() and baseline.max() <= x1  # the limits cover the baseline too


def test_many_states_have_no_error_bars():
    rng = np.random.default_rng(0)
    x, y = rng.random(500), rng.random(500)
    data = alignment_data(x, y, errors_H=np.full(500, 0.01), errors_A=np.full(500, 0.01))
    assert data.errors_H is None and data.errors_A is None


def test_line_plots_draw_asymmetric_intervals_and_lighter_secondary_series(tmp_path):
    data = LinesData(
        x=(0.0, 0.5, 1.0),
        positions=np.array([0.0, 0.5, 1.0]),
        xlabel="β",
        ylabel="y",
        title="t",
        series=(
            Series("main", [1, 2, 3], [0.5, 1.5, 2.9], [1.2, 2.5, 3.0]),
            Series("raw", [0.8, 1.8, 2.8], opacity=0.4, color="#7b3294"),
        ),
        zero_line=True,
    )
    figure = draw_lines(data)
    (bars,) = [c for c in figure.axes[0].collections if len(c.get_segments()) == 3]
    np.testing.assert_allclose([s[:, 1] for s in bars.get_segments()], [[0.5, 1.2], [1.5, 2.5], [2.9, 3.0]])
    assert png_size(render.save(data, tmp_path / "lines")) == expected_size(figure)


def test_alignment_data_without_limits_is_drawn_fitted_to_its_points(run):
    # AlignmentData.limits is documented as optional (None: fitted to the points); drawing
    # such a record used to fail unpacking None.
    fitted = alignment_data(run.power_mean("H"), run.power_mean("A"), baseline_H=run.power_mean("H_against_seed"))
    unset = replace(fitted, limits=None)
    ax = draw_alignment(unset).axes[0]
    (x0, x1), (y0, y1) = fitted.limits
    assert (*ax.get_xlim(), *ax.get_ylim()) == pytest.approx((x0, x1, y0, y1), rel=1e-12)
