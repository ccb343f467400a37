"""Families of gridworlds drawn at random from a size and a seed: perfect mazes, rooms with doors.

Each family gives a text map (``'.'`` open cell, ``'#'`` wall, the format of
:func:`~powerplay.model.gridworld.gridworld_from_map`), the single-agent gridworld on it, and,
through a *generator spec*, the joint gridworld of two or more agents with any interaction
rule. The same size, parameters and seed always give the same map.

Mazes
-----
:func:`maze` draws a *perfect maze* on a ``rows x cols`` grid of maze cells: a spanning tree
of the grid graph, so there is exactly one path between any two cells. The tree is the
minimum spanning tree for independent uniform random edge weights (the randomised Kruskal
maze). Maze cells sit at even map coordinates and the passage between two neighbouring
cells is the map square between them, so the map has ``2 * rows - 1`` lines of
``2 * cols - 1`` characters, with no outer wall (moves off the map are unavailable anyway).
A maze of ``rows x cols`` cells has ``rows * cols`` cell squares and ``rows * cols - 1``
open passages: ``2 * rows * cols - 1`` states. ``loops = k`` then opens ``k`` more walls
between neighbouring cells, chosen uniformly, so the maze has ``k`` independent cycles. A
3 x 4 maze, ``maze_map(3, 4, seed=0)``::

    .....#.
    .#.###.
    .#.....
    ##.###.
    .....#.

Rooms
-----
:func:`rooms` lays out a ``rows x cols`` grid of rectangular rooms, each ``room_size``
open cells (an int for square rooms, or ``(height, width)``), separated by one-cell walls,
again with no outer wall: the map has ``rows * (height + 1) - 1`` lines of
``cols * (width + 1) - 1`` characters. Each wall shared by two neighbouring rooms gets one
door (an open wall square) at a uniformly chosen position along it. With ``doors='all'``
every shared wall has its door; with ``doors='tree'`` only the walls of a random spanning
tree of the rooms do (the fewest doors that connect all rooms; the same seed puts them where
``doors='all'`` would). Either way every room is reachable from every other. Two 3 x 3 rooms
side by side, ``rooms_map(1, 2, seed=0)``::

    ...#...
    ...#...
    .......

Generator specs
---------------
A config may give a generator spec where it names an MDP (``mdp_graph``,
``joint_mdp_graph``); :func:`generate_mdp` builds it::

    mdp_graph: {value: {generator: maze, rows: 7, cols: 7, seed: 3}}
    joint_mdp_graph: {value: {generator: rooms, rows: 2, cols: 2, room_size: 3, seed: 1, joint: remove}}
    joint_mdp_graph: {value: {generator: maze, rows: 3, cols: 3, seed: 0, joint: block, agents: [H, A, B]}}

=============================  =======================================================
key                            meaning
=============================  =======================================================
``generator``                  ``maze`` or ``rooms`` (required)
``rows``, ``cols``             grid size in maze cells or in rooms (required, >= 1)
``seed``                       non-negative integer (required)
``loops``                      maze only: extra walls opened (default 0)
``room_size``                  rooms only: int or ``[height, width]`` (default 3)
``doors``                      rooms only: ``all`` or ``tree`` (default ``all``)
``stochastic_noise_level``     as for :func:`~powerplay.model.gridworld.gridworld` (default 0)
``noise_bias``                 as for :func:`~powerplay.model.gridworld.gridworld` (default none)
``joint``                      ``allow``, ``remove`` or ``block``: the joint gridworld
                               with that interaction rule (default: single-agent)
``agents``                     with ``joint``: the agents, e.g. ``[H, A, B]`` (default
                               the pair ``[H, A]``)
``name``                       overrides the canonical name
=============================  =======================================================

Unknown generators or keys, and bad values, raise :class:`~powerplay.errors.ModelError`
with ``field`` set to the key at fault; the message lists the valid choices. The MDP is
named by :func:`generator_spec_name`: ``'maze 7x7 seed 3'``, ``'rooms 2x2 (3x3 each) seed
1'``, and for joint specs ``'joint maze 7x7 seed 3 (no overlap)'`` (``'joint maze 7x7 seed 3,
agents H A B (no overlap)'`` with agents other than H and A), so run folders and figure
titles say what was generated. To sweep over seeds, list one spec per seed.

Examples
--------
>>> maze_map(3, 4, seed=0).splitlines()
['.....#.', '.#.###.', '.#.....', '##.###.', '.....#.']
>>> m = maze(3, 4, seed=0)
>>> m.name, m.num_states
('maze 3x4 seed 0', 23)
>>> joint = generate_mdp({'generator': 'rooms', 'rows': 1, 'cols': 2, 'seed': 0, 'joint': 'remove'})
>>> joint.name, joint.num_states
('joint rooms 1x2 (3x3 each) seed 0 (no overlap)', 342)
"""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Integral, Real
from typing import Any

