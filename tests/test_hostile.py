"""Hostile and broken files through `yusuan check`, each in its own process as a user would run it:
every one ends within a minute, under 1 GB, with exit status 2 and a Chinese message naming the
file, or is read (a text in another encoding, a file cut short that still holds tables). Never a
traceback, never a crash, never a silent wrong read."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import EXAMPLE
from hostile import Case, all_cases
from yusuan.read import read, read_bytes

SECONDS = 60
MEMORY = 1 << 30  # peak resident memory allowed per case
KINDS = ["zip-bomb", "xml-entities", "pdf-size", "pdf-structure", "nesting", "table-size", "truncated", "corrupt",
         "impostor", "encoding", "empty", "budget"]
# damaged copies that may still hold whole tables: reading them is as right as refusing them
MAY_READ = {"truncated", "corrupt", "table-size", "pdf-structure", "encoding", "xml-entities"}
MUST_READ = {"utf16le-bom.txt", "utf16be.txt", "utf32.txt"}  # the example in other Unicode encodings


@dataclass
class Outcome:
    case: Case
    status: int | None  # None: killed at the time limit
    stderr: str
    seconds: float
    peak_mb: float
    folder: Path  # where it ran


def good_documents() -> dict[str, bytes]:
    """A small unit's disclosure built by yusuan in every format, an .xls, and the example as text."""
    import xlwt

    from yusuan.budget.io import load_budget
    from yusuan.budget.workbook import write_workbook
    from yusuan.build.document import build
    from yusuan.render.docx import render_docx
    from yusuan.render.html import render_html
    from yusuan.render.pdf import render_pdf
    from yusuan.render.xlsx import render_xlsx

    budget = Path(__file__).parent.parent / "examples" / "small-unit-budget.yaml"
    built = build(load_budget(budget)[0])
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("表1")
    for r, row in enumerate([["表1 收支总体情况表"], ["项目", "金额"], ["合计", 1.5]]):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    xls = io.BytesIO()
    book.save(xls)
    return {"docx": render_docx(built), "xlsx": render_xlsx(built), "html": render_html(built).encode("utf-8"),
            "pdf": render_pdf(built), "xls": xls.getvalue(), "txt": EXAMPLE.read_bytes(),
            "budget.xlsx": write_workbook(load_budget(budget)[0]), "budget.yaml": budget.read_bytes()}


# `yusuan` under a 4 GB address-space limit (a regression must not take the machine down), leaving its
# peak memory in a file: the rusage of a child counts the parent's peak at fork time
SAFETY_NET = """
import atexit, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
PEAK = sys.argv.pop()
def peak():
    with open('/proc/self/status') as status, open(PEAK, 'w') as out:
        out.write(next(line.split()[1] for line in status if line.startswith('VmHWM:')))
atexit.register(peak)
sys.argv[0] = 'yusuan'
from yusuan.cli import main
main()
"""


def run(case: Case, folder: Path) -> Outcome:
    path = folder / case.name
    path.write_bytes(case.data)
    start = time.perf_counter()
    with tempfile.TemporaryFile() as stderr:
        peak = folder / f"{case.name}.peak"
        args = ["check", str(path)] if case.command == "check" else [
            "build", str(path), "-o", str(folder / f"out-{case.name}"), "-f", "html"]
        proc = subprocess.Popen([sys.executable, "-c", SAFETY_NET, *args, str(peak)],
                                stdout=subprocess.DEVNULL, stderr=stderr)
        timer = threading.Timer(SECONDS, proc.kill)
        timer.start()
        status = proc.wait()
        timer.cancel()
        stderr.seek(0)
        text = stderr.read().decode("utf-8", "replace")
    killed = status == -9 and time.perf_counter() - start >= SECONDS
    peak_mb = int(peak.read_text()) / 1024 if peak.exists() else float("nan")  # none: killed
    return Outcome(case, None if killed else status, text, time.perf_counter() - start, peak_mb, folder)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    folder = tmp_path_factory.mktemp("hostile")
    cases = all_cases(good_documents())
    assert len({c.name for c in cases}) == len(cases)
    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(lambda c: run(c, folder), cases))
    return {o.case.name: o for o in done}


@pytest.mark.parametrize("kind", KINDS)
def test_every_hostile_file_ends_in_bounded_time_with_a_message(outcomes: dict[str, Outcome], kind: str) -> None:
    mine = [o for o in outcomes.values() if o.case.kind == kind]
    assert mine, kind
    for o in mine:
        name = o.case.name
        assert o.status is not None, f"{name}: still running after {SECONDS} s"
        assert "Traceback" not in o.stderr and "内部错误" not in o.stderr, f"{name}: {o.stderr[-2000:]}"
        assert o.peak_mb < MEMORY >> 20, f"{name}: {o.peak_mb:.0f} MB"
        if name in MUST_READ:
            assert o.status == 1, f"{name}: {o.stderr}"  # the example's errors, found again
        elif o.status == 2:
            message = o.stderr.strip()
            assert message.startswith("错误：") and name in message, f"{name}: {message}"
            assert any("\u4e00" <= ch <= "\u9fff" for ch in message.removeprefix("错误："))
        else:
            assert kind in MAY_READ and o.status in (0, 1), f"{name}: exit {o.status} {o.stderr[-500:]}"


