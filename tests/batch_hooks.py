"""Batch jobs for the tests, run inside the sandbox processes (named by YUSUAN_BATCH_JOB or the
`job` argument): a document whose content starts with a marker misbehaves, the rest are checked."""

import os
import signal
import time

from yusuan.batch.job import Task, check_document, content, prepare  # noqa: F401 (prepare: warm the sandbox)


def misbehave(task: Task):
    data = content(task)
    if data.startswith(b"HANG"):
        time.sleep(3600)
    if data.startswith(b"HOG"):
        return bytearray(4 << 30)  # 4 GB (untouched, so fast): allowed by the system, not by a 1 GB limit
    if data.startswith(b"CRASH"):
        os.kill(os.getpid(), signal.SIGSEGV)
    return check_document(task)


def logged(task: Task):
    """Checks, slowly, and notes each document it finished in $YUSUAN_TEST_LOG."""
    time.sleep(float(os.environ.get("YUSUAN_TEST_DELAY", "0.3")))
    record = check_document(task)
    with open(os.environ["YUSUAN_TEST_LOG"], "a", encoding="utf-8") as log:
        log.write(task.path + "\n")
    return record
