"""Data safety: a store backed up and restored is the same row for row, on SQLite and PostgreSQL and
from one to the other; a restore never overwrites anything; an import killed with SIGKILL (the
whole process group, as in a power cut, or the parent alone) leaves the store consistent, and a
rerun stores every document exactly once."""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, func, inspect, make_url, select, text
from typer.testing import CliRunner

from conftest import EXAMPLE, FIXTURES, NO_POSTGRESQL, POSTGRESQL
from yusuan.budget.io import load_budget
from yusuan.build.document import build
from yusuan.check.engine import check
from yusuan.cli import app
from yusuan.intake import fact_lines, take_in
from yusuan.render.docx import render_docx
from yusuan.render.html import render_html
from yusuan.store.accounts import create_account, issue_token
from yusuan.store.db import alembic_config, engine, sessions
from yusuan.store.documents import cell_rows, digest, from_stored
from yusuan.store.schema import Base, CellValue, Document, EditorUnit, Fact, FindingRow, Unit, Version
from yusuan.store.season import Listed, add_register, set_policy, set_published

HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()  # the newest migration

runner = CliRunner()
SMALL = Path(__file__).parent.parent / "examples" / "small-unit-budget.yaml"
# in the order an import takes them (a folder is walked sorted)
BUILT = [("built-0.html", "示例县档案馆", 2026), ("built-1.html", "示例县档案馆", 2027),
         ("built-2.html", "示例县图书馆", 2026), ("built-3.docx", "示例县文化馆", 2026)]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six files, five documents: the example and its corrected copy (its second version), four built by yusuan."""
    root = tmp_path_factory.mktemp("documents")
    budget = load_budget(SMALL)[0]
    for name, unit, year in BUILT:
        changed = budget.model_copy(deep=True)
        changed.unit.name, changed.unit.year = unit, year
        disclosure = build(changed)
        (root / name).write_bytes(render_docx(disclosure) if name.endswith(".docx")
                                  else render_html(disclosure).encode("utf-8"))
    shutil.copy(FIXTURES / "changji-corrected.txt", root / "changji-v2.txt")
    shutil.copy(EXAMPLE, root / "changji.txt")
    return root


@pytest.fixture
def new_store(tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """Empty databases, "sqlite" or "postgresql", dropped after the test."""
    made: list[str] = []

    def make(kind: str) -> str:
        if kind == "sqlite":
            return f"sqlite:///{tmp_path / f'{uuid.uuid4().hex[:8]}.db'}"
        server = make_url(POSTGRESQL)
        name = f"yusuan_test_{uuid.uuid4().hex[:12]}"
        with create_engine(server, isolation_level="AUTOCOMMIT").connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return server.set(database=name).render_as_string(hide_password=False)

    yield make
    if made:
        admin = create_engine(make_url(POSTGRESQL), isolation_level="AUTOCOMMIT")
        for name in made:
            url = make_url(POSTGRESQL).set(database=name).render_as_string(hide_password=False)
            engine(url).dispose()
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def filled(store_url: str, folder: Path) -> str:
    """A store with every kind of row: documents and versions, reviewed findings, an account, its unit and a token."""
    with sessions(store_url).begin() as session:
        for path in sorted(folder.iterdir()):
            take_in(session, path.read_bytes(), path.name)
        reviewer = create_account(session, "审核员", "reviewer-password", "reviewer")
        editor = create_account(session, "填报员", "editor-password", "editor")
        session.add(EditorUnit(account_id=editor.id, unit_id=session.scalars(select(Unit.id)).first()))
        issue_token(session, reviewer)
        findings = session.scalars(select(FindingRow).order_by(FindingRow.id)).all()
        for finding, (status, reason) in zip(findings, [("confirmed", None), ("dismissed", "系四舍五入所致"),
                                                        ("confirmed", "")], strict=False):  # NULL and '' are not the same
            finding.status, finding.reason = status, reason
            finding.reviewed_by, finding.reviewed_at = reviewer.id, datetime.now()
        set_published(session, session.scalars(select(Document)).first(), False, reviewer.id)
        # a list of the units with their approval dates (dates, a file kept whole), and a region's policy
        unit = session.scalars(select(Unit)).first()
        add_register(session, "名单.csv", "地区,部门,单位\n".encode(), [Listed(
            region=unit.department.region.name, department=unit.department.name, unit=unit.name, year=2026,
            approved_on=date(2026, 1, 20), published_on=date(2026, 2, 3), url="https://example.gov.cn/1", line=2)],
            reviewer.id)
        set_policy(session, unit.department.region_id, ["cross.*"], ["tables.required"], reviewer.id)
    return store_url


def rows(url: str) -> dict[str, list[str]]:
    """Every table's rows by primary key, each as its repr: types count too (Decimal('1.50'), '' and None)."""
    out = {}
    with engine(url).connect() as connection:
        for table in Base.metadata.sorted_tables:
            found = connection.execute(select(table).order_by(*table.primary_key.columns))
            out[table.name] = [repr(tuple(row)) for row in found]
    return out


