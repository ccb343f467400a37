"""The typed scenario: registries (parameters, experiment types), configs with listed agents, run.json.

Two-agent configs written with the new keys (``agents``, ``mdp_graph`` + ``interaction``,
``seed_policy``) must give the same numbers, bit for bit, as the reference's keys; run folders
written before ``run.json`` held the scenario must read back with the right one.
"""

from __future__ import annotations

import dataclasses
import json
import re

import numpy as np
import pytest
import yaml

from powerplay.errors import ConfigError, FileFormatError, ModelError, UnknownLabelError
from powerplay.model.environments import load_mdp, load_policy
from powerplay.model.generators import generate_mdp
from powerplay.model.rewards import RewardDistribution
from powerplay.runner.build import (
    build_experiment,
    build_scenario,
    check_environments,
    scenario_environment,
    scenario_policies,
)
from powerplay.runner.config import parse_sweep_config
from powerplay.runner.experiment import Experiment
from powerplay.runner.sweep import run_sweep
from powerplay.scenario import (
    PROTOCOLS,
    AgentSpec,
    FixedPolicies,
    LearningChain,
    Scenario,
    SingleAgent,
    detect_protocol,
    parameter,
    protocol_named,
    scenario_from_config,
    validate_value,
)
from powerplay.scenario.parameters import KNOWN_PARAMETERS
from powerplay.storage import load_run, load_sweep
from powerplay.storage.runs import RUN_INFO, verify_run
from powerplay.storage.sweeps import tied_parameters

UNIFORM = {"default_dist": {"dist_name": "uniform", "params": [0, 1]}, "allow_all_equal_rewards": False}

#: Part 3's no-overlap maze with the reference's keys, and the same run with listed agents.
PART_3_LEGACY = {
    "joint_mdp_graph": {"value": "joint_7x7_gridworld_maze_no_overlaps"},
    "seed_policy_graph_agent_A": {"value": "joint_7x7_gridworld_maze_no_overlaps_agent_A_uniform_random"},
    "discount_rate": {"value": 0.99},
    "discount_rate_agent_A": {"value": 0.99},
    "reward_correlation": {"values": [0, -0.5], "names": ["0", "n0p5"]},
    "reward_distribution": {"value": UNIFORM},
    "num_reward_samples": {"value": 96},
    "random_seed": {"value": 0},
}
PART_3_AGENTS = {
    "agents": {"value": ["H", "A"]},
    "mdp_graph": {"value": "7x7_gridworld_maze"},
    "interaction": {"value": "remove"},
    "seed_policy": {"value": "uniform_random"},
    "discount_rate": {"value": 0.99},
    "reward_correlation": {"values": [0, -0.5], "names": ["0", "n0p5"]},
    "reward_distribution": {"value": UNIFORM},
    "num_reward_samples": {"value": 96},
    "random_seed": {"value": 0},
}

#: Three agents on a small maze, one of them with its own discount rate, seed policy and correlation.
TRIO = {
    "agents": ["H", "A", "B"],
    "mdp_graph": {"generator": "maze", "rows": 2, "cols": 2, "seed": 0},
    "interaction": "block",
    "discount_rate": 0.9,
    "discount_rate_agent_B": 0.5,
    "seed_policy": "uniform_random",
    "seed_policy_agent_B": "stay",
    "reward_correlation": 0.0,
    "reward_correlation_agent_B": 0.75,
    "reward_distribution": {"default_dist": {"dist_name": "uniform", "params": [0, 1]}},
    "num_reward_samples": 10,
    "random_seed": 4,
}


def _config(parameters: dict, name: str = "demo") -> str:
    return yaml.safe_dump({"name": name, "parameters": parameters}, sort_keys=False)


# -- the parameter registry ---------------------------------------------------------------


