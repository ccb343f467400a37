"""Agent models (optimal, Boltzmann, epsilon-greedy): analytic cases, limits, and cross-checks
against the plain dense implementation of ``tests/naive_agents.py``."""

import numba
import numpy as np
import pytest
from conftest import assert_within_sem
from naive import dense_transitions
from naive_agents import (
    boltzmann_policy,
    epsilon_greedy_policy,
    learning_chain_power_with_models,
)
from scipy import integrate
from scipy.special import softmax

import powerplay as pp
from powerplay.errors import ModelError
from powerplay.model.agent_models import (
    AGENT_MODELS,
    Boltzmann,
    EpsilonGreedy,
    Optimal,
    agent_model,
    agent_model_spec,
)
from powerplay.model.environments import load_mdp
from powerplay.model.gridworld import gridworld, joint_gridworld
from powerplay.model.mdp import MDP
from powerplay.model.policy import uniform_random_policy
from powerplay.solvers.power import LearningChainProblem, MultiAgentProblem, SingleAgentProblem
from powerplay.solvers.values import mask_to_probabilities

RNG = np.random.default_rng(21)


def _choices(k: int) -> MDP:
    """State 's' with k actions, each to its own absorbing state."""
    transitions = {"s": {f"go{a}": {f"t{a}": 1.0} for a in range(k)}}
    transitions.update({f"t{a}": {"stay": {f"t{a}": 1.0}} for a in range(k)})
    return MDP.from_dict(transitions, name=f"{k} choices")


# -- the registry -------------------------------------------------------------------------


def test_models_parse_from_config_values_and_back():
    assert agent_model(None) == Optimal() and agent_model("optimal") == Optimal()
    assert agent_model({"boltzmann": {"beta": 5}}) == Boltzmann(5.0)
    assert agent_model({"epsilon_greedy": {"epsilon": 0.25}}) == EpsilonGreedy(0.25)
    for model in (Optimal(), Boltzmann(0.5), EpsilonGreedy(1.0)):
        assert agent_model(model.spec) == model
        assert agent_model_spec(model) == model.spec
    assert set(AGENT_MODELS) == {"optimal", "boltzmann", "epsilon_greedy"}
    assert pp.Boltzmann(beta=5) == Boltzmann(5.0) and pp.EpsilonGreedy(0.1).epsilon == 0.1


@pytest.mark.parametrize(
    "spec, message",
    [
        ("softmax", "unknown model 'softmax'; valid: optimal, {boltzmann: {beta: B}}"),
        ({"boltzmann": {"beta": -1}}, "boltzmann.beta must be at least 0, got -1"),
        ({"boltzmann": {"beta": float("inf")}}, "boltzmann.beta must be finite"),
        ({"boltzmann": {"temperature": 1}}, "boltzmann has no parameter 'temperature'; it takes beta"),
        ({"boltzmann": {}}, "boltzmann needs beta"),
        ("boltzmann", "boltzmann needs its parameters"),
        ({"epsilon_greedy": {"epsilon": 1.5}}, r"epsilon_greedy.epsilon must be in \[0, 1\], got 1.5"),
        ({"boltzmann": {"beta": 1}, "optimal": None}, "must be a model name or one"),
    ],
)
def test_bad_models_are_one_line_errors(spec, message):
    with pytest.raises(ModelError, match=message) as error:
        agent_model(spec)
    assert "\n" not in str(error.value) and str(error.value).startswith("agent_model: ")


# -- a state with k absorbing choices: the softmax formula --------------------------------


