"""Every standard table as a view of the line items. Each function takes the lines and gives
the Table exactly as it will be printed; nothing here is typed in twice."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal

from yusuan import catalog
from yusuan.budget.model import FISCAL, FUNDS, SOURCES, Budget, LineItem
from yusuan.build.frame import Frame, money
from yusuan.model import Row, Table

ZERO = Decimal(0)
ECONOMIC_CLASSES = {  # 项目支出表's economic columns, by the 类 of the economic code
    "301": ("econ_301", "工资福利支出"), "302": ("econ_302", "商品和服务支出"),
    "303": ("econ_303", "对个人和家庭的补助"), "307": ("econ_307", "债务利息及费用支出"),
    "309": ("econ_309", "资本性支出（基本建设）"), "310": ("econ_310", "资本性支出"),
    "311": ("econ_311", "对企业补助（基本建设）"), "312": ("econ_312", "对企业补助"),
    "313": ("econ_313", "对社会保障基金补助"), "399": ("econ_399", "其他支出"),
}
THREE_PUBLIC = {"abroad": "30212", "reception": "30217", "car_purchase": "31013", "car_running": "30231"}


def name_of(budget: Budget, code: str) -> str:
    if code in budget.names:
        return budget.names[code]
    entry = catalog.lookup(code, budget.unit.year)
    return entry.name if entry else code


def total(lines: Iterable[LineItem]) -> Decimal:
    return sum((line.amount for line in lines), ZERO)


def by_code(lines: Iterable[LineItem], key: Callable[[LineItem], str] = lambda line: line.functional,
            levels: tuple[int, ...] = (3, 5, 7)) -> dict[str, list[LineItem]]:
    """Lines under every 类, 款 and 项 code they belong to, codes in catalog order."""
    out: dict[str, list[LineItem]] = defaultdict(list)
    for line in lines:
        for n in levels:
            out[key(line)[:n]].append(line)
    return dict(sorted(out.items()))


def fiscal(lines: Iterable[LineItem], fund: str) -> list[LineItem]:
    return [line for line in lines if line.source in FUNDS[fund]]


def _split_code(code: str) -> dict[str, str]:
    return {"class": code[:3], "item": code[3:5], "sub": code[5:7]}


CODED_HEAD = [("类", 1), ("款", 1), ("项", 1)]


def expense_table(budget: Budget, lines: list[LineItem], kind: str, group: str) -> tuple[Frame, list[Row]]:
    """合计 / 基本支出 / 项目支出 by functional code: 支出总表, 一般公共预算支出表, the fund tables."""
    frame = Frame([[("项    目", 4), (group, 3)], [("功能分类科目编码", 3), ("功能分类科目名称", 1), ("合  计", 1),
                                                   ("基本支出", 1), ("项目支出", 1)], [*CODED_HEAD, ("", 4)]],
                  [("class", False), ("item", False), ("sub", False), ("name", False), ("total", True),
                   ("basic", True), ("project", True)])
    rows = []
    for code, items in by_code(lines).items():
        basic = total(i for i in items if i.kind != "project")
        project = total(i for i in items if i.kind == "project")
        rows.append(frame.row({**_split_code(code), "name": name_of(budget, code), "total": money(basic + project),
                               "basic": money(basic), "project": money(project)}, code=code,
                              name=name_of(budget, code)))
    basic = total(i for i in lines if i.kind != "project")
    project = total(i for i in lines if i.kind == "project")
    rows.append(frame.row({"name": "合  计", "total": money(basic + project), "basic": money(basic),
                           "project": money(project)}, label="合  计", is_total=True))
    return frame, rows


def income_table(budget: Budget) -> tuple[Frame, list[Row]]:
    sources = list(SOURCES)
    fiscal_keys = list(FISCAL)
    others = [s for s in sources if s not in FISCAL]
    frame = Frame(
        [[("功能分类科目编码", 3), ("功能分类科目名称", 1), ("总  计", 1), ("财政拨款（补助）", 7),
          *((SOURCES[s], 1) for s in others)],
         [*CODED_HEAD, ("", 2), ("财政拨款（补助）小计", 1), *((SOURCES[s], 1) for s in fiscal_keys), ("", len(others))]],
        [("class", False), ("item", False), ("sub", False), ("name", False), ("total", True),
         ("fiscal_subtotal", True), *((s, True) for s in fiscal_keys), *((s, True) for s in others)])

    def texts(items: list[LineItem]) -> dict[str, str]:
        per = {s: total(i for i in items if i.source == s) for s in sources}
        return {"total": money(total(items)), "fiscal_subtotal": money(sum((per[s] for s in FISCAL), ZERO)),
                **{s: money(per[s]) for s in sources}}

    rows = [frame.row({**_split_code(code), "name": name_of(budget, code), **texts(items)}, code=code,
                      name=name_of(budget, code)) for code, items in by_code(budget.lines).items()]
    rows.append(frame.row({"name": "合  计", **texts(budget.lines)}, label="合  计", is_total=True))
    return frame, rows


def income_items(budget: Budget) -> list[tuple[str, Decimal]]:
    """收支总表's income side: this year's income by source, then the carry-over."""
    per = {s: total(i for i in budget.lines if i.source == s) for s in SOURCES}
    this_year = [("1.一般公共预算拨款", per["gpb"] + per["gpb_transfer"]),
                 ("2.政府性基金预算拨款", per["fund"] + per["fund_transfer"]),
                 ("3.国有资本经营预算拨款", per["capital"] + per["capital_transfer"]),
                 ("4.财政专户管理资金", per["special_account"]), ("5.单位资金", per["unit_funds"])]
    carry = [("1.财政拨款结转", per["fiscal_carryover"]), ("2.非财政拨款结转结余", per["nonfiscal_carryover"])]
    return [("一、本年收入", sum((v for _, v in this_year), ZERO)), *this_year,
            ("二、上年结转结余", sum((v for _, v in carry), ZERO)), *carry]


def _side_by_side(budget: Budget, frame: Frame, income: list[tuple[str, Decimal]], lines: list[LineItem],
                  amounts: Callable[[list[LineItem]], dict[str, str]]) -> list[Row]:
    """Income items on the left, functional classes (类) on the right, paired row by row as the
    two summary tables print them; the longer side runs on alone."""
    classes = list(by_code(lines, levels=(3,)).items())
    rows = []
    for n in range(max(len(income), len(classes))):
        texts: dict[str, str] = {}
        code = None
        if n < len(income):
            texts |= {"income_item": income[n][0], "income_amount": money(income[n][1])}
        if n < len(classes):
            code, items = classes[n]
            texts |= {"expense_item": f"{code} {name_of(budget, code)}", **amounts(items)}
        rows.append(frame.row(texts, code=code, name=name_of(budget, code) if code else "",
                              label=texts.get("income_item", "")))
    return rows


def summary_table(budget: Budget) -> tuple[Frame, list[Row]]:
    frame = Frame([[("收     入", 2), ("支     出", 2)], [("项     目", 1), ("预算数", 1), ("功能分类", 1), ("预算数", 1)]],
                  [("income_item", False), ("income_amount", True), ("expense_item", False),
                   ("expense_amount", True)])
    rows = _side_by_side(budget, frame, income_items(budget), budget.lines,
                         lambda items: {"expense_amount": money(total(items))})
    grand = money(total(budget.lines))
    rows.append(frame.row({"income_item": "收  入  总  计", "income_amount": grand, "expense_item": "支  出  总  计",
                           "expense_amount": grand}, label="收  入  总  计", is_total=True))
    return frame, rows


def fiscal_summary_table(budget: Budget) -> tuple[Frame, list[Row]]:
    frame = Frame([[("财政拨款收入", 2), ("财政拨款支出", 5)],
                   [("项    目", 1), ("合  计", 1), ("功  能  分  类", 1), ("合  计", 1), ("一般公共预算", 1),
                    ("政府性基金预算", 1), ("国有资本经营预算", 1)]],
                  [("income_item", False), ("income_amount", True), ("expense_item", False), ("total", True),
                   ("gpb", True), ("fund", True), ("capital", True)])
    lines = [line for line in budget.lines if line.source in FISCAL]
    income = [("一、财政拨款（补助）", total(lines)), ("一般公共预算", total(fiscal(lines, "gpb"))),
              ("政府性基金预算", total(fiscal(lines, "fund"))), ("国有资本经营预算", total(fiscal(lines, "capital")))]
    rows = _side_by_side(budget, frame, income, lines,
                         lambda items: {"total": money(total(items)), **{f: money(total(fiscal(items, f))) for f in FUNDS}})
    grand = money(total(lines))
    rows.append(frame.row({"income_item": "收  入  总  计", "income_amount": grand, "expense_item": "支  出  总  计",
                           "total": grand, **{f: money(total(fiscal(lines, f))) for f in FUNDS}},
                          label="收  入  总  计", is_total=True))
    return frame, rows


def basic_table(budget: Budget) -> tuple[Frame, list[Row]]:
    frame = Frame([[("项目", 3), ("一般公共预算基本支出", 3)],
                   [("经济分类科目编码", 2), ("经济分类科目名称", 1), ("合  计", 1), ("人员经费", 1), ("公用经费", 1)],
                   [("类", 1), ("款", 1), ("", 4)]],
                  [("class", False), ("item", False), ("name", False), ("total", True), ("personnel", True),
                   ("public", True)])
    lines = [line for line in fiscal(budget.lines, "gpb") if line.kind != "project"]

    def texts(items: list[LineItem]) -> dict[str, str]:
        personnel = total(i for i in items if i.kind == "personnel")
        public = total(i for i in items if i.kind == "public")
        return {"total": money(personnel + public), "personnel": money(personnel), "public": money(public)}

    rows = [frame.row({"class": code[:3], "item": code[3:5], "name": name_of(budget, code), **texts(items)},
                      code=code, name=name_of(budget, code))
            for code, items in by_code(lines, key=lambda line: line.economic, levels=(3, 5)).items()]
    rows.append(frame.row({"name": "合  计", **texts(lines)}, label="合  计", is_total=True))
    return frame, rows


def project_table(budget: Budget) -> tuple[Frame, list[Row]]:
    econ = list(ECONOMIC_CLASSES.values())
    frame = Frame([[("科 目 编 码", 3), ("科目名称", 1), ("项目名称", 1), ("项目支出合计", 1), *((n, 1) for _, n in econ)],
                   [*CODED_HEAD, ("", 3 + len(econ))]],
                  [("class", False), ("item", False), ("sub", False), ("name", False), ("project_name", False),
                   ("total", True), *((k, True) for k, _ in econ)])
    lines = [line for line in fiscal(budget.lines, "gpb") if line.kind == "project"]

    def texts(items: list[LineItem]) -> dict[str, str]:
        per: dict[str, Decimal] = defaultdict(Decimal)
        for item in items:
            per[ECONOMIC_CLASSES[item.economic[:3]][0]] += item.amount
        return {"total": money(total(items)), **{k: money(per[k]) for k, _ in econ}}

    rows = []
    for code, items in by_code(lines).items():
        name = name_of(budget, code)
        if len(code) < 7:
            rows.append(frame.row({**_split_code(code), "name": name, **texts(items)}, code=code, name=name))
            continue
        projects: dict[str, list[LineItem]] = defaultdict(list)
        for item in items:
            projects[item.project or ""].append(item)
        for project, group in projects.items():
            rows.append(frame.row({**_split_code(code), "name": name, "project_name": project, **texts(group)},
                                  code=code, name=name, label=project))
    rows.append(frame.row({"project_name": "合  计", **texts(lines)}, label="合  计", is_total=True))
    return frame, rows


def three_public_items(budget: Budget) -> dict[str, list[LineItem]]:
    """“三公”经费 of this year's 财政拨款, by the economic codes that hold them."""
    lines = [line for line in budget.lines if line.source in FISCAL]
    return {item: [line for line in lines if line.economic == code] for item, code in THREE_PUBLIC.items()}


