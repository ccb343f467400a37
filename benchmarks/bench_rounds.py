"""Counter-optimisation rounds on Part 3's no-overlap 7x7 maze: what each extra round costs.

The run of ``configs/studies/gamma_tied_no_overlap.yaml`` (agents H and A on
``joint_7x7_gridworld_maze_no_overlaps``, A's seed uniform random, rewards uniform on [0, 1],
β = 0) at one discount rate, with ``rounds: K`` set, solved chunk by chunk from the run's reward
stream as a run would. Prints the seconds of one pass of the learning chain's stages (H, then
A), then per round the samples not stopped before it, the round's seconds and their
ratio to one pass, and how the samples ended (fixed point, cycle, neither); then whether "each
extra round costs no more than one more pass of the stages" (issue 21) holds: every round's
seconds at most the pass's. Stage times are CPU seconds of the process (all threads), steadier
than wall-clock ones when other processes share the machine. The rounds reuse the chain's kernels (policy iteration on the joint
MDP); samples that reach a fixed point or a cycle leave the batch, and a fixed point is known
once ``n - 1`` re-trainings in a row change nothing (the last one is not computed). The
machine's load average is printed: the figures are only comparable on an idle machine.

Usage::

    python benchmarks/bench_rounds.py                  # gamma 0.9 and 0.99, 512 samples, 8 rounds
    python benchmarks/bench_rounds.py --quick          # gamma 0.9, 64 samples, 4 rounds
    python benchmarks/bench_rounds.py --samples 1024 --rounds 12 --gammas 0.99
    python benchmarks/bench_rounds.py --boltzmann-h 5       # also with a Boltzmann-rational H (beta 5)
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

from powerplay.runner.build import build_experiment
from powerplay.runner.config import load_sweep_config
from powerplay.solvers import power

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "studies" / "gamma_tied_no_overlap.yaml"


def run_config(gamma: float, samples: int, rounds: int, model_H: object = "optimal") -> dict:
    """The Part 3 config's run at ``gamma`` with ``samples`` samples, ``rounds`` rounds and
    Agent H's model ``model_H`` (a config value: ``'optimal'``, ``{'boltzmann': {'beta': 5}}``)."""
    for run in load_sweep_config(CONFIG).runs():
        if run.config["discount_rate"] == gamma:
            extra = {} if model_H == "optimal" else {"agent_model_agent_H": model_H}
            return {**run.config, "num_reward_samples": samples, "rounds": rounds, **extra}
    raise SystemExit(f"{CONFIG.name} has no run at discount rate {gamma}")


class _ProcessClock:
    """Stands in for the solver module's ``time``: its stage timings become CPU seconds of the
    process (every thread's), which other processes on a loaded machine disturb far less than
    wall-clock seconds."""

    perf_counter = staticmethod(time.process_time)


def measure(gamma: float, samples: int, rounds: int, chunk: int, model_H: object = "optimal") -> dict:
    experiment = build_experiment(run_config(gamma, samples, rounds, model_H))
    problem = experiment.problem()
    stream = experiment.reward_stream()
    seconds: dict[str, float] = {}
    outcomes = []
    started, cpu = time.perf_counter(), time.process_time()
    for start in range(0, samples, chunk):
        batch = problem.solve(stream.rewards_by_agent(start, min(start + chunk, samples)))
        for stage, s in batch.seconds.items():
            seconds[stage] = seconds.get(stage, 0.0) + s
        if batch.rounds is not None:
            outcomes.append(batch.rounds)
    total, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"seconds": seconds, "total": total, "cpu": cpu, "outcomes": outcomes, "agents": problem.agents}


