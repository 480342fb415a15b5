"""PDF disclosures: what PDFium draws on each page (read/pdfpage.py) → layout.

Every page is read as *runs*: characters printed one after another on one baseline, in the
order PDFium hands them over. A run is the unit of placement, so a label that overflows its cell
into the next one (and is printed under that cell's number) stays whole.

Ruled tables are found from the page's ruling edges (read/pdfrules.py: pdfplumber's table finder,
ported); each cell rectangle becomes one `Cell` with its column and span, a merged cell once.
Tables without rules are found from the text alone: a block of lines whose pieces stand in
columns, with amounts in them. Text outside the tables becomes `Line` items; wrapped prose lines
are joined into one paragraph. A table continued on the next page is joined into one grid, its
repeated title and header rows dropped.

Pages are independent: a PDF of more than PARALLEL_PAGES pages is read on two processes. A file
with no text layer at all (a scan), a broken, an encrypted or an oversized file is refused with a
YusuanError naming the file; only the parser's own calls are guarded, so a fault in this module
still shows as one.

PDFium and pdfminer are imported when a PDF is read, so importing this module costs nothing."""

from __future__ import annotations

import bisect
import io
import logging
import os
import re
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING

from yusuan.errors import YusuanError
from yusuan.model import Source, Unread
from yusuan.model.numbers import is_amount, squash
from yusuan.read.limits import MAX_CHARS, MAX_PAGE_STREAM, MAX_PAGES
from yusuan.recognise.captions import is_caption, is_heading
from yusuan.recognise.layout import Cell, Grid, Layout, Line

if TYPE_CHECKING:
    from yusuan.read.pdfpage import PageData

_FURNITURE = re.compile(r"^([-—–－]*\s*\d{1,4}\s*[-—–－]*|第\s*\d+\s*页(\s*[,，/]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+)$")
_NUMBER_CELL = re.compile(r"^\d{1,3}$")
_NUMBER_MARK = {"**", "*", "栏次", "行次", "—", "-"}
_ASCII_WORD = re.compile(r"[A-Za-z]")


@dataclass
class Run:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    end: float = 0.0  # right edge of the last character, blanks included (for continuity)
    starts: list[float] = field(default_factory=list)  # where each character of the text starts

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass
class TextLine:
    runs: list[Run]
    top: float
    bottom: float

    @property
    def x0(self) -> float:
        return self.runs[0].x0

    @property
    def x1(self) -> float:
        return max(r.x1 for r in self.runs)

    @property
    def size(self) -> float:
        return max(r.size for r in self.runs)

    @property
    def text(self) -> str:
        return join_runs(self.runs)


@dataclass
class Block:
    """One item of a page before it joins the layout: a line of text or a grid."""

    top: float
    line: TextLine | None = None
    grid: Grid | None = None
    page_width: int = 0


# ---------------------------------------------------------------------------- characters → runs


def make_runs(chars: Iterable[dict]) -> list[Run]:
    """Consecutive characters on one baseline, each starting where the last one ended."""
    runs: list[Run] = []
    cur: Run | None = None
    for c in chars:
        text = c["text"]
        if not text:
            continue
        x0, x1, top, bottom = c["x0"], c["x1"], c["top"], c["bottom"]
        size = c.get("size") or (bottom - top) or 10.0
        blank = not text.strip()
        if (cur is not None and abs(top - cur.top) <= 0.35 * size
                and cur.end - 0.35 * size <= x0 <= cur.end + 0.15 * size):
            cur.end = x1
            cur.starts += [x0] * len(text)
            if blank:
                cur.text += " " if text in (" ", "\u00a0") else text
                continue
            cur.text += text
            cur.x1 = max(cur.x1, x1)
            cur.bottom = max(cur.bottom, bottom)
            continue
        if blank:
            cur = None
            continue
        cur = Run(text=text, x0=x0, x1=x1, top=top, bottom=bottom, size=size, end=x1, starts=[x0] * len(text))
        runs.append(cur)
    for run in runs:
        run.text = run.text.rstrip(" \u3000\u00a0\t")
        del run.starts[len(run.text):]
    return runs


_FIGURE_CHAR = re.compile(r"[\d.,，%％()（）\-−－]")
_TRAILING_FIGURE = re.compile(r"^(.*[^\d.,\s\-−－])\s*[-−－]?\d[\d,]*(\.\d+)?$")


