"""The review service alone, on both databases: verdicts with their case file and evidence,
assignments with their deadline checks and the unit's message, the unit's answer; every refusal
changes nothing and says why in Vietnamese."""

from __future__ import annotations

from datetime import date

import pytest

from cases.evidence import Fetch, Fetched
from duluan.config import parse_config
from review.service import (
    MAX_REPORT,
    Actor,
    ReviewError,
    ReviewService,
    StaleReview,
    Verdict,
)
from storage import Store
from tests.kit.console import CONFIG, LAND_UNIT, NOW, PXI_UNIT, Clock, Seeded, config, seed

LAN = Actor(7, "Chị Lan (@lan)", "Telegram, Chị Lan (@lan)")
PAGE = "<html><body><article><p>Phá rừng ở Đăk Pxi, bài gốc.</p></article></body></html>".encode()


def _page(url: str) -> Fetched:
    return Fetched(url, 200, url, PAGE, "utf-8")


def _service(store: Store, fetch: Fetch | None = None) -> tuple[ReviewService, Seeded]:
    seeded = seed(store)
    return ReviewService(store, config(), Clock(), fetch), seeded


def _refused(error: pytest.ExceptionInfo[ReviewError]) -> tuple[str, str]:
    return error.value.title, str(error.value)


def test_today_and_default_deadline_count_working_days(store: Store) -> None:
    review, _ = _service(store)
    assert review.today() == date(2026, 11, 26)  # Thursday, 10:00 in Đăk Hà
    assert review.default_deadline() == date(2026, 11, 30)  # two working days: Monday
    assert review.deadline("") == date(2026, 11, 30)


def test_verdict_is_recorded_with_who_and_the_article(store: Store) -> None:
    review, seeded = _service(store)
    story = f"cluster:{seeded.forest}"
    done = review.verdict(
        story=story, version=0, status="relevant", actor=LAN, article_id=seeded.forest_article
    )
    assert done == Verdict("relevant", done.state)
    assert (done.state.status, done.state.version) == ("relevant", 1)
    detail = store.review_detail(story)
    [action] = detail.history
    assert (action.user_id, action.user_name, action.at) == (7, "Chị Lan (@lan)", NOW)
    assert detail.state.article_id == seeded.forest_article
    assert store.case_for_story(story) is None


def test_stale_verdict_changes_nothing(store: Store) -> None:
    review, seeded = _service(store)
    story = f"cluster:{seeded.forest}"
    review.verdict(story=story, version=0, status="relevant", actor=LAN, article_id=None)
    with pytest.raises(StaleReview) as stale:
        review.verdict(story=story, version=0, status="false_info", actor=LAN, article_id=None)
    assert (stale.value.expected, stale.value.actual) == (0, 1)
    assert store.review_detail(story).state.status == "relevant"
    assert store.case_for_story(story) is None


def test_false_information_opens_the_case_and_keeps_its_pages(store: Store) -> None:
    asked: list[str] = []

    def fetch(url: str) -> Fetched:
        asked.append(url)
        return _page(url)

    review, seeded = _service(store, fetch=fetch)
    story = f"cluster:{seeded.forest}"
    done = review.verdict(
        story=story, version=0, status="false_info", actor=LAN, article_id=seeded.forest_article
    )
    assert done.state.status == "false_info"
    assert done.case is not None and done.case == store.case_for_story(story)
    assert (done.case.opened_by, done.case.status, done.case.article_id) == (
        "Chị Lan (@lan)",
        "detected",
        seeded.forest_article,
    )
    assert done.capture is not None
    done.capture.join(10)
    kept = store.list_evidence(story=story)
    assert sorted(asked) == sorted(r.url for r in kept) and len(kept) == 2
    assert {r.case_id for r in kept} == {done.case.id}


