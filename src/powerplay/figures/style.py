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

Examples
--------
>>> label = RunLabel('3x3_gridworld', 'single_agent', gamma_H=0.6, num_samples=50000)
>>> label.describe()
'3x3_gridworld · γ = 0.6 · 50,000 reward samples'
>>> figure_title('POWER', label, agent='H').splitlines()[0]
'POWER of Agent H'
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Colormap
from matplotlib.figure import Figure

from ..storage.atomic import atomic_write_bytes

#: The colour map of every heat map and 2-D histogram.
COLOR_MAP = "viridis"

#: Colours of the two agents in scatter plots, markers and line plots.
AGENT_COLORS = {"H": "#1f66b3", "A": "#d62728"}

#: Colour of the other quantities of a line plot (e.g. the alignment coefficient).
ACCENT_COLOR = "#7b3294"

#: Resolution of saved figures (pixels per inch).
DPI = 100

#: Base font size (points) of titles, axis labels and tick labels.
FONT_SIZE = 10

#: Human-readable names of the POWER sample keys of a run.
POWER_KEY_NAMES = {
    "H": "POWER of Agent H",
    "A": "POWER of Agent A",
    "H_against_seed": "POWER of Agent H against Agent A's seed policy",
    "A_seed": "POWER of Agent A following its seed policy",
}


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


def png_bytes(figure: Figure) -> bytes:
    """The figure as PNG bytes (size = figure size x :data:`DPI`, never cropped)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def save_figure(figure: Figure, path: str | Path) -> Path:
    """Write ``figure`` as a PNG at ``path`` (atomically; ``.png`` is added if missing)."""
    path = Path(path)
    if path.suffix.lower() != ".png":
        path = path.with_name(path.name + ".png")
    atomic_write_bytes(path, png_bytes(figure))
    return path


def figure_pixels(figure: Figure) -> np.ndarray:
    """``[height, width, 3]`` uint8 RGB pixels of the rendered figure."""
    canvas = figure.canvas if isinstance(figure.canvas, FigureCanvasAgg) else FigureCanvasAgg(figure)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


_UNSAFE_FILENAME = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


def safe_filename(name: str) -> str:
    """``name`` with characters that are invalid in file names (on any OS) replaced by ``_``."""
    return _UNSAFE_FILENAME.sub("_", name)


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
        The MDP's name (``mdp_graph`` / ``joint_mdp_graph`` of the config).
    experiment_type : str
    gamma_H : float, optional
        Agent H's discount rate (the only agent's, for single-agent runs).
    gamma_A : float, optional
        Agent A's discount rate (``multiagent_with_reward``).
    beta : float, optional
        Reward correlation β between the agents (``multiagent_with_reward``).
    num_samples : int, optional
        Number of reward samples.
    """

    environment: str
    experiment_type: str = "single_agent"
    gamma_H: float | None = None
    gamma_A: float | None = None
    beta: float | None = None
    num_samples: int | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any], experiment_type: str | None = None, num_samples: int | None = None) -> "RunLabel":
        """From a resolved run configuration (``run.yaml``)."""
        environment = config.get("mdp_graph") or config.get("joint_mdp_graph") or "MDP"
        return cls(
            environment=str(environment),
            experiment_type=str(experiment_type or config.get("experiment_type") or "single_agent"),
            gamma_H=config.get("discount_rate"),
            gamma_A=config.get("discount_rate_agent_A"),
            beta=config.get("reward_correlation"),
            num_samples=num_samples if num_samples is not None else config.get("num_reward_samples"),
        )

    @classmethod
    def from_run(cls, run) -> "RunLabel":
        """From a :class:`~powerplay.storage.StoredRun` (its sample count is what was stored)."""
        return cls.from_config(run.config, run.experiment_type or run.config.get("experiment_type"), run.num_samples)

    def describe(self) -> str:
        """One line: environment, discount rate(s), β, sample count."""
        parts = [self.environment]
        if self.gamma_A is not None and self.gamma_H is not None and self.gamma_A != self.gamma_H:
            parts.append(f"γ_H = {format_number(self.gamma_H)}, γ_A = {format_number(self.gamma_A)}")
        elif self.gamma_H is not None:
            parts.append(f"γ = {format_number(self.gamma_H)}")
        if self.beta is not None:
            parts.append(f"β = {format_number(self.beta)}")
        if self.num_samples is not None:
            parts.append(f"{int(self.num_samples):,} reward samples")
        return " · ".join(parts)


def figure_title(quantity: str, label: RunLabel | None = None, agent: str | None = None, detail: str = "") -> str:
    """A two-line title: ``'{quantity} of Agent {agent}{detail}'`` then the run's description.

    ``quantity`` already naming an agent (e.g. ``'POWER of Agent H against ...'``) is used as is.
    """
    first = quantity if (agent is None or "Agent" in quantity) else f"{quantity} of Agent {agent}"
    first += detail
    return first if label is None else f"{first}\n{label.describe()}"


def text_color_for(rgba) -> str:
    """Black or white, whichever reads better on a cell of colour ``rgba``."""
    r, g, b = rgba[:3]
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else "white"