def backup(url: str, path: Path, *more: str):
    return runner.invoke(app, ["backup", str(path), "--database", url, *more])


def restore(path: Path, url: str):
    return runner.invoke(app, ["restore", str(path), "--database", url])


def entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist() if name != "manifest.json"}


def manifest(path: Path) -> dict:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("manifest.json"))


def test_backup_and_restore_round_trip_exactly(filled: str, new_store, tmp_path: Path) -> None:
    first, second = tmp_path / "first.zip", tmp_path / "second.zip"
    result = backup(filled, first)
    assert result.exit_code == 0, result.output
    assert "已备份" in result.output
    listed = manifest(first)
    assert listed["revision"] == HEAD and listed["format"] == "yusuan-backup"
    assert [t["name"] for t in listed["tables"]][:2] == ["account", "region"]  # parents first
    expected = rows(filled)
    assert {t["name"]: t["rows"] for t in listed["tables"]} == {name: len(r) for name, r in expected.items()}
    assert all(expected[name] for name in expected)  # every table has rows: every kind of value is carried
    target = new_store(make_url(filled).get_backend_name())
    result = restore(first, target)
    assert result.exit_code == 0, result.output
    assert "文件 5 份、版本 6 个、账户 2 个" in result.output
    assert rows(target) == expected
    assert backup(target, second).exit_code == 0
    assert entries(second) == entries(first)  # the same bytes, table by table
    assert [t["sha256"] for t in manifest(second)["tables"]] == [t["sha256"] for t in listed["tables"]]
    with sessions(target).begin() as session:  # new rows get fresh ids (PostgreSQL's sequences were moved on)
        account = create_account(session, "新用户", "new-password", "editor")
        issue_token(session, account)
        stored = take_in(session, EXAMPLE.read_bytes() + b"\n", "changed.txt")
    assert stored.new and stored.version.number == 3 and account.id == 3


