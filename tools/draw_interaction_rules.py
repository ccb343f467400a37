"""Draw the pictures of docs/authoring.md's interaction rules and map mechanics.

Every picture is computed, not drawn by hand: each case builds the joint gridworld with
:func:`powerplay.joint_gridworld` (or the single-agent gridworld with its mechanics) and
draws the start, the moves and what ``next_states`` returns. Run after changing a rule::

    python tools/draw_interaction_rules.py            # -> docs/images/interaction-*.png, map-mechanics.png
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.patches import Circle, FancyArrowPatch, Rectangle

import powerplay as pp
from powerplay.model.labels import cell_coordinates, joint_label, split_joint_label
from powerplay.model.mechanics import MOVES, parse_map

OUT = Path(__file__).resolve().parents[1] / "docs" / "images"
COLOURS = {"H": "#1f77b4", "A": "#ff7f0e", "B": "#2ca02c", "C": "#9467bd"}
WALL, FLOOR, EDGE = "#4a4a4a", "#f4f1ea", "#b9b4a8"
DOOR_ARROWS = {"right": "→", "left": "←", "up": "↑", "down": "↓"}


@dataclass(frozen=True)
class Case:
    """One joint step: agents in ``cells`` (``(row, col)``) taking ``moves``, on a text map."""

    text: str
    cells: tuple[tuple[int, int], ...]
    moves: tuple[str, ...]
    caption: str
    rule: str | list[str] | None = None  # this case's interaction (default: the picture's)


def _draw_map(ax, text: str) -> None:
    open_cells, mechanics = parse_map(text)
    rows, cols = open_cells.shape
    doors = dict(mechanics.one_way)
    pads = {cell: str(k) for k, pair in enumerate(mechanics.teleporters) for cell in pair}
    for r in range(rows):
        for c in range(cols):
            ax.add_patch(
                Rectangle((c, -r - 1), 1, 1, facecolor=FLOOR if open_cells[r, c] else WALL, edgecolor=EDGE, lw=1)
            )
            if (r, c) in doors:  # the door's arrow, small, at the top of its cell
                ax.text(
                    c + 0.5, -r - 0.16, DOOR_ARROWS[doors[r, c]], ha="center", va="center", color="#777", fontsize=11
                )
            if (r, c) in pads:
                ax.add_patch(Circle((c + 0.5, -r - 0.5), 0.42, facecolor="none", edgecolor="#8a5cb8", lw=1.5, ls="--"))
    ax.set_xlim(-0.1, cols + 0.1)
    ax.set_ylim(-rows - 0.1, 0.1)
    ax.set_aspect("equal")
    ax.axis("off")


def _draw_agents(ax, cells, agents, moves=None, alpha=1.0) -> None:
    by_cell: dict[tuple[int, int], list[int]] = {}
    for i, cell in enumerate(cells):
        by_cell.setdefault(cell, []).append(i)
    for (r, c), who in by_cell.items():
        for k, i in enumerate(who):
            dx = (k - (len(who) - 1) / 2) * 0.3
            x, y = c + 0.5 + dx, -r - 0.5
            ax.add_patch(Circle((x, y), 0.22 if len(who) == 1 else 0.15, color=COLOURS[agents[i]], alpha=alpha))
            ax.text(x, y, agents[i], ha="center", va="center", color="white", fontsize=10, fontweight="bold")
            if moves is None:
                continue
            dr, dc = MOVES[moves[i]]
            if (dr, dc) == (0, 0):
                ax.add_patch(Circle((x, y), 0.29, facecolor="none", edgecolor=COLOURS[agents[i]], lw=1.2, ls=":"))
            else:
                ax.add_patch(
                    FancyArrowPatch(
                        (x + 0.25 * dc, y - 0.25 * dr),
                        (x + 0.85 * dc, y - 0.85 * dr),
                        arrowstyle="-|>",
                        mutation_scale=14,
                        color=COLOURS[agents[i]],
                        lw=2,
                    )
                )


def _cells_of(label: str, agents) -> tuple[tuple[int, int], ...]:
    parts = split_joint_label(label, agents)
    assert parts is not None
    return tuple(cell_coordinates(part) for part in parts)  # type: ignore[misc]


def draw_cases(path: Path, title: str, cases: list[Case], rule, note: str = "") -> None:
    """One row per case: the start with the moves, then each outcome with its probability."""
    rows = []
    for case in cases:
        agents = ("H", "A", "B", "C")[: len(case.cells)]
        single = pp.gridworld_from_map(case.text)
        joint = pp.joint_gridworld(single, agents=agents, interaction=case.rule or rule)
        state = joint_label([f"({r}, {c})" for r, c in case.cells], agents)
        action = joint_label(case.moves, agents)
        if action in joint.available_actions(state):
            outcomes = sorted(joint.next_states(state, action).items(), key=lambda item: -item[1])
        else:
            outcomes = []
        rows.append((case, agents, outcomes))
    width = max(max(len(out), 1) for _, _, out in rows) + 1
    cols = max(len(parse_map(case.text)[0][0]) for case in cases)
    heights = [len(parse_map(case.text)[0]) * 0.55 + 0.45 for case in cases]
    fig_width = max(width * (cols * 0.55 + 0.3), 6.5)
    lines = textwrap.wrap(title, int(fig_width * 10))
    head = 0.3 * len(lines) + 0.15
    fig = plt.figure(figsize=(fig_width, sum(heights) + head + (0.25 if note else 0)))
    header, *rows_of = fig.subfigures(len(rows) + 1, 1, height_ratios=[head] + heights)
    header.suptitle("\n".join(lines), fontsize=10.5, x=0.01, ha="left", va="center", y=0.5)
    for (case, agents, outcomes), row in zip(rows, rows_of):
        row.suptitle(case.caption, fontsize=8.5, x=0.01, ha="left", y=0.98)
        line = row.subplots(1, width, squeeze=False)[0]
        _draw_map(line[0], case.text)
        _draw_agents(line[0], case.cells, agents, case.moves)
        if not outcomes:
            line[1].text(0.5, 0.5, "joint action deleted", ha="center", va="center", fontsize=9, color="#a33")
            line[1].axis("off")
        for ax, (label, p) in zip(line[1:], outcomes):
            _draw_map(ax, case.text)
            _draw_agents(ax, _cells_of(label, agents), agents)
            ax.set_title("result" if p == 1 else f"p = {p:.3g}", fontsize=8, loc="left", color="#555")
        for ax in line[1 + max(len(outcomes), 1) :]:
            ax.axis("off")
    if note:
        fig.text(0.01, 0.005, note, fontsize=8, color="#555", ha="left", va="bottom")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(path)


def draw_mechanics(path: Path) -> None:
    """A one-way door, a teleporter pair and a windy column: where each action of one cell leads."""
    panels = [
        (".>.", None, (0, 1), "left", "one-way door '>': the right cell is a dead end;\nfrom the door, left goes back"),
        (".>.", None, (0, 2), "stay", "from the dead end only 'stay' is available"),
        ("1.#.1", None, (0, 1), "left", "teleporters '1': entering one pad\nputs the agent on the other"),
        (
            "...\n...\n...",
            {"column": 1, "direction": "up", "probability": 0.25},
            (2, 0),
            "right",
            "wind up 0.25 in column 1: moving in,\nthe agent is blown on a quarter of the time",
        ),
        (
            "...\n...\n...",
            {"column": 1, "direction": "up", "probability": 0.25},
            (1, 1),
            "stay",
            "with noise 0.2 as well: each noisy outcome\nis blown or not",
        ),
    ]
    fig, axes = plt.subplots(1, len(panels), figsize=(3.1 * len(panels), 2.6))
    for k, (ax, (text, wind, cell, action, caption)) in enumerate(zip(axes, panels)):
        noise = 0.2 if k == len(panels) - 1 else 0.0
        mdp = pp.gridworld_from_map(text, stochastic_noise_level=noise, wind=wind)
        _draw_map(ax, text)
        if wind is not None:
            rows = len(text.splitlines())
            for r in range(rows):
                ax.text(wind["column"] + 0.85, -r - 0.2, "⇡", color="#3a8fb7", fontsize=12, ha="center", va="center")
        label = f"({cell[0]}, {cell[1]})"
        _draw_agents(ax, [cell], ("H",), [action])
        for nxt, p in mdp.next_states(label, action).items():
            r, c = cell_coordinates(nxt)  # type: ignore[misc]
            ax.text(c + 0.5, -r - 0.88, f"{p:.3g}", ha="center", va="center", fontsize=7.5, color="#a33", zorder=5)
        ax.set_title(caption, fontsize=8, loc="left")
    fig.suptitle("Map mechanics: where one action leads (red: probabilities)", fontsize=11, x=0.01, ha="left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(path)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    c4, c5 = "....", "....."
    draw_cases(
        OUT / "interaction-block.png",
        "block: a move into a contested cell leaves the mover where it was",
        [
            Case(c4, ((0, 0), (0, 1)), ("right", "stay"), "H moves into A, which stays: H stays"),
            Case(c4, ((0, 0), (0, 2)), ("right", "left"), "both move into one free cell: both stay"),
            Case(c4, ((0, 0), (0, 1)), ("right", "left"), "a swap is allowed"),
            Case(c4, ((0, 0), (0, 1)), ("right", "right"), "following is allowed"),
            Case(c4, ((0, 0), (0, 1), (0, 2)), ("right", "right", "stay"), "B holds its cell: A, then H, go back"),
        ],
        "block",
    )
    draw_cases(
        OUT / "interaction-remove.png",
        "remove (the published rule): no joint state with two agents in one cell, no joint action that may lead there",
        [
            Case(c4, ((0, 0), (0, 1)), ("right", "stay"), "H would join A: the joint action does not exist"),
            Case(c4, ((0, 0), (0, 2)), ("right", "left"), "both would enter one cell: deleted"),
            Case(c4, ((0, 0), (0, 1)), ("right", "left"), "a swap is allowed"),
        ],
        "remove",
    )
    draw_cases(
        OUT / "interaction-no-swap.png",
        "no_swap: two agents that would pass through each other both stay",
        [
            Case(c4, ((0, 0), (0, 1)), ("right", "left"), "a swap: both stay"),
            Case(c4, ((0, 0), (0, 1)), ("right", "right"), "following is allowed"),
            Case(
                "..\n..", ((0, 0), (0, 1), (1, 1), (1, 0)), ("right", "down", "left", "up"), "a rotation is not a swap"
            ),
            Case(c4, ((0, 0), (0, 2)), ("right", "left"), "alone, agents may meet in a cell (as allow)"),
        ],
        "no_swap",
    )
    draw_cases(
        OUT / "interaction-push.png",
        "push: a mover pushes an agent that stays one cell on, if that cell is free; otherwise it stays",
        [
            Case(c4, ((0, 0), (0, 1)), ("right", "stay"), "H pushes A"),
            Case("..#.", ((0, 0), (0, 1)), ("right", "stay"), "a wall stops the push: H stays"),
            Case(c4, ((0, 0), (0, 1), (0, 2)), ("right", "stay", "stay"), "a row is not pushed along"),
            Case(c4, ((0, 0), (0, 1), (0, 3)), ("right", "stay", "left"), "B takes the free cell: the push fails"),
            Case(c5, ((0, 0), (0, 1), (0, 2), (0, 3)), ("right", "stay", "right", "stay"), "B pushes C; H pushes A"),
            Case(
                c5,
                ((0, 0), (0, 1), (0, 3), (0, 4)),
                ("right", "stay", "stay", "left"),
                "two pushes into one cell: both fail",
            ),
            Case(c4, ((0, 0), (0, 2)), ("right", "left"), "two movers into one free cell: both stay"),
        ],
        "push",
        note="Pushes are judged on the moves as given, all at once; blocking then settles the rest (the order does not matter).",
    )
    swap = ((0, 0), (0, 1), (0, 3)), ("right", "left", "left")
    grid = "..\n..\n.."
    turn = ((1, 0), (1, 1), (2, 1)), ("right", "left", "up")
    draw_cases(
        OUT / "interaction-lists.png",
        "Lists of rules: outcome rules apply in list order (remove, a constraint, always last)",
        [
            Case(c4, *swap, "block: H and A swap, B moves", "block"),
            Case(c4, *swap, "[no_swap, block]: the swap is undone first", ["no_swap", "block"]),
            Case(grid, *turn, "[no_swap, push]: the undone swap leaves A staying, B pushes it", ["no_swap", "push"]),
            Case(grid, *turn, "[push, no_swap]: A is leaving, so B and H contest its cell", ["push", "no_swap"]),
        ],
        "allow",
    )
    draw_mechanics(OUT / "map-mechanics.png")


if __name__ == "__main__":
    main()
