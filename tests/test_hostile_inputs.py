"""Hostile inputs for everything past the MDP/policy readers (issue 11): configs, experiments
that cannot be computed, sweep and run folders, the command line.

The contract under test: every input ends in a result or in one line -- a
:class:`~powerplay.errors.PowerplayError` in Python, ``error: ...`` and exit status 2 on the
command line -- within seconds, never a traceback, a hang or a memory blow-up; validation
happens before anything is created on disk; nothing is read or written outside the output
folder; no finished run is lost, and a damaged one is either refused by name or, with
``--repair``, recomputed to the same numbers.

Categories (issue 11 items in brackets):

* config files: size, non-regular files, nesting, alias bombs, duplicate keys, encodings,
  YAML tags, names; Hypothesis fuzzing of random YAML and of mutations of a valid config
  [6, 8, 9];
* experiments refused up front: too many actions, degenerate or overflowing rewards, Pareto
  tails, the convergence threshold, huge generated environments, huge sweeps [6, 8, 9];
* run folders: every file damaged in every way, symbolic links, stale temporary files, file
  modes, changed environments on resume [3, 4, 10];
* sweep records: path traversal, wrong types, control characters [3, 10];
* the command line, through the real entry point in a fresh process where it matters:
  one line on stderr, status 2, nothing outside the temporary folder touched [8, 10];
* numbers: the largest allowed rewards still give finite, scale-exact means and errors [9].

Subprocess cases use a timeout to catch hangs; no test measures time.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import textwrap
import threading
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from powerplay.errors import (
    ConfigError,
    FileFormatError,
    PowerplayError,
    ResourceLimitError,
    StatisticsWarning,
    SweepError,
)
from powerplay.interfaces.cli import app
from powerplay.interfaces.errors import printable
from powerplay.interfaces.executor_options import parse_scheduler
from powerplay.io import write_any
from powerplay.io.safe_load import MAX_CONFIG_BYTES, MAX_TABLE_ENTRIES
from powerplay.model.mdp import MDP, JointMDP
from powerplay.runner.build import MAX_VALUE_MAGNITUDE, check_environments
from powerplay.runner.config import MAX_RUNS, load_sweep_config, parse_sweep_config
from powerplay.runner.executors import LocalExecutor
from powerplay.runner.sweep import SweepOptions, prepare_sweep, run_sweep
from powerplay.solvers.values import MAX_POLICY_ACTIONS, SolverSettings
from powerplay.storage.samples import SampleArchive
from powerplay.storage.sweeps import load_sweep, read_sweep_record

runner = CliRunner()
FUZZ = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)

UNIFORM = {"default_dist": {"dist_name": "uniform", "params": [0, 1]}, "allow_all_equal_rewards": False}


def parameters(**overrides) -> dict:
    out = {
        "mdp_graph": {"value": "3x3_gridworld"},
        "discount_rate": {"values": [0.3, 0.9], "names": ["0p3", "0p9"]},
        "reward_distribution": {"value": UNIFORM},
        "num_reward_samples": {"value": 64},
        "random_seed": {"value": 0},
    }
    out.update(overrides)
    return {key: value for key, value in out.items() if value is not None}


def config_text(name: str = "hostile", **overrides) -> str:
    return yaml.safe_dump({"name": name, "parameters": parameters(**overrides)}, sort_keys=False)


def write_config(folder: Path, name: str = "hostile", **overrides) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(config_text(name, **overrides))
    return path


def assert_one_line(error: BaseException, *fragments: str) -> str:
    message = str(error)
    assert message and "\n" not in message, repr(message)
    for fragment in fragments:
        assert fragment in message, message
    return message


def refused(call, kind=PowerplayError, *fragments: str) -> PowerplayError:
    with pytest.raises(kind) as info:
        call()
    assert_one_line(info.value, *fragments)
    return info.value


def listing(folder: Path) -> dict[str, tuple]:
    """Every path under ``folder`` with its kind, size and content hash (to tell that nothing changed)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        if stat.S_ISREG(info.st_mode):
            out[str(path.relative_to(folder))] = ("file", info.st_size, hash(path.read_bytes()))
        else:
            out[str(path.relative_to(folder))] = (stat.S_IFMT(info.st_mode),)
    return out


def _stat_listing(folder: Path) -> dict[str, tuple[int, int]]:
    """Every path under ``folder`` with its size and modification time (cheap: no reading)."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): (p.lstat().st_size, p.lstat().st_mtime_ns) for p in folder.rglob("*")}


# -- config files: reading [6, 8, 9] -----------------------------------------------------------------


def _alias_bomb_groups(levels: int = 8, width: int = 10) -> str:
    """A config whose states_with_identical_rewards expands to width**levels state names."""
    anchors = ["  a0: &a0 [" + ", ".join(["'(0, 0)'"] * width) + "]"]
    anchors += [f"  a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels)]
    return (
        "name: bomb\nanchors_are_unknown_keys_but_parsed_first: 1\n"
        + "parameters:\n  mdp_graph: {value: 3x3_gridworld}\n  discount_rate: {value: 0.9}\n"
        + "  num_reward_samples: {value: 10}\n  random_seed: {value: 0}\n"
        + "  reward_distribution:\n    value:\n      default_dist: {dist_name: uniform, params: [0, 1]}\n"
        + "      anchors:\n"
        + "\n".join("  " * 3 + line for line in anchors)
        + "\n"
        + f"      states_with_identical_rewards: [*a{levels - 1}]\n"
    )


def test_alias_bomb_in_a_config_is_refused_with_its_size_and_limit():
    error = refused(
        lambda: parse_sweep_config(_alias_bomb_groups(), "bomb.yaml"), ResourceLimitError, "bomb.yaml", "over the limit"
    )
    assert error.limit > 0 and error.estimate > error.limit


_SMALL = """name: dup
parameters:
  mdp_graph: {value: 3x3_gridworld}
  discount_rate: {value: 0.9}
  num_reward_samples: {value: 10}
  random_seed: {value: 0}
  reward_distribution:
    value:
      default_dist: {dist_name: uniform, params: [0, 1]}
