"""Printed precision, the one rule for rounding: a printed figure stands for every value that rounds
to it — 1,234,567 for 1,234,567 ± 0.5, 49.4 % for 49.35–49.45, a blank for exactly nothing. An
identity, a share or a growth rate is broken only when no values inside those intervals satisfy it;
a difference that some values within rounding explain is a 尾差, no error."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from itertools import product

from yusuan.model.numbers import squash

_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def half_unit(raw: str | None) -> Decimal:
    """Half a unit of the last digit printed; nothing for a blank cell, which is exactly zero."""
    m = _NUMBER.search(squash(raw or ""))
    if not m:
        return Decimal(0)
    places = len(m[0].split(".", 1)[1]) if "." in m[0] else 0
    return Decimal(5).scaleb(-places - 1)


@dataclass(frozen=True)
class Printed:
    """A printed figure: the values it stands for."""

    value: Decimal
    half: Decimal

    @classmethod
    def of(cls, value: Decimal, raw: str | None) -> Printed:
        return cls(value, half_unit(raw))

    @property
    def lo(self) -> Decimal:
        return self.value - self.half

    @property
    def hi(self) -> Decimal:
        return self.value + self.half

    def meets(self, lo: Decimal, hi: Decimal) -> bool:
        """Whether some value it stands for lies in [lo, hi]."""
        return self.lo <= hi and lo <= self.hi


def sum_slack(raws: list[str]) -> Decimal:
    """How far a sum of printed figures may lie from a printed total and still be a 尾差."""
    return sum((half_unit(r) for r in raws), Decimal(0))


def share_range(amount: Printed, base: Printed) -> tuple[Decimal, Decimal] | None:
    """amount ÷ base in percent, over every value the two stand for; None when the base may be nothing."""
    if base.lo <= 0 or amount.lo < 0:
        return None
    return amount.lo / base.hi * 100, amount.hi / base.lo * 100


def growth_range(amount: Printed, prior: Printed | None, change: Printed | None) -> tuple[Decimal, Decimal] | None:
    """(amount − prior) ÷ prior in percent, prior stated or implied by the change (amount − change),
    over every value the figures stand for; None when the prior may be nothing or below."""
    rates = []
    if prior is not None:
        for a, p in product((amount.lo, amount.hi), (prior.lo, prior.hi)):
            if p <= 0:
                return None
            rates.append((a - p) / p * 100)
    elif change is not None:
        for a, c in product((amount.lo, amount.hi), (change.lo, change.hi)):
            if a - c <= 0:
                return None
            rates.append(c / (a - c) * 100)
    else:
        return None
    return min(rates), max(rates)
