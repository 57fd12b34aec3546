"""Review storage on SQLite and PostgreSQL: verdicts with versions, assignments, reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from storage import OutboxEntry, StaleReview, Store

AT = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
STORY = "cluster:7"
UNIT_CHAT = "-1009876543210"


def test_review_is_created_lazily_and_each_action_is_kept(store: Store) -> None:
    fresh = store.review_detail(STORY)
    assert (fresh.state.status, fresh.state.version, fresh.history) == ("new", 0, ())
    assert store.list_reviews() == []

    state = store.review_action(
        STORY, expected_version=0, action="relevant", user_id=11, user_name="Chị Lan", at=AT
    )
    assert (state.status, state.version, state.story) == ("relevant", 1, STORY)
    state = store.review_action(
        STORY,
        expected_version=1,
        action="false_info",
        user_id=12,
        user_name="Anh Minh",
        at=AT + timedelta(hours=1),
    )
    assert (state.status, state.version) == ("false_info", 2)

    detail = store.review_detail(STORY)
    assert detail.state == state
    assert [
        (a.user_id, a.user_name, a.action, a.from_status, a.to_status) for a in detail.history
    ] == [
        (11, "Chị Lan", "relevant", "new", "relevant"),
        (12, "Anh Minh", "false_info", "relevant", "false_info"),
    ]
    assert detail.history[0].at == AT
    assert [r.story for r in store.list_reviews(statuses=["false_info"])] == [STORY]
    assert store.list_reviews(statuses=["relevant"]) == []


def test_stale_version_changes_nothing(store: Store) -> None:
    store.review_action(
        STORY, expected_version=0, action="relevant", user_id=11, user_name="Chị Lan", at=AT
    )
    with pytest.raises(StaleReview) as raised:
        store.review_action(
            STORY, expected_version=0, action="irrelevant", user_id=12, user_name="Anh Minh", at=AT
        )
    assert (raised.value.expected, raised.value.actual) == (0, 1)
    with pytest.raises(StaleReview):
        store.assign(
            STORY,
            expected_version=0,
            unit="UBND xã Đăk Pxi",
            chat=UNIT_CHAT,
            topic=None,
            deadline=date(2026, 12, 1),
            user_id=12,
            user_name="Anh Minh",
            at=AT,
            message="giao",
        )
    detail = store.review_detail(STORY)
    assert (detail.state.status, len(detail.history), detail.assignments) == ("relevant", 1, ())
    assert store.due_outbox(AT + timedelta(days=1)) == []
    with pytest.raises(ValueError):
        store.review_action(
            STORY, expected_version=1, action="assigned", user_id=11, user_name="Chị Lan", at=AT
        )


def test_assignment_is_queued_with_it_and_answered(store: Store) -> None:
    state, job = store.assign(
        STORY,
        expected_version=0,
        unit="UBND xã Đăk Pxi",
        chat=UNIT_CHAT,
        topic=5,
        deadline=date(2026, 12, 1),
        user_id=11,
        user_name="Chị Lan",
        at=AT,
        message="<b>Giao xác minh</b>",
    )
    assert (state.status, state.version) == ("assigned", 1)
    assert (job.unit, job.chat, job.topic, job.deadline, job.status) == (
        "UBND xã Đăk Pxi",
        UNIT_CHAT,
        5,
        date(2026, 12, 1),
        "open",
    )
    [queued] = store.due_outbox(AT)
    assert (queued.story, queued.chat, queued.topic, queued.kind, queued.text) == (
        f"assign:{job.id}",
        UNIT_CHAT,
        5,
        "assign",
        "<b>Giao xác minh</b>",
    )

    state, answered = store.answer_assignment(
        job.id, "reported", 99, "Cán bộ xã", AT, "Đã xác minh"
    )
    assert (state.status, state.version) == ("reported", 2)
    assert (answered.status, answered.report, answered.answered_by) == (
        "reported",
        "Đã xác minh",
        99,
    )
    state, answered = store.answer_assignment(job.id, "true", 99, "Cán bộ xã", AT)
    assert answered.report == "Đã xác minh"  # an answer without text keeps the report
    detail = store.review_detail(STORY)
    assert [(a.action, a.to_status, a.unit, a.assignment_id) for a in detail.history] == [
        ("assign", "assigned", "UBND xã Đăk Pxi", job.id),
        ("report", "reported", "UBND xã Đăk Pxi", job.id),
        ("answer", "true", "UBND xã Đăk Pxi", job.id),
    ]
    assert detail.history[1].note == "Đã xác minh"
    assert store.get_assignment(job.id) == detail.assignments[0]
    assert store.get_assignment(job.id + 100) is None
    with pytest.raises(ValueError):
        store.answer_assignment(job.id, "open", 99, "Cán bộ xã", AT)


def test_overdue_and_reminded_once(store: Store) -> None:
    _, late = store.assign(
        STORY,
        expected_version=0,
        unit="UBND xã Đăk Pxi",
        chat=UNIT_CHAT,
        topic=None,
        deadline=date(2026, 12, 1),
        user_id=11,
        user_name="Chị Lan",
        at=AT,
        message="giao 1",
    )
    _, on_time = store.assign(
        "cluster:8",
        expected_version=0,
        unit="Phòng Văn hóa",
        chat="-1001",
        topic=None,
        deadline=date(2026, 12, 2),
        user_id=11,
        user_name="Chị Lan",
        at=AT,
        message="giao 2",
    )
    _, answered = store.assign(
        "cluster:9",
        expected_version=0,
        unit="Phòng Văn hóa",
        chat="-1001",
        topic=None,
        deadline=date(2026, 11, 30),
        user_id=11,
        user_name="Chị Lan",
        at=AT,
        message="giao 3",
    )
    store.answer_assignment(answered.id, "false", 5, "Cán bộ", AT)
    today = date(2026, 12, 2)
    assert [j.id for j in store.overdue_assignments(today)] == [late.id]
    assert store.overdue_assignments(date(2026, 12, 1)) == []

    entry = OutboxEntry(f"remind:{late.id}:2026-12-02", UNIT_CHAT, None, "remind", "nhắc")
    assert store.mark_reminded([late.id], today, [entry], AT) == 1
    assert store.mark_reminded([late.id], today, [entry], AT) == 0
    [job] = store.overdue_assignments(today)
    assert job.reminded_on == today
    assert [i.kind for i in store.due_outbox(AT + timedelta(days=9), 50)].count("remind") == 1
    assert on_time.status == "open"


def _assign(store: Store, story: str, chat: str | None, zalo: str | None) -> int:
    _, job = store.assign(
        story,
        expected_version=0,
        unit="UBND xã Đăk Pxi",
        chat=chat,
        topic=5 if chat else None,
        deadline=date(2026, 12, 1),
        user_id=11,
        user_name="Chị Lan",
        at=AT,
        message="<b>Giao xác minh</b>",
        zalo=zalo,
    )
    assert (job.chat, job.zalo) == (chat, zalo)
    assert store.get_assignment(job.id) == job  # the Zalo chat is kept with it
    return job.id


def test_an_assignment_goes_to_the_units_telegram_and_zalo_chats(store: Store) -> None:
    job = _assign(store, STORY, UNIT_CHAT, "z-pxi")
    rows = sorted(
        (i.messenger, i.story, i.chat, i.topic, i.kind, i.text) for i in store.due_outbox(AT)
    )
    assert rows == [
        ("telegram", f"assign:{job}", UNIT_CHAT, 5, "assign", "<b>Giao xác minh</b>"),
        ("zalo", f"assign:{job}", "z-pxi", None, "assign", "<b>Giao xác minh</b>"),
    ]
    [overdue] = store.overdue_assignments(date(2026, 12, 2))
    assert overdue.zalo == "z-pxi"


def test_an_assignment_of_a_unit_with_only_a_zalo_chat(store: Store) -> None:
    job = _assign(store, STORY, None, "z-pxi")
    assert [(i.messenger, i.chat, i.kind) for i in store.due_outbox(AT)] == [
        ("zalo", "z-pxi", "assign")
    ]
    assert store.review_detail(STORY).assignments[0].zalo == "z-pxi"
    _assign(store, "cluster:8", UNIT_CHAT, None)  # no Zalo chat: no Zalo row
    assert [i.messenger for i in store.due_outbox(AT)].count("zalo") == 1
    assert store.get_assignment(job) is not None


def test_migration_0023_comes_and_goes_without_touching_the_history(
    store: Store, db_url: str
) -> None:
    """The Zalo column is added and dropped in place: a table rebuild would cascade to the
    review history hanging on `assignments`."""
    from alembic import command
    from sqlalchemy import inspect, text

    from storage.db import make_engine
    from storage.migrate import alembic_config

    job = _assign(store, STORY, UNIT_CHAT, "z-pxi")
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0022")
            columns = {c["name"] for c in inspect(conn).get_columns("assignments")}
            assert "zalo" not in columns and "chat" in columns
            assert conn.execute(text("SELECT count(*) FROM review_actions")).scalar() == 1
            command.upgrade(alembic_config(conn), "head")
    finally:
        engine.dispose()
    assigned = store.get_assignment(job)
    assert assigned is not None and (assigned.chat, assigned.zalo) == (UNIT_CHAT, None)
    assert len(store.review_detail(STORY).history) == 1