"""


@pytest.mark.parametrize(
    "text, fragment",
    [
        (
            _SMALL.replace("  random_seed: {value: 0}\n", "  random_seed: {value: 0}\n  random_seed: {value: 1}\n"),
            "duplicate key 'random_seed'",
        ),
        (_SMALL + "name: again\n", "duplicate key 'name'"),
        (_SMALL.replace("params: [0, 1]}", "params: [0, 1], params: [0, 2]}"), "duplicate key 'params'"),
    ],
)
def test_duplicate_keys_in_a_config_are_errors_naming_both_lines(text, fragment):
    error = refused(
        lambda: parse_sweep_config(text, "dup.yaml"), ConfigError, "dup.yaml: line ", fragment, "first at line"
    )
    assert error.field.startswith("line ")


@pytest.mark.parametrize(
    "text",
    [
        "name: x\nparameters: " + "[" * 100_000 + "]" * 100_000,
        "name: x\nparameters:\n" + "".join("  " * i + "- \n" for i in range(1, 400)),
        '{"name": "x", "parameters": ' + '{"a": ' * 5000 + "1" + "}" * 5000 + "}",
    ],
)
def test_deeply_nested_configs_are_one_line_errors(text):
    refused(
        lambda: parse_sweep_config(text, "deep.yaml"), ConfigError, "deep.yaml", "nest"
    )  # ours, or libyaml's own limit


@pytest.mark.parametrize(
    "data, fragment",
    [
        (config_text().encode("utf-16"), "UTF-16"),
        (config_text().replace("hostile", "h\xe9").encode("latin-1"), "not UTF-8"),
        (
            config_text().replace("name: hostile", "name: !!python/object/apply:os.system [touch pwned]").encode(),
            "python/object",
        ),
        (b"name: x\nparameters: {a: \x00}\n", "not allowed"),
        (b"\xef\xbb\xbf" + b"[1, 2]", "must be a YAML mapping"),
        (b"", "must be a YAML mapping"),
        (b"name: x\n---\nname: y\n", "YAML syntax error"),
    ],
)
def test_config_encodings_tags_and_shapes(data, fragment, tmp_path):
    path = tmp_path / "c.yaml"
    path.write_bytes(data)
    refused(lambda: load_sweep_config(path), ConfigError, str(path), fragment)
    assert not (tmp_path / "pwned").exists()


def test_special_files_are_refused_before_reading(tmp_path):
    refused(lambda: load_sweep_config("/dev/zero"), ConfigError, "/dev/zero", "character device")
    refused(lambda: load_sweep_config(tmp_path), ConfigError, "directory")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.yaml")
        refused(lambda: load_sweep_config(tmp_path / "pipe.yaml"), ConfigError, "FIFO")
    big = tmp_path / "big.yaml"
    with open(big, "wb") as handle:  # a sparse file: no disk used
        handle.write(b"name: x\n")
        handle.truncate(MAX_CONFIG_BYTES + 1)
    error = refused(lambda: load_sweep_config(big), ResourceLimitError, "big.yaml", "over the limit of")
    assert error.estimate == MAX_CONFIG_BYTES + 1 and error.limit == MAX_CONFIG_BYTES


@pytest.mark.parametrize("name", ["a" * 65, "x\x00y", "esc\x1b[2J", "../up", "two words", "", "a/b"])
def test_sweep_names_that_cannot_name_a_folder(name, tmp_path):
    text = config_text().replace("name: hostile", f"name: {json.dumps(name)}")
    message = assert_one_line(refused(lambda: parse_sweep_config(text, "n.yaml"), ConfigError, "n.yaml", "name"))
    assert "\x1b" not in printable(message) and "\x00" not in printable(message)


def test_value_names_cannot_collide_or_escape(tmp_path):
    for names, fragment in (
        (["a-b", "c"], "no '-'"),
        (["../x", "y"], "letters, digits"),
        (["same", "same"], "used twice"),
    ):
        text = config_text(discount_rate={"values": [0.3, 0.9], "names": names})
        refused(lambda: parse_sweep_config(text, "v.yaml"), ConfigError, "names", fragment)


def test_huge_sweeps_and_sample_counts_are_refused_before_expanding(tmp_path):
    values = [float(x) for x in np.round(np.linspace(0.01, 0.98, 300), 6)]
    text = config_text(
        discount_rate={"values": values},
        random_seed={"values": list(range(300))},
        num_reward_samples={"values": list(range(1, 301))},
    )
    refused(lambda: parse_sweep_config(text, "grid.yaml"), ConfigError, "27,000,000 runs", f"{MAX_RUNS:,}")
    config = parse_sweep_config(config_text(), "ok.yaml")
    refused(lambda: config.with_overrides(samples=10**23), ConfigError, "at most 1,000,000,000")


@pytest.mark.parametrize(
    "spec, fragment",
    [
        ({"generator": "maze", "rows": 100_000, "cols": 100_000, "seed": 0}, "19,999,999,999 states"),
        ({"generator": "maze", "rows": 10**100, "cols": 3, "seed": 0}, "about 10^100 states"),
        ({"generator": "rooms", "rows": 2, "cols": 2, "seed": 0, "room_size": 10**6}, "states"),
        ({"generator": "maze", "rows": 30, "cols": 30, "seed": 0, "joint": "remove"}, "joint MDP would have"),
    ],
)
def test_generated_environments_too_big_to_build_are_refused_from_their_size(spec, fragment):
    key = "joint_mdp_graph" if "joint" in spec else "mdp_graph"
    extra = {} if key == "mdp_graph" else {"mdp_graph": None, "policy_graph_agent_A": {"value": "uniform_random"}}
    text = config_text(**{key: {"value": spec}}, **extra)
    error = refused(
        lambda: parse_sweep_config(text, "gen.yaml"),
        ResourceLimitError,
        f"gen.yaml: parameters.{key}.value",
        fragment,
        f"over the limit of {MAX_TABLE_ENTRIES:,}",
    )
    assert error.estimate > error.limit == MAX_TABLE_ENTRIES


# -- experiments that cannot be computed: refused before anything is written [6, 8, 9] ---------------


def _many_action_mdp(actions: int, deterministic: bool) -> MDP:
    outcome = {"s": 1.0} if deterministic else {"s": 0.5, "t": 0.5}
    return MDP.from_dict({"s": {f"a{i}": dict(outcome) for i in range(actions)}, "t": {"go": {"s": 1.0}}}, name="wide")


def _prepare(folder: Path, config: Path, **options):
    return prepare_sweep(config, SweepOptions(output_dir=folder / "expts", workdir=folder, **options))


@pytest.mark.parametrize(
    "overrides, kind, fragments",
    [
        (
            {
                "reward_distribution": {
                    "value": {
                        "default_dist": {"dist_name": "bernoulli", "params": [0]},
                        "allow_all_equal_rewards": False,
                    }
                }
            },
            ConfigError,
            ["allow_all_equal_rewards", "bernoulli [0.0] gives all states the same value"],
        ),
        (
            {
                "reward_distribution": {
                    "value": {
                        "default_dist": {"dist_name": "bernoulli", "params": [1]},
                        "allow_all_equal_rewards": False,
                        "state_dists": {"(0, 0)": {"dist_name": "bernoulli", "params": [1]}},
                    }
                }
            },
            ConfigError,
            ["allow_all_equal_rewards", "same value"],
        ),
        (
            {
                "reward_distribution": {
                    "value": {
                        "default_dist": {"dist_name": "bernoulli", "params": [0.9999]},
                        "allow_all_equal_rewards": False,
                    }
                }
            },
            ConfigError,
            ["all-equal with probability", "after 1000 redraws"],
        ),
        (
            {"reward_distribution": {"value": {"default_dist": {"dist_name": "uniform", "params": [-1e308, 1e308]}}}},
            ConfigError,
            ["parameters.reward_distribution.value", "R/(1 - γ)", f"{MAX_VALUE_MAGNITUDE:g}"],
        ),
        (
            {
                "reward_distribution": {"value": {"default_dist": {"dist_name": "uniform", "params": [0, 1e149]}}},
                "discount_rate": {"value": 0.99},
            },
            ConfigError,
            ["values R/(1 - γ) up to 1e+151", "discount rate 0.99"],
        ),
        (
            {"reward_distribution": {"value": {"default_dist": {"dist_name": "pareto", "params": [1, 0.001]}}}},
            ConfigError,
            ["pareto [1.0, 0.001] has no mean"],
        ),
        (
            {"reward_distribution": {"value": {"default_dist": {"dist_name": "pareto", "params": [1e148, 3]}}}},
            ConfigError,
            ["R/(1 - γ)"],
        ),
        (
            {"convergence_threshold": {"value": 1e10}},
            ConfigError,
            ["parameters.convergence_threshold.value", "at most 1%", "got 1e+10"],
        ),
        ({"convergence_threshold": {"value": 0.02}}, ConfigError, ["0.01 x 1 = 0.01"]),
    ],
)
def test_experiments_that_cannot_be_computed_are_refused_before_anything_is_written(
    tmp_path, overrides, kind, fragments
):
    config = write_config(tmp_path, **overrides)
    refused(lambda: _prepare(tmp_path, config), kind, str(config), *fragments)
    assert not (tmp_path / "expts").exists()


def test_what_can_be_computed_still_is(tmp_path):
    # Thresholds scale with the rewards; degenerate rewards are fine when all-equal ones are allowed.
    for overrides in (
        {"convergence_threshold": {"value": 0.01}},
        {
            "reward_distribution": {"value": {"default_dist": {"dist_name": "uniform", "params": [0, 1000]}}},
            "convergence_threshold": {"value": 10.0},
        },
        {"reward_distribution": {"value": {"default_dist": {"dist_name": "bernoulli", "params": [0]}}}},
        {
            "reward_distribution": {
                "value": {"default_dist": {"dist_name": "bernoulli", "params": [0.5]}, "allow_all_equal_rewards": False}
            }
        },
        {
            "reward_distribution": {"value": {"default_dist": {"dist_name": "uniform", "params": [0, 1e148]}}},
            "convergence_threshold": {"value": 1e140},
        },
    ):
        check_environments(load_sweep_config(write_config(tmp_path, **overrides)), tmp_path)


def test_experiments_built_in_python_get_the_same_checks_as_configs():
    from powerplay import Experiment, RewardDistribution, load_mdp, run_experiment

    def experiment(dist: str, params: list[float], threshold: float = 1e-4) -> Experiment:
        rewards = RewardDistribution.from_config({"default_dist": {"dist_name": dist, "params": params}})
        return Experiment(
            "single_agent", load_mdp("3x3_gridworld"), 0.5, rewards, 10, 0, settings=SolverSettings(tolerance=threshold)
        )

    refused(lambda: run_experiment(experiment("pareto", [1, 0.5])), ConfigError, "has no mean")
    refused(
        lambda: run_experiment(experiment("uniform", [0, 1], threshold=0.5)),
        ConfigError,
        "at most 1% of the reward scale",
    )
    assert run_experiment(experiment("uniform", [0, 1])).power_mean().shape == (9,)


def test_heavy_tails_warn_that_standard_errors_are_unreliable(tmp_path):
    config = write_config(
        tmp_path, reward_distribution={"value": {"default_dist": {"dist_name": "pareto", "params": [1, 1.5]}}}
    )
    with pytest.warns(StatisticsWarning, match=r"pareto \[1.0, 1.5\] has infinite variance"):
        check_environments(load_sweep_config(config), tmp_path)
    light = write_config(
        tmp_path, reward_distribution={"value": {"default_dist": {"dist_name": "pareto", "params": [1, 3]}}}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", StatisticsWarning)
        check_environments(load_sweep_config(light), tmp_path)


def test_more_than_64_actions_are_refused_where_optimal_policies_are_needed(tmp_path):
    (tmp_path / "mdps").mkdir()
    wide = MAX_POLICY_ACTIONS + 2
    write_any(_many_action_mdp(wide, deterministic=True), tmp_path / "mdps" / "wide.yaml")
    write_any(_many_action_mdp(wide, deterministic=False), tmp_path / "mdps" / "noisy.yaml")
    config = write_config(tmp_path, mdp_graph={"value": "wide"})
    refused(
        lambda: _prepare(tmp_path, config),
        ConfigError,
        "parameters.mdp_graph.value",
        f"{wide + 1} actions",
        f"at most {MAX_POLICY_ACTIONS}",
    )
    assert not (tmp_path / "expts").exists()
    # Value iteration needs no policy masks: a stochastic MDP this wide runs.
    check_environments(load_sweep_config(write_config(tmp_path, mdp_graph={"value": "noisy"})), tmp_path)


def test_more_than_64_actions_of_agent_a_are_refused_for_multiagent_with_reward(tmp_path):
    (tmp_path / "mdps").mkdir()
    moves = {f"x_H^a{i}_A": {"s": 1.0} for i in range(MAX_POLICY_ACTIONS + 1)}
    write_any(JointMDP.from_dict({"s": moves}, name="wide joint"), tmp_path / "mdps" / "widejoint.yaml")
    config = write_config(
        tmp_path,
        mdp_graph=None,
        joint_mdp_graph={"value": "widejoint"},
        reward_distribution={"value": {"default_dist": {"dist_name": "uniform", "params": [0, 1]}}},
        seed_policy_graph_agent_A={"value": "uniform_random"},
        discount_rate_agent_A={"value": 0.5},
        reward_correlation={"value": 0.0},
    )
    refused(
        lambda: _prepare(tmp_path, config), ConfigError, "parameters.joint_mdp_graph.value", "Agent A has 65 actions"
    )
    assert not (tmp_path / "expts").exists()


def test_names_too_long_for_a_file_name_are_one_line_lookup_errors(tmp_path):
    """Every caller of the resolver gets a ResolveError, not an OSError from the file system."""
    from powerplay.errors import ResolveError
    from powerplay.runner.resolve import resolve_mdp, resolve_policy

    (tmp_path / "mdps").mkdir()
    (tmp_path / "policies").mkdir()
    long_name = "x" * 300
    refused(lambda: resolve_mdp(long_name, tmp_path), ResolveError, "MDP 'xxx", "cannot be looked up as a file")
    refused(lambda: resolve_policy(long_name, tmp_path), ResolveError, "policy 'xxx", "cannot be looked up as a file")
    config = write_config(tmp_path, mdp_graph={"value": long_name})
    result = runner.invoke(app, ["run", str(config), "-o", str(tmp_path / "expts"), "--no-figures"])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1 and "mdp_graph" in result.stderr
    assert not (tmp_path / "expts").exists()


# -- Hypothesis: the config parser never fails other than in one line [8] ----------------------------

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["3x3_gridworld", "uniform", "stay", "maze", "uniform_random", "0p9", "-", "../x"]),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(st.text(max_size=12), _SCALARS.filter(lambda k: isinstance(k, (str, int, bool)) or k is None)),
            children,
            max_size=4,
        ),
    ),
    max_leaves=12,
)


def _clean_outcome(text: str | bytes, workdir: Path) -> None:
    try:
        config = parse_sweep_config(text, "fuzz.yaml")
        check_environments(config, workdir)
        config.runs()
    except PowerplayError as error:
        assert_one_line(error)


@FUZZ
@given(text=st.one_of(st.text(max_size=300), st.binary(max_size=300)))
def test_fuzz_random_text_and_bytes(text, tmp_path_factory):
    _clean_outcome(text, tmp_path_factory.getbasetemp())


@FUZZ
@given(
    document=st.dictionaries(
        st.sampled_from(["name", "description", "program", "parameters", "other"]), _VALUES, max_size=5
    )
)
def test_fuzz_random_yaml_documents(document, tmp_path_factory):
    _clean_outcome(yaml.safe_dump(document, allow_unicode=True), tmp_path_factory.getbasetemp())


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, prefix + (index,))


_VALID = {
    "name": "fuzzed",
    "description": "a config to mutate",
    "parameters": {
        **parameters(mdp_graph={"values": ["3x3_gridworld", {"generator": "maze", "rows": 2, "cols": 3, "seed": 1}]}),
        "convergence_threshold": {"value": 0.0001},
    },
}
_VALID_PATHS = list(_paths(_VALID))


@FUZZ
@given(
    edits=st.lists(
        st.tuples(st.sampled_from(_VALID_PATHS), st.sampled_from(["set", "delete", "add"]), _VALUES),
        min_size=1,
        max_size=3,
    )
)
@example(edits=[((), "set", None), (("name",), "add", None)])  # the whole document replaced, then edited
def test_fuzz_mutations_of_a_valid_config(edits, tmp_path_factory):
    document = json.loads(json.dumps(_VALID))
    for path, action, value in edits:
        if not path:
            document = value
            continue
        parent = document
        try:
            for key in path[:-1]:
                parent = parent[key]
            if action == "set":
                parent[path[-1]] = value
            elif action == "delete":
                del parent[path[-1]]
            elif isinstance(parent, dict):
                parent[str(value)[:10]] = value
            elif isinstance(parent, list):
                parent.append(value)
        except (KeyError, IndexError, TypeError):  # the path is gone (an earlier edit replaced a container)
            continue
    _clean_outcome(yaml.safe_dump(document, allow_unicode=True), tmp_path_factory.getbasetemp())


# -- run and sweep folders: damage, links, leftovers [3, 4, 10] --------------------------------------


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished two-run sweep (samples kept), copied by each test that damages it."""
    folder = tmp_path_factory.mktemp("finished")
    config = write_config(folder)
    sweep = run_sweep(config, folder / "expts")
    return folder, sweep.path.name


