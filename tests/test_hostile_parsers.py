"""Hostile input and round-trip properties for the file readers and writers (issue 11).

* Inputs built to make a parser hang or explode (catastrophic backtracking, alias bombs,
  deep nesting, quadratic label splitting) are read in a subprocess with a generous timeout
  and a memory cap: the test fails if the reader does not finish, and never measures time.
* Hypothesis feeds arbitrary text and bytes, and DOT/YAML-shaped fragments, to the readers:
  the outcome is an object or a one-line :class:`~powerplay.errors.PowerplayError`, never
  another exception.
* Random MDPs, joint MDPs and policies -- labels with quotes, backslashes, brackets, line
  breaks, YAML and DOT syntax -- written in every format (.yaml, .json, .gv, networkx) read
  back identical, or the writer refuses with one line and writes nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from powerplay.errors import FileFormatError, PowerplayError
from powerplay.io import from_networkx, read_any, to_networkx, write_any
from powerplay.io.dot import parse_dot
from powerplay.io.native import object_from_document
from powerplay.io.reference_graph import object_from_graph
from powerplay.model.labels import joint_label
from powerplay.model.mdp import MDP, JointMDP
from powerplay.model.policy import Policy

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ROUND_TRIP = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def folder():
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


def assert_clean(call):
    """Run ``call``: it returns, or raises a one-line PowerplayError (anything else fails the test)."""
    try:
        return call()
    except PowerplayError as error:
        message = str(error)
        assert message and "\n" not in message, repr(message)
        return error


# -- hangs and explosions, in a subprocess --------------------------------------------------

_READER = textwrap.dedent(
    """
    import sys
    try:
        import resource  # a memory cap: an explosion fails here instead of swapping the machine
        resource.setrlimit(resource.RLIMIT_AS, (4 * 2**30, 4 * 2**30))
    except (ImportError, ValueError, OSError):
        pass
    from powerplay.errors import PowerplayError
    from powerplay.io import read_any
    for path in sys.argv[1:]:
        try:
            obj = read_any(path)
        except PowerplayError as error:
            print(path, "refused", type(error).__name__, str(error).replace(chr(10), "<newline>"), flush=True)
        else:
            print(path, "read", type(obj).__name__, len(obj.states), flush=True)
    """
)


def read_in_subprocess(paths: list[Path], timeout: float = 300) -> dict[str, str]:
    """Read each file in a fresh interpreter; fail if they are not all read within ``timeout``.

    The timeout is not a speed requirement (each file takes well under a second): it only turns
    a hang into a failure. Returns each path's line of outcome.
    """
    try:
        done = subprocess.run(
            [sys.executable, "-c", _READER, *map(str, paths)], capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as expired:
        finished = (expired.stdout or b"").decode() if isinstance(expired.stdout, bytes) else (expired.stdout or "")
        pending = [p.name for p in paths if str(p) not in finished]
        pytest.fail(f"reading did not finish: {pending[0]} hangs")
    assert done.returncode == 0, done.stderr[-2000:]
    outcomes = {}
    for line in done.stdout.splitlines():
        path, _, outcome = line.partition(" ")
        outcomes[Path(path).name] = outcome
    assert len(outcomes) == len(paths)
    return outcomes


def _alias_bomb(levels: int = 9, width: int = 9) -> str:
    """An MDP file whose name is a list of ``levels`` lists, each ``width`` aliases of the one before."""
    parts = ["&a0 [" + ",".join(["lol"] * width) + "]"]
    parts += [f"&a{i} [" + ",".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels)]
    return "kind: mdp\nname: [" + ", ".join(parts) + "]\ntransitions: {s: {go: {s: 1}}}\n"


#: name -> (file contents, what the outcome line must start with)
HOSTILE = {
    # Issue 11 item 1: an unclosed string and backslash-newlines (time doubled per line before).
    "backslash_newlines.gv": ('digraph {\n"[a]\n' + "\\\n" * 44 + "}\n", "refused FileFormatError"),
    "many_backslash_newlines.gv": ('digraph {\n"[a]\n' + "\\\n" * 200_000 + "}\n", "refused FileFormatError"),
    # Escaped quotes that never close: a searching tokenizer retries at every quote (quadratic).
    "escaped_quotes.gv": ('digraph { "' + '\\"' * 500_000, "refused FileFormatError"),
    "unclosed_comment.gv": ("digraph { /*" + "*" * 2_000_000, "refused FileFormatError"),
    # Labels full of '_H^': the old joint-label regex was quadratic in them.
    "joint_looking_label.gv": (
        'digraph { "[' + "_H^" * 1_000_000 + ']" -> "[go]__[' + "_H^" * 1_000_000 + ']"; }',
        "refused FileFormatError",
    ),
    "label_of_h.gv": (
        "digraph {\n"
        + "".join(
            f'"[{s}]" -> "[go]__[{s}]"; "[go]__[{s}]" -> "[{s}]__[go]__[{s}]" [weight=1];\n'
            for s in ("_H^" * 300_000 + "x", "y")
        )
        + "}\n",
        "read MDP 2",
    ),
    # Issue 11 item 6: about 400 bytes whose name expands to gigabytes.
    "alias_bomb.yaml": (_alias_bomb(), "refused ResourceLimitError"),
    "wide_alias_bomb.yaml": (_alias_bomb(levels=4, width=200), "refused ResourceLimitError"),
    "recursive_alias.yaml": ("kind: mdp\nname: &n [*n]\n", "refused FileFormatError"),
    "deep_yaml.yaml": ("[" * 1_000_000 + "]" * 1_000_000, "refused FileFormatError"),
    "deep_block_yaml.yaml": ("- " * 200_000 + "x\n", "refused FileFormatError"),
    "deep_json.json": ("[" * 1_000_000 + "]" * 1_000_000, "refused FileFormatError"),
    "long_int.json": (
        '{"kind": "mdp", "transitions": {"a": {"go": {"a": ' + "9" * 100_000 + "}}}}",
        "refused FileFormatError",
    ),
    # Quadratic memory from linear input: n states each with its own action.
    "own_actions.yaml": (
        "kind: mdp\ntransitions:\n" + "".join(f"  s{i}: {{a{i}: {{s0: 1}}}}\n" for i in range(6000)),
        "refused ResourceLimitError",
    ),
    "huge_joint_map.yaml": ("kind: joint_mdp\ngridworld_map: '" + "." * 3000 + "'\n", "refused ResourceLimitError"),
}


def test_hostile_files_are_read_or_refused_without_hanging(folder):
    paths = []
    for name, (content, _) in HOSTILE.items():
        path = folder / name
        path.write_text(content, encoding="utf-8")
        paths.append(path)
    outcomes = read_in_subprocess(paths)
    for name, (_, expected) in HOSTILE.items():
        assert outcomes[name].startswith(expected), (name, outcomes[name])


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="no FIFOs here")
def test_special_files_are_refused_without_blocking(folder):
    import os

    fifo = folder / "pipe.gv"
    os.mkfifo(fifo)
    link = folder / "zero.yaml"
    link.symlink_to("/dev/zero")
    outcomes = read_in_subprocess([fifo, link])
    assert outcomes["pipe.gv"].endswith("is a FIFO (named pipe), not a regular file")
    assert outcomes["zero.yaml"].endswith("is a character device, not a regular file")


# -- fuzzing the readers ---------------------------------------------------------------------

_DOT_PIECES = [
    "strict ",
    "digraph ",
    "graph ",
    "subgraph ",
    "node ",
    "edge ",
    "{",
    "}",
    "[",
    "]",
    ";",
    ",",
    "=",
    "->",
    "--",
    ":",
    "+",
    " ",
    "\n",
    "\r\n",
    '"',
    '\\"',
    "\\\n",
    "\\",
    "//",
    "/*",
    "*/",
    "#",
    "<",
    ">",
    "weight",
    "agent",
    "actions",
    '"[a]"',
    '"[b]"',
    '"[go]__[a]"',
    '"[a]__[go]__[a]"',
    '"[b]__[go]__[a]"',
    '"[x]__[y]__[z]__[w]"',
    "0.5",
    "1",
    "1.0",
    "-1",
    "nan",
    "1e400",
    "0.3",
    '"A"',
    '"[up]__[down]"',
    "x_H^y_A",
    "é",
    "\x00",
    "\ufeff",
]

_YAML_PIECES = [
    "kind: ",
    "mdp",
    "joint_mdp",
    "policy",
    "\n",
    "  ",
    "- ",
    "transitions:",
    "probabilities:",
    "states:",
    "actions:",
    "name:",
    "gridworld_map:",
    "overlap:",
    "noise_bias:",
    "stochastic_noise_level:",
    "a",
    "b",
    "go",
    "{",
    "}",
    "[",
    "]",
    ",",
    ": ",
    "&x ",
    "*x",
    "<<: ",
    "'",
    '"',
    "1",
    "0.5",
    ".nan",
    ".inf",
    "!!binary ",
    "!!set ",
    "? ",
    "|",
    ">",
    "---",
    "...",
    "#",
    "%YAML 1.1",
    "\t",
    "~",
    "null",
    "true",
    "(0, 0)",
    "x_H^y_A",
    "\x85",
    "\ufeff",
    "\\",
]


@FUZZ
@given(st.text())
def test_dot_parser_on_arbitrary_text(text):
    assert_clean(lambda: object_from_graph(parse_dot(text, "fuzz.gv")))


@FUZZ
@given(st.lists(st.sampled_from(_DOT_PIECES), max_size=40).map("".join))
def test_dot_parser_on_dot_shaped_text(text):
    result = assert_clean(lambda: object_from_graph(parse_dot(text, "fuzz.gv")))
    assert isinstance(result, (MDP, JointMDP, Policy, PowerplayError))


@FUZZ
@given(st.lists(st.sampled_from(_YAML_PIECES), max_size=40).map("".join))
def test_native_reader_on_yaml_shaped_text(folder, text):
    path = folder / "fuzz.yaml"
    path.write_text(text, encoding="utf-8")
    assert_clean(lambda: read_any(path))


@FUZZ
@given(st.binary(max_size=300), st.sampled_from([".gv", ".yaml", ".json"]))
def test_readers_on_arbitrary_bytes(folder, data, suffix):
    path = folder / f"fuzz{suffix}"
    path.write_bytes(data)
    assert_clean(lambda: read_any(path))


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=6),
    st.sampled_from(["mdp", "joint_mdp", "policy", "go", "a", "b", "H", "A", "(0, 0)", "..#", "allow", "remove"]),
)
_DOCUMENTS = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.one_of(
                st.sampled_from(
                    [
                        "kind",
                        "transitions",
                        "probabilities",
                        "states",
                        "actions",
                        "actions_H",
                        "actions_A",
                        "agent",
                        "name",
                        "gridworld_map",
                        "overlap",
                        "version",
                        "noise_bias",
                        "stochastic_noise_level",
                        "a",
                        "b",
                        "go",
                    ]
                ),
                st.text(max_size=4),
                st.integers(),
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=25,
)


@FUZZ
@given(_DOCUMENTS, st.sampled_from(["mdp", "joint_mdp", "policy"]))
def test_document_interpretation_on_arbitrary_data(document, kind):
    if isinstance(document, dict) and "kind" not in document:
        document = {"kind": kind, **document}
    assert_clean(lambda: object_from_document(document, "fuzz.yaml"))


@FUZZ
@given(_DOCUMENTS.filter(lambda d: isinstance(d, dict)))
def test_native_reader_on_dumped_data(folder, document):
    (folder / "fuzz.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    assert_clean(lambda: read_any(folder / "fuzz.yaml"))
    (folder / "fuzz.json").write_text(json.dumps({str(k): v for k, v in document.items()}), encoding="utf-8")
    assert_clean(lambda: read_any(folder / "fuzz.json"))


# -- round trips ---------------------------------------------------------------------------

#: Pieces of awkward but legal labels: quotes, backslashes, brackets and the node separator's
#: parts, joint-label markers, line breaks, YAML/DOT/JSON syntax, control and non-ASCII characters.
_AWKWARD = [
    "a",
    "b",
    "go",
    " ",
    '"',
    "'",
    "\\",
    "[",
    "]",
    "__",
    "_H^",
    "_A",
    "\n",
    "\r",
    "\t",
    "#",
    ":",
    "{",
    "}",
    ",",
    "-",
    "? ",
    "&",
    "*",
    "!",
    "%",
    "@",
    "`",
    "|",
    ">",
    "<",
    "=",
    ";",
    "->",
    "~",
    "null",
    "true",
    "1",
    "0.5",
    "(0, 1)",
    "(1, 0)",
    "é",
    "★",
    "\x85",
    "\u2028",
    "\ufeff",
    "\x00",
    "\x1b",
    "<<",
    "---",
    "\\N",
    "]__[",
    '\\"',
    "\\\n",
    "p_H^q_A",  # pieces the graph formats cannot always hold
]
LABELS = st.lists(st.sampled_from(_AWKWARD), max_size=4).map("".join) | st.text(max_size=5)
FORMATS = [".yaml", ".json", ".gv", "networkx"]


def _probability_rows(draw, size: int, support_max: int = 3):
    """A sparse distribution over ``range(size)``: random support, random positive weights."""
    support = draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=support_max, unique=True))
    weights = [draw(st.integers(1, 10**6)) for _ in support]
    total = sum(weights)
    return {index: weight / total for index, weight in zip(support, weights)}


@st.composite
def mdps(draw):
    states = draw(st.lists(LABELS, min_size=1, max_size=5, unique=True))
    actions = draw(st.lists(LABELS, min_size=1, max_size=4, unique=True))
    table = {}
    for state in states:
        available = draw(st.lists(st.sampled_from(actions), min_size=1, max_size=len(actions), unique=True))
        table[state] = {
            action: {states[i]: p for i, p in _probability_rows(draw, len(states)).items()} for action in available
        }
    return MDP.from_dict(table, states=states, actions=actions, name=draw(LABELS))


@st.composite
def joint_mdps(draw):
    singles = draw(st.lists(LABELS, min_size=1, max_size=3, unique=True))
    states = list(dict.fromkeys(joint_label(h, a) for h in singles for a in draw(st.permutations(singles))[:2]))
    actions_H = draw(st.lists(LABELS, min_size=1, max_size=3, unique=True))
    actions_A = draw(st.lists(LABELS.filter(lambda label: "_H^" not in label), min_size=1, max_size=3, unique=True))
    pairs = [(h, a) for h in actions_H for a in actions_A]
    table = {}
    for state in states:
        available = draw(st.lists(st.sampled_from(pairs), min_size=1, max_size=len(pairs), unique=True))
        table[state] = {
            joint_label(h, a): {states[i]: p for i, p in _probability_rows(draw, len(states)).items()}
            for h, a in available
        }
    return JointMDP.from_dict(table, states=states, actions_H=actions_H, actions_A=actions_A, name=draw(LABELS))


@st.composite
def policies(draw):
    states = draw(st.lists(LABELS, min_size=1, max_size=5, unique=True))
    actions = draw(st.lists(LABELS, min_size=1, max_size=4, unique=True))
    table = {state: {actions[i]: p for i, p in _probability_rows(draw, len(actions)).items()} for state in states}
    return Policy.from_dict(table, actions=actions, agent=draw(st.sampled_from(["H", "A"])), name=draw(LABELS))


def assert_identical(again, original):
    assert type(again) is type(original)
    assert again.states == original.states and again.name == original.name
    if isinstance(original, Policy):
        assert (again.actions, again.agent) == (original.actions, original.agent)
        np.testing.assert_array_equal(again.probabilities, original.probabilities)
        return
    if isinstance(original, JointMDP):
        assert (again.actions_H, again.actions_A) == (original.actions_H, original.actions_A)
    else:
        assert again.actions == original.actions
    np.testing.assert_array_equal(again.action_mask, original.action_mask)
    a, b = again.transitions, original.transitions
    assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
    np.testing.assert_array_equal(a.data, b.data)  # bit-identical probabilities


def round_trip(obj, fmt: str, folder: Path):
    """The object written in ``fmt`` and read back, or the writer's refusal (then nothing is written)."""
    if fmt == "networkx":
        try:
            graph = to_networkx(obj)
        except FileFormatError as error:
            assert "\n" not in str(error)
            return error
        return from_networkx(graph)
    path = folder / f"object{fmt}"
    path.unlink(missing_ok=True)
    try:
        write_any(obj, path)
    except FileFormatError as error:
        assert str(error).startswith(f"{path}: ") and "\n" not in str(error)
        assert not path.exists()
        return error
    return read_any(path)


