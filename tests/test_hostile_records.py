"""Hostile inputs against results on disk and the code around them (issue 18).

The contract, as for the rest of the hostile suite: every input ends in a right answer or in
one line (a :class:`~powerplay.errors.PowerplayError`; on the command line ``error: ...``
and exit status 2) before anything is written; nothing written is ever unreadable.

Classes (one section each):

* results that could be swapped or overwritten: a run folder holding another run's record,
  outputs pointed at a sweep's records, a record without checksums;
* CSV: labels with control characters, spreadsheet formulas, numbers that must round-trip
  exactly (Hypothesis fuzzing of labels and values);
* names the file system measures in bytes;
* late and internal errors: a 1x1 joint gridworld without overlap, malformed Gymnasium
  tables (fuzzed), networkx nodes that read as one label, lone surrogates;
* resources: a Dask peer announcing a huge frame, too many local workers, two identical
  commands at once, a stray numbered folder, the disk-space advice.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from powerplay.errors import (
    ConfigError,
    DistributedError,
    FileFormatError,
    ModelError,
    PowerplayError,
    ResourceLimitError,
    SweepError,
)
from powerplay.interfaces.cli import app
from powerplay.interfaces.executor_options import parse_cluster
from powerplay.io import from_gymnasium, from_networkx
from powerplay.io.safe_load import load_json
from powerplay.model.gridworld import gridworld, joint_gridworld
from powerplay.runner.sweep import run_sweep
from powerplay.stats.summary import RunSummary
from powerplay.storage import runs as run_storage
from powerplay.storage.runs import load_run, verify_run, write_run
from powerplay.storage.sweeps import (
    MAX_FOLDER_NAME,
    check_not_a_record,
    load_sweep,
    next_sweep_id,
    runs_table_csv,
)
from powerplay.storage.tables import FORMULA_TRIGGERS, cell_from_text, read_table, table_csv, text_from_cell

runner = CliRunner()
FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
UNIFORM = {"default_dist": {"dist_name": "uniform", "params": [0, 1]}, "allow_all_equal_rewards": False}


def write_config(folder: Path, name: str = "hostile", **overrides) -> Path:
    parameters = {
        "mdp_graph": {"value": "3x3_gridworld"},
        "discount_rate": {"values": [0.1, 0.9], "names": ["0p1", "0p9"]},
        "reward_distribution": {"value": UNIFORM},
        "num_reward_samples": {"value": 64},
        "random_seed": {"value": 0},
    }
    parameters.update(overrides)
    parameters = {key: value for key, value in parameters.items() if value is not None}
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"name": name, "parameters": parameters}, sort_keys=False, allow_unicode=True))
    return path


def one_line(error: BaseException, *fragments: str) -> str:
    message = str(error)
    assert message and "\n" not in message and "\r" not in message, repr(message)
    for fragment in fragments:
        assert fragment in message, message
    return message


def refused(call, kind=PowerplayError, *fragments: str) -> PowerplayError:
    with pytest.raises(kind) as info:
        call()
    one_line(info.value, *fragments)
    return info.value


def snapshot(folder: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else None for p in sorted(folder.rglob("*"))}


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished sweep over γ = 0.1 and 0.9 (samples kept), copied by each test that changes it."""
    folder = tmp_path_factory.mktemp("records")
    run_sweep(write_config(folder), folder / "expts")
    return folder


@pytest.fixture
def work(finished, tmp_path):
    shutil.copytree(finished, tmp_path / "work")
    return tmp_path / "work"


def sweep_folder(work: Path) -> Path:
    return work / "expts" / "0001-hostile"


def run_folder(work: Path, gamma: str) -> Path:
    return sweep_folder(work) / f"0001-hostile-discount_rate__{gamma}"


def rerun(work: Path, **options):
    return run_sweep(work / "hostile.yaml", work / "expts", **options)


# -- a run folder holding another run's record ---------------------------------------------------


