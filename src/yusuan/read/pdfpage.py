"""One PDF page as PDFium draws it: the characters with their boxes and font size, and the ruling
edges of its path objects. Everything else in reading a PDF works on these.

Coordinates are page points from the top left of the page as displayed (a page with /Rotate is
turned upright), the way pdfplumber gives them, so a Source's x and y point at the same spot on
the printed page. A character's box runs from its origin by its advance width, and from the
baseline up by the font size (less the font's descent): punctuation and small glyphs sit on the
same baseline as their neighbours, whatever ink they print.

Path objects are split into subpaths and classed as pdfminer classes them, because the table
finder (read/pdfrules.py) was tuned on its edges: a lone segment is a line, an axis-aligned closed
four-sided subpath a rectangle (four edges), anything else a curve (an edge per segment between
its points). Only painted paths count (clipping paths are not page objects); a path in a Form
XObject counts where the form draws it.

pypdfium2 is called through its raw bindings: a page has thousands of characters, and the
helper classes cost a Python object per call."""

from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass, field
from itertools import pairwise

import pypdfium2
import pypdfium2.raw as pdfium_c

from yusuan.errors import YusuanError
from yusuan.read.limits import MAX_PAGE_CHARS
from yusuan.read.pdfrules import Edge, find_tables

Matrix = tuple[float, float, float, float, float, float]

_SKIP = {0, 0xFFFE, 0xFFFF, 0x0D, 0x0A}  # nothing printed, or PDFium's line breaks
_DESCENT = 0.2  # below the baseline, in font sizes, where a font's own descent is not to be believed
_MOVETO, _BEZIERTO = pdfium_c.FPDF_SEGMENT_MOVETO, pdfium_c.FPDF_SEGMENT_BEZIERTO
_HYPHEN = 0x02  # PDFium's mark for a "-" printed at the end of a line (as in `2025年-` wrapped in a cell)


