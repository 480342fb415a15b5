"""From layout to model: find the document's parts, its tables by title and headers, the
performance target tables, the narrative and its claims, the overview and the glossary."""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from functools import cache
from importlib import resources

from yusuan.errors import YusuanError
from yusuan.model import Disclosure, GlossaryTerm, Paragraph, Section, Source, Unread, code_level
from yusuan.model.numbers import clean, squash
from yusuan.recognise.captions import is_caption, is_title, table_number, unit_of
from yusuan.recognise.claims import parse_claims
from yusuan.recognise.grids import prepare
from yusuan.recognise.layout import Grid, Layout, Line
from yusuan.recognise.sections import heading_topic, statement_topics
from yusuan.recognise.tables import make_table, take_meta_rows
from yusuan.recognise.targets import Targets
from yusuan.registry import registry

_PART = re.compile(r"^第([一二三四五六七八九十]+)部分\s*(.*)$")
_SECTION = re.compile(r"^([一二三四五六七八九十]+)、(.+)$")
_SUBSECTION = re.compile(r"^[（(]([一二三四五六七八九十]+)[）)](.+)$")
_TOC = re.compile(r"(\.{3,}|…{2,}|·{3,}|-{4,}|—{3,})\s*\d+\s*$")
_NUMBERED_ITEM = re.compile(r"^\d+[.、．](?!\d)(.+)$")
_FUNCTION = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
_YEAR = re.compile(r"(20\d{2})\s*年")
# `一、财政拨款：…`, `（一）财政拨款：…`, `1.财政拨款：…`, or a term alone before its colon
_GLOSSARY = re.compile(r"^(?:[（(]?[一二三四五六七八九十\d]+[）)、.．]\s*)?([^：:，。；]{2,16}?)[:：]\s*(.+)$")
_STAFF = re.compile(r"(编制数|实有人数|在职|退休|离休)\s*(\d+)\s*[名人]，?(?:(增加|减少)\s*(\d+)\s*人)?")
_SIGNATURE = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*$")
_EMPTY_NOTE = re.compile(r"空表|表为空|没有.*(支出|收入|安排)|无.*(收支|支出|收入)|无发生额|不涉及")
_TABLES_PART = re.compile(r"^[一二三四五六七八九十]+、(表格|报表|公开表|预算表|决算表)(部分)?$")
_NUMBERED = re.compile(r"^[一二三四五六七八九十]+、(.+)$")
_MADE_BY = re.compile(r"^编制(?:单位|部门)[:：](.+)$")
_COVER_UNIT = re.compile(r"^(预算主管部门|部门名称|单位名称|主管部门)[:：](.+)$")
_COVER_TITLE = re.compile(r"^(?:20\d{2}年度?)?([^\d]{2,30}?)(?:20\d{2}年度?)?(?:部门|单位)(?:综合)?(?:预|决)")
_UNIT_NAME = re.compile(
    r"^[^\d，。、：:]{3,30}(局|委员会|办公室|中心|院|厅|所|站|馆|委|部|会|队|处|社)([(（][^)）]+[)）])?$")
_GENERIC_UNITS = ("部门", "单位", "本部门", "本单位", "部门基本", "单位基本")
_DEPTS = re.compile(r"下设\s*(\d+)\s*个[^，,]*[，,]\s*分别是[:：](.+?)[。]?$")


def _part_titles(items: list[Line | Grid]) -> list[Line | Grid]:
    """A bare `第四部分` with its title printed on the next line (`名词解释`): one heading."""
    out: list[Line | Grid] = []
    for item in items:
        before = out[-1] if out else None
        if isinstance(item, Line) and isinstance(before, Line) and item.source.page == before.source.page \
                and (m := _PART.match(squash(clean(before.text)))) and not m[2] and len(squash(item.text)) <= 30:
            out[-1] = Line(text=f"{clean(before.text)} {clean(item.text)}", source=before.source)
            continue
        out.append(item)
    return out


def _part_of(title: str) -> str:
    """What a `第X部分` holds. Any part that is not the overview, the tables or the glossary
    explains the budget in words (收支情况, 三公经费情况, 其他重要事项 …)."""
    if "概况" in title:
        return "overview"
    if "名词" in title:
        return "glossary"
    if "公开表" in title or "报表" in title or title.endswith("表"):
        return "tables"
    return "narrative"


