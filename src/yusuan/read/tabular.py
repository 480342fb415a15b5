"""Spreadsheets (Excel .xlsx and .xls): a sheet's cells → rows of cells placed on the sheet's grid.

`col` is a cell's first grid column and `colspan` the columns it covers; a cell covered from
above by a vertical merge is an empty placeholder (`merged`) with the merged cell's `col`/`colspan`,
as the text export prints one for a vertically merged header cell. Recognition finds the tables
in the rows (recognise/grids.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from yusuan.model import Source
from yusuan.recognise.layout import Cell


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
                row.append(Cell(text="", source=source_at(r, c), col=c - left, colspan=below[(r, c)], merged=True))
            elif (r, c) not in covered:
                row.append(Cell(text=cells.get((r, c), ""), source=source_at(r, c), col=c - left,
                                colspan=span.get((r, c), 1)))
        rows.append(row)
    return rows
