"""Bounded reading (powerplay.io.safe_load): file kinds and sizes, encodings, YAML/JSON limits,
alias bombs and duplicated keys -- each refused with one line naming the file and the line."""

import codecs
import os
import threading

import pytest
import yaml

from powerplay.errors import FileFormatError, PowerplayError, ResourceLimitError
from powerplay.io import safe_load
from powerplay.io.safe_load import (
    MAX_DEPTH,
    check_size,
    decode_text,
    load_document,
    load_json,
    load_yaml,
    read_limited_bytes,
    read_limited_text,
)


def one_line(error: BaseException) -> str:
    message = str(error)
    assert "\n" not in message and message
    return message


# -- bytes -----------------------------------------------------------------------------------


def test_reads_a_regular_file_up_to_the_limit(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_bytes(b"x" * 100)
    assert read_limited_bytes(path, limit=100) == b"x" * 100
    with pytest.raises(ResourceLimitError) as error:
        read_limited_bytes(path, limit=99, what="MDP file")
    assert one_line(error.value) == f"{path}: the MDP file is 100 bytes, over the limit of 99 bytes"
    assert (error.value.estimate, error.value.limit, error.value.unit) == (100, 99, "bytes")


def test_a_file_just_over_the_limit_shows_exact_sizes(tmp_path):
    path = tmp_path / "m.gv"
    with open(path, "wb") as handle:
        handle.truncate(2**20 + 1)  # a hole: no disk space used
    with pytest.raises(ResourceLimitError) as error:
        read_limited_bytes(path, limit=2**20, what="graph file")
    assert (
        one_line(error.value) == f"{path}: the graph file is 1,048,577 bytes, over the limit of 1,048,576 bytes (1 MiB)"
    )


def test_default_limit_is_read_when_called(tmp_path, monkeypatch):
    path = tmp_path / "m.yaml"
    path.write_bytes(b"x" * 10)
    monkeypatch.setattr(safe_load, "MAX_FILE_BYTES", 5)
    with pytest.raises(ResourceLimitError, match="over the limit of 5 bytes"):
        read_limited_bytes(path)


def test_device_directory_and_missing_file(tmp_path):
    with pytest.raises(FileFormatError) as error:
        read_limited_bytes("/dev/zero")
    assert one_line(error.value) == "/dev/zero: is a character device, not a regular file"
    with pytest.raises(FileFormatError, match=r"is a directory, not a regular file$"):
        read_limited_bytes(tmp_path)
    with pytest.raises(FileNotFoundError):
        read_limited_bytes(tmp_path / "missing.yaml")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    outcome = {}

    def read():  # in a thread: if the open blocked, the test fails below instead of hanging
        try:
            read_limited_bytes(fifo)
        except PowerplayError as error:
            outcome["error"] = error

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=60)
    if reader.is_alive():  # unblock the open so the thread can end
        with open(fifo, "wb"):
            pass
        pytest.fail("reading a FIFO blocked")
    assert isinstance(outcome["error"], FileFormatError)
    assert str(outcome["error"]) == f"{fifo}: is a FIFO (named pipe), not a regular file"


# -- text ------------------------------------------------------------------------------------


def test_utf8_with_or_without_bom(tmp_path):
    assert decode_text(codecs.BOM_UTF8 + b"kind: mdp\n") == "kind: mdp\n"
    assert decode_text("état\r\n".encode()) == "état\r\n"  # line endings are kept
    path = tmp_path / "m.gv"
    path.write_bytes(codecs.BOM_UTF8 + b"digraph {}")
    assert read_limited_text(path) == "digraph {}"


@pytest.mark.parametrize("encoding, name", [("utf-16", "UTF-16"), ("utf-32", "UTF-32")])
def test_other_unicode_encodings_are_named(encoding, name):
    with pytest.raises(FileFormatError) as error:
        decode_text("kind: mdp".encode(encoding), "m.yaml")
    assert one_line(error.value) == f"m.yaml: is {name} text; save it as UTF-8"


def test_invalid_utf8_names_line_and_byte():
    with pytest.raises(FileFormatError) as error:
        decode_text("a\nb\nc é".encode("latin-1"), "m.yaml")
    assert one_line(error.value) == "m.yaml:3: not UTF-8 text (byte 0xe9 at offset 6)"
    with pytest.raises(FileFormatError, match="byte 0xed"):
        decode_text(b"\xed\xa0\x80", "surrogate.yaml")  # an encoded surrogate is not UTF-8 either


# -- YAML ------------------------------------------------------------------------------------


