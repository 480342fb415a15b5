"""The application: store, templates, static files, security headers, and the routes of
pages.py (people) and api.py (programs)."""

from __future__ import annotations

import os
import secrets
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from starlette.exceptions import HTTPException  # Starlette's: the 404 of an unknown address too

from yusuan.store.db import database_url, sessions
from yusuan.store.schema import Version
from yusuan.web.auth import LoginLimiter, visitor
from yusuan.web.queries import Recent

MAX_UPLOAD = 50 * 1024 * 1024  # bytes per file
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                               "script-src 'self'; frame-ancestors 'none'",
}


def _secret() -> str:
    """Signing key of the session cookies: YUSUAN_SECRET, else one kept beside the database."""
    if os.environ.get("YUSUAN_SECRET"):
        return os.environ["YUSUAN_SECRET"]
    path = Path(".yusuan-secret")
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32), "utf-8")
        path.chmod(0o600)
    return path.read_text("utf-8").strip()


def load_example(app: FastAPI) -> None:
    """An empty store starts with the reference example, so there is something to look at."""
    from yusuan.store.documents import store_file

    with app.state.sessions.begin() as session:
        if session.scalars(select(Version.id)).first() is not None:
            return
        data = resources.files("yusuan.data.examples").joinpath("changji-gxj-2023-budget.txt").read_bytes()
        store_file(session, data, "changji-gxj-2023-budget.txt", region="新疆 昌吉州")


def create_app(url: str | None = None, *, secret: str | None = None, example: bool = True) -> FastAPI:
    from yusuan.web import api, pages

    app = FastAPI(title="yusuan 预算公开", version="1", docs_url="/api/docs", openapi_url="/api/v1/openapi.json",
                  description="部门预算/决算公开：单位、文件、表格、核查发现与汇总。")
    app.state.url = database_url(url)
    app.state.sessions = sessions(app.state.url)
    app.state.secret = secret or _secret()
    app.state.templates = Jinja2Templates(directory=str(resources.files("yusuan.web").joinpath("templates")))
    app.state.limiter = LoginLimiter()
    app.state.aggregates = Recent()  # aggregate API answers, keyed by the store's state
    app.mount("/static", StaticFiles(directory=str(resources.files("yusuan.web").joinpath("static"))), name="static")
    app.include_router(pages.router)
    app.include_router(api.router)

    @app.middleware("http")
    async def headers(request: Request, call_next):
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > MAX_UPLOAD * 10:
            return HTMLResponse("上传的内容太大", status_code=413)
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():  # a route may set its own (the framed report does)
            response.headers.setdefault(name, value)
        return response

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

    if example:
        load_example(app)
    return app
