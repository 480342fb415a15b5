"""A region's review season, on SQLite and on PostgreSQL: its list of units read from CSV and Excel, each
unit's publication status and days from the store and the list, scores resting on the findings that stand,
the triage's order, later lists superseding earlier ones that are kept, the notices and the summary
workbook, from the library and from the command line."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document as WordDocument
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from conftest import EXAMPLE
from region import REGION, Planned, plan, register_csv, store
from yusuan.check.engine import check
from yusuan.cli import app
from yusuan.errors import YusuanError
from yusuan.read import read
from yusuan.scoring import load_method
from yusuan.season.notice import notice_docx, notice_html, unit_notice
from yusuan.season.register import read_register, template
from yusuan.season.season import Season, local_day, season, today
from yusuan.season.workbook import summary_workbook
from yusuan.store.db import sessions
from yusuan.store.schema import Account, FindingRow, Publication, Register, RegisterEntry, Version
from yusuan.store.season import add_register, region_named, set_published

runner = CliRunner()
METHOD = load_method()


@pytest.fixture(scope="module")
def region(store_url: str) -> dict:
    """Forty units stored through the intake, and the region's list imported."""
    plans = plan(40, today())
    made = sessions(store_url)
    with made.begin() as session:
        documents = store(session, plans)
        add_register(session, "名单.csv", register_csv(plans), read_register(register_csv(plans), "名单.csv"))
        region_id = region_named(session, REGION).id  # type: ignore[union-attr]
    return {"url": store_url, "sessions": made, "plans": plans, "region": region_id, "documents": documents}


def _season(region: dict, as_of: date | None = None) -> Season:
    with region["sessions"]() as session:
        return season(session, region["region"], 2026, "budget", METHOD, as_of=as_of)


def _entry(made: Season, p: Planned):
    return next(u.entry for u in made.units if u.entry.unit == p.unit)


# ------------------------------------------------------------------------------------------ the list

def test_a_list_reads_from_a_gbk_csv_a_utf8_csv_and_the_filled_template() -> None:
    plans = plan(12, date(2026, 3, 1))
    rows = read_register(register_csv(plans), "名单.csv")
    assert [(r.unit, r.scope, r.approved_on) for r in rows] == [(p.unit, p.scope, p.approved) for p in plans]
    assert rows[1].published_on == plans[1].published_on and rows[0].line == 2
    utf8 = register_csv(plans).decode("gb18030").encode("utf-8-sig")
    assert read_register(utf8, "名单.csv") == rows
    wb = load_workbook(io.BytesIO(template()))
    assert wb.sheetnames == ["名单", "填写说明"]
    ws = wb["名单"]
    ws.append(["新疆 昌吉州", "昌吉州工业和信息化局", "昌吉州工业和信息化局", None, 2026, "预算", date(2026, 1, 20)])
    ws.append(["新疆 昌吉州", "昌吉州工业和信息化局", "昌吉州工业和信息化局下属中心", "单位", "2026", "决算", "2026年1月20日",
               "2026/2/3", "https://example.gov.cn/1"])
    filled = io.BytesIO()
    wb.save(filled)
    first, second = read_register(filled.getvalue(), "名单.xlsx")
    assert (first.scope, first.kind, first.approved_on) == ("部门", "budget", date(2026, 1, 20))
    assert (second.scope, second.kind, second.published_on, second.url) == ("单位", "final", date(2026, 2, 3),
                                                                            "https://example.gov.cn/1")


def test_a_list_may_have_a_title_above_its_header_and_other_words_for_its_columns() -> None:
    text = "2026年部门预算公开名单\n区域,主管部门,单位名称,预算年度,批复时间\n示例市,教育局,教育局,2026,20260120\n"
    (row,) = read_register(text.encode("utf-8"), "名单.csv")
    assert (row.region, row.department, row.unit, row.approved_on) == ("示例市", "教育局", "教育局", date(2026, 1, 20))