@pytest.fixture(params=["libyaml", "python"])
def either_loader(request, monkeypatch):
    """Run a YAML test with libyaml's parser (when installed) and with PyYAML's pure-Python one."""
    if request.param == "python":
        monkeypatch.setattr(safe_load, "_Loader", safe_load._PyLoader)
    elif safe_load._Loader is safe_load._PyLoader:
        pytest.skip("PyYAML is installed without libyaml")
    return request.param


def test_plain_yaml_loads_as_usual(either_loader):
    text = "kind: mdp\nbase: &b {x: 1, y: 2}\nmerged: {<<: *b, y: 3}\nlist: [1, 2.5, null, true, '1']\n"
    assert load_yaml(text, "m.yaml") == {
        "kind": "mdp",
        "base": {"x": 1, "y": 2},
        "merged": {"x": 1, "y": 3},
        "list": [1, 2.5, None, True, "1"],
    }
    assert load_yaml(codecs.BOM_UTF8 + b"a: 1\n", "m.yaml") == {"a": 1}
    assert load_yaml("", "empty.yaml") is None


@pytest.mark.parametrize(
    "text, line, key",
    [
        ("a: 1\nb: 2\na: 3\n", 3, "'a'"),
        ("top:\n  x: 1\n  y: {p: 1, p: 2}\n", 3, "'p'"),
        ("1: a\n1.0: b\n", 2, "1.0"),  # equal once read (YAML would keep one)
        ("? x\n: 1\nx: 2\n", 3, "'x'"),
    ],
)
def test_duplicate_yaml_keys_name_the_key_and_line(text, line, key, either_loader):
    with pytest.raises(FileFormatError) as error:
        load_yaml(text, "dup.yaml")
    assert one_line(error.value).startswith(f"dup.yaml:{line}: duplicate key {key} (first at line ")


def test_merge_keys_may_be_overridden_in_any_order(either_loader):
    """A key overriding a merged one is not a duplicate, even when the merged mapping was flattened first."""
    text = "inner: {deep: &m {<<: {x: 1}, x: 2}}\nlater: {<<: *m}\nbase: &b {x: 1}\nmid: {<<: *b, x: 3}\n"
    loaded = load_yaml(text, "merge.yaml")
    assert loaded == yaml.safe_load(text)  # PyYAML's own merge semantics
    assert loaded["inner"]["deep"] == {"x": 2} and loaded["mid"] == {"x": 3}


def test_yaml_nesting_is_bounded_without_recursion_error(either_loader):
    assert load_yaml("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    for text in (
        "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),
        "- " * 100_000 + "x",
        "a:\n" + "".join(" " * i + f"k{i}:\n" for i in range(1, 200)),
    ):
        with pytest.raises(FileFormatError) as error:
            load_yaml(text, "deep.yaml")
        assert "nested more than" in one_line(error.value) or "nesting depth" in one_line(error.value)
    with pytest.raises(FileFormatError, match=r"^deep.yaml:1: collections are nested more than 3 levels deep$"):
        load_yaml("[[[[1]]]]", "deep.yaml", max_depth=3)


def test_alias_bomb_is_refused_with_size_and_limit(either_loader):
    """Nine levels of nine aliases: ~400 bytes that expand to 387 million values."""
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
    text = "\n".join(lines) + "\nname: *i\n"
    assert len(text) < 450
    with pytest.raises(ResourceLimitError) as error:
        load_yaml(text, "bomb.yaml")
    message = one_line(error.value)
    assert message.startswith("bomb.yaml: YAML aliases expand the document to at least ")
    assert error.value.estimate > error.value.limit == safe_load.MAX_NODES
    assert f"over the limit of {safe_load.MAX_NODES:,} values" in message


def test_alias_expansion_is_bounded_in_bytes_too(either_loader):
    """Few values, but a long string repeated: the expanded text may not outgrow the file limit."""
    text = "s: &s " + "x" * 1000 + "\nmany: [" + ", ".join(["*s"] * 2000) + "]\n"
    with pytest.raises(ResourceLimitError) as error:
        load_yaml(text, "wide.yaml", max_bytes=1_000_000)
    assert one_line(error.value) == (
        "wide.yaml: YAML aliases expand the document to at least 2,001 values, about 1.91 MiB as text, over the limit of 977 KiB"
    )
    assert len(load_yaml(text, "wide.yaml", max_bytes=3_000_000)["many"]) == 2000


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a: &x [*x]", "loop.yaml:1: alias *x is inside its own anchor &x (a recursive structure)"),
        ("a: &x {k: *x}", "loop.yaml:1: alias *x is inside its own anchor &x (a recursive structure)"),
        ("a: *x\n", "loop.yaml:1: alias *x has no anchor &x before it"),
        ("a: &x 1\nb: &x 2\n", "loop.yaml:2: anchor &x is defined twice (first at line 1)"),
        (
            "a: 1\n---\nb: 2\n",
            "loop.yaml:2: YAML syntax error: expected a single document in the stream: but found another document",
        ),
        ("a: [1, 2\n", "loop.yaml:2: YAML syntax error: while parsing a flow sequence: "),
        ("a: \x00\n", "loop.yaml:1: YAML syntax error: character U+0000 is not allowed in YAML"),
        (
            "a: 1" + "0" * 5000,
            "loop.yaml: YAML value cannot be read: Exceeds the limit (4300 digits) for integer string conversion",
        ),
        ("? [a]\n: 1\n", "loop.yaml:1: YAML syntax error: while constructing a mapping: found unhashable key"),
        (
            "a: !!python/object:os.system x\n",
            "loop.yaml:1: YAML syntax error: could not determine a constructor for the tag",
        ),
    ],
)
def test_malformed_yaml_gives_one_line(text, expected, either_loader):
    with pytest.raises(FileFormatError) as error:
        load_yaml(text, "loop.yaml")
    assert one_line(error.value).startswith(expected)


