"""The reference tool's ``base`` module, on our model: ``from powerplay.compat import base``.

Every function of the reference's ``base`` keeps its name, parameters and defaults, so the
reference README's examples run as written. Differences (details in ``docs/compat.md``):

* Functions that returned a ``networkx.DiGraph`` return our objects
  (:class:`~powerplay.model.mdp.MDP`, :class:`~powerplay.model.mdp.JointMDP`,
  :class:`~powerplay.model.policy.Policy`); ``powerplay.io.to_networkx(obj)`` gives the
  reference's graph. Every function also accepts such graphs as input.
* ``save_*_graph`` write our YAML format into ``./mdps/`` and ``./policies/``;
  ``load_*_graph`` return the object (the reference's returned nothing) and also read the
  reference's ``.gv`` files there, falling back to the built-in environments.
* Experiments run locally; Weights & Biases is used only when ``wandb_entity`` is given
  (offline unless you are logged in). ``$POWERPLAY_SAMPLES`` overrides sample counts.
* The test functions *check* their results (see :mod:`powerplay.runner.selftest`).

Examples
--------
>>> gridworld = construct_single_agent_gridworld_mdp(3, 4, squares_to_delete=[['(0, 0)', '(1, 1)']])
>>> gridworld.num_states
8
>>> random_policy = construct_policy_from_mdp(gridworld)
>>> random_policy.to_dict()['(0, 2)']
{'down': 0.3333333333333333, 'right': 0.3333333333333333, 'stay': 0.3333333333333333}
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..interfaces import editor
from ..io import SUFFIXES, write_mdp, write_policy
from ..model import editing
from ..model.gridworld import gridworld, multiagent_gridworld
from ..model.policy import uniform_random_policy
from ..storage.sweeps import DEFAULT_FOLDER, FIGURES_FOLDER
from ._common import as_mdp, as_object, as_policy

if TYPE_CHECKING:
    from ..runner.events import SweepListener

#: Folders of the reference layout, relative to the working directory.
MDPS_FOLDER = "mdps"
POLICIES_FOLDER = "policies"
CONFIGS_FOLDER = "configs"
EXPERIMENT_FOLDER = DEFAULT_FOLDER
TEMP_FOLDER = FIGURES_FOLDER

_DEFAULT_DISTRIBUTION = {"dist_name": "uniform", "params": [0, 1]}


# ---------------------------------------------------------------------------------------
# Environments


def construct_single_agent_gridworld_mdp(
    num_rows,
    num_cols,
    squares_to_delete=[],  # noqa: B006 - the reference's default, never mutated
    stochastic_noise_level=0,
    noise_bias={},  # noqa: B006
    description="single-agent gridworld",
):
    """A single-agent gridworld (:func:`powerplay.model.gridworld.gridworld`); returns an MDP."""
    return gridworld(num_rows, num_cols, squares_to_delete, stochastic_noise_level, dict(noise_bias), name=description)


def construct_multiagent_gridworld_mdp(num_rows, num_cols, squares_to_delete=[]):  # noqa: B006
    """A joint two-agent gridworld, agents may share cells (:func:`powerplay.model.gridworld.multiagent_gridworld`)."""
    return multiagent_gridworld(num_rows, num_cols, squares_to_delete)


def edit_gridworld_mdp(mdp_graph):
    """Edit a gridworld MDP at prompts on standard input (:func:`powerplay.interfaces.editor.edit_gridworld_mdp`)."""
    return editor.edit_gridworld_mdp(as_mdp(mdp_graph))


def construct_policy_from_mdp(mdp_graph, acting_agent_is_H=False):
    """The uniform random policy on an MDP: Agent A's on a joint MDP unless ``acting_agent_is_H``."""
    return uniform_random_policy(as_mdp(mdp_graph), "H" if acting_agent_is_H else "A")


