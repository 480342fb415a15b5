"""Read time and peak memory of the PDF reader on each corpus PDF, against pdfplumber's own
`extract_tables` over all pages (the floor: yusuan reads every page with pdfplumber too).

    python benchmarks/read.py [--runs N]

Times are the best of N runs (default 3) of reading the bytes into the model (`read_bytes`:
layout and recognition). Peak memory is measured in a separate run under tracemalloc (Python
allocations; pdfplumber's and pdfminer's objects are Python objects), so it does not slow the
timed runs."""

from __future__ import annotations

import argparse
import io
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pdfplumber

from yusuan.read import read_bytes

CORPUS = Path(__file__).parent.parent / "tests" / "fixtures" / "corpus"


def plumber_tables(data: bytes) -> int:
    found = 0
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            found += len(page.extract_tables())
            page.close()
    return found


def yusuan_read(data: bytes, name: str) -> int:
    return len(read_bytes(data, name).tables)


def best_time(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def peak_mib(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    header = (f"{'file':44} {'pages':>5} {'tables':>6} {'yusuan s':>9} {'plumber s':>10} {'ratio':>6} "
              f"{'yusuan MiB':>11} {'plumber MiB':>12}")
    print(header)
    print("-" * len(header))
    totals = [0.0, 0.0]
    for path in sorted(CORPUS.glob("*.pdf")):
        data = path.read_bytes()
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = len(pdf.pages)
        tables = yusuan_read(data, path.name)  # warm: imports, registry, catalog
        ours = best_time(lambda d=data, n=path.name: yusuan_read(d, n), args.runs)
        theirs = best_time(lambda d=data: plumber_tables(d), args.runs)
        ours_mem = peak_mib(lambda d=data, n=path.name: yusuan_read(d, n))
        theirs_mem = peak_mib(lambda d=data: plumber_tables(d))
        totals[0] += ours
        totals[1] += theirs
        print(f"{path.name:44} {pages:5d} {tables:6d} {ours:9.2f} {theirs:10.2f} {ours / theirs:6.2f} "
              f"{ours_mem:11.1f} {theirs_mem:12.1f}")
    print("-" * len(header))
    print(f"{'total':44} {'':5} {'':6} {totals[0]:9.2f} {totals[1]:10.2f} {totals[0] / totals[1]:6.2f}")


if __name__ == "__main__":
    main()
