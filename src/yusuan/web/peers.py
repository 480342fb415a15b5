"""Units side by side, and peers ranked.

Side by side: several units and years (all 预算 or all 决算), their key figures and their expense tables aligned by
classification code, with each figure's share of its document's total and each unit's change from its first year
to its last. Ranked: the units of a region or department in one year on “三公”经费, 机关运行经费 and 人员经费, and
on each per head where the document states its staff, values outside Tukey's fences (1.5 × the interquartile
range beyond the quartiles, among at least four units) marked as outliers. Every figure links to where it was
printed. Money in 元."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from yusuan.store.figures import KEYS
from yusuan.store.schema import Department, Document, Figure, Unit, Version
from yusuan.web.auth import Visitor
from yusuan.web.overview import IS_NEWEST, Scope, choices, in_scope, names
from yusuan.web.printed import Printed, amounts
from yusuan.web.queries import seen_by, seen_where
from yusuan.web.sheets import Column, Sheet, cents, percent

MEASURES = {"three_public": "“三公”经费", "office_running": "机关运行经费", "personnel": "人员经费"}
# the printed tables aligned by code, and the column of each that is the row's whole amount
TABLES = {"expense": "支出表（按支出功能分类）", "gpb_basic_expense": "一般公共预算基本支出表（按支出经济分类）"}
MAX_UNITS, MAX_YEARS = 10, 5
FENCE = Decimal("1.5")


@dataclass(frozen=True)
class Side:
    """One unit's document of one year: a column of the side-by-side view."""

    unit: int
    name: str
    year: int
    version: int
    key: str = ""  # the sheets' column: u{unit}_{year}

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", f"u{self.unit}_{self.year}")


# the statements of these views are made once: SQLAlchemy took ten times SQLite's time making and keying them anew
@cache
def _sides(seen: str) -> Select:
    return seen_by(select(Document.unit_id, Unit.name, Document.year, Version.id).select_from(Document)
                   .join(Unit, Document.unit_id == Unit.id).join(Version, Version.document_id == Document.id)
                   .where(IS_NEWEST, Document.unit_id.in_(bindparam("units", expanding=True)),
                          Document.year.in_(bindparam("years", expanding=True)), Document.kind == bindparam("phase")),
                   seen)


FIGURES = select(Figure.version_id, Figure.id, Figure.key, Figure.value).where(
    Figure.version_id.in_(bindparam("versions", expanding=True)))


def sides(session: Session, who: Visitor, units: list[int], years: list[int], phase: str) -> list[Side]:
    """The documents the visitor may see of those units and years (their newest versions), in the order the units
    were asked for."""
    seen, params = seen_where(session, who)
    found = session.connection().execute(_sides(seen), {"units": units, "years": years, "phase": phase,
                                                        **params}).all()
    order = {u: n for n, u in enumerate(units)}
    return sorted((Side(*row) for row in found), key=lambda s: (order[s.unit], s.year))


def _columns(found: list[Side], with_share: bool) -> list[Column]:
    out = []
    for unit, its in _by_unit(found).items():
        name = its[0].name
        for side in its:
            out.append(Column(side.key, f"{side.year}（元）", "money", name))
            if with_share:
                out.append(Column(f"{side.key}_share", f"{side.year} 占比（%）", "percent", name))
        if len(its) > 1:
            out.append(Column(f"u{unit}_change", f"{its[0].year}–{its[-1].year} 增减（元）", "money", name))
            out.append(Column(f"u{unit}_growth", "增减幅度（%）", "percent", name))
    return out


def _by_unit(found: list[Side]) -> dict[int, list[Side]]:
    grouped: dict[int, list[Side]] = defaultdict(list)
    for side in found:
        grouped[side.unit].append(side)
    return grouped


def _changes(row: dict, grouped: dict[int, list[Side]]) -> dict:
    for unit, its in grouped.items():
        if len(its) > 1:
            first, last = row.get(its[0].key), row.get(its[-1].key)
            if first is not None and last is not None:
                row[f"u{unit}_change"] = last - first
                row[f"u{unit}_growth"] = percent(last - first, first)
    return row


def figures_side_by_side(session: Session, found: list[Side]) -> Sheet:
    """The key figures of each side, and per head of the staff it states."""
    rows: dict[str, dict] = {key: {"key": key, "name": name, "links": {}} for key, name in KEYS.items()}
    per_head = {f"{key}_per_staff": {"key": f"{key}_per_staff", "name": f"人均{name}（元/人）", "links": {}}
                for key, name in MEASURES.items()}
    by_version = {s.version: s for s in found}
    figures = session.connection().execute(FIGURES, {"versions": list(by_version)}).all()
    for version, figure_id, key, value in figures:
        side = by_version[version]
        rows[key][side.key] = int(value) if key == "staff" else value
        rows[key]["links"][side.key] = f"/figures/{figure_id}"
    rows["staff"].update(name="人数（人）", unit="人")  # a head count in a sheet of money
    for side in found:
        staff = rows["staff"].get(side.key)
        for key in MEASURES:
            if staff and rows[key].get(side.key) is not None:
                per_head[f"{key}_per_staff"][side.key] = cents(rows[key][side.key] / staff)
    grouped = _by_unit(found)
    out = [_changes(r, grouped) for r in [*rows.values(), *per_head.values()] if any(s.key in r for s in found)]
    return Sheet("figures", "主要数字", [Column("key", "项目编号", shown=False), Column("name", "项目"),
                                       *_columns(found, False)], out)


