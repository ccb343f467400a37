"""Run sweeps on a Dask cluster, with the same numbers as a local run.

:class:`DaskExecutor` plugs into :func:`powerplay.runner.sweep.run_sweep` (and ``powerplay
run --scheduler ADDRESS`` / ``--cluster local:N``). It uses Dask's distributed scheduler
(:class:`distributed.Client`) for everything: placing tasks, moving data between workers,
retrying the tasks of a lost worker.

How the work is split
---------------------
* **One shared input per run.** The run's :class:`~powerplay.runner.experiment.Experiment`
  (MDP, policy, reward distribution) becomes one Dask task, :class:`SharedRunInput`. A
  worker that needs it fetches it once (from the worker that holds it) and keeps it while
  the run's chunks are computed; it builds the solver problem (transition structures) and
  the reward stream from it once, on first use. Shipping the experiment rather than the
  problem is deliberate: the problem's kernel-ready structures are about three times larger
  than the MDP they are built from, and building them takes well under a second even for
  40,000 states. Because the shared input is a task (not scattered data), Dask can rebuild
  it if every worker holding it is lost.
* **One task per chunk of reward samples.** A chunk task carries only the key of the shared
  input and a sample range ``start:stop`` (about a hundred bytes, see :class:`RunStats`); it
  runs :func:`~powerplay.runner.experiment.solve_chunk`, which draws its reward samples
  from blocks seeded by the run seed and the block index. So a chunk gives the same numbers
  on any worker, any number of times, and the combined run is bit-identical to a local run
  whatever the cluster size or chunk size. By default a run is cut into at least
  :data:`CHUNKS_PER_THREAD` chunks per worker thread (so one big run occupies the whole
  cluster), within the engine's memory bound per chunk.
* **Only POWER comes back.** A task returns its POWER samples and convergence statistics;
  the client draws the chunk's reward samples again from the same seeded stream (far
  cheaper than shipping them: they are as large as the POWER samples).
* **Several runs at once.** :meth:`DaskExecutor.run_many` keeps enough chunks of the next
  runs queued to occupy every worker (about two per worker thread), so the cluster does not
  idle at the end of each run. :func:`~powerplay.runner.sweep.run_sweep` writes each run's
  folder as soon as its last chunk arrives.

Failures
--------
A lost worker costs only its tasks: the scheduler reruns them elsewhere (up to Dask's
``distributed.scheduler.allowed-failures`` times per task; default 3), and a task that
raises is retried ``retries`` times. Chunk tasks are pure, so reruns change nothing. Runs
already written stay written; if the whole cluster goes away the sweep stops with a
one-line error and the same command resumes it.

Threads
-------
Each chunk task runs the compiled kernels on ``kernel_threads`` threads (default 1): use one
Dask worker *process* per core (``dask worker --nthreads 1 --nworkers N``;
``--cluster local:N`` does this), which is how the scheduler can balance the load.

Dask is an optional dependency (``pip install 'powerplay[dask]'``); it is imported only
when a :class:`DaskExecutor` is created.

Examples
--------
A local cluster of two worker processes (``if __name__ == '__main__':`` is needed in a
script, because the workers are started as new Python processes)::

    from powerplay.runner.distributed import DaskExecutor
    from powerplay.runner.sweep import run_sweep

    with DaskExecutor.local_cluster(2) as executor:
        sweep = run_sweep('configs/my_first_sweep.yaml', executor=executor)
        print(executor.stats[-1])

An existing cluster::

    with DaskExecutor.connect('tcp://10.0.0.5:8786') as executor:
        run_sweep('configs/my_first_sweep.yaml', executor=executor)
"""

from __future__ import annotations

from ..errors import DistributedError, ModelError

import asyncio
import concurrent.futures
import contextlib
import json
import logging
import os
import re
import threading
import time
import uuid
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import numba
import numpy as np

from ..model.rewards import BLOCK_SIZE
from .experiment import ChunkOutput, Experiment, RunResult, combine_chunks, solve_chunk

