"""Gridworld heat maps: one value per cell, for single-agent and two-agent (joint) gridworlds.

Single-agent gridworld
    One heat map, row 0 at the top like the reference tool, the value printed in each cell
    when it is legible, deleted cells blank.

Joint (two-agent) gridworld -- the reference's block layout
    One *block* per position of Agent A, the blocks arranged as the grid itself (the block
    of A at ``(r, c)`` sits in row ``r``, column ``c`` of blocks). Each block is a heat map
    over Agent H's position, with A's own cell outlined by an open red square. Joint states
    that do not exist (for example where the agents would overlap, in a no-overlap MDP) are
    blank. All blocks share one colour scale and one colour bar. This layout is used for
    *both* agents' quantities: the figure of Agent A's POWER is indexed the same way.

    The blocks are drawn as one image: a *mosaic* of the blocks separated by one blank
    cell, cropped to the rows and columns of blocks that occur (so a single block fills the
    figure). Agent A's row and column label each block row and column; Agent H's row and
    column are the ticks within each block.

:func:`heatmap_data` computes what is drawn (:class:`~powerplay.figures.data.HeatmapData`),
:func:`draw_heatmap` draws it.

Examples
--------
>>> from powerplay.model.gridworld import gridworld, joint_gridworld
>>> grid = gridworld(2, 3)
>>> geometry = GridGeometry.of_states(grid.states)
>>> geometry.single_matrix(np.arange(6.0)).tolist()
[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
>>> data = heatmap_data(np.arange(6.0), grid.states, title='Example')
>>> data.matrix.shape, data.cell_text[0, 1]
((2, 3), '1.000')
>>> joint = joint_gridworld(gridworld(1, 2))
>>> data = heatmap_data(np.arange(4.0), joint.states, title='Joint')
>>> data.matrix.shape, data.block((0, 1)).tolist()     # two 1x2 blocks and a blank column
((1, 5), [[1.0, 3.0]])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.transforms import Affine2D, ScaledTranslation

from ..errors import FigureError
from ..model.labels import cells_of, split_joint_label
from ..storage.sweeps import FIGURES_FOLDER
from . import style
from .data import HeatmapData, Marker
from .glyphs import outlines, text_collection

#: Outline colour of Agent A's cell in the joint block layout (the reference's red square).
MARKER_COLOR = style.AGENT_COLORS["A"]

#: Smallest font size (points) at which values are still printed in cells.
MIN_ANNOTATION_POINTS = 6.0

#: Blank cells between neighbouring blocks of the joint layout.
BLOCK_GAP = 1


@dataclass(frozen=True)
class GridGeometry:
    """Where each state of a gridworld is drawn.

    Attributes
    ----------
    num_rows, num_cols : int
        Size of the grid (of one agent's positions).
    cells_H : numpy.ndarray
        ``[S, 2]`` (row, col) of each state (of Agent H's position, for a joint state).
    cells_A : numpy.ndarray or None
        ``[S, 2]`` (row, col) of Agent A's position in each joint state; ``None`` for a
        single-agent gridworld.
    """

    num_rows: int
    num_cols: int
    cells_H: np.ndarray  # [S, 2]
    cells_A: np.ndarray | None  # [S, 2] or None

    @classmethod
    def of_states(cls, states: Sequence[str]) -> GridGeometry:
        """Parse gridworld state labels ``'(r, c)'`` or ``'(r, c)_H^(r, c)_A'``.

        Raises
        ------
        ValueError
            Naming the first label that is not a gridworld state (or mixing single and joint).
        """
        states = list(states)
        if not states:
            raise FigureError("a gridworld needs at least one state")
        joint = split_joint_label(states[0]) is not None
        found_H: list[tuple[int, int]] = []
        found_A: list[tuple[int, int]] = []
        for state in states:
            pair = split_joint_label(state)
            coords = cells_of(pair if pair is not None else (state,)) if (pair is not None) == joint else None
            if coords is None or any(min(c) < 0 for c in coords):
                kind = "a joint gridworld state '(r, c)_H^(r, c)_A'" if joint else "a gridworld cell '(r, c)'"
                raise FigureError(f"state {state!r} is not {kind}: the MDP cannot be drawn as a gridworld")
            found_H.append(coords[0])
            if joint:
                found_A.append(coords[1])
        cells_H = np.array(found_H, dtype=np.int64)
        cells_A = np.array(found_A, dtype=np.int64) if joint else None
        everything = cells_H if cells_A is None else np.concatenate([cells_H, cells_A])
        num_rows, num_cols = (everything.max(axis=0) + 1).tolist()
        return cls(int(num_rows), int(num_cols), cells_H, cells_A)

    @property
    def joint(self) -> bool:
        return self.cells_A is not None

    @property
    def num_states(self) -> int:
        return len(self.cells_H)

    def open_cells(self) -> np.ndarray:
        """``[R, C]`` bool: cells some agent can occupy."""
        grid = np.zeros((self.num_rows, self.num_cols), dtype=bool)
        grid[self.cells_H[:, 0], self.cells_H[:, 1]] = True
        if self.cells_A is not None:
            grid[self.cells_A[:, 0], self.cells_A[:, 1]] = True
        return grid

    def single_matrix(self, values: np.ndarray) -> np.ndarray:
        """``[R, C]`` values of a single-agent gridworld, NaN where there is no state."""
        values = np.asarray(values, dtype=np.float64)
        matrix = np.full((self.num_rows, self.num_cols), np.nan)
        matrix[self.cells_H[:, 0], self.cells_H[:, 1]] = values
        return matrix

    def block_matrices(self, values: np.ndarray) -> np.ndarray:
        """``[R, C, R, C]`` values indexed ``[row_A, col_A, row_H, col_H]``, NaN where there is no state."""
        if self.cells_A is None:
            raise FigureError("block_matrices needs a joint gridworld")
        values = np.asarray(values, dtype=np.float64)
        blocks = np.full((self.num_rows, self.num_cols, self.num_rows, self.num_cols), np.nan)
        blocks[self.cells_A[:, 0], self.cells_A[:, 1], self.cells_H[:, 0], self.cells_H[:, 1]] = values
        return blocks

    def positions_of_A(self) -> list[tuple[int, int]]:
        """Agent A's positions that occur, in row-major order."""
        if self.cells_A is None:
            return []
        return sorted({(int(r), int(c)) for r, c in self.cells_A})


def is_gridworld(states: Sequence[str]) -> bool:
    """Whether ``states`` can be drawn as a (single or joint) gridworld."""
    try:
        GridGeometry.of_states(states)
    except ValueError:
        return False
    return True


def choose_value_format(values: np.ndarray) -> str:
    """A format with three significant decimals for the magnitude of ``values``."""
    finite = np.abs(values[np.isfinite(values)])
    largest = float(finite.max()) if finite.size else 0.0
    if largest >= 100:
        return "{:.0f}"
    if largest >= 10:
        return "{:.1f}"
    if largest >= 0.01 or largest == 0:
        return "{:.3f}"
    return "{:.2e}"


def annotation_size(cell_inches: float, widest: int) -> float:
    """Font size (points) at which ``widest`` characters fit in a cell (0 if too small to read)."""
    # A digit is about 0.6 em wide; leave a margin of 15% of the cell.
    size = min(style.FONT_SIZE, 0.85 * cell_inches * 72 / (0.6 * max(widest, 1)))
    return size if size >= MIN_ANNOTATION_POINTS else 0.0


def _norm(values: np.ndarray, vmin: float | None, vmax: float | None) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    low = float(finite.min()) if vmin is None and finite.size else (vmin if vmin is not None else 0.0)
    high = float(finite.max()) if vmax is None and finite.size else (vmax if vmax is not None else 1.0)
    if high <= low:  # a constant picture still needs a non-empty colour range
        low, high = low - 0.5 * max(abs(low), 1e-12), high + 0.5 * max(abs(high), 1e-12)
    return float(low), float(high)


@dataclass(frozen=True)
class _Layout:
    """Inches of a heat-map figure: margins around the image, and the figure size."""

    cell: float
    rows: int
    cols: int
    left: float
    right: float
    top: float
    bottom: float
    min_width: float

    @property
    def image_width(self) -> float:
        return self.cols * self.cell

    @property
    def image_height(self) -> float:
        return self.rows * self.cell

    @property
    def width(self) -> float:
        return max(self.left + self.image_width + self.right, self.min_width)

    @property
    def height(self) -> float:
        return self.top + self.image_height + self.bottom

    @property
    def x0(self) -> float:
        """Left edge of the image (centred when the figure is wider than its content)."""
        return self.left + (self.width - self.left - self.image_width - self.right) / 2


def _layout(shape: tuple[int, int], cell: float, joint: bool, colorbar: bool, title: str) -> _Layout:
    extra = 0.45 if joint else 0.0  # Agent A's row labels right of the image, column labels above it
    return _Layout(
        cell,
        shape[0],
        shape[1],
        left=0.75,
        right=(1.35 if colorbar else 0.4) + extra,
        top=style.title_inches(title) + 0.12 + extra,
        bottom=0.65,
        min_width=6.0 if joint else 5.6,
    )


def _cell_inches(shape: tuple[int, int], blocks: int) -> float:
    """Cell size: a picture of about 7.5 inches, within limits that keep cells legible."""
    largest = max(shape)
    if blocks > 1:  # many blocks: small cells (the colour carries the value)
        return float(np.clip(11.0 / largest, 0.2, 0.62))
    return float(np.clip(7.5 / largest, 0.42 if blocks == 0 else 0.2, 1.1))


def _mosaic(geometry: GridGeometry, values: np.ndarray) -> tuple[np.ndarray, dict, np.ndarray]:
    """The joint block mosaic, each block's origin in it, and each state's (row, col) in it."""
    rows, cols = geometry.num_rows, geometry.num_cols
    cells_A, cells_H = geometry.cells_A, geometry.cells_H
    assert cells_A is not None  # only joint layouts are mosaics
    low = cells_A.min(axis=0)
    span = cells_A.max(axis=0) - low + 1  # only the block rows and columns that occur
    mosaic = np.full((span[0] * (rows + BLOCK_GAP) - BLOCK_GAP, span[1] * (cols + BLOCK_GAP) - BLOCK_GAP), np.nan)
    origin = (cells_A - low) * np.array([rows + BLOCK_GAP, cols + BLOCK_GAP])
    where = origin + cells_H
    mosaic[where[:, 0], where[:, 1]] = values
    origins = {
        (int(r), int(c)): (int(r - low[0]) * (rows + BLOCK_GAP), int(c - low[1]) * (cols + BLOCK_GAP))
        for r, c in geometry.positions_of_A()
    }
    return mosaic, origins, where


def heatmap_data(
    values: np.ndarray,
    states: Sequence[str],
    *,
    title: str,
    colorbar_label: str | None = "POWER (reward units)",
    annotate: bool = True,
    value_format: str | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
    labels: Sequence[str] | None = None,
    markers: Sequence[Marker] = (),
    errors: np.ndarray | None = None,
    geometry: GridGeometry | None = None,
) -> HeatmapData:
    """What a heat map of ``values[S]`` over a single or joint gridworld's ``states`` draws.

    Parameters
    ----------
    values : array ``[S]``
        One number per state, in the order of ``states``.
    states : sequence of str
        Gridworld state labels.
    title : str
        Lines of the form ``'a · b · c'`` are wrapped to the figure's width.
    colorbar_label : str or None
        ``None``: no colour bar.
    annotate : bool
        Print each value in its cell (skipped automatically when cells are too small).
    value_format : str, optional
        Format of printed values, e.g. ``'{:.3f}'``; by default three significant decimals.
    vmin, vmax : float, optional
        Colour range; by default the values' range.
    labels : sequence of str, optional
        Text printed in each state's cell instead of its value.
    markers : sequence of ((row, col), colour, inset)
        Single-agent only: cells to outline with an open square. Joint layouts outline
        Agent A's own cell in each block.
    errors : array ``[S]``, optional
        Standard errors of ``values``, kept with the data.
    geometry : GridGeometry, optional
        Parsed ``states`` (parsed here if not given).

    Returns
    -------
    HeatmapData

    Raises
    ------
    FigureError
        If the states are not gridworld states or ``values`` has the wrong length.
    """
    values = np.asarray(values, dtype=np.float64)
    states = tuple(states)
    if values.shape != (len(states),):
        raise FigureError(f"values have shape {values.shape}, expected ({len(states)},) (one per state)")
    geometry = geometry or GridGeometry.of_states(states)
    if geometry.joint:
        matrix, origins, where = _mosaic(geometry, values)
        cell = _cell_inches(matrix.shape, len(origins))
        rows, cols = geometry.num_rows, geometry.num_cols
        markers = tuple(((r0 + r, c0 + c), MARKER_COLOR, 0.0) for (r, c), (r0, c0) in origins.items())
        title = title + "\nBlocks: Agent A's position (red square); cells: Agent H's position"
    else:
        matrix, origins, where = geometry.single_matrix(values), {}, geometry.cells_H
        cell = _cell_inches(matrix.shape, 0)
        rows, cols = matrix.shape
        markers = tuple(markers)
    norm = _norm(matrix, vmin, vmax)
    texts = None
    if labels is not None:
        texts = [str(label) for label in labels]
    elif annotate:
        value_format = value_format or choose_value_format(matrix)
        texts = [value_format.format(v) for v in values] if np.isfinite(values).any() else None
    font = 0.0
    cell_text = None
    if texts:
        font = annotation_size(cell, max(len(t) for t in texts))
        if labels is not None and font == 0.0:
            font = MIN_ANNOTATION_POINTS  # labels are the point of the picture: print them small
        if font > 0:
            cell_text = np.full(matrix.shape, "", dtype=object)
            cell_text[where[:, 0], where[:, 1]] = texts
            cell_text[~np.isfinite(matrix)] = ""
    layout = _layout(matrix.shape, cell, geometry.joint, colorbar_label is not None, title)
    title = style.fit_title(title, layout.width - 0.3)
    return HeatmapData(
        title=title,
        values=values,
        states=states,
        matrix=matrix,
        block_origins=origins,
        block_shape=(rows, cols),
        norm=norm,
        colorbar_label=colorbar_label,
        cell_text=cell_text,
        font_size=font,
        markers=markers,
        cell_inches=cell,
        errors=None if errors is None else np.asarray(errors, dtype=np.float64),
    )


def _squares(squares: Sequence[tuple[float, float, float, float]]) -> list:
    """Closed outlines of rectangles ``(x, y, width, height)``."""
    return [[(x, y), (x + w, y), (x + w, y + h), (x, y + h), (x, y)] for x, y, w, h in squares]


def _outlines(
    squares: Sequence[tuple[float, float, float, float]], color, linewidth: float, zorder: float = 5
) -> LineCollection:
    """One artist for many open rectangles ``(x, y, width, height)`` (a patch each is ~1 ms)."""
    # Not clipped: outlines on the image's edge would lose their outer half.
    return LineCollection(
        _squares(squares),
        colors=color,
        linewidths=linewidth,
        zorder=zorder,
        capstyle="projecting",
        joinstyle="miter",
        clip_on=False,
    )


def _tick_step(cell_inches: float, font: float) -> int:
    """Label every cell, or every k-th when cells are narrower than a label."""
    return max(1, int(np.ceil(1.6 * font / 72 / cell_inches)))


def _cell_labels(data: HeatmapData, cmap, norm) -> tuple[list[str], list[tuple[int, int]], list[str]]:
    """The printed cells: texts, (x, y) positions, and black or white for each on its colour."""
    cell_text = data.cell_text
    assert cell_text is not None  # called for records that print values
    rows, cols = np.nonzero(cell_text != "")
    values = data.matrix[rows, cols]
    rgba = cmap(norm(np.where(np.isfinite(values), values, norm.vmin)))  # all cells at once
    light = rgba[:, :3] @ np.array([0.299, 0.587, 0.114]) > 0.55
    colors = np.where(light | ~np.isfinite(values), "black", "white").tolist()
    return list(cell_text[rows, cols]), list(zip(cols.tolist(), rows.tolist())), colors


def _marker_gid(color, inset) -> str:
    return f"markers {color} {inset}"


def _marker_squares(markers) -> dict[str, list]:
    """``{collection id: [(x, y, width, height), ...]}``: the outlines of each look (colour, inset)."""
    groups: dict[str, list] = {}
    for (r, c), color, inset in markers:
        groups.setdefault(_marker_gid(color, inset), []).append(
            (c - 0.5 + inset, r - 0.5 + inset, 1 - 2 * inset, 1 - 2 * inset)
        )
    return groups


def _marker_looks(markers) -> list:
    return sorted({(str(color), float(inset)) for _, color, inset in markers})


def draw_heatmap(data: HeatmapData) -> Figure:
    """Draw a :class:`HeatmapData`: one image (the mosaic, for joint layouts), one axes.

    Returns
    -------
    matplotlib.figure.Figure
        On an Agg canvas; the image's pixel size is the figure size times :data:`style.DPI`.
    """
    matrix = data.matrix
    rows, cols = matrix.shape
    layout = _layout(matrix.shape, data.cell_inches, data.joint, data.colorbar_label is not None, data.title)
    width, height = layout.width, layout.height
    figure = style.new_figure(width, height)
    ax = figure.add_axes(
        (layout.x0 / width, layout.bottom / height, layout.image_width / width, layout.image_height / height)
    )
    cmap = style.color_map()
    norm = Normalize(*data.norm)
    image = ax.imshow(
        np.ma.masked_invalid(matrix), cmap=cmap, norm=norm, interpolation="nearest", origin="upper", aspect="auto"
    )
    # Thin white lines between cells make neighbouring equal values distinguishable (blank
    # cells and the gaps between blocks are white too, so the lines vanish there).
    ax.vlines(np.arange(0.5, cols - 1), -0.5, rows - 0.5, colors="white", linewidths=0.6)
    ax.hlines(np.arange(0.5, rows - 1), -0.5, cols - 0.5, colors="white", linewidths=0.6)
    ax.set_xlim(-0.5, cols - 0.5)
    ax.set_ylim(rows - 0.5, -0.5)
    for spine in ax.spines.values():
        spine.set_linewidth(0.6)
    tick_font = float(np.clip(data.cell_inches * 72 * 0.45, 5.0, style.FONT_SIZE - 1))
    step = _tick_step(data.cell_inches, tick_font)
    ax.set_xticks([])
    ax.set_yticks([])
    if data.joint:
        block_rows, block_cols = data.block_shape
        origins = data.block_origins
        for spine in ax.spines.values():  # the blocks have frames; the mosaic needs none
            spine.set_visible(False)
        ax.add_collection(
            _outlines(
                [(c0 - 0.5, r0 - 0.5, block_cols, block_rows) for r0, c0 in origins.values()], "0.55", 0.6, zorder=4
            )
        )
        column_starts = sorted({c0 for _, c0 in origins.values()})
        row_starts = sorted({r0 for r0, _ in origins.values()})
        xs = [(c0 + c, c) for c0 in column_starts for c in range(0, block_cols, step)]
        ys = [(r0 + r, r) for r0 in row_starts for r in range(0, block_rows, step)]
        x_label, y_label = "Agent H's column (within each block)", "Agent H's row (within each block)"
    else:
        xs = [(c, c) for c in range(0, cols, step)]
        ys = [(r, r) for r in range(0, rows, step)]
        x_label, y_label = "column", "row"
    # Agent H's row and column (within each block) along the left and bottom edges: tick marks
    # as one line collection and the numbers as one collection of outlines (glyphs module).
    below, left_of = ax.get_xaxis_transform(), ax.get_yaxis_transform()
    points = figure.dpi_scale_trans

    def shifted(transform, dx_points, dy_points):
        return transform + ScaledTranslation(dx_points / 72, dy_points / 72, points)

    ax.add_collection(
        LineCollection(
            [[(0, 0), (0, -2.5)] for _ in xs],
            colors="black",
            linewidths=0.6,
            offsets=[(x, 0.0) for x, _ in xs],
            offset_transform=below,
            transform=Affine2D().scale(figure.dpi / 72),
            clip_on=False,
        )
    )
    ax.add_collection(
        LineCollection(
            [[(0, 0), (-2.5, 0)] for _ in ys],
            colors="black",
            linewidths=0.6,
            offsets=[(0.0, y) for y, _ in ys],
            offset_transform=left_of,
            transform=Affine2D().scale(figure.dpi / 72),
            clip_on=False,
        )
    )
    text_collection(
        ax,
        [str(c) for _, c in xs],
        [(x, 0.0) for x, _ in xs],
        size=tick_font,
        ha="center",
        va="top",
        transform=shifted(below, 0, -4),
    )
    text_collection(
        ax,
        [str(r) for _, r in ys],
        [(0.0, y) for y, _ in ys],
        size=tick_font,
        ha="right",
        va="center",
        transform=shifted(left_of, -4, 0),
    )
    ax.set_xlabel(x_label, fontsize=style.FONT_SIZE - (1 if data.joint else 0), labelpad=tick_font + 4)
    ax.set_ylabel(y_label, fontsize=style.FONT_SIZE - (1 if data.joint else 0), labelpad=tick_font + 6)
    if data.joint:
        # Agent A's column above each block column, A's row right of each block row.
        label_font = float(np.clip(block_cols * data.cell_inches * 72 / 6, 6.0, style.FONT_SIZE - 1))
        columns_A = {c0: c for (_, c), (_, c0) in origins.items()}
        rows_A = {r0: r for (r, _), (r0, _) in origins.items()}
        text_collection(
            ax,
            [str(c) for c in columns_A.values()],
            [(c0 + (block_cols - 1) / 2, 1.0) for c0 in columns_A],
            size=label_font,
            colors=MARKER_COLOR,
            va="bottom",
            transform=shifted(below, 0, 3),
        )
        text_collection(
            ax,
            [str(r) for r in rows_A.values()],
            [(1.0, r0 + (block_rows - 1) / 2) for r0 in rows_A],
            size=label_font,
            colors=MARKER_COLOR,
            ha="left",
            transform=shifted(left_of, 5, 0),
        )
        ax.text(
            0.5,
            1.004 + 0.24 / layout.image_height,
            "Agent A's column",
            transform=ax.transAxes,
            ha="center",
            va="bottom",
            fontsize=style.FONT_SIZE - 1,
            color=MARKER_COLOR,
        )
        ax.text(
            1.01 + 0.22 / layout.image_width,
            0.5,
            "Agent A's row",
            transform=ax.transAxes,
            ha="left",
            va="center",
            rotation=-90,
            fontsize=style.FONT_SIZE - 1,
            color=MARKER_COLOR,
        )
    if data.markers:
        colours = {_marker_gid(color, inset): color for _, color, inset in data.markers}
        for gid, squares in _marker_squares(data.markers).items():
            ax.add_collection(_outlines(squares, colours[gid], 2.2 if data.joint else 3.5)).set_gid(gid)
    if data.cell_text is not None:
        texts, positions, colors = _cell_labels(data, cmap, norm)
        text_collection(ax, texts, positions, size=data.font_size, colors=colors).set_gid("cells")
    if data.colorbar_label is not None:
        left = layout.x0 + layout.image_width + (0.7 if data.joint else 0.25)
        _add_colorbar(
            figure,
            image,
            (left / width, layout.bottom / height, 0.2 / width, layout.image_height / height),
            data.colorbar_label,
        )
    style.set_title(figure, data.title, 0.1)
    return figure


def _add_colorbar(figure: Figure, image, rect: tuple[float, float, float, float], label: str) -> None:
    # The image is the colour bar's mappable, so a new colour range (update_heatmap) moves both.
    cax = figure.add_axes(rect)
    bar = figure.colorbar(image, cax=cax)
    bar.set_label(label, fontsize=style.FONT_SIZE)
    bar.ax.tick_params(labelsize=style.FONT_SIZE - 1)


def update_heatmap(figure: Figure, previous: HeatmapData, data: HeatmapData) -> bool:
    """Show ``data`` on ``figure`` (drawn from ``previous``) if the layout is the same; whether it was.

    The same layout: image size, blocks, markers, no printed values, a colour bar in both,
    and as many title lines. Then only the image, the colour range (and colour bar), its
    label and the title change.
    """
    same = (
        previous.matrix.shape == data.matrix.shape
        and previous.block_origins == data.block_origins
        and _marker_looks(previous.markers) == _marker_looks(data.markers)
        and len(previous.markers) == len(data.markers)
        and (previous.cell_text is None) == (data.cell_text is None)
        and (previous.colorbar_label is None) == (data.colorbar_label is None)
        and previous.title.count("\n") == data.title.count("\n")
        and previous.cell_inches == data.cell_inches
    )
    if not same:
        return False
    ax = figure.axes[0]
    # The same cells must carry text, in the same size.
    if data.cell_text is not None and (
        data.font_size != previous.font_size or not np.array_equal(data.cell_text != "", previous.cell_text != "")
    ):
        return False
    image = ax.images[0]
    image.set_data(np.ma.masked_invalid(data.matrix))
    image.set_clim(*data.norm)
    if data.colorbar_label is not None:
        assert image.colorbar is not None  # drawn with one (the same layout)
        image.colorbar.set_label(data.colorbar_label, fontsize=style.FONT_SIZE)
    if data.markers != previous.markers:
        groups = _marker_squares(data.markers)
        for collection in ax.collections:
            gid = collection.get_gid()
            if gid in groups and isinstance(collection, LineCollection):
                collection.set_segments(_squares(groups[gid]))
    if data.cell_text is not None:
        texts, positions, colors = _cell_labels(data, image.get_cmap(), image.norm)
        (cells,) = [c for c in ax.collections if c.get_gid() == "cells"]
        cells.set_paths(outlines(texts, data.font_size))
        cells.set_offsets(positions)
        cells.set_facecolor(colors)
    style.set_title(figure, data.title, 0.1)
    return True


def gridworld_heatmap_figure(values: np.ndarray, states: Sequence[str], **options) -> Figure:
    """:func:`draw_heatmap` of :func:`heatmap_data` (same arguments): a heat map as a figure."""
    return draw_heatmap(heatmap_data(values, states, **options))


def view_data(gridworld_mdp) -> HeatmapData:
    """What :func:`view_gridworld` draws: the cells of a gridworld, labelled, or the joint block layout."""
    states = gridworld_mdp.states
    geometry = GridGeometry.of_states(states)
    name = gridworld_mdp.name or ("joint gridworld" if geometry.joint else "gridworld")
    ones = np.ones(len(states))
    if geometry.joint:
        return heatmap_data(
            ones,
            states,
            title=f"{name}: {len(states)} joint states",
            annotate=False,
            vmin=0.0,
            vmax=1.25,
            colorbar_label=None,
            geometry=geometry,
        )
    return heatmap_data(
        ones,
        states,
        title=f"{name}: {len(states)} cells",
        vmin=0.0,
        vmax=1.25,
        labels=[f"({r}, {c})" for r, c in geometry.cells_H],
        colorbar_label=None,
        geometry=geometry,
    )


def view_gridworld(gridworld_mdp, fig_name: str | None = None, output_folder: str | Path = FIGURES_FOLDER) -> Path:
    """Draw a gridworld MDP's layout (the reference's ``view_gridworld``) and save it as a PNG.

    A single-agent gridworld is drawn as one grid with each cell's ``(row, col)`` label;
    removed cells are blank. A joint gridworld uses the block layout: one block per position
    of Agent A (outlined in red), each block showing the cells Agent H can occupy in that
    case (blank where a joint state does not exist, e.g. overlapping positions in a
    no-overlap MDP).

    Parameters
    ----------
    gridworld_mdp : MDP or JointMDP
        Any MDP whose states are gridworld cells (or joint states of cells).
    fig_name : str, optional
        File name (without ``.png``); default ``'gridworld-{MDP name}'``.
    output_folder : str or Path
        Where to save (default ``temp/`` under the working directory).

    Returns
    -------
    Path
        The PNG written.

    Raises
    ------
    FigureError
        If the MDP's states are not gridworld states.

    Examples
    --------
    >>> import tempfile
    >>> from powerplay.model.gridworld import gridworld
    >>> maze = gridworld(3, 4, [['(0, 0)', '(1, 1)']])
    >>> int(np.isnan(view_data(maze).matrix).sum())    # the four deleted cells
    4
    >>> view_gridworld(maze, fig_name='maze', output_folder=tempfile.mkdtemp()).name
    'maze.png'
    """
    data = view_data(gridworld_mdp)
    name = fig_name if fig_name is not None else f"gridworld-{gridworld_mdp.name or 'unnamed'}"
    return style.save_figure(draw_heatmap(data), style.figure_file(output_folder, name))
