"""A region's review season at scale: a region of N units (tests/region.py: varied budgets, some flawed, late,
missing, taken back, changed) stored in a new SQLite file (or the database named), its list imported, then
the season worked out (each unit's status, score and what blocks it), the triage page and its JSON twin
asked through the app (the first time, which scores every version, and after, when the app keeps the scores),
every unit's notice written as Word, and the summary workbook.

    python benchmarks/season.py [--units 200] [--repeat 5] [--database URL]

Prints seconds per step and per unit; the store is built once per run (seconds a unit: it reads nothing,
but checks and stores every document)."""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))


def timed(work, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database", help="a database URL (default: a new SQLite file)")
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    from region import REGION, plan, register_csv, store
    from yusuan.scoring import load_method
    from yusuan.season.notice import notice_docx, unit_notice
    from yusuan.season.register import read_register
    from yusuan.season.season import season
    from yusuan.season.workbook import summary_workbook
    from yusuan.store.accounts import create_account, issue_token
    from yusuan.store.db import sessions
    from yusuan.store.season import add_register, region_named
    from yusuan.web.app import create_app

    url = args.database or f"sqlite:///{Path(tempfile.mkdtemp()) / 'season.db'}"
    plans = plan(args.units)
    start = time.perf_counter()
    with sessions(url).begin() as session:
        store(session, plans)
        add_register(session, "名单.csv", register_csv(plans), read_register(register_csv(plans), "名单.csv"))
        region = region_named(session, REGION).id  # type: ignore[union-attr]
        token = issue_token(session, create_account(session, "bench", "bench-password", "reviewer"))
    built = time.perf_counter() - start
    print(f"store: {args.units} units, {sum(p.stored for p in plans)} documents in {built:.1f} s "
          f"({built / args.units:.2f} s a unit, once)")

    method = load_method()
    with sessions(url)() as session:
        seconds, made = timed(lambda: season(session, region, 2026, "budget", method), args.repeat)
        print(f"season (status, score, blocking of every unit): {seconds:.3f} s, {seconds / args.units * 1000:.1f} ms a unit")
        seconds, notices = timed(lambda: [unit_notice(session, made, u) for u in made.units], args.repeat)  # type: ignore[attr-defined]
        print(f"notices (problems of every unit): {seconds:.3f} s")
        seconds, _ = timed(lambda: [notice_docx(n) for n in notices if n.problems], args.repeat)  # type: ignore[attr-defined]
        print(f"notices as Word ({sum(bool(n.problems) for n in notices)}): {seconds:.3f} s")  # type: ignore[attr-defined]
        seconds, data = timed(lambda: summary_workbook(made, {n.unit: n.problems for n in notices}), args.repeat)  # type: ignore[arg-type, attr-defined]
        print(f"summary workbook: {seconds:.3f} s, {len(data) >> 10} KB")  # type: ignore[arg-type]

    client = TestClient(create_app(url, secret="bench", example=False), headers={"Authorization": f"Bearer {token}"})
    for path in (f"/regions/{region}", f"/api/v1/regions/{region}/season", f"/api/v1/regions/{region}/summary"):
        first, _ = timed(lambda path=path: client.get(path), 1)  # the first page scores every version; the rest keep them
        seconds, response = timed(lambda path=path: client.get(path), args.repeat)
        print(f"GET {path}: first {first:.3f} s, then {seconds:.3f} s (status {response.status_code}, "  # type: ignore[attr-defined]
              f"{len(response.content) >> 10} KB)")  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
