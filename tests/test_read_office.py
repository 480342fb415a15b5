"""Word, Excel and HTML readers: documents built here, holding the example's 表5 一般公共预算支出情况表
(tests/fixtures/changji-gxj-2023-budget.txt, lines 1191–1417) with its merged two-row header, read
into the same table the text export gives; and bad files, each one clear message with exit status 2."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import EXAMPLE
from yusuan.cli import app
from yusuan.model import Disclosure, Table
from yusuan.read import layout_of, read, read_bytes, sniff
from yusuan.read.xlsx import number_text
from yusuan.recognise.grids import prepare
from yusuan.recognise.layout import Grid, Line

runner = CliRunner()
KEYS = ["class", "item", "sub", "name", "total", "basic", "project"]
# 表5 as printed: 类, 款, 项, 功能分类科目名称, 合计, 基本支出, 项目支出
ROWS = [
    ("201", "", "", "一般公共服务支出", "2313.63", "459.01", "1854.62"),
    ("201", "13", "", "商贸事务", "2313.63", "459.01", "1854.62"),
    ("201", "13", "01", "行政运行", "459.41", "459.01", ""),
    ("201", "13", "99", "其他商贸事务支出", "2283.33", "", "1854.62"),
    ("208", "", "", "社会保障和就业支出", "101.77", "101.77", ""),
    ("208", "05", "", "行政事业单位养老支出", "101.77", "101.77", ""),
    ("208", "05", "02", "行政单位离退休", "18.21", "18.21", ""),
    ("208", "05", "05", "机关事业单位基本养老保险缴费支出", "55.71", "55.71", ""),
    ("208", "05", "06", "机关事业单位职业年金缴费支出", "27.85", "27.85", ""),
    ("210", "", "", "卫生健康支出", "30.05", "30.05", ""),
    ("210", "11", "", "行政事业单位医疗", "30.05", "30.05", ""),
    ("210", "11", "01", "行政单位医疗", "23.60", "23.60", ""),
    ("210", "11", "02", "事业单位医疗", "4.25", "4.25", ""),
    ("210", "11", "03", "公务员医疗补助", "1.74", "1.74", ""),
    ("210", "11", "99", "其他行政事业单位医疗支出", "0.46", "0.46", ""),
    ("215", "", "", "资源勘探工业信息等支出", "428.71", "", "428.71"),
    ("215", "05", "", "工业和信息产业监管", "428.71", "", "428.71"),
    ("215", "05", "17", "产业发展", "428.71", "", "428.71"),
    ("221", "", "", "住房保障支出", "43.87", "43.87", ""),
    ("221", "02", "", "住房改革支出", "43.87", "43.87", ""),
    ("221", "02", "01", "住房公积金", "43.87", "43.87", ""),
]
TOTAL = ("2918.03", "634.7", "2283.33")
TITLES = ["第二部分 2023年部门预算公开表", "表5", "一般公共预算支出情况表", "编制单位：昌吉州工业和信息化局", "单位：万元"]


def _code(row: tuple[str, ...]) -> str:
    return "".join(row[:3])


def assert_table5(table: Table, amounts: dict[str, str] | None = None) -> None:
    """The example's 表5, whatever format it came in."""
    assert table.kind == "gpb_expense"
    assert (table.number, table.title, table.unit) == ("表5", "一般公共预算支出情况表", "万元")
    assert [c.key for c in table.columns] == KEYS
    assert [c.label for c in table.columns] == ["类", "款", "项", "功能分类科目名称", "合计", "基本支出", "项目支出"]
    assert table.column("total").path == ["一般公共预算支出", "合计"]
    assert table.column("class").path == ["功能分类科目编码", "类"]
    coded = table.coded_rows()
    assert [r.code for r in coded] == [_code(r) for r in ROWS]
    assert [r.level for r in coded[:3]] == [1, 2, 3]
    for want, row in zip(ROWS, coded, strict=True):
        assert row.name == want[3]
        for key, text in zip(("total", "basic", "project"), want[4:], strict=True):
            assert row.values[key] == (Decimal(text) if text else None), (row.code, key)
            assert row.values[key] is None or isinstance(row.values[key], Decimal)
    total = table.total_row()
    assert total is not None and total.code is None
    assert [total.values[k] for k in ("total", "basic", "project")] == [Decimal(t) for t in TOTAL]
    assert table.rows[-1] is total


