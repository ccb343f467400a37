"""The figures of the three posts of the instrumental-convergence sequence.

:func:`render_published_figure` draws one published figure from its replication sweep
(which sweep feeds which figure is :mod:`powerplay.runner.replication`'s registry; this
module receives the loaded sweep). File names follow the reference's ``rep`` module:
``POWER_means-PART_1-FIGURE_1.png`` for heat maps, ``PART_2-FIGURE_4.png`` for other plots,
``PART_1-FIGURE_4.gif`` for animations.

=========  ==================================================================================
Part 1     Fig 1: 3x3 gridworld heat map (γ = 0.6). Figs 2, 3: 7x7 maze heat maps at γ = 0.01
           and 0.99. Fig 4: animation of the maze heat map over the swept γ. Figs 5, 6: 20x20
           robot face at γ = 0.1 and 0.99.
Part 2     Joint 3x3 gridworld, γ = 0.6, β swept over [0, 1]. Figs 1, 5: reward-pair scatters
           at β = 1 and 0 (no sweep). Figs 2, 3 (β = 1) and 6, 7 (β = 0): Agent H's and
           Agent A's POWER (block layout). Figs 4, 8: alignment plots at β = 1 and 0. Fig 9:
           animation over β (reward pairs beside the alignment plot). Fig 10: α_HA against β.
Part 3     Joint 7x7 maze, β = 0. Figs 2, 3, 4: H's and A's POWER and the alignment plot at
           γ = 0.1; Figs 5, 6, 7: the same without overlapping agents; Fig 8 (8A: H, 8B: A)
           and Fig 9 (alignment) at γ = 0.99; Figs 10 (10A, 10B) and 11 the same without
           overlap. Fig 1 is Part 1 Fig 2.
=========  ==================================================================================

Titles carry the environment, agent, γ, β and sample count, so a reduced-sample
reproduction says so on its face.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FigureError, SweepNotFoundError
from ..runner.events import SweepListener
from ..runner.replication import SWEEPS, PublishedFigure, figure
from ..runner.sweep import SweepOptions, as_options, run_sweep
from ..storage.sweeps import FIGURES_FOLDER, StoredSweep
from . import style
from .alignment import alignment_data, alignment_limits, draw_lines
from .animation import write_gif
from .render import frame_pixels, save, save_sequence
from .reward_samples import correlated_reward_samples, pairs_record, reward_pairs_data
from .samples import state_values_data
from .sweeps import alignment_against_parameter_data

#: Reward pairs drawn in the Part 2 scatter plots (as in the reference).
SCATTER_SAMPLES = 256

#: Frame time of the published animations (ms), and the pauses on the first and last frames.
MS_PER_FRAME, FRAMES_AT_START, FRAMES_AT_END = 100, 4, 8

_ENVIRONMENTS = {
    "3x3": "3x3_gridworld",
    "maze": "7x7_gridworld_maze",
    "face": "20x20_gridworld_robot_face",
    "joint3": "joint_3x3_gridworld",
    "joint7": "joint_7x7_gridworld_maze",
    "joint7_no_overlap": "joint_7x7_gridworld_maze_no_overlaps",
}


#: A published figure that does not exist, or a sweep that cannot produce it.
PublishedFigureError = FigureError


def _environment(run) -> str:
    return str(run.scenario.environment_value)


def _check_environment(sweep, expected: str, post: int, fig: int) -> None:
    for run in sweep.runs:
        if _environment(run) != expected:
            raise PublishedFigureError(
                f"Part {post} Fig {fig} is drawn on {expected}, but sweep {sweep.path.name} ran {_environment(run)}"
            )


def _run(sweep, post: int, fig: int, environment: str, **values: Any):
    if sweep is None:
        raise PublishedFigureError(f"Part {post} Fig {fig} needs its replication sweep (got none)")
    if not sweep.runs:
        raise PublishedFigureError(f"sweep {sweep.path.name} has no finished run")
    _check_environment(sweep, environment, post, fig)
    swept = {k: v for k, v in values.items() if k in sweep.swept}
    try:
        run = sweep.run(**swept)
    except SweepNotFoundError as error:
        raise PublishedFigureError(f"Part {post} Fig {fig}: {error}") from None
    for key, value in values.items():  # fixed parameters must have the figure's value too
        found = run.scenario.parameter_value(key)
        if key not in swept and found != value and not _close(found, value):
            raise PublishedFigureError(
                f"Part {post} Fig {fig} needs {key} = {value}, but sweep {sweep.path.name} has {found}"
            )
    return run


def _close(a, b) -> bool:
    try:
        return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(b)))
    except (TypeError, ValueError):
        return False


def _map_data(run, key: str):
    return state_values_data(
        run.power_mean(key),
        run.states,
        errors=run.power_sem(key),
        plot_as_gridworld=True,
        label=style.RunLabel.from_run(run),
        agent=key,
        num_samples=run.num_samples,
    )


def _heat_map(run, key: str, name: str, out_dir: Path) -> Path:
    return save(_map_data(run, key), out_dir / f"POWER_means-{name}.png")


def _sweep_alignment_limits(sweep, param: str = "reward_correlation"):
    pairs = sweep.runs_over(param)
    return alignment_limits([(run.power_mean("H"), run.power_mean("A")) for _, run in pairs])


def _alignment_data(run, limits=None):
    return alignment_data(
        run.power_mean("H"),
        run.power_mean("A"),
        label=style.RunLabel.from_run(run),
        statistics=run.alignment(),
        limits=limits,
    )


def _alignment(run, name: str, out_dir: Path, limits=None) -> Path:
    return save(_alignment_data(run, limits), out_dir / f"{name}.png")


def _scatter(correlation: float, name: str, out_dir: Path) -> Path:
    return save(
        reward_pairs_data(SCATTER_SAMPLES, correlation=correlation, xlim=(0, 1), ylim=(0, 1)), out_dir / f"{name}.png"
    )


def _part_1(fig: int, sweep, out_dir: Path, name: str) -> list[Path]:
    if fig == 1:
        return [_heat_map(_run(sweep, 1, 1, _ENVIRONMENTS["3x3"], discount_rate=0.6), "H", name, out_dir)]
    if fig in (2, 3):
        gamma = 0.01 if fig == 2 else 0.99
        return [_heat_map(_run(sweep, 1, fig, _ENVIRONMENTS["maze"], discount_rate=gamma), "H", name, out_dir)]
    if fig == 4:
        if sweep is None:
            raise PublishedFigureError("Part 1 Fig 4 needs its replication sweep (got none)")
        _check_environment(sweep, _ENVIRONMENTS["maze"], 1, 4)
        frames = frame_pixels(_map_data(run, "H") for _, run in sweep.runs_over("discount_rate"))
        return [write_gif(frames, out_dir / f"{name}.gif", MS_PER_FRAME, FRAMES_AT_START, FRAMES_AT_END)]
    if fig in (5, 6):
        gamma = 0.1 if fig == 5 else 0.99
        return [_heat_map(_run(sweep, 1, fig, _ENVIRONMENTS["face"], discount_rate=gamma), "H", name, out_dir)]
    raise PublishedFigureError(f"Part 1 has no figure {fig}: figures are 1-6")


def _side_by_side(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Two images next to each other, tops aligned, padded with white."""
    height = max(left.shape[0], right.shape[0])
    padded = [np.pad(p, ((0, height - p.shape[0]), (0, 0), (0, 0)), constant_values=255) for p in (left, right)]
    return np.concatenate(padded, axis=1)


