"""Sweeps: run folders, resuming, reproducibility, the results API, every reference config end to end."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import REFERENCE

from powerplay.compat.get import (
    get_properties_from_run,
    get_sweep_run_suffixes_for_param,
    get_sweep_state_list,
    get_sweep_type,
)
from powerplay.errors import SweepError, SweepNotFoundError
from powerplay.runner.build import build_experiment
from powerplay.runner.config import load_sweep_config
from powerplay.runner.events import SweepListener
from powerplay.runner.executors import LocalExecutor
from powerplay.runner.experiment import solve_chunk
from powerplay.runner.sweep import run_sweep
from powerplay.storage.sweeps import load_sweep

REFERENCE_CONFIGS = sorted((REFERENCE / "powerplay-configs").rglob("*.yaml"))
needs_reference = pytest.mark.skipif(
    not REFERENCE_CONFIGS,
    reason="interop with the reference tool's own config files: ../shared/reference/powerplay-configs is not beside the repository",
)

UNIFORM = {"default_dist": {"dist_name": "uniform", "params": [0, 1]}, "allow_all_equal_rewards": False}


@pytest.fixture(autouse=True)
def _no_samples_override(monkeypatch):
    monkeypatch.delenv("POWERPLAY_SAMPLES", raising=False)


def write_config(folder: Path, name: str, parameters: dict, file_name: str | None = None) -> Path:
    path = folder / (file_name or f"{name}.yaml")
    path.write_text(yaml.safe_dump({"name": name, "description": "test", "parameters": parameters}, sort_keys=False))
    return path


def maze_config(folder: Path, samples: int = 300, seed=0, name="maze") -> Path:
    return write_config(
        folder,
        name,
        {
            "mdp_graph": {"value": "7x7_gridworld_maze"},
            "discount_rate": {"values": [0.1, 0.9, 0.99], "names": ["0p1", "0p9", "0p99"]},
            "reward_distribution": {"value": UNIFORM},
            "num_reward_samples": {"value": samples},
            "convergence_threshold": {"value": 0.0001},
            "random_seed": {"value": seed},
        },
    )


def correlation_config(folder: Path, samples: int = 200) -> Path:
    return write_config(
        folder,
        "corr",
        {
            "joint_mdp_graph": {"value": "joint_3x3_gridworld"},
            "seed_policy_graph_agent_A": {"value": "joint_3x3_gridworld_agent_A_uniform_random"},
            "discount_rate": {"value": 0.6},
            "discount_rate_agent_A": {"value": 0.6},
            "reward_distribution": {"value": UNIFORM},
            "reward_correlation": {"values": [1, 0.5], "names": ["1", "0p5"]},
            "num_reward_samples": {"value": samples},
            "random_seed": {"value": 5},
        },
    )


# -- folders and files ------------------------------------------------------------------------


def test_sweep_folder_layout_and_run_contract(tmp_path):
    config = maze_config(tmp_path)
    sweep = run_sweep(config, tmp_path / "expts")
    assert sweep.path == tmp_path / "expts" / "0001-maze"
    assert (sweep.path / "config.yaml").read_bytes() == config.read_bytes()
    names = sorted(p.name for p in sweep.path.iterdir() if p.is_dir())
    assert names == ["0001-maze-discount_rate__0p1", "0001-maze-discount_rate__0p9", "0001-maze-discount_rate__0p99"]
    record = json.loads((sweep.path / "sweep.json").read_text())
    assert record["sweep_id"] == "0001" and record["experiment_type"] == "single_agent" and "finished" in record
    assert record["swept"] == {"discount_rate": {"values": [0.1, 0.9, 0.99], "names": ["0p1", "0p9", "0p99"]}}

    folder = sweep.path / "0001-maze-discount_rate__0p9"
    # 300 x 31 samples are small, so they are kept (automatically) in samples.npz.
    assert sorted(p.name for p in folder.iterdir()) == [
        "power.csv",
        "run.json",
        "run.yaml",
        "samples.npz",
        "summary.npz",
    ]
    run_config = yaml.safe_load((folder / "run.yaml").read_text())
    assert run_config == {
        "mdp_graph": "7x7_gridworld_maze",
        "discount_rate": 0.9,
        "reward_distribution": UNIFORM,
        "num_reward_samples": 300,
        "convergence_threshold": 0.0001,
        "random_seed": 0,
        "experiment_type": "single_agent",
        "value_names": {"discount_rate": "0p9"},
        "sweep_id": "0001",
        "sweep_name": "maze",
        "run_suffix": "discount_rate__0p9",
    }
    exp = build_experiment(run_config)  # run.yaml rebuilds the run's experiment
    assert (exp.discount_rate, exp.num_reward_samples, exp.random_seed, exp.mdp.num_states) == (0.9, 300, 0, 31)
    info = json.loads((folder / "run.json").read_text())
    assert (
        info["num_reward_samples"] == 300 and info["random_seed"] == 0 and info["sources"] == {"mdp_graph": "builtin"}
    )
    assert info["seconds"] > 0 and info["samples_per_second"] == pytest.approx(300 / info["seconds"])
    assert info["samples_kept"] is True and set(info["files"]) == {
        "run.yaml",
        "power.csv",
        "summary.npz",
        "samples.npz",
    }
    with open(folder / "power.csv", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["state", "power_H", "power_H_sem"] and len(rows) == 32
    with np.load(folder / "samples.npz") as data:  # compressed, but a plain .npz
        power = data["power_H"]
        assert power.shape == (300, 31) and "rewards_H" not in data.files  # rewards are drawn again from the seed
    np.testing.assert_allclose([float(r[1]) for r in rows[1:]], power.mean(axis=0), rtol=1e-9)
    np.testing.assert_allclose([float(r[2]) for r in rows[1:]], power.std(axis=0, ddof=1) / np.sqrt(300), rtol=1e-9)
    # POWER with U[0, 1] rewards is an average of rewards: it lies in [0, 1].
    assert power.min() >= -1e-4 and power.max() <= 1 + 1e-4


def test_multiagent_power_table_and_diagnostic_columns(tmp_path):
    sweep = run_sweep(correlation_config(tmp_path), tmp_path / "expts", diagnostic=True)
    header = (sweep.run_folder("reward_correlation__1") / "power.csv").read_text().splitlines()[0]
    assert header == (
        "state,power_H,power_H_sem,power_A,power_A_sem,power_H_against_seed,power_H_against_seed_sem,"
        "power_A_seed,power_A_seed_sem"
    )
    same = sweep.run(reward_correlation=1)
    np.testing.assert_array_equal(same.rewards["A"], same.rewards["H"])
    np.testing.assert_allclose(same.power["A"], same.power["H"], atol=2e-4)
    plain = run_sweep(correlation_config(tmp_path), tmp_path / "expts")
    assert plain.path != sweep.path  # diagnostic changes results, so it is another sweep
    assert "power_H_against_seed" not in (plain.run_folder("reward_correlation__1") / "power.csv").read_text()


def test_several_swept_parameters_make_a_grid(tmp_path):
    config = write_config(
        tmp_path,
        "grid",
        {
            "mdp_graph": {"value": "3x3_gridworld"},
            "random_seed": {"values": [1, 2], "names": ["s1", "s2"]},
            "discount_rate": {"values": [0.2, 0.8], "names": ["0p2", "0p8"]},
            "reward_distribution": {"value": UNIFORM},
            "num_reward_samples": {"value": 50},
        },
    )
    sweep = run_sweep(config, tmp_path / "expts")
    assert sweep.run_suffixes == [
        "discount_rate__0p2-random_seed__s1",
        "discount_rate__0p8-random_seed__s1",
        "discount_rate__0p2-random_seed__s2",
        "discount_rate__0p8-random_seed__s2",
    ]
    assert (sweep.path / "0001-grid-discount_rate__0p8-random_seed__s2" / "run.json").is_file()
    run = sweep.run(random_seed=2, discount_rate="0p8")
    assert run.config["random_seed"] == 2 and run.config["discount_rate"] == 0.8
    with pytest.raises(SweepNotFoundError, match="matches 2 runs"):
        sweep.run(random_seed=2)
    assert get_sweep_run_suffixes_for_param(sweep.path, "random_seed") == ["random_seed__s1", "random_seed__s2"]
    props = get_properties_from_run(sweep.path, "random_seed__s1-discount_rate__0p2")
    assert props["random_seed"] == 1 and props["discount_rate"] == 0.2


def test_nothing_swept_gives_one_run_named_like_the_sweep(tmp_path):
    config = write_config(
        tmp_path,
        "single",
        {
            "mdp_graph": {"value": "3x3_gridworld"},
            "discount_rate": {"value": 0.6},
            "reward_distribution": {"value": UNIFORM},
            "num_reward_samples": {"value": 40},
            "random_seed": {"value": 0},
        },
    )
    sweep = run_sweep(config, tmp_path / "expts")
    assert sweep.run_suffixes == [""] and (sweep.path / "0001-single" / "run.json").is_file()
    props = get_properties_from_run("0001", folder=tmp_path / "expts")
    assert props["power_samples"].shape == (40, 9) and props["sweep_type"] == "single_agent"


# -- reproducibility and resuming --------------------------------------------------------------


def test_results_do_not_depend_on_workers_or_chunking(tmp_path):
    config = correlation_config(tmp_path, samples=1100)  # more than one reward block (1024)
    a = run_sweep(config, tmp_path / "a", workers=1, chunk_size=100)
    b = run_sweep(config, tmp_path / "b", workers=2)
    for suffix in a.run_suffixes:
        for name in ("samples.npz", "summary.npz", "power.csv"):
            assert (a.run_folder(suffix) / name).read_bytes() == (b.run_folder(suffix) / name).read_bytes(), name
        assert a.run(suffix).info["alignment"] == b.run(suffix).info["alignment"]


class InterruptAfter(SweepListener):
    """Simulates Ctrl-C once ``runs`` runs have been computed."""

    def __init__(self, runs: int):
        self.left = runs

    def on_run_finished(self, run, folder, info, skipped):
        if not skipped:
            self.left -= 1
            if self.left == 0:
                raise KeyboardInterrupt


def test_interrupted_sweep_resumes_to_identical_results(tmp_path):
    config = maze_config(tmp_path)
    reference = run_sweep(config, tmp_path / "uninterrupted")

    with pytest.raises(KeyboardInterrupt):
        run_sweep(config, tmp_path / "expts", listeners=InterruptAfter(1))
    partial = load_sweep("0001", tmp_path / "expts")
    assert partial.run_suffixes == ["discount_rate__0p1"] and not partial.is_complete
    first_info = (partial.run_folder("discount_rate__0p1") / "run.json").read_text()

    # A run killed while writing: files present, run.json missing, a temporary file and scratch file left behind.
    killed = partial.run_folder("discount_rate__0p9")
    killed.mkdir()
    (killed / "samples.npz").write_bytes(b"half-written")
    (killed / ".power.csv.abc123.tmp").write_bytes(b"x" * 1000)
    (killed / ".samples-scratch-xyz-H.raw").write_bytes(b"x" * 1000)

    class Record(SweepListener):
        skipped: list = []

        def on_run_finished(self, run, folder, info, skipped):
            self.skipped.append((run.suffix, skipped))

    progress = Record()
    resumed = run_sweep(config, tmp_path / "expts", listeners=progress)
    assert not [p.name for p in killed.iterdir() if p.name.startswith(".")]  # leftovers of the killed writer are gone
    assert resumed.path == partial.path and resumed.is_complete
    assert progress.skipped == [
        ("discount_rate__0p1", True),
        ("discount_rate__0p9", False),
        ("discount_rate__0p99", False),
    ]
    assert (partial.run_folder("discount_rate__0p1") / "run.json").read_text() == first_info  # not recomputed
    for suffix in reference.run_suffixes:
        for name in ("samples.npz", "summary.npz", "power.csv"):
            assert (reference.run_folder(suffix) / name).read_bytes() == (
                resumed.run_folder(suffix) / name
            ).read_bytes()
    assert sorted(p.name for p in (tmp_path / "expts").iterdir()) == ["0001-maze"]


def test_new_flag_changed_config_and_sample_override_make_new_sweeps(tmp_path):
    expts = tmp_path / "expts"
    config = maze_config(tmp_path, samples=50)
    assert run_sweep(config, expts).sweep_id == "0001"
    assert run_sweep(config, expts).sweep_id == "0001"
    assert run_sweep(config, expts, new=True).sweep_id == "0002"
    assert run_sweep(config, expts).sweep_id == "0002"  # the latest matching sweep
    assert run_sweep(config, expts, samples=20).sweep_id == "0003"
    maze_config(tmp_path, samples=60)  # the file changes
    assert run_sweep(config, expts).sweep_id == "0004"


def test_null_seed_is_drawn_once_recorded_and_reused(tmp_path):
    config = maze_config(tmp_path, samples=50, seed=None)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(config, tmp_path / "expts", listeners=InterruptAfter(1))
    record = json.loads((tmp_path / "expts" / "0001-maze" / "sweep.json").read_text())
    seed = record["random_seed"]
    assert isinstance(seed, int)
    sweep = run_sweep(config, tmp_path / "expts")
    assert {run.config["random_seed"] for run in sweep.runs} == {seed}
    assert {run.info["random_seed"] for run in sweep.runs} == {seed}


def test_common_random_numbers_across_runs(tmp_path):
    sweep = run_sweep(maze_config(tmp_path, samples=80), tmp_path / "expts")
    rewards = [run.rewards["H"] for run in sweep.runs]
    assert all(np.array_equal(rewards[0], r) for r in rewards[1:])


def test_samples_override_and_environment_variable(tmp_path, monkeypatch):
    config = maze_config(tmp_path, samples=20000)
    sweep = run_sweep(config, tmp_path / "expts", samples=30)
    assert {r.num_samples for r in sweep.runs} == {30} and sweep.record["overrides"]["samples"] == 30
    monkeypatch.setenv("POWERPLAY_SAMPLES", "25")
    sweep = run_sweep(config, tmp_path / "expts")
    assert {r.config["num_reward_samples"] for r in sweep.runs} == {25}
    monkeypatch.setenv("POWERPLAY_SAMPLES", "lots")
    with pytest.raises(SweepError, match="POWERPLAY_SAMPLES must be a positive integer"):
        run_sweep(config, tmp_path / "expts")


def test_a_pluggable_executor_gives_the_same_numbers(tmp_path):
    class ReversedChunks:
        """What a distributed executor may do: chunks computed out of order."""

        def __init__(self):
            self.chunks = 0

        def solve(self, jobs):
            for index, job in enumerate(jobs):
                e = job.experiment
                problem, stream, layout = e.problem(), e.reward_stream(), e.layout()
                for a, b in reversed(e.chunks(64)):
                    self.chunks += 1
                    yield index, solve_chunk(problem, stream, layout, e.num_reward_samples, a, b, job.keep_samples)

        def describe(self):
            return "reversed chunks"

        def close(self):
            pass

    config = maze_config(tmp_path, samples=200)
    executor = ReversedChunks()
    mapped = run_sweep(config, tmp_path / "mapped", executor=executor)
    local = run_sweep(config, tmp_path / "local", executor=LocalExecutor(threads=1))
    assert executor.chunks == 3 * 4 and mapped.runs[0].info["executor"] == "reversed chunks"
    for a, b in zip(mapped.runs, local.runs):
        np.testing.assert_array_equal(a.power["H"], b.power["H"])
        assert (a.path / "summary.npz").read_bytes() == (b.path / "summary.npz").read_bytes()


# -- loading results back -------------------------------------------------------------------


def test_results_api(tmp_path):
    expts = tmp_path / "expts"
    sweep = run_sweep(correlation_config(tmp_path), expts)
    assert get_sweep_type("0001", folder=expts) == "multiagent_with_reward"
    assert get_sweep_type(1, folder=expts) == "multiagent_with_reward"
    assert get_sweep_run_suffixes_for_param("0001", "reward_correlation", folder=expts) == [
        "reward_correlation__1",
        "reward_correlation__0p5",
    ]
    states = get_sweep_state_list("0001", folder=expts)
    assert len(states) == 81 and states[0] == "(0, 0)_H^(0, 0)_A"
    props = get_properties_from_run("0001", "reward_correlation__0p5", folder=expts)
    assert props["sweep_type"] == "multiagent_with_reward" and props["reward_correlation"] == 0.5
    assert props["discount_rate_agent_A"] == 0.6 and props["convergence_threshold"] == 0.0001
    for key in ("reward_samples", "power_samples", "reward_samples_agent_A", "power_samples_agent_A"):
        assert props[key].shape == (200, 81)
    run = sweep.run(reward_correlation=0.5)
    np.testing.assert_array_equal(props["power_samples_agent_A"], run.power["A"])
    assert load_sweep("0001-corr", expts).path == load_sweep(sweep.path).path == sweep.path

    table = sweep.table()
    assert [row["run"] for row in table] == ["reward_correlation__1", "reward_correlation__0p5"]
    assert table[1]["reward_correlation"] == 0.5 and table[1]["reward_correlation_name"] == "0p5"
    assert table[1]["power_A_mean"] == pytest.approx(float(run.power["A"].mean()), rel=1e-8)
    assert table[1]["power_A_mean_sem"] == pytest.approx(
        run.power["A"].mean(axis=1).std(ddof=1) / np.sqrt(200), rel=1e-8
    )
    alignment = run.alignment()
    assert table[1]["alpha_HA"] == pytest.approx(
        np.corrcoef(run.power["H"].mean(0), run.power["A"].mean(0))[0, 1], abs=1e-12
    )
    assert table[1]["alpha_HA_corrected"] == pytest.approx(alignment.alpha_corrected)
    assert 0 < table[1]["reliability_H"] <= 1 and table[1]["alpha_HA_sem"] > 0
    with open(sweep.path / "runs.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["run"] for r in rows] == ["reward_correlation__1", "reward_correlation__0p5"]
    assert float(rows[0]["power_H_mean"]) == pytest.approx(table[0]["power_H_mean"])
    assert {"alpha_HA", "alpha_HA_sem", "alpha_HA_corrected", "reliability_H", "reliability_A"} <= set(rows[0])

    with pytest.raises(SweepNotFoundError, match="no sweep '7'.*0001-corr"):
        load_sweep("7", expts)
    with pytest.raises(SweepNotFoundError, match="not swept"):
        get_sweep_run_suffixes_for_param("0001", "discount_rate", folder=expts)
    with pytest.raises(SweepNotFoundError, match="no finished run 'reward_correlation__2'"):
        get_properties_from_run("0001", "reward_correlation__2", folder=expts)


def test_a_missing_sweep_names_a_few_of_many_sweeps_on_one_line(tmp_path):
    for i in range(1, 13):
        (tmp_path / f"{i:04d}-s").mkdir()
        (tmp_path / f"{i:04d}-s" / "sweep.json").write_text("{}")
    with pytest.raises(SweepNotFoundError) as raised:
        load_sweep("99", tmp_path)
    assert str(raised.value).endswith("(sweeps there: 0001-s, 0002-s, 0003-s, ... 6 more ..., 0010-s, 0011-s, 0012-s)")


# -- hooks ------------------------------------------------------------------------------------


def test_a_failing_hook_keeps_results(tmp_path):
    class Broken(SweepListener):
        def on_run_written(self, run, fresh):
            raise RuntimeError("no display")

    with pytest.warns(
        UserWarning, match="Broken failed for 0001-maze-discount_rate__0p[0-9]+ .RuntimeError: no display"
    ):
        sweep = run_sweep(maze_config(tmp_path, samples=30), tmp_path / "expts", listeners=Broken())
    assert sweep.is_complete and sweep.runs[0].power["H"].shape == (30, 31)


def test_hooks_see_fresh_and_reused_runs(tmp_path):
    class Seen(SweepListener):
        def __init__(self):
            self.events = []

        def on_run_written(self, run, fresh):
            self.events.append((run.name, fresh, run.power_mean("H").shape))

    config = maze_config(tmp_path, samples=30)
    first, second = Seen(), Seen()
    run_sweep(config, tmp_path / "expts", listeners=first)
    run_sweep(config, tmp_path / "expts", listeners=second)
    assert [fresh for _, fresh, _ in first.events] == [True] * 3 and [fresh for _, fresh, _ in second.events] == [
        False
    ] * 3
    assert [name for name, _, _ in first.events] == [name for name, _, _ in second.events]


# -- every reference config runs unchanged --------------------------------------------------------

#: Reduced sample counts (the joint 7x7 ones are slow per sample).
REDUCED_SAMPLES = {"PART_3": 24}


@needs_reference
@pytest.mark.parametrize("path", REFERENCE_CONFIGS, ids=lambda p: p.stem)
def test_every_reference_config_runs(path, tmp_path):
    samples = REDUCED_SAMPLES.get(path.stem[:6], 64)
    sweep = run_sweep(path, tmp_path / "expts", samples=samples)
    config = load_sweep_config(path)
    assert sweep.is_complete and sweep.run_suffixes == [r.suffix for r in config.runs()]
    assert sweep.experiment_type == config.experiment_type
    for run in sweep.runs:
        assert run.num_samples == samples
        for power in run.power.values():  # small runs keep their samples
            assert np.all(np.isfinite(power))
            # POWER is a normalised average of rewards, so it lies within the rewards' range.
            low, high = run.rewards["H"].min(), run.rewards["H"].max()
            assert power.min() >= min(low, 0) - 2e-4 and power.max() <= max(high, 1) + 2e-4
