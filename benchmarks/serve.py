"""The web app under load: a SQLite store (WAL) filled with generated documents (default 10,000:
2,500 units × 4 years), served by `yusuan serve` (uvicorn, one process) in a subprocess, and
load-tested by concurrent clients (default 50, httpx, asyncio): p50/p95/p99 latency and
requests per second of the document page (/versions/{id}, random documents) and of the
aggregate API (/api/v1/aggregate, a mix of drilldowns and cuts). Targets: document page
p95 ≤ 100 ms, aggregate p95 ≤ 200 ms.

    python benchmarks/serve.py [--documents 10000] [--clients 50] [--requests 20] [--fresh]

The documents are variations of examples/small-unit-budget.yaml: one variant (amounts rescaled
by random factors) is built, checked and rendered per 50 documents, and each document is that
variant under its own unit name and year, stored as the store keeps an upload (the rendered HTML
as the original file, the read model, its cells, facts and findings), in bulk inserts: reading
and checking 10,000 files one by one through `store_file` would take hours. The filled store is
cached in the temp directory (`--fresh` rebuilds it). Clients and server share this machine's
cores, so the figures include the clients' own CPU time."""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import httpx

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


def _row(obj: object) -> dict:
    """An ORM object made by the store's own helpers, as a row for a bulk insert (id left out)."""
    return {c.key: getattr(obj, c.key) for c in obj.__table__.columns if c.key != "id"}  # type: ignore[attr-defined]


def make_variant(n: int) -> dict:
    """Variant n: the example budget, amounts rescaled; built, checked and rendered once."""
    from yusuan.budget.io import load_budget
    from yusuan.build.document import build
    from yusuan.check.engine import check
    from yusuan.render.html import render_html
    from yusuan.store.documents import as_stored, cell_rows, fact_rows

    rng = random.Random(n)
    budget, _ = load_budget(EXAMPLE)
    lines = [line.model_copy(update={"amount": max(Decimal("0.01"), (line.amount * Decimal(rng.uniform(0.2, 5.0)))
                                                   .quantize(Decimal("0.01")))}) for line in budget.lines]
    name = f"基准变体{n:04d}单位"
    budget = budget.model_copy(update={"lines": lines, "unit": budget.unit.model_copy(update={"name": name})})
    disclosure = build(budget)
    report = check(disclosure)
    return {"name": name, "year": budget.unit.year, "html": render_html(disclosure), "stored": as_stored(disclosure),
            "money_unit": disclosure.document.money_unit or "万元", "errors": report.summary["errors"],
            "warnings": report.summary["warnings"], "cells": [_row(c) for c in cell_rows(0, disclosure)],
            "facts": [_row(f) for f in fact_rows(0, disclosure)],
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
                             "errors": v["errors"], "warnings": v["warnings"]})
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


def start_server(url: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "YUSUAN_DATABASE_URL": url, "YUSUAN_SECRET": "benchmark"}
    server = subprocess.Popen([sys.executable, "-m", "yusuan", "serve", "--port", str(port)], env=env,
                              cwd=tempfile.gettempdir(), stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped (exit {server.returncode})")
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2)
            return server
        except httpx.TransportError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("the server did not start within 120 s")


async def load(base: str, paths: list[str], clients: int) -> tuple[list[tuple[str, float]], float]:
    """Each client takes the next path and requests it until none are left; (path, seconds) each."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    for p in paths[:20]:  # to warm up: caches, connections
        queue.put_nowait(p)
    timings: list[tuple[str, float]] = []
    failures: list[str] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def client(http: httpx.AsyncClient) -> None:
        while not queue.empty():
            path = queue.get_nowait()
            start = time.perf_counter()
            try:
                response = await http.get(path)
            except httpx.TransportError as error:  # counted, not timed: a dropped connection is no latency
                failures.append(f"{path}: {error!r}")
                continue
            timings.append((path, time.perf_counter() - start))
            if response.status_code != 200:
                raise SystemExit(f"{path}: HTTP {response.status_code}")

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as http:
        await asyncio.gather(*(client(http) for _ in range(min(clients, 5))))
        for p in paths:
            queue.put_nowait(p)
        timings.clear()
        failures.clear()
        started = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        elapsed = time.perf_counter() - started
    if failures:
        print(f"{len(failures)} requests failed (connection dropped), e.g. {failures[0]}")
    return timings, elapsed


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
    parser.add_argument("--requests", type=int, default=20, help="requests per client and endpoint")
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached store")
    args = parser.parse_args()
    url, fill_time = store(args.documents, args.fresh)
    before = os.getloadavg()[0]
    port = free_port()
    server = start_server(url, port)
    try:
        base = f"http://127.0.0.1:{port}"
        rng = random.Random(1)
        total = args.clients * args.requests
        pages = [f"/versions/{rng.randint(1, args.documents)}" for _ in range(total)]
        cpu = time.process_time()
        page_times, page_elapsed = asyncio.run(load(base, pages, args.clients))
        sums = [f"/api/v1/aggregate?{rng.choice(AGGREGATES)}" for _ in range(total)]
        sum_timings, sum_elapsed = asyncio.run(load(base, sums, args.clients))
        client_cpu = time.process_time() - cpu
        serial = {q: [] for q in AGGREGATES}  # one at a time: the query's own time, without queueing
        with httpx.Client(base_url=base, timeout=120) as http:
            for _ in range(3):
                for q in AGGREGATES:
                    start = time.perf_counter()
                    http.get(f"/api/v1/aggregate?{q}").raise_for_status()
                    serial[q].append(time.perf_counter() - start)
            solo = []
            for p in pages[:50]:
                start = time.perf_counter()
                http.get(p).raise_for_status()
                solo.append(time.perf_counter() - start)
    finally:
        server.terminate()
        server.wait(10)
    print(f"\n{args.documents} documents, {args.clients} concurrent clients, {args.requests} requests each per "
          f"endpoint; fill time {fill_time}; {os.cpu_count()} CPUs shared by server and clients (the clients "
          f"used {client_cpu:.0f} s of CPU in {page_elapsed + sum_elapsed:.0f} s of load); load average before "
          f"{before:.1f}, after {os.getloadavg()[0]:.1f} (above ~1 before: other work shared the CPUs too)")
    print(f"{'endpoint':<44} {'reqs':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>7}")
    print(line("document page /versions/{id}", [t for _, t in page_times], page_elapsed, "(target p95 ≤ 100 ms)"))
    print(line("aggregate API /api/v1/aggregate (mix)", [t for _, t in sum_timings], sum_elapsed,
               "(target p95 ≤ 200 ms)"))
    for q in AGGREGATES:
        print(line(f"  ?{q or '(no drilldown: total)'}"[:44],
                   [t for p, t in sum_timings if p == f"/api/v1/aggregate?{q}"], None))
    print("one client at a time (no queueing):")
    print(line("document page /versions/{id}", solo, None))
    for q in AGGREGATES:
        print(line(f"  aggregate ?{q or '(total)'}"[:44], serial[q], None,
                   f"median {statistics.median(serial[q]) * 1000:.0f} ms"))


if __name__ == "__main__":
    main()
