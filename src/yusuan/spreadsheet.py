"""Cells of every export a spreadsheet opens (CSV, Excel): text stays text. A project or unit name comes
from a stranger's document, and `=HYPERLINK(…)` in it must not run in a reviewer's Excel or WPS (CSV
injection: https://owasp.org/www-community/attacks/CSV_Injection)."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import IO, Any

# what makes Excel, WPS or LibreOffice read a CSV field as a formula (OWASP's list)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# a plain number such as -12.50 or 1E+2 is safe as it is, and stays a number in the sheet
_NUMBER = re.compile(r"[+-]?(?:[\d,]*\.?\d+|[\d,]*\d[\d,]*\.)(?:[eE][+-]?\d+)?%?")  # "+0." too: a spreadsheet reads 0


def csv_cell(value: Any) -> Any:
    """A value for a CSV field: text a spreadsheet would take for a formula gets a leading `'`, as OWASP
    advises; so does text already starting with `'`, so that dropping one `'` gives any text back."""
    if isinstance(value, str) and value.startswith((*FORMULA_START, "'")) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


class CsvWriter:
    """`csv.writer` with every field through `csv_cell`."""

    def __init__(self, file: IO[str]) -> None:
        self._writer = csv.writer(file)

    def writerow(self, values: Iterable[Any]) -> None:
        self._writer.writerow([csv_cell(v) for v in values])


def put(ws: Any, row: int, column: int, value: Any) -> Any:
    """A worksheet cell holding `value`: text as text, never a formula (openpyxl makes one of any text
    starting with `=`) nor an error (`#N/A`); numbers stay numbers."""
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_START):
            cell.quotePrefix = True  # as Excel marks text typed after a `'`: editing the cell keeps it text
    return cell
