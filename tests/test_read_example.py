"""The reference example, read completely, against a fixture verified by hand
(tests/fixtures/example_expected.json, transcribed independently of the reader)."""

import json
from collections import Counter
from decimal import Decimal

import pytest

from conftest import EXAMPLE, FIXTURES
from yusuan.model import Disclosure
from yusuan.read import read_bytes

EXPECTED = json.loads((FIXTURES / "example_expected.json").read_text("utf-8"))
KINDS = {
    "表1": "income_expense_summary", "表2": "income", "表3": "expense", "表4": "fiscal_summary",
    "表5": "gpb_expense", "表6": "gpb_basic_expense", "表7": "gpb_project_expense", "表8": "gov_fund_expense",
    "表9": "state_capital_expense", "表10": "three_public",
}
# the fixture names 表10's label column "item"; the model calls it "label" (款 is "item")
RENAMED = {("three_public", "item"): "label"}


def test_document_facts(example: Disclosure) -> None:
    doc = example.document
    assert (doc.unit, doc.year, doc.kind, doc.money_unit) == ("昌吉州工业和信息化局", 2023, "budget", "万元")


def test_tables_recognised_by_meaning(example: Disclosure) -> None:
    assert {t.number: t.kind for t in example.tables} == KINDS
    assert all(t.unit == "万元" for t in example.tables)
    assert example.unread == []


@pytest.mark.parametrize("number", list(KINDS))
def test_every_cell_of_every_table(example: Disclosure, number: str) -> None:
    table = example.find_table(number)
    expected = EXPECTED["tables"][number]
    assert [c.key for c in table.columns] == [RENAMED.get((table.kind, k), k) for k in expected["columns"]]
    assert len(table.rows) == len(expected["rows"])
    for want, row in zip(expected["rows"], table.rows, strict=True):
        assert row.line == want["line"]
        for key, text in want["cells"].items():
            key = RENAMED.get((table.kind, key), key)
            assert (row.raw.get(key) or None) == text, (number, row.line, key)
            column = table.column(key)
            if column.is_amount and text is not None and text.replace(".", "", 1).isdigit():
                assert row.values[key] == Decimal(text)
            elif column.is_amount and text is None:
                assert row.values[key] is None


def test_garbled_cell_is_kept_and_marked(example: Disclosure) -> None:
    row = next(r for r in example.find_table("表4").rows if r.code == "201")
    assert row.raw["gpb"] == "2313.6333.632303.6319"
    assert row.values["gpb"] is None and row.is_garbled("gpb")
    assert row.source["gpb"].line == 937


def test_codes_and_levels(example: Disclosure) -> None:
    t5 = example.find_table("表5")
    assert [(r.code, r.level) for r in t5.rows[:4]] == [("201", 1), ("20113", 2), ("2011301", 3), ("2011399", 3)]
    t6 = example.find_table("表6")
    assert t6.rows[1].code == "30101" and t6.rows[1].level == 2
    assert any(r.code == "20111" for r in t6.rows)  # printed as 201/11: kept as printed, the checks flag it
    t1 = example.find_table("表1")
    assert t1.rows[0].code == "201" and t1.rows[0].name == "一般公共服务支出"
    assert next(r for r in t1.rows if r.code == "210").name == "卫生健康支出"  # `210卫生健康支出`, no space


def test_header_tree(example: Disclosure) -> None:
    t2 = example.find_table("表2")
    spans = {(h.text, h.row): (h.col, h.colspan) for h in t2.header}
    assert spans[("功能分类科目编码", 0)] == (0, 3)
    assert spans[("财  政  拨  款  (  补  助  )", 0)] == (5, 7)
    assert spans[("非财政拨款结转结余", 0)] == (15, 1)
    t3 = example.find_table("表3")
    spans = {h.text: (h.col, h.colspan) for h in t3.header if h.row == 0}
    assert spans == {"项    目": (0, 4), "支出预算": (4, 3)}
    assert t3.column("total").path == ["支出预算", "合计"]


def test_total_rows_and_notes(example: Disclosure) -> None:
    for table in example.tables:
        assert sum(r.is_total for r in table.rows) == 1, table.number
    assert example.find_table("表10").rows[0].is_total  # 三公 prints its 合计 first
    assert "为空表" in example.find_table("表8").note
    assert "为空表" in example.find_table("表9").note
    assert example.find_table("表7").filler_rows == 8


