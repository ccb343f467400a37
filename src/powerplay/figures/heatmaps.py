"""Gridworld heat maps: one value per cell, for single-agent and two-agent (joint) gridworlds.

Single-agent gridworld
    One heat map, row 0 at the top like the reference tool, the value printed in each cell,
    deleted cells blank.

Joint (two-agent) gridworld -- the reference's block layout
    One *block* per position of Agent A, the blocks arranged as the grid itself (the block
    of A at ``(r, c)`` sits in row ``r``, column ``c`` of blocks). Each block is a heat map
    over Agent H's position, with A's own cell outlined by an open red square. Joint states
    that do not exist (for example where the agents would overlap, in a no-overlap MDP) are
    blank. All blocks share one colour scale and one colour bar. This layout is used for
    *both* agents' quantities: the figure of Agent A's POWER is indexed the same way.

Every figure returned here carries the numbers it was drawn from in ``figure.plotted``
(a dict), so tests and users can check a picture against the results.

Examples
--------
>>> from powerplay.model.gridworld import gridworld
>>> grid = gridworld(2, 3)
>>> geometry = GridGeometry.of_states(grid.states)
>>> geometry.single_matrix(np.arange(6.0)).tolist()
[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
>>> figure = gridworld_heatmap_figure(np.arange(6.0), grid.states, title='Example')
>>> figure.plotted['matrix'].shape
(2, 3)
"""

from __future__ import annotations

from ..errors import FigureError

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..model.labels import cell_coordinates, split_joint_label
from . import style

#: Outline colour of Agent A's cell in the joint block layout (the reference's red square).
MARKER_COLOR = style.AGENT_COLORS["A"]

#: Smallest font size (points) at which values are still printed in cells.
MIN_ANNOTATION_POINTS = 6.0


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
    def of_states(cls, states: Sequence[str]) -> "GridGeometry":
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
        cells_H, cells_A = [], []
        for state in states:
            pair = split_joint_label(state)
            parts = pair if joint else (state,)
            coords = [cell_coordinates(part) for part in parts] if (pair is not None) == joint else [None]
            if any(c is None or min(c) < 0 for c in coords):
                kind = "a joint gridworld state '(r, c)_H^(r, c)_A'" if joint else "a gridworld cell '(r, c)'"
                raise FigureError(f"state {state!r} is not {kind}: the MDP cannot be drawn as a gridworld")
            cells_H.append(coords[0])
            if joint:
                cells_A.append(coords[1])
        cells_H = np.array(cells_H, dtype=np.int64)
        cells_A = np.array(cells_A, dtype=np.int64) if joint else None
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


