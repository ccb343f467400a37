"""Default folder names and environment variables, in a module that imports nothing.

The ``powerplay`` command shows them in its help, which it builds without loading the
numerical stack (numba, scipy, pydantic); :mod:`powerplay.storage.sweeps` and
:mod:`powerplay.runner.sweep` use them from here.
"""

from __future__ import annotations

#: Default folder for sweeps (relative to the working directory), as in the reference.
DEFAULT_FOLDER = "expts"

#: Default folder for figures drawn from sweeps (as in the reference).
FIGURES_FOLDER = "temp"

#: Environment variable overriding every run's ``num_reward_samples`` (when ``samples`` is not given).
SAMPLES_ENVIRONMENT_VARIABLE = "POWERPLAY_SAMPLES"

__all__ = ["DEFAULT_FOLDER", "FIGURES_FOLDER", "SAMPLES_ENVIRONMENT_VARIABLE"]
