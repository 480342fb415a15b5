"""Narrative claims: every figure a sentence states, attached to what it is about.

A clause (up to `；` or `。`) is scanned left to right. An amount opens a claim whose subject
is the text before it; a share, change or growth rate right after belongs to that claim; a
change preceded by a new subject (`其中：因公出国（境）费增加0万元`) opens its own claim.
Figures in the reason (`主要原因是…`) restate others and are not claims."""

from __future__ import annotations

import re
from decimal import Decimal

from yusuan.model import Claim, Source

_NUM = r"(\d+(?:,\d{3})*(?:\.\d+)?)"
_FIGURE = re.compile(
    rf"(?P<change>(?P<dir>增加|减少|增长|下降|变化|减|增)\s*{_NUM}\s*(?P<cu>万元|元|%|％))"
    rf"|(?P<share>占(?:比|总支出|总收入|支出|收入)?(?:的)?(?:比重|比例)?(?:为)?\s*{_NUM}\s*[%％])"
    rf"|(?P<amount>{_NUM}\s*(?P<au>万元|元)(?!以上|以下))"
    rf"|(?<![（(\d])(?P<count>{_NUM}\s*(?P<unit>平方米|辆|台（套）|台\(套\)|台|套|个|人|名|项))"
)
_CLAUSE = re.compile(r"[^；;。]+[；;。]?")
_REASON = re.compile(r"(主要)?原因[是为：:]|主要用于")
_LEADING = re.compile(
    r"^[\s，,、：:]*(其中[：:]?|\d+[.、．]|[（(][一二三四五六七八九十\d]+[）)]|包括[：:]?)*[\s，,、：:]*"
)
_CONNECTIVE = re.compile(r"(比上年(预算|决算)?(数)?|较上年(预算)?|同比|与上年相比)$")
_YEAR = re.compile(r"(截至)?\d{4}年(度|底|末)?")
_GENERIC = ("价值", "涉及预算金额", "涉及金额", "金额", "预算金额")
# `2025年当年预算执行数为43269.3万元，2026年预算安排3845.49万元，比…增加17.62%`: the first figure is last
# year's, the second this year's figure of the subject named before it
_PRIOR_SUBJECT = re.compile(r"(上年|去年|上一年|执行)")
_COMPARED = re.compile(r"^(比|较|与)\s*(上年|去年|上一年|\d{4}\s*年)[^，,。；;]{0,16}$")
_THIS_YEAR = re.compile(r"^(本年|当年)?(预算安排|预算数|安排|预算)$")
# `支出决算为0.16万元，完成预算0万元的0%`: the budget the final figure is measured against, no claim of its own
_BUDGET = re.compile(r"^(完成(年初|调整)?|年初|调整(后)?)预算(数)?(为|是)?$")

# subject words → subject kind, most specific first
_KINDS: tuple[tuple[str, str], ...] = (
    ("项）", "expense_item"),  # （项） or, with its code, （01项）
    ("款）", "expense_item"),
    ("类）", "expense_item"),
    ("三公", "three_public"),
    ("因公出国", "three_public"),
    ("公务接待", "three_public"),
    ("公务用车购置", "three_public"),
    ("公务用车运行", "three_public"),
    ("机关运行经费", "office_running"),
    ("政府采购", "procurement"),
    ("中小企业", "procurement"),
    ("小微企业", "procurement"),
    ("人员经费", "personnel"),
    ("公用经费", "public"),
    ("基本支出", "basic"),
    ("项目支出", "project"),
)


def subject_kind(subject: str, section: str | None) -> str:
    for word, kind in _KINDS:
        if word in subject:
            return kind
    section = section or ""
    if "项目支出" in section and ("规模" in subject or "分配" in subject or "资金" in subject):
        return "project_scale"
    if "资产" in section:
        return "asset"
    if "绩效" in section:
        return "performance"
    if re.search(r"(收支总预算|收入预算|支出预算|收支预算|拨款合计|总预算)$", subject) or subject.endswith("合计"):
        if "政府性基金" in subject:
            return "fund_total"
        if "国有资本" in subject:
            return "capital_total"
        return "total"
    if "收入" in section:
        return "income_source"
    if re.search(r"一般公共预算(财政)?拨款(支出|收入)?$", subject):
        return "gpb_total"
    if re.search(r"政府性基金(预算)?(财政)?拨款支出$", subject):
        return "fund_total"
    if re.search(r"国有资本经营(预算)?(财政)?拨款支出$", subject):
        return "capital_total"
    if subject.endswith("支出") and "拨款" not in subject:  # no 类 is named …拨款支出
        return "expense_class"
    return "other"


