"""Logging set-up for the commands and the crawl process."""

from __future__ import annotations

import logging
import re
import sys

NOISY = (
    "scrapy",
    "twisted",
    "trafilatura",
    "htmldate",
    "urllib3",
    "filelock",
    "asyncio",
    "py",
    "httpx",
    "httpcore",
    "telegram",
    "apscheduler",
)
# Library loggers whose errors the spider reports itself, in one line per source (an unreachable
# robots.txt is the site being unreachable): their tracebacks only with -vv.
REPORTED_ELSEWHERE = frozenset({"scrapy.downloadermiddlewares.robotstxt"})
# A Telegram bot token (digits, colon, 35 URL-safe characters), as it appears in request URLs.
TOKEN = re.compile(r"(?<![0-9])\d{5,}:[A-Za-z0-9_-]{30,}")


_SECRETS: set[str] = set()


def redact(secret: str | None) -> None:
    """Never let `secret` (the webhook's secret token…) reach a log line, even at -vv, where
    python-telegram-bot logs its request parameters."""
    if secret and len(secret) >= 8:
        _SECRETS.add(secret)


class _RedactTokens(logging.Filter):
    """The bot token and registered secrets never reach a log line (httpx logs request URLs,
    which contain the token; python-telegram-bot logs setWebhook's parameters at DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = TOKEN.sub("<token>", message)
        for secret in _SECRETS:
            if secret in cleaned:
                cleaned = cleaned.replace(secret, "<secret>")
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True


class _QuietLibraries(logging.Filter):
    """Third-party libraries speak at WARNING and above only, whatever levels they set
    themselves (Scrapy resets its loggers to DEBUG when a crawler starts)."""

    def __init__(self, threshold: int) -> None:
        super().__init__()
        self.threshold = threshold

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name in REPORTED_ELSEWHERE and self.threshold > logging.DEBUG:
            return False
        if record.levelno >= self.threshold:
            return True
        return record.name.split(".")[0] not in NOISY


def setup_logging(level: str = "WARNING") -> None:
    """One stderr handler; libraries stay at WARNING unless DEBUG is asked for."""
    numeric = getattr(logging, level.upper(), logging.WARNING)
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(numeric)
    handler.addFilter(_QuietLibraries(numeric if numeric <= logging.DEBUG else logging.WARNING))
    handler.addFilter(_RedactTokens())
    root.addHandler(handler)
    root.setLevel(numeric)