import numpy as np
from scipy import sparse

from ..errors import ModelError
from .gridworld import _check_noise, gridworld_from_cells, joint_gridworld, joint_name
from .interactions import INTERACTION_RULES, interaction_spec
from .labels import DEFAULT_AGENTS, check_agent_names
from .mdp import MDP, JointMDP
from .mechanics import Mechanics, Wind, render_map

#: Door layouts of :func:`rooms`.
DOOR_LAYOUTS = ("all", "tree")

#: Interaction rules a spec's ``joint`` key accepts, alone or in a list (see
#: :mod:`powerplay.model.interactions`).
JOINT_RULES = tuple(INTERACTION_RULES)


# -- checks ----------------------------------------------------------------------------------


def _whole(value: Any, field: str, minimum: int) -> int:
    if not isinstance(value, Integral) or isinstance(value, bool) or value < minimum:
        raise ModelError(f"{field} must be an integer >= {minimum}, not {value!r}", field=field)
    return int(value)


def _room_shape(room_size: Any) -> tuple[int, int]:
    if isinstance(room_size, (list, tuple)):
        if len(room_size) != 2:
            raise ModelError(f"room_size must be an integer or [height, width], not {room_size!r}", field="room_size")
        return _whole(room_size[0], "room_size", 1), _whole(room_size[1], "room_size", 1)
    size = _whole(room_size, "room_size", 1)
    return size, size


# -- random spanning trees of grid graphs ------------------------------------------------------


def _grid_edges(rows: int, cols: int) -> tuple[np.ndarray, np.ndarray]:
    """Edges ``(u, v)``, ``u < v``, between neighbouring nodes of a row-major ``rows x cols`` grid.

    Horizontal edges first (row by row), then vertical ones: a fixed order, so that the
    random numbers drawn per edge are reproducible.
    """
    node = np.arange(rows * cols).reshape(rows, cols)
    u = np.concatenate([node[:, :-1].ravel(), node[:-1, :].ravel()])
    v = np.concatenate([node[:, 1:].ravel(), node[1:, :].ravel()])
    return u, v