def check_round_trips(obj, folder: Path) -> None:
    for fmt in FORMATS:
        again = round_trip(obj, fmt, folder)
        if isinstance(again, FileFormatError):
            # YAML and JSON hold any Unicode text; the graph schema cannot hold ']__[' in a label,
            # nor (in DOT) a backslash before a quote, a line break or the end.
            assert fmt in (".gv", "networkx"), (fmt, str(again))
            continue
        if obj.name == "" and fmt == ".gv":
            assert again.name == ""
        assert_identical(again, obj)


@ROUND_TRIP
@given(mdps())
def test_mdps_round_trip_through_every_format(folder, mdp):
    check_round_trips(mdp, folder)


@ROUND_TRIP
@given(joint_mdps())
def test_joint_mdps_round_trip_through_every_format(folder, joint):
    check_round_trips(joint, folder)


@ROUND_TRIP
@given(policies())
def test_policies_round_trip_through_every_format(folder, policy):
    check_round_trips(policy, folder)


def test_round_trips_cover_refusals_and_awkward_labels(folder):
    """The strategies above reach both outcomes; pin a few by hand so that stays true."""
    plain = MDP.from_dict({'a "b" \\ [c]': {"go": {'a "b" \\ [c]': 1.0}}}, name="x\n#y")
    check_round_trips(plain, folder)
    assert not isinstance(round_trip(plain, ".gv", folder), FileFormatError)
    separator = MDP.from_dict({"a]__[b": {"go": {"a]__[b": 1.0}}})
    assert isinstance(round_trip(separator, ".gv", folder), FileFormatError)
    assert isinstance(round_trip(separator, "networkx", folder), FileFormatError)
    assert_identical(round_trip(separator, ".yaml", folder), separator)
