"""Accounts: passwords hashed with argon2, API tokens kept only as their hash."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from yusuan.errors import YusuanError
from yusuan.store.schema import Account, ApiToken, EditorUnit

ROLES = ("admin", "reviewer", "editor")
ROLE_NAMES = {"public": "访客", "editor": "单位填报", "reviewer": "审核", "admin": "管理员"}  # as people read them


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


def create_account(session: Session, name: str, password: str, role: str) -> Account:
    if role not in ROLES:
        raise YusuanError(f"角色应为 {'、'.join(ROLES)} 之一，而不是 {role}")
    if len(password) < 8:
        raise YusuanError("密码至少 8 位")
    if session.scalars(select(Account).where(Account.name == name)).first():
        raise YusuanError(f"用户 {name} 已存在")
    account = Account(name=name, password_hash=_hasher().hash(password), role=role)
    session.add(account)
    session.flush()
    return account


def authenticate(session: Session, name: str, password: str) -> Account | None:
    from argon2.exceptions import VerificationError

    account = session.scalars(select(Account).where(Account.name == name)).first()
    if account is None:
        _hasher().hash(password)  # the same work either way: no telling names apart by time
        return None
    try:
        _hasher().verify(account.password_hash, password)
    except VerificationError:
        return None
    return account


def issue_token(session: Session, account: Account) -> str:
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(account_id=account.id, token_hash=hashlib.sha256(token.encode()).hexdigest()))
    return token


def account_for_token(session: Session, token: str) -> Account | None:
    digest = hashlib.sha256(token.encode()).hexdigest()
    found = session.scalars(select(ApiToken).where(ApiToken.token_hash == digest)).first()
    return session.get(Account, found.account_id) if found else None


def editor_units(session: Session, account: Account) -> set[int]:
    return set(session.scalars(select(EditorUnit.unit_id).where(EditorUnit.account_id == account.id)))