@pytest.fixture
def sweep_copy(finished, tmp_path):
    folder, name = finished
    shutil.copytree(folder, tmp_path / "work", symlinks=True)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "keep.txt").write_text("not powerplay's")
    return tmp_path / "work", tmp_path / "work" / "expts" / name, tmp_path / "outside"


def _run(work: Path, **options):
    return run_sweep(work / "hostile.yaml", work / "expts", **options)


def _damage(run: Path, other: Path, outside: Path, name: str, how: str) -> None:
    path = run / name
    data = path.read_bytes()
    if how == "garbage":
        path.write_bytes(b"\x00\xff garbage {[" + data[:7])
    elif how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "missing":
        path.unlink()
    elif how == "swapped":  # the same file of the sweep's other run
        shutil.copyfile(other / name, path)
    elif how == "link-outside":
        shutil.copyfile(path, outside / name)
        path.unlink()
        path.symlink_to(outside / name)
    elif how == "dev-zero":
        path.unlink()
        path.symlink_to("/dev/zero")
    elif how == "directory":
        path.unlink()
        path.mkdir()
    elif how == "wrong-types":
        wrong = {
            "run.json": '{"num_reward_samples": "many", "convergence": [1], "files": 7}',
            "run.yaml": "[1, 2, 3]\n",
            "power.csv": "state,power_H,power_H_sem\nx,one,two\n",
        }
        path.write_text(wrong.get(name, "{}"))


