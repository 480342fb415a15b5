"""The table-kind registry (data/tables.toml): recognise a table by its title and name its
columns by the meaning of their headers."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from yusuan.model.numbers import squash


@dataclass(frozen=True)
class ColumnPattern:
    key: str
    leaf: re.Pattern[str]
    under: re.Pattern[str] | None
    amount: bool
    part: bool = True  # false: a memo column no total adds in

    def matches(self, path: list[str]) -> bool:
        if not path or not self.leaf.search(path[-1]):
            return False
        return self.under is None or any(self.under.search(p) for p in path[:-1])


@dataclass(frozen=True)
class TableKind:
    id: str
    name: str
    titles: tuple[str, ...]
    rows: str
    required: bool
    required_final: bool
    counts_as: tuple[str, ...]
    columns: tuple[ColumnPattern, ...]
    subject: str | None = None  # what it holds, for a narrative saying there is none of it
    inline: bool = False  # printed inside the narrative, which goes on after it


def _pattern(spec: dict) -> ColumnPattern:
    under = spec.get("under")
    return ColumnPattern(
        key=spec["key"],
        leaf=re.compile(spec["leaf"]),
        under=re.compile(under) if under else None,
        amount=spec.get("amount", True),
        part=spec.get("part", True),
    )


@dataclass(frozen=True)
class Registry:
    kinds: tuple[TableKind, ...]
    columns: tuple[ColumnPattern, ...]

    def kind(self, kind_id: str) -> TableKind:
        return next(k for k in self.kinds if k.id == kind_id)

    def recognise_title(self, title: str) -> TableKind | None:
        """The kind whose alias is the longest substring of the title."""
        text = _parens(squash(title).replace('"', "“"))
        best: tuple[int, TableKind] | None = None
        for kind in self.kinds:
            for alias in kind.titles:
                if alias in text and (best is None or len(alias) > best[0]):
                    best = (len(alias), kind)
        return best[1] if best else None

    def column_for(self, kind: TableKind | None, path: list[str]) -> ColumnPattern | None:
        path = [_OF_WHICH.sub("", squash(p)) for p in path if squash(p)]
        for pattern in (*(kind.columns if kind else ()), *self.columns):
            if pattern.matches(path):
                return pattern
        return None


_OF_WHICH = re.compile(r"^其中[:：]")  # `其中：基本支出` is the column 基本支出


def _parens(text: str) -> str:
    """Full-width and ASCII parentheses are one: `(按功能分类)` = `（按功能分类）`."""
    return text.replace("（", "(").replace("）", ")")


@cache
def registry() -> Registry:
    data = tomllib.loads(resources.files("yusuan.data").joinpath("tables.toml").read_text("utf-8"))
    kinds = tuple(
        TableKind(
            id=k["id"],
            name=k["name"],
            titles=tuple(_parens(squash(t)) for t in k["titles"]),
            rows=k["rows"],
            required=k.get("required", False),
            required_final=k.get("required_final", k.get("required", False)),
            counts_as=tuple(k.get("counts_as", ())),
            columns=tuple(_pattern(c) for c in k.get("columns", [])),
            subject=k.get("subject"),
            inline=k.get("inline", False),
        )
        for k in data["kind"]
    )
    return Registry(kinds=kinds, columns=tuple(_pattern(c) for c in data["column"]))