def assert_same_as_text(table: Table, example: Disclosure) -> None:
    """Codes, names and amounts equal to what the text reader reads from the example."""
    text = example.find_table("表5")
    assert [(r.code, r.name, r.values) for r in table.coded_rows()] == [
        (r.code, r.name, r.values) for r in text.coded_rows()]
    assert table.total_row().values == text.total_row().values


# --- Word ---------------------------------------------------------------------------------------

def _merge_down(cell, restart: bool) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    mark = OxmlElement("w:vMerge")
    if restart:
        mark.set(qn("w:val"), "restart")
    cell._tc.get_or_add_tcPr().append(mark)


def _word_table(document, rows: list[tuple[str, ...]], header: bool = True, total: bool = True):
    """The 表5 grid: 功能分类科目编码 over 类/款/项 (w:gridSpan), 功能分类科目名称 over two rows
    (w:vMerge), 一般公共预算支出 over 合计/基本支出/项目支出, a 合计 row merged over four columns."""
    table = document.add_table(rows=(2 if header else 0) + len(rows) + (1 if total else 0), cols=7)
    at = 0
    if header:
        top = table.rows[0].cells
        top[0].merge(top[2]).text = "功能分类科目编码"
        top[3].text = "功能分类科目名称"
        top[4].merge(top[6]).text = "一般公共预算支出"
        for i, text in enumerate(["类", "款", "项", "", "合计", "基本支出", "项目支出"]):
            table.rows[1].cells[i].text = text
        _merge_down(table.rows[0].cells[3], True)
        _merge_down(table.rows[1].cells[3], False)
        at = 2
    for r, row in enumerate(rows, start=at):
        for i, text in enumerate(row):
            table.rows[r].cells[i].text = text
    if total:
        last = table.rows[-1].cells
        last[0].merge(last[3]).text = "合计"
        for cell, text in zip(last[4:], TOTAL, strict=True):
            cell.text = text
    return table


def make_docx() -> bytes:
    from docx import Document

    document = Document()
    document.add_paragraph("第一部分 昌吉州工业和信息化局概况")
    document.add_paragraph("")  # an empty paragraph still counts in the paragraph numbers
    document.add_paragraph("部门职责", style="List Number")
    for text in TITLES:
        document.add_paragraph(text)
    _word_table(document, ROWS)
    document.add_paragraph("第三部分 2023年部门预算情况说明")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_sniff_by_content() -> None:
    assert sniff(make_docx()) == "zip"
    assert sniff(b"\xef\xbb\xbf<html><body>") == "html"
    assert sniff(EXAMPLE.read_bytes()) == "text"


def test_docx_table5(example: Disclosure) -> None:
    data = make_docx()
    layout = layout_of(data, "t.docx")
    lines = [i for i in layout.items if isinstance(i, Line)]
    assert lines[1].text == "1.部门职责"  # Word's list numbering is put back
    assert [ln.source.line for ln in lines[:3]] == [1, 3, 4]
    grid = next(i for i in prepare(layout.items) if isinstance(i, Grid))  # as recognition sees it
    assert grid.header_rows == 2
    head = [[(c.text, c.col, c.colspan) for c in row] for row in grid.rows[:2]]
    assert head == [
        [("功能分类科目编码", 0, 3), ("功能分类科目名称", 3, 1), ("一般公共预算支出", 4, 3)],
        [("类", 0, 1), ("款", 1, 1), ("项", 2, 1), ("", 3, 1), ("合计", 4, 1), ("基本支出", 5, 1), ("项目支出", 6, 1)],
    ]
    disclosure = read_bytes(data, "t.docx")
    assert disclosure.document.format == "docx"
    table = disclosure.tables[0]
    assert_table5(table)
    assert_same_as_text(table, example)
    row = next(r for r in table.rows if r.code == "2011301")
    source = row.source["total"]
    assert (source.table, source.line, source.col) == (1, 5, 5)
    assert source.describe() == "第1个表格第5行第5列"
    assert {(h.text, h.row, h.col, h.colspan) for h in table.header} >= {("功能分类科目编码", 0, 0, 3),
                                                                           ("一般公共预算支出", 0, 4, 3)}
    assert disclosure.unread == []


