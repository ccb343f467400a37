"""Animated GIFs from figures or images (written with Pillow; PNGs read with imageio).

Frames of different pixel sizes are padded with white to the largest one. Pausing on the
first or last frame is done with per-frame durations rather than repeated frames, so a GIF
has exactly one frame per input (GIF writers merge identical consecutive frames, so callers
make frames distinguishable, e.g. by a step counter in the title).

Examples
--------
>>> import tempfile, imageio.v3 as iio
>>> frames = [np.full((4, 6, 3), value, dtype=np.uint8) for value in (0, 120, 255)]
>>> path = write_gif(frames, Path(tempfile.mkdtemp()) / 'demo.gif')
>>> iio.imread(path, index=None).shape[:3]
(3, 4, 6)
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import imageio.v3 as iio
import numpy as np
from matplotlib.figure import Figure
from PIL import Image

from ..errors import FigureError
from ..io.atomic import atomic_write_bytes
from . import style

#: Default display time of one frame (milliseconds).
MS_PER_FRAME = 100


def _as_rgb(frame: np.ndarray | Figure) -> np.ndarray:
    if isinstance(frame, Figure):
        return style.figure_pixels(frame)
    array = np.asarray(frame)
    if array.ndim == 2:
        array = np.repeat(array[..., None], 3, axis=2)
    if array.shape[-1] == 4:  # composite RGBA on white
        alpha = array[..., 3:4].astype(np.float64) / 255.0
        array = (array[..., :3] * alpha + 255.0 * (1 - alpha)).round()
    return array[..., :3].astype(np.uint8)


def _pad_to(frame: np.ndarray, height: int, width: int) -> np.ndarray:
    if frame.shape[:2] == (height, width):
        return frame
    padded = np.full((height, width, 3), 255, dtype=np.uint8)
    top, left = (height - frame.shape[0]) // 2, (width - frame.shape[1]) // 2
    padded[top : top + frame.shape[0], left : left + frame.shape[1]] = frame
    return padded


def write_gif(
    frames: Sequence[np.ndarray | Figure] | Iterable[np.ndarray | Figure],
    path: str | Path,
    ms_per_frame: int = MS_PER_FRAME,
    frames_at_start: int = 1,
    frames_at_end: int = 1,
) -> Path:
    """Write ``frames`` (figures or ``[H, W, 3|4]`` uint8 images) as a looping GIF.

    Parameters
    ----------
    frames : sequence of Figure or numpy.ndarray
    path : path
        Output file (``.gif`` is added if missing); written atomically.
    ms_per_frame : int
        Display time of each frame.
    frames_at_start, frames_at_end : int
        The first / last frame stays this many frame-times (the reference's options).

    Returns
    -------
    Path

    Raises
    ------
    ValueError
        If there are no frames.
    """
    images = [_as_rgb(frame) for frame in frames]
    if not images:
        raise FigureError(f"{path}: an animation needs at least one frame")
    height = max(image.shape[0] for image in images)
    width = max(image.shape[1] for image in images)
    stack = np.stack([_pad_to(image, height, width) for image in images])
    durations = [int(ms_per_frame)] * len(images)
    durations[0] = int(ms_per_frame) * max(1, frames_at_start)
    if len(images) > 1:
        durations[-1] = int(ms_per_frame) * max(1, frames_at_end)
    path = Path(path)
    if path.suffix.lower() != ".gif":
        path = path.with_name(path.name + ".gif")
    # Each frame gets its own 256-colour palette (fast octree: figures have few colours).
    palettes = [Image.fromarray(frame).quantize(colors=256, method=Image.Quantize.FASTOCTREE) for frame in stack]
    buffer = io.BytesIO()
    palettes[0].save(
        buffer, format="GIF", save_all=True, append_images=palettes[1:], duration=durations, loop=0, disposal=1
    )
    atomic_write_bytes(path, buffer.getvalue())
    return path


def read_png(path: str | Path) -> np.ndarray:
    """``[H, W, 3]`` uint8 pixels of a PNG file."""
    return _as_rgb(iio.imread(Path(path)))
