"""How much of a budget was spent: where a unit's 预算 and 决算 of the same year are both stored, each
functional class's 决算数 ÷ 预算数 (the expense tables' `total` column, aligned by code) and the total's, the key
figures beside each other, and the final account's own explanations quoted: its paragraphs that measure the
决算 against the budget (决算数小于预算数的主要原因是…), each under the 项 it names. Money in 元.

The rate divides by the budget disclosure's figure (年初预算); a final account may measure itself against an
adjusted budget (全年预算) instead, which its quoted explanations then say."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from yusuan.model import Source, squash
from yusuan.store.figures import KEYS
from yusuan.store.schema import Document, Figure, Version
from yusuan.web.auth import Visitor
from yusuan.web.overview import IS_NEWEST, names
from yusuan.web.printed import amounts
from yusuan.web.queries import visible
from yusuan.web.sheets import Column, Sheet, percent

TABLE_KINDS = ("expense", "gpb_expense")  # the first both documents print is compared
EXPLAINS = re.compile(r"(原因|完成.{0,6}预算|预算.{0,8}的\d)")
COLUMNS = [Column("code", "编码"), Column("name", "名称"), Column("budget", "预算数（元）", "money"),
           Column("final", "决算数（元）", "money"), Column("difference", "决算 − 预算（元）", "money"),
           Column("rate", "执行率（%）", "percent")]


def years_with_both(session: Session, who: Visitor, unit_id: int) -> list[int]:
    rows = session.execute(visible(session, who).with_only_columns(Document.year, Document.kind)
                           .where(Document.unit_id == unit_id)).all()
    kinds: dict[int, set[str]] = {}
    for year, kind in rows:
        kinds.setdefault(year, set()).add(kind)
    return sorted(y for y, k in kinds.items() if {"budget", "final"} <= k)


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


def execution(session: Session, who: Visitor, unit_id: int, year: int) -> dict | None:
    """The unit's budget and final account of `year` side by side; None unless the visitor may see both."""
    found = session.execute(visible(session, who).with_only_columns(Document.kind, Version.id)
                            .join(Version, Version.document_id == Document.id)
                            .where(IS_NEWEST, Document.unit_id == unit_id, Document.year == year)).all()
    by_kind = dict(found)
    if set(by_kind) != {"budget", "final"}:
        return None
    budget, final = by_kind["budget"], by_kind["final"]
    printed = amounts(session, [budget, final], TABLE_KINDS)
    kind = next((k for k in TABLE_KINDS if printed[k][budget] and printed[k][final]), TABLE_KINDS[0])
    planned, spent = printed[kind][budget], printed[kind][final]
    codes = sorted(k for k in {*planned, *spent} if k != "total")
    named = names(session, codes, year)
    label_of = {k: (planned.get(k) or spent[k]).label for k in codes}
    # the narrative's paragraphs alone: the read model of a long document is some hundreds of KB of JSON
    paragraphs = session.scalar(select(Version.disclosure["narrative"]["paragraphs"]).where(Version.id == final))
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
    figures = session.execute(select(Figure.version_id, Figure.id, Figure.key, Figure.value)
                              .where(Figure.version_id.in_((budget, final)), Figure.key != "staff")).all()
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
