"""The console's "Thêm tin" (issue 15 §1, console door): staff, admins and unit officers report
a link, a text and a screenshot through `duluan.submit.submit`; viewers cannot. The upload is
checked by its bytes and cut off while it is read when too large; a refused report shows the
form again with what was typed and why, and stores nothing. The item's page shows who
reported it and the screenshots (downloads only), and the queue marks reported items."""

from __future__ import annotations

import asyncio
import hashlib
import re
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from starlette.types import Message

from duluan.console.submit import MAX_UPLOAD_BODY
from duluan.submit import MAX_FILE_BYTES
from storage import Store
from storage.submissions import REPORTED
from tests.kit.console import Clock, Console, add_users, config, seed, token

pytestmark = pytest.mark.sqlite_only  # no SQL of its own: see tests/kit/db.py

POST = "https://www.facebook.com/ubnd.dakpxi/posts/pfbid02abc"
NOTE = "Người dân phản ánh đường qua thôn 3 bị sạt lở, nhờ Trung tâm xem giúp."


def png(width: int = 2, height: int = 2) -> bytes:
    """A real PNG (signature, IHDR, one zlib IDAT of grey rows, IEND; CRC over type and data)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(document.cookie)</script></svg>"
)
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


@pytest.fixture
def console(store: Store, tmp_path: Path) -> Iterator[Console]:
    """The console tests' seeded store and accounts, tagging reports with a shared tagger."""
    seeded = seed(store)
    add_users(store)
    yield Console(store, config(), Clock(), seeded, tmp_path, tagged=True)


def _send(
    client: TestClient,
    *,
    link: str = "",
    text: str = "",
    file: tuple[str, bytes, str] | None = None,
    csrf: bool = True,
    **extra: str,
) -> object:
    data = {"link": link, "text": text, **extra}
    if csrf:
        data["csrf_token"] = token(client, "/submit")
    files = {"screenshot": file} if file else {"screenshot": ("", b"", "application/octet-stream")}
    return client.post("/submit", data=data, files=files, follow_redirects=False)


def _code(response: object) -> int:
    return int(getattr(response, "status_code", 0))


def _text(response: object) -> str:
    return str(getattr(response, "text", ""))


def _cluster(response: object) -> int:
    location = getattr(response, "headers", {})["location"]
    found = re.fullmatch(r"/items/(\d+)", location)
    assert found, location
    return int(found.group(1))


def _nothing_stored(store: Store) -> None:
    assert store.find_item([POST]) is None
    assert [e for e in store.list_evidence() if e.reason == REPORTED] == []


def test_form_and_link_per_role(console: Console) -> None:
    for user in ("canbo", "quantri", "dakpxi"):
        client = console.client(user)
        page = client.get("/submit")
        assert page.status_code == 200 and 'id="submit-form"' in page.text, user
        assert 'enctype="multipart/form-data"' in page.text
        assert 'id="nav-submit"' in client.get("/queue").text
        assert 'id="submit-area"' not in page.text  # one area: nothing to choose
    viewer = console.client("xem")
    assert 'id="nav-submit"' not in viewer.get("/queue").text
    assert viewer.get("/submit").status_code == 403
    refused = _send(viewer, link=POST, text=NOTE, csrf=False, csrf_token=token(viewer, "/queue"))
    assert _code(refused) == 403
    _nothing_stored(console.store)
    # Not logged in: the login page.
    anonymous = console.client().get("/submit", follow_redirects=False)
    assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]


