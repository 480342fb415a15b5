"""Tables and findings drawn in the terminal with rich."""

from __future__ import annotations

import re

from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from yusuan.check.findings import Finding, Report, kind_name
from yusuan.check.rules import rule_name
from yusuan.model import Table
from yusuan.report.reading import reading_text
from yusuan.report.words import SEVERITY_NAMES, is_rounding


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
    return loc.table or kind_name(loc.kind) or "全文"


def _with_page(finding: Finding) -> str:
    """The message, and the page a reviewer turns to where it names none (a narrative's sentence)."""
    at = next((loc for loc in finding.locations if loc.page), None)
    if at is None or at.page_text() in finding.message:
        return finding.message
    return f"{finding.message}（见{at.page_text()}）"


SHOWN = 8  # of each list of doubts; the HTML report and the web page list them all


def _show_reading(report: Report, console: Console) -> None:
    """What was read, before any finding: the findings stand on it, and what was not is read by hand."""
    text = reading_text(report.reading)
    console.print(f"[bold]读取情况[/bold] {escape(text.summary)}", highlight=False)
    for title, lines in (("目录列出而未读到的表", text.not_read), ("未能读懂的部分（请人工核对，不据此判错）", text.unread),
                         ("读取提示（这些单元格未用于判错）", text.notices)):
        if not lines:
            continue
        console.print(f"  {title}：", style="yellow")
        for line in lines[:SHOWN]:
            console.print(f"    {escape(line)}", highlight=False)
        if len(lines) > SHOWN:
            console.print(f"    …另 {len(lines) - SHOWN} 处（-f html 的报告全部列出）", style="dim")


def show_report(report: Report, console: Console | None = None) -> None:
    """Findings grouped by severity, then by table; a finding that follows from another is
    shown under it."""
    console = console or Console()
    doc = report.document
    console.print(f"[bold]{doc.get('unit') or ''} {doc.get('year') or ''}年"
                  f"{'决算' if doc.get('kind') == 'final' else '预算'}公开[/bold]  {doc.get('file') or ''}")
    _show_reading(report, console)
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
                console.print(f"{'        ' if depth else '    '}{escape(_with_page(f))}", style="dim" if depth else None,
                              highlight=False)
    for f in rounding:  # after the rest, the places on one line: a dozen would push the errors off the screen
        console.rule(f"[bold {_STYLE['info']}]尾差")
        console.print(f"  {escape(f.message)}", highlight=False)
        console.print(f"  {escape('；'.join(loc.describe() for loc in f.locations))}", style="dim", highlight=False)
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
    console.print(f"错误 {s['errors']} 个，警告 {s['warnings']} 个；"
                  f"不适用的规则 {len(report.not_applicable)} 条（所需表格缺失"
                  + (f"：{'、'.join(rule_name(r) for r in report.not_applicable)}" if report.not_applicable else "")
                  + "）。")
