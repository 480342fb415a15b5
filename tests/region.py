"""A region for the review season's tests and benchmark: units whose budgets are variations of
examples/small-unit-budget.yaml (amounts rescaled, projects renamed), some flawed on purpose (a figure
printed wrong, a table, the glossary, the performance targets or the 三公 reasons left out), some
published late, some not at all, one taken back, one changed after publication; stored through the
intake, with the list (名单) that says when each was approved and what the bureau saw."""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

from sqlalchemy.orm import Session

from yusuan.budget.io import load_budget
from yusuan.build.document import build
from yusuan.check.engine import check
from yusuan.intake import Checked, keep
from yusuan.model import Disclosure
from yusuan.render.html import render_html

EXAMPLE = Path(__file__).parent.parent / "examples" / "small-unit-budget.yaml"
REGION = "示例省 示例市"
DEPARTMENTS = ["教育局", "卫生健康委员会", "交通运输局", "民政局", "农业农村局", "文化和旅游局", "市场监督管理局", "生态环境局"]
FLAWS = ("typo", "no_three_public_table", "no_glossary", "no_reasons", "no_targets", "narrative")


@dataclass
class Planned:
    """One unit of the region, and what happens to it this season."""

    n: int
    unit: str
    department: str
    approved: date
    stored: bool  # its document is in the store
    published_on: date | None = None  # the 公开日期 the list gives, when the bureau saw it
    flaws: list[str] = field(default_factory=list)
    withdrawn: bool = False
    amended: bool = False

    @property
    def scope(self) -> str:
        return "部门" if self.unit == self.department else "单位"


def plan(units: int = 40, today: date | None = None, seed: int = 17) -> list[Planned]:
    """Units in departments of eight; those approved 40 days ago are past their deadline (published on time,
    late, or not at all), those approved 5 days ago still in time. Every fourth has no flaw."""
    rng = random.Random(seed)
    today = today or date.today()
    out = []
    for n in range(units):
        department = DEPARTMENTS[n % len(DEPARTMENTS)]
        unit = department if n < len(DEPARTMENTS) else f"{department}第{n // len(DEPARTMENTS)}所属单位"
        past = n % 5 != 4
        approved = today - timedelta(days=40 if past else 5)
        stored = n % 7 != 3  # one in seven has published nothing
        p = Planned(n, unit, department, approved, stored)
        if stored and past:  # the bureau saw it on the website: on time, or (one in six) late
            p.published_on = approved + timedelta(days=rng.randint(25, 35) if n % 6 == 1 else rng.randint(3, 18))
        if stored and n % 4:
            p.flaws = [FLAWS[(n + k) % len(FLAWS)] for k in range(1 + n % 3)]
        p.withdrawn = stored and n == 11
        p.amended = stored and n == 12
        out.append(p)
    return out


@cache
def _example():
    return load_budget(EXAMPLE)[0]


def disclosure(p: Planned, year: int = 2026, version: int = 1) -> Disclosure:
    """The unit's disclosure as built from its budget, with its flaws printed in; a second version puts the
    first's figure typo right."""
    rng = random.Random(p.n)
    budget = _example()
    scale = Decimal(rng.randint(100, 400)) / 100  # not below 1: the cost target (≤50万元) stays within the project
    lines = [line.model_copy(update={"amount": max(Decimal("0.01"), (line.amount * scale).quantize(Decimal("0.01"))),
                                     "project": f"{p.unit}业务项目" if line.project else None})
             for line in budget.lines]
    projects = [pr.model_copy(update={"name": f"{p.unit}业务项目"}) for pr in budget.projects]
    update: dict = {"lines": lines, "projects": projects, "unit": budget.unit.model_copy(
        update={"name": p.unit, "year": year, "scope": p.scope})}
    if "no_reasons" in p.flaws:
        update["prior"] = {k: v for k, v in budget.prior.items() if not k.startswith("three_public")}
    d = build(budget.model_copy(update=update))
    if "typo" in p.flaws and version == 1:
        table = next(t for t in d.tables if t.kind == "gpb_expense")
        row = next(r for r in table.coded_rows() if r.code and len(r.code) == 7)
        row.values["total"] = row.value("total") + Decimal("1.00")
        row.raw["total"] = f"{row.values['total']:.2f}"
    if "no_three_public_table" in p.flaws:
        d.tables = [t for t in d.tables if t.kind != "three_public"]
    if "no_glossary" in p.flaws:
        d.glossary = []
    if "no_targets" in p.flaws:
        d.performance_targets = []
    if "narrative" in p.flaws:
        claim = next(c for c in d.narrative.claims if c.subject_kind == "basic" and c.amount is not None)
        claim.amount += Decimal("10.00")
        claim.raw["amount"] = f"{claim.amount}万元"
    return d


def store(session: Session, plans: list[Planned], region: str = REGION, year: int = 2026) -> dict[int, int]:
    """The stored units' documents through the intake (the second version of an amended one too), each
    file the disclosure as HTML; the document id of each unit by its number."""
    from yusuan.store.season import set_published

    documents = {}
    for p in plans:
        if not p.stored:
            continue
        for version in (1, 2) if p.amended else (1,):
            d = disclosure(p, year, version)
            data = render_html(d).encode("utf-8") + (b"\n" * version)
            stored = keep(session, data, f"{p.unit}{year}年预算公开.html", Checked(d, check(d), None), region=region,
                          department=p.department)
            documents[p.n] = stored.version.document_id
        if p.withdrawn:
            set_published(session, stored.version.document, False)
    return documents


def register_csv(plans: list[Planned], region: str = REGION, year: int = 2026) -> bytes:
    """The region's list as a bureau would fill it (GBK, as Excel in China saves a CSV)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["地区", "部门", "单位", "级次", "年度", "类型", "批复日期", "公开日期", "公开网址"])
    for p in plans:
        writer.writerow([region, p.department, p.unit, p.scope, year, "预算", p.approved.isoformat(),
                         p.published_on.isoformat() if p.published_on else "",
                         f"https://example.gov.cn/yjsgk/{p.n}.html" if p.published_on else ""])
    return out.getvalue().encode("gb18030")
