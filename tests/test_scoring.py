"""The scoring method: every item passes on a document that meets it and fails on one that does not (built
from examples/small-unit-budget.yaml, the part an item looks at taken out or put wrong); the method is data
with a source clause for each item; `yusuan score` gives the total and every item with its clause."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import EXAMPLE
from yusuan.budget.io import load_budget
from yusuan.build.document import build
from yusuan.check.engine import check
from yusuan.check.findings import Finding, Location
from yusuan.cli import app
from yusuan.errors import YusuanError
from yusuan.model import Disclosure, Row
from yusuan.recognise.claims import parse_claims
from yusuan.scoring import Policy, Timing, load_method, score
from yusuan.scoring.method import parse_method

SMALL = Path(__file__).parent.parent / "examples" / "small-unit-budget.yaml"
METHOD = load_method()
runner = CliRunner()


@pytest.fixture(scope="module")
def small() -> Disclosure:
    return build(load_budget(SMALL)[0])


def _error(rule: str, row: str | None = None) -> Finding:
    """A finding of the check; with a row and no figures, as the check names a project without a target table."""
    return Finding(id="F1", rule=rule, family=rule.split(".")[0], severity="error", message="示例错误",
                   locations=[Location(table="表5", row=row or "2012604", column="合计", line=12)],
                   stated=None if row else Decimal("1.00"), expected=None if row else Decimal("2.00"))


def _without_topic(d: Disclosure, *topics: str) -> None:
    """The narrative's sections of these topics, their paragraphs and claims taken out."""
    titles = {s.title for s in d.narrative.sections if s.topic in topics}
    d.narrative.sections = [s for s in d.narrative.sections if s.topic not in topics]
    d.narrative.paragraphs = [p for p in d.narrative.paragraphs if p.section not in titles]
    d.narrative.claims = [c for c in d.narrative.claims if c.section not in titles]


def _drop_rows(d: Disclosure, kinds: tuple[str, ...], length: int) -> None:
    for table in d.tables:
        if table.kind in kinds:
            table.rows = [r for r in table.rows if not (r.code and len(r.code) == length)]


def _no_split(d: Disclosure) -> None:
    table = d.table("three_public")
    table.rows = [Row(label="合计", is_total=True), Row(label="公务用车购置及运行费")]  # type: ignore[union-attr]


def _no_basic_project(d: Disclosure) -> None:
    for table in d.tables:
        if table.kind in ("expense", "gpb_expense"):
            table.columns = [c for c in table.columns if c.key not in ("basic", "project")]
    d.narrative.claims = [c for c in d.narrative.claims if c.subject_kind not in ("basic", "project")]


def _final(d: Disclosure, counts: bool) -> None:
    d.document.kind = "final"
    if counts:
        text = "2025年因公出国（境）团组0个，0人次；公务用车购置0辆，保有量3辆；国内公务接待15批次，120人次。"
        d.narrative.claims += parse_claims(text, None, "“三公”经费支出决算情况说明", (d.document.unit or "",))


def _garbled(d: Disclosure) -> None:
    for table in d.tables:
        for row in table.rows:
            row.values = dict.fromkeys(row.values)