def test_docx_title_rows_in_the_table_and_a_table_split_in_two() -> None:
    """Title, number and unit printed in the table's first rows; the table broken at a page into
    two Word tables, the second repeating the header: one 表5."""
    from docx import Document

    document = Document()
    document.add_paragraph(TITLES[0])
    first = _word_table(document, ROWS[:10], total=False)
    title = first.add_row().cells  # move three new rows to the top: 表5 / title / unit
    tbl = first._tbl
    for text in reversed(TITLES[1:]):
        row = first.add_row()
        row.cells[0].merge(row.cells[6]).text = text
        tbl.remove(row._tr)
        tbl.insert(tbl.index(tbl.tr_lst[0]), row._tr)
    tbl.remove(title[0]._tc.getparent())
    document.add_paragraph("")
    _word_table(document, ROWS[10:])
    out = io.BytesIO()
    document.save(out)
    disclosure = read_bytes(out.getvalue(), "split.docx")
    assert len(disclosure.tables) == 1
    assert_table5(disclosure.tables[0])


# --- Excel --------------------------------------------------------------------------------------

def make_xlsx(number_format: str = "#,##0.00") -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "表5"
    sheet.append(["表5"])
    sheet.append(["一般公共预算支出情况表"])
    sheet.merge_cells("A2:G2")
    sheet.append(["编制单位：昌吉州工业和信息化局", None, None, None, None, None, "单位：万元"])
    sheet.append([])
    sheet.append(["功能分类科目编码", None, None, "功能分类科目名称", "一般公共预算支出"])
    sheet.append(["类", "款", "项", None, "合计", "基本支出", "项目支出"])
    for merged in ("A5:C5", "D5:D6", "E5:G5"):
        sheet.merge_cells(merged)
    for row in ROWS:  # 类 as a number, 款/项 as text (leading zeros); amounts as floats
        sheet.append([int(row[0]), *row[1:4], *(float(v) if v else None for v in row[4:])])
    sheet.append(["合计", None, None, None, *(float(t) for t in TOTAL)])
    sheet.merge_cells(f"A{sheet.max_row}:D{sheet.max_row}")
    for cells in sheet.iter_rows(min_row=7, min_col=5, max_col=7):
        for cell in cells:
            cell.number_format = number_format
    sheet.append([])
    sheet.append(["注：本表金额保留两位小数。"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_table5(example: Disclosure) -> None:
    disclosure = read_bytes(make_xlsx(), "t.xlsx")
    assert disclosure.document.format == "xlsx"
    table = disclosure.tables[0]
    assert_table5(table)
    assert_same_as_text(table, example)
    total = table.total_row()
    assert total.raw["basic"] == "634.70"  # the format's two decimals, as Excel shows it
    assert total.raw["total"] == "2918.03"  # no thousands separator, no float noise
    row = next(r for r in table.rows if r.code == "2011301")
    assert row.raw["class"] == "201" and row.raw["sub"] == "01"
    source = row.source["total"]
    assert (source.sheet, source.line, source.col) == ("表5", 9, 5)
    assert source.describe() == "工作表“表5” E9"
    assert row.line == 9


def test_xlsx_general_format_keeps_the_stored_decimals() -> None:
    table = read_bytes(make_xlsx("General"), "t.xlsx").tables[0]
    assert table.total_row().raw["basic"] == "634.7"
    assert next(r for r in table.rows if r.code == "2101101").raw["total"] == "23.6"


@pytest.mark.parametrize(("value", "fmt", "text"), [
    (2918.03, "#,##0.00", "2918.03"), (634.7, "0.00", "634.70"), (0.1 + 0.2, "General", "0.3"),
    (0.1 + 0.2, "0.00", "0.30"), (2.675, "0.00", "2.68"), (1854.62, None, "1854.62"), (12, "0.00", "12.00"),
    (12.0, "General", "12"), (-0.001, "0.00", "0.00"), (1.5, "0.0#", "1.5"), (1.234, "0.0#", "1.23"),
    (0.125, "0.0%", "12.5%"), (459.006, '#,##0.00_);[Red]\\(#,##0.00\\)', "459.01"), (1e-7, "General", "0.0000001"),
    (123456789012.0, "#,##0", "123456789012"), (3.1, "@", "3.1"),
])
def test_number_text(value, fmt, text) -> None:
    assert number_text(value, fmt) == text


def test_xlsx_formula_without_a_stored_result_is_kept_as_written() -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["一般公共预算支出情况表"])
    sheet.append(["单位：万元"])
    sheet.append(["科目编码", "科目名称", "合计", "基本支出", "项目支出"])
    sheet.append(["2011301", "行政运行", "=D4+E4", 459.01, 0.4])
    out = io.BytesIO()
    book.save(out)  # openpyxl writes formulas without their results
    disclosure = read_bytes(out.getvalue(), "f.xlsx")
    row = disclosure.tables[0].rows[0]
    assert row.code == "2011301" and row.raw["total"] == "=D4+E4"
    assert row.values["total"] is None and row.is_garbled("total")
    assert any("C4" in u.describe() and "公式" in u.reason for u in disclosure.unread)


def test_xlsx_two_tables_on_one_sheet() -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["表5", None, "一般公共预算支出情况表"])
    sheet.append(["单位：万元"])
    sheet.append(["科目编码", "科目名称", "合计", "基本支出", "项目支出"])
    sheet.append(["2011301", "行政运行", 459.41, 459.01, None])
    sheet.append([])
    sheet.append(["表8"])
    sheet.append(["政府性基金预算支出情况表"])
    sheet.append(["单位：万元"])
    sheet.append(["科目编码", "科目名称", "合计", "基本支出", "项目支出"])
    sheet.append([None, "合计", None, None, None])
    sheet.append(["注：本单位无政府性基金预算支出，故本表为空表。"])
    out = io.BytesIO()
    book.save(out)
    tables = read_bytes(out.getvalue(), "two.xlsx").tables
    assert [(t.number, t.kind) for t in tables] == [("表5", "gpb_expense"), ("表8", "gov_fund_expense")]
    assert [c.key for c in tables[0].columns] == ["code", "name", "total", "basic", "project"]
    assert tables[0].rows[0].values["total"] == Decimal("459.41")
    assert tables[1].is_empty() and "空表" in (tables[1].note or "")


