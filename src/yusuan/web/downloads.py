"""A version's downloads: the original file, Excel, CSV, JSON, the check report, and a Fiscal
Data Package (datapackage.json + CSV of the fact table, with its funding-source dimension)."""

from __future__ import annotations

import io
import json
import zipfile
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from yusuan.files import safe_name
from yusuan.spreadsheet import CsvWriter
from yusuan.store.documents import from_stored
from yusuan.store.schema import CellValue, Fact, Version

MEDIA = {"pdf": "application/pdf", "text": "text/plain; charset=utf-8", "html": "text/html; charset=utf-8",
         "zip": "application/zip", "ole": "application/octet-stream"}


def content_disposition(name: str) -> str:
    """An attachment named in ASCII for old clients (RFC 6266) and in UTF-8 for the rest (RFC 5987),
    both escaped: no quote, CR or LF of a name reaches the header."""
    name = safe_name(name, "download")
    ascii_name = "".join(c if " " <= c <= "~" and c not in '"\\' else "_" for c in name)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def original(version: Version) -> tuple[bytes, str, str]:
    return version.original, MEDIA.get(version.format, "application/octet-stream"), version.filename


def cells_csv(session: Session, version: Version) -> bytes:
    out = io.StringIO()
    writer = CsvWriter(out)
    writer.writerow(["table", "kind", "row", "code", "label", "column", "value", "money_unit"])
    for c in session.scalars(select(CellValue).where(CellValue.version_id == version.id).order_by(CellValue.id)):
        writer.writerow([c.table_number, c.table_kind, c.row, c.code, c.label, c.column_key, c.value, c.money_unit])
    return out.getvalue().encode("utf-8-sig")  # Excel opens a UTF-8 CSV right with its BOM


def report_html(version: Version) -> bytes:
    from yusuan.check.engine import check
    from yusuan.report.html import render_html

    disclosure = from_stored(version.disclosure)
    return render_html(check(disclosure), disclosure).encode("utf-8")


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
