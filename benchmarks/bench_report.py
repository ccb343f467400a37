"""Sweep-report benchmark: writing the HTML file, its size, and rendering it in headless Chromium.

Run ``python benchmarks/bench_report.py`` (a couple of minutes on 2 cores). The workload is
the target of issue 13: a γ sweep of the no-overlap joint 7x7 maze (930 joint states), 8
discount rates x 3 reward correlations = 24 runs, each with Agent A on its uniformly random
seed policy. ``--samples N`` sets reward samples per run (default 200: the report reads only
per-state statistics, so the sample count changes neither its size nor its rendering much);
``--repeats N`` how often the page is loaded (default 5); ``--keep DIR`` keeps the sweep and
the report there; ``--quick`` (what CI runs) is 50 samples and one load of each kind.

It prints:

* the time to compute the sweep (for scale, not part of the report);
* the time to write the report (reading statistics, building the page, serialising);
* the file's size, and how much of it is BokehJS and how much is data;
* the render time in headless Chromium -- from navigation start until BokehJS reports every
  plot rendered (its document is idle) -- for a cold browser (a new Chromium process per
  load) and a warm one (the same process, page reloaded), as median and worst of the repeats.

Target: under 3 s to render, under ~10 MB. No assertions: this prints numbers. Needs
Chromium and ChromeDriver (``scripts/setup.sh --test`` installs Debian's).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

GAMMAS = [0.1, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99]
BETAS = [0, 0.5, 1]


def sweep_config(samples: int) -> dict:
    return {
        "name": "report_bench_maze_no_overlap_gamma",
        "description": "joint 7x7 maze without overlaps: 8 discount rates x 3 reward correlations",
        "parameters": {
            "joint_mdp_graph": {"value": "joint_7x7_gridworld_maze_no_overlaps"},
            "seed_policy_graph_agent_A": {"value": "joint_7x7_gridworld_maze_no_overlaps_agent_A_uniform_random"},
            "discount_rate": {"values": GAMMAS, "names": [f"{g:g}".replace(".", "p") for g in GAMMAS]},
            "discount_rate_agent_A": {"value": 0.9},
            "reward_distribution": {"value": {"default_dist": {"dist_name": "uniform", "params": [0, 1]}}},
            "reward_correlation": {"values": BETAS, "names": [f"{b:g}".replace(".", "p") for b in BETAS]},
            "num_reward_samples": {"value": samples},
            "random_seed": {"value": 0},
        },
    }


def script_sizes(text: str) -> tuple[int, int]:
    """Bytes of inlined library code and of everything else (the page's data and markup)."""
    library = sum(
        len(body) for body in re.findall(r"<script[^>]*>(.*?)</script>", text, re.S) if "BEGIN bokeh" in body[:200]
    )
    return library, len(text) - library


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--keep", type=Path, default=None)
    parser.add_argument("--quick", action="store_true", help="50 samples per run, one load of each kind")
    args = parser.parse_args()
    if args.quick:
        args.samples, args.repeats = 50, 1

    from powerplay.figures.report import browser, write_report
    from powerplay.runner.config import parse_sweep_config
    from powerplay.runner.sweep import run_sweep

    if browser.find_browser() is None:
        print(f"cannot render: {browser.missing_browser_reason()}", file=sys.stderr)
        return 1
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench_report_"))
    config = parse_sweep_config(yaml.safe_dump(sweep_config(args.samples), sort_keys=False), source="<bench_report>")
    start = time.perf_counter()
    sweep = run_sweep(config, folder / "expts", keep_samples=False)
    print(
        f"sweep: {len(sweep.runs)} runs x {len(sweep.states)} joint states, {args.samples} samples each, "
        f"computed in {time.perf_counter() - start:.1f} s ({sweep.path})"
    )

    times = []
    for _ in range(3):
        start = time.perf_counter()
        path = write_report(sweep, folder / "report.html")
        times.append(time.perf_counter() - start)
    text = path.read_text(encoding="utf-8")
    library, data = script_sizes(text)
    print(f"write_report: median {statistics.median(times):.2f} s over {len(times)} (first {times[0]:.2f} s)")
    print(
        f"file: {path.stat().st_size / 1e6:.2f} MB ({library / 1e6:.2f} MB BokehJS, {data / 1e6:.2f} MB data and markup)"
    )

    cold, warm = [], []
    for _ in range(args.repeats):
        with browser.headless_chromium() as driver:
            cold.append(browser.open_report(driver, path))
            errors = browser.console_errors(driver)
            for _ in range(args.repeats):
                warm.append(browser.open_report(driver, path))
    print(
        f"render, cold browser: median {statistics.median(cold) / 1000:.2f} s, worst {max(cold) / 1000:.2f} s ({len(cold)} loads)"
    )
    print(
        f"render, warm browser: median {statistics.median(warm) / 1000:.2f} s, worst {max(warm) / 1000:.2f} s ({len(warm)} loads)"
    )
    print(f"console errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    print(
        f"target: render < 3 s -> {'met' if max(cold) < 3000 else 'NOT met'} (worst cold load); size < 10 MB -> "
        f"{'met' if path.stat().st_size < 10e6 else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
