"""Turn a grid into a standard table: kind by title, columns by meaning, rows with codes."""

from __future__ import annotations

import re

from yusuan.model import Column, DocumentFacts, HeaderCell, Row, Table, code_level
from yusuan.model.numbers import clean, is_amount, parse_amount, squash
from yusuan.recognise.captions import is_caption, read_caption, table_number
from yusuan.recognise.headers import body_width, column_paths, fit_header, mend_body, split_header
from yusuan.recognise.layout import Cell, Grid
from yusuan.registry import ColumnPattern, TableKind, registry

_TOTAL = re.compile(r"^(合计|总计|收入总计|支出总计|收支总计|本年收入合计|本年支出合计|[^其]{2,6}(合计|总计))$")
_CODE_NAME = re.compile(r"^[\[【]?(\d{3}(?:\d{2}){0,2})(?!\d)[\]】]?\s*(.*)$")
_DIGITS = re.compile(r"^\d+$")
_CODE = re.compile(r"^\d{3}(\d{2}){0,2}$")


def take_meta_rows(grid: Grid) -> tuple[list[str], list[Cell]]:
    """Peel the rows above the header that only hold the number, title, unit and 编制单位."""
    texts: list[str] = []
    cells: list[Cell] = []
    while grid.rows:
        filled = [c for c in grid.rows[0] if clean(c.text)]
        if not filled or not all(is_caption(c.text) for c in filled):
            break
        texts += [clean(c.text) for c in filled]
        cells += filled
        grid.rows.pop(0)
        if grid.header_rows:
            grid.header_rows -= 1
    return texts, cells


_PERIODS = (("prior", re.compile(r"^(上年|上一年|去年)(预算|决算|执行)?数?$")),
            ("current", re.compile(r"^(当年|本年)(预算|决算)?数?$")),
            ("change", re.compile(r"^(增减|变化|增长|比较)(变化)?(情况|金额|额|数|率)?$")))


def period_of(text: str, facts: DocumentFacts) -> str | None:
    """Which period a header over amounts names: this year's (`2026年`, `当年`, in final accounts `决算数`),
    last year's, the change, or a final account's budget (`预算数`, `年初预算`)."""
    s = squash(text)
    m = re.match(r"^(\d{4})年(度)?(预算|决算)?(数)?$", s)
    if m and facts.year:
        return "current" if int(m[1]) == facts.year else "prior" if int(m[1]) == facts.year - 1 else "other"
    if facts.kind == "final" and re.match(r"^(年初|全年)?预算数?$", s):
        return "budget"
    if re.match(r"^(决算数|本年决算|实际)$", s):
        return "current"
    return next((name for name, rx in _PERIODS if rx.match(s)), None)


def _column_key(kind: TableKind, path: list[str], facts: DocumentFacts) -> tuple[str | None, ColumnPattern | None]:
    """A column's key: what its header means, and, under a period's header (2025 | 2026, 上年 | 当年 |
    增减, 预算数 | 决算数), that period unless it is this year's (`prior_total`, `change_abroad`)."""
    periods = [(i, p) for i, text in enumerate(path) if (p := period_of(text, facts))]
    meaning = [t for i, t in enumerate(path) if i not in {j for j, _ in periods}] or path
    pattern = registry().column_for(kind, meaning) or registry().column_for(kind, path)
    if pattern is None:
        return None, None
    period = periods[-1][1] if periods else "current"
    return (pattern.key if period == "current" or not pattern.amount else f"{period}_{pattern.key}"), pattern