def _heading_part(text: str, has_parts: bool) -> str | None:
    """A top-level heading of a document that does not number its parts `第X部分`:
    `一、部门概况`, `四、2026年××预算公开表`, `名词解释`, `2026年部门预算编制说明`."""
    s = squash(text)
    if _TABLES_PART.match(s):
        return "tables"
    if has_parts or len(s) > 40 or s[-1] in "。；;，,：:" or _SUBSECTION.match(s) or _NUMBERED_ITEM.match(s):
        return None
    m = _NUMBERED.match(s)
    title = m[1] if m else s
    if "名词解释" in title:
        return "glossary"
    if m:
        if "概况" in title:
            return "overview"
        if title.endswith("表") or "公开表" in title or "报表" in title:
            return "tables"
        return "narrative" if title.endswith("说明") else None
    if len(s) <= 30 and re.search(r"(部门概况|主要职能|主要职责|机构设置)$", s):
        return "overview"
    if len(s) <= 30 and re.search(r"(编制说明|情况说明|预算说明)$", s):
        return "narrative"
    return None


def _cover_facts(disclosure: Disclosure, lines: list[str]) -> None:
    """The first page: year and kind from the title, the unit from `预算主管部门：…`, else from
    the title (`2026年××局部门预算`), else from a line that is a unit's name."""
    facts = disclosure.document
    texts = [squash(t) for t in lines]
    title = "".join(texts)
    m = _YEAR.search(title)
    if m and facts.year is None and ("预" in title or "决" in title):
        facts.year = int(m[1])
    if "决算" in title and facts.kind == "budget" and "预算" not in title:
        facts.kind = "final"
    if facts.scope is None and re.search(r"单位(综合)?[预决]算", title):
        facts.scope = "单位"
    elif facts.scope is None and re.search(r"部门(综合)?[预决]算", title):
        facts.scope = "部门"
    if facts.unit is not None:
        return
    guesses = [m[2] for s in texts if (m := _COVER_UNIT.match(s))]
    # the title, printed on one line or over several (`2026年深圳市市场监督管理局深汕监` / `管局部门预算`)
    guesses += [m[1] for k in range(len(texts)) if (m := _COVER_TITLE.match("".join(texts[k:k + 3])))]
    guesses += [s for s in texts if _UNIT_NAME.match(s)]
    facts.unit = next((g for g in guesses if g not in _GENERIC_UNITS), None)


def _facts_from_captions(disclosure: Disclosure, captions: list[str]) -> None:
    """A workbook of tables alone has no cover: the unit from `编制单位：…`, the year from a
    caption such as `2026年部门收支总表` or `（2026年度）`, when nothing before gave them."""
    facts = disclosure.document
    texts = [squash(t) for t in captions]
    if facts.unit is None:
        named = [m[1].split("单位:")[0].split("单位：")[0] for t in texts if (m := _MADE_BY.match(t))]
        facts.unit = next((n for n in named if n and n not in _GENERIC_UNITS), None)
    if facts.year is None:
        facts.year = next((int(m[1]) for t in texts if (m := _YEAR.search(t))), None)


_WHY_EMPTY = re.compile(r"空表(理由|原因|说明)|为空的?(理由|原因)")


def _list_of_tables(grid: Grid) -> tuple[dict[str, str], list[str]] | None:
    """The list of tables some regions print first (目录 as a table), with columns saying whether a
    table is empty and why: (表N → why it is empty, the titles listed)."""
    head = grid.rows[: grid.header_rows or 1]
    cols = {squash(c.text): c.col for row in head for c in row}
    reason = next((c for t, c in cols.items() if _WHY_EMPTY.search(t)), None)
    if reason is None:
        return None
    empty = next((c for t, c in cols.items() if "是否空表" in t), None)
    name = next((c for t, c in cols.items() if "名称" in t), None)
    reasons: dict[str, str] = {}
    titles: list[str] = []
    for row in grid.rows[grid.header_rows or 1 :]:
        cells = {c.col: clean(c.text) for c in row}
        number = squash(cells.get(0, ""))
        if name is not None and cells.get(name):
            titles.append(cells[name])
        if number.startswith("表") and (squash(cells.get(empty, "")) == "是" or cells.get(reason)):
            reasons[number] = cells.get(reason) or "空表"
    return reasons, titles


