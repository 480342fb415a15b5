"""A view's data as one sheet: the rows a chart draws are the rows its table shows, the API answers and the
CSV and Excel downloads hold. Money is in 元 (Decimal, exact), shares and rates in percent."""

from __future__ import annotations

import html
import io
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from markupsafe import Markup

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

    def to_html(self, download: str | None = None, pick: str | None = None) -> Markup:
        """The sheet as a page's table: a figure with a link (dotted underline) opens where it was printed, a mark
        (an outlier) is said beside its figure, a row's `href` is its page, a row's quoted `explanation` follows it; `download`
        is the address of its files without the format, `pick` the key of a checkbox per row (to compare).
        Written here rather than in a template: a side-by-side page has a thousand cells, and a Jinja macro
        took 15 µs a cell, most of the page's time."""
        columns = [c for c in self.columns if c.shown]
        width = len(columns) + bool(pick)
        out = [f'<table class="list sheet" id="table-{_escape(self.name)}"><caption>{_escape(self.title)}']
        if download:
            out.append(f'<span class="downloads">下载：<a href="{_escape(download)}&amp;format=csv">CSV</a> '
                       f'<a href="{_escape(download)}&amp;format=xlsx">Excel</a></span>')
        out.append("</caption><thead>")
        if any(c.group for c in columns):
            spans: list[list] = []
            for c in columns:
                if spans and spans[-1][0] == c.group:
                    spans[-1][1] += 1
                else:
                    spans.append([c.group, 1])
            out.append("<tr>" + ("<th></th>" if pick else "") + "".join(
                (f'<th colspan="{n}" class="group">{_escape(group)}</th>' if group else f'<th colspan="{n}"></th>')
                for group, n in spans) + "</tr>")
        out.append("<tr>" + ("<th>对比</th>" if pick else "") + "".join(
            (f"<th>{_escape(c.label)}</th>" if c.kind == "text" else f'<th class="num">{_escape(c.label)}</th>')
            for c in columns) + "</tr></thead><tbody>")
        for row in self.rows:
            links, marks, href = row.get("links") or {}, row.get("marks") or {}, row.get("href")
            heads = row.get("unit") == "人"  # a head count in a sheet of money
            out.append("<tr>")
            if pick:
                ticked = row.get(pick)
                out.append(f'<td><input type="checkbox" name="unit" value="{_escape(ticked)}" aria-label="选择'
                           f'{_escape(row.get("name", ""))}"></td>' if ticked else "<td></td>")
            for c in columns:
                value = row.get(c.key)
                kind = "count" if heads and c.kind == "money" else c.kind
                if value is None:
                    text = ""
                elif kind == "money" or kind == "percent":  # digits, separators and a sign: nothing to escape
                    text = f"{value:,.2f}" if isinstance(value, Decimal) else shown(value, kind)
                else:
                    text = _escape(shown(value, kind))
                if href and c.key == "name":
                    text = f'<a href="{_escape(href)}">{text}</a>'
                elif value is not None and (link := links.get(c.key)):
                    text = f'<a class="source" href="{_escape(link)}">{text}</a>'
                if mark := marks.get(c.key):
                    out.append(f'<td class="{"" if c.kind == "text" else "num "}outlier">{text} '
                               f'<span class="mark">{_escape(mark)}</span></td>')
                else:
                    out.append(f"<td>{text}</td>" if c.kind == "text" else f'<td class="num">{text}</td>')
            out.append("</tr>")
            if said := row.get("explanation"):
                out.append(f'<tr class="explanation"><td colspan="{width}"><blockquote>{_escape(said["text"])}'
                           f'<cite>决算说明，{_escape(said["where"])}</cite></blockquote></td></tr>')
        if not self.rows:
            out.append(f'<tr><td colspan="{width}">没有数据。</td></tr>')
        out.append("</tbody></table>")
        return Markup("".join(out))

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


def _escape(value: Any) -> str:
    """Text for HTML, quotes too (the standard library's: a third of markupsafe's time, a page has thousands)."""
    return html.escape(str(value))


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    return value


def shown(value: Any, kind: str = "money") -> str:
    """A figure for a page: money with thousands separators and two places, percent with two, else as it is."""
    if value is None or value == "":
        return ""
    if kind in ("money", "percent"):
        return f"{Decimal(value):,.2f}"
    if kind == "count" and isinstance(value, (Decimal, str)) and Decimal(value) == Decimal(value).to_integral():
        return str(int(Decimal(value)))  # a head count kept as money is 35.00
    return str(value)


def cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, ROUND_HALF_UP)


def percent(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    """part ÷ whole in percent, to two places; None when there is no whole to divide by."""
    if part is None or not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(CENT, ROUND_HALF_UP)
