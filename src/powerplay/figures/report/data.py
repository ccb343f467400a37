"""What a sweep report shows, gathered from a stored sweep as plain numbers (no plotting here).

:func:`gather_report_data` reads, for every finished run of a sweep, only its statistics:
``run.json`` (timing, versions, seed, convergence, α_HA statistics), ``run.yaml`` and the
per-state POWER means and standard errors (:class:`~powerplay.stats.summary.RunSummary`,
from ``summary.npz``). Per-sample arrays are never read, so a report works for runs that
did not keep their samples.

The result, :class:`ReportData`, is what :mod:`powerplay.figures.report.page` draws; it is
also convenient for checking a report's numbers in tests.

Examples
--------
>>> import numpy as np
>>> ranks_descending(np.array([0.2, 0.9, 0.5, 0.9])).tolist()   # 1 = highest; ties share the best rank
[4, 1, 3, 1]
>>> block_layout_positions(np.array([[0, 1]]), np.array([[1, 0]]), num_rows=2, num_cols=2)
(array([1.]), array([3.]))
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeGuard

import numpy as np

from ...errors import FigureError
from ...scenario import Scenario, parameters
from ...stats.keys import pair_tags, pairs_of
from ...stats.rounds import RoundsTotals
from ...storage.sweeps import DEFAULT_FOLDER, StoredSweep, load_sweep
from ..agent_maps import AgentGeometry
from ..heatmaps import BLOCK_GAP, GridGeometry, is_gridworld

#: Agents whose POWER a report shows when runs have only these (diagnostic keys are left to
#: the per-run figures; runs of more agents show every agent).
REPORT_KEYS = ("H", "A")


def ranks_descending(values: np.ndarray) -> np.ndarray:
    """Rank of each value, 1 for the largest; equal values share the best (smallest) rank."""
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values), dtype=np.int64)
    sorted_values = values[order]
    # A value's rank is one more than the number of values strictly larger than it.
    first = np.searchsorted(-sorted_values, -sorted_values, side="left")
    ranks[order] = first + 1
    return ranks


def block_layout_positions(
    cells_H: np.ndarray, cells_A: np.ndarray | None, num_rows: int, num_cols: int
) -> tuple[np.ndarray, np.ndarray]:
    """Plot coordinates ``(x, y)`` of each state's cell (``y`` grows downwards, row 0 on top).

    A single-agent cell ``(r, c)`` sits at ``x = c``, ``y = r``. A joint state sits in the
    block of Agent A's position (blocks arranged as the grid,
    :data:`~powerplay.figures.heatmaps.BLOCK_GAP` cells apart),
    at Agent H's position within the block -- the layout of
    :mod:`powerplay.figures.heatmaps`.
    """
    cells_H = np.asarray(cells_H)
    if cells_A is None:
        return cells_H[:, 1].astype(np.float64), cells_H[:, 0].astype(np.float64)
    cells_A = np.asarray(cells_A)
    x = cells_A[:, 1] * (num_cols + BLOCK_GAP) + cells_H[:, 1]
    y = cells_A[:, 0] * (num_rows + BLOCK_GAP) + cells_H[:, 0]
    return x.astype(np.float64), y.astype(np.float64)


def parameter_label(param: str) -> str:
    """``'γ (discount_rate)'`` for parameters with a symbol (the parameter registry's), the name otherwise."""
    found = parameters.find_parameter(param)
    return f"{found.symbol} ({param})" if found is not None and found.symbol else param


def format_value(value: Any) -> str:
    """A parameter value for labels: numbers with up to 6 significant digits."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return f"{value:.6g}"


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class RunData:
    """The statistics of one finished run, as the report shows them.

    Attributes
    ----------
    index : int
        Position among the sweep's finished runs.
    suffix : str
        The run suffix (``''`` when nothing is swept).
    label : str
        Its swept values for people, e.g. ``'γ = 0.9 · β = 0'``.
    values, names : dict
        Swept parameter -> value, and -> the value's name in folder names.
    states : tuple of str
    means, sems : dict
        POWER key (``'H'``, ``'A'``) -> ``[S]`` per-state mean and standard error.
    ranks : dict
        POWER key -> ``[S]`` rank of each state's mean (1 = highest).
    average : dict
        POWER key -> (POWER averaged over states, its standard error).
    alignment : dict or None
        ``run.json``'s α statistics of the first pair (α_HA for two agents).
    info : dict
        ``run.json``.
    scenario : Scenario
        What the run computed.
    """

    index: int
    suffix: str
    label: str
    values: dict[str, Any]
    names: dict[str, str]
    states: tuple[str, ...]
    means: dict[str, np.ndarray]
    sems: dict[str, np.ndarray]
    ranks: dict[str, np.ndarray]
    average: dict[str, tuple[float, float]]
    alignment: dict[str, Any] | None
    info: dict[str, Any] = field(repr=False)
    scenario: Scenario = field(repr=False)
    alignments: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self.means)

    def pair_alignment(self, tag: str) -> dict[str, Any]:
        """``run.json``'s α statistics of the pair tagged ``tag`` (``'HA'``; empty if none)."""
        return self.alignments.get(tag) or {}

    @property
    def num_samples(self) -> int | None:
        n = self.info.get("num_reward_samples")
        return int(n) if isinstance(n, int) else None

    @property
    def seconds(self) -> float | None:
        s = self.info.get("seconds")
        return float(s) if _is_number(s) else None

    def top_states(self, k: int) -> dict[str, list[int]]:
        """State indices of the ``k`` highest and lowest POWER per agent, and largest |H − A| gaps.

        Keys: ``'highest H'``, ``'lowest H'`` (and ``'highest A'``, ``'lowest A'``,
        ``'largest gap H − A'`` for two agents; highest and lowest of every agent for more);
        each list is in display order (ties by state order).
        """
        out: dict[str, list[int]] = {}
        for key in self.keys:
            order = np.argsort(-self.means[key], kind="stable")
            out[f"highest {key}"] = order[:k].tolist()
            out[f"lowest {key}"] = np.argsort(self.means[key], kind="stable")[:k].tolist()
        if len(self.keys) == 2:
            first, second = self.keys
            gap = np.abs(self.means[first] - self.means[second])
            out[f"largest gap {first} − {second}"] = np.argsort(-gap, kind="stable")[:k].tolist()
        return out


@dataclass(frozen=True)
class Layout:
    """Where a run's states are drawn.

    Attributes
    ----------
    kind : str
        ``'gridworld'``, ``'joint_gridworld'`` (two agents, the block layout), ``'agents_gridworld'``
        (three or more agents: one map per agent over its own cell) or ``'bars'`` (any other MDP).
    x, y : numpy.ndarray
        ``[S]`` cell centres (heat maps; ``y`` grows downwards) or bar positions (``x`` only);
        for ``'agents_gridworld'`` zeros (each agent's map has its own cells).
    width, height : int
        Extent of the picture in cells (heat maps; one agent's grid for ``'agents_gridworld'``)
        or the number of bars.
    blocks : list of (int, int)
        Agent A's positions (joint gridworlds), each one block.
    block_of : numpy.ndarray or None
        ``[S]`` index into ``blocks`` of each state's block (joint gridworlds).
    geometry : GridGeometry or None
    agents : AgentGeometry or None
        Every agent's cell in every state (``'agents_gridworld'``).
    """

    kind: str
    x: np.ndarray
    y: np.ndarray
    width: int
    height: int
    blocks: list[tuple[int, int]]
    block_of: np.ndarray | None
    geometry: GridGeometry | None
    agents: AgentGeometry | None = None

    @classmethod
    def of_states(cls, states: Sequence[str]) -> Layout:
        try:
            many = AgentGeometry.of_states(states)
        except FigureError:
            many = None
        if many is not None and len(many.agents) > 2:
            zeros = np.zeros(len(states))
            return cls("agents_gridworld", zeros, zeros, many.num_cols, many.num_rows, [], None, None, many)
        if not is_gridworld(states):
            positions = np.arange(len(states), dtype=np.float64)
            return cls("bars", positions, np.zeros(len(states)), len(states), 1, [], None, None)
        geometry = GridGeometry.of_states(states)
        x, y = block_layout_positions(geometry.cells_H, geometry.cells_A, geometry.num_rows, geometry.num_cols)
        if geometry.cells_A is None:  # single-agent
            return cls("gridworld", x, y, geometry.num_cols, geometry.num_rows, [], None, geometry)
        blocks = geometry.positions_of_A()
        index = {position: i for i, position in enumerate(blocks)}
        block_of = np.array([index[(int(r), int(c))] for r, c in geometry.cells_A], dtype=np.int64)
        width = geometry.num_cols * (geometry.num_cols + BLOCK_GAP) - BLOCK_GAP
        height = geometry.num_rows * (geometry.num_rows + BLOCK_GAP) - BLOCK_GAP
        return cls("joint_gridworld", x, y, width, height, blocks, block_of, geometry)

    def block_origin(self, block: int) -> tuple[float, float]:
        """Plot coordinates of cell (0, 0) of a block (joint gridworlds)."""
        r, c = self.blocks[block]
        g = self.geometry
        assert g is not None  # a joint gridworld's layout has its geometry
        return float(c * (g.num_cols + BLOCK_GAP)), float(r * (g.num_rows + BLOCK_GAP))


def colour_values(values: np.ndarray, layout: Layout) -> dict[str, np.ndarray]:
    """The three colour scales of a heat map, for ``values[S]``.

    ``'shared'``: the values themselves (one scale for every block); ``'block'``: each
    value's position within its block's range (0 = the block's lowest, 1 = its highest; 0.5
    in a constant block); ``'difference'``: value minus its block's mean. For a single-agent
    gridworld the whole grid is one block.
    """
    values = np.asarray(values, dtype=np.float64)
    block_of = layout.block_of if layout.block_of is not None else np.zeros(len(values), dtype=np.int64)
    count = int(block_of.max()) + 1 if len(block_of) else 0
    low = np.full(count, np.inf)
    high = np.full(count, -np.inf)
    np.minimum.at(low, block_of, values)
    np.maximum.at(high, block_of, values)
    mean = np.bincount(block_of, weights=values, minlength=count) / np.maximum(
        np.bincount(block_of, minlength=count), 1
    )
    span = (high - low)[block_of]
    with np.errstate(invalid="ignore", divide="ignore"):
        within = np.where(span > 0, (values - low[block_of]) / np.where(span > 0, span, 1.0), 0.5)
    return {"shared": values, "block": within, "difference": values - mean[block_of]}


def colour_range(mode: str, colours: np.ndarray) -> tuple[float, float]:
    """Colour-bar limits of one scale: the range (shared), [0, 1] (block), symmetric about 0 (difference)."""
    finite = colours[np.isfinite(colours)]
    if mode == "block":
        return 0.0, 1.0
    if mode == "difference":
        largest = float(np.abs(finite).max()) if finite.size else 0.0
        largest = largest if largest > 0 else 1e-12
        return -largest, largest
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if high <= low:
        pad = 0.5 * max(abs(low), 1e-12)
        low, high = low - pad, high + pad
    return low, high


@dataclass(frozen=True)
class ReportData:
    """Everything a sweep report shows (see :func:`gather_report_data`).

    Attributes
    ----------
    sweep : StoredSweep
    runs : list of RunData
        The finished runs, in sweep order.
    layouts : list of Layout
        One per run (runs of a sweep usually share one).
    keys : tuple of str
        POWER keys shown: ``('H',)`` or ``('H', 'A')``.
    chosen_states : list of str
        States drawn in the sweep plots.
    top_k : int
    table : list of dict
        :meth:`StoredSweep.table` (one row per finished run).
    """

    sweep: StoredSweep
    runs: list[RunData]
    layouts: list[Layout]
    keys: tuple[str, ...]
    chosen_states: list[str]
    top_k: int
    table: list[dict[str, Any]]

    # Cached: the page reads these once per run and state (the dataclass is frozen, the runs fixed).
    @cached_property
    def same_states(self) -> bool:
        """Whether every run has the same states in the same order."""
        return all(run.states == self.runs[0].states for run in self.runs)

    @cached_property
    def kind(self) -> str:
        """How runs are drawn: ``'gridworld'``, ``'joint_gridworld'`` or ``'bars'`` (also for mixed layouts)."""
        kinds = {layout.kind for layout in self.layouts}
        return kinds.pop() if len(kinds) == 1 else "bars"

    @property
    def two_agents(self) -> bool:
        """Exactly two agents (the published layout: one alignment plot, the H − A gap)."""
        return len(self.keys) == 2

    @property
    def pairs(self) -> tuple[tuple[str, str], ...]:
        """Every pair of the shown agents, in agent order."""
        return pairs_of(self.keys)

    @property
    def pair_tags(self) -> dict[tuple[str, str], str]:
        """``{pair: tag}`` (``'HA'``) naming α of each pair in the runs table."""
        return pair_tags(self.keys)

    @property
    def plotted_parameters(self) -> list[str]:
        """Swept parameters with two or more values (sweep plots are drawn against these)."""
        return [p for p, pairs in self.sweep.swept.items() if len(pairs) >= 2]

    def header(self) -> dict[str, Any]:
        """Facts for the report's header: config, seed, samples, versions, timing, convergence."""
        record = self.sweep.record
        runs = self.runs
        versions: dict[str, set[str]] = {}
        for run in runs:
            for name, version in (run.info.get("versions") or {}).items():
                versions.setdefault(name, set()).add(str(version))
        bound, capped, threshold = 0.0, 0, set()
        for run in runs:
            for stage in (run.info.get("convergence") or {}).values():
                if isinstance(stage, dict):
                    if _is_number(stage.get("bound_max")):
                        bound = max(bound, float(stage["bound_max"]))
                    capped += int(stage.get("samples_capped") or 0)
            threshold.add(float(run.scenario.convergence_threshold))
        seconds = [run.seconds for run in runs if run.seconds is not None]
        # How each run's counter-optimisation rounds ended (runs with rounds only).
        rounds = []
        for run in runs:
            try:
                totals = RoundsTotals.from_summary(run.info["rounds"]) if run.info.get("rounds") else None
            except ValueError:
                totals = None
            if totals is not None:
                rounds.append((run.label or "the run", totals.describe()))
        seeds = sorted({str(run.info.get("random_seed")) for run in runs})
        samples = sorted({run.num_samples for run in runs if run.num_samples is not None})
        environments = sorted({run.scenario.environment_name for run in runs})
        try:
            config_text = (self.sweep.path / "config.yaml").read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            config_text = ""
        return {
            "title": f"Sweep {self.sweep.sweep_id}: {self.sweep.name}",
            "description": str(record.get("description") or ""),
            "experiment_type": str(self.sweep.experiment_type),
            "environments": environments,
            "swept": {p: [format_value(v) for v, _ in pairs] for p, pairs in self.sweep.swept.items()},
            "runs_finished": len(runs),
            "runs_total": len(record.get("runs", [])),
            "missing_runs": self.sweep.missing_runs,
            "random_seed": ", ".join(seeds),
            "num_reward_samples": samples,
            "num_states": sorted({len(run.states) for run in runs}),
            "versions": {name: sorted(v) for name, v in versions.items()},
            "created": str(record.get("created") or ""),
            "finished": str(record.get("finished") or ""),
            "seconds_total": float(sum(seconds)) if seconds else None,
            "seconds_max": float(max(seconds)) if seconds else None,
            "bound_max": bound,
            "samples_capped": capped,
            "convergence_threshold": sorted(threshold),
            "rounds": rounds,
            "overrides": dict(record.get("overrides") or {}),
            "config_text": config_text,
            "path": str(self.sweep.path),
        }

    def other_parameters(self, param: str) -> list[str]:
        """The swept parameters that split the runs along ``param`` into series.

        Those varying with ``param`` in one ``zip`` group do not: they change with it along
        a single series. (The rule of :meth:`StoredSweep.runs_over
        <powerplay.storage.sweeps.StoredSweep.runs_over>`, which has no helper of its own.)
        """
        group = self.sweep.zip_group(param)
        return [p for p in self.sweep.swept if p != param and (group is None or self.sweep.zip_group(p) != group)]

    def combo_label(self, run: RunData, param: str) -> str:
        """The label of ``run``'s values of the other swept parameters (``'all runs'`` if none; see :meth:`series`)."""
        others = self.other_parameters(param)
        return run_label(run.values, run.names, others) if others else "all runs"

    def series(self, param: str) -> list[tuple[str, list[RunData]]]:
        """The runs along ``param``: one ``(label of the other swept values, runs by value)`` per combination."""
        others = self.other_parameters(param)
        groups: dict[tuple, list[RunData]] = {}
        for run in self.runs:
            key = tuple(run.names.get(p, format_value(run.values.get(p))) for p in others)
            groups.setdefault(key, []).append(run)
        out = []
        for runs in groups.values():
            if all(_is_number(r.values.get(param)) for r in runs):
                runs = sorted(runs, key=lambda r: float(r.values[param]))
            out.append((self.combo_label(runs[0], param), runs))
        return out

    def is_numeric(self, param: str) -> bool:
        return all(_is_number(v) for v, _ in self.sweep.swept.get(param, []))


def run_label(values: Mapping[str, Any], names: Mapping[str, str], swept: Sequence[str]) -> str:
    """``'γ = 0.9 · β = 0'``: a run's swept values for people (``'single run'`` if nothing is swept)."""
    parts = []
    for param in swept:
        value = values.get(param)
        shown = names.get(param, "") if isinstance(value, (dict, list)) else format_value(value)
        parts.append(f"{parameters.symbol(param)} = {shown}")
    return " · ".join(parts) or "single run"


def _default_chosen_states(runs: list[RunData], keys: Sequence[str], limit: int = 6) -> list[str]:
    """A few telling states for the sweep plots: highest and lowest POWER per agent, and the largest gap.

    Chosen on POWER averaged over the runs (states shared by every run only).
    """
    first = runs[0].states
    same = all(r.states == first for r in runs[1:])
    if same:  # the usual case: every run's arrays line up, no lookups needed
        shared = list(first)
    else:
        others = [set(r.states) for r in runs[1:]]  # built once, not once per state
        shared = [s for s in first if all(s in states for states in others)]
    if not shared:
        return []
    if same:
        average = {k: np.mean([r.means[k] for r in runs], axis=0) for k in keys}
    else:
        position = [{s: i for i, s in enumerate(r.states)} for r in runs]
        average = {
            k: np.mean([[r.means[k][p[s]] for s in shared] for r, p in zip(runs, position)], axis=0) for k in keys
        }
    picks: list[int] = []
    for key in keys:
        picks += [int(np.argmax(average[key])), int(np.argmin(average[key]))]
    if len(keys) == 2:
        picks.append(int(np.argmax(np.abs(average[keys[0]] - average[keys[1]]))))
    if len(keys) == 1 and len(shared) > 2:  # one agent: also a middling state
        picks.append(int(np.argsort(average[keys[0]])[len(shared) // 2]))
    return list(dict.fromkeys(shared[i] for i in picks))[:limit]


def gather_report_data(
    sweep, *, folder=DEFAULT_FOLDER, states: Sequence[str] | None = None, top_k: int = 10
) -> ReportData:
    """Read a sweep's statistics for a report.

    Parameters
    ----------
    sweep : str, int, path or StoredSweep
        Sweep id, folder name or path (looked up in ``folder``), or a loaded sweep.
    folder : path
        Where sweep ids and names are looked up (default ``expts``).
    states : sequence of str, optional
        States to draw in the sweep plots (default: a few chosen automatically, see
        :func:`_default_chosen_states`).
    top_k : int
        How many states each 'top states' list holds.

    Raises
    ------
    SweepNotFoundError
        If there is no such sweep.
    FigureError
        If it has no finished run, a chosen state is unknown, or ``top_k`` is not positive.
    """
    stored = load_sweep(sweep, folder)
    if not stored.runs:
        raise FigureError(f"sweep {stored.path.name} has no finished run to report")
    if int(top_k) < 1:
        raise FigureError(f"top_k must be at least 1, got {top_k}")
    swept = list(stored.swept)
    runs: list[RunData] = []
    for entry in stored.entries():
        run = stored.runs[entry.index]
        agents = run.agents
        keys = agents if len(agents) > 2 else tuple(k for k in REPORT_KEYS if k in run.power_keys)
        means = {k: np.asarray(run.power_mean(k), dtype=np.float64) for k in keys}
        sems = {k: np.asarray(run.power_sem(k), dtype=np.float64) for k in keys}
        alignment = run.info.get("alignment")
        recorded = run.info.get("alignments")
        if isinstance(recorded, dict):
            alignments = {str(tag): a for tag, a in recorded.items() if isinstance(a, dict)}
        elif isinstance(alignment, dict):
            alignments = {"".join(alignment.get("agents") or ("H", "A")): alignment}
        else:
            alignments = {}
        runs.append(
            RunData(
                index=entry.index,
                suffix=entry.suffix,
                label=run_label(entry.values, entry.names, swept),
                values=dict(entry.values),
                names=dict(entry.names),
                states=tuple(run.states),
                means=means,
                sems=sems,
                ranks={k: ranks_descending(means[k]) for k in keys},
                average={k: run.average_power(k) for k in keys},
                alignment=alignment if isinstance(alignment, dict) else None,
                info=run.info,
                scenario=run.scenario,
                alignments=alignments,
            )
        )
    keys = tuple(k for k in runs[0].keys if all(k in r.means for r in runs))
    if not keys:
        raise FigureError(f"sweep {stored.path.name}: its runs share no POWER key to report")
    layouts_by_states: dict[tuple[str, ...], Layout] = {}
    layouts = [layouts_by_states.setdefault(r.states, Layout.of_states(r.states)) for r in runs]
    if states is None:
        chosen = _default_chosen_states(runs, keys)
    else:
        chosen = list(dict.fromkeys(states))
        known = set(runs[0].states)
        unknown = [s for s in chosen if s not in known]
        if unknown:
            example = ", ".join(runs[0].states[:3])
            raise FigureError(
                f"state {unknown[0]!r} is not a state of sweep {stored.path.name} (states look like {example}, ...)"
            )
    return ReportData(stored, runs, layouts, keys, chosen, int(top_k), stored.table())


__all__ = [
    "REPORT_KEYS",
    "Layout",
    "ReportData",
    "RunData",
    "block_layout_positions",
    "colour_range",
    "colour_values",
    "gather_report_data",
    "parameter_label",
    "ranks_descending",
    "run_label",
]
