"""Graphviz drawings of MDPs and policies (the reference's ``plot_mdp_or_policy``).

Each state gets a small *state tree*: the state, an arrow to each available action, and for
an MDP an arrow from each action to each possible next state labelled with its probability
(for a policy, the arrow to each action carries the policy's probability instead). Trees
are laid out ``subgraphs_per_row`` to a row; an MDP with more than ``subgraphs_per_figure``
states is split over several images. This drawing shows everything the MDP contains, so it
is the one to use for troubleshooting.

Needs Graphviz's ``dot`` program (``apt-get install graphviz``, ``brew install graphviz``,
``conda install graphviz``); without it :func:`plot_mdp_or_policy` raises
:class:`GraphvizNotFoundError` with that advice.
"""

from __future__ import annotations

import io
import math
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image

from ..errors import DependencyMissing, FigureError
from ..io.atomic import atomic_write_bytes
from ..model.mdp import MDP, JointMDP
from ..model.policy import Policy
from ..storage.sweeps import FIGURES_FOLDER
from . import style

FONT = "DejaVu Sans"
_HEX_H, _HEX_A = style.AGENT_COLORS["H"], style.AGENT_COLORS["A"]


class GraphvizNotFoundError(DependencyMissing):
    """Graphviz's ``dot`` program is not installed (or not on ``PATH``, or fails to start)."""

    def __init__(self, advice: str):
        super().__init__("drawing MDPs and policies", program="dot", advice=advice)


def check_graphviz() -> str:
    """Path of the ``dot`` program.

    Raises
    ------
    GraphvizNotFoundError
        With installation advice, if ``dot`` is not on ``PATH``.
    """
    dot = shutil.which("dot")
    if dot is None:
        raise GraphvizNotFoundError(
            "it is not on PATH; install Graphviz (e.g. 'apt-get install graphviz', 'brew install graphviz' "
            "or 'conda install graphviz')"
        )
    return dot


def _probability(p: float) -> str:
    return f"{p:.4g}"


def _text(label: str):
    r"""A label Graphviz shows as written.

    Labels come from MDP files. The ``graphviz`` library passes a string of the form
    ``'<...>'`` to Graphviz unquoted, as an HTML-like label (which can add nodes or embed a
    local image), and Graphviz reads backslash sequences in labels (``\N``, ``\l``, ...).
    :func:`graphviz.escape` marks the text as not HTML, so it is quoted (and its quotes
    escaped), and doubles its backslashes.
    """
    import graphviz

    return graphviz.escape(str(label))


def state_tree_source(thing: MDP | JointMDP | Policy, state: str):
    r"""The Graphviz graph of one state's tree.

    Node names are fixed (``s``, ``a0``, ``a0n1``, ...); the state, action and next-state
    labels are node *labels*, always escaped, so no label can change the graph's structure.

    Parameters
    ----------
    thing : MDP, JointMDP or Policy
    state : str
        One of its states.

    Returns
    -------
    graphviz.Digraph
        Its ``source`` is the DOT text.

    Examples
    --------
    >>> from powerplay.model.mdp import MDP
    >>> image = '<IMG SRC="x.png"/>'
    >>> source = state_tree_source(MDP.from_dict({image: {'go': {image: 1.0}}}), image).source
    >>> print(next(line.strip() for line in source.splitlines() if line.strip().startswith('s [')))
    s [label="<IMG SRC=\"x.png\"/>" fillcolor="#e8eef7" shape=ellipse style="filled,bold"]
    """
    import graphviz

    graph = graphviz.Digraph(
        graph_attr={"rankdir": "LR", "margin": "0.08", "nodesep": "0.12", "ranksep": "0.35", "bgcolor": "white"},
        node_attr={"fontname": FONT, "fontsize": "11"},
        edge_attr={"fontname": FONT, "fontsize": "9", "arrowsize": "0.6"},
    )
    graph.node("s", _text(state), shape="ellipse", style="filled,bold", fillcolor="#e8eef7")
    if isinstance(thing, Policy):
        row = thing.probabilities[thing.states.index(state)]
        color = _HEX_A if thing.agent == "A" else _HEX_H
        for a, p in enumerate(row):
            if p > 0:
                graph.node(f"a{a}", _text(thing.actions[a]), shape="box", style="rounded", color=color)
                graph.edge("s", f"a{a}", label=_text(_probability(p)))
        return graph
    for a, action in enumerate(thing.available_actions(state)):
        graph.node(f"a{a}", _text(action), shape="box", style="rounded", fontsize="10")
        graph.edge("s", f"a{a}")
        for n, (next_state, p) in enumerate(thing.next_states(state, action).items()):
            node = f"a{a}n{n}"
            graph.node(node, _text(next_state), shape="ellipse", fontsize="10")
            graph.edge(f"a{a}", node, label=_text(_probability(p) if abs(p - 1) > 1e-12 else ""))
    return graph