FILES = ["run.json", "run.yaml", "power.csv", "summary.npz", "samples.npz"]
DAMAGES = [
    "garbage",
    "truncated",
    "empty",
    "missing",
    "swapped",
    "link-outside",
    "dev-zero",
    "directory",
    "wrong-types",
]


@pytest.mark.parametrize("how", DAMAGES)
@pytest.mark.parametrize("name", FILES)
def test_a_damaged_finished_run_is_refused_by_name_or_recomputed_with_repair(sweep_copy, name, how):
    work, sweep, outside = sweep_copy
    runs = sorted(p for p in sweep.iterdir() if p.is_dir())
    run, other = runs
    original = (run / "power.csv").read_bytes()
    _damage(run, other, outside, name, how)
    before_outside = listing(outside)

    # Reading it back (powerplay show, load_sweep): a result or one line, never anything else.
    try:
        stored = load_sweep(sweep)
        stored.table()
        for each in stored.runs:
            each.power_mean("H")
            if each.samples_kept:
                each.power["H"]
    except PowerplayError as error:
        assert_one_line(error)

    if not (how == "missing" and name == "run.json"):  # without run.json the run is simply unfinished
        if how == "directory":
            refused(lambda: _run(work), SweepError, name, "remove it")
        else:
            refused(lambda: _run(work), SweepError, str(run), "--repair")
    try:
        repaired = _run(work, repair=True)
    except SweepError as error:  # only a folder in a file's place is left for the user to remove
        assert how == "directory", error
        assert_one_line(error, "remove it")
    else:
        assert repaired.is_complete
        assert (run / "power.csv").read_bytes() == original  # recomputed to the same numbers
        assert not (run / name).is_symlink()
    assert listing(outside) == before_outside