def three_public_table(budget: Budget) -> tuple[Frame, list[Row]]:
    frame = Frame([[("三公支出内容", 1), ("合计", 1), ("资金来源", 3)],
                   [("", 2), ("一般公共预算", 1), ("政府性基金", 1), ("国有资本经营预算", 1)]],
                  [("label", False), ("total", True), ("gpb", True), ("fund", True), ("capital", True)])
    items = three_public_items(budget)

    def texts(lines: list[LineItem]) -> dict[str, str]:
        return {"total": money(total(lines)), **{f: money(total(fiscal(lines, f))) for f in FUNDS}}

    cars = items["car_purchase"] + items["car_running"]
    everything = [line for lines in items.values() for line in lines]
    layout = [("合计", everything, True), ("因公出国（境）费", items["abroad"], False),
              ("公务接待费", items["reception"], False), ("公务用车购置及运行费（小计）", cars, False),
              ("其中：公务用车购置费", items["car_purchase"], False), ("公务用车运行费", items["car_running"], False)]
    rows = [frame.row({"label": label, **texts(lines)}, label=label, is_total=is_total)
            for label, lines, is_total in layout]
    return frame, rows


VIEWS: dict[str, Callable[[Budget], tuple[Frame, list[Row]]]] = {
    "income_expense_summary": summary_table,
    "income": income_table,
    "expense": lambda b: expense_table(b, b.lines, "expense", "支出预算"),
    "fiscal_summary": fiscal_summary_table,
    "gpb_expense": lambda b: expense_table(b, fiscal(b.lines, "gpb"), "gpb_expense", "一般公共预算支出"),
    "gpb_basic_expense": basic_table,
    "gpb_project_expense": project_table,
    "gov_fund_expense": lambda b: expense_table(b, fiscal(b.lines, "fund"), "gov_fund_expense", "政府性基金预算支出"),
    "state_capital_expense": lambda b: expense_table(b, fiscal(b.lines, "capital"), "state_capital_expense",
                                                     "国有资本经营预算支出"),
    "three_public": three_public_table,
}


def view(budget: Budget, number: str | None, kind: str, title: str) -> Table:
    frame, rows = VIEWS[kind](budget)
    return frame.table(number, kind, title, budget.money_unit, rows)
