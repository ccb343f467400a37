"""Reading and writing the reference tool's Graphviz DOT files (``.gv``).

The files hold MDPs and policies in the graph schema of :mod:`powerplay.io.reference_graph`.

Why a parser of our own: the reference's joint 7x7 files are 2.7 MB with ~70,000 nodes.
``pydot`` (and so ``networkx.nx_pydot.read_dot``) parses one with pyparsing in ~50 s
(measured; 6 s for the 0.3 MB joint 3x3 file), and ``pygraphviz`` needs Graphviz's C headers
and a compiler to install. The files use a small part of DOT, so this module tokenizes with
one regular expression (the DOT lexical rules: quoted strings with ``\\"`` escapes, line
continuations and ``+`` concatenation, identifiers, numerals, comments) and parses statements
with a small recursive-descent parser. A 7x7 joint file loads, checked, in about a second,
and every token knows its line, so errors name it.

The tokenizer takes time linear in the file, whatever the file: each token is matched where
the previous one ended, by alternatives that each read a character one way only (an
unclosed quoted string is an error naming its line, not a search). Files are read through
:mod:`powerplay.io.safe_load` (a size limit, regular files only, UTF-8 with or without a
byte-order mark) and line endings are kept as written.

Supported: ``[strict] digraph [ID] { ... }`` with node statements, edge statements (chains
``a -> b -> c`` included), attribute lists, ``graph``/``node``/``edge`` default attribute
statements and ``ID = ID`` graph attributes. Not supported (an error naming the line):
undirected graphs, subgraphs, ports, HTML strings.

Examples
--------
>>> import tempfile, pathlib
>>> from powerplay.model.gridworld import gridworld
>>> path = pathlib.Path(tempfile.mkdtemp()) / 'tiny.gv'
>>> write_dot(gridworld(1, 2), path)
>>> print(*path.read_text().splitlines()[:3], sep='\\n')
strict digraph "1x2 gridworld" {
actions="[up]__[down]__[left]__[right]__[stay]";
"[(0, 0)]";
>>> read_dot(path).next_states('(0, 0)', 'right')
{'(0, 1)': 1.0}

(The ``actions`` line keeps the two moves no cell of a 1x2 grid allows: see
:mod:`powerplay.io.reference_graph`.)
"""

from __future__ import annotations

import bisect
import itertools
import os
import re
from pathlib import Path

from ..errors import FileFormatError
from ..model.mdp import MDP, JointMDP
from . import safe_load
from .atomic import atomic_write_text
from .reference_graph import AnyObject, Edge, RawGraph, graph_of_object, object_from_graph

