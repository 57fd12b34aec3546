"""`duluan backup` and `duluan restore`: one archive with the database and the data folder.

The data folder is `./data` (the web secret, the digests, alerts.jsonl), plus `report.out_dir`
when it lies outside it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from duluan.commands import EXIT_FAILED, EXIT_OK, EXIT_USAGE

if TYPE_CHECKING:
    from duluan.runtime import Runtime

COMMANDS: tuple[str, ...] = ("backup", "restore")


def add_parser(commands: Any) -> None:
    """Add the `backup` and `restore` subcommands to the `duluan` subparsers."""
    backup = commands.add_parser(
        "backup",
        help="sao lưu cơ sở dữ liệu và thư mục dữ liệu vào một tệp (chạy được khi đang chạy nền)",
        description="Tạo một tệp .tar.gz gồm bản sao nhất quán của cơ sở dữ liệu (SQLite: chụp "
        "trong một lần đọc, chương trình chạy nền vẫn ghi tiếp; PostgreSQL: pg_dump) và các tệp "
        "trong thư mục data (khóa phiên web, báo cáo tuần, alerts.jsonl), kèm danh mục có mã "
        "SHA-256. Tệp chứa khóa bí mật: hãy giữ kín.",
    )
    backup.add_argument(
        "--out",
        metavar="TỆP",
        help="tệp sao lưu (hoặc thư mục chứa nó); mặc định backup.dir/duluan-NGÀY-GIỜ.tar.gz",
    )
    restore = commands.add_parser(
        "restore",
        help="khôi phục một bản sao lưu vào chỗ trống",
        description="Kiểm tra toàn bộ bản sao lưu (danh mục, mã SHA-256, đường dẫn an toàn) rồi "
        "khôi phục cơ sở dữ liệu vào DULUAN_DATABASE_URL (tệp SQLite chưa có, hoặc cơ sở dữ liệu "
        "PostgreSQL trống) và các tệp vào thư mục data (chưa có hoặc trống). Không bao giờ ghi "
        "đè dữ liệu đang có.",
    )
    restore.add_argument("file", metavar="TỆP", help="tệp .tar.gz do `duluan backup` tạo")


def run(args: argparse.Namespace, runtime: Runtime) -> int:
    """Run `duluan backup` or `duluan restore`."""
    if args.command == "restore":
        return cmd_restore(args, runtime)
    return cmd_backup(args, runtime)


def cmd_backup(args: argparse.Namespace, runtime: Runtime) -> int:
    """Run `duluan backup`: 0 written, 1 failed, 2 bad usage or config."""
    from duluan.config import ConfigError, load_config
    from duluan.pipeline import backup
    from storage.backup import BackupError, BackupUsageError

    try:
        config = load_config(runtime.config_path, runtime.variables).config
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    out = Path(args.out) if args.out else None
    try:
        done = backup(config, runtime.database_url, out, runtime.now())
    except BackupUsageError as exc:
        print(f"duluan backup: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BackupError as exc:
        print(f"duluan backup: {exc}", file=sys.stderr)
        return EXIT_FAILED
    articles = done.tables.get("articles")
    rows = f", {articles} bài" if articles is not None else ""
    print(
        f"Đã sao lưu vào {done.path} ({_size(done.size)}): cơ sở dữ liệu {done.database} "
        f"(lược đồ {done.revision or 'trống'}{rows}) và {done.files} tệp dữ liệu. Tệp này chứa "
        "khóa bí mật: hãy giữ kín, và chép sang máy hoặc ổ đĩa khác."
    )
    return EXIT_OK


def cmd_restore(args: argparse.Namespace, runtime: Runtime) -> int:
    """Run `duluan restore FILE`: 0 restored, 1 damaged or failed, 2 bad usage or config."""
    from crawler.dates import local, parse_date
    from duluan.config import ConfigError, load_config
    from duluan.pipeline import data_roots
    from storage.backup import BackupError, BackupUsageError, restore_backup

    try:
        config = load_config(runtime.config_path, runtime.variables).config
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    try:
        done = restore_backup(Path(args.file), runtime.database_url, data_roots(config))
    except BackupUsageError as exc:
        print(f"duluan restore: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BackupError as exc:
        print(f"duluan restore: {exc}", file=sys.stderr)
        return EXIT_FAILED
    articles = done.tables.get("articles")
    rows = f", {articles} bài" if articles is not None else ""
    made = parse_date(done.created_at)
    when = local(made, config.schedule.zone).strftime("%H:%M %d/%m/%Y") if made else "?"
    print(
        f"Đã khôi phục bản sao lưu lúc {when} vào {done.database} (lược đồ "
        f"{done.revision or 'trống'}{rows}) và {done.files} tệp dữ liệu. Chạy `duluan start` "
        "để tiếp tục (lược đồ được nâng cấp tự động nếu cần)."
    )
    return EXIT_OK


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / 1024 / 1024:.1f} MB"
    return f"{count / 1024:.1f} KB"
