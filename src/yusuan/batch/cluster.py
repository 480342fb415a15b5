"""The same batch on a Dask distributed cluster. Each Dask worker thread drives its own sandbox,
so the time and memory limits hold there too, and each document gives the same record as on one
machine. Workers read the documents themselves when they see the same files (checked on a
sample: same path, same size), else the documents are sent as bytes. Only this module imports
`distributed`, and only when `--dask` is given."""

from __future__ import annotations

import os
import queue
import threading

from yusuan import __version__
from yusuan.batch.job import Task
from yusuan.batch.records import Record, failure
from yusuan.batch.sandbox import Limits, Sandbox
from yusuan.errors import YusuanError

_local = threading.local()


def run_task(task: Task, job: str, limits: Limits) -> Record:
    """On a worker: one document in this thread's sandbox."""
    sandbox = getattr(_local, "sandbox", None)
    if sandbox is None or sandbox.job != job or sandbox.limits != limits:
        if sandbox is not None:
            sandbox.close()
        sandbox = _local.sandbox = Sandbox(job, limits)
    return sandbox.run(task)


def worker_info(sample: list[tuple[str, int]]) -> dict:
    """On a worker: its yusuan version, and whether it sees the sample files as the client does."""
    sees = all(os.path.isfile(path) and os.path.getsize(path) == size for path, size in sample)
    return {"version": __version__, "sees": sees}


class DaskBackend:
    def __init__(self, address: str, job: str, limits: Limits, results: queue.Queue, stop: threading.Event,
                 send: str = "auto") -> None:
        self.address, self.job, self.limits = address, job, limits
        self.results, self.stop, self.send = results, stop, send
        self.client = None
        self.workers = 0
        self.wants_bytes = send == "bytes"
        self.pending: set = set()
        self._lock = threading.Lock()
        self._window: threading.Semaphore | None = None

    def start(self, sample: list[str]) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise YusuanError("使用 --dask 需要安装 dask：pip install 'yusuan[cluster]'") from None
        try:
            self.client = Client(self.address, timeout="20s", set_as_default=False)
            self.client.wait_for_workers(1, timeout=60)
        except (OSError, TimeoutError) as exc:
            raise YusuanError(f"无法连接 Dask 调度器 {self.address}（{exc}）") from None
        nthreads = self.client.nthreads()
        self.workers = sum(nthreads.values())
        self._window = threading.Semaphore(max(4, 2 * self.workers))
        files = [(os.path.abspath(p), os.path.getsize(p)) for p in sample if os.path.isfile(p)]
        try:
            infos = self.client.run(worker_info, files)
        except Exception as exc:
            raise YusuanError(f"Dask worker 上无法运行 yusuan（是否安装了同一版本？）：{type(exc).__name__}") from None
        versions = {info["version"] for info in infos.values()}
        if versions != {__version__}:
            raise YusuanError(f"Dask worker 上的 yusuan 版本（{'、'.join(sorted(versions))}）与本机（{__version__}）不同")
        if self.send == "auto":
            self.wants_bytes = not all(info["sees"] for info in infos.values())

    def submit(self, task: Task, stat: list) -> bool:
        assert self._window is not None and self.client is not None
        while not self._window.acquire(timeout=0.2):
            if self.stop.is_set():
                return False
        if self.stop.is_set():
            return False
        future = self.client.submit(run_task, task, self.job, self.limits, pure=False)
        with self._lock:
            self.pending.add(future)
        future.add_done_callback(lambda f: self._done(f, task, stat))
        return True

    def _done(self, future, task: Task, stat: list) -> None:
        with self._lock:
            self.pending.discard(future)
        self._window.release()
        if self.stop.is_set() or future.status == "cancelled":
            return
        try:
            record = future.result()
        except YusuanError as exc:  # SandboxError and the like come back as they are
            self.results.put(("error", exc))
            return
        except Exception as exc:  # the worker was lost with the document (KilledWorker, …)
            record = failure(task.path, task.sha256, "failed", f"集群执行失败（{type(exc).__name__}）")
        self.results.put(("record", task.path, stat, record))

    def finish(self) -> None:
        pass

    def close(self, now: bool) -> None:
        if self.client is None:
            return
        with self._lock:
            pending = list(self.pending)
        try:
            if pending:
                self.client.cancel(pending)
            self.client.close()
        except Exception:
            pass
        self.client = None

    @property
    def peaks_mb(self) -> list[float]:
        return []
