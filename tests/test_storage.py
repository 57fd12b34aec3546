"""Storage tests, each run on SQLite and PostgreSQL through the `store` / `db_url` fixtures."""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from crawler.extract import extract_article
from crawler.fingerprint import minhash, similarity
from storage import (
    ArticleRecord,
    FetchError,
    SourceRun,
    StorageError,
    Store,
    Validator,
)
from storage.db import database_url, make_engine
from storage.migrate import head_revision
from storage.models import Article, Base
from storage.models.cases import include_name
from tests.kit.articles import ICT, T0, edited, record, signature

SITE = Path(__file__).resolve().parent / "site" / "data"


@pytest.fixture
def sources(store: Store) -> Store:
    store.sync_sources([("baoquangngai", "Báo Quảng Ngãi"), ("vnexpress", "VnExpress")])
    return store


# --- schema and migrations -------------------------------------------------------------


def test_migrations_create_schema_and_second_open_is_noop(
    db_url: str, caplog: pytest.LogCaptureFixture, real_migrations: None
) -> None:
    with caplog.at_level(logging.INFO, logger="alembic"), Store.open(db_url) as first:
        first.save_article(record(1))
    assert any("Running upgrade" in r.getMessage() for r in caplog.records)

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            assert {"sources", "source_runs", "articles", "url_validators"} <= tables
            assert MigrationContext.configure(conn).get_current_revision() == head_revision()
            context = MigrationContext.configure(conn, opts={"include_name": include_name})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="alembic"), Store.open(db_url) as second:
        assert [a.id for a in second.list_articles()] == [1]
    assert not any("Running upgrade" in r.getMessage() for r in caplog.records)


