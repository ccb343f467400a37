"""Many small labels drawn as one artist: text outlines in a single path collection.

Matplotlib lays out and rasterises every :class:`~matplotlib.text.Text` on its own (about a
millisecond each), so a heat map with a hundred tick digits or printed values spends most
of its drawing time on text. Here each character's outline is made once
(:class:`~matplotlib.textpath.TextPath`, cached with the font's advance width), a string's
outline is its characters' side by side (no kerning: labels are numbers and coordinates),
and all labels of a kind are one :class:`~matplotlib.collections.PathCollection` placed at
data (or axes) coordinates: one draw call, whatever the number of labels.

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

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from matplotlib.collections import PathCollection
from matplotlib.font_manager import FontProperties
from matplotlib.path import Path as MplPath
from matplotlib.textpath import TextPath
from matplotlib.transforms import Affine2D

_PROPERTIES = FontProperties()


@lru_cache(maxsize=1024)
def _character(char: str, size: float) -> tuple[np.ndarray, np.ndarray, float]:
    """Vertices, codes and advance width (points) of one character at ``size`` points."""
    from matplotlib.font_manager import findfont, get_font
    from matplotlib.ft2font import LoadFlags

    font = get_font(findfont(_PROPERTIES))
    font.set_size(size, 72)  # 72 dpi: the advance comes out in points
    advance = font.load_char(ord(char), flags=LoadFlags.NO_HINTING).linearHoriAdvance / 65536
    if char.isspace():  # no outline
        return np.zeros((0, 2)), np.zeros(0, dtype=np.uint8), advance
    path = TextPath((0, 0), char, size=size, prop=_PROPERTIES)
    return path.vertices, path.codes, advance


@lru_cache(maxsize=8192)
def _outline(text: str, size: float, ha: str, va: str) -> MplPath:
    """The outline of ``text`` at ``size`` points, in points, anchored as ``ha``/``va`` at (0, 0)."""
    vertices, codes, x = [], [], 0.0
    for char in text:
        v, c, advance = _character(char, size)
        if len(v):
            vertices.append(v + [x, 0.0])
            codes.append(c)
        x += advance
    if not vertices:  # blank text
        return MplPath(np.zeros((1, 2)), [MplPath.MOVETO])
    points, kinds = np.concatenate(vertices), np.concatenate(codes)
    dx = {"left": 0.0, "center": -x / 2, "right": -x}[ha]
    # Vertical anchoring on the font's digit height, so labels of one kind line up.
    height = 0.73 * size
    dy = {"bottom": 0.0, "center": -height / 2, "top": -height, "baseline": 0.0}[va]
    return MplPath(points + [dx, dy], kinds)


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
    collection = PathCollection(
        paths,
        offsets=np.asarray(positions, dtype=np.float64).reshape(-1, 2),
        offset_transform=transform if transform is not None else ax.transData,
        facecolors=colors,
        edgecolors="none",
        linewidths=0,
        zorder=zorder,
        clip_on=False,
    )
    # Outlines are in points; the figure's DPI turns them into pixels around each offset.
    collection.set_transform(Affine2D().scale(ax.figure.dpi / 72.0))
    ax.add_collection(collection, autolim=False)
    return collection


__all__ = ["outlines", "text_collection"]
