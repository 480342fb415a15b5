"""Keeping a document: a file as uploaded, whole, as a version of its unit's document for its year,
with the rows it was read into (cells, facts, key figures, findings). What is kept comes in as plain values from
the intake (yusuan.intake), which read and checked it; the store stands on the model alone. Nothing
is overwritten: the same file is recognised by its hash, a changed file becomes the next version."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yusuan.model import Disclosure
from yusuan.store.figures import figure_rows
from yusuan.store.schema import CellValue, Department, Document, Fact, FindingRow, Narrative, Region, Unit, Version

NO_REGION = "未注明地区"


@dataclass
class Stored:
    version: Version
    new: bool  # false: this very file was already stored


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def get_or_add(session: Session, model: type, **fields: object):
    """The row of `model` with these fields, added when there is none."""
    found = session.scalars(select(model).filter_by(**fields)).first()
    if found is None:
        found = model(**fields)
        session.add(found)
        session.flush()
    return found


def stored_version(session: Session, data: bytes) -> Version | None:
    """The version this very file already is, if any."""
    return session.scalars(select(Version).where(Version.sha256 == digest(data))).first()


def document_for(session: Session, unit: str, year: int, kind: str, *, region: str | None = None,
                 department: str | None = None) -> Document:
    """The unit's document of that year and kind, made (with its unit) when it is the first."""
    known = session.scalars(select(Unit).where(Unit.name == unit)).all()
    if region is None and department is None and len(known) == 1:
        found = known[0]  # a unit already stored, named alike: the upload need not say where it is again
    else:
        region_row = get_or_add(session, Region, name=region or NO_REGION)
        department_row = get_or_add(session, Department, region_id=region_row.id, name=department or unit)
        found = get_or_add(session, Unit, department_id=department_row.id, name=unit)
    return get_or_add(session, Document, unit_id=found.id, year=year, kind=kind)


def newest(session: Session, document_id: int) -> Version | None:
    return session.scalars(select(Version).where(Version.document_id == document_id)
                           .order_by(Version.number.desc())).first()


def last_year(session: Session, document: Document) -> Version | None:
    """The newest version of the unit's document of the same kind a year before, if the store has it."""
    previous = session.scalars(select(Document).where(Document.unit_id == document.unit_id,
                                                      Document.year == document.year - 1,
                                                      Document.kind == document.kind)).first()
    return newest(session, previous.id) if previous else None


def add_version(session: Session, document: Document, data: bytes, filename: str, *, format: str,
                disclosure: Disclosure, findings: list[dict], facts: list[dict], report: dict,
                account_id: int | None = None) -> Version:
    """The file as the document's next version, in the caller's transaction. `findings` are as
    `check --format json` gives them, `facts` the fact table's lines in 元 (source, functional,
    economic, kind, project, yuan), `report` the rest of the check's report."""
    number = (session.scalar(select(func.max(Version.number)).where(Version.document_id == document.id)) or 0) + 1
    version = Version(document_id=document.id, number=number, sha256=digest(data), filename=filename[-300:],
                      format=format, size=len(data), original=data, disclosure=as_stored(disclosure),
                      money_unit=disclosure.document.money_unit or "万元", report=report,
                      errors=sum(f["severity"] == "error" for f in findings),
                      warnings=sum(f["severity"] == "warning" for f in findings), uploaded_by=account_id)
    session.add(version)
    session.flush()
    session.add(Narrative(version_id=version.id, paragraphs=version.disclosure["narrative"]["paragraphs"]))
    cells = cell_rows(version.id, disclosure)
    session.add_all(cells)
    session.add_all(Fact(version_id=version.id, **fact) for fact in facts)
    session.add_all(FindingRow(version_id=version.id, fid=f["id"], rule=f["rule"], severity=f["severity"],
                               message=f["message"], data=f) for f in findings)
    session.flush()  # the cells' ids: a key figure names the cell it was printed in
    session.add_all(figure_rows(version.id, disclosure, cells))
    return version


def as_stored(d: Disclosure) -> dict:
    """The model as `yusuan parse` prints it, with each table's columns whole (the printed JSON
    lists their keys only), so it can be read back into the model."""
    data = d.model_dump(mode="json")
    for table, stored in zip(d.tables, data["tables"], strict=True):
        stored["column_details"] = [c.model_dump(mode="json") for c in table.columns]
    return data


def from_stored(data: dict) -> Disclosure:
    data = {**data, "tables": [{**t, "columns": t["column_details"]} for t in data["tables"]]}
    for table in data["tables"]:
        table.pop("column_labels", None)
        table.pop("column_details", None)
    return Disclosure.model_validate(data)


def cell_rows(version_id: int, d: Disclosure) -> list[CellValue]:
    out = []
    for table in d.tables:
        unit = table.unit or d.document.money_unit or "万元"
        for i, row in enumerate(table.rows):
            for key, value in row.values.items():
                if value is not None:
                    out.append(CellValue(version_id=version_id, table_number=table.number, table_kind=table.kind,
                                         row=i, code=row.code, label=(row.label or row.name)[:300], column_key=key,
                                         value=value, money_unit=unit))
    return out
