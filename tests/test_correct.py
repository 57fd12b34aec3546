"""A person's correction of an item's tone and place (`duluan.correct.correct`): refused with a
Vietnamese message and nothing stored when wrong; the latest correction wins and every tag pass
keeps it; "not of the area" takes a reported item out of its area."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from duluan.config import Config, parse_config
from duluan.correct import OUTSIDE, CorrectionError, Corrector, area_communes, correct
from duluan.pipeline import locator_for, tag_pending
from duluan.submit import Report, Reporter, submit
from duluan.tagging import OUTSIDE as OUTSIDE_REASON
from duluan.tagging import TONE_FIXED
from nlp.locate import Locator
from storage import Store

NOW = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
CONFIG = """
locality: {province: Tỉnh Kon Tum, district: Huyện Đăk Hà}
sources:
  - {name: baoquangngai, title: Báo Quảng Ngãi, feeds: ['https://baoquangngai.vn/rss']}
units:
  - {name: UBND xã Đăk Pxi, chat: "-1001", communes: [Xã Đăk Pxi], members: [501]}
  - {name: UBND xã Đăk Mar, chat: "-1002", communes: [Xã Đăk Mar, Xã Đăk Pxi]}
review: {chat: "-1009", reviewers: [1]}
"""
WHO = Corrector("Chị Lan", 1)


def clock() -> datetime:
    return NOW


@pytest.fixture(scope="module")
def config() -> Config:
    return parse_config(CONFIG, "test.yaml", {}).config


@pytest.fixture(scope="module")
def locator(config: Config) -> Locator:
    return locator_for(config)


def reported(store: Store, config: Config, locator: Locator, text: str) -> int:
    done = submit(
        store, config, Report(text=text), Reporter("A", "telegram", 501), clock, locator=locator
    )
    return done.article_id


def test_communes_of_an_area_are_its_units_communes_once(config: Config) -> None:
    [area] = config.watch_areas()
    assert area_communes(area) == ["Xã Đăk Pxi", "Xã Đăk Mar"]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"tone": "angry"}, "Sắc thái"),
        ({"place": "Xã Ngọc Wang", "area": "mac-dinh"}, "không phải xã"),
        ({"place": OUTSIDE, "area": "khong-co"}, "không còn trong cấu hình"),
        ({}, "Chưa chọn"),
    ],
)
def test_wrong_corrections_are_refused_and_nothing_stored(
    store: Store, config: Config, locator: Locator, change: dict[str, str], words: str
) -> None:
    item = reported(store, config, locator, "Đường thôn 3 sạt lở")
    with pytest.raises(CorrectionError, match=words):
        correct(store, config, item, WHO, clock, **change)  # type: ignore[arg-type]
    assert store.corrections_of([item]) == {}
    with pytest.raises(CorrectionError, match="Không còn tin số 99"):
        correct(store, config, 99, WHO, clock, tone="neutral")


def test_the_latest_correction_wins_and_a_retag_keeps_it(
    store: Store, config: Config, locator: Locator
) -> None:
    item = reported(store, config, locator, "Đường thôn 3 xã Đăk Pxi sạt lở nặng, dân bức xúc")
    first = correct(store, config, item, WHO, clock, tone="positive", locator=locator)
    assert first.tone == "positive"
    later = lambda: NOW + timedelta(minutes=5)  # noqa: E731
    correct(store, config, item, Corrector("Anh Nam", 2), later, tone="neutral")
    tag_pending(store, config, clock, locator=locator, retag=True)
    tags = store.get_tags(item)
    assert tags is not None and tags.tone == "neutral" and TONE_FIXED in tags.reasons
    fixed = store.corrections_of([item])[item]
    assert fixed.tone == "neutral"


def test_not_of_the_area_then_back_in_a_commune(
    store: Store, config: Config, locator: Locator
) -> None:
    [area] = config.watch_areas()
    item = reported(store, config, locator, "Ảnh chụp bài đăng")
    out = correct(store, config, item, WHO, clock, place=OUTSIDE, area=area.name, locator=locator)
    assert out.relevant is False and out.areas == ()
    tags = store.get_tags(item)
    assert tags is not None and OUTSIDE_REASON in tags.reasons
    later = lambda: NOW + timedelta(minutes=5)  # noqa: E731
    back = correct(
        store, config, item, WHO, later, place="Xã Đăk Mar", area=area.name, locator=locator
    )
    assert back.relevant is True and back.areas == (area.name,)
    chats = {e.chat for e in store.due_outbox(NOW + timedelta(hours=1))}
    assert "-1002" in chats and "-1001" not in chats  # only Đăk Mar's unit follows Đăk Mar
