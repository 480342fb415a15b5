"""The intermediate every format reader produces: lines of prose and grids of cells, each with
where it was printed. Readers report what is on the page; recognition decides what it is (which
rows are a caption, a header or a note, which grids are one table continued)."""

from __future__ import annotations

from dataclasses import dataclass, field

from yusuan.model import Source, Unread


@dataclass
class Cell:
    text: str
    source: Source
    col: int = 0
    colspan: int = 1
    header: bool = False  # the format marks it a header cell (HTML <th>, Word's repeated header row)
    merged: bool = False  # an empty placeholder under a cell merged from the row above


@dataclass
class Grid:
    """A table as laid out: rows of cells. A reader that knows where each cell sits (PDF, Word,
    Excel, HTML) places it: `col` is its first grid column, `colspan` the columns it covers. A text
    export places nothing: a merged header cell prints once, and recognition works out its span."""

    rows: list[list[Cell]]
    source: Source
    placed: bool = False
    header_rows: int | None = None  # known once recognition has found the body

    @classmethod
    def placed_rows(cls, rows: list[list[Cell]]) -> list[Grid]:
        """A grid of rows whose cells the reader placed (none when there are no rows)."""
        rows = [r for r in rows if r]
        return [cls(rows=rows, source=rows[0][0].source.model_copy(update={"col": None}), placed=True)] if rows else []

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
    unread: list[Unread] = field(default_factory=list)  # what the reader saw but could not read
    page_labels: dict[int, str] = field(default_factory=dict)  # page → the page number printed on it
