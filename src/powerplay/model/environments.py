"""Built-in named environments: the MDPs and policies the reference tool's configs use.

Every environment is constructed by code here (nothing is read from files). Names match
the reference's ``mdps/`` and ``policies/`` files, so its configs run unchanged:

================================================================================  ==========
name                                                                              kind
================================================================================  ==========
``3x3_gridworld``                                                                 MDP
``gridworld_selfloop_3x3``                                                        MDP (move-to-successor actions)
``7x7_gridworld_maze``                                                            MDP
``20x20_gridworld_robot_face``                                                    MDP
``mdp_from_paper``                                                                MDP (Turner et al. 2019, Fig. 1)
``stochastic_graph_4_states``                                                     MDP (stochastic)
``joint_3x3_gridworld``                                                           joint MDP
``joint_7x7_gridworld_maze``                                                      joint MDP
``joint_7x7_gridworld_maze_no_overlaps``                                          joint MDP
``joint_1x3_gridworld_with_agent_H_forbidden_from_staying_when_agent_A_is_at_far_right``  joint MDP
``stoch_1x3_gridworld_with_agent_A_moving_left_and_..._simulated``                 MDP
``joint_3x3_gridworld_agent_A_uniform_random`` (and the 7x7 ones)                  policy
``joint_1x3_gridworld_agent_A_move_left``                                          policy
================================================================================  ==========

Examples
--------
>>> maze = load_mdp('7x7_gridworld_maze')
>>> maze.num_states
31
>>> load_mdp('joint_7x7_gridworld_maze_no_overlaps').num_states
930
>>> sorted(load_policy('joint_1x3_gridworld_agent_A_move_left').to_dict()['(0, 0)_H^(0, 2)_A'])
['left']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import cache

import numpy as np
from scipy import sparse

from ..errors import ModelError, UnknownLabelError
from .gridworld import gridworld, gridworld_from_map, joint_gridworld
from .labels import split_joint_label
from .mdp import MDP, JointMDP
from .policies import deterministic_policy
from .policy import Policy, uniform_random_policy

#: The maze of the "Instrumental convergence in single-agent systems" post (31 cells).
MAZE_7X7 = """
.......
.##.###
....###
.##....
.##.##.
.##....
....##.
"""

#: The 20x20 "robot face" of the same post (220 cells).
ROBOT_FACE_20X20 = """
######...##...######
######...##...######
#######.####.#######
#######.####.#######
#######.####.#######
#######.####.#######
##................##
##................##
##................##
##..####....####..##
....####....####....
....####....####....
....####....####....
....................
.........##.........
.........##.........
##...#........#...##
##...##########...##
##................##
##................##
"""

#: Turner et al. (2019), "Optimal policies tend to seek power", Fig. 1: each state lists
#: the states it can move to. Its actions are "move to that state".
PAPER_MDP_SUCCESSORS = {
    "★": ["∅", "ℓ_◁", "r_▷"],
    "∅": ["∅"],
    "ℓ_◁": ["ℓ_↖", "ℓ_↙"],
    "r_▷": ["r_↗", "r_↘"],
    "ℓ_↖": ["ℓ_↙"],
    "ℓ_↙": ["ℓ_↖", "ℓ_↙"],
    "r_↗": ["r_↗", "r_↘"],
    "r_↘": ["r_↘", "r_↗"],
}

#: A 4-state chain with stochastic Left / Hold / Right actions (the reference's test MDP).
STOCHASTIC_4_STATES = {
    "1": {"H": {"1": 1.0}, "R": {"2": 1.0}},
    "2": {"L": {"1": 1.0}, "H": {"1": 0.5, "2": 0.5}, "R": {"2": 0.2, "3": 0.8}},
    "3": {"L": {"2": 1.0}, "H": {"2": 0.3, "3": 0.7}, "R": {"3": 0.4, "4": 0.6}},
    "4": {"L": {"3": 0.9, "4": 0.1}},
}

_FAR_RIGHT = "(0, 2)"
_SIMULATED_1X3 = "stoch_1x3_gridworld_with_agent_A_moving_left_and_agent_H_forbidden_from_staying_when_agent_A_is_at_far_right_simulated"
_JOINT_1X3 = "joint_1x3_gridworld_with_agent_H_forbidden_from_staying_when_agent_A_is_at_far_right"


def successor_mdp(successors: dict[str, list[str]], name: str = "") -> MDP:
    """An MDP whose actions are "move to state x" (one action per possible successor)."""
    states = list(successors)
    return MDP.from_dict(
        {s: {nxt: {nxt: 1.0} for nxt in successors[s]} for s in states},
        states=states,
        actions=states,
        name=name,
    )


def _gridworld_selfloop_3x3() -> MDP:
    grid = gridworld(3, 3)
    successors = {s: [next(iter(grid.next_states(s, a))) for a in grid.available_actions(s)] for s in grid.states}
    return successor_mdp(successors, name="3x3 gridworld with self-loops")


def _joint_1x3_forbidden_stay() -> JointMDP:
    """Joint 1x3 gridworld where H may not stay while A is in the far-right cell."""
    joint = joint_gridworld(gridworld(1, 3))
    mask = np.array(joint.action_mask)
    stay = joint.actions_H.index("stay")
    for s, state in enumerate(joint.states):
        pair = split_joint_label(state)
        assert pair is not None  # the states of a joint gridworld are joint labels
        if pair[1] == _FAR_RIGHT:
            mask[s, stay, :] = False
    kept = sparse.diags_array(mask.reshape(-1).astype(float)) @ joint.transitions
    return JointMDP(
        joint.states,
        joint.agents,
        joint.actions_by_agent,
        kept,
        mask,
        name="joint 1x3 gridworld, H cannot stay while A is at the far right",
    )


def _move_left_policy_1x3() -> Policy:
    """Agent A moves left whenever it can, and otherwise stays."""
    policy = deterministic_policy(_joint_1x3_forbidden_stay(), "A", "left", fallback="stay")
    return replace(policy, name="agent A moves left")


def _simulated_1x3() -> MDP:
    """The single-agent MDP that simulates Agent A moving left in the joint 1x3 gridworld.

    Written out by hand (states ``'k_H x m_A'`` for H in column k and A in column m, H's
    actions L/S/R), independently of the joint machinery, so that the two computations can be
    checked against each other.
    """
    table: dict[str, dict[str, dict[str, float]]] = {}
    for h in range(3):
        for a in range(3):
            a_next = max(a - 1, 0)
            moves = {"L": h - 1, "S": h, "R": h + 1}
            table[f"{h}_H x {a}_A"] = {
                move: {f"{target}_H x {a_next}_A": 1.0}
                for move, target in moves.items()
                if 0 <= target < 3 and not (move == "S" and a == 2)
            }
    states = [f"{h}_H x {a}_A" for h in range(3) for a in range(3)]
    return MDP.from_dict(table, states=states, actions=["L", "S", "R"], name="simulated 1x3: A moves left")


def _maze_7x7() -> MDP:
    return gridworld_from_map(MAZE_7X7, name="7x7 gridworld maze")


def _joint_uniform(mdp_name: str) -> Callable[[], Policy]:
    def build() -> Policy:
        policy = uniform_random_policy(load_mdp(mdp_name), agent="A")
        return replace(policy, name=f"{mdp_name}_agent_A_uniform_random")

    return build


_MDPS: dict[str, Callable[[], MDP | JointMDP]] = {
    "3x3_gridworld": lambda: gridworld(3, 3, name="3x3 gridworld"),
    "gridworld_selfloop_3x3": _gridworld_selfloop_3x3,
    "7x7_gridworld_maze": _maze_7x7,
    "20x20_gridworld_robot_face": lambda: gridworld_from_map(ROBOT_FACE_20X20, name="20x20 gridworld robot face"),
    "mdp_from_paper": lambda: successor_mdp(PAPER_MDP_SUCCESSORS, name="MDP from Turner et al. (2019), Fig. 1"),
    "stochastic_graph_4_states": lambda: MDP.from_dict(
        STOCHASTIC_4_STATES, actions=["L", "H", "R"], name="stochastic 4-state chain"
    ),
    "joint_3x3_gridworld": lambda: joint_gridworld(gridworld(3, 3, name="3x3 gridworld")),
    "joint_7x7_gridworld_maze": lambda: joint_gridworld(_maze_7x7()),
    "joint_7x7_gridworld_maze_no_overlaps": lambda: joint_gridworld(_maze_7x7(), overlap="remove"),
    _JOINT_1X3: _joint_1x3_forbidden_stay,
    _SIMULATED_1X3: _simulated_1x3,
}

_POLICIES: dict[str, Callable[[], Policy]] = {
    "joint_3x3_gridworld_agent_A_uniform_random": _joint_uniform("joint_3x3_gridworld"),
    "joint_7x7_gridworld_maze_agent_A_uniform_random": _joint_uniform("joint_7x7_gridworld_maze"),
    "joint_7x7_gridworld_maze_no_overlaps_agent_A_uniform_random": _joint_uniform(
        "joint_7x7_gridworld_maze_no_overlaps"
    ),
    "joint_1x3_gridworld_agent_A_move_left": _move_left_policy_1x3,
}


def builtin_mdp_names() -> list[str]:
    return sorted(_MDPS)


def builtin_policy_names() -> list[str]:
    return sorted(_POLICIES)


@cache
def load_mdp(name: str) -> MDP | JointMDP:
    """A built-in MDP or joint MDP by name.

    Raises
    ------
    KeyError
        If ``name`` is not built in (the message lists the known names).
    """
    if name not in _MDPS:
        raise UnknownLabelError(f"unknown built-in MDP {name!r}; known: {', '.join(builtin_mdp_names())}")
    return _MDPS[name]()


@cache
def load_policy(name: str) -> Policy:
    """A built-in policy by name (see :func:`load_mdp`)."""
    if name not in _POLICIES:
        raise UnknownLabelError(f"unknown built-in policy {name!r}; known: {', '.join(builtin_policy_names())}")
    return _POLICIES[name]()


def simulated_state_for_joint(label: str) -> str:
    """The simulated 1x3 MDP's label (``'k_H x m_A'``) of a joint 1x3 state label."""
    pair = split_joint_label(label)
    if pair is None:
        raise ModelError(f"{label!r} is not a joint state label 'x_H^y_A'")
    h, a = pair
    return f"{h.strip('()').split(', ')[1]}_H x {a.strip('()').split(', ')[1]}_A"


__all__ = [
    "MAZE_7X7",
    "PAPER_MDP_SUCCESSORS",
    "ROBOT_FACE_20X20",
    "STOCHASTIC_4_STATES",
    "builtin_mdp_names",
    "builtin_policy_names",
    "load_mdp",
    "load_policy",
    "simulated_state_for_joint",
    "successor_mdp",
]
