"""Precision of the errors yusuan reports on the corpus, against the findings ledger
(tests/fixtures/corpus/ledger: a verdict, checked on the page, for every error): errors reported,
real, precision per rule and per document, and the real defects found.

    python benchmarks/precision.py [NAME ...]"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))

from corpus import documents, is_negative, judge, ledger, percent, report
from yusuan.errors import YusuanError


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="corpus files (default: all)")
    args = parser.parse_args()
    names = [n for n in documents() if not is_negative(n) and (not args.names or any(a in n for a in args.names))]
    by_rule: dict[str, Counter] = {}
    total, found, known = Counter(), 0, 0
    print(f"{'document':46} {'errors':>6} {'real':>5} {'false':>5} {'open':>5} {'precision':>9}")
    for name in names:
        try:
            findings = report(name).findings
        except YusuanError as error:
            print(f"{name[:46]:46} 拒绝：{error}")
            continue
        judged = judge(name, findings)
        real = len(judged.real)
        known += sum(e["verdict"] == "real" for e in ledger(name))
        found += real
        for bucket, items in (("real", judged.real), ("false", judged.false), ("open", judged.unreviewed)):
            for key, _ in items:
                by_rule.setdefault(key[0], Counter())[bucket] += 1
                total[bucket] += 1
        errors = len(judged.reported)
        print(f"{name[:46]:46} {errors:>6} {real:>5} {len(judged.false):>5} {len(judged.unreviewed):>5} "
              f"{percent(real, errors):>9}")
    print()
    print(f"{'rule':46} {'errors':>6} {'real':>5} {'false':>5} {'open':>5} {'precision':>9}")
    for rule, c in sorted(by_rule.items()):
        errors = sum(c.values())
        print(f"{rule:46} {errors:>6} {c['real']:>5} {c['false']:>5} {c['open']:>5} {percent(c['real'], errors):>9}")
    errors = sum(total.values())
    print(f"{'total':46} {errors:>6} {total['real']:>5} {total['false']:>5} {total['open']:>5} "
          f"{percent(total['real'], errors):>9}")
    print(f"real defects in the ledger still found: {found} of {known}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
