"""The command line with a cold kernel cache: input errors stay one line; a run says it compiles."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from powerplay.interfaces import cli


def test_a_bad_config_is_one_line_even_before_the_kernels_are_compiled(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text(
        yaml.safe_dump(
            {"name": "bad", "parameters": {"mdp_graph": {"value": "3x3_gridworld"}, "discount_rate": {"value": 1.5}}}
        )
    )
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "empty-cache"), "POWERPLAY_SAMPLES": ""}
    out = subprocess.run(
        [sys.executable, "-c", "from powerplay.interfaces.cli import main; main()", "run", str(config)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        f"error: {config}: parameters.discount_rate.value: must be in [0, 1), got 1.5"
    ]
    assert not (tmp_path / "expts").exists()


def test_the_compilation_note_comes_once_when_computing_starts(monkeypatch, capsys):
    import powerplay.solvers.warmup as warmup

    monkeypatch.setattr(warmup, "kernels_compiled", lambda: False)
    note = cli.CompilationNote()
    note.on_run_started(None, 10)
    note.on_run_started(None, 10)
    err = capsys.readouterr().err
    assert err.count("note: compiling the numerical kernels first") == 1


def test_warmup_marks_the_kernels_compiled(tmp_path, monkeypatch):
    import powerplay.solvers.warmup as warmup

    monkeypatch.setattr(warmup, "_stamp", lambda: Path(tmp_path) / "stamp")
    assert not warmup.kernels_compiled()
    warmup.mark_kernels_compiled()
    assert warmup.kernels_compiled()
    (tmp_path / "stamp").write_text("an older version")
    assert not warmup.kernels_compiled()


def test_a_marker_that_cannot_be_written_does_not_fail_the_compilation(tmp_path, monkeypatch):
    """A read-only install: numba caches elsewhere, only the marker is missing."""
    import powerplay.solvers.warmup as warmup

    (tmp_path / "a file").write_text("")
    monkeypatch.setattr(warmup, "_stamp", lambda: Path(tmp_path) / "a file" / "stamp")
    warmup.mark_kernels_compiled()
    assert not warmup.kernels_compiled()
