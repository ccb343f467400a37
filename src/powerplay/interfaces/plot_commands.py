"""``powerplay plot ...``: the figure functions from the command line.

::

    powerplay plot view 7x7_gridworld_maze                      # a gridworld's layout
    powerplay plot draw mdp_from_paper                          # an MDP or policy, drawn by Graphviz
    powerplay plot rewards --correlation 0.5                    # sampled (R_H, R_A) pairs
    powerplay plot rewards --correlation -1 --correlation 0 --correlation 1   # ... animated
    powerplay plot power 0001 --state "(3, 3)" --state "(0, 6)" # POWER of states against gamma
    powerplay plot power 0005 --log-one-minus-gamma             # ... on a log(1 - gamma) axis
    powerplay plot alpha 0002                                   # alpha_HA against beta
    powerplay plot alpha 0005 --param discount_rate --fixed discount_rate_agent_A=0.99
    powerplay plot alpha 0007 --pair A:B                        # alpha_AB of a sweep of three agents
    powerplay plot heatmaps 0007 --run-suffix reward_correlation__0 --others "A=(1, 3),B=(2, 2)"
    powerplay plot alignment 0002                               # alignment plots, animated over beta
    powerplay plot average-powers 0002                          # mean POWER of every agent against beta
    powerplay plot rollout 0002 --run-suffix reward_correlation__0
    powerplay plot animate 0001 discount_rate --figure-prefix POWER_means

Sweep figures and animations go to ``temp/`` (``--output``), except ``animate``, which saves
into the sweep's folder as the reference did. File names are made from the figure kind and
the sweep's folder name (whatever way the sweep was named on the command line). Each
command prints ``Figure available in PATH`` for exactly the files it wrote, and each warning
as one ``warning: ...`` line. ``--fixed PARAM=VALUE`` (repeatable) holds another swept
parameter at a value or value name (``--fixed discount_rate_agent_A=0p99``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import typer

# Only light modules here (see cli.py): each command imports what it draws with.
from ..defaults import DEFAULT_FOLDER, FIGURES_FOLDER
from ..errors import FigureError, FileFormatError
from .errors import not_a_record, printable, reported_errors, warnings_as_lines

plot_app = typer.Typer(
    help="Draw figures and animations of environments, reward samples and finished sweeps.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

OUTPUT = typer.Option(
    Path(FIGURES_FOLDER),
    "--output",
    "-o",
    help="Folder for the figure (default: ./temp).",
    callback=not_a_record("--output"),
)
FOLDER = typer.Option(Path(DEFAULT_FOLDER), "--folder", help="Where sweeps are (default: ./expts).")
FIXED = typer.Option(
    None,
    "--fixed",
    metavar="PARAM=VALUE",
    help="Hold another swept parameter at a value or value name (repeat for several).",
)
LOG_GAMMA = typer.Option(
    False, "--log-one-minus-gamma", help="Discount rates on a log(1 - γ) axis (ticks labelled with γ)."
)


def _announce(paths) -> None:
    for path in paths:
        typer.echo(f"Figure available in {path}")


def _plot(action: Callable[[], list[Path]]) -> None:
    with reported_errors(), warnings_as_lines(lambda message: typer.echo(f"warning: {printable(message)}", err=True)):
        _announce(action())


def parse_value(text: str) -> Any:
    """A ``--fixed`` value: a number if it reads as one, a mapping or list in YAML braces, else the text.

    Text is kept as is otherwise, so value names (``0p99``, ``uniform``) match by name.

    Examples
    --------
    >>> parse_value('0.99'), parse_value('0p99'), parse_value('{dist_name: uniform, params: [0, 1]}')
    (0.99, '0p99', {'dist_name': 'uniform', 'params': [0, 1]})
    """
    text = text.strip()
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    if text[:1] in "{[":
        from ..io.safe_load import load_yaml

        try:  # the bounded reader, as for files: an alias bomb is refused, not expanded
            return load_yaml(text, "--fixed", max_bytes=64 * 1024)
        except FileFormatError:
            raise FigureError(f"--fixed value {text!r} is not valid YAML") from None
    return text


def parse_fixed(items: list[str] | None) -> dict[str, Any]:
    """``--fixed PARAM=VALUE`` options as ``{param: value}``.

    Raises
    ------
    FigureError
        For an item without ``=`` or a parameter given twice.
    """
    fixed: dict[str, Any] = {}
    for item in items or []:
        param, sep, text = item.partition("=")
        param = param.strip()
        if not sep or not param or not text.strip():
            raise FigureError(f"--fixed expects PARAM=VALUE (e.g. discount_rate_agent_A=0.99), got {item!r}")
        if param in fixed:
            raise FigureError(f"--fixed gives {param} twice")
        fixed[param] = parse_value(text)
    return fixed


@plot_app.command()
def view(
    mdp: str = typer.Argument(..., help="An MDP: built-in name, a name in ./mdps/, or a file (.yaml, .json, .gv)."),
    output: Path = OUTPUT,
) -> None:
    """The cells of a gridworld (single or joint), as the reference's view_gridworld."""
    from ..figures import view_gridworld
    from ..runner.resolve import resolve_mdp

    _plot(lambda: [view_gridworld(resolve_mdp(mdp)[0], output_folder=output)])


