"""The site in a real browser: Playwright for Python driving Debian's chromium (never a
downloaded one) against the server on a temporary SQLite store. Log in, upload a PDF, read its
findings, find a flagged cell, confirm a finding, download Excel, see a chart drawn; and what a
visitor and a unit editor may not do. A region of forty units through its review season: the list uploaded,
the triage and its filters, a score, a notice in HTML and Word, the summary workbook, what blocks
publication set by the bureau. Then the public view on a store of many generated units and
years (tests/stores.py): the treemap drilled down to a unit and back, three units side by side,
a budget against its final account, a figure opened where it was printed, and each chart's data
downloaded. Screenshots of the public view go to $YUSUAN_SCREENSHOTS when it names a folder."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import FIXTURES

playwright_api = pytest.importorskip("playwright.sync_api", reason="没有 Playwright：pip install -e '.[test]'")
CHROMIUM = shutil.which("chromium")
if CHROMIUM is None:
    pytest.skip("没有 chromium：浏览器测试需要 Debian 的 chromium（apt-get install chromium）", allow_module_level=True)

expect = playwright_api.expect
pytestmark = pytest.mark.browser

CORPUS = FIXTURES / "corpus"
HANGZHOU = CORPUS / "06_hangzhou_qixiangju_2026_budget.pdf"  # 1 error, 11 sums within rounding: marked cells
PUTUO = CORPUS / "14_shanghai_putuo_sifaju_2026_budget.pdf"  # 5 errors in the narrative
SHANGHAI = CORPUS / "14_shanghai_putuo_sifaju_2026_budget.pdf"  # kept unpublished: another unit's draft
PASSWORD = "browser-password"
SCREENSHOTS = Path(tempfile.gettempdir()) / "yusuan-screenshots"  # looked at by a person, not compared
SCREENSHOTS.mkdir(exist_ok=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    """The app on a new store, served by uvicorn in a thread; yields (base URL, app)."""
    from sqlalchemy import select

    from yusuan.intake import take_in
    from yusuan.store.accounts import create_account
    from yusuan.store.schema import EditorUnit, Unit
    from yusuan.web.app import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'yusuan.db'}"
    app = create_app(url, secret="browser-test-secret")  # the Changji example is unit 1, document 1
    with app.state.sessions.begin() as session:
        for name in ("admin", "reviewer", "editor"):
            account = create_account(session, name, PASSWORD, name)
        changji = session.scalars(select(Unit).where(Unit.name == "昌吉州工业和信息化局")).one()
        session.add(EditorUnit(account_id=account.id, unit_id=changji.id))  # the editor's own unit
        draft = take_in(session, SHANGHAI.read_bytes(), SHANGHAI.name, region="上海 普陀").version
        draft.document.published = False
        app.state.draft = {"version": draft.id, "unit": draft.document.unit_id}
    with _served(app) as base:
        yield base, app


@contextmanager
def _served(app) -> Iterator[str]:
    """The app served by uvicorn in a thread, at the URL yielded."""
    import uvicorn

    port = _free_port()
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if uv.started:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the server did not start")
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser, server):
    """A fresh browser context (no cookies) per test; uncaught page errors fail the test."""
    yield from _opened(browser, server[0])


def _opened(browser, base: str):
    context = browser.new_context(base_url=base, accept_downloads=True, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert not errors, errors


def log_in(page, who: str) -> None:
    page.goto("/login")
    page.fill("input[name=name]", who)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login button")
    page.wait_for_url(re.compile(r"/$"))
    expect(page.locator("header nav")).to_contain_text(who)


def _hangzhou(server) -> dict:
    """The Hangzhou PDF's version and unit (stored here if the upload test has not run)."""
    return _stored(server, HANGZHOU, "杭州市气象局", "浙江 杭州")


def _stored(server, path: Path, unit_name: str, region: str) -> dict:
    from sqlalchemy import select

    from yusuan.intake import take_in
    from yusuan.store.schema import Unit, Version

    _, app = server
    with app.state.sessions.begin() as session:
        unit = session.scalars(select(Unit).where(Unit.name == unit_name)).first()
        if unit is None:
            take_in(session, path.read_bytes(), path.name, region=region)
            unit = session.scalars(select(Unit).where(Unit.name == unit_name)).one()
        version = session.scalars(select(Version).join(Version.document).where(Version.filename == path.name)).first()
        return {"version": version.id, "unit": unit.id}