# Every alternative is unambiguous -- a quoted string is a run of plain characters and escape
# pairs, each character read one way only -- so a match, or a failed one, takes time linear in
# what it looks at. The last alternative takes any other character, so the tokens tile the
# text and ``finditer`` never searches ahead past a failure (which, retried at every later
# quote, would be quadratic): an unclosed string shows up as a ``bad`` quote, at once.
_TOKEN = re.compile(
    r"""
     (?P<space>[ \t\r\f\v\n]+)
    |(?P<comment>//[^\n]*|/\*.*?\*/|(?<![^\n])\#[^\n]*)
    |(?P<string>"[^"\\]*(?:\\.[^"\\]*)*")
    |(?P<id>[A-Za-z_\x80-\U0010ffff][A-Za-z_0-9\x80-\U0010ffff]*|-?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?))
    |(?P<arrow>->|--)
    |(?P<punct>[{}\[\];,=:+<])
    |(?P<bad>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
# Inside a quoted string: \" is a quote, a backslash-newline joins lines, anything else stays.
_ESCAPE = re.compile(r"\\(\r\n|.)", re.DOTALL)

_KEYWORDS = {"strict", "graph", "digraph", "node", "edge", "subgraph"}


def _unescape(match: re.Match) -> str:
    escaped = match.group(1)
    if escaped == '"':
        return '"'
    return "" if escaped in ("\n", "\r\n") else match.group(0)


class _Tokens:
    """The token stream of one file: kinds, texts and positions, with line lookup."""

    def __init__(self, text: str, path: str):
        self.path = path
        self.text = text
        self.newlines = [m.start() for m in re.finditer("\n", text)]
        kinds: list[str] = []
        values: list[str] = []
        starts: list[int] = []
        for match in _TOKEN.finditer(text):
            kind = match.lastgroup
            assert kind is not None  # every alternative of _TOKEN is a named group
            if kind == "space" or kind == "comment":
                continue
            if kind == "bad":
                raise self.unexpected(match.start())
            value = match.group()
            if kind == "id" and value.lower() in _KEYWORDS:
                kind, value = "keyword", value.lower()
            elif kind == "punct" and value == "<":
                raise self.error("HTML strings ('<...>') are not supported", match.start())
            kinds.append(kind)
            values.append(value)
            starts.append(match.start())
        self.kinds, self.values, self.starts = kinds, values, starts
        self.index = 0

    def unexpected(self, position: int) -> FileFormatError:
        if self.text.startswith('"', position):
            return self.error("a quoted string starts here and is never closed", position)
        if self.text.startswith("/*", position):
            return self.error("a comment '/*' starts here and is never closed", position)
        return self.error(f"unexpected character {self.text[position]!r}", position)

    def line(self, position: int) -> int:
        return bisect.bisect_left(self.newlines, position) + 1

    def error(self, problem: str, position: int | None = None) -> FileFormatError:
        if position is None:
            position = self.starts[self.index] if self.index < len(self.starts) else len(self.text)
        return FileFormatError(self.path, problem, self.line(position))

    def peek(self, offset: int = 0) -> tuple[str | None, str | None]:
        i = self.index + offset
        return (self.kinds[i], self.values[i]) if i < len(self.kinds) else (None, None)

    def take(self) -> tuple[str, str, int]:
        if self.index >= len(self.kinds):
            raise self.error("unexpected end of file (missing '}'?)")
        i = self.index
        self.index += 1
        return self.kinds[i], self.values[i], self.starts[i]

    def expect(self, value: str) -> int:
        kind, got, start = self.take()
        if got != value or kind in ("string", "id"):
            raise self.error(f"expected {value!r}, found {got!r}", start)
        return start


def _id_value(kind: str, value: str) -> str:
    if kind != "string":
        return value
    inner = value[1:-1]
    return _ESCAPE.sub(_unescape, inner) if "\\" in inner else inner


class _Parser:
    def __init__(self, tokens: _Tokens):
        self.t = tokens
        self.nodes: dict[str, int | None] = {}
        self.edges: list[Edge] = []
        self.edge_index: dict[tuple[str, str], int] = {}
        self.attributes: dict[str, str] = {}
        self.edge_defaults: dict[str, str] = {}
        self.node_attributes: dict[str, dict[str, str]] = {}

    def identifier(self) -> tuple[str, int]:
        kind, value, start = self.t.take()
        if kind not in ("id", "string"):
            raise self.t.error(f"expected a name, found {value!r}", start)
        text = _id_value(kind, value)
        while self.t.peek() == ("punct", "+"):  # "a" + "b" concatenation
            self.t.take()
            kind, value, start = self.t.take()
            if kind != "string":
                raise self.t.error("'+' must join two quoted strings", start)
            text += _id_value(kind, value)
        return text, start

    def attribute_list(self) -> dict[str, str]:
        attributes: dict[str, str] = {}
        while self.t.peek() == ("punct", "["):
            self.t.take()
            while self.t.peek() != ("punct", "]"):
                key, _ = self.identifier()
                if self.t.peek() == ("punct", "="):
                    self.t.take()
                    attributes[key], _ = self.identifier()
                else:
                    attributes[key] = "true"
                if self.t.peek()[1] in (",", ";") and self.t.peek()[0] == "punct":
                    self.t.take()
            self.t.take()
        return attributes

    def node(self) -> tuple[str, int]:
        if self.t.peek() == ("keyword", "subgraph") or self.t.peek() == ("punct", "{"):
            raise self.t.error("subgraphs are not supported")
        name, start = self.identifier()
        if self.t.peek() == ("punct", ":"):
            raise self.t.error("node ports ('name:port') are not supported")
        self.nodes.setdefault(name, self.t.line(start))
        return name, start

    def add_edge(self, source: str, target: str, weight: str | None, start: int) -> None:
        line = self.t.line(start)
        key = (source, target)
        if key in self.edge_index:
            previous = self.edges[self.edge_index[key]]
            if previous.weight != weight:
                raise FileFormatError(
                    self.t.path, f"edge {source!r} -> {target!r} appears twice with different weights", line
                )
            return
        self.edge_index[key] = len(self.edges)
        self.edges.append(Edge(source, target, weight, line))

    def statement(self) -> None:
        kind, value = self.t.peek()
        if kind == "keyword" and value in ("graph", "node", "edge"):
            self.t.take()
            attributes = self.attribute_list()
            if value == "edge":
                self.edge_defaults.update(attributes)
            elif value == "graph":
                self.attributes.update(attributes)
            return
        if kind in ("id", "string") and self.t.peek(1) == ("punct", "="):
            key, _ = self.identifier()
            self.t.take()
            self.attributes[key], _ = self.identifier()
            return
        chain = [self.node()]
        while self.t.peek()[0] == "arrow":
            _, arrow, start = self.t.take()
            if arrow != "->":
                raise self.t.error("undirected edges ('--') are not supported: MDP graphs are directed", start)
            chain.append(self.node())
        if len(chain) == 1:
            self.node_attributes.setdefault(chain[0][0], {}).update(self.attribute_list())
            return
        attributes = {**self.edge_defaults, **self.attribute_list()}
        for (source, start), (target, _) in itertools.pairwise(chain):
            self.add_edge(source, target, attributes.get("weight"), start)

    def graph(self, default_name: str) -> RawGraph:
        if self.t.peek() == ("keyword", "strict"):
            self.t.take()
        kind, value, start = self.t.take()
        if kind != "keyword" or value not in ("digraph", "graph"):
            raise self.t.error(f"expected 'digraph', found {value!r}", start)
        if value == "graph":
            raise self.t.error("an undirected 'graph' cannot hold an MDP: use 'digraph'", start)
        name = default_name
        if self.t.peek()[0] in ("id", "string"):
            name, _ = self.identifier()
        self.t.expect("{")
        while self.t.peek() != ("punct", "}"):
            if self.t.peek() == (None, None):
                raise self.t.error("unexpected end of file (missing '}'?)")
            if self.t.peek() == ("punct", ";"):
                self.t.take()
                continue
            self.statement()
        self.t.take()
        if self.t.peek() != (None, None):
            raise self.t.error(f"unexpected {self.t.peek()[1]!r} after the end of the graph")
        return RawGraph(self.nodes, self.edges, name, self.attributes, self.t.path, self.node_attributes)


def parse_dot(text: str, path: str = "<string>", default_name: str = "") -> RawGraph:
    r"""Parse DOT text into a :class:`~powerplay.io.reference_graph.RawGraph`.

    Parameters
    ----------
    text : str
    path : str
        Where the text comes from, for messages.
    default_name : str
        The graph's name if it has no ID.

    Returns
    -------
    RawGraph
        Nodes and edges in order of appearance, graph attributes, and node attributes.

    Raises
    ------
    FileFormatError
        On a syntax error, naming ``path`` and the line.

    Examples
    --------
    >>> raw = parse_dot('digraph { a [label="A \\"1\\""]; a -> b [weight=0.5] }')
    >>> list(raw.nodes), raw.edges[0].weight, raw.node_attributes['a']
    (['a', 'b'], '0.5', {'label': 'A "1"'})
    >>> parse_dot('digraph { "a -> b }', 'broken.gv')
    Traceback (most recent call last):
    ...
    powerplay.errors.FileFormatError: broken.gv:1: a quoted string starts here and is never closed
    """
    return _Parser(_Tokens(text, path)).graph(default_name)


def read_dot(path: str | os.PathLike, *, max_bytes: int | None = None) -> AnyObject:
    r"""Read an MDP, joint MDP or policy from a reference-style ``.gv`` file.

    The object's name is the graph's ID if it has one, else the file name without extension.

    Parameters
    ----------
    path : str or path
        A UTF-8 file (a byte-order mark is allowed).
    max_bytes : int, optional
        Largest file read (default :data:`powerplay.io.safe_load.MAX_FILE_BYTES`).

    Returns
    -------
    MDP, JointMDP or Policy

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    FileFormatError
        On a syntax error or an invalid MDP/policy, naming the file and the line or state;
        if the file is not UTF-8 or not a regular file.
    ResourceLimitError
        If the file, or the object it describes, is over a limit of :mod:`powerplay.io.safe_load`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / 'loop.gv'
    >>> _ = path.write_bytes(b'\xef\xbb\xbfdigraph { "[a]" -> "[go]__[a]"; "[go]__[a]" -> "[a]__[go]__[a]" [weight=1] }')
    >>> mdp = read_dot(path)
    >>> mdp.name, mdp.to_dict()
    ('loop', {'a': {'go': {'a': 1.0}}})
    """
    path = Path(path)
    text = safe_load.read_limited_text(path, max_bytes, "graph file")
    return object_from_graph(parse_dot(text, str(path), default_name=path.stem))


def _string(text: str, what: str, origin: str, context: str = "") -> str:
    r"""``text`` as a quoted DOT string, or an error if it would not read back as ``text``.

    DOT has one escape, ``\"``; any other backslash is kept as written, except before a
    line break (which it removes). So a label with a backslash right before a quote, a line
    break or the end of the string cannot be written. ``context`` is the text written
    around it (node names wrap labels in brackets).
    """
    inner = (context[:1] + text + context[1:]).replace('"', '\\"')
    written = '"' + inner + '"'
    if _STRING.fullmatch(written) is None or _id_value("string", written) != context[:1] + text + context[1:]:
        raise FileFormatError(
            origin,
            f"{what} {text!r} cannot be written in a DOT file: a backslash before a quote or a line break, "
            "or at the end, does not read back",
        )
    return written


def dot_text(obj: AnyObject, mdp: MDP | JointMDP | None = None, origin: str = "DOT text") -> str:
    r"""DOT text of an object in the reference layout (all nodes, then all edges).

    Probabilities are written with ``repr`` so they read back exactly.

    Parameters
    ----------
    obj : MDP, JointMDP or Policy
    mdp : MDP or JointMDP, optional
        For a policy: also list the MDP's available actions it never takes (weight 0).
    origin : str
        Where the text goes (a file name), for messages.

    Returns
    -------
    str

    Raises
    ------
    FileFormatError
        Naming ``origin`` and the label, if a label or the name cannot be written so that
        it reads back the same (see :func:`_string` and :mod:`powerplay.io.reference_graph`).

    Examples
    --------
    >>> from powerplay.model.mdp import MDP
    >>> print(dot_text(MDP.from_dict({'say "hi"': {'go': {'say "hi"': 1.0}}}, name='quotes')), end='')
    strict digraph "quotes" {
    "[say \"hi\"]";
    "[go]__[say \"hi\"]";
    "[say \"hi\"]__[go]__[say \"hi\"]";
    "[say \"hi\"]" -> "[go]__[say \"hi\"]";
    "[go]__[say \"hi\"]" -> "[say \"hi\"]__[go]__[say \"hi\"]"  [weight="1.0"];
    }
    """
    raw = graph_of_object(obj, mdp, origin)
    labels = obj.states + (obj.actions_H + obj.actions_A if isinstance(obj, JointMDP) else obj.actions)
    for label, what in zip(labels, ["state"] * len(obj.states) + ["action"] * (len(labels) - len(obj.states))):
        _string(label, what, origin, "[]")  # every label is written between brackets
    lines = [f"strict digraph {_string(raw.name, 'name', origin)} {{"]
    lines.extend(f"{key}={_string(value, f'graph attribute {key}', origin)};" for key, value in raw.attributes.items())
    lines.extend(f"{_quote(node)};" for node in raw.nodes)
    for edge in raw.edges:
        weight = "" if edge.weight is None else f'  [weight="{float(edge.weight)!r}"]'
        lines.append(f"{_quote(edge.source)} -> {_quote(edge.target)}{weight};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    # Only for node names, whose labels _string has checked.
    return '"' + text.replace('"', '\\"') + '"'


def write_dot(obj: AnyObject, path: str | os.PathLike, mdp: MDP | JointMDP | None = None) -> None:
    """Write an MDP, joint MDP or policy as a reference-style ``.gv`` file (atomically).

    Parameters
    ----------
    obj : MDP, JointMDP or Policy
    path : path
    mdp : MDP or JointMDP, optional
        For a policy: also list the MDP's available actions it never takes (weight 0).

    Raises
    ------
    FileFormatError
        Naming ``path`` and the label, if the object cannot be written so that it reads back
        the same; nothing is written then.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from powerplay.model.mdp import MDP
    >>> path = pathlib.Path(tempfile.mkdtemp()) / 'x.gv'
    >>> write_dot(MDP.from_dict({'a]__[b': {'go': {'a]__[b': 1.0}}}), path)
    Traceback (most recent call last):
    ...
    powerplay.errors.FileFormatError: .../x.gv: state 'a]__[b' contains ']__[', which separates the labels in a node name
    >>> path.exists()
    False
    """

    atomic_write_text(path, dot_text(obj, mdp, str(path)))


__all__ = ["dot_text", "parse_dot", "read_dot", "write_dot"]