def edit_gridworld_policy(policy_graph):
    """Edit a gridworld policy at prompts on standard input (:func:`powerplay.interfaces.editor.edit_gridworld_policy`)."""
    return editor.edit_gridworld_policy(as_policy(policy_graph))


def single_agent_to_multiagent_policy(single_agent_policy_graph, acting_agent_is_H=False):
    """Lift a single-agent policy to joint states (Agent A's policy unless ``acting_agent_is_H``)."""
    return editing.single_agent_to_multiagent_policy(
        as_policy(single_agent_policy_graph), acting_agent_is_H=acting_agent_is_H
    )


# ---------------------------------------------------------------------------------------
# Viewing (drawn by powerplay.figures, imported when first used: it loads matplotlib)


def view_gridworld(gridworld_mdp_graph):
    """Draw a (single or joint) gridworld's layout into ``./temp/``; returns the PNG's path."""
    from ..figures import view_gridworld as draw

    return draw(as_mdp(gridworld_mdp_graph))


def plot_mdp_or_policy(mdp_or_policy_graph, subgraphs_per_row=4, subgraphs_per_figure=128):
    """Draw an MDP or policy in full with Graphviz, one state subgraph each; returns the PNG paths (in ``./temp/``)."""
    from ..figures import plot_mdp_or_policy as draw

    return draw(
        as_object(mdp_or_policy_graph), subgraphs_per_row=subgraphs_per_row, subgraphs_per_figure=subgraphs_per_figure
    )


# ---------------------------------------------------------------------------------------
# Saving and loading


def _target(folder: str, filename: str) -> Path:
    path = Path(folder) / filename
    return path if path.suffix.lower() in SUFFIXES else path.with_name(path.name + ".yaml")


def save_mdp_graph(mdp_graph, mdp_filename):
    """Save an MDP as ``./mdps/{mdp_filename}.yaml`` (our format; give ``.gv`` for the reference's). Returns the path."""
    path = _target(MDPS_FOLDER, mdp_filename)
    write_mdp(as_mdp(mdp_graph), path)
    return path


def load_mdp_graph(mdp_filename):
    """The MDP called ``mdp_filename``: a file in ``./mdps/`` (``.yaml``, ``.json`` or ``.gv``), else a built-in."""
    from ..runner.resolve import resolve_mdp

    return resolve_mdp(mdp_filename)[0]


def save_policy_graph(policy_graph, policy_filename):
    """Save a policy as ``./policies/{policy_filename}.yaml``. Returns the path."""
    path = _target(POLICIES_FOLDER, policy_filename)
    write_policy(as_policy(policy_graph), path)
    return path


def load_policy_graph(policy_filename):
    """The policy called ``policy_filename``: a file in ``./policies/``, else a built-in."""
    from ..runner.resolve import resolve_policy

    return resolve_policy(policy_filename)[0]


# ---------------------------------------------------------------------------------------
# Experiments


def _source_configs() -> Path:
    """The ``configs/`` folder of a source checkout (src layout), for the bundled examples."""
    return Path(__file__).resolve().parents[3] / CONFIGS_FOLDER


def find_config(config_filename) -> Path:
    """Where a config named as in the reference lives.

    Looks at the name as a path, then in ``./configs/`` (and its ``test/`` and
    ``replication/`` subfolders, like the reference), then in the ``configs/`` folder of
    the powerplay source checkout (which holds ``my_first_sweep.yaml``).

    Raises
    ------
    FileNotFoundError
        Listing the places searched.
    """
    name = Path(config_filename)
    places = [name]
    for root in (Path(CONFIGS_FOLDER), _source_configs()):
        places += [root / name, root / "test" / name, root / "replication" / name]
    for place in places:
        if place.is_file():
            return place
    raise FileNotFoundError(f"config {str(config_filename)!r} not found; looked in: {', '.join(map(str, places))}")