def test_from_sqlite_to_postgresql(folder: Path, new_store, tmp_path: Path) -> None:
    if not POSTGRESQL:
        pytest.skip(NO_POSTGRESQL)
    source = new_store("sqlite")
    with sessions(source).begin() as session:
        for path in sorted(folder.iterdir())[:3]:
            take_in(session, path.read_bytes(), path.name)
        create_account(session, "审核员", "reviewer-password", "reviewer")
    assert backup(source, tmp_path / "sqlite.zip").exit_code == 0
    target = new_store("postgresql")
    result = restore(tmp_path / "sqlite.zip", target)
    assert result.exit_code == 0, result.output
    assert rows(target) == rows(source)
    assert backup(target, tmp_path / "postgresql.zip").exit_code == 0
    assert entries(tmp_path / "postgresql.zip") == entries(tmp_path / "sqlite.zip")
    assert manifest(tmp_path / "postgresql.zip")["database"] == "postgresql"


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_backup_is_one_moment_of_the_store(kind: str, folder: Path, new_store, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """What is stored while a backup runs is not in it, not even in part: it reads one snapshot."""
    from yusuan.store import backup as module

    if kind == "postgresql" and not POSTGRESQL:
        pytest.skip(NO_POSTGRESQL)
    url = new_store(kind)
    with sessions(url).begin() as session:
        for name in ("built-0.html", "built-2.html"):
            take_in(session, (folder / name).read_bytes(), name)
    before = rows(url)
    write_table = module._write_table

    def and_meanwhile(connection, table, *args):
        if table.name == "version":  # units and documents written: another session stores two more documents
            with sessions(url).begin() as session:
                for name in ("built-1.html", "built-3.docx"):
                    take_in(session, (folder / name).read_bytes(), name)
        return write_table(connection, table, *args)

    monkeypatch.setattr(module, "_write_table", and_meanwhile)
    assert backup(url, tmp_path / "b.zip").exit_code == 0
    assert len(rows(url)["version"]) == 4
    target = new_store(kind)
    result = restore(tmp_path / "b.zip", target)
    assert result.exit_code == 0, result.output  # (a backup of two moments breaks its own foreign keys)
    assert rows(target) == before


def test_restore_refuses_a_store_that_has_data(filled: str, tmp_path: Path) -> None:
    assert backup(filled, tmp_path / "b.zip").exit_code == 0
    before = rows(filled)
    result = restore(tmp_path / "b.zip", filled)
    assert result.exit_code == 2 and "不是空的" in result.output and "已有文件 5 份、账户 2 个" in result.output
    assert "Traceback" not in result.output
    assert rows(filled) == before


def _rewrite(source: Path, target: Path, change: Callable[[str, bytes], bytes]) -> None:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info, change(info.filename, old.read(info)))