def split_at(runs: list[Run], bounds: list[float]) -> list[Run]:
    """Cut a run where it crosses a rule from a label into a figure (or back): `支出18803323.32`
    printed edge to edge is two cells. A label running on over the rule stays whole."""
    out: list[Run] = []
    for run in runs:
        inside = [b for b in bounds if run.x0 + 1 < b < run.x1 - 1]
        if not inside or len(run.starts) != len(run.text):
            out.append(run)
            continue
        cut = 0
        for b in inside:
            i = next((k for k in range(cut + 1, len(run.text)) if run.starts[k] >= b - 0.5), None)
            if i is None or bool(_FIGURE_CHAR.match(run.text[i - 1])) == bool(_FIGURE_CHAR.match(run.text[i])):
                continue
            out.append(_piece(run, cut, i))
            cut = i
        last = _piece(run, cut, len(run.text)) if cut else run
        m = _TRAILING_FIGURE.match(last.text)
        if m and any(last.x0 + 1 < b < last.x1 - 1 for b in bounds) and len(last.starts) == len(last.text):
            # a label run on into the next cell, and that cell's figure printed right after it
            out += [_piece(last, 0, m.end(1)), _piece(last, m.end(1), len(last.text))]
        else:
            out.append(last)
    return [r for r in out if r.text.strip()]


def _piece(run: Run, a: int, b: int) -> Run:
    text = run.text[a:b]
    x1 = run.starts[b] if b < len(run.starts) else run.x1
    return Run(text=text.strip(), x0=run.starts[a], x1=x1, top=run.top, bottom=run.bottom, size=run.size,
               end=x1, starts=run.starts[a:b])


def join_runs(runs: list[Run]) -> str:
    """The runs of one line, left to right, a space where the gap is wide."""
    out = ""
    prev: Run | None = None
    for run in sorted(runs, key=lambda r: r.x0):
        if prev is not None:
            gap = run.x0 - prev.x1
            if gap > 0.3 * max(prev.size, run.size):
                out += " "
        out += run.text
        prev = run
    return out


def join_lines(texts: list[str]) -> str:
    """The lines of one cell: a wrapped label or number joins without a break."""
    out = ""
    for text in texts:
        text = text.strip()
        if not text:
            continue
        if out and _ASCII_WORD.match(out[-1]) and _ASCII_WORD.match(text[0]):
            out += " "
        out += text
    return out


def group_lines(runs: list[Run]) -> list[TextLine]:
    """Runs into lines, top to bottom: a run joins the line its middle lies within."""
    lines: list[TextLine] = []
    for run in sorted(runs, key=lambda r: (r.top, r.x0)):
        line = lines[-1] if lines else None
        if line is not None and (line.top - 0.2 * run.size <= run.cy <= line.bottom + 0.2 * run.size
                                 or abs(run.top - line.top) <= 0.3 * run.size):
            line.runs.append(run)
            line.bottom = max(line.bottom, run.bottom)
        else:
            lines.append(TextLine(runs=[run], top=run.top, bottom=run.bottom))
    for line in lines:
        line.runs.sort(key=lambda r: r.x0)
    return lines


def cell_text(runs: list[Run]) -> str:
    return join_lines([line.text for line in group_lines(runs)])


# ---------------------------------------------------------------------------- ruled tables


def _cluster(values: Iterable[float], tol: float = 2.0) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= tol:
            continue
        out.append(v)
    return out


def _index(bounds: list[float], v: float, tol: float = 2.0) -> int:
    i = bisect.bisect_left(bounds, v - tol)
    return min(i, len(bounds) - 1)


