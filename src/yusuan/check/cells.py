"""Cells as variables: every printed figure a rule can refer to, table cell or narrative claim."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from yusuan.check.findings import Location
from yusuan.model import Disclosure

CLAIM_FIELDS = {"amount": "金额", "change": "增减额", "share": "占比", "growth_rate": "增长率"}


@dataclass(frozen=True)
class Ref:
    """A table cell (`table`, `row`, `column`) or a narrative claim (`claim`, `column` = field)."""

    table: int | None
    row: int | None
    column: str
    claim: int | None = None


def blank_total(d: Disclosure, ref: Ref) -> bool:
    """A total row's cell printed blank: reported once itself, and nothing to compare a claim with."""
    if ref.claim is not None:
        return False
    row = d.tables[ref.table].rows[ref.row]  # type: ignore[index]
    return row.is_total and not row.raw.get(ref.column, "").strip()


class Cells:
    """Look up values and locations of refs in one disclosure."""

    def __init__(self, disclosure: Disclosure) -> None:
        self.d = disclosure
        self.virtual: set[tuple[int, int]] = set()  # rows a table lacks, added empty to be localised

    def is_virtual(self, ref: Ref) -> bool:
        return (ref.table, ref.row) in self.virtual

    def value(self, ref: Ref) -> Decimal | None:
        """The printed value; zero for a blank; None when the cell is not a number."""
        if ref.claim is not None:
            return getattr(self.d.narrative.claims[ref.claim], ref.column)
        row = self.d.tables[ref.table].rows[ref.row]  # type: ignore[index]
        if row.is_garbled(ref.column):
            return None
        return row.value(ref.column)

    def raw(self, ref: Ref) -> str:
        if ref.claim is not None:
            claim = self.d.narrative.claims[ref.claim]
            return claim.raw.get(ref.column, "")
        return self.d.tables[ref.table].rows[ref.row].raw.get(ref.column, "")  # type: ignore[index]

    def is_total(self, ref: Ref) -> bool:
        if ref.claim is not None or self.is_virtual(ref):
            return False
        table = self.d.tables[ref.table]  # type: ignore[index]
        row = table.rows[ref.row]  # type: ignore[index]
        return row.is_total or ref.column in ("total", "fiscal_subtotal") or (row.level or 9) < 3

    def location(self, ref: Ref) -> Location:
        if ref.claim is not None:
            claim = self.d.narrative.claims[ref.claim]
            return Location.of_claim(claim, self.d.document.page_labels, CLAIM_FIELDS.get(ref.column, ref.column),
                                     ref.column)
        table = self.d.tables[ref.table]  # type: ignore[index]
        column = table.column(ref.column)
        row = table.rows[ref.row]  # type: ignore[index]
        if self.is_virtual(ref):
            return Location(table=table.number, kind=table.kind, row=f"{row.code}（缺少此行）",
                            column=column.label if column else ref.column, column_key=ref.column)
        source = row.source.get(ref.column)
        page = source.page if source else row.page
        return Location(table=table.number, kind=table.kind, row=row.key,
                        column=column.label if column else ref.column, column_key=ref.column,
                        line=source.line if source else row.line, page=page,
                        page_label=self.d.document.page_labels.get(page) if page else None,
                        where=source.describe() or None if source and source.page is None else None)

    def name(self, ref: Ref) -> str:
        return self.location(ref).describe()
