"""Rules are data (data/rules.toml); settings (yusuan.toml and CLI flags) adjust them."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from yusuan.errors import YusuanError


@dataclass(frozen=True)
class Rule:
    id: str
    name: str  # short, in Chinese: what a person reads where the id stands
    family: str
    severity: str
    description: str
    tolerance: Decimal = Decimal("0")
    kinds: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass
class Settings:
    """What a reviewer may tune. Tolerances are in the unit of the figures compared."""

    tolerance: Decimal = Decimal("0")  # default for every rule without its own
    weight_total: Decimal = Decimal("100")
    weight_conventions: tuple[Decimal, ...] = (Decimal("90"),)  # 90 + 10 for 预算执行率
    severity: dict[str, str] = field(default_factory=dict)
    rule_tolerance: dict[str, Decimal] = field(default_factory=dict)
    # how unlikely a change is, per cell: a narrative claim or a total is a likelier culprit than a
    # cell; the cells of a row a table lacks are one omission, not many errors
    # a cell printed blank is less likely wrong than one printed with a figure
    weights: dict[str, float] = field(
        default_factory=lambda: {"cell": 1.0, "total": 0.9, "narrative": 0.8, "missing_row": 0.2, "blank": 1.5})

    def to_dict(self) -> dict[str, Any]:
        return {"tolerance": str(self.tolerance),
                "weight_total": str(self.weight_total),
                "weight_conventions": [str(w) for w in self.weight_conventions],
                "severity": self.severity, "rule_tolerance": {k: str(v) for k, v in self.rule_tolerance.items()}}


@cache
def _data() -> dict[str, Any]:
    return tomllib.loads(resources.files("yusuan.data").joinpath("rules.toml").read_text("utf-8"))


@cache
def _load_rules() -> tuple[Rule, ...]:
    rules = []
    for spec in _data()["rule"]:
        spec = dict(spec)
        rules.append(Rule(
            id=spec.pop("id"), name=spec.pop("name"), family=spec.pop("family"), severity=spec.pop("severity"),
            description=spec.pop("description"), tolerance=Decimal(spec.pop("tolerance", "0")),
            kinds=tuple(spec.pop("kinds", ())), params=spec,
        ))
    return tuple(rules)


def family_name(family: str) -> str:
    """A rule family's Chinese name."""
    return _data()["family"].get(family, family)


def rule_name(rule_id: str) -> str:
    """The rule's Chinese name; its id for a rule this version no longer has (a finding stored long ago)."""
    rule = next((r for r in _load_rules() if r.id == rule_id), None)
    return rule.name if rule else rule_id


def rules(settings: Settings | None = None) -> dict[str, Rule]:
    settings = settings or Settings()
    out = {}
    for rule in _load_rules():
        tolerance = settings.rule_tolerance.get(rule.id, max(rule.tolerance, settings.tolerance))
        out[rule.id] = replace(rule, severity=settings.severity.get(rule.id, rule.severity), tolerance=tolerance)
    return out


def load_settings(path: Path | None) -> Settings:
    """Read yusuan.toml: [check] tolerance, weight_total, weight_conventions;
    [severity] rule = "error"|"warning"|"info"; [tolerance] rule = "0.01"."""
    settings = Settings()
    if path is None:
        default = Path("yusuan.toml")
        if not default.is_file():
            return settings
        path = default
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise YusuanError(f"设置文件无法读取：{exc}", file=str(path)) from exc
    check = data.get("check", {})
    if "rounding" in check:
        raise YusuanError("[check] rounding 已不再使用：尾差按所印数字的小数位判断（印到分的数可差半分），"
                          "请删去这一项", file=str(path))
    known = {r.id for r in _load_rules()}
    try:
        if "tolerance" in check:
            settings.tolerance = Decimal(str(check["tolerance"]))
        if "weight_total" in check:
            settings.weight_total = Decimal(str(check["weight_total"]))
        if "weight_conventions" in check:
            settings.weight_conventions = tuple(Decimal(str(w)) for w in check["weight_conventions"])
        for rule_id, value in data.get("tolerance", {}).items():
            settings.rule_tolerance[rule_id] = Decimal(str(value))
    except ArithmeticError as exc:
        raise YusuanError(f"设置文件中的数值无效：{exc}", file=str(path)) from exc
    for rule_id, severity in data.get("severity", {}).items():
        if severity not in ("error", "warning", "info"):
            raise YusuanError(f"[severity] {rule_id} 的级别应为 error、warning 或 info，而不是 {severity!r}",
                              file=str(path))
        settings.severity[rule_id] = severity
    unknown = (set(settings.severity) | set(settings.rule_tolerance)) - known
    if unknown:
        raise YusuanError(f"设置文件提到了不存在的规则：{', '.join(sorted(unknown))}", file=str(path))
    return settings
