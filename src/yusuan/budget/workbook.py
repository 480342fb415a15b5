"""The input workbook: one sheet per part of the budget data, Chinese column headers,
drop-down lists of valid codes, instructions on the first sheet. Written empty (`yusuan
template`) or filled (`yusuan extract`), and read back into budget data, each value's sheet,
row and column kept for the messages about it."""

from __future__ import annotations

import io
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from yusuan import catalog
from yusuan.budget.model import KINDS, SOURCES, Budget
from yusuan.budget.validate import Problem
from yusuan.errors import YusuanError
from yusuan.read.limits import MAX_CELLS
from yusuan.spreadsheet import put

INSTRUCTIONS = [
    "yusuan 预算数据录入表",
    "",
    "1. 在“单位情况”表填写单位名称、年度、金额单位（万元或元）和人员编制；在“主要职能”表每行填写一项职能。",
    "2. 在“支出明细”表逐行填写每一笔支出：资金来源、功能分类科目编码（项级，7位）、经济分类科目编码（款级，5位）、"
    "支出类型（人员经费、公用经费或项目支出）、项目名称（仅项目支出）、金额。各张公开表都由这些明细汇总生成。",
    "3. 在“上年数”表填写情况说明需要对比的上年预算数和变动原因（留空则不写对比）。",
    "4. 在“项目”“绩效指标”表填写项目说明和项目支出绩效目标；在“政府采购”“国有资产”表填写相应数据。",
    "5. 目录中没有的科目编码，请在“科目名称”表给出编码和名称。",
    "6. 运行：yusuan build 本文件.xlsx -o 输出目录",
    "",
    "“三公”经费由经济分类 30212（因公出国（境）费用）、30217（公务接待费）、31013（公务用车购置）、"
    "30231（公务用车运行维护费）汇总；机关运行经费为一般公共预算公用经费。",
]
UNIT_FIELDS = [("单位名称", "name"), ("年度", "year"), ("部门或单位", "scope"), ("金额单位", "money_unit"),
               ("落款日期", "date"), ("机构设置", "organisation"), ("公开表模板", "template")]
STAFF = ["编制数", "实有人数", "在职", "退休", "离休"]
LINE_COLUMNS = [("资金来源", "source"), ("功能分类科目编码", "functional"), ("经济分类科目编码", "economic"),
                ("支出类型", "kind"), ("项目名称", "project"), ("金额", "amount")]
PRIOR_COLUMNS = ["事项", "说明", "上年数", "变动原因"]
PROJECT_COLUMNS = [("项目名称", "name"), ("项目负责人", "owner"), ("设立的政策依据", "basis"), ("项目承担单位", "undertaker"),
                   ("资金分配情况", "allocation"), ("资金执行时间", "period"), ("项目总体目标", "goal")]
INDICATOR_COLUMNS = [("项目名称", None), ("一级指标", "level1"), ("二级指标", "level2"), ("三级指标", "level3"),
                     ("指标值", "value"), ("指标值设置依据", "basis"), ("上年完成值", "prior"), ("指标分值权重", "weight"),
                     ("指标赋分规则", "rule"), ("佐证资料", "evidence")]
PROCUREMENT = [("政府采购货物预算", "goods"), ("政府采购工程预算", "works"), ("政府采购服务预算", "services"),
               ("面向中小企业预留", "sme"), ("其中：面向小微企业预留", "small_micro")]
ASSETS = [("截至", "as_of"), ("房屋面积（平方米）", "building_area"), ("房屋价值", "building_value"),
          ("办公家具价值", "furniture_value"), ("其他资产价值", "other_value"), ("50万元以上大型设备（台套）", "equipment_50"),
          ("100万元以上大型设备（台套）", "equipment_100"), ("本年预算购置车辆（辆）", "planned_vehicles"),
          ("本年预算购置50万元以上设备（台套）", "planned_equipment_50"),
          ("本年预算购置100万元以上设备（台套）", "planned_equipment_100")]
