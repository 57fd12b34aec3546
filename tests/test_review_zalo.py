"""Review and assignment answers from Zalo by short codes (issue 17 §2): the
parser's many spellings, each action doing what the review service does for Telegram and the
console, who may act, forged codes, stale answers, the status block under a Zalo message, and
any text at all answered without an error."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from alerts.message import compose
from alerts.zalo import LIMIT, Update, parse_update, zalo_text
from duluan.config import Config, parse_config
from review.service import Actor, ReviewError, ReviewService, Verdict
from review.zalo import (
    ZALO_USER_ID,
    Command,
    ZaloDecorator,
    ZaloReview,
    match_unit,
    parse,
    typed_deadline,
    zalo_actor,
)
from storage import TELEGRAM, ZALO, OutboxItem, ReviewDetail, Store
from tests.kit.articles import record, tag
from tests.kit.console import Clock, Seeded, seed

pytestmark = pytest.mark.sqlite_only  # no SQL of its own: see tests/kit/db.py

PXI = "UBND xã Đăk Pxi"
POLICE = "Công an xã Đăk Pxi"
LAND = "Phòng Tài nguyên và Môi trường"
LAN, PXI_MEMBER, POLICE_MEMBER, STRANGER = "e4ea2cd5189df1c3a88c", "pxi01", "ca01", "f00f00"
REVIEW_CHAT = "aa11review"
CONFIG = f"""
locality: {{province: Tỉnh Kon Tum, district: Huyện Đăk Hà}}
sources:
  - {{name: baoquangngai, title: Báo Quảng Ngãi, feeds: ['https://baoquangngai.vn/rss']}}
  - {{name: dantri, title: Dân trí, feeds: ['https://dantri.com.vn/rss']}}
units:
  - {{name: {PXI}, chat: "-1001", zalo: pxichat, communes: [Xã Đăk Pxi],
      zalo_members: [{PXI_MEMBER}]}}
  - {{name: {POLICE}, zalo: cachat, zalo_members: [{POLICE_MEMBER}]}}
  - {{name: {LAND}, chat: "-1002", topics: [đất đai]}}
review:
  chat: "-1009"
  reviewers: [1]
  deadline_days: 2
  zalo: {REVIEW_CHAT}
  zalo_reviewers: [{LAN}]
"""


def zconfig() -> Config:
    return parse_config(CONFIG, "test.yaml", {}).config


def message(
    text: str, user: str = LAN, chat: str = REVIEW_CHAT, name: str = "Chị Lan", **more: Any
) -> Update:
    """An update shaped like docs/zalo.md's (a group text message)."""
    data: dict[str, Any] = {
        "message_id": "7c1f",
        "chat": {"id": chat, "chat_type": "GROUP"},
        "from": {"id": user, "display_name": name, "is_bot": False},
        "text": text,
        "date": 1766619597466,
        **more,
    }
    return parse_update({"event_name": "message.text.received", "message": data})


def setup(store: Store, config: Config | None = None) -> tuple[ZaloReview, Seeded]:
    seeded = seed(store)
    return ZaloReview(store, config or zconfig(), Clock()), seeded


def story(cluster: int) -> str:
    return f"cluster:{cluster}"


def shape(detail: ReviewDetail) -> tuple[Any, ...]:
    """A review's status, version, history and assignments without ids and stories: what an
    operation did, comparable between two stories."""
    history = tuple(
        (a.at, a.user_id, a.user_name, a.action, a.from_status, a.to_status, a.unit, a.note)
        for a in detail.history
    )
    jobs = tuple(
        (j.unit, j.chat, j.topic, j.deadline, j.status, j.report, j.assigned_by, j.answered_by)
        for j in detail.assignments
    )
    return detail.state.status, detail.state.version, history, jobs


LAN_ACTOR = Actor(ZALO_USER_ID, f"Chị Lan (Zalo {LAN})", f"Zalo, Chị Lan (Zalo {LAN})")


# --- parsing -----------------------------------------------------------------------------------