def launch_experiment(
    config_filename,
    wandb_entity=None,
    wandb_project="uncategorized",
    number_of_workers=None,
    plot_as_gridworld=False,
    plot_distributions=False,
    plot_correlations=False,
    diagnostic_mode=False,
):
    """Run (or resume) the sweep of a config file into ``./expts/``; returns the stored sweep.

    ``wandb_entity`` turns on Weights & Biases logging (offline unless logged in; the
    reference always logged). ``$POWERPLAY_SAMPLES`` overrides every run's sample count.
    """
    from ..figures.run_figures import FigureOptions, RunFigures
    from ..runner.sweep import SweepOptions, run_sweep

    figures = FigureOptions(plot_as_gridworld, plot_distributions, plot_correlations, diagnostic_mode)
    listeners: list[SweepListener] = [RunFigures(figures)]
    options = SweepOptions(
        output_dir=Path(EXPERIMENT_FOLDER),
        workers=number_of_workers,
        diagnostic=diagnostic_mode,
        keep_samples=True if figures.needs_samples else None,
    )
    previous = os.environ.get("WANDB_ENTITY")
    if wandb_entity is not None:
        from ..runner.tracking import WandbTracker

        os.environ["WANDB_ENTITY"] = str(wandb_entity)  # read by wandb itself
        listeners.append(WandbTracker(project=wandb_project))
    try:
        return run_sweep(find_config(config_filename), options, listeners=listeners)
    finally:
        if wandb_entity is not None:
            if previous is None:
                os.environ.pop("WANDB_ENTITY", None)
            else:
                os.environ["WANDB_ENTITY"] = previous


def _selftest(name: str):
    from ..figures.run_figures import FigureOptions, RunFigures
    from ..runner.selftest import run_selftest

    outcome = run_selftest(
        name,
        output_dir=EXPERIMENT_FOLDER,
        listeners=lambda test: [RunFigures(FigureOptions(plot_as_gridworld=test.plot_as_gridworld))],
    )
    for check in outcome.checks:
        print(f"[{check.status}] {name}: {check.description}{' -- ' + check.detail if check.detail else ''}")
    print(f"{name}: {'passed' if outcome.passed else 'FAILED'}; results in {', '.join(map(str, outcome.sweeps))}")
    return outcome


def test_vanilla():
    """Run and check the reference's basic test sweep (the MDP of Turner et al. 2019, Fig. 1)."""
    return _selftest("test_vanilla")


def test_gridworld():
    """Run and check the 3x3 gridworld test sweep (POWER drawn as gridworld heat maps)."""
    return _selftest("test_gridworld")


def test_stochastic():
    """Run and check the stochastic 4-state test sweep."""
    return _selftest("test_stochastic")


def test_multiagent():
    """Run and check the simulated and actual fixed-policy multi-agent sweeps (they must agree)."""
    return _selftest("test_multiagent")


def test_reward_correlation():
    """Run and check the reward-correlation multi-agent sweep (joint 3x3 gridworld)."""
    return _selftest("test_reward_correlation")


def run_all_tests():
    """Run all five tests in succession; returns their outcomes."""
    return [
        test() for test in (test_vanilla, test_gridworld, test_stochastic, test_multiagent, test_reward_correlation)
    ]


def reproduce_figure(post_number, fig_number):
    """Reproduce a published figure, and the sibling figures drawn from the same sweep, into ``./temp/``.

    The sweep runs once, into ``./expts/`` (reused if it is already there); prints
    ``Figure available in PATH`` for each figure and returns the paths.
    """
    from ..figures.published import reproduce
    from ..runner.replication import siblings

    paths = []
    for post, fig in [(post_number, fig_number)] + [(f.post, f.figure) for f in siblings(post_number, fig_number)]:
        result = reproduce(post, fig, output_dir=EXPERIMENT_FOLDER, figures_dir=TEMP_FOLDER)
        for path in result.paths:
            print(f"Figure available in {path}")
        paths += result.paths
    return paths


