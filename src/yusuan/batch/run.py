"""A batch: plan each document (skip what the journal has, by content hash; note duplicates),
run the rest in sandboxes on this machine or on a Dask cluster, and journal every result the
moment it comes. One result per path, whatever happens to the document."""

from __future__ import annotations

import contextlib
import hashlib
import os
import queue
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yusuan import __version__
from yusuan.batch.inputs import sha256_file
from yusuan.batch.job import DEFAULT_JOB, Task
from yusuan.batch.records import UNREADABLE, Summary, failure
from yusuan.batch.results import Entry, Journal, journal_path, output_format, write_output
from yusuan.batch.sandbox import Limits, Sandbox

if TYPE_CHECKING:
    from collections.abc import Callable

    from yusuan.check.rules import Settings


@dataclass
class BatchResult:
    paths: list[str]
    summaries: dict[str, Summary] = field(default_factory=dict)  # path → status and findings by rule
    skipped: int = 0  # done in an earlier run
    checked: int = 0  # run in this run (duplicates and skipped documents are not)
    elapsed: float = 0.0
    workers: int = 0
    peaks_mb: list[float] = field(default_factory=list)  # per local worker: the highest peak RSS of a document
    out: Path | None = None
    journal: Path | None = None
    cluster: str | None = None  # the Dask scheduler's address

    @property
    def statuses(self) -> Counter:
        return Counter(s.status for s in self.summaries.values())

    @property
    def rules(self) -> dict[tuple[str, str], tuple[int, int]]:
        """(rule, severity) → (findings, documents)."""
        findings: Counter = Counter()
        documents: Counter = Counter()
        for summary in self.summaries.values():
            findings.update(summary.rules)
            documents.update(summary.rules.keys())
        return {key: (findings[key], documents[key]) for key in findings}

    @property
    def exit_status(self) -> int:
        """2 if any document could not be read (failed, timeout, memory), else 1 if any has errors, else 0."""
        statuses = self.statuses
        if any(statuses[s] for s in UNREADABLE):
            return 2
        return 1 if statuses["errors"] else 0


class BatchInterrupted(Exception):
    def __init__(self, result: BatchResult) -> None:
        super().__init__("interrupted")
        self.result = result


class LocalBackend:
    """`jobs` threads, each driving its own sandbox process."""

    wants_bytes = False

    def __init__(self, jobs: int, job: str, limits: Limits, results: queue.Queue, stop: threading.Event) -> None:
        self.sandboxes = [Sandbox(job, limits) for _ in range(max(1, jobs))]
        self.results, self.stop = results, stop
        self.tasks: queue.Queue = queue.Queue(maxsize=2 * len(self.sandboxes))
        self.threads = [threading.Thread(target=self._work, args=(s,), daemon=True) for s in self.sandboxes]

    @property
    def workers(self) -> int:
        return len(self.sandboxes)

    def start(self, sample: list[str]) -> None:
        for thread in self.threads:
            thread.start()

    def _work(self, sandbox: Sandbox) -> None:
        try:
            while (item := self.tasks.get()) is not None and not self.stop.is_set():
                task, stat = item
                record = sandbox.run(task)
                self.results.put(("record", task.path, stat, record))
        except Exception as exc:  # the sandbox could not start: the batch cannot go on
            self.results.put(("error", exc))
        finally:
            sandbox.close()

    def submit(self, task: Task, stat: list) -> bool:
        while not self.stop.is_set():
            try:
                self.tasks.put((task, stat), timeout=0.2)
                return True
            except queue.Full:
                pass
        return False

    def finish(self) -> None:
        for _ in self.threads:
            self._put_end()

    def _put_end(self) -> None:
        while not self.stop.is_set():
            try:
                self.tasks.put(None, timeout=0.2)
                return
            except queue.Full:
                pass

    def close(self, now: bool) -> None:
        """Let the threads close their sandboxes; `now`: kill the children first (interrupted)."""
        if now:
            for sandbox in self.sandboxes:
                proc = sandbox.proc
                if proc is not None:
                    proc.kill()
            with contextlib.suppress(queue.Empty):
                while True:
                    self.tasks.get_nowait()
            for _ in self.threads:
                with contextlib.suppress(queue.Full):
                    self.tasks.put_nowait(None)
        for thread in self.threads:
            if thread.is_alive():
                thread.join(10)

    @property
    def peaks_mb(self) -> list[float]:
        return [s.peak_mb for s in self.sandboxes]


