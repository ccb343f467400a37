"""The reference's ``dist`` module: reward distributions (mapped onto :mod:`powerplay.model.rewards`).

Differences: samplers return ``numpy`` arrays and take an optional
``numpy.random.Generator`` (``rng``) -- pass one for reproducible draws; without it a fresh,
unseeded generator is used (we never touch global random state). ``DISTRIBUTION_DICT`` is
our registry of distribution factories: add one with
:func:`powerplay.model.rewards.register_density`.

Examples
--------
>>> import numpy as np
>>> sampler = config_to_reward_distribution(['a', 'b'], {'default_dist': {'dist_name': 'uniform', 'params': [0, 1]}})
>>> rewards_H = sampler(1000, rng=np.random.default_rng(0))
>>> rewards_A = generate_correlated_reward_samples(sampler, rewards_H, correlation=1, rng=np.random.default_rng(1))
>>> bool(np.array_equal(rewards_A, rewards_H))
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import ModelError
from ..model.rewards import DISTRIBUTIONS, Distribution, RewardDistribution, StateRewardSampler

#: ``dist_name`` -> factory taking ``params`` (the same registry the configs use).
DISTRIBUTION_DICT = DISTRIBUTIONS


def _count(number_of_samples) -> int:
    """An integer count from ``n`` or a shape like ``[n]`` (the reference passed ``torch.tensor([n])``)."""
    return int(np.prod(np.asarray(number_of_samples, dtype=np.int64)))


def _distribution(config: Mapping[str, Any], distribution_dict) -> Distribution:
    name = config.get("dist_name") if isinstance(config, Mapping) else None
    if name not in distribution_dict:
        raise ModelError(f"unknown distribution {name!r}; known: {', '.join(sorted(distribution_dict))}")
    return distribution_dict[name](config.get("params") or [])


class PdfSampler:
    """Draws independent samples of a 1-D reward distribution: ``sampler(n, rng=None) -> [n]``."""

    def __init__(self, distribution: Distribution):
        self.distribution = distribution

    def __call__(self, number_of_samples, rng: np.random.Generator | None = None) -> np.ndarray:
        rng = rng if rng is not None else np.random.default_rng()
        return self.distribution.sample(rng, (_count(number_of_samples),))


class RewardSampler:
    """Draws reward functions ``[n, S]`` over a state list: ``sampler(n, rng=None)``.

    Attributes
    ----------
    distribution : RewardDistribution
    states : tuple of str
    sampler : StateRewardSampler
    """

    def __init__(self, distribution: RewardDistribution, states: Sequence[str]):
        self.distribution = distribution
        self.states = tuple(states)
        self.sampler: StateRewardSampler = distribution.for_states(self.states)

    def __call__(self, number_of_samples, rng: np.random.Generator | None = None) -> np.ndarray:
        rng = rng if rng is not None else np.random.default_rng()
        return self.sampler.sample(rng, _count(number_of_samples))


def config_to_pdf_constructor(distribution_config, distribution_dict=DISTRIBUTION_DICT) -> PdfSampler:
    """A sampler of the 1-D distribution ``{'dist_name': ..., 'params': [...]}``."""
    return PdfSampler(_distribution(distribution_config, distribution_dict))


def config_to_reward_distribution(state_list, reward_dist_config, distribution_dict=DISTRIBUTION_DICT) -> RewardSampler:
    """A sampler of reward functions over ``state_list`` from a ``reward_distribution`` config block."""
    if distribution_dict is DISTRIBUTIONS:
        distribution = RewardDistribution.from_config(reward_dist_config)
    else:
        distribution = RewardDistribution(
            default=_distribution(reward_dist_config["default_dist"], distribution_dict),
            state_dists={
                str(s): _distribution(c, distribution_dict)
                for s, c in (reward_dist_config.get("state_dists") or {}).items()
            },
            states_with_identical_rewards=tuple(
                tuple(g) for g in reward_dist_config.get("states_with_identical_rewards") or ()
            ),
            allow_all_equal_rewards=bool(reward_dist_config.get("allow_all_equal_rewards", True)),
        )
    return RewardSampler(distribution, state_list)


def generate_correlated_reward_samples(
    single_agent_reward_dist: RewardSampler,
    agent_H_samples,
    correlation=1,
    symmetric_interval=None,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """Agent A's reward functions ``[n, S]`` with the given correlation to Agent H's.

    Each state's reward for A is H's with probability ``correlation`` and a fresh draw
    otherwise (for negative correlations: H's mirrored through the distribution's symmetry
    interval). ``symmetric_interval`` is accepted for compatibility; the interval is taken
    from the distribution, which must have one for negative correlations.
    """
    rng = rng if rng is not None else np.random.default_rng()
    rewards_H = np.asarray(agent_H_samples, dtype=np.float64)
    return single_agent_reward_dist.sampler.correlated(rng, rewards_H, float(correlation))


__all__ = [
    "DISTRIBUTION_DICT",
    "PdfSampler",
    "RewardSampler",
    "config_to_pdf_constructor",
    "config_to_reward_distribution",
    "generate_correlated_reward_samples",
]