def _finding_status(server, version: int, fid: str) -> str:
    from sqlalchemy import select

    from yusuan.store.schema import FindingRow

    with server[1].state.sessions() as session:
        return session.scalars(select(FindingRow.status).where(FindingRow.version_id == version,
                                                               FindingRow.fid == fid)).one()


def test_admin_logs_in_uploads_a_pdf_and_sees_its_findings(page, server) -> None:
    log_in(page, "admin")
    page.click("header nav >> text=上传")
    page.set_input_files("input[name=files]", HANGZHOU)
    page.fill("input[name=region]", "浙江 杭州")
    page.click("text=上传并核查")  # sent by upload.js (progress bar), the answer written into the page
    result = page.locator("ul li a", has_text="第1版")
    expect(result).to_contain_text("错误 1 个")
    result.click()
    page.wait_for_url(re.compile(r"/versions/\d+$"))
    expect(page.locator("h1")).to_contain_text("杭州市气象局 2026年预算公开")
    findings = page.locator("table.findings").first
    expect(findings).to_contain_text("情况说明各部分齐全")  # rules by their Chinese names, the id beside
    expect(findings).to_contain_text("completeness.sections")
    expect(page.locator("table.findings tr.error")).to_have_count(1)
    # the eleven sums within their rounding are one line, folded under the errors
    rounding = page.locator("details.rounding")
    expect(rounding.locator("summary")).to_contain_text("尾差")
    expect(rounding.locator("tr.info")).to_contain_text("11 处")
    expect(rounding.locator("tr.info")).to_be_hidden()
    page.screenshot(path=str(SCREENSHOTS / "document.png"), full_page=True)


def test_a_finding_opens_its_cell_and_the_cells_note_leads_back_to_the_finding(page, server) -> None:
    hangzhou = _hangzhou(server)
    page.goto(f"/versions/{hangzhou['version']}")
    page.click("details.rounding summary")
    warned = page.locator("table.findings tr.info", has=page.locator("code", has_text="text.rounding"))
    fid = warned.first.get_attribute("id")
    report = page.frame_locator("iframe.report")
    # the finding's link opens its first cell in the report: scrolled to and outlined, with its table's title
    # and headers in view above it
    warned.first.locator("a.cell").click()
    cell = report.locator(f'td:has(> a#cell-{fid})')
    expect(cell).to_be_in_viewport()
    expect(cell).to_have_css("outline-style", "solid")
    table = report.locator(f'table.published:has(a#cell-{fid})')
    expect(table.locator("thead tr.title")).to_be_in_viewport()
    expect(table.locator("thead tr").nth(1)).to_be_in_viewport()
    title, opened = table.locator("thead").bounding_box(), cell.bounding_box()
    assert title and opened and title["y"] + title["height"] <= opened["y"] + 1  # above the cell, not over it
    page.locator("iframe.report").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "cell-opened.png"))
    # the cells this finding is about (the totals within their rounding), marked in the tables as printed
    cell = report.locator(f'td[title^="{fid} "]').first
    cell.scroll_into_view_if_needed()
    expect(cell).to_be_in_viewport()
    expect(cell).to_have_class(re.compile(r"\binfo\b"))
    expect(cell).to_have_css("background-color", "rgb(228, 240, 251)")
    note = report.locator(f'div.notes a[href="#{fid}"]').first  # the note under that table
    note.click()
    expect(report.locator(f"#{fid}")).to_be_in_viewport()


def test_a_reviewer_confirms_a_finding(page, server) -> None:
    hangzhou = _hangzhou(server)
    log_in(page, "reviewer")
    page.goto(f"/versions/{hangzhou['version']}")
    row = page.locator("tr#F1")
    expect(row).to_contain_text("待审核")
    row.locator("button", has_text="确认").click()
    page.wait_for_url(re.compile(rf"/versions/{hangzhou['version']}#F1$"))
    expect(page.locator("tr#F1")).to_contain_text("已确认")
    expect(page.locator("tr#F1")).to_be_in_viewport()
    assert _finding_status(server, hangzhou["version"], "F1") == "confirmed"