def test_per_agent_families_exist_for_any_agent_name():
    rate = parameter("discount_rate_agent_Zed2")
    assert (rate.agent, rate.overrides, rate.scale, rate.symbol) == ("Zed2", "discount_rate", "log_one_minus", "γ_Zed2")
    assert rate.label == "discount rate γ_Zed2 of Agent Zed2" and rate.numeric
    beta = parameter("reward_correlation_agent_B")
    assert (beta.agent, beta.overrides, beta.scale, beta.symbol) == ("B", "reward_correlation", "linear", "β_B")
    seed = parameter("seed_policy_agent_B")
    assert (seed.agent, seed.kind, seed.numeric) == ("B", "policy", False)
    # The reference's names keep their labels (figures drawn from old sweeps look the same).
    assert parameter("discount_rate_agent_A").label == "discount rate γ_A of Agent A"
    assert parameter("reward_correlation").label == "reward correlation β between Agents H and A"
    assert parameter("discount_rate").label == "discount rate γ" and parameter("num_reward_samples").integer
    # One validator per parameter: a family member checks as its general parameter does.
    assert validate_value("discount_rate_agent_B", 0.5) == 0.5
    for name in ("discount_rate", "discount_rate_agent_A", "discount_rate_agent_B"):
        with pytest.raises(ConfigError) as error:
            validate_value(name, 1.5)
        assert error.value.detail == "must be in [0, 1), got 1.5"
    with pytest.raises(ConfigError, match=re.escape("must be in [-1, 1], got 2")):
        validate_value("reward_correlation_agent_B", 2)


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("discount_rate_agnet_A", "did you mean 'discount_rate_agent_A'?"),
        ("seed_polcy", "did you mean 'seed_policy'?"),
        ("discount_rate_agent_my_agent", "did you mean"),  # '_' is not allowed in agent names
        ("zzz", "known: agents, mdp_graph"),
    ],
)
def test_unknown_parameters_get_a_suggestion_or_the_list(name, hint):
    with pytest.raises(ConfigError) as error:
        parameter(name)
    assert error.value.detail.startswith("unknown parameter") and hint in error.value.detail
    assert "\n" not in str(error.value)
    assert "discount_rate_agent_X" in KNOWN_PARAMETERS  # families are listed by their pattern


def test_sweep_queries_tie_the_per_agent_overrides_of_a_swept_parameter():
    swept = ["discount_rate", "discount_rate_agent_A", "discount_rate_agent_B", "reward_correlation_agent_B"]
    assert tied_parameters("discount_rate", swept) == ["discount_rate_agent_A", "discount_rate_agent_B"]
    assert tied_parameters("reward_correlation", swept) == ["reward_correlation_agent_B"]
    assert tied_parameters("num_reward_samples", swept) == []


# -- the experiment types -----------------------------------------------------------------


def test_protocols_are_found_by_their_experiment_type_names():
    assert list(PROTOCOLS) == ["single_agent", "multiagent_fixed_policy", "multiagent_with_reward"]
    assert (
        protocol_named("single_agent") == SingleAgent() and protocol_named("multiagent_with_reward") == LearningChain()
    )
    assert SingleAgent() != LearningChain() and FixedPolicies().joint and not SingleAgent().joint
    with pytest.raises(UnknownLabelError, match=r"unknown experiment type 'multiagent_with_rewards'.*did you mean"):
        protocol_named("multiagent_with_rewards")
    with pytest.raises(UnknownLabelError, match="known: single_agent, multiagent_fixed_policy"):
        Experiment("two_agents", load_mdp("3x3_gridworld"), 0.5, RewardDistribution.from_config(UNIFORM), 10, 0)


def test_protocols_say_which_keys_identify_them_and_detect_configs():
    assert LearningChain().keys == (
        "joint_mdp_graph",
        "seed_policy_graph_agent_A",
        "discount_rate_agent_A",
        "reward_correlation",
    )
    assert FixedPolicies().keys == ("joint_mdp_graph", "policy_graph_agent_A")
    assert SingleAgent().keys == ("mdp_graph",)
    assert detect_protocol(["agents", "mdp_graph", "interaction"]) == LearningChain()
    assert detect_protocol(["agents", "joint_mdp_graph"]) == LearningChain()
    assert detect_protocol(["mdp_graph", "discount_rate"]) == SingleAgent()


