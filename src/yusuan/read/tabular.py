"""Tables whose cells sit on a known grid (Word, Excel, HTML) → the layout's lines and grids.

The readers place every cell on its real grid: `col` is its first grid column and `colspan` the
columns it covers; a cell covered from above by a vertical merge is an empty placeholder with the
merged cell's `col`/`colspan`, as the text export prints one for a vertically merged header cell.
Here the rows become what the text reader would have produced:

- grid columns that no printed text starts in are dropped (spreadsheet margins, columns that are
  only ever inside a merged cell), so one printed column is one model column;
- rows above the table that only hold its number, title, unit or 编制单位, or one lone text (a
  title merged across the width), become lines: the recogniser reads titles from lines;
- below the first row of the table, a row holding one lone text that is a note (`注：…`), a number,
  title or unit, a sentence (more than 30 characters: `…没有使用政府性基金预算拨款…为空表`) or a
  text merged across the width ends the table and becomes a line; what follows may be the next
  table (several tables on one sheet);
- `Grid.header_rows` is set: the rows before the first body row (`grid.split_header`; a row that
  prints only 合计 is body), without a row of column numbers (`栏次 1 2 3`) under the header,
  which is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from itertools import pairwise

from yusuan.model import Source
from yusuan.model.numbers import clean, is_amount, squash
from yusuan.read.grid import is_body_row
from yusuan.read.layout import Cell, Grid, Line
from yusuan.read.tables import is_meta_text

_NOTE = re.compile(r"^(注|说明|备注|附注)\s*\d*\s*[:：.．、]")
_LABELLED = re.compile(r"^[^:：\d]{2,8}[:：]")  # `编制部门：…`, `预算单位：…` beside the unit
_NUMBER_MARK = {"栏次", "行次", "*", "**", "—", "-", "－", "甲", "乙", "丙"}
_NUMBER_CELL = re.compile(r"^\d{1,3}$")
_TOTAL = re.compile(r"^(合计|总计|收入总计|支出总计|收支总计)$")
LONG_PROSE = 30  # characters: a lone cell this long after the body is prose, not a row label


def compact_columns(rows: list[list[Cell]]) -> list[list[Cell]]:
    """Keep the grid columns some printed text starts in; renumber `col`/`colspan` onto them.
    An empty cell lying only over dropped columns is dropped with them."""
    kept = sorted({c.col for row in rows for c in row if clean(c.text)})
    index = {col: i for i, col in enumerate(kept)}
    out: list[list[Cell]] = []
    for row in rows:
        new: list[Cell] = []
        for cell in row:
            inside = [index[j] for j in range(cell.col, cell.col + cell.colspan) if j in index]
            if not inside:
                continue
            cell.col, cell.colspan = inside[0], len(inside)
            new.append(cell)
        out.append(new)
    return out


def is_number_row(row: list[Cell]) -> bool:
    """The row of column numbers under a header (`栏次 1 2 3`, `** 1 2 3`)."""
    texts = [squash(c.text) for c in row if squash(c.text)]
    numbers = [int(t) for t in texts if _NUMBER_CELL.match(t)]
    if len(numbers) < 2 or any(t not in _NUMBER_MARK and not _NUMBER_CELL.match(t) for t in texts):
        return False
    return all(b == a + 1 for a, b in pairwise(numbers))


def _lines_of(cells: Iterable[Cell]) -> list[Line]:
    return [Line(text=part, source=c.source) for c in cells for part in c.text.split("\n") if clean(part)]


def _is_title_row(filled: list[Cell]) -> bool:
    """Before the table: the number, title, unit, 编制单位 (or a `label：value` beside them), or one
    lone text that is not an amount."""
    meta = [is_meta_text(c.text) for c in filled]
    if all(m or _LABELLED.match(squash(c.text)) for m, c in zip(meta, filled, strict=True)) and any(meta):
        return True
    return len(filled) == 1 and not is_amount(filled[0].text)


def _is_note_row(filled: list[Cell], width: int) -> bool:
    """Below the table's first row: a lone note, title or sentence, which ends the table."""
    if len(filled) != 1 or is_amount(filled[0].text):
        return False
    cell = filled[0]
    text = squash(cell.text)
    return (is_meta_text(cell.text) or bool(_NOTE.match(text)) or len(text) > LONG_PROSE
            or (width > 1 and cell.colspan >= width))


