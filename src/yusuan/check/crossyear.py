"""Checks across years: each figure the narrative compares with last year ("比上年增加…",
"上年执行数为…") against what last year's published document printed for the same cell."""

from __future__ import annotations

from decimal import Decimal

from yusuan.check.cells import Ref
from yusuan.check.findings import Finding, Location
from yusuan.check.narrative import Resolver, convert, prior_of
from yusuan.check.rules import Settings, rules
from yusuan.model import Disclosure, Table
from yusuan.model.numbers import round_half_up, squash


def _cell(table: Table, ref: Ref, other: Table) -> tuple[Decimal | None, Location | None]:
    """The value last year's table printed in the row and column the claim refers to."""
    row = table.rows[ref.row]  # type: ignore[index]
    income = ref.column.startswith("income_")  # a summary's income side: its rows are its items
    for i, candidate in enumerate(other.rows):
        if income:
            same = squash(candidate.raw.get("income_item", "")) == squash(row.raw.get("income_item", ""))
        elif row.code:
            same = candidate.code == row.code
        else:
            same = row.is_total and candidate.is_total
        if same and ref.column in candidate.values:
            source = candidate.source.get(ref.column)
            return candidate.values[ref.column], Location(
                table=other.number, kind=other.kind, row=candidate.key, column_key=ref.column, line=source.line
                if source else candidate.line, page=source.page if source else candidate.page,
                where=f"上年文件 {other.number or other.kind} 第{i + 1}行")
    return None, None


def check_against_previous(current: Disclosure, previous: Disclosure, previous_name: str,
                           settings: Settings | None = None) -> list[Finding]:
    rule = rules(settings)["cross_year.prior_matches_published"]
    resolver = Resolver(current)
    out: list[Finding] = []
    for ci, claim in enumerate(current.narrative.claims):
        prior = prior_of(claim)
        if prior is None or claim.amount is None:
            continue
        ref = resolver.amount_ref(ci, claim)
        if ref is None:
            continue
        table = current.tables[ref.table]  # type: ignore[index]
        other = previous.table(table.kind)
        if other is None:
            continue
        value, where = _cell(table, ref, other)
        if value is None:
            continue
        places = max(2, -claim.amount.as_tuple().exponent)  # type: ignore[operator]
        printed = round_half_up(convert(value, other.unit or previous.document.money_unit, claim.unit), places)
        if printed != round_half_up(prior, places):
            out.append(Finding(
                rule=rule.id, family=rule.family, severity=rule.severity,  # type: ignore[arg-type]
                message=f"“{claim.subject}”的上年数为 {prior}{claim.unit}（{claim.amount} 减增减额），"
                        f"而上年公开文件（{previous_name}）印的是 {printed}{claim.unit}",
                locations=[Location.of_claim(claim, current.document.page_labels), where],  # type: ignore[list-item]
                stated=prior, expected=printed, difference=prior - printed))
    return out
