"""Counter-optimisation rounds with non-optimal agents (Boltzmann, epsilon-greedy).

Epsilon-greedy at epsilon 0 bit for bit the optimal rounds; cross-checks per sample against the
plain dense rounds of ``tests/naive_rounds.py`` (POWER within the certified bounds, the same
fixed points and cycles); hand-built one-shot games whose Boltzmann rounds settle or cycle at a
known round with a known POWER; the chain's diagnostics unchanged by the rounds; the final
policies' errors in the bound; bit-identity for any batch split.
"""

from __future__ import annotations

import numpy as np
import pytest
from naive_agents import boltzmann_policy, epsilon_greedy_policy
from naive_rounds import rounds_power_with_models
from scipy.special import softmax
from test_agent_models import solved_in_parts
from test_rounds import one_shot_game, outcome_rewards

from powerplay.model.agent_models import Boltzmann, EpsilonGreedy
from powerplay.model.gridworld import gridworld, joint_gridworld
from powerplay.model.policy import uniform_random_policy
from powerplay.solvers.power import LearningChainProblem, MultiAgentProblem, _profile_hashes, _same_policy


def _naive_model(model):
    if isinstance(model, Boltzmann):
        return boltzmann_policy(model.beta)
    return epsilon_greedy_policy(model.epsilon)


def _assert_identical(a, b):
    assert list(a.power) == list(b.power)
    for key in a.power:
        np.testing.assert_array_equal(a.power[key], b.power[key], err_msg=key)
    assert list(a.convergence) == list(b.convergence)
    for key, conv in a.convergence.items():
        for name in ("iterations", "bound", "capped"):
            np.testing.assert_array_equal(getattr(conv, name), getattr(b.convergence[key], name), err_msg=key)
    for name in ("fixed_point", "cycle", "period", "retrainings"):
        np.testing.assert_array_equal(getattr(a.rounds, name), getattr(b.rounds, name), err_msg=name)


# -- epsilon 0 is the optimal agent ---------------------------------------------------------------


@pytest.mark.parametrize("agents", [("H", "A"), ("H", "A", "B")])
def test_epsilon_zero_rounds_are_bit_identical_to_optimal_rounds(agents):
    joint = joint_gridworld(gridworld(2, 2), agents=agents, interaction="remove")
    seeds = {a: uniform_random_policy(joint, a) for a in agents[1:]}
    gammas = dict(zip(agents, (0.9, 0.8, 0.7)))
    rng = np.random.default_rng(len(agents))
    rewards = {a: rng.random((24, joint.num_states)) for a in agents}
    plain = LearningChainProblem(joint, agents, gammas, seeds, diagnostic=True, rounds=6).solve(rewards)
    models = {a: EpsilonGreedy(0.0) for a in agents}
    greedy = LearningChainProblem(joint, agents, gammas, seeds, diagnostic=True, rounds=6, agent_models=models).solve(
        rewards
    )
    _assert_identical(plain, greedy)
    assert plain.rounds.retrainings.sum() > 2 * 24  # the rounds did re-train


# -- against the plain dense rounds -------------------------------------------------------------


TRIO_NOISY = (gridworld(1, 3, stochastic_noise_level=0.2), "block")  # stochastic rows: value iteration


@pytest.mark.parametrize(
    ("agents", "models", "world"),
    [
        (("H", "A"), {"H": Boltzmann(2.0)}, None),
        (("H", "A"), {"A": Boltzmann(5.0)}, None),
        (("H", "A"), {"H": EpsilonGreedy(0.3), "A": Boltzmann(1.0)}, None),
        (("H", "A"), {"H": Boltzmann(0.0), "A": EpsilonGreedy(0.5)}, None),
        (("H", "A", "B"), {"A": Boltzmann(3.0)}, None),
        (("H", "A", "B"), {"H": Boltzmann(4.0), "B": EpsilonGreedy(0.2)}, None),
        (("H", "A", "B"), {"A": Boltzmann(3.0)}, TRIO_NOISY),
        (("H", "A", "B"), {"B": Boltzmann(3.0), "H": EpsilonGreedy(0.1)}, TRIO_NOISY),
    ],
    ids=[
        "boltzmann H",
        "boltzmann A",
        "epsilon H boltzmann A",
        "random H epsilon A",
        "trio boltzmann A",
        "trio H B",
        "noisy trio boltzmann A",
        "noisy trio epsilon H boltzmann B",
    ],
)
def test_rounds_with_models_match_the_dense_rounds(agents, models, world):
    """POWER per sample within its certified bound of the dense rounds (exact values, exact
    softmax), and the same fixed points, cycles and periods; deterministic rows (policy
    iteration) and, for three agents, stochastic ones (value iteration across samples)."""
    if world is None:
        world = (gridworld(2, 3) if len(agents) == 2 else gridworld(1, 3), "remove")
    joint = joint_gridworld(world[0], agents=agents, interaction=world[1])
    seeds = {a: uniform_random_policy(joint, a) for a in agents[1:]}
    gammas = dict(zip(agents, (0.9, 0.8, 0.7)))
    rng = np.random.default_rng(21)
    rewards = {a: rng.random((12, joint.num_states)) for a in agents}
    K = 6
    batch = LearningChainProblem(joint, agents, gammas, seeds, rounds=K, agent_models=models).solve(rewards)
    expected, _, outcome = rounds_power_with_models(
        joint,
        agents,
        gammas,
        {a: p.probabilities for a, p in seeds.items()},
        rewards,
        K,
        {agent: _naive_model(model) for agent, model in models.items()},
        tie_tolerance=1e-8,
    )
    for name in ("fixed_point", "cycle", "period"):
        np.testing.assert_array_equal(getattr(batch.rounds, name), outcome[name], err_msg=name)
    for agent in agents:
        bound = batch.convergence[agent].bound
        assert np.all(bound <= 1e-4), agent
        assert np.all(np.abs(batch.power[agent] - expected[agent]) <= bound[:, None] + 1e-10), agent
    # Not a trivial case: re-trainings were computed and some samples settled.
    assert batch.rounds.retrainings.min() >= 1 and batch.rounds.fixed_point.any()


