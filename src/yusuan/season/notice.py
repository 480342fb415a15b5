"""整改通知: for one unit, each real problem with the clause it breaks, where it is (page and cell), what
was printed and what was expected, and the day by which to correct it; as Word and as HTML."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from yusuan.check.findings import Correction, Finding
from yusuan.scoring import Method, Policy, Score, Timing
from yusuan.scoring.items import later
from yusuan.season.season import KIND_NAMES, Season, UnitSeason


@dataclass
class Problem:
    rule: str  # the check rule, or the scoring item
    what: str
    where: str
    stated: str | None
    expected: str | None
    fix: str | None  # the cell error localisation names, with its likely value
    basis: str
    requirement: str
    blocking: bool


@dataclass
class Notice:
    unit: str
    year: int | None
    kind: str
    issuer: str
    dated: date
    deadline: date  # to correct by
    region: str | None = None
    document: str | None = None  # the file the problems are in: its name, version and content hash
    score: Decimal | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"关于{self.unit}{self.year or ''}年{KIND_NAMES.get(self.kind, '预算')}公开问题的整改通知"

    @property
    def opening(self) -> str:
        kind = KIND_NAMES.get(self.kind, "预算")
        what = f"你单位{self.year or ''}年{kind}公开文件" + (f"（{self.document}）" if self.document else "")
        blocking = sum(p.blocking for p in self.problems)
        found = (f"存在以下 {len(self.problems)} 个问题" + (f"，其中 {blocking} 个须整改后方可公开" if blocking else "")
                 if self.problems else "未发现需要整改的问题")
        scored = f"，按{self.issuer}的评分方法得 {self.score} 分" if self.score is not None else ""
        return f"经检查，{what}{found}{scored}。请对照所列依据逐项整改。"

    @property
    def closing(self) -> str:
        return f"请于 {self.deadline} 前完成整改，重新公开更正后的文件，并将整改情况书面报送{self.issuer}。"

    @property
    def filename(self) -> str:
        from yusuan.files import safe_name

        return safe_name(f"{self.unit}{self.year or ''}年{KIND_NAMES.get(self.kind, '预算')}公开整改通知")


def problems_of(findings: list[Finding], corrections: list[Correction], scored: Score | None, method: Method,
                policy: Policy, timing: Timing) -> list[Problem]:
    """The problems to correct: publication first, then what blocks publication, then the rest. Findings are
    the errors that stand, each cell's mistake once; items, those not met that no finding already names."""
    out = _publication(method, policy, timing)
    fixes: dict[str, list[Correction]] = {}
    for correction in corrections:
        for fid in correction.explains:
            fixes.setdefault(fid, []).append(correction)
    for f in findings:
        if not policy.lists(f):
            continue
        basis, requirement = method.basis_of(f.rule)
        where = "；".join(loc.describe() for loc in f.locations[:2]) + ("等" if len(f.locations) > 2 else "")
        fix = "；".join(f"{' '.join(p for p in (c.table, c.row, c.column) if p)}：{c.stated} → {c.likely}"
                       for c in fixes.get(f.id, [])[:2]) or None
        more = f"（连带 {len(f.follows)} 处）" if f.follows else ""
        out.append(Problem(f.rule, f.message + more, where, _text(f.stated), _text(f.expected), fix, basis, requirement,
                           policy.blocks(f)))
    if scored is not None:
        for item in scored.failed():
            spec = method.item(item.id)
            if spec is None or spec.check in ("errors", "timeliness", "kept_public"):
                continue  # the errors are listed one by one above; publication, first
            out.append(Problem(item.id, f"{item.name}：{item.explanation}", "", None, None, None, item.basis,
                               item.requirement, item.id in policy.fatal_items))
    return sorted(out, key=lambda p: (not p.rule.startswith(("timeliness.", "manner.kept")), not p.blocking))


def _publication(method: Method, policy: Policy, timing: Timing) -> list[Problem]:
    """Published late or not yet past the deadline, or taken back: in the timeliness items' own words."""
    from yusuan.model import Disclosure
    from yusuan.scoring.items import Facts, kept_public, timeliness

    facts = Facts(Disclosure(), [], timing)
    out = []
    for item_id, check in (("timeliness.deadline", timeliness), ("manner.kept_public", kept_public)):
        item = method.item(item_id)
        outcome = check(facts, item) if item is not None else None
        if item is not None and outcome is not None and outcome.earned == 0:
            out.append(Problem(item.id, outcome.explanation, "", None, None, None, item.basis, item.requirement,
                               item.id in policy.fatal_items))
    return out


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def make_notice(unit: str, year: int | None, kind: str, problems: list[Problem], *, issuer: str, dated: date,
                method: Method, deadline: date | None = None, region: str | None = None, document: str | None = None,
                score: Decimal | None = None) -> Notice:
    return Notice(unit=unit, year=year, kind=kind, issuer=issuer, dated=dated,
                  deadline=deadline or later(dated, method.notice_days), region=region, document=document,
                  score=score, problems=problems)


def notice_html(notice: Notice) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("yusuan.season"), autoescape=select_autoescape())
    return env.get_template("notice.html").render(n=notice)


HEADERS = ("序号", "问题", "位置（页、单元格）", "公开数", "应为", "可能的更正", "依据", "是否阻止公开")


def notice_docx(notice: Notice) -> bytes:
    """The notice as a Word document: a letter, then one table row per problem (a landscape page)."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "宋体"
    style.font.size = Pt(11)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(notice.title)
    run.bold, run.font.size = True, Pt(16)
    doc.add_paragraph(f"{notice.unit}：")
    doc.add_paragraph(notice.opening).paragraph_format.first_line_indent = Pt(22)
    table = doc.add_table(rows=1, cols=len(HEADERS))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, HEADERS, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for n, p in enumerate(notice.problems, start=1):
        cells = table.add_row().cells
        values = (str(n), p.what, p.where or "—", p.stated or "—", p.expected or "—", p.fix or "—",
                  f"{p.basis}：{p.requirement}", "是" if p.blocking else "否")
        for cell, text in zip(cells, values, strict=True):
            cell.text = text
    if not notice.problems:
        doc.add_paragraph("未发现需要整改的问题。")
    doc.add_paragraph(notice.closing)
    for text in (notice.issuer, f"{notice.dated.year}年{notice.dated.month}月{notice.dated.day}日"):
        doc.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()



def unit_notice(session, season: Season, unit: UnitSeason, *, issuer: str | None = None, dated: date | None = None,
                deadline: date | None = None) -> Notice:
    """The notice of one unit of a season: its newest version's errors that stand, with the corrections
    its check's localisation named, and the items it does not meet."""
    from yusuan.store.season import report_of

    e = unit.entry
    corrections = []
    if e.version_id is not None:
        kept = report_of(session, e.version_id) or {}
        corrections = [Correction.model_validate(c) for c in kept.get("localisation", [])]
    newest = e.versions[-1] if e.versions else None
    document = f"{newest.filename}，第{newest.number}版，SHA-256 {newest.sha256[:12]}…" if newest else None
    problems = problems_of(unit.findings, corrections, unit.scored, season.method, season.policy, unit.timing)
    return make_notice(e.unit, season.year, season.kind, problems, issuer=issuer or f"{season.region}财政部门",
                       dated=dated or season.as_of, method=season.method, deadline=deadline, region=season.region,
                       document=document, score=e.score)
