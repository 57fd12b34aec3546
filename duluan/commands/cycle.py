"""`duluan cycle`: one round by hand, as the daemon does it: crawl, tag, deliver."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from duluan.commands import EXIT_USAGE, alert, crawl, tag

if TYPE_CHECKING:
    from duluan.runtime import Runtime

COMMANDS: tuple[str, ...] = ("cycle",)


def add_parser(commands: Any) -> None:
    """Add the `cycle` subcommand to the `duluan` subparsers."""
    cycle = commands.add_parser(
        "cycle",
        help="một vòng: thu thập, gắn nhãn, gửi cảnh báo",
        description="Thu thập một lượt, gắn nhãn bài mới, gửi cảnh báo.",
    )
    cycle.add_argument("--source", action="append", metavar="TÊN", help="chỉ nguồn này")


def run(args: argparse.Namespace, runtime: Runtime) -> int:
    """Crawl, then tag and deliver even when some sources failed (not on bad usage)."""
    crawl_args = argparse.Namespace(source=args.source, since=None)
    crawled = crawl.cmd_crawl(crawl_args, runtime)
    if crawled == EXIT_USAGE:
        return crawled
    tag.run(argparse.Namespace(retag=False), runtime)
    return alert.cmd_alert(runtime)