def test_a_corrupt_truncated_or_foreign_archive_is_refused(filled: str, new_store, tmp_path: Path) -> None:
    good = tmp_path / "good.zip"
    assert backup(filled, good).exit_code == 0
    data = good.read_bytes()
    (tmp_path / "truncated.zip").write_bytes(data[: len(data) // 2])
    flipped = bytearray(data)
    flipped[len(data) // 3] ^= 0xFF  # inside the versions' files
    (tmp_path / "flipped.zip").write_bytes(bytes(flipped))
    with zipfile.ZipFile(tmp_path / "foreign.zip", "w") as archive:
        archive.writestr("readme.txt", "not a backup")
    (tmp_path / "text.zip").write_text("这不是 zip")
    # a row changed and the manifest not: the checksum tells
    _rewrite(good, tmp_path / "tampered.zip",
             lambda name, body: body.replace(b'"confirmed"', b'"dismissed"', 1) if "finding" in name else body)
    newer = (f'"revision": "{HEAD}"'.encode(), b'"revision": "9999"')
    _rewrite(good, tmp_path / "newer.zip", lambda name, body: body.replace(*newer) if name == "manifest.json" else body)
    cases = {"truncated.zip": "损坏", "flipped.zip": "损坏", "foreign.zip": "缺少 manifest.json", "text.zip": "损坏",
             "tampered.zip": "校验和不符", "newer.zip": "更新版本", "missing.zip": "不存在"}
    target = new_store(make_url(filled).get_backend_name())
    for name, said in cases.items():
        result = restore(tmp_path / name, target)
        assert result.exit_code == 2 and said in result.output, (name, result.output)
        assert "Traceback" not in result.output
    if make_url(target).get_backend_name() == "sqlite":
        assert not Path(make_url(target).database).exists()  # nothing left behind
    else:
        plain = create_engine(target)  # (not yusuan's engine: that would make the schema)
        assert inspect(plain).get_table_names() == []  # not even the schema: it was part of the transaction
        plain.dispose()
    assert restore(good, target).exit_code == 0  # and the store is still usable


def test_backup_never_overwrites_a_file(filled: str, tmp_path: Path) -> None:
    out = tmp_path / "backup.zip"
    out.write_text("mine")
    result = backup(filled, out)
    assert result.exit_code == 2 and "已存在" in result.output and out.read_text() == "mine"
    assert backup(filled, out, "--force").exit_code == 0 and manifest(out)["format"] == "yusuan-backup"
    assert out.stat().st_mode & 0o077 == 0  # password and token hashes: for its owner only
    assert [p.name for p in tmp_path.iterdir()] == ["backup.zip"]  # no temporary file left
    result = backup(f"sqlite:///{tmp_path / 'none.db'}", tmp_path / "none.zip")
    assert result.exit_code == 2 and "数据库文件不存在" in result.output and not (tmp_path / "none.db").exists()


# --- killing an import ---------------------------------------------------------------------------

# Loaded into every interpreter the import starts (on PYTHONPATH): with YUSUAN_TEST_STALL set, the
# worker storing that file writes all of its rows, notes its pid and waits, inside its transaction.
STALL = '''
import os
import time

if os.environ.get("YUSUAN_TEST_STALL"):
    import yusuan.intake as intake

    original = intake.keep

    def keep(session, data, filename, *args, **kwargs):
        stored = original(session, data, filename, *args, **kwargs)
        if os.path.basename(filename) == os.environ["YUSUAN_TEST_STALL"]:
            session.flush()
            with open(os.environ["YUSUAN_TEST_MARK"], "w") as mark:
                mark.write(str(os.getpid()))
            time.sleep(120)
        return stored

    intake.keep = keep
'''

EXPECTED_COUNTS: dict[str, tuple[int, int]] = {}  # sha256 → the cells and facts its stored read model gives


def consistent(url: str) -> list[str]:
    """Check the store is whole; the file names it holds, in order of storing."""
    kind = make_url(url).get_backend_name()
    with engine(url).connect() as connection:
        if kind == "sqlite":
            assert connection.exec_driver_sql("PRAGMA integrity_check").all() == [("ok",)]
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        for parent, child, key in (("region", "department", "region_id"), ("department", "unit", "department_id"),
                                   ("unit", "document", "unit_id"), ("document", "version", "document_id")):
            orphans = connection.execute(text(f"SELECT count(*) FROM {parent} p WHERE NOT EXISTS "
                                              f"(SELECT 1 FROM {child} c WHERE c.{key} = p.id)")).scalar()
            assert orphans == 0, f"{parent} without {child}"
    names = []
    with sessions(url)() as session:
        for version in session.scalars(select(Version).order_by(Version.id)):
            assert digest(version.original) == version.sha256 and len(version.original) == version.size
            numbers = session.scalars(select(Version.number).where(Version.document_id == version.document_id)).all()
            assert sorted(numbers) == list(range(1, len(numbers) + 1))
            if version.sha256 not in EXPECTED_COUNTS:
                disclosure = from_stored(version.disclosure)
                facts = fact_lines(disclosure, check(disclosure))
                EXPECTED_COUNTS[version.sha256] = (len(cell_rows(0, disclosure)), len(facts))
            counted = tuple(session.scalar(select(func.count()).select_from(model).where(model.version_id == version.id))
                            for model in (CellValue, Fact))
            assert counted == EXPECTED_COUNTS[version.sha256], version.filename
            severities = session.execute(select(FindingRow.severity, func.count()).where(FindingRow.version_id == version.id)
                                         .group_by(FindingRow.severity)).all()
            by = dict(severities)
            assert (by.get("error", 0), by.get("warning", 0)) == (version.errors, version.warnings), version.filename
            names.append(Path(version.filename).name)
    return names


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie nobody reaped is gone all the same
    except OSError:
        return False


def _wait(condition: Callable[[], bool], seconds: float = 60, log: Path | None = None) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, log.read_text() if log else "timed out"
        time.sleep(0.05)


def _stored(url: str) -> int:
    with engine(url).connect() as connection:
        return connection.scalar(select(func.count()).select_from(Version.__table__))


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_an_import_killed_anywhere_leaves_the_store_whole_and_a_rerun_finishes(
        kind: str, folder: Path, new_store, tmp_path: Path) -> None:
    if kind == "postgresql" and not POSTGRESQL:
        pytest.skip(NO_POSTGRESQL)
    url = new_store(kind)
    order = [name for name, _, _ in BUILT] + ["changji.txt"]  # five documents, as the import takes them
    documents = tmp_path / "documents"
    documents.mkdir()
    for name in order:
        shutil.copy(folder / name, documents / name)
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(STALL)
    mark = tmp_path / "mark"
    path = [str(hooks), *filter(None, [os.environ.get("PYTHONPATH")])]  # ahead of a source tree named there
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path), "YUSUAN_TEST_MARK": str(mark)}
    args = [sys.executable, "-m", "yusuan", "import", str(documents), "--jobs", "1", "--database", url]

    started: list[subprocess.Popen] = []
    log = tmp_path / "stderr"

    def start(stall: str | None = None) -> subprocess.Popen:
        mark.unlink(missing_ok=True)
        with log.open("ab") as stderr:
            started.append(subprocess.Popen(args, env={**env, "YUSUAN_TEST_STALL": stall or ""}, stdout=subprocess.DEVNULL,
                                            stderr=stderr, start_new_session=True))
        return started[-1]

    def stalled() -> int:
        """The worker's pid once it is in the middle of storing."""
        _wait(mark.exists, log=log)
        if kind == "postgresql":
            with engine(url).connect() as connection:
                assert connection.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                              "AND state = 'idle in transaction'")) == 1
        return int(mark.read_text())

    try:
        # 1. a power cut: the first document stored, the second written but not committed
        proc = start(stall=order[1])
        worker = stalled()
        os.killpg(proc.pid, signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL
        _wait(lambda: not _alive(worker), 10)
        assert consistent(url) == order[:1]
        if kind == "sqlite":
            # 2. the import alone is killed while its worker is in the middle of storing: the worker dies with it
            proc = start(stall=order[2])
            worker = stalled()
            proc.kill()
            assert proc.wait() == -signal.SIGKILL
            _wait(lambda: not _alive(worker), 10)
            assert consistent(url) == order[:2]
            # 3. between documents: killed the moment one more is stored, the worker reading or checking the next
            proc = start()
            _wait(lambda: _stored(url) >= 3, log=log)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            assert consistent(url) == order[:_stored(url)]
    finally:
        for proc in started:  # whatever failed above, nothing of ours goes on writing
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
    done = len(consistent(url))
    rerun = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 1, rerun.stderr  # the example has errors; every file was read
    assert "Traceback" not in rerun.stderr + rerun.stdout
    assert f"本次入库 {len(order) - done} 个" in rerun.stdout
    assert sorted(consistent(url)) == sorted(order)  # each exactly once
    with sessions(url)() as session:
        stored = set(session.scalars(select(Version.sha256)))
    assert stored == {digest((documents / name).read_bytes()) for name in order}


# Opens a new SQLite store and dies (as if killed) after the sixth table of its schema is created.
CUT_SHORT = '''
import os, sys
from sqlalchemy import Engine, event
from yusuan.store.db import engine

created = 0

def count(statement):
    global created
    created += statement.lstrip().startswith("CREATE TABLE")
    if created == 6:
        os._exit(9)

event.listen(Engine, "connect", lambda dbapi, _: dbapi.set_trace_callback(count))
engine(sys.argv[1])
'''


def test_a_new_store_killed_while_its_schema_is_made_opens_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    assert subprocess.run([sys.executable, "-c", CUT_SHORT, url], timeout=60).returncode == 9
    assert "region" in rows(url)  # (opening it migrates it)
