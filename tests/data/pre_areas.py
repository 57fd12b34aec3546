"""Write `pre_areas.json`: a single-area database as duluan wrote it before watch areas.

Run with the code of commit a562d87 (schema 0011, the last before `areas:`) first on the path,
so every row is what that version wrote, through its own store, tagger and review service:

    mkdir /tmp/old && git archive a562d87 | tar -x -C /tmp/old
    PYTHONPATH=/tmp/old python tests/data/pre_areas.py > tests/data/pre_areas.json

The file holds each table's rows in the order of the foreign keys, values tagged where JSON has
no type (`{"time": ...}` a UTC moment, `{"date": ...}`, `{"hex": ...}` bytes).
`tests/test_storage_migrate_areas.py` loads it into a database at 0011 on SQLite and PostgreSQL
and upgrades it to the head."""

from __future__ import annotations

import gzip
import json
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from crawler.fingerprint import content_hash, minhash
from duluan.config import Config
from duluan.pipeline import locator_for, tag_pending
from review.service import Actor, ReviewService
from storage import ArticleRecord, Store
from storage.cases import EvidenceSnapshot
from storage.models import Base

NOW = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)
CONFIG = {
    "locality": {"province": "Tỉnh Kon Tum", "district": "Huyện Đăk Hà"},
    "sources": [
        {"name": "baoquangngai", "title": "Báo Quảng Ngãi", "feeds": ["https://x.vn/rss"]},
        {"name": "dantri", "title": "Dân trí", "feeds": ["https://y.vn/rss"]},
    ],
    "units": [
        {"name": "UBND xã Đăk Pxi", "chat": "-1002222222222", "communes": ["Xã Đăk Pxi"]},
        {"name": "Phòng Tài nguyên và Môi trường", "chat": "-1003333333333", "topics": ["rừng"]},
    ],
    "review": {"chat": "-1001111111111", "reviewers": [1001]},
}
ARTICLES = [
    (
        "baoquangngai",
        "Phá rừng phòng hộ ở xã Đăk Pxi, huyện Đăk Hà",
        "Hàng chục héc-ta rừng phòng hộ tại xã Đăk Pxi, huyện Đăk Hà, tỉnh Kon Tum bị chặt phá "
        "trái phép; người dân bức xúc vì chính quyền chậm xử lý.",
    ),
    (
        "dantri",
        "Đăk Hà: rừng phòng hộ bị chặt phá",
        "Hàng chục héc-ta rừng phòng hộ tại xã Đăk Pxi, huyện Đăk Hà, tỉnh Kon Tum bị chặt phá "
        "trái phép; người dân bức xúc vì chính quyền chậm xử lý.",
    ),
    (
        "baoquangngai",
        "Tin sai: xã Đăk Mar bị lũ cuốn trôi cả làng",
        "Một trang mạng đưa tin cả làng ở xã Đăk Mar, huyện Đăk Hà bị lũ cuốn trôi; chính quyền "
        "xã khẳng định đây là thông tin sai sự thật.",
    ),
    (
        "baoquangngai",
        "Xã Ngọk Réo khánh thành trường học mới",
        "Xã Ngọk Réo, huyện Đăk Hà khánh thành điểm trường mới cho học sinh làng xa.",
    ),
    ("dantri", "Giá vàng hôm nay tăng mạnh", "Giá vàng trong nước tăng mạnh phiên sáng nay."),
]


def write(url: str) -> None:
    """The database of an ordinary week: crawled, tagged, alerted, reviewed, a case, a digest."""
    config = Config.model_validate(CONFIG)
    with Store.open(url) as store:
        store.sync_sources([(s.name, s.title) for s in config.sources])
        for n, (source, title, text) in enumerate(ARTICLES, start=1):
            at = NOW - timedelta(hours=10 - n)
            store.save_article(
                ArticleRecord(
                    source=source,
                    url=f"https://{source}.vn/bai-{n}.htm",
                    canonical_url=f"https://{source}.vn/bai-{n}.htm",
                    title=title,
                    lead="",
                    text=text,
                    author=None,
                    section="Thời sự",
                    language="vi",
                    published_at=at,
                    fetched_at=at,
                    via="feed",
                    extraction="page",
                    content_hash=content_hash(title, text),
                    fingerprint=minhash(f"{title}\n{text}"),
                    backfill=False,
                )
            )
        tag_pending(store, config, lambda: NOW, locator=locator_for(config), console=False)
        due = store.due_outbox(NOW + timedelta(minutes=1))
        store.mark_sent(due[0].id, 501, NOW)
        service = ReviewService(store, config, lambda: NOW)
        lan = Actor(1001, "Chị Lan", "Telegram, Chị Lan")
        relevant = service.verdict(
            story="cluster:1", version=0, status="relevant", actor=lan, article_id=1
        )
        service.assign(
            story="cluster:1",
            version=relevant.state.version,
            unit=service.unit("UBND xã Đăk Pxi"),
            actor=lan,
            deadline=date(2026, 11, 5),
            article_id=1,
        )
        false = service.verdict(
            story="cluster:3", version=0, status="false_info", actor=lan, article_id=3
        )
        assert false.case is not None
        store.case_step(false.case.id, "verified", "Chị Lan", NOW, unit="UBND xã Đăk Pxi")
        store.save_digest(
            "Tuần 44/2026",
            datetime(2026, 10, 29, 7, 0, tzinfo=UTC),
            datetime(2026, 11, 5, 7, 0, tzinfo=UTC),
            NOW,
            ["bao-cao-2026-W44.docx", "bao-cao-2026-W44.html"],
        )
        store.mark_digest_sent(
            datetime(2026, 10, 29, 7, 0, tzinfo=UTC), datetime(2026, 11, 5, 7, 0, tzinfo=UTC), NOW
        )
        store.add_evidence(  # a kept page, as the daemon's evidence job stores one
            EvidenceSnapshot(
                story="cluster:3",
                article_id=3,
                case_id=false.case.id,
                url="https://baoquangngai.vn/bai-3.htm",
                final_url="https://baoquangngai.vn/bai-3.htm",
                status_code=200,
                fetched_at=NOW,
                reason="ok",
                change="first",
                sha256="ab" * 32,
                size=7,
                content=gzip.compress(b"Tin sai", mtime=0),
                text_sha256="cd" * 32,
                text="Tin sai",
            )
        )
        store.add_web_user("lan", "staff", None, "scrypt$x", NOW)
        store.add_web_user("pxi", "unit", "UBND xã Đăk Pxi", "scrypt$y", NOW)
        store.record_login("lan", "10.0.0.5", True, NOW)
        store.add_audit(NOW, 1, "lan", "đánh giá", "story:cluster:1", "liên quan")


def tagged(value: Any) -> Any:
    """A column value as JSON: moments, dates and bytes tagged."""
    if isinstance(value, datetime):
        return {"time": value.astimezone(UTC).isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, bytes | memoryview):
        return {"hex": bytes(value).hex()}
    return value


def dump(url: str) -> dict[str, Any]:
    """Every table's rows (columns by name), parents before children."""
    engine = sa.create_engine(url)
    tables: dict[str, Any] = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = conn.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
            tables[table.name] = [{c: tagged(v) for c, v in row._mapping.items()} for row in rows]
        version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    engine.dispose()
    return {"revision": version, "tables": tables}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'old.sqlite3'}"
        write(url)
        json.dump(dump(url), sys.stdout, ensure_ascii=False, indent=1, sort_keys=False)
        sys.stdout.write("\n")


if __name__ == "__main__":
    main()