def _schema(url: str) -> dict[str, object]:
    """Every table with its columns, indexes and foreign keys, every trigger, and the revision."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            found = inspect(conn)
            tables = {
                name: (
                    sorted(
                        (c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(name)
                    ),
                    sorted(
                        (i["name"] or "", tuple(i["column_names"])) for i in found.get_indexes(name)
                    ),
                    sorted(str(f["referred_table"]) for f in found.get_foreign_keys(name)),
                )
                for name in found.get_table_names()
            }
            if engine.dialect.name == "sqlite":
                triggers = conn.execute(
                    text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
                ).all()
            else:
                triggers = conn.execute(
                    text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname")
                ).all()
            revision = MigrationContext.configure(conn).get_current_revision()
            rows = conn.execute(text("SELECT count(*) FROM sources")).scalar()
    finally:
        engine.dispose()
    return {
        "tables": tables,
        "triggers": [tuple(t) for t in triggers],
        "revision": revision,
        "sources": rows,
    }


def test_the_suites_copied_schema_is_the_migrations_own(
    db_url: str, request: pytest.FixtureRequest
) -> None:
    """The suite gives an empty database a copy of a migrated template (tests/kit/schema.py):
    that copy must be exactly what replaying the migrations builds."""
    with Store.open(db_url):
        pass
    copied = _schema(db_url)
    request.getfixturevalue("real_migrations")
    if db_url.startswith("sqlite"):
        replayed_url = db_url.replace("duluan.sqlite3", "replayed.sqlite3")
    else:
        from tests.kit.db import _empty_pg

        _empty_pg(db_url)
        replayed_url = db_url
    with Store.open(replayed_url):
        pass
    replayed = _schema(replayed_url)
    assert copied["revision"] == head_revision()
    assert copied == replayed


def test_unreachable_database_raises_vietnamese_error_without_password() -> None:
    with pytest.raises(StorageError) as info:
        Store.open("postgresql://duluan:matkhau-bi-mat@127.0.0.1:1/duluan")
    message = str(info.value)
    assert "matkhau-bi-mat" not in message
    assert "postgresql+psycopg://duluan:***@127.0.0.1:1/duluan" in message
    assert "DULUAN_DATABASE_URL" in message
    assert "Không truy cập được" in message


def test_database_url_from_the_variable_or_the_default() -> None:
    assert database_url(None) == "sqlite:///./data/duluan.sqlite3"
    assert database_url("  ") == "sqlite:///./data/duluan.sqlite3"
    assert (
        database_url("postgresql://u:p@db:5432/duluan") == "postgresql+psycopg://u:p@db:5432/duluan"
    )
    assert database_url("postgres://db/x") == "postgresql+psycopg://db/x"
    assert database_url("sqlite:////srv/d.db") == "sqlite:////srv/d.db"


def test_sqlite_file_gets_its_directory_and_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "duluan.sqlite3"
    with Store.open(f"sqlite:///{path}"):
        pass
    assert path.exists()
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
    finally:
        engine.dispose()


# --- saving articles ---------------------------------------------------------------------


def test_new_then_unchanged_then_updated(sources: Store) -> None:
    rec = record(1)
    first = sources.save_article(rec)
    assert first.status == "new"
    assert first.cluster_id == first.article_id

    later = rec.fetched_at + timedelta(hours=2)
    again = sources.save_article(replace(rec, fetched_at=later, title="khác nhưng cùng hash"))
    assert again == replace(first, status="unchanged")
    detail = sources.get_article(first.article_id)
    assert detail is not None
    assert detail.title == rec.title
    assert detail.last_fetched_at == later
    assert detail.updated_at == rec.fetched_at

    edited_at = later + timedelta(hours=1)
    edited = replace(
        rec,
        fetched_at=edited_at,
        title="Tiêu đề đã sửa",
        text="Nội dung đã được tòa soạn chỉnh sửa.",
        content_hash="hash-1-v2",
        backfill=True,
        via="sitemap",
    )
    outcome = sources.save_article(edited)
    assert outcome == replace(first, status="updated")
    detail = sources.get_article(first.article_id)
    assert detail is not None
    assert (detail.title, detail.text, detail.content_hash) == (
        "Tiêu đề đã sửa",
        "Nội dung đã được tòa soạn chỉnh sửa.",
        "hash-1-v2",
    )
    assert detail.updated_at == edited_at
    assert detail.first_seen_at == rec.fetched_at
    assert detail.backfill is False
    assert detail.via == "feed"


def test_same_canonical_url_is_an_update_not_a_duplicate(sources: Store) -> None:
    first = sources.save_article(record(1))
    via_other_url = record(
        1, url="https://baoquangngai.vn/bai-1.htm?utm_source=rss", content_hash="v2"
    )
    assert sources.save_article(via_other_url).article_id == first.article_id
    same_url_new_canonical = record(1, canonical_url="https://m.baoquangngai.vn/bai-1.htm")
    assert sources.save_article(same_url_new_canonical).article_id == first.article_id
    assert [a.id for a in sources.list_articles(limit=100)] == [first.article_id]


def test_concurrent_insert_of_same_url_becomes_an_update(
    sources: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = sources.save_article(record(1))
    real = Store._existing
    calls = {"n": 0}

    def blind_once(self: Store, session: object, recs: list[ArticleRecord]) -> dict[str, Article]:
        calls["n"] += 1
        return {} if calls["n"] == 1 else real(self, session, recs)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "_existing", blind_once)
    outcome = sources.save_article(record(1, content_hash="changed", text="đổi"))
    assert calls["n"] == 2
    assert outcome.article_id == first.article_id
    assert outcome.status == "updated"
    assert len(sources.list_articles(limit=100)) == 1


def test_parallel_saves_of_one_article_keep_one_row(db_url: str) -> None:
    with Store.open(db_url) as setup:
        setup.sync_sources([("baoquangngai", "Báo Quảng Ngãi")])
    stores = [Store.open(db_url) for _ in range(4)]
    barrier = threading.Barrier(len(stores))
    statuses: list[str] = []
    failures: list[BaseException] = []

    def save(s: Store) -> None:
        try:
            barrier.wait()
            statuses.append(s.save_article(record(7)).status)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=save, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert failures == []
        assert sorted(statuses) == ["new", "unchanged", "unchanged", "unchanged"]
        assert len(stores[0].list_articles(limit=100)) == 1
    finally:
        for s in stores:
            s.close()


def test_failed_save_leaves_nothing_behind(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure after the article row is written (here: writing its LSH bands) undoes it all."""

    def boom(*_args: object) -> None:
        raise RuntimeError("hỏng giữa chừng")

    with monkeypatch.context() as patch:
        patch.setattr("storage.articles._add_bands", boom)
        with pytest.raises(RuntimeError, match="hỏng giữa chừng"):
            store.save_article(record(1, source="nguon-moi"))
    assert store.list_articles(limit=100) == []
    assert store.health() == []
    assert store.known_articles([record(1).url]) == {}
    assert store.save_article(record(1, source="nguon-moi")).status == "new"


