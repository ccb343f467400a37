"""Sweep-level figures: alignment animations, averages, α_HA and POWER against a parameter,
sweep animations of per-run figures, and rollouts."""

import warnings

import numpy as np
import pytest
from test_figures_fixtures import BETA_SWEEP, GAMMA_SWEEP, expected_size, gif_frames, make_sweep, png_size

from powerplay.figures import style
from powerplay.errors import SweepNotFoundError
from powerplay.stats import alignment_of_samples
from powerplay.figures.rollout import rollout_frames, visualize_full_gridworld_rollout
from powerplay.figures.samples import FigureWarning
from powerplay.figures.sweeps import (
    generate_sweep_animation,
    visualize_alignment_against_parameter,
    visualize_alignment_plots,
    visualize_average_powers,
    visualize_power_against_discount_rate,
)
from powerplay.runner.inspection import sample_optimal_policy_data, simulate_policy_rollout


@pytest.fixture(scope="module")
def expts(tmp_path_factory):
    return tmp_path_factory.mktemp("expts")


@pytest.fixture(scope="module")
def beta_sweep(expts):
    return make_sweep(expts, BETA_SWEEP, diagnostic=True, render_figures=True)


@pytest.fixture(scope="module")
def gamma_sweep(expts):
    return make_sweep(expts, GAMMA_SWEEP)


def test_alignment_animation_has_one_frame_per_beta(beta_sweep, tmp_path):
    path = visualize_alignment_plots(beta_sweep.sweep_id, folder=beta_sweep.path.parent, output_folder=tmp_path)
    assert path == tmp_path / "alignment_plot_animation.gif"
    assert gif_frames(path).shape[:3] == (3, int(6.6 * style.DPI), int(6.4 * style.DPI))


def test_alignment_animation_without_baseline_data_warns(expts, tmp_path):
    sweep = make_sweep(expts, BETA_SWEEP.replace("beta_sweep", "beta_no_diag"), samples=20)
    with pytest.warns(FigureWarning, match="no baseline POWERs"):
        visualize_alignment_plots(sweep, output_folder=tmp_path)


def test_average_powers_are_state_averages_of_each_run(beta_sweep, tmp_path):
    figure = visualize_average_powers(beta_sweep, fig_name="averages", output_folder=tmp_path)
    series = figure.plotted["series"]
    runs = [beta_sweep.run(reward_correlation=b) for b in (0, 0.5, 1)]
    np.testing.assert_allclose(figure.plotted["x"], [0, 0.5, 1])
    np.testing.assert_allclose(series["Agent H POWER, averaged over states"], [r.power_mean("H").mean() for r in runs])
    np.testing.assert_allclose(series["Agent A POWER, averaged over states"], [r.power_mean("A").mean() for r in runs])
    baseline = series["Agent H baseline (against A's seed policy)"]
    np.testing.assert_allclose(baseline, [r.power_mean("H_against_seed").mean() for r in runs])
    assert png_size(tmp_path / "averages.png") == expected_size(figure)


def test_alignment_against_beta_is_each_runs_alpha(beta_sweep):
    figure = visualize_alignment_against_parameter(beta_sweep)
    (alphas,) = figure.plotted["series"].values()
    expected = [alignment_of_samples(beta_sweep.run(reward_correlation=b).power["H"],
                                      beta_sweep.run(reward_correlation=b).power["A"]).alpha for b in (0, 0.5, 1)]
    np.testing.assert_allclose(alphas, expected)
    assert "Alignment coefficient against reward correlation β" in figure._suptitle.get_text()


def test_alignment_needs_two_agents(gamma_sweep):
    with pytest.raises(ValueError, match="multiagent_with_reward"):
        visualize_alignment_against_parameter(gamma_sweep, param="discount_rate")


