"""Word (.docx): paragraphs and tables in the order of the document body.

Tables are read from the cell XML, so a merged cell prints once: `w:gridSpan` gives its span,
a `w:vMerge` continuation is an empty placeholder on the same columns, `w:gridBefore` shifts a
row right. A table whose cells hold tables only lays the page out: its cells are read as body.
Paragraph numbering that Word draws (`一、`, `（一）`, `1.`) is put back in front of the text.

Sources: a paragraph's `line` is its number among the body's paragraphs (1-based, empty ones
counted); a cell has `table` (1-based), `line` (its row in the table) and `col` (its grid column)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from yusuan.errors import YusuanError
from yusuan.model import Source
from yusuan.read.limits import CellCount
from yusuan.read.office import UNSAFE_XML
from yusuan.recognise.layout import Cell, Grid, Layout, Line

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
P, TBL, TR, TC, T, R = (W + n for n in ("p", "tbl", "tr", "tc", "t", "r"))
_WRAPPERS = {W + "sdt", W + "sdtContent", W + "customXml", W + "smartTag", MC + "AlternateContent", MC + "Choice"}
_SKIP = {W + "pPr", W + "rPr", W + "tcPr", W + "trPr", W + "tblPr", W + "del", W + "moveFrom", MC + "Fallback",
         W + "instrText", W + "delText", W + "sectPr"}


def read_docx(data: bytes, file: str) -> Layout:
    try:
        import docx
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise YusuanError("读取 Word 需要 python-docx：pip install python-docx", file=file) from exc
    try:
        document = docx.Document(io.BytesIO(data))
        reader = _Reader(document, file)
        reader.flow(document.element.body)
    except YusuanError:
        raise
    except Exception as exc:  # python-docx and lxml raise many kinds on a damaged file
        raise YusuanError(f"Word 文件已损坏或不是有效的 .docx（{_why(exc)}）", file=file) from exc
    layout = Layout(file=file, format="docx", items=reader.items)
    return layout


def _why(exc: BaseException) -> str:
    """What went wrong, in one short line; an XML entity bomb named as such."""
    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None:
            break
        if "Forbidden" in type(seen).__name__ or "entit" in str(seen).lower():  # defusedxml, lxml
            return UNSAFE_XML
        if "Excessive depth" in str(seen):  # lxml stops at 256 levels
            return "XML 元素嵌套过深（超过 256 层），拒绝读取"
        seen = seen.__cause__ or seen.__context__
    text = str(exc).split("\n")[0][:120]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _children(element: Any) -> Iterator[Any]:
    """Child elements, looking through content controls and other wrappers."""
    for child in element.iterchildren():
        if child.tag in _WRAPPERS:
            yield from _children(child)
        elif isinstance(child.tag, str):
            yield child


class _Reader:
    def __init__(self, document: Any, file: str) -> None:
        self.items: list[Line | Grid] = []
        self.cells = CellCount(file)
        self.paragraphs = 0
        self.tables = 0
        self.numbering = _Numbering(document)

    def flow(self, container: Any) -> None:
        """Paragraphs and tables, in order (the body, or a layout table's cell)."""
        for child in _children(container):
            if child.tag == P:
                self.paragraphs += 1
                text = self.numbering.label(child) + paragraph_text(child)
                source = Source(line=self.paragraphs)
                self.items += [Line(text=part, source=source) for part in text.split("\n") if part.strip()]
            elif child.tag == TBL:
                self.table(child)

    def table(self, tbl: Any) -> None:
        rows = [tr for tr in _children(tbl) if tr.tag == TR]
        if any(c.tag == TBL for tr in rows for tc in _children(tr) if tc.tag == TC for c in _children(tc)):
            for tr in rows:  # a layout table: its cells are body text
                for tc in _children(tr):
                    if tc.tag == TC:
                        self.flow(tc)
            return
        self.tables += 1
        grid_rows: list[list[Cell]] = []
        above: dict[int, int] = {}  # col → colspan of the cell that a w:vMerge below continues
        for r, tr in enumerate(rows, start=1):
            col = _val(tr.find(f"{W}trPr/{W}gridBefore"), 0)
            repeated = tr.find(f"{W}trPr/{W}tblHeader") is not None  # a header row Word repeats on each page
            cells: list[Cell] = []
            for tc in _children(tr):
                if tc.tag != TC:
                    continue
                self.cells.add()
                props = tc.find(W + "tcPr")
                span = max(1, _val(props.find(W + "gridSpan") if props is not None else None, 1))
                vmerge = props.find(W + "vMerge") if props is not None else None
                hmerge = props.find(W + "hMerge") if props is not None else None
                if hmerge is not None and hmerge.get(W + "val") != "restart" and cells:
                    cells[-1].colspan += span  # the old horizontal merge: this cell widens the last
                    col += span
                    continue
                source = Source(table=self.tables, line=r, col=col + 1)
                if vmerge is not None and vmerge.get(W + "val") != "restart":
                    cells.append(Cell(text="", source=source, col=col, colspan=above.get(col, span), header=repeated,
                                      merged=True))
                else:
                    cells.append(Cell(text=self.cell_text(tc), source=source, col=col, colspan=span, header=repeated))
                    above[col] = span
                col += span
            grid_rows.append(cells)
        self.items += Grid.placed_rows(grid_rows)

    def cell_text(self, tc: Any) -> str:
        lines: list[str] = []
        for child in _children(tc):
            if child.tag == P:
                lines.append(self.numbering.label(child) + paragraph_text(child))
            elif child.tag == TBL:  # a table inside a cell of a data table: its text, row by row
                for tr in child.iter(TR):
                    lines.append(" ".join(paragraph_text(p) for p in tr.iter(P)))
        return "\n".join(lines).strip("\n")


def _val(element: Any, default: int) -> int:
    if element is None:
        return default
    try:
        return int(element.get(W + "val", default))
    except ValueError:
        return default


def paragraph_text(p: Any) -> str:
    out: list[str] = []
    _collect(p, out)
    return "".join(out)


def _collect(element: Any, out: list[str]) -> None:
    for child in element.iterchildren():
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIP:
            continue
        if tag == T:
            out.append(child.text or "")
        elif tag == W + "tab":
            out.append("\t")
        elif tag in (W + "br", W + "cr"):
            out.append("\n")
        elif tag == W + "noBreakHyphen":
            out.append("-")
        elif tag == R and child.find(f"{W}rPr/{W}vanish") is not None:
            continue  # hidden text is not printed
        elif tag == P:  # a paragraph in a text box inside this one
            out.append("\n")
            _collect(child, out)
            out.append("\n")
        else:
            _collect(child, out)


# --- numbering Word draws in front of a paragraph -------------------------------------------

_CHINESE = "零一二三四五六七八九"
_CAPITAL = "零壹贰叁肆伍陆柒捌玖"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"
_DIZHI = "子丑寅卯辰巳午未申酉戌亥"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def _chinese(n: int, digits: str = _CHINESE, ten: str = "十") -> str:
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else (ten if tens == 1 else digits[tens] + ten)
    return head + (digits[ones] if ones else "")


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                           (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + letters, n - value
    return out


def _letters(n: int) -> str:
    return chr(64 + (n - 1) % 26 + 1) * ((n - 1) // 26 + 1) if n > 0 else str(n)


def format_number(n: int, fmt: str) -> str:
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting", "taiwaneseCounting",
               "ideographDigital", "koreanCounting"):
        return _chinese(n)
    if fmt in ("chineseLegalSimplified", "taiwaneseCountingThousand", "ideographLegalTraditional"):
        return _chinese(n, _CAPITAL, "拾")
    if fmt in ("ideographTraditional",):
        return _TIANGAN[(n - 1) % 10]
    if fmt == "ideographZodiac":
        return _DIZHI[(n - 1) % 12]
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese", "ideographEnclosedCircle"):
        return _CIRCLED[n - 1] if 0 < n <= len(_CIRCLED) else str(n)
    if fmt == "decimalEnclosedParen":
        return f"({n})"
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(d) + 0xFEE0) for d in str(n))
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperLetter":
        return _letters(n)
    if fmt == "lowerLetter":
        return _letters(n).lower()
    return str(n)


