"""A region's budgets at a glance (or the whole store's): what its units spend by year, by functional class with
drill-down 类 → 款 → 项 → unit, by economic class, by funding source, 基本 vs 项目, and by region, department or
unit; summed from the fact table of each document's newest version, in 元, as /api/v1/aggregate sums it.

Every view is filtered by year (the latest by default: a year's budget is not added to another's), department,
预算 or 决算, and 基本 or 项目, and is a Sheet: its chart, its table, the API and the downloads hold the same rows."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from decimal import Decimal
from urllib.parse import urlencode

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from yusuan.store.schema import CellValue, Department, Document, Fact, Figure, Region, Unit, Version
from yusuan.web.queries import SOURCE_NAMES
from yusuan.web.sheets import Column, Sheet, cents, percent

PHASES = {"budget": "预算", "final": "决算"}
KINDS = {"basic": "基本支出", "project": "项目支出"}
PARTS = {"personnel": "人员经费（基本支出）", "public": "公用经费（基本支出）", "project": "项目支出"}
LEVELS = {3: "类", 5: "款", 7: "项"}
UNIT_ROWS = 200  # units shown under one 项; the rest are one row, so a store of thousands stays one page
# the printed tables whose rows name functional or economic codes: names the partial catalog lacks are taken there
NAMED_IN = ("expense", "gpb_expense", "gpb_basic_expense")
NEWEST = select(Version.document_id, func.max(Version.number).label("n")).group_by(Version.document_id).subquery()
_OTHER = aliased(Version)
# the same, for a few documents: asked document by document (by the unique index on document and number), where
# NEWEST is made for the whole store first (3 ms with 10,000 documents)
IS_NEWEST = Version.number == (select(func.max(_OTHER.number)).where(_OTHER.document_id == Version.document_id)
                               .scalar_subquery())
AMOUNT = Column("amount", "金额（元）", "money")
SHARE = Column("share", "占比（%）", "percent")


@dataclass(frozen=True)
class Scope:
    """Which documents a view sums, and where its functional drill-down stands (a 类, 款 or 项; None: the top)."""

    region: int | None = None
    department: int | None = None
    year: int | None = None
    phase: str = "budget"
    kind: str | None = None  # basic | project
    code: str | None = None

    def query(self, **changes: object) -> str:
        """The page's query string for this scope changed (region is in the path)."""
        values = asdict(replace(self, **changes))  # type: ignore[arg-type]
        return "?" + urlencode({k: v for k, v in values.items() if k != "region" and v is not None})


def in_scope(rows: type[Fact] | type[Figure], scope: Scope, published_only: bool, *columns, by_year: bool = True):
    """A select of `columns` over `rows` (facts or key figures) of the newest version of each document in scope,
    joined to its document, unit and department."""
    return _newest(select(*columns).select_from(rows).join(Version, rows.version_id == Version.id), scope,
                   published_only, by_year)


def _newest(query, scope: Scope, published_only: bool, by_year: bool = True):
    """`query`, over versions, kept to the newest version of each document in scope."""
    query = (query.join(NEWEST, (NEWEST.c.document_id == Version.document_id) & (NEWEST.c.n == Version.number))
             .join(Document, Version.document_id == Document.id).join(Unit, Document.unit_id == Unit.id)
             .join(Department, Unit.department_id == Department.id).where(Document.kind == scope.phase))
    if published_only:
        query = query.where(Document.published.is_(True))
    if scope.region is not None:
        query = query.where(Department.region_id == scope.region)
    if scope.department is not None:
        query = query.where(Unit.department_id == scope.department)
    if by_year and scope.year is not None:
        query = query.where(Document.year == scope.year)
    return query


def _facts(scope: Scope, published_only: bool, *columns, by_year: bool = True):
    query = in_scope(Fact, scope, published_only, *columns, by_year=by_year)
    if scope.kind == "basic":
        query = query.where(Fact.kind != "project")
    elif scope.kind == "project":
        query = query.where(Fact.kind == "project")
    return query


def _documents(scope: Scope, published_only: bool, *columns):
    query = (select(*columns).select_from(Document).join(Unit, Document.unit_id == Unit.id)
             .join(Department, Unit.department_id == Department.id).where(Document.kind == scope.phase))
    if published_only:
        query = query.where(Document.published.is_(True))
    if scope.region is not None:
        query = query.where(Department.region_id == scope.region)
    return query


def choices(session: Session, scope: Scope, published_only: bool) -> dict:
    """The years and departments the filters offer (those with documents of the phase)."""
    years = session.scalars(_documents(scope, published_only, Document.year).distinct().order_by(Document.year)).all()
    rows = session.execute(_documents(scope, published_only, Department.id, Department.name).distinct()
                           .order_by(Department.name, Department.id)).all()
    return {"years": list(years), "departments": [{"id": i, "name": n} for i, n in rows]}


