"""The narrative (情况说明), written from the same line items as the tables."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from yusuan.budget.model import FISCAL, FUNDS, SOURCES, Budget, LineItem
from yusuan.build.views import name_of, three_public_items, total
from yusuan.build.wording import amount, change, clause, share

CN = "一二三四五六七八九十"
Section = tuple[str, list[str]]  # heading, paragraphs


def numeral(n: int) -> str:
    return CN[n - 1] if n <= 10 else "十" + CN[n - 11]


def _reason(budget: Budget, key: str) -> str:
    reason = budget.reasons.get(key)
    return f"主要原因是{reason}" if reason else ""


def _with_change(budget: Budget, key: str, value: Decimal) -> str:
    return clause(change(value, budget.prior.get(key), budget.money_unit), _reason(budget, key))


class Outline:
    """Sections in order: a top-level heading is numbered 一、二、…; a sub-heading is given whole."""

    def __init__(self) -> None:
        self.sections: list[Section] = []
        self.top = 0

    def add(self, title: str, paragraphs: list[str]) -> None:
        self.top += 1
        self.sections.append((f"{numeral(self.top)}、{title}", paragraphs))

    def sub(self, items: Iterator[Section]) -> None:
        self.sections.extend(items)


def sections(budget: Budget) -> list[Section]:
    u, y, mu = budget.unit.name, budget.unit.year, budget.money_unit
    lines = budget.lines
    gpb = [line for line in lines if line.source in FUNDS["gpb"]]
    fiscal = [line for line in lines if line.source in FISCAL]
    grand = total(lines)
    out = Outline()

    sources = [s for s in SOURCES if total(i for i in lines if i.source == s) or budget.prior.get(f"income:{s}")]
    out.add(f"关于{u}{y}年收支预算情况的总体说明", [
        f"按照全口径预算的原则，{u}{y}年所有收入和支出均纳入预算管理。收支总预算{amount(grand, mu)}。",
        f"收入预算包括：{'、'.join(SOURCES[s] for s in sources)}。",
        f"支出预算包括：{'、'.join(name for _, name, _ in _classes(budget, lines))}。"])

    income = [f"{u}收入预算{amount(grand, mu)}，其中："]
    for s in sources:
        value = total(i for i in lines if i.source == s)
        income.append(clause(f"{SOURCES[s]}{amount(value, mu)}", share(value, grand),
                             _with_change(budget, f"income:{s}", value)) + "；")
    income[-1] = income[-1][:-1] + "。"
    out.add(f"关于{u}{y}年收入预算情况说明", income)

    basic = total(i for i in lines if i.kind != "project")
    project = total(i for i in lines if i.kind == "project")
    out.add(f"关于{u}{y}年支出预算情况说明", [
        f"{u}{y}年支出预算{amount(grand, mu)}，其中：",
        clause(f"基本支出{amount(basic, mu)}", share(basic, grand), _with_change(budget, "expense:basic", basic)) + "。",
        clause(f"项目支出{amount(project, mu)}", share(project, grand),
               _with_change(budget, "expense:project", project)) + "。"])

    funds = [f for f in FUNDS if total(i for i in fiscal if i.source in FUNDS[f])]
    fund_names = {"gpb": "一般公共预算拨款", "fund": "政府性基金预算拨款", "capital": "国有资本经营预算拨款"}
    fiscal_classes = _classes(budget, fiscal)
    out.add(f"关于{u}{y}年财政拨款收支预算情况的总体说明", [
        f"{y}年财政拨款收支总预算{amount(total(fiscal), mu)}。",
        "收入预算包括：" + "；".join(f"{fund_names[f]}{amount(total(i for i in fiscal if i.source in FUNDS[f]), mu)}"
                              for f in funds) + "。" if funds else "本年没有财政拨款收入。",
        "财政拨款支出包括：" + "；".join(f"{name}{amount(value, mu)}" for _, name, value in fiscal_classes) + "。"
        if fiscal_classes else "本年没有财政拨款支出。"])

    out.add(f"关于{u}{y}年一般公共预算当年拨款情况说明", [])
    out.sub(_gpb_sections(budget, gpb))
    out.add(f"关于{u}{y}年一般公共预算基本支出情况说明", _basic(budget, gpb))
    out.add(f"关于{u}{y}年一般公共预算项目支出情况说明", _projects(budget, gpb))
    for fund, title, word in (("fund", "政府性基金预算拨款", "政府性基金预算支出情况表"),
                              ("capital", "国有资本经营预算拨款", "国有资本经营预算支出情况表")):
        items = [i for i in lines if i.source in FUNDS[fund]]
        text = (f"{u}{y}年{title}支出{amount(total(items), mu)}。" if items
                else f"{u}{y}年没有使用{title}安排的支出，{word}为空表。")
        out.add(f"关于{u}{y}年{title}情况说明", [text])
    out.add(f"关于{u}{y}年财政拨款“三公”经费预算情况说明", _three_public(budget))
    out.add("其他重要事项的情况说明", [])
    out.sub(_other_matters(budget, gpb))
    return out.sections


def _classes(budget: Budget, lines: list[LineItem]) -> list[tuple[str, str, Decimal]]:
    codes = sorted({line.functional[:3] for line in lines})
    return [(c, name_of(budget, c), total(i for i in lines if i.functional.startswith(c))) for c in codes]


def _gpb_sections(budget: Budget, gpb: list[LineItem]) -> Iterator[Section]:
    u, y, mu = budget.unit.name, budget.unit.year, budget.money_unit
    whole = total(gpb)
    basic = total(i for i in gpb if i.kind != "project")
    project = total(i for i in gpb if i.kind == "project")
    yield ("（一）一般公共预算当年拨款规模变化情况", [
        f"{u}{y}年一般公共预算拨款合计{amount(whole, mu)}，其中："
        + clause(f"基本支出{amount(basic, mu)}", _with_change(budget, "gpb:basic", basic)) + "。"
        + clause(f"项目支出{amount(project, mu)}", _with_change(budget, "gpb:project", project)) + "。"])
    yield ("（二）一般公共预算当年拨款结构情况", [
        f"{n}.{name}{amount(value, mu)}，{share(value, whole)}。"
        for n, (_, name, value) in enumerate(_classes(budget, gpb), start=1)])
    items = []
    for n, code in enumerate(sorted({i.functional for i in gpb}), start=1):
        value = total(i for i in gpb if i.functional == code)
        path = f"{name_of(budget, code[:3])}（类）{name_of(budget, code[:5])}（款）{name_of(budget, code)}（项）"
        items.append(f"{n}.{path}：{y}年预算数为" + clause(amount(value, mu), _with_change(budget, f"gpb:{code}", value))
                     + "。")
    yield ("（三）一般公共预算当年拨款具体使用情况", items)


def _basic(budget: Budget, gpb: list[LineItem]) -> list[str]:
    u, y, mu = budget.unit.name, budget.unit.year, budget.money_unit
    personnel = [i for i in gpb if i.kind == "personnel"]
    public = [i for i in gpb if i.kind == "public"]

    def names(items: list[LineItem]) -> str:
        return "、".join(dict.fromkeys(name_of(budget, i.economic) for i in sorted(items, key=lambda i: i.economic)))

    return [f"{u}{y}年一般公共预算基本支出{amount(total(personnel) + total(public), mu)}，其中：",
            f"人员经费{amount(total(personnel), mu)}" + (f"，主要包括：{names(personnel)}。" if personnel else "。"),
            f"公用经费{amount(total(public), mu)}" + (f"，主要包括：{names(public)}。" if public else "。")]


def _projects(budget: Budget, gpb: list[LineItem]) -> list[str]:
    u, y, mu = budget.unit.name, budget.unit.year, budget.money_unit
    out = []
    for k, name in enumerate(dict.fromkeys(i.project or "" for i in gpb if i.kind == "project"), start=1):
        p = next((p for p in budget.projects if p.name == name), None)
        value = total(i for i in gpb if i.kind == "project" and i.project == name)
        out.append(f"{k}.项目名称：{name}")
        details = [("设立的政策依据", p.basis), ("预算安排规模", amount(value, mu)), ("项目承担单位", p.undertaker),
                   ("资金分配情况", p.allocation), ("资金执行时间", p.period)] if p else [
                   ("预算安排规模", amount(value, mu))]
        out += [f"{label}：{text}" for label, text in details if text]
    return out or [f"{u}{y}年没有一般公共预算项目支出。"]


def _three_public(budget: Budget) -> list[str]:
    u, y, mu = budget.unit.name, budget.unit.year, budget.money_unit
    items = {k: total(v) for k, v in three_public_items(budget).items()}
    whole = sum(items.values(), Decimal(0))
    names = {"abroad": "因公出国（境）费", "car_purchase": "公务用车购置费", "car_running": "公务用车运行费",
             "reception": "公务接待费"}
    first = (f"{u}{y}年财政拨款“三公”经费预算数为{amount(whole, mu)}，其中："
             + "，".join(f"{names[k]}{amount(items[k], mu)}" for k in names) + "。")
    if "three_public" not in budget.prior:
        return [first]
    parts = [clause(f"{names[k]}{change(items[k], budget.prior.get(f'three_public:{k}'), mu, against='')}",
                    _reason(budget, f"three_public:{k}")) for k in names if f"three_public:{k}" in budget.prior]
    second = clause(f"{y}年财政拨款“三公”经费{change(whole, budget.prior['three_public'], mu)}",
                    _reason(budget, "three_public"))
    return [first, second + ("，其中：" + "；".join(parts) if parts else "") + "。"]


def _other_matters(budget: Budget, gpb: list[LineItem]) -> Iterator[Section]:
    u, y, mu = budget.unit.name, budget.unit.year, budget.money_unit
    public = total(i for i in gpb if i.kind == "public")
    yield ("（一）机关运行经费情况", [clause(f"{y}年{u}的机关运行经费财政拨款预算{amount(public, mu)}",
                                             _with_change(budget, "office_running", public)) + "。"])
    p = budget.procurement
    whole = p.goods + p.works + p.services
    yield ("（二）政府采购情况", [
        f"{y}年{u}政府采购预算{amount(whole, mu)}，其中：政府采购货物预算{amount(p.goods, mu)}，"
        f"政府采购工程预算{amount(p.works, mu)}，政府采购服务预算{amount(p.services, mu)}。",
        f"{y}年度面向中小企业预留政府采购项目预算金额{amount(p.sme, mu)}，"
        f"其中：面向小微企业预留政府采购项目预算金额{amount(p.small_micro, mu)}。"])
    a = budget.assets
    vehicles = a.vehicles
    assets = [f"截至{a.as_of or f'{y - 1}年底'}，{u}占用使用国有资产总体情况为：",
              f"1.房屋{a.building_area}平方米，价值{amount(a.building_value, mu)}。",
              f"2.车辆{sum(v.count for v in vehicles)}辆，价值{amount(sum((v.value for v in vehicles), Decimal(0)), mu)}"
              + ("；其中：" + "；".join(f"{v.kind}{v.count}辆，价值{amount(v.value, mu)}" for v in vehicles)
                 if vehicles else "") + "。",
              f"3.办公家具价值{amount(a.furniture_value, mu)}。",
              f"4.其他资产价值{amount(a.other_value, mu)}。",
              f"单位价值50万元以上大型设备{a.equipment_50}台（套），单位价值100万元以上大型设备{a.equipment_100}台（套）。",
              f"{y}年{u}预算安排购置车辆{a.planned_vehicles}辆，安排购置单位价值50万元以上大型设备"
              f"{a.planned_equipment_50}台（套），单位价值100万元以上大型设备{a.planned_equipment_100}台（套）。"]
    yield ("（三）国有资产占用使用情况", assets)
    projects = {i.project for i in budget.lines if i.kind == "project"}
    targets = [p for p in budget.projects if p.name in projects and p.indicators]
    fiscal_ = [p for p in targets if _project_total(budget, p.name, fiscal_only=True)]
    other = [p for p in targets if not _project_total(budget, p.name, fiscal_only=True)]
    yield ("（四）预算绩效情况", [
        f"{y}年，本年度预算绩效管理的财政拨款项目{len(fiscal_)}个，涉及预算金额"
        f"{amount(sum((_project_total(budget, p.name, True) for p in fiscal_), Decimal(0)), mu)}；"
        f"非财政拨款项目{len(other)}个，涉及预算金额"
        f"{amount(sum((_project_total(budget, p.name, False) for p in other), Decimal(0)), mu)}。"
        + ("具体情况见下表（按项目分别填报）：" if targets else "")])
    yield ("（五）其他需说明的事项", ["无其他需要说明的事项。"])


def _project_total(budget: Budget, name: str, fiscal_only: bool) -> Decimal:
    return total(i for i in budget.lines if i.kind == "project" and i.project == name
                 and (i.source in FISCAL or not fiscal_only))
