"""``powerplay selftest``: the five test sweeps pass, and their checks catch wrong numbers."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from conftest import REFERENCE

from powerplay.model.environments import load_mdp
from powerplay.runner.config import parse_sweep_config
from powerplay.runner.selftest import (
    SELFTESTS,
    TEST_CONFIGS,
    check_multiagent,
    check_reward_correlation,
    check_vanilla,
    dense_power,
    run_selftests,
    selftest_config,
)
from powerplay.runner.sweep import run_sweep

REFERENCE_TESTS = REFERENCE / "powerplay-configs" / "test"


@pytest.fixture(autouse=True)
def _no_samples_override(monkeypatch):
    monkeypatch.delenv("POWERPLAY_SAMPLES", raising=False)


def test_all_five_selftests_pass(tmp_path):
    outcomes = run_selftests(output_dir=tmp_path, samples=500)
    assert [o.name for o in outcomes] == [
        "test_vanilla",
        "test_gridworld",
        "test_stochastic",
        "test_multiagent",
        "test_reward_correlation",
    ]
    for outcome in outcomes:
        assert outcome.passed, [c for c in outcome.checks if c.failed]
        assert all(c.status in ("pass", "inconclusive") for c in outcome.checks)
    assert len(list(tmp_path.iterdir())) == 6  # test_multiagent runs two sweeps


@pytest.mark.skipif(
    not REFERENCE_TESTS.is_dir(),
    reason="interop with the reference tool's test configs: ../shared/reference is not beside the repository",
)
@pytest.mark.parametrize("name", sorted(TEST_CONFIGS))
def test_selftest_sweeps_match_the_reference_configs(name):
    reference = parse_sweep_config((REFERENCE_TESTS / f"{name}.yaml").read_bytes())
    ours = selftest_config(name)
    assert [(r.suffix, r.config) for r in ours.runs()] == [(r.suffix, r.config) for r in reference.runs()]


def test_dense_power_matches_closed_form():
    # Two states a <-> b, each can stay or move: POWER(a) = (1 - γ) max(V(a), V(b)).
    mdp = load_mdp("gridworld_selfloop_3x3")
    rewards = np.random.default_rng(1).random((5, 9))
    gamma = 0.5
    power = dense_power(mdp, rewards, gamma)
    # Corner (0, 0) of a 3x3 grid with a self-loop: POWER = (1 - γ) max over {stay, right, down} of V.
    values = rewards / (1 - gamma)  # a lower bound; check the exact identity on V instead:
    S = mdp.num_states
    P = mdp.transitions.toarray().reshape(S, mdp.num_actions, S)
    # Recover V from POWER: V(s) = R(s) + γ POWER(s) / (1 - γ), and check the Bellman equation.
    v = rewards + gamma * power / (1 - gamma)
    q = np.einsum("sat,kt->ksa", P, v)
    q[:, ~mdp.action_mask] = -np.inf
    np.testing.assert_allclose(v, rewards + gamma * q.max(axis=2), atol=1e-10)
    assert np.all(v >= values - 1e-12)


def _sweeps(tmp_path, names, samples=300):
    return {n: run_sweep(selftest_config(n), tmp_path, samples=samples, new=True, keep_samples=True) for n in names}


def test_checks_catch_a_wrong_multiagent_sample(tmp_path):
    sweeps = _sweeps(tmp_path, ["test_multiagent_simulated", "test_multiagent_actual"])
    assert all(c.status == "pass" for c in check_multiagent(sweeps))
    sweeps["test_multiagent_actual"].runs[0].power["H"][17, 4] += 0.01  # a loaded run is cached: tamper with it
    failed = [c for c in check_multiagent(sweeps) if c.failed]
    assert [c.description for c in failed] == ["simulated and actual multi-agent POWER agree in every sample"]
    assert "1.00e-02" in failed[0].detail


def test_checks_catch_a_biased_absorbing_state(tmp_path):
    sweeps = _sweeps(tmp_path, ["test_vanilla"])
    run = sweeps["test_vanilla"].runs[0]
    empty = run.states.index("∅")
    run.power["H"][:, empty] += 0.25  # what the reference reported
    failed = {c.description for c in check_vanilla(sweeps) if c.failed}
    assert failed == {
        "discount_rate=0.1: first 256 POWER samples match dense value iteration",
        "discount_rate=0.1: POWER(∅) equals ∅'s reward in every sample (absorbing state)",
        "discount_rate=0.1: POWER(∅) ≈ 0 for U[-1, 1] rewards",
    }


def test_checks_catch_unequal_powers_at_full_correlation(tmp_path):
    sweeps = _sweeps(tmp_path, ["test_reward_correlation"], samples=200)
    run = sweeps["test_reward_correlation"].run(reward_correlation=1)
    run.power["A"][0, 0] -= 0.001
    failed = [c.description for c in check_reward_correlation(sweeps) if c.failed]
    assert failed == ["β = 1: A's POWER equals H's in every sample"]


def test_registry_lists_the_reference_tests():
    assert list(SELFTESTS) == [
        "test_vanilla",
        "test_gridworld",
        "test_stochastic",
        "test_multiagent",
        "test_reward_correlation",
    ]
    assert SELFTESTS["test_multiagent"].configs == ("test_multiagent_simulated", "test_multiagent_actual")
    for text in TEST_CONFIGS.values():
        assert "program" not in yaml.safe_load(text)


def test_one_sample_makes_statistical_checks_inconclusive_not_failed(tmp_path, recwarn):
    """Issue 18: with one sample a standard error is undefined; the checks that need one say so."""
    outcomes = run_selftests(output_dir=tmp_path, samples=1)
    assert all(outcome.passed for outcome in outcomes)
    inconclusive = [c for o in outcomes for c in o.checks if c.status == "inconclusive"]
    assert inconclusive and all("standard error undefined (1 sample)" in c.detail for c in inconclusive)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
