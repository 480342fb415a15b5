"""The linear identities a consistent disclosure satisfies, built from the tables it prints:
hierarchy, row sums, the summary tables, cross-table agreement and narrative amounts.
Each is `stated = Σ parts` over refs; the same list drives detection and localisation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import combinations

from yusuan import catalog
from yusuan.check.cells import Ref
from yusuan.check.precision import sum_slack
from yusuan.check.rules import Rule
from yusuan.model import Column, Disclosure, Row, Table
from yusuan.model.numbers import squash
from yusuan.registry import registry

TOTAL_LABEL = re.compile(r"^(合计|小计|总计|.*[^其]合计|.*总计|.*小计)$")


def is_total_column(column: Column) -> bool:
    """A column that sums others beside it, by its printed label (合计, 小计, 总计, 支出合计 …)."""
    return bool(TOTAL_LABEL.match(column.label))
SUMMARY_KINDS = ("income_expense_summary", "fiscal_summary")
def is_economic(table: Table) -> bool:
    """Whether a table's rows are economic classes: by its code header (经济分类 / 功能分类),
    else by what most of its codes are, else by what the registry says of its kind."""
    code_columns = [c for c in table.columns if c.key in ("class", "item", "sub", "code", "name")]
    heads = "".join(p for c in code_columns or [c for c in table.columns if not c.is_amount] for p in c.path)
    if "经济分类" in heads:
        return True
    if "功能分类" in heads:
        return False
    kinds = [catalog.classify(r.code) for r in table.rows if r.code]
    if kinds:
        return sum(k in ("economic_department", "economic_government") for k in kinds) * 2 > len(kinds)
    return any(k.id == table.kind and k.rows == "economic" for k in registry().kinds)
_NUMBERED = re.compile(r"^\d+[.、．]")
_GROUP = re.compile(r"^[一二三四五六七八九十]+、")
_CARRY = re.compile(r"^(上年结转|上年结余|年初结转)")  # a carry-over group, numbered or not
_SUBTOTAL = re.compile(r"((本年|当年)收入(合计|小计)|收入合计|收入总计|^总计)")


@dataclass
class Identity:
    rule: str
    stated: Ref | None  # None: nothing is stated, the parts must add up to zero
    parts: list[Ref]
    what: str  # a short Chinese description of the relation, for the message
    cells: tuple[Ref, ...] = field(init=False)

    def __post_init__(self) -> None:
        self.cells = tuple(r for r in (self.stated, *self.parts) if r is not None)


def effective_code(table: Table, row_index: int, year: int | None, economic: bool) -> str | None:
    """The row's code, or, in an economic table printing a code of the wrong classification,
    the economic code whose catalog name is the row's name (`201 11` 公务员医疗补助缴费 → 30111)."""
    row = table.rows[row_index]
    if not row.code:
        return None
    if economic and catalog.classify(row.code) not in ("economic_department", "economic_government"):
        found = catalog.find_by_name(row.name, "economic_department", year, level=row.level)
        if len(found) == 1:
            return found[0].code
    return row.code


def _codes(table: Table, year: int | None) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    economic = is_economic(table)
    for i, row in enumerate(table.rows):
        code = effective_code(table, i, year, economic)
        if code and not row.is_total:
            out.setdefault(code, []).append(i)
    return out


def _amount_keys(table: Table) -> list[str]:
    keys = [k for k in table.amount_keys if k not in ("line_no",)]
    if table.kind in SUMMARY_KINDS:  # the functional side only: other sides list economic classes
        keys = [k for k in keys if k in ("expense_amount", "total", "gpb", "fund", "capital")]
    return keys


def blocks(table: Table, year: int | None) -> list[dict[str, list[int]]]:
    """The table's codes by block: a table broken down by budget unit prints each unit's classes under
    the unit's own row (本级, then each 下属单位), and each block is a hierarchy of its own. Rows are one
    block unless a code comes again under another unit's row."""
    economic = is_economic(table)
    out: list[dict[str, list[int]]] = [{}]
    for i, row in enumerate(table.rows):
        code = effective_code(table, i, year, economic)
        if code is None and not row.is_total and row.label and out[-1]:
            out.append({})  # a unit's row: what follows is its block
        elif code and not row.is_total:
            out[-1].setdefault(code, []).append(i)
    out = [b for b in out if b]
    seen = [c for b in out for c in b]
    return out if len(seen) != len(set(seen)) else [_codes(table, year)]


