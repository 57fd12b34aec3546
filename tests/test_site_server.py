"""The local outlet server itself, exercised with the standard library's HTTP clients."""

from __future__ import annotations

import gzip
import http.client
import json
import re
import socket
import struct
import threading
import time
import urllib.error
import urllib.request
import urllib.robotparser
import zlib
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.message import Message
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path

import lxml.html
import pytest

from tests.site.generate import generate_site
from tests.site.server import DATA_DIR, HUGE_SIZE, LocalSite, content_type_for


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(
    url: str, headers: dict[str, str] | None = None, method: str = "GET", timeout: float = 10
) -> tuple[int, Message, bytes]:
    """Status, headers and raw body of one request, without following redirects."""
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def _write(root: Path, relative: str, content: str | bytes) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    _write(
        data, "news/a.html", '<html><body><a href="{{BASE}}/news/b.html">Bài B</a></body></html>'
    )
    _write(data, "news/index.html", "<html><body>Trang chủ</body></html>")
    _write(data, "news/list.html", "<html><body>trang 1</body></html>")
    _write(data, "news/list.html@page=2", "<html><body>trang 2</body></html>")
    _write(data, "news/rss/home.rss", "<rss><channel><link>{{BASE}}/news/</link></channel></rss>")
    _write(data, "googlenews/rss/search", "<rss><channel><title>Google</title></channel></rss>")
    _write(data, "laodong/a.ldo", "<html><body><h1>Bài Lao Động</h1></body></html>")
    _write(data, "robots.txt", "User-agent: *\nDisallow: /news/private/\n")
    _write(tmp_path, "secret.txt", "bí mật")
    return data


@pytest.fixture
def site(root: Path) -> Iterator[LocalSite]:
    with LocalSite(root, slow_seconds=0.2) as running:
        yield running


def test_serves_files_with_base_substituted(site: LocalSite) -> None:
    status, headers, body = fetch(site.url("/news/a.html"))

    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert body.decode() == f'<html><body><a href="{site.base}/news/b.html">Bài B</a></body></html>'
    assert int(headers["Content-Length"]) == len(body)


def test_folder_serves_its_index_and_redirects_without_slash(site: LocalSite) -> None:
    assert fetch(site.url("/news/"))[2] == "<html><body>Trang chủ</body></html>".encode()

    status, headers, _ = fetch(site.url("/news"))
    assert status == 301
    assert headers["Location"] == site.url("/news/")


def test_query_maps_to_file_and_falls_back_to_path(site: LocalSite) -> None:
    assert fetch(site.url("/news/list.html?page=2"))[2] == b"<html><body>trang 2</body></html>"
    assert fetch(site.url("/news/list.html?page=3"))[2] == b"<html><body>trang 1</body></html>"

    status, headers, body = fetch(
        site.url("/googlenews/rss/search?q=site%3Avnexpress.net+%C4%90%C4%83k&hl=vi")
    )
    assert status == 200
    assert body == b"<rss><channel><title>Google</title></channel></rss>"
    assert headers["Content-Type"].startswith("application/xml")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/vnexpress/rss/tin-moi-nhat.rss", "application/rss+xml; charset=utf-8"),
        ("/vnexpress/google-news-sitemap.xml", "application/xml; charset=utf-8"),
        ("/x/feed.atom", "application/atom+xml; charset=utf-8"),
        ("/googlenews/rss/search", "application/xml; charset=utf-8"),
        ("/laodong/bai-viet-1234.ldo", "text/html; charset=utf-8"),
        ("/tienphong/bai-post1832551.tpo", "text/html; charset=utf-8"),
        ("/vietnamplus/bai-post907883.vnp", "text/html; charset=utf-8"),
        ("/vov/bai-post1293496.vov", "text/html; charset=utf-8"),
        ("/kontumtv/tin-tuc/tin-trong-nuoc/khai-mac-hoi-bao", "text/html; charset=utf-8"),
        ("/robots.txt", "text/plain; charset=utf-8"),
        ("/x/", "text/html; charset=utf-8"),
    ],
)
def test_content_type_by_extension(path: str, expected: str) -> None:
    assert content_type_for(path) == expected