PARSED = [
    ("A17 liên quan", ("A", 17, "relevant")),
    ("a17 lien quan", ("A", 17, "relevant")),
    ("A17 LIÊN QUAN", ("A", 17, "relevant")),
    ("/A17  Liên   Quan!", ("A", 17, "relevant")),
    ("#a17: liên quan.", ("A", 17, "relevant")),
    ("# A17 lq", ("A", 17, "relevant")),
    ("A-17 có liên quan", ("A", 17, "relevant")),
    ("A 17 liên quan", ("A", 17, "relevant")),
    ("A17\nliên quan", ("A", 17, "relevant")),
    ("  A17 liênquan  ", ("A", 17, "relevant")),
    ("A17 không liên quan", ("A", 17, "irrelevant")),
    ("A17 khong lien quan", ("A", 17, "irrelevant")),
    ("A17 ko lq", ("A", 17, "irrelevant")),
    ("a17 KLQ", ("A", 17, "irrelevant")),
    ("A17 sai", ("A", 17, "false_info")),
    ("A17 sai sự thật.", ("A", 17, "false_info")),
    ("A17 thông tin sai", ("A", 17, "false_info")),
    ("A17 tin sai", ("A", 17, "false_info")),
    # Decomposed accents (NFD) read as the composed ones.
    ("A17 li\u0065\u0302n quan", ("A", 17, "relevant")),
    ("G12 đúng", ("G", 12, "true")),
    ("g12 Đúng sự thật", ("G", 12, "true")),
    ("G12 dung", ("G", 12, "true")),
    ("G12 sai", ("G", 12, "false")),
    ("G12: sai sự thật!", ("G", 12, "false")),
    ("/g12 false", ("G", 12, "false")),
    ("A17", ("A", 17, None)),
    ("G12", ("G", 12, None)),
    ("A17 lien quna", ("A", 17, None)),
    ("G12 liên quan", ("G", 12, None)),
    ("A17 đúng", ("A", 17, None)),
    ("A999999999999 lq", ("A", 999999999999, "relevant")),
    ("xin chào", None),
    ("", None),
    ("   \n ", None),
    ("!!!", None),
    ("A", None),
    ("A17B liên quan", None),
    ("AB17 liên quan", None),
    ("B17 liên quan", None),
    ("17 liên quan", None),
    ("A ² liên quan", None),  # digits are ASCII digits
    ("A٣ liên quan", None),
    ("A１７ liên quan", None),
    ("A 17 xin chào", None),
    ("G7 họp thượng đỉnh ở Canada hôm nay bàn về thương mại", None),
    ("A17 liên quan https://baomoi.com/tin.html", None),
    ("Tin này https://x.vn/a17", None),
]


@pytest.mark.parametrize(("text", "expected"), PARSED)
def test_parse_reads_many_spellings(text: str, expected: tuple[str, int, str | None]) -> None:
    found = parse(text)
    if expected is None:
        assert found is None
    else:
        assert found is not None
        assert (found.scope, found.target, found.action) == expected


ASSIGNS = [
    ("A17 giao Đăk Pxi", "Đăk Pxi", ""),
    ("A17 giao Đăk Pxi 12/12", "Đăk Pxi", "12/12"),
    ("a17 GIAO cho ubnd xa dak pxi hạn 12/12/2026", "ubnd xa dak pxi", "12/12/2026"),
    ("A17 giao: UBND xã Đăk Pxi, hạn: 5-1-27.", "UBND xã Đăk Pxi", "5-1-27"),
    ("A17 giao  công   an  2026-12-01", "công   an", "2026-12-01"),
    ("A17 giao Phòng Tài nguyên & Môi trường.", "Phòng Tài nguyên & Môi trường", ""),
    ("A17 giao", "", ""),
    ("A17 giao 12/12", "", "12/12"),
]


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=60) | st.from_regex(r"[/# ]{0,2}[AaGg][- ]?[0-9²٣]{0,13}[ :,]{0,2}.{0,20}"))
@example("A ² liên quan")
@example("g 0")
def test_parse_never_raises(text: str) -> None:
    found = parse(text)
    assert found is None or (found.scope in ("A", "G") and 0 <= found.target < 10**12)


@pytest.mark.parametrize(("text", "unit", "deadline"), ASSIGNS)
def test_parse_reads_an_assignment(text: str, unit: str, deadline: str) -> None:
    assert parse(text) == Command("A", 17, "assign", unit=unit, deadline=deadline)


REPORTS = [
    ("G12 đã báo cáo Đã xác minh: tin đúng.", "Đã xác minh: tin đúng."),
    ("G12 da bao cao: Đơn vị đã làm việc với hộ dân", "Đơn vị đã làm việc với hộ dân"),
    ("g12 Báo cáo - Nội dung\ndòng hai", "Nội dung\ndòng hai"),
    ("G12 đã báo cáo", ""),
    ("G12 đã báo cáo:   ", ""),
]


