"""POST /api/v1/check with the reference example: the report back as JSON (and as HTML), read and
checked in the uploads' sandbox, nothing stored (target ≤ 1 s an answer once the sandbox is warm).

    python benchmarks/api_check.py [--requests 20]

The app runs in-process on a new SQLite store (the example not loaded, so the store stays empty
and any row the check left behind would show); the first answer of each sandbox, which starts its
interpreter and imports the readers, is timed apart from the rest (one for each sandbox)."""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

EXAMPLE = Path(__file__).parent.parent / "tests" / "fixtures" / "changji-gxj-2023-budget.txt"


def rows(app) -> int:
    from sqlalchemy import func, select

    from yusuan.store.schema import Base

    with app.state.sessions() as session:
        return sum(session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    from yusuan.web.app import create_app

    data = EXAMPLE.read_bytes()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(f"sqlite:///{Path(folder) / 'yusuan.db'}", secret="benchmark", example=False)
        client = TestClient(app)

        def ask(format: str) -> tuple[float, dict | str]:
            start = time.perf_counter()
            answer = client.post("/api/v1/check", params={"format": format}, files={"file": (EXAMPLE.name, data)})
            seconds = time.perf_counter() - start
            assert answer.status_code == 200, answer.text[:300]
            return seconds, answer.json() if format == "json" else answer.text

        # each of the readers' sandboxes answers its first file after starting its interpreter
        first = [ask("json") for _ in range(app.state.readers.size)]
        report = first[0][1]
        times = {"json": [], "html": []}
        for _ in range(args.requests):
            for format in times:
                times[format].append(ask(format)[0])
        stored = rows(app)
    assert stored == 0, f"{stored} rows stored by a check"
    summary = report["summary"]  # type: ignore[index]
    print(f"POST /api/v1/check, the example ({len(data) // 1024} KB, {summary['errors']} errors, "
          f"{summary['warnings']} warnings): first answers {', '.join(f'{t:.2f}' for t, _ in first)} s "
          "(each starts a sandbox)")
    for format, seconds in times.items():
        print(f"  {format}: median {statistics.median(seconds):.3f} s, max {max(seconds):.3f} s over {len(seconds)} "
              f"answers (target ≤ 1 s)")
    print(f"  rows stored: {stored}")


if __name__ == "__main__":
    main()
