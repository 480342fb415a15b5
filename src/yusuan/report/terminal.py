"""Tables and findings drawn in the terminal with rich."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table as RichTable

from yusuan.model import Table


def show_tables(tables: list[Table], console: Console | None = None) -> None:
    console = console or Console()
    for table in tables:
        grid = RichTable(title=f"{table.number or ''} {table.title}（{table.kind}，单位：{table.unit or '?'}）",
                         show_lines=False, header_style="bold")
        for column in table.columns:
            grid.add_column(column.label or column.key, justify="right" if column.is_amount else "left")
        for row in table.rows:
            grid.add_row(*[row.raw.get(c.key, "") for c in table.columns], style="bold" if row.is_total else None)
        console.print(grid)
        if table.note:
            console.print(f"  注：{table.note}")
