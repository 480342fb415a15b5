"""HTML (a web page, or a table saved as a web page: Excel's `.htm` and the `.xls` files that are
really HTML): tables with colspan/rowspan, and the text around them as lines.

Parsed with the standard library's html.parser into a small tree that closes what HTML lets a page
leave open (`<td>`, `<tr>`, `<p>`, `<li>`). A table whose cells hold tables only lays the page out:
its cells are read as text. Hidden elements (`display:none`), scripts and the head are skipped.

Sources: a line's `line` is its number among the page's blocks of text (1-based); a cell has
`table` (1-based), `line` (its row in the table) and `col` (its grid column, 1-based)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from yusuan.errors import YusuanError
from yusuan.model import Source
from yusuan.read.limits import MAX_DEPTH, CellCount
from yusuan.read.text import decode_as
from yusuan.recognise.layout import Cell, Grid, Layout, Line

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track",
         "wbr", "basefont", "frame", "keygen"}
_BLOCK = {"address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt", "fieldset", "figcaption",
          "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol",
          "p", "pre", "section", "table", "ul", "tr", "caption", "body", "html", "title"}
_CLOSES_P = _BLOCK - {"body", "html", "title", "tr", "caption", "dd", "dt", "li"}
_SKIP = {"head", "script", "style", "template", "noscript", "title", "object", "iframe", "svg", "math", "select"}
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_SPACE = re.compile(r"[ \t\n\r\f]+")
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([-\w.:]+)""", re.I)
MAX_SPAN = 1000  # colspan as HTML bounds it; rowspan is bounded by the table's rows


@dataclass
class Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)


