"""Figure benchmark: how long figures take next to the computation they show (issues 10 and 22).

Run ``python benchmarks/bench_figures.py`` (all workloads, a few minutes on 2 cores), name
workloads (``python benchmarks/bench_figures.py end_to_end part3``), or add ``--quick``
(sample counts divided by 5, one repetition). Each workload runs in a fresh process, so the
first figures pay what a ``powerplay run`` pays (importing matplotlib, loading fonts).
Printed per workload: the computation's seconds, the figures' seconds (first drawing in the
process, and again), and the share of the wall time spent on figures. Nothing is asserted:
it prints (and says whether a target is met). Timings are wall times: run it on an idle
machine (the load average is printed with ``end_to_end``).

Workloads
---------
end_to_end
    The ``powerplay`` command itself, as a user runs it (issue 22): the Part 3 no-overlap run
    (the replication sweep ``PART_3-FIGURES_5_6_7``: γ = 0.1, 10,000 samples) with
    ``--no-figures``, with the default figures (two bar plots of 930 states and the alignment
    plot) and with ``--plot-as-gridworld``, three times each (a new sweep each time), and
    ``powerplay --help``. Prints the medians, the CPU seconds of each command, and whether
    the default figures' wall time is within the target 1.5 x compute + 1 s.
part3
    Part 3 Figs 5-7: joint 7x7 maze without overlap (930 joint states), γ = 0.1, 10,000
    samples (the replication sweep ``PART_3-FIGURES_5_6_7``); its default figures with
    ``--plot-as-gridworld``: POWER_means of H and A and the alignment plot. Budget: < ~2 s.
part3_bars
    The same run with its default figures: bar plots of POWER (± standard error) for H and A
    (930 bars each) and the alignment plot.
part3_distributions
    The same run with ``--plot-distributions`` too (variances and reward means/variances;
    its 930 states are beyond the histogram limit).
joint3_distributions
    Joint 3x3 gridworld, γ = 0.6, β = 0.5, 20,000 samples, diagnostic, with
    ``--plot-as-gridworld --plot-distributions``: 47 figures, 36 of them histograms.
sweep
    A 3 x 3 sweep of both discount rates (0.5, 0.9, 0.99) of the no-overlap maze, 2,000
    samples per run, with per-run figures; then the sweep figures: α_HA and average POWER
    against γ, POWER of chosen states against γ, the alignment animation over γ and the
    animations of every per-run figure type. Budget: figures at most half the wall time.

The script uses only functions that exist before and after the figure rewrite, so it can
time an older checkout too (``PYTHONPATH=old/src python benchmarks/bench_figures.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: The ``powerplay`` command of the interpreter running this script.
POWERPLAY = str(Path(sys.executable).parent / "powerplay")

#: The end-to-end target of issue 22: wall seconds within this times the compute, plus ...
TARGET_FACTOR, TARGET_SECONDS = 1.5, 1.0

#: The ``powerplay run`` variants timed end to end.
END_TO_END_MODES = {
    "--no-figures": ["--no-figures"],
    "default figures": [],
    "--plot-as-gridworld": ["--plot-as-gridworld"],
}

WORKLOADS = ("end_to_end", "part3", "part3_bars", "part3_distributions", "joint3_distributions", "sweep")

SWEEP_CONFIG = """
name: bench_gamma_grid
parameters:
  joint_mdp_graph: {value: joint_7x7_gridworld_maze_no_overlaps}
  seed_policy_graph_agent_A: {value: joint_7x7_gridworld_maze_no_overlaps_agent_A_uniform_random}
  discount_rate: {values: [0.5, 0.9, 0.99], names: ["0p5", "0p9", "0p99"]}
  discount_rate_agent_A: {values: [0.5, 0.9, 0.99], names: ["0p5", "0p9", "0p99"]}
  reward_distribution: {value: {default_dist: {dist_name: uniform, params: [0, 1]}}}
  reward_correlation: {value: 0}
  num_reward_samples: {value: SAMPLES}
  random_seed: {value: 0}
"""

JOINT3_CONFIG = """
name: bench_joint3
parameters:
  joint_mdp_graph: {value: joint_3x3_gridworld}
  seed_policy_graph_agent_A: {value: joint_3x3_gridworld_agent_A_uniform_random}
  discount_rate: {value: 0.6}
  discount_rate_agent_A: {value: 0.6}
  reward_distribution: {value: {default_dist: {dist_name: uniform, params: [0, 1]}}}
  reward_correlation: {value: 0.5}
  num_reward_samples: {value: SAMPLES}
  random_seed: {value: 0}
"""


def _timed(action):
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def _timed_figures(flags: dict):
    """A RunFigures listener (what ``powerplay run`` uses) that times each run's figures."""
    from powerplay.figures.run_figures import FigureOptions, RunFigures

    class TimedFigures(RunFigures):
        seconds = 0.0

        def on_run_written(self, run, fresh):
            _, seconds = _timed(lambda: super(TimedFigures, self).on_run_written(run, fresh))
            TimedFigures.seconds += seconds

    return TimedFigures(FigureOptions(**flags))