@pytest.mark.parametrize(("text", "report"), REPORTS)
def test_parse_keeps_the_report_as_typed(text: str, report: str) -> None:
    assert parse(text) == Command("G", 12, "reported", report=report)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("12/12", date(2026, 12, 12)),
        ("26/11", date(2026, 11, 26)),  # today
        ("5/1", date(2027, 1, 5)),  # January: the next one
        ("12/12/26", date(2026, 12, 12)),
        ("12.12.2026", date(2026, 12, 12)),
        ("1-12-2026", date(2026, 12, 1)),
        ("2026-12-01", date(2026, 12, 1)),
        ("1/1/2026", date(2026, 1, 1)),  # past: the service refuses it
    ],
)
def test_typed_deadlines(typed: str, expected: date) -> None:
    assert typed_deadline(typed, date(2026, 11, 26)) == expected


@pytest.mark.parametrize("typed", ["31/2", "12/13", "0/5", "2026-02-30", "thứ hai", "99/99/99"])
def test_a_typed_deadline_that_is_no_date_is_refused(typed: str) -> None:
    with pytest.raises(ReviewError, match="không phải ngày"):
        typed_deadline(typed, date(2026, 11, 26))


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("UBND xã Đăk Pxi", [PXI]),
        ("ubnd xa dak pxi", [PXI]),
        ("UBND", [PXI]),
        ("công an", [POLICE]),
        ("phong tai nguyen", [LAND]),
        ("tài nguyên và môi trường", [LAND]),
        ("Đắk Pxi", [PXI, POLICE]),  # both names contain it: ambiguous
        ("xã Đăk Pxi", [PXI, POLICE]),
        ("Hà Nội", []),
        ("", []),
        ("...", []),
    ],
)
def test_units_are_matched_leniently(typed: str, expected: list[str]) -> None:
    units = zconfig().units
    assert [u.name for u in match_unit(typed, units)] == expected


def test_a_commune_a_unit_follows_names_it() -> None:
    units = [u for u in zconfig().units if u.name != POLICE]
    assert [u.name for u in match_unit("Đăk Pxi", units)] == [PXI]


# --- the actor -----------------------------------------------------------------------------


def test_a_zalo_user_acts_as_id_zero_with_the_zalo_id_in_the_name() -> None:
    update = message("A1 lq")
    assert update.message is not None
    assert zalo_actor(update.message) == LAN_ACTOR
    odd = message("A1 lq", name="  Chị\u202e\x00  Lan \n")
    assert odd.message is not None and zalo_actor(odd.message).name == f"Chị Lan (Zalo {LAN})"
    nameless = message("A1 lq", name="")
    assert nameless.message is not None
    assert zalo_actor(nameless.message).via == f"Zalo, Người dùng Zalo (Zalo {LAN})"


# --- verdicts and assignments, compared with the review service ----------------------------


@pytest.mark.parametrize(
    ("text", "status"),
    [("liên quan", "relevant"), ("không liên quan", "irrelevant"), ("sai", "false_info")],
)
def test_a_verdict_does_what_the_service_does(store: Store, text: str, status: str) -> None:
    zalo, seeded = setup(store)
    reply = zalo.answer(message(f"A{seeded.forest} {text}"))
    assert reply is not None and reply.startswith(f"Đã ghi tin A{seeded.forest}: ")
    service = ReviewService(store, zconfig(), Clock())
    direct = service.verdict(
        story=story(seeded.market),
        version=0,
        status=status,
        actor=LAN_ACTOR,
        article_id=store.story_article(seeded.market),
    )
    via_zalo = store.review_detail(story(seeded.forest))
    assert shape(via_zalo) == shape(store.review_detail(story(seeded.market)))
    assert via_zalo.state.article_id == seeded.forest_article
    case = store.case_for_story(story(seeded.forest))
    assert (case is None) == (direct.case is None)
    if case is not None:
        assert f"hồ sơ vụ việc số {case.id}" in reply
        assert (case.opened_by, case.article_id) == (LAN_ACTOR.name, seeded.forest_article)


def test_a_false_verdict_starts_keeping_pages_with_the_given_service(store: Store) -> None:
    seeded = seed(store)
    started: list[str] = []

    class Watching(ReviewService):
        def verdict(self, **kwargs: Any) -> Verdict:
            started.append(kwargs["actor"].via)
            return super().verdict(**kwargs)

    config = zconfig()
    zalo = ZaloReview(store, config, Clock(), Watching(store, config, Clock()))
    zalo.answer(message(f"A{seeded.forest} sai"))
    assert started == [f"Zalo, Chị Lan (Zalo {LAN})"]


