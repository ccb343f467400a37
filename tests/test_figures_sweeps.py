"""Sweep-level figures: alignment animations, averages, α_HA and POWER against a parameter,
sweep animations of per-run figures, and rollouts."""

import math

import numpy as np
import pytest
from test_figures_fixtures import BETA_SWEEP, GAMMA_SWEEP, gif_frames, make_sweep, png_size

from powerplay.errors import FigureError, FigureWarning, SweepNotFoundError
from powerplay.figures import render, style
from powerplay.figures.rollout import rollout_frames, visualize_full_gridworld_rollout
from powerplay.figures.sweeps import (
    alignment_against_parameter_data,
    alignment_frames,
    average_powers_data,
    frame_limits,
    generate_sweep_animation,
    parameter_axis,
    power_against_parameter_data,
    visualize_alignment_against_parameter,
    visualize_alignment_plots,
    visualize_average_powers,
    visualize_power_against_discount_rate,
    visualize_power_against_parameter,
)
from powerplay.runner.inspection import inspect_sample, simulate_policy_rollout


@pytest.fixture(scope="module")
def expts(tmp_path_factory):
    return tmp_path_factory.mktemp("expts")


@pytest.fixture(scope="module")
def beta_sweep(expts):
    return make_sweep(expts, BETA_SWEEP, diagnostic=True, render_figures=True)


@pytest.fixture(scope="module")
def gamma_sweep(expts):
    return make_sweep(expts, GAMMA_SWEEP)


TWO_GAMMAS = """
name: two_gammas
parameters:
  joint_mdp_graph: {value: joint_1x3_gridworld_with_agent_H_forbidden_from_staying_when_agent_A_is_at_far_right}
  seed_policy_graph_agent_A: {value: joint_1x3_gridworld_agent_A_move_left}
  discount_rate: {values: [0.5, 0.9], names: ["0p5", "0p9"]}
  discount_rate_agent_A: {values: [0.5, 0.9], names: ["0p5", "0p9"]}
  reward_distribution: {value: {default_dist: {dist_name: uniform, params: [0, 1]}}}
  reward_correlation: {value: 0.5}
  num_reward_samples: {value: 30}
  random_seed: {value: 0}
"""

DISTRIBUTIONS = """
name: distributions
parameters:
  joint_mdp_graph: {value: joint_1x3_gridworld_with_agent_H_forbidden_from_staying_when_agent_A_is_at_far_right}
  seed_policy_graph_agent_A: {value: joint_1x3_gridworld_agent_A_move_left}
  discount_rate: {value: 0.8}
  discount_rate_agent_A: {value: 0.8}
  reward_distribution:
    values:
      - {default_dist: {dist_name: uniform, params: [0, 1]}}
      - {default_dist: {dist_name: beta, params: [2, 2]}}
    names: [uniform, beta_2_2]
  reward_correlation: {value: 0}
  num_reward_samples: {value: 30}
  random_seed: {value: 0}
"""


@pytest.fixture(scope="module")
def two_gammas(expts):
    return make_sweep(expts, TWO_GAMMAS)


def test_alignment_animation_has_one_frame_per_beta_each_fitted_to_its_points(beta_sweep, tmp_path):
    frames = alignment_frames(beta_sweep)
    runs = [beta_sweep.run(reward_correlation=b) for b in (0, 0.5, 1)]
    for frame, run in zip(frames, runs):
        np.testing.assert_array_equal(frame.x, run.power_mean("H"))
        np.testing.assert_array_equal(frame.y, run.power_mean("A"))
        np.testing.assert_array_equal(frame.baseline, np.unique(np.round(run.power_mean("H_against_seed"), 12)))
        assert frame.statistics.alpha == run.alignment().alpha
    # POWER rises with β, so in one shared box the β = 1 frame would be a cluster in a corner:
    # each frame is fitted to its own points (and says so).
    assert len({frame.limits for frame in frames}) == 3 and "axes fitted to this frame" in frames[0].title.replace(
        "\n", " "
    )
    for frame in frames:
        (x0, x1), (y0, y1) = frame.limits
        points_x = np.concatenate([frame.x, frame.baseline])
        assert x0 <= points_x.min() and points_x.max() <= x1 and y0 <= frame.y.min() and frame.y.max() <= y1
        assert np.ptp(points_x) >= 0.5 * (x1 - x0) and np.ptp(frame.y) >= 0.5 * (y1 - y0)
    shared = alignment_frames(beta_sweep, share_axes=True)
    assert len({frame.limits for frame in shared}) == 1 and "fitted" not in shared[0].title
    path = visualize_alignment_plots(beta_sweep.sweep_id, folder=beta_sweep.path.parent, output_folder=tmp_path)
    assert path == tmp_path / "alignment_plot_animation.gif"
    height, width = render.frame_pixels(frames[:1])[0].shape[:2]
    assert gif_frames(path).shape[:3] == (3, height, width)


