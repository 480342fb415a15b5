"""The application: store, templates, static files, security headers, and the routes of
pages.py (people) and api.py (programs)."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.exc import DataError, OperationalError
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException  # Starlette's: the 404 of an unknown address too
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from yusuan.store.db import database_url, sessions
from yusuan.store.schema import Version
from yusuan.web import formatting
from yusuan.web.auth import LoginLimiter, Visitor, visitor
from yusuan.web.queries import Recent
from yusuan.web.reading import Readers

if TYPE_CHECKING:
    from yusuan.check.rules import Settings

MAX_UPLOAD = 50 * 1024 * 1024  # bytes per file
MAX_FORM = 1024 * 1024  # bytes of a request without a file, and the room for the form fields beside one
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                               "script-src 'self'; frame-ancestors 'none'",
}


def body_limit(path: str) -> int:
    """The most a request may send: several files to the upload page, one to the other uploads, else a form."""
    if path == "/upload":
        return 10 * MAX_UPLOAD + MAX_FORM
    if path in ("/build", "/api/v1/documents", "/api/v1/check"):
        return MAX_UPLOAD + MAX_FORM
    return MAX_FORM


class Guard:
    """Security headers on every answer, and a 413 for a body past its limit: by its Content-Length before
    a byte is read, else (chunked) as it arrives. Plain ASGI: Starlette's @app.middleware("http") costs a
    task and a stream per request, a good part of a small page's time."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():  # a route may set its own (the framed report does)
                    headers.setdefault(name, value)
                if scope.get("scheme") == "https":
                    headers.setdefault("Strict-Transport-Security", "max-age=31536000")
            await send(message)

        limit = body_limit(scope["path"])
        length = Headers(scope=scope).get("content-length", "")
        size = int(length) if length.isdigit() else 0  # as declared, or as counted so far

        async def receive_within_limit() -> Message:
            nonlocal size
            if size <= limit:
                message = await receive()
                if not length:
                    size += len(message.get("body", b""))
            if size > limit:  # raised inside the route: its own error handler answers, a page or JSON
                raise HTTPException(413, f"上传的内容太大：上限 {limit >> 20} MB")
            return message

        await self.app(scope, receive_within_limit, send_with_headers)


def api_docs(openapi_url: str, title: str) -> HTMLResponse:
    """FastAPI's Swagger UI page with Swagger UI vendored in static/swagger (finance intranets reach no CDN); its
    inline script is allowed by a policy naming it by hash (no 'unsafe-inline' scripts)."""
    page = get_swagger_ui_html(openapi_url=openapi_url, title=title, swagger_js_url="/static/swagger/swagger-ui-bundle.js",
                               swagger_css_url="/static/swagger/swagger-ui.css",
                               swagger_favicon_url="/static/swagger/favicon-32x32.png")
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
                      for script in re.findall(r"<script>(.*?)</script>", bytes(page.body).decode(), re.S))
    page.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "frame-ancestors 'none'")
    return page


THREADS = int(os.environ.get("YUSUAN_THREADS", "4"))


@asynccontextmanager
async def few_threads(_app: FastAPI) -> AsyncIterator[None]:
    """Routes that are plain functions run on a pool of threads (40 by default). With many requests at once,
    40 threads taking turns at the GIL finish all of them late; a few finish each in turn."""
    anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS
    yield


def _secret(url: str) -> str:
    """Signing key of the session cookies: YUSUAN_SECRET, else one made once and kept beside an SQLite database
    (yusuan.db.secret, ignored by git with the database), else in the user's configuration folder."""
    if os.environ.get("YUSUAN_SECRET"):
        return os.environ["YUSUAN_SECRET"]
    path = secret_path(url)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(0o600)  # never readable by others, not even for a moment
        path.write_text(secrets.token_urlsafe(32), "utf-8")
    return path.read_text("utf-8").strip()


def secret_path(url: str) -> Path:
    from sqlalchemy import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return Path(f"{parsed.database}.secret")
    folder = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "yusuan"
    return folder / f"secret-{hashlib.sha256(url.encode()).hexdigest()[:16]}"


def load_example(app: FastAPI) -> None:
    """An empty store starts with the reference example, so there is something to look at."""
    from yusuan.intake import check_bytes, keep

    with app.state.sessions() as session:
        if session.scalars(select(Version.id)).first() is not None:
            return
    name = "changji-gxj-2023-budget.txt"
    data = resources.files("yusuan.data.examples").joinpath(name).read_bytes()
    checked = check_bytes(data, name, app.state.settings, facts=True)  # our own file: read here, not in a sandbox
    with app.state.sessions.begin() as session:
        keep(session, data, name, checked, region="新疆 昌吉州")


