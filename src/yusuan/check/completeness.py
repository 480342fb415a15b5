"""Completeness: the tables a template requires, empty tables explained, narrative sections."""

from __future__ import annotations

import re

from yusuan.check.context import Context
from yusuan.check.findings import Location
from yusuan.registry import registry

SECTIONS = {
    "“三公”经费": ("三公",),
    "机关运行经费": ("机关运行经费",),
    "政府采购": ("政府采购",),
    "国有资产占用": ("国有资产", "资产占用"),
    "预算绩效": ("绩效",),
}


def check_completeness(ctx: Context) -> None:
    reg = registry()
    kinds = {t.kind for t in ctx.d.tables}
    kinds |= {other for k in kinds for other in reg.kind(k).counts_as}
    final = ctx.d.document.kind == "final"
    text = "\n".join(p.text for p in ctx.d.narrative.paragraphs)
    for kind in reg.kinds:
        if (kind.required_final if final else kind.required) and kind.id not in kinds:
            subject = re.sub(r"(支出)?(情况|决算|预算)?表$", "", kind.name)
            if re.search(rf"(没有|无|未)[^。；]{{0,20}}{subject}|{subject}[^。；]{{0,20}}(为空|没有|无)", text):
                continue  # the narrative says there is none, which is the disclosure the rules ask for
            ctx.add("completeness.required_tables", f"缺少{kind.name}", [Location(kind=kind.id)])
    for table in ctx.d.tables:
        if table.rows and table.is_empty() and not table.note:
            ctx.add("completeness.empty_table_explained", f"{table.number or ''}{table.title}为空表，但没有说明",
                    [Location(table=table.number, kind=table.kind)])
    text = "\n".join([*(s.title for s in ctx.d.narrative.sections), *(p.text for p in ctx.d.narrative.paragraphs)])
    for name, words in SECTIONS.items():
        if not any(w in text for w in words):
            ctx.add("completeness.sections", f"情况说明缺少{name}部分", [Location(kind="narrative")])
    projects = ctx.table("gpb_project_expense")
    if projects and any(r.raw.get("project_name") and not r.is_total for r in projects.rows) \
            and not ctx.d.performance_targets:
        ctx.add("completeness.sections", f"{projects.number or ''}列有项目支出，但没有项目支出绩效目标表",
                [Location(table=projects.number, kind=projects.kind)])
    if not ctx.d.glossary:
        ctx.add("completeness.sections", "缺少名词解释", [Location(kind="glossary")])


def check_empty_fund_tables(ctx: Context) -> None:
    income = ctx.table("income")
    total = income.total_row() if income else None
    for kind, key in (("gov_fund_expense", "fund"), ("state_capital_expense", "capital")):
        table = ctx.table(kind)
        if table is None or total is None or not income.has(key):  # type: ignore[union-attr]
            continue
        funded = total.value(key) != 0
        if table.is_empty() == funded:
            state = "为空表" if table.is_empty() else "有数"
            label = income.column(key).label  # type: ignore[union-attr]
            ctx.add("cross.empty_fund_tables", f"{table.number or ''}{table.title}{state}，而收入总表{label}"
                    f"合计为 {total.value(key)}", [Location(table=table.number, kind=kind)])
