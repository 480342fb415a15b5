"""A view's data as one sheet: the rows a chart draws are the rows its table shows, the API answers and the
CSV and Excel downloads hold. Money is in 元 (Decimal, exact), shares and rates in percent."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from yusuan.spreadsheet import CsvWriter, put

Kind = Literal["text", "money", "percent", "count"]
CENT = Decimal("0.01")
FORMATS = {"money": "#,##0.00", "percent": "0.00", "count": "0"}


@dataclass(frozen=True)
class Column:
    key: str  # stable, English: the CSV header and the JSON key
    label: str  # Chinese, with its unit: the page's and the workbook's header
    kind: Kind = "text"
    group: str = ""  # what the column is one of (a unit of the side-by-side view): a header over its group on a page
    shown: bool = True  # false: in the data only (an id a program needs, not a reader)

    @property
    def title(self) -> str:
        return f"{self.group} {self.label}".strip()


@dataclass
class Sheet:
    """A titled table of rows (dicts by column key). A row may carry more than its columns: `links` (column key →
    where the figure was printed, a page of this site) and `marks` (column key → a note, such as an outlier)."""

    name: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict:
        """Amounts as decimal strings, as the rest of the API gives them."""
        return {"name": self.name, "title": self.title,
                "columns": [{"key": c.key, "label": c.label, "kind": c.kind, "group": c.group, "shown": c.shown}
                            for c in self.columns],
                "rows": [{k: _json(v) for k, v in row.items()} for row in self.rows]}

    def to_csv(self) -> bytes:
        out = io.StringIO()
        writer = CsvWriter(out)
        writer.writerow([c.key for c in self.columns])
        for row in self.rows:
            writer.writerow(["" if row.get(c.key) is None else row[c.key] for c in self.columns])
        return out.getvalue().encode("utf-8-sig")  # Excel opens a UTF-8 CSV right with its BOM

    def to_xlsx(self) -> bytes:
        from openpyxl import Workbook
        from openpyxl.styles import Font

        book = Workbook()
        ws = book.active
        ws.title = self.name[:31]
        put(ws, 1, 1, self.title).font = Font(size=14)
        for n, c in enumerate(self.columns, start=1):
            put(ws, 2, n, c.title).font = Font(bold=True)
            ws.column_dimensions[ws.cell(row=2, column=n).column_letter].width = 12 if c.kind != "text" else 24
        for r, row in enumerate(self.rows, start=3):
            for n, c in enumerate(self.columns, start=1):
                cell = put(ws, r, n, row.get(c.key))
                if c.kind in FORMATS:
                    cell.number_format = FORMATS[c.kind]
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    return value


def cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, ROUND_HALF_UP)


def percent(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    """part ÷ whole in percent, to two places; None when there is no whole to divide by."""
    if part is None or not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(CENT, ROUND_HALF_UP)
