"""The review season on the web: a region's list of units (imported, or made from the store), each unit's
publication and score ranked for triage with filters, what blocks publication in the region, the notices
and the summary workbook; and a version's score. Pages for reviewers (`pages`), the same for programs under
/api/v1 (`api`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from yusuan.errors import YusuanError
from yusuan.scoring import STATUS_NAMES, Method, Policy, Score, score
from yusuan.season.season import KIND_NAMES, STATUSES, Season, SeasonOut, policy_of, season
from yusuan.store import season as store
from yusuan.store.schema import Document, FindingRow, Version
from yusuan.web import queries
from yusuan.web.api import BROKEN_FORM, FORBIDDEN, TOO_BIG, Id, Invalid, Problem
from yusuan.web.auth import Visitor, check_csrf, require, visitor

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
NO_REGION = {404: {"model": Problem, "description": "没有这个地区，或它还没有名单和文件"}}
NO_UNIT = {404: {"model": Problem, "description": "没有这个地区，或该单位不在这一年的名单和文件中"}}
REVIEWERS = {401: {"model": Problem, "description": "请先登录"},
             403: {"model": Problem, "description": "没有权限（审核、管理员）"}}
Kind = Annotated[Literal["budget", "final"], Query(description="budget 预算，final 决算")]
SeasonYear = Annotated[int | None, Query(ge=1900, le=2999, description="年度（默认最近的）")]
AsOf = Annotated[date | None, Query(description="统计日期（默认今天），如 2026-03-01")]
StatusFilter = Annotated[Literal["missing", "overdue", "published", "withdrawn", "amended"] | None, Query(
    description="只看这种状态：missing 未公开、overdue 逾期、published 已公开、withdrawn 已撤回、amended 已修改")]
FormYear = Annotated[int, Form(ge=1900, le=2999, description="年度")]
FormKind = Annotated[Literal["budget", "final"], Form(description="budget 预算，final 决算")]
Approved = Annotated[date, Form(description="批复日期，如 2026-01-20（名单上每个单位相同）")]
Department = Annotated[str | None, Query(max_length=200, pattern="^[^\\x00]+$", description="只看这个部门")]
Below = Annotated[float | None, Query(ge=0, le=100, description="只看得分低于它的")]

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["season"], responses={401: {"model": Problem, "description": "API 令牌无效"},
                                                             422: {"model": Invalid, "description": "请求有误"}})


def _method(request: Request) -> Method:
    return request.app.state.method


def _season(request: Request, session: Session, region_id: int, year: int | None, kind: str,
            as_of: date | None) -> Season:
    """The region's season (its newest year when none is asked for); 404 when there is nothing to show."""
    if year is None:
        years = [y for y, k in store.seasons(session, region_id) if k == kind]
        if not years:
            raise HTTPException(404, "这个地区还没有名单或文件")
        year = years[0]
    try:
        return season(session, region_id, year, kind, _method(request), as_of=as_of, kept=request.app.state.scores)
    except LookupError:
        raise HTTPException(404, "没有这个地区") from None


def _filtered(made: Season, status: str | None, department: str | None, blocking: bool, below: float | None):
    return [u for u in made.units if (status is None or u.entry.status == status)
            and (department is None or u.entry.department == department)
            and (not blocking or u.entry.blocking)
            and (below is None or (u.entry.score or 0) < below)]


def _notice(request: Request, session: Session, made: Season, unit_id: int, issuer: str | None, deadline: date | None):
    from yusuan.season.notice import unit_notice

    unit = made.unit(unit_id)
    if unit is None:
        raise HTTPException(404, "该单位不在这一年的名单和文件中")
    return unit_notice(session, made, unit, issuer=issuer or None, deadline=deadline)


def _summary(session: Session, made: Season) -> tuple[bytes, str]:
    from yusuan.files import safe_name
    from yusuan.season.notice import unit_notice
    from yusuan.season.workbook import summary_workbook

    problems = {u.entry.unit_id: unit_notice(session, made, u).problems for u in made.units}
    return summary_workbook(made, problems), safe_name(f"{made.region}{made.year}年{KIND_NAMES[made.kind]}公开检查汇总.xlsx")


def _attachment(data: bytes, media: str, name: str) -> Response:
    from yusuan.web.downloads import content_disposition

    return Response(data, media_type=media, headers={"Content-Disposition": content_disposition(name)})


def _read_register(data: bytes, name: str):
    from yusuan.season.register import read_register

    return read_register(data, name)


