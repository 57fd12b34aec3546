"""Evidence of social items in the console: where each post stands after its latest check
("Còn trên mạng" / "Đã bị gỡ"), the note that a Facebook or Zalo item is never fetched (its
evidence is the reporter's screenshot), and an oEmbed snapshot downloaded as JSON."""

from __future__ import annotations

import gzip
import hashlib
from datetime import timedelta

from duluan.submit import Report, Reporter, submit
from storage import Store
from storage.cases import EvidenceSnapshot
from storage.submissions import Screenshot
from tests.kit.articles import record, tag
from tests.kit.console import NOW, PXI, Console, console, token

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
    form = {"csrf_token": token(client, f"/cases/{case.id}")}
    refused = client.post(f"/cases/{case.id}/capture", data=form)
    assert refused.status_code == 409 and "Facebook không cho xem công khai" in refused.text
    forest = store.open_case(f"cluster:{console.seeded.forest}", "canbo", NOW)
    press = client.get(f"/cases/{forest.id}").text
    assert 'id="not-public"' not in press and 'id="no-evidence"' in press


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 60


def report_screenshot(console: Console, url: str, content: bytes, name: str) -> tuple[int, int]:
    """`name` reports `url` with a screenshot (media type PNG whatever the bytes); the item's
    case id and the screenshot's evidence id."""
    done = submit(
        console.store,
        console.config,
        Report(
            url=url,
            text="Cán bộ xã nhận tiền",
            screenshot=Screenshot("a.png", "image/png", content),
        ),
        Reporter(name, "console"),
        console.clock,
    )
    case = console.store.open_case(done.story, "canbo", NOW)
    [kept] = [e for e in console.store.list_evidence(done.story) if e.reason == "reported"]
    return case.id, kept.id


def test_reported_screenshot_is_shown_as_an_image_with_who_when_size_and_hash(
    console: Console,
) -> None:
    url = "https://www.facebook.com/ubnd.dakpxi/posts/pfbid02xyz"
    case_id, shot = report_screenshot(console, url, PNG, "Nguyễn Văn A")
    client = console.client("canbo")
    page = client.get(f"/cases/{case_id}").text
    assert f'<figure class="screenshot" data-evidence="{shot}">' in page
    assert f'<img src="/evidence/{shot}/image"' in page
    assert "Người gửi: <strong>Nguyễn Văn A</strong>" in page
    assert f"image/png, {len(PNG)} byte" in page
    assert f"<code>{hashlib.sha256(PNG).hexdigest()}</code>" in page
    assert "Facebook không cho xem công khai" in page and "Chưa có ảnh chụp" not in page
    assert f'<tr data-evidence="{shot}"' not in page  # a screenshot is no fetch
    assert 'id="no-evidence"' not in page
    image = client.get(f"/evidence/{shot}/image")
    assert image.status_code == 200 and image.content == PNG
    assert image.headers["content-type"] == "image/png"
    assert image.headers["content-disposition"] == f'inline; filename="anh-chup-{shot}.png"'
    assert image.headers["content-security-policy"] == "sandbox; default-src 'none'"
    assert image.headers["x-content-type-options"] == "nosniff"
    download = client.get(f"/evidence/{shot}")
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-disposition"].endswith('.png"')


def test_only_true_images_are_served_as_images(console: Console) -> None:
    url = "https://zalo.me/g/dakpxi"
    case_id, fake = report_screenshot(
        console, url, b"<html><script>alert(1)</script></html>", "Trần Thị B"
    )
    client = console.client("canbo")
    assert client.get(f"/evidence/{fake}/image").status_code == 404
    page = console.store.add_evidence(
        snapshot(1, "https://baoquangngai.vn/a.htm", b"<html></html>", "ok", "first", "x", 0)
    )
    assert client.get(f"/evidence/{page.id}/image").status_code == 404
    assert client.get("/evidence/999999/image").status_code == 404
    assert "Zalo không cho xem công khai" in client.get(f"/cases/{case_id}").text


def test_a_screenshot_is_seen_by_those_who_see_its_story_only(console: Console) -> None:
    url = "https://www.facebook.com/ubnd.dakpxi/posts/pfbid03abc"
    _, shot = report_screenshot(console, url, PNG, "Nguyễn Văn A")
    assert console.client("xem").get(f"/evidence/{shot}/image").status_code == 200
    anonymous = console.client().get(f"/evidence/{shot}/image", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.content != PNG
    unit = console.client("phongtn").get(f"/evidence/{shot}/image")
    assert unit.status_code == 403 and unit.headers["content-type"].startswith("text/html")
