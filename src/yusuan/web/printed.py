"""Printed tables' amounts as the store keeps their cells: by table kind and version, each row's code (or "total"
for the row that sums the table: the cells keep no flag, so its label says so), in 元, with the cell it was
printed in."""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from yusuan.model import squash
from yusuan.store.figures import TO_YUAN
from yusuan.store.schema import CellValue
from yusuan.web.sheets import cents

TOTALS = ("合计", "总计", "支出合计", "本年支出合计", "支出总计")


# made once (SQLAlchemy took ten times SQLite's time making and keying it anew). The kinds asked as an expression
# (`kind || ''`), which no index holds: asked for a table kind, SQLite walks the index of every cell of that kind
# in the store (1.4 s in a store of 10,000 documents) rather than the versions' own cells
AMOUNTS = (select(CellValue.table_kind, CellValue.version_id, CellValue.id, CellValue.code, CellValue.label,
                  CellValue.value, CellValue.money_unit)
           .where(CellValue.version_id.in_(bindparam("versions", expanding=True)),
                  CellValue.column_key == bindparam("column"),
                  (CellValue.table_kind + "").in_(bindparam("kinds", expanding=True)))
           .order_by(CellValue.id))


class Printed(NamedTuple):
    yuan: Decimal
    cell: int
    label: str


def amounts(session: Session, versions: list[int], kinds: tuple[str, ...],
            column: str = "total") -> dict[str, dict[int, dict[str, Printed]]]:
    """Each version's tables of those kinds (one query): kind → version → code → its amount in `column`. A code
    printed twice (a table continued over pages, a second table of the kind) keeps its first."""
    out: dict[str, dict[int, dict[str, Printed]]] = {kind: {v: {} for v in versions} for kind in kinds}
    rows = session.connection().execute(AMOUNTS, {"versions": list(versions), "column": column, "kinds": list(kinds)}).all()
    for kind, version, cell_id, code, label, value, money_unit in rows:
        key = code or ("total" if squash(label) in TOTALS else None)
        found = out[kind][version]
        if key is not None and key not in found:
            found[key] = Printed(cents(value * TO_YUAN.get(money_unit, Decimal(1))), cell_id, label)
    return out