def cross_tabulated(table: Table, codes: dict[str, list[int]]) -> bool:
    """A code printed on several rows with other figures: the table crosses two classifications
    (部门 economic codes under each 政府 economic class, functional codes by economic line), and its
    rows of one level do not add up to a row of the level above."""
    return any(len(_distinct(table, rows)) > 1 for rows in codes.values())


def hierarchy(d: Disclosure, ti: int, rule: Rule) -> Iterator[Identity]:
    table = d.tables[ti]
    for codes in blocks(table, d.document.year):
        if cross_tabulated(table, codes):
            continue
        for code, indices in codes.items():
            if len(code) not in (3, 5):
                continue
            children = [i for c, idx in codes.items() if len(c) == len(code) + 2 and c.startswith(code)
                        for i in _distinct(table, idx)]
            if not children:
                continue
            for key in _amount_keys(table):
                yield Identity(rule.id, Ref(ti, indices[0], key), [Ref(ti, i, key) for i in children],
                               f"{code} = Σ下级科目")


def _distinct(table: Table, indices: list[int]) -> list[int]:
    """Rows of one code, a row printed again (the same code and figures, one under the other) once."""
    out: list[int] = []
    for i in indices:
        if not out or i != out[-1] + 1 or table.rows[i].values != table.rows[out[-1]].values:
            out.append(i)
    return out


def printed_below(codes: dict[str, list[int]], code: str) -> list[int]:
    """A code a table does not print as a row, as the rows it does print under it at the level nearest
    it: a table of 项 rows alone (no 类 and 款 rows) holds each 类 as the sum of its 项."""
    below = [c for c in codes if len(c) > len(code) and c.startswith(code)]
    if code in codes or not below:
        return []
    level = min(len(c) for c in below)
    return [i for c in below if len(c) == level for i in codes[c]]


def top_level(codes: dict[str, list[int]]) -> list[int]:
    """The rows of the highest level the table prints (its 类, or its 项 when it prints 项 alone)."""
    top = [c for c in codes if not any(len(p) < len(c) and c.startswith(p) for p in codes)]
    return [i for c in top for i in codes[c]]


_THIS_YEAR_EXPENSE = re.compile(r"^本年支出(合计|小计)$")


def total_equals_classes(d: Disclosure, ti: int, rule: Rule) -> Iterator[Identity]:
    """The total row = Σ 类; in a summary the classes add up to 本年支出合计, the grand total adding
    the carry-over (年终结转结余) below it."""
    table = d.tables[ti]
    total = table.total_row()
    if table.kind in SUMMARY_KINDS:
        total = next((r for r in table.rows if _THIS_YEAR_EXPENSE.match(squash(r.raw.get("expense_item", "")))), total)
    if total is None:
        return
    t = table.rows.index(total)
    codes = _codes(table, d.document.year)
    classes = top_level(codes)
    if not classes:
        return
    for key in _amount_keys(table):
        yield Identity(rule.id, Ref(ti, t, key), [Ref(ti, i, key) for i in classes], "合计 = Σ类级科目")