def test_what_each_protocol_runs():
    trio = build_scenario(TRIO)
    assert trio.power_agents == trio.reward_agents == ("H", "A", "B")
    assert trio.power_keys(diagnostic=True) == ("H", "A", "B", "H_against_seed", "A_against_seed", "A_seed", "B_seed")
    assert [(s.agent, s.against, s.seeds) for s in LearningChain().stages(trio)] == [
        ("H", (), ("A", "B")),
        ("A", ("H",), ("B",)),
        ("B", ("H", "A"), ()),
    ]
    assert LearningChain().stages(trio)[1].describe() == (
        "A learns a best response to the learned policy of H, B following its seed or fixed policies"
    )
    fixed = scenario_from_config(
        {
            "joint_mdp_graph": "joint_3x3_gridworld",
            "policy_graph_agent_A": "stay",
            "discount_rate": 0.5,
            "reward_distribution": UNIFORM,
            "num_reward_samples": 5,
            "random_seed": 0,
        }
    )
    assert fixed.agent_names == ("H", "A") and [a.role for a in fixed.agents] == ["learner", "fixed"]
    assert fixed.power_agents == fixed.reward_agents == fixed.power_keys(True) == ("H",)
    assert fixed.agent("A").discount_rate is None and fixed.agent("A").seed_policy == "stay"


# -- the scenario ---------------------------------------------------------------------------


def test_three_listed_agents_expand_with_their_overrides():
    scenario = build_scenario(TRIO)
    assert scenario.experiment_type == "multiagent_with_reward" and scenario.pairs == (
        ("H", "A"),
        ("H", "B"),
        ("A", "B"),
    )
    assert [(a.name, a.discount_rate, a.reward_correlation, a.seed_policy) for a in scenario.agents] == [
        ("H", 0.9, None, None),
        ("A", 0.9, 0.0, "uniform_random"),
        ("B", 0.5, 0.75, "stay"),
    ]
    assert set(scenario.environment) == {"mdp_graph", "interaction"} and scenario.environment["interaction"] == "block"
    assert scenario.environment["mdp_graph"] == validate_value("mdp_graph", TRIO["mdp_graph"])  # the normalised spec
    assert scenario.interaction == "block" and scenario.environment_name == "maze 2x2 seed 0 (block)"
    assert scenario.parameter_value("discount_rate_agent_B") == 0.5
    assert scenario.parameter_value("reward_correlation_agent_B") == 0.75
    assert scenario.parameter_value("discount_rate") == 0.9 and scenario.parameter_value("agents") == ["H", "A", "B"]


