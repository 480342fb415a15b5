from typer.testing import CliRunner

from yusuan import catalog
from yusuan.cli import app


def test_lookup_uses_the_nearest_year_and_says_which() -> None:
    entry = catalog.lookup("2011301", 2023)
    assert entry.name == "行政运行" and entry.level == 3 and entry.year in (2022, 2024)
    assert catalog.lookup("2011301", 2022).year == 2022
    assert [p.code for p in catalog.parents("2011301", 2023)] == ["201", "20113"]


def test_classification_of_codes() -> None:
    assert catalog.classify("2011301") == "functional"
    assert catalog.classify("30111") == "economic_department"
    assert catalog.classify("50101") == "economic_government"
    assert catalog.classify("20111") == "functional"
    assert catalog.classify("3010201") == "economic_department"  # a region's own level under 30102 (重庆)
    assert catalog.classify("12") is None and catalog.classify("20A13") is None


def test_unknown_is_not_malformed() -> None:
    assert catalog.classify("2019988") == "functional" and catalog.lookup("2019988", 2023) is None


def test_a_misfiled_code_is_found_by_its_name() -> None:
    found = catalog.find_by_name("公务员医疗补助缴费", "economic_department", 2023)
    assert [e.code for e in found] == ["30111"]


def test_catalog_command() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["catalog", "2011301", "--year", "2023"])
    assert result.exit_code == 0
    assert "行政运行" in result.output and "20113 商贸事务（款）" in result.output and "目录年度" in result.output
    result = runner.invoke(app, ["catalog", "2019988"])
    assert result.exit_code == 1 and "未收录" in result.output
    result = runner.invoke(app, ["catalog", "12x"])
    assert result.exit_code == 2 and "不是分类科目编码：应为 3、5 或 7 位数字" in result.output
