"""Paired statistics: sample groups streamed with every run, the statistic registry, paired errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from powerplay.errors import ModelError, UnknownLabelError
from powerplay.model.environments import load_mdp, load_policy
from powerplay.model.gridworld import gridworld
from powerplay.runner.executors import run_experiment
from powerplay.runner.experiment import Experiment
from powerplay.stats.groups import SampleGroups
from powerplay.stats.statistics import (
    ContrastStatistic,
    Estimate,
    pairing,
    parse_groups,
    parse_statistic,
    rank_change,
    register_statistic,
)
from powerplay.stats.summary import RunSummary


@pytest.fixture(scope="module")
def uniform():
    from powerplay.model.rewards import RewardDistribution

    return RewardDistribution.from_config({"default_dist": {"dist_name": "uniform", "params": [0, 1]}})


def _grid(uniform, gamma, n=4096, seed=0):
    return run_experiment(
        Experiment("single_agent", gridworld(3, 4), gamma, uniform, n, seed), keep_samples=True, chunk_size=1000
    )


@pytest.fixture(scope="module")
def neighbours(uniform):
    """Two runs at nearby discount rates with the same seed: the same reward draws."""
    return _grid(uniform, 0.9), _grid(uniform, 0.93)


def _within_jackknife_error(jackknife: float, exact: float, groups: int) -> bool:
    # The jackknife's relative error is about 1 / sqrt(2 (G - 1)); allow three of them.
    return abs(jackknife / exact - 1) <= 3 / math.sqrt(2 * (groups - 1))


def test_streamed_groups_are_the_samples_in_fixed_consecutive_groups(neighbours):
    run, _ = neighbours
    groups = run.summary.paired
    assert groups.size == 64 and groups.counts.tolist() == [64] * 64
    expected = run.power["H"].reshape(64, 64, -1).mean(axis=1)
    np.testing.assert_allclose(groups.means["H"], expected, rtol=1e-12)
    np.testing.assert_allclose(groups.totals()["H"], run.power_mean("H"), rtol=1e-12)


def test_the_paired_error_of_a_state_difference_is_that_of_the_per_sample_differences(neighbours):
    a, b = neighbours
    assert pairing(a, b) == (True, None)
    index = a.states.index("(1, 1)")
    difference = parse_statistic("power:(1, 1)").difference(a, b)
    per_sample = b.power["H"][:, index] - a.power["H"][:, index]
    exact = per_sample.std(ddof=1) / math.sqrt(len(per_sample))
    assert difference.paired and difference.value == pytest.approx(per_sample.mean(), abs=1e-12)
    assert _within_jackknife_error(difference.sem, exact, 64)
    # Unpaired errors overstate it several times over: the runs' samples are strongly correlated.
    assert np.corrcoef(a.power["H"][:, index], b.power["H"][:, index])[0, 1] > 0.9
    assert math.hypot(a.power_sem("H")[index], b.power_sem("H")[index]) > 3 * exact


def test_a_contrast_and_its_paired_difference_match_the_samples(neighbours):
    a, b = neighbours
    contrast = parse_statistic('contrast:H:"(1, *)" - "(0, 0)" | "(2, 3)"')
    weights = contrast.weights(a.states)
    middle = [a.states.index(s) for s in ("(1, 0)", "(1, 1)", "(1, 2)", "(1, 3)")]
    corners = [a.states.index(s) for s in ("(0, 0)", "(2, 3)")]
    expected = np.zeros(len(a.states))
    expected[middle], expected[corners] = 1 / 4, -1 / 2
    np.testing.assert_allclose(weights, expected)
    assert contrast.describe_groups(a.states) == "4 states − 2 states"
    value_a, value_b = a.power["H"] @ weights, b.power["H"] @ weights
    single = contrast.of_run(a)
    assert single.value == pytest.approx(value_a.mean(), abs=1e-12)
    assert _within_jackknife_error(single.sem, value_a.std(ddof=1) / 64, 64)
    difference = contrast.difference(a, b)
    per_sample = value_b - value_a
    assert difference.paired and _within_jackknife_error(difference.sem, per_sample.std(ddof=1) / 64, 64)


def test_runs_with_other_draws_are_compared_unpaired(uniform, neighbours):
    a, _ = neighbours
    other_seed = _grid(uniform, 0.93, seed=1)
    fewer = _grid(uniform, 0.93, n=2048)
    assert pairing(a, other_seed) == (False, "different reward draws")
    assert pairing(a, fewer) == (False, "different sample counts")
    difference = parse_statistic("power:(1, 1)").difference(a, other_seed)
    index = a.states.index("(1, 1)")
    assert difference.paired is False and difference.sem == pytest.approx(
        math.hypot(a.power_sem("H")[index], other_seed.power_sem("H")[index])
    )
    assert "(unpaired: different reward draws)" in difference.describe()


def test_runs_without_groups_say_so(neighbours):
    a, b = neighbours
    old = type("OldRun", (), {})()
    old.summary = RunSummary(a.summary.total, a.summary.groups, None)  # an older run folder
    old.states, old.reward_fingerprint, old.name = a.states, a.reward_fingerprint, "0001-old"
    old.alignment = lambda: None
    assert pairing(old, b) == (False, "0001-old: the run was written before sample groups were kept")
    contrast = parse_statistic('contrast:"(1, 1)" - "(0, 0)"')
    estimate = contrast.of_run(old)
    assert estimate.defined and not estimate.sem_defined
    assert "written before sample groups were kept" in estimate.describe()
    assert parse_statistic("power:(1, 1)").difference(old, b).paired is False
    assert not parse_statistic("rank").difference(old, b).defined


def test_the_rank_change_is_corrected_for_noise(uniform):
    """Two runs of the same experiment with other draws have the same order of states in
    expectation: the corrected change is 0 within its error, while the raw 1 − ρ is not
    (noise reorders states of nearly equal POWER). A real change of order is found."""
    maze = load_mdp("7x7_gridworld_maze")

    def run(gamma, seed=0):
        return run_experiment(Experiment("single_agent", maze, gamma, uniform, 4096, seed))

    a, same, far = run(0.3), run(0.3, seed=5), run(0.99)
    rank = parse_statistic("rank")
    change = rank.difference(a, same)
    raw = float(rank_change(a.power_mean("H"), same.power_mean("H")))
    assert change.paired is False and abs(change.value) <= 2 * change.sem and raw > change.value + 2 * change.sem
    big = rank.difference(a, far)
    assert big.paired and big.value > 3 * big.sem
    assert rank.difference(a, a).value == 0.0  # (the same run twice: no change, and no noise)


def test_statistics_are_parsed_checked_and_labelled():
    assert parse_statistic("power:(1, 1):A").label == "POWER of (1, 1) (A)"
    assert parse_statistic("average_power").spec == "average_power:H"
    assert parse_statistic("alpha_corrected").label == "α_HA corrected"
    assert parse_groups('"(0, 6)_H^(1, 3)_A" - "(0, 6)_H^(*, *)_A"') == (
        ("(0, 6)_H^(1, 3)_A",),
        ("(0, 6)_H^(*, *)_A",),
    )
    states = ("(0, 6)_H^(1, 3)_A", "(0, 6)_H^(2, 2)_A", "(1, 1)_H^(0, 6)_A")
    blocking = ContrastStatistic(parse_groups('"(0, 6)_H^(1, 3)_A" - "(0, 6)_H^(*, *)_A"'))
    # '*' stays within one agent's part of the label: (*, *)_A matches A's cells, not H's.
    assert blocking.members(states) == [[0], [0, 1]]
    with pytest.raises(UnknownLabelError, match="matches no state"):
        ContrastStatistic(parse_groups('"(9, 9)_H^(*, *)_A"')).check(states, ("H",))
    with pytest.raises(ModelError, match="unknown statistic 'median'"):
        parse_statistic("median")
    with pytest.raises(ModelError, match="at most two groups"):
        parse_groups('"a" - "b" - "c"')
    with pytest.raises(UnknownLabelError, match="needs POWER of 'A'"):
        parse_statistic("average_power:A").check(states, ("H",))
    assert len({parse_statistic(s).slug for s in ("power:(1, 1)", "power:(1,1)", "power:(1, 1):A")}) == 3


def test_a_registered_python_function_gets_jackknife_and_paired_errors(neighbours):
    a, b = neighbours
    register_statistic("centre_minus_corner", lambda m, states: m["H"][4] - m["H"][0], replace=True)
    statistic = parse_statistic("centre_minus_corner")
    sample_a, sample_b = (run.power["H"][:, 4] - run.power["H"][:, 0] for run in (a, b))
    single = statistic.of_run(a)
    assert single.value == pytest.approx(sample_a.mean())
    assert _within_jackknife_error(single.sem, sample_a.std(ddof=1) / 64, 64)
    difference = statistic.difference(a, b)
    exact = (sample_b - sample_a).std(ddof=1) / 64
    assert difference.paired and _within_jackknife_error(difference.sem, exact, 64)
    with pytest.raises(ModelError, match="already registered"):
        register_statistic("power", lambda m, s: 0.0)


def test_one_sample_has_an_undefined_error_everywhere(uniform):
    run = _grid(uniform, 0.5, n=1)
    estimate = parse_statistic("power:(1, 1)").of_run(run)
    assert (
        estimate.defined
        and not estimate.sem_defined
        and estimate.describe() == f"{estimate.value:.4f} ± undefined (1 sample)"
    )
    assert np.all(np.isnan(run.power_sem("H"))) and math.isnan(run.average_power("H")[1])
    assert SampleGroups.of_samples(run.power).size == 1
    assert Estimate(0.1, math.nan, sem_undefined="1 sample").significant is None


def test_paired_alpha_differences_between_two_agent_runs(uniform):
    joint = load_mdp("joint_3x3_gridworld")
    policy = load_policy("joint_3x3_gridworld_agent_A_uniform_random")

    def run(gamma):
        experiment = Experiment(
            "multiagent_with_reward",
            joint,
            gamma,
            uniform,
            2048,
            0,
            policy_A=policy,
            discount_rate_agent_A=gamma,
            reward_correlation=0.0,
        )
        return run_experiment(experiment)

    a, b = run(0.8), run(0.82)
    for name in ("alpha", "alpha_corrected"):
        statistic = parse_statistic(name)
        difference = statistic.difference(a, b)
        unpaired = math.hypot(statistic.of_run(a).sem, statistic.of_run(b).sem)
        assert difference.paired and difference.value == pytest.approx(
            statistic.of_run(b).value - statistic.of_run(a).value
        )
        assert 0 < difference.sem < 0.5 * unpaired


def _maze_alignment(samples, seed):
    from powerplay.runner.build import build_experiment

    config = {
        "joint_mdp_graph": {"generator": "maze", "rows": 3, "cols": 3, "seed": 1, "joint": "remove"},
        "seed_policy_graph_agent_A": "uniform_random",
        "discount_rate": 0.99,
        "discount_rate_agent_A": 0.99,
        "reward_correlation": 0,
        "reward_distribution": {"default_dist": {"dist_name": "uniform", "params": [0, 1]}},
        "num_reward_samples": samples,
        "random_seed": seed,
    }
    return run_experiment(build_experiment(config)).alignment()


def test_the_suggested_sample_count_reaches_the_target_reliability_on_a_rerun():
    """H's per-state means are noisy at γ = 0.99 (reliability about 0.6 at 400 samples); a rerun
    at the suggested count, with other draws, has reliability 0.9 within its interval."""
    from powerplay.stats.alignment import TARGET_RELIABILITY

    noisy = _maze_alignment(400, seed=0)
    assert noisy.noise("H") == "noisy" and noisy.suggested_samples and not noisy.suggested_is_lower_bound
    assert "samples would reach reliability 0.9" in noisy.noise_message()
    rerun = _maze_alignment(noisy.suggested_samples, seed=1)
    low, high = rerun.reliability_H_interval
    assert low <= TARGET_RELIABILITY <= high and abs(rerun.reliability_H - TARGET_RELIABILITY) < 0.05


def test_means_too_noisy_to_estimate_are_not_said_to_be_constant():
    """At 100 samples H's reliability estimate is negative: too noisy to tell, not 'do not vary'."""
    noisy = _maze_alignment(100, seed=0)
    assert noisy.reliability_H < 0 and noisy.noise("H") == "too noisy"
    message = noisy.noise_message()
    assert "too noisy at 100 samples to estimate how much they vary" in message and "do not vary" not in message
    assert "reliability 0.00 [0.00," in message  # shown clipped, with its interval
    assert math.isnan(noisy.alpha_corrected) and noisy.alpha_corrected_undefined == "too noisy at 100 samples"
    constant = _constant_alignment()
    assert constant.noise("H") == "constant" and "do not vary across states" in constant.noise_message()


def _constant_alignment():
    from powerplay.stats.alignment import alignment_of_samples

    rng = np.random.default_rng(0)
    return alignment_of_samples(np.full((64, 5), 0.5), rng.random((64, 5)) + np.arange(5))


def test_summaries_written_before_sample_groups_load_without_them(neighbours):
    a, _ = neighbours
    arrays = {k: v for k, v in a.summary.to_arrays().items() if not k.startswith("paired:")}
    old = RunSummary.from_arrays(arrays)
    assert old.paired is None and np.array_equal(old.power_mean("H"), a.power_mean("H"))
    again = RunSummary.from_arrays(a.summary.to_arrays())
    np.testing.assert_array_equal(again.paired.means["H"], a.summary.paired.means["H"])