def test_download_excel(page, server, tmp_path) -> None:
    from openpyxl import load_workbook

    hangzhou = _hangzhou(server)
    page.goto(f"/versions/{hangzhou['version']}")  # a visitor: the document is published
    with page.expect_download() as info:
        page.click("p.downloads >> text=Excel")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes()[:4] == b"PK\x03\x04"
    book = load_workbook(saved, read_only=True)
    assert len(book.sheetnames) >= 5
    text = {str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row if v}
    assert any("杭州市气象局" in t for t in text)


def test_the_unit_page_draws_its_charts(page, server) -> None:
    hangzhou = _hangzhou(server)
    page.goto(f"/units/{hangzhou['unit']}")
    canvas = page.locator('#basic-project[data-drawn="1"] canvas')
    expect(canvas).to_be_visible()
    box = canvas.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100
    painted = canvas.evaluate("""c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i]) { n++; } } return n; }""")
    assert painted > 1000  # bars, axes and title: something was drawn
    expect(page.locator(".chart[data-drawn='1']")).to_have_count(4)


def test_a_visitor_cannot_upload(page, server) -> None:
    page.goto("/")
    expect(page.locator("header nav")).not_to_contain_text("上传")
    response = page.goto("/upload")
    assert response.status == 401
    expect(page.locator("input[type=file]")).to_have_count(0)
    post = page.request.post("/upload", multipart={"files": {"name": "x.txt", "mimeType": "text/plain",
                                                             "buffer": b"x"}, "csrf": ""})
    assert post.status == 401  # nor by posting the form directly


def test_an_editor_cannot_see_or_change_another_units_draft(page, server) -> None:
    draft = server[1].state.draft
    log_in(page, "editor")
    expect(page.locator("main")).to_contain_text("昌吉州工业和信息化局")
    expect(page.locator("main")).not_to_contain_text("上海市普陀区司法局")  # not listed
    assert page.goto(f"/versions/{draft['version']}").status == 404
    assert page.goto(f"/units/{draft['unit']}").status == 404
    assert page.request.get(f"/versions/{draft['version']}/download/original").status == 404
    assert page.request.get(f"/api/v1/versions/{draft['version']}/findings").status == 404
    page.goto("/search?q=普陀")
    expect(page.locator("main")).not_to_contain_text("上海市普陀区司法局")
    # their own unit's document: readable, but no review buttons, and a forged review is refused
    page.goto("/versions/1")
    expect(page.locator("h1")).to_contain_text("昌吉州工业和信息化局")
    expect(page.locator("form.review")).to_have_count(0)
    csrf = page.locator("input[name=csrf]").first.input_value()
    from sqlalchemy import select

    from yusuan.store.schema import FindingRow

    with server[1].state.sessions() as session:
        finding = session.scalars(select(FindingRow).where(FindingRow.version_id == draft["version"])).first()
    refused = page.request.post(f"/findings/{finding.id}", form={"status": "dismissed", "reason": "x", "csrf": csrf},
                                max_redirects=0)
    assert refused.status == 403
    assert _finding_status(server, draft["version"], finding.fid) == "open"
    # nor can they add a version to it: the same file is refused for a unit not theirs
    page.goto("/upload")
    page.set_input_files("input[name=files]", SHANGHAI)
    page.click("text=上传并核查")
    expect(page.locator("ul li .bad")).to_contain_text("不在你可以上传的单位之中")
    page.goto("/")
    expect(page.locator("main")).not_to_contain_text("上海市普陀区司法局")



# ------------------------------------------------------------------------------ the public view

@pytest.fixture(scope="module")
def explore_server(tmp_path_factory: pytest.TempPathFactory):
    """The app on a store of generated regions, departments, units and years; yields (base URL, app, stored)."""
    import stores
    from yusuan.store.schema import Region
    from yusuan.web.app import create_app

    app = create_app(f"sqlite:///{tmp_path_factory.mktemp('explore') / 'yusuan.db'}", secret="explore-secret",
                     example=False)
    with app.state.sessions.begin() as session:
        stored = stores.fill(session)
        regions = {r.name: r.id for r in session.query(Region)}
    with _served(app) as base:
        yield base, app, {"units": stored, "regions": regions}


