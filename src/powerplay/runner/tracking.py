"""Optional experiment tracking with Weights & Biases (``powerplay run --wandb``).

Local run folders are always written and need no account; tracking is an extra copy.
Each run becomes one W&B run, grouped by sweep folder, holding

* the run's config (``run.yaml``) and sweep record fields,
* a summary: time, samples per second, sample count, seed, largest certified POWER error,
  the mean POWER over states of each agent,
* a ``power`` table (one row per state, the columns of ``power.csv``),
* the run's figures (PNG as images, GIF animations as files).

Mode: if ``WANDB_MODE`` is set it is obeyed; otherwise runs are logged **online** only when
you are logged in (``WANDB_API_KEY`` is set or ``wandb login`` stored a key in
``~/.netrc``) and **offline** otherwise. Offline runs are written under
``{sweep folder}/wandb/`` and can be uploaded later with ``wandb sync {sweep folder}/wandb/offline-run-*``.

Nothing is read at import time: ``wandb`` is imported, and login state checked, only when a
:class:`WandbTracker` is created. Install the extra with ``pip install 'powerplay[wandb]'``.
"""

from __future__ import annotations

import netrc
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ..errors import DependencyMissing, TrackingError
from ..storage.runs import StoredRun, power_table_rows, update_run_info
from ..storage.sweeps import read_sweep_record
from .events import SweepListener

DEFAULT_PROJECT = "powerplay"


def wandb_logged_in() -> bool:
    """Whether an API key is available (``WANDB_API_KEY`` or a ``~/.netrc`` entry for the W&B host)."""
    if os.environ.get("WANDB_API_KEY"):
        return True
    host = urlparse(os.environ.get("WANDB_BASE_URL", "https://api.wandb.ai")).hostname or "api.wandb.ai"
    try:
        return netrc.netrc().authenticators(host) is not None
    except (FileNotFoundError, netrc.NetrcParseError, OSError):
        return False


def tracking_mode() -> str:
    """``$WANDB_MODE`` if set, else ``'online'`` when logged in and ``'offline'`` otherwise."""
    return os.environ.get("WANDB_MODE") or ("online" if wandb_logged_in() else "offline")


def _summary(run: StoredRun) -> dict[str, Any]:
    info = run.info
    conv = info.get("convergence") or {}
    summary = {
        "seconds": info.get("seconds"),
        "samples_per_second": info.get("samples_per_second"),
        "num_reward_samples": info.get("num_reward_samples"),
        "random_seed": info.get("random_seed"),
        "bound_max": max((c.get("bound_max", 0.0) for c in conv.values()), default=0.0),
        "samples_capped": sum(int(c.get("samples_capped", 0)) for c in conv.values()),
    }
    for key in run.power_keys:
        summary[f"power_{key}_mean_over_states"] = run.average_power(key)[0]
    alignment = info.get("alignment")
    if isinstance(alignment, dict):
        summary.update(
            {k: alignment.get(k) for k in ("alpha", "alpha_sem", "alpha_corrected", "reliability_H", "reliability_A")}
        )
    return {k: v for k, v in summary.items() if v is not None}


class WandbTracker(SweepListener):
    """Logs the runs of a sweep to Weights & Biases as the sweep writes them (a sweep listener).

    Each run is logged once (``run.json`` records its W&B run); runs of a resumed sweep that
    were not logged yet are logged when reused. Offline runs are written in
    ``{sweep folder}/wandb/``; the sweep's id and name become the W&B group.

    Parameters
    ----------
    project : str, optional
        W&B project (default ``$WANDB_PROJECT`` or ``'powerplay'``).
    entity : str, optional
        W&B entity (default ``$WANDB_ENTITY`` or your default entity).

    Raises
    ------
    DependencyMissing
        If the ``wandb`` package is not installed (raised at creation, before any sweep runs).
    """

    def __init__(self, project: str | None = None, entity: str | None = None):
        try:
            import wandb
        except ImportError:
            raise DependencyMissing("logging to Weights & Biases (--wandb)", extra="wandb") from None
        self._wandb = wandb
        self.project = project or os.environ.get("WANDB_PROJECT") or DEFAULT_PROJECT
        self.entity = entity or os.environ.get("WANDB_ENTITY")
        self.mode = tracking_mode()
        self.sweep_path: Path | None = None
        self.sweep_record: dict[str, Any] = {}

    @property
    def group(self) -> str:
        return f"{self.sweep_record.get('sweep_id')}-{self.sweep_record.get('name')}"

    def on_sweep_started(self, sweep_path, runs, finished, resumed) -> None:
        self.sweep_path = Path(sweep_path)
        self.sweep_record = read_sweep_record(sweep_path)

    def on_run_written(self, run: StoredRun, fresh: bool) -> None:
        if not fresh and run.info.get("wandb_run"):
            return
        try:
            record = self.log_run(run)
        except Exception as error:  # reported by the sweep as a warning; results are safe
            raise TrackingError(
                f"Weights & Biases logging of {run.name} failed ({type(error).__name__}: {error})"
            ) from None
        update_run_info(run.path, wandb_run=record)

    def log_run(self, run: StoredRun) -> dict[str, Any]:
        """Log one finished run; return ``{'id', 'mode', 'project', 'url'}`` for ``run.json``."""
        wandb = self._wandb
        config = dict(run.config)
        config["sweep_description"] = self.sweep_record.get("description", "")
        wb_run = wandb.init(
            project=self.project,
            entity=self.entity,
            group=self.group,
            name=run.path.name,
            job_type=run.experiment_type or "run",
            config=config,
            dir=str(self.sweep_path or run.path.parent),
            mode=self.mode,
            reinit="finish_previous",
            settings=wandb.Settings(silent=True, console="off", save_code=False),
        )
        try:
            columns, data = power_table_rows(run)
            table = wandb.Table(columns=columns, data=data)
            images = {}
            for name in run.info.get("figures") or []:
                path = run.path / name
                if path.suffix.lower() == ".png" and path.is_file():
                    images[f"figures/{path.stem}"] = wandb.Image(str(path))
                elif path.is_file():
                    wb_run.save(str(path), base_path=str(run.path), policy="now")
            wb_run.log({"power": table, **images})
            for key, value in _summary(run).items():
                wb_run.summary[key] = value
            url = wb_run.url if self.mode == "online" else None  # offline runs have no URL (wandb warns if asked)
            record = {
                "id": wb_run.id,
                "mode": self.mode,
                "project": self.project,
                "url": url,
                "dir": str(Path(wb_run.dir).parent),
            }
        finally:
            wb_run.finish()
        return record


__all__ = ["DEFAULT_PROJECT", "TrackingError", "WandbTracker", "tracking_mode", "wandb_logged_in"]