def test_unknown_path_is_404_html(site: LocalSite) -> None:
    status, headers, body = fetch(site.url("/news/khong-co.html"))

    assert status == 404
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Không tìm thấy".encode() in body


@pytest.mark.parametrize("target", ["/../secret.txt", "/news/%2e%2e/%2e%2e/secret.txt"])
def test_path_traversal_is_refused(site: LocalSite, target: str) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", int(site.base.rsplit(":", 1)[1]))
    try:
        connection.request("GET", target)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()

    assert response.status in (403, 404)
    assert "bí mật".encode() not in body


def test_etag_and_last_modified_give_304(site: LocalSite) -> None:
    status, headers, body = fetch(site.url("/news/a.html"))
    etag, last_modified = headers["ETag"], headers["Last-Modified"]
    assert status == 200
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)

    status, headers_304, body_304 = fetch(site.url("/news/a.html"), {"If-None-Match": etag})
    assert (status, body_304) == (304, b"")
    assert headers_304["ETag"] == etag

    status, _, body_304 = fetch(site.url("/news/a.html"), {"If-Modified-Since": last_modified})
    assert (status, body_304) == (304, b"")

    older = formatdate(parsedate_to_datetime(last_modified).timestamp() - 60, usegmt=True)
    assert fetch(site.url("/news/a.html"), {"If-Modified-Since": older})[0] == 200
    assert fetch(site.url("/news/a.html"), {"If-None-Match": '"autre"'})[2] == body


def test_head_sends_headers_only(site: LocalSite) -> None:
    _, get_headers, body = fetch(site.url("/news/a.html"))
    status, headers, head_body = fetch(site.url("/news/a.html"), method="HEAD")

    assert status == 200
    assert head_body == b""
    assert int(headers["Content-Length"]) == len(body)
    assert headers["ETag"] == get_headers["ETag"]


def test_gzip_when_client_accepts_it(site: LocalSite) -> None:
    _, plain_headers, plain = fetch(site.url("/news/a.html"))
    status, headers, packed = fetch(site.url("/news/a.html"), {"Accept-Encoding": "gzip, deflate"})

    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert plain_headers["Content-Encoding"] is None
    assert int(headers["Content-Length"]) == len(packed)
    assert gzip.decompress(packed) == plain
    assert headers["ETag"] == plain_headers["ETag"]


def test_override_changes_content_and_validators(site: LocalSite) -> None:
    _, before, _ = fetch(site.url("/news/rss/home.rss"))

    site.override(
        "/news/rss/home.rss", "<rss><channel><item>{{BASE}}/news/moi.html</item></channel></rss>"
    )
    status, after, body = fetch(site.url("/news/rss/home.rss"), {"If-None-Match": before["ETag"]})

    assert status == 200
    assert body.decode() == f"<rss><channel><item>{site.base}/news/moi.html</item></channel></rss>"
    assert after["Content-Type"] == "application/rss+xml; charset=utf-8"
    assert after["ETag"] != before["ETag"]
    assert parsedate_to_datetime(after["Last-Modified"]) > parsedate_to_datetime(
        before["Last-Modified"]
    )
    assert (
        fetch(site.url("/news/rss/home.rss"), {"If-Modified-Since": before["Last-Modified"]})[0]
        == 200
    )

    site.override("/news/rss/home.rss", b"<rss>v3</rss>", "text/xml")
    status, third, body = fetch(
        site.url("/news/rss/home.rss"), {"If-Modified-Since": after["Last-Modified"]}
    )
    assert (status, body, third["Content-Type"]) == (200, b"<rss>v3</rss>", "text/xml")


def test_override_can_create_a_new_path_with_query(site: LocalSite) -> None:
    site.override("/news/list.html?page=9", "<html>trang 9</html>")

    assert fetch(site.url("/news/list.html?page=9"))[2] == b"<html>trang 9</html>"
    assert fetch(site.url("/news/list.html"))[2] == b"<html><body>trang 1</body></html>"


