"""yusuan build: every table a view of one fact table, so what it builds checks clean."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from typer.testing import CliRunner

from budgets import budgets
from conftest import FIXTURES
from yusuan.budget.io import load_budget
from yusuan.budget.model import Budget
from yusuan.budget.workbook import save, write_workbook
from yusuan.build.document import build
from yusuan.build.extract import corrected, extract
from yusuan.build.wording import change
from yusuan.check.engine import check
from yusuan.cli import app
from yusuan.model import Disclosure
from yusuan.model.numbers import squash
from yusuan.read import read, read_bytes
from yusuan.render.docx import render_docx
from yusuan.render.html import render_html

CORRECTED = FIXTURES / "changji-corrected.txt"
runner = CliRunner()


def table_cells(d: Disclosure) -> dict[tuple, object]:
    return {(t.number, i, k): v for t in d.tables for i, r in enumerate(t.rows) for k, v in r.values.items()}


def cells(d: Disclosure) -> dict[tuple, Decimal]:
    """Every amount by table kind, row and column. A row is its code; in the summary tables the
    income side is its item (its rows pair income items with classes only as printed)."""
    out = {}
    for t in d.tables:
        for r in t.rows:
            for k, v in r.values.items():
                if not v:
                    continue
                label = squash(r.raw.get("income_item", ""))
                if k.startswith("income_"):
                    if re.match(r"^(\d\.|[一二]、|收入总计)", label):
                        # the items the summary's identities use; templates differ in their 其中 rows
                        out[(t.kind, label.lstrip("0123456789."), k)] = v
                elif r.code or r.is_total:
                    out[(t.kind, r.code or "合计", k)] = v
    return out


@pytest.fixture(scope="module")
def rebuilt() -> tuple[Disclosure, Disclosure]:
    published = read(CORRECTED)
    budget, _ = extract(published)
    return published, build(budget)


def test_extract_and_build_give_the_published_tables_back(rebuilt: tuple[Disclosure, Disclosure]) -> None:
    published, built = rebuilt
    a, b = cells(published), cells(built)
    differ = {k: (a.get(k), b.get(k)) for k in a.keys() | b.keys() if a.get(k) != b.get(k)}
    # the one 0.01 尾差 the corrected copy keeps (表6 301 = 518.89, its 款 add up to 518.88) cannot be a view of
    # any fact table: the built tables add up exactly, which moves 0.01 in 表5/表3/表2 too
    assert all(abs((x or 0) - (y or 0)) == Decimal("0.01") for x, y in differ.values()), differ
    assert len(differ) <= 50  # the 0.01 in every total above 2101199 and 301, in seven tables


def test_what_is_built_checks_clean(rebuilt: tuple[Disclosure, Disclosure]) -> None:
    report = check(rebuilt[1])
    assert [f.message for f in report.findings if f.severity == "error"] == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(budgets())
def test_random_budgets_build_read_back_and_check_clean(budget: Budget) -> None:
    built = build(budget)
    assert [f.message for f in check(built).findings if f.severity == "error"] == []
    for fmt, render in (("html", lambda d: render_html(d).encode("utf-8")), ("docx", render_docx)):
        back = read_bytes(render(built), f"random.{fmt}")
        assert table_cells(back) == table_cells(built), fmt
        assert [f.message for f in check(back).findings if f.severity == "error"] == [], fmt


def test_workbook_round_trip(tmp_path: Path, rebuilt: tuple[Disclosure, Disclosure]) -> None:
    budget, _ = extract(rebuilt[0])
    for name in ("budget.xlsx", "budget.json", "budget.yaml"):
        path = tmp_path / name
        save(budget, path)
        loaded, _ = load_budget(path)
        assert loaded.lines == budget.lines and loaded.unit == budget.unit
        assert loaded.prior == budget.prior and loaded.projects == budget.projects


def test_problems_are_named_by_sheet_row_and_column(tmp_path: Path, rebuilt: tuple[Disclosure, Disclosure]) -> None:
    from openpyxl import load_workbook

    budget, _ = extract(rebuilt[0])
    path = tmp_path / "budget.xlsx"
    path.write_bytes(write_workbook(budget))
    wb = load_workbook(path)
    ws = wb["支出明细"]
    ws["B3"] = "2019988"  # not a 项 of the catalog
    ws["C4"] = "30201"
    ws["D4"] = "人员经费"  # 办公费 is no 人员经费
    ws["F5"] = "12.345"
    wb.save(path)
    result = runner.invoke(app, ["build", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "“支出明细”表第3行“功能分类科目编码”列" in result.output
    assert "“支出明细”表第4行“经济分类科目编码”列" in result.output
    assert "“支出明细”表第5行“金额”列" in result.output
    assert "Traceback" not in result.output


def test_template_workbook(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "t.xlsx"
    result = runner.invoke(app, ["template", "-o", str(path), "--year", "2026"])
    assert result.exit_code == 0
    wb = load_workbook(path)
    assert wb.sheetnames[:4] == ["说明", "单位情况", "主要职能", "支出明细"]
    assert [c.value for c in wb["支出明细"][1]] == [
        "资金来源", "功能分类科目编码", "经济分类科目编码", "支出类型", "项目名称", "金额"]
    lists = {str(v.sqref): v.formula1 for v in wb["支出明细"].data_validations.dataValidation}
    assert lists["B2:B5000"].startswith("=代码!$B$1")
    again = runner.invoke(app, ["template", "-o", str(path)])
    assert again.exit_code == 2 and "已存在" in again.output  # nothing is overwritten unasked


def test_build_writes_every_format(tmp_path: Path, rebuilt: tuple[Disclosure, Disclosure]) -> None:
    budget, _ = extract(rebuilt[0])
    path = tmp_path / "budget.json"
    save(budget, path)
    result = runner.invoke(app, ["build", str(path), "-o", str(tmp_path / "out"), "-f", "xlsx,docx,html"])
    assert result.exit_code == 0, result.output
    names = sorted(p.suffix for p in (tmp_path / "out").iterdir())
    assert names == [".docx", ".html", ".xlsx"]


@pytest.mark.parametrize(("value", "prior", "words"), [
    (Decimal("120"), Decimal("100"), "比上年预算增加20.00万元，增长20.00%"),
    (Decimal("80"), Decimal("100"), "比上年预算减少20.00万元，下降20.00%"),
    (Decimal("100"), Decimal("100"), "与上年预算持平"),
    (Decimal("50"), Decimal("0"), "比上年预算增加50.00万元（上年无此项预算，不计算增长率）"),
    (Decimal("1.74"), Decimal("8.93"), "比上年预算减少7.19万元，下降80.52%"),
    (Decimal("2918.03"), Decimal("699.10"), "比上年预算增加2218.93万元，增长317.40%"),
])
def test_wording_of_changes(value: Decimal, prior: Decimal, words: str) -> None:
    assert change(value, prior) == words


def test_extract_takes_the_localised_corrections(example: Disclosure) -> None:
    fixed, changes = corrected(example)
    assert "表4 201 一般公共预算：2313.6333.632303.6319 → 2313.63" in changes
    assert "表6 20111 编码：201 11 → 30111" in changes
    # 表5 2011399 takes 表2's 一般公共预算 1854.22, the 0.40 staying 行政运行's project money as 表3 prints it:
    # fewer cells than moving the 0.40 into 2011399 as the hand-corrected copy does (both stories hold)
    assert "表5 2011399 合计：2283.33 → 1854.22" in changes
    budget, _ = extract(fixed)
    built = build(budget)
    # the corrected figures are the tables' figures: 表5 and 表2 agree on every 项
    by_code = {r.code: r for r in built.find_table("表5").rows if r.code}
    assert by_code["2011399"].values["total"] == fixed.find_table("表5").rows[3].values["total"] == Decimal("1854.22")
    for fmt, render in (("html", lambda d: render_html(d).encode("utf-8")), ("docx", render_docx)):
        back = read_bytes(render(built), f"example.{fmt}")
        # the tables agree; the target tables are as printed, and the corrections moved money they describe
        # (大数据's ≤2083.33 cost now of a 1654.22 project; 428.71 in 2150517 of no named project)
        errors = {f.rule for f in check(back).findings if f.severity == "error"}
        assert errors == {"performance.cost_within_budget", "performance.matches_projects"}, fmt


def test_a_template_is_data(rebuilt: tuple[Disclosure, Disclosure]) -> None:
    """Another region's table set is a template file, not code: 上海's nine tables."""
    budget, _ = extract(rebuilt[0])
    budget.template = "shanghai"
    built = build(budget)
    assert [(t.number, t.kind) for t in built.tables] == [
        ("表1", "income_expense_summary"), ("表2", "income"), ("表3", "expense"), ("表4", "fiscal_summary"),
        ("表5", "gpb_expense"), ("表6", "gov_fund_expense"), ("表7", "state_capital_expense"),
        ("表8", "gpb_basic_expense"), ("表9", "three_public")]
    back = read_bytes(render_html(built).encode("utf-8"), "shanghai.html")
    assert [t.kind for t in back.tables] == [t.kind for t in built.tables]  # its titles are recognised
    assert table_cells(back) == table_cells(built)


SMALL = Path(__file__).parent.parent / "examples" / "small-unit-budget.yaml"


def test_pdf_sets_its_chinese_in_the_shipped_face() -> None:
    """A fresh machine has no CJK font: the PDF's face comes with `pip install` (pylopdf-fonts-zh-cn), and
    no other face is embedded (a fallback would be a system font, or boxes)."""
    import io

    import pdfplumber

    from yusuan.render.pdf import render_pdf

    with pdfplumber.open(io.BytesIO(render_pdf(build(load_budget(SMALL)[0])))) as pdf:
        assert {c["fontname"].split("+")[-1] for page in pdf.pages for c in page.chars} == {"Noto-Sans-SC"}
        assert "示例县档案馆2026年单位预算公开" in squash(pdf.pages[0].extract_text())


def test_no_pdf_of_boxes_without_the_chinese_face(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the face (a broken install) the build refuses the PDF by the font's name and how to get it;
    the formats that need no font are still written, and the exit status says something was refused."""
    import sys

    monkeypatch.setitem(sys.modules, "pylopdf_fonts_zh_cn", None)  # import fails
    result = runner.invoke(app, ["build", str(SMALL), "-o", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "缺少中文字体 Noto Sans SC" in result.output and "pip install pylopdf-fonts-zh-cn" in result.output
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".docx", ".html", ".xlsx"]


def test_no_pdf_of_boxes_for_a_character_the_face_lacks(tmp_path: Path) -> None:
    text = SMALL.read_text("utf-8").replace("负责全县档案的接收", "负责全县档案🗄的接收")
    (tmp_path / "budget.yaml").write_text(text, "utf-8")
    result = runner.invoke(app, ["build", str(tmp_path / "budget.yaml"), "-o", str(tmp_path / "out"), "-f", "pdf"])
    assert result.exit_code == 2 and "字体 Noto Sans SC 中没有这些字符：🗄" in result.output
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
