"""Sweeps of three agents built from synthetic POWER samples (helpers only; this module has no tests).

Until the N-agent solver computes them, three-agent runs are written by the real run-folder
and sweep writers (:func:`powerplay.storage.write_run`, :func:`~powerplay.storage.sweeps.create_sweep_folder`)
from per-sample POWER arrays built here: each agent's per-state mean is a known function of
the joint state (:func:`true_means`), and the samples are antithetic pairs ``m ± e``, so the
per-state means are exactly (to rounding) those functions whatever the noise. Everything
read back -- tables, figures, reports -- is then checked against numbers computed here
independently.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import yaml

from powerplay.model.labels import cells_of, split_joint_label
from powerplay.runner.build import build_scenario, scenario_environment
from powerplay.stats.summary import RunSummary
from powerplay.storage import load_sweep, write_run
from powerplay.storage.sweeps import create_sweep_folder, new_sweep_record, run_folder_name

AGENTS = ("H", "A", "B")
UNIFORM = {"default_dist": {"dist_name": "uniform", "params": [0, 1]}}


def run_config(beta: float, interaction: str = "remove", samples: int = 64, environment: str = "3x3_gridworld"):
    """The resolved config (``run.yaml``) of one three-agent run."""
    return {
        "agents": list(AGENTS),
        "mdp_graph": environment,
        "interaction": interaction,
        "discount_rate": 0.9,
        "seed_policy": "uniform_random",
        "reward_correlation": beta,
        "reward_distribution": UNIFORM,
        "num_reward_samples": samples,
        "random_seed": 0,
        "convergence_threshold": 1e-4,
        "experiment_type": "multiagent_with_reward",
    }


def positions(states, agents=AGENTS) -> np.ndarray:
    """``[n, S, 2]`` every agent's cell in every joint state (parsed here, independently of the figures)."""
    return np.array([cells_of(split_joint_label(s, agents)) for s in states]).transpose(1, 0, 2)


def true_means(states, beta: float) -> dict[str, np.ndarray]:
    """Each agent's per-state mean POWER: highest in the grid's centre, lowered by a neighbour;
    A's leans on H's (so α_HA > 0), B's against H's by ``beta`` (α_HB follows β)."""
    cells = positions(states).astype(np.float64)
    centre = cells.reshape(-1, 2).max(axis=0) / 2
    own = {a: 1.0 - 0.1 * np.abs(cells[k] - centre).sum(axis=1) for k, a in enumerate(AGENTS)}
    near = {
        a: sum(np.abs(cells[k] - cells[j]).sum(axis=1) <= 1 for j in range(len(AGENTS)) if j != k)
        for k, a in enumerate(AGENTS)
    }
    h = own["H"] - 0.05 * near["H"]
    return {
        "H": h,
        "A": 0.6 * own["A"] + 0.4 * h - 0.03 * near["A"],
        "B": (1 - abs(beta)) * own["B"] + beta * h + 0.02 * cells[2, :, 1],
    }


def samples_of(means: dict[str, np.ndarray], num_samples: int, noise: float = 0.05, seed: int = 0):
    """Antithetic samples ``[N, S]``: pairs ``m + e``, ``m - e`` (the per-state means are ``m``)."""
    rng = np.random.default_rng(seed)
    out = {}
    for key, mean in means.items():
        e = rng.normal(scale=noise, size=(num_samples // 2, len(mean)))
        out[key] = np.stack([mean + e, mean - e], axis=1).reshape(num_samples, len(mean))
    return out


def trio_sweep(
    root: Path,
    betas=(0.0, 0.5),
    *,
    interaction: str = "remove",
    samples: int = 64,
    diagnostic: bool = False,
    name: str = "trio",
    environment: str = "3x3_gridworld",
):
    """A finished sweep of three agents over ``reward_correlation`` (one run per β), written by the
    real writers from synthetic samples; returns ``(StoredSweep, {suffix: samples})``."""
    names = [f"{b:g}".replace("-", "n").replace(".", "p") for b in betas]
    suffixes = [f"reward_correlation__{n}" for n in names]
    runs = [
        {"suffix": s, "values": {"reward_correlation": b}, "names": {"reward_correlation": n}}
        for s, b, n in zip(suffixes, betas, names)
    ]
    config = {"name": name, "parameters": {"agents": {"value": list(AGENTS)}}}
    config_bytes = yaml.safe_dump(config).encode()
    record = new_sweep_record(
        "0001",
        name,
        "multiagent_with_reward",
        config_bytes,
        runs=runs,
        swept={"reward_correlation": {"values": list(betas), "names": names}},
    )
    folder = create_sweep_folder(root, record, config_bytes)
    kept = {}
    for suffix, beta in zip(suffixes, betas):
        config = run_config(beta, interaction, samples, environment)
        scenario = build_scenario(config)
        mdp, _ = scenario_environment(scenario)
        states = mdp.states
        power = samples_of(true_means(states, beta), samples, seed=int(100 * beta) % 97)
        if diagnostic:
            power.update({"H_against_seed": 0.9 * power["H"], "A_seed": 0.8 * power["A"], "B_seed": power["B"] - 0.1})
            power.update({"A_against_seed": 0.7 * power["A"]})
        result = SimpleNamespace(
            states=states,
            summary=RunSummary.of_samples(power, agents=AGENTS),
            samples=power,
            seconds=0.25,
            random_seed=0,
            convergence_summary=lambda: {},
        )
        info = {
            "experiment_type": "multiagent_with_reward",
            "scenario": scenario.to_json(),
            "run_suffix": suffix,
            "sweep_id": record["sweep_id"],
            "sweep_name": name,
            "diagnostic": diagnostic,
        }
        write_run(folder / run_folder_name(record["sweep_id"], name, suffix), config, result, info)
        kept[suffix] = power
    return load_sweep(folder), kept