def names(session: Session, codes: list[str], year: int | None, printed: dict[str, str] | None = None) -> dict[str, str]:
    """Classification codes' names: the catalog's, else as the documents print them (`printed`: as the documents
    at hand print them, else as any document in the store does)."""
    from yusuan import catalog

    found = {}
    for code in codes:
        entry = catalog.lookup(code, year)
        if entry is not None:
            found[code] = entry.name
        elif printed and printed.get(code):
            found[code] = printed[code]
    for code in (c for c in codes if c not in found):  # a few at most: one printed row of each is enough
        label = session.scalar(select(CellValue.label).where(CellValue.table_kind.in_(NAMED_IN), CellValue.code == code)
                               .limit(1))
        if label is not None:
            found[code] = label
    return found


def _shares(rows: list[dict]) -> list[dict]:
    total = sum((r["amount"] for r in rows), Decimal(0))
    for r in rows:
        r["share"] = percent(r["amount"], total)
    return rows


def by_year(session: Session, scope: Scope, published_only: bool) -> Sheet:
    rows = session.execute(_facts(scope, published_only, Document.year, func.sum(Fact.yuan), by_year=False)
                           .group_by(Document.year).order_by(Document.year)).all()
    return Sheet("years", f"各年度{PHASES[scope.phase]}支出（元）", [Column("year", "年度"), AMOUNT],
                 [{"year": year, "amount": cents(amount), "href": scope.query(year=year, code=None)}
                  for year, amount in rows])


def path(session: Session, scope: Scope) -> list[dict]:
    """Where the drill-down stands: the top, then the 类, 款 and 项 above and at `scope.code`."""
    steps = [{"code": None, "name": "全部", "href": scope.query(code=None)}]
    if scope.code:
        codes = [scope.code[:n] for n in (3, 5, 7) if n <= len(scope.code)]
        named = names(session, codes, scope.year)
        steps += [{"code": c, "name": f"{c} {named.get(c, '')}".strip(), "level": LEVELS[len(c)],
                   "href": scope.query(code=c)} for c in codes]
    return steps


def functional(session: Session, scope: Scope, published_only: bool) -> Sheet:
    """The children of where the drill-down stands: 类 at the top, then 款, 项, and under a 项 its units."""
    code = scope.code
    if code is not None and len(code) == 7:
        return _units_of(session, scope, published_only)
    width = {None: 3, 3: 5, 5: 7}[len(code) if code else None]
    part = Fact.functional if width == 7 else func.substr(Fact.functional, 1, width)
    query = _facts(scope, published_only, part.label("code"), func.sum(Fact.yuan).label("amount"))
    if code:
        query = query.where(Fact.functional.startswith(code, autoescape=True))
    rows = session.execute(query.group_by(part).order_by(func.sum(Fact.yuan).desc(), part)).all()
    named = names(session, [r.code for r in rows], scope.year)
    level = LEVELS[width]
    title = f"按支出功能分类（{level}）" + (f"：{code} {names(session, [code], scope.year).get(code, '')}" if code else "")
    return Sheet("functional", title.strip() + "（元）", [Column("code", "编码"), Column("name", "名称"), AMOUNT, SHARE],
                 _shares([{"code": r.code, "name": named.get(r.code, ""), "amount": cents(r.amount),
                           "href": scope.query(code=r.code)} for r in rows]))


def _units_of(session: Session, scope: Scope, published_only: bool) -> Sheet:
    """Under a 项: each unit's amount (the largest UNIT_ROWS, the rest as one row), each linked to the cell its
    expense table prints for the 项."""
    code = scope.code
    rows = session.execute(_facts(scope, published_only, Unit.id, Unit.name, Version.id.label("version"),
                                  func.sum(Fact.yuan).label("amount"))
                           # LIKE, as for a 类 or 款: SQLite takes an equality to the fact table's index of codes and
                           # reads the 项 of every unit in the store before it looks at the region (1.4 s)
                           .where(Fact.functional.startswith(code, autoescape=True))
                           .group_by(Unit.id, Unit.name, Version.id)
                           .order_by(func.sum(Fact.yuan).desc(), Unit.id)).all()
    shown, rest = rows[:UNIT_ROWS], rows[UNIT_ROWS:]
    column = {None: "total", "basic": "basic", "project": "project"}[scope.kind]
    cells: dict[int, int] = {}
    # by the versions' own cells (the table kind picked here: asked for it, SQLite walks every expense cell of
    # the code in the store instead)
    for version, cell_id, kind in session.execute(select(CellValue.version_id, CellValue.id, CellValue.table_kind)
                                                  .where(CellValue.version_id.in_([r.version for r in shown]),
                                                         CellValue.code == code, CellValue.column_key == column)
                                                  .order_by(CellValue.id)):
        if kind == "expense":
            cells.setdefault(version, cell_id)
    out = [{"unit_id": r.id, "name": r.name, "amount": cents(r.amount), "href": f"/units/{r.id}",
            "links": {"amount": f"/cells/{cells[r.version]}"} if r.version in cells else {}} for r in shown]
    if rest:
        out.append({"unit_id": None, "name": f"其余 {len(rest)} 个单位",
                    "amount": cents(sum((r.amount for r in rest), Decimal(0)))})
    named = names(session, [code], scope.year)  # type: ignore[list-item]
    return Sheet("functional", f"{code} {named.get(code, '')}：各单位（元）",  # type: ignore[arg-type]
                 [Column("unit_id", "单位编号", shown=False), Column("name", "单位"), AMOUNT, SHARE], _shares(out))


