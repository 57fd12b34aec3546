"""`duluan web`: serve the review console alone (`duluan start` serves it too)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from duluan.commands import UsageError, load, open_store

if TYPE_CHECKING:
    from duluan.runtime import Runtime

COMMANDS: tuple[str, ...] = ("web",)


def add_parser(commands: Any) -> None:
    """Add the `web` subcommand to the `duluan` subparsers."""
    web = commands.add_parser(
        "web",
        help="chạy riêng trang rà soát trên web (duluan start cũng phục vụ trang này)",
        description="Phục vụ trang rà soát (hàng tin, giao đơn vị, vụ việc, báo cáo) tại địa chỉ "
        "trong cấu hình web (mặc định 127.0.0.1:8080). Dừng bằng Ctrl-C hoặc SIGTERM.",
    )
    web.add_argument("--host", metavar="ĐỊA_CHỈ", help="địa chỉ nghe (mặc định web.host)")
    web.add_argument("--port", type=int, metavar="CỔNG", help="cổng nghe (mặc định web.port)")


def run(args: argparse.Namespace, runtime: Runtime) -> int:
    """Serve the console until stopped; at the default level each console action is logged."""
    from duluan.console.serve import run_web
    from duluan.logs import setup_logging

    config = load(runtime).config
    if args.port is not None and not 0 < args.port < 65536:
        raise UsageError(f"cổng {args.port} không hợp lệ (1–65535)")
    store = open_store(runtime)
    if runtime.log_level == "WARNING":
        setup_logging("INFO")  # each console action is logged, like the daemon's jobs
        logging.getLogger("alembic").setLevel(logging.WARNING)
    with store:
        return run_web(config, store, runtime.now, Path("data"), host=args.host, port=args.port)