def test_truncated_or_crafted_sample_archives_fail_in_one_line_without_allocating(sweep_copy):
    _, sweep, _ = sweep_copy
    run = sorted(p for p in sweep.iterdir() if p.is_dir())[0]
    archive = run / "samples.npz"
    import zipfile

    # A header announcing a petabyte array in an entry of a few bytes.
    with zipfile.ZipFile(archive, "w") as handle:
        header = np.lib.format.header_data_from_array_1_0(np.zeros((2, 2)))
        header["shape"] = (10**8, 10**7)
        buffer = __import__("io").BytesIO()
        np.lib.format.write_array_header_1_0(buffer, header)
        handle.writestr("power_H.npy", buffer.getvalue() + b"\0" * 32)
        handle.writestr("states.npy", b"\x93NUMPY garbage")
    samples = SampleArchive(archive)
    refused(lambda: samples.load("H"), FileFormatError, "entry power_H is damaged", "announces")
    refused(lambda: samples.rows("H", 0, 10), FileFormatError, "power_H")
    refused(lambda: samples.states(), FileFormatError, "states")
    archive.write_bytes(archive.read_bytes()[:50])
    refused(lambda: SampleArchive(archive), FileFormatError, "not a readable sample archive")


def test_a_run_folder_replaced_by_a_link_is_never_written_through(sweep_copy):
    work, sweep, outside = sweep_copy
    run, other = sorted(p for p in sweep.iterdir() if p.is_dir())
    shutil.copytree(other, outside / "elsewhere")
    (outside / "elsewhere" / "samples.npz").unlink()  # damaged: --repair would have deleted run.json there
    shutil.rmtree(run)
    run.symlink_to(outside / "elsewhere", target_is_directory=True)
    before = listing(outside)
    for repair in (False, True):
        refused(lambda: _run(work, repair=repair), SweepError, str(run), "symbolic link")
    assert listing(outside) == before
    assert [r.name for r in load_sweep(sweep).runs] == [other.name]  # not read through the link either


def test_a_lock_file_replaced_by_a_link_creates_nothing_elsewhere(sweep_copy):
    work, sweep, outside = sweep_copy
    (sweep / ".lock").unlink(missing_ok=True)
    (sweep / ".lock").symlink_to(outside / "created-by-lock")
    refused(lambda: _run(work), SweepError, ".lock")
    assert not (outside / "created-by-lock").exists()


