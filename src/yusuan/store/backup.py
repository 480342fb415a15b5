"""`yusuan backup` and `yusuan restore`: the whole store as one portable archive, for SQLite and
PostgreSQL and from one to the other.

The archive is a zip: `manifest.json` (format, the Alembic revision, yusuan's version, and per
table its columns with their kinds, its row count and the sha256 of its file) and one JSON-lines
file per table in dependency order, a row a line, ordered by primary key. Values are typed
exactly: decimals as strings, bytes as base64, datetimes and dates in ISO 8601 (with their offset when they
have one; the store's own columns hold naive times, written as stored), NULL as null and '' as "".

A backup reads one snapshot (one transaction; REPEATABLE READ on PostgreSQL) and streams table by
table, so a store of many GB needs little memory; it is written beside FILE and renamed into place,
readable by its owner only (it holds password and token hashes).
A restore goes into an empty store only, in one transaction (on SQLite too: the schema it creates
is part of it), and checks every table's count and checksum before it commits."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    Date,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    create_engine,
    event,
    func,
    make_url,
    select,
    text,
)
from sqlalchemy.exc import SQLAlchemyError

from yusuan import __version__
from yusuan.errors import YusuanError
from yusuan.store.db import alembic_config

FORMAT = "yusuan-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
VERSION_TABLE = "alembic_version"  # the revision is in the manifest; restore stamps it by migrating
# a column's kind: the first of these its type is (reflected types are dialect subclasses of them)
KINDS: list[tuple[type, str]] = [(Boolean, "bool"), (Integer, "int"), (Numeric, "decimal"), (DateTime, "datetime"),
                                 (Date, "date"), (LargeBinary, "bytes"), (JSON, "json"), (String, "str")]
BATCH_ROWS = 500
BATCH_BYTES = 16 << 20  # a batch of versions carries their files: bounded by size as well as by count
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # table entries carry no time, so the same store gives the same bytes


@dataclass
class Summary:
    revision: str
    tables: dict[str, int] = field(default_factory=dict)  # table → rows, in the archive's order
    size: int = 0  # bytes of the archive

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


# --- opening a store ---------------------------------------------------------------------------

def _engine(url: str, begin: str = "BEGIN") -> Engine:
    """An engine whose transactions are real transactions: pysqlite's own handling would leave
    SELECTs (a backup's snapshot) and DDL (a restore's schema) outside them, so on SQLite we say
    `begin` ourselves."""
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url)
    made = create_engine(url)

    @event.listens_for(made, "connect")
    def _connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(made, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql(begin)

    return made


def _sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _migrate(connection: Connection, revision: str) -> None:
    """Bring the schema to `revision` inside the caller's transaction."""
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def _revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _tables(connection: Connection) -> list[Table]:
    """The store's tables as they are in the database, parents before children."""
    metadata = MetaData()
    metadata.reflect(bind=connection)
    return [t for t in metadata.sorted_tables if t.name != VERSION_TABLE]


def _kind(table: Table, column) -> str:
    for sql_type, kind in KINDS:
        if isinstance(column.type, sql_type):
            return kind
    raise YusuanError(f"无法备份列 {table.name}.{column.name}：不支持的类型 {column.type}")


def _database_error(url: str, error: SQLAlchemyError) -> YusuanError:
    where = make_url(url).render_as_string(hide_password=True)
    return YusuanError(f"数据库出错：{where}（{type(error).__name__}: {str(error).splitlines()[0]}）")


# --- values ------------------------------------------------------------------------------------

def _encode(kind: str, value: Any) -> Any:
    if value is None or kind in ("bool", "int", "str", "json"):
        return value
    if kind == "decimal":
        return str(value)
    if kind in ("datetime", "date"):
        return value.isoformat()
    return base64.b64encode(bytes(value)).decode("ascii")


def _decode(kind: str, value: Any) -> Any:
    if value is None or kind in ("bool", "int", "str", "json"):
        return value
    if kind == "decimal":
        return Decimal(value)
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    return base64.b64decode(value, validate=True)


# --- backup ------------------------------------------------------------------------------------

def backup(url: str, path: Path, *, force: bool = False) -> Summary:
    """Write the store at `url` to `path`; an existing `path` is replaced only with `force`."""
    database = _sqlite_file(url)
    if database is not None and not database.is_file():
        raise YusuanError("数据库文件不存在", file=str(database))
    if path.exists() and not force:
        raise YusuanError("文件已存在；确需覆盖请加 --force", file=str(path))
    try:
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as error:
        raise _unwritable(path, error) from None
    os.close(handle)
    temporary = Path(name)
    made = _engine(url)
    try:
        with made.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection = connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with connection.begin():
                summary = _write(connection, temporary)
        _put_in_place(temporary, path, force)
    except SQLAlchemyError as error:
        raise _database_error(url, error) from None
    except OSError as error:  # the disk full, say
        raise _unwritable(path, error) from None
    finally:
        made.dispose()
        temporary.unlink(missing_ok=True)
    summary.size = path.stat().st_size
    return summary