def test_a_run_folder_with_another_runs_files_is_damaged_not_reused(work):
    fresh = {p.name: p.read_bytes() for p in run_folder(work, "0p9").iterdir() if p.suffix != ".png"}
    for name in ("run.yaml", "power.csv", "summary.npz", "samples.npz", "run.json"):
        shutil.copyfile(run_folder(work, "0p1") / name, run_folder(work, "0p9") / name)
    verify_run(run_folder(work, "0p9"))  # every checksum matches: the files are the γ = 0.1 run's own
    refused(
        lambda: rerun(work),
        SweepError,
        str(run_folder(work, "0p9")),
        "discount_rate is 0.1 there, 0.9 here",
        "--repair",
    )
    # Reading it back is refused too, rather than giving γ = 0.9 the γ = 0.1 result.
    sweep = load_sweep(sweep_folder(work))
    refused(lambda: sweep.to_dataframe(), FileFormatError, "0p9", "is the record of run 'discount_rate__0p1'")
    refused(lambda: runner_result(["show", "1", "-o", str(work / "expts")]), SweepError, "0p9")
    repaired = rerun(work, repair=True)
    assert repaired.run(discount_rate=0.9).config["discount_rate"] == 0.9
    for name in ("power.csv", "samples.npz", "summary.npz"):  # recomputed to the numbers it had
        assert (run_folder(work, "0p9") / name).read_bytes() == fresh[name]
    frame = repaired.to_dataframe()
    high, low = frame[frame.discount_rate == 0.9], frame[frame.discount_rate == 0.1]
    assert high.power_mean.mean() > low.power_mean.mean()  # farsighted POWER is larger on the 3x3


def runner_result(args: list[str]):
    """A CLI call whose one-line error is raised as a SweepError (for ``refused``)."""
    result = runner.invoke(app, args)
    if result.exit_code == 2:
        raise SweepError(result.output.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize(
    "field, value, fragment",
    [
        ("random_seed", 7, "records random_seed 7, but this run's is 0"),
        ("num_reward_samples", 65, "records num_reward_samples 65"),
        ("run_suffix", "discount_rate__0p1", "records run_suffix"),
        ("environments", {"mdp_graph": "0" * 64}, "records environments"),
        ("name", "0001-hostile-discount_rate__0p1", "records name"),
    ],
)
def test_a_record_that_is_not_this_runs_is_damaged(work, field, value, fragment):
    path = run_folder(work, "0p9") / "run.json"
    record = json.loads(path.read_text())
    assert field in record  # every identifying field is recorded
    record[field] = value
    path.write_text(json.dumps(record))
    refused(lambda: rerun(work), SweepError, str(run_folder(work, "0p9")), fragment)
    assert rerun(work, repair=True).is_complete


def test_a_run_drawn_from_another_reward_stream_is_damaged(work, monkeypatch):
    monkeypatch.setattr(run_storage, "reward_check", lambda config, states: "0" * 64)
    refused(lambda: rerun(work), SweepError, "reward samples are not the ones")


def test_a_run_that_cannot_be_read_back_is_damaged_and_repaired(work):
    run = run_folder(work, "0p9")
    record = json.loads((run / "run.json").read_text())
    record["num_states"] = 3  # power.csv has 9 rows: it no longer reads back
    (run / "run.json").write_text(json.dumps(record))
    refused(lambda: rerun(work), SweepError, str(run), "power.csv", "--repair")
    assert load_sweep(rerun(work, repair=True).path).run(discount_rate=0.9).power_mean("H").shape == (9,)


@pytest.mark.parametrize("drop", ["files", "run.yaml", "power.csv", "summary.npz"])
def test_a_record_without_its_checksums_is_damaged(work, drop):
    path = run_folder(work, "0p1") / "run.json"
    record = json.loads(path.read_text())
    if drop == "files":
        del record["files"]
    else:
        del record["files"][drop]
    path.write_text(json.dumps(record))
    refused(lambda: rerun(work), SweepError, str(run_folder(work, "0p1")), "records no checksum", "--repair")
    repaired = rerun(work, repair=True)
    assert set(json.loads(path.read_text())["files"]) >= {"run.yaml", "power.csv", "summary.npz"}
    assert repaired.is_complete


# -- outputs pointed at a sweep's records -------------------------------------------------------------


def _record_paths(work: Path) -> list[Path]:
    sweep, run = sweep_folder(work), run_folder(work, "0p1")
    return [
        sweep / "sweep.json",
        sweep / "config.yaml",
        sweep / "runs.csv",
        *(run / name for name in ("run.json", "run.yaml", "power.csv", "summary.npz", "samples.npz")),
    ]


def test_no_output_option_can_write_over_a_sweeps_records(work, monkeypatch):
    monkeypatch.chdir(work)
    before = snapshot(sweep_folder(work))
    (work / "link.json").symlink_to(sweep_folder(work) / "sweep.json")
    targets = [*_record_paths(work), work / "link.json", sweep_folder(work) / "runs.csv" / "inside.png"]
    commands = [
        lambda t: ["report", "1", "-o", str(t)],
        lambda t: ["plot", "power", "1", "-o", str(t)],
        lambda t: ["plot", "view", "3x3_gridworld", "-o", str(t)],
        lambda t: ["run", "hostile.yaml", "-o", str(t)],
        lambda t: ["scan", "hostile.yaml", "--from", "0.1", "--to", "0.5", "-o", str(t)],
        lambda t: ["reproduce", "1", "1", "--figures-dir", str(t)],
        lambda t: ["selftest", "test_stochastic", "-o", str(t)],
    ]
    for target in targets:
        for command in commands:
            result = runner.invoke(app, command(target))
            assert result.exit_code == 2, (command(target), result.output)
            assert "a record of the" in result.output and "Traceback" not in result.output
    assert snapshot(sweep_folder(work)) == before
    # Figures and reports still go where they belong, including into the sweep folder.
    check_not_a_record(sweep_folder(work) / "report.html")
    check_not_a_record(run_folder(work, "0p1") / "POWER_means.png")
    check_not_a_record(work / "temp")


def test_write_report_in_python_refuses_a_record(work):
    pytest.importorskip("bokeh")
    from powerplay.figures.report import write_report

    refused(
        lambda: write_report(sweep_folder(work), run_folder(work, "0p1") / "run.json"),
        SweepError,
        "run.json, a record of the run",
    )


# -- CSV: text read back as written, nothing a spreadsheet runs, exact numbers ---------------------------

LABELS = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)
NUMBERS = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e150, max_value=1e150)


