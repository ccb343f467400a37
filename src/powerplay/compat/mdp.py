"""The reference's ``mdp`` module: create and update MDPs (mapped onto :mod:`powerplay.model.editing`).

Each function returns a new, checked MDP (ours are immutable). ``check_closure`` is accepted
for compatibility and ignored: closure (every next state exists) and probabilities summing
to one are always checked, and an error names the state and action at fault.

Examples
--------
>>> from powerplay.compat import base
>>> grid = base.construct_single_agent_gridworld_mdp(1, 3)
>>> update_state_action(grid, '(0, 2)', {'left': {'(0, 1)': 1}}).available_actions('(0, 2)')
['left']
"""

from __future__ import annotations

from ..model import editing
from ._common import as_mdp, as_single_agent_mdp


def add_state_action(mdp_graph, state_to_add: str, action_dict: dict, check_closure: bool = False):
    """Add a new state with ``{action: {next_state: probability}}`` (next states must exist or be the new state)."""
    return editing.add_state_action(as_mdp(mdp_graph), state_to_add, action_dict)


def update_state_action(mdp_graph, state_to_update: str, new_action_dict: dict, check_closure: bool = False):
    """Replace all actions of an existing state with ``{action: {next_state: probability}}``."""
    return editing.update_state_action(as_mdp(mdp_graph), state_to_update, new_action_dict)


def remove_state_completely(mdp_graph, state_to_remove: str, check_closure: bool = False):
    """Remove a state, and every action of other states that could lead into it."""
    return editing.remove_state_completely(as_mdp(mdp_graph), state_to_remove)


def generate_noised_gridworlds(gridworld_mdp, noise_level_list=[], noise_bias_list=None):  # noqa: B006 - reference default
    """Copies of a gridworld's layout, one per stochastic noise level (and optional bias)."""
    return editing.generate_noised_gridworlds(
        as_single_agent_mdp(gridworld_mdp), list(noise_level_list), noise_bias_list
    )


__all__ = ["add_state_action", "generate_noised_gridworlds", "remove_state_completely", "update_state_action"]