@pytest.fixture
def explore_page(browser, explore_server):
    yield from _opened(browser, explore_server[0])


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("YUSUAN_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def chart_rows(page, sheet: str) -> list[tuple[str, float]]:
    """What a chart draws: (name, value) of each block, slice or bar, from the chart itself."""
    return page.evaluate("""sheet => {
        const chart = echarts.getInstanceByDom(document.querySelector(`.chart[data-sheet="${sheet}"]`));
        const option = chart.getOption(), series = option.series[0];
        const names = series.type === "bar" ? option.xAxis[0].data : series.data.map(d => d.name);
        return series.data.map((d, i) => [names[i], typeof d === "object" ? d.value : d]); }""", sheet)


def click_block(page, sheet: str, name: str) -> None:
    """Click the middle of a chart's block (or bar) named `name`, where a reader would."""
    chart = page.locator(f'.chart[data-sheet="{sheet}"][data-drawn="1"]')
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    at = page.evaluate("""([sheet, name]) => {
        const chart = echarts.getInstanceByDom(document.querySelector(`.chart[data-sheet="${sheet}"]`));
        const data = chart.getModel().getSeriesByIndex(0).getData();
        for (let i = 0; i < data.count(); i++) {
            if (data.getName(i) === name) { const l = data.getItemLayout(i); return [l.x + l.width / 2, l.y + l.height / 2]; }
        }
        return null; }""", [sheet, name])
    assert at is not None, f"no block {name} in {sheet}"
    page.mouse.click(box["x"] + at[0], box["y"] + at[1])


def test_the_treemap_drills_down_to_a_unit_and_back(explore_page, explore_server, shots) -> None:
    import stores

    page, region = explore_page, explore_server[2]["regions"]["甲市"]
    page.goto(f"/overview/{region}")
    expect(page.locator("h1")).to_have_text("甲市 2026年预算一览")
    top = [name for name, _ in chart_rows(page, "functional")]
    assert sorted(top) == sorted(["一般公共服务支出", "社会保障和就业支出", "住房保障支出", "卫生健康支出"])
    page.screenshot(path=shots / "region.png", full_page=True)
    for name, code in (("一般公共服务支出", "201"), ("档案事务", "20126"), ("档案馆", "2012604")):
        click_block(page, "functional", name)
        page.wait_for_url(re.compile(rf"[?&]code={code}(&|$)"))
        expect(page.locator("nav.path b")).to_have_text(f"{code} {name}")
    units = [name for name, _ in chart_rows(page, "functional")]
    assert sorted(units) == sorted(stores.unit_name(0, d, u) for d in range(2) for u in range(4))
    expect(page.locator("#table-functional tbody tr")).to_have_count(8)
    page.screenshot(path=shots / "region-units.png", full_page=True)
    click_block(page, "functional", units[0])  # the largest: its unit's page
    page.wait_for_url(re.compile(r"/units/\d+$"))
    expect(page.locator("h1")).to_have_text(units[0])
    page.go_back()
    page.wait_for_url(re.compile(r"code=2012604"))
    page.locator("nav.path a", has_text="全部").click()
    page.wait_for_url(re.compile(r"/overview/\d+\?year=2026&phase=budget#functional$"))
    expect(page.locator("nav.path b")).to_have_text("全部")
    assert [name for name, _ in chart_rows(page, "functional")] == top


def test_three_units_side_by_side_show_aligned_codes(explore_page, explore_server, shots) -> None:
    page, region = explore_page, explore_server[2]["regions"]["乙市"]
    page.goto(f"/peers?region={region}")
    expect(page.locator("#table-ranking tbody tr")).to_have_count(8)
    expect(page.locator("#table-ranking td.outlier").first).to_contain_text("偏高")  # the variant spending on 三公
    page.screenshot(path=shots / "peers.png", full_page=True)
    picked = page.locator("#table-ranking tbody tr")
    names = [picked.nth(i).locator("td").nth(2).inner_text() for i in range(3)]
    for i in range(3):
        picked.nth(i).locator("input[name=unit]").check()
    page.click("text=并列对比所选单位")
    page.wait_for_url(re.compile(r"/side-by-side\?"))
    expense = page.locator("#table-expense")
    assert [g.strip() for g in expense.locator("th.group").all_inner_texts()] == names
    codes = [c.strip() for c in expense.locator("tbody tr td:first-child").all_inner_texts()]
    assert codes[0] == "" and codes[1:] == sorted(codes[1:]) and "2012604" in codes
    for row in expense.locator("tbody tr").all():  # every code of each unit's table on one line
        assert row.locator("a.source").count() == 3
    page.screenshot(path=shots / "side-by-side.png", full_page=True)
    row = expense.locator("tbody tr", has=page.locator("td", has_text="档案馆"))
    figure = row.locator("a.source").nth(1)
    yuan = Decimal(figure.inner_text().replace(",", ""))
    figure.click()
    page.wait_for_url(re.compile(r"/cells/\d+$"))
    expect(page.locator("h1")).to_contain_text(names[1])
    marked = page.locator("td#here")
    expect(marked).to_have_count(1)
    assert Decimal(marked.inner_text()) * 10000 == yuan  # printed in 万元, shown in 元
    expect(page.locator("dl.place")).to_contain_text("第3个表格")


def test_a_units_budget_against_its_final_account(explore_page, explore_server, shots) -> None:
    import stores

    page = explore_page
    unit = explore_server[2]["units"][stores.unit_name(0, 0, 0)]["unit"]
    page.goto(f"/units/{unit}")
    page.click("text=预算执行（预算与决算对照）")
    page.wait_for_url(re.compile(rf"/units/{unit}/execution$"))
    expect(page.locator("h1")).to_contain_text("2025年预算执行")
    expect(page.locator('.chart[data-sheet="classes"][data-drawn="1"] canvas')).to_be_visible()
    assert [name for name, _ in chart_rows(page, "classes")][:1] == ["一般公共服务支出"]
    total = page.locator("#table-classes tbody tr").first
    cells = [c.strip() for c in total.locator("td").all_inner_texts()]
    budget, final, difference, rate = (Decimal(c.replace(",", "")) for c in cells[2:6])
    assert final - budget == difference and rate == (final * 100 / budget).quantize(Decimal("0.01"))
    said = page.locator("#table-classes tr.explanation blockquote", has_text="档案馆（项）")
    expect(said).to_contain_text("决算数小于年初预算数的主要原因是")
    page.screenshot(path=shots / "execution.png", full_page=True)
    page.locator("#table-figures tbody tr", has_text="“三公”经费").locator("a.source").first.click()
    page.wait_for_url(re.compile(r"/figures/\d+$"))
    expect(page.locator("mark#here")).to_contain_text("万元")  # the narrative's sentence, the figure marked
    page.go_back()
    page.click("text=2024")
    expect(page.locator("h1")).to_contain_text("2024年预算执行")


def test_each_download_holds_the_data_its_chart_draws(explore_page, explore_server, shots) -> None:
    page, region = explore_page, explore_server[2]["regions"]["丙市"]
    page.goto(f"/overview/{region}?year=2025&code=201")
    for sheet in ("years", "functional", "economic", "source", "kind", "entities"):
        page.locator(f'.chart[data-sheet="{sheet}"][data-drawn="1"]').wait_for()
        drawn = chart_rows(page, sheet)
        with page.expect_download() as info:
            page.locator(f"#table-{sheet} caption a", has_text="CSV").click()
        assert info.value.suggested_filename.endswith(f"-{sheet}.csv")
        rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text("utf-8-sig"))))
        assert [(r.get("name") or r["year"], float(r["amount"])) for r in rows] == [tuple(d) for d in drawn], sheet
    page.screenshot(path=shots / "region-201.png", full_page=True)
