"""The public view, pages and their JSON twins under /api/v1: a region's budgets at a glance (/overview, one region
/overview/ID), units side by side (/side-by-side), peers ranked (/peers), budget against final accounts
(/units/ID/execution), and where a figure was printed (/cells/ID, /figures/ID). Each view's sheets download as
CSV or Excel, holding the rows its charts draw. The region views and the ranking are kept per store state, as
the aggregate API's answers are; the rest read a few documents each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, BeforeValidator, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from yusuan.store.schema import Department, Document, Unit
from yusuan.web import execution as spent
from yusuan.web import overview, peers, provenance, queries
from yusuan.web.api import MAX_ID, Id, Invalid, OptionalId, PageNumber, PerPage, Problem, Year
from yusuan.web.auth import Visitor, visitor
from yusuan.web.downloads import content_disposition
from yusuan.web.pages import render, with_cookie
from yusuan.web.sheets import Sheet, shown

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["api"], responses={401: {"model": Problem, "description": "API 令牌无效"},
                                                           422: {"model": Invalid, "description": "请求有误"}})

Phase = Annotated[Literal["budget", "final"], Query(description="budget 预算，final 决算")]
Kind = Annotated[Literal["basic", "project"] | None, Query(description="basic 基本支出，project 项目支出；不填：全部")]
Code = Annotated[str | None, Query(pattern="^2[0-9]{2}([0-9]{2}){0,2}$",
                                   description="功能分类的类、款或项（3、5、7 位），钻取到此处；项之下是各单位")]
Format = Annotated[Literal["csv", "xlsx"], Query(description="csv 或 xlsx")]
UnitIds = Annotated[list[Annotated[int, Field(ge=1, le=MAX_ID)]],
                    Query(max_length=peers.MAX_UNITS, description=f"单位编号，可多个（至多 {peers.MAX_UNITS} 个）")]
Years = Annotated[list[Annotated[int, Field(ge=1, le=9999)]],
                  Query(max_length=peers.MAX_YEARS, description=f"年度，可多个（至多 {peers.MAX_YEARS} 个）；不填：最近两年")]
Sort = Annotated[Literal[tuple(peers.RANKED)], Query(description="排序的数字（从大到小）")]  # type: ignore[valid-type]


def _blank_is_none(value: object) -> object:
    return None if value == "" else value


def _no_blanks(values: object) -> object:
    return [v for v in values if v != ""] if isinstance(values, list) else values


# the pages' filters are forms: a select left at 全部 or a box left empty sends its name with nothing, which is no filter
FormId = Annotated[Annotated[int, Field(ge=1, le=MAX_ID)] | None, BeforeValidator(_blank_is_none), Query()]
FormYear = Annotated[Annotated[int, Field(ge=1, le=9999)] | None, BeforeValidator(_blank_is_none), Query()]
FormKind = Annotated[Literal["basic", "project"] | None, BeforeValidator(_blank_is_none), Query()]
FormCode = Annotated[Annotated[str, Field(pattern="^2[0-9]{2}([0-9]{2}){0,2}$")] | None, BeforeValidator(_blank_is_none),
                     Query()]
FormYears = Annotated[list[Annotated[int, Field(ge=1, le=9999)]], BeforeValidator(_no_blanks),
                      Query(max_length=peers.MAX_YEARS)]
MEDIA = {"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
DOWNLOAD = {200: {"content": {m.split(";")[0]: {"schema": {"type": "string", "format": "binary"}} for m in MEDIA.values()},
                  "description": "CSV 或 Excel（附件），与图表的数据相同"}}
NO_REGION = {404: {"model": Problem, "description": "没有这个地区或部门"}}
NO_UNIT = {404: {"model": Problem, "description": "没有这个单位，或这一年没有可以对照的预算和决算"}}
NO_PLACE = {404: {"model": Problem, "description": "没有这个单元格或数字，或无权查看（草稿）"}}


# ------------------------------------------------------------------------------------- models

class ColumnOut(BaseModel):
    key: str
    label: str
    kind: str  # text | money | percent | count
    group: str  # what the column is one of (a unit, side by side), or ""
    shown: bool  # false: in the data, not on the page

class SheetOut(BaseModel):
    """A view's rows, by column key (money as decimal strings in 元); a row may add `href` (its page), `links`
    (column → where the figure was printed) and `marks` (column → a note such as an outlier)."""

    name: str
    title: str
    columns: list[ColumnOut]
    rows: list[dict[str, Any]]


class ScopeOut(BaseModel):
    region: int | None
    department: int | None
    year: int | None
    phase: str
    kind: str | None
    code: str | None


class Choice(BaseModel):
    id: int
    name: str


class Choices(BaseModel):
    years: list[int]
    departments: list[Choice]


class Step(BaseModel):
    code: str | None
    name: str
    level: str | None = None
    href: str


class OverviewOut(BaseModel):
    region: str
    scope: ScopeOut
    choices: Choices
    path: list[Step]  # where the functional drill-down stands
    documents: dict[str, int]  # the year's documents summed (total), and those with no fact table (without_facts)
    sheets: dict[str, SheetOut]  # years, functional, economic, source, kind, entities


class SideOut(BaseModel):
    unit_id: int
    name: str
    year: int
    version_id: int
    key: str  # the sheets' column of this unit and year


class SideBySideOut(BaseModel):
    phase: str
    sides: list[SideOut]
    sheets: dict[str, SheetOut]  # figures, expense, gpb_basic_expense


class RankingOut(BaseModel):
    region: str
    scope: ScopeOut
    choices: Choices
    sort: str
    total: int
    page: int
    per_page: int
    sheet: SheetOut  # this page of the ranking


class Explanation(BaseModel):
    paragraph: int
    text: str
    section: str | None
    where: str
    version_id: int


class ExecutionOut(BaseModel):
    unit_id: int
    unit: str
    years: list[int]  # the years with both a budget and a final account
    year: int
    budget_version_id: int
    final_version_id: int
    explanations: list[Explanation]
    sheets: dict[str, SheetOut]  # classes, figures


class PrintedTable(BaseModel):
    number: str | None
    title: str
    unit: str | None
    header: list[list[dict[str, Any]]]
    rows: list[list[dict[str, Any]]]  # each cell: text, marked


class PlaceOut(BaseModel):
    """Where a figure was printed: its document, the place in the original file, and the table (cell marked) or
    the paragraph (figure marked)."""

    unit: dict[str, Any]
    year: int
    kind: str
    version: dict[str, Any]
    original: str
    where: str
    cell_id: int | None
    label: str | None = None
    code: str | None = None
    column: str | None = None
    printed: str | None = None
    value: str | None = None
    money_unit: str | None = None
    yuan: str | None = None
    table: PrintedTable | None
    paragraph: dict[str, str] | None
    figure_id: int | None = None
    key: str | None = None
    name: str | None = None
    figure_value: str | None = None
    figure_unit: str | None = None


def _sheet_out(sheet: Sheet) -> SheetOut:
    return SheetOut(**sheet.as_json())


def _sheets_out(sheets: dict[str, Sheet]) -> dict[str, SheetOut]:
    return {name: _sheet_out(s) for name, s in sheets.items()}


def _file(sheet: Sheet, format: str, stem: str, data: bytes | None = None) -> Response:
    """The sheet as a file (`data`: made already)."""
    if data is None:
        data = sheet.to_csv() if format == "csv" else sheet.to_xlsx()
    return Response(data, media_type=MEDIA[format], headers={"Content-Disposition": content_disposition(f"{stem}.{format}")})


def _kept_file(request: Request, key: tuple, sheet: Sheet, format: str) -> bytes:
    """A kept view's file, kept beside it: a workbook takes longer to make than the view it holds."""
    with request.app.state.sessions() as session:
        return _kept(request, session, ("file", *key, sheet.name, format),
                     lambda: sheet.to_csv() if format == "csv" else sheet.to_xlsx())


