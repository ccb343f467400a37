"""The published figures and the sweeps that produce them (``powerplay reproduce POST FIG``).

The three posts of the instrumental-convergence sequence:

* Part 1, "Instrumental convergence in single-agent systems": Figs 1–6;
* Part 2, "Misalignment by default in multi-agent systems": Figs 1–10;
* Part 3, "Instrumental convergence: scale and physical interactions": Figs 2–11
  (Fig 1 is Part 1 Fig 2 again, and reproduces as that figure).

Each figure maps to one replication sweep (defined in code below from the reference's
``configs/replication/*.yaml``) shared with its sibling figures, except Part 2 Figs 1 and 5,
scatters of sampled reward pairs at β = 1 and β = 0, which need no sweep.

This module is the registry only; :func:`powerplay.figures.published.reproduce` runs a
figure's sweep (once: a later call for a sibling figure reuses the finished sweep) and
draws the figure.

Examples
--------
>>> FIGURES[(1, 3)].sweep, [f.figure for f in siblings(1, 3)]
('PART_1-FIGURES_2_3_4', [2, 4])
>>> figure(3, 1).post, figure(3, 1).figure   # Part 3 Fig 1 is Part 1 Fig 2
(1, 2)
>>> figure(2, 5).sweep is None
True
>>> SWEEPS['PART_3-FIGURES_8_9'].config().experiment_type
'multiagent_with_reward'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from ..errors import ReplicationError
from .config import SweepConfig, parse_sweep_config

UNIFORM_0_1_NO_TIES = {"default_dist": {"dist_name": "uniform", "params": [0, 1]}, "allow_all_equal_rewards": False}


def _gammas(values: list[float]) -> dict[str, Any]:
    return {"values": values, "names": [f"{v:g}".replace(".", "p") for v in values]}


@dataclass(frozen=True)
class ReplicationSweep:
    """A sweep behind published figures (the facts of one reference replication config).

    Attributes
    ----------
    name : str
        E.g. ``'PART_1-FIGURES_2_3_4'`` (also the sweep folder's name).
    description : str
    parameters : dict
        In the config file's format (``{'value': ...}`` or ``{'values': ..., 'names': ...}``).
    diagnostic : bool
        Run in diagnostic mode, so figures can show Agent H's POWER against the seed policy as
        a baseline (the Part 2 animations and average-POWER plots do).
    """

    name: str
    description: str
    parameters: dict[str, Any] = field(hash=False)
    diagnostic: bool = False

    def config_text(self) -> str:
        """The sweep's config file text (deterministic, so re-runs find the same sweep)."""
        return yaml.safe_dump(
            {"name": self.name, "description": self.description, "parameters": self.parameters},
            sort_keys=False,
            allow_unicode=True,
        )

    def config(self) -> SweepConfig:
        return parse_sweep_config(self.config_text(), source=f"<replication {self.name}>")


def _single(name, description, mdp, gammas, samples):
    gamma = {"value": gammas} if isinstance(gammas, float) else _gammas(gammas)
    return ReplicationSweep(
        name,
        description,
        {
            "mdp_graph": {"value": mdp},
            "discount_rate": gamma,
            "reward_distribution": {"value": UNIFORM_0_1_NO_TIES},
            "num_reward_samples": {"value": samples},
            "convergence_threshold": {"value": 0.0001},
            "random_seed": {"value": 0},
        },
    )


def _multi(name, description, joint, policy, gamma, correlation, samples, diagnostic=False):
    return ReplicationSweep(
        name,
        description,
        diagnostic=diagnostic,
        parameters={
            "joint_mdp_graph": {"value": joint},
            "seed_policy_graph_agent_A": {"value": policy},
            "discount_rate": {"value": gamma},
            "discount_rate_agent_A": {"value": gamma},
            "reward_distribution": {"value": UNIFORM_0_1_NO_TIES},
            "reward_correlation": correlation,
            "num_reward_samples": {"value": samples},
            "convergence_threshold": {"value": 0.0001},
            "random_seed": {"value": 0},
        },
    )


_GAMMAS_21 = [0.01] + [round(0.05 * i, 2) for i in range(1, 20)] + [0.99]
_BETAS_21 = [round(0.05 * i, 2) for i in range(21)]

#: Every replication sweep, by name.
SWEEPS: dict[str, ReplicationSweep] = {
    s.name: s
    for s in (
        _single(
            "PART_1-FIGURE_1",
            "Part 1, Fig. 1: one agent on the 3x3 gridworld at discount rate 0.6 (50,000 reward samples).",
            "3x3_gridworld",
            0.6,
            50000,
        ),
        _single(
            "PART_1-FIGURES_2_3_4",
            "Part 1, Figs. 2-4: one agent on the 7x7 maze, 21 discount rates (20,000 reward samples).",
            "7x7_gridworld_maze",
            _GAMMAS_21,
            20000,
        ),
        _single(
            "PART_1-FIGURES_5_6",
            "Part 1, Figs. 5-6: one agent on the 20x20 robot-face gridworld at discount rates 0.1 and 0.99 (10,000 reward samples).",
            "20x20_gridworld_robot_face",
            [0.1, 0.99],
            10000,
        ),
        _multi(
            "PART_2-FIGURES_2_3_4_6_7_8_9_10",
            "Part 2: Agents H and A on the joint 3x3 gridworld at discount rate 0.6, reward correlation from 0 to 1 in 21 steps (20,000 reward samples; diagnostic mode for the baselines).",
            "joint_3x3_gridworld",
            "joint_3x3_gridworld_agent_A_uniform_random",
            0.6,
            {
                "values": [0 if b == 0 else 1 if b == 1 else b for b in _BETAS_21],
                "names": ["0"] + [f"0p{round(b * 100):02d}" for b in _BETAS_21[1:-1]] + ["1"],
            },
            20000,
            diagnostic=True,
        ),
        _multi(
            "PART_3-FIGURES_2_3_4",
            "Part 3, Figs. 2-4: Agents H and A on the joint 7x7 maze at discount rate 0.1, independent rewards (10,000 reward samples).",
            "joint_7x7_gridworld_maze",
            "joint_7x7_gridworld_maze_agent_A_uniform_random",
            0.1,
            {"value": 0},
            10000,
        ),
        _multi(
            "PART_3-FIGURES_5_6_7",
            "Part 3, Figs. 5-7: as Figs. 2-4 with the no-overlap rule (10,000 reward samples).",
            "joint_7x7_gridworld_maze_no_overlaps",
            "joint_7x7_gridworld_maze_no_overlaps_agent_A_uniform_random",
            0.1,
            {"value": 0},
            10000,
        ),
        _multi(
            "PART_3-FIGURES_8_9",
            "Part 3, Figs. 8-9: Agents H and A on the joint 7x7 maze at discount rate 0.99, independent rewards (10,000 reward samples).",
            "joint_7x7_gridworld_maze",
            "joint_7x7_gridworld_maze_agent_A_uniform_random",
            0.99,
            {"value": 0},
            10000,
        ),
        _multi(
            "PART_3-FIGURES_10_11",
            "Part 3, Figs. 10-11: as Figs. 8-9 with the no-overlap rule (10,000 reward samples).",
            "joint_7x7_gridworld_maze_no_overlaps",
            "joint_7x7_gridworld_maze_no_overlaps_agent_A_uniform_random",
            0.99,
            {"value": 0},
            10000,
        ),
    )
}


@dataclass(frozen=True)
class PublishedFigure:
    """One published figure.

    Attributes
    ----------
    post, figure : int
    description : str
    sweep : str or None
        Name of the replication sweep it needs (``None``: drawn without a sweep).
    """

    post: int
    figure: int
    description: str
    sweep: str | None


def _figures() -> dict[tuple[int, int], PublishedFigure]:
    entries = [
        (1, 1, "3x3 gridworld POWER heat map, γ = 0.6", "PART_1-FIGURE_1"),
        (1, 2, "7x7 maze POWER heat map, γ = 0.01", "PART_1-FIGURES_2_3_4"),
        (1, 3, "7x7 maze POWER heat map, γ = 0.99", "PART_1-FIGURES_2_3_4"),
        (1, 4, "7x7 maze POWER heat maps animated over 21 discount rates", "PART_1-FIGURES_2_3_4"),
        (1, 5, "20x20 robot face POWER heat map, γ = 0.1", "PART_1-FIGURES_5_6"),
        (1, 6, "20x20 robot face POWER heat map, γ = 0.99", "PART_1-FIGURES_5_6"),
        (2, 1, "reward pairs (R_H, R_A) sampled at β = 1", None),
        (2, 2, "joint 3x3 Agent H POWER heat maps, β = 1", "PART_2-FIGURES_2_3_4_6_7_8_9_10"),
        (2, 3, "joint 3x3 Agent A POWER heat maps, β = 1", "PART_2-FIGURES_2_3_4_6_7_8_9_10"),
        (2, 4, "alignment plot (POWER_H against POWER_A per state), β = 1", "PART_2-FIGURES_2_3_4_6_7_8_9_10"),
        (2, 5, "reward pairs (R_H, R_A) sampled at β = 0", None),
        (2, 6, "joint 3x3 Agent H POWER heat maps, β = 0", "PART_2-FIGURES_2_3_4_6_7_8_9_10"),
        (2, 7, "joint 3x3 Agent A POWER heat maps, β = 0", "PART_2-FIGURES_2_3_4_6_7_8_9_10"),
        (2, 8, "alignment plot, β = 0", "PART_2-FIGURES_2_3_4_6_7_8_9_10"),
        (2, 9, "alignment plots animated over β from 0 to 1", "PART_2-FIGURES_2_3_4_6_7_8_9_10"),
        (2, 10, "POWER alignment α_HA against β", "PART_2-FIGURES_2_3_4_6_7_8_9_10"),
        (3, 2, "joint 7x7 maze Agent H POWER, γ = 0.1", "PART_3-FIGURES_2_3_4"),
        (3, 3, "joint 7x7 maze Agent A POWER, γ = 0.1", "PART_3-FIGURES_2_3_4"),
        (3, 4, "joint 7x7 maze alignment plot, γ = 0.1", "PART_3-FIGURES_2_3_4"),
        (3, 5, "joint 7x7 maze, no overlap: Agent H POWER, γ = 0.1", "PART_3-FIGURES_5_6_7"),
        (3, 6, "joint 7x7 maze, no overlap: Agent A POWER, γ = 0.1", "PART_3-FIGURES_5_6_7"),
        (3, 7, "joint 7x7 maze, no overlap: alignment plot, γ = 0.1", "PART_3-FIGURES_5_6_7"),
        (3, 8, "joint 7x7 maze Agent H and A POWER, γ = 0.99", "PART_3-FIGURES_8_9"),
        (3, 9, "joint 7x7 maze alignment plot, γ = 0.99", "PART_3-FIGURES_8_9"),
        (3, 10, "joint 7x7 maze, no overlap: Agent H and A POWER, γ = 0.99", "PART_3-FIGURES_10_11"),
        (3, 11, "joint 7x7 maze, no overlap: alignment plot, γ = 0.99", "PART_3-FIGURES_10_11"),
    ]
    return {(p, f): PublishedFigure(p, f, d, s) for p, f, d, s in entries}


#: Every published figure that is reproduced directly, by ``(post, figure)``.
FIGURES: dict[tuple[int, int], PublishedFigure] = _figures()

#: Figures that are copies of others: ``(post, figure) -> (post, figure)``.
ALIASES: dict[tuple[int, int], tuple[int, int]] = {(3, 1): (1, 2)}


def figure(post: int, number: int) -> PublishedFigure:
    """The figure reproduced for ``post``, ``number`` (following :data:`ALIASES`).

    Raises
    ------
    ReplicationError
        Listing the valid figure numbers of the post.
    """
    key = ALIASES.get((post, number), (post, number))
    if key not in FIGURES:
        numbers = sorted({f for p, f in list(FIGURES) + list(ALIASES) if p == post})
        if not numbers:
            raise ReplicationError(f"no post {post}: posts are 1, 2 and 3")
        raise ReplicationError(f"post {post} has no figure {number}: figures are {', '.join(map(str, numbers))}")
    return FIGURES[key]


def siblings(post: int, number: int) -> list[PublishedFigure]:
    """The other figures drawn from the same sweep."""
    target = figure(post, number)
    if target.sweep is None:
        return []
    return [f for f in FIGURES.values() if f.sweep == target.sweep and f is not target]


__all__ = [
    "ALIASES",
    "FIGURES",
    "SWEEPS",
    "PublishedFigure",
    "ReplicationError",
    "ReplicationSweep",
    "figure",
    "siblings",
]