def test_unknown_source_is_created_and_titled_later(store: Store) -> None:
    store.save_article(record(1, source="laodong"))
    assert [(h.name, h.title) for h in store.health()] == [("laodong", "laodong")]
    store.sync_sources([("laodong", "Lao Động")])
    assert [(h.name, h.title) for h in store.health()] == [("laodong", "Lao Động")]


def test_naive_datetime_is_rejected(sources: Store) -> None:
    with pytest.raises(ValueError, match="múi giờ"):
        sources.save_article(record(1, published_at=datetime(2026, 3, 2, 8, 30)))
    assert sources.list_articles() == []


def test_timezone_aware_round_trip(sources: Store) -> None:
    published = datetime(2026, 3, 2, 23, 45, 10, 123456, tzinfo=ICT)
    fetched = datetime(2026, 3, 3, 0, 5, tzinfo=ICT)
    saved = sources.save_article(record(1, published_at=published, fetched_at=fetched))
    detail = sources.get_article(saved.article_id)
    assert detail is not None
    assert detail.published_at == published
    assert detail.published_at is not None
    assert detail.published_at.utcoffset() == timedelta(0)
    assert detail.first_seen_at == fetched
    assert sources.known_articles([record(1).url]) == {record(1).url: fetched}
    summary = sources.list_articles()[0]
    assert summary.published_at == published
    assert summary.first_seen_at.tzinfo is not None


def test_fingerprint_round_trips_and_bad_slots_are_rejected(sources: Store) -> None:
    value = (0xFFFF_FFFF, 0, *signature(1)[2:])
    saved = sources.save_article(record(1, fingerprint=value))
    detail = sources.get_article(saved.article_id)
    assert detail is not None
    assert detail.fingerprint == value
    with pytest.raises(ValueError, match="32 bit"):
        sources.save_article(record(2, fingerprint=(1 << 32, *signature(2)[1:])))
    assert [a.id for a in sources.list_articles()] == [saved.article_id]


# --- clustering --------------------------------------------------------------------------

ORIGINAL = (
    "Chiều 2/3, UBND xã Đăk Pxi tổ chức hội nghị triển khai kế hoạch bảo vệ rừng mùa khô "
    "năm 2026. Theo báo cáo, toàn xã có hơn 4.000 ha rừng tự nhiên cần được quản lý chặt "
    "chẽ. Lực lượng kiểm lâm phối hợp với công an xã tuần tra thường xuyên các khu vực giáp "
    "ranh, xử lý nghiêm các trường hợp phát rẫy trái phép và vận chuyển lâm sản không rõ "
    "nguồn gốc. Người dân các thôn được tuyên truyền về phòng cháy chữa cháy rừng."
)
SYNDICATED = ORIGINAL.replace("Chiều 2/3", "Chiều ngày 2/3")
UNRELATED = (
    "Sáng nay, Sở Giáo dục và Đào tạo tổ chức kỳ thi chọn học sinh giỏi cấp tỉnh cho gần "
    "một nghìn thí sinh đến từ các trường trung học phổ thông trong toàn tỉnh, với nhiều "
    "môn thi mới được bổ sung năm nay."
)


def test_near_copies_share_a_cluster_and_other_texts_do_not(sources: Store) -> None:
    h_orig, h_copy, h_other = minhash(ORIGINAL), minhash(SYNDICATED), minhash(UNRELATED)
    assert similarity(h_orig, h_copy) >= 0.6
    assert similarity(h_orig, h_other) < 0.6

    a = sources.save_article(record(1, text=ORIGINAL, fingerprint=h_orig))
    b = sources.save_article(
        record(
            2,
            source="vnexpress",
            text=SYNDICATED,
            fingerprint=h_copy,
            published_at=T0 + timedelta(days=1),
        )
    )
    c = sources.save_article(record(3, text=UNRELATED, fingerprint=h_other))
    assert b.cluster_id == a.cluster_id == a.article_id
    assert c.cluster_id == c.article_id
    detail = sources.get_article(b.article_id)
    assert detail is not None
    assert (detail.cluster_size, detail.cluster_others) == (2, (a.article_id,))
    assert len(sources.list_articles(limit=10)) == 3


