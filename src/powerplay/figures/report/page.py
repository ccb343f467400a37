"""The report page: Bokeh plots, tables and widgets built from :class:`~.data.ReportData`.

Why Bokeh (see ``docs/report.md``): plots that share one ``ColumnDataSource`` share their
selection, so linked highlighting between the alignment plot, the heat maps and the tables
needs no JavaScript of ours; its ``DataTable`` sorts columns; ``file_html`` with inline
resources writes one file that opens from disk; and numeric columns are stored as binary
arrays, which keeps a sweep's data small.

How the page is wired
---------------------
* One *state source* holds one row per (run, state): position in the picture, each agent's
  mean, standard error and rank, and the colour values of the three colour scales. The heat
  maps (or bar charts) and the alignment plot all draw it through one ``CDSView`` whose
  ``GroupFilter`` keeps the rows of the run shown. Selecting rows anywhere (click, box or
  lasso) highlights them everywhere, because the selection belongs to the source.
* A run is chosen with the run menu or by clicking a row of the runs table. One library
  callback (:data:`UPDATE_CODE`, Bokeh ``CustomJS``) then sets the filters' group, the colour
  mappers' limits, titles and axis ranges from numbers computed here, and carries a selection
  over to the same states of the new run. The colour-scale switch calls the same callback.
* The 'top states' tables draw their own small source; a click on a row selects that state
  in the state source (:data:`TOP_SELECT_CODE`). The runs table's text filter is a
  ``CustomJSFilter`` (:data:`RUN_FILTER_CODE`).

Three or more agents
--------------------
Joint gridworlds of three or more agents have too many joint states for the block layout.
Each agent gets a map over its *own* cell instead, and a menu per agent picks its position:
"any" (the default) or one of its cells. Agent X's map shows, at each of X's cells, X's
POWER averaged uniformly over the joint states present in which every *other* agent with a
picked position is there (every other agent "any": the average over their positions; all
picked: one joint state). The page computes the maps itself, in the browser, from the state
source (:data:`AGENT_MAPS_CODE`, run when the page opens and whenever a menu or the run
changes); clicking a cell of X's map picks that cell as X's position. Hovering a cell shows
X's cell, how many joint states are averaged, the value and its error -- for one joint state
its label and every agent's POWER ± standard error and rank, as the block layout's hover
does; for an average, an upper bound on its standard error (the mean of the states'
errors: the states' noise is correlated, and a bound holds whatever the correlation). A
menu picks which pair's alignment plot is shown; the runs table has α of every pair.
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ...scenario import parameters
from ...stats.alignment import corrected_text
from .. import style
from .data import Layout, ReportData, colour_range, colour_values, format_value, parameter_label

if TYPE_CHECKING:
    from bokeh.models import CustomJS
    from bokeh.models.widgets import RadioButtonGroup

#: Agent colours (as in the PNG figures: H blue, A red; further agents: :func:`powerplay.figures.style.agent_color`).
AGENT_COLORS = {"H": "#1f66b3", "A": "#d62728"}
AGENT_NAMES = {"H": "Agent H", "A": "Agent A"}


def agent_colour(agent: str, agents=("H", "A")) -> str:
    """An agent's colour on the page (the PNG figures' colours)."""
    return AGENT_COLORS.get(agent) or style.agent_color(agent, agents)


def agent_name(agent: str) -> str:
    """``'Agent B'``."""
    return AGENT_NAMES.get(agent, f"Agent {agent}")


#: Widest runs table (pixels); a wider one scrolls sideways.
MAX_TABLE_WIDTH = 1400

#: The colour scales of the heat maps, in the order of the switch.
MODES = ("shared", "block", "difference")
MODE_LABELS = ("shared scale", "per-block scale", "difference from block mean")
MODE_TITLES = {
    "shared": "POWER",
    "block": "position in its block's range (0 = block minimum, 1 = maximum)",
    "difference": "POWER − mean POWER of its block",
}

#: Outline of selected cells and colour of selected points.
HIGHLIGHT = "#ff7f0e"

#: Markers and line styles of the agents in the chosen-states plot, in agent order.
MARKERS = ("circle", "triangle", "square", "diamond", "inverted_triangle", "star")
DASHES = ("solid", "dashed", "dotted", "dotdash", "dashdot")

#: Largest size (pixels) of a heat map's drawing area.
HEATMAP_PIXELS = 560

#: Largest size (pixels) of one agent's map (three or more agents: several side by side).
AGENT_MAP_PIXELS = 330

UPDATE_CODE = """
const r = Number(select.value);
const scale = modes[mode == null ? 0 : mode.active];
for (const f of run_filters) { f.group = select.value; }
for (const [f, groups] of combo_filters) { f.group = groups[r]; }
for (const [title, texts] of titles) { title.text = texts[r]; }
for (const [range, limits] of ranges) { range.start = limits[r][0]; range.end = limits[r][1]; }
for (const [key, renderer, mapper, bar] of mappers) {
  const limits = colour_limits[key][r][scale];
  mapper.palette = palettes[scale];
  mapper.low = limits[0];
  mapper.high = limits[1];
  bar.title = bar_titles[scale];
  const field = fields[key][scale];
  for (const glyph of [renderer.glyph, renderer.selection_glyph, renderer.nonselection_glyph]) {
    if (glyph != null && typeof glyph != 'string' && glyph.fill_color.field != field) {
      glyph.fill_color = {field: field, transform: mapper};
    }
  }
}
const chosen = source.selected.indices;
if (same_states && chosen.length > 0 && Math.floor(chosen[0] / n_states) != r) {
  source.selected.indices = chosen.map(i => r * n_states + (i % n_states));
}
"""

AGENT_MAPS_CODE = """
const [start, stop] = spans[select.value];
const d = source.data;
const held = {};
for (const [agent, picker] of pickers) { held[agent] = picker.value == 'any' ? -1 : Number(picker.value); }
const fixed = (v) => Number.isFinite(v) ? v.toFixed(decimals) : 'undefined';
const cellName = (c) => '(' + Math.floor(c / columns) + ', ' + (c % columns) + ')';
for (const [agent, cells, mapper, title, marks] of maps) {
  const n = rows * columns;
  const sum = new Float64Array(n), bound = new Float64Array(n), count = new Int32Array(n), one = new Int32Array(n).fill(-1);
  const own = d['cell_' + agent], mean = d[agent + '_mean'], sem = d[agent + '_sem'];
  const others = agents.filter(a => a != agent && held[a] >= 0);
  const columnsOf = others.map(a => d['cell_' + a]);
  for (let i = start; i < stop; i++) {
    let keep = true;
    for (let k = 0; k < others.length; k++) { if (columnsOf[k][i] != held[others[k]]) { keep = false; break; } }
    if (!keep) { continue; }
    const c = own[i];
    sum[c] += mean[i]; bound[c] += sem[i]; count[c] += 1; one[c] = i;
  }
  const free = agents.filter(a => a != agent && held[a] < 0);
  const where = others.map(a => a + ' at ' + cellName(held[a])).join(', ');
  const value = [], error = [], detail = [];
  let low = Infinity, high = -Infinity;
  for (let c = 0; c < n; c++) {
    if (count[c] == 0) {
      value.push(NaN); error.push(NaN);
      detail.push('<div class="pp-tip"><b class="pp-cell">' + agent + ' at ' + cellName(c) + '</b>: no joint state'
        + (where ? ' with ' + where : '') + '</div>');
      continue;
    }
    const v = sum[c] / count[c];
    value.push(v);
    low = Math.min(low, v); high = Math.max(high, v);
    const lines = ['<div class="pp-tip"><b class="pp-cell">' + agent + ' at ' + cellName(c) + '</b>'];
    if (count[c] == 1) {
      const i = one[c];
      error.push(sem[i]);
      lines.push('<div class="pp-state">' + d.state[i] + '</div>');
      for (const a of agents) {
        lines.push('<div><span style="color:' + colours[a] + '">POWER ' + a + '</span>: <span class="pp-' + a + '-mean">'
          + fixed(d[a + '_mean'][i]) + '</span> ± <span class="pp-' + a + '-sem">' + fixed(d[a + '_sem'][i])
          + '</span> (rank <span class="pp-' + a + '-rank">' + d[a + '_rank'][i] + '</span> of ' + (stop - start) + ')</div>');
      }
    } else {
      const b = bound[c] / count[c];
      error.push(b);
      lines.push('<div class="pp-count">average over ' + count[c] + ' joint states (' + free.join(', ') + ' anywhere'
        + (where ? '; ' + where : '') + ')</div>');
      lines.push('<div><span style="color:' + colours[agent] + '">POWER ' + agent + '</span>: <span class="pp-value">'
        + fixed(v) + '</span> ± at most <span class="pp-bound">' + fixed(b) + '</span></div>');
    }
    lines.push('</div>');
    detail.push(lines.join(''));
  }
  cells.data = Object.assign({}, cells.data, {value: value, error: error, count: Array.from(count), detail: detail});
  if (!(high >= low)) { low = 0; high = 1; }
  if (high == low) { const pad = 0.5 * Math.max(Math.abs(low), 1e-12); low -= pad; high += pad; }
  mapper.low = low;
  mapper.high = high;
  const how = free.length == 0 ? ('with ' + where) : ('averaged over ' + free.join(', ') + (where ? ', with ' + where : ''));
  title.text = 'POWER of Agent ' + agent + ' · ' + labels[select.value] + '\\n' + how;
  const mx = [], my = [], mc = [];
  for (const a of others) { mx.push(held[a] % columns); my.push(Math.floor(held[a] / columns)); mc.push(colours[a]); }
  marks.data = {x: mx, y: my, colour: mc};
}
"""

PICK_CELL_CODE = """
const picked = cells.selected.indices;
if (picked.length > 0) {
  const c = picked[0];
  cells.selected.indices = [];
  if (cells.data.count[c] > 0) { picker.value = String(c); }
}
"""

PAIR_CODE = """
const [x, y] = pairs[menu.value];
const r = Number(select.value);
points.glyph.x = {field: x + '_mean'};
points.glyph.y = {field: y + '_mean'};
for (const glyph of [points.selection_glyph, points.nonselection_glyph]) {
  if (glyph != null && typeof glyph != 'string') { glyph.x = {field: x + '_mean'}; glyph.y = {field: y + '_mean'}; }
}
xaxis.axis_label = 'POWER of Agent ' + x;
yaxis.axis_label = 'POWER of Agent ' + y;
xrange.start = limits[x][r][0]; xrange.end = limits[x][r][1];
yrange.start = limits[y][r][0]; yrange.end = limits[y][r][1];
title.text = titles[menu.value][r];
"""

TOP_SELECT_CODE = """
const picked = top.selected.indices;
if (picked.length > 0) { source.selected.indices = picked.map(i => top.data.row[i]); }
"""

AXIS_CODE = """
const which = this.active == 0 ? 'lin' : 'log';
for (const source of sources) {
  const data = Object.assign({}, source.data);
  for (const name of ['x', 'xs']) {
    if (data[name + '_' + which] != null) { data[name] = data[name + '_' + which]; }
  }
  source.data = data;
}
for (const axis of axes) { axis.axis_label = labels[this.active]; }
"""

RUN_ROW_CODE = """
const picked = runs.selected.indices;
if (picked.length > 0) { select.value = String(runs.data.index[picked[0]]); }
"""

RUN_FILTER_CODE = """
const words = query.value_input.toLowerCase().split(/\\s+/).filter(w => w.length > 0);
return source.data.search.map(text => words.every(w => text.includes(w)));
"""

REFILTER_CODE = "source.change.emit();"


def _decimals(data: ReportData) -> int:
    """Decimals that show each mean to about a tenth of its smallest standard error (3 to 8)."""
    smallest = min(
        (
            float(np.min(run.sems[k][run.sems[k] > 0]))
            for run in data.runs
            for k in data.keys
            if np.any(run.sems[k] > 0)
        ),
        default=1e-3,
    )
    return int(np.clip(math.ceil(-math.log10(smallest)) + 1, 3, 8))


def _number_format(decimals: int) -> str:
    return "0." + "0" * decimals


def _clipped_note(alignment: dict, key: str) -> str:
    """``' (clipped from -1.071)'`` for a corrected α that noise pushed beyond ±1, else ``''``."""
    if key != "alpha_corrected":
        return ""
    value, unclipped = _finite(alignment.get(key)), _finite(alignment.get("alpha_corrected_unclipped"))
    return corrected_text(value, unclipped).removeprefix(corrected_text(value)) if math.isfinite(value) else ""


def _finite(value: Any) -> float:
    return (
        float(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        else math.nan
    )


def _padded(low: float, high: float, share: float = 0.06) -> list[float]:
    if not (math.isfinite(low) and math.isfinite(high)):
        return [0.0, 1.0]
    span = high - low if high > low else max(abs(high), 1e-9)
    return [low - share * span, high + share * span]


def _interval(low: Any, high: Any) -> str:
    low, high = _finite(low), _finite(high)
    return "–" if not (math.isfinite(low) and math.isfinite(high)) else f"[{low:.3f}, {high:.3f}]"


# ----------------------------------------------------------------------------------------
# Data sources


def colour_field(key: str, mode: str) -> str:
    """The state-source column a heat map of ``key`` is coloured by in colour scale ``mode``."""
    return f"{key}_mean" if mode == "shared" else f"c_{key}_{mode}"


def state_source_columns(data: ReportData) -> dict[str, Any]:
    """Columns of the state source: one row per (run, state), runs in order.

    Numbers only shown to a few digits (colour values, the H − A gap) are stored as float32
    and positions and ranks as int32, which keeps the page small; means and standard errors
    keep full precision.
    """
    runs_column: list[str] = []
    states_column: list[str] = []
    arrays: dict[str, list[np.ndarray]] = {}
    dtypes: dict[str, Any] = {}

    def add(name: str, values, dtype) -> None:
        arrays.setdefault(name, []).append(np.asarray(values))
        dtypes[name] = dtype

    kind, same_states = data.kind, data.same_states  # read once, not once per run
    columns = grid_columns(data)
    for run, layout in zip(data.runs, data.layouts):
        count = len(run.states)
        runs_column += [str(run.index)] * count
        states_column += list(run.states)
        if kind not in ("bars", "agents_gridworld"):
            add("x", layout.x, np.int32)
            add("y", layout.y, np.int32)
        if kind == "agents_gridworld":
            assert layout.agents is not None  # such a layout has its agents' cells
            for key in data.keys:
                cells = layout.agents.cells[layout.agents.index(key)]
                add(f"cell_{key}", cells[:, 0] * columns + cells[:, 1], np.int32)
        if not same_states:
            add("n_states", np.full(count, count), np.int32)
        for key in data.keys:
            mean, sem = run.means[key], run.sems[key]
            add(f"{key}_mean", mean, np.float64)
            add(f"{key}_sem", sem, np.float64)
            add(f"{key}_rank", run.ranks[key], np.int32)
            if kind == "joint_gridworld":
                colours = colour_values(mean, layout)
                for mode in MODES[1:]:
                    add(colour_field(key, mode), colours[mode], np.float32)
            elif kind != "agents_gridworld":
                add(f"{key}_low", mean - sem, np.float64)
                add(f"{key}_high", mean + sem, np.float64)
        if data.two_agents:
            first, second = data.keys
            add("gap", run.means[first] - run.means[second], np.float32)
    out: dict[str, Any] = {"run": runs_column, "state": states_column}
    for name, parts in arrays.items():
        out[name] = np.concatenate(parts).astype(dtypes[name])
    return out


def grid_columns(data: ReportData) -> int:
    """Columns of the widest grid of the runs (cells of ``'agents_gridworld'`` maps are ``row * columns + col``)."""
    return max((layout.width for layout in data.layouts), default=1)


def grid_rows(data: ReportData) -> int:
    return max((layout.height for layout in data.layouts), default=1)


def alpha_fields(data: ReportData) -> dict[tuple[str, str], dict[str, str]]:
    """Runs-table fields of each pair's α: ``{pair: {'alpha': field, ...}}``. Two agents keep
    the fields they always had (``alpha``, ``alpha_c``, ``alpha_ci``, ...); more agents tag
    them by the pair (``alpha_HB``, ``alpha_HB_c``, ...)."""
    out = {}
    for pair, tag in data.pair_tags.items():
        suffix = "" if data.two_agents else f"_{tag}"
        out[pair] = {
            "tag": tag,
            "alpha": f"alpha{suffix}",
            "alpha_sem": f"alpha{suffix}_sem",
            "alpha_c": f"alpha{suffix}_c",
            "alpha_c_sem": f"alpha{suffix}_c_sem",
            "alpha_ci": f"alpha{suffix}_ci",
            "alpha_c_ci": f"alpha{suffix}_c_ci",
        }
    return out


def runs_source_columns(data: ReportData) -> dict[str, Any]:
    """Columns of the runs table: one row per run (α of every pair, reliability of every agent)."""
    rows = data.table
    out: dict[str, list] = {"index": [], "label": [], "search": []}
    swept = list(data.sweep.swept)
    for param in swept:
        out[f"p_{param}"] = []
    numeric = ["samples", "seconds", "samples_per_second", "bound_max"]
    for key in data.keys:
        numeric += [f"mean_{key}", f"mean_{key}_sem"]
    fields = alpha_fields(data)
    for names in fields.values():
        numeric += [names["alpha"], names["alpha_sem"], names["alpha_c"], names["alpha_c_sem"]]
        out[names["alpha_ci"]], out[names["alpha_c_ci"]] = [], []
    if fields:
        numeric += [f"reliability_{key}" for key in data.keys]
    for name in numeric:
        out[name] = []
    for run, row in zip(data.runs, rows):
        out["index"].append(run.index)
        out["label"].append(run.label)
        for param in swept:
            value = row.get(param)
            out[f"p_{param}"].append(_finite(value) if data.is_numeric(param) else str(value))
        values = {
            "samples": row.get("num_reward_samples"),
            "seconds": row.get("seconds"),
            "samples_per_second": row.get("samples_per_second"),
            "bound_max": row.get("bound_max"),
        }
        for key in data.keys:
            values[f"mean_{key}"], values[f"mean_{key}_sem"] = run.average[key]
        for names in fields.values():
            raw, corrected = f"alpha_{names['tag']}", f"alpha_{names['tag']}_corrected"
            values.update(
                {
                    names["alpha"]: row.get(raw),
                    names["alpha_sem"]: row.get(f"{raw}_sem"),
                    names["alpha_c"]: row.get(corrected),
                    names["alpha_c_sem"]: row.get(f"{corrected}_sem"),
                }
            )
            out[names["alpha_ci"]].append(_interval(row.get(f"{raw}_low"), row.get(f"{raw}_high")))
            out[names["alpha_c_ci"]].append(_interval(row.get(f"{corrected}_low"), row.get(f"{corrected}_high")))
        if fields:
            values.update({f"reliability_{key}": row.get(f"reliability_{key}") for key in data.keys})
        for name in numeric:
            out[name].append(_finite(values.get(name)))
        out["search"].append(" ".join([run.label, run.suffix] + [str(v) for v in run.names.values()]).lower())
    return out


def top_source_columns(data: ReportData) -> dict[str, Any]:
    """Columns of the 'top states' tables: per run, list and place, the state and its row in the state source."""
    out: dict[str, list] = {"run": [], "list": [], "place": [], "state": [], "row": []}
    for key in data.keys:
        out[f"{key}_mean"], out[f"{key}_sem"] = [], []
    if data.two_agents:
        out["gap"] = []
        first, second = data.keys
    offset = 0
    for run in data.runs:
        for name, indices in run.top_states(data.top_k).items():
            for place, i in enumerate(indices, start=1):
                out["run"].append(str(run.index))
                out["list"].append(name)
                out["place"].append(place)
                out["state"].append(run.states[i])
                out["row"].append(offset + i)
                for key in data.keys:
                    out[f"{key}_mean"].append(float(run.means[key][i]))
                    out[f"{key}_sem"].append(float(run.sems[key][i]))
                if data.two_agents:
                    out["gap"].append(float(run.means[first][i] - run.means[second][i]))
        offset += len(run.states)
    return out


def _list_title(name: str) -> str:
    """``'highest H'`` -> ``'highest POWER of Agent H'``; ``'largest gap H − A'`` -> ``'largest gap
    between the POWER of Agent H and of Agent A'``."""
    if name.startswith("largest gap "):
        first, _, second = name[len("largest gap ") :].partition(" − ")
        return f"largest gap between the POWER of {agent_name(first)} and of {agent_name(second)}"
    head, _, key = name.rpartition(" ")
    if head in ("highest", "lowest"):
        return f"{head} POWER of {agent_name(key)}"
    return name


