"""The check report as JSON: `yusuan check --format json`, and the API's answer for a check."""

from __future__ import annotations

from yusuan.check.findings import Report


def render_json(report: Report) -> str:
    return report.model_dump_json(indent=1) + "\n"
