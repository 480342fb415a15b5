"""A region's season: every unit on its list (or with a document of the year), whether and when it
published, its score and what blocks it, ranked for triage."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Literal, Protocol

from pydantic import BaseModel
from sqlalchemy.orm import Session

from yusuan.check.findings import Finding
from yusuan.scoring import Method, Policy, Score, Timing, score
from yusuan.store import season as store
from yusuan.store.documents import from_stored
from yusuan.store.schema import Region

BEIJING = timezone(timedelta(hours=8))  # the store keeps UTC; a deadline is a day in China
STATUSES = {"missing": "未公开", "overdue": "逾期", "published": "已公开", "withdrawn": "已撤回", "amended": "已修改"}
Status = Literal["missing", "overdue", "published", "withdrawn", "amended"]
KIND_NAMES = {"budget": "预算", "final": "决算"}


def local_day(moment: datetime) -> date:
    """The day in China of a time the store keeps (UTC, without its zone)."""
    return moment.replace(tzinfo=UTC).astimezone(BEIJING).date()


def today() -> date:
    return datetime.now(BEIJING).date()


class Snapshot(BaseModel):
    """A version as it was seen: its content hash, when, and who brought it."""

    version_id: int
    number: int
    sha256: str
    filename: str
    seen_at: datetime
    source: str  # 上传：账户名, or 导入 (the command line, a batch)
    late_change: bool  # a changed file (not the first) seen after the deadline


class Entry(BaseModel):
    unit_id: int
    unit: str
    department: str
    scope: str | None  # 部门 | 单位
    entry_id: int | None  # its row on the list in force; None: a document of the region no list names
    approved_on: date | None
    deadline: date | None
    published_on: date | None  # when it became public (the list's 公开日期, else when first seen public)
    url: str | None
    status: Status
    status_name: str
    days_left: int | None  # not yet published, still in time
    days_late: int | None  # past the deadline: unpublished as of today, or published that many days late
    late_change: bool  # a changed file published after the deadline
    document_id: int | None
    version_id: int | None  # the newest
    versions: list[Snapshot]
    score: Decimal | None
    errors: int  # error findings that stand (a reviewer's dismissals left out), each cell's mistake once
    blocking: list[str]  # what blocks publication: `F3 cross.income_vs_expense`, `tables.required 公开表齐全`
    warnings: list[str]


class DimensionMean(BaseModel):
    id: str
    name: str
    percent: Decimal | None  # points over possible, summed over the units scored


class SeasonOut(BaseModel):
    region_id: int
    region: str
    year: int
    kind: str
    as_of: date
    method: str
    deadline_days: int
    fatal_rules: list[str]
    fatal_items: list[str]
    counts: dict[str, int]  # units by status
    score_published: Decimal | None  # the mean score of the units that published
    score_all: Decimal | None  # the mean over every unit listed, one that published nothing counting 0
    dimensions: list[DimensionMean]
    total: int  # entries before the filters
    entries: list[Entry]


@dataclass
class UnitSeason:
    """One unit's season, with what the notice needs besides what the API shows."""

    entry: Entry
    timing: Timing
    scored: Score | None = None
    findings: list[Finding] = field(default_factory=list)  # those that stand


