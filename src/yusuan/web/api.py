"""The API (/api/v1, OpenAPI at /api/v1/openapi.json): units, documents, tables, findings, and
an aggregate endpoint that sums the fact table by any dimension, with cuts and drilldown, in
the spirit of OpenSpending's."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from pydantic import BaseModel
from sqlalchemy import func, select

from yusuan.errors import YusuanError
from yusuan.store.schema import Department, Document, Fact, FindingRow, Region, Unit, Version
from yusuan.web import queries
from yusuan.web.auth import check_csrf, require, visitor

router = APIRouter(prefix="/api/v1", tags=["api"])


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
    dimensions: dict[str, str | int]


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


@router.get("/units", response_model=list[UnitOut], summary="单位")
def units(request: Request) -> list[UnitOut]:
    who = visitor(request)
    with request.app.state.sessions() as session:
        return [UnitOut(id=u["id"], name=u["name"], department=u["department"], region=u["region"])
                for u in queries.units(session, who)]


@router.get("/documents", response_model=list[DocumentOut], summary="公开文件（每份的最新版本）")
def documents(request: Request, unit: int | None = None, year: int | None = None) -> list[DocumentOut]:
    who = visitor(request)
    with request.app.state.sessions() as session:
        query = queries.visible(session, who)
        if unit is not None:
            query = query.where(Document.unit_id == unit)
        if year is not None:
            query = query.where(Document.year == year)
        out = []
        documents = session.scalars(query.order_by(Document.id)).all()
        newest = queries.latest_of(session, list(documents))
        for d in documents:
            v = newest[d.id]
            out.append(DocumentOut(id=d.id, unit_id=d.unit_id, year=d.year, kind=d.kind, version_id=v.id,
                                   version=v.number, errors=v.errors, warnings=v.warnings))
        return out


def _visible_version(request: Request, version_id: int, whole: bool = False) -> Version:
    who = visitor(request)
    with request.app.state.sessions() as session:
        version = session.get(Version, version_id, options=queries.WHOLE if whole else None)
        document = session.get(Document, version.document_id) if version else None
        if version is None or not queries.may_see(session, who, document):  # type: ignore[arg-type]
            raise HTTPException(404, "没有这个版本")
        return version


@router.get("/versions/{version_id}/tables", summary="一个版本读出的表格（与 yusuan parse 相同）")
def tables(request: Request, version_id: int) -> list[dict]:
    version = _visible_version(request, version_id, whole=True)
    return [{k: v for k, v in t.items() if k != "column_details"} for t in version.disclosure["tables"]]


@router.get("/versions/{version_id}/findings", response_model=list[FindingOut], summary="核查发现及审核状态")
def findings(request: Request, version_id: int) -> list[FindingOut]:
    version = _visible_version(request, version_id)
    with request.app.state.sessions() as session:
        rows = session.scalars(select(FindingRow).where(FindingRow.version_id == version.id).order_by(FindingRow.id))
        return [FindingOut(id=f.id, fid=f.fid, rule=f.rule, severity=f.severity, message=f.message, status=f.status,
                           reason=f.reason, locations=f.data.get("locations", []), stated=f.data.get("stated"),
                           expected=f.data.get("expected")) for f in rows]


@router.get("/aggregate", response_model=Aggregate, summary="按任意维度汇总（元）")
def aggregate(request: Request, drilldown: list[Dimension] = Query(default=[]),  # noqa: B008
              cut: list[str] = Query(default=[], description="维度:值，如 year:2023、source:gpb")) -> Aggregate:  # noqa: B008
    """Sums of the fact table of each document's latest version, in 元."""
    who = visitor(request)
    with request.app.state.sessions() as session:
        # the answer stands until a version is added or a document published or taken back
        stamp = (session.scalar(select(func.max(Version.id))),
                 *session.execute(select(func.count(Document.id), func.sum(Document.id)).where(Document.published)).one())
        key = (stamp, who.can("read_unpublished"), tuple(drilldown), tuple(cut))
        if (cached := request.app.state.aggregates.get(key)) is not None:
            return cached
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
            if name not in DIMENSIONS or not value:
                raise HTTPException(422, f"cut 应写成 维度:值，维度为 {'、'.join(DIMENSIONS)}")
            query = query.where(DIMENSIONS[name] == (int(value) if name == "year" and value.isdigit() else value))
        if columns:
            query = query.group_by(*columns).order_by(*columns)
        rows = session.execute(query).all()
        cells = [AggregateCell(amount=str(Decimal(r.amount or 0).quantize(Decimal("0.01"))), count=r.count,
                               dimensions={d: getattr(r, d) for d in drilldown}) for r in rows if r.count]
        total = sum((Decimal(r.amount or 0) for r in rows), Decimal(0)).quantize(Decimal("0.01"))
        answer = Aggregate(drilldown=list(drilldown), cells=cells, total=str(total))
        request.app.state.aggregates.put(key, answer)
        return answer


@router.post("/documents", response_model=DocumentOut, status_code=201, summary="上传一份公开文件（需要令牌或登录）")
async def upload(request: Request, file: UploadFile = File(...), region: str = Form(""),  # noqa: B008
                 department: str = Form(""), csrf: str = Form("")) -> DocumentOut:
    from yusuan.store.documents import store_file
    from yusuan.web.app import MAX_UPLOAD

    who = require(request, "upload")
    check_csrf(who, csrf)
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise HTTPException(413, "文件太大")
    name = (file.filename or "upload").replace("\\", "/").split("/")[-1][:200]
    try:
        with request.app.state.sessions.begin() as session:
            stored = store_file(session, data, name, region=region or None, department=department or None,
                                account_id=who.account.id if who.account else None)
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
