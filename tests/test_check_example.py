"""yusuan check on the reference example: each error confirmed by hand (see
tests/fixtures/example_audit.md and ../shared/docs/example-findings.md) is found with its values."""

from decimal import Decimal

import pytest

from conftest import EXAMPLE
from yusuan.check.engine import check
from yusuan.check.findings import Finding, Report
from yusuan.model import Disclosure
from yusuan.read import read_bytes


@pytest.fixture(scope="module")
def report(example: Disclosure) -> Report:
    return check(example)


def find(report: Report, rule: str, table: str | None = None, row: str | None = None,
         column: str | None = None, line: int | None = None) -> Finding:
    """The finding of a rule whose locations include the given place."""
    for f in report.findings:
        if f.rule != rule:
            continue
        for loc in f.locations:
            if ((table is None or loc.table == table) and (row is None or loc.row == row)
                    and (column is None or loc.column_key == column) and (line is None or loc.line == line)):
                return f
    raise AssertionError(f"no {rule} at {table} {row} {column} {line}")


def values(f: Finding) -> tuple[str, str, str]:
    return str(f.stated), str(f.expected), str(f.difference)


def test_summary(report: Report) -> None:
    assert report.summary["errors"] >= 17
    assert report.not_applicable == []  # all ten tables are there


# example-findings #1: 表2 小计 carries 3989.06 of 财政拨款结转
@pytest.mark.parametrize(("row", "line"), [("201", 246), ("20113", 263)])
def test_1_income_subtotal(report: Report, row: str, line: int) -> None:
    f = find(report, "row.total_equals_parts", "表2", row, "fiscal_subtotal", line)
    assert values(f) == ("6302.69", "2313.63", "3989.06") and f.severity == "error"
    total = find(report, "row.total_equals_parts", "表2", row, "total")
    assert values(total) == ("6504.69", "10493.75", "-3989.06")
    column = find(report, "hierarchy.total_equals_classes", "表2", column="fiscal_subtotal", line=671)
    assert values(column) == ("2918.03", "6907.09", "-3989.06")


# #2: 表3 201/20113 against their 项 children
def test_2_expense_hierarchy(report: Report) -> None:
    assert values(find(report, "hierarchy.parent_equals_children", "表3", "20113", "basic", 721)) == (
        "459.41", "459.01", "0.40")
    assert values(find(report, "hierarchy.parent_equals_children", "表3", "20113", "project", 722)) == (
        "6045.28", "6045.68", "-0.40")
    assert values(find(report, "hierarchy.total_equals_classes", "表3", column="basic", line=913)) == (
        "634.70", "635.10", "-0.40")


# #3 and #4: 表5 合计 ≠ 基本 + 项目
def test_3_and_4_gpb_row_sums(report: Report) -> None:
    assert values(find(report, "row.total_equals_parts", "表5", "2011301", "total", 1239)) == (
        "459.41", "459.01", "0.40")
    assert values(find(report, "row.total_equals_parts", "表5", "2011399", "total", 1247)) == (
        "2283.33", "1854.62", "428.71")
    assert values(find(report, "hierarchy.parent_equals_children", "表5", "20113", "total", 1231)) == (
        "2313.63", "2742.74", "-429.11")


# #5: 表5 against 表2's 一般公共预算 column
def test_5_gpb_vs_income(report: Report) -> None:
    f = find(report, "cross.gpb_expense_vs_income", "表5", "2011399", "total", 1247)
    assert values(f) == ("2283.33", "1854.22", "429.11")
    assert any(loc.table == "表2" and loc.line == 315 for loc in f.locations)


# #6: 表7 books all 2283.33 under 2011399 and lacks 215 产业发展
def test_6_project_table(report: Report) -> None:
    assert values(find(report, "cross.project_vs_gpb_expense", "表7", "201", "total", 1711)) == (
        "2283.33", "1854.62", "428.71")
    lacking = find(report, "cross.project_vs_gpb_expense", "表5", "2150517", "project", 1361)
    assert "表7 2150517（缺少此行）" in lacking.message and lacking.expected == Decimal("428.71")


# #7 and #8: narrative amounts against the tables
def test_7_and_8_narrative_amounts(report: Report) -> None:
    f = find(report, "narrative.amount_matches_table", line=2344)
    assert values(f) == ("459.01", "459.41", "-0.40")
    f = find(report, "narrative.amount_matches_table", line=2346)
    assert values(f) == ("2283.33", "1854.22", "429.11")


def test_garbled_cell(report: Report) -> None:
    f = find(report, "text.not_a_number", "表4", "201", "gpb", 937)
    assert "2313.6333.632303.6319" in f.message and f.severity == "error"


def test_economic_code_of_the_wrong_classification(report: Report) -> None:
    f = find(report, "catalog.wrong_classification", "表6", "20111", line=1501)
    assert "30111" in f.message and f.severity == "error"


def test_growth_rate_recomputed_half_up(report: Report) -> None:
    f = find(report, "narrative.growth_rate", line=2357)
    assert (f.stated, f.expected) == (Decimal("-80.82"), Decimal("-80.52"))
    others = [g for g in report.findings if g.rule == "narrative.growth_rate"]
    assert others == [f]  # the other ten rates are right, 317.4% (one decimal) included


