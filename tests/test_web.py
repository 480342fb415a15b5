"""The server on SQLite and on PostgreSQL: the store keeps every version, the pages and the API show them, and
each role may do only what it should."""

import csv
import io
import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import EXAMPLE, FIXTURES
from yusuan.store.accounts import create_account, issue_token
from yusuan.store.schema import EditorUnit, Unit
from yusuan.web.app import create_app

CORRECTED = FIXTURES / "changji-corrected.txt"


@pytest.fixture(scope="module")
def app(store_url: str):
    made = create_app(store_url, secret="test-secret")
    with made.state.sessions.begin() as session:
        for name, role in (("admin", "admin"), ("reviewer", "reviewer"), ("editor", "editor"), ("other", "editor"),
                           ("victim", "editor")):
            account = create_account(session, name, f"{name}-password", role)
            if name == "editor":
                unit = session.query(Unit).first()
                session.add(EditorUnit(account_id=account.id, unit_id=unit.id))
        made.state.token = issue_token(session, session.query(type(account)).filter_by(name="reviewer").one())
    return made


def client(app, who: str | None = None) -> TestClient:
    c = TestClient(app)
    c.get("/login")
    if who:
        response = c.post("/login", data={"name": who, "password": f"{who}-password", "csrf": csrf(c, "/login")},
                          follow_redirects=False)
        assert response.status_code == 303, response.text
    return c


