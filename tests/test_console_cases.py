"""Cases, evidence and search in the console over HTTP: the chain through its forms, the letter
and snapshot downloads, and every role boundary."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT

from crawler.fingerprint import NUM_PERM
from storage import ArticleRecord, TagRecord
from tests.kit.console import (
    LAND_UNIT,
    NOW,
    PXI,
    PXI_UNIT,
    Console,
    console,
    page_snapshot,
    token,
)

__all__ = ["console"]

HTML = b"<html><body><script>alert(1)</script><p>Ph\xc3\xa1 r\xe1\xbb\xabng</p></body></html>"


def _mark_false(console: Console) -> int:
    """Mark the forest story false through the item page (the console's own operation)."""
    client = console.client("canbo")
    story = f"cluster:{console.seeded.forest}"
    version = str(console.store.review_detail(story).state.version)
    form = {"version": version, "csrf_token": token(client, "/queue")}
    assert client.post(f"/items/{console.seeded.forest}/false", data=form).status_code == 200
    case = console.store.case_for_story(story)
    assert case is not None
    return case.id


def _step(client, case_id: int, **data: str):  # type: ignore[no-untyped-def]
    return client.post(
        f"/cases/{case_id}/step", data={"csrf_token": token(client, "/cases"), **data}
    )


def _snapshot(console: Console) -> int:
    record = console.store.add_evidence(
        page_snapshot(
            console.seeded.forest,
            console.seeded.forest_article,
            None,
            "https://baoquangngai.vn/forest.htm",
            HTML,
            "Phá rừng",
        )
    )
    return record.id


def test_marking_false_opens_a_case_shown_in_list_and_page(console: Console) -> None:
    case_id = _mark_false(console)
    client = console.client("xem")
    listing = client.get("/cases").text
    assert re.findall(r'data-case="(\d+)"', listing) == [str(case_id)]
    assert "Phá rừng ở Đăk Pxi" in listing and "Phát hiện" in listing
    page = client.get(f"/cases/{case_id}").text
    assert 'data-kind="detected"' in page and "canbo (trang web)" in page
    assert 'id="actions"' not in page and 'id="letter"' in page
    assert client.get("/cases?open=1").text.count('data-case="') == 1


def test_staff_walks_the_chain_and_closes_the_case(console: Console) -> None:
    case_id = _mark_false(console)
    client = console.client("canbo")
    page = client.get(f"/cases/{case_id}").text
    assert 'id="form-verified"' in page and 'id="form-sent"' not in page
    today = (NOW + timedelta(hours=7)).date().isoformat()
    steps = [
        {"kind": "verified", "unit": PXI_UNIT, "note": "Không có phá rừng ở thôn 3."},
        {"kind": "document", "number": "45/UBND", "on_date": today, "signer": "Nguyễn Văn B"},
        {"kind": "sent", "on_date": today, "note": "Thư điện tử"},
        {"kind": "corrected", "on_date": today, "note": "Đã đính chính"},
    ]
    for data in steps:
        response = _step(client, case_id, **data)
        assert response.status_code == 200, response.text
        assert "Đã ghi:" in response.text
    case = console.store.get_case(case_id)
    assert case is not None and case.status == "corrected" and not case.is_open
    assert [s.kind for s in case.steps] == ["detected", "verified", "document", "sent", "corrected"]
    assert case.steps[1].user_name == "canbo (trang web)" and case.steps[1].unit == PXI_UNIT
    page = client.get(f"/cases/{case_id}").text
    assert "45/UBND" in page and "Nguyễn Văn B" in page and "Đã cải chính" in page
    actions = [e.action for e in console.store.list_audit(limit=50)]
    assert "hồ sơ: corrected" in actions and "hồ sơ: verified" in actions


def test_bad_steps_get_a_message_and_change_nothing(console: Console) -> None:
    case_id = _mark_false(console)
    client = console.client("canbo")
    future = ((NOW + timedelta(days=3)).date()).isoformat()
    cases = [
        ({"kind": "sent", "on_date": "2026-11-20"}, "chưa thể ghi"),
        ({"kind": "verified", "unit": ""}, "đơn vị xác minh"),
        ({"kind": "nonsense"}, "không có"),
        ({"kind": "verified", "unit": PXI_UNIT, "note": "x" * 6000}, "quá dài"),
    ]
    for data, message in cases:
        response = _step(client, case_id, **data)
        assert response.status_code == 400 and message in response.text
    _step(client, case_id, kind="verified", unit=PXI_UNIT, note="Sai")
    response = _step(client, case_id, kind="document", number="1", on_date=future, signer="B")
    assert response.status_code == 400 and "ở tương lai" in response.text
    response = _step(client, case_id, kind="document", number="1", on_date="26/11", signer="B")
    assert response.status_code == 400 and "không hợp lệ" in response.text
    forged = client.post(f"/cases/{case_id}/step", data={"kind": "document", "csrf_token": "x"})
    assert forged.status_code == 400
    case = console.store.get_case(case_id)
    assert case is not None and [s.kind for s in case.steps] == ["detected", "verified"]
    assert client.get("/cases/999").status_code == 404


def test_viewer_reads_and_downloads_the_letter_but_cannot_act(console: Console) -> None:
    case_id = _mark_false(console)
    client = console.client("xem")
    response = _step(client, case_id, kind="verified", unit=PXI_UNIT, note="Sai")
    assert response.status_code == 403
    letter = client.get(f"/cases/{case_id}/letter.docx")
    assert letter.status_code == 200
    assert letter.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert letter.headers["content-disposition"].startswith("attachment;")
    text = "\n".join(p.text for p in Document(io.BytesIO(letter.content)).paragraphs)
    assert "Kính gửi: Tòa soạn Báo Quảng Ngãi" in text and "Phá rừng ở Đăk Pxi" in text
    case = console.store.get_case(case_id)
    assert case is not None and len(case.steps) == 1


def test_unit_officer_sees_only_cases_of_its_assigned_stories(console: Console) -> None:
    case_id = _mark_false(console)
    story = f"cluster:{console.seeded.forest}"
    evidence_id = _snapshot(console)
    pxi = console.client("dakpxi")
    assert pxi.get(f"/cases/{case_id}").status_code == 403
    assert pxi.get(f"/evidence/{evidence_id}").status_code == 403
    assert 'data-case="' not in pxi.get("/cases").text
    version = console.store.review_detail(story).state.version
    console.store.assign(
        story,
        expected_version=version,
        unit=PXI_UNIT,
        chat=None,
        topic=None,
        deadline=date(2026, 11, 30),
        user_id=1,
        user_name="x",
        at=NOW,
        message="",
    )
    assert pxi.get(f"/cases/{case_id}").status_code == 200
    assert re.findall(r'data-case="(\d+)"', pxi.get("/cases").text) == [str(case_id)]
    assert pxi.get(f"/evidence/{evidence_id}").status_code == 200
    assert pxi.get(f"/cases/{case_id}/letter.docx").status_code == 403
    assert _step(pxi, case_id, kind="verified", unit=PXI_UNIT, note="x").status_code == 403
    land = console.client("phongtn")
    assert land.get(f"/cases/{case_id}").status_code == 403
    assert land.get(f"/evidence?story={story}").status_code == 403
    assert 'data-case="' not in land.get("/cases").text


def test_evidence_is_listed_and_downloaded_never_rendered(console: Console) -> None:
    _mark_false(console)
    evidence_id = _snapshot(console)
    client = console.client("xem")
    story = f"cluster:{console.seeded.forest}"
    listing = client.get(f"/evidence?story={story}")
    assert listing.status_code == 200 and f'data-evidence="{evidence_id}"' in listing.text
    assert "<script>alert(1)</script>" not in listing.text
    download = client.get(f"/evidence/{evidence_id}")
    assert download.status_code == 200 and download.content == HTML
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert "sandbox" in download.headers["content-security-policy"]
    assert client.get("/evidence/4242").status_code == 404
    assert client.get("/evidence?story=bogus").status_code == 404
    case_page = client.get(f"/cases/{console.store.case_for_story(story).id}").text  # type: ignore[union-attr]
    assert f'href="/evidence/{evidence_id}"' in case_page


def test_search_page(console: Console) -> None:
    console.store.index_articles(at=NOW)
    client = console.client("canbo")
    page = client.get("/search", params={"q": "dak pxi"}).text
    assert re.search(r'id="total">(\d+) bài', page).group(1) == "2"  # type: ignore[union-attr]
    assert f'href="/items/{console.seeded.forest}"' in page
    assert "Người dân xã <mark>Đăk Pxi</mark> phản ánh" in page
    phrase = client.get("/search", params={"q": '"cho phien"'}).text
    assert f'href="/items/{console.seeded.market}"' in phrase
    assert f'href="/items/{console.seeded.forest}"' not in phrase
    for weird in ['(*"', "NOT", "a' OR 1=1 --", "x" * 500]:
        assert client.get("/search", params={"q": weird}).status_code == 200
    assert 'id="total"' not in client.get("/search").text
    assert console.client("xem").get("/search?q=dak").status_code == 200
    assert console.client("dakpxi").get("/search?q=dak").status_code == 403
    anonymous = console.client().get("/search?q=dak", follow_redirects=False)
    assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]


