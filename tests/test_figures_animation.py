"""GIF writing and the correlated-reward scatter plots and animation."""

import numpy as np
import pytest
from PIL import Image
from test_figures_fixtures import expected_size, gif_frames, png_size

from powerplay.errors import FigureError
from powerplay.figures import render, style
from powerplay.figures.animation import write_gif
from powerplay.figures.reward_samples import (
    correlated_reward_samples,
    reward_pairs_data,
    reward_pairs_frames,
    visualize_all_correlated_reward_samples,
    visualize_correlated_reward_samples,
)
from powerplay.figures.samples import PAIRS_SIZE, draw_reward_pairs


def test_gif_has_one_frame_per_input_padded_to_the_largest_and_pauses_by_duration(tmp_path):
    frames = [
        np.full((10, 20, 3), 30, np.uint8),
        np.full((14, 12, 3), 200, np.uint8),
        np.full((10, 20, 3), 90, np.uint8),
    ]
    path = write_gif(frames, tmp_path / "demo", ms_per_frame=50, frames_at_start=3, frames_at_end=2)
    assert path.name == "demo.gif"
    pixels = gif_frames(path)
    assert pixels.shape == (3, 14, 20, 3)
    assert pixels[1, 0, 0].tolist() == [255, 255, 255]  # padding is white
    with Image.open(path) as gif:
        durations = []
        for i in range(gif.n_frames):
            gif.seek(i)
            durations.append(gif.info["duration"])
    assert durations == [150, 50, 100]
    with pytest.raises(ValueError, match="at least one frame"):
        write_gif([], tmp_path / "empty.gif")


def test_full_correlation_gives_identical_rewards_and_zero_gives_independent_ones():
    same_H, same_A = correlated_reward_samples(300, correlation=1.0)
    np.testing.assert_array_equal(same_H, same_A)
    free_H, free_A = correlated_reward_samples(4000, correlation=0.0)
    assert abs(np.corrcoef(free_H, free_A)[0, 1]) < 4 / np.sqrt(4000)
    half_H, half_A = correlated_reward_samples(4000, correlation=0.5)
    assert np.corrcoef(half_H, half_A)[0, 1] == pytest.approx(0.5, abs=4 / np.sqrt(4000))


def test_negative_correlation_mirrors_through_the_symmetry_interval():
    rewards_H, rewards_A = correlated_reward_samples(200, {"dist_name": "uniform", "params": [0, 1]}, -1.0, [0, 1])
    np.testing.assert_allclose(rewards_A, 1.0 - rewards_H)
    with pytest.raises(ValueError, match="symmetric"):
        correlated_reward_samples(10, {"dist_name": "pareto", "params": [1, 3]}, -0.5)
    with pytest.raises(ValueError, match="does not match"):
        correlated_reward_samples(10, {"dist_name": "uniform", "params": [0, 1]}, -0.5, symmetric_interval=[0, 2])
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        correlated_reward_samples(10, correlation=1.5)


def test_scatter_draws_the_sampled_pairs_and_saves_to_the_output_folder(tmp_path):
    data = reward_pairs_data(500, correlation=0.5)
    expected_H, expected_A = correlated_reward_samples(500, correlation=0.5)
    np.testing.assert_array_equal(data.rewards_H, expected_H)
    np.testing.assert_array_equal(data.rewards_A, expected_A)
    assert data.sample_correlation == pytest.approx(np.corrcoef(expected_H, expected_A)[0, 1])
    assert data.xlim == data.ylim == (0.0, 1.0) and "β = 0.50" in data.title
    points = draw_reward_pairs(data).axes[0].collections[0].get_offsets()
    np.testing.assert_array_equal(points, np.column_stack([expected_H, expected_A]))
    path = visualize_correlated_reward_samples(500, correlation=0.5, fig_name="pairs", output_folder=tmp_path)
    assert path == tmp_path / "pairs.png"
    assert png_size(path) == expected_size(draw_reward_pairs(data))
    default = visualize_correlated_reward_samples(
        50, correlation=-0.25, symmetric_interval=[0, 1], output_folder=tmp_path
    )
    assert default == tmp_path / "correlated_rewards-uniform_0_1--0.25.png" and default.is_file()


def test_animation_over_correlations_has_one_frame_per_correlation(tmp_path):
    frames = reward_pairs_frames(100, correlations_list=[-1, -0.5, 0, 0.5, 1], symmetric_interval=[0, 1])
    assert [f.correlation for f in frames] == [-1, -0.5, 0, 0.5, 1]
    np.testing.assert_allclose(frames[0].rewards_A, 1 - frames[0].rewards_H)  # β = -1 mirrors
    assert {(f.xlim, f.ylim) for f in frames} == {((0.0, 1.0), (0.0, 1.0))}  # the same axes throughout
    path = visualize_all_correlated_reward_samples(
        100, correlations_list=[-1, -0.5, 0, 0.5, 1], symmetric_interval=[0, 1], output_folder=tmp_path
    )
    assert path == tmp_path / "correlated_reward_animation.gif"
    pixels = gif_frames(path)
    assert pixels.shape[:3] == (5, int(PAIRS_SIZE[1] * style.DPI), int(PAIRS_SIZE[0] * style.DPI))
    with pytest.raises(FigureError, match="correlations_list is empty"):
        visualize_all_correlated_reward_samples(100, output_folder=tmp_path)


def test_animation_frames_drawn_on_one_figure_match_fresh_drawings():
    frames = reward_pairs_frames(60, correlations_list=[0, 1])
    reused = render.frame_pixels(frames)
    np.testing.assert_array_equal(reused[1], style.figure_pixels(draw_reward_pairs(frames[1])))
