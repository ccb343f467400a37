"""The look shared by every figure: colours, sizes, titles, and saving.

Every figure is a :class:`matplotlib.figure.Figure` drawn on the Agg canvas directly (never
through ``pyplot``), so plotting works without a display, leaves no global state behind, and
each figure is freed as soon as it is no longer referenced.

Conventions
-----------
* One colour map, :data:`COLOR_MAP`, for every heat map (cells outside the MDP are blank).
* Agent H is blue and Agent A is red wherever the two appear together (:data:`AGENT_COLORS`).
* Titles say what is shown, for which agent, and the run's environment, discount rate(s),
  reward correlation β and sample count (:class:`RunLabel`).
* Figures are saved as PNG at :data:`DPI` without cropping, so an image's pixel size is its
  figure size in inches times :data:`DPI`.
* File names are made of ASCII letters, digits, ``.``, ``_`` and ``-`` only
  (:func:`file_token`): state labels such as ``'(0, 1)'`` become ``0_1``.
* Warnings (:func:`warn`) name the caller's line outside powerplay, never powerplay's own.

Examples
--------
>>> label = RunLabel('3x3_gridworld', 'single_agent', gamma_H=0.6, num_samples=50000)
>>> label.describe()
'3x3_gridworld · γ = 0.6 · 50,000 reward samples'
>>> figure_title('POWER', label, agent='H').splitlines()[0]
'POWER of Agent H'
>>> file_token('POWER_samples_agent_A_state_(0, 1)'), file_token('ℓ_◁')
('POWER_samples_agent_A_state_0_1', 'u2113_u25c1')
"""

from __future__ import annotations

import io
import os
import re
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Colormap
from matplotlib.figure import Figure
from PIL import Image

from ..errors import FigureWarning
from ..io.atomic import atomic_write_bytes
from ..scenario import Scenario

#: The colour map of every heat map and 2-D histogram.
COLOR_MAP = "viridis"

#: Colours of the two agents in scatter plots, markers and line plots.
AGENT_COLORS = {"H": "#1f66b3", "A": "#d62728"}

#: Colours of further agents, in agent order after H and A (:func:`agent_color`).
MORE_AGENT_COLORS = ("#2ca02c", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22")

#: Colour of the other quantities of a line plot (e.g. the alignment coefficient).
ACCENT_COLOR = "#7b3294"

#: Resolution of saved figures (pixels per inch).
DPI = 100

#: Base font size (points) of titles, axis labels and tick labels.
FONT_SIZE = 10

#: zlib level of saved PNGs: figures are flat colours, so level 1 is nearly as small and much faster.
PNG_COMPRESSION = 1

#: Average width of a character of the default font, in ems (for fitting titles).
CHAR_EMS = 0.58

#: Human-readable names of the POWER sample keys of a run.
POWER_KEY_NAMES = {
    "H": "POWER of Agent H",
    "A": "POWER of Agent A",
    "H_against_seed": "POWER of Agent H against Agent A's seed policy",
    "A_seed": "POWER of Agent A following its seed policy",
}


#: Names of the colours (for titles that say which outline is which agent).
COLOR_NAMES = {
    "#1f66b3": "blue",
    "#d62728": "red",
    "#2ca02c": "green",
    "#ff7f0e": "orange",
    "#8c564b": "brown",
    "#e377c2": "pink",
    "#17becf": "cyan",
    "#7f7f7f": "grey",
    "#bcbd22": "olive",
}


def agent_color(agent: str, agents: Sequence[str] = ("H", "A")) -> str:
    """An agent's colour: H blue and A red as always, the others green, orange, brown, ... in
    the order of ``agents`` (the run's agents) after H and A."""
    if agent in AGENT_COLORS:
        return AGENT_COLORS[agent]
    others = [a for a in agents if a not in AGENT_COLORS]
    index = others.index(agent) if agent in others else len(others)
    return MORE_AGENT_COLORS[index % len(MORE_AGENT_COLORS)]


def power_key_name(key: str) -> str:
    """``'POWER of Agent B'``, ``'POWER of Agent B following its seed policy'``, ``'POWER of Agent H
    in its own training stage (the later agents following their seed policies)'``, ...

    The two-agent diagnostics keep their names (:data:`POWER_KEY_NAMES`).
    """
    if key in POWER_KEY_NAMES:
        return POWER_KEY_NAMES[key]
    if key.endswith("_against_seed"):
        return f"POWER of Agent {key[: -len('_against_seed')]} against the later agents' seed policies"
    if key.endswith("_seed"):
        return f"POWER of Agent {key[: -len('_seed')]} following its seed policy"
    return f"POWER of Agent {key}"


def color_map() -> Colormap:
    """:data:`COLOR_MAP` with blank (white) cells for missing values (NaN / masked)."""
    return matplotlib.colormaps[COLOR_MAP].with_extremes(bad="white")


def new_figure(width: float, height: float) -> Figure:
    """An empty figure of ``width x height`` inches on an Agg canvas (no display needed).

    The size is rounded to whole pixels, so a saved image is exactly ``size x DPI`` pixels.
    """
    # (+0.01 px: the Agg canvas truncates, and 4.93 * 100 is 492.999...)
    width, height = (round(width * DPI) + 0.01) / DPI, (round(height * DPI) + 0.01) / DPI
    figure = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def figure_pixels(figure: Figure) -> np.ndarray:
    """``[height, width, 3]`` uint8 RGB pixels of the rendered figure (drawn once)."""
    canvas = figure.canvas if isinstance(figure.canvas, FigureCanvasAgg) else FigureCanvasAgg(figure)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


def encode_png(pixels: np.ndarray) -> bytes:
    """PNG bytes of ``[H, W, 3]`` uint8 pixels (deterministic)."""
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels)).save(buffer, format="PNG", compress_level=PNG_COMPRESSION)
    return buffer.getvalue()


