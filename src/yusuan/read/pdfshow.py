"""A PDF page as an image with what the reader found drawn on it: the ruling edges (grey), each
ruled table's cells (red) and box (green), and where each cell of a table read without rules
starts (blue) — to see, on the page itself, why a table was read as it was.

    yusuan show FILE.pdf --page 12 --image p12.png"""

from __future__ import annotations

from pathlib import Path

from yusuan.errors import YusuanError

SCALE = 2.0  # pixels per point: small print stays legible


def page_image(data: bytes, number: int, out: Path, file: str) -> None:
    from PIL import ImageDraw

    from yusuan.read.pdf import read_page
    from yusuan.read.pdfpage import open_document, page_data

    doc = open_document(data)
    try:
        if not 1 <= number <= len(doc):
            raise YusuanError(f"没有第{number}页：PDF 共 {len(doc)} 页", file=file)
        raw = page_data(doc, number)
        image = doc[number - 1].render(scale=SCALE).to_pil().convert("RGB")
    finally:
        doc.close()
    draw = ImageDraw.Draw(image)

    def box(x0: float, top: float, x1: float, bottom: float, colour: str, width: int = 1) -> None:
        draw.rectangle([x0 * SCALE, top * SCALE, max(x1, x0) * SCALE, max(bottom, top) * SCALE],
                       outline=colour, width=width)

    for _, x0, top, x1, bottom in raw.edges:
        box(x0, top, x1, bottom, "#999999")
    for bbox, cells in raw.tables:
        for cell in cells:
            box(*cell, "#e03030")
        box(*bbox, "#20a040", 3)
    blocks, _, _ = read_page(raw)
    for block in blocks:
        if block.grid is None or block.grid.source.x is None:
            continue
        ruled = any(abs(b[0] - block.grid.source.x) < 0.2 and abs(b[1] - block.grid.source.y) < 0.2 for b, _ in raw.tables)
        if ruled:
            continue
        for row in block.grid.rows:
            for cell in row:
                if cell.source.x is not None and cell.text.strip():
                    x, y = cell.source.x, cell.source.y
                    box(x - 1, y - 1, x + 3, y + 3, "#2060e0", 2)
    try:
        image.save(out)
    except OSError as exc:
        raise YusuanError(f"无法写入图片（{exc.strerror or exc}）", file=str(out)) from exc
