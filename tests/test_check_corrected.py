"""No false errors: a copy of the example corrected by hand (tests/fixtures/changji-corrected.md
lists each change) checks clean; every warning left is a convention the document keeps."""

from collections import Counter
from decimal import Decimal

import pytest

from conftest import FIXTURES
from yusuan.check.engine import check
from yusuan.check.findings import Report
from yusuan.read import read

CORRECTED = FIXTURES / "changji-corrected.txt"


@pytest.fixture(scope="module")
def report() -> Report:
    return check(read(CORRECTED))


def test_no_errors(report: Report) -> None:
    assert [f.message for f in report.findings if f.severity == "error"] == []
    assert report.localisation == []


def test_each_warning_left_is_a_convention(report: Report) -> None:
    counts = Counter(f.rule for f in report.findings if f.severity == "warning")
    assert counts == {
        "narrative.zero_base_growth": 10,  # 增长100% from nothing (5), 0% for 0 → 0 (5)
        "performance.weights_total": 9,  # every target table weighs 90: the 90 + 10 预算执行率 convention
        "catalog.name_mismatch": 2,  # 21505 and 30110 were renamed in later catalogs
        "performance.cost_within_budget": 1,  # W17, left as printed: bounds 2.80 + 3.68 of a 6.47 project
    }
    weights = [f for f in report.findings if f.rule == "performance.weights_total"]
    assert {f.stated for f in weights} == {Decimal(90)}
    rounding = next(f for f in report.findings if f.rule == "text.rounding")  # 表6 301: a 0.01 尾差, no error
    assert {(loc.table, loc.row) for loc in rounding.locations} == {("表6", "301")}


def test_the_empty_template_classes_are_only_information(report: Report) -> None:
    info = [f for f in report.findings if f.severity == "info"]
    assert {f.rule for f in info} == {"catalog.unknown_code", "text.rounding"}