def png_bytes(figure: Figure) -> bytes:
    """The figure as PNG bytes (size = figure size x :data:`DPI`, never cropped)."""
    return encode_png(figure_pixels(figure))


def png_path(path: str | Path) -> Path:
    """``path`` with ``.png`` added if it has another suffix or none."""
    path = Path(path)
    return path if path.suffix.lower() == ".png" else path.with_name(path.name + ".png")


def save_figure(figure: Figure, path: str | Path) -> Path:
    """Write ``figure`` as a PNG at ``path`` (atomically; ``.png`` is added if missing).

    The figure is drawn once, on its Agg canvas, and the pixels encoded directly (no second
    draw as ``savefig`` would do).
    """
    path = png_path(path)
    atomic_write_bytes(path, png_bytes(figure))
    return path


def save_pixels(pixels: np.ndarray, path: str | Path) -> Path:
    """Write already rendered ``[H, W, 3]`` pixels as a PNG at ``path`` (atomically)."""
    path = png_path(path)
    atomic_write_bytes(path, encode_png(pixels))
    return path


_UNSAFE_FILENAME = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


def safe_filename(name: str) -> str:
    """``name`` with characters that are invalid in file names (on any OS) replaced by ``_``."""
    return _UNSAFE_FILENAME.sub("_", name)


# A run of underscores and other characters, with at least one character not allowed.
_NOT_IN_FILE_NAMES = re.compile(r"[^A-Za-z0-9.-]*[^A-Za-z0-9._-][^A-Za-z0-9.-]*")


def file_token(text: object) -> str:
    """``text`` as a file-name part: ASCII letters, digits, ``.``, ``_`` and ``-`` only.

    Other ASCII characters (spaces, parentheses, commas, ``^``, ...) become ``_`` (a run of
    them, with the underscores around it, one ``_``; none at the ends), while existing
    underscores are kept (``discount_rate__0p9`` stays). Other characters become
    ``u{code point}`` so distinct labels stay distinct (``'★'`` is ``'u2605'``). Never
    empty, never starts with ``.``.
    """
    spaced = "".join(char if char.isascii() else f" u{ord(char):04x} " for char in str(text))
    token = _NOT_IN_FILE_NAMES.sub("_", spaced).strip("_").lstrip(".")
    return token or "_"


