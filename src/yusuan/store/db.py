"""Opening the store: SQLite file by default (WAL), PostgreSQL when YUSUAN_DATABASE_URL says so;
the schema brought up to date by the Alembic migrations on opening."""

from __future__ import annotations

import os
from functools import cache
from importlib import resources

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///yusuan.db"


def database_url(url: str | None = None) -> str:
    return url or os.environ.get("YUSUAN_DATABASE_URL") or DEFAULT_URL


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not wait for the writer
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


@cache
def engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        made = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(made, "connect", _sqlite_pragmas)
    else:
        made = create_engine(url, pool_pre_ping=True)
    migrate(made)
    return made


def migrate(made: Engine) -> None:
    """Bring the schema to the newest migration (a new store is created this way too)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("yusuan.store").joinpath("migrations")))
    with made.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def sessions(url: str | None = None) -> sessionmaker[Session]:
    return sessionmaker(engine(database_url(url)), expire_on_commit=False)
