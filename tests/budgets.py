"""Random valid budget data, for property tests: codes from the catalog, amounts in cents."""

from decimal import Decimal

from hypothesis import strategies as st

from yusuan import catalog
from yusuan.budget.model import Budget, LineItem, Project, TargetIndicator, Unit

FUNCTIONAL = sorted(e.code for e in catalog.entries("functional", 2026) if e.level == 3
                    and "行政运行" not in e.name and "一般行政管理事务" not in e.name)
BASIC_ITEMS = sorted(e.code for e in catalog.entries("functional", 2026) if e.name == "行政运行")
PERSONNEL = sorted(e.code for e in catalog.entries("economic_department", 2026)
                   if e.level == 2 and e.code[:3] in ("301", "303"))
PUBLIC = sorted(e.code for e in catalog.entries("economic_department", 2026) if e.level == 2 and e.code[:3] == "302")
PROJECT_ECON = sorted(e.code for e in catalog.entries("economic_department", 2026)
                      if e.level == 2 and e.code[:3] in ("302", "310", "312"))
SOURCES = ["gpb", "gpb", "gpb", "fund", "unit_funds", "fiscal_carryover", "nonfiscal_carryover", "special_account"]
amounts = st.integers(min_value=1, max_value=500_000).map(lambda cents: Decimal(cents) / 100)


@st.composite
def lines(draw: st.DrawFn) -> list[LineItem]:
    out = []
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(["personnel", "public", "project"]))
        if kind == "project":
            out.append(LineItem(source=draw(st.sampled_from(SOURCES)), functional=draw(st.sampled_from(FUNCTIONAL)),
                                economic=draw(st.sampled_from(PROJECT_ECON)), kind="project",
                                project=f"项目{draw(st.integers(1, 4))}", amount=draw(amounts)))
        else:
            out.append(LineItem(source=draw(st.sampled_from(SOURCES)),
                                functional=draw(st.sampled_from(BASIC_ITEMS + FUNCTIONAL[:40])),
                                economic=draw(st.sampled_from(PERSONNEL if kind == "personnel" else PUBLIC)),
                                kind=kind, amount=draw(amounts)))
    return out


@st.composite
def budgets(draw: st.DrawFn) -> Budget:
    items = draw(lines())
    prior_keys = ["income:gpb", "income:unit_funds", "expense:basic", "expense:project", "gpb:basic", "gpb:project",
                  "office_running", "three_public"]
    prior = {k: draw(st.sampled_from([Decimal(0), Decimal("12.34"), Decimal("5000.00")]))
             for k in prior_keys if draw(st.booleans())}
    projects = []
    for name in sorted({i.project for i in items if i.project}):  # every project has its target table
        weights = [Decimal(20), Decimal(30), Decimal(30), Decimal(20)]
        projects.append(Project(name=name, owner="张三", goal="完成任务", indicators=[
            TargetIndicator(level1=f"{level}指标", level2=f"{level}小类", level3="某指标", value=">=90%", weight=w)
            for level, w in zip(("产出", "成本", "效益", "满意度"), weights, strict=True)]))
    return Budget(unit=Unit(name="某某局", year=2026, staffing={"编制数": 10, "实有人数": 12, "在职": 9, "退休": 3, "离休": 0}),
                  lines=items, prior=prior, projects=projects)