def ruled_grid(bbox: tuple, rects: list[tuple], runs: list[Run], page: int) -> list[list[Cell]]:
    """A table from its cell rectangles: one cell per rectangle, text placed by runs."""
    xs = _cluster([r[0] for r in rects] + [r[2] for r in rects])
    ys = _cluster([r[1] for r in rects] + [r[3] for r in rects])
    spans = []
    occupied: dict[tuple[int, int], int] = {}
    for k, (x0, top, x1, bottom) in enumerate(rects):
        c0, c1 = _index(xs, x0), max(_index(xs, x1), _index(xs, x0) + 1)
        r0, r1 = _index(ys, top), max(_index(ys, bottom), _index(ys, top) + 1)
        spans.append((r0, r1, c0, c1))
        for r in range(r0, r1):
            for c in range(c0, c1):
                occupied.setdefault((r, c), k)
    texts: list[list[Run]] = [[] for _ in rects]
    runs = split_at(runs, xs[1:-1])

    def at(x: float, y: float) -> int | None:
        c = bisect.bisect_right(xs, x) - 1
        r = bisect.bisect_right(ys, y) - 1
        if r < 0 or c < 0 or r >= len(ys) - 1 or c >= len(xs) - 1:
            return None
        return occupied.get((r, c))

    ambiguous: list[tuple[Run, int, int]] = []
    open_cells: dict[tuple[int, int], list[Run]] = {}  # (top row, column) of a band no rectangle closes
    for run in runs:
        by_centre = at(run.cx, run.cy)
        by_start = at(run.x0 + min(run.size, run.x1 - run.x0) / 2, run.cy)
        if by_centre is None and by_start is None:
            r = bisect.bisect_right(ys, run.cy) - 1
            c = bisect.bisect_right(xs, run.cx) - 1
            if 0 <= r < len(ys) - 1 and 0 <= c < len(xs) - 1:
                # a merged cell running to the page's edge has no bottom rule, so no rectangle: the
                # free band of its column, from the row where it starts, is the cell
                top = r
                while top > 0 and (top - 1, c) not in occupied:
                    top -= 1
                open_cells.setdefault((top, c), []).append(run)
                continue
            near = [(abs((rects[k][0] + rects[k][2]) / 2 - run.cx), k)
                    for (rr, _), k in occupied.items() if rr == r]
            if near:
                texts[min(near)[1]].append(run)
            continue
        if by_centre is None or by_start is None or by_centre == by_start:
            texts[by_centre if by_centre is not None else by_start].append(run)  # type: ignore[index]
        else:
            ambiguous.append((run, by_centre, by_start))
    for run, centre, start in ambiguous:  # an overflowing label: the cell that has nothing else
        texts[start if texts[start] == [] and texts[centre] != [] else centre].append(run)

    rows: dict[int, list[Cell]] = {}
    for k, (r0, _r1, c0, c1) in enumerate(spans):
        x0, top = rects[k][0], rects[k][1]
        cell = Cell(text=cell_text(texts[k]), source=Source(page=page, x=round(x0, 1), y=round(top, 1)),
                    col=c0, colspan=c1 - c0)
        rows.setdefault(r0, []).append(cell)
    for (r0, c0), inside in open_cells.items():
        rows.setdefault(r0, []).append(Cell(text=cell_text(inside), col=c0,
                                            source=Source(page=page, x=round(xs[c0], 1), y=round(ys[r0], 1))))
    return _compact([sorted(rows[r], key=lambda c: c.col) for r in sorted(rows)])


def open_rows(bbox: tuple, rects: list[tuple], verticals: list[tuple[float, float, float]]) -> tuple:
    """A table whose first or last row has no rule above or below it (a page break left it open):
    the vertical rules go on past the table's top or bottom, and between them are the cells of that
    row. The table's box and rectangles, with those cells added."""
    x0, top, x1, bottom = bbox
    inside = [v for v in verticals if x0 - 1 <= v[0] <= x1 + 1]
    rects = list(rects)
    above = [v for v in inside if v[1] < top - 3 and v[2] >= top - 1]
    below = [v for v in inside if v[2] > bottom + 3 and v[1] <= bottom + 1]
    for edge, band in ((above, "above"), (below, "below")):
        xs = _cluster([v[0] for v in edge])
        if len(xs) < 2:
            continue
        if band == "above":
            y = min(v[1] for v in edge)
            rects += [(a, y, b, top) for a, b in pairwise(xs)]
            top = y
        else:
            y = max(v[2] for v in edge)
            rects += [(a, bottom, b, y) for a, b in pairwise(xs)]
            bottom = y
    return (x0, top, x1, bottom), rects


def _compact(rows: list[list[Cell]]) -> list[list[Cell]]:
    """Drop rows without a cell; renumber columns so none is left without a cell starting there."""
    rows = [r for r in rows if r]
    starts = sorted({c.col for r in rows for c in r} | {c.col + c.colspan for r in rows for c in r})
    index = {v: i for i, v in enumerate(starts)}
    for row in rows:
        for cell in row:
            end = index[cell.col + cell.colspan]
            cell.col = index[cell.col]
            cell.colspan = end - cell.col
    return rows


