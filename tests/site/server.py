"""A local HTTP server shaped like the monitored outlets, for crawl tests and benchmarks.

Tests may not touch the internet, yet the crawler must work against the real sites. This server
serves the mini-sites under ``tests/site/data`` on 127.0.0.1 the way the outlets do (HTTP/1.1
keep-alive, gzip, ETag/Last-Modified, redirects, Lao Động's cookie challenge) and adds routes under
``/bad/`` that misbehave like the outlets on their bad days. Every request is logged as a `Hit`.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import html
import io
import logging
import mimetypes
import secrets
import signal
import socket
import struct
import sys
import threading
import time
import unicodedata
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
BASE_MARKER = b"{{BASE}}"
CHALLENGE_COOKIE = "D1N"
HUGE_SIZE = 30 * 1024 * 1024
BOMB_INFLATED_SIZE = 1024 * 1024 * 1024
IDLE_TIMEOUT = 30.0

_HTML = "text/html; charset=utf-8"
_HTML_SUFFIXES = frozenset({"", ".html", ".htm", ".ldo", ".tpo", ".vnp", ".vov", ".epi"})
_XML_TYPES = {
    ".rss": "application/rss+xml; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
}
_GZIP_CACHE_SIZE = 1024
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"


@dataclass(frozen=True)
class Hit:
    """One request the server answered: target as sent (path and query), status, bytes written.

    `status` is 0 when the server dropped the connection without answering.
    """

    method: str
    path: str
    status: int
    bytes_sent: int
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Content:
    body: bytes
    content_type: str
    last_modified: int


def content_type_for(url_path: str) -> str:
    """The Content-Type the outlets send for a URL path, judged by its extension."""
    if url_path.endswith("/"):
        return _HTML
    suffix = PurePosixPath(url_path).suffix.lower()
    if suffix in _XML_TYPES:
        return _XML_TYPES[suffix]
    if suffix == "" and "/rss/" in url_path:
        return _XML_TYPES[".xml"]
    if suffix in _HTML_SUFFIXES:
        return _HTML
    if suffix == ".txt":
        return "text/plain; charset=utf-8"
    guessed, _ = mimetypes.guess_type("x" + suffix)
    if guessed is None:
        return _HTML
    if guessed.startswith("text/") or guessed.endswith(("json", "javascript")):
        return f"{guessed}; charset=utf-8"
    return guessed


def _is_text(content_type: str) -> bool:
    return content_type.startswith("text/") or any(
        kind in content_type for kind in ("xml", "json", "javascript")
    )


def _http_date(timestamp: float) -> str:
    return formatdate(timestamp, usegmt=True)


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _page(title: str, text: str) -> bytes:
    return (
        '<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>"
        f"<body><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></body></html>\n"
    ).encode()


_NOT_FOUND = _page("404 - Không tìm thấy trang", "Trang bạn tìm không tồn tại hoặc đã bị gỡ.")
_FORBIDDEN = _page("403 - Truy cập bị từ chối", "Bạn không có quyền truy cập trang này.")
_SERVER_ERROR = _page("500 - Lỗi máy chủ", "Máy chủ gặp sự cố, vui lòng thử lại sau.")

_bomb_lock = threading.Lock()
_bomb: bytes | None = None


def gzip_bomb() -> bytes:
    """A single-member gzip body of about 1 MB that inflates to a little over 1 GiB of HTML.

    Built once per process, in the background when the first server starts. Each MiB of zeros
    is compressed after a full flush, so its deflate block is identical and is repeated instead
    of compressed a thousand times.
    """
    global _bomb
    with _bomb_lock:
        if _bomb is None:
            prefix = (
                '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
                "<title>Bài viết</title></head><body><p>"
            ).encode()
            zeros = bytes(1 << 20)
            deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
            head = deflate.compress(prefix) + deflate.flush(zlib.Z_FULL_FLUSH)
            block = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
            tail = deflate.flush(zlib.Z_FINISH)
            repeats = BOMB_INFLATED_SIZE // len(zeros)
            crc = zlib.crc32(prefix)
            for _ in range(repeats):
                crc = zlib.crc32(zeros, crc)
            size = len(prefix) + repeats * len(zeros)
            _bomb = b"".join(
                (
                    b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff",
                    head,
                    block * repeats,
                    tail,
                    struct.pack("<II", crc, size & 0xFFFFFFFF),
                )
            )
        return _bomb


def _cp1258(text: str) -> bytes:
    """Text as windows-1258 writes it: base letters precomposed, tone marks combining."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
            marks = "".join(c for c in parts if c in tones)
            out += (base + marks).encode("cp1258", errors="replace")
    return bytes(out)


