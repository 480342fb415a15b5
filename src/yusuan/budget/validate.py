"""Budget data checked on load: every problem with where it is (sheet, row, column)."""

from __future__ import annotations

from dataclasses import dataclass

from yusuan import catalog
from yusuan.budget.model import Budget

PERSONNEL = ("301", "303")  # 人员经费: 工资福利 and 对个人和家庭的补助
PUBLIC = ("302", "310", "399")  # 公用经费: 商品和服务, some 资本性支出


@dataclass
class Problem:
    sheet: str
    row: int | None
    column: str
    message: str
    severity: str = "error"  # a warning is shown and the build goes on

    def __str__(self) -> str:
        where = f"“{self.sheet}”表" + (f"第{self.row}行" if self.row else "") + (f"“{self.column}”列" if self.column else "")
        return f"{where}：{self.message}"


def validate(budget: Budget, rows: dict[int, int] | None = None) -> list[Problem]:
    """`rows` maps a line's index to its row in the workbook, when it came from one."""
    problems: list[Problem] = []
    year = budget.unit.year
    sheet = "支出明细"
    for n, line in enumerate(budget.lines):
        row = (rows or {}).get(n, n + 1)

        def add(column: str, message: str, row: int = row) -> None:
            problems.append(Problem(sheet, row, column, message))

        kind = catalog.classify(line.functional)
        if kind != "functional":
            add("功能分类科目编码", f"{line.functional} 不是支出功能分类的项级编码")
        elif catalog.lookup(line.functional, year) is None and line.functional not in budget.names:
            add("功能分类科目编码", f"{line.functional} 不在{year}年前后的分类目录中，请在“科目名称”表给出它的名称")
        if catalog.classify(line.economic) != "economic_department":
            add("经济分类科目编码", f"{line.economic} 不是部门预算支出经济分类的款级编码")
        elif catalog.lookup(line.economic, year) is None and line.economic not in budget.names:
            add("经济分类科目编码", f"{line.economic} 不在分类目录中，请在“科目名称”表给出它的名称")
        if line.kind == "personnel" and not line.economic.startswith(PERSONNEL):
            add("经济分类科目编码", f"人员经费应为工资福利支出（301）或对个人和家庭的补助（303），而不是 {line.economic}")
        if line.kind == "public" and not line.economic.startswith(PUBLIC):
            add("经济分类科目编码", f"公用经费应为商品和服务支出（302）等，而不是 {line.economic}")
        name = budget.names.get(line.functional) or (catalog.lookup(line.functional, year) or _NoName).name
        if line.kind == "project" and "行政运行" in name:
            problems.append(Problem(sheet, row, "支出类型", f"{line.functional}（{name}）通常只安排基本支出", "warning"))
        if line.kind != "project" and "一般行政管理事务" in name:
            add("支出类型", f"{line.functional}（{name}）只安排项目支出，不能列基本支出")
        if line.kind == "project" and not line.project:
            add("项目名称", "项目支出须写明项目名称")
        if line.kind != "project" and line.project:
            add("项目名称", "基本支出不属于项目，项目名称应留空")
        if line.amount <= 0:
            add("金额", f"金额应为正数，而不是 {line.amount}")
        elif -line.amount.as_tuple().exponent > 2:  # type: ignore[operator]
            add("金额", f"金额最多两位小数，而不是 {line.amount}")
    projects = {line.project for line in budget.lines if line.project}
    described = {p.name for p in budget.projects if p.indicators}
    for name in sorted(projects - described):
        problems.append(Problem("绩效指标", None, "项目名称", f"项目“{name}”没有绩效目标，公开时须附项目支出绩效目标表",
                                "warning"))
    for n, project in enumerate(budget.projects, start=1):
        if project.name not in projects:
            problems.append(Problem("项目", n, "项目名称", f"“{project.name}”在支出明细中没有项目支出，不生成其绩效目标表",
                                    "warning"))
    return problems


class _NoName:
    name = ""
