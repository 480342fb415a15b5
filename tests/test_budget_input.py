"""A malformed budget file is its user's mistake: `yusuan build` answers exit status 2 and a Chinese
message naming where (line and column of a JSON or YAML file, sheet, row and column of the workbook),
never a traceback or exit 3."""

import copy
import io
import json
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from typer.testing import CliRunner

from yusuan.budget.io import load_budget
from yusuan.budget.workbook import write_workbook
from yusuan.cli import app

SMALL = Path(__file__).parent.parent / "examples" / "small-unit-budget.yaml"
YAML_TEXT = SMALL.read_text("utf-8")
DATA = yaml.safe_load(YAML_TEXT)
JSON_TEXT = json.dumps(DATA, ensure_ascii=False, indent=1)
WORKBOOK = write_workbook(load_budget(SMALL)[0])
ENGLISH = ("Input should", "Field required", "Error", "Traceback", "line ", "column ", "unable to", "valid ")
runner = CliRunner()
slow = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def build(tmp_path_factory, name: str, data: bytes):
    folder = tmp_path_factory.mktemp("budget")
    (folder / name).write_bytes(data)
    return runner.invoke(app, ["build", str(folder / name), "-o", str(folder / "out"), "-f", "xlsx,docx,html"])


def assert_users_mistake(result, name: str) -> None:
    """Built (exit 1 when what was built fails its own check, each error named), or refused with exit 2 and a
    Chinese message naming the file and where in it."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1, 2), result.output
    if result.exit_code == 1:
        assert "核查错误：F" in result.output and "请改正预算数据后重新生成" in result.output, result.output
    if result.exit_code in (0, 1):
        return
    message = result.output
    assert message.startswith(f"错误：{Path(name).name}") or f"{name}: " in message, message
    assert not [word for word in ENGLISH if word in message], message
    if "格式有误" in message:
        assert re.search(r"第\d+行第\d+列：(JSON|YAML) 格式有误", message), message
    problems = [line.strip() for line in message.splitlines() if line.startswith("  ") and "……共" not in line]
    assert all(re.match(r"(第\d+行)?“|整个文件|“[^”]+”表", p) for p in problems), problems


@st.composite
def broken_texts(draw: st.DrawFn) -> tuple[str, str]:
    """The small unit's budget as YAML or JSON, cut short, or with a character or two put in or taken out."""
    name, text = draw(st.sampled_from([("budget.yaml", YAML_TEXT), ("budget.json", JSON_TEXT)]))
    at = draw(st.integers(0, len(text)))
    how = draw(st.sampled_from(["cut", "insert", "delete"]))
    if how == "cut":
        return name, text[:at]
    if how == "delete":
        return name, text[:at] + text[at + draw(st.integers(1, 12)):]
    inserted = draw(st.sampled_from(["\t", "[", "{", "]", "}", ",", ":", ": ", '"', "'", "- ", "&a ", "*a", "? ",
                                     "!!python/object:os.system ", "\x00", "\n  ", "\n\t", "#", "%", "@", "`", "\\q",
                                     "1" * 5000]))
    return name, text[:at] + inserted + text[at:]


@slow
@example(case=("budget.yaml", YAML_TEXT.replace("  name: 示例县档案馆", "\tname: 示例县档案馆")))
@example(case=("budget.yaml", YAML_TEXT.replace("staffing: {编制数: 8,", "staffing: {编制数: 8")))
@example(case=("budget.json", JSON_TEXT[: len(JSON_TEXT) // 2]))
@example(case=("budget.yaml", YAML_TEXT.replace("year: 2026", "year: " + "1" * 5000)))  # past int()'s 4,300 digits
@example(case=("budget.yaml", YAML_TEXT.replace("year: 2026", "year: 0x" + "f" * 5000)))  # an int str() cannot write
@given(case=broken_texts())
def test_broken_json_and_yaml(case: tuple[str, str], tmp_path_factory) -> None:
    name, text = case
    assert_users_mistake(build(tmp_path_factory, name, text.encode("utf-8")), name)


def paths(data: object, path: tuple = ()) -> list[tuple]:
    """Every value's path in the budget data, whole parts too."""
    if isinstance(data, dict):
        return [path] + [p for k, v in data.items() for p in paths(v, (*path, k))]
    if isinstance(data, list):
        return [path] + [p for i, v in enumerate(data) for p in paths(v, (*path, i))]
    return [path]


wrong_values = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(allow_nan=False),
                         st.text(max_size=12), st.lists(st.integers(), max_size=2),
                         st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
                         st.sampled_from(["1E+30", "NaN", "-Infinity", "0.001", "2026, 2027", "1,234.50"]))


@slow
@example(path=("unit", "year"), value="2026, 2027", name="budget.yaml")  # an unquoted comma
@example(path=("lines", 0, "amount"), value="abc", name="budget.json")
@example(path=("lines", 0, "functional"), value=2012604, name="budget.yaml")  # a code not quoted
@example(path=("unit", "name"), value=None, name="budget.json")
@example(path=("prior", "income:gpb"), value=1e-300, name="budget.json")  # a growth rate over it overflows
@example(path=("unit", "functions", 0), value="职能\x07", name="budget.json")  # no Word or Excel file holds it
@given(path=st.sampled_from(paths(DATA)[1:]), value=st.one_of(st.just(KeyError), wrong_values),
       name=st.sampled_from(["budget.yaml", "budget.json"]))
def test_wrong_types_and_missing_values(path: tuple, value: object, name: str, tmp_path_factory) -> None:
    data = copy.deepcopy(DATA)
    holder = data
    for part in path[:-1]:
        holder = holder[part]
    if value is KeyError:
        del holder[path[-1]]
    else:
        holder[path[-1]] = value
    text = yaml.safe_dump(data, allow_unicode=True) if name.endswith(".yaml") else json.dumps(data, ensure_ascii=False)
    assert_users_mistake(build(tmp_path_factory, name, text.encode("utf-8")), name)


SHEETS = load_workbook(io.BytesIO(WORKBOOK)).sheetnames
cell_values = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                        st.floats(allow_nan=False, allow_infinity=False),
                        st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=12),
                        st.sampled_from(["abc", "1E+30", "NaN", "二〇二六", "12.345", "人员经费", "", "=1+1"]))


