"""Run sweeps on a Dask cluster, with the same numbers as a local run.

:class:`DaskExecutor` implements :class:`~powerplay.runner.executors.Executor`, so it plugs
into :func:`~powerplay.runner.sweep.run_sweep`, :func:`~powerplay.runner.experiment.run_experiment`,
self-tests and reproductions alike (``powerplay run --scheduler ADDRESS`` / ``--cluster
local:N``). It uses Dask's distributed scheduler (:class:`distributed.Client`) for
everything: placing tasks, moving data between workers, retrying the tasks of a lost worker.

How the work is split
---------------------
* **One shared input per run.** The run's :class:`~powerplay.runner.experiment.Experiment`
  (MDP, policy, reward distribution) becomes one Dask task, :class:`SharedRunInput`. A
  worker that needs it fetches it once and keeps it while the run's chunks are computed; it
  builds the solver problem and the reward stream from it once, on first use. Shipping the
  experiment rather than the problem is deliberate: the problem's kernel-ready structures
  are about three times larger than the MDP, and building them takes well under a second
  even for 40,000 states. Because the shared input is a task (not scattered data), Dask can
  rebuild it if every worker holding it is lost.
* **One task per chunk of reward samples.** A chunk task carries only the key of the shared
  input and a sample range ``start:stop`` (about a hundred bytes, see :class:`RunStats`); it
  runs :func:`~powerplay.runner.experiment.solve_chunk`, which draws its reward samples from
  blocks seeded by the run seed and the block index and reduces them to nodes of the run's
  fixed merge tree. So a chunk gives the same numbers on any worker, any number of times,
  and the combined run is bit-identical to a local run whatever the cluster or chunk size.
* **Only statistics come back.** A task returns a few per-state moment vectors (not its
  samples), and its POWER samples only when the run keeps them.
* **Several runs at once.** :meth:`DaskExecutor.solve` keeps enough chunks of the next runs
  queued to occupy every worker (about two per worker thread), so the cluster does not idle
  at the end of each run.

Failures
--------
A lost worker costs only its tasks: the scheduler reruns them elsewhere (up to Dask's
``distributed.scheduler.allowed-failures`` times per task; default 3), and a task that
raises is retried ``retries`` times. Chunk tasks are pure, so reruns change nothing. Runs
already written stay written; if the whole cluster goes away the sweep stops with a
one-line error and the same command resumes it. Connecting gives up after ``timeout``
seconds even if the other end accepts the connection and never answers.

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

import asyncio
import concurrent.futures
import contextlib
import logging
import socket
import struct
import threading
import time
import uuid
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numba
import numpy as np

from ..errors import DependencyMissing, DistributedError, ModelError
from ..model.rewards import RewardStream, block_size
from ..solvers.power import MultiAgentProblem, SingleAgentProblem
from ..stats.moments import Layout
from .executors import RunJob, kernel_threads
from .experiment import ChunkResult, Experiment, solve_chunk

#: Chunk tasks kept queued per worker thread (beyond it, the next runs wait on the client).
QUEUED_TASKS_PER_THREAD = 2

#: Default chunking: at least this many chunks per worker thread for each run ...
CHUNKS_PER_THREAD = 2
#: ... but no chunk smaller than this many samples (per-task overhead is a few milliseconds).
MIN_CHUNK_SAMPLES = 256

#: Seconds between questions to the scheduler about the cluster's size.
SIZE_SECONDS = 2.0

#: Seconds to wait for a scheduler to answer when connecting, if Dask's settings do not say.
CONNECT_TIMEOUT = 30.0


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
        self._solver_inputs: tuple[SingleAgentProblem | MultiAgentProblem, RewardStream, Layout] | None = None
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {"experiment": self.experiment, "nbytes": self.nbytes}

    def __setstate__(self, state: dict[str, Any]) -> None:
        SharedRunInput.__init__(self, state["experiment"], state["nbytes"])

    def __sizeof__(self) -> int:
        return self.nbytes

    def solver_inputs(self):
        """``(problem, reward_stream, layout)``, built on first use in this process."""
        with self._lock:  # a worker with several threads builds them once
            if self._solver_inputs is None:
                e = self.experiment
                self._solver_inputs = (e.problem(), e.reward_stream(), e.layout())
            return self._solver_inputs


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


def solve_chunk_task(
    shared: SharedRunInput, start: int, stop: int, keep_samples: bool = False, threads: int = 1
) -> ChunkResult:
    """The Dask task: samples ``start:stop`` of a run, solved and reduced (pure, so safe to rerun).

    Parameters
    ----------
    shared : SharedRunInput
        The run's shared input (Dask passes the worker's copy).
    start, stop : int
        Sample range.
    keep_samples : bool
        Also send back the chunk's POWER samples.
    threads : int
        Threads for the compiled kernels in this task.
    """
    problem, stream, layout = shared.solver_inputs()
    with _kernel_guard(), kernel_threads(threads):
        chunk = solve_chunk(problem, stream, layout, shared.experiment.num_reward_samples, start, stop, keep_samples)
    chunk.worker = _worker_address()
    return chunk


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):  # called outside a Dask worker
        return "local"


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise DependencyMissing("running on a Dask cluster", extra="dask") from None
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
        Mean bytes of one chunk's results (moments, convergence, kept samples) sent back.
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
    job: RunJob
    shared: Any  # distributed.Future of the SharedRunInput
    pending: set[str]  # keys of chunk futures not yet back
    submitted: float
    task_bytes: int
    shared_bytes: int
    result_bytes: list[int] = field(default_factory=list)
    task_seconds: float = 0.0
    per_worker: dict[str, int] = field(default_factory=dict)
    first_result: float | None = None


#: Largest first message read from a peer before it has shown it is a Dask scheduler (a
#: scheduler's handshake is a few hundred bytes).
MAX_HANDSHAKE_BYTES = 64 * 2**10

_FRAME_HEADER = struct.Struct("Q")  # Dask's TCP comm: native unsigned 64-bit lengths


def _receive(connection: socket.socket, size: int, deadline: float) -> bytes:
    """Exactly ``size`` bytes from ``connection`` before ``deadline`` (``time.monotonic``)."""
    data = bytearray()
    while len(data) < size:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        connection.settimeout(left)
        piece = connection.recv(min(size - len(data), 2**16))
        if not piece:
            raise ConnectionError("the peer closed the connection")
        data += piece
    return bytes(data)


def check_handshake(address: str, timeout: float, limit: int | None = None) -> None:
    """Check, on a plain socket and reading at most ``limit`` bytes, that a Dask scheduler
    answers at ``address`` (``tcp://HOST:PORT``) before a Dask client connects to it.

    A Dask scheduler greets each new connection with a short handshake message: an 8-byte
    length, then that many bytes (a frame count and frame lengths, then the frames). Dask's
    client trusts the announced lengths and allocates them, so a peer that announces a huge
    message and streams zeros would drive it to gigabytes before any timeout. This reads the
    greeting itself, refusing any announced length over ``limit`` (default
    :data:`MAX_HANDSHAKE_BYTES`) and giving up after ``timeout`` seconds. (A peer that greets
    like a scheduler and misbehaves later is beyond this check.) Other schemes (``tls://``)
    are not checked.

    Raises
    ------
    DistributedError
        If nothing answers, the answer is not a Dask greeting, or it announces too much.
    """
    limit = MAX_HANDSHAKE_BYTES if limit is None else limit
    scheme, _, location = address.partition("://")
    if scheme != "tcp":
        return
    host, _, port = location.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    deadline = time.monotonic() + timeout

    def refuse(reason: str) -> DistributedError:
        return DistributedError(f"cannot reach a Dask scheduler at {address} ({reason})")

    try:
        with socket.create_connection((host, int(port)), timeout=timeout) as connection:
            (size,) = _FRAME_HEADER.unpack(_receive(connection, _FRAME_HEADER.size, deadline))
            if size > limit or size < 2 * _FRAME_HEADER.size:
                raise refuse(
                    f"its first message announces {size:,} bytes, not a Dask handshake of at most {limit:,}: "
                    "is it a Dask scheduler?"
                )
            body = _receive(connection, size, deadline)
            (count,) = _FRAME_HEADER.unpack_from(body)
            if count < 1 or _FRAME_HEADER.size * (1 + count) > size:
                raise refuse("its first message is not a Dask handshake: is it a Dask scheduler?")
            lengths = struct.unpack_from(f"{count}Q", body, _FRAME_HEADER.size)
            rest = sum(lengths) - (size - _FRAME_HEADER.size * (1 + count))
            if rest < 0 or size + rest > limit:
                raise refuse(
                    f"its first message announces {size + max(rest, 0):,} bytes, not a Dask handshake of at most "
                    f"{limit:,}: is it a Dask scheduler?"
                )
            _receive(connection, rest, deadline)
    except DistributedError:
        raise
    except TimeoutError:
        raise DistributedError(
            f"cannot reach a Dask scheduler at {address}: no answer within {timeout:g} s "
            "(is it a Dask scheduler, and reachable?)"
        ) from None
    except (OSError, ValueError, struct.error) as error:
        reason = " ".join(str(getattr(error, "strerror", None) or error).split()) or type(error).__name__
        raise refuse(f"{type(error).__name__}: {reason}") from None


def _connect_with_timeout(distributed, address: str, timeout: float):
    """A :class:`distributed.Client`, or an error within ``timeout`` seconds.

    Dask's own connect timeout does not cover a server that accepts the connection and then
    never answers, so the client is created in a daemon thread that is abandoned on timeout.
    """
    outcome: dict[str, Any] = {}

    def connect() -> None:
        try:
            outcome["client"] = distributed.Client(address, timeout=timeout, set_as_default=False)
        except BaseException as error:  # reported below, in the caller's thread
            # Keep only the words: the exception's frames hold the half-built client, whose
            # __del__ at exit would wait seconds and print a traceback. Close it here instead.
            outcome["error"] = (type(error).__name__, " ".join(str(error).split()))
            _close_half_built_client(distributed, error)

    thread = threading.Thread(target=connect, name="powerplay-dask-connect", daemon=True)
    thread.start()
    thread.join(timeout + 5.0)
    if thread.is_alive():
        raise DistributedError(
            f"cannot reach a Dask scheduler at {address}: no answer within {timeout:g} s "
            "(is it a Dask scheduler, and reachable?)"
        )
    if "error" in outcome:
        kind, reason = outcome["error"]
        raise DistributedError(f"cannot reach a Dask scheduler at {address} ({kind}: {reason or kind})")
    return outcome["client"]


def _close_half_built_client(distributed, error: BaseException) -> None:
    """Close the client whose constructor raised ``error`` (found in the traceback's frames)."""
    traceback = error.__traceback__
    while traceback is not None:
        candidate = traceback.tb_frame.f_locals.get("self")
        if isinstance(candidate, distributed.Client):
            with contextlib.suppress(Exception):
                candidate.close(timeout=1)
            candidate.status = "closed"  # its __del__ then has nothing left to do
            return
        traceback = traceback.tb_next


class DaskExecutor:
    """Computes run jobs on a Dask cluster (see the module docstring).

    Parameters
    ----------
    client : distributed.Client
        A connected client. The executor closes it (and ``cluster``) in :meth:`close` only if
        it was created by :meth:`connect` or :meth:`local_cluster`.
    chunk_size : int, optional
        Samples per chunk task when a job does not say. Default: enough chunks to give
        every worker thread :data:`CHUNKS_PER_THREAD` of each run, each of at least
        :data:`MIN_CHUNK_SAMPLES` samples and at most :meth:`Experiment.default_chunk_size`.
        Never changes results.
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

    def __init__(
        self,
        client,
        *,
        chunk_size: int | None = None,
        retries: int = 2,
        kernel_threads: int = 1,
        _owned: tuple = (),
        _label: str | None = None,
    ):
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
        self._known_size, self._size_checked = (0, 0), -float("inf")

    # -- creating and closing ----------------------------------------------------------

    @classmethod
    def connect(cls, address: str, *, timeout: float | None = None, **options) -> DaskExecutor:
        """Connect to a running scheduler at ``address`` (e.g. ``'tcp://10.0.0.5:8786'``).

        ``timeout`` defaults to Dask's ``distributed.comm.timeouts.connect`` setting (30 s;
        environment variable ``DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT``).

        Before Dask's client connects, :func:`check_handshake` reads the peer's greeting with
        a byte cap, so a peer that is not a scheduler costs no memory.

        Raises
        ------
        DistributedError
            If no Dask scheduler answers there within ``timeout`` seconds, or the peer's first
            message is not a Dask handshake (or announces more than
            :data:`MAX_HANDSHAKE_BYTES`).
        DependencyMissing
            If Dask is not installed.
        """
        distributed = _import_distributed()
        if timeout is None:
            import dask
            from dask.utils import parse_timedelta

            timeout = float(parse_timedelta(dask.config.get("distributed.comm.timeouts.connect", CONNECT_TIMEOUT), "s"))
        # A lost cluster is reported in one line by the executor; Dask's client would also log
        # it with tracebacks, some from its I/O thread after the client is closed.
        logging.getLogger("distributed.client").setLevel(logging.CRITICAL)
        check_handshake(address, timeout)  # bounded: Dask's client would allocate whatever a peer announces
        client = _connect_with_timeout(distributed, address, timeout)
        return cls(client, _owned=(client,), **options)

    @classmethod
    def local_cluster(cls, n_workers: int, **options) -> DaskExecutor:
        """Start a :class:`distributed.LocalCluster` of ``n_workers`` single-threaded worker
        processes listening on 127.0.0.1 only, closed with the executor.

        Raises
        ------
        DistributedError
            If ``n_workers`` is below 1.
        DependencyMissing
            If Dask is not installed.
        """
        if n_workers < 1:
            raise DistributedError(f"a local cluster needs at least one worker, got {n_workers}")
        distributed = _import_distributed()
        logging.getLogger("distributed.client").setLevel(logging.CRITICAL)
        cluster = distributed.LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
            # Loopback only, any free port. A task's failure reaches the executor through its
            # future; what the workers would log besides is shutdown noise (a heartbeat racing the
            # scheduler's close prints a traceback), so only critical messages are shown.
            silence_logs=logging.CRITICAL,
        )
        client = distributed.Client(cluster, set_as_default=False)
        return cls(
            client, _owned=(client, cluster), _label=f"dask local cluster {cluster.scheduler_address}", **options
        )

    def close(self) -> None:
        """Close the client and cluster this executor created (not a client it was given)."""
        for thing in self._owned:
            with contextlib.suppress(Exception):
                thing.close()
        self._owned = ()

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- the executor interface --------------------------------------------------------

    def _size(self) -> tuple[int, int]:
        """Workers and threads in the cluster (asked at most every :data:`SIZE_SECONDS`; a
        scheduler that cannot answer gives the last known size)."""
        now = time.monotonic()
        if now - self._size_checked < SIZE_SECONDS:
            return self._known_size
        self._size_checked = now
        try:
            workers = self.client.scheduler_info().get("workers", {})
        except Exception:  # a scheduler that cannot answer now: keep what we knew
            return self._known_size
        self._known_size = (len(workers), int(sum(w.get("nthreads", 1) for w in workers.values())))
        return self._known_size

    def describe(self) -> str:
        workers, threads = self._size()
        return f"{self._label} ({_count(workers, 'worker')}, {_count(threads, 'thread')})"

    def solve(self, jobs: Iterable[RunJob]) -> Iterator[tuple[int, ChunkResult]]:
        """Compute the jobs' chunks on the cluster; yield ``(job index, chunk)`` as each arrives.

        Raises
        ------
        DistributedError
            If a task keeps killing workers or the scheduler is lost.
        Exception
            A chunk's own error (e.g. from the engine), after ``retries`` retries.
        """
        distributed = _import_distributed()
        source = iter(enumerate(jobs))
        runs: dict[int, _Run] = {}
        owner: dict[str, int] = {}  # chunk key -> run index
        completed = distributed.as_completed(loop=self.client.loop)
        exhausted = False
        try:
            while True:
                queued = sum(len(r.pending) for r in runs.values())
                threads = max(self._size()[1], 1)
                while not exhausted and (not runs or queued < QUEUED_TASKS_PER_THREAD * threads):
                    item = next(source, None)
                    if item is None:
                        exhausted = True
                        break
                    run, futures = self._submit(*item)
                    runs[run.index] = run
                    for future in futures:
                        owner[future.key] = run.index
                        completed.add(future)
                    queued += len(futures)
                if not runs:
                    return
                batch = completed.next_batch(block=True)  # everything finished by now, one round trip
                with _cluster_errors():
                    if any(future.cancelled() for future in batch):
                        raise _lost_cluster(_cancel_reason(batch))
                    chunks = self.client.gather(batch)  # a task's own error is raised as is
                for future, chunk in zip(batch, chunks):
                    run = runs[owner.pop(future.key)]
                    run.pending.discard(future.key)
                    future.release()  # the worker may drop the result now
                    now = time.perf_counter()
                    run.first_result = run.first_result or now
                    run.result_bytes.append(chunk.nbytes)
                    run.task_seconds += chunk.seconds
                    run.per_worker[chunk.worker] = run.per_worker.get(chunk.worker, 0) + 1
                    if not run.pending:
                        del runs[run.index]
                        run.shared.release()
                        self._record(run, now)
                    yield run.index, chunk
        finally:
            for run in runs.values():  # stopped early (error, interrupt): free the cluster
                with contextlib.suppress(Exception):
                    self.client.cancel([run.shared])
            with contextlib.suppress(Exception):
                completed.clear()

    # -- internals ---------------------------------------------------------------------

    def default_chunk_size(self, experiment: Experiment) -> int:
        """Samples per chunk task when neither the job nor the executor says (see the class docstring)."""
        wanted = -(-experiment.num_reward_samples // (CHUNKS_PER_THREAD * max(self._size()[1], 1)))
        size = max(wanted, MIN_CHUNK_SAMPLES)
        block = block_size(len(experiment.states))
        unit = block if size > block else 64  # no reward block drawn by two tasks
        size = -(-size // unit) * unit
        return max(1, min(size, experiment.default_chunk_size()))

    def _submit(self, index: int, job: RunJob):
        import cloudpickle
        import dask

        if self._size()[1] == 0:  # chunk sizes follow the cluster's size: wait until there is one
            warnings.warn(
                "the Dask cluster has no workers yet; waiting for the first one", RuntimeWarning, stacklevel=3
            )
            with _cluster_errors():
                self.client.wait_for_workers(1)
            self._size_checked = -float("inf")
        experiment = job.experiment
        token = uuid.uuid4().hex[:12]
        shared_bytes = len(cloudpickle.dumps(experiment))
        # The experiment goes into the task graph once per run, on purpose: the scheduler can
        # then rebuild the shared input if all its holders die (scattered data it cannot).
        with dask.config.set({"distributed.admin.large-graph-warning-threshold": max(shared_bytes * 2, 10 * 2**20)}):
            shared = self.client.submit(
                SharedRunInput, experiment, shared_bytes, key=f"powerplay-input-{token}", retries=self.retries
            )
        size = job.chunk_size or self.chunk_size or self.default_chunk_size(experiment)
        chunks = experiment.chunks(size)
        keys = [f"powerplay-chunk-{token}-{start}" for start, _ in chunks]
        # One graph message for all the run's chunks; each task names the shared input by key.
        futures = self.client.map(
            solve_chunk_task,
            [shared] * len(chunks),
            [a for a, _ in chunks],
            [b for _, b in chunks],
            [job.keep_samples] * len(chunks),
            [self.kernel_threads] * len(chunks),
            key=keys,
            retries=self.retries,
        )
        task_bytes = int(
            np.mean(
                [
                    len(cloudpickle.dumps((solve_chunk_task, shared.key, a, b, job.keep_samples, self.kernel_threads)))
                    for a, b in chunks
                ]
            )
        )
        run = _Run(index, job, shared, set(keys), time.perf_counter(), task_bytes, shared_bytes)
        return run, futures

    def _record(self, run: _Run, now: float) -> None:
        self.stats.append(
            RunStats(
                tasks=len(run.result_bytes),
                task_bytes=run.task_bytes,
                shared_input_bytes=run.shared_bytes,
                result_bytes=int(np.mean(run.result_bytes)),
                seconds=now - run.submitted,
                first_result_seconds=(run.first_result or now) - run.submitted,
                task_seconds=run.task_seconds,
                tasks_per_worker=dict(sorted(run.per_worker.items())),
            )
        )


def _cancel_reason(futures) -> str:
    for future in futures:
        if future.cancelled():
            with contextlib.suppress(Exception):
                exception = future.exception(timeout=1)
                reason = getattr(exception, "reason", None)
                if reason and reason != "unknown":
                    return str(reason)
    return "its tasks were cancelled"


@contextlib.contextmanager
def _cluster_errors():
    """Turn a lost cluster into a one-line :class:`DistributedError`; let tasks' own errors through."""
    from distributed import KilledWorker

    try:
        yield
    except AttributeError as error:  # Dask's client after its scheduler went away (its comm is None)
        raise _lost_cluster(f"the client lost its scheduler ({error})") from None
    except KilledWorker as error:
        raise DistributedError(
            f"a chunk task was on too many workers that died ({' '.join(str(error).split())}); are the workers "
            "short of memory? Finished runs are saved"
        ) from None
    except TimeoutError as error:
        raise _lost_cluster(" ".join(str(error).split()) or "timed out") from None
    except (OSError, asyncio.CancelledError, concurrent.futures.CancelledError) as error:
        # Dask's cancellation errors carry a reason (one, or one per future) such as 'scheduler-connection-lost'.
        reasons = sorted(
            {getattr(e, "reason", "unknown") for e in getattr(error, "error_groups", [error])} - {None, "unknown"}
        )
        if isinstance(error, (asyncio.CancelledError, concurrent.futures.CancelledError)):
            reason = ", ".join(reasons) or "its tasks were cancelled"
        else:
            reason = " ".join(str(error).split()) or type(error).__name__
        raise _lost_cluster(reason) from None


def _lost_cluster(reason: str) -> DistributedError:
    return DistributedError(
        f"lost the Dask cluster ({reason}); finished runs are saved, run the same command again to resume"
    )


def summarize_stats(stats: list[RunStats]) -> str:
    """One line about what the cluster cost over several runs (printed by ``powerplay run``).

    Examples
    --------
    >>> summarize_stats([RunStats(4, 250, 9000, 120000, 2.0, 0.5, 3.0, {'tcp://a:1': 2, 'tcp://b:2': 2})])
    'dask: 4 chunk tasks on 2 workers; 250 bytes sent per task; shared input 8.79 kiB per run (sent once per worker); results 117.19 kiB per task; first result after 0.50 s'
    """
    from dask.utils import format_bytes

    if not stats:
        return "dask: no runs computed"
    tasks = sum(s.tasks for s in stats)
    workers = {w for s in stats for w in s.tasks_per_worker}
    task_bytes = sum(s.task_bytes * s.tasks for s in stats) / tasks
    result_bytes = sum(s.result_bytes * s.tasks for s in stats) / tasks
    shared = max(s.shared_input_bytes for s in stats)
    return (
        f"dask: {_count(tasks, 'chunk task')} on {_count(len(workers), 'worker')}; {task_bytes:.0f} bytes sent per task; "
        f"shared input {format_bytes(shared)} per run (sent once per worker); results {format_bytes(round(result_bytes))} "
        f"per task; first result after {min(s.first_result_seconds for s in stats):.2f} s"
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


__all__ = [
    "CONNECT_TIMEOUT",
    "DaskExecutor",
    "RunStats",
    "SharedRunInput",
    "solve_chunk_task",
    "summarize_stats",
]
