"""A store of many generated units and years, for the public view's tests: regions → departments → units, each
unit's 预算 of several years and, for some, the 决算 of a year with explanations of what was not spent.

A few variants of examples/small-unit-budget.yaml (amounts and staff rescaled) are built, rendered as HTML, read
back through the readers and checked once; a 决算 is a variant built again from what was spent (each line a
fraction of its budget), titled 决算公开 and with the explanations a final account gives (`…（款）…（项）年初预算为…
万元，支出决算为…万元，完成年初预算的…%。决算数小于年初预算数的主要原因是…`). Each document is then a variant
under its unit's name and year, kept through the intake as an upload is."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

from yusuan.budget.io import load_budget
from yusuan.build.document import build
from yusuan.catalog import lookup
from yusuan.check.engine import check
from yusuan.intake import Checked, fact_lines, keep
from yusuan.model import Disclosure
from yusuan.read import read_bytes
from yusuan.render.html import render_html
from yusuan.store.documents import as_stored, from_stored

EXAMPLE = Path(__file__).parent.parent / "examples" / "small-unit-budget.yaml"
CENT = Decimal("0.01")
SPENT = {"personnel": Decimal("0.98"), "public": Decimal("0.9"), "project": Decimal("0.8")}  # of the budget, a final
REASON = "项目按合同进度支付，部分款项结转下年"


@dataclass
class Variant:
    name: str
    checked: Checked
    html: bytes

    def renamed(self, name: str, year: int) -> Disclosure:
        """The variant's read model as if printed for that unit and year."""
        text = json.dumps(as_stored(self.checked.disclosure), ensure_ascii=False)
        renamed = from_stored(json.loads(text.replace(self.name, name).replace("2026年", f"{year}年")))
        renamed.document.year = year
        return renamed


@dataclass(frozen=True)
class Layout:
    regions: tuple[str, ...] = ("甲市", "乙市", "丙市")
    departments: int = 2  # per region
    units: int = 4  # per department
    years: tuple[int, ...] = (2024, 2025, 2026)
    final_years: tuple[int, ...] = (2024, 2025)  # of the units of each region's first department
    variants: int = 5
    outlier: bool = True  # the last variant spends twenty times as much on 三公


def _scaled(n: int, layout: Layout):
    rng = random.Random(n)
    budget, _ = load_budget(EXAMPLE)
    three = layout.outlier and n == layout.variants - 1
    lines = []
    for line in budget.lines:
        factor = Decimal(20) if three and line.economic in ("30217", "30231") else Decimal(str(rng.uniform(0.5, 3.0)))
        lines.append(line.model_copy(update={"amount": (line.amount * factor).quantize(CENT, ROUND_HALF_UP)}))
    staffing = {k: max(1, v * (n + 1)) if k == "在职" else v for k, v in budget.unit.staffing.items()}
    name = f"变体{n}单位"
    unit = budget.unit.model_copy(update={"name": name, "staffing": staffing})
    return budget.model_copy(update={"lines": lines, "unit": unit}), name


def _stored(html: str, name: str) -> Variant:
    data = html.encode("utf-8")
    disclosure = read_bytes(data, f"{name}.html")
    report = check(disclosure)
    return Variant(name, Checked(disclosure, report, None, facts=fact_lines(disclosure, report)), data)


def _explained(budget, spent) -> str:
    """The paragraphs a final account gives for each 项: its budget, what was spent, why less."""
    planned, done = {}, {}
    for line in budget.lines:
        planned[line.functional] = planned.get(line.functional, Decimal(0)) + line.amount
    for line in spent.lines:
        done[line.functional] = done.get(line.functional, Decimal(0)) + line.amount
    out = ["<h3>十二、预算执行情况说明</h3>"]
    for code in sorted(planned):
        kuan, xiang = (budget.names.get(c) or lookup(c, budget.unit.year).name for c in (code[:5], code))
        lei = lookup(code[:3], budget.unit.year).name
        rate = (done[code] * 100 / planned[code]).quantize(CENT, ROUND_HALF_UP)
        out.append(f"<p>{lei}（类）{kuan}（款）{xiang}（项）年初预算为{planned[code]:.2f}万元，支出决算为{done[code]:.2f}万元，"
                   f"完成年初预算的{rate}%。决算数小于年初预算数的主要原因是{REASON}。</p>")
    return "".join(out)


@cache
def variants(layout: Layout) -> tuple[list[Variant], list[Variant]]:
    """The budget variants, and the final account of each (made once a test session)."""
    budgets, finals = [], []
    for n in range(layout.variants):
        budget, name = _scaled(n, layout)
        budgets.append(_stored(render_html(build(budget)), name))
        spent = budget.model_copy(update={"lines": [line.model_copy(update={
            "amount": (line.amount * SPENT[line.kind]).quantize(CENT, ROUND_HALF_UP)}) for line in budget.lines]})
        html = render_html(build(spent)).replace("年单位预算公开", "年单位决算公开")
        html = html.replace("<h2>第四部分 名词解释</h2>", _explained(budget, spent) + "<h2>第四部分 名词解释</h2>")
        finals.append(_stored(html, name))
    return budgets, finals


def unit_name(region: int, department: int, unit: int) -> str:
    return f"{'甲乙丙丁戊己庚辛'[region]}市第{department + 1}部门第{unit + 1}单位"


def fill(session, layout: Layout | None = None) -> dict:
    """Store the layout's documents in the caller's transaction; what was stored, by unit name: its id, region,
    department, and (year, kind) → (variant number, version id)."""
    layout = layout or Layout()
    budgets, finals = variants(layout)
    stored: dict[str, dict] = {}
    n = 0
    for r, region in enumerate(layout.regions):
        for d in range(layout.departments):
            department = f"{region}第{d + 1}部门"
            for u in range(layout.units):
                name = unit_name(r, d, u)
                entry = stored.setdefault(name, {"region": region, "department": department, "documents": {}})
                for y, year in enumerate(layout.years):
                    kinds = [("budget", budgets)] + ([("final", finals)] if d == 0 and year in layout.final_years else [])
                    v = (n + y) % layout.variants
                    for kind, made in kinds:
                        variant = made[v]
                        disclosure = variant.renamed(name, year)
                        data = variant.html.replace(variant.name.encode(), name.encode()).replace(
                            "2026年".encode(), f"{year}年".encode())
                        checked = Checked(disclosure, variant.checked.report, None, facts=variant.checked.facts)
                        version = keep(session, data, f"{name}{year}{kind}.html", checked, region=region,
                                       department=department).version
                        entry["documents"][(year, kind)] = (v, version.id)
                        entry["unit"] = version.document.unit_id
                n += 1
    return stored
