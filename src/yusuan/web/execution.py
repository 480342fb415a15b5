"""How much of a budget was spent: where a unit's 预算 and 决算 of the same year are both stored, each
functional class's 决算数 ÷ 预算数 (the expense tables' `total` column, aligned by code) and the total's, the key
figures beside each other, and the final account's own explanations quoted: its paragraphs that measure the
决算 against the budget (决算数小于预算数的主要原因是…), each under the 项 it names. Money in 元.

The rate divides by the budget disclosure's figure (年初预算); a final account may measure itself against an
adjusted budget (全年预算) instead, which its quoted explanations then say."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from yusuan.model import Source, squash
from yusuan.store.figures import KEYS
from yusuan.store.schema import Document, Figure, Narrative, Unit, Version
from yusuan.web.auth import Visitor
from yusuan.web.overview import IS_NEWEST, names
from yusuan.web.printed import amounts
from yusuan.web.queries import seen_by, seen_where
from yusuan.web.sheets import Column, Sheet, percent

TABLE_KINDS = ("expense", "gpb_expense")  # the first both documents print is compared
EXPLAINS = re.compile(r"(原因|完成.{0,6}预算|预算.{0,8}的\d)")
COLUMNS = [Column("code", "编码"), Column("name", "名称"), Column("budget", "预算数（元）", "money"),
           Column("final", "决算数（元）", "money"), Column("difference", "决算 − 预算（元）", "money"),
           Column("rate", "执行率（%）", "percent")]


# the statements are made once: SQLAlchemy took ten times SQLite's time making and keying them anew
@cache
def _newest(seen: str) -> Select:
    return seen_by(select(Document.year, Document.kind, Version.id).select_from(Document)
                   .join(Version, Version.document_id == Document.id)
                   .where(IS_NEWEST, Document.unit_id == bindparam("unit")), seen)


# the narrative's paragraphs, kept apart: the read model of a long document is some hundreds of KB of JSON
PARAGRAPHS = select(Narrative.paragraphs).where(Narrative.version_id == bindparam("version"))
FIGURES = select(Figure.version_id, Figure.id, Figure.key, Figure.value).where(
    Figure.version_id.in_(bindparam("versions", expanding=True)), Figure.key != "staff")


UNIT = select(Unit.id, Unit.name).where(Unit.id == bindparam("unit"))


def newest_by_year(session: Session, who: Visitor, unit_id: int) -> dict[int, dict[str, int]]:
    """The unit's documents the visitor may see, in one query: year → kind → its newest version."""
    seen, params = seen_where(session, who)
    rows = session.connection().execute(_newest(seen), {"unit": unit_id, **params}).all()
    out: dict[int, dict[str, int]] = {}
    for year, kind, version in rows:
        out.setdefault(year, {})[kind] = version
    return out


def years_with_both(by_year: dict[int, dict[str, int]]) -> list[int]:
    return sorted(y for y, kinds in by_year.items() if {"budget", "final"} <= set(kinds))


def _row(code: str, name: str, budget: Decimal | None, final: Decimal | None) -> dict:
    return {"code": code, "name": name, "budget": budget, "final": final,
            "difference": final - budget if budget is not None and final is not None else None,
            "rate": percent(final, budget), "links": {}}


def explanations(paragraphs: list[dict], final_version: int) -> list[dict]:
    """The final account's paragraphs (as stored) that measure the 决算 against the budget, as printed, with where."""
    out = []
    for n, paragraph in enumerate(paragraphs):
        text = paragraph["text"]
        if "决算" in text and "预算" in text and EXPLAINS.search(text):
            source = Source.model_validate(paragraph["source"]) if paragraph.get("source") else None
            out.append({"paragraph": n, "text": text, "section": paragraph.get("section"),
                        "where": source.describe() if source else "", "version_id": final_version})
    return out


def _explained(code: str, label_of: dict[str, str], quoted: list[dict]) -> dict | None:
    """The quoted paragraph about a 项 (its 款 and 项 named as printed: `档案事务（款）档案馆（项）`) or a 类 alone."""
    if len(code) == 7 and code[:5] in label_of:
        needle = f"{squash(label_of[code[:5]])}（款）{squash(label_of[code])}（项）"
    elif len(code) == 3:
        needle = f"{squash(label_of[code])}（类）"
    else:
        return None
    for q in quoted:
        text = squash(q["text"])
        if needle in text and (len(code) == 7 or "（款）" not in text):
            return q
    return None


def execution(session: Session, year: int, versions: dict[str, int]) -> dict | None:
    """A unit's budget and final account of `year` side by side (`versions`: its newest of each kind that the
    visitor may see, as `newest_by_year` finds them); None unless there are both."""
    if set(versions) != {"budget", "final"}:
        return None
    budget, final = versions["budget"], versions["final"]
    printed = amounts(session, [budget, final], TABLE_KINDS)
    kind = next((k for k in TABLE_KINDS if printed[k][budget] and printed[k][final]), TABLE_KINDS[0])
    planned, spent = printed[kind][budget], printed[kind][final]
    codes = sorted(k for k in {*planned, *spent} if k != "total")
    label_of = {k: (planned.get(k) or spent[k]).label for k in codes}
    named = names(session, codes, year, label_of)
    paragraphs = session.connection().execute(PARAGRAPHS, {"version": final}).scalar()
    quoted = explanations(paragraphs or [], final)
    rows = []
    for code in (["total"] if "total" in planned or "total" in spent else []) + codes:
        row = _row("" if code == "total" else code, "合计" if code == "total" else named.get(code, label_of[code]),
                   planned[code].yuan if code in planned else None, spent[code].yuan if code in spent else None)
        for side, printed_by_side in (("budget", planned), ("final", spent)):
            if code in printed_by_side:
                row["links"][side] = f"/cells/{printed_by_side[code].cell}"
        if code != "total" and (said := _explained(code, label_of, quoted)) is not None:
            row["explanation"] = said
        rows.append(row)
    table = Sheet("classes", f"{year}年支出预算执行（按支出功能分类）", COLUMNS, rows)
    figures = session.connection().execute(FIGURES, {"versions": [budget, final]}).all()
    by_key: dict[str, dict] = {}
    for version, figure_id, key, value in figures:
        side = "budget" if version == budget else "final"
        by_key.setdefault(key, {})[side] = (value, figure_id)
    key_rows = []
    for key, name in KEYS.items():
        if key in by_key:
            got = by_key[key]
            row = _row(key, name, got["budget"][0] if "budget" in got else None,
                       got["final"][0] if "final" in got else None)
            row["links"] = {side: f"/figures/{got[side][1]}" for side in got}
            key_rows.append(row)
    return {"year": year, "budget_version": budget, "final_version": final, "explanations": quoted,
            "sheets": {"classes": table, "figures": Sheet("figures", f"{year}年主要数字：预算与决算",
                                                          [Column("code", "编号", shown=False), *COLUMNS[1:]], key_rows)}}