# -- hand-built games --------------------------------------------------------------------------


def _pair(payoff_H, payoff_A, num_actions=(2, 2)):
    joint, outcomes = one_shot_game(("H", "A"), num_actions)
    rewards = {"H": outcome_rewards(outcomes, payoff_H), "A": outcome_rewards(outcomes, payoff_A)}
    return joint, outcomes, rewards


@pytest.mark.parametrize("rounds", [1, 2, 5])
def test_boltzmann_h_against_a_dominant_action_settles_at_round_two(rounds):
    """A's payoff is its own action only (action 1 dominant: 1 against 0), so its best response is
    {1} whatever H does. H (Boltzmann, beta = 2, gamma = 0.5: logits 2 R_H(h, a)) learns against
    A's uniform seed in the chain (softmax of 2 (0.5, 0.6)), then against A = 1 in round 1
    (softmax of 2 (0.2, 0.9): a change), and A's {1} does not change. Round 2 would re-train H
    against the same A = 1: nothing changes, a fixed point at round 2 found without computing it
    (2 re-trainings). H's POWER at start is sum_h pi(h) R_H(h, 1), A's R_A(1) = 1."""
    payoff_H = {(0, 0): 0.8, (1, 0): 0.3, (0, 1): 0.2, (1, 1): 0.9}
    joint, _, rewards = _pair(lambda o: payoff_H[o], lambda o: float(o[1]))
    seed = uniform_random_policy(joint, "A")
    problem = MultiAgentProblem(joint, seed, 0.5, 0.5, rounds=rounds, agent_models={"H": Boltzmann(2.0)})
    batch = problem.solve(rewards)
    chain_H = softmax(2.0 * np.array([0.5, 0.6]))
    round_H = softmax(2.0 * np.array([0.2, 0.9]))
    policies = problem.policies(rewards)
    np.testing.assert_allclose(policies["H"][0, 0], round_H, atol=1e-9)
    assert np.abs(chain_H - round_H).max() > 0.1  # round 1 changed H
    assert batch.rounds.fixed_point[0] == (2 if rounds >= 2 else 0)
    assert batch.rounds.cycle[0] == 0 and batch.rounds.retrainings[0] == 2
    bound = batch.convergence["H"].bound[0]
    assert abs(batch.power["H"][0, 0] - round_H @ np.array([0.2, 0.9])) <= bound + 1e-12
    assert abs(batch.power["A"][0, 0] - 1.0) <= batch.convergence["A"].bound[0] + 1e-12
    # H's rounds' error bound enters every POWER bound; H's own re-training was solved to it.
    assert 0 < bound <= 1e-4 and batch.convergence["H_rounds"].iterations[0] > 0


