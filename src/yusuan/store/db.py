"""Opening the store: SQLite file by default (WAL), PostgreSQL when YUSUAN_DATABASE_URL says so;
the schema brought up to date by the Alembic migrations on opening."""

from __future__ import annotations

import os
import sqlite3
import threading
from functools import cache
from importlib import resources

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///yusuan.db"


def database_url(url: str | None = None) -> str:
    return url or os.environ.get("YUSUAN_DATABASE_URL") or DEFAULT_URL


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not wait for the writer
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA mmap_size=1073741824")  # reads straight from the OS's cache of the file, no copy
    cursor.close()


@cache
def engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # a connection for each of the server's request threads (40): one opened past the pool is closed after
        # its request, and with it the pages it had read
        made = create_engine(url, connect_args={"check_same_thread": False}, pool_size=20, max_overflow=20)
        event.listen(made, "connect", _sqlite_pragmas)
    else:
        # times kept without their zone are UTC, as SQLite's CURRENT_TIMESTAMP makes them (libpq's drivers)
        utc = {"options": "-c timezone=UTC"} if make_url(url).get_driver_name().startswith("psycopg") else {}
        made = create_engine(url, pool_pre_ping=True, connect_args=utc)
    migrate(made)
    return made


class Commits:
    """SQLite's PRAGMA data_version read on a connection of its own that never writes: the number moves whenever
    anyone, in any process, commits to the file, and reading it costs microseconds."""

    def __init__(self, path: str) -> None:
        self._connection = sqlite3.connect(path, check_same_thread=False)
        self._lock = threading.Lock()

    def __call__(self) -> int:
        with self._lock:
            return self._connection.execute("PRAGMA data_version").fetchone()[0]


@cache
def commits(url: str) -> Commits | None:
    """The commit counter of an SQLite file store; None for other databases (and an in-memory SQLite)."""
    made = engine(url)
    if made.dialect.name != "sqlite" or made.url.database in (None, "", ":memory:"):
        return None
    return Commits(made.url.database)


def alembic_config():
    """Alembic's configuration for the store's migrations (a connection is handed in as an attribute)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("yusuan.store").joinpath("migrations")))
    return config


def migrate(made: Engine) -> None:
    """Bring the schema to the newest migration (a new store is created this way too)."""
    from alembic import command

    config = alembic_config()
    with made.begin() as connection:
        if made.dialect.name == "sqlite":  # pysqlite runs DDL outside any transaction: a store cut short half-made
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def sessions(url: str | None = None) -> sessionmaker[Session]:
    return sessionmaker(engine(database_url(url)), expire_on_commit=False)