def test_every_problem_of_a_list_is_named_by_its_row() -> None:
    text = ("地区,部门,单位,年度,类型,批复日期\n示例市,教育局,,2026,预算,2026-01-20\n"
            "示例市,教育局,一中,二〇二六,预算,2026-01-20\n示例市,教育局,二中,2026,概算,2026-01-20\n示例市,教育局,三中,2026,预算,2026-13-01\n"
            "示例市,教育局,四中,2026,预算,2026-01-20\n示例市,教育局,四中,2026,预算,2026-01-21\n")
    with pytest.raises(YusuanError) as error:
        read_register(text.encode("utf-8"), "名单.csv")
    message = str(error.value)
    for expected in ("名单有 5 个问题", "第2行：缺少单位", "第3行：年度“二〇二六”", "第4行：类型“概算”",
                     "第5行：批复日期“2026-13-01”", "第7行：四中2026年预算与第6行重复"):
        assert expected in message


@pytest.mark.parametrize(("data", "message"), [
    (b"a,b\n1,2\n", "没有找到名单的表头"), (b"\x00\x01binary", "CSV"), ("地区,部门,单位,年度\n".encode(), "名单中没有单位"),
    (b"PK\x03\x04broken", "损坏"),
])
def test_a_file_that_is_no_list_is_refused_with_a_message(data: bytes, message: str) -> None:
    with pytest.raises(YusuanError, match=message):
        read_register(data, "名单")


# ------------------------------------------------------------------------------------------ statuses

def test_each_unit_shows_whether_and_when_it_published(region: dict) -> None:
    made = _season(region)
    as_of = made.as_of
    for p in region["plans"]:
        e = _entry(made, p)
        deadline = p.approved + timedelta(days=20)
        assert (e.approved_on, e.deadline, e.scope) == (p.approved, deadline, p.scope)
        if p.withdrawn:
            assert e.status == "withdrawn"
        elif not p.stored:
            late = as_of > deadline
            assert (e.status, e.days_late, e.days_left) == (("overdue", (as_of - deadline).days, None) if late else
                                                            ("missing", None, (deadline - as_of).days)), p
            assert e.score is None and e.versions == []
        elif p.published_on and p.published_on > deadline:
            assert (e.status, e.days_late, e.published_on) == ("overdue", (p.published_on - deadline).days, p.published_on)
        elif p.amended:
            assert e.status == "amended" and e.late_change and [v.number for v in e.versions] == [1, 2]
            assert e.versions[1].late_change and not e.versions[0].late_change
        else:
            assert e.status == "published", p
            assert e.published_on == (p.published_on or as_of)  # the list's 公开日期, else the day it came
        if p.stored:
            assert e.score is not None and e.versions[0].sha256 and e.versions[0].source == "导入"
    counts = made.out().counts
    assert sum(counts.values()) == 40 and all(counts[s] for s in counts)


def test_a_unit_in_time_today_is_late_a_month_on(region: dict) -> None:
    waiting = next(p for p in region["plans"] if not p.stored and p.approved > today() - timedelta(days=20))
    assert _entry(_season(region), waiting).status == "missing"
    later = _entry(_season(region, today() + timedelta(days=30)), waiting)
    assert (later.status, later.days_late) == ("overdue", 15)
    assert any(b.startswith("timeliness.deadline") for b in later.blocking)


def test_the_triage_puts_what_blocks_first_then_the_lowest_scores(region: dict) -> None:
    entries = _season(region).out().entries
    keys = [(-len(e.blocking), e.score if e.score is not None else -1) for e in entries]
    assert keys == sorted(keys)
    assert entries[0].blocking and not entries[-1].blocking and entries[-1].score == 100


def test_flaws_show_in_the_scores_and_the_blocking_list(region: dict) -> None:
    made = _season(region)
    for p in region["plans"]:
        e = _entry(made, p)
        if "no_three_public_table" in p.flaws:
            assert "tables.required 公开表齐全" in e.blocking
        if "typo" in p.flaws and not p.amended:
            assert any("hierarchy.parent_equals_children" in b for b in e.blocking)
        if "no_glossary" in p.flaws:
            assert "glossary 名词解释" in e.warnings
        if p.stored and not p.flaws and not p.withdrawn:
            assert e.score == 100 and not e.blocking


