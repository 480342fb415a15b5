"""What the pages and the API read from the store."""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from fastapi import HTTPException
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, undefer

from yusuan.store.accounts import editor_units
from yusuan.store.db import commits
from yusuan.store.documents import Stored
from yusuan.store.schema import CellValue, Department, Document, Fact, FindingRow, Region, Unit, Version
from yusuan.web.auth import Visitor

SOURCE_NAMES = {"gpb": "一般公共预算", "gpb_transfer": "上级一般公共预算转移支付", "fund": "政府性基金",
                "fund_transfer": "上级政府性基金转移支付", "capital": "国有资本经营", "capital_transfer": "上级国有资本转移支付",
                "special_account": "财政专户", "unit_funds": "单位资金", "fiscal_carryover": "财政拨款结转",
                "nonfiscal_carryover": "非财政拨款结转结余"}


WHOLE = [undefer(Version.original), undefer(Version.disclosure)]  # the deferred columns, for who reads them after the session


def visible(session: Session, who: Visitor):
    """Documents the visitor may see: the published ones and their own units' drafts, or all for
    reviewers and admins."""
    query = select(Document)
    if who.can("read_unpublished"):
        return query
    if who.account is None:
        return query.where(Document.published.is_(True))
    return query.where(Document.published.is_(True) | Document.unit_id.in_(editor_units(session, who.account)))


def seen_where(session: Session, who: Visitor) -> tuple[str, dict]:
    """`visible` for a statement made once and run often (with bound parameters): which of `seen_by`'s
    conditions the visitor's documents meet, and its parameters."""
    if who.can("read_unpublished"):
        return "all", {}
    if who.account is None:
        return "published", {}
    return "editor", {"mine": sorted(editor_units(session, who.account))}


def seen_by(query, seen: str):
    """The query of documents narrowed to what `seen_where` said (`mine`: an editor's units, a bound parameter)."""
    if seen == "published":
        return query.where(Document.published.is_(True))
    if seen == "editor":
        return query.where(Document.published.is_(True) | Document.unit_id.in_(bindparam("mine", expanding=True)))
    return query


class NotYourUnit(Exception):
    """An editor uploaded a document of a unit they do not edit."""


def settle_upload(session: Session, who: Visitor, stored: Stored) -> bool:
    """After storing an upload (in the same transaction): an editor may upload only for their own
    units, and a document they bring for the first time is a draft. True if it is a draft."""
    document = stored.version.document
    if who.role != "editor":
        return False
    if document.unit_id not in editor_units(session, who.account):  # type: ignore[arg-type]
        raise NotYourUnit("这个单位不在你可以上传的单位之中")
    if stored.new and stored.version.number == 1:
        document.published = False
        return True
    return False


def _now() -> datetime:
    """The store keeps times in UTC without their zone, as SQLite's CURRENT_TIMESTAMP gives them."""
    return datetime.now(UTC).replace(tzinfo=None)


def review(session: Session, who: Visitor, finding_id: int, status: str, reason: str) -> FindingRow:
    """A reviewer's verdict on a finding (the pages' and the API's): confirmed, or dismissed with a reason."""
    if status not in ("confirmed", "dismissed"):
        raise HTTPException(400, "审核结果应为确认或驳回")
    if status == "dismissed" and not reason.strip():
        raise HTTPException(400, "驳回须写明理由")
    finding = session.get(FindingRow, finding_id)
    if finding is None:
        raise HTTPException(404, "没有这个发现")
    finding.status, finding.reason = status, reason.strip()[:1000] or None
    finding.reviewed_by, finding.reviewed_at = who.account.id, _now()  # type: ignore[union-attr]
    return finding


def may_publish(session: Session, who: Visitor, document: Document) -> bool:
    """Reviewers and admins, and the editors of the document's unit, publish it or take it back."""
    return who.can("review") or (who.account is not None and who.role == "editor"
                                 and document.unit_id in editor_units(session, who.account))


def may_see(session: Session, who: Visitor, document: Document) -> bool:
    return (document.published or who.can("read_unpublished")
            or (who.account is not None and document.unit_id in editor_units(session, who.account)))


def latest_of(session: Session, documents: list[Document]) -> dict[int, Version]:
    """Each document's newest version, in one query (the documents of one page of a list)."""
    if not documents:
        return {}
    rows = session.scalars(select(Version).where(Version.document_id.in_([d.id for d in documents]))
                           .order_by(Version.number))
    return {v.document_id: v for v in rows}  # the newest comes last and stays


