"""With last year's document in the store, the narrative's comparisons are checked against it."""

from pathlib import Path

import pytest

from yusuan.budget.io import load_budget
from yusuan.build.document import build
from yusuan.intake import take_in
from yusuan.render.html import render_html
from yusuan.store.db import sessions
from yusuan.store.schema import FindingRow

SMALL = Path(__file__).parent.parent / "examples" / "small-unit-budget.yaml"


def document(year: int, gpb_salary: str, prior_gpb: str) -> bytes:
    budget, _ = load_budget(SMALL)
    budget.unit.year = year
    budget.lines[0].amount = budget.lines[0].amount.__class__(gpb_salary)
    budget.prior = {"income:gpb": budget.prior["income:gpb"].__class__(prior_gpb)}
    return render_html(build(budget)).encode("utf-8")


@pytest.mark.parametrize(("prior", "found"), [("160.25", False), ("150.00", True)])
def test_last_years_figure_is_checked_against_last_years_document(store_url: str, prior: str, found: bool) -> None:
    make = sessions(store_url)
    with make.begin() as session:
        # 2025: 一般公共预算拨款 = 176.55 − 62.40 + 46.10 = 160.25
        take_in(session, document(2025, "46.10", "100.00"), "2025.html")
        stored = take_in(session, document(2026, "62.40", prior), "2026.html")
        rows = session.query(FindingRow).filter_by(version_id=stored.version.id,
                                                   rule="cross_year.prior_matches_published").all()
    assert bool(rows) == found
    if found:
        assert "160.25" in rows[0].message and "2025年第1版" in rows[0].message
        assert stored.version.errors >= 1