APPROVED = date(2026, 1, 20)
ON_TIME = Timing(approved=APPROVED, published=date(2026, 2, 5))
Case = tuple[Callable[[Disclosure], None] | None, list[Finding], Timing | None]
# item → (what makes the document pass it, findings, dates), (what makes it fail it, findings, dates)
CASES: dict[str, tuple[Case, Case]] = {
    "tables.required": ((None, [], None), (lambda d: setattr(d, "tables", [t for t in d.tables if t.kind not in (
        "income", "expense", "gpb_basic_expense", "three_public")]), [], None)),
    "tables.empty_explained": ((None, [], None), (lambda d: ([setattr(t, "note", None) for t in d.tables],
                                                            _without_topic(d, "fund", "capital")), [], None)),
    "overview.functions": ((None, [], None), (lambda d: (setattr(d.overview, "functions", []),
                                                        setattr(d.overview, "organisation", None)), [], None)),
    "three_public.reasons": ((None, [], None), (lambda d: setattr(d.narrative, "claims", [
        c for c in d.narrative.claims if c.subject_kind != "three_public"]), [], None)),
    "office_running.stated": ((None, [], None), (lambda d: _without_topic(d, "office_running"), [], None)),
    "procurement.stated": ((None, [], None), (lambda d: _without_topic(d, "procurement"), [], None)),
    "assets.stated": ((None, [], None), (lambda d: _without_topic(d, "assets"), [], None)),
    "performance.coverage": ((None, [], None), (None, [_error("performance.matches_projects", row="馆藏档案数字化项目")], None)),
    "glossary": ((None, [], None), (lambda d: setattr(d, "glossary", []), [], None)),
    "detail.functional_item": ((None, [], None), (lambda d: _drop_rows(d, ("gpb_expense", "expense"), 7), [], None)),
    "detail.economic_section": ((None, [], None), (lambda d: _drop_rows(d, ("gpb_basic_expense",), 5), [], None)),
    "detail.basic_project": ((None, [], None), (_no_basic_project, [], None)),
    "three_public.split": ((None, [], None), (lambda d: (_no_split(d), _without_topic(d, "three_public")), [], None)),
    "three_public.counts": ((lambda d: _final(d, True), [], None), (lambda d: _final(d, False), [], None)),
    "timeliness.deadline": ((None, [], ON_TIME), (None, [], Timing(approved=APPROVED, published=date(2026, 2, 20)))),
    "manner.kept_public": ((None, [], ON_TIME), (None, [], Timing(approved=APPROVED, published=date(2026, 2, 5),
                                                                withdrawn=True))),
    "manner.readable": ((None, [], None), (_garbled, [], None)),
    "accuracy.tables": ((None, [], None), (None, [_error("row.total_equals_parts")] * 6, None)),
    "accuracy.cross": ((None, [], None), (None, [_error("cross.income_vs_expense")] * 5, None)),
    "accuracy.narrative": ((None, [], None), (None, [_error("narrative.amount_matches_table")] * 5, None)),
    "accuracy.codes": ((None, [], None), (None, [_error("catalog.malformed_code")] * 2, None)),
    "accuracy.targets": ((None, [], None), (None, [_error("performance.funds_add_up")] * 2, None)),
}


def _item(d: Disclosure, case: Case, item_id: str):
    change, findings, timing = case
    copy = d.model_copy(deep=True)
    if change is not None:
        change(copy)
    return next(i for i in score(copy, findings, METHOD, timing).items if i.id == item_id)


def test_every_item_of_the_method_is_tested_here() -> None:
    assert {i.id for i in METHOD.items} == set(CASES)


@pytest.mark.parametrize("item_id", list(CASES))
def test_an_item_passes_a_document_that_meets_it(small: Disclosure, item_id: str) -> None:
    got = _item(small, CASES[item_id][0], item_id)
    assert got.status == "pass", got.explanation
    assert got.points == got.possible > 0


@pytest.mark.parametrize("item_id", list(CASES))
def test_an_item_fails_a_document_that_does_not(small: Disclosure, item_id: str) -> None:
    got = _item(small, CASES[item_id][1], item_id)
    assert got.status == "fail", (got.status, got.explanation)
    assert got.points == 0 and got.possible > 0 and got.explanation and got.basis and got.requirement


def test_partial_credit_and_what_does_not_apply(small: Disclosure) -> None:
    scored = score(small, [_error("row.total_equals_parts")], METHOD)
    tables = next(i for i in scored.items if i.id == "accuracy.tables")
    assert (tables.status, tables.points, tables.findings) == ("partial", Decimal("5.00"), ["F1"])
    by_id = {i.id: i for i in scored.items}
    assert by_id["three_public.counts"].status == "not_applicable"  # a budget: only final accounts must say it
    assert by_id["timeliness.deadline"].status == "not_applicable"  # no approval date known
    assert scored.possible == 100 - 3 - 10 - 3
    assert scored.score == (scored.points * 100 / scored.possible).quantize(Decimal("0.1"))
    assert sum(d.possible for d in scored.dimensions) == scored.possible
    late = score(small, [], METHOD, Timing(approved=APPROVED, as_of=date(2026, 3, 1)))  # not published, past the deadline
    item = next(i for i in late.items if i.id == "timeliness.deadline")
    assert item.status == "fail" and "已逾期 20 天" in item.explanation