@pytest.mark.parametrize(
    "field, value, fragment",
    [
        ("sweep_id", "../../x", "is not a 4-digit id"),
        ("name", "../escape", "not a plain folder name"),
        ("name", "x\x1b[31m", "not a plain folder name"),
        ("runs.0.folder", "../../outside", "not a run folder of this sweep"),
        ("runs.0.folder", "/etc", "not a run folder of this sweep"),
        ("runs.1.folder", "{first}", "not a run folder of this sweep"),
        ("runs.0.suffix", 5, "run entry"),
        ("runs.0.names", {"discount_rate": [1]}, "not a string"),
        ("swept", {"discount_rate": {"values": [0.3, 0.9], "names": ["0p3"]}}, "one name"),
        ("environments", [1], "environments should be"),
        ("random_seed", "seven", "random_seed should be"),
        ("overrides", 3, "overrides should be"),
        ("description", {"x": 1}, "description should be"),
    ],
)
def test_a_tampered_sweep_record_is_refused_and_leads_nowhere(sweep_copy, field, value, fragment):
    work, sweep, outside = sweep_copy
    record_path = sweep / "sweep.json"
    record = json.loads(record_path.read_text())
    node, *keys = field.split(".")
    target = record
    for key in [node, *keys][:-1]:
        target = target[int(key)] if isinstance(target, list) else target[key]
    last = [node, *keys][-1]
    value = record["runs"][0]["folder"] if value == "{first}" else value
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    record_path.write_text(json.dumps(record))
    before_work, before_outside = listing(work), listing(outside)
    refused(lambda: read_sweep_record(sweep), FileFormatError, "sweep.json", fragment)
    refused(lambda: load_sweep(sweep), FileFormatError, fragment)
    refused(lambda: _run(work), SweepError, "sweep.json", "--new")  # not silently replaced by a new sweep
    assert listing(work) == before_work and listing(outside) == before_outside
    assert _run(work, new=True).is_complete  # the explicit way out


def test_a_sweep_record_listing_other_runs_than_its_config_is_not_resumed(sweep_copy):
    work, sweep, _ = sweep_copy
    record = json.loads((sweep / "sweep.json").read_text())
    record["runs"] = record["runs"][:1]
    (sweep / "sweep.json").write_text(json.dumps(record))
    refused(lambda: _run(work), SweepError, "lists other runs", "--new")


def test_resuming_after_an_environment_file_changed_is_refused(tmp_path):
    (tmp_path / "mdps").mkdir()
    write_any(_many_action_mdp(3, deterministic=True), tmp_path / "mdps" / "small.yaml")
    config = write_config(tmp_path, mdp_graph={"value": "small"})

    from powerplay.runner.events import SweepListener

    class StopAfterFirst(SweepListener):  # Ctrl-C after the first run
        def on_run_finished(self, run, folder, info, reused):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(config, tmp_path / "expts", workdir=tmp_path, listeners=StopAfterFirst())
    write_any(_many_action_mdp(4, deterministic=True), tmp_path / "mdps" / "small.yaml")  # same name, other MDP
    refused(
        lambda: run_sweep(config, tmp_path / "expts", workdir=tmp_path),
        SweepError,
        "small.yaml changed since sweep 0001-hostile was started",
        "--new",
    )
    assert run_sweep(config, tmp_path / "expts", workdir=tmp_path, new=True).path.name == "0002-hostile"


def test_stale_temporary_files_are_cleaned_on_resume_and_fresh_ones_kept(sweep_copy):
    work, sweep, _ = sweep_copy
    run = sorted(p for p in sweep.iterdir() if p.is_dir())[0]
    old, fresh, pending_left = (
        sweep / ".sweep.json.abc.tmp",
        run / ".power.csv.fresh.tmp",
        run / ".samples-scratch-x-H.raw",
    )
    for path in (old, fresh, pending_left):
        path.write_bytes(b"x" * 1000)
    os.utime(old, (0, 0))  # a writer killed long ago
    _run(work)
    assert not old.exists()
    assert fresh.exists()  # may belong to a writer still at work: only old ones go
    # A run killed while writing: its folder loses everything the writer left.
    (run / "run.json").unlink()
    _run(work)
    assert not fresh.exists() and not pending_left.exists()


def test_result_files_follow_the_umask(tmp_path):
    previous = os.umask(0o027)
    try:
        sweep = run_sweep(write_config(tmp_path), tmp_path / "expts")
    finally:
        os.umask(previous)
    files = [p for p in sweep.path.rglob("*") if p.is_file() and p.name != ".lock"]
    assert files and {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o640}


def test_output_folder_problems_are_found_before_anything_is_written(tmp_path, monkeypatch):
    config = write_config(tmp_path)
    (tmp_path / "afile").write_text("x")
    refused(lambda: prepare_sweep(config, SweepOptions(output_dir=tmp_path / "afile")), SweepError, "is a file")
    refused(lambda: run_sweep(config, tmp_path / "afile" / "sub"), SweepError, "cannot be created", "afile is a file")
    monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)  # a read-only folder, even for root
    refused(lambda: run_sweep(config, tmp_path / "ro"), SweepError, "cannot be written", "permission denied")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "hostile.yaml"]


def test_kept_samples_that_cannot_fit_on_the_disk_are_refused_up_front(tmp_path, monkeypatch):
    config = write_config(tmp_path)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: SimpleNamespace(total=10**6, used=10**6 - 100, free=100))
    error = refused(
        lambda: run_sweep(config, tmp_path / "expts", keep_samples=True),
        ResourceLimitError,
        "keeping the samples of 2 run(s) needs up to",
        "only 100 bytes is free",
    )
    assert error.estimate == 3 * 8 * 64 * 9 and error.limit == 100
    assert not (tmp_path / "expts").exists()