def test_a_dismissed_finding_no_longer_counts(region: dict) -> None:
    p = next(p for p in region["plans"] if "typo" in p.flaws and not p.amended)
    before = _entry(_season(region), p)
    with region["sessions"].begin() as session:
        rows = session.scalars(select(FindingRow).where(FindingRow.version_id == before.version_id,
                                                        FindingRow.rule == "hierarchy.parent_equals_children")).all()
        for row in rows:
            row.status = "dismissed"
    after = _entry(_season(region), p)
    assert not any("hierarchy.parent_equals_children" in b for b in after.blocking)
    assert after.score > before.score  # type: ignore[operator]
    with region["sessions"].begin() as session:
        for row in session.scalars(select(FindingRow).where(FindingRow.id.in_([r.id for r in rows]))):
            row.status = "open"


def test_a_later_list_supersedes_an_earlier_one_which_is_kept(region: dict) -> None:
    p = region["plans"][0]
    text = f"地区,部门,单位,年度,批复日期\n{REGION},{p.department},{p.unit},2026,{today() - timedelta(days=2)}\n"
    with region["sessions"].begin() as session:
        add_register(session, "更正.csv", text.encode(), read_register(text.encode(), "更正.csv"))
    try:
        e = _entry(_season(region), p)
        assert (e.approved_on, e.published_on) == (today() - timedelta(days=2), today())  # no 公开日期 in the new row
        with region["sessions"]() as session:
            kept = session.scalars(select(RegisterEntry).join(Register).where(Register.filename == "名单.csv",
                                                                              RegisterEntry.line == 2)).one()
            assert kept.approved_on == p.approved  # the first list's row is still there
            assert session.scalar(select(func.count(Register.id))) >= 2
    finally:
        with region["sessions"].begin() as session:
            newest = session.scalars(select(Register).where(Register.filename == "更正.csv")).one()
            for entry in session.scalars(select(RegisterEntry).where(RegisterEntry.register_id == newest.id)):
                session.delete(entry)
            session.flush()
            session.delete(newest)


def test_publishing_and_withdrawing_are_kept_with_their_times(region: dict) -> None:
    p = next(p for p in region["plans"] if p.withdrawn)
    with region["sessions"].begin() as session:
        events = session.scalars(select(Publication).where(Publication.document_id == region["documents"][p.n])).all()
        assert [e.published for e in events] == [False]
        document = events[0]
        version = session.scalars(select(Version).where(Version.document_id == region["documents"][p.n])).first()
        set_published(session, version.document, False)  # no change: nothing kept
        set_published(session, version.document, True)
    e = _entry(_season(region), p)
    assert e.status in ("published", "overdue") and e.published_on is not None
    with region["sessions"].begin() as session:
        events = session.scalars(select(Publication).where(Publication.document_id == region["documents"][p.n])
                                 .order_by(Publication.id)).all()
        assert [e.published for e in events] == [False, True] and local_day(events[1].at) == today()
        set_published(session, session.get(type(version.document), document.document_id), False)
    assert _entry(_season(region), p).status == "withdrawn"


# ------------------------------------------------------------------------------------ notices, workbook

def test_a_notice_names_each_error_with_its_clause_place_values_and_deadline(region: dict) -> None:
    made = _season(region)
    p = next(p for p in region["plans"] if {"typo", "narrative"} <= set(p.flaws))
    unit = made.unit(_entry(made, p).unit_id)
    with region["sessions"]() as session:
        notice = unit_notice(session, made, unit, issuer="示例市财政局")  # type: ignore[arg-type]
    assert notice.deadline == made.as_of + timedelta(days=METHOD.notice_days)
    rules = [x.rule for x in notice.problems]
    assert "hierarchy.parent_equals_children" in rules and "narrative.amount_matches_table" in rules
    typo = next(x for x in notice.problems if x.rule == "hierarchy.parent_equals_children")
    assert typo.blocking and typo.stated and typo.expected and "表5" in typo.where and "→" in (typo.fix or "")
    assert typo.basis == METHOD.item("accuracy.tables").basis  # type: ignore[union-attr]
    document = WordDocument(io.BytesIO(notice_docx(notice)))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert notice.title in text and str(notice.deadline) in text and "示例市财政局" in text
    cells = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert len(cells) == len(notice.problems) + 1
    for problem, row in zip(notice.problems, cells[1:], strict=True):
        assert row[1] == problem.what and problem.basis in row[6]
    html = notice_html(notice)
    assert html.count('data-rule="') == len(notice.problems) and "<script" not in html