@slow
@example(cells=[("单位情况", 3, 2, "二〇二六")])
@example(cells=[("单位情况", 9, 2, "八")])
@example(cells=[("国有资产", 14, 2, "一辆")])
@example(cells=[("政府采购", 2, 2, "abc")])
@given(cells=st.lists(st.tuples(st.sampled_from(SHEETS), st.integers(1, 16), st.integers(1, 10), cell_values),
                      min_size=1, max_size=4))
def test_a_workbook_with_any_cell_changed(cells: list, tmp_path_factory) -> None:
    wb = load_workbook(io.BytesIO(WORKBOOK))
    for sheet, row, column, value in cells:
        wb[sheet].cell(row=row, column=column, value=value)
    out = io.BytesIO()
    wb.save(out)
    assert_users_mistake(build(tmp_path_factory, "budget.xlsx", out.getvalue()), "budget.xlsx")


@pytest.mark.parametrize(("name", "data", "said"), [
    ("budget.yaml", YAML_TEXT.replace("  name: 示例县档案馆", "\tname: 示例县档案馆").encode(),
     "budget.yaml: 第4行第1列：YAML 格式有误：制表符（Tab）不能用来缩进或开始一个值，请改用空格"),
    ("budget.yaml", YAML_TEXT.replace("staffing: {编制数: 8,", "staffing: {编制数: 8").encode(),
     "budget.yaml: 第11行第25列：YAML 格式有误：花括号 { } 没有闭合，或缺少逗号"),
    ("budget.yaml", YAML_TEXT.replace("year: 2026", "year: 2026, 2027").encode(),
     "第5行“unit.year”（年度）：应为整数，而不是“2026, 2027”"),
    ("budget.json", JSON_TEXT[:200].encode(), "JSON 格式有误"),
    ("budget.json", JSON_TEXT.replace('"amount": "62.40"', '"amount": "六十二"', 1).encode(),
     "“lines[0].amount”（金额）：应为数字，而不是“六十二”"),
    ("budget.xlsx", WORKBOOK[: len(WORKBOOK) // 2], "文件已损坏"),
], ids=["tab", "unclosed-brace", "unquoted-comma", "cut-json", "not-a-number", "cut-workbook"])
def test_where_the_mistake_is(name: str, data: bytes, said: str, tmp_path_factory) -> None:
    result = build(tmp_path_factory, name, data)
    assert result.exit_code == 2 and said in result.output, result.output
    assert_users_mistake(result, name)


def test_workbook_problems_name_the_sheet_row_and_label(tmp_path_factory) -> None:
    wb = load_workbook(io.BytesIO(WORKBOOK))
    wb["单位情况"]["B2"] = None
    wb["单位情况"]["B3"] = "二〇二六"
    wb["单位情况"]["B9"] = "八"
    wb["国有资产"]["B14"] = "一辆"
    wb["支出明细"]["F3"] = "abc"
    out = io.BytesIO()
    wb.save(out)
    result = build(tmp_path_factory, "budget.xlsx", out.getvalue())
    assert result.exit_code == 2
    for said in ("“单位情况”表第2行“单位名称”：必须填写", "“单位情况”表第3行“年度”：应为整数，而不是“二〇二六”",
                 "“单位情况”表第9行“人员：编制数”：应为整数，而不是“八”",
                 "“国有资产”表第14行“数量（辆）”列：应为整数，而不是“一辆”", "“支出明细”表第3行“金额”列：应为数字，而不是“abc”"):
        assert said in result.output, result.output
