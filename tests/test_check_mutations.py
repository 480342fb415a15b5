"""Change one printed figure of the example that every rule agrees with: the check must name
that cell, by the right rule, and localisation must give back the printed value."""

import pytest

from conftest import EXAMPLE
from yusuan.check.engine import check
from yusuan.check.findings import Report
from yusuan.read import read_bytes

LINES = EXAMPLE.read_text("utf-8").split("\n")


def mutated(line: int, text: str) -> Report:
    lines = list(LINES)
    assert lines[line - 1].startswith("\t")
    lines[line - 1] = "\t" + text
    return check(read_bytes("\n".join(lines).encode("utf-8"), str(EXAMPLE)))


BASELINE = {(f.rule, f.message) for f in check(read_bytes(EXAMPLE.read_bytes(), str(EXAMPLE))).findings}


def new_findings(report: Report) -> list:
    return [f for f in report.findings if (f.rule, f.message) not in BASELINE]


@pytest.mark.parametrize(("line", "printed", "typo", "rules"), [
    (752, "101.77", "110.77", {"row.total_equals_parts", "cross.income_vs_expense"}),  # 表3 208 合计
    (330, "101.77", "101.71", {"row.total_equals_parts", "cross.income_vs_expense"}),  # 表2 208 总计
    (1455, "154.33", "145.33", {"row.total_equals_parts", "hierarchy.parent_equals_children"}),  # 表6 30101 合计
    (1311, "23.60", "26.30", {"row.total_equals_parts", "hierarchy.parent_equals_children"}),  # 表5 2101101 合计
])
def test_a_typo_in_a_table_is_found_and_put_back(line: int, printed: str, typo: str, rules: set[str]) -> None:
    assert LINES[line - 1] == "\t" + printed
    report = mutated(line, typo)
    found = new_findings(report)
    assert rules <= {f.rule for f in found}
    assert all(any(loc.line == line for loc in f.locations) for f in found if f.rule in rules)
    fix = next(c for c in report.localisation if c.line == line)
    assert (fix.stated, fix.likely) == (typo, printed)


def test_a_garbled_cell_gets_the_value_the_identities_imply() -> None:
    report = mutated(752, "101.7710.77")  # 表3 208 合计
    assert any(f.rule == "text.not_a_number" and f.locations[0].line == 752 for f in report.findings)
    fix = next(c for c in report.localisation if c.line == 752)
    assert fix.likely == "101.77"


def test_summary_table_totals() -> None:
    report = mutated(205, "7111.15")  # 表1 收入总计
    rules = {f.rule for f in new_findings(report)}
    assert "summary.income_equals_expense" in rules and "summary.group_equals_items" in rules
    fix = next(c for c in report.localisation if c.line == 205)
    assert fix.likely == "7111.51"
