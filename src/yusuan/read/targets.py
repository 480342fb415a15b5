"""项目支出绩效目标表: one per project, read from label–value rows and indicator rows."""

from __future__ import annotations

import re
from decimal import Decimal

from yusuan.model import Indicator, PerformanceTarget
from yusuan.model.numbers import clean, parse_amount, squash
from yusuan.read.layout import Cell, Grid

MARKER = "项目支出绩效目标表"
_VALUE = re.compile(r"^(?P<cmp>≥|≤|>=|<=|=|＞|＜|>|<|＝)?\s*(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>.*)$")
_MONEY = re.compile(r"^(?P<num>[\d,]+(?:\.\d+)?)\s*(?P<unit>万元|元)?$")
_CMP = {">=": "≥", "<=": "≤", "＞": ">", "＜": "<", "＝": "="}
_FIELDS = ("level1", "level2", "level3", "value", "basis", "prior", "weight", "rule", "evidence")


def is_target_grid(grid: Grid) -> bool:
    """The marker or the indicator header opens a row of a target table."""
    return any(row and (MARKER in squash(row[0].text) or squash(row[0].text) == "一级指标") for row in grid.rows)


def _money(text: str) -> tuple[Decimal | None, str | None]:
    m = _MONEY.match(squash(text))
    if not m:
        try:
            return parse_amount(text), None
        except ValueError:
            return None, None
    return Decimal(m["num"].replace(",", "")), m["unit"]


def read_targets(grid: Grid) -> list[PerformanceTarget]:
    targets: list[PerformanceTarget] = []
    current: PerformanceTarget | None = None
    start: Cell | None = None
    unit: str | None = None
    in_indicators = False
    last = dict.fromkeys(_FIELDS[:2], "")
    for row in grid.rows:
        texts = [clean(c.text) for c in row]
        keys = [squash(t) for t in texts]
        if not any(texts):
            continue
        if MARKER in keys[0]:
            start, current, unit, in_indicators = row[0], None, None, False
            continue
        if keys[0] == "预算单位":
            unit = texts[1] if len(texts) > 1 else None
            continue
        if keys[0] == "项目名称":
            current = PerformanceTarget(project=texts[1] if len(texts) > 1 else "", unit=unit,
                                        line=(start or row[0]).source.line, source=(start or row[0]).source)
            if len(keys) > 3 and "负责人" in keys[2]:
                current.owner = texts[3] or None
            targets.append(current)
            in_indicators = False
            continue
        if current is None:
            continue
        if keys[0].startswith("项目资金"):
            _read_money(current, texts)
        elif keys[0] == "项目总体目标" or keys[0] == "总体目标":
            current.goal = "\n".join(p.strip() for p in texts[1].split("\n")) if len(texts) > 1 else None
        elif keys[0] == "一级指标":
            in_indicators, last = True, dict.fromkeys(_FIELDS[:2], "")
        elif in_indicators and len(texts) >= 4:
            current.indicators.append(_indicator(texts, row[0], last))
    return targets


def _read_money(target: PerformanceTarget, texts: list[str]) -> None:
    labels = {"年度预算总额": "total", "财政拨款": "fiscal", "其他资金": "other"}
    for i, text in enumerate(texts[:-1]):
        field = next((f for label, f in labels.items() if label in squash(text)), None)
        if field:
            raw = texts[i + 1]
            target.amounts_raw[field] = raw
            value, unit = _money(raw)
            setattr(target, field, value)
            if unit:
                target.amount_unit = unit  # type: ignore[assignment]


def indicator_value(text: str) -> tuple[str | None, Decimal | None, str | None]:
    """`≥1家` → ("≥", 1, "家"); `>=95%` → ("≥", 95, "%"); a qualitative value → (None, None, None)."""
    m = _VALUE.match(squash(text))
    if not m:
        return None, None, None
    return (_CMP.get(m["cmp"], m["cmp"]) if m["cmp"] else None), Decimal(m["num"]), m["unit"] or None


def _indicator(texts: list[str], first: Cell, last: dict[str, str]) -> Indicator:
    cells = dict(zip(_FIELDS, [*texts, *[""] * (len(_FIELDS) - len(texts))], strict=False))
    for level in ("level1", "level2"):  # vertically merged: fill down
        cells[level] = cells[level] or last[level]
        last[level] = cells[level]
    ind = Indicator(
        level1=cells["level1"], level2=cells["level2"], level3=cells["level3"], value=cells["value"],
        basis=cells["basis"] or None, prior=cells["prior"] or None, weight_raw=cells["weight"] or None,
        rule=cells["rule"] or None, evidence=cells["evidence"] or None, line=first.source.line,
        source=first.source,
    )
    ind.comparator, ind.number, ind.value_unit = indicator_value(cells["value"])
    try:
        ind.weight = parse_amount(cells["weight"])
    except ValueError:
        ind.weight = None
    return ind