def test_without_a_fetch_the_case_waits_for_the_daemon(store: Store) -> None:
    review, seeded = _service(store)
    story = f"cluster:{seeded.forest}"
    done = review.verdict(story=story, version=0, status="false_info", actor=LAN, article_id=None)
    assert done.case is not None and done.capture is None
    assert review.capture(case=done.case, actor=LAN) is None
    assert store.list_evidence(story=story) == []


def test_assign_with_the_default_deadline_queues_the_unit_message(store: Store) -> None:
    review, seeded = _service(store)
    story = f"cluster:{seeded.forest}"
    done = review.assign(
        story=story,
        version=0,
        unit=review.unit(PXI_UNIT),
        actor=LAN,
        article_id=seeded.forest_article,
    )
    job = done.job
    assert (job.unit, job.chat, job.deadline, done.state.status) == (
        PXI_UNIT,
        "-1001",
        date(2026, 11, 30),
        "assigned",
    )
    [queued] = [m for m in store.due_outbox(NOW) if m.kind == "assign"]
    assert (queued.story, queued.chat) == (f"assign:{job.id}", "-1001")
    assert f"Đơn vị: <b>{PXI_UNIT}</b>" in queued.text
    assert "thứ Hai 30/11/2026" in queued.text
    assert "Chị Lan (@lan)" in queued.text
    assert "Phá rừng ở Đăk Pxi" in queued.text


def test_assign_takes_a_chosen_deadline_from_today_on(store: Store) -> None:
    review, seeded = _service(store)
    story = f"cluster:{seeded.market}"
    chosen = review.deadline("2026-11-26")
    done = review.assign(
        story=story, version=0, unit=review.unit(LAND_UNIT), actor=LAN, deadline=chosen
    )
    assert (done.job.unit, done.job.deadline, done.job.chat) == (
        LAND_UNIT,
        date(2026, 11, 26),
        "-1002",
    )


def test_assign_refusals_say_why_and_change_nothing(store: Store) -> None:
    review, seeded = _service(store)
    story = f"cluster:{seeded.forest}"
    with pytest.raises(ReviewError) as unknown:
        review.unit("Đơn vị lạ")
    assert _refused(unknown) == (
        "Đơn vị không hợp lệ",
        "Không có đơn vị 'Đơn vị lạ' trong cấu hình. Chưa có gì thay đổi.",
    )
    for typed in ("30/11/2026", "0001-01-01", "9999-12-31"):
        with pytest.raises(ReviewError) as bad:
            review.deadline(typed)
        assert _refused(bad) == (
            "Hạn không hợp lệ",
            f"'{typed}' không phải ngày (năm-tháng-ngày). Chưa có gì thay đổi.",
        )
    with pytest.raises(ReviewError) as past:
        review.deadline("2026-11-25")
    assert _refused(past) == (
        "Hạn đã qua",
        "Hạn xác minh 25/11/2026 đã qua (hôm nay 26/11/2026). Hãy chọn hạn từ hôm nay trở đi; "
        "chưa có gì thay đổi.",
    )
    with pytest.raises(ReviewError) as far:
        review.assign(
            story=story,
            version=0,
            unit=review.unit(PXI_UNIT),
            actor=LAN,
            deadline=date(2027, 11, 28),
        )
    assert _refused(far) == (
        "Hạn không hợp lệ",
        "Hạn xác minh quá xa (hơn một năm). Chưa có gì thay đổi.",
    )
    assert review.deadline("2027-11-27") == date(2027, 11, 27)  # 366 days ahead: accepted
    with pytest.raises(StaleReview):
        review.assign(story=story, version=3, unit=review.unit(PXI_UNIT), actor=LAN)
    detail = store.review_detail(story)
    assert (detail.state.status, detail.assignments, detail.history) == ("new", (), ())
    assert store.due_outbox(NOW) == []