def version_score(request: Request, who: Visitor, version_id: int) -> tuple[Score, dict]:
    """A version's score under the server's method, with the dates its region's list and the store know."""
    from yusuan.check.findings import Finding
    from yusuan.season.season import timing_of
    from yusuan.store.documents import from_stored

    with request.app.state.sessions() as session:
        version = session.get(Version, version_id)
        document = session.get(Document, version.document_id) if version else None
        if document is None or not queries.may_see(session, who, document):
            raise HTTPException(404, "没有这个版本")
        method = _method(request)
        timing = timing_of(session, document, method)
        rows = session.execute(select(FindingRow.data).where(FindingRow.version_id == version_id,
                                                            FindingRow.status != "dismissed")).scalars()
        findings = [Finding.model_validate(data) for data in rows]
        scored = score(from_stored(store.disclosure_of(session, version_id)), findings, method, timing)
        about = {"version": version.id, "number": version.number, "unit": document.unit.name, "year": document.year,
                 "kind": document.kind, "document": document.id}
    return scored, about


# ---------------------------------------------------------------------------------------------- pages

def _render(request: Request, who: Visitor, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    from yusuan.web.pages import render

    return render(request, who, template, status=status, **context)


@pages.get("/regions", response_class=HTMLResponse)
def regions_page(request: Request) -> HTMLResponse:
    return _regions_page(request, require(request, "review"))


def _regions_page(request: Request, who: Visitor, status: int = 200, error: str | None = None) -> HTMLResponse:
    with request.app.state.sessions() as session:
        listed = [{"id": r.id, "name": r.name, "seasons": store.seasons(session, r.id)} for r in store.regions(session)]
    return _render(request, who, "regions.html", status=status, regions=listed, kind_names=KIND_NAMES, error=error)


@pages.get("/regions/{region_id}", response_class=HTMLResponse)
def region_page(request: Request, region_id: Id, year: SeasonYear = None, kind: Kind = "budget",
                as_of: Annotated[str, Query(max_length=10)] = "", status: Annotated[str, Query(max_length=10)] = "",
                department: Annotated[str, Query(max_length=200)] = "", blocking: bool = False,
                below: Annotated[str, Query(max_length=10)] = "") -> HTMLResponse:
    """The triage: units ranked by what blocks them and by score, with filters (a form's empty field: no filter)."""
    from yusuan.check.rules import rules

    who = require(request, "review")
    try:
        day = date.fromisoformat(as_of) if as_of else None
        under = float(below) if below else None
    except ValueError:
        raise HTTPException(422, "统计日期或得分的写法不对") from None
    if status and status not in STATUSES:
        raise HTTPException(422, "没有这种状态")
    with request.app.state.sessions() as session:
        made = _season(request, session, region_id, year, kind, day)
        seasons = store.seasons(session, region_id)
    shown = _filtered(made, status or None, department or None, blocking, under)
    method = made.method
    checks = [{"id": r.id, "family": r.family, "description": r.description, "fatal": made.policy.blocks_rule(r.id)}
              for r in rules(request.app.state.settings).values() if r.severity == "error"]
    return _render(request, who, "season.html", s=made.out(shown), seasons=seasons, kind_names=KIND_NAMES,
                   statuses=STATUSES, departments=sorted({u.entry.department for u in made.units}),
                   filters={"status": status, "department": department, "blocking": blocking, "below": under,
                            "as_of": day}, checks=checks, items=method.items, policy=made.policy)


@pages.post("/register")
async def register_upload(request: Request, file: UploadFile = File(...), csrf: str = Form("")) -> Response:  # noqa: B008
    from yusuan.web.app import MAX_UPLOAD

    who = require(request, "review")
    check_csrf(who, csrf)
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise HTTPException(413, f"名单超过 {MAX_UPLOAD >> 20} MB")
    name = file.filename or "名单"
    try:
        rows = _read_register(data, name)
    except YusuanError as error:
        return _regions_page(request, who, 400, str(error))
    with request.app.state.sessions.begin() as session:
        store.add_register(session, name, data, rows, who.account.id if who.account else None)
        region = store.region_named(session, rows[0].region)
        target = f"/regions/{region.id}?year={rows[0].year}&kind={rows[0].kind}"  # type: ignore[union-attr]
    return RedirectResponse(target, status_code=303)


@pages.post("/regions/{region_id}/register")
def register_build(request: Request, region_id: Id, year: FormYear, approved: Approved, kind: FormKind = "budget",
                   csrf: str = Form("")) -> RedirectResponse:
    from yusuan.season.season import register_from_store

    who = require(request, "review")
    check_csrf(who, csrf)
    with request.app.state.sessions.begin() as session:
        try:
            register_from_store(session, region_id, year, kind, approved, who.account.id if who.account else None)
        except LookupError:
            raise HTTPException(404, "没有这个地区，或库中没有它的单位") from None
    return RedirectResponse(f"/regions/{region_id}?year={year}&kind={kind}", status_code=303)


@pages.post("/regions/{region_id}/policy")
async def policy_form(request: Request, region_id: Id) -> RedirectResponse:
    """Checkboxes: each check rule and scoring item that blocks publication."""
    who = require(request, "review")
    form = await request.form()
    check_csrf(who, str(form.get("csrf", "")))
    rules = [str(v) for v in form.getlist("rules")]
    items = [str(v) for v in form.getlist("items")]
    with request.app.state.sessions.begin() as session:
        _set_policy(request, session, who, region_id, rules, items)
    back = str(form.get("back", ""))
    return RedirectResponse(back if back.startswith(f"/regions/{region_id}") else f"/regions/{region_id}", status_code=303)


def _set_policy(request: Request, session: Session, who: Visitor, region_id: int, rules: list[str], items: list[str]):
    from yusuan.check.rules import rules as known_rules
    from yusuan.scoring.method import matches

    if store.region(session, region_id) is None:
        raise HTTPException(404, "没有这个地区")
    ids = list(known_rules())
    unknown = [r for r in rules if not any(matches(i, [r]) for i in ids)] + \
        [i for i in items if _method(request).item(i) is None]
    if unknown:
        raise HTTPException(422, f"没有这些规则或评分项：{'、'.join(unknown[:10])}")
    return store.set_policy(session, region_id, rules, items, who.account.id if who.account else None)


@pages.get("/regions/{region_id}/summary")
def summary_download(request: Request, region_id: Id, year: SeasonYear = None, kind: Kind = "budget",
                     as_of: AsOf = None) -> Response:
    require(request, "review")
    with request.app.state.sessions() as session:
        data, name = _summary(session, _season(request, session, region_id, year, kind, as_of))
    return _attachment(data, XLSX, name)


def _made_notice(request: Request, region_id: int, unit_id: int, year: int | None, kind: str, as_of: date | None,
                 issuer: str | None, deadline: date | None):
    """One unit's notice, for the page and the API alike."""
    require(request, "review")
    with request.app.state.sessions() as session:
        return _notice(request, session, _season(request, session, region_id, year, kind, as_of), unit_id, issuer,
                       deadline)


def _notice_file(made, format: str) -> Response:
    from yusuan.season.notice import notice_docx, notice_html

    if format == "docx":
        return _attachment(notice_docx(made), DOCX, f"{made.filename}.docx")
    return HTMLResponse(notice_html(made))


@pages.get("/regions/{region_id}/notices/{unit_id}", response_model=None)
def notice_page(request: Request, region_id: Id, unit_id: Id, year: SeasonYear = None, kind: Kind = "budget",
                as_of: AsOf = None, format: Literal["html", "docx"] = "html",
                issuer: Annotated[str | None, Query(max_length=100, pattern="^[^\\x00]*$")] = None,
                deadline: date | None = None) -> Response:
    made = _made_notice(request, region_id, unit_id, year, kind, as_of, issuer, deadline)
    return _notice_file(made, format)


@pages.get("/register/template")
def template_download(request: Request) -> Response:
    from yusuan.season.register import template

    return _attachment(template(), XLSX, "名单模板.xlsx")


@pages.get("/versions/{version_id}/score", response_class=HTMLResponse)
def score_page(request: Request, version_id: Id) -> HTMLResponse:
    who = visitor(request)
    scored, about = version_score(request, who, version_id)
    return _render(request, who, "score.html", scored=scored, about=about, status_names=STATUS_NAMES,
                   kind_names=KIND_NAMES)


# ------------------------------------------------------------------------------------------------ API

class ItemOut(BaseModel):
    id: str
    dimension: str
    name: str
    points: str
    kinds: list[str]
    basis: str
    requirement: str
    rules: list[str]


class MethodOut(BaseModel):
    """The scoring method the server uses (data/scoring/*.toml): its items, their points and source clauses."""

    name: str
    title: str
    deadline_days: int
    dimensions: dict[str, str]
    items: list[ItemOut]
    fatal_rules: list[str]
    fatal_items: list[str]


class SeasonRef(BaseModel):
    year: int
    kind: str


class RegionOut(BaseModel):
    id: int
    name: str
    seasons: list[SeasonRef]


class Imported(BaseModel):
    register_id: int
    units: int
    regions: list[RegionOut]


class PolicyOut(BaseModel):
    """What blocks publication in the region: check rules (patterns such as `cross.*`) and scoring items."""

    region_id: int
    fatal_rules: list[str]
    fatal_items: list[str]
    own: bool  # the region set its own; false: the method's


class ScoreOut(Score):
    version_id: int
    unit: str


@api.get("/scoring", response_model=MethodOut, summary="评分方法：各评分项、分值、依据条款，及默认阻止公开的规则")
def scoring(request: Request) -> MethodOut:
    m = _method(request)
    return MethodOut(name=m.name, title=m.title, deadline_days=m.deadline_days, dimensions=m.dimensions,
                     fatal_rules=list(m.fatal_rules), fatal_items=list(m.fatal_items),
                     items=[ItemOut(id=i.id, dimension=i.dimension, name=i.name, points=str(i.points), kinds=list(i.kinds),
                                    basis=i.basis, requirement=i.requirement, rules=list(i.rules)) for i in m.items])


@api.get("/versions/{version_id}/score", response_model=ScoreOut, summary="一个版本的评分：总分和每一项（与 yusuan score 相同）",
         responses={404: {"model": Problem, "description": "没有这个版本，或无权查看（草稿）"}})
def version_score_api(request: Request, version_id: Id) -> ScoreOut:
    scored, about = version_score(request, visitor(request), version_id)
    return ScoreOut(**scored.model_dump(), version_id=about["version"], unit=about["unit"])


def _regions(session: Session, only: set[str] | None = None) -> list[RegionOut]:
    return [RegionOut(id=r.id, name=r.name, seasons=[SeasonRef(year=y, kind=k) for y, k in store.seasons(session, r.id)])
            for r in store.regions(session) if only is None or r.name in only]


@api.get("/regions", response_model=list[RegionOut], summary="地区及其各年度（审核、管理员）", responses=REVIEWERS)
def regions(request: Request) -> list[RegionOut]:
    require(request, "review")
    with request.app.state.sessions() as session:
        return _regions(session)


@api.get("/regions/{region_id}/season", response_model=SeasonOut, responses={**REVIEWERS, **NO_REGION},
         summary="一个地区一年的公开检查：各单位的公开状态、天数、得分、阻止公开的问题，按问题轻重排序（可筛选）")
def region_season(request: Request, region_id: Id, year: SeasonYear = None, kind: Kind = "budget", as_of: AsOf = None,
                  status: StatusFilter = None, department: Department = None,
                  blocking: Annotated[bool, Query(description="只看有阻止公开问题的")] = False,
                  below: Below = None) -> SeasonOut:
    require(request, "review")
    with request.app.state.sessions() as session:
        made = _season(request, session, region_id, year, kind, as_of)
    return made.out(_filtered(made, status, department, blocking, below))


@api.post("/register", response_model=Imported, status_code=201, summary="导入名单（CSV 或 .xlsx；审核、管理员）",
          responses={**REVIEWERS, **FORBIDDEN, **TOO_BIG, **BROKEN_FORM})
async def register_import(request: Request, file: UploadFile = File(...), csrf: str = Form("")) -> Imported:  # noqa: B008
    from yusuan.web.api import _file

    who = require(request, "review")
    check_csrf(who, csrf)
    data, name = await _file(file)
    try:
        rows = _read_register(data, name)
    except YusuanError as error:
        raise HTTPException(422, str(error)) from error
    with request.app.state.sessions.begin() as session:
        made = store.add_register(session, name, data, rows, who.account.id if who.account else None)
        return Imported(register_id=made.id, units=len(rows), regions=_regions(session, {r.region for r in rows}))


@api.post("/regions/{region_id}/register", response_model=Imported, status_code=201,
          summary="由库中该地区的单位生成名单，批复日期相同（审核、管理员）", responses={**REVIEWERS, **NO_REGION, **BROKEN_FORM})
def register_from_store_api(request: Request, region_id: Id, year: FormYear, approved: Approved,
                            kind: FormKind = "budget", csrf: str = Form("")) -> Imported:
    from yusuan.season.season import register_from_store

    who = require(request, "review")
    check_csrf(who, csrf)
    with request.app.state.sessions.begin() as session:
        try:
            made, count = register_from_store(session, region_id, year, kind, approved,
                                              who.account.id if who.account else None)
        except LookupError:
            raise HTTPException(404, "没有这个地区，或库中没有它的单位") from None
        region = store.region(session, region_id)
        return Imported(register_id=made, units=count, regions=_regions(session, {region.name}))  # type: ignore[union-attr]


def _policy_out(session: Session, request: Request, region_id: int) -> PolicyOut:
    if store.region(session, region_id) is None:
        raise HTTPException(404, "没有这个地区")
    kept = store.policy(session, region_id)
    made: Policy = policy_of(session, region_id, _method(request))
    return PolicyOut(region_id=region_id, fatal_rules=list(made.fatal_rules), fatal_items=list(made.fatal_items),
                     own=kept is not None)


@api.get("/regions/{region_id}/policy", response_model=PolicyOut, summary="地区的阻止公开设置（审核、管理员）",
         responses={**REVIEWERS, **NO_REGION})
def policy(request: Request, region_id: Id) -> PolicyOut:
    require(request, "review")
    with request.app.state.sessions() as session:
        return _policy_out(session, request, region_id)


Patterns = Annotated[list[Annotated[str, Query(max_length=80, pattern="^[a-z_]+(\\.[a-z_*]+)?$")]], Form()]


@api.post("/regions/{region_id}/policy", response_model=PolicyOut,
          summary="设置地区哪些规则和评分项阻止公开（其余只警告；审核、管理员）",
          responses={**REVIEWERS, **NO_REGION, **FORBIDDEN, **BROKEN_FORM})
def set_policy(request: Request, region_id: Id, rules: Patterns = [], items: Patterns = [],  # noqa: B006
               csrf: str = Form("")) -> PolicyOut:
    who = require(request, "review")
    check_csrf(who, csrf)
    with request.app.state.sessions.begin() as session:
        _set_policy(request, session, who, region_id, rules, items)
        return _policy_out(session, request, region_id)


@api.get("/regions/{region_id}/summary", response_class=Response, summary="地区一年的汇总表（Excel；审核、管理员）",
         responses={**REVIEWERS, **NO_REGION, 200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
                                                      "description": "汇总表"}})
