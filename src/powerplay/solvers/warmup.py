"""Compile every kernel once, so the first real run does not pay for it.

numba compiles each kernel on first use (about half a minute for all of them on 2 cores)
and caches the machine code on disk; later processes load it in about a second. The setup
script runs ``python -m powerplay.solvers.warmup`` so that compilation happens at install
time, with a message, rather than silently inside a user's first sweep.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from pathlib import Path

import numpy as np

from ..model.gridworld import gridworld, joint_gridworld
from ..model.policy import uniform_random_policy
from .power import LearningChainProblem, MultiAgentProblem, SingleAgentProblem


def _stamp() -> Path:
    """A marker next to the kernels' numba cache (``NUMBA_CACHE_DIR`` if set, else ``__pycache__``)."""
    from numba.core.config import CACHE_DIR

    folder = Path(CACHE_DIR) if CACHE_DIR else Path(__file__).resolve().parent / "__pycache__"
    return folder / "powerplay-kernels.stamp"


def _fingerprint() -> str:
    """What the compiled code depends on: the kernel sources and the numba version."""
    import numba

    digest = hashlib.sha256(numba.__version__.encode())
    for name in ("kernels.py", "_lanes.py"):
        digest.update((Path(__file__).resolve().parent / name).read_bytes())
    return digest.hexdigest()


def kernels_compiled() -> bool:
    """Whether the kernels were compiled (and cached) for the current sources and numba version.

    A cheap check of a marker written after compilation (:func:`mark_kernels_compiled`), so
    the command line can tell the user that a first run will compile before it starts.
    """
    try:
        return _stamp().read_text(encoding="utf-8").strip() == _fingerprint()
    except OSError:
        return False


def mark_kernels_compiled() -> None:
    """Record that the kernels are compiled for the current sources (after a run used them).

    Best effort: on a read-only install numba caches elsewhere and the kernels still work;
    only the marker (and so the "first run compiles" note) is missing.
    """
    path = _stamp()
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_fingerprint(), encoding="utf-8")


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
    agents = ("H", "A", "B")  # three agents: mixed lane sweeps (Jacobi and Gauss-Seidel), two others' masks
    for rule in ("allow", "remove"):
        joint = joint_gridworld(gridworld(1, 3), agents=agents, interaction=rule)
        seeds = {agent: uniform_random_policy(joint, agent) for agent in agents[1:]}
        chain = LearningChainProblem(joint, agents, dict.fromkeys(agents, 0.5), seeds, diagnostic=True)
        chain.solve({agent: rng.random((2, joint.num_states)) for agent in agents})
    rounds = LearningChainProblem(joint, agents, dict.fromkeys(agents, 0.5), seeds, rounds=1)  # profile hashes
    rounds.solve({agent: rng.random((2, joint.num_states)) for agent in agents})
    mark_kernels_compiled()
    return time.perf_counter() - started


def main() -> None:
    print("powerplay: compiling the numerical kernels (first time only, about half a minute)...", flush=True)
    seconds = compile_kernels()
    print(f"powerplay: kernels ready ({seconds:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