@pytest.mark.parametrize("gamma", [0.5, 0.9])
@pytest.mark.parametrize("beta", [0.0, 0.5, 3.0, 20.0])
def test_boltzmann_power_of_k_choices_is_the_softmax_average_per_sample(beta, gamma):
    """POWER(s) = Σ_a softmax(β γ R_a / (1 - γ))_a R_a for every reward sample: Q*(s, a) =
    R(s) + γ R_a / (1 - γ), and POWER = (1 - γ)/γ (V^π(s) - R(s)) = Σ_a π_a R_a."""
    k = 3
    mdp = _choices(k)
    rewards = RNG.random((200, mdp.num_states))
    batch = SingleAgentProblem(mdp, gamma, agent_model=Boltzmann(beta)).solve(rewards)
    successors = rewards[:, [mdp.states.index(f"t{a}") for a in range(k)]]
    expected = (softmax(beta * gamma * successors / (1 - gamma), axis=1) * successors).sum(axis=1)
    power = batch.power["H"][:, mdp.states.index("s")]
    bound = batch.convergence["H"].bound
    assert np.all(bound <= 1e-4)
    assert np.all(np.abs(power - expected) <= bound + 1e-12)
    # The absorbing states' POWER is their own reward, whatever the model.
    np.testing.assert_allclose(batch.power["H"][:, 1:], rewards[:, 1:], atol=1e-4)


def test_boltzmann_power_of_two_choices_matches_the_integral():
    """The mean POWER over rewards uniform on [0, 1] is E[Σ_a softmax(β γ R_a/(1 - γ))_a R_a],
    integrated by quadrature; the optimal agent's is k/(k+1) = 2/3 at any γ here."""
    beta, gamma, n = 2.0, 0.6, 20_000
    c = beta * gamma / (1 - gamma)
    expected, _ = integrate.dblquad(
        lambda r2, r1: (r1 * np.exp(c * r1) + r2 * np.exp(c * r2)) / (np.exp(c * r1) + np.exp(c * r2)), 0, 1, 0, 1
    )
    mdp = _choices(2)
    rewards = np.random.default_rng(5).random((n, mdp.num_states))
    power = SingleAgentProblem(mdp, gamma, agent_model=Boltzmann(beta)).solve(rewards).power["H"][:, 0]
    assert_within_sem(power.mean(), power.std(ddof=1) / np.sqrt(n), expected, sigmas=4.0)
    assert 0.5 < expected < 2 / 3  # between the random and the optimal agent
    optimal = SingleAgentProblem(mdp, gamma).solve(rewards).power["H"][:, 0]
    assert_within_sem(optimal.mean(), optimal.std(ddof=1) / np.sqrt(n), 2 / 3, sigmas=4.0)


def test_zero_discount_boltzmann_is_uniform_whatever_beta():
    """At γ = 0 every action has Q*(s, a) = R(s): the policy is uniform, POWER the mean successor reward."""
    mdp = _choices(4)
    rewards = RNG.random((50, mdp.num_states))
    power = SingleAgentProblem(mdp, 0.0, agent_model=Boltzmann(100.0)).solve(rewards).power["H"][:, 0]
    np.testing.assert_allclose(power, rewards[:, 1:].mean(axis=1), atol=1e-12)


@pytest.mark.parametrize("gamma", [0.0, 0.5, 0.99])
def test_boltzmann_policy_is_the_softmax_over_available_actions(gamma):
    """The in-place softmax against scipy's per state: unavailable actions (-inf) get 0, the rest
    softmax(beta gamma Q); a state without actions gets all zeros; the input is not modified."""
    rng = np.random.default_rng(7)
    q = rng.normal(0.0, 30.0, (6, 20, 5))
    q[rng.random(q.shape) < 0.3] = -np.inf
    q[0, 0] = -np.inf
    q[1, 1] = 7.0
    before = q.copy()
    for beta in (0.3, 5.0, 1e6):
        got = Boltzmann(beta).policy(q, None, None, gamma, 6)
        np.testing.assert_array_equal(q, before)
        for b in range(6):
            for s in range(20):
                usable = q[b, s] > -np.inf
                want = np.zeros(5)
                if usable.any():
                    want[usable] = softmax(beta * gamma * q[b, s, usable])
                np.testing.assert_allclose(got[b, s], want, rtol=1e-12, atol=1e-300)
        assert np.all(got[0, 0] == 0.0)


