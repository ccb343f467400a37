"""A Boltzmann-rational Agent H against an optimal one on the Part 3 maze: time per stage.

The published Part 3 setting at its hardest: Agents H and A on the joint 7x7 maze with the
no-overlap rule (``joint_7x7_gridworld_maze_no_overlaps``, 930 joint states), A's uniformly
random seed policy, both agents at γ = 0.99, independent rewards uniform on [0, 1]. Each case
is solved by :class:`powerplay.solvers.power.MultiAgentProblem` chunk by chunk from the run's
reward stream, in a fresh process, and the cases alternate (optimal, Boltzmann, optimal, ...)
so that a change of machine load hits both alike. Prints, per case, the seconds of each stage
summed over the chunks, the total, the largest certified bound and the mean POWER, then the
ratio of the Boltzmann time to the optimal time and whether it meets the target.

Target (issue 21): a Boltzmann H at γ = 0.99 × 10,000 samples within 2× today's optimal-H time.

Usage::

    python benchmarks/bench_agent_models.py                # 10,000 samples, beta 5
    python benchmarks/bench_agent_models.py --quick        # 1,000 samples
    python benchmarks/bench_agent_models.py --samples 2000 --betas 0.5 5 50 --repeats 2
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap

PYTHON = sys.executable

TARGET = 2.0

_CHILD = textwrap.dedent("""
    import json, sys, time
    import numba
    import powerplay as pp
    from powerplay.model.rewards import RewardDistribution, reward_stream
    from powerplay.solvers.power import MultiAgentProblem

    spec = json.loads(sys.argv[1])
    joint = pp.load_mdp("joint_7x7_gridworld_maze_no_overlaps")
    seed = pp.load_policy("joint_7x7_gridworld_maze_no_overlaps_agent_A_uniform_random")
    gamma = spec["gamma"]
    models = {"H": spec["model"]} if spec["model"] != "optimal" else None
    problem = MultiAgentProblem(joint, seed, gamma, gamma, agent_models=models)
    distribution = RewardDistribution.from_config({"default_dist": {"dist_name": "uniform", "params": [0, 1]}})
    stream = reward_stream(distribution, joint.states, 0, agents=("H", "A"), correlations={"A": 0.0})
    problem.solve(stream.rewards_by_agent(0, 32))  # compiled kernels loaded, lazy structures built
    seconds, bounds, sums = {}, {}, {}
    chunk, n = spec["chunk"], spec["samples"]
    started = time.perf_counter()
    for start in range(0, n, chunk):
        batch = problem.solve(stream.rewards_by_agent(start, min(start + chunk, n)))
        for stage, s in batch.seconds.items():
            seconds[stage] = seconds.get(stage, 0.0) + s
        for stage, conv in batch.convergence.items():
            bounds[stage] = max(bounds.get(stage, 0.0), float(conv.bound.max()))
        for key, power in batch.power.items():
            sums[key] = sums.get(key, 0.0) + float(power.mean(axis=1).sum())
    solve = time.perf_counter() - started
    print(json.dumps({
        "solve": solve, "seconds": seconds, "bound": max(bounds[k] for k in ("H", "A")),
        "mean_power": {k: v / n for k, v in sums.items()}, "threads": numba.get_num_threads(),
    }))
""")


def measure(spec: dict) -> dict:
    out = subprocess.run([PYTHON, "-c", _CHILD, json.dumps(spec)], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1,000 samples")
    parser.add_argument("--samples", type=int, default=None)
    parser.add_argument("--gamma", type=float, default=0.99)
    parser.add_argument("--betas", type=float, nargs="+", default=[5.0])
    parser.add_argument("--chunk", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=1, help="measure each case this many times (the fastest counts)")
    args = parser.parse_args()
    samples = args.samples or (1000 if args.quick else 10_000)
    print(
        f"Agents H and A on the joint 7x7 maze (no overlap), gamma {args.gamma:g}, {samples:,} samples in chunks of "
        f"{args.chunk}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    cases = ["optimal", *({"boltzmann": {"beta": beta}} for beta in args.betas)]
    best: dict[str, float] = {}
    for _ in range(args.repeats):
        for model in cases:
            name = "optimal" if model == "optimal" else f"boltzmann beta {model['boltzmann']['beta']:g}"
            got = measure({"model": model, "gamma": args.gamma, "samples": samples, "chunk": args.chunk})
            best[name] = min(best.get(name, float("inf")), got["solve"])
            stages = ", ".join(f"{stage} {s:.1f} s" for stage, s in got["seconds"].items())
            print(
                f"  H {name:<20} {got['solve']:7.1f} s ({stages}; {got['threads']} threads); largest bound "
                f"{got['bound']:.1e}; mean POWER " + ", ".join(f"{k} {v:.4f}" for k, v in got["mean_power"].items())
            )
    for name, seconds in best.items():
        if name == "optimal":
            continue
        ratio = seconds / best["optimal"]
        verdict = "meets" if ratio <= TARGET else "misses"
        print(
            f"{name}: {ratio:.2f}x the optimal H's time ({seconds:.1f} s vs {best['optimal']:.1f} s): {verdict} the {TARGET:g}x target"
        )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
