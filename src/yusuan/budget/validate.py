"""Budget data checked on load: every problem in Chinese, with where it is in the user's terms (sheet, row
and column of the workbook; line and path of a JSON or YAML file)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from yusuan import catalog
from yusuan.budget.model import Budget

PERSONNEL = ("301", "303")  # 人员经费: 工资福利 and 对个人和家庭的补助
PUBLIC = ("302", "310", "399")  # 公用经费: 商品和服务, some 资本性支出

# where the value at a path of the budget data (("lines", 3, "amount")) is, as its user sees it
Place = Callable[[tuple], str]


@dataclass
class Problem:
    where: str
    message: str
    severity: str = "error"  # a warning is shown and the build goes on

    def __str__(self) -> str:
        return f"{self.where}：{self.message}" if self.where else self.message


# pydantic's error types, as a finance officer would be told
_MESSAGES = {
    "missing": "必须填写", "int_type": "应为整数", "int_parsing": "应为整数", "int_from_float": "应为整数",
    "int_parsing_size": "整数过大", "decimal_type": "应为数字", "decimal_parsing": "应为数字",
    "finite_number": "应为有限的数字", "string_type": "应为文字", "list_type": "应为列表（每项一行，以“-”开头）",
    **dict.fromkeys(("dict_type", "model_type", "model_attributes_type"), "应为键值对（“键: 值”）"),
}

_BOUNDS = {"less_than": "小于", "less_than_equal": "不大于", "greater_than": "大于", "greater_than_equal": "不小于"}
# what XML, and so Word and Excel, cannot hold (JSON can, as \u0007 or a lone \ud800)
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def model_problems(error: ValidationError, place: Place) -> list[Problem]:
    """The model's complaints about the data, each in Chinese at its place."""
    return [Problem(place(tuple(e["loc"])), _message(e)) for e in error.errors()]


def _message(error: Any) -> str:
    kind, ctx, given = error["type"], error.get("ctx") or {}, error.get("input")
    message = _MESSAGES.get(kind, "值无效")
    if kind == "string_pattern_mismatch":
        digits = re.fullmatch(r"\^\\d\{(\d+)\}\$", ctx.get("pattern", ""))
        message = f"应为 {digits[1]} 位数字" if digits else "格式不对"
    elif kind == "literal_error":
        message = f"应为 {ctx['expected'].replace(' or ', ', ')} 之一"
    elif kind in _BOUNDS:
        bound = Decimal(str(next(iter(ctx.values()))))
        message = f"超出范围（应{_BOUNDS[kind]} {bound:{',' if abs(bound) >= 10000 else ''}f}）"
    if kind == "string_type" and isinstance(given, int | float):
        message += "（编码等数字请加引号）"
    if kind == "missing":
        return message
    if given is None or given == "":
        return message + "，不能留空"
    if isinstance(given, int) and given.bit_length() > 128:  # str() refuses past 4,300 digits
        return message + "，而不是一个位数极多的整数"
    if isinstance(given, str | int | float | Decimal):
        shown = str(given)
        return message + f"，而不是“{shown if len(shown) <= 40 else shown[:40] + '……'}”"
    return message


def _texts(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """Every text of the data, keys too, with its path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(key, (*path, key, "[key]"))
            yield from _texts(item, (*path, key))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _texts(item, (*path, n))


def validate(budget: Budget, place: Place) -> list[Problem]:
    """What the model cannot say: codes the catalog does not know, amounts, 基本 and 项目 kept apart, text
    that no document can hold."""
    problems: list[Problem] = []
    for path, text in _texts(budget.model_dump()):
        if found := _UNWRITABLE.search(text):
            problems.append(Problem(place(path), f"含有不能写入文件的控制字符（#x{ord(found[0]):04x}），请删去"))
    year = budget.unit.year
    for n, line in enumerate(budget.lines):

        def add(field: str, message: str, severity: str = "error", n: int = n) -> None:
            problems.append(Problem(place(("lines", n, field)), message, severity))

        kind = catalog.classify(line.functional)
        if kind != "functional":
            add("functional", f"{line.functional} 不是支出功能分类的项级编码")
        elif catalog.lookup(line.functional, year) is None and line.functional not in budget.names:
            add("functional", f"{line.functional} 不在{year}年前后的分类目录中，请在“科目名称”表给出它的名称")
        if catalog.classify(line.economic) != "economic_department":
            add("economic", f"{line.economic} 不是部门预算支出经济分类的款级编码")
        elif catalog.lookup(line.economic, year) is None and line.economic not in budget.names:
            add("economic", f"{line.economic} 不在分类目录中，请在“科目名称”表给出它的名称")
        if line.kind == "personnel" and not line.economic.startswith(PERSONNEL):
            add("economic", f"人员经费应为工资福利支出（301）或对个人和家庭的补助（303），而不是 {line.economic}")
        if line.kind == "public" and not line.economic.startswith(PUBLIC):
            add("economic", f"公用经费应为商品和服务支出（302）等，而不是 {line.economic}")
        name = budget.names.get(line.functional) or (catalog.lookup(line.functional, year) or _NoName).name
        if line.kind == "project" and "行政运行" in name:
            add("kind", f"{line.functional}（{name}）通常只安排基本支出", "warning")
        if line.kind != "project" and "一般行政管理事务" in name:
            add("kind", f"{line.functional}（{name}）只安排项目支出，不能列基本支出")
        if line.kind == "project" and not line.project:
            add("project", "项目支出须写明项目名称")
        if line.kind != "project" and line.project:
            add("project", "基本支出不属于项目，项目名称应留空")
        if line.amount <= 0:
            add("amount", f"金额应为正数，而不是 {line.amount}")
        elif -line.amount.as_tuple().exponent > 2:  # type: ignore[operator]
            add("amount", f"金额最多两位小数，而不是 {line.amount}")
    for key, value in budget.prior.items():  # the growth rates divide by it: a 1E-300 would make them overflow
        if -value.as_tuple().exponent > 2:  # type: ignore[operator]
            problems.append(Problem(place(("prior", key)), f"上年数最多两位小数，而不是 {value}"))
    projects = {line.project for line in budget.lines if line.project}
    described = {p.name for p in budget.projects if p.indicators}
    index = {p.name: n for n, p in enumerate(budget.projects)}
    for name in sorted(projects - described):
        where = place(("projects", index[name], "indicators") if name in index else ("projects",))
        problems.append(Problem(where, f"项目“{name}”没有绩效目标，公开时须附项目支出绩效目标表", "warning"))
    for n, project in enumerate(budget.projects):
        if project.name not in projects:
            problems.append(Problem(place(("projects", n, "name")),
                                    f"“{project.name}”在支出明细中没有项目支出，不生成其绩效目标表", "warning"))
    return problems


class _NoName:
    name = ""
