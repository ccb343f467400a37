"""Sweeps on a real Dask cluster: bit-identical results, a worker killed mid-run, the CLI options.

The clusters are real: a scheduler and two worker processes started with the ``dask
scheduler`` / ``dask worker`` commands, listening on 127.0.0.1 only (ports chosen by the
operating system, found through the scheduler file). Every process is stopped at the end,
also when a test fails.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

distributed = pytest.importorskip("distributed", reason="Dask is an optional extra: pip install 'powerplay[dask]'")

from typer.testing import CliRunner

from powerplay.errors import DistributedError
from powerplay.interfaces.cli import app
from powerplay.interfaces.executor_options import parse_cluster, parse_scheduler
from powerplay.runner.build import build_experiment
from powerplay.runner.config import load_sweep_config
from powerplay.runner.distributed import DaskExecutor, SharedRunInput, solve_chunk_task
from powerplay.runner.events import SweepListener
from powerplay.runner.executors import (
    LocalExecutor,
    run_experiment,
)
from powerplay.runner.experiment import solve_chunk
from powerplay.runner.sweep import run_sweep
from powerplay.solvers.warmup import compile_kernels
from powerplay.storage.sweeps import load_sweep

UNIFORM = {"default_dist": {"dist_name": "uniform", "params": [0, 1]}, "allow_all_equal_rewards": False}
STARTUP_SECONDS = 60
CONNECT_TIMEOUT = "5s"


@pytest.fixture(autouse=True)
def _no_samples_override(monkeypatch):
    monkeypatch.delenv("POWERPLAY_SAMPLES", raising=False)


def write_config(folder: Path, name: str, parameters: dict) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"name": name, "description": "test", "parameters": parameters}, sort_keys=False))
    return path


def correlation_config(folder: Path, samples: int) -> Path:
    """multiagent_with_reward: correlated rewards for A, two solver stages, diagnostics possible."""
    return write_config(
        folder,
        "corr",
        {
            "joint_mdp_graph": {"value": "joint_3x3_gridworld"},
            "seed_policy_graph_agent_A": {"value": "joint_3x3_gridworld_agent_A_uniform_random"},
            "discount_rate": {"value": 0.6},
            "discount_rate_agent_A": {"value": 0.6},
            "reward_correlation": {"values": [0.5, -1], "names": ["0p5", "n1"]},
            "reward_distribution": {"value": UNIFORM},
            "num_reward_samples": {"value": samples},
            "random_seed": {"value": 3},
        },
    )


def maze_config(folder: Path, samples: int, gammas=(0.1, 0.9, 0.99)) -> Path:
    return write_config(
        folder,
        "maze",
        {
            "mdp_graph": {"value": "7x7_gridworld_maze"},
            "discount_rate": {"values": list(gammas)},
            "reward_distribution": {"value": UNIFORM},
            "num_reward_samples": {"value": samples},
            "random_seed": {"value": 0},
        },
    )


def assert_same_files(a, b) -> None:
    """Two sweeps hold byte-identical samples.npz, summary.npz and power.csv in every run."""
    assert a.run_suffixes == b.run_suffixes and a.is_complete and b.is_complete
    for suffix in a.run_suffixes:
        for name in ("samples.npz", "summary.npz", "power.csv"):
            assert (a.run_folder(suffix) / name).read_bytes() == (b.run_folder(suffix) / name).read_bytes(), (
                suffix,
                name,
            )


# -- a real cluster on loopback ------------------------------------------------------------------


def _dask_command() -> str:
    beside_python = Path(sys.executable).parent / "dask"
    command = str(beside_python) if beside_python.exists() else shutil.which("dask")
    if command is None:
        pytest.fail("the `dask` command is missing although the distributed package is installed")
    return command


class LoopbackCluster:
    """``dask scheduler`` + ``dask worker`` processes on 127.0.0.1, stopped on exit."""

    def __init__(self, folder: Path, workers: int = 2):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.processes: list[subprocess.Popen] = []
        self.scheduler_file = folder / "scheduler.json"
        dask = _dask_command()
        self._start(
            "scheduler",
            [
                dask,
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--dashboard-address",
                "127.0.0.1:0",
                "--scheduler-file",
                str(self.scheduler_file),
            ],
        )
        self.address = self._wait_for_scheduler()
        for n in range(workers):
            self._start(
                f"worker{n}",
                [
                    dask,
                    "worker",
                    self.address,
                    "--host",
                    "127.0.0.1",
                    "--nthreads",
                    "1",
                    "--no-nanny",
                    "--no-dashboard",
                    "--dashboard-address",
                    "127.0.0.1:0",
                    "--name",
                    f"worker{n}",
                    "--death-timeout",
                    "60",
                    "--local-directory",
                    str(folder / f"worker{n}"),
                ],
            )
        with distributed.Client(self.address, timeout=STARTUP_SECONDS, set_as_default=False) as client:
            client.wait_for_workers(workers, timeout=STARTUP_SECONDS)
            client.run(compile_kernels)  # load the cached kernels now, so that every worker takes tasks from the start

    def _start(self, name: str, command: list[str]) -> None:
        # A peer that died is retried until the connect timeout (30 s by default): keep it short here.
        env = {**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": CONNECT_TIMEOUT}
        log = open(self.folder / f"{name}.log", "wb")
        self.processes.append(
            subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        )
        log.close()

    def _wait_for_scheduler(self) -> str:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.scheduler_file.exists():
                try:
                    return json.loads(self.scheduler_file.read_text())["address"]
                except (ValueError, KeyError):
                    pass  # being written
            if self.processes[0].poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"dask scheduler did not start: {self.logs()}")

    def logs(self) -> str:
        return " | ".join(f"{p.name}: {p.read_text()[-2000:]}" for p in sorted(self.folder.glob("*.log")))

    def stop(self) -> None:
        """Workers first (a worker whose scheduler is gone takes long to close), then the scheduler."""
        workers, scheduler = self.processes[1:], self.processes[:1]
        for group in (workers, scheduler):
            for process in group:
                if process.poll() is None:
                    process.terminate()
            for process in group:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    started = LoopbackCluster(tmp_path_factory.mktemp("dask-cluster"))
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="module")
def local_sweeps(tmp_path_factory):
    """The reference: each config run locally in this process (default chunking, all threads)."""
    folder = tmp_path_factory.mktemp("local")
    configs = {"corr": correlation_config(folder, 1100), "maze": maze_config(folder, 2600)}
    return {
        name: (config, run_sweep(config, folder / f"expts-{name}", executor=LocalExecutor()))
        for name, config in configs.items()
    }


class Recorder(SweepListener):
    def __init__(self):
        self.samples: dict[str, list[tuple[int, int]]] = {}
        self.finished: list[tuple[str, bool]] = []

    def on_run_started(self, run, total_samples):
        self.samples[run.suffix] = []

    def on_samples_done(self, run, done, total):
        self.samples[run.suffix].append((done, total))

    def on_run_finished(self, run, folder, info, skipped):
        self.finished.append((run.suffix, skipped))


# -- results and overhead ----------------------------------------------------------------------


def test_chunk_tasks_on_a_real_cluster_give_bit_identical_results(cluster, local_sweeps, tmp_path):
    config, local = local_sweeps["corr"]
    with DaskExecutor.connect(cluster.address, chunk_size=300) as executor:
        progress = Recorder()
        sweep = run_sweep(config, tmp_path / "dask", executor=executor, listeners=progress)
        transfers = executor.client.run(
            lambda dask_worker: [list(t["keys"]) for t in dask_worker.transfer_incoming_log]
        )
        description = executor.describe()
    assert_same_files(local, sweep)

    # Progress: one event per chunk (1100 samples in chunks of 300, arriving in any order), up to the total.
    assert sorted(progress.samples) == sorted(sweep.run_suffixes)
    for events in progress.samples.values():
        steps = np.diff([0] + [done for done, _ in events])
        assert sorted(steps) == [200, 300, 300, 300] and {total for _, total in events} == {1100}
    assert sorted(progress.finished) == sorted((s, False) for s in sweep.run_suffixes)

    # Overhead: a chunk task carries a key and two indices; the experiment travels once per worker.
    assert [s.tasks for s in executor.stats] == [4, 4]
    for stats in executor.stats:
        assert stats.task_bytes < 400 < 10 * stats.task_bytes < stats.shared_input_bytes
        # The kept POWER samples of H and A, float64 [samples, 81 states], plus the chunk's moments; rewards
        # are never sent (they are drawn again from the seed).
        assert 1100 / 4 * 81 * 8 * 2 <= stats.result_bytes < 1100 / 4 * 81 * 8 * 3
        assert sum(stats.tasks_per_worker.values()) == 4 and set(stats.tasks_per_worker) <= set(transfers)
    assert len({w for stats in executor.stats for w in stats.tasks_per_worker}) == 2  # chunks from both processes
    for keys in transfers.values():
        inputs = [k for batch in keys for k in batch if k.startswith("powerplay-input-")]
        assert len(inputs) == len(set(inputs)) <= 2  # each run's input fetched at most once by a worker
        assert not [k for batch in keys for k in batch if k.startswith("powerplay-chunk-")]  # chunks go to the client
    assert sweep.runs[0].info["executor"] == description and "(2 workers, 2 threads)" in description


def test_results_do_not_depend_on_chunking(cluster, local_sweeps, tmp_path):
    config, local = local_sweeps["maze"]
    with DaskExecutor.connect(cluster.address, chunk_size=1000) as executor:  # not a multiple of the 1024-sample blocks
        coarse = run_sweep(config, tmp_path / "coarse", executor=executor)
    assert_same_files(local, coarse)
    # One task computed outside any worker gives the same chunk as the engine's solve_chunk.
    experiment = build_experiment(load_sweep_config(config).runs()[1].config)
    shared = SharedRunInput(experiment, 123)
    output = solve_chunk_task(shared, 1000, 1300, keep_samples=True)
    direct = solve_chunk(
        experiment.problem(),
        experiment.reward_stream(),
        experiment.layout(),
        experiment.num_reward_samples,
        1000,
        1300,
        keep_samples=True,
    )
    assert output.worker == "local" and output.seconds > 0
    np.testing.assert_array_equal(output.samples["H"], direct.samples["H"])
    np.testing.assert_array_equal(output.samples["H"], local.runs[1].power["H"][1000:1300])
    assert [(n.level, n.index) for n in output.nodes] == [(n.level, n.index) for n in direct.nodes]
    for a, b in zip(output.nodes, direct.nodes):
        np.testing.assert_array_equal(a.moments.means[0], b.moments.means[0])


def trio_config(folder: Path, samples: int) -> Path:
    """Three agents (learning order H, A, B) on the 3x3 gridworld without overlap; B's rewards partly H's."""
    return write_config(
        folder,
        "trio",
        {
            "agents": {"value": ["H", "A", "B"]},
            "mdp_graph": {"value": "3x3_gridworld"},
            "interaction": {"value": "remove"},
            "discount_rate": {"value": 0.9},
            "discount_rate_agent_B": {"value": 0.6},
            "seed_policy": {"value": "uniform_random"},
            "reward_correlation": {"value": 0},
            "reward_correlation_agent_B": {"value": 0.5},
            "reward_distribution": {"value": UNIFORM},
            "num_reward_samples": {"value": samples},
            "random_seed": {"value": 5},
        },
    )


def test_three_agents_on_a_real_cluster_are_bit_identical(cluster, tmp_path):
    config = trio_config(tmp_path, 700)
    local = run_sweep(config, tmp_path / "local", executor=LocalExecutor())
    with DaskExecutor.connect(cluster.address, chunk_size=200) as executor:
        remote = run_sweep(config, tmp_path / "dask", executor=executor)
    assert_same_files(local, remote)
    power = local.runs[0].power
    assert sorted(power) == ["A", "B", "H"] and power["B"].shape == (700, 504)  # 9 * 8 * 7 joint states
    # Chunk sizes and thread counts in this process do not change a bit either.
    experiment = build_experiment(load_sweep_config(config).runs()[0].config)
    small = run_experiment(experiment, chunk_size=64, workers=1, keep_samples=True)
    for agent in ("H", "A", "B"):
        np.testing.assert_array_equal(small.power[agent], power[agent])
    assert small.summary.alignment(("A", "B")) == local.runs[0].summary.alignment(("A", "B"))


def test_counter_optimisation_rounds_on_a_real_cluster_are_bit_identical(cluster, tmp_path):
    """Samples leave a chunk's batch as their rounds settle; POWER and the outcome counts
    (merged from the chunks) are the same whatever the workers and chunks."""
    parameters = yaml.safe_load(trio_config(tmp_path, 300).read_text())["parameters"]
    parameters.update(agents={"value": ["H", "A"]}, rounds={"value": 5})
    del parameters["discount_rate_agent_B"], parameters["reward_correlation_agent_B"]
    config = write_config(tmp_path, "rounds", parameters)
    local = run_sweep(config, tmp_path / "local", executor=LocalExecutor())
    with DaskExecutor.connect(cluster.address, chunk_size=70) as executor:
        remote = run_sweep(config, tmp_path / "dask", executor=executor)
    assert_same_files(local, remote)
    recorded = local.runs[0].info["rounds"]
    assert remote.runs[0].info["rounds"] == recorded and recorded["samples"] == 300
    assert recorded["cycles"] > 0 and recorded["fixed_points"] + recorded["cycles"] + recorded["unsettled"] == 300


def test_shared_input_ships_the_experiment_not_the_built_problem():
    import cloudpickle
    from dask.sizeof import sizeof

    from powerplay.model.environments import load_mdp
    from powerplay.model.rewards import RewardDistribution
    from powerplay.runner.experiment import Experiment

    experiment = Experiment(
        "single_agent", load_mdp("7x7_gridworld_maze"), 0.9, RewardDistribution.from_config(UNIFORM), 10, 0
    )
    shared = SharedRunInput(experiment, len(cloudpickle.dumps(experiment)))
    problem, _stream, _layout = shared.solver_inputs()
    assert shared.solver_inputs()[0] is problem  # built once per worker
    copy = cloudpickle.loads(cloudpickle.dumps(shared))
    assert copy._solver_inputs is None and shared.nbytes == len(cloudpickle.dumps(experiment))
    assert shared.nbytes <= sizeof(copy) < shared.nbytes + 100  # what the scheduler counts when placing tasks
    assert len(cloudpickle.dumps(shared)) < len(cloudpickle.dumps(problem)) + len(cloudpickle.dumps(experiment))


# -- failures ----------------------------------------------------------------------------------


class KillBusiestWorkerAfterFirstChunk(Recorder):
    """SIGKILLs the worker with the most tasks in hand once the first chunk result is in.

    Under load the scheduler may not have handed out the next tasks yet when a result arrives:
    then it tries again at the next result (a kill without tasks in hand would test nothing)."""

    def __init__(self, client):
        super().__init__()
        self.client = client
        self.killed: tuple[str, int] | None = None

    def on_samples_done(self, run, done, total):
        super().on_samples_done(run, done, total)
        if self.killed is None:
            address, keys = max(self.client.processing().items(), key=lambda item: len(item[1]))
            if not keys:
                return
            pids = self.client.run(os.getpid)
            self.killed = (address, len(keys))
            os.kill(pids[address], signal.SIGKILL)


def test_a_worker_killed_mid_sweep_costs_only_its_tasks(local_sweeps, tmp_path):
    import dask

    config, local = local_sweeps["maze"]
    cluster = LoopbackCluster(tmp_path / "cluster")
    try:
        with (
            dask.config.set({"distributed.comm.timeouts.connect": CONNECT_TIMEOUT}),
            DaskExecutor.connect(cluster.address, chunk_size=200) as executor,
        ):
            progress = KillBusiestWorkerAfterFirstChunk(executor.client)
            sweep = run_sweep(config, tmp_path / "dask", executor=executor, listeners=progress)
            survivors = executor.client.nthreads()
    finally:
        cluster.stop()
    assert progress.killed is not None, "no worker ever had a task in hand when a result arrived"
    address, tasks_in_hand = progress.killed
    assert tasks_in_hand > 0
    assert address not in survivors and len(survivors) == 1
    assert_same_files(local, sweep)
    # Every chunk's result arrived exactly once, and the survivor computed what the dead worker lost.
    for events in progress.samples.values():
        assert sorted(np.diff([0] + [done for done, _ in events])) == [200] * 13
    per_worker = {}
    for stats in executor.stats:
        for worker, n in stats.tasks_per_worker.items():
            per_worker[worker] = per_worker.get(worker, 0) + n
    assert sum(per_worker.values()) == 3 * 13 and per_worker[next(iter(survivors))] > 3 * 13 / 2


class InterruptAfterFirstRun(Recorder):
    def on_run_finished(self, run, folder, info, skipped):
        super().on_run_finished(run, folder, info, skipped)
        raise KeyboardInterrupt


def test_an_interrupted_cluster_sweep_keeps_finished_runs_and_resumes_identically(cluster, local_sweeps, tmp_path):
    config, local = local_sweeps["maze"]
    expts = tmp_path / "expts"
    with DaskExecutor.connect(cluster.address, chunk_size=400) as executor:
        with pytest.raises(KeyboardInterrupt):
            run_sweep(config, expts, executor=executor, listeners=InterruptAfterFirstRun())
        partial = load_sweep("0001", expts)
        assert len(partial.runs) == 1 and not partial.is_complete
        written = {name: (partial.runs[0].path / name).read_bytes() for name in ("run.json", "samples.npz")}
        # The unfinished runs' tasks were cancelled: the scheduler forgets them.
        deadline = time.monotonic() + 20
        while (
            executor.client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))
            and time.monotonic() < deadline
        ):
            time.sleep(0.1)
        assert executor.client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)) == 0

        progress = Recorder()
        resumed = run_sweep(config, expts, executor=executor, listeners=progress)
    assert resumed.path == partial.path
    kept = partial.run_suffixes[0]
    assert progress.finished[0] == (kept, True)  # reported first, not recomputed
    assert sorted(s for s, skipped in progress.finished[1:] if not skipped) == sorted(
        set(resumed.run_suffixes) - {kept}
    )
    assert {name: (partial.runs[0].path / name).read_bytes() for name in written} == written
    assert_same_files(local, resumed)


def test_an_engine_error_in_a_task_reaches_the_caller(cluster, tmp_path):
    from powerplay.runner.experiment import Experiment

    class BrokenExperiment(Experiment):
        def problem(self):
            raise ValueError("broken problem for the test")

    from powerplay.model.environments import load_mdp
    from powerplay.model.rewards import RewardDistribution

    broken = BrokenExperiment(
        "single_agent", load_mdp("3x3_gridworld"), 0.5, RewardDistribution.from_config(UNIFORM), 10, 0
    )
    with DaskExecutor.connect(cluster.address, retries=0) as executor:
        with pytest.raises(ValueError, match="broken problem for the test"):
            run_experiment(broken, executor=executor)


# -- the command line --------------------------------------------------------------------------


def _run_cli(args: list[str]):
    return CliRunner().invoke(app, args)


def test_cli_scheduler_option_runs_on_the_cluster(cluster, local_sweeps, tmp_path):
    config, local = local_sweeps["corr"]
    result = _run_cli(
        ["run", str(config), "--scheduler", cluster.address, "--no-figures", "-o", str(tmp_path / "expts")]
    )
    assert result.exit_code == 0, result.output
    assert f"running on dask {cluster.address} (2 workers, 2 threads)" in result.output
    assert (
        "dask: 8 chunk tasks on 2 workers" in result.output
    )  # 4 chunks of <= 320 samples per run: 2 per worker thread
    assert "bytes sent per task" in result.output
    assert_same_files(local, load_sweep("0001", tmp_path / "expts"))


def test_cli_scheduler_file_and_local_cluster(cluster, local_sweeps, tmp_path):
    config, local = local_sweeps["corr"]
    result = _run_cli(
        ["run", str(config), "--scheduler", str(cluster.scheduler_file), "--no-figures", "-o", str(tmp_path / "a")]
    )
    assert result.exit_code == 0, result.output
    assert_same_files(local, load_sweep("0001", tmp_path / "a"))
    result = _run_cli(["run", str(config), "--cluster", "local:1", "--no-figures", "-o", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    assert "running on dask local cluster tcp://127.0.0.1:" in result.output and "(1 worker, 1 thread)" in result.output
    assert_same_files(local, load_sweep("0001", tmp_path / "b"))


@pytest.mark.parametrize(
    "options, message",
    [
        (
            ["--scheduler", "not an address"],
            "--scheduler: 'not an address' is not a Dask scheduler address (expected tcp://HOST:PORT)",
        ),
        (
            ["--scheduler", "tcp://127.0.0.1:70000"],
            "--scheduler: port 70000 of 'tcp://127.0.0.1:70000' is not between 1 and 65535",
        ),
        (["--scheduler", "tcp://127.0.0.1:1"], "cannot reach a Dask scheduler at tcp://127.0.0.1:1 ("),
        (["--cluster", "local:0"], "--cluster: 'local:0' needs at least one worker"),
        (["--cluster", "local:100000"], "--cluster: 100,000 worker processes on "),
        (["--cluster", "slurm"], "--cluster: 'slurm' is not understood (expected local:N"),
        (["--cluster", "local:2", "--scheduler", "tcp://127.0.0.1:1"], "--scheduler and --cluster exclude each other"),
        (["--cluster", "local:2", "--workers", "2"], "--workers sets threads for a local run"),
    ],
)
def test_cli_bad_cluster_options_are_one_line_errors(options, message, tmp_path, monkeypatch):
    monkeypatch.setenv("DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT", "1s")  # nothing listens on port 1: fail fast
    import dask

    dask.config.refresh()
    try:
        result = _run_cli(["run", str(maze_config(tmp_path, 10)), *options, "-o", str(tmp_path / "expts")])
    finally:
        monkeypatch.undo()
        dask.config.refresh()
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1 and lines[0].startswith(f"error: {message}"), result.output
    assert not (tmp_path / "expts").exists()  # nothing started


def test_cli_without_dask_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    result = _run_cli(["run", str(maze_config(tmp_path, 10)), "--cluster", "local:2"])
    assert result.exit_code == 2
    assert (
        result.output.strip()
        == "error: running on a Dask cluster needs the powerplay[dask] extra: pip install 'powerplay[dask]'"
    )


def test_a_local_run_imports_no_dask(tmp_path):
    config = maze_config(tmp_path, 20)
    script = textwrap.dedent(f"""
        import sys
        from typer.testing import CliRunner
        from powerplay.interfaces.cli import app
        result = CliRunner().invoke(app, ["run", {str(config)!r}, "--no-figures", "-o", {str(tmp_path / "expts")!r}])
        assert result.exit_code == 0, result.output
        print(sorted(m for m in ("dask", "distributed") if m in sys.modules))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_option_parsing():
    assert parse_scheduler("tcp://127.0.0.1:8786") == "tcp://127.0.0.1:8786"
    assert parse_scheduler(" localhost:8786 ") == "tcp://localhost:8786"
    assert parse_scheduler("tls://[::1]:8786") == "tls://[::1]:8786"
    assert parse_cluster("local:3") == 3 and parse_cluster("local") == (os.cpu_count() or 1)
    with pytest.raises(DistributedError, match="expected tcp://HOST:PORT"):
        parse_scheduler("tcp://127.0.0.1")
    with pytest.raises(DistributedError, match="expected local:N"):
        parse_cluster("local:two")


