"""Reviews per watch area: a story about two areas is reviewed in each separately (status,
assignments, case), from Telegram (the review chat says which area) and in storage; an
existing single-area database upgrades in place, its rows becoming the default area's."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.exc import IntegrityError

from duluan.config import DEFAULT_AREA, Config
from review.bot import remind_overdue
from review.buttons import NOT_REVIEW_CHAT, Decorator, signing_key
from review.service import Actor, ReviewService
from storage import OutboxEntry, OutboxItem, Store
from storage.db import make_engine
from storage.migrate import alembic_config, head_revision
from storage.models import UTCDateTime
from tests.kit.articles import record
from tests.kit.review import (
    FROZEN,
    REVIEWER,
    answers,
    buttons,
    deliver,
    press,
    settle,
)
from tests.telegram.fake_api import FakeTelegram

CHAT_A, CHAT_B, UNIT_A, UNIT_B, OLD = -1001, -1002, -1011, -1012, -1009
REVIEWER_B = 2002
ACTOR = Actor(REVIEWER, "Chị Lan", "Telegram, Chị Lan")


def two_areas() -> Config:
    """Two areas, each with its review group, reviewers and unit."""

    def area(name: str, place: str, chat: int, unit: int, reviewer: int) -> dict[str, Any]:
        return {
            "name": name,
            "title": f"UBND xã {name}",
            "places": [place],
            "review": {"chat": str(chat), "reviewers": [reviewer]},
            "units": [{"name": f"Công an {name}", "chat": str(unit)}],
        }

    return Config.model_validate(
        {
            "locality": {"aliases": {}},
            "sources": [{"name": "x", "title": "X", "feeds": ["https://x.vn/rss"]}],
            "review": {"deadline_days": 2},
            "areas": [
                area("dak-pxi", "Xã Đăk Pxi, Tỉnh Quảng Ngãi", CHAT_A, UNIT_A, REVIEWER),
                area("dak-mar", "Xã Đăk Mar, Tỉnh Quảng Ngãi", CHAT_B, UNIT_B, REVIEWER_B),
            ],
        },
        context={"areas": True},
    )


def seed(store: Store, chats: tuple[int, ...] = (CHAT_A, CHAT_B)) -> str:
    store.sync_sources([("x", "X")])
    saved = store.save_article(record(1, title="Sạt lở ở xã Đăk Pxi và xã Đăk Mar"))
    story = f"cluster:{saved.cluster_id}"
    store.enqueue(
        [
            OutboxEntry(story, str(c), None, "alert", "<b>X</b> · tin", saved.article_id)
            for c in chats
        ],
        FROZEN,
    )
    return story


def test_a_story_in_two_areas_is_reviewed_separately(store: Store) -> None:
    config = two_areas()
    story = seed(store)
    service = ReviewService(store, config, lambda: FROZEN)
    a = service.verdict(
        story=story, version=0, status="false_info", actor=ACTOR, article_id=1, area="dak-pxi"
    )
    assert a.case is not None and a.case.area == "dak-pxi"
    b = service.verdict(
        story=story, version=0, status="relevant", actor=ACTOR, article_id=1, area="dak-mar"
    )
    unit_b = service.unit("Công an dak-mar", "dak-mar")
    assigned = service.assign(
        story=story, version=b.state.version, unit=unit_b, actor=ACTOR, area="dak-mar"
    )
    assert assigned.job.area == "dak-mar"
    detail_a = store.review_detail(story, "dak-pxi")
    detail_b = store.review_detail(story, "dak-mar")
    assert (detail_a.state.status, detail_a.state.version) == ("false_info", 1)
    assert (detail_b.state.status, detail_b.state.version) == ("assigned", 2)
    assert detail_a.assignments == () and [j.unit for j in detail_b.assignments] == [
        "Công an dak-mar"
    ]
    assert store.case_for_story(story, "dak-pxi") is not None
    assert store.case_for_story(story, "dak-mar") is None
    assert store.review_detail(story).state.status == "new"  # the default area never acted
    assert {r.area for r in store.list_reviews()} == {"dak-pxi", "dak-mar"}
    assert [r.area for r in store.list_reviews(area="dak-mar")] == ["dak-mar"]
    with pytest.raises(Exception, match="Công an dak-pxi"):
        service.unit("Công an dak-pxi", "dak-mar")


def test_each_review_chat_presses_its_own_areas_buttons(store: Store) -> None:
    config = two_areas()
    story = seed(store, (CHAT_A, CHAT_B, OLD))
    with FakeTelegram(known_chats={CHAT_A, CHAT_B, UNIT_A, UNIT_B, OLD}) as fake:

        async def scenario() -> None:
            from review.bot import ReviewBot, build_application

            await deliver(fake, store, config)
            [alert_a], [alert_b] = fake.sent(CHAT_A), fake.sent(CHAT_B)
            [old] = fake.sent(OLD)
            assert buttons(old) == {}  # not a review chat: no buttons drawn
            application = build_application(
                fake.token, fake.base_url, store, config, lambda: FROZEN
            )
            bot = ReviewBot(application, config)
            await bot.start()
            try:
                await press(
                    fake, REVIEWER, CHAT_A, alert_a["message_id"], buttons(alert_a)["Liên quan"]
                )
                await press(
                    fake,
                    REVIEWER_B,
                    CHAT_B,
                    alert_b["message_id"],
                    buttons(alert_b)["Không liên quan"],
                )
                # A reviewer of one area cannot act in the other's group.
                await press(
                    fake, REVIEWER, CHAT_B, alert_b["message_id"], buttons(alert_b)["Liên quan"]
                )
                # A button (drawn with the same data) pressed in a chat of no area.
                await press(fake, REVIEWER, OLD, old["message_id"], buttons(alert_a)["Liên quan"])
                await settle(
                    fake, lambda: "Rà soát: Không liên quan" in fake.sent(CHAT_B)[0]["text"]
                )
            finally:
                await bot.stop()
            assert "Rà soát: Liên quan" in fake.sent(CHAT_A)[0]["text"]

        asyncio.run(scenario())
        assert answers(fake)[:2] == ["Đã ghi: Liên quan", "Đã ghi: Không liên quan"]
        assert answers(fake)[2:] == ["Bạn không có quyền rà soát tin này", NOT_REVIEW_CHAT]
    assert store.review_detail(story, "dak-pxi").state.status == "relevant"
    assert store.review_detail(story, "dak-mar").state.status == "irrelevant"


def test_the_decorator_draws_each_areas_status(store: Store) -> None:
    config = two_areas()
    story = seed(store)
    ReviewService(store, config, lambda: FROZEN).verdict(
        story=story, version=0, status="relevant", actor=ACTOR, article_id=1, area="dak-mar"
    )
    decorate = Decorator(store, config, signing_key("1:x"), lambda: FROZEN)

    def item(chat: int) -> OutboxItem:
        return OutboxItem(1, story, str(chat), None, "alert", "t", 0, None, 1)

    block_a, _ = decorate(item(CHAT_A))
    block_b, _ = decorate(item(CHAT_B))
    assert "Chưa rà soát" in block_a and "Liên quan" in block_b


def test_overdue_summaries_go_to_each_areas_group(store: Store) -> None:
    config = two_areas()
    story = seed(store)
    service = ReviewService(store, config, lambda: FROZEN)
    for name in ("dak-pxi", "dak-mar"):
        service.assign(
            story=story,
            version=0,
            unit=service.unit(f"Công an {name}", name),
            actor=ACTOR,
            deadline=date(2026, 4, 29),
            area=name,
        )
    assert asyncio.run(remind_overdue(store, config, date(2026, 5, 4), lambda: FROZEN)) == 2
    for chat, unit in ((CHAT_A, "Công an dak-pxi"), (CHAT_B, "Công an dak-mar")):
        summary = store.story_message("overdue:2026-05-04", str(chat), None)
        assert summary is not None and unit in summary.text
        other = "Công an dak-mar" if unit == "Công an dak-pxi" else "Công an dak-pxi"
        assert other not in summary.text


# --- migration of a database written before areas ---------------------------------------------

T = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)


def _table(name: str, *columns: str, times: tuple[str, ...] = ()) -> sa.TableClause:
    return sa.table(
        name,
        *(sa.column(c) for c in columns),
        *(sa.column(c, UTCDateTime()) for c in times),
    )


def test_an_existing_database_upgrades_to_the_default_area(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "0011")
            conn.execute(
                sa.insert(
                    _table(
                        "sources",
                        "id",
                        "name",
                        "title",
                        "consecutive_failures",
                        "items_last_run",
                        "new_last_run",
                        times=("created_at",),
                    )
                ),
                [
                    {
                        "id": 1,
                        "name": "x",
                        "title": "X",
                        "consecutive_failures": 0,
                        "items_last_run": 0,
                        "new_last_run": 0,
                        "created_at": T,
                    }
                ],
            )
            articles = _table(
                "articles",
                "id",
                "source_id",
                "url",
                "canonical_url",
                "title",
                "lead",
                "text",
                "content_hash",
                "fingerprint",
                "cluster_id",
                "backfill",
                "via",
                "extraction",
                "relevant",
                times=("first_seen_at", "last_fetched_at", "updated_at"),
            )
            conn.execute(
                sa.insert(articles),
                [
                    {
                        "id": i,
                        "source_id": 1,
                        "url": f"https://x.vn/{i}",
                        "canonical_url": f"https://x.vn/{i}",
                        "title": "t",
                        "lead": "",
                        "text": "",
                        "content_hash": f"h{i}",
                        "fingerprint": b"\x00" * 8,
                        "cluster_id": i,
                        "backfill": False,
                        "via": "feed",
                        "extraction": "generic",
                        "relevant": i == 1,
                        "first_seen_at": T,
                        "last_fetched_at": T,
                        "updated_at": T,
                    }
                    for i in (1, 2)
                ],
            )
            conn.execute(
                sa.insert(
                    _table(
                        "reviews",
                        "id",
                        "story",
                        "article_id",
                        "status",
                        "version",
                        times=("created_at", "updated_at"),
                    )
                ),
                [
                    {
                        "id": 7,
                        "story": "cluster:1",
                        "article_id": 1,
                        "status": "assigned",
                        "version": 2,
                        "created_at": T,
                        "updated_at": T,
                    }
                ],
            )
            conn.execute(
                sa.insert(
                    _table(
                        "assignments",
                        "id",
                        "review_id",
                        "unit",
                        "topic_key",
                        "deadline",
                        "status",
                        "assigned_by",
                        times=("assigned_at",),
                    )
                ),
                [
                    {
                        "id": 3,
                        "review_id": 7,
                        "unit": "UBND xã Đăk Pxi",
                        "topic_key": 0,
                        "deadline": date(2026, 11, 3),
                        "status": "open",
                        "assigned_by": 1,
                        "assigned_at": T,
                    }
                ],
            )
            conn.execute(
                sa.insert(
                    _table(
                        "cases",
                        "id",
                        "story",
                        "article_id",
                        "status",
                        "opened_by",
                        times=("opened_at", "updated_at"),
                    )
                ),
                [
                    {
                        "id": 5,
                        "story": "cluster:1",
                        "article_id": 1,
                        "status": "detected",
                        "opened_by": "Chị Lan",
                        "opened_at": T,
                        "updated_at": T,
                    }
                ],
            )
            conn.execute(
                sa.insert(
                    _table(
                        "review_actions",
                        "id",
                        "review_id",
                        "assignment_id",
                        "user_id",
                        "user_name",
                        "action",
                        "from_status",
                        "to_status",
                        times=("at",),
                    )
                ),
                [
                    {
                        "id": 9,
                        "review_id": 7,
                        "assignment_id": 3,
                        "user_id": 1,
                        "user_name": "Chị Lan",
                        "action": "assign",
                        "from_status": "relevant",
                        "to_status": "assigned",
                        "at": T,
                    }
                ],
            )
            conn.execute(
                sa.insert(
                    _table("case_steps", "id", "case_id", "kind", "user_name", times=("at",))
                ),
                [{"id": 4, "case_id": 5, "kind": "detected", "user_name": "Chị Lan", "at": T}],
            )
            conn.execute(
                sa.insert(
                    _table(
                        "evidence",
                        "id",
                        "story",
                        "case_id",
                        "url",
                        "reason",
                        "change",
                        "size",
                        times=("fetched_at",),
                    )
                ),
                [
                    {
                        "id": 2,
                        "story": "cluster:1",
                        "case_id": 5,
                        "url": "https://x.vn/1",
                        "reason": "flagged",
                        "change": "first",
                        "size": 0,
                        "fetched_at": T,
                    }
                ],
            )
    finally:
        engine.dispose()

    with Store.open(db_url) as store:  # upgrades to head
        detail = store.review_detail("cluster:1")
        assert detail.state.area == DEFAULT_AREA
        assert (detail.state.id, detail.state.status, detail.state.version) == (7, "assigned", 2)
        [job] = detail.assignments
        assert (job.id, job.unit, job.area) == (3, "UBND xã Đăk Pxi", DEFAULT_AREA)
        assert [(a.id, a.assignment_id) for a in detail.history] == [(9, 3)]
        case = store.case_for_story("cluster:1")
        assert case is not None and (case.id, case.area) == (5, DEFAULT_AREA)
        assert [step.kind for step in case.steps] == ["detected"]
        assert [e.id for e in store.list_evidence(case_id=5)] == [2]
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
        assert store.open_case("cluster:1", "A", T, area="dak-mar").id != 5
        assert store.review_detail("cluster:1").state.version == 2
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            rows = conn.execute(sa.text("SELECT article_id, area FROM article_areas")).all()
            assert [tuple(r) for r in rows] == [(1, DEFAULT_AREA)]
            version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
            assert version == head_revision()
            with pytest.raises(IntegrityError):
                conn.execute(
                    sa.text(
                        "INSERT INTO reviews (area, story, status, version, created_at, "
                        "updated_at) VALUES (:a, 'cluster:1', 'new', 0, :t, :t)"
                    ),
                    {"a": DEFAULT_AREA, "t": T.replace(tzinfo=None)},
                )
    finally:
        engine.dispose()
