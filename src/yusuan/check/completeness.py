"""Completeness: the tables a template requires, empty tables explained, narrative sections.

A file that is one part of a disclosure (北京's tables attachment, or the 情况说明 whose tables are
published as another file) is judged on its own part only; the tables a region's set leaves out
(the document's own 目录 says which it prints) are not missing; a table is explained as empty by a
note under it, by the reason its 目录 gives, or by the narrative saying there is none."""

from __future__ import annotations

import re

from yusuan.check.context import Context
from yusuan.check.findings import Location
from yusuan.model.numbers import squash
from yusuan.registry import TableKind, registry

SECTIONS = {
    "“三公”经费": ("三公",),
    "机关运行经费": ("机关运行经费",),
    "政府采购": ("政府采购",),
    "国有资产占用": ("国有资产", "资产占用"),
    "预算绩效": ("绩效",),
}
def stated_absent(ctx: Context, kind: TableKind) -> bool:
    """The narrative says the document has none of what the table holds (`本部门无当年政府性基金预算
    收支`, `政府性基金拨款支出预算为0`)."""
    if kind.subject is None:
        return False
    subject = re.escape(kind.subject)
    text = "\n".join(p.text for p in ctx.d.narrative.paragraphs)
    return bool(re.search(rf"(没有|无|未安排|不涉及)[^。；]{{0,20}}{subject}|{subject}[^。；]{{0,24}}"
                          rf"(为空|没有|无|不涉及|为0(?![.\d])|为零|0万元|0元)", text))


def _none_in_summary(ctx: Context, kind: TableKind) -> bool:
    """The summary tables print the income of what the table holds, and with no money in it."""
    if kind.subject is None:
        return False
    rows = [r for t in ctx.d.tables if t.kind in ("income_expense_summary", "fiscal_summary") for r in t.rows
            if kind.subject in squash(r.raw.get("income_item") or "")]
    return bool(rows) and all(not r.values.get("income_amount") for r in rows)


def _listed(ctx: Context) -> set[str] | None:
    """The kinds the document's own 目录 lists, when it prints one."""
    reg = registry()
    kinds = {k.id for title in ctx.d.listed_tables if (k := reg.recognise_title(title))}
    return kinds or None


def check_completeness(ctx: Context) -> None:
    contents = ctx.d.document.contents
    if contents != "narrative":
        _tables(ctx)
    if contents == "tables":
        return  # the narrative, its sections and glossary are another file's
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


def _tables(ctx: Context) -> None:
    reg = registry()
    kinds = {t.kind for t in ctx.d.tables}
    kinds |= {other for k in kinds for other in reg.kind(k).counts_as}
    final = ctx.d.document.kind == "final"
    listed = _listed(ctx)
    unread = list(dict.fromkeys(f"第{u.source.page}页" if u.source.page is not None else f"第{u.source.line}行"
                                for u in ctx.d.unread if u.what == "table" and u.source
                                and (u.source.page, u.source.line) != (None, None)))
    for kind in reg.kinds:
        if not (kind.required_final if final else kind.required) or kind.id in kinds:
            continue
        if (listed is not None and kind.id not in listed) or stated_absent(ctx, kind):
            continue  # not in this region's set, or the narrative says there is none
        if unread:  # it may be the table yusuan could not make out: said, not blamed on the document
            ctx.notice("reading.table", f"没有读到{kind.name}：可能是{'、'.join(unread)}未能识别的表格",
                       [Location(kind=kind.id)])
            continue
        if _none_in_summary(ctx, kind):  # it would print nothing: a table left out, not figures missing
            ctx.add("completeness.required_tables", f"缺少{kind.name}：收支总表中{kind.subject}为空，此表应作为空表公开并说明",
                    [Location(kind=kind.id)], severity="warning")
            continue
        ctx.add("completeness.required_tables", f"缺少{kind.name}", [Location(kind=kind.id)])
    if ctx.d.document.contents == "tables":
        return  # why a table is empty is said in the narrative, another file
    for table in ctx.d.tables:
        if table.rows and table.is_empty() and not table.note and not stated_absent(ctx, reg.kind(table.kind)):
            ctx.add("completeness.empty_table_explained", f"{table.number or ''}{table.title}为空表，但没有说明",
                    [Location(table=table.number, kind=table.kind, page=table.source.page if table.source else None)])


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