def test_a_narrative_finding_lands_on_its_own_paragraph(page, server) -> None:
    """A PDF's paragraphs have no line: the growth rate copied from the line above (F3) marks its own paragraph,
    not all of them, and only the rate; its link opens that paragraph, and the page is cited."""
    putuo = _stored(server, PUTUO, "上海市普陀区司法局", "上海 普陀")
    log_in(page, "reviewer")  # a draft until it is published
    page.goto(f"/versions/{putuo['version']}")
    report = page.frame_locator("iframe.report")
    marked = report.locator("p.claim-bad:has(a#cell-F3)")
    expect(marked).to_have_count(1)
    expect(marked).to_contain_text("职业年金")
    expect(marked.locator("mark.bad")).to_have_text("增加17.66%")  # the wrong rate, not the paragraph's amounts
    page.locator("tr#F3 a.cell").click()
    expect(marked).to_be_in_viewport()
    expect(report.locator("tr#F3")).to_contain_text("第9页")
    page.screenshot(path=str(SCREENSHOTS / "finding-opened.png"), full_page=False)


def test_a_search_hit_names_its_column_and_unit_and_opens_its_row(page, server) -> None:
    page.goto("/search?q=2011301")
    hit = page.locator("main table.list tr", has_text="昌吉州工业和信息化局").first
    expect(hit).to_contain_text("万元")
    expect(hit).to_contain_text("合计")  # a column's name, never its key
    expect(page.locator("main")).not_to_contain_text("total")
    hit.locator("a").click()
    page.wait_for_url(re.compile(r"/versions/1\?at=row-"))
    row = page.frame_locator("iframe.report").locator('tr[id^="row-"]:target')
    expect(row).to_be_in_viewport()
    expect(row).to_contain_text("行政运行")  # 201 13 01, printed in three columns


