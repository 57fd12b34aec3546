"""The sample outlets of `duluan demo`: hand-written articles (articles.yaml) served by a local
HTTP server as two small news sites, each with an RSS 2.0 feed and article pages structured as
real outlets' are (og tags, JSON-LD, a time, an author, body paragraphs). Publication times are
relative to the moment the server starts, so every screen of a demo has recent content."""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime
from functools import cache
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

import yaml

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
COPY_ID_OFFSET = 10_000  # a syndicated copy's page number: the original's plus this


@dataclass(frozen=True)
class SamplePage:
    """One article page of a sample outlet."""

    id: int
    outlet: str
    title: str
    lead: str
    body: tuple[str, ...]
    author: str
    section: str
    published: datetime
    case: bool = False  # the demo opens a case on this story
    assign: bool = False  # the demo hands this story to its unit
    elsewhere: bool = False  # about a place outside the sample's area: never alerted

    @property
    def path(self) -> str:
        return f"/{self.outlet}/{slug(self.title)}-{self.id}.html"


@cache
def _data() -> dict[str, Any]:
    text = resources.files("duluan.demo").joinpath("articles.yaml").read_text(encoding="utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


def outlets() -> dict[str, str]:
    """The sample outlets: path name → title ("bao-mau" → "Báo Mẫu")."""
    return dict(_data()["outlets"])


def sample_locality() -> dict[str, Any]:
    """The `locality:` the sample articles are written about (the shipped config's area)."""
    return dict(_data()["locality"])


def slug(title: str) -> str:
    """An ASCII slug of a Vietnamese title, as outlets put in their addresses."""
    plain = unicodedata.normalize("NFKD", title.replace("đ", "d").replace("Đ", "D"))
    ascii_only = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-")


def sample_pages(now: datetime) -> list[SamplePage]:
    """Every page, originals and their syndicated copies, dated relative to `now`, newest
    first."""
    pages = []
    for item in _data()["articles"]:
        published = (now - timedelta(hours=item["hours_ago"])).astimezone(VIETNAM)
        original = SamplePage(
            id=item["id"],
            outlet=item["outlet"],
            title=item["title"],
            lead=item["lead"],
            body=tuple(item["body"]),
            author=item["author"],
            section=item["section"],
            published=published.replace(second=0, microsecond=0),
            case=bool(item.get("case")),
            assign=bool(item.get("assign")),
            elsewhere=bool(item.get("elsewhere")),
        )
        pages.append(original)
        copy = item.get("copy")
        if copy:
            pages.append(
                SamplePage(
                    id=original.id + COPY_ID_OFFSET,
                    outlet=copy["outlet"],
                    title=copy.get("title", original.title),
                    lead=original.lead,
                    body=original.body,
                    author=original.author,
                    section=original.section,
                    elsewhere=original.elsewhere,
                    published=min(
                        original.published + timedelta(hours=copy["hours_later"]),
                        now.astimezone(VIETNAM).replace(second=0, microsecond=0),
                    ),
                )
            )
    return sorted(pages, key=lambda p: p.published, reverse=True)


def render_feed(outlet: str, pages: list[SamplePage], base: str) -> str:
    """The outlet's RSS 2.0 feed of its pages, newest first."""
    title = outlets()[outlet]
    items = "".join(
        f"""
  <item>
    <title>{escape(p.title)}</title>
    <link>{base}{p.path}</link>
    <guid isPermaLink="true">{base}{p.path}</guid>
    <description>{escape(p.lead)}</description>
    <category>{escape(p.section)}</category>
    <pubDate>{format_datetime(p.published)}</pubDate>
  </item>"""
        for p in pages
        if p.outlet == outlet
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
<channel>
  <title>{escape(title)} - Tin mới nhất</title>
  <link>{base}/{outlet}/</link>
  <description>Tin tức của {escape(title)} (trang mẫu của duluan)</description>
  <language>vi</language>{items}
</channel>
</rss>
"""


def render_page(page: SamplePage, base: str) -> str:
    """An article page in the shape of a Vietnamese outlet's."""
    site = outlets()[page.outlet]
    url = base + page.path
    iso = page.published.isoformat()
    shown = page.published.strftime("%d/%m/%Y %H:%M")
    paragraphs = "\n".join(f"<p>{escape(text)}</p>" for text in page.body)
    ld = (
        '{"@context":"https://schema.org","@type":"NewsArticle",'
        f'"headline":{_json(page.title)},"description":{_json(page.lead)},'
        f'"datePublished":"{iso}","author":{{"@type":"Person","name":{_json(page.author)}}},'
        f'"publisher":{{"@type":"Organization","name":{_json(site)}}}}}'
    )
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>{escape(page.title)} | {escape(site)}</title>
<meta name="description" content="{escape(page.lead)}">
<link rel="canonical" href="{url}">
<meta property="og:site_name" content="{escape(site)}">
<meta property="og:type" content="article">
<meta property="og:title" content="{escape(page.title)}">
<meta property="og:description" content="{escape(page.lead)}">
<meta property="og:url" content="{url}">
<meta property="article:published_time" content="{iso}">
<meta property="article:section" content="{escape(page.section)}">
<script type="application/ld+json">{ld}</script>
</head>
<body>
<header><a href="{base}/{page.outlet}/">{escape(site)}</a>
<nav><a href="{base}/{page.outlet}/">Trang chủ</a> <a href="#">Thời sự</a> <a href="#">Xã hội</a>
<a href="#">Pháp luật</a></nav></header>
<main>
<article class="detail">
<div class="detail__cate"><a href="#">{escape(page.section)}</a></div>
<h1 class="detail__title">{escape(page.title)}</h1>
<div class="detail__meta"><time datetime="{iso}">{shown}</time></div>
<h2 class="sapo">{escape(page.lead)}</h2>
<div class="detail__content">
{paragraphs}
</div>
<p class="detail__author">{escape(page.author)}</p>
</article>
</main>
<footer>© {escape(site)}: trang mẫu của duluan, nội dung hư cấu.</footer>
</body>
</html>
"""


def render_home(outlet: str, pages: list[SamplePage], base: str) -> str:
    """The outlet's home page: a list of its latest articles."""
    site = outlets()[outlet]
    links = "\n".join(
        f'<li><a href="{base}{p.path}">{escape(p.title)}</a></li>'
        for p in pages
        if p.outlet == outlet
    )
    return (
        f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{escape(site)}'
        f"</title></head><body><h1>{escape(site)}</h1><ul>{links}</ul></body></html>"
    )


def _json(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


class SampleOutlet:
    """The two sample outlets served at http://127.0.0.1:PORT/ from a thread; use as a context
    manager. Pages are dated relative to `now` at start."""

    def __init__(self, now: datetime, port: int = 0) -> None:
        self.pages = sample_pages(now)
        self._port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base(self) -> str:
        """The server's address, without a trailing slash."""
        assert self._server is not None, "not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def feed_url(self, outlet: str) -> str:
        return f"{self.base}/{outlet}/rss/tin-moi-nhat.rss"

    def home_url(self, outlet: str) -> str:
        return f"{self.base}/{outlet}/"

    def respond(self, path: str) -> tuple[int, str, str]:
        """Status, content type and body for a request path."""
        path = path.split("?", 1)[0]
        if path == "/robots.txt":
            return 200, "text/plain; charset=utf-8", "User-agent: *\nAllow: /\n"
        for outlet in outlets():
            if path == f"/{outlet}/rss/tin-moi-nhat.rss":
                body = render_feed(outlet, self.pages, self.base)
                return 200, "application/rss+xml; charset=utf-8", body
            if path in (f"/{outlet}/", f"/{outlet}"):
                return 200, "text/html; charset=utf-8", render_home(outlet, self.pages, self.base)
        for page in self.pages:
            if page.path == path:
                return 200, "text/html; charset=utf-8", render_page(page, self.base)
        return 404, "text/html; charset=utf-8", "<html><body>Không tìm thấy trang</body></html>"

    def __enter__(self) -> SampleOutlet:
        outlet = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, kind, body = outlet.respond(self.path)
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="duluan-demo-outlet", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
