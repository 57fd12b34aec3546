"""Property tests for the parsers hostile input reaches first: whatever bytes an outlet (or an
attacker in its place) serves as a feed or a sitemap, and whatever text stands in a date field,
only the documented outcome comes out: a Feed or FeedError, a Sitemap or SitemapError, a
tz-aware datetime or None."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import example, given, settings
from hypothesis import strategies as st

from crawler.dates import parse_date
from crawler.feeds import Feed, FeedError, parse_feed
from crawler.sitemaps import Sitemap, SitemapError, parse_sitemap, shard_end

FAST = settings(max_examples=150, deadline=None)

# Pieces of the real documents, so that generated input goes past the first `<`.
_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40
)
_DATES = st.one_of(
    _TEXT,
    st.sampled_from(
        [
            "2026-11-26T07:00:00+07:00",
            "2026-13-45T99:99:99+99:99",
            "2026-01-01T00:00:00-23:59",
            "Thu, 26 Nov 2026 07:00:00 +0700",
            "Thu, 26 Nov 2026 07:00:00 +9999",
            "10/5/2026 3:42:00 PM",
            "Thứ hai, 29/12/2025, 15:50 (GMT+7)",
            "29/12/2025 GMT+99",
            "00/00/0000",
            "9999-12-31T23:59:59-12:00",
            "0001-01-01T00:00:00+14:00",
            "&#x1F600;",
            "]]>",
        ]
    ),
)
_ATTR = st.sampled_from(["", ' href="https://a.vn/x.html"', ' xmlns="http://www.w3.org/2005/Atom"'])


@st.composite
def _rss(draw: st.DrawFn) -> bytes:
    items = draw(
        st.lists(
            st.tuples(_TEXT, _TEXT, _DATES, _TEXT, _TEXT),
            max_size=4,
        )
    )
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><pubDate>{d}</pubDate>"
        f"<description>{desc}</description><category>{cat}</category></item>"
        for t, link, d, desc, cat in items
    )
    head = draw(
        st.sampled_from(['<?xml version="1.0"?>', "", '<?xml version="1.0" encoding="x"?>'])
    )
    return f'{head}<rss version="2.0"><channel><title>T</title>{body}</channel></rss>'.encode(
        draw(st.sampled_from(["utf-8", "utf-16", "latin-1"])), errors="replace"
    )


@st.composite
def _atom(draw: st.DrawFn) -> bytes:
    entries = draw(st.lists(st.tuples(_TEXT, _ATTR, _DATES, _TEXT), max_size=4))
    body = "".join(
        f"<entry><title type='html'>{t}</title><link{attr}/><updated>{d}</updated>"
        f"<summary type='xhtml'>{s}</summary></entry>"
        for t, attr, d, s in entries
    )
    return f'<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>{body}</feed>'.encode()


@st.composite
def _sitemap(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["urlset", "sitemapindex", "rss", "html", "urlset:news"]))
    nodes = draw(st.lists(st.tuples(_TEXT, _DATES, _TEXT), max_size=4))
    if kind == "urlset:news":
        inner = "".join(
            f"<url><loc>{loc}</loc><news:news><news:publication_date>{d}"
            f"</news:publication_date><news:title>{t}</news:title></news:news></url>"
            for loc, d, t in nodes
        )
        return (
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + inner + "</urlset>"
        ).encode()
    child = {"urlset": "url", "sitemapindex": "sitemap", "rss": "item", "html": "p"}[kind]
    inner = "".join(
        f"<{child}><loc>{loc}</loc><lastmod>{d}</lastmod><title>{t}</title></{child}>"
        for loc, d, t in nodes
    )
    prolog = draw(
        st.sampled_from(
            [
                "",
                '<?xml version="1.0"?>',
                '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
                '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>',
            ]
        )
    )
    return f"{prolog}<{kind}>{inner}</{kind}>".encode()


_HOSTILE_BYTES = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(lambda t: t.encode("utf-8", errors="surrogatepass")),
)


@FAST
@given(st.one_of(_HOSTILE_BYTES, _rss(), _atom(), _sitemap()))
@example(b"")
@example(b"<rss><channel><item><link>x</link><pubDate>2026-01-01T00:00+25:00</pubDate></item>")
@example(b"\xef\xbb\xbf<feed xmlns='http://www.w3.org/2005/Atom'><entry><link href='x'/>")
def test_parse_feed_returns_a_feed_or_raises_feed_error(body: bytes) -> None:
    try:
        feed = parse_feed(body, "https://a.vn/rss")
    except FeedError:
        return
    assert isinstance(feed, Feed)
    for link in feed.links:
        assert link.url
        for when in (link.published_at, link.updated_at):
            assert when is None or when.tzinfo is not None


@FAST
@given(st.one_of(_HOSTILE_BYTES, _sitemap(), _rss()))
@example(b"")
@example(b"   ")
@example(b"<?xml version='1.0'?>")
@example(b"<?xml ><:")  # found by hypothesis: lxml's recovering parser keeps a root named ':'
@example(b"<urlset><?pi x?><url><loc>x</loc></url></urlset>")
@example(b"<urlset><url><loc>x</loc><lastmod>2026-01-01T00:00:00+24:00</lastmod></url></urlset>")
def test_parse_sitemap_returns_a_sitemap_or_raises_sitemap_error(body: bytes) -> None:
    try:
        sitemap = parse_sitemap(body)
    except SitemapError:
        return
    assert isinstance(sitemap, Sitemap)
    for child in sitemap.children:
        assert child.url and (child.lastmod is None or child.lastmod.tzinfo is not None)
    for link in sitemap.links:
        assert link.url


@settings(max_examples=400, deadline=None)
@given(st.one_of(_DATES, st.text(max_size=60), st.none()), st.sampled_from([None, True, False]))
@example("2026-01-01T00:00:00+24:00", None)
@example("2026-01-01 10:00 +99:99", None)
@example("29/12/2025 15:50 (GMT+25)", None)
@example("29/12/2025 15:50 GMT-99:99", None)
@example("9999-12-31T23:59:59-12:00", None)
@example("0001-01-01T00:00:00+14:00", None)
def test_parse_date_returns_an_aware_datetime_or_none(
    text: str | None, dayfirst: bool | None
) -> None:
    value = parse_date(text, dayfirst=dayfirst)
    assert value is None or (isinstance(value, datetime) and value.tzinfo is not None)
    if value is not None:
        value.astimezone(UTC)  # storable: storage keeps UTC


@FAST
@given(
    st.one_of(
        st.text(max_size=80),
        st.from_regex(r"https://a\.vn/sitemap-20\d\d-\d{1,3}-\d{1,3}(-\d{1,3})?\.xml"),
    )
)
def test_shard_end_is_a_date_or_none(url: str) -> None:
    end = shard_end(url)
    assert end is None or end.year >= 2000
