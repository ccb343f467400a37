"""Per-sample POWER arrays on disk: written chunk by chunk, compressed, read lazily.

A run that keeps its samples writes ``samples.npz``: a zip archive (readable by
``numpy.load``) with one ``power_{key}.npy`` entry ``[N, S]`` per POWER key and
``states.npy``. Reward samples are not stored: they are drawn again, exactly, from the
run's seeded reward stream (:meth:`powerplay.storage.runs.StoredRun.rewards`).

Writing never holds a run's samples in memory. :class:`SampleFileWriter` puts each chunk
at its place in an uncompressed scratch file per key (chunks may arrive in any order),
then :meth:`~SampleFileWriter.close` streams the scratch files, in pieces, into a
deflate-compressed archive written atomically, and removes them. The archive's bytes depend
only on the samples (fixed timestamps), so identical runs give identical files.

Reading: :class:`SampleArchive` opens the archive and loads an array only when asked;
:meth:`~SampleArchive.rows` streams a range of samples without loading the rest. Archives
written before this format (uncompressed, with ``rewards_*`` entries) read the same way.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> writer = SampleFileWriter(folder, ('a', 'b'), ('H',), num_samples=5)
>>> writer.write('H', 3, np.array([[3., 3.], [4., 4.]]))      # chunks in any order
>>> writer.write('H', 0, np.array([[0., 0.], [1., 1.], [2., 2.]]))
>>> path = writer.close()
>>> archive = SampleArchive(path)
>>> archive.keys(), archive.load('H')[:, 0].tolist(), archive.rows('H', 1, 3)[:, 1].tolist()
(('H',), [0.0, 1.0, 2.0, 3.0, 4.0], [1.0, 2.0])
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from pathlib import Path
from typing import IO

import numpy as np

from ..errors import FileFormatError
from ..io.atomic import atomic_write_with

SAMPLES = "samples.npz"

#: Prefix of the scratch files a writer keeps next to the archive while a run computes.
SCRATCH_PREFIX = ".samples-scratch-"

_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_PIECE_BYTES = 8 * 2**20
_COMPRESSION_LEVEL = 1  # deflate level 1: most of the gain on float data at a fraction of the time


def _entry(name: str, compressed: bool = True) -> zipfile.ZipInfo:
    entry = zipfile.ZipInfo(f"{name}.npy", date_time=_FIXED_TIME)
    entry.compress_type = zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED
    entry.external_attr = 0o644 << 16
    return entry


def _write_header(handle, shape: tuple[int, ...], dtype=np.float64) -> None:
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_2_0(handle, header)


class SampleFileWriter:
    """Writes a run's kept POWER samples into ``{folder}/samples.npz`` (see module notes).

    Parameters
    ----------
    folder : path
        The run folder (created if needed).
    states : sequence of str
        The run's states, ``[S]``.
    keys : sequence of str
        POWER keys to store.
    num_samples : int
        ``N``.
    """

    def __init__(self, folder, states, keys, num_samples: int):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.states = tuple(states)
        self.keys = tuple(keys)
        self.num_samples = int(num_samples)
        self._scratch: dict[str, Path] = {}
        self._handles: dict[str, IO[bytes]] = {}
        row_bytes = 8 * len(self.states)
        for key in self.keys:
            fd, name = tempfile.mkstemp(prefix=SCRATCH_PREFIX, suffix=f"-{key}.raw", dir=self.folder)
            handle = os.fdopen(fd, "w+b")
            handle.truncate(row_bytes * self.num_samples)
            self._scratch[key], self._handles[key] = Path(name), handle

    def write(self, key: str, start: int, samples: np.ndarray) -> None:
        """Put samples ``start : start + len(samples)`` of ``key`` in place."""
        array = np.ascontiguousarray(samples, dtype=np.float64)
        if (
            array.ndim != 2
            or array.shape[1] != len(self.states)
            or not 0 <= start <= start + len(array) <= self.num_samples
        ):
            raise FileFormatError(
                self.folder / SAMPLES, f"samples {start}:{start + len(array)} of {key!r} have shape {array.shape}"
            )
        handle = self._handles[key]
        handle.seek(8 * len(self.states) * start)
        handle.write(array.tobytes())

    def close(self) -> Path:
        """Compress the scratch files into ``samples.npz`` (atomically) and remove them."""
        target = self.folder / SAMPLES
        try:
            for handle in self._handles.values():
                handle.flush()
                handle.seek(0)

            def write(out) -> None:
                with zipfile.ZipFile(out, "w", compresslevel=_COMPRESSION_LEVEL) as archive:
                    with archive.open(_entry("states"), "w", force_zip64=True) as entry:
                        np.lib.format.write_array(entry, np.array(self.states, dtype=str), allow_pickle=False)
                    for key in self.keys:
                        handle = self._handles[key]
                        with archive.open(_entry(f"power_{key}"), "w", force_zip64=True) as entry:
                            _write_header(entry, (self.num_samples, len(self.states)))
                            while piece := handle.read(_PIECE_BYTES):
                                entry.write(piece)

            atomic_write_with(target, write)
        finally:
            self.discard()
        return target

    def discard(self) -> None:
        """Remove the scratch files (the archive, if written, stays)."""
        for handle in self._handles.values():
            handle.close()
        for path in self._scratch.values():
            path.unlink(missing_ok=True)
        self._handles, self._scratch = {}, {}


def sample_archive_bytes(states, samples: dict[str, np.ndarray]) -> bytes:
    """``samples.npz`` of samples held in memory (same format as :class:`SampleFileWriter`)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compresslevel=_COMPRESSION_LEVEL) as archive:
        with archive.open(_entry("states"), "w", force_zip64=True) as entry:
            np.lib.format.write_array(entry, np.array(tuple(states), dtype=str), allow_pickle=False)
        for key, array in samples.items():
            with archive.open(_entry(f"power_{key}"), "w", force_zip64=True) as entry:
                np.lib.format.write_array(entry, np.ascontiguousarray(array, dtype=np.float64), allow_pickle=False)
    return buffer.getvalue()