def test_a_late_unit_with_nothing_published_gets_a_notice_of_that(region: dict) -> None:
    made = _season(region)
    p = next(p for p in region["plans"] if not p.stored and p.approved < today() - timedelta(days=20))
    with region["sessions"]() as session:
        notice = unit_notice(session, made, made.unit(_entry(made, p).unit_id))  # type: ignore[arg-type]
    (problem,) = notice.problems
    assert problem.rule == "timeliness.deadline" and "已逾期 20 天仍未公开" in problem.what and problem.blocking
    assert "预算法实施条例》第六条" in problem.basis and notice.document is None


def test_the_summary_workbook_lists_every_unit_item_and_problem(region: dict) -> None:
    made = _season(region)
    with region["sessions"]() as session:
        problems = {u.entry.unit_id: unit_notice(session, made, u).problems for u in made.units}
    wb = load_workbook(io.BytesIO(summary_workbook(made, problems)))
    assert wb.sheetnames == ["汇总", "评分明细", "问题清单", "说明"]
    summary = list(wb["汇总"].iter_rows(values_only=True))
    assert len(summary) == 41 and summary[0][:4] == ("部门", "单位", "级次", "状态")
    assert {row[1] for row in summary[1:]} == {p.unit for p in region["plans"]}
    scored = sum(1 for u in made.units if u.scored)
    assert wb["评分明细"].max_row == scored + 1 and wb["评分明细"].max_column == 3 + len(METHOD.items)
    assert wb["问题清单"].max_row == 1 + sum(len(x) for x in problems.values())


# ------------------------------------------------------------------------------------ the command line

def test_notice_of_a_file_opens_in_word_and_names_each_error(tmp_path: Path) -> None:
    out = tmp_path / "notice.docx"
    result = runner.invoke(app, ["notice", str(EXAMPLE), "-o", str(out), "--issuer", "昌吉州财政局"])
    assert result.exit_code == 0, result.output
    document = WordDocument(str(out))
    rows = [[c.text for c in row.cells] for row in document.tables[0].rows[1:]]
    report = check(read(EXAMPLE))
    errors = [f for f in report.findings if f.severity == "error" and f.caused_by is None
              and not f.rule.startswith("completeness.")]
    assert errors and all(any(row[1].startswith(f.message) for row in rows) for f in errors)
    assert "昌吉州财政局" in "\n".join(p.text for p in document.paragraphs)
    again = runner.invoke(app, ["notice", str(EXAMPLE), "-o", str(out)])
    assert again.exit_code == 2 and "--force" in again.output
    html = tmp_path / "notice.html"
    assert runner.invoke(app, ["notice", str(EXAMPLE), "-o", str(html)]).exit_code == 0
    assert "整改通知" in html.read_text("utf-8")
    assert runner.invoke(app, ["notice", str(EXAMPLE), "-o", str(tmp_path / "n.pdf")]).exit_code == 2
    assert runner.invoke(app, ["notice", "-o", str(tmp_path / "n.docx")]).exit_code == 2