@pytest.mark.parametrize(
    "config",
    [
        TRIO,
        {
            "mdp_graph": "3x3_gridworld",
            "discount_rate": 0.3,
            "reward_distribution": UNIFORM,
            "num_reward_samples": 7,
            "random_seed": 1,
            "convergence_threshold": 1e-5,
        },
        {
            "joint_mdp_graph": {"generator": "rooms", "rows": 1, "cols": 2, "seed": 1, "joint": "allow"},
            "seed_policy_graph_agent_A": {"deterministic": "left"},
            "discount_rate": 0.6,
            "discount_rate_agent_A": 0.7,
            "reward_correlation": -0.5,
            "reward_scope": "own_cell",
            "reward_distribution": {"default_dist": {"dist_name": "uniform", "params": [-1, 1]}},
            "num_reward_samples": 3,
            "random_seed": 2,
        },
        {
            "joint_mdp_graph": "joint_3x3_gridworld",
            "policy_graph_agent_A": "joint_3x3_gridworld_agent_A_uniform_random",
            "discount_rate": 0.5,
            "reward_distribution": UNIFORM,
            "num_reward_samples": 5,
            "random_seed": 0,
        },
    ],
    ids=["three agents", "single agent", "reference keys", "fixed policy"],
)
def test_the_json_form_reads_back_as_the_same_scenario(config):
    scenario = build_scenario(config)
    text = json.dumps(scenario.to_json())  # plain JSON: no objects, no pickles
    again = Scenario.from_json(json.loads(text))
    assert again == scenario and again.to_json() == scenario.to_json()
    assert again.protocol is PROTOCOLS[scenario.experiment_type]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda j: j.update(schema=2), "schema", "this version reads schema 1"),
        (lambda j: j.update(experiment_type="duo"), "experiment_type", "unknown experiment type 'duo'"),
        (lambda j: j["agents"][1].update(discount_rate=1.0), "agents[1].discount_rate", "must be below 1"),
        (lambda j: j["agents"][2].update(name="B_2"), "agents[2].name", "must be a letter followed by"),
        (lambda j: j["agents"][2].update(role="boss"), "agents[2].role", "must be one of only, learner, fixed"),
        (lambda j: j["agents"][2].update(name="A"), "agents", "name an agent twice"),
        (lambda j: j["agents"][0].update(discount_rate=None), "agents", "Agent H learns, so it needs a discount rate"),
        (lambda j: j["environment"].update(where="here"), "environment", "unknown key 'where'"),
        (lambda j: j.update(num_reward_samples=0), "num_reward_samples", "must be a positive integer"),
        (lambda j: j.pop("reward_distribution"), "reward_distribution", "missing"),
    ],
)
def test_a_damaged_json_form_is_one_line_naming_the_field(change, field, message):
    record = build_scenario(TRIO).to_json()
    change(record)
    with pytest.raises(ConfigError) as error:
        Scenario.from_json(record)
    assert error.value.field == field and message in error.value.detail and "\n" not in str(error.value)


def test_experiments_built_in_python_describe_their_scenario_and_keep_it_in_step():
    joint = load_mdp("joint_3x3_gridworld")
    seed = load_policy("joint_3x3_gridworld_agent_A_uniform_random")
    uniform = RewardDistribution.from_config(UNIFORM)
    experiment = Experiment(
        "multiagent_with_reward",
        joint,
        0.6,
        uniform,
        100,
        3,
        policy_A=seed,
        discount_rate_agent_A=0.8,
        reward_correlation=0.25,
    )
    scenario = experiment.scenario
    assert scenario.agent_names == ("H", "A") and experiment.policies == {"A": seed}
    assert [(a.discount_rate, a.reward_correlation, a.seed_policy) for a in scenario.agents] == [
        (0.6, None, None),
        (0.8, 0.25, seed.name),
    ]
    assert scenario.environment == {"joint_mdp_graph": joint.name} and scenario.random_seed == 3
    # The arguments always win: replace() changes the scenario too.
    shorter = dataclasses.replace(experiment, num_reward_samples=10, discount_rate_agent_A=0.5)
    assert shorter.scenario.num_reward_samples == 10 and shorter.scenario.agent("A").discount_rate == 0.5
    assert shorter.scenario.agent("H").discount_rate == 0.6


# -- configs that list agents ---------------------------------------------------------------


def test_a_two_agent_config_with_listed_agents_builds_the_reference_run():
    legacy = parse_sweep_config(_config(PART_3_LEGACY)).runs()[1].config
    listed = parse_sweep_config(_config(PART_3_AGENTS)).runs()[1].config
    old, new = build_experiment(legacy), build_experiment(listed)
    assert old.mdp.states == new.mdp.states and old.mdp.agents == new.mdp.agents == ("H", "A")
    assert (old.mdp.transitions != new.mdp.transitions).nnz == 0
    np.testing.assert_array_equal(old.mdp.action_mask, new.mdp.action_mask)
    np.testing.assert_array_equal(old.policy_A.probabilities, new.policy_A.probabilities)
    assert [dataclasses.astuple(a)[:3] for a in old.scenario.agents] == [
        dataclasses.astuple(a)[:3] for a in new.scenario.agents
    ]
    assert old.kind == new.kind == "multiagent_with_reward" and new.reward_correlation == old.reward_correlation == -0.5