def test_items_listed_exceed_their_total(report: Report) -> None:
    f = find(report, "narrative.items_sum", line=2344)
    assert (f.stated, f.expected) == (Decimal("3346.74"), Decimal("2918.03"))


def test_asset_part_above_its_total(report: Report) -> None:
    f = find(report, "other.asset_parts", line=2422)
    assert (f.stated, f.expected) == (Decimal("231.26"), Decimal("90.13"))


def test_performance_targets(report: Report) -> None:
    weights = [f for f in report.findings if f.rule == "performance.weights_total"]
    errors = sorted((f.stated, f.locations[0].line) for f in weights if f.severity == "error")
    assert errors == [(Decimal("83.2"), 2864), (Decimal("84"), 2968)]
    conventions = [f for f in weights if f.severity == "warning"]
    assert len(conventions) == 7 and all(f.stated == 90 for f in conventions)
    missing = find(report, "performance.levels_present", line=2968)
    assert "满意度" in missing.message
    summary = find(report, "performance.summary_sentence", line=2430)
    assert (summary.stated, summary.expected) == (Decimal("190"), Decimal("192"))


def test_conventions_are_warnings(report: Report) -> None:
    zero = [f for f in report.findings if f.rule == "narrative.zero_base_growth"]
    assert {f.locations[0].line for f in zero if f.stated == 100} == {2304, 2306, 2308, 2352, 2361}
    assert all(f.severity == "warning" for f in zero)
    rounding = find(report, "text.rounding")  # a 尾差 is no error: one line lists them all
    assert rounding.severity == "info" and "尾差" in rounding.message
    assert any((loc.table, loc.row, loc.line) == ("表6", "301", 1448) for loc in rounding.locations)
    assert not [f for f in report.findings if f.rule.startswith(("hierarchy", "row", "summary", "cross"))
                and f.severity == "warning"]


def test_naming_and_text_defects(report: Report) -> None:
    messages = [f.message for f in report.findings if f.rule == "text.name_differs"]
    assert any("其他商贸事务支出务" in m for m in messages)
    assert any("抗疫特别国债" in m for m in messages)
    assert any("昌吉州2023年葡萄酒发展专项" in m for m in messages)
    assert find(report, "text.precision", line=2357).severity == "warning"
    assert find(report, "catalog.basic_in_project_item", "表3", "2011301", "project").severity == "warning"


def test_findings_that_follow_are_grouped(report: Report) -> None:
    by_id = {f.id: f for f in report.findings}
    f = find(report, "row.total_equals_parts", "表5", "2011399", "total", 1247)
    head = by_id[f.caused_by] if f.caused_by else f
    assert f.id in head.follows or f is head
    assert any(g.follows for g in report.findings)


def _corrections(report: Report) -> dict[tuple, str]:
    return {(c.table, c.row, c.column): c.likely for c in report.localisation}


def test_localisation(report: Report) -> None:
    fixes = _corrections(report)
    assert fixes[("表4", "201", "一般公共预算")] == "2313.63"
    assert fixes[("表2", "201", "财政拨款(补助)小计")] == "2313.63"
    assert fixes[("表2", "20113", "财政拨款(补助)小计")] == "2313.63"
    assert fixes[("表6", "20111", "编码")] == "30111"
    assert fixes[("表5", "2011399", "合计")] in ("1854.62", "1854.22")
    garbled = next(c for c in report.localisation if c.table == "表4")
    assert garbled.stated == "2313.6333.632303.6319" and garbled.line == 937


def test_every_error_is_explained_by_localisation_or_is_not_a_cell_error(report: Report) -> None:
    explained = {i for c in report.localisation for i in c.explains}
    numeric = [f for f in report.findings if f.severity == "error" and f.family in ("row", "hierarchy", "cross")]
    for f in numeric:
        assert f.id in explained or f.caused_by in explained or set(f.follows) & explained, f.message


def test_the_costs_of_a_target_add_up_to_no_more_than_its_budget(report: Report) -> None:
    """Each cost indicator of 工业互联网发展路径分析研究项目 is within its 6.47万元, but together they are not:
    a warning, as the audit's W17 (an upper bound may be loose)."""
    f = next(f for f in report.findings if f.rule == "performance.cost_within_budget" and "合计" in f.message)
    assert (f.stated, f.expected, f.severity) == (Decimal("6.48"), Decimal("6.47"), "warning")


def test_a_table_yusuan_could_not_make_out_is_no_missing_table() -> None:
    """表3's title garbled: yusuan cannot tell which table it is, so a missing 支出总体情况表 is a reading
    notice naming where the table it could not make out is, never an error of the document."""
    text = EXAMPLE.read_text("utf-8").replace("\n支出总体情况表\n", "\n支出总■■■况表\n", 1)
    d = read_bytes(text.encode(), "example-garbled.txt")
    assert any(u.what == "table" for u in d.unread)
    report = check(d)
    assert "completeness.required_tables" not in {f.rule for f in report.findings}
    notice = next(n for n in report.reading.notices if n.rule == "reading.table")
    assert notice.message.startswith("没有读到支出总体情况表：可能是第") and "行未能识别的表格" in notice.message
