"""Streaming statistics: moments, the fixed merge tree, α_HA and its noise correction."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from powerplay.errors import ModelError
from powerplay.stats import Layout, Moments, TreeReducer, alignment_of_samples, reduce_all, reduce_chunk
from powerplay.stats.alignment import alignment_from_moments, alignment_layout
from powerplay.stats.tree import PAIRED_GROUPS, group_level, nodes_at, top_level

LAYOUT = Layout(vectors=("x", "y"), size=4, scalars=(("mx", "x"), ("my", "y")), pairs=(("x", "y"), ("mx", "my")))


def reduce_all_samples(samples):
    return reduce_all(Moments.leaves(LAYOUT, samples))


def _samples(n, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    return {"x": rng.normal(size=(n, 4)) * scale + 3 * scale, "y": rng.random((n, 4)) * scale}


def _reduce(samples, chunks, order=None, keep=None, keep_means=None):
    n = len(samples["x"])
    reducer = TreeReducer(n, keep_groups=keep, keep_group_means=keep_means)
    for a, b in chunks if order is None else [chunks[i] for i in order]:
        for node in reduce_chunk(Moments.leaves(LAYOUT, {k: v[a:b] for k, v in samples.items()}), a, n):
            reducer.add(node)
    return reducer


def test_moments_match_two_pass_numpy():
    samples = _samples(257)
    m = reduce_all_samples(samples)
    x, y = samples["x"], samples["y"]
    assert m.n == 257
    np.testing.assert_allclose(m.mean("x"), x.mean(0), rtol=1e-14)
    np.testing.assert_allclose(m.variance("y"), y.var(0, ddof=1), rtol=1e-12)
    np.testing.assert_allclose(m.sem("x"), x.std(0, ddof=1) / math.sqrt(257), rtol=1e-12)
    np.testing.assert_allclose(m.covariance("x", "y"), [np.cov(x[:, s], y[:, s])[0, 1] for s in range(4)], rtol=1e-10)
    # A scalar variable is each sample's mean over states.
    np.testing.assert_allclose(m.mean("mx"), x.mean(), rtol=1e-14)
    np.testing.assert_allclose(m.variance("mx"), x.mean(1).var(ddof=1), rtol=1e-12)
    np.testing.assert_allclose(m.covariance("mx", "my"), np.cov(x.mean(1), y.mean(1))[0, 1], rtol=1e-10)


def test_a_single_sample_has_no_defined_spread():
    """One sample says nothing about spread: its variance and standard error are undefined (NaN), not 0."""
    m = reduce_all_samples(_samples(1))
    assert m.n == 1 and np.all(np.isnan(m.sem("x"))) and np.all(np.isnan(m.variance("y")))


def test_huge_values_do_not_overflow():
    """Sums of squares of numbers near 1e300 overflow; scaled moments do not (issue 11, item 9)."""
    samples = _samples(1000, scale=1e300)
    m = reduce_all_samples(samples)
    assert np.all(np.isfinite(m.mean("x"))) and np.all(np.isfinite(m.sem("x")))
    scaled = samples["x"] / 1e300
    np.testing.assert_allclose(m.mean("x") / 1e300, scaled.mean(0), rtol=1e-13)
    np.testing.assert_allclose(m.sem("x") / 1e300, scaled.std(0, ddof=1) / math.sqrt(1000), rtol=1e-12)
    tiny = reduce_all_samples(_samples(100, scale=1e-300))
    np.testing.assert_allclose(tiny.mean("y") / 1e-300, _samples(100)["y"].mean(0), rtol=1e-12)


def test_zero_variables_keep_the_other_operands_precision():
    zeros = {"x": np.zeros((3, 4)), "y": np.zeros((3, 4))}
    small = _samples(5, scale=1e-200)
    merged = reduce_all_samples(zeros).merge(reduce_all_samples(small))
    expected = np.concatenate([zeros["x"], small["x"]]).mean(0)
    np.testing.assert_allclose(merged.mean("x"), expected, rtol=1e-13)


def test_non_finite_samples_are_refused():
    samples = _samples(3)
    samples["y"][1, 2] = np.nan
    with pytest.raises(ModelError, match="'y'"):
        Moments.leaves(LAYOUT, samples)


def _textbook_merge(a: Moments, b: Moments) -> Moments:
    """Chan et al.'s update written out plainly: every array materialised, every product formed."""
    n = a.count + b.count
    exponent = np.maximum(a.exponent, b.exponent)
    sa, sb = np.ldexp(1.0, a.exponent - exponent), np.ldexp(1.0, b.exponent - exponent)
    w_b, w_ab = (b.count / n).astype(float), (a.count * b.count / n).astype(float)

    def col(x, nd):
        return x.reshape(x.shape + (1,) * (nd - 1))

    means, m2s, deltas = [], [], []
    for v in range(len(a.means)):
        nd = a.means[v].ndim
        ma, mb = a.means[v] * col(sa[:, v], nd), b.means[v] * col(sb[:, v], nd)
        delta = mb - ma
        means.append(ma + delta * col(w_b, nd))
        m2s.append(
            np.array(a.m2s[v]) * col(sa[:, v], nd) * col(sa[:, v], nd)
            + np.array(b.m2s[v]) * col(sb[:, v], nd) * col(sb[:, v], nd)
            + delta * delta * col(w_ab, nd)
        )
        deltas.append(delta)
    crosses = []
    for p, (x, y) in enumerate(a.layout.pairs):
        i, j = a.layout.index[x], a.layout.index[y]
        nd = a.crosses[p].ndim
        crosses.append(
            np.array(a.crosses[p]) * col(sa[:, i] * sa[:, j], nd)
            + np.array(b.crosses[p]) * col(sb[:, i] * sb[:, j], nd)
            + deltas[i] * deltas[j] * col(w_ab, nd)
        )
    return Moments(a.layout, n, exponent, tuple(means), tuple(m2s), tuple(crosses))