def _kept(request: Request, session: Session, key: tuple, make: Callable[[], Any], kept: str = "views") -> Any:
    """An answer kept until the store changes (in any process)."""
    key = (queries.store_state(session, request.app.state.url), *key)
    if (found := getattr(request.app.state, kept).get(key)) is None:
        found = make()
        getattr(request.app.state, kept).put(key, found)
    return found


def _kept_page(request: Request, who: Visitor, key: tuple, template: str,
               context: Callable[[], dict[str, Any]]) -> HTMLResponse:
    """A kept view's page. Every visitor who is not signed in sees the same page (the published documents, the
    same header), so theirs is kept as written until the store changes; a signed-in visitor's is written afresh."""
    if who.account is not None:
        return render(request, who, template, **context())
    with request.app.state.sessions() as session:
        body = _kept(request, session, (template, *key), lambda: render(request, who, template, **context()).body,
                     kept="pages")
    return with_cookie(request, who, HTMLResponse(body))


def _published_only(who: Visitor) -> bool:
    return not who.can("read_unpublished")


# ------------------------------------------------------------------------------------- region

def _where(session: Session, scope: overview.Scope) -> str:
    """The region's name (全部地区 for the whole store); a 404 for a region or department that is not there."""
    name = overview.region_name(session, scope.region)
    if name is None:
        raise HTTPException(404, "没有这个地区")
    if scope.department is not None:
        found = session.get(Department, scope.department)
        if found is None or (scope.region is not None and found.region_id != scope.region):
            raise HTTPException(404, "没有这个部门")
    return name


