"""The API (/api/v1, OpenAPI at /api/v1/openapi.json): everything the pages show and do, for programs.
Units, documents and their versions, each version's tables, cells, findings, reading, report and
downloads; reviewing findings and publishing drafts (with a token, by the same roles as the pages);
search, the classification catalog, an aggregate endpoint that sums the fact table by any dimension
(with cuts and drilldown, in the spirit of OpenSpending's), uploads, and a check that stores nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import APIRouter, File, Form, HTTPException, Path, Query, Request, Response, UploadFile
from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy import func, make_url, select
from sqlalchemy.orm import Session, undefer

from yusuan.check.engine import reading
from yusuan.check.findings import Reading, Report, kind_name
from yusuan.errors import YusuanError
from yusuan.files import safe_name
from yusuan.report.words import column_name
from yusuan.store.documents import from_stored
from yusuan.store.schema import CellValue, Department, Document, Fact, FindingRow, Region, Unit, Version
from yusuan.store.season import set_published
from yusuan.web import downloads, queries
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
NO_DOCUMENT = {404: {"model": Problem, "description": "没有这个文件，或无权查看（草稿）"}}
FORBIDDEN = {403: {"model": Problem, "description": "没有权限，或表单已过期（CSRF，用登录会话时）"}}
TOO_BIG = {413: {"model": Problem, "description": "文件太大"}}
BUSY = {503: {"model": Problem, "description": "服务器正忙（读取中的文件过多）"}}
BROKEN_FORM = {400: {"model": Problem, "description": "表单无法解析（multipart 格式有误）"}}
T = TypeVar("T")
MAX_PAGE = 1_000_000  # keeps page × per_page inside a 64-bit OFFSET
PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE, description="页码，从 1 开始")]
PerPage = Annotated[int, Query(ge=1, le=1000, description="每页条数，最多 1000")]
MAX_ID = 2**31 - 1  # PostgreSQL's integer: a larger id names no row, and would fail in the driver (a 500)
Id = Annotated[int, Path(ge=1, le=MAX_ID, description="编号")]
OptionalId = Annotated[int | None, Query(ge=1, le=MAX_ID, description="编号")]
Year = Annotated[int | None, Query(ge=1, le=9999, description="年度")]
ReportFormat = Annotated[Literal["json", "html"], Query(description="json：与 yusuan check --format json 相同；html：报告页面")]


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


class UnitYear(BaseModel):
    """One of the unit's documents: its newest version, and its expenditure (元, from its fact table)."""

    year: int
    kind: str  # budget | final
    document_id: int
    version_id: int
    version: int
    errors: int
    warnings: int
    total: str
    basic: str
    project: str


class UnitDetail(UnitOut):
    years: list[UnitYear]
    charts: dict[str, Any]  # the unit page's series: "years", then by chart a name → amounts (元) per year


class DocumentOut(BaseModel):
    id: int
    unit_id: int
    year: int
    kind: str
    published: bool
    version_id: int  # the newest version
    version: int
    errors: int
    warnings: int


class VersionOut(BaseModel):
    id: int
    document_id: int
    number: int
    filename: str
    format: str
    size: int
    sha256: str
    errors: int
    warnings: int
    uploaded_at: datetime | None


class DocumentDetail(DocumentOut):
    unit: str
    versions: list[VersionOut]


class VersionDetail(VersionOut):
    unit_id: int
    unit: str
    year: int
    kind: str
    published: bool
    reading: Reading
    downloads: dict[str, str]  # what → its address


class CellOut(BaseModel):
    table: str | None  # as printed: 表5
    kind: str
    row: int  # the row's place in its table, from 0
    code: str | None
    label: str
    column: str  # the column's key
    value: str  # as printed, in money_unit
    money_unit: str


class FindingOut(BaseModel):
    id: int
    fid: str
    rule: str
    severity: str
    message: str
    status: str  # open | confirmed | dismissed
    reason: str | None
    reviewed_at: datetime | None
    locations: list[dict]
    stated: str | None
    expected: str | None


class ProjectHit(BaseModel):
    version_id: int
    unit: str
    year: int
    project: str
    yuan: str


class CodeHit(BaseModel):
    version_id: int
    unit: str
    year: int
    table: str | None
    code: str
    label: str
    column: str = Field(description="the column's key (its name in Chinese: column_name)")
    column_name: str
    value: str
    money_unit: str = Field(description="元 or 万元, as the table prints it")


class SearchOut(BaseModel):
    q: str
    units: list[UnitOut]
    projects: list[ProjectHit]
    codes: list[CodeHit]