def recognise(layout: Layout) -> Disclosure:
    disclosure = Disclosure()
    disclosure.document.file = layout.file
    disclosure.document.format = layout.format
    disclosure.document.page_labels = dict(layout.page_labels)
    disclosure.unread += layout.unread
    part = "overview"
    section: str | None = None
    pending: list[str] = []  # prose lines since the last grid: number, title, unit
    reg = registry()
    has_parts = any(isinstance(i, Line) and _PART.match(squash(clean(i.text))) for i in layout.items)
    reasons: dict[str, str] = {}  # 表N → why it is empty, from a list of the tables
    last_read = True  # the last grid became a table (a note after it explains it)
    cover: list[str] = []  # the lines of the first page
    seen_part = False
    sections = Sections(disclosure)
    targets = Targets()
    recent: list[str] = []  # the lines since the last grid
    first_page: list[str] = []
    toc_page: int | None = None  # the page the 目录 is printed on
    for item in _part_titles(prepare(layout.items)):
        if isinstance(item, Line):
            text = clean(item.text)
            recent.append(text)
            if item.source.page == 1 or (item.source.page is None and len(first_page) < 12):
                first_page.append(text)
            if squash(text) == "目录":
                toc_page = item.source.page
                continue
            # an entry of the table of contents (with its page number, or on the 目录's page), not the
            # heading it lists
            if _TOC.search(text) or (toc_page is not None and item.source.page == toc_page):
                title = _TOC.sub("", squash(text))
                if is_title(table_number(title)[1]):
                    disclosure.listed_tables.append(title)
                continue
            m = _PART.match(squash(text))
            if m:
                part = _part_of(m[2])
                section = None
                if cover:  # the title lines before the first part are the cover
                    _cover_facts(disclosure, cover)
                    cover = []
                seen_part = True
                _document_facts(disclosure, text)
                sections.part(text, part, item.source)
                continue
            heading = _heading_part(text, has_parts)
            if heading:
                if item.source.page == 1 and disclosure.document.unit is None:
                    _cover_facts(disclosure, [text])  # `重庆市科学技术局2026年部门预算情况说明`, the cover's title
                # `三、财政拨款情况说明` heads a part and names what its sentences are about
                part, section = heading, text if heading == "narrative" else None
                sections.part(text, part, item.source)
                continue
            # the cover: a PDF's first page; in a document without pages, what precedes 第一部分
            if item.source.page == 1 or (item.source.page is None and not seen_part and not disclosure.tables):
                cover.append(text)
            elif cover:
                _cover_facts(disclosure, cover)
                cover = []
            if part == "tables":
                pending.append(text)
                if _EMPTY_NOTE.search(text) and disclosure.tables and not disclosure.tables[-1].note and last_read:
                    disclosure.tables[-1].note = text
                continue
            if text and is_caption(text):  # a table's number, title or unit outside the tables part
                pending.append(text)
                if not has_parts:
                    continue
            elif text:
                pending.clear()
            if part == "narrative" and "名词解释" in text and len(text) < 20:  # `十一、专业名词解释`
                part = "glossary"
                sections.part(text, part, item.source)
                continue
            if sections.heading(text, part, item.source):
                if part == "narrative":
                    section = text
                    continue
            elif part == "narrative":
                sections.run_in(text, item.source)  # its sentences keep the section they are in
                sections.statements(text, item.source)
            _prose(disclosure, part, section, text, item.source)
            continue
        # a grid
        found = _list_of_tables(item)
        if found is not None:
            reasons.update(found[0])
            disclosure.listed_tables += found[1]
            pending.clear()
            continue
        caption = recent[-4:]
        recent = []
        if targets.take(item, caption) and not any(reg.recognise_title(t) for t in caption):
            continue  # (a list of projects' goals that the tables part numbers is a table too)
        meta, _ = take_meta_rows(item)
        titles = [t for t in pending[-4:] + meta if not is_caption(t) or reg.recognise_title(t)]
        kind = next((k for t in reversed(pending[-4:] + meta) if (k := reg.recognise_title(t))), None)
        if kind is None or not item.rows:
            disclosure.unread.append(Unread(what="table", reason="未能识别是哪一张公开表", source=item.source,
                                            title="；".join(titles[-2:]) or None))
            pending.clear()
            last_read = False
            continue
        unit = next((u for t in pending + meta if (u := unit_of(t))), None)
        _facts_from_captions(disclosure, pending[-4:] + meta)
        table = make_table(item, kind, pending[-4:] + meta, unit, disclosure.document)
        # `此表为空` printed in the table's own rows says why it is empty
        table.note = next((t for r in table.rows for t in r.raw.values() if _EMPTY_NOTE.search(t)), None)
        disclosure.tables.append(table)
        pending.clear()
        part, last_read = part if kind.inline else "tables", True
    disclosure.performance_targets = targets.found
    for table in disclosure.tables:
        if table.number in reasons and not table.note:
            table.note = reasons[table.number]
    _codes_from_names(disclosure)
    _finish(disclosure, first_page)
    return disclosure