def _render(graph) -> Image.Image:
    import graphviz

    try:
        data = graph.pipe(format="png")
    except graphviz.ExecutableNotFound as error:  # dot vanished between the check and here
        check_graphviz()
        raise GraphvizNotFoundError(f"it failed to start ({error})") from error
    image = Image.open(io.BytesIO(data)).convert("RGBA")
    # Composite on white: Graphviz leaves the margin transparent.
    background = Image.new("RGBA", image.size, "white")
    return Image.alpha_composite(background, image).convert("RGB")


def _compose(images: list[Image.Image], per_row: int, title: str) -> Image.Image:
    """Tile images (centred in equal cells) under a one-line title."""
    cell_w = max(im.width for im in images) + 24
    cell_h = max(im.height for im in images) + 24
    cols = min(per_row, len(images))
    rows = math.ceil(len(images) / cols)
    title_h = 40
    canvas = Image.new("RGB", (cols * cell_w, rows * cell_h + title_h), "white")
    for k, image in enumerate(images):
        r, c = divmod(k, cols)
        canvas.paste(
            image, (c * cell_w + (cell_w - image.width) // 2, title_h + r * cell_h + (cell_h - image.height) // 2)
        )
    from PIL import ImageDraw, ImageFont

    draw = ImageDraw.Draw(canvas)
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont
    try:
        font = ImageFont.truetype("DejaVuSans.ttf", 18)
    except OSError:
        font = ImageFont.load_default()
    draw.text((12, 10), title, fill="black", font=font)
    # Thin separators between state trees.
    for c in range(1, cols):
        draw.line([(c * cell_w, title_h), (c * cell_w, canvas.height)], fill=(225, 225, 225))
    for r in range(1, rows):
        draw.line([(0, title_h + r * cell_h), (canvas.width, title_h + r * cell_h)], fill=(225, 225, 225))
    return canvas


def _describe(thing) -> tuple[str, str]:
    if isinstance(thing, Policy):
        kind = "policy_graph"
        return kind, f"Policy of Agent {thing.agent}" + (f": {thing.name}" if thing.name else "")
    kind = "joint_mdp_graph" if isinstance(thing, JointMDP) else "mdp_graph"
    return kind, ("Joint MDP" if isinstance(thing, JointMDP) else "MDP") + (f": {thing.name}" if thing.name else "")


def plot_mdp_or_policy(
    mdp_or_policy: MDP | JointMDP | Policy,
    subgraphs_per_row: int = 4,
    subgraphs_per_figure: int = 128,
    save_handle: str = "temp",
    graph_name: str | None = None,
    output_folder: str | Path = FIGURES_FOLDER,
    workers: int = 2,
) -> list[Path]:
    """Draw every state's transitions (or policy choices) with Graphviz.

    Parameters
    ----------
    mdp_or_policy : MDP, JointMDP or Policy
        Single-agent or joint, MDP or policy.
    subgraphs_per_row : int
        State trees per row of the image.
    subgraphs_per_figure : int
        State trees per image; more states are split over several images.
    save_handle : str
        Suffix of the file names.
    graph_name : str, optional
        Prefix of the file names (default ``'mdp_graph'``, ``'joint_mdp_graph'`` or
        ``'policy_graph'``).
    output_folder : str or Path
        Default ``temp/`` under the working directory.
    workers : int
        ``dot`` processes run at once.

    Returns
    -------
    list of Path
        ``{output_folder}/{graph_name}-{save_handle}.png``, or with ``-{k}`` (1-based) per
        image when the states are split.

    Raises
    ------
    GraphvizNotFoundError
        If Graphviz's ``dot`` program is missing.
    ValueError
        On non-positive ``subgraphs_per_row`` or ``subgraphs_per_figure``.

    Examples
    --------
    >>> from powerplay.model.gridworld import gridworld
    >>> import tempfile
    >>> paths = plot_mdp_or_policy(gridworld(1, 2), output_folder=tempfile.mkdtemp())  # doctest: +SKIP
    """
    if subgraphs_per_row < 1 or subgraphs_per_figure < 1:
        raise FigureError("subgraphs_per_row and subgraphs_per_figure must be positive")
    check_graphviz()
    kind, title = _describe(mdp_or_policy)
    graph_name = graph_name or kind
    states = list(mdp_or_policy.states)
    chunks = [states[i : i + subgraphs_per_figure] for i in range(0, len(states), subgraphs_per_figure)]
    paths = []
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for k, chunk in enumerate(chunks, start=1):
            images = list(pool.map(lambda s: _render(state_tree_source(mdp_or_policy, s)), chunk))
            heading = title + (
                f" (states {states.index(chunk[0]) + 1}-{states.index(chunk[-1]) + 1} of {len(states)})"
                if len(chunks) > 1
                else ""
            )
            canvas = _compose(images, subgraphs_per_row, heading)
            buffer = io.BytesIO()
            canvas.save(buffer, format="PNG")
            name = f"{graph_name}-{save_handle}" + (f"-{k}" if len(chunks) > 1 else "")
            path = style.figure_file(output_folder, name)
            atomic_write_bytes(path, buffer.getvalue())
            paths.append(path)
    return paths