def summary(request: Request, region_id: Id, year: SeasonYear = None, kind: Kind = "budget", as_of: AsOf = None) -> Response:
    require(request, "review")
    with request.app.state.sessions() as session:
        data, name = _summary(session, _season(request, session, region_id, year, kind, as_of))
    return _attachment(data, XLSX, name)


class ProblemOut(BaseModel):
    rule: str
    what: str
    where: str
    stated: str | None
    expected: str | None
    fix: str | None
    basis: str
    requirement: str
    blocking: bool


class NoticeOut(BaseModel):
    title: str
    unit: str
    year: int | None
    kind: str
    issuer: str
    dated: date
    deadline: date
    document: str | None
    score: str | None
    problems: list[ProblemOut]


@api.get("/regions/{region_id}/notices/{unit_id}", response_model=NoticeOut, summary="一个单位的整改通知（JSON、HTML 或 Word）",
         responses={**REVIEWERS, **NO_UNIT, 200: {"content": {"text/html": {"schema": {"type": "string"}},
                                                               DOCX: {"schema": {"type": "string", "format": "binary"}}},
                                                  "description": "整改通知"}})
def notice(request: Request, region_id: Id, unit_id: Id, year: SeasonYear = None, kind: Kind = "budget",
           as_of: AsOf = None, format: Annotated[Literal["json", "html", "docx"], Query(description="格式")] = "json",
           issuer: Annotated[str | None, Query(max_length=100, pattern="^[^\\x00]*$", description="发文机关")] = None,
           deadline: Annotated[date | None, Query(description="整改期限")] = None) -> Response:
    made = _made_notice(request, region_id, unit_id, year, kind, as_of, issuer, deadline)
    if format != "json":
        return _notice_file(made, format)
    out = NoticeOut(title=made.title, unit=made.unit, year=made.year, kind=made.kind, issuer=made.issuer, dated=made.dated,
                    deadline=made.deadline, document=made.document, score=None if made.score is None else str(made.score),
                    problems=[ProblemOut(**p.__dict__) for p in made.problems])
    return Response(out.model_dump_json(), media_type="application/json")


@api.get("/register/template", response_class=Response, summary="名单模板（Excel）",
         responses={200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}, "description": "名单模板"}})
def template(request: Request) -> Response:
    return template_download(request)