def figure_file(folder: str | Path, name: str, suffix: str = ".png") -> Path:
    """``{folder}/{file_token(name)}{suffix}`` (a ``suffix`` already ending ``name`` is not repeated)."""
    if name.lower().endswith(suffix):
        name = name[: -len(suffix)]
    return Path(folder) / f"{file_token(name)}{suffix}"


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def warn(message: str, category: type[Warning] = FigureWarning) -> None:
    """Issue ``category`` attributed to the nearest caller outside powerplay.

    Python then points at the user's own line (a script, a notebook cell, a test) instead of
    powerplay's ``warnings.warn(...)`` source line.
    """
    frame: FrameType | None = sys._getframe(0)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def format_number(value: float | None) -> str:
    """A parameter value for a title: ``0.6``, ``0.99``, ``1``."""
    if value is None:
        return "?"
    return f"{float(value):.6g}"


@dataclass(frozen=True)
class RunLabel:
    """What a figure's title says about the run it shows.

    Parameters
    ----------
    environment : str
        The environment's name (:attr:`Scenario.environment_name <powerplay.scenario.Scenario.environment_name>`).
    experiment_type : str
    gamma_H : float, optional
        The first agent's discount rate (Agent H's; the only agent's, for single-agent runs).
    gamma_A : float, optional
        The second agent's discount rate (``multiagent_with_reward``).
    beta : float, optional
        Reward correlation β between the first two agents (``multiagent_with_reward``).
    num_samples : int, optional
        Number of reward samples.
    discount_rates, reward_correlations : tuple of (agent, value), optional
        Every agent's, for runs of more than two agents (they replace the three above).
    models : tuple of (agent, title), optional
        The agents that are not optimal and their models' titles (``('H', 'Boltzmann beta = 5')``).
    """

    environment: str
    experiment_type: str = "single_agent"
    gamma_H: float | None = None
    gamma_A: float | None = None
    beta: float | None = None
    num_samples: int | None = None
    discount_rates: tuple[tuple[str, float], ...] = ()
    reward_correlations: tuple[tuple[str, float], ...] = ()
    models: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_scenario(cls, scenario: Scenario, num_samples: int | None = None) -> RunLabel:
        """From a run's :class:`~powerplay.scenario.Scenario` (the sample count it states, unless given)."""
        agents = scenario.agents
        many = len(agents) > 2
        second = agents[1] if len(agents) > 1 else None
        return cls(
            environment=scenario.environment_name,
            experiment_type=scenario.experiment_type,
            gamma_H=agents[0].discount_rate,
            gamma_A=second.discount_rate if second is not None else None,
            beta=second.reward_correlation if second is not None else None,
            num_samples=num_samples if num_samples is not None else scenario.num_reward_samples,
            discount_rates=tuple(scenario.discount_rates.items()) if many else (),
            reward_correlations=tuple(scenario.reward_correlations.items()) if many else (),
            models=tuple((a.name, a.model.title) for a in agents if not a.model.is_optimal),
        )

    @classmethod
    def from_run(cls, run) -> RunLabel:
        """From a :class:`~powerplay.storage.StoredRun`'s scenario (its sample count is what was stored)."""
        return cls.from_scenario(run.scenario, run.num_samples)

    def parts(self) -> list[str]:
        """The description's parts: environment, discount rate(s), β, sample count."""
        parts = [self.environment]
        if self.discount_rates:
            parts.append(_per_agent("γ", self.discount_rates))
        elif self.gamma_A is not None and self.gamma_H is not None and self.gamma_A != self.gamma_H:
            parts.append(f"γ_H = {format_number(self.gamma_H)}, γ_A = {format_number(self.gamma_A)}")
        elif self.gamma_H is not None:
            parts.append(f"γ = {format_number(self.gamma_H)}")
        elif self.gamma_A is not None:
            parts.append(f"γ_A = {format_number(self.gamma_A)}")
        if self.reward_correlations:
            parts.append(_per_agent("β", self.reward_correlations))
        elif self.beta is not None:
            parts.append(f"β = {format_number(self.beta)}")
        for agent, title in self.models:
            parts.append(f"{agent} {title}")
        if self.num_samples is not None:
            parts.append(f"{int(self.num_samples):,} reward samples")
        return parts

    def describe(self, width: float | None = None, font_size: float = FONT_SIZE + 1) -> str:
        """The parts joined by ``' · '``; wrapped into lines that fit ``width`` inches if given."""
        return join_fitting(self.parts(), width, font_size)


