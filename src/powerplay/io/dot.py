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
>>> print(path.read_text().splitlines()[1])
"[(0, 0)]";
>>> read_dot(path).next_states('(0, 0)', 'right')
{'(0, 1)': 1.0}
"""

from __future__ import annotations

import bisect
import os
import re
from pathlib import Path

from ..model.mdp import MDP, JointMDP
from ..errors import FileFormatError
from .reference_graph import AnyObject, Edge, RawGraph, graph_of_object, object_from_graph

_TOKEN = re.compile(
    r"""
     (?P<space>[ \t\r\f\v\n]+)
    |(?P<comment>//[^\n]*|/\*.*?\*/|(?<![^\n])\#[^\n]*)
    |(?P<string>"(?:[^"\\]|\\.|\\\n)*")
    |(?P<id>[A-Za-z_\x80-\U0010ffff][A-Za-z_0-9\x80-\U0010ffff]*|-?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?))
    |(?P<arrow>->|--)
    |(?P<punct>[{}\[\];,=:+<])
    """,
    re.VERBOSE | re.DOTALL,
)

_KEYWORDS = {"strict", "graph", "digraph", "node", "edge", "subgraph"}


class _Tokens:
    """The token stream of one file: kinds, texts and positions, with line lookup."""

    def __init__(self, text: str, path: str):
        self.path = path
        self.text = text
        self.newlines = [m.start() for m in re.finditer("\n", text)]
        kinds, values, starts = [], [], []
        position = 0
        for match in _TOKEN.finditer(text):
            if match.start() != position:
                raise self.error(f"unexpected character {text[position]!r}", position)
            position = match.end()
            kind = match.lastgroup
            if kind in ("space", "comment"):
                continue
            value = match.group()
            if kind == "id" and value.lower() in _KEYWORDS:
                kind, value = "keyword", value.lower()
            elif kind == "punct" and value == "<":
                raise self.error("HTML strings ('<...>') are not supported", match.start())
            kinds.append(kind)
            values.append(value)
            starts.append(match.start())
        if position != len(text):
            raise self.error(f"unexpected character {text[position]!r}", position)
        self.kinds, self.values, self.starts = kinds, values, starts
        self.index = 0

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
    if kind == "string":
        return value[1:-1].replace('\\"', '"').replace("\\\n", "")
    return value


class _Parser:
    def __init__(self, tokens: _Tokens):
        self.t = tokens
        self.nodes: dict[str, int | None] = {}
        self.edges: list[Edge] = []
        self.edge_index: dict[tuple[str, str], int] = {}
        self.attributes: dict[str, str] = {}
        self.edge_defaults: dict[str, str] = {}

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
        attributes = {**self.edge_defaults, **self.attribute_list()} if len(chain) > 1 else self.attribute_list()
        for (source, start), (target, _) in zip(chain, chain[1:]):
            self.add_edge(source, target, attributes.get("weight"), start)

    def graph(self) -> tuple[str, dict[str, int | None], list[Edge], dict[str, str]]:
        if self.t.peek() == ("keyword", "strict"):
            self.t.take()
        kind, value, start = self.t.take()
        if kind != "keyword" or value not in ("digraph", "graph"):
            raise self.t.error(f"expected 'digraph', found {value!r}", start)
        if value == "graph":
            raise self.t.error("an undirected 'graph' cannot hold an MDP: use 'digraph'", start)
        name = ""
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
        return name, self.nodes, self.edges, self.attributes


def parse_dot(text: str, path: str = "<string>") -> RawGraph:
    """Parse DOT text into a :class:`~powerplay.io.reference_graph.RawGraph`.

    Raises
    ------
    FileFormatError
        On a syntax error, naming ``path`` and the line.
    """
    name, nodes, edges, attributes = _Parser(_Tokens(text, path)).graph()
    return RawGraph(nodes, edges, name, attributes, path)


def read_dot(path: str | os.PathLike) -> AnyObject:
    """Read an MDP, joint MDP or policy from a reference-style ``.gv`` file.

    The object's name is the graph's ID if it has one, else the file name without extension.

    Raises
    ------
    FileFormatError
        On a syntax error or an invalid MDP/policy, naming the file and the line or state.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise FileFormatError(path, f"not UTF-8 text ({error.reason})") from None
    raw = parse_dot(text, str(path))
    raw.name = raw.name or path.stem
    return object_from_graph(raw)


def _quote(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'


def dot_text(obj: AnyObject, mdp: MDP | JointMDP | None = None) -> str:
    """DOT text of an object in the reference layout (all nodes, then all edges).

    Probabilities are written with ``repr`` so they read back exactly.
    """
    raw = graph_of_object(obj, mdp)
    lines = [f"strict digraph {_quote(raw.name)} {{" if raw.name else "strict digraph {"]
    lines.extend(f"{key}={_quote(value)};" for key, value in raw.attributes.items())
    lines.extend(f"{_quote(node)};" for node in raw.nodes)
    for edge in raw.edges:
        weight = "" if edge.weight is None else f'  [weight="{float(edge.weight)!r}"]'
        lines.append(f"{_quote(edge.source)} -> {_quote(edge.target)}{weight};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_dot(obj: AnyObject, path: str | os.PathLike, mdp: MDP | JointMDP | None = None) -> None:
    """Write an MDP, joint MDP or policy as a reference-style ``.gv`` file (atomically).

    Parameters
    ----------
    obj : MDP, JointMDP or Policy
    path : path
    mdp : MDP or JointMDP, optional
        For a policy: also list the MDP's available actions it never takes (weight 0).
    """
    from ..storage.atomic import atomic_write_text

    atomic_write_text(path, dot_text(obj, mdp))


__all__ = ["dot_text", "parse_dot", "read_dot", "write_dot"]
