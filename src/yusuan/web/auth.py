"""Who is asking: a signed session cookie (pages) or an API token (Authorization: Bearer);
CSRF tokens on every state-changing form; roles decide what each may do."""

from __future__ import annotations

import hmac
import secrets
import time
from collections import deque
from dataclasses import dataclass

from fastapi import HTTPException, Request

from yusuan.store.accounts import account_for_token
from yusuan.store.schema import Account

COOKIE = "yusuan_session"
MAX_AGE = 8 * 3600


@dataclass
class Visitor:
    account: Account | None
    csrf: str

    @property
    def role(self) -> str:
        return self.account.role if self.account else "public"

    def can(self, action: str) -> bool:
        return action in ABILITIES[self.role]


ABILITIES = {
    "public": {"read"},
    "editor": {"read", "upload", "build"},
    "reviewer": {"read", "upload", "build", "review", "read_unpublished"},
    "admin": {"read", "upload", "build", "review", "read_unpublished", "admin"},
}


def serializer(secret: str):
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(secret, salt="yusuan-session")


def visitor(request: Request) -> Visitor:
    """The visitor of this request; a new CSRF token for anyone without a session."""
    state = request.app.state
    header = request.headers.get("authorization", "")
    with state.sessions() as session:
        if header.lower().startswith("bearer "):
            account = account_for_token(session, header[7:].strip())
            if account is None:
                raise HTTPException(401, "API 令牌无效")
            return Visitor(account, csrf="")
        raw = request.cookies.get(COOKIE)
        if raw:
            from itsdangerous import BadSignature

            try:
                data = serializer(state.secret).loads(raw, max_age=MAX_AGE)
                account = session.get(Account, data["account"]) if data.get("account") else None
                return Visitor(account, csrf=data["csrf"])
            except (BadSignature, KeyError, TypeError):
                pass
    return Visitor(None, csrf=secrets.token_urlsafe(16))


def session_cookie(request: Request, account: Account | None, csrf: str) -> str:
    return serializer(request.app.state.secret).dumps({"account": account.id if account else None, "csrf": csrf})


def require(request: Request, action: str) -> Visitor:
    who = visitor(request)
    if not who.can(action):
        raise HTTPException(401 if who.account is None else 403, "请先登录" if who.account is None else "没有权限")
    return who


def check_csrf(who: Visitor, token: str | None) -> None:
    if who.csrf == "" and who.account is not None:  # an API token: no cookie to forge
        return
    if not token or not hmac.compare_digest(token, who.csrf):
        raise HTTPException(403, "表单已过期或来源不明（CSRF），请刷新页面后重试")


class LoginLimiter:
    """At most `limit` failed logins per name and address in `window` seconds. Only names that failed are
    kept, and at most `keys` of them: a flood of made-up names cannot fill the memory."""

    def __init__(self, limit: int = 5, window: float = 300, keys: int = 100_000) -> None:
        self.limit, self.window, self.keys = limit, window, keys
        self.failures: dict[str, deque[float]] = {}

    def blocked(self, key: str) -> bool:
        times = self.failures.get(key)
        if times is None:
            return False
        now = time.monotonic()
        while times and now - times[0] > self.window:
            times.popleft()
        if not times:
            del self.failures[key]
        return len(times) >= self.limit

    def failed(self, key: str) -> None:
        now = time.monotonic()
        if key not in self.failures and len(self.failures) >= self.keys:  # forget what is past the window, else the oldest
            stale = [k for k, times in self.failures.items() if now - times[-1] > self.window]
            for k in stale or [next(iter(self.failures))]:
                del self.failures[k]
        self.failures.setdefault(key, deque()).append(now)
