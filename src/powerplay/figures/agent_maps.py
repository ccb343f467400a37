"""Heat maps of one agent's POWER over its own cell, for joint gridworlds of any number of agents.

With two agents every joint state fits one picture, the block layout of
:mod:`powerplay.figures.heatmaps`. With three or more there is a block per position of every
other agent, too many to draw, so each agent X gets

* its **averaged map**: X's POWER at each of its cells, averaged over the other agents'
  positions -- *uniformly over the joint states present* with X in that cell (in a joint
  gridworld where agents may not share a cell, the states where another agent stands on X's
  cell do not exist and are not counted);
* **slices**: X's POWER at each of its cells with the other agents held at chosen cells
  (``others={'A': (1, 3), 'B': (2, 2)}``, on the command line ``--others "A=(1, 3),B=(2, 2)"``),
  one joint state per cell; the held agents' cells are outlined in their colours, and cells
  X cannot occupy with them there are blank.

Holding only some of the other agents gives the average over the rest. Every value carries
its standard error: a single state's from the run's moments; an average's from the
delete-a-group jackknife over the run's sample groups (:mod:`powerplay.stats.groups`), which
counts the correlation of the averaged states' noise (for runs written before sample groups
were kept, the mean of the states' standard errors, an upper bound, is given instead).

:func:`agent_map_data` computes the record (:class:`~powerplay.figures.data.HeatmapData` over X's
cells ``'(r, c)'``), drawn by :func:`~powerplay.figures.heatmaps.draw_heatmap`.

Examples
--------
>>> from powerplay.model.gridworld import gridworld, joint_gridworld
>>> joint = joint_gridworld(gridworld(1, 3), agents=('H', 'A', 'B'), interaction='remove')
>>> geometry = AgentGeometry.of_states(joint.states)
>>> geometry.agents, geometry.num_states, (geometry.num_rows, geometry.num_cols)
(('H', 'A', 'B'), 6, (1, 3))
>>> cells, averages, counts = own_cell_means(np.arange(6.0), geometry, 'H')
>>> cells.tolist(), counts.tolist()
([[0, 0], [0, 1], [0, 2]], [2, 2, 2])
>>> parse_others('A=(1, 3), B=(2,2)')
{'A': (1, 3), 'B': (2, 2)}
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import FigureError
from ..model.labels import cells_of, infer_agents, split_joint_label
from ..stats.groups import SampleGroups, jackknife_sem
from ..stats.keys import key_agent
from . import style
from .data import HeatmapData
from .heatmaps import heatmap_data

#: Outline insets of held agents that share a cell (``allow``): each inside the previous one.
MARKER_INSETS = (0.0, 0.14, 0.28, 0.42)

_HELD = re.compile(r"\s*([A-Za-z][A-Za-z0-9]*)\s*=\s*\(\s*(-?\d+)\s*,\s*(-?\d+)\s*\)\s*")


@dataclass(frozen=True)
class AgentGeometry:
    """Where every agent is in each joint state of a joint gridworld.

    Attributes
    ----------
    agents : tuple of str
        In the order of the joint labels.
    num_rows, num_cols : int
        Size of the grid every agent moves on.
    cells : numpy.ndarray
        ``[n, S, 2]`` int64, (row, col) of agent ``k`` in joint state ``s``.
    """

    agents: tuple[str, ...]
    num_rows: int
    num_cols: int
    cells: np.ndarray  # [n, S, 2]

    @classmethod
    def of_states(cls, states: Sequence[str], agents: Sequence[str] | None = None) -> AgentGeometry:
        """Parse joint gridworld labels ``'(r, c)_H^(r, c)_A^(r, c)_B'`` (agents read from the labels if not given).

        Raises
        ------
        FigureError
            Naming the first label that is not a joint gridworld state.
        """
        states = list(states)
        if not states:
            raise FigureError("a gridworld needs at least one state")
        names = tuple(agents) if agents is not None else infer_agents(states[:1])
        if names is None:
            raise FigureError(f"state {states[0]!r} is not a joint gridworld state '(r, c)_H^(r, c)_A^...'")
        found = []
        for state in states:
            parts = split_joint_label(state, names)
            coords = cells_of(parts) if parts is not None else None
            if coords is None or any(min(c) < 0 for c in coords):
                raise FigureError(
                    f"state {state!r} is not a joint gridworld state of agents {', '.join(names)}: "
                    "the MDP cannot be drawn as a gridworld"
                )
            found.append(coords)
        cells = np.array(found, dtype=np.int64).transpose(1, 0, 2)  # [n, S, 2]
        num_rows, num_cols = (cells.reshape(-1, 2).max(axis=0) + 1).tolist()
        return cls(names, int(num_rows), int(num_cols), cells)

    @property
    def num_states(self) -> int:
        return int(self.cells.shape[1])

    def index(self, agent: str) -> int:
        """Position of ``agent`` in :attr:`agents`.

        Raises
        ------
        FigureError
            Naming the agents there are.
        """
        if agent not in self.agents:
            raise FigureError(f"no Agent {agent!r} in this gridworld (agents: {', '.join(self.agents)})")
        return self.agents.index(agent)

    def flat(self, agent: str) -> np.ndarray:
        """``[S]`` the cell of ``agent`` in each state as ``row * num_cols + col``."""
        cells = self.cells[self.index(agent)]
        return cells[:, 0] * self.num_cols + cells[:, 1]

    def positions(self, agent: str) -> list[tuple[int, int]]:
        """The cells ``agent`` occupies in some state, in row-major order."""
        return sorted({(int(r), int(c)) for r, c in self.cells[self.index(agent)]})

    def held(self, agent: str, others: Mapping[str, tuple[int, int]] | None) -> dict[str, tuple[int, int]]:
        """The held positions that apply to ``agent``'s map: those of the *other* agents, in agent order.

        Raises
        ------
        FigureError
            For an unknown agent, or a cell where that agent never is.
        """
        out = {}
        for other in self.agents:
            if other == agent or not others or other not in others:
                continue
            cell = (int(others[other][0]), int(others[other][1]))
            if cell not in self.positions(other):
                raise FigureError(
                    f"Agent {other} is never at {cell} in this gridworld (it moves on {self.num_rows}x{self.num_cols} "
                    f"cells, e.g. {self.positions(other)[0]})"
                )
            out[other] = cell
        for name in others or {}:
            self.index(name)
        return out

    def mask(self, held: Mapping[str, tuple[int, int]]) -> np.ndarray:
        """``[S]`` bool: the states in which every held agent is at its cell."""
        keep = np.ones(self.num_states, dtype=bool)
        for agent, (row, col) in held.items():
            keep &= self.flat(agent) == row * self.num_cols + col
        return keep


def is_agents_gridworld(states: Sequence[str], minimum: int = 3) -> bool:
    """Whether ``states`` are the joint states of a gridworld of at least ``minimum`` agents."""
    try:
        return len(AgentGeometry.of_states(states).agents) >= minimum
    except FigureError:
        return False


def parse_others(text: str | Mapping[str, Sequence[int]] | None) -> dict[str, tuple[int, int]]:
    """Held positions from ``'A=(1, 3),B=(2, 2)'`` (or a mapping), in the order given.

    Raises
    ------
    FigureError
        Saying what the text should look like, or naming an agent given twice.
    """
    if text is None:
        return {}
    if isinstance(text, Mapping):
        items = [(str(k), tuple(v)) for k, v in text.items()]
    else:
        items = []
        rest = str(text).strip()
        while rest:
            match = _HELD.match(rest)
            if match is None:
                raise FigureError(f"--others: cannot read {rest[:40]!r}; give agents' cells as 'A=(1, 3),B=(2, 2)'")
            items.append((match.group(1), (int(match.group(2)), int(match.group(3)))))
            rest = rest[match.end() :]
            if rest.startswith(","):
                rest = rest[1:]
                if not rest.strip():
                    raise FigureError("--others: a ',' with no agent after it")
            elif rest:
                raise FigureError(f"--others: expected ',' before {rest[:40]!r}")
    out: dict[str, tuple[int, int]] = {}
    for agent, cell in items:
        if agent in out:
            raise FigureError(f"--others: Agent {agent} is given twice")
        if len(cell) != 2:
            raise FigureError(f"--others: Agent {agent}'s cell must be (row, col), got {cell}")
        out[agent] = (int(cell[0]), int(cell[1]))
    return out


def held_text(held: Mapping[str, tuple[int, int]]) -> str:
    """``'A at (1, 3), B at (2, 2)'``."""
    return ", ".join(f"{agent} at ({r}, {c})" for agent, (r, c) in held.items())


def held_token(held: Mapping[str, tuple[int, int]]) -> str:
    """A file-name part: ``'others_A_1_3_B_2_2'``."""
    return "others_" + "_".join(f"{agent}_{r}_{c}" for agent, (r, c) in held.items())


def own_cell_means(
    values: np.ndarray, geometry: AgentGeometry, agent: str, mask: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Averages of ``values[..., S]`` over the (selected) states with ``agent`` in each of its cells.

    Parameters
    ----------
    values : array ``[..., S]``
    geometry : AgentGeometry
    agent : str
    mask : array ``[S]`` of bool, optional
        The states to average over (default all).

    Returns
    -------
    cells : numpy.ndarray
        ``[K, 2]`` the cells (row, col) with at least one selected state, row-major.
    averages : numpy.ndarray
        ``[..., K]`` the uniform average over those states.
    counts : numpy.ndarray
        ``[K]`` how many states each average is over.
    """
    values = np.asarray(values, dtype=np.float64)
    flat = geometry.flat(agent)
    if mask is not None:
        values, flat = values[..., mask], flat[mask]
    if flat.size == 0:
        return np.zeros((0, 2), dtype=np.int64), np.zeros(values.shape[:-1] + (0,)), np.zeros(0, dtype=np.int64)
    order = np.argsort(flat, kind="stable")
    unique, starts, counts = np.unique(flat[order], return_index=True, return_counts=True)
    sums = np.add.reduceat(values[..., order], starts, axis=-1)
    cells = np.stack([unique // geometry.num_cols, unique % geometry.num_cols], axis=1)
    return cells, sums / counts, counts


@dataclass(frozen=True)
class AgentMap:
    """One agent's POWER over its own cells (averaged over, or with some of, the others held).

    Attributes
    ----------
    agent : str
    held : dict
        Other agents held at a cell (empty: averaged over every other agent's position).
    cells : numpy.ndarray
        ``[K, 2]`` (row, col) of the agent's cells that have a state.
    values, errors : numpy.ndarray
        ``[K]`` the (averaged) POWER and its standard error (NaN where undefined).
    counts : numpy.ndarray
        ``[K]`` joint states averaged in each cell (1 for a full slice).
    error_kind : str
        ``'exact'`` (single states: the moments'), ``'jackknife'`` (averages: over the sample
        groups) or ``'bound'`` (the mean of the states' errors, an upper bound: no groups).
    states : tuple of str
        For cells of a single state, that state's label (else ``''``).
    """

    agent: str
    held: dict[str, tuple[int, int]]
    cells: np.ndarray
    values: np.ndarray
    errors: np.ndarray
    counts: np.ndarray
    error_kind: str
    states: tuple[str, ...]

    @property
    def labels(self) -> tuple[str, ...]:
        """``'(r, c)'`` of each cell."""
        return tuple(f"({r}, {c})" for r, c in self.cells.tolist())


def agent_map(
    means: np.ndarray,
    sems: np.ndarray,
    states: Sequence[str],
    agent: str,
    *,
    key: str | None = None,
    held: Mapping[str, tuple[int, int]] | None = None,
    groups: SampleGroups | None = None,
    geometry: AgentGeometry | None = None,
) -> AgentMap:
    """``agent``'s map of a POWER key's per-state ``means`` and ``sems`` (see module notes).

    Parameters
    ----------
    means, sems : array ``[S]``
    states : sequence of str
    agent : str
        Whose cells the map is over.
    key : str, optional
        The POWER key of ``means`` in ``groups`` (default ``agent``).
    held : mapping, optional
        Other agents held at cells (:meth:`AgentGeometry.held` applies).
    groups : SampleGroups, optional
        The run's sample groups, for the errors of averages.
    geometry : AgentGeometry, optional

    Raises
    ------
    FigureError
        For an unknown agent, a held cell the agent never has, or held positions with no state.
    """
    geometry = geometry or AgentGeometry.of_states(states)
    held = geometry.held(agent, held)
    mask = geometry.mask(held) if held else None
    cells, values, counts = own_cell_means(means, geometry, agent, mask)
    if len(cells) == 0:
        raise FigureError(f"no joint state has {held_text(held)}")
    selected = np.flatnonzero(mask) if mask is not None else np.arange(geometry.num_states)
    single = counts == 1
    errors = np.full(len(cells), np.nan)
    labels = [""] * len(cells)
    if single.any():
        # A cell of one state: that state's own mean and standard error.
        flat = geometry.flat(agent)[selected]
        where = {int(f): int(s) for f, s in zip(flat, selected)}
        for k in np.flatnonzero(single):
            state = where[int(cells[k, 0] * geometry.num_cols + cells[k, 1])]
            errors[k] = float(np.asarray(sems)[state])
            labels[k] = states[state]
    kind = "exact"
    if not single.all():
        key = key or agent
        many = ~single
        if groups is not None and key in groups.means and groups.size >= 2:
            kind = "jackknife"
            _, totals, _ = own_cell_means(groups.totals()[key], geometry, agent, mask)
            _, replicates, _ = own_cell_means(groups.leave_one_out()[key], geometry, agent, mask)
            for k in np.flatnonzero(many):
                errors[k] = jackknife_sem(float(totals[k]), replicates[:, k], groups.counts)
        else:
            kind = "bound"
            _, bound, _ = own_cell_means(sems, geometry, agent, mask)
            errors[many] = bound[many]
    return AgentMap(agent, dict(held), cells, values, errors, counts, kind, tuple(labels))


def _markers(held: Mapping[str, tuple[int, int]], agents: Sequence[str]) -> tuple:
    seen: dict[tuple[int, int], int] = {}
    markers = []
    for other, cell in held.items():
        depth = seen.get(cell, 0)
        seen[cell] = depth + 1
        markers.append((cell, style.agent_color(other, agents), MARKER_INSETS[min(depth, len(MARKER_INSETS) - 1)]))
    return tuple(markers)


def agent_map_data(
    item: AgentMap,
    geometry: AgentGeometry,
    *,
    quantity: str | None = None,
    label: style.RunLabel | None = None,
    num_samples: int | None = None,
    colorbar_label: str = "POWER (mean over samples) (reward units)",
) -> HeatmapData:
    """The heat map record of an :class:`AgentMap` (over the agent's cells, with the held agents outlined).

    Parameters
    ----------
    item : AgentMap
    geometry : AgentGeometry
    quantity : str, optional
        What is mapped (default ``'POWER of Agent X'``).
    label : RunLabel, optional
        The run, for the title.
    num_samples : int, optional
    colorbar_label : str
    """
    agent = item.agent
    quantity = quantity or f"POWER of Agent {agent}"
    others = [a for a in geometry.agents if a != agent]
    free = [a for a in others if a not in item.held]
    if not item.held:
        first = f"{quantity} at its own cell, averaged over the positions of {', '.join(others)}"
    else:
        squares = ", ".join(
            f"{a} {style.COLOR_NAMES.get(style.agent_color(a, geometry.agents), '')}".rstrip() for a in item.held
        )
        first = f"{quantity} with {held_text(item.held)} (squares: {squares})"
        if free:
            first += f", averaged over the positions of {', '.join(free)}"
    notes = []
    if free:
        notes.append("uniformly over the joint states present")
    finite = item.errors[np.isfinite(item.errors)]
    if finite.size and (num_samples is None or num_samples > 1):
        bound = "at most " if item.error_kind == "bound" else ""
        notes.append(f"largest standard error {bound}{np.max(finite):.2g}")
    title = first + (f" ({'; '.join(notes)})" if notes else "")
    if label is not None:
        title += f"\n{label.describe()}"
    return heatmap_data(
        item.values,
        item.labels,
        title=title,
        colorbar_label=colorbar_label,
        errors=item.errors,
        markers=_markers(item.held, geometry.agents),
        geometry=_grid(geometry, item),
    )


def power_map_records(
    run,
    *,
    keys: Sequence[str] | None = None,
    others: str | Mapping[str, Sequence[int]] | None = None,
    label: style.RunLabel | None = None,
    geometry: AgentGeometry | None = None,
) -> list[tuple[str, HeatmapData]]:
    """The POWER maps of a run's agents: each key's averaged map, then (agents only) its slice.

    Parameters
    ----------
    run : StoredRun or RunResult
    keys : sequence of str, optional
        POWER keys (default the run's agents); a diagnostic is mapped over its agent's cells.
    others : str or mapping, optional
        Held positions (:func:`parse_others`): a slice for every agent with another agent held.
    label : RunLabel, optional
        Default: the run's.
    geometry : AgentGeometry, optional

    Returns
    -------
    list of (str, HeatmapData)
        ``('POWER_means-agent_{key}', ...)`` and ``('POWER_means-agent_{agent}-others_A_1_3...', ...)``.

    Raises
    ------
    FigureError
        For states that are not a joint gridworld's, or a held position that does not exist.
    """
    geometry = geometry or AgentGeometry.of_states(run.states)
    label = label if label is not None else style.RunLabel.from_run(run)
    wanted = parse_others(others)
    out = []
    for key in keys if keys is not None else run.summary.agents:
        owner = key_agent(key) or key
        quantity = f"POWER of Agent {key}" if key == owner else style.power_key_name(key)
        means, sems = run.power_mean(key), run.power_sem(key)
        maps = [agent_map(means, sems, run.states, owner, key=key, groups=run.summary.paired, geometry=geometry)]
        held = geometry.held(owner, wanted) if key == owner and wanted else {}
        if held:
            maps.append(
                agent_map(
                    means, sems, run.states, owner, key=key, held=held, groups=run.summary.paired, geometry=geometry
                )
            )
        for item in maps:
            prefix = f"POWER_means-agent_{key}" + (f"-{held_token(item.held)}" if item.held else "")
            out.append(
                (prefix, agent_map_data(item, geometry, quantity=quantity, label=label, num_samples=run.num_samples))
            )
    return out


def visualize_agent_maps(
    sweep_id,
    run_suffix: str = "",
    others: str | Mapping[str, Sequence[int]] | None = None,
    folder: str | Path = "expts",
    output_folder: str | Path = "temp",
) -> list[Path]:
    """Draw every agent's POWER map of one run of a joint-gridworld sweep (two or more agents):
    averaged over the other agents' positions, and with the ``others`` held at cells.

    Parameters
    ----------
    sweep_id : str, int, Path or StoredSweep
    run_suffix : str
        Which run (``''``: an unswept sweep's only run).
    others : str or mapping, optional
        ``'A=(1, 3),B=(2, 2)'`` (:func:`parse_others`).
    folder, output_folder : str or Path

    Returns
    -------
    list of Path
        ``{output}/POWER_means-agent_{X}[-others_...]-{run folder}.png``.
    """
    from ..storage.sweeps import load_sweep
    from .render import save_all

    sweep = sweep_id if hasattr(sweep_id, "runs") else load_sweep(sweep_id, folder)
    run = sweep.run(run_suffix)
    records = power_map_records(run, others=others)
    out = Path(output_folder)
    return save_all(
        [(data, out / f"{style.file_token(prefix)}-{style.safe_filename(run.name)}.png") for prefix, data in records]
    )


def _grid(geometry: AgentGeometry, item: AgentMap):
    """The single-grid geometry of the map's cells, on the whole grid (so every map of a run has one size)."""
    from .heatmaps import GridGeometry

    return GridGeometry(geometry.num_rows, geometry.num_cols, np.asarray(item.cells, dtype=np.int64), None)


__all__ = [
    "AgentGeometry",
    "AgentMap",
    "agent_map",
    "agent_map_data",
    "held_text",
    "held_token",
    "is_agents_gridworld",
    "own_cell_means",
    "parse_others",
    "power_map_records",
    "visualize_agent_maps",
]