VEHICLE_COLUMNS = [("车辆类别", "kind"), ("数量（辆）", "count"), ("价值", "value")]  # on 国有资产, below ASSETS
GLOSSARY_COLUMNS = [("名词", "term"), ("解释", "definition")]
PRIOR_KEYS = {  # the comparisons the narrative makes, and what each is
    **{f"income:{s}": f"收入：{name}" for s, name in SOURCES.items()},
    "expense:basic": "支出：基本支出", "expense:project": "支出：项目支出",
    "gpb:basic": "一般公共预算：基本支出", "gpb:project": "一般公共预算：项目支出",
    "three_public": "“三公”经费合计", "three_public:abroad": "因公出国（境）费",
    "three_public:reception": "公务接待费", "three_public:car_purchase": "公务用车购置费",
    "three_public:car_running": "公务用车运行费", "office_running": "机关运行经费",
}


def _header(ws, names: list[str]) -> None:
    from openpyxl.styles import Font, PatternFill

    for c, name in enumerate(names, start=1):
        cell = put(ws, 1, c, name)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        ws.column_dimensions[cell.column_letter].width = max(12, len(name) * 2 + 4)
    ws.freeze_panes = "A2"


def write_workbook(budget: Budget | None, year: int | None = None) -> bytes:
    """The input workbook, empty (budget None) or holding a budget's data."""
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "说明"
    for r, text in enumerate(INSTRUCTIONS, start=1):
        put(ws, r, 1, text)
    ws.column_dimensions["A"].width = 120
    year = budget.unit.year if budget else year

    unit = wb.create_sheet("单位情况")
    _header(unit, ["项目", "内容"])
    values: dict[str, Any] = budget.unit.model_dump() | {"money_unit": budget.money_unit,
                                                         "template": budget.template} if budget else {}
    for r, (label, key) in enumerate(UNIT_FIELDS, start=2):
        put(unit, r, 1, label)
        put(unit, r, 2, values.get(key, {"money_unit": "万元", "scope": "部门",
                                                          "template": "default"}.get(key)))
    for r, key in enumerate(STAFF, start=len(UNIT_FIELDS) + 2):
        put(unit, r, 1, f"人员：{key}")
        put(unit, r, 2, budget.unit.staffing.get(key) if budget else None)
        put(unit, r, 3, budget.unit.staffing_changes.get(key) if budget else None)
    put(unit, 1, 3, "比上年增减（人）")
    unit.column_dimensions["B"].width = 60

    functions = wb.create_sheet("主要职能")
    _header(functions, ["职能"])
    functions.column_dimensions["A"].width = 120
    for r, text in enumerate(budget.unit.functions if budget else [], start=2):
        put(functions, r, 1, text)

    lines = wb.create_sheet("支出明细")
    _header(lines, [label for label, _ in LINE_COLUMNS])
    for r, line in enumerate(budget.lines if budget else [], start=2):
        for c, value in enumerate([SOURCES[line.source], line.functional, line.economic, KINDS[line.kind],
                                   line.project, line.amount], start=1):
            put(lines, r, c, value)
        lines.cell(row=r, column=6).number_format = "0.00"
    lines.column_dimensions["E"].width = 50

    codes = wb.create_sheet("代码")
    functional = sorted({e.code for y in catalog.years_by_nearness("functional", year)
                         for e in catalog.entries("functional", y) if e.level == 3})
    economic = sorted({e.code for y in catalog.years_by_nearness("economic_department", year)
                       for e in catalog.entries("economic_department", y) if e.level == 2})
    for c, values_ in enumerate([list(SOURCES.values()), functional, economic, list(KINDS.values())], start=1):
        for r, value in enumerate(values_, start=1):
            put(codes, r, c, value)
    codes.sheet_state = "hidden"
    for col, letter, n in (("A", "A", len(SOURCES)), ("B", "B", len(functional)), ("C", "C", len(economic)),
                           ("D", "D", len(KINDS))):
        check = DataValidation(type="list", formula1=f"=代码!${letter}$1:${letter}${n}", allow_blank=True,
                               showErrorMessage=col != "B" and col != "C",
                               errorTitle="无效的值", error="请从下拉列表中选择")
        lines.add_data_validation(check)
        check.add(f"{col}2:{col}5000")

    prior = wb.create_sheet("上年数")
    _header(prior, PRIOR_COLUMNS)
    keys = dict(PRIOR_KEYS)
    if budget:
        for code in sorted({line.functional for line in budget.lines if line.source in ("gpb", "gpb_transfer")}):
            keys[f"gpb:{code}"] = f"一般公共预算项级科目 {code}"
        keys |= {k: k for k in budget.prior if k not in keys}
    for r, (key, label) in enumerate(keys.items(), start=2):
        put(prior, r, 1, key)
        put(prior, r, 2, label)
        put(prior, r, 3, budget.prior.get(key) if budget else None)
        put(prior, r, 4, budget.reasons.get(key) if budget else None)
    prior.column_dimensions["D"].width = 60

    projects = wb.create_sheet("项目")
    _header(projects, [label for label, _ in PROJECT_COLUMNS])
    indicators = wb.create_sheet("绩效指标")
    _header(indicators, [label for label, _ in INDICATOR_COLUMNS])
    r2 = 2
    for r, project in enumerate(budget.projects if budget else [], start=2):
        for c, (_, key) in enumerate(PROJECT_COLUMNS, start=1):
            put(projects, r, c, getattr(project, key))
        for ind in project.indicators:
            for c, (_, key) in enumerate(INDICATOR_COLUMNS, start=1):
                put(indicators, r2, c, project.name if key is None else getattr(ind, key))
            r2 += 1

    procurement = wb.create_sheet("政府采购")
    _header(procurement, ["项目", "金额"])
    for r, (label, key) in enumerate(PROCUREMENT, start=2):
        put(procurement, r, 1, label)
        put(procurement, r, 2, getattr(budget.procurement, key) if budget else None)

    assets = wb.create_sheet("国有资产")
    _header(assets, ["项目", "数值"])
    for r, (label, key) in enumerate(ASSETS, start=2):
        put(assets, r, 1, label)
        put(assets, r, 2, getattr(budget.assets, key) if budget else None)
    start = len(ASSETS) + 3
    for c, (name, _) in enumerate(VEHICLE_COLUMNS, start=1):
        put(assets, start, c, name)
    for r, v in enumerate(budget.assets.vehicles if budget else [], start=start + 1):
        put(assets, r, 1, v.kind)
        put(assets, r, 2, v.count)
        put(assets, r, 3, v.value)

    glossary = wb.create_sheet("名词解释")
    _header(glossary, [label for label, _ in GLOSSARY_COLUMNS])
    glossary.column_dimensions["B"].width = 100
    for r, term in enumerate(budget.glossary if budget else [], start=2):
        put(glossary, r, 1, term.term)
        put(glossary, r, 2, term.definition)

    names = wb.create_sheet("科目名称")
    _header(names, ["编码", "名称"])
    for r, (code, name) in enumerate(sorted(budget.names.items()) if budget else [], start=2):
        put(names, r, 1, code)
        put(names, r, 2, name)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f")
    return str(value).strip()


