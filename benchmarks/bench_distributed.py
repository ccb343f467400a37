"""Dask benchmark: a sweep on a local cluster of worker processes against the plain local run.

Run ``python benchmarks/bench_distributed.py`` (a few minutes on 2 cores) or name workloads:
``python benchmarks/bench_distributed.py maze7_sweep``. ``--quick`` divides sample counts by 10;
``--workers N`` sets the largest cluster (default: the number of cores).

For each workload (a whole sweep through :func:`powerplay.runner.sweep.run_sweep`, writing its
run folders, no figures) it prints:

* the plain local run (this process, all cores; what ``powerplay run`` does by default) and
  the local run on one thread;
* the same sweep on ``LocalCluster`` s of 1 .. N single-threaded worker processes, with the
  speed-up over the plain local run and the scaling from 1 to N workers;
* the overhead of going through Dask: bytes sent per chunk task, the shared input per run
  (sent once per worker), result bytes per task, the time to the first result, the median
  round trip of an empty task through the scheduler, and the parallel efficiency (time
  spent inside tasks / (wall time x workers));
* whether every ``samples.npz`` is byte-identical to the plain local run's (it must be).

Kernels are loaded in every process before timing (one-off JIT loading is not counted; the
cluster start-up is reported separately). No assertions: this prints figures and ratios.
On a 2-core machine expect a speed-up near 1: the local run already uses both cores through
the kernels' threads, and the client process (which gathers and writes results) shares them
with the workers.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

UNIFORM = {"default_dist": {"dist_name": "uniform", "params": [0, 1]}, "allow_all_equal_rewards": False}
PART_1_GAMMAS = [0.01, 0.05] + [round(0.1 + 0.05 * i, 2) for i in range(18)] + [0.99]


@dataclass(frozen=True)
class Workload:
    name: str
    description: str
    parameters: dict


WORKLOADS = [
    Workload(
        "maze7_sweep",
        "7x7 maze, the 21 discount rates of Part 1, 20,000 samples each",
        {
            "mdp_graph": {"value": "7x7_gridworld_maze"},
            "discount_rate": {"values": PART_1_GAMMAS},
            "reward_distribution": {"value": UNIFORM},
            "num_reward_samples": {"value": 20_000},
            "random_seed": {"value": 0},
        },
    ),
    Workload(
        "joint7_beta_sweep",
        "joint 7x7 maze with reward, gamma 0.9, 5 reward correlations, 2,000 samples each",
        {
            "joint_mdp_graph": {"value": "joint_7x7_gridworld_maze"},
            "seed_policy_graph_agent_A": {"value": "joint_7x7_gridworld_maze_agent_A_uniform_random"},
            "discount_rate": {"value": 0.9},
            "discount_rate_agent_A": {"value": 0.9},
            "reward_correlation": {"values": [-1, -0.5, 0, 0.5, 1]},
            "reward_distribution": {"value": UNIFORM},
            "num_reward_samples": {"value": 2_000},
            "random_seed": {"value": 0},
        },
    ),
]


def _write_config(folder: Path, workload: Workload, scale: float) -> Path:
    parameters = dict(workload.parameters)
    samples = max(64, int(parameters["num_reward_samples"]["value"] * scale))
    parameters["num_reward_samples"] = {"value": samples}
    path = folder / f"{workload.name}.yaml"
    path.write_text(yaml.safe_dump({"name": workload.name, "parameters": parameters}, sort_keys=False))
    return path


def _timed_sweep(config: Path, output: Path, executor) -> tuple[float, object]:
    from powerplay.runner.sweep import run_sweep

    started = time.perf_counter()
    sweep = run_sweep(config, output, executor=executor, new=True)  # no listeners: no figures
    return time.perf_counter() - started, sweep


def _identical(a, b) -> bool:
    return all(
        (a.run_folder(s) / "samples.npz").read_bytes() == (b.run_folder(s) / "samples.npz").read_bytes()
        for s in a.run_suffixes
    )


def _round_trip_ms(client, repeats: int = 30) -> float:
    """Median milliseconds of submitting an empty task and getting its result back."""
    times = []
    for i in range(repeats):
        started = time.perf_counter()
        client.submit(int, i, pure=False).result()
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def _bytes(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000
    return ""


def bench(workload: Workload, scale: float, max_workers: int, folder: Path) -> None:
    from powerplay.runner.distributed import DaskExecutor
    from powerplay.runner.executors import LocalExecutor
    from powerplay.solvers.warmup import compile_kernels

    config = _write_config(folder, workload, scale)
    print(f"\n== {workload.description}{' (quick: 1/10 samples)' if scale < 1 else ''}")
    compile_kernels()
    local_seconds, local = _timed_sweep(config, folder / "local", LocalExecutor())
    total = sum(run.num_samples for run in local.runs)
    print(
        f"  {'plain local run, ' + str(os.cpu_count()) + ' threads':<38} {local_seconds:8.2f} s   {total / local_seconds:>10,.0f} samples/s"
    )
    one_thread_seconds, _ = _timed_sweep(config, folder / "local1", LocalExecutor(threads=1))
    print(
        f"  {'plain local run, 1 thread':<38} {one_thread_seconds:8.2f} s   {total / one_thread_seconds:>10,.0f} samples/s"
    )

    by_workers = {}
    for workers in sorted({1, max_workers}):
        started = time.perf_counter()
        with DaskExecutor.local_cluster(workers) as executor:
            startup = time.perf_counter() - started
            executor.client.run(compile_kernels)  # load the cached kernels in every worker
            round_trip = _round_trip_ms(executor.client)
            seconds, sweep = _timed_sweep(config, folder / f"dask{workers}", executor)
            stats = executor.stats
        by_workers[workers] = seconds
        tasks = sum(s.tasks for s in stats)
        task_seconds = sum(s.task_seconds for s in stats)
        used = {w for s in stats for w in s.tasks_per_worker}
        label = f"Dask LocalCluster, {workers} worker{'s' if workers > 1 else ''}"
        print(
            f"  {label:<38} {seconds:8.2f} s   {total / seconds:>10,.0f} samples/s   "
            f"speed-up vs plain local {local_seconds / seconds:5.2f}x   identical results: {'yes' if _identical(local, sweep) else 'NO'}"
        )
        print(
            f"      cluster start-up {startup:.2f} s; {len(stats)} runs, {tasks} chunk tasks on {len(used)} workers; "
            f"empty-task round trip {round_trip:.1f} ms; first result after {min(s.first_result_seconds for s in stats):.2f} s"
        )
        print(
            f"      sent per task {sum(s.task_bytes * s.tasks for s in stats) / tasks:,.0f} B; shared input per run "
            f"{_bytes(max(s.shared_input_bytes for s in stats))} (once per worker); results per task "
            f"{_bytes(sum(s.result_bytes * s.tasks for s in stats) / tasks)}"
        )
        print(
            f"      time inside tasks {task_seconds:.2f} s; parallel efficiency {task_seconds / (seconds * workers):.0%}; "
            f"round trips if nothing overlapped: {tasks} tasks x {round_trip:.1f} ms = {tasks * round_trip / 1000:.2f} s"
        )
    if max_workers > 1:
        print(
            f"  scaling 1 -> {max_workers} workers: {by_workers[1] / by_workers[max_workers]:.2f}x "
            f"(ideal {max_workers}x on {max_workers}+ free cores)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workloads", nargs="*", help=f"any of: {', '.join(w.name for w in WORKLOADS)}")
    parser.add_argument("--quick", action="store_true", help="a tenth of the samples")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, metavar="N", help="largest local cluster")
    args = parser.parse_args()
    unknown = set(args.workloads) - {w.name for w in WORKLOADS}
    if unknown:
        parser.error(f"unknown workload(s): {', '.join(sorted(unknown))}")
    try:
        import distributed  # noqa: F401
    except ImportError:
        sys.exit("this benchmark needs Dask: pip install 'powerplay[dask]'")
    print(f"powerplay Dask benchmark on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="powerplay-bench-") as folder:
        for workload in WORKLOADS:
            if not args.workloads or workload.name in args.workloads:
                bench(workload, 0.1 if args.quick else 1.0, max(1, args.workers), Path(folder))


if __name__ == "__main__":
    main()
