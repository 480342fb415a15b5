"""From layout to model: find the document's parts, its tables by title and headers, the
performance target tables, the narrative and its claims, the overview and the glossary."""

from __future__ import annotations

import re

from yusuan.errors import YusuanError
from yusuan.model import Disclosure, GlossaryTerm, Paragraph, Source
from yusuan.model.numbers import clean, squash
from yusuan.read.claims import parse_claims
from yusuan.read.layout import Layout, Line
from yusuan.read.tables import UNIT, is_meta_text, make_table, take_meta_rows
from yusuan.read.targets import is_target_grid, read_targets
from yusuan.registry import registry

_PART = re.compile(r"^第([一二三四五六七八九十]+)部分\s*(.*)$")
_SECTION = re.compile(r"^([一二三四五六七八九十]+)、(.+)$")
_SUBSECTION = re.compile(r"^[（(]([一二三四五六七八九十]+)[）)](.+)$")
_FUNCTION = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
_YEAR = re.compile(r"(20\d{2})\s*年")
_GLOSSARY = re.compile(r"^[一二三四五六七八九十\d]+[、.．]\s*(.+?)[:：]\s*(.+)$")
_STAFF = re.compile(r"(编制数|实有人数|在职|退休|离休)\s*(\d+)\s*[名人]，?(?:(增加|减少)\s*(\d+)\s*人)?")
_SIGNATURE = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*$")
_EMPTY_NOTE = re.compile(r"空表|没有.*(支出|收入|安排)|无.*(收支|支出|收入)")
_DEPTS = re.compile(r"下设\s*(\d+)\s*个[^，,]*[，,]\s*分别是[:：](.+?)[。]?$")


def _part_of(title: str) -> str:
    if "概况" in title:
        return "overview"
    if "公开表" in title or "报表" in title or "表" in title:
        return "tables"
    if "说明" in title:
        return "narrative"
    if "名词" in title:
        return "glossary"
    return "other"


def recognise(layout: Layout) -> Disclosure:
    disclosure = Disclosure()
    disclosure.document.file = layout.file
    disclosure.document.format = layout.format
    part = "overview"
    section: str | None = None
    pending: list[str] = []  # prose lines since the last grid: number, title, unit
    reg = registry()
    for item in layout.items:
        if isinstance(item, Line):
            text = clean(item.text)
            m = _PART.match(squash(text))
            if m:
                part = _part_of(m[2])
                section = None
                _document_facts(disclosure, text)
                continue
            if part == "tables":
                pending.append(text)
                if _EMPTY_NOTE.search(text) and disclosure.tables and not disclosure.tables[-1].note:
                    disclosure.tables[-1].note = text
                continue
            if part == "narrative" and (_SECTION.match(text) or _SUBSECTION.match(text)) and len(text) < 60:
                section = text
                disclosure.narrative.sections.append(text)
                continue
            _prose(disclosure, part, section, text, item.source)
            continue
        # a grid
        if is_target_grid(item):
            disclosure.performance_targets += read_targets(item)
            continue
        meta, _ = take_meta_rows(item)
        titles = [t for t in pending[-4:] + meta if not is_meta_text(t) or reg.recognise_title(t)]
        kind = next((k for t in reversed(pending[-4:] + meta) if (k := reg.recognise_title(t))), None)
        if kind is None or not item.rows:
            disclosure.unread.append(f"{item.source.describe()}: 未识别的表格（{'；'.join(titles[-2:]) or '无标题'}）")
            pending.clear()
            continue
        unit = next((m[1] for t in pending + meta if (m := UNIT.search(squash(t)))), None)
        disclosure.tables.append(make_table(item, kind, pending[-4:] + meta, unit))
        pending.clear()
    _finish(disclosure)
    return disclosure


def _document_facts(disclosure: Disclosure, heading: str) -> None:
    facts = disclosure.document
    m = _YEAR.search(heading)
    if m and facts.year is None:
        facts.year = int(m[1])
    if "决算" in heading:
        facts.kind = "final"
    if "单位预算" in heading or "单位决算" in heading:
        facts.scope = "单位"
    elif "部门" in heading:
        facts.scope = "部门"
    m = _PART.match(squash(heading))
    if m and m[2].endswith("概况") and len(m[2]) > 2 and facts.unit is None:
        facts.unit = m[2][:-2]


def _prose(disclosure: Disclosure, part: str, section: str | None, text: str, source: Source) -> None:
    if not text:
        return
    if part == "overview":
        _overview(disclosure, text, source)
    elif part == "narrative":
        disclosure.narrative.paragraphs.append(Paragraph(text=text, section=section, source=source))
        names = tuple(n for n in (disclosure.document.unit,) if n)
        disclosure.narrative.claims += parse_claims(text, source.line, section, names)
    elif part == "glossary":
        if _SIGNATURE.search(text):  # the closing `单位名 … 2023年1月31日` is no glossary text
            disclosure.document.date = _SIGNATURE.search(text)[0]
            return
        m = _GLOSSARY.match(text)
        if m:
            disclosure.glossary.append(GlossaryTerm(term=m[1], definition=m[2], source=source))
        elif disclosure.glossary:
            disclosure.glossary[-1].definition += "\n" + text


def _overview(disclosure: Disclosure, text: str, source: Source) -> None:
    overview = disclosure.overview
    if _FUNCTION.match(text):
        overview.functions.append(text)
        return
    staff = list(_STAFF.finditer(text))
    if len(staff) >= 2:
        overview.staffing_source = source
        for m in staff:
            overview.staffing[m[1]] = int(m[2])
            if m[3]:
                overview.staffing_changes[m[1]] = int(m[4]) * (-1 if m[3] == "减少" else 1)
        return
    m = _DEPTS.search(text)
    if m:
        overview.organisation = text
        overview.departments = [d for d in re.split(r"[、，,]", m[2]) if d]
        if disclosure.document.unit is None:
            disclosure.document.unit = text.split("无下属")[0].split("下设")[0].strip("，, ")


def _finish(disclosure: Disclosure) -> None:
    facts = disclosure.document
    units = {t.unit for t in disclosure.tables if t.unit}
    facts.money_unit = "万元" if "万元" in units or not units else "元"
    if not disclosure.tables:
        raise YusuanError("没有找到任何预算公开表，这不像是一份部门预算或决算公开文件", file=facts.file)