def test_an_assignment_does_what_the_service_does(store: Store) -> None:
    zalo, seeded = setup(store)
    reply = zalo.answer(message(f"A{seeded.forest} giao Đăk Pxi ubnd 12/12"))
    assert reply is not None and reply.startswith("Không rõ đơn vị")  # word order matters
    reply = zalo.answer(message(f"A{seeded.forest} giao ubnd 12/12"))
    [job] = store.review_detail(story(seeded.forest)).assignments
    assert reply == (
        f"Đã giao tin A{seeded.forest} cho {PXI}, hạn thứ Bảy 12/12/2026. Mã giao: G{job.id}."
    )
    service = ReviewService(store, zconfig(), Clock())
    service.assign(
        story=story(seeded.market),
        version=0,
        unit=service.unit(PXI),
        actor=LAN_ACTOR,
        deadline=date(2026, 12, 12),
        article_id=store.story_article(seeded.market),
    )
    assert shape(store.review_detail(story(seeded.forest))) == shape(
        store.review_detail(story(seeded.market))
    )
    sent = store.story_message(f"assign:{job.id}", "-1001", None)
    assert sent is not None and sent.kind == "assign" and "Chị Lan (Zalo" in sent.text


def test_an_assignment_without_a_deadline_takes_the_default(store: Store) -> None:
    zalo, seeded = setup(store)
    zalo.answer(message(f"a{seeded.forest} giao cho công an"))
    [job] = store.review_detail(story(seeded.forest)).assignments
    assert (job.unit, job.deadline) == (POLICE, date(2026, 11, 30))  # two working days


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("Đăk Pxi", f"«Đăk Pxi» khớp nhiều đơn vị. Các đơn vị: {PXI}; {POLICE}."),
        ("Hà Nội", f"Không rõ đơn vị «Hà Nội». Các đơn vị: {PXI}; {POLICE}; {LAND}."),
        ("", f"Chưa ghi đơn vị. Các đơn vị: {PXI}; {POLICE}; {LAND}."),
        ("ubnd 1/1/2026", "Hạn xác minh 01/01/2026 đã qua"),
        ("ubnd 31/2", "«31/2» không phải ngày"),
        ("ubnd 1/1/2029", "quá xa"),
    ],
)
def test_an_assignment_refused_changes_nothing(store: Store, typed: str, says: str) -> None:
    zalo, seeded = setup(store)
    reply = zalo.answer(message(f"A{seeded.forest} giao {typed}"))
    assert reply is not None and says in reply and "chưa có gì thay đổi" in reply.lower()
    assert store.review_detail(story(seeded.forest)).state.version == 0


def assigned(store: Store, zalo: ZaloReview, cluster: int, unit: str = "ubnd") -> int:
    zalo.answer(message(f"A{cluster} giao {unit}"))
    return store.review_detail(story(cluster)).assignments[-1].id


@pytest.mark.parametrize(
    ("text", "status", "report"),
    [
        ("đúng", "true", None),
        ("sai sự thật", "false", None),
        ("đã báo cáo: Đã làm việc với hộ dân.", "reported", "Đã làm việc với hộ dân."),
    ],
)
def test_a_unit_answer_does_what_the_service_does(
    store: Store, text: str, status: str, report: str | None
) -> None:
    zalo, seeded = setup(store)
    job = assigned(store, zalo, seeded.forest)
    other = assigned(store, zalo, seeded.market)
    reply = zalo.answer(message(f"G{job} {text}", user=PXI_MEMBER, chat="pxichat", name="Anh Ba"))
    assert reply is not None and reply.startswith("Đã ")
    assert f"G{job}" in reply
    service = ReviewService(store, zconfig(), Clock())
    found = store.get_assignment(other)
    assert found is not None
    actor = Actor(0, "Anh Ba (Zalo pxi01)", "Zalo, Anh Ba (Zalo pxi01)")
    service.answer(job=found, status=status, actor=actor, report=report)
    assert shape(store.review_detail(story(seeded.forest))) == shape(
        store.review_detail(story(seeded.market))
    )
    done = store.get_assignment(job)
    assert done is not None and (done.status, done.report, done.answered_by) == (status, report, 0)


def test_a_reviewer_may_answer_for_a_unit_as_on_telegram(store: Store) -> None:
    zalo, seeded = setup(store)
    job = assigned(store, zalo, seeded.forest)
    assert zalo.answer(message(f"G{job} đúng")) == (
        f"Đã ghi trả lời của {PXI} (giao việc G{job}): Đúng sự thật."
    )


