"""One intake path: the store stands on the model alone; an upload is checked once; every door (the
CLI, a batch, `yusuan import`, the example loader, the upload page, the upload API and the API's
check) gives the same findings for the same file under the same settings (yusuan.toml or
YUSUAN_CONFIG); and versions stored before the report was kept lose nothing."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, inspect, select
from typer.testing import CliRunner

from conftest import EXAMPLE, FIXTURES
from yusuan.cli import app as cli
from yusuan.intake import take_in
from yusuan.store.accounts import create_account, issue_token
from yusuan.store.db import engine, migrate, sessions
from yusuan.store.schema import Base, FindingRow, Version
from yusuan.web.app import create_app
from yusuan.web.reading import Readers

STORE = Path(__file__).parent.parent / "src" / "yusuan" / "store"
CORRECTED = FIXTURES / "changji-corrected.txt"
# what the store may stand on: the model, its own modules, and the package's plain helpers
STORE_MAY_IMPORT = ("yusuan.model", "yusuan.store", "yusuan.errors")
SETTINGS = """
[check]
weight_total = 90
[severity]
"narrative.zero_base_growth" = "info"
"text.name_differs" = "error"
"""


def yusuan_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: a relative import"
            found.update(f"{node.module}.{alias.name}" if node.module == "yusuan" else node.module  # type: ignore[misc]
                         for alias in node.names)
    return {name for name in found if name == "yusuan" or name.startswith("yusuan.")}


def test_the_store_imports_only_the_model() -> None:
    """Not read, check or build (nor anything else above the model), at the top or inside a function."""
    modules = sorted(STORE.rglob("*.py"))
    assert len(modules) >= 8
    for module in modules:
        strays = {name for name in yusuan_imports(module)
                  if name != "yusuan.__version__" and not name.startswith(STORE_MAY_IMPORT)}
        assert not strays, f"{module.relative_to(STORE)} imports {sorted(strays)}"


def test_the_import_test_sees_imports_inside_functions(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from yusuan.check.engine import check\n    import yusuan.read\n")
    assert yusuan_imports(sample) == {"yusuan.check.engine", "yusuan.read"}


@pytest.fixture
def settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings that change findings, in force through YUSUAN_CONFIG (and no ./yusuan.toml about)."""
    path = tmp_path / "strict.toml"
    path.write_text(SETTINGS, "utf-8")
    monkeypatch.setenv("YUSUAN_CONFIG", str(path))
    monkeypatch.chdir(tmp_path)
    return path


def key(finding: dict) -> tuple:
    return (finding.get("fid") or finding.get("id") or finding.get("finding_id"), finding["rule"], finding["severity"],
            finding["message"])


def stored_findings(app, version_id: int) -> list[tuple]:
    return [key(f) for f in TestClient(app).get(f"/api/v1/versions/{version_id}/findings").json()]


def admin_of(app) -> tuple[str, TestClient]:
    """An admin's API token, and a browser session of theirs."""
    with app.state.sessions.begin() as session:
        token = issue_token(session, create_account(session, "admin", "admin-password", "admin"))
    browser = TestClient(app)
    browser.get("/login")
    form = re.search(r'name="csrf" value="([^"]+)"', browser.get("/login").text)[1]
    assert browser.post("/login", data={"name": "admin", "password": "admin-password", "csrf": form},
                        follow_redirects=False).status_code == 303
    return token, browser


