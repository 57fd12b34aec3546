"""A small async client of the Zalo Bot API, its typed errors, and alerts rendered for Zalo.

The Zalo Bot Platform (bot.zaloplatforms.com) answers `POST <base>/bot<TOKEN>/<method>` with a
JSON body and a Telegram-like envelope (`ok`, `result`, `error_code`, `description`). It has no
formatting and no buttons: text only, 1 to 2,000 characters (`LIMIT`). `getUpdates` has no
offset: each call hands out at most one update and the platform forgets it (error 408 when none
came within the poll). The facts and their sources are in docs/zalo.md.

The errors mirror how alerts/delivery.py treats Telegram's, so one deliverer can treat both
messengers alike: `ZaloRetryAfter` (wait as told), `ZaloChatNotFound` / `ZaloForbidden` /
`ZaloInvalidToken` (permanent: stop retrying), `ZaloBadRequest` (our fault), `ZaloNetworkError`
(retry; `maybe_delivered` says whether the request may have reached Zalo). The token never
appears in a message, a repr or (through `duluan.logs.redact`) a log line. Delivery through Zalo
is not wired yet (issue 17): this module is its foundation.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import httpx

from alerts.message import utf16_len, utf16_prefix
from duluan.logs import redact

DEFAULT_BASE_URL = "https://bot-api.zaloplatforms.com"
LEGACY_BASE_URL = "https://bot-api.zapps.me"  # older host, still in python-zalo-bot 0.1.x
LIMIT = 2000  # characters in a message or a caption (the documentation: "từ 1 đến 2000 ký tự")
WEBHOOK_SECRET_HEADER = "X-Bot-Api-Secret-Token"
POLL_TIMEOUT = 30  # seconds; the platform's default for getUpdates
SEND_TIMEOUT = 20.0
DEFAULT_RETRY_AFTER = 10.0  # when a 429 does not say how long to wait (not documented)
CHAT_ACTIONS = ("typing", "upload_photo")
_NO_UPDATE = 408  # getUpdates: nothing arrived within the poll


class ZaloError(Exception):
    """An answer of the Zalo Bot API that is not a success, or no answer at all."""

    permanent = False  # retrying the same call cannot succeed

    def __init__(self, description: str, error_code: int | None = None) -> None:
        super().__init__(description)
        self.description = description
        self.error_code = error_code


class ZaloBadRequest(ZaloError):
    """The request was wrong (text too long, bad photo URL…): a bug on our side."""


class ZaloChatNotFound(ZaloBadRequest):
    """The chat id is unknown to the bot (never talked to it, or a typo in the config)."""

    permanent = True


class ZaloForbidden(ZaloError):
    """The bot may not write there (blocked, removed from the group)."""

    permanent = True


class ZaloInvalidToken(ZaloError):
    """The bot token was refused."""

    permanent = True


class ZaloRetryAfter(ZaloError):
    """Too many requests: wait `retry_after` seconds."""

    def __init__(self, retry_after: float, description: str = "Too Many Requests") -> None:
        super().__init__(description, 429)
        self.retry_after = retry_after


class ZaloNetworkError(ZaloError):
    """No usable answer: connection refused or dropped, timeout, 5xx, a body that is not JSON.
    `maybe_delivered`: the request went out and its answer did not come back."""

    def __init__(
        self, description: str, error_code: int | None = None, *, maybe_delivered: bool = False
    ) -> None:
        super().__init__(description, error_code)
        self.maybe_delivered = maybe_delivered


class ZaloTimedOut(ZaloNetworkError):
    """No answer in time."""


@dataclass(frozen=True)
class BotInfo:
    """`getMe`: who the bot is and whether it may join groups."""

    id: str
    account_name: str
    account_type: str = ""
    can_join_groups: bool = False


@dataclass(frozen=True)
class SentMessage:
    """What a send returns: the message id (a hex string) and its time (Unix milliseconds)."""

    message_id: str
    date: int | None = None


@dataclass(frozen=True)
class ZaloMessage:
    """An incoming message, private or group, with who sent it."""

    message_id: str
    chat_id: str
    chat_type: str  # "PRIVATE" or "GROUP"
    user_id: str
    user_name: str = ""
    text: str = ""
    photo_url: str = ""
    caption: str = ""
    sticker: str = ""
    date: int | None = None  # Unix milliseconds


@dataclass(frozen=True)
class Update:
    """One update from `getUpdates` or the webhook: its event and message, and the raw JSON."""

    event_name: str
    message: ZaloMessage | None
    raw: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)


@dataclass(frozen=True)
class WebhookInfo:
    url: str
    updated_at: int | None = None


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def parse_update(data: dict[str, Any]) -> Update:
    """An update as the platform sends it (also the body of a webhook call), tolerant of
    missing fields; `event_name` is guessed from the content when absent."""
    raw = data.get("message")
    message: ZaloMessage | None = None
    if isinstance(raw, dict):
        chat = _dict(raw.get("chat"))
        sender = _dict(raw.get("from"))
        name = sender.get("display_name") or sender.get("first_name") or sender.get("name")
        date = raw.get("date")
        message = ZaloMessage(
            message_id=_text(raw.get("message_id")),
            chat_id=_text(chat.get("id")),
            chat_type=_text(chat.get("chat_type")).upper() or "PRIVATE",
            user_id=_text(sender.get("id")),
            user_name=_text(name),
            text=_text(raw.get("text")),
            photo_url=_text(raw.get("photo_url") or raw.get("photo")),
            caption=_text(raw.get("caption")),
            sticker=_text(raw.get("sticker")),
            date=date if isinstance(date, int) and not isinstance(date, bool) else None,
        )
    event = _text(data.get("event_name"))
    if not event and message is not None:
        kind = "image" if message.photo_url else "sticker" if message.sticker else "text"
        event = f"message.{kind}.received"
    return Update(event_name=event, message=message, raw=data)


class ZaloBot:
    """The Zalo Bot API over httpx. The caller passes the token and base URL (`ZALO_BOT_TOKEN`,
    `ZALO_API_BASE_URL`); the client never reads the environment."""

    def __init__(
        self,
        token: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout: float = SEND_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not token or any(c.isspace() or c == "/" for c in token):
            raise ValueError("ZALO_BOT_TOKEN trống hoặc sai dạng / empty or malformed token")
        self._token = token
        redact(token)
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._http = httpx.AsyncClient(transport=transport, timeout=timeout)

    def __repr__(self) -> str:
        return f"ZaloBot(base_url={self.base_url!r})"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> ZaloBot:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _clean(self, text: str) -> str:
        return text.replace(self._token, "<token>")

    async def call(
        self, method: str, payload: dict[str, Any] | None = None, *, timeout: float | None = None
    ) -> Any:
        """POST `payload` as JSON to `method`; the `result` of a success, else a `ZaloError`."""
        url = f"{self.base_url}/bot{self._token}/{method}"
        try:
            response = await self._http.post(
                url, json=payload or {}, timeout=timeout if timeout is not None else self.timeout
            )
        except (httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteTimeout) as exc:
            raise ZaloTimedOut(f"{method}: {type(exc).__name__}") from None
        except httpx.TimeoutException as exc:  # read timeout: the request went out
            raise ZaloTimedOut(f"{method}: {type(exc).__name__}", maybe_delivered=True) from None
        except (httpx.ConnectError, httpx.WriteError, httpx.UnsupportedProtocol) as exc:
            raise ZaloNetworkError(f"{method}: {type(exc).__name__}") from None
        except httpx.HTTPError as exc:  # dropped while waiting for the answer
            raise ZaloNetworkError(
                f"{method}: {type(exc).__name__}", maybe_delivered=True
            ) from None
        try:
            data = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            data = None
        if not isinstance(data, dict):
            raise ZaloNetworkError(
                f"{method}: trả lời không phải JSON (HTTP {response.status_code})",
                response.status_code,
            )
        if data.get("ok") is True and response.is_success:
            return data.get("result")
        raise self._error(method, response, data)

    def _error(self, method: str, response: httpx.Response, data: dict[str, Any]) -> ZaloError:
        """Map an error answer to its typed exception (HTTP status or `error_code`)."""
        code = data.get("error_code")
        if not isinstance(code, int):
            code = response.status_code if not response.is_success else 0
        description = self._clean(_text(data.get("description")) or f"error {code}")
        lowered = description.lower()
        if code == 429 or response.status_code == 429:
            wait = _dict(data.get("parameters")).get(
                "retry_after", response.headers.get("Retry-After")
            )
            try:
                seconds = max(0.0, float(wait))
            except (TypeError, ValueError):
                seconds = DEFAULT_RETRY_AFTER
            return ZaloRetryAfter(seconds, description)
        if code == 401:
            return ZaloInvalidToken(description, code)
        if code == 403:
            return ZaloForbidden(description, code)
        if (
            code in (400, 404)
            and "not found" in lowered
            and ("chat" in lowered or "user" in lowered)
        ):
            return ZaloChatNotFound(description, code)
        if code == 404:
            return ZaloInvalidToken(description, code)  # wrong token or wrong host
        if code >= 500 or response.status_code >= 500:
            return ZaloNetworkError(description, code)
        if 400 <= code < 500:
            return ZaloBadRequest(description, code)
        return ZaloError(description, code or None)

    async def get_me(self) -> BotInfo:
        result = await self.call("getMe")
        data = _dict(result)
        return BotInfo(
            id=_text(data.get("id")),
            account_name=_text(data.get("account_name") or data.get("name")),
            account_type=_text(data.get("account_type")),
            can_join_groups=bool(data.get("can_join_groups")),
        )

    async def send_message(self, chat_id: str, text: str) -> SentMessage:
        """Send plain text (1 to `LIMIT` characters; render alerts with `zalo_text`)."""
        return _sent(await self.call("sendMessage", {"chat_id": str(chat_id), "text": text}))

    async def send_photo(self, chat_id: str, photo_url: str, caption: str = "") -> SentMessage:
        """Send a photo by its http(s) URL (the platform takes no upload)."""
        payload: dict[str, Any] = {"chat_id": str(chat_id), "photo": photo_url}
        if caption:
            payload["caption"] = caption
        return _sent(await self.call("sendPhoto", payload))

    async def send_sticker(self, chat_id: str, sticker: str) -> SentMessage:
        return _sent(await self.call("sendSticker", {"chat_id": str(chat_id), "sticker": sticker}))

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> None:
        await self.call("sendChatAction", {"chat_id": str(chat_id), "action": action})

    async def get_updates(self, timeout: int = POLL_TIMEOUT) -> list[Update]:
        """Long-poll for up to `timeout` seconds: the update that came (at most one; a list
        is accepted too), or none. There is no offset: the platform hands each update out once."""
        try:
            result = await self.call(
                "getUpdates", {"timeout": str(int(timeout))}, timeout=timeout + 10.0
            )
        except ZaloError as exc:
            if exc.error_code == _NO_UPDATE and not isinstance(exc, ZaloNetworkError):
                return []
            raise
        items = result if isinstance(result, list) else [result] if result else []
        return [parse_update(item) for item in items if isinstance(item, dict)]

    async def set_webhook(self, url: str, secret_token: str) -> WebhookInfo:
        """Send updates to `url` (https) with `secret_token` (8–256 characters) in the
        `WEBHOOK_SECRET_HEADER` header; `getUpdates` stops working meanwhile."""
        redact(secret_token)
        return _webhook(await self.call("setWebhook", {"url": url, "secret_token": secret_token}))

    async def delete_webhook(self) -> WebhookInfo:
        return _webhook(await self.call("deleteWebhook"))

    async def get_webhook_info(self) -> WebhookInfo:
        return _webhook(await self.call("getWebhookInfo"))


def _sent(result: Any) -> SentMessage:
    data = _dict(result)
    date = data.get("date")
    return SentMessage(_text(data.get("message_id")), date if isinstance(date, int) else None)


def _webhook(result: Any) -> WebhookInfo:
    data = _dict(result)
    updated = data.get("updated_at")
    return WebhookInfo(_text(data.get("url")), updated if isinstance(updated, int) else None)


# --- rendering ---------------------------------------------------------------------------------

_BLOCK_TAGS = frozenset({"br", "p", "div", "blockquote", "pre", "li", "tr"})
_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_SPACE_IN_URL = re.compile(r"\s+")
_LINK_END = "\ue000"  # private use: ends a link's address line, unless a line break follows


class _PlainText(HTMLParser):
    """Telegram HTML → plain text: tags dropped, entities unescaped, a link's address on its
    own line after its label."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[tuple[str, int]] = []  # open <a>: its href and where its label starts

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = _SPACE_IN_URL.sub("", dict(attrs).get("href") or "").replace(_LINK_END, "")
            self.links.append((href, len(self.parts)))
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.links:
            href, start = self.links.pop()
            label = "".join(self.parts[start:]).strip()
            if href and href != label:
                self.parts.append(f"\n{href}{_LINK_END}")
        elif tag in _BLOCK_TAGS - {"br"}:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data.replace(_LINK_END, ""))

    def text(self) -> str:
        self.close()
        for href, _ in reversed(self.links):  # unclosed <a>: keep its address all the same
            if href:
                self.parts.append(f"\n{href}{_LINK_END}")
        self.links.clear()
        text = "".join(self.parts).replace(f"{_LINK_END}\n", "\n")
        return text.replace(_LINK_END, "\n")


