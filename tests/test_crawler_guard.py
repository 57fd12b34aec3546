"""The fetch guard (crawler/guard.py): hostile feeds, sitemaps, listings and redirects never
steer a fetch to an internal address or outside the source, in the crawl and in every other
fetcher (evidence); every spelling of a loopback address is caught."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from crawler.guard import Guard, Refused, Scope, fetch, ip_literal, is_public
from storage import Store
from tests.kit.crawl import by_source, crawl, stored, write_config
from tests.site.server import LocalSite

BODY = "".join(
    f"<p>{i}. Người dân xã Đăk Pxi, huyện Đăk Hà đã nhận được nước sạch về tận thôn trong "
    "tháng này, sau nhiều năm phải gánh nước từ suối về dùng hằng ngày.</p>"
    for i in range(6)
)


def page(title: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="vi"><head><title>{title}</title><script type="application'
        f'/ld+json">{{"@type":"NewsArticle","headline":"{title}","datePublished":'
        f'"2026-11-25T08:00:00+07:00"}}</script></head><body><h1>{title}</h1>'
        f"<article>{BODY}</article></body></html>"
    )


INTERNAL = ("127.0.0.1", "localhost", "0.0.0.0", "2130706433", "0177.0.0.1", "[::ffff:127.0.0.1]")


@pytest.fixture
def internal(tmp_path: Path) -> Iterator[LocalSite]:
    """A service on another port of this machine: it must never be reached."""
    root = tmp_path / "internal"
    root.mkdir()
    for n in range(10):
        (root / f"secret-{n}.html").write_text(page(f"Bí mật nội bộ {n}"), encoding="utf-8")
    with LocalSite(root) as running:
        yield running


@pytest.fixture
def outlet(tmp_path: Path, internal: LocalSite) -> Iterator[LocalSite]:
    """An outlet whose feed, sitemap, listing and a redirect lead to the internal service."""
    port = internal.base.rsplit(":", 1)[1]
    hostile = [f"http://{host}:{port}/secret-{n}.html" for n, host in enumerate(INTERNAL)]
    hostile.append("file:///etc/passwd-7.html")
    root = tmp_path / "outlet"
    (root / "thu").mkdir(parents=True)
    (root / "thu" / "good-1.html").write_text(page("Bài thật của báo"), encoding="utf-8")
    for name, moved in (("feed", "moved-8.html"), ("feed2", "moved-8.html?via=2")):
        links = [*hostile, "{{BASE}}/thu/good-1.html", "{{BASE}}/thu/" + moved]
        items = "".join(
            f"<item><title>Tin {n}</title><link>{url}</link>"
            "<pubDate>Wed, 25 Nov 2026 08:00:00 +0700</pubDate></item>"
            for n, url in enumerate(links)
        )
        (root / "thu" / f"{name}.rss").write_text(
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}'
            "</channel></rss>",
            encoding="utf-8",
        )
    (root / "thu" / "sitemap.xml").write_text(
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>http://127.0.0.1:{port}/secret-9.html</loc></url>"
        f"<url><loc>http://localhost:{port}/secret-8.html</loc></url></urlset>",
        encoding="utf-8",
    )
    anchors = "".join(f'<a href="{url}">{url}</a>' for url in hostile)
    (root / "thu" / "list.html").write_text(f"<html><body>{anchors}</body></html>")
    redirects = {
        "/thu/moved-8.html": f"http://127.0.0.1:{port}/secret-8.html",
        "/thu/moved-8.html?via=2": f"http://127.0.0.1:{port}/secret-9.html",
    }
    with LocalSite(root, redirects=redirects) as running:
        yield running


SOURCES = """
  - name: thu
    title: Báo Thử
    feeds: ['{{BASE}}/thu/feed.rss']
    sitemaps: ['{{BASE}}/thu/sitemap.xml']
    listings: [{url: '{{BASE}}/thu/list.html', article_pattern: '-\\d+\\.html$'}]
    article_pattern: '-\\d+\\.html$'
  - name: tonghop
    title: Trang tổng hợp
    feeds: ['{{BASE}}/thu/feed2.rss']
    offsite: true