def _bits(m: Moments) -> list[bytes]:
    return [np.ascontiguousarray(x).tobytes() for x in (m.count, m.exponent, *m.means, *m.m2s, *m.crosses)]


def test_merge_gives_the_bits_of_the_textbook_update():
    """The merge skips products by 1 and sums of zeros and reuses temporaries: none of it may change a bit."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(64, 4)) * np.ldexp(1.0, rng.integers(-40, 40, size=(64, 1)))  # exponents differ per sample
    x[::7] = 0.0  # zero rows: the smallest exponent
    x[3, 1] = -0.0
    y = np.where(rng.random((64, 4)) < 0.3, -0.0, rng.random((64, 4)))
    leaves = Moments.leaves(LAYOUT, {"x": x, "y": y})
    level, textbook = leaves, leaves
    while level.size > 1:  # up the tree, comparing every level (leaf pairs first, with their zero spreads)
        half = level.size // 2
        level = level.take(slice(0, 2 * half, 2)).merge(level.take(slice(1, 2 * half, 2)))
        textbook = _textbook_merge(textbook.take(slice(0, 2 * half, 2)), textbook.take(slice(1, 2 * half, 2)))
        assert _bits(level) == _bits(textbook)
    same_exponents = Moments.leaves(LAYOUT, {"x": rng.random((8, 4)), "y": rng.random((8, 4))})
    assert _bits(same_exponents.take(slice(0, 4)).merge(same_exponents.take(slice(4, 8)))) == _bits(
        _textbook_merge(same_exponents.take(slice(0, 4)), same_exponents.take(slice(4, 8)))
    )


def _reference_node(leaves: Moments, level: int, index: int, n: int) -> Moments:
    """The tree's definition, recursively (module notes of powerplay.stats.tree)."""
    if level == 0:
        return leaves.take(index)
    left = _reference_node(leaves, level - 1, 2 * index, n)
    if 2 * index + 1 >= nodes_at(level - 1, n):
        return left
    return left.merge(_reference_node(leaves, level - 1, 2 * index + 1, n))


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 31, 33, 100, 1025])
def test_root_is_the_recursive_definition(n):
    samples = _samples(n, seed=n)
    leaves = Moments.leaves(LAYOUT, samples)
    expected = _reference_node(leaves, top_level(n), 0, n)
    root = reduce_all(leaves)
    for name in LAYOUT.names:
        assert np.array_equal(root.mean(name), expected.mean(name)) and np.array_equal(
            root.sem(name), expected.sem(name), equal_nan=True
        )