def test_listed_agents_and_the_reference_keys_give_bit_identical_files(tmp_path):
    """Part 3's no-overlap maze at 96 samples, β = 0 and -0.5: power.csv and summary.npz byte for byte."""
    folders = {}
    for label, parameters in (("legacy", PART_3_LEGACY), ("listed", PART_3_AGENTS)):
        path = tmp_path / f"{label}.yaml"
        path.write_text(_config(parameters, name=label))
        folders[label] = run_sweep(path, tmp_path / "expts", diagnostic=True)
    for suffix in ("reward_correlation__0", "reward_correlation__n0p5"):
        legacy, listed = folders["legacy"].run(suffix), folders["listed"].run(suffix)
        for name in ("power.csv", "summary.npz"):
            assert (legacy.path / name).read_bytes() == (listed.path / name).read_bytes(), (suffix, name)
        assert listed.scenario.environment == {"mdp_graph": "7x7_gridworld_maze", "interaction": "remove"}
        assert listed.info["scenario"] == listed.scenario.to_json()
        assert legacy.power_keys == listed.power_keys == ("H", "A", "H_against_seed", "A_seed")
    # The rewards drawn again from each folder are the run's (the scenario's one stream).
    np.testing.assert_array_equal(
        folders["legacy"].run("reward_correlation__n0p5").reward_samples(0, 8)["A"],
        folders["listed"].run("reward_correlation__n0p5").reward_samples(0, 8)["A"],
    )


def test_three_agents_are_validated_expanded_and_built_into_a_learning_chain():
    scenario = build_scenario(TRIO)
    mdp, _ = scenario_environment(scenario)
    cells = generate_mdp(validate_value("mdp_graph", TRIO["mdp_graph"])).num_states
    assert cells == 7 and mdp.agents == ("H", "A", "B") and mdp.num_states == 7 * 6 * 5  # blocking: distinct cells
    policies = scenario_policies(scenario, mdp)
    assert {a: p.agent for a, p in policies.items()} == {"A": "A", "B": "B"}
    assert policies["B"].to_dict()[mdp.states[0]] == {"stay": 1.0}
    experiment = build_experiment(TRIO)
    assert experiment.agents == ("H", "A", "B") and experiment.power_keys == ("H", "A", "B")
    problem = experiment.problem()
    assert problem.agents == ("H", "A", "B")
    assert problem.discount_rates == {a: spec.discount_rate for a, spec in zip("HAB", scenario.agents)}
    assert set(problem.seed_policies) == {"A", "B"}


def _error(parameters: dict) -> ConfigError:
    config = parse_sweep_config(_config(parameters), "c.yaml")
    with pytest.raises(ConfigError) as error:  # (errors that need the environment come from the build)
        check_environments(config)
    return error.value


def _parse_error(parameters: dict) -> ConfigError:
    with pytest.raises(ConfigError) as error:
        parse_sweep_config(_config(parameters), "c.yaml")
    return error.value


BASE = {k: {"value": v} for k, v in TRIO.items()}


def _without(*keys: str, **values) -> dict:
    out = {k: v for k, v in BASE.items() if k not in keys}
    out.update({k: {"value": v} for k, v in values.items()})
    return out