def test_cluster_threshold_and_window(sources: Store) -> None:
    base = signature(0)
    a = sources.save_article(record(1, fingerprint=base))
    at_threshold = sources.save_article(record(2, fingerprint=edited(base, range(51))))
    below = sources.save_article(record(3, fingerprint=edited(base, range(76, 128))))
    six_days = sources.save_article(
        record(4, fingerprint=base, published_at=T0 - timedelta(days=6))
    )
    late = sources.save_article(record(5, fingerprint=base, published_at=T0 + timedelta(days=8)))
    undated = sources.save_article(
        record(6, fingerprint=base, published_at=None, fetched_at=T0 + timedelta(days=9))
    )
    assert at_threshold.cluster_id == a.article_id  # 77 of 128 slots agree: 0.602
    assert below.cluster_id == below.article_id  # 76 of 128: 0.594, though bands are shared
    assert six_days.cluster_id == a.article_id
    assert late.cluster_id == late.article_id
    assert undated.cluster_id == late.article_id  # first sighting stands in for publication


def test_new_copy_joins_the_most_similar_cluster(sources: Store) -> None:
    target = signature(0)
    far = sources.save_article(record(1, fingerprint=edited(target, range(48))))
    near = sources.save_article(record(2, fingerprint=edited(target, range(100, 128))))
    assert near.cluster_id != far.cluster_id
    assert sources.save_article(record(3, fingerprint=target)).cluster_id == near.cluster_id


def test_texts_without_words_never_cluster(sources: Store) -> None:
    first = sources.save_article(record(1, text="", fingerprint=()))
    second = sources.save_article(record(2, text="", fingerprint=()))
    assert (first.cluster_id, second.cluster_id) == (first.article_id, second.article_id)
    detail = sources.get_article(second.article_id)
    assert detail is not None
    assert detail.fingerprint == ()


def _site_article(path: str, source: str, n: int) -> ArticleRecord:
    url = f"https://{source}.example/{path}"
    found = extract_article((SITE / source / path).read_text(encoding="utf-8"), url)
    assert found is not None and found.published_at is not None
    return record(
        n,
        source=source,
        url=url,
        canonical_url=url,
        title=found.title,
        lead=found.lead,
        text=found.text,
        published_at=found.published_at,
        fetched_at=found.published_at + timedelta(minutes=30),
        fingerprint=minhash(f"{found.lead} {found.text}"),
    )


def test_syndicated_dispatch_from_two_outlets_forms_one_cluster(sources: Store) -> None:
    copy_a = _site_article(
        "xa-hoi/mua-lon-gay-sat-lo-nhieu-thon-o-xa-dak-pxi-bi-chia-cat-20261125155812034.htm",
        "dantri",
        1,
    )
    copy_b = _site_article(
        "sat-lo-nghiem-trong-hon-400-ho-dan-o-xa-dak-pxi-bi-chia-cat-2961702.html", "vietnamnet", 2
    )
    other_a = _site_article(
        "xa-hoi/xa-bien-gioi-dak-long-don-dien-luoi-quoc-gia-ve-lang-20261126071530219.htm",
        "dantri",
        3,
    )
    other_b = _site_article(
        "xa-dak-mar-hoan-thanh-xoa-nha-tam-cho-86-ho-ngheo-2961487.html", "vietnamnet", 4
    )
    assert copy_a.title != copy_b.title
    saved = [sources.save_article(r) for r in (copy_a, other_a, copy_b, other_b)]
    a, x, b, y = saved
    assert b.cluster_id == a.cluster_id == a.article_id
    assert (x.cluster_id, y.cluster_id) == (x.article_id, y.article_id)
    detail = sources.get_article(b.article_id)
    assert detail is not None
    assert detail.cluster_others == (a.article_id,)


