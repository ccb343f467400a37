"""A corpus of hostile inputs for powerplay, each run in a fresh process (issues 11 and 18).

The corpus covers the MDP and policy readers (``dot/``, ``yaml/``, ``json/``, ``policy/``),
experiment configs (``config/``), experiments that cannot be computed (``experiment/``), the
command line (``cli/``), damaged run folders and outputs aimed at a sweep's records
(``run-folder/``), sweep records (``sweep-json/``), CSV tables that must read back exactly and
hold no spreadsheet formulas (``csv/``), Gymnasium tables (``gym/``), networkx graphs
(``networkx/``), and Dask scheduler addresses (``dask/``).

Run ``python benchmarks/hostile_inputs.py`` (a few minutes) or pick cases by name:
``python benchmarks/hostile_inputs.py dot/ yaml/alias`` (substrings); ``--quick`` runs the first case
of each group (what CI runs). ``--list`` lists the
cases, ``--timeout S`` changes the per-case limit (default 20 s), ``--keep`` keeps the
folders. One line is printed per case -- ``ok`` or ``NOT CLEAN``, the time, the outcome --
then ``N of M handled cleanly``; the exit status is 1 if any case was not.

A case is *handled cleanly* when, within the timeout and a 4 GiB memory cap, it gives the
expected kind of outcome -- a result, or a one-line :class:`powerplay.errors.PowerplayError`
-- (never a traceback, a hang or a crash) and writes nothing outside its temporary folder:
the child runs there, with ``HOME`` and ``TMPDIR`` inside it, and the repository's
``git status`` and the home folder's listing must be unchanged afterwards.

Adding cases
------------
A :class:`Case` is a name, a function that builds the input inside an empty folder and returns
what to pass on, and either

* ``call="module:function"`` -- called with that one argument (a path) in a fresh interpreter;
  its result is summarised, a ``PowerplayError`` is the expected kind of refusal; or
* ``command=[...]`` -- a command line run in the folder, ``{input}`` replaced by the built
  path and ``{python}`` by this interpreter (:data:`POWERPLAY` is the ``powerplay`` entry
  point); clean means exit status 0, or status 2 with standard error ending in one
  ``error: ...`` line, with no traceback and no raw control characters.

``env`` adds environment variables for the child; ``verify(folder)`` checks the case's folder
afterwards (e.g. that nothing appeared outside the output folder, that a link's target is
untouched) and returns a problem or ``None``.

For instance::

    Case("config/alias-bomb", lambda d: write(d / "c.yaml", _config_alias_bomb()),
         call="powerplay.runner.config:load_sweep_config", expect="error")
    Case("cli/run-deep-config", lambda d: write(d / "c.yaml", "name: x\\nparameters: " + "[" * 10**6),
         command=[*POWERPLAY, "run", "{input}"], expect="error")

and add them to :data:`CASES` (or a list of your own passed to :func:`run_cases`).
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]

# -- the machinery -------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One hostile input and how to feed it to powerplay.

    Attributes
    ----------
    name : str
        ``group/what``, e.g. ``'dot/unclosed-string'``.
    build : callable
        ``build(folder) -> Path``: writes the input inside ``folder`` (empty, temporary) and
        returns the path to pass on.
    call : str
        ``'module:function'`` called with the path (unless ``command`` is given).
    command : sequence of str, optional
        A command line instead of ``call``; ``{input}`` and ``{python}`` are replaced.
    expect : {'any', 'result', 'error'}
        What a clean outcome is: either, a result, or a one-line ``PowerplayError``.
    check : callable, optional
        ``check(summary) -> bool`` on a result's summary (see ``_CHILD``), for cases whose
        result must also be right.
    note : str
        Why the case is there.
    env : mapping, optional
        Extra environment variables for the child.
    verify : callable, optional
        ``verify(folder) -> problem or None``, run on the case's folder afterwards.
    """

    name: str
    build: Callable[[Path], Path]
    call: str = "powerplay.io:read_any"
    command: Sequence[str] | None = None
    expect: str = "any"
    check: Callable[[dict], bool] | None = None
    note: str = ""
    env: Mapping[str, str] | None = None
    verify: Callable[[Path], str | None] | None = None


@dataclass
class Outcome:
    case: Case
    clean: bool
    seconds: float
    detail: str
    extra: list[str] = field(default_factory=list)


# Runs in the child: a memory cap, the call, and one JSON line describing what happened.
_CHILD = textwrap.dedent(
    """
    import importlib, json, sys
    try:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (4 * 2**30, 4 * 2**30))
    except (ImportError, ValueError, OSError):
        pass
    from powerplay.errors import PowerplayError

    def summary(result):
        out = {"type": type(result).__name__}
        for key in ("states", "actions", "actions_H", "actions_A"):
            if hasattr(result, key):
                out[key] = len(getattr(result, key))
        if hasattr(result, "name"):
            out["name_length"] = len(str(result.name))
        return out

    module, _, function = sys.argv[1].partition(":")
    target = getattr(importlib.import_module(module), function)
    try:
        result = target(sys.argv[2])
    except PowerplayError as error:
        print(json.dumps({"outcome": "error", "type": type(error).__name__, "message": str(error)}))
    else:
        print(json.dumps({"outcome": "result", "summary": summary(result)}))
    """
)


def _home_listing() -> set[str]:
    home = Path.home()
    try:
        return {f"{entry.name}:{entry.stat(follow_symlinks=False).st_mtime_ns}" for entry in home.iterdir()}
    except OSError:
        return set()


def _repository_status() -> str:
    try:
        return subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all"],
            cwd=REPOSITORY,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def run_case(case: Case, folder: Path, timeout: float) -> Outcome:
    """Build the case's input in ``folder`` and run it there in a fresh process."""
    work = folder / "work"
    for sub in ("work", "home", "tmp"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    target = case.build(work)
    env = {
        **os.environ,
        "HOME": str(folder / "home"),
        "TMPDIR": str(folder / "tmp"),
        "MPLBACKEND": "Agg",
        "POWERPLAY_SAMPLES": "",
        **(case.env or {}),
    }
    if case.command is not None:
        argv = [part.replace("{input}", str(target)).replace("{python}", sys.executable) for part in case.command]
    else:
        argv = [sys.executable, "-c", _CHILD, case.call, str(target)]
    before_repo, before_home = _repository_status(), _home_listing()
    start = time.perf_counter()
    try:
        done = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return Outcome(case, False, time.perf_counter() - start, f"did not finish within {timeout:g} s")
    seconds = time.perf_counter() - start
    extra = []
    if _repository_status() != before_repo:
        extra.append("changed files in the repository")
    if _home_listing() != before_home:
        extra.append("changed the home folder")
    if case.verify is not None:
        problem = case.verify(folder)
        if problem:
            extra.append(problem)
    clean, detail = (_judge_command if case.command is not None else _judge_call)(case, done)
    return Outcome(case, clean and not extra, seconds, detail, extra)


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _judge_call(case: Case, done: subprocess.CompletedProcess) -> tuple[bool, str]:
    if done.returncode != 0:
        return False, f"crashed (exit {done.returncode}): {_last_line(done.stderr)[:200]}"
    try:
        report = json.loads(_last_line(done.stdout))
    except ValueError:
        return False, f"no outcome printed: {_last_line(done.stdout)[:200]!r}"
    if report["outcome"] == "error":
        message = report["message"]
        detail = f"{report['type']}: {message[:160]}{'...' if len(message) > 160 else ''}"
        return case.expect in ("any", "error") and "\n" not in message and bool(message), detail
    summary = report["summary"]
    detail = "read " + ", ".join(f"{k}={v}" for k, v in summary.items())
    right = case.check is None or case.check(summary)
    return case.expect in ("any", "result") and right, detail + ("" if right else " (wrong result)")


def _judge_command(case: Case, done: subprocess.CompletedProcess) -> tuple[bool, str]:
    if done.returncode == 0:
        return case.expect in ("any", "result"), f"exit 0: {_last_line(done.stdout)[:160]}"
    stderr = done.stderr.strip()
    last = _last_line(stderr)
    # Progress lines may come first; the error is the last line, one line, escaped, status 2.
    clean = (
        done.returncode == 2
        and last.startswith("error: ")
        and "Traceback" not in stderr
        and not any(ord(c) < 32 for c in last)
    )
    return clean and case.expect in ("any", "error"), f"exit {done.returncode}: {last[:160]}"


def run_cases(cases: Sequence[Case], timeout: float = 20.0, keep: bool = False) -> list[Outcome]:
    """Run every case in its own temporary folder, printing one line each and a total."""
    outcomes = []
    width = max(len(case.name) for case in cases)
    root = Path(tempfile.mkdtemp(prefix="powerplay-hostile-"))
    try:
        for number, case in enumerate(cases):
            outcome = run_case(case, root / f"{number:03d}", timeout)
            outcomes.append(outcome)
            status = "ok        " if outcome.clean else "NOT CLEAN "
            extra = f" [{'; '.join(outcome.extra)}]" if outcome.extra else ""
            print(f"{status}{case.name:<{width}}  {outcome.seconds:6.2f} s  {outcome.detail}{extra}", flush=True)
            if not keep:
                shutil.rmtree(root / f"{number:03d}", ignore_errors=True)
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print(f"inputs kept in {root}")
    clean = sum(outcome.clean for outcome in outcomes)
    print(f"{clean} of {len(outcomes)} handled cleanly")
    return outcomes


# -- building inputs -----------------------------------------------------------------------


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode("utf-8"))
    return path


