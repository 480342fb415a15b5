"""The check report as one standalone HTML file: each table as published with its flagged
cells highlighted, and the narrative with wrong claims marked."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from yusuan.check.cells import CLAIM_FIELDS
from yusuan.check.findings import Finding, Report, kind_name
from yusuan.check.rules import rule_name
from yusuan.model import Disclosure, Paragraph
from yusuan.render.grid import header_rows  # a header cell on its own columns, spanning down where need be
from yusuan.report.reading import reading_text
from yusuan.report.words import SEVERITY_NAMES, is_rounding

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


def paragraph_key(paragraph: int | None, line: int | None) -> tuple:
    """A narrative paragraph: its index in the narrative (every reader gives one), else its source line."""
    return ("narrative", paragraph) if paragraph is not None else ("narrative-line", line)


def render_html(report: Report, disclosure: Disclosure) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("yusuan.report"), autoescape=select_autoescape())
    by_id = {f.id: f for f in report.findings}
    marks: dict[tuple, Mark] = {}
    table_notes: dict[str | None, list[Finding]] = {}
    paragraph_findings: dict[tuple, list[Finding]] = {}
    anchors: dict[tuple, list[str]] = {}  # a finding's first cell carries `cell-F3`, so a link can open it
    for finding in report.findings:
        for n, loc in enumerate(finding.locations):
            narrative = loc.kind == "narrative"
            where = (paragraph_key(loc.paragraph, loc.line) if narrative
                     else cell_key(loc.table, loc.line, loc.row, loc.column_key))
            if n == 0:
                anchors.setdefault(where, []).append(finding.id)
            if narrative:
                if finding not in paragraph_findings.setdefault(where, []):
                    paragraph_findings[where].append(finding)
                continue
            if loc.table:
                notes = table_notes.setdefault(loc.table, [])
                if finding not in notes:
                    notes.append(finding)
            old = marks.get(where)
            if old is None or _RANK[finding.severity] < _RANK[old.severity]:
                marks[where] = Mark(finding.severity, f"{finding.id} {finding.message}")
    keys = {(t.number, col.label): col.key for t in disclosure.tables for col in t.columns}
    for c in report.localisation:
        key = cell_key(c.table, c.line, c.row, keys.get((c.table, c.column)))
        if c.table and key[2]:
            marks.setdefault(key, Mark("warning", f"误差定位：最可能为 {c.likely}")).fix = c.likely

    def follows(finding: Finding) -> list[Finding]:
        return [by_id[i] for i in finding.follows if i in by_id]

    def keys_of(n: int, paragraph: Paragraph) -> list[tuple]:
        line = paragraph.source.line if paragraph.source else None
        return [paragraph_key(n, None)] + ([paragraph_key(None, line)] if line is not None else [])

    def findings_of(n: int, paragraph: Paragraph) -> list[Finding]:
        return [f for key in keys_of(n, paragraph) for f in paragraph_findings.get(key, [])]

    def paragraph_anchors(n: int, paragraph: Paragraph) -> list[str]:
        return [a for key in keys_of(n, paragraph) for a in take(key)]

    fields = {name: key for key, name in CLAIM_FIELDS.items()}

    def highlight(n: int, paragraph: Paragraph) -> Markup:
        """The paragraph with the figures its findings are about marked: of the claim each names (by subject),
        the figure of its column (占比, 金额 …), or all of the claim's figures where it names none."""
        text = escape(paragraph.text)
        line = paragraph.source.line if paragraph.source else None
        claims = [c for c in disclosure.narrative.claims
                  if (c.paragraph == n if c.paragraph is not None else line is not None and c.line == line)]
        wrong: list[str] = []
        for finding in findings_of(n, paragraph):
            if not finding.rule.startswith(("narrative", "other")):
                continue
            for loc in finding.locations:
                if loc.kind != "narrative":
                    continue
                key = loc.column_key or fields.get(loc.column or "")
                # a subject's sentences may be several claims: the one that printed the figure the finding names
                named = [c for c in claims if c.subject == loc.row]
                said = [c for c in named if key in c.raw]
                said = [c for c in said if getattr(c, key, None) == finding.stated] or said
                wrong += [c.raw[key] for c in said] or [v for c in named for v in c.raw.values()]
        for raw in dict.fromkeys(wrong):
            text = Markup(str(text).replace(str(escape(raw)), f'<mark class="bad">{escape(raw)}</mark>', 1))
        return Markup(text)

    row_anchors: dict[tuple, int] = {}  # the first row of each code in each table: a search hit links to it
    for t in disclosure.tables:
        for n, row in enumerate(t.rows):
            if row.code:
                row_anchors.setdefault((t.number, row.code), n)

    # narrative findings that name no paragraph: their links open the narrative's heading
    placed = {k for n, p in enumerate(disclosure.narrative.paragraphs) for k in keys_of(n, p)}
    unplaced = [a for key, found in anchors.items() if key[0] in ("narrative", "narrative-line") and key not in placed
                for a in found]

    # a finding whose first place the report does not draw (a performance target table, the overview) opens its own
    # row of the findings
    drawn = {cell_key(t.number, src.line if (src := row.source.get(col.key)) else row.line, row.key, col.key)
             for t in disclosure.tables for row in t.rows for col in t.columns} | placed
    elsewhere = {a for key, found in anchors.items() if key not in drawn and key[0] not in ("narrative", "narrative-line")
                 for a in found}

    def take(key: tuple) -> list[str]:
        """The anchors of a place, once: a PDF may print two rows alike (one unit's name twice), and an id is one."""
        return anchors.pop(key, [])

    template = env.get_template("check.html")
    main = [f for f in report.findings if not f.caused_by and not is_rounding(f)]
    return template.render(
        doc=disclosure.document, summary=report.summary, findings=main, reading=reading_text(report.reading),
        rounding=[f for f in report.findings if is_rounding(f)], localisation=report.localisation,
        not_applicable=report.not_applicable, tables=disclosure.tables, marks=marks, take=take, cell_key=cell_key,
        table_notes=table_notes, row_anchors=row_anchors, unplaced=unplaced, elsewhere=elsewhere, findings_of=findings_of,
        paragraph_anchors=paragraph_anchors,
        paragraphs=disclosure.narrative.paragraphs, follows=follows, rule_name=rule_name, kind_name=kind_name,
        header_rows=header_rows, highlight=highlight, severity_names=SEVERITY_NAMES,
    )
