"""Drawing figure records and writing them: one at a time, in sequences that reuse a figure, or in parallel.

* :func:`draw` draws any record of :mod:`powerplay.figures.data` (dispatching on its type);
* :func:`save` draws one record and writes it as a PNG;
* :func:`save_all` writes many records, in worker processes when there are enough of them
  to pay for starting the workers (each record is drawn the same way wherever it is drawn,
  so the files do not depend on the number of workers); :func:`prestart` starts the fork
  server early, so it has imported the drawing modules by the time it is needed;
* :func:`frame_pixels` renders a sequence (animation frames, Agent H's then Agent A's heat
  map) reusing one figure: when the next record has the same layout, only its artists'
  data, colour range and title change, and the figure is drawn again.

Examples
--------
>>> import tempfile
>>> from powerplay.figures.heatmaps import heatmap_data
>>> data = heatmap_data(np.arange(4.0), ['(0, 0)', '(0, 1)', '(1, 0)', '(1, 1)'], title='demo')
>>> save(data, Path(tempfile.mkdtemp()) / 'demo').name
'demo.png'
"""

from __future__ import annotations

import contextlib
import os
import sys
import types
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from ..errors import FigureError
from . import style

#: Fewest records for which :func:`save_all` starts worker processes (starting one costs
#: about half a second: it imports matplotlib).
PARALLEL_MINIMUM = 24

#: Most worker processes :func:`save_all` uses by default.
MAX_WORKERS = 4


def _drawers() -> dict[type, Callable]:
    from .alignment import draw_alignment, draw_alignment_matrix, draw_lines
    from .data import (
        AlignmentData,
        AlignmentMatrixData,
        BarsData,
        CorrelationData,
        HeatmapData,
        HistogramData,
        LinesData,
        MatrixData,
        RewardPairsData,
    )
    from .heatmaps import draw_heatmap
    from .samples import draw_bars, draw_correlations, draw_histograms, draw_matrix, draw_reward_pairs

    return {
        HeatmapData: draw_heatmap,
        BarsData: draw_bars,
        HistogramData: draw_histograms,
        CorrelationData: draw_correlations,
        MatrixData: draw_matrix,
        AlignmentData: draw_alignment,
        AlignmentMatrixData: draw_alignment_matrix,
        LinesData: draw_lines,
        RewardPairsData: draw_reward_pairs,
    }


def _updaters() -> dict[type, Callable]:
    from .alignment import update_alignment
    from .data import AlignmentData, BarsData, HeatmapData, RewardPairsData
    from .heatmaps import update_heatmap
    from .samples import update_bars, update_reward_pairs

    return {
        HeatmapData: update_heatmap,
        AlignmentData: update_alignment,
        RewardPairsData: update_reward_pairs,
        BarsData: update_bars,
    }


def draw(data) -> Figure:
    """A new figure of any figure record (:mod:`powerplay.figures.data`)."""
    drawer = _drawers().get(type(data))
    if drawer is None:
        raise FigureError(f"not a figure record: {type(data).__name__}")
    return drawer(data)


def save(data, path: str | Path) -> Path:
    """Draw ``data`` and write it as a PNG at ``path`` (``.png`` added if missing); returns the path."""
    return style.save_figure(draw(data), path)


def frame_pixels(records: Iterable) -> list[np.ndarray]:
    """``[H, W, 3]`` pixels of each record, drawing on one figure while the layout allows.

    A record of the same type as the previous one whose layout matches (same image size and
    markers, same number of title lines, ...) only updates the figure's artists; otherwise
    a new figure is drawn.
    """
    updaters = _updaters()
    figure, previous, out = None, None, []
    for data in records:
        update = updaters.get(type(data))
        if figure is None or type(data) is not type(previous) or update is None or not update(figure, previous, data):
            figure = draw(data)
        out.append(style.figure_pixels(figure))
        previous = data
    return out