def test_the_unit_page_writes_wan_yuan_with_separators_and_charts_keep_their_labels(page, server) -> None:
    page.goto("/units/1")
    expect(page.locator("table.list")).to_contain_text("7,111.50")  # 71115000 元 recovered, in 万元
    expect(page.locator("table.list th").nth(5)).to_contain_text("万元")
    page.wait_for_selector(".chart[data-drawn='1']")
    option = page.evaluate("""() => { const o = echarts.getInstanceByDom(document.getElementById('by-class')).getOption();
        return {contain: o.grid[0].containLabel, label: o.yAxis[0].axisLabel.formatter(65046900 / 10000)}; }""")
    assert option == {"contain": True, "label": "6,504.69"}
    page.wait_for_timeout(1500)  # the bars grow in for a second
    page.screenshot(path=str(SCREENSHOTS / "unit-charts.png"), full_page=True)


def test_the_api_documentation_works_offline(page, server) -> None:
    """Swagger UI from this server: every request to another host is cut, as on a finance intranet."""
    base = server[0]
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base) else route.abort())
    page.goto("/api/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("yusuan 预算公开")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "api-docs.png"))


def test_the_compare_page_explains_itself_and_offers_documents(page, server) -> None:
    page.goto("/compare")
    expect(page.locator("main")).to_contain_text("逐表逐行对照")
    expect(page.locator("select[name=a] option", has_text="昌吉州工业和信息化局 2023年预算")).to_have_count(1)
    page.select_option("select[name=a]", label="昌吉州工业和信息化局 2023年预算 第1版")
    page.select_option("select[name=b]", label="昌吉州工业和信息化局 2023年预算 第1版")
    page.click("form.compare button")
    expect(page.locator("main h2").first).to_contain_text("收支总体情况表")


# ------------------------------------------------------------------------------------- the review season

@pytest.fixture(scope="module")
def region(server, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Forty units of varied budgets in the server's store (some with errors, one taken back, one changed after
    its deadline, some never published), and the bureau's list of them as a file to upload."""
    from region import plan, register_csv, store

    plans = plan(40)
    with server[1].state.sessions.begin() as session:
        store(session, plans)
    listing = tmp_path_factory.mktemp("register") / "名单.csv"
    listing.write_bytes(register_csv(plans))
    return {"plans": plans, "file": listing}


def test_a_region_goes_through_its_list_scores_triage_and_notices(page, server, region, tmp_path) -> None:
    from datetime import timedelta

    from docx import Document as WordDocument
    from openpyxl import load_workbook

    from yusuan.season.season import today

    plans = region["plans"]
    log_in(page, "reviewer")
    page.click("header nav >> text=公开检查")
    page.set_input_files("form.register input[name=file]", region["file"])
    page.click("form.register >> text=导入")
    page.wait_for_url(re.compile(r"/regions/\d+\?year=2026&kind=budget$"))
    expect(page.locator("h1")).to_contain_text("示例省 示例市 2026年预算公开检查")
    rows = page.locator("table.triage tr[data-unit]")
    expect(rows).to_have_count(40)
    never = sum(not p.stored for p in plans)
    expect(page.locator("main > p").first).to_contain_text("40 个单位")
    # the triage: what blocks publication first; a unit that never published and is past its deadline is among them
    first = rows.first
    expect(first.locator("ul.blocking li").first).to_be_visible()
    late = next(p for p in plans if not p.stored and p.approved + timedelta(days=20) < today())
    expect(page.locator(f'tr[data-unit="{late.unit}"] .status')).to_have_text("逾期")
    expect(page.locator(f'tr[data-unit="{late.unit}"]')).to_contain_text("逾期 20 天")
    # filters: only the overdue, then only one department
    page.select_option("form.filters select[name=status]", "overdue")
    page.click("form.filters >> text=筛选")
    page.wait_for_url(re.compile(r"status=overdue"))
    overdue = page.locator("table.triage tr[data-unit]")
    assert overdue.count() >= never - 1
    for n in range(overdue.count()):
        expect(overdue.nth(n).locator(".status")).to_have_text("逾期")
    page.select_option("form.filters select[name=status]", "")
    page.select_option("form.filters select[name=department]", "民政局")
    page.click("form.filters >> text=筛选")
    expect(page.locator("table.triage tr[data-unit]")).to_have_count(sum(p.department == "民政局" for p in plans))
    expect(page.locator('tr[data-unit] .status.withdrawn')).to_have_count(1)  # 民政局's unit that took its file back
    # a score, item by item with its clause
    typo = next(p for p in plans if "typo" in p.flaws and p.department == "民政局" and not p.withdrawn)
    page.locator(f'tr[data-unit="{typo.unit}"] td.num a').first.click()
    page.wait_for_url(re.compile(r"/versions/\d+/score$"))
    expect(page.locator("table.score tr")).to_have_count(1 + 22)
    expect(page.locator("table.score tr#accuracy\\.tables")).to_contain_text("部分符合")
    expect(page.locator("table.score")).to_contain_text("预算法实施条例》第六条")
    page.go_back()
    # the unit's notice: each error with its clause, place, printed and expected values
    page.locator(f'tr[data-unit="{typo.unit}"] a.notice').click()
    problems = page.locator("table.problems tr[data-rule]")
    expect(page.locator("h1")).to_have_text(f"关于{typo.unit}2026年预算公开问题的整改通知")
    expect(page.locator('tr[data-rule="hierarchy.parent_equals_children"]')).to_contain_text("财预〔2016〕143号")
    expect(page.locator('tr[data-rule="hierarchy.parent_equals_children"] td.num').first).not_to_have_text("—")
    shown = problems.count()
    page.go_back()
    with page.expect_download() as info:
        page.locator(f'tr[data-unit="{typo.unit}"] >> text=Word').click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.name.endswith("整改通知.docx")
    assert len(WordDocument(str(saved)).tables[0].rows) == shown + 1
    # the region's summary workbook
    with page.expect_download() as info:
        page.click("text=下载汇总表（Excel）")
    summary = tmp_path / "summary.xlsx"
    info.value.save_as(summary)
    assert load_workbook(summary)["汇总"].max_row == 41


def test_a_bureau_decides_what_blocks_publication(page, server, region) -> None:
    plans = region["plans"]
    typo = next(p for p in plans if "typo" in p.flaws and "no_three_public_table" not in p.flaws and not p.amended
                and p.stored and not p.withdrawn)
    log_in(page, "admin")
    page.goto("/regions")
    page.locator("table.regions tr", has_text="示例省 示例市").locator("text=2026年预算").click()
    row = page.locator(f'tr[data-unit="{typo.unit}"]')
    expect(row.locator("ul.blocking")).to_contain_text("hierarchy.parent_equals_children")
    page.click("form.policy summary >> nth=0")
    page.uncheck('form.policy input[value="hierarchy.parent_equals_children"]')
    page.click("form.policy >> text=保存")
    page.wait_for_url(re.compile(r"/regions/\d+\?year=2026&kind=budget$"))
    expect(page.locator(f'tr[data-unit="{typo.unit}"]')).not_to_contain_text("hierarchy.parent_equals_children")
    page.click("form.policy summary >> nth=0")
    page.check('form.policy input[value="hierarchy.parent_equals_children"]')
    page.click("form.policy >> text=保存")
    expect(page.locator(f'tr[data-unit="{typo.unit}"] ul.blocking')).to_contain_text("hierarchy.parent_equals_children")


def test_a_visitor_and_an_editor_see_no_review_season(page, server, region) -> None:
    page.goto("/")
    expect(page.locator("header nav")).not_to_contain_text("公开检查")
    assert page.goto("/regions").status == 401
    log_in(page, "editor")
    expect(page.locator("header nav")).not_to_contain_text("公开检查")
    assert page.goto("/regions").status == 403