def test_tie_masks_expand_to_uniform_probabilities_over_their_bits():
    """mask_to_probabilities (a parallel kernel) against numpy's ``bits / bits.sum()``, bit for
    bit: any shape, up to 64 actions, a mask without bits (nan), and written into ``out``."""
    rng = np.random.default_rng(3)
    for shape, width in (((40, 31), 5), ((7,), 64), ((3, 4, 5), 3), ((), 2), ((0, 3), 4)):
        masks = rng.integers(0, 2**63, shape, dtype=np.uint64) >> np.uint64(max(63 - width, 0))
        if masks.size:
            masks.reshape(-1)[0] = 0
        bits = ((masks[..., None] >> np.arange(width, dtype=np.uint64)) & np.uint64(1)).astype(np.float64)
        with np.errstate(invalid="ignore"):
            want = bits / bits.sum(axis=-1, keepdims=True)
        got = mask_to_probabilities(masks, width)
        assert got.shape == want.shape
        np.testing.assert_array_equal(got, want)
        out = np.full(want.shape, 7.0)
        assert mask_to_probabilities(masks, width, out=out) is out
        np.testing.assert_array_equal(out, want)
    assert mask_to_probabilities(np.array([0b101], dtype=np.uint64), 3).tolist() == [[0.5, 0.0, 0.5]]
    with pytest.raises(ModelError, match="out must be"):
        mask_to_probabilities(np.zeros(2, dtype=np.uint64), 3, out=np.zeros((2, 4)))


# -- limits: B = 0, large B, epsilon = 0 and 1 ---------------------------------------------


def _uniform_power(mdp, rewards, gamma):
    """POWER of the uniformly random policy over the available actions, by exact linear solves."""
    P, mask = dense_transitions(mdp), mdp.action_mask
    pi = mask / mask.sum(axis=1, keepdims=True)
    chain = np.einsum("sat,sa->st", P, pi)
    S = mdp.num_states
    return np.array([(1 - gamma) * chain @ np.linalg.solve(np.eye(S) - gamma * chain, R) for R in rewards])


@pytest.mark.parametrize("model", [Boltzmann(0.0), EpsilonGreedy(1.0)])
def test_random_limits_equal_the_uniform_policy(model):
    mdp = gridworld(3, 4, stochastic_noise_level=0.2)
    rewards = RNG.random((40, mdp.num_states))
    batch = SingleAgentProblem(mdp, 0.9, agent_model=model).solve(rewards)
    bound = batch.convergence["H"].bound
    assert np.all(bound <= 1e-4)
    assert np.all(np.abs(batch.power["H"] - _uniform_power(mdp, rewards, 0.9)) <= bound[:, None] + 1e-12)


def test_large_beta_approaches_the_optimal_agent():
    mdp = load_mdp("3x3_gridworld")
    rewards = RNG.random((40, mdp.num_states))
    optimal = SingleAgentProblem(mdp, 0.9).solve(rewards).power["H"]
    gaps = [
        np.abs(SingleAgentProblem(mdp, 0.9, agent_model=Boltzmann(beta)).solve(rewards).power["H"] - optimal).max()
        for beta in (1.0, 10.0, 1000.0)
    ]
    assert gaps[0] > gaps[1] > gaps[2] and gaps[2] < 1e-3


def test_epsilon_zero_is_bit_identical_to_optimal():
    mdp = gridworld(3, 3, stochastic_noise_level=0.1)
    rewards = RNG.random((30, mdp.num_states))
    a = SingleAgentProblem(mdp, 0.8).solve(rewards)
    b = SingleAgentProblem(mdp, 0.8, agent_model=EpsilonGreedy(0.0)).solve(rewards)
    np.testing.assert_array_equal(a.power["H"], b.power["H"])
    np.testing.assert_array_equal(a.convergence["H"].bound, b.convergence["H"].bound)
    joint = joint_gridworld(gridworld(2, 3), interaction="remove")
    seed = uniform_random_policy(joint, "A")
    rewards = {a: RNG.random((12, joint.num_states)) for a in ("H", "A")}
    plain = MultiAgentProblem(joint, seed, 0.9, 0.8, diagnostic=True).solve(rewards)
    greedy = MultiAgentProblem(
        joint, seed, 0.9, 0.8, diagnostic=True, agent_models={"H": EpsilonGreedy(0), "A": "optimal"}
    ).solve(rewards)
    for key in plain.power:
        np.testing.assert_array_equal(plain.power[key], greedy.power[key])