def _broken_encoding_page() -> bytes:
    lead = "Người dân xã Đăk Pxi, huyện Đăk Hà phản ánh đường liên thôn xuống cấp nghiêm trọng."
    good = (
        "Theo ghi nhận của phóng viên, nhiều đoạn đường bị sạt lở sau đợt mưa lớn kéo dài, "
        "xe máy chở nông sản đi lại rất khó khăn."
    )
    legacy = "Ông Nguyễn Văn Hùng, trưởng thôn Kon Gung, cho biết bà con đã kiến nghị nhiều lần."
    tail = "Ủy ban nhân dân huyện Đăk Hà cho biết sẽ kiểm tra, bố trí kinh phí sửa chữa trong năm."
    parts = [
        '<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8">'
        "<title>Đường liên thôn ở Đăk Pxi xuống cấp</title></head><body>"
        "<article><h1>Đường liên thôn ở Đăk Pxi xuống cấp</h1>"
        f'<p class="sapo">{lead}</p><p>{good}</p><p>'.encode(),
        _cp1258(legacy),
        "</p><p>Một số hộ ở thôn 7 ".encode(),
        b"\xc3\x28 \xff\xfe \xe1\xba",
        f" nói rằng {good.lower()}</p><p>{tail}</p></article></body></html>\n".encode(),
    ]
    return b"".join(parts)


_BROKEN_ENCODING = _broken_encoding_page()

_NO_ARTICLE = (
    '<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8"><title>Chuyên mục</title>'
    '</head><body><header><nav class="main-nav"><ul>'
    + "".join(
        f'<li><a href="/bad/{slug}/">{name}</a></li>'
        for slug, name in (
            ("thoi-su", "Thời sự"),
            ("kinh-te", "Kinh tế"),
            ("xa-hoi", "Xã hội"),
            ("phap-luat", "Pháp luật"),
            ("van-hoa", "Văn hóa"),
            ("the-thao", "Thể thao"),
        )
    )
    + "</ul></nav></header><main></main><footer><ul>"
    '<li><a href="/bad/gioi-thieu/">Giới thiệu</a></li>'
    '<li><a href="/bad/lien-he/">Liên hệ</a></li></ul></footer></body></html>\n'
).encode()

_JS_REDIRECT = (
    b'<html><head><meta charset="utf-8"><script type="text/javascript">'
    b'window.location.href="{{BASE}}/bad/no-article.html";</script></head><body></body></html>\n'
)

_SLOW_PAGE = (
    '<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8"><title>Trang chậm</title>'
    "</head><body><article><h1>Trang chậm</h1><p>Trang này trả lời rất chậm.</p>"
    "</article></body></html>\n"
).encode()

_SLOW_FEED = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
    "<title>Nguồn tin chậm</title><link>{{BASE}}/bad/</link><description>Chậm</description>"
    "<item><title>Tin chậm</title><link>{{BASE}}/bad/no-article.html</link>"
    "<pubDate>Fri, 20 Nov 2026 08:00:00 +0700</pubDate></item></channel></rss>\n"
).encode()

_NOT_XML = _page("502 Bad Gateway", "Máy chủ nguồn tạm thời không phản hồi.")

