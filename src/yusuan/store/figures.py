"""A version's key figures: 支出合计, 基本支出, 项目支出, 人员经费, 公用经费, 机关运行经费, “三公”经费 and the staff
the document states, each as printed and with where it was printed (the table cell, else the narrative's sentence,
else the overview's staffing line). Kept beside the cells when a file is stored, so units can be ranked on them
across thousands of documents without reading any back.

Where each comes from, first found first:

- 支出合计, 基本支出, 项目支出: the total row of the expense table (支出总表 / 支出决算表), else the narrative;
- 人员经费, 公用经费: the total row of the basic expenditure table (一般公共预算基本支出表), else the narrative;
- 机关运行经费: the narrative, else the column a 三公 table gives it (上海);
- “三公”经费: the narrative's total (its tables print last year, the budget and the final in many layouts),
  else the 三公 table's total row;
- staff: 在职, else 实有人数, else 编制数 of the overview (人)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from yusuan.model import Disclosure, Source
from yusuan.store.schema import Figure

KEYS = {"expense": "支出合计", "basic": "基本支出", "project": "项目支出", "personnel": "人员经费", "public": "公用经费",
        "office_running": "机关运行经费", "three_public": "“三公”经费", "staff": "人数"}
TO_YUAN = {"万元": Decimal(10000), "元": Decimal(1)}
STAFF = ("在职", "实有人数", "编制数")  # serving staff first: 人员经费 per head of those who work


@dataclass(frozen=True)
class KeyFigure:
    key: str
    label: str  # as printed: the table, row and column, the narrative's subject, or the staffing item
    value: Decimal  # in 元, or a head count
    unit: str  # 元 | 人
    cell: tuple[str | None, str, int, str] | None = None  # the cell: table number, table kind, row, column key
    paragraph: int | None = None  # the narrative's paragraph (its index) stating it
    source: Source | None = None


class PrintedCell(Protocol):
    id: int
    table_number: str | None
    table_kind: str
    row: int
    column_key: str


def _from_table(d: Disclosure, key: str, kind: str, column: str, *, total_row: bool = True) -> KeyFigure | None:
    """The first table of `kind` with an amount in `column` on its total row (or, `total_row` false, any row)."""
    for table in d.tables_of(kind):
        for n, row in enumerate(table.rows):
            value = row.values.get(column)
            if value is None or (total_row and not row.is_total):
                continue
            printed = table.column(column)
            unit = table.unit or d.document.money_unit or "万元"
            label = " ".join(x for x in (table.name, row.label or row.name, printed.label if printed else column) if x)
            return KeyFigure(key, label, value * TO_YUAN[unit], "元", cell=(table.number, table.kind, n, column),
                             source=row.source.get(column))
    return None


def _from_narrative(d: Disclosure, key: str, subject_kind: str, word: str = "") -> KeyFigure | None:
    """The narrative's first amount about `subject_kind` (whose subject holds `word`)."""
    for claim in d.narrative.claims:
        if claim.subject_kind == subject_kind and claim.amount is not None and word in claim.subject:
            return KeyFigure(key, claim.subject, claim.amount * TO_YUAN[claim.unit], "元", paragraph=claim.paragraph,
                             source=claim.source)
    return None


def _staff(d: Disclosure) -> KeyFigure | None:
    for item in STAFF:
        if d.overview.staffing.get(item):
            return KeyFigure("staff", item, Decimal(d.overview.staffing[item]), "人", source=d.overview.staffing_source)
    return None


def key_figures(d: Disclosure) -> list[KeyFigure]:
    """The key figures the document states, in the order of KEYS; a figure it does not state is left out."""
    found = [
        _from_table(d, "expense", "expense", "total") or _from_narrative(d, "expense", "total", "支出"),
        _from_table(d, "basic", "expense", "basic") or _from_narrative(d, "basic", "basic"),
        _from_table(d, "project", "expense", "project") or _from_narrative(d, "project", "project"),
        _from_table(d, "personnel", "gpb_basic_expense", "personnel") or _from_narrative(d, "personnel", "personnel"),
        _from_table(d, "public", "gpb_basic_expense", "public") or _from_narrative(d, "public", "public"),
        (_from_narrative(d, "office_running", "office_running")
         or _from_table(d, "office_running", "three_public", "admin_running", total_row=False)),
        _from_narrative(d, "three_public", "three_public", "三公") or _from_table(d, "three_public", "three_public", "total"),
        _staff(d),
    ]
    return [f for f in found if f is not None]


def figure_rows(version_id: int, d: Disclosure, cells: Iterable[PrintedCell]) -> list[Figure]:
    """The version's key figures as rows of the store, each naming the stored cell it was printed in (`cells`:
    the version's cells, with their ids)."""
    by_place: dict[tuple, int] = {}
    for c in cells:
        by_place.setdefault((c.table_number, c.table_kind, c.row, c.column_key), c.id)
    return [Figure(version_id=version_id, key=f.key, label=f.label[:300], value=f.value.quantize(Decimal("0.01")),
                   unit=f.unit, cell_id=by_place.get(f.cell) if f.cell else None, paragraph=f.paragraph,
                   source=f.source.model_dump(mode="json", exclude_none=True) if f.source else None)
            for f in key_figures(d)]