# -- the learning chain against the plain dense implementation --------------------------------


def _naive_model(model):
    if isinstance(model, Boltzmann):
        return boltzmann_policy(model.beta)
    return epsilon_greedy_policy(model.epsilon)


@pytest.mark.parametrize(
    "models",
    [
        {"H": Boltzmann(2.0)},
        {"A": Boltzmann(5.0)},
        {"H": EpsilonGreedy(0.3), "A": Boltzmann(1.0)},
        {"H": Boltzmann(0.0), "A": EpsilonGreedy(0.5)},
    ],
    ids=["boltzmann H", "boltzmann A", "epsilon H boltzmann A", "random H epsilon A"],
)
def test_two_agents_with_models_match_the_dense_implementation(models):
    """The published two-agent setting (H learns against A's seed, A best-responds to H) with
    non-optimal agents, per sample within the certified bounds."""
    joint = joint_gridworld(gridworld(2, 3), interaction="remove")
    seed = uniform_random_policy(joint, "A")
    gammas = {"H": 0.9, "A": 0.8}
    rewards = {a: RNG.random((10, joint.num_states)) for a in ("H", "A")}
    batch = LearningChainProblem(joint, ("H", "A"), gammas, {"A": seed}, agent_models=models).solve(rewards)
    expected, _ = learning_chain_power_with_models(
        joint,
        ("H", "A"),
        gammas,
        {"A": seed.probabilities},
        rewards,
        {agent: _naive_model(model) for agent, model in models.items()},
    )
    for agent in ("H", "A"):
        bound = batch.convergence[agent].bound
        assert np.all(bound <= 1e-4), agent
        assert np.all(np.abs(batch.power[agent] - expected[agent]) <= bound[:, None] + 1e-10), agent


def test_published_setting_boltzmann_human_against_best_response():
    """Agent H Boltzmann-rational on the published joint 3x3 gridworld (Part 2), A's best response to it."""
    joint = load_mdp("joint_3x3_gridworld")
    seed = pp.load_policy("joint_3x3_gridworld_agent_A_uniform_random")
    rewards = {a: RNG.random((4, joint.num_states)) for a in ("H", "A")}
    problem = MultiAgentProblem(joint, seed, 0.6, 0.6, agent_models={"H": {"boltzmann": {"beta": 4}}})
    batch = problem.solve(rewards)
    expected, learned = learning_chain_power_with_models(
        joint, ("H", "A"), {"H": 0.6, "A": 0.6}, {"A": seed.probabilities}, rewards, {"H": boltzmann_policy(4.0)}
    )
    for agent in ("H", "A"):
        bound = batch.convergence[agent].bound
        assert np.all(np.abs(batch.power[agent] - expected[agent]) <= bound[:, None] + 1e-10)
    policies = problem.policies(rewards)
    assert policies["H"].shape == (4, joint.num_states, 5) and policies["A"].dtype == np.uint64
    np.testing.assert_allclose(policies["H"], learned["H"], atol=1e-6)


def test_three_agents_with_a_boltzmann_middle_agent():
    joint = joint_gridworld(gridworld(1, 3), agents=("H", "A", "B"), interaction="remove")
    seeds = {a: uniform_random_policy(joint, a) for a in ("A", "B")}
    gammas = {"H": 0.7, "A": 0.8, "B": 0.6}
    rewards = {a: RNG.random((6, joint.num_states)) for a in ("H", "A", "B")}
    models = {"A": Boltzmann(3.0)}
    batch = LearningChainProblem(joint, ("H", "A", "B"), gammas, seeds, agent_models=models).solve(rewards)
    expected, _ = learning_chain_power_with_models(
        joint,
        ("H", "A", "B"),
        gammas,
        {a: p.probabilities for a, p in seeds.items()},
        rewards,
        {"A": boltzmann_policy(3.0)},
    )
    for agent in ("H", "A", "B"):
        bound = batch.convergence[agent].bound
        assert np.all(np.abs(batch.power[agent] - expected[agent]) <= bound[:, None] + 1e-10), agent