def column_groups(table: Table) -> list[tuple[str, list[str]]]:
    """(total column, part columns) from the header tree. Under one header, a total column
    equals the other columns beside it; a group without a total counts as the sum of its
    parts. Where the groups repeat the same sub-columns (三公 items each split by fund), a
    total group equals the other groups sub-column by sub-column."""
    amount = [c for n, c in enumerate(table.columns) if c.is_amount and c.is_part and c.key != "line_no"
              and not _of_which(table.columns, n)]
    found: list[tuple[str, list[str]]] = []

    def walk(prefix: list[str]) -> dict[str, list[str]]:
        """What the group adds up to, by sub-column label: its total column ("" → [total]),
        else its parts by their labels."""
        members = [c for c in amount if c.path[: len(prefix)] == prefix and len(c.path) > len(prefix)]
        direct = [c for c in members if len(c.path) == len(prefix) + 1]
        heads = list(dict.fromkeys(c.path[len(prefix)] for c in members if len(c.path) > len(prefix) + 1))
        reps = {head: walk([*prefix, head]) for head in heads}
        total_head = next((h for h in heads if TOTAL_LABEL.match(h)), None)
        if total_head and not direct:  # 总计 | 因公出国 | 公务接待, each split by fund
            for leaf, totals in reps[total_head].items():
                parts = [k for h in heads if h != total_head for k in reps[h].get(leaf, [])]
                if len(totals) == 1 and parts:
                    found.append((totals[0], parts))
            return reps[total_head]
        total = next((c.key for c in direct if is_total_column(c)), None)
        out: dict[str, list[str]] = {}
        for c in direct:
            if c.key != total:
                out.setdefault(c.label, []).append(c.key)
        for head in heads:
            for leaf, keys in reps[head].items():
                out.setdefault(leaf or head, []).extend(keys)
        parts = [k for keys in out.values() for k in keys]
        if total and parts:
            found.append((total, parts))
        return {"": [total]} if total else out

    walk([])
    return found


def _of_which(columns: list, n: int) -> bool:
    """An `其中` column is a part of a part, not one of the parts; unless it opens the list of
    parts right after the total and another part follows (`小计 | 其中：基本支出 | 项目支出`)."""
    if not columns[n].label.startswith("其中"):
        return False
    group = columns[n].path[:-1]
    before = columns[n - 1] if n else None
    after = columns[n + 1] if n + 1 < len(columns) else None
    opens = before is not None and is_total_column(before) and before.path[:-1] == group
    return not (opens and after is not None and after.path[:-1] == group and after.is_amount)


_THREE_PUBLIC_ITEMS = ("abroad", "reception", "vehicle", "vehicle_purchase", "vehicle_running")


def row_sums(d: Disclosure, ti: int, rule: Rule) -> Iterator[Identity]:
    table = d.tables[ti]
    for total, parts in column_groups(table):
        if total == "three_public_total" or (table.kind == "three_public" and "三公" in table.column(total).label):  # type: ignore[union-attr]
            # “三公”经费合计 adds the three items only; 会议费 and 培训费 printed beside them are other spending
            parts = [p for p in parts if p in _THREE_PUBLIC_ITEMS or p.startswith(_THREE_PUBLIC_ITEMS)]
        rows = [i for i, row in enumerate(table.rows)
                if not all(row.values.get(k) in (None, 0) and not row.is_garbled(k) for k in (total, *parts))]
        parts = _convention(table, rows, total, parts)
        if not parts:
            continue
        labels = "+".join((table.column(p).label if table.column(p) else p) for p in parts)  # type: ignore[union-attr]
        what = f"{table.column(total).label} = {labels}"  # type: ignore[union-attr]
        for i in rows:
            yield Identity(rule.id, Ref(ti, i, total), [Ref(ti, i, p) for p in parts], what)


MIN_ROWS_TO_LEARN = 3  # a table's own rows say which columns its total adds up only when there are a few
MAX_SEARCHED = 10  # parts whose every subset is tried


def _convention(table: Table, rows: list[int], total: str, parts: list[str]) -> list[str]:
    """The columns the total adds up, as the table's own rows show them. Headers alone do not say
    whether 事业单位经营支出 or 扣除基建项目后预算数 beside 基本支出 and 项目支出 is one more part or a part of
    a part: when fewer parts add up on nearly every row where the parts the header suggests do not,
    the table's convention is those; when the header's parts add up on fewer than half of the rows
    and no fewer do, the relation is not known and nothing is checked (no document is blamed for a
    header yusuan cannot place)."""
    if len(rows) < MIN_ROWS_TO_LEARN:
        return parts

    def rate(subset: tuple[str, ...]) -> float:
        return sum(_adds_up(table.rows[i], total, subset) for i in rows) / len(rows)

    full = rate(tuple(parts))
    if full == 1 or len(parts) > MAX_SEARCHED:
        return parts if full >= 0.5 else []
    subsets = (c for n in range(len(parts) - 1, 0, -1) for c in combinations(parts, n))
    best = max(subsets, key=lambda c: (rate(c), len(c)), default=())
    if best and rate(best) > full and rate(best) >= 0.95:
        return list(best)  # the other columns are parts of a part (其中), however the header prints them
    return parts if full >= 0.5 else []


