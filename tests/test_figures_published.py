"""The published figures: every one renders from its replication sweep (at reduced sample counts)."""

import os

import numpy as np
import pytest
from test_figures_fixtures import GAMMA_SWEEP, gif_frames, make_sweep, png_size

from powerplay.figures.published import PublishedFigureError, render_published_figure
from powerplay.runner.replication import FIGURES, SWEEPS, figure
from powerplay.runner.sweep import run_sweep


def test_reward_pair_scatters_need_no_sweep(tmp_path):
    (fig_1,) = render_published_figure(2, 1, None, tmp_path)
    (fig_5,) = render_published_figure(2, 5, None, tmp_path)
    assert (fig_1.name, fig_5.name) == ("PART_2-FIGURE_1.png", "PART_2-FIGURE_5.png")
    assert png_size(fig_1) == png_size(fig_5) == (600, 630)


def test_wrong_sweeps_and_unknown_figures_are_refused(tmp_path):
    sweep = make_sweep(tmp_path / "expts", GAMMA_SWEEP.replace("0.6,", "0.5,").replace('"0p6"', '"0p5"'), samples=10)
    with pytest.raises(PublishedFigureError, match="drawn on 7x7_gridworld_maze, but sweep .* ran 3x3_gridworld"):
        render_published_figure(1, 2, sweep, tmp_path)
    with pytest.raises(PublishedFigureError, match="Part 1 Fig 1: no finished run discount_rate=0.6"):
        render_published_figure(1, 1, sweep, tmp_path)  # γ = 0.6 is not in this sweep
    with pytest.raises(PublishedFigureError, match="needs its replication sweep"):
        render_published_figure(2, 10, None, tmp_path)
    with pytest.raises(PublishedFigureError, match="Part 1 has no figure 7"):
        render_published_figure(1, 7, None, tmp_path)
    with pytest.raises(PublishedFigureError, match="no post 4"):
        render_published_figure(4, 1, None, tmp_path)


#: Reduced sample counts per replication sweep (the joint 7x7 sweeps are the costly ones).
_SAMPLES = {
    "PART_1-FIGURE_1": 60,
    "PART_1-FIGURES_2_3_4": 30,
    "PART_1-FIGURES_5_6": 20,
    "PART_2-FIGURES_2_3_4_6_7_8_9_10": 20,
}

#: File names each figure must produce.
_EXPECTED = {
    (1, 1): ["POWER_means-PART_1-FIGURE_1.png"],
    (1, 2): ["POWER_means-PART_1-FIGURE_2.png"],
    (1, 3): ["POWER_means-PART_1-FIGURE_3.png"],
    (1, 4): ["PART_1-FIGURE_4.gif"],
    (1, 5): ["POWER_means-PART_1-FIGURE_5.png"],
    (1, 6): ["POWER_means-PART_1-FIGURE_6.png"],
    (2, 1): ["PART_2-FIGURE_1.png"],
    (2, 2): ["POWER_means-PART_2-FIGURE_2.png"],
    (2, 3): ["POWER_means-PART_2-FIGURE_3.png"],
    (2, 4): ["PART_2-FIGURE_4.png"],
    (2, 5): ["PART_2-FIGURE_5.png"],
    (2, 6): ["POWER_means-PART_2-FIGURE_6.png"],
    (2, 7): ["POWER_means-PART_2-FIGURE_7.png"],
    (2, 8): ["PART_2-FIGURE_8.png"],
    (2, 9): ["PART_2-FIGURE_9.gif"],
    (2, 10): ["PART_2-FIGURE_10.png"],
    (3, 2): ["POWER_means-PART_3-FIGURE_2.png"],
    (3, 3): ["POWER_means-PART_3-FIGURE_3.png"],
    (3, 4): ["PART_3-FIGURE_4.png"],
    (3, 5): ["POWER_means-PART_3-FIGURE_5.png"],
    (3, 6): ["POWER_means-PART_3-FIGURE_6.png"],
    (3, 7): ["PART_3-FIGURE_7.png"],
    (3, 8): ["POWER_means-PART_3-FIGURE_8A.png", "POWER_means-PART_3-FIGURE_8B.png"],
    (3, 9): ["PART_3-FIGURE_9.png"],
    (3, 10): ["POWER_means-PART_3-FIGURE_10A.png", "POWER_means-PART_3-FIGURE_10B.png"],
    (3, 11): ["PART_3-FIGURE_11.png"],
}


@pytest.mark.slow
def test_every_published_figure_renders_from_its_sweep(tmp_path):
    samples = int(os.environ.get("POWERPLAY_FIGURE_TEST_SAMPLES", 0)) or None
    sweeps = {}
    for name in SWEEPS:
        sweeps[name] = run_sweep(SWEEPS[name].config(), tmp_path / "expts", samples=samples or _SAMPLES.get(name, 8))
    assert set(_EXPECTED) == set(FIGURES)
    out = tmp_path / "temp"
    for (post, number), entry in sorted(FIGURES.items()):
        paths = render_published_figure(post, number, sweeps.get(entry.sweep), out)
        assert [p.name for p in paths] == _EXPECTED[(post, number)]
        for path in paths:
            if path.suffix == ".png":
                width, height = png_size(path)
                assert width >= 400 and height >= 400
    assert gif_frames(out / "PART_1-FIGURE_4.gif").shape[0] == 21  # the 21 discount rates
    assert gif_frames(out / "PART_2-FIGURE_9.gif").shape[0] == 21  # the 21 reward correlations
    # Part 3 Fig 1 is Part 1 Fig 2.
    alias = figure(3, 1)
    assert (alias.post, alias.figure) == (1, 2)
    (again,) = render_published_figure(3, 1, sweeps[alias.sweep], out)
    assert again.name == "POWER_means-PART_3-FIGURE_1.png"
    np.testing.assert_array_equal(gif_frames(again)[0], gif_frames(out / "POWER_means-PART_1-FIGURE_2.png")[0])
