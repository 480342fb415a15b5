"""Batch throughput: a corpus of documents in mixed formats (Word, Excel, HTML, PDF) built from
variations of examples/small-unit-budget.yaml (amounts rescaled, a wrong figure printed in every
third), checked with `--jobs 1` and `--jobs 2`: documents per second, the speed-up (target
≥ 1.8× on two cores) and the peak memory of each worker process.

    python benchmarks/batch.py [--documents 200] [--corpus DIR] [--repeat 2]

The corpus is built once (PDFs take seconds each) and cached in the temp directory; `--corpus DIR` checks
the files of DIR instead (the real PDFs of tests/fixtures/corpus, say), building nothing into it."""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from pathlib import Path

EXAMPLE = Path(__file__).parent.parent / "examples" / "small-unit-budget.yaml"
FORMATS = ["html", "docx", "xlsx", "html", "docx", "pdf", "xlsx", "html", "docx", "pdf"]  # 3:3:2:2


def make_document(n: int, folder: str) -> str:
    """Document n of the corpus: the example budget with its amounts rescaled, rendered in format n."""
    from yusuan.budget.io import load_budget
    from yusuan.build.document import build
    from yusuan.render.docx import render_docx
    from yusuan.render.html import render_html
    from yusuan.render.pdf import render_pdf
    from yusuan.render.xlsx import render_xlsx

    rng = random.Random(n)
    budget, _ = load_budget(EXAMPLE)
    lines = [line.model_copy(update={"amount": max(Decimal("0.01"), (line.amount * Decimal(rng.uniform(0.5, 2.0)))
                                                   .quantize(Decimal("0.01")))}) for line in budget.lines]
    budget = budget.model_copy(update={"lines": lines,
                                       "unit": budget.unit.model_copy(update={"name": f"示例县档案馆{n:03d}"})})
    disclosure = build(budget)
    if n % 3 == 0:  # a figure printed wrong: findings and error localisation to do
        table = next(t for t in disclosure.tables if t.kind == "gpb_expense" and t.coded_rows())
        row = rng.choice(table.coded_rows())
        key = next(k for k, v in row.values.items() if v)
        row.raw[key] = f"{row.values[key] + Decimal('1.00'):.2f}"
    fmt = FORMATS[n % len(FORMATS)]
    render = {"html": lambda d: render_html(d).encode("utf-8"), "docx": render_docx, "xlsx": render_xlsx,
              "pdf": render_pdf}[fmt]
    path = Path(folder) / f"{n:03d}-{budget.unit.name}.{fmt}"
    path.write_bytes(render(disclosure))
    return str(path)


def corpus(documents: int, folder: Path) -> list[str]:
    """The documents, built into `folder` unless it holds them already (a hidden marker says so)."""
    done = folder / ".complete"
    if not (done.exists() and done.read_text() == str(documents)):
        build_corpus(documents, folder)
    return sorted(str(p) for p in folder.iterdir() if not p.name.startswith("."))


def build_corpus(documents: int, folder: Path) -> None:
    done = folder / ".complete"
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with ProcessPoolExecutor() as pool:
        list(pool.map(make_document, range(documents), [str(folder)] * documents))
    done.write_text(str(documents))
    print(f"built {documents} documents in {time.perf_counter() - started:.0f} s into {folder}")


def main() -> None:
    from yusuan.batch.run import run_batch
    from yusuan.check.rules import Settings

    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=200)
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    if args.corpus:  # a folder of the user's: its files as they are, nothing built into it
        paths = sorted(str(p) for p in args.corpus.iterdir() if p.is_file() and not p.name.startswith("."))
    else:
        paths = corpus(args.documents, Path(tempfile.gettempdir()) / f"yusuan-batch-corpus-{args.documents}")
    formats = Counter(Path(p).suffix[1:] for p in paths)
    print(f"corpus: {len(paths)} documents ({', '.join(f'{n} {f}' for f, n in sorted(formats.items()))})")
    best: dict[int, float] = {}
    peaks: dict[int, list[float]] = {}
    with tempfile.TemporaryDirectory() as results:
        for run in range(args.repeat):  # alternated, best of each: this machine's speed wanders
            for jobs in (1, 2):
                out = Path(results) / f"jobs{jobs}.json"
                result = run_batch(paths, Settings(), jobs=jobs, out=out, force=True)
                statuses = ", ".join(f"{n} {s}" for s, n in sorted(result.statuses.items()))
                print(f"  run {run + 1}, --jobs {jobs}: {result.elapsed:.1f} s ({statuses})")
                best[jobs] = min(best.get(jobs, float("inf")), result.elapsed)
                peaks[jobs] = [max(a, b) for a, b in zip(peaks.get(jobs, [0.0] * jobs), result.peaks_mb, strict=True)]
                if jobs == 1 and run == 0:
                    times: dict[str, list[float]] = {}
                    for doc in json.loads(out.read_text("utf-8"))["documents"]:
                        if doc["seconds"] is None:  # refused: no time to speak of
                            continue
                        times.setdefault(Path(doc["path"]).suffix[1:], []).append(doc["seconds"])
                    print("  median seconds per document: " + ", ".join(
                        f"{fmt} {statistics.median(t):.2f}" for fmt, t in sorted(times.items())))
    for jobs in (1, 2):
        print(f"--jobs {jobs}: {len(paths) / best[jobs]:.2f} documents/s (best {best[jobs]:.1f} s, worker start included); "
              f"peak memory per worker: {', '.join(f'{p:.0f} MB' for p in peaks[jobs])}")
    print(f"speed-up --jobs 2 / --jobs 1: {best[1] / best[2]:.2f}× (target ≥ 1.8×)")
    print(f"parent process peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