def _adds_up(row: Row, total: str, parts: tuple[str, ...]) -> bool:
    values = [row.values.get(k) for k in (total, *parts)]
    if any(v is None and row.is_garbled(k) for v, k in zip(values, (total, *parts), strict=True)):
        return False
    slack = sum_slack([row.raw.get(k, "") for k in (total, *parts)])
    return abs(row.value(total) - sum((row.value(k) for k in parts), Decimal(0))) <= slack


def _row_by_label(table: Table, pattern: str) -> int | None:
    rx = re.compile(pattern)
    return next((i for i, r in enumerate(table.rows) if rx.search(squash(r.label))), None)


def three_public_parts(d: Disclosure, ti: int, rule: Rule) -> Iterator[Identity]:
    table = d.tables[ti]
    total = next((i for i, r in enumerate(table.rows) if r.is_total), None)
    abroad, reception = _row_by_label(table, "出国"), _row_by_label(table, "接待")
    cars = _row_by_label(table, "购置及运行")
    buy, run = _row_by_label(table, "其中.*购置|^公务用车购置费"), _row_by_label(table, "运行(维护)?费$")
    for key in _amount_keys(table):
        if total is not None and None not in (abroad, reception, cars):
            yield Identity(rule.id, Ref(ti, total, key), [Ref(ti, i, key) for i in (abroad, reception, cars)],
                           "合计 = 因公出国（境）费 + 公务接待费 + 公务用车购置及运行费")  # type: ignore[arg-type]
        if None not in (cars, buy, run) and run != cars:
            yield Identity(rule.id, Ref(ti, cars, key), [Ref(ti, buy, key), Ref(ti, run, key)],  # type: ignore[arg-type]
                           "公务用车购置及运行费 = 购置费 + 运行费")


def _income_side(table: Table) -> list[tuple[int, str]]:
    return [(i, squash(r.raw.get("income_item", ""))) for i, r in enumerate(table.rows)]


def summary(d: Disclosure, ti: int, rules: dict[str, Rule]) -> Iterator[Identity]:
    table = d.tables[ti]
    total = table.total_row()
    if total is not None and table.has("income_amount"):
        t = table.rows.index(total)
        # the expense side's total: on a summary of three panels (收入 | 功能分类 | 支出用途) it may be printed
        # under the last panel alone
        sides = [c.key for c in table.columns if c.is_amount and c.key not in ("income_amount", "line_no")]
        expense_key = next((k for k in sides if total.raw.get(k, "").strip()), sides[0] if sides else None)
        if expense_key is not None:
            yield Identity("summary.income_equals_expense", Ref(ti, t, "income_amount"), [Ref(ti, t, expense_key)],
                           "收入总计 = 支出总计")
    yield from _income_groups(ti, table, rules["summary.group_equals_items"].id)


