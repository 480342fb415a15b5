"""What yusuan builds reads back through its own readers to the same values, cell for cell,
and checks clean."""

from pathlib import Path

import pytest

from conftest import FIXTURES
from yusuan.budget.io import load_budget
from yusuan.build.document import build
from yusuan.build.extract import extract
from yusuan.check.engine import check
from yusuan.model import Disclosure
from yusuan.read import read, read_bytes
from yusuan.render.docx import render_docx
from yusuan.render.html import render_html
from yusuan.render.pdf import render_pdf
from yusuan.render.xlsx import render_xlsx

RENDER = {"docx": render_docx, "xlsx": render_xlsx, "html": lambda d: render_html(d).encode("utf-8"),
          "pdf": render_pdf}
SMALL = Path(__file__).parent.parent / "examples" / "small-unit-budget.yaml"


@pytest.fixture(scope="module")
def built() -> Disclosure:
    budget, _ = extract(read(FIXTURES / "changji-corrected.txt"))
    return build(budget)


def table_cells(d: Disclosure) -> dict[tuple, object]:
    return {(t.number, t.kind, i, k): v for t in d.tables for i, r in enumerate(t.rows) for k, v in r.values.items()}


@pytest.mark.parametrize("fmt", list(RENDER))
def test_read_back_cell_for_cell(built: Disclosure, fmt: str) -> None:
    back = read_bytes(RENDER[fmt](built), f"built.{fmt}")
    # a workbook has no cover, so its titles carry the year (`2023年收支总体情况表`)
    year = f"{built.document.year}年" if fmt == "xlsx" else ""
    assert [(t.number, t.kind, t.title) for t in back.tables] == [(t.number, t.kind, year + t.title) for t in built.tables]
    assert (back.document.unit, back.document.year) == (built.document.unit, built.document.year)
    for a, b in zip(built.tables, back.tables, strict=True):
        assert [c.key for c in a.columns] == [c.key for c in b.columns], a.number
        assert [(r.code, r.is_total) for r in a.rows] == [(r.code, r.is_total) for r in b.rows], a.number
    assert table_cells(back) == table_cells(built)


@pytest.fixture(scope="module")
def small() -> Disclosure:
    return build(load_budget(SMALL)[0])


@pytest.mark.parametrize("fmt", ["docx", "html", "pdf"])
def test_a_small_unit_filled_by_hand_reads_back_and_checks_clean(small: Disclosure, fmt: str) -> None:
    back = read_bytes(RENDER[fmt](small), f"small.{fmt}")
    assert table_cells(back) == table_cells(small)
    assert (back.document.unit, back.document.year, back.document.scope) == ("示例县档案馆", 2026, "单位")
    assert [t.project for t in back.performance_targets] == ["馆藏档案数字化项目"]
    report = check(back)
    assert [f.message for f in report.findings if f.severity == "error"] == []
    assert {f.rule for f in report.findings} <= {"catalog.unknown_code"}  # 20126 档案事务: not in the shipped catalog


@pytest.mark.parametrize("fmt", ["docx", "html", "pdf"])
def test_documents_read_back_check_clean(built: Disclosure, fmt: str) -> None:
    back = read_bytes(RENDER[fmt](built), f"built.{fmt}")
    assert len(back.performance_targets) == len(built.performance_targets)
    assert len(back.narrative.claims) == len(built.narrative.claims)
    report = check(back)
    assert [f.message for f in report.findings if f.severity == "error"] == []


def test_workbook_read_back_has_consistent_tables(built: Disclosure) -> None:
    back = read_bytes(render_xlsx(built), "built.xlsx")
    report = check(back)
    # a workbook holds the tables only: it is recognised as such, and the narrative's rules say nothing of it
    assert back.document.contents == "tables" and report.reading.contents == "tables"
    assert [f for f in report.findings if f.severity == "error"] == []
    assert {"completeness.sections", "narrative.share"} <= set(report.not_applicable)
