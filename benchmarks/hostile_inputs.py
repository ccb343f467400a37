"""A corpus of hostile inputs for powerplay's readers, each run in a fresh process (issue 11).

Run ``python benchmarks/hostile_inputs.py`` (about a minute) or pick cases by name:
``python benchmarks/hostile_inputs.py dot/ yaml/alias`` (substrings). ``--list`` lists the
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
  path and ``{python}`` by this interpreter; clean means exit status 0, or a non-zero status
  whose standard error ends in one line and holds no traceback.

For instance, for the experiment-config reader and the CLI (once they use
:mod:`powerplay.io.safe_load`)::

    Case("config/alias-bomb", lambda d: write(d / "c.yaml", ALIAS_BOMB_CONFIG),
         call="powerplay.runner.config:load_config", expect="error")
    Case("cli/run-deep-config", lambda d: write(d / "c.yaml", "[" * 10**6),
         command=["{python}", "-m", "powerplay.interfaces.cli", "run", "{input}"])

and add them to :data:`CASES` (or a list of your own passed to :func:`run_cases`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

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
    """

    name: str
    build: Callable[[Path], Path]
    call: str = "powerplay.io:read_any"
    command: Sequence[str] | None = None
    expect: str = "any"
    check: Callable[[dict], bool] | None = None
    note: str = ""


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
            ["git", "status", "--porcelain", "--untracked-files=all"], cwd=REPOSITORY, capture_output=True, text=True, timeout=60
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def run_case(case: Case, folder: Path, timeout: float) -> Outcome:
    """Build the case's input in ``folder`` and run it there in a fresh process."""
    work = folder / "work"
    for sub in ("work", "home", "tmp"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    target = case.build(work)
    env = {**os.environ, "HOME": str(folder / "home"), "TMPDIR": str(folder / "tmp"), "MPLBACKEND": "Agg"}
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
    one_line = bool(stderr) and "Traceback" not in stderr
    return one_line and case.expect in ("any", "error"), f"exit {done.returncode}: {_last_line(stderr)[:160]}"


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
    Case("dot/backslash-newlines-44", _dot("x.gv", 'digraph {\n"[a]\n' + "\\\n" * 44 + "}\n"), expect="error",
         note="issue 11 item 1: time doubled per line"),
    Case("dot/backslash-newlines-1M", _dot("x.gv", 'digraph {\n"[a]\n' + "\\\n" * 1_000_000 + "}\n"), expect="error"),
    Case("dot/escaped-quotes-never-closed", _dot("q.gv", 'digraph { "' + '\\"' * 1_000_000), expect="error",
         note="a tokenizer that searches ahead retries at every quote: quadratic"),
    Case("dot/unclosed-block-comment", _dot("c.gv", "digraph { /*" + "*" * 5_000_000), expect="error"),
    Case("dot/truncated", lambda d: _truncated(_written(_noisy_gridworld(), d / "mdps" / "t.gv")), expect="error"),
    Case("dot/empty-file", _dot("e.gv", ""), expect="error"),
    Case("dot/utf16", _dot("u16.gv", GOOD_DOT.encode("utf-16")), expect="error"),
    Case("dot/latin1-bytes", _dot("l1.gv", GOOD_DOT.replace("[a]", "[é]").encode("latin-1")), expect="error"),
    Case("dot/byte-order-mark", _dot("bom.gv", b"\xef\xbb\xbf" + GOOD_DOT.encode()), expect="result", check=_two_states,
         note="issue 11 item 10"),
    Case("dot/crlf-line-endings", _dot("crlf.gv", GOOD_DOT.replace("\n", "\r\n")), expect="result", check=_two_states),
    Case("dot/nul-bytes", _dot("nul.gv", GOOD_DOT.replace('"[a]";', '"[a]";\x00\x00')), expect="error"),
    Case("dot/control-characters-in-labels", _dot("ctl.gv", GOOD_DOT.replace("[a]", "[\x01\x1b\x7f]")), expect="result",
         check=_two_states),
    Case("dot/huge-weight", _dot("w.gv", GOOD_DOT.replace('weight="1.0"];\n"[b]"', 'weight="1e400"];\n"[b]"')), expect="error"),
    Case("dot/nan-weight", _dot("nan.gv", GOOD_DOT.replace('weight="1.0"];\n"[b]"', 'weight="nan"];\n"[b]"')), expect="error"),
    Case("dot/100k-digit-weight", _dot("d.gv", GOOD_DOT.replace('weight="1.0"];\n"[b]"', f'weight="{"9" * 100_000}"];\n"[b]"')),
         expect="error"),
    Case("dot/duplicate-nodes", _dot("dup.gv", GOOD_DOT.replace('"[a]";', '"[a]";\n"[a]";\n"[a]" [label=x];')),
         expect="result", check=_two_states),
    Case("dot/duplicate-edge-other-weight", _dot("dupe.gv", GOOD_DOT.replace("}\n", '"[go]__[a]" -> "[b]__[go]__[a]" [weight=0.5];\n}\n')),
         expect="error"),
    Case("dot/html-label", _dot("html.gv", GOOD_DOT.replace('"[a]";', '"[a]" [label=<<IMG SRC="/etc/passwd"/>>];')), expect="error"),
    Case("dot/enormous-line", _dot("long.gv", GOOD_DOT.replace('"[a]";', '"[a]";' + " " * 20 * MIB)), expect="result",
         check=_two_states),
    Case("dot/enormous-label", _dot("label.gv", GOOD_DOT.replace("[a]", "[" + "a" * 5 * MIB + "]")), expect="result",
         check=_two_states),
    Case("dot/label-full-of-_H^", _dot("h.gv", GOOD_DOT.replace("[a]", "[" + "_H^" * MIB + "x]")), expect="result",
         check=_two_states, note="the old joint-label regex was quadratic"),
    Case("dot/plain-chain-6000", _dot("chain.gv", _plain_chain(6000)), expect="error",
         note="6000 x 6000 action table from 70 KB"),
    Case("dot/over-64MiB", lambda d: sparse_file(d / "big.gv", 64 * MIB + 1), expect="error"),
    Case("dot/fifo", lambda d: fifo(d / "pipe.gv"), expect="error", note="opening a FIFO waits for a writer"),
    Case("dot/dev-zero", lambda d: symlink(d / "zero.gv", "/dev/zero"), expect="error"),
    Case("dot/directory", lambda d: (d / "dir.gv").mkdir() or d / "dir.gv", expect="error"),
    # our YAML format --------------------------------------------------------------------
    Case("yaml/alias-bomb-in-name", _doc("bomb.yaml", _alias_bomb()), expect="error", note="issue 11 item 6"),
    Case("yaml/wide-alias-bomb", _doc("wide.yaml", _alias_bomb(levels=4, width=300)), expect="error"),
    Case("yaml/nested-alias-lists", _doc("nested.yaml", _nested_alias_lists()), expect="error"),
    Case("yaml/self-referencing-anchor", _doc("self.yaml", "kind: mdp\nname: &n [*n]\ntransitions: {s: {go: {s: 1}}}\n"),
         expect="error"),
    Case("yaml/merge-chain", _doc("merge.yaml", _merge_chain()), expect="error"),
    Case("yaml/duplicate-keys", _doc("dup.yaml", GOOD_YAML + "  a: {stay: {a: 1.0}}\n"), expect="error", note="issue 11 item 9"),
    Case("yaml/keys-equal-as-labels", _doc("same.yaml", "kind: mdp\ntransitions:\n  1: {go: {1: 1}}\n  '1': {go: {1: 1}}\n"),
         expect="error"),
    Case("yaml/deep-flow-nesting", _doc("deep.yaml", "[" * 5_000_000 + "]" * 5_000_000), expect="error"),
    Case("yaml/deep-block-nesting", _doc("block.yaml", "kind: mdp\nname:\n" + "".join("  " * i + "- \n" for i in range(1, 3000))),
         expect="error"),
    Case("yaml/100k-digit-integer", _doc("int.yaml", GOOD_YAML.replace("b: 1.0}}\n  b:", "b: " + "9" * 100_000 + "}}\n  b:")),
         expect="error"),
    Case("yaml/nan-probability", _doc("nan.yaml", GOOD_YAML.replace("{b: 1.0}}\n  b:", "{b: .nan}}\n  b:")), expect="error"),
    Case("yaml/inf-probability", _doc("inf.yaml", GOOD_YAML.replace("{b: 1.0}}\n  b:", "{b: .inf}}\n  b:")), expect="error"),
    Case("yaml/truncated", lambda d: _truncated(_written(_noisy_gridworld(), d / "mdps" / "t.yaml"), 0.6), expect="error"),
    Case("yaml/empty-file", _doc("e.yaml", ""), expect="error"),
    Case("yaml/utf16", _doc("u16.yaml", GOOD_YAML.encode("utf-16")), expect="error"),
    Case("yaml/latin1-bytes", _doc("l1.yaml", GOOD_YAML.replace("a:", "é:").encode("latin-1")), expect="error"),
    Case("yaml/byte-order-mark", _doc("bom.yaml", b"\xef\xbb\xbf" + GOOD_YAML.encode()), expect="result", check=_two_states),
    Case("yaml/nul-byte", _doc("nul.yaml", GOOD_YAML.replace("two states", "two\x00states")), expect="error"),
    Case("yaml/escaped-control-characters", _doc("ctl.yaml", GOOD_YAML.replace("  a:", '  "\\x01\\x1b\\0":').replace("{b: 1.0}}\n  b:", "{b: 1.0}}\n  b:")),
         expect="result", check=_two_states),
    Case("yaml/python-object-tag", _doc("py.yaml", "kind: mdp\nname: !!python/object/apply:os.system ['touch pwned']\n"),
         expect="error"),
    Case("yaml/binary-label", _doc("bin.yaml", "kind: mdp\ntransitions:\n  !!binary aGVsbG8=: {go: {a: 1}}\n"), expect="error"),
    Case("yaml/several-documents", _doc("docs.yaml", GOOD_YAML + "---\n" + GOOD_YAML), expect="error"),
    Case("yaml/huge-joint-map", _doc("map.yaml", "kind: joint_mdp\ngridworld_map: '" + "." * 5000 + "'\n"), expect="error"),
    Case("yaml/tall-and-wide-map", _doc("area.yaml", "kind: mdp\ngridworld_map: |\n" + "  .\n" * 100_000 + "  " + "#" * 100_000 + "\n"),
         expect="error"),
    Case("yaml/own-action-per-state", _doc("own.yaml", "kind: mdp\ntransitions:\n" + "".join(f"  s{i}: {{a{i}: {{s0: 1}}}}\n" for i in range(6000))),
         expect="error", note="6000 x 6000 action table from 150 KB"),
    Case("yaml/enormous-label", lambda d: _written(_long_label_mdp(), d / "mdps" / "label.yaml"), expect="result",
         check=_two_states, note="written by us: a key over 1024 characters must be an explicit '? key'"),
    Case("json/enormous-label", lambda d: _written(_long_label_mdp(), d / "mdps" / "label.json"), expect="result",
         check=_two_states),
    Case("yaml/over-64MiB", lambda d: sparse_file(d / "big.yaml", 64 * MIB + 1), expect="error"),
    Case("yaml/fifo", lambda d: fifo(d / "pipe.yaml"), expect="error"),
    # our JSON format --------------------------------------------------------------------
    Case("json/deep-nesting", _doc("deep.json", "[" * 5_000_000 + "]" * 5_000_000), expect="error"),
    Case("json/duplicate-keys", _doc("dup.json", GOOD_JSON.replace('"b": {"stay"', '"a": {"stay": {"a": 1}}, "b": {"stay"')),
         expect="error"),
    Case("json/100k-digit-integer", _doc("int.json", GOOD_JSON.replace('{"b": 1.0}', '{"b": ' + "9" * 100_000 + "}")),
         expect="error"),
    Case("json/nan-and-infinity", _doc("nan.json", GOOD_JSON.replace('{"b": 1.0}', '{"b": NaN, "a": Infinity}')), expect="error"),
    Case("json/truncated", lambda d: _truncated(_written(_noisy_gridworld(), d / "mdps" / "t.json")), expect="error"),
    Case("json/byte-order-mark", _doc("bom.json", b"\xef\xbb\xbf" + GOOD_JSON.encode()), expect="result", check=_two_states),
    Case("json/latin1-bytes", _doc("l1.json", GOOD_JSON.replace('"a"', '"é"').encode("latin-1")), expect="error"),
    Case("json/not-an-object", _doc("list.json", "[1, 2, 3]"), expect="error"),
    # policies, and a policy file read as an MDP ------------------------------------------
    Case("policy/weights-not-summing-to-one", _dot("p.gv", 'digraph { agent="A"; "[s]" -> "[go]__[s]" [weight=0.6]; }'),
         expect="error"),
    Case("policy/read-as-mdp", lambda d: write(d / "p.yaml", "kind: policy\nprobabilities: {s: {go: 1}}\n"),
         call="powerplay.io:read_mdp", expect="error"),
]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="run only cases whose name contains one of these")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per case (default 20)")
    parser.add_argument("--keep", action="store_true", help="keep the input folders")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    args = parser.parse_args(argv)
    cases = [case for case in CASES if not args.names or any(name in case.name for name in args.names)]
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