def test_verified_form_suggests_the_unit_report(console: Console) -> None:
    case_id = _mark_false(console)
    story = f"cluster:{console.seeded.forest}"
    version = console.store.review_detail(story).state.version
    _, job = console.store.assign(
        story,
        expected_version=version,
        unit=LAND_UNIT,
        chat=None,
        topic=None,
        deadline=date(2026, 11, 30),
        user_id=1,
        user_name="x",
        at=NOW,
        message="",
    )
    console.store.answer_assignment(job.id, "false", 2, "y", NOW, report="Không có & <rừng>")
    page = console.client("canbo").get(f"/cases/{case_id}").text
    assert f"<option selected>{LAND_UNIT}</option>" in page
    assert "Không có &amp; &lt;rừng&gt;</textarea>" in page


HOSTILE_URLS = [
    "javascript:alert(1)",
    " JaVaScRiPt:alert(document.cookie)",
    "java\tscript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
]


def _hostile_story(console: Console, n: int, url: str) -> int:
    """A relevant article whose stored address is not a web address; returns its cluster."""
    seen = NOW - timedelta(hours=1)
    [saved] = console.store.save_articles(
        [
            ArticleRecord(
                source="dantri",
                url=url,
                canonical_url=url,
                title=f"Tin lạ số {n} ở Đăk Pxi",
                lead="",
                text="Người dân xã Đăk Pxi phản ánh việc lấn chiếm đất.",
                author=None,
                section=None,
                language="vi",
                published_at=seen,
                fetched_at=seen,
                via="feed",
                extraction="page",
                content_hash=f"hostile-{n}",
                fingerprint=tuple((50 + n) * 1000 + i for i in range(NUM_PERM)),
                backfill=False,
            )
        ]
    )
    console.store.save_tags(
        [
            TagRecord(
                article_id=saved.article_id,
                relevant=True,
                relevance=0.9,
                tone="negative",
                needs_verification=True,
                topics=(),
                reasons=(),
                units=(PXI,),
                mentions=(),
                tagged_at=NOW,
                tagger_version="test",
            )
        ]
    )
    return saved.cluster_id


