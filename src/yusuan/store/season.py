"""A region's review season as the store keeps it: lists of its units with their approval dates (each list
kept whole, a later entry in force over an earlier), when each document was made public or taken back, and
what blocks publication in the region. What comes in is plain values; what goes out is plain rows."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from yusuan.store.documents import get_or_add
from yusuan.store.schema import (
    Account,
    Department,
    Document,
    FindingRow,
    Publication,
    Region,
    Register,
    RegisterEntry,
    ReviewPolicy,
    Unit,
    Version,
)


@dataclass
class Listed:
    """One row of a list: a unit's year, when it was approved and what the bureau saw of its publication."""

    region: str
    department: str
    unit: str
    year: int
    kind: str = "budget"  # budget | final
    scope: str | None = None  # 部门 | 单位
    approved_on: date | None = None
    published_on: date | None = None
    url: str | None = None
    note: str | None = None
    line: int | None = None  # its row in the file


def unit_in(session: Session, region: str, department: str, name: str) -> Unit:
    """The unit of that name in the region (under whichever department it was stored), else made under
    the department the list names."""
    region_row = get_or_add(session, Region, name=region)
    known = session.scalars(select(Unit).join(Department).where(Department.region_id == region_row.id,
                                                                Unit.name == name)).all()
    if len(known) == 1:
        return known[0]
    department_row = get_or_add(session, Department, region_id=region_row.id, name=department)
    return get_or_add(session, Unit, department_id=department_row.id, name=name)


def add_register(session: Session, filename: str, data: bytes | None, rows: list[Listed],
                 account_id: int | None = None) -> Register:
    """A list as the next in force for the units it names, in the caller's transaction; `data` the file as
    uploaded (None for a list made from the store)."""
    register = Register(filename=filename[-300:], original=data, imported_by=account_id,
                        sha256=hashlib.sha256(data).hexdigest() if data is not None else None)
    session.add(register)
    session.flush()
    for row in rows:
        unit = unit_in(session, row.region, row.department, row.unit)
        session.add(RegisterEntry(register_id=register.id, unit_id=unit.id, year=row.year, kind=row.kind,
                                  scope=row.scope, approved_on=row.approved_on, published_on=row.published_on,
                                  url=row.url, note=row.note, line=row.line))
    session.flush()
    return register


def region(session: Session, region_id: int) -> Region | None:
    return session.get(Region, region_id)


def region_named(session: Session, name: str) -> Region | None:
    return session.scalars(select(Region).where(Region.name == name)).first()


def regions(session: Session) -> list[Region]:
    return list(session.scalars(select(Region).order_by(Region.name)))


def units_of(session: Session, region_id: int) -> list[tuple[Unit, Department]]:
    return [(u, d) for u, d in session.execute(select(Unit, Department).join(Department, Unit.department_id == Department.id)
                                               .where(Department.region_id == region_id).order_by(Department.name, Unit.name))]


def set_published(session: Session, document: Document, published: bool, account_id: int | None = None) -> None:
    """Make a document public or take it back, and keep when and by whom (a no-change is not kept)."""
    if document.published != published:
        session.add(Publication(document_id=document.id, published=published, by=account_id))
    document.published = published


def policy(session: Session, region_id: int) -> ReviewPolicy | None:
    """The region's policy in force: the newest it was given, if any."""
    return session.scalars(select(ReviewPolicy).where(ReviewPolicy.region_id == region_id)
                           .order_by(ReviewPolicy.id.desc())).first()


def set_policy(session: Session, region_id: int, rules: list[str], items: list[str],
               account_id: int | None = None) -> ReviewPolicy:
    made = ReviewPolicy(region_id=region_id, fatal_rules=rules, fatal_items=items, set_by=account_id)
    session.add(made)
    session.flush()
    return made


