"""The reference's ``viz`` module: plots of reward or POWER samples (drawn by :mod:`powerplay.figures.samples`).

Each function returns the figure(s) and, with ``save_handle``, also saves them as PNG in
``save_folder`` under the reference's file names (``POWER_means-{save_handle}.png``, ...).
Nothing is shown on screen (matplotlib runs headless here); call ``figure.savefig`` or
display the returned figure in a notebook. The numbers a figure shows come from the
matching record function of :mod:`powerplay.figures.samples`
(``sample_aggregation_data``, ``histogram_data``, ``correlation_data``).

Examples
--------
>>> import numpy as np
>>> from powerplay.figures.samples import sample_aggregation_data
>>> samples = np.random.default_rng(0).random((100, 3))
>>> figure = plot_sample_aggregations(samples, ['a', 'b', 'c'])
>>> np.allclose(sample_aggregation_data(samples, ['a', 'b', 'c']).values, samples.mean(axis=0))
True
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..figures.render import draw
from ..figures.samples import correlation_data, histogram_data, sample_aggregation_data
from ..figures.style import file_token, save_figure
from ..storage.sweeps import DEFAULT_FOLDER

EXPERIMENT_FOLDER = DEFAULT_FOLDER


def _save(figure, name: str, save_folder) -> None:
    save_figure(figure, Path(save_folder) / f"{file_token(name)}.png")


def plot_sample_aggregations(
    all_samples,
    state_list,
    plot_as_gridworld=False,
    save_handle=None,
    aggregation="mean",
    sample_quantity="POWER",
    save_folder=EXPERIMENT_FOLDER,
):
    """Mean (with standard errors) or variance of samples ``[N, S]`` per state; ``aggregation`` is ``'mean'`` or ``'var'``."""
    figure = draw(
        sample_aggregation_data(
            np.asarray(all_samples),
            list(state_list),
            aggregation=aggregation,
            quantity=sample_quantity,
            plot_as_gridworld=plot_as_gridworld,
        )
    )
    if save_handle is not None:
        _save(figure, f"{sample_quantity}_{aggregation}s-{save_handle}", save_folder)
    return figure


def plot_sample_distributions(
    all_samples,
    state_list,
    states_to_plot=None,
    number_of_bins=30,
    plot_as_gridworld=False,
    sample_quantity="POWER",
    save_handle=None,
    save_folder=EXPERIMENT_FOLDER,
):
    """Histograms of samples ``[N, S]`` at each state (or at ``states_to_plot``); returns the figures."""
    samples, states = np.asarray(all_samples), list(state_list)
    if states_to_plot is not None:
        index = [states.index(s) for s in states_to_plot]
        samples, states = samples[:, index], list(states_to_plot)
    tagged = [
        (tag, draw(data))
        for tag, data in histogram_data(
            samples,
            states,
            quantity=sample_quantity,
            plot_as_gridworld=plot_as_gridworld,
            number_of_bins=number_of_bins,
        )
    ]
    if save_handle is not None:
        for tag, figure in tagged:
            _save(figure, f"{sample_quantity}_samples{tag}-{save_handle}", save_folder)
    return [figure for _, figure in tagged]


def plot_sample_correlations(
    all_samples,
    state_list,
    state_x=None,
    state_list_y=None,
    number_of_bins=30,
    plot_as_gridworld=False,
    sample_quantity="POWER",
    save_handle=None,
    save_folder=EXPERIMENT_FOLDER,
):
    """2-D histograms of the samples at ``state_x`` against each state (of ``state_list_y``).

    With ``state_x=None``, one figure for every state ``x``. Returns the figures.
    """
    samples, states = np.asarray(all_samples), list(state_list)
    if state_list_y is not None:
        keep = list(dict.fromkeys(([state_x] if state_x is not None else []) + list(state_list_y)))
        index = [states.index(s) for s in keep]
        samples, states = samples[:, index], keep
    records = correlation_data(
        samples,
        states,
        quantity=sample_quantity,
        plot_as_gridworld=plot_as_gridworld,
        number_of_bins=number_of_bins,
    )
    if state_x is not None:
        records = [(tag, data) for tag, data in records if tag == f"_correlations_{state_x}"]
    tagged = [(tag, draw(data)) for tag, data in records]
    if save_handle is not None:
        for tag, figure in tagged:
            _save(figure, f"{sample_quantity}{tag}-{save_handle}", save_folder)
    return [figure for _, figure in tagged]


__all__ = ["plot_sample_aggregations", "plot_sample_correlations", "plot_sample_distributions"]
