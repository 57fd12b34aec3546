"""An existing single-area database upgrades in place to watch areas (issue 14, part 2).

`tests/data/pre_areas.json` holds the rows duluan wrote at schema 0011, before areas, through
its own store, tagger and review service (`tests/data/pre_areas.py` says how it was made): an
ordinary week with tagged articles, alerts, reviews with an assignment, a case with its steps
and kept page, a sent digest, accounts. Loaded into a database at 0011 on SQLite and PostgreSQL
and upgraded to the head, nothing is lost, everything lands in the default area, and the
console and the command line read it back."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.exc import IntegrityError
from starlette.testclient import TestClient

from duluan.cli import main
from duluan.config import DEFAULT_AREA
from duluan.console.app import build_app
from duluan.console.auth import hash_password
from storage import Store
from storage.db import make_engine
from storage.migrate import alembic_config, head_revision
from storage.models import UTCDateTime
from tests.kit.console import CONFIG, PASSWORD, Clock, config, login

DATA = json.loads((Path(__file__).parent / "data" / "pre_areas.json").read_text("utf-8"))
T = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)


def _value(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        [(kind, text)] = value.items()
        if kind == "time":
            return datetime.fromisoformat(text)
        if kind == "date":
            return date.fromisoformat(text)
        if kind == "hex":
            return bytes.fromhex(text)
    return value


def _type(values: list[Any]) -> sa.types.TypeEngine[Any] | None:
    """The column type the dumped values need to be written and read back alike."""
    sample = next((v for v in values if v is not None), None)
    if isinstance(sample, dict) and len(sample) == 1:
        kind = next(iter(sample))
        return {"time": UTCDateTime(), "date": sa.Date(), "hex": sa.LargeBinary()}.get(kind)
    return sa.JSON() if isinstance(sample, list | dict) else None


def _tables() -> list[tuple[sa.TableClause, list[dict[str, Any]]]]:
    """Each dumped table (typed columns) with its rows, parents first."""
    out = []
    for name, rows in DATA["tables"].items():
        if not rows:
            continue
        columns = [sa.column(c, _type([r[c] for r in rows])) for c in rows[0]]
        out.append((sa.table(name, *columns), [{c: _value(v) for c, v in r.items()} for r in rows]))
    return out


def _write_old_database(db_url: str) -> None:
    """The dumped rows in a database at 0011, sequences where they would be on PostgreSQL."""
    assert DATA["revision"] == "0011"
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "0011")
            for table, rows in _tables():
                conn.execute(sa.insert(table), rows)
                if conn.dialect.name == "postgresql" and "id" in table.c:
                    conn.execute(
                        sa.text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"(SELECT max(id) FROM {table.name}))"
                        )
                    )
    finally:
        engine.dispose()


def _assert_nothing_lost(db_url: str) -> None:
    """Every dumped row is still there, every dumped column unchanged."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            for table, rows in _tables():
                key = [table.c.id] if "id" in table.c else list(table.c)[:2]
                stored = [dict(r._mapping) for r in conn.execute(sa.select(table).order_by(*key))]
                assert stored == rows, table.name
    finally:
        engine.dispose()


def test_a_single_area_database_upgrades_into_the_default_area(
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _write_old_database(db_url)
    with Store.open(db_url) as store:  # upgrades to the head
        pass
    _assert_nothing_lost(db_url)
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == (
                head_revision()
            )
            rows = conn.execute(sa.text("SELECT article_id, area FROM article_areas")).all()
            relevant = [a["id"] for a in DATA["tables"]["articles"] if a["relevant"]]
            assert relevant == [1, 2, 3, 4]  # the fifth, about the price of gold, is not
            assert sorted(tuple(r) for r in rows) == [(i, DEFAULT_AREA) for i in relevant]
            for table in ("reviews", "cases"):
                areas = conn.execute(sa.text(f"SELECT DISTINCT area FROM {table}")).scalars()
                assert list(areas) == [DEFAULT_AREA], table
            with pytest.raises(IntegrityError):  # one review per area and story
                conn.execute(
                    sa.text(
                        "INSERT INTO reviews (area, story, status, version, created_at, "
                        "updated_at) VALUES (:a, 'cluster:1', 'new', 0, :t, :t)"
                    ),
                    {"a": DEFAULT_AREA, "t": T.replace(tzinfo=None)},
                )
    finally:
        engine.dispose()

    with Store.open(db_url) as store:
        detail = store.review_detail("cluster:1")
        assert (detail.state.area, detail.state.status, detail.state.version) == (
            DEFAULT_AREA,
            "assigned",
            2,
        )
        [job] = detail.assignments
        assert (job.id, job.unit, job.area) == (1, "UBND xã Đăk Pxi", DEFAULT_AREA)
        assert [a.action for a in detail.history] == ["relevant", "assign"]
        case = store.case_for_story("cluster:3")
        assert case is not None and (case.id, case.area) == (1, DEFAULT_AREA)
        assert [step.kind for step in case.steps] == ["detected", "verified"]
        assert [e.id for e in store.list_evidence(case_id=1)] == [1]
        assert [(d.label, d.area) for d in store.list_digests()] == [("Tuần 44/2026", DEFAULT_AREA)]
        assert {(u.name, u.area) for u in store.list_web_users()} == {("lan", None), ("pxi", None)}
        store.set_web_password("lan", hash_password(PASSWORD))
        # The console reads it back, for an account of every area (the one it had).
        app = build_app(config(), store, Clock(T), "s" * 40, data_dir=tmp_path)
        client = TestClient(app, base_url="https://testserver")
        assert getattr(login(client, "lan"), "status_code", 0) == 303
        queue = client.get("/queue").text
        for title in ("Phá rừng phòng hộ", "Tin sai: xã Đăk Mar", "Ngọk Réo khánh thành"):
            assert title in queue
        assert "Giá vàng" not in queue
        item = " ".join(re.sub(r"<[^>]+>", " ", client.get("/items/1").text).split())
        assert "Trạng thái: Đã giao đơn vị xác minh" in item
        assert "1 UBND xã Đăk Pxi 05/11/2026 Chưa trả lời" in item  # the assignment
        assert "Tin sai: xã Đăk Mar" in client.get("/cases/1").text
        assert "Tuần 44/2026" in client.get("/digests").text
        # Another area reviews the same story on its own, with its own case.
        other = store.review_action(
            "cluster:1",
            expected_version=0,
            action="false_info",
            user_id=1,
            user_name="A",
            at=T,
            area="dak-mar",
        )
        assert (other.area, other.version) == ("dak-mar", 1)
        assert store.open_case("cluster:1", "A", T, area="dak-mar").id == 2
        assert store.review_detail("cluster:1").state.version == 2

    # The command line reads it back: the default area's stories, the accounts.
    (tmp_path / "config.yaml").write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("DULUAN_CONFIG", str(tmp_path / "config.yaml"))
    monkeypatch.setenv("DULUAN_DATABASE_URL", db_url)
    capsys.readouterr()
    assert main(["articles", "--area", DEFAULT_AREA]) == 0
    rows = capsys.readouterr().out.splitlines()[2:]
    assert [r.split()[0] for r in rows] == ["4", "3", "2", "1"]
    assert main(["users", "list"]) == 0
    assert capsys.readouterr().out.count("mọi địa bàn") == 2
