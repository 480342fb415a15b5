"""The machine checks behind the scoring items, each on the model (and, for consistency, on the check's
findings): what share of the item the disclosure earns, and why in words. A method (data/scoring/*.toml)
names them by `check`; a new kind of item is a new function here, registered in CHECKS."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from yusuan.model import Claim, Disclosure, Paragraph, Table
from yusuan.model.numbers import squash

if TYPE_CHECKING:
    from yusuan.check.findings import Finding
    from yusuan.scoring.method import Item

ONE, HALF, NONE = Decimal(1), Decimal("0.5"), Decimal(0)
_REASON = re.compile(r"原因|由于|因为")
_NONE_STATED = re.compile(r"无|没有|未安排|不涉及")
_TOTAL_LABEL = re.compile(r"^(合计|小计|总计|其中.*)$")
_FIGURE = re.compile(r"\d[\d,]*(\.\d+)?\s*(万元|元)")
_COMPARED = re.compile(r"增加|减少|增长|下降|持平|比上年|较上年|同比")


def later(day: date, days: int) -> date:
    """A day so many days on; the last day there is for a date at the end of the calendar."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max


@dataclass
class Timing:
    """When the document was approved and published, as the region's register and the store know it."""

    approved: date | None = None
    published: date | None = None  # first public: the register's 公开日期, else when it was first seen public
    withdrawn: bool = False  # public once, taken back since
    as_of: date | None = None  # today, for a document not yet public: late already, or still in time
    deadline_days: int = 20

    @property
    def deadline(self) -> date | None:
        return later(self.approved, self.deadline_days) if self.approved else None


@dataclass
class Facts:
    """What an item looks at: the document, the findings that stand (a reviewer's dismissals left out), the
    dates, and the narrative's paragraphs by the topic of their section."""

    disclosure: Disclosure
    findings: list[Finding]
    timing: Timing
    topics: dict[str, list[Paragraph]] = field(default_factory=dict)

    @classmethod
    def of(cls, disclosure: Disclosure, findings: list[Finding], timing: Timing) -> Facts:
        topic_of = {s.title: s.topic or "other" for s in disclosure.narrative.sections}
        topics: dict[str, list[Paragraph]] = {s.topic or "other": [] for s in disclosure.narrative.sections}
        for paragraph in disclosure.narrative.paragraphs:
            topics.setdefault(topic_of.get(paragraph.section or "", "other"), []).append(paragraph)
        return cls(disclosure, findings, timing, topics)

    def claims(self, kind: str) -> list[Claim]:
        return [c for c in self.disclosure.narrative.claims if c.subject_kind == kind]

    def found(self, item: Item, errors_only: bool = False) -> list[Finding]:
        """The findings of the item's rules; each cell's one mistake once (not the findings it explains)."""
        return [f for f in self.findings if item.claims(f.rule) and f.caused_by is None
                and (f.severity == "error" or not errors_only)]

    def stated_none(self, topic: str) -> bool:
        """The narrative says, under this topic, that there is none (无政府采购, 没有政府性基金…)."""
        return any(_NONE_STATED.search(p.text) for p in self.topics.get(topic, []))

    def texts(self, topic: str, claims: Iterable[Claim] = ()) -> list[str]:
        """The paragraphs under a topic, and those stating the claims: where a figure the claim parser
        did not take apart is still in words."""
        return [p.text for p in self.topics.get(topic, [])] + [c.text for c in claims]


@dataclass
class Outcome:
    earned: Decimal | None  # the share of the item's points, 0 to 1; None: it does not apply
    explanation: str
    findings: list[str] = field(default_factory=list)  # ids of the findings it rests on


Check = Callable[[Facts, "Item"], Outcome]


def _share(part: int, whole: int) -> Decimal:
    return Decimal(part) / Decimal(whole) if whole else ONE


def _ids(findings: list[Finding]) -> list[str]:
    return [f.id for f in findings]


# ----------------------------------------------------------------------------------------- 完整性

