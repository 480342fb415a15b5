"""Excel (.xlsx): each worksheet → its title lines and its table(s), merged ranges printed once.

Numbers are shown as Excel shows them: the stored value (never a binary float: `Decimal(repr)`)
with the decimals of the cell's number format (`0.00`, `#,##0.00` → 2 places, half up), thousands
separators left out. A formula whose result the file does not hold (never recalculated) is kept
as its formula text, so the checks flag it rather than read a blank; `Layout.unread` says so.

Sources: `sheet` (the worksheet's name), `line` (the sheet row) and `col` (the sheet column)."""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from yusuan.errors import YusuanError
from yusuan.model import Source, Unread
from yusuan.read.limits import MAX_SHEET_XML, CellCount
from yusuan.read.tabular import rows_from_sheet
from yusuan.recognise.layout import Grid, Layout, Line

_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')
_SIGNIFICANT = 15  # what Excel keeps of a number


def _places(fmt: str | None) -> tuple[bool, int, int] | None:
    """(percent, fewest, most decimals) a number format shows; None for General or text."""
    if not fmt or fmt.strip().lower() in ("general", "@"):
        return None
    section = _QUOTED.sub("", fmt).split(";")[0]
    if "E+" in section.upper() or "E-" in section.upper() or not re.search(r"[0#?]", section):
        return None
    percent = "%" in section
    decimals = section.split(".", 1)[1] if "." in section else ""
    digits = re.match(r"[0#?]*", decimals)[0]
    return percent, digits.count("0"), len(digits)


def number_text(value: int | float | Decimal, fmt: str | None) -> str:
    """A number as the cell shows it, via its decimal text: never through a float's binary value."""
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        number = Decimal(repr(value))
    else:
        number = Decimal(value)
    places = _places(fmt)
    if places is None:
        return _general(number)
    percent, fewest, most = places
    if percent:
        number *= 100
    text = format(number.quantize(Decimal(1).scaleb(-most), rounding=ROUND_HALF_UP), "f")
    if most > fewest and "." in text:
        whole, frac = text.split(".")
        frac = frac.rstrip("0").ljust(fewest, "0")
        text = f"{whole}.{frac}" if frac else whole
    if Decimal(text) == 0:
        text = text.lstrip("-")
    return text + ("%" if percent else "")


def _general(number: Decimal) -> str:
    if number == 0:
        return "0"
    try:
        step = Decimal(1).scaleb(number.adjusted() - _SIGNIFICANT + 1)
        if number.as_tuple().exponent < step.as_tuple().exponent:  # type: ignore[operator]
            number = number.quantize(step, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        pass
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def value_text(value: Any, fmt: str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float | Decimal):
        return number_text(value, fmt)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def read_xlsx(data: bytes, file: str, archive: zipfile.ZipFile | None = None) -> Layout:
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise YusuanError("读取 Excel 需要 openpyxl：pip install openpyxl", file=file) from exc
    formulas = archive is None or any(
        n.startswith("xl/worksheets/") and (b"<f>" in (b := archive.read(n)) or b"<f " in b)
        for n in archive.namelist())
    if archive is not None:
        sheets = sum(i.file_size for i in archive.infolist() if i.filename.startswith("xl/worksheets/"))
        if sheets > MAX_SHEET_XML:
            raise YusuanError(f"工作表解压后共 {sheets >> 20} MB，远大于任何公开文件，拒绝读取", file=file)
    layout = Layout(file=file, format="xlsx")
    count = CellCount(file)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=False, data_only=True)
            raw = openpyxl.load_workbook(io.BytesIO(data), read_only=False, data_only=False) if formulas else None
        for sheet in book.worksheets:
            _sheet(layout, sheet, raw[sheet.title] if raw is not None and sheet.title in raw else None, count)
    except YusuanError:
        raise
    except Exception as exc:  # openpyxl, lxml and defusedxml raise many kinds on a damaged file
        from yusuan.read.docx import _why

        raise YusuanError(f"Excel 文件已损坏或不是有效的 .xlsx（{_why(exc)}）", file=file) from exc
    return layout


def _sheet(layout: Layout, sheet: Any, raw: Any, count: CellCount) -> None:
    name = sheet.title
    store = getattr(sheet, "_cells", None)
    found = store.values() if store is not None else (c for row in sheet.iter_rows() for c in row)
    cells: dict[tuple[int, int], str] = {}
    for cell in found:
        if not hasattr(cell, "column"):
            continue
        value = cell.value
        if value is None and raw is not None:
            formula = raw.cell(row=cell.row, column=cell.column).value
            if isinstance(formula, str) and formula.startswith("="):
                value = formula
                layout.unread.append(Unread(what="cell", source=Source(sheet=name, line=cell.row, col=cell.column),
                                            reason=f"公式没有保存计算结果（文件未经重新计算），按原样保留 {formula}"))
        text = value_text(value, cell.number_format)
        if text.strip():
            cells[(cell.row - 1, cell.column - 1)] = text
    if not cells:
        return
    count.add_sheet(cells, name)
    merges = [(m.min_row - 1, m.max_row - 1, m.min_col - 1, m.max_col - 1) for m in sheet.merged_cells.ranges]
    rows = rows_from_sheet(cells, merges, lambda r, c: Source(sheet=name, line=r + 1, col=c + 1))
    layout.items.append(Line(text=name, source=Source(sheet=name)))
    layout.items += Grid.placed_rows(rows)
