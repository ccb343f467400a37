"""Statistics, files and tables of runs with any number of agents (issue 20).

Three-agent runs are built from synthetic per-sample POWER arrays whose per-state means are
known exactly (antithetic noise: samples come in pairs ``m + e``, ``m - e``), so α of every
pair is known in closed form; they go through the same summaries and run-folder writers as
computed runs. Two agents stay bit for bit as they were (:mod:`two_agent_stats_baseline`).
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
import yaml

from powerplay.errors import ModelError, UnknownLabelError
from powerplay.stats.alignment import alignment_of_samples
from powerplay.stats.keys import order_power_keys, pair_tags
from powerplay.stats.statistics import parse_statistic, run_table_columns
from powerplay.stats.summary import RunSummary, run_layout
from powerplay.storage import load_run, write_run
from powerplay.storage.runs import power_table_rows

AGENTS = ("H", "A", "B")
THETA = math.pi / 3  # α_HB = cos θ = 0.5, α_AB = sin θ = √3/2, α_HA = 0


def known_means(num_states: int = 12, seed: int = 0) -> dict[str, np.ndarray]:
    """Per-state means with α_HA = 0, α_HB = cos θ, α_AB = sin θ exactly (centred, orthogonal, equal norms)."""
    rng = np.random.default_rng(seed)
    u, v = rng.normal(size=(2, num_states))
    u -= u.mean()
    v -= v.mean()
    v -= (v @ u) / (u @ u) * u
    v *= np.linalg.norm(u) / np.linalg.norm(v)
    return {"H": 1.0 + u, "A": 2.0 + 0.5 * v, "B": 0.5 + 3.0 * (math.cos(THETA) * u + math.sin(THETA) * v)}


def antithetic(means: dict[str, np.ndarray], num_samples: int, noise: float, seed: int = 1) -> dict[str, np.ndarray]:
    """Samples ``[N, S]`` whose means are ``means`` (to rounding): pairs ``m + e`` and ``m - e``."""
    rng = np.random.default_rng(seed)
    out = {}
    for key, mean in means.items():
        e = rng.normal(scale=noise, size=(num_samples // 2, len(mean)))
        out[key] = np.stack([mean + e, mean - e], axis=1).reshape(num_samples, len(mean))
    return out


def noisy(means: dict[str, np.ndarray], num_samples: int, noise: float, rng) -> dict[str, np.ndarray]:
    return {k: m + rng.normal(scale=noise, size=(num_samples, len(m))) for k, m in means.items()}


# -- keys, layouts, summaries ----------------------------------------------------------------


def test_power_keys_are_agents_in_order_then_diagnostics():
    keys = ["B_seed", "A_seed", "H_against_seed", "A_against_seed", "B", "A", "H"]
    assert order_power_keys(keys, AGENTS) == ("H", "A", "B", "H_against_seed", "A_against_seed", "A_seed", "B_seed")
    # The published pair keeps its order whatever order a dict gives.
    assert order_power_keys(["A_seed", "A", "H", "H_against_seed"]) == ("H", "A", "H_against_seed", "A_seed")
    with pytest.raises(UnknownLabelError, match="'x_y' is not a POWER key"):
        order_power_keys(["H", "x_y"])
    layout = run_layout(5, ["H", "A", "B", "A_seed"], ["H", "A", "B"], AGENTS)
    assert layout.pairs == (
        ("power_H", "power_A"),
        ("power_H", "power_B"),
        ("power_A", "power_B"),
        ("state_mean_H", "state_mean_A"),
        ("state_mean_H", "state_mean_B"),
        ("state_mean_A", "state_mean_B"),
    )
    assert layout.vectors[:4] == ("power_H", "power_A", "power_B", "power_A_seed")


def test_pair_tags_join_names_and_separate_them_only_when_they_would_collide():
    assert pair_tags(("H", "A")) == {("H", "A"): "HA"}
    assert pair_tags(("Bob", "A2", "C"))[("Bob", "A2")] == "BobA2"
    clash = pair_tags(("A", "BC", "AB", "C"))  # A+BC and AB+C both read ABC
    assert clash[("A", "BC")] == "A_BC" and clash[("AB", "C")] == "AB_C" and len(set(clash.values())) == 6


def test_three_agent_alpha_is_known_exactly_for_every_pair():
    means = known_means()
    summary = RunSummary.of_samples(antithetic(means, 64, noise=0.3), agents=AGENTS)
    assert summary.agents == AGENTS and summary.pairs == (("H", "A"), ("H", "B"), ("A", "B"))
    expected = {("H", "A"): 0.0, ("H", "B"): math.cos(THETA), ("A", "B"): math.sin(THETA)}
    alignments = summary.alignments()
    assert list(alignments) == list(expected)
    for pair, value in expected.items():
        assert alignments[pair].alpha == pytest.approx(value, abs=1e-12)
        assert alignments[pair].agents == pair and alignments[pair].symbol == f"α_{''.join(pair)}"
    assert summary.alignment() == alignments[("H", "A")]  # the first pair by default


def test_each_pair_is_the_two_agent_computation_bit_for_bit():
    """α of every pair of a three-agent summary is exactly α of those two agents' samples alone
    (another layout, another merge of fewer variables): adding an agent changes no other pair's numbers."""
    rng = np.random.default_rng(3)
    power = noisy(known_means(20), 300, noise=2.0, rng=rng)
    summary = RunSummary.of_samples(power, agents=AGENTS)
    for x, y in summary.pairs:
        alone = alignment_of_samples(power[x], power[y], agents=(x, y))
        assert summary.alignment((x, y)) == alone
        assert summary.alignments()[(x, y)] == alone  # the shared leave-one-out merges: the same numbers
        assert RunSummary.of_samples({x: power[x], y: power[y]}, agents=(x, y)).alignment() == alone
    # α_HA of H and A alone is the two-agent run's α_HA (the published pair's computation).
    assert summary.alignment(("H", "A")) == alignment_of_samples(power["H"], power["A"])