def test_unknown_agent_in_models_names_its_parameter():
    joint = joint_gridworld(gridworld(1, 3), interaction="remove")
    with pytest.raises(ModelError, match="not one of the agents") as error:
        MultiAgentProblem(joint, uniform_random_policy(joint, "A"), 0.9, 0.9, agent_models={"B": "optimal"})
    assert error.value.field == "agent_model_agent_B"
    with pytest.raises(ModelError, match="unknown model 'greedy'") as error:
        MultiAgentProblem(joint, uniform_random_policy(joint, "A"), 0.9, 0.9, agent_models={"A": "greedy"})
    assert error.value.field == "agent_model_agent_A"


# -- reproducibility ----------------------------------------------------------------------------


def solved_in_parts(problem, rewards, bounds=((0, 7), (7, 40), (40, 45))) -> list:
    """``problem.solve`` of the sample ranges ``bounds`` of ``rewards``, one numba thread each."""
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        return [problem.solve({a: r[lo:hi] for a, r in rewards.items()}) for lo, hi in bounds]
    finally:
        numba.set_num_threads(threads)


def test_results_do_not_depend_on_batching_or_threads():
    joint = joint_gridworld(gridworld(2, 3), interaction="remove")
    seed = uniform_random_policy(joint, "A")
    rewards = {a: RNG.random((45, joint.num_states)) for a in ("H", "A")}
    problem = MultiAgentProblem(
        joint, seed, 0.95, 0.9, diagnostic=True, agent_models={"H": Boltzmann(3.0), "A": EpsilonGreedy(0.1)}
    )
    whole = problem.solve(rewards)
    parts = solved_in_parts(problem, rewards)
    for key in whole.power:
        np.testing.assert_array_equal(np.concatenate([p.power[key] for p in parts]), whole.power[key], err_msg=key)
        np.testing.assert_array_equal(
            np.concatenate([p.convergence[key].bound for p in parts]), whole.convergence[key].bound, err_msg=key
        )


# -- configs, the typed scenario, run.json, sweeps -------------------------------------------

UNIFORM = {"default_dist": {"dist_name": "uniform", "params": [0, 1]}}


def _chain_config(**extra):
    return {
        "agents": ["H", "A"],
        "mdp_graph": "3x3_gridworld",
        "interaction": "remove",
        "discount_rate": 0.9,
        "seed_policy": "uniform_random",
        "reward_correlation": 0,
        "reward_distribution": UNIFORM,
        "num_reward_samples": 50,
        "random_seed": 0,
        **extra,
    }


def test_models_in_the_scenario_and_run_json():
    from powerplay.scenario.record import Scenario, scenario_from_config

    scenario = scenario_from_config(
        _chain_config(agent_model={"boltzmann": {"beta": 5}}, agent_model_agent_A="optimal")
    )
    assert [a.model for a in scenario.agents] == [Boltzmann(5.0), Optimal()]
    record = scenario.to_json()
    assert record["agents"][0]["agent_model"] == {"boltzmann": {"beta": 5.0}}
    assert "agent_model" not in record["agents"][1]  # an optimal agent's record is as before models
    assert Scenario.from_json(record) == scenario
    assert scenario.parameter_value("agent_model") == {"boltzmann": {"beta": 5.0}}
    assert scenario.parameter_value("agent_model_agent_A") == "optimal"
    plain = scenario_from_config(_chain_config())
    assert all(a.model == Optimal() for a in Scenario.from_json(plain.to_json()).agents)


