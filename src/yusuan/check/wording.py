"""What a reviewer catches in the narrative's words (data/wording.toml): template text left in, a
reason announced and not given, a class under the name the catalog dropped, punctuation doubled or
a quotation left open, and a 单位预算 that calls itself a 部门预算."""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources

from yusuan.check.context import Context
from yusuan.check.findings import Location
from yusuan.model import Paragraph
from yusuan.model.numbers import squash


@cache
def _data() -> dict:
    return tomllib.loads(resources.files("yusuan.data").joinpath("wording.toml").read_text("utf-8"))


def _where(ctx: Context, index: int, paragraph: Paragraph) -> Location:
    source = paragraph.source
    page = source.page if source else None
    return Location(kind="narrative", row=paragraph.section, line=source.line if source else None, page=page,
                    page_label=ctx.d.document.page_labels.get(page) if page else None, paragraph=index)


def _quote(text: str, at: int) -> str:
    return text[max(0, at - 12):at + 16].strip()


def check_wording(ctx: Context) -> None:
    """Each slip once, with every paragraph it is in."""
    data = _data()
    cut_short = [re.compile(p) for p in data["cut_short"]]
    year = ctx.d.document.year or 0
    renamed = [r for r in data["renamed"] if year >= r["since"]]
    tables = " ".join(squash(r.name) for t in ctx.d.tables for r in t.rows)
    unit_scope = ctx.d.document.scope == "单位"
    found: dict[tuple[str, str], tuple[str, list[Location]]] = {}  # (rule, what) → (message, places)

    def slip(rule: str, what: str, message: str, i: int, paragraph: Paragraph) -> None:
        found.setdefault((rule, what), (message, []))[1].append(_where(ctx, i, paragraph))

    for i, paragraph in enumerate(ctx.d.narrative.paragraphs):
        text = paragraph.text
        for word in data["placeholders"]:
            if word in text:
                slip("text.placeholder", word, f"情况说明留有模板文字“{word}”：“{_quote(text, text.index(word))}”",
                     i, paragraph)
        for pattern in cut_short:
            m = pattern.search(text)
            if m:
                slip("text.reason_missing", pattern.pattern, f"情况说明说了“{m[0].rstrip('。；;')}”，却没有写出来："
                     f"“{_quote(text, m.start())}”", i, paragraph)
        for rename in renamed:
            if rename["old"] in text and rename["new"] in tables:
                slip("text.old_name", rename["old"], f"情况说明写“{rename['old']}”，而表中（{rename['since']}年起的"
                     f"科目）为“{rename['new']}”", i, paragraph)
        if "。。" in text:
            slip("text.punctuation", "。。", f"情况说明句号重复：“{_quote(text, text.index('。。'))}”", i, paragraph)
        if text.count("“") != text.count("”"):
            slip("text.punctuation", "“”", f"情况说明的引号不成对：“{text[:30]}…”", i, paragraph)
        m = re.search(r"\d{4}\s*年度?部门(综合)?预算", text) if unit_scope else None
        if m:
            slip("text.scope_wording", "部门预算", f"这是单位预算，情况说明却称“{m[0]}”", i, paragraph)
    for (rule, _), (message, places) in found.items():
        ctx.add(rule, message + (f"（共 {len(places)} 处）" if len(places) > 1 else ""), places)