class _Lines:
    """Columns built row by row (for the few sources of a sweep plot)."""

    def __init__(self):
        self.columns: dict[str, list] = {}

    def add(self, **row: Any) -> None:
        for name, value in row.items():
            self.columns.setdefault(name, []).append(value)


# ----------------------------------------------------------------------------------------
# Page


class _Page:
    """Builds the Bokeh layout of one report (a helper object: the models need shared state)."""

    def __init__(self, data: ReportData):
        from bokeh.models import ColumnDataSource

        self.data = data
        self.decimals = _decimals(data)
        self.fmt = _number_format(self.decimals)
        self.first = data.runs[0]
        self.source = ColumnDataSource(state_source_columns(data), name="states")
        self.run_filters: list = []
        self.combo_filters: list = []
        self.titles: list = []
        self.ranges: list = []
        self.mappers: list = []
        self.colour_limits: dict[str, list[dict[str, list[float]]]] = {}
        self.mode: RadioButtonGroup | None = None  # the colour-scale switch (joint gridworlds)
        self.axis_sources: list = []
        self.axis_figures: list = []
        self.maps: list = []  # three or more agents: (agent, cells source, mapper, title, marks source)
        self.pickers: dict[str, Any] = {}  # agent -> its position menu
        self.on_ready: CustomJS | None = None  # a callback to run when the page has loaded
        self.pair_callback: CustomJS | None = None

    # -- helpers ---------------------------------------------------------------------------

    def colour(self, agent: str) -> str:
        return agent_colour(agent, self.data.keys)

    def run_view(self):
        from bokeh.models import CDSView, GroupFilter

        run_filter = GroupFilter(column_name="run", group=str(self.first.index))
        self.run_filters.append(run_filter)
        return CDSView(filter=run_filter)

    def tooltips(self) -> str:
        """Hover text of a state: label, each agent's mean ± SE and rank (an HTML template)."""
        count = len(self.first.states) if self.data.same_states else "@n_states"
        lines = ['<div class="pp-tip"><b class="pp-state">@state</b>']
        for key in self.data.keys:
            lines.append(
                f'<div><span style="color:{self.colour(key)}">POWER {key}</span>: '
                f'<span class="pp-{key}-mean">@{key}_mean{{{self.fmt}}}</span> ± '
                f'<span class="pp-{key}-sem">@{key}_sem{{{self.fmt}}}</span> '
                f'(rank <span class="pp-{key}-rank">@{key}_rank</span> of {count})</div>'
            )
        if self.data.two_agents:
            first, second = self.data.keys
            lines.append(f"<div>{first} − {second}: @gap{{{self.fmt}}}</div>")
        lines.append("</div>")
        return "".join(lines)

    def run_texts(self, make) -> list[str]:
        return [make(run) for run in self.data.runs]

    # -- per-run pictures ------------------------------------------------------------------

    def heatmap(self, key: str):
        from bokeh.models import HoverTool, LinearColorMapper, Range1d
        from bokeh.models.annotations import ColorBar
        from bokeh.palettes import Viridis256
        from bokeh.plotting import figure

        layout: Layout = max(self.data.layouts, key=lambda item: item.width * item.height)
        scale = HEATMAP_PIXELS / max(layout.width, layout.height)
        scale = float(np.clip(scale, 9, 56))
        limits = []
        for run, run_layout in zip(self.data.runs, self.data.layouts):
            colours = colour_values(run.means[key], run_layout)
            limits.append({mode: list(colour_range(mode, colours[mode])) for mode in MODES})
        self.colour_limits[key] = limits
        mapper = LinearColorMapper(palette=Viridis256, low=limits[0]["shared"][0], high=limits[0]["shared"][1])
        figure_ = figure(
            frame_width=int(layout.width * scale),
            frame_height=int(layout.height * scale),
            x_range=Range1d(start=-0.5, end=layout.width - 0.5),
            y_range=Range1d(start=layout.height - 0.5, end=-0.5 - (0.9 if layout.kind == "joint_gridworld" else 0)),
            tools="tap,box_select,wheel_zoom,pan,reset,save",
            toolbar_location="above",
            title=self.heatmap_title(key, self.first),
            name=f"heatmap_{key}",
        )
        self.titles.append((figure_.title, self.run_texts(lambda run: self.heatmap_title(key, run))))
        figure_.grid.visible = False
        cells = figure_.rect(
            x="x",
            y="y",
            width=0.94,
            height=0.94,
            source=self.source,
            view=self.run_view(),
            fill_color={"field": colour_field(key, "shared"), "transform": mapper},
            line_color=None,
            selection_line_color=HIGHLIGHT,
            selection_line_width=3,  # type: ignore[call-arg]  # bokeh's stubs list only the selection line's colour and alpha
            selection_fill_alpha=1.0,
            nonselection_fill_alpha=0.3,
            nonselection_line_color=None,
            name=f"cells_{key}",
        )
        if layout.kind == "joint_gridworld":
            if self.data.same_states:
                self.block_frames(figure_, layout)
            figure_.axis.visible = False
        else:
            figure_.xaxis.ticker = list(range(layout.width))
            figure_.yaxis.ticker = list(range(layout.height))
            figure_.xaxis.axis_label, figure_.yaxis.axis_label = "column", "row"
        figure_.add_tools(HoverTool(renderers=[cells], tooltips=self.tooltips(), name=f"hover_{key}"))
        bar = ColorBar(color_mapper=mapper, title=MODE_TITLES["shared"], width=12, title_text_font_style="normal")
        figure_.add_layout(bar, "right")
        self.mappers.append((key, cells, mapper, bar))
        return figure_

    def position_picker(self, key: str):
        """The menu of an agent's position ('any', or one of its cells) for the other agents' maps."""
        from bokeh.models.widgets import Select

        columns = grid_columns(self.data)
        cells = sorted(
            {
                (int(r), int(c))
                for layout in self.data.layouts
                if layout.agents is not None
                for r, c in layout.agents.cells[layout.agents.index(key)]
            }
        )
        options: list[str | tuple[Any, str]] = [("any", "any cell (averaged)")]
        options += [(str(r * columns + c), f"({r}, {c})") for r, c in cells]
        picker = Select(
            title=f"Agent {key}'s position:", value="any", options=options, width=210, name=f"position_{key}"
        )
        self.pickers[key] = picker
        return picker

    def agent_map(self, key: str):
        """Agent ``key``'s POWER over its own cell (three or more agents; filled in by :data:`AGENT_MAPS_CODE`)."""
        from bokeh.models import ColumnDataSource, CustomJS, HoverTool, LinearColorMapper, Range1d
        from bokeh.models.annotations import ColorBar
        from bokeh.palettes import Viridis256
        from bokeh.plotting import figure

        rows, columns = grid_rows(self.data), grid_columns(self.data)
        count = rows * columns
        cells = ColumnDataSource(
            {
                "x": [c % columns for c in range(count)],
                "y": [c // columns for c in range(count)],
                "value": [math.nan] * count,
                "error": [math.nan] * count,
                "count": [0] * count,
                "detail": [""] * count,
            },
            name=f"map_cells_{key}",
        )
        mapper = LinearColorMapper(palette=Viridis256, low=0.0, high=1.0, nan_color="#f0f0f0")
        scale = float(np.clip(AGENT_MAP_PIXELS / max(rows, columns), 18, 64))
        figure_ = figure(
            frame_width=int(columns * scale),
            frame_height=int(rows * scale),
            x_range=Range1d(start=-0.5, end=columns - 0.5),
            y_range=Range1d(start=rows - 0.5, end=-0.5),
            tools="tap,wheel_zoom,pan,reset,save",
            toolbar_location="above",
            # Two lines from the start (the page's code rewrites them): the layout keeps room for both.
            title=(
                f"POWER of Agent {key} · {self.first.label} · {self.first.num_samples or 0:,} samples\n"
                f"averaged over {', '.join(k for k in self.data.keys if k != key)}"
            ),
            name=f"map_{key}",
        )
        title = figure_.title
        assert title is not None and not isinstance(title, str)  # a figure made with a title has a Title
        title.text_font_size = "9pt"
        figure_.toolbar.autohide = True  # the title stays readable
        figure_.grid.visible = False
        squares = figure_.rect(
            x="x",
            y="y",
            width=0.94,
            height=0.94,
            source=cells,
            fill_color={"field": "value", "transform": mapper},
            line_color=None,
            nonselection_fill_alpha=1.0,
            name=f"cells_{key}",
        )
        marks = ColumnDataSource({"x": [], "y": [], "colour": []}, name=f"held_{key}")
        figure_.rect(
            x="x", y="y", width=0.9, height=0.9, source=marks, fill_color=None, line_color="colour", line_width=3
        )
        figure_.xaxis.ticker = list(range(columns))
        figure_.yaxis.ticker = list(range(rows))
        figure_.xaxis.axis_label, figure_.yaxis.axis_label = f"Agent {key}'s column", f"Agent {key}'s row"
        figure_.add_tools(HoverTool(renderers=[squares], tooltips="@detail{safe}", name=f"hover_{key}"))
        bar = ColorBar(color_mapper=mapper, title="POWER", width=10, title_text_font_style="normal")
        figure_.add_layout(bar, "right")
        self.maps.append((key, cells, mapper, figure_.title, marks))
        # A click on a cell holds this agent there in the other agents' maps.
        cells.selected.js_on_change(
            "indices", CustomJS(args={"cells": cells, "picker": self.pickers[key]}, code=PICK_CELL_CODE)
        )
        return figure_

    def maps_callback(self, select):
        """The callback that computes every agent's map (:data:`AGENT_MAPS_CODE`) for the run and positions picked."""
        from bokeh.models import CustomJS

        spans, start = {}, 0
        for run in self.data.runs:
            spans[str(run.index)] = [start, start + len(run.states)]
            start += len(run.states)
        labels = {str(run.index): f"{run.label} · {run.num_samples or 0:,} samples" for run in self.data.runs}
        return CustomJS(
            args={
                "select": select,
                "spans": spans,
                "labels": labels,
                "source": self.source,
                "pickers": list(self.pickers.items()),
                "maps": self.maps,
                "agents": list(self.data.keys),
                "rows": grid_rows(self.data),
                "columns": grid_columns(self.data),
                "decimals": self.decimals,
                "colours": {key: self.colour(key) for key in self.data.keys},
            },
            code=AGENT_MAPS_CODE,
        )

    def heatmap_title(self, key: str, run) -> str:
        return f"POWER of {agent_name(key)} · {run.label} · {run.num_samples or 0:,} samples"

    def block_frames(self, figure_, layout: Layout) -> None:
        """Outline each block, mark Agent A's own cell in red, and name the block."""
        from bokeh.models import ColumnDataSource

        g = layout.geometry
        assert g is not None  # a joint gridworld's layout has its geometry
        centres_x, centres_y, marks_x, marks_y, labels_y, texts = [], [], [], [], [], []
        for b, (r, c) in enumerate(layout.blocks):
            x0, y0 = layout.block_origin(b)
            centres_x.append(x0 + (g.num_cols - 1) / 2)
            centres_y.append(y0 + (g.num_rows - 1) / 2)
            marks_x.append(x0 + c)
            marks_y.append(y0 + r)
            labels_y.append(y0 - 0.55)
            texts.append(f"A at ({r}, {c})")
        frames = ColumnDataSource(
            {"x": centres_x, "y": centres_y, "mx": marks_x, "my": marks_y, "ly": labels_y, "text": texts}
        )
        figure_.rect(
            x="x",
            y="y",
            width=g.num_cols,
            height=g.num_rows,
            source=frames,
            fill_color=None,
            line_color="#999999",
            line_width=1,
        )
        figure_.rect(
            x="mx",
            y="my",
            width=0.94,
            height=0.94,
            source=frames,
            fill_color=None,
            line_color=self.colour(self.data.keys[-1]),
            line_width=2,
        )
        figure_.text(
            x="x",
            y="ly",
            text="text",
            source=frames,
            text_align="center",
            text_baseline="bottom",
            text_font_size="8pt",
            text_color="#555555",
        )

    def bars(self, key: str):
        from bokeh.models import FactorRange, HoverTool, Range1d
        from bokeh.plotting import figure

        states = list(dict.fromkeys(s for run in self.data.runs for s in run.states))
        width = int(np.clip(28 * len(states) * len(self.data.keys) / 2, 420, 4000))
        y_limits = [
            _padded(
                min(0.0, float(np.min(run.means[key] - run.sems[key]))), float(np.max(run.means[key] + run.sems[key]))
            )
            for run in self.data.runs
        ]
        figure_ = figure(
            x_range=FactorRange(factors=states),
            y_range=Range1d(start=y_limits[0][0], end=y_limits[0][1]),
            frame_width=width,
            frame_height=300,
            tools="tap,box_select,xwheel_zoom,xpan,reset,save",
            toolbar_location="above",
            title=self.heatmap_title(key, self.first),
            name=f"bars_{key}",
        )
        self.titles.append((figure_.title, self.run_texts(lambda run: self.heatmap_title(key, run))))
        self.ranges.append((figure_.y_range, y_limits))
        view = self.run_view()
        bars = figure_.vbar(
            x="state",
            top=f"{key}_mean",
            width=0.7,
            source=self.source,
            view=view,
            color=self.colour(key),
            selection_color=HIGHLIGHT,
            nonselection_alpha=0.3,
            name=f"cells_{key}",
        )
        figure_.segment(
            x0="state",
            x1="state",
            y0=f"{key}_low",
            y1=f"{key}_high",
            source=self.source,
            view=self.run_view(),
            color="black",
            line_width=1.2,
        )
        figure_.xaxis.major_label_orientation = math.pi / 3 if len(states) > 8 else 0
        figure_.yaxis.axis_label = "POWER (mean ± SE)"
        figure_.add_tools(HoverTool(renderers=[bars], tooltips=self.tooltips(), name=f"hover_{key}"))
        return figure_

    def alignment(self, select=None):
        """The alignment plot (two or more agents): POWER of one agent against another's per state.

        With more than two agents a menu picks the pair (:data:`PAIR_CODE`)."""
        from bokeh.models import BoxSelectTool, HoverTool, Range1d
        from bokeh.plotting import figure

        first, second = self.data.pairs[0]
        limits = {
            key: [_padded(float(np.min(run.means[key])), float(np.max(run.means[key]))) for run in self.data.runs]
            for key in self.data.keys
        }
        x_limits, y_limits = limits[first], limits[second]
        figure_ = figure(
            frame_width=470,
            frame_height=420,
            x_range=Range1d(start=x_limits[0][0], end=x_limits[0][1]),
            y_range=Range1d(start=y_limits[0][0], end=y_limits[0][1]),
            tools="tap,box_select,lasso_select,wheel_zoom,pan,reset,save",
            toolbar_location="above",
            title=self.alignment_title(self.first, (first, second)),
            name="alignment",
        )
        if self.data.two_agents:
            self.titles.append((figure_.title, self.run_texts(self.alignment_title)))
            self.ranges += [(figure_.x_range, x_limits), (figure_.y_range, y_limits)]
        points = figure_.scatter(
            x=f"{first}_mean",
            y=f"{second}_mean",
            source=self.source,
            view=self.run_view(),
            size=7,
            fill_color="#6a51a3",
            line_color="white",
            fill_alpha=0.75,
            selection_fill_color=HIGHLIGHT,
            selection_fill_alpha=1.0,
            selection_line_color="black",
            nonselection_fill_alpha=0.15,
            nonselection_line_alpha=0.15,
            name="points",
        )
        # Dragging selects (a box of points) rather than pans: selecting is what this plot is for.
        box_select = figure_.select_one({"type": BoxSelectTool})
        assert isinstance(box_select, BoxSelectTool)  # one of the figure's tools
        figure_.toolbar.active_drag = box_select
        figure_.xaxis.axis_label = f"POWER of Agent {first}"
        figure_.yaxis.axis_label = f"POWER of Agent {second}"
        figure_.add_tools(HoverTool(renderers=[points], tooltips=self.tooltips(), name="hover_alignment"))
        if self.data.two_agents:
            return figure_
        from bokeh.layouts import column
        from bokeh.models import CustomJS
        from bokeh.models.widgets import Select

        tags = self.data.pair_tags
        choices: list[str | tuple[Any, str]] = [(tag, f"{x} and {y} (α_{tag})") for (x, y), tag in tags.items()]
        menu = Select(
            title="Alignment plot of the pair:",
            value=tags[(first, second)],
            options=choices,
            width=260,
            name="pair_select",
        )
        self.pair_callback = CustomJS(
            args={
                "menu": menu,
                "select": select,
                "pairs": {tag: list(pair) for pair, tag in tags.items()},
                "points": points,
                "xaxis": figure_.xaxis[0],
                "yaxis": figure_.yaxis[0],
                "xrange": figure_.x_range,
                "yrange": figure_.y_range,
                "limits": limits,
                "title": figure_.title,
                "titles": {
                    tag: self.run_texts(lambda run, pair=pair: self.alignment_title(run, pair))
                    for pair, tag in tags.items()
                },
            },
            code=PAIR_CODE,
        )
        menu.js_on_change("value", self.pair_callback)
        if select is not None:
            select.js_on_change("value", self.pair_callback)
        return column(menu, figure_)

    def alignment_title(self, run, pair: tuple[str, str] | None = None) -> str:
        """``'Alignment · γ = 0.9 · α_HA = 0.471 ± 0.012 (corrected 0.502)'`` of a pair (default the first)."""
        pair = pair or self.data.pairs[0]
        tag = self.data.pair_tags[pair]
        a = run.pair_alignment(tag) if not self.data.two_agents else (run.alignment or {})
        alpha, sem, corrected = _finite(a.get("alpha")), _finite(a.get("alpha_sem")), _finite(a.get("alpha_corrected"))
        text = f"Alignment · {run.label} · α_{tag} = {alpha:.3f} ± {sem:.3f}"
        unclipped = _finite(a.get("alpha_corrected_unclipped"))
        return text + (f" (corrected {corrected_text(corrected, unclipped)})" if math.isfinite(corrected) else "")

    # -- tables ----------------------------------------------------------------------------

    def runs_table(self):
        from bokeh.models import CDSView, ColumnDataSource, CustomJS, CustomJSFilter
        from bokeh.models.widgets import DataTable, NumberFormatter, ScientificFormatter, TableColumn, TextInput

        data = self.data
        source = ColumnDataSource(runs_source_columns(data), name="runs")
        query = TextInput(
            title="Filter runs (words in the run's values, e.g. 0p9):", value="", width=360, name="run_query"
        )
        run_filter = CustomJSFilter(args={"query": query}, code=RUN_FILTER_CODE)
        query.js_on_change("value_input", CustomJS(args={"source": source}, code=REFILTER_CODE))
        number = NumberFormatter(format="0.000", nan_format="–")
        columns = [TableColumn(field="label", title="run", width=200)]
        for param in data.sweep.swept:
            # Text columns keep Bokeh's default formatter: it rejects formatter=None.
            formatter: dict[str, Any] = (
                {"formatter": NumberFormatter(format="0.[0000]", nan_format="–")} if data.is_numeric(param) else {}
            )
            columns.append(TableColumn(field=f"p_{param}", title=parameters.symbol(param), width=70, **formatter))
        columns += [TableColumn(field="samples", title="samples", formatter=NumberFormatter(format="0,0"), width=70)]
        for key in data.keys:
            columns += [
                TableColumn(
                    field=f"mean_{key}",
                    title=f"mean POWER {key}",
                    formatter=NumberFormatter(format=self.fmt),
                    width=112,
                ),
                TableColumn(
                    field=f"mean_{key}_sem", title="± SE", formatter=NumberFormatter(format=self.fmt), width=70
                ),
            ]
        fields = alpha_fields(data)
        for names in fields.values():
            symbol = f"α_{names['tag']}"
            columns += [
                TableColumn(field=names["alpha"], title=symbol, formatter=number, width=60),
                TableColumn(field=names["alpha_sem"], title="± SE", formatter=number, width=55),
                TableColumn(field=names["alpha_ci"], title="95% interval", width=115),
                TableColumn(field=names["alpha_c"], title=f"{symbol} corrected", formatter=number, width=95),
                TableColumn(field=names["alpha_c_sem"], title="± SE", formatter=number, width=55),
                TableColumn(field=names["alpha_c_ci"], title="95% interval", width=115),
            ]
        if fields:
            columns += [
                TableColumn(
                    field=f"reliability_{key}",
                    title=f"reliability {key}",
                    formatter=NumberFormatter(format="0.00", nan_format="–"),
                    width=80,
                )
                for key in data.keys
            ]
        columns += [
            TableColumn(
                field="seconds", title="time (s)", formatter=NumberFormatter(format="0.00", nan_format="–"), width=65
            ),
            TableColumn(
                field="samples_per_second",
                title="samples/s",
                formatter=NumberFormatter(format="0,0", nan_format="–"),
                width=75,
            ),
            TableColumn(
                field="bound_max",
                title="max error bound",
                formatter=ScientificFormatter(precision=1, nan_format="–"),
                width=95,
            ),
        ]
        height = int(min(30 + 26 * len(data.runs), 340))
        wanted = sum(c.width for c in columns) + 20
        table = DataTable(
            source=source,
            columns=columns,
            view=CDSView(filter=run_filter),
            sortable=True,
            selectable=True,
            index_position=None,
            height=height,
            width=min(MAX_TABLE_WIDTH, wanted),
            # Wider than the page allows: keep every column's width and scroll sideways, instead
            # of squeezing the columns until their numbers are cut off.
            autosize_mode="none" if wanted > MAX_TABLE_WIDTH else "force_fit",
            name="runs_table",
        )
        return source, query, table

    def top_tables(self):
        """One table of the run's top states; a menu (linked to the table's filter, no code) picks the list."""
        from bokeh.layouts import column
        from bokeh.models import CDSView, ColumnDataSource, CustomJS, GroupFilter, IntersectionFilter
        from bokeh.models.widgets import DataTable, NumberFormatter, Select, TableColumn

        data = self.data
        top = ColumnDataSource(top_source_columns(data), name="top_states")
        top.selected.js_on_change("indices", CustomJS(args={"top": top, "source": self.source}, code=TOP_SELECT_CODE))
        value = NumberFormatter(format=self.fmt)
        names = list(self.first.top_states(data.top_k))
        run_filter = GroupFilter(column_name="run", group=str(self.first.index))
        list_filter = GroupFilter(column_name="list", group=names[0])
        self.run_filters.append(run_filter)
        lists: list[str | tuple[Any, str]] = [(name, _list_title(name)) for name in names]  # (value, title)
        menu = Select(
            title=f"Top states (k = {data.top_k}; click a row to highlight the state):",
            value=names[0],
            options=lists,
            width=360,
            name="top_list",
        )
        menu.js_link("value", list_filter, "group")
        columns = [
            TableColumn(field="place", title="#", width=28),
            TableColumn(field="state", title="state", width=150 if len(data.keys) <= 2 else 75 * len(data.keys)),
        ]
        for key in data.keys:
            columns += [
                TableColumn(field=f"{key}_mean", title=f"POWER {key}", formatter=value, width=72),
                TableColumn(field=f"{key}_sem", title="± SE", formatter=value, width=60),
            ]
        if data.two_agents:
            first, second = data.keys
            columns.append(TableColumn(field="gap", title=f"{first} − {second}", formatter=value, width=70))
        table = DataTable(
            source=top,
            columns=columns,
            view=CDSView(filter=IntersectionFilter(operands=[run_filter, list_filter])),
            sortable=True,
            index_position=None,
            height=int(30 + 25 * min(data.top_k, 16)),
            width=sum(c.width for c in columns) + 16,
            name="top_table",
        )
        return column(menu, table)

    # -- sweep plots -----------------------------------------------------------------------

    def sweep_section(self):
        """Per swept parameter, a row of sweep plots; discount rates get a γ / log₁₀(1 − γ) axis switch."""
        from bokeh.layouts import column, row
        from bokeh.models import CustomJS
        from bokeh.models.widgets import Div, RadioButtonGroup

        data = self.data
        parts = []
        for param in data.plotted_parameters:
            heading = Div(text=f"<h3 style='margin:8px 0 0'>Against {html.escape(parameter_label(param))}</h3>")
            self.axis_sources, self.axis_figures = [], []
            plots = self.sweep_plots(param)
            symbol = parameters.symbol(param)
            # Discount rates get a log(1 − γ) axis, as in the scans' plots.
            if (
                parameters.scale(param) == "log_one_minus"
                and data.is_numeric(param)
                and all(0 <= float(v) < 1 for v, _ in data.sweep.swept[param])
            ):
                for source in self.axis_sources:
                    columns = dict(source.data)
                    if "x" in columns:
                        columns["x_lin"], columns["x_log"] = columns["x"], [math.log10(1 - x) for x in columns["x"]]
                    if "xs" in columns:
                        columns["xs_lin"], columns["xs_log"] = (
                            columns["xs"],
                            [[math.log10(1 - x) for x in xs] for xs in columns["xs"]],
                        )
                    source.data = columns
                switch = RadioButtonGroup(labels=[symbol, f"log₁₀(1 − {symbol})"], active=0, name=f"axis_{param}")
                labels = [parameter_label(param), f"log₁₀(1 − {symbol})  ({param})"]
                switch.js_on_change(
                    "active",
                    CustomJS(
                        args={
                            "sources": self.axis_sources,
                            "axes": [f.xaxis[0] for f in self.axis_figures],
                            "labels": labels,
                        },
                        code=AXIS_CODE,
                    ),
                )
                parts.append(column(heading, row(Div(text="x axis:"), switch), row(*plots)))
            else:
                parts.append(column(heading, row(*plots)))
        return parts

    def _x(self, run, param: str):
        value = run.values.get(param)
        if not self.data.is_numeric(param):
            return str(run.names.get(param, format_value(value)))
        return float(value)

    def sweep_plots(self, param: str) -> list:
        """α (of every pair), average POWER and the chosen states' POWER against ``param``."""
        from bokeh.palettes import Category10_10

        data = self.data
        symbol = parameters.symbol(param)
        series = data.series(param)
        several = len(series) > 1
        plots = []
        many = not data.two_agents  # three or more agents: a colour per pair
        if data.pairs:
            lines, points = _Lines(), _Lines()
            for i, (combo, runs) in enumerate(series):
                for j, tag in enumerate(data.pair_tags.values()):
                    colour = Category10_10[(j if many else i) % 10]
                    for name, key, dash, marker in (
                        ("raw", "alpha", "solid", "circle"),
                        ("corrected", "alpha_corrected", "dashed", "square"),
                    ):
                        stats = [r.pair_alignment(tag) if many else (r.alignment or {}) for r in runs]
                        xs = [self._x(r, param) for r in runs]
                        ys = [_finite(a.get(key)) for a in stats]
                        legend = (f"α_{tag} " if many else "") + name + (f" · {combo}" if several else "")
                        lines.add(xs=xs, ys=ys, colour=colour, dash=dash, legend=legend)
                        for r, a, x, y in zip(runs, stats, xs, ys):
                            interval = list(a.get(f"{key}_interval") or [None, None]) + [None, None]
                            points.add(
                                x=x,
                                y=y,
                                sem=_finite(a.get(f"{key}_sem")),
                                low=_finite(interval[0]),
                                high=_finite(interval[1]),
                                colour=colour,
                                marker=marker,
                                run=r.label,
                                what=f"α_{tag} {name}" + _clipped_note(a, key),
                            )
            tips = [
                ("run", "@run"),
                ("", "@what"),
                ("value", "@y{0.000} ± @sem{0.000}"),
                ("95% interval", "[@low{0.000}, @high{0.000}]"),
            ]
            what = "α of each pair" if many else f"α_{next(iter(data.pair_tags.values()))}"
            f = self.line_figure(
                param, f"{what} against {symbol} (95% intervals)", f"sweep_alpha_{param}", lines, points, tips
            )
            f.yaxis.axis_label = "α" if many else what
            plots.append(f)
        lines, points = _Lines(), _Lines()
        dashes = ["solid", "dashed", "dotted", "dotdash", "dashdot"]
        for i, (combo, runs) in enumerate(series):
            for key in data.keys:
                xs = [self._x(r, param) for r in runs]
                means = [r.average[key][0] for r in runs]
                lines.add(
                    xs=xs,
                    ys=means,
                    colour=self.colour(key),
                    dash=dashes[i % len(dashes)],
                    legend=agent_name(key) + (f" · {combo}" if several else ""),
                )
                for r, x, m in zip(runs, xs, means):
                    sem = r.average[key][1]
                    points.add(
                        x=x,
                        y=m,
                        sem=sem,
                        low=m - sem,
                        high=m + sem,
                        colour=self.colour(key),
                        marker="circle",
                        run=r.label,
                        what=f"mean POWER {key}",
                    )
        tips = [("run", "@run"), ("", "@what"), ("value", f"@y{{{self.fmt}}} ± @sem{{{self.fmt}}}")]
        f = self.line_figure(
            param, f"POWER averaged over states against {symbol}", f"sweep_average_{param}", lines, points, tips
        )
        f.yaxis.axis_label = "POWER (mean over states ± SE)"
        plots.append(f)
        if data.chosen_states:
            plots.append(self.chosen_states_plot(param, series))
        return plots

    def line_figure(
        self,
        param: str,
        title: str,
        name: str,
        lines: _Lines,
        points: _Lines,
        tooltips,
        line_filter=None,
        point_filter=None,
    ):
        """A sweep plot: one line per row of ``lines``, points with error bars from ``points`` (a few renderers only)."""
        from bokeh.models import CDSView, ColumnDataSource, HoverTool
        from bokeh.models.annotations import Legend
        from bokeh.plotting import figure

        numeric = self.data.is_numeric(param)
        factors = None if numeric else [str(n) for _, n in self.data.sweep.swept[param]]
        x_range: dict[str, Any] = {"x_range": factors} if factors else {}
        f = figure(
            frame_width=360,
            frame_height=260,
            title=title,
            tools="wheel_zoom,pan,reset,save",
            toolbar_location="above",
            name=name,
            **x_range,
        )
        f.xaxis.axis_label = parameter_label(param)
        f.toolbar.autohide = True  # the title stays readable
        legend = Legend(label_text_font_size="8pt", spacing=0, padding=4, margin=4)  # type: ignore[arg-type]  # bokeh's stubs type padding as its Property
        f.add_layout(legend, "below")
        line_source, point_source = ColumnDataSource(dict(lines.columns)), ColumnDataSource(dict(points.columns))
        self.axis_sources += [line_source, point_source]
        self.axis_figures.append(f)
        line_view = CDSView(filter=line_filter) if line_filter is not None else CDSView()
        point_view = (lambda: CDSView(filter=point_filter)) if point_filter is not None else CDSView
        f.multi_line(
            "xs",
            "ys",
            source=line_source,
            view=line_view,
            color="colour",
            line_dash="dash",
            line_width=1.5,
            legend_field="legend",
        )
        f.segment(x0="x", x1="x", y0="low", y1="high", source=point_source, view=point_view(), color="colour")
        dots = f.scatter("x", "y", source=point_source, view=point_view(), color="colour", marker="marker", size=6)
        f.add_tools(HoverTool(renderers=[dots], tooltips=tooltips))
        return f

    def chosen_states_plot(self, param, series):
        """POWER of the chosen states against ``param``, at the other swept values of the run shown."""
        from bokeh.models import GroupFilter
        from bokeh.palettes import Category10_10

        data = self.data
        symbol = parameters.symbol(param)
        lines, points = _Lines(), _Lines()
        for combo, runs in series:
            positions = [{label: i for i, label in enumerate(run.states)} for run in runs]
            for s, state in enumerate(data.chosen_states):
                colour = Category10_10[s % 10]
                for key in data.keys:
                    xs, ys = [], []
                    for run, where in zip(runs, positions):
                        if state not in where:
                            continue
                        i = where[state]
                        x, mean, sem = self._x(run, param), float(run.means[key][i]), float(run.sems[key][i])
                        xs.append(x)
                        ys.append(mean)
                        points.add(
                            x=x,
                            y=mean,
                            sem=sem,
                            low=mean - sem,
                            high=mean + sem,
                            colour=colour,
                            marker=MARKERS[data.keys.index(key) % len(MARKERS)],
                            run=run.label,
                            what=f"{state}, POWER {key}",
                            combo=combo,
                        )
                    lines.add(
                        xs=xs,
                        ys=ys,
                        colour=colour,
                        dash=DASHES[data.keys.index(key) % len(DASHES)],
                        legend=f"{state} · {key}",
                        combo=combo,
                    )
        several = len(series) > 1
        # combo_label gives each run the label of its series (the lines' 'combo' column).
        title_of = lambda run: (
            f"POWER of chosen states against {symbol}" + (f" at {data.combo_label(run, param)}" if several else "")
        )
        first_combo = data.combo_label(self.first, param)
        line_filter = GroupFilter(column_name="combo", group=first_combo)
        point_filter = GroupFilter(column_name="combo", group=first_combo)
        groups = [data.combo_label(run, param) for run in data.runs]
        self.combo_filters += [(line_filter, groups), (point_filter, groups)]
        tips = [("run", "@run"), ("", "@what"), ("value", f"@y{{{self.fmt}}} ± @sem{{{self.fmt}}}")]
        f = self.line_figure(
            param, title_of(self.first), f"sweep_states_{param}", lines, points, tips, line_filter, point_filter
        )
        if several:
            self.titles.append((f.title, self.run_texts(title_of)))
        f.yaxis.axis_label = (
            "POWER (mean ± SE; "
            + ", ".join(f"{key} {DASHES[i % len(DASHES)]}" for i, key in enumerate(data.keys))
            + ")"
        )
        return f

    # -- header and assembly ---------------------------------------------------------------

    def header(self):
        from bokeh.models.widgets import Div

        h = self.data.header()
        e = html.escape

        def fact(name: str, value: str) -> str:
            return f"<tr><th>{e(name)}</th><td>{value}</td></tr>"

        versions = "; ".join(f"{e(n)} {e(', '.join(v))}" for n, v in h["versions"].items()) or "–"
        samples = ", ".join(f"{n:,}" for n in h["num_reward_samples"]) or "–"
        if h["overrides"].get("samples"):
            samples += " (set with --samples, not the config's count)"
        swept = "; ".join(f"{e(parameter_label(p))}: {e(', '.join(v))}" for p, v in h["swept"].items()) or "nothing"
        timing = f"created {e(h['created'])}" + (
            f", finished {e(h['finished'])}" if h["finished"] else ", not finished"
        )
        if h["seconds_total"] is not None:
            timing += f"; computing time {h['seconds_total']:.2f} s in all (longest run {h['seconds_max']:.2f} s)"
        threshold = ", ".join(f"{t:g}" for t in h["convergence_threshold"]) or "–"
        convergence = (
            f"tolerance {threshold}; largest certified POWER error {h['bound_max']:.3g}; "
            f"{h['samples_capped']:,} sample(s) stopped at the iteration cap"
        )
        runs = f"{h['runs_finished']} of {h['runs_total']} finished"
        if h["missing_runs"]:
            runs += f" (unfinished: {e(', '.join(h['missing_runs']))})"
        rows = [
            fact(
                "experiment",
                e(h["experiment_type"]) + (f" on {e(', '.join(h['environments']))}" if h["environments"] else ""),
            ),
            fact("swept", swept),
            fact("runs", runs),
            fact("states", e(", ".join(str(n) for n in h["num_states"]))),
            fact("reward samples per run", samples),
            fact("random seed", e(h["random_seed"])),
            fact("convergence", convergence),
            *(
                [
                    fact(
                        "counter-optimisation rounds",
                        "<br>".join(f"{e(label)}: {e(text)}" for label, text in h["rounds"]),
                    )
                ]
                if h.get("rounds")
                else []
            ),
            fact("timing", timing),
            fact("versions", versions),
            fact("folder", f"<code>{e(h['path'])}</code>"),
        ]
        description = f"<p>{e(h['description'])}</p>" if h["description"] else ""
        config = (
            f"<details><summary>config.yaml</summary><pre>{e(h['config_text'])}</pre></details>"
            if h["config_text"]
            else ""
        )
        style = (
            "<style>.pp-facts th{text-align:left;padding:1px 12px 1px 0;vertical-align:top;font-weight:600}"
            ".pp-facts td{padding:1px 0}</style>"
        )
        text = (
            f"{style}<h1 style='margin:4px 0'>{e(h['title'])}</h1>{description}"
            f"<table class='pp-facts'>{''.join(rows)}</table>{config}"
        )
        return Div(text=text, width=1200, name="header")

    def build(self):
        from bokeh.layouts import column, row
        from bokeh.models import CustomJS
        from bokeh.models.widgets import Div, RadioButtonGroup, Select

        data = self.data
        runs_source, query, runs_table = self.runs_table()
        runs: list[str | tuple[Any, str]] = [(str(run.index), run.label) for run in data.runs]  # (value, title)
        select = Select(
            title="Run shown below:",
            value=str(self.first.index),
            options=runs,
            width=360,
            name="run_select",
        )
        if data.kind == "joint_gridworld":
            self.mode = RadioButtonGroup(labels=list(MODE_LABELS), active=0, name="colour_mode")
        pickers = []
        if data.kind == "agents_gridworld":
            pickers = [self.position_picker(k) for k in data.keys]
            pictures = [self.agent_map(k) for k in data.keys]
        else:
            pictures = [self.bars(k) if data.kind == "bars" else self.heatmap(k) for k in data.keys]
        alignment = self.alignment(select) if data.pairs else None
        tops = self.top_tables()
        sweep_parts = self.sweep_section()
        same = data.same_states
        update = CustomJS(
            args={
                "select": select,
                "mode": self.mode,
                "source": self.source,
                "run_filters": self.run_filters,
                "combo_filters": self.combo_filters,
                "titles": self.titles,
                "ranges": self.ranges,
                "mappers": self.mappers,
                "colour_limits": self.colour_limits,
                "palettes": self.palettes(),
                "bar_titles": MODE_TITLES,
                "modes": list(MODES),
                "same_states": same,
                "n_states": len(self.first.states),
                "fields": {k: {mode: colour_field(k, mode) for mode in MODES} for k in data.keys},
            },
            code=UPDATE_CODE,
        )
        select.js_on_change("value", update)
        if self.mode is not None:
            self.mode.js_on_change("active", update)
        if self.maps:
            maps = self.maps_callback(select)
            select.js_on_change("value", maps)
            for picker in pickers:
                picker.js_on_change("value", maps)
            self.on_ready = maps
        runs_source.selected.js_on_change(
            "indices", CustomJS(args={"runs": runs_source, "select": select}, code=RUN_ROW_CODE)
        )
        text = (
            "Hover a cell or point for its state, each agent's POWER (mean ± standard error) "
            "and rank. Click a cell, point or table row to highlight that state everywhere (shift-click adds more); drag a "
            "box or lasso in the alignment plot to highlight a group. Highlights follow when another run is shown."
        )
        if self.maps:
            text = (
                "Each agent's map shows its POWER at each of its cells, averaged uniformly over the joint states present "
                "in which the other agents are where their menus say ('any': averaged over their positions). Pick an "
                "agent's position with its menu, or click a cell of its map. Hover a cell for the value and its error (for "
                "an average, an upper bound: the mean of the states' errors) -- for a single joint state, its label and "
                "every agent's POWER ± standard error and rank. Click a point or table row to highlight that state."
            )
        hint = Div(text=f"<p style='margin:2px 0;color:#444'>{text}</p>", width=1200)
        controls = [select] + (
            [column(Div(text="Colour scale of the heat maps:"), self.mode)] if self.mode is not None else []
        )
        section = lambda text: Div(text=f"<h2 style='margin:14px 0 2px'>{html.escape(text)}</h2>", width=1200)
        parts = [
            self.header(),
            section("Runs"),
            query,
            runs_table,
            section("One run"),
            row(*controls),
            *([row(*pickers)] if pickers else []),
            hint,
            row(*pictures),
        ]
        lower = [alignment] if alignment is not None else []
        lower.append(tops)
        parts.append(row(*lower))
        if sweep_parts:
            parts.append(section("Across the sweep"))
            parts += sweep_parts
        return column(*parts, name="report")

    @staticmethod
    def palettes() -> dict[str, list[str]]:
        from bokeh.palettes import PuOr11, Viridis256

        return {"shared": list(Viridis256), "block": list(Viridis256), "difference": list(reversed(PuOr11))}


def build_layout(data: ReportData):
    """The Bokeh layout of a report (a ``column``); see module notes."""
    return _Page(data).build()


def build_document(data: ReportData):
    """The report's Bokeh document: its layout, and what runs when the page has loaded (the
    three-or-more-agent maps are computed in the browser)."""
    from bokeh.document import Document

    page = _Page(data)
    document = Document()
    document.add_root(page.build())
    if page.on_ready is not None:
        document.js_on_event("document_ready", page.on_ready)
    return document


def report_html(data: ReportData) -> str:
    """The report as one self-contained HTML page (BokehJS inlined, no network access)."""
    from bokeh.embed import file_html
    from bokeh.resources import INLINE

    layout = build_document(data)
    title = f"powerplay report: {data.sweep.path.name}"
    return file_html(layout, INLINE, title=title)


__all__ = [
    "AGENT_COLORS",
    "MODES",
    "build_layout",
    "report_html",
    "runs_source_columns",
    "state_source_columns",
    "top_source_columns",
]