def _one_run(folder: Path, config, samples: int, flags: dict, diagnostic: bool = False) -> dict:
    """Compute one run with its figures drawn as ``powerplay run`` draws them, then draw them again."""
    from powerplay.runner.sweep import SweepOptions, run_sweep  # the engine first: not part of the figures' import

    (_, import_seconds) = _timed(lambda: __import__("powerplay.figures.run_figures"))
    from powerplay.figures.run_figures import FigureOptions, render_run_figures

    keep = bool(flags.get("plot_distributions") or flags.get("plot_correlations"))
    listener = _timed_figures(flags)
    sweep, wall = _timed(
        lambda: run_sweep(
            config,
            SweepOptions(output_dir=folder / "expts", samples=samples, diagnostic=diagnostic, keep_samples=keep),
            listeners=[listener],
        )
    )
    run = sweep.runs[0]
    paths, again = _timed(lambda: render_run_figures(run, folder / "again", FigureOptions(**flags)))
    return {
        "states": len(run.states),
        "samples": run.num_samples,
        "compute": float(run.info["seconds"]),
        "run_wall": wall - listener.seconds,
        "import": import_seconds,
        "figures_first": listener.seconds,
        "figures_again": again,
        "count": len(paths),
    }


def _command(args: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one ``powerplay`` command, run to completion."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([POWERPLAY, *args], cwd=cwd, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def end_to_end(samples: int, repeats: int, folder: Path | None = None) -> dict:
    """Time ``powerplay run`` of the Part 3 no-overlap run in each of :data:`END_TO_END_MODES`, and ``--help``.

    The modes take turns (``--no-figures``, default, gridworld, then again), so a change in
    the machine's load affects them alike. Returns, per mode, the wall, CPU and compute
    (``seconds`` of ``run.json``) seconds of every repetition.
    """
    from powerplay.runner.replication import SWEEPS

    folder = folder or Path(tempfile.mkdtemp(prefix="bench_figures_end_to_end_"))
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "part3_no_overlap.yaml"
    config.write_text(SWEEPS["PART_3-FIGURES_5_6_7"].config_text())
    out: dict = {"samples": samples, "load": os.getloadavg()[0], "modes": {m: [] for m in END_TO_END_MODES}}
    for _ in range(repeats):
        for mode, flags in END_TO_END_MODES.items():
            output = folder / "expts"
            wall, cpu = _command(
                ["run", str(config), "--new", "--samples", str(samples), "-o", str(output), *flags], folder
            )
            sweep = sorted(p for p in output.iterdir() if p.is_dir())[-1]
            (info,) = [json.loads(p.read_text()) for p in sweep.glob("*/run.json")]
            out["modes"][mode].append({"wall": wall, "cpu": cpu, "compute": float(info["seconds"])})
    out["help"] = [_command(["--help"], folder)[0] for _ in range(max(3, repeats))]
    return out


def report_end_to_end(result: dict) -> bool:
    """Print :func:`end_to_end`'s medians and whether the target is met; returns whether it is.

    Each run is compared with its own compute (on a busy machine the compute varies from run
    to run); the CPU seconds beyond ``--no-figures`` are what the figures cost, and change
    little with the machine's load.
    """
    median = statistics.median
    modes = result["modes"]
    repeats = len(modes["default figures"])
    print(
        f"\nend_to_end: powerplay run of the Part 3 no-overlap run (930 states, γ = 0.1), "
        f"{result['samples']:,} samples; medians of {repeats} (load average at start {result['load']:.1f})"
    )
    bare_cpu = median(r["cpu"] for r in modes["--no-figures"])
    for mode, runs in modes.items():
        wall, cpu, compute = (median(r[k] for r in runs) for k in ("wall", "cpu", "compute"))
        beyond = median(r["wall"] - r["compute"] for r in runs)
        extra = f"   figures: {cpu - bare_cpu:5.2f} s CPU" if mode != "--no-figures" else ""
        print(
            f"  {mode:<20} wall {wall:6.2f} s   compute {compute:5.2f} s   wall - compute {beyond:5.2f} s   "
            f"CPU {cpu:5.2f} s{extra}"
        )
    print(f"  {'powerplay --help':<20} wall {median(result['help']):6.2f} s")
    margins = [TARGET_FACTOR * r["compute"] + TARGET_SECONDS - r["wall"] for r in modes["default figures"]]
    met = median(margins) >= 0
    print(
        f"  target: default figures within {TARGET_FACTOR} x compute + {TARGET_SECONDS:g} s: "
        f"{'met' if met else 'NOT met'} (median margin {median(margins):+.2f} s)"
    )
    return met


def workload(name: str, quick: bool) -> dict:
    """Run one workload in this process and return its timings."""
    from powerplay.runner.config import parse_sweep_config
    from powerplay.runner.replication import SWEEPS

    scale = 5 if quick else 1
    folder = Path(tempfile.mkdtemp(prefix=f"bench_figures_{name}_"))
    if name in ("part3", "part3_bars", "part3_distributions"):
        flags = {"plot_as_gridworld": name != "part3_bars", "plot_distributions": name == "part3_distributions"}
        return _one_run(folder, SWEEPS["PART_3-FIGURES_5_6_7"].config(), 10_000 // scale, flags)
    if name == "joint3_distributions":
        config = parse_sweep_config(JOINT3_CONFIG.replace("SAMPLES", str(20_000 // scale)), source="<bench>")
        flags = {"plot_as_gridworld": True, "plot_distributions": True, "diagnostic": True}
        return _one_run(folder, config, 20_000 // scale, flags, diagnostic=True)
    if name == "sweep":
        return _sweep(folder, 2_000 // scale)
    if name == "end_to_end":
        return end_to_end(10_000 // scale, 1 if quick else 3, folder)
    raise SystemExit(f"unknown workload {name!r}; workloads: {', '.join(WORKLOADS)}")


def _sweep(folder: Path, samples: int) -> dict:
    from powerplay.runner.config import parse_sweep_config
    from powerplay.runner.sweep import SweepOptions, run_sweep

    config = parse_sweep_config(SWEEP_CONFIG.replace("SAMPLES", str(samples)), source="<bench>")
    listener = _timed_figures({"plot_as_gridworld": True})
    sweep, wall = _timed(lambda: run_sweep(config, SweepOptions(output_dir=folder / "expts"), listeners=[listener]))
    from powerplay.figures import sweeps as sweep_figures

    out = folder / "temp"
    steps = {
        "alpha_against_gamma": lambda: sweep_figures.visualize_alignment_against_parameter(
            sweep, param="discount_rate", fig_name="alpha", output_folder=out
        ),
        "average_powers": lambda: sweep_figures.visualize_average_powers(
            sweep, param="discount_rate", include_baseline_power=False, fig_name="averages", output_folder=out
        ),
        "power_against_gamma": lambda: sweep_figures.visualize_power_against_parameter(
            sweep, param="discount_rate", fig_name="power", output_folder=out
        ),
        "alignment_animation": lambda: sweep_figures.visualize_alignment_plots(
            sweep, include_baseline_powers=False, param="discount_rate", output_folder=out
        ),
        "sweep_animations": lambda: sweep_figures.generate_sweep_animation(sweep, "discount_rate"),
    }
    sweep_level = {name: _timed(step)[1] for name, step in steps.items()}
    compute = sum(float(run.info["seconds"]) for run in sweep.runs)
    return {
        "runs": len(sweep.runs),
        "samples": samples,
        "compute": compute,
        "sweep_wall": wall,
        "run_figures": listener.seconds,
        "sweep_figures": sweep_level,
    }


def _report(name: str, result: dict) -> None:
    if name == "end_to_end":
        report_end_to_end(result)
        return
    if name == "sweep":
        figures = result["run_figures"] + sum(result["sweep_figures"].values())
        total = result["sweep_wall"] + sum(result["sweep_figures"].values())
        print(
            f"\n{name}: {result['runs']} runs of the no-overlap maze (930 states), {result['samples']:,} samples each"
        )
        print(f"  compute (engine, all runs)          {result['compute']:7.2f} s")
        print(f"  sweep wall time (with run figures)  {result['sweep_wall']:7.2f} s")
        print(
            f"  per-run figures (all runs)          {result['run_figures']:7.2f} s"
            f"  ({result['run_figures'] / result['runs']:.2f} s per run)"
        )
        for step, seconds in result["sweep_figures"].items():
            print(f"  {step:<36}{seconds:7.2f} s")
        print(f"  figures / wall time                 {figures / total:7.0%}   (budget: at most 50%)")
        print(f"  figures / compute                   {figures / result['compute']:7.2f}")
        return
    total = result["run_wall"] + result["import"] + result["figures_first"]
    print(f"\n{name}: {result['states']} states, {result['samples']:,} samples, {result['count']} figures")
    print(
        f"  compute (engine)                    {result['compute']:7.2f} s   (run_sweep wall without figures {result['run_wall']:.2f} s)"
    )
    print(f"  import of the figure modules        {result['import']:7.2f} s")
    print(f"  figures, as powerplay run draws them{result['figures_first']:7.2f} s   (first in the process)")
    print(f"  figures, again                      {result['figures_again']:7.2f} s")
    print(f"  figures / compute                   {result['figures_first'] / result['compute']:7.2f}")
    print(f"  figures / wall time                 {(result['import'] + result['figures_first']) / total:7.0%}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "workloads",
        nargs="*",
        choices=[[], *WORKLOADS],
        default=[],
        metavar="WORKLOAD",
        help=f"some of: {', '.join(WORKLOADS)} (default: all)",
    )
    parser.add_argument("--quick", action="store_true", help="divide sample counts by 5; one repetition")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(workload(args.worker, args.quick)))
        return
    import powerplay

    print(f"powerplay {powerplay.__version__} from {Path(powerplay.__file__).parent}")
    for name in args.workloads or WORKLOADS:
        command = [sys.executable, __file__, "--worker", name] + (["--quick"] if args.quick else [])
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            print(f"\n{name}: failed\n{done.stderr.strip()[-2000:]}")
            continue
        _report(name, json.loads(done.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    main()
