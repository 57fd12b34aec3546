"""Database URL resolution and engine creation for SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

log = logging.getLogger(__name__)

DEFAULT_DATABASE_URL = "sqlite:///./data/duluan.sqlite3"
ENV_VAR = "DULUAN_DATABASE_URL"
SQLITE_BUSY_TIMEOUT_MS = 30_000
PG_CONNECT_TIMEOUT_S = 10


class StorageError(Exception):
    """A storage failure explained in Vietnamese for the user (the command failed: exit 1)."""


class DatabaseUrlError(StorageError):
    """`DULUAN_DATABASE_URL` is wrong (bad usage: exit 2)."""


def is_locked(reason: str) -> bool:
    """Whether a driver's error says another process held the database past the busy timeout."""
    return "database is locked" in reason.lower() or "database table is locked" in reason.lower()


def locked_message(url: str) -> str:
    """What the user reads when SQLite stayed locked past the busy timeout."""
    return (
        f"Cơ sở dữ liệu {url} đang bị một tiến trình khác giữ khóa quá "
        f"{SQLITE_BUSY_TIMEOUT_MS // 1000} giây (database is locked). Không có gì được ghi dở; "
        "hãy chờ tiến trình kia (một lệnh duluan khác, bản sao lưu, công cụ mở tệp cơ sở dữ "
        "liệu) xong rồi chạy lại."
    )


def database_url(raw: str | None) -> str:
    """The database URL to use: `raw` (the value of `DULUAN_DATABASE_URL`, which
    `duluan.runtime` reads), else the default SQLite file under ./data/."""
    return normalize_url((raw or "").strip() or DEFAULT_DATABASE_URL)


def normalize_url(raw: str) -> str:
    """Point plain PostgreSQL URLs at the psycopg 3 driver; leave everything else alone."""
    for prefix in ("postgresql://", "postgres://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


def mask_url(url: str | URL) -> str:
    """The URL with its password replaced by ***, safe for messages and logs."""
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except ArgumentError:
        return "<URL không hợp lệ>"
    return parsed.render_as_string(hide_password=True)


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys, busy timeout and explicit BEGINs."""
    try:
        parsed = make_url(normalize_url(url))
    except ArgumentError as exc:
        raise DatabaseUrlError(
            f"Địa chỉ cơ sở dữ liệu không hợp lệ: {url!r}. Hãy sửa biến môi trường {ENV_VAR} "
            "(ví dụ sqlite:///./data/duluan.sqlite3 hoặc postgresql://user:pass@host/db)."
        ) from exc
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        _ensure_sqlite_dir(parsed)
    elif parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        connect_args["connect_timeout"] = PG_CONNECT_TIMEOUT_S
    try:
        engine = create_engine(parsed, connect_args=connect_args, pool_pre_ping=True)
    except Exception as exc:  # unknown dialect or missing driver
        raise DatabaseUrlError(
            f"Không tạo được kết nối tới cơ sở dữ liệu {mask_url(parsed)}: {exc}. "
            f"Hãy kiểm tra biến môi trường {ENV_VAR} và các gói trình điều khiển đã cài."
        ) from exc
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def _ensure_sqlite_dir(url: URL) -> None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    parent = Path(database).expanduser().parent
    if not parent.exists():
        log.info("Tạo thư mục chứa cơ sở dữ liệu %s", parent)
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(
                f"Không tạo được thư mục {parent} cho cơ sở dữ liệu {mask_url(url)}: {exc}. "
                f"Hãy kiểm tra quyền ghi hoặc đặt {ENV_VAR} tới một vị trí khác."
            ) from exc


def _configure_sqlite(engine: Engine) -> None:
    """Pragmas on every connection, and BEGIN emitted by SQLAlchemy rather than by sqlite3.

    The sqlite3 module's legacy transaction handling breaks SAVEPOINT and transactional DDL;
    write transactions ask for BEGIN IMMEDIATE (execution option `sqlite_immediate`) so a
    read-then-write never fails on a lock upgrade.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
