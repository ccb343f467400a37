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

from ._lazy import lazy_names
from .errors import ConvergenceWarning, PowerplayError
from .version import __version__

#: Where each public name is defined. They are imported on first use (:mod:`powerplay._lazy`),
#: so ``import powerplay`` -- and the start of every ``powerplay`` command, ``--help`` included --
#: loads no numba, scipy or pydantic until something needs them.
_EXPORTS = {
    ".model.agent_models": ("AgentModel", "Boltzmann", "EpsilonGreedy", "Optimal", "agent_model"),
    ".model.environments": ("builtin_mdp_names", "builtin_policy_names", "load_mdp", "load_policy"),
    ".model.generators": (
        "generate_mdp",
        "generator_spec_name",
        "is_generator_spec",
        "maze",
        "maze_map",
        "rooms",
        "rooms_map",
    ),
    ".model.gridworld": ("gridworld", "gridworld_from_map", "joint_gridworld", "multiagent_gridworld"),
    ".model.interactions": ("INTERACTION_RULES", "Interaction", "InteractionRule", "interaction_rule"),
    ".model.mdp": ("MDP", "JointMDP"),
    ".model.policies": (
        "deterministic_policy",
        "generated_policy",
        "is_policy_spec",
        "policy_spec_name",
        "random_deterministic_policy",
        "stay_policy",
    ),
    ".model.policy": ("Policy", "joint_policy_from_single", "marginalize", "uniform_random_policy"),
    ".model.rewards": ("RewardDistribution", "make_distribution", "register_density"),
    ".runner.executors": ("run_experiment",),
    ".runner.experiment": ("Experiment", "RunResult"),
    ".runner.sweep": ("SweepOptions", "run_sweep"),
    ".solvers.values": ("SolverSettings",),
    ".storage.sweeps": ("list_sweeps", "load_sweep"),
}

if TYPE_CHECKING:  # the same names, for type checkers and editors (tests/test_package.py keeps the two lists equal)
    from .model.agent_models import AgentModel, Boltzmann, EpsilonGreedy, Optimal, agent_model
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
    from .model.interactions import INTERACTION_RULES, Interaction, InteractionRule, interaction_rule
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


def _compat_hint(name: str) -> str:
    return f"; the reference tool's {name!r} module is powerplay.compat.{name}" if name in COMPAT_MODULES else ""


__getattr__, __dir__ = lazy_names(__name__, globals(), _EXPORTS, _compat_hint)

__all__ = [
    "INTERACTION_RULES",
    "MDP",
    "AgentModel",
    "Boltzmann",
    "ConvergenceWarning",
    "EpsilonGreedy",
    "Experiment",
    "Interaction",
    "InteractionRule",
    "JointMDP",
    "Optimal",
    "Policy",
    "PowerplayError",
    "RewardDistribution",
    "RunResult",
    "SolverSettings",
    "SweepOptions",
    "__version__",
    "agent_model",
    "builtin_mdp_names",
    "builtin_policy_names",
    "deterministic_policy",
    "generate_mdp",
    "generated_policy",
    "generator_spec_name",
    "gridworld",
    "gridworld_from_map",
    "interaction_rule",
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