def by_economic_class(session: Session, scope: Scope, published_only: bool) -> Sheet:
    part = func.substr(Fact.economic, 1, 3)
    rows = session.execute(_facts(scope, published_only, part.label("code"), func.sum(Fact.yuan).label("amount"))
                           .group_by(part).order_by(func.sum(Fact.yuan).desc(), part)).all()
    named = names(session, [r.code for r in rows], scope.year)
    return Sheet("economic", "按支出经济分类（类，元）", [Column("code", "编码"), Column("name", "名称"), AMOUNT, SHARE],
                 _shares([{"code": r.code, "name": named.get(r.code, ""), "amount": cents(r.amount)} for r in rows]))


def by_source(session: Session, scope: Scope, published_only: bool) -> Sheet:
    rows = session.execute(_facts(scope, published_only, Fact.source, func.sum(Fact.yuan).label("amount"))
                           .group_by(Fact.source).order_by(func.sum(Fact.yuan).desc(), Fact.source)).all()
    return Sheet("source", "按资金来源（元）", [Column("source", "来源"), Column("name", "名称"), AMOUNT, SHARE],
                 _shares([{"source": r.source, "name": SOURCE_NAMES.get(r.source, r.source), "amount": cents(r.amount)}
                          for r in rows]))


def by_part(session: Session, scope: Scope, published_only: bool) -> Sheet:
    rows = dict(session.execute(_facts(scope, published_only, Fact.kind, func.sum(Fact.yuan)).group_by(Fact.kind)).all())
    return Sheet("kind", "基本支出（人员经费、公用经费）与项目支出（元）",
                 [Column("kind", "类别"), Column("name", "名称"), AMOUNT, SHARE],
                 _shares([{"kind": k, "name": name, "amount": cents(rows[k])} for k, name in PARTS.items() if k in rows]))


def by_entity(session: Session, scope: Scope, published_only: bool) -> Sheet:
    """The whole store by region, a region by department, a department by unit."""
    if scope.department is not None:
        entity, title, href = (Unit.id, Unit.name), "按单位", lambda i: f"/units/{i}"
    elif scope.region is not None:
        entity, title, href = (Department.id, Department.name), "按部门", lambda i: scope.query(department=i, code=None)
    else:
        entity, title, href = (Region.id, Region.name), "按地区", lambda i: f"/overview/{i}" + scope.query(code=None)
    query = _facts(scope, published_only, *entity, func.sum(Fact.yuan).label("amount"))
    if scope.region is None and scope.department is None:
        query = query.join(Region, Department.region_id == Region.id)
    rows = session.execute(query.group_by(*entity).order_by(func.sum(Fact.yuan).desc(), entity[0])).all()
    return Sheet("entities", f"{title}（元）", [Column("id", "编号", shown=False), Column("name", "名称"), AMOUNT, SHARE],
                 _shares([{"id": i, "name": name, "amount": cents(amount), "href": href(i)} for i, name, amount in rows]))


def counted(session: Session, scope: Scope, published_only: bool) -> dict[str, int]:
    """How many documents the views sum, and how many of them had no fact table recovered (a document too far
    from the standard tables): those are in no sum, and the page says so."""
    query = _newest(select(func.count(Version.id), func.count(Version.id).filter(
        ~select(Fact.id).where(Fact.version_id == Version.id).exists())).select_from(Version), scope, published_only)
    total, without = session.execute(query).one()
    return {"total": total, "without_facts": without}


VIEWS = {"years": by_year, "functional": functional, "economic": by_economic_class, "source": by_source,
         "kind": by_part, "entities": by_entity}


def overview(session: Session, scope: Scope, published_only: bool) -> dict:
    """Everything the region page shows: the filters' choices, the scope as resolved (the latest year when none is
    asked for), where the drill-down stands, and each view's sheet."""
    offered = choices(session, scope, published_only)
    if scope.year is None and offered["years"]:
        scope = replace(scope, year=offered["years"][-1])
    return {"scope": scope, "choices": offered, "path": path(session, scope),
            "documents": counted(session, scope, published_only),
            "sheets": {name: view(session, scope, published_only) for name, view in VIEWS.items()}}


def region_name(session: Session, region: int | None) -> str | None:
    """The region's name; None when there is no such region (`region` None: the whole store)."""
    if region is None:
        return "全部地区"
    return session.scalar(select(Region.name).where(Region.id == region))
