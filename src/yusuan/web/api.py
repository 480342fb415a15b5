"""The API (/api/v1, OpenAPI at /api/v1/openapi.json): units, documents, tables, findings, and
an aggregate endpoint that sums the fact table by any dimension, with cuts and drilldown, in
the spirit of OpenSpending's."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Generic, Literal, TypeVar

from fastapi import APIRouter, File, Form, HTTPException, Path, Query, Request, Response, UploadFile
from pydantic import BaseModel, StringConstraints
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yusuan.errors import YusuanError
from yusuan.files import safe_name
from yusuan.store.schema import Department, Document, Fact, FindingRow, Region, Unit, Version
from yusuan.web import queries
from yusuan.web.auth import Visitor, check_csrf, require, visitor


class Problem(BaseModel):
    """What was wrong, in Chinese."""

    detail: str


class FieldProblem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class Invalid(BaseModel):
    """A request refused as it stands: FastAPI's list of the parameters at fault, or one sentence in Chinese
    (a file that is no disclosure, text the store cannot hold)."""

    detail: list[FieldProblem] | str


# documented, so that clients (and schemathesis) know every answer: a bad token anywhere, a bad request
router = APIRouter(prefix="/api/v1", tags=["api"], responses={401: {"model": Problem, "description": "API 令牌无效"},
                                                              422: {"model": Invalid, "description": "请求有误"}})
NO_VERSION = {404: {"model": Problem, "description": "没有这个版本，或无权查看（草稿）"}}
T = TypeVar("T")
MAX_PAGE = 1_000_000  # keeps page × per_page inside a 64-bit OFFSET
PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE, description="页码，从 1 开始")]
PerPage = Annotated[int, Query(ge=1, le=1000, description="每页条数，最多 1000")]
MAX_ID = 2**31 - 1  # PostgreSQL's integer: a larger id names no row, and would fail in the driver (a 500)
Id = Annotated[int, Path(ge=1, le=MAX_ID, description="编号")]
OptionalId = Annotated[int | None, Query(ge=1, le=MAX_ID, description="编号")]
Year = Annotated[int | None, Query(ge=1, le=9999, description="年度")]


class Page(BaseModel, Generic[T]):
    """One page of a list, in a stable order; `total` counts the whole list."""

    total: int
    page: int
    per_page: int
    items: list[T]


class UnitOut(BaseModel):
    id: int
    name: str
    department: str
    region: str


class DocumentOut(BaseModel):
    id: int
    unit_id: int
    year: int
    kind: str
    version_id: int
    version: int
    errors: int
    warnings: int


class FindingOut(BaseModel):
    id: int
    fid: str
    rule: str
    severity: str
    message: str
    status: str
    reason: str | None
    locations: list[dict]
    stated: str | None
    expected: str | None


class AggregateCell(BaseModel):
    amount: str  # 元, as a decimal string
    count: int
    dimensions: dict[str, str | int | None]  # None: facts without one (no project for basic expenditure)


class Aggregate(BaseModel):
    drilldown: list[str]
    cells: list[AggregateCell]
    total: str


DIMENSIONS = {
    "year": Document.year, "phase": Document.kind, "region": Region.name, "unit": Unit.name,
    "functional_class": func.substr(Fact.functional, 1, 3), "functional_item": func.substr(Fact.functional, 1, 5),
    "functional": Fact.functional, "economic_class": func.substr(Fact.economic, 1, 3), "economic": Fact.economic,
    "source": Fact.source, "kind": Fact.kind, "project": Fact.project,
}
Dimension = Literal["year", "phase", "region", "unit", "functional_class", "functional_item", "functional",
                    "economic_class", "economic", "source", "kind", "project"]
# 维度:值, the year a number, no NUL (PostgreSQL holds none): in the schema, so a bad cut is refused like any bad parameter
OTHERS = "|".join(d for d in DIMENSIONS if d != "year")
Cut = Annotated[str, StringConstraints(pattern=f"^(year:[0-9]{{1,4}}|({OTHERS}):[^\\x00]+)$")]


@router.get("/units", response_model=Page[UnitOut], summary="单位（有可见文件的，按地区、名称排序，分页）")
def units(request: Request, page: PageNumber = 1, per_page: PerPage = 100) -> Page[UnitOut]:
    who = visitor(request)
    paging = queries.Paging(page, per_page)
    with request.app.state.sessions() as session:
        total, rows = queries.units(session, who, paging)
    return Page[UnitOut](total=total, page=page, per_page=per_page, items=[UnitOut(**u) for u in rows])


@router.get("/documents", response_model=Page[DocumentOut], summary="公开文件（每份的最新版本；按编号排序，分页）")
def documents(request: Request, unit: OptionalId = None, year: Year = None, page: PageNumber = 1,
              per_page: PerPage = 100) -> Page[DocumentOut]:
    who = visitor(request)
    paging = queries.Paging(page, per_page)
    with request.app.state.sessions() as session:
        query = queries.visible(session, who)
        if unit is not None:
            query = query.where(Document.unit_id == unit)
        if year is not None:
            query = query.where(Document.year == year)
        total = session.scalar(query.with_only_columns(func.count(Document.id))) or 0
        documents = session.scalars(query.order_by(Document.id).offset(paging.offset).limit(per_page)).all()
        newest = queries.latest_of(session, list(documents))
        items = [DocumentOut(id=d.id, unit_id=d.unit_id, year=d.year, kind=d.kind, version_id=newest[d.id].id,
                             version=newest[d.id].number, errors=newest[d.id].errors, warnings=newest[d.id].warnings)
                 for d in documents]
    return Page[DocumentOut](total=total, page=page, per_page=per_page, items=items)


def _visible_version(request: Request, version_id: int, whole: bool = False) -> Version:
    who = visitor(request)
    with request.app.state.sessions() as session:
        version = session.get(Version, version_id, options=queries.WHOLE if whole else None)
        document = session.get(Document, version.document_id) if version else None
        if version is None or not queries.may_see(session, who, document):  # type: ignore[arg-type]
            raise HTTPException(404, "没有这个版本")
        return version


@router.get("/versions/{version_id}/tables", responses=NO_VERSION, summary="一个版本读出的表格（与 yusuan parse 相同）")
def tables(request: Request, version_id: Id) -> list[dict]:
    version = _visible_version(request, version_id, whole=True)
    return [{k: v for k, v in t.items() if k != "column_details"} for t in version.disclosure["tables"]]


@router.get("/versions/{version_id}/findings", response_model=list[FindingOut], responses=NO_VERSION,
            summary="核查发现及审核状态")
def findings(request: Request, version_id: Id) -> list[FindingOut]:
    version = _visible_version(request, version_id)
    with request.app.state.sessions() as session:
        rows = session.scalars(select(FindingRow).where(FindingRow.version_id == version.id).order_by(FindingRow.id))
        return [FindingOut(id=f.id, fid=f.fid, rule=f.rule, severity=f.severity, message=f.message, status=f.status,
                           reason=f.reason, locations=f.data.get("locations", []), stated=f.data.get("stated"),
                           expected=f.data.get("expected")) for f in rows]


@router.get("/aggregate", response_model=Aggregate, summary="按任意维度汇总（元）")
def aggregate(request: Request, drilldown: list[Dimension] = Query(default=[]),  # noqa: B008
              cut: list[Cut] = Query(default=[], description="维度:值，如 year:2023、source:gpb")) -> Response:  # noqa: B008
    """Sums of the fact table of each document's latest version, in 元."""
    who = visitor(request)
    with request.app.state.sessions() as session:
        # the answer, as sent, stands until the store changes
        key = (queries.store_state(session, request.app.state.url), who.can("read_unpublished"), tuple(drilldown),
               tuple(cut))
        if (kept := request.app.state.aggregates.get(key)) is None:
            kept = _aggregate(session, who, drilldown, cut).model_dump_json().encode("utf-8")
            request.app.state.aggregates.put(key, kept)
    return Response(kept, media_type="application/json")