# --- lookups -----------------------------------------------------------------------------


def test_known_articles_by_url_or_canonical_in_large_batches(sources: Store) -> None:
    rec = record(1, url="https://baoquangngai.vn/rss-link-1", canonical_url="https://c/1")
    sources.save_article(rec)
    asked = [f"https://unknown/{i}" for i in range(1000)] + [rec.url, rec.canonical_url]
    assert sources.known_articles(asked) == {
        rec.url: rec.fetched_at,
        rec.canonical_url: rec.fetched_at,
    }
    assert sources.known_articles([]) == {}


def test_validators_upsert(store: Store) -> None:
    store.save_validators(
        [
            Validator("https://a/feed.rss", '"v1"', "Mon, 02 Mar 2026 01:00:00 GMT"),
            Validator("https://b/sitemap.xml", None, "Mon, 02 Mar 2026 02:00:00 GMT"),
        ]
    )
    store.save_validators(
        [
            Validator("https://a/feed.rss", '"v0"', None),
            Validator("https://a/feed.rss", '"v2"', None),
            Validator("https://c/x", 'W/"c"', None),
        ]
    )
    got = store.get_validators(["https://a/feed.rss", "https://b/sitemap.xml", "https://c/x", "z"])
    assert got == {
        "https://a/feed.rss": Validator("https://a/feed.rss", '"v2"', None),
        "https://b/sitemap.xml": Validator(
            "https://b/sitemap.xml", None, "Mon, 02 Mar 2026 02:00:00 GMT"
        ),
        "https://c/x": Validator("https://c/x", 'W/"c"', None),
    }
    many = [Validator(f"https://m/{i}", str(i), None) for i in range(450)]
    store.save_validators(many)
    assert len(store.get_validators(v.url for v in many)) == 450


def _run(ok: bool, at: datetime, errors: list[FetchError] | None = None, new: int = 0) -> SourceRun:
    return SourceRun(
        source="baoquangngai",
        started_at=at - timedelta(minutes=1),
        finished_at=at,
        new=new,
        updated=1,
        unchanged=2,
        failed=len(errors or []),
        errors=errors or [],
        ok=ok,
    )


def test_health_after_success_failure_success(sources: Store, db_url: str) -> None:
    sources.save_article(record(1, fetched_at=T0))
    sources.save_article(record(2, fetched_at=T0 + timedelta(minutes=5)))

    t1, t2, t3, t4 = (T0 + timedelta(hours=h) for h in (1, 2, 3, 4))
    sources.record_run(_run(True, t1, new=2))
    errors = [
        FetchError(f"https://baoquangngai.vn/{i}", "http", f"HTTP 500 lần {i}") for i in range(60)
    ]
    sources.record_run(_run(False, t2, errors))
    sources.record_run(_run(False, t3, [FetchError("https://x", "timeout", "Hết thời gian")]))
    health = {h.name: h for h in sources.health()}
    bqn = health["baoquangngai"]
    assert bqn.consecutive_failures == 2
    assert bqn.last_error == "Hết thời gian"
    assert (bqn.last_error_at, bqn.last_success_at, bqn.last_run_at) == (t3, t1, t3)
    assert (bqn.items_last_run, bqn.new_last_run) == (3, 0)
    assert bqn.articles_total == 2
    assert bqn.last_article_at == T0 + timedelta(minutes=5)
    assert (health["vnexpress"].articles_total, health["vnexpress"].last_article_at) == (0, None)

    sources.record_run(_run(True, t4, new=4))
    bqn = {h.name: h for h in sources.health()}["baoquangngai"]
    assert bqn.consecutive_failures == 0
    assert (bqn.last_success_at, bqn.last_run_at, bqn.last_error_at) == (t4, t4, t3)
    assert (bqn.items_last_run, bqn.new_last_run) == (7, 4)

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT ok, error_count, errors FROM source_runs ORDER BY id")
            ).all()
    finally:
        engine.dispose()
    assert [bool(r[0]) for r in rows] == [True, False, False, True]
    assert rows[1][1] == 60
    stored = rows[1][2] if isinstance(rows[1][2], list) else json.loads(rows[1][2])
    assert len(stored) == 50
    assert stored[0] == {
        "url": "https://baoquangngai.vn/0",
        "kind": "http",
        "message": "HTTP 500 lần 0",
    }