def sparse_file(path: Path, size: int) -> Path:
    """A file of ``size`` bytes that takes no disk space (a hole), starting like a graph."""
    with open(path, "wb") as handle:
        handle.write(b"digraph {")
        handle.truncate(size)
    return path


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def symlink(path: Path, target: str) -> Path:
    path.symlink_to(target)
    return path


def _written(obj, path: Path) -> Path:
    from powerplay.io import write_any

    write_any(obj, path)
    return path


def _truncated(path: Path, fraction: float = 0.5) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    return path


def _noisy_gridworld():
    from powerplay.model.gridworld import gridworld

    return gridworld(3, 3, stochastic_noise_level=0.2, name="noisy 3x3")


GOOD_DOT = """strict digraph "two states" {
"[a]";
"[go]__[a]";
"[b]__[go]__[a]";
"[b]";
"[stay]__[b]";
"[b]__[stay]__[b]";
"[a]" -> "[go]__[a]";
"[go]__[a]" -> "[b]__[go]__[a]"  [weight="1.0"];
"[b]" -> "[stay]__[b]";
"[stay]__[b]" -> "[b]__[stay]__[b]"  [weight="1.0"];
}
"""
GOOD_YAML = "kind: mdp\nname: two states\ntransitions:\n  a: {go: {b: 1.0}}\n  b: {stay: {b: 1.0}}\n"
GOOD_JSON = '{"kind": "mdp", "name": "two states", "transitions": {"a": {"go": {"b": 1.0}}, "b": {"stay": {"b": 1.0}}}}'


def _long_label_mdp():
    from powerplay.model.mdp import MDP

    long = "a" * 5 * MIB
    return MDP.from_dict({long: {"go": {"b": 1.0}}, "b": {"stay": {"b": 1.0}}}, name="two states")


def _two_states(summary: dict) -> bool:
    return summary.get("type") == "MDP" and summary.get("states") == 2


def _alias_bomb(levels: int = 9, width: int = 9) -> str:
    """Issue 11: an MDP file of ~400 bytes whose name is nested lists of aliases (2.8 GB as text)."""
    parts = ["&a0 [" + ",".join(["lol"] * width) + "]"]
    parts += [f"&a{i} [" + ",".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels)]
    return "kind: mdp\nname: [" + ", ".join(parts) + "]\ntransitions: {s: {go: {s: 1}}}\n"


def _nested_alias_lists(depth: int = 30) -> str:
    """Each level a list of two aliases to the level below: 2**30 values from a few hundred bytes."""
    lines = ["kind: policy", "l0: &l0 [x, x]"]
    lines += [f"l{i}: &l{i} [*l{i - 1}, *l{i - 1}]" for i in range(1, depth)]
    return "\n".join(lines) + f"\nprobabilities: {{s: {{go: 1}}}}\nname: *l{depth - 1}\n"


def _merge_chain(length: int = 2000) -> str:
    lines = ["kind: mdp", "m0: &m0 {x: 1}"]
    lines += [f"m{i}: &m{i} {{<<: *m{i - 1}, y{i}: 1}}" for i in range(1, length)]
    return "\n".join(lines) + "\ntransitions: {s: {go: {s: 1}}}\n"


def _plain_chain(n: int) -> str:
    return "digraph {\n" + " -> ".join(f'"s{i}"' for i in range(n)) + ' -> "s0";\n}\n'


# -- the corpus ----------------------------------------------------------------------------

KIB, MIB = 2**10, 2**20


def _dot(name: str, content: str | bytes) -> Callable[[Path], Path]:
    return lambda folder: write(folder / "mdps" / name, content)


def _doc(name: str, content: str | bytes) -> Callable[[Path], Path]:
    return lambda folder: write(folder / "mdps" / name, content)


