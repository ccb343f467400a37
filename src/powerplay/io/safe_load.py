"""Bounded, validated reading of every file powerplay reads: bytes, text, YAML and JSON.

Files come from users, other tools and the network, so reading one must never hang, exhaust
memory, overflow the stack or end in a traceback. Everything here either returns the data or
raises a one-line :class:`~powerplay.errors.PowerplayError` naming the file (and the line,
when there is one):

* :func:`read_limited_bytes` reads at most ``limit + 1`` bytes, and only from a regular file
  (``/dev/zero``, a FIFO or a directory is refused before anything is read);
* :func:`decode_text` accepts UTF-8, with or without a byte-order mark, and nothing else;
* :func:`load_yaml` parses with PyYAML's safe constructors (C-accelerated when libyaml is
  installed), but composes the document without recursion and counts it as it goes: a nesting
  depth, a number of values and, once aliases are expanded, a size. An "alias bomb" (a few
  hundred bytes whose aliases expand to gigabytes) is refused as soon as the expansion passes
  a limit, before anything big is built; an alias used inside its own anchor (a recursive
  structure) is refused too. Duplicated mapping keys are an error naming the key and its line
  (YAML would silently keep the last value);
* :func:`load_json` does the same for JSON (no aliases there);
* :func:`load_document` is the one-call version for a file: read, decode, parse by extension.

Limits
------
=======================  ==============  ======================================================
constant                 default         bounds
=======================  ==============  ======================================================
``MAX_FILE_BYTES``       64 MiB          an MDP or policy file (``.yaml``/``.json``/``.gv``)
``MAX_CONFIG_BYTES``     4 MiB           a hand-written file: experiment config, run metadata
``MAX_DEPTH``            64              nesting of YAML/JSON collections (aliases expanded)
``MAX_NODES``            10,000,000      values in one YAML/JSON document (aliases expanded)
``MAX_TABLE_ENTRIES``    25,000,000      states x actions of an object built from a file
=======================  ==============  ======================================================

Why these numbers: the largest file of the reference tool is 2.7 MB (a joint 7x7 maze) and
the same MDP in our YAML format is about 3 MB with ~250,000 values, so the file and value
limits leave a 20-40x margin while keeping the parsed objects (roughly 100 bytes per value)
to about a gigabyte. Our formats nest 5 levels deep and configs under 10, so 64 leaves room
while staying far below Python's recursion limit for whatever walks the result. A 30x30 joint
gridworld has 20 million (state, joint action) entries, hence ``MAX_TABLE_ENTRIES``; one bool
and one CSR row pointer per entry is ~0.2 GB. Every function takes the limit as an argument;
a ``None`` argument means the module constant *at call time*, so a program that needs more
can raise the default for every reader at once::

    import powerplay.io.safe_load as limits
    limits.MAX_FILE_BYTES = 512 * 2**20

Examples
--------
>>> load_yaml("a: [1, 2]\\nb: {c: 3}\\n", "demo.yaml")
{'a': [1, 2], 'b': {'c': 3}}
>>> load_yaml("a: 1\\nb: 2\\na: 3\\n", "demo.yaml")
Traceback (most recent call last):
...
powerplay.errors.FileFormatError: demo.yaml:3: duplicate key 'a' (first at line 1)
>>> bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\\n" + "".join(
...     f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\\n" for i in range(8))
>>> load_yaml(bomb, "bomb.yaml")
Traceback (most recent call last):
...
powerplay.errors.ResourceLimitError: bomb.yaml: YAML aliases expand the document to at least 11,111,111 values (about 21.2 MiB), over the limit of 10,000,000 values
>>> load_json('{"kind": "mdp", "kind": "policy"}', "demo.json")
Traceback (most recent call last):
...
powerplay.errors.FileFormatError: demo.json:1: duplicate key 'kind' (first at line 1)
"""

from __future__ import annotations

import codecs
import json
import os
import re
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
)
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from ..errors import FileFormatError, PowerplayError, ResourceLimitError