def cut_plain(text: str, limit: int = LIMIT) -> str:
    """`text` if it fits in `limit` (counted in UTF-16 units, never fewer than characters, so
    the cut fits whichever way Zalo counts); else cut at the last line break (or space) that keeps a
    reasonable part, followed by "…"."""
    if utf16_len(text) <= limit:
        return text
    room = limit - 1
    head = utf16_prefix(text, room)
    for sep in ("\n", " "):
        at = head.rfind(sep)
        if at >= room // 2:
            head = head[:at]
            break
    return head.rstrip() + "…"


MAX_PARTS = 4  # a longer list (overdue items, a report's summary) is cut in its 4th message


def split_plain(text: str, limit: int = LIMIT, parts: int = MAX_PARTS) -> list[str]:
    """`text` as at most `parts` messages of at most `limit` each, split at line breaks (a
    line longer than `limit` is cut), the last cut with "…": a long list reaches Zalo whole
    where a single message would lose its end."""
    out: list[str] = []
    rest = text
    while utf16_len(rest) > limit and len(out) < parts - 1:
        head = utf16_prefix(rest, limit)
        at = head.rfind("\n")
        if at < limit // 4:
            at = len(head)
        out.append(rest[:at].rstrip())
        rest = rest[at:].lstrip("\n")
    out.append(cut_plain(rest, limit))
    return [part for part in out if part]


def zalo_text(html_message: str, limit: int | None = LIMIT) -> str:
    """A Telegram-HTML alert (alerts/message.py) as Zalo shows it: plain text, each link's
    address on its own line, invisible and control characters removed, at most `limit` (None:
    whole, for `split_plain`)."""
    parser = _PlainText()
    parser.feed(html_message)
    text = _INVISIBLE.sub("", parser.text().replace("\r\n", "\n").replace("\r", "\n"))
    lines = [line.strip() for line in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return text if limit is None else cut_plain(text, limit)
