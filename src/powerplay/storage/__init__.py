"""Results on disk: run and sweep folders in open formats (YAML, CSV, NPZ, JSON, PNG), written atomically."""

from .atomic import atomic_write_bytes, atomic_write_text
from .runs import StoredRun, is_complete_run, load_run, write_run
from .sweeps import (
    StoredSweep,
    get_properties_from_run,
    get_sweep_run_suffixes_for_param,
    get_sweep_state_list,
    get_sweep_type,
    load_sweep,
)

__all__ = [
    "StoredRun",
    "StoredSweep",
    "atomic_write_bytes",
    "atomic_write_text",
    "get_properties_from_run",
    "get_sweep_run_suffixes_for_param",
    "get_sweep_state_list",
    "get_sweep_type",
    "is_complete_run",
    "load_run",
    "load_sweep",
    "write_run",
]