def test_no_console_page_links_a_non_web_address(console: Console) -> None:
    client = console.client("canbo")
    clusters = [_hostile_story(console, n, url) for n, url in enumerate(HOSTILE_URLS)]
    console.store.index_articles(at=NOW)
    pages = [client.get("/search", params={"q": "tin la"}).text]
    for n, cluster in enumerate(clusters):
        item = client.get(f"/items/{cluster}")
        assert item.status_code == 200 and f"Tin lạ số {n}" in item.text
        pages.append(item.text)
        story = f"cluster:{cluster}"
        form = {
            "version": str(console.store.review_detail(story).state.version),
            "csrf_token": token(client, "/queue"),
        }
        assert client.post(f"/items/{cluster}/false", data=form).status_code == 200
        case = console.store.case_for_story(story)
        assert case is not None
        pages.append(client.get(f"/cases/{case.id}").text)
        letter = Document(io.BytesIO(client.get(f"/cases/{case.id}/letter.docx").content))
        assert not [r for r in letter.part.rels.values() if r.reltype == RT.HYPERLINK]
    assert pages[0].count('class="no-link"') == len(HOSTILE_URLS)
    for page in pages:
        assert not re.search(r"href=\"\s*(java|data|vb)", page, re.IGNORECASE), page
        assert 'class="no-link"' in page


def test_web_addresses_still_open_the_outlet_page(console: Console) -> None:
    page = console.client("canbo").get(f"/items/{console.seeded.forest}").text
    assert (
        '<a href="https://baoquangngai.vn/forest.htm" rel="noopener noreferrer" '
        'target="_blank">bài gốc</a>'
    ) in page