class _TreeBuilder(HTMLParser):
    def __init__(self, file: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root")
        self.stack = [self.root]
        self.file = file
        self.cells = CellCount(file)

    def _close(self, closes: set[str], boundary: set[str]) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            tag = self.stack[i].tag
            if tag in closes:
                del self.stack[i:]
                return
            if tag in boundary:
                return

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        if tag in ("td", "th"):
            self.cells.add()
            self._close({"td", "th"}, {"tr", "table"})
        elif tag == "tr":
            self._close({"tr"}, {"table", "tbody", "thead", "tfoot"})
        elif tag in ("tbody", "thead", "tfoot"):
            self._close({"tbody", "thead", "tfoot"}, {"table"})
        elif tag == "li":
            self._close({"li"}, {"ul", "ol", "td", "th", "table"})
        if tag in _CLOSES_P:
            self._close({"p"}, {"td", "th", "table", "div", "li", "body", "button"})
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)
            if len(self.stack) > MAX_DEPTH:  # the reader walks the tree recursively
                raise YusuanError(f"HTML 元素嵌套超过 {MAX_DEPTH} 层，远深于任何公开文件，拒绝读取", file=self.file)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        boundary = {"table"} if tag in ("td", "th", "tr", "tbody", "thead", "tfoot", "p", "li") else set()
        self._close({tag}, boundary)

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def decode(data: bytes, file: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    m = _CHARSET.search(data[:8192])
    declared = m[1].decode("ascii", "ignore").lower() if m else None
    if declared in ("gb2312", "gbk", "x-gbk", "gb_2312-80"):
        declared = "gb18030"
    for encoding in (declared, "utf-8", "gb18030"):
        if not encoding:
            continue
        try:
            return decode_as(data, encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    raise YusuanError("无法解码 HTML（既不是 UTF-8 也不是 GB18030/GBK）", file=file)


def read_html(data: bytes, file: str) -> Layout:
    builder = _TreeBuilder(file)
    try:
        builder.feed(decode(data, file).replace("\x00", ""))  # a NUL is no text, and PostgreSQL stores none
        builder.close()
    except YusuanError:
        raise
    except Exception as exc:  # html.parser is lenient; this is a last resort
        raise YusuanError(f"无法解析 HTML（{type(exc).__name__}）", file=file) from exc
    reader = _Reader()
    reader.flow(builder.root)
    reader.flush()
    return Layout(file=file, format="html", items=reader.items)


def _hidden(node: Node) -> bool:
    return node.tag in _SKIP or bool(_HIDDEN.search(node.attrs.get("style", ""))) or "hidden" in node.attrs


def _span(node: Node, name: str, most: int) -> int:
    try:
        value = int(re.match(r"\s*(\d+)", node.attrs.get(name, "1"))[1])  # type: ignore[index]
    except (TypeError, ValueError):
        return 1
    return min(max(value, 0), most)


def _has_table(node: Node) -> bool:
    return any(isinstance(c, Node) and (c.tag == "table" or _has_table(c)) for c in node.children)


def _rows(table: Node) -> list[Node]:
    out: list[Node] = []
    for child in table.children:
        if not isinstance(child, Node) or _hidden(child):
            continue
        if child.tag == "tr":
            out.append(child)
        elif child.tag in ("tbody", "thead", "tfoot"):
            out += _rows(child)
    return out


def cell_text(node: Node) -> str:
    parts: list[str] = []

    def walk(n: Node) -> None:
        for child in n.children:
            if isinstance(child, str):
                parts.append(child)
            elif not _hidden(child):
                if child.tag == "br" or child.tag in _BLOCK:
                    parts.append("\n")
                walk(child)
                if child.tag in _BLOCK:
                    parts.append("\n")

    walk(node)
    lines = (_SPACE.sub(" ", ln).strip(" ") for ln in "".join(parts).split("\n"))
    return "\n".join(ln for ln in lines if ln)


class _Reader:
    def __init__(self) -> None:
        self.items: list[Line | Grid] = []
        self.blocks = 0
        self.tables = 0
        self.buffer: list[str] = []

    def flush(self) -> None:
        text = _SPACE.sub(" ", "".join(self.buffer)).strip(" ")
        self.buffer = []
        if text.strip():
            self.blocks += 1
            self.items.append(Line(text=text, source=Source(line=self.blocks)))

    def flow(self, node: Node) -> None:
        for child in node.children:
            if isinstance(child, str):
                self.buffer.append(child)
                continue
            if _hidden(child):
                continue
            if child.tag == "br":
                self.flush()
            elif child.tag == "table":
                self.flush()
                self.table(child)
            elif child.tag in _BLOCK or child.tag in ("td", "th"):
                self.flush()
                self.flow(child)
                self.flush()
            else:
                self.flow(child)

    def table(self, table: Node) -> None:
        for child in table.children:
            if isinstance(child, Node) and child.tag == "caption":
                self.flow(child)
                self.flush()
        rows = _rows(table)
        if any(_has_table(cell) for tr in rows for cell in tr.children if isinstance(cell, Node)):
            for tr in rows:  # a layout table: its cells are text
                self.flow(tr)
                self.flush()
            return
        self.tables += 1
        pending: dict[int, tuple[int, int]] = {}  # col → (rows it still covers, colspan) of a rowspan cell
        grid: list[list[Cell]] = []
        for r, tr in enumerate(rows):
            covered = {c + k for c, (_, span) in pending.items() for k in range(span)}
            cells: list[Cell] = [Cell(text="", source=Source(table=self.tables, line=r + 1, col=c + 1), col=c,
                                      colspan=span, merged=True) for c, (_, span) in pending.items()]
            col = 0
            for td in tr.children:
                if not isinstance(td, Node) or td.tag not in ("td", "th") or _hidden(td):
                    continue
                while col in covered:
                    col += 1
                colspan = max(1, _span(td, "colspan", MAX_SPAN))
                rowspan = _span(td, "rowspan", len(rows) - r) or len(rows) - r  # 0: to the end
                cells.append(Cell(text=cell_text(td), source=Source(table=self.tables, line=r + 1, col=col + 1),
                                  col=col, colspan=colspan, header=td.tag == "th"))
                if rowspan > 1:
                    pending[col] = (rowspan, colspan)
                covered |= set(range(col, col + colspan))
                col += colspan
            for c, (left, span) in list(pending.items()):  # one row fewer below each rowspan
                if left <= 1:
                    del pending[c]
                else:
                    pending[c] = (left - 1, span)
            cells.sort(key=lambda cell: cell.col)
            grid.append(cells)
        self.items += Grid.placed_rows(grid)