# ---------------------------------------------------------------------------- tables without rules


def _segments(line: TextLine) -> list[list[Run]]:
    """The pieces of a line that stand apart: runs closer than about one character join."""
    segs: list[list[Run]] = []
    for run in line.runs:
        if segs and run.x0 - segs[-1][-1].x1 < 1.1 * max(run.size, segs[-1][-1].size):
            segs[-1].append(run)
        else:
            segs.append([run])
    return segs


def _is_figure(text: str) -> bool:
    s = squash(text)
    return is_amount(s) and ("." in s or "," in s or len(s) >= 3)


def _body_line(line: TextLine) -> bool:
    segs = _segments(line)
    return len(segs) >= 2 and any(_is_figure(join_runs(s)) for s in segs)


def unruled_tables(lines: list[TextLine]) -> list[tuple[int, int, int]]:
    """Blocks of lines that form a table: (first header line, first body line, end)."""
    found: list[tuple[int, int, int]] = []
    i = 0
    while i < len(lines):
        if not _body_line(lines[i]):
            i += 1
            continue
        j, last = i, i
        while j + 1 < len(lines):
            gap = lines[j + 1].top - lines[j].bottom
            if gap > 2.5 * lines[j].size:
                break
            if _body_line(lines[j + 1]):
                last = j + 1
            elif j + 1 - last > 2:
                break
            j += 1
        if sum(_body_line(ln) for ln in lines[i:last + 1]) >= 2:
            start = i
            while start > 0 and i - start < 6:
                prev = lines[start - 1]
                if lines[start].top - prev.bottom > 2.0 * prev.size or is_caption(prev.text):
                    break
                start -= 1
            found.append((start, i, last + 1))
            i = last + 1
        else:
            i += 1
    return found


