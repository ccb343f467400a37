"""The command line's ``--scheduler`` / ``--cluster`` / ``--workers`` options, turned into an executor.

``--scheduler`` is ``tcp://HOST:PORT`` (or ``tls://HOST:PORT``, or bare ``HOST:PORT``), or the
path of the JSON file ``dask scheduler --scheduler-file FILE`` writes (handy on a cluster
whose nodes share a file system; read as a regular file of at most 1 MiB with the bounded
JSON reader of :mod:`powerplay.io.safe_load`). Connecting is bounded in time
(:meth:`powerplay.runner.distributed.DaskExecutor.connect`). ``--cluster`` is ``local:N`` (``local`` alone: one worker
process per core). Without either, runs are computed in this process on ``--workers``
threads. Every command that runs sweeps (``run``, ``selftest``, ``reproduce``) takes them.

Examples
--------
>>> parse_scheduler('127.0.0.1:8786')
'tcp://127.0.0.1:8786'
>>> parse_cluster('local:2')
2
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import DistributedError, FileFormatError, PowerplayError

if TYPE_CHECKING:  # the executors (numba, scipy) are imported when one is made, not with the command line
    from ..runner.executors import Executor

_ADDRESS = re.compile(r"^(?:(tcp|tls)://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$")
_LOCAL_CLUSTER = re.compile(r"^local(?::(\d+))?$")

#: Largest scheduler file read (it holds a few hundred bytes of JSON).
MAX_SCHEDULER_FILE_BYTES = 1 << 20

#: Most local worker processes per core (each computes on one core; a few more keep cores busy
#: while others wait on the scheduler).
WORKERS_PER_CORE = 4
#: Memory a local worker process takes before any work (Python, numpy, numba, Dask: 178 MiB resident,
#: measured with ``--cluster local:2``), for the bound on the worker count.
WORKER_BYTES = 256 * 2**20


def parse_scheduler(text: str) -> str:
    """Check a ``--scheduler`` value and return the scheduler's address (``tcp://HOST:PORT``).

    Raises
    ------
    DistributedError
        Naming the option and the value (or the file).
    """
    from ..io.safe_load import _short, load_json, read_limited_bytes

    value = text.strip()
    shown = _short(text)
    try:
        is_file = "://" not in value and Path(value).is_file()
    except (OSError, ValueError):  # a name too long to be a file, a NUL byte
        is_file = False
    path = Path(value)
    if is_file:
        try:
            document = load_json(
                read_limited_bytes(path, MAX_SCHEDULER_FILE_BYTES, "scheduler file"),
                value,
                max_bytes=MAX_SCHEDULER_FILE_BYTES,
            )
        except (PowerplayError, OSError) as error:
            reason = error.problem if isinstance(error, FileFormatError) else str(error)
            raise DistributedError(f"--scheduler: {shown} is not a Dask scheduler file ({reason})") from None
        address = document.get("address") if isinstance(document, dict) else None
        if not isinstance(address, str):
            raise DistributedError(f'--scheduler: {shown} is not a Dask scheduler file (JSON with an "address" string)')
        return _check_address(address, f"the address {_short(address)} in {shown}")
    return _check_address(value, shown)


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
    """Check a ``--cluster`` value, ``local:N``; return the number of worker processes.

    ``N`` may be at most :data:`WORKERS_PER_CORE` times the cores, and the workers must fit in
    the available memory at :data:`WORKER_BYTES` each.

    Raises
    ------
    DistributedError
        One line saying which bound ``N`` is over, and the largest ``N`` that fits.
    """
    from ..io.safe_load import _short

    match = _LOCAL_CLUSTER.match(text.strip())
    if not match:
        raise DistributedError(f"--cluster: {_short(text)} is not understood (expected local:N, e.g. local:4)")
    cores = os.cpu_count() or 1
    workers = int(match.group(1)) if match.group(1) else cores
    if workers < 1:
        raise DistributedError(f"--cluster: {_short(text)} needs at least one worker")
    by_cores = WORKERS_PER_CORE * cores
    if workers > by_cores:
        raise DistributedError(
            f"--cluster: {workers:,} worker processes on {cores} core{'s' if cores != 1 else ''} is more than "
            f"{by_cores} ({WORKERS_PER_CORE} per core): each process computes on one core, so more only add "
            f"start-up time and memory; use local:{cores}"
        )
    import psutil

    available = int(psutil.virtual_memory().available)
    by_memory = max(1, available // WORKER_BYTES)
    if workers > by_memory:
        raise DistributedError(
            f"--cluster: {workers:,} worker processes need about {workers * WORKER_BYTES / 2**30:.1f} GiB "
            f"({WORKER_BYTES // 2**20} MiB each before any work), but {available / 2**30:.1f} GiB of memory is "
            f"available; use at most local:{by_memory}"
        )
    return workers


@contextlib.contextmanager
def executor_from_options(scheduler: str | None, cluster: str | None, workers: int | None) -> Iterator[Executor]:
    """The executor the options ask for, closed (with any cluster it started) on exit.

    Raises
    ------
    DistributedError
        For conflicting or malformed options, or an unreachable scheduler.
    DependencyMissing
        If Dask is needed and not installed.
    """
    if scheduler is None and cluster is None:
        from ..runner.executors import LocalExecutor

        executor: Executor = LocalExecutor(threads=workers)
    else:
        if scheduler is not None and cluster is not None:
            raise DistributedError("--scheduler and --cluster exclude each other: use an existing cluster or start one")
        if workers is not None:
            raise DistributedError(
                "--workers sets threads for a local run; with --scheduler/--cluster, size the Dask cluster instead"
            )
        from ..runner.distributed import DaskExecutor  # Dask is imported only when a cluster is asked for

        if scheduler is not None:
            executor = DaskExecutor.connect(parse_scheduler(scheduler))
        else:
            assert cluster is not None  # here one of the two is given
            executor = DaskExecutor.local_cluster(parse_cluster(cluster))
    try:
        yield executor
    finally:
        executor.close()


__all__ = ["executor_from_options", "parse_cluster", "parse_scheduler"]