def test_runs_that_cannot_fit_in_memory_are_refused_before_the_sweep_exists(tmp_path, monkeypatch):
    import psutil

    config = write_config(tmp_path)
    monkeypatch.setattr(psutil, "virtual_memory", lambda: SimpleNamespace(available=1000))
    error = refused(lambda: run_sweep(config, tmp_path / "expts"), ResourceLimitError, "of memory but", "is available")
    assert error.limit == 1000 and error.estimate > 1000
    assert not (tmp_path / "expts").exists()
    # the same with the executor the CLI passes in
    refused(
        lambda: run_sweep(config, tmp_path / "expts", executor=LocalExecutor(threads=1)),
        ResourceLimitError,
        "of memory but",
    )
    result = runner.invoke(app, ["run", str(config), "-o", str(tmp_path / "expts"), "--no-figures"])
    assert result.exit_code == 2 and "of memory but" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "expts").exists()

    class Cluster:  # computes elsewhere: its workers have their own memory, not this machine's to judge
        def solve(self, jobs):
            raise AssertionError("not reached")

        def describe(self):
            return "elsewhere"

        def close(self):
            pass

    prepare_sweep(config, SweepOptions(output_dir=tmp_path / "expts", workdir=tmp_path), Cluster())
    assert (tmp_path / "expts").is_dir()