def test_yaml_document_size_limit(either_loader):
    with pytest.raises(ResourceLimitError, match=r"^big.yaml: the document is 11 bytes, over the limit of 10 bytes$"):
        load_yaml("a: 123456\n\n", "big.yaml", max_bytes=10)


def test_value_count_limit_without_aliases(either_loader):
    with pytest.raises(
        ResourceLimitError,
        match=r"^many.yaml: the document has at least 1,001 values \(about .*\), over the limit of 1,000 values$",
    ):
        load_yaml("[" + ", ".join(["1"] * 1000) + "]", "many.yaml", max_nodes=1000)


# -- JSON ------------------------------------------------------------------------------------


def test_json_loads_with_bom_and_refuses_duplicates():
    assert load_json(codecs.BOM_UTF8 + b'{"a": [1, {"b": null}]}', "m.json") == {"a": [1, {"b": None}]}
    with pytest.raises(FileFormatError) as error:
        load_json('{\n "a": 1,\n "inner": {"x": 1, "y": 2,\n  "x": 3}\n}', "dup.json")
    assert one_line(error.value) == "dup.json:4: duplicate key 'x' (first at line 3)"
    # The same key in different objects, or escaped differently but equal, is judged by its value.
    assert load_json('[{"a": 1}, {"a": 2}]') == [{"a": 1}, {"a": 2}]
    with pytest.raises(FileFormatError, match=r"duplicate key 'a'"):
        load_json('{"a": 1, "\\u0061": 2}')
    assert load_json('{"a": "\\"a\\": 1, \\"a\\""}') == {"a": '"a": 1, "a"'}  # keys inside strings are text


def test_json_depth_and_syntax():
    with pytest.raises(FileFormatError) as error:
        load_json("\n" + "[" * 100_000 + "]" * 100_000, "deep.json")  # deeper than Python's stack
    assert one_line(error.value) == f"deep.json:2: collections are nested more than {MAX_DEPTH} levels deep"
    with pytest.raises(FileFormatError, match=r"^deep.json:1: collections are nested more than 64 levels deep$"):
        load_json("[" * 65 + "]" * 65, "deep.json")
    with pytest.raises(FileFormatError, match=r"^bad.json:2: JSON syntax error: Expecting value$"):
        load_json('{"a":\n}', "bad.json")
    with pytest.raises(
        FileFormatError, match=r"^big.json: JSON value cannot be read: Exceeds the limit \(4300 digits\)"
    ):
        load_json("[" + "9" * 5000 + "]", "big.json")
    assert load_json("[NaN, Infinity]", "nan.json")[1] == float("inf")  # read; range checks come later


def test_json_value_limit():
    with pytest.raises(ResourceLimitError, match=r"^many.json: the document has over the limit of 100 values$"):
        load_json("[" + ",".join(["0"] * 200) + "]", "many.json", max_nodes=100)


# -- files and sizes -------------------------------------------------------------------------


def test_load_document_by_extension(tmp_path, either_loader):
    (tmp_path / "c.yaml").write_text("a: [1, 2]\n")
    (tmp_path / "c.json").write_text('{"a": [1, 2]}')
    assert load_document(tmp_path / "c.yaml") == load_document(tmp_path / "c.json") == {"a": [1, 2]}
    with pytest.raises(ResourceLimitError, match="the config is 10 bytes, over the limit of 4 bytes"):
        load_document(tmp_path / "c.yaml", max_bytes=4, what="config")


def test_check_size():
    check_size("states x actions", 100, 100, "m.yaml")
    with pytest.raises(ResourceLimitError) as error:
        check_size("states x actions", 101, 100, "m.yaml")
    assert one_line(error.value) == "m.yaml: states x actions would be 101 entries, over the limit of 100"
