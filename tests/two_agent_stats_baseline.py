"""Two-agent files and statistics recorded from main before the N-agent statistics, to pin them bit for bit.

:func:`digests` runs Part 3's no-overlap 7x7 maze (96 reward samples, β = 0 and -0.5, in
diagnostic mode, heat maps as gridworlds) and a single-agent 7x7 maze, and returns
``{case: sha256 prefix}`` of what a user reads of them: ``power.csv`` and ``summary.npz``
byte for byte, ``run.json``'s α record, the runs table (``runs.csv`` without its timing
columns), ``to_dataframe`` with α statistics, the statistic registry's values and paired
differences, and the pixels of the heat maps and alignment plots. ``tests/test_agents_stats.py``
compares them with :data:`RECORDED`, the digests this module printed on main at commit
8138ba4 (``python tests/two_agent_stats_baseline.py``). The α records, the runs table's columns
and the statistic registry's values were re-recorded when the corrected α's unclipped value
was added (``alpha_corrected_unclipped``, ``alpha_HA_corrected_unclipped``): with that field
dropped, every digest was still the one recorded at 8138ba4.
"""

from __future__ import annotations

import hashlib
import json
import math
import tempfile
from pathlib import Path

import numpy as np
import yaml
from PIL import Image

UNIFORM = {"default_dist": {"dist_name": "uniform", "params": [0, 1]}, "allow_all_equal_rewards": False}

PART_3 = {
    "joint_mdp_graph": {"value": "joint_7x7_gridworld_maze_no_overlaps"},
    "seed_policy_graph_agent_A": {"value": "joint_7x7_gridworld_maze_no_overlaps_agent_A_uniform_random"},
    "discount_rate": {"value": 0.99},
    "discount_rate_agent_A": {"value": 0.99},
    "reward_correlation": {"values": [0, -0.5], "names": ["0", "n0p5"]},
    "reward_distribution": {"value": UNIFORM},
    "num_reward_samples": {"value": 96},
    "random_seed": {"value": 0},
}
SINGLE = {
    "mdp_graph": {"value": "7x7_gridworld_maze"},
    "discount_rate": {"value": 0.9},
    "reward_distribution": {"value": UNIFORM},
    "num_reward_samples": {"value": 64},
    "random_seed": {"value": 3},
}

#: Statistics whose values (per run) and paired differences (between the two runs) are pinned.
STATISTICS = (
    "alpha",
    "alpha_corrected",
    "alpha:H:A",
    "average_power",
    "average_power:A",
    "power:(0, 6)_H^(1, 3)_A:A",
    'contrast:H:"(0, 6)_H^(1, 3)_A" - "(0, 6)_H^(*, *)_A"',
    "rank:A",
)

#: Runs-table columns that depend on the machine (timing) or the folder.
UNPINNED_COLUMNS = ("seconds", "samples_per_second", "folder")


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:24]