def header_count(rows: list[list[Cell]]) -> int:
    """The rows before the first body row (as `grid.split_header`), where a row that prints only
    合计 is body too: an empty table's total row, with no amount in it."""
    for i, row in enumerate(rows):
        filled = [squash(c.text) for c in row if clean(c.text)]
        if is_body_row(row) or (len(filled) == 1 and _TOTAL.match(filled[0])):
            return i
    return len(rows)


def _make_grid(rows: list[list[Cell]]) -> Grid:
    while rows and not any(clean(c.text) for c in rows[-1]):
        rows.pop()
    grid = Grid(rows=rows, source=rows[0][0].source.model_copy(update={"col": None}))
    marked = next((i for i, row in enumerate(rows) if not all(c.header for c in row if clean(c.text))), len(rows))
    # header rows the format marks are header rows, even over a body with no amount in it
    header = marked if 0 < marked < len(rows) else header_count(rows)
    if header < len(rows) and is_number_row(rows[header]):
        del rows[header]
    grid.header_rows = header
    return grid


def items_from_rows(rows: list[list[Cell]]) -> list[Line | Grid]:
    """One table as placed on its grid → lines (titles, notes) and grids, in order."""
    rows = compact_columns(rows)
    width = max((c.col + c.colspan for row in rows for c in row), default=0)
    items: list[Line | Grid] = []
    current: list[list[Cell]] = []
    blanks: list[list[Cell]] = []

    def close() -> None:
        nonlocal current, blanks
        if current:
            items.append(_make_grid(current))
        current, blanks = [], []

    for row in rows:
        filled = [c for c in row if clean(c.text)]
        if not filled:
            if current:
                blanks.append(row)
            continue
        if not current:
            if _is_title_row(filled):
                items += _lines_of(filled)
            else:
                current = [row]
            continue
        if _is_note_row(filled, width):
            close()
            items += _lines_of(filled)
            continue
        current += [*blanks, row]
        blanks = []
    close()
    return items


def join_grids(items: list[Line | Grid]) -> list[Line | Grid]:
    """A table broken into two with nothing printed between them (a Word table split at a page,
    the header repeated or not): one grid."""
    out: list[Line | Grid] = []
    for item in items:
        prev = out[-1] if out else None
        if isinstance(item, Grid) and isinstance(prev, Grid) and item.width == prev.width:
            k, pk = item.header_rows or 0, prev.header_rows or 0
            same_header = k == pk and [[squash(c.text) for c in r] for r in item.rows[:k]] == [
                [squash(c.text) for c in r] for r in prev.rows[:pk]]
            if k == 0 or same_header:
                prev.rows += item.rows[k:]
                continue
        out.append(item)
    return out


def rows_from_sheet(
    cells: dict[tuple[int, int], str],
    merges: Iterable[tuple[int, int, int, int]],
    source_at: Callable[[int, int], Source],
) -> list[list[Cell]]:
    """A spreadsheet's cells → rows on the grid. `cells` maps (row, col), 0-based, to the text
    shown; `merges` are (first row, last row, first col, last col), 0-based and inclusive.
    A merged range prints once, at its top-left; the rows below it get an empty placeholder."""
    if not cells:
        return []
    top = min(r for r, _ in cells)
    bottom = max(r for r, _ in cells)
    left = min(c for _, c in cells)
    right = max(c for _, c in cells)
    span: dict[tuple[int, int], int] = {}  # top-left → colspan
    below: dict[tuple[int, int], int] = {}  # a placeholder's position → colspan
    covered: set[tuple[int, int]] = set()
    for r0, r1, c0, c1 in merges:
        if r0 > bottom or c0 > right or r1 < top or c1 < left:
            continue
        r1, c1 = min(r1, bottom), min(c1, right)
        span[(r0, c0)] = c1 - c0 + 1
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                covered.add((r, c))
            if r > r0:
                below[(r, c0)] = c1 - c0 + 1
        covered.discard((r0, c0))
    rows: list[list[Cell]] = []
    for r in range(top, bottom + 1):
        row: list[Cell] = []
        for c in range(left, right + 1):
            if (r, c) in below:
                row.append(Cell(text="", source=source_at(r, c), col=c - left, colspan=below[(r, c)]))
            elif (r, c) not in covered:
                row.append(Cell(text=cells.get((r, c), ""), source=source_at(r, c), col=c - left,
                                colspan=span.get((r, c), 1)))
        rows.append(row)
    return rows