def test_every_door_gives_the_same_findings(settings_file: Path, tmp_path: Path) -> None:
    data = EXAMPLE.read_bytes()
    doors: dict[str, list[tuple]] = {}

    result = CliRunner().invoke(cli, ["check", str(EXAMPLE), "-f", "json"])
    assert result.exit_code == 1, result.output
    doors["yusuan check"] = [key(f) for f in json.loads(result.stdout)["findings"]]

    out = tmp_path / "results.json"
    result = CliRunner().invoke(cli, ["check", str(EXAMPLE), str(CORRECTED), "--jobs", "1", "--out", str(out)])
    assert result.exit_code == 1, result.output
    doors["batch"] = [key(f) for f in json.loads(out.read_text("utf-8"))["findings"] if f["path"] == str(EXAMPLE)]

    imported = f"sqlite:///{tmp_path / 'imported.db'}"
    result = CliRunner().invoke(cli, ["import", str(EXAMPLE), "--jobs", "1", "--database", imported])
    assert result.exit_code == 1, result.output
    with sessions(imported)() as session:
        doors["yusuan import"] = [(f.fid, f.rule, f.severity, f.message)
                                  for f in session.scalars(select(FindingRow).order_by(FindingRow.id))]

    loaded = create_app(f"sqlite:///{tmp_path / 'loaded.db'}", secret="s")  # the example loader
    doors["example loader"] = stored_findings(loaded, 1)
    answer = TestClient(loaded).post("/api/v1/check", files={"file": (EXAMPLE.name, data)})
    assert answer.status_code == 200, answer.text
    doors["POST /api/v1/check"] = [key(f) for f in answer.json()["findings"]]
    doors["GET /api/v1/versions/1/report"] = [key(f) for f in TestClient(loaded).get("/api/v1/versions/1/report").json()
                                              ["findings"]]

    uploads = create_app(f"sqlite:///{tmp_path / 'uploads.db'}", secret="s", example=False)
    token, browser = admin_of(uploads)
    made = TestClient(uploads).post("/api/v1/documents", headers={"Authorization": f"Bearer {token}"},
                                    files={"file": (EXAMPLE.name, data)})
    assert made.status_code == 201, made.text
    doors["POST /api/v1/documents"] = stored_findings(uploads, made.json()["version_id"])
    paged = create_app(f"sqlite:///{tmp_path / 'paged.db'}", secret="s", example=False)
    _, browser = admin_of(paged)
    form = re.search(r'name="csrf" value="([^"]+)"', browser.get("/upload").text)[1]
    page = browser.post("/upload", data={"csrf": form}, files={"files": (EXAMPLE.name, data)})
    assert page.status_code == 200 and "第1版" in page.text
    doors["POST /upload"] = stored_findings(paged, int(re.search(r'href="/versions/(\d+)"', page.text)[1]))

    expected = doors.pop("yusuan check")
    assert all(found == expected for found in doors.values()), {door: len(found) for door, found in doors.items()}
    severities = {(rule, severity) for _, rule, severity, _ in expected}
    assert ("narrative.zero_base_growth", "info") in severities and ("text.name_differs", "error") in severities
    assert ("narrative.zero_base_growth", "warning") not in severities  # the settings were in force everywhere

    about = TestClient(loaded).get("/about").text
    assert "strict.toml" in about and "上年为零无增长率（<code>narrative.zero_base_growth</code>）：提示" in about
    settings = TestClient(loaded).get("/api/v1/about").json()
    assert settings["config"] == "strict.toml" and settings["settings"]["weight_total"] == "90"
    assert next(r for r in settings["rules"] if r["id"] == "text.name_differs")["severity"] == "error"


