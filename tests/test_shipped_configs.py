"""Every config the repository ships (``configs/*.yaml``, ``configs/studies/*.yaml``) loads and
builds every one of its runs, as ``powerplay run`` would before computing (paths in them are
relative to the repository's root, where the docs run them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from powerplay.runner.build import check_environments
from powerplay.runner.config import load_sweep_config

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = sorted([*ROOT.glob("configs/*.yaml"), *ROOT.glob("configs/studies/*.yaml")])


def test_the_configs_are_found():
    names = {path.name for path in CONFIGS}
    assert {"my_first_sweep.yaml", "three_agents.yaml", "push_vs_remove.yaml", "one_way_door.yaml"} <= names


@pytest.mark.parametrize("path", CONFIGS, ids=[p.relative_to(ROOT).as_posix() for p in CONFIGS])
def test_a_shipped_config_builds_every_run(path, monkeypatch):
    monkeypatch.chdir(ROOT)
    config = load_sweep_config(path.relative_to(ROOT))
    runs = config.runs()
    assert runs, path
    built = check_environments(config, workdir=ROOT)
    assert len(built) == len(runs)
