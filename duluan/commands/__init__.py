"""The `duluan` commands, one module per command group; `duluan.cli` builds the parser from them
and dispatches to them.

Each group module has `COMMANDS` (the names it adds), `add_parser(commands)` (adds them to the
`duluan` subparsers) and `run(args, runtime) -> int` (runs one of them with the process's
`duluan.runtime.Runtime`: the environment read once, the clock, the log level `-v` chose).
Heavy modules are imported inside `run`, so `duluan --help` stays fast. What the groups share
lives here: the exit codes, the one usage error, loading the checked config and opening the
store."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from duluan.config import Area, Config, LoadedConfig
    from duluan.runtime import Runtime
    from storage import Store

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A mistake on the command line, explained in Vietnamese; `duluan.cli.main` prints it as
    `duluan: …` and exits 2."""


def load(runtime: Runtime) -> LoadedConfig:
    """The config, with its watch area's places checked against underthesea's mapping; a
    `ConfigError` otherwise (exit 2), naming each unknown or ambiguous place."""
    from duluan.config import ConfigError, load_config
    from duluan.locality import LocalityError, area_places

    loaded = load_config(runtime.config_path, runtime.variables)
    try:
        area_places(loaded.config)
    except LocalityError as exc:
        raise ConfigError(loaded.path, exc.problems) from None
    return loaded


def open_store(runtime: Runtime) -> Store:
    """The store; a `StorageError` reaches `main` (exit 1, or 2 for a wrong database URL)."""
    from storage import Store

    return Store.open(runtime.database_url)


def add_area_option(parser: argparse.ArgumentParser) -> None:
    """Add `--area NAME` (one watch area of `areas:`), the same on every command that takes it."""
    parser.add_argument(
        "--area",
        metavar="ĐỊA_BÀN",
        help="chỉ địa bàn theo dõi này (tên trong areas:, vd. dak-pxi); mặc định: mọi địa bàn",
    )


def chosen_area(config: Config, name: str | None) -> Area | None:
    """The watch area `--area` names (None when not given); a `UsageError` listing the
    configured names when there is no such area."""
    if name is None:
        return None
    try:
        return config.area(name)
    except KeyError:
        names = ", ".join(a.name for a in config.watch_areas())
        raise UsageError(
            f"không có địa bàn theo dõi {name!r} trong cấu hình; các địa bàn có: {names}"
        ) from None