def _clean_subject(text: str, unit_names: tuple[str, ...]) -> str:
    text = _REASON.split(text)[0]
    for name in unit_names:
        text = text.replace(name, "")
    text = _YEAR.sub("", text)
    text = _LEADING.sub("", text)
    text = re.split(r"(?:包括|其中)[：:]?", text)[-1]
    text = re.sub(r"(为|是|合计为|共计|计为|预算数为|数为|安排)$", "", text.strip(" ，,：:"))
    text = re.sub(r"(预算数|数)$", "", text) if text.endswith("经费预算数") else text
    text = _CONNECTIVE.sub("", text.strip(" ，,：:"))
    if re.match(r"^(比|较|同比)", text):  # `比2025年预算执行数增加…`: a comparison, not a subject
        return ""
    return text.strip(" ，,：:的")


def _sentence_ends(text: str) -> list[int]:
    """Where the paragraph's sentences end: each `。` outside parentheses."""
    ends, depth = [], 0
    for i, ch in enumerate(text):
        depth += (ch in "（(") - (ch in "）)")
        if ch == "。" and depth <= 0:
            ends.append(i)
    return ends


def _dec(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def parse_claims(text: str, source: Source | None, section: str | None,
                 unit_names: tuple[str, ...] = ()) -> list[Claim]:
    """The claims of one paragraph, each with where the paragraph was printed."""
    source = source or Source()
    line = source.line
    claims: list[Claim] = []
    named: Claim | None = None  # the paragraph's last claim with a subject of its own
    ends = _sentence_ends(text)
    for clause_match in _CLAUSE.finditer(text):
        clause = clause_match.group(0)
        start = clause_match.start()
        sentence = sum(1 for e in ends if e < start)
        opened = max((e + 1 for e in ends if e < start), default=0)  # where the clause's sentence begins
        reason = _REASON.search(clause)
        clause = clause[: reason.start()] if reason else clause
        current: Claim | None = None
        prior: Claim | None = None  # last year's figure, stated just before this year's
        pos = 0
        for m in _FIGURE.finditer(clause):
            between = clause[pos : m.start()]
            subject = _clean_subject(between, unit_names)
            pos = m.end()
            if m["amount"] and _BUDGET.match(subject) and current is not None:
                current.budget = _dec(m.group(m.re.groupindex["amount"] + 1))
                current.raw["budget"] = m.group(0)
                continue
            if m["amount"] and current is not None and current.prior is None and _COMPARED.match(between.strip(" ，,")):
                # `比2025年年初预算数1506121.45万元减少…`: the figure this year's is compared with
                current.prior = _dec(m.group(m.re.groupindex["amount"] + 1))
                current.raw["prior"] = m.group(0)
                continue
            if m["amount"] and _PRIOR_SUBJECT.search(subject) and named is not None:
                prior = Claim(subject=named.subject, subject_kind="prior_year", section=section, line=line,
                              text=text.strip(), source=source)
                _attach(prior, m)
                current = None
                continue
            if m["amount"] or m["count"] or (m["change"] and (current is None or subject)):
                if _THIS_YEAR.match(subject) and named is not None:
                    subject = named.subject  # `2026年预算安排201.50万元`: the item named before
                elif (subject in _GENERIC and current is not None) or (not subject and current is not None):
                    subject = current.subject + subject
                if not subject and claims:
                    subject = claims[-1].subject
                before = text[opened:start + m.start()]
                # after `其中` in its sentence, unless its own clause goes on to list its parts (`；本部门当年
                # 预算支出2,838.42万元，其中：…` names a new whole)
                heads_own = "其中" in clause[m.end():] and "其中" not in clause[:m.start()]
                current = Claim(subject=subject, subject_kind=subject_kind(subject, section), section=section,
                                line=line, text=text.strip(), source=source, sentence=sentence,
                                listed="其中" in before and not heads_own,
                                nested=before.count("（") + before.count("(") > before.count("）") + before.count(")"))
                if prior is not None and prior.amount is not None:
                    current.prior = prior.amount
                    current.raw["prior"] = prior.raw.get("amount", "")
                    prior = None
                claims.append(current)
                if subject not in _GENERIC:
                    named = current
            if current is None:
                continue
            _attach(current, m)
    return claims


def _attach(claim: Claim, m: re.Match[str]) -> None:
    raw = m.group(0)
    if m["amount"]:
        claim.amount = _dec(m.group(m.re.groupindex["amount"] + 1))
        claim.unit = m["au"]  # type: ignore[assignment]
        claim.raw["amount"] = raw
    elif m["count"]:
        claim.count = _dec(m.group(m.re.groupindex["count"] + 1))
        claim.count_unit = m["unit"]
        claim.raw["count"] = raw
    elif m["share"]:
        claim.share = _dec(m.group(m.re.groupindex["share"] + 1))
        claim.raw["share"] = raw
    else:
        value = _dec(m.group(m.re.groupindex["dir"] + 1))
        negative = m["dir"] in ("减少", "下降", "减")
        value = -value if negative and value else value
        if m["cu"] in ("%", "％"):
            claim.growth_rate = value
            claim.raw["growth_rate"] = raw
        else:
            claim.change = value
            claim.raw["change"] = raw