@dataclass
class PageData:
    """What the parser found on a page: everything the reader needs from it."""

    number: int
    width: float
    height: float
    chars: list[dict]
    tables: list[tuple[tuple, list[tuple]]]  # (bbox, cell rectangles) of each ruled table
    images: int
    count: int = 0  # characters PDFium counts on the page, generated ones included (for the bounds)
    verticals: list[tuple[float, float, float]] = field(default_factory=list)  # (x, top, bottom) of vertical rules
    edges: list[Edge] = field(default_factory=list)  # every ruling edge, before merging (for `yusuan show`)


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    """m then n."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def display_matrix(page) -> tuple[Matrix, float, float]:
    """PDF user space → display space (top-left origin), and the displayed width and height."""
    x0, y0, x1, y1 = page.get_mediabox()
    rotation = page.get_rotation() % 360
    # pdfminer's rotation (its PDFPageInterpreter), then the flip to top-down
    rotate = {90: (0, -1, 1, 0, -y0, x1), 180: (-1, 0, 0, -1, x1, y1), 270: (0, 1, -1, 0, y1, -x0)}.get(
        rotation, (1, 0, 0, 1, -x0, -y0))
    width, height = (y1 - y0, x1 - x0) if rotation in (90, 270) else (x1 - x0, y1 - y0)
    flip = (1, 0, 0, -1, 0, height)
    return _multiply(rotate, flip), width, height  # type: ignore[arg-type]


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def _codes(raw, count: int) -> list[int]:
    """Every character's code: the page's text in one call when it hands one code per character (none
    past U+FFFF, which takes two), and a character it hands as nothing printed asked again (it hands the
    hyphen _HYPHEN as U+FFFE)."""
    buffer = (ctypes.c_ushort * (count + 1))()
    pdfium_c.FPDFText_GetText(raw, 0, count, buffer)
    try:
        text = ctypes.string_at(buffer, 2 * count).decode("utf-16-le")
    except UnicodeDecodeError:  # half of a pair
        text = ""
    if len(text) != count:
        return [pdfium_c.FPDFText_GetUnicode(raw, i) for i in range(count)]
    return [pdfium_c.FPDFText_GetUnicode(raw, i) if ord(t) in _SKIP else ord(t) for i, t in enumerate(text)]


def chars(textpage, m: Matrix) -> list[dict]:
    """The characters PDFium reads on the page, in its order, without the line breaks and blanks it
    makes up. PDFium keeps at most one of the blanks the file prints in a row, and puts its own, made
    up, for some: text differs from pdfminer's in its blanks only (`第一部分  概况` → `第一部分 概况`),
    and a label whose blank PDFium made up (`2. 通过…`) is two runs instead of one.

    PDFium makes up blanks and line breaks only (as on the 947,000 characters of the corpus): only a
    blank or a control code is asked whether it was made up."""
    raw = textpage.raw
    generated = pdfium_c.FPDFText_IsGenerated
    loose_box, font_size = pdfium_c.FPDFText_GetLooseCharBox, pdfium_c.FPDFText_GetFontSize
    char_matrix, char_box = pdfium_c.FPDFText_GetMatrix, pdfium_c.FPDFText_GetCharBox
    rect, matrix = pdfium_c.FS_RECTF(), pdfium_c.FS_MATRIX()
    ref, mref = ctypes.byref(rect), ctypes.byref(matrix)
    boxes = [ctypes.c_double() for _ in range(4)]  # left, right, bottom, top
    char_origin, origin = pdfium_c.FPDFText_GetCharOrigin, [ctypes.c_double(), ctypes.c_double()]
    upright = m[1] == 0 and m[2] == 0
    a, d_, e, f = m[0], m[3], m[4], m[5]
    out: list[dict] = []
    for i, code in enumerate(_codes(raw, pdfium_c.FPDFText_CountChars(raw))):
        if code in _SKIP or (code <= 0x20 and generated(raw, i)):
            continue
        loose_box(raw, i, ref)
        char_matrix(raw, i, mref)
        left, right, bottom, top = rect.left, rect.right, rect.bottom, rect.top  # a ctypes field is slow to read
        # the size set by Tf, scaled as the text is drawn (a 439 pt font drawn at 1/20)
        b, c, d = matrix.b, matrix.c, matrix.d
        scale = abs(d) if b == 0 and c == 0 else math.hypot(c, d)
        size = font_size(raw, i) * scale or 10.0
        if right - left > 3 * size + 1 or top - bottom > 3 * size + 1:
            # PDFium's loose box left unscaled (seen on a font drawn at 1/40): the glyph's own box
            char_box(raw, i, *boxes)
            rect.left, rect.right, rect.bottom, rect.top = (v.value for v in boxes)
            left, right, bottom, top = rect.left, rect.right, rect.bottom, rect.top  # as the rectangle holds them
        elif top - bottom > 1.5 * size:
            # a font claiming an ascent and descent of an em each (a colon, or the digits of a title, in
            # another font than their neighbours): the box from where the character stands on its
            # baseline, or it would sit a line apart from them; and as wide as its ink, not an em, or a
            # digit at the end of a figure would reach over the rule into the next cell
            char_origin(raw, i, *origin)
            char_box(raw, i, *boxes)
            if boxes[1].value > boxes[0].value:
                rect.left, rect.right = boxes[0].value, boxes[1].value
            rect.bottom = origin[1].value - _DESCENT * size
            rect.top = rect.bottom + size
            left, right, bottom, top = rect.left, rect.right, rect.bottom, rect.top
        if upright:
            x0, x1 = e + a * left, e + a * right
            bottom, top = f + d_ * bottom, f + d_ * top
        else:
            xs, ys = zip(_apply(m, left, bottom), _apply(m, right, top), strict=True)
            x0, x1, top, bottom = min(xs), max(xs), min(ys), max(ys)
        # pdfminer's box: the font size up from where the descent puts the bottom (the loose box is
        # the font's ascent to descent, a little taller)
        if top < bottom - size:
            top = bottom - size
        text = "-" if code == _HYPHEN else chr(code)
        out.append({"text": text, "x0": x0, "x1": x1, "top": top, "bottom": bottom, "size": size})
    return out


def _path_edges(obj, m: Matrix, out: list[Edge]) -> None:
    """The edges of one painted path object, its subpaths classed as pdfminer classes them."""
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    if not pdfium_c.FPDFPath_GetDrawMode(obj, ctypes.byref(fill), ctypes.byref(stroke)):
        return
    if not fill.value and not stroke.value:
        return
    x, y = ctypes.c_float(), ctypes.c_float()
    px, py = ctypes.byref(x), ctypes.byref(y)
    segment, kind_of, point_of, closes = (pdfium_c.FPDFPath_GetPathSegment, pdfium_c.FPDFPathSegment_GetType,
                                          pdfium_c.FPDFPathSegment_GetPoint, pdfium_c.FPDFPathSegment_GetClose)
    a, b, c, d, e, f = m
    subpaths: list[tuple[str, list[tuple[float, float]]]] = []
    shape, pts = "", []  # type: ignore[var-annotated]
    bezier = 0
    for k in range(pdfium_c.FPDFPath_CountSegments(obj)):
        seg = segment(obj, k)
        kind = kind_of(seg)
        if kind == _MOVETO:
            if shape:
                subpaths.append((shape, pts))
            shape, pts, bezier = "m", [], 0
        elif not shape:
            continue
        elif kind == _BEZIERTO:
            bezier += 1
            if bezier % 3:  # control points
                continue
            shape += "c"
        else:
            shape += "l"
        point_of(seg, px, py)
        u, v = x.value, y.value
        point = (a * u + c * v + e, b * u + d * v + f)
        pts.append(point)
        if len(pts) > 2 and point == pts[0] and closes(seg):
            shape = shape[:-1] + "h"  # PDFium closes a subpath with a segment back to its start
    if shape:
        subpaths.append((shape, pts))
    for shape, pts in subpaths:
        _subpath_edges(shape, pts, out)


def _subpath_edges(shape: str, pts: list[tuple[float, float]], out: list[Edge]) -> None:
    if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:
        shape = shape[:-2] + "h"
        pts = pts[:-1]
    if shape in ("ml", "mlh"):
        (ax, ay), (bx, by) = pts[0], pts[1]
        out.append(("h" if ay == by else "v", min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)))
        return
    if shape in ("mlllh", "mllll") and len(pts) == 5:
        (x0, y0), (x1, y1), (x2, y2), (x3, y3), last = pts
        square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0)
        if last == pts[0] and square:
            left, right, top, bottom = min(x0, x2), max(x0, x2), min(y0, y2), max(y0, y2)
            out += [("h", left, top, right, top), ("h", left, bottom, right, bottom),
                    ("v", left, top, left, bottom), ("v", right, top, right, bottom)]
            return
    for (ax, ay), (bx, by) in pairwise(pts):
        orientation = "v" if ax == bx else ("h" if ay == by else "")
        if orientation:
            out.append((orientation, min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)))


def edges_and_images(page, m: Matrix) -> tuple[list[Edge], int]:
    """Every ruling edge of the page's painted paths (forms included), and how many images it draws."""
    edges: list[Edge] = []
    images = 0
    matrix = pdfium_c.FS_MATRIX()
    todo: list[tuple[object, int, Matrix, int]] = [(page.raw, -1, m, 0)]  # (container, form or page, matrix, depth)
    while todo:
        container, is_form, outer, depth = todo.pop()
        count = (pdfium_c.FPDFFormObj_CountObjects if is_form > 0 else pdfium_c.FPDFPage_CountObjects)(container)
        get = pdfium_c.FPDFFormObj_GetObject if is_form > 0 else pdfium_c.FPDFPage_GetObject
        for i in range(max(count, 0)):
            obj = get(container, i)
            kind = pdfium_c.FPDFPageObj_GetType(obj)
            if kind == pdfium_c.FPDF_PAGEOBJ_PATH or kind == pdfium_c.FPDF_PAGEOBJ_FORM:
                pdfium_c.FPDFPageObj_GetMatrix(obj, ctypes.byref(matrix))
                own = (matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f)
                if kind == pdfium_c.FPDF_PAGEOBJ_PATH:
                    _path_edges(obj, _multiply(own, outer), edges)
                elif depth < 8:
                    todo.append((obj, 1, _multiply(own, outer), depth + 1))
            elif kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
                images += 1
    return edges, images


def open_document(data: bytes):
    return pypdfium2.PdfDocument(data)


def page_data(doc, number: int) -> PageData:
    """Page `number` (from 1) of an open document; a page drawing more than MAX_PAGE_CHARS characters
    is refused before they are read."""
    page = doc[number - 1]
    textpage = page.get_textpage()
    try:
        count = pdfium_c.FPDFText_CountChars(textpage.raw)
        if count > MAX_PAGE_CHARS:
            raise YusuanError(f"第{number}页有 {count:,} 个字符，超过每页 {MAX_PAGE_CHARS:,} 个的上限，拒绝读取")
        m, width, height = display_matrix(page)
        # text placed off the page is not printed (a merged cell cut by the page break is drawn on both pages)
        found = [c for c in chars(textpage, m) if c["bottom"] > 0 and c["top"] < height and c["x1"] > 0 and c["x0"] < width]
        edges, images = edges_and_images(page, m)
    finally:
        textpage.close()
        page.close()
    tables = find_tables(edges) if found else []
    verticals = [(e[1], e[2], e[4]) for e in edges if e[0] == "v"] if tables else []
    return PageData(number=number, width=width, height=height, chars=found, tables=tables, images=images,
                    count=count, verticals=verticals, edges=edges)