def _spanning_tree(num_nodes: int, u: np.ndarray, v: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``[E]`` bool: the edges ``(u, v)`` of the minimum spanning tree for uniform random weights."""
    weights = 1.0 - rng.random(u.size)  # in (0, 1]: csgraph reads a zero weight as "no edge"
    if u.size == 0:
        return np.zeros(0, dtype=bool)
    from scipy.sparse.csgraph import minimum_spanning_tree  # here: csgraph adds 50 ms to every start-up

    graph = sparse.coo_array((weights, (u, v)), shape=(num_nodes, num_nodes)).tocsr()
    tree = minimum_spanning_tree(graph).tocoo()
    # An edge (u, v), u < v, is in the tree if its key u * N + v is among the tree's keys.
    tree_keys = np.sort(np.minimum(tree.row, tree.col).astype(np.int64) * num_nodes + np.maximum(tree.row, tree.col))
    keys = u.astype(np.int64) * num_nodes + v
    found = np.searchsorted(tree_keys, keys).clip(max=tree_keys.size - 1)
    return tree_keys[found] == keys


# -- mazes -------------------------------------------------------------------------------------


def maze_cells(rows: int, cols: int, seed: int, loops: int = 0) -> np.ndarray:
    """The open squares of :func:`maze_map` as a ``[2 * rows - 1, 2 * cols - 1]`` boolean array.

    Parameters and errors as :func:`maze_map`.
    """
    rows, cols = _whole(rows, "rows", 1), _whole(cols, "cols", 1)
    seed, loops = _whole(seed, "seed", 0), _whole(loops, "loops", 0)
    rng = np.random.default_rng(seed)
    u, v = _grid_edges(rows, cols)
    passages = _spanning_tree(rows * cols, u, v, rng)
    walls = np.flatnonzero(~passages)
    if loops > walls.size:
        raise ModelError(
            f"loops={loops} but a {rows}x{cols} maze has only {walls.size} inner walls to open", field="loops"
        )
    passages[rng.choice(walls, size=loops, replace=False)] = True
    cells = np.zeros((2 * rows - 1, 2 * cols - 1), dtype=bool)
    cells[::2, ::2] = True
    # The passage between cells (r1, c1) and (r2, c2) is the square (r1 + r2, c1 + c2).
    (r1, c1), (r2, c2) = np.divmod(u[passages], cols), np.divmod(v[passages], cols)
    cells[r1 + r2, c1 + c2] = True
    return cells


def maze_map(rows: int, cols: int, seed: int, loops: int = 0) -> str:
    """A random perfect maze on ``rows x cols`` cells, as a text map (see the module notes).

    Parameters
    ----------
    rows, cols : int
        The maze's size in cells (>= 1); the map is ``2 * rows - 1`` by ``2 * cols - 1``.
    seed : int
        Non-negative; the same seed gives the same maze.
    loops : int
        Walls between neighbouring cells opened after drawing the tree (default 0: a
        perfect maze, one path between any two cells).

    Returns
    -------
    str
        ``'.'``/``'#'`` lines, no trailing newline.

    Raises
    ------
    ModelError
        With ``field`` set: a size below one, a negative seed, or more loops than walls.

    Examples
    --------
    >>> maze_map(2, 2, seed=1).splitlines()
    ['...', '##.', '...']
    >>> maze_map(2, 2, seed=1, loops=1).splitlines()
    ['...', '.#.', '...']
    """
    return _render(maze_cells(rows, cols, seed, loops))


def maze(
    rows: int,
    cols: int,
    seed: int,
    loops: int = 0,
    stochastic_noise_level: float = 0.0,
    noise_bias: Mapping[str, float] | None = None,
    name: str = "",
) -> MDP:
    """The single-agent gridworld on :func:`maze_map`.

    Parameters
    ----------
    rows, cols, seed, loops
        As :func:`maze_map`.
    stochastic_noise_level, noise_bias
        As :func:`~powerplay.model.gridworld.gridworld`.
    name : str
        Default: the canonical name, e.g. ``'maze 7x7 seed 3'``.

    Returns
    -------
    MDP
        ``2 * rows * cols - 1 + loops`` states ``'(row, col)'`` in map coordinates.

    Raises
    ------
    ModelError
        As :func:`maze_map`, or on a bad noise level or bias.

    Examples
    --------
    >>> m = maze(7, 7, seed=3)
    >>> m.name, m.num_states
    ('maze 7x7 seed 3', 97)
    """
    mdp = generate_mdp(
        {
            "generator": "maze",
            "rows": rows,
            "cols": cols,
            "seed": seed,
            "loops": loops,
            "stochastic_noise_level": stochastic_noise_level,
            "noise_bias": dict(noise_bias or {}),
            "name": name or "",
        }
    )
    assert isinstance(mdp, MDP)  # a spec without 'joint' makes a single-agent MDP
    return mdp


# -- rooms -------------------------------------------------------------------------------------


def rooms_cells(
    rows: int, cols: int, seed: int, room_size: int | tuple[int, int] = 3, doors: str = "all"
) -> np.ndarray:
    """The open squares of :func:`rooms_map` as a boolean array.

    Parameters and errors as :func:`rooms_map`.
    """
    rows, cols, seed = _whole(rows, "rows", 1), _whole(cols, "cols", 1), _whole(seed, "seed", 0)
    height, width = _room_shape(room_size)
    if doors not in DOOR_LAYOUTS:
        raise ModelError(f"doors must be one of {', '.join(DOOR_LAYOUTS)}, not {doors!r}", field="doors")
    rng = np.random.default_rng(seed)
    cells = np.ones((rows * (height + 1) - 1, cols * (width + 1) - 1), dtype=bool)
    cells[height :: height + 1, :] = False
    cells[:, width :: width + 1] = False
    u, v = _grid_edges(rows, cols)  # neighbouring rooms: side by side, then one above the other
    side_by_side = np.arange(u.size) < rows * (cols - 1)  # (not v - u == 1: with one column, so are vertical ones)
    # Door positions for every shared wall first, so that 'tree' doors sit where 'all' puts them.
    offset = rng.integers(np.where(side_by_side, height, width))
    (r, c) = np.divmod(u, cols)
    door_row = np.where(side_by_side, r * (height + 1) + offset, r * (height + 1) + height)
    door_col = np.where(side_by_side, c * (width + 1) + width, c * (width + 1) + offset)
    opened = _spanning_tree(rows * cols, u, v, rng) if doors == "tree" else np.ones(u.size, dtype=bool)
    cells[door_row[opened], door_col[opened]] = True
    return cells


def rooms_map(rows: int, cols: int, seed: int, room_size: int | tuple[int, int] = 3, doors: str = "all") -> str:
    """Random doors between a ``rows x cols`` grid of rooms, as a text map (see the module notes).

    Parameters
    ----------
    rows, cols : int
        The number of rooms down and across (>= 1).
    seed : int
        Non-negative; the same seed gives the same doors.
    room_size : int or (int, int)
        Open cells per room: ``n`` for ``n x n`` rooms, or ``(height, width)``.
    doors : {'all', 'tree'}
        A door in every wall shared by two rooms, or only in those of a random spanning tree
        of the rooms.

    Returns
    -------
    str
        ``rows * (height + 1) - 1`` lines of ``cols * (width + 1) - 1`` characters.

    Raises
    ------
    ModelError
        With ``field`` set: a size below one, a negative seed, an unknown door layout.

    Examples
    --------
    >>> rooms_map(2, 2, seed=4, room_size=2).splitlines()
    ['..#..', '.....', '#.##.', '..#..', '.....']
    """
    return _render(rooms_cells(rows, cols, seed, room_size, doors))


def rooms(
    rows: int,
    cols: int,
    seed: int,
    room_size: int | tuple[int, int] = 3,
    doors: str = "all",
    stochastic_noise_level: float = 0.0,
    noise_bias: Mapping[str, float] | None = None,
    name: str = "",
) -> MDP:
    """The single-agent gridworld on :func:`rooms_map`.

    Parameters
    ----------
    rows, cols, seed, room_size, doors
        As :func:`rooms_map`.
    stochastic_noise_level, noise_bias
        As :func:`~powerplay.model.gridworld.gridworld`.
    name : str
        Default: the canonical name, e.g. ``'rooms 2x3 (4x4 each) seed 1, tree doors'``.

    Returns
    -------
    MDP

    Raises
    ------
    ModelError
        As :func:`rooms_map`, or on a bad noise level or bias.

    Examples
    --------
    >>> r = rooms(2, 3, seed=1, room_size=4, doors='tree')
    >>> r.name, r.num_states
    ('rooms 2x3 (4x4 each) seed 1, tree doors', 101)
    """
    mdp = generate_mdp(
        {
            "generator": "rooms",
            "rows": rows,
            "cols": cols,
            "seed": seed,
            "room_size": room_size,
            "doors": doors,
            "stochastic_noise_level": stochastic_noise_level,
            "noise_bias": dict(noise_bias or {}),
            "name": name or "",
        }
    )
    assert isinstance(mdp, MDP)  # a spec without 'joint' makes a single-agent MDP
    return mdp


def _render(cells: np.ndarray) -> str:
    return "\n".join("".join(".#"[int(not open_)] for open_ in line) for line in cells)


# -- specs -------------------------------------------------------------------------------------

_COMMON_KEYS = (
    "generator",
    "rows",
    "cols",
    "seed",
    "stochastic_noise_level",
    "noise_bias",
    "joint",
    "agents",
    "name",
    "one_way",
    "teleporters",
    "wind",
)

#: The keys each generator's spec accepts.
GENERATOR_KEYS: dict[str, tuple[str, ...]] = {
    "maze": _COMMON_KEYS + ("loops",),
    "rooms": _COMMON_KEYS + ("room_size", "doors"),
}


def is_generator_spec(value: Any) -> bool:
    """Whether a config's MDP value is a generator spec rather than an MDP name.

    True for any mapping (an MDP name is a string, so a mapping can only be a spec; a bad
    one then gets a precise error from :func:`generate_mdp`).

    Examples
    --------
    >>> is_generator_spec({'generator': 'maze', 'rows': 3, 'cols': 3, 'seed': 0}), is_generator_spec('7x7_gridworld_maze')
    (True, False)
    """
    return isinstance(value, Mapping)


def normalize_generator_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A generator spec checked, with every default filled in (``joint`` is ``None`` if absent).

    ``agents`` is kept only when it is not the default pair ``[H, A]`` (so a two-agent spec
    normalises as it always did).

    Raises
    ------
    ModelError
        With ``field`` naming the key at fault: a missing or unknown generator (listing the
        valid ones), an unknown key (listing the valid keys), or a bad value.

    Examples
    --------
    >>> normalize_generator_spec({'generator': 'maze', 'rows': 3, 'cols': 4, 'seed': 0})
    {'generator': 'maze', 'rows': 3, 'cols': 4, 'seed': 0, 'stochastic_noise_level': 0.0, 'noise_bias': {}, 'joint': None, 'name': '', 'loops': 0}
    >>> normalize_generator_spec({'generator': 'maze', 'rows': 3, 'cols': 4, 'seed': 0, 'room_size': 2})
    Traceback (most recent call last):
    ...
    powerplay.errors.ModelError: room_size: unknown key for generator 'maze'; valid: generator, rows, cols, seed, stochastic_noise_level, noise_bias, joint, agents, name, one_way, teleporters, wind, loops
    >>> normalize_generator_spec({'generator': 'maze', 'rows': 2, 'cols': 2, 'seed': 0, 'joint': 'block', 'agents': ['H', 'A', 'B']})['agents']
    ['H', 'A', 'B']
    """
    if not isinstance(spec, Mapping):
        raise ModelError(
            f"a generator spec is a mapping such as {{generator: maze, rows: 7, cols: 7, seed: 0}}, not {spec!r}"
        )
    generator = spec.get("generator")
    if not isinstance(generator, str) or generator not in GENERATOR_KEYS:  # a list is unhashable
        what = (
            "a generator spec needs a 'generator' key"
            if "generator" not in spec
            else f"unknown generator {generator!r}"
        )
        raise ModelError(f"{what}; valid: {', '.join(GENERATOR_KEYS)}", field="generator")
    keys = GENERATOR_KEYS[generator]
    for key in spec:
        if key not in keys:
            raise ModelError(
                f"{key}: unknown key for generator {generator!r}; valid: {', '.join(keys)}", field=str(key)
            )
    for key in ("rows", "cols", "seed"):
        if key not in spec:
            raise ModelError(f"{key}: missing (a {generator} spec needs rows, cols and seed)", field=key)
    out: dict[str, Any] = {
        "generator": generator,
        "rows": _whole(spec["rows"], "rows", 1),
        "cols": _whole(spec["cols"], "cols", 1),
        "seed": _whole(spec["seed"], "seed", 0),
    }
    level = spec.get("stochastic_noise_level", 0.0)
    if not isinstance(level, Real) or isinstance(level, bool) or not 0.0 <= float(level) <= 1.0:
        raise ModelError(
            f"stochastic_noise_level must be a number in [0, 1], not {level!r}", field="stochastic_noise_level"
        )
    bias = spec.get("noise_bias") or {}
    if not isinstance(bias, Mapping) or not all(isinstance(b, Real) and not isinstance(b, bool) for b in bias.values()):
        raise ModelError(f"noise_bias must be a mapping {{direction: magnitude}}, not {bias!r}", field="noise_bias")
    bias = {str(direction): float(magnitude) for direction, magnitude in bias.items()}
    try:
        _check_noise(float(level), bias)
    except ModelError as error:
        raise ModelError(str(error), field="noise_bias") from None
    out["stochastic_noise_level"], out["noise_bias"] = float(level), bias
    joint = spec.get("joint")
    if joint is not None:
        try:
            joint = interaction_spec(joint)
        except ModelError as error:
            raise ModelError("joint: " + str(error).removeprefix("interaction: "), field="joint") from None
    out["joint"] = joint
    agents = spec.get("agents")
    if agents is not None:
        if not isinstance(agents, (list, tuple)):
            raise ModelError(f"agents must be a list of agent names such as [H, A, B], not {agents!r}", field="agents")
        try:
            agents = check_agent_names(agents)
        except ModelError as error:
            raise ModelError(f"agents: {error}", field="agents") from None
        if joint is None:
            raise ModelError(
                f"agents: {list(agents)} needs joint: allow, remove or block, or another interaction rule (the agents "
                "share a joint gridworld)",
                field="agents",
            )
        if agents != DEFAULT_AGENTS:
            out["agents"] = list(agents)
    name = spec.get("name", "")
    if not isinstance(name, str):
        raise ModelError(f"name must be a string, not {name!r}", field="name")
    out["name"] = name
    if generator == "maze":
        out["loops"] = _whole(spec.get("loops", 0), "loops", 0)
    else:
        height, width = _room_shape(spec.get("room_size", 3))
        out["room_size"] = height if height == width else [height, width]
        doors = spec.get("doors", "all")
        if doors not in DOOR_LAYOUTS:
            raise ModelError(f"doors must be one of {', '.join(DOOR_LAYOUTS)}, not {doors!r}", field="doors")
        out["doors"] = doors
    # Mechanics: kept only when present, so a spec without them normalises as it always did.
    for key in ("one_way", "teleporters"):
        if spec.get(key):
            out[key] = _whole(spec[key], key, 0)
    wind = spec.get("wind")
    if wind is not None and wind != []:
        try:
            winds = Mechanics.create(wind=wind).wind
            Mechanics(wind=winds).check(np.ones(_map_shape(out), dtype=bool))
        except ModelError as error:
            raise ModelError(str(error), field=error.field or "wind") from None
        out["wind"] = [w.to_spec() for w in winds]
    return out


def _map_shape(spec: Mapping[str, Any]) -> tuple[int, int]:
    """The ``(lines, characters)`` of a normalised spec's map."""
    if spec["generator"] == "maze":
        return 2 * spec["rows"] - 1, 2 * spec["cols"] - 1
    size = spec["room_size"]
    height, width = (size, size) if isinstance(size, int) else size
    return spec["rows"] * (height + 1) - 1, spec["cols"] * (width + 1) - 1


def _generated_cells(spec: Mapping[str, Any]) -> np.ndarray:
    if spec["generator"] == "maze":
        return maze_cells(spec["rows"], spec["cols"], spec["seed"], spec["loops"])
    return rooms_cells(spec["rows"], spec["cols"], spec["seed"], spec["room_size"], spec["doors"])


def _generated_mechanics(spec: Mapping[str, Any], cells: np.ndarray) -> Mechanics:
    """The one-way doors, teleporters and winds of a normalised spec on its map.

    Drawn from their own random stream (``default_rng([seed, 1])``), so adding mechanics does
    not change the map. One-way doors go on passages -- a maze's squares between two cells, the
    doors between rooms --, each pointing along its passage in a uniformly drawn direction;
    teleporter pads on a maze's cells or a room's cells (never on a passage), paired in the
    order drawn.
    """
    rng = np.random.default_rng([spec["seed"], 1])
    r, c = np.nonzero(cells)
    if spec["generator"] == "maze":
        across = c % 2 == 1  # a passage between a cell and the one to its right: entered moving left or right
        passage = (r + c) % 2 == 1
    else:
        size = spec["room_size"]
        height, width = (size, size) if isinstance(size, int) else size
        across = c % (width + 1) == width
        passage = across | (r % (height + 1) == height)
    doors: dict[tuple[int, int], str] = {}
    count = spec.get("one_way", 0)
    if count:
        candidates = np.flatnonzero(passage)
        if count > candidates.size:
            raise ModelError(
                f"one_way={count} but the map has only {candidates.size} passages to make one-way", field="one_way"
            )
        chosen = np.sort(rng.choice(candidates, size=count, replace=False))
        forward = rng.integers(2, size=count)
        for k, turn in zip(chosen.tolist(), forward.tolist()):
            doors[int(r[k]), int(c[k])] = (("left", "right") if across[k] else ("up", "down"))[turn]
    pairs = []
    count = spec.get("teleporters", 0)
    if count:
        candidates = np.flatnonzero(~passage)
        if 2 * count > candidates.size:
            raise ModelError(
                f"teleporters={count} needs {2 * count} cells, but the map has only {candidates.size}",
                field="teleporters",
            )
        chosen = rng.choice(candidates, size=2 * count, replace=False).tolist()
        pairs = [((int(r[a]), int(c[a])), (int(r[b]), int(c[b]))) for a, b in zip(chosen[::2], chosen[1::2])]
    return Mechanics.create(one_way=doors, teleporters=pairs, wind=spec.get("wind"))


def generator_map(spec: Mapping[str, Any]) -> str:
    """The text map of a generator spec, one-way doors and teleporter pads drawn (winds are not map characters).

    Examples
    --------
    >>> print(generator_map({'generator': 'maze', 'rows': 2, 'cols': 3, 'seed': 0, 'one_way': 2, 'teleporters': 1}))
    ..0..
    v#.#^
    .#0#.
    """
    spec = normalize_generator_spec(spec)
    cells = _generated_cells(spec)
    return render_map(cells, _generated_mechanics(spec, cells))


def generator_spec_name(spec: Mapping[str, Any]) -> str:
    """The canonical name of a generator spec (the generated MDP's default name).

    Only what differs from the defaults is named: ``'maze 7x7 seed 3'``,
    ``'maze 7x7 seed 3, 4 loops, noise 0.1'``, ``'rooms 2x3 (4x4 each) seed 1, tree doors'``;
    a joint spec is named as :func:`~powerplay.model.gridworld.joint_gridworld` names it,
    ``'joint maze 7x7 seed 3 (no overlap)'``. A ``name`` key overrides it.

    Examples
    --------
    >>> generator_spec_name({'generator': 'maze', 'rows': 7, 'cols': 7, 'seed': 3, 'joint': 'block',
    ...                      'stochastic_noise_level': 0.1, 'noise_bias': {'left': 0.05}})
    'joint maze 7x7 seed 3, noise 0.1 (bias left 0.05) (blocking)'
    """
    spec = normalize_generator_spec(spec)
    if spec["name"]:
        return spec["name"]
    parts = [f"{spec['generator']} {spec['rows']}x{spec['cols']}"]
    if spec["generator"] == "rooms":
        size = spec["room_size"]
        parts[0] += f" ({size}x{size} each)" if isinstance(size, int) else f" ({size[0]}x{size[1]} each)"
    parts[0] += f" seed {spec['seed']}"
    if spec.get("loops"):
        parts.append(f"{spec['loops']} loop{'s' if spec['loops'] != 1 else ''}")
    if spec.get("doors") == "tree":
        parts.append("tree doors")
    if spec["stochastic_noise_level"]:
        noise = f"noise {spec['stochastic_noise_level']:g}"
        if spec["noise_bias"]:
            noise += " (bias " + ", ".join(f"{d} {b:g}" for d, b in spec["noise_bias"].items()) + ")"
        parts.append(noise)
    for key, what in (("one_way", "one-way door"), ("teleporters", "teleporter pair")):
        if spec.get(key):
            parts.append(f"{spec[key]} {what}{'s' if spec[key] != 1 else ''}")
    parts.extend(Wind.from_spec(wind).describe() for wind in spec.get("wind", ()))
    single = ", ".join(parts)
    if spec["joint"] is None:
        return single
    return joint_name(single, spec["joint"], spec.get("agents", DEFAULT_AGENTS))


def generate_mdp(spec: Mapping[str, Any]) -> MDP | JointMDP:
    """The MDP (or, with ``joint``, joint MDP) a generator spec describes (see the module notes).

    Parameters
    ----------
    spec : mapping
        ``{generator: maze | rooms, rows, cols, seed, ...}``.

    Returns
    -------
    MDP or JointMDP
        Named :func:`generator_spec_name` ``(spec)``.

    Raises
    ------
    ModelError
        With ``field`` naming the key at fault (see :func:`normalize_generator_spec`); also
        ``joint: remove`` with noise (no joint move surely avoids a collision: use ``block``).

    Examples
    --------
    >>> generate_mdp({'generator': 'maze', 'rows': 7, 'cols': 7, 'seed': 3}).name
    'maze 7x7 seed 3'
    >>> generate_mdp({'generator': 'labyrinth', 'rows': 7, 'cols': 7, 'seed': 3})
    Traceback (most recent call last):
    ...
    powerplay.errors.ModelError: unknown generator 'labyrinth'; valid: maze, rooms
    """
    spec = normalize_generator_spec(spec)
    noise = {"stochastic_noise_level": spec["stochastic_noise_level"], "noise_bias": spec["noise_bias"]}
    cells = _generated_cells(spec)
    mechanics = _generated_mechanics(spec, cells) or None
    name = generator_spec_name(spec)
    if spec["joint"] is None:
        return gridworld_from_cells(cells, **noise, name=name, mechanics=mechanics)
    single_spec = {key: value for key, value in spec.items() if key != "agents"}
    single = gridworld_from_cells(
        cells, **noise, name=generator_spec_name({**single_spec, "joint": None}), mechanics=mechanics
    )
    try:
        return joint_gridworld(single, spec.get("agents", DEFAULT_AGENTS), interaction=spec["joint"], name=name)
    except ModelError as error:
        message = f"joint: {error}".replace("overlap='block'", "joint: block").replace(
            "overlap='allow'", "joint: allow"
        )
        raise ModelError(message, field="joint") from None


__all__ = [
    "DOOR_LAYOUTS",
    "GENERATOR_KEYS",
    "JOINT_RULES",
    "generate_mdp",
    "generator_map",
    "generator_spec_name",
    "is_generator_spec",
    "maze",
    "maze_cells",
    "maze_map",
    "normalize_generator_spec",
    "rooms",
    "rooms_cells",
    "rooms_map",
]
