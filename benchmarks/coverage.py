"""How much of each corpus document yusuan reads, against the hand-written answer key
(tests/fixtures/corpus/manifest): tables read with the right kind, performance-target tables
read, narrative sections found, per document and in total, and what was missed.

    python benchmarks/coverage.py [--missed] [NAME ...]

The totals are of the real disclosures; a negative (a file that is no complete disclosure) is
listed apart, with what yusuan said of it: refused as what it is, or read without tables."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))

from corpus import CORPUS, Coverage, coverage, documents, is_negative, percent
from yusuan.errors import YusuanError
from yusuan.read import read


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="corpus files (default: all)")
    parser.add_argument("--missed", action="store_true", help="list what was not read")
    args = parser.parse_args()
    names = [n for n in documents() if not args.names or any(a in n for a in args.names)]
    total = Coverage()
    refused: list[str] = []
    negatives: list[str] = []
    print(f"{'document':44} {'tables':>9} {'targets':>9} {'sections':>9} {'s':>5}")
    for name in names:
        start = time.perf_counter()
        try:
            d = read(CORPUS / name)
            note = ""
        except YusuanError as error:
            d, note = None, str(error).split(": ", 1)[-1]
        seconds = time.perf_counter() - start
        cov = coverage(name, d)
        if is_negative(name):
            said = f"拒绝：{note}" if d is None else f"读作说明，公开表 {len(d.tables)} 张"
            negatives.append(f"{name[:44]:44} {said[:60]}")
            continue
        if d is None:
            refused.append(name)
        total += cov
        print(f"{name[:44]:44} {cov.tables_read:>4}/{cov.tables:<4} {cov.targets_read:>4}/{cov.targets:<4} "
              f"{cov.sections_found:>4}/{cov.sections:<4} {seconds:5.1f}" + (f"  拒绝：{note[:40]}" if note else ""))
        if args.missed:
            for miss in cov.missed:
                print(f"      {miss[:110]}")
    print(f"{'total':44} {total.tables_read:>4}/{total.tables:<4} {total.targets_read:>4}/{total.targets:<4} "
          f"{total.sections_found:>4}/{total.sections:<4}")
    print(f"{'':44} {percent(total.tables_read, total.tables):>9} {percent(total.targets_read, total.targets):>9} "
          f"{percent(total.sections_found, total.sections):>9}")
    print("\nnegatives (no disclosure; not in the totals):")
    for line in negatives:
        print(f"  {line}")
    print(f"real disclosures refused: {len(refused)}" + (f" ({', '.join(refused)})" if refused else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
