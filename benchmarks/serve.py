"""The web app under load: a SQLite store (WAL) filled with generated documents (default 10,000:
2,500 units × 4 years), served by `yusuan serve --workers N` (uvicorn; default one worker a CPU) in a
subprocess, and load-tested by 50 concurrent keep-alive connections in a closed loop (each asks again
as soon as it is answered): p50/p95/p99 latency, requests per second and the server's CPU time per
request of the document page (/versions/{id}, random documents) and of the aggregate API
(/api/v1/aggregate, a mix of drilldowns and cuts, answered from each worker's kept answers once
computed; the time of the first, computed answer is printed too). Targets: document page
p95 ≤ 100 ms, aggregate p95 ≤ 200 ms.

    python benchmarks/serve.py [--documents 10000] [--clients 50] [--requests 40] [--workers 2]
                               [--server-cpus 0 --client-cpus 1] [--fresh]

The load generator is a few lines of raw HTTP/1.1 over asyncio (uvloop when installed), not a
client library: its CPU time, printed, stays small beside the server's, which shares the machine's
cores with it (unless --server-cpus and --client-cpus pin them apart with taskset).

The documents are variations of examples/small-unit-budget.yaml: one variant (amounts rescaled
by random factors) is built, checked and rendered per 50 documents, and each document is that
variant under its own unit name and year, stored as the store keeps an upload (the rendered HTML
as the original file, the read model, its cells, facts and findings), in bulk inserts: reading
and checking 10,000 files one by one through the intake would take hours. The filled store is
cached in the temp directory (`--fresh` rebuilds it)."""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from pathlib import Path
from urllib.parse import quote

try:
    import uvloop
except ImportError:  # the load still runs, on asyncio's own loop
    uvloop = None

EXAMPLE = Path(__file__).parent.parent / "examples" / "small-unit-budget.yaml"
YEARS = (2023, 2024, 2025, 2026)
PER_VARIANT = 50
REGIONS = 20
UNITS_PER_DEPARTMENT = 10
BATCH = 250
AGGREGATES = [  # the aggregate API as a visitor might call it
    "",
    "drilldown=year",
    "drilldown=region",
    "drilldown=functional_class&cut=year:2025",
    "drilldown=year&drilldown=source",
    "drilldown=economic_class&cut=region:基准省第07市",
]
WARM = len(AGGREGATES)  # different paths each load connection asks for first, not timed: the whole mix


def _row(obj: object) -> dict:
    """An ORM object made by the store's own helpers, as a row for a bulk insert (id left out)."""
    return {c.key: getattr(obj, c.key) for c in obj.__table__.columns if c.key != "id"}  # type: ignore[attr-defined]


def make_variant(n: int) -> dict:
    """Variant n: the example budget, amounts rescaled; built, checked and rendered once."""
    from yusuan.budget.io import load_budget
    from yusuan.build.document import build
    from yusuan.check.engine import check
    from yusuan.intake import fact_lines
    from yusuan.render.html import render_html
    from yusuan.store.documents import as_stored, cell_rows

    rng = random.Random(n)
    budget, _ = load_budget(EXAMPLE)
    lines = [line.model_copy(update={"amount": max(Decimal("0.01"), (line.amount * Decimal(rng.uniform(0.2, 5.0)))
                                                   .quantize(Decimal("0.01")))}) for line in budget.lines]
    name = f"基准变体{n:04d}单位"
    budget = budget.model_copy(update={"lines": lines, "unit": budget.unit.model_copy(update={"name": name})})
    disclosure = build(budget)
    report = check(disclosure)
    report_kept = report.model_dump(mode="json", exclude={"findings"})
    return {"name": name, "year": budget.unit.year, "html": render_html(disclosure), "stored": as_stored(disclosure),
            "money_unit": disclosure.document.money_unit or "万元", "errors": report.summary["errors"],
            "warnings": report.summary["warnings"], "cells": [_row(c) for c in cell_rows(0, disclosure)],
            "facts": fact_lines(disclosure, report), "report": report_kept,
            "findings": [{"fid": f.id, "rule": f.rule, "severity": f.severity, "message": f.message,
                          "data": f.model_dump(mode="json"), "status": "open"} for f in report.findings]}