def test_a_report_needs_its_text(store: Store) -> None:
    zalo, seeded = setup(store)
    job = assigned(store, zalo, seeded.forest)
    reply = zalo.answer(message(f"G{job} đã báo cáo", user=PXI_MEMBER))
    assert reply == (
        f"Hãy gửi kèm nội dung: G{job} đã báo cáo <nội dung báo cáo>. Chưa có gì thay đổi."
    )
    found = store.get_assignment(job)
    assert found is not None and found.status == "open"


def test_a_report_completes_a_reported_answer_without_text(store: Store) -> None:
    """Telegram's "Đã báo cáo" button records the answer first, the text after: the text may
    come from Zalo."""
    zalo, seeded = setup(store)
    job = assigned(store, zalo, seeded.forest)
    found = store.get_assignment(job)
    assert found is not None
    ReviewService(store, zconfig(), Clock()).answer(
        job=found, status="reported", actor=Actor(5, "Anh Ba", "Telegram, Anh Ba")
    )
    reply = zalo.answer(message(f"G{job} đã báo cáo Đã xác minh xong", user=PXI_MEMBER))
    assert reply == f"Đã lưu báo cáo của {PXI} (giao việc G{job})."
    found = store.get_assignment(job)
    assert found is not None and found.report == "Đã xác minh xong"
    again = zalo.answer(message(f"G{job} đã báo cáo Sửa lại", user=PXI_MEMBER))
    assert again is not None and "đã được trả lời «Đã báo cáo»" in again
    found = store.get_assignment(job)
    assert found is not None and found.report == "Đã xác minh xong"


# --- who may act ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["A{forest} liên quan", "G{job} đúng", "A{forest}", "G99 sai"])
def test_someone_not_configured_is_refused(store: Store, text: str) -> None:
    zalo, seeded = setup(store)
    job = assigned(store, zalo, seeded.forest)
    before = shape(store.review_detail(story(seeded.forest)))
    reply = zalo.answer(message(text.format(forest=seeded.forest, job=job), user=STRANGER))
    assert reply is not None and f"Mã Zalo của bạn ({STRANGER}) chưa có trong cấu hình" in reply
    assert shape(store.review_detail(story(seeded.forest))) == before


def test_a_unit_member_cannot_review(store: Store) -> None:
    zalo, seeded = setup(store)
    reply = zalo.answer(message(f"A{seeded.forest} liên quan", user=PXI_MEMBER))
    assert reply == (f"Bạn không có quyền rà soát tin này (A{seeded.forest}). Chưa có gì thay đổi.")
    assert store.review_detail(story(seeded.forest)).state.version == 0


def test_another_units_member_cannot_answer(store: Store) -> None:
    zalo, seeded = setup(store)
    job = assigned(store, zalo, seeded.forest)
    reply = zalo.answer(message(f"G{job} đúng", user=POLICE_MEMBER, chat="cachat"))
    assert reply == f"Bạn không có quyền trả lời tin giao này (G{job}). Chưa có gì thay đổi."
    found = store.get_assignment(job)
    assert found is not None and found.status == "open"


def test_the_telegram_reviewer_id_as_text_is_no_zalo_reviewer(store: Store) -> None:
    zalo, seeded = setup(store)
    reply = zalo.answer(message(f"A{seeded.forest} liên quan", user="1"))
    assert reply is not None and "chưa có trong cấu hình" in reply


# --- forged codes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code", ["A999999", "A0", "A999999999999", "G999999", "G0", "G99999999999"]
)
def test_an_unknown_code_is_refused(store: Store, code: str) -> None:
    zalo, _ = setup(store)
    reply = zalo.answer(message(f"{code} sai"))
    what = "tin" if code.startswith("A") else "giao việc"
    assert reply == (
        f"Không có {what} {code}: hãy kiểm tra mã trong tin nhắn của bot. Chưa có gì thay đổi."
    )
    assert store.list_reviews() == []


def test_a_code_with_no_action_explains_how_to_answer(store: Store) -> None:
    zalo, seeded = setup(store)
    reply = zalo.answer(message(f"A{seeded.forest} lien quna"))
    assert reply is not None and reply.startswith(f"Chưa rõ thao tác cho tin A{seeded.forest}.")
    assert f"A{seeded.forest} giao <đơn vị>" in reply
    job = assigned(store, zalo, seeded.forest)
    reply = zalo.answer(message(f"G{job}", user=PXI_MEMBER))
    assert reply is not None and f"G{job} đã báo cáo <nội dung>" in reply


# --- stale answers -------------------------------------------------------------------------