class KillSchedulerAfterFirstRun(Recorder):
    def __init__(self, scheduler: subprocess.Popen):
        super().__init__()
        self.scheduler = scheduler

    def on_run_finished(self, run, folder, info, skipped):
        super().on_run_finished(run, folder, info, skipped)
        if self.scheduler.poll() is None:
            self.scheduler.send_signal(signal.SIGKILL)
            self.scheduler.wait(timeout=10)


def test_a_lost_scheduler_is_a_one_line_error_and_finished_runs_are_kept(local_sweeps, tmp_path):
    import dask

    config, local = local_sweeps["maze"]
    expts = tmp_path / "expts"
    cluster = LoopbackCluster(tmp_path / "cluster")
    try:
        with (
            dask.config.set({"distributed.comm.timeouts.connect": CONNECT_TIMEOUT}),
            DaskExecutor.connect(cluster.address, chunk_size=200) as executor,
        ):
            lost = r"^lost the Dask cluster \((scheduler-connection-lost|its tasks were cancelled)\); finished runs are saved"
            with pytest.raises(DistributedError, match=lost + ", run the same command again to resume$"):
                run_sweep(config, expts, executor=executor, listeners=KillSchedulerAfterFirstRun(cluster.processes[0]))
    finally:
        cluster.stop()
    partial = load_sweep("0001", expts)
    assert len(partial.runs) >= 1 and not partial.is_complete
    resumed = run_sweep(config, expts)  # finished locally
    assert resumed.path == partial.path
    assert_same_files(local, resumed)


@pytest.mark.parametrize("behaviour", ["silent", "garbage"])
def test_a_scheduler_that_never_answers_or_talks_nonsense_is_a_one_line_error(behaviour, tmp_path):
    """A loopback server that accepts connections and then stays silent (or sends random bytes)."""
    import socket
    import threading

    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held = []

    def serve():
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            held.append(connection)
            if behaviour == "garbage":
                connection.sendall(np.random.default_rng(0).bytes(4096))

    threading.Thread(target=serve, daemon=True).start()
    address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
    try:
        started = time.monotonic()
        with pytest.raises(DistributedError, match=f"cannot reach a Dask scheduler at {address}"):
            DaskExecutor.connect(address, timeout=2)
        assert time.monotonic() - started < 30
    finally:
        server.close()
        for connection in held:
            connection.close()
