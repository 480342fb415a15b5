"""One document at a time in a child process under a memory limit (RLIMIT_AS), killed when it
passes its time limit: a hung or runaway document becomes a row, never a stalled or dead batch.

The child is a fresh interpreter (`python -m yusuan.batch.sandbox`), not a fork, so it is safe
under threads, inside Dask's daemonic worker processes and on any start method. Parent and child
speak length-prefixed pickles over the child's stdin and a private copy of its stdout; whatever
a library prints goes to /dev/null. The child ignores Ctrl-C (the parent decides) and dies with
the thread that started it."""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

from yusuan.batch.records import Record, failure
from yusuan.errors import YusuanError

_HEADER = struct.Struct("<Q")
STARTUP_SECONDS = 120.0


@dataclass(frozen=True)
class Limits:
    timeout: float = 300.0  # seconds per document
    memory_mb: int = 2048  # address space of the child process; 0: no limit


class SandboxError(YusuanError):
    """The child process could not be started: a problem of the setup, not of a document."""


class _Died(Exception):
    pass


class _TimedOut(Exception):
    pass


class Sandbox:
    """A child process that runs one job; restarted after a timeout, a crash or a MemoryError."""

    def __init__(self, job: str, limits: Limits) -> None:
        self.job = job
        self.limits = limits
        self.proc: subprocess.Popen | None = None
        self.peak_mb = 0.0  # the highest peak of any document run here
        self._buffer = b""

    def run(self, task) -> Record:
        for attempt in range(2):  # a child that died while idle is replaced once
            self._start()
            started = time.perf_counter()  # the time limit counts from here: startup is not the document's
            try:
                self._send(task)
                break
            except OSError:
                self._reap()
                if attempt:
                    return self._finish(failure(task.path, task.sha256, "failed", "处理进程无法接收任务"), started)
        try:
            reply = self._receive(started + self.limits.timeout)
        except _TimedOut:
            self.close(kill=True)
            return self._finish(failure(task.path, task.sha256, "timeout",
                                        f"超过时限 {self.limits.timeout:g} 秒，已终止"), started)
        except _Died:
            status, text = self._death()
            return self._finish(failure(task.path, task.sha256, status, text), started)
        record = reply["record"]
        if record is None:  # MemoryError in the child
            limit = f"超出内存上限 {self.limits.memory_mb} MB" if self.limits.memory_mb else "内存不足"
            record = failure(task.path, task.sha256, "memory", f"{limit}，已终止")
        if reply.get("internal"):
            record = failure(task.path, task.sha256, "failed", f"内部错误（{reply['internal']}），请报告此文件")
        record["document"]["peak_rss_mb"] = reply.get("peak_mb")
        self.peak_mb = max(self.peak_mb, reply.get("peak_mb") or 0.0)
        if reply.get("restart"):
            self.close()
        return self._finish(record, started)

    def close(self, kill: bool = False) -> None:
        proc, self.proc = self.proc, None
        self._buffer = b""
        if proc is None:
            return
        if kill or proc.poll() is not None:
            proc.kill()
        else:
            try:
                proc.stdin.close()  # the child leaves at end of input
            except OSError:
                proc.kill()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for stream in (proc.stdin, proc.stdout):
            with contextlib.suppress(OSError):
                stream.close()

    @staticmethod
    def _finish(record: Record, started: float) -> Record:
        record["document"]["seconds"] = round(time.perf_counter() - started, 3)
        return record

    def _start(self) -> None:
        if self.proc is not None:
            return
        # one core per sandbox: the batch runs documents side by side, so a long PDF reads its pages here
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "YUSUAN_PDF_WORKERS": "1"}
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "yusuan.batch.sandbox", str(self.limits.memory_mb)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=None if os.environ.get("YUSUAN_DEBUG") else subprocess.DEVNULL,
                env=env, close_fds=True)
        except OSError as exc:
            raise SandboxError(f"无法启动处理进程（{exc}）") from exc
        try:
            self._send({"sys_path": sys.path, "job": self.job})
            ready = self._receive(time.perf_counter() + STARTUP_SECONDS)
        except (OSError, _Died, _TimedOut):
            self.close(kill=True)
            raise SandboxError("处理进程未能启动（内存上限是否过低？）") from None
        if ready.get("error"):
            self.close(kill=True)
            raise SandboxError(f"处理进程未能启动：{ready['error']}")

    def _send(self, message: Any) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        self.proc.stdin.write(_HEADER.pack(len(payload)) + payload)
        self.proc.stdin.flush()

    def _receive(self, deadline: float) -> dict:
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        need = None
        while True:
            if need is None and len(self._buffer) >= _HEADER.size:
                need = _HEADER.size + _HEADER.unpack(self._buffer[:_HEADER.size])[0]
            if need is not None and len(self._buffer) >= need:
                frame, self._buffer = self._buffer[_HEADER.size:need], self._buffer[need:]
                return pickle.loads(frame)
            left = deadline - time.perf_counter()
            if left <= 0:
                raise _TimedOut
            ready, _, _ = select.select([fd], [], [], min(left, 1.0))
            if ready:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    raise _Died
                self._buffer += chunk

    def _death(self) -> tuple[str, str]:
        code = self._reap()
        if code == -signal.SIGKILL:  # not ours (ours is a timeout): the system's out-of-memory killer
            return "memory", "处理进程被系统终止（很可能是内存不足）"
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = str(-code)
            return "failed", f"处理进程意外终止（信号 {name}），请报告此文件"
        return "failed", f"处理进程意外退出（退出码 {code}），请报告此文件"

    def _reap(self) -> int | None:
        """The exit status of a child that has gone (or is going): waited for, then killed if need be."""
        proc = self.proc
        if proc is None:
            return None
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(5)
        self.close(kill=True)
        return proc.returncode


# --- the child -------------------------------------------------------------------------------

def _read_exactly(stream, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = stream.read(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _read_message(stream) -> Any:
    header = _read_exactly(stream, _HEADER.size)
    if header is None:
        return None
    payload = _read_exactly(stream, _HEADER.unpack(header)[0])
    return None if payload is None else pickle.loads(payload)


def _write_message(stream, message: Any) -> None:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(payload)) + payload)
    stream.flush()


def _die_with_parent() -> None:
    """Linux: SIGKILL when the parent (thread) goes, so a hung document never outlives the batch."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM, so each document's peak is its own
    except OSError:
        pass


def _peak_mb() -> float:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    channel = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # a library's print must not corrupt the channel
    inbox = sys.stdin.buffer
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    if limit > 0:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit << 20, limit << 20))
    hello = _read_message(inbox)
    if hello is None:
        return
    sys.path[:0] = [p for p in hello["sys_path"] if p not in sys.path]
    from yusuan.batch.job import resolve

    try:
        job = resolve(hello["job"])
        prepare = getattr(sys.modules[job.__module__], "prepare", None)
        if prepare:
            prepare()
    except MemoryError:
        _write_message(channel, {"error": "内存上限过低"})
        return
    except Exception as exc:
        _write_message(channel, {"error": f"{type(exc).__name__}: {exc}"})
        return
    _write_message(channel, {"ready": True})
    while (task := _read_message(inbox)) is not None:
        _reset_peak()
        reply: dict[str, Any] = {"record": None}
        try:
            reply["record"] = job(task)
        except MemoryError:
            reply["restart"] = True
        except Exception as exc:
            reply["internal"] = f"{type(exc).__name__}: {exc}"[:300]
        reply["peak_mb"] = _peak_mb()
        _write_message(channel, reply)
        if reply.get("restart"):
            return


if __name__ == "__main__":
    main()
