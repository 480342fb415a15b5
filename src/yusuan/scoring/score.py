"""A disclosure's score under a method: each item checked on the model and the check's findings, its points
and why; the total out of the items that apply; and what of it blocks publication under a policy."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel

from yusuan.scoring.items import CHECKS, Facts, Outcome, Timing
from yusuan.scoring.method import Method, load_method, matches

if TYPE_CHECKING:
    from yusuan.check.findings import Finding
    from yusuan.model import Disclosure

CENT = Decimal("0.01")
STATUS_NAMES = {"pass": "符合", "partial": "部分符合", "fail": "不符合", "not_applicable": "不适用"}
Status = Literal["pass", "partial", "fail", "not_applicable"]


class ItemScore(BaseModel):
    id: str
    name: str
    dimension: str
    status: Status
    points: Decimal  # earned
    possible: Decimal  # the item's points; 0 when it does not apply
    basis: str  # the source clause
    requirement: str
    explanation: str  # why, in Chinese
    findings: list[str]  # ids of the check's findings it rests on (F3 …)


class DimensionScore(BaseModel):
    id: str
    name: str
    points: Decimal
    possible: Decimal


class Score(BaseModel):
    """`score` is out of 100 over the items that apply: `points` of `possible`."""

    method: str
    title: str
    document: dict
    score: Decimal
    points: Decimal
    possible: Decimal
    dimensions: list[DimensionScore]
    items: list[ItemScore]

    def failed(self) -> list[ItemScore]:
        return [i for i in self.items if i.status in ("fail", "partial")]


def score(disclosure: Disclosure, findings: list[Finding], method: Method | None = None,
          timing: Timing | None = None) -> Score:
    """The score of a disclosure: `findings` are those that stand (a reviewer's dismissals left out)."""
    method = method or load_method()
    timing = timing or Timing(deadline_days=method.deadline_days)
    facts = Facts.of(disclosure, findings, timing)
    kind = disclosure.document.kind
    items = []
    for item in method.items:
        if kind not in item.kinds:
            outcome = Outcome(None, f"只适用于{'、'.join('决算' if k == 'final' else '预算' for k in item.kinds)}")
        else:
            outcome = CHECKS[item.check](facts, item)
        applies = outcome.earned is not None
        earned = min(max(outcome.earned, Decimal(0)), Decimal(1)) if applies else Decimal(0)  # type: ignore[type-var]
        status: Status = ("not_applicable" if not applies else "pass" if earned == 1 else "fail" if earned == 0
                          else "partial")
        items.append(ItemScore(id=item.id, name=item.name, dimension=item.dimension, status=status,
                               points=(item.points * earned).quantize(CENT),
                               possible=(item.points if applies else Decimal(0)).quantize(CENT),
                               basis=item.basis, requirement=item.requirement, explanation=outcome.explanation,
                               findings=outcome.findings))
    points = sum((i.points for i in items), Decimal(0))
    possible = sum((i.possible for i in items), Decimal(0)).quantize(CENT)
    dimensions = [DimensionScore(id=key, name=name, points=sum((i.points for i in items if i.dimension == key), CENT * 0),
                                 possible=sum((i.possible for i in items if i.dimension == key), CENT * 0))
                  for key, name in method.dimensions.items()]
    doc = disclosure.document
    return Score(method=method.name, title=method.title,
                 document={"unit": doc.unit, "year": doc.year, "kind": doc.kind, "scope": doc.scope},
                 score=(points * 100 / possible).quantize(Decimal("0.1")) if possible else Decimal(0),
                 points=points, possible=possible, dimensions=dimensions, items=items)


@dataclass(frozen=True)
class Policy:
    """What blocks publication: check rules by pattern, score items by id; the rest only warns. Findings of
    `said_by_items` (what content is missing) count as the items that say it, not again."""

    fatal_rules: tuple[str, ...]
    fatal_items: tuple[str, ...]
    said_by_items: tuple[str, ...] = ()

    @classmethod
    def of(cls, method: Method, rules: tuple[str, ...] | None = None, items: tuple[str, ...] | None = None) -> Policy:
        """The method's policy, or a bureau's own rules and items under the method."""
        return cls(method.fatal_rules if rules is None else rules, method.fatal_items if items is None else items,
                   method.said_by_items)

    def lists(self, finding: Finding) -> bool:
        """Whether a finding is a problem of its own: an error, of the mistake it is (not one it follows
        from), and not content an item already says is missing."""
        return finding.severity == "error" and finding.caused_by is None and not matches(finding.rule, self.said_by_items)

    def blocks_rule(self, rule: str) -> bool:
        return matches(rule, self.fatal_rules)

    def blocks(self, finding: Finding) -> bool:
        return finding.severity == "error" and self.blocks_rule(finding.rule)

    def blocking(self, findings: list[Finding], scored: Score | None) -> tuple[list[str], list[str]]:
        """What blocks (error findings of fatal rules, fatal items failed) and what warns (the other errors and
        items not met), each as a line: `F3 cross.income_vs_expense` or `tables.required 公开表齐全`."""
        blocking, warning = [], []
        for f in findings:
            if self.lists(f):
                (blocking if self.blocks(f) else warning).append(f"{f.id} {f.rule}")
        for item in scored.failed() if scored else []:
            (blocking if item.id in self.fatal_items else warning).append(f"{item.id} {item.name}")
        return blocking, warning