def make_table(grid: Grid, kind: TableKind, meta: list[str], default_unit: str | None,
               facts: DocumentFacts | None = None) -> Table:
    facts = facts or DocumentFacts()
    caption = read_caption(meta)
    number = caption.number if caption.number and caption.number[0] not in "一二三四五六七八九十" else None
    title = next((squash(t) for t in meta[::-1] if registry().recognise_title(t) is kind), kind.name)
    title = table_number(title)[1] if table_number(title)[0] else title
    unit = caption.unit or default_unit

    header_rows = grid.header_rows if grid.header_rows is not None else split_header(grid)
    head = grid.rows[:header_rows]
    width = body_width(grid.rows[header_rows:], head[-1] if head else None)
    if grid.header_rows is None:  # text exports: spans are not printed, derive them
        fit_header(grid, header_rows, width)
    else:  # cells placed on their grid: every grid column is a column, even one empty in the body
        width = max(width, grid.width)
    paths = column_paths(grid, header_rows, width)

    columns: list[Column] = []
    for j, path in enumerate(paths):
        found, pattern = _column_key(kind, [squash(p) for p in path], facts)
        key = found or f"col{j + 1}"
        if (pattern is None or pattern.amount) and any(c.key == key for c in columns) and not columns[-1].is_amount \
                and columns[-1].key.endswith("_item"):  # a summary's third side: its own amount
            key = columns[-1].key.removesuffix("_item") + "_amount"
        while any(c.key == key for c in columns):
            key += "_2"
        columns.append(
            Column(key=key, label=squash(path[-1]) if path else "", path=[squash(p) for p in path],
                   is_amount=pattern.amount if pattern else True, is_part=pattern.part if pattern else True)
        )
    header = [  # a header cell past the last column heads none (a header row longer than the body)
        HeaderCell(text=clean(c.text), row=i, col=c.col, colspan=min(c.colspan, width - c.col), source=c.source)
        for i, row in enumerate(head) for c in row if clean(c.text) and c.col < width
    ]
    table = Table(number=number, kind=kind.id, title=title, unit=unit, header=header, columns=columns,
                  source=grid.source)
    body = grid.rows[header_rows:] if grid.header_rows is not None else mend_body(grid.rows[header_rows:], width)
    for cells in body:  # a body cell over a column no header names and one it does belongs to the named one
        for cell in cells:
            named = next((j for j in range(cell.col, min(cell.col + cell.colspan, width)) if paths[j]), cell.col)
            cell.colspan, cell.col = cell.colspan - (named - cell.col), named
    _beside_their_header(body, paths)
    for j, column in enumerate(columns):  # a column no pattern names: amounts only if it prints amounts
        if column.key != f"col{j + 1}":
            continue
        texts = [t for row in body for c in row if c.col == j and (t := clean(c.text))]
        if texts and sum(bool(_CODE.match(t)) for t in texts) * 2 > len(texts) and "code" not in table.column_labels:
            column.key, column.is_amount = "code", False  # classification codes under a header no pattern knows
        elif texts and sum(not is_amount(t) for t in texts) * 2 > len(texts):
            column.is_amount = False
    for cells in body:
        if not any(clean(c.text) for c in cells):
            table.filler_rows += 1
            continue
        table.rows.append(make_row(cells, columns))
    unfold_sides(table, kind)
    return table


def _beside_their_header(body: list[list[Cell]], paths: list[list[str]]) -> None:
    """Cells printed one column off their header (rules drawn anew on a continuation page, a header
    cell narrower than the column under it): a column no header names whose cells never share a row
    with the named column beside it is that column."""
    filled: dict[int, set[int]] = {}
    for r, cells in enumerate(body):
        for cell in cells:
            if clean(cell.text):
                filled.setdefault(cell.col, set()).add(r)
    for j in sorted(filled):
        if j >= len(paths) or paths[j]:  # (a row of a text export may run past the header)
            continue
        target = next((k for k in (j + 1, j - 1) if 0 <= k < len(paths) and paths[k]
                       and not filled[j] & filled.get(k, set())), None)
        if target is None:
            continue
        for cells in body:
            for cell in cells:
                if cell.col == j and clean(cell.text):
                    cell.col, cell.colspan = target, 1
        filled.setdefault(target, set()).update(filled.pop(j))