def unruled_grid(lines: list[TextLine], head: int, body: int, end: int, page: int) -> list[list[Cell]]:
    """Columns from where the body's pieces stand; header pieces span the columns under them."""
    body_segs = [[(min(r.x0 for r in s), max(r.x1 for r in s), s) for s in _segments(ln)] for ln in lines[body:end]]
    spans = sorted((a, b) for row in body_segs for a, b, _ in row)
    columns: list[list[float]] = []
    for a, b in spans:
        if columns and a <= columns[-1][1] - 0.5:
            columns[-1][1] = max(columns[-1][1], b)
        else:
            columns.append([a, b])
    width = len(columns)

    def cols_of(a: float, b: float) -> tuple[int, int]:
        hit = [k for k, (ca, cb) in enumerate(columns) if min(b, cb) - max(a, ca) > 0]
        if not hit:  # between columns: the nearest one
            mid = (a + b) / 2
            k = min(range(width), key=lambda k: min(abs(columns[k][0] - mid), abs(columns[k][1] - mid)))
            return k, k + 1
        return hit[0], hit[-1] + 1

    # header: each piece covers the columns its text lies over, widened symmetrically over the
    # columns whose headers all start lower down (a group label centred over its members)
    pieces: list[dict] = []
    for ln in lines[head:body]:
        for seg in _segments(ln):
            a, b = min(r.x0 for r in seg), max(r.x1 for r in seg)
            c0, c1 = cols_of(a, b)
            pieces.append({"c0": c0, "c1": c1, "runs": list(seg), "top": ln.top, "bottom": ln.bottom, "x": a,
                           "a": a, "b": b, "size": ln.size})
    first_top = [min((p["top"] for p in pieces if p["c0"] <= k < p["c1"]), default=None) for k in range(width)]
    for p in pieces:
        same_line = [q for q in pieces if q is not p and abs(q["top"] - p["top"]) < 0.3 * p["size"]]
        lo = max([q["c1"] for q in same_line if q["c1"] <= p["c0"]], default=0)
        hi = min([q["c0"] for q in same_line if q["c0"] >= p["c1"]], default=width)
        centre = (p["a"] + p["b"]) / 2
        best = (p["c0"], p["c1"])
        for c0 in range(p["c0"], lo - 1, -1):
            if c0 < p["c0"] and not (first_top[c0] is not None and first_top[c0] > p["bottom"]):
                break
            for c1 in range(p["c1"], hi + 1):
                if c1 > p["c1"] and not (first_top[c1 - 1] is not None and first_top[c1 - 1] > p["bottom"]):
                    break
                mid = (columns[c0][0] + columns[c1 - 1][1]) / 2
                half = (columns[c1 - 1][1] - columns[c0][0]) / 2
                if abs(mid - centre) <= max(0.2 * half, p["size"]) and c1 - c0 > best[1] - best[0]:
                    best = (c0, c1)
        p["c0"], p["c1"] = best
    cells: list[dict] = []
    for p in sorted(pieces, key=lambda p: (p["top"], p["c0"])):
        above = next((c for c in reversed(cells) if (c["c0"], c["c1"]) == (p["c0"], p["c1"])
                      and 0 <= p["top"] - c["bottom"] < 1.6 * p["size"]), None)
        if above is not None:
            above["runs"] += p["runs"]
            above["bottom"] = p["bottom"]
        else:
            cells.append(p)
    # a header cell's row: how many cells above it cover its columns and more
    levels: dict[int, list[dict]] = {}
    for cell in cells:
        level = sum(1 for o in cells if o is not cell and o["top"] < cell["top"] and o["c0"] <= cell["c0"]
                    and o["c1"] >= cell["c1"] and (o["c1"] - o["c0"]) > (cell["c1"] - cell["c0"]))
        levels.setdefault(level, []).append(cell)
    rows: list[list[Cell]] = []
    for level in sorted(levels):
        row = sorted(levels[level], key=lambda c: c["c0"])
        rows.append([Cell(text=cell_text(c["runs"]), source=Source(page=page, x=round(c["x"], 1), y=round(c["top"], 1)),
                          col=c["c0"], colspan=c["c1"] - c["c0"]) for c in row])
    # body: one row per line with figures; a wrapped label line joins the nearest row
    body_rows: list[tuple[TextLine, list[list[Run]]]] = []
    strays: list[tuple[TextLine, list[Run], int]] = []
    for ln in lines[body:end]:
        if _body_line(ln):
            placed: list[list[Run]] = [[] for _ in range(width)]
            for seg in _segments(ln):
                c0, _ = cols_of(min(r.x0 for r in seg), max(r.x1 for r in seg))
                placed[c0] += seg
            body_rows.append((ln, placed))
        else:
            for seg in _segments(ln):
                strays.append((ln, seg, cols_of(min(r.x0 for r in seg), max(r.x1 for r in seg))[0]))
    for ln, seg, col in strays:
        target = min(body_rows, key=lambda br: abs((br[0].top + br[0].bottom) / 2 - (ln.top + ln.bottom) / 2))
        target[1][col] += seg
    for ln, placed in body_rows:
        rows.append([Cell(text=cell_text(runs), col=k,
                          source=Source(page=page, x=round(min((r.x0 for r in runs), default=columns[k][0]), 1),
                                        y=round(ln.top, 1)))
                     for k, runs in enumerate(placed)])
    return rows


# ---------------------------------------------------------------------------- pages


def _inside(run: Run, bbox: tuple) -> bool:
    x0, top, x1, bottom = bbox
    return x0 - 1 <= run.cx <= x1 + 1 and top - 1 <= run.cy <= bottom + 1


def read_page(data: PageData) -> tuple[list[Block], bool, str | None]:
    """One page's blocks, top to bottom, whether it had any text, and the page number it prints."""
    number = data.number
    runs = make_runs(data.chars)
    if not runs:
        return [], False, None
    blocks: list[Block] = []
    tables = []
    for bbox, rects in data.tables:
        xs = _cluster([r[0] for r in rects] + [r[2] for r in rects])
        ys = _cluster([r[1] for r in rects] + [r[3] for r in rects])
        if len(xs) < 3 or len(ys) < 2:  # one column: a frame round some text
            continue
        tables.append(open_rows(bbox, rects, data.verticals))
    rest = list(runs)
    for bbox, rects in tables:
        inside = [r for r in rest if _inside(r, bbox)]
        if not inside:
            continue
        rest = [r for r in rest if not _inside(r, bbox)]
        rows = ruled_grid(bbox, rects, inside, number)
        if not any(c.text.strip() for row in rows for c in row) or max(len(r) for r in rows) < 2:
            blocks += [Block(top=ln.top, line=ln) for ln in group_lines(inside)]
            continue
        src = Source(page=number, x=round(bbox[0], 1), y=round(bbox[1], 1))
        blocks.append(Block(top=bbox[1], grid=Grid(rows=rows, source=src, placed=True)))
    lines = group_lines(rest)
    taken: set[int] = set()
    for head, body, end in unruled_tables(lines):
        rows = unruled_grid(lines, head, body, end, number)
        src = Source(page=number, x=round(min(ln.x0 for ln in lines[head:end]), 1), y=round(lines[head].top, 1))
        blocks.append(Block(top=lines[head].top, grid=Grid(rows=rows, source=src, placed=True)))
        taken.update(range(head, end))
    height = data.height
    label = None
    for k, ln in enumerate(lines):
        if k in taken:
            continue
        if _FURNITURE.match(ln.text.strip()) and (ln.top > 0.82 * height or ln.bottom < 0.12 * height):
            label = label or re.search(r"\d+", ln.text)[0]  # type: ignore[index]
            continue
        blocks.append(Block(top=ln.top, line=ln))
    blocks.sort(key=lambda b: (b.top, b.line.x0 if b.line else 0))
    for block in blocks:
        block.page_width = round(data.width)
    return blocks, True, label


