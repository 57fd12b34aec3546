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
