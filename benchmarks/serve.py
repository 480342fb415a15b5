"""The web app under load: a SQLite store (WAL) filled with generated documents (default 10,000:
2,000 units × 4 years of 预算, and each unit's 2025 决算), served by `yusuan serve --workers N` (uvicorn;
default one worker a CPU) in a subprocess, and load-tested by 50 concurrent keep-alive connections in a
closed loop (each asks again as soon as it is answered): p50/p95/p99 latency, requests per second and
the server's CPU time per request of

- the document page (/versions/{id}, random documents);
- the aggregate API (/api/v1/aggregate, a mix of drilldowns and cuts);
- the public view: region pages (/overview/{id}, drilled to a 类, 款, 项 and its units, by department, and
  the whole store /overview), their API (/api/v1/overview) and an Excel download of a chart's data, the
  ranking (/peers, a region's and the whole store's);
- and, read afresh on each request, three units side by side (/side-by-side, random units), a unit's
  budget against its final account (/units/{id}/execution) and a cell where it was printed (/cells/{id}).

The aggregate answers, region views and rankings are answered from each worker's kept answers once
computed (each connection asks every one of them once before the timing, so every worker has); the
time of the first, computed answer of each is printed too. Targets: document page p95 ≤ 100 ms, every
other view p95 ≤ 200 ms.

    python benchmarks/serve.py [--documents 10000] [--clients 50] [--requests 40] [--workers 2]
                               [--server-cpus 0 --client-cpus 1] [--fresh]

The load generator is a few lines of raw HTTP/1.1 over asyncio (uvloop when installed), not a
client library: its CPU time, printed, stays small beside the server's, which shares the machine's
cores with it (unless --server-cpus and --client-cpus pin them apart with taskset).

The documents are variations of examples/small-unit-budget.yaml, as the public view's tests make them
(tests/stores.py): one variant (amounts and staff rescaled) per 250 documents is built, rendered as HTML,
read back and checked, and so is its final account (what was spent, with the final's explanations); each
document is a variant under its own unit name and year, stored as the store keeps an upload (the HTML as
the original file, the read model, its cells, facts, key figures and findings), in bulk inserts: reading
and checking 10,000 files one by one through the intake would take hours. The filled store is cached in
the temp directory (`--fresh` rebuilds it)."""

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
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from urllib.parse import quote

try:
    import uvloop
except ImportError:  # the load still runs, on asyncio's own loop
    uvloop = None

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))  # stores.py: the public view's tests' documents

YEARS = (2023, 2024, 2025, 2026)
FINAL_YEAR = 2025  # each unit's 决算 of that year, beside its 预算
PER_VARIANT = 250
REGIONS = 20
UNITS_PER_DEPARTMENT = 10
BATCH = 250
STORE_FORMAT = 4  # the cached store's name changes with what fill() puts in it
VIEWED_REGIONS = 6
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


def rows_of(variant) -> dict:
    """What the store keeps of a variant, its cells numbered from 0 (a key figure names its cell by that number)."""
    from types import SimpleNamespace

    from yusuan.store.documents import as_stored, cell_rows
    from yusuan.store.figures import figure_rows

    disclosure, report = variant.checked.disclosure, variant.checked.report
    cells = [_row(c) for c in cell_rows(0, disclosure)]
    numbered = [SimpleNamespace(id=n, **c) for n, c in enumerate(cells)]
    return {"name": variant.name, "html": variant.html.decode("utf-8"), "stored": as_stored(disclosure),
            "kind": disclosure.document.kind, "money_unit": disclosure.document.money_unit or "万元",
            "errors": report.summary["errors"], "warnings": report.summary["warnings"], "cells": cells,
            "facts": variant.checked.facts, "figures": [_row(f) for f in figure_rows(0, disclosure, numbered)],
            "report": report.model_dump(mode="json", exclude={"findings"}),
            "findings": [{"fid": f.id, "rule": f.rule, "severity": f.severity, "message": f.message,
                          "data": f.model_dump(mode="json"), "status": "open"} for f in report.findings]}


