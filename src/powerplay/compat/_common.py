"""Shared helpers of the reference-compatible modules: accept reference-style inputs.

Every function of :mod:`powerplay.compat` that takes an "MDP graph" or "policy graph"
accepts our objects (:class:`~powerplay.model.mdp.MDP`, :class:`~powerplay.model.mdp.JointMDP`,
:class:`~powerplay.model.policy.Policy`) or a ``networkx.DiGraph`` in the reference tool's
schema (converted with :func:`powerplay.io.from_networkx`), and returns our objects.
"""

from __future__ import annotations

from typing import Any

from ..errors import WrongKindError
from ..io import from_networkx
from ..model.mdp import MDP, JointMDP
from ..model.policy import Policy


def as_object(graph: Any) -> MDP | JointMDP | Policy:
    """Our object for an object or a reference-schema networkx graph.

    Raises
    ------
    TypeError
        For anything else.
    """
    if isinstance(graph, (MDP, JointMDP, Policy)):
        return graph
    if hasattr(graph, "nodes") and hasattr(graph, "edges") and hasattr(graph, "graph"):
        return from_networkx(graph)
    raise WrongKindError(
        f"expected an MDP, JointMDP, Policy or a networkx graph in the reference schema, got {type(graph).__name__}"
    )


def as_mdp(graph: Any) -> MDP | JointMDP:
    obj = as_object(graph)
    if isinstance(obj, Policy):
        raise WrongKindError(f"expected an MDP graph, got policy {obj.name!r}")
    return obj


def as_single_agent_mdp(graph: Any) -> MDP:
    obj = as_mdp(graph)
    if isinstance(obj, JointMDP):
        raise WrongKindError(f"expected a single-agent MDP graph, got joint MDP {obj.name!r}")
    return obj


def as_joint_mdp(graph: Any) -> JointMDP:
    obj = as_mdp(graph)
    if not isinstance(obj, JointMDP):
        raise WrongKindError(f"expected a joint MDP graph, got single-agent MDP {obj.name!r}")
    return obj


def as_policy(graph: Any) -> Policy:
    obj = as_object(graph)
    if not isinstance(obj, Policy):
        raise WrongKindError(f"expected a policy graph, got MDP {obj.name!r}")
    return obj
