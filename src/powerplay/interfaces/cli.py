"""The ``powerplay`` command.

::

    powerplay run configs/my_first_sweep.yaml --plot-as-gridworld   # run (or resume) a sweep
    powerplay run configs/my_first_sweep.yaml --cluster local:4      # ... on a local Dask cluster
    powerplay list                                                  # the sweeps in ./expts
    powerplay show 0001                                             # the runs table of a sweep
    powerplay compare 0001 discount_rate__0p9 discount_rate__0p99   # two runs: statistics and their change
    powerplay selftest                                              # the five checked self-tests
    powerplay reproduce 1 2                                         # Part 1, Figure 2 of the posts
    powerplay report 0001                                           # an interactive HTML report of a sweep

Every command has ``--help``. Mistakes in the input (a bad config, an unknown sweep or
figure, a damaged file) print one line starting with ``error:`` on standard error and exit
with status 2; a failed self-test exits with status 1; an internal error prints one line
saying where its traceback was saved and exits with status 70
(:mod:`powerplay.interfaces.errors`).
"""

from __future__ import annotations

import atexit
import gc
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

# Only light modules here: the numerical stack (numba, scipy, pydantic: about half a second)
# is imported inside the commands that compute or read results, so --help, --version and
# usage errors answer at once.
from ..defaults import DEFAULT_FOLDER, FIGURES_FOLDER, SAMPLES_ENVIRONMENT_VARIABLE
from ..errors import PowerplayError
from ..runner.events import SweepListener
from .errors import EXIT_BAD_INPUT, EXIT_INTERRUPTED, not_a_record, printable, reported_errors, warnings_as_lines
from .executor_options import executor_from_options
from .plot_commands import plot_app

if TYPE_CHECKING:
    from rich.progress import TaskID

    from ..runner.config import RunSpec
    from ..storage.sweeps import StoredSweep

#: Exit status when a self-test fails.
EXIT_FAILED = 1