def fill(url: str, documents: int) -> None:
    from sqlalchemy import insert

    import stores
    from yusuan.store.db import sessions
    from yusuan.store.documents import digest
    from yusuan.store.schema import CellValue, Department, Document, Fact, Figure, FindingRow, Narrative, Region, Unit, Version

    started = time.perf_counter()
    budgets, finals = stores.variants(stores.Layout(variants=max(1, (documents + PER_VARIANT - 1) // PER_VARIANT)))
    variants = [(rows_of(b), rows_of(f)) for b, f in zip(budgets, finals, strict=True)]
    built = time.perf_counter() - started
    per_unit = len(YEARS) + 1
    units = max(1, documents // per_unit)
    departments = (units + UNITS_PER_DEPARTMENT - 1) // UNITS_PER_DEPARTMENT
    made = sessions(url)
    with made.begin() as session:
        session.execute(insert(Region), [{"id": r + 1, "name": f"基准省第{r + 1:02d}市"} for r in range(REGIONS)])
        session.execute(insert(Department), [{"id": d + 1, "region_id": d % REGIONS + 1, "name": f"基准部门{d + 1:04d}"}
                                             for d in range(departments)])
        session.execute(insert(Unit), [{"id": u + 1, "department_id": u // UNITS_PER_DEPARTMENT + 1,
                                        "name": f"基准单位{u + 1:05d}"} for u in range(units)])
    plan = [(u + 1, year, "budget") for u in range(units) for year in YEARS] + [(u + 1, FINAL_YEAR, "final")
                                                                                 for u in range(units)]
    rng = random.Random(0)
    chosen = {}  # a unit's year: its variant, the same for its budget and its final account
    cell_id = 0
    for first in range(0, len(plan), BATCH):
        docs, versions, narratives, cells, facts, figures, findings = [], [], [], [], [], [], []
        for n, (unit, year, kind) in enumerate(plan[first:first + BATCH], start=first + 1):
            pair = chosen.setdefault((unit, year), rng.randrange(len(variants)))
            v = variants[pair][kind == "final"]
            name = f"基准单位{unit:05d}"
            original = v["html"].replace(v["name"], name).replace("2026年", f"{year}年").encode("utf-8")
            stored = {**v["stored"], "document": {**v["stored"]["document"], "unit": name, "year": year}}
            docs.append({"id": n, "unit_id": unit, "year": year, "kind": kind, "published": True})
            versions.append({"id": n, "document_id": n, "number": 1, "sha256": digest(original),
                             "filename": f"{name}{year}年单位{'决算' if kind == 'final' else '预算'}公开.html",
                             "format": "html", "size": len(original), "original": original, "disclosure": stored,
                             "money_unit": v["money_unit"], "report": v["report"], "errors": v["errors"],
                             "warnings": v["warnings"]})
            narratives.append({"version_id": n, "paragraphs": stored["narrative"]["paragraphs"]})
            cells += [{**c, "id": cell_id + i + 1, "version_id": n} for i, c in enumerate(v["cells"])]
            facts += [{**f, "version_id": n} for f in v["facts"]]
            figures += [{**f, "version_id": n, "cell_id": None if f["cell_id"] is None else cell_id + f["cell_id"] + 1}
                        for f in v["figures"]]
            findings += [{**f, "version_id": n} for f in v["findings"]]
            cell_id += len(v["cells"])
        with made.begin() as session:
            for table, rows in ((Document, docs), (Version, versions), (Narrative, narratives), (CellValue, cells),
                                (Fact, facts), (Figure, figures), (FindingRow, findings)):
                session.execute(insert(table), rows)
    print(f"filled {len(plan)} documents ({units} units × {len(YEARS)} years of 预算 and a {FINAL_YEAR} 决算, "
          f"{len(variants)} variants built, read back and checked in {built:.1f} s) in "
          f"{time.perf_counter() - started:.0f} s")


def store(documents: int, fresh: bool) -> tuple[str, str]:
    """The filled SQLite file (cached in the temp directory) and how long filling it took."""
    path = Path(tempfile.gettempdir()) / f"yusuan-serve-bench-{documents}-v{STORE_FORMAT}.db"
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


async def load(port: int, paths: list[str], clients: int, cpu: Callable[[], float],
               warm: list[str]) -> tuple[list[tuple[str, float]], float, float, int]:
    """`clients` connections, each asking for the next path as soon as its last answer is in (a closed loop),
    after each has asked for the `warm` paths (a connection keeps to one server worker: so every worker that
    serves the load has opened its store, and computed and kept each answer it keeps); (path, seconds) of each
    request, the seconds of the whole, the server's CPU seconds in them (`cpu` reads its total), and the
    requests that failed."""
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

    await asyncio.gather(*(client(c, list(warm), []) for c in connections))
    queue, timings = list(reversed(paths)), []
    failures = 0
    served, started = cpu(), time.perf_counter()
    await asyncio.gather(*(client(c, queue, timings) for c in connections))
    elapsed, served = time.perf_counter() - started, cpu() - served
    for c in connections:
        c.close()
    return timings, elapsed, served, failures


@dataclass
class Endpoint:
    """One line of the report: a mix of paths, kept answers (warmed on every connection) or read afresh."""

    name: str
    paths: list[str]
    kept: bool
    target_ms: int = 200
    first: list[str] = field(default_factory=list)  # asked one at a time before anything is kept: computed


def endpoints(url: str, rng: random.Random, total: int) -> list[Endpoint]:
    """The views measured, with paths into the filled store (its regions, departments, units and cells)."""
    import sqlite3

    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
        documents, units, cells = (db.execute(f"SELECT max(id) FROM {t}").fetchone()[0]
                                   for t in ("version", "unit", "cell"))
        departments = db.execute("SELECT id, region_id FROM department").fetchall()
    sums = [f"/api/v1/aggregate?{q}" for q in AGGREGATES]
    # six regions with units, and a department of each: every worker keeps their views before the timing
    regions = dict(sorted({r: d for d, r in departments}.items())[:VIEWED_REGIONS])
    region_paths = ["/overview", "/overview?code=2012604"]
    for region, department in regions.items():
        region_paths += [f"/overview/{region}{q}" for q in ("", "?code=201", "?code=20126", "?code=2012604",
                                                            f"?department={department}")]
    overview = [f"/api/v1/overview?region={r}{q}" for r in regions for q in ("", "&code=2012604")]
    sheets = [f"/api/v1/overview/download?view=functional&format=xlsx&region={r}" for r in regions]
    ranked = ["/peers", *(f"/peers?region={r}" for r in regions)]
    some = list(regions)[len(regions) // 2]  # a region whose views are timed the first time they are asked

    def side() -> str:
        return "/side-by-side?" + "&".join(f"unit={u}" for u in rng.sample(range(1, units + 1), 3)) + "&year=2025&year=2026"

    return [
        Endpoint("document page /versions/{id}", [f"/versions/{rng.randint(1, documents)}" for _ in range(total)],
                 False, 100),
        Endpoint("aggregate API /api/v1/aggregate (mix)", [rng.choice(sums) for _ in range(total)], True,
                 first=sums),
        Endpoint("region page /overview/{id} (mix)", [rng.choice(region_paths) for _ in range(total)], True,
                 first=[f"/overview/{some}", f"/overview/{some}?code=2012604", "/overview", "/overview?code=2012604"]),
        Endpoint("overview API /api/v1/overview (mix)", [rng.choice(overview) for _ in range(total)], True,
                 first=[f"/api/v1/overview?region={some}&code=201"]),
        Endpoint("chart download (xlsx) /api/v1/overview/download", [rng.choice(sheets) for _ in range(total)], True),
        Endpoint("ranking /peers (mix)", [rng.choice(ranked) for _ in range(total)], True,
                 first=[f"/peers?region={some}", "/peers"]),
        Endpoint("side by side /side-by-side (3 units)", [side() for _ in range(total)], False),
        Endpoint("execution /units/{id}/execution", [f"/units/{rng.randint(1, units)}/execution"
                                                     for _ in range(total)], False),
        Endpoint("provenance /cells/{id}", [f"/cells/{rng.randint(1, cells)}" for _ in range(total)], False),
    ]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def line(name: str, times: list[float], elapsed: float | None, target: str = "") -> str:
    ms = [t * 1000 for t in times]
    rate = f"{len(ms) / elapsed:7.1f}" if elapsed else " " * 7
    return (f"{name[:52]:<52} {len(ms):>6} {percentile(ms, 50):>8.0f} {percentile(ms, 95):>8.0f} {percentile(ms, 99):>8.0f} "
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
    total = args.clients * args.requests
    results = []
    try:
        measured = endpoints(url, random.Random(1), total)
        cpu = partial(server_cpu, server.pid)
        # before any is kept: the views' own time
        first = {e.name: asyncio.run(one_at_a_time(port, e.first)) for e in measured if e.first}
        client_cpu, timed = time.process_time(), 0.0
        for e in measured:
            warm = list(dict.fromkeys(e.paths)) if e.kept else e.paths[:1]
            results.append(asyncio.run(load(port, e.paths, args.clients, cpu, warm)))
            timed += results[-1][1]
        client_cpu = time.process_time() - client_cpu
        solo = {e.name: asyncio.run(one_at_a_time(port, e.paths[:50])) for e in measured}
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
          f"{timed:.1f} s); {os.cpu_count()} CPUs; load average before {before[0]:.2f} "
          f"{before[1]:.2f}, after {after[0]:.2f} "
          f"{after[1]:.2f}; fill time {fill_time}")
    failed = {e.name: r[3] for e, r in zip(measured, results, strict=True) if r[3]}
    if failed:
        print(f"failed requests (connection dropped): {failed}")
    print(f"{'endpoint':<52} {'reqs':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>7}")
    for e, (times, elapsed, served, _) in zip(measured, results, strict=True):
        print(line(e.name, [t for _, t in times], elapsed,
                   f"(target p95 ≤ {e.target_ms} ms; server CPU {served / len(times) * 1000:.1f} ms a request"
                   f"{'; kept answers' if e.kept else ''})"))
        if e.name.startswith("aggregate"):
            for q in dict.fromkeys(e.paths):
                print(line(f"  {q.removeprefix('/api/v1/aggregate')}", [t for p, t in times if p == q], None))
    print("one request at a time (no queueing):")
    for e in measured:
        print(line(e.name, solo[e.name], None, "kept" if e.kept else ""))
    print("computed, the first time a worker is asked (nothing kept yet):")
    for e in measured:
        for path, seconds in zip(e.first, first.get(e.name, []), strict=True):
            print(f"  {path:<70} {seconds * 1000:>8.0f} ms")


if __name__ == "__main__":
    main()
