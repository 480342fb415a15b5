"""Uploads are read and checked in child processes under a time and a memory limit, the batch's
sandbox: a hostile file costs a child process, never the server's memory or one of its threads for
good. A few children are kept warm, so an upload does not pay for starting Python and importing
the readers. Both the files that are stored and those only checked (POST /api/v1/check) come here,
checked with the settings the app loaded."""

from __future__ import annotations

import asyncio
import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from fastapi import HTTPException, Request

from yusuan.batch.job import READ_JOB, Task
from yusuan.batch.records import UNREADABLE
from yusuan.batch.sandbox import Limits, Sandbox
from yusuan.errors import YusuanError
from yusuan.store.documents import digest, stored_version

if TYPE_CHECKING:
    from yusuan.check.rules import Settings
    from yusuan.intake import Checked

UPLOAD_LIMITS = Limits(timeout=120.0, memory_mb=1024)


class Readers:
    """At most `size` files read at once, each in a sandbox of its own; up to `waiting` more wait their
    turn, and past that the server says it is busy (a 503) rather than holding ever more files in memory."""

    def __init__(self, limits: Limits = UPLOAD_LIMITS, size: int = 2, waiting: int = 16, job: str = READ_JOB) -> None:
        # threads of their own: an upload waits for its sandbox up to its time limit, and must not hold one
        # of the few threads the pages are answered on (app.THREADS); they live on, and so do the sandboxes
        # (a sandbox dies with the thread that started it)
        self.limits, self.size = limits, size
        self.threads = ThreadPoolExecutor(size, thread_name_prefix="yusuan-read")
        self._free: queue.Queue[Sandbox] = queue.Queue()
        for _ in range(size):
            self._free.put(Sandbox(job, limits))  # started on first use
        self._room = threading.BoundedSemaphore(size + waiting)

    def read(self, data: bytes, name: str, settings: Settings | None = None, facts: bool = False) -> Checked:
        sandbox = self._free.get()
        try:
            record = sandbox.run(Task(path=name, sha256=digest(data), data=data, settings=settings, facts=facts))
        finally:
            self._free.put(sandbox)
        row = record["document"]
        if row["status"] in UNREADABLE:
            raise YusuanError(row["message"], file=name)
        return record["checked"]

    async def read_soon(self, data: bytes, name: str, settings: Settings | None, facts: bool) -> Checked:
        """read(), on a thread of its own so the server goes on serving; a 503 when too many files wait."""
        if not self._room.acquire(blocking=False):
            raise HTTPException(503, "服务器正忙（读取中的文件过多），请稍后再试", headers={"Retry-After": "30"})
        try:
            return await asyncio.get_running_loop().run_in_executor(self.threads, self.read, data, name, settings, facts)
        finally:
            self._room.release()


async def read_upload(request: Request, data: bytes, name: str) -> Checked | None:
    """An upload read, checked and its facts recovered in a sandbox; None when the store already holds this
    very file (no need to read it again)."""
    with request.app.state.sessions() as session:
        if stored_version(session, data) is not None:
            return None
    return await request.app.state.readers.read_soon(data, name, request.app.state.settings, True)


async def check_upload(request: Request, data: bytes, name: str) -> Checked:
    """A file read and checked in a sandbox, for its report only: nothing is stored."""
    return await request.app.state.readers.read_soon(data, name, request.app.state.settings, False)