class CatalogParent(BaseModel):
    code: str
    name: str
    level: int  # 1 类, 2 款, 3 项
    year: int  # the catalog year the code was found in: the year asked for, else the nearest that knows it


class CatalogEntry(CatalogParent):
    classification: str  # functional | economic_department | economic_government
    parents: list[CatalogParent]


class CompareRow(BaseModel):
    row: str | None
    column: str
    a: str | None
    b: str | None
    difference: str | None  # B − A, where they differ


class CompareTable(BaseModel):
    kind: str
    name: str  # the kind's name in Chinese
    money_unit: str = Field(description="元 or 万元: both sides in 万元 where one prints 元 and the other 万元")
    rows: list[CompareRow]


class Compared(BaseModel):
    a: int
    b: int
    tables: list[CompareTable]


class RuleOut(BaseModel):
    id: str
    name: str  # in Chinese, as the pages show it
    family: str
    severity: str
    tolerance: str
    description: str


class About(BaseModel):
    """What this server checks with: the settings in force (the file they came from, by name) and each
    rule as they make it; the store's kind, and the limits on uploads."""

    version: str
    config: str | None  # the settings file's name; None: the defaults
    settings: dict[str, Any]
    rules: list[RuleOut]
    database: str
    limits: dict[str, int]


class AggregateCell(BaseModel):
    amount: str  # 元, as a decimal string
    count: int
    dimensions: dict[str, str | int | None]  # None: facts without one (no project for basic expenditure)


class Aggregate(BaseModel):
    drilldown: list[str]
    cells: list[AggregateCell]
    total: str


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _utc(value: datetime | None) -> datetime | None:
    """A time as the store keeps it (UTC, without its zone), with its zone."""
    return None if value is None else value.replace(tzinfo=UTC)


# ------------------------------------------------------------------------------ units and documents

@router.get("/units", response_model=Page[UnitOut], summary="单位（有可见文件的，按地区、名称排序，分页）")
def units(request: Request, page: PageNumber = 1, per_page: PerPage = 100) -> Page[UnitOut]:
    who = visitor(request)
    paging = queries.Paging(page, per_page)
    with request.app.state.sessions() as session:
        total, rows = queries.units(session, who, paging)
    return Page[UnitOut](total=total, page=page, per_page=per_page, items=[UnitOut(**u) for u in rows])


@router.get("/units/{unit_id}", response_model=UnitDetail, summary="一个单位：各年文件与支出、图表数据（与单位页相同）",
            responses={404: {"model": Problem, "description": "没有这个单位，或无权查看（只有草稿）"}})
def unit(request: Request, unit_id: Id) -> UnitDetail:
    who = visitor(request)
    with request.app.state.sessions() as session:
        found = session.get(Unit, unit_id)
        years, charts = queries.unit_years(session, found, who) if found else ([], {})
        if not years:
            raise HTTPException(404, "没有这个单位")
        department = found.department  # type: ignore[union-attr]
        return UnitDetail(id=found.id, name=found.name, department=department.name,  # type: ignore[union-attr]
                          region=department.region.name, charts=charts,
                          years=[UnitYear(year=y["year"], kind=y["phase"], document_id=y["document"], version_id=y["version"],
                                          version=y["number"], errors=y["errors"], warnings=y["warnings"],
                                          total=str(y["total"]), basic=str(y["basic"]), project=str(y["project"]))
                                 for y in years])


def _document_out(d: Document, v: Version) -> DocumentOut:
    return DocumentOut(id=d.id, unit_id=d.unit_id, year=d.year, kind=d.kind, published=d.published, version_id=v.id,
                       version=v.number, errors=v.errors, warnings=v.warnings)


def _version_out(v: Version) -> VersionOut:
    return VersionOut(id=v.id, document_id=v.document_id, number=v.number, filename=v.filename, format=v.format,
                      size=v.size, sha256=v.sha256, errors=v.errors, warnings=v.warnings, uploaded_at=_utc(v.uploaded_at))


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
        items = [_document_out(d, newest[d.id]) for d in documents]
    return Page[DocumentOut](total=total, page=page, per_page=per_page, items=items)


def _visible_document(session: Session, who: Visitor, document_id: int) -> Document:
    document = session.get(Document, document_id)
    if document is None or not queries.may_see(session, who, document):  # no hint that a draft exists
        raise HTTPException(404, "没有这个文件")
    return document