def test_boltzmann_h_chasing_a_matching_a_cycles_with_period_two():
    """Matching pennies with a bias: A is paid 1 for matching H's action (its best response is
    H's likelier action), H 1 for mismatching plus 0.1 for action 0. Chain: H against A's uniform
    seed has C = (0.6, 0.5), prefers 0, A matches: {0}. Round 1: against A = 0 H has (0.1, 1),
    prefers 1, A -> {1}. Round 2: against A = 1, (1.1, 0), A -> {0}. Round 3 repeats round 1's
    inputs, so H's policy is round 1's bit for bit and A -> {1}: a cycle at round 3, period 2."""

    def payoff_H(o):
        return float(o[0] != o[1]) + 0.1 * (o[0] == 0)

    joint, _, rewards = _pair(payoff_H, lambda o: float(o[0] == o[1]))
    seed = uniform_random_policy(joint, "A")
    problem = MultiAgentProblem(joint, seed, 0.5, 0.5, rounds=10, agent_models={"H": Boltzmann(3.0)})
    batch = problem.solve(rewards)
    assert (batch.rounds.fixed_point[0], batch.rounds.cycle[0], batch.rounds.period[0]) == (0, 3, 2)
    assert batch.rounds.retrainings[0] == 6
    final_H = softmax(3.0 * np.array([0.1, 1.0]))  # round 3's H: against A = 0
    policies = problem.policies(rewards)
    np.testing.assert_allclose(policies["H"][0, 0], final_H, atol=1e-9)
    assert int(policies["A"][0, 0]) == 0b10
    payoff_against_1 = np.array([payoff_H((0, 1)), payoff_H((1, 1))])
    assert abs(batch.power["H"][0, 0] - final_H @ payoff_against_1) <= batch.convergence["H"].bound[0] + 1e-12
    assert abs(batch.power["A"][0, 0] - final_H[1]) <= batch.convergence["A"].bound[0] + 1e-12


# -- bounds, diagnostics, hashes ----------------------------------------------------------------


def test_the_chain_diagnostics_and_the_final_policies_errors():
    """The rounds leave the chain's diagnostics (``{a}_against_seed``) as they were; the final
    POWER bounds carry the final policies' errors: a Boltzmann A's error enters H's bound, and
    with rounds it is the error of A's last re-training."""
    joint = joint_gridworld(gridworld(2, 3), interaction="remove")
    seed = uniform_random_policy(joint, "A")
    rng = np.random.default_rng(16)
    rewards = {a: rng.random((16, joint.num_states)) for a in ("H", "A")}
    models = {"H": Boltzmann(3.0), "A": Boltzmann(2.0)}
    chain = MultiAgentProblem(joint, seed, 0.9, 0.8, diagnostic=True, agent_models=models).solve(rewards)
    problem = MultiAgentProblem(joint, seed, 0.9, 0.8, diagnostic=True, rounds=4, agent_models=models)
    rounds = problem.solve(rewards)
    np.testing.assert_array_equal(rounds.power["H_against_seed"], chain.power["H_against_seed"])
    np.testing.assert_array_equal(rounds.convergence["H_against_seed"].bound, chain.convergence["H_against_seed"].bound)
    # An optimal agent's training stage after a Boltzmann one carries the chain's error, with or
    # without the diagnostics.
    trio = joint_gridworld(gridworld(1, 3), agents=("H", "A", "B"), interaction="remove")
    seeds = {a: uniform_random_policy(trio, a) for a in ("A", "B")}
    trio_rewards = {a: rng.random((16, trio.num_states)) for a in ("H", "A", "B")}
    for diagnostic in (False, True):
        plain, more = (
            LearningChainProblem(
                trio, ("H", "A", "B"), [0.9, 0.8, 0.7], seeds, diagnostic, rounds=K, agent_models={"H": Boltzmann(3.0)}
            ).solve(trio_rewards)
            for K in (0, 3)
        )
        assert more.rounds.retrainings.sum() > 16
        for key in ("A_against_seed", "H_against_seed"):
            np.testing.assert_array_equal(plain.convergence[key].bound, more.convergence[key].bound, err_msg=key)
    _, _, policies, _, errors, (_, _, chain_record) = problem._play(rewards)
    assert set(errors) == {"H", "A"} and np.all(errors["H"] > 0) and np.all(errors["A"] > 0)
    chain_policies, chain_errors = chain_record
    moved = ~_same_policy(policies["A"], chain_policies["A"])
    assert moved.any()  # A's final policy is not its chain policy for these samples...
    assert not np.array_equal(errors["A"][moved], chain_errors["A"][moved])  # ...nor its error


def test_profile_hashes_read_probabilities_by_their_bits():
    """Masks hash as before (a profile of masks alone is unchanged by mixing in nothing), and
    probabilities one ulp apart hash and compare as different policies."""
    rng = np.random.default_rng(5)
    masks = rng.integers(1, 8, size=(6, 9), dtype=np.uint64)
    probabilities = rng.random((6, 9, 3))
    nudged = probabilities.copy()
    nudged[2, 4, 1] = np.nextafter(nudged[2, 4, 1], 2.0)
    same = _profile_hashes([masks, probabilities])
    other = _profile_hashes([masks, nudged])
    assert np.array_equal(np.all(same == other, axis=1), np.arange(6) != 2)
    np.testing.assert_array_equal(_same_policy(nudged, probabilities), np.arange(6) != 2)
    np.testing.assert_array_equal(_profile_hashes([masks]), _profile_hashes([masks.copy()]))
    assert not np.array_equal(_profile_hashes([masks, probabilities]), _profile_hashes([masks]))