@dataclass
class Season:
    region_id: int
    region: str
    year: int
    kind: str
    as_of: date
    method: Method
    policy: Policy
    units: list[UnitSeason]

    def out(self, units: list[UnitSeason] | None = None) -> SeasonOut:
        shown = self.units if units is None else units
        counts = {s: sum(u.entry.status == s for u in self.units) for s in STATUSES}
        scores = [u.entry.score for u in self.units if u.entry.score is not None]
        dimensions = []
        for key, name in self.method.dimensions.items():
            parts = [d for u in self.units if u.scored for d in u.scored.dimensions if d.id == key]
            possible = sum((d.possible for d in parts), Decimal(0))
            points = sum((d.points for d in parts), Decimal(0))
            dimensions.append(DimensionMean(id=key, name=name,
                                            percent=(points * 100 / possible).quantize(Decimal("0.1")) if possible else None))
        return SeasonOut(region_id=self.region_id, region=self.region, year=self.year, kind=self.kind, as_of=self.as_of,
                         method=self.method.name, deadline_days=self.method.deadline_days,
                         fatal_rules=list(self.policy.fatal_rules), fatal_items=list(self.policy.fatal_items),
                         counts=counts, score_published=_mean(scores),
                         score_all=_mean([u.entry.score or Decimal(0) for u in self.units]),
                         dimensions=dimensions, total=len(self.units), entries=[u.entry for u in shown])

    def unit(self, unit_id: int) -> UnitSeason | None:
        return next((u for u in self.units if u.entry.unit_id == unit_id), None)


def _mean(values: list[Decimal]) -> Decimal | None:
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.1")) if values else None


def policy_of(session: Session, region_id: int, method: Method) -> Policy:
    """The region's own policy, else the method's."""
    kept = store.policy(session, region_id)
    return Policy.of(method, tuple(kept.fatal_rules), tuple(kept.fatal_items)) if kept else Policy.of(method)


class Kept(Protocol):
    """Where scores are kept between requests (the web's web.queries.Recent): by what they depend on."""

    def get(self, key: Hashable) -> Any: ...

    def put(self, key: Hashable, value: Any) -> None: ...


def season(session: Session, region_id: int, year: int, kind: str, method: Method, *, as_of: date | None = None,
           policy: Policy | None = None, kept: Kept | None = None) -> Season:
    """Every unit of the region's season, scored, ranked by what blocks it and then by score (worst first).
    `kept`: scores already worked out, by version, method, the findings that stand and the dates."""
    region = session.get(Region, region_id)
    if region is None:
        raise LookupError(region_id)
    as_of = as_of or today()
    policy = policy or policy_of(session, region_id, method)
    units = [_unit(session, row, as_of, method, policy, kept)
             for row in store.season_rows(session, region_id, year, kind)]
    units.sort(key=lambda u: (-len(u.entry.blocking), u.entry.score if u.entry.score is not None else Decimal(-1),
                              u.entry.department, u.entry.unit))
    return Season(region_id, region.name, year, kind, as_of, method, policy, units)


def _timing(row: dict, as_of: date, method: Method) -> tuple[Timing, datetime | None]:
    """When the unit's document was approved and first public (the list's 公开日期, else the store's first 公开 or
    upload), whether it was taken back since; and the moment the store first had it public."""
    entry, document, versions = row["entry"] or {}, row["document"], row["versions"]
    public_at = _public_at(document, versions, row["publications"])
    published = entry.get("published_on") or (local_day(public_at) if public_at else None)
    withdrawn = document is not None and not document["published"] and public_at is not None
    return Timing(approved=entry.get("approved_on"), published=published, withdrawn=withdrawn, as_of=as_of,
                  deadline_days=method.deadline_days), public_at


def timing_of(session: Session, document, method: Method, as_of: date | None = None) -> Timing:
    """The dates of one stored document (for its score outside a season's page)."""
    rows = store.season_rows(session, document.unit.department.region_id, document.year, document.kind,
                             unit_id=document.unit_id)
    return _timing(rows[0], as_of or today(), method)[0]