def _region(request: Request, who: Visitor, scope: overview.Scope) -> tuple[str, dict]:
    """The region's name and its views, kept with their API answer (`view`, and as sent: `json`)."""
    with request.app.state.sessions() as session:
        name = _where(session, scope)
        only = _published_only(who)

        def make() -> dict:
            data = overview.overview(session, scope, only)
            answer = OverviewOut(region=name, scope=ScopeOut(**asdict(data["scope"])),
                                 choices=Choices(**data["choices"]), path=[Step(**s) for s in data["path"]],
                                 documents=data["documents"], sheets=_sheets_out(data["sheets"]))
            return {**data, "view": answer.model_dump(mode="json"), "json": answer.model_dump_json().encode("utf-8")}

        return name, _kept(request, session, ("overview", only, scope), make)


def _region_page(request: Request, region: int | None, scope: overview.Scope) -> HTMLResponse:
    who = visitor(request)

    def context() -> dict[str, Any]:
        name, data = _region(request, who, scope)
        resolved = data["scope"]
        downloads = urlencode({k: v for k, v in asdict(resolved).items() if v is not None})
        return {"region": name, "region_id": region, "data": data, "scope": resolved, "view": data["view"],
                "downloads": downloads, "phases": overview.PHASES, "kinds": overview.KINDS}

    return _kept_page(request, who, (scope,), "overview.html", context)


@pages.get("/overview", response_class=HTMLResponse)
def regions_page(request: Request, year: FormYear = None, department: FormId = None, phase: Phase = "budget",
                 kind: FormKind = None, code: FormCode = None) -> HTMLResponse:
    """The whole store at a glance, by region."""
    return _region_page(request, None, overview.Scope(None, department, year, phase, kind, code))


@pages.get("/overview/{region_id}", response_class=HTMLResponse)
def region_page(request: Request, region_id: Id, year: FormYear = None, department: FormId = None,
                phase: Phase = "budget", kind: FormKind = None, code: FormCode = None) -> HTMLResponse:
    return _region_page(request, region_id, overview.Scope(region_id, department, year, phase, kind, code))


@api.get("/overview", response_model=OverviewOut, responses=NO_REGION,
         summary="地区（或全部）一览：各年合计，按功能分类钻取（类→款→项→单位），按经济分类、资金来源、基本与项目、部门（元）")
def overview_api(request: Request, region: OptionalId = None, year: Year = None, department: OptionalId = None,
                 phase: Phase = "budget", kind: Kind = None, code: Code = None) -> Response:
    """Sums of the fact table of each document's newest version, as /api/v1/aggregate; one year (the latest unless
    asked), so that a year's budget is not added to another's. Each sheet is what the region page's chart draws."""
    _, data = _region(request, visitor(request), overview.Scope(region, department, year, phase, kind, code))
    return Response(data["json"], media_type="application/json")


@api.get("/overview/download", response_class=Response, responses={**NO_REGION, **DOWNLOAD},
         summary="地区一览的一张图的数据：CSV 或 Excel")
def overview_download(request: Request, view: Annotated[Literal[tuple(overview.VIEWS)], Query(description="哪张图")],  # type: ignore[valid-type]
                      format: Format = "csv", region: OptionalId = None, year: Year = None,
                      department: OptionalId = None, phase: Phase = "budget", kind: Kind = None,
                      code: Code = None) -> Response:
    who = visitor(request)
    asked = overview.Scope(region, department, year, phase, kind, code)
    _, data = _region(request, who, asked)
    scope, sheet = data["scope"], data["sheets"][view]
    made = _kept_file(request, ("overview", _published_only(who), asked), sheet, format)
    return _file(sheet, format, f"overview-{scope.region or 'all'}-{scope.year}-{scope.phase}-{view}", made)