def test_a_pair_in_either_order_has_the_same_alpha_and_its_reliabilities_follow_the_names():
    rng = np.random.default_rng(4)
    summary = RunSummary.of_samples(noisy(known_means(15), 200, noise=1.5, rng=rng), agents=AGENTS)
    forward, backward = summary.alignment(("H", "B")), summary.alignment(("B", "H"))
    assert backward.alpha == forward.alpha and backward.alpha_corrected == forward.alpha_corrected
    assert backward.reliability("H") == forward.reliability("H") and backward.reliability("B") == forward.reliability(
        "B"
    )
    assert backward.reliability_first == forward.reliability_second
    # An agent's reliability is its own: the same in every pair it is in.
    assert summary.alignment(("H", "A")).reliability("A") == summary.alignment(("A", "B")).reliability("A")
    with pytest.raises(UnknownLabelError, match=r"^α_HB has reliabilities for agents H and B, not 'A'$"):
        forward.reliability("A")
    with pytest.raises(UnknownLabelError, match=r"^this run has no α of agents H and C \(its pairs: HA, HB, AB\)$"):
        summary.alignment(("H", "C"))
    single = RunSummary.of_samples({"H": rng.random((10, 3))})
    assert single.alignment() is None and single.alignments() == {} and single.pairs == ()


def test_corrected_alpha_of_every_pair_removes_the_attenuation_of_noisy_means():
    """Heavy independent noise: every pair's raw α is pulled towards 0; the corrected one estimates
    the known value, its 95 % interval covering it in most repetitions."""
    means = known_means(40, seed=7)
    truth = {("H", "A"): 0.0, ("H", "B"): math.cos(THETA), ("A", "B"): math.sin(THETA)}
    rng = np.random.default_rng(8)
    corrected = {p: [] for p in truth}
    raw = {p: [] for p in truth}
    covered = dict.fromkeys(truth, 0)
    scale = {"H": 1.0, "A": 0.5, "B": 3.0}  # the means' spreads: equal noise-to-signal for every agent
    for _ in range(30):
        power = {k: m + rng.normal(scale=6.0 * scale[k], size=(200, 40)) for k, m in means.items()}
        for pair, stats in RunSummary.of_samples(power, agents=AGENTS).alignments().items():
            raw[pair].append(stats.alpha)
            corrected[pair].append(stats.alpha_corrected)
            low, high = stats.alpha_corrected_interval
            covered[pair] += low <= truth[pair] <= high
    for pair, value in truth.items():
        spread = np.std(corrected[pair]) / math.sqrt(len(corrected[pair]))
        assert abs(np.mean(corrected[pair]) - value) < 4 * spread + 0.02, pair
        assert covered[pair] >= 25, pair  # a 95 % interval should cover ~28 of 30
    assert np.mean(raw[("A", "B")]) < math.sin(THETA) - 0.15 and np.mean(raw[("H", "B")]) < math.cos(THETA) - 0.1