def latest(session: Session, document: Document) -> Version:
    return session.scalars(select(Version).where(Version.document_id == document.id)
                           .order_by(Version.number.desc())).first()  # type: ignore[return-value]


@dataclass(frozen=True)
class Paging:
    """Which page of a list: numbered from 1."""

    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def pages(self, total: int) -> int:
        return max(1, -(-total // self.per_page))


def units(session: Session, who: Visitor, paging: Paging) -> tuple[int, list[dict]]:
    """One page of the units with documents the visitor may see, by region and name, and how many there are."""
    shown = Unit.id.in_(visible(session, who).with_only_columns(Document.unit_id))
    total = session.scalar(select(func.count(Unit.id)).where(shown)) or 0
    rows = session.execute(select(Unit, Department, Region).join(Department, Unit.department_id == Department.id)
                           .join(Region, Department.region_id == Region.id).where(shown)
                           .order_by(Region.name, Unit.name, Unit.id).offset(paging.offset).limit(paging.per_page)).all()
    return total, [{"id": unit.id, "name": unit.name, "department": department.name, "region": region.name}
                   for unit, department, region in rows]


def units_with_documents(session: Session, who: Visitor, paging: Paging) -> tuple[int, list[dict]]:
    """A page of units (as units()), each with the documents the visitor may see and their newest errors."""
    total, out = units(session, who, paging)
    documents = session.scalars(visible(session, who).where(Document.unit_id.in_([u["id"] for u in out]))
                                .order_by(Document.year.desc(), Document.kind, Document.id)).all()
    newest = latest_of(session, list(documents))
    by_unit: dict[int, list[dict]] = defaultdict(list)
    for d in documents:
        by_unit[d.unit_id].append({"id": d.id, "year": d.year, "kind": d.kind, "errors": newest[d.id].errors})
    return total, [{**u, "documents": by_unit[u["id"]]} for u in out]


def unit_years(session: Session, unit: Unit, who: Visitor) -> tuple[list[dict], dict]:
    """The unit's years side by side, and the series its charts draw."""
    documents = session.scalars(visible(session, who).where(Document.unit_id == unit.id).order_by(Document.year)).all()
    years, rows = [], []
    charts: dict[str, dict[str, list]] = {"by-class": {}, "basic-project": {"基本支出": [], "项目支出": []},
                                          "by-source": {}, "three-public": {"“三公”经费": []}}
    for n, d in enumerate(documents):
        v = latest(session, d)
        years.append(f"{d.year}{'决算' if d.kind == 'final' else ''}")
        facts = session.execute(select(Fact.functional, Fact.kind, Fact.source, Fact.yuan)
                                .where(Fact.version_id == v.id)).all()
        basic = sum((f.yuan for f in facts if f.kind != "project"), Decimal(0))
        project = sum((f.yuan for f in facts if f.kind == "project"), Decimal(0))
        rows.append({"year": d.year, "kind": "决算" if d.kind == "final" else "预算", "phase": d.kind, "document": d.id,
                     "version": v.id, "number": v.number, "errors": v.errors, "warnings": v.warnings,
                     "total": basic + project, "basic": basic, "project": project})
        charts["basic-project"]["基本支出"].append(basic)
        charts["basic-project"]["项目支出"].append(project)
        for f in facts:
            for key, name in (("by-class", _class_name(f.functional[:3])), ("by-source", SOURCE_NAMES[f.source])):
                series = charts[key].setdefault(name, [Decimal(0)] * len(documents))
                series[n] += f.yuan
        three = session.scalar(select(func.sum(CellValue.value)).where(
            CellValue.version_id == v.id, CellValue.table_kind == "three_public", CellValue.column_key == "total",
            CellValue.label.in_(("合计", "合  计", "合 计"))))
        charts["three-public"]["“三公”经费"].append((three or Decimal(0)) * (10000 if v.money_unit == "万元" else 1))
    # amounts go to the page as decimal strings; the chart script reads them as numbers
    as_text = {key: {name: [str(x) for x in values] for name, values in series.items()} for key, series in charts.items()}
    return rows, {"years": years, **as_text}


def search(session: Session, who: Visitor, q: str) -> dict[str, list[dict]]:
    """Units by name, projects by name and cells by classification code (when `q` is one), among the documents
    the visitor may see: what the search page shows and /api/v1/search answers."""
    seen = Document.id.in_(visible(session, who).with_only_columns(Document.id))  # left out by the database
    found: dict[str, list[dict]] = {"units": [], "projects": [], "codes": []}
    if not q:
        return found
    rows = session.execute(select(Unit, Department, Region).join(Department, Unit.department_id == Department.id)
                           .join(Region, Department.region_id == Region.id)
                           .where(Unit.name.contains(q), Unit.id.in_(select(Document.unit_id).where(seen)))
                           .order_by(Unit.name, Unit.id).limit(50)).all()
    found["units"] = [{"id": u.id, "name": u.name, "department": d.name, "region": r.name} for u, d, r in rows]
    rows = session.execute(select(Fact, Version, Document, Unit).join(Version, Fact.version_id == Version.id)
                           .join(Document, Version.document_id == Document.id).join(Unit)
                           .where(Fact.project.contains(q), seen).order_by(Fact.id).limit(100)).all()
    found["projects"] = [{"version": v.id, "unit": u.name, "year": d.year, "project": f.project, "yuan": f.yuan}
                         for f, v, d, u in rows]
    if q.isdigit():
        rows = session.execute(select(CellValue, Version, Document, Unit)
                               .join(Version, CellValue.version_id == Version.id)
                               .join(Document, Version.document_id == Document.id).join(Unit)
                               .where(CellValue.code == q, seen).order_by(CellValue.id).limit(100)).all()
        found["codes"] = [{"version": v.id, "unit": u.name, "year": d.year, "table": c.table_number, "code": c.code,
                           "label": c.label, "kind": c.table_kind, "column": c.column_key, "value": c.value,
                           "money_unit": c.money_unit} for c, v, d, u in rows]
    return found


def compare(session: Session, a: Version, b: Version) -> list[dict]:
    """Two versions table by table (by kind), rows by code or label: each cell in A and in B, and B − A
    where they differ. Where one prints 元 and the other 万元, both are given in 万元."""
    # a summary table's row holds an income item and an expense class side by side: an income amount is its item's
    sides = [{(c.table_kind, c.label if c.column_key.startswith("income_") else c.code or c.label, c.column_key):
              (c.value, c.money_unit)
              for c in session.scalars(select(CellValue).where(CellValue.version_id == v.id))} for v in (a, b)]
    va, vb = sides
    tables = []
    for kind in dict.fromkeys(k[0] for k in [*va, *vb]):
        keys = sorted({k for k in [*va, *vb] if k[0] == kind}, key=lambda k: (k[1] or "", k[2]))
        units = {u for side in sides for k, (_, u) in side.items() if k[0] == kind}
        unit = units.pop() if len(units) == 1 else "万元"

        def amount(side: dict, key: tuple, unit: str = unit) -> Decimal | None:
            if key not in side:
                return None
            value, printed = side[key]
            return value / 10000 if printed == "元" and unit == "万元" else value

        rows = []
        for k in keys:
            x, y = amount(va, k), amount(vb, k)
            rows.append({"row": k[1], "column": k[2], "a": x, "b": y, "diff": (y or 0) - (x or 0) if x != y else None})
        tables.append({"title": kind, "unit": unit, "rows": rows})
    return tables


def versions_to_compare(session: Session, who: Visitor, limit: int = 500) -> list[dict]:
    """The latest versions the visitor may see, newest years first: what the compare page offers to choose from."""
    seen = visible(session, who).with_only_columns(Document.id)
    rows = session.execute(select(Version.id, Version.number, Document.year, Document.kind, Unit.name)
                           .join(Document, Version.document_id == Document.id).join(Unit, Document.unit_id == Unit.id)
                           .where(Document.id.in_(seen)).order_by(Unit.name, Document.year.desc(), Version.number.desc())
                           .limit(limit)).all()
    return [{"id": r.id, "title": f"{r.name} {r.year}年{'决算' if r.kind == 'final' else '预算'} 第{r.number}版"}
            for r in rows]


def _class_name(code: str) -> str:
    from yusuan import catalog

    entry = catalog.lookup(code)
    return f"{code} {entry.name}" if entry else code


def store_state(session: Session, url: str) -> tuple:
    """A key that changes whenever the store changes (a version added, a document published or taken back), in
    this process or another (`yusuan serve --workers`), so answers kept per process are never stale. SQLite says
    so itself; elsewhere the newest version and the published documents are read."""
    if (watch := commits(url)) is not None:
        return ("commits", watch())
    return (session.scalar(select(func.max(Version.id))),
            *session.execute(select(func.count(Document.id), func.sum(Document.id)).where(Document.published)).one())


class Recent:
    """The last answers by key (least recently used dropped first), safe across request threads."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            return None

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
