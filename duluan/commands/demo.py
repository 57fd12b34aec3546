"""`duluan demo`: the daemon and the console against two bundled sample outlets, offline, in a
throwaway data folder (see `duluan.demo`)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from duluan.commands import UsageError

if TYPE_CHECKING:
    from duluan.runtime import Runtime

COMMANDS: tuple[str, ...] = ("demo",)


def add_parser(commands: Any) -> None:
    """Add the `demo` subcommand to the `duluan` subparsers."""
    demo = commands.add_parser(
        "demo",
        help="chạy thử trên máy, không cần Internet: hai báo mẫu, cảnh báo, rà soát, vụ việc, "
        "báo cáo",
        description="Chạy thử duluan trên máy này, không cần Internet: hai trang báo mẫu (vài "
        "chục bài viết sẵn về địa bàn), chương trình chạy nền và trang rà soát trong một thư mục "
        "dữ liệu tạm. Trong khoảng một phút có cảnh báo in ra màn hình, hàng đợi rà soát, một vụ "
        "việc và báo cáo 7 ngày qua. Dừng bằng Ctrl-C: thư mục tạm được xóa.",
    )
    demo.add_argument(
        "--dir",
        metavar="THƯ_MỤC",
        help="dùng thư mục này (trống hoặc chưa có) thay thư mục tạm, và giữ lại khi dừng",
    )
    demo.add_argument(
        "--port", type=int, metavar="CỔNG", help="cổng của trang rà soát (mặc định 8080 nếu trống)"
    )
    demo.add_argument("--keep", action="store_true", help="giữ thư mục dữ liệu khi dừng")


def run(args: argparse.Namespace, runtime: Runtime) -> int:
    """Run the demo until Ctrl-C."""
    from duluan.demo.run import run_demo

    if args.port is not None and not 0 < args.port < 65536:
        raise UsageError(f"cổng {args.port} không hợp lệ (1–65535)")
    return run_demo(runtime, directory=args.dir, port=args.port, keep=args.keep, out=sys.stdout)