def _result(states, means):
    """A RunResult stand-in whose per-state means are ``means`` exactly (two equal samples)."""
    power = {"H": np.array([means, means], dtype=float)}
    return SimpleNamespace(
        states=tuple(states),
        summary=RunSummary.of_samples(power),
        samples=None,
        seconds=0.1,
        random_seed=0,
        convergence_summary=lambda: {},
    )


def _no_formula_cells(text: str) -> None:
    """Every text cell is quoted and none starts as a spreadsheet formula."""
    for row in read_table(text)[1:]:
        for cell in row:
            assert cell[:1] not in FORMULA_TRIGGERS or _is_number(cell), repr(cell)


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


@FUZZ
@given(pairs=st.lists(st.tuples(LABELS, NUMBERS), min_size=1, max_size=8, unique_by=lambda pair: pair[0]))
@example(
    pairs=[
        (label, 1e12 + i)
        for i, label in enumerate(["a\rb", '=HYPERLINK("http://x","y")', "-1", "'=x", "\t@", "+", "@SUM(1)", "a\x00b"])
    ]
)
def test_fuzz_power_tables_read_back_exactly(pairs, tmp_path_factory):
    states, means = [state for state, _ in pairs], [mean for _, mean in pairs]
    folder = write_run(tmp_path_factory.mktemp("table") / "run", {"discount_rate": 0.5}, _result(states, means))
    text = (folder / "power.csv").read_text(encoding="utf-8")
    _no_formula_cells(text)
    run = load_run(folder)
    assert run.states == tuple(states)
    summary = RunSummary.of_samples({"H": np.array([means, means], dtype=float)})
    assert run.table_power("H")[0].tolist() == summary.power_mean("H").tolist()  # bit-exact
    assert run.table_power("H")[1].tolist() == summary.power_sem("H").tolist()