def test_register_commands_from_the_template_to_the_region_notices(tmp_path: Path, store_url: str) -> None:
    url = store_url.replace("yusuan.db", "cli.db") if store_url.startswith("sqlite") else store_url
    form = tmp_path / "名单.xlsx"
    assert runner.invoke(app, ["register", "template", "-o", str(form)]).exit_code == 0
    wb = load_workbook(form)
    wb["名单"].append(["新疆 昌吉州", "昌吉州工业和信息化局", "昌吉州工业和信息化局", "部门", 2023, "预算", "2023-01-20",
                      "2023-02-15"])
    wb.save(form)
    imported = runner.invoke(app, ["register", "import", str(form), "--database", url])
    assert imported.exit_code == 0 and "1 个单位" in imported.output, imported.output
    assert runner.invoke(app, ["import", str(EXAMPLE), "--jobs", "1", "--database", url]).exit_code == 1  # it has errors
    shown = runner.invoke(app, ["register", "show", "--region", "新疆 昌吉州", "--year", "2023", "-f", "json",
                                "--database", url])
    data = json.loads(shown.output)
    (entry,) = data["entries"]
    assert (entry["status"], entry["days_late"], entry["published_on"]) == ("overdue", 6, "2023-02-15")
    assert entry["score"] is not None and entry["blocking"]
    terminal = runner.invoke(app, ["register", "show", "--region", "新疆 昌吉州", "--database", url])
    assert terminal.exit_code == 0 and "逾期" in terminal.output
    folder = tmp_path / "通知"
    notices = runner.invoke(app, ["notice", "--region", "新疆 昌吉州", "--year", "2023", "-o", str(folder),
                                  "--database", url])
    assert notices.exit_code == 0, notices.output
    assert sorted(p.suffix for p in folder.iterdir()) == [".docx", ".xlsx"]
    built = runner.invoke(app, ["register", "build", "--region", "新疆 昌吉州", "--year", "2024", "--approved", "2024-01-20",
                                "--database", url])
    assert built.exit_code == 0 and "1 个单位" in built.output
    for args, message in ((["register", "show", "--region", "无此地区", "--database", url], "没有地区"),
                          (["register", "import", str(EXAMPLE), "--database", url], "表头"),
                          (["register", "build", "--region", "新疆 昌吉州", "--year", "2024", "--approved", "x",
                            "--database", url], "不是日期")):
        refused = runner.invoke(app, args)
        assert refused.exit_code == 2 and message in refused.output, refused.output


def test_register_template_workbook_is_a_list_to_fill() -> None:
    wb = load_workbook(io.BytesIO(template()))
    header = [c.value for c in wb["名单"][1]]
    assert header[:7] == ["地区", "部门", "单位", "级次", "年度", "类型", "批复日期"]
    empty = Workbook()
    empty.active.append(header)
    data = io.BytesIO()
    empty.save(data)
    with pytest.raises(YusuanError, match="名单中没有单位"):
        read_register(data.getvalue(), "名单.xlsx")


# -------------------------------------------------------------------------------------------- the web

@pytest.fixture(scope="module")
def web(region: dict):
    """The app over the region's store, with a reviewer and an editor (tokens) and a reviewer's session."""
    import re

    from fastapi.testclient import TestClient

    from yusuan.store.accounts import create_account, issue_token
    from yusuan.web.app import create_app

    app = create_app(region["url"], secret="season-secret", example=False)
    with app.state.sessions.begin() as session:
        tokens = {role: issue_token(session, create_account(session, role, f"{role}-password", role))
                  for role in ("reviewer", "editor")}
    browser = TestClient(app)
    csrf = re.search(r'name="csrf" value="([^"]+)"', browser.get("/login").text)[1]  # type: ignore[index]
    browser.post("/login", data={"name": "reviewer", "password": "reviewer-password", "csrf": csrf})
    csrf = re.search(r'name="csrf" value="([^"]+)"', browser.get("/regions").text)[1]  # type: ignore[index]
    return {"app": app, "browser": browser, "csrf": csrf, "public": TestClient(app),
            **{role: TestClient(app, headers={"Authorization": f"Bearer {token}"}) for role, token in tokens.items()}}


