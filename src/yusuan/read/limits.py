"""How much one document may make the readers build. Past a bound a file is refused with a message,
instead of being read for minutes into gigabytes: a hostile or broken file must end quickly, in
well under 1 GB. Each bound is far above the real disclosures seen (noted beside it)."""

from __future__ import annotations

from yusuan.errors import YusuanError

MAX_PAGES = 1000  # PDF pages; real disclosures: 20–400
MAX_PAGE_CHARS = 20_000  # characters drawn on one PDF page; the densest real page: ~2,000
MAX_CHARS = 1_000_000  # characters in a whole PDF
MAX_PAGE_STREAM = 16 << 20  # decoded bytes of a page's content streams and forms; real: ≤ 60 KB
MAX_CELLS = 200_000  # table cells in one document; a large 决算: ~20,000
MAX_DEPTH = 200  # nested HTML elements; real pages: < 40
MAX_TEXT_BYTES = 32 << 20  # a text or HTML file; real: < 2 MB
MAX_SHEET_XML = 16 << 20  # the worksheets of a workbook, unpacked; real: < 1 MB


class CellCount:
    """Counts the table cells a reader makes, and refuses the document past MAX_CELLS."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.count = 0

    def add(self, n: int = 1) -> None:
        self.count += n
        if self.count > MAX_CELLS:
            raise YusuanError(f"表格单元格超过 {MAX_CELLS:,} 个，远大于任何公开文件，拒绝读取", file=self.file)

    def add_sheet(self, cells: dict[tuple[int, int], str], sheet: str) -> None:
        """A worksheet is read as the rectangle its used cells span, empty cells included."""
        if not cells:
            return
        rows = max(r for r, _ in cells) - min(r for r, _ in cells) + 1
        cols = max(c for _, c in cells) - min(c for _, c in cells) + 1
        if rows * cols > MAX_CELLS:
            raise YusuanError(f"工作表“{sheet}”的内容跨 {rows:,} 行 × {cols:,} 列，远大于任何公开表格，拒绝读取",
                              file=self.file)
        self.add(rows * cols)
