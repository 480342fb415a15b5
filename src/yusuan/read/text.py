"""Plain-text exports of a disclosure: one table cell per line, each starting with a TAB;
rows separated by blank lines; prose lines between tables.

Cells may run over several lines: a prose line right after a cell (at most one blank line
between) continues that cell, unless it opens a new table (`表N`, `编制单位…`)."""

from __future__ import annotations

import re

from yusuan.errors import YusuanError
from yusuan.model import Source
from yusuan.read.limits import CellCount
from yusuan.recognise.captions import is_heading
from yusuan.recognise.layout import Cell, Grid, Layout, Line

ENCODINGS = ("utf-8-sig", "gb18030")


_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe", "utf-16-le"),
         (b"\xfe\xff", "utf-16-be"), (b"\xef\xbb\xbf", "utf-8"))


def decode_as(data: bytes, encoding: str) -> str:
    """Strictly, except that a character cut off at the very end (a truncated download) is dropped."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        if exc.end != len(data) or exc.reason not in ("unexpected end of data", "incomplete multibyte sequence",
                                                      "truncated data"):
            raise
        return data[: exc.start].decode(encoding)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 saved without its mark: Chinese text in it still has a zero byte in most ASCII characters."""
    sample = data[:4096]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd > len(sample) // 40 and odd >= 4 * even:
        return "utf-16-le"
    if even > len(sample) // 40 and even >= 4 * odd:
        return "utf-16-be"
    return None


def decode(data: bytes, file: str) -> str:
    encodings: tuple[str, ...] = ENCODINGS
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            data, encodings = data[len(bom):], (encoding,)
            break
    else:
        if b"\x00" in data:
            utf16 = _utf16_without_bom(data)
            if utf16 is None:
                raise YusuanError("这是二进制文件，不是文本格式的公开文件", file=file)
            encodings = (utf16,)
    for encoding in encodings:
        try:
            text = decode_as(data, encoding)
        except UnicodeDecodeError:
            continue
        if not text.strip():
            raise YusuanError("文件为空", file=file)
        if _plausible(text):
            return text
    if len(encodings) == 1:
        raise YusuanError(f"无法解码文本：内容与 {encodings[0].upper()} 编码不符（可能已损坏）", file=file)
    raise YusuanError("无法解码文本（既不是 UTF-8 也不是 GB18030/GBK）", file=file)


# what a Chinese disclosure is written in: ASCII and Latin-1, general punctuation, number forms, circled
# numbers, box drawing, CJK symbols and punctuation, CJK ideographs (and extension A), full-width forms
_UNUSUAL = re.compile("[^\x00-\xff\u2000-\u206f\u2150-\u218f\u2460-\u24ff\u2500-\u257f\u3000-\u303f"
                      "\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def _plausible(text: str) -> bool:
    """Bytes of one encoding decoded as another mostly land outside the ranges a disclosure uses."""
    sample = text[:20_000]
    return len(_UNUSUAL.findall(sample)) <= 0.3 * len(sample)


def read_text(data: bytes, file: str) -> Layout:
    text = decode(data, file).replace("\r\n", "\n").replace("\r", "\n")
    layout = Layout(file=file, format="text")
    cells = CellCount(file)
    rows: list[list[Cell]] = []
    row: list[Cell] = []
    blanks = 0  # blank lines since the last non-blank line
    last_was_cell = False

    def end_row() -> None:
        nonlocal row
        if row:
            rows.append(row)
            row = []

    def end_grid() -> None:
        end_row()
        if rows:
            layout.items.append(Grid(rows=list(rows), source=rows[0][0].source))
            rows.clear()

    for number, line in enumerate(text.split("\n"), start=1):
        if line.startswith("\t"):
            if blanks and row:
                end_row()
            cells.add()
            row.append(Cell(text=line[1:], source=Source(line=number), col=len(row)))
            blanks, last_was_cell = 0, True
        elif not line.strip():
            blanks += 1
        elif last_was_cell and blanks <= 1 and row and not is_heading(line):
            row[-1].text += "\n" + line  # a cell printed over several lines
            blanks = 0
        else:
            end_grid()
            layout.items.append(Line(text=line, source=Source(line=number)))
            blanks, last_was_cell = 0, False
    end_grid()
    return layout
