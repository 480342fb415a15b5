"""Plain-text exports of a disclosure: one table cell per line, each starting with a TAB;
rows separated by blank lines; prose lines between tables.

Cells may run over several lines: a prose line right after a cell (at most one blank line
between) continues that cell, unless it opens a new table (`表N`, `编制单位…`)."""

from __future__ import annotations

import re

from yusuan.errors import YusuanError
from yusuan.model import Source
from yusuan.read.layout import Cell, Grid, Layout, Line

_TABLE_MARK = re.compile(r"^\s*(表\s*\d+|编制单位|单位[:：]|第[一二三四五六七八九十]+部分)")
ENCODINGS = ("utf-8-sig", "gb18030")


def decode(data: bytes, file: str) -> str:
    if not data.strip():
        raise YusuanError("文件为空", file=file)
    if b"\x00" in data[:4096]:
        raise YusuanError("这是二进制文件，不是文本格式的公开文件", file=file)
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise YusuanError("无法解码文本（既不是 UTF-8 也不是 GB18030/GBK）", file=file)


def read_text(data: bytes, file: str) -> Layout:
    text = decode(data, file).replace("\r\n", "\n").replace("\r", "\n")
    layout = Layout(file=file, format="text")
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
            row.append(Cell(text=line[1:], source=Source(line=number), col=len(row)))
            blanks, last_was_cell = 0, True
        elif not line.strip():
            blanks += 1
        elif last_was_cell and blanks <= 1 and row and not _TABLE_MARK.match(line):
            row[-1].text += "\n" + line  # a cell printed over several lines
            blanks = 0
        else:
            end_grid()
            layout.items.append(Line(text=line, source=Source(line=number)))
            blanks, last_was_cell = 0, False
    end_grid()
    return layout
