"""Budget data → the whole disclosure (the same model a reader produces), consistent by
construction: the tables are views of the line items and the narrative is written from them."""

from __future__ import annotations

import tomllib
from importlib import resources

from yusuan.budget.model import FISCAL, Budget
from yusuan.build.narrative import sections
from yusuan.build.views import total, view
from yusuan.errors import YusuanError
from yusuan.model import (
    Disclosure,
    DocumentFacts,
    GlossaryTerm,
    Indicator,
    Narrative,
    Overview,
    Paragraph,
    PerformanceTarget,
    Section,
)
from yusuan.recognise.claims import parse_claims
from yusuan.recognise.sections import heading_topic
from yusuan.recognise.targets import indicator_value

DEFAULT_GLOSSARY = [
    ("财政拨款", "指由一般公共预算、政府性基金预算、国有资本经营预算安排的财政拨款数。"),
    ("一般公共预算", "包括公共财政拨款（补助）资金、专项收入。"),
    ("财政专户管理资金", "包括专户管理行政事业性收费（主要是教育收费）、其他非税收入。"),
    ("单位资金", "包括事业收入、事业单位经营收入、上级补助收入、附属单位上缴收入和其他收入。"),
    ("基本支出", "包括人员经费、公用经费。其中，人员经费包括工资福利支出、对个人和家庭的补助。"),
    ("项目支出", "支出预算的组成部分，是部门为完成其特定的行政任务或事业发展目标，在基本支出预算之外编制的年度项目支出计划。"),
    ("“三公”经费", "指因公出国（境）费、公务用车购置及运行维护费和公务接待费。"),
    ("机关运行经费", "指各部门的公用经费，包括办公及印刷费、邮电费、差旅费、会议费、福利费、日常维修费、专用材料及一般设备"
                   "购置费、办公用房水电费、办公用房取暖费、办公用房物业管理费、公务用车运行维护费及其他费用。"),
]


EMPTY = {
    "gov_fund_expense": "使用政府性基金预算拨款安排的支出",
    "state_capital_expense": "使用国有资本经营预算拨款安排的支出",
    "gpb_project_expense": "一般公共预算项目支出",
    "gpb_basic_expense": "一般公共预算基本支出",
    "gpb_expense": "一般公共预算支出",
    "three_public": "财政拨款安排的“三公”经费",
    "fiscal_summary": "财政拨款收支",
}


def template(name: str) -> list[dict]:
    """The table set of a template (data/templates/NAME.toml)."""
    path = resources.files("yusuan.data.templates").joinpath(f"{name}.toml")
    if not path.is_file():
        raise YusuanError(f"没有这个模板：{name}")
    return tomllib.loads(path.read_text("utf-8"))["table"]


def build(budget: Budget) -> Disclosure:
    u, y = budget.unit, budget.unit.year
    d = Disclosure(document=DocumentFacts(unit=u.name, year=y, kind="budget", scope=u.scope,
                                          money_unit=budget.money_unit, date=u.date, format="built"))
    d.overview = Overview(functions=u.functions, organisation=u.organisation or None, staffing=u.staffing,
                          staffing_changes=u.staffing_changes)
    d.tables = [view(budget, t["number"], t["kind"], t["title"]) for t in template(budget.template)]
    for table in d.tables:  # an empty table is still published, with the reason it is empty
        if table.is_empty():
            what = EMPTY.get(table.kind, "相关收支")
            table.note = f"{u.name}{y}年没有{what}，{table.title}为空表。"
    d.narrative = Narrative()
    for heading, paragraphs in sections(budget):
        d.narrative.sections.append(Section(title=heading, topic=heading_topic(heading) or "other"))
        for text in paragraphs:
            d.narrative.paragraphs.append(Paragraph(text=text, section=heading))
            for claim in parse_claims(text, None, heading, (u.name,)):
                claim.paragraph = len(d.narrative.paragraphs) - 1
                d.narrative.claims.append(claim)
    d.performance_targets = targets(budget)
    terms = [(t.term, t.definition) for t in budget.glossary] or DEFAULT_GLOSSARY
    d.glossary = [GlossaryTerm(term=term, definition=text) for term, text in terms]
    return d


def targets(budget: Budget) -> list[PerformanceTarget]:
    out = []
    for project in budget.projects:
        lines = [i for i in budget.lines if i.kind == "project" and i.project == project.name]
        if not lines or not project.indicators:
            continue
        fiscal = total(i for i in lines if i.source in FISCAL)
        whole = total(lines)
        target = PerformanceTarget(unit=budget.unit.name, project=project.name, owner=project.owner or None,
                                   total=whole, fiscal=fiscal, other=whole - fiscal or None,
                                   amount_unit=budget.money_unit, goal=project.goal or None)
        target.amounts_raw = {k: f"{v}{budget.money_unit}" for k, v in
                              (("total", whole), ("fiscal", fiscal), ("other", whole - fiscal)) if v}
        for ind in project.indicators:
            indicator = Indicator(level1=ind.level1, level2=ind.level2, level3=ind.level3, value=ind.value,
                                  basis=ind.basis or None, prior=ind.prior or None, weight=ind.weight,
                                  weight_raw=str(ind.weight), rule=ind.rule or None, evidence=ind.evidence or None)
            indicator.comparator, indicator.number, indicator.value_unit = indicator_value(ind.value)
            target.indicators.append(indicator)
        out.append(target)
    return out
