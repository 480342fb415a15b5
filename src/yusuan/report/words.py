"""What a person reads where the check has an id: severities, table kinds, and which warnings are only 尾差
(rules and their families are named in data/rules.toml: yusuan.check.rules.rule_name and family_name)."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

from yusuan.check.findings import Finding
from yusuan.check.rules import ROUNDED
from yusuan.registry import registry

SEVERITY_NAMES = {"error": "错误", "warning": "警告", "info": "提示"}
PLACE_NAMES = {"narrative": "情况说明", "performance_target": "绩效目标表", "overview": "概况", "glossary": "名词解释"}


def kind_name(kind: str | None) -> str:
    """A table kind's name (data/tables.toml), or the name of a part of the document that is no table."""
    if not kind:
        return ""
    if kind in PLACE_NAMES:
        return PLACE_NAMES[kind]
    try:
        return registry().kind(kind).name
    except StopIteration:  # a kind this version no longer knows (a report stored long ago)
        return kind


def column_name(key: str) -> str:
    """A column key's name (data/tables.toml [column_name]), for where no printed header is at hand."""
    return _column_names().get(key, key)


@cache
def _column_names() -> dict[str, str]:
    return tomllib.loads(resources.files("yusuan.data").joinpath("tables.toml").read_text("utf-8"))["column_name"]


def is_rounding(finding: Finding | Any) -> bool:
    """A sum off by no more than its 尾差 (0.01 an item): a warning the sums' rules give, worth a glance, not a
    reviewer's first look beside the errors. Told by the check's own words for it (a Finding has no flag); a
    stored finding's row (severity, rule, message) will do."""
    return (finding.severity == "warning" and finding.rule.startswith(ROUNDED)
            and "在尾差范围" in finding.message)