_FIGURE = re.compile(r"\d+(\.\d+)?\s*(万元|元|%|％)")
_RUN_IN = re.compile(r"^((?:[（(][一二三四五六七八九十]+[)）]|[一二三四五六七八九十]+、)[^。：:，,；\d]{2,20})[。：:]")
_HEADING_END = re.compile(r"(说明|情况|职能|职责|设置|解释|构成|编制|目标|任务)[。：:]?$")


class Sections:
    """The narrative's sections as they come: part headings, numbered headings, and paragraphs that
    state a topic without a heading of their own. A heading that names no topic takes its part's."""

    def __init__(self, disclosure: Disclosure) -> None:
        self.out = disclosure.narrative.sections
        self.part_topic: str | None = None

    def _add(self, title: str, topic: str, source: Source, heading: bool = True) -> None:
        self.out.append(Section(title=title, topic=topic, heading=heading, source=source))

    def part(self, title: str, part: str, source: Source) -> None:
        """A part (`第三部分 部门预算支出具体情况`) or a top-level heading of a document without parts."""
        self.part_topic = heading_topic(_PART.sub(r"\2", squash(title)))
        if part != "tables":
            self._add(title, "glossary" if part == "glossary" else self.part_topic or "other", source)

    def heading(self, text: str, part: str, source: Source) -> bool:
        """Whether a line of the overview or the narrative is a heading; if so it is recorded."""
        s = squash(text)
        if part not in ("overview", "narrative") or not s or len(s) > 40 or _FIGURE.search(s) \
                or s[-1] in "，,；;" or s.count("，") > 1:
            return False
        numbered = bool(_SECTION.match(s) or _SUBSECTION.match(s) or _NUMBERED_ITEM.match(s))
        topic = heading_topic(s)
        if part == "overview" and topic is None:
            return False  # a numbered line of the overview is a function listed, unless it names a topic
        if not numbered and (len(s) > 30 or not (topic or _HEADING_END.search(s)) or "。" in s[:-1]):
            return False
        self._add(text, topic or self.part_topic or "other", source)
        self.statements(text, source)  # `1.本单位无政府性基金预算支出、国有资本经营预算支出`: both
        return True

    def run_in(self, text: str, source: Source) -> None:
        """A numbered heading run into its paragraph (`（一）机关运行经费。2026年…`): recorded."""
        m = _RUN_IN.match(squash(text))
        if m is not None:
            self._add(m[1], heading_topic(m[1]) or self.part_topic or "other", source)

    def statements(self, text: str, source: Source) -> None:
        current = self.out[-1].topic if self.out else None
        for topic in statement_topics(text):
            if topic != current:
                self._add(text[:40], topic, source, heading=False)


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
    if m and m[2].endswith("概况") and len(m[2]) > 2 and facts.unit is None and m[2][:-2] not in _GENERIC_UNITS:
        facts.unit = m[2][:-2]


def _prose(disclosure: Disclosure, part: str, section: str | None, text: str, source: Source) -> None:
    if not text:
        return
    if part == "overview":
        _overview(disclosure, text, source)
    elif part == "narrative":
        disclosure.narrative.paragraphs.append(Paragraph(text=text, section=section, source=source))
        names = tuple(n for n in (disclosure.document.unit,) if n)
        for claim in parse_claims(text, source, section, names):
            claim.paragraph = len(disclosure.narrative.paragraphs) - 1
            disclosure.narrative.claims.append(claim)
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


