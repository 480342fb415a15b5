"""The work on one document, run inside a sandbox process: read it (from the shared filesystem or
from the bytes sent), check it, and return its record. A job is named "module:function", so other
batch work (loading a folder into the store) plugs into the same machinery."""

from __future__ import annotations

import hashlib
import importlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yusuan.batch.records import Record, failure, from_report
from yusuan.errors import YusuanError

if TYPE_CHECKING:
    from collections.abc import Callable

DEFAULT_JOB = "yusuan.batch.job:check_document"


@dataclass(frozen=True)
class Task:
    path: str  # as the user named it: recorded in the results, and the reader's file name
    sha256: str  # of the content the planner saw
    source: str | None = None  # absolute path to read, when the worker shares the filesystem
    data: bytes | None = None  # else the content itself
    settings: Any = None  # yusuan.check.rules.Settings


def prepare() -> None:
    """Import the readers and the check before the first document, so its time limit is its own."""
    import yusuan.check.engine
    import yusuan.read.docx
    import yusuan.read.html
    import yusuan.read.pdf
    import yusuan.read.text
    import yusuan.read.xls
    import yusuan.read.xlsx
    import yusuan.recognise  # noqa: F401


def resolve(name: str) -> Callable[[Task], Record]:
    module, _, function = name.partition(":")
    return getattr(importlib.import_module(module), function)


def content(task: Task) -> bytes:
    """The document's bytes; raises YusuanError when it cannot be read or changed since it was planned."""
    if task.data is not None:
        return task.data
    try:
        data = Path(task.source or task.path).read_bytes()
    except OSError as exc:
        raise YusuanError(f"无法读取文件（{exc.strerror or exc}）") from exc
    if hashlib.sha256(data).hexdigest() != task.sha256:
        raise YusuanError("文件在核查开始后被改动过（内容哈希不符），请重新运行")
    return data


def check_document(task: Task) -> Record:
    return _checked(task)[0]


READ_JOB = "yusuan.batch.job:read_document"


def read_document(task: Task) -> Record:
    """Read and check, and hand back the disclosure and its report too: for a caller that keeps them
    itself (the web app stores an upload read in a sandbox)."""
    record, disclosure, report = _checked(task)
    if disclosure is not None:
        record["disclosure"], record["report"] = disclosure, report
    return record


def _checked(task: Task) -> tuple[Record, Any, Any]:
    try:
        disclosure, report, read_seconds, check_seconds = _read_and_check(task, content(task))
    except YusuanError as error:
        return failure(task.path, task.sha256, "failed", message(error)), None, None
    return from_report(task.path, task.sha256, disclosure, report, read_seconds, check_seconds), disclosure, report


def _read_and_check(task: Task, data: bytes) -> tuple[Any, Any, float, float]:
    """The disclosure, its report, and the seconds reading and checking took."""
    from yusuan.check.engine import check
    from yusuan.read import read_bytes

    start = time.perf_counter()
    disclosure = read_bytes(data, task.path)
    read_done = time.perf_counter()
    report = check(disclosure, task.settings)
    return disclosure, report, read_done - start, time.perf_counter() - read_done


def message(error: YusuanError) -> str:
    """The message without the file name: the path is a column of its own."""
    text = str(error)
    prefix = f"{error.file}: " if error.file else ""
    return text.removeprefix(prefix)


IMPORT_JOB = "yusuan.batch.job:import_document"


def import_document(task: Task) -> Record:
    """Read, check and keep the document in the store (YUSUAN_DATABASE_URL, else ./yusuan.db); a
    file the store already holds is a duplicate, so a rerun redoes nothing."""
    from sqlalchemy.exc import IntegrityError

    from yusuan.store.db import sessions
    from yusuan.store.documents import store_read, stored_version

    try:
        data = content(task)
        with sessions().begin() as session:
            if (existing := stored_version(session, data)) is not None:
                return failure(task.path, task.sha256, "duplicate",
                               f"库中已有（文件 {existing.document_id} 第{existing.number}版）")
        disclosure, report, read_seconds, check_seconds = _read_and_check(task, data)
        for attempt in range(2):  # another worker may have added the same unit a moment before: once more
            try:
                with sessions().begin() as session:
                    store_read(session, data, task.path, disclosure, report)
                break
            except IntegrityError:
                if attempt:
                    raise
    except YusuanError as error:
        return failure(task.path, task.sha256, "failed", message(error))
    return from_report(task.path, task.sha256, disclosure, report, read_seconds, check_seconds)
