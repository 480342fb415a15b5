"""Batch checking: a mixed folder locally and on a Dask LocalCluster with the same results; an
interrupted run resumes without redoing work; a hanging, memory-hungry or crashing document is
reported and the rest finish."""

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import EXAMPLE
from yusuan.batch.inputs import expand
from yusuan.batch.records import DOCUMENT_COLUMNS, FINDING_COLUMNS, TIMINGS
from yusuan.batch.results import Journal, journal_path, write_output
from yusuan.batch.run import run_batch
from yusuan.batch.sandbox import Limits
from yusuan.budget.io import load_budget
from yusuan.build.document import build
from yusuan.check.rules import Settings
from yusuan.cli import app
from yusuan.render.docx import render_docx
from yusuan.render.html import render_html
from yusuan.render.pdf import render_pdf
from yusuan.render.xlsx import render_xlsx

runner = CliRunner()
TESTS = Path(__file__).parent
SMALL = TESTS.parent / "examples" / "small-unit-budget.yaml"
EXPECTED = {"changji.txt": "errors", "small.docx": "ok", "small.xlsx": "ok", "small.html": "ok", "small.pdf": "ok",
            "broken/empty.txt": "failed", "broken/truncated.docx": "failed", "broken/random.pdf": "failed",
            "copies/small-again.html": "duplicate"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    shutil.copy(EXAMPLE, root / "changji.txt")
    disclosure = build(load_budget(SMALL)[0])
    docx = render_docx(disclosure)
    for name, data in [("small.docx", docx), ("small.xlsx", render_xlsx(disclosure)),
                       ("small.html", render_html(disclosure).encode("utf-8")), ("small.pdf", render_pdf(disclosure))]:
        (root / name).write_bytes(data)
    (root / "broken").mkdir()
    (root / "broken" / "empty.txt").write_bytes(b"")
    (root / "broken" / "truncated.docx").write_bytes(docx[: len(docx) // 3])
    (root / "broken" / "random.pdf").write_bytes(os.urandom(4096))
    (root / "copies").mkdir()
    shutil.copy(root / "small.html", root / "copies" / "small-again.html")
    (root / ".hidden.txt").write_text("not a document")
    return root


def by_path(records, root: Path) -> dict[str, tuple[dict, list[dict]]]:
    """Records keyed by path relative to the corpus, without the timings that differ run to run."""
    out = {}
    for record in records:
        doc = {k: v for k, v in record["document"].items() if k not in TIMINGS}
        out[str(Path(doc["path"]).relative_to(root))] = (doc, record["findings"])
    return out


@pytest.fixture(scope="module")
def local_run(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("local") / "results.json"
    result = runner.invoke(app, ["check", str(corpus), "--jobs", "2", "--out", str(out)], terminal_width=200)
    return out, result


def test_local_batch_results(corpus: Path, local_run) -> None:
    out, result = local_run
    assert result.exit_code == 2, result.output  # some documents could not be read
    assert "Traceback" not in result.output
    assert "读取并核查" in result.output and "按规则统计的发现" in result.output and "未能核查的文件" in result.output
    assert re.search(r"行内合计等于各栏之和 +row\.total_equals_parts +错误", result.output)  # by name, the id beside
    data = json.loads(out.read_text("utf-8"))
    assert set(data) == {"yusuan", "settings", "documents", "findings"}
    docs = {str(Path(d["path"]).relative_to(corpus)): d for d in data["documents"]}
    assert {p: d["status"] for p, d in docs.items()} == EXPECTED  # the hidden file is not a document
    assert all(list(d) == DOCUMENT_COLUMNS for d in docs.values())
    assert docs["changji.txt"]["unit"] == "昌吉州工业和信息化局" and docs["changji.txt"]["year"] == 2023
    assert docs["changji.txt"]["errors"] >= 17 and docs["small.pdf"]["format"] == "pdf"
    assert docs["broken/empty.txt"]["message"] == "文件为空"
    assert "损坏" in docs["broken/truncated.docx"]["message"] and "PDF" in docs["broken/random.pdf"]["message"]
    assert docs["copies/small-again.html"]["duplicate_of"] == docs["small.html"]["path"]
    assert all(len(d["sha256"]) == 64 for d in docs.values())
    findings = [f for f in data["findings"] if f["path"].endswith("changji.txt")]
    assert len(findings) == docs["changji.txt"]["findings"]
    assert all(list(f) == FINDING_COLUMNS for f in findings)
    wrong = next(f for f in findings if f["rule"] == "text.not_a_number")
    assert wrong["table"] == "表4" and wrong["line"] == 937
    total = next(f for f in findings if f["stated"] is not None and f["difference"] is not None)
    assert isinstance(total["stated"], str) and isinstance(total["difference"], str)  # exact decimals


def test_csv_and_parquet_hold_the_same_rows(corpus: Path, local_run, tmp_path: Path) -> None:
    import csv

    import pyarrow.parquet as pq

    out, _ = local_run
    journal = Journal(journal_path(out), json.loads(journal_path(out).read_text("utf-8").splitlines()[0]))
    journal.close()
    data = json.loads(out.read_text("utf-8"))
    write_output(tmp_path / "r.csv", journal)
    write_output(tmp_path / "r.parquet", journal)
    rows = list(csv.DictReader((tmp_path / "r.csv").open(encoding="utf-8")))
    table = pq.read_table(tmp_path / "r.parquet").to_pylist()
    for flat in (rows, table):
        assert [r["path"] for r in flat if r["record"] == "document"] == [d["path"] for d in data["documents"]]
        assert sum(r["record"] == "finding" for r in flat) == len(data["findings"])
    stated = [r["stated"] for r in table if r["record"] == "finding" and r["stated"] is not None]
    assert stated == [Decimal(f["stated"]) for f in data["findings"] if f["stated"] is not None]  # exact


def test_rerun_skips_what_is_done_and_refuses_other_settings(corpus: Path, local_run) -> None:
    out, _ = local_run
    again = runner.invoke(app, ["check", str(corpus), "--jobs", "2", "--out", str(out)], terminal_width=200)
    assert again.exit_code == 2 and "本次核查 0 个" in again.output
    assert len(journal_path(out).read_text("utf-8").splitlines()) == 1 + len(EXPECTED)  # nothing appended
    other = runner.invoke(app, ["check", str(corpus), "--out", str(out), "--tolerance", "1"])
    assert other.exit_code == 2 and "不同的核查设置" in other.output


def test_on_a_dask_cluster_the_same_results(corpus: Path, local_run, tmp_path: Path) -> None:
    from distributed import LocalCluster

    out, _ = local_run
    local = Journal(journal_path(out), json.loads(journal_path(out).read_text("utf-8").splitlines()[0]))
    local.close()
    expected = by_path(local.records(), corpus)
    paths = expand([str(corpus)])
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        for send in ("auto", "bytes"):  # the workers share this filesystem; and as if they did not
            result = run_batch(paths, Settings(), out=tmp_path / f"{send}.json", dask=cluster.scheduler_address,
                               send=send)
            assert result.workers == 2 and result.exit_status == 2
            journal = Journal(journal_path(tmp_path / f"{send}.json"), local.header)
            journal.close()
            assert by_path(journal.records(), corpus) == expected, send


def _journaled(journal: Path) -> list[str]:
    lines = journal.read_text("utf-8").splitlines()[1:]
    out = []
    for line in lines:
        with contextlib.suppress(ValueError):
            out.append(json.loads(line)["document"]["path"])
    return out


def _run_until(args: list[str], env: dict, journal: Path, documents: int, sig: int) -> subprocess.CompletedProcess:
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if journal.exists() and len(_journaled(journal)) >= documents:
            break
        time.sleep(0.05)
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=30)
    return subprocess.CompletedProcess(args, proc.returncode, stdout, stderr)


def test_an_interrupted_run_resumes_without_redoing_work(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "results.csv"
    journal = journal_path(out)
    log = tmp_path / "log"
    path = [str(TESTS), *filter(None, [os.environ.get("PYTHONPATH")])]  # ahead of a source tree named there
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path), "YUSUAN_BATCH_JOB": "batch_hooks:logged",
           "YUSUAN_TEST_LOG": str(log), "YUSUAN_TEST_DELAY": "0.3"}
    args = [sys.executable, "-m", "yusuan", "check", str(corpus), "--jobs", "1", "--out", str(out)]
    killed = _run_until(args, env, journal, 2, signal.SIGKILL)  # kill -9: not even a chance to tidy up
    assert killed.returncode == -signal.SIGKILL
    first = _journaled(journal)
    assert 2 <= len(first) < len(EXPECTED)
    log.write_text("")
    stopped = _run_until(args, env, journal, len(first) + 2, signal.SIGINT)  # Ctrl-C
    assert stopped.returncode == 130 and "已中断" in stopped.stderr and "Traceback" not in stopped.stderr
    second = _journaled(journal)[len(first):]
    assert second and not set(second) & set(first)
    assert not set(log.read_text("utf-8").split()) & set(first)  # nothing done before was done again
    assert out.exists()  # an interrupted run still writes what it has
    log.write_text("")
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert not set(log.read_text("utf-8").split()) & set(first + second)
    import csv

    rows = [r for r in csv.DictReader(out.open(encoding="utf-8")) if r["record"] == "document"]
    assert {str(Path(r["path"]).relative_to(corpus)): r["status"] for r in rows} == EXPECTED


def test_a_hanging_hungry_or_crashing_document_is_reported_and_the_rest_finish(corpus: Path, tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "hang.txt").write_bytes(b"HANG")
    (folder / "hog.txt").write_bytes(b"HOG")
    (folder / "crash.txt").write_bytes(b"CRASH")
    for name in ("small.html", "small.docx", "small.xlsx"):
        shutil.copy(corpus / name, folder / name)
    seen = []
    started = time.perf_counter()
    result = run_batch(expand([str(folder)]), Settings(), jobs=2, limits=Limits(timeout=2, memory_mb=1024),
                       job="batch_hooks:misbehave", on_result=lambda path, status, _: seen.append(status))
    assert time.perf_counter() - started < 30
    statuses = {Path(p).name: s.status for p, s in result.summaries.items()}
    assert statuses == {"hang.txt": "timeout", "hog.txt": "memory", "crash.txt": "failed", "small.html": "ok",
                        "small.docx": "ok", "small.xlsx": "ok"}  # tables alone: the narrative is another file's
    assert "SIGSEGV" in result.summaries[str(folder / "crash.txt")].message
    assert result.exit_status == 2 and len(seen) == 6


def test_batch_usage_errors(corpus: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", str(tmp_path / "nothing-*.pdf")])
    assert result.exit_code == 2 and "没有与" in result.output
    result = runner.invoke(app, ["check", str(corpus), "--format", "json"])
    assert result.exit_code == 2 and "--out" in result.output
    result = runner.invoke(app, ["check", str(corpus), "--out", str(tmp_path / "results.txt")])
    assert result.exit_code == 2 and ".parquet" in result.output
    result = runner.invoke(app, ["check", str(EXAMPLE), str(tmp_path / "missing.txt")])
    assert result.exit_code == 2 and "文件不存在" in result.output
    assert "Traceback" not in result.output


def test_a_journal_line_cut_short_is_redone(tmp_path: Path) -> None:
    path = tmp_path / "r.json.journal"
    header = {"journal": "yusuan batch", "version": "x", "job": "j", "settings": {}}
    journal = Journal(path, header)
    for name in ("a", "b"):
        journal.append({"document": {"path": name, "sha256": name * 64, "status": "ok", "message": None},
                        "findings": []}, [1, 2])
    journal.close()
    with path.open("a", encoding="utf-8") as f:
        f.write('{"document": {"path": "c", "sha2')  # killed mid-line
    again = Journal(path, header)
    assert sorted(again.latest) == ["a", "b"] and again.latest["a"].stat == [1, 2]
    again.append({"document": {"path": "c", "sha256": "c" * 64, "status": "ok", "message": None}, "findings": []}, None)
    again.close()
    assert [json.loads(line)["document"]["path"] for line in path.read_text("utf-8").splitlines()[1:]] == ["a", "b", "c"]


def test_same_content_is_checked_once_and_a_changed_file_again(corpus: Path, tmp_path: Path) -> None:
    folder = tmp_path / "twins"
    folder.mkdir()
    shutil.copy(corpus / "small.html", folder / "a.html")
    shutil.copy(corpus / "small.html", folder / "b.html")
    out = tmp_path / "r.json"

    def run() -> dict[str, str]:
        result = run_batch(expand([str(folder)]), Settings(), out=out)
        return {Path(p).name: s.status for p, s in result.summaries.items()} | {"checked": result.checked}

    assert run() == {"a.html": "ok", "b.html": "duplicate", "checked": 1}
    assert run() == {"a.html": "ok", "b.html": "duplicate", "checked": 0}  # nothing to do
    shutil.copy(corpus / "broken" / "empty.txt", folder / "a.html")  # a changes: b is no longer its twin
    assert run() == {"a.html": "failed", "b.html": "ok", "checked": 2}
    docs = {Path(d["path"]).name: d for d in json.loads(out.read_text("utf-8"))["documents"]}
    assert docs["b.html"]["duplicate_of"] is None and docs["a.html"]["message"] == "文件为空"


def test_import_a_folder_into_the_store_then_again(corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from yusuan.store.db import sessions
    from yusuan.store.schema import FindingRow, Version

    url = f"sqlite:///{tmp_path / 'import.db'}"
    monkeypatch.setenv("YUSUAN_DATABASE_URL", url)  # restored after: the command points its workers there
    first = runner.invoke(app, ["import", str(corpus), "-j", "2"])
    assert first.exit_code == 2, first.output  # the broken files could not be read
    assert "批量入库：9 个文件" in first.output
    with sessions(url)() as session:
        stored = {v.filename: v for v in session.query(Version)}
        findings = session.query(FindingRow).count()
    # changji, and the small unit's html/docx/xlsx/pdf: one document, a version per distinct file
    assert {Path(name).name for name in stored} == {"changji.txt", "small.docx", "small.xlsx", "small.html", "small.pdf"}
    assert findings > 0
    again = runner.invoke(app, ["import", str(corpus), "-j", "2"])
    counts = {line.split()[0]: int(line.split()[-1]) for line in again.output.splitlines()
              if line.strip() and line.split()[-1].isdigit() and len(line.split()) == 2}
    assert counts["内容重复（未重复核查）"] == 6 and counts["读取并核查"] == 0 and counts["无法读取"] == 3, again.output
    with sessions(url)() as session:
        assert session.query(Version).count() == len(stored)  # nothing stored twice