#: Largest MDP or policy file read (bytes).
MAX_FILE_BYTES = 64 * 2**20
#: Suggested limit for small hand-written files: experiment configs, run metadata (bytes).
MAX_CONFIG_BYTES = 4 * 2**20
#: Deepest nesting of YAML/JSON collections, aliases expanded.
MAX_DEPTH = 64
#: Most values (scalars and collections) in one YAML/JSON document, aliases expanded.
MAX_NODES = 10_000_000
#: Most (state, action) entries -- states x actions, or states x A_H x A_A -- of an object built from a file.
MAX_TABLE_ENTRIES = 25_000_000


def _size(num_bytes: float) -> str:
    """``'2.6 GiB'``: a byte count for messages."""
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if num_bytes < 1024 or unit == "TiB":
            return f"{num_bytes:,.0f} {unit}" if unit == "bytes" else f"{num_bytes:.3g} {unit}"
        num_bytes /= 1024
    raise AssertionError("unreachable")


def _shorten(text: str, width: int = 60) -> str:
    """``text``, cut to ``width`` characters with ``'...'`` if longer (for messages)."""
    return text if len(text) <= width else text[: width - 3] + "..."


def _short(value: object, width: int = 60) -> str:
    """``repr(value)``, cut to ``width`` characters (a 100,000-digit number stays readable)."""
    return _shorten(repr(value), width)


def check_size(what: str, estimate: int, limit: int, source: str | os.PathLike, unit: str = "entries") -> None:
    """Refuse something that would be too big to build.

    Parameters
    ----------
    what : str
        What is measured, e.g. ``'states x actions'``.
    estimate, limit : int
    source : str or path
        The file (or other origin) it comes from, for the message.
    unit : str

    Raises
    ------
    ResourceLimitError
        If ``estimate > limit``, with both in the message and as attributes.

    Examples
    --------
    >>> check_size('states x actions', 10, 100, 'm.yaml')
    >>> check_size('states x actions', 10**9, 100, 'm.yaml')
    Traceback (most recent call last):
    ...
    powerplay.errors.ResourceLimitError: m.yaml: states x actions would be 1,000,000,000 entries, over the limit of 100
    """
    if estimate > limit:
        raise ResourceLimitError(
            f"{source}: {what} would be {estimate:,} {unit}, over the limit of {limit:,}", what, estimate, limit, unit
        )


def check_table(source: str | os.PathLike, num_states: int, *num_actions: int) -> None:
    """Refuse an object whose dense [states x actions] arrays would be too big to build.

    Parameters
    ----------
    source : str or path
        The file (or other origin) the object comes from, for the message.
    num_states : int
    *num_actions : int
        The size of each action set (two for a joint MDP: Agent H's and Agent A's).

    Raises
    ------
    ResourceLimitError
        If states x actions is over :data:`MAX_TABLE_ENTRIES` (read at call time).

    Examples
    --------
    >>> check_table('m.yaml', 10, 5)
    >>> check_table('m.yaml', 10**6, 100, 100)
    Traceback (most recent call last):
    ...
    powerplay.errors.ResourceLimitError: m.yaml: states x actions would be 10,000,000,000 entries, over the limit of 25,000,000
    """
    entries = num_states
    for n in num_actions:
        entries *= n
    check_size("states x actions", entries, MAX_TABLE_ENTRIES, source)


# -- bytes and text -------------------------------------------------------------------------

_FILE_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
)