def report(gamma: float, samples: int, rounds: int, chunk: int, model_H: object = "optimal") -> bool:
    print(
        f"\n== Part 3 no-overlap 7x7 maze, gamma {gamma}, {samples} samples in chunks of {chunk}, {rounds} rounds, "
        f"Agent H {model_H} =="
    )
    base = measure(gamma, samples, 0, chunk, model_H)
    agents = base["agents"]
    one_pass = sum(base["seconds"][f"learn {a}"] for a in agents)
    stages = " + ".join(f"learn {a} {base['seconds']['learn ' + a]:.2f}" for a in agents)
    # The chain's other stages (a non-optimal agent's evaluation, the POWER evaluations) run
    # once whatever the rounds; the verdict compares a round with the learning stages alone.
    every_stage = sum(s for stage, s in base["seconds"].items() if not stage.startswith("round"))
    print(
        f"rounds 0: {base['total']:.2f} s wall, {base['cpu']:.2f} s CPU in all; one pass of the stages "
        f"({stages}) = {one_pass:.2f} s CPU ({every_stage:.2f} s with the evaluations)"
    )
    run = measure(gamma, samples, rounds, chunk, model_H)
    fixed = np.concatenate([o.fixed_point for o in run["outcomes"]])
    cycle = np.concatenate([o.cycle for o in run["outcomes"]])
    period = np.concatenate([o.period for o in run["outcomes"]])
    stopped = np.where(fixed > 0, fixed, np.where(cycle > 0, cycle, rounds + 1))
    extra = run["cpu"] - base["cpu"]
    print(
        f"rounds {rounds}: {run['total']:.2f} s wall, {run['cpu']:.2f} s CPU in all ({extra:+.2f} s CPU over rounds 0: "
        f"{extra / rounds / one_pass:.2f} passes per round on average)"
    )
    print(f"{'round':>5} {'samples':>11} {'CPU s':>8} {'/ pass':>7}   by agent")
    holds = True
    for r in range(1, rounds + 1):
        spent = {a: run["seconds"].get(f"round {r} {a}", 0.0) for a in agents}
        total = sum(spent.values())
        if not total:
            break
        ratio = total / one_pass
        holds &= ratio <= 1.0
        active = int(np.sum(stopped >= r))  # not stopped before round r (a few stop without computing it)
        by_agent = ", ".join(f"{a} {s:.2f}" for a, s in spent.items())
        print(f"{r:>5} {active:>11,} {total:>8.2f} {ratio:>7.2f}   {by_agent}")
    print(
        f"outcomes: {int((fixed > 0).sum())} fixed points (by round: "
        f"{dict(zip(*np.unique(fixed[fixed > 0], return_counts=True)))}), "
        f"{int((cycle > 0).sum())} cycles (periods: {dict(zip(*np.unique(period[period > 0], return_counts=True)))}), "
        f"{int(((fixed == 0) & (cycle == 0)).sum())} unsettled of {samples}"
    )
    print(f"each extra round costs no more than one more pass of the stages: {'yes' if holds else 'NO'}")
    return holds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="gamma 0.9, 64 samples, 4 rounds")
    parser.add_argument("--samples", type=int, default=512)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--chunk", type=int, default=256)
    parser.add_argument("--gammas", type=float, nargs="+", default=[0.9, 0.99])
    parser.add_argument(
        "--boltzmann-h",
        type=float,
        default=None,
        metavar="BETA",
        help="also measure with a Boltzmann-rational Agent H of this beta (its re-trainings are value iteration)",
    )
    args = parser.parse_args()
    if args.quick:
        args.samples, args.rounds, args.gammas, args.chunk = 64, 4, [0.9], 64
    load = os.getloadavg()
    print(
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores (compare on an idle machine)"
    )
    build_experiment(run_config(args.gammas[0], 8, 1)).problem().solve(  # compile and warm up
        build_experiment(run_config(args.gammas[0], 8, 1)).reward_stream().rewards_by_agent(0, 8)
    )
    power.time = _ProcessClock  # stage timings in CPU seconds (see _ProcessClock)
    models: list[object] = ["optimal"]
    if args.boltzmann_h is not None:
        models.append({"boltzmann": {"beta": args.boltzmann_h}})
    for model_H in models:
        for gamma in args.gammas:
            report(gamma, args.samples, args.rounds, args.chunk, model_H)


if __name__ == "__main__":
    main()