# -- reproducibility ----------------------------------------------------------------------------


def test_boltzmann_rounds_do_not_depend_on_batching_or_threads():
    joint = joint_gridworld(gridworld(2, 3), interaction="remove")
    seed = uniform_random_policy(joint, "A")
    rng = np.random.default_rng(45)
    rewards = {a: rng.random((45, joint.num_states)) for a in ("H", "A")}
    problem = MultiAgentProblem(joint, seed, 0.95, 0.9, diagnostic=True, rounds=8, agent_models={"H": Boltzmann(3.0)})
    whole = problem.solve(rewards)
    assert whole.rounds.fixed_point.any() and whole.rounds.cycle.any()  # samples leave the batch early
    parts = solved_in_parts(problem, rewards)
    for key in whole.power:
        np.testing.assert_array_equal(np.concatenate([p.power[key] for p in parts]), whole.power[key], err_msg=key)
    for key in whole.convergence:
        np.testing.assert_array_equal(
            np.concatenate([p.convergence[key].bound for p in parts]), whole.convergence[key].bound, err_msg=key
        )
    for name in ("fixed_point", "cycle", "period", "retrainings"):
        np.testing.assert_array_equal(
            np.concatenate([getattr(p.rounds, name) for p in parts]), getattr(whole.rounds, name), err_msg=name
        )


@pytest.mark.parametrize(
    "models", [{"A": Boltzmann(2.0)}, {"H": Boltzmann(2.0)}, {"H": EpsilonGreedy(0.2), "A": Boltzmann(1.0)}]
)
def test_the_last_agents_retraining_against_the_chain_is_its_chain_stage_bit_for_bit(models):
    """What the fixed-point shortcut relies on: the last agent re-trained on the joint MDP against
    the chain's policies returns its chain stage's policy, continuation and error bit for bit."""
    joint = joint_gridworld(gridworld(2, 3), interaction="remove")
    seed = uniform_random_policy(joint, "A")
    problem = MultiAgentProblem(joint, seed, 0.9, 0.8, rounds=1, agent_models=models)
    rng = np.random.default_rng(9)
    rewards = {a: rng.random((11, joint.num_states)) for a in ("H", "A")}
    centred, _, policies, trained, errors = problem._learn(rewards)
    policy, continuation, conv, error = problem._retrain(
        1, "A", [policies["H"]], centred["A"], policies["A"], np.ones(11), problem._reach(centred)
    )
    np.testing.assert_array_equal(policy, policies["A"])
    if "A" in models:
        assert continuation is None and trained["A"][0] is None
        np.testing.assert_array_equal(error, errors["A"])
    else:
        np.testing.assert_array_equal(continuation, trained["A"][0])
        assert error is None
    np.testing.assert_array_equal(conv.bound, trained["A"][1].bound)


def test_a_boltzmann_first_agents_incremental_retraining_is_the_full_one_within_its_bounds():
    """A re-training that need not repeat a chain stage (not the last agent's) uses incremental
    policy iteration: the same certified values to within the two bounds, so softmax policies
    within the sum of the two policy errors (L1 per state), and a deterministic function of its
    inputs (the same call twice gives the same bits)."""
    joint = joint_gridworld(gridworld(3, 3), interaction="remove")
    seed = uniform_random_policy(joint, "A")
    rng = np.random.default_rng(7)
    rewards = {a: rng.random((32, joint.num_states)) for a in ("H", "A")}
    problem = MultiAgentProblem(joint, seed, 0.95, 0.9, agent_models={"H": Boltzmann(4.0)})
    masks_A = problem.policies(rewards)["A"]
    reach = np.full(32, 1.0 / (1.0 - 0.95))

    def call(incremental: bool):
        return problem._response_model_policy(
            9, "H", problem.joint, None, [masks_A], rewards["H"], reach, incremental=incremental
        )

    full, incremental, again = call(False), call(True), call(True)
    np.testing.assert_array_equal(incremental[0], again[0])
    l1 = np.abs(incremental[0] - full[0]).sum(axis=2).max(axis=1)  # [B]
    assert np.all(l1 <= incremental[3] + full[3]) and np.all(full[3] < 1e-6)
    np.testing.assert_array_equal(incremental[2].capped, False)
    assert np.all(incremental[2].bound <= full[2].bound + 1e-12)  # both certified to the same tolerance