def test_report_with_screenshot_becomes_an_item(console: Console) -> None:
    store = console.store
    client = console.client("canbo")
    image = png()
    done = _send(client, link=POST + "?fbclid=IwAR0", text=NOTE, file=("man hinh.png", image, ""))
    assert _code(done) == 303, _text(done)
    cluster = _cluster(done)
    item = store.find_item([POST])
    assert item is not None and item.cluster_id == cluster
    (report,) = store.submissions_of([item.article_id])[item.article_id]
    assert (report.reporter, report.via, report.note) == ("canbo", "console", NOTE)
    (shot,) = [e for e in store.list_evidence() if e.reason == REPORTED]
    assert shot.sha256 == hashlib.sha256(image).hexdigest()
    assert (shot.media_type, shot.submitted_by, shot.size) == ("image/png", "canbo", len(image))
    tags = store.get_tags(item.article_id)
    assert tags is not None and tags.relevant  # tagged at once with the console's tagger
    assert any(a.action == "thêm tin" for a in store.list_audit(limit=10))

    page = client.get(f"/items/{cluster}")
    assert page.status_code == 200
    assert "Đã nhận tin (tin mới)" in page.text
    reports = page.text.split('id="reports"')[1].split("</table>")[0]
    assert 'data-reporter="canbo"' in reports and "Trang web" in reports and NOTE in reports
    shots = page.text.split('id="screenshots"')[1].split("</table>")[0]
    assert f'href="/evidence/{shot.id}"' in shots and shot.sha256 in shots and "canbo" in shots
    assert "<img" not in page.text  # never rendered inline
    queue = client.get("/queue").text
    row = queue.split(f'data-story="cluster:{cluster}"')[1].split("</tr>")[0]
    assert "Do cán bộ báo" in row and 'title="canbo"' in row
    forest = queue.split(f'data-story="cluster:{console.seeded.forest}"')[1].split("</tr>")[0]
    assert "Do cán bộ báo" not in forest


def test_same_link_from_two_accounts_is_one_item_with_two_reporters(console: Console) -> None:
    first = _send(console.client("canbo"), link=POST, text=NOTE)
    second_client = console.client("quantri")
    second = _send(second_client, link="www.facebook.com/ubnd.dakpxi/posts/pfbid02abc#top")
    assert _cluster(first) == _cluster(second)
    item = console.store.find_item([POST])
    assert item is not None
    found = console.store.submissions_of([item.article_id])[item.article_id]
    reporters = [s.reporter for s in found]
    assert reporters == ["canbo", "quantri"]
    page = second_client.get(f"/items/{_cluster(second)}").text
    assert "đã có, thêm người báo" in page
    assert 'data-reporter="canbo"' in page and 'data-reporter="quantri"' in page


@pytest.mark.parametrize(
    ("name", "content"),
    [("ve.svg", SVG), ("anh.png", HTML), ("anh.png", b"GIF89a" + b"\x00" * 20)],
    ids=["svg", "html-named-png", "gif"],
)
def test_non_images_are_refused_with_what_was_typed_kept(
    console: Console, name: str, content: bytes
) -> None:
    client = console.client("canbo")
    refused = _send(client, link=POST, text=NOTE, file=(name, content, "image/png"))
    assert _code(refused) == 400
    assert "không phải ảnh PNG, JPEG hay WebP" in _text(refused)
    assert f'value="{POST}"' in _text(refused) and f">{NOTE}</textarea>" in _text(refused)
    assert "hãy chọn lại ảnh" in _text(refused)
    _nothing_stored(console.store)


def test_javascript_link_is_refused_with_the_text_kept(console: Console) -> None:
    client = console.client("canbo")
    refused = _send(client, link="javascript:alert(document.cookie)", text=NOTE)
    assert _code(refused) == 400
    body = _text(refused)
    assert "không phải địa chỉ trang web" in body and f">{NOTE}</textarea>" in body
    assert 'value="javascript:alert(document.cookie)"' in body  # shown, escaped, never a link
    assert 'href="javascript:' not in body
    assert console.store.submissions_of([1, 2, 3, 4, 5]) == {}


def test_missing_or_wrong_csrf_is_refused(console: Console) -> None:
    client = console.client("canbo")
    for extra in ({}, {"csrf_token": "gia-mao"}):
        image = ("a.png", png(), "image/png")
        refused = _send(client, link=POST, text=NOTE, file=image, csrf=False, **extra)
        assert _code(refused) == 400 and "mã chống giả mạo" in _text(refused)
    _nothing_stored(console.store)


def test_empty_report_is_refused(console: Console) -> None:
    refused = _send(console.client("canbo"), link="  ", text="")
    assert _code(refused) == 400 and "Tin cần một liên kết" in _text(refused)


