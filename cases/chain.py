"""The case chain of false or inaccurate reporting, shared by the console and Telegram.

detected → verified (by which unit's report) → response document (number, date, signer) → sent
to the outlet → corrected / not corrected. The steps are stored by `Store.case_step`, which
refuses a step out of order; this module says what may come next, opens a case with its first
evidence, and describes a case in one short Vietnamese text (for a Telegram answer or a log).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from cases.evidence import Fetch, capture_case
from storage import Store
from storage.cases import AFTER, CLOSING, STEP_LABELS, CaseRecord

log = logging.getLogger(__name__)

CHAIN = ("detected", "verified", "document", "sent", "corrected", "not_corrected")


def next_steps(case: CaseRecord) -> tuple[str, ...]:
    """The steps that may be recorded now, in chain order (a step just recorded may be
    recorded again to correct it)."""
    return tuple(kind for kind in CHAIN if case.status in AFTER.get(kind, frozenset()))


def open_case(
    store: Store,
    story: str,
    user_name: str,
    now: Callable[[], datetime],
    *,
    article_id: int | None = None,
    fetch: Fetch | None = None,
) -> CaseRecord:
    """Open (or find) the case of `story`; with `fetch`, keep its pages at once, else the
    daemon's `refetch_open_cases` takes the first snapshot on its next run."""
    case = store.open_case(story, user_name, now(), article_id=article_id)
    if fetch is not None and store.latest_evidence(story) is None:
        try:
            capture_case(store, case, fetch, now)
        except Exception:
            log.exception("[%s] hồ sơ %d: chưa lưu được bằng chứng", story, case.id)
    return case


def describe(case: CaseRecord, zone: ZoneInfo) -> str:
    """ "Hồ sơ số 3 (Báo X: “headline”): Đã gửi tòa soạn ngày 24/11/2026, đang mở." """
    about = case.title or case.story
    if case.source_title:
        about = f"{case.source_title}: “{about}”"
    step = case.last(case.status)
    when = step.on_date if step and step.on_date else case.updated_at.astimezone(zone).date()
    state = "đã đóng" if case.status in CLOSING else "đang mở"
    return (
        f"Hồ sơ số {case.id} ({about}): {STEP_LABELS.get(case.status, case.status)} "
        f"ngày {when:%d/%m/%Y}, {state}."
    )
