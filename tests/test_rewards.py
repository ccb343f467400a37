"""Reward distributions: marginals, options of the reward_distribution block, correlated rewards."""

import numpy as np
import pytest
from scipy import stats

from powerplay.model.rewards import (
    BLOCK_SIZE,
    RewardDistribution,
    RewardStream,
    density_distribution,
    make_distribution,
)

RNG = np.random.default_rng(12345)
N = 40_000


def _ks_ok(samples, cdf, alpha=1e-4):
    return stats.kstest(samples, cdf).pvalue > alpha


@pytest.mark.parametrize(
    "config, cdf, mean",
    [
        ({"dist_name": "uniform", "params": [-1, 3]}, stats.uniform(-1, 4).cdf, 1.0),
        ({"dist_name": "beta", "params": [1, 2]}, stats.beta(1, 2).cdf, 1 / 3),
        ({"dist_name": "pareto", "params": [2.0, 3.0]}, stats.pareto(3.0, scale=2.0).cdf, 3.0),
    ],
)
def test_continuous_distributions_have_the_right_law(config, cdf, mean):
    dist = make_distribution(config)
    samples = dist.sample(RNG, (N,))
    assert _ks_ok(samples, cdf)
    assert dist.mean == pytest.approx(mean)


def test_bernoulli_and_its_symmetry():
    dist = make_distribution({"dist_name": "bernoulli", "params": [0.3]})
    samples = dist.sample(RNG, (N,))
    assert set(np.unique(samples)) == {0.0, 1.0}
    assert abs(samples.mean() - 0.3) < 5 * np.sqrt(0.21 / N)
    assert dist.symmetric_interval is None
    assert make_distribution({"dist_name": "bernoulli", "params": [0.5]}).symmetric_interval == (0.0, 1.0)


def test_jaynes_prior_is_the_binned_improper_density():
    dist = make_distribution({"dist_name": "jaynes_prior"})
    samples = dist.sample(RNG, (N,))
    assert samples.min() > 0 and samples.max() < 1
    edges = np.linspace(0, 1, 100)
    mids = (edges[1:] + edges[:-1]) / 2
    weights = 1 / (mids * (1 - mids))
    expected = weights / weights.sum()
    counts, _ = np.histogram(samples, bins=edges)
    chi2 = ((counts - N * expected) ** 2 / (N * expected)).sum()
    assert chi2 < stats.chi2(98).ppf(0.9999)
    assert dist.symmetric_interval == (0.0, 1.0)
    assert dist.mean == pytest.approx(0.5)


def test_user_density_sampling_follows_the_density():
    triangle = density_distribution("triangle", lambda x: x, interval=(0, 2))
    samples = triangle.sample(RNG, (N,))
    assert _ks_ok(samples, lambda x: np.clip(x, 0, 2) ** 2 / 4, alpha=1e-6)


@pytest.mark.parametrize(
    "config, message",
    [
        ({"dist_name": "gauss", "params": [0, 1]}, "unknown distribution 'gauss'"),
        ({"dist_name": "uniform", "params": [1, 0]}, "low < high"),
        ({"dist_name": "uniform", "params": [0]}, "takes 2 parameter"),
        ({"dist_name": "beta", "params": [0, 1]}, "positive alpha and beta"),
        ({"dist_name": "bernoulli", "params": [1.5]}, "p in \\[0, 1\\]"),
        ({"params": [0, 1]}, "needs a 'dist_name'"),
    ],
)
def test_bad_distribution_configs(config, message):
    with pytest.raises(ValueError, match=message):
        make_distribution(config)


def _dist(**extra):
    return RewardDistribution.from_config({"default_dist": {"dist_name": "uniform", "params": [0, 1]}, **extra})


def test_state_dists_override_and_unknown_states_are_refused():
    dist = _dist(state_dists={"b": {"dist_name": "uniform", "params": [-2, 0]}})
    samples = dist.for_states(["a", "b", "c"]).sample(RNG, 5000)
    assert samples[:, 1].max() < 0 and samples[:, [0, 2]].min() >= 0
    with pytest.raises(ValueError, match="'b' is not a state") as error:
        dist.for_states(["a"])
    assert error.value.field == "state_dists"  # structured, so a config reader can point at the field


def test_states_with_identical_rewards():
    dist = _dist(states_with_identical_rewards=[["a", "c"]])
    samples = dist.for_states(["a", "b", "c"]).sample(RNG, 100)
    np.testing.assert_array_equal(samples[:, 0], samples[:, 2])
    assert not np.array_equal(samples[:, 0], samples[:, 1])
    bad = _dist(states_with_identical_rewards=[["a", "b"]], state_dists={"b": {"dist_name": "beta", "params": [1, 1]}})
    with pytest.raises(ValueError, match="different distributions"):
        bad.for_states(["a", "b"])