@router.get("/documents/{document_id}", response_model=DocumentDetail, responses=NO_DOCUMENT,
            summary="一份文件：单位、年度、是否公开，及其全部版本")
def document(request: Request, document_id: Id) -> DocumentDetail:
    who = visitor(request)
    with request.app.state.sessions() as session:
        found = _visible_document(session, who, document_id)
        versions = found.versions
        return DocumentDetail(**_document_out(found, versions[-1]).model_dump(), unit=found.unit.name,
                              versions=[_version_out(v) for v in versions])


@router.get("/documents/{document_id}/versions", response_model=list[VersionOut], responses=NO_DOCUMENT,
            summary="一份文件的各个版本（旧的在前，都保留原样）")
def versions(request: Request, document_id: Id) -> list[VersionOut]:
    who = visitor(request)
    with request.app.state.sessions() as session:
        return [_version_out(v) for v in _visible_document(session, who, document_id).versions]


@router.post("/documents/{document_id}/publish", response_model=DocumentOut, summary="公开或撤回为草稿（单位填报、审核、管理员）",
             responses={**NO_DOCUMENT, **FORBIDDEN, **BROKEN_FORM})
def publish(request: Request, document_id: Id, published: bool = Form(..., description="true 公开，false 撤回为草稿"),
            csrf: str = Form("")) -> DocumentOut:
    who = require(request, "upload")  # editors and up; whether of this document's unit is asked below
    check_csrf(who, csrf)
    with request.app.state.sessions.begin() as session:
        found = _visible_document(session, who, document_id)
        if not queries.may_publish(session, who, found):
            raise HTTPException(403, "没有权限公开或撤回这份文件")
        set_published(session, found, published, who.account.id if who.account else None)
        return _document_out(found, queries.latest(session, found))


@router.post("/documents", response_model=DocumentOut, status_code=201, summary="上传一份公开文件（需要令牌或登录）",
             responses={**BROKEN_FORM, 403: {"model": Problem, "description": "不是你可以上传的单位，或表单已过期（CSRF）"},
                        **TOO_BIG, **BUSY})
async def upload(request: Request, file: UploadFile = File(...), region: str = Form(""),  # noqa: B008
                 department: str = Form(""), csrf: str = Form("")) -> DocumentOut:
    from yusuan.intake import keep
    from yusuan.web.reading import read_upload

    who = require(request, "upload")
    check_csrf(who, csrf)
    data, name = await _file(file)
    try:
        checked = await read_upload(request, data, name)
        with request.app.state.sessions.begin() as session:
            stored = keep(session, data, name, checked, region=region or None, department=department or None,
                          account_id=who.account.id if who.account else None)
            try:
                queries.settle_upload(session, who, stored)
            except queries.NotYourUnit as error:  # raised inside the transaction: nothing is kept
                raise HTTPException(403, str(error)) from error
            return _document_out(stored.version.document, stored.version)
    except YusuanError as error:
        raise HTTPException(422, str(error)) from error


async def _file(file: UploadFile) -> tuple[bytes, str]:
    from yusuan.web.app import MAX_UPLOAD

    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise HTTPException(413, f"文件超过 {MAX_UPLOAD >> 20} MB")
    return data, safe_name(file.filename or "")


# ------------------------------------------------------------------------------------- versions

def _visible_version(request: Request, version_id: int, whole: bool = False) -> Version:
    who = visitor(request)
    with request.app.state.sessions() as session:
        version = session.get(Version, version_id, options=queries.WHOLE if whole else None)
        document = session.get(Document, version.document_id) if version else None
        if version is None or not queries.may_see(session, who, document):  # type: ignore[arg-type]
            raise HTTPException(404, "没有这个版本")
        return version


def reading_of(version: Version) -> Reading:
    """A version's reading report: as its check made it, or, for a version stored before checks made
    one, from its read model."""
    stored = (version.report or {}).get("reading")
    if stored is not None:
        return Reading.model_validate(stored)
    return reading(from_stored(version.disclosure), [])


@router.get("/versions/{version_id}", response_model=VersionDetail, responses=NO_VERSION,
            summary="一个版本：文件、所属单位与年度、读取情况（reading）和下载地址")
def version(request: Request, version_id: Id) -> VersionDetail:
    found = _visible_version(request, version_id)
    with request.app.state.sessions() as session:
        found = session.get(Version, found.id, options=[undefer(Version.disclosure), undefer(Version.report)])  # type: ignore[assignment]
        document = found.document
        return VersionDetail(**_version_out(found).model_dump(), unit_id=document.unit_id, unit=document.unit.name,
                             year=document.year, kind=document.kind, published=document.published,
                             reading=reading_of(found),
                             downloads={what: f"/api/v1/versions/{found.id}/download/{what}"
                                        for what in ("original", *downloads.KINDS)})


