"""Build time of an example-sized budget (the reference example, extracted): xlsx + docx + html
together (target ≤ 1 s median) and pdf (target ≤ 5 s median).

    python benchmarks/build.py [--runs N]"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from yusuan.build.document import build
from yusuan.build.extract import extract
from yusuan.read import read
from yusuan.render.docx import render_docx
from yusuan.render.html import render_html
from yusuan.render.pdf import render_pdf
from yusuan.render.xlsx import render_xlsx

EXAMPLE = Path(__file__).parent.parent / "tests" / "fixtures" / "changji-corrected.txt"


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    budget, _ = extract(read(EXAMPLE))
    print(f"budget: {len(budget.lines)} line items, {len(budget.projects)} projects")

    def office() -> None:
        disclosure = build(budget)
        render_xlsx(disclosure)
        render_docx(disclosure)
        render_html(disclosure)

    office()  # warm: imports
    times = timed(office, runs)
    print(f"build + xlsx + docx + html: median {statistics.median(times):.2f} s, min {min(times):.2f} s "
          f"over {runs} runs (target ≤ 1 s)")
    render_pdf(build(budget))
    times = timed(lambda: render_pdf(build(budget)), max(2, runs // 2))
    print(f"build + pdf: median {statistics.median(times):.2f} s, min {min(times):.2f} s (target ≤ 5 s)")


if __name__ == "__main__":
    main()
