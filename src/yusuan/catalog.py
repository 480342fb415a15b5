"""The government expenditure classification catalogs (政府收支分类科目), as observed in
published documents of 2022 and 2024–2026 (data/catalog/SOURCE.md says how and how far).

A lookup uses the document's year, else the nearest year that knows the code, and says which."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from yusuan.model.numbers import squash

Classification = Literal["functional", "economic_department", "economic_government"]
LABELS = {"functional": "支出功能分类", "economic_department": "部门预算支出经济分类",
          "economic_government": "政府预算支出经济分类"}
LEVELS = {1: "类", 2: "款", 3: "项"}
_FILE = re.compile(r"^(functional|economic_department|economic_government)_(\d{4})\.csv$")


@dataclass(frozen=True)
class Entry:
    code: str
    name: str
    level: int
    classification: Classification
    year: int  # the catalog year the entry was found in
    n_docs: int


def classify(code: str) -> Classification | None:
    """Which classification a code's shape belongs to, or None when it is malformed."""
    if not re.fullmatch(r"\d{3}(\d{2}){0,2}", code):
        return None
    head = int(code[:3])
    if 201 <= head <= 299:
        return "functional"
    # economic codes have two levels nationally; a region may print its own third (3010201 under 30102)
    if 301 <= head <= 399:
        return "economic_department"
    if 501 <= head <= 599:
        return "economic_government"
    return None


@cache
def _years() -> dict[str, list[int]]:
    years: dict[str, list[int]] = {}
    for item in resources.files("yusuan.data.catalog").iterdir():
        m = _FILE.match(item.name)
        if m:
            years.setdefault(m[1], []).append(int(m[2]))
    return {k: sorted(v) for k, v in years.items()}


@cache
def _load(classification: str, year: int) -> dict[str, Entry]:
    path = resources.files("yusuan.data.catalog").joinpath(f"{classification}_{year}.csv")
    with path.open(encoding="utf-8") as f:
        return {
            r["code"]: Entry(code=r["code"], name=r["name"], level=int(r["level"]),
                             classification=classification, year=year,  # type: ignore[arg-type]
                             n_docs=int(r["n_docs"] or 0))
            for r in csv.DictReader(f)
        }


def years_by_nearness(classification: str, year: int | None) -> list[int]:
    years = _years().get(classification, [])
    if year is None:
        return sorted(years, reverse=True)
    return sorted(years, key=lambda y: (abs(y - year), -y))


def entries(classification: Classification, year: int) -> list[Entry]:
    """Every code one catalog year lists."""
    return list(_load(classification, year).values())


def lookup(code: str, year: int | None = None) -> Entry | None:
    """The entry for a code, from the nearest catalog year that knows it."""
    classification = classify(code)
    if classification is None:
        return None
    for y in years_by_nearness(classification, year):
        entry = _load(classification, y).get(code)
        if entry:
            return entry
    return None


def local_parent(code: str, year: int | None = None) -> Entry | None:
    """The national 款 a region's own economic sub-code stands under (30102 for 重庆's 3010201), when it is one."""
    kind = classify(code)
    return lookup(code[:5], year) if kind is not None and kind != "functional" and len(code) > 5 else None


def parents(code: str, year: int | None = None) -> list[Entry]:
    return [e for c in (code[:3], code[:5]) if len(c) < len(code) and (e := lookup(c, year))]


def names_match(printed: str, catalog_name: str) -> bool:
    a, b = squash(printed), squash(catalog_name)
    return a == b or a.replace("（", "(").replace("）", ")") == b.replace("（", "(").replace("）", ")")


def find_by_name(name: str, classification: Classification, year: int | None = None,
                 level: int | None = None) -> list[Entry]:
    """Codes whose catalog name is the printed name: how a misfiled code is put right."""
    found: dict[str, Entry] = {}
    for y in years_by_nearness(classification, year):
        for entry in _load(classification, y).values():
            if names_match(name, entry.name) and (level is None or entry.level == level):
                found.setdefault(entry.code, entry)
    return list(found.values())
