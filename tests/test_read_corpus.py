"""The real published PDFs in tests/fixtures/corpus, read end to end: which tables are found
(kind per table, in order), the headline total (收入总计 = 支出总计, as listed in the corpus
README), and cells checked by hand against the printed page (`pdftotext -layout -f N -l N`)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import FIXTURES
from yusuan.model import Disclosure, Row, Table
from yusuan.model.numbers import squash
from yusuan.read import read

CORPUS = FIXTURES / "corpus"

KINDS = {
    "01_guangzhou_qixiangju_2026_budget.pdf": [
        "income_expense_summary", "income", "expense", "fiscal_summary", "gpb_expense", "gpb_basic_expense",
        "gpb_project_expense", "three_public", "gov_fund_expense", "state_capital_expense", "basic_expense",
        "project_expense"],
    "04_shenzhen_qixiangju_2026_budget.pdf": [
        "income_expense_summary", "income", "expense", "basic_expense", "project_expense", "fiscal_summary",
        "gpb_expense", "gpb_economic_expense", "three_public", "gov_fund_expense", "state_capital_expense"],
    "06_hangzhou_qixiangju_2026_budget.pdf": [
        "income_expense_summary", "income", "expense", "fiscal_summary", "gpb_expense", "gpb_basic_expense",
        "three_public", "gov_fund_expense", "state_capital_expense", "project_expense", "project_performance"],
    "09_xian_qixiangju_2022_budget.pdf": [
        "income_expense_summary", "income", "expense", "fiscal_summary", "gpb_expense", "gpb_economic_expense",
        "gpb_basic_functional", "gpb_basic_expense", "gov_fund_expense", "project_expense", "carryover_expense",
        "procurement", "three_public"],
    "11_foshan_guidaojiaotong_2019_final.pdf": [
        "income_expense_summary", "income", "expense", "fiscal_summary", "gpb_expense", "gpb_basic_expense",
        "three_public", "gov_fund_expense"],
    "14_shanghai_putuo_sifaju_2026_budget.pdf": [
        "income_expense_summary", "income", "expense", "fiscal_summary", "gpb_expense", "gov_fund_expense",
        "state_capital_expense", "gpb_basic_expense", "three_public"],
}

# (unit, year, kind, money unit, headline 收入总计 = 支出总计)
FACTS = {
    "01_guangzhou_qixiangju_2026_budget.pdf": ("广州市气象局", 2026, "budget", "万元", "7651.71"),
    "04_shenzhen_qixiangju_2026_budget.pdf": ("深圳市气象局（本级）", 2026, "budget", "万元", "7199.97"),
    "06_hangzhou_qixiangju_2026_budget.pdf": ("杭州市气象局", 2026, "budget", "万元", "5876.67"),
    "09_xian_qixiangju_2022_budget.pdf": ("西安市气象局", 2022, "budget", "元", "18999011.66"),
    "11_foshan_guidaojiaotong_2019_final.pdf": ("佛山市轨道交通局", 2019, "final", "万元", "1668.14"),
    "14_shanghai_putuo_sifaju_2026_budget.pdf": ("上海市普陀区司法局", 2026, "budget", "元", "96282213.44"),
}

# (table: 表N or kind, row: code or printed label, column key, value as printed) — read off the page
CELLS = {
    "01_guangzhou_qixiangju_2026_budget.pdf": [
        ("表1", "一、预算拨款", "income_amount", "7,651.71"),                       # p5
        ("表2", "广州市防雷减灾管理办公室", "total", "1,551.56"),                     # p7
        ("表3", "2080505", "basic", "398.88"),                                      # p8
        ("表3", "2210203", "total", "1,257.35"),                                    # p9, continued page
        ("表5", "2200507", "project", "709.94"),                                    # p12, [2200507]气象信息传输及管理
        ("表6", "30217", "total", "1.31"),                                          # p14
        ("表6", "30231", "total", "21.50"),                                         # p15, continued page
        ("表8", "“三公”经费", "total", "26.11"),                                     # p17
        ("表8", "2.公务用车运行维护费", "gpb", "24.80"),                               # p17
        ("表11", "广州市生态与农业气象中心（广州市气候变化中心）", "total", "480.97"),     # p20, label over 3 lines
    ],
    "04_shenzhen_qixiangju_2026_budget.pdf": [
        ("表1", "本年收入合计", "income_amount", "7,139.97"),                        # p22
        ("表1", "上年结余、结转", "income_amount", "60.00"),                           # p22
        ("表1", "气象服务", "expense_amount", "1,549.15"),                            # p22
        ("表2", "深圳市气象局（本级）", "business_income", "40.00"),                   # p24
        ("表2", "深圳市气象局（本级）", "carryover", "60.00"),                         # p24
        ("表3", "2080505", "total", "184.11"),                                      # p25
        ("表3", "深圳市气象局（本级）", "procurement_sme", "734.66"),                  # p25
    ],
    "06_hangzhou_qixiangju_2026_budget.pdf": [
        ("表1", "行政运行", "expense_amount", "2,617.19"),                            # p15
        ("表3", "合计", "personnel", "2,906.80"),                                   # p17
        ("表3", "气象服务", "project", "2,103.61"),                                  # p17
        ("表5", "合计", "basic", "3,745.07"),                                       # p19
        ("表5", "气象服务", "total", "1,980.00"),                                    # p19
        ("表6", "办公费", "public", "50.01"),                                        # p20
        ("表7", "合计", "vehicle", "18.00"),                                        # p21
        ("表7", "合计", "reception", "6.02"),                                       # p21
    ],
    "09_xian_qixiangju_2022_budget.pdf": [
        ("表1", "19、自然资源海洋气象等支出", "expense_amount", "18803323.32"),          # p18
        ("表1", "其中：专项资金列入部门预算的项目", "income_amount", "0.00"),            # p18, label overflows
        ("表1", "(1)工资福利支出", "econ_amount", "1732620.66"),                      # p18
        ("表5", "2200509", "project", "13961500"),                                  # p22
        ("表5", "2200504", "personnel", "1536932.32"),                              # p22
        ("表8", "30108", "gov_econ_code", "50501"),                                 # p25, name overflows
        ("表10", "气象灾害、空气质量、气象影视、农业气象等业务运维", "total", "6540000"),  # p27
    ],
    "11_foshan_guidaojiaotong_2019_final.pdf": [
        ("表1", "七、其他收入", "income_amount", "0.01"),                             # p5
        ("表1", "十三、交通运输支出", "expense_amount", "1531.04"),                    # p6, continued page
        ("表1", "十三、交通运输支出", "line_no_2", "39"),                              # p6, 行次
        ("表2", "2140101", "fiscal", "609.29"),                                     # p8
        ("表2", "2140101", "other_income", "0.01"),                                 # p8
        ("表3", "214", "project", "921.75"),                                        # p10
        ("表6", "30101", "personnel", "301.79"),  # p17: 人员经费 | 公用经费 printed side by side, read as one list
    ],
    "14_shanghai_putuo_sifaju_2026_budget.pdf": [
        ("income_expense_summary", "一、财政拨款收入", "income_amount", "96,282,213.44"),  # p10
        ("income_expense_summary", "四、住房保障支出", "expense_amount", "4,521,559.00"),  # p10
        ("income", "2040699", "total", "38454900.00"),                              # p11, 204 06 99
        ("expense", "2040699", "project", "38454900.00"),                           # p12
        ("expense", "合计", "basic", "25741666.44"),                                 # p13, no header repeated
        ("gpb_basic_expense", "30102", "total", "12971818.00"),                     # p19
        ("gpb_basic_expense", "30201", "public", "120000.00"),                      # p19
        ("three_public", "", "reception", "0.83"),                                  # p21, in 万元
        ("three_public", "", "admin_running", "217.83"),                            # p21
    ],
}


@pytest.fixture(scope="module")
def corpus() -> dict[str, Disclosure]:
    return {name: read(CORPUS / name) for name in KINDS}


def _table(d: Disclosure, which: str) -> Table:
    table = d.find_table(which) or d.table(which)
    assert table is not None, which
    return table


def _row(table: Table, key: str) -> Row:
    if not key:
        return table.rows[0]
    for row in table.rows:
        if row.code == key or squash(key) in {squash(v) for v in row.raw.values()}:
            return row
    raise AssertionError(f"{table.name}: no row {key}")


@pytest.mark.parametrize("name", list(KINDS))
def test_kinds_in_order(corpus: dict[str, Disclosure], name: str) -> None:
    assert [t.kind for t in corpus[name].tables] == KINDS[name]


@pytest.mark.parametrize("name", list(KINDS))
def test_document_facts_and_headline(corpus: dict[str, Disclosure], name: str) -> None:
    d = corpus[name]
    unit, year, kind, money, headline = FACTS[name]
    assert (d.document.unit, d.document.year, d.document.kind, d.document.money_unit) == (unit, year, kind, money)
    summary = d.table("income_expense_summary")
    totals = [r for r in summary.rows if r.is_total and squash(r.raw.get("income_item", "")) in ("收入总计", "总计")]
    assert totals, "no 收入总计 row"
    assert totals[-1].values["income_amount"] == Decimal(headline)
    assert totals[-1].values["expense_amount"] == Decimal(headline)


@pytest.mark.parametrize(("name", "cell"), [(n, c) for n, cells in CELLS.items() for c in cells],
                         ids=lambda v: v if isinstance(v, str) else f"{v[0]}-{v[1]}-{v[2]}")
def test_cells_checked_by_hand(corpus: dict[str, Disclosure], name: str, cell: tuple[str, str, str, str]) -> None:
    which, key, column, printed = cell
    row = _row(_table(corpus[name], which), key)
    assert squash(row.raw[column]) == squash(printed)
    if column in row.values:
        assert row.values[column] == Decimal(printed.replace(",", ""))


def test_sources_point_at_the_page(corpus: dict[str, Disclosure]) -> None:
    table = corpus["01_guangzhou_qixiangju_2026_budget.pdf"].find_table("表3")
    row = _row(table, "2210203")
    assert row.page == 9 and row.source["total"].page == 9 and row.source["total"].x is not None
    assert table.source.page == 8


def test_empty_tables_explained(corpus: dict[str, Disclosure]) -> None:
    assert _table(corpus["01_guangzhou_qixiangju_2026_budget.pdf"], "表9").note == "注：本表本年无发生额。"
    xian = corpus["09_xian_qixiangju_2022_budget.pdf"]
    assert _table(xian, "表9").note == "不涉及"  # from the 公开空表理由 column of the list of tables
    shanghai = corpus["14_shanghai_putuo_sifaju_2026_budget.pdf"]
    assert _table(shanghai, "gov_fund_expense").note.endswith("故本表为空表。")


def test_prose_lines_are_joined_into_paragraphs(corpus: dict[str, Disclosure]) -> None:
    d = corpus["01_guangzhou_qixiangju_2026_budget.pdf"]
    assert any(p.text.startswith("2026年本部门收入预算7,651.71万元，比上年减少458.14万元") and p.text.endswith("。")
               for p in d.narrative.paragraphs)


def test_every_corpus_document_has_its_answer_key() -> None:
    assert {p.stem for p in CORPUS.glob("*.pdf")} == {p.stem for p in (CORPUS / "manifest").glob("*.toml")}


def test_a_list_printed_in_two_halves_is_one_list(corpus: dict[str, Disclosure]) -> None:
    table = corpus["11_foshan_guidaojiaotong_2019_final.pdf"].find_table("表6")
    assert [c.key for c in table.columns] == ["code", "name", "personnel", "public"]
    by_code = {r.code: r for r in table.rows if r.code}
    assert by_code["30101"].values["personnel"] == Decimal("301.79") and by_code["30101"].values["public"] is None
    assert by_code["30201"].values["public"] == Decimal("13.80")
    total = table.total_row()
    assert (total.values["personnel"], total.values["public"]) == (Decimal("649.20"), Decimal("97.19"))
