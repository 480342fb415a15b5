"""Small helpers to lay out a model Table: header rows with spans, columns by meaning."""

from __future__ import annotations

from decimal import Decimal

from yusuan.model import Column, HeaderCell, Row, Table, code_level

TWO = Decimal("0.01")


def money(value: Decimal | None) -> str:
    """How a table prints an amount: two decimals, blank for nothing."""
    if value is None or value == 0:
        return ""
    return str(value.quantize(TWO))


class Frame:
    """Header rows given as lists of (text, colspan); a header cell spanning rows is given
    once, in its top row, with ("", n) placeholders beneath it, as printed tables do."""

    def __init__(self, header: list[list[tuple[str, int]]], columns: list[tuple[str, bool]]) -> None:
        self.header: list[HeaderCell] = []
        paths: list[list[str]] = [[] for _ in columns]
        for r, cells in enumerate(header):
            col = 0
            for text, span in cells:
                if text:
                    self.header.append(HeaderCell(text=text, row=r, col=col, colspan=span))
                    for j in range(col, col + span):
                        paths[j].append(text)
                col += span
        self.columns = [Column(key=key, label=paths[j][-1] if paths[j] else "", path=paths[j], is_amount=amount)
                        for j, (key, amount) in enumerate(columns)]

    def table(self, number: str | None, kind: str, title: str, unit: str, rows: list[Row]) -> Table:
        return Table(number=number, kind=kind, title=title, unit=unit, header=self.header,  # type: ignore[arg-type]
                     columns=self.columns, rows=rows)

    def row(self, texts: dict[str, str], *, code: str | None = None, name: str = "", label: str = "",
            is_total: bool = False) -> Row:
        """A row as printed: raw texts by column key; amounts parsed from them."""
        row = Row(code=code, level=code_level(code), name=name,
                  label=label or name, is_total=is_total)
        for column in self.columns:
            text = texts.get(column.key, "")
            row.raw[column.key] = text
            if column.is_amount:
                row.values[column.key] = Decimal(text) if text else None
        return row
