"""Figures of studies: α_HA across a family of environments, and phase-change scans.

* :func:`environment_study_figure` -- one row per environment: its corrected α_HA with the
  95 % interval (sorted), the raw α_HA beside it, the mean over environments with its
  interval as a band, and the share below 0 in the title;
* :func:`scan_figure` -- a scanned statistic against the parameter, with error bars, on a
  ``log10(1 − γ)`` axis for discount rates, the interval of steepest change shaded.

Both write a PNG and return its path.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..runner.scan import ScanResult
from ..runner.studies import EnvironmentStudy, EnvironmentStudyWriter
from ..scenario import parameters
from ..storage.sweeps import StoredSweep
from . import style


def environment_study_figure(study: EnvironmentStudy, path: str | Path) -> Path:
    """Draw an environment study (see module notes) to ``path`` (PNG); returns the path written."""
    environments = sorted(study.environments, key=lambda e: (math.isnan(e.alpha_corrected), e.alpha_corrected))
    count = len(environments)
    figure = style.new_figure(7.6, max(3.2, 1.5 + 0.26 * count))
    ax = figure.add_axes((0.33, 0.12, 0.62, 0.72))
    y = np.arange(count)
    corrected = np.array([e.alpha_corrected for e in environments])
    low = np.array([e.alpha_corrected_low for e in environments])
    high = np.array([e.alpha_corrected_high for e in environments])
    if math.isfinite(study.mean_low):
        ax.axvspan(
            study.mean_low,
            study.mean_high,
            color=style.ACCENT_COLOR,
            alpha=0.15,
            lw=0,
            label="mean over environments, 95% interval",
        )
    if math.isfinite(study.mean):
        ax.axvline(study.mean, color=style.ACCENT_COLOR, lw=1.5)
    ax.axvline(0.0, color="0.3", lw=1, ls="--")
    ax.errorbar(
        corrected,
        y,
        xerr=[corrected - low, high - corrected],
        fmt="o",
        color=style.ACCENT_COLOR,
        ms=4,
        capsize=2,
        lw=1,
        label="α_HA corrected, 95% interval",
    )
    ax.plot([e.alpha for e in environments], y, "x", color="0.55", ms=5, label="α_HA raw")
    names = [
        e.name
        + (f" (= {e.duplicate_of})" if e.duplicate_of else "")
        + (f" (undefined: {e.undefined})" if e.undefined and not e.duplicate_of else "")
        for e in environments
    ]
    ax.set_yticks(y, names, fontsize=max(5, style.FONT_SIZE - 2 - count // 20))
    ax.set_xlim(-1.05, 1.05)
    ax.set_ylim(-0.7, count - 0.3)
    ax.set_xlabel("α_HA: correlation across states of the agents' POWER", fontsize=style.FONT_SIZE)
    ax.grid(axis="x", color="0.9")
    ax.legend(fontsize=style.FONT_SIZE - 2, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2, frameon=False)
    fixed = ", ".join(f"{k} = {v}" for k, v in study.fixed.items())
    counted = len(study.counted)
    summary = (
        f"mean over {counted} {study.mean:.3f} [{study.mean_low:.3f}, {study.mean_high:.3f}]; "
        f"share below 0: {study.share_negative:.2f} [{study.share_low:.2f}, {study.share_high:.2f}]"
        if counted >= 2
        else f"{counted} environment{'s' * (counted != 1)} with a defined α_HA: no mean over environments"
    )
    figure.suptitle(
        f"α_HA across {count} environments ({study.group or study.param}{'; ' + fixed if fixed else ''})\n{summary}",
        fontsize=style.FONT_SIZE + 1,
        y=0.99,
        va="top",
    )
    return style.save_figure(figure, path)


#: Discount rates labelled on a log(1 − γ) axis (those inside the plotted range).
GAMMA_TICKS = (0.1, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.998, 0.999, 0.9995, 0.9999)


def scan_figure(result: ScanResult, path: str | Path | None = None) -> Path:
    """Draw a scan (see module notes) to ``path`` (PNG; default ``scan.png`` in the
    statistic's scan folder); returns the path written."""
    settings = result.settings
    path = Path(path) if path is not None else result.folder / "scan.png"
    points = sorted(result.points, key=lambda p: p.value)
    width = 7.2
    label = result.label or settings.statistic
    title = style.fit_title(
        f"Scan of {label} over {settings.param}\n" + " · ".join(result.describe().split("; ")),
        width - 0.3,
        style.FONT_SIZE,
    )
    top = style.title_inches(title, style.FONT_SIZE) + 0.35
    height = 3.8 + top
    figure = style.new_figure(width, height)
    ax = figure.add_axes((0.12, 0.75 / height, 0.84, (height - top - 0.75) / height))
    log_axis = parameters.scale(settings.param) == "log_one_minus"

    def position(value: float) -> float:  # -log10(1 - γ): increases with γ, spreads γ -> 1
        return -math.log10(1 - value) if log_axis else value

    x = np.array([position(p.value) for p in points])
    interval = result.steepest_interval
    if interval is not None:
        ax.axvspan(
            position(interval[0]),
            position(interval[1]),
            color=style.ACCENT_COLOR,
            alpha=0.15,
            lw=0,
            label="steepest change",
        )
    if not any(p.estimate.defined for p in points):
        # A change between runs only (rank): the cumulative change, each step ± its (paired) error.
        changes = [s.change.value if s.change.defined else np.nan for s in result.steps]
        errors = [s.change.sem if s.change.sem_defined else np.nan for s in result.steps]
        cumulative = np.concatenate([[0.0], np.nancumsum(changes)])
        ax.errorbar(
            x,
            cumulative,
            yerr=np.concatenate([[0.0], errors]),
            fmt="o-",
            color=style.ACCENT_COLOR,
            ms=4,
            capsize=3,
            lw=1.2,
            label="cumulative change (beyond noise) ± each step's error",
        )
        ylabel = f"cumulative {label}"
    else:
        ax.errorbar(
            x,
            [p.statistic for p in points],
            yerr=[p.sem if p.estimate.sem_defined else np.nan for p in points],
            fmt="o-",
            color=style.ACCENT_COLOR,
            ms=4,
            capsize=3,
            lw=1.2,
            label=f"{label} ± standard error",
        )
        ylabel = label
    if log_axis:
        ticks = [
            g for g in GAMMA_TICKS if min(p.value for p in points) - 1e-12 <= g <= max(p.value for p in points) + 1e-12
        ]
        ax.set_xticks([position(g) for g in ticks], [f"{g:g}" for g in ticks], fontsize=style.FONT_SIZE - 1)
        ax.set_xlabel(f"{settings.param} γ (axis: −log10(1 − γ))", fontsize=style.FONT_SIZE)
    else:
        ax.set_xlabel(settings.param, fontsize=style.FONT_SIZE)
    if len(ylabel) > 40:  # a contrast's patterns: the title has them in full
        ylabel = f"{settings.statistic.split(':')[0]} (see title)"
    ax.set_ylabel(ylabel, fontsize=style.FONT_SIZE)
    ax.grid(color="0.9")
    ax.legend(fontsize=style.FONT_SIZE - 2, loc="best")
    style.set_title(figure, title, font_size=style.FONT_SIZE)
    return style.save_figure(figure, path)


class EnvironmentStudyReport(EnvironmentStudyWriter):
    """When a two-agent sweep over environments finishes: ``study.json``, ``study.csv`` and a
    figure per study (``study.png``, or ``study-{fixed values}.png``) in the sweep folder."""

    def __init__(self, figures: bool = True):
        super().__init__()
        self.figures = figures

    def on_sweep_finished(self, sweep: StoredSweep) -> None:
        super().on_sweep_finished(sweep)
        if not self.figures:
            return
        several_groups = len({s.group for s in self.studies}) > 1
        for study in self.studies:
            parts = [f"{k}__{v}" for k, v in study.fixed.items()]
            if several_groups:
                parts.insert(0, style.file_token(study.group))
            tag = "-".join(parts)
            self.paths.append(
                environment_study_figure(
                    study, sweep.path / style.safe_filename(f"study{'-' + tag if tag else ''}.png")
                )
            )


__all__ = ["EnvironmentStudyReport", "environment_study_figure", "scan_figure"]