def test_tree_shape():
    assert [top_level(n) for n in (1, 2, 3, 4, 5, 1024, 1025)] == [0, 1, 2, 2, 3, 10, 11]
    assert group_level(32) == 0 and nodes_at(group_level(10_000), 10_000) <= 32 < nodes_at(
        group_level(10_000) - 1, 10_000
    )


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 300), data=st.data())
def test_any_chunking_and_arrival_order_gives_identical_bits(n, data):
    samples = _samples(n, seed=n)
    whole = reduce_all(Moments.leaves(LAYOUT, samples))
    cuts = sorted(set(data.draw(st.lists(st.integers(1, max(n - 1, 1)), max_size=12)))) if n > 1 else []
    bounds = [0, *[c for c in cuts if 0 < c < n], n]
    chunks = list(itertools.pairwise(bounds))
    order = data.draw(st.permutations(range(len(chunks))))
    reducer = _reduce(samples, chunks, order, keep=("x", "y", "mx", "my"), keep_means=("x", "y"))
    root = reducer.root()
    for name in LAYOUT.names:
        assert np.array_equal(root.mean(name), whole.mean(name))
        assert np.array_equal(root.variance(name), whole.variance(name), equal_nan=True)
    assert np.array_equal(root.covariance("x", "y"), whole.covariance("x", "y"), equal_nan=True)
    groups = reducer.group_moments()
    assert sum(g.n for g in groups) == n and len(groups) == nodes_at(min(group_level(n), top_level(n)), n)
    # The paired groups (up to 64) are the same bits for any chunking too: the groups of one
    # reducer given everything at once.
    counts, means = reducer.paired_group_means()
    one_chunk = _reduce(samples, [(0, n)], keep_means=("x", "y")).paired_group_means()
    assert np.array_equal(counts, one_chunk[0]) and counts.sum() == n
    assert len(counts) == nodes_at(min(group_level(n, PAIRED_GROUPS), top_level(n)), n) <= PAIRED_GROUPS
    for name in ("x", "y"):
        assert np.array_equal(means[name], one_chunk[1][name])
        width = 1 << min(group_level(n, PAIRED_GROUPS), top_level(n))
        expected = [samples[name][j : j + width].mean(axis=0) for j in range(0, n, width)]
        np.testing.assert_allclose(means[name], expected, rtol=1e-12, atol=1e-15)


def test_reducer_refuses_to_report_an_incomplete_run():
    samples = _samples(10)
    reducer = _reduce(samples, [(0, 6)])
    assert not reducer.complete and reducer.samples_done == 6
    with pytest.raises(ModelError, match="6 of 10"):
        reducer.root()


# -- α_HA -------------------------------------------------------------------------------


def test_raw_alpha_is_the_pearson_coefficient_of_the_means():
    rng = np.random.default_rng(3)
    h, a = rng.random((500, 12)) + np.arange(12), rng.random((500, 12)) - 0.3 * np.arange(12)
    stats = alignment_of_samples(h, a)
    assert stats.alpha == pytest.approx(np.corrcoef(h.mean(0), a.mean(0))[0, 1], abs=1e-12)
    assert stats.groups == 32 and stats.num_samples == 500 and stats.num_states == 12


def test_jackknife_with_equal_groups_is_the_textbook_formula():
    rng = np.random.default_rng(4)
    n, s = 640, 9  # 32 groups of 20 samples at the group level
    h, a = rng.random((n, s)) + np.arange(s), rng.random((n, s)) + np.arange(s)[::-1] * 0.1
    stats = alignment_of_samples(h, a)
    sizes = n // stats.groups
    replicates = []
    for g in range(stats.groups):
        keep = np.ones(n, dtype=bool)
        keep[g * sizes : (g + 1) * sizes] = False
        replicates.append(np.corrcoef(h[keep].mean(0), a[keep].mean(0))[0, 1])
    replicates = np.array(replicates)
    k = stats.groups
    expected = math.sqrt((k - 1) / k * np.sum((replicates - replicates.mean()) ** 2))
    assert stats.alpha_sem == pytest.approx(expected, rel=1e-9)


def _noisy_pair(rng, mu_h, mu_a, n, noise=8.0, common=5.0):
    """POWER-like samples: per-state truth plus independent noise and a shock shared by all states."""
    shock = rng.normal(size=(n, 1)) * common
    return mu_h + rng.normal(size=(n, len(mu_h))) * noise + shock, mu_a + rng.normal(
        size=(n, len(mu_a))
    ) * noise - shock


def test_corrected_alpha_removes_the_attenuation_of_noisy_means():
    """Known correlation of the per-state truths, heavy noise: the raw α_HA is pulled towards 0,
    the corrected one estimates the infinite-sample value (here ~ its large-sample raw value)."""
    rng = np.random.default_rng(1)
    mu = rng.multivariate_normal([0, 0], [[1, -0.6], [-0.6, 1]], size=60)
    mu_h, mu_a = mu[:, 0], mu[:, 1]
    truth = np.corrcoef(mu_h, mu_a)[0, 1]
    large = alignment_of_samples(*_noisy_pair(rng, mu_h, mu_a, 200_000))
    assert large.alpha == pytest.approx(truth, abs=0.01)  # the large-sample raw value
    raw, corrected, covered = [], [], 0
    for _ in range(40):
        stats = alignment_of_samples(*_noisy_pair(rng, mu_h, mu_a, 150))
        raw.append(stats.alpha)
        corrected.append(stats.alpha_corrected)
        low, high = stats.alpha_corrected_interval
        covered += low <= large.alpha <= high
        assert stats.reliability_H < 0.8 and stats.low_reliability and stats.suggested_samples > 150
    spread = np.std(corrected) / math.sqrt(len(corrected))
    assert abs(np.mean(corrected) - large.alpha) < 4 * spread + 0.01
    assert np.mean(raw) > large.alpha + 0.15  # attenuated towards 0
    assert covered >= 34  # a 95 % interval should cover ~38 of 40