@plot_app.command()
def draw(
    name: str = typer.Argument(
        ..., help="An MDP or, with --policy, a policy (built-in, in ./mdps/ or ./policies/, or a file)."
    ),
    policy: bool = typer.Option(False, "--policy", help="NAME is a policy."),
    per_row: int = typer.Option(4, "--per-row", help="State subgraphs per row."),
    per_figure: int = typer.Option(128, "--per-figure", help="State subgraphs per figure (larger MDPs span several)."),
    output: Path = OUTPUT,
) -> None:
    """Every state, action and next-state probability, drawn by Graphviz (plot_mdp_or_policy)."""
    from ..figures import plot_mdp_or_policy
    from ..runner.resolve import resolve_mdp, resolve_policy

    def action():
        thing = resolve_policy(name)[0] if policy else resolve_mdp(name)[0]
        # Files are named after the MDP or policy itself, not after the path typed.
        return plot_mdp_or_policy(
            thing,
            subgraphs_per_row=per_row,
            subgraphs_per_figure=per_figure,
            save_handle="policy" if policy else "mdp",
            graph_name=thing.name or Path(name).stem,
            output_folder=output,
        )

    _plot(action)


@plot_app.command()
def rewards(
    samples: int = typer.Option(500, "--samples", help="Number of reward pairs."),
    dist: str = typer.Option(
        "uniform", "--dist", help="Distribution name (uniform, beta, pareto, bernoulli, jaynes_prior, ...)."
    ),
    params: list[float] | None = typer.Option(
        None, "--param", help="A distribution parameter (repeat; default 0 1 for uniform)."
    ),
    correlation: list[float] | None = typer.Option(
        None, "--correlation", help="Reward correlation β (repeat for an animation)."
    ),
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
            return [
                visualize_correlated_reward_samples(
                    samples,
                    config,
                    correlation=betas[0],
                    symmetric_interval=interval,
                    random_seed=seed,
                    output_folder=output,
                )
            ]
        return [
            visualize_all_correlated_reward_samples(
                samples,
                config,
                correlations_list=betas,
                symmetric_interval=interval,
                random_seed=seed,
                output_folder=output,
            )
        ]

    _plot(action)


@plot_app.command()
def power(
    sweep: str = typer.Argument(..., help="Sweep id (e.g. 0001) or folder."),
    state: list[str] | None = typer.Option(
        None, "--state", help="A state to plot (repeat; default: a representative few)."
    ),
    param: str = typer.Option("discount_rate", "--param", help="The swept parameter on the x axis."),
    agent: str = typer.Option("H", "--agent", help="H or A."),
    fixed: list[str] | None = FIXED,
    log_one_minus_gamma: bool = LOG_GAMMA,
    folder: Path = FOLDER,
    output: Path = OUTPUT,
) -> None:
    """POWER of chosen states (± standard error) against a swept parameter, e.g. γ."""
    from ..figures import visualize_power_against_parameter

    _plot(
        lambda: [
            visualize_power_against_parameter(
                sweep,
                states=state or None,
                param=param,
                agent=agent,
                folder=folder,
                output_folder=output,
                fixed=parse_fixed(fixed),
                log_one_minus_gamma=log_one_minus_gamma,
            )
        ]
    )


@plot_app.command()
def alpha(
    sweep: str = typer.Argument(..., help="Sweep id or folder of a multiagent_with_reward sweep."),
    param: str = typer.Option(
        "reward_correlation", "--param", help="reward_correlation (β), discount_rate (γ), or any swept parameter."
    ),
    fixed: list[str] | None = FIXED,
    log_one_minus_gamma: bool = LOG_GAMMA,
    pair: str | None = typer.Option(
        None, "--pair", metavar="X:Y", help="Which two agents' α (default the first two: H:A)."
    ),
    folder: Path = FOLDER,
    output: Path = OUTPUT,
) -> None:
    """The alignment coefficient α_HA (or of another pair) against a swept parameter: corrected (95% interval) and raw."""
    from ..figures import visualize_alignment_against_parameter

    _plot(
        lambda: [
            visualize_alignment_against_parameter(
                sweep,
                param=param,
                folder=folder,
                output_folder=output,
                fixed=parse_fixed(fixed),
                log_one_minus_gamma=log_one_minus_gamma,
                pair=parse_pair(pair),
            )
        ]
    )


def parse_pair(text: str | None) -> tuple[str, str] | None:
    """``'A:B'`` -> ``('A', 'B')`` (``None`` stays ``None``).

    Raises
    ------
    FigureError
        For anything but two names joined by ``:``.
    """
    if text is None:
        return None
    parts = tuple(p.strip() for p in text.split(":"))
    if len(parts) != 2 or not all(parts):
        raise FigureError(f"--pair: give two agents as X:Y (e.g. A:B), got {text!r}")
    return parts[0], parts[1]


@plot_app.command()
def heatmaps(
    sweep: str = typer.Argument(..., help="Sweep id or folder of a joint-gridworld sweep."),
    run_suffix: str = typer.Option(
        "", "--run-suffix", help="Which run, e.g. reward_correlation__0 (empty: an unswept sweep)."
    ),
    others: str | None = typer.Option(
        None,
        "--others",
        metavar="'A=(1, 3),B=(2, 2)'",
        help="Also hold these agents at these cells (each agent's map holds the others given; those not given "
        "are averaged over).",
    ),
    folder: Path = FOLDER,
    output: Path = OUTPUT,
) -> None:
    """Each agent's POWER over its own cell, averaged over the other agents' positions (and with --others held)."""
    from ..figures.agent_maps import visualize_agent_maps

    _plot(
        lambda: visualize_agent_maps(sweep, run_suffix=run_suffix, others=others, folder=folder, output_folder=output)
    )


@plot_app.command()
def alignment(
    sweep: str = typer.Argument(..., help="Sweep id or folder of a multiagent_with_reward sweep."),
    param: str = typer.Option("reward_correlation", "--param", help="The swept parameter to animate over."),
    baseline: bool = typer.Option(
        True, "--baseline/--no-baseline", help="Include H's POWER against the seed policy (diagnostic runs)."
    ),
    fixed: list[str] | None = FIXED,
    pair: str | None = typer.Option(
        None, "--pair", metavar="X:Y", help="Which two agents (default the first two: H:A)."
    ),
    folder: Path = FOLDER,
    output: Path = OUTPUT,
) -> None:
    """Alignment plots (POWER of H against A, or of another pair, per state) animated over β (visualize_alignment_plots)."""
    from ..figures import visualize_alignment_plots

    _plot(
        lambda: [
            visualize_alignment_plots(
                sweep,
                include_baseline_powers=baseline,
                folder=folder,
                output_folder=output,
                param=param,
                fixed=parse_fixed(fixed),
                pair=parse_pair(pair),
            )
        ]
    )


@plot_app.command("average-powers")
def average_powers(
    sweep: str = typer.Argument(..., help="Sweep id or folder of a multiagent_with_reward sweep."),
    param: str = typer.Option("reward_correlation", "--param", help="The swept parameter on the x axis."),
    baseline: bool = typer.Option(
        True, "--baseline/--no-baseline", help="Include H's average POWER against the seed policy."
    ),
    fixed: list[str] | None = FIXED,
    log_one_minus_gamma: bool = LOG_GAMMA,
    folder: Path = FOLDER,
    output: Path = OUTPUT,
) -> None:
    """Average POWER of every agent (H and A, ...) over states against β (visualize_average_powers)."""
    from ..figures import visualize_average_powers

    _plot(
        lambda: [
            visualize_average_powers(
                sweep,
                include_baseline_power=baseline,
                folder=folder,
                output_folder=output,
                param=param,
                fixed=parse_fixed(fixed),
                log_one_minus_gamma=log_one_minus_gamma,
            )
        ]
    )


@plot_app.command()
def rollout(
    sweep: str = typer.Argument(..., help="Sweep id or folder."),
    run_suffix: str = typer.Option(
        "", "--run-suffix", help="Which run, e.g. reward_correlation__0 (empty: an unswept sweep)."
    ),
    initial_state: str | None = typer.Option(None, "--initial-state", help="Start state (default: the first state)."),
    sample_index: int = typer.Option(0, "--sample-index", help="Which reward sample's optimal policies to follow."),
    steps: int = typer.Option(20, "--steps", help="Number of steps."),
    agent: str = typer.Option("H", "--agent", help="Whose rewards form the background: H or A."),
    folder: Path = FOLDER,
    output: Path = OUTPUT,
) -> None:
    """A GIF of both agents following their optimal policies for one reward sample."""
    from ..figures import visualize_full_gridworld_rollout

    _plot(
        lambda: [
            visualize_full_gridworld_rollout(
                sweep,
                run_suffix=run_suffix,
                initial_state=initial_state,
                reward_sample_index=sample_index,
                number_of_steps=steps,
                agent_whose_rewards_are_displayed=agent,
                folder=folder,
                output_folder=output,
            )
        ]
    )


@plot_app.command()
def animate(
    sweep: str = typer.Argument(..., help="Sweep id or folder."),
    param: str = typer.Argument(..., help="The swept parameter to animate over, e.g. discount_rate."),
    figure_prefix: str | None = typer.Option(None, "--figure-prefix", help="Only this figure type, e.g. POWER_means."),
    fixed: list[str] | None = FIXED,
    folder: Path = FOLDER,
) -> None:
    """A GIF of each per-run figure type across a swept parameter, saved in the sweep folder."""
    from ..figures import generate_sweep_animation

    _plot(
        lambda: generate_sweep_animation(
            sweep, param, figure_prefix=figure_prefix, folder=folder, fixed=parse_fixed(fixed)
        )
    )


def iter_commands() -> Iterator[str]:
    """Names of the plot commands (for help texts and tests)."""
    for command in plot_app.registered_commands:
        assert command.callback is not None  # each is registered by decorating its function
        yield command.name or command.callback.__name__