def test_a_project_table_without_any_target_table(small: Disclosure) -> None:
    d = small.model_copy(deep=True)
    d.performance_targets = []
    report = check(d)  # the check names the project it finds no target for
    item = next(i for i in score(d, report.findings, METHOD).items if i.id == "performance.coverage")
    assert (item.status, item.explanation) == ("fail", "项目支出表所列 1 个项目都没有绩效目标")
    d.tables = [t for t in d.tables if t.kind != "gpb_project_expense"]
    item = next(i for i in score(d, [], METHOD).items if i.id == "performance.coverage")
    assert (item.status, item.explanation) == ("fail", "有项目支出，但没有公开绩效目标")


def test_each_table_left_out_costs_its_points(small: Disclosure) -> None:
    d = small.model_copy(deep=True)
    d.tables = [t for t in d.tables if t.kind != "gpb_basic_expense"]
    item = next(i for i in score(d, [], METHOD).items if i.id == "tables.required")
    assert (item.status, item.points, item.explanation) == ("partial", Decimal("10.00"), "缺少一般公共预算基本支出情况表")


def test_a_finding_counts_once_for_the_cell_it_is_about(small: Disclosure) -> None:
    head, follower = _error("row.total_equals_parts"), _error("hierarchy.parent_equals_children")
    follower.id, follower.caused_by = "F2", "F1"
    item = next(i for i in score(small, [head, follower], METHOD).items if i.id == "accuracy.tables")
    assert item.findings == ["F1"] and item.points == Decimal("5.00")


def test_the_method_is_data_with_a_clause_for_every_item() -> None:
    assert sum(i.points for i in METHOD.items) == 100
    assert list(METHOD.dimensions.values()) == ["完整性", "细化程度", "及时性", "公开方式", "真实性"]
    for item in METHOD.items:
        assert item.basis and item.requirement and item.dimension in METHOD.dimensions
    bases = " ".join(i.basis for i in METHOD.items)
    for source in ("预算法》第十四条", "预算法实施条例》第六条", "财预〔2016〕143号"):
        assert source in bases
    assert METHOD.basis_of("cross.income_vs_expense")[0] == METHOD.item("accuracy.cross").basis  # type: ignore[union-attr]
    assert METHOD.basis_of("no.such_rule") == (METHOD.basis, METHOD.requirement)


@pytest.mark.parametrize(("text", "message"), [
    ("name = ", "不是有效的 TOML"),
    ('name = "x"\ntitle = "x"\n[dimensions]\na = "甲"\n[[item]]\nid = "i"\ndimension = "a"\nname = "i"\ncheck = "nope"\n'
     'points = 1\nbasis = "b"\nrequirement = "r"\n', "check “nope” 不存在"),
    ('name = "x"\ntitle = "x"\n[dimensions]\na = "甲"\n[[item]]\nid = "i"\ndimension = "b"\nname = "i"\n'
     'check = "glossary"\npoints = 1\nbasis = "b"\nrequirement = "r"\n', "维度 b"),
    ('name = "x"\ntitle = "x"\n[dimensions]\n', "缺少 item"),
])
def test_a_bad_method_is_refused_with_a_message(text: str, message: str) -> None:
    with pytest.raises(YusuanError, match=message):
        parse_method(text)


def test_a_method_of_ones_own(tmp_path: Path, small: Disclosure) -> None:
    own = tmp_path / "province.toml"
    own.write_text('name = "province"\ntitle = "某省评分办法"\n[dimensions]\ncompleteness = "完整性"\n'
                   '[[item]]\nid = "glossary"\ndimension = "completeness"\nname = "名词解释"\ncheck = "glossary"\n'
                   'points = 10\nparams = { min_terms = 20 }\nbasis = "某省办法第五条"\nrequirement = "解释二十个名词"\n',
                   "utf-8")
    scored = score(small, [], load_method(own))
    assert (scored.title, scored.items[0].status, scored.items[0].points) == ("某省评分办法", "partial", Decimal("5.00"))
    with pytest.raises(YusuanError, match="没有这个评分方法"):
        load_method(tmp_path / "none.toml")