def _disattenuated(h: np.ndarray, a: np.ndarray) -> float:
    """Spearman's corrected correlation of the per-state means, computed directly: the noise
    (co)variance of a state's mean is its samples' (co)variance over N, less the state average's."""
    n = len(h)
    dh, da = h.mean(0) - h.mean(), a.mean(0) - a.mean()
    v_h, v_a, c_ha = dh @ dh / len(dh), da @ da / len(da), dh @ da / len(dh)

    def noise(x: np.ndarray, y: np.ndarray) -> float:
        per_state = np.mean([np.cov(x[:, s], y[:, s])[0, 1] for s in range(x.shape[1])])
        return (per_state - np.cov(x.mean(1), y.mean(1))[0, 1]) / n

    return (c_ha - noise(h, a)) / math.sqrt((v_h - noise(h, h)) * (v_a - noise(a, a)))


def test_a_corrected_alpha_beyond_minus_one_is_reported_at_the_bound_and_said_so():
    """Noise can push the disattenuated ratio past ±1: the estimate is its bound, the value it
    was clipped from is kept (and round-trips), and every display says so."""
    from powerplay.figures.alignment import format_corrected
    from powerplay.stats.alignment import AlignmentStatistics, corrected_text

    rng = np.random.default_rng(0)
    signal = rng.normal(size=12)
    h = signal + rng.normal(scale=8, size=(300, 12))
    a = -signal + rng.normal(scale=8, size=(300, 12))
    stats = alignment_of_samples(h, a)
    expected = _disattenuated(h, a)
    assert expected < -1 and stats.alpha_corrected_unclipped == pytest.approx(expected, rel=1e-9)
    assert stats.alpha_corrected == -1.0 and stats.alpha_corrected_clipped
    assert stats.alpha_corrected_interval[0] == -1.0 < stats.alpha_corrected_interval[1] < 0
    shown = f"-1.000 (clipped from {expected:.3f})"
    assert corrected_text(stats.alpha_corrected, stats.alpha_corrected_unclipped) == shown
    assert f"corrected {shown} [" in stats.describe() and f"corrected {shown} [" in format_corrected(stats)
    assert AlignmentStatistics.from_dict(stats.as_dict()) == stats
    # Inside [-1, 1] nothing is added, and records written before the field read as not clipped.
    other = rng.normal(size=12)  # A's truth is -(signal + other): a correlation of about -0.7
    inside = alignment_of_samples(signal + rng.normal(size=(300, 12)), -signal - other + rng.normal(size=(300, 12)))
    assert -1 < inside.alpha_corrected == inside.alpha_corrected_unclipped < -0.3
    assert not inside.alpha_corrected_clipped and "clipped" not in inside.describe()
    old = {k: v for k, v in stats.as_dict().items() if k != "alpha_corrected_unclipped"}
    assert not AlignmentStatistics.from_dict(old).alpha_corrected_clipped


def test_reliability_matches_its_definition():
    """Reliability = signal share of the across-state variance; with independent noise the
    noise share is sigma^2 / N per state (no shared shock)."""
    rng = np.random.default_rng(2)
    mu_h = np.linspace(0, 1, 50)
    n, sigma = 400, 2.0
    h = mu_h + rng.normal(size=(n, 50)) * sigma
    a = mu_h + rng.normal(size=(n, 50)) * sigma
    stats = alignment_of_samples(h, a)
    means = h.mean(0)
    total = means.var()
    expected_noise = sigma**2 / n * (1 - 1 / 50)  # minus the state-average's share
    assert stats.reliability_H == pytest.approx((total - expected_noise) / total, abs=0.03)


def test_alignment_from_moments_needs_no_samples():
    rng = np.random.default_rng(5)
    signal = rng.random(7)
    h, a = signal + rng.random((300, 7)), -signal + rng.random((300, 7))
    layout = alignment_layout(7)
    total = reduce_all(Moments.leaves(layout, {"power_H": h, "power_A": a}))
    without_groups = alignment_from_moments(total)
    with_groups = alignment_of_samples(h, a)
    assert without_groups.alpha == with_groups.alpha and without_groups.alpha_corrected == with_groups.alpha_corrected
    assert math.isnan(without_groups.alpha_sem) and math.isfinite(with_groups.alpha_sem)


def test_constant_power_gives_undefined_alpha():
    stats = alignment_of_samples(np.ones((50, 5)), np.random.default_rng(0).random((50, 5)))
    assert math.isnan(stats.alpha) and math.isnan(stats.alpha_corrected)
