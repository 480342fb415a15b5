"""One sheet per table: title, 编制单位 and 单位 lines, merged header cells, amounts as numbers
with two decimals, and a print setup that fits the width of the page."""

from __future__ import annotations

import io
from decimal import Decimal

from yusuan.model import Disclosure, Table
from yusuan.model.numbers import parse_amount
from yusuan.render.grid import body_rows, header_rows
from yusuan.spreadsheet import put

MONEY = "#,##0.00"


def _sheet(wb, table: Table, unit_name: str, year: int | None) -> None:
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title=(table.number or table.kind)[:31])
    width = len(table.columns)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    put(ws, 1, 1, table.number)
    # a workbook has no cover: each title says its year, as printed tables do (`2026年收支总体情况表`)
    title = f"{year}年{table.title}" if year and not str(table.title).startswith(str(year)) else table.title
    put(ws, 2, 1, title).font = Font(size=14)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws.cell(row=2, column=1).alignment = Alignment(horizontal="center")
    put(ws, 3, 1, f"编制单位：{unit_name}")
    put(ws, 3, width, f"单位：{table.unit or ''}").alignment = Alignment(horizontal="right")
    r = 4
    for cells in header_rows(table):
        c = 1
        for cell in cells:
            while any(ws.cell(row=r, column=c).coordinate in m for m in ws.merged_cells.ranges):
                c += 1
            target = put(ws, r, c, cell.text or None)
            target.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            if cell.colspan > 1 or cell.rowspan > 1:
                ws.merge_cells(start_row=r, start_column=c, end_row=r + cell.rowspan - 1,
                               end_column=c + cell.colspan - 1)
            for rr in range(r, r + cell.rowspan):
                for cc in range(c, c + cell.colspan):
                    ws.cell(row=rr, column=cc).border = box
            c += cell.colspan
        r += 1
    header_end = r - 1
    for cells in body_rows(table):
        for c, cell in enumerate(cells, start=1):
            amount = _amount(cell.text) if cell.amount else None
            # text, or a printed amount that is not a number (kept as printed)
            target = put(ws, r, c, amount if amount is not None else cell.text or None)
            if amount is not None:
                target.number_format = MONEY
            target.border = box
            if cell.total:
                target.font = Font(bold=True)
        r += 1
    if table.note:
        put(ws, r + 1, 1, table.note)
    for c, column in enumerate(table.columns, start=1):
        ws.column_dimensions[get_column_letter(c)].width = 14 if column.is_amount else (
            6 if column.key in ("class", "item", "sub") else 28)
    ws.print_title_rows = f"4:{header_end}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _amount(text: str) -> Decimal | None:
    try:
        return parse_amount(text)
    except ValueError:
        return None


def render_xlsx(d: Disclosure) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for table in d.tables:
        _sheet(wb, table, d.document.unit or "", d.document.year)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
