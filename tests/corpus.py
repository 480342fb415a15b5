"""The corpus and its answer key (fixtures/corpus/manifest/*.toml, written by hand from the pages):
what each document contains, and how much of it yusuan read. Used by the corpus tests and by
benchmarks/coverage.py."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cache
from pathlib import Path

from yusuan.model import Disclosure
from yusuan.model.numbers import squash

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
MANIFEST = CORPUS / "manifest"


def documents() -> list[str]:
    """Every corpus PDF, by file name."""
    return sorted(p.name for p in CORPUS.glob("*.pdf"))


@cache
def manifest(name: str) -> dict:
    return tomllib.loads((MANIFEST / f"{Path(name).stem}.toml").read_text("utf-8"))


def is_negative(name: str) -> bool:
    return manifest(name)["document"]["kind"] == "negative"


def _pages(entry: dict) -> range:
    return range(entry["page"], entry.get("last_page", entry["page"]) + 1)


def _similar(a: str, b: str) -> float:
    return SequenceMatcher(None, squash(a), squash(b)).ratio()


def percent(a: int, b: int) -> str:
    """`a` of `b` as the benchmarks print it, a dash when there is nothing to count."""
    return f"{100 * a / b:5.1f}%" if b else "    –"


@dataclass
class Coverage:
    """What of one document's manifest yusuan read (or of many, added up): counts, and what it missed."""

    name: str = ""
    tables: int = 0
    tables_read: int = 0
    targets: int = 0
    targets_read: int = 0
    sections: int = 0
    sections_found: int = 0
    missed: list[str] = field(default_factory=list)

    def __iadd__(self, other: Coverage) -> Coverage:
        for name in ("tables", "tables_read", "targets", "targets_read", "sections", "sections_found"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.missed += [f"{other.name} {m}" for m in other.missed]
        return self


def coverage(name: str, d: Disclosure | None) -> Coverage:
    """A table is read when a table of its kind starts on one of its pages; a target table when a
    target is read from its pages (a list of projects: when 95 % of its projects are); a section
    when a section of its topic is found on its page or the next."""
    m = manifest(name)
    out = Coverage(name=name)
    tables = list(d.tables) if d else []
    for entry in m.get("table", []):
        out.tables += 1
        hit = next((t for t in tables if t.kind == entry["kind"] and t.source and t.source.page in _pages(entry)), None)
        if hit is not None:
            tables.remove(hit)
            out.tables_read += 1
        else:
            out.missed.append(f"表 p{entry['page']} {entry['kind']} {entry.get('number', '')}{entry['title']}")
    targets = list(d.performance_targets) if d else []
    for entry in m.get("target", []):
        out.targets += 1
        on_pages = [t for t in targets if t.source and t.source.page in _pages(entry)]
        if entry["form"] == "list":
            read = len(on_pages) >= 0.95 * entry.get("projects", 1)
            taken = on_pages
        else:
            best = max(on_pages, key=lambda t: _similar(t.project, entry.get("project", "")), default=None)
            read = best is not None
            taken = [best] if best else []
        for t in taken:
            targets.remove(t)
        if read:
            out.targets_read += 1
        else:
            out.missed.append(f"绩效 p{entry['page']} {entry['form']} {entry.get('project', '')} "
                              f"({len(on_pages)}/{entry.get('projects', 1)})")
    sections = list(d.narrative.sections) if d else []
    for entry in m.get("section", []):
        out.sections += 1
        pages = (entry["page"], entry["page"] + 1)
        hit = next((s for s in sections if s.topic == entry["id"] and s.source and s.source.page in pages), None)
        if hit is not None:
            sections.remove(hit)
            out.sections_found += 1
        else:
            out.missed.append(f"节 p{entry['page']} {entry['id']} {entry['title']}")
    return out


# ---------------------------------------------------------------------------- the findings ledger

LEDGER = CORPUS / "ledger"


def finding_key(finding) -> tuple[str, str, str, str, str]:
    """What names an error across runs: its rule, where it first points, and its two figures."""
    loc = finding.locations[0] if finding.locations else None
    place = (loc.table or loc.kind or "") if loc else ""
    return (finding.rule, place, (loc.row or "") if loc else "",
            "" if finding.stated is None else str(finding.stated), "" if finding.expected is None else str(finding.expected))


def entry_key(entry: dict) -> tuple[str, str, str, str, str]:
    return (entry["rule"], entry.get("table", ""), entry.get("row", ""), entry.get("stated", ""), entry.get("expected", ""))


@cache
def ledger(name: str) -> list[dict]:
    """The reviewed verdict on every error yusuan reports on a corpus document (fixtures/corpus/ledger)."""
    path = LEDGER / f"{Path(name).stem}.toml"
    return tomllib.loads(path.read_text("utf-8")).get("error", []) if path.exists() else []


@cache
def disclosure(name: str) -> Disclosure:
    """A corpus document as read (once per test session: several test modules look at each)."""
    from yusuan.read import read

    return read(CORPUS / name)


@cache
def report(name: str):
    from yusuan.check.engine import check

    return check(disclosure(name))


@dataclass
class Judged:
    """One document's errors against its ledger."""

    reported: list = field(default_factory=list)  # (key, finding) of every error reported
    real: list = field(default_factory=list)
    false: list = field(default_factory=list)  # reported although the ledger says it is yusuan's mistake
    unreviewed: list = field(default_factory=list)  # reported, no verdict yet
    missed: list = field(default_factory=list)  # real verdicts no longer reported


def judge(name: str, findings) -> Judged:
    verdicts = {entry_key(e): e for e in ledger(name)}
    out = Judged()
    seen = set()
    for f in findings:
        if f.severity != "error":
            continue
        key = finding_key(f)
        seen.add(key)
        out.reported.append((key, f))
        entry = verdicts.get(key)
        (out.unreviewed if entry is None else out.real if entry["verdict"] == "real" else out.false).append((key, f))
    out.missed = [e for k, e in verdicts.items() if e["verdict"] == "real" and k not in seen]
    return out