def _json(value) -> bytes:
    def plain(x):
        if isinstance(x, float) and not math.isfinite(x):
            return repr(x)
        if isinstance(x, dict):
            return {str(k): plain(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [plain(v) for v in x]
        if isinstance(x, np.generic):
            return plain(x.item())
        return x

    return json.dumps(plain(value), sort_keys=True).encode()


def _pixels(path: Path) -> str:
    with Image.open(path) as image:
        array = np.asarray(image.convert("RGBA"))
    return _digest(str(array.shape).encode() + array.tobytes())


def _estimate(estimate) -> list:
    return [estimate.value, estimate.sem, estimate.undefined, estimate.sem_undefined, estimate.paired]


def _columns(statistic, run) -> dict:
    """A statistic's runs-table columns as main gave them: α_HA corrected's then included the
    reliabilities and suggested sample count, which are now :func:`reliability_columns` of the run."""
    columns = dict(statistic.columns(run))
    if statistic.kind == "alpha_corrected" and columns and "reliability_H" not in columns:
        from powerplay.stats.statistics import reliability_columns

        columns.update(reliability_columns(run.alignments()))
    return columns


def digests() -> dict[str, str]:
    """``{case: digest}`` of every pinned file and number (see the module notes)."""
    from powerplay.figures.report.data import gather_report_data
    from powerplay.figures.run_figures import FigureOptions, RunFigures
    from powerplay.runner.sweep import run_sweep
    from powerplay.stats.statistics import parse_statistic

    out: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        figures = RunFigures(FigureOptions(plot_as_gridworld=True, diagnostic=True))
        for case, parameters in (("part3", PART_3), ("single", SINGLE)):
            config = root / f"{case}.yaml"
            config.write_text(yaml.safe_dump({"name": case, "parameters": parameters}, sort_keys=False))
            sweep = run_sweep(config, root / "expts", diagnostic=case == "part3", listeners=[figures])
            for run in sweep.runs:
                name = f"{case}/{run.name.split('-', 2)[-1]}"
                for file in ("power.csv", "summary.npz"):
                    out[f"{name}/{file}"] = _digest((run.path / file).read_bytes())
                out[f"{name}/alignment"] = _digest(_json(run.info.get("alignment")))
                out[f"{name}/power_keys"] = ",".join(run.power_keys)
                for png in sorted(run.path.glob("*.png")):
                    out[f"{name}/{png.name.split('-' + run.name)[0]}"] = _pixels(png)
            rows = [{k: v for k, v in row.items() if k not in UNPINNED_COLUMNS} for row in sweep.table()]
            out[f"{case}/runs_table"] = _digest(_json(rows))
            out[f"{case}/runs_table/columns"] = ",".join(rows[0])
            statistics = [s for s in STATISTICS if case == "part3" or (":A" not in s and "alpha" not in s)]
            statistics = [s for s in statistics if "contrast" not in s or case == "part3"]
            frame = sweep.to_dataframe(statistics=[s for s in statistics if not s.startswith("rank")])
            out[f"{case}/dataframe"] = _digest(frame.to_csv(index=False).encode())
            out[f"{case}/dataframe/columns"] = ",".join(frame.columns)
            runs = list(sweep.runs)
            for text in statistics:
                statistic = parse_statistic(text)
                values = [_estimate(statistic.of_run(run)) for run in runs]
                values += [_estimate(statistic.difference(runs[0], runs[-1]))] if len(runs) > 1 else []
                values += [_columns(statistic, run) for run in runs]
                out[f"{case}/statistic/{statistic.spec}"] = _digest(_json(values))
            report = gather_report_data(sweep)
            out[f"{case}/report/keys"] = ",".join(report.keys)
            out[f"{case}/report/table"] = _digest(
                _json([{k: v for k, v in row.items() if k not in UNPINNED_COLUMNS} for row in report.table])
            )
    return out


#: Printed on main at 8138ba4 (before the N-agent statistics).
RECORDED: dict[str, str] = {
    "part3/reward_correlation__0/power.csv": "ee74bf2c5183d63fa3fdf879",
    "part3/reward_correlation__0/summary.npz": "b8d672ab6af1c3c6c62253ca",
    "part3/reward_correlation__0/alignment": "b2912544daedd4e02a6c9635",
    "part3/reward_correlation__0/power_keys": "H,A,H_against_seed,A_seed",
    "part3/reward_correlation__0/POWER_alignment": "5182f8e62d2e3c8bdb241679",
    "part3/reward_correlation__0/POWER_means-agent_A": "eba4dd5f3dfc7afc81cfc07b",
    "part3/reward_correlation__0/POWER_means-agent_A_seed": "e7bbd08979c3595b513344af",
    "part3/reward_correlation__0/POWER_means-agent_H": "c876cfca33c4a01307a7ef69",
    "part3/reward_correlation__0/POWER_means-agent_H_against_seed": "61d01793b2dc74271223b936",
    "part3/reward_correlation__n0p5/power.csv": "49e665043d4471638eca6813",
    "part3/reward_correlation__n0p5/summary.npz": "0add0212b37818a6e5177d29",
    "part3/reward_correlation__n0p5/alignment": "4384b3e3bbfa1ea36d3c208d",
    "part3/reward_correlation__n0p5/power_keys": "H,A,H_against_seed,A_seed",
    "part3/reward_correlation__n0p5/POWER_alignment": "58596bbb5a6ca79a3cb76140",
    "part3/reward_correlation__n0p5/POWER_means-agent_A": "0bef756ace6e4b83ba89cafd",
    "part3/reward_correlation__n0p5/POWER_means-agent_A_seed": "1ac6e1f144cb715c9f8e8901",
    "part3/reward_correlation__n0p5/POWER_means-agent_H": "5a59e1b85a88ffae112fabd1",
    "part3/reward_correlation__n0p5/POWER_means-agent_H_against_seed": "2337702dd67fa294ccc30277",
    "part3/runs_table": "97914081291b9e3abbf5c7f3",
    "part3/runs_table/columns": "run,reward_correlation,reward_correlation_name,num_reward_samples,random_seed,bound_max,samples_capped,samples_kept,power_H_mean,power_H_mean_sem,power_A_mean,power_A_mean_sem,power_H_against_seed_mean,power_H_against_seed_mean_sem,power_A_seed_mean,power_A_seed_mean_sem,alpha_HA,alpha_HA_sem,alpha_HA_low,alpha_HA_high,alpha_HA_undefined,alpha_HA_corrected,alpha_HA_corrected_sem,alpha_HA_corrected_low,alpha_HA_corrected_high,alpha_HA_corrected_undefined,alpha_HA_corrected_unclipped,reliability_H,reliability_H_low,reliability_H_high,reliability_A,reliability_A_low,reliability_A_high,suggested_samples,suggested_samples_is_lower_bound",
    "part3/dataframe": "58e89a691c1a7931fc764df1",
    "part3/dataframe/columns": 'run,reward_correlation,state,agent,power_mean,power_sem,power_variance,num_samples,alpha,alpha_sem,alpha_corrected,alpha_corrected_sem,average_power:H,average_power:H_sem,average_power:A,average_power:A_sem,power:(0, 6)_H^(1, 3)_A:A,power:(0, 6)_H^(1, 3)_A:A_sem,contrast:H:"(0, 6)_H^(1, 3)_A" - "(0, 6)_H^(*, *)_A",contrast:H:"(0, 6)_H^(1, 3)_A" - "(0, 6)_H^(*, *)_A"_sem',
    "part3/statistic/alpha": "1288e63f289cba90e68f4173",
    "part3/statistic/alpha_corrected": "8fcf6fd0ae637cbd19235df6",
    "part3/statistic/average_power:H": "eaf293e7e5f8de83da5a8276",
    "part3/statistic/average_power:A": "6ecb9f07ef4d42a0ef8c1a34",
    "part3/statistic/power:(0, 6)_H^(1, 3)_A:A": "cd38868a8b5616595262118f",
    'part3/statistic/contrast:H:"(0, 6)_H^(1, 3)_A" - "(0, 6)_H^(*, *)_A"': "76548df5658762c9e8fe76f7",
    "part3/statistic/rank:A": "cabdfa4c4eca3c91e022c122",
    "part3/report/keys": "H,A",
    "part3/report/table": "97914081291b9e3abbf5c7f3",
    "single/single/power.csv": "d3552ffe5636838696c52cef",
    "single/single/summary.npz": "230a0a6d5af63badf288a8e9",
    "single/single/alignment": "74234e98afe7498fb5daf1f3",
    "single/single/power_keys": "H",
    "single/single/POWER_means": "2a99e4fdb246553e08526e3a",
    "single/runs_table": "c4ceb6f2b504c288415abc33",
    "single/runs_table/columns": "run,num_reward_samples,random_seed,bound_max,samples_capped,samples_kept,power_H_mean,power_H_mean_sem",
    "single/dataframe": "2607755d92a3978fbb774ba6",
    "single/dataframe/columns": "run,state,agent,power_mean,power_sem,power_variance,num_samples,average_power:H,average_power:H_sem",
    "single/statistic/average_power:H": "51a7da036af244a29de0c605",
    "single/report/keys": "H",
    "single/report/table": "c4ceb6f2b504c288415abc33",
}


if __name__ == "__main__":
    print("RECORDED: dict[str, str] = {")
    for key, value in digests().items():
        print(f"    {key!r}: {value!r},")
    print("}")
