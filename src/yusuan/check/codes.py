"""Catalog and text rules on the tables: codes that exist, fit their table and carry the
catalog's name; cells that are not numbers; one code named differently in two tables."""

from __future__ import annotations

import re

from yusuan import catalog
from yusuan.check.cells import Ref
from yusuan.check.context import Context
from yusuan.check.findings import Location
from yusuan.check.identities import SUMMARY_KINDS, effective_code, is_economic
from yusuan.model.numbers import squash

EXPECTED = {"economic": "economic_department", "functional": "functional"}
_WORDS = re.compile(r"[\u4e00-\u9fffA-Za-z]")


def check_codes(ctx: Context) -> None:
    year = ctx.d.document.year
    names: dict[str, list[tuple[str, Location]]] = {}
    unknown: dict[tuple[str, str], tuple[bool, list[Location]]] = {}
    renamed: dict[tuple[str, str, str, int], list[Location]] = {}
    for ti, table in enumerate(ctx.d.tables):
        economic = is_economic(table)
        expected = "economic_department" if economic else "functional"
        for ri, row in enumerate(table.rows):
            for key in row.values:
                if not row.is_garbled(key):
                    continue
                ref = Ref(ti, ri, key)
                loc = ctx.loc(ref)
                if _WORDS.search(row.raw[key]):  # a word in an amount column: a header or label yusuan misplaced
                    ctx.uncertain.add(ref)
                    ctx.notice("reading.cell", f"{loc.describe()} 读到的是“{row.raw[key]}”，不是数字：可能是表头或"
                               "标签读错了位置，不据此判断", [loc])
                else:  # a number printed wrong (`2313.6333.632303.6319`)
                    ctx.add("text.not_a_number", f"{loc.describe()} 印的是“{row.raw[key]}”，不是一个数字", [loc])
            if not row.code:
                continue
            before = table.rows[ri - 1] if ri else None
            if before is not None and before.code == row.code and before.values == row.values \
                    and len(row.code) == 5 and squash(before.name) == squash(row.name):
                ctx.add("catalog.repeated_code", f"{table.number or table.title}：编码 {row.code}“{row.name}”连印两行，"
                        f"同名同数：下一行当是其项级编码（如 {row.code}99）",
                        [Location(table=table.number, kind=table.kind, row=row.code, column="编码", line=row.line,
                                  page=row.page)])
            here = Location(table=table.number, kind=table.kind, row=row.code, column="编码", line=row.line,
                            page=row.page)
            kind = catalog.classify(row.code)
            if kind is None:
                ctx.add("catalog.malformed_code", f"{here.describe()}：“{row.code}”不是有效的科目编码", [here])
                continue
            mixed = table.kind in SUMMARY_KINDS  # a summary's sides list functional and economic classes
            if kind != expected and not mixed and not (
                    expected == "economic_department" and kind == "economic_government"):
                fix = effective_code(table, ri, year, economic)
                hint = f"，按名称“{row.name}”应为 {fix}" if fix and fix != row.code else ""
                if fix and fix != row.code:
                    ctx.code_fixes.append((table, ri, fix))
                ctx.add("catalog.wrong_classification",
                        f"{here.describe()}：{catalog.LABELS[expected]}表中出现"
                        f"{catalog.LABELS[kind]}编码 {row.code}{hint}",
                        [here])
                continue
            entry = catalog.lookup(row.code, year)
            if entry is None and catalog.local_parent(row.code, year):
                continue  # a region's own sub-code under a national 款 (3010201 规范性津补贴 under 30102)
            if entry is None:
                blank = all(v in (None, 0) for k, v in row.values.items() if not k.startswith("income_"))
                unknown.setdefault((row.code, row.name), (blank, []))[1].append(here)
            elif row.name and not catalog.names_match(row.name, entry.name):
                renamed.setdefault((row.code, row.name, entry.name, entry.year), []).append(here)
            if row.name and not economic:
                names.setdefault(row.code, []).append((row.name, here))
            if (row.code.endswith("01") and len(row.code) == 7 and "行政运行" in row.name
                    and row.values.get("project")):
                loc = ctx.loc(Ref(ti, ri, "project"))
                ctx.add("catalog.basic_in_project_item",
                        f"{loc.describe()}：行政运行只安排基本支出，却列项目支出 {row.values['project']}", [loc])
    for (code, name), (blank, where) in unknown.items():
        tables = "、".join(dict.fromkeys(loc.table or "" for loc in where))
        # a template row listing every 类 with no money in it is no defect of the document
        ctx.add("catalog.unknown_code", f"{tables}：编码 {code}“{name}”未见于分类目录", where,
                severity="info" if blank else None)
    for (code, name, catalog_name, catalog_year), where in renamed.items():
        tables = "、".join(dict.fromkeys(loc.table or "" for loc in where))
        ctx.add("catalog.name_mismatch", f"{tables}：{code}“{name}”在{catalog_year}年目录中名为“{catalog_name}”", where)
    for code, seen in names.items():
        distinct = list(dict.fromkeys(squash(n) for n, _ in seen))  # in order printed: the same on every run
        if len(distinct) > 1:
            ctx.add("text.name_differs", f"科目 {code} 在各表中名称不一：" + "、".join(f"“{n}”" for n in distinct),
                    [loc for _, loc in seen])