def required_tables(facts: Facts, item: Item) -> Outcome:
    from yusuan.registry import registry

    reg, d = registry(), facts.disclosure
    known = {k.id: k for k in reg.kinds}
    present = {t.kind for t in d.tables}
    present |= {other for k in present if k in known for other in known[k].counts_as}
    final = d.document.kind == "final"
    required = [k for k in reg.kinds if (k.required_final if final else k.required)]
    # an empty fund table left out, with the narrative saying there is none: what the check also accepts
    said_none = {"gov_fund_expense": "fund", "state_capital_expense": "capital"}
    statements = {s.topic for s in d.narrative.sections if not s.heading}
    missing = [k for k in required if k.id not in present and said_none.get(k.id) not in statements]
    why = f"缺少{'、'.join(k.name for k in missing)}" if missing else f"要求的 {len(required)} 张表都已公开"
    if "per_missing" in item.params and item.points:  # points off for each table left out
        lost = min(item.points, Decimal(str(item.params["per_missing"])) * len(missing))
        return Outcome((item.points - lost) / item.points, why, _ids(facts.found(item)))
    return Outcome(_share(len(required) - len(missing), len(required)), why, _ids(facts.found(item)))


def empty_tables_explained(facts: Facts, item: Item) -> Outcome:
    topics = {"gov_fund_expense": "fund", "state_capital_expense": "capital"}
    empty = [t for t in facts.disclosure.tables if t.rows and t.is_empty()]  # as the check counts them
    silent = [t for t in empty if not t.note and not (t.kind in topics and facts.stated_none(topics[t.kind]))]
    wrong = facts.found(item, errors_only=True)  # an empty fund table beside fund income: the wrong table emptied
    if not empty and not wrong:
        return Outcome(ONE, "没有空表")
    earned = _share(len(empty) - len(silent), len(empty)) * (HALF if wrong else ONE)
    parts = [f"{_names(silent)}为空表，没有说明" if silent else f"{len(empty)} 张空表都有说明"]
    if wrong:
        parts.append("空表与收入总表不符")
    return Outcome(earned, "；".join(parts), _ids(wrong))


def functions_and_organisation(facts: Facts, item: Item) -> Outcome:
    o = facts.disclosure.overview
    functions = bool(o.functions) or "functions" in facts.topics
    organisation = bool(o.organisation or o.departments) or "organisation" in facts.topics
    missing = [name for name, there in (("部门职责", functions), ("机构设置", organisation)) if not there]
    return Outcome(_share(2 - len(missing), 2), f"缺少{'、'.join(missing)}" if missing else "有部门职责和机构设置")


def three_public_reasons(facts: Facts, item: Item) -> Outcome:
    claims = facts.claims("three_public")
    if not claims:
        return Outcome(NONE, "情况说明没有说明“三公”经费")
    compared = [c for c in claims if c.change is not None or c.growth_rate is not None or c.prior is not None]
    texts = facts.texts("three_public", claims)
    if not compared and not any(_COMPARED.search(text) for text in texts):
        return Outcome(NONE, "没有说明“三公”经费比上年的增减变化")
    moved = [c for c in compared if c.change or c.growth_rate or (c.prior is not None and c.prior != c.amount)]
    if compared and not moved:
        return Outcome(ONE, "“三公”经费与上年持平")
    if any(_REASON.search(text) for text in texts):
        return Outcome(ONE, "说明了增减变化及其原因")
    return Outcome(HALF, "说明了增减变化，但没有说明原因")


def office_running(facts: Facts, item: Item) -> Outcome:
    d = facts.disclosure
    stated = any(c.amount is not None for c in facts.claims("office_running")) \
        or any(t.kind == "office_running" or t.has("admin_running") for t in d.tables) \
        or any(_FIGURE.search(text) for text in facts.texts("office_running"))
    if not stated:
        return Outcome(NONE, "没有说明机关运行经费")
    differs = facts.found(item)
    if differs:
        return Outcome(HALF, "机关运行经费与基本支出表的公用经费不一致", _ids(differs))
    return Outcome(ONE, "说明了机关运行经费")


