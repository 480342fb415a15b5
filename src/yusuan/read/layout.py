"""The intermediate every format reader produces: lines of prose and grids of cells,
each with where it was printed. One recogniser turns this into the model."""

from __future__ import annotations

from dataclasses import dataclass, field

from yusuan.model import Source


@dataclass
class Cell:
    text: str
    source: Source
    col: int = 0
    colspan: int = 1
    header: bool = False  # the format marks it a header cell (HTML <th>, Word's repeated header row)


@dataclass
class Grid:
    """A table as laid out: rows of cells. Header rows may be shorter than the body when a
    merged header cell is printed once; `col`/`colspan` are set once the width is known."""

    rows: list[list[Cell]]
    source: Source
    header_rows: int | None = None  # known only once the reader has found the body

    @property
    def width(self) -> int:
        return max((c.col + c.colspan for row in self.rows for c in row), default=0)


@dataclass
class Line:
    text: str
    source: Source


@dataclass
class Layout:
    file: str
    format: str
    items: list[Line | Grid] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)  # what the reader saw but could not read
