"""The queue's "Lập báo cáo" and "Xuất Excel" buttons on the one-area console: the form and its
default period, the filters honoured, each kind of file read back, bad periods refused in
Vietnamese, and who may use them (as for the digests)."""

from __future__ import annotations

import io
import re

from docx import Document
from openpyxl import load_workbook

from tests.kit.console import Console, console

__all__ = ["console"]

FOREST = "https://baoquangngai.vn/forest.htm"
MARKET = "https://dantri.vn/market.htm"


def _links(content: bytes) -> list[str]:
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    return [str(row[3]) for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_queue_shows_the_form_with_the_filters_and_a_default_period(console: Console) -> None:
    html = console.client("canbo").get("/queue?tone=negative&q=r%E1%BB%ABng").text
    form = html[html.index('id="export"') :]
    form = form[: form.index("</form>")]
    assert '<input type="hidden" name="tone" value="negative">' in form
    assert '<input type="hidden" name="q" value="rừng">' in form
    assert 'name="rfrom" id="r-from" value="2026-11-20"' in form  # the last 7 days
    assert 'name="rto" id="r-to" value="2026-11-26"' in form
    assert "Lập báo cáo" in form and 'formaction="/queue/excel"' in form
    dated = console.client("canbo").get("/queue?from=2026-11-01&to=2026-11-15").text
    assert 'value="2026-11-01"' in dated.split('id="r-from"')[1][:40]
    assert 'id="export"' not in console.client("dakpxi").get("/queue").text  # a unit officer


def test_excel_has_the_filtered_stories(console: Console) -> None:
    client = console.client("canbo")
    every = client.get("/queue/excel")
    assert every.status_code == 200
    assert every.headers["content-type"].startswith("application/vnd.openxmlformats")
    disposition = every.headers["content-disposition"]
    assert disposition == 'attachment; filename="duluan-tin-bai-2026-11-20_2026-11-26.xlsx"'
    assert sorted(_links(every.content)) == sorted([FOREST, MARKET])  # the copy: one story
    negative = client.get("/queue/excel?tone=negative")
    assert _links(negative.content) == [FOREST]
    sheet = load_workbook(io.BytesIO(negative.content)).active
    assert sheet is not None and sheet["B2"].value == "Báo Quảng Ngãi, Dân trí"
    outside = client.get("/queue/excel?rfrom=2026-11-01&rto=2026-11-15")
    assert _links(outside.content) == []  # seen on 26/11: outside the period
    audit = console.store.list_audit(limit=5)
    assert any(a.action == "xuất Excel theo bộ lọc" for a in audit)


def test_report_kinds_hold_the_selection(console: Console) -> None:
    client = console.client("xem")
    docx = client.get("/queue/report?kind=docx&tone=positive")
    assert docx.status_code == 200
    assert re.search(
        r'filename="duluan-bao-cao-2026-11-20_2026-11-26\.docx"',
        docx.headers["content-disposition"],
    )
    doc = Document(io.BytesIO(docx.content))
    text = "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert "Chợ phiên Đăk Mar" in text and "Phá rừng" not in text
    html = client.get("/queue/report?kind=html&tone=negative").text
    assert "Phá rừng ở Đăk Pxi" in html and "Chợ phiên" not in html
    page = client.get("/queue/report?kind=positive-html")
    assert page.status_code == 200 and "TIN TÍCH CỰC" in page.text
    assert "Chợ phiên Đăk Mar" in page.text and "Phá rừng" not in page.text
    assert "duluan-tin-tich-cuc-2026-11-20_2026-11-26.html" in page.headers["content-disposition"]
    word = client.get("/queue/report?kind=positive-docx&rfrom=2026-11-26&rto=2026-11-26")
    assert word.status_code == 200 and word.content[:2] == b"PK"


def test_bad_periods_and_kinds_are_refused_in_vietnamese(console: Console) -> None:
    client = console.client("canbo")
    for query, said in [
        ("kind=pdf", "Không có loại báo cáo"),
        ("rfrom=2026-13-01", "không phải ngày hợp lệ"),
        ("rfrom=2026-11-20&rto=2026-11-01", "trước ngày bắt đầu"),
        ("rfrom=2020-01-01&rto=2026-11-01", "dài quá 366 ngày"),
        ("kind=%3Cscript%3E", "Không có loại báo cáo"),
    ]:
        response = client.get(f"/queue/report?{query}")
        assert response.status_code == 400, query
        assert said in response.text and "<script>" not in response.text
    assert client.get("/queue/excel?rto=0001-01-01").status_code == 400


def test_who_may_export(console: Console) -> None:
    assert console.client("dakpxi").get("/queue/excel").status_code == 403
    assert console.client("dakpxi").get("/queue/report").status_code == 403
    anonymous = console.client().get("/queue/excel", follow_redirects=False)
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["location"]
    for user in ("quantri", "canbo", "xem"):
        assert console.client(user).get("/queue/excel").status_code == 200
    console.config = console.config.model_copy(
        update={"web": console.config.web.model_copy(update={"unit_digests": True})}
    )
    unit = console.client("dakpxi")
    assert unit.get("/queue/excel").status_code == 200
    assert 'id="export"' in unit.get("/queue").text
