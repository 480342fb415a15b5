"""Grids as the readers place them → the grids of tables.

What a reader sees as one grid may hold more: the table's number, title and unit printed inside
its frame, a note under its body, a second table below. What it sees as two grids may be one
table: continued on the next page (its title and header printed again, or not), or a Word table
broken where the page breaks. Here, for every grid a reader placed:

- rows above the body that only hold a caption (number, title, unit, 编制单位), or one lone text,
  become lines: the caption is read from lines;
- below the first row, a row holding one lone text that is a note (`注：…`), a caption, a
  sentence, or a text merged across the width ends the table and becomes a line; what follows may
  be the next table;
- a grid continues the one before when it starts the next page (or follows it directly, where a
  format has no pages) with nothing between but the caption printed again, is as wide, and
  prints no header or the same header again; a row cut by the page break is joined, and a total
  row printed again at the top of every page is dropped;
- then grid columns no printed text starts in are dropped (margins, phantom frames, columns only
  ever inside a merged cell), so one printed column is one model column, and the header rows are
  found: those before the first body row, a row of column numbers (`栏次 1 2 3`) under them dropped.
"""

from __future__ import annotations

import re
from itertools import pairwise

from yusuan.model.numbers import clean, is_amount, squash
from yusuan.recognise.captions import is_caption, read_caption
from yusuan.recognise.headers import is_body_row
from yusuan.recognise.layout import Cell, Grid, Line

_NOTE = re.compile(r"^(注|说明|备注|附注)\s*\d*\s*[:：.．、]")
_LABELLED = re.compile(r"^[^:：\d]{2,8}[:：]")  # `编制部门：…`, `预算单位：…` beside the unit
_NUMBER_MARK = {"栏次", "行次", "*", "**", "—", "-", "－", "甲", "乙", "丙"}
_NUMBER_CELL = re.compile(r"^\d{1,3}$")
_TOTAL = re.compile(r"^(合计|总计|收入总计|支出总计|收支总计)$")
LONG_PROSE = 30  # characters: a lone cell this long after the body is prose, not a row label
ALIGNED = 8  # points: columns of one table on two pages start this near each other (rules drawn anew)


def prepare(items: list[Line | Grid]) -> list[Line | Grid]:
    """The layout's items with every placed grid split into captions, tables and notes, and the
    grids of one table joined."""
    split: list[Line | Grid] = []
    for item in items:
        split += _split(item) if isinstance(item, Grid) and item.placed else [item]
    out = _join(split)
    for item in out:
        if isinstance(item, Grid) and item.placed:
            _finish(item)
    return out


# ---------------------------------------------------------------------------- one grid


def _lines_of(cells: list[Cell]) -> list[Line]:
    return [Line(text=part, source=c.source) for c in cells for part in c.text.split("\n") if clean(part)]


def _is_title_row(filled: list[Cell]) -> bool:
    """Above the table: its caption (or a `label：value` beside it), or one lone text that is not an amount."""
    caption = [is_caption(c.text) for c in filled]
    if all(m or _LABELLED.match(squash(c.text)) for m, c in zip(caption, filled, strict=True)) and any(caption):
        return True
    return len(filled) == 1 and not is_amount(filled[0].text)


def _is_note_row(filled: list[Cell], width: int) -> bool:
    """Below the table's first row: a lone note, caption or sentence, which ends the table."""
    if len(filled) != 1 or is_amount(filled[0].text):
        return False
    cell = filled[0]
    text = squash(cell.text)
    return (is_caption(cell.text) or bool(_NOTE.match(text)) or len(text) > LONG_PROSE
            or (width > 1 and cell.colspan >= width))


def _split(grid: Grid) -> list[Line | Grid]:
    width = grid.width
    items: list[Line | Grid] = []
    current: list[list[Cell]] = []
    blanks: list[list[Cell]] = []

    def close() -> None:
        nonlocal current, blanks
        if current:
            items.append(Grid(rows=current, source=_source(current), placed=True))
        current, blanks = [], []

    for row in grid.rows:
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