# -------------------------------------------------------------------------------- side by side

def _side_by_side(request: Request, who: Visitor, units: list[int], years: list[int], phase: str) -> dict:
    with request.app.state.sessions() as session:
        if not years:  # the latest two years the units have
            found = session.scalars(queries.visible(session, who).with_only_columns(Document.year).distinct()
                                    .where(Document.unit_id.in_(units), Document.kind == phase)
                                    .order_by(Document.year.desc()).limit(2)).all()
            years = sorted(found)
        return {"years": years, **peers.side_by_side(session, who, units, years, phase)}


def _add_unit(request: Request, who: Visitor, name: str) -> list[dict]:
    """Units the visitor may see named `name`, or with it in their names (a few)."""
    with request.app.state.sessions() as session:
        shown = Unit.id.in_(queries.visible(session, who).with_only_columns(Document.unit_id))
        exact = session.execute(select(Unit.id, Unit.name).where(Unit.name == name, shown).limit(5)).all()
        rows = exact or session.execute(select(Unit.id, Unit.name).where(Unit.name.contains(name, autoescape=True), shown)
                                        .order_by(Unit.name, Unit.id).limit(10)).all()
    return [{"id": i, "name": n} for i, n in rows]


@pages.get("/side-by-side", response_class=HTMLResponse)
def side_by_side_page(request: Request, unit: UnitIds = [], year: FormYears = [],  # noqa: B006 - FastAPI copies defaults
                      phase: Phase = "budget",
                      add: Annotated[str, Query(max_length=100, pattern="^[^\\x00]*$")] = "") -> HTMLResponse:
    who = visitor(request)
    candidates = _add_unit(request, who, add.strip()) if add.strip() else []
    units = list(dict.fromkeys(unit))
    if len(candidates) == 1 and candidates[0]["id"] not in units:
        units.append(candidates[0]["id"])
        candidates = []
    data = _side_by_side(request, who, units[:peers.MAX_UNITS], year, phase) if units else None
    view = {"sides": data["sides"]} if data else None  # the page's tables are written from the sheets themselves
    query = urlencode([("unit", u) for u in units] + [("year", y) for y in (data["years"] if data else year)]
                      + [("phase", phase)])
    return render(request, who, "side_by_side.html", units=units, data=data, view=view, phase=phase, add=add,
                  candidates=candidates, query=query, phases=overview.PHASES)


@api.get("/side-by-side", response_model=SideBySideOut,
         summary="几个单位、几个年度并列：主要数字，支出表与基本支出表按科目编码对齐，占比与增减（元）")
def side_by_side_api(request: Request, unit: UnitIds, year: Years = [],  # noqa: B006
                     phase: Phase = "budget") -> SideBySideOut:
    data = _side_by_side(request, visitor(request), list(dict.fromkeys(unit)), year, phase)
    return SideBySideOut(phase=phase, sides=[SideOut(**s) for s in data["sides"]], sheets=_sheets_out(data["sheets"]))


@api.get("/side-by-side/download", response_class=Response, responses=DOWNLOAD, summary="并列对比的一张表：CSV 或 Excel")
def side_by_side_download(request: Request, unit: UnitIds,
                          sheet: Annotated[Literal["figures", *peers.TABLES], Query(description="哪张表")] = "figures",  # type: ignore[valid-type]
                          year: Years = [], phase: Phase = "budget", format: Format = "csv") -> Response:  # noqa: B006
    data = _side_by_side(request, visitor(request), list(dict.fromkeys(unit)), year, phase)
    return _file(data["sheets"][sheet], format, f"side-by-side-{phase}-{sheet}")


# -------------------------------------------------------------------------------------- peers

def _ranking(request: Request, who: Visitor, scope: overview.Scope, sort: str) -> tuple[str, dict]:
    with request.app.state.sessions() as session:
        name = _where(session, scope)
        only = _published_only(who)
        return name, _kept(request, session, ("ranking", only, scope, sort),
                           lambda: peers.ranking(session, scope, only, sort))


def _one_page(sheet: Sheet, page: int, per_page: int) -> Sheet:
    return Sheet(sheet.name, sheet.title, sheet.columns, sheet.rows[(page - 1) * per_page:page * per_page])


