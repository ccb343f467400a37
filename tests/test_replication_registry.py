"""The replication registry: every published figure maps to the right sweep, run once and reused."""

from __future__ import annotations

import json

import pytest
from conftest import REFERENCE

from powerplay.figures.published import reproduce
from powerplay.runner.config import load_sweep_config
from powerplay.runner.replication import (
    ALIASES,
    FIGURES,
    SWEEPS,
    ReplicationError,
    figure,
    siblings,
)

REPLICATION = REFERENCE / "powerplay-configs" / "replication"


@pytest.fixture(autouse=True)
def _no_samples_override(monkeypatch):
    monkeypatch.delenv("POWERPLAY_SAMPLES", raising=False)


def test_every_published_figure_is_registered():
    expected = {(1, f) for f in range(1, 7)} | {(2, f) for f in range(1, 11)} | {(3, f) for f in range(2, 12)}
    assert set(FIGURES) == expected
    assert ALIASES == {(3, 1): (1, 2)} and figure(3, 1) is FIGURES[(1, 2)]
    for fig in FIGURES.values():
        assert fig.sweep is None or fig.sweep in SWEEPS
    assert {k for k, f in FIGURES.items() if f.sweep is None} == {(2, 1), (2, 5)}


@pytest.mark.parametrize("name", sorted(SWEEPS))
def test_sweep_names_say_which_figures_share_them(name):
    post = int(name.split("-")[0].removeprefix("PART_"))
    numbers = [int(n) for n in name.split("-")[1].removeprefix("FIGURES_").removeprefix("FIGURE_").split("_")]
    assert sorted(f.figure for f in FIGURES.values() if f.sweep == name) == numbers
    assert all(f.post == post for f in FIGURES.values() if f.sweep == name)
    first = figure(post, numbers[0])
    assert sorted(f.figure for f in siblings(post, numbers[0])) == numbers[1:]
    assert first.sweep == name


@pytest.mark.skipif(
    not REPLICATION.is_dir(),
    reason="interop with the reference tool's replication configs: ../shared/reference is not beside the repository",
)
@pytest.mark.parametrize("name", sorted(SWEEPS))
def test_sweeps_carry_the_reference_replication_parameters(name):
    reference = load_sweep_config(REPLICATION / f"{name}.yaml")
    ours = SWEEPS[name].config()
    assert ours.name == reference.name and ours.experiment_type == reference.experiment_type
    assert [(r.suffix, r.config) for r in ours.runs()] == [(r.suffix, r.config) for r in reference.runs()]


def test_unknown_figures():
    with pytest.raises(ReplicationError, match="post 1 has no figure 7: figures are 1, 2, 3, 4, 5, 6"):
        figure(1, 7)
    with pytest.raises(ReplicationError, match="no post 5"):
        figure(5, 1)


def test_siblings_reuse_one_sweep(tmp_path):
    kwargs = dict(samples=40, output_dir=tmp_path / "expts", figures_dir=tmp_path / "temp", run_figures=False)
    first = reproduce(1, 5, **kwargs)
    assert (
        first.paths == [tmp_path / "temp" / "POWER_means-PART_1-FIGURE_5.png"] and first.paths[0].stat().st_size > 1000
    )
    assert first.sweep.path.name == "0001-PART_1-FIGURES_5_6" and first.sweep.is_complete
    info_before = [json.loads((first.sweep.run_folder(s) / "run.json").read_text()) for s in first.sweep.run_suffixes]
    second = reproduce(1, 6, **kwargs)
    assert second.sweep.path == first.sweep.path
    info_after = [json.loads((second.sweep.run_folder(s) / "run.json").read_text()) for s in second.sweep.run_suffixes]
    assert info_after == info_before  # reused, not recomputed
    assert sorted(p.name for p in (tmp_path / "expts").iterdir()) == ["0001-PART_1-FIGURES_5_6"]
    assert second.sweep.run(discount_rate=0.99).num_samples == 40

    scatter = reproduce(2, 5, **kwargs)
    assert scatter.sweep is None and scatter.paths[0].name == "PART_2-FIGURE_5.png"


@pytest.mark.slow
@pytest.mark.parametrize("post, number", [(1, 1), (2, 1), (2, 4)])
def test_published_figures_render_at_reduced_samples(tmp_path, post, number):
    result = reproduce(
        post, number, samples=40, output_dir=tmp_path / "expts", figures_dir=tmp_path / "temp", run_figures=False
    )
    assert result.paths
    for path in result.paths:
        assert path.is_file() and path.stat().st_size > 1000
