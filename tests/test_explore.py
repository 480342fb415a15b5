"""The public view on SQLite and PostgreSQL, over a store of generated units and years (tests/stores.py): a region
at a glance with its drill-down 类 → 款 → 项 → unit, the same sums as /api/v1/aggregate, downloads holding the
charts' rows, units side by side aligned by code, peers ranked with outliers marked, budget against final account
with the final's explanations, and every figure's way back to where it was printed."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

import stores
from conftest import EXAMPLE
from yusuan.read import read
from yusuan.store.figures import key_figures
from yusuan.store.schema import Figure, Region, Version

LAYOUT = stores.Layout(regions=("甲市", "乙市"), departments=2, units=3, years=(2025, 2026), final_years=(2025,),
                       variants=4)
YEAR = 2026


@pytest.fixture(scope="module")
def world(store_url: str) -> dict:
    from yusuan.web.app import create_app

    app = create_app(store_url, secret="explore-secret")
    with app.state.sessions.begin() as session:
        units = stores.fill(session, LAYOUT)
        regions = dict(session.execute(select(Region.name, Region.id)).all())
    return {"app": app, "units": units, "regions": regions, "client": TestClient(app)}


def unit_of(world: dict, region: int, department: int, unit: int) -> int:
    return world["units"][stores.unit_name(region, department, unit)]["unit"]


def yuan(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


# ----------------------------------------------------------------------------------------- region

def test_the_region_sums_as_the_aggregate_api_does(world: dict) -> None:
    c, region = world["client"], world["regions"]["甲市"]
    view = c.get("/api/v1/overview", params={"region": region}).json()
    assert view["scope"] == {"region": region, "department": None, "year": YEAR, "phase": "budget", "kind": None,
                             "code": None}  # the latest year, by default
    assert view["choices"]["years"] == [2025, 2026] and len(view["choices"]["departments"]) == 2
    assert view["documents"] == {"total": LAYOUT.departments * LAYOUT.units, "without_facts": 0}
    top = {r["code"]: yuan(r["amount"]) for r in view["sheets"]["functional"]["rows"]}
    summed = c.get("/api/v1/aggregate", params={"drilldown": "functional_class",
                                                "cut": ["region:甲市", f"year:{YEAR}", "phase:budget"]}).json()
    assert top == {cell["dimensions"]["functional_class"]: yuan(cell["amount"]) for cell in summed["cells"]}
    years = {r["year"]: yuan(r["amount"]) for r in view["sheets"]["years"]["rows"]}
    assert years[YEAR] == yuan(summed["total"])
    for name in ("economic", "source", "kind", "entities", "functional"):
        rows = view["sheets"][name]["rows"]
        assert sum(yuan(r["amount"]) for r in rows) == yuan(summed["total"]), name
        assert sum(yuan(r["share"]) for r in rows) == pytest.approx(100, abs=0.05), name
    assert [r["name"] for r in view["sheets"]["kind"]["rows"]] == ["人员经费（基本支出）", "公用经费（基本支出）", "项目支出"]
    assert sorted(r["name"] for r in view["sheets"]["entities"]["rows"]) == ["甲市第1部门", "甲市第2部门"]


def test_the_drill_down_goes_to_units_whose_figures_open_their_cells(world: dict) -> None:
    c, region = world["client"], world["regions"]["甲市"]
    parent = None
    for code, level in (("201", "款"), ("20126", "项")):
        view = c.get("/api/v1/overview", params={"region": region, "code": code}).json()
        assert view["path"][-1]["code"] == code and view["path"][0]["name"] == "全部"
        assert view["sheets"]["functional"]["title"].startswith(f"按支出功能分类（{level}）")
        parent = parent or sum(yuan(r["amount"]) for r in view["sheets"]["functional"]["rows"])
    view = c.get("/api/v1/overview", params={"region": region, "code": "2012604"}).json()
    assert [s["name"] for s in view["path"]] == ["全部", "201 一般公共服务支出", "20126 档案事务", "2012604 档案馆"]
    rows = view["sheets"]["functional"]["rows"]
    assert len(rows) == LAYOUT.departments * LAYOUT.units  # every unit of the region spends on 档案馆
    assert sum(yuan(r["amount"]) for r in rows) == parent
    for row in rows:
        assert row["href"] == f"/units/{row['unit_id']}"
        cell = c.get(f"/api/v1{row['links']['amount']}").json()  # the unit's 支出表 prints the 项's amount
        assert cell["code"] == "2012604" and cell["unit"]["id"] == row["unit_id"] and yuan(cell["yuan"]) == yuan(row["amount"])
        assert cell["table"]["rows"][[r[0]["text"] for r in cell["table"]["rows"]].index("201")] is not None


def test_the_filters(world: dict) -> None:
    c, region = world["client"], world["regions"]["乙市"]
    whole = c.get("/api/v1/overview", params={"region": region, "year": 2025}).json()
    project = c.get("/api/v1/overview", params={"region": region, "year": 2025, "kind": "project"}).json()
    assert [r["kind"] for r in project["sheets"]["kind"]["rows"]] == ["project"]
    assert {r["kind"]: r["amount"] for r in whole["sheets"]["kind"]["rows"]}["project"] == \
        project["sheets"]["kind"]["rows"][0]["amount"]
    department = whole["choices"]["departments"][0]["id"]
    one = c.get("/api/v1/overview", params={"region": region, "year": 2025, "department": department}).json()
    assert [r["href"][:7] for r in one["sheets"]["entities"]["rows"]] == ["/units/"] * LAYOUT.units
    final = c.get("/api/v1/overview", params={"region": region, "phase": "final"}).json()
    assert final["scope"]["year"] == 2025 and final["choices"]["years"] == [2025]  # only 2025 has final accounts
    everything = c.get("/api/v1/overview").json()
    assert {r["name"] for r in everything["sheets"]["entities"]["rows"]} >= {"甲市", "乙市"}


def test_downloads_hold_the_rows_the_charts_draw(world: dict) -> None:
    c, region = world["client"], world["regions"]["甲市"]
    params = {"region": region, "code": "20126"}
    view = c.get("/api/v1/overview", params=params).json()
    for name, sheet in view["sheets"].items():
        got = c.get("/api/v1/overview/download", params={**params, "view": name, "format": "csv"})
        assert got.headers["content-type"].startswith("text/csv")
        assert "attachment" in got.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(got.content.decode("utf-8-sig"))))
        keys = [col["key"] for col in sheet["columns"]]
        assert rows == [{k: "" if r.get(k) is None else str(r[k]) for k in keys} for r in sheet["rows"]], name
        book = load_workbook(io.BytesIO(c.get("/api/v1/overview/download",
                                              params={**params, "view": name, "format": "xlsx"}).content))
        cells = list(book.active.iter_rows(min_row=3, values_only=True))
        amounts = [Decimal(str(r[keys.index("amount")])) for r in cells]
        assert amounts == [yuan(r["amount"]) for r in sheet["rows"]], name


def test_the_region_pages(world: dict) -> None:
    c, region = world["client"], world["regions"]["甲市"]
    page = c.get(f"/overview/{region}", params={"department": "", "kind": "", "code": "", "year": ""})  # a form's blanks
    assert page.status_code == 200 and "甲市 2026年预算一览" in page.text and 'data-type="treemap"' in page.text
    assert c.get("/overview").status_code == 200
    assert c.get(f"/overview/{region}", params={"code": "2012604"}).text.count('href="/units/') >= 6
    assert c.get("/overview/99999").status_code == 404
    assert c.get(f"/overview/{region}", params={"code": "9"}).status_code == 422
    other = world["regions"]["乙市"]
    department = c.get("/api/v1/overview", params={"region": other}).json()["choices"]["departments"][0]["id"]
    assert c.get("/api/v1/overview", params={"region": region, "department": department}).status_code == 404


# ----------------------------------------------------------------------------------- side by side

def test_three_units_side_by_side_are_aligned_by_code(world: dict) -> None:
    c = world["client"]
    units = [unit_of(world, 0, 0, 0), unit_of(world, 0, 1, 1), unit_of(world, 1, 0, 2)]
    view = c.get("/api/v1/side-by-side", params={"unit": units, "year": [2025, 2026]}).json()
    assert [(s["unit_id"], s["year"]) for s in view["sides"]] == [(u, y) for u in units for y in (2025, 2026)]
    expense = view["sheets"]["expense"]
    codes = [r["code"] for r in expense["rows"]]
    assert codes[0] == "" and expense["rows"][0]["name"] == "合计"
    assert codes[1:] == sorted(codes[1:]) and {"201", "20126", "2012604", "208", "221"} <= set(codes)
    for side in view["sides"]:
        key = side["key"]
        total = yuan(expense["rows"][0][key])
        for row in expense["rows"][1:]:
            if len(row["code"]) == 3:
                assert yuan(row[f"{key}_share"]) == (yuan(row[key]) * 100 / total).quantize(Decimal("0.01"))
            cell = c.get(f"/api/v1{row['links'][key]}").json()
            assert (cell["code"], cell["version"]["id"], yuan(cell["yuan"])) == (row["code"], side["version_id"],
                                                                                 yuan(row[key]))
    for unit in units:
        row = expense["rows"][0]
        assert yuan(row[f"u{unit}_change"]) == yuan(row[f"u{unit}_2026"]) - yuan(row[f"u{unit}_2025"])
    figures = {r["key"]: r for r in view["sheets"]["figures"]["rows"]}
    assert {"expense", "personnel", "three_public", "office_running", "staff", "three_public_per_staff"} <= set(figures)
    key = view["sides"][0]["key"]
    assert yuan(figures["three_public_per_staff"][key]) == (
        yuan(figures["three_public"][key]) / yuan(figures["staff"][key])).quantize(Decimal("0.01"))
    page = c.get("/side-by-side", params={"unit": units[:2], "year": ["2025", ""], "add": stores.unit_name(1, 0, 2)})
    assert page.status_code == 200 and stores.unit_name(1, 0, 2) in page.text and "支出表（按支出功能分类）" in page.text
    download = c.get("/api/v1/side-by-side/download", params={"unit": units, "sheet": "expense"})
    assert download.content.decode("utf-8-sig").splitlines()[0].startswith(f"code,name,u{units[0]}_2025,")


# ------------------------------------------------------------------------------------------ peers

def test_peers_are_ranked_and_the_outlier_is_marked(world: dict) -> None:
    c, region = world["client"], world["regions"]["甲市"]
    ranked = c.get("/api/v1/peers", params={"region": region}).json()
    rows = ranked["sheet"]["rows"]
    assert ranked["total"] == LAYOUT.departments * LAYOUT.units and [r["rank"] for r in rows] == list(range(1, 7))
    amounts = [yuan(r["three_public"]) for r in rows]
    assert amounts == sorted(amounts, reverse=True)
    top = rows[0]  # the variant spending twenty times as much on 三公
    assert top["marks"]["three_public"] == "偏高" and not any(r["marks"].get("three_public") for r in rows[1:])
    assert yuan(top["three_public_per_staff"]) == (yuan(top["three_public"]) / top["staff"]).quantize(Decimal("0.01"))
    figure = c.get(f"/api/v1{top['links']['three_public']}").json()
    assert figure["key"] == "three_public" and yuan(figure["figure_value"]) == yuan(top["three_public"])
    assert figure["paragraph"]["marked"].endswith("万元")  # stated in the narrative, marked in its paragraph
    by_staff = c.get("/api/v1/peers", params={"region": region, "sort": "personnel_per_staff", "per_page": 2}).json()
    assert by_staff["total"] == 6 and len(by_staff["sheet"]["rows"]) == 2
    assert c.get("/peers", params={"region": region, "department": "", "year": ""}).status_code == 200
    listed = c.get("/api/v1/peers/download", params={"region": region, "format": "csv"}).content.decode("utf-8-sig")
    assert len(listed.splitlines()) == 7 and listed.startswith("rank,unit_id,name,department,three_public,")


# -------------------------------------------------------------------------------------- execution

def test_budget_against_final_account(world: dict) -> None:
    c = world["client"]
    unit = unit_of(world, 0, 0, 1)
    spent = c.get(f"/api/v1/units/{unit}/execution").json()
    assert spent["years"] == [2025] and spent["year"] == 2025
    rows = {r["code"]: r for r in spent["sheets"]["classes"]["rows"]}
    total = rows[""]
    assert total["name"] == "合计"
    assert yuan(total["rate"]) == (yuan(total["final"]) * 100 / yuan(total["budget"])).quantize(Decimal("0.01"))
    assert yuan(total["difference"]) == yuan(total["final"]) - yuan(total["budget"])
    item = rows["2012604"]
    assert "档案事务（款）档案馆（项）年初预算为" in item["explanation"]["text"] and "主要原因是" in item["explanation"]["text"]
    assert f"{yuan(item['rate'])}%" in item["explanation"]["text"]  # the rate as the final account itself says it
    budget_cell = c.get(f"/api/v1{item['links']['budget']}").json()
    final_cell = c.get(f"/api/v1{item['links']['final']}").json()
    assert (budget_cell["kind"], final_cell["kind"]) == ("budget", "final")
    assert len(spent["explanations"]) == 4
    figures = {r["code"]: r for r in spent["sheets"]["figures"]["rows"]}
    assert yuan(figures["project"]["final"]) == (yuan(figures["project"]["budget"]) * Decimal("0.8")).quantize(
        Decimal("0.01")) or yuan(figures["project"]["rate"]) == pytest.approx(80, abs=0.1)
    page = c.get(f"/units/{unit}/execution")
    assert page.status_code == 200 and "决算数小于年初预算数的主要原因是" in page.text
    no_final = unit_of(world, 0, 1, 0)
    assert c.get(f"/api/v1/units/{no_final}/execution").status_code == 404
    assert "还没有同一年度的预算和决算" in c.get(f"/units/{no_final}/execution").text
    assert c.get(f"/units/{unit}/execution", params={"year": 2026}).status_code == 404
    assert c.get("/api/v1/units/99999/execution").status_code == 404


# ------------------------------------------------------------------------------------- provenance

def test_a_cell_shows_its_table_as_printed(world: dict) -> None:
    c = world["client"]
    version = world["units"][stores.unit_name(0, 0, 0)]["documents"][(2026, "budget")][1]
    cells = c.get(f"/api/v1/versions/{version}/cells", params={"table": "expense", "code": "208"}).json()["items"]
    total = next(i for i in cells if i["column"] == "total")
    with world["app"].state.sessions() as session:
        from yusuan.store.schema import CellValue

        cell_id = session.scalars(select(CellValue.id).where(CellValue.version_id == version,
                                                             CellValue.table_kind == "expense", CellValue.code == "208",
                                                             CellValue.column_key == "total")).one()
    place = c.get(f"/api/v1/cells/{cell_id}").json()
    marked = [cell for row in place["table"]["rows"] for cell in row if cell["marked"]]
    assert [m["text"] for m in marked] == [place["printed"]] == [total["value"]]
    assert place["where"].startswith("第3个表格") and place["money_unit"] == "万元"
    page = c.get(f"/cells/{cell_id}")
    assert 'id="here"' in page.text and "支出总体情况表" in page.text
    assert c.get("/api/v1/cells/999999999").status_code == 404


def test_a_cell_after_a_table_with_no_amounts_opens_its_own_table(world: dict) -> None:
    """A table with nothing in it has no stored cells, so the cells after it are not where their count says: the
    cell's table is then looked for among all the version's tables."""
    from yusuan.intake import Checked, keep
    from yusuan.store.schema import CellValue

    budgets, _ = stores.variants(LAYOUT)
    variant = budgets[0]
    disclosure = variant.renamed("丙市空表单位", YEAR)
    for row in disclosure.tables[1].rows:  # 表2 printed with blanks only
        row.values = dict.fromkeys(row.values)
    with world["app"].state.sessions.begin() as session:
        stored = keep(session, variant.html.replace(variant.name.encode(), "丙市空表单位".encode()), "丙市空表单位.html",
                      Checked(disclosure, variant.checked.report, None, facts=[]), region="丙市")
        cell_id = session.scalars(select(CellValue.id).where(CellValue.version_id == stored.version.id,
                                                             CellValue.table_kind == "expense",
                                                             CellValue.column_key == "total")).first()
    place = world["client"].get(f"/api/v1/cells/{cell_id}").json()
    assert place["table"]["number"] == disclosure.tables[2].number and place["printed"]
    assert [c["text"] for row in place["table"]["rows"] for c in row if c["marked"]] == [place["printed"]]


def test_key_figures_of_the_example() -> None:
    """The Changji example: totals and 人员经费 from the tables' total rows, 机关运行经费 and 三公 from the narrative."""
    found = {f.key: f for f in key_figures(read(EXAMPLE))}
    assert {k: (f.value, f.unit) for k, f in found.items()} == {
        "expense": (Decimal("71115100"), "元"), "basic": (Decimal("6347000"), "元"), "project": (Decimal("64768100"), "元"),
        "personnel": (Decimal("5731700"), "元"), "public": (Decimal("615300"), "元"),
        "office_running": (Decimal("615300"), "元"), "three_public": (Decimal("105000"), "元"), "staff": (Decimal(32), "人")}
    assert found["expense"].cell == ("表3", "expense", found["expense"].cell[2], "total")
    assert found["three_public"].paragraph is not None and found["three_public"].cell is None
    assert found["staff"].label == "在职"