def read_limited_bytes(path: str | os.PathLike, limit: int | None = None, what: str = "file") -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes.

    The file is opened without blocking and checked to be a regular file before anything is
    read (a FIFO, ``/dev/zero`` or a directory is refused), and at most ``limit + 1`` bytes
    are read, so a file that grows meanwhile cannot make this read more.

    Parameters
    ----------
    path : str or path
    limit : int, optional
        Default :data:`MAX_FILE_BYTES`.
    what : str
        What the file is, for messages (``'MDP file'``, ``'config'``, ...).

    Returns
    -------
    bytes

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    FileFormatError
        If it is not a regular file or cannot be read.
    ResourceLimitError
        If it is larger than ``limit``.

    Examples
    --------
    >>> read_limited_bytes('/dev/zero')
    Traceback (most recent call last):
    ...
    powerplay.errors.FileFormatError: /dev/zero: is a character device, not a regular file
    """
    limit = MAX_FILE_BYTES if limit is None else int(limit)
    path = Path(path)
    # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise FileNotFoundError(2, "no such file", str(path)) from None
    except OSError as error:
        raise FileFormatError(path, f"cannot be read: {error.strerror or error}") from None
    try:
        info = os.fstat(fd)
        for test, kind in _FILE_KINDS:
            if test(info.st_mode):
                raise FileFormatError(path, f"is {kind}, not a regular file")
        if info.st_size > limit:
            raise _too_big(path, what, info.st_size, limit)
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        try:
            data = handle.read(limit + 1)
        except OSError as error:
            raise FileFormatError(path, f"cannot be read: {error.strerror or error}") from None
    if len(data) > limit:
        raise _too_big(path, what, len(data), limit, at_least=True)
    return data


def _too_big(path, what: str, size: int, limit: int, at_least: bool = False) -> ResourceLimitError:
    size_text, limit_text = _size(size), _size(limit)
    if size_text == limit_text:  # just over: rounding would show the same number twice
        size_text, limit_text = f"{size:,} bytes", f"{limit:,} bytes ({limit_text})"
    return ResourceLimitError(
        f"{path}: the {what} is {'over ' if at_least else ''}{size_text}, over the limit of {limit_text}",
        what,
        size,
        limit,
        "bytes",
    )


_OTHER_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),  # before UTF-16: its BOM starts with UTF-16's
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def decode_text(data: bytes, source: str | os.PathLike = "<bytes>") -> str:
    """UTF-8 bytes as text, without a leading byte-order mark (line endings are kept as they are).

    Parameters
    ----------
    data : bytes
    source : str or path
        Where the bytes come from, for messages.

    Returns
    -------
    str

    Raises
    ------
    FileFormatError
        If the bytes are not UTF-8, naming the line and the first bad byte.

    Examples
    --------
    >>> decode_text(b'\\xef\\xbb\\xbfkind: mdp\\n')
    'kind: mdp\\n'
    >>> decode_text(b'ok\\nbad \\xff', 'x.gv')
    Traceback (most recent call last):
    ...
    powerplay.errors.FileFormatError: x.gv:2: not UTF-8 text (byte 0xff at offset 7)
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    else:
        for bom, name in _OTHER_BOMS:
            if data.startswith(bom):
                raise FileFormatError(source, f"is {name} text; save it as UTF-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise FileFormatError(
            source, f"not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})", line
        ) from None


def read_limited_text(path: str | os.PathLike, limit: int | None = None, what: str = "file") -> str:
    """The text of a UTF-8 file: :func:`read_limited_bytes` then :func:`decode_text`.

    Parameters
    ----------
    path : str or path
    limit : int, optional
        Largest file read, in bytes (default :data:`MAX_FILE_BYTES`).
    what : str
        What the file is, for messages.

    Returns
    -------
    str

    Raises
    ------
    FileNotFoundError, FileFormatError, ResourceLimitError
        As :func:`read_limited_bytes` and :func:`decode_text`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / 'notes.txt'
    >>> _ = path.write_bytes(b'\\xef\\xbb\\xbfline 1\\r\\nline 2')
    >>> read_limited_text(path, limit=100)
    'line 1\\r\\nline 2'
    """
    return decode_text(read_limited_bytes(path, limit, what), path)


def _as_text(data: bytes | str, source, max_bytes: int) -> str:
    size = len(data.encode("utf-8", "surrogatepass")) if isinstance(data, str) else len(data)
    if size > max_bytes:
        raise _too_big(source, "document", size, max_bytes)
    if isinstance(data, str):
        return data[1:] if data.startswith("\ufeff") else data
    return decode_text(data, source)


# -- YAML ------------------------------------------------------------------------------------

_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Open:
    """A collection being composed, with the running totals of what it expands to."""

    __slots__ = ("anchor", "depth", "key", "node", "nodes", "size")

    def __init__(self, node, anchor):
        self.node, self.anchor, self.key = node, anchor, None
        self.nodes, self.size, self.depth = 1, 2, 0  # itself; its brackets; deepest child


if TYPE_CHECKING:
    # What the mixin is mixed into: a PyYAML loader (SafeLoader, or CParser with SafeConstructor and Resolver).
    _LoaderBase = yaml.SafeLoader
else:
    _LoaderBase = object