def test_the_same_verdict_twice_changes_nothing(store: Store) -> None:
    zalo, seeded = setup(store)
    zalo.answer(message(f"A{seeded.forest} sai"))
    before = shape(store.review_detail(story(seeded.forest)))
    reply = zalo.answer(message(f"A{seeded.forest} thông tin sai"))
    assert reply == (
        f"Tin A{seeded.forest} đã ở trạng thái «Thông tin sai sự thật – cần phản hồi» (bởi "
        f"Chị Lan (Zalo {LAN})). Chưa có gì thay đổi."
    )
    assert shape(store.review_detail(story(seeded.forest))) == before
    zalo.answer(message(f"A{seeded.forest} liên quan"))  # another verdict is taken
    assert store.review_detail(story(seeded.forest)).state.status == "relevant"


def test_the_same_assignment_twice_changes_nothing(store: Store) -> None:
    zalo, seeded = setup(store)
    job = assigned(store, zalo, seeded.forest)
    reply = zalo.answer(message(f"A{seeded.forest} giao UBND xã Đăk Pxi"))
    assert reply == (
        f"Tin A{seeded.forest} đã giao {PXI} (mã giao G{job}, hạn thứ Hai 30/11/2026), đơn vị "
        "chưa trả lời. Chưa có gì thay đổi."
    )
    assert len(store.review_detail(story(seeded.forest)).assignments) == 1
    zalo.answer(message(f"A{seeded.forest} giao ubnd 4/12"))  # a new deadline is taken
    assert [j.deadline for j in store.review_detail(story(seeded.forest)).assignments] == [
        date(2026, 11, 30),
        date(2026, 12, 4),
    ]


def test_an_answered_assignment_is_not_answered_again(store: Store) -> None:
    zalo, seeded = setup(store)
    job = assigned(store, zalo, seeded.forest)
    zalo.answer(message(f"G{job} đúng", user=PXI_MEMBER))
    before = shape(store.review_detail(story(seeded.forest)))
    for text in ("sai", "đúng", "đã báo cáo Nội dung"):
        reply = zalo.answer(message(f"G{job} {text}", user=PXI_MEMBER))
        assert reply is not None
        assert reply.startswith(f"Giao việc G{job} đã được trả lời «Đúng sự thật» lúc 10:00")
    assert shape(store.review_detail(story(seeded.forest))) == before


@pytest.mark.parametrize("then", ["không liên quan", "giao công an", "sai"])
def test_a_replaced_assignment_is_not_answered(store: Store, then: str) -> None:
    zalo, seeded = setup(store)
    job = assigned(store, zalo, seeded.forest)
    zalo.answer(message(f"A{seeded.forest} {then}"))
    before = shape(store.review_detail(story(seeded.forest)))
    reply = zalo.answer(message(f"G{job} đúng", user=PXI_MEMBER))
    assert reply is not None
    assert reply.startswith(f"Giao việc G{job} đã được thay bằng một thao tác mới hơn")
    assert shape(store.review_detail(story(seeded.forest))) == before


def test_a_verdict_raced_by_someone_else_changes_nothing(store: Store) -> None:
    seeded = seed(store)
    config = zconfig()

    class Racing(ReviewService):
        """Someone on Telegram acts between the read and the write."""

        def verdict(self, **kwargs: Any) -> Verdict:
            other = replace(kwargs["actor"], user_id=5, name="Anh Tư")
            super().verdict(**{**kwargs, "actor": other, "status": "irrelevant"})
            return super().verdict(**kwargs)

    zalo = ZaloReview(store, config, Clock(), Racing(store, config, Clock()))
    reply = zalo.answer(message(f"A{seeded.forest} liên quan"))
    assert reply == (
        f"Tin A{seeded.forest} vừa được người khác cập nhật: hãy xem trạng thái mới rồi "
        "gửi lại. Chưa có gì thay đổi."
    )
    [action] = store.review_detail(story(seeded.forest)).history
    assert (action.user_name, action.to_status) == ("Anh Tư", "irrelevant")


# --- several watch areas -------------------------------------------------------------------