def make_xls() -> bytes:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("表5")
    sheet.write_merge(0, 0, 0, 6, "表5")
    sheet.write_merge(1, 1, 0, 6, "一般公共预算支出情况表")
    sheet.write(2, 0, "编制单位：昌吉州工业和信息化局")
    sheet.write(2, 6, "单位：万元")
    sheet.write_merge(3, 3, 0, 2, "功能分类科目编码")
    sheet.write_merge(3, 4, 3, 3, "功能分类科目名称")
    sheet.write_merge(3, 3, 4, 6, "一般公共预算支出")
    for c, text in enumerate(["类", "款", "项"]):
        sheet.write(4, c, text)
    for c, text in enumerate(["合计", "基本支出", "项目支出"], start=4):
        sheet.write(4, c, text)
    money = xlwt.easyxf(num_format_str="0.00")
    for r, row in enumerate(ROWS, start=5):
        for c, text in enumerate(row[:4]):
            sheet.write(r, c, text)
        for c, text in enumerate(row[4:], start=4):
            if text:
                sheet.write(r, c, float(text), money)
    last = 5 + len(ROWS)
    sheet.write_merge(last, last, 0, 3, "合计")
    for c, text in enumerate(TOTAL, start=4):
        sheet.write(last, c, float(text), money)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xls_table5(example: Disclosure) -> None:
    data = make_xls()
    assert sniff(data) == "ole"
    disclosure = read_bytes(data, "t.xls")
    assert disclosure.document.format == "xls"
    table = disclosure.tables[0]
    assert_table5(table)
    assert_same_as_text(table, example)
    assert table.total_row().raw["basic"] == "634.70"
    assert table.total_row().source["total"].describe() == "工作表“表5” E27"