def _per_agent(symbol: str, values: Sequence[tuple[str, float]]) -> str:
    """``'γ = 0.9'`` when every agent has the same value, else ``'γ_H = 0.9, γ_A = 0.99, ...'``."""
    if len({v for _, v in values}) == 1:
        return f"{symbol} = {format_number(values[0][1])}"
    return ", ".join(f"{symbol}_{agent} = {format_number(v)}" for agent, v in values)


def text_width(text: str, font_size: float = FONT_SIZE) -> float:
    """Estimated width (inches) of one line of ``text`` at ``font_size`` points."""
    return len(text) * CHAR_EMS * font_size / 72


def _pieces(parts: Sequence[str], width: float, font_size: float) -> list[str]:
    """``parts``, each too wide for ``width`` broken after its underscores or spaces (long names)."""
    pieces = []
    for part in parts:
        while text_width(part, font_size) > width:
            fit = int(width / (CHAR_EMS * font_size / 72))
            cut = max(part.rfind("_", 0, fit), part.rfind(" ", 0, fit))
            if cut <= 0:
                break
            pieces.append(part[: cut + 1].rstrip())
            part = part[cut + 1 :]
        pieces.append(part)
    return pieces


def join_fitting(
    parts: Sequence[str], width: float | None, font_size: float = FONT_SIZE + 1, separator: str = " · "
) -> str:
    """``parts`` joined by ``separator``, broken into lines (between parts) that fit ``width`` inches."""
    if width is None:
        return separator.join(parts)
    lines: list[str] = []
    for part in _pieces(parts, width, font_size):
        if lines and text_width(lines[-1] + separator + part, font_size) <= width:
            lines[-1] += separator + part
        else:
            lines.append(part)
    return "\n".join(lines)


def fit_title(title: str, width: float, font_size: float = FONT_SIZE + 1) -> str:
    """``title`` with each line too wide for ``width`` inches broken between its ``' · '`` parts."""
    lines = []
    for line in title.split("\n"):
        lines.append(
            line if text_width(line, font_size) <= width else join_fitting(line.split(" · "), width, font_size)
        )
    return "\n".join(lines)


def figure_title(
    quantity: str, label: RunLabel | None = None, agent: str | None = None, detail: str = "", width: float | None = None
) -> str:
    """A title: ``'{quantity} of Agent {agent}{detail}'`` then the run's description.

    ``quantity`` already naming an agent (e.g. ``'POWER of Agent H against ...'``) is used as
    is. With ``width`` (inches) the description is wrapped to fit it.
    """
    first = quantity if (agent is None or "Agent" in quantity) else f"{quantity} of Agent {agent}"
    first += detail
    return first if label is None else f"{first}\n{label.describe(width)}"


def set_title(figure: Figure, title: str, top: float = 0.1, font_size: float = FONT_SIZE + 1) -> None:
    """Put ``title`` centred at the top of ``figure``, ``top`` inches below its edge (replacing any title).

    A replaced title is a new text (not the old one edited), so a figure redrawn with a new
    title is pixel for pixel the figure drawn fresh with it.
    """
    for text in [t for t in figure.texts if t.get_gid() == "title"]:
        text.remove()
    figure.text(
        0.5,
        1 - top / figure.get_figheight(),
        title,
        ha="center",
        va="top",
        fontsize=font_size,
        gid="title",
        multialignment="center",
    )


def title_inches(title: str, font_size: float = FONT_SIZE + 1) -> float:
    """Height (inches) a title of this many lines takes, with a margin above it."""
    return 0.14 + 1.3 * font_size / 72 * (title.count("\n") + 1)


def text_color_for(rgba) -> str:
    """Black or white, whichever reads better on a cell of colour ``rgba`` (the rule heat maps use)."""
    r, g, b = rgba[:3]
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else "white"
