"""Grid geometry: where the header ends, how wide the table is, and which header cell
spans which columns when a format prints a merged cell once (text exports)."""

from __future__ import annotations

import re
from collections import Counter
from itertools import pairwise

from yusuan.model.numbers import clean, is_amount, squash
from yusuan.recognise.layout import Cell, Grid

_CODE = re.compile(r"^\d{2,7}(\s*\S.*)?$")
# Header cells that label rows rather than hold amounts; they start a column group.
_LABEL_HEAD = re.compile(
    r"^(项目|收入项目|支出项目|功能分类|支出功能分类|.*科目.*|.*名称|.*编码|类|款|项|.*内容|行次)$")


def is_body_row(row: list[Cell]) -> bool:
    """A row of the table body: it holds an amount or a code, or nothing at all (filler)."""
    texts = [clean(c.text) for c in row]
    if not any(texts):
        return True
    return any(is_amount(t) for t in texts) or bool(_CODE.match(texts[0]) and texts[0][:3].isdigit())


def split_header(grid: Grid) -> int:
    """The number of header rows: those before the first body row."""
    for i, row in enumerate(grid.rows):
        if is_body_row(row):
            return i
    return len(grid.rows)


def body_width(rows: list[list[Cell]], leaf: list[Cell] | None) -> int:
    counts = Counter(len(r) for r in rows if any(clean(c.text) for c in r))
    common = counts.most_common(1)[0][0] if counts else 0
    return max(len(leaf) if leaf else 0, common)


def _groups(units: list[tuple[int, int, str]], need: int) -> list[tuple[int, int]]:
    """Split the span units of the row below into `need` groups for the row above.

    An empty unit below is a vertically merged placeholder: the cell above covers just it.
    A run of filled units is covered by one cell above, unless more cells are needed: then
    the run splits where a label column follows amounts, else where amounts follow labels."""
    groups: list[list[tuple[int, int, str]]] = []
    for unit in units:
        if not unit[2] or not groups or not groups[-1][-1][2]:
            groups.append([unit])
        else:
            groups[-1].append(unit)
    while len(groups) < need:
        split = _split_run(groups, need - len(groups))
        if split is None:
            break
        groups = split
    if len(groups) != need:  # cannot tell: one unit per cell, the last cell takes the rest
        flat = [u for g in groups for u in g]
        groups = [[u] for u in flat[: need - 1]] + [flat[need - 1 :]]
    # from the first unit's start to the last unit's end (units a spread row placed may overlap)
    return [(g[0][0], max(u[0] + u[1] for u in g) - g[0][0]) for g in groups]


def _split_run(groups: list[list[tuple[int, int, str]]], extra: int) -> list | None:
    for gi, group in enumerate(groups):
        if len(group) < 2:
            continue
        labels = [bool(_LABEL_HEAD.match(squash(u[2]))) for u in group]
        cuts = [i for i in range(1, len(group)) if labels[i] and not labels[i - 1]]
        if not cuts or len(cuts) > extra:
            cuts = [i for i in range(1, len(group)) if not labels[i] and labels[i - 1]]
        if cuts and len(cuts) <= extra:
            bounds = [0, *cuts, len(group)]
            parts = [group[a:b] for a, b in pairwise(bounds)]
            return groups[:gi] + parts + groups[gi + 1 :]
    return None


def fit_header(grid: Grid, header_rows: int, width: int) -> None:
    """Give every header cell its column and span, from the leaf row up."""
    rows = grid.rows[:header_rows]
    if not rows:
        return
    below: list[tuple[int, int, str]] = []
    for i in range(len(rows) - 1, -1, -1):
        row = rows[i]
        # the leaf row, or a row with more cells than the row below it: no nesting to follow
        if i == len(rows) - 1 or len(row) > len(below):
            if len(row) >= width:
                for j, cell in enumerate(row):
                    cell.col, cell.colspan = j, 1
            else:  # a lone short row: spread it evenly
                step = width / max(len(row), 1)
                for j, cell in enumerate(row):
                    cell.col, cell.colspan = round(j * step), max(1, round((j + 1) * step) - round(j * step))
        else:
            for cell, (col, span) in zip(row, _groups(below, len(row)), strict=False):
                cell.col, cell.colspan = col, span
        below = [(c.col, c.colspan, clean(c.text)) for c in row]


def column_paths(grid: Grid, header_rows: int, width: int) -> list[list[str]]:
    """For each column, the header texts above it from the top row down."""
    paths: list[list[str]] = [[] for _ in range(width)]
    for row in grid.rows[:header_rows]:
        for cell in row:
            text = clean(cell.text)
            if not text:
                continue
            for j in range(cell.col, min(cell.col + cell.colspan, width)):
                if not paths[j] or paths[j][-1] != text:
                    paths[j].append(text)
    return paths


def mend_body(rows: list[list[Cell]], width: int) -> list[list[Cell]]:
    """Rejoin rows a blank line split in two; drop empty cells past the width."""
    out: list[list[Cell]] = []
    i = 0
    while i < len(rows):
        row = list(rows[i])
        while len(row) < width and i + 1 < len(rows) and len(row) + len(rows[i + 1]) <= width:
            i += 1
            row += rows[i]
        while len(row) > width and not clean(row[-1].text):
            row.pop()
        for j, cell in enumerate(row):
            cell.col, cell.colspan = j, 1
        out.append(row)
        i += 1
    return out