def test_three_agent_summaries_round_trip_through_their_arrays():
    rng = np.random.default_rng(5)
    power = noisy(known_means(9), 100, noise=1.0, rng=rng)
    power.update({"H_against_seed": power["H"] * 0.5, "A_seed": power["A"] + 1, "B_seed": power["B"] - 1})
    rewards = {a: rng.random((100, 9)) for a in AGENTS}
    summary = RunSummary.of_samples(power, rewards, agents=AGENTS)
    again = RunSummary.from_arrays(summary.to_arrays())
    assert again.power_keys == ("H", "A", "B", "H_against_seed", "A_seed", "B_seed") == summary.power_keys
    assert again.reward_agents == AGENTS and again.pairs == summary.pairs
    assert again.alignments() == summary.alignments()
    assert set(again.paired.keys) == set(summary.power_keys)
    np.testing.assert_array_equal(again.power_mean("B_seed"), summary.power_mean("B_seed"))
    np.testing.assert_allclose(again.power_mean("B_seed"), power["B_seed"].mean(0), rtol=1e-14)


# -- the statistic registry --------------------------------------------------------------------


def _run(power, states, agents=AGENTS, fingerprint="same"):
    summary = RunSummary.of_samples(power, agents=agents)
    return SimpleNamespace(
        summary=summary,
        states=tuple(states),
        reward_fingerprint=fingerprint,
        alignment=summary.alignment,
        name="run",
    )


def test_the_registry_takes_any_agent_and_any_pair():
    means = known_means(6)
    states = [f"s{i}" for i in range(6)]
    run = _run(antithetic(means, 64, noise=0.2), states)
    alpha = parse_statistic("alpha:A:B")
    assert (alpha.spec, alpha.label, alpha.column) == ("alpha:A:B", "α_AB", "alpha_AB")
    assert alpha.of_run(run).value == pytest.approx(math.sin(THETA), abs=1e-12)
    corrected = parse_statistic("alpha_corrected:H:B")
    assert (corrected.spec, corrected.label, corrected.column) == (
        "alpha_corrected:H:B",
        "α_HB corrected",
        "alpha_HB_corrected",
    )
    assert parse_statistic("alpha").spec == "alpha" and parse_statistic("alpha:H:A").spec == "alpha"
    power = parse_statistic("power:s2:B")
    assert (power.state, power.agent) == ("s2", "B")
    assert power.of_run(run).value == pytest.approx(means["B"][2], abs=1e-12)
    assert parse_statistic("power:s2").agent == "H" and parse_statistic("power:a:b:A").state == "a:b"
    assert parse_statistic("average_power:B").of_run(run).value == pytest.approx(means["B"].mean(), abs=1e-12)
    contrast = parse_statistic("contrast:B:s0 - s1")
    assert contrast.of_run(run).value == pytest.approx(means["B"][0] - means["B"][1], abs=1e-12)
    assert parse_statistic("rank:B").keys == ("B",)
    for text, message in (
        ("alpha:H", "alpha takes a pair of agents"),
        ("alpha:H:H", "α needs two different agents' names"),
        ("alpha:H:x_y", "α needs two different agents' names"),
    ):
        with pytest.raises(ModelError, match=message):
            parse_statistic(text)
    with pytest.raises(UnknownLabelError, match="'alpha:H:C' needs POWER of 'C', but these runs have POWER of H, A, B"):
        parse_statistic("alpha:H:C").check(states, run.summary.power_keys)


def test_a_pair_alpha_change_between_runs_sharing_draws_gets_a_paired_error():
    """B's noise is shared by both runs (common random numbers); α_AB's change has a paired error
    much smaller than the unpaired one, and it equals the change computed pair by pair."""
    rng = np.random.default_rng(11)
    means = known_means(20, seed=2)
    shared = noisy(means, 512, noise=3.0, rng=rng)
    moved = {k: v + (0.3 * np.linspace(0, 1, 20) if k == "A" else 0) for k, v in shared.items()}
    states = [f"s{i}" for i in range(20)]
    first, second = _run(shared, states), _run(moved, states)
    alpha = parse_statistic("alpha_corrected:A:B")
    change = alpha.difference(first, second)
    assert change.paired and change.sem_defined
    unpaired = alpha.difference(first, _run(moved, states, fingerprint="other"))
    assert unpaired.paired is False and change.sem < unpaired.sem / 3
    assert change.value == pytest.approx(
        second.summary.alignment(("A", "B")).alpha_corrected - first.summary.alignment(("A", "B")).alpha_corrected
    )


# -- run folders: power.csv, run.json, the runs table ----------------------------------------


