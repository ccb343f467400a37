"""Config files: the reference's YAML format, typed validation, sweeps, name resolution."""

from __future__ import annotations

import shutil

import pytest
import yaml
from conftest import REFERENCE

from powerplay.errors import ConfigError, ResolveError
from powerplay.runner.build import build_experiment, check_environments
from powerplay.runner.config import detect_experiment_type, load_sweep_config, parse_sweep_config
from powerplay.runner.resolve import resolve_mdp, resolve_policy

REFERENCE_CONFIGS = sorted((REFERENCE / "powerplay-configs").rglob("*.yaml")) if REFERENCE.is_dir() else []
needs_reference = pytest.mark.skipif(
    not REFERENCE_CONFIGS,
    reason="interop with the reference tool's own configs and files: ../shared/reference is not beside the repository",
)

SINGLE = {
    "name": "demo",
    "description": "a demo",
    "program": "sweep.py",
    "parameters": {
        "mdp_graph": {"value": "3x3_gridworld"},
        "discount_rate": {"values": [0.1, 0.9], "names": ["0p1", "0p9"]},
        "reward_distribution": {
            "value": {"default_dist": {"dist_name": "uniform", "params": [0, 1]}, "allow_all_equal_rewards": True}
        },
        "num_reward_samples": {"value": 100},
        "convergence_threshold": {"value": 0.0001},
        "random_seed": {"value": 0},
    },
}

MULTI = {
    "name": "corr",
    "parameters": {
        "joint_mdp_graph": {"value": "joint_3x3_gridworld"},
        "seed_policy_graph_agent_A": {"value": "joint_3x3_gridworld_agent_A_uniform_random"},
        "discount_rate": {"value": 0.6},
        "discount_rate_agent_A": {"value": 0.6},
        "reward_distribution": {"value": {"default_dist": {"dist_name": "uniform", "params": [0, 1]}}},
        "reward_correlation": {"values": [1, 0, -1], "names": ["1", "0", "n1"]},
        "num_reward_samples": {"value": 10},
        "random_seed": {"value": 0},
    },
}


def _text(document) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def _with(document, path: str, value):
    """A deep copy of ``document`` with ``a.b.c`` set to ``value`` (``value=...`` deletes it)."""
    copy = yaml.safe_load(_text(document))
    *parents, last = path.split(".")
    node = copy
    for key in parents:
        node = node[key]
    if value is ...:
        del node[last]
    else:
        node[last] = value
    return copy


def _parse(document, check=True, workdir=None):
    config = parse_sweep_config(_text(document), source="cfg.yaml")
    if check:
        check_environments(config, workdir)
    return config


def _error(document, check=True) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        _parse(document, check)
    message = str(info.value)
    assert "\n" not in message and message.startswith("cfg.yaml: ")
    return info.value


# -- the reference's configs ------------------------------------------------------------

EXPECTED_TYPES = {
    "test_multiagent_actual": "multiagent_fixed_policy",
    "test_reward_correlation": "multiagent_with_reward",
}


@needs_reference
@pytest.mark.parametrize("path", REFERENCE_CONFIGS, ids=lambda p: p.stem)
def test_every_reference_config_loads(path):
    config = load_sweep_config(path)
    raw = yaml.safe_load(path.read_text())
    expected_type = EXPECTED_TYPES.get(
        path.stem,
        "multiagent_with_reward"
        if path.stem.startswith("PART_2") or path.stem.startswith("PART_3")
        else "single_agent",
    )
    assert config.experiment_type == expected_type
    swept = {k: v for k, v in raw["parameters"].items() if "values" in v}
    runs = config.runs()
    assert len(runs) == (len(next(iter(swept.values()))["values"]) if swept else 1)
    for run, *_ in zip(runs):
        for param, spec in raw["parameters"].items():
            if "value" in spec:
                assert run.config[param] == spec["value"]
    if swept:
        ((param, spec),) = swept.items()
        assert [r.suffix for r in runs] == [f"{param}__{n}" for n in spec["names"]]
        assert [r.config[param] for r in runs] == spec["values"]
    else:
        assert [r.suffix for r in runs] == [""]
    assert config.text == path.read_bytes()


# -- experiment types ---------------------------------------------------------------------


