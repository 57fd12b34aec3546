"""Reviews per watch area: a story about two areas is reviewed in each separately (status,
assignments, case), from Telegram (the review chat says which area) and in storage. The
upgrade of a single-area database is tested in `test_storage_migrate_areas.py`."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import pytest

from duluan.config import Config
from review.bot import remind_overdue
from review.buttons import NOT_REVIEW_CHAT, Decorator, signing_key
from review.service import Actor, ReviewService
from storage import OutboxEntry, OutboxItem, Store
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
