"""`yusuan check` on each corpus PDF, whole process, against pdfplumber's bare `extract_text` of the
same file (also a whole process), with the PDFium floor beside them: every character's box and
every path object of every page, which is all the reader takes from the parser.

    python benchmarks/read.py [--runs N] [NAME ...]

Times are the best of N runs (default 1), each a fresh `python` process, so imports and start-up
count as a user sees them. yusuan's bytecode is compiled first, as `pip install` compiles a
package's (an editable checkout under PYTHONDONTWRITEBYTECODE compiles every module in every run).
Peak memory is the largest resident set of the check process and the page workers it starts.
Targets (issue 14): check ≤ 0.4× extract_text (median), ≤ 0.8× (worst), ≤ 0.3× on the largest
document."""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

CORPUS = Path(__file__).parent.parent / "tests" / "fixtures" / "corpus"

PLUMBER = """
import sys, pdfplumber
with pdfplumber.open(sys.argv[1]) as pdf:
    for page in pdf.pages:
        page.extract_text()
        page.close()
"""

FLOOR = """
import sys, ctypes, pypdfium2, pypdfium2.raw as c
doc = pypdfium2.PdfDocument(sys.argv[1])
box = c.FS_RECTF()
for i in range(len(doc)):
    page = doc[i]
    text = page.get_textpage()
    for k in range(c.FPDFText_CountChars(text.raw)):
        c.FPDFText_GetUnicode(text.raw, k)
        c.FPDFText_GetLooseCharBox(text.raw, k, ctypes.byref(box))
    for obj in page.get_objects(filter=[c.FPDF_PAGEOBJ_PATH]):
        obj.get_pos()
    text.close()
    page.close()
"""


def timed(args: list[str]) -> tuple[float, float]:
    """Seconds and peak resident MB of one process (its children included)."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def best(args: list[str], runs: int) -> tuple[float, float]:
    results = [timed(args) for _ in range(runs)]
    return min(r[0] for r in results), max(r[1] for r in results)


def pages(path: Path) -> int:
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(path))
    try:
        return len(doc)
    finally:
        doc.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="corpus files (default: all PDFs)")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    paths = [p for p in sorted(CORPUS.glob("*.pdf")) if not args.names or any(n in p.name for n in args.names)]
    yusuan = [sys.executable, "-m", "yusuan", "check"]
    import yusuan as package

    compileall.compile_dir(Path(package.__file__).parent, quiet=1)
    header = (f"{'file':44} {'pages':>5} {'plumber s':>9} {'check s':>8} {'ratio':>6} {'floor s':>8} {'floor×':>6} "
              f"{'check MB':>8}")
    print(header)
    print("-" * len(header))
    rows = []
    for path in paths:
        theirs, _ = best([sys.executable, "-c", PLUMBER, str(path)], args.runs)
        ours, mem = best([*yusuan, str(path)], args.runs)
        floor, _ = best([sys.executable, "-c", FLOOR, str(path)], args.runs)
        n = pages(path)
        rows.append((path.name, n, theirs, ours, floor, mem))
        print(f"{path.name[:44]:44} {n:5d} {theirs:9.2f} {ours:8.2f} {ours / theirs:6.2f} {floor:8.2f} "
              f"{floor / theirs:6.2f} {mem:8.0f}", flush=True)
    print("-" * len(header))
    ratios = [r[3] / r[2] for r in rows]
    floors = [r[4] / r[2] for r in rows]
    largest = max(rows, key=lambda r: r[1])
    print(f"median check / extract_text: {statistics.median(ratios):.2f}× (target ≤ 0.4×); "
          f"PDFium floor {statistics.median(floors):.2f}×")
    print(f"worst check / extract_text: {max(ratios):.2f}× (target ≤ 0.8×), {rows[ratios.index(max(ratios))][0]}")
    print(f"largest ({largest[0]}, {largest[1]} pages): {largest[3] / largest[2]:.2f}× (target ≤ 0.3×), "
          f"floor {largest[4] / largest[2]:.2f}×")
    print(f"peak memory of a check: {max(r[5] for r in rows):.0f} MB (target < 300 MB)")
    print(f"total: extract_text {sum(r[2] for r in rows):.1f} s, check {sum(r[3] for r in rows):.1f} s, "
          f"floor {sum(r[4] for r in rows):.1f} s")


if __name__ == "__main__":
    main()