app = typer.Typer(
    name="powerplay",
    help=(
        "Estimate POWER (instrumental value) in single- and two-agent MDPs.\n\n"
        "Start with:  powerplay run CONFIG.yaml --plot-as-gridworld  (e.g. configs/my_first_sweep.yaml in a "
        "clone of the repository; powerplay selftest needs no config)\n\n"
        "Results go to ./expts/{SWEEP_ID}-{name}/ (one folder per run: run.yaml, power.csv, summary.npz, "
        "run.json, figures; samples.npz when samples are kept). Re-running the same command resumes an "
        "interrupted sweep."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


class CompilationNote(SweepListener):
    """Says so, once, when a run is about to start and the kernels are not compiled yet (the
    first run then pauses for about half a minute). Only when computing starts: a command
    that stops at a bad input prints nothing but its error."""

    def __init__(self):
        self.done = False

    def on_run_started(self, run, total_samples: int) -> None:
        if self.done:
            return
        self.done = True
        from ..solvers.warmup import kernels_compiled

        if not kernels_compiled():
            typer.echo(
                "note: compiling the numerical kernels first (once, about half a minute; "
                "scripts/setup.sh does this at install time)",
                err=True,
            )


def _stdout() -> Console:
    # In a terminal rich fits tables to its width; piped output (logs, CI) gets room for full paths.
    return Console(highlight=False, width=None if sys.stdout.isatty() else 160)


class RichProgress(SweepListener):
    """Progress bars for runs and samples (on stderr), and a record of each run for the summary."""

    def __init__(self, console: Console | None = None):
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self.console = console or Console(stderr=True, highlight=False)
        self.bars = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            console=self.console,
        )
        self.rows: list[dict[str, Any]] = []
        self._runs: TaskID | None = None
        self._samples: dict[str, TaskID] = {}  # run suffix -> its samples bar (several at once on a cluster)
        self._order: dict[str, int] = {}  # run suffix -> position in the sweep
        self._started = False

    def __enter__(self) -> RichProgress:
        return self

    def __exit__(self, *exc) -> None:
        if self._started:
            self.bars.stop()
            self._started = False

    def on_sweep_started(self, sweep_path: Path, runs: list[RunSpec], finished: set[str], resumed: bool) -> None:
        if not self._started:  # started here, not on entry, so input errors print no empty progress display
            self.bars.start()
            self._started = True
        verb = (
            f"resuming {sweep_path} ({len(finished)} of {len(runs)} runs already finished)"
            if resumed
            else f"sweep {sweep_path}"
        )
        self.console.print(printable(verb), markup=False, soft_wrap=True)
        if self._runs is not None:
            self.bars.remove_task(self._runs)
        self._runs = self.bars.add_task(f"runs of {printable(sweep_path.name)}", total=len(runs))
        self._order = {run.suffix: position for position, run in enumerate(runs)}

    def on_run_started(self, run: RunSpec, total_samples: int) -> None:
        self._samples[run.suffix] = self.bars.add_task(
            f"samples {printable(run.suffix) or '(single run)'}", total=total_samples
        )

    def on_samples_done(self, run: RunSpec, done: int, total: int) -> None:
        self.bars.update(self._samples[run.suffix], completed=done)

    def on_run_finished(self, run: RunSpec, folder: Path, info: dict[str, Any], reused: bool) -> None:
        alignment = info.get("alignment") if isinstance(info.get("alignment"), dict) else None
        self.rows.append(
            {
                "run": run.suffix or "(single run)",
                "status": "reused" if reused else "new",
                "samples": info.get("num_reward_samples"),
                "seconds": info.get("seconds"),
                "samples_per_second": info.get("samples_per_second"),
                "folder": str(folder),
                "figures": len(info.get("figures") or []),
                "alignment": alignment,
                "alignments": info.get("alignments") if isinstance(info.get("alignments"), dict) else None,
                "position": self._order.get(run.suffix, len(self._order)),
            }
        )
        alignments = info.get("alignments")
        if isinstance(alignments, dict) and alignments:
            _warn_low_reliability(Path(folder).name, alignments, self.on_warning)
        elif alignment is not None:
            _warn_low_reliability(Path(folder).name, alignment, self.on_warning)
        if run.suffix in self._samples:
            self.bars.remove_task(self._samples.pop(run.suffix))
        assert self._runs is not None  # on_sweep_started comes first
        self.bars.advance(self._runs)

    def on_warning(self, message: str) -> None:
        self.console.print(f"warning: {printable(message)}", style="yellow", markup=False, soft_wrap=True)


def _warn_low_reliability(name: str, alignment, warn) -> None:
    """Warn when α rests on noisy per-state means (``alignment``: statistics or their ``run.json``
    record, or several pairs' -- a run of three or more agents -- warned of in one line)."""
    from ..stats.alignment import AlignmentStatistics, noise_summary

    if alignment is None:
        return
    pairs = list(alignment.values()) if isinstance(alignment, dict) and "alpha" not in alignment else [alignment]
    if isinstance(alignment, (list, tuple)):
        pairs = list(alignment)
    pairs = [AlignmentStatistics.from_dict(p) if isinstance(p, dict) else p for p in pairs]
    if not pairs:
        return
    message = noise_summary(pairs)
    if message is None:
        return
    if len(pairs) == 1:
        symbol, tag = pairs[0].symbol, pairs[0].tag
        warn(
            f"{name}: {symbol} rests on noisy per-state means: {message}; the raw {symbol} is attenuated towards 0, "
            f"compare runs by alpha_{tag}_corrected"
        )
        return
    warn(
        f"{name}: α of its pairs of agents rests on noisy per-state means: {message}; the raw α of a noisy agent's "
        "pairs is attenuated towards 0, compare runs by the corrected α (alpha_XY_corrected)"
    )


def _given_names(stored: StoredSweep) -> set[str]:
    """The swept parameters whose config gave ``names`` (shown instead of the values)."""
    try:
        parameters = stored.config.get("parameters") or {}
    except PowerplayError:  # a damaged config.yaml: the values, as they are
        return set()
    return {p for p, spec in parameters.items() if isinstance(spec, dict) and spec.get("names")}


def _float(value) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else math.nan


def _with_error(value, error, row: dict[str, Any], undefined: str | None = None, digits: int = 4) -> str:
    """``'0.1234 ± 0.0012'``; an undefined value or error says why (e.g. ``'± undefined (1 sample)'``)."""
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        return f"undefined ({undefined})" if undefined else "–"
    if isinstance(error, (int, float)) and math.isfinite(error):
        return f"{value:.{digits}f} ± {error:.{digits}f}"
    samples = row.get("num_reward_samples")
    why = "1 sample" if samples == 1 else "no error"
    return f"{value:.{digits}f} ± undefined ({why})"


def _interval_cell(row: dict[str, Any], prefix: str) -> str:
    from ..stats.alignment import corrected_text

    value = row.get(prefix)
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        return f"undefined ({row.get(f'{prefix}_undefined') or 'not computable'})"
    shown = corrected_text(value, _float(row.get(f"{prefix}_unclipped")))
    return f"{shown} [{_number(row.get(f'{prefix}_low'))}, {_number(row.get(f'{prefix}_high'))}]"


def _number(value, digits: int = 3) -> str:
    return f"{value:.{digits}f}" if isinstance(value, (int, float)) and math.isfinite(value) else "–"


def _alpha_cell(alignment: dict[str, Any] | None, corrected: bool = False) -> str:
    from ..stats.alignment import corrected_text

    if not alignment:
        return ""
    key = "alpha_corrected" if corrected else "alpha"
    value, error = alignment.get(key), alignment.get(f"{key}_sem")
    if not isinstance(value, (int, float)):
        return f"undefined ({alignment.get(f'{key}_undefined') or 'not computable'})"
    shown = corrected_text(value, _float(alignment.get("alpha_corrected_unclipped"))) if corrected else _number(value)
    return f"{shown} ± {_number(error)}"


def _alignments_by_pair(row: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A finished run's α statistics by pair (``'HA'``, ...): every pair's, or its one pair's."""
    if row.get("alignments"):
        return row["alignments"]
    alignment = row.get("alignment")
    return {"".join(alignment.get("agents") or ("H", "A")): alignment} if alignment else {}


def _summary_table(rows: list[dict[str, Any]], title: str) -> Table:
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("run folder", overflow="fold")
    # Two agents: α_HA raw and corrected; more: every pair's corrected α (`powerplay show` has the rest).
    pairs = list(dict.fromkeys(pair for row in rows for pair in _alignments_by_pair(row)))
    every_pair = len(pairs) > 1
    if every_pair:
        alpha_columns = [f"α_{pair} corrected" for pair in pairs]
    elif any(row.get("alignment") for row in rows):
        first = next(row["alignment"] for row in rows if row.get("alignment"))
        symbol = "α_" + "".join(first.get("agents") or ("H", "A"))
        alpha_columns = [symbol, f"{symbol} corrected"]
    else:
        alpha_columns = []
    for column in ["status", "samples", "time (s)", "samples/s", "figures", *alpha_columns]:
        table.add_column(column, justify="left" if column == "status" else "right", no_wrap=True)
    for row in rows:
        cells = [
            printable(Path(row["folder"]).name),
            row["status"],
            f"{row['samples']:,}" if row["samples"] else "",
            f"{row['seconds']:.2f}" if row["seconds"] is not None else "",
            f"{row['samples_per_second']:,.0f}" if row["samples_per_second"] else "",
            str(row["figures"]),
        ]
        if every_pair:
            by_pair = _alignments_by_pair(row)
            cells += [_alpha_cell(by_pair.get(pair), corrected=True) for pair in pairs]
        elif alpha_columns:
            cells += [_alpha_cell(row.get("alignment")), _alpha_cell(row.get("alignment"), corrected=True)]
        table.add_row(*cells)
    return table


def _print_sweep_summary(progress: RichProgress, sweep: StoredSweep) -> None:
    out = _stdout()
    rows = sorted(progress.rows, key=lambda row: row["position"])  # runs on a cluster finish in any order
    out.print(_summary_table(rows, printable(f"{sweep.path.name} ({sweep.experiment_type})")))
    out.print(
        f"Results in {printable(sweep.path)}/ (one folder per run; table of runs: "
        f"{printable(sweep.path / 'runs.csv')})",
        markup=False,
        soft_wrap=True,
    )


# Output paths never name a sweep's own records (sweep.json, a run's run.json, ...).
OUTPUT_CHECK = not_a_record("--output")
FIGURES_DIR_CHECK = not_a_record("--figures-dir")

# Options shared by every command that computes sweeps.
WORKERS = typer.Option(
    None, "--workers", "-w", min=1, metavar="N", help="CPU threads to use (default: all). Never changes results."
)
SCHEDULER = typer.Option(
    None,
    "--scheduler",
    metavar="ADDRESS",
    help="Run on an existing Dask cluster: its scheduler's address tcp://HOST:PORT (or a scheduler file). Needs powerplay[dask]. Never changes results.",
)
CLUSTER = typer.Option(
    None,
    "--cluster",
    metavar="local:N",
    help="Run on a Dask cluster of N worker processes started on this machine. Needs powerplay[dask]. Never changes results.",
)
REPORT = typer.Option(
    False,
    "--report",
    help="When the sweep has finished, write its interactive HTML report (report.html in the sweep folder; see powerplay report).",
)


def _write_report(sweep: StoredSweep | str, path: Path | None = None, **options: Any) -> None:
    """Write a sweep's HTML report and say where (Bokeh is imported only here)."""
    from ..figures.report import write_report

    with reported_errors():
        written = write_report(sweep, path, **options)
    _stdout().print(
        f"Report in {printable(written)} (one file: open it in a browser, or send it)", markup=False, soft_wrap=True
    )


def _figure_listeners(figures: bool, **flags: Any) -> list[SweepListener]:
    if not figures:
        return []
    from ..figures.run_figures import FigureOptions, RunFigures  # matplotlib only when figures are drawn

    return [RunFigures(FigureOptions(**flags))]


def _study_listener(figures: bool):
    """Writes the environment study (α_HA across environments) of sweeps over environments."""
    if figures:
        from ..figures.study_figures import EnvironmentStudyReport

        return EnvironmentStudyReport()
    from ..runner.studies import EnvironmentStudyWriter

    return EnvironmentStudyWriter()


@app.command()
def run(
    config: Path = typer.Argument(
        ..., metavar="CONFIG", help="The experiment config (YAML), e.g. configs/my_first_sweep.yaml."
    ),
    output: Path = typer.Option(
        Path(DEFAULT_FOLDER),
        "--output",
        "-o",
        metavar="DIR",
        help="Folder for sweep results.",
        callback=OUTPUT_CHECK,
    ),
    workers: int | None = WORKERS,
    plot_as_gridworld: bool = typer.Option(
        False, "--plot-as-gridworld", help="Draw POWER as gridworld heat maps (gridworld MDPs only)."
    ),
    plot_distributions: bool = typer.Option(
        False,
        "--plot-distributions",
        help="Also draw histograms of reward and POWER samples per state (keeps the samples).",
    ),
    plot_correlations: bool = typer.Option(
        False, "--plot-correlations", help="Also draw correlations of POWER samples between states (keeps the samples)."
    ),
    diagnostic: bool = typer.Option(
        False,
        "--diagnostic",
        help="multiagent_with_reward: also compute H's POWER against A's seed policy and A's seed-policy POWER.",
    ),
    keep_samples: bool | None = typer.Option(
        None,
        "--keep-samples/--no-keep-samples",
        help="Keep every per-sample POWER array in samples.npz (default: only when they are small, at most 64 MB per run).",
    ),
    wandb: bool = typer.Option(
        False,
        "--wandb",
        help="Also log runs to Weights & Biases (offline unless you are logged in; upload later with `wandb sync`).",
    ),
    wandb_project: str | None = typer.Option(
        None, "--wandb-project", metavar="NAME", help="Weights & Biases project (default: powerplay)."
    ),
    samples: int | None = typer.Option(
        None,
        "--samples",
        "-n",
        min=1,
        max=10**9,
        metavar="N",
        help=f"Override num_reward_samples for a quick look (default: ${SAMPLES_ENVIRONMENT_VARIABLE} if set).",
    ),
    new: bool = typer.Option(
        False,
        "--new",
        help="Start a new sweep even if an unfinished or finished one with the same config could be resumed.",
    ),
    repair: bool = typer.Option(
        False, "--repair", help="Recompute finished runs whose files were changed or damaged since they were written."
    ),
    figures: bool = typer.Option(True, "--figures/--no-figures", help="Draw per-run figures."),
    scheduler: str | None = SCHEDULER,
    cluster: str | None = CLUSTER,
    report: bool = REPORT,
) -> None:
    """Run (or resume) the sweep a config file describes.

    Each run's results go to OUTPUT/{SWEEP_ID}-{name}/{SWEEP_ID}-{name}-{param}__{value}/.
    Running the same command again (same config file contents and --samples/--diagnostic)
    resumes the latest such sweep, skipping finished runs.

    By default everything runs in this process. With --scheduler or --cluster the runs are
    split into tasks of reward samples for a Dask cluster, several runs at once.
    """
    from ..runner.sweep import SweepOptions, run_sweep
    from ..solvers.warmup import mark_kernels_compiled

    if (plot_distributions or plot_correlations) and keep_samples is None:
        keep_samples = True  # those figures are drawn from the samples themselves
    options = SweepOptions(
        output_dir=output, samples=samples, diagnostic=diagnostic, keep_samples=keep_samples, new=new, repair=repair
    )
    with reported_errors(), RichProgress() as progress, warnings_as_lines(progress.on_warning):
        listeners: list[SweepListener] = [CompilationNote(), progress]
        listeners += _figure_listeners(
            figures,
            plot_as_gridworld=plot_as_gridworld,
            plot_distributions=plot_distributions,
            plot_correlations=plot_correlations,
            diagnostic=diagnostic,
        )
        study = _study_listener(figures)
        listeners.append(study)
        if wandb:
            from ..runner.tracking import WandbTracker

            listeners.append(WandbTracker(project=wandb_project))
        with executor_from_options(scheduler, cluster, workers) as executor:
            if scheduler is not None or cluster is not None:
                progress.console.print(f"running on {printable(executor.describe())}", markup=False, soft_wrap=True)
            sweep = run_sweep(config, options, executor=executor, listeners=listeners)
            stats = getattr(executor, "stats", None)
    mark_kernels_compiled()
    _print_sweep_summary(progress, sweep)
    for line in [s.describe() for s in study.studies] + [f"Study written to {p}" for p in study.paths]:
        _stdout().print(printable(line), markup=False, soft_wrap=True)  # names of generated MDPs are free text
    if report:
        _write_report(sweep)
    if stats is not None:  # what the cluster cost: bytes per task, time to first result
        from ..runner.distributed import summarize_stats

        _stdout().print(summarize_stats(stats), markup=False, soft_wrap=True)


@app.command()
def scan(
    config: Path = typer.Argument(..., metavar="CONFIG", help="A config whose other parameters all have one value."),
    param: str = typer.Option("discount_rate", "--param", help="The parameter to scan."),
    low: float = typer.Option(..., "--from", help="Start of the range."),
    high: float = typer.Option(..., "--to", help="End of the range."),
    statistic: str | None = typer.Option(
        None,
        "--statistic",
        help="alpha_corrected[:X:Y] (default for two or more agents: the first two), alpha[:X:Y], "
        "average_power[:AGENT] (default for one agent), "
        'power:STATE[:AGENT], rank[:AGENT] or contrast[:AGENT]:"PATTERN" - "PATTERN"; AGENT, X, Y: any agent of '
        "the config (see docs/studies.md).",
    ),
    initial_points: int = typer.Option(
        5, "--initial-points", min=2, max=1000, help="Evenly spaced points computed first."
    ),
    resolution: float = typer.Option(
        0.05, "--resolution", help="Stop refining intervals narrower than this (decades of 1 - γ for discount rates)."
    ),
    max_runs: int = typer.Option(12, "--max-runs", min=2, max=1000, help="Budget of points (runs)."),
    output: Path = typer.Option(
        Path(DEFAULT_FOLDER),
        "--output",
        "-o",
        metavar="DIR",
        help="Folder for the scan.",
        callback=OUTPUT_CHECK,
    ),
    samples: int | None = typer.Option(
        None, "--samples", "-n", min=1, max=10**9, metavar="N", help="Override num_reward_samples."
    ),
    workers: int | None = WORKERS,
    scheduler: str | None = SCHEDULER,
    cluster: str | None = CLUSTER,
) -> None:
    """Find where along a parameter a statistic changes fastest (an adaptive, resumable scan).

    Points are placed on a log(1 - γ) axis for discount rates; each round adds the midpoint
    of the interval where the statistic changed most (beyond its standard error). Points
    share their reward draws, so each step is tested with its paired standard error.
    """
    from ..runner.build import build_scenario
    from ..runner.config import load_sweep_config
    from ..runner.scan import ScanSettings, run_scan
    from ..runner.sweep import SweepOptions
    from ..solvers.warmup import mark_kernels_compiled
    from ..stats.statistics import default_statistic

    with reported_errors(), RichProgress() as progress, warnings_as_lines(progress.on_warning):
        base = load_sweep_config(config)
        scenario = build_scenario(base.runs()[0].config)
        default = default_statistic(scenario.power_agents)
        settings = ScanSettings(param, low, high, statistic or default, initial_points, resolution, max_runs)
        with executor_from_options(scheduler, cluster, workers) as executor:
            result = run_scan(
                base,
                settings,
                SweepOptions(output_dir=output, samples=samples),
                executor=executor,
                listeners=[CompilationNote(), progress],
            )
        from ..figures.study_figures import scan_figure

        figure = scan_figure(result)
    mark_kernels_compiled()
    out = _stdout()
    table = Table(
        title=printable(f"scan of {result.label} over {param}"),
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    per_run = any(p.estimate.defined for p in result.points)
    columns = [param] + (["value ± SE"] if per_run else []) + ["change to next ± SE", "paired", "verdict"]
    for column in columns:
        table.add_column(printable(column), justify="right")
    for i, point in enumerate(result.points):
        step = result.steps[i] if i < len(result.steps) else None
        cells = [f"{point.value:.6g}"]
        if per_run:
            cells.append(point.estimate.describe())
        if step is None:
            cells += ["", "", ""]
        else:
            change = step.change
            verdict = {True: "change", False: "no change", None: "no verdict"}[change.significant]
            shown = change.describe(signed=True).replace(" (paired)", "").split(" (unpaired")[0]
            cells += [shown, {True: "yes", False: "no", None: ""}[change.paired], verdict]
        table.add_row(*(printable(c) for c in cells))
    out.print(table)
    out.print(printable(result.describe()), markup=False, soft_wrap=True)
    unpaired = {s.change.note for s in result.steps if s.change.paired is False and s.change.note}
    if unpaired:
        out.print(printable(f"unpaired steps: {'; '.join(sorted(unpaired))}"), markup=False, soft_wrap=True)
    out.print(
        f"Scan in {printable(result.folder)}/ (scan.json, scan.csv); figure: {printable(figure)}",
        markup=False,
        soft_wrap=True,
    )


@app.command("list")
def list_command(
    output: Path = typer.Option(
        Path(DEFAULT_FOLDER), "--output", "-o", metavar="DIR", help="Folder holding the sweeps."
    ),
) -> None:
    """List the sweeps in an output folder: id, name, type, runs finished, when started."""
    from ..storage.sweeps import list_sweeps

    with reported_errors():
        sweeps = list_sweeps(output)
    out = _stdout()
    if not sweeps:
        out.print(f"no sweeps in {printable(output)}/", markup=False)
        return
    table = Table(title=f"sweeps in {printable(output)}/", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("id", "name", "type", "runs", "started", "description"):
        table.add_column(column, overflow="fold")
    for sweep in sweeps:
        table.add_row(
            sweep.sweep_id,
            printable(sweep.name),
            sweep.experiment_type,
            f"{sweep.runs_finished}/{sweep.runs_total}",
            printable(sweep.created[:16]),
            printable(sweep.description)[:80],
        )
    out.print(table)


@app.command()
def show(
    sweep: str = typer.Argument(..., metavar="SWEEP", help="Sweep id (e.g. 0001), folder name or path."),
    output: Path = typer.Option(
        Path(DEFAULT_FOLDER), "--output", "-o", metavar="DIR", help="Folder holding the sweeps."
    ),
    csv: bool = typer.Option(False, "--csv", help="Print the runs table as CSV instead."),
) -> None:
    """Show the runs of a sweep: parameter values, timing, mean POWER and, for two or more agents, α of each pair."""
    from ..stats.alignment import reliability_text
    from ..stats.statistics import alpha_columns
    from ..storage.sweeps import load_sweep, runs_table_csv

    with reported_errors():
        stored = load_sweep(sweep, output)
        rows = stored.table()
        # Every run's agents (a sweep may list two agents in one run and three in another).
        agents = tuple(dict.fromkeys(a for run in stored.runs for a in run.scenario.power_agents)) if not csv else ()
    if csv:
        sys.stdout.write(runs_table_csv(rows))
        return
    out = _stdout()
    described = f"{stored.experiment_type}: agents {', '.join(agents)}" if len(agents) > 1 else stored.experiment_type
    table = Table(
        title=printable(f"{stored.path} ({described})"),
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    power_keys = list(
        dict.fromkeys(
            c[len("power_") : -len("_mean")]
            for row in rows
            for c in row
            if c.startswith("power_") and c.endswith("_mean")
        )
    )
    # α of every pair of the runs' agents, named by the pair (alpha_HA for two agents).
    learners = [k for k in power_keys if "_" not in k]
    pairs = {pair: names for pair, names in alpha_columns(learners).items() if any(names[0] in row for row in rows)}
    with_alpha = bool(pairs)
    several = len(pairs) > 1  # then α gets a table of its own: one row per run and pair
    agents_shown = tuple(dict.fromkeys(a for p in pairs for a in p))
    # Swept values by the names the config gave them (or their default names), never cut:
    # two environments that differ only at the end of a long value must stay apart.
    columns = [*stored.swept, "samples", "time (s)", *[f"mean POWER {k}" for k in power_keys]]
    if with_alpha and not several:
        (raw, _), *_ = pairs.values()
        symbol = "α_" + raw.removeprefix("alpha_")
        columns += [
            f"{symbol} ± SE",
            f"{symbol} corrected [95% interval]",
            f"reliability {', '.join(agents_shown)} [95% interval]",
        ]
    for column in columns:
        table.add_column(printable(column), justify="right", overflow="fold")
    given = _given_names(stored)

    def reliabilities(row) -> str:
        return ", ".join(
            reliability_text(
                _float(row.get(f"reliability_{a}")),
                (_float(row.get(f"reliability_{a}_low")), _float(row.get(f"reliability_{a}_high"))),
            )
            for a in agents_shown
        )

    names = []
    for row in rows:
        cells = [
            printable(row.get(f"{p}_name") if p in given or not isinstance(row.get(p), (int, float)) else row.get(p))
            for p in stored.swept
        ]
        names.append(cells[: len(stored.swept)])
        cells += [
            f"{row['num_reward_samples']:,}" if row.get("num_reward_samples") else "",
            _number(row.get("seconds"), 2),
        ]
        cells += [_with_error(row.get(f"power_{k}_mean"), row.get(f"power_{k}_mean_sem"), row) for k in power_keys]
        if with_alpha and not several:
            ((raw, corrected),) = pairs.values()
            cells += [
                _with_error(row.get(raw), row.get(f"{raw}_sem"), row, row.get(f"{raw}_undefined"), 3),
                _interval_cell(row, corrected),
                reliabilities(row),
            ]
        table.add_row(*cells)
    out.print(table)
    if several:
        alphas = Table(
            title=f"α of each pair of agents ({', '.join(agents_shown)})",
            title_justify="left",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
        )
        for column in [*stored.swept, "pair", "α ± SE", "α corrected [95% interval]", "reliabilities [95% interval]"]:
            alphas.add_column(printable(column), justify="right", overflow="fold")
        for row, swept in zip(rows, names):
            # The pairs of this run's agents (a sweep may mix two- and three-agent runs).
            present = [(p, cols) for p, cols in pairs.items() if all(f"power_{a}_mean" in row for a in p)]
            for number, ((x, y), (raw, corrected)) in enumerate(present):
                shown = swept if number == 0 else [""] * len(swept)
                alphas.add_row(
                    *shown,
                    f"α_{raw.removeprefix('alpha_')}",
                    _with_error(row.get(raw), row.get(f"{raw}_sem"), row, row.get(f"{raw}_undefined"), 3),
                    _interval_cell(row, corrected),
                    ", ".join(
                        f"{a} "
                        + reliability_text(
                            _float(row.get(f"reliability_{a}")),
                            (_float(row.get(f"reliability_{a}_low")), _float(row.get(f"reliability_{a}_high"))),
                        )
                        for a in (x, y)
                    ),
                )
        out.print(alphas)
    settled = [(swept, run.rounds) for swept, run in zip(names, stored.runs) if run.rounds is not None]
    if settled:
        # Counter-optimisation rounds: how each run's samples ended (fixed point, cycle, neither).
        out.print("Counter-optimisation rounds (fixed point: a round that changed no policy):", markup=False)
        for swept, totals in settled:
            label = ", ".join(f"{p} = {cell}" for p, cell in zip(stored.swept, swept)) or "the run"
            out.print(f"  {printable(label)}: {totals.describe()}", markup=False, soft_wrap=True)
    if with_alpha:
        for run in stored.runs:
            _warn_low_reliability(
                run.name,
                list(run.alignments().values()),
                lambda message: typer.echo(f"warning: {printable(message)}", err=True),
            )
    out.print(
        f"Full table (CSV): powerplay show {stored.sweep_id} --csv  or  {printable(stored.path / 'runs.csv')}",
        markup=False,
        soft_wrap=True,
    )
    if stored.missing_runs:
        out.print(
            f"unfinished runs: {printable(', '.join(stored.missing_runs))} (run the sweep's command again to finish them)",
            markup=False,
            soft_wrap=True,
        )


@app.command()
def compare(
    sweep: str = typer.Argument(..., metavar="SWEEP", help="Sweep id (e.g. 0001), folder name or path."),
    first: str = typer.Argument(..., metavar="RUN", help="A run: its suffix or some of its param__name parts."),
    second: str = typer.Argument(
        ..., metavar="RUN", help="The other run (the difference is this one minus the first)."
    ),
    statistics: list[str] | None = typer.Option(
        None,
        "--statistic",
        metavar="STATISTIC",
        help="A statistic (repeat for more): power:STATE[:AGENT], average_power[:AGENT], alpha[:X:Y], "
        'alpha_corrected[:X:Y], rank[:AGENT], contrast[:AGENT]:"PATTERN" - "PATTERN" (AGENT: any agent, default H; '
        "X:Y any two agents, default H:A. Default: average POWER of each agent, and α of every pair, corrected).",
    ),
    output: Path = typer.Option(
        Path(DEFAULT_FOLDER), "--output", "-o", metavar="DIR", help="Folder holding the sweeps."
    ),
) -> None:
    """Compare two runs of a sweep: each statistic in both, and its change with a standard error.

    Runs that drew the same rewards (the same seed and reward distribution: every run of a
    sweep with one random_seed) get paired standard errors, which are much smaller than
    those of independent runs; the output says which.
    """
    from ..stats.statistics import SIGNIFICANT, parse_statistic, run_table_statistics
    from ..storage.sweeps import load_sweep

    with reported_errors():
        stored = load_sweep(sweep, output)
        runs = [stored.run(first), stored.run(second)]
        if statistics:
            chosen = [parse_statistic(text) for text in statistics]
        else:
            chosen = [s for s in run_table_statistics(runs[0].power_keys) if s.kind != "alpha"]
        for statistic in chosen:
            for run in runs:
                statistic.check(run.states, run.power_keys)
        results = [(s, s.of_run(runs[0]), s.of_run(runs[1]), s.difference(runs[0], runs[1])) for s in chosen]
    out = _stdout()
    paired = [d.paired for *_, d in results]
    note = next((d.note for *_, d in results if d.note), None)
    how = (
        "paired: the runs share their reward draws"
        if all(paired)
        else f"unpaired: {note or 'the runs do not share their reward draws'}"
    )
    out.print(
        printable(f"{stored.path.name}: A = {runs[0].name}, B = {runs[1].name} ({how})"), markup=False, soft_wrap=True
    )
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("statistic", "A", "B", "B − A", "verdict"):
        table.add_column(column, justify="left" if column == "statistic" else "right", overflow="fold")
    for statistic, a, b, change in results:
        z = change.z
        if z is None:
            verdict = "no verdict"
        else:
            verdict = f"{'change' if z >= SIGNIFICANT else 'no change'} ({z:.1f} SE)"
        cells = [
            statistic.label,
            a.describe() if statistic.per_run else "",
            b.describe() if statistic.per_run else "",
            change.describe(signed=True),
            verdict,
        ]
        table.add_row(*(printable(c) for c in cells))
    out.print(table)
    out.print(
        f"A change counts when it exceeds {SIGNIFICANT:g} standard errors; an undefined error gives no verdict.",
        markup=False,
        soft_wrap=True,
    )


@app.command()
def selftest(
    tests: list[str] | None = typer.Argument(
        None,
        metavar="[TEST]...",
        help="Which tests (default: all): test_vanilla, test_gridworld, test_stochastic, test_multiagent, test_reward_correlation.",
    ),
    samples: int | None = typer.Option(
        None,
        "--samples",
        "-n",
        min=1,
        max=10**9,
        metavar="N",
        help="Reward samples per run (default: the reference's counts) for a quick check.",
    ),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        metavar="DIR",
        help="Keep the test sweeps in this folder (default: a temporary folder, deleted).",
        callback=OUTPUT_CHECK,
    ),
    figures: bool = typer.Option(
        False, "--figures", help="Also draw each run's figures (needs --output to keep them)."
    ),
    workers: int | None = WORKERS,
    scheduler: str | None = SCHEDULER,
    cluster: str | None = CLUSTER,
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Print every check, not only failures."),
) -> None:
    """Run the reference's five test sweeps and check their results.

    Prints PASS or FAIL per test (and the failing checks); exits with status 1 if any fails.
    """
    from ..runner.selftest import SELFTESTS, run_selftests
    from ..runner.sweep import SweepOptions
    from ..solvers.warmup import mark_kernels_compiled

    out = _stdout()
    unknown = [t for t in tests or [] if t not in SELFTESTS]
    if unknown:
        typer.echo(f"error: unknown self-test {printable(unknown[0])!r}; known: {', '.join(SELFTESTS)}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)

    def report(outcome) -> None:
        word = "PASS" if outcome.passed else "FAIL"
        counts = {s: sum(c.status == s for c in outcome.checks) for s in ("pass", "fail", "inconclusive")}
        extra = f", {counts['inconclusive']} inconclusive" if counts["inconclusive"] else ""
        out.print(
            f"{word}  {outcome.name}  ({counts['pass']} of {len(outcome.checks)} checks passed{extra}, {outcome.seconds:.1f} s)",
            style="green" if outcome.passed else "bold red",
            markup=False,
        )
        for check in outcome.checks:
            if verbose or check.status != "pass":
                out.print(f"      {check.status:<12} {check.description}  {check.detail}".rstrip(), markup=False)

    note = CompilationNote()

    def listeners(test) -> list[SweepListener]:
        return [note, *_figure_listeners(figures, plot_as_gridworld=test.plot_as_gridworld)]

    with reported_errors(), executor_from_options(scheduler, cluster, workers) as executor:
        options = SweepOptions(samples=samples)
        outcomes = run_selftests(
            tests or None, output, options, executor=executor, listeners=listeners, on_outcome=report
        )
    mark_kernels_compiled()
    failed = [o.name for o in outcomes if not o.passed]
    if output is not None:
        out.print(f"Test sweeps kept in {printable(output)}", markup=False)
    if failed:
        out.print(
            f"{len(failed)} of {len(outcomes)} self-tests FAILED: {', '.join(failed)}", style="bold red", markup=False
        )
        raise typer.Exit(EXIT_FAILED)
    out.print(f"All {len(outcomes)} self-tests passed.", style="green")


def _figure_list() -> Table:
    from ..runner.replication import ALIASES, FIGURES, siblings

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
    post: int | None = typer.Argument(
        None, metavar="[POST]", help="Post number: 1, 2 or 3 (omit both to list the figures)."
    ),
    fig: int | None = typer.Argument(None, metavar="[FIG]", help="Figure number in that post."),
    samples: int | None = typer.Option(
        None,
        "--samples",
        "-n",
        min=1,
        max=10**9,
        metavar="N",
        help="Override the published sample count for a quick look.",
    ),
    output: Path = typer.Option(
        Path(DEFAULT_FOLDER),
        "--output",
        "-o",
        metavar="DIR",
        help="Folder for the replication sweep.",
        callback=OUTPUT_CHECK,
    ),
    figures_dir: Path = typer.Option(
        Path(FIGURES_FOLDER),
        "--figures-dir",
        metavar="DIR",
        help="Folder for the figure files.",
        callback=FIGURES_DIR_CHECK,
    ),
    workers: int | None = WORKERS,
    scheduler: str | None = SCHEDULER,
    cluster: str | None = CLUSTER,
    run_figures: bool = typer.Option(
        True, "--run-figures/--no-run-figures", help="Also draw each run's own figures in the sweep folder."
    ),
    report: bool = REPORT,
    repair: bool = typer.Option(
        False, "--repair", help="Recompute finished runs of the sweep whose files were changed or damaged."
    ),
) -> None:
    """Reproduce a figure of the published posts (runs its sweep once; sibling figures reuse it)."""
    from ..runner.replication import ALIASES
    from ..runner.sweep import SweepOptions
    from ..solvers.warmup import mark_kernels_compiled

    out = _stdout()
    if post is None or fig is None:
        if post is not None:
            typer.echo(
                "error: give both POST and FIG (e.g. powerplay reproduce 1 2), or neither to list the figures", err=True
            )
            raise typer.Exit(EXIT_BAD_INPUT)
        out.print(_figure_list())
        return
    with reported_errors(), RichProgress() as progress, warnings_as_lines(progress.on_warning):
        from ..figures.published import reproduce as reproduce_figure

        with executor_from_options(scheduler, cluster, workers) as executor:
            result = reproduce_figure(
                post,
                fig,
                SweepOptions(output_dir=output, samples=samples, repair=repair),
                figures_dir=figures_dir,
                run_figures=run_figures,
                executor=executor,
                listeners=[CompilationNote(), progress],
            )
    mark_kernels_compiled()
    if (post, fig) in ALIASES:
        out.print(f"Part {post} Fig {fig} is Part {result.figure.post} Fig {result.figure.figure}.")
    if result.sweep is not None:
        out.print(f"Sweep data in {printable(result.sweep.path)}", markup=False)
    for path in result.paths:
        out.print(f"Figure available in {printable(path)}", markup=False)
    if report:
        if result.sweep is None:
            out.print("No report: this figure needs no sweep.", markup=False)
        else:
            _write_report(result.sweep)


@app.command("report")
def report_command(
    sweep: str = typer.Argument(..., metavar="SWEEP", help="Sweep id (e.g. 0001), folder name or path."),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        metavar="FILE.html",
        help="The HTML file to write (default: report.html in the sweep folder; never one of the sweep's records).",
        callback=OUTPUT_CHECK,
    ),
    expts: Path = typer.Option(
        Path(DEFAULT_FOLDER),
        "--folder",
        "--expts",
        metavar="DIR",
        help="Folder holding the sweeps (where ids and names are looked up), as for the plot commands.",
    ),
    states: list[str] | None = typer.Option(
        None,
        "--state",
        metavar="STATE",
        help='A state to follow in the sweep plots, e.g. "(3, 3)" (repeat for more; default: a few chosen automatically).',
    ),
    top: int = typer.Option(
        10, "--top", min=1, max=1000, metavar="K", help="How many states each 'top states' list shows."
    ),
) -> None:
    """Write a sweep's interactive HTML report: one self-contained file (no server, no network).

    It shows the sweep's settings, a sortable table of runs with α_HA, and per run POWER heat
    maps (or bars), the alignment plot and the top states, with hover labels and linked
    highlighting; and plots of α_HA and POWER against each swept parameter.
    """
    _write_report(sweep, output, folder=expts, states=states, top_k=top)


app.add_typer(plot_app, name="plot")


def _version(value: bool) -> None:
    if value:
        from ..version import __version__

        typer.echo(f"powerplay {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Estimate POWER (instrumental value) in single- and two-agent MDPs."""


def main() -> None:
    """Entry point of the ``powerplay`` console script: usage mistakes are one line too."""
    # At exit, the interpreter's last garbage collection would walk every object numba, scipy
    # and matplotlib made (0.3 s of a 5 s run); frozen objects are skipped. Exit handlers still
    # run, and results are closed files by then. (Once per process, however often main runs.)
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)
    try:
        code = app(standalone_mode=False)
    except typer.Abort:
        typer.echo("interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except typer.TyperException as error:  # typer's own errors (it bundles click since 0.26: no click import)
        message = printable(error.format_message() if hasattr(error, "format_message") else str(error))
        ctx = getattr(error, "ctx", None)  # usage errors (e.g. --workers 0) carry their command
        if ctx is not None:  # one line instead of the usage block
            typer.echo(f"error: {message} (see {ctx.command_path} --help)", err=True)
            sys.exit(EXIT_BAD_INPUT)
        typer.echo(f"error: {message}", err=True)
        sys.exit(getattr(error, "exit_code", EXIT_BAD_INPUT))
    sys.exit(code if isinstance(code, int) else 0)


__all__ = ["RichProgress", "app", "main"]
