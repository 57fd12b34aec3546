"""The case chain of false or inaccurate reporting, shared by the console and Telegram.

detected → verified (by which unit's report) → response document (number, date, signer) → sent
to the outlet → corrected / not corrected. The steps are stored by `Store.case_step`, which
refuses a step out of order; this module says what may come next, opens a case with its first
evidence, and describes a case in one short Vietnamese text (for a Telegram answer or a log).
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from storage.cases import AFTER, CLOSING, STEP_LABELS, CaseRecord

log = logging.getLogger(__name__)

CHAIN = ("detected", "verified", "document", "sent", "corrected", "not_corrected")


def next_steps(case: CaseRecord) -> tuple[str, ...]:
    """The steps that may be recorded now, in chain order (a step just recorded may be
    recorded again to correct it)."""
    return tuple(kind for kind in CHAIN if case.status in AFTER.get(kind, frozenset()))


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
