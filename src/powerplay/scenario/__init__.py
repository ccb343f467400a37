"""What a run is: its typed scenario, the experiment types, and the parameter registry.

* :mod:`.record` -- :class:`Scenario` (agents, environment, rewards, sample count, seed,
  experiment type), built once from a run config (:func:`scenario_from_config`), written
  into ``run.json`` as plain JSON and read back;
* :mod:`.agents` -- :class:`AgentSpec`, one agent of a scenario;
* :mod:`.protocols` -- the experiment types as strategy objects (:class:`SingleAgent`,
  :class:`FixedPolicies`, :class:`LearningChain`) and their registry (:data:`PROTOCOLS`);
* :mod:`.parameters` -- the parameter registry: every config parameter's validator, label,
  axis scale and agent.

This package sits below storage (which reads scenarios back from run folders) and above the
solvers (a protocol builds its solver object); resolving the environment and policies a
scenario names into objects is the runner's job (:mod:`powerplay.runner.build`).
"""

from .agents import AgentSpec
from .parameters import PARAMETERS, Parameter, find_parameter, parameter, validate_value
from .protocols import (
    PROTOCOLS,
    FixedPolicies,
    LearningChain,
    Protocol,
    SingleAgent,
    Stage,
    detect_protocol,
    protocol_named,
)
from .record import Scenario, scenario_from_config

__all__ = [
    "PARAMETERS",
    "PROTOCOLS",
    "AgentSpec",
    "FixedPolicies",
    "LearningChain",
    "Parameter",
    "Protocol",
    "Scenario",
    "SingleAgent",
    "Stage",
    "detect_protocol",
    "find_parameter",
    "parameter",
    "protocol_named",
    "scenario_from_config",
    "validate_value",
]
