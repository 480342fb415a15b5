"""Pages for people: units, documents with their findings, search, upload, login, review,
downloads. Server-rendered; the little JavaScript there is (charts, upload progress) is optional."""

from __future__ import annotations

import io
import re
import zipfile
from types import SimpleNamespace
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import bindparam, select
from starlette.concurrency import run_in_threadpool

from yusuan.check.findings import Reading
from yusuan.errors import YusuanError
from yusuan.files import safe_name
from yusuan.report.reading import reading_text
from yusuan.report.words import is_rounding
from yusuan.store.accounts import ROLE_NAMES, authenticate, editor_units
from yusuan.store.schema import Document, FindingRow, Unit, Version
from yusuan.store.season import set_published
from yusuan.web import downloads, queries
from yusuan.web.api import Id, OptionalId, PageNumber, PerPage, about_of
from yusuan.web.auth import COOKIE, MAX_AGE, Visitor, check_csrf, require, session_cookie, visitor

if TYPE_CHECKING:
    from yusuan.check.findings import Report
    from yusuan.model import Disclosure

router = APIRouter(include_in_schema=False)
STATUS_NAMES = {"open": "待审核", "confirmed": "已确认", "dismissed": "已驳回"}


def render(request: Request, who: Visitor, template: str, status: int = 200, **context: object) -> HTMLResponse:
    response = request.app.state.templates.TemplateResponse(
        request, template, {"who": who, "role_names": ROLE_NAMES, **context}, status_code=status)
    return with_cookie(request, who, response)


def with_cookie(request: Request, who: Visitor, response: HTMLResponse) -> HTMLResponse:
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
READING = select(Version.report["reading"]).where(Version.id == bindparam("version"))  # not the whole report
VERSIONS = select(Version.id, Version.number).where(Version.document_id == bindparam("document")).order_by(Version.number)


@router.get("/versions/{version_id}", response_class=HTMLResponse)
def version_page(request: Request, version_id: Id, at: Annotated[str, Query(max_length=80)] = "",
                 reason_needed: OptionalId = None) -> HTMLResponse:
    """The version's findings and its report; `at` opens a place in the report (a search hit's row), and
    `reason_needed` says which finding's dismissal still wants its reason."""
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
        read = connection.execute(READING, {"version": version.id}).scalar()
        return render(request, who, "version.html", version=version, document=document, unit=unit, versions=versions,
                      reading=reading_text(Reading.model_validate(read)) if read else None,
                      can_publish=queries.may_publish(session, who, document),
                      findings=[f for f in findings if not is_rounding(f)],
                      rounding=[f for f in findings if is_rounding(f)],
                      at=at if re.fullmatch(r"(row|cell|table)-[\w-]+", at) else "", reason_needed=reason_needed,
                      status_names=STATUS_NAMES)


@router.get("/versions/{version_id}/download/{what}")
def download(request: Request, version_id: Id, what: str) -> Response:
    who = visitor(request)
    version, _ = _version(request, who, version_id)
    if what != "original" and what not in downloads.KINDS:
        raise HTTPException(404, "没有这种下载")
    with request.app.state.sessions() as session:
        version = session.get(Version, version.id)  # type: ignore[assignment]
        data, media, name = downloads.download(session, version, what, request.app.state.settings)
    if what == "report" and request.query_params.get("inline"):  # framed by the version's page
        response = Response(data, media_type=media)
        response.headers["Content-Security-Policy"] = downloads.FRAMED_REPORT_POLICY
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        return response
    return _attachment(data, media, name)


def _attachment(data: bytes, media: str, name: str) -> Response:
    return Response(data, media_type=media, headers={"Content-Disposition": downloads.content_disposition(name)})


@router.get("/compare", response_class=HTMLResponse)
def compare(request: Request, a: OptionalId = None, b: OptionalId = None) -> HTMLResponse:
    """Two versions (two units, or two years of one) table by table: rows by code or label."""
    who = visitor(request)
    with request.app.state.sessions() as session:
        choices = queries.versions_to_compare(session, who)
    if a is None or b is None:
        return render(request, who, "compare.html", a=None, b=None, tables=[], choices=choices)
    sides = [_version(request, who, version_id) for version_id in (a, b)]
    with request.app.state.sessions() as session:
        left, right = ({"id": v.id, "title": f"{session.get(Unit, d.unit_id).name} {d.year}年 第{v.number}版"}  # type: ignore[union-attr]
                       for v, d in sides)
        tables = queries.compare(session, sides[0][0], sides[1][0])
    return render(request, who, "compare.html", a=left, b=right, tables=tables, choices=choices)


