"""One check run: build the identities, evaluate them, apply the other rules, localise,
and group each finding under the one it follows from."""

from __future__ import annotations

from yusuan.check.codes import check_codes
from yusuan.check.completeness import check_completeness, check_empty_fund_tables
from yusuan.check.context import Context
from yusuan.check.evaluate import evaluate
from yusuan.check.findings import Finding, Reading, Report, TableRead
from yusuan.check.identities import add_missing_rows, table_identities
from yusuan.check.localise import localise
from yusuan.check.narrative import claim_identities
from yusuan.check.performance import check_targets
from yusuan.check.rules import Settings, rules
from yusuan.check.sections import check_narrative, check_other_sections
from yusuan.check.wording import check_wording
from yusuan.model import Disclosure
from yusuan.registry import registry

_ORDER = {"reading": -1, "text": 0, "catalog": 1, "row": 2, "hierarchy": 3, "summary": 4, "cross": 5, "narrative": 6,
          "other": 7, "performance": 8, "completeness": 9}
_SEVERITY = {"error": 0, "warning": 1, "info": 2}


def check(disclosure: Disclosure, settings: Settings | None = None) -> Report:
    settings = settings or Settings()
    # the check's own view: cross rules append the rows a table lacks to these row lists
    tables = [t.model_copy(update={"rows": list(t.rows)}) for t in disclosure.tables]
    ctx = Context(disclosure.model_copy(update={"tables": tables}), rules(settings), settings)
    check_codes(ctx)
    ctx.cells.virtual = add_missing_rows(ctx.d, ctx.rules)
    ctx.identities = [*table_identities(ctx.d, ctx.rules), *claim_identities(ctx.d, ctx.resolver)]
    evaluate(ctx)
    check_narrative(ctx)
    check_other_sections(ctx)
    check_targets(ctx)
    check_completeness(ctx)
    check_wording(ctx)
    check_empty_fund_tables(ctx)

    ctx.findings.sort(key=lambda f: (_SEVERITY[f.severity], _ORDER[f.family]))
    for n, finding in enumerate(ctx.findings, start=1):
        finding.id = f"F{n}"
    corrections = localise(ctx)
    _group(ctx, corrections)
    errors = sum(f.severity == "error" for f in ctx.findings)
    warnings = sum(f.severity == "warning" for f in ctx.findings)
    return Report(
        document=disclosure.document.model_dump(mode="json"),
        summary={"errors": errors, "warnings": warnings, "info": len(ctx.findings) - errors - warnings,
                 "tables": len(disclosure.tables), "claims": len(disclosure.narrative.claims)},
        findings=ctx.findings, localisation=corrections, not_applicable=_not_applicable(ctx),
        settings=settings.to_dict(), reading=reading(disclosure, ctx.notices),
    )


def reading(d: Disclosure, notices: list[Finding]) -> Reading:
    reg = registry()
    read = {t.kind for t in d.tables}
    listed = [(title, reg.recognise_title(title)) for title in d.listed_tables]
    return Reading(
        contents=d.document.contents,
        tables=[TableRead(number=t.number, title=t.title, kind=t.kind, name=reg.kind(t.kind).name,
                          page=t.source.page if t.source else None) for t in d.tables],
        listed=len(listed), not_read=[title for title, kind in listed if kind is not None and kind.id not in read],
        targets=len(d.performance_targets),
        topics=list(dict.fromkeys(s.topic for s in d.narrative.sections if s.topic and s.topic != "other")),
        unread=d.unread, notices=notices)


def _group(ctx: Context, corrections) -> None:
    """Findings explained by one corrected cell: the first (most local) is the cause."""
    by_id = {f.id: f for f in ctx.findings}
    for correction in corrections:
        explained = [by_id[i] for i in correction.explains if i in by_id]
        if len(explained) < 2:
            continue
        head = next((f for f in explained if f.caused_by is None), None)
        if head is None:
            continue
        for finding in explained:
            if finding is not head and finding.caused_by is None and not finding.follows:
                finding.caused_by = head.id
                head.follows.append(finding.id)


def _not_applicable(ctx: Context) -> list[str]:
    kinds = {t.kind for t in ctx.d.tables}
    out = []
    for rule in ctx.rules.values():
        if not rule.kinds:
            continue
        needs_all = rule.family == "cross"
        present = [k in kinds for k in rule.kinds]
        if (needs_all and not all(present)) or not any(present):
            out.append(rule.id)
    if not ctx.d.performance_targets:
        out += [r for r in ctx.rules if r.startswith("performance.")]
    # a file that is one part of a disclosure: the other part's rules say nothing of it
    contents = ctx.d.document.contents
    part_rules = {"tables": _NARRATIVE_RULES, "narrative": _TABLE_RULES}.get(contents)
    if part_rules:
        out += [r.id for r in ctx.rules.values() if r.id in part_rules[1] or r.family in part_rules[0]]
    return list(dict.fromkeys(out))


# (families, rules) that need the narrative, and those that need the tables
_NARRATIVE_RULES = (("narrative", "other"), {"completeness.sections", "completeness.empty_table_explained",
                                              "performance.summary_sentence", "text.name_differs", "text.placeholder",
                                              "text.reason_missing", "text.old_name", "text.punctuation",
                                              "text.scope_wording"})
_TABLE_RULES = (("hierarchy", "row", "summary", "cross", "catalog"),
                {"completeness.required_tables", "completeness.empty_table_explained", "text.not_a_number"})