def procurement(facts: Facts, item: Item) -> Outcome:
    claims = [c for c in facts.claims("procurement") if c.amount is not None]
    table = facts.disclosure.table("procurement")
    texts = facts.texts("procurement", claims)
    if not claims and table is None and not any(_FIGURE.search(text) for text in texts):
        if facts.stated_none("procurement"):
            return Outcome(ONE, "说明了没有政府采购")
        return Outcome(NONE, "没有说明政府采购情况")
    labels = texts + [c.subject for c in claims] + ([squash(r.label or r.name) for r in table.rows] if table else [])
    parts = [w for w in ("货物", "工程", "服务") if any(w in label for label in labels)]
    wrong = facts.found(item, errors_only=True)
    earned = Decimal("0.4") + Decimal("0.4") * _share(len(parts), 3) + (NONE if wrong else Decimal("0.2"))
    missing = [w for w in ("货物", "工程", "服务") if w not in parts]
    why = [f"没有分{'、'.join(missing)}说明" if missing else "分货物、工程、服务说明"]
    if wrong:
        why.append("各项之和与总额不符")
    return Outcome(earned, "；".join(why), _ids(wrong))


def assets(facts: Facts, item: Item) -> Outcome:
    claims = facts.claims("asset")
    if not claims and "assets" not in facts.topics:
        return Outcome(NONE, "没有说明国有资产占用情况")
    counted = any(c.count is not None for c in claims)
    wrong = facts.found(item, errors_only=True)
    earned = HALF + (Decimal("0.3") if counted else NONE) + (NONE if wrong else Decimal("0.2"))
    why = ["说明了车辆、设备等的数量" if counted else "没有说明车辆、设备等的数量"]
    if wrong:
        why.append("“其中”各项超过总数")
    return Outcome(earned, "；".join(why), _ids(wrong))


def performance_coverage(facts: Facts, item: Item) -> Outcome:
    """The projects of the project table with a target table: which target is whose is the check's to say
    (performance.matches_projects names each project it found none for)."""
    d = facts.disclosure
    projects = {name for t in d.tables_of("gpb_project_expense") for name in _projects(t)}
    found = facts.found(item, errors_only=True)
    if not projects:
        if d.performance_targets:
            return Outcome(ONE, f"公开了 {len(d.performance_targets)} 个项目的绩效目标", _ids(found))
        if not _has_project_spending(d):
            return Outcome(None, "没有项目支出")
        return Outcome(NONE, "有项目支出，但没有公开绩效目标")
    if not d.performance_targets:  # the check leaves the matching out then: completeness says they are missing
        return Outcome(NONE, f"项目支出表所列 {len(projects)} 个项目都没有绩效目标", _ids(found))
    without = {squash(loc.row or "") for f in found if f.rule == "performance.matches_projects" and f.stated is None
               for loc in f.locations[:1]} & projects
    why = f"项目支出表所列 {len(projects)} 个项目中 {len(projects) - len(without)} 个有绩效目标"
    return Outcome(_share(len(projects) - len(without), len(projects)), why, _ids(found))


def _projects(table: Table) -> set[str]:
    names = (squash(r.raw.get("project_name", "")) for r in table.rows if not r.is_total)
    return {n for n in names if n and not _TOTAL_LABEL.match(n)}


def _has_project_spending(d: Disclosure) -> bool:
    for kind in ("expense", "gpb_expense"):
        table = d.table(kind)
        total = table.total_row() if table and table.has("project") else None
        if total is not None:
            return total.value("project") != 0
    return any(c.amount for c in d.narrative.claims if c.subject_kind == "project")


def glossary(facts: Facts, item: Item) -> Outcome:
    terms = len(facts.disclosure.glossary)
    if terms >= int(item.params.get("min_terms", 1)):
        return Outcome(ONE, f"解释了 {terms} 个名词")
    if terms or "glossary" in facts.topics:
        return Outcome(HALF, f"名词解释只有 {terms} 条")
    return Outcome(NONE, "没有名词解释")


# --------------------------------------------------------------------------------------- 细化程度