def _ranking_out(name: str, data: dict, page: int, per_page: int) -> RankingOut:
    sheet = data["sheet"]
    return RankingOut(region=name, scope=ScopeOut(**asdict(data["scope"])), choices=Choices(**data["choices"]),
                      sort=data["sort"], total=len(sheet.rows), page=page, per_page=per_page,
                      sheet=_sheet_out(_one_page(sheet, page, per_page)))


@pages.get("/peers", response_class=HTMLResponse)
def peers_page(request: Request, region: FormId = None, department: FormId = None, year: FormYear = None,
               phase: Phase = "budget", sort: Sort = "three_public", page: PageNumber = 1,
               per_page: PerPage = 50) -> HTMLResponse:
    who = visitor(request)
    asked = overview.Scope(region, department, year, phase)

    def context() -> dict[str, Any]:
        name, data = _ranking(request, who, asked, sort)
        scope = data["scope"]
        view = {"total": len(data["sheet"].rows)}
        query = {k: v for k, v in {"region": region, "department": department, "year": scope.year,
                                   "phase": phase}.items() if v is not None}
        paging = queries.Paging(page, per_page)
        shown_sheet = _one_page(data["sheet"], page, per_page)
        # the chart draws the page's first thirty by the measure ranked on: only they go into the page as data
        chart = {"sheet": {"columns": [c.__dict__ for c in shown_sheet.columns],
                           "rows": [{"name": r["name"], "href": r["href"],
                                     sort: str(r[sort]) if r.get(sort) is not None else None}
                                    for r in shown_sheet.rows[:30]]}}
        return {"region": name, "view": view, "chart": chart, "scope": scope, "shown_sheet": shown_sheet,
                "choices": data["choices"], "sort": sort, "query": urlencode(query), "paging": paging,
                "pages": paging.pages(view["total"]), "phases": overview.PHASES, "measures": peers.MEASURES,
                "regions": _regions(request)}

    return _kept_page(request, who, (asked, sort, page, per_page), "peers.html", context)


def _regions(request: Request) -> list[dict]:
    from yusuan.store.schema import Region

    with request.app.state.sessions() as session:
        return [{"id": i, "name": n} for i, n in session.execute(select(Region.id, Region.name).order_by(Region.name))]


@api.get("/peers", response_model=RankingOut, responses=NO_REGION,
         summary="同一地区或部门的单位排名：“三公”经费、机关运行经费、人员经费，及人均数（文件写明人数时），标出离群值")
def peers_api(request: Request, region: OptionalId = None, department: OptionalId = None, year: Year = None,
              phase: Phase = "budget", sort: Sort = "three_public", page: PageNumber = 1,
              per_page: PerPage = 100) -> RankingOut:
    name, data = _ranking(request, visitor(request), overview.Scope(region, department, year, phase), sort)
    return _ranking_out(name, data, page, per_page)


@api.get("/peers/download", response_class=Response, responses={**NO_REGION, **DOWNLOAD},
         summary="单位排名（全部）：CSV 或 Excel")
def peers_download(request: Request, region: OptionalId = None, department: OptionalId = None, year: Year = None,
                   phase: Phase = "budget", sort: Sort = "three_public", format: Format = "csv") -> Response:
    who = visitor(request)
    asked = overview.Scope(region, department, year, phase)
    _, data = _ranking(request, who, asked, sort)
    scope = data["scope"]
    made = _kept_file(request, ("ranking", _published_only(who), asked, sort), data["sheet"], format)
    return _file(data["sheet"], format, f"peers-{scope.region or 'all'}-{scope.year}-{phase}-{sort}", made)


# ---------------------------------------------------------------------------------- execution

def _execution(request: Request, who: Visitor, unit_id: int, year: int | None) -> tuple[Any, list[int], dict | None]:
    """The unit (its id and name), the years with both a budget and a final account, and the view of `year` (the
    latest of them unless asked); a 404 for a unit the visitor sees no document of."""
    with request.app.state.sessions() as session:
        unit = session.connection().execute(spent.UNIT, {"unit": unit_id}).one_or_none()
        by_year = spent.newest_by_year(session, who, unit_id) if unit else {}
        if not by_year:
            raise HTTPException(404, "没有这个单位")
        years = spent.years_with_both(by_year)
        if year is None and years:
            year = years[-1]
        data = spent.execution(session, year, by_year[year]) if year in years else None
        return unit, years, data


