"""A local stand-in for the public web hosts an evidence check asks (t.me, youtube.com, tiktok.com,
a forum): one HTTP server on 127.0.0.1 answering, per host, path and query, the status, type
and body a test sets, and a fetch that sends `https://<host>/…` there instead of the internet.

Tests never reach the network: `PublicWeb.fetch` is the real guarded fetcher
(`cases.evidence.http_fetcher`, the local server trusted as a configured source would be) behind
a rewrite of the URL's origin, so every answer still goes through the guard, its redirect
checks and its size limit.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from cases.evidence import Fetch, Fetched, http_fetcher
from crawler.guard import Guard

HTML = "text/html; charset=utf-8"
JSON = "application/json; charset=utf-8"


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    content_type: str = HTML
    location: str | None = None


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self.server.web.hits.append(self.path)
        answer = self.server.web.answers.get(self.path)
        if answer is None:
            answer = Answer(404, b"<html><body>Not Found</body></html>")
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        if answer.location:
            self.send_header("Location", answer.location)
        self.end_headers()
        self.wfile.write(answer.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, web: PublicWeb) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.web = web


class PublicWeb:
    """Answers set per real URL (`set("https://t.me/x/1?embed=1", …)`); `hits` lists the
    requests received, as `/<host>/<path>?<query>`; `fetched` the real URLs asked for."""

    def __init__(self) -> None:
        self.answers: dict[str, Answer] = {}
        self.hits: list[str] = []
        self.fetched: list[str] = []
        self.base = ""

    def local(self, url: str) -> str:
        """The local path standing for a real URL."""
        parts = urlsplit(url)
        query = f"?{parts.query}" if parts.query else ""
        return f"/{parts.hostname}{parts.path or '/'}{query}"

    def set(
        self,
        url: str,
        body: bytes | str,
        status: int = 200,
        content_type: str = HTML,
        location: str | None = None,
    ) -> None:
        raw = body.encode() if isinstance(body, str) else body
        self.answers[self.local(url)] = Answer(status, raw, content_type, location)

    def fetch(self, max_bytes: int = 10 * 1000**2) -> Fetch:
        """The guarded fetcher, sent here; records each real URL asked for."""
        inner = http_fetcher("duluan-test", Guard.trusting([self.base]), 10.0, max_bytes)

        def fetch(url: str) -> Fetched:
            self.fetched.append(url)
            return inner(self.base + self.local(url))

        return fetch


@contextmanager
def public_web() -> Iterator[PublicWeb]:
    """The stand-in, listening for the duration of the block."""
    web = PublicWeb()
    server = _Server(web)
    web.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield web
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
