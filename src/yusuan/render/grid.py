"""A table as the rows of cells a document prints: header cells with their row and column
spans, then body cells as printed."""

from __future__ import annotations

from dataclasses import dataclass

from yusuan.model import Table


@dataclass
class PrintedCell:
    text: str
    colspan: int = 1
    rowspan: int = 1
    header: bool = False
    amount: bool = False
    total: bool = False


def header_rows(table: Table) -> list[list[PrintedCell]]:
    """Header cells placed in a grid; a cell spans down over the rows where nothing is printed
    beneath it, as a vertically merged cell does."""
    depth = max((h.row for h in table.header), default=-1) + 1
    width = len(table.columns)
    taken = [[False] * width for _ in range(depth)]
    rows: list[list[tuple[int, PrintedCell]]] = [[] for _ in range(depth)]
    for h in sorted(table.header, key=lambda h: (h.row, h.col)):
        if h.row >= depth or h.col >= width or taken[h.row][h.col]:
            continue
        span = min(h.colspan, width - h.col)
        down = 1
        while h.row + down < depth and not any(
                c.row == h.row + down and c.col < h.col + span and c.col + c.colspan > h.col for c in table.header):
            down += 1
        for r in range(h.row, h.row + down):
            for c in range(h.col, h.col + span):
                taken[r][c] = True
        rows[h.row].append((h.col, PrintedCell(h.text, span, down, header=True)))
    for r in range(depth):  # a column no header cell covers gets an empty one
        for c in range(width):
            if not taken[r][c]:
                rows[r].append((c, PrintedCell("", 1, 1, header=True)))
                taken[r][c] = True
    return [[cell for _, cell in sorted(row, key=lambda x: x[0])] for row in rows]


def body_rows(table: Table) -> list[list[PrintedCell]]:
    return [[PrintedCell(row.raw.get(c.key, ""), amount=c.is_amount, total=row.is_total) for c in table.columns]
            for row in table.rows]