def test_a_unit_name_cannot_write_outside_the_output_folder(outcomes: dict[str, Outcome]) -> None:
    o = outcomes["escape.yaml"]
    assert o.status == 0, o.stderr
    assert [p.parent for p in o.folder.rglob("*示例县档案馆*.html")] == [o.folder / "out-escape.yaml"]
    assert not (o.folder.parent / "逃逸").exists()


def test_hostile_files_take_little_time(outcomes: dict[str, Outcome]) -> None:
    slow = {name: round(o.seconds, 1) for name, o in outcomes.items() if o.seconds > 20}
    assert not slow


def test_the_example_in_other_unicode_encodings_reads_the_same() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    tables = [t.model_dump() for t in read(EXAMPLE).tables]
    for encoding in ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig", "gb18030"):
        back = read_bytes(text.encode(encoding), f"example-{encoding}.txt")
        assert [t.model_dump(exclude={"source"}) for t in back.tables] == [
            {k: v for k, v in t.items() if k != "source"} for t in tables], encoding


def test_a_text_cut_in_the_middle_of_a_character_still_reads() -> None:
    data = EXAMPLE.read_bytes()
    cut = data[: data.index("三公".encode()) + 1]  # one byte into a three-byte character
    assert read_bytes(cut, "cut.txt").tables


if os.environ.get("YUSUAN_HOSTILE_KEEP"):  # keep the files to look at: YUSUAN_HOSTILE_KEEP=DIR pytest tests/test_hostile.py
    @pytest.fixture(scope="module", autouse=True)
    def keep(outcomes: dict[str, Outcome]) -> None:
        folder = Path(os.environ["YUSUAN_HOSTILE_KEEP"])
        folder.mkdir(parents=True, exist_ok=True)
        for name, o in outcomes.items():
            (folder / name).write_bytes(o.case.data)


# ------------------------------------------------------------------------------------ the server

WEB_CASES = ["bomb.docx", "laughs.xlsx", "xxe.docx", "5000-pages.pdf", "flate-bomb.pdf", "nested-5000.html",
             "far-cell.xlsx", "million-lines.txt", "png.pdf", "elf.docx", "empty.pdf", "truncated-50-good.pdf",
             "bom-only.txt"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    from fastapi.testclient import TestClient

    from yusuan.store.accounts import create_account, issue_token
    from yusuan.web.app import create_app

    app = create_app(f"sqlite:///{tmp_path_factory.mktemp('store') / 'yusuan.db'}", secret="test", example=False)
    with app.state.sessions.begin() as session:
        token = issue_token(session, create_account(session, "editor", "editor-password", "admin"))
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})


def test_hostile_uploads_are_refused_with_the_readers_message(server, outcomes: dict[str, Outcome]) -> None:
    for name in WEB_CASES:
        start = time.perf_counter()
        response = server.post("/api/v1/documents", files={"file": (name, outcomes[name].case.data)})
        assert response.status_code == 422, (name, response.text)
        said = outcomes[name].stderr.strip().removeprefix("错误：").split(": ", 1)[1]  # what the CLI said, after the path
        assert response.json()["detail"] == f"{name}: {said}"
        assert time.perf_counter() - start < SECONDS
    from sqlalchemy import func, select

    from yusuan.store.schema import Version

    with server.app.state.sessions() as session:
        assert session.scalar(select(func.count(Version.id))) == 0
    assert server.get("/").status_code == 200


def test_an_upload_past_its_time_limit_is_stopped_and_the_server_goes_on(server) -> None:
    from yusuan.batch.sandbox import Limits
    from yusuan.web.reading import Readers

    app = server.app
    kept, app.state.readers = app.state.readers, Readers(Limits(timeout=0.2, memory_mb=1024), size=1)
    try:
        response = server.post("/api/v1/documents", files={"file": ("slow.txt", EXAMPLE.read_bytes())})
    finally:
        app.state.readers = kept
    assert response.status_code == 422 and "超过时限" in response.json()["detail"]
    assert server.post("/api/v1/documents", files={"file": ("ok.txt", EXAMPLE.read_bytes())}).status_code == 201


def test_the_database_gone_is_a_503_not_a_traceback(server) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.orm import sessionmaker

    app = server.app
    kept = app.state.sessions
    app.state.sessions = sessionmaker(create_engine("postgresql+psycopg://nobody@127.0.0.1:9/none"))  # nothing listens
    try:
        page, api = server.get("/"), server.get("/api/v1/units")
    finally:
        app.state.sessions = kept
    assert page.status_code == 503 and "数据库暂时无法访问" in page.text and page.headers["Retry-After"] == "30"
    assert api.status_code == 503 and api.json() == {"detail": "数据库暂时无法访问，请稍后再试"}