# --- HTML ---------------------------------------------------------------------------------------

def make_html(encoding: str = "utf-8") -> bytes:
    body = "".join(
        "<tr>" + "".join(f"<td>{t}</td>" for t in row) + "</tr>" for row in ROWS)
    page = f"""<!DOCTYPE html><html><head><meta charset="{encoding}"><title>预算公开</title>
<style>td {{ border: 1px }}</style><script>var s = "<table>";</script></head><body>
<div class="layout"><table><tr><td>
<p>{TITLES[0]}<p>表5<br>一般公共预算支出情况表</p>
<p>编制单位：昌吉州工业和信息化局&nbsp;&nbsp;单位：万元</p>
<table border="1">
<thead><tr><th colspan="3">功能分类科目编码<th rowspan="2">功能分类科目名称<th colspan=3>一般公共预算支出
<tr><th>类<th>款<th>项<th>合&nbsp;计<th>基本支出<th>项目支出</thead>
<tbody>{body}<tr style="display:none"><td>299</td><td></td><td></td><td>隐藏行</td><td>1</td><td>1</td><td></td></tr>
<tr><td colspan="4">合计<td>{TOTAL[0]}<td>{TOTAL[1]}<td>{TOTAL[2]}</tr></tbody></table>
<p>注：本表金额单位为万元。</p></td></tr></table></div></body></html>"""
    return page.encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_html_table5(example: Disclosure, encoding: str) -> None:
    data = make_html(encoding)
    layout = layout_of(data, "t.html")
    assert [i.text for i in layout.items if isinstance(i, Line)] == [
        TITLES[0], "表5", "一般公共预算支出情况表", "编制单位：昌吉州工业和信息化局\xa0\xa0单位：万元",
        "注：本表金额单位为万元。"]
    disclosure = read_bytes(data, "t.html")
    assert disclosure.document.format == "html"
    table = disclosure.tables[0]
    assert_table5(table)
    assert_same_as_text(table, example)
    assert table.column("name").path == ["功能分类科目名称"]


def test_html_rowspan_leaves_a_placeholder() -> None:
    page = """<table>
<tr><th rowspan="2">项目</th><th colspan="2">金额</th></tr>
<tr><th>预算数</th><th>决算数</th></tr>
<tr><td rowspan="3">甲</td><td>1.00</td><td>2.00</td></tr>
<tr><td>3.00</td><td>4.00</td></tr>
<tr><td colspan="2">5.00</td></tr>
<tr><td>乙</td><td rowspan="0">6.00</td><td>7.00</td></tr>
<tr><td>丙</td><td>8.00</td></tr>
</table>"""
    grid = next(i for i in prepare(layout_of(page.encode(), "t.html").items) if isinstance(i, Grid))
    assert grid.header_rows == 2
    cells = [[(c.text, c.col, c.colspan) for c in row] for row in grid.rows]
    assert cells == [
        [("项目", 0, 1), ("金额", 1, 2)],
        [("", 0, 1), ("预算数", 1, 1), ("决算数", 2, 1)],
        [("甲", 0, 1), ("1.00", 1, 1), ("2.00", 2, 1)],
        [("", 0, 1), ("3.00", 1, 1), ("4.00", 2, 1)],
        [("", 0, 1), ("5.00", 1, 2)],
        [("乙", 0, 1), ("6.00", 1, 1), ("7.00", 2, 1)],
        [("丙", 0, 1), ("", 1, 1), ("8.00", 2, 1)],
    ]
    assert grid.rows[3][0].source.describe() == "第1个表格第4行第1列"