@pytest.mark.parametrize(
    "config, field, message",
    [
        (_chain_config(agent_model={"boltzmann": {"beta": -1}}), "agent_model", "beta must be at least 0"),
        (_chain_config(agent_model_agent_B="optimal"), "parameters.agent_model_agent_B", "not one of the agents"),
        (
            {
                "mdp_graph": "3x3_gridworld",
                "discount_rate": 0.9,
                "reward_distribution": UNIFORM,
                "num_reward_samples": 10,
                "agent_model_agent_A": "optimal",
            },
            "parameters.agent_model_agent_A",
            "single_agent has one agent, H",
        ),
        (
            {
                "joint_mdp_graph": "joint_3x3_gridworld",
                "policy_graph_agent_A": "joint_3x3_gridworld_agent_A_uniform_random",
                "discount_rate": 0.9,
                "reward_distribution": UNIFORM,
                "num_reward_samples": 10,
                "agent_model_agent_A": {"boltzmann": {"beta": 1}},
            },
            "parameters.agent_model_agent_A",
            "Agent A follows its fixed policy",
        ),
    ],
)
def test_bad_model_parameters_are_one_line_errors_naming_the_field(config, field, message):
    from powerplay.errors import ConfigError
    from powerplay.scenario.record import scenario_from_config

    with pytest.raises(ConfigError, match=message) as error:
        scenario_from_config(config)
    assert error.value.field == field and "\n" not in str(error.value)


def test_experiment_models_and_chunking_bit_identity():
    from powerplay.runner.executors import run_experiment

    joint = load_mdp("joint_3x3_gridworld")
    seed = pp.load_policy("joint_3x3_gridworld_agent_A_uniform_random")
    dist = pp.RewardDistribution.from_config(UNIFORM)
    experiment = pp.Experiment(
        "multiagent_with_reward",
        joint,
        0.9,
        dist,
        70,
        3,
        policy_A=seed,
        discount_rate_agent_A=0.8,
        reward_correlation=0.0,
        diagnostic=True,
        agent_models={"H": pp.Boltzmann(beta=3)},
    )
    assert experiment.scenario.agents[0].model == Boltzmann(3.0)
    reference = run_experiment(experiment, chunk_size=10_000, workers=numba.config.NUMBA_NUM_THREADS)
    for chunk_size, workers in [(7, 1), (33, 2)]:
        other = run_experiment(experiment, chunk_size=chunk_size, workers=workers)
        for key in reference.power:
            np.testing.assert_array_equal(other.power[key], reference.power[key], err_msg=key)
    with pytest.raises(ModelError, match="not one of the agents"):
        pp.Experiment("single_agent", gridworld(2, 2), 0.9, dist, 10, 0, agent_models={"A": "optimal"})


def test_a_sweep_over_beta(tmp_path):
    import yaml

    from powerplay.runner.sweep import run_sweep

    config = tmp_path / "beta.yaml"
    parameters = {
        "joint_mdp_graph": {"value": "joint_3x3_gridworld"},
        "seed_policy_graph_agent_A": {"value": "joint_3x3_gridworld_agent_A_uniform_random"},
        "discount_rate": {"value": 0.9},
        "discount_rate_agent_A": {"value": 0.9},
        "reward_correlation": {"value": 0},
        "agent_model_agent_H": {"values": [{"boltzmann": {"beta": 0}}, {"boltzmann": {"beta": 10}}, "optimal"]},
        "reward_distribution": {"value": UNIFORM},
        "num_reward_samples": {"value": 300},
        "random_seed": {"value": 0},
    }
    config.write_text(yaml.safe_dump({"name": "beta", "description": "test", "parameters": parameters}))
    sweep = run_sweep(config, tmp_path / "expts")
    names = [run.name.split("-", 2)[-1] for run in sweep.runs]
    assert names == [
        "agent_model_agent_H__boltzmann_beta_0",
        "agent_model_agent_H__boltzmann_beta_10",
        "agent_model_agent_H__optimal",
    ]
    means = [run.power_mean("H").mean() for run in sweep.runs]
    assert means[0] < means[1] <= means[2] + 1e-3  # random < Boltzmann < optimal (same reward draws)
    assert sweep.runs[1].scenario.agents[0].model == Boltzmann(10.0)
    assert sweep.runs[2].scenario.agents[0].model == Optimal()