def _result(power, states, agents=AGENTS):
    return SimpleNamespace(
        states=tuple(states),
        summary=RunSummary.of_samples(power, agents=agents),
        samples=power,
        seconds=0.5,
        random_seed=0,
        convergence_summary=lambda: {},
    )


def test_three_agent_run_folders_hold_every_agent_and_every_pair(tmp_path):
    means = known_means(8)
    power = antithetic(means, 32, noise=0.1)
    power["A_seed"] = power["A"] * 2
    states = [f"s{i}" for i in range(8)]
    folder = write_run(tmp_path / "run", {"discount_rate": 0.5}, _result(power, states), {})
    header = (folder / "power.csv").read_text().splitlines()[0]
    assert header == ("state,power_H,power_H_sem,power_A,power_A_sem,power_B,power_B_sem,power_A_seed,power_A_seed_sem")
    run = load_run(folder)
    assert run.power_keys == ("H", "A", "B", "A_seed") and run.agents == AGENTS
    columns, rows = power_table_rows(run)
    assert columns[1::2] == ["power_H", "power_A", "power_B", "power_A_seed"]
    np.testing.assert_allclose([r[5] for r in rows], means["B"], atol=1e-12)
    assert list(run.power) == ["H", "A", "B", "A_seed"]  # samples kept: keyed by agent
    np.testing.assert_array_equal(run.power["B"], power["B"])
    info = yaml.safe_load((folder / "run.json").read_text())
    assert info["alignment"]["alpha"] == pytest.approx(0.0, abs=1e-12) and "agents" not in info["alignment"]
    assert list(info["alignments"]) == ["HA", "HB", "AB"]
    assert info["alignments"]["AB"]["agents"] == ["A", "B"]
    assert info["alignments"]["AB"]["alpha"] == pytest.approx(math.sin(THETA), abs=1e-12)
    assert {"reliability_A", "reliability_B", "reliability_B_interval"} <= set(info["alignments"]["AB"])
    # The table's columns: α per pair (raw and corrected), then every agent's reliability.
    row = run_table_columns(run)
    alpha_columns = [c for c in row if c.startswith("alpha_") and c.endswith(("_HA", "_HB", "_AB", "corrected"))]
    assert alpha_columns == [
        "alpha_HA",
        "alpha_HA_corrected",
        "alpha_HB",
        "alpha_HB_corrected",
        "alpha_AB",
        "alpha_AB_corrected",
    ]
    assert row["alpha_HB"] == pytest.approx(math.cos(THETA), abs=1e-12)
    assert [c for c in row if c.startswith("reliability_") and c.count("_") == 1] == [
        "reliability_H",
        "reliability_A",
        "reliability_B",
    ]
    assert list(row)[-2:] == ["suggested_samples", "suggested_samples_is_lower_bound"]


# -- two agents: as they were -----------------------------------------------------------------


def test_two_agent_files_numbers_and_figures_are_those_main_wrote():
    """Part 3 (96 samples, β = 0 and -0.5, diagnostic) and a single-agent maze: power.csv and
    summary.npz byte for byte, run.json's α, the runs table, to_dataframe, every registry
    statistic and paired difference, and the heat-map and alignment-plot pixels, as recorded on
    main before the N-agent statistics (:mod:`two_agent_stats_baseline`)."""
    from two_agent_stats_baseline import RECORDED, digests

    now = digests()
    assert {k: now.get(k) for k in RECORDED} == RECORDED
    assert set(now) == set(RECORDED)


def test_one_warning_names_each_noisy_agent_once():
    from powerplay.stats.alignment import noise_summary

    rng = np.random.default_rng(7)
    means = known_means(30, seed=3)
    scale = {"H": 1.0, "A": 0.5, "B": 3.0}
    noise = {"H": 0.01, "A": 20.0, "B": 0.01}  # only A's means are noisy
    power = {k: m + rng.normal(scale=noise[k] * scale[k], size=(300, 30)) for k, m in means.items()}
    alignments = RunSummary.of_samples(power, agents=AGENTS).alignments()
    message = noise_summary(alignments.values())
    assert message.count("A's per-state means") == 1 and "H's" not in message and "B's" not in message
    counts = [s.suggested_samples for s in alignments.values() if s.suggested_samples]
    assert f"{max(counts):,} samples would bring every agent to reliability 0.9" in message
    assert noise_summary([alignments[("H", "A")]]) == alignments[("H", "A")].noise_message()
    assert noise_summary([alignments[("H", "B")]]) is None