_NUMBERING = re.compile(r"^([一二三四五六七八九十]+、|\d+[、.．]|[(（][一二三四五六七八九十\d]+[)）])")


@cache
def _catalog_names(classification: str, year: int | None) -> dict[str, list[str]]:
    """Printed name → the codes that carry it (nearest catalog year first)."""
    from yusuan import catalog

    names: dict[str, list[str]] = {}
    seen: set[str] = set()
    for y in catalog.years_by_nearness(classification, year):
        for entry in catalog.entries(classification, y):  # type: ignore[arg-type]
            if entry.code not in seen:
                seen.add(entry.code)
                names.setdefault(squash(entry.name).replace("（", "(").replace("）", ")"), []).append(entry.code)
    return names


def _codes_from_names(disclosure: Disclosure) -> None:
    """Tables that print a classification by name only (`科学技术支出`, `一、公共安全支出`): the
    code from the catalog, each 款 and 项 looked up under the 类 and 款 above it. A table that
    prints codes keeps them as printed; a summary table gets its 类 only."""
    classes = {"functional": "functional", "summary": "functional", "economic": "economic_department"}
    reg = registry()
    for table in disclosure.tables:
        shape = reg.kind(table.kind).rows
        if shape not in classes or (shape != "summary" and any(r.code for r in table.rows)):
            continue
        names = _catalog_names(classes[shape], disclosure.document.year)
        parents = ["", ""]
        for row in table.rows:
            if row.code:
                continue
            printed = row.raw.get("expense_item", "") if shape == "summary" else row.name or row.label
            codes = names.get(_NUMBERING.sub("", squash(printed)).replace("（", "(").replace("）", ")"), [])
            if shape == "summary":
                codes = [c for c in codes if len(c) == 3]
            under = [c for c in codes if len(c) > 3 and parents[len(c) // 2 - 2] and c.startswith(
                parents[len(c) // 2 - 2])]
            pick = under or [c for c in codes if len(c) == 3]
            if len(pick) != 1:
                continue
            row.code = pick[0]
            row.level = code_level(row.code)
            row.name = row.name or _NUMBERING.sub("", clean(printed))
            if row.level and row.level < 3:
                parents[row.level - 1] = row.code
                if row.level == 1:
                    parents[1] = ""


_DISCLOSURE = re.compile(r"(部门|单位)(综合)?[预决]算|[预决]算(信息)?公开|[预决]算(编制)?说明")


@cache
def _others() -> tuple[tuple[str, tuple[re.Pattern[str], ...]], ...]:
    data = tomllib.loads(resources.files("yusuan.data").joinpath("documents.toml").read_text("utf-8"))
    return tuple((o["name"], tuple(map(re.compile, o["title"]))) for o in data["other"])


def _what_else(first_page: list[str]) -> str | None:
    """What a file is, from its first page, when that names something else than a disclosure."""
    texts = [squash(t) for t in first_page]
    if any(_DISCLOSURE.search(t) for t in texts):
        return None
    return next((name for name, titles in _others() if any(p.search(t) for p in titles for t in texts)), None)


def _finish(disclosure: Disclosure, first_page: list[str]) -> None:
    facts = disclosure.document
    other = _what_else(first_page)
    if other is not None:
        raise YusuanError(f"这不是部门预算或决算公开文件：第一页表明它是一份{other}", file=facts.file)
    units = Counter(t.unit for t in disclosure.tables if t.unit)
    facts.money_unit = "元" if units["元"] > units["万元"] else "万元"  # most tables' unit
    topics = {s.topic for s in disclosure.narrative.sections if s.topic not in (None, "other", "glossary")}
    if not disclosure.tables:
        if len(topics) < 3:
            raise YusuanError("没有找到任何预算公开表，也没有预算公开的情况说明，这不像是一份部门预算或决算公开文件",
                              file=facts.file)
        facts.contents = "narrative"  # the 情况说明 alone: its tables are published as another file
    elif not disclosure.narrative.paragraphs:
        facts.contents = "tables"  # the tables attachment alone