# ---------------------------------------------------------------------------- the document


def _reflow(blocks: list[tuple[int, Block]]) -> list:
    """Join wrapped prose lines into paragraphs: a line that runs to the right margin goes on in
    the next line when that starts at the left margin and is no heading, title or unit line."""
    out: list = []
    widths: dict[int, float] = {}
    by_width: dict[int, list[TextLine]] = {}
    for page, block in blocks:
        if block.line is not None and len(squash(block.line.text)) >= 12:
            by_width.setdefault(block.page_width, []).append(block.line)
        widths[page] = block.page_width
    margins = {w: (_mode([ln.x0 for ln in lines]), _mode([ln.x1 for ln in lines])) for w, lines in by_width.items()}
    prev: tuple[int, TextLine, Line] | None = None
    for page, block in blocks:
        if block.grid is not None:
            out.append((page, block))
            prev = None
            continue
        ln = block.line
        assert ln is not None
        text = ln.text.strip()
        if not text:
            continue
        if prev is not None and widths[page] in margins and widths[prev[0]] in margins:
            ppage, pln, pitem = prev
            left, _ = margins[widths[page]]
            left = min(left, ln.x0 + 0.5 * ln.size) if abs(ln.x0 - left) < 1.2 * ln.size else left
            pleft, pright = margins[widths[ppage]]
            wrapped = (pln.x1 >= pright - 1.5 * pln.size and pln.x0 <= pleft + 3.2 * pln.size
                       and len(squash(pln.text)) >= 12
                       and ln.x0 <= left + 0.8 * ln.size and not is_heading(text) and not is_caption(pitem.text)
                       and (ppage != page or ln.top - pln.bottom < 1.6 * ln.size))
            if wrapped:
                pitem.text = join_lines([pitem.text, text])
                prev = (page, ln, pitem)
                continue
        item = Line(text=text, source=Source(page=page, x=round(ln.x0, 1), y=round(ln.top, 1)))
        out.append(item)
        prev = (page, ln, item)
    return out


def _mode(values: list[float]) -> float:
    """The most common value, to 2 pt: justified prose starts and ends its lines at the margins."""
    counts = Counter(round(v / 2) for v in values)
    return counts.most_common(1)[0][0] * 2.0


def assemble(pages: list[list[Block]], file: str) -> Layout:
    """The pages' blocks in order, prose reflowed into paragraphs."""
    flat = [(number, block) for number, blocks in enumerate(pages, start=1) for block in blocks]
    layout = Layout(file=file, format="pdf")
    for item in _reflow(flat):
        layout.items.append(item if isinstance(item, Line) else item[1].grid)  # type: ignore[arg-type]
    return layout


def _error_for(exc: BaseException) -> str:
    chain = []
    e: BaseException | None = exc
    while e is not None and len(chain) < 6:
        chain.append(type(e).__name__ + " " + str(e))
        e = e.__cause__ or e.__context__
    text = " ".join(chain)
    if "Password" in text or "password" in text or "Encrypt" in text:
        return "PDF 文件有密码保护（已加密），无法读取；请提供未加密的文件"
    return "PDF 文件已损坏或不完整，无法读取"