#: How to install the optional dependencies (quoted in error messages).
INSTALL_HINT = "pip install 'powerplay[dask]'"

#: Chunk tasks kept queued per worker thread (beyond it, the next runs wait on the client).
QUEUED_TASKS_PER_THREAD = 2

#: Seconds between checks that the scheduler is still there while waiting for results.
POLL_SECONDS = 5.0

#: Default chunking: at least this many chunks per worker thread for each run ...
CHUNKS_PER_THREAD = 2
#: ... but no chunk smaller than this many samples (per-task overhead is a few milliseconds).
MIN_CHUNK_SAMPLES = 256

_ADDRESS = re.compile(r"^(?:(tcp|tls)://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$")
_LOCAL_CLUSTER = re.compile(r"^local(?::(\d+))?$")


# --------------------------------------------------------------------------------------
# What runs on the workers


class SharedRunInput:
    """A run's experiment as held by a worker; builds the solver inputs once per worker.

    Parameters
    ----------
    experiment : Experiment
    nbytes : int
        Its serialised size (what moving it between workers costs); reported to Dask
        through ``__sizeof__`` so the scheduler weighs transfers correctly.

    Notes
    -----
    Only the experiment travels (``__getstate__``); the problem and reward stream built from
    it stay in the worker that built them, shared by all the run's chunk tasks there.
    """

    def __init__(self, experiment: Experiment, nbytes: int):
        self.experiment = experiment
        self.nbytes = int(nbytes)
        self._solver_inputs = None
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {"experiment": self.experiment, "nbytes": self.nbytes}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["experiment"], state["nbytes"])

    def __sizeof__(self) -> int:
        return self.nbytes

    def solver_inputs(self):
        """``(problem, reward_stream)``, built on first use in this process."""
        with self._lock:  # a worker with several threads builds them once
            if self._solver_inputs is None:
                self._solver_inputs = (self.experiment.problem(), self.experiment.reward_stream())
            return self._solver_inputs


@dataclass
class ChunkTaskOutput:
    """What a chunk task sends back: the chunk without its reward samples (the client draws
    them again), who computed it, and how long it took there."""

    chunk: ChunkOutput  # .rewards is empty
    worker: str
    seconds: float

    @property
    def nbytes(self) -> int:
        """Bytes of the chunk's arrays (the bulk of what returns to the client)."""
        arrays = [*self.chunk.rewards.values(), *self.chunk.power.values()]
        for conv in self.chunk.convergence.values():
            arrays += [conv.iterations, conv.bound, conv.capped]
        return int(sum(np.asarray(a).nbytes for a in arrays))

    def with_rewards(self, stream) -> ChunkOutput:
        """The full chunk, its reward samples drawn again from the run's ``stream``."""
        rewards_H, rewards_A = stream.rewards(self.chunk.start, self.chunk.stop)
        rewards = {"H": rewards_H} if rewards_A is None else {"H": rewards_H, "A": rewards_A}
        return replace(self.chunk, rewards=rewards)


_KERNEL_LOCK = threading.Lock()


def _kernel_guard():
    """Serialise kernel calls when numba's threading layer is not thread-safe.

    numba's ``workqueue`` layer (the fallback without OpenMP or TBB) aborts the process if
    two threads launch parallel kernels at once; that can happen on a worker started with
    ``--nthreads`` above 1. Before the first kernel call the layer is not chosen yet.
    """
    try:
        layer = numba.threading_layer()
    except ValueError:
        layer = None
    return _KERNEL_LOCK if layer in (None, "workqueue") else contextlib.nullcontext()


