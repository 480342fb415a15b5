"""A published disclosure → budget data, so that next year starts from last year's.

The published tables are marginals of the fact table: 一般公共预算 basic expense by 项
(一般公共预算支出表) and by economic 款 (基本支出表), projects by 项 and economic 类 (项目支出表),
every source by 项 (收入总表). Lines are laid out so that each table is reproduced exactly:
equal amounts are paired first, the rest filled in order (the north-west corner rule)."""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal

from yusuan.budget.model import SOURCES, Budget, LineItem, Project, TargetIndicator, Unit
from yusuan.build.views import ECONOMIC_CLASSES
from yusuan.check.findings import Report
from yusuan.check.narrative import similar
from yusuan.model import Disclosure, Table, code_level

ZERO = Decimal(0)
# an economic 类 printed only as a column of 项目支出表 is booked to its 其他… 款
OTHER_OF_CLASS = {"301": ("30199", "其他工资福利支出"), "302": ("30299", "其他商品和服务支出"),
                  "303": ("30399", "其他对个人和家庭的补助"), "307": ("30701", "国内债务付息"),
                  "309": ("30999", "其他基本建设支出"), "310": ("31099", "其他资本性支出"),
                  "311": ("31199", "其他对企业补助"), "312": ("31299", "其他对企业补助"),
                  "313": ("31399", "其他对社会保障基金补助"), "399": ("39999", "其他支出")}
_REASON = re.compile(r"(?:主要)?原因[是为：:]+\s*([^；;。]+)")


def _leaves(table: Table | None, keys: tuple[str, ...]) -> dict[str, dict[str, Decimal]]:
    """项 rows (7-digit codes) of a functional table: code → column → amount."""
    out: dict[str, dict[str, Decimal]] = {}
    if table is None:
        return out
    for row in table.rows:
        if row.code and len(row.code) == 7 and not row.is_total:
            into = out.setdefault(row.code, defaultdict(Decimal))
            for key in keys:
                into[key] += row.value(key)
    return out


def _fill(supply: list[tuple[str, Decimal]], demand: list[tuple[str, Decimal]]) -> list[tuple[str, str, Decimal]]:
    """Cells (s, d, amount) whose row sums are the supplies and column sums the demands:
    equal amounts paired first, the rest by the north-west corner rule."""
    supply = [(k, v) for k, v in supply if v]
    demand = [(k, v) for k, v in demand if v]
    out: list[tuple[str, str, Decimal]] = []
    for i, (sk, sv) in enumerate(supply):
        j = next((j for j, (_, dv) in enumerate(demand) if dv == sv), None)
        if j is not None:
            out.append((sk, demand[j][0], sv))
            supply[i] = (sk, ZERO)
            demand[j] = (demand[j][0], ZERO)
    s = [[k, v] for k, v in supply if v]
    d = [[k, v] for k, v in demand if v]
    i = j = 0
    while i < len(s) and j < len(d):
        take = min(s[i][1], d[j][1])
        out.append((s[i][0], d[j][0], take))
        s[i][1] -= take
        d[j][1] -= take
        if s[i][1] == 0:
            i += 1
        if d[j][1] == 0:
            j += 1
    return out


def extract(d: Disclosure) -> tuple[Budget, list[str]]:
    """The budget data behind a disclosure, and what had to be assumed on the way."""
    notes: list[str] = []
    lines: list[LineItem] = []
    names: dict[str, str] = {}
    for table in d.tables:
        for row in table.rows:
            if row.code and row.name:
                names.setdefault(row.code, row.name)

    gpb_basic_by_code = {c: v["basic"] for c, v in _leaves(d.table("gpb_expense"), ("basic",)).items()}
    basic = d.table("gpb_basic_expense")
    econ_cells: list[tuple[str, Decimal]] = []
    if basic is not None:
        for row in basic.rows:
            if row.code and len(row.code) == 5 and not row.is_total:
                for kind in ("personnel", "public"):
                    econ_cells.append((f"{row.code}:{kind}", row.value(kind)))
    for code, econ, amount in _fill(sorted(gpb_basic_by_code.items()), econ_cells):
        economic, kind = econ.split(":")
        lines.append(LineItem(source="gpb", functional=code, economic=economic, kind=kind, amount=amount))  # type: ignore[arg-type]
    if sum(gpb_basic_by_code.values(), ZERO) != sum((v for _, v in econ_cells), ZERO):
        notes.append("一般公共预算支出表的基本支出与基本支出表合计不一致，按较小者拆分")

    projects = d.table("gpb_project_expense")
    if projects is not None:
        for row in projects.rows:
            if not row.code or len(row.code) != 7 or row.is_total:
                continue
            for cls, (key, _) in ECONOMIC_CLASSES.items():
                amount = row.value(key)
                if amount:
                    code, name = OTHER_OF_CLASS[cls]
                    names.setdefault(code, name)
                    lines.append(LineItem(source="gpb", functional=row.code, economic=code, kind="project",
                                          project=row.raw.get("project_name") or None, amount=amount))
    _unlisted_projects(d, lines, notes)
    _other_sources(d, lines, notes)
    budget = Budget(unit=_unit(d), money_unit=d.document.money_unit or "万元", lines=lines, names=names,
                    projects=_projects(d, lines, notes))
    _prior(d, budget)
    return budget, notes