def csrf(c: TestClient, page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', c.get(page).text)[1]


def test_the_example_is_there_on_a_new_store(app) -> None:
    c = client(app)
    home = c.get("/")
    assert home.status_code == 200 and "昌吉州工业和信息化局" in home.text and "30 个错误" in home.text
    page = c.get("/documents/1", follow_redirects=True)
    assert "row.total_equals_parts" in page.text and "核查发现" in page.text
    # what was read comes before what was found
    assert page.text.index("读到公开表 10 张；绩效目标表 9 张") < page.text.index("核查发现")
    assert home.headers["x-content-type-options"] == "nosniff" and "frame-ancestors" in home.headers[
        "content-security-policy"]


def test_the_report_is_framed_by_its_own_page_only(app) -> None:
    framed = client(app).get("/versions/1/download/report", params={"inline": 1})
    assert framed.headers["x-frame-options"] == "SAMEORIGIN" and "frame-ancestors 'self'" in framed.headers[
        "content-security-policy"]
    assert framed.headers["content-security-policy"].startswith("default-src 'none'")  # the document's text runs nothing
    assert client(app).get("/").headers["x-frame-options"] == "DENY"


def test_downloads(app) -> None:
    c = client(app)
    assert c.get("/versions/1/download/original").content == EXAMPLE.read_bytes()
    report = c.get("/versions/1/download/report").text
    assert "2313.6333.632303.6319" in report and "→ 2313.63" in report
    assert c.get("/versions/1/download/xlsx").content[:2] == b"PK"
    assert "gpb_expense" in c.get("/versions/1/download/csv").content.decode("utf-8-sig")
    assert json.loads(c.get("/versions/1/download/json").content)["document"]["year"] == 2023
    package = zipfile.ZipFile(io.BytesIO(c.get("/versions/1/download/datapackage").content))
    descriptor = json.loads(package.read("datapackage.json"))
    assert "source" in descriptor["model"]["dimensions"]
    assert package.read("budget.csv").decode().startswith("unit,year,phase,source")
    assert c.get("/versions/1/download/nothing").status_code == 404


def test_same_file_is_recognised_a_changed_file_is_a_new_version(app) -> None:
    c = client(app, "reviewer")
    token = csrf(c, "/upload")
    again = c.post("/upload", data={"csrf": token}, files={"files": ("again.txt", EXAMPLE.read_bytes())})
    assert "已存在（同一文件）" in again.text
    changed = c.post("/upload", data={"csrf": token}, files={"files": ("fixed.txt", CORRECTED.read_bytes())})
    assert "第2版，错误 0 个" in changed.text
    page = c.get("/documents/1", follow_redirects=True).text
    assert "第2版" in page and "第1版" in page  # the old version stays
    assert c.get("/versions/1/download/original").content == EXAMPLE.read_bytes()


def test_api(app) -> None:
    c = TestClient(app)
    units = c.get("/api/v1/units").json()["items"]
    assert units[0]["name"] == "昌吉州工业和信息化局"
    documents = c.get("/api/v1/documents", params={"year": 2023}).json()["items"]
    assert documents[0]["year"] == 2023
    version = documents[0]["version_id"]
    tables = c.get(f"/api/v1/versions/{version}/tables").json()
    assert [t["number"] for t in tables][:2] == ["表1", "表2"]
    findings = c.get("/api/v1/versions/1/findings").json()
    assert {"fid", "rule", "status", "locations"} <= set(findings[0])
    schema = c.get("/api/v1/openapi.json").json()
    assert "/api/v1/aggregate" in schema["paths"]


def test_aggregate(app) -> None:
    c = TestClient(app)
    data = c.get("/api/v1/aggregate", params={"drilldown": ["year", "functional_class"], "cut": "source:gpb"}).json()
    by_class = {cell["dimensions"]["functional_class"]: cell["amount"] for cell in data["cells"]}
    assert by_class["208"] == "1017700.00"  # 表5 208 社会保障和就业支出 101.77万元
    total = c.get("/api/v1/aggregate").json()["total"]
    assert total == "71115000.00"  # the corrected version (the latest counts): its 款 add to 0.01 less than 301
    assert c.get("/api/v1/aggregate", params={"cut": "nonsense:1"}).status_code == 422


def test_search(app) -> None:
    c = TestClient(app)
    assert "大数据运营管理平台" in c.get("/search", params={"q": "大数据"}).text
    assert "行政运行" in c.get("/search", params={"q": "2011301"}).text
    assert "昌吉州工业和信息化局" in c.get("/search", params={"q": "工业和信息化"}).text


def test_unit_page_draws_charts_from_the_store(app) -> None:
    page = TestClient(app).get("/units/1").text
    data = json.loads(re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', page, re.S)[1])
    assert data["years"] == ["2023"] and "基本支出" in data["basic-project"]
    assert '<script src="/static/echarts.min.js">' in page and "<script>" not in page  # no inline script (CSP)


@pytest.mark.parametrize(("who", "upload", "review"), [
    (None, 401, 401), ("editor", 200, 403), ("reviewer", 200, 303), ("admin", 200, 303)])
def test_roles(app, who: str | None, upload: int, review: int) -> None:
    c = client(app, who)
    assert c.get("/upload").status_code == upload
    token = csrf(c, "/login")
    response = c.post("/findings/1", data={"status": "confirmed", "csrf": token}, follow_redirects=False)
    assert response.status_code == review


def test_an_editor_uploads_only_for_their_units(app) -> None:
    before = TestClient(app).get("/api/v1/documents").json()
    c = client(app, "other")  # an editor of no unit
    result = c.post("/upload", data={"csrf": csrf(c, "/upload")},
                    files={"files": ("x.txt", CORRECTED.read_bytes() + b"\n")})
    assert "不在你可以上传的单位之中" in result.text and result.status_code == 400
    assert TestClient(app).get("/api/v1/documents").json() == before  # nothing was stored


def test_forms_need_their_csrf_token(app) -> None:
    c = client(app, "reviewer")
    assert c.post("/findings/1", data={"status": "confirmed", "csrf": "forged"}).status_code == 403
    assert c.post("/upload", data={"csrf": ""}, files={"files": ("a.txt", b"x")}).status_code == 403


def test_review_a_finding(app) -> None:
    c = client(app, "reviewer")
    token = csrf(c, "/login")
    # a dismissal without its reason goes back to the finding, asking for it there (no dead-end page)
    asked = c.post("/findings/2", data={"status": "dismissed", "csrf": token}, follow_redirects=False)
    assert asked.status_code == 303 and asked.headers["location"] == "/versions/1?reason_needed=2#F2"
    page = c.get(asked.headers["location"])
    assert "驳回须写明理由" in page.text and 'name="reason" placeholder="驳回的理由" required autofocus' in page.text
    assert next(f for f in TestClient(app).get("/api/v1/versions/1/findings").json() if f["id"] == 2)["status"] == "open"
    c.post("/findings/2", data={"status": "dismissed", "reason": "模板行", "csrf": token})
    findings = TestClient(app).get("/api/v1/versions/1/findings").json()
    assert next(f for f in findings if f["id"] == 2)["status"] == "dismissed"


def test_api_token(app) -> None:
    c = TestClient(app)
    headers = {"Authorization": f"Bearer {app.state.token}"}
    response = c.post("/api/v1/documents", headers=headers, files={"file": ("c.txt", CORRECTED.read_bytes())})
    assert response.status_code == 201 and response.json()["year"] == 2023
    assert c.post("/api/v1/documents", files={"file": ("c.txt", b"x")}).status_code == 401
    bad = c.post("/api/v1/documents", headers={"Authorization": "Bearer nope"}, files={"file": ("c.txt", b"x")})
    assert bad.status_code == 401


def test_login_is_rate_limited(app) -> None:
    c = client(app)
    for _ in range(5):
        assert c.post("/login", data={"name": "victim", "password": "wrong", "csrf": csrf(c, "/login")}).status_code == 401
    assert c.post("/login", data={"name": "victim", "password": "victim-password",
                                  "csrf": csrf(c, "/login")}).status_code == 429


def test_bad_uploads_are_refused_with_a_message(app) -> None:
    c = client(app, "admin")
    token = csrf(c, "/upload")
    response = c.post("/upload", data={"csrf": token}, files={"files": ("../../etc/passwd.pdf", b"\x00\x01garbage")})
    assert response.status_code == 400 and "passwd.pdf" in response.text and "Traceback" not in response.text


def test_admin_create_and_serve(tmp_path: pytest.TempPathFactory) -> None:
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    from typer.testing import CliRunner

    from yusuan.cli import app as cli

    url = f"sqlite:///{tmp_path / 'serve.db'}"
    result = CliRunner().invoke(cli, ["admin", "create", "boss", "--database", url, "--token"],
                                input="a-long-password\na-long-password\n")
    assert result.exit_code == 0 and "已创建管理员账户：boss" in result.output and "API 令牌" in result.output
    again = CliRunner().invoke(cli, ["admin", "create", "boss", "--database", url], input="x" * 9 + "\n" + "x" * 9 + "\n")
    assert again.exit_code == 2 and "已存在" in again.output
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "yusuan", "serve", "--port", str(port), "--database", url,
                               "--workers", "2"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read().decode()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError(server.stderr.read().decode() if server.poll() is not None else "no answer")
        assert "昌吉州工业和信息化局" in page  # the example is there on a new store
        documents = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/documents", timeout=5).read())
        assert documents["total"] == 1  # loaded once, by the parent, not by each worker
        # the session secret beside the database (git ignores /yusuan.db*), not in the working folder
        assert (tmp_path / "serve.db.secret").stat().st_mode & 0o777 == 0o600 and not (tmp_path / ".yusuan-secret").exists()
    finally:
        server.terminate()
        server.wait(10)
    assert '"GET / HTTP/1.1" 200' in server.stdout.read().decode()  # the access log: one line a request


def test_compare_two_versions(app) -> None:
    c = client(app, "reviewer")  # the corrected copy: version 2 (if an earlier test did not store it yet)
    c.post("/upload", data={"csrf": csrf(c, "/upload")}, files={"files": ("fixed.txt", CORRECTED.read_bytes())})
    page = TestClient(app).get("/compare", params={"a": 1, "b": 2})
    assert page.status_code == 200
    # 表5 2011399 合计: 2283.33 printed, 1854.62 once corrected
    assert re.search(r"<td>2011399</td><td>合计</td><td class=\"num\">2283.33</td><td class=\"num\">1854.62</td>"
                     r"<td class=\"num\">-428.71</td>", page.text)


def test_build_from_a_budget_workbook(app) -> None:
    from yusuan.budget.io import load_budget
    from yusuan.budget.workbook import write_workbook

    budget, _ = load_budget(Path(__file__).parent.parent / "examples" / "small-unit-budget.yaml")
    c = client(app, "reviewer")
    response = c.post("/build", data={"csrf": csrf(c, "/build"), "pdf": "1"},
                      files={"budget": ("budget.xlsx", write_workbook(budget))})
    assert response.status_code == 200, response.text
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert sorted(n.rsplit(".", 1)[1] for n in names) == ["docx", "html", "html", "pdf", "xlsx"]
    assert "示例县档案馆2026年单位预算公开-核查报告.html" in names  # the check of what was built comes with it
    bad = c.post("/build", data={"csrf": csrf(c, "/build")}, files={"budget": ("budget.xlsx", b"PK\x03\x04broken")})
    assert bad.status_code == 400 and "Traceback" not in bad.text
    assert client(app).get("/build").status_code == 401  # the public builds nothing


def test_a_budget_with_a_mistake_is_answered_with_where_it_is(app) -> None:
    text = (Path(__file__).parent.parent / "examples" / "small-unit-budget.yaml").read_text("utf-8")
    c = client(app, "reviewer")
    response = c.post("/build", data={"csrf": csrf(c, "/build")},
                      files={"budget": ("budget.yaml", text.replace("  name: 示例县档案馆", "\tname: 示例县档案馆"))})
    assert response.status_code == 400 and "budget.yaml: 第4行第1列：YAML 格式有误" in response.text

def test_an_editors_first_upload_is_a_draft_until_published(app) -> None:
    from yusuan.budget.io import load_budget
    from yusuan.build.document import build
    from yusuan.render.html import render_html
    from yusuan.store.schema import Department, Region

    budget, _ = load_budget(Path(__file__).parent.parent / "examples" / "small-unit-budget.yaml")
    budget.unit.year = 2031
    with app.state.sessions.begin() as session:
        unit = session.query(Unit).filter_by(name=budget.unit.name).one_or_none()
        if unit is None:
            region = Region(name="测试地区")
            session.add(region)
            session.flush()
            department = Department(region_id=region.id, name=budget.unit.name)
            session.add(department)
            session.flush()
            unit = Unit(department_id=department.id, name=budget.unit.name)
            session.add(unit)
            session.flush()
        account = create_account(session, "drafter", "drafter-password", "editor")
        session.add(EditorUnit(account_id=account.id, unit_id=unit.id))
    drafter = client(app, "drafter")
    result = drafter.post("/upload", data={"csrf": csrf(drafter, "/upload")},
                          files={"files": ("2031.html", render_html(build(budget)).encode("utf-8"))})
    assert "草稿" in result.text, result.text
    version = int(re.search(r'href="/versions/(\d+)"', result.text)[1])
    document = next(d for d in drafter.get("/api/v1/documents").json()["items"] if d["version_id"] == version)["id"]

    public = TestClient(app)
    assert all(d["id"] != document for d in public.get("/api/v1/documents").json()["items"])
    assert public.get(f"/documents/{document}", follow_redirects=False).status_code == 404  # not even a redirect
    assert public.get(f"/versions/{version}").status_code == 404
    other = client(app, "editor")  # an editor of another unit
    assert other.get(f"/versions/{version}").status_code == 404
    assert other.post(f"/documents/{document}/publish", data={"published": "true", "csrf": csrf(other, "/")}).status_code == 404
    assert "草稿（未公开）" in drafter.get(f"/versions/{version}").text
    before = public.get("/api/v1/aggregate?drilldown=year").json()  # answered, and kept for next time
    assert all(c["dimensions"]["year"] != 2031 for c in before["cells"])

    published = drafter.post(f"/documents/{document}/publish", data={"published": "true", "csrf": csrf(drafter, "/")})
    assert published.status_code == 200 and "已公开" in published.text
    assert any(d["id"] == document for d in public.get("/api/v1/documents").json()["items"])
    after = public.get("/api/v1/aggregate?drilldown=year").json()  # publishing made the kept answer stale
    assert any(c["dimensions"]["year"] == 2031 for c in after["cells"]) and after["total"] != before["total"]

    budget.unit.year = 2032  # through the API the same rule holds: a draft
    made = drafter.post("/api/v1/documents", data={"csrf": csrf(drafter, "/")},
                        files={"file": ("2032.html", render_html(build(budget)).encode("utf-8"))})
    assert made.status_code == 201, made.text
    assert all(d["id"] != made.json()["id"] for d in public.get("/api/v1/documents").json()["items"])


def test_pages_answer_in_html_and_ask_visitors_to_log_in(app) -> None:
    page = TestClient(app).get("/upload")
    assert page.status_code == 401 and 'action="/login"' in page.text and "请先登录" in page.text
    missing = TestClient(app).get("/no-such-page")
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]
    assert TestClient(app).get("/api/v1/versions/999999/tables").json() == {"detail": "没有这个版本"}


@pytest.fixture(scope="module")
def paged(app) -> list[int]:
    """Three more units in a region of their own, with 3, 2 and 1 documents; the last unit's is a draft."""
    from yusuan.store.schema import Department, Document, Region, Version

    with app.state.sessions.begin() as session:
        region = Region(name="分页测试地区")
        department = Department(region=region, name="分页测试部门")
        units = [Unit(department=department, name=f"分页测试单位{n}") for n in range(3)]
        session.add_all(units)
        for unit, years in zip(units, (3, 2, 1), strict=True):
            for year in range(2001, 2001 + years):
                document = Document(unit=unit, year=year, kind="budget", published=unit is not units[2])
                session.add(Version(document=document, number=1, sha256=f"{unit.name}-{year}".encode().hex()[:64],
                                    filename="x.txt", format="text", size=1, original=b"x", disclosure={},
                                    money_unit="万元", errors=year - 2000))
        session.flush()
        return [u.id for u in units]


def test_api_lists_come_in_pages(app, paged: list[int]) -> None:
    c = TestClient(app)
    first = c.get("/api/v1/documents", params={"unit": paged[0], "per_page": 2}).json()
    assert (first["total"], first["page"], first["per_page"]) == (3, 1, 2)
    last = c.get("/api/v1/documents", params={"unit": paged[0], "per_page": 2, "page": 2}).json()
    ids = [d["id"] for d in first["items"] + last["items"]]
    assert len(ids) == 3 and ids == sorted(ids)  # stable order: by id, no document on two pages
    assert [d["errors"] for d in first["items"] + last["items"]] == [1, 2, 3]
    beyond = c.get("/api/v1/documents", params={"unit": paged[0], "per_page": 2, "page": 3}).json()
    assert beyond["items"] == [] and beyond["total"] == 3
    assert c.get("/api/v1/documents", params={"unit": paged[2]}).json()["total"] == 0  # a draft is not counted
    assert client(app, "reviewer").get("/api/v1/documents", params={"unit": paged[2]}).json()["total"] == 1

    everything = c.get("/api/v1/units", params={"per_page": 1000}).json()
    assert everything["total"] == len(everything["items"])
    assert paged[2] not in [u["id"] for u in everything["items"]]  # a unit with drafts only: not for the public
    pieces = [u for page in (1, 2, 3, 4) for u in c.get("/api/v1/units", params={"per_page": 2, "page": page}).json()["items"]]
    assert pieces == everything["items"][:8]
    mine = [u["name"] for u in everything["items"] if u["name"].startswith("分页测试")]
    assert mine == ["分页测试单位0", "分页测试单位1"]


@pytest.mark.parametrize("params", [{"page": 0}, {"per_page": 0}, {"per_page": 1001}, {"page": "two"},
                                    {"page": 10**7}, {"per_page": -5}])
def test_bad_paging_is_a_422(app, params: dict) -> None:
    c = TestClient(app)
    for path in ("/api/v1/documents", "/api/v1/units"):
        response = c.get(path, params=params)
        assert response.status_code == 422 and response.json()["detail"][0]["loc"][0] == "query"
    page = c.get("/", params=params)
    assert page.status_code == 422 and "请求的参数不对" in page.text and "text/html" in page.headers["content-type"]


def test_the_home_page_lists_units_in_pages(app, paged: list[int]) -> None:
    c = TestClient(app)
    total = c.get("/api/v1/units").json()["total"]
    names = []
    for page in range(1, total + 1):
        text = c.get("/", params={"per_page": 1, "page": page}).text
        assert f"共 {total} 个单位，第 {page}/{total} 页" in text
        assert ('rel="prev"' in text) == (page > 1) and ('rel="next"' in text) == (page < total)
        names += re.findall(r'<a href="/units/\d+">([^<]+)</a>', text)
    assert len(names) == total and "分页测试单位1" in names and "分页测试单位2" not in names
    one = c.get("/", params={"per_page": 1, "page": names.index("分页测试单位0") + 1}).text
    assert one.count("个错误</span>") == 3 and "2003年预算" in one
    assert "这一页没有单位" in c.get("/", params={"page": total + 1, "per_page": 1}).text
    openapi = c.get("/api/v1/openapi.json").json()
    parameters = {p["name"]: p for p in openapi["paths"]["/api/v1/documents"]["get"]["parameters"]}
    assert parameters["per_page"]["schema"]["maximum"] == 1000 and parameters["page"]["schema"]["minimum"] == 1


def test_kept_aggregates_follow_the_store_not_the_process(app) -> None:
    """Two apps on one store, as two `yusuan serve --workers` processes: a change through one is seen by the
    other's aggregate, although that other kept its earlier answer."""
    other = TestClient(create_app(app.state.url, secret="test-secret", example=False))
    before = other.get("/api/v1/aggregate", params={"drilldown": "unit"}).json()
    assert other.get("/api/v1/aggregate", params={"drilldown": "unit"}).json() == before  # kept
    assert any(c["dimensions"]["unit"] == "昌吉州工业和信息化局" for c in before["cells"])
    reviewer = client(app, "reviewer")
    token = csrf(reviewer, "/")
    assert reviewer.post("/documents/1/publish", data={"published": "false", "csrf": token}).status_code == 200
    try:
        hidden = other.get("/api/v1/aggregate", params={"drilldown": "unit"}).json()
        assert all(c["dimensions"]["unit"] != "昌吉州工业和信息化局" for c in hidden["cells"])
    finally:
        reviewer.post("/documents/1/publish", data={"published": "true", "csrf": token})
    assert other.get("/api/v1/aggregate", params={"drilldown": "unit"}).json() == before


def test_search_finds_units_the_visitor_may_see(app, paged: list[int]) -> None:
    def found(c: TestClient) -> list[str]:
        return re.findall(r'<a href="/units/\d+">(分页测试单位\d)</a>', c.get("/search", params={"q": "分页测试"}).text)

    assert found(TestClient(app)) == ["分页测试单位0", "分页测试单位1"]  # 单位2 has a draft only
    assert found(client(app, "reviewer")) == ["分页测试单位0", "分页测试单位1", "分页测试单位2"]


def test_the_api_lists_at_least_fourteen_paths_each_with_its_error_answers(app) -> None:
    paths = TestClient(app).get("/api/v1/openapi.json").json()["paths"]
    assert len(paths) >= 14, sorted(paths)
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert {"401", "422"} <= set(operation["responses"]), (method, path)
            if "{" in path:  # an object by its id or code: the answer when there is none
                assert "404" in operation["responses"] or "{what}" in path, (method, path)


def test_api_one_unit_one_document_its_versions(app) -> None:
    c = TestClient(app)
    unit = c.get("/api/v1/units/1").json()
    assert unit["name"] == "昌吉州工业和信息化局" and unit["region"] == "新疆 昌吉州"
    assert unit["years"][0]["year"] == 2023 and unit["years"][0]["kind"] == "budget"
    assert unit["charts"]["years"] == ["2023"] and "基本支出" in unit["charts"]["basic-project"]
    document = c.get("/api/v1/documents/1").json()
    assert document["unit"] == unit["name"] and document["published"] and document["versions"][0]["number"] == 1
    assert document["versions"][0]["uploaded_at"].endswith(("Z", "+00:00"))
    assert c.get("/api/v1/documents/1/versions").json() == document["versions"]
    assert c.get("/api/v1/units/999999").status_code == 404 and c.get("/api/v1/documents/999999").status_code == 404


def test_api_a_version_its_reading_cells_report_and_downloads(app) -> None:
    c = TestClient(app)
    version = c.get("/api/v1/versions/1").json()
    assert version["format"] == "text" and version["year"] == 2023 and version["unit"] == "昌吉州工业和信息化局"
    reading = version["reading"]
    assert [t["number"] for t in reading["tables"]][:2] == ["表1", "表2"] and reading["tables"][0]["kind"]
    assert reading["targets"] > 0 and "three_public" in reading["topics"] and isinstance(reading["unread"], list)
    cells = c.get("/api/v1/versions/1/cells", params={"table": "表5", "code": "2011399"}).json()
    assert cells["total"] >= 1 and {"2283.33"} <= {cell["value"] for cell in cells["items"]}
    assert all(cell["table"] == "表5" and cell["code"] == "2011399" for cell in cells["items"])
    report = c.get("/api/v1/versions/1/report").json()
    assert report["summary"]["errors"] == 30 and report["localisation"]
    assert [f["id"] for f in report["findings"]] == [f["fid"] for f in c.get("/api/v1/versions/1/findings").json()]
    html = c.get("/api/v1/versions/1/report", params={"format": "html"})
    assert "→ 2313.63" in html.text and html.headers["content-security-policy"].startswith("default-src 'none'")
    for what, address in version["downloads"].items():
        answer = c.get(address)
        assert answer.status_code == 200 and "attachment" in answer.headers["content-disposition"], what
    assert c.get(version["downloads"]["original"]).content == EXAMPLE.read_bytes()
    assert c.get("/api/v1/versions/1/download/nothing").status_code == 422


def test_api_review_by_token(app) -> None:
    c = TestClient(app, headers={"Authorization": f"Bearer {app.state.token}"})  # a reviewer's
    finding = c.get("/api/v1/versions/1/findings").json()[2]
    refused = c.post(f"/api/v1/findings/{finding['id']}/dismiss", data={"reason": "  "})
    assert refused.status_code == 422  # a dismissal says why
    dismissed = c.post(f"/api/v1/findings/{finding['id']}/dismiss", data={"reason": "模板行，非错误"}).json()
    assert dismissed["status"] == "dismissed" and dismissed["reason"] == "模板行，非错误" and dismissed["reviewed_at"]
    confirmed = c.post(f"/api/v1/findings/{finding['id']}/confirm").json()
    assert confirmed["status"] == "confirmed" and confirmed["reason"] is None
    assert TestClient(app).post(f"/api/v1/findings/{finding['id']}/confirm").status_code == 401
    assert c.post("/api/v1/findings/999999/confirm").status_code == 404


def test_api_search_catalog_and_compare(app) -> None:
    c = TestClient(app)
    found = c.get("/api/v1/search", params={"q": "2011301"}).json()
    assert found["codes"] and all(hit["code"] == "2011301" for hit in found["codes"])
    assert c.get("/api/v1/search", params={"q": "大数据"}).json()["projects"]
    assert c.get("/api/v1/search", params={"q": "工业和信息化"}).json()["units"][0]["name"] == "昌吉州工业和信息化局"
    entry = c.get("/api/v1/catalog/2011301", params={"year": 2023}).json()
    assert entry["name"] == "行政运行" and entry["level"] == 3 and [p["code"] for p in entry["parents"]] == ["201", "20113"]
    assert c.get("/api/v1/catalog/2999999").status_code == 404 and c.get("/api/v1/catalog/123").status_code == 422
    same = c.get("/api/v1/compare", params={"a": 1, "b": 1}).json()
    assert same["tables"] and all(r["difference"] is None for t in same["tables"] for r in t["rows"])


def test_api_publish(app) -> None:
    c = TestClient(app, headers={"Authorization": f"Bearer {app.state.token}"})  # a reviewer's
    assert c.post("/api/v1/documents/1/publish", data={"published": "false"}).json()["published"] is False
    try:
        assert TestClient(app).get("/api/v1/documents/1").status_code == 404  # a draft: not for the public
    finally:
        assert c.post("/api/v1/documents/1/publish", data={"published": "true"}).json()["published"] is True
    assert TestClient(app).post("/api/v1/documents/1/publish", data={"published": "true"}).status_code == 401


def test_the_about_page_and_its_json(app) -> None:
    page = TestClient(app).get("/about")
    assert page.status_code == 200 and "核查设置" in page.text and "row.total_equals_parts" in page.text
    about = TestClient(app).get("/api/v1/about").json()
    assert about["settings"]["tolerance"] == "0" and about["limits"]["file_mb"] == 50
    assert about["database"] in ("sqlite", "postgresql") and "://" not in page.text  # no address of the store


def test_downloads_are_named_as_a_person_would_and_the_csv_speaks_chinese(app) -> None:
    """`昌吉州工业和信息化局2023年预算公开（第1版）.xlsx`, not `1-2023-v1.xlsx`; the CSV's headers in Chinese, and each
    amount of 表1 named by its own side: an income amount by its income item, an expense one by its class."""
    from urllib.parse import unquote

    c = TestClient(app)
    names = {what: unquote(c.get(f"/versions/1/download/{what}").headers["content-disposition"].split("UTF-8''")[1])
             for what in ("xlsx", "csv", "report", "original")}
    assert names["xlsx"] == "昌吉州工业和信息化局2023年预算公开（第1版）.xlsx"
    assert names["report"] == "昌吉州工业和信息化局2023年预算公开（第1版）-核查报告.html"
    assert names["csv"].endswith("（第1版）-表格数据.csv") and names["original"] == "changji-gxj-2023-budget.txt"
    rows = list(csv.DictReader(io.StringIO(c.get("/versions/1/download/csv").content.decode("utf-8-sig"))))
    assert list(rows[0]) == ["表", "表名", "行", "科目编码", "行名称", "栏目", "金额", "金额单位", "表类型", "栏目代码"]
    first = [r for r in rows if r["表"] == "表1" and r["行"] == "1"]
    assert [(r["栏目代码"], r["科目编码"], r["行名称"], r["金额"]) for r in first] == [
        ("income_amount", "", "一、本年收入", "3080.03"), ("expense_amount", "201", "201 一般公共服务支出", "6504.69")]


def test_build_names_the_errors_of_what_it_built_and_refuses_a_pdf_of_boxes(app, monkeypatch) -> None:
    import sys

    from yusuan.budget.io import load_budget
    from yusuan.budget.workbook import write_workbook

    budget, _ = load_budget(Path(__file__).parent.parent / "examples" / "small-unit-budget.yaml")
    budget.projects[0].indicators[-1].weight = Decimal(5)  # weights of 95
    c = client(app, "reviewer")
    files = {"budget": ("budget.xlsx", write_workbook(budget))}
    page = c.post("/build", data={"csrf": csrf(c, "/build")}, files=files)
    assert page.status_code == 422 and "指标权重合计" in page.text and "权重合计 95，应为 100" in page.text
    assert 'name="anyway"' in page.text
    anyway = c.post("/build", data={"csrf": csrf(c, "/build"), "anyway": "1"}, files=files)
    assert anyway.status_code == 200 and anyway.headers["content-type"] == "application/zip"
    monkeypatch.setitem(sys.modules, "pylopdf_fonts_zh_cn", None)  # the Chinese face missing
    refused = c.post("/build", data={"csrf": csrf(c, "/build"), "anyway": "1", "pdf": "1"}, files=files)
    assert refused.status_code == 500 and "缺少中文字体 Noto Sans SC" in refused.text


def test_compare_pairs_income_items_by_their_own_names(app) -> None:
    """表1's income amounts are compared by their items (一、本年收入), not by the expense class printed beside them."""
    rows = {(r["row"], r["column"]) for t in TestClient(app).get("/api/v1/compare", params={"a": 1, "b": 1}).json()["tables"]
            if t["kind"] == "income_expense_summary" for r in t["rows"]}
    assert ("一、本年收入", "income_amount") in rows and ("201", "expense_amount") in rows
    assert ("202", "income_amount") not in rows
