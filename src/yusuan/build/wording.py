"""How a disclosure words a figure: amounts, shares, changes and growth rates, rounded half-up,
with the right words for a decrease, for no change and for no prior year."""

from __future__ import annotations

from decimal import Decimal

from yusuan.model.numbers import round_half_up

ZERO = Decimal(0)


def amount(value: Decimal, unit: str = "万元") -> str:
    return f"{round_half_up(value, 2)}{unit}"


def share(value: Decimal, whole: Decimal) -> str:
    """`占41.03%`; nothing when the whole is zero."""
    return f"占{round_half_up(value / whole * 100, 2)}%" if whole else ""


def change(value: Decimal, prior: Decimal | None, unit: str = "万元", against: str = "比上年预算") -> str:
    """`比上年预算增加2218.93万元，增长317.40%`, or the wording for a decrease, for no change,
    and for a prior year of zero (no growth rate can be computed from nothing)."""
    if prior is None:
        return ""
    diff = value - prior
    if diff == 0:
        return "与上年预算持平"
    word, rate_word = ("增加", "增长") if diff > 0 else ("减少", "下降")
    text = f"{against}{word}{amount(abs(diff), unit)}"
    if prior == 0:
        return text + "（上年无此项预算，不计算增长率）"
    return f"{text}，{rate_word}{round_half_up(abs(diff) / prior * 100, 2)}%"


def clause(*parts: str) -> str:
    return "，".join(p for p in parts if p)