def _part_2(fig: int, sweep, out_dir: Path, name: str) -> list[Path]:
    environment = _ENVIRONMENTS["joint3"]
    if fig in (1, 5):
        return [_scatter(1.0 if fig == 1 else 0.0, name, out_dir)]
    if fig in (2, 3, 6, 7):
        beta = 1.0 if fig in (2, 3) else 0.0
        run = _run(sweep, 2, fig, environment, reward_correlation=beta)
        return [_heat_map(run, "H" if fig in (2, 6) else "A", name, out_dir)]
    if fig in (4, 8):
        run = _run(sweep, 2, fig, environment, reward_correlation=1.0 if fig == 4 else 0.0)
        return [_alignment(run, name, out_dir, _sweep_alignment_limits(sweep))]
    if fig == 9:
        if sweep is None:
            raise PublishedFigureError("Part 2 Fig 9 needs its replication sweep (got none)")
        _check_environment(sweep, environment, 2, 9)
        limits = _sweep_alignment_limits(sweep)
        # Each frame: the reward pairs at β beside the alignment plot at β (one figure reused for each side).
        runs = sweep.runs_over("reward_correlation")
        pairs = [
            pairs_record(
                *correlated_reward_samples(SCATTER_SAMPLES, correlation=float(beta)),
                float(beta),
                distribution="uniform [0, 1]",
                xlim=(0, 1),
                ylim=(0, 1),
            )
            for beta, _ in runs
        ]
        plots = [_alignment_data(run, limits) for _, run in runs]
        frames = [_side_by_side(a, b) for a, b in zip(frame_pixels(pairs), frame_pixels(plots))]
        return [write_gif(frames, out_dir / f"{name}.gif", MS_PER_FRAME, FRAMES_AT_START, FRAMES_AT_END)]
    if fig == 10:
        if sweep is None:
            raise PublishedFigureError("Part 2 Fig 10 needs its replication sweep (got none)")
        _check_environment(sweep, environment, 2, 10)
        return [
            style.save_figure(
                draw_lines(alignment_against_parameter_data(sweep, "reward_correlation")), out_dir / f"{name}.png"
            )
        ]
    raise PublishedFigureError(f"Part 2 has no figure {fig}: figures are 1-10")


