"""The check report as one standalone HTML file: each table as published with its flagged
cells highlighted, and the narrative with wrong claims marked."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from yusuan.check.findings import Finding, Report
from yusuan.model import Disclosure, Paragraph, Table
from yusuan.report.words import SEVERITY_NAMES

_RANK = {"error": 0, "warning": 1, "info": 2}


@dataclass
class Mark:
    severity: str
    text: str
    fix: str | None = None


def cell_key(table: str | None, line: int | None, row: str | None, column: str | None) -> tuple:
    """A printed cell: its table, its line (text, Word, Excel, HTML), else its row's code or label
    (PDF cells have a page and no line), and its column."""
    return table, line if line is not None else row, column


def render_html(report: Report, disclosure: Disclosure) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("yusuan.report"), autoescape=select_autoescape())
    by_id = {f.id: f for f in report.findings}
    marks: dict[tuple, Mark] = {}
    table_notes: dict[str | None, list[Finding]] = {}
    line_findings: dict[int | None, list[Finding]] = {}
    anchors: dict[tuple, list[str]] = {}  # a finding's first cell carries `cell-F3`, so a link can open it
    for finding in report.findings:
        for n, loc in enumerate(finding.locations):
            if n == 0:
                where = ("narrative", loc.line) if loc.kind == "narrative" else cell_key(loc.table, loc.line, loc.row,
                                                                                          loc.column_key)
                anchors.setdefault(where, []).append(finding.id)
            if loc.kind == "narrative":
                line_findings.setdefault(loc.line, []).append(finding)
                continue
            if loc.table:
                notes = table_notes.setdefault(loc.table, [])
                if finding not in notes:
                    notes.append(finding)
            key = cell_key(loc.table, loc.line, loc.row, loc.column_key)
            old = marks.get(key)
            if old is None or _RANK[finding.severity] < _RANK[old.severity]:
                marks[key] = Mark(finding.severity, f"{finding.id} {finding.message}")
    keys = {(t.number, col.label): col.key for t in disclosure.tables for col in t.columns}
    for c in report.localisation:
        key = cell_key(c.table, c.line, c.row, keys.get((c.table, c.column)))
        if c.table and key[2]:
            marks.setdefault(key, Mark("warning", f"误差定位：最可能为 {c.likely}")).fix = c.likely

    def follows(finding: Finding) -> list[Finding]:
        return [by_id[i] for i in finding.follows if i in by_id]

    def header_rows(table: Table) -> list[list]:
        rows: dict[int, list] = {}
        for h in table.header:
            rows.setdefault(h.row, []).append(h)
        return [sorted(r, key=lambda h: h.col) for _, r in sorted(rows.items())]

    def highlight(paragraph: Paragraph) -> Markup:
        text = escape(paragraph.text)
        line = paragraph.source.line if paragraph.source else None
        for claim in disclosure.narrative.claims:
            if claim.line != line or not any(f.rule.startswith("narrative") or f.rule.startswith("other")
                                             for f in line_findings.get(line, [])):
                continue
            for raw in claim.raw.values():
                text = Markup(str(text).replace(str(escape(raw)), f'<mark class="bad">{escape(raw)}</mark>', 1))
        return Markup(text)

    template = env.get_template("check.html")
    return template.render(
        doc=disclosure.document, summary=report.summary, findings=report.findings, localisation=report.localisation,
        not_applicable=report.not_applicable, tables=disclosure.tables, marks=marks, anchors=anchors, cell_key=cell_key,
        table_notes=table_notes,
        line_findings=line_findings, paragraphs=disclosure.narrative.paragraphs, follows=follows,
        header_rows=header_rows, highlight=highlight, severity_names=SEVERITY_NAMES,
    )
