"""Performance target tables (项目支出绩效目标表) against themselves, the project table and
the narrative's summary sentence."""

from __future__ import annotations

from decimal import Decimal

from yusuan.check.context import Context
from yusuan.check.findings import Location
from yusuan.check.narrative import similar
from yusuan.check.precision import Printed
from yusuan.model import PerformanceTarget
from yusuan.model.numbers import squash

LEVELS = ("产出", "成本", "效益", "满意度")


def _loc(t: PerformanceTarget, row: str | None = None, line: int | None = None) -> Location:
    return Location(kind="performance_target", row=row or t.project, line=line or t.line,
                    page=t.source.page if t.source else None)


def check_targets(ctx: Context) -> None:
    """Not applicable to a document without target tables (completeness says they are missing)."""
    if not ctx.d.performance_targets:
        return
    settings = ctx.settings
    for t in ctx.d.performance_targets:
        if t.total is not None and t.fiscal is not None:
            expected = t.fiscal + (t.other or 0)
            if expected != t.total:
                ctx.add("performance.funds_add_up", f"“{t.project}”年度预算总额 {t.total} ≠ 财政拨款 {t.fiscal} + "
                        f"其他资金 {t.other or 0}", [_loc(t)], stated=t.total, expected=expected)
        present = {lvl for lvl in LEVELS if any(lvl in squash(i.level1) for i in t.indicators)}
        missing = [lvl for lvl in LEVELS if lvl not in present]
        # a form without a 一级指标 column (重庆's 指标名称 | 指标性质 | 指标值) classes none: nothing missing
        if missing and any(i.level1 for i in t.indicators):
            names = "、".join(m + "指标" for m in missing)
            ctx.add("performance.levels_present", f"“{t.project}”缺少一级指标：{names}", [_loc(t)])
        weights = [i.weight for i in t.indicators if i.weight is not None]
        if weights:
            total = sum(weights, Decimal(0))
            if total in settings.weight_conventions:
                ctx.add("performance.weights_total", f"“{t.project}”指标权重合计 {total}（按 {total} + "
                        f"{settings.weight_total - total} 分预算执行率的惯例）", [_loc(t)], stated=total,
                        expected=settings.weight_total, severity="warning")
            elif total != settings.weight_total:
                ctx.add("performance.weights_total", f"“{t.project}”指标权重合计 {total}，应为 {settings.weight_total}",
                        [_loc(t)], stated=total, expected=settings.weight_total)
        if t.total is not None:
            budget = Printed.of(t.total, t.amounts_raw.get("total"))  # 14.68 stands for 14.675–14.685
            costs = [i for i in t.indicators if "成本" in i.level1 and i.number is not None
                     and (i.value_unit or "").startswith("万")]
            for ind in costs:
                if ind.number > budget.hi:  # type: ignore[operator]
                    ctx.add("performance.cost_within_budget", f"“{t.project}”成本指标“{ind.level3}” {ind.value} "
                            f"超过项目预算 {t.total}", [_loc(t, ind.level3, ind.line)], stated=ind.number,
                            expected=t.total)
            # the costs a project is split into (each `≤` or `=`) add up to no more than its budget; one that
            # is the budget itself is the whole, not a part. Bounds may be loose: a warning, not an error
            parts = [i for i in costs if i.comparator in (None, "≤", "=", "<") and i.number < budget.lo]  # type: ignore[operator]
            spent = sum((i.number for i in parts), Decimal(0))  # type: ignore[misc]
            if len(parts) >= 2 and spent > budget.hi:
                ctx.add("performance.cost_within_budget", f"“{t.project}”各成本指标合计 {spent}万元，超过项目预算 "
                        f"{t.total}（{'、'.join(f'{i.level3} {i.value}' for i in parts)}）",
                        [_loc(t, parts[0].level3, parts[0].line)], stated=spent, expected=t.total,
                        severity="warning")
    _against_projects(ctx)
    _summary_sentence(ctx)


def _against_projects(ctx: Context) -> None:
    """Each project of the project table has a target table with the same fiscal amount; a
    project funded under several codes has several rows, which add up."""
    table = ctx.table("gpb_project_expense")
    if table is None:
        return
    targets = ctx.d.performance_targets
    projects: dict[str, list] = {}
    for row in table.rows:
        name = row.raw.get("project_name", "")
        if name and not row.is_total:
            projects.setdefault(squash(name), []).append(row)
    for rows in projects.values():
        name = rows[0].raw["project_name"]
        here = [Location(table=table.number, kind=table.kind, row=name, line=r.line, page=r.page) for r in rows]
        scored = sorted(((similar(name, t.project), i) for i, t in enumerate(targets)), reverse=True)
        if not scored or scored[0][0] < 0.5:
            ctx.add("performance.matches_projects", f"项目“{name}”没有绩效目标表", here)
            continue
        target = targets[scored[0][1]]
        if squash(target.project) != squash(name):
            ctx.add("text.name_differs", f"项目在{table.number}中名为“{name}”，绩效目标表中名为“{target.project}”",
                    [*here, _loc(target)])
        # the project table holds 一般公共预算 only; the target table's 财政拨款 may hold other funds too
        amount = sum((r.value("total") for r in rows), Decimal(0))
        if target.fiscal is not None and target.fiscal < amount:
            ctx.add("performance.matches_projects", f"项目“{name}”在{table.number}中为 {amount}，"
                    f"绩效目标表财政拨款只有 {target.fiscal}", [*here, _loc(target)], stated=target.fiscal,
                    expected=amount)


def _summary_sentence(ctx: Context) -> None:
    targets = ctx.d.performance_targets
    if not targets:
        return
    fiscal = [t for t in targets if t.fiscal]
    other = [t for t in targets if not t.fiscal and t.other]
    groups = {"财政拨款项目": fiscal, "非财政拨款项目": other}
    for claim in ctx.d.narrative.claims:
        if claim.subject_kind != "performance":
            continue
        label = next((k for k in ("非财政拨款项目", "财政拨款项目") if claim.subject.startswith(k)), None)
        if label is None:
            continue
        group = groups[label]
        here = Location.of_claim(claim, ctx.d.document.page_labels)
        if claim.count is not None and claim.count != len(group):
            ctx.add("performance.summary_sentence", f"情况说明称{label} {claim.count} 个，绩效目标表有 {len(group)} 个",
                    [here], stated=claim.count, expected=Decimal(len(group)))
        if claim.amount is not None:
            field = "fiscal" if label == "财政拨款项目" else "other"
            total = sum((getattr(t, field) or Decimal(0) for t in group), Decimal(0))
            if total != claim.amount:
                ctx.add("performance.summary_sentence", f"情况说明称{label}涉及 {claim.amount}，"
                        f"绩效目标表合计 {total}", [here], stated=claim.amount, expected=total)