CASES: list[Case] = [
    # DOT (.gv) -------------------------------------------------------------------------
    Case(
        "dot/backslash-newlines-44",
        _dot("x.gv", 'digraph {\n"[a]\n' + "\\\n" * 44 + "}\n"),
        expect="error",
        note="issue 11 item 1: time doubled per line",
    ),
    Case("dot/backslash-newlines-1M", _dot("x.gv", 'digraph {\n"[a]\n' + "\\\n" * 1_000_000 + "}\n"), expect="error"),
    Case(
        "dot/escaped-quotes-never-closed",
        _dot("q.gv", 'digraph { "' + '\\"' * 1_000_000),
        expect="error",
        note="a tokenizer that searches ahead retries at every quote: quadratic",
    ),
    Case("dot/unclosed-block-comment", _dot("c.gv", "digraph { /*" + "*" * 5_000_000), expect="error"),
    Case("dot/truncated", lambda d: _truncated(_written(_noisy_gridworld(), d / "mdps" / "t.gv")), expect="error"),
    Case("dot/empty-file", _dot("e.gv", ""), expect="error"),
    Case("dot/utf16", _dot("u16.gv", GOOD_DOT.encode("utf-16")), expect="error"),
    Case("dot/latin1-bytes", _dot("l1.gv", GOOD_DOT.replace("[a]", "[é]").encode("latin-1")), expect="error"),
    Case(
        "dot/byte-order-mark",
        _dot("bom.gv", b"\xef\xbb\xbf" + GOOD_DOT.encode()),
        expect="result",
        check=_two_states,
        note="issue 11 item 10",
    ),
    Case("dot/crlf-line-endings", _dot("crlf.gv", GOOD_DOT.replace("\n", "\r\n")), expect="result", check=_two_states),
    Case("dot/nul-bytes", _dot("nul.gv", GOOD_DOT.replace('"[a]";', '"[a]";\x00\x00')), expect="error"),
    Case(
        "dot/control-characters-in-labels",
        _dot("ctl.gv", GOOD_DOT.replace("[a]", "[\x01\x1b\x7f]")),
        expect="result",
        check=_two_states,
    ),
    Case(
        "dot/huge-weight",
        _dot("w.gv", GOOD_DOT.replace('weight="1.0"];\n"[b]"', 'weight="1e400"];\n"[b]"')),
        expect="error",
    ),
    Case(
        "dot/nan-weight",
        _dot("nan.gv", GOOD_DOT.replace('weight="1.0"];\n"[b]"', 'weight="nan"];\n"[b]"')),
        expect="error",
    ),
    Case(
        "dot/100k-digit-weight",
        _dot("d.gv", GOOD_DOT.replace('weight="1.0"];\n"[b]"', f'weight="{"9" * 100_000}"];\n"[b]"')),
        expect="error",
    ),
    Case(
        "dot/duplicate-nodes",
        _dot("dup.gv", GOOD_DOT.replace('"[a]";', '"[a]";\n"[a]";\n"[a]" [label=x];')),
        expect="result",
        check=_two_states,
    ),
    Case(
        "dot/duplicate-edge-other-weight",
        _dot("dupe.gv", GOOD_DOT.replace("}\n", '"[go]__[a]" -> "[b]__[go]__[a]" [weight=0.5];\n}\n')),
        expect="error",
    ),
    Case(
        "dot/html-label",
        _dot("html.gv", GOOD_DOT.replace('"[a]";', '"[a]" [label=<<IMG SRC="/etc/passwd"/>>];')),
        expect="error",
    ),
    Case(
        "dot/enormous-line",
        _dot("long.gv", GOOD_DOT.replace('"[a]";', '"[a]";' + " " * 20 * MIB)),
        expect="result",
        check=_two_states,
    ),
    Case(
        "dot/enormous-label",
        _dot("label.gv", GOOD_DOT.replace("[a]", "[" + "a" * 5 * MIB + "]")),
        expect="result",
        check=_two_states,
    ),
    Case(
        "dot/label-full-of-_H^",
        _dot("h.gv", GOOD_DOT.replace("[a]", "[" + "_H^" * MIB + "x]")),
        expect="result",
        check=_two_states,
        note="the old joint-label regex was quadratic",
    ),
    Case(
        "dot/plain-chain-6000",
        _dot("chain.gv", _plain_chain(6000)),
        expect="error",
        note="6000 x 6000 action table from 70 KB",
    ),
    Case("dot/over-64MiB", lambda d: sparse_file(d / "big.gv", 64 * MIB + 1), expect="error"),
    Case("dot/fifo", lambda d: fifo(d / "pipe.gv"), expect="error", note="opening a FIFO waits for a writer"),
    Case("dot/dev-zero", lambda d: symlink(d / "zero.gv", "/dev/zero"), expect="error"),
    Case("dot/directory", lambda d: (d / "dir.gv").mkdir() or d / "dir.gv", expect="error"),
    # our YAML format --------------------------------------------------------------------
    Case("yaml/alias-bomb-in-name", _doc("bomb.yaml", _alias_bomb()), expect="error", note="issue 11 item 6"),
    Case("yaml/wide-alias-bomb", _doc("wide.yaml", _alias_bomb(levels=4, width=300)), expect="error"),
    Case("yaml/nested-alias-lists", _doc("nested.yaml", _nested_alias_lists()), expect="error"),
    Case(
        "yaml/self-referencing-anchor",
        _doc("self.yaml", "kind: mdp\nname: &n [*n]\ntransitions: {s: {go: {s: 1}}}\n"),
        expect="error",
    ),
    Case("yaml/merge-chain", _doc("merge.yaml", _merge_chain()), expect="error"),
    Case(
        "yaml/duplicate-keys",
        _doc("dup.yaml", GOOD_YAML + "  a: {stay: {a: 1.0}}\n"),
        expect="error",
        note="issue 11 item 9",
    ),
    Case(
        "yaml/keys-equal-as-labels",
        _doc("same.yaml", "kind: mdp\ntransitions:\n  1: {go: {1: 1}}\n  '1': {go: {1: 1}}\n"),
        expect="error",
    ),
    Case("yaml/deep-flow-nesting", _doc("deep.yaml", "[" * 5_000_000 + "]" * 5_000_000), expect="error"),
    Case(
        "yaml/deep-block-nesting",
        _doc("block.yaml", "kind: mdp\nname:\n" + "".join("  " * i + "- \n" for i in range(1, 3000))),
        expect="error",
    ),
    Case(
        "yaml/100k-digit-integer",
        _doc("int.yaml", GOOD_YAML.replace("b: 1.0}}\n  b:", "b: " + "9" * 100_000 + "}}\n  b:")),
        expect="error",
    ),
    Case(
        "yaml/nan-probability",
        _doc("nan.yaml", GOOD_YAML.replace("{b: 1.0}}\n  b:", "{b: .nan}}\n  b:")),
        expect="error",
    ),
    Case(
        "yaml/inf-probability",
        _doc("inf.yaml", GOOD_YAML.replace("{b: 1.0}}\n  b:", "{b: .inf}}\n  b:")),
        expect="error",
    ),
    Case(
        "yaml/truncated", lambda d: _truncated(_written(_noisy_gridworld(), d / "mdps" / "t.yaml"), 0.6), expect="error"
    ),
    Case("yaml/empty-file", _doc("e.yaml", ""), expect="error"),
    Case("yaml/utf16", _doc("u16.yaml", GOOD_YAML.encode("utf-16")), expect="error"),
    Case("yaml/latin1-bytes", _doc("l1.yaml", GOOD_YAML.replace("a:", "é:").encode("latin-1")), expect="error"),
    Case(
        "yaml/byte-order-mark",
        _doc("bom.yaml", b"\xef\xbb\xbf" + GOOD_YAML.encode()),
        expect="result",
        check=_two_states,
    ),
    Case("yaml/nul-byte", _doc("nul.yaml", GOOD_YAML.replace("two states", "two\x00states")), expect="error"),
    Case(
        "yaml/escaped-control-characters",
        _doc("ctl.yaml", GOOD_YAML.replace("  a:", '  "\\x01\\x1b\\0":').replace("{b: 1.0}}\n  b:", "{b: 1.0}}\n  b:")),
        expect="result",
        check=_two_states,
    ),
    Case(
        "yaml/python-object-tag",
        _doc("py.yaml", "kind: mdp\nname: !!python/object/apply:os.system ['touch pwned']\n"),
        expect="error",
    ),
    Case(
        "yaml/binary-label",
        _doc("bin.yaml", "kind: mdp\ntransitions:\n  !!binary aGVsbG8=: {go: {a: 1}}\n"),
        expect="error",
    ),
    Case("yaml/several-documents", _doc("docs.yaml", GOOD_YAML + "---\n" + GOOD_YAML), expect="error"),
    Case(
        "yaml/huge-joint-map",
        _doc("map.yaml", "kind: joint_mdp\ngridworld_map: '" + "." * 5000 + "'\n"),
        expect="error",
    ),
    Case(
        "yaml/tall-and-wide-map",
        _doc("area.yaml", "kind: mdp\ngridworld_map: |\n" + "  .\n" * 100_000 + "  " + "#" * 100_000 + "\n"),
        expect="error",
    ),
    Case(
        "yaml/own-action-per-state",
        _doc("own.yaml", "kind: mdp\ntransitions:\n" + "".join(f"  s{i}: {{a{i}: {{s0: 1}}}}\n" for i in range(6000))),
        expect="error",
        note="6000 x 6000 action table from 150 KB",
    ),
    Case(
        "yaml/enormous-label",
        lambda d: _written(_long_label_mdp(), d / "mdps" / "label.yaml"),
        expect="result",
        check=_two_states,
        note="written by us: a key over 1024 characters must be an explicit '? key'",
    ),
    Case(
        "json/enormous-label",
        lambda d: _written(_long_label_mdp(), d / "mdps" / "label.json"),
        expect="result",
        check=_two_states,
    ),
    Case("yaml/over-64MiB", lambda d: sparse_file(d / "big.yaml", 64 * MIB + 1), expect="error"),
    Case("yaml/fifo", lambda d: fifo(d / "pipe.yaml"), expect="error"),
    # our JSON format --------------------------------------------------------------------
    Case("json/deep-nesting", _doc("deep.json", "[" * 5_000_000 + "]" * 5_000_000), expect="error"),
    Case(
        "json/duplicate-keys",
        _doc("dup.json", GOOD_JSON.replace('"b": {"stay"', '"a": {"stay": {"a": 1}}, "b": {"stay"')),
        expect="error",
    ),
    Case(
        "json/100k-digit-integer",
        _doc("int.json", GOOD_JSON.replace('{"b": 1.0}', '{"b": ' + "9" * 100_000 + "}")),
        expect="error",
    ),
    Case(
        "json/nan-and-infinity",
        _doc("nan.json", GOOD_JSON.replace('{"b": 1.0}', '{"b": NaN, "a": Infinity}')),
        expect="error",
    ),
    Case("json/truncated", lambda d: _truncated(_written(_noisy_gridworld(), d / "mdps" / "t.json")), expect="error"),
    Case(
        "json/byte-order-mark",
        _doc("bom.json", b"\xef\xbb\xbf" + GOOD_JSON.encode()),
        expect="result",
        check=_two_states,
    ),
    Case("json/latin1-bytes", _doc("l1.json", GOOD_JSON.replace('"a"', '"é"').encode("latin-1")), expect="error"),
    Case("json/not-an-object", _doc("list.json", "[1, 2, 3]"), expect="error"),
    # policies, and a policy file read as an MDP ------------------------------------------
    Case(
        "policy/weights-not-summing-to-one",
        _dot("p.gv", 'digraph { agent="A"; "[s]" -> "[go]__[s]" [weight=0.6]; }'),
        expect="error",
    ),
    Case(
        "policy/read-as-mdp",
        lambda d: write(d / "p.yaml", "kind: policy\nprobabilities: {s: {go: 1}}\n"),
        call="powerplay.io:read_mdp",
        expect="error",
    ),
]


