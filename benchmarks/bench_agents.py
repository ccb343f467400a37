"""Three agents learning one after another on the 7x7 maze: time per stage and peak memory.

Each case runs in a fresh process (so its peak memory is its own): the joint gridworld of
agents H, A, B (31^3 = 29,791 joint states, 125 joint actions; 26,970 with ``remove``),
uniform random seed policies, rewards uniform on [0, 1] (B's and A's uncorrelated with H's),
solved by :class:`powerplay.solvers.power.LearningChainProblem` chunk by chunk from a
:class:`powerplay.model.rewards.RewardStream`, as a run would. Prints, per case, the seconds
of building the problem and of each stage summed over the chunks, the total, the peak
resident memory (and the solver's own estimate, :func:`~powerplay.solvers.power.learning_chain_memory`),
the largest certified bound, and the machine's load average (the figures are only
comparable on an idle machine).

Targets (issue 20, 2 cores): gamma = 0.9 x 1,000 samples under 5 minutes with peak memory
under 4 GB; gamma = 0.99 x 1,000 samples under 30 minutes.

Usage::

    python benchmarks/bench_agents.py                 # both rules, gamma 0.9 and 0.99, 1,000 samples
    python benchmarks/bench_agents.py --quick         # 64 samples, gamma 0.9
    python benchmarks/bench_agents.py --samples 256 --gammas 0.99 --rules remove
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap

PYTHON = sys.executable

_CHILD = textwrap.dedent("""
    import json, os, resource, sys, time
    import numpy as np
    import numba
    import powerplay as pp
    from powerplay.model.environments import MAZE_7X7
    from powerplay.model.policy import uniform_random_policy
    from powerplay.model.rewards import RewardDistribution, reward_stream
    from powerplay.solvers.power import LearningChainProblem, learning_chain_memory

    spec = json.loads(sys.argv[1])
    agents = ("H", "A", "B")
    single = pp.gridworld_from_map(MAZE_7X7, name="7x7 maze")
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    started = time.perf_counter()
    joint = pp.joint_gridworld(single, agents=agents, interaction=spec["rule"])
    seeds = {a: uniform_random_policy(joint, a) for a in agents[1:]}
    gamma = spec["gamma"]
    problem = LearningChainProblem(joint, agents, {a: gamma for a in agents}, seeds, diagnostic=spec["diagnostic"])
    build = time.perf_counter() - started
    distribution = RewardDistribution.from_config({"default_dist": {"dist_name": "uniform", "params": [0, 1]}})
    stream = reward_stream(distribution, joint.states, 0, agents=agents, correlations={"A": 0.0, "B": 0.0})
    seconds, bounds, sums = {}, {}, {}
    chunk, n = spec["chunk"], spec["samples"]
    started = time.perf_counter()
    for start in range(0, n, chunk):
        rewards = stream.rewards_by_agent(start, min(start + chunk, n))
        batch = problem.solve(rewards)
        for stage, s in batch.seconds.items():
            seconds[stage] = seconds.get(stage, 0.0) + s
        for stage, conv in batch.convergence.items():
            bounds[stage] = max(bounds.get(stage, 0.0), float(conv.bound.max()))
        for key, power in batch.power.items():
            sums[key] = sums.get(key, 0.0) + float(power.mean(axis=1).sum())
    solve = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    memory = learning_chain_memory(joint, agents, spec["diagnostic"])
    estimate = memory.total(chunk, joint.num_states, numba.get_num_threads())
    print(json.dumps({
        "states": joint.num_states, "build": build, "solve": solve, "seconds": seconds,
        "bound": max(bounds.values()), "peak": peak, "baseline": baseline, "estimate": estimate,
        "mean_power": {k: v / n for k, v in sums.items()}, "threads": numba.get_num_threads(),
    }))
""")


def measure(spec: dict) -> dict:
    out = subprocess.run([PYTHON, "-c", _CHILD, json.dumps(spec)], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


#: Issue 20's targets per discount rate for 1,000 samples: (seconds, peak bytes or None).
TARGETS = {0.9: (5 * 60, 4 * 2**30), 0.99: (30 * 60, None)}


def verdict(gamma: float, samples: int, seconds: float, peak: int) -> str:
    """The target line of one case: met or not, scaled to 1,000 samples (time grows with the samples, memory not)."""
    if gamma not in TARGETS:
        return f"no target at gamma {gamma:g}"
    limit, memory = TARGETS[gamma]
    per_thousand = seconds * 1000 / samples
    scaled = "" if samples == 1000 else f" (scaled from {samples:,} samples)"
    met = per_thousand <= limit and (memory is None or peak <= memory)
    memory_text = f" and peak under {memory / 2**30:.0f} GB" if memory else ""
    return (
        f"target: 1,000 samples within {limit / 60:.0f} min{memory_text}: {per_thousand / 60:.1f} min{scaled}, "
        f"peak {peak / 2**30:.2f} GB -> {'met' if met else 'NOT met'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="64 samples at gamma 0.9")
    parser.add_argument("--samples", type=int, default=None)
    parser.add_argument("--gammas", type=float, nargs="+", default=None)
    parser.add_argument("--rules", nargs="+", default=["remove", "allow"])
    parser.add_argument("--chunk", type=int, default=64, help="samples per chunk (default 64: two threads x 32 lanes)")
    parser.add_argument("--diagnostic", action="store_true", help="also the diagnostic POWER keys")
    args = parser.parse_args()
    samples = args.samples or (64 if args.quick else 1000)
    gammas = args.gammas or ([0.9] if args.quick else [0.9, 0.99])
    print(
        f"Three agents (H, A, B) on the 7x7 maze, {samples:,} samples in chunks of {args.chunk}, load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    for rule in args.rules:
        for gamma in gammas:
            spec = {
                "rule": rule,
                "gamma": gamma,
                "samples": samples,
                "chunk": args.chunk,
                "diagnostic": args.diagnostic,
            }
            got = measure(spec)
            stages = ", ".join(f"{stage} {s:.1f} s" for stage, s in got["seconds"].items())
            print(
                f"  {rule:<7} gamma {gamma:<5g} {got['states']:,} states, {got['threads']} threads: build "
                f"{got['build']:.1f} s, solve {got['solve']:.1f} s ({stages}); peak {got['peak'] / 2**30:.2f} GB "
                f"({(got['peak'] - got['baseline']) / 2**30:.2f} GB above import; solver estimate "
                f"{got['estimate'] / 2**30:.2f} GB); largest bound {got['bound']:.1e}; mean POWER "
                + ", ".join(f"{k} {v:.4f}" for k, v in got["mean_power"].items())
            )
            print("    " + verdict(gamma, samples, got["build"] + got["solve"], got["peak"]))
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