def _stream_bytes(stream, limit: int) -> int:
    """A stream's decoded size, counted no further than `limit` (a Flate bomb is not unpacked)."""
    from pdfminer.pdftypes import LITERALS_FLATE_DECODE

    raw = stream.rawdata if stream.rawdata is not None else stream.data or b""
    filters = stream.get_filters()
    if not filters or filters[0][0] not in LITERALS_FLATE_DECODE:
        return len(raw)
    try:
        return len(zlib.decompressobj().decompress(raw, limit + 1))
    except zlib.error:  # encrypted or damaged: PDFium decides
        return len(raw)


def _page_stream_bytes(page_obj) -> int:
    """Decoded bytes of what a page draws: its content streams and the forms it uses, to three levels."""
    from pdfminer.pdftypes import PDFStream, resolve1
    from pdfminer.psparser import LIT

    total = 0
    seen: set[int] = set()
    todo = [(resolve1(c), 0) for c in page_obj.contents]
    resources = [(resolve1(page_obj.resources or {}), 0)]
    while todo or resources:
        while resources:
            res, depth = resources.pop()
            xobjects = resolve1(res.get("XObject", {})) if isinstance(res, dict) else {}
            for ref in (xobjects.values() if isinstance(xobjects, dict) else []):
                form = resolve1(ref)
                if isinstance(form, PDFStream) and id(form) not in seen and depth < 3 \
                        and form.get("Subtype") is LIT("Form"):
                    seen.add(id(form))
                    todo.append((form, depth + 1))
                    resources.append((resolve1(form.get("Resources", {})), depth + 1))
        if todo:
            stream, _ = todo.pop()
            if isinstance(stream, PDFStream):
                total += _stream_bytes(stream, MAX_PAGE_STREAM - total)
                if total > MAX_PAGE_STREAM:
                    return total
    return total


def _within_bounds(data: bytes, count: int, file: str) -> None:
    """Refuse, before PDFium parses a single page, a PDF too big for any disclosure: too many pages,
    or a page whose content streams unpack past MAX_PAGE_STREAM (PDFium would unpack a Flate bomb
    whole). pdfminer reads the file's structure for this, streams still packed: PDFium has no call
    that hands over a page's raw content."""
    if count > MAX_PAGES:
        raise YusuanError(f"PDF 有 {count:,} 页，超过 {MAX_PAGES:,} 页的上限，拒绝读取", file=file)
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # its warnings on damaged streams are ours to word
    document = PDFDocument(PDFParser(io.BytesIO(data)))
    for index, page in enumerate(PDFPage.create_pages(document)):
        if index >= MAX_PAGES:
            break
        if _page_stream_bytes(page) > MAX_PAGE_STREAM:
            raise YusuanError(f"第{index + 1}页的内容流解压后超过 {MAX_PAGE_STREAM >> 20} MB，远大于任何公开文件的页面，"
                              "拒绝读取", file=file)


@dataclass
class PageRead:
    """One page read, as a worker hands it back."""

    blocks: list[Block]
    has_text: bool
    label: str | None
    images: int
    chars: int


def read_pages(data: bytes, numbers: list[int]) -> list[PageRead]:
    """Pages of the PDF (numbered from 1), each read on its own. A page PDFium cannot parse, one drawing
    more than MAX_PAGE_CHARS characters, or pages drawing more than MAX_CHARS in all are refused with a
    YusuanError (its file named by the caller)."""
    from yusuan.read.pdfpage import open_document, page_data

    doc = open_document(data)
    out: list[PageRead] = []
    total = 0
    try:
        for number in numbers:
            try:
                raw = page_data(doc, number)
            except YusuanError:
                raise
            except Exception as exc:
                raise YusuanError(_error_for(exc) + f"（第{number}页）") from exc
            total += raw.count
            if total > MAX_CHARS:
                raise YusuanError(_TOO_MANY_CHARS)
            blocks, has_text, label = read_page(raw)
            out.append(PageRead(blocks, has_text, label, raw.images, raw.count))
    finally:
        doc.close()
    return out


_TOO_MANY_CHARS = f"PDF 的字符超过 {MAX_CHARS:,} 个，远多于任何公开文件，拒绝读取"