class _BoundedMixin(_LoaderBase):
    """Iterative, counting composition and duplicate-key checks on top of PyYAML.

    PyYAML's composer recurses once per nesting level (a deeply nested file overflows the
    stack: RecursionError from the Python composer, a crash from the C one) and shares the
    node of an anchor among its aliases without counting what they expand to. This one keeps
    an explicit stack and, for every node, the number of values, approximate text size and
    depth it expands to (an alias counts as a full copy of its anchor), so limits are checked
    as the document is read.
    """

    source = "<string>"
    max_bytes = MAX_FILE_BYTES
    max_depth = MAX_DEPTH
    max_nodes = MAX_NODES

    def _bounded_init(self, source, max_bytes, max_depth, max_nodes):
        self.source, self.max_bytes, self.max_depth, self.max_nodes = str(source), max_bytes, max_depth, max_nodes
        self.anchors = {}
        self._measured: dict[str, tuple[int, int, int]] = {}
        self._uses_aliases = False
        self._keys_checked: set[int] = set()

    # Composer's entry points (CParser would otherwise compose in C, recursively).
    def check_node(self):
        return yaml.composer.Composer.check_node(self)

    def get_node(self):
        return yaml.composer.Composer.get_node(self)

    def get_single_node(self):
        return yaml.composer.Composer.get_single_node(self)

    def compose_document(self):
        self.get_event()  # DOCUMENT-START
        node = self._compose()
        self.get_event()  # DOCUMENT-END
        self.anchors, self._measured = {}, {}
        return node

    def _fail(self, problem: str, mark) -> FileFormatError:
        return FileFormatError(self.source, problem, mark.line + 1 if mark is not None else None)

    def _new_anchor(self, event, node) -> None:
        anchor = event.anchor
        if anchor is None:
            return
        if anchor in self.anchors:
            first = self.anchors[anchor].start_mark.line + 1
            raise self._fail(f"anchor &{anchor} is defined twice (first at line {first})", event.start_mark)
        self.anchors[anchor] = node

    def _check_expansion(self, nodes: int, size: int, depth: int, mark) -> None:
        if depth > self.max_depth:
            raise self._fail(f"aliases nest collections more than {self.max_depth} levels deep", mark)
        if nodes > self.max_nodes:
            # Checked as each collection closes, so this part alone is over: the whole is at least as big.
            how = "YAML aliases expand the document to at least" if self._uses_aliases else "the document has at least"
            raise ResourceLimitError(
                f"{self.source}: {how} {nodes:,} values (about {_size(size)}), over the limit of {self.max_nodes:,} values",
                "YAML values",
                nodes,
                self.max_nodes,
                "values",
            )
        if self._uses_aliases and size > self.max_bytes:
            # Only aliases can make the text bigger than the file, whose size is already checked.
            raise ResourceLimitError(
                f"{self.source}: YAML aliases expand the document to at least {nodes:,} values, about {_size(size)} as text, "
                f"over the limit of {_size(self.max_bytes)}",
                "expanded YAML document",
                size,
                self.max_bytes,
                "bytes",
            )

    def _compose(self):
        stack: list[_Open] = []
        while True:
            event = self.get_event()
            if isinstance(event, AliasEvent):
                anchor = event.anchor
                if anchor not in self.anchors:
                    raise self._fail(f"alias *{anchor} has no anchor &{anchor} before it", event.start_mark)
                if anchor not in self._measured:
                    raise self._fail(
                        f"alias *{anchor} is inside its own anchor &{anchor} (a recursive structure)", event.start_mark
                    )
                self._uses_aliases = True
                node = self.anchors[anchor]
                nodes, size, depth = self._measured[anchor]
            elif isinstance(event, ScalarEvent):
                tag = event.tag
                if tag is None or tag == "!":
                    tag = self.resolve(ScalarNode, event.value, event.implicit)
                node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)  # type: ignore[arg-type]  # stubs: nodes take only yaml.error.Mark, libyaml's events carry its own
                self._new_anchor(event, node)
                nodes, size, depth = 1, len(event.value) + 1, 0
                if event.anchor is not None:
                    self._measured[event.anchor] = (nodes, size, depth)
            elif isinstance(event, CollectionStartEvent):
                if len(stack) >= self.max_depth:
                    raise self._fail(f"collections are nested more than {self.max_depth} levels deep", event.start_mark)
                kind = MappingNode if isinstance(event, MappingStartEvent) else SequenceNode
                tag = event.tag
                if tag is None or tag == "!":
                    tag = self.resolve(kind, None, event.implicit)
                node = kind(tag, [], event.start_mark, None, flow_style=event.flow_style)  # type: ignore[arg-type]  # as for ScalarNode above
                self._new_anchor(event, node)
                stack.append(_Open(node, event.anchor))
                continue
            elif isinstance(event, (SequenceEndEvent, MappingEndEvent)):
                done = stack.pop()
                node = done.node
                node.end_mark = event.end_mark
                nodes, size, depth = done.nodes, done.size, done.depth + 1
                if done.anchor is not None:
                    self._measured[done.anchor] = (nodes, size, depth)
            else:  # the parser guarantees a node event here
                raise self._fail(f"unexpected {type(event).__name__}", event.start_mark)
            self._check_expansion(nodes, size, depth, event.start_mark)
            if not stack:
                return node
            parent = stack[-1]
            if isinstance(parent.node, MappingNode):
                if parent.key is None:
                    parent.key = node
                else:
                    parent.node.value.append((parent.key, node))
                    parent.key = None
            else:
                parent.node.value.append(node)
            parent.nodes += nodes
            parent.size += size
            parent.depth = max(parent.depth, depth)

    # -- construction: duplicate keys ---------------------------------------------------------

    def flatten_mapping(self, node):
        # Check a mapping's own keys the first time it is flattened: flattening a merge ('<<')
        # copies the merged keys in, and those may legitimately be overridden.
        if id(node) not in self._keys_checked:
            self._keys_checked.add(id(node))
            first: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == _MERGE_TAG:
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    seen = first.get(key)
                except TypeError:  # an unhashable key: PyYAML reports it
                    continue
                if seen is not None:
                    raise self._fail(f"duplicate key {_short(key)} (first at line {seen})", key_node.start_mark)
                first[key] = key_node.start_mark.line + 1
        super().flatten_mapping(node)


