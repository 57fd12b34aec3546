"""Database fixtures: `db_url` and `store` run each test on SQLite and on PostgreSQL.

PostgreSQL: one throwaway database per test session (per xdist worker: each is a session),
emptied before each test. Its server comes from `DULUAN_TEST_POSTGRES_URL`; where it cannot be
reached, the PostgreSQL cases are skipped.

A test (or a module, through `pytestmark`) marked `sqlite_only` checks no SQL of its own, only
the logic above `Store`, whose SQL the storage tests check on both backends: it runs on SQLite
alone, half the cost.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from storage import Store
from storage.db import mask_url, normalize_url

__all__ = ["_pg_database", "db_url", "pytest_generate_tests", "store"]

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A `sqlite_only` test gets `db_url` parametrized with SQLite alone (before the fixture's
    own two parameters are applied: an explicit parametrize takes precedence over them)."""
    if "db_url" in metafunc.fixturenames and metafunc.definition.get_closest_marker("sqlite_only"):
        metafunc.definition.add_marker(pytest.mark.parametrize("db_url", ["sqlite"], indirect=True))


def _admin_engine(url: str) -> Engine:
    return create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})


@pytest.fixture(scope="session")
def _pg_database() -> Iterator[str]:
    """URL of a database created for this session, or a skip when the server is unreachable."""
    admin_url = normalize_url(os.environ.get("DULUAN_TEST_POSTGRES_URL") or DEFAULT_PG_URL)
    admin = _admin_engine(admin_url)
    name = f"duluan_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        pytest.skip(
            f"PostgreSQL không truy cập được tại {mask_url(admin_url)}: bỏ qua các test "
            f"PostgreSQL ({type(exc).__name__})"
        )
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _empty_pg(url: str) -> None:
    engine = _admin_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SET lock_timeout = '10s'"))
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of a fresh, empty database (no schema yet) on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'duluan.sqlite3'}"
    url: str = request.getfixturevalue("_pg_database")
    _empty_pg(url)
    return url


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """An opened `Store` on a fresh database, closed after the test."""
    opened = Store.open(db_url)
    try:
        yield opened
    finally:
        opened.close()
