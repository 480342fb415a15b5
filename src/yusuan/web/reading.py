"""Uploads are read and checked in child processes under a time and a memory limit, the batch's
sandbox: a hostile file costs a child process, never the server's memory or one of its threads for
good. A few children are kept warm, so an upload does not pay for starting Python and importing
the readers."""

from __future__ import annotations

import asyncio
import queue
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from fastapi import Request

from yusuan.batch.job import READ_JOB, Task
from yusuan.batch.records import UNREADABLE
from yusuan.batch.sandbox import Limits, Sandbox
from yusuan.errors import YusuanError
from yusuan.store.documents import digest, stored_version

if TYPE_CHECKING:
    from yusuan.check.findings import Report
    from yusuan.check.rules import Settings
    from yusuan.model import Disclosure

UPLOAD_LIMITS = Limits(timeout=120.0, memory_mb=1024)


class Readers:
    """At most `size` files read at once, each in a sandbox of its own; more wait their turn."""

    def __init__(self, limits: Limits = UPLOAD_LIMITS, size: int = 2) -> None:
        # threads of their own: an upload waits for its sandbox up to its time limit, and must not hold one
        # of the few threads the pages are answered on (app.THREADS); they live on, and so do the sandboxes
        # (a sandbox dies with the thread that started it)
        self.threads = ThreadPoolExecutor(size, thread_name_prefix="yusuan-read")
        self._free: queue.Queue[Sandbox] = queue.Queue()
        for _ in range(size):
            self._free.put(Sandbox(READ_JOB, limits))  # started on first use

    def read(self, data: bytes, name: str, settings: Settings | None = None) -> tuple[Disclosure, Report]:
        sandbox = self._free.get()
        try:
            record = sandbox.run(Task(path=name, sha256=digest(data), data=data, settings=settings))
        finally:
            self._free.put(sandbox)
        row = record["document"]
        if row["status"] in UNREADABLE:
            raise YusuanError(row["message"], file=name)
        return record["disclosure"], record["report"]


async def read_upload(request: Request, data: bytes, name: str) -> tuple[Disclosure, Report] | None:
    """An upload read and checked in a sandbox, on a thread of its own so the server goes on serving;
    None when the store already holds this very file (no need to read it again)."""
    with request.app.state.sessions() as session:
        if stored_version(session, data) is not None:
            return None
    readers = request.app.state.readers
    return await asyncio.get_running_loop().run_in_executor(readers.threads, readers.read, data, name)
