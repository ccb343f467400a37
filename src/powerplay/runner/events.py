"""What a sweep tells the outside world while it runs: progress, and hooks on written runs.

:func:`~powerplay.runner.sweep.run_sweep` reports to any number of *listeners*
(:class:`SweepListener` subclasses). Progress bars, figures and experiment tracking are all
listeners, supplied by whoever starts the sweep -- the runner itself draws nothing and
imports nothing above it:

* the command line's progress display (:mod:`powerplay.interfaces.cli`);
* :class:`powerplay.figures.run_figures.RunFigures` draws each run's figures in
  :meth:`~SweepListener.on_run_written`;
* :class:`powerplay.runner.tracking.WandbTracker` logs runs to Weights & Biases.

A listener's failure in :meth:`~SweepListener.on_run_written` is reported as a warning and
never loses computed results (the run folder is complete before the hook is called).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import PowerplayWarning

if TYPE_CHECKING:  # pragma: no cover
    from ..storage.runs import StoredRun
    from ..storage.sweeps import StoredSweep
    from .config import RunSpec


class SweepListener:
    """Receives a sweep's events; the base class ignores them all. Override what you need."""

    def on_sweep_started(self, sweep_path: Path, runs: list[RunSpec], finished: set[str], resumed: bool) -> None:
        """Before the first run; ``finished`` holds the suffixes of runs that will be reused."""

    def on_run_started(self, run: RunSpec, total_samples: int) -> None:
        """Before a run is computed."""

    def on_samples_done(self, run: RunSpec, done: int, total: int) -> None:
        """After each chunk of a run."""

    def on_run_written(self, run: StoredRun, fresh: bool) -> None:
        """A run folder is complete: just computed (``fresh``) or reused from an earlier sweep.

        The hook for figures and tracking. Exceptions become warnings; results are safe.
        """

    def on_run_finished(self, run: RunSpec, folder: Path, info: dict[str, Any], reused: bool) -> None:
        """After every ``on_run_written`` hook of a run (``info`` is its final ``run.json``)."""

    def on_warning(self, message: str) -> None:
        """Something went wrong without losing results (a figure, tracking, a statistic)."""

    def on_sweep_finished(self, sweep: StoredSweep) -> None:
        """After the last run."""


class WarningListener(SweepListener):
    """Turns warnings into Python warnings (the default when no listener handles them)."""

    def on_warning(self, message: str) -> None:
        warnings.warn(message, PowerplayWarning, stacklevel=3)


class Listeners(SweepListener):
    """Several listeners as one: every event goes to each, in order."""

    def __init__(self, listeners: Sequence[SweepListener]):
        self.listeners = list(listeners)

    def on_sweep_started(self, *args) -> None:
        for listener in self.listeners:
            listener.on_sweep_started(*args)

    def on_run_started(self, *args) -> None:
        for listener in self.listeners:
            listener.on_run_started(*args)

    def on_samples_done(self, *args) -> None:
        for listener in self.listeners:
            listener.on_samples_done(*args)

    def on_run_written(self, run: StoredRun, fresh: bool) -> None:
        for listener in self.listeners:
            try:
                listener.on_run_written(run, fresh)
            except Exception as error:  # hooks must never lose computed results
                message = " ".join(f"{type(error).__name__}: {error}".split())
                self.on_warning(f"{type(listener).__name__} failed for {run.name} ({message}); the results are saved")

    def on_run_finished(self, *args) -> None:
        for listener in self.listeners:
            listener.on_run_finished(*args)

    def on_warning(self, message: str) -> None:
        for listener in self.listeners:
            listener.on_warning(message)

    def on_sweep_finished(self, sweep: StoredSweep) -> None:
        for listener in self.listeners:
            listener.on_sweep_finished(sweep)


def combine(listeners: Sequence[SweepListener] | SweepListener | None) -> Listeners:
    """The listeners as one; Python warnings stand in when none of them shows warnings."""
    if listeners is None:
        listeners = []
    elif isinstance(listeners, SweepListener):
        listeners = [listeners]
    listeners = list(listeners)
    if not any(type(l).on_warning is not SweepListener.on_warning for l in listeners):
        listeners.append(WarningListener())
    return Listeners(listeners)


__all__ = ["Listeners", "SweepListener", "WarningListener", "combine"]
