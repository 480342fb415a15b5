"""Excel 97–2003 (.xls) with xlrd: the same layout as .xlsx (see read/xlsx.py)."""

from __future__ import annotations

import contextlib
import io
from typing import Any

from yusuan.errors import YusuanError
from yusuan.model import Source
from yusuan.read.limits import CellCount
from yusuan.read.office import ENCRYPTED
from yusuan.read.tabular import rows_from_sheet
from yusuan.read.xlsx import number_text
from yusuan.recognise.layout import Grid, Layout, Line


def read_xls(data: bytes, file: str) -> Layout:
    try:
        import xlrd
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise YusuanError("读取 .xls 需要 xlrd：pip install xlrd", file=file) from exc
    layout = Layout(file=file, format="xls")
    count = CellCount(file)
    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, logfile=io.StringIO())
        for sheet in book.sheets():
            _sheet(layout, book, sheet, xlrd, count)
    except YusuanError:
        raise
    except Exception as exc:  # xlrd raises many kinds on a damaged file
        if "encrypted" in str(exc).lower():
            raise YusuanError(ENCRYPTED, file=file) from exc
        from yusuan.read.docx import _why

        raise YusuanError(f"Excel 文件已损坏或不是有效的 .xls（{_why(exc)}）", file=file) from exc
    return layout


def _text(book: Any, sheet: Any, r: int, c: int, xlrd: Any) -> str:
    cell = sheet.cell(r, c)
    kind = cell.ctype
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return ""
    if kind == xlrd.XL_CELL_NUMBER:
        fmt = None
        with contextlib.suppress(IndexError, KeyError, TypeError, AttributeError):
            fmt = book.format_map[book.xf_list[cell.xf_index].format_key].format_str
        return number_text(cell.value, fmt)
    if kind == xlrd.XL_CELL_DATE:
        try:
            moment = xlrd.xldate_as_datetime(cell.value, book.datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return number_text(cell.value, None)
        return moment.date().isoformat() if moment.time().isoformat() == "00:00:00" else moment.isoformat(sep=" ")
    if kind == xlrd.XL_CELL_BOOLEAN:
        return "TRUE" if cell.value else "FALSE"
    if kind == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(cell.value, "#ERR")
    return str(cell.value)


def _sheet(layout: Layout, book: Any, sheet: Any, xlrd: Any, count: CellCount) -> None:
    name = sheet.name
    cells: dict[tuple[int, int], str] = {}
    for r in range(sheet.nrows):
        for c in range(sheet.row_len(r)):
            text = _text(book, sheet, r, c, xlrd)
            if text.strip():
                cells[(r, c)] = text
    if not cells:
        return
    count.add_sheet(cells, name)
    merges = [(r0, r1 - 1, c0, c1 - 1) for r0, r1, c0, c1 in sheet.merged_cells]
    rows = rows_from_sheet(cells, merges, lambda r, c: Source(sheet=name, line=r + 1, col=c + 1))
    layout.items.append(Line(text=name, source=Source(sheet=name)))
    layout.items += Grid.placed_rows(rows)
