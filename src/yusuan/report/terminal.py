"""Tables and findings drawn in the terminal with rich."""

from __future__ import annotations

import re

from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from yusuan.check.findings import Finding, Report
from yusuan.check.rules import rule_name
from yusuan.model import Table
from yusuan.report.words import PLACE_NAMES, SEVERITY_NAMES, is_rounding, kind_name


def show_tables(tables: list[Table], console: Console | None = None) -> None:
    console = console or Console()
    for table in tables:
        grid = RichTable(title=f"{table.number or ''} {table.title}（{kind_name(table.kind)}，单位：{table.unit or '?'}）",
                         show_lines=False, header_style="bold")
        for column in table.columns:
            grid.add_column(column.label or column.key, justify="right" if column.is_amount else "left")
        for row in table.rows:
            grid.add_row(*[row.raw.get(c.key, "") for c in table.columns], style="bold" if row.is_total else None)
        console.print(grid)
        if table.note:
            console.print(f"  注：{table.note}")


_STYLE = {"error": "red", "warning": "yellow", "info": "cyan"}


def _table_order(finding: Finding) -> tuple[int, int]:
    loc = finding.locations[0] if finding.locations else None
    number = int(m[1]) if loc and loc.table and (m := re.match(r"表(\d+)", loc.table)) else 999
    return number, (loc.line or 0) if loc else 0


def _where(finding: Finding) -> str:
    loc = finding.locations[0] if finding.locations else None
    if loc is None:
        return "全文"
    return loc.table or PLACE_NAMES.get(loc.kind or "", loc.kind or "全文")


def show_report(report: Report, console: Console | None = None) -> None:
    """Findings grouped by severity, then by table; a finding that follows from another is
    shown under it."""
    console = console or Console()
    doc = report.document
    console.print(f"[bold]{doc.get('unit') or ''} {doc.get('year') or ''}年"
                  f"{'决算' if doc.get('kind') == 'final' else '预算'}公开[/bold]  {doc.get('file') or ''}")
    by_id = {f.id: f for f in report.findings}
    rounding = [f for f in report.findings if is_rounding(f)]
    for severity in ("error", "warning", "info"):
        findings = sorted((f for f in report.findings if f.severity == severity and f.caused_by is None
                           and not is_rounding(f)), key=_table_order)
        count = sum(f.severity == severity and not is_rounding(f) for f in report.findings)
        if not count:
            continue
        console.rule(f"[bold {_STYLE[severity]}]{SEVERITY_NAMES[severity]}（{count}）")
        group = None
        for finding in findings:
            if _where(finding) != group:
                group = _where(finding)
                console.print(f"[bold]{group}[/bold]")
            for depth, f in ((0, finding), *((1, by_id[i]) for i in finding.follows if i in by_id)):
                indent = "      ↳ " if depth else "  "
                console.print(f"{indent}[{_STYLE[f.severity]}]{f.id}[/] {rule_name(f.rule)} [dim]{f.rule}[/dim]",
                              style="dim" if depth else None, highlight=False)
                console.print(f"{'        ' if depth else '    '}{escape(f.message)}", style="dim" if depth else None,
                              highlight=False)
    if rounding:  # one line each, after the rest: a dozen of them would push the errors off the screen
        each = report.settings.get("rounding", "0.01")
        console.rule(f"[bold {_STYLE['warning']}]尾差（{len(rounding)}）：合计与各项之和相差不超过每项 {each}")
        for f in sorted(rounding, key=_table_order):
            where = f.locations[0].describe() if f.locations else "全文"
            console.print(f"  [dim]{f.id}[/dim] {escape(where)}：{f.stated} 与 {f.expected} 相差 {f.difference}",
                          highlight=False)
    if report.localisation:
        console.rule("[bold]最可能出错的单元格（误差定位）")
        for c in report.localisation:
            where = " ".join(p for p in (c.table or "情况说明", c.row, c.column) if p)
            where += f"（第{c.line}行）" if c.line else ""
            other = f"  其他可能：{'；'.join(c.alternatives)}" if c.alternatives else ""
            explains = f"  [dim]解释 {'、'.join(c.explains)}[/dim]" if c.explains else ""
            stated = escape(c.stated or "（空）")
            console.print(f"  {escape(where)}：{stated} → [bold green]{c.likely}[/]{other}{explains}", highlight=False)
    s = report.summary
    console.print(f"错误 {s['errors']} 个，警告 {s['warnings']} 个（其中尾差 {len(rounding)} 个）；"
                  f"不适用的规则 {len(report.not_applicable)} 条（所需表格缺失"
                  + (f"：{'、'.join(rule_name(r) for r in report.not_applicable)}" if report.not_applicable else "")
                  + "）。")