def _source(rows: list[list[Cell]]):
    first = rows[0][0].source
    return first.model_copy(update={"col": None, "x": min((c.source.x for c in rows[0] if c.source.x is not None),
                                                          default=first.x)})


def is_number_row(row: list[Cell]) -> bool:
    """The row of column numbers under a header (`栏次 1 2 3`, `** 1 2 3`)."""
    texts = [squash(c.text) for c in row if squash(c.text)]
    numbers = [int(t) for t in texts if _NUMBER_CELL.match(t)]
    marked = len(numbers) < len(texts)
    if not numbers or (len(numbers) < 2 and not marked) or any(
            t not in _NUMBER_MARK and not _NUMBER_CELL.match(t) for t in texts):
        return False
    return all(b == a + 1 for a, b in pairwise(numbers))


def header_count(rows: list[list[Cell]]) -> int:
    """The rows before the body: header rows the format marks, else those before the first row with
    an amount or a code, a lone 合计 (an empty table's total row), or a row mostly blank (a header
    row prints a text in every cell it has; an empty placeholder under a merged cell is none)."""
    marked = next((i for i, row in enumerate(rows) if not all(c.header for c in row if clean(c.text))), len(rows))
    if 0 < marked < len(rows):
        return marked
    for i, row in enumerate(rows):
        filled = [squash(c.text) for c in row if clean(c.text)]
        if is_body_row(row) or (len(filled) == 1 and _TOTAL.match(filled[0])) or is_number_row(row):
            return i
        blanks = sum(1 for c in row if not clean(c.text) and not c.merged)
        if i and blanks * 2 >= len(row):
            return i
    return len(rows)  # no body: a table printed empty, all header


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


def _finish(grid: Grid) -> None:
    grid.rows = [r for r in compact_columns(grid.rows) if r]
    header = header_count(grid.rows)
    if header < len(grid.rows) and is_number_row(grid.rows[header]):
        del grid.rows[header]
    grid.header_rows = header


# ---------------------------------------------------------------------------- one table, two grids


def _row_key(row: list[Cell]) -> tuple:
    return tuple(squash(c.text) for c in row if clean(c.text))


def _finishes(last: list[Cell], first: list[Cell]) -> bool:
    """A row cut by the page break: its text goes on in cells where the row before has text."""
    before = {c.col: c for c in last}
    filled = [c for c in first if c.text.strip()]
    return bool(filled) and len(filled) < len(first) and all(
        c.col in before and before[c.col].text.strip() and not is_amount(c.text) for c in filled)


def _text_columns(grid: Grid) -> list[float] | None:
    """Where each column that prints text starts on the page (None where the format has no places)."""
    starts = _column_starts(grid)
    return [starts[c] for c in sorted(starts)] if starts else None


def _aligned(prev: Grid, grid: Grid) -> bool:
    """The same columns: on the page, each column the grid prints text in starts where one of the
    table's does (a frame's phantom column prints none); elsewhere, as many grid columns."""
    mine, theirs = _text_columns(prev), _text_columns(grid)
    if mine is None or theirs is None:
        return prev.width == grid.width
    return prev.width == grid.width or (len(theirs) <= len(mine) + 1 and all(
        any(abs(x - y) <= ALIGNED for y in mine) for x in theirs))