@pytest.mark.parametrize(
    ("parameters", "field", "message"),
    [
        (_without(agents=["H"]), "parameters.agents.value", "must list at least 2 agents"),
        (_without(agents=["H", "A", "H"]), "parameters.agents.value", "agent 'H' is listed twice"),
        (_without(agents=["H", "a_b"]), "parameters.agents.value", "agent name 'a_b' must be a letter"),
        (_without(agents="HAB"), "parameters.agents.value", "must be a list of agent names"),
        (_without(seed_policy_agent_C="stay"), "parameters.seed_policy_agent_C", "Agent C, which is not one of"),
        (_without(discount_rate_agent_C=0.5), "parameters.discount_rate_agent_C", "not one of the agents H, A, B"),
        (_without(reward_correlation_agent_H=0.5), "parameters.reward_correlation_agent_H", "H is the first agent"),
        (_without(seed_policy_agent_H="stay"), "parameters.seed_policy_agent_H", "from no seed policy"),
        (_without("interaction"), "parameters.interaction", "missing: agents on mdp_graph need interaction"),
        (
            _without(interaction="merge"),
            "parameters.interaction.value",
            "unknown rule 'merge'; valid: allow, remove, block, no_swap, push",
        ),
        (
            _without("mdp_graph", joint_mdp_graph="joint_3x3_gridworld"),
            "parameters.interaction",
            "joint_mdp_graph has its own interaction rule",
        ),
        (_without(joint_mdp_graph="joint_3x3_gridworld"), "parameters.joint_mdp_graph", "not both"),
        (_without("mdp_graph", "interaction"), "parameters", "agents need an environment"),
        (_without("seed_policy"), "parameters.seed_policy", "Agent A needs a seed policy"),
        (_without("reward_correlation"), "parameters.reward_correlation", "Agent A needs a reward correlation"),
        (
            _without(seed_policy_graph_agent_A="stay"),
            "parameters.seed_policy_graph_agent_A",
            "gives seed policies with seed_policy",
        ),
        (
            PART_3_LEGACY | {"interaction": {"value": "remove"}},
            "parameters.interaction",
            "add agents (e.g. agents: [H, A])",
        ),
        (
            PART_3_LEGACY | {"discount_rate_agent_B": {"value": 0.5}},
            "parameters.discount_rate_agent_B",
            "describes the agents of a config that lists them",
        ),
    ],
)
def test_configs_with_listed_agents_are_checked_before_anything_runs(parameters, field, message):
    error = _parse_error(parameters)
    assert error.field == field and message in error.detail, error
    assert error.source == "c.yaml" and "\n" not in str(error)


def test_swept_agent_lists_are_checked_for_each_list():
    parameters = _without("agents")
    parameters["agents"] = {"values": [["H", "A", "B"], ["H", "A"]], "names": ["three", "two"]}
    error = _parse_error(parameters)  # the two-agent run has no Agent B for B's overrides
    assert error.field == "parameters.discount_rate_agent_B" and "not one of the agents H, A" in error.detail


def test_environment_mistakes_of_listed_agents_name_the_parameter():
    error = _error(_without(mdp_graph="joint_3x3_gridworld"))
    assert error.field == "parameters.mdp_graph.value" and "is a joint MDP; with interaction" in error.detail
    spec = {"generator": "maze", "rows": 2, "cols": 2, "seed": 0, "joint": "remove", "agents": ["H", "A", "B"]}
    legacy = dict(PART_3_LEGACY, joint_mdp_graph={"value": spec})
    error = _error(legacy)
    assert error.field == "parameters.joint_mdp_graph.value"
    assert "joint MDP of the agents H, A, B, but the run's agents are H, A (list them with agents: [H, A, B])" in (
        error.detail
    )


# -- run folders ----------------------------------------------------------------------------


