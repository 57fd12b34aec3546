"""`duluan start`: the daemon (scheduled crawls, tagging, alerts, review buttons, reminders,
source health)."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from duluan.commands import UsageError, load, open_store
from duluan.pipeline import DATA_DIR

if TYPE_CHECKING:
    from duluan.runtime import Runtime

COMMANDS: tuple[str, ...] = ("start",)


def add_parser(commands: Any) -> None:
    """Add the `start` subcommand to the `duluan` subparsers."""
    parser = commands.add_parser(
        "start",
        help="chạy nền: thu thập theo lịch, gắn nhãn, gửi cảnh báo, nút duyệt, nhắc việc, "
        "kiểm tra nguồn",
        description="Chương trình chạy nền: thu thập từng nguồn theo chu kỳ riêng, gắn nhãn và "
        "gửi cảnh báo ngay khi có bài mới, nhận thao tác duyệt tin trên Telegram, nhắc việc quá "
        "hạn mỗi sáng ngày làm việc, báo cáo tuần, kiểm tra sức khỏe nguồn. Dừng bằng Ctrl-C "
        "hoặc SIGTERM.",
    )
    parser.add_argument(
        "--role",
        action="append",
        metavar="VAI_TRÒ",
        help="chỉ chạy phần này: crawl (thu thập), tag (gắn nhãn), deliver (gửi cảnh báo, bot "
        "Telegram và Zalo), web (trang rà soát), schedule (báo cáo, nhắc việc, kiểm tra, sao "
        "lưu), all (tất cả, mặc định); nhắc lại hoặc ngăn bằng dấu phẩy; khác all cần PostgreSQL",
    )


def run(args: argparse.Namespace, runtime: Runtime) -> int:
    """Run the daemon (the parts `--role` names) until it is stopped."""
    return start_daemon(runtime, roles=chosen_roles(args.role, runtime.database_url))


def chosen_roles(values: list[str] | None, database_url: str) -> frozenset[str]:
    """The roles `--role` names, checked against the database: a `UsageError` (exit 2) for
    an unknown role or roles on SQLite."""
    from duluan.roles import RoleError, check_roles, parse_roles

    try:
        roles = parse_roles(values)
        check_roles(roles, database_url)
    except RoleError as exc:
        raise UsageError(str(exc)) from None
    return roles


def start_daemon(
    runtime: Runtime,
    *,
    data_dir: Path = DATA_DIR,
    companion: Callable[[], Awaitable[None]] | None = None,
    startup_spread: timedelta | None = None,
    roles: frozenset[str] | None = None,
) -> int:
    """Load the config, bring the database up to date and run the daemon until it is stopped
    (see `duluan.daemon.run_daemon`; `startup_spread` defaults to the daemon's); at the
    default level it still says what each job did. `duluan start` and `duluan demo` both start
    here."""
    from duluan.daemon import STARTUP_SPREAD, run_daemon
    from duluan.logs import setup_logging

    loaded = load(runtime)
    open_store(runtime).close()
    if runtime.log_level == "WARNING":
        setup_logging("INFO")  # the daemon says what each job did; the crawl child stays quiet
        logging.getLogger("alembic").setLevel(logging.WARNING)
    return run_daemon(
        loaded.config,
        runtime,
        data_dir=data_dir,
        companion=companion,
        startup_spread=STARTUP_SPREAD if startup_spread is None else startup_spread,
        **({} if roles is None else {"roles": roles}),
    )