_HUGE_HEAD = (
    '<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8"><title>Trang rất lớn</title>'
    "</head><body>\n"
).encode()
_HUGE_TAIL = b"</body></html>\n"
_HUGE_LINE = "<p>Nội dung lặp lại để làm trang rất lớn, trình thu thập phải tự dừng.</p>\n".encode()
_HUGE_CHUNK = _HUGE_LINE * (65536 // len(_HUGE_LINE))


class _CountingWriter(io.BufferedIOBase):
    """The handler's output stream: counts every byte sent and can hold a whole response.

    Holding lets the handler log a request before its last byte leaves, so a client that has
    read the response always finds it in the log.
    """

    def __init__(self, raw: Any, on_write: Callable[[int], None]) -> None:
        super().__init__()
        self._raw = raw
        self._on_write = on_write
        self._held: list[bytes] | None = None
        self.count = 0

    def writable(self) -> bool:
        return True

    def hold(self) -> None:
        self._held = []

    def release(self, before_send: Callable[[int], None]) -> None:
        """Stop holding: tell `before_send` how many bytes were held, then send them."""
        held, self._held = self._held, None
        data = b"".join(held or ())
        before_send(len(data))
        if data:
            self._send(data)

    def discard(self) -> None:
        self._held = None

    def write(self, data: ReadableBuffer, /) -> int:
        chunk = bytes(data)
        if self._held is not None:
            self._held.append(chunk)
        else:
            self._send(chunk)
        return len(chunk)

    def _send(self, data: bytes) -> None:
        self.count += len(data)
        self._on_write(len(data))
        try:
            self._raw.write(data)
        except BaseException:
            self.count -= len(data)
            self._on_write(-len(data))
            raise

    def flush(self) -> None:
        if not self._raw.closed:
            self._raw.flush()

    def close(self) -> None:
        if not self.closed:
            try:
                super().close()
            finally:
                self._raw.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], site: LocalSite) -> None:
        self.site = site
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        level = (
            logging.DEBUG if isinstance(error, ConnectionError | TimeoutError) else logging.WARNING
        )
        logger.log(level, "lỗi khi xử lý yêu cầu từ %s", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "duluan-test-site/1.0"
    sys_version = ""
    timeout = IDLE_TIMEOUT
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.site = self.server.site
        self._counter = _CountingWriter(self.wfile, self.site._count_bytes)
        self.wfile = self._counter
        self._status = 0
        self._head = False
        self._logged = False
        self._start = 0
        self.site._register(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.site._unregister(self.connection)

    def version_string(self) -> str:
        return self.server_version

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s - %s", self.address_string(), format % args)

    def send_response(self, code: int, message: str | None = None) -> None:
        self._status = code
        super().send_response(code, message)

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def _serve(self, *, head: bool) -> None:
        self._head = head
        self._status = 0
        self._logged = False
        self._start = self._counter.count
        self._counter.hold()
        self.site._enter()
        answering = True
        try:
            self._route()
            # Out of the count before the answer leaves: a client that has it may ask again.
            self.site._leave()
            answering = False
            self._counter.release(self._log_hit)
        except (ConnectionError, TimeoutError) as exc:
            logger.debug("kết nối bị ngắt khi trả lời %s: %s", self.path, exc)
            self.close_connection = True
        finally:
            if answering:
                self.site._leave()
            self._counter.discard()
            if not self._logged:
                self._log_hit(0)

    def _log_hit(self, pending: int) -> None:
        """Log this request once, counting `pending` bytes about to be sent."""
        if self._logged:
            return
        self._logged = True
        sent = self._counter.count - self._start + pending
        headers = dict(self.headers.items())
        self.site._record(Hit(self.command, self.path, self._status, sent, headers))

    def _stream_from_here(self) -> None:
        """Send what is held now; the request is logged when the streaming route returns."""
        self._counter.release(lambda size: None)

    def _route(self) -> None:
        site = self.site
        target = urlsplit(self.path)
        path = target.path or "/"
        query = target.query
        full = f"{path}?{query}" if query else path
        decoded = unquote(path)
        if ".." in decoded.split("/") or "\\" in decoded or "\x00" in decoded:
            self._respond(403, _FORBIDDEN, _HTML)
            return
        if site._challenged(path, self.headers.get("Cookie", "")):
            self._respond(200, site.challenge_page, _HTML, {"Cache-Control": "no-cache"}, gz=False)
            return
        if site._is_removed(full, path):
            self._respond(404, _NOT_FOUND, _HTML)
            return
        location = site._redirect_for(full, path)
        if location is not None:
            self._redirect(location)
            return
        content = site._override_for(full, path)
        if content is not None:
            self._serve_content(content)
            return
        bad = self._bad_routes().get(path)
        if bad is not None:
            bad()
            return
        found = site._find_file(decoded, query)
        if isinstance(found, str):
            self._redirect(found + ("?" + query if query else ""), status=301)
        elif found is not None and (content := site._file_content(found, path)) is not None:
            self._serve_content(content)
        else:
            self._respond(404, _NOT_FOUND, _HTML)

    def _accepts_gzip(self) -> bool:
        for token in self.headers.get("Accept-Encoding", "").split(","):
            coding, _, params = token.strip().partition(";")
            if coding.strip().lower() not in ("gzip", "*"):
                continue
            quality = params.strip()
            if quality.startswith("q="):
                try:
                    return float(quality[2:]) > 0
                except ValueError:
                    return False
            return True
        return False

    def _respond(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
        *,
        gz: bool = True,
    ) -> None:
        extra = dict(headers or {})
        if gz:
            extra["Vary"] = "Accept-Encoding"
            if body and self._accepts_gzip():
                body = self.site._gzip(body)
                extra["Content-Encoding"] = "gzip"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        if not self._head and body:
            self.wfile.write(body)

    def _redirect(self, location: str, *, status: int = 302) -> None:
        if location.startswith("/"):
            location = self.site.base + location
        location = quote(location, safe=_URL_SAFE)
        body = _page("Đã chuyển", f"Trang đã chuyển tới {location}")
        self._respond(status, body, _HTML, {"Location": location}, gz=False)

    def _serve_content(self, content: _Content) -> None:
        etag = _etag(content.body)
        validators = {"ETag": etag, "Last-Modified": _http_date(content.last_modified)}
        if self._not_modified(etag, content.last_modified):
            self.send_response(304)
            for name, value in validators.items():
                self.send_header(name, value)
            self.send_header("Vary", "Accept-Encoding")
            self.end_headers()
            return
        self._respond(200, content.body, content.content_type, validators)

    def _not_modified(self, etag: str, last_modified: int) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
            return "*" in tags or etag in tags
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_modified_since:
            try:
                since = parsedate_to_datetime(if_modified_since).timestamp()
            except (TypeError, ValueError, IndexError):
                return False
            return last_modified <= since
        return False

    def _bad_routes(self) -> dict[str, Callable[[], None]]:
        return {
            "/bad/500": lambda: self._respond(500, _SERVER_ERROR, _HTML),
            "/bad/403": lambda: self._respond(403, _FORBIDDEN, _HTML),
            "/bad/404-feed.rss": lambda: self._respond(404, _NOT_FOUND, _HTML),
            "/bad/slow": lambda: self._slow(_SLOW_PAGE, _HTML),
            "/bad/slow.rss": lambda: self._slow(_SLOW_FEED, _XML_TYPES[".rss"]),
            "/bad/huge.html": self._huge,
            "/bad/huge-stream.html": self._huge_stream,
            "/bad/gzip-bomb.html": self._gzip_bomb,
            "/bad/not-xml.rss": lambda: self._respond(200, _NOT_XML, _XML_TYPES[".rss"]),
            "/bad/broken-encoding.html": lambda: self._respond(200, _BROKEN_ENCODING, _HTML),
            "/bad/redirect-loop": lambda: self._redirect("/bad/redirect-loop-2"),
            "/bad/redirect-loop-2": lambda: self._redirect("/bad/redirect-loop"),
            "/bad/no-article.html": lambda: self._respond(200, _NO_ARTICLE, _HTML),
            "/bad/reset": self._reset,
            "/bad/js-redirect.html": lambda: self._respond(
                200, self.site._substitute(_JS_REDIRECT), _HTML
            ),
        }

    def _slow(self, body: bytes, content_type: str) -> None:
        if self.site._stopping.wait(self.site.slow_seconds):
            self.close_connection = True
            return
        self._respond(200, self.site._substitute(body), content_type)

    def _huge(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", _HTML)
        self.send_header("Content-Length", str(HUGE_SIZE))
        self.end_headers()
        if self._head:
            return
        self._stream_from_here()
        self.wfile.write(_HUGE_HEAD)
        remaining = HUGE_SIZE - len(_HUGE_HEAD) - len(_HUGE_TAIL)
        while remaining > 0:
            if self.site._stopping.is_set():
                self.close_connection = True
                return
            chunk = _HUGE_CHUNK if remaining >= len(_HUGE_CHUNK) else b" " * remaining
            self.wfile.write(chunk)
            remaining -= len(chunk)
        self._log_hit(len(_HUGE_TAIL))
        self.wfile.write(_HUGE_TAIL)

    def _huge_stream(self) -> None:
        """The huge page without Content-Length: the body runs until the connection closes, so
        the client learns it is too large only while reading."""
        self.send_response(200)
        self.send_header("Content-Type", _HTML)
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        if self._head:
            return
        self._stream_from_here()
        self.wfile.write(_HUGE_HEAD)
        remaining = HUGE_SIZE - len(_HUGE_HEAD)
        while remaining > 0:
            if self.site._stopping.is_set():
                return
            try:
                self.wfile.write(_HUGE_CHUNK)
            except OSError:
                return
            remaining -= len(_HUGE_CHUNK)
        self._log_hit(0)

    def _gzip_bomb(self) -> None:
        body = gzip_bomb()
        self.send_response(200)
        self.send_header("Content-Type", _HTML)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not self._head:
            self.wfile.write(body)

    def _reset(self) -> None:
        self._log_hit(0)
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()
        self.wfile.close()
        self.connection.close()


class LocalSite:
    """The outlets' mini-sites served on 127.0.0.1, used as a context manager.

    ``GET /<name>/<path>`` serves ``root/<name>/<path>`` with ``{{BASE}}`` replaced by `base`;
    a query string maps to the file ``<path>@<query>`` when it exists. Requests under a
    `challenge_prefixes` prefix get Lao Động's cookie challenge until they carry
    `challenge_cookie`. `redirects` maps a path (with or without its query) to a target path or
    URL answered with 302.
    """

    def __init__(
        self,
        root: Path = DATA_DIR,
        *,
        slow_seconds: float = 3.0,
        challenge_prefixes: tuple[str, ...] = ("/laodong/",),
        redirects: dict[str, str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.root = Path(root).resolve()
        self.slow_seconds = slow_seconds
        self.challenge_prefixes = tuple(challenge_prefixes)
        self.redirects = dict(redirects or {})
        self.host = host
        self.port = port
        self.base = ""
        self.challenge_value = secrets.token_hex(16)
        self.challenge_page = (
            f'<html><body><script>document.cookie="{CHALLENGE_COOKIE}={self.challenge_value}"'
            '+"; path=/";window.location.reload(true);</script></body></html>'
        ).encode()
        self._lock = threading.Lock()
        self._requests: list[Hit] = []
        self._bytes_sent = 0
        self._in_flight = 0
        self._peak_in_flight = 0
        self._overrides: dict[str, _Content] = {}
        self._removed: set[str] = set()
        self._gzip_cache: OrderedDict[bytes, bytes] = OrderedDict()
        self._connections: dict[socket.socket, threading.Thread] = {}
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def challenge_cookie(self) -> str:
        """The ``name=value`` pair that passes the cookie challenge."""
        return f"{CHALLENGE_COOKIE}={self.challenge_value}"

    def __enter__(self) -> LocalSite:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Listen (port 0 picks a free port) and serve from a daemon thread."""
        if self._server is not None:
            raise RuntimeError("máy chủ đã chạy")
        self._stopping.clear()
        self._server = _Server((self.host, self.port), self)
        self.base = f"http://{self.host}:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"local-site {self.base}",
            daemon=True,
        )
        self._thread.start()
        if _bomb is None:
            threading.Thread(target=gzip_bomb, name="gzip-bomb", daemon=True).start()
        logger.debug("máy chủ thử nghiệm chạy tại %s, thư mục %s", self.base, self.root)

    def stop(self) -> None:
        """Stop listening and cut every open connection, even one a slow route holds."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        thread.join()
        with self._lock:
            connections = list(self._connections.items())
        for sock, _ in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for _, handler in connections:
            handler.join(timeout=5)
        self._server = None
        self._thread = None

    def url(self, path: str) -> str:
        """The absolute URL of a path on this server."""
        return self.base + (path if path.startswith("/") else "/" + path)

    @property
    def requests(self) -> list[Hit]:
        """A snapshot of the request log, oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def active_connections(self) -> int:
        """Client connections open right now, idle keep-alive ones included."""
        with self._lock:
            return len(self._connections)

    @property
    def bytes_sent(self) -> int:
        """Header and body bytes written to clients since start or the last `reset_log`."""
        with self._lock:
            return self._bytes_sent

    @property
    def peak_in_flight(self) -> int:
        """The most requests this server (one host) was answering at once since start or the
        last `reset_log`: how many connections a crawl used at the same moment."""
        with self._lock:
            return self._peak_in_flight

    def reset_log(self) -> None:
        """Forget the logged requests, the byte count and the peak of requests in flight."""
        with self._lock:
            self._requests.clear()
            self._bytes_sent = 0
            self._peak_in_flight = self._in_flight

    def _enter(self) -> None:
        with self._lock:
            self._in_flight += 1
            self._peak_in_flight = max(self._peak_in_flight, self._in_flight)

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def override(self, path: str, content: bytes | str, content_type: str | None = None) -> None:
        """Serve `content` at `path` (optionally with its query) instead of the file.

        The new content gets a Last-Modified later than anything served there before, so
        conditional requests see the change even within the same second.
        """
        path = _normalise(path)
        body = content.encode() if isinstance(content, str) else bytes(content)
        kind = content_type or content_type_for(urlsplit(path).path)
        with self._lock:
            previous = self._overrides.get(path)
            floor = previous.last_modified + 1 if previous else 0
            file_time = self._file_mtime(urlsplit(path).path)
            stamp = max(int(time.time()), floor, file_time + 1 if file_time else 0)
            self._overrides[path] = _Content(body, kind, stamp)
            self._removed.discard(path)

    def remove(self, path: str) -> None:
        """Answer 404 at `path` from now on, as for an article taken down."""
        path = _normalise(path)
        with self._lock:
            self._removed.add(path)
            self._overrides.pop(path, None)

    def _file_mtime(self, url_path: str) -> int:
        found = self._find_file(unquote(url_path), "")
        if isinstance(found, Path):
            try:
                return int(found.stat().st_mtime)
            except OSError:
                return 0
        return 0

    def _register(self, sock: socket.socket) -> None:
        with self._lock:
            self._connections[sock] = threading.current_thread()

    def _unregister(self, sock: socket.socket) -> None:
        with self._lock:
            self._connections.pop(sock, None)

    def _count_bytes(self, size: int) -> None:
        with self._lock:
            self._bytes_sent += size

    def _record(self, hit: Hit) -> None:
        with self._lock:
            self._requests.append(hit)
        logger.debug("%s %s -> %s (%d byte)", hit.method, hit.path, hit.status, hit.bytes_sent)

    def _challenged(self, path: str, cookie_header: str) -> bool:
        if not path.startswith(self.challenge_prefixes):
            return False
        return _cookie_value(cookie_header, CHALLENGE_COOKIE) != self.challenge_value

    def _is_removed(self, full: str, path: str) -> bool:
        with self._lock:
            return full in self._removed or path in self._removed

    def _redirect_for(self, full: str, path: str) -> str | None:
        return self.redirects.get(full) or self.redirects.get(path)

    def _override_for(self, full: str, path: str) -> _Content | None:
        with self._lock:
            content = self._overrides.get(full) or self._overrides.get(path)
        if content is None or not _is_text(content.content_type):
            return content
        return _Content(self._substitute(content.body), content.content_type, content.last_modified)

    def _substitute(self, body: bytes) -> bytes:
        return body.replace(BASE_MARKER, self.base.encode())

    def _find_file(self, decoded_path: str, query: str) -> Path | str | None:
        """The file a URL path names, the path to redirect a folder to, or None."""
        relative = decoded_path.lstrip("/")
        if relative == "" or relative.endswith("/"):
            relative += "index.html"
        candidate = self.root / relative
        try:
            if not candidate.resolve().is_relative_to(self.root):
                return None
            if query:
                for variant in _query_variants(query):
                    with_query = candidate.with_name(f"{candidate.name}@{variant}")
                    if with_query.is_file():
                        return with_query
            if candidate.is_file():
                return candidate
            if candidate.is_dir():
                return decoded_path + "/"
        except (OSError, ValueError):
            return None
        return None

    def _file_content(self, file: Path, url_path: str) -> _Content | None:
        """The file as served, or None when it vanished meanwhile."""
        kind = content_type_for(url_path)
        try:
            body = file.read_bytes()
            modified = int(file.stat().st_mtime)
        except OSError:
            return None
        if _is_text(kind):
            body = self._substitute(body)
        return _Content(body, kind, modified)

    def _gzip(self, body: bytes) -> bytes:
        key = hashlib.blake2b(body, digest_size=16).digest()
        with self._lock:
            cached = self._gzip_cache.get(key)
            if cached is not None:
                self._gzip_cache.move_to_end(key)
                return cached
        packed = gzip.compress(body, compresslevel=6, mtime=0)
        with self._lock:
            self._gzip_cache[key] = packed
            while len(self._gzip_cache) > _GZIP_CACHE_SIZE:
                self._gzip_cache.popitem(last=False)
        return packed


def _normalise(path: str) -> str:
    return path if path.startswith("/") else "/" + path


def _query_variants(query: str) -> Iterable[str]:
    seen: set[str] = set()
    for variant in (query, unquote(query)):
        variant = variant.replace("/", "%2F")
        if variant not in seen:
            seen.add(variant)
            yield variant


def _cookie_value(header: str, name: str) -> str | None:
    for pair in header.split(";"):
        key, sep, value = pair.strip().partition("=")
        if sep and key.strip() == name:
            return value.strip().strip('"')
    return None


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Run the server in the foreground until Ctrl+C, for manual checks."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.site.server",
        description="Máy chủ web cục bộ mô phỏng các trang báo, dùng cho kiểm thử trình thu thập.",
    )
    parser.add_argument("--port", type=int, default=8000, help="cổng lắng nghe (mặc định 8000)")
    parser.add_argument("--host", default="127.0.0.1", help="địa chỉ lắng nghe")
    parser.add_argument("--root", type=Path, default=DATA_DIR, help="thư mục dữ liệu")
    parser.add_argument(
        "--slow", type=float, default=3.0, help="số giây /bad/slow chờ trước khi trả lời"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logger.setLevel(logging.DEBUG)
    signal.signal(signal.SIGTERM, _interrupt)
    site = LocalSite(args.root, slow_seconds=args.slow, host=args.host, port=args.port)
    with site:
        print(f"Đang phục vụ {site.root} tại {site.base}/ (Ctrl+C để dừng)", flush=True)
        print(f"Cookie vượt thử thách: {site.challenge_cookie}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("Đã dừng.", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