def _unit(session: Session, row: dict, as_of: date, method: Method, policy: Policy, kept: Kept | None) -> UnitSeason:
    entry, versions = row["entry"] or {}, row["versions"]
    timing, public_at = _timing(row, as_of, method)
    approved, deadline, published, withdrawn = timing.approved, timing.deadline, timing.published, timing.withdrawn
    # a version after the first that came once the document was public (the store's times are to the second)
    amended = public_at is not None and any(v["uploaded_at"] >= public_at for v in versions[1:])
    status: Status
    days_left = days_late = None
    if withdrawn:
        status = "withdrawn"
    elif published is None:
        late = deadline is not None and as_of > deadline
        status = "overdue" if late else "missing"
        if deadline is not None:
            days_late, days_left = ((as_of - deadline).days, None) if late else (None, (deadline - as_of).days)
    elif deadline is not None and published > deadline:
        status, days_late = "overdue", (published - deadline).days
    else:
        status = "amended" if amended else "published"
    unit = UnitSeason(Entry(
        unit_id=row["unit_id"], unit=row["unit"], department=row["department"], scope=entry.get("scope"),
        entry_id=entry.get("id"), approved_on=approved, deadline=deadline, published_on=published, url=entry.get("url"),
        status=status, status_name=STATUSES[status], days_left=days_left, days_late=days_late, late_change=False,
        document_id=row["document"]["id"] if row["document"] else None, version_id=versions[-1]["id"] if versions else None,
        versions=[Snapshot(version_id=v["id"], number=v["number"], sha256=v["sha256"], filename=v["filename"],
                           seen_at=v["uploaded_at"].replace(tzinfo=UTC),
                           source=f"上传：{v['uploaded_by']}" if v["uploaded_by"] else "导入",
                           late_change=v["number"] > 1 and deadline is not None and local_day(v["uploaded_at"]) > deadline)
                  for v in versions],
        score=None, errors=0, blocking=[], warnings=[]), timing)
    unit.entry.late_change = any(v.late_change for v in unit.entry.versions)
    if versions:
        unit.findings = [Finding.model_validate(f["data"]) for f in row["findings"] if f["status"] != "dismissed"]
        # a version never changes: its score does with the findings that stand and the dates
        key = (versions[-1]["id"], method.name, tuple(f.id for f in unit.findings), timing.approved, timing.published,
               timing.withdrawn, as_of)
        unit.scored = kept.get(key) if kept is not None else None
        if unit.scored is None:
            disclosure = from_stored(store.disclosure_of(session, versions[-1]["id"]))
            unit.scored = score(disclosure, unit.findings, method, timing)
            if kept is not None:
                kept.put(key, unit.scored)
        unit.entry.score = unit.scored.score
    unit.entry.errors = sum(f.severity == "error" and f.caused_by is None for f in unit.findings)
    unit.entry.blocking, unit.entry.warnings = policy.blocking(unit.findings, unit.scored)
    if not versions and status == "overdue":  # nothing published, past the deadline: the timeliness item
        item = method.item("timeliness.deadline")
        if item is not None:
            (unit.entry.blocking if item.id in policy.fatal_items else unit.entry.warnings).append(f"{item.id} {item.name}")
    return unit


def _public_at(document: dict | None, versions: list[dict], events: list[dict]) -> datetime | None:
    """When a document first became public: its first 公开, or, when it was public from its upload (a
    reviewer's or a batch's: its first event, if any, takes it back), when its first version came."""
    if document is None or not versions:
        return None
    if events:
        return events[0]["at"] if events[0]["published"] else versions[0]["uploaded_at"]
    return versions[0]["uploaded_at"] if document["published"] else None


def register_from_store(session: Session, region_id: int, year: int, kind: str, approved_on: date | None,
                        account_id: int | None = None) -> tuple[int, int]:
    """A list of every unit the store holds in the region, approved on one day: for a region whose units
    were loaded before any list was. Its id, and how many units it lists."""
    region = session.get(Region, region_id)
    if region is None:
        raise LookupError(region_id)
    rows = [store.Listed(region=region.name, department=d.name, unit=u.name, year=year, kind=kind,
                         scope="部门" if d.name == u.name else "单位", approved_on=approved_on)
            for u, d in store.units_of(session, region_id)]
    if not rows:
        raise LookupError(region_id)
    made = store.add_register(session, f"由库中单位生成（{region.name} {year}年{KIND_NAMES[kind]}）", None, rows, account_id)
    return made.id, len(rows)