# --- bad input ----------------------------------------------------------------------------------

def _cfb(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE compound file (version 3, 512-byte sectors) holding `streams`, each padded
    to 4096 bytes so that none lives in the mini stream."""
    end, free, fat_sector, none = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    names = list(streams)
    fat = [fat_sector, end]  # sector 0: the FAT, sector 1: the directory
    starts = []
    for _ in names:
        starts.append(len(fat))
        fat += [len(fat) + k + 1 for k in range(7)] + [end]
    fat += [free] * (128 - len(fat))
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + struct.pack(
        "<HHHHH6xIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, 0, 1, 1, 0, 4096, end, 0, end, 0)
    header += struct.pack("<I", 0) + struct.pack("<I", free) * 108

    def entry(name: str, kind: int, left: int, right: int, child: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (raw.ljust(64, b"\0") + struct.pack("<HBBIII", len(raw), kind, 1, left, right, child) + bytes(16)
                + struct.pack("<I", 0) + bytes(16) + struct.pack("<IQ", start, size))

    entries = [entry("Root Entry", 5, none, none, 1, end, 0)]
    for i, (name, start) in enumerate(zip(names, starts, strict=True), start=1):
        entries.append(entry(name, 2, none, i + 1 if i < len(names) else none, none, start, 4096))
    directory = b"".join(entries).ljust(512, b"\0")
    body = b"".join(streams[n].ljust(4096, b"\0") for n in names)
    return header + struct.pack("<128I", *fat) + directory + body


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _bomb(declared: int | None = None) -> bytes:
    """201 MB of zeros in a docx's document.xml (200 KB packed); `declared` rewrites the sizes its
    headers state, as a bomb that lies about them would."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        with archive.open("word/document.xml", "w") as member:
            chunk = bytes(1 << 20)
            for _ in range(201):
                member.write(chunk)
    data = bytearray(out.getvalue())
    if declared is not None:
        info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("word/document.xml")
        struct.pack_into("<I", data, info.header_offset + 22, declared)  # local header
        central = data.find(b"PK\x01\x02")  # each central directory entry
        while central >= 0:
            name_len = struct.unpack_from("<H", data, central + 28)[0]
            if data[central + 46: central + 46 + name_len] == b"word/document.xml":
                struct.pack_into("<I", data, central + 24, declared)
            central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def _bad_crc() -> bytes:
    """A byte of worksheet data changed: the member no longer unpacks to its checksum."""
    data = bytearray(make_xlsx())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    at = info.header_offset + 30 + name_len + extra_len + info.compress_size // 2
    data[at] ^= 0x55
    return bytes(data)


def _entity_bomb(data: bytes, member: str, text_tag: bytes) -> bytes:
    """One member's XML given a billion-laughs DTD, its first text made of the entity."""
    entities = '<!ENTITY e0 "lol">' + "".join(f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, 10))
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            xml = source.read(info)
            if info.filename == member:
                body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
                xml = (b'<?xml version="1.0"?><!DOCTYPE bomb [' + entities.encode() + b"]>"
                       + body.replace(text_tag, text_tag + b"&e9;", 1))
            archive.writestr(info, xml)
    return out.getvalue()


def _encrypted() -> bytes:
    return _cfb({"EncryptionInfo": b"\x04\x00\x04\x00", "EncryptedPackage": b"\x10" * 64})


