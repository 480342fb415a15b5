"""The whole disclosure as a Word document: parts and headings, narrative paragraphs, every
table with its merged header cells (landscape pages), the performance target tables and
the glossary."""

from __future__ import annotations

import io

from yusuan.model import Disclosure, PerformanceTarget, Table
from yusuan.render.grid import body_rows, header_rows
from yusuan.render.html import narrative_sections, numeral, staffing_sentence

FONT = "宋体"


def _set_font(run, size: float | None = None) -> None:
    from docx.shared import Pt

    if size:
        run.font.size = Pt(size)


def _table_header():
    from docx.oxml import OxmlElement

    return OxmlElement("w:tblHeader")


def _default_font(doc) -> None:
    """Chinese text in 宋体 through the Normal style, once, rather than on every run."""
    from docx.oxml.ns import qn

    style = doc.styles["Normal"]
    style.font.name = FONT
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)


def _para(doc, text: str, size: float = 11, align=None, indent: bool = False) -> None:
    from docx.shared import Pt

    p = doc.add_paragraph()
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    if align is not None:
        p.alignment = align
    _set_font(p.add_run(text), size)


def _cell_text(cell, text: str, size: float = 8, align=None) -> None:
    cell.text = ""
    p = cell.paragraphs[0]
    if align is not None:
        p.alignment = align
    _set_font(p.add_run(text), size)


def _table(doc, table: Table, unit_name: str) -> None:
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    section = doc.add_section(WD_SECTION.NEW_PAGE)
    if section.orientation != WD_ORIENT.LANDSCAPE:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    _para(doc, table.number or "", 10)
    _para(doc, table.title, 15, WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, f"编制单位：{unit_name}　　　　单位：{table.unit or ''}", 9)
    head, body = header_rows(table), body_rows(table)
    width = len(table.columns)
    grid = doc.add_table(rows=len(head) + len(body), cols=width)
    grid.style = "Table Grid"
    before = grid._cells  # python-docx recomputes the cells on every cell() call: take them once
    taken: set[tuple[int, int]] = set()
    placed: list[tuple[int, int, str]] = []
    for r, cells in enumerate(head):
        c = 0
        for cell in cells:
            while (r, c) in taken:
                c += 1
            if cell.colspan > 1 or cell.rowspan > 1:
                before[r * width + c].merge(before[(r + cell.rowspan - 1) * width + c + cell.colspan - 1])
            for rr in range(r, r + cell.rowspan):
                for cc in range(c, c + cell.colspan):
                    taken.add((rr, cc))
            placed.append((r, c, cell.text))
            c += cell.colspan
    for tr in grid.rows[: len(head)]:  # Word repeats these rows on each page, and readers know them as header
        tr._tr.get_or_add_trPr().append(_table_header())
    every = grid._cells
    for r, c, text in placed:
        _cell_text(every[r * width + c], text, 8, WD_ALIGN_PARAGRAPH.CENTER)
    for r, cells in enumerate(body, start=len(head)):
        for c, cell in enumerate(cells):
            _cell_text(every[r * width + c], cell.text, 8, WD_ALIGN_PARAGRAPH.RIGHT if cell.amount else None)
    if table.note:
        _para(doc, table.note, 9)


def _target(doc, t: PerformanceTarget, year: int | None, unit_name: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    rows = [["项目支出绩效目标表"] + [""] * 8, [f"({year}年)"] + [""] * 8,
            ["预算单位", t.unit or unit_name] + [""] * 7,
            ["项目名称", t.project, "", "", "", "项目负责人", t.owner or "", "", ""],
            [f"项目资金（{t.amount_unit or '万元'}）", "年度预算总额：", t.amounts_raw.get("total", ""), "其中：财政拨款",
             t.amounts_raw.get("fiscal", ""), "其他资金：", t.amounts_raw.get("other", ""), "", ""],
            ["项目总体目标", t.goal or ""] + [""] * 7,
            ["一级指标", "二级指标", "三级指标", "指标值", "指标值设置依据", "上年完成值", "指标分值权重",
             "指标赋分规则", "佐证资料"]]
    previous = ("", "")
    for i in t.indicators:
        rows.append([i.level1 if i.level1 != previous[0] else "", i.level2 if (i.level1, i.level2) != previous else "",
                     i.level3, i.value, i.basis or "", i.prior or "", i.weight_raw or "", i.rule or "", i.evidence or ""])
        previous = (i.level1, i.level2)
    grid = doc.add_table(rows=len(rows), cols=9)
    grid.style = "Table Grid"
    merges = {0: [(0, 8)], 1: [(0, 8)], 2: [(1, 8)], 3: [(1, 4), (6, 8)], 4: [(6, 8)], 5: [(1, 8)]}
    before = grid._cells
    for r, spans in merges.items():
        for a, b in spans:
            before[r * 9 + a].merge(before[r * 9 + b])
    every = grid._cells
    for r, texts in enumerate(rows):
        covered = {c for a, b in merges.get(r, []) for c in range(a + 1, b + 1)}
        for c, text in enumerate(texts):
            if c not in covered:
                _cell_text(every[r * 9 + c], text, 8, WD_ALIGN_PARAGRAPH.CENTER if r < 2 else None)
    doc.add_paragraph()


def render_docx(d: Disclosure) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc = Document()
    _default_font(doc)
    unit, year = d.document.unit or "", d.document.year
    kind = "决算" if d.document.kind == "final" else "预算"
    _para(doc, f"{unit}{year}年{'单位' if d.document.scope == '单位' else '部门'}{kind}公开", 20, WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, f"第一部分 {unit}概况", 15)
    _para(doc, "一、主要职能", 12)
    for f in d.overview.functions:
        _para(doc, f, indent=True)
    _para(doc, "二、机构设置及人员情况", 12)
    for text in (d.overview.organisation, staffing_sentence(d)):
        if text:
            _para(doc, text, indent=True)
    _para(doc, f"第二部分 {year}年{kind}公开表", 15)
    for table in d.tables:
        _table(doc, table, unit)
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = min(section.page_width, section.page_height), max(
        section.page_width, section.page_height)
    _para(doc, f"第三部分 {year}年{kind}情况说明", 15)
    for heading, paragraphs in narrative_sections(d):
        _para(doc, heading, 12)
        for text in paragraphs:
            _para(doc, text, indent=True)
        if "绩效" in heading:
            for t in d.performance_targets:
                _target(doc, t, year, unit)
    _para(doc, "第四部分 名词解释", 15)
    for n, g in enumerate(d.glossary, start=1):
        _para(doc, f"{numeral(n)}、{g.term}：{g.definition}", indent=True)
    if d.document.date:
        _para(doc, f"{unit}　{d.document.date}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
