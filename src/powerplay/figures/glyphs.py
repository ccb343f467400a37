"""Many small labels drawn as one artist: text outlines in a single path collection.

Matplotlib lays out and rasterises every :class:`~matplotlib.text.Text` on its own (about a
millisecond each), so a heat map with a hundred tick digits or printed values spends most
of its drawing time on text. Here each distinct string is turned into its outline once
(:class:`~matplotlib.textpath.TextPath`, cached), and all labels of a kind are one
:class:`~matplotlib.collections.PathCollection` placed at data (or axes) coordinates: one
draw call, whatever the number of labels.

Examples
--------
>>> from powerplay.figures import style
>>> figure = style.new_figure(2, 2)
>>> ax = figure.add_axes([0.1, 0.1, 0.8, 0.8])
>>> labels = text_collection(ax, ['0', '1', '2'], [(0, 0), (1, 0), (2, 0)], size=8)
>>> len(labels.get_paths())
3
"""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np
from matplotlib.collections import PathCollection
from matplotlib.font_manager import FontProperties
from matplotlib.path import Path as MplPath
from matplotlib.textpath import TextPath
from matplotlib.transforms import Affine2D


@lru_cache(maxsize=4096)
def _outline(text: str, size: float, ha: str, va: str) -> MplPath:
    """The outline of ``text`` at ``size`` points, in points, anchored as ``ha``/``va`` at (0, 0)."""
    path = TextPath((0, 0), text, size=size, prop=FontProperties())
    box = path.get_extents()
    if not np.isfinite([box.x0, box.x1, box.y0, box.y1]).all() or box.width == 0:  # blank text
        return path
    dx = {"left": -box.x0, "center": -(box.x0 + box.x1) / 2, "right": -box.x1}[ha]
    # Vertical anchoring on the font's digit height, so labels of one kind line up.
    height = 0.73 * size
    dy = {"bottom": 0.0, "center": -height / 2, "top": -height, "baseline": 0.0}[va]
    return MplPath(path.vertices + [dx, dy], path.codes)


def outlines(texts: Sequence[str], size: float, ha: str = "center", va: str = "center") -> list[MplPath]:
    """The (cached) outlines of ``texts`` at ``size`` points, anchored as ``ha``/``va``."""
    return [_outline(str(text), float(size), ha, va) for text in texts]


def text_collection(
    ax,
    texts: Sequence[str],
    positions: Sequence[tuple[float, float]],
    *,
    size: float,
    colors="black",
    ha: str = "center",
    va: str = "center",
    transform=None,
    zorder: float = 6,
) -> PathCollection:
    """Add ``texts`` at ``positions`` to ``ax`` as one collection of outlines; returns it.

    Parameters
    ----------
    ax : Axes
    texts : sequence of str
    positions : sequence of (x, y)
        In data coordinates, or in ``transform``'s.
    size : float
        Font size in points.
    colors : colour or sequence of colours
        One for all, or one per text.
    ha, va : str
        Horizontal (``left``, ``center``, ``right``) and vertical (``bottom``, ``center``,
        ``top``) anchoring at each position.
    transform : Transform, optional
        Of the positions (default ``ax.transData``).
    """
    paths = outlines(texts, size, ha, va)
    collection = PathCollection(paths, offsets=np.asarray(positions, dtype=np.float64).reshape(-1, 2),
                                offset_transform=transform if transform is not None else ax.transData,
                                facecolors=colors, edgecolors="none", linewidths=0, zorder=zorder, clip_on=False)
    # Outlines are in points; the figure's DPI turns them into pixels around each offset.
    collection.set_transform(Affine2D().scale(ax.figure.dpi / 72.0))
    ax.add_collection(collection, autolim=False)
    return collection


__all__ = ["outlines", "text_collection"]