def _read_share(data: bytes, numbers: list[int], out) -> None:
    """read_pages in a forked worker, handed back through the pipe `out`: a refusal as its message, any other
    exception as itself, to be raised where the reading was asked for (never a traceback from a worker)."""
    try:
        out.send(read_pages(data, numbers))
    except YusuanError as exc:
        out.send(str(exc))
    except KeyboardInterrupt:  # the whole command is interrupted: the parent says so
        pass
    except Exception as exc:
        try:
            out.send(exc)
        except Exception:  # an exception that cannot be pickled
            out.send(RuntimeError(f"{type(exc).__name__}: {exc}"))
    finally:
        out.close()


PARALLEL_PAGES = 8  # a longer PDF is read on two processes (pages are independent)


def _workers(count: int) -> int:
    """How many processes read a document of `count` pages: two on a machine with two cores, unless
    YUSUAN_PDF_WORKERS says otherwise (a batch already runs a document per core). Only where a process
    can fork cheaply with nothing else running in it: a worker starts with yusuan imported and the bytes
    in memory, and a process with other threads (a web server) is not forked."""
    import multiprocessing
    import threading

    if ("fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1
            or multiprocessing.current_process().daemon):  # a daemon may start no process
        return 1
    setting = os.environ.get("YUSUAN_PDF_WORKERS", "")
    if setting.isdigit():
        return max(1, min(int(setting), count))
    if count <= PARALLEL_PAGES:
        return 1
    return min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def _all_pages(data: bytes, count: int) -> list[PageRead]:
    """Every page: this process reads every n-th page while n − 1 forked workers read the others (pages
    differ in cost along a document, so turn about shares them evenly)."""
    numbers = list(range(1, count + 1))
    workers = _workers(count)
    if workers < 2:
        return read_pages(data, numbers)
    import multiprocessing

    fork = multiprocessing.get_context("fork")
    shares = [numbers[k::workers] for k in range(workers)]
    started = []
    for share in shares[1:]:
        receive, send = fork.Pipe(duplex=False)
        worker = fork.Process(target=_read_share, args=(data, share, send), daemon=True)
        worker.start()
        send.close()
        started.append((worker, receive))
    parts: list[list[PageRead] | str] = []
    try:
        try:
            parts.append(read_pages(data, shares[0]))
        except YusuanError as exc:
            parts.append(str(exc))
        for _, receive in started:
            try:
                part = receive.recv()
            except EOFError:  # the worker died in the parser: the file's, as a fault in this process would be
                part = "PDF 文件已损坏或不完整，无法读取（读取页面的进程意外退出）"
            if isinstance(part, BaseException):
                raise part
            parts.append(part)
    finally:
        for worker, receive in started:
            receive.close()
            if len(parts) < workers:  # leaving on an exception: the others' pages are not wanted
                worker.terminate()
            worker.join()
    refused = next((part for part in parts if isinstance(part, str)), None)
    if refused is not None:
        raise YusuanError(refused)
    by_number = {n: page for share, part in zip(shares, parts, strict=True) for n, page in zip(share, part, strict=True)}
    pages = [by_number[n] for n in numbers]
    if sum(p.chars for p in pages) > MAX_CHARS:
        raise YusuanError(_TOO_MANY_CHARS)
    return pages


def read_pdf(data: bytes, file: str) -> Layout:
    from yusuan.read.pdfpage import open_document

    try:  # only the parser's own calls: a failure there is the file's, anything after is ours
        doc = open_document(data)
        count = len(doc)
        doc.close()
        _within_bounds(data, count, file)
    except YusuanError:
        raise
    except Exception as exc:
        raise YusuanError(_error_for(exc), file=file) from exc
    if not count:
        raise YusuanError("PDF 文件没有任何页面", file=file)
    try:
        read = _all_pages(data, count)
    except YusuanError as exc:
        raise YusuanError(str(exc), file=file) from exc
    textless = [n for n, page in enumerate(read, start=1) if not page.has_text]
    if len(textless) == len(read):
        if sum(page.images for page in read):
            raise YusuanError("这是扫描件 PDF（页面只有图片，没有文字层），无法读取；请提供带文字的 PDF，"
                              "或先做文字识别（OCR）", file=file)
        raise YusuanError("PDF 中没有可读取的文字", file=file)
    layout = assemble([page.blocks for page in read], file)
    layout.page_labels = {n: page.label for n, page in enumerate(read, start=1) if page.label is not None}
    layout.unread += [Unread(what="page", reason="没有文字层（可能是扫描图片），未能读取", source=Source(page=n))
                      for n in textless if n != 1]
    return layout