@router.get("/search", response_class=HTMLResponse)
def search(request: Request, q: str = "") -> HTMLResponse:
    who = visitor(request)
    q = q.strip()[:100]
    with request.app.state.sessions() as session:
        found = queries.search(session, who, q)
    return render(request, who, "search.html", q=q, **found)


@router.get("/about", response_class=HTMLResponse)
def about(request: Request) -> HTMLResponse:
    """What this server checks with (the settings in force, as `yusuan check` would find them) and its limits."""
    return render(request, visitor(request), "about.html", about=about_of(request))


@router.get("/upload", response_class=HTMLResponse)
def upload_form(request: Request) -> HTMLResponse:
    who = require(request, "upload")
    return render(request, who, "upload.html")


@router.post("/upload", response_class=HTMLResponse)
async def upload(request: Request, files: list[UploadFile] = File(...), csrf: str = Form(""),  # noqa: B008
                 region: str = Form(""), department: str = Form("")) -> HTMLResponse:
    from yusuan.intake import keep
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
            checked = await read_upload(request, data, name)
            with request.app.state.sessions.begin() as session:
                stored = keep(session, data, name, checked, region=region.strip() or None,
                              department=department.strip() or None,
                              account_id=who.account.id if who.account else None)
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
        except HTTPException as busy:  # too many files waiting to be read: this one is not stored, say so
            if busy.status_code != 503:
                raise
            results.append({"name": name, "version": None, "message": busy.detail})
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
        set_published(session, document, published, who.account.id if who.account else None)
        return RedirectResponse(f"/versions/{queries.latest(session, document).id}", status_code=303)


@router.post("/findings/{finding_id}")
def review(request: Request, finding_id: Id, status: str = Form(...), reason: str = Form(""),
           csrf: str = Form("")) -> RedirectResponse:
    who = require(request, "review")
    check_csrf(who, csrf)
    with request.app.state.sessions.begin() as session:
        if status == "dismissed" and not reason.strip():  # back to the finding, asking for the reason there
            finding = session.get(FindingRow, finding_id)
            if finding is None:
                raise HTTPException(404, "没有这个发现")
            return RedirectResponse(f"/versions/{finding.version_id}?reason_needed={finding.id}#{finding.fid}",
                                    status_code=303)
        finding = queries.review(session, who, finding_id, status, reason)
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
                          pdf: str = Form(""), anyway: str = Form("")) -> Response:
    """A budget workbook → the whole disclosure, zipped with the check of what was built. When that check finds
    errors the page names them, and the zip comes only when asked for anyway."""
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
    from yusuan.check.engine import check

    report = await run_in_threadpool(check, disclosure, request.app.state.settings)
    errors = [f for f in report.findings if f.severity == "error"]
    if errors and not anyway:
        return render(request, who, "build.html", status=422, findings=errors,
                      error=f"生成的公开文件核查有 {len(errors)} 个错误：请改正预算数据后重新生成，或勾选“仍然生成”。")
    # the unit's name comes from the workbook: no folders or control characters in the zip's member names
    stem = safe_name(f"{loaded.unit.name}{loaded.unit.year}年{loaded.unit.scope}预算公开")
    try:
        zipped = await run_in_threadpool(_zipped, disclosure, report, stem, bool(pdf))
    except YusuanError as error:  # a PDF that could not be made readable (no Chinese face): say so, no zip of boxes
        return render(request, who, "build.html", status=500, error=str(error))
    return _attachment(zipped, "application/zip", f"{stem}.zip")


def _zipped(disclosure: Disclosure, report: Report, stem: str, pdf: bool) -> bytes:
    """The disclosure as Excel, Word, HTML (and PDF), and the check of it, in one zip."""
    from yusuan.render.docx import render_docx
    from yusuan.render.html import render_html
    from yusuan.render.xlsx import render_xlsx
    from yusuan.report.html import render_html as render_report

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        if pdf:  # first: a refused PDF costs no other work
            from yusuan.render.pdf import render_pdf

            z.writestr(f"{stem}.pdf", render_pdf(disclosure))
        z.writestr(f"{stem}.xlsx", render_xlsx(disclosure))
        z.writestr(f"{stem}.docx", render_docx(disclosure))
        z.writestr(f"{stem}.html", render_html(disclosure))
        z.writestr(f"{stem}-核查报告.html", render_report(report, disclosure))
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
