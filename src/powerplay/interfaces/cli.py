"""The ``powerplay`` command.

::

    powerplay run configs/my_first_sweep.yaml --plot-as-gridworld   # run (or resume) a sweep
    powerplay run configs/my_first_sweep.yaml --cluster local:4      # ... on a local Dask cluster
    powerplay show 0001                                             # the runs table of a sweep
    powerplay selftest                                              # the five checked self-tests
    powerplay reproduce 1 2                                         # Part 1, Figure 2 of the posts

Every command has ``--help``. Mistakes in the input (a bad config, an unknown sweep or
figure) print one line starting with ``error:`` on standard error and exit with status 2;
a failed self-test exits with status 1.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import warnings
from pathlib import Path
from typing import Any, Iterator, Optional

import typer
from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..runner.config import ConfigError, RunSpec
from ..runner.distributed import DistributedError  # no Dask import until a cluster is asked for
from ..runner.replication import FIGURES, ALIASES, ReplicationError, reproduce as reproduce_figure, siblings
from ..runner.resolve import ResolveError
from ..runner.sweep import SAMPLES_ENVIRONMENT_VARIABLE, SweepError, SweepProgress, run_sweep
from ..runner.tracking import TrackingError
from ..storage.sweeps import DEFAULT_FOLDER, StoredSweep, SweepNotFoundError, load_sweep, runs_table_csv
from .errors import EXIT_BAD_INPUT, user_errors
from .plot_commands import plot_app

#: Exit status when a self-test fails.
EXIT_FAILED = 1

app = typer.Typer(
    name="powerplay",
    help=(
        "Estimate POWER (instrumental value) in single- and two-agent MDPs.\n\n"
        "Start with:  powerplay run configs/my_first_sweep.yaml --plot-as-gridworld\n\n"
        "Results go to ./expts/{SWEEP_ID}-{name}/ (one folder per run: run.yaml, power.csv, "
        "samples.npz, run.json, figures). Re-running the same command resumes an interrupted sweep."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

_USER_ERRORS = (ConfigError, ResolveError, SweepError, SweepNotFoundError, TrackingError, ReplicationError, DistributedError)


@contextlib.contextmanager
def _warnings_to(progress: "RichProgress") -> Iterator[None]:
    """Show Python warnings (figures, convergence) as one ``warning:`` line each."""
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.showwarning = lambda message, category, *args, **kwargs: progress.warning(str(message))
        yield


def _user_errors():
    """Our input errors as one line on stderr and exit status 2 (no traceback)."""
    return user_errors(_USER_ERRORS)


def _note_compilation() -> None:
    """Say so when the kernels are not compiled yet: the first run then pauses for about half a minute."""
    from ..solvers.warmup import kernels_compiled

    if not kernels_compiled():
        typer.echo("note: compiling the numerical kernels first (once, about half a minute; "
                   "scripts/setup.sh does this at install time)", err=True)


def _stdout() -> Console:
    # In a terminal rich fits tables to its width; piped output (logs, CI) gets room for full paths.
    return Console(highlight=False, width=None if sys.stdout.isatty() else 160)


class RichProgress(SweepProgress):
    """Progress bars for runs and samples (on stderr), and a record of each run for the summary."""

    def __init__(self, console: Console | None = None):
        self.console = console or Console(stderr=True, highlight=False)
        self.bars = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
            TimeElapsedColumn(), console=self.console,
        )
        self.rows: list[dict[str, Any]] = []
        self._runs = None
        self._samples: dict[str, Any] = {}  # run suffix -> its samples bar (several at once on a cluster)
        self._order: dict[str, int] = {}  # run suffix -> position in the sweep
        self.sweep_path: Path | None = None
        self._started = False

    def __enter__(self) -> "RichProgress":
        return self

    def __exit__(self, *exc) -> None:
        if self._started:
            self.bars.stop()
            self._started = False

    def sweep_started(self, sweep_path: Path, runs: list[RunSpec], finished: set[str], resumed: bool) -> None:
        self.sweep_path = sweep_path
        if not self._started:  # started here, not on entry, so input errors print no empty progress display
            self.bars.start()
            self._started = True
        verb = f"resuming {sweep_path} ({len(finished)} of {len(runs)} runs already finished)" if resumed else f"sweep {sweep_path}"
        self.console.print(verb, markup=False, soft_wrap=True)
        if self._runs is not None:
            self.bars.remove_task(self._runs)
        self._runs = self.bars.add_task(f"runs of {sweep_path.name}", total=len(runs))
        self._order = {run.suffix: position for position, run in enumerate(runs)}

    def run_started(self, run: RunSpec, total_samples: int) -> None:
        self._samples[run.suffix] = self.bars.add_task(f"samples {run.suffix or '(single run)'}", total=total_samples)

    def samples_done(self, run: RunSpec, done: int, total: int) -> None:
        self.bars.update(self._samples[run.suffix], completed=done)

    def run_finished(self, run: RunSpec, folder: Path, info: dict[str, Any], skipped: bool) -> None:
        self.rows.append({
            "run": run.suffix or "(single run)",
            "status": "reused" if skipped else "new",
            "samples": info.get("num_reward_samples"),
            "seconds": info.get("seconds"),
            "samples_per_second": info.get("samples_per_second"),
            "folder": str(folder),
            "figures": len(info.get("figures") or []),
            "position": self._order.get(run.suffix, len(self._order)),
        })
        if run.suffix in self._samples:
            self.bars.remove_task(self._samples.pop(run.suffix))
        self.bars.advance(self._runs)

    def warning(self, message: str) -> None:
        self.console.print(f"warning: {message}", style="yellow", markup=False, soft_wrap=True)


def _summary_table(rows: list[dict[str, Any]], title: str) -> Table:
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("run folder", overflow="fold")
    for column in ("status", "samples", "time (s)", "samples/s", "figures"):
        table.add_column(column, justify="left" if column == "status" else "right", no_wrap=True)
    for row in rows:
        table.add_row(
            Path(row["folder"]).name, row["status"], f"{row['samples']:,}" if row["samples"] else "",
            f"{row['seconds']:.2f}" if row["seconds"] is not None else "",
            f"{row['samples_per_second']:,.0f}" if row["samples_per_second"] else "",
            str(row["figures"]),
        )
    return table


def _print_sweep_summary(progress: RichProgress, sweep: StoredSweep) -> None:
    out = _stdout()
    rows = sorted(progress.rows, key=lambda row: row["position"])  # runs on a cluster finish in any order
    out.print(_summary_table(rows, f"{sweep.path.name} ({sweep.experiment_type})"))
    out.print(f"Results in {sweep.path}/ (one folder per run; table of runs: {sweep.path / 'runs.csv'})", markup=False)


@app.command()
def run(
    config: Path = typer.Argument(..., metavar="CONFIG", help="The experiment config (YAML), e.g. configs/my_first_sweep.yaml."),
    output: Path = typer.Option(Path(DEFAULT_FOLDER), "--output", "-o", metavar="DIR", help="Folder for sweep results."),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", min=1, metavar="N", help="CPU threads to use (default: all). Never changes results."),
    plot_as_gridworld: bool = typer.Option(False, "--plot-as-gridworld", help="Draw POWER as gridworld heat maps (gridworld MDPs only)."),
    plot_distributions: bool = typer.Option(False, "--plot-distributions", help="Also draw histograms of reward and POWER samples per state."),
    plot_correlations: bool = typer.Option(False, "--plot-correlations", help="Also draw 2-D histograms of POWER samples for state pairs (small MDPs only)."),
    diagnostic: bool = typer.Option(False, "--diagnostic", help="multiagent_with_reward: also compute H's POWER against A's seed policy and A's seed-policy POWER."),
    wandb: bool = typer.Option(False, "--wandb", help="Also log runs to Weights & Biases (offline unless you are logged in; upload later with `wandb sync`)."),
    wandb_project: Optional[str] = typer.Option(None, "--wandb-project", metavar="NAME", help="Weights & Biases project (default: powerplay)."),
    samples: Optional[int] = typer.Option(None, "--samples", "-n", min=1, metavar="N", help=f"Override num_reward_samples for a quick look (default: ${SAMPLES_ENVIRONMENT_VARIABLE} if set)."),
    new: bool = typer.Option(False, "--new", help="Start a new sweep even if an unfinished or finished one with the same config could be resumed."),
    figures: bool = typer.Option(True, "--figures/--no-figures", help="Draw per-run figures."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", metavar="ADDRESS", help="Run on an existing Dask cluster: its scheduler's address tcp://HOST:PORT (or a scheduler file). Needs powerplay[dask]. Never changes results."),
    cluster: Optional[str] = typer.Option(None, "--cluster", metavar="local:N", help="Run on a Dask cluster of N worker processes started on this machine for the sweep. Needs powerplay[dask]. Never changes results."),
) -> None:
    """Run (or resume) the sweep a config file describes.

    Each run's results go to OUTPUT/{SWEEP_ID}-{name}/{SWEEP_ID}-{name}-{param}__{value}/.
    Running the same command again (same config file contents and --samples/--diagnostic)
    resumes the latest such sweep, skipping finished runs.

    By default everything runs in this process. With --scheduler or --cluster the runs are
    split into tasks of reward samples for a Dask cluster, several runs at once.
    """
    _note_compilation()
    with _user_errors(), RichProgress() as progress, _warnings_to(progress):
        with _dask_executor(scheduler, cluster, workers, progress) as executor:
            sweep = run_sweep(
                config, output, workers=workers, plot_as_gridworld=plot_as_gridworld, plot_distributions=plot_distributions,
                plot_correlations=plot_correlations, diagnostic=diagnostic, wandb=wandb, wandb_project=wandb_project,
                samples=samples, new=new, render_figures=figures, progress=progress, executor=executor,
            )
    _print_sweep_summary(progress, sweep)
    if executor is not None:  # what the cluster cost: bytes per task, time to first result
        from ..runner.distributed import summarize_stats

        _stdout().print(summarize_stats(executor.stats), markup=False, soft_wrap=True)


@contextlib.contextmanager
def _dask_executor(scheduler: str | None, cluster: str | None, workers: int | None, progress: RichProgress):
    """The Dask executor ``--scheduler``/``--cluster`` ask for (None: run locally, no Dask)."""
    if scheduler is None and cluster is None:
        yield None
        return
    if scheduler is not None and cluster is not None:
        raise DistributedError("--scheduler and --cluster exclude each other: use an existing cluster or start one")
    if workers is not None:
        raise DistributedError("--workers sets threads for a local run; with --scheduler/--cluster, size the Dask cluster instead")
    from ..runner.distributed import DaskExecutor

    # The executor reports a lost cluster in one line; Dask's client would also log it with
    # tracebacks, some from its I/O thread after the client is closed: quiet it for the process.
    logging.getLogger("distributed.client").setLevel(logging.CRITICAL)
    executor = DaskExecutor.from_options(scheduler=scheduler, cluster=cluster)
    try:
        progress.console.print(f"running on {executor.describe()}", markup=False, soft_wrap=True)
        yield executor
    finally:
        executor.close()


@app.command()
def show(
    sweep: str = typer.Argument(..., metavar="SWEEP", help="Sweep id (e.g. 0001), folder name or path."),
    output: Path = typer.Option(Path(DEFAULT_FOLDER), "--output", "-o", metavar="DIR", help="Folder holding the sweeps."),
    csv: bool = typer.Option(False, "--csv", help="Print the runs table as CSV instead."),
) -> None:
    """Show the runs of a sweep: parameter values, timing and mean POWER."""
    with _user_errors():
        stored = load_sweep(sweep, output)
        rows = stored.table()
    if csv:
        sys.stdout.write(runs_table_csv(rows))
        return
    out = _stdout()
    table = Table(title=f"{stored.path} ({stored.experiment_type})", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    power_columns = [c for c in (rows[0] if rows else {}) if c.startswith("power_")]
    for column in [*stored.swept, "samples", "time (s)", *power_columns]:
        table.add_column(column.removesuffix("_mean").replace("power_", "mean POWER "), justify="right")
    for row in rows:
        table.add_row(
            *[str(row[p]) for p in stored.swept], f"{row['num_reward_samples']:,}", f"{row['seconds']:.2f}",
            *[f"{row[c]:.4f}" for c in power_columns],
        )
    out.print(table)
    out.print(f"Full table (CSV): powerplay show {stored.sweep_id} --csv  or  {stored.path / 'runs.csv'}", markup=False)
    if stored.missing_runs:
        out.print(f"unfinished runs: {', '.join(stored.missing_runs)} (run the sweep's command again to finish them)")


@app.command()
def selftest(
    tests: Optional[list[str]] = typer.Argument(None, metavar="[TEST]...", help="Which tests (default: all): test_vanilla, test_gridworld, test_stochastic, test_multiagent, test_reward_correlation."),
    samples: Optional[int] = typer.Option(None, "--samples", "-n", min=1, metavar="N", help="Reward samples per run (default: the reference's counts) for a quick check."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", metavar="DIR", help="Keep the test sweeps in this folder (default: a temporary folder, deleted)."),
    figures: bool = typer.Option(False, "--figures", help="Also draw each run's figures (needs --output to keep them)."),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", min=1, metavar="N", help="CPU threads to use."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Print every check, not only failures."),
) -> None:
    """Run the reference's five test sweeps and check their results.

    Prints PASS or FAIL per test (and the failing checks); exits with status 1 if any fails.
    """
    from ..runner.selftest import SELFTESTS, run_selftests

    out = _stdout()
    unknown = [t for t in tests or [] if t not in SELFTESTS]
    if unknown:
        typer.echo(f"error: unknown self-test {unknown[0]!r}; known: {', '.join(SELFTESTS)}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)

    def report(outcome) -> None:
        word = "PASS" if outcome.passed else "FAIL"
        counts = {s: sum(c.status == s for c in outcome.checks) for s in ("pass", "fail", "inconclusive")}
        extra = f", {counts['inconclusive']} inconclusive" if counts["inconclusive"] else ""
        out.print(f"{word}  {outcome.name}  ({counts['pass']} of {len(outcome.checks)} checks passed{extra}, {outcome.seconds:.1f} s)",
                  style="green" if outcome.passed else "bold red", markup=False)
        for check in outcome.checks:
            if verbose or check.status != "pass":
                out.print(f"      {check.status:<12} {check.description}  {check.detail}".rstrip(), markup=False)

    _note_compilation()
    with _user_errors():
        outcomes = run_selftests(tests or None, output_dir=output, samples=samples, figures=figures, workers=workers,
                                 progress=None, on_outcome=report)
    failed = [o.name for o in outcomes if not o.passed]
    if output is not None:
        out.print(f"Test sweeps kept in {output}")
    if failed:
        out.print(f"{len(failed)} of {len(outcomes)} self-tests FAILED: {', '.join(failed)}", style="bold red", markup=False)
        raise typer.Exit(EXIT_FAILED)
    out.print(f"All {len(outcomes)} self-tests passed.", style="green")


def _figure_list() -> Table:
    table = Table(title="Published figures (powerplay reproduce POST FIG)", title_justify="left")
    for column in ("post", "fig", "figure", "sweep (shared by)"):
        table.add_column(column, overflow="fold")
    for (post, number), fig in sorted(FIGURES.items()):
        shared = ", ".join(str(s.figure) for s in siblings(post, number))
        sweep = f"{fig.sweep} ({shared})" if fig.sweep and shared else (fig.sweep or "none needed")
        table.add_row(str(post), str(number), fig.description, sweep)
    for (post, number), (p, f) in ALIASES.items():
        table.add_row(str(post), str(number), f"the same figure as Part {p} Fig {f}", FIGURES[(p, f)].sweep or "")
    return table


@app.command()
def reproduce(
    post: Optional[int] = typer.Argument(None, metavar="[POST]", help="Post number: 1, 2 or 3 (omit both to list the figures)."),
    fig: Optional[int] = typer.Argument(None, metavar="[FIG]", help="Figure number in that post."),
    samples: Optional[int] = typer.Option(None, "--samples", "-n", min=1, metavar="N", help="Override the published sample count for a quick look."),
    output: Path = typer.Option(Path(DEFAULT_FOLDER), "--output", "-o", metavar="DIR", help="Folder for the replication sweep."),
    figures_dir: Path = typer.Option(Path("temp"), "--figures-dir", metavar="DIR", help="Folder for the figure files."),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", min=1, metavar="N", help="CPU threads to use."),
    run_figures: bool = typer.Option(True, "--run-figures/--no-run-figures", help="Also draw each run's own figures in the sweep folder."),
) -> None:
    """Reproduce a figure of the published posts (runs its sweep once; sibling figures reuse it)."""
    out = _stdout()
    if post is None or fig is None:
        if post is not None:
            typer.echo("error: give both POST and FIG (e.g. powerplay reproduce 1 2), or neither to list the figures", err=True)
            raise typer.Exit(EXIT_BAD_INPUT)
        out.print(_figure_list())
        return
    _note_compilation()
    with _user_errors(), RichProgress() as progress, _warnings_to(progress):
        result = reproduce_figure(post, fig, samples=samples, output_dir=output, figures_dir=figures_dir, workers=workers,
                                  render_run_figures=run_figures, progress=progress)
    if (post, fig) in ALIASES:
        out.print(f"Part {post} Fig {fig} is Part {result.figure.post} Fig {result.figure.figure}.")
    if result.sweep is not None:
        out.print(f"Sweep data in {result.sweep.path}")
    for path in result.paths:
        out.print(f"Figure available in {path}", markup=False)
    if result.note:
        out.print(f"note: {result.note}", style="yellow", markup=False)


app.add_typer(plot_app, name="plot")


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"powerplay {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit.")) -> None:
    """Estimate POWER (instrumental value) in single- and two-agent MDPs."""


def main() -> None:
    """Entry point of the ``powerplay`` console script."""
    app()


__all__ = ["app", "main"]
