"""`duluan config check`: validate `config.yaml` and print the resolved config, secrets
masked."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from duluan.commands import EXIT_OK, load

if TYPE_CHECKING:
    from duluan.config import LoadedConfig
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
    sys.stdout.write(area_summary(loaded))
    enabled = sum(1 for s in config.sources if s.enabled)
    areas = config.watch_areas()
    counted = f"{len(areas)} địa bàn theo dõi, " if config.areas is not None else ""
    print(
        f"# Cấu hình hợp lệ: {len(config.sources)} nguồn ({enabled} đang bật), {counted}"
        f"{sum(len(a.units) for a in areas)} đơn vị nhận cảnh báo.",
    )
    return EXIT_OK


def area_summary(loaded: LoadedConfig) -> str:
    """With `areas:`, a table of the watch areas as YAML comments (name, title, how many places
    and units, the review group: masked, like the dump, when read from an `env:` variable);
    empty without `areas:`, so a one-area deployment's check reads as before."""
    from duluan.commands.output import table
    from duluan.config import mask

    config = loaded.config
    if config.areas is None:
        return ""
    rows = []
    for i, (own, area) in enumerate(zip(config.areas, config.watch_areas(), strict=True)):
        sets_chat = own.review is not None and "chat" in own.review.model_fields_set
        path = f"areas[{i}].review.chat" if sets_chat else "review.chat"
        chat = area.review.chat
        if chat is not None and path in loaded.secret_paths:
            chat = mask(chat)
        places = area.locality.places or ()
        rows.append(
            [area.name, area.title, str(len(places)), str(len(area.units)), chat or "chưa đặt"]
        )
    lines = table(["Tên", "Tiêu đề", "Địa danh", "Đơn vị", "Nhóm rà soát"], rows).splitlines()
    head = f"# Địa bàn theo dõi ({len(rows)}):\n"
    return head + "".join(f"#   {line}\n" for line in lines)