def solve_chunk_task(shared: SharedRunInput, start: int, stop: int, kernel_threads: int = 1) -> ChunkTaskOutput:
    """The Dask task: samples ``start:stop`` of a run (pure, so safe to rerun anywhere).

    Parameters
    ----------
    shared : SharedRunInput
        The run's shared input (Dask passes the worker's copy).
    start, stop : int
        Sample range.
    kernel_threads : int
        Threads for the compiled kernels in this task.

    Returns
    -------
    ChunkTaskOutput
        POWER samples and convergence of the chunk; its rewards are left out (the client
        draws them again, see :meth:`ChunkTaskOutput.with_rewards`).
    """
    started = time.perf_counter()
    problem, stream = shared.solver_inputs()
    previous = numba.get_num_threads()
    with _kernel_guard():
        numba.set_num_threads(max(1, min(kernel_threads, numba.config.NUMBA_NUM_THREADS)))
        try:
            chunk = solve_chunk(problem, stream, start, stop)
        finally:
            numba.set_num_threads(previous)
    return ChunkTaskOutput(replace(chunk, rewards={}), _worker_address(), time.perf_counter() - started)


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):  # called outside a Dask worker
        return "local"


# --------------------------------------------------------------------------------------
# Parsing the command-line options


def parse_scheduler(text: str) -> str:
    """Check a ``--scheduler`` value and return the scheduler's address.

    The value is ``tcp://HOST:PORT`` (or ``tls://HOST:PORT``, or bare ``HOST:PORT``), or the
    path of the JSON file ``dask scheduler --scheduler-file FILE`` writes (handy on a
    cluster whose nodes share a file system).

    Returns
    -------
    str
        The normalised address, ``tcp://HOST:PORT``.

    Raises
    ------
    DistributedError
        Naming the option and the value (or the file).

    Examples
    --------
    >>> parse_scheduler('127.0.0.1:8786')
    'tcp://127.0.0.1:8786'
    """
    value = text.strip()
    if "://" not in value and Path(value).is_file():
        try:
            address = json.loads(Path(value).read_text(encoding="utf-8"))["address"]
        except (OSError, ValueError, KeyError, TypeError):
            raise DistributedError(f"--scheduler: {text!r} is not a Dask scheduler file (JSON with an \"address\")") from None
        return _check_address(str(address), f"the address in {text!r}")
    return _check_address(value, repr(text))


def _check_address(value: str, where: str) -> str:
    match = _ADDRESS.match(value)
    if not match:
        raise DistributedError(
            f"--scheduler: {where} is not a Dask scheduler address (expected tcp://HOST:PORT) or an existing scheduler file"
        )
    port = int(match.group(3))
    if not 1 <= port <= 65535:
        raise DistributedError(f"--scheduler: port {port} of {where} is not between 1 and 65535")
    return f"{match.group(1) or 'tcp'}://{match.group(2)}:{port}"


def parse_cluster(text: str) -> int:
    """Check a ``--cluster`` value, ``local:N`` (``local`` alone: one worker per core).

    Returns
    -------
    int
        The number of worker processes.

    Raises
    ------
    DistributedError

    Examples
    --------
    >>> parse_cluster('local:2')
    2
    """
    match = _LOCAL_CLUSTER.match(text.strip())
    if not match:
        raise DistributedError(f"--cluster: {text!r} is not understood (expected local:N, e.g. local:4)")
    workers = int(match.group(1)) if match.group(1) else (os.cpu_count() or 1)
    if workers < 1:
        raise DistributedError(f"--cluster: {text!r} needs at least one worker")
    return workers


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise DistributedError(f"running on a Dask cluster needs Dask: {INSTALL_HINT}") from None
    return distributed


# --------------------------------------------------------------------------------------
# The executor