def test_rewards_near_1e9_keep_every_digit_in_power_csv(tmp_path):
    # (Near 1e12, double precision itself rounds POWER by more than this threshold: refused,
    # tests/test_numeric_edges.py.)
    config = write_config(
        tmp_path,
        "large",
        reward_distribution={"value": {"default_dist": {"dist_name": "uniform", "params": [1e9, 1e9 + 1]}}},
        convergence_threshold={"value": 1e-6},
    )
    run = run_sweep(config, tmp_path / "expts").runs[0]
    table, exact = run.table_power("H")[0], run.summary.power_mean("H")
    assert table.tolist() == exact.tolist()
    assert len(set(table.tolist())) > 1  # at 10 significant digits every mean read 1e+09
    assert "1e+09," not in (run.path / "power.csv").read_text()


def test_formula_like_labels_and_names_are_neutralised_in_both_tables(tmp_path):
    labels = ['=HYPERLINK("http://evil","click")', "+1+1", "-cmd", "@SUM(A1)", "\tx", "'quoted", "plain"]
    mdps = tmp_path / "mdps"
    mdps.mkdir()
    transitions = {
        label: {"stay": {label: 1.0}, "next": {labels[(i + 1) % len(labels)]: 1.0}} for i, label in enumerate(labels)
    }
    (mdps / "evil.json").write_text(json.dumps({"kind": "mdp", "transitions": transitions}))
    config = write_config(
        tmp_path,
        "evil",
        mdp_graph={"value": "evil"},
        discount_rate={"values": [0.1, 0.9], "names": ["=1+1", "+cmd"]},
    )
    sweep = run_sweep(config, tmp_path / "expts", workdir=tmp_path)
    power = (sweep.runs[0].path / "power.csv").read_text()
    runs = (sweep.path / "runs.csv").read_text()
    for text in (power, runs):
        _no_formula_cells(text)
    assert '"\'=HYPERLINK(""http://evil"",""click"")"' in power and "\"''quoted\"" in power
    assert '"\'=1+1"' in runs and '"\'+cmd"' in runs
    # Our readers undo it: states, tables and data frames hold the labels as they are.
    again = load_sweep(sweep.path)
    assert again.states == tuple(labels)
    assert set(again.to_dataframe().state) == set(labels)
    rows = read_table(runs)
    assert [text_from_cell(row[rows[0].index("discount_rate_name")]) for row in rows[1:]] == ["=1+1", "+cmd"]
    # pandas reads the numbers as numbers, and removeprefix("'") is the exact inverse for text.
    pandas = pytest.importorskip("pandas")
    frame = pandas.read_csv(sweep.runs[0].path / "power.csv")
    assert frame.power_H.dtype == float and list(frame.state.str.removeprefix("'")) == labels


def test_a_carriage_return_in_a_label_reads_back_everywhere(tmp_path):
    mdps = tmp_path / "mdps"
    mdps.mkdir()
    (mdps / "cr.yaml").write_text('kind: mdp\ntransitions:\n  "a\\rb": {go: {c: 1}}\n  c: {go: {"a\\rb": 1}}\n')
    config = write_config(tmp_path, "cr", mdp_graph={"value": "cr"})
    sweep = run_sweep(config, tmp_path / "expts", workdir=tmp_path)
    assert load_sweep(sweep.path).states == ("a\rb", "c")
    assert runner.invoke(app, ["show", str(sweep.path)]).exit_code == 0
    assert run_sweep(config, tmp_path / "expts", workdir=tmp_path, repair=True).is_complete  # reused, checked


@FUZZ
@given(
    rows=st.lists(
        st.fixed_dictionaries(
            {
                "run": LABELS,
                "value": st.one_of(NUMBERS, st.integers(-(10**18), 10**18), LABELS, st.none(), st.booleans()),
            }
        ),
        min_size=1,
        max_size=5,
    )
)
def test_fuzz_runs_tables_read_back(rows):
    text = runs_table_csv(rows)
    _no_formula_cells(text)
    table = read_table(text)
    assert sorted(table[0]) == ["run", "value"] and len(table) == len(rows) + 1
    columns = [table[0].index("run"), table[0].index("value")]
    for row, (run, value) in zip(rows, ([cells[i] for i in columns] for cells in table[1:])):
        assert text_from_cell(run) == row["run"]
        expected = row["value"]
        if expected is None:
            assert value == ""
        elif isinstance(expected, bool):
            assert value == str(expected)
        elif isinstance(expected, (int, float)):
            assert type(expected)(value) == expected  # exact: repr round-trips
        else:
            assert text_from_cell(value) == expected