def _income_groups(ti: int, table: Table, rule: str) -> Iterator[Identity]:
    """The income side: each group (`一、财政拨款`, `上年结转结余`) = Σ its items; 本年收入合计 =
    Σ the groups above it; 收入总计 = 本年收入合计 + the carry-over, or Σ all groups."""
    side = _income_side(table)
    heads = [i for i, label in side if _GROUP.match(label) or _CARRY.match(label)]
    ends = {i for i, label in side if table.rows[i].is_total or _SUBTOTAL.search(label)}
    for g in heads:
        members = []
        for i, label in side[g + 1:]:
            if i in heads or i in ends:
                break
            if label:
                members.append((i, label))
        numbered = [i for i, label in members if _NUMBERED.match(label)]
        items = numbered or [i for i, label in members if not label.startswith("其中")]
        if items:
            yield Identity(rule, Ref(ti, g, "income_amount"), [Ref(ti, i, "income_amount") for i in items],
                           f"{side[g][1]} = Σ其下各项")
    if table.kind != "income_expense_summary" or not table.has("income_amount"):
        return
    this_year = next((i for i in sorted(ends) if re.search("本年|当年", side[i][1])), None)
    grand = next((i for i in sorted(ends, reverse=True) if i != this_year), None)
    if this_year is not None:
        above = [g for g in heads if g < this_year]
        if above:
            yield Identity(rule, Ref(ti, this_year, "income_amount"), [Ref(ti, g, "income_amount") for g in above],
                           "本年收入合计 = Σ各收入组")
        if grand is not None and grand > this_year:
            carry = [g for g in heads if this_year < g < grand]
            yield Identity(rule, Ref(ti, grand, "income_amount"),
                           [Ref(ti, this_year, "income_amount"), *(Ref(ti, g, "income_amount") for g in carry)],
                           "收入总计 = 本年收入合计 + 上年结转结余")
    elif grand is not None and len(heads) >= 2:
        yield Identity(rule, Ref(ti, grand, "income_amount"), [Ref(ti, g, "income_amount") for g in heads],
                       "收入总计 = 本年收入 + 上年结转结余")


@dataclass(frozen=True)
class Pair:
    """One cross-table agreement: per code, table a's column = Σ table b's columns."""

    rule: str
    a: int
    akey: str
    b: int
    bkeys: tuple[str, ...]
    classes_only: bool
    totals_only: bool


def pairs(d: Disclosure, rules: dict[str, Rule]) -> list[Pair]:
    """The cross rules' `pairs` (data/rules.toml) that apply to the tables this document has."""
    idx = {t.kind: i for i, t in reversed(list(enumerate(d.tables)))}
    out = []
    for rule in rules.values():
        if rule.family != "cross" or "pairs" not in rule.params or rule.kinds[0] not in idx:
            continue
        for akey, spec in rule.params["pairs"]:
            kind, _, keys = spec.rpartition(":")
            b = idx.get(kind or rule.kinds[1])
            a = idx[rule.kinds[0]]
            if b is None or not d.tables[a].has(akey):
                continue
            if not rule.params.get("totals_only") and not (_classified(d.tables[a]) and _classified(d.tables[b])):
                continue  # a table by unit or by name only: no code to pair rows by
            bkeys = tuple(k for k in keys.split("+") if d.tables[b].has(k))
            if bkeys:
                out.append(Pair(rule.id, idx[rule.kinds[0]], akey, b, bkeys,
                                rule.params.get("classes_only", False), rule.params.get("totals_only", False)))
    return out


def _classified(table: Table) -> bool:
    """Whether the table's rows carry functional codes to pair by."""
    return any(r.code and catalog.classify(r.code) == "functional" for r in table.rows) and not is_economic(table)


def add_missing_rows(d: Disclosure, rules: dict[str, Rule]) -> set[tuple[int, int]]:
    """Give each table of a cross pair the codes the other table prints money for in the
    pair's columns and it lacks, as empty rows, so that localisation can put the money in
    the row a table should have printed."""
    added: set[tuple[int, int]] = set()
    for pair in pairs(d, rules):
        if pair.totals_only:
            continue
        for this, keys, other in ((pair.a, (pair.akey,), pair.b), (pair.b, pair.bkeys, pair.a)):
            have = _codes(d.tables[other], d.document.year)
            mine = _codes(d.tables[this], d.document.year)
            source = d.tables[this]
            for code, rows in mine.items():
                if code in have or (pair.classes_only and len(code) != 3) or printed_below(have, code):
                    continue
                if all((this, i) in added or source.rows[i].value(k) == 0 for i in rows for k in keys):
                    continue
                template = source.rows[rows[0]]
                table = d.tables[other]
                table.rows.append(Row(code=code, level=template.level, name=template.name,
                                      values={k: None for k in table.amount_keys}))
                added.add((other, len(table.rows) - 1))
    return added