def test_all_equal_reward_functions_are_redrawn_when_forbidden():
    config = {"default_dist": {"dist_name": "bernoulli", "params": [0.5]}}
    allowed = RewardDistribution.from_config({**config, "allow_all_equal_rewards": True}).for_states(["a", "b"])
    forbidden = RewardDistribution.from_config({**config, "allow_all_equal_rewards": False}).for_states(["a", "b"])
    assert np.any(allowed.sample(RNG, 1000).std(axis=1) == 0)
    assert np.all(forbidden.sample(RNG, 1000).std(axis=1) > 0)
    with pytest.raises(ValueError, match="fewer than two independent states"):
        RewardDistribution.from_config({**config, "allow_all_equal_rewards": False}).for_states(["a"])


@pytest.mark.parametrize("beta", [0.0, 0.3, 0.8, 1.0, -0.5, -1.0])
def test_correlated_rewards_keep_marginals_and_reach_the_correlation(beta):
    sampler = _dist().for_states(["a", "b"])
    rewards_H = sampler.sample(RNG, N)
    rewards_A = sampler.correlated(RNG, rewards_H, beta)
    for state in range(2):
        assert _ks_ok(rewards_A[:, state], stats.uniform(0, 1).cdf)
        r = np.corrcoef(rewards_H[:, state], rewards_A[:, state])[0, 1]
        assert abs(r - beta) < 5 * (1 - beta**2 + 1e-3) / np.sqrt(N)
    if beta == 1.0:
        np.testing.assert_array_equal(rewards_A, rewards_H)
    if beta == -1.0:
        np.testing.assert_allclose(rewards_A, 1 - rewards_H)


def test_negative_correlation_needs_a_symmetric_distribution():
    sampler = RewardDistribution.from_config({"default_dist": {"dist_name": "beta", "params": [1, 2]}}).for_states(
        ["a"]
    )
    with pytest.raises(ValueError, match="symmetric on an interval; beta \\[1.0, 2.0\\]"):
        sampler.correlated(RNG, sampler.sample(RNG, 10), -0.5)
    with pytest.raises(ValueError, match="reward_correlation must be in"):
        sampler.correlated(RNG, sampler.sample(RNG, 10), 1.5)


def test_streams_are_reproducible_by_index_and_seed():
    sampler = _dist().for_states(["a", "b", "c"])
    stream = RewardStream(sampler, seed=3, correlation=0.4)
    whole_H, whole_A = stream.rewards(0, 3 * BLOCK_SIZE)
    part_H, part_A = stream.rewards(BLOCK_SIZE - 5, 2 * BLOCK_SIZE + 7)
    np.testing.assert_array_equal(part_H, whole_H[BLOCK_SIZE - 5 : 2 * BLOCK_SIZE + 7])
    np.testing.assert_array_equal(part_A, whole_A[BLOCK_SIZE - 5 : 2 * BLOCK_SIZE + 7])
    other = RewardStream(sampler, seed=4, correlation=0.4).rewards(0, 10)[0]
    assert not np.array_equal(other, whole_H[:10])
    assert RewardStream(sampler, seed=3).rewards(0, 0)[0].shape == (0, 3)


def test_states_are_grouped_by_distribution_in_order_of_first_state():
    """The groups (and so the order rewards are drawn in) match a plain pass over the states."""
    rng = np.random.default_rng(0)
    specs = [
        {"dist_name": "uniform", "params": [0, 1]},
        {"dist_name": "uniform", "params": [0, 2]},
        {"dist_name": "beta", "params": [1, 2]},
    ]
    for _ in range(200):
        n = int(rng.integers(2, 12))
        states = [f"s{i}" for i in range(n)]
        config = {"default_dist": specs[int(rng.integers(3))]}
        named = rng.choice(n, size=int(rng.integers(0, n + 1)), replace=False)
        if named.size:
            config["state_dists"] = {states[i]: specs[int(rng.integers(3))] for i in named}
        sampler = RewardDistribution.from_config(config).for_states(states)
        expected: dict[int, list[int]] = {}  # by distribution object, in order of first state
        for i, dist in enumerate(sampler.per_state):
            expected.setdefault(id(dist), []).append(i)
        assert [(id(dist), idx.tolist()) for dist, idx in sampler._groups] == list(expected.items())