def test_remove_answers_404_until_overridden(site: LocalSite) -> None:
    site.remove("/news/a.html")
    assert fetch(site.url("/news/a.html"))[0] == 404

    site.override("/news/a.html", "<html>đăng lại</html>")
    assert fetch(site.url("/news/a.html"))[2] == "<html>đăng lại</html>".encode()


def test_redirects_answer_302(root: Path) -> None:
    redirects = {
        "/googlenews/rss/articles/CBMiabc": "/news/a.html",
        "/ra-ngoai": "https://vnexpress.net/bai-5120560.html",
    }
    with LocalSite(root, redirects=redirects) as site:
        status, headers, _ = fetch(site.url("/googlenews/rss/articles/CBMiabc?oc=5"))
        assert status == 302
        assert headers["Location"] == site.url("/news/a.html")
        assert (
            fetch(site.url("/ra-ngoai"))[1]["Location"] == "https://vnexpress.net/bai-5120560.html"
        )

        with urllib.request.urlopen(
            site.url("/googlenews/rss/articles/CBMiabc"), timeout=10
        ) as followed:
            assert b"B\xc3\xa0i B" in followed.read()


def test_cookie_challenge_then_file(site: LocalSite) -> None:
    status, headers, first = fetch(site.url("/laodong/a.ldo"))

    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    match = re.search(rb'document\.cookie="([A-Za-z0-9]+)=([0-9a-f]+)"', first)
    assert match is not None
    assert b"window.location.reload(true)" in first
    assert "Lao Động".encode() not in first
    cookie = f"{match.group(1).decode()}={match.group(2).decode()}"
    assert cookie == site.challenge_cookie
    assert fetch(site.url("/laodong/khong-co.ldo"))[2] == first

    status, _, body = fetch(site.url("/laodong/a.ldo"), {"Cookie": f"foo=bar; {cookie}"})
    assert (status, body) == (200, "<html><body><h1>Bài Lao Động</h1></body></html>".encode())

    assert fetch(site.url("/laodong/a.ldo"), {"Cookie": "D1N=0000"})[2] == first
    assert fetch(site.url("/news/a.html"))[0] == 200


def test_challenge_value_differs_between_servers(root: Path) -> None:
    with LocalSite(root) as one, LocalSite(root) as two:
        assert one.challenge_cookie != two.challenge_cookie
        assert fetch(one.url("/laodong/a.ldo"), {"Cookie": two.challenge_cookie})[2].startswith(
            b"<html><body><script>"
        )


@pytest.mark.parametrize(
    ("path", "status", "content_type"),
    [
        ("/bad/500", 500, "text/html; charset=utf-8"),
        ("/bad/403", 403, "text/html; charset=utf-8"),
        ("/bad/404-feed.rss", 404, "text/html; charset=utf-8"),
        ("/bad/not-xml.rss", 200, "application/rss+xml; charset=utf-8"),
        ("/bad/no-article.html", 200, "text/html; charset=utf-8"),
    ],
)
def test_bad_routes_status(site: LocalSite, path: str, status: int, content_type: str) -> None:
    got_status, headers, body = fetch(site.url(path))

    assert got_status == status
    assert headers["Content-Type"] == content_type
    assert body.lstrip().lower().startswith((b"<!doctype html", b"<html"))


def test_no_article_page_has_only_links(site: LocalSite) -> None:
    page = lxml.html.fromstring(fetch(site.url("/bad/no-article.html"))[2])

    assert len(page.xpath("//nav//a")) >= 5
    assert page.xpath("//article | //p | //h1") == []


def test_slow_routes_answer_after_the_delay(site: LocalSite) -> None:
    status, headers, body = fetch(site.url("/bad/slow.rss"))

    assert status == 200
    assert headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    assert f"<link>{site.base}/bad/no-article.html</link>".encode() in body
    assert fetch(site.url("/bad/slow"))[0] == 200


