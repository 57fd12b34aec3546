"""A migrated schema by copy: the suite's databases skip replaying every migration.

Nearly every test opens a `Store` on an empty database, and `Store.open` then replays all of
`storage/migrations` through Alembic: about 0.15 s on SQLite and 0.25 s on PostgreSQL, a third
of the suite's time. This module migrates one template per backend once per session (with the
real `upgrade_to_head`, so the schema is exactly the migrations' own) and, while the suite runs,
gives an *empty* database that template instead: SQLite through its backup API, PostgreSQL by
replaying `pg_dump` of the template in one round trip. A database that already holds anything
(a test that migrates to an old revision first, a second open) goes through Alembic as in
production, and a test marked `real_migrations` always does.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

import storage.base
from storage.db import make_engine
from storage.migrate import upgrade_to_head

__all__ = ["_copied_schema", "real_migrations"]

Upgrade = Callable[[Engine], None]


class _Templates:
    """The migrated templates, built on first use."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._sqlite: Path | None = None
        self._postgres: dict[str, str | None] = {}

    def sqlite(self) -> Path:
        if self._sqlite is None:
            path = self.folder / "template.sqlite3"
            engine = make_engine(f"sqlite:///{path}")
            try:
                upgrade_to_head(engine)
            finally:
                engine.dispose()
            self._sqlite = path
        return self._sqlite

    def postgres(self, engine: Engine) -> str | None:
        """The SQL that recreates the migrated schema in an empty database of that server, or
        None where pg_dump is missing or does not match the server (then Alembic it is)."""
        url = engine.url
        key = url.set(database="").render_as_string(hide_password=False)
        if key not in self._postgres:
            self._postgres[key] = _postgres_dump(engine)
        return self._postgres[key]


def _postgres_dump(engine: Engine) -> str | None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        return None
    name = f"duluan_template_{uuid.uuid4().hex[:12]}"
    admin = create_engine(engine.url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        template = engine.url.set(database=name)
        migrated = make_engine(template.render_as_string(hide_password=False))
        try:
            upgrade_to_head(migrated)
        finally:
            migrated.dispose()
        plain = template.set(drivername="postgresql")
        done = subprocess.run(
            [
                pg_dump,
                "--no-owner",
                "--no-privileges",
                "--inserts",
                "--schema=public",
                "--dbname",
                plain.render_as_string(hide_password=False),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if done.returncode != 0:
            return None
        lines = [
            line
            for line in done.stdout.splitlines()
            # The dump empties search_path for its session and creates the schema we keep.
            if "set_config('search_path'" not in line
            and not line.startswith(("CREATE SCHEMA public", "\\"))
        ]
        return "\n".join(lines)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            found = conn.execute(text("SELECT count(*) FROM sqlite_master")).scalar()
        else:
            found = conn.execute(
                text("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")
            ).scalar()
    return not found


def _copied_sqlite(engine: Engine, template: Path) -> bool:
    """Copy the template into the engine's empty SQLite file; False (nothing done) when another
    connection holds a lock on it: the backup API would wait forever, the real path says why."""
    raw = engine.raw_connection()
    target = raw.driver_connection
    try:
        target.execute("PRAGMA busy_timeout=0")  # type: ignore[union-attr]
        try:
            target.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]
        except sqlite3.OperationalError:
            return False
        target.execute("ROLLBACK")  # type: ignore[union-attr]
        source = sqlite3.connect(template)
        try:
            source.backup(target)  # type: ignore[arg-type]
        finally:
            source.close()
        return True
    finally:
        raw.invalidate()  # its pragmas were changed: the pool makes a fresh one


def _copying(templates: _Templates, real: Upgrade) -> Upgrade:
    def upgrade(engine: Engine) -> None:
        memory = engine.url.database in (None, "", ":memory:")
        sqlite = engine.dialect.name == "sqlite" and not memory
        if sqlite and _empty(engine) and _copied_sqlite(engine, templates.sqlite()):
            return
        if engine.dialect.name == "postgresql" and _empty(engine):
            dump = templates.postgres(engine)
            if dump is not None:
                raw = engine.raw_connection()
                try:
                    # One round trip: psycopg sends a parameterless string as a simple query.
                    raw.driver_connection.execute(dump)  # type: ignore[union-attr]
                    raw.commit()
                finally:
                    raw.close()
                return
        real(engine)

    return upgrade


@pytest.fixture(scope="session", autouse=True)
def _copied_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """For the whole session, an empty database opened by a Store gets the template."""
    templates = _Templates(tmp_path_factory.mktemp("schema"))
    real = storage.base.upgrade_to_head
    setattr(storage.base, "upgrade_to_head", _copying(templates, real))  # noqa: B010
    try:
        yield
    finally:
        setattr(storage.base, "upgrade_to_head", real)  # noqa: B010


@pytest.fixture
def real_migrations(monkeypatch: pytest.MonkeyPatch) -> None:
    """This test replays the migrations themselves (it checks what Alembic does)."""
    monkeypatch.setattr(storage.base, "upgrade_to_head", upgrade_to_head)