class SampleArchive:
    """Lazy reader of a ``samples.npz`` (see module notes).

    Raises
    ------
    FileFormatError
        If the file is not a readable archive of this format (naming the file), on opening
        or when an entry turns out damaged.
    """

    def __init__(self, path):
        self.path = Path(path)
        try:
            with zipfile.ZipFile(self.path) as archive:
                self._names = [info.filename for info in archive.infolist()]
                self._sizes = {info.filename: info.file_size for info in archive.infolist()}
        except (OSError, zipfile.BadZipFile, ValueError, EOFError) as error:
            raise FileFormatError(self.path, f"not a readable sample archive ({error})") from None

    def _entries(self, prefix: str) -> tuple[str, ...]:
        return tuple(n[len(prefix) : -len(".npy")] for n in self._names if n.startswith(prefix) and n.endswith(".npy"))

    def keys(self) -> tuple[str, ...]:
        """The POWER keys stored."""
        return self._entries("power_")

    def reward_keys(self) -> tuple[str, ...]:
        """Agents whose reward samples are stored (only archives of the earlier format have them)."""
        return self._entries("rewards_")

    def _open(self, name: str):
        archive = zipfile.ZipFile(self.path)
        try:
            return archive, archive.open(f"{name}.npy")
        except KeyError:
            archive.close()
            raise FileFormatError(self.path, f"has no entry {name!r}") from None

    def _header(self, handle, name: str) -> tuple[tuple[int, ...], np.dtype]:
        """Shape and dtype of an entry, checked against the entry's size before anything is allocated."""
        version = np.lib.format.read_magic(handle)
        read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read(handle)
        if fortran:
            raise FileFormatError(self.path, "Fortran-ordered arrays are not supported")
        if dtype.hasobject:
            raise FileFormatError(self.path, f"entry {name} holds Python objects")
        # A damaged or crafted header could announce terabytes: the entry's own size must match.
        expected = int(np.prod(shape, dtype=object)) * dtype.itemsize + handle.tell()
        size = self._sizes.get(f"{name}.npy")
        if expected != size:
            raise FileFormatError(
                self.path,
                f"entry {name} is damaged (its header announces {expected:,} bytes, the archive holds {size:,})",
            )
        return shape, dtype

    def _read(self, name: str) -> np.ndarray:
        archive, handle = self._open(name)
        try:
            with archive, handle:
                self._header(handle, name)
                handle.seek(0)
                return np.lib.format.read_array(handle, allow_pickle=False)
        except FileFormatError:
            raise
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, MemoryError) as error:
            raise FileFormatError(
                self.path, f"entry {name} is damaged ({' '.join(str(error).split())[:120]})"
            ) from None

    def load(self, key: str, prefix: str = "power_") -> np.ndarray:
        """The whole ``[N, S]`` array of a key."""
        return self._read(f"{prefix}{key}")

    def states(self) -> tuple[str, ...]:
        return tuple(str(s) for s in self._read("states"))

    def rows(self, key: str, start: int, stop: int, prefix: str = "power_") -> np.ndarray:
        """Samples ``start:stop`` of a key, reading only up to them."""
        archive, handle = self._open(f"{prefix}{key}")
        try:
            with archive, handle:
                shape, dtype = self._header(handle, f"{prefix}{key}")
                stop = min(stop, shape[0])
                row = int(np.prod(shape[1:])) * dtype.itemsize
                handle.seek(handle.tell() + start * row)
                data = handle.read((stop - start) * row)
                return np.frombuffer(data, dtype=dtype).reshape((stop - start, *shape[1:])).copy()
        except FileFormatError:
            raise
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, MemoryError) as error:
            raise FileFormatError(
                self.path, f"entry {prefix}{key} is damaged ({' '.join(str(error).split())[:120]})"
            ) from None


__all__ = ["SAMPLES", "SCRATCH_PREFIX", "SampleArchive", "SampleFileWriter", "sample_archive_bytes"]