def test_the_unit_answers_and_reports(store: Store) -> None:
    review, seeded = _service(store)
    story = f"cluster:{seeded.forest}"
    job = review.assign(story=story, version=0, unit=review.unit(PXI_UNIT), actor=LAN).job
    officer = Actor(0, "dakpxi (trang web)", "web, dakpxi")

    pressed = review.answer(job=job, status="reported", actor=officer)
    assert (pressed.state.status, pressed.job.status, pressed.job.report) == (
        "reported",
        "reported",
        None,
    )
    written = review.answer(
        job=job, status="reported", actor=officer, report="Đã xác minh: đúng một phần."
    )
    assert written.job.report == "Đã xác minh: đúng một phần."
    assert written.job.answered_by == 0
    false = review.answer(job=job, status="false", actor=officer, report="")  # no new text
    assert (false.state.status, false.job.status, false.job.report) == (
        "false",
        "false",
        "Đã xác minh: đúng một phần.",
    )
    history = store.review_detail(story).history
    assert [(a.action, a.user_name) for a in history] == [
        ("assign", "Chị Lan (@lan)"),
        ("answer", "dakpxi (trang web)"),
        ("report", "dakpxi (trang web)"),
        ("answer", "dakpxi (trang web)"),
    ]


def test_answer_refusals_change_nothing(store: Store) -> None:
    review, seeded = _service(store)
    story = f"cluster:{seeded.forest}"
    job = review.assign(story=story, version=0, unit=review.unit(PXI_UNIT), actor=LAN).job
    with pytest.raises(ReviewError) as unknown:
        review.answer(job=job, status="maybe", actor=LAN)
    assert _refused(unknown) == ("Trả lời không hợp lệ", "Chưa có gì thay đổi.")
    with pytest.raises(ReviewError) as long:
        review.answer(job=job, status="reported", actor=LAN, report="x" * (MAX_REPORT + 1))
    assert _refused(long) == (
        "Báo cáo quá dài",
        f"Báo cáo dài quá {MAX_REPORT} ký tự. Chưa có gì thay đổi.",
    )
    assert review.answer(job=job, status="true", actor=LAN, report="x" * MAX_REPORT).job.report
    detail = store.review_detail(story)
    assert [a.action for a in detail.history] == ["assign", "report"]  # an answer with a text


def test_assign_also_queues_the_message_to_the_units_zalo_chat(store: Store) -> None:
    seeded = seed(store)
    text = CONFIG.replace('chat: "-1001",', 'chat: "-1001", zalo: z-pxi,')
    text = text.replace('chat: "-1002",', "zalo: z-land,")
    review = ReviewService(store, parse_config(text, "t.yaml", {}).config, Clock())
    done = review.assign(
        story=f"cluster:{seeded.forest}",
        version=0,
        unit=review.unit(PXI_UNIT),
        actor=LAN,
        article_id=seeded.forest_article,
    )
    assert (done.job.chat, done.job.zalo) == ("-1001", "z-pxi")
    queued = [m for m in store.due_outbox(NOW) if m.kind == "assign"]
    assert sorted((m.messenger, m.chat, m.story) for m in queued) == [
        ("telegram", "-1001", f"assign:{done.job.id}"),
        ("zalo", "z-pxi", f"assign:{done.job.id}"),
    ]
    by = {m.messenger: m.text for m in queued}  # Telegram's HTML; the Zalo sender makes it plain
    assert "một nút bên dưới" in by["telegram"] and "mã giao" in by["zalo"]
    assert by["telegram"].split("\n")[:5] == by["zalo"].split("\n")[:5]
    # A unit with only a Zalo chat: its message goes there alone.
    land = review.assign(
        story=f"cluster:{seeded.market}", version=0, unit=review.unit(LAND_UNIT), actor=LAN
    )
    assert (land.job.chat, land.job.zalo) == (None, "z-land")
    mine = [m for m in store.due_outbox(NOW) if m.story == f"assign:{land.job.id}"]
    assert [(m.messenger, m.chat, m.kind) for m in mine] == [("zalo", "z-land", "assign")]
