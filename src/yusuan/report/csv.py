"""Findings as CSV: one row per finding and location, for spreadsheets."""

from __future__ import annotations

import io

from yusuan.check.findings import Report
from yusuan.spreadsheet import CsvWriter

COLUMNS = ["id", "rule", "family", "severity", "message", "table", "kind", "row", "column", "line", "page",
           "stated", "expected", "difference", "caused_by"]


def render_csv(report: Report) -> str:
    out = io.StringIO()
    writer = CsvWriter(out)
    writer.writerow(COLUMNS)
    for f in report.findings:
        for loc in f.locations or [None]:
            writer.writerow([f.id, f.rule, f.family, f.severity, f.message,
                             *(getattr(loc, k) if loc else None for k in ("table", "kind", "row", "column", "line",
                                                                           "page")),
                             f.stated, f.expected, f.difference, f.caused_by])
    return out.getvalue()
