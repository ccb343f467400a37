"""How runs are computed: executors that solve chunks, and the one loop that collects them.

An *executor* turns run jobs into :class:`~powerplay.runner.experiment.ChunkResult` objects,
in whatever order it computes them:

* :class:`LocalExecutor` -- in this process, one chunk after another, the compiled kernels
  using several threads;
* :class:`~powerplay.runner.distributed.DaskExecutor` -- on a Dask cluster, chunks of
  several runs in flight at once.

Both implement :class:`Executor`, and :func:`compute_runs` is the single loop on top of
them (used by :func:`run_experiment` and by sweeps): it pulls
jobs lazily, merges each run's chunks with a
:class:`~powerplay.runner.experiment.RunAccumulator`, and yields each run as soon as its
last chunk is in. Results are the same with every executor.

Examples
--------
>>> from powerplay.model.environments import load_mdp
>>> from powerplay.model.rewards import RewardDistribution
>>> from powerplay.runner.experiment import Experiment
>>> uniform = RewardDistribution.from_config({'default_dist': {'dist_name': 'uniform', 'params': [0, 1]}})
>>> jobs = [RunJob(Experiment('single_agent', load_mdp('3x3_gridworld'), g, uniform, 300, random_seed=0), keep_samples=False)
...         for g in (0.3, 0.9)]
>>> [round(float(result.power_mean().mean()), 3) for _, result in compute_runs(jobs, LocalExecutor(threads=1))]
[0.797, 0.874]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

import numba

from ..errors import ModelError
from .build import check_experiment
from .experiment import ChunkResult, Experiment, MemorySink, RunAccumulator, RunResult, SampleSink, solve_chunk


@dataclass(frozen=True)
class RunJob:
    """One run to compute.

    Attributes
    ----------
    experiment : Experiment
    keep_samples : bool
        Return the per-sample POWER arrays with each chunk.
    chunk_size : int, optional
        Samples per chunk (default: the executor's choice). Never changes results.
    """

    experiment: Experiment
    keep_samples: bool = False
    chunk_size: int | None = None


class Executor(Protocol):
    """Computes the chunks of run jobs (see module notes)."""

    def solve(self, jobs: Iterable[RunJob]) -> Iterator[tuple[int, ChunkResult]]:
        """Yield ``(job index, chunk result)`` for every chunk of every job, in any order.

        ``jobs`` is pulled lazily (job ``i`` is the ``i``-th item pulled), so an executor with
        room for more work can start the next run before the previous one has finished.
        Closing the iterator early cancels what is still running.
        """
        ...  # pragma: no cover

    def describe(self) -> str:
        """Where the work runs, for run records (e.g. ``'local, 2 threads'``)."""
        ...  # pragma: no cover

    def close(self) -> None:
        """Release what the executor holds (threads, connections, clusters it started)."""
        ...  # pragma: no cover


@contextmanager
def kernel_threads(threads: int | None):
    """Run the compiled kernels on ``threads`` threads (default: all) inside the block."""
    previous = numba.get_num_threads()
    if threads is not None:
        if threads < 1:
            raise ModelError(f"threads must be at least 1, got {threads}")
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        yield
    finally:
        numba.set_num_threads(previous)


@dataclass(frozen=True)
class LocalExecutor:
    """Compute in this process, chunk after chunk, on ``threads`` kernel threads (default: all cores).

    Parameters
    ----------
    threads : int, optional
    chunk_size : int, optional
        Samples per chunk when a job does not say (default
        :meth:`Experiment.default_chunk_size`, which bounds memory).
    """

    threads: int | None = None
    chunk_size: int | None = None

    def __post_init__(self) -> None:
        if self.threads is not None and self.threads < 1:
            raise ModelError(f"threads must be at least 1, got {self.threads}")

    def solve(self, jobs: Iterable[RunJob]) -> Iterator[tuple[int, ChunkResult]]:
        for index, job in enumerate(jobs):
            experiment = job.experiment
            problem, stream, layout = experiment.problem(), experiment.reward_stream(), experiment.layout()
            for start, stop in experiment.chunks(job.chunk_size or self.chunk_size):
                with kernel_threads(self.threads):
                    chunk = solve_chunk(
                        problem,
                        stream,
                        layout,
                        experiment.num_reward_samples,
                        start,
                        stop,
                        keep_samples=job.keep_samples,
                    )
                yield index, chunk

    def describe(self) -> str:
        # What kernel_threads will use: numba's own count by default, never more than it has.
        threads = min(self.threads, numba.config.NUMBA_NUM_THREADS) if self.threads else numba.get_num_threads()
        return f"local, {threads} thread{'' if threads == 1 else 's'}"

    def close(self) -> None:
        pass


def check_fits(experiment: Experiment, executor: Executor, chunk_size: int | None = None) -> None:
    """Refuse, before anything runs, a run that ``executor`` would compute in this process's memory
    and that does not fit there (:meth:`Experiment.check_memory`).

    Only a :class:`LocalExecutor` computes here; a cluster's workers have their own memory,
    which is not this machine's to judge.

    Raises
    ------
    ResourceLimitError
        Stating the estimate, what is available and what to change.
    """
    if isinstance(executor, LocalExecutor):
        experiment.check_memory(chunk_size or executor.chunk_size)


SinkFactory = Callable[[int, RunJob], "SampleSink | None"]
ProgressCallback = Callable[[int, int, int], None]


def compute_runs(
    jobs: Iterable[RunJob],
    executor: Executor,
    *,
    sink: SinkFactory | None = None,
    started: Callable[[int, RunJob], None] | None = None,
    progress: ProgressCallback | None = None,
) -> Iterator[tuple[int, RunResult]]:
    """Compute jobs with ``executor``; yield ``(job index, result)`` as each run completes.

    Parameters
    ----------
    jobs : iterable of RunJob
        Pulled lazily by the executor.
    executor : Executor
    sink : callable, optional
        ``sink(index, job)``: where a job's kept samples go (called when the job is pulled;
        ``None`` from it, or no factory, for a job that keeps samples means in memory).
    started : callable, optional
        ``started(index, job)`` when a job is pulled.
    progress : callable, optional
        ``progress(index, samples_done, samples_total)`` after each chunk.

    Yields
    ------
    (int, RunResult)
        In completion order.
    """
    accumulators: dict[int, RunAccumulator] = {}

    def pulled() -> Iterator[RunJob]:
        for index, job in enumerate(jobs):
            target = sink(index, job) if sink is not None else None
            if target is None and job.keep_samples:
                experiment = job.experiment
                target = MemorySink(experiment.power_keys, experiment.num_reward_samples, len(experiment.states))
            accumulators[index] = RunAccumulator(job.experiment, target)
            if started is not None:
                started(index, job)
            yield job

    chunks = executor.solve(pulled())
    try:
        for index, chunk in chunks:
            accumulator = accumulators[index]
            accumulator.add(chunk)
            if progress is not None:
                progress(index, accumulator.samples_done, accumulator.experiment.num_reward_samples)
            if accumulator.complete:
                del accumulators[index]
                yield index, accumulator.result()
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:  # stopped early: the executor cancels what is still running
            close()
        for accumulator in accumulators.values():
            if accumulator.sink is not None:
                accumulator.sink.discard()


def run_experiment(
    experiment: Experiment,
    chunk_size: int | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    keep_samples: bool | None = None,
    executor=None,
) -> RunResult:
    """Run one experiment (in this process unless an executor is given).

    Parameters
    ----------
    experiment : Experiment
    chunk_size : int, optional
        Samples solved together (bounds memory; never changes results).
    workers : int, optional
        Threads for the compiled kernels (default: all cores; never changes results).
    progress : callable, optional
        Called as ``progress(samples_done, samples_total)`` after each chunk.
    keep_samples : bool, optional
        Keep the per-sample POWER arrays in :attr:`RunResult.samples`. Default: keep them
        when they take at most :data:`AUTO_KEEP_SAMPLES_BYTES`.
    executor : Executor, optional
        E.g. a :class:`~powerplay.runner.distributed.DaskExecutor` (default: a
        :class:`~powerplay.runner.executors.LocalExecutor` with ``workers`` threads).

    Returns
    -------
    RunResult

    Raises
    ------
    ConfigError
        For an experiment a config would have been refused for (:func:`~powerplay.runner.build.check_experiment`).
    ResourceLimitError
        For a run computed here that would not fit in memory.
    """
    check_experiment(experiment)  # what a config would have been refused for, for experiments built in Python
    executor = executor or LocalExecutor(threads=workers)
    check_fits(experiment, executor, chunk_size)
    job = RunJob(experiment, keep_samples=experiment.keeps_samples(keep_samples), chunk_size=chunk_size)
    callback = None if progress is None else (lambda index, done, total: progress(done, total))
    for _, result in compute_runs([job], executor, progress=callback):
        return result
    raise AssertionError("the executor returned no result")  # pragma: no cover


__all__ = ["Executor", "LocalExecutor", "RunJob", "check_fits", "compute_runs", "kernel_threads", "run_experiment"]