def table_side_by_side(session: Session, found: list[Side], kind: str, printed: dict[int, dict[str, Printed]],
                       named: dict[str, str]) -> Sheet:
    """One printed table of each side (`printed`: its amounts by version), rows aligned by code: each amount (its
    `total` column), its share of the side's total row, and each unit's change."""
    rows: dict[str, dict] = {}
    totals: dict[str, Decimal] = {}
    for side in found:
        for key, (yuan, cell, _) in printed[side.version].items():
            row = rows.setdefault(key, {"code": "" if key == "total" else key, "name": "合计" if key == "total" else "",
                                        "links": {}})
            row[side.key] = yuan
            row["links"][side.key] = f"/cells/{cell}"
            if key == "total":
                totals[side.key] = yuan
    codes = sorted(k for k in rows if k != "total")
    for code in codes:
        rows[code]["name"] = named.get(code, "")
    ordered = [rows[k] for k in (["total"] if "total" in rows else []) + codes]
    grouped = _by_unit(found)
    for row in ordered:
        for side in found:
            if side.key in row:
                row[f"{side.key}_share"] = percent(row[side.key], totals.get(side.key))
        _changes(row, grouped)
    return Sheet(kind, TABLES[kind], [Column("code", "编码"), Column("name", "名称"), *_columns(found, True)], ordered)


def side_by_side(session: Session, who: Visitor, units: list[int], years: list[int], phase: str) -> dict:
    found = sides(session, who, units[:MAX_UNITS], years[:MAX_YEARS], phase)
    printed = amounts(session, [s.version for s in found], tuple(TABLES))
    codes = sorted({code for by_version in printed.values() for rows in by_version.values() for code in rows} - {"total"})
    labels = {code: p.label for by_version in printed.values() for rows in by_version.values()
              for code, p in rows.items()}
    named = names(session, codes, found[0].year if found else None, labels)
    sheets = {"figures": figures_side_by_side(session, found),
              **{kind: table_side_by_side(session, found, kind, printed[kind], named) for kind in TABLES}}
    return {"sides": [{"unit_id": s.unit, "name": s.name, "year": s.year, "version_id": s.version, "key": s.key}
                      for s in found], "sheets": sheets}


# ---------------------------------------------------------------------------------------------- ranked

RANKED = [*MEASURES, *(f"{k}_per_staff" for k in MEASURES), "staff"]


def quartiles(values: list[Decimal]) -> tuple[Decimal, Decimal]:
    """The first and third quartiles, interpolated between ranks (as numpy's default)."""
    ordered = sorted(values)

    def at(q: Decimal) -> Decimal:
        position = q * (len(ordered) - 1)
        low = int(position)
        high = min(low + 1, len(ordered) - 1)
        return ordered[low] + (ordered[high] - ordered[low]) * (position - low)

    return at(Decimal("0.25")), at(Decimal("0.75"))


def outliers(rows: list[dict], key: str) -> None:
    """Mark the values of `key` beyond Tukey's fences among at least four units: `marks[key]` high or low."""
    values = [r[key] for r in rows if r.get(key) is not None]
    if len(values) < 4:
        return
    q1, q3 = quartiles(values)
    low, high = q1 - FENCE * (q3 - q1), q3 + FENCE * (q3 - q1)
    for r in rows:
        value = r.get(key)
        if value is not None and (value > high or value < low):
            r["marks"][key] = "偏高" if value > high else "偏低"


def ranking(session: Session, scope: Scope, published_only: bool, sort: str = "three_public") -> dict:
    """The units in scope (one year: the latest unless asked) ranked by `sort`, descending, those without it last."""
    offered = choices(session, scope, published_only)
    if scope.year is None and offered["years"]:
        scope = replace(scope, year=offered["years"][-1])
    found = session.execute(in_scope(Figure, scope, published_only, Unit.id, Unit.name, Department.name, Figure.id,
                                     Figure.key, Figure.value)
                            .where(Figure.key.in_([*MEASURES, "staff"]))).all()
    units: dict[int, dict] = {}
    for unit_id, name, department, figure_id, key, value in found:
        row = units.setdefault(unit_id, {"unit_id": unit_id, "name": name, "department": department,
                                         "href": f"/units/{unit_id}", "links": {}, "marks": {}})
        row[key] = value
        row["links"][key] = f"/figures/{figure_id}"
    rows = list(units.values())
    for row in rows:
        row["staff"] = int(row["staff"]) if row.get("staff") is not None else None
        for key in MEASURES:
            if row["staff"] and row.get(key) is not None:
                row[f"{key}_per_staff"] = cents(row[key] / row["staff"])
    for key in RANKED[:-1]:
        outliers(rows, key)
    rows.sort(key=lambda r: (r.get(sort) is None, -(r.get(sort) or 0), r["unit_id"]))
    for n, row in enumerate(rows, start=1):
        row["rank"] = n
    columns = [Column("rank", "排名", "count"), Column("unit_id", "单位编号", shown=False), Column("name", "单位"),
               Column("department", "部门"),
               *(Column(k, f"{n}（元）", "money") for k, n in MEASURES.items()),
               *(Column(f"{k}_per_staff", f"人均{n}（元/人）", "money") for k, n in MEASURES.items()),
               Column("staff", "人数（人）", "count")]
    title = f"{scope.year}年{'决算' if scope.phase == 'final' else '预算'}：单位排名（按{_column_name(sort)}）"
    return {"scope": scope, "choices": offered, "sort": sort, "sheet": Sheet("ranking", title, columns, rows)}


def _column_name(key: str) -> str:
    if key == "staff":
        return "人数"
    if key.endswith("_per_staff"):
        return f"人均{MEASURES[key.removesuffix('_per_staff')]}"
    return MEASURES[key]