def _migrated_again(app, revision: str) -> None:
    """The app's store taken down to `revision` and up to the newest migration again."""
    from alembic import command

    from yusuan.store.db import alembic_config

    config = alembic_config()
    with app.state.sessions.kw["bind"].begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
        command.upgrade(config, "head")


def test_a_store_made_before_figures_gets_them(store_url: str, tmp_path) -> None:
    """Migration 0004 finds the key figures of the versions already stored."""
    from yusuan.web.app import create_app

    app = create_app(store_url, secret="x")  # the example, stored with its figures (the module's store)
    with app.state.sessions() as session:
        before = session.execute(select(Figure.version_id, Figure.key, Figure.value, Figure.cell_id, Figure.paragraph)
                                 .order_by(Figure.version_id, Figure.id)).all()
        versions = session.scalar(select(Version.id).order_by(Version.id.desc()))
    assert before and versions
    _migrated_again(app, "0003")
    with app.state.sessions() as session:
        after = session.execute(select(Figure.version_id, Figure.key, Figure.value, Figure.cell_id, Figure.paragraph)
                                .order_by(Figure.version_id, Figure.id)).all()
    assert after == before


def test_a_store_made_before_the_narrative_table_gets_it(store_url: str) -> None:
    """Migration 0005 copies each stored version's paragraphs out of its read model, as they are there."""
    from yusuan.store.schema import Narrative
    from yusuan.web.app import create_app

    app = create_app(store_url, secret="x")
    _migrated_again(app, "0004")
    with app.state.sessions() as session:
        kept = dict(session.execute(select(Narrative.version_id, Narrative.paragraphs)).all())
        stored = {v.id: v.disclosure["narrative"]["paragraphs"] for v in session.scalars(select(Version))}
    assert kept == stored and any(kept.values())


