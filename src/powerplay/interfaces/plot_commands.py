"""``powerplay plot ...``: the figure functions from the command line.

::

    powerplay plot view 7x7_gridworld_maze                      # a gridworld's layout
    powerplay plot draw mdp_from_paper                          # an MDP or policy, drawn by Graphviz
    powerplay plot rewards --correlation 0.5                    # sampled (R_H, R_A) pairs
    powerplay plot rewards --correlation -1 --correlation 0 --correlation 1   # ... animated
    powerplay plot power 0001 --state "(3, 3)" --state "(0, 6)" # POWER of states against gamma
    powerplay plot alpha 0002                                   # alpha_HA against beta
    powerplay plot alignment 0002                               # alignment plots, animated over beta
    powerplay plot average-powers 0002                          # mean POWER of H and A against beta
    powerplay plot rollout 0002 --run-suffix reward_correlation__0
    powerplay plot animate 0001 discount_rate --figure-prefix POWER_means

Sweep figures and animations go to ``temp/`` (``--output``), except ``animate``, which saves
into the sweep's folder as the reference did. Each command prints ``Figure available in PATH``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator, Optional

import typer

from ..runner.resolve import resolve_mdp, resolve_policy
from ..storage.sweeps import DEFAULT_FOLDER, FIGURES_FOLDER
from .errors import reported_errors

plot_app = typer.Typer(
    help="Draw figures and animations of environments, reward samples and finished sweeps.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

OUTPUT = typer.Option(Path(FIGURES_FOLDER), "--output", "-o", help="Folder for the figure (default: ./temp).")
FOLDER = typer.Option(Path(DEFAULT_FOLDER), "--folder", help="Where sweeps are (default: ./expts).")


def _announce(paths) -> None:
    for path in paths:
        typer.echo(f"Figure available in {path}")


def _saved(output: Path, fig_name: str) -> list[Path]:
    from ..figures.style import safe_filename

    path = Path(output) / f"{safe_filename(fig_name)}.png"
    if not path.is_file():
        raise FileNotFoundError(f"the figure was not written to {path}")
    return [path]


def _plot(action: Callable[[], list[Path]]) -> None:
    with reported_errors():
        _announce(action())


@plot_app.command()
def view(
    mdp: str = typer.Argument(..., help="An MDP: built-in name, a name in ./mdps/, or a file (.yaml, .json, .gv)."),
    output: Path = OUTPUT,
) -> None:
    """The cells of a gridworld (single or joint), as the reference's view_gridworld."""
    from ..figures import view_gridworld

    def action():
        name = f"gridworld-{Path(mdp).stem}"
        view_gridworld(resolve_mdp(mdp)[0], fig_name=name, output_folder=output)
        return _saved(output, name)

    _plot(action)


@plot_app.command()
def draw(
    name: str = typer.Argument(..., help="An MDP or, with --policy, a policy (built-in, in ./mdps/ or ./policies/, or a file)."),
    policy: bool = typer.Option(False, "--policy", help="NAME is a policy."),
    per_row: int = typer.Option(4, "--per-row", help="State subgraphs per row."),
    per_figure: int = typer.Option(128, "--per-figure", help="State subgraphs per figure (larger MDPs span several)."),
    output: Path = OUTPUT,
) -> None:
    """Every state, action and next-state probability, drawn by Graphviz (plot_mdp_or_policy)."""
    from ..figures import plot_mdp_or_policy

    def action():
        thing = resolve_policy(name)[0] if policy else resolve_mdp(name)[0]
        return plot_mdp_or_policy(thing, subgraphs_per_row=per_row, subgraphs_per_figure=per_figure,
                                  save_handle="policy" if policy else "mdp", graph_name=Path(name).stem,
                                  output_folder=output)

    _plot(action)


