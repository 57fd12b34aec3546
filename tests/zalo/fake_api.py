"""A fake Zalo Bot API server on 127.0.0.1, built from the platform's public documentation.

Same URL layout (`/bot<TOKEN>/<method>`, POST with JSON), same envelopes (`ok`, `result`,
`error_code`, `description`), the documented limits (text and caption 1–2,000 characters, https
webhook URL, secret 8–256 characters, `getUpdates` refused while a webhook is set) and the
documented `getUpdates` behaviour (one update per call, no offset, error 408 when none came).
What the documentation does not say (status codes of errors, the 429 answer, "chat not found")
is modelled on the Telegram-like shapes and marked as such in docs/zalo.md.

A test scripts failures (`fail`), slow answers (`delay`) and incoming messages (`push_text`,
`push_photo`), and reads the calls it received (`calls`, `sent`).

Use::

    with FakeZalo(known_chats={"chat-1"}) as fake:
        bot = ZaloBot(fake.token, fake.base_url)
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

DEFAULT_TOKEN = "1459232241454765289:FakeZaloTokenForDuluanTests_0123456789abc"
MAX_TEXT = 2000
MAX_POLL_SECONDS = 30.0
METHODS = frozenset(
    {
        "getMe",
        "getUpdates",
        "setWebhook",
        "deleteWebhook",
        "getWebhookInfo",
        "sendMessage",
        "sendPhoto",
        "sendSticker",
        "sendChatAction",
    }
)


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class _Failure:
    status: int
    description: str
    error_code: int
    retry_after: int | None
    raw: bytes | None


class FakeZalo:
    """The fake server; a context manager serving on 127.0.0.1 in a daemon thread.

    ``known_chats``: when non-empty, sends to any other chat answer 400 "chat not found".
    ``max_poll``: upper bound in seconds of a ``getUpdates`` long poll.
    """

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        known_chats: set[str] | None = None,
        max_poll: float = MAX_POLL_SECONDS,
    ) -> None:
        self.token = token
        self.known_chats = set(known_chats or ())
        self.max_poll = max_poll
        self.calls: list[Call] = []
        self.sent: list[dict[str, Any]] = []
        self.webhook: dict[str, Any] = {"url": "", "updated_at": 0}
        self._lock = threading.Condition()
        self._updates: deque[Any] = deque()
        self._failures: dict[str, deque[_Failure]] = {}
        self._delays: dict[str, deque[float]] = {}
        self._counter = 0
        self._stop = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---
    def __enter__(self) -> FakeZalo:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                fake._handle(self)

            def do_GET(self) -> None:
                fake._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        with self._lock:
            self._lock.notify_all()
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # --- scripting ---
    def fail(
        self,
        method: str,
        status: int,
        description: str,
        *,
        error_code: int | None = None,
        retry_after: int | None = None,
        times: int = 1,
        raw: bytes | None = None,
    ) -> None:
        """The next `times` calls of `method` answer this error (or the `raw` body)."""
        code = status if error_code is None else error_code
        failure = _Failure(status, description, code, retry_after, raw)
        with self._lock:
            self._failures.setdefault(method, deque()).extend([failure] * times)

    def delay(self, method: str, seconds: float, times: int = 1) -> None:
        """The next `times` calls of `method` answer after `seconds` (a slow Zalo)."""
        with self._lock:
            self._delays.setdefault(method, deque()).extend([seconds] * times)

    def push_text(
        self,
        chat_id: str,
        user_id: str,
        text: str,
        *,
        group: bool = False,
        name: str = "Cán bộ",
        is_bot: bool = False,
    ) -> None:
        fields = {"text": text}
        self._push(chat_id, user_id, name, group, "message.text.received", fields, is_bot)

    def push_raw(self, update: Any) -> None:
        """Queue any JSON value as the next update, as is (a hostile or odd update)."""
        with self._lock:
            self._updates.append(update)
            self._lock.notify_all()

    def push_photo(
        self, chat_id: str, user_id: str, photo_url: str, caption: str = "", *, group: bool = False
    ) -> None:
        fields = {"photo_url": photo_url, "caption": caption}
        self._push(chat_id, user_id, "Cán bộ", group, "message.image.received", fields)

    def text_update(
        self, chat_id: str, user_id: str, text: str, *, group: bool = False, name: str = "Cán bộ"
    ) -> dict[str, Any]:
        """A text update as Zalo sends it (by getUpdates or in a webhook's body), not queued."""
        fields = {"text": text}
        return self._update(chat_id, user_id, name, group, "message.text.received", fields)

    def _update(
        self,
        chat: str,
        user: str,
        name: str,
        group: bool,
        event: str,
        fields: dict[str, Any],
        is_bot: bool = False,
    ) -> dict[str, Any]:
        with self._lock:
            self._counter += 1
            message = {
                "chat": {"id": chat, "chat_type": "GROUP" if group else "PRIVATE"},
                "message_id": f"{self._counter:020x}",
                "date": int(time.time() * 1000),
                "from": {"id": user, "display_name": name, "is_bot": is_bot},
                **fields,
            }
        return {"event_name": event, "message": message}

    def _push(
        self,
        chat: str,
        user: str,
        name: str,
        group: bool,
        event: str,
        fields: dict[str, Any],
        is_bot: bool = False,
    ) -> None:
        update = self._update(chat, user, name, group, event, fields, is_bot)
        with self._lock:
            self._updates.append(update)
            self._lock.notify_all()

    # --- serving ---
    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        path = request.path.split("?", 1)[0]
        prefix, _, method = path.rpartition("/")
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        try:
            params = json.loads(body) if body else {}
        except ValueError:
            params = None
        if prefix != f"/bot{self.token}":
            return self._answer(request, 401, error(401, "Unauthorized"))
        if method not in METHODS:
            return self._answer(request, 404, error(404, "Not Found"))
        if not isinstance(params, dict):
            return self._answer(request, 400, error(400, "Bad Request: invalid JSON body"))
        with self._lock:
            self.calls.append(Call(method, params))
            failures = self._failures.get(method)
            failure = failures.popleft() if failures else None
            delays = self._delays.get(method)
            wait = delays.popleft() if delays else 0.0
        if wait:
            self._stop.wait(wait)
        if failure is not None:
            if failure.raw is not None:
                return self._raw(request, failure.status, failure.raw)
            answer = error(failure.error_code, failure.description)
            if failure.retry_after is not None:
                answer["parameters"] = {"retry_after": failure.retry_after}
            return self._answer(request, failure.status, answer)
        status, answer = getattr(self, f"_m_{method}")(params)
        self._answer(request, status, answer)

    def _answer(self, request: BaseHTTPRequestHandler, status: int, data: dict[str, Any]) -> None:
        self._raw(request, status, json.dumps(data).encode())

    def _raw(self, request: BaseHTTPRequestHandler, status: int, body: bytes) -> None:
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            request.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (its timeout)
            pass

    # --- methods ---
    def _m_getMe(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        bot_id = self.token.split(":", 1)[0]
        return ok(
            {
                "id": bot_id,
                "account_name": "bot.DuluanTest",
                "account_type": "BASIC",
                "can_join_groups": True,
            }
        )

    def _m_getUpdates(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self.webhook["url"]:
            return 409, error(409, "Conflict: webhook is active, getUpdates is not available")
        try:
            timeout = float(params.get("timeout", MAX_POLL_SECONDS))
        except (TypeError, ValueError):
            return 400, error(400, "Bad Request: timeout must be a number")
        deadline = time.monotonic() + max(0.0, min(timeout, self.max_poll))
        with self._lock:
            while not self._updates and not self._stop.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._lock.wait(left)
            if not self._updates:
                return 200, error(408, "Request timeout")
            return ok(self._updates.popleft())

    def _m_setWebhook(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        url = str(params.get("url") or "")
        secret = str(params.get("secret_token") or "")
        if not url.startswith("https://"):
            return 400, error(400, "Bad Request: url must be https")
        if not 8 <= len(secret) <= 256:
            return 400, error(400, "Bad Request: secret_token must be 8-256 characters")
        self.webhook = {"url": url, "updated_at": int(time.time() * 1000), "secret": secret}
        return ok({"url": url, "updated_at": self.webhook["updated_at"]})

    def _m_deleteWebhook(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.webhook = {"url": "", "updated_at": int(time.time() * 1000)}
        return ok({"url": "", "updated_at": self.webhook["updated_at"]})

    def _m_getWebhookInfo(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return ok({"url": self.webhook["url"], "updated_at": self.webhook["updated_at"]})

    def _chat(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        chat = params.get("chat_id")
        if not isinstance(chat, str) or not chat:
            return 400, error(400, "Bad Request: chat_id is required")
        if self.known_chats and chat not in self.known_chats:
            return 400, error(400, "Bad Request: chat not found")
        return None

    def _text_ok(self, text: Any, field: str, required: bool) -> tuple[int, dict[str, Any]] | None:
        if text is None and not required:
            return None
        if not isinstance(text, str) or not 1 <= len(text) <= MAX_TEXT:
            return 400, error(400, f"Bad Request: {field} must be 1-{MAX_TEXT} characters")
        return None

    def _record(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self._counter += 1
            message = {"message_id": f"{self._counter:020x}", "date": int(time.time() * 1000)}
            self.sent.append({"method": method, **params, **message})
        return ok(message)

    def _m_sendMessage(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        refused = self._chat(params) or self._text_ok(params.get("text"), "text", True)
        return refused or self._record("sendMessage", params)

    def _m_sendPhoto(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        refused = self._chat(params) or self._text_ok(params.get("caption"), "caption", False)
        if refused:
            return refused
        photo = params.get("photo")
        if not isinstance(photo, str) or not photo.startswith(("http://", "https://")):
            return 400, error(400, "Bad Request: photo must be an http(s) URL")
        return self._record("sendPhoto", params)

    def _m_sendSticker(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        refused = self._chat(params)
        if refused:
            return refused
        if not params.get("sticker"):
            return 400, error(400, "Bad Request: sticker is required")
        return self._record("sendSticker", params)

    def _m_sendChatAction(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        refused = self._chat(params)
        if refused:
            return refused
        if params.get("action") not in ("typing", "upload_photo"):
            return 400, error(400, "Bad Request: unknown action")
        return 200, {"ok": True}


def ok(result: Any) -> tuple[int, dict[str, Any]]:
    return 200, {"ok": True, "result": result}


def error(code: int, description: str) -> dict[str, Any]:
    return {"ok": False, "error_code": code, "description": description}
