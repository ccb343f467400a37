"""Building joint gridworlds of two or more agents: time and peak memory.

Prints, for each case (each built in a fresh process, so peak memory is that build's own), the
joint states, joint actions per state and transitions, the best build time of a few repeats,
and the peak resident memory above the interpreter with powerplay imported:

* two agents on the published 7x7 maze (allow, remove, block): the published environments;
* three agents on the 7x7 maze (29,791 joint states x 125 joint actions): target a few
  seconds and a few hundred MB; with every interaction rule (``allow``, ``remove``,
  ``block``, ``no_swap``, ``push``) and the lists ``[no_swap, block]`` and ``[no_swap, push]``;
* three agents on the 7x7 maze with wind (column 3, up, 0.2) under ``push``;
* three agents on the 7x7 maze with noise 0.1 under ``block`` and ``push`` (25 million transitions);
* with ``--quick``: only the deterministic cases, once each.

Usage::

    python benchmarks/bench_joint_gridworld.py
    python benchmarks/bench_joint_gridworld.py --quick
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap

PYTHON = sys.executable

_CHILD = textwrap.dedent("""
    import json, resource, sys, time
    import powerplay as pp
    from powerplay.model.environments import MAZE_7X7
    spec = json.loads(sys.argv[1])
    single = pp.gridworld_from_map(MAZE_7X7, stochastic_noise_level=spec["noise"], name="7x7 maze", wind=spec["wind"])
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    best = float("inf")
    for _ in range(spec["repeats"]):
        started = time.perf_counter()
        joint = pp.joint_gridworld(single, agents=spec["agents"], interaction=spec["rule"])
        best = min(best, time.perf_counter() - started)
        if spec["repeats"] > 1:
            del joint
    joint = pp.joint_gridworld(single, agents=spec["agents"], interaction=spec["rule"]) if spec["repeats"] > 1 else joint
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": best, "peak_mb": peak - baseline, "states": joint.num_states,
                      "width": joint.num_joint_actions, "transitions": int(joint.transitions.nnz)}))
""")


def measure(agents: list[str], rule: str | list[str], noise: float, repeats: int, wind: dict | None = None) -> dict:
    spec = {"agents": agents, "rule": rule, "noise": noise, "repeats": repeats, "wind": wind}
    out = subprocess.run([PYTHON, "-c", _CHILD, json.dumps(spec)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="deterministic cases only, built once")
    args = parser.parse_args()
    repeats = 1 if args.quick else 3
    wind = {"column": 3, "direction": "up", "probability": 0.2}
    rules: list[str | list[str]] = ["allow", "remove", "block", "no_swap", "push", ["no_swap", "block"]]
    cases = [(["H", "A"], rule, 0.0, None) for rule in ("allow", "remove", "block")]
    cases += [(["H", "A", "B"], rule, 0.0, None) for rule in rules + [["no_swap", "push"]]]
    cases.append((["H", "A", "B"], "push", 0.0, wind))
    if not args.quick:
        cases += [(["H", "A", "B"], rule, 0.1, None) for rule in ("block", "push")]
    print("Joint gridworlds on the 7x7 maze (31 cells): best of", repeats, "build(s), peak memory above import")
    print(
        f"{'agents':<8} {'rule':<16} {'noise':>5} {'wind':>5} {'states':>8} {'actions':>8} {'transitions':>12} "
        f"{'time':>8} {'peak':>9}"
    )
    for agents, rule, noise, blow in cases:
        got = measure(agents, rule, noise, repeats, blow)
        named = rule if isinstance(rule, str) else "[" + ", ".join(rule) + "]"
        print(
            f"{' '.join(agents):<8} {named:<16} {noise:>5g} {blow['probability'] if blow else 0:>5g} "
            f"{got['states']:>8,} {got['width']:>8,} {got['transitions']:>12,} {got['seconds']:>7.2f}s "
            f"{got['peak_mb']:>6.0f} MB"
        )


if __name__ == "__main__":
    main()
