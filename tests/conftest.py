"""Shared pytest setup: headless plotting, and small helpers used across test files."""

import os
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np
import pytest
from hypothesis import settings

# Property tests draw the same examples on every run by default, so a CI run cannot fail by
# chance; POWERPLAY_HYPOTHESIS=explore draws new random examples on each run, to look for more.
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("POWERPLAY_HYPOTHESIS", "repeatable"))

from powerplay.model.rewards import RewardDistribution

#: The reference tool's files and README, kept beside the repository (``../shared``). Only
#: tests of interoperability with the reference tool use them; they skip, saying so, without.
SHARED = Path(os.environ.get("POWERPLAY_SHARED", Path(__file__).resolve().parents[2] / "shared"))
REFERENCE = SHARED / "reference"
SEEDS = SHARED / "seeds"

#: Marks a test of interoperability with the reference tool's own files.
needs_reference_files = pytest.mark.skipif(
    not (REFERENCE / "powerplay-mdps").is_dir(),
    reason="interop with the reference tool's own files: ../shared/reference is not beside the repository",
)


@pytest.fixture
def uniform01() -> RewardDistribution:
    return RewardDistribution.from_config({"default_dist": {"dist_name": "uniform", "params": [0, 1]}})


def assert_within_sem(estimate: np.ndarray, sem: np.ndarray, expected, sigmas: float = 5.0, floor: float = 1e-12):
    """Monte Carlo estimates agree with ``expected`` within ``sigmas`` standard errors."""
    estimate, sem = np.asarray(estimate), np.asarray(sem)
    gap = np.abs(estimate - np.asarray(expected))
    assert np.all(gap <= sigmas * sem + floor), f"max gap {gap.max():.3g}, in SEMs {np.max(gap / (sem + floor)):.2f}"