class _PyLoader(_BoundedMixin, yaml.SafeLoader):
    def __init__(self, stream, source, max_bytes, max_depth, max_nodes):
        yaml.SafeLoader.__init__(self, stream)
        self._bounded_init(source, max_bytes, max_depth, max_nodes)


if yaml.__with_libyaml__:  # PyYAML found libyaml (yaml._yaml)
    import yaml._yaml as _yaml_c  # libyaml's scanner and parser

    class _CLoader(_BoundedMixin, _yaml_c.CParser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
        # libyaml scans and parses (fast); composition and construction are the ones above.
        def __init__(self, stream, source, max_bytes, max_depth, max_nodes):
            _yaml_c.CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            self._bounded_init(source, max_bytes, max_depth, max_nodes)

    _Loader: type = _CLoader
else:  # pragma: no cover - PyYAML without libyaml
    _Loader = _PyLoader


def _yaml_problem(error: yaml.YAMLError, text: str) -> tuple[str, int | None]:
    """A one-line description of a PyYAML error, and its line."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None)
    context = getattr(error, "context", None)
    if problem:
        message = f"{context}: {problem}" if context else problem
        return message, (mark.line + 1 if mark is not None else None)
    position = getattr(error, "position", None)  # a ReaderError: a character YAML does not allow
    if position is not None and getattr(error, "reason", None):
        character = getattr(error, "character", None)
        code = ord(character) if isinstance(character, str) else character
        what = f"character U+{code:04X}" if isinstance(code, int) else "a character"
        line = text.count("\n", 0, position) + 1 if isinstance(position, int) else None
        return f"{what} is not allowed in YAML", line
    return str(error).splitlines()[0] if str(error) else type(error).__name__, None


def load_yaml(
    data: bytes | str,
    source: str | os.PathLike = "<string>",
    *,
    max_bytes: int | None = None,
    max_depth: int | None = None,
    max_nodes: int | None = None,
) -> Any:
    """Parse one YAML document safely (plain data only) and within limits.

    Parameters
    ----------
    data : bytes or str
        UTF-8 bytes (a byte-order mark is allowed) or text.
    source : str or path
        The file name, for messages.
    max_bytes : int, optional
        Largest document (default :data:`MAX_FILE_BYTES`); with aliases expanded, its text
        may not get bigger than this either.
    max_depth : int, optional
        Deepest nesting of collections, aliases expanded (default :data:`MAX_DEPTH`).
    max_nodes : int, optional
        Most values, aliases expanded (default :data:`MAX_NODES`).

    Returns
    -------
    object
        ``dict``, ``list``, ``str``, ``int``, ``float``, ``bool``, ``None`` and PyYAML's other
        safe types (dates, ``bytes`` for ``!!binary``, ``set``); ``None`` for an empty document.

    Raises
    ------
    FileFormatError
        On a syntax error, text that is not UTF-8, too deep nesting, a duplicated key, an
        alias inside its own anchor, an anchor defined twice, an unconstructable value (e.g.
        an integer of more than 4300 digits) or several documents -- with the line.
    ResourceLimitError
        If the document, or what its aliases expand to, is over a limit (both in the message).

    Examples
    --------
    >>> load_yaml('[[[[1]]]]', 'deep.yaml', max_depth=3)
    Traceback (most recent call last):
    ...
    powerplay.errors.FileFormatError: deep.yaml:1: collections are nested more than 3 levels deep
    >>> load_yaml('a: &x [*x]', 'loop.yaml')
    Traceback (most recent call last):
    ...
    powerplay.errors.FileFormatError: loop.yaml:1: alias *x is inside its own anchor &x (a recursive structure)
    """
    max_bytes = MAX_FILE_BYTES if max_bytes is None else max_bytes
    max_depth = MAX_DEPTH if max_depth is None else max_depth
    max_nodes = MAX_NODES if max_nodes is None else max_nodes
    text = _as_text(data, source, max_bytes)
    loader = None
    try:
        loader = _Loader(text, source, max_bytes, max_depth, max_nodes)  # the pure-Python reader checks characters here
        return loader.get_single_data()
    except PowerplayError:
        raise
    except yaml.YAMLError as error:
        problem, line = _yaml_problem(error, text)
        raise FileFormatError(source, f"YAML syntax error: {problem}", line) from None
    except RecursionError:  # not expected (the depth is bounded), but never let one escape
        raise FileFormatError(source, "YAML document nested too deeply to read") from None
    except (ValueError, TypeError, OverflowError) as error:  # e.g. a 5000-digit integer
        raise FileFormatError(source, f"YAML value cannot be read: {str(error).split(';')[0]}") from None
    finally:
        if loader is not None:
            loader.dispose()


# -- JSON ------------------------------------------------------------------------------------

# Strings (unambiguous: each character is a plain one or an escape pair) and structure.
_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},]', re.DOTALL)


def _scan_json(text: str, source, max_depth: int, max_nodes: int) -> None:
    """Depth, value count and duplicate keys of JSON text that parses.

    Only called on text ``json.loads`` accepted (or that overflowed its stack), so every
    quote outside a string opens one that closes: one linear pass over the tokens.
    """
    stack: list[list] = []  # [is_object, {key: offset}, expecting a key]
    values = 1

    def line(offset: int) -> int:
        return text.count("\n", 0, offset) + 1

    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        first = token[0]
        if first == '"':
            top = stack[-1] if stack else None
            if top is not None and top[0] and top[2]:
                key = token[1:-1] if "\\" not in token else json.loads(token)
                previous = top[1].setdefault(key, match.start())
                if previous != match.start():
                    raise FileFormatError(
                        source, f"duplicate key {_short(key)} (first at line {line(previous)})", line(match.start())
                    )
                top[2] = False
        elif first in "[{":
            if len(stack) >= max_depth:
                raise FileFormatError(
                    source, f"collections are nested more than {max_depth} levels deep", line(match.start())
                )
            stack.append([first == "{", {}, True])
            values += 1
        elif first in "]}":
            if stack:
                stack.pop()
        else:  # ','
            values += 1
            if stack and stack[-1][0]:
                stack[-1][2] = True
            if values > max_nodes:
                raise ResourceLimitError(
                    f"{source}: the document has over the limit of {max_nodes:,} values",
                    "JSON values",
                    values,
                    max_nodes,
                    "values",
                )


def load_json(
    data: bytes | str,
    source: str | os.PathLike = "<string>",
    *,
    max_bytes: int | None = None,
    max_depth: int | None = None,
    max_nodes: int | None = None,
) -> Any:
    """Parse a JSON document within limits, refusing duplicated keys.

    Parameters and limits as :func:`load_yaml`. ``NaN`` and ``Infinity`` are read as floats
    (as Python's ``json`` does); whoever uses the numbers checks their range.

    Raises
    ------
    FileFormatError
        On a syntax error, text that is not UTF-8, too deep nesting, a duplicated key, a
        number Python will not convert (over 4300 digits) or a lone UTF-16 surrogate
        (``"\\ud800"``, text no file can hold), with the line where known.
    ResourceLimitError
        If the document is over a limit.

    Examples
    --------
    >>> load_json('{"a": [1, 2.5, null]}')
    {'a': [1, 2.5, None]}
    >>> load_json('[' * 100 + ']' * 100, 'deep.json')
    Traceback (most recent call last):
    ...
    powerplay.errors.FileFormatError: deep.json:1: collections are nested more than 64 levels deep
    """
    max_bytes = MAX_FILE_BYTES if max_bytes is None else max_bytes
    max_depth = MAX_DEPTH if max_depth is None else max_depth
    max_nodes = MAX_NODES if max_nodes is None else max_nodes
    text = _as_text(data, source, max_bytes)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise FileFormatError(source, f"JSON syntax error: {error.msg}", error.lineno) from None
    except RecursionError:
        _scan_json(text, source, max_depth, max_nodes)  # names the line
        raise FileFormatError(source, "JSON document nested too deeply to read") from None
    except ValueError as error:  # e.g. an integer of more than 4300 digits
        raise FileFormatError(source, f"JSON value cannot be read: {str(error).split(';')[0]}") from None
    _scan_json(text, source, max_depth, max_nodes)
    if _SURROGATE_ESCAPE.search(text):
        _refuse_lone_surrogates(document, source)
    return document


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _refuse_lone_surrogates(document: Any, source: str | os.PathLike) -> None:
    """JSON may escape half of a UTF-16 pair (``"\\ud800"``); such text cannot be written to
    any file (UTF-8 has no encoding for it), so a label holding it would fail only once results
    are written. Refused here, where it is read. (Iterative: documents are already bounded.)"""
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as error:
                code = ord(item[error.start])
                raise FileFormatError(
                    source, f"text {_short(item)} holds a lone UTF-16 surrogate \\u{code:04x}, which no file can hold"
                ) from None


# -- files -----------------------------------------------------------------------------------

JSON_SUFFIXES = (".json",)


def load_document(
    path: str | os.PathLike,
    *,
    max_bytes: int | None = None,
    max_depth: int | None = None,
    max_nodes: int | None = None,
    what: str = "file",
) -> Any:
    """Read a YAML or JSON file (``.json`` is JSON, anything else YAML) within limits.

    Parameters
    ----------
    path : str or path
    max_bytes, max_depth, max_nodes : int, optional
        As :func:`load_yaml`; ``max_bytes`` also bounds the file read.
    what : str
        What the file is, for messages (``'config'``, ``'run metadata'``, ...).

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    FileFormatError, ResourceLimitError
        As :func:`read_limited_bytes`, :func:`load_yaml` and :func:`load_json`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / 'config.yaml'
    >>> _ = path.write_text('name: demo\\nparameters: {discount_rate: {value: 0.9}}\\n')
    >>> load_document(path, max_bytes=MAX_CONFIG_BYTES, what='config')['parameters']
    {'discount_rate': {'value': 0.9}}
    """
    max_bytes = MAX_FILE_BYTES if max_bytes is None else max_bytes
    data = read_limited_bytes(path, max_bytes, what)
    load = load_json if Path(path).suffix.lower() in JSON_SUFFIXES else load_yaml
    return load(data, str(path), max_bytes=max_bytes, max_depth=max_depth, max_nodes=max_nodes)


__all__ = [
    "MAX_CONFIG_BYTES",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "MAX_TABLE_ENTRIES",
    "check_size",
    "check_table",
    "decode_text",
    "load_document",
    "load_json",
    "load_yaml",
    "read_limited_bytes",
    "read_limited_text",
]