# -- experiment configs, the command line, run folders, sweep records, Dask ---------------------

#: The ``powerplay`` command, run by this interpreter (the console script may not be installed).
POWERPLAY = [
    "{python}",
    "-c",
    "import sys; sys.argv[0] = 'powerplay'; from powerplay.interfaces.cli import main; main()",
]
#: Bounded by a short connect timeout, so a silent scheduler costs seconds, not the default 30.
DASK_ENV = {"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2"}

_UNIFORM = "{default_dist: {dist_name: uniform, params: [0, 1]}, allow_all_equal_rewards: false}"


def _config(
    name: str = "hostile",
    mdp: str = "3x3_gridworld",
    rewards: str = _UNIFORM,
    extra: str = "",
    discount: str = "{values: [0.3, 0.9]}",
) -> str:
    return (
        f"name: {name}\nparameters:\n  mdp_graph: {{value: {mdp}}}\n  discount_rate: {discount}\n"
        f"  reward_distribution: {{value: {rewards}}}\n  num_reward_samples: {{value: 64}}\n"
        f"  random_seed: {{value: 0}}\n{extra}"
    )


def _config_alias_bomb(levels: int = 9, width: int = 10) -> str:
    """states_with_identical_rewards as nested aliases: width**levels state names from ~1 KB."""
    anchors = ["        a0: &a0 [" + ", ".join(["'(0, 0)'"] * width) + "]"]
    anchors += [f"        a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels)]
    return (
        "name: bomb\nparameters:\n  mdp_graph: {value: 3x3_gridworld}\n  discount_rate: {value: 0.9}\n"
        "  num_reward_samples: {value: 10}\n  reward_distribution:\n    value:\n"
        "      default_dist: {dist_name: uniform, params: [0, 1]}\n      anchors:\n"
        + "\n".join(anchors)
        + f"\n      states_with_identical_rewards: [*a{levels - 1}]\n"
    )


def _cfg(content: str | bytes, name: str = "c.yaml") -> Callable[[Path], Path]:
    return lambda folder: write(folder / name, content)


def _wide_mdp(folder: Path) -> Path:
    """A deterministic MDP with 66 actions in ./mdps/, and a config using it."""
    actions = ", ".join(f"a{i}: {{s: 1}}" for i in range(66))
    write(
        folder / "mdps" / "wide.yaml",
        f"kind: mdp\nname: wide\ntransitions:\n  s: {{{actions}}}\n  t: {{go: {{s: 1}}}}\n",
    )
    return write(folder / "c.yaml", _config(mdp="wide"))


def _linked_scan_folder(folder: Path) -> Path:
    """A config, and its scan's own folder under expts/ made a link to a folder outside."""
    from powerplay.runner.config import load_sweep_config
    from powerplay.runner.scan import ScanSettings, scan_folder

    config = write(folder / "c.yaml", _config(discount="{value: 0.9}"))
    (folder / "outside").mkdir()
    link = scan_folder(folder / "expts", load_sweep_config(config), ScanSettings("discount_rate", 0.3, 0.9))
    link.parent.mkdir(parents=True)
    link.symlink_to(folder / "outside")
    return config


def _nothing_written(folder: Path) -> str | None:
    return "created expts/ although the input was refused" if (folder / "work" / "expts").exists() else None


_FINISHED: dict[str, Path] = {}


def _finished_sweep() -> Path:
    """A finished two-run sweep made once by the ``powerplay`` command, copied by each case that damages it."""
    if "path" not in _FINISHED:
        base = Path(tempfile.mkdtemp(prefix="powerplay-hostile-sweep-"))
        atexit.register(shutil.rmtree, base, True)
        write(base / "hostile.yaml", _config())
        argv = [part.replace("{python}", sys.executable) for part in POWERPLAY]
        done = subprocess.run(
            [*argv, "run", "hostile.yaml", "--no-figures"],
            cwd=base,
            capture_output=True,
            text=True,
            env={**os.environ, "POWERPLAY_SAMPLES": ""},
            timeout=600,
        )
        if done.returncode != 0:
            raise RuntimeError(f"could not make the sweep the run-folder cases damage: {_last_line(done.stderr)}")
        _FINISHED["path"] = base
    return _FINISHED["path"]


def _damaged(damage: Callable[[Path, Path], None]) -> Callable[[Path], Path]:
    """A copy of the finished sweep in the case's folder, ``damage(sweep folder, outside folder)`` applied."""

    def build(work: Path) -> Path:
        shutil.copytree(_finished_sweep(), work, dirs_exist_ok=True)
        outside = work.parent / "outside"
        outside.mkdir(exist_ok=True)
        write(outside / "keep.txt", "not powerplay's")
        damage(work / "expts" / "0001-hostile", outside)
        return work / "hostile.yaml"

    return build


def _run_folder(sweep: Path) -> Path:
    return sweep / "0001-hostile-discount_rate__0p3"


def _replace(name: str, content: bytes) -> Callable[[Path, Path], None]:
    return lambda sweep, outside: (_run_folder(sweep) / name).write_bytes(content)


def _truncate(name: str) -> Callable[[Path, Path], None]:
    def damage(sweep: Path, outside: Path) -> None:
        path = _run_folder(sweep) / name
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])

    return damage


def _swap(name: str) -> Callable[[Path, Path], None]:
    return lambda sweep, outside: shutil.copyfile(
        sweep / "0001-hostile-discount_rate__0p9" / name, _run_folder(sweep) / name
    )


def _remove(name: str) -> Callable[[Path, Path], None]:
    return lambda sweep, outside: (_run_folder(sweep) / name).unlink()


def _link_run_folder(sweep: Path, outside: Path) -> None:
    """The run folder replaced by a link to a damaged copy elsewhere (--repair must not touch it)."""
    shutil.copytree(_run_folder(sweep), outside / "elsewhere")
    (outside / "elsewhere" / "summary.npz").unlink()
    shutil.rmtree(_run_folder(sweep))
    _run_folder(sweep).symlink_to(outside / "elsewhere", target_is_directory=True)


def _link_lock(sweep: Path, outside: Path) -> None:
    (sweep / ".lock").unlink(missing_ok=True)
    (sweep / ".lock").symlink_to(outside / "created-through-lock")


