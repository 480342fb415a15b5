import pytest

from yusuan.registry import registry


@pytest.mark.parametrize(("title", "kind"), [
    ("收支总体情况表", "income_expense_summary"), ("2026年部门收支总表", "income_expense_summary"),
    ("财务收支预算总表", "income_expense_summary"), ("部门收入总表", "income"), ("支出预算总表", "expense"),
    ("财政拨款收支预算总体情况表", "fiscal_summary"), ("财政拨款收支总表", "fiscal_summary"),
    ("一般公共预算支出情况表", "gpb_expense"), ("一般公共预算基本支出情况表", "gpb_basic_expense"),
    ("一般公共预算项目支出情况表", "gpb_project_expense"), ("政府性基金预算支出情况表", "gov_fund_expense"),
    ("国有资本经营预算支出情况表", "state_capital_expense"), ("财政拨款“三公”经费支出情况表", "three_public"),
    ("表 5  一般公共预算支出情况表", "gpb_expense"), ("项目支出绩效目标表", None), ("编制单位：某局", None),
])
def test_title_recognition(title: str, kind: str | None) -> None:
    found = registry().recognise_title(title)
    assert (found.id if found else None) == kind


@pytest.mark.parametrize(("path", "key"), [
    (["支出预算", "合计"], "total"), (["项目", "功能分类科目编码", "类"], "class"),
    (["财政拨款(补助)", "财政拨款(补助)小计"], "fiscal_subtotal"), (["财政拨款结转"], "fiscal_carryover"),
    (["非财政拨款结转结余"], "nonfiscal_carryover"), (["资金来源", "一般公共预算"], "gpb"),
    (["资本性支出（基本建设）"], "econ_309"), (["资本性支出"], "econ_310"), (["项目名称"], "project_name"),
])
def test_columns_by_meaning(path: list[str], key: str) -> None:
    assert registry().column_for(None, path).key == key


def test_kind_specific_columns_come_first() -> None:
    kind = registry().kind("income_expense_summary")
    assert registry().column_for(kind, ["收     入", "预算数"]).key == "income_amount"
    assert registry().column_for(kind, ["支     出", "功能分类"]).key == "expense_item"
