"""`duluan backup` and `duluan restore`: one archive with the database and the data folder.

Wired into `duluan.cli` by `add_parser(commands)` and `run(args, level)`.
The data folder is `./data` (the web secret, the digests, alerts.jsonl), plus `report.out_dir`
when it lies outside it."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from duluan.commands import EXIT_FAILED, EXIT_OK, EXIT_USAGE

if TYPE_CHECKING:
    from duluan.config import Config
    from storage.backup import BackupResult

COMMANDS: tuple[str, ...] = ("backup", "restore")
DATA_DIR = Path("data")


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


def run(args: argparse.Namespace, level: str) -> int:
    """Run `duluan backup` or `duluan restore` (the log level changes nothing here)."""
    if args.command == "restore":
        return cmd_restore(args)
    return cmd_backup(args)


def data_roots(config: Config, data_dir: Path = DATA_DIR) -> dict[str, Path]:
    """The folders a backup holds: data/, and the digests' folder when it is elsewhere."""
    roots = {"data": data_dir}
    reports = Path(config.report.out_dir)
    if not reports.absolute().is_relative_to(data_dir.absolute()):
        roots["reports"] = reports
    return roots


def run_backup(
    config: Config,
    database_url: str,
    out: Path | None,
    moment: datetime,
    data_dir: Path = DATA_DIR,
) -> BackupResult:
    """One archive at `out` (a file, or a folder to put it in; default `backup.dir`), named
    like the daily job's when not given; the backup folder itself is never copied."""
    from storage.backup import archive_name, make_backup

    folder = Path(config.backup.dir)
    name = archive_name(moment.astimezone(config.schedule.zone))
    target = folder / name if out is None else out / name if out.is_dir() else out
    return make_backup(
        database_url, data_roots(config, data_dir), target, moment, exclude=[folder, target]
    )


def cmd_backup(args: argparse.Namespace) -> int:
    """Run `duluan backup`: 0 written, 1 failed, 2 bad usage or config."""
    from duluan.clock import now
    from duluan.config import ConfigError, load_config
    from storage import database_url
    from storage.backup import BackupError, BackupUsageError

    try:
        config = load_config().config
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    try:
        done = run_backup(config, database_url(), Path(args.out) if args.out else None, now())
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


def cmd_restore(args: argparse.Namespace) -> int:
    """Run `duluan restore FILE`: 0 restored, 1 damaged or failed, 2 bad usage or config."""
    from crawler.dates import local, parse_date
    from duluan.config import ConfigError, load_config
    from storage import database_url
    from storage.backup import BackupError, BackupUsageError, restore_backup

    try:
        config = load_config().config
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    try:
        done = restore_backup(Path(args.file), database_url(), data_roots(config))
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
