"""Ruled tables from a page's ruling edges: the cells the rules enclose, grouped into tables.

This is pdfplumber's "lines" table finder (its `TableFinder` with default settings: snap and join
edges within 3 pt, drop edges under 3 pt, intersections within 3 pt, the smallest cell at each
corner, cells touching at a corner form one table), over edges from PDFium. The steps and their
tolerances are kept as pdfplumber has them, so the tables found are the ones the reader was
written against; only the data structures are made for speed.

An edge is `(orientation, x0, top, x1, bottom)` in page points from the top left, orientation
"h" or "v"."""

from __future__ import annotations

import bisect
from itertools import groupby

Edge = tuple[str, float, float, float, float]
Box = tuple[float, float, float, float]

SNAP = 3.0  # edges this close along their cross axis are moved onto their average
JOIN = 3.0  # collinear edges with a gap this small are one edge
MIN_LENGTH = 3.0  # shorter edges (after joining) are no rule
MIN_LENGTH_PREFILTER = 1.0  # shorter edges are dropped before snapping
INTERSECT = 3.0  # a horizontal and a vertical edge meet if they come this close


def _length(e: Edge) -> float:
    return e[4] - e[2] if e[0] == "v" else e[3] - e[1]


def _snap(edges: list[Edge], orientation: str) -> list[Edge]:
    """Edges of one orientation whose positions chain within SNAP, moved onto their mean."""
    at = 1 if orientation == "v" else 2
    values = sorted({e[at] for e in edges})
    cluster: dict[float, int] = {}
    k, last = -1, None
    for v in values:
        if last is None or v > last + SNAP:
            k += 1
        cluster[v] = k
        last = v
    groups: dict[int, list[Edge]] = {}
    for e in sorted(edges, key=lambda e: cluster[e[at]]):
        groups.setdefault(cluster[e[at]], []).append(e)
    out: list[Edge] = []
    for k in sorted(groups):
        group = groups[k]
        mean = sum(e[at] for e in group) / len(group)
        for o, x0, top, x1, bottom in group:
            if orientation == "v":
                d = mean - x0
                out.append((o, x0 + d, top, x1 + d, bottom))
            else:
                d = mean - top
                out.append((o, x0, top + d, x1, bottom + d))
    return out


def _join(edges: list[Edge], orientation: str) -> list[Edge]:
    """Collinear edges overlapping or within JOIN of each other, as one."""
    lo, hi = (2, 4) if orientation == "v" else (1, 3)
    ordered = sorted(edges, key=lambda e: e[lo])
    joined = [list(ordered[0])]
    for e in ordered[1:]:
        last = joined[-1]
        if e[lo] <= last[hi] + JOIN:
            if e[hi] > last[hi]:
                last[hi] = e[hi]
        else:
            joined.append(list(e))
    return [tuple(e) for e in joined]  # type: ignore[misc]


def merge_edges(edges: list[Edge]) -> list[Edge]:
    """The rules of a page: edges snapped, joined, and the short ones left out."""
    edges = [e for e in edges if e[0] in "hv" and _length(e) >= MIN_LENGTH_PREFILTER]
    snapped = _snap([e for e in edges if e[0] == "v"], "v") + _snap([e for e in edges if e[0] == "h"], "h")

    def line_of(e: Edge) -> tuple[str, float]:
        return (e[0], e[2] if e[0] == "h" else e[1])

    out: list[Edge] = []
    for (orientation, _), group in groupby(sorted(snapped, key=line_of), key=line_of):
        out += _join(list(group), orientation)
    return [e for e in out if _length(e) >= MIN_LENGTH]


def intersections(edges: list[Edge]) -> dict[tuple[float, float], tuple[set[Box], set[Box]]]:
    """The points where a vertical and a horizontal rule meet, with the rules (as boxes) through each."""
    vs = sorted((e for e in edges if e[0] == "v"), key=lambda e: (e[1], e[2]))
    hs = sorted((e for e in edges if e[0] == "h"), key=lambda e: (e[2], e[1]))
    tops = [h[2] for h in hs]
    out: dict[tuple[float, float], tuple[set[Box], set[Box]]] = {}
    for v in vs:
        start = bisect.bisect_left(tops, v[2] - INTERSECT)
        for h in hs[start:]:
            if h[2] - INTERSECT > v[4]:
                break
            if h[1] - INTERSECT <= v[1] <= h[3] + INTERSECT:
                point = (v[1], h[2])
                at = out.setdefault(point, (set(), set()))
                at[0].add(v[1:])  # type: ignore[arg-type]
                at[1].add(h[1:])  # type: ignore[arg-type]
    return out


def cells(points: dict[tuple[float, float], tuple[set[Box], set[Box]]]) -> list[Box]:
    """From each intersection, the smallest rectangle whose four sides are rules."""

    def connects(p: tuple[float, float], q: tuple[float, float]) -> bool:
        if p[0] == q[0] and points[p][0] & points[q][0]:
            return True
        return p[1] == q[1] and bool(points[p][1] & points[q][1])

    ordered = sorted(points)
    below: dict[float, list[tuple[float, float]]] = {}
    right: dict[float, list[tuple[float, float]]] = {}
    for p in ordered:
        below.setdefault(p[0], []).append(p)
        right.setdefault(p[1], []).append(p)
    right_at = {p: i for row in right.values() for i, p in enumerate(row)}
    below_at = {p: i for col in below.values() for i, p in enumerate(col)}
    out: list[Box] = []
    for p in ordered[:-1]:
        found = None
        for b in below[p[0]][below_at[p] + 1:]:
            if not connects(p, b):
                continue
            for r in right[p[1]][right_at[p] + 1:]:
                if not connects(p, r):
                    continue
                corner = (r[0], b[1])
                if corner in points and connects(corner, r) and connects(corner, b):
                    found = (p[0], p[1], corner[0], corner[1])
                    break
            if found:
                break
        if found:
            out.append(found)
    return out


def tables(found: list[Box]) -> list[list[Box]]:
    """Cells that touch at a corner, transitively, as one table (in pdfplumber's order: each table's
    cells in the order they joined it, tables top to bottom then left to right); lone cells dropped."""
    remaining = list(found)
    groups: list[list[Box]] = []
    corners: set[tuple[float, float]] = set()
    current: list[Box] = []
    while remaining:
        before = len(current)
        keep: list[Box] = []
        for cell in remaining:
            x0, top, x1, bottom = cell
            mine = ((x0, top), (x0, bottom), (x1, top), (x1, bottom))
            if not current or any(c in corners for c in mine):
                corners.update(mine)
                current.append(cell)
            else:
                keep.append(cell)
        remaining = keep
        if len(current) == before:
            groups.append(current)
            corners = set()
            current = []
    if current:
        groups.append(current)
    groups.sort(key=lambda t: min((c[1], c[0]) for c in t))
    return [t for t in groups if len(t) > 1]


def find_tables(edges: list[Edge]) -> list[tuple[Box, list[Box]]]:
    """The ruled tables of a page: (bounding box, cell rectangles) of each."""
    out = []
    for group in tables(cells(intersections(merge_edges(edges)))):
        box = (min(c[0] for c in group), min(c[1] for c in group), max(c[2] for c in group), max(c[3] for c in group))
        out.append((box, group))
    return out