@plot_app.command()
def rewards(
    samples: int = typer.Option(500, "--samples", help="Number of reward pairs."),
    dist: str = typer.Option("uniform", "--dist", help="Distribution name (uniform, beta, pareto, bernoulli, jaynes_prior, ...)."),
    params: Optional[list[float]] = typer.Option(None, "--param", help="A distribution parameter (repeat; default 0 1 for uniform)."),
    correlation: Optional[list[float]] = typer.Option(None, "--correlation", help="Reward correlation β (repeat for an animation)."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    output: Path = OUTPUT,
) -> None:
    """Sampled reward pairs (R_H, R_A) at correlation β; several β give a GIF."""
    from ..figures import visualize_all_correlated_reward_samples, visualize_correlated_reward_samples
    from ..model.rewards import make_distribution

    config = {"dist_name": dist, "params": list(params) if params else ([0, 1] if dist == "uniform" else [])}
    betas = list(correlation) if correlation else [0.0]

    def action():
        interval = make_distribution(config).symmetric_interval if min(betas) < 0 else None
        if len(betas) == 1:
            name = f"correlated_rewards-{dist}-{betas[0]:g}"
            visualize_correlated_reward_samples(samples, config, correlation=betas[0], symmetric_interval=interval,
                                                random_seed=seed, fig_name=name, output_folder=output)
            return _saved(output, name)
        return [visualize_all_correlated_reward_samples(samples, config, correlations_list=betas, symmetric_interval=interval,
                                                        random_seed=seed, output_folder=output)]

    _plot(action)


@plot_app.command()
def power(
    sweep: str = typer.Argument(..., help="Sweep id (e.g. 0001) or folder."),
    state: Optional[list[str]] = typer.Option(None, "--state", help="A state to plot (repeat; default: a representative few)."),
    param: str = typer.Option("discount_rate", "--param", help="The swept parameter on the x axis."),
    agent: str = typer.Option("H", "--agent", help="H or A."),
    folder: Path = FOLDER,
    output: Path = OUTPUT,
) -> None:
    """POWER of chosen states (± standard error) against a swept parameter, e.g. γ."""
    from ..figures import visualize_power_against_parameter

    def action():
        name = f"POWER_against_{param}-{sweep}-agent_{agent}"
        visualize_power_against_parameter(sweep, states=state or None, param=param, agent=agent, fig_name=name,
                                          folder=folder, output_folder=output)
        return _saved(output, name)

    _plot(action)


@plot_app.command()
def alpha(
    sweep: str = typer.Argument(..., help="Sweep id or folder of a multiagent_with_reward sweep."),
    param: str = typer.Option("reward_correlation", "--param", help="reward_correlation (β) or discount_rate (γ)."),
    folder: Path = FOLDER,
    output: Path = OUTPUT,
) -> None:
    """The alignment coefficient α_HA (± jackknife error) against β or γ."""
    from ..figures import visualize_alignment_against_parameter

    def action():
        name = f"alignment_coefficient_against_{param}-{sweep}"
        visualize_alignment_against_parameter(sweep, param=param, fig_name=name, folder=folder, output_folder=output)
        return _saved(output, name)

    _plot(action)


@plot_app.command()
def alignment(
    sweep: str = typer.Argument(..., help="Sweep id or folder of a multiagent_with_reward sweep."),
    param: str = typer.Option("reward_correlation", "--param", help="The swept parameter to animate over."),
    baseline: bool = typer.Option(True, "--baseline/--no-baseline", help="Include H's POWER against the seed policy (diagnostic runs)."),
    folder: Path = FOLDER,
    output: Path = OUTPUT,
) -> None:
    """Alignment plots (POWER of H against A per state) animated over β (visualize_alignment_plots)."""
    from ..figures import visualize_alignment_plots

    _plot(lambda: [visualize_alignment_plots(sweep, include_baseline_powers=baseline, folder=folder,
                                             output_folder=output, param=param)])


@plot_app.command("average-powers")
def average_powers(
    sweep: str = typer.Argument(..., help="Sweep id or folder of a multiagent_with_reward sweep."),
    param: str = typer.Option("reward_correlation", "--param", help="The swept parameter on the x axis."),
    baseline: bool = typer.Option(True, "--baseline/--no-baseline", help="Include H's average POWER against the seed policy."),
    folder: Path = FOLDER,
    output: Path = OUTPUT,
) -> None:
    """Average POWER of Agents H and A over states against β (visualize_average_powers)."""
    from ..figures import visualize_average_powers

    def action():
        name = f"average_powers-{sweep}"
        visualize_average_powers(sweep, include_baseline_power=baseline, fig_name=name, folder=folder,
                                 output_folder=output, param=param)
        return _saved(output, name)

    _plot(action)


@plot_app.command()
def rollout(
    sweep: str = typer.Argument(..., help="Sweep id or folder."),
    run_suffix: str = typer.Option("", "--run-suffix", help="Which run, e.g. reward_correlation__0 (empty: an unswept sweep)."),
    initial_state: Optional[str] = typer.Option(None, "--initial-state", help="Start state (default: the first state)."),
    sample_index: int = typer.Option(0, "--sample-index", help="Which reward sample's optimal policies to follow."),
    steps: int = typer.Option(20, "--steps", help="Number of steps."),
    agent: str = typer.Option("H", "--agent", help="Whose rewards form the background: H or A."),
    folder: Path = FOLDER,
    output: Path = OUTPUT,
) -> None:
    """A GIF of both agents following their optimal policies for one reward sample."""
    from ..figures import visualize_full_gridworld_rollout

    _plot(lambda: [visualize_full_gridworld_rollout(
        sweep, run_suffix=run_suffix, initial_state=initial_state, reward_sample_index=sample_index,
        number_of_steps=steps, agent_whose_rewards_are_displayed=agent, folder=folder, output_folder=output,
    )])


@plot_app.command()
def animate(
    sweep: str = typer.Argument(..., help="Sweep id or folder."),
    param: str = typer.Argument(..., help="The swept parameter to animate over, e.g. discount_rate."),
    figure_prefix: Optional[str] = typer.Option(None, "--figure-prefix", help="Only this figure type, e.g. POWER_means."),
    folder: Path = FOLDER,
) -> None:
    """A GIF of each per-run figure type across a swept parameter, saved in the sweep folder."""
    from ..figures import generate_sweep_animation

    _plot(lambda: generate_sweep_animation(sweep, param, figure_prefix=figure_prefix, folder=folder))


def iter_commands() -> Iterator[str]:
    """Names of the plot commands (for help texts and tests)."""
    return (command.name or command.callback.__name__ for command in plot_app.registered_commands)