def two_areas(lan_in_both: bool = True) -> Config:
    def area(
        name: str, place: str, chat: str, reviewers: list[str], unit_member: str
    ) -> dict[str, Any]:
        return {
            "name": name,
            "title": f"UBND xã {name}",
            "places": [place],
            "review": {"chat": chat, "zalo": f"review-{name}", "zalo_reviewers": reviewers},
            "units": [{"name": f"Công an {name}", "zalo_members": [unit_member]}],
        }

    return Config.model_validate(
        {
            "locality": {"aliases": {}},
            "sources": [{"name": "x", "title": "X", "feeds": ["https://x.vn/rss"]}],
            "review": {"deadline_days": 2},
            "areas": [
                area("dak-pxi", "Xã Đăk Pxi, Tỉnh Quảng Ngãi", "-101", [LAN], "m-pxi"),
                area(
                    "dak-mar",
                    "Xã Đăk Mar, Tỉnh Quảng Ngãi",
                    "-102",
                    [LAN, "lan2"] if lan_in_both else ["lan2"],
                    "m-mar",
                ),
            ],
        },
        context={"areas": True},
    )


def tagged(store: Store, n: int, areas: tuple[str, ...]) -> int:
    store.sync_sources([("baoquangngai", "Báo Quảng Ngãi")])
    saved = store.save_article(record(n, title=f"Tin {n}"))
    store.save_tags([tag(saved.article_id, areas=areas)])
    return saved.cluster_id


def test_the_chat_says_which_areas_review_it_is(store: Store) -> None:
    config = two_areas()
    zalo = ZaloReview(store, config, Clock())
    both = tagged(store, 1, ("dak-pxi", "dak-mar"))
    reply = zalo.answer(message(f"A{both} liên quan", chat="private-lan"))
    assert reply is not None and "thuộc nhiều địa bàn" in reply
    assert "UBND xã dak-pxi, UBND xã dak-mar" in reply
    assert store.list_reviews() == []
    zalo.answer(message(f"A{both} liên quan", chat="review-dak-mar"))
    assert store.review_detail(story(both), "dak-mar").state.status == "relevant"
    assert store.review_detail(story(both), "dak-pxi").state.status == "new"
    zalo.answer(message(f"A{both} giao công an", user="lan2", chat="private"))  # only dak-mar's
    [job] = store.review_detail(story(both), "dak-mar").assignments
    assert (job.unit, job.area) == ("Công an dak-mar", "dak-mar")
    refused = zalo.answer(message(f"G{job.id} đúng", user="m-pxi"))
    assert refused is not None and refused.startswith("Bạn không có quyền trả lời")
    zalo.answer(message(f"G{job.id} đúng", user="m-mar"))
    assert store.review_detail(story(both), "dak-mar").state.status == "true"


def test_a_story_of_another_area_or_of_none_is_refused(store: Store) -> None:
    config = two_areas(lan_in_both=False)
    zalo = ZaloReview(store, config, Clock())
    mar = tagged(store, 1, ("dak-mar",))
    none = tagged(store, 2, ())
    reply = zalo.answer(message(f"A{mar} liên quan", chat="review-dak-mar"))
    assert reply == f"Bạn không có quyền rà soát tin này (A{mar}). Chưa có gì thay đổi."
    reply = zalo.answer(message(f"A{none} liên quan"))
    assert reply is not None and reply.startswith(f"Không có tin A{none}")
    assert store.list_reviews() == []


# --- the status block under a Zalo message -------------------------------------------------


def item(chat: str, kind: str = "alert", story_key: str = "", messenger: str = ZALO) -> OutboxItem:
    return OutboxItem(
        7, story_key, chat, None, kind, "<b>Báo Quảng Ngãi</b> · tin", 1, 0, False, messenger
    )


def test_the_decorator_shows_the_status_and_the_code(store: Store) -> None:
    seeded = seed(store)
    config = zconfig()
    decorate = ZaloDecorator(store, config, Clock())
    code = f"A{seeded.forest}"
    block, markup = decorate(item(REVIEW_CHAT, story_key=story(seeded.forest)))
    assert markup is None
    shown = zalo_text(compose("<b>Báo Quảng Ngãi</b> · tin", (), block))
    assert shown == (
        "Báo Quảng Ngãi · tin\n\n🗂 Rà soát: Chưa rà soát\n"
        f"Mã tin: {code} — trả lời: {code} liên quan | {code} không liên quan | {code} sai | "
        f"{code} giao <đơn vị> [hạn ngày/tháng]"
    )
    ZaloReview(store, config, Clock()).answer(message(f"{code} giao ubnd"))
    block, _ = decorate(item(REVIEW_CHAT, story_key=story(seeded.forest)))
    shown = zalo_text(block)
    assert "Rà soát: Đã giao đơn vị xác minh" in shown
    assert f"📌 {PXI} — hạn thứ Hai 30/11/2026: ⏳ chưa trả lời" in shown
    assert shown.endswith("[hạn ngày/tháng]") and len(shown) < LIMIT // 2


