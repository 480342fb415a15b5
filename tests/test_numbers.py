from decimal import Decimal

import pytest

from yusuan.model.numbers import decimals_of, parse_amount, round_half_up, squash


@pytest.mark.parametrize(("text", "value"), [
    ("459.41", Decimal("459.41")), ("  1,234.50 ", Decimal("1234.50")), ("(12.30)", Decimal("-12.30")),
    ("（5）", Decimal("-5")), ("-3.2", Decimal("-3.2")), ("－7", Decimal("-7")), ("0.4", Decimal("0.4")),
    ("40", Decimal("40")), ("", None), ("\u3000", None), ("-", None), ("1 234.5", Decimal("1234.5")),
])
def test_parse_amount(text: str, value: Decimal | None) -> None:
    assert parse_amount(text) == value


@pytest.mark.parametrize("text", ["2313.6333.632303.6319", "12,34", "abc", "1.2.3", "12万元"])
def test_not_a_number_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(text)


def test_rounding_is_half_up() -> None:
    assert round_half_up(Decimal("317.3981"), 1) == Decimal("317.4")
    assert round_half_up(Decimal("0.125"), 2) == Decimal("0.13")  # banker's rounding would give 0.12
    assert decimals_of("11.53 %".rstrip("% ")) == 2 and decimals_of("100") == 0


def test_squash() -> None:
    assert squash("合  计") == squash("合 计") == squash("合\u3000计") == "合计"
