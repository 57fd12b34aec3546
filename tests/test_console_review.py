"""The queue and the item page over HTTP: filters, counts, highlights, every review action, the
role boundaries, and that the console and Telegram act on the same records."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from review.bot import ReviewHandlers as ReviewService
from storage import Store
from storage.records import OutboxEntry
from tests.kit.console import (
    AREA_A,
    AREA_B,
    LAND_UNIT,
    NOW,
    PXI_UNIT,
    Console,
    console,
    save_tagged,
    token,
    two_areas_console,
)

__all__ = ["console"]


def _stories(html: str) -> list[str]:
    return re.findall(r'data-story="([^"]+)"', html)


def _act(console: Console, user_client, cluster: int, action: str, **data: str):  # type: ignore[no-untyped-def]
    version = str(console.store.review_detail(f"cluster:{cluster}").state.version)
    form = {"version": version, "csrf_token": token(user_client, "/queue"), **data}
    return user_client.post(f"/items/{cluster}/{action}", data=form)


def test_queue_lists_relevant_stories_newest_first_with_counts(console: Console) -> None:
    client = console.client("canbo")
    html = client.get("/queue").text
    forest, market = console.seeded.forest, console.seeded.market
    assert _stories(html) == [f"cluster:{market}", f"cluster:{forest}"]
    assert f"cluster:{console.seeded.weather}" not in html
    assert "(2 bản)" in html
    _act(console, client, forest, "relevant")
    html = client.get("/queue").text
    assert re.search(r'data-status="new">Chưa rà soát: <span class="count">1<', html)
    assert re.search(r'data-status="relevant">Liên quan: <span class="count">1<', html)
    assert _stories(client.get("/queue?status=relevant").text) == [f"cluster:{forest}"]
    assert _stories(client.get("/queue?status=new").text) == [f"cluster:{market}"]


def test_queue_filters(console: Console) -> None:
    client = console.client("xem")
    forest, market = f"cluster:{console.seeded.forest}", f"cluster:{console.seeded.market}"
    assert _stories(client.get("/queue?tone=negative").text) == [forest]
    assert _stories(client.get("/queue?tone=positive").text) == [market]
    assert _stories(client.get("/queue?commune=Xã Đăk Mar").text) == [market]
    assert _stories(client.get("/queue?outlet=baoquangngai").text) == [forest]
    assert _stories(client.get("/queue?topic=rừng").text) == [forest]
    assert _stories(client.get("/queue?q=Chợ").text) == [market]
    assert _stories(client.get("/queue?q=100%").text) == []
    assert _stories(client.get("/queue?from=2026-11-27").text) == []
    assert len(_stories(client.get("/queue?from=2026-11-26&to=2026-11-26").text)) == 2
    assert _stories(client.get(f"/queue?unit={PXI_UNIT}").text) == []
    page = client.get("/queue?tone=negative&from=bad-date")
    assert page.status_code == 200 and 'id="filters"' in page.text


def test_item_page_shows_highlight_reasons_copies_and_no_actions_for_viewer(
    console: Console,
) -> None:
    client = console.client("xem")
    html = client.get(f"/items/{console.seeded.forest}").text
    assert '<mark title="Xã Đăk Pxi (p)">xã Đăk Pxi</mark> phản ánh' in html
    assert "&#39;phá rừng&#39; gần &#39;xã Đăk Pxi&#39;" in html
    assert "Dân trí" in html and "Phá rừng tại Đăk Pxi" in html
    assert "Tiêu cực" in html
    for button in ("act-relevant", "act-irrelevant", "act-assign", "act-false", "act-report"):
        assert f'id="{button}"' not in html


def test_viewer_cannot_act(console: Console) -> None:
    client = console.client("xem")
    for action in ("relevant", "irrelevant", "false", "assign", "report"):
        response = _act(console, client, console.seeded.forest, action, unit=PXI_UNIT)
        assert response.status_code == 403
    detail = console.store.review_detail(f"cluster:{console.seeded.forest}")
    assert (detail.state.status, detail.history) == ("new", ())


def test_verdicts_are_stored_as_review_actions(console: Console) -> None:
    client = console.client("canbo")
    cluster = console.seeded.forest
    html = client.get(f"/items/{cluster}").text
    for button in ("act-relevant", "act-irrelevant", "act-assign", "act-false"):
        assert f'id="{button}"' in html
    page = _act(console, client, cluster, "relevant")
    assert page.status_code == 200 and "Đã ghi: Liên quan." in page.text
    _act(console, client, cluster, "irrelevant")
    page = _act(console, client, cluster, "false")
    assert 'id="status">Thông tin sai sự thật – cần phản hồi<' in page.text
    detail = console.store.review_detail(f"cluster:{cluster}")
    assert [(a.action, a.from_status, a.user_name) for a in detail.history] == [
        ("relevant", "new", "canbo (trang web)"),
        ("irrelevant", "relevant", "canbo (trang web)"),
        ("false_info", "irrelevant", "canbo (trang web)"),
    ]
    assert detail.state.article_id == console.seeded.forest_article
    actions = [e.action for e in console.store.list_audit()]
    assert actions[:4] == [
        "mở vụ việc",
        "rà soát: false_info",
        "rà soát: irrelevant",
        "rà soát: relevant",
    ]
    case = console.store.case_for_story(f"cluster:{cluster}")
    assert case is not None and case.opened_by == "canbo (trang web)"
    assert f'href="/cases/{case.id}" id="case-link"' in page.text


def test_stale_page_changes_nothing(console: Console) -> None:
    client = console.client("canbo")
    cluster = console.seeded.forest
    story = f"cluster:{cluster}"
    console.store.review_action(
        story,
        expected_version=0,
        action="relevant",
        user_id=1,
        user_name="Telegram",
        at=console.clock(),
    )
    response = client.post(
        f"/items/{cluster}/irrelevant",
        data={"version": "0", "csrf_token": token(client, "/queue")},
    )
    assert response.status_code == 409
    assert "vừa được người khác cập nhật" in response.text
    assert console.store.review_detail(story).state.status == "relevant"


def test_telegram_action_shows_in_console(console: Console) -> None:
    story = f"cluster:{console.seeded.market}"
    console.store.review_action(
        story,
        expected_version=0,
        action="irrelevant",
        user_id=1,
        user_name="Chị Lan (Telegram)",
        at=console.clock(),
    )
    html = console.client("canbo").get(f"/items/{console.seeded.market}").text
    assert 'id="status">Không liên quan<' in html
    assert "Chị Lan (Telegram)" in html


def test_assign_with_default_deadline_queues_the_unit_message(console: Console) -> None:
    client = console.client("canbo")
    cluster = console.seeded.forest
    page = _act(console, client, cluster, "assign", unit=PXI_UNIT, deadline="")
    # Thursday 26/11/2026 plus two working days: Monday 30/11.
    assert "Đã giao UBND xã Đăk Pxi xác minh, hạn thứ Hai 30/11/2026." in page.text
    detail = console.store.review_detail(f"cluster:{cluster}")
    job = detail.assignments[0]
    assert (job.unit, job.deadline, job.chat, detail.state.status) == (
        PXI_UNIT,
        date(2026, 11, 30),
        "-1001",
        "assigned",
    )
    messages = console.store.story_messages(f"cluster:{cluster}")
    assert [(m.story, m.chat, m.kind) for m in messages] == [
        (f"assign:{job.id}", "-1001", "assign")
    ]
    assert 'value="2026-11-30"' in client.get(f"/items/{cluster}").text


def test_assign_refuses_past_deadline_unknown_unit_and_bad_date(console: Console) -> None:
    client = console.client("canbo")
    cluster = console.seeded.forest
    past = _act(console, client, cluster, "assign", unit=PXI_UNIT, deadline="2026-11-25")
    assert past.status_code == 400 and "đã qua" in past.text
    unknown = _act(console, client, cluster, "assign", unit="Đơn vị lạ", deadline="2026-12-01")
    assert unknown.status_code == 400 and "Không có đơn vị" in unknown.text
    bad = _act(console, client, cluster, "assign", unit=PXI_UNIT, deadline="30/11/2026")
    assert bad.status_code == 400 and "không phải ngày" in bad.text
    today = _act(console, client, cluster, "assign", unit=LAND_UNIT, deadline="2026-11-26")
    assert today.status_code == 200
    detail = console.store.review_detail(f"cluster:{cluster}")
    assert [(j.unit, j.deadline) for j in detail.assignments] == [(LAND_UNIT, date(2026, 11, 26))]


def test_unit_officer_sees_only_its_items_and_records_its_report(console: Console) -> None:
    staff = console.client("canbo")
    forest, market = console.seeded.forest, console.seeded.market
    _act(console, staff, forest, "assign", unit=PXI_UNIT, deadline="2026-12-01")
    _act(console, staff, market, "assign", unit=LAND_UNIT, deadline="2026-12-01")

    unit = console.client("dakpxi")
    assert _stories(unit.get("/queue").text) == [f"cluster:{forest}"]
    assert _stories(unit.get(f"/queue?unit={LAND_UNIT}").text) == [f"cluster:{forest}"]
    other = unit.get(f"/items/{market}")
    assert other.status_code == 403 and "không được giao cho đơn vị của bạn" in other.text
    html = unit.get(f"/items/{forest}").text
    assert 'id="act-report"' in html and 'id="act-relevant"' not in html

    assert _act(console, unit, forest, "relevant").status_code == 403
    market_job = console.store.review_detail(f"cluster:{market}").assignments[0]
    foreign = _act(console, unit, market, "report", assignment=str(market_job.id), report="x")
    assert foreign.status_code == 403

    job = console.store.review_detail(f"cluster:{forest}").assignments[0]
    empty = _act(console, unit, forest, "report", assignment=str(job.id), report=" ")
    assert empty.status_code == 400 and "Hãy nhập nội dung báo cáo" in empty.text
    done = _act(
        console, unit, forest, "report", assignment=str(job.id), report="Đã xác minh: đúng."
    )
    assert "Đã lưu trả lời của UBND xã Đăk Pxi: Đã báo cáo." in done.text

    detail = console.store.review_detail(f"cluster:{forest}")
    assert (detail.state.status, detail.assignments[0].report) == ("reported", "Đã xác minh: đúng.")
    assert detail.history[-1].action == "report"
    assert "Đã xác minh: đúng." in staff.get(f"/items/{forest}").text
    assert _stories(staff.get("/queue?status=reported").text) == [f"cluster:{forest}"]


def test_report_answer_true_or_false_and_bad_assignment(console: Console) -> None:
    staff = console.client("canbo")
    cluster = console.seeded.forest
    _act(console, staff, cluster, "assign", unit=PXI_UNIT, deadline="2026-12-01")
    job = console.store.review_detail(f"cluster:{cluster}").assignments[0]
    wrong = _act(console, staff, cluster, "report", assignment="999", report="x")
    assert wrong.status_code == 400 and "Không có giao việc này" in wrong.text
    answer = _act(console, staff, cluster, "report", assignment=str(job.id), answer="false")
    assert answer.status_code == 200
    assert console.store.review_detail(f"cluster:{cluster}").state.status == "false"


def test_review_service_and_console_share_one_version(console: Console) -> None:
    service = ReviewService(console.store, console.config, b"k" * 32, console.clock)
    assert service.today() == date(2026, 11, 26)
    client = console.client("canbo")
    _act(console, client, console.seeded.forest, "relevant")
    state = console.store.review_detail(f"cluster:{console.seeded.forest}").state
    assert state.version == 1


_SENT_ROW = re.compile(
    r'<tr data-messenger="([^"]+)"><td>([^<]*)</td><td>([^<]*)</td><td>[^<]*</td><td>([^<]*)</td>'
)


def _sent_rows(html: str) -> list[tuple[str, str, str, str]]:
    """The "Cảnh báo đã gửi" table: (messenger, its label, chat, status label) per row."""
    table = html.split('id="alerts"')[1].split("</table>")[0]
    return [(m, shown, chat, status) for m, shown, chat, status in _SENT_ROW.findall(table)]


def test_the_item_page_lists_zalo_messages_beside_telegram_ones(console: Console) -> None:
    store, story = console.store, f"cluster:{console.seeded.forest}"
    store.enqueue(
        [
            OutboxEntry(story, "-1009", None, "alert", "tin"),
            OutboxEntry(story, "e4ea2cd5189df1c3a88c", None, "alert", "tin", messenger="zalo"),
            OutboxEntry(story, "<b>z</b>", None, "alert", "tin", messenger="zalo"),
        ],
        NOW,
    )
    zalo = [i for i in store.due_outbox(NOW, messenger="zalo") if i.chat.startswith("e4")]
    store.mark_sent(zalo[0].id, None, NOW)
    html = console.client("canbo").get(f"/items/{console.seeded.forest}").text
    assert _sent_rows(html) == [
        ("telegram", "Telegram", "-1009", "Đang chờ gửi"),
        ("zalo", "Zalo", "e4ea2cd5189df1c3a88c", "Đã gửi"),
        ("zalo", "Zalo", "&lt;b&gt;z&lt;/b&gt;", "Đang chờ gửi"),
    ]
    assert "<b>z</b>" not in html


def test_an_areas_item_page_shows_its_own_zalo_chats_only(store: Store, tmp_path: Path) -> None:
    """In a deployment of two areas, a story about both lists in each area what went to its
    Telegram and Zalo chats (review, leadership, units), not the other area's; a Zalo row whose
    id is written like the area's Telegram chat is not the area's."""
    site = two_areas_console(store, tmp_path, zalo=True)
    (both,) = save_tagged(store, [("both", ())], {"both": (AREA_A, AREA_B)})
    story = f"cluster:{both}"
    chats = [
        ("telegram", "-1100"),
        ("zalo", "z1100"),
        ("zalo", "z1105"),
        ("zalo", "z1110"),
        ("telegram", "-1200"),
        ("zalo", "z1200"),
        ("zalo", "z1210"),
        ("zalo", "-1100"),  # forged: A's Telegram chat id, on Zalo
    ]
    store.enqueue([OutboxEntry(story, c, None, "alert", "tin", messenger=m) for m, c in chats], NOW)
    tinh = site.client("tinh")
    in_a = _sent_rows(tinh.get(f"/items/{both}?area={AREA_A}").text)
    assert [(m, chat) for m, _, chat, _ in in_a] == [
        ("telegram", "-1100"),
        ("zalo", "z1100"),
        ("zalo", "z1105"),
        ("zalo", "z1110"),
    ]
    in_b = _sent_rows(tinh.get(f"/items/{both}?area={AREA_B}").text)
    assert [(m, chat) for m, _, chat, _ in in_b] == [
        ("telegram", "-1200"),
        ("zalo", "z1200"),
        ("zalo", "z1210"),
    ]
    assert {shown for _, shown, _, _ in in_a + in_b} == {"Telegram", "Zalo"}
