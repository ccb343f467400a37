"""Results on disk: run folders in open formats (YAML, CSV, NPZ, JSON, PNG), written atomically."""

from .atomic import atomic_write_bytes, atomic_write_text
from .runs import StoredRun, is_complete_run, load_run, write_run

__all__ = ["StoredRun", "atomic_write_bytes", "atomic_write_text", "is_complete_run", "load_run", "write_run"]
