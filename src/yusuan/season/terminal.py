"""A score and a region's season drawn in the terminal with rich."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from yusuan.scoring import STATUS_NAMES, Score
from yusuan.season.season import KIND_NAMES, SeasonOut

_STYLE = {"pass": "green", "partial": "yellow", "fail": "red", "not_applicable": "dim"}


_MARK = {"pass": "✓", "partial": "◐", "fail": "✗", "not_applicable": "–"}


def show_score(scored: Score, console: Console | None = None) -> None:
    """The total, each dimension, then item by item: its result and points, why, and the clause."""
    console = console or Console()
    doc = scored.document
    console.print(f"[bold]{doc.get('unit') or ''} {doc.get('year') or ''}年{KIND_NAMES.get(doc.get('kind') or '', '预算')}公开"
                  f"  得分 {scored.score}[/bold]（{scored.points}/{scored.possible} 分，按适用的评分项折算为百分制）",
                  highlight=False)
    console.print(f"[dim]{escape(scored.title)}[/dim]  " + "  ".join(f"{d.name} {d.points}/{d.possible}"
                                                                      for d in scored.dimensions), highlight=False)
    dimension = None
    for item in scored.items:
        if item.dimension != dimension:
            dimension = item.dimension
            console.rule(f"[bold]{next(d.name for d in scored.dimensions if d.id == dimension)}")
        style = _STYLE[item.status]
        console.print(f"[{style}]{_MARK[item.status]} {escape(item.name)}[/] [dim]{item.id}[/dim]  "
                      f"{STATUS_NAMES[item.status]} {item.points}/{item.possible}", highlight=False)
        console.print(f"    {escape(item.explanation)}" + (f" [dim]（{'、'.join(item.findings[:8])}）[/dim]"
                                                            if item.findings else ""), highlight=False)
        console.print(f"    [dim]依据：{escape(item.basis)}：{escape(item.requirement)}[/dim]", highlight=False)


def show_season(season: SeasonOut, console: Console | None = None) -> None:
    console = console or Console()
    counts = "、".join(f"{name} {season.counts[key]}" for key, name in
                      (("missing", "未公开"), ("overdue", "逾期"), ("published", "已公开"), ("withdrawn", "已撤回"),
                       ("amended", "已修改")))
    console.print(f"[bold]{season.region} {season.year}年{KIND_NAMES[season.kind]}公开检查[/bold]（截至 {season.as_of}）  "
                  f"{season.total} 个单位：{counts}", highlight=False)
    console.print(f"  平均分：已公开的 {season.score_published if season.score_published is not None else '—'}，"
                  f"全部（未公开计 0 分）{season.score_all if season.score_all is not None else '—'}；" +
                  "  ".join(f"{d.name} {d.percent if d.percent is not None else '—'}%" for d in season.dimensions),
                  highlight=False)
    grid = Table(header_style="bold")
    for name in ("部门", "单位", "状态", "截止", "天数", "得分", "阻止公开", "警告"):
        grid.add_column(name)
    for e in season.entries:
        days = f"剩 {e.days_left}" if e.days_left is not None else f"逾期 {e.days_late}" if e.days_late else ""
        grid.add_row(e.department, e.unit, e.status_name + ("（截止后修改）" if e.late_change else ""),
                     str(e.deadline or "—"), days, str(e.score) if e.score is not None else "—",
                     f"[red]{len(e.blocking)}[/]" if e.blocking else "0", str(len(e.warnings)))
    console.print(grid)
