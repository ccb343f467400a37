"""Compile every kernel once, so the first real run does not pay for it.

numba compiles each kernel on first use (about half a minute for all of them on 2 cores)
and caches the machine code on disk; later processes load it in about a second. The setup
script runs ``python -m powerplay.solvers.warmup`` so that compilation happens at install
time, with a message, rather than silently inside a user's first sweep.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from ..model.gridworld import gridworld, joint_gridworld
from ..model.policy import uniform_random_policy
from .power import MultiAgentProblem, SingleAgentProblem


def kernels_compiled() -> bool:
    """Whether the main kernels' compiled code is already in numba's on-disk cache.

    A cheap check (it looks for the cache index files), so the command line can tell the user
    that a first run will compile before it starts.
    """
    from . import kernels

    for dispatcher in (kernels.shared_optimal_values, kernels.best_response, kernels.joint_policy_values):
        try:
            if not Path(dispatcher._cache._cache_file._index_path).is_file():
                return False
        except AttributeError:  # numba internals moved: assume compiled rather than nag
            return True
    return True


def compile_kernels() -> float:
    """Run every kernel signature on tiny inputs; returns the seconds it took."""
    started = time.perf_counter()
    rng = np.random.default_rng(0)
    deterministic = gridworld(2, 2)
    stochastic = gridworld(2, 2, stochastic_noise_level=0.2)
    SingleAgentProblem(deterministic, 0.5).solve(rng.random((2, 4)))  # policy iteration
    SingleAgentProblem(stochastic, 0.5).solve(rng.random((2, 4)))  # Jacobi value iteration
    for overlap in ("allow", "remove"):  # stochastic and sub-stochastic shared stages
        joint = joint_gridworld(deterministic, overlap=overlap)
        problem = MultiAgentProblem(joint, uniform_random_policy(joint, "A"), 0.5, 0.5, diagnostic=True)
        problem.solve(rng.random((2, joint.num_states)), rng.random((2, joint.num_states)))
        problem.policies(rng.random((2, joint.num_states)), rng.random((2, joint.num_states)))
    SingleAgentProblem(stochastic, 0.5).policies(rng.random((2, 4)))
    return time.perf_counter() - started


def main() -> None:
    print("powerplay: compiling the numerical kernels (first time only, about half a minute)...", flush=True)
    seconds = compile_kernels()
    print(f"powerplay: kernels ready ({seconds:.1f} s)", flush=True)


if __name__ == "__main__":
    sys.exit(main())
