"""What a person reads where the check has an id: severities, columns, and which finding is the 尾差 line
(rules and their families are named in data/rules.toml: yusuan.check.rules.rule_name and family_name; table
kinds and places by yusuan.check.findings.kind_name)."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

from yusuan.check.findings import Finding

SEVERITY_NAMES = {"error": "错误", "warning": "警告", "info": "提示"}


def column_name(key: str) -> str:
    """A column key's name (data/tables.toml [column_name]), for where no printed header is at hand."""
    return _column_names().get(key, key)


@cache
def _column_names() -> dict[str, str]:
    return tomllib.loads(resources.files("yusuan.data").joinpath("tables.toml").read_text("utf-8"))["column_name"]


def is_rounding(finding: Finding | Any) -> bool:
    """The one line that lists the sums within the rounding of their printed figures (尾差): worth a
    glance, not a reviewer's first look beside the errors; a stored finding's row will do."""
    return finding.rule == "text.rounding"
