"""A fake Telegram Bot API server on 127.0.0.1 for the alert tests and the latency bench.

Tests may not touch the internet, yet the alerts must work with the real python-telegram-bot
client. This server answers that client the way api.telegram.org does (same URL layout, JSON
envelopes, status codes and error descriptions), records every call, and lets a test script
failures (429 with ``retry_after``, 5xx, "chat not found", kicked), slow answers and incoming
updates (callback queries and messages) for ``getUpdates``.

Use::

    with FakeTelegram(known_chats={-1001}) as fake:
        bot = telegram.Bot(fake.token, base_url=fake.base_url)
"""

from __future__ import annotations

import copy
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

logger = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456789:AAFakeTokenForDuluanTests_0123456789"
MAX_POLL_SECONDS = 30.0
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_DOWNLOAD = 20 * 1024 * 1024  # getFile refuses bigger files ("file is too big")

_INT_FIELDS = frozenset(
    {
        "message_id",
        "message_thread_id",
        "reply_to_message_id",
        "offset",
        "limit",
        "timeout",
        "cache_time",
        "max_connections",
    }
)
_BOOL_FIELDS = frozenset(
    {
        "disable_web_page_preview",
        "disable_notification",
        "protect_content",
        "show_alert",
        "drop_pending_updates",
        "allow_sending_without_reply",
        "disable_content_type_detection",
    }
)
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "link_preview_options",
        "allowed_updates",
        "entities",
        "caption_entities",
        "reply_parameters",
    }
)

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    401: "Unauthorized",
    403: "Forbidden: bot was kicked from the group chat",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
}

_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


@dataclass(frozen=True)
class Call:
    """One request as the fake received it; ``params`` are decoded to Python values."""

    method: str
    token: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    filenames: dict[str, str] = field(default_factory=dict)


@dataclass
class _Failure:
    status: int
    retry_after: int | None
    description: str | None
    times: int