def _unlisted_projects(d: Disclosure, lines: list[LineItem], notes: list[str]) -> None:
    """Project money 一般公共预算支出表 has under a 项 and 项目支出表 does not list: booked to the
    project whose target table accounts for exactly that much more, else to an unnamed project."""
    listed: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        if line.kind == "project":
            listed[line.functional] += line.amount
    per_project: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        if line.kind == "project" and line.project:
            per_project[line.project] += line.amount
    short = {name: d.performance_targets[k].fiscal - per_project[name]
             for k, name in _match_targets(d, list(per_project)).items() if d.performance_targets[k].fiscal}
    for code, per in sorted(_leaves(d.table("gpb_expense"), ("project",)).items()):
        gap = per["project"] - listed.get(code, ZERO)
        if gap <= 0:
            continue
        project = next((name for name, missing in short.items() if missing == gap), None)
        names = project or "其他项目"
        lines.append(LineItem(source="gpb", functional=code, economic="30299", kind="project", project=names,
                              amount=gap))
        notes.append(f"{code}：项目支出表少列 {gap}，记入项目“{names}”")


def _other_sources(d: Disclosure, lines: list[LineItem], notes: list[str]) -> None:
    """Sources other than 一般公共预算: 收入总表 by 项, split into basic and project by 支出总表."""
    income = _leaves(d.table("income"), tuple(SOURCES))
    expense = _leaves(d.table("expense"), ("basic", "project"))
    gpb = _leaves(d.table("gpb_expense"), ("basic", "project"))
    for code, per in sorted(income.items()):
        other = [(s, per[s]) for s in SOURCES if s not in ("gpb", "gpb_transfer") and per[s]]
        if not other:
            continue
        left = {k: expense.get(code, {}).get(k, ZERO) - gpb.get(code, {}).get(k, ZERO) for k in ("basic", "project")}
        for source, kind, amount in _fill(other, sorted(left.items())):
            # other funds print no economic detail: 其他商品和服务支出 holds them
            lines.append(LineItem(source=source, functional=code, economic="30299",  # type: ignore[arg-type]
                                  kind="public" if kind == "basic" else "project",
                                  project=f"{SOURCES[source]}安排的项目" if kind == "project" else None, amount=amount))
        if sum((v for _, v in other), ZERO) != sum(left.values(), ZERO):
            notes.append(f"{code}：收入总表的其他资金与支出总表不一致")


def _unit(d: Disclosure) -> Unit:
    o = d.overview
    return Unit(name=d.document.unit or "", year=d.document.year or 0, scope=d.document.scope or "部门",
                functions=o.functions, organisation=o.organisation or "", staffing=o.staffing,
                staffing_changes=o.staffing_changes, date=d.document.date)


def _projects(d: Disclosure, lines: list[LineItem], notes: list[str]) -> list[Project]:
    """The target tables, each under the name its project has in the project table."""
    matched = _match_targets(d, list(dict.fromkeys(line.project for line in lines if line.project)))
    out = []
    for k, t in enumerate(d.performance_targets):
        name = matched.get(k, t.project)
        if name != t.project:
            notes.append(f"绩效目标表“{t.project}”对应项目支出表的“{name}”")
        out.append(Project(name=name, owner=t.owner or "", goal=t.goal or "", indicators=[
            TargetIndicator(level1=i.level1, level2=i.level2, level3=i.level3, value=i.value, basis=i.basis or "",
                            prior=i.prior or "", weight=i.weight or ZERO, rule=i.rule or "", evidence=i.evidence or "")
            for i in t.indicators]))
    return out


def _match_targets(d: Disclosure, names: list[str]) -> dict[int, str]:
    """Target table (by index) → the project it is about: each matched once, the closest first."""
    pairs = sorted(((similar(n, t.project), n, k) for n in names for k, t in enumerate(d.performance_targets)),
                   reverse=True)
    matched: dict[int, str] = {}
    for score, name, k in pairs:
        if score >= 0.5 and k not in matched and name not in matched.values():
            matched[k] = name
    return matched


def _prior(d: Disclosure, budget: Budget) -> None:
    """Last year's figures: each claim's amount less its change; and the reason it gives."""
    for claim in d.narrative.claims:
        if claim.amount is None or claim.change is None:
            continue
        key = _subject_key(claim.subject, claim.subject_kind, claim.section or "")
        if key is None or key in budget.prior:
            continue
        budget.prior[key] = claim.amount - claim.change
        m = _REASON.search(claim.text[claim.text.find(claim.subject):] if claim.subject in claim.text else claim.text)
        if m:
            budget.reasons[key] = m[1].strip()


def _subject_key(subject: str, kind: str, section: str) -> str | None:
    if kind == "income_source":
        return next((f"income:{s}" for s, name in sorted(SOURCES.items(), key=lambda kv: -len(kv[1]))
                     if name.split("（")[0] in subject), None)
    if kind in ("basic", "project"):
        return f"gpb:{kind}" if "一般公共预算" in section else f"expense:{kind}"
    if kind == "office_running":
        return "office_running"
    return None


def corrected(d: Disclosure, report: Report | None = None) -> tuple[Disclosure, list[str]]:
    """The disclosure with the cells `yusuan check` localises set to their likely values, and
    what was changed: where the published tables contradict each other. `report`: the document's
    check, when it was checked already."""
    from yusuan.check.engine import check

    report = report or check(d)
    fixed = d.model_copy(deep=True)
    changes = []
    for c in report.localisation:
        table = fixed.find_table(c.table) if c.table else None
        if table is None:
            continue  # a narrative figure: the tables are what the data comes from
        for row in table.rows:
            source_lines = {s.line for s in row.source.values()}
            if c.line not in source_lines and row.line != c.line:
                continue
            if c.column == "编码":
                row.code, row.level = c.likely, code_level(c.likely)
            else:
                column = next((col for col in table.columns if col.label == c.column), None)
                if column is None:
                    continue
                row.values[column.key] = Decimal(c.likely)
                row.raw[column.key] = c.likely
            changes.append(f"{c.table} {c.row} {c.column}：{c.stated or '（空）'} → {c.likely}")
            break
    return fixed, changes