CASES = {
    "truncated.docx": (lambda: make_docx()[:3000], "损坏"),
    "garbage.xlsx": (lambda: b"PK\x03\x04" + bytes(range(256)) * 8, "损坏"),
    "bad-crc.xlsx": (_bad_crc, "损坏"),
    "encrypted.docx": (_encrypted, "密码"),
    "encrypted.xlsx": (_encrypted, "密码"),
    "old.doc": (lambda: _cfb({"WordDocument": b"\xec\xa5", "1Table": b""}), ".doc"),
    "other.xls": (lambda: _cfb({"Contents": b"x"}), "不是 Excel"),
    "broken.xls": (lambda: make_xls()[:1500], "损坏"),
    "bomb.docx": (_bomb, "zip 炸弹"),
    "entities.docx": (lambda: _entity_bomb(make_docx(), "word/document.xml", b"<w:t>"), "XML 炸弹"),
    "entities.xlsx": (lambda: _entity_bomb(make_xlsx(), "xl/worksheets/sheet1.xml", b"<t>"), "XML 炸弹"),
    "lying-bomb.docx": (lambda: _bomb(declared=1024), "损坏"),  # zipfile stops at the declared size
    "photos.zip": (lambda: _zip({"a.txt": b"hello"}), "不是 Word"),
    "slides.docx": (lambda: _zip({"ppt/presentation.xml": b"<p/>"}), "PowerPoint"),
    "not-really.xlsx": (lambda: b"\x89PNG\r\n\x1a\n" + bytes(200), "扩展名是 .xlsx"),
    "no-tables.docx": (lambda: _word_without_tables(), "没有找到任何预算公开表"),
    "empty.html": (lambda: b"<html><body><p>\xe6\x97\xa0</p></body></html>", "没有找到任何预算公开表"),
    "bad-xml.docx": (lambda: _zip({"[Content_Types].xml": b"<Types", "word/document.xml": b"<w:document"}), "损坏"),
}


def _word_without_tables() -> bytes:
    from docx import Document

    document = Document()
    document.add_paragraph("只有文字")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.mark.parametrize("name", list(CASES))
def test_bad_files_are_one_clear_message(tmp_path: Path, name: str) -> None:
    make, message = CASES[name]
    path = tmp_path / name
    path.write_bytes(make())
    for command in ("parse", "check"):
        result = runner.invoke(app, [command, str(path)])
        assert result.exit_code == 2, (name, result.output, result.exception)
        assert message in result.output and str(path) in result.output, result.output
        assert "Traceback" not in result.output


def test_the_content_decides_not_the_extension(tmp_path: Path) -> None:
    path = tmp_path / "really-a-docx.xls"
    path.write_bytes(make_docx())
    result = runner.invoke(app, ["parse", str(path)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["document"]["format"] == "docx" and data["tables"][0]["kind"] == "gpb_expense"


def test_text_sources_print_as_before(example: Disclosure) -> None:
    """The new Source fields (sheet, table, col) stay out of the JSON of a text export."""
    dumped = json.loads(example.model_dump_json())
    row = dumped["tables"][4]["rows"][0]
    assert row["source"]["total"] == {"line": 1223, "page": None, "x": None, "y": None}


def test_cli_reads_office_files_and_version_stays_light(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    path.write_bytes(make_xlsx())
    shown = runner.invoke(app, ["show", str(path), "--table", "表5"], terminal_width=200)
    assert shown.exit_code == 0 and "2918.03" in shown.output
    code = ("import sys, yusuan.cli, yusuan.read; "
            "print(sorted(m for m in ('docx', 'openpyxl', 'xlrd', 'lxml', 'html.parser') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_read_path(tmp_path: Path) -> None:
    path = tmp_path / "t.docx"
    path.write_bytes(make_docx())
    assert read(path).tables[0].kind == "gpb_expense"
