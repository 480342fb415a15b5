"""Putting a file into the store: read it, check it, keep it whole as a version of its unit's
document for that year, with its cells, facts and findings. Nothing is overwritten: the same
file is recognised by its hash, a changed file becomes the next version."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yusuan.check.findings import Report
from yusuan.check.rules import Settings
from yusuan.errors import YusuanError
from yusuan.model import Disclosure
from yusuan.store.schema import CellValue, Department, Document, Fact, FindingRow, Region, Unit, Version

TO_YUAN = {"万元": Decimal(10000), "元": Decimal(1)}
NO_REGION = "未注明地区"


@dataclass
class Stored:
    version: Version
    new: bool  # false: this very file was already stored


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _get_or_add(session: Session, model: type, **fields: object):
    found = session.scalars(select(model).filter_by(**fields)).first()
    if found is None:
        found = model(**fields)
        session.add(found)
        session.flush()
    return found


def store_file(session: Session, data: bytes, filename: str, *, region: str | None = None,
               department: str | None = None, account_id: int | None = None,
               settings: Settings | None = None, read: tuple[Disclosure, Report] | None = None) -> Stored:
    """Read, check and store one file, in the caller's transaction; `read` is the file already read
    and checked elsewhere (the web app reads uploads in a sandbox, outside any transaction)."""
    from yusuan.check.engine import check
    from yusuan.read import read_bytes

    existing = stored_version(session, data)
    if existing is not None:
        return Stored(existing, new=False)
    if read is None:
        disclosure = read_bytes(data, filename)
        read = disclosure, check(disclosure, settings)
    return store_read(session, data, filename, *read, region=region, department=department, account_id=account_id)


def stored_version(session: Session, data: bytes) -> Version | None:
    """The version this very file already is, if any."""
    return session.scalars(select(Version).where(Version.sha256 == digest(data))).first()


def store_read(session: Session, data: bytes, filename: str, disclosure: Disclosure, report: Report, *,
               region: str | None = None, department: str | None = None, account_id: int | None = None) -> Stored:
    """Store a file already read and checked (a new version of its document), in the caller's transaction."""
    from yusuan.read import sniff

    sha = digest(data)
    facts = disclosure.document
    if not facts.unit or not facts.year:
        raise YusuanError("读不出单位名称或年度，无法归档（请在上传时注明）", file=filename)
    known = session.scalars(select(Unit).where(Unit.name == facts.unit)).all()
    if region is None and department is None and len(known) == 1:
        unit = known[0]  # a unit already stored, named alike: the upload need not say where it is again
    else:
        region_row = _get_or_add(session, Region, name=region or NO_REGION)
        department_row = _get_or_add(session, Department, region_id=region_row.id, name=department or facts.unit)
        unit = _get_or_add(session, Unit, department_id=department_row.id, name=facts.unit)
    document = _get_or_add(session, Document, unit_id=unit.id, year=facts.year, kind=facts.kind)
    number = (session.scalar(select(func.max(Version.number)).where(Version.document_id == document.id)) or 0) + 1
    version = Version(document_id=document.id, number=number, sha256=sha, filename=filename[-300:],
                      format=sniff(data), size=len(data), original=data,
                      disclosure=as_stored(disclosure), money_unit=facts.money_unit or "万元",
                      errors=report.summary["errors"], warnings=report.summary["warnings"], uploaded_by=account_id)
    session.add(version)
    session.flush()
    session.add_all(cell_rows(version.id, disclosure))
    session.add_all(fact_rows(version.id, disclosure))
    findings = report.findings + _against_last_year(session, document, disclosure, len(report.findings))
    version.errors += sum(f.severity == "error" for f in findings[len(report.findings):])
    session.add_all(FindingRow(version_id=version.id, fid=f.id, rule=f.rule, severity=f.severity, message=f.message,
                               data=f.model_dump(mode="json")) for f in findings)
    return Stored(version, new=True)


def _against_last_year(session: Session, document: Document, disclosure: Disclosure, numbered: int) -> list:
    """When the store holds the unit's previous year, the narrative's comparisons are checked
    against what that year's document printed; the findings name both documents."""
    from yusuan.check.crossyear import check_against_previous

    previous = session.scalars(select(Document).where(Document.unit_id == document.unit_id,
                                                      Document.year == document.year - 1,
                                                      Document.kind == document.kind)).first()
    if previous is None:
        return []
    last = session.scalars(select(Version).where(Version.document_id == previous.id)
                           .order_by(Version.number.desc())).first()
    found = check_against_previous(disclosure, from_stored(last.disclosure), f"{previous.year}年第{last.number}版")  # type: ignore[union-attr]
    for n, finding in enumerate(found, start=numbered + 1):
        finding.id = f"F{n}"
        finding.locations[-1].where = f"/versions/{last.id}：{finding.locations[-1].where}"  # type: ignore[union-attr]
    return found


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


def fact_rows(version_id: int, d: Disclosure) -> list[Fact]:
    """The fact table behind the document, as `yusuan extract` recovers it (corrected where the
    tables contradict each other)."""
    from yusuan.build.extract import corrected, extract

    try:
        budget, _ = extract(corrected(d)[0])
    except (ValueError, ArithmeticError):  # a document too far from the standard tables
        return []
    scale = TO_YUAN[budget.money_unit]
    return [Fact(version_id=version_id, source=line.source, functional=line.functional, economic=line.economic,
                 kind=line.kind, project=line.project, yuan=line.amount * scale) for line in budget.lines]