def _coded(facts: Facts, item: Item, first: str) -> tuple[Table | None, list[str]]:
    """The first table of the item's kinds that lists classification codes of this class (2 functional,
    3 economic), and its codes."""
    for kind in item.params.get("kinds", ()):
        for table in facts.disclosure.tables_of(kind):
            codes = sorted({r.code for r in table.rows if r.code and r.code[0] == first})
            if codes:
                return table, codes
    return None, []


def _leaves(codes: list[str]) -> list[str]:
    return [c for c in codes if not any(o != c and o.startswith(c) for o in codes)]


def functional_to_item(facts: Facts, item: Item) -> Outcome:
    table, codes = _coded(facts, item, "2")
    if table is None:
        return _no_codes(facts, item, "功能分类")
    leaves = _leaves(codes)
    short = [c for c in leaves if len(c) < 7]
    why = f"{table.number or ''}{table.title}：{len(leaves) - len(short)}/{len(leaves)} 个末级科目细化到项" + (
        f"（{'、'.join(short[:5])}{'等' if len(short) > 5 else ''}只到类或款）" if short else "")
    return Outcome(_share(len(leaves) - len(short), len(leaves)), why)


def economic_to_section(facts: Facts, item: Item) -> Outcome:
    table, codes = _coded(facts, item, "3")
    if table is None:
        return _no_codes(facts, item, "经济分类")
    leaves = _leaves(codes)
    short = [c for c in leaves if len(c) < 5]
    why = f"{table.number or ''}{table.title}：{len(leaves) - len(short)}/{len(leaves)} 个末级科目细化到款" + (
        f"（{'、'.join(short[:5])}只到类）" if short else "")
    return Outcome(_share(len(leaves) - len(short), len(leaves)), why)


def _no_codes(facts: Facts, item: Item, classification: str) -> Outcome:
    tables = [t for k in item.params.get("kinds", ()) for t in facts.disclosure.tables_of(k)]
    if tables and all(t.is_empty() for t in tables):
        return Outcome(None, f"{_names(tables)}为空表")
    return Outcome(NONE, f"没有按{classification}科目编码列示的支出表")


def basic_and_project(facts: Facts, item: Item) -> Outcome:
    tables = [t for k in item.params.get("kinds", ()) for t in facts.disclosure.tables_of(k)]
    if any(t.has("basic") and t.has("project") for t in tables):
        return Outcome(ONE, "支出表分列基本支出和项目支出")
    stated = {c.subject_kind for c in facts.disclosure.narrative.claims if c.amount is not None}
    if {"basic", "project"} <= stated:
        return Outcome(HALF, "只在情况说明中区分基本支出和项目支出，支出表没有分列")
    return Outcome(NONE, "没有区分基本支出和项目支出")


THREE_PUBLIC_PARTS = {"abroad": "因公出国（境）费", "reception": "公务接待费", "vehicle_purchase": "公务用车购置费",
                      "vehicle_running": "公务用车运行费"}


def _three_public_part(label: str) -> str | None:
    if "出国" in label:
        return "abroad"
    if "接待" in label:
        return "reception"
    purchase, running = "购置" in label, "运行" in label
    if purchase != running:  # `公务用车购置及运行费` is neither part
        return "vehicle_purchase" if purchase else "vehicle_running"
    return None


def three_public_split(facts: Facts, item: Item) -> Outcome:
    found: set[str] = set()
    for table in facts.disclosure.tables_of("three_public"):
        found |= {key for key in THREE_PUBLIC_PARTS if table.has(key)}
        found |= {part for r in table.rows if (part := _three_public_part(squash(r.label or r.name)))}
    where = "“三公”经费表"
    if not found:  # no table: what the narrative splits, for part of the points
        found = {part for c in facts.claims("three_public") if (part := _three_public_part(squash(c.subject)))}
        where = "情况说明"
    missing = [name for key, name in THREE_PUBLIC_PARTS.items() if key not in found]
    why = f"{where}没有列出{'、'.join(missing)}" if missing else f"{where}分四项列出"
    if where == "情况说明":
        why = f"没有“三公”经费表，{why}"
    earned = _share(len(found), 4) * (ONE if where != "情况说明" else HALF)
    return Outcome(earned, why, _ids(facts.found(item, errors_only=True)))


