"""Turning printed text into numbers, without ever guessing."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

_BLANKS = " \t\r\n\u3000\u00a0"
_WS = re.compile(r"[\s\u3000\u00a0]+")
# 1,234.56  -1234.56  (1,234.56)  －12  12.  .5 ; thousands separators only in groups of three
_AMOUNT = re.compile(r"^(?P<neg>[-−－])?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d*)?|\.\d+)$")
_PAREN = re.compile(r"^[(（](?P<num>[\d,]+(?:\.\d+)?)[)）]$")


def squash(text: str | None) -> str:
    """Remove every kind of whitespace: `合 计`, `合  计` and `合计` are one label."""
    return _WS.sub("", text or "")


def clean(text: str | None) -> str:
    """Strip the blanks a cell may carry at its ends (ASCII and full-width spaces)."""
    return (text or "").strip(_BLANKS)


def parse_amount(text: str | None) -> Decimal | None:
    """The amount a cell prints, or None when it is blank.

    Raises ValueError when the cell holds something that is not one number
    (such as `2313.6333.632303.6319`): the caller keeps the raw text and flags it.
    """
    s = squash(text)
    if s in ("", "-", "—", "－", "/"):
        return None
    m = _PAREN.match(s)
    if m:
        return -Decimal(m["num"].replace(",", ""))
    m = _AMOUNT.match(s)
    if not m:
        raise ValueError(f"不是数字: {text!r}")
    try:
        value = Decimal(m["num"].replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only digits
        raise ValueError(f"不是数字: {text!r}") from exc
    return -value if m["neg"] else value


def decimals_of(text: str) -> int:
    """How many decimals a printed number shows (`11.53` → 2, `100` → 0)."""
    s = squash(text)
    return len(s.split(".", 1)[1]) if "." in s else 0


def round_half_up(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def is_amount(text: str | None) -> bool:
    try:
        return parse_amount(text) is not None
    except ValueError:
        return False