def test_alignment_animation_fits_each_frame_when_sharing_would_squeeze_it():
    rng = np.random.default_rng(0)
    small = [(rng.random(20), rng.random(20))]
    far = [(10 + rng.random(20), 5 + rng.random(20))]
    limits, shared = frame_limits([small, far])
    assert not shared  # one shared box would leave each frame a dot in a corner
    for (xl, yl), ((x, y),) in zip(limits, [small, far]):
        assert xl[0] <= x.min() and x.max() <= xl[1] and (xl[1] - xl[0]) < 2 * (x.max() - x.min())
        assert yl[0] <= y.min() and y.max() <= yl[1]
    assert frame_limits([small, far], share_axes=True)[1]


def test_alignment_animation_without_baseline_data_warns(expts, tmp_path):
    sweep = make_sweep(expts, BETA_SWEEP.replace("beta_sweep", "beta_no_diag"), samples=20)
    with pytest.warns(FigureWarning, match="no baseline POWERs") as record:
        visualize_alignment_plots(sweep, output_folder=tmp_path)
    assert record[0].filename == __file__  # attributed to the caller, so no powerplay source line is shown


def test_average_powers_are_each_runs_state_averages(beta_sweep, tmp_path):
    data = average_powers_data(beta_sweep)
    series = data.series_by_label()
    runs = [beta_sweep.run(reward_correlation=b) for b in (0, 0.5, 1)]
    assert data.x == (0, 0.5, 1) and data.scale == "linear"
    for label, key in (
        ("Agent H POWER, averaged over states", "H"),
        ("Agent A POWER, averaged over states", "A"),
        ("Agent H baseline (against A's seed policy)", "H_against_seed"),
    ):
        means = [r.average_power(key)[0] for r in runs]
        sems = [r.average_power(key)[1] for r in runs]
        np.testing.assert_allclose(series[label].y, means)
        np.testing.assert_allclose(series[label].high - series[label].y, sems)
        np.testing.assert_allclose(means, [r.power_mean(key).mean() for r in runs])
    path = visualize_average_powers(beta_sweep, fig_name="averages", output_folder=tmp_path)
    assert path == tmp_path / "averages.png"
    assert png_size(path) == tuple(int(v * style.DPI) for v in render.draw(data).get_size_inches())


def test_alignment_against_beta_shows_corrected_and_raw_alpha_with_intervals(beta_sweep):
    data = alignment_against_parameter_data(beta_sweep)
    corrected, raw = data.series
    assert "corrected" in corrected.label and "95% interval" in corrected.label and "raw" in raw.label
    assert raw.opacity < 1 == corrected.opacity  # raw is the lighter one
    stats = [beta_sweep.run(reward_correlation=b).alignment() for b in (0, 0.5, 1)]
    np.testing.assert_array_equal(corrected.y, [s.alpha_corrected for s in stats])
    np.testing.assert_array_equal(corrected.low, [s.alpha_corrected_interval[0] for s in stats])
    np.testing.assert_array_equal(corrected.high, [s.alpha_corrected_interval[1] for s in stats])
    np.testing.assert_array_equal(raw.y, [s.alpha for s in stats])
    np.testing.assert_array_equal(raw.low, [s.alpha_interval[0] for s in stats])
    # The same numbers as runs.csv (run.json's statistics).
    np.testing.assert_allclose(raw.y, [row["alpha_HA"] for row in beta_sweep.table()])
    assert data.title.startswith("Alignment coefficient against reward correlation β")
    assert "γ = 0.6" in data.title and "60 reward samples" in data.title


def test_alpha_figure_names_the_sweep_folder_not_the_path_typed(beta_sweep, tmp_path):
    by_id = visualize_alignment_against_parameter(
        beta_sweep.sweep_id, folder=beta_sweep.path.parent, output_folder=tmp_path
    )
    by_path = visualize_alignment_against_parameter(str(beta_sweep.path), output_folder=tmp_path)
    assert by_id == by_path == tmp_path / f"alignment_coefficient_against_reward_correlation-{beta_sweep.path.name}.png"
    assert by_id.is_file()


def test_alignment_needs_two_agents(gamma_sweep):
    with pytest.raises(FigureError, match="multiagent_with_reward"):
        alignment_against_parameter_data(gamma_sweep, param="discount_rate")