def test_list_and_get_articles(sources: Store) -> None:
    saved = [
        sources.save_article(record(1, fetched_at=T0)),
        sources.save_article(record(2, source="vnexpress", fetched_at=T0 + timedelta(hours=2))),
        sources.save_article(record(3, fetched_at=T0 + timedelta(hours=1), backfill=True)),
    ]
    ids = [s.article_id for s in saved]
    assert [a.id for a in sources.list_articles()] == [ids[1], ids[2], ids[0]]
    assert [a.id for a in sources.list_articles(limit=2)] == [ids[1], ids[2]]
    only = sources.list_articles(source="baoquangngai")
    assert [(a.id, a.source, a.backfill) for a in only] == [
        (ids[2], "baoquangngai", True),
        (ids[0], "baoquangngai", False),
    ]
    assert sources.list_articles(source="khong-co") == []

    detail = sources.get_article(ids[1])
    assert detail is not None
    rec = record(2, source="vnexpress", fetched_at=T0 + timedelta(hours=2))
    assert (detail.source, detail.url, detail.canonical_url, detail.title, detail.lead) == (
        "vnexpress",
        rec.url,
        rec.canonical_url,
        rec.title,
        rec.lead,
    )
    assert (detail.text, detail.author, detail.section, detail.language) == (
        rec.text,
        rec.author,
        rec.section,
        rec.language,
    )
    assert (detail.via, detail.extraction, detail.content_hash, detail.fingerprint) == (
        rec.via,
        rec.extraction,
        rec.content_hash,
        rec.fingerprint,
    )
    assert detail.tagged_at is None
    assert (detail.cluster_size, detail.cluster_others) == (1, ())
    assert sources.get_article(999_999) is None


@pytest.mark.postgres
def test_lost_database_is_a_storage_error_and_writes_nothing(_pg_database: str) -> None:
    """A database that goes away mid-crawl is the user's to fix: a clear StorageError."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from storage import StorageError
    from tests.kit.db import _empty_pg

    _empty_pg(_pg_database)
    name = make_url(_pg_database).database
    admin = create_engine(
        make_url(_pg_database).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    lost = Store.open(_pg_database)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
        with pytest.raises(StorageError, match="Không ghi được vào cơ sở dữ liệu"):
            lost.sync_sources([("vnexpress", "VnExpress")])
    finally:
        lost.close()
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()
    with Store.open(_pg_database) as again:
        assert again.health() == []


def test_date_precision_and_alternative_title_are_kept(sources: Store) -> None:
    store = sources
    day = store.save_article(
        record(1, published_precision="day", alt_title="Tiêu đề trên mạng xã hội")
    )
    none = store.save_article(record(2, published_at=None, published_precision="minute"))
    got = store.get_article(day.article_id)
    assert got is not None
    assert (got.published_precision, got.alt_title) == ("day", "Tiêu đề trên mạng xã hội")
    missing = store.get_article(none.article_id)
    assert missing is not None and missing.published_precision == "unknown"
    listed = {a.id: a.published_precision for a in store.list_articles()}
    assert listed[day.article_id] == "day"
    assert [a.published_precision for a in store.articles_to_tag() if a.id == day.article_id] == [
        "day"
    ]


def test_old_login_attempts_are_pruned(store: Store) -> None:
    """The daemon's daily prune keeps the console's login log small: attempts older than the
    throttle ever looks at go; recent failures and the known addresses stay."""
    for age, ok in (
        (timedelta(days=200), True),
        (timedelta(days=50), True),
        (timedelta(hours=1), False),
    ):
        store.record_login("lan", "10.0.0.5", ok, T0 - age)
    assert store.prune_login_attempts(T0 - timedelta(days=100)) == 1
    failures = store.login_failures(
        "lan", "10.0.0.5", T0 - timedelta(days=1), T0 - timedelta(days=90)
    )
    assert failures.pair.count == 1 and failures.known_address
    with pytest.raises(ValueError):
        store.prune_login_attempts(datetime(2026, 1, 1))