@router.get("/versions/{version_id}/tables", responses=NO_VERSION, summary="一个版本读出的表格（与 yusuan parse 相同）")
def tables(request: Request, version_id: Id) -> list[dict]:
    version = _visible_version(request, version_id, whole=True)
    return [{k: v for k, v in t.items() if k != "column_details"} for t in version.disclosure["tables"]]


@router.get("/versions/{version_id}/cells", response_model=Page[CellOut], responses=NO_VERSION,
            summary="一个版本的每个金额单元格（可按表、科目编码筛选，分页）")
def cells(request: Request, version_id: Id,
          table: Annotated[str | None, Query(max_length=40, pattern="^[^\\x00]+$", description="表号（表5）或表的种类")] = None,
          code: Annotated[str | None, Query(pattern="^[0-9]{3,7}$", description="科目编码")] = None,
          page: PageNumber = 1, per_page: PerPage = 1000) -> Page[CellOut]:
    version = _visible_version(request, version_id)
    paging = queries.Paging(page, per_page)
    query = select(CellValue).where(CellValue.version_id == version.id)
    if table is not None:
        query = query.where((CellValue.table_number == table) | (CellValue.table_kind == table))
    if code is not None:
        query = query.where(CellValue.code == code)
    with request.app.state.sessions() as session:
        total = session.scalar(query.with_only_columns(func.count(CellValue.id))) or 0
        rows = session.scalars(query.order_by(CellValue.id).offset(paging.offset).limit(per_page)).all()
    items = [CellOut(table=c.table_number, kind=c.table_kind, row=c.row, code=c.code, label=c.label, column=c.column_key,
                     value=str(c.value), money_unit=c.money_unit) for c in rows]
    return Page[CellOut](total=total, page=page, per_page=per_page, items=items)


def _finding_out(f: FindingRow) -> FindingOut:
    return FindingOut(id=f.id, fid=f.fid, rule=f.rule, severity=f.severity, message=f.message, status=f.status,
                      reason=f.reason, reviewed_at=_utc(f.reviewed_at), locations=f.data.get("locations", []),
                      stated=f.data.get("stated"), expected=f.data.get("expected"))


@router.get("/versions/{version_id}/findings", response_model=list[FindingOut], responses=NO_VERSION,
            summary="核查发现及审核状态")
def findings(request: Request, version_id: Id) -> list[FindingOut]:
    version = _visible_version(request, version_id)
    with request.app.state.sessions() as session:
        rows = session.scalars(select(FindingRow).where(FindingRow.version_id == version.id).order_by(FindingRow.id))
        return [_finding_out(f) for f in rows]


REPORT_ANSWERS: dict[int | str, dict[str, Any]] = {200: {"content": {"text/html": {"schema": {"type": "string"}}},
                                                         "description": "核查报告（JSON 或 HTML）"}}


def _report_answer(report: Report, disclosure, format: str) -> Response:
    if format == "html":
        from yusuan.report.html import render_html

        return Response(render_html(report, disclosure), media_type="text/html; charset=utf-8",
                        headers={"Content-Security-Policy": downloads.REPORT_POLICY})
    from yusuan.report.json import render_json

    return Response(render_json(report), media_type="application/json")


@router.get("/versions/{version_id}/report", response_model=Report, responses={**NO_VERSION, **REPORT_ANSWERS},
            summary="一个版本的核查报告：文件入库时的核查（与 yusuan check 相同，含与上年文件的比对）")
def report(request: Request, version_id: Id, format: ReportFormat = "json") -> Response:
    found = _visible_version(request, version_id)
    with request.app.state.sessions() as session:
        found = session.get(Version, found.id)  # type: ignore[assignment]
        made, disclosure = downloads.report_of(session, found, request.app.state.settings)
    return _report_answer(made, disclosure, format)


DOWNLOADS = {media.split(";")[0]: {"schema": {"type": "object"} if media == "application/json" else
                                             {"type": "string", "format": "binary"}}
             for media in sorted({*downloads.MEDIA.values(), *(m for m, _ in downloads.KINDS.values())})}


@router.get("/versions/{version_id}/download/{what}", response_class=Response,
            summary="下载：原文件、Excel、CSV、JSON、核查报告、Fiscal Data Package",
            responses={**NO_VERSION, 200: {"content": DOWNLOADS, "description": "文件（附件）"}})