def test_the_season_api_ranks_and_filters(region: dict, web: dict) -> None:
    api, base = web["reviewer"], f"/api/v1/regions/{region['region']}/season"
    whole = api.get(base).json()
    assert (whole["year"], whole["kind"], whole["total"], len(whole["entries"])) == (2026, "budget", 40, 40)
    assert set(whole["entries"][0]) >= {"unit", "status", "status_name", "days_left", "days_late", "deadline", "score",
                                        "blocking", "warnings", "versions", "late_change"}
    overdue = api.get(base, params={"status": "overdue"}).json()["entries"]
    assert overdue and all(e["status"] == "overdue" for e in overdue)
    blocking = api.get(base, params={"blocking": True, "department": "教育局"}).json()["entries"]
    assert all(e["blocking"] and e["department"] == "教育局" for e in blocking)
    low = api.get(base, params={"below": 95}).json()["entries"]
    assert low and all(e["score"] is None or Decimal(e["score"]) < 95 for e in low)
    assert web["editor"].get(base).status_code == 403 and web["public"].get(base).status_code == 401
    assert api.get("/api/v1/regions/99999/season").status_code == 404
    regions = api.get("/api/v1/regions").json()
    assert {"name": REGION, "id": region["region"], "seasons": [{"year": 2026, "kind": "budget"}]} in regions


def test_the_triage_page_and_its_filters(region: dict, web: dict) -> None:
    page = web["browser"].get(f"/regions/{region['region']}")
    assert page.status_code == 200 and f"{REGION} 2026年预算公开检查" in page.text
    assert page.text.count('<tr class="') >= 40 and "下载汇总表" in page.text
    only = web["browser"].get(f"/regions/{region['region']}", params={"status": "withdrawn"})
    assert only.text.count('data-unit="') == 1
    listing = web["browser"].get("/regions")
    assert f'href="/regions/{region["region"]}?year=2026&amp;kind=budget"' in listing.text


def test_a_bureau_sets_what_blocks_publication(region: dict, web: dict) -> None:
    api, base = web["reviewer"], f"/api/v1/regions/{region['region']}"
    assert api.get(f"{base}/policy").json()["own"] is False
    typo = next(p for p in region["plans"] if "typo" in p.flaws and not p.amended and "no_three_public_table" not in p.flaws)

    def blocking() -> list[str]:
        entries = api.get(f"{base}/season").json()["entries"]
        return next(e["blocking"] for e in entries if e["unit"] == typo.unit)

    assert any("hierarchy" in b for b in blocking())
    page = web["browser"].post(f"{base.removeprefix('/api/v1')}/policy",
                               data={"csrf": web["csrf"], "rules": ["narrative.share"], "items": []},
                               follow_redirects=False)
    assert page.status_code == 303
    assert not any("hierarchy" in b for b in blocking())
    assert api.get(f"{base}/policy").json() == {"region_id": region["region"], "fatal_rules": ["narrative.share"],
                                                "fatal_items": [], "own": True}
    refused = api.post(f"{base}/policy", data={"rules": ["no.such_rule"]})
    assert refused.status_code == 422 and "no.such_rule" in refused.json()["detail"]
    restored = api.post(f"{base}/policy", data={"rules": list(METHOD.fatal_rules), "items": list(METHOD.fatal_items)})
    assert restored.status_code == 200 and any("hierarchy" in b for b in blocking())


def test_notices_and_the_summary_from_the_web(region: dict, web: dict) -> None:
    api, base = web["reviewer"], f"/api/v1/regions/{region['region']}"
    p = next(p for p in region["plans"] if "typo" in p.flaws and not p.amended)
    unit = next(e for e in api.get(f"{base}/season").json()["entries"] if e["unit"] == p.unit)
    notice = api.get(f"{base}/notices/{unit['unit_id']}", params={"issuer": "示例市财政局"}).json()
    assert notice["title"] == f"关于{p.unit}2026年预算公开问题的整改通知" and notice["issuer"] == "示例市财政局"
    assert any(x["rule"] == "hierarchy.parent_equals_children" and x["stated"] and x["basis"] for x in notice["problems"])
    word = api.get(f"{base}/notices/{unit['unit_id']}", params={"format": "docx"})
    assert word.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    document = WordDocument(io.BytesIO(word.content))
    assert len(document.tables[0].rows) == len(notice["problems"]) + 1
    html = web["browser"].get(f"/regions/{region['region']}/notices/{unit['unit_id']}")
    assert html.status_code == 200 and notice["title"] in html.text
    assert api.get(f"{base}/notices/999999").status_code == 404
    summary = web["browser"].get(f"/regions/{region['region']}/summary")
    assert summary.status_code == 200 and load_workbook(io.BytesIO(summary.content)).sheetnames[0] == "汇总"
    assert "attachment" in summary.headers["content-disposition"]


