"""The crawl's one-line progress display: on a terminal only, cleared before the summary."""

from __future__ import annotations

import io

import pytest

from crawler.tally import Progress
from duluan.commands.crawl import ProgressLine
from duluan.commands.output import table


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def progress(new: int) -> Progress:
    return Progress("vnexpress", new, 0, 0, 0, total_new=new + 3, total_failed=1)


def test_progress_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm")
    screen = Terminal()
    display = ProgressLine(screen)
    display(progress(2))
    assert "\rĐang thu thập… vnexpress: 2 mới | tổng 5 mới, 1 lỗi" in screen.getvalue()
    display.clear()
    assert screen.getvalue().endswith("\r")


def test_no_progress_when_redirected() -> None:
    pipe = io.StringIO()
    display = ProgressLine(pipe)
    display(progress(2))
    display.clear()
    assert pipe.getvalue() == ""


def test_table_aligns_columns() -> None:
    text = table(["Nguồn", "Mới"], [["vnexpress", "12"], ["vov", "3"]])
    lines = text.splitlines()
    assert lines[0] == "Nguồn      Mới"
    assert lines[2] == "vnexpress  12"
    assert lines[3] == "vov        3"