def test_performance_targets(example: Disclosure) -> None:
    assert len(example.performance_targets) == len(EXPECTED["performance_targets"]) == 9
    for want, got in zip(EXPECTED["performance_targets"], example.performance_targets, strict=True):
        assert (got.unit, got.project, got.owner, got.goal, got.line) == (
            want["unit"], want["project"], want["owner"], want["goal"], want["line"])
        assert {k: got.amounts_raw.get(k) or None for k in ("total", "fiscal", "other")} == {
            k: want[k] for k in ("total", "fiscal", "other")}
        assert len(got.indicators) == len(want["indicators"])
        for w, ind in zip(want["indicators"], got.indicators, strict=True):
            assert (ind.line, ind.level1, ind.level2, ind.level3, ind.value, ind.basis, ind.prior, ind.weight_raw,
                    ind.rule, ind.evidence) == (w["line"], w["level1"], w["level2"], w["level3"], w["value"],
                                                w["basis"], w["prior"], w["weight"], w["rule"], w["evidence"])
    first = example.performance_targets[0]
    assert (first.total, first.fiscal, first.other, first.amount_unit) == (Decimal(200), Decimal(200), None, "万元")
    ind = first.indicators[0]
    assert (ind.comparator, ind.number, ind.value_unit, ind.weight) == ("≥", Decimal(1), "家", Decimal(10))


def _claimed(example: Disclosure) -> Counter:
    seen: Counter = Counter()
    for claim in example.narrative.claims:
        for field in ("amount", "share", "change", "growth_rate", "count"):
            value = getattr(claim, field)
            if value is not None:
                seen[(claim.line, field, value)] += 1
    return seen


def test_narrative_figures(example: Disclosure) -> None:
    expected: Counter = Counter()
    for f in EXPECTED["narrative_figures"]:
        kind = "count" if f["kind"] == "area" else f["kind"]
        expected[(f["line"], kind, Decimal(f["value"]))] += 1
    claimed = _claimed(example)
    assert claimed - expected == Counter()
    # the only figures not made claims restate another inside a reason (主要原因是…本年度安排162万元)
    assert sorted(expected - claimed) == [
        (2304, "amount", Decimal("162")), (2306, "amount", Decimal("3991.48")), (2308, "amount", Decimal("40")),
        (2352, "amount", Decimal("27.85")), (2361, "amount", Decimal("428.71"))]


def test_claim_subjects(example: Disclosure) -> None:
    by_line = {(c.line, c.subject_kind, c.subject) for c in example.narrative.claims}
    assert (2292, "income_source", "一般公共预算") in by_line
    assert (2313, "basic", "基本支出") in by_line
    assert (2404, "three_public", "公务接待费") in by_line
    assert (2410, "office_running", "机关运行经费财政拨款预算") in by_line
    assert (2413, "procurement", "政府采购货物预算") in by_line
    assert (2430, "performance", "非财政拨款项目涉及预算金额") in by_line
    claim = next(c for c in example.narrative.claims if c.line == 2357)
    assert (claim.amount, claim.change, claim.growth_rate) == (Decimal("1.74"), Decimal("-7.192"), Decimal("-80.82"))
    assert claim.subject_kind == "expense_item" and claim.section.startswith("（三）")


def test_overview_and_glossary(example: Disclosure) -> None:
    assert len(example.overview.functions) == 13
    assert example.overview.staffing == {"编制数": 38, "实有人数": 79, "在职": 32, "退休": 46, "离休": 1}
    assert example.overview.staffing_changes == {"在职": -1, "退休": 2, "离休": 0}
    assert len(example.overview.departments) == 8
    assert [g.term for g in example.glossary][:2] == ["财政拨款", "一般公共预算"]
    assert len(example.glossary) == 8
    assert example.glossary[-1].definition.endswith("公务用车运行维护费及其他费用。")
    assert example.document.date == "2023年1月31日"


def test_gb18030_and_crlf_give_the_same_model(example: Disclosure) -> None:
    data = EXAMPLE.read_text("utf-8").replace("\n", "\r\n").encode("gb18030")
    other = read_bytes(data, str(EXAMPLE))
    assert other.model_dump() == example.model_dump()


def test_utf8_bom_is_accepted(example: Disclosure) -> None:
    other = read_bytes(b"\xef\xbb\xbf" + EXAMPLE.read_bytes(), str(EXAMPLE))
    assert other.tables == example.tables