def download(request: Request, version_id: Id, what: downloads.What) -> Response:
    found = _visible_version(request, version_id)
    with request.app.state.sessions() as session:
        found = session.get(Version, found.id)  # type: ignore[assignment]
        data, media, name = downloads.download(session, found, what, request.app.state.settings)
    return Response(data, media_type=media, headers={"Content-Disposition": downloads.content_disposition(name)})


@router.get("/compare", response_model=Compared, responses=NO_VERSION, summary="两个版本逐表对比（按科目编码或行名）")
def compare(request: Request, a: Annotated[int, Query(ge=1, le=MAX_ID, description="A 版本编号")],
            b: Annotated[int, Query(ge=1, le=MAX_ID, description="B 版本编号")]) -> Compared:
    sides = [_visible_version(request, version_id) for version_id in (a, b)]
    with request.app.state.sessions() as session:
        tables = queries.compare(session, *sides)
    return Compared(a=a, b=b, tables=[CompareTable(kind=t["title"], name=kind_name(t["title"]), money_unit=t["unit"], rows=[
        CompareRow(row=r["row"], column=r["column"], a=_text(r["a"]), b=_text(r["b"]), difference=_text(r["diff"]))
        for r in t["rows"]]) for t in tables])


# ------------------------------------------------------------------------------------- findings

REVIEWING = {404: {"model": Problem, "description": "没有这个发现"}, **FORBIDDEN, **BROKEN_FORM}
# no NUL (PostgreSQL keeps none); a dismissal says why in something more than blanks
Reason = Annotated[str, Form(max_length=1000, pattern="^[^\\x00]*$", description="理由")]
Why = Annotated[str, Form(max_length=1000, pattern="^[^\\x00]*[^\\s\\x00][^\\x00]*$", description="驳回的理由（必填）")]


@router.post("/findings/{finding_id}/confirm", response_model=FindingOut, responses=REVIEWING,
             summary="确认一条发现（审核、管理员）")
def confirm(request: Request, finding_id: Id, reason: Reason = "", csrf: str = Form("")) -> FindingOut:
    return _review(request, finding_id, "confirmed", reason, csrf)


@router.post("/findings/{finding_id}/dismiss", response_model=FindingOut, responses=REVIEWING,
             summary="驳回一条发现，写明理由（审核、管理员）")
def dismiss(request: Request, finding_id: Id, reason: Why, csrf: str = Form("")) -> FindingOut:
    return _review(request, finding_id, "dismissed", reason, csrf)


def _review(request: Request, finding_id: int, status: str, reason: str, csrf: str) -> FindingOut:
    who = require(request, "review")  # as on the pages: reviewers and admins
    check_csrf(who, csrf)
    with request.app.state.sessions.begin() as session:
        return _finding_out(queries.review(session, who, finding_id, status, reason))


# ----------------------------------------------------------------------------- search, catalog

@router.get("/search", response_model=SearchOut, summary="搜索：单位名称、项目名称、科目编码（与搜索页相同）")
def search(request: Request, q: Annotated[str, Query(min_length=1, max_length=100, pattern="^[^\\x00]+$",
                                                       description="单位、项目名称或科目编码")]) -> SearchOut:
    who = visitor(request)
    q = q.strip()
    with request.app.state.sessions() as session:
        found = queries.search(session, who, q)
    return SearchOut(q=q, units=[UnitOut(**u) for u in found["units"]],
                     projects=[ProjectHit(version_id=p["version"], unit=p["unit"], year=p["year"], project=p["project"],
                                          yuan=str(p["yuan"])) for p in found["projects"]],
                     codes=[CodeHit(version_id=c["version"], unit=c["unit"], year=c["year"], table=c["table"],
                                    code=c["code"], label=c["label"], column=c["column"],
                                    column_name=column_name(c["column"]), value=str(c["value"]),
                                    money_unit=c["money_unit"]) for c in found["codes"]])


# a classification code as catalog.classify knows one: functional 201–299 (类, 款, 项), economic 301–399 and
# 501–599 (类, 款); in the schema, so any other is refused as a bad parameter
CODE = "^(2(0[1-9]|[1-9][0-9])([0-9]{2}){0,2}|(3|5)(0[1-9]|[1-9][0-9])([0-9]{2})?)$"