def seasons(session: Session, region_id: int) -> list[tuple[int, str]]:
    """The (year, kind) the region's lists and documents are of, newest first."""
    units = select(Unit.id).join(Department).where(Department.region_id == region_id)
    listed = session.execute(select(RegisterEntry.year, RegisterEntry.kind).where(RegisterEntry.unit_id.in_(units))).all()
    stored = session.execute(select(Document.year, Document.kind).where(Document.unit_id.in_(units))).all()
    return sorted({(y, k) for y, k in [*listed, *stored]}, key=lambda s: (-s[0], s[1]))


def season_rows(session: Session, region_id: int, year: int, kind: str, unit_id: int | None = None) -> list[dict]:
    """Each unit of the region (or the one asked for) listed for that year and kind, or with a document of
    it: its entry in force, its document, the versions (without their files), when it was made public or
    taken back, and the findings of its newest version with their review. A handful of queries, whatever
    the size."""
    units = {u.id: (u, d) for u, d in units_of(session, region_id) if unit_id is None or u.id == unit_id}
    entries: dict[int, RegisterEntry] = {}
    for entry in session.scalars(select(RegisterEntry).where(RegisterEntry.unit_id.in_(units), RegisterEntry.year == year,
                                                              RegisterEntry.kind == kind).order_by(RegisterEntry.register_id)):
        entries[entry.unit_id] = entry  # the newest list's, in force
    documents = {d.unit_id: d for d in session.scalars(select(Document).where(
        Document.unit_id.in_(units), Document.year == year, Document.kind == kind))}
    by_document = {d.id: d for d in documents.values()}
    versions: dict[int, list] = {d: [] for d in by_document}
    for v in session.execute(select(Version.id, Version.document_id, Version.number, Version.sha256, Version.filename,
                                    Version.format, Version.uploaded_at, Version.uploaded_by, Version.errors,
                                    Version.warnings).where(Version.document_id.in_(by_document))
                             .order_by(Version.number)):
        versions[v.document_id].append(v._asdict())
    events: dict[int, list] = {d: [] for d in by_document}
    for e in session.execute(select(Publication.document_id, Publication.published, Publication.at, Publication.by)
                             .where(Publication.document_id.in_(by_document)).order_by(Publication.id)):
        events[e.document_id].append(e._asdict())
    newest = {vs[-1]["id"]: d for d, vs in versions.items() if vs}
    findings: dict[int, list] = {v: [] for v in newest}
    for f in session.execute(select(FindingRow.version_id, FindingRow.id, FindingRow.fid, FindingRow.status,
                                    FindingRow.data).where(FindingRow.version_id.in_(newest)).order_by(FindingRow.id)):
        findings[f.version_id].append(f._asdict())
    accounts = {a.id: a.name for a in session.scalars(select(Account))}
    rows = []
    for unit_id in sorted(set(entries) | set(documents), key=lambda u: (units[u][1].name, units[u][0].name)):
        unit, department = units[unit_id]
        entry, document = entries.get(unit_id), documents.get(unit_id)
        listed = versions.get(document.id, []) if document else []
        for v in listed:
            v["uploaded_by"] = accounts.get(v["uploaded_by"])
        rows.append({
            "unit_id": unit.id, "unit": unit.name, "department": department.name,
            "entry": None if entry is None else {
                "id": entry.id, "register_id": entry.register_id, "scope": entry.scope, "approved_on": entry.approved_on,
                "published_on": entry.published_on, "url": entry.url, "note": entry.note},
            "document": None if document is None else {"id": document.id, "published": document.published},
            "versions": listed,
            "publications": [{**e, "by": accounts.get(e["by"])} for e in events.get(document.id, [])] if document else [],
            "findings": findings.get(listed[-1]["id"], []) if listed else [],
        })
    return rows


def disclosure_of(session: Session, version_id: int) -> dict:
    """A version's read model as stored (see documents.from_stored)."""
    return session.scalar(select(Version.disclosure).where(Version.id == version_id))  # type: ignore[return-value]


def report_of(session: Session, version_id: int) -> dict | None:
    """What the check said of a version besides its findings (its localisation), when it was kept."""
    return session.scalar(select(Version.report).where(Version.id == version_id))
