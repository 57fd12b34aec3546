"""Logging: libraries stay quiet, and a bot token never reaches a log line."""

from __future__ import annotations

import logging

import pytest

from duluan.logs import setup_logging

TOKEN = "123456789:AAHf3kLmNoPqRsTuVwXyZ0123456789abcdE"


def test_token_is_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("DEBUG")
    logging.getLogger("httpx").info(
        "HTTP Request: POST https://api.telegram.org/bot%s/getMe", TOKEN
    )
    logging.getLogger("duluan").warning("failed with token %s", TOKEN)
    err = capsys.readouterr().err
    assert TOKEN not in err
    assert "bot<token>/getMe" in err and "failed with token <token>" in err


def test_libraries_quiet_at_warning(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("INFO")
    logging.getLogger("httpx").info("HTTP Request: POST https://x/getMe")
    logging.getLogger("duluan").info("đã gửi tin 1")
    err = capsys.readouterr().err
    assert "getMe" not in err and "đã gửi tin 1" in err


def test_robots_errors_are_left_to_the_spider(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("WARNING")
    robots = logging.getLogger("scrapy.downloadermiddlewares.robotstxt")
    robots.error("Error downloading <GET https://x.vn/robots.txt>: DNS lookup failed")
    logging.getLogger("scrapy.core.scraper").error("Spider error processing")
    err = capsys.readouterr().err
    assert "robots.txt" not in err and "Spider error processing" in err
    setup_logging("DEBUG")
    robots.error("Error downloading <GET https://x.vn/robots.txt>")
    assert "robots.txt" in capsys.readouterr().err


def test_a_registered_secret_is_redacted_even_at_debug(capsys: pytest.CaptureFixture[str]) -> None:
    """python-telegram-bot logs setWebhook's parameters at DEBUG: the secret token with them."""
    from duluan.logs import redact

    secret = "Zq8-wP3_kLm9Tn2Vx7Yb4Rc6Hd1Jf5Gs0Ae"
    setup_logging("DEBUG")
    redact(secret)
    logging.getLogger("telegram.ext.ExtBot").debug(
        "Calling Bot API endpoint `setWebhook` with parameters `%s`", {"secret_token": secret}
    )
    err = capsys.readouterr().err
    assert secret not in err and "<secret>" in err and "setWebhook" in err
