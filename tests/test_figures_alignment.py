"""Alignment plots and α_HA: the title's coefficient is the plotted points' Pearson coefficient."""

import re

import numpy as np
import pytest
from test_figures_fixtures import expected_size, joint_run, png_size

from powerplay.figures import style
from powerplay.figures.alignment import alignment_figure, parameter_line_figure, pearson
from powerplay.stats import alignment_of_samples


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return joint_run(tmp_path_factory.mktemp("joint") / "run", beta=0.5, samples=80)


def test_alpha_in_the_title_is_numpys_pearson_of_the_plotted_points(run, tmp_path):
    stats = run.alignment()
    alpha, error = stats.alpha, stats.alpha_sem
    figure = alignment_figure(run.power_mean("H"), run.power_mean("A"), label=style.RunLabel.from_run(run),
                              alpha_error=error, errors_H=run.power_sem("H"), errors_A=run.power_sem("A"))
    ax = figure.axes[0]
    points = np.concatenate([c.get_offsets() for c in ax.collections if len(c.get_offsets()) == len(run.states)
                             and c.__class__.__name__ == "PathCollection"])
    numpy_alpha = np.corrcoef(points[:, 0], points[:, 1])[0, 1]
    np.testing.assert_allclose(points[:, 0], run.power_mean("H"))
    np.testing.assert_allclose(points[:, 1], run.power_mean("A"))
    title = figure._suptitle.get_text()
    printed = float(re.search(r"\$ = (-?\d+\.\d+) ± (\d+\.\d+)", title).group(1))
    assert printed == pytest.approx(numpy_alpha, abs=5e-4)
    assert figure.plotted["alpha"] == pytest.approx(numpy_alpha, rel=1e-12)
    assert alpha == pytest.approx(numpy_alpha, rel=1e-12)
    assert "β = 0.5" in title and "80 reward samples" in title and "81 states" in title
    assert png_size(style.save_figure(figure, tmp_path / "alignment")) == expected_size(figure)


def test_identical_powers_are_perfectly_aligned_and_constant_powers_undefined():
    samples = np.random.default_rng(1).random((30, 6))
    stats = alignment_of_samples(samples, samples)
    assert (stats.alpha, stats.alpha_sem) == (pytest.approx(1.0), pytest.approx(0.0, abs=1e-12))
    assert np.isnan(pearson(np.ones(4), np.arange(4.0)))
    figure = alignment_figure(np.ones(4), np.arange(4.0))
    assert "undefined" in figure._suptitle.get_text()


def test_baseline_powers_are_drawn_as_vertical_lines(run):
    figure = alignment_figure(run.power_mean("H"), run.power_mean("A"), baseline_H=run.power_mean("H_against_seed"))
    verticals = [line for line in figure.axes[0].lines if len(set(line.get_xdata())) == 1 and len(line.get_xdata()) == 2]
    assert {line.get_xdata()[0] for line in verticals} == set(np.unique(np.round(run.power_mean("H_against_seed"), 12)))


def test_parameter_lines_keep_their_series():
    figure = parameter_line_figure([0, 0.5, 1], [{"y": [1, 2, 3], "error": [0.1, 0.1, 0.1], "label": "a"}],
                                   xlabel="β", ylabel="y", title="t", zero_line=True)
    np.testing.assert_array_equal(figure.plotted["series"]["a"], [1, 2, 3])
    assert any(np.all(np.asarray(line.get_ydata()) == 0) for line in figure.axes[0].lines)
