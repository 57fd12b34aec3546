"""`duluan start`: the daemon (scheduled crawls, tagging, alerts, review buttons, reminders,
source health)."""

from __future__ import annotations

import argparse
import logging
from typing import TYPE_CHECKING, Any

from duluan.commands import load, open_store

if TYPE_CHECKING:
    from duluan.runtime import Runtime

COMMANDS: tuple[str, ...] = ("start",)


def add_parser(commands: Any) -> None:
    """Add the `start` subcommand to the `duluan` subparsers."""
    commands.add_parser(
        "start",
        help="chạy nền: thu thập theo lịch, gắn nhãn, gửi cảnh báo, nút duyệt, nhắc việc, "
        "kiểm tra nguồn",
        description="Chương trình chạy nền: thu thập từng nguồn theo chu kỳ riêng, gắn nhãn và "
        "gửi cảnh báo ngay khi có bài mới, nhận thao tác duyệt tin trên Telegram, nhắc việc quá "
        "hạn mỗi sáng ngày làm việc, báo cáo tuần, kiểm tra sức khỏe nguồn. Dừng bằng Ctrl-C "
        "hoặc SIGTERM.",
    )


def run(args: argparse.Namespace, runtime: Runtime) -> int:
    """Run the daemon until it is stopped; at the default level it still says what each job
    did."""
    from duluan.daemon import run_daemon
    from duluan.logs import setup_logging

    loaded = load(runtime)
    open_store(runtime).close()
    if runtime.log_level == "WARNING":
        setup_logging("INFO")  # the daemon says what each job did; the crawl child stays quiet
        logging.getLogger("alembic").setLevel(logging.WARNING)
    return run_daemon(loaded.config, runtime)