def save_sequence(jobs: Sequence[tuple[object, Path]]) -> list[Path]:
    """Write ``(record, path)`` jobs in order, reusing one figure while the layout allows (see :func:`frame_pixels`)."""
    pixels = frame_pixels(data for data, _ in jobs)
    return [style.save_pixels(image, path) for image, (_, path) in zip(pixels, jobs)]


_POOL: tuple[int, ProcessPoolExecutor] | None = None

#: Modules a drawing worker needs (imported once by the fork server).
_DRAWING_MODULES = ("render", "heatmaps", "samples", "alignment")


def _context():
    """forkserver where it exists (its server imports the drawing modules once), else spawn.

    Not fork: workers start from a clean process, not a copy of one that may be running
    numerical threads.
    """
    import multiprocessing

    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([f"powerplay.figures.{name}" for name in _DRAWING_MODULES])
        return context
    return multiprocessing.get_context("spawn")


def _pool(workers: int) -> ProcessPoolExecutor:
    """A process pool kept for later calls (workers start once per session, not once per run)."""
    global _POOL
    if _POOL is None or _POOL[0] != workers:
        if _POOL is not None:
            _POOL[1].shutdown(wait=False, cancel_futures=True)
        _POOL = (workers, ProcessPoolExecutor(workers, mp_context=_context()))
    return _POOL[1]


def prestart() -> None:
    """Start the fork server now, so it imports the drawing modules while other work goes on.

    Cheap and non-blocking; a later :func:`save_all` with several workers then starts them
    in milliseconds. Does nothing where there is no fork server.
    """
    context = _context()
    if context.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        with contextlib.suppress(OSError), _without_main_script():
            forkserver.ensure_running()


def default_workers(count: int) -> int:
    """Worker processes for ``count`` figures: 1 (this process) unless there are enough to share."""
    if count < PARALLEL_MINIMUM:
        return 1
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1, count // (PARALLEL_MINIMUM // 2)))


@contextlib.contextmanager
def _without_main_script():
    """Start workers without the user's ``__main__`` script.

    forkserver and spawn workers normally import the main script again; one without an
    ``if __name__ == '__main__':`` guard would then run again in every worker (a whole sweep,
    say). Drawing needs nothing from it, so while workers start, ``__main__`` is a blank module.
    """
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is None:
            del sys.modules["__main__"]
        else:
            sys.modules["__main__"] = main


def save_all(jobs: Sequence[tuple[object, Path]], workers: int | None = None) -> list[Path]:
    """Write ``(record, path)`` jobs; in worker processes if worthwhile.

    Consecutive records of one layout are drawn on one reused figure (:func:`save_sequence`),
    which gives exactly the pixels of a new figure.

    Parameters
    ----------
    jobs : sequence of (record, path)
    workers : int, optional
        Processes to draw in; default :func:`default_workers`. 1 draws here. The files are
        the same whatever the number of workers (and if the workers cannot start, the
        figures are drawn here).

    Returns
    -------
    list of Path
        The files written, in the order of ``jobs``.
    """
    global _POOL
    jobs = list(jobs)
    workers = default_workers(len(jobs)) if workers is None else max(1, int(workers))
    if workers > 1 and len(jobs) > 1:
        # Chunks of consecutive jobs: a chunk's records are pickled once, and heat maps of one
        # layout in a chunk reuse one figure (which draws exactly what a new figure would).
        chunk = max(1, -(-len(jobs) // (3 * workers)))
        try:
            with _without_main_script():
                futures = [
                    _pool(workers).submit(save_sequence, jobs[i : i + chunk]) for i in range(0, len(jobs), chunk)
                ]
            return [path for future in futures for path in future.result()]
        except (BrokenProcessPool, OSError):  # no processes here (a sandbox, a limit): draw in this one
            _POOL = None
    return save_sequence(jobs)


__all__ = ["default_workers", "draw", "frame_pixels", "prestart", "save", "save_all", "save_sequence"]