def _repeated(columns: list[Column]) -> list[list[Column]]:
    """The columns cut into halves that repeat one another (code, name, amount | code, name, amount)."""
    n = len(columns)
    for size in range(2, n // 2 + 1):
        if n % size or columns[0].is_amount:
            continue
        halves = [columns[i:i + size] for i in range(0, n, size)]
        if all([c.key.split("_")[0] for c in h] == [c.key.split("_")[0] for c in halves[0]] for h in halves):
            return halves
    return []


def unfold_sides(table: Table, kind: TableKind) -> None:
    """A list printed in two halves side by side (人员经费 | 公用经费, each with code, name and
    amount) becomes one list: the rows of each half, one amount column per half."""
    sides: list[list[Column]] = []
    for column in table.columns:
        head = column.path[0] if len(column.path) > 1 else ""
        if not sides or not head or (sides[-1][0].path[:1] != column.path[:1]):
            sides.append([])
        sides[-1].append(column)
    if len(sides) < 2 or any(len(s) != len(sides[0]) or not s[0].path[:-1] for s in sides):
        sides = _repeated(table.columns)  # halves with no head over them: the same columns printed twice
    if len(sides) < 2 or [c.key.split("_")[0] for c in sides[1]] != [c.key.split("_")[0] for c in sides[0]]:
        return
    labels = [c for c in sides[0] if not c.is_amount]
    # each half a list: labels and an amount (amounts alone under two heads, 预算数 | 决算数, are no halves)
    if not labels or not all(any(c.is_amount for c in side) for side in sides):
        return
    amounts: list[Column] = []
    for side in sides:
        head = side[0].path[0] if len(side[0].path) > 1 else ""
        pattern = registry().column_for(kind, [head]) if head else None
        key = pattern.key if pattern and pattern.amount else side[[c.is_amount for c in side].index(True)].key
        if not head and amounts:  # the same measure in every half: one column
            amounts.append(amounts[0])
            continue
        while any(c.key == key for c in [*labels, *amounts]):
            key += "_2"
        printed = next(c for c in side if c.is_amount)
        amounts.append(Column(key=key, label=squash(head), path=[squash(head)]) if head else
                       printed.model_copy(update={"key": key}))
    same = len({a.key for a in amounts}) == 1
    rows = []
    totals = []
    for side, amount in zip(sides, amounts, strict=True):
        for row in table.rows:
            texts = [row.raw.get(c.key, "") for c in side]
            if not any(texts):
                continue
            new = Row(line=row.line, page=row.page)
            for target, column in zip([*labels, amount], [*(c for c in side if not c.is_amount),
                                                          *(c for c in side if c.is_amount)], strict=False):
                new.raw[target.key] = row.raw.get(column.key, "")
                if column.key in row.source:
                    new.source[target.key] = row.source[column.key]
                if target.is_amount:
                    new.values[target.key] = row.values.get(column.key)
            _set_code_and_label(new)
            if new.is_total and same:  # each half's own subtotal (人员经费合计 | 公用经费合计): no total of the list
                new.is_total = False
            (totals if new.is_total else rows).append(new)
    if totals:  # the halves' totals side by side: one total row
        total = totals[0]
        for other, amount in zip(totals[1:], amounts[1:], strict=False):
            total.values[amount.key] = other.values.get(amount.key)
            total.raw[amount.key] = other.raw.get(amount.key, "")
        rows.append(total)
    for row in rows:
        for amount in amounts:
            row.values.setdefault(amount.key, None)
    table.columns = [*labels, *{a.key: a for a in amounts}.values()]
    table.rows = rows
    printed = {}
    for cell in table.header:
        printed.setdefault(squash(cell.text), cell)
    # the header of the one list: each column's own header as printed, the halves' heads over the amounts
    table.header = [HeaderCell(text=printed[c.label].text if c.label in printed else c.label, row=0, col=j,
                               source=printed[c.label].source if c.label in printed else None)
                    for j, c in enumerate(table.columns)]


def make_row(cells: list[Cell], columns: list[Column]) -> Row:
    row = Row(line=cells[0].source.line, page=cells[0].source.page)
    for cell in cells:
        if cell.col >= len(columns):
            continue
        column = columns[cell.col]
        text = clean(cell.text)
        for spanned in columns[cell.col + 1 : cell.col + cell.colspan]:  # a merged label (合计 over 类款项名称)
            if not spanned.is_amount and text and not column.is_amount:
                row.raw.setdefault(spanned.key, text)
        row.source[column.key] = cell.source
        row.raw[column.key] = text
        if column.is_amount:
            try:
                row.values[column.key] = parse_amount(text)
            except ValueError:
                row.values[column.key] = None  # kept raw; the checks flag it
    for column in columns:
        if column.is_amount:
            row.values.setdefault(column.key, None)
    _set_code_and_label(row)
    return row


def _set_code_and_label(row: Row) -> None:
    raw = {k: squash(v) for k, v in row.raw.items()}
    parts = [raw.get(k, "") for k in ("class", "item", "sub")]
    if parts[0] and all(_DIGITS.match(p) for p in parts if p):
        row.code = "".join(p for p in parts if p)
    elif raw.get("code"):
        m = _CODE_NAME.match(raw["code"])
        if m:
            row.code = m[1]
    row.name = clean(row.raw.get("name", ""))
    for side in ("expense_item", "name"):
        m = _CODE_NAME.match(raw.get(side, ""))
        if m and not row.code:
            row.code, row.name = m[1], clean(m[2])
    row.level = code_level(row.code)
    row.label = clean(row.raw.get("project_name") or row.raw.get("income_item") or row.raw.get("label")
                      or row.name or row.raw.get("unit_name", ""))
    texts = [v for k, v in raw.items() if k not in row.values]
    row.is_total = any(_TOTAL.match(t) for t in texts)