def test_slow_route_outlasts_a_short_client_timeout(root: Path) -> None:
    with (
        LocalSite(root, slow_seconds=5) as site,
        pytest.raises((TimeoutError, urllib.error.URLError)),
    ):
        fetch(site.url("/bad/slow"), timeout=0.2)


def test_server_stops_while_a_slow_route_runs(root: Path) -> None:
    outcome: list[object] = []
    site = LocalSite(root, slow_seconds=600)
    site.start()
    idle = http.client.HTTPConnection("127.0.0.1", int(site.base.rsplit(":", 1)[1]))
    idle.request("GET", "/news/a.html")
    idle.getresponse().read()

    def slow_client() -> None:
        try:
            outcome.append(fetch(site.url("/bad/slow"), timeout=60)[0])
        except Exception as error:
            outcome.append(error)

    client = threading.Thread(target=slow_client)
    client.start()
    for _ in range(1000):
        if site.active_connections == 2:
            break
        time.sleep(0.01)
    assert site.active_connections == 2
    site.stop()
    client.join(timeout=20)
    idle.close()

    assert not client.is_alive()
    assert len(outcome) == 1 and not isinstance(outcome[0], int)


def test_huge_page_streams_30_mb(site: LocalSite) -> None:
    status, headers, _ = fetch(site.url("/bad/huge.html"), method="HEAD")
    assert status == 200
    assert int(headers["Content-Length"]) == HUGE_SIZE

    status, _, body = fetch(site.url("/bad/huge.html"), {"Accept-Encoding": "gzip"})
    assert len(body) == HUGE_SIZE
    assert body.startswith(b"<!DOCTYPE html>")
    assert body.rstrip().endswith(b"</html>")
    assert site.requests[-1].bytes_sent > HUGE_SIZE


def test_gzip_bomb_is_small_on_the_wire(site: LocalSite) -> None:
    status, headers, packed = fetch(site.url("/bad/gzip-bomb.html"))

    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert int(headers["Content-Length"]) == len(packed)
    assert 500_000 < len(packed) < 2_000_000
    inflated_size = struct.unpack("<I", packed[-4:])[0]
    assert inflated_size >= 1 << 30
    head = zlib.decompressobj(31).decompress(packed[:4096], 1 << 20)
    assert head.startswith(b"<!DOCTYPE html>")
    assert len(head) == 1 << 20


def test_broken_encoding_page(site: LocalSite) -> None:
    status, headers, body = fetch(site.url("/bad/broken-encoding.html"))

    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert b'<meta charset="utf-8">' in body
    assert "xã Đăk Pxi".encode() in body
    assert b"Nguy\xea\xden V\xe3n H\xf9ng" in body
    assert "Nguyễn Văn Hùng".encode() not in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")


def test_redirect_loop(site: LocalSite) -> None:
    status, headers, _ = fetch(site.url("/bad/redirect-loop"))
    assert (status, headers["Location"]) == (302, site.url("/bad/redirect-loop-2"))
    status, headers, _ = fetch(site.url("/bad/redirect-loop-2"))
    assert (status, headers["Location"]) == (302, site.url("/bad/redirect-loop"))

    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(site.url("/bad/redirect-loop"), timeout=10)


def test_reset_closes_without_answer(site: LocalSite) -> None:
    with pytest.raises((http.client.HTTPException, ConnectionError, urllib.error.URLError)):
        fetch(site.url("/bad/reset"))

    assert site.requests[-1].path == "/bad/reset"
    assert site.requests[-1].status == 0
    assert site.requests[-1].bytes_sent == 0


def test_js_redirect_points_to_no_article(site: LocalSite) -> None:
    body = fetch(site.url("/bad/js-redirect.html"))[2]

    assert f'window.location.href="{site.base}/bad/no-article.html"'.encode() in body


def test_shared_robots_txt() -> None:
    with LocalSite(DATA_DIR) as site:
        status, _, body = fetch(site.url("/robots.txt"))
        parser = urllib.robotparser.RobotFileParser()
        parser.parse(body.decode().splitlines())

    assert status == 200
    assert not parser.can_fetch("duluan", site.url("/vnexpress/private/a.html"))
    assert not parser.can_fetch("duluan", site.url("/bad/private/a.html"))
    assert parser.can_fetch("duluan", site.url("/vnexpress/rss/tin-moi-nhat.rss"))
    assert parser.can_fetch("duluan", site.url("/bad/500"))