def test_a_document_with_no_fact_table_is_counted_and_said(world: dict) -> None:
    """A document too far from the standard tables has no facts: the region page says it is not in the sums."""
    from yusuan.intake import Checked, keep

    budgets, _ = stores.variants(LAYOUT)
    variant = budgets[0]
    with world["app"].state.sessions.begin() as session:
        keep(session, variant.html.replace(variant.name.encode(), "丁市某单位".encode()), "丁市某单位.html",
             Checked(variant.renamed("丁市某单位", YEAR), variant.checked.report, None, facts=[]), region="丁市")
        region = session.scalar(select(Region.id).where(Region.name == "丁市"))
    view = world["client"].get("/api/v1/overview", params={"region": region}).json()
    assert view["documents"] == {"total": 1, "without_facts": 1} and view["sheets"]["functional"]["rows"] == []
    assert "其中 1 份未能还原事实表" in world["client"].get(f"/overview/{region}").text


def test_a_page_kept_for_visitors_follows_the_store(world: dict) -> None:
    """A region page is kept as written for visitors who are not signed in, until the store changes."""
    import re

    from yusuan.intake import Checked, keep

    c = world["client"]

    def summed() -> int:
        page = c.get("/overview", params={"year": YEAR})
        assert page.status_code == 200
        return int(re.search(r"年 (\d+) 份预算公开", page.text).group(1))

    before = summed()
    assert c.get("/overview", params={"year": YEAR}).content == c.get("/overview", params={"year": YEAR}).content
    budgets, _ = stores.variants(LAYOUT)
    variant = budgets[1]
    with world["app"].state.sessions.begin() as session:
        keep(session, variant.html.replace(variant.name.encode(), "戊市新单位".encode()), "戊市新单位.html",
             Checked(variant.renamed("戊市新单位", YEAR), variant.checked.report, None, facts=variant.checked.facts),
             region="戊市")
    assert summed() == before + 1