def test_two_files_or_a_broken_body_are_refused(console: Console) -> None:
    client = console.client("canbo")
    files = [("screenshot", ("a.png", png(), "image/png")), ("other", ("b.png", png(), ""))]
    data = {"csrf_token": token(client, "/submit"), "link": POST}
    assert client.post("/submit", data=data, files=files).status_code == 400
    broken = client.post(
        "/submit",
        content=b"--x\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--x--\r\n",
        headers={"content-type": "multipart/form-data; boundary=x"},
    )
    assert broken.status_code == 400
    _nothing_stored(console.store)


def test_oversized_upload_is_cut_off_while_read(console: Console) -> None:
    """A 60 MB upload: the route stops reading soon after the image limit, answers with the
    form and the fields sent before the image, and stores nothing."""
    client = console.client("canbo")
    csrf = token(client, "/submit")
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    boundary = "----duluanbien"
    head = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in (("csrf_token", csrf), ("link", POST), ("text", NOTE))
    ).encode()
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="screenshot"; '
        'filename="lon.png"\r\nContent-Type: image/png\r\n\r\n'
    ).encode() + png()
    chunk = b"\x00" * 65536
    total = len(head) + 60 * 1000**2
    pulled = 0
    sent: list[Message] = []

    async def receive() -> Message:
        nonlocal pulled
        body = head if pulled == 0 else chunk
        pulled += len(body)
        return {"type": "http.request", "body": body, "more_body": pulled < total}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "https",
        "path": "/submit",
        "raw_path": b"/submit",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"testserver"),
            (b"cookie", cookie.encode()),
            (b"content-type", f"multipart/form-data; boundary={boundary}".encode()),
            (b"content-length", str(total).encode()),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 443),
    }
    asyncio.run(client.app(scope, receive, send))  # type: ignore[arg-type]
    start = next(m for m in sent if m["type"] == "http.response.start")
    page = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    assert start["status"] == 413
    text = page.decode()
    assert "Ảnh gửi lên quá lớn" in text and f">{NOTE}</textarea>" in text
    assert f'value="{POST}"' in text
    assert MAX_FILE_BYTES < pulled <= MAX_UPLOAD_BODY + len(chunk) < total // 5
    _nothing_stored(console.store)


def test_image_just_over_the_limit_is_refused(console: Console) -> None:
    image = png() + b"\x00" * (MAX_FILE_BYTES + 1 - len(png()))
    refused = _send(console.client("canbo"), link=POST, text=NOTE, file=("a.png", image, ""))
    assert _code(refused) == 400 and "quá lớn" in _text(refused)
    _nothing_stored(console.store)


def test_screenshot_download_is_an_image_attachment(console: Console) -> None:
    client = console.client("canbo")
    image = png(3, 1)
    cluster = _cluster(_send(client, text=NOTE, file=("anh.png", image, "text/html")))
    (shot,) = [e for e in console.store.list_evidence() if e.reason == REPORTED]
    assert f"/evidence/{shot.id}" in client.get(f"/items/{cluster}").text
    download = client.get(f"/evidence/{shot.id}")
    assert download.status_code == 200 and download.content == image
    assert download.headers["content-type"] == "application/octet-stream"
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment;") and disposition.endswith('.png"')
    assert "sandbox" in download.headers["content-security-policy"]
    assert download.headers["x-duluan-sha256"] == shot.sha256


def test_unit_officer_sees_its_own_report_only(console: Console) -> None:
    officer = console.client("dakpxi")
    done = _send(officer, text=NOTE, file=("a.png", png(), "image/png"))
    assert _code(done) == 303, _text(done)
    cluster = _cluster(done)
    (shot,) = [e for e in console.store.list_evidence() if e.reason == REPORTED]
    assert officer.get(f"/items/{cluster}").status_code == 200
    assert officer.get(f"/evidence/{shot.id}").status_code == 200
    other = console.client("phongtn")
    assert other.get(f"/items/{cluster}").status_code == 403
    assert other.get(f"/evidence/{shot.id}").status_code == 403