def test_a_list_uploaded_on_the_page_and_by_the_api(region: dict, web: dict) -> None:
    p = region["plans"][0]
    approved = today() - timedelta(days=30)
    text = f"地区,部门,单位,年度,批复日期\n{REGION},{p.department},{p.unit},2027,{approved}\n".encode()
    page = web["browser"].post("/register", data={"csrf": web["csrf"]}, files={"file": ("名单.csv", text)},
                               follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == f"/regions/{region['region']}?year=2027&kind=budget"
    season_2027 = web["reviewer"].get(f"/api/v1/regions/{region['region']}/season", params={"year": 2027}).json()
    (entry,) = season_2027["entries"]
    assert (entry["unit"], entry["approved_on"], entry["status"], entry["days_late"]) == (p.unit, str(approved), "overdue", 10)
    bad = web["browser"].post("/register", data={"csrf": web["csrf"]}, files={"file": ("x.csv", b"a,b\n")})
    assert bad.status_code == 400 and "没有找到名单的表头" in bad.text
    api = web["reviewer"].post("/api/v1/register", files={"file": ("名单.csv", text)})
    assert api.status_code == 201 and api.json()["units"] == 1
    assert web["editor"].post("/api/v1/register", files={"file": ("名单.csv", text)}).status_code == 403
    built = web["reviewer"].post(f"/api/v1/regions/{region['region']}/register",
                                 data={"year": "2028", "approved": "2028-01-20"})
    assert built.status_code == 201 and built.json()["units"] == 40
    template = web["public"].get("/api/v1/register/template")
    assert template.status_code == 200 and load_workbook(io.BytesIO(template.content)).sheetnames == ["名单", "填写说明"]


def test_a_versions_score_is_seen_as_the_version_is(region: dict, web: dict) -> None:
    made = _season(region)
    withdrawn = next(u.entry for u in made.units if u.entry.status == "withdrawn")
    published = next(u.entry for u in made.units if u.entry.status == "published" and u.entry.score == 100)
    scored = web["public"].get(f"/api/v1/versions/{published.version_id}/score").json()
    assert (scored["score"], scored["unit"], scored["version_id"]) == ("100.0", published.unit, published.version_id)
    timeliness = next(i for i in scored["items"] if i["id"] == "timeliness.deadline")
    assert timeliness["status"] == "pass"  # the region's list gives its approval date
    assert web["public"].get(f"/api/v1/versions/{withdrawn.version_id}/score").status_code == 404  # taken back: a draft
    page = web["reviewer"].get(f"/versions/{withdrawn.version_id}/score")
    assert page.status_code == 200 and "公开后又撤回" in page.text
    method = web["public"].get("/api/v1/scoring").json()
    assert [i["id"] for i in method["items"]] == [i.id for i in METHOD.items] and all(i["basis"] for i in method["items"])


def test_publishing_through_the_api_is_kept(region: dict, web: dict) -> None:
    p = next(p for p in region["plans"] if p.stored and not p.withdrawn and not p.flaws)
    document = region["documents"][p.n]
    for published in ("false", "true"):
        assert web["reviewer"].post(f"/api/v1/documents/{document}/publish", data={"published": published}).status_code == 200
    with region["sessions"]() as session:
        events = session.scalars(select(Publication).where(Publication.document_id == document)
                                 .order_by(Publication.id)).all()
        reviewer = session.scalars(select(Account).where(Account.name == "reviewer")).one()
    assert [(e.published, e.by) for e in events] == [(False, reviewer.id), (True, reviewer.id)]
    assert _entry(_season(region), p).status == "published"  # public since its upload: taken back and back again