def test_run_folders_without_a_scenario_read_it_back_from_their_config(tmp_path):
    """Folders written before run.json held the scenario: the same scenario, the same rewards."""
    path = tmp_path / "legacy.yaml"
    path.write_text(_config(PART_3_LEGACY, name="legacy"))
    sweep = run_sweep(path, tmp_path / "expts")
    run = sweep.run("reward_correlation__n0p5")
    written = run.scenario
    rewards = run.reward_samples(3, 7)
    # Make it an old folder: run.json without its scenario (run.json records no checksum of itself).
    info = json.loads((run.path / RUN_INFO).read_text())
    del info["scenario"]
    (run.path / RUN_INFO).write_text(json.dumps(info))
    verify_run(run.path)
    old = load_run(run.path)
    assert "scenario" not in old.info and old.scenario == written
    assert old.scenario.agent("A").reward_correlation == -0.5 and old.scenario.agent("A").seed_policy == (
        "joint_7x7_gridworld_maze_no_overlaps_agent_A_uniform_random"
    )
    for agent, drawn in old.reward_samples(3, 7).items():
        np.testing.assert_array_equal(drawn, rewards[agent])
    # The sweep reads back too, and resuming it reuses the old folder as it is.
    again = run_sweep(path, tmp_path / "expts")
    assert again.path == sweep.path and "scenario" not in load_run(run.path).info
    assert load_sweep(sweep.path).run("reward_correlation__n0p5").scenario == written


def test_a_recorded_scenario_that_is_not_the_runs_is_damage(tmp_path):
    path = tmp_path / "single.yaml"
    path.write_text(
        _config(
            {
                "mdp_graph": {"value": "3x3_gridworld"},
                "discount_rate": {"value": 0.5},
                "reward_distribution": {"value": UNIFORM},
                "num_reward_samples": {"value": 20},
                "random_seed": {"value": 0},
            },
            name="single",
        )
    )
    sweep = run_sweep(path, tmp_path / "expts")
    run = sweep.run()
    info = json.loads((run.path / RUN_INFO).read_text())
    info["scenario"]["agents"][0]["discount_rate"] = 0.25
    (run.path / RUN_INFO).write_text(json.dumps(info))
    with pytest.raises(Exception, match="records the scenario of another run"):
        run_sweep(path, tmp_path / "expts")
    info["scenario"]["agents"][0]["discount_rate"] = 2
    (run.path / RUN_INFO).write_text(json.dumps(info))
    with pytest.raises(FileFormatError, match=r"run.json: scenario.agents\[0\].discount_rate: must be in"):
        _ = load_run(run.path).scenario


def test_a_scenario_names_an_agent_it_has():
    scenario = build_scenario(TRIO)
    with pytest.raises(UnknownLabelError, match=re.escape("no Agent 'C' in this run (agents: H, A, B)")):
        scenario.agent("C")
    with pytest.raises(ModelError, match="name an agent twice"):
        Scenario(
            (AgentSpec("H", 0.5), AgentSpec("H", 0.5, 0.0, "stay")),
            {"joint_mdp_graph": "j"},
            None,
            UNIFORM,
            "joint_state",
            1,
            0,
            1e-4,
            LearningChain(),
        )


# -- what reads the scenario and the registry -------------------------------------------------

LISTED_PAIR = {
    "agents": {"value": ["H", "A"]},
    "mdp_graph": {"value": "3x3_gridworld"},
    "interaction": {"value": "allow"},
    "seed_policy": {"value": "uniform_random"},
    "discount_rate": {"values": [0.5, 0.9], "names": ["0p5", "0p9"]},
    "reward_correlation": {"value": 0.5},
    "reward_distribution": {"value": UNIFORM},
    "num_reward_samples": {"value": 24},
    "random_seed": {"value": 1},
}


@pytest.fixture(scope="module")
def listed_sweeps(tmp_path_factory):
    """Two-agent sweeps over γ with listed agents: A following γ, and A with its own γ."""
    folder = tmp_path_factory.mktemp("listed")
    sweeps = {}
    for name, extra in (("follows", {}), ("own", {"discount_rate_agent_A": {"value": 0.75}})):
        path = folder / f"{name}.yaml"
        path.write_text(_config(LISTED_PAIR | extra, name=name))
        sweeps[name] = run_sweep(path, folder / "expts")
    return sweeps