def test_a_full_disk_while_creating_the_sweep_leaves_nothing_half_made(tmp_path, monkeypatch):
    from powerplay.storage import sweeps

    config = write_config(tmp_path)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp_path / "expts"))

    monkeypatch.setattr(sweeps, "write_sweep_record", full)
    result = runner.invoke(app, ["run", str(config), "-o", str(tmp_path / "expts"), "--no-figures"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.strip().splitlines()[-1].startswith("error: No space left on device")
    assert f"No space left on device ({tmp_path / 'expts'}); finished runs are saved" in result.stderr
    assert list((tmp_path / "expts").iterdir()) == []  # the half-made sweep folder is gone
    monkeypatch.undo()
    assert run_sweep(config, tmp_path / "expts").path.name == "0001-hostile"


def test_a_full_disk_while_writing_a_run_keeps_finished_runs(tmp_path, monkeypatch):
    from powerplay.storage import runs

    config = write_config(tmp_path)
    original, calls = runs.atomic_write_json, []

    def fills_up(path, value):
        calls.append(path)
        if Path(path).name == "run.json" and len([c for c in calls if Path(c).name == "run.json"]) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return original(path, value)

    monkeypatch.setattr(runs, "atomic_write_json", fills_up)
    result = runner.invoke(app, ["run", str(config), "-o", str(tmp_path / "expts"), "--no-figures"])
    assert result.exit_code == 2 and result.stderr.strip().splitlines()[-1].startswith("error: No space left on device")
    assert "finished runs are saved" in result.stderr
    monkeypatch.undo()
    assert load_sweep("0001", tmp_path / "expts").run_suffixes == ["discount_rate__0p3"]
    assert run_sweep(config, tmp_path / "expts").is_complete
    assert not list((tmp_path / "expts").rglob(".*.tmp"))


# -- the Dask scheduler option [5] -------------------------------------------------------------------


@pytest.mark.parametrize(
    "content, fragment",
    [
        (b'{"address": "tcp://127.0.0.1:8786", "address": "tcp://evil:1"}', "duplicate key"),
        (b"[" * 100_000, "nested more than"),
        (b'{"address": 5}', '"address" string'),
        (b'{"address": "tcp://127.0.0.1:99999"}', "port 99999"),
        (b'{"address": "tcp://a b:1"}', "not a Dask scheduler address"),
        (b"\xff\xfe{}", "UTF-16"),
    ],
)
def test_scheduler_files_are_read_within_limits(tmp_path, content, fragment):
    path = tmp_path / "scheduler.json"
    path.write_bytes(content)
    refused(lambda: parse_scheduler(str(path)), PowerplayError, "--scheduler", fragment)


def test_scheduler_addresses_that_are_not_addresses():
    for value in ("/dev/zero", "tcp://host", "x" * 100_000, "tcp://\x1b[31m:1"):
        message = assert_one_line(refused(lambda: parse_scheduler(value), PowerplayError, "--scheduler"))
        assert len(message) < 300


# -- numbers: the largest allowed rewards still give exact, finite statistics [9] ---------------------


# 4e149: values R/(1 - γ) up to 8e149 at γ = 0.5, just inside MAX_VALUE_MAGNITUDE. 1e-9: below the
# default tie tolerance (1e-8), which would tie every action unless it scales with the rewards.
@pytest.mark.parametrize("scale", [4e149, 1e-9])
def test_rescaled_rewards_give_finite_scale_exact_statistics(tmp_path, scale):
    joint = {
        "mdp_graph": None,
        "joint_mdp_graph": {"value": "joint_3x3_gridworld"},
        "seed_policy_graph_agent_A": {"value": "joint_3x3_gridworld_agent_A_uniform_random"},
        "discount_rate": {"value": 0.5},
        "discount_rate_agent_A": {"value": 0.5},
        "reward_correlation": {"value": 0.5},
        "num_reward_samples": {"value": 300},
    }
    unit = run_sweep(
        write_config(
            tmp_path,
            "unit",
            **joint,
            reward_distribution={"value": {"default_dist": {"dist_name": "uniform", "params": [0, 1]}}},
        ),
        tmp_path / "expts",
    )
    huge = run_sweep(
        write_config(
            tmp_path,
            "huge",
            **joint,
            convergence_threshold={"value": 1e-4 * scale},
            reward_distribution={"value": {"default_dist": {"dist_name": "uniform", "params": [0, scale]}}},
        ),
        tmp_path / "expts",
    )
    a, b = unit.runs[0], huge.runs[0]
    for key in ("H", "A"):
        mean, sem = b.power_mean(key), b.power_sem(key)
        assert np.all(np.isfinite(mean)) and np.all(np.isfinite(sem)) and np.all(sem > 0)
        np.testing.assert_allclose(mean / scale, a.power_mean(key), rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(sem / scale, a.power_sem(key), rtol=1e-6, atol=1e-6)
    assert b.info["alignment"]["alpha"] == pytest.approx(a.info["alignment"]["alpha"], abs=1e-6)
    table = (b.path / "power.csv").read_text()
    assert "inf" not in table and "nan" not in table


# -- the command line, through the real entry point [8, 10] ------------------------------------------


def _powerplay() -> list[str]:
    script = Path(sys.executable).parent / "powerplay"
    return (
        [str(script)]
        if script.exists()
        else [sys.executable, "-c", "from powerplay.interfaces.cli import main; main()"]
    )


def _cli(folder: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``powerplay ARGS`` in a fresh process inside ``folder`` (its own HOME and TMPDIR), with a memory cap."""
    for sub in ("home", "tmp"):
        (folder / sub).mkdir(exist_ok=True)
    env = {
        **os.environ,
        "HOME": str(folder / "home"),
        "TMPDIR": str(folder / "tmp"),
        "MPLBACKEND": "Agg",
        "POWERPLAY_SAMPLES": "",
    }
    cap = textwrap.dedent("""
        import resource, os, sys
        resource.setrlimit(resource.RLIMIT_AS, (4 * 2**30, 4 * 2**30))
        os.execv(sys.argv[1], sys.argv[1:])
    """)
    argv = _powerplay()
    command = [sys.executable, "-c", cap, *argv, *args] if argv[0] != sys.executable else [*argv, *args]
    return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=timeout)


def assert_cli_error(done: subprocess.CompletedProcess, *fragments: str) -> str:
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr + done.stdout
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: "), done.stderr[-2000:]
    assert not any(ord(c) < 32 for c in last), repr(last)  # control characters escaped
    for fragment in fragments:
        assert fragment in last, last
    return last


def _cli_inputs(folder: Path) -> dict[str, list[str]]:
    (folder / "deep.yaml").write_text("name: x\nparameters: " + "[" * 1_000_000 + "]" * 1_000_000)
    (folder / "bomb.yaml").write_text(_alias_bomb_groups(levels=9))
    (folder / "dup.yaml").write_text(config_text() + "name: twice\n")
    (folder / "esc.yaml").write_text(config_text(mdp_graph={"value": "no\x1b[2Jsuch"}))
    (folder / "ok.yaml").write_text(config_text(num_reward_samples={"value": 20}))
    (folder / "afile").write_text("x")
    return {
        "dev-zero": ["run", "/dev/zero"],
        "deep": ["run", "deep.yaml"],
        "alias-bomb": ["run", "bomb.yaml"],
        "duplicate-key": ["run", "dup.yaml"],
        "control-characters": ["run", "esc.yaml"],
        "output-is-a-file": ["run", "ok.yaml", "-o", "afile"],
        "samples-10**23": ["run", "ok.yaml", "-n", str(10**23)],
        "workers-0": ["run", "ok.yaml", "--workers", "0"],
    }


@pytest.mark.parametrize(
    "case, fragment",
    [
        ("dev-zero", "character device"),
        ("deep", "nest"),
        ("alias-bomb", "over the limit"),
        ("workers-0", "--workers"),
        ("duplicate-key", "duplicate key 'name'"),
        ("control-characters", "\\x1b[2J"),
        ("output-is-a-file", "is a file"),
        ("samples-10**23", "--samples"),
    ],
)
def test_cli_one_line_errors_in_a_fresh_process(tmp_path, case, fragment):
    commands = _cli_inputs(tmp_path)
    # The user's own results in the checkout (e.g. the README's first command's) stay as they were.
    repository_results = Path(__file__).resolve().parents[1] / "expts"
    results_before = _stat_listing(repository_results)
    before = listing(tmp_path)
    done = _cli(tmp_path, *commands[case])
    assert_cli_error(done, fragment)
    after = listing(tmp_path)
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    assert not {k for k in changed if k.split(os.sep)[0] not in ("home", "tmp")}, changed  # not even an empty expts/
    assert not list((tmp_path / "tmp").glob("powerplay-crash-*"))
    assert _stat_listing(repository_results) == results_before


def test_a_scheduler_answering_garbage_is_one_line_and_a_quick_exit(tmp_path):
    pytest.importorskip("distributed")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)

    def answer_garbage() -> None:
        held = []
        while True:
            try:
                connection, _ = server.accept()
                held.append(connection)  # kept open: the client must not wait for our close
                connection.sendall(np.random.default_rng(0).bytes(4096))
            except OSError:
                return

    threading.Thread(target=answer_garbage, daemon=True).start()
    try:
        (tmp_path / "ok.yaml").write_text(config_text(num_reward_samples={"value": 20}))
        done = _cli(
            tmp_path, "run", "ok.yaml", "--no-figures", "--scheduler", f"tcp://127.0.0.1:{server.getsockname()[1]}"
        )
    finally:
        server.close()
    assert_cli_error(done, "cannot reach a Dask scheduler")
    # the half-built client is closed where it failed, not by its __del__ at exit
    assert "Exception ignored" not in done.stderr and "TimeoutError" not in done.stderr, done.stderr[-2000:]


def test_cli_show_and_run_on_a_damaged_sweep_in_a_fresh_process(sweep_copy):
    work, sweep, _outside = sweep_copy
    run = sorted(p for p in sweep.iterdir() if p.is_dir())[0]
    (run / "run.json").write_text('{"num_reward_samples": "x\\u001b[2J"}')
    assert_cli_error(_cli(work, "show", "1"), "run.json", "num_reward_samples should be")
    assert_cli_error(_cli(work, "run", "hostile.yaml", "--no-figures"), "--repair")
    done = _cli(work, "run", "hostile.yaml", "--no-figures", "--repair")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "recomputing it (--repair)" in done.stderr and "reused" in done.stdout and "new" in done.stdout
