"""The PDF reader on small PDFs made here: ruled tables with merged cells, figures in
parentheses, pages whose fonts do not map to Unicode, scans, broken and encrypted files;
and on single pages cut from the corpus with their rules taken away."""

from __future__ import annotations

import io
import subprocess
import sys
from decimal import Decimal

import pytest

from conftest import FIXTURES
from yusuan.errors import YusuanError
from yusuan.model.numbers import parse_amount
from yusuan.read import layout_of, read_bytes
from yusuan.recognise.grids import prepare
from yusuan.recognise.layout import Grid, Line

CORPUS = FIXTURES / "corpus"


def make_pdf(content: bytes, resources: bytes = b"/Font << /F1 4 0 R >>", extra: tuple[bytes, ...] = ()) -> bytes:
    """A one-page PDF with the given content stream (Helvetica as /F1; objects 6… from `extra`)."""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << " + resources
        + b" >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        *extra,
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return out


def _text(x: float, y: float, s: str) -> bytes:
    return b"BT /F1 9 Tf %.1f %.1f Td (%s) Tj ET\n" % (x, y, s.encode().replace(b"(", b"\\(").replace(b")", b"\\)"))


def _line(x0: float, y0: float, x1: float, y1: float) -> bytes:
    return b"%.1f %.1f m %.1f %.1f l S\n" % (x0, y0, x1, y1)


# Item (two rows high) | Amounts (two columns wide) / Budget | Final / then two body rows
RULED = b"0.5 w\n" + b"".join([
    _line(72, 700, 372, 700), _line(172, 680, 372, 680), _line(72, 660, 372, 660), _line(72, 640, 372, 640),
    _line(72, 620, 372, 620), _line(72, 700, 72, 620), _line(172, 700, 172, 620), _line(272, 680, 272, 620),
    _line(372, 700, 372, 620),
    _text(72, 760, "Table 1"), _text(76, 674, "Item"), _text(240, 688, "Amounts"), _text(180, 668, "Budget"),
    _text(280, 668, "Final"), _text(76, 648, "Office"), _text(210, 648, "1,234.56"), _text(300, 648, "(1,234.56)"),
    _text(76, 628, "Total"), _text(210, 628, "2,000.00"), _text(320, 628, "-3.50"),
])


def test_ruled_table_merged_cells_once_with_their_span() -> None:
    items = prepare(layout_of(make_pdf(RULED), "t.pdf").items)  # as recognition sees it
    assert [type(i) for i in items] == [Line, Grid]
    assert items[0].text == "Table 1" and items[0].source.page == 1
    grid = items[1]
    assert grid.header_rows == 2
    assert [[(c.text, c.col, c.colspan) for c in row] for row in grid.rows] == [
        [("Item", 0, 1), ("Amounts", 1, 2)],
        [("Budget", 1, 1), ("Final", 2, 1)],
        [("Office", 0, 1), ("1,234.56", 1, 1), ("(1,234.56)", 2, 1)],
        [("Total", 0, 1), ("2,000.00", 1, 1), ("-3.50", 2, 1)],
    ]
    office = grid.rows[2]
    assert [parse_amount(c.text) for c in office[1:]] == [Decimal("1234.56"), Decimal("-1234.56")]
    assert office[1].source.page == 1 and office[1].source.x == 172.0 and office[1].source.y is not None


def test_ruled_table_read_the_same_in_any_drawing_order() -> None:
    """Rules as thin filled rectangles instead of strokes, drawn in a Form XObject, the text shown in
    reverse order: the same grid (PDFium hands over what is drawn; the order is the reader's)."""
    ops = [op + b"\n" for op in RULED.split(b"\n") if op]
    text = [op for op in ops if op.startswith(b"BT")]
    rects = []
    for op in ops:
        if op.endswith(b" l S\n"):
            x0, y0, _, x1, y1, *_ = op.split()
            x0, y0, x1, y1 = (float(v) for v in (x0, y0, x1, y1))
            rects.append(b"%.2f %.2f %.2f %.2f re f\n" % (min(x0, x1) - 0.25, min(y0, y1) - 0.25,
                                                           abs(x1 - x0) + 0.5, abs(y1 - y0) + 0.5))
    form = b"<< /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Length %d >>\nstream\n" % len(b"".join(rects)) \
        + b"".join(rects) + b"\nendstream"
    data = make_pdf(b"".join(reversed(text)) + b"/Fm1 Do\n", b"/Font << /F1 4 0 R >> /XObject << /Fm1 6 0 R >>", (form,))
    grid = next(i for i in prepare(layout_of(data, "t.pdf").items) if isinstance(i, Grid))
    assert [[c.text for c in row] for row in grid.rows] == [
        ["Item", "Amounts"], ["Budget", "Final"], ["Office", "1,234.56", "(1,234.56)"], ["Total", "2,000.00", "-3.50"]]


