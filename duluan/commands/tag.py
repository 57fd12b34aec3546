"""`duluan tag`: tag the stored articles not tagged yet (all of them with `--retag`) and queue
their alerts, then those of stories that spread and of days far above the usual."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from duluan.commands import EXIT_OK, load, open_store

if TYPE_CHECKING:
    from duluan.runtime import Runtime

COMMANDS: tuple[str, ...] = ("tag",)


def add_parser(commands: Any) -> None:
    """Add the `tag` subcommand to the `duluan` subparsers."""
    tag = commands.add_parser(
        "tag",
        help="gắn nhãn địa danh, sắc thái, lĩnh vực cho các bài đã lưu",
        description="Gắn nhãn các bài chưa gắn (hoặc tất cả, với --retag).",
    )
    tag.add_argument("--retag", action="store_true", help="gắn lại cả các bài đã gắn nhãn")


def run(args: argparse.Namespace, runtime: Runtime) -> int:
    """Run `duluan tag` and say how many articles were tagged, relevant and alerted."""
    from duluan.pipeline import locator_for, tag_pending, watch_spread_and_spikes

    config = load(runtime).config
    locator = locator_for(config)
    store = open_store(runtime)
    with store:
        report = tag_pending(
            store,
            config,
            runtime.now,
            locator=locator,
            retag=args.retag,
            console=runtime.console,
        )
        found = watch_spread_and_spikes(store, config, runtime.now, console=runtime.console)
    print(
        f"Đã gắn nhãn {report.tagged} bài; {report.relevant} bài liên quan đến địa bàn theo dõi; "
        f"{report.queued} cảnh báo vào hàng đợi."
    )
    if found.spread or found.spikes:
        print(f"Tin lan rộng: {found.spread} cảnh báo; tăng đột biến: {found.spikes} đợt mới.")
    return EXIT_OK