def test_a_settings_file_that_cannot_be_read_stops_the_server_with_a_message(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[severity]\n"no.such_rule" = "info"\n', "utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("YUSUAN_CONFIG", "")  # serve names the file in force here for its workers: undone after
    result = CliRunner().invoke(cli, ["serve", "--config", str(bad), "--database", f"sqlite:///{tmp_path / 'x.db'}"])
    assert result.exit_code == 2 and "no.such_rule" in result.output and "Traceback" not in result.output


def test_an_upload_is_checked_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Counted in the sandbox that reads it (by a job that notes each check) and in the server itself: once
    for each new file, never again for its pages, its report or its downloads."""
    from yusuan.check import engine

    log = tmp_path / "checks"
    monkeypatch.setenv("YUSUAN_TEST_LOG", str(log))
    here: list[str] = []
    original = engine.check
    monkeypatch.setattr(engine, "check", lambda *args, **kwargs: here.append("check") or original(*args, **kwargs))

    app = create_app(f"sqlite:///{tmp_path / 'yusuan.db'}", secret="s", example=False)
    app.state.readers = Readers(size=1, job="intake_hooks:counted")
    token, browser = admin_of(app)
    api = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    made = api.post("/api/v1/documents", files={"file": ("api.txt", EXAMPLE.read_bytes())})
    assert made.status_code == 201, made.text
    form = re.search(r'name="csrf" value="([^"]+)"', browser.get("/upload").text)[1]
    page = browser.post("/upload", data={"csrf": form}, files={"files": ("page.txt", CORRECTED.read_bytes())})
    assert "第2版" in page.text
    again = api.post("/api/v1/documents", files={"file": ("again.txt", EXAMPLE.read_bytes())})  # stored already
    assert again.status_code == 201 and again.json()["version_id"] == made.json()["version_id"]
    version = made.json()["version_id"]
    for url in (f"/versions/{version}", f"/versions/{version}/download/report", f"/api/v1/versions/{version}/report",
                f"/api/v1/versions/{version}/report?format=html", f"/api/v1/versions/{version}/download/datapackage"):
        assert api.get(url).status_code == 200, url
    assert log.read_text("utf-8").splitlines() == ["api.txt", "page.txt"] and here == []


def test_the_check_answers_as_the_cli_and_stores_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)  # the CLI names the file as given: the same name as the upload's
    cli_json = CliRunner().invoke(cli, ["check", EXAMPLE.name, "-f", "json"]).stdout
    cli_html = CliRunner().invoke(cli, ["check", EXAMPLE.name, "-f", "html"]).stdout
    app = create_app(f"sqlite:///{tmp_path / 'yusuan.db'}", secret="s", example=False)
    c = TestClient(app)
    before = rows(app)
    answer = c.post("/api/v1/check", files={"file": (EXAMPLE.name, EXAMPLE.read_bytes())})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    assert answer.text == cli_json
    page = c.post("/api/v1/check", params={"format": "html"}, files={"file": (EXAMPLE.name, EXAMPLE.read_bytes())})
    assert page.status_code == 200 and page.text == cli_html and "2313.6333.632303.6319" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'none'")  # the document's text runs nothing
    refused = c.post("/api/v1/check", files={"file": ("photo.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)})
    assert refused.status_code == 422 and refused.json()["detail"].startswith("photo.pdf: ")
    assert rows(app) == before == 0


def test_a_check_past_the_limits_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("yusuan.web.app.MAX_UPLOAD", 1 << 20)
    app = create_app(f"sqlite:///{tmp_path / 'yusuan.db'}", secret="s", example=False)
    c = TestClient(app)
    big = c.post("/api/v1/check", files={"file": ("big.txt", b" " * ((1 << 20) + 1))})
    assert big.status_code == 413 and "MB" in big.json()["detail"]
    app.state.readers = Readers(size=1, waiting=0)
    while app.state.readers._room.acquire(blocking=False):  # every place taken, as by files being read
        pass
    busy = c.post("/api/v1/check", files={"file": (EXAMPLE.name, EXAMPLE.read_bytes())})
    assert busy.status_code == 503 and busy.headers["retry-after"] == "30" and "正忙" in busy.json()["detail"]


def rows(where, table=None) -> int:
    """Rows of one table of the store at a URL, or of every table of an app's store."""
    if table is not None:
        with engine(where).connect() as connection:
            return connection.scalar(select(func.count()).select_from(table))
    with where.state.sessions() as session:
        return sum(session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables)


def test_versions_stored_before_the_report_was_kept_lose_nothing(store_url: str) -> None:
    """A store of migration 0001 brought to 0002: every row as it was, the report answered by checking again."""
    from alembic import command

    from yusuan.store.db import alembic_config

    url = store_url
    with sessions(url).begin() as session:
        take_in(session, EXAMPLE.read_bytes(), EXAMPLE.name)
    counts = {t.name: rows(url, t) for t in Base.metadata.sorted_tables}
    assert counts["finding"] and counts["cell"] and counts["fact"]
    with engine(url).begin() as connection:  # as an older yusuan left it
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
        before = [tuple(r) for r in connection.exec_driver_sql("SELECT * FROM version ORDER BY id")]
    older = set(inspect(engine(url)).get_table_names())  # the tables of later migrations are gone, empty
    assert {t.name: rows(url, t) for t in Base.metadata.sorted_tables if t.name in older} == {
        name: n for name, n in counts.items() if name in older}
    migrate(engine(url))
    assert {t.name: rows(url, t) for t in Base.metadata.sorted_tables} == counts
    with sessions(url)() as session:
        version = session.scalars(select(Version)).one()
        assert version.report is None
        after = session.connection().exec_driver_sql("SELECT * FROM version ORDER BY id").all()
    assert [tuple(r)[:-1] for r in after] == before  # the new column is the last
    app = create_app(url, secret="s", example=False)
    report = TestClient(app).get(f"/api/v1/versions/{version.id}/report").json()
    assert len(report["findings"]) == counts["finding"] and report["localisation"]
    assert "→ 2313.63" in TestClient(app).get(f"/versions/{version.id}/download/report").text


def test_the_season_migration_adds_tables_and_changes_nothing_stored(store_url: str) -> None:
    """A store of migration 0002 brought to 0003 and back: every row as it was; only the new tables come and go."""
    from alembic import command

    from yusuan.store.db import alembic_config

    url = store_url
    with sessions(url).begin() as session:
        take_in(session, EXAMPLE.read_bytes(), EXAMPLE.name)
    new = {"register", "register_entry", "publication", "review_policy"}

    def dump() -> dict[str, list]:
        with engine(url).connect() as connection:
            present = set(inspect(connection).get_table_names())
            return {t.name: [tuple(r) for r in connection.execute(select(t).order_by(*t.primary_key.columns))]
                    for t in Base.metadata.sorted_tables if t.name in present}

    config = alembic_config()
    with engine(url).begin() as connection:  # at 0003: the migrations after it have their own tests
        config.attributes["connection"] = connection
        command.downgrade(config, "0003")
    before = dump()
    assert before["version"] and new <= set(before)
    with engine(url).begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")
    older = dump()
    assert set(older) == set(before) - new and older == {k: v for k, v in before.items() if k not in new}
    with engine(url).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")
    assert dump() == before
    migrate(engine(url))