class _Numbering:
    """Counters per list, as Word keeps them: by abstract definition, lower levels restarting."""

    def __init__(self, document: Any) -> None:
        self.levels: dict[str, dict[int, tuple[int, str, str, str]]] = {}  # abstract → level → start, fmt, text, suff
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}  # numId → abstract, start overrides
        self.counters: dict[str, dict[int, int]] = {}
        self.restarted: set[str] = set()
        self.style_num: dict[str, tuple[str, int]] = {}
        try:
            root = document.part.numbering_part.element
        except Exception:  # no numbering part
            root = None
        if root is not None:
            for abstract in root.iterchildren(W + "abstractNum"):
                levels = {}
                for lvl in abstract.iterchildren(W + "lvl"):
                    fmt = lvl.find(W + "numFmt")
                    text = lvl.find(W + "lvlText")
                    suff = lvl.find(W + "suff")
                    levels[_int(lvl.get(W + "ilvl"), 0)] = (
                        _val(lvl.find(W + "start"), 1),
                        fmt.get(W + "val", "decimal") if fmt is not None else "decimal",
                        text.get(W + "val", "") if text is not None else "",
                        suff.get(W + "val", "tab") if suff is not None else "tab",
                    )
                self.levels[abstract.get(W + "abstractNumId", "")] = levels
            for num in root.iterchildren(W + "num"):
                ref = num.find(W + "abstractNumId")
                overrides = {
                    _int(o.get(W + "ilvl"), 0): _val(o.find(W + "startOverride"), 1)
                    for o in num.iterchildren(W + "lvlOverride") if o.find(W + "startOverride") is not None
                }
                self.nums[num.get(W + "numId", "")] = (ref.get(W + "val", "") if ref is not None else "", overrides)
        try:
            styles = document.styles.element
        except Exception:
            styles = None
        if styles is not None:
            based: dict[str, str] = {}
            for style in styles.iterchildren(W + "style"):
                sid = style.get(W + "styleId", "")
                num = style.find(f"{W}pPr/{W}numPr")
                if num is not None and num.find(W + "numId") is not None:
                    self.style_num[sid] = (num.find(W + "numId").get(W + "val", ""),
                                           _val(num.find(W + "ilvl"), 0))
                parent = style.find(W + "basedOn")
                if parent is not None:
                    based[sid] = parent.get(W + "val", "")
            for sid in list(based):
                seen, cur = set(), sid
                while cur not in self.style_num and cur in based and cur not in seen:
                    seen.add(cur)
                    cur = based[cur]
                if cur in self.style_num and sid not in self.style_num:
                    self.style_num[sid] = self.style_num[cur]

    def label(self, p: Any) -> str:
        if not self.nums:
            return ""
        num_pr = p.find(f"{W}pPr/{W}numPr")
        num_id, ilvl = None, 0
        style = p.find(f"{W}pPr/{W}pStyle")
        if style is not None and style.get(W + "val") in self.style_num:
            num_id, ilvl = self.style_num[style.get(W + "val")]
        if num_pr is not None:
            if num_pr.find(W + "numId") is not None:
                num_id = num_pr.find(W + "numId").get(W + "val")
            if num_pr.find(W + "ilvl") is not None:
                ilvl = _val(num_pr.find(W + "ilvl"), 0)
        if not num_id or num_id == "0" or num_id not in self.nums:
            return ""
        abstract, overrides = self.nums[num_id]
        levels = self.levels.get(abstract, {})
        if ilvl not in levels:
            return ""
        counters = self.counters.setdefault(abstract, {})
        if num_id not in self.restarted and overrides:
            self.restarted.add(num_id)
            for level, start in overrides.items():
                counters[level] = start - 1
        start, fmt, text, suff = levels[ilvl]
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        if fmt in ("bullet", "none"):
            return ""
        out = text
        for k in range(9, -1, -1):
            if f"%{k + 1}" in out:
                value = counters.get(k, levels.get(k, (1,))[0])
                out = out.replace(f"%{k + 1}", format_number(value, levels.get(k, (1, fmt))[1]))
        return out + (" " if suff == "space" else "")


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default