def test_a_policy_blocks_fatal_rules_and_items(small: Disclosure) -> None:
    d = small.model_copy(deep=True)
    d.glossary = []
    findings = [_error("cross.income_vs_expense"), _error("narrative.share"), _error("completeness.sections")]
    findings[1].id, findings[2].id = "F2", "F3"
    scored = score(d, findings, METHOD)
    blocking, warning = Policy.of(METHOD).blocking(findings, scored)
    assert blocking == ["F1 cross.income_vs_expense"]
    assert "F2 narrative.share" in warning and "glossary 名词解释" in warning
    assert not any("completeness.sections" in w for w in warning)  # the glossary item says it, not again
    own = Policy.of(METHOD, ("narrative.*",), ("glossary",))
    assert own.blocking(findings, scored)[0] == ["F2 narrative.share", "glossary 名词解释"]


def test_score_json_gives_the_total_and_every_item_with_its_clause() -> None:
    result = runner.invoke(app, ["score", str(EXAMPLE), "--format", "json", "--approved", "2023-01-20",
                                 "--published", "2023-02-15"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["document"]["unit"] == "昌吉州工业和信息化局"
    assert Decimal(data["score"]) == (Decimal(data["points"]) * 100 / Decimal(data["possible"])).quantize(Decimal("0.1"))
    assert [i["id"] for i in data["items"]] == [i.id for i in METHOD.items]
    for item in data["items"]:
        assert set(item) >= {"id", "name", "status", "points", "possible", "basis", "requirement", "explanation", "findings"}
        assert item["basis"]
    timeliness = next(i for i in data["items"] if i["id"] == "timeliness.deadline")
    assert timeliness["status"] == "fail" and "逾期 6 天" in timeliness["explanation"]
    cross = next(i for i in data["items"] if i["id"] == "accuracy.cross")
    assert cross["status"] == "fail" and cross["findings"]  # the example's tables disagree with each other


def test_score_in_the_terminal_and_bad_input() -> None:
    result = runner.invoke(app, ["score", str(EXAMPLE)])
    assert result.exit_code == 0 and "得分" in result.output and "依据：" in result.output
    bad = runner.invoke(app, ["score", str(EXAMPLE), "--approved", "二月"])
    assert bad.exit_code == 2 and "不是日期" in bad.output
    missing = runner.invoke(app, ["score", "no-such-file.pdf"])
    assert missing.exit_code == 2 and "Traceback" not in missing.output
    unknown = runner.invoke(app, ["score", str(EXAMPLE), "--method", "nope"])
    assert unknown.exit_code == 2 and "没有这个评分方法" in unknown.output


def test_the_server_scores_with_the_method_yusuan_scoring_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    from yusuan.web.app import create_app

    own = tmp_path / "province.toml"
    own.write_text('name = "province"\ntitle = "某省评分办法"\ndeadline_days = 15\n[dimensions]\ncompleteness = "完整性"\n'
                   '[[item]]\nid = "glossary"\ndimension = "completeness"\nname = "名词解释"\ncheck = "glossary"\n'
                   'points = 10\nbasis = "某省办法第五条"\nrequirement = "解释名词"\n', "utf-8")
    monkeypatch.setenv("YUSUAN_SCORING", str(own))
    app = create_app(f"sqlite:///{tmp_path / 'y.db'}", secret="s")
    method = TestClient(app).get("/api/v1/scoring").json()
    assert (method["title"], method["deadline_days"], [i["id"] for i in method["items"]]) == ("某省评分办法", 15, ["glossary"])
    assert TestClient(app).get("/api/v1/versions/1/score").json()["items"][0]["basis"] == "某省办法第五条"
    monkeypatch.setenv("YUSUAN_SCORING", str(tmp_path / "none.toml"))
    with pytest.raises(YusuanError, match="没有这个评分方法"):
        create_app(f"sqlite:///{tmp_path / 'y.db'}", secret="s")
