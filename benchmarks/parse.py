"""Parse time of the reference example in-process (target ≤ 30 ms median) and the whole
process time of `yusuan --version` (target ≤ 0.3 s)."""

import statistics
import subprocess
import sys
import time
from pathlib import Path

from yusuan.read import read_bytes

EXAMPLE = Path(__file__).parent.parent / "tests" / "fixtures" / "changji-gxj-2023-budget.txt"


def main() -> None:
    data = EXAMPLE.read_bytes()
    read_bytes(data, str(EXAMPLE))  # warm: imports and the registry
    times = []
    for _ in range(30):
        start = time.perf_counter()
        read_bytes(data, str(EXAMPLE))
        times.append(time.perf_counter() - start)
    print(f"parse example: median {statistics.median(times) * 1000:.1f} ms, "
          f"min {min(times) * 1000:.1f} ms over {len(times)} runs (target ≤ 30 ms)")
    runs = []
    for _ in range(10):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "yusuan", "--version"], check=True, capture_output=True)
        runs.append(time.perf_counter() - start)
    print(f"yusuan --version: median {statistics.median(runs):.3f} s over {len(runs)} runs (target ≤ 0.3 s)")


if __name__ == "__main__":
    main()
