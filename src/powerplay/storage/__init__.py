"""Results on disk: run and sweep folders in open formats (YAML, CSV, NPZ, JSON, PNG), written atomically.

* :mod:`.runs` -- one run folder: writing, checking (checksums), loading lazily;
* :mod:`.samples` -- kept per-sample arrays, streamed to a compressed archive;
* :mod:`.sweeps` -- sweep folders and the one way to query their runs.

Every file is written atomically (:mod:`powerplay.io.atomic`, re-exported here).
"""

from ..io.atomic import atomic_write_bytes, atomic_write_text
from .runs import StoredRun, is_complete_run, load_run, verify_run, write_run
from .sweeps import DEFAULT_FOLDER, FIGURES_FOLDER, StoredSweep, list_sweeps, load_sweep

__all__ = [
    "DEFAULT_FOLDER",
    "FIGURES_FOLDER",
    "StoredRun",
    "StoredSweep",
    "atomic_write_bytes",
    "atomic_write_text",
    "is_complete_run",
    "list_sweeps",
    "load_run",
    "load_sweep",
    "verify_run",
    "write_run",
]