def test_byte_accounting_matches_the_wire(site: LocalSite) -> None:
    site.reset_log()
    port = int(site.base.rsplit(":", 1)[1])
    request = b"GET /news/a.html HTTP/1.1\r\nHost: x\r\nUser-Agent: duluan-test\r\n\r\n"
    closing = b"HEAD /news/a.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    received = b""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request + closing)
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk

    hits = site.requests
    assert [(hit.method, hit.path, hit.status) for hit in hits] == [
        ("GET", "/news/a.html", 200),
        ("HEAD", "/news/a.html", 200),
    ]
    assert hits[0].headers["User-Agent"] == "duluan-test"
    assert sum(hit.bytes_sent for hit in hits) == len(received) == site.bytes_sent
    assert received.startswith(b"HTTP/1.1 200 ")
    assert hits[1].bytes_sent == len(received) - received.index(b"</html>") - len(b"</html>")

    site.reset_log()
    assert (site.requests, site.bytes_sent) == ([], 0)


def test_keep_alive_serves_several_requests_on_one_connection(site: LocalSite) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", int(site.base.rsplit(":", 1)[1]))
    try:
        connection.request("GET", "/news/a.html")
        connection.getresponse().read()
        first_socket = connection.sock
        connection.request("GET", "/news/list.html?page=2")
        response = connection.getresponse()
        body = response.read()
        second_socket = connection.sock
    finally:
        connection.close()

    assert first_socket is not None and second_socket is first_socket
    assert response.getheader("Connection") is None
    assert response.status == 200 and body == b"<html><body>trang 2</body></html>"
    assert site.requests[-1].path == "/news/list.html?page=2"


def test_generated_outlet_is_served(tmp_path: Path) -> None:
    paths = generate_site(tmp_path, 6, seed=3)

    assert len(set(paths)) == 6
    assert all(re.fullmatch(r"/bench/[a-z0-9-]+-\d{7}\.html", path) for path in paths)
    with LocalSite(tmp_path) as site:
        feed = fetch(site.url("/bench/rss/tin-moi-nhat.rss"))[2].decode()
        sitemap = fetch(site.url("/bench/google-news-sitemap.xml"))[2].decode()
        status, _, page = fetch(site.url(paths[0]))

    assert "{{BASE}}" not in feed
    assert sorted(re.findall(r"<link>(.*?)</link>", feed)[1:]) == sorted(
        site.base + path for path in paths
    )
    assert sitemap.count("<news:publication_date>2026-11-2") == 6
    assert status == 200
    document = lxml.html.fromstring(page)
    text = " ".join(p.text_content() for p in document.cssselect("article.fck_detail p.Normal"))
    text += document.cssselect("p.description")[0].text_content()
    assert 3000 <= len(text.encode()) <= 8500
    assert document.cssselect("h1.title-detail")[0].text_content()
    assert document.cssselect("nav a") and document.cssselect("footer")
    assert document.cssselect(".box-tinlienquanv2 a")
    ld = json.loads(document.cssselect('script[type="application/ld+json"]')[0].text)
    published = datetime.fromisoformat(ld["datePublished"])
    assert ld["@type"] == "NewsArticle"
    assert published.utcoffset() == timedelta(hours=7)
    assert "2026-11-20" <= published.date().isoformat() <= "2026-11-26"


def test_generation_is_deterministic(tmp_path: Path) -> None:
    first = generate_site(tmp_path / "a", 4, seed=7)
    second = generate_site(tmp_path / "b", 4, seed=7)
    other = generate_site(tmp_path / "c", 4, seed=8)

    assert first == second != other
    assert (tmp_path / "a" / first[0].lstrip("/")).read_bytes() == (
        tmp_path / "b" / second[0].lstrip("/")
    ).read_bytes()