def _continues(prev: Grid, grid: Grid, between: list[Line], titles: list[Line]) -> bool:
    """Whether `grid` goes on with `prev`; if so its rows are added to `prev`."""
    if not _aligned(prev, grid):
        return False
    last_page, page = prev.rows[-1][0].source.page, grid.source.page
    if last_page is not None and page is not None:
        if page != last_page + 1 or any(ln.source.page != page for ln in between):
            return False
    elif between:
        return False
    repeated = {squash(t.text) for t in titles}
    mine = read_caption([t.text for t in titles])
    strays: list[list[Cell]] = []  # rows of the table printed above the next page's rules
    for line in between:  # only the caption again: a new title, or text, starts a new table
        if squash(line.text) in repeated:
            continue
        row = _stray_row(prev, line)
        if row is not None:
            strays.append(row)
            continue
        caption = read_caption([line.text])
        if not is_caption(line.text) or (caption.title and _titled(caption.title) != _titled(mine.title or "")) or (
                caption.number and mine.number and caption.number != mine.number):
            return False
    k, head = header_count(grid.rows), header_count(prev.rows)
    rows = grid.rows
    if k:
        if k <= head and [_row_key(r) for r in rows[:k]] == [_row_key(r) for r in prev.rows[:k]]:
            rows = rows[k:]
        elif not between and len(prev.rows) > head and _finishes(prev.rows[-1], rows[0]):
            last = {c.col: c for c in prev.rows[-1]}
            for cell in rows[0]:
                if cell.text.strip():
                    last[cell.col].text = last[cell.col].text.rstrip() + cell.text.strip()
            rows = rows[1:]
        else:
            return False
    # a total row printed again at the top of every page
    if rows and len(prev.rows) > head and [squash(c.text) for c in rows[0]] == [
            squash(c.text) for c in prev.rows[head]]:
        rows = rows[1:]
    if prev.width != grid.width:
        _onto(prev, rows)
    prev.rows += strays + rows
    return True


def _titled(title: str) -> str:
    """A title as a continuation prints it again: without its year or a `（续）`; another title is
    another table, even of the same kind (one project's 绩效目标表 after another's)."""
    return re.sub(r"^\d{4}年度?|[(（]?续表?[)）]?", "", squash(title))


def _stray_row(prev: Grid, line: Line) -> list[Cell] | None:
    """A short line that starts where a column of the table does and is no caption: a row of the table
    left outside the next page's rules (`十六、金融支出` above the continued grid)."""
    x = line.source.x
    if x is None or is_caption(line.text) or len(squash(line.text)) > LONG_PROSE:
        return None
    col = next((c for c, start in _column_starts(prev).items() if abs(start - x) <= ALIGNED), None)
    return None if col is None else [Cell(text=line.text, source=line.source, col=col)]


def _column_starts(grid: Grid) -> dict[int, float]:
    starts: dict[int, float] = {}
    for row in grid.rows:
        for cell in row:
            if clean(cell.text) and cell.source.x is not None:
                starts[cell.col] = min(starts.get(cell.col, cell.source.x), cell.source.x)
    return starts


def _onto(prev: Grid, rows: list[list[Cell]]) -> None:
    """Put cells of another page's grid on the table's columns, by where they start on the page."""
    starts: dict[int, float] = {}
    for row in prev.rows:
        for cell in row:
            if cell.source.x is not None:
                starts.setdefault(cell.col, cell.source.x)
    for row in rows:
        for cell in row:
            x = cell.source.x
            near = min(starts, key=lambda c: abs(starts[c] - x)) if starts and x is not None else None
            if near is not None and abs(starts[near] - x) <= ALIGNED:  # type: ignore[operator]
                cell.col, cell.colspan = near, min(cell.colspan, prev.width - near)


def _join(items: list[Line | Grid]) -> list[Line | Grid]:
    out: list[Line | Grid] = []
    last: int | None = None  # where in `out` the last grid is
    titles: list[Line] = []  # the lines before the last grid: its caption, for a continuation
    run: list[Line] = []  # the lines since the last grid
    for item in items:
        if isinstance(item, Line):
            out.append(item)
            run.append(item)
            continue
        prev = out[last] if last is not None else None
        if isinstance(prev, Grid) and prev.placed and item.placed and _continues(prev, item, run, titles):
            del out[len(out) - len(run):]  # the caption printed again is no text of the document
            run = []
            continue
        titles, run = run[-4:], []
        out.append(item)
        last = len(out) - 1
    return out