class ApiError(Exception):
    """An error answer: HTTP status, Telegram description and optional ``parameters``."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _HtmlToEntities(HTMLParser):
    """Turns Telegram's HTML subset into text and entities, rejecting what Telegram rejects."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self._source = source
        self._lines = source.splitlines(keepends=True)
        self.text = ""
        self.entities: list[dict[str, Any]] = []
        self._open: list[tuple[str, dict[str, Any]]] = []

    def _byte_offset(self) -> int:
        line, col = self.getpos()
        prefix = (
            "".join(self._lines[: line - 1]) + self._lines[line - 1][:col] if self._lines else ""
        )
        return len(prefix.encode("utf-8"))

    def _fail(self, reason: str) -> ApiError:
        return ApiError(400, f"Bad Request: can't parse entities: {reason}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kind = _SIMPLE_TAGS.get(tag)
        values = dict(attrs)
        if kind is None or (tag == "span" and values.get("class") != "tg-spoiler"):
            raise self._fail(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')
        entity: dict[str, Any] = {"type": kind, "offset": _utf16_len(self.text)}
        if tag == "a":
            href = values.get("href") or ""
            if href.startswith("tg://user?id="):
                entity["type"] = "text_mention"
                entity["user"] = {"id": int(href.split("=", 1)[1]), "is_bot": False}
            else:
                entity["url"] = href
        elif tag == "blockquote" and "expandable" in values:
            entity["type"] = "expandable_blockquote"
        elif tag == "tg-emoji":
            entity["custom_emoji_id"] = values.get("emoji-id") or ""
        elif tag == "code" and self._open and self._open[-1][0] == "pre":
            language = (values.get("class") or "").removeprefix("language-")
            if language:
                self._open[-1][1]["language"] = language
            entity["type"] = ""
        self._open.append((tag, entity))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise self._fail(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')

    def handle_endtag(self, tag: str) -> None:
        if not self._open or self._open[-1][0] != tag:
            raise self._fail(f"Unexpected end tag at byte offset {self._byte_offset()}")
        _, entity = self._open.pop()
        entity["length"] = _utf16_len(self.text) - entity["offset"]
        if entity["type"] and entity["length"] > 0:
            self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        self.text += data

    def parse(self) -> tuple[str, list[dict[str, Any]]]:
        self.feed(self._source)
        self.close()
        if self._open:
            tag = self._open[-1][0]
            raise self._fail(f'Can\'t find end tag corresponding to start tag "{tag}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return self.text, self.entities


def _decode_value(name: str, value: str) -> Any:
    if name in _JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError as exc:
            raise ApiError(400, f"Bad Request: can't parse {name} JSON object") from exc
    if name in _INT_FIELDS or name in ("chat_id", "from_chat_id"):
        try:
            return int(value)
        except ValueError:
            if name in _INT_FIELDS:
                raise ApiError(400, f"Bad Request: invalid {name} specified") from None
            return value
    if name in _BOOL_FIELDS:
        return value.lower() in ("true", "1")
    return value


def _chat_key(value: Any) -> int | str:
    if isinstance(value, int):
        return value
    text = str(value)
    try:
        return int(text)
    except ValueError:
        return text


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("fake telegram: " + format, *args)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        fake = self.server.fake
        split = urlsplit(self.path)
        parts = split.path.split("/")
        status, payload = 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        if len(parts) >= 4 and parts[:2] == ["", "file"] and parts[2].startswith("bot"):
            self._drain()
            content = fake._download(unquote(parts[2][3:]), "/".join(parts[3:]))
            if content is not None:
                self._answer(200, content, "application/octet-stream")
                return
        elif len(parts) == 3 and parts[0] == "" and parts[1].startswith("bot"):
            token, method = unquote(parts[1][3:]), parts[2]
            try:
                params, files, filenames = self._read_params(split.query)
                status, payload = fake._handle(token, method, params, files, filenames)
            except ApiError as err:
                status, payload = err.status, _error_payload(err)
        else:
            self._drain()
        self._answer(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"))

    def _answer(self, status: int, body: bytes, ctype: str = "application/json") -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            logger.debug("fake telegram: client left before the answer")

    def _drain(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _read_params(self, query: str) -> tuple[dict[str, Any], dict[str, bytes], dict[str, str]]:
        raw: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
        files: dict[str, bytes] = {}
        filenames: dict[str, str] = {}
        body = self._drain()
        ctype = self.headers.get("Content-Type") or ""
        if body and ctype.startswith("application/json"):
            try:
                loaded = json.loads(body)
            except ValueError as exc:
                raise ApiError(400, "Bad Request: can't parse JSON") from exc
            if not isinstance(loaded, dict):
                raise ApiError(400, "Bad Request: can't parse JSON")
            return {**raw, **loaded}, files, filenames
        if body and ctype.startswith("multipart/form-data"):
            head = f"Content-Type: {ctype}\r\nMIME-Version: 1.0\r\n\r\n".encode()
            message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                if not isinstance(name, str):
                    continue
                data = part.get_payload(decode=True)
                content = data if isinstance(data, bytes) else b""
                filename = part.get_filename()
                if filename is not None:
                    files[name] = content
                    filenames[name] = filename
                else:
                    raw[name] = content.decode(part.get_content_charset() or "utf-8")
        elif body:
            raw.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        params = {
            name: _decode_value(name, value) if isinstance(value, str) else value
            for name, value in raw.items()
        }
        return params, files, filenames


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeTelegram) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that dies mid-request (the crash tests kill it) is not the server's error."""
        logger.debug("client %s went away", client_address)


def _error_payload(err: ApiError) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "ok": False,
        "error_code": err.status,
        "description": err.description,
    }
    if err.parameters:
        payload["parameters"] = err.parameters
    return payload


class FakeTelegram:
    """The fake Bot API server; a context manager that serves on 127.0.0.1 in a daemon thread.

    ``known_chats``: when non-empty, any other chat id answers 400 "chat not found".
    ``max_poll``: upper bound in seconds for a ``getUpdates`` long poll.
    """

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        known_chats: set[int | str] | None = None,
        max_poll: float = MAX_POLL_SECONDS,
        bot_username: str = "duluan_test_bot",
    ) -> None:
        self.token = token
        self.known_chats: set[int | str] = set(known_chats or ())
        self.max_poll = max_poll
        self.calls: list[Call] = []
        self._lock = threading.RLock()
        self._updates_changed = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._failures: dict[str, deque[_Failure]] = {}
        self._delays: dict[str, deque[float]] = {}
        self._late: dict[str, deque[float]] = {}
        self._messages: dict[tuple[int | str, int], dict[str, Any]] = {}
        self._sent_order: list[tuple[int | str, int]] = []
        self._next_message_id: dict[int | str, int] = {}
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 100_000
        self._poll_generation = 0
        self._waiting_polls = 0
        self._open_queries: dict[str, dict[str, Any]] = {}
        self.answered_queries: list[dict[str, Any]] = []
        self._webhook: dict[str, Any] = {}
        self._file_counter = 0
        self._files: dict[str, tuple[str, bytes, int | None]] = {}
        self._downloads: list[str] = []
        bot_id = token.split(":", 1)[0]
        self.bot_user: dict[str, Any] = {
            "id": int(bot_id) if bot_id.isdigit() else 123456789,
            "is_bot": True,
            "first_name": "Dư luận Đăk Hà",
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    def __enter__(self) -> FakeTelegram:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> None:
        """Bind to 127.0.0.1 on a free port and serve in a daemon thread."""
        self._server = _Server(self)
        host, port = self._server.server_address[:2]
        self.base_url = f"http://{host!s}:{port}/bot"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-telegram",
            daemon=True,
        )
        self._thread.start()

    def close(self) -> None:
        """Stop serving; pending long polls and delayed answers are released at once."""
        self._stop.set()
        with self._lock:
            self._updates_changed.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def sent(self, chat_id: int | str | None = None) -> list[dict[str, Any]]:
        """Messages the bot delivered (sendMessage/sendDocument), oldest first, as last edited."""
        with self._lock:
            keys = [k for k in self._sent_order if chat_id is None or k[0] == _chat_key(chat_id)]
            return [copy.deepcopy(self._messages[k]) for k in keys]

    @property
    def waiting_polls(self) -> int:
        """How many getUpdates long polls are waiting right now."""
        with self._lock:
            return self._waiting_polls

    def calls_to(self, method: str) -> list[Call]:
        """The recorded calls of one method, oldest first."""
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        """Wait until ``predicate()`` holds (checked on every call); True if it did in time."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._updates_changed.wait(min(left, 0.05))
            return True

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = None,
        description: str | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail with this status.

        A 429 carries ``parameters.retry_after`` when ``retry_after`` is given. Failed calls are
        recorded in ``calls`` but deliver nothing. Queued failures are used in order.
        """
        with self._lock:
            queue = self._failures.setdefault(method, deque())
            queue.append(_Failure(status, retry_after, description, times))

    def delay_next(self, method: str, seconds: float) -> None:
        """Answer the next call of ``method`` only after ``seconds``.

        The call still takes effect afterwards, as on the real API where a client timeout does not
        mean the message was not delivered.
        """
        with self._lock:
            self._delays.setdefault(method, deque()).append(seconds)

    def answer_late_next(self, method: str, seconds: float) -> None:
        """Carry out the next call of ``method`` at once (a message is delivered) but answer it
        only after ``seconds``: a client that times out first never learns it was delivered."""
        with self._lock:
            self._late.setdefault(method, deque()).append(seconds)

    def clear_faults(self) -> None:
        """Forget the failures, delays and late answers still queued."""
        with self._lock:
            self._failures.clear()
            self._delays.clear()
            self._late.clear()

    def push_callback(self, *, from_id: int, chat_id: int, message_id: int, data: str) -> int:
        """Queue a callback_query update (a button press); returns its update_id."""
        with self._lock:
            chat = _chat_key(chat_id)
            message = self._messages.get((chat, message_id))
            if message is None:
                message = {"message_id": message_id, "chat": self._chat(chat), "date": 0}
            query_id = f"{from_id}{len(self._open_queries) + len(self.answered_queries) + 1:06d}"
            query = {
                "id": query_id,
                "from": self._user(from_id),
                "message": copy.deepcopy(message),
                "chat_instance": f"-{abs(hash(chat)) % 10**18}",
                "data": data,
            }
            self._open_queries[query_id] = query
            return self._push_update({"callback_query": query})

    def push_message(
        self,
        *,
        from_id: int,
        chat_id: int,
        text: str | None = None,
        reply_to: int | None = None,
        **fields: Any,
    ) -> int:
        """Queue a message update from a user (optionally a reply); returns its update_id.
        `fields` are further Message fields as the Bot API sends them (`entities`, `caption`,
        `caption_entities`, `photo`, `document`, `forward_origin`)."""
        with self._lock:
            chat = _chat_key(chat_id)
            message: dict[str, Any] = {
                "message_id": self._new_message_id(chat),
                "from": self._user(from_id),
                "chat": self._chat(chat),
                "date": int(time.time()),
            }
            if text is not None:
                message["text"] = text
            message.update(copy.deepcopy(fields))
            if reply_to is not None and (chat, reply_to) in self._messages:
                message["reply_to_message"] = copy.deepcopy(self._messages[(chat, reply_to)])
            self._messages[(chat, message["message_id"])] = message
            return self._push_update({"message": copy.deepcopy(message)})

    def add_file(self, content: bytes, *, size: int | None = None) -> dict[str, Any]:
        """Store a file users sent; returns its PhotoSize/Document fields (`file_id`,
        `file_unique_id`, `file_size`: `size` overrides the real size, as a file too big to
        keep here)."""
        with self._lock:
            self._file_counter += 1
            number = self._file_counter
            file_id = f"AgACAgUAAxkBAAI{number:08d}"
            self._files[file_id] = (f"photos/file_{number}.jpg", content, size)
            return {
                "file_id": file_id,
                "file_unique_id": f"AQAD{number:08d}",
                "file_size": len(content) if size is None else size,
            }

    @property
    def downloads(self) -> list[str]:
        """The file paths the bot downloaded, oldest first."""
        with self._lock:
            return list(self._downloads)

    def _download(self, token: str, path: str) -> bytes | None:
        with self._lock:
            if token != self.token:
                return None
            self._downloads.append(path)
            found = [c for p, c, _ in self._files.values() if p == path]
            return found[0] if found else None

    def _api_getfile(self, params: dict[str, Any], *_: Any) -> dict[str, Any]:
        with self._lock:
            file_id = str(params.get("file_id") or "")
            if file_id not in self._files:
                raise ApiError(400, "Bad Request: invalid file_id")
            path, content, size = self._files[file_id]
            real = len(content) if size is None else size
            if real > MAX_DOWNLOAD:
                raise ApiError(400, "Bad Request: file is too big")
            return {
                "file_id": file_id,
                "file_unique_id": "AQAD" + file_id[-8:],
                "file_size": real,
                "file_path": path,
            }

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by an offset."""
        with self._lock:
            return copy.deepcopy(self._updates)

    def _push_update(self, body: dict[str, Any]) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        self._updates.append({"update_id": update_id, **body})
        self._updates_changed.notify_all()
        return update_id

    def _user(self, user_id: int) -> dict[str, Any]:
        return {
            "id": user_id,
            "is_bot": False,
            "first_name": f"Người dùng {user_id}",
            "language_code": "vi",
        }

    def _chat(self, chat: int | str) -> dict[str, Any]:
        if isinstance(chat, str):
            return {
                "id": -1_000_000_000_000 - abs(hash(chat)) % 10**9,
                "type": "channel",
                "title": chat,
                "username": chat.lstrip("@"),
            }
        if chat > 0:
            return {"id": chat, "type": "private", "first_name": f"Người dùng {chat}"}
        kind = "supergroup" if chat <= -1_000_000_000_000 else "group"
        return {"id": chat, "type": kind, "title": f"Nhóm {chat}"}

    def _new_message_id(self, chat: int | str) -> int:
        self._next_message_id[chat] = self._next_message_id.get(chat, 0) + 1
        return self._next_message_id[chat]

    def _handle(
        self,
        token: str,
        method: str,
        params: dict[str, Any],
        files: dict[str, bytes],
        filenames: dict[str, str],
    ) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.calls.append(Call(method, token, params, files, filenames))
            self._updates_changed.notify_all()
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            failure = self._take_failure(method)
            delays = self._delays.get(method)
            delay = delays.popleft() if delays else 0.0
            lates = self._late.get(method)
            late = lates.popleft() if lates and failure is None else 0.0
        if failure is not None:
            raise failure
        if delay and self._stop.wait(delay):
            raise ApiError(500, "Internal Server Error")
        handler = getattr(self, f"_api_{method.lower()}", None)
        if handler is None:
            raise ApiError(404, "Not Found")
        result = handler(params, files, filenames)
        if late:
            self._stop.wait(late)
        return 200, {"ok": True, "result": result}

    def _take_failure(self, method: str) -> ApiError | None:
        queue = self._failures.get(method)
        if not queue:
            return None
        failure = queue[0]
        failure.times -= 1
        if failure.times <= 0:
            queue.popleft()
        description = failure.description or _DEFAULT_DESCRIPTIONS.get(
            failure.status, f"Error {failure.status}"
        )
        parameters = None
        if failure.retry_after is not None:
            parameters = {"retry_after": failure.retry_after}
            if failure.description is None and failure.status == 429:
                description = f"Too Many Requests: retry after {failure.retry_after}"
        return ApiError(failure.status, description, parameters)

    def _check_chat(self, params: dict[str, Any]) -> int | str:
        if "chat_id" not in params or params["chat_id"] == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        chat = _chat_key(params["chat_id"])
        if self.known_chats and chat not in {_chat_key(c) for c in self.known_chats}:
            raise ApiError(400, "Bad Request: chat not found")
        return chat

    def _check_markup(self, params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                size = len(str(data).encode("utf-8"))
                if data is not None and not 1 <= size <= MAX_CALLBACK_DATA:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup

    def _format(self, params: dict[str, Any], key: str) -> tuple[str, list[dict[str, Any]]]:
        source = str(params.get(key) or "")
        if str(params.get("parse_mode") or "").upper() == "HTML":
            return _HtmlToEntities(source).parse()
        entities = params.get("entities" if key == "text" else "caption_entities") or []
        return source, list(entities)

    def _base_message(self, chat: int | str, params: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self._new_message_id(chat),
            "from": dict(self.bot_user),
            "chat": self._chat(chat),
            "date": int(time.time()),
        }
        thread = params.get("message_thread_id")
        if thread:
            message["message_thread_id"] = thread
            message["is_topic_message"] = True
        reply_to = params.get("reply_to_message_id")
        reply_parameters = params.get("reply_parameters")
        if isinstance(reply_parameters, dict):
            reply_to = reply_parameters.get("message_id")
        if reply_to is not None:
            original = self._messages.get((chat, int(reply_to)))
            if original is None:
                raise ApiError(400, "Bad Request: message to be replied not found")
            message["reply_to_message"] = copy.deepcopy(original)
        return message

    def _deliver(self, chat: int | str, message: dict[str, Any]) -> dict[str, Any]:
        key = (chat, message["message_id"])
        self._messages[key] = message
        self._sent_order.append(key)
        self._updates_changed.notify_all()
        return copy.deepcopy(message)

    def _find_own_message(self, params: dict[str, Any]) -> tuple[int | str, dict[str, Any]]:
        if "inline_message_id" in params:
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        chat = self._check_chat(params)
        message = self._messages.get((chat, int(params.get("message_id") or 0)))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message.get("from", {}).get("id") != self.bot_user["id"]:
            raise ApiError(400, "Bad Request: message can't be edited")
        return chat, message

    def _api_getme(self, params: dict[str, Any], *_: Any) -> dict[str, Any]:
        return dict(self.bot_user)

    def _api_sendmessage(self, params: dict[str, Any], *_: Any) -> dict[str, Any]:
        with self._lock:
            chat = self._check_chat(params)
            text, entities = self._format(params, "text")
            if not text.strip():
                raise ApiError(400, "Bad Request: message text is empty")
            if _utf16_len(text) > MAX_TEXT:  # Telegram counts UTF-16 code units
                raise ApiError(400, "Bad Request: message is too long")
            markup = self._check_markup(params)
            message = self._base_message(chat, params)
            message["text"] = text
            if entities:
                message["entities"] = entities
            if markup and "inline_keyboard" in markup:  # Telegram echoes only inline keyboards
                message["reply_markup"] = markup
            preview = params.get("link_preview_options")
            if params.get("disable_web_page_preview"):
                preview = {"is_disabled": True}
            if preview:
                message["link_preview_options"] = preview
            return self._deliver(chat, message)

    def _api_senddocument(
        self, params: dict[str, Any], files: dict[str, bytes], filenames: dict[str, str]
    ) -> dict[str, Any]:
        with self._lock:
            chat = self._check_chat(params)
            caption, entities = self._format(params, "caption")
            if _utf16_len(caption) > MAX_CAPTION:
                raise ApiError(400, "Bad Request: message caption is too long")
            markup = self._check_markup(params)
            self._file_counter += 1
            if "document" in files:
                content = files["document"]
                document = {
                    "file_id": f"BQACAgUAAxkBAAI{self._file_counter:08d}",
                    "file_unique_id": f"AgAD{self._file_counter:08d}",
                    "file_name": filenames.get("document", "document"),
                    "mime_type": "application/octet-stream",
                    "file_size": len(content),
                }
            elif isinstance(params.get("document"), str) and params["document"]:
                document = {"file_id": params["document"], "file_unique_id": params["document"]}
            else:
                raise ApiError(400, "Bad Request: there is no document in the request")
            message = self._base_message(chat, params)
            message["document"] = document
            if caption:
                message["caption"] = caption
            if entities:
                message["caption_entities"] = entities
            if markup and "inline_keyboard" in markup:  # Telegram echoes only inline keyboards
                message["reply_markup"] = markup
            return self._deliver(chat, message)

    def _api_editmessagetext(self, params: dict[str, Any], *_: Any) -> dict[str, Any]:
        with self._lock:
            message = self._find_own_message(params)[1]
            if "text" not in message:
                raise ApiError(400, "Bad Request: there is no text in the message to edit")
            text, entities = self._format(params, "text")
            if not text.strip():
                raise ApiError(400, "Bad Request: message text is empty")
            if _utf16_len(text) > MAX_TEXT:
                raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
            markup = self._check_markup(params)
            if (
                text == message["text"]
                and entities == message.get("entities", [])
                and markup == message.get("reply_markup")
            ):
                raise ApiError(
                    400,
                    "Bad Request: message is not modified: specified new message content and "
                    "reply markup are exactly the same as a current content and reply markup "
                    "of the message",
                )
            message["text"] = text
            message.pop("entities", None)
            if entities:
                message["entities"] = entities
            self._set_markup(message, markup)
            message["edit_date"] = int(time.time())
            self._updates_changed.notify_all()
            return copy.deepcopy(message)

    def _api_editmessagereplymarkup(self, params: dict[str, Any], *_: Any) -> dict[str, Any]:
        with self._lock:
            message = self._find_own_message(params)[1]
            markup = self._check_markup(params)
            if markup == message.get("reply_markup"):
                raise ApiError(
                    400,
                    "Bad Request: message is not modified: specified new message content and "
                    "reply markup are exactly the same as a current content and reply markup "
                    "of the message",
                )
            self._set_markup(message, markup)
            message["edit_date"] = int(time.time())
            self._updates_changed.notify_all()
            return copy.deepcopy(message)

    @staticmethod
    def _set_markup(message: dict[str, Any], markup: dict[str, Any] | None) -> None:
        if markup and markup.get("inline_keyboard"):
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)

    def _api_answercallbackquery(self, params: dict[str, Any], *_: Any) -> bool:
        with self._lock:
            query_id = str(params.get("callback_query_id") or "")
            query = self._open_queries.pop(query_id, None)
            if query is None:
                raise ApiError(
                    400,
                    "Bad Request: query is too old and response timeout expired or query ID is "
                    "invalid",
                )
            self.answered_queries.append({"query": query, "params": dict(params)})
            self._updates_changed.notify_all()
            return True

    def _api_getupdates(self, params: dict[str, Any], *_: Any) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = max(1, min(100, int(params.get("limit") or 100)))
        timeout = max(0.0, min(float(params.get("timeout") or 0), self.max_poll))
        deadline = time.monotonic() + timeout
        with self._lock:
            if self._webhook.get("url"):
                raise ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; use "
                    "deleteWebhook to delete the webhook first",
                )
            if offset > 0:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            elif offset < 0:
                self._updates = self._updates[offset:]
            self._poll_generation += 1
            generation = self._poll_generation
            self._updates_changed.notify_all()
            self._waiting_polls += 1
            try:
                while not self._updates and not self._stop.is_set():
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._updates_changed.wait(left)
                    if generation != self._poll_generation:
                        raise ApiError(
                            409,
                            "Conflict: terminated by other getUpdates request; make sure that "
                            "only one bot instance is running",
                        )
            finally:
                self._waiting_polls -= 1
                self._updates_changed.notify_all()
            return copy.deepcopy(self._updates[:limit])

    def _api_setwebhook(self, params: dict[str, Any], *_: Any) -> bool:
        with self._lock:
            url = str(params.get("url") or "")
            if url and not url.startswith("https://"):
                raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided")
            self._webhook = {"url": url} if url else {}
            if params.get("drop_pending_updates"):
                self._updates.clear()
            return True

    def _api_deletewebhook(self, params: dict[str, Any], *_: Any) -> bool:
        with self._lock:
            self._webhook = {}
            if params.get("drop_pending_updates"):
                self._updates.clear()
            return True

    def _api_getwebhookinfo(self, params: dict[str, Any], *_: Any) -> dict[str, Any]:
        with self._lock:
            return {
                "url": self._webhook.get("url", ""),
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            }