@pages.get("/units/{unit_id}/execution", response_class=HTMLResponse)
def execution_page(request: Request, unit_id: Id, year: FormYear = None) -> HTMLResponse:
    who = visitor(request)
    unit, years, data = _execution(request, who, unit_id, year)
    if data is None and year is not None:
        raise HTTPException(404, f"{unit.name}没有{year}年可以对照的预算和决算")
    # the page carries as data only what its chart draws: the classes' rows
    chart = {"sheets": {"classes": data["sheets"]["classes"].as_json()}} if data else None
    return render(request, who, "execution.html", unit=unit, years=years, data=data, chart=chart)


def _execution_out(unit: Unit, years: list[int], data: dict) -> ExecutionOut:
    return ExecutionOut(unit_id=unit.id, unit=unit.name, years=years, year=data["year"],
                        budget_version_id=data["budget_version"], final_version_id=data["final_version"],
                        explanations=[Explanation(**e) for e in data["explanations"]], sheets=_sheets_out(data["sheets"]))


@api.get("/units/{unit_id}/execution", response_model=ExecutionOut, responses=NO_UNIT,
         summary="预算执行：同一年度的预算与决算并列，按功能分类的执行率（决算 ÷ 预算），并引用决算中的说明")
def execution_api(request: Request, unit_id: Id,
                  year: Annotated[int | None, Query(ge=1, le=9999, description="年度；不填：最近的一年")] = None
                  ) -> ExecutionOut:
    unit, years, data = _execution(request, visitor(request), unit_id, year)
    if data is None:
        raise HTTPException(404, f"{unit.name}没有{year or ''}年可以对照的预算和决算")
    return _execution_out(unit, years, data)


@api.get("/units/{unit_id}/execution/download", response_class=Response, responses={**NO_UNIT, **DOWNLOAD},
         summary="预算执行的一张表：CSV 或 Excel")
def execution_download(request: Request, unit_id: Id, year: Year = None,
                       sheet: Annotated[Literal["classes", "figures"], Query(description="哪张表")] = "classes",
                       format: Format = "csv") -> Response:
    unit, _, data = _execution(request, visitor(request), unit_id, year)
    if data is None:
        raise HTTPException(404, f"{unit.name}没有{year or ''}年可以对照的预算和决算")
    return _file(data["sheets"][sheet], format, f"execution-{unit_id}-{data['year']}-{sheet}")


# ------------------------------------------------------------------------------------ provenance

def _place(request: Request, find: Callable[[Session, Visitor], dict | None]) -> dict:
    with request.app.state.sessions() as session:
        found = find(session, visitor(request))
    if found is None:
        raise HTTPException(404, "没有这个单元格")
    return found


def _place_out(place: dict) -> PlaceOut:
    text = {k: str(place[k]) if place.get(k) is not None else None for k in ("value", "yuan", "figure_value")}
    return PlaceOut(**{**place, **text})


@pages.get("/cells/{cell_id}", response_class=HTMLResponse)
def cell_page(request: Request, cell_id: Id) -> HTMLResponse:
    place = _place(request, lambda s, who: provenance.cell_place(s, who, cell_id))
    return render(request, visitor(request), "source.html", place=place, fmt=shown)


@pages.get("/figures/{figure_id}", response_class=HTMLResponse)
def figure_page(request: Request, figure_id: Id) -> HTMLResponse:
    place = _place(request, lambda s, who: provenance.figure_place(s, who, figure_id))
    return render(request, visitor(request), "source.html", place=place, fmt=shown)


@api.get("/cells/{cell_id}", response_model=PlaceOut, responses=NO_PLACE,
         summary="一个单元格在公开文件中的位置：所在的表（标出该格）、原文件中的页或行")
def cell_api(request: Request, cell_id: Id) -> PlaceOut:
    return _place_out(_place(request, lambda s, who: provenance.cell_place(s, who, cell_id)))


@api.get("/figures/{figure_id}", response_model=PlaceOut, responses=NO_PLACE,
         summary="一个主要数字（“三公”经费、机关运行经费、人员经费、人数……）在公开文件中的出处")
def figure_api(request: Request, figure_id: Id) -> PlaceOut:
    return _place_out(_place(request, lambda s, who: provenance.figure_place(s, who, figure_id)))