def _number(value: Any) -> Decimal | str | None:
    """A number from a cell: openpyxl gives floats, whose shortest repr is what was typed; text that is no
    number is kept for validation to name."""
    text = _text(value)
    try:
        return Decimal(text.replace(",", "")) if text else None
    except InvalidOperation:
        return text


WIDTH = len(INDICATOR_COLUMNS)  # the widest sheet: shorter rows are read as if blank to there


def read_workbook(data: bytes) -> tuple[dict[str, Any], dict[tuple, int], list[Problem]]:
    """The budget data of a filled workbook as a plain dict (validated by the caller), the workbook row
    of each part of it by its path in the data (`("lines", 3)`: see `place`), and the problems met on
    the way."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a broken workbook
        raise YusuanError("无法读取录入表：文件已损坏，或不是 Excel 工作簿（.xlsx）") from exc
    problems: list[Problem] = []
    for sheet in ("单位情况", "支出明细"):
        if sheet not in wb.sheetnames:
            raise YusuanError(f"缺少“{sheet}”表（请用 yusuan template 生成的录入表）")

    def rows(sheet: str) -> list[tuple[int, tuple]]:
        if sheet not in wb.sheetnames:
            return []
        ws = wb[sheet]
        if ws.max_row * ws.max_column > MAX_CELLS:  # one far cell makes iter_rows walk it all
            raise YusuanError(f"工作表“{sheet}”跨 {ws.max_row:,} 行 × {ws.max_column:,} 列，远大于任何录入表，拒绝读取")
        return [(r, row + (None,) * (WIDTH - len(row))) for r, row in
                enumerate(ws.iter_rows(min_row=2, values_only=True), start=2) if any(v not in (None, "") for v in row)]

    at: dict[tuple, int] = {}
    by_label = {_text(row[0]): (r, row) for r, row in rows("单位情况")}
    unit: dict[str, Any] = {}
    for label, key in UNIT_FIELDS:
        if label in by_label:
            r, row = by_label[label]
            at[(key,) if key in ("money_unit", "template") else ("unit", key)] = r
            unit[key] = _text(row[1])
    for part, column in (("staffing", 1), ("staffing_changes", 2)):
        unit[part] = {}
        for k in STAFF:
            if f"人员：{k}" in by_label and (count := _number(by_label[f"人员：{k}"][1][column])) is not None:
                at[("unit", part, k)] = by_label[f"人员：{k}"][0]
                unit[part][k] = count
    unit["functions"] = []
    for r, row in rows("主要职能"):
        at[("unit", "functions", len(unit["functions"]))] = r
        unit["functions"].append(_text(row[0]))
    data: dict[str, Any] = {"unit": {k: v for k, v in unit.items() if k not in ("money_unit", "template") and v != ""},
                            "money_unit": unit.get("money_unit") or "万元", "template": unit.get("template") or "default"}
    sources = {name: key for key, name in SOURCES.items()}
    kinds = {name: key for key, name in KINDS.items()}
    lines = []
    for r, row in rows("支出明细"):
        if _text(row[0]) not in sources:
            problems.append(Problem(cell("支出明细", r, "资金来源"), f"“{_text(row[0])}”不是可选的资金来源"))
            continue
        if _text(row[3]) not in kinds:
            problems.append(Problem(cell("支出明细", r, "支出类型"), f"“{_text(row[3])}”应为人员经费、公用经费或项目支出"))
            continue
        at[("lines", len(lines))] = r
        lines.append({"source": sources[_text(row[0])], "functional": _text(row[1]), "economic": _text(row[2]),
                      "kind": kinds[_text(row[3])], "project": _text(row[4]) or None, "amount": _number(row[5])})
    data["lines"] = lines
    for r, row in rows("上年数"):
        key = _text(row[0])
        if (value := _number(row[2])) is not None:
            data.setdefault("prior", {})[key] = value
            at[("prior", key)] = r
        if _text(row[3]):
            data.setdefault("reasons", {})[key] = _text(row[3])
            at[("reasons", key)] = r
    projects: dict[str, dict] = {}
    order: dict[str, int] = {}  # a project's place in the list, by its name
    for r, row in rows("项目"):
        fields = {key: _text(v) for (_, key), v in zip(PROJECT_COLUMNS, row, strict=False)}
        projects[fields["name"]] = fields | {"indicators": []}
        at[("projects", order.setdefault(fields["name"], len(order)))] = r
    for r, row in rows("绩效指标"):
        name = _text(row[0])
        if name not in projects:
            problems.append(Problem(cell("绩效指标", r, "项目名称"), f"“{name}”不在“项目”表中"))
            continue
        indicators = projects[name]["indicators"]
        at[("projects", order[name], "indicators", len(indicators))] = r
        indicators.append({key: _text(v) for (_, key), v in zip(INDICATOR_COLUMNS, row, strict=False) if key})
    data["projects"] = list(projects.values())
    data["procurement"] = {}
    for r, v in rows("政府采购"):
        key = dict(PROCUREMENT).get(_text(v[0]))
        if key and (value := _number(v[1])) is not None:
            data["procurement"][key] = value
            at[("procurement", key)] = r
    assets: dict[str, Any] = {"vehicles": []}
    vehicles = False  # below the header row of the vehicles
    for r, v in rows("国有资产"):
        if vehicles:
            at[("assets", "vehicles", len(assets["vehicles"]))] = r
            assets["vehicles"].append({"kind": _text(v[0]), "count": _number(v[1]) or 0, "value": _number(v[2]) or 0})
        elif (key := dict(ASSETS).get(_text(v[0]))) and v[1] not in (None, ""):
            assets[key] = _text(v[1]) if key == "as_of" else _number(v[1])
            at[("assets", key)] = r
        vehicles = vehicles or _text(v[0]) == VEHICLE_COLUMNS[0][0]
    data["assets"] = assets
    data["glossary"] = []
    for r, v in rows("名词解释"):
        at[("glossary", len(data["glossary"]))] = r
        data["glossary"].append({"term": _text(v[0]), "definition": _text(v[1])})
    data["names"] = {}
    for r, v in rows("科目名称"):
        data["names"][_text(v[0])] = _text(v[1])
        at[("names", _text(v[0]))] = r
    return data, at, problems


def cell(sheet: str, row: int | None, label: str | None, column: bool = True) -> str:
    """`“支出明细”表第5行“金额”列`; on a sheet of labelled rows (单位情况, 政府采购, 国有资产) the label is
    the row's own: `“单位情况”表第3行“年度”`."""
    return f"“{sheet}”表" + (f"第{row}行" if row else "") + (f"“{label}”" + ("列" if column else "") if label else "")


