"""A region's season as one workbook: each unit's publication and score (汇总), its score item by item
(评分明细), every problem to correct with its clause (问题清单), and how it was worked out (说明)."""

from __future__ import annotations

import io

from yusuan.scoring import STATUS_NAMES
from yusuan.season.notice import Problem
from yusuan.season.season import KIND_NAMES, Season

SUMMARY = ("部门", "单位", "级次", "状态", "批复日期", "截止日期", "公开日期", "剩余天数", "逾期天数", "截止后修改", "版本数",
           "得分", "错误", "阻止公开", "仅警告", "公开网址")


def summary_workbook(season: Season, problems: dict[int, list[Problem]]) -> bytes:
    """`problems` by unit id, as the units' notices list them."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    _row(ws, 1, SUMMARY, bold=Font(bold=True))
    for r, u in enumerate(season.units, start=2):
        e = u.entry
        _row(ws, r, (e.department, e.unit, e.scope or "", e.status_name, _day(e.approved_on), _day(e.deadline),
                     _day(e.published_on), e.days_left, e.days_late, "是" if e.late_change else "", len(e.versions),
                     e.score, e.errors, len(e.blocking), len(e.warnings),
                     e.url or ""))
    ws.freeze_panes = "C2"

    items = wb.create_sheet("评分明细")
    method = season.method
    _row(items, 1, ("部门", "单位", "得分", *(f"{i.name}（{i.points}分）" for i in method.items)), bold=Font(bold=True))
    for r, u in enumerate((u for u in season.units if u.scored), start=2):
        by_id = {i.id: i for i in u.scored.items}  # type: ignore[union-attr]
        _row(items, r, (u.entry.department, u.entry.unit, u.entry.score,
                        *(by_id[i.id].points if by_id[i.id].status != "not_applicable" else STATUS_NAMES["not_applicable"]
                          for i in method.items)))
    items.freeze_panes = "D2"

    listed = wb.create_sheet("问题清单")
    _row(listed, 1, ("部门", "单位", "序号", "问题", "规则或评分项", "位置（页、单元格）", "公开数", "应为", "可能的更正", "依据",
                     "要求", "阻止公开"), bold=Font(bold=True))
    r = 2
    for u in season.units:
        for n, p in enumerate(problems.get(u.entry.unit_id, []), start=1):
            _row(listed, r, (u.entry.department, u.entry.unit, n, p.what, p.rule, p.where, p.stated or "", p.expected or "",
                             p.fix or "", p.basis, p.requirement, "是" if p.blocking else "否"))
            r += 1
    listed.freeze_panes = "D2"

    about = wb.create_sheet("说明")
    out = season.out()
    lines = [("地区", season.region), ("年度", f"{season.year}年{KIND_NAMES[season.kind]}"), ("统计日期", _day(season.as_of)),
             ("评分方法", f"{method.title}（{method.name}）"), ("公开时限", f"批复后 {method.deadline_days} 日内"),
             ("单位数", len(season.units)),
             *((f"状态：{name}", out.counts[key]) for key, name in (("missing", "未公开"), ("overdue", "逾期"),
               ("published", "已公开"), ("withdrawn", "已撤回"), ("amended", "已修改"))),
             ("已公开单位的平均分", out.score_published if out.score_published is not None else ""),
             ("全部单位的平均分（未公开计 0 分）", out.score_all if out.score_all is not None else ""),
             *((f"{d.name}得分率（%）", d.percent if d.percent is not None else "") for d in out.dimensions),
             ("阻止公开的规则", "、".join(season.policy.fatal_rules)), ("阻止公开的评分项", "、".join(season.policy.fatal_items))]
    for r, (label, value) in enumerate(lines, start=1):
        _row(about, r, (label, value))
    for sheet, widths in ((ws, {"A": 24, "B": 28}), (items, {"A": 24, "B": 28}), (listed, {"A": 20, "B": 24, "D": 60, "F": 30}),
                          (about, {"A": 34, "B": 60})):
        for column, width in widths.items():
            sheet.column_dimensions[column].width = width
    data = io.BytesIO()
    wb.save(data)
    return data.getvalue()


def _row(ws, r: int, values, bold=None) -> None:
    from yusuan.spreadsheet import put

    for c, value in enumerate(values, start=1):
        cell = put(ws, r, c, value)
        if bold is not None:
            cell.font = bold


def _day(value) -> str:
    return value.isoformat() if value else ""
