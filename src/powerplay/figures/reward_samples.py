"""Scatter plots of correlated reward samples of Agents H and A (and their animation).

Agent A's reward at a state is drawn with correlation β to Agent H's by the same scheme the
experiments use (:meth:`powerplay.model.rewards.StateRewardSampler.correlated`), so these
pictures show exactly the joint reward distribution a ``multiagent_with_reward`` run samples.
The sample Pearson coefficient is printed in the title as a check.

:func:`reward_pairs_data` computes what is drawn (:class:`~powerplay.figures.data.RewardPairsData`),
:func:`~powerplay.figures.samples.draw_reward_pairs` draws it.

Examples
--------
>>> data = reward_pairs_data(200, correlation=1.0)
>>> bool(np.array_equal(data.rewards_H, data.rewards_A)), data.xlim
(True, (0.0, 1.0))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FigureError
from ..model.rewards import RewardDistribution
from ..storage.sweeps import FIGURES_FOLDER
from . import style
from .alignment import pearson
from .animation import write_gif
from .data import RewardPairsData
from .render import frame_pixels, save

#: The reference's default marginal distribution: uniform on [0, 1].
UNIFORM_0_1: Mapping[str, Any] = {"dist_name": "uniform", "params": [0, 1]}


def correlated_reward_samples(
    num_samples: int,
    distribution_config: Mapping[str, Any] | None = None,
    correlation: float = 0.0,
    symmetric_interval: Sequence[float] | None = None,
    random_seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """``num_samples`` reward pairs ``(R_H, R_A)`` with correlation ``correlation``.

    Parameters
    ----------
    num_samples : int
    distribution_config : dict, optional
        ``{'dist_name': ..., 'params': [...]}``; default uniform on [0, 1].
    correlation : float in [-1, 1]
        Negative values need a distribution symmetric on an interval.
    symmetric_interval : [low, high], optional
        Accepted for compatibility with the reference; the interval is known from the
        distribution itself, and a different one is an error.
    random_seed : int

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``[num_samples]`` rewards of H and of A.

    Raises
    ------
    ValueError
        On a bad distribution, a correlation outside [-1, 1], a negative correlation with an
        asymmetric distribution, or a ``symmetric_interval`` that is not the distribution's.
    """
    if not isinstance(num_samples, (int, np.integer)) or num_samples < 1:
        raise FigureError(f"num_samples must be a positive integer, got {num_samples!r}")
    if not -1.0 <= float(correlation) <= 1.0:
        raise FigureError(f"correlation must be in [-1, 1], got {correlation!r}")
    config = dict(distribution_config or UNIFORM_0_1)
    sampler = RewardDistribution.from_config({"default_dist": config}).for_states(["state"])
    if symmetric_interval is not None:
        own = sampler.per_state[0].symmetric_interval
        if own is None or not np.allclose(own, symmetric_interval):
            raise FigureError(
                f"symmetric_interval {list(symmetric_interval)} does not match distribution "
                f"{config.get('dist_name')} {config.get('params')} (its symmetry interval is {own})"
            )
    rng = np.random.default_rng(random_seed)
    rewards_H = sampler.sample(rng, int(num_samples))
    rewards_A = sampler.correlated(rng, rewards_H, float(correlation))
    return rewards_H[:, 0], rewards_A[:, 0]


def _describe(config: Mapping[str, Any]) -> str:
    params = config.get("params") or []
    return f"{config.get('dist_name')} {list(params)}" if params else str(config.get("dist_name"))


def _title(correlation: float, count: int, distribution: str, measured: float) -> str:
    detail = f"{count:,} samples" + (f" of {distribution}" if distribution else "")
    detail += f" · sample correlation {measured:.2f}" if np.isfinite(measured) else ""
    return f"Reward samples of Agents H and A, correlation β = {correlation:.2f}\n{detail}"


def pairs_record(
    rewards_H: np.ndarray,
    rewards_A: np.ndarray,
    correlation: float,
    *,
    distribution: str = "",
    xlim: Sequence[float] | None = None,
    ylim: Sequence[float] | None = None,
) -> RewardPairsData:
    """A :class:`RewardPairsData` of given reward pairs (the sample correlation is computed here)."""
    measured = pearson(rewards_H, rewards_A)
    return RewardPairsData(
        title=style.fit_title(_title(correlation, len(rewards_H), distribution, measured), 5.7),
        rewards_H=np.asarray(rewards_H, dtype=np.float64),
        rewards_A=np.asarray(rewards_A, dtype=np.float64),
        correlation=float(correlation),
        sample_correlation=measured,
        xlim=None if xlim is None else (float(xlim[0]), float(xlim[1])),
        ylim=None if ylim is None else (float(ylim[0]), float(ylim[1])),
    )


def reward_pairs_data(
    num_samples: int,
    distribution_config: Mapping[str, Any] | None = None,
    correlation: float = 0.0,
    symmetric_interval: Sequence[float] | None = None,
    random_seed: int = 0,
    xlim: Sequence[float] | None = None,
    ylim: Sequence[float] | None = None,
) -> RewardPairsData:
    """What :func:`visualize_correlated_reward_samples` draws (same arguments).

    The axes default to the distribution's support when it is bounded.
    """
    config = dict(distribution_config or UNIFORM_0_1)
    rewards_H, rewards_A = correlated_reward_samples(num_samples, config, correlation, symmetric_interval, random_seed)
    support = _support(config, [rewards_H, rewards_A])
    return pairs_record(
        rewards_H, rewards_A, correlation, distribution=_describe(config), xlim=xlim or support, ylim=ylim or support
    )


def _support(config: Mapping[str, Any], samples: Sequence[np.ndarray]) -> tuple[float, float]:
    sampler = RewardDistribution.from_config({"default_dist": dict(config)}).for_states(["state"])
    interval = sampler.per_state[0].symmetric_interval
    if config.get("dist_name") == "uniform" and len(config.get("params") or []) == 2:
        interval = tuple(config["params"])
    if interval is not None:
        return float(interval[0]), float(interval[1])
    values = np.concatenate([np.asarray(s) for s in samples])
    low, high = float(values.min()), float(values.max())
    pad = 0.03 * (high - low or 1.0)
    return low - pad, high + pad


def default_pairs_name(distribution_config: Mapping[str, Any] | None, correlation: float) -> str:
    """``'correlated_rewards-{distribution}-{β}'``, e.g. ``'correlated_rewards-uniform_0_1-0.5'``."""
    config = dict(distribution_config or UNIFORM_0_1)
    params = "_".join(f"{float(p):g}" for p in config.get("params") or [])
    return "-".join(
        filter(
            None, ["correlated_rewards", f"{config.get('dist_name')}_{params}".rstrip("_"), f"{float(correlation):g}"]
        )
    )


def visualize_correlated_reward_samples(
    num_samples: int,
    distribution_config: Mapping[str, Any] | None = None,
    correlation: float = 0.0,
    symmetric_interval: Sequence[float] | None = None,
    random_seed: int = 0,
    fig_name: str | None = None,
    output_folder: str | Path = FIGURES_FOLDER,
    xlim: Sequence[float] | None = None,
    ylim: Sequence[float] | None = None,
) -> Path:
    """Scatter plot of correlated reward samples (the reference function of the same name), saved as PNG.

    Parameters
    ----------
    num_samples : int
        Number of (R_H, R_A) pairs.
    distribution_config : dict, optional
        Marginal distribution, ``{'dist_name': 'uniform', 'params': [0, 1]}`` by default.
    correlation : float
        β in [-1, 1] (negative needs a symmetric distribution).
    symmetric_interval : [low, high], optional
        For compatibility; must match the distribution's own symmetry interval.
    random_seed : int
    fig_name : str, optional
        File name (without ``.png``); default ``'correlated_rewards-{distribution}-{β}'``
        (:func:`default_pairs_name`).
    output_folder : str or Path
        Default ``temp/`` under the working directory.
    xlim, ylim : [low, high], optional
        Axis limits; by default the distribution's support when it is bounded.

    Returns
    -------
    Path
        The PNG written.

    Examples
    --------
    >>> import tempfile
    >>> visualize_correlated_reward_samples(500, correlation=0.5, output_folder=tempfile.mkdtemp()).name
    'correlated_rewards-uniform_0_1-0.5.png'
    """
    data = reward_pairs_data(num_samples, distribution_config, correlation, symmetric_interval, random_seed, xlim, ylim)
    name = fig_name if fig_name is not None else default_pairs_name(distribution_config, correlation)
    return save(data, style.figure_file(output_folder, name))


def reward_pairs_frames(
    num_samples: int,
    distribution_config: Mapping[str, Any] | None = None,
    correlations_list: Sequence[float] = (),
    symmetric_interval: Sequence[float] | None = None,
    random_seed: int = 0,
) -> list[RewardPairsData]:
    """The frames of :func:`visualize_all_correlated_reward_samples`: one record per correlation, same axes."""
    correlations = [float(c) for c in correlations_list]
    if not correlations:
        raise FigureError("correlations_list is empty: give the correlations to animate, e.g. [0, 0.5, 1]")
    config = dict(distribution_config or UNIFORM_0_1)
    pairs = [correlated_reward_samples(num_samples, config, c, symmetric_interval, random_seed) for c in correlations]
    support = _support(config, [p for pair in pairs for p in pair])
    return [
        pairs_record(h, a, c, distribution=_describe(config), xlim=support, ylim=support)
        for c, (h, a) in zip(correlations, pairs)
    ]


def visualize_all_correlated_reward_samples(
    num_samples: int,
    distribution_config: Mapping[str, Any] | None = None,
    correlations_list: Sequence[float] = (),
    symmetric_interval: Sequence[float] | None = None,
    random_seed: int = 0,
    fig_name: str = "correlated_reward_animation",
    output_folder: str | Path = FIGURES_FOLDER,
    ms_per_frame: int = 200,
    frames_at_start: int = 1,
    frames_at_end: int = 1,
) -> Path:
    """Animation of :func:`visualize_correlated_reward_samples` over ``correlations_list``.

    One frame per correlation (in the given order), all with the same axes. Saved as
    ``{output_folder}/{fig_name}.gif``.

    Returns
    -------
    Path
        The GIF.

    Raises
    ------
    FigureError
        If ``correlations_list`` is empty, or as :func:`correlated_reward_samples`.
    """
    records = reward_pairs_frames(num_samples, distribution_config, correlations_list, symmetric_interval, random_seed)
    return write_gif(
        frame_pixels(records),
        style.figure_file(output_folder, fig_name, ".gif"),
        ms_per_frame,
        frames_at_start,
        frames_at_end,
    )