def test_cells_escape_reversibly():
    for text in ["=1", "'=1", "''", "'", "-1", "-1e-5", "-x", "+", "@", "\t", "\r", "a", ""]:
        assert text_from_cell(cell_from_text(text)) == text
    assert cell_from_text("-2.5e3") == "-2.5e3"  # a plain number is not a formula
    assert table_csv(["x"], [[-0.5]]).splitlines()[1] == "-0.5"  # numbers unquoted, negative stays a number


# -- names measured in bytes ----------------------------------------------------------------------------------


def test_names_of_four_byte_characters_are_checked_in_bytes_before_anything_is_written(tmp_path):
    wide = "\U0001d400"  # MATHEMATICAL BOLD CAPITAL A: one character, four bytes
    config = write_config(tmp_path, wide * 30)  # 30 characters, 120 bytes
    refused(lambda: run_sweep(config, tmp_path / "expts"), ConfigError, "bytes")
    assert not (tmp_path / "expts").exists()
    config = write_config(tmp_path, wide * 20, discount_rate={"values": [0.1, 0.9], "names": [wide * 64, wide * 63]})
    sweep = run_sweep(config, tmp_path / "expts")
    assert sweep.is_complete and [p.name for p in (tmp_path / "expts").iterdir()] == [sweep.path.name]
    for folder in sweep.path.iterdir():
        assert len(folder.name.encode()) <= MAX_FOLDER_NAME
    assert run_sweep(config, tmp_path / "expts").path == sweep.path  # resumed, readable
    assert len(load_sweep(sweep.path).to_dataframe()) == 2 * 9


# -- late and internal errors ------------------------------------------------------------------------------


@pytest.mark.parametrize("overlap", ["remove", "block"])
def test_a_one_cell_joint_gridworld_without_overlap_is_a_one_line_refusal(overlap, tmp_path):
    refused(lambda: joint_gridworld(gridworld(1, 1), overlap=overlap), ModelError, f"overlap={overlap!r}", "1 state")
    assert joint_gridworld(gridworld(1, 2), overlap=overlap).states == ("(0, 0)_H^(0, 1)_A", "(0, 1)_H^(0, 0)_A")
    config = write_config(
        tmp_path,
        "tiny",
        mdp_graph=None,
        joint_mdp_graph={"value": {"generator": "maze", "rows": 1, "cols": 1, "seed": 0, "joint": overlap}},
        policy_graph_agent_A={"value": "uniform_random"},
    )
    refused(lambda: run_sweep(config, tmp_path / "expts"), ConfigError, "no joint state would be left")
    assert not (tmp_path / "expts").exists()


class Table:
    def __init__(self, P):
        self.P = P


GOOD = {0: {0: [(1.0, 1, 0.0, False)], 1: [(0.5, 0, 0.0, False), (0.5, 1, 1.0, False)]}, 1: {0: [(1.0, 0, 0.0, False)]}}


@pytest.mark.parametrize(
    "change, fragment",
    [
        (lambda P: P[0][0].insert(0, (float("nan"), 1, 0.0, False)), "probability nan"),
        (lambda P: P[0][0].__setitem__(0, (1.0, 7, 0.0, False)), "leads to 7, which is not a state of P"),
        (lambda P: P[0][0].__setitem__(0, (1.0, 1, 0.0)), "not (probability, next_state, reward, terminated)"),
        (lambda P: P[0][0].__setitem__(0, ("1", 1, 0.0, False)), "probability '1', not a number"),
        (lambda P: P.__setitem__(1, [[(1.0, 0, 0.0, False)]]), "P[1] (state 1) is a list"),
        (lambda P: P[0].__setitem__(0, "x"), "is a str, not a list"),
        (lambda P: P[0][0].__setitem__(0, (1.5, 1, 0.0, False)), "not a number in [0, 1]"),
        (lambda P: P[0][0].__setitem__(0, (1.0, 1, 0.0, "yes")), "terminated='yes'"),
        (lambda P: P.__setitem__("s", {0: [(1.0, 0, 0.0, False)]}), "state 's' is not a state number"),
    ],
)
def test_malformed_gymnasium_tables_are_one_line_errors_naming_the_entry(change, fragment):
    table = json.loads(json.dumps(GOOD), object_hook=lambda d: {int(k): v for k, v in d.items()})
    table = {s: {a: [tuple(o) for o in outcomes] for a, outcomes in row.items()} for s, row in table.items()}
    assert from_gymnasium(Table(table)).next_states("0", "1") == {"0": 0.5, "1": 0.5}
    change(table)
    refused(lambda: from_gymnasium(Table(table)), ModelError, "Gymnasium table P", fragment)