"""


def test_crawl_never_reaches_an_internal_address(
    outlet: LocalSite, internal: LocalSite, tmp_path: Path
) -> None:
    # Generous time limits: a slow answer under load must not change the counts below.
    config = write_config(tmp_path, outlet.base, SOURCES)
    config = config.model_copy(
        update={"crawl": config.crawl.model_copy(update={"timeout": timedelta(seconds=20)})}
    )
    db_url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    summary = by_source(crawl(config, db_url))
    assert internal.requests == []
    urls = {a.url for a in stored(db_url)}
    assert urls == {outlet.url("/thu/good-1.html")}
    # thu: 6 feed links + 2 sitemap locs + 6 listing links refused before any request, and the
    # outlet's redirect to the internal service refused at the hop (file:// links never even
    # become links: feedparser and the listing parser drop them).
    assert summary["thu"].refused == 15
    # Both feeds link the good page: whichever source fetches it first stores it.
    assert summary["thu"].new + summary["tonghop"].new == 1
    # tonghop (offsite: any public host): the 6 internal spellings, and the redirect.
    assert summary["tonghop"].refused == 7
    with Store.open(db_url) as store, store._read() as session:
        from sqlalchemy import select

        from storage.models import SourceRunRow

        assert sorted(session.scalars(select(SourceRunRow.refused))) == [7, 15]


def test_evidence_fetch_refuses_internal_addresses_and_redirect_hops(
    outlet: LocalSite, internal: LocalSite
) -> None:
    from cases.evidence import http_fetcher

    fetch_page = http_fetcher("duluan-test", Guard.trusting([outlet.base]))
    port = internal.base.rsplit(":", 1)[1]
    for host in INTERNAL:
        got = fetch_page(f"http://{host}:{port}/secret-1.html")
        assert got.status is None and got.error and "nội bộ" in got.error
    moved = fetch_page(outlet.url("/thu/moved-8.html"))
    assert moved.status is None and moved.error and "nội bộ" in moved.error
    assert internal.requests == []
    assert fetch_page(outlet.url("/thu/good-1.html")).status == 200


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "127.1",
        "2130706433",
        "0177.0.0.1",
        "0x7f.0.0.1",
        "0x7f000001",
        "0.0.0.0",
        "0",
        "::1",
        "[::1]",
        "::ffff:127.0.0.1",
        "::ffff:7f00:1",
        "::",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "fe80::1",
        "fc00::1",
        "224.0.0.1",
        "ff02::1",
        "240.0.0.1",
        "255.255.255.255",
        "64:ff9b::7f00:1",
        "2002:7f00:1::1",
        "2001:db8::1",
    ],
)
def test_every_spelling_of_an_internal_address_is_not_public(host: str) -> None:
    address = ip_literal(host)
    assert address is not None
    assert not is_public(address)


@pytest.mark.parametrize("host", ["8.8.8.8", "1.1.1.1", "2001:4860:4860::8888", "[2606:4700::1]"])
def test_public_addresses_pass(host: str) -> None:
    address = ip_literal(host)
    assert address is not None and is_public(address)


def test_names_are_not_literals() -> None:
    assert ip_literal("vnexpress.net") is None and ip_literal("1.example") is None


def test_scope_allows_own_hosts_and_declared_domains_only() -> None:
    scope = Scope.of(
        "thu", ["https://www.baothu.vn/rss/a.rss", "http://127.0.0.1:8001/x"], ["cdn.thu.vn"]
    )
    for ok in [
        "https://www.baothu.vn/bai-1.html",
        "http://www.baothu.vn/bai-1.html",
        "https://baothu.vn/bai-1.html",
        "https://anh.cdn.thu.vn/x.jpg",
        "https://cdn.thu.vn/x.jpg",
        "http://127.0.0.1:8001/bai-2.html",
    ]:
        scope.check(ok)
    for bad, kind in [
        ("https://evil.vn/bai-1.html", "offsite"),
        ("https://www.baothu.vn.evil.vn/bai-1.html", "offsite"),
        ("https://notcdn.thu.vn/x", "offsite"),
        ("https://www.baothu.vn:8443/bai-1.html", "offsite"),
        ("http://127.0.0.1:8002/bai-1.html", "offsite"),
        ("http://2130706433:8001/bai-1.html", "offsite"),
        ("javascript:alert(1)", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("ftp://www.baothu.vn/x", "scheme"),
        ("http://[::1", "scheme"),
    ]:
        with pytest.raises(Refused) as refused:
            scope.check(bad)
        assert refused.value.kind == kind, bad


def fixed(answers: dict[str, list[str]]) -> object:
    def resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        literal = ip_literal(host)
        if literal is not None:
            return [literal]
        return [ipaddress.ip_address(a) for a in answers[host]]

    return resolve


def test_the_address_is_checked_after_resolution() -> None:
    guard = Guard(
        {"tonghop": Scope.of("tonghop", ["https://news.example/rss"], offsite=True)},
        fixed({"rebind.example": ["93.184.216.34", "127.0.0.1"], "ok.example": ["8.8.8.8"]}),  # type: ignore[arg-type]
    )
    scope = guard.scope("tonghop")
    with pytest.raises(Refused) as refused:
        guard.addresses("https://rebind.example/bai", scope)
    assert refused.value.kind == "private"
    assert [str(a) for a in guard.addresses("https://ok.example/bai", scope)] == ["8.8.8.8"]


def test_fetch_connects_to_the_address_it_checked(outlet: LocalSite) -> None:
    """A name only our resolver knows: the connection goes to the checked address, with the
    name in the Host header (no second DNS answer between check and connect)."""
    port = outlet.base.rsplit(":", 1)[1]
    guard = Guard.trusting(
        [f"http://outlet.invalid:{port}/"],
        fixed({"outlet.invalid": ["127.0.0.1"]}),  # type: ignore[arg-type]
    )
    got = fetch(f"http://outlet.invalid:{port}/thu/good-1.html", guard)
    assert got.status == 200 and b"B\xc3\xa0i th\xe1\xba\xadt" in got.body
    hit = outlet.requests[-1]
    assert hit.path == "/thu/good-1.html"


def test_fetch_follows_a_bounded_number_of_redirects(outlet: LocalSite) -> None:
    import httpx

    guard = Guard.trusting([outlet.base])
    with pytest.raises(httpx.TooManyRedirects):
        fetch(outlet.url("/bad/redirect-loop"), guard)


def test_the_crawl_resolver_never_hands_out_an_internal_address() -> None:
    """The second line against DNS rebinding: whatever asked, a name other than a source's own
    host never resolves to an internal address in the crawl."""
    from crawler.middlewares import GuardedResolver, PrivateAddressError

    with pytest.raises(PrivateAddressError):
        GuardedResolver._public("127.0.0.1", "rebind.example")
    with pytest.raises(PrivateAddressError):
        GuardedResolver._public("169.254.169.254", "metadata.example")
    assert GuardedResolver._public("93.184.216.34", "ok.example") == "93.184.216.34"


def test_fetch_cuts_a_huge_page_at_the_limit(outlet: LocalSite) -> None:
    """A 30 MB page (streamed, and announced) is read only up to the limit and said so."""
    guard = Guard.trusting([outlet.base])
    for path in ("/bad/huge.html", "/bad/huge-stream.html"):
        got = fetch(outlet.url(path), guard, max_bytes=100_000)
        assert got.truncated and len(got.body) == 100_000, path
