"""Figures and animations of POWER results (headless matplotlib, GIFs through Pillow).

Every figure is computed, then drawn:

* a pure function computes a small frozen record of what is drawn (:mod:`.data`:
  :class:`HeatmapData`, :class:`AlignmentData`, :class:`LinesData`, ...), e.g.
  :func:`heatmap_data`, :func:`alignment_data`, :func:`alignment_against_parameter_data`;
* a drawing function renders a record into a :class:`matplotlib.figure.Figure`
  (:func:`draw_heatmap`, ..., or :func:`draw` for any record); :func:`save` writes it.

The functions that save files return the path(s) they wrote. Per run (drawn by the sweep
runner): :func:`render_run_figures`. Published figures: :func:`render_published_figure`.
The reference tool's visualisation functions, with the same names, inputs and defaults:

* :func:`view_gridworld`, :func:`plot_mdp_or_policy`;
* :func:`visualize_correlated_reward_samples`, :func:`visualize_all_correlated_reward_samples`;
* :func:`visualize_alignment_plots`, :func:`visualize_average_powers`;
* :func:`visualize_full_gridworld_rollout`, :func:`generate_sweep_animation`;

and new ones: :func:`visualize_alignment_against_parameter` (α_HA against β, γ or any swept
parameter) and :func:`visualize_power_against_parameter` (POWER of chosen states against γ).

A sweep's interactive HTML report (one self-contained file): :func:`write_report`. Studies
across environments and phase-change scans: :mod:`powerplay.figures.study_figures`.
See ``docs/figures.md``.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_names
from ..errors import FigureWarning

#: Where each public name is defined, imported on first use (:mod:`powerplay._lazy`): a caller
#: of one figure module (the CLI's per-run figures, ``powerplay plot view``) does not import
#: all of them (the sweep figures, animations, the report, Graphviz drawing).
_EXPORTS = {
    ".alignment": ("alignment_data", "alignment_figure", "draw_alignment", "draw_lines"),
    ".animation": ("write_gif",),
    ".data": (
        "AlignmentData",
        "BarsData",
        "CorrelationData",
        "HeatmapData",
        "HistogramData",
        "LinesData",
        "MatrixData",
        "Panel",
        "RewardPairsData",
        "Series",
    ),
    ".heatmaps": (
        "GridGeometry",
        "draw_heatmap",
        "gridworld_heatmap_figure",
        "heatmap_data",
        "view_data",
        "view_gridworld",
    ),
    ".mdp_drawing": ("GraphvizNotFoundError", "plot_mdp_or_policy"),
    ".published": ("PublishedFigureError", "Reproduction", "render_published_figure", "reproduce"),
    ".render": ("draw", "frame_pixels", "save", "save_all", "save_sequence"),
    ".report": ("write_report",),
    ".reward_samples": (
        "reward_pairs_data",
        "visualize_all_correlated_reward_samples",
        "visualize_correlated_reward_samples",
    ),
    ".rollout": ("rollout_frames", "visualize_full_gridworld_rollout"),
    ".run_figures": (
        "FigureOptions",
        "RunFigures",
        "render_figures_for_run",
        "render_run_figures",
        "run_figure_records",
    ),
    ".samples": (
        "correlation_data",
        "draw_bars",
        "draw_correlations",
        "draw_histograms",
        "draw_matrix",
        "draw_reward_pairs",
        "histogram_data",
        "matrix_data",
        "sample_aggregation_data",
        "state_values_data",
    ),
    ".style": ("COLOR_MAP", "RunLabel", "save_figure"),
    ".sweeps": (
        "alignment_against_parameter_data",
        "alignment_frames",
        "average_powers_data",
        "generate_sweep_animation",
        "power_against_parameter_data",
        "visualize_alignment_against_discount_rate",
        "visualize_alignment_against_parameter",
        "visualize_alignment_plots",
        "visualize_average_powers",
        "visualize_power_against_discount_rate",
        "visualize_power_against_parameter",
    ),
}

if TYPE_CHECKING:  # the same names, for type checkers and editors (tests/test_package.py keeps them equal)
    from .alignment import alignment_data, alignment_figure, draw_alignment, draw_lines
    from .animation import write_gif
    from .data import (
        AlignmentData,
        BarsData,
        CorrelationData,
        HeatmapData,
        HistogramData,
        LinesData,
        MatrixData,
        Panel,
        RewardPairsData,
        Series,
    )
    from .heatmaps import GridGeometry, draw_heatmap, gridworld_heatmap_figure, heatmap_data, view_data, view_gridworld
    from .mdp_drawing import GraphvizNotFoundError, plot_mdp_or_policy
    from .published import PublishedFigureError, Reproduction, render_published_figure, reproduce
    from .render import draw, frame_pixels, save, save_all, save_sequence
    from .report import write_report
    from .reward_samples import (
        reward_pairs_data,
        visualize_all_correlated_reward_samples,
        visualize_correlated_reward_samples,
    )
    from .rollout import rollout_frames, visualize_full_gridworld_rollout
    from .run_figures import FigureOptions, RunFigures, render_figures_for_run, render_run_figures, run_figure_records
    from .samples import (
        correlation_data,
        draw_bars,
        draw_correlations,
        draw_histograms,
        draw_matrix,
        draw_reward_pairs,
        histogram_data,
        matrix_data,
        sample_aggregation_data,
        state_values_data,
    )
    from .style import COLOR_MAP, RunLabel, save_figure
    from .sweeps import (
        alignment_against_parameter_data,
        alignment_frames,
        average_powers_data,
        generate_sweep_animation,
        power_against_parameter_data,
        visualize_alignment_against_discount_rate,
        visualize_alignment_against_parameter,
        visualize_alignment_plots,
        visualize_average_powers,
        visualize_power_against_discount_rate,
        visualize_power_against_parameter,
    )

__getattr__, __dir__ = lazy_names(__name__, globals(), _EXPORTS)

__all__ = [
    "COLOR_MAP",
    "AlignmentData",
    "BarsData",
    "CorrelationData",
    "FigureOptions",
    "FigureWarning",
    "GraphvizNotFoundError",
    "GridGeometry",
    "HeatmapData",
    "HistogramData",
    "LinesData",
    "MatrixData",
    "Panel",
    "PublishedFigureError",
    "Reproduction",
    "RewardPairsData",
    "RunFigures",
    "RunLabel",
    "Series",
    "alignment_against_parameter_data",
    "alignment_data",
    "alignment_figure",
    "alignment_frames",
    "average_powers_data",
    "correlation_data",
    "draw",
    "draw_alignment",
    "draw_bars",
    "draw_correlations",
    "draw_heatmap",
    "draw_histograms",
    "draw_lines",
    "draw_matrix",
    "draw_reward_pairs",
    "frame_pixels",
    "generate_sweep_animation",
    "gridworld_heatmap_figure",
    "heatmap_data",
    "histogram_data",
    "matrix_data",
    "plot_mdp_or_policy",
    "power_against_parameter_data",
    "render_figures_for_run",
    "render_published_figure",
    "render_run_figures",
    "reproduce",
    "reward_pairs_data",
    "rollout_frames",
    "run_figure_records",
    "sample_aggregation_data",
    "save",
    "save_all",
    "save_figure",
    "save_sequence",
    "state_values_data",
    "view_data",
    "view_gridworld",
    "visualize_alignment_against_discount_rate",
    "visualize_alignment_against_parameter",
    "visualize_alignment_plots",
    "visualize_all_correlated_reward_samples",
    "visualize_average_powers",
    "visualize_correlated_reward_samples",
    "visualize_full_gridworld_rollout",
    "visualize_power_against_discount_rate",
    "visualize_power_against_parameter",
    "write_gif",
    "write_report",
]
