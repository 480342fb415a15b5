"""The work on one document, run inside a sandbox process: read it (from the shared filesystem or
from the bytes sent), check it through the intake, and return its record. A job is named
"module:function", so other batch work (loading a folder into the store) plugs into the same machinery."""

from __future__ import annotations

import hashlib
import importlib
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
    facts: bool = False  # also recover the fact table behind the document (for the store)


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
    """Read and check (and recover the facts, when the task says so), and hand back what the intake
    made of it as `checked`: for a caller that keeps it itself (the web app, which reads uploads in
    a sandbox and stores them or only shows their report)."""
    record, checked = _checked(task)
    if checked is not None:
        record["checked"] = checked
    return record


def _checked(task: Task) -> tuple[Record, Any]:
    from yusuan.intake import check_bytes

    try:
        checked = check_bytes(content(task), task.path, task.settings, facts=task.facts)
    except YusuanError as error:
        return failure(task.path, task.sha256, "failed", message(error)), None
    return _record(task, checked), checked


def _record(task: Task, checked) -> Record:
    return from_report(task.path, task.sha256, checked.disclosure, checked.report, checked.read_seconds,
                       checked.check_seconds)


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

    from yusuan import intake
    from yusuan.store.db import sessions
    from yusuan.store.documents import stored_version

    try:
        data = content(task)
        with sessions()() as session:
            if (existing := stored_version(session, data)) is not None:
                return failure(task.path, task.sha256, "duplicate",
                               f"库中已有（文件 {existing.document_id} 第{existing.number}版）")
        checked = intake.check_bytes(data, task.path, task.settings, facts=True)
        for attempt in range(2):  # another worker may have added the same unit a moment before: once more
            try:
                with sessions().begin() as session:
                    intake.keep(session, data, task.path, checked)
                break
            except IntegrityError:
                if attempt:
                    raise
    except YusuanError as error:
        return failure(task.path, task.sha256, "failed", message(error))
    return _record(task, checked)