def _pair_identities(d: Disclosure, pair: Pair, what: str) -> Iterator[Identity]:
    ta, tb = d.tables[pair.a], d.tables[pair.b]
    if not pair.totals_only:
        codes_a, codes_b = _codes(ta, d.document.year), _codes(tb, d.document.year)
        for code, ia in codes_a.items():
            ib = codes_b.get(code) or printed_below(codes_b, code)
            if not ib or (pair.classes_only and len(code) != 3):
                continue
            # a code printed in several rows of the other table (its units' blocks, its projects) is their sum
            parts = [Ref(pair.b, i, k) for i in ib for k in pair.bkeys]
            if len(ia) == 1:
                yield Identity(pair.rule, Ref(pair.a, ia[0], pair.akey), parts, what)
            elif len(parts) == 1:  # several rows for one code (projects): the code's total is their sum
                yield Identity(pair.rule, parts[0], [Ref(pair.a, i, pair.akey) for i in ia], what)
    ta_total, tb_total = ta.total_row(), tb.total_row()
    if ta_total and tb_total:
        yield Identity(pair.rule, Ref(pair.a, ta.rows.index(ta_total), pair.akey),
                       [Ref(pair.b, tb.rows.index(tb_total), k) for k in pair.bkeys], what + "（合计行）")


def cross(d: Disclosure, rules: dict[str, Rule]) -> Iterator[Identity]:
    for pair in pairs(d, rules):
        ta, tb = d.tables[pair.a], d.tables[pair.b]
        labels = "+".join(tb.column(k).label for k in pair.bkeys)  # type: ignore[union-attr]
        what = f"{ta.number or ta.kind}{ta.column(pair.akey).label} = {tb.number or tb.kind}{labels}"  # type: ignore[union-attr]
        yield from _pair_identities(d, pair, what)
    idx = {t.kind: i for i, t in reversed(list(enumerate(d.tables)))}
    if "income_expense_summary" in idx and "income" in idx:
        yield from summary_income(d, idx["income_expense_summary"], idx["income"],
                                  rules["cross.summary_income_vs_income"])


def summary_income(d: Disclosure, si: int, ii: int, rule: Rule) -> Iterator[Identity]:
    summary_table, income = d.tables[si], d.tables[ii]
    total = income.total_row()
    if total is None:
        return
    t = income.rows.index(total)
    used: set[int] = set()
    for pattern, keys in rule.params.get("items", []):
        rx = re.compile(pattern)
        row = next((i for i, r in enumerate(summary_table.rows)
                    if i not in used and _NUMBERED.match(squash(r.raw.get("income_item", "")))
                    and rx.search(_NUMBERED.sub("", squash(r.raw.get("income_item", ""))))), None)
        present = [k for k in keys if income.has(k)]
        if row is None or not present:
            continue
        used.add(row)
        yield Identity(rule.id, Ref(si, row, "income_amount"), [Ref(ii, t, k) for k in present],
                       "收支总表收入项目 = 收入总表对应资金来源合计")


def table_identities(d: Disclosure, rules: dict[str, Rule]) -> Iterator[Identity]:
    for ti, table in enumerate(d.tables):
        if table.kind in rules["hierarchy.parent_equals_children"].kinds:
            yield from hierarchy(d, ti, rules["hierarchy.parent_equals_children"])
        if table.kind in rules["hierarchy.total_equals_classes"].kinds:
            yield from total_equals_classes(d, ti, rules["hierarchy.total_equals_classes"])
        if table.kind in rules["row.total_equals_parts"].kinds:
            yield from row_sums(d, ti, rules["row.total_equals_parts"])
        if table.kind == "three_public":
            yield from three_public_parts(d, ti, rules["row.three_public_parts"])
        if table.kind in SUMMARY_KINDS:
            yield from summary(d, ti, rules)
    yield from cross(d, rules)