#: Part 3: figure -> (environment key, γ, what): what is 'H', 'A', 'HA' (8A/8B pair) or 'alignment'.
_PART_3 = {
    2: ("joint7", 0.1, "H"),
    3: ("joint7", 0.1, "A"),
    4: ("joint7", 0.1, "alignment"),
    5: ("joint7_no_overlap", 0.1, "H"),
    6: ("joint7_no_overlap", 0.1, "A"),
    7: ("joint7_no_overlap", 0.1, "alignment"),
    8: ("joint7", 0.99, "HA"),
    9: ("joint7", 0.99, "alignment"),
    10: ("joint7_no_overlap", 0.99, "HA"),
    11: ("joint7_no_overlap", 0.99, "alignment"),
}


def _part_3(fig: int, sweep, out_dir: Path, name: str) -> list[Path]:
    if fig == 1:  # Part 3 Fig 1 is Part 1 Fig 2
        return _part_1(2, sweep, out_dir, name)
    if fig not in _PART_3:
        raise PublishedFigureError(f"Part 3 has no figure {fig}: figures are 1-11")
    environment, gamma, what = _PART_3[fig]
    run = _run(sweep, 3, fig, _ENVIRONMENTS[environment], discount_rate=gamma, reward_correlation=0.0)
    if what == "alignment":
        return [_alignment(run, name, out_dir)]
    if what == "HA":  # one figure, redrawn with Agent A's values
        return save_sequence(
            [
                (_map_data(run, "H"), out_dir / f"POWER_means-{name}A.png"),
                (_map_data(run, "A"), out_dir / f"POWER_means-{name}B.png"),
            ]
        )
    return [_heat_map(run, what, name, out_dir)]


_PARTS: dict[int, Callable[[int, Any, Path, str], list[Path]]] = {1: _part_1, 2: _part_2, 3: _part_3}


def render_published_figure(post: int, fig: int, sweep, out_dir: Path) -> list[Path]:
    """Draw published figure ``fig`` of post ``post`` (Part 1, 2 or 3) from its sweep.

    Parameters
    ----------
    post : int
        1, 2 or 3.
    fig : int
        The figure number within the post.
    sweep : StoredSweep or None
        The figure's replication sweep (``None`` for Part 2 Figs 1 and 5, which need none).
        Any sample count works; the title reports it.
    out_dir : Path
        Where to write (created if needed).

    Returns
    -------
    list of Path
        The files written (two for Part 3 Figs 8 and 10: Agent H's and Agent A's maps).

    Raises
    ------
    PublishedFigureError
        For a figure that does not exist, or a sweep on the wrong environment or without
        the run (γ, β) the figure needs.
    """
    if post not in _PARTS:
        raise PublishedFigureError(f"no post {post}: posts are 1, 2 and 3")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return _PARTS[post](int(fig), sweep, out_dir, f"PART_{post}-FIGURE_{fig}")


@dataclass
class Reproduction:
    """What :func:`reproduce` produced.

    Attributes
    ----------
    figure : PublishedFigure
    sweep : StoredSweep or None
        The replication sweep (``None`` for figures that need none).
    paths : list of Path
        The figure files written.
    """

    figure: PublishedFigure
    sweep: StoredSweep | None
    paths: list[Path]


def reproduce(
    post: int,
    number: int,
    options: SweepOptions | None = None,
    *,
    figures_dir: str | Path = FIGURES_FOLDER,
    run_figures: bool = True,
    executor=None,
    listeners: Sequence[SweepListener] = (),
    **option_changes: Any,
) -> Reproduction:
    """Reproduce a published figure: run (or reuse) its replication sweep, then draw it.

    Parameters
    ----------
    post, number : int
        E.g. ``1, 2`` for Part 1 Fig 2 (:data:`powerplay.runner.replication.FIGURES`).
    options : SweepOptions, optional
        How to run the sweep (``samples`` overrides the published count for a quick look;
        default ``$POWERPLAY_SAMPLES`` if set). Keyword arguments change single fields.
    figures_dir : path
        Where the figure files go (default ``./temp``, as in the reference).
    run_figures : bool
        Also draw each run's own figures into the sweep folder (as the reference did).
    executor : Executor, optional
        E.g. a Dask cluster (default: this process).
    listeners : sequence of SweepListener
        Progress displays and other hooks.

    Returns
    -------
    Reproduction

    Raises
    ------
    ReplicationError
        For an unknown post or figure.
    """
    from .run_figures import FigureOptions, RunFigures

    target = figure(post, number)
    sweep = None
    if target.sweep is not None:
        replication = SWEEPS[target.sweep]
        options = as_options(options).with_(diagnostic=replication.diagnostic, **option_changes)
        hooks = list(listeners)
        if run_figures:
            hooks.append(RunFigures(FigureOptions(plot_as_gridworld=True, diagnostic=replication.diagnostic)))
        sweep = run_sweep(replication.config(), options, executor=executor, listeners=hooks)
    paths = [Path(p) for p in render_published_figure(target.post, target.figure, sweep, Path(figures_dir))]
    return Reproduction(target, sweep, paths)