def test_power_against_discount_rate_at_chosen_states(gamma_sweep):
    figure = visualize_power_against_discount_rate(gamma_sweep, states=["(1, 1)", "(0, 0)"])
    np.testing.assert_allclose(figure.plotted["x"], [0.2, 0.6, 0.95])
    for state in ("(1, 1)", "(0, 0)"):
        i = gamma_sweep.runs[0].states.index(state)
        expected = [gamma_sweep.run(discount_rate=g).power_mean("H")[i] for g in (0.2, 0.6, 0.95)]
        np.testing.assert_allclose(figure.plotted["series"][state], expected)
    default = visualize_power_against_discount_rate(gamma_sweep)
    assert len(default.plotted["series"]) == 8  # 4 highest and 4 lowest of 9 states
    with pytest.raises(ValueError, match=r"'\(9, 9\)' is not a state"):
        visualize_power_against_discount_rate(gamma_sweep, states=["(9, 9)"])


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
        "animation-POWER_means-agent_A", "animation-POWER_means-agent_A_seed",
        "animation-POWER_means-agent_H", "animation-POWER_means-agent_H_against_seed",
    ]
    with pytest.raises(ValueError, match="does not sweep 'discount_rate'"):
        generate_sweep_animation(beta_sweep, "discount_rate")


def test_rollout_gif_follows_the_optimal_policies_of_the_sample(beta_sweep, tmp_path):
    path = visualize_full_gridworld_rollout(beta_sweep, run_suffix="reward_correlation__0p5", number_of_steps=6,
                                            reward_sample_index=3, output_folder=tmp_path)
    run = beta_sweep.run(reward_correlation=0.5)
    data = sample_optimal_policy_data(run, 3)
    expected = simulate_policy_rollout("(0, 0)_H^(0, 0)_A", data["policy_graph_H"], data["mdp_graph"], 6,
                                       other_policy=data["policy_graph_A"], rng=np.random.default_rng(0))
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
            assert frame.plotted["matrix"][row, col] == rewards[i]
    squares = {tuple(np.round(p.get_xy(), 2)): p.get_edgecolor()[:3] for p in frame.axes[0].patches}
    assert squares[(1 - 0.5 + 0.14, 0 - 0.5 + 0.14)] == pytest.approx((0.122, 0.4, 0.702), abs=0.01)  # H, blue
    assert squares[(2 - 0.5, 2 - 0.5)] == pytest.approx((0.839, 0.153, 0.157), abs=0.01)  # A, red


def test_sweep_figures_accept_ids_and_paths(beta_sweep, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        by_id = visualize_alignment_against_parameter(beta_sweep.sweep_id, folder=beta_sweep.path.parent)
        by_path = visualize_alignment_against_parameter(str(beta_sweep.path))
    np.testing.assert_array_equal(list(by_id.plotted["series"].values())[0], list(by_path.plotted["series"].values())[0])


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


def test_alignment_against_gamma_uses_the_runs_where_both_agents_share_it(expts):
    sweep = make_sweep(expts, TWO_GAMMAS)
    assert len(sweep.runs) == 4
    figure = visualize_alignment_against_parameter(sweep, param="discount_rate")
    (alphas,) = figure.plotted["series"].values()
    diagonal = [sweep.run(discount_rate=g, discount_rate_agent_A=g) for g in (0.5, 0.9)]
    np.testing.assert_allclose(alphas, [r.alignment().alpha for r in diagonal])
    # Holding Agent A's discount rate fixed instead gives the off-diagonal run too.
    fixed = visualize_alignment_against_parameter(sweep, param="discount_rate", fixed={"discount_rate_agent_A": 0.9})
    other = sweep.run(discount_rate=0.5, discount_rate_agent_A=0.9)
    assert list(fixed.plotted["series"].values())[0][0] == pytest.approx(
        other.alignment().alpha)
    with pytest.raises(SweepNotFoundError, match="'reward_correlation' is not swept"):
        visualize_alignment_against_parameter(sweep, param="reward_correlation")
