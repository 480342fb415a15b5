"""The command line: exit statuses, output formats, settings and bad input."""

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import EXAMPLE
from yusuan.cli import app

runner = CliRunner()


def test_check_terminal_output_and_exit_status() -> None:
    result = runner.invoke(app, ["check", str(EXAMPLE)])
    assert result.exit_code == 1
    assert "错误" in result.output and "row.total_equals_parts" in result.output
    assert "最可能出错的单元格" in result.output


def test_check_json_contract() -> None:
    result = runner.invoke(app, ["check", str(EXAMPLE), "--format", "json"])
    data = json.loads(result.output)
    assert set(data) >= {"document", "summary", "findings", "localisation"}
    assert data["summary"]["errors"] >= 17
    f = data["findings"][0]
    assert set(f) >= {"id", "rule", "severity", "message", "locations", "stated", "expected", "difference"}
    assert set(f["locations"][0]) >= {"table", "kind", "row", "column", "line", "page"}
    assert set(data["localisation"][0]) >= {"table", "row", "column", "stated", "likely", "explains"}


def test_check_html_is_one_standalone_file(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["check", str(EXAMPLE), "--format", "html", "-o", str(out)])
    assert result.exit_code == 1
    html = out.read_text("utf-8")
    assert "<script src" not in html and "<link" not in html
    assert 'class="num  error"' in html or "error\"" in html
    assert "2313.6333.632303.6319" in html and "→ 2313.63" in html
    assert '<mark class="bad">' in html  # a wrong narrative figure is marked