def _plan(paths: list[str], done: dict[str, Entry], checked: dict[str, str], backend, settings,
          results: queue.Queue, stop: threading.Event) -> None:
    """Runs in its own thread: one item into `results` per path (skipped, duplicate, unreadable),
    or one task to the backend. `done` and `checked` are the journal as the run began."""
    planned: dict[str, str] = {}  # path → content hash, this run
    first: dict[str, str] = {}  # content hash → the path it is checked as, this run

    def holds(path: str | None, sha: str) -> bool:
        """Whether `path` has content `sha`, as far as this run knows."""
        if path is None:
            return False
        return planned[path] == sha if path in planned else path in done and done[path].sha256 == sha

    try:
        for path in paths:
            if stop.is_set():
                return
            try:
                st = os.stat(path)
                stat = [st.st_size, st.st_mtime_ns]
                data = None
                before = done.get(path)
                if before is not None and before.stat == stat and before.sha256:
                    sha = before.sha256  # unchanged since: not read again
                elif backend.wants_bytes:
                    with open(path, "rb") as f:
                        data = f.read()
                    sha = hashlib.sha256(data).hexdigest()
                else:
                    sha = sha256_file(path)
            except OSError as exc:
                results.put(("record", path, None, failure(path, None, "failed",
                                                           f"无法读取文件（{exc.strerror or exc}）")))
                continue
            planned[path] = sha
            if before is not None and before.sha256 == sha:
                if before.summary.status != "duplicate":
                    first.setdefault(sha, path)
                    results.put(("skip", path))
                    continue
                if holds(before.duplicate_of, sha):
                    results.put(("skip", path))
                    continue
            original = first.get(sha)
            if original is None and checked.get(sha) not in (None, path) and holds(checked[sha], sha):
                original = checked[sha]  # (should that file have changed, later in this run, the next run redoes this one)
            if original is not None:
                record = failure(path, sha, "duplicate", "内容与另一文件相同（见 duplicate_of），未重复核查",
                                 duplicate_of=original)
                results.put(("record", path, stat, record))
                continue
            first[sha] = path
            if backend.wants_bytes and data is None:
                with open(path, "rb") as f:
                    data = f.read()
            source = None if data is not None else os.path.abspath(path)
            if not backend.submit(Task(path, sha, source, data, settings), stat):
                return
        backend.finish()
    except Exception as exc:
        results.put(("error", exc))


def run_batch(paths: list[str], settings: Settings, *, jobs: int = 1, limits: Limits | None = None,
              out: Path | None = None, force: bool = False, dask: str | None = None, send: str = "auto",
              job: str | None = None, on_result: Callable[[str, str, bool], Any] | None = None) -> BatchResult:
    """Check `paths`; `on_result(path, status, skipped)` after each. Raises BatchInterrupted on
    Ctrl-C (results so far written), YusuanError when the batch cannot start or go on."""
    limits = limits or Limits()
    job = job or os.environ.get("YUSUAN_BATCH_JOB") or DEFAULT_JOB
    if out is not None:
        output_format(out)
    header = {"journal": "yusuan batch", "version": __version__, "job": job, "settings": settings.to_dict()}
    journal = Journal(journal_path(out) if out is not None else None, header, force)
    results: queue.Queue = queue.Queue()
    stop = threading.Event()
    if dask:
        from yusuan.batch.cluster import DaskBackend

        backend: Any = DaskBackend(dask, job, limits, results, stop, send)
    else:
        backend = LocalBackend(jobs, job, limits, results, stop)
    result = BatchResult(paths=paths, out=out, journal=journal.path, cluster=dask)
    started = time.perf_counter()
    interrupted = completed = False
    try:
        backend.start(paths[:3])
        result.workers = backend.workers
        snapshot = (dict(journal.latest), dict(journal.checked))
        threading.Thread(target=_plan, args=(paths, *snapshot, backend, settings, results, stop), daemon=True).start()
        while len(result.summaries) < len(paths):
            try:
                item = results.get(timeout=0.5)
            except queue.Empty:
                continue
            if item[0] == "error":
                raise item[1]
            path = item[1]
            if item[0] == "skip":
                result.skipped += 1
            else:
                journal.append(item[3], item[2])
                result.checked += item[3]["document"]["status"] != "duplicate"
            result.summaries[path] = journal.latest[path].summary
            if on_result:
                on_result(path, result.summaries[path].status, item[0] == "skip")
        completed = True
    except KeyboardInterrupt:
        interrupted = True
    finally:
        stop.set()
        backend.close(now=not completed)
        result.elapsed = time.perf_counter() - started
        result.peaks_mb = backend.peaks_mb
        journal.close()
        if out is not None and journal.latest:
            write_output(out, journal)
    if interrupted:
        raise BatchInterrupted(result)
    return result