@dataclass(frozen=True)
class RunStats:
    """What one run cost on the cluster (besides the computation itself).

    Attributes
    ----------
    tasks : int
        Chunk tasks (one more task per run builds the shared input).
    task_bytes : int
        Mean serialised size of one chunk task's arguments (the shared input travels by key).
    shared_input_bytes : int
        Serialised size of the run's experiment; sent to each worker at most once.
    result_bytes : int
        Mean bytes of one chunk's results (POWER samples, convergence) sent back.
    seconds : float
        From the run's submission to its last chunk result.
    first_result_seconds : float
        From the run's submission to its first chunk result.
    task_seconds : float
        Sum over chunk tasks of their time on the workers.
    tasks_per_worker : dict
        Worker address -> chunk tasks it computed.
    """

    tasks: int
    task_bytes: int
    shared_input_bytes: int
    result_bytes: int
    seconds: float
    first_result_seconds: float
    task_seconds: float
    tasks_per_worker: dict[str, int]


@dataclass
class _Run:
    """A run in flight on the cluster."""

    index: int
    experiment: Experiment
    stream: Any  # the run's RewardStream, to draw the chunks' rewards again on the client
    shared: Any  # distributed.Future of the SharedRunInput
    futures: dict[str, Any]  # chunk key -> Future
    submitted: float
    task_bytes: int
    shared_bytes: int
    outputs: list[ChunkTaskOutput] = field(default_factory=list)
    done: int = 0
    first_result: float | None = None