@router.get("/catalog/{code}", response_model=CatalogEntry,
            summary="查询分类科目编码：名称、级次、上级科目（与 yusuan catalog 相同）",
            responses={404: {"model": Problem, "description": "目录中未收录（目录不完整）"}})
def catalog_entry(code: Annotated[str, Path(pattern=CODE, description="如 2011301 或 30111")], year: Year = None) -> CatalogEntry:
    from yusuan import catalog

    entry = catalog.lookup(code, year)
    if entry is None:
        raise HTTPException(404, f"{code}：{catalog.LABELS[catalog.classify(code)]}中未收录")  # type: ignore[index]
    return CatalogEntry(code=entry.code, name=entry.name, level=entry.level, year=entry.year,
                        classification=entry.classification,
                        parents=[CatalogParent(code=p.code, name=p.name, level=p.level, year=p.year)
                                 for p in catalog.parents(code, year)])


# ------------------------------------------------------------------------------------ aggregate

DIMENSIONS = {
    "year": Document.year, "phase": Document.kind, "region": Region.name, "department": Department.name,
    "unit": Unit.name, "unit_id": Unit.id,
    "functional_class": func.substr(Fact.functional, 1, 3), "functional_item": func.substr(Fact.functional, 1, 5),
    "functional": Fact.functional, "economic_class": func.substr(Fact.economic, 1, 3), "economic": Fact.economic,
    "source": Fact.source, "kind": Fact.kind, "project": Fact.project,
}
Dimension = Literal["year", "phase", "region", "department", "unit", "unit_id", "functional_class", "functional_item",
                    "functional", "economic_class", "economic", "source", "kind", "project"]
# 维度:值, the year a number, no NUL (PostgreSQL holds none): in the schema, so a bad cut is refused like any bad parameter
OTHERS = "|".join(d for d in DIMENSIONS if d not in ("year", "unit_id"))
Cut = Annotated[str, StringConstraints(pattern=f"^((year:[0-9]{{1,4}})|(unit_id:[0-9]{{1,9}})|({OTHERS}):[^\\x00]+)$")]


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
        query = query.where(DIMENSIONS[name] == (int(value) if name in ("year", "unit_id") else value))
    if columns:
        query = query.group_by(*columns).order_by(*columns)
    rows = session.execute(query).all()
    cells = [AggregateCell(amount=str(Decimal(r.amount or 0).quantize(Decimal("0.01"))), count=r.count,
                           dimensions={d: getattr(r, d) for d in drilldown}) for r in rows if r.count]
    total = sum((Decimal(r.amount or 0) for r in rows), Decimal(0)).quantize(Decimal("0.01"))
    return Aggregate(drilldown=list(drilldown), cells=cells, total=str(total))


# -------------------------------------------------------------------------------- check, about

@router.post("/check", response_model=Report, summary="核查一份文件，不入库：上传文件，返回核查报告（与 yusuan check 相同）",
             responses={**REPORT_ANSWERS, **BROKEN_FORM, **TOO_BIG, **BUSY})
async def check(request: Request, file: UploadFile = File(...), format: ReportFormat = "json") -> Response:  # noqa: B008
    """Read and checked in the uploads' sandbox, under their limits, with the settings in force (/api/v1/about);
    nothing is kept. A file that is no disclosure: a 422 saying why."""
    from yusuan.web.reading import check_upload

    data, name = await _file(file)
    try:
        checked = await check_upload(request, data, name)
    except YusuanError as error:
        raise HTTPException(422, str(error)) from error
    return _report_answer(checked.report, checked.disclosure, format)


def about_of(request: Request) -> About:
    from yusuan import __version__
    from yusuan.check.rules import rules
    from yusuan.web.app import MAX_UPLOAD

    settings, config, limits = request.app.state.settings, request.app.state.config, request.app.state.readers.limits
    return About(version=__version__, config=config.name if config else None, settings=settings.to_dict(),
                 rules=[RuleOut(id=r.id, name=r.name, family=r.family, severity=r.severity, tolerance=str(r.tolerance),
                                description=r.description) for r in rules(settings).values()],
                 database=make_url(request.app.state.url).get_backend_name(),
                 limits={"file_mb": MAX_UPLOAD >> 20, "upload_mb": (10 * MAX_UPLOAD) >> 20,
                         "read_seconds": int(limits.timeout), "read_memory_mb": limits.memory_mb})


@router.get("/about", response_model=About,
            summary="本站的核查设置（与 yusuan check 相同：YUSUAN_CONFIG 或 yusuan.toml）与上传限制")
def about(request: Request) -> About:
    return about_of(request)