def annotation_size(cell_inches: float, value_format: str, values: np.ndarray) -> float:
    """Font size (points) at which the widest printed value fits in a cell (0 if too small)."""
    finite = values[np.isfinite(values)]
    widest = max((len(value_format.format(v)) for v in finite[:: max(1, finite.size // 200)]), default=1)
    # A digit is about 0.6 em wide; leave a margin of 15% of the cell.
    size = min(style.FONT_SIZE, 0.85 * cell_inches * 72 / (0.6 * widest))
    return size if size >= MIN_ANNOTATION_POINTS else 0.0


def draw_cells(
    ax: Axes,
    matrix: np.ndarray,
    norm: Normalize,
    value_format: str | None,
    font_size: float,
    labels: np.ndarray | None = None,
) -> None:
    """Draw ``matrix`` ``[R, C]`` as a heat map (row 0 on top), printing each finite value.

    ``labels`` (``[R, C]`` of str) replaces the printed values when given.
    """
    cmap = style.color_map()
    ax.imshow(np.ma.masked_invalid(matrix), cmap=cmap, norm=norm, interpolation="nearest", origin="upper", aspect="equal")
    rows, cols = matrix.shape
    # Thin white lines between cells make neighbouring equal values distinguishable (drawn
    # as two line collections: far cheaper than minor ticks with a grid).
    ax.vlines(np.arange(0.5, cols - 1), -0.5, rows - 0.5, colors="white", linewidths=0.6)
    ax.hlines(np.arange(0.5, rows - 1), -0.5, cols - 0.5, colors="white", linewidths=0.6)
    ax.set_xlim(-0.5, cols - 0.5)
    ax.set_ylim(rows - 0.5, -0.5)
    for spine in ax.spines.values():
        spine.set_linewidth(0.6)
    if font_size <= 0 or (value_format is None and labels is None):
        return
    for r, c in zip(*np.nonzero(np.isfinite(matrix))):
        text = labels[r, c] if labels is not None else value_format.format(matrix[r, c])
        ax.text(c, r, text, ha="center", va="center", fontsize=font_size, color=style.text_color_for(cmap(norm(matrix[r, c]))))


def _norm(values: np.ndarray, vmin: float | None, vmax: float | None) -> Normalize:
    finite = values[np.isfinite(values)]
    low = float(finite.min()) if vmin is None and finite.size else (vmin if vmin is not None else 0.0)
    high = float(finite.max()) if vmax is None and finite.size else (vmax if vmax is not None else 1.0)
    if high <= low:  # a constant picture still needs a non-empty colour range
        low, high = low - 0.5 * max(abs(low), 1e-12), high + 0.5 * max(abs(high), 1e-12)
    return Normalize(low, high)


def _set_cell_ticks(ax: Axes, rows: int, cols: int, show_x: bool, show_y: bool, size: float) -> None:
    # Ticks are costly to create; blocks inside a joint layout get none.
    ax.set_xticks(range(cols) if show_x else [])
    ax.set_yticks(range(rows) if show_y else [])
    ax.tick_params(axis="both", which="major", labelsize=size, length=2, pad=1)


def _title_room(title: str) -> float:
    """Inches above the axes for a title of this many lines."""
    return 0.35 + 0.21 * (title.count("\n") + 1)


def _add_colorbar(figure: Figure, norm: Normalize, rect: Sequence[float], label: str) -> None:
    from matplotlib.cm import ScalarMappable

    cax = figure.add_axes(rect)
    bar = figure.colorbar(ScalarMappable(norm=norm, cmap=style.color_map()), cax=cax)
    bar.set_label(label, fontsize=style.FONT_SIZE)
    bar.ax.tick_params(labelsize=style.FONT_SIZE - 1)


def single_heatmap_figure(
    values: np.ndarray,
    geometry: GridGeometry,
    *,
    title: str,
    colorbar_label: str = "POWER (reward units)",
    annotate: bool = True,
    value_format: str | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
    labels: np.ndarray | None = None,
    markers: Sequence[tuple[tuple[int, int], str, float]] = (),
    show_colorbar: bool = True,
) -> Figure:
    """Heat map of a single-agent gridworld (``values[S]`` in ``geometry``'s state order).

    ``markers`` are ``((row, col), colour, inset)``: cells to outline with an open square
    shrunk by ``inset`` on each side (used by the rollout to show where the agents are).
    """
    matrix = geometry.single_matrix(values)
    rows, cols = matrix.shape
    cell = float(np.clip(7.5 / max(rows, cols), 0.42, 1.1))
    width_axes, height_axes = cols * cell, rows * cell
    left, right, top, bottom = 0.75, (1.35 if show_colorbar else 0.4), _title_room(title), 0.65
    width = max(width_axes + left + right, 5.6)
    height = height_axes + top + bottom
    figure = style.new_figure(width, height)
    x0 = (width - width_axes - right + left) / 2
    ax = figure.add_axes([x0 / width, bottom / height, width_axes / width, height_axes / height])
    norm = _norm(matrix, vmin, vmax)
    value_format = value_format or choose_value_format(matrix)
    font = annotation_size(cell, value_format, matrix) if (annotate or labels is not None) else 0.0
    if labels is not None:
        font = min(style.FONT_SIZE, 0.85 * cell * 72 / (0.6 * max(len(str(s)) for s in labels.ravel())))
    draw_cells(ax, matrix, norm, value_format, font, labels=labels)
    tick_size = style.FONT_SIZE - 1 if max(rows, cols) <= 12 else style.FONT_SIZE - 3
    _set_cell_ticks(ax, rows, cols, True, True, tick_size)
    ax.set_xlabel("column", fontsize=style.FONT_SIZE)
    ax.set_ylabel("row", fontsize=style.FONT_SIZE)
    for (r, c), color, inset in markers:
        ax.add_patch(Rectangle((c - 0.5 + inset, r - 0.5 + inset), 1 - 2 * inset, 1 - 2 * inset, fill=False,
                               edgecolor=color, linewidth=3.5, zorder=5))
    if show_colorbar:
        _add_colorbar(figure, norm, [(x0 + width_axes + 0.25) / width, bottom / height, 0.2 / width, height_axes / height], colorbar_label)
    figure.suptitle(title, fontsize=style.FONT_SIZE + 1, y=1 - 0.12 / height, va="top")
    figure.plotted = {"kind": "gridworld", "matrix": matrix, "norm": (norm.vmin, norm.vmax)}
    return figure


def joint_heatmap_figure(
    values: np.ndarray,
    geometry: GridGeometry,
    *,
    title: str,
    colorbar_label: str = "POWER (reward units)",
    annotate: bool = True,
    value_format: str | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
    show_colorbar: bool = True,
) -> Figure:
    """The block layout of a joint gridworld (see module notes) for ``values[S]``."""
    blocks = geometry.block_matrices(values)
    rows, cols = geometry.num_rows, geometry.num_cols
    positions_A = geometry.positions_of_A()
    open_A = np.zeros((rows, cols), dtype=bool)
    for r, c in positions_A:
        open_A[r, c] = True
    # Cell size: keep the whole figure within ~16 inches while cells stay legible.
    cell = float(np.clip(14.0 / (max(rows, cols) ** 2 + 1.6 * max(rows, cols)), 0.27, 0.62))
    block_w, block_h = cols * cell, rows * cell
    gap_x, gap_y = 0.28, 0.42  # room for tick labels and block titles
    left, right, top, bottom = 0.6, (1.35 if show_colorbar else 0.3), _title_room(title) + 0.25, 0.55
    grid_w = cols * block_w + (cols - 1) * gap_x
    grid_h = rows * block_h + (rows - 1) * gap_y
    width = max(left + grid_w + right, 6.0)
    height = top + grid_h + bottom
    figure = style.new_figure(width, height)
    norm = _norm(blocks, vmin, vmax)
    value_format = value_format or choose_value_format(blocks)
    font = annotation_size(cell, value_format, blocks) if annotate else 0.0
    tick_size = min(style.FONT_SIZE - 2, max(5.0, cell * 72 * 0.45))
    title_size = min(style.FONT_SIZE - 1, max(6.0, block_w * 72 / 13))
    x_origin = left + (width - left - right - grid_w) / 2
    axes_of_A: dict[tuple[int, int], Axes] = {}
    for r, c in positions_A:
        x = x_origin + c * (block_w + gap_x)
        y = bottom + (rows - 1 - r) * (block_h + gap_y)
        ax = figure.add_axes([x / width, y / height, block_w / width, block_h / height])
        draw_cells(ax, blocks[r, c], norm, value_format, font)
        # Tick labels only on the outer edge of the block arrangement.
        show_y = not open_A[r, :c].any()
        show_x = not open_A[r + 1 :, c].any()
        _set_cell_ticks(ax, rows, cols, show_x, show_y, tick_size)
        ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, edgecolor=MARKER_COLOR, linewidth=2.2, zorder=5))
        ax.set_title(f"Agent A at ({r}, {c})", fontsize=title_size, pad=2)
        axes_of_A[(r, c)] = ax
    figure.text(x_origin / width + grid_w / width / 2, 0.12 / height, "Agent H's column (within each block)",
                ha="center", va="bottom", fontsize=style.FONT_SIZE - 1)
    figure.text(0.12 / width, (bottom + grid_h / 2) / height, "Agent H's row (within each block)",
                ha="left", va="center", rotation=90, fontsize=style.FONT_SIZE - 1)
    if show_colorbar:
        _add_colorbar(figure, norm, [(x_origin + grid_w + 0.3) / width, bottom / height, 0.2 / width, grid_h / height], colorbar_label)
    figure.suptitle(title + "\nBlocks: Agent A's position (red square); cells: Agent H's position",
                    fontsize=style.FONT_SIZE + 1, y=1 - 0.1 / height, va="top")
    figure.plotted = {
        "kind": "joint_gridworld",
        "blocks": {pos: blocks[pos] for pos in positions_A},
        "axes": axes_of_A,
        "norm": (norm.vmin, norm.vmax),
    }
    return figure


def gridworld_heatmap_figure(
    values: np.ndarray,
    states: Sequence[str],
    *,
    title: str,
    colorbar_label: str = "POWER (reward units)",
    annotate: bool = True,
    value_format: str | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
) -> Figure:
    """Heat map of ``values[S]`` over a single or joint gridworld's ``states``.

    Parameters
    ----------
    values : array ``[S]``
        One number per state, in the order of ``states``.
    states : sequence of str
        Gridworld state labels.
    title : str
    colorbar_label : str
    annotate : bool
        Print each value in its cell (skipped automatically when cells are too small).
    value_format : str, optional
        Format of printed values, e.g. ``'{:.3f}'``; by default three decimals.
    vmin, vmax : float, optional
        Colour range; by default the values' range.

    Returns
    -------
    matplotlib.figure.Figure
        With ``figure.plotted`` holding the drawn matrix (``'matrix'``) or blocks
        (``'blocks'``: ``{(row_A, col_A): [R, C] matrix over H's position}``).

    Raises
    ------
    ValueError
        If the states are not gridworld states or ``values`` has the wrong length.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.shape != (len(states),):
        raise FigureError(f"values have shape {values.shape}, expected ({len(states)},) (one per state)")
    geometry = GridGeometry.of_states(states)
    draw = joint_heatmap_figure if geometry.joint else single_heatmap_figure
    return draw(values, geometry, title=title, colorbar_label=colorbar_label, annotate=annotate,
                value_format=value_format, vmin=vmin, vmax=vmax)


def view_gridworld(gridworld_mdp, fig_name: str | None = None, output_folder: str | Path = "temp") -> Figure:
    """Draw a gridworld MDP's layout (the reference's ``view_gridworld``).

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
        If given, also save the figure as ``{output_folder}/{fig_name}.png``.
    output_folder : str or Path
        Where to save (default ``temp/`` under the working directory).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If the MDP's states are not gridworld states.

    Examples
    --------
    >>> from powerplay.model.gridworld import gridworld
    >>> figure = view_gridworld(gridworld(3, 4, [['(0, 0)', '(1, 1)']]))
    >>> int(np.isnan(figure.plotted['matrix']).sum())    # the four deleted cells
    4
    """
    states = gridworld_mdp.states
    geometry = GridGeometry.of_states(states)
    name = gridworld_mdp.name or ("joint gridworld" if geometry.joint else "gridworld")
    ones = np.ones(len(states))
    if geometry.joint:
        figure = joint_heatmap_figure(
            ones, geometry, title=f"{name}: {len(states)} joint states", annotate=False, vmin=0.0, vmax=1.25,
            show_colorbar=False,
        )
    else:
        labels = np.empty((geometry.num_rows, geometry.num_cols), dtype=object)
        for (r, c) in geometry.cells_H:
            labels[r, c] = f"({r}, {c})"
        figure = single_heatmap_figure(
            ones, geometry, title=f"{name}: {len(states)} cells", vmin=0.0, vmax=1.25, labels=labels, show_colorbar=False,
        )
    if fig_name is not None:
        style.save_figure(figure, Path(output_folder) / fig_name)
    return figure