class DaskExecutor:
    """Computes runs of a sweep on a Dask cluster (see the module docstring).

    Parameters
    ----------
    client : distributed.Client
        A connected client. The executor closes it (and ``cluster``) in :meth:`close` only if
        it was created by :meth:`connect` or :meth:`local_cluster`.
    chunk_size : int, optional
        Samples per chunk task. Default: enough chunks to give every worker thread
        :data:`CHUNKS_PER_THREAD` of each run, each of at least :data:`MIN_CHUNK_SAMPLES`
        samples and at most :meth:`Experiment.default_chunk_size` (the engine's memory
        bound). Never changes results.
    retries : int
        Times a chunk task that raises is retried (worker loss is handled by the scheduler
        regardless).
    kernel_threads : int
        Threads for the compiled kernels inside each task (default 1: one per worker thread).

    Attributes
    ----------
    stats : list of RunStats
        One entry per computed run, in completion order.
    """

    def __init__(self, client, *, chunk_size: int | None = None, retries: int = 2, kernel_threads: int = 1,
                 _owned: tuple = (), _label: str | None = None):
        if chunk_size is not None and chunk_size < 1:
            raise ModelError(f"chunk_size must be positive, got {chunk_size}")
        if retries < 0 or kernel_threads < 1:
            raise ModelError("retries must be >= 0 and kernel_threads >= 1")
        self.client = client
        self.chunk_size = chunk_size
        self.retries = retries
        self.kernel_threads = kernel_threads
        self.stats: list[RunStats] = []
        self._owned = _owned
        self._label = _label or f"dask {client.scheduler.address}"
        self._workers = self._threads = 0
        self._refresh_size()

    # -- creating and closing ----------------------------------------------------------

    @classmethod
    def connect(cls, scheduler: str, *, timeout: float | None = None, **options) -> "DaskExecutor":
        """Connect to a running scheduler (``tcp://HOST:PORT`` or a scheduler file).

        Parameters
        ----------
        scheduler : str
            See :func:`parse_scheduler`.
        timeout : float, optional
            Seconds to keep trying to connect (default: Dask's
            ``distributed.comm.timeouts.connect``, 30 s; environment variable
            ``DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT``).
        **options
            :class:`DaskExecutor` options.

        Raises
        ------
        DistributedError
            Bad address, Dask missing, or no scheduler answering there.
        """
        address = parse_scheduler(scheduler)
        distributed = _import_distributed()
        try:
            client = distributed.Client(address, set_as_default=False, **({} if timeout is None else {"timeout": timeout}))
        except (OSError, TimeoutError, ValueError) as error:
            reason = " ".join(str(error).split()) or type(error).__name__
            raise DistributedError(f"--scheduler: cannot reach a Dask scheduler at {address} ({reason})") from None
        return cls(client, _owned=(client,), **options)

    @classmethod
    def local_cluster(cls, n_workers: int, **options) -> "DaskExecutor":
        """Start a :class:`distributed.LocalCluster` of ``n_workers`` single-threaded worker
        processes listening on 127.0.0.1 only, closed with the executor.

        Raises
        ------
        DistributedError
            If Dask is not installed or ``n_workers`` is below 1.
        """
        if n_workers < 1:
            raise DistributedError(f"--cluster: needs at least one worker, got {n_workers}")
        distributed = _import_distributed()
        cluster = distributed.LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR,  # loopback only, any free port
        )
        client = distributed.Client(cluster, set_as_default=False)
        return cls(client, _owned=(client, cluster), _label=f"dask local cluster {cluster.scheduler_address}", **options)

    @classmethod
    def from_options(cls, scheduler: str | None = None, cluster: str | None = None, **options) -> "DaskExecutor":
        """The executor ``powerplay run --scheduler ADDRESS`` or ``--cluster local:N`` asks for."""
        if (scheduler is None) == (cluster is None):
            raise DistributedError("give one of --scheduler ADDRESS or --cluster local:N")
        if scheduler is not None:
            return cls.connect(scheduler, **options)
        return cls.local_cluster(parse_cluster(cluster), **options)

    def close(self) -> None:
        """Close the client and cluster this executor created (not a client it was given)."""
        for thing in self._owned:
            with contextlib.suppress(Exception):
                thing.close()
        self._owned = ()

    def __enter__(self) -> "DaskExecutor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- the executor interface (see powerplay.runner.sweep) ----------------------------

    def describe(self) -> str:
        self._refresh_size()
        return f"{self._label} ({_count(self._workers, 'worker')}, {_count(self._threads, 'thread')})"

    def run(self, experiment: Experiment, progress: Callable[[int, int], None] | None = None) -> RunResult:
        """Compute one experiment on the cluster (same numbers as a local run)."""
        callback = None if progress is None else (lambda index, done, total: progress(done, total))
        for _, result in self.run_many([experiment], progress=callback):
            return result
        raise AssertionError("run_many yielded nothing")  # pragma: no cover

    def run_many(
        self,
        experiments: Iterable[Experiment],
        progress: Callable[[int, int, int], None] | None = None,
    ) -> Iterator[tuple[int, RunResult]]:
        """Compute several experiments concurrently; yield ``(index, result)`` as each finishes.

        Parameters
        ----------
        experiments : iterable of Experiment
            Pulled lazily, as the cluster has room (``index`` counts them from 0).
        progress : callable, optional
            ``progress(index, samples_done, samples_total)`` as each chunk result arrives.

        Yields
        ------
        (int, RunResult)
            In completion order.

        Raises
        ------
        DistributedError
            If a task keeps killing workers or the scheduler is lost.
        Exception
            A chunk's own error (e.g. from the engine), after ``retries`` retries.
        """
        distributed = _import_distributed()
        source = iter(enumerate(experiments))
        runs: dict[int, _Run] = {}
        owner: dict[str, int] = {}  # chunk key -> run index
        exhausted = False
        try:
            while True:
                queued = sum(len(r.futures) for r in runs.values())
                while not exhausted and (not runs or queued < QUEUED_TASKS_PER_THREAD * max(self._threads, 1)):
                    item = next(source, None)
                    if item is None:
                        exhausted = True
                        break
                    run = self._submit(*item)
                    runs[run.index] = run
                    owner.update({key: run.index for key in run.futures})
                    queued += len(run.futures)
                if not runs:
                    return
                # Wait for at least one chunk, then fetch every finished one in one round trip.
                waiting = [future for r in runs.values() for future in r.futures.values()]
                try:
                    with _cluster_errors(waiting=True), self.client.as_current():
                        distributed.wait(waiting, timeout=POLL_SECONDS, return_when="FIRST_COMPLETED")
                except _WaitTimeout:
                    self._check_connected()
                    continue
                done = [future for future in waiting if future.done()]
                with _cluster_errors():
                    outputs = self.client.gather(done)  # a task's own error is raised as is
                for future, output in zip(done, outputs):
                    run = runs[owner.pop(future.key)]
                    del run.futures[future.key]
                    future.release()  # the worker may drop the result now
                    now = time.perf_counter()
                    run.first_result = run.first_result or now
                    run.outputs.append(output)
                    run.done += output.chunk.stop - output.chunk.start
                    if progress is not None:
                        progress(run.index, run.done, run.experiment.num_reward_samples)
                    if not run.futures:
                        del runs[run.index]
                        run.shared.release()
                        yield run.index, self._finish(run, now)
        finally:
            for run in runs.values():  # stopped early (error, interrupt): free the cluster
                with contextlib.suppress(Exception):
                    self.client.cancel([*run.futures.values(), run.shared])

    # -- internals ---------------------------------------------------------------------

    def default_chunk_size(self, experiment: Experiment) -> int:
        """Samples per chunk task when ``chunk_size`` is not given (see the class docstring).

        Whole multiples of 64 samples, and of the 1,024-sample reward blocks when larger (so
        no block is drawn by two tasks).
        """
        wanted = -(-experiment.num_reward_samples // (CHUNKS_PER_THREAD * max(self._threads, 1)))
        size = max(wanted, MIN_CHUNK_SAMPLES)
        size = -(-size // (BLOCK_SIZE if size > BLOCK_SIZE else 64)) * (BLOCK_SIZE if size > BLOCK_SIZE else 64)
        return max(1, min(size, experiment.default_chunk_size()))

    def _refresh_size(self) -> None:
        """Workers and threads in the cluster now (clusters can grow and shrink)."""
        try:
            nthreads = self.client.nthreads()
        except Exception:  # a scheduler that cannot answer now; the next run asks again
            return
        self._workers, self._threads = len(nthreads), int(sum(nthreads.values()))

    def _submit(self, index: int, experiment: Experiment) -> _Run:
        import cloudpickle
        import dask

        self._refresh_size()
        if self._threads == 0:  # chunk sizes follow the cluster's size: wait until there is one
            warnings.warn("the Dask cluster has no workers yet; waiting for the first one", RuntimeWarning, stacklevel=2)
            self.client.wait_for_workers(1)
            self._refresh_size()
        token = uuid.uuid4().hex[:12]
        shared_bytes = len(cloudpickle.dumps(experiment))
        # The experiment goes into the task graph once per run, on purpose: the scheduler can
        # then rebuild the shared input if all its holders die (scattered data it cannot).
        with dask.config.set({"distributed.admin.large-graph-warning-threshold": max(shared_bytes * 2, 10 * 2**20)}):
            shared = self.client.submit(SharedRunInput, experiment, shared_bytes, key=f"powerplay-input-{token}",
                                        retries=self.retries)
        chunks = experiment.chunks(self.chunk_size or self.default_chunk_size(experiment))
        keys = [f"powerplay-chunk-{token}-{start}" for start, _ in chunks]
        # One graph message for all the run's chunks; each task names the shared input by key.
        chunk_futures = self.client.map(
            solve_chunk_task, [shared] * len(chunks), [a for a, _ in chunks], [b for _, b in chunks],
            [self.kernel_threads] * len(chunks), key=keys, retries=self.retries,
        )
        futures = dict(zip(keys, chunk_futures))
        task_bytes = [len(cloudpickle.dumps((solve_chunk_task, shared.key, a, b, self.kernel_threads))) for a, b in chunks]
        return _Run(index, experiment, experiment.reward_stream(), shared, futures, time.perf_counter(),
                    int(np.mean(task_bytes)), shared_bytes)

    def _check_connected(self) -> None:
        if self.client.status in ("closing", "closed"):
            raise _lost_cluster("the client lost its scheduler")

    def _finish(self, run: _Run, now: float) -> RunResult:
        outputs = run.outputs
        per_worker: dict[str, int] = {}
        for output in outputs:
            per_worker[output.worker] = per_worker.get(output.worker, 0) + 1
        seconds = now - run.submitted
        self.stats.append(RunStats(
            tasks=len(outputs),
            task_bytes=run.task_bytes,
            shared_input_bytes=run.shared_bytes,
            result_bytes=int(np.mean([o.nbytes for o in outputs])),
            seconds=seconds,
            first_result_seconds=(run.first_result or now) - run.submitted,
            task_seconds=float(sum(o.seconds for o in outputs)),
            tasks_per_worker=dict(sorted(per_worker.items())),
        ))
        chunks = [o.with_rewards(run.stream) for o in outputs]
        return combine_chunks(run.experiment.states, chunks, seconds, run.experiment.random_seed)


class _WaitTimeout(Exception):
    """Nothing finished within :data:`POLL_SECONDS` (not an error)."""


@contextlib.contextmanager
def _cluster_errors(waiting: bool = False):
    """Turn a lost cluster into a one-line :class:`DistributedError`; let tasks' own errors through.

    With ``waiting``, a timeout becomes :class:`_WaitTimeout` (nothing finished yet).
    """
    from distributed import KilledWorker

    try:
        yield
    except KilledWorker as error:
        raise DistributedError(
            f"a chunk task was on too many workers that died ({' '.join(str(error).split())}); are the workers "
            "short of memory? Finished runs are saved"
        ) from None
    except TimeoutError as error:
        if waiting:
            raise _WaitTimeout from None
        raise _lost_cluster(" ".join(str(error).split()) or "timed out") from None
    except (OSError, asyncio.CancelledError, concurrent.futures.CancelledError) as error:
        # Dask's cancellation errors carry a reason (one, or one per future) such as 'scheduler-connection-lost'.
        reasons = sorted({getattr(e, "reason", None) for e in getattr(error, "error_groups", [error])} - {None, "unknown"})
        if isinstance(error, (asyncio.CancelledError, concurrent.futures.CancelledError)):
            reason = ", ".join(reasons) or "its tasks were cancelled"
        else:
            reason = " ".join(str(error).split()) or type(error).__name__
        raise _lost_cluster(reason) from None


def _lost_cluster(reason: str) -> DistributedError:
    return DistributedError(f"lost the Dask cluster ({reason}); finished runs are saved, run the same command again to resume")


def summarize_stats(stats: list[RunStats]) -> str:
    """One line about what the cluster cost over several runs (printed by ``powerplay run``).

    Examples
    --------
    >>> summarize_stats([RunStats(4, 250, 9000, 120000, 2.0, 0.5, 3.0, {'tcp://a:1': 2, 'tcp://b:2': 2})])
    'dask: 4 chunk tasks on 2 workers; 250 bytes sent per task; shared input 9.0 kB per run (sent once per worker); results 120.0 kB per task; first result after 0.50 s'
    """
    if not stats:
        return "dask: no runs computed"
    tasks = sum(s.tasks for s in stats)
    workers = {w for s in stats for w in s.tasks_per_worker}
    task_bytes = sum(s.task_bytes * s.tasks for s in stats) / tasks
    result_bytes = sum(s.result_bytes * s.tasks for s in stats) / tasks
    shared = max(s.shared_input_bytes for s in stats)
    return (
        f"dask: {_count(tasks, 'chunk task')} on {_count(len(workers), 'worker')}; {task_bytes:.0f} bytes sent per task; "
        f"shared input {_format_bytes(shared)} per run (sent once per worker); results {_format_bytes(result_bytes)} "
        f"per task; first result after {min(s.first_result_seconds for s in stats):.2f} s"
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _format_bytes(n: float) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"  # pragma: no cover


__all__ = [
    "ChunkTaskOutput",
    "DaskExecutor",
    "DistributedError",
    "RunStats",
    "SharedRunInput",
    "parse_cluster",
    "parse_scheduler",
    "solve_chunk_task",
    "summarize_stats",
]