_ANYTHING = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(), st.text(max_size=3)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner, inner, inner),
        st.dictionaries(st.integers(-1, 3), inner, max_size=3),
    ),
    max_leaves=20,
)


@FUZZ
@given(
    table=st.dictionaries(
        st.integers(0, 3), st.dictionaries(st.integers(0, 2), _ANYTHING, max_size=3), min_size=1, max_size=4
    )
)
def test_fuzz_gymnasium_tables_give_an_mdp_or_one_line(table):
    try:
        mdp = from_gymnasium(Table(table))
    except ModelError as error:
        one_line(error)
    else:
        assert mdp.num_states >= len(table)


def test_networkx_nodes_that_read_as_one_label_are_refused():
    nx = pytest.importorskip("networkx")
    refused(lambda: from_networkx(nx.DiGraph([(1, "1"), ("1", 1)])), FileFormatError, "nodes 1 and '1'", "merge")
    refused(lambda: from_networkx(nx.DiGraph([("a", '"a"')])), FileFormatError, "both read as the label 'a'")
    assert from_networkx(nx.DiGraph([(1, 2), (2, 1)])).states == ("1", "2")


@FUZZ
@given(
    edges=st.lists(
        st.tuples(
            st.one_of(st.integers(0, 3), st.sampled_from(["0", "1", '"1"', "a"])),
            st.one_of(st.integers(0, 3), st.sampled_from(["0", "1", "a"])),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_fuzz_networkx_graphs_give_an_object_or_one_line(edges):
    nx = pytest.importorskip("networkx")
    graph = nx.DiGraph(edges)
    try:
        obj = from_networkx(graph)
    except PowerplayError as error:
        one_line(error)
    else:  # no two nodes merged
        assert len(obj.states) <= graph.number_of_nodes() and len(set(map(str, graph.nodes))) == graph.number_of_nodes()


def test_lone_surrogates_are_refused_where_they_are_read():
    refused(
        lambda: load_json(r'{"kind": "mdp", "transitions": {"\ud800": {}}}', "s.json"), FileFormatError, "surrogate"
    )
    assert load_json(r'{"a": "\ud83d\ude00"}') == {"a": "\U0001f600"}  # a pair is one character


# -- resources -------------------------------------------------------------------------------------------------


def _huge_frame_server() -> tuple[socket.socket, list[int]]:
    """A loopback peer that announces a 1 TiB message and streams zeros; counts what it sent."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    sent = [0]

    def serve() -> None:
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            try:
                connection.sendall(struct.pack("Q", 2**40))
                for _ in range(4096):  # at most 256 MiB, then give up
                    connection.sendall(b"\0" * 65536)
                    sent[0] += 65536
            except OSError:
                pass
            finally:
                connection.close()

    threading.Thread(target=serve, daemon=True).start()
    return server, sent


def test_a_peer_announcing_a_huge_frame_is_refused_without_reading_it():
    pytest.importorskip("distributed")
    from powerplay.runner.distributed import MAX_HANDSHAKE_BYTES, DaskExecutor, check_handshake

    server, sent = _huge_frame_server()
    address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
    try:
        refused(lambda: check_handshake(address, 5), DistributedError, "announces 1,099,511,627,776 bytes")
        refused(lambda: DaskExecutor.connect(address, timeout=5), DistributedError, "cannot reach a Dask scheduler")
    finally:
        server.close()
    time.sleep(0.2)
    assert sent[0] < 64 * MAX_HANDSHAKE_BYTES * 1024  # the peer could not stream its gigabytes into us


def test_a_peer_announcing_a_huge_frame_costs_the_command_no_memory(tmp_path):
    pytest.importorskip("distributed")
    server, _ = _huge_frame_server()
    write_config(tmp_path)
    # A 1 GiB address-space cap: reading the announced frame would fail or be killed, not refuse in one line.
    cap = "import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30)); sys.argv[0] = 'powerplay'; from powerplay.interfaces.cli import main; main()"
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                cap,
                "run",
                "hostile.yaml",
                "--no-figures",
                "--scheduler",
                f"tcp://127.0.0.1:{server.getsockname()[1]}",
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "POWERPLAY_SAMPLES": ""},
        )
    finally:
        server.close()
    assert done.returncode == 2, done.stderr[-2000:]
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: cannot reach a Dask scheduler") and "announces" in last, last
    assert not (tmp_path / "expts").exists()


def test_local_clusters_are_bounded_by_cores_and_memory(monkeypatch):
    import psutil

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    refused(lambda: parse_cluster("local:1024"), DistributedError, "1,024 worker processes on 2 cores", "local:2")
    assert parse_cluster("local:8") == 8
    monkeypatch.setattr(psutil, "virtual_memory", lambda: SimpleNamespace(available=3 * 256 * 2**20))
    refused(lambda: parse_cluster("local:8"), DistributedError, "memory", "at most local:3")
    assert parse_cluster("local:3") == 3


def _powerplay_command(folder: Path) -> subprocess.Popen:
    code = "import sys; sys.argv[0] = 'powerplay'; from powerplay.interfaces.cli import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, "run", "hostile.yaml", "--no-figures"],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "POWERPLAY_SAMPLES": ""},
    )


def test_two_identical_commands_started_together_make_one_sweep(tmp_path):
    write_config(tmp_path, num_reward_samples={"value": 2000})
    for trial in range(2):
        shutil.rmtree(tmp_path / "expts", ignore_errors=True)
        first, second = _powerplay_command(tmp_path), _powerplay_command(tmp_path)
        outcomes = [(process.wait(timeout=300), process.stderr.read()) for process in (first, second)]
        for process in (first, second):
            process.stdout.close()
            process.stderr.close()
        assert [p.name for p in (tmp_path / "expts").iterdir()] == ["0001-hostile"], (trial, outcomes)
        for code, stderr in outcomes:  # each computed the sweep, reused it, or was refused while the other ran
            assert code == 0 or (code == 2 and "being computed by another powerplay process" in stderr), stderr[-500:]
        assert load_sweep(tmp_path / "expts" / "0001-hostile").is_complete


def test_a_stray_numbered_folder_does_not_block_new_sweeps(tmp_path):
    expts = tmp_path / "expts"
    (expts / "999999999-x").mkdir(parents=True)
    assert run_sweep(write_config(tmp_path), expts).path.name == "0001-hostile"
    # Even a real sweep at the largest id leaves room: the first free id is used.
    shutil.copytree(expts / "0001-hostile", expts / "999999999-other")
    record = json.loads((expts / "999999999-other" / "sweep.json").read_text())
    record.update(sweep_id="999999999", name="other", runs=[])
    (expts / "999999999-other" / "sweep.json").write_text(json.dumps(record))
    assert next_sweep_id(expts) == "0002"
    assert run_sweep(write_config(tmp_path), expts, new=True).path.name == "0002-hostile"


@pytest.mark.parametrize(
    "keep, advice",
    [(True, "because it was asked (--keep-samples"), (None, "run with --no-keep-samples")],
)
def test_the_disk_space_refusal_says_what_applies(tmp_path, monkeypatch, keep, advice):
    monkeypatch.setattr(shutil, "disk_usage", lambda path: SimpleNamespace(total=10**6, used=10**6 - 100, free=100))
    message = one_line(
        refused(lambda: run_sweep(write_config(tmp_path), tmp_path / "expts", keep_samples=keep), ResourceLimitError),
        advice,
    )
    assert ("run without --keep-samples" in message) is False
    assert not (tmp_path / "expts").exists()
