"""Cases of false reporting: opening (idempotent per story), the chain of steps, listing."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from docx import Document

from cases.chain import describe, next_steps
from cases.evidence import Fetched, capture_case
from cases.letter import render_letter
from crawler.fingerprint import NUM_PERM
from duluan.config import Report
from storage import ArticleRecord, Store
from storage.cases import CaseError

ICT = timezone(timedelta(hours=7))
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=ICT)


def article(n: int, **changes: object) -> ArticleRecord:
    base = ArticleRecord(
        source="baoquangngai",
        url=f"https://baoquangngai.vn/bai-{n}.htm",
        canonical_url=f"https://baoquangngai.vn/bai-{n}.htm",
        title=f"Tiêu đề bài {n}",
        lead="Sa pô",
        text=f"Nội dung bài {n} về xã Đăk Pxi.",
        author=None,
        section=None,
        language="vi",
        published_at=T0,
        fetched_at=T0 + timedelta(hours=1),
        via="feed",
        extraction="page",
        content_hash=f"hash-{n}",
        fingerprint=tuple(n * 1000 + i for i in range(NUM_PERM)),
        backfill=False,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture
def stored(store: Store) -> tuple[Store, int]:
    store.sync_sources([("baoquangngai", "Báo Quảng Ngãi")])
    return store, store.save_article(article(1)).article_id


def test_open_case_is_idempotent_per_story(stored: tuple[Store, int]) -> None:
    store, art = stored
    first = store.open_case(f"cluster:{art}", "Lan", T0)
    again = store.open_case(f"cluster:{art}", "Minh", T0 + timedelta(hours=2))
    assert again.id == first.id
    assert first.status == "detected" and first.status_label == "Phát hiện"
    assert first.article_id == art
    assert first.title == "Tiêu đề bài 1" and first.source_title == "Báo Quảng Ngãi"
    assert [(s.kind, s.user_name) for s in again.steps] == [("detected", "Lan")]
    assert len(store.list_cases()) == 1


def test_full_chain_then_closed(stored: tuple[Store, int]) -> None:
    store, art = stored
    case = store.open_case(f"cluster:{art}", "Lan", T0)
    t = T0 + timedelta(days=1)
    store.case_step(case.id, "verified", "Lan", t, unit="UBND xã Đăk Pxi", note="Không đúng")
    store.case_step(
        case.id, "document", "Lan", t, number="12/UBND-VP", on_date=date(2026, 11, 22), signer="B"
    )
    store.case_step(case.id, "sent", "Lan", t, on_date=date(2026, 11, 23), note="qua email")
    done = store.case_step(case.id, "corrected", "Hùng", t, on_date=date(2026, 11, 25))
    assert done.status == "corrected" and not done.is_open and done.closed_at == t
    assert [s.kind for s in done.steps] == [
        "detected",
        "verified",
        "document",
        "sent",
        "corrected",
    ]
    doc = done.last("document")
    assert doc is not None and doc.number == "12/UBND-VP" and doc.signer == "B"
    assert doc.on_date == date(2026, 11, 22)
    verified = done.last("verified")
    assert verified is not None and verified.unit == "UBND xã Đăk Pxi"
    assert store.list_cases(open_only=True) == []
    assert [c.id for c in store.list_cases()] == [case.id]


@pytest.mark.parametrize(
    ("kind", "fields", "message"),
    [
        ("sent", {"on_date": date(2026, 11, 21)}, "chưa thể ghi"),
        ("verified", {}, "đơn vị xác minh"),
        ("bogus", {}, "không hợp lệ"),
    ],
)
def test_out_of_order_or_incomplete_steps_change_nothing(
    stored: tuple[Store, int], kind: str, fields: dict[str, object], message: str
) -> None:
    store, art = stored
    case = store.open_case(f"cluster:{art}", "Lan", T0)
    with pytest.raises(CaseError, match=message):
        store.case_step(case.id, kind, "Lan", T0, **fields)  # type: ignore[arg-type]
    after = store.get_case(case.id)
    assert after is not None and after.status == "detected" and len(after.steps) == 1


def test_document_needs_number_date_and_signer(stored: tuple[Store, int]) -> None:
    store, art = stored
    case = store.open_case(f"cluster:{art}", "Lan", T0)
    store.case_step(case.id, "verified", "Lan", T0, unit="Phòng VH")
    with pytest.raises(CaseError, match="số văn bản, ngày văn bản, người ký"):
        store.case_step(case.id, "document", "Lan", T0, number="  ")


def test_unknown_case(store: Store) -> None:
    assert store.get_case(99) is None
    with pytest.raises(CaseError, match="Không có hồ sơ số 99"):
        store.case_step(99, "verified", "Lan", T0, unit="X")


def test_open_cases_first_and_unit_filter(stored: tuple[Store, int]) -> None:
    store, art = stored
    other = store.save_article(article(2)).article_id
    closed = store.open_case(f"cluster:{art}", "Lan", T0)
    store.case_step(closed.id, "verified", "Lan", T0, unit="X")
    store.case_step(closed.id, "document", "Lan", T0, number="1", on_date=T0.date(), signer="B")
    store.case_step(closed.id, "sent", "Lan", T0, on_date=T0.date())
    store.case_step(closed.id, "not_corrected", "Lan", T0 + timedelta(days=3), on_date=T0.date())
    opened = store.open_case(f"cluster:{other}", "Lan", T0)
    assert [c.id for c in store.list_cases()] == [opened.id, closed.id]
    store.assign(
        f"cluster:{other}",
        expected_version=0,
        unit="UBND xã Đăk Pxi",
        chat=None,
        topic=None,
        deadline=date(2026, 11, 27),
        user_id=1,
        user_name="Lan",
        at=T0,
        message="",
    )
    assert [c.id for c in store.list_cases(unit="UBND xã Đăk Pxi")] == [opened.id]
    assert store.list_cases(unit="Phòng Kinh tế") == []
    assert store.get_case(opened.id).units == ("UBND xã Đăk Pxi",)  # type: ignore[union-attr]


def test_case_of_a_deleted_or_unknown_article(store: Store) -> None:
    case = store.open_case("cluster:4242", "Lan", T0)
    assert case.article_id is None and case.title is None
    assert store.case_for_story("cluster:4242") == case


# --- the draft response letter ------------------------------------------------------------


def _letter_text(data: bytes) -> tuple[str, list[str]]:
    doc = Document(io.BytesIO(data))
    cells = [p.text for t in doc.tables for c in t._cells for p in c.paragraphs]
    body = "\n".join(p.text for p in doc.paragraphs)
    return body, cells


def test_letter_cites_article_unit_report_and_law(stored: tuple[Store, int]) -> None:
    store, art = stored
    case = store.open_case(f"cluster:{art}", "Lan", T0)
    store.case_step(
        case.id, "verified", "Lan", T0, unit="UBND xã Đăk Pxi", note="Thôn 5 không bị sạt lở."
    )
    case = store.case_step(
        case.id, "document", "Lan", T0, number="45", on_date=date(2026, 2, 5), signer="Nguyễn B"
    )
    report = Report(signer_name="Trần A")
    data = render_letter(case, report, as_of=date(2026, 11, 26), timezone="Asia/Ho_Chi_Minh")
    assert data == render_letter(case, report, date(2026, 11, 26), "Asia/Ho_Chi_Minh")
    body, cells = _letter_text(data)
    assert "Số: 45/TTVHTT" in cells
    assert "V/v đề nghị cải chính thông tin" in cells
    assert "Đăk Hà, ngày 05 tháng 02 năm 2026" in cells
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in cells
    assert "Kính gửi: Tòa soạn Báo Quảng Ngãi" in body
    assert "Ngày 20 tháng 11 năm 2026, Báo Quảng Ngãi đăng bài viết “Tiêu đề bài 1”" in body
    assert "https://baoquangngai.vn/bai-1.htm" in body
    assert "UBND xã Đăk Pxi đã báo cáo" in body and "Thôn 5 không bị sạt lở." in body
    assert "Điều 42 Luật Báo chí năm 2016" in body and "09/2017/NĐ-CP" in body
    assert "- Như trên;" in cells and "Nguyễn B" in cells and "Trần A" not in cells
    doc = Document(io.BytesIO(data))
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert doc.styles["Normal"].font.name == "Times New Roman"


def test_letter_before_verification_leaves_blanks(stored: tuple[Store, int]) -> None:
    store, art = stored
    case = store.open_case(f"cluster:{art}", "Lan", T0)
    data = render_letter(case, Report(signer_name="Trần A"), date(2026, 11, 26), "Asia/Bangkok")
    body, cells = _letter_text(data)
    assert "Số:         /TTVHTT" in cells and "Trần A" in cells
    assert "Đăk Hà, ngày 26 tháng 11 năm 2026" in cells
    assert "Qua kiểm tra, xác minh, […] đã báo cáo" in body


# --- the chain helpers -----------------------------------------------------------------------


def test_next_steps_follow_the_chain(stored: tuple[Store, int]) -> None:
    store, art = stored
    case = store.open_case(f"cluster:{art}", "Lan", T0)
    assert next_steps(case) == ("verified",)
    case = store.case_step(case.id, "verified", "Lan", T0, unit="X")
    assert next_steps(case) == ("verified", "document")
    case = store.case_step(
        case.id, "document", "Lan", T0, number="1", on_date=T0.date(), signer="B"
    )
    case = store.case_step(case.id, "sent", "Lan", T0, on_date=date(2026, 11, 21))
    assert next_steps(case) == ("sent", "corrected", "not_corrected")
    assert describe(case, ZoneInfo("Asia/Ho_Chi_Minh")) == (
        "Hồ sơ số 1 (Báo Quảng Ngãi: “Tiêu đề bài 1”): Đã gửi tòa soạn ngày 21/11/2026, đang mở."
    )
    case = store.case_step(case.id, "not_corrected", "Lan", T0, on_date=date(2026, 11, 25))
    assert next_steps(case) == ("corrected", "not_corrected")
    assert describe(case, ZoneInfo("Asia/Ho_Chi_Minh")).endswith("25/11/2026, đã đóng.")


def test_capturing_a_case_keeps_its_page_as_evidence(stored: tuple[Store, int]) -> None:
    store, art = stored
    calls: list[str] = []

    def fetch(url: str) -> Fetched:
        calls.append(url)
        return Fetched(url, 410, url, b"gone")

    case = store.open_case(f"cluster:{art}", "Lan", T0, article_id=art)
    capture_case(store, case, fetch, lambda: T0)
    assert calls == ["https://baoquangngai.vn/bai-1.htm"]
    [record] = store.list_evidence(case_id=case.id)
    assert (record.status_code, record.reason, record.change) == (410, "gone", "first")
