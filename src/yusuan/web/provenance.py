"""Where a figure was printed, so a reader can check it: a stored cell shown in its table as published (the
header, every row as printed, the cell marked), or a key figure's paragraph of the narrative quoted with the
figure marked; with the place in the original file (page, line, sheet cell) and a link to that file."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Select, bindparam, case, distinct, func, select
from sqlalchemy.orm import Session, undefer

from yusuan.model import Source
from yusuan.store.figures import KEYS, TO_YUAN
from yusuan.store.schema import CellValue, Document, Figure, Unit, Version
from yusuan.web.auth import Visitor
from yusuan.web.queries import may_see


def _where(source: dict | None, labels: Callable[[], dict]) -> str:
    """The place as `Source.describe` says it, a PDF page with the number printed on it where that differs
    (`labels`: the document's page labels, read only for a place on a page)."""
    if not source:
        return ""
    place = Source.model_validate(source)
    said = place.describe()
    printed = labels().get(str(place.page)) if place.page is not None else None
    if printed and printed != str(place.page):
        said += f"（页面上印的页码：{printed}）"
    return said


def _page_labels(session: Session, version_id: int) -> Callable[[], dict]:
    return lambda: session.scalar(select(Version.disclosure[("document", "page_labels")])
                                  .where(Version.id == version_id)) or {}


def _document(session: Session, who: Visitor, version_id: int) -> tuple[Version, Document, Unit] | None:
    version = session.get(Version, version_id, options=[undefer(Version.disclosure)])
    document = session.get(Document, version.document_id) if version else None
    if version is None or document is None or not may_see(session, who, document):
        return None
    return version, document, session.get(Unit, document.unit_id)  # type: ignore[return-value]


def _about(version: Any, document: Any, unit: Any) -> dict:
    return {"unit": {"id": unit.id, "name": unit.name}, "year": document.year, "kind": document.kind,
            "version": {"id": version.id, "number": version.number, "filename": version.filename,
                        "format": version.format},
            "original": f"/versions/{version.id}/download/original"}


def _printed(table: dict, cell: Any) -> tuple[dict, dict] | None:
    """The stored table, if it holds the cell, as printed (header rows of text, colspan and rowspan; body rows of
    text and whether it is the cell), and the cell's row as stored."""
    rows = table["rows"]
    if (table["number"] != cell.table_number or table["kind"] != cell.table_kind or cell.row >= len(rows)
            or cell.column_key not in rows[cell.row]["values"]):
        return None
    header: dict[int, list] = {}
    for h in sorted(table["header"], key=lambda h: (h["row"], h["col"])):
        header.setdefault(h["row"], []).append({"text": h["text"], "colspan": h.get("colspan", 1),
                                                "rowspan": h.get("rowspan", 1)})
    body = [[{"text": r["raw"].get(key, ""), "marked": n == cell.row and key == cell.column_key}
             for key in table["columns"]] for n, r in enumerate(rows)]
    return {"number": table["number"], "title": table["title"], "unit": table.get("unit"),
            "header": list(header.values()), "rows": body}, rows[cell.row]


def _table_of(session: Session, cell: Any) -> tuple[dict, dict] | None:
    """The cell's table as printed. Cells are stored table by table, so the tables before the cell's among its
    version's cells give its place in the read model: that table alone is read from the stored JSON (the whole
    model of a long document is hundreds of KB to parse). A table with no amounts has no cells and shifts the
    count: then every table is read."""
    run = session.connection()
    before, started = run.execute(TABLES_BEFORE, {"version": cell.version_id, "cell": cell.id,
                                                  "own": f"{cell.table_kind}/{cell.table_number or ''}"}).one()
    guess = run.execute(_nth_table(before - (started or 0)), {"version": cell.version_id}).scalar()
    if guess and (found := _printed(guess, cell)):
        return found
    tables = run.execute(_nth_table(None), {"version": cell.version_id}).scalar() or []
    return next((found for table in tables if (found := _printed(table, cell))), None)


# the statements are made once: SQLAlchemy took ten times SQLite's time making and keying them anew
CELL = (select(CellValue.id, CellValue.version_id, CellValue.table_number, CellValue.table_kind, CellValue.row,
               CellValue.code, CellValue.label, CellValue.column_key, CellValue.value, CellValue.money_unit,
               Version.number, Version.filename, Version.format, Document.year, Document.kind, Document.published,
               Document.unit_id, Unit.name)
        .join(Version, CellValue.version_id == Version.id).join(Document, Version.document_id == Document.id)
        .join(Unit, Document.unit_id == Unit.id).where(CellValue.id == bindparam("cell")))
_pair = CellValue.table_kind + "/" + func.coalesce(CellValue.table_number, "")
# the tables before a cell among its version's cells (its own table among them once it has begun)
TABLES_BEFORE = (select(func.count(distinct(_pair)), func.max(case((_pair == bindparam("own"), 1), else_=0)))
                 .where(CellValue.version_id == bindparam("version"), CellValue.id < bindparam("cell")))


@cache
def _nth_table(n: int | None) -> Select:
    """A version's nth table of its read model (None: all its tables)."""
    return select(Version.disclosure["tables"] if n is None else Version.disclosure[("tables", n)]).where(
        Version.id == bindparam("version"))


def cell_place(session: Session, who: Visitor, cell_id: int) -> dict | None:
    """A stored cell where it was printed; None when there is no such cell or the visitor may not see it."""
    found = session.connection().execute(CELL, {"cell": cell_id}).one_or_none()
    if found is None or not may_see(session, who, found):  # type: ignore[arg-type]
        return None
    cell = found
    about = _about(SimpleNamespace(id=cell.version_id, number=cell.number, filename=cell.filename, format=cell.format),
                   cell, SimpleNamespace(id=cell.unit_id, name=cell.name))
    printed = _table_of(session, cell)
    table, row = printed if printed else (None, {"raw": {}, "source": {}})
    return {**about, "cell_id": cell.id, "label": cell.label, "code": cell.code,
            "column": cell.column_key, "printed": row["raw"].get(cell.column_key), "value": cell.value,
            "money_unit": cell.money_unit, "yuan": cell.value * TO_YUAN.get(cell.money_unit, 1),
            "where": _where((row.get("source") or {}).get(cell.column_key), _page_labels(session, cell.version_id)),
            "table": table, "paragraph": None}


def figure_place(session: Session, who: Visitor, figure_id: int) -> dict | None:
    """A key figure where it was printed: its cell's place, else its paragraph quoted, else its source alone."""
    figure = session.get(Figure, figure_id)
    if figure is None:
        return None
    if figure.cell_id is not None:
        place = cell_place(session, who, figure.cell_id)
        if place is None:
            return None
    else:
        found = _document(session, who, figure.version_id)
        if found is None:
            return None
        version, document, unit = found
        disclosure = version.disclosure
        labels = disclosure["document"].get("page_labels", {})
        place = {**_about(version, document, unit), "cell_id": None, "table": None, "paragraph": None,
                 "where": _where(figure.source, lambda: labels)}
        paragraphs = disclosure["narrative"]["paragraphs"]
        if figure.paragraph is not None and figure.paragraph < len(paragraphs):
            place["paragraph"] = _marked(paragraphs[figure.paragraph]["text"], disclosure, figure)
    return {**place, "figure_id": figure.id, "key": figure.key, "name": KEYS.get(figure.key, figure.key),
            "label": figure.label, "figure_value": figure.value, "figure_unit": figure.unit}


def _marked(text: str, disclosure: dict, figure: Figure) -> dict:
    """The paragraph split around the claim's amount as printed (the first time it appears), to mark it."""
    printed = next((c["raw"].get("amount") for c in disclosure["narrative"]["claims"]
                    if c.get("paragraph") == figure.paragraph and c["subject"] == figure.label), None)
    if printed and printed in text:
        before, _, after = text.partition(printed)
        return {"before": before, "marked": printed, "after": after}
    return {"before": text, "marked": "", "after": ""}