def fill(url: str, documents: int) -> None:
    from sqlalchemy import insert

    from yusuan.store.db import sessions
    from yusuan.store.documents import digest
    from yusuan.store.schema import CellValue, Department, Document, Fact, FindingRow, Region, Unit, Version

    started = time.perf_counter()
    variants = [make_variant(n) for n in range((documents + PER_VARIANT - 1) // PER_VARIANT)]
    built = time.perf_counter() - started
    years = YEARS[:max(1, min(len(YEARS), documents))]
    units = (documents + len(years) - 1) // len(years)
    departments = (units + UNITS_PER_DEPARTMENT - 1) // UNITS_PER_DEPARTMENT
    made = sessions(url)
    with made.begin() as session:
        session.execute(insert(Region), [{"id": r + 1, "name": f"基准省第{r + 1:02d}市"} for r in range(REGIONS)])
        session.execute(insert(Department), [{"id": d + 1, "region_id": d % REGIONS + 1, "name": f"基准部门{d + 1:04d}"}
                                             for d in range(departments)])
        session.execute(insert(Unit), [{"id": u + 1, "department_id": u // UNITS_PER_DEPARTMENT + 1,
                                        "name": f"基准单位{u + 1:05d}"} for u in range(units)])
    rng = random.Random(0)
    for first in range(0, documents, BATCH):
        docs, versions, cells, facts, findings = [], [], [], [], []
        for n in range(first, min(documents, first + BATCH)):
            unit, year = n // len(years) + 1, years[n % len(years)]
            v = variants[rng.randrange(len(variants))]
            name = f"基准单位{unit:05d}"
            original = v["html"].replace(v["name"], name).replace(f"{v['year']}年", f"{year}年").encode("utf-8")
            stored = {**v["stored"], "document": {**v["stored"]["document"], "unit": name, "year": year}}
            docs.append({"id": n + 1, "unit_id": unit, "year": year, "kind": "budget", "published": True})
            versions.append({"id": n + 1, "document_id": n + 1, "number": 1, "sha256": digest(original),
                             "filename": f"{name}{year}年单位预算公开.html", "format": "html", "size": len(original),
                             "original": original, "disclosure": stored, "money_unit": v["money_unit"],
                             "report": v["report"], "errors": v["errors"], "warnings": v["warnings"]})
            cells += [{**c, "version_id": n + 1} for c in v["cells"]]
            facts += [{**f, "version_id": n + 1} for f in v["facts"]]
            findings += [{**f, "version_id": n + 1} for f in v["findings"]]
        with made.begin() as session:
            for table, rows in ((Document, docs), (Version, versions), (CellValue, cells), (Fact, facts),
                                (FindingRow, findings)):
                session.execute(insert(table), rows)
    print(f"filled {documents} documents ({units} units × {len(years)} years, {len(variants)} budget variants "
          f"built in {built:.1f} s) in {time.perf_counter() - started:.0f} s")


def store(documents: int, fresh: bool) -> tuple[str, str]:
    """The filled SQLite file (cached in the temp directory) and how long filling it took."""
    path = Path(tempfile.gettempdir()) / f"yusuan-serve-bench-{documents}.db"
    done = path.with_suffix(".complete")
    if fresh or not done.exists():
        for stale in (path, done, Path(f"{path}-wal"), Path(f"{path}-shm")):
            stale.unlink(missing_ok=True)
        started = time.perf_counter()
        fill(f"sqlite:///{path}", documents)
        done.write_text(f"{time.perf_counter() - started:.0f} s")
    else:
        print(f"store: {path} (cached; --fresh to rebuild)")
    size = sum(p.stat().st_size for p in path.parent.glob(f"{path.name}*"))
    print(f"store size: {size / 2**20:.0f} MB")
    return f"sqlite:///{path}", done.read_text()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, port: int, workers: int, cpus: str | None) -> subprocess.Popen:
    env = {**os.environ, "YUSUAN_DATABASE_URL": url, "YUSUAN_SECRET": "benchmark"}
    command = [sys.executable, "-m", "yusuan", "serve", "--port", str(port), "--workers", str(workers)]
    server = subprocess.Popen(["taskset", "-c", cpus, *command] if cpus else command, env=env,
                              cwd=tempfile.gettempdir(), stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped (exit {server.returncode})")
        try:
            asyncio.run(one_at_a_time(port, ["/api/v1/openapi.json"]))
            return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("the server did not start within 120 s")


def server_cpu(pid: int) -> float:
    """CPU seconds used so far by the server and its worker processes (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # a process that ended meanwhile
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:  # fields: state, ppid, … utime (12), stime (13)
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


class Connection:
    """One keep-alive HTTP/1.1 connection, as little client as can measure: a GET written as bytes, the
    answer read by its Content-Length. The load's own CPU time stays small beside the server's."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, path: str) -> int:
        request = f"GET {quote(path, safe='/?=&:')} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
        reused = self.streams is not None
        try:
            return await self._exchange(request, path)
        except (asyncio.IncompleteReadError, ConnectionError):
            self.close()
            if not reused:
                raise
            # the server closed it while idle (its keep-alive timeout): ask again once, as browsers do
            return await self._exchange(request, path)

    async def _exchange(self, request: bytes, path: str) -> int:
        if self.streams is None:
            self.streams = await asyncio.open_connection("127.0.0.1", self.port)
        reader, writer = self.streams
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = re.search(rb"\r\ncontent-length: *(\d+)", head.lower())
        if length is None:
            raise SystemExit(f"{path}: an answer without Content-Length")
        await reader.readexactly(int(length[1]))
        return int(head[9:12])

    def close(self) -> None:
        if self.streams:
            self.streams[1].close()
            self.streams = None


async def one_at_a_time(port: int, paths: list[str]) -> list[float]:
    connection = Connection(port)
    times = []
    try:
        for path in paths:
            start = time.perf_counter()
            if (status := await connection.get(path)) != 200:
                raise SystemExit(f"{path}: HTTP {status}")
            times.append(time.perf_counter() - start)
    finally:
        connection.close()
    return times


async def load(port: int, paths: list[str], clients: int,
               cpu: Callable[[], float]) -> tuple[list[tuple[str, float]], float, float, int]:
    """`clients` connections, each asking for the next path as soon as its last answer is in (a closed loop),
    after each has asked for the first WARM different paths (a connection keeps to one server worker: so every
    worker that serves the load has opened its store, and computed and kept each answer of the aggregate mix);
    (path, seconds) of each request, the seconds of the whole, the server's CPU seconds in them (`cpu` reads its
    total), and the requests that failed."""
    connections = [Connection(port) for _ in range(clients)]
    failures = 0

    async def client(connection: Connection, queue: list[str], timings: list[tuple[str, float]]) -> None:
        nonlocal failures
        while queue:
            path = queue.pop()
            start = time.perf_counter()
            try:
                status = await connection.get(path)
            except (asyncio.IncompleteReadError, ConnectionError):  # counted, not timed: no latency to time
                failures += 1
                continue
            timings.append((path, time.perf_counter() - start))
            if status != 200:
                raise SystemExit(f"{path}: HTTP {status}")

    warm = list(dict.fromkeys(paths))[:WARM]
    await asyncio.gather(*(client(c, list(warm), []) for c in connections))
    queue, timings = list(reversed(paths)), []
    failures = 0
    served, started = cpu(), time.perf_counter()
    await asyncio.gather(*(client(c, queue, timings) for c in connections))
    elapsed, served = time.perf_counter() - started, cpu() - served
    for c in connections:
        c.close()
    return timings, elapsed, served, failures


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def line(name: str, times: list[float], elapsed: float | None, target: str = "") -> str:
    ms = [t * 1000 for t in times]
    rate = f"{len(ms) / elapsed:7.1f}" if elapsed else " " * 7
    return (f"{name:<44} {len(ms):>6} {percentile(ms, 50):>8.0f} {percentile(ms, 95):>8.0f} {percentile(ms, 99):>8.0f} "
            f"{rate} {target}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=10000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=40, help="requests per client and endpoint")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="server worker processes")
    parser.add_argument("--server-cpus", help="CPUs of the server (taskset -c list, e.g. 0), else all")
    parser.add_argument("--client-cpus", help="CPUs of the load generator (a comma list, e.g. 1), else all")
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached store")
    args = parser.parse_args()
    url, fill_time = store(args.documents, args.fresh)
    if uvloop:
        uvloop.install()  # the client's own time per request: asyncio's loop in C
    before = os.getloadavg()
    port = free_port()
    server = start_server(url, port, args.workers, args.server_cpus)
    if args.client_cpus:  # after the server started: it is not to inherit them
        os.sched_setaffinity(0, {int(c) for c in args.client_cpus.split(",")})
    try:
        rng = random.Random(1)
        total = args.clients * args.requests
        cpu = partial(server_cpu, server.pid)
        sums = [f"/api/v1/aggregate?{q}" for q in AGGREGATES]
        first = asyncio.run(one_at_a_time(port, sums))  # before any is kept: the queries' own time
        client_cpu = time.process_time()
        pages = [f"/versions/{rng.randint(1, args.documents)}" for _ in range(total)]
        page_times, page_elapsed, page_cpu, page_failures = asyncio.run(load(port, pages, args.clients, cpu))
        mix = [rng.choice(sums) for _ in range(total)]
        sum_times, sum_elapsed, sum_cpu, sum_failures = asyncio.run(load(port, mix, args.clients, cpu))
        client_cpu = time.process_time() - client_cpu
        solo = asyncio.run(one_at_a_time(port, pages[:100]))
        kept = {q: asyncio.run(one_at_a_time(port, [q] * 10)) for q in sums}
    finally:
        server.terminate()
        server.wait(30)
    after = os.getloadavg()
    # uvicorn takes its C parser and loop when installed, as here: the server runs in this interpreter
    stack = " + ".join(m for m in ("httptools", "uvloop") if importlib.util.find_spec(m)) or "h11 + asyncio"
    print(f"\n{args.documents} documents on SQLite; server: yusuan serve --workers {args.workers} (uvicorn, "
          f"{stack}) on CPUs {args.server_cpus or 'all'}; client: raw asyncio HTTP/1.1 "
          f"keep-alive, {args.clients} connections in a closed loop, {total} requests per endpoint, on CPUs "
          f"{args.client_cpus or 'all'} (its CPU time, warm-up included: {client_cpu:.1f} s; timed load: "
          f"{page_elapsed + sum_elapsed:.1f} s); {os.cpu_count()} CPUs; load average before {before[0]:.2f} "
          f"{before[1]:.2f}, after {after[0]:.2f} "
          f"{after[1]:.2f}; fill time {fill_time}")
    if page_failures or sum_failures:
        print(f"failed requests (connection dropped): {page_failures} pages, {sum_failures} aggregates")
    print(f"{'endpoint':<44} {'reqs':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>7}")
    print(line("document page /versions/{id}", [t for _, t in page_times], page_elapsed,
               f"(target p95 ≤ 100 ms; server CPU {page_cpu / len(page_times) * 1000:.1f} ms a request)"))
    print(line("aggregate API /api/v1/aggregate (mix)", [t for _, t in sum_times], sum_elapsed,
               f"(target p95 ≤ 200 ms; server CPU {sum_cpu / len(sum_times) * 1000:.1f} ms a request)"))
    for q in sums:
        print(line(f"  {q.removeprefix('/api/v1/aggregate')}"[:44], [t for p, t in sum_times if p == q], None))
    print("one request at a time (no queueing):")
    print(line("document page /versions/{id}", solo, None))
    for q, times, cold in zip(sums, kept.values(), first, strict=True):
        print(line(f"  aggregate {q.removeprefix('/api/v1/aggregate')}"[:44], times, None,
                   f"kept; first (computed) {cold * 1000:.0f} ms"))


if __name__ == "__main__":
    main()