def test_check_csv() -> None:
    result = runner.invoke(app, ["check", str(EXAMPLE), "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert rows and {"rule", "table", "line", "stated", "expected"} <= set(rows[0])


def test_settings_file_and_flags(tmp_path: Path) -> None:
    config = tmp_path / "yusuan.toml"
    config.write_text('[check]\nweight_total = 90\n[severity]\n"performance.summary_sentence" = "warning"\n',
                      "utf-8")
    data = json.loads(runner.invoke(app, ["check", str(EXAMPLE), "--format", "json", "--config", str(config)]).output)
    weights = [f for f in data["findings"] if f["rule"] == "performance.weights_total"]
    assert all(f["expected"] == "90" for f in weights)
    assert all(f["severity"] == "warning" for f in data["findings"] if f["rule"] == "performance.summary_sentence")
    result = runner.invoke(app, ["check", str(EXAMPLE), "--severity", "no.such_rule=info"])
    assert result.exit_code == 2 and "规则" in result.output


def test_bad_settings_file(tmp_path: Path) -> None:
    config = tmp_path / "yusuan.toml"
    config.write_text("[check\n", "utf-8")
    result = runner.invoke(app, ["check", str(EXAMPLE), "--config", str(config)])
    assert result.exit_code == 2 and "设置文件" in result.output


def test_rules_lists_every_rule() -> None:
    result = runner.invoke(app, ["rules"], terminal_width=200)
    assert result.exit_code == 0
    for rule in ("hierarchy.parent_equals_children", "row.total_equals_parts", "cross.gpb_expense_vs_income",
                 "narrative.growth_rate", "performance.weights_total", "completeness.required_tables"):
        assert rule in result.output


@pytest.mark.parametrize(("content", "message"), [
    (b"", "文件为空"), (b"\x00\x01\x02binary" * 50, "二进制"), (b"\xff\xfe\xfa\xfb" * 40, "无法解码"),
    ("这只是一段普通的文字，不是预算公开文件。\n".encode(), "没有找到任何预算公开表"),
])
def test_bad_input_is_one_clear_message(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "input.txt"
    path.write_bytes(content)
    for command in ("parse", "show", "check"):
        result = runner.invoke(app, [command, str(path)])
        assert result.exit_code == 2, (command, result.output)
        assert message in result.output and str(path) in result.output
        assert "Traceback" not in result.output


def test_missing_file_and_directory(tmp_path: Path) -> None:
    result = runner.invoke(app, ["parse", str(tmp_path / "nope.txt")])
    assert result.exit_code == 2 and "文件不存在" in result.output
    result = runner.invoke(app, ["parse", str(tmp_path)])
    assert result.exit_code == 2 and "目录" in result.output


def test_parse_and_show() -> None:
    data = json.loads(runner.invoke(app, ["parse", str(EXAMPLE)]).output)
    t5 = next(t for t in data["tables"] if t["number"] == "表5")
    assert t5["kind"] == "gpb_expense" and t5["columns"][:4] == ["class", "item", "sub", "name"]
    row = next(r for r in t5["rows"] if r["code"] == "2011301")
    assert row["values"]["total"] == "459.41" and row["raw"]["total"] == "459.41"
    assert row["source"]["total"]["line"] == 1239
    assert data["performance_targets"][0]["total"] == "200"
    claim = next(c for c in data["narrative"]["claims"] if c["line"] == 2357)
    assert claim["growth_rate"] == "-80.82"
    shown = runner.invoke(app, ["show", str(EXAMPLE), "--table", "表5"], terminal_width=200)
    assert "一般公共预算支出情况表" in shown.output and "2283.33" in shown.output and "表6" not in shown.output


def test_version_is_fast_and_imports_nothing_heavy() -> None:
    code = "import sys, yusuan.cli; print(sorted(m for m in ('highspy', 'pydantic', 'numpy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_help_is_chinese_and_whole_on_a_narrow_terminal() -> None:
    """Typer's own words are Chinese too, and no command's summary is cut off mid-sentence at 80 columns."""
    env = {**__import__("os").environ, "COLUMNS": "80", "TERM": "dumb"}
    for args in ([], ["check"], ["admin", "create"]):
        out = subprocess.run([sys.executable, "-m", "yusuan", *args, "--help"], capture_output=True, text=True, env=env,
                             check=True).stdout
        assert "Show this message" not in out and "Options" not in out and "选项" in out, out
        assert "…" not in out or args, out


def test_a_code_of_no_classification_says_why() -> None:
    result = runner.invoke(app, ["catalog", "9999999"])
    assert result.exit_code == 2 and "7 位" not in result.output and "功能分类编码以 201–299 开头" in result.output
    local = runner.invoke(app, ["catalog", "3010201"])  # 重庆 prints such codes under the national 款
    assert local.exit_code == 0 and "地方自设的下级科目" in local.output and "30102" in local.output


def test_an_output_path_that_cannot_be_written_is_the_users_to_mend(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    for args in (["check", str(EXAMPLE), "-f", "html", "-o", str(tmp_path / "no" / "such" / "report.html")],
                 ["template", "-o", str(tmp_path / "no" / "budget.xlsx")],
                 ["build", str(SMALL), "-f", "html", "-o", str(tmp_path / "file")]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "无法写入" in result.output and "缺陷" not in result.output


SMALL = Path(__file__).parent.parent / "examples" / "small-unit-budget.yaml"


def test_build_says_when_what_it_built_fails_its_own_check(tmp_path: Path) -> None:
    """Weights of 95: the files are written for a look, the findings named, and the exit status is 1."""
    budget = tmp_path / "budget.yaml"
    budget.write_text(SMALL.read_text("utf-8").replace('weight: "10", rule: 满意度赋分', 'weight: "5", rule: 满意度赋分'),
                      "utf-8")
    result = runner.invoke(app, ["build", str(budget), "-f", "html", "-o", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    assert "指标权重合计" in result.output and "权重合计 95，应为 100" in result.output
    assert len(list((tmp_path / "out").iterdir())) == 1
    assert runner.invoke(app, ["build", str(SMALL), "-f", "html", "-o", str(tmp_path / "ok")]).exit_code == 0


def test_admin_create_checks_all_but_the_password_before_asking_for_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'y.db'}"
    for args, said in ((["boss", "--role", "boss"], "角色应为"),
                       (["boss", "--role", "editor", "--unit", "没有的局"], "没有这个单位")):
        result = runner.invoke(app, ["admin", "create", *args, "--database", url], input="")
        assert result.exit_code == 2 and said in result.output and "密码" not in result.output, result.output
    mismatch = runner.invoke(app, ["admin", "create", "boss", "--database", url], input="a-long-password\nanother-one\n")
    assert mismatch.exit_code == 2 and "两次输入的密码不一致" in mismatch.output
    assert "Repeat" not in mismatch.output and "Error" not in mismatch.output


def test_serve_on_a_busy_port_says_so_before_its_banner(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "yusuan", "serve", "--port", str(port), "--database",
                                 f"sqlite:///{tmp_path / 'y.db'}"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "端口已被占用" in result.stderr and f"--port {port + 1}" in result.stderr
    assert "yusuan 网站" not in result.stdout and not (tmp_path / "y.db").exists()  # refused before any work


HANGZHOU = EXAMPLE.parent / "corpus" / "06_hangzhou_qixiangju_2026_budget.pdf"  # 1 error, 11 sums within rounding


def test_check_names_rules_in_chinese_and_folds_rounding_after_the_errors() -> None:
    result = runner.invoke(app, ["check", str(HANGZHOU)], terminal_width=200)
    out = result.output
    assert result.exit_code == 1
    assert "F1 情况说明各部分齐全 completeness.sections" in out
    # the eleven 尾差 come after the errors on one line; pages as printed, the PDF's beside
    assert out.index("错误（1）") < out.index("尾差") < out.index("11 处合计与其各项之和的差在所印数字的四舍五入范围内")
    assert "表1 本年收入合计 预算数（第14页（PDF 第15页））；" in out
    assert "错误 1 个，警告 0 个" in out
    assert "不适用的规则1条（所需表格缺失：项目支出表与一般公共预算支出表一致）" in re.sub(r"\s", "", out)  # which ones


def test_check_says_what_it_read_before_what_it_found(tmp_path: Path) -> None:
    """The reading report first: tables and target tables read, the narrative's parts, and what was not understood
    (普陀司法局's page 3 is a scanned image), in the terminal and in the HTML report."""
    putuo = EXAMPLE.parent / "corpus" / "14_shanghai_putuo_sifaju_2026_budget.pdf"
    out = runner.invoke(app, ["check", str(putuo)], terminal_width=200).output
    assert out.index("读取情况 读到公开表") < out.index("未能读懂的部分") < out.index("第3页：没有文字层") < out.index("错误（")
    html = tmp_path / "report.html"
    runner.invoke(app, ["check", str(putuo), "-f", "html", "-o", str(html)])
    text = html.read_text("utf-8")
    assert text.index("<h2>读取情况</h2>") < text.index("第3页：没有文字层") < text.index("<h2>发现的问题</h2>")


def test_rules_lists_names_families_and_table_kinds_in_chinese() -> None:
    out = runner.invoke(app, ["rules"], terminal_width=200).output
    assert "行内合计等于各栏之和  row.total_equals_parts" in out and "表间勾稽" in out
    assert "表格：收入总体情况表、支出总体情况表、一般公共预算支出情况表" in out and "表格：income" not in out


def test_the_html_report_places_header_cells_on_their_own_columns(tmp_path: Path) -> None:
    """表3 of the Hangzhou PDF: 功能分类科目名称 and 总计 span two header rows, so 人员支出 and 日常公用支出 sit under
    基本支出, not under the first two columns (the report used to lay header rows out from the left)."""
    out = tmp_path / "report.html"
    runner.invoke(app, ["check", str(HANGZHOU), "-f", "html", "-o", str(out)])
    html = out.read_text("utf-8")
    table = html[html.index("表3 2026年市级部门支出预算总表"):]
    assert re.search(r'<th rowspan="2">功能分类科目名称</th><th rowspan="2">总计</th><th colspan="2">基本支出</th>', table)


def test_the_html_report_marks_the_figure_a_narrative_finding_is_about(tmp_path: Path) -> None:
    """A PDF's paragraphs have no line: each finding marks its own paragraph, and in it the figure it names. The
    住房公积金 paragraph prints 208.8万元 in its heading and 201.50万元 below: the amount that differs from the
    table and the rate computed from it are marked, not the heading's."""
    out = tmp_path / "report.html"
    runner.invoke(app, ["check", str(EXAMPLE.parent / "corpus" / "14_shanghai_putuo_sifaju_2026_budget.pdf"),
                        "-f", "html", "-o", str(out)])
    html = out.read_text("utf-8")
    assert html.count('class="claim-bad"') == 5  # F1–F4 in four paragraphs, F6's doubled 。 in a fifth
    housing = next(p for p in re.findall(r'<p class="claim-bad".*?</p>', html, re.S) if "住房公积金" in p)
    assert re.findall(r'<mark class="bad">(.*?)</mark>', housing) == ["201.50万元", "增加5.27%"]


@pytest.mark.parametrize("document", [EXAMPLE, HANGZHOU])
def test_every_finding_with_a_place_can_be_opened_in_the_html_report(tmp_path: Path, document: Path) -> None:
    """看单元格 links to `#cell-F…`: a cell, a paragraph, or (a performance target table, a place the report does not
    draw) the finding's own row; 23 of the example's 68 went nowhere."""
    out = tmp_path / "report.html"
    runner.invoke(app, ["check", str(document), "-f", "html", "-o", str(out)])
    report = json.loads(runner.invoke(app, ["check", str(document), "-f", "json"]).stdout)
    anchors = re.findall(r'id="cell-(F\d+)"', out.read_text("utf-8"))
    assert sorted(anchors) == sorted(f["id"] for f in report["findings"] if f["locations"])


@pytest.mark.parametrize(("args", "said"), [
    (["check"], "缺少参数 'PATH'"), (["check", "--nope", "x"], "没有这个选项：--nope"),
    (["check", "-f", "xml", "x"], "的值“xml”无效，可选：'terminal'、'json'、'html'、'csv'"),
    (["catalog", "--year", "abc", "201"], "'--year' 的值无效，应为整数"), (["nosuch"], "没有这个命令：nosuch"),
])
def test_usage_errors_are_chinese_and_exit_2(args: list[str], said: str) -> None:
    result = subprocess.run([sys.executable, "-m", "yusuan", *args], capture_output=True, text=True,
                            env={**__import__("os").environ, "COLUMNS": "200"})
    assert result.returncode == 2 and said in result.stderr, result.stderr
    assert "Missing" not in result.stderr and "Invalid value" not in result.stderr and "No such" not in result.stderr