def _aggregate(session: Session, who: Visitor, drilldown: list[Dimension], cut: list[str]) -> Aggregate:
    newest = select(Version.document_id, func.max(Version.number).label("n")).group_by(Version.document_id).subquery()
    columns = [DIMENSIONS[d].label(d) for d in drilldown]
    query = (select(*columns, func.sum(Fact.yuan).label("amount"), func.count(Fact.id).label("count"))
             .join(Version, Fact.version_id == Version.id)
             .join(newest, (newest.c.document_id == Version.document_id) & (newest.c.n == Version.number))
             .join(Document, Version.document_id == Document.id).join(Unit, Document.unit_id == Unit.id)
             .join(Department, Unit.department_id == Department.id).join(Region, Department.region_id == Region.id))
    if not who.can("read_unpublished"):
        query = query.where(Document.published.is_(True))
    for item in cut:
        name, _, value = item.partition(":")
        query = query.where(DIMENSIONS[name] == (int(value) if name == "year" else value))
    if columns:
        query = query.group_by(*columns).order_by(*columns)
    rows = session.execute(query).all()
    cells = [AggregateCell(amount=str(Decimal(r.amount or 0).quantize(Decimal("0.01"))), count=r.count,
                           dimensions={d: getattr(r, d) for d in drilldown}) for r in rows if r.count]
    total = sum((Decimal(r.amount or 0) for r in rows), Decimal(0)).quantize(Decimal("0.01"))
    return Aggregate(drilldown=list(drilldown), cells=cells, total=str(total))


@router.post("/documents", response_model=DocumentOut, status_code=201, summary="上传一份公开文件（需要令牌或登录）",
             responses={400: {"model": Problem, "description": "表单无法解析（multipart 格式有误）"},
                        403: {"model": Problem, "description": "不是你可以上传的单位，或表单已过期（CSRF）"},
                        413: {"model": Problem, "description": "文件太大"}})
async def upload(request: Request, file: UploadFile = File(...), region: str = Form(""),  # noqa: B008
                 department: str = Form(""), csrf: str = Form("")) -> DocumentOut:
    from yusuan.store.documents import store_file
    from yusuan.web.app import MAX_UPLOAD
    from yusuan.web.reading import read_upload

    who = require(request, "upload")
    check_csrf(who, csrf)
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise HTTPException(413, f"文件超过 {MAX_UPLOAD >> 20} MB")
    name = safe_name(file.filename or "")
    try:
        read = await read_upload(request, data, name)
        with request.app.state.sessions.begin() as session:
            stored = store_file(session, data, name, region=region or None, department=department or None,
                                account_id=who.account.id if who.account else None, read=read)
            v = stored.version
            try:
                queries.settle_upload(session, who, stored)
            except queries.NotYourUnit as error:  # raised inside the transaction: nothing is kept
                raise HTTPException(403, str(error)) from error
            d = v.document
            return DocumentOut(id=d.id, unit_id=d.unit_id, year=d.year, kind=d.kind, version_id=v.id,
                               version=v.number, errors=v.errors, warnings=v.warnings)
    except YusuanError as error:
        raise HTTPException(422, str(error)) from error