def create_app(url: str | None = None, *, secret: str | None = None, example: bool = True,
               settings: Settings | None = None) -> FastAPI:
    """The app over the store at `url` (else YUSUAN_DATABASE_URL, else ./yusuan.db), checking with
    `settings` (else those in force, as `yusuan check` finds them: YUSUAN_CONFIG or ./yusuan.toml)."""
    from yusuan.intake import config_path, settings_in_force
    from yusuan.scoring import load_method
    from yusuan.web import api, explore, pages, season

    app = FastAPI(title="yusuan 预算公开", version="1", docs_url=None, redoc_url=None, openapi_url="/api/v1/openapi.json",
                  lifespan=few_threads,
                  description="部门预算/决算公开：单位、文件、表格、核查发现与汇总。")
    app.state.url = database_url(url)
    app.state.config = None if settings else config_path()  # the settings file, shown on /about
    app.state.settings = settings or settings_in_force()
    # the review season's scoring method: YUSUAN_SCORING names a built-in one or a file, else data/scoring/default.toml
    app.state.method = load_method(os.environ.get("YUSUAN_SCORING") or None)
    app.state.scores = Recent(4096)  # each version's score, by the findings that stand and its dates
    app.state.sessions = sessions(app.state.url)
    app.state.secret = secret or _secret(app.state.url)
    app.state.templates = Jinja2Templates(directory=str(resources.files("yusuan.web").joinpath("templates")))
    app.state.templates.env.auto_reload = False  # no stat() of each template on every page
    formatting.install(app.state.templates.env)
    app.state.limiter = LoginLimiter()
    app.state.aggregates = Recent()  # aggregate API answers, keyed by the store's state
    app.state.views = Recent(1024)  # the region views and rankings (explore.py), keyed by the store's state
    app.state.pages = Recent(256)  # and their pages as written for visitors who are not signed in
    app.state.readers = Readers()  # uploads are read in sandboxed child processes
    app.mount("/static", StaticFiles(directory=str(resources.files("yusuan.web").joinpath("static"))), name="static")
    app.include_router(pages.router)
    app.include_router(explore.pages)
    app.include_router(api.router)
    app.include_router(explore.api)
    app.include_router(season.pages)
    app.include_router(season.api)
    app.get("/api/docs", include_in_schema=False)(lambda: api_docs(app.openapi_url, f"{app.title} API"))

    app.add_middleware(Guard)

    @app.exception_handler(HTTPException)
    async def pages_answer_in_html(request: Request, error: HTTPException) -> Response:
        """Programs get JSON; people get a page: the login form when they must log in."""
        if request.url.path.startswith("/api/"):
            return await http_exception_handler(request, error)
        try:
            who = visitor(request)
        except HTTPException:  # a bad API token on a page: answer as the API would
            return await http_exception_handler(request, error)
        if error.status_code == 401:
            return pages.render(request, who, "login.html", status=401, error=error.detail)
        return pages.render(request, who, "error.html", status=error.status_code, message=error.detail)

    @app.exception_handler(DataError)
    async def data_the_store_cannot_hold(request: Request, error: DataError) -> Response:
        """Text with a NUL (PostgreSQL keeps none) or longer than its column: the asker's to mend, not a 500."""
        return await pages_answer_in_html(request, HTTPException(422, "输入的内容含有空字符或过长，无法处理"))

    @app.exception_handler(OperationalError)
    async def store_unavailable(request: Request, error: OperationalError) -> Response:
        """The database is down, locked past its timeout or out of connections: say so, and that it is passing."""
        error_503 = HTTPException(503, "数据库暂时无法访问，请稍后再试", headers={"Retry-After": "30"})
        if request.url.path.startswith("/api/"):
            return await http_exception_handler(request, error_503)
        # no visitor: finding out who asks needs the database (an anonymous page sets no cookie)
        answer = pages.render(request, Visitor(None, ""), "error.html", status=503, message=error_503.detail)
        answer.headers["Retry-After"] = "30"
        return answer

    @app.exception_handler(RequestValidationError)
    async def bad_address_on_a_page(request: Request, error: RequestValidationError) -> Response:
        """A page asked with a bad parameter (?page=0): a page saying so; programs get FastAPI's details."""
        try:
            who = None if request.url.path.startswith("/api/") else visitor(request)
        except HTTPException:  # a bad API token on a page
            who = None
        if who is None:
            return await request_validation_exception_handler(request, error)
        return pages.render(request, who, "error.html", status=422, message="请求的参数不对（如页码超出范围）")

    if example:
        load_example(app)
    return app


def worker_app() -> FastAPI:
    """The app of one `yusuan serve` worker: the store (YUSUAN_DATABASE_URL), its schema, the secret and
    the example were made ready by the parent before the workers started."""
    return create_app(example=False)