def test_power_against_discount_rate_at_chosen_states(gamma_sweep, tmp_path):
    data = power_against_parameter_data(gamma_sweep, states=["(1, 1)", "(0, 0)"])
    assert data.x == (0.2, 0.6, 0.95)
    np.testing.assert_allclose(data.positions, [0.2, 0.6, 0.95])
    for state in ("(1, 1)", "(0, 0)"):
        i = gamma_sweep.runs[0].states.index(state)
        runs = [gamma_sweep.run(discount_rate=g) for g in (0.2, 0.6, 0.95)]
        np.testing.assert_allclose(data.series_by_label()[state].y, [r.table_power("H")[0][i] for r in runs], rtol=1e-9)
        np.testing.assert_allclose(
            data.series_by_label()[state].high - data.series_by_label()[state].y, [r.power_sem("H")[i] for r in runs]
        )
    assert len(power_against_parameter_data(gamma_sweep).series) == 8  # 4 highest and 4 lowest of 9 states
    with pytest.raises(FigureError, match=r"'\(9, 9\)' is not a state"):
        power_against_parameter_data(gamma_sweep, states=["(9, 9)"])
    path = visualize_power_against_discount_rate(gamma_sweep, output_folder=tmp_path)
    assert path == tmp_path / f"POWER_H_against_discount_rate-{gamma_sweep.path.name}.png" and path.is_file()
    # Chosen states name the file: a second call with other states does not replace the first.
    centre = visualize_power_against_discount_rate(gamma_sweep, states=["(1, 1)"], output_folder=tmp_path)
    corner = visualize_power_against_discount_rate(gamma_sweep, states=["(0, 0)"], output_folder=tmp_path)
    assert centre.name == f"POWER_H_against_discount_rate-states_1_1-{gamma_sweep.path.name}.png"
    assert len({path, centre, corner}) == 3 and all(p.is_file() for p in (path, centre, corner))


def test_log_one_minus_gamma_axis_is_labelled_with_gammas(gamma_sweep, tmp_path):
    data = power_against_parameter_data(gamma_sweep, states=["(0, 0)"], log_one_minus_gamma=True)
    assert data.scale == "log_one_minus" and data.x == (0.2, 0.6, 0.95)
    np.testing.assert_allclose(data.positions, [-math.log10(1 - g) for g in (0.2, 0.6, 0.95)])
    assert [label for _, label in data.ticks] == ["0.2", "0.6", "0.95"]  # few values: ticks at each
    for position, label in data.ticks:
        assert position == pytest.approx(-math.log10(1 - float(label)))
    assert "log scale of 1 − γ" in data.xlabel
    path = visualize_power_against_parameter(
        gamma_sweep, states=["(0, 0)"], log_one_minus_gamma=True, output_folder=tmp_path
    )
    assert path.name.endswith("-log_one_minus_gamma.png") and path.is_file()


def test_log_one_minus_gamma_ticks_many_values_at_round_gammas():
    gammas = [0.01, 0.05] + [round(0.1 + 0.05 * i, 2) for i in range(18)] + [0.99]  # Part 1's 21 values
    _positions, scale, ticks, _ = parameter_axis(gammas, [str(g) for g in gammas], "discount_rate", True)
    assert scale == "log_one_minus" and [label for _, label in ticks] == ["0.5", "0.9", "0.99"]
    np.testing.assert_allclose([p for p, _ in ticks], [-math.log10(0.5), 1.0, 2.0])


def test_log_one_minus_gamma_refuses_parameters_that_are_not_discount_rates(beta_sweep):
    with pytest.raises(FigureError, match="reward_correlation = 1"):
        alignment_against_parameter_data(beta_sweep, log_one_minus_gamma=True)


def test_sweep_animation_of_one_figure_type(beta_sweep):
    paths = generate_sweep_animation(beta_sweep, "reward_correlation", figure_prefix="POWER_means-agent_A")
    assert paths == [beta_sweep.path / f"animation-POWER_means-agent_A-{beta_sweep.path.name}.gif"]
    first_run = beta_sweep.run(reward_correlation=0)
    png = first_run.path / f"POWER_means-agent_A-{first_run.name}.png"
    frames = gif_frames(paths[0])
    assert frames.shape[0] == 3 and frames.shape[1:3] == png_size(png)[::-1]


def test_sweep_animation_of_every_type_skips_missing_ones_with_a_warning(beta_sweep):
    middle = beta_sweep.run(reward_correlation=0.5)
    (middle.path / f"POWER_alignment-{middle.name}.png").unlink()
    with pytest.warns(FigureWarning, match="'POWER_alignment' is missing from 1 of 3 runs"):
        paths = generate_sweep_animation(beta_sweep, "reward_correlation")
    assert sorted(p.name.split("-" + beta_sweep.path.name)[0] for p in paths) == [
        "animation-POWER_means-agent_A",
        "animation-POWER_means-agent_A_seed",
        "animation-POWER_means-agent_H",
        "animation-POWER_means-agent_H_against_seed",
    ]
    with pytest.raises(FigureError, match="does not sweep 'discount_rate'"):
        generate_sweep_animation(beta_sweep, "discount_rate")


