"""Small runs and sweeps shared by the figure tests (helpers only; this module has no tests).

Runs are computed with the real engine and written with the run-folder contract
(:func:`powerplay.storage.write_run`); sweeps with the real sweep runner, at small sample
counts so the figure tests stay fast.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from powerplay.figures import style
from powerplay.figures.run_figures import FigureOptions, RunFigures
from powerplay.runner.build import build_experiment
from powerplay.runner.config import parse_sweep_config
from powerplay.runner.executors import run_experiment
from powerplay.runner.sweep import run_sweep
from powerplay.storage import load_run, write_run

UNIFORM = {"default_dist": {"dist_name": "uniform", "params": [0, 1]}}


def run_config(kind: str, environment: str, gamma: float, samples: int, **extra) -> dict:
    """A resolved run configuration (``run.yaml``) of one run."""
    key = "mdp_graph" if kind == "single_agent" else "joint_mdp_graph"
    config = {
        key: environment,
        "discount_rate": gamma,
        "reward_distribution": UNIFORM,
        "num_reward_samples": samples,
        "convergence_threshold": 1e-4,
        "random_seed": 0,
    }
    config.update(extra)
    config["experiment_type"] = kind
    return config


def make_run(folder: Path, config: dict, diagnostic: bool = False):
    """Compute the run of ``config`` and store it in ``folder``; returns the loaded run."""
    experiment = build_experiment(config, diagnostic=diagnostic)
    result = run_experiment(experiment)
    write_run(folder, config, result, {"experiment_type": config["experiment_type"]})
    return load_run(folder)


def single_run(folder: Path, environment: str = "3x3_gridworld", gamma: float = 0.6, samples: int = 300):
    return make_run(folder, run_config("single_agent", environment, gamma, samples))


def joint_run(
    folder: Path,
    environment: str = "joint_3x3_gridworld",
    policy: str = "joint_3x3_gridworld_agent_A_uniform_random",
    gamma: float = 0.6,
    beta: float = 0.5,
    samples: int = 60,
    diagnostic: bool = True,
):
    config = run_config(
        "multiagent_with_reward",
        environment,
        gamma,
        samples,
        seed_policy_graph_agent_A=policy,
        discount_rate_agent_A=gamma,
        reward_correlation=beta,
    )
    return make_run(folder, config, diagnostic=diagnostic)


BETA_SWEEP = """
name: beta_sweep
parameters:
  joint_mdp_graph: {value: joint_3x3_gridworld}
  seed_policy_graph_agent_A: {value: joint_3x3_gridworld_agent_A_uniform_random}
  discount_rate: {value: 0.6}
  discount_rate_agent_A: {value: 0.6}
  reward_distribution: {value: {default_dist: {dist_name: uniform, params: [0, 1]}}}
  reward_correlation: {values: [0, 0.5, 1], names: ["0", "0p5", "1"]}
  num_reward_samples: {value: 60}
  random_seed: {value: 0}
"""

GAMMA_SWEEP = """
name: gamma_sweep
parameters:
  mdp_graph: {value: 3x3_gridworld}
  discount_rate: {values: [0.2, 0.6, 0.95], names: ["0p2", "0p6", "0p95"]}
  reward_distribution: {value: {default_dist: {dist_name: uniform, params: [0, 1]}}}
  num_reward_samples: {value: 300}
  random_seed: {value: 0}
"""


def make_sweep(
    expts: Path, text: str, *, diagnostic: bool = False, render_figures: bool = False, samples: int | None = None
):
    """Run a sweep config (YAML text) into ``expts`` and return the loaded sweep."""
    config = parse_sweep_config(text, source="<figure tests>")
    listeners = [RunFigures(FigureOptions(plot_as_gridworld=True, diagnostic=diagnostic))] if render_figures else []
    return run_sweep(config, expts, diagnostic=diagnostic, samples=samples, listeners=listeners)


def png_size(path: Path) -> tuple[int, int]:
    """``(width, height)`` of a PNG, checking it is a non-empty, decodable image."""
    path = Path(path)
    assert path.is_file() and path.stat().st_size > 0, f"{path} is missing or empty"
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        return image.size


def expected_size(figure) -> tuple[int, int]:
    """Pixel size a saved figure must have: its size in inches times :data:`style.DPI`."""
    width, height = figure.get_size_inches()
    return int(width * style.DPI), int(height * style.DPI)


def gif_frames(path: Path) -> np.ndarray:
    """All frames of a GIF, ``[frames, height, width, 3]``."""
    import imageio.v3 as iio

    return iio.imread(Path(path), index=None)


def texts_outside(figure) -> list[str]:
    """Drawn texts of a figure (titles, labels, tick labels) that stick out of its canvas (would be clipped)."""
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    width, height = figure.canvas.get_width_height()
    texts = list(figure.texts)
    for ax in figure.axes:
        texts += [*ax.texts, ax.title, ax.xaxis.label, ax.yaxis.label]
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks():  # ticks outside the view are not drawn
                if low - 1e-9 <= tick.get_loc() <= high + 1e-9:
                    texts += [tick.label1, tick.label2]
    outside = []
    for text in texts:
        if not text.get_visible() or not text.get_text():
            continue
        box = text.get_window_extent(renderer)
        if box.x0 < -0.5 or box.y0 < -0.5 or box.x1 > width + 0.5 or box.y1 > height + 0.5:
            outside.append(text.get_text())
    return outside