IMAGE = b"<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 8 " \
        b"/Length 4 >>\nstream\n\x00\xff\xff\x00\nendstream"


def test_scan_without_text_layer_is_refused_by_name() -> None:
    scan = make_pdf(b"q 500 0 0 700 40 60 cm /Im1 Do Q", b"/XObject << /Im1 6 0 R >>", (IMAGE,))
    with pytest.raises(YusuanError, match=r"scan\.pdf: 这是扫描件"):
        read_bytes(scan, "scan.pdf")


@pytest.mark.parametrize(("data", "message"), [
    (b"%PDF-1.4\ngarbage, not a PDF body\n", "已损坏或不完整"),
    ((CORPUS / "06_hangzhou_qixiangju_2026_budget.pdf").read_bytes()[:30000], "已损坏或不完整"),
    ((FIXTURES / "pdf" / "encrypted.pdf").read_bytes(), "密码保护"),
    (make_pdf(b"")[:-40], "已损坏或不完整"),
])
def test_broken_files_give_a_message_not_a_traceback(data: bytes, message: str) -> None:
    with pytest.raises(YusuanError, match=rf"^bad\.pdf: .*{message}"):
        read_bytes(data, "bad.pdf")


def _page(name: str, number: int) -> bytes:
    import pypdfium2

    src = pypdfium2.PdfDocument(str(CORPUS / name))
    out = pypdfium2.PdfDocument.new()
    out.import_pages(src, [number - 1])
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()


def test_table_without_rules_is_read_from_the_text(monkeypatch: pytest.MonkeyPatch) -> None:
    from yusuan.read import pdfpage

    monkeypatch.setattr(pdfpage, "find_tables", lambda edges: [])  # as if nothing were ruled
    layout = layout_of(_page("01_guangzhou_qixiangju_2026_budget.pdf", 8), "p8.pdf")
    lines = [i.text for i in layout.items if isinstance(i, Line)]
    assert lines[:3] == ["表3", "本年支出总体情况表", "单位名称：广州市气象局 单位：万元"]
    grid = next(i for i in layout.items if isinstance(i, Grid))
    head = [[(c.text, c.col, c.colspan) for c in row] for row in grid.rows[: grid.header_rows]]
    assert head[0][0] == ("功能分类科目", 0, 2) and ("合计", 2, 1) in head[0] and ("基本支出", 3, 1) in head[0]
    assert [(t, c) for t, c, _ in head[1]] == [("科目编码", 0), ("科目名称", 1)]
    body = {row[0].text: [c.text for c in row] for row in grid.rows[grid.header_rows:]}
    assert body["2080505"] == ["2080505", "机关事业单位基本养老保险缴费支出", "398.88", "398.88", "0.00", "0.00",
                               "0.00", "0.00"]
    assert body["2200507"][2:5] == ["709.94", "0.00", "709.94"]


