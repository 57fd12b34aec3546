"""The `duluan` command line. Exit codes: 0 success, 1 failure, 2 bad usage or config.

The parser is built from the command groups in `duluan.commands` (each adds its subcommands),
and a table from command name to the group's `run` dispatches; this module keeps only what
every command shares: the log level, the clock check and the exit code of each error."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from duluan import __version__
from duluan.commands import (
    EXIT_FAILED,
    EXIT_USAGE,
    UsageError,
    alert,
    articles,
    backup,
    config,
    crawl,
    cycle,
    demo,
    digest,
    explain,
    extract,
    locate,
    rules,
    start,
    submit,
    tag,
    users,
    web,
)
from duluan.config import ConfigError

if TYPE_CHECKING:
    from duluan.runtime import Runtime

Run = Callable[[argparse.Namespace, "Runtime"], int]


class CommandGroup(Protocol):
    """What a module of `duluan.commands` offers: its command names, their parser, their run."""

    @property
    def COMMANDS(self) -> tuple[str, ...]: ...  # a module constant, read only

    def add_parser(self, commands: Any) -> None: ...

    def run(self, args: argparse.Namespace, runtime: Runtime) -> int: ...


# In the order `duluan --help` lists them.
GROUPS: tuple[CommandGroup, ...] = (
    start,
    demo,
    crawl,
    articles,
    submit,
    tag,
    alert,
    cycle,
    explain,
    locate,
    rules,
    digest,
    extract,
    backup,
    web,
    users,
    config,
)
DISPATCH: dict[str, Run] = {name: group.run for group in GROUPS for name in group.COMMANDS}


def build_parser() -> argparse.ArgumentParser:
    """The `duluan` parser, every message in Vietnamese, one subcommand per command name."""
    from duluan import cli_vi
    from duluan.runtime import VARIABLES

    cli_vi.install()
    parser = argparse.ArgumentParser(
        prog="duluan",
        description="duluan: theo dõi báo chí về địa phương và cảnh báo kịp thời.",
        epilog="Biến môi trường: "
        + "; ".join(f"{name} ({meaning})" for name, meaning in VARIABLES)
        + ".",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"duluan {__version__}",
        help="hiện phiên bản rồi thoát",
    )
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="ghi nhật ký chi tiết hơn (-vv: gỡ lỗi)"
    )
    commands = parser.add_subparsers(dest="command", metavar="LỆNH", required=True)
    for group in GROUPS:
        group.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run `duluan` with `argv` (default: the process's arguments) and return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from duluan.logs import setup_logging

    level = ("WARNING", "INFO", "DEBUG")[min(args.verbose, 2)]
    setup_logging(level)
    from duluan.clock import ClockError
    from duluan.runtime import Runtime
    from storage import DatabaseUrlError, StorageError

    run = DISPATCH.get(args.command)
    try:
        # The environment, read once, before anything runs: no command stops half-way on a
        # wrong DULUAN_NOW.
        runtime = Runtime.from_environ(log_level=level)
        if run is not None:
            return run(args, runtime)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except (UsageError, ClockError, DatabaseUrlError) as exc:
        print(f"duluan: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except StorageError as exc:  # the database is unreachable or locked: a failure, not usage
        print(f"duluan: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("\nĐã dừng theo yêu cầu.", file=sys.stderr)
        return 130
    parser.error(f"lệnh chưa hỗ trợ: {args.command}")
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
