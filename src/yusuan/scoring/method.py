"""A scoring method as data (data/scoring/*.toml): its items with their points, source clauses and the
check rules that bear on each, and what blocks publication."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from yusuan.errors import YusuanError

DEFAULT = "default"
KINDS = ("budget", "final")


@dataclass(frozen=True)
class Item:
    id: str
    dimension: str
    name: str
    check: str
    points: Decimal
    basis: str  # the source clause: 《中华人民共和国预算法》第十四条第二款
    requirement: str  # what it asks, in its words
    kinds: tuple[str, ...] = KINDS
    rules: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def claims(self, rule: str) -> bool:
        """Whether a finding of this check rule bears on the item."""
        return matches(rule, self.rules)


@dataclass(frozen=True)
class Method:
    name: str
    title: str
    deadline_days: int
    dimensions: dict[str, str]  # id → 完整性 …, in order
    items: tuple[Item, ...]
    fatal_rules: tuple[str, ...]
    fatal_items: tuple[str, ...]
    notice_days: int
    basis: str  # cited for a finding no item claims
    requirement: str
    said_by_items: tuple[str, ...] = ()  # rules whose findings the items say (what content is missing)

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)

    def basis_of(self, rule: str) -> tuple[str, str]:
        """The clause a finding of this rule breaks, and what it asks: the first item claiming the rule's."""
        item = next((i for i in self.items if i.claims(rule)), None)
        return (item.basis, item.requirement) if item else (self.basis, self.requirement)


def matches(rule: str, patterns: tuple[str, ...] | list[str]) -> bool:
    """A rule id against patterns: `cross.*` is every rule of that family, anything else one rule."""
    return any(rule == p or (p.endswith("*") and rule.startswith(p[:-1])) for p in patterns)


def builtin_methods() -> list[str]:
    return sorted(p.name.removesuffix(".toml") for p in resources.files("yusuan.data.scoring").iterdir()
                  if p.name.endswith(".toml"))


def load_method(name: str | Path | None = None) -> Method:
    """A method by its name (data/scoring/NAME.toml) or a file of one; YusuanError when it cannot be used."""
    if name is None or (isinstance(name, str) and name in builtin_methods()):
        return _builtin(name or DEFAULT)
    path = Path(name)
    if not path.is_file():
        raise YusuanError(f"没有这个评分方法（可选 {'、'.join(builtin_methods())}，或给出 .toml 文件）", file=str(name))
    try:
        return parse_method(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise YusuanError(f"评分方法文件无法读取：{error}", file=str(path)) from error
    except YusuanError as error:
        raise YusuanError(str(error), file=str(path)) from error


@cache
def _builtin(name: str) -> Method:
    return parse_method(resources.files("yusuan.data.scoring").joinpath(f"{name}.toml").read_text("utf-8"))


def parse_method(text: str) -> Method:
    from yusuan.scoring.items import CHECKS

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise YusuanError(f"评分方法不是有效的 TOML：{error}") from error
    try:
        dimensions = dict(data["dimensions"])
        items = []
        for spec in data["item"]:
            item = Item(id=spec["id"], dimension=spec["dimension"], name=spec["name"], check=spec["check"],
                        points=Decimal(str(spec["points"])), basis=spec["basis"], requirement=spec["requirement"],
                        kinds=tuple(spec.get("kinds", KINDS)), rules=tuple(spec.get("rules", ())),
                        params=dict(spec.get("params", {})))
            if item.check not in CHECKS:
                raise YusuanError(f"评分项 {item.id} 的 check “{item.check}” 不存在（可选 {'、'.join(sorted(CHECKS))}）")
            if item.dimension not in dimensions:
                raise YusuanError(f"评分项 {item.id} 的维度 {item.dimension} 未在 [dimensions] 中列出")
            if item.points < 0 or set(item.kinds) - set(KINDS):
                raise YusuanError(f"评分项 {item.id}：分值不能为负，kinds 只能是 budget、final")
            items.append(item)
        ids = [i.id for i in items]
        if len(set(ids)) != len(ids):
            raise YusuanError("评分项的 id 有重复")
        triage, notice = data.get("triage", {}), data.get("notice", {})
        unknown = set(triage.get("fatal_items", ())) - set(ids)
        if unknown:
            raise YusuanError(f"[triage] fatal_items 提到了不存在的评分项：{'、'.join(sorted(unknown))}")
        return Method(name=data["name"], title=data["title"], deadline_days=int(data.get("deadline_days", 20)),
                      dimensions=dimensions, items=tuple(items), fatal_rules=tuple(triage.get("fatal_rules", ())),
                      fatal_items=tuple(triage.get("fatal_items", ())), notice_days=int(notice.get("days", 10)),
                      basis=notice.get("basis", ""), requirement=notice.get("requirement", ""),
                      said_by_items=tuple(notice.get("said_by_items", ())))
    except KeyError as error:
        raise YusuanError(f"评分方法缺少 {error.args[0]}") from error
    except (InvalidOperation, TypeError, ValueError) as error:
        raise YusuanError(f"评分方法中的数值无效：{error}") from error