def _stale_temporary(sweep: Path, outside: Path) -> None:
    path = sweep / ".sweep.json.killed.tmp"
    path.write_bytes(b"\0" * 2**20)
    os.utime(path, (0, 0))


def _tamper(change: Callable[[dict], None]) -> Callable[[Path, Path], None]:
    def damage(sweep: Path, outside: Path) -> None:
        record = json.loads((sweep / "sweep.json").read_text())
        change(record)
        (sweep / "sweep.json").write_text(json.dumps(record))

    return damage


def _outside_untouched(folder: Path) -> str | None:
    outside = folder / "outside"
    names = sorted(p.name for p in outside.iterdir()) if outside.is_dir() else []
    if "created-through-lock" in names:
        return "created a file outside the output folder"
    if (outside / "elsewhere").is_dir() and not (outside / "elsewhere" / "run.json").is_file():
        return "deleted run.json through a linked run folder"
    if (outside / "elsewhere").is_dir() and (outside / "elsewhere" / "summary.npz").exists():
        return "wrote through a linked run folder"
    return None


def _no_new_sweep(folder: Path) -> str | None:
    sweeps = sorted(p.name for p in (folder / "work" / "expts").iterdir())
    return None if sweeps == ["0001-hostile"] else f"sweeps are now {sweeps}"


def _stale_removed(folder: Path) -> str | None:
    return (
        "left the stale temporary file"
        if (folder / "work" / "expts" / "0001-hostile" / ".sweep.json.killed.tmp").exists()
        else None
    )


_SERVERS: list[socket.socket] = []