def test_the_decorator_shows_an_assignments_code(store: Store) -> None:
    decorate = ZaloDecorator(store, zconfig(), Clock())
    block, markup = decorate(item("pxichat", "assign", "assign:12"))
    assert markup is None
    assert (
        zalo_text(block) == "Mã giao: G12 — trả lời: G12 đúng | G12 sai | G12 đã báo cáo <nội dung>"
    )


@pytest.mark.parametrize(
    ("chat", "kind", "key", "messenger"),
    [
        (REVIEW_CHAT, "alert", "cluster:1", TELEGRAM),  # Telegram has its buttons
        ("pxichat", "alert", "cluster:1", ZALO),  # a unit's chat: no review there
        (REVIEW_CHAT, "alert", "digest:2026-W48", ZALO),
        (REVIEW_CHAT, "health", "cluster:1", ZALO),
        ("pxichat", "assign", "assign:x", ZALO),
        ("pxichat", "remind", "remind:1:2026-11-26", ZALO),
    ],
)
def test_the_decorator_adds_nothing_elsewhere(
    store: Store, chat: str, kind: str, key: str, messenger: str
) -> None:
    decorate = ZaloDecorator(store, zconfig(), Clock())
    assert decorate(item(chat, kind, key, messenger)) == ("", None)


# --- anything at all -----------------------------------------------------------------------


def test_what_is_no_short_code_answer_is_left_to_the_intake(store: Store) -> None:
    zalo, seeded = setup(store)
    assert zalo.answer(message("https://baomoi.com/tin-moi.html")) is None
    assert zalo.answer(message("")) is None
    assert zalo.answer(parse_update({"message": {"sticker": "abc", "from": {"id": LAN}}})) is None
    assert zalo.answer(parse_update({})) is None
    assert zalo.answer(message(f"A{seeded.forest} liên quan", user="")) is not None


TEXTS = st.one_of(
    st.text(max_size=80),
    st.builds(
        lambda prefix, letter, number, rest: f"{prefix}{letter}{number} {rest}",
        st.sampled_from(["", "/", "#", " ", "# "]),
        st.sampled_from(["A", "a", "G", "g", "A-", "A "]),
        st.integers(-5, 10**13),
        st.one_of(
            st.text(max_size=40),
            st.sampled_from(
                [
                    "liên quan",
                    "không liên quan",
                    "sai",
                    "đúng",
                    "giao",
                    "giao ubnd 31/2",
                    "giao Đăk Pxi 12/12/99999",
                    "giao công an 0/0",
                    "đã báo cáo",
                    "đã báo cáo " + "x" * 3000,
                    "\x00\u202e",
                ]
            ),
        ),
    ),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=TEXTS, user=st.sampled_from([LAN, PXI_MEMBER, POLICE_MEMBER, STRANGER, ""]))
@example(text="A1 giao ubnd 9999-12-31", user=LAN)
@example(text="G1 đã báo cáo " + "ư" * 5000, user=LAN)
@example(text="A2147483648 sai", user=LAN)
@example(text="a ² liên quan", user=LAN)
def test_any_text_gets_none_or_a_reply(store: Store, text: str, user: str) -> None:
    if store.get_assignment(1) is None:  # the first example seeds the store
        zalo, seeded = setup(store)
        assigned(store, zalo, seeded.forest)
    reply = ZaloReview(store, zconfig(), Clock()).answer(message(text, user=user))
    assert reply is None or (isinstance(reply, str) and 0 < len(reply) <= LIMIT)


def test_a_zalo_unit_is_asked_for_a_code_not_a_button(store: Store) -> None:
    """The assignment and the overdue reminder a unit reads on Zalo speak of its code."""
    from datetime import timedelta

    from review.bot import reminder_message

    _, seeded = setup(store)
    service = ReviewService(store, zconfig(), Clock())
    detail = store.review_detail(story(seeded.forest))
    done = service.assign(
        story=story(seeded.forest),
        version=detail.state.version,
        unit=service.unit(PXI),
        actor=Actor(1, "Chị Lan", "test"),
        article_id=seeded.forest_article,
    )
    rows = {(i.messenger, i.kind): i.text for i in store.due_outbox(Clock()() + timedelta(1))}
    assert "một nút bên dưới" in rows[(TELEGRAM, "assign")]
    assert "nút" not in rows[(ZALO, "assign")] and "mã giao" in rows[(ZALO, "assign")]
    reminder = zalo_text(reminder_message(done.job, "tin", zalo=True))
    assert f"G{done.job.id} đúng" in reminder and "nút" not in reminder