def test_rollout_gif_follows_the_optimal_policies_of_the_sample(beta_sweep, tmp_path):
    path = visualize_full_gridworld_rollout(
        beta_sweep,
        run_suffix="reward_correlation__0p5",
        number_of_steps=6,
        reward_sample_index=3,
        output_folder=tmp_path,
    )
    assert path == tmp_path / "gridworld_rollout.gif"
    run = beta_sweep.run(reward_correlation=0.5)
    found = inspect_sample(run, 3)
    expected = simulate_policy_rollout(
        "(0, 0)_H^(0, 0)_A",
        found.optimal_policies["H"],
        found.mdp,
        6,
        other_policy=found.optimal_policies["A"],
        rng=np.random.default_rng(0),
    )
    assert gif_frames(path).shape[0] == len(expected) == 7
    with pytest.raises(SweepNotFoundError, match="no finished run 'beta__2'"):
        visualize_full_gridworld_rollout(beta_sweep, run_suffix="beta__2", output_folder=tmp_path)


def test_rollout_frames_mark_both_agents_over_the_displayed_landscape(beta_sweep):
    run = beta_sweep.run(reward_correlation=0)
    rewards = run.rewards["A"][0]
    state = "(0, 1)_H^(2, 2)_A"
    (frame,) = rollout_frames([state], run.states, rewards, agent_whose_rewards_are_displayed="A")
    # Agent A's landscape with H fixed at (0, 1): A's reward at each of A's positions.
    for i, s in enumerate(run.states):
        if s.startswith("(0, 1)_H^"):
            row, col = int(s[-7]), int(s[-4])
            assert frame.matrix[row, col] == rewards[i]
    assert sorted(frame.markers) == sorted(
        [((0, 1), style.AGENT_COLORS["H"], 0.14), ((2, 2), style.AGENT_COLORS["A"], 0.0)]
    )


def test_alignment_against_gamma_uses_the_runs_where_both_agents_share_it(two_gammas):
    assert len(two_gammas.runs) == 4
    data = alignment_against_parameter_data(two_gammas, param="discount_rate")
    diagonal = [two_gammas.run(discount_rate=g, discount_rate_agent_A=g) for g in (0.5, 0.9)]
    np.testing.assert_allclose(data.series[1].y, [r.alignment().alpha for r in diagonal])
    assert "γ_A = γ_H" in data.title
    # Holding Agent A's discount rate fixed instead: the title names it.
    fixed = alignment_against_parameter_data(two_gammas, param="discount_rate", fixed={"discount_rate_agent_A": 0.9})
    other = two_gammas.run(discount_rate=0.5, discount_rate_agent_A=0.9)
    assert fixed.series[1].y[0] == pytest.approx(other.alignment().alpha)
    assert "γ_A = 0.9" in fixed.title and "β = 0.5" in fixed.title
    by_name = alignment_against_parameter_data(
        two_gammas, param="discount_rate", fixed={"discount_rate_agent_A": "0p9"}
    )
    np.testing.assert_array_equal(by_name.series[1].y, fixed.series[1].y)
    with pytest.raises(SweepNotFoundError, match="'reward_correlation' is not swept"):
        alignment_against_parameter_data(two_gammas, param="reward_correlation")


def test_fixed_values_are_part_of_the_default_file_name(two_gammas, tmp_path):
    path = visualize_alignment_against_parameter(
        two_gammas, param="discount_rate", output_folder=tmp_path, fixed={"discount_rate_agent_A": 0.9}
    )
    assert (
        path.name
        == f"alignment_coefficient_against_discount_rate-{two_gammas.path.name}-discount_rate_agent_A__0p9.png"
    )


def test_mapping_valued_parameters_get_a_categorical_axis_of_value_names(expts, tmp_path):
    sweep = make_sweep(expts, DISTRIBUTIONS)
    data = alignment_against_parameter_data(sweep, param="reward_distribution")
    assert data.scale == "categorical"
    assert [label for _, label in data.ticks] == ["uniform", "beta_2_2"]
    np.testing.assert_array_equal(data.positions, [0, 1])
    runs = [sweep.run(reward_distribution=name) for name in ("uniform", "beta_2_2")]
    np.testing.assert_array_equal(data.series[1].y, [r.alignment().alpha for r in runs])
    assert data.x[1] == {"default_dist": {"dist_name": "beta", "params": [2, 2]}}
    path = visualize_alignment_against_parameter(sweep, param="reward_distribution", output_folder=tmp_path)
    assert path.is_file()
    assert len(alignment_frames(sweep, param="reward_distribution", include_baseline_powers=False)) == 2
