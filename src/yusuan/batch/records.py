"""The result of one document as rows: one document row (status, counts, timings) and one row per
finding. Keys are stable English names; money stays `Decimal` until written, and is carried as
its exact string in the journal.

A record is `{"document": {...}, "findings": [{...}, ...]}`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

Record = dict[str, Any]

# ok: read, no errors; errors: read, errors found; failed: could not be read (or the worker crashed);
# timeout / memory: stopped at the time or memory limit; duplicate: same content as another file
STATUSES = ("ok", "errors", "failed", "timeout", "memory", "duplicate")
UNREADABLE = ("failed", "timeout", "memory")

DOCUMENT_COLUMNS = ["path", "sha256", "format", "unit", "year", "status", "message", "errors", "warnings", "info",
                    "findings", "read_seconds", "check_seconds", "seconds", "peak_rss_mb", "duplicate_of"]
FINDING_COLUMNS = ["path", "sha256", "unit", "year", "finding_id", "rule", "family", "severity", "message", "table",
                   "table_kind", "row", "column", "line", "page", "where", "locations", "stated", "expected",
                   "difference", "tolerance", "caused_by"]
# csv and parquet: both kinds of row in one table, told apart by `record`
COLUMNS = ["record", "path", "sha256", "format", "unit", "year", "status", "errors", "warnings", "info", "findings",
           "read_seconds", "check_seconds", "seconds", "peak_rss_mb", "duplicate_of", "finding_id", "rule", "family",
           "severity", "table", "table_kind", "row", "column", "line", "page", "where", "locations", "stated",
           "expected", "difference", "tolerance", "caused_by", "message"]
INTEGERS = {"year", "errors", "warnings", "info", "findings", "line", "page"}
FLOATS = {"read_seconds", "check_seconds", "seconds", "peak_rss_mb"}
DECIMALS = {"stated", "expected", "difference", "tolerance"}
TIMINGS = {"read_seconds", "check_seconds", "seconds", "peak_rss_mb"}  # differ from run to run


def document_row(path: str, sha256: str | None, status: str, message: str | None = None, **fields: Any) -> dict:
    row = dict.fromkeys(DOCUMENT_COLUMNS)
    row.update(path=path, sha256=sha256, status=status, message=message, **fields)
    return row


def failure(path: str, sha256: str | None, status: str, message: str, **fields: Any) -> Record:
    return {"document": document_row(path, sha256, status, message, **fields), "findings": []}


def from_report(path: str, sha256: str, disclosure, report, read_seconds: float, check_seconds: float) -> Record:
    """The record of a document read and checked."""
    facts = disclosure.document
    summary = report.summary
    doc = document_row(path, sha256, "errors" if summary["errors"] else "ok", None,
                       format=facts.format, unit=facts.unit, year=facts.year, errors=summary["errors"],
                       warnings=summary["warnings"], info=summary["info"], findings=len(report.findings),
                       read_seconds=round(read_seconds, 3), check_seconds=round(check_seconds, 3))
    rows = []
    for f in report.findings:
        first = f.locations[0] if f.locations else None
        rows.append({
            "path": path, "sha256": sha256, "unit": facts.unit, "year": facts.year, "finding_id": f.id,
            "rule": f.rule, "family": f.family, "severity": f.severity, "message": f.message,
            "table": first.table if first else None, "table_kind": first.kind if first else None,
            "row": first.row if first else None, "column": first.column if first else None,
            "line": first.line if first else None, "page": first.page if first else None,
            "where": first.where if first else None,
            "locations": "；".join(loc.describe() for loc in f.locations) or None,
            "stated": _text(f.stated), "expected": _text(f.expected), "difference": _text(f.difference),
            "tolerance": _text(f.tolerance), "caused_by": f.caused_by,
        })
    return {"document": doc, "findings": rows}


def _text(value) -> str | None:
    return None if value is None else str(value)


@dataclass
class Summary:
    """What the summary table needs of one document, kept in memory for the whole batch."""

    status: str
    rules: Counter = field(default_factory=Counter)  # (rule, severity) → findings
    message: str | None = None  # why it could not be read


def summarise(record: Record) -> Summary:
    doc = record["document"]
    return Summary(doc["status"], Counter((f["rule"], f["severity"]) for f in record["findings"]),
                   doc["message"] if doc["status"] in UNREADABLE else None)
