"""Sweep reports: one self-contained, interactive HTML file per sweep.

:func:`write_report` turns a stored sweep into a page that opens from disk (no server, no
network: Bokeh's JavaScript is inlined) and shows the sweep the way it is explored:

* a header with the sweep's config, seed, sample counts, versions, timing and convergence;
* a sortable, filterable table of the runs with their parameters, α_HA (raw and
  attenuation-corrected, with 95 % intervals) and timing;
* for the run chosen in a menu or the table: POWER heat maps (joint gridworlds in the block
  layout, with a shared, per-block or difference-from-block-mean colour scale) or bar
  charts, the alignment plot, and the top states -- hovering shows a state's label, each
  agent's mean ± standard error and rank; selecting points or cells highlights the same
  states everywhere;
* sweep plots: α_HA, average POWER and POWER of chosen states against each swept parameter
  (with a log(1 − γ) axis for discount rates), with error bars.

It reads statistics only (``run.json``, ``power.csv``/``summary.npz``), never the
per-sample arrays, so it works for runs that did not keep their samples. See
``docs/report.md``.

Examples
--------
``write_report('0001')`` writes ``expts/0001-.../report.html`` and returns its path;
``powerplay report 0001`` does the same from the command line.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ...io.atomic import atomic_write_text
from ...storage.sweeps import DEFAULT_FOLDER, check_not_a_record
from .data import ReportData, gather_report_data

#: File name of a report inside its sweep folder.
REPORT_FILE = "report.html"


def write_report(
    sweep, path=None, *, folder=DEFAULT_FOLDER, states: Sequence[str] | None = None, top_k: int = 10
) -> Path:
    """Write a sweep's interactive HTML report.

    Parameters
    ----------
    sweep : str, int, path or StoredSweep
        The sweep: its id (``'0001'``), folder name or path, or a loaded sweep.
    path : path, optional
        The HTML file to write (default ``{sweep folder}/report.html``); folders are created.
    folder : path
        Where sweep ids and names are looked up (default ``expts``).
    states : sequence of str, optional
        States whose POWER the sweep plots show (default: a few chosen automatically -- the
        highest and lowest POWER of each agent and the largest H–A gap, averaged over runs).
    top_k : int
        How many states each 'top states' list shows (default 10).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    SweepNotFoundError
        If there is no such sweep.
    FigureError
        If the sweep has no finished run, a state is unknown, or ``top_k`` is below 1.
    """
    from .page import report_html  # Bokeh is imported only when a report is written

    data = gather_report_data(sweep, folder=folder, states=states, top_k=top_k)
    target = Path(path) if path is not None else data.sweep.path / REPORT_FILE
    check_not_a_record(target, "path")  # a report written over sweep.json would damage the sweep
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target, report_html(data))
    return target


__all__ = ["REPORT_FILE", "ReportData", "gather_report_data", "write_report"]
