"""A version's downloads: the original file, Excel, CSV, JSON, the check report, and a Fiscal
Data Package (datapackage.json + CSV of the fact table, with its funding-source dimension). The
pages and the API serve the same files from here."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from yusuan.files import safe_name
from yusuan.spreadsheet import CsvWriter
from yusuan.store.documents import from_stored
from yusuan.store.schema import CellValue, Fact, FindingRow, Version

if TYPE_CHECKING:
    from yusuan.check.findings import Report
    from yusuan.check.rules import Settings
    from yusuan.model import Disclosure

# "zip" and "ole": what versions stored before the reader's own format was kept say of Office files
MEDIA = {"pdf": "application/pdf", "text": "text/plain; charset=utf-8", "html": "text/html; charset=utf-8",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xls": "application/vnd.ms-excel",
         "zip": "application/zip", "ole": "application/octet-stream"}
What = Literal["original", "xlsx", "csv", "json", "report", "datapackage"]
KINDS: dict[str, tuple[str, str]] = {  # what → media type, file name after the version's stem
    "xlsx": (MEDIA["xlsx"], ".xlsx"), "csv": ("text/csv; charset=utf-8", "-表格数据.csv"),
    "json": ("application/json", ".json"), "report": ("text/html; charset=utf-8", "-核查报告.html"),
    "datapackage": ("application/zip", "-Fiscal Data Package.zip")}
# the check report as a page of its own: the document's text in it may run no script, load nothing; framed
# by the version's page only
REPORT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
FRAMED_REPORT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"


def content_disposition(name: str) -> str:
    """An attachment named in ASCII for old clients (RFC 6266) and in UTF-8 for the rest (RFC 5987),
    both escaped: no quote, CR or LF of a name reaches the header."""
    name = safe_name(name, "download")
    ascii_name = "".join(c if " " <= c <= "~" and c not in '"\\' else "_" for c in name)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def download(session: Session, version: Version, what: str, settings: Settings) -> tuple[bytes, str, str]:
    """The file (`what`: "original" or one of KINDS), its media type and its name (unit-year-version)."""
    if what == "original":
        return version.original, MEDIA.get(version.format, "application/octet-stream"), version.filename
    media, suffix = KINDS[what]
    makers: dict[str, Callable[[], bytes]] = {
        "xlsx": lambda: xlsx(version), "csv": lambda: cells_csv(session, version),
        "json": lambda: json.dumps(version.disclosure, ensure_ascii=False, indent=1).encode("utf-8"),
        "report": lambda: report_html(session, version, settings), "datapackage": lambda: datapackage(session, version)}
    return makers[what](), media, stem(version) + suffix


def stem(version: Version) -> str:
    """What a download is called: the unit, the year and the version, as a person would name the file."""
    document = version.document
    return (f"{document.unit.name}{document.year}年{'决算' if document.kind == 'final' else '预算'}公开"
            f"（第{version.number}版）")


CSV_COLUMNS = ("表", "表名", "行", "科目编码", "行名称", "栏目", "金额", "金额单位", "表类型", "栏目代码")


def cells_csv(session: Session, version: Version) -> bytes:
    """Every printed amount, one a line, headed in Chinese (the stable keys of table kind and column last, for
    programs). A row of 表1 holds an income item and an expense item side by side: each amount is named by its
    own side's item, never by the row's first label."""
    from yusuan.check.findings import kind_name
    from yusuan.report.words import column_name

    tables = {t.get("number"): t for t in (version.disclosure or {}).get("tables", [])}
    out = io.StringIO()
    writer = CsvWriter(out)
    writer.writerow(CSV_COLUMNS)
    for c in session.scalars(select(CellValue).where(CellValue.version_id == version.id).order_by(CellValue.id)):
        table = tables.get(c.table_number) or {}
        labels = table.get("column_labels") or {}
        income = c.column_key.startswith("income_")  # a summary table's row code is its expense side's
        writer.writerow([c.table_number, table.get("title") or kind_name(c.table_kind), c.row + 1,
                         None if income else c.code, _row_label(table, c),
                         labels.get(c.column_key) or column_name(c.column_key), c.value, c.money_unit, c.table_kind,
                         c.column_key])
    return out.getvalue().encode("utf-8-sig")  # Excel opens a UTF-8 CSV right with its BOM


def _row_label(table: dict, cell: CellValue) -> str:
    """The label of the side of the row the cell is on: in the summary tables (表1, 表4) an expense amount's
    is the expense item beside it, an income amount's the income item."""
    rows = table.get("rows") or []
    raw = rows[cell.row].get("raw", {}) if 0 <= cell.row < len(rows) else {}
    if cell.column_key.startswith("income_"):
        return raw.get("income_item") or cell.label
    if "expense_item" in raw or "income_item" in raw:  # the expense side of a summary table
        return raw.get("expense_item") or raw.get("econ_item") or raw.get("gov_econ_item") or ""
    return cell.label


