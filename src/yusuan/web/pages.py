"""Pages for people: units, documents with their findings, search, upload, login, review,
downloads. Server-rendered; the little JavaScript there is (charts, upload progress) is optional."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import bindparam, select
from starlette.concurrency import run_in_threadpool

from yusuan.errors import YusuanError
from yusuan.files import safe_name
from yusuan.report.terminal import SEVERITY_NAMES
from yusuan.store.accounts import authenticate, editor_units
from yusuan.store.schema import CellValue, Document, Fact, FindingRow, Unit, Version
from yusuan.web import downloads, queries
from yusuan.web.api import Id, OptionalId, PageNumber, PerPage
from yusuan.web.auth import COOKIE, MAX_AGE, Visitor, check_csrf, require, session_cookie, visitor

if TYPE_CHECKING:
    from yusuan.model import Disclosure

router = APIRouter(include_in_schema=False)
ROLE_NAMES = {"public": "访客", "editor": "单位填报", "reviewer": "审核", "admin": "管理员"}
STATUS_NAMES = {"open": "待审核", "confirmed": "已确认", "dismissed": "已驳回"}


def render(request: Request, who: Visitor, template: str, status: int = 200, **context: object) -> HTMLResponse:
    response = request.app.state.templates.TemplateResponse(
        request, template, {"who": who, "role_names": ROLE_NAMES, **context}, status_code=status)
    if who.csrf and not request.cookies.get(COOKIE):  # a first visit: its CSRF token lives in the cookie
        response.set_cookie(COOKIE, session_cookie(request, who.account, who.csrf), max_age=MAX_AGE, httponly=True,
                            samesite="lax", secure=request.url.scheme == "https")
    return response


def _version(request: Request, who: Visitor, version_id: int) -> tuple[Version, Document]:
    """The version if the visitor may see it (without its deferred original file and read model)."""
    with request.app.state.sessions() as session:
        version = session.get(Version, version_id)
        if version is None:
            raise HTTPException(404, "没有这个版本")
        document = session.get(Document, version.document_id)
        if not queries.may_see(session, who, document):  # type: ignore[arg-type]
            raise HTTPException(404, "没有这个版本")
        return version, document  # type: ignore[return-value]


@router.get("/", response_class=HTMLResponse)
def home(request: Request, page: PageNumber = 1, per_page: PerPage = 50) -> HTMLResponse:
    who = visitor(request)
    paging = queries.Paging(page, per_page)
    with request.app.state.sessions() as session:
        total, units = queries.units_with_documents(session, who, paging)
    return render(request, who, "home.html", units=units, total=total, paging=paging, pages=paging.pages(total))


@router.get("/units/{unit_id}", response_class=HTMLResponse)
def unit_page(request: Request, unit_id: Id) -> HTMLResponse:
    who = visitor(request)
    with request.app.state.sessions() as session:
        unit = session.get(Unit, unit_id)
        if unit is None:
            raise HTTPException(404, "没有这个单位")
        years, charts = queries.unit_years(session, unit, who)
        if not years:
            raise HTTPException(404, "没有这个单位")
        unit.department.region  # noqa: B018 - loaded for the template
        return render(request, who, "unit.html", unit=unit, years=years, charts=charts)


@router.get("/documents/{document_id}")
def document_page(request: Request, document_id: Id) -> RedirectResponse:
    with request.app.state.sessions() as session:
        document = session.get(Document, document_id)
        if document is None or not queries.may_see(session, visitor(request), document):  # no hint that a draft exists
            raise HTTPException(404, "没有这个文件")
        return RedirectResponse(f"/versions/{queries.latest(session, document).id}", status_code=303)


# The document page's queries, built once (building a select() costs more than SQLite takes to answer it),
# answered as plain rows: making ORM objects of them cost a quarter of the page.
PAGE_COLUMNS = {"version": (Version.id, Version.number, Version.filename, Version.format, Version.errors, Version.warnings),
                "document": (Document.id, Document.year, Document.kind, Document.published, Document.unit_id),
                "unit": (Unit.id, Unit.name)}
VERSION_PAGE = (select(*(c.label(f"{part}_{c.key}") for part, columns in PAGE_COLUMNS.items() for c in columns))
                .select_from(Version).join(Document, Version.document_id == Document.id)
                .join(Unit, Document.unit_id == Unit.id).where(Version.id == bindparam("version")))
FINDINGS = (select(FindingRow.id, FindingRow.fid, FindingRow.severity, FindingRow.rule, FindingRow.message, FindingRow.data,
                   FindingRow.status, FindingRow.reason)
            .where(FindingRow.version_id == bindparam("version")).order_by(FindingRow.id))
VERSIONS = select(Version.id, Version.number).where(Version.document_id == bindparam("document")).order_by(Version.number)


@router.get("/versions/{version_id}", response_class=HTMLResponse)
def version_page(request: Request, version_id: Id) -> HTMLResponse:
    who = visitor(request)
    with request.app.state.sessions() as session:  # the most visited page
        connection = session.connection()
        found = connection.execute(VERSION_PAGE, {"version": version_id}).one_or_none()
        if found is None:
            raise HTTPException(404, "没有这个版本")
        version, document, unit = (SimpleNamespace(**{c.key: found._mapping[f"{part}_{c.key}"] for c in columns})
                                   for part, columns in PAGE_COLUMNS.items())
        if not queries.may_see(session, who, document):
            raise HTTPException(404, "没有这个版本")
        findings = connection.execute(FINDINGS, {"version": version.id}).all()
        versions = connection.execute(VERSIONS, {"document": document.id}).all()
        return render(request, who, "version.html", version=version, document=document, unit=unit, versions=versions,
                      can_publish=queries.may_publish(session, who, document),
                      findings=findings, severity_names=SEVERITY_NAMES, status_names=STATUS_NAMES)


@router.get("/versions/{version_id}/download/{what}")
def download(request: Request, version_id: Id, what: str) -> Response:
    who = visitor(request)
    version, document = _version(request, who, version_id)
    stem = f"{document.unit_id}-{document.year}-v{version.number}"
    with request.app.state.sessions() as session:
        version = session.get(Version, version.id)  # type: ignore[assignment]
        if what == "original":
            data, media, name = downloads.original(version)
            return _attachment(data, media, name)
        makers = {
            "xlsx": (lambda: downloads.xlsx(version), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     f"{stem}.xlsx"),
            "csv": (lambda: downloads.cells_csv(session, version), "text/csv; charset=utf-8", f"{stem}.csv"),
            "json": (lambda: _json(version), "application/json", f"{stem}.json"),
            "report": (lambda: downloads.report_html(version), "text/html; charset=utf-8", f"{stem}-report.html"),
            "datapackage": (lambda: downloads.datapackage(session, version), "application/zip",
                            f"{stem}-datapackage.zip"),
        }
        if what not in makers:
            raise HTTPException(404, "没有这种下载")
        make, media, name = makers[what]
        if what == "report" and request.query_params.get("inline"):
            response = Response(make(), media_type=media)
            response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"
            response.headers["X-Frame-Options"] = "SAMEORIGIN"
            return response
        return _attachment(make(), media, name)


def _json(version: Version) -> bytes:
    import json

    return json.dumps(version.disclosure, ensure_ascii=False, indent=1).encode("utf-8")


def _attachment(data: bytes, media: str, name: str) -> Response:
    return Response(data, media_type=media, headers={"Content-Disposition": downloads.content_disposition(name)})


@router.get("/compare", response_class=HTMLResponse)
def compare(request: Request, a: OptionalId = None, b: OptionalId = None) -> HTMLResponse:
    """Two versions (two units, or two years of one) table by table: rows by code or label."""
    who = visitor(request)
    if a is None or b is None:
        return render(request, who, "compare.html", a=None, b=None, tables=[])
    sides = []
    for version_id in (a, b):
        version, document = _version(request, who, version_id)
        with request.app.state.sessions() as session:
            unit = session.get(Unit, document.unit_id)
            cells = session.scalars(select(CellValue).where(CellValue.version_id == version.id)).all()
        title = f"{unit.name} {document.year}年 第{version.number}版"  # type: ignore[union-attr]
        sides.append(({"id": version.id, "title": title},
                      {(c.table_kind, c.code or c.label, c.column_key): c.value for c in cells}))
    (left, va), (right, vb) = sides
    tables = []
    for kind in dict.fromkeys(k[0] for k in [*va, *vb]):
        keys = sorted({k for k in [*va, *vb] if k[0] == kind}, key=lambda k: (k[1] or "", k[2]))
        rows = [{"row": k[1], "column": k[2], "a": va.get(k), "b": vb.get(k),
                 "diff": (vb.get(k) or 0) - (va.get(k) or 0) if va.get(k) != vb.get(k) else None} for k in keys]
        tables.append({"title": kind, "rows": rows})
    return render(request, who, "compare.html", a=left, b=right, tables=tables)


@router.get("/search", response_class=HTMLResponse)
def search(request: Request, q: str = "") -> HTMLResponse:
    who = visitor(request)
    q = q.strip()[:100]
    with request.app.state.sessions() as session:  # what the visitor may not see is left out by the database
        seen = Document.id.in_(queries.visible(session, who).with_only_columns(Document.id))
        units, projects, codes = [], [], []
        if q:
            units = session.scalars(select(Unit).join(Document).where(Unit.name.contains(q), seen).distinct()
                                    .order_by(Unit.name, Unit.id).limit(50)).all()
            rows = session.execute(select(Fact, Version, Document, Unit).join(Version, Fact.version_id == Version.id)
                                   .join(Document, Version.document_id == Document.id).join(Unit)
                                   .where(Fact.project.contains(q), seen).order_by(Fact.id).limit(100)).all()
            projects = [{"version": v.id, "unit": u.name, "year": d.year, "project": f.project, "yuan": f.yuan}
                        for f, v, d, u in rows]
            if q.isdigit():
                rows = session.execute(select(CellValue, Version, Document, Unit)
                                       .join(Version, CellValue.version_id == Version.id)
                                       .join(Document, Version.document_id == Document.id).join(Unit)
                                       .where(CellValue.code == q, seen).order_by(CellValue.id).limit(100)).all()
                codes = [{"version": v.id, "unit": u.name, "year": d.year, "table": c.table_number, "code": c.code,
                          "label": c.label, "value": c.value} for c, v, d, u in rows]
        return render(request, who, "search.html", q=q, units=units, projects=projects, codes=codes)


@router.get("/upload", response_class=HTMLResponse)
def upload_form(request: Request) -> HTMLResponse:
    who = require(request, "upload")
    return render(request, who, "upload.html")


@router.post("/upload", response_class=HTMLResponse)
async def upload(request: Request, files: list[UploadFile] = File(...), csrf: str = Form(""),  # noqa: B008
                 region: str = Form(""), department: str = Form("")) -> HTMLResponse:
    from yusuan.store.documents import store_file
    from yusuan.web.app import MAX_UPLOAD
    from yusuan.web.reading import read_upload

    who = require(request, "upload")
    check_csrf(who, csrf)
    results, too_big = [], False
    for upload_file in files:
        name = safe_name(upload_file.filename or "")
        data = await upload_file.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            too_big = True
            results.append({"name": name, "version": None, "message": f"文件超过 {MAX_UPLOAD // 1024 // 1024} MB"})
            continue
        try:
            read = await read_upload(request, data, name)
            with request.app.state.sessions.begin() as session:
                stored = store_file(session, data, name, region=region.strip() or None,
                                    department=department.strip() or None,
                                    account_id=who.account.id if who.account else None, read=read)
                try:
                    draft = queries.settle_upload(session, who, stored)
                except queries.NotYourUnit as error:  # undoes the store: the transaction is not committed
                    raise YusuanError(str(error), file=name) from error
                message = ("已存在（同一文件）" if not stored.new else
                           f"第{stored.version.number}版，错误 {stored.version.errors} 个，警告 {stored.version.warnings} 个"
                           + ("（草稿，尚未公开）" if draft else ""))
                results.append({"name": name, "version": stored.version.id, "message": message})
        except YusuanError as error:
            results.append({"name": name, "version": None, "message": str(error)})
    status = 200 if any(r["version"] for r in results) else 413 if too_big else 400
    return render(request, who, "upload.html", status=status, results=results)


@router.post("/documents/{document_id}/publish")
def publish(request: Request, document_id: Id, published: bool = Form(...), csrf: str = Form("")) -> RedirectResponse:
    who = require(request, "upload")  # editors and up; whether of this document's unit is asked below
    check_csrf(who, csrf)
    with request.app.state.sessions.begin() as session:
        document = session.get(Document, document_id)
        if document is None or not queries.may_see(session, who, document):
            raise HTTPException(404, "没有这个文件")
        if not queries.may_publish(session, who, document):
            raise HTTPException(403, "没有权限公开或撤回这份文件")
        document.published = published
        return RedirectResponse(f"/versions/{queries.latest(session, document).id}", status_code=303)


@router.post("/findings/{finding_id}")
def review(request: Request, finding_id: Id, status: str = Form(...), reason: str = Form(""),
           csrf: str = Form("")) -> RedirectResponse:
    who = require(request, "review")
    check_csrf(who, csrf)
    if status not in ("confirmed", "dismissed"):
        raise HTTPException(400, "审核结果应为确认或驳回")
    if status == "dismissed" and not reason.strip():
        raise HTTPException(400, "驳回须写明理由")
    with request.app.state.sessions.begin() as session:
        finding = session.get(FindingRow, finding_id)
        if finding is None:
            raise HTTPException(404, "没有这个发现")
        finding.status, finding.reason = status, reason.strip()[:1000] or None
        finding.reviewed_by, finding.reviewed_at = who.account.id, datetime.now()  # type: ignore[union-attr]
        target = f"/versions/{finding.version_id}#{finding.fid}"
    return RedirectResponse(target, status_code=303)


@router.get("/build", response_class=HTMLResponse)
def build_form(request: Request) -> HTMLResponse:
    return render(request, require(request, "build"), "build.html")


@router.get("/build/template")
def build_template(request: Request) -> Response:
    from yusuan.budget.workbook import write_workbook

    require(request, "build")
    return _attachment(write_workbook(None), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       "预算数据录入表.xlsx")


@router.post("/build", response_model=None)
async def build_documents(request: Request, budget: UploadFile = File(...), csrf: str = Form(""),  # noqa: B008
                          pdf: str = Form("")) -> Response:
    """A budget workbook → the whole disclosure, zipped."""
    import tempfile
    from pathlib import Path

    from yusuan.budget.io import load_budget
    from yusuan.build.document import build
    from yusuan.web.app import MAX_UPLOAD

    who = require(request, "build")
    check_csrf(who, csrf)
    data = await budget.read(MAX_UPLOAD + 1)
    suffix = Path(budget.filename or "budget.xlsx").suffix.lower()
    if len(data) > MAX_UPLOAD:
        return render(request, who, "build.html", status=413, error=f"预算数据超过 {MAX_UPLOAD >> 20} MB")
    if suffix not in (".xlsx", ".json", ".yaml", ".yml"):
        return render(request, who, "build.html", status=400, error="请上传 .xlsx、.json 或 .yaml 格式的预算数据")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"budget{suffix}"
        path.write_bytes(data)
        try:
            loaded, _ = await run_in_threadpool(load_budget, path)  # work for seconds: off the event loop
            if who.role == "editor":  # refused before the work of building
                with request.app.state.sessions() as session:
                    mine = {session.get(Unit, u).name for u in editor_units(session, who.account)}  # type: ignore[arg-type,union-attr]
                if loaded.unit.name not in mine:
                    return render(request, who, "build.html", status=403, error="这个单位不在你可以填报的单位之中")
            disclosure = await run_in_threadpool(build, loaded)
        except YusuanError as error:
            return render(request, who, "build.html", status=400, error=str(error).replace(str(path), budget.filename or ""))
    # the unit's name comes from the workbook: no folders or control characters in the zip's member names
    stem = safe_name(f"{loaded.unit.name}{loaded.unit.year}年{loaded.unit.scope}预算公开")
    return _attachment(await run_in_threadpool(_zipped, disclosure, stem, bool(pdf)), "application/zip", f"{stem}.zip")


def _zipped(disclosure: Disclosure, stem: str, pdf: bool) -> bytes:
    """The disclosure as Excel, Word, HTML (and PDF), in one zip."""
    from yusuan.render.docx import render_docx
    from yusuan.render.html import render_html
    from yusuan.render.xlsx import render_xlsx

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{stem}.xlsx", render_xlsx(disclosure))
        z.writestr(f"{stem}.docx", render_docx(disclosure))
        z.writestr(f"{stem}.html", render_html(disclosure))
        if pdf:
            from yusuan.render.pdf import render_pdf

            z.writestr(f"{stem}.pdf", render_pdf(disclosure))
    return out.getvalue()


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return render(request, visitor(request), "login.html")


@router.post("/login", response_class=HTMLResponse, response_model=None)
def login(request: Request, name: str = Form(...), password: str = Form(...), csrf: str = Form("")) -> Response:
    who = visitor(request)
    check_csrf(who, csrf)
    key = f"{name}|{request.client.host if request.client else ''}"
    limiter = request.app.state.limiter
    if limiter.blocked(key):
        response = render(request, who, "login.html", status=429, error="登录失败次数过多，请稍后再试")
        response.headers["Retry-After"] = str(int(limiter.window))
        return response
    with request.app.state.sessions() as session:
        account = authenticate(session, name, password)
    if account is None:
        limiter.failed(key)
        return render(request, who, "login.html", status=401, error="用户名或密码不对")
    import secrets

    response = RedirectResponse("/", status_code=303)
    response.set_cookie(COOKIE, session_cookie(request, account, secrets.token_urlsafe(16)), max_age=MAX_AGE,
                        httponly=True, samesite="lax", secure=request.url.scheme == "https")
    return response


@router.post("/logout")
def logout(request: Request, csrf: str = Form("")) -> RedirectResponse:
    check_csrf(visitor(request), csrf)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE)
    return response
