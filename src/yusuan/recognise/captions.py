"""What is printed around a table: its number, its title, its money unit, the unit that made it
and the year. One home for the question "is this line a caption?", which the readers ask too
(a caption is never a wrapped prose line, nor the continuation of a cell)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from yusuan.model.numbers import squash
from yusuan.registry import TableKind, registry

_CN = "一二三四五六七八九十"
# 表1 表1-1 表一 | 公开01表 预算01表 部门预算01表 | 公开表10 预算表12 附表3 | 一、(a numbered title)
_NUMBER = re.compile(
    rf"^(?:(?P<plain>表\s*(?:\d+(?:\s*-\s*\d+)?|[{_CN}]+))"
    r"|(?P<series>(?:[\u4e00-\u9fff]{0,6}(?:公开|预算|决算))\s*(?:表\s*)?\d+\s*(?:-\s*\d+\s*)?表?)"
    rf"|(?P<attached>附表\s*\d+)|(?P<list>[{_CN}]+、))")
_UNIT = re.compile(r"(?:金额)?单位\s*[:：]?\s*(万元|元)(?![\u4e00-\u9fff])")
_MADE_BY = re.compile(r"^(?:编制|填报|预算|主管)?(?:单位|部门)(?:（单位）|\(单位\))?(?:名称)?\s*[:：]")
_YEAR = re.compile(r"^[(（]?\s*\d{4}\s*年度?\s*[)）]?$")
# a performance-target table's title: `××项目绩效目标表`, `部门整体支出绩效目标表`, `项目支出绩效表`
TARGET_TITLE = re.compile(r"绩效(目标|指标)|项目支出绩效表")
_HEADING = re.compile(rf"^(第[{_CN}]+部分|[{_CN}]+、|[（(][{_CN}\d]+[)）]|\d+[.、．](?!\d)|注\s*\d*\s*[:：]|附[件表])")


@dataclass
class Caption:
    number: str | None = None  # as printed, blanks removed: 表1, 公开01表, 预算01表, 表一
    title: str | None = None  # without the number
    kind: TableKind | None = None
    unit: str | None = None  # 万元 or 元


def table_number(text: str) -> tuple[str | None, str]:
    """The table number a caption starts with, and the rest: `公开 01 表 收支总表` → (公开01表, 收支总表).
    A `一、` is a number only before a table's title."""
    s = squash(text)
    m = _NUMBER.match(s)
    if not m:
        return None, s
    rest = s[m.end():].lstrip(":：.．、")
    if m["list"] and not is_title(rest):
        return None, s
    return m.group(0).rstrip("、"), rest


def unit_of(text: str) -> str | None:
    m = _UNIT.search(squash(text))
    return m[1] if m else None


def kind_of(text: str) -> TableKind | None:
    return registry().recognise_title(squash(text))


def is_title(text: str) -> bool:
    """A table's title: it names a kind of table (or a target table), and reads like a title, not a
    sentence about one."""
    s = squash(text)
    if not 2 < len(s) <= 60 or re.search(r"[，。；;]", s):
        return False
    if TARGET_TITLE.search(s):  # `四、绩效目标设置情况` is a heading: a target table's title ends in 表
        return s.endswith("表")
    return kind_of(s) is not None and bool(re.search(r"(表|表[(（].*[)）]|情况|明细|预算|决算)$", s))


def is_caption(text: str) -> bool:
    """A line that belongs to a table's caption: its number, title, money unit, 编制单位, year."""
    s = squash(text)
    if not s:
        return False
    number, rest = table_number(s)
    if number is not None and (not rest or is_title(rest) or unit_of(rest)):
        return True
    return is_title(s) or bool(_YEAR.match(s)) or (unit_of(s) is not None and len(s) <= 60) or (
        bool(_MADE_BY.match(s)) and len(s) <= 60)


def is_heading(text: str) -> bool:
    """A line that starts something new: a caption, a part, a numbered heading, a note."""
    return bool(_HEADING.match(squash(text))) or is_caption(text)


def read_caption(texts: list[str]) -> Caption:
    """The caption of a table from the lines printed above it (nearest last)."""
    caption = Caption()
    for text in reversed(texts):
        number, rest = table_number(text)
        caption.number = caption.number or number
        caption.unit = caption.unit or unit_of(text)
        if caption.title is None and is_title(rest):
            caption.title, caption.kind = rest, kind_of(rest)
    return caption