def test_experiment_type_detection():
    assert detect_experiment_type(["mdp_graph", "discount_rate"]) == "single_agent"
    assert detect_experiment_type(["joint_mdp_graph", "policy_graph_agent_A"]) == "multiagent_fixed_policy"
    assert (
        detect_experiment_type(
            ["joint_mdp_graph", "seed_policy_graph_agent_A", "discount_rate_agent_A", "reward_correlation"]
        )
        == "multiagent_with_reward"
    )


def test_mixed_keys_name_the_offending_parameters():
    error = _error(_with(SINGLE, "parameters.policy_graph_agent_A", {"value": "joint_1x3_gridworld_agent_A_move_left"}))
    assert error.field == "parameters"
    assert "single_agent" in error.detail and "does not take policy_graph_agent_A" in error.detail


def test_missing_multiagent_keys_are_listed():
    error = _error(_with(MULTI, "parameters.reward_correlation", ...))
    assert "closest is multiagent_with_reward" in error.detail and "also needs reward_correlation" in error.detail


def test_no_environment_at_all():
    error = _error(_with(SINGLE, "parameters.mdp_graph", ...))
    assert "mdp_graph" in error.detail and "joint_mdp_graph" in error.detail


# -- one-line errors naming the field -------------------------------------------------------


@pytest.mark.parametrize(
    "path, value, field, words",
    [
        ("parameters.discount_rate", {"values": [0.1, 0.5, 1.0]}, "parameters.discount_rate.values[2]", "below 1"),
        ("parameters.discount_rate", {"values": [0.1, -0.2]}, "parameters.discount_rate.values[1]", "[0, 1)"),
        ("parameters.discount_rate", {"values": [0.1, "high"]}, "parameters.discount_rate.values[1]", "number"),
        ("parameters.num_reward_samples.value", 1.5, "parameters.num_reward_samples.value", "integer"),
        ("parameters.num_reward_samples.value", 0, "parameters.num_reward_samples.value", "positive"),
        ("parameters.num_reward_samples.value", True, "parameters.num_reward_samples.value", "integer"),
        ("parameters.convergence_threshold.value", -1e-4, "parameters.convergence_threshold.value", "positive"),
        ("parameters.random_seed.value", -3, "parameters.random_seed.value", "non-negative"),
        ("parameters.mdp_graph.value", 7, "parameters.mdp_graph.value", "name"),
        (
            "parameters.reward_distribution.value.default_dist.dist_name",
            "gaussian",
            "parameters.reward_distribution.value.default_dist",
            "unknown distribution 'gaussian'",
        ),
        (
            "parameters.reward_distribution.value.default_dist.params",
            [1, 0],
            "parameters.reward_distribution.value.default_dist",
            "low < high",
        ),
        (
            "parameters.reward_distribution.value.default_dist.params",
            [0, "one"],
            "parameters.reward_distribution.value.default_dist.params[1]",
            "number",
        ),
        (
            "parameters.reward_distribution.value.allow_all_equal_rewards",
            "no",
            "parameters.reward_distribution.value.allow_all_equal_rewards",
            "True or False",
        ),
        (
            "parameters.reward_distribution.value.colour",
            "red",
            "parameters.reward_distribution.value.colour",
            "unknown key",
        ),
        ("parameters.discount_rate.names", ["0p1"], "parameters.discount_rate.names", "1 names for 2 values"),
        ("parameters.discount_rate.names", ["a", "a"], "parameters.discount_rate.names", "used twice"),
        ("parameters.discount_rate.names", ["a", "b/c"], "parameters.discount_rate.names[1]", "folder names"),
        ("parameters.discount_rate", {"values": []}, "parameters.discount_rate.values", "non-empty"),
        ("parameters.discount_rate.value", 0.5, "parameters.discount_rate", "both 'value' and 'values'"),
        ("parameters.discount_rate.step", 0.5, "parameters.discount_rate", "unknown key 'step'"),
        ("parameters.discount_rte", {"value": 0.5}, "parameters.discount_rte", "did you mean 'discount_rate'"),
        ("parameters.mdp_graph.value", "no_such_mdp", "parameters.mdp_graph.value", "unknown MDP 'no_such_mdp'"),
        ("parameters.mdp_graph.value", "joint_3x3_gridworld", "parameters.mdp_graph.value", "is a joint MDP"),
        (
            "parameters.reward_distribution.value.state_dists",
            {"(9, 9)": {"dist_name": "uniform", "params": [0, 1]}},
            "parameters.reward_distribution.value.state_dists",
            "'(9, 9)' is not a state",
        ),
        ("method", "grid", "method", "unknown key"),
        ("name", "my sweep", "name", "folder names"),
    ],
)
def test_bad_single_agent_values(path, value, field, words):
    error = _error(_with(SINGLE, path, value))
    assert error.field == field
    assert words in error.detail


