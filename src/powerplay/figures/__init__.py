"""Figures and animations of POWER results (headless matplotlib, GIFs through imageio).

Per run (drawn by the sweep runner): :func:`render_run_figures`. Published figures:
:func:`render_published_figure`. The reference tool's visualisation functions, with the
same names, inputs and defaults:

* :func:`view_gridworld`, :func:`plot_mdp_or_policy`;
* :func:`visualize_correlated_reward_samples`, :func:`visualize_all_correlated_reward_samples`;
* :func:`visualize_alignment_plots`, :func:`visualize_average_powers`;
* :func:`visualize_full_gridworld_rollout`, :func:`generate_sweep_animation`;

and new ones: :func:`visualize_alignment_against_parameter` (α_HA against β or γ) and
:func:`visualize_power_against_parameter` (POWER of chosen states against γ).

A sweep's interactive HTML report (one self-contained file): :func:`write_report`.

Lower-level building blocks (:func:`gridworld_heatmap_figure`, :func:`alignment_figure`,
:func:`sample_aggregation_figure`, ...) return :class:`matplotlib.figure.Figure` objects
carrying the numbers they drew in ``figure.plotted``; :func:`save_figure` writes one as PNG.
See ``docs/figures.md``.
"""

from .alignment import alignment_figure, parameter_line_figure
from .animation import write_gif
from .heatmaps import GridGeometry, gridworld_heatmap_figure, view_gridworld
from .mdp_drawing import GraphvizNotFoundError, plot_mdp_or_policy
from .published import PublishedFigureError, Reproduction, render_published_figure, reproduce
from .report import write_report
from .reward_samples import visualize_all_correlated_reward_samples, visualize_correlated_reward_samples
from .rollout import visualize_full_gridworld_rollout
from .run_figures import FigureOptions, RunFigures, render_figures_for_run, render_run_figures
from .samples import (
    FigureWarning,
    correlation_matrix_figure,
    sample_aggregation_figure,
    sample_correlation_figures,
    sample_histogram_figures,
)
from .style import COLOR_MAP, RunLabel, save_figure
from .sweeps import (
    generate_sweep_animation,
    visualize_alignment_against_discount_rate,
    visualize_alignment_against_parameter,
    visualize_alignment_plots,
    visualize_average_powers,
    visualize_power_against_discount_rate,
    visualize_power_against_parameter,
)

__all__ = [
    "COLOR_MAP",
    "FigureWarning",
    "GraphvizNotFoundError",
    "GridGeometry",
    "FigureOptions",
    "PublishedFigureError",
    "Reproduction",
    "RunFigures",
    "RunLabel",
    "alignment_figure",
    "correlation_matrix_figure",
    "generate_sweep_animation",
    "gridworld_heatmap_figure",
    "parameter_line_figure",
    "plot_mdp_or_policy",
    "render_published_figure",
    "render_figures_for_run",
    "render_run_figures",
    "reproduce",
    "sample_aggregation_figure",
    "sample_correlation_figures",
    "sample_histogram_figures",
    "save_figure",
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