def _write(connection: Connection, temporary: Path) -> Summary:
    revision = _revision(connection)
    if revision is None:
        raise YusuanError("这不是 yusuan 的数据库（没有结构版本记录），无法备份")
    summary = Summary(revision)
    listed = []
    with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for n, table in enumerate(_tables(connection), start=1):
            columns = [{"name": c.name, "kind": _kind(table, c)} for c in table.columns]
            entry = f"tables/{n:02d}-{table.name}.jsonl"
            rows, digest = _write_table(connection, table, [c["kind"] for c in columns], archive, entry)
            listed.append({"name": table.name, "file": entry, "columns": columns, "rows": rows, "sha256": digest})
            summary.tables[table.name] = rows
        manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "yusuan": __version__, "revision": revision,
                    "database": connection.dialect.name, "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "tables": listed}
        archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")
    with open(temporary, "rb") as f:
        os.fsync(f.fileno())  # on disk before it takes FILE's name
    return summary


def _write_table(connection: Connection, table: Table, kinds: list[str], archive: zipfile.ZipFile,
                 entry: str) -> tuple[int, str]:
    """Stream the table into its entry; its row count and the sha256 of the entry's bytes."""
    info = zipfile.ZipInfo(entry, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    heavy = any(k in ("bytes", "json") for k in kinds)  # a version's file and read model: a few rows at a time
    query = select(table).order_by(*(table.primary_key.columns or table.columns))
    result = connection.execution_options(stream_results=True, yield_per=8 if heavy else 1000).execute(query)
    digest, rows = hashlib.sha256(), 0
    with archive.open(info, "w", force_zip64=True) as out:
        for row in result:
            line = json.dumps([_encode(k, v) for k, v in zip(kinds, row, strict=True)], ensure_ascii=False,
                              separators=(",", ":")).encode("utf-8") + b"\n"
            digest.update(line)
            out.write(line)
            rows += 1
    return rows, digest.hexdigest()


def _put_in_place(temporary: Path, path: Path, force: bool) -> None:
    """Give the finished archive its name; without `force` a file that appeared meanwhile is kept."""
    if force:
        os.replace(temporary, path)
        return
    try:
        os.link(temporary, path)  # fails, atomically, if `path` exists
    except FileExistsError:
        raise YusuanError("文件已存在；确需覆盖请加 --force", file=str(path)) from None
    except OSError:  # a filesystem without hard links: the check cannot be atomic there
        if path.exists():
            raise YusuanError("文件已存在；确需覆盖请加 --force", file=str(path)) from None
        os.replace(temporary, path)


def _unwritable(path: Path, error: OSError) -> YusuanError:
    return YusuanError(f"无法写入备份文件（{error.strerror or error}）", file=str(path))


# --- restore -----------------------------------------------------------------------------------

def restore(path: Path, url: str) -> Summary:
    """Load the archive at `path` into the empty store at `url`, in one transaction."""
    database = _sqlite_file(url)
    created = database is not None and not database.exists()
    made = _engine(url, begin="BEGIN IMMEDIATE")  # SQLite: the write lock from the start
    committed = False
    try:
        with _open(path) as archive:
            manifest = _manifest(archive, path)
            try:
                with made.begin() as connection:
                    summary = _load(connection, archive, manifest, path)
                committed = True
            except SQLAlchemyError as error:
                raise _database_error(url, error) from None
    finally:
        made.dispose()
        if created and not committed and database is not None:  # a file only this restore made: not left behind
            for leftover in (database, database.with_name(database.name + "-journal")):
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()
    return summary


def _corrupt(path: Path, why: str) -> YusuanError:
    return YusuanError(f"备份文件损坏或不是 yusuan 的备份（{why}）", file=str(path))


@contextlib.contextmanager
def _open(path: Path) -> Iterator[zipfile.ZipFile]:
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise YusuanError("备份文件不存在", file=str(path)) from None
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise _corrupt(path, f"不是完整的 zip 文件：{error}") from None
    with archive:
        yield archive


def _manifest(archive: zipfile.ZipFile, path: Path) -> dict:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except KeyError:
        raise _corrupt(path, f"缺少 {MANIFEST}") from None
    except (ValueError, zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise _corrupt(path, f"{MANIFEST} 无法读取：{error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _corrupt(path, f"{MANIFEST} 不是 yusuan 备份的清单")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise YusuanError(f"备份格式版本 {manifest.get('format_version')} 无法读取（本版本 yusuan {__version__} "
                          f"读取版本 {FORMAT_VERSION}）；请用较新的 yusuan 恢复", file=str(path))
    try:
        for table in manifest["tables"]:
            archive.getinfo(table["file"])
            _ = table["name"], table["rows"], table["sha256"], [(c["name"], c["kind"]) for c in table["columns"]]
    except (KeyError, TypeError) as error:
        raise _corrupt(path, f"清单与内容不符：{error}") from None
    from alembic.script import ScriptDirectory

    known = {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if manifest.get("revision") not in known:
        raise YusuanError(f"备份来自更新版本的 yusuan（{manifest.get('yusuan')}，数据库结构版本 {manifest.get('revision')}），"
                          f"本版本 {__version__} 不认识；请先升级 yusuan 再恢复", file=str(path))
    return manifest


def _load(connection: Connection, archive: zipfile.ZipFile, manifest: dict, path: Path) -> Summary:
    revision = manifest["revision"]
    _require_empty(connection, revision)
    if _revision(connection) is None:
        _migrate(connection, revision)  # the schema the backup was taken at; newer after loading
    tables = {t.name: t for t in _tables(connection)}
    if sorted(tables) != sorted(t["name"] for t in manifest["tables"]):
        raise _corrupt(path, "表与数据库结构不符")
    summary = Summary(revision)
    for listed in manifest["tables"]:
        table = tables[listed["name"]]
        kinds = [c["kind"] for c in listed["columns"]]
        if [(c.name, _kind(table, c)) for c in table.columns] != [(c["name"], c["kind"]) for c in listed["columns"]]:
            raise _corrupt(path, f"表 {table.name} 的列与数据库结构不符")
        rows, digest = _load_table(connection, archive, listed["file"], table, kinds, path)
        stored = connection.scalar(select(func.count()).select_from(table))
        if (rows, digest, stored) != (listed["rows"], listed["sha256"], listed["rows"]):
            raise _corrupt(path, f"表 {table.name} 的行数或校验和不符：清单 {listed['rows']} 行，"
                                 f"读到 {rows} 行，写入 {stored} 行")
        summary.tables[table.name] = rows
    if connection.dialect.name == "postgresql":
        _reset_sequences(connection, list(tables.values()))
    _migrate(connection, "head")  # a backup of an older yusuan: its rows brought up to this one's schema
    return summary


def _require_empty(connection: Connection, revision: str) -> None:
    """Nothing stored is ever lost: a restore goes into an empty store at the backup's revision, or a new one."""
    present = _tables(connection)
    counts = {t.name: connection.scalar(select(func.count()).select_from(t)) for t in present}
    if any(counts.values()):
        raise YusuanError(f"目标数据库不是空的（已有文件 {counts.get('document', 0)} 份、账户 {counts.get('account', 0)} 个，"
                          f"共 {sum(counts.values())} 行）；恢复只写入空库，以免覆盖已有数据。请指定一个新的数据库")
    current = _revision(connection)
    if present and current is None:
        raise YusuanError("目标数据库里有别的表，不是 yusuan 的数据库；请指定一个新的数据库")
    if current is not None and current != revision:
        raise YusuanError(f"目标数据库的结构版本（{current}）与备份（{revision}）不同；请恢复到一个新的数据库")


def _load_table(connection: Connection, archive: zipfile.ZipFile, entry: str, table: Table, kinds: list[str],
                path: Path) -> tuple[int, str]:
    names = [c.name for c in table.columns]
    digest, rows, batch, size = hashlib.sha256(), 0, [], 0
    try:
        with archive.open(entry) as stream:
            for line in stream:
                digest.update(line)
                values = json.loads(line)
                if not isinstance(values, list) or len(values) != len(kinds):
                    raise _corrupt(path, f"表 {table.name} 第 {rows + 1} 行的列数不符")
                batch.append({n: _decode(k, v) for n, k, v in zip(names, kinds, values, strict=True)})
                rows, size = rows + 1, size + len(line)
                if len(batch) >= BATCH_ROWS or size >= BATCH_BYTES:
                    connection.execute(table.insert(), batch)
                    batch, size = [], 0
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        raise _corrupt(path, f"表 {table.name} 读不完整：{error}") from None
    except (ValueError, TypeError, InvalidOperation) as error:
        raise _corrupt(path, f"表 {table.name} 第 {rows + 1} 行无法解读：{error}") from None
    if batch:
        connection.execute(table.insert(), batch)
    return rows, digest.hexdigest()


def _reset_sequences(connection: Connection, tables: list[Table]) -> None:
    """Rows came with their ids: each id sequence restarts past the largest, so new rows get fresh ones."""
    quote = connection.dialect.identifier_preparer.quote
    for table in tables:
        for column in table.primary_key.columns:
            if isinstance(column.type, Integer):
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                                        f"coalesce(max({quote(column.name)}), 0) + 1, false) FROM {quote(table.name)}"),
                                   {"table": quote(table.name), "column": column.name})