def _stream_zeros(connection: socket.socket, limit: int = 2**30) -> None:
    """Announce a frame of 1 TiB (Dask's 8-byte length) and send zeros, at most ``limit`` bytes."""
    with contextlib.suppress(OSError):
        connection.sendall(struct.pack("Q", 2**40))
        for _ in range(limit // 2**16):
            connection.sendall(bytes(2**16))


def _fake_scheduler(behaviour: str) -> Callable[[Path], Path]:
    """A loopback server that accepts and stays silent, answers garbage, or announces a huge frame;
    its address in a scheduler file."""

    def build(work: Path) -> Path:
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        _SERVERS.append(server)
        held: list[socket.socket] = []

        def serve() -> None:
            while True:
                try:
                    connection, _ = server.accept()
                except OSError:
                    return
                held.append(connection)
                if behaviour == "garbage":
                    with contextlib.suppress(OSError):
                        connection.sendall(os.urandom(4096))
                elif behaviour == "huge-frame":  # announces a 1 TiB message, then streams zeros
                    threading.Thread(target=_stream_zeros, args=(connection,), daemon=True).start()

        threading.Thread(target=serve, daemon=True).start()
        write(work / "c.yaml", _config())
        return write(work / "scheduler.json", json.dumps({"address": f"tcp://127.0.0.1:{server.getsockname()[1]}"}))

    return build


_RUN = [*POWERPLAY, "run", "{input}", "--no-figures"]
_SHOW = [*POWERPLAY, "show", "1"]
_GRID = (
    "name: grid\nparameters:\n  mdp_graph: {value: 3x3_gridworld}\n"
    f"  reward_distribution: {{value: {_UNIFORM}}}\n"
    f"  discount_rate: {{values: [{', '.join(f'{i / 301:.6f}' for i in range(300))}]}}\n"
    f"  random_seed: {{values: [{', '.join(str(i) for i in range(300))}]}}\n"
    f"  num_reward_samples: {{values: [{', '.join(str(i) for i in range(1, 301))}]}}\n"
    f"  convergence_threshold: {{values: [{', '.join(f'{(i + 1) * 1e-6:.6e}' for i in range(300))}]}}\n"
)

CASES += [
    # experiment configs, read ------------------------------------------------------------------
    Case(
        "config/alias-bomb-in-identical-rewards",
        _cfg(_config_alias_bomb()),
        call="powerplay.runner.config:load_sweep_config",
        expect="error",
        note="issue 11 item 6: aliases expanding a 1 KB config",
    ),
    Case(
        "config/duplicate-key",
        _cfg(_config() + "  random_seed: {value: 1}\n"),
        call="powerplay.runner.config:load_sweep_config",
        expect="error",
        note="issue 11 item 9: YAML keeps the last value silently",
    ),
    Case(
        "config/deep-flow-nesting",
        _cfg("name: x\nparameters: " + "[" * 1_000_000 + "]" * 1_000_000),
        call="powerplay.runner.config:load_sweep_config",
        expect="error",
        note="issue 11 item 8: RecursionError",
    ),
    Case(
        "config/deep-block-nesting",
        _cfg("name: x\nparameters:\n" + "".join("  " * i + "- \n" for i in range(1, 1500))),
        call="powerplay.runner.config:load_sweep_config",
        expect="error",
    ),
    Case(
        "config/dev-zero",
        lambda d: symlink(d / "c.yaml", "/dev/zero"),
        call="powerplay.runner.config:load_sweep_config",
        expect="error",
        note="issue 11 item 6: powerplay run /dev/zero",
    ),
    Case("config/fifo", lambda d: fifo(d / "c.yaml"), call="powerplay.runner.config:load_sweep_config", expect="error"),
    Case(
        "config/directory",
        lambda d: (d / "c.yaml").mkdir() or d / "c.yaml",
        call="powerplay.runner.config:load_sweep_config",
        expect="error",
    ),
    Case(
        "config/over-4MiB",
        lambda d: sparse_file(d / "c.yaml", 4 * MIB + 1),
        call="powerplay.runner.config:load_sweep_config",
        expect="error",
    ),
    Case(
        "config/utf16",
        _cfg(_config().encode("utf-16")),
        call="powerplay.runner.config:load_sweep_config",
        expect="error",
    ),
    Case(
        "config/python-object-tag",
        _cfg(_config().replace("name: hostile", "name: !!python/object/apply:os.system [touch pwned]")),
        call="powerplay.runner.config:load_sweep_config",
        expect="error",
        verify=lambda d: "ran code" if (d / "work" / "pwned").exists() else None,
    ),
    Case(
        "config/nul-in-name",
        _cfg(_config().replace("name: hostile", 'name: "a\\0b"')),
        call="powerplay.runner.config:load_sweep_config",
        expect="error",
        note="issue 11 item 8",
    ),
    Case(
        "config/over-long-name",
        _cfg(_config().replace("name: hostile", "name: " + "n" * 5000)),
        call="powerplay.runner.config:load_sweep_config",
        expect="error",
    ),
    Case(
        "config/grid-of-8e9-runs",
        _cfg(_GRID),
        call="powerplay.runner.config:load_sweep_config",
        expect="error",
        note="issue 11 item 6: 4 parameters x 300 values",
    ),
    Case(
        "config/huge-generated-maze",
        _cfg(_config(mdp="{generator: maze, rows: 1000000, cols: 1000000, seed: 0}")),
        call="powerplay.runner.config:load_sweep_config",
        expect="error",
        note="issue 11 item 6",
    ),
    Case(
        "config/huge-joint-gridworld",
        _cfg(
            _config(mdp="x").replace(
                "  mdp_graph: {value: x}\n",
                "  joint_mdp_graph: {value: {generator: rooms, rows: 12, cols: 12, seed: 0, joint: allow}}\n"
                "  policy_graph_agent_A: {value: uniform_random}\n",
            )
        ),
        call="powerplay.runner.config:load_sweep_config",
        expect="error",
    ),
    # experiments that cannot be computed: refused before the sweep folder exists ---------------------
    Case(
        "experiment/bernoulli-0-all-equal-refused",
        _cfg(_config(rewards="{default_dist: {dist_name: bernoulli, params: [0]}, allow_all_equal_rewards: false}")),
        call="powerplay.runner.sweep:run_sweep",
        expect="error",
        verify=_nothing_written,
        note="issue 11 item 8",
    ),
    Case(
        "experiment/uniform-1e308",
        _cfg(_config(rewards="{default_dist: {dist_name: uniform, params: [-1.0e+308, 1.0e+308]}}")),
        call="powerplay.runner.sweep:run_sweep",
        expect="error",
        verify=_nothing_written,
        note="issue 11 item 8",
    ),
    Case(
        "experiment/pareto-tiny-shape",
        _cfg(_config(rewards="{default_dist: {dist_name: pareto, params: [1, 0.001]}}")),
        call="powerplay.runner.sweep:run_sweep",
        expect="error",
        verify=_nothing_written,
        note="issue 11 item 8",
    ),
    Case(
        "experiment/convergence-threshold-1e10",
        _cfg(_config(extra="  convergence_threshold: {value: 1.0e+10}\n")),
        call="powerplay.runner.sweep:run_sweep",
        expect="error",
        verify=_nothing_written,
        note="issue 11 item 9: POWER 1.84",
    ),
    Case(
        "experiment/66-actions-deterministic",
        _wide_mdp,
        call="powerplay.runner.sweep:run_sweep",
        expect="error",
        verify=_nothing_written,
        note="issue 11 item 8",
    ),
    # the command line ----------------------------------------------------------------------------
    Case(
        "cli/run-dev-zero",
        lambda d: symlink(d / "c.yaml", "/dev/zero"),
        command=_RUN,
        expect="error",
        verify=_nothing_written,
    ),
    Case("cli/run-deep-config", _cfg("name: x\nparameters: " + "[" * 1_000_000), command=_RUN, expect="error"),
    Case("cli/run-workers-0", _cfg(_config()), command=[*_RUN, "--workers", "0"], expect="error"),
    Case(
        "cli/run-samples-1e23",
        _cfg(_config()),
        command=[*_RUN, "-n", str(10**23)],
        expect="error",
        note="issue 11 item 6",
    ),
    Case(
        "cli/run-output-is-a-file",
        lambda d: write(d / "expts", "x") and write(d / "c.yaml", _config()),
        command=_RUN,
        expect="error",
        note="issue 11 item 8",
    ),
    Case(
        "cli/run-control-characters",
        _cfg(_config(mdp='"no\\e[2J\\e]0;pwned\\asuch"')),
        command=_RUN,
        expect="error",
        note="issue 11 item 10: escapes must not reach the terminal",
    ),
    Case("cli/run-name-too-long-for-a-file", _cfg(_config(mdp="a" * 300)), command=_RUN, expect="error"),
    Case("cli/show-missing-sweep", _cfg(_config()), command=_SHOW, expect="error"),
    # damaged run folders ---------------------------------------------------------------------------
    Case(
        "run-folder/run.json-garbage",
        _damaged(_replace("run.json", b"\0{[garbage")),
        command=_RUN,
        expect="error",
        note="issue 11 item 8",
    ),
    Case(
        "run-folder/run.json-garbage-repair",
        _damaged(_replace("run.json", b"\0{[garbage")),
        command=[*_RUN, "--repair"],
        expect="result",
    ),
    Case(
        "run-folder/run.json-wrong-types",
        _damaged(_replace("run.json", b'{"num_reward_samples": "x", "convergence": [1]}')),
        command=_SHOW,
        expect="error",
        note="issue 11 item 8: wrong-typed run.json",
    ),
    Case(
        "run-folder/run.yaml-not-a-mapping", _damaged(_replace("run.yaml", b"[1, 2]\n")), command=_SHOW, expect="error"
    ),
    Case(
        "run-folder/power.csv-wrong-types",
        _damaged(_replace("power.csv", b"state,power_H,power_H_sem\nx,one,two\n")),
        command=_SHOW,
        expect="error",
    ),
    Case(
        "run-folder/summary.npz-garbage",
        _damaged(_replace("summary.npz", b"PK\x03\x04garbage")),
        command=_SHOW,
        expect="error",
    ),
    Case(
        "run-folder/samples.npz-truncated",
        _damaged(_truncate("samples.npz")),
        command=_RUN,
        expect="error",
        note="issue 11 item 10: reused as finished before checksums",
    ),
    Case(
        "run-folder/samples.npz-truncated-repair",
        _damaged(_truncate("samples.npz")),
        command=[*_RUN, "--repair"],
        expect="result",
    ),
    Case("run-folder/samples.npz-missing", _damaged(_remove("samples.npz")), command=_RUN, expect="error"),
    Case("run-folder/samples.npz-swapped", _damaged(_swap("samples.npz")), command=_RUN, expect="error"),
    Case(
        "run-folder/linked-run-folder-repair",
        _damaged(_link_run_folder),
        command=[*_RUN, "--repair"],
        expect="error",
        verify=_outside_untouched,
        note="issue 11 item 3: written through",
    ),
    Case("run-folder/linked-lock-file", _damaged(_link_lock), command=_RUN, expect="error", verify=_outside_untouched),
    Case(
        "run-folder/stale-temporary-file",
        _damaged(_stale_temporary),
        command=_RUN,
        expect="result",
        verify=_stale_removed,
        note="issue 11 item 10: a killed writer's temporary file",
    ),
    # tampered sweep records -------------------------------------------------------------------------
    Case(
        "sweep-json/sweep-id-traversal",
        _damaged(_tamper(lambda r: r.update(sweep_id="../../x"))),
        command=_RUN,
        expect="error",
        verify=_no_new_sweep,
        note="issue 11 item 3: writes outside the output folder",
    ),
    Case(
        "sweep-json/run-folder-traversal",
        _damaged(_tamper(lambda r: r["runs"][0].update(folder="../../outside"))),
        command=_SHOW,
        expect="error",
        note="issue 11 item 3: reads arbitrary paths",
    ),
    Case(
        "sweep-json/absolute-run-folder",
        _damaged(_tamper(lambda r: r["runs"][0].update(folder="/etc"))),
        command=_SHOW,
        expect="error",
    ),
    Case(
        "sweep-json/wrong-types",
        _damaged(_tamper(lambda r: r.update(environments=[1], random_seed="seven"))),
        command=_RUN,
        expect="error",
        verify=_no_new_sweep,
    ),
    Case(
        "sweep-json/fewer-runs",
        _damaged(_tamper(lambda r: r.update(runs=r["runs"][:1]))),
        command=_RUN,
        expect="error",
        verify=_no_new_sweep,
    ),
    Case(
        "sweep-json/control-characters-in-name",
        _damaged(_tamper(lambda r: r.update(name="hostile\x1b[2J"))),
        command=_SHOW,
        expect="error",
    ),
    # Dask scheduler addresses -------------------------------------------------------------------------
    Case(
        "dask/silent-scheduler",
        _fake_scheduler("silent"),
        command=[*POWERPLAY, "run", "c.yaml", "--scheduler", "{input}"],
        expect="error",
        env=DASK_ENV,
        note="issue 11 item 5: hung forever",
    ),
    Case(
        "dask/garbage-scheduler",
        _fake_scheduler("garbage"),
        command=[*POWERPLAY, "run", "c.yaml", "--scheduler", "{input}"],
        expect="error",
        env=DASK_ENV,
        note="issue 11 item 5: struct.error or a 60 s hang on exit",
    ),
    Case(
        "dask/scheduler-file-deep-json",
        lambda d: write(d / "c.yaml", _config()) and write(d / "scheduler.json", "[" * 500_000),
        command=[*POWERPLAY, "run", "c.yaml", "--scheduler", "{input}"],
        expect="error",
    ),
    Case(
        "dask/scheduler-address-too-long",
        _cfg(_config()),
        command=[*POWERPLAY, "run", "{input}", "--scheduler", "x" * 100_000],
        expect="error",
    ),
]


# -- issue 18: records that could be swapped or overwritten, CSV, names in bytes, late errors --------


def _copy_run(sweep: Path, outside: Path) -> None:
    """Every file of the γ = 0.9 run copied over the γ = 0.3 run's (their checksums still match)."""
    for name in ("run.yaml", "power.csv", "summary.npz", "samples.npz", "run.json"):
        shutil.copyfile(sweep / "0001-hostile-discount_rate__0p9" / name, _run_folder(sweep) / name)


def _drop_checksums(sweep: Path, outside: Path) -> None:
    path = _run_folder(sweep) / "run.json"
    record = json.loads(path.read_text())
    del record["files"]
    path.write_text(json.dumps(record))


_RECORDS = {
    "run.json": "expts/0001-hostile/0001-hostile-discount_rate__0p3/run.json",
    "sweep.json": "expts/0001-hostile/sweep.json",
    "runs.csv": "expts/0001-hostile/runs.csv",
}


def _records_untouched(folder: Path) -> str | None:
    """The records named in :data:`_RECORDS` are still what the finished sweep wrote."""
    for relative in _RECORDS.values():
        if (folder / "work" / relative).read_bytes() != (_finished_sweep() / relative).read_bytes():
            return f"{relative} was overwritten"
    return None


def _script(body: str) -> Callable[[Path], Path]:
    """A Python script in the case's folder: a PowerplayError becomes one ``error:`` line and exit
    status 2 (as on the command line); a wrong result, an ``AssertionError`` (exit 1)."""
    wrapped = (
        "import sys\nfrom powerplay.errors import PowerplayError\ntry:\n"
        + textwrap.indent(textwrap.dedent(body), "    ")
        + "\nexcept PowerplayError as error:\n    print(f'error: {error}', file=sys.stderr)\n    sys.exit(2)\n"
    )
    return lambda folder: write(folder / "case.py", wrapped)


_SCRIPT = ["{python}", "{input}"]

#: Checks that a sweep's tables read back as written and hold nothing a spreadsheet would run.
_TABLE_CHECKS = """
import csv, io, json
from pathlib import Path
from powerplay.runner.sweep import run_sweep
from powerplay.storage.sweeps import load_sweep
labels = json.loads(Path("labels.json").read_text())
sweep = run_sweep("c.yaml", "expts", workdir=".")
again = load_sweep(sweep.path)
assert again.states == tuple(labels), (again.states, labels)
for path in [sweep.path / "runs.csv", *(run.path / "power.csv" for run in again.runs)]:
    for row in list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))[1:]:
        for cell in row:
            try:
                float(cell)
            except ValueError:
                assert cell[:1] not in ("=", "+", "-", "@", "\\t", "\\r"), (path.name, cell)
for run in again.runs:
    assert run.table_power("H")[0].tolist() == run.summary.power_mean("H").tolist()  # every digit
print(f"{len(labels)} labels and {len(again.runs)} runs read back exactly")
"""


def _labelled_mdp(labels: list[str], rewards: str = _UNIFORM, names: str = "") -> Callable[[Path], Path]:
    """An MDP whose states have ``labels`` (a cycle with a stay action), a sweep of it, and :data:`_TABLE_CHECKS`."""

    def build(folder: Path) -> Path:
        transitions = {
            label: {"stay": {label: 1.0}, "next": {labels[(i + 1) % len(labels)]: 1.0}}
            for i, label in enumerate(labels)
        }
        write(folder / "mdps" / "labelled.json", json.dumps({"kind": "mdp", "transitions": transitions}))
        write(folder / "labels.json", json.dumps(labels))
        discount = f"{{values: [0.3, 0.9], names: [{names}]}}" if names else "{values: [0.3, 0.9]}"
        extra = "  convergence_threshold: {value: 1.0e-6}\n" if "1e12" in rewards or "1.0e+12" in rewards else ""
        write(folder / "c.yaml", _config(mdp="labelled", rewards=rewards, discount=discount, extra=extra))
        return _script(_TABLE_CHECKS)(folder)

    return build


_FORMULAS = ['=HYPERLINK("http://x","y")', "+1+1", "-cmd", "@SUM(A1)", "\tx", "\rx", "'=q", "-1", "plain"]
_WIDE = "\U0001d400"  # one character, four bytes in UTF-8

_GYM = """
from powerplay.io import from_gymnasium
class Env:
    P = {P}
print(from_gymnasium(Env()).states)
"""


def _gym(table: str) -> Callable[[Path], Path]:
    return _script(_GYM.replace("{P}", table))


def _two_runs(folder: Path) -> Path:
    """Two identical ``powerplay run`` commands started together: one sweep must come of them."""
    write(folder / "c.yaml", _config(extra="").replace("{value: 64}", "{value: 3000}"))
    argv = [part.replace("{python}", sys.executable) for part in POWERPLAY]
    return _script(
        f"""
        import subprocess
        from pathlib import Path
        argv = {argv!r} + ["run", "c.yaml", "--no-figures"]
        processes = [subprocess.Popen(argv, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True) for _ in range(2)]
        outcomes = [(p.wait(timeout=300), p.stderr.read()) for p in processes]
        sweeps = sorted(p.name for p in Path("expts").iterdir())
        assert sweeps == ["0001-hostile"], sweeps
        for code, err in outcomes:
            assert code == 0 or (code == 2 and "being computed by another powerplay process" in err), err[-300:]
        print("one sweep:", [code for code, _ in outcomes])
        """
    )(folder)


CASES += [
    Case(
        "run-folder/another-runs-files",
        _damaged(_copy_run),
        command=_RUN,
        expect="error",
        note="issue 18: every run reused, exit 0, γ = 0.3 given the γ = 0.9 result",
    ),
    Case("run-folder/another-runs-files-show", _damaged(_copy_run), command=_SHOW, expect="error"),
    Case("run-folder/another-runs-files-repair", _damaged(_copy_run), command=[*_RUN, "--repair"], expect="result"),
    Case(
        "run-folder/checksums-deleted",
        _damaged(_drop_checksums),
        command=_RUN,
        expect="error",
        note="issue 18: a run.json without 'files' skipped every checksum check",
    ),
    *(
        Case(
            f"run-folder/report-over-{name}",
            _damaged(lambda sweep, outside: None),
            command=[*POWERPLAY, "report", "1", "-o", relative],
            expect="error",
            verify=_records_untouched,
            note="issue 18: the record replaced by HTML" if name == "run.json" else "",
        )
        for name, relative in _RECORDS.items()
    ),
    Case(
        "run-folder/plot-into-runs.csv",
        _damaged(lambda sweep, outside: None),
        command=[*POWERPLAY, "plot", "power", "1", "-o", _RECORDS["runs.csv"]],
        expect="error",
        verify=_records_untouched,
    ),
    Case(
        "run-folder/scan-output-sweep.json",
        _damaged(lambda sweep, outside: None),
        command=[*POWERPLAY, "scan", "hostile.yaml", "--from", "0.1", "--to", "0.5", "-o", _RECORDS["sweep.json"]],
        expect="error",
        verify=_records_untouched,
    ),
    # CSV tables: text read back as written, no formulas, exact numbers -------------------------------------
    Case(
        "csv/carriage-return-in-a-label",
        _labelled_mdp(["a\rb", "c\r", "\r"]),
        command=_SCRIPT,
        expect="result",
        note="issue 18: power.csv unreadable, the run lost to show/report/load_sweep/--repair",
    ),
    Case(
        "csv/formula-labels-and-value-names",
        _labelled_mdp(_FORMULAS, names='"=1+1", "+cmd"'),
        command=_SCRIPT,
        expect="result",
        note="issue 18: =HYPERLINK(...) raw in power.csv and runs.csv",
    ),
    Case(
        "csv/rewards-near-1e12",
        _labelled_mdp(
            ["a", "b", "c"], rewards="{default_dist: {dist_name: uniform, params: [1.0e+12, 1.000000000001e+12]}}"
        ),
        command=_SCRIPT,
        expect="result",
        note="issue 18: 10 significant digits, every mean 1e+12",
    ),
    Case(
        "json/lone-surrogate-label",
        _doc("s.json", '{"kind": "mdp", "transitions": {"\\ud800": {"go": {"\\ud800": 1}}}}'),
        expect="error",
        note="issue 18: computed, then an internal error writing power.csv",
    ),
    # names the file system measures in bytes ----------------------------------------------------------
    Case(
        "cli/run-name-of-4-byte-characters",
        _cfg(_config(name=_WIDE * 30)),
        command=_RUN,
        expect="error",
        verify=_nothing_written,
        note="issue 18: a sweep folder left behind on every retry",
    ),
    Case(
        "cli/run-value-names-of-4-byte-characters",
        _cfg(_config(name=_WIDE * 20, discount=f"{{values: [0.3, 0.9], names: [{_WIDE * 64}, {_WIDE * 63}]}}")),
        command=_RUN,
        expect="result",
    ),
    # late and internal errors ----------------------------------------------------------------------
    *(
        Case(
            f"experiment/joint-1x1-{overlap}",
            _cfg(
                _config().replace(
                    "  mdp_graph: {value: 3x3_gridworld}\n",
                    f"  joint_mdp_graph: {{value: {{generator: maze, rows: 1, cols: 1, seed: 0, joint: {overlap}}}}}\n"
                    "  policy_graph_agent_A: {value: uniform_random}\n",
                )
            ),
            call="powerplay.runner.sweep:run_sweep",
            expect="error",
            verify=_nothing_written,
            note="issue 18: reshape of size 0, exit 70",
        )
        for overlap in ("remove", "block")
    ),
    Case(
        "gym/nan-probability",
        _gym("{0: {0: [(float('nan'), 1, 0.0, False), (1.0, 1, 0.0, False)]}, 1: {0: [(1.0, 0, 0.0, False)]}}"),
        command=_SCRIPT,
        expect="error",
        note="issue 18: dropped silently",
    ),
    Case(
        "gym/next-state-not-in-P",
        _gym("{0: {0: [(1.0, 7, 0.0, False)]}}"),
        command=_SCRIPT,
        expect="error",
        note="issue 18: KeyError",
    ),
    Case("gym/three-tuples", _gym("{0: {0: [(1.0, 0, 0.0)]}}"), command=_SCRIPT, expect="error"),
    Case("gym/string-probability", _gym("{0: {0: [('1', 0, 0.0, False)]}}"), command=_SCRIPT, expect="error"),
    Case("gym/list-row", _gym("{0: [[(1.0, 0, 0.0, False)]]}"), command=_SCRIPT, expect="error"),
    Case(
        "networkx/nodes-1-and-'1'",
        _script(
            "import networkx\nfrom powerplay.io import from_networkx\nprint(from_networkx(networkx.DiGraph([(1, '1'), ('1', 1)])))"
        ),
        command=_SCRIPT,
        expect="error",
        note="issue 18: merged into one state",
    ),
    # resources --------------------------------------------------------------------------------------
    Case(
        "dask/huge-frame-scheduler",
        _fake_scheduler("huge-frame"),
        command=[*POWERPLAY, "run", "c.yaml", "--scheduler", "{input}"],
        expect="error",
        env=DASK_ENV,
        note="issue 18: 2.3 GB in 2 s, 6.5 GB in 15 s",
    ),
    Case(
        "cli/cluster-local-100000",
        _cfg(_config()),
        command=[*_RUN, "--cluster", "local:100000"],
        expect="error",
        verify=_nothing_written,
        note="issue 18: local:1024 accepted on 2 cores",
    ),
    Case(
        "cli/two-identical-runs-at-once",
        _two_runs,
        command=_SCRIPT,
        expect="result",
        note="issue 18: two sweeps in 2 of 3 trials",
    ),
    Case(
        "cli/stray-numbered-folder",
        lambda d: (d / "expts" / "999999999-x").mkdir(parents=True) or write(d / "c.yaml", _config()),
        command=_RUN,
        expect="result",
        verify=lambda d: None if (d / "work" / "expts" / "0001-hostile" / "sweep.json").is_file() else "no sweep 0001",
        note="issue 18: blocked every new sweep",
    ),
    # numbers behind a certificate ------------------------------------------------------------------
    Case(
        "numeric/discount-1-minus-1e-15",
        _cfg(
            _config(
                mdp="{generator: maze, rows: 3, cols: 3, seed: 0, stochastic_noise_level: 0.2}",
                discount="{value: 0.999999999999999}",
            )
        ),
        command=_RUN,
        expect="error",
        verify=_nothing_written,
        note="issue 18: certified samples off by 0.05 from the gain",
    ),
    Case(
        "numeric/rewards-offset-1e15",
        _cfg(_config(rewards="{default_dist: {dist_name: uniform, params: [1000000000000000.0, 1000000000000001.0]}}")),
        command=_RUN,
        expect="error",
        verify=_nothing_written,
        note="issue 18: POWER above the largest reward, a certified error of 0",
    ),
    Case(
        "numeric/rewards-spread-5e-324",
        _cfg(_config(rewards="{default_dist: {dist_name: uniform, params: [0, 5.0e-324]}}")),
        command=_RUN,
        expect="error",
        verify=_nothing_written,
        note="issue 18: 'policy_tolerance must be positive'",
    ),
    Case(
        "numeric/one-sample",
        _cfg(_config(extra="  num_reward_samples: {value: 1}\n").replace("  num_reward_samples: {value: 64}\n", "")),
        command=[*POWERPLAY, "run", "{input}"],
        expect="result",
        note="issue 18: a standard error of 0 from one sample",
    ),
    # scans, validated before the first run ----------------------------------------------------------
    Case(
        "scan/to-almost-1",
        _cfg(_config(discount="{value: 0.9}")),
        command=[*POWERPLAY, "scan", "{input}", "--from", "0.9", "--to", "0.9999999999999"],
        expect="error",
        verify=_nothing_written,
        note="issue 18: failed after four points",
    ),
    Case(
        "scan/empty-range",
        _cfg(_config(discount="{value: 0.9}")),
        command=[*POWERPLAY, "scan", "{input}", "--from", "0.1", "--to", "0.1000000000001"],
        expect="error",
        verify=_nothing_written,
        note="issue 18: an internal error after one point",
    ),
    Case(
        "scan/statistic-of-a-missing-agent",
        _cfg(_config(discount="{value: 0.9}")),
        command=[*POWERPLAY, "scan", "{input}", "--from", "0.3", "--to", "0.9", "--statistic", "average_power:A"],
        expect="error",
        verify=_nothing_written,
        note="issue 18: failed after the first run",
    ),
    Case(
        "scan/scan-folder-is-a-symlink",
        _linked_scan_folder,
        command=[*POWERPLAY, "scan", "{input}", "--from", "0.3", "--to", "0.9"],
        expect="error",
        verify=lambda d: "wrote through the link" if any((d / "work" / "outside").iterdir()) else None,
        note="issue 18: the whole scan written outside --output",
    ),
]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="run only cases whose name contains one of these")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per case (default 20)")
    parser.add_argument("--keep", action="store_true", help="keep the input folders")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    parser.add_argument("--quick", action="store_true", help="the first case of each group (dot/, yaml/, ...)")
    args = parser.parse_args(argv)
    cases = [case for case in CASES if not args.names or any(name in case.name for name in args.names)]
    if args.quick:  # one case per group: the corpus still runs end to end, in seconds
        firsts: dict[str, Case] = {}
        for case in cases:
            firsts.setdefault(case.name.split("/")[0], case)
        cases = list(firsts.values())
    if not hasattr(os, "mkfifo"):
        cases = [case for case in cases if "fifo" not in case.name]
    if args.list:
        for case in cases:
            print(f"{case.name:<40} {case.note}")
        return 0
    if not cases:
        print("no case matches", file=sys.stderr)
        return 2
    outcomes = run_cases(cases, timeout=args.timeout, keep=args.keep)
    return 0 if all(outcome.clean for outcome in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
