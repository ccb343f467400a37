"""Animated rollouts of optimal policies on a gridworld (``visualize_full_gridworld_rollout``).

For one reward sample of a run, both agents follow the policies that were optimal for it
(:func:`powerplay.runner.inspection.inspect_sample`) from an initial state; each
frame shows the grid with Agent H (blue square) and Agent A (red square) and, as the
background, the reward landscape one agent perceives. Rewards live on *joint* states, so
the landscape Agent H perceives (its reward over its own positions) changes whenever Agent
A moves, and vice versa.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import FigureError
from ..storage.sweeps import DEFAULT_FOLDER as EXPERIMENT_FOLDER
from ..storage.sweeps import FIGURES_FOLDER, load_sweep
from . import style
from .animation import write_gif
from .data import HeatmapData
from .heatmaps import GridGeometry, heatmap_data
from .render import frame_pixels

#: The reference's default initial state.
DEFAULT_INITIAL_STATE = "(0, 0)_H^(0, 0)_A"

#: Inset of Agent H's square, so both agents show when they share a cell.
_H_INSET = 0.14


def _cell(coords: np.ndarray) -> tuple[int, int]:
    """``(row, col)`` as ints, from a row of a ``[S, 2]`` cell array."""
    return int(coords[0]), int(coords[1])


def _landscape(geometry: GridGeometry, states, rewards: np.ndarray, state_index: int, agent: str):
    """The reward of ``agent`` over its own positions, the other agent staying where it is.

    Returns the geometry of those positions, their (joint) state labels and the rewards.
    """
    if geometry.cells_A is None:  # single-agent
        return geometry, list(states), rewards
    if agent == "H":
        keep = np.all(geometry.cells_A == geometry.cells_A[state_index], axis=1)
        cells = geometry.cells_H[keep]
    else:
        keep = np.all(geometry.cells_H == geometry.cells_H[state_index], axis=1)
        cells = geometry.cells_A[keep]
    labels = [state for state, kept in zip(states, keep) if kept]
    return GridGeometry(geometry.num_rows, geometry.num_cols, cells, None), labels, rewards[keep]


def rollout_frames(
    rollout: list[str],
    states,
    rewards: np.ndarray,
    *,
    agent_whose_rewards_are_displayed: str = "H",
    reward_sample_index: int = 0,
    label: style.RunLabel | None = None,
    number_of_steps: int | None = None,
) -> list[HeatmapData]:
    """One heat map per visited state: agents' positions over the displayed agent's rewards.

    Parameters
    ----------
    rollout : list of str
        Visited states.
    states : sequence of str
        The MDP's states (gridworld or joint gridworld labels).
    rewards : array ``[S]``
        The displayed agent's reward function.
    agent_whose_rewards_are_displayed : {'H', 'A'}
    reward_sample_index : int
        For the title.
    label : RunLabel, optional
    number_of_steps : int, optional
        Steps requested (to say when a rollout ended early).

    Returns
    -------
    list of HeatmapData
        One per state of ``rollout``: the landscape ``matrix`` over the grid, and the agents'
        cells as ``markers`` (Agent H blue, inset; Agent A red).
    """
    geometry = GridGeometry.of_states(states)
    index = {s: i for i, s in enumerate(states)}
    vmin, vmax = float(np.min(rewards)), float(np.max(rewards))
    agent = agent_whose_rewards_are_displayed
    total = len(rollout) - 1 if number_of_steps is None else number_of_steps
    frames = []
    for step, state in enumerate(rollout):
        i = index[state]
        sub, labels, values = _landscape(geometry, states, rewards, i, agent)
        cell_H = _cell(geometry.cells_H[i])
        markers = [(cell_H, style.AGENT_COLORS["H"], _H_INSET)]
        where = ""
        if geometry.cells_A is not None:  # joint
            cell_A = _cell(geometry.cells_A[i])
            markers.append((cell_A, style.AGENT_COLORS["A"], 0.0))
            other, other_cell = ("A", cell_A) if agent == "H" else ("H", cell_H)
            where = f" with Agent {other} at ({other_cell[0]}, {other_cell[1]})"
        ended = (
            " (rollout ended: the next joint move leaves the MDP)"
            if step == len(rollout) - 1 and len(rollout) - 1 < total
            else ""
        )
        title = (
            f"Rollout of optimal policies: step {step} of {total}{ended}\n"
            f"Background: reward of Agent {agent} (sample {reward_sample_index}){where}\n"
            + ("Agent H: blue square, Agent A: red square" if geometry.joint else "Agent H: blue square")
            + (f"\n{label.describe()}" if label is not None else "")
        )
        frames.append(
            heatmap_data(
                values,
                labels,
                title=title,
                colorbar_label=f"reward of Agent {agent}",
                vmin=vmin,
                vmax=vmax,
                markers=markers,
                geometry=sub,
            )
        )
    return frames


def visualize_full_gridworld_rollout(
    sweep_id,
    run_suffix: str = "",
    initial_state: str | None = None,
    reward_sample_index: int = 0,
    number_of_steps: int = 20,
    agent_whose_rewards_are_displayed: str = "H",
    fig_name: str = "gridworld_rollout",
    folder: str | Path = EXPERIMENT_FOLDER,
    output_folder: str | Path = FIGURES_FOLDER,
    random_seed: int = 0,
    ms_per_frame: int = 400,
    workdir: str | Path | None = None,
) -> Path:
    """GIF of a rollout of the optimal policies of one reward sample, on a gridworld run.

    Parameters
    ----------
    sweep_id : str, int, Path or StoredSweep
        The sweep (looked up in ``folder``).
    run_suffix : str
        Which run, e.g. ``'reward_correlation__0'`` (``''`` for a sweep with one run).
    initial_state : str, optional
        Start state; default ``'(0, 0)_H^(0, 0)_A'`` when the MDP has it, else its first state.
    reward_sample_index : int
        Which stored reward sample's optimal policies to follow.
    number_of_steps : int
        Steps to simulate (the rollout may end earlier, see
        :func:`~powerplay.runner.inspection.simulate_policy_rollout`).
    agent_whose_rewards_are_displayed : {'H', 'A'}
        Whose reward landscape is the background.
    fig_name : str
        Saved as ``{output_folder}/{fig_name}.gif``.
    folder, output_folder : str or Path
    random_seed : int
        Seed of the rollout's random draws (stochastic policies or transitions).
    ms_per_frame : int
    workdir : path, optional
        Where the run's MDP names resolve (default: the current directory).

    Returns
    -------
    Path
        The GIF, one frame per visited state.

    Raises
    ------
    FigureError
        If the run is not a gridworld, the state is unknown, or the displayed agent has no
        rewards in this run.
    """
    # The runner's inspection layer rebuilds the run's experiment (imported only when needed).
    from ..runner.inspection import inspect_sample, simulate_policy_rollout

    if agent_whose_rewards_are_displayed not in ("H", "A"):
        raise FigureError(
            f"agent_whose_rewards_are_displayed must be 'H' or 'A', not {agent_whose_rewards_are_displayed!r}"
        )
    run = load_sweep(sweep_id, folder).run(run_suffix)
    GridGeometry.of_states(run.states)  # fail early, naming the state, if not a gridworld
    found = inspect_sample(run, reward_sample_index, workdir=workdir)
    if agent_whose_rewards_are_displayed not in found.rewards:
        raise FigureError(
            f"run {run.name} ({found.scenario.experiment_type}) has no rewards for Agent "
            f"{agent_whose_rewards_are_displayed}"
        )
    mdp = found.mdp
    if initial_state is None:
        initial_state = DEFAULT_INITIAL_STATE if DEFAULT_INITIAL_STATE in set(mdp.states) else mdp.states[0]
    policies = list(found.final_policies.values())
    rollout = simulate_policy_rollout(
        initial_state,
        policies[0],
        mdp,
        number_of_steps,
        other_policy=policies[1] if len(policies) > 1 else None,
        rng=np.random.default_rng(random_seed),
    )
    frames = rollout_frames(
        rollout,
        run.states,
        found.rewards[agent_whose_rewards_are_displayed],
        agent_whose_rewards_are_displayed=agent_whose_rewards_are_displayed,
        reward_sample_index=reward_sample_index,
        label=style.RunLabel.from_run(run),
        number_of_steps=number_of_steps,
    )
    return write_gif(frame_pixels(frames), style.figure_file(output_folder, fig_name, ".gif"), ms_per_frame)