def report_of(session: Session, version: Version, settings: Settings) -> tuple[Report, Disclosure]:
    """The version's check report as made when its file came in: the findings as stored (last year's
    comparisons among them), the rest as kept beside them. A version stored before the report was kept
    (migration 0002) is checked again, with the settings in force."""
    from yusuan.check.findings import Finding, Report

    disclosure = from_stored(version.disclosure)
    if version.report is None:
        from yusuan.check.engine import check

        return check(disclosure, settings), disclosure
    rows = session.scalars(select(FindingRow.data).where(FindingRow.version_id == version.id).order_by(FindingRow.id))
    findings = [Finding.model_validate(data) for data in rows]
    counts = {level: sum(f.severity == level for f in findings) for level in ("error", "warning", "info")}
    summary = {**version.report["summary"], "errors": counts["error"], "warnings": counts["warning"],
               "info": counts["info"]}
    return Report.model_validate({**version.report, "summary": summary, "findings": findings}), disclosure


def report_html(session: Session, version: Version, settings: Settings) -> bytes:
    from yusuan.report.html import render_html

    return render_html(*report_of(session, version, settings)).encode("utf-8")


def xlsx(version: Version) -> bytes:
    from yusuan.render.xlsx import render_xlsx

    return render_xlsx(from_stored(version.disclosure))


def datapackage(session: Session, version: Version) -> bytes:
    facts = session.scalars(select(Fact).where(Fact.version_id == version.id).order_by(Fact.id)).all()
    doc = version.document
    rows = io.StringIO()
    writer = CsvWriter(rows)
    writer.writerow(["unit", "year", "phase", "source", "functional", "functional_class", "economic", "kind",
                     "project", "amount"])
    for f in facts:
        writer.writerow([doc.unit.name, doc.year, doc.kind, f.source, f.functional, f.functional[:3], f.economic,
                         f.kind, f.project or "", f.yuan])
    descriptor = {
        "name": f"yusuan-{doc.unit_id}-{doc.year}-{doc.kind}",
        "title": f"{doc.unit.name}{doc.year}年{'决算' if doc.kind == 'final' else '预算'}",
        "profile": "fiscal-data-package",
        "resources": [{
            "name": "budget", "path": "budget.csv", "format": "csv", "encoding": "utf-8",
            "schema": {"fields": [
                {"name": "unit", "type": "string"}, {"name": "year", "type": "integer"},
                {"name": "phase", "type": "string", "constraints": {"enum": ["budget", "final"]}},
                {"name": "source", "type": "string", "description": "funding source"},
                {"name": "functional", "type": "string"}, {"name": "functional_class", "type": "string"},
                {"name": "economic", "type": "string"}, {"name": "kind", "type": "string"},
                {"name": "project", "type": "string"},
                {"name": "amount", "type": "number", "decimalChar": ".", "description": "元"}]},
        }],
        "model": {
            "measures": {"amount": {"source": "amount", "currency": "CNY"}},
            "dimensions": {
                "date": {"dimensionType": "datetime", "attributes": {"year": {"source": "year"}}, "primaryKey": "year"},
                "source": {"dimensionType": "classification", "attributes": {"source": {"source": "source"}},
                           "primaryKey": "source"},
                "functional": {"dimensionType": "classification", "classificationType": "functional",
                               "attributes": {"code": {"source": "functional"}, "class": {"source": "functional_class"}},
                               "primaryKey": "code"},
                "economic": {"dimensionType": "classification", "classificationType": "economic",
                             "attributes": {"code": {"source": "economic"}}, "primaryKey": "code"},
                "kind": {"dimensionType": "classification", "attributes": {"kind": {"source": "kind"}},
                         "primaryKey": "kind"},
                "project": {"dimensionType": "activity", "attributes": {"name": {"source": "project"}},
                            "primaryKey": "name"},
            },
        },
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("datapackage.json", json.dumps(descriptor, ensure_ascii=False, indent=1))
        z.writestr("budget.csv", rows.getvalue())
    return out.getvalue()