def place(path: tuple, at: dict[tuple, int]) -> str:
    """Where the value at a path of the budget data is in the workbook, by the rows `read_workbook` found."""
    sheet, label, column = field(path)
    return cell(sheet, next((at[path[:n]] for n in range(len(path), 0, -1) if path[:n] in at), None), label, column)


def _label(columns: list, key: Any) -> str | None:
    return next((label for label, k in columns if k == key), None)


def field(path: tuple) -> tuple[str, str | None, bool]:
    """The sheet a path of the budget data is entered on, the field's label there, and whether that label
    heads a column (or is a row's own)."""
    match path:
        case ("lines", int(), key, *_):
            return "支出明细", _label(LINE_COLUMNS, key), True
        case ("unit", "functions", *_):
            return "主要职能", "职能", True
        case ("unit", "staffing", key, *_):
            return "单位情况", f"人员：{key}", False
        case ("unit", "staffing_changes", *_):
            return "单位情况", "比上年增减（人）", True
        case ("unit", key, *_) | (("money_unit" | "template") as key, *_):
            return "单位情况", _label(UNIT_FIELDS, key), False
        case ("prior", *_):
            return "上年数", "上年数", True
        case ("reasons", *_):
            return "上年数", "变动原因", True
        case ("projects", int(), "indicators", int(), key, *_):
            return "绩效指标", _label(INDICATOR_COLUMNS, key), True
        case ("projects", int(), "indicators", *_):
            return "绩效指标", "项目名称", True
        case ("projects", int(), key, *_):
            return "项目", _label(PROJECT_COLUMNS, key), True
        case ("procurement", key, *_):
            return "政府采购", _label(PROCUREMENT, key), False
        case ("assets", "vehicles", int(), key, *_):
            return "国有资产", _label(VEHICLE_COLUMNS, key), True
        case ("assets", key, *_):
            return "国有资产", _label(ASSETS, key), False
        case ("glossary", int(), key, *_):
            return "名词解释", _label(GLOSSARY_COLUMNS, key), True
        case ("names", _, "[key]"):
            return "科目名称", "编码", True
        case ("names", *_):
            return "科目名称", "名称", True
    sheets = {"lines": "支出明细", "projects": "项目", "glossary": "名词解释"}
    return sheets.get(path[0] if path else "", "单位情况"), None, True


def save(budget: Budget, path: Path) -> None:
    """Budget data to a workbook (.xlsx), JSON or YAML, by the file's extension."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        path.write_bytes(write_workbook(budget))
    elif suffix in (".yaml", ".yml"):
        import yaml

        path.write_text(yaml.safe_dump(budget.model_dump(mode="json"), allow_unicode=True, sort_keys=False), "utf-8")
    else:
        path.write_text(budget.model_dump_json(indent=1), "utf-8")