# ---------------------------------------------------------------------------------------
# Visualising results (drawn by powerplay.figures)


def visualize_correlated_reward_samples(
    num_samples,
    distribution_config=_DEFAULT_DISTRIBUTION,
    correlation=0,
    symmetric_interval=None,
    random_seed=0,
    fig_name=None,
):
    """Scatter of Agent H's and Agent A's rewards at one state for a reward correlation."""
    from ..figures import visualize_correlated_reward_samples as draw

    return draw(
        num_samples,
        distribution_config=distribution_config,
        correlation=correlation,
        symmetric_interval=symmetric_interval,
        random_seed=random_seed,
        fig_name=fig_name,
    )


def visualize_all_correlated_reward_samples(
    num_samples,
    distribution_config=_DEFAULT_DISTRIBUTION,
    correlations_list=[],  # noqa: B006
    symmetric_interval=None,
    random_seed=0,
    fig_name="correlated_reward_animation",
):
    """Animation of :func:`visualize_correlated_reward_samples` over several correlations."""
    from ..figures import visualize_all_correlated_reward_samples as draw

    return draw(
        num_samples,
        distribution_config=distribution_config,
        correlations_list=list(correlations_list),
        symmetric_interval=symmetric_interval,
        random_seed=random_seed,
        fig_name=fig_name,
    )


def visualize_alignment_plots(sweep_id, include_baseline_powers=True, fig_name="alignment_plot_animation"):
    """Animation of the alignment plots (H vs A POWER per state) of a sweep over ``reward_correlation``."""
    from ..figures import visualize_alignment_plots as draw

    return draw(sweep_id, include_baseline_powers=include_baseline_powers, fig_name=fig_name)


def visualize_average_powers(sweep_id, include_baseline_power=True, fig_name=None):
    """Average POWER of each agent against ``reward_correlation``."""
    from ..figures import visualize_average_powers as draw

    return draw(sweep_id, include_baseline_power=include_baseline_power, fig_name=fig_name)


def visualize_full_gridworld_rollout(
    sweep_id,
    run_suffix="",
    initial_state="(0, 0)_H^(0, 0)_A",
    reward_sample_index=0,
    number_of_steps=20,
    agent_whose_rewards_are_displayed="H",
    fig_name="gridworld_rollout",
):
    """Animation of a rollout of the optimal policies for one reward sample of a run."""
    from ..figures import visualize_full_gridworld_rollout as draw

    return draw(
        sweep_id,
        run_suffix=run_suffix,
        initial_state=initial_state,
        reward_sample_index=reward_sample_index,
        number_of_steps=number_of_steps,
        agent_whose_rewards_are_displayed=agent_whose_rewards_are_displayed,
        fig_name=fig_name,
    )


def generate_sweep_animation(sweep_id, animation_param, figure_prefix=None):
    """Animate one kind of run figure across the values of a swept parameter (saved in the sweep folder)."""
    from ..figures import generate_sweep_animation as draw

    return draw(sweep_id, animation_param, figure_prefix=figure_prefix)


__all__ = [
    "construct_multiagent_gridworld_mdp",
    "construct_policy_from_mdp",
    "construct_single_agent_gridworld_mdp",
    "edit_gridworld_mdp",
    "edit_gridworld_policy",
    "generate_sweep_animation",
    "launch_experiment",
    "load_mdp_graph",
    "load_policy_graph",
    "plot_mdp_or_policy",
    "reproduce_figure",
    "run_all_tests",
    "save_mdp_graph",
    "save_policy_graph",
    "single_agent_to_multiagent_policy",
    "test_gridworld",
    "test_multiagent",
    "test_reward_correlation",
    "test_stochastic",
    "test_vanilla",
    "view_gridworld",
    "visualize_alignment_plots",
    "visualize_all_correlated_reward_samples",
    "visualize_average_powers",
    "visualize_correlated_reward_samples",
    "visualize_full_gridworld_rollout",
]