def three_public_counts(facts: Facts, item: Item) -> Outcome:
    counted = [c for c in facts.disclosure.narrative.claims if c.count is not None and c.subject_kind != "asset"]
    parts = {"因公出国（境）团组数及人数": lambda s, u: "出国" in s or "团组" in s,
             "公务用车购置数及保有量": lambda s, u: u == "辆" and ("公务用车" in s or "保有" in s or "购置" in s),
             "国内公务接待的批次、人数": lambda s, u: "接待" in s}
    missing = [name for name, said in parts.items() if not any(said(squash(c.subject), c.count_unit) for c in counted)]
    why = f"没有说明{'、'.join(missing)}" if missing else "说明了团组、车辆和接待的数量"
    return Outcome(_share(3 - len(missing), 3), why)


# ----------------------------------------------------------------------------------------- 及时性

def timeliness(facts: Facts, item: Item) -> Outcome:
    t = facts.timing
    if t.deadline is None:
        return Outcome(None, "不知道批复日期（名单中没有填写）")
    if t.published is None:
        if t.as_of is not None and t.as_of > t.deadline:
            return Outcome(NONE, f"批复于 {t.approved}，截止 {t.deadline}，已逾期 {(t.as_of - t.deadline).days} 天仍未公开")
        return Outcome(None, f"尚未公开，截止 {t.deadline}")
    late = (t.published - t.deadline).days
    if late > 0:
        return Outcome(NONE, f"批复于 {t.approved}，{t.published} 公开，逾期 {late} 天（截止 {t.deadline}）")
    return Outcome(ONE, f"批复于 {t.approved}，{t.published} 公开，在截止日 {t.deadline} 之前")


# --------------------------------------------------------------------------------------- 公开方式

def kept_public(facts: Facts, item: Item) -> Outcome:
    if facts.timing.withdrawn:
        return Outcome(NONE, "公开后又撤回")
    if facts.timing.published is None:
        return Outcome(None, "不知道是否已公开")
    return Outcome(ONE, "公开后保持公开")


def readable(facts: Facts, item: Item) -> Outcome:
    tables = facts.disclosure.tables
    figures = sum(v is not None for t in tables for r in t.rows for v in r.values.values())
    garbled = sum(r.is_garbled(k) for t in tables for r in t.rows for k in r.raw)
    if not figures:
        return Outcome(NONE, "没有读到表格中的数字（可能是扫描图片）")
    if garbled * 20 > figures:
        return Outcome(HALF, f"{garbled} 个金额单元格无法读成数字（共 {figures} 个）")
    return Outcome(ONE, f"读到 {len(tables)} 张表、{figures} 个数字")


# ------------------------------------------------------------------------------------------ 真实性

def errors(facts: Facts, item: Item) -> Outcome:
    """Points off for each mistake: a cell wrong counts once, however many identities it breaks."""
    found = facts.found(item, errors_only=True)
    if not found:
        return Outcome(ONE, "没有发现错误")
    per = Decimal(str(item.params.get("per_error", 1)))
    lost = min(item.points, per * len(found))
    by_rule = "、".join(f"{rule} {n} 个" for rule, n in Counter(f.rule for f in found).most_common())
    earned = (item.points - lost) / item.points if item.points else NONE
    return Outcome(earned, f"{len(found)} 个错误（{by_rule}），每个扣 {per} 分", _ids(found))


def _names(tables: list[Table]) -> str:
    return "、".join(f"{t.number or ''}{t.title}" for t in tables)


CHECKS: dict[str, Check] = {f.__name__: f for f in (
    required_tables, empty_tables_explained, functions_and_organisation, three_public_reasons, office_running,
    procurement, assets, performance_coverage, glossary, functional_to_item, economic_to_section, basic_and_project,
    three_public_split, three_public_counts, timeliness, kept_public, readable, errors)}
