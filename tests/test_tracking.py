"""``--wandb`` tracking: offline by default, no network, no settings read at import."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from powerplay.runner.sweep import run_sweep
from powerplay.runner.tracking import WandbTracker, tracking_mode, wandb_logged_in

pytest.importorskip("wandb")


@pytest.fixture
def isolated_wandb(tmp_path, monkeypatch):
    """No account, no network: a fresh HOME and every wandb folder inside ``tmp_path``."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for variable in (
        "WANDB_API_KEY",
        "WANDB_MODE",
        "WANDB_PROJECT",
        "WANDB_ENTITY",
        "WANDB_BASE_URL",
        "POWERPLAY_SAMPLES",
    ):
        monkeypatch.delenv(variable, raising=False)
    for variable in ("WANDB_DIR", "WANDB_CACHE_DIR", "WANDB_CONFIG_DIR", "WANDB_DATA_DIR"):
        monkeypatch.setenv(variable, str(tmp_path / "wandb-home"))
    monkeypatch.setenv("WANDB_SILENT", "true")
    return tmp_path


def test_mode_follows_login_state(isolated_wandb, monkeypatch):
    assert not wandb_logged_in() and tracking_mode() == "offline"
    (isolated_wandb / "home" / ".netrc").write_text("machine api.wandb.ai\n  login user\n  password abc123\n")
    (isolated_wandb / "home" / ".netrc").chmod(0o600)
    assert wandb_logged_in() and tracking_mode() == "online"
    monkeypatch.setenv("WANDB_MODE", "disabled")
    assert tracking_mode() == "disabled"


def test_runs_are_logged_offline(isolated_wandb):
    config = isolated_wandb / "tracked.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "name": "tracked",
                "parameters": {
                    "mdp_graph": {"value": "stochastic_graph_4_states"},
                    "discount_rate": {"values": [0.3, 0.9], "names": ["0p3", "0p9"]},
                    "reward_distribution": {"value": {"default_dist": {"dist_name": "uniform", "params": [0, 1]}}},
                    "num_reward_samples": {"value": 100},
                    "random_seed": {"value": 0},
                },
            }
        )
    )
    sweep = run_sweep(config, isolated_wandb / "expts", listeners=WandbTracker())
    offline = sorted((sweep.path / "wandb").glob("offline-run-*"))
    assert len(offline) == 2
    for run in sweep.runs:
        record = run.info["wandb_run"]
        assert record["mode"] == "offline" and record["project"] == "powerplay" and record["url"] is None
        folder = next(p for p in offline if p.name.endswith(record["id"]))
        data = (folder / f"run-{record['id']}.wandb").read_bytes()
        # The run's name, group, config and summary are in the offline record (uploaded by `wandb sync`).
        for fragment in (
            run.path.name,
            "0001-tracked",
            "discount_rate",
            "power_H_mean_over_states",
            "samples_per_second",
            "stochastic_graph_4_states",
        ):
            assert fragment.encode() in data, fragment
    # Resuming does not log runs twice.
    again = run_sweep(config, isolated_wandb / "expts", listeners=WandbTracker())
    assert len(sorted((again.path / "wandb").glob("offline-run-*"))) == 2


def test_importing_tracking_does_not_import_wandb():
    code = "import sys, powerplay.runner.tracking, powerplay.runner.sweep; print('wandb' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "False", result.stderr