def test_sweep_figures_state_every_agents_discount_rate_from_the_scenario(listed_sweeps):
    from powerplay.figures.sweeps import alignment_against_parameter_data, parameter_axis

    follows = alignment_against_parameter_data(listed_sweeps["follows"], "discount_rate")
    assert "3x3_gridworld (allow) · γ_A = γ_H · β = 0.5 · 24 reward samples" in follows.title
    own = alignment_against_parameter_data(listed_sweeps["own"], "discount_rate")
    assert "γ_A = 0.75 · β = 0.5" in own.title
    # Axis labels and scales come from the parameter registry, for any agent's parameter.
    assert parameter_axis([0.5, 0.9], ["a", "b"], "discount_rate_agent_B", True)[3] == (
        "discount rate γ_B of Agent B (axis: log scale of 1 − γ_B)"
    )
    assert parameter_axis([0.1, 0.2], ["a", "b"], "reward_correlation_agent_B")[3] == (
        "reward correlation β_B of Agent B with the first agent"
    )


def test_the_report_and_titles_read_the_scenario(listed_sweeps):
    from powerplay.figures import style
    from powerplay.figures.report.data import gather_report_data, parameter_label

    sweep = listed_sweeps["own"]
    data = gather_report_data(sweep)
    header = data.header()
    assert header["environments"] == ["3x3_gridworld (allow)"] and header["convergence_threshold"] == [1e-4]
    assert all(run.scenario.agent("A").discount_rate == 0.75 for run in data.runs)
    assert parameter_label("discount_rate_agent_B") == "γ_B (discount_rate_agent_B)"
    label = style.RunLabel.from_run(sweep.run(discount_rate=0.5))
    assert label.describe() == "3x3_gridworld (allow) · γ_H = 0.5, γ_A = 0.75 · β = 0.5 · 24 reward samples"
    three = style.RunLabel.from_scenario(build_scenario(TRIO))
    assert three.parts()[1:] == ["γ_H = 0.9, γ_A = 0.9, γ_B = 0.5", "β_A = 0, β_B = 0.75", "10 reward samples"]


def test_inspection_and_the_command_line_read_the_scenario(listed_sweeps):
    from typer.testing import CliRunner

    from powerplay.interfaces.cli import app
    from powerplay.runner.inspection import inspect_sample

    sweep = listed_sweeps["follows"]
    run = sweep.run(discount_rate=0.9)
    found = inspect_sample(run, 2)
    assert set(found.optimal_policies) == {"H", "A"} and found.given_policies["A"].agent == "A"
    np.testing.assert_array_equal(found.rewards["A"], run.reward_samples(2, 3)["A"][0])
    shown = CliRunner().invoke(app, ["show", str(sweep.path)])
    assert shown.exit_code == 0 and "multiagent_with_reward: agents H, A" in shown.output


def test_scans_take_their_parameters_from_the_registry(tmp_path):
    from powerplay.runner.scan import ScanSettings, from_axis, scannable, to_axis

    assert "discount_rate_agent_X" in scannable() and "seed_policy" not in scannable()
    assert (
        to_axis("discount_rate_agent_B", 0.99) == pytest.approx(-2.0) and from_axis("discount_rate_agent_B", -2) == 0.99
    )
    assert from_axis("random_seed", 2.6) == 3 and to_axis("reward_correlation_agent_B", 0.5) == 0.5
    config = parse_sweep_config(_config(LISTED_PAIR | {"discount_rate": {"value": 0.9}}), "c.yaml")
    with pytest.raises(ConfigError, match=r"c.yaml: --param: 'seed_policy' is not a number; a scan varies one of"):
        ScanSettings("seed_policy", 0.1, 0.9).check(config)
    ScanSettings("discount_rate", 0.1, 0.9, "alpha").check(config)  # fine: every agent's γ
