"""How the pages write amounts and name the check's ids: Jinja filters and globals, one place for all pages."""

from __future__ import annotations

from decimal import Decimal

from jinja2 import Environment

from yusuan.check.findings import kind_name
from yusuan.check.rules import family_name, rule_name
from yusuan.report.words import SEVERITY_NAMES, column_name

WAN = Decimal(10000)


def money(value: Decimal | str | int | None, places: int = 2) -> str:
    """An amount with thousands separators (6,504.69); blank for none."""
    if value is None or value == "":
        return ""
    return f"{Decimal(value):,.{places}f}"


def wan(yuan: Decimal | str | int | None) -> str:
    """元 as 万元, the unit the documents print: 65046900 → 6,504.69."""
    return "" if yuan is None or yuan == "" else money(Decimal(yuan) / WAN)


def install(env: Environment) -> None:
    env.filters.update(money=money, wan=wan)
    env.globals.update(rule_name=rule_name, family_name=family_name, kind_name=kind_name, column_name=column_name,
                       severity_names=SEVERITY_NAMES)