@pytest.mark.parametrize(
    "path, value, field, words",
    [
        ("parameters.reward_correlation.values", [1, 0, 1.5], "parameters.reward_correlation.values[2]", "[-1, 1]"),
        ("parameters.discount_rate_agent_A.value", 1, "parameters.discount_rate_agent_A.value", "below 1"),
        (
            "parameters.reward_distribution.value.default_dist",
            {"dist_name": "beta", "params": [1, 2]},
            "parameters.reward_correlation.values[2]",
            "symmetric",
        ),
        (
            "parameters.seed_policy_graph_agent_A.value",
            "joint_7x7_gridworld_maze_agent_A_uniform_random",
            "parameters.seed_policy_graph_agent_A.value",
            "does not fit MDP",
        ),
        ("parameters.joint_mdp_graph.value", "3x3_gridworld", "parameters.joint_mdp_graph.value", "single-agent MDP"),
    ],
)
def test_bad_multiagent_values(path, value, field, words):
    error = _error(_with(MULTI, path, value))
    assert error.field == field
    assert words in error.detail


def test_discount_rate_zero_is_allowed():
    config = _parse(_with(SINGLE, "parameters.discount_rate", {"value": 0}))
    assert build_experiment(config.runs()[0].config).discount_rate == 0.0


def test_yaml_syntax_error_names_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nparameters:\n  discount_rate: {value: [0.1\n")
    with pytest.raises(ConfigError) as info:
        load_sweep_config(bad)
    assert str(info.value).startswith(f"{bad}: line 4: YAML syntax error: ")
    assert info.value.field == "line 4"


def test_missing_file():
    with pytest.raises(ConfigError, match="nothere.yaml: config file not found"):
        load_sweep_config("nothere.yaml")


def test_missing_required_parameter():
    error = _error(_with(SINGLE, "parameters.num_reward_samples", ...))
    assert "num_reward_samples" in error.detail


# -- sweeps ---------------------------------------------------------------------------------


def test_grid_product_order_and_names():
    document = _with(SINGLE, "parameters.random_seed", {"values": [3, 4], "names": ["s3", "s4"]})
    config = parse_sweep_config(_text(document))
    runs = config.runs()
    # discount_rate comes first in the file, so it varies slowest; suffixes sort params by name.
    assert [(r.config["discount_rate"], r.config["random_seed"]) for r in runs] == [
        (0.1, 3),
        (0.1, 4),
        (0.9, 3),
        (0.9, 4),
    ]
    assert [r.suffix for r in runs] == [
        "discount_rate__0p1-random_seed__s3",
        "discount_rate__0p1-random_seed__s4",
        "discount_rate__0p9-random_seed__s3",
        "discount_rate__0p9-random_seed__s4",
    ]
    assert runs[3].config["value_names"] == {"discount_rate": "0p9", "random_seed": "s4"}


def test_default_names_for_numbers():
    document = _with(SINGLE, "parameters.discount_rate", {"values": [0.25, 0.5]})
    assert [r.suffix for r in parse_sweep_config(_text(document)).runs()] == [
        "discount_rate__0p25",
        "discount_rate__0p5",
    ]
    document = _with(MULTI, "parameters.reward_correlation", {"values": [-0.5, 1]})
    assert [r.suffix for r in parse_sweep_config(_text(document)).runs()] == [
        "reward_correlation__n0p5",
        "reward_correlation__1",
    ]


@pytest.mark.parametrize("seed_spec", [{"value": None}, ...])
def test_null_or_absent_seed_draws_one_seed_for_the_sweep(seed_spec):
    config = parse_sweep_config(_text(_with(SINGLE, "parameters.random_seed", seed_spec)))
    seeds = {r.config["random_seed"] for r in config.runs()}
    assert seeds == {config.drawn_seed} and isinstance(config.drawn_seed, int) and config.drawn_seed >= 0
    fixed = config.with_overrides(drawn_seed=1234)
    assert {r.config["random_seed"] for r in fixed.runs()} == {1234}


def test_fixed_seed_is_kept_and_samples_override():
    config = parse_sweep_config(_text(SINGLE)).with_overrides(samples=7)
    assert config.drawn_seed is None
    assert all(r.config["random_seed"] == 0 and r.config["num_reward_samples"] == 7 for r in config.runs())


def test_build_experiment_rebuilds_a_run():
    config = parse_sweep_config(_text(_with(SINGLE, "parameters.convergence_threshold", {"value": 0.001})))
    run = config.runs()[1]
    exp = build_experiment(run.config)
    assert (exp.kind, exp.discount_rate, exp.num_reward_samples, exp.random_seed) == ("single_agent", 0.9, 100, 0)
    assert exp.settings.tolerance == 0.001
    assert exp.mdp.num_states == 9 and exp.reward_distribution.default.params == (0.0, 1.0)
    multi = parse_sweep_config(_text(MULTI)).runs()[2]
    exp = build_experiment(multi.config, diagnostic=True)
    assert (exp.kind, exp.reward_correlation, exp.discount_rate_agent_A, exp.diagnostic) == (
        "multiagent_with_reward",
        -1.0,
        0.6,
        True,
    )
    assert exp.policy_A.agent == "A" and exp.mdp.num_states == 81


def test_build_experiment_names_the_run_field():
    with pytest.raises(ConfigError) as info:
        build_experiment({**parse_sweep_config(_text(SINGLE)).runs()[0].config, "discount_rate": 2})
    assert info.value.field == "discount_rate"


# -- name resolution ------------------------------------------------------------------------


def test_builtins_resolve_without_files(tmp_path):
    mdp, source = resolve_mdp("7x7_gridworld_maze", tmp_path)
    assert mdp.num_states == 31 and source == "builtin"
    policy, source = resolve_policy("joint_3x3_gridworld_agent_A_uniform_random", tmp_path)
    assert policy.agent == "A" and source == "builtin"


def test_unknown_name_lists_where_it_looked(tmp_path):
    with pytest.raises(ResolveError) as info:
        resolve_policy("nope", tmp_path)
    assert f"not in {tmp_path / 'policies'}/" in str(info.value) and "built-ins:" in str(info.value)


def test_a_bare_name_of_a_file_in_the_working_folder_says_to_give_a_path(tmp_path):
    """A bare name is looked up in mdps/ (as the reference did); a file of that name beside the
    config is not read, and the error says how to name it."""
    (tmp_path / "corridor.yaml").write_text("kind: mdp\ngridworld_map: '...'\n")
    with pytest.raises(ResolveError) as info:
        resolve_mdp("corridor.yaml", tmp_path)
    assert str(info.value) == (
        f"unknown MDP 'corridor.yaml': not in {tmp_path / 'mdps'}/ and not a built-in; to read the file "
        f"corridor.yaml in {tmp_path}, give it as a path: ./corridor.yaml"
    )
    mdp, origin = resolve_mdp("./corridor.yaml", tmp_path)
    assert mdp.num_states == 3 and origin == str(tmp_path / "corridor.yaml")


def test_ambiguous_files_are_an_error(tmp_path):
    (tmp_path / "mdps").mkdir()
    (tmp_path / "mdps" / "maze.gv").write_text("digraph {}")
    (tmp_path / "mdps" / "maze.json").write_text("{}")
    with pytest.raises(ResolveError, match="ambiguous.*maze.gv, maze.json"):
        resolve_mdp("maze", tmp_path)


@needs_reference
def test_reference_gv_file_in_mdps_shadows_the_builtin(tmp_path):
    (tmp_path / "mdps").mkdir()
    (tmp_path / "policies").mkdir()
    shutil.copy(REFERENCE / "powerplay-mdps" / "joint_3x3_gridworld.gv", tmp_path / "mdps")
    shutil.copy(
        REFERENCE / "powerplay-policies" / "joint_3x3_gridworld_agent_A_uniform_random.gv", tmp_path / "policies"
    )
    mdp, source = resolve_mdp("joint_3x3_gridworld", tmp_path)
    assert source == str((tmp_path / "mdps" / "joint_3x3_gridworld.gv").resolve())
    assert mdp.states == resolve_mdp("joint_3x3_gridworld", tmp_path / "elsewhere")[0].states
    config = _parse(MULTI, workdir=tmp_path)
    exp = build_experiment(config.runs()[0].config, workdir=tmp_path)
    assert exp.mdp.num_states == 81 and exp.policy_A.agent == "A"


# -- linked and zipped parameters, generated environments and policies (studies) ----------------


def test_same_as_links_a_parameter_to_another_in_every_run():
    document = _with(MULTI, "parameters.discount_rate", {"values": [0.5, 0.9, 0.99]})
    document = _with(document, "parameters.discount_rate_agent_A", {"same_as": "discount_rate"})
    document = _with(document, "parameters.reward_correlation", {"value": 0})
    config = _parse(document)
    runs = config.runs()
    assert [(r.config["discount_rate"], r.config["discount_rate_agent_A"]) for r in runs] == [
        (0.5, 0.5),
        (0.9, 0.9),
        (0.99, 0.99),
    ]
    assert [r.suffix for r in runs] == ["discount_rate__0p5", "discount_rate__0p9", "discount_rate__0p99"]
    assert config.linked == {"discount_rate_agent_A": "discount_rate"} and list(config.swept) == ["discount_rate"]


@pytest.mark.parametrize(
    "spec, words",
    [
        ({"same_as": "discount_rte"}, "must name another parameter"),
        ({"same_as": "discount_rate_agent_A"}, "cannot be the same as itself"),
        (
            {"same_as": "random_seed"},
            "which must be",
        ),  # a seed is not a discount rate... (0 is, so use a bad one below)
    ],
)
def test_bad_links(spec, words):
    document = _with(MULTI, "parameters.discount_rate_agent_A", spec)
    if spec["same_as"] == "random_seed":
        document = _with(document, "parameters.random_seed", {"value": 7})
        words = "takes parameters.random_seed.value = 7, which must be in [0, 1)"
    error = _error(document, check=False)
    assert error.field == "parameters.discount_rate_agent_A.same_as" and words in error.detail


def test_a_same_as_loop_is_refused():
    document = _with(MULTI, "parameters.discount_rate_agent_A", {"same_as": "discount_rate"})
    document = _with(document, "parameters.discount_rate", {"same_as": "discount_rate_agent_A"})
    error = _error(document, check=False)
    assert "loop" in error.detail and "discount_rate" in error.detail


def test_zipped_parameters_vary_together_and_grid_with_the_others():
    document = _with(
        MULTI,
        "parameters.joint_mdp_graph",
        {"values": ["joint_3x3_gridworld", "joint_7x7_gridworld_maze"], "zip": "env"},
    )
    document = _with(
        document,
        "parameters.seed_policy_graph_agent_A",
        {
            "values": ["joint_3x3_gridworld_agent_A_uniform_random", "joint_7x7_gridworld_maze_agent_A_uniform_random"],
            "names": ["uniform3", "uniform7"],
            "zip": "env",
        },
    )
    document = _with(document, "parameters.reward_correlation", {"values": [0, 1]})
    config = _parse(document)
    runs = config.runs()
    pairs = [
        (r.config["joint_mdp_graph"], r.config["seed_policy_graph_agent_A"][-16:], r.config["reward_correlation"])
        for r in runs
    ]
    assert pairs == [
        ("joint_3x3_gridworld", "A_uniform_random", 0),
        ("joint_3x3_gridworld", "A_uniform_random", 1),
        ("joint_7x7_gridworld_maze", "A_uniform_random", 0),
        ("joint_7x7_gridworld_maze", "A_uniform_random", 1),
    ]
    assert runs[2].config["seed_policy_graph_agent_A"] == "joint_7x7_gridworld_maze_agent_A_uniform_random"
    assert (
        runs[0].suffix
        == "joint_mdp_graph__joint_3x3_gridworld-reward_correlation__0-seed_policy_graph_agent_A__uniform3"
    )
    assert config.zipped == {"joint_mdp_graph": "env", "seed_policy_graph_agent_A": "env"} and config.num_runs == 4


def test_zipped_lists_of_different_lengths_are_refused():
    document = _with(SINGLE, "parameters.discount_rate", {"values": [0.1, 0.9], "zip": "z"})
    document = _with(document, "parameters.random_seed", {"values": [1, 2, 3], "zip": "z"})
    error = _error(document, check=False)
    assert error.field == "parameters.random_seed.zip" and "discount_rate has 2, random_seed has 3" in error.detail


def test_value_names_cannot_make_two_runs_share_a_folder():
    """Names with '-' could join into another run's suffix (x + 'x-num_reward_samples__y'); they are refused."""
    document = _with(
        SINGLE, "parameters.discount_rate", {"values": [0.1, 0.9], "names": ["x", "x-num_reward_samples__y"]}
    )
    error = _error(document, check=False)
    assert error.field == "parameters.discount_rate.names[1]" and "no '-'" in error.detail


@pytest.mark.parametrize(
    "path, value, words",
    [
        ("name", "x" * 65, "1 to 64"),
        ("name", "a\x00b", "1 to 64"),
        ("parameters.discount_rate.names", ["\x1b[31m", "b"], "letters, digits"),
        ("parameters.num_reward_samples.value", 10**23, "at most 1,000,000,000"),
    ],
)
def test_names_and_sizes_are_bounded(path, value, words):
    assert words in _error(_with(SINGLE, path, value), check=False).detail


def test_a_huge_grid_is_refused_up_front():
    document = yaml.safe_load(_text(SINGLE))
    for name in ("discount_rate", "random_seed", "convergence_threshold", "num_reward_samples"):
        document["parameters"][name] = {
            "values": list(range(1, 301)) if name != "discount_rate" else [i / 301 for i in range(300)]
        }
    document["parameters"]["convergence_threshold"] = {"values": [1e-4 * i for i in range(1, 301)]}
    error = _error(document, check=False)
    assert error.field == "parameters" and "8,100,000,000 runs" in error.detail and "100,000" in error.detail


MAZE_SPEC = {"generator": "maze", "rows": 3, "cols": 3, "seed": 1}


def test_generated_mdps_sweep_over_seeds_with_readable_names():
    document = _with(SINGLE, "parameters.mdp_graph", {"values": [dict(MAZE_SPEC, seed=s) for s in (1, 2, 3)]})
    config = _parse(document)
    # mdp_graph comes first in the file, so it varies slowest.
    assert [r.suffix for r in config.runs()][:3] == [
        "discount_rate__0p1-mdp_graph__maze_3x3_seed_1",
        "discount_rate__0p9-mdp_graph__maze_3x3_seed_1",
        "discount_rate__0p1-mdp_graph__maze_3x3_seed_2",
    ]
    exp = build_experiment(config.runs()[3].config)
    assert exp.mdp.name == "maze 3x3 seed 2" and exp.mdp.num_states == 17


def test_a_bad_generator_spec_names_the_key():
    error = _error(_with(SINGLE, "parameters.mdp_graph", {"value": dict(MAZE_SPEC, rows=0)}))
    assert error.field == "parameters.mdp_graph.value" and "rows" in error.detail
    error = _error(_with(SINGLE, "parameters.mdp_graph", {"value": dict(MAZE_SPEC, joint="remove")}))
    assert "is a joint MDP" in error.detail


@pytest.mark.parametrize(
    "policy",
    [
        "uniform_random",
        "stay",
        {"random_deterministic": {"seed": 4}},
        {"deterministic": {"action": "left", "fallback": "stay"}},
    ],
)
@pytest.mark.parametrize(
    "joint", ["joint_3x3_gridworld", "joint_7x7_gridworld_maze_no_overlaps", dict(MAZE_SPEC, joint="block")]
)
def test_generated_seed_policies_fit_any_joint_mdp(policy, joint):
    document = _with(MULTI, "parameters.seed_policy_graph_agent_A", {"value": policy})
    document = _with(document, "parameters.joint_mdp_graph", {"value": joint})
    config = _parse(document)
    exp = build_experiment(config.runs()[0].config)
    assert exp.policy_A.agent == "A" and exp.policy_A.states == exp.mdp.states
    assert exp.policy_A.probabilities.shape == (exp.mdp.num_states, len(exp.mdp.actions_A))


def test_seed_policies_sweep_by_generated_name():
    document = _with(MULTI, "parameters.seed_policy_graph_agent_A", {"values": ["stay", "uniform_random"]})
    document = _with(document, "parameters.reward_correlation", {"value": 0})
    config = _parse(document)
    assert [r.suffix for r in config.runs()] == [
        "seed_policy_graph_agent_A__stay",
        "seed_policy_graph_agent_A__uniform_random",
    ]


def test_a_bad_policy_spec_names_the_key():
    error = _error(
        _with(MULTI, "parameters.seed_policy_graph_agent_A", {"value": {"random_deterministic": {"sed": 2}}})
    )
    assert error.field == "parameters.seed_policy_graph_agent_A.value" and "unknown key 'sed'" in error.detail
