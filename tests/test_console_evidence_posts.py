"""Evidence of social items in the console: where each post stands after its latest check
("Còn trên mạng" / "Đã bị gỡ"), the note that a Facebook or Zalo item is never fetched (its
evidence is the reporter's screenshot), and an oEmbed snapshot downloaded as JSON."""

from __future__ import annotations

import gzip
import hashlib
from datetime import timedelta

from storage import Store
from storage.cases import EvidenceSnapshot
from tests.kit.articles import record, tag
from tests.kit.console import NOW, PXI, Console, console

__all__ = ["console"]

POST = "https://t.me/tindakha/141"
VIDEO = "https://www.youtube.com/watch?v=Qn7xUuDk9pA"
OEMBED = b'{"title": "S\\u1ea1t l\\u1edf", "author_name": "Tin 24h", "type": "video"}'


def save_item(store: Store, n: int, url: str, platform: str) -> int:
    """A tagged item of `platform` at `url`; its cluster."""
    store.sync_sources([("baoquangngai", "Báo Quảng Ngãi")])
    saved = store.save_article(
        record(
            n,
            url=url,
            canonical_url=url,
            title=f"Tin báo {n}",
            published_at=NOW - timedelta(hours=1),
            fetched_at=NOW - timedelta(hours=1),
            platform=platform,
        )
    )
    store.save_tags([tag(saved.article_id, units=(PXI,), tagged_at=NOW)])
    return saved.article_id


def snapshot(
    cluster: int, url: str, body: bytes, reason: str, change: str, text: str | None, hours: int
) -> EvidenceSnapshot:
    return EvidenceSnapshot(
        story=f"cluster:{cluster}",
        article_id=cluster,
        case_id=None,
        url=url,
        final_url=url,
        status_code=200,
        fetched_at=NOW + timedelta(hours=hours),
        reason=reason,
        change=change,
        sha256=hashlib.sha256(body).hexdigest(),
        size=len(body),
        content=gzip.compress(body),
        text_sha256=hashlib.sha256(text.encode()).hexdigest() if text is not None else None,
        text=text,
    )


def test_a_deleted_telegram_post_reads_removed_and_a_live_video_online(console: Console) -> None:
    store = console.store
    post = save_item(store, 301, POST, "telegram")
    case = store.open_case(f"cluster:{post}", "canbo", NOW)
    widget = b'<div class="tgme_widget_message_text">S\xe1\xba\xa1t l\xe1\xbb\x9f</div>'
    store.add_evidence(snapshot(post, POST, widget, "ok", "first", "Sạt lở", 0))
    missing = b'<div class="tgme_widget_message_error">Post not found</div>'
    store.add_evidence(snapshot(post, POST, missing, "post_missing", "removed", None, 24))
    page = console.client("canbo").get(f"/cases/{case.id}").text
    assert '<li data-standing="removed"><strong class="overdue">Đã bị gỡ</strong>: ' + POST in page
    assert "Bài đăng không còn (nền tảng báo không tìm thấy)" in page
    assert 'id="not-public"' not in page

    video = save_item(store, 302, VIDEO, "youtube")
    store.add_evidence(snapshot(video, VIDEO, OEMBED, "ok", "first", "Sạt lở\nTin 24h", 0))
    client = console.client("xem")
    listing = client.get("/evidence", params={"story": f"cluster:{video}"}).text
    assert '<li data-standing="online"><strong>Còn trên mạng</strong>: ' + VIDEO in listing
    [kept] = store.list_evidence(f"cluster:{video}")
    download = client.get(f"/evidence/{kept.id}")
    assert download.status_code == 200 and download.content == OEMBED
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment;") and disposition.endswith('.json"')
    assert download.headers["content-type"] == "application/octet-stream"


def test_a_facebook_item_says_its_evidence_is_the_screenshot(console: Console) -> None:
    store = console.store
    url = "https://www.facebook.com/ubnd.dakpxi/posts/pfbid02abc"
    item = save_item(store, 303, url, "facebook")
    case = store.open_case(f"cluster:{item}", "canbo", NOW)
    assert case.platform == "facebook"
    client = console.client("canbo")
    page = client.get(f"/cases/{case.id}").text
    assert 'id="not-public"' in page and "Facebook không cho xem công khai" in page
    assert "ảnh chụp màn hình" in page
    assert 'id="no-evidence"' not in page and 'id="capture"' not in page
    assert 'id="standing"' not in page
    listing = client.get("/evidence", params={"story": f"cluster:{item}"}).text
    assert "Facebook không cho xem công khai" in listing
    forest = store.open_case(f"cluster:{console.seeded.forest}", "canbo", NOW)
    press = client.get(f"/cases/{forest.id}").text
    assert 'id="not-public"' not in press and 'id="no-evidence"' in press
