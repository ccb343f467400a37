"""POWERplay: fast, correct estimates of POWER (instrumental value) in single- and two-agent MDPs.

The public Python API is re-exported here; see the README for a tour.

>>> import powerplay as pp
>>> maze = pp.load_mdp('7x7_gridworld_maze')
>>> rewards = pp.RewardDistribution.from_config({'default_dist': {'dist_name': 'uniform', 'params': [0, 1]}})
>>> result = pp.run_experiment(pp.Experiment('single_agent', maze, 0.9, rewards, 1000, random_seed=0))
>>> result.power_mean().shape
(31,)

The reference tool's module-style API lives in :mod:`powerplay.compat`:
``from powerplay.compat import base`` (also ``graph``, ``mdp``, ``multi``, ``policy``, ``get``, ``viz``,
``anim``, ``learn``, ``runex``, ``dist``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import ConvergenceWarning, PowerplayError
from .version import __version__

#: Where each public name is defined. They are imported on first use (PEP 562), so that
#: ``import powerplay`` -- and every start of the ``powerplay`` command, ``--help`` included --
#: does not load numba, scipy and pydantic until something needs them.
_EXPORTS = {
    "builtin_mdp_names": ".model.environments",
    "builtin_policy_names": ".model.environments",
    "load_mdp": ".model.environments",
    "load_policy": ".model.environments",
    "generate_mdp": ".model.generators",
    "generator_spec_name": ".model.generators",
    "is_generator_spec": ".model.generators",
    "maze": ".model.generators",
    "maze_map": ".model.generators",
    "rooms": ".model.generators",
    "rooms_map": ".model.generators",
    "gridworld": ".model.gridworld",
    "gridworld_from_map": ".model.gridworld",
    "joint_gridworld": ".model.gridworld",
    "multiagent_gridworld": ".model.gridworld",
    "MDP": ".model.mdp",
    "JointMDP": ".model.mdp",
    "deterministic_policy": ".model.policies",
    "generated_policy": ".model.policies",
    "is_policy_spec": ".model.policies",
    "policy_spec_name": ".model.policies",
    "random_deterministic_policy": ".model.policies",
    "stay_policy": ".model.policies",
    "Policy": ".model.policy",
    "joint_policy_from_single": ".model.policy",
    "marginalize": ".model.policy",
    "uniform_random_policy": ".model.policy",
    "RewardDistribution": ".model.rewards",
    "make_distribution": ".model.rewards",
    "register_density": ".model.rewards",
    "run_experiment": ".runner.executors",
    "Experiment": ".runner.experiment",
    "RunResult": ".runner.experiment",
    "SweepOptions": ".runner.sweep",
    "run_sweep": ".runner.sweep",
    "SolverSettings": ".solvers.values",
    "list_sweeps": ".storage.sweeps",
    "load_sweep": ".storage.sweeps",
}

if TYPE_CHECKING:  # the same names, for type checkers and editors (tests/test_package.py keeps the two lists equal)
    from .model.environments import builtin_mdp_names, builtin_policy_names, load_mdp, load_policy
    from .model.generators import (
        generate_mdp,
        generator_spec_name,
        is_generator_spec,
        maze,
        maze_map,
        rooms,
        rooms_map,
    )
    from .model.gridworld import gridworld, gridworld_from_map, joint_gridworld, multiagent_gridworld
    from .model.mdp import MDP, JointMDP
    from .model.policies import (
        deterministic_policy,
        generated_policy,
        is_policy_spec,
        policy_spec_name,
        random_deterministic_policy,
        stay_policy,
    )
    from .model.policy import Policy, joint_policy_from_single, marginalize, uniform_random_policy
    from .model.rewards import RewardDistribution, make_distribution, register_density
    from .runner.executors import run_experiment
    from .runner.experiment import Experiment, RunResult
    from .runner.sweep import SweepOptions, run_sweep
    from .solvers.values import SolverSettings
    from .storage.sweeps import list_sweeps, load_sweep

#: The reference tool's module names, found in :mod:`powerplay.compat` (kept out of this package's
#: namespace: the core API does not depend on the compatibility layer, nor import plotting).
COMPAT_MODULES = ("base", "graph", "mdp", "multi", "policy", "get", "viz", "anim", "learn", "runex", "dist")


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        hint = f"; the reference tool's {name!r} module is powerplay.compat.{name}" if name in COMPAT_MODULES else ""
        raise AttributeError(f"module 'powerplay' has no attribute {name!r}{hint}")
    from importlib import import_module

    value = getattr(import_module(module, __name__), name)
    globals()[name] = value  # later look-ups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


__all__ = [
    "MDP",
    "ConvergenceWarning",
    "Experiment",
    "JointMDP",
    "Policy",
    "PowerplayError",
    "RewardDistribution",
    "RunResult",
    "SolverSettings",
    "SweepOptions",
    "__version__",
    "builtin_mdp_names",
    "builtin_policy_names",
    "deterministic_policy",
    "generate_mdp",
    "generated_policy",
    "generator_spec_name",
    "gridworld",
    "gridworld_from_map",
    "is_generator_spec",
    "is_policy_spec",
    "joint_gridworld",
    "joint_policy_from_single",
    "list_sweeps",
    "load_mdp",
    "load_policy",
    "load_sweep",
    "make_distribution",
    "marginalize",
    "maze",
    "maze_map",
    "multiagent_gridworld",
    "policy_spec_name",
    "random_deterministic_policy",
    "register_density",
    "rooms",
    "rooms_map",
    "run_experiment",
    "run_sweep",
    "stay_policy",
    "uniform_random_policy",
]
