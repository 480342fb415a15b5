"""Check time of the reference example in-process, localisation included (target ≤ 100 ms median)."""

import statistics
import time
from pathlib import Path

from yusuan.check.engine import check
from yusuan.read import read

EXAMPLE = Path(__file__).parent.parent / "tests" / "fixtures" / "changji-gxj-2023-budget.txt"


def main() -> None:
    disclosure = read(EXAMPLE)
    check(disclosure)  # warm: SciPy import, catalogs
    times = []
    for _ in range(20):
        start = time.perf_counter()
        report = check(disclosure)
        times.append(time.perf_counter() - start)
    print(f"check example: median {statistics.median(times) * 1000:.0f} ms, min {min(times) * 1000:.0f} ms "
          f"over {len(times)} runs (target ≤ 100 ms); {report.summary['errors']} errors, "
          f"{len(report.localisation)} cells localised")


if __name__ == "__main__":
    main()