def test_importing_the_reader_imports_no_pdf_library() -> None:
    code = ("import sys, yusuan.cli, yusuan.read, yusuan.read.pdf; "
            "print([m for m in ('pdfplumber', 'pdfminer', 'pypdfium2') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_reading_a_pdf_needs_no_pdfplumber() -> None:
    code = ("import sys; from yusuan.read import read; read(sys.argv[1]); "
            "print([m for m in ('pdfplumber', 'pdfminer.layout') if m in sys.modules])")
    path = str(CORPUS / "06_hangzhou_qixiangju_2026_budget.pdf")
    out = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"  # pdfminer only reads the file's structure, for the bounds


def test_show_draws_a_page_with_the_cells_found(tmp_path) -> None:
    from PIL import Image
    from typer.testing import CliRunner

    from yusuan.cli import app

    out = tmp_path / "p8.png"
    pdf = CORPUS / "01_guangzhou_qixiangju_2026_budget.pdf"
    result = CliRunner().invoke(app, ["show", str(pdf), "--page", "8", "--image", str(out)])
    assert result.exit_code == 0, result.output
    image = Image.open(out).convert("RGB")
    assert image.size == (1684, 1191)  # A4 landscape at two pixels a point
    assert sum(1 for px in image.getdata() if px == (224, 48, 48)) > 1000  # the cells, in red
    result = CliRunner().invoke(app, ["show", str(pdf), "--page", "99", "--image", str(out)])
    assert result.exit_code == 2 and "没有第99页" in result.output


@pytest.fixture
def one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process of one thread, as the command line is: earlier tests leave idle threads in this one
    (a web test's server), and a process with threads reads in one process."""
    import threading

    monkeypatch.setattr(threading, "active_count", lambda: 1)


def test_a_process_with_other_threads_is_not_forked(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from yusuan.read.pdf import _workers

    monkeypatch.setenv("YUSUAN_PDF_WORKERS", "2")
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert _workers(25) == 1
    finally:
        stop.set()
        other.join()


def test_pages_read_on_two_processes_read_the_same(monkeypatch: pytest.MonkeyPatch, one_thread: None) -> None:
    data = (CORPUS / "06_hangzhou_qixiangju_2026_budget.pdf").read_bytes()
    monkeypatch.setenv("YUSUAN_PDF_WORKERS", "1")
    alone = layout_of(data, "06.pdf")
    monkeypatch.setenv("YUSUAN_PDF_WORKERS", "2")  # this process the odd pages, a forked one the even
    from yusuan.read.pdf import _workers

    assert _workers(25) == 2
    assert layout_of(data, "06.pdf") == alone


def test_a_worker_that_dies_in_the_parser_is_a_refusal_of_the_file(monkeypatch: pytest.MonkeyPatch,
                                                                  one_thread: None) -> None:
    import os

    from yusuan.read import pdf

    parent, read_pages = os.getpid(), pdf.read_pages

    def crash_in_the_worker(data: bytes, numbers: list[int]):
        if os.getpid() != parent:
            os._exit(139)  # as PDFium dying on a page would
        return read_pages(data, numbers)

    monkeypatch.setenv("YUSUAN_PDF_WORKERS", "2")
    monkeypatch.setattr(pdf, "read_pages", crash_in_the_worker)
    with pytest.raises(YusuanError, match=r"^06\.pdf: PDF 文件已损坏或不完整.*意外退出"):
        layout_of((CORPUS / "06_hangzhou_qixiangju_2026_budget.pdf").read_bytes(), "06.pdf")


def test_a_defect_in_a_worker_is_raised_here_without_a_traceback(monkeypatch: pytest.MonkeyPatch, one_thread: None,
                                                                 capfd: pytest.CaptureFixture[str]) -> None:
    import os

    from yusuan.read import pdf

    parent, read_pages = os.getpid(), pdf.read_pages

    def fail_in_the_worker(data: bytes, numbers: list[int]):
        if os.getpid() != parent:
            raise ValueError("a defect of yusuan's own")
        return read_pages(data, numbers)

    monkeypatch.setenv("YUSUAN_PDF_WORKERS", "2")
    monkeypatch.setattr(pdf, "read_pages", fail_in_the_worker)
    with pytest.raises(ValueError, match="a defect of yusuan's own"):  # the command's own handler words it
        layout_of((CORPUS / "06_hangzhou_qixiangju_2026_budget.pdf").read_bytes(), "06.pdf")
    assert "Traceback" not in capfd.readouterr().err


def test_a_refusal_in_a_worker_names_the_file(monkeypatch: pytest.MonkeyPatch, one_thread: None) -> None:
    from yusuan.read import pdf

    monkeypatch.setenv("YUSUAN_PDF_WORKERS", "2")
    monkeypatch.setattr(pdf, "MAX_CHARS", 3000)  # the workers are forked: they see it too
    with pytest.raises(YusuanError, match=r"^06\.pdf: PDF 的字符超过"):
        layout_of((CORPUS / "06_hangzhou_qixiangju_2026_budget.pdf").read_bytes(), "06.pdf")
