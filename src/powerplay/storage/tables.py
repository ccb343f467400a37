"""CSV tables that read back exactly and are safe to open in a spreadsheet.

``power.csv`` and ``runs.csv`` hold text from files (state labels, parameter values) next to
numbers. Three rules make every table read back as written and keep spreadsheets from running
what a crafted label says:

* **Every text field is quoted** (``csv.QUOTE_NONNUMERIC``; the header of our own column
  names only where needed), so a label holding a comma, a quote, a line break or a carriage
  return stays one field of one row.
* **Text that a spreadsheet would take for a formula is neutralised**, as OWASP's "CSV
  Injection" guidance says: a field starting with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return gets a leading single quote (``'=HYPERLINK(...)``), which spreadsheets show
  as text and do not display. Text that already starts with a single quote gets one more, so
  the rule is reversible: :func:`text_from_cell` removes exactly one leading quote (pandas:
  ``column.str.removeprefix("'")``). Text that is a plain decimal number (``-1``, ``+2.5e3``)
  is not a formula and is written as it is.
* **Numbers are written so they round-trip exactly**: the shortest text that reads back as
  the same double (``repr``), unquoted, so ``-0.5`` stays a number and ``1e12 + 1`` does not
  become ``1e+12``. Undefined values (``None``) are empty fields; ``nan`` and ``inf`` are
  written as such (``float`` reads them back).

Examples
--------
>>> text = table_csv(["state", "power_H"], [["=HYPERLINK(\\"x\\")", 0.1], ["-1", -0.5]])
>>> print(text, end="")
state,power_H
"'=HYPERLINK(""x"")",0.1
"-1",-0.5
>>> [[text_from_cell(cell) for cell in row] for row in read_table(text)]
[['state', 'power_H'], ['=HYPERLINK("x")', '0.1'], ['-1', '-0.5']]
"""

from __future__ import annotations

import csv
import io
import numbers
import re
from collections.abc import Iterable, Sequence
from typing import Any

#: First characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

#: The mark put before text that could be read as a formula (and before text starting with it).
ESCAPE = "'"

_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")


def cell_from_text(text: str) -> str:
    """``text`` as a CSV cell: a leading :data:`ESCAPE` added where a spreadsheet could run it.

    Examples
    --------
    >>> cell_from_text('=1+1'), cell_from_text("'quoted"), cell_from_text('-1'), cell_from_text('(0, 1)')
    ("'=1+1", "''quoted", '-1', '(0, 1)')
    """
    if text.startswith(ESCAPE) or (text[:1] in FORMULA_TRIGGERS and not _PLAIN_NUMBER.match(text)):
        return ESCAPE + text
    return text


def text_from_cell(cell: str) -> str:
    """The text a cell written by :func:`cell_from_text` holds (one leading :data:`ESCAPE` removed)."""
    return cell[len(ESCAPE) :] if cell.startswith(ESCAPE) else cell


def _field(value: Any) -> Any:
    """A value as the csv writer should see it: numbers as Python numbers, text escaped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return value  # written True / False, unquoted
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)  # written as repr of a Python float: the shortest text that reads back exactly
    return cell_from_text(str(value))


def table_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV text of a header and rows, written by the rules of the module notes."""
    buffer = io.StringIO()
    # The header holds our own column names: quoted only where needed, so `head -1` stays plain.
    csv.writer(buffer, lineterminator="\n").writerow([cell_from_text(str(name)) for name in header])
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    writer.writerows([_field(value) for value in row] for row in rows)
    return buffer.getvalue()


def read_table(text: str) -> list[list[str]]:
    """The rows of CSV text as written by :func:`table_csv`, cells as written (escapes kept).

    Raises
    ------
    csv.Error
        If the text is not CSV.
    """
    # A state label is one field; the text is already bounded, so let a field be as long as it.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    return list(csv.reader(io.StringIO(text, newline="")))


__all__ = ["ESCAPE", "FORMULA_TRIGGERS", "cell_from_text", "read_table", "table_csv", "text_from_cell"]
