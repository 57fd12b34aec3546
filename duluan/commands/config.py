"""`duluan config check`: validate `config.yaml` and print the resolved config, secrets
masked."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from duluan.commands import EXIT_OK, load

if TYPE_CHECKING:
    from duluan.runtime import Runtime

COMMANDS: tuple[str, ...] = ("config",)


def add_parser(commands: Any) -> None:
    """Add the `config` subcommand (and its `check`) to the `duluan` subparsers."""
    config = commands.add_parser(
        "config", help="kiểm tra cấu hình", description="Kiểm tra và in cấu hình."
    )
    config_commands = config.add_subparsers(dest="config_command", metavar="LỆNH", required=True)
    config_commands.add_parser(
        "check", help="kiểm tra config.yaml và in cấu hình đã giải (che bí mật)"
    )


def run(args: argparse.Namespace, runtime: Runtime) -> int:
    """Run `duluan config check`: the masked config, then a one-line count of what it holds
    (with `areas:`, the watch areas, whose places `load` has resolved, and their units)."""
    from duluan.config import masked_dump

    loaded = load(runtime)
    config = loaded.config
    sys.stdout.write(masked_dump(loaded, runtime.describe()))
    enabled = sum(1 for s in config.sources if s.enabled)
    areas = config.watch_areas()
    counted = f"{len(areas)} địa bàn theo dõi, " if config.areas is not None else ""
    print(
        f"# Cấu hình hợp lệ: {len(config.sources)} nguồn ({enabled} đang bật), {counted}"
        f"{sum(len(a.units) for a in areas)} đơn vị nhận cảnh báo.",
    )
    return EXIT_OK
