"""The `duluan` command line. Exit codes: 0 success, 1 failure, 2 bad usage or config."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from crawler.dates import VIETNAM, local, parse_date, shown
from duluan import __version__
from duluan.commands import UsageError
from duluan.config import ConfigError, LoadedConfig, masked_dump

if TYPE_CHECKING:
    from crawler.runner import SourceSummary
    from duluan.config import Config
    from nlp.locate import Locator
    from storage import ArticleDetail, FetchError, Store

log = logging.getLogger("duluan")

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    from duluan import cli_vi

    cli_vi.install()
    parser = argparse.ArgumentParser(
        prog="duluan",
        description="duluan: theo dõi báo chí về địa phương và cảnh báo kịp thời.",
        epilog="Biến môi trường: DULUAN_CONFIG (mặc định ./config.yaml), DULUAN_DATABASE_URL "
        "(mặc định SQLite trong ./data/), TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE_URL.",
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

    commands.add_parser(
        "start",
        help="chạy nền: thu thập theo lịch, gắn nhãn, gửi cảnh báo, nút duyệt, nhắc việc, "
        "kiểm tra nguồn",
        description="Chương trình chạy nền: thu thập từng nguồn theo chu kỳ riêng, gắn nhãn và "
        "gửi cảnh báo ngay khi có bài mới, nhận thao tác duyệt tin trên Telegram, nhắc việc quá "
        "hạn mỗi sáng ngày làm việc, báo cáo tuần, kiểm tra sức khỏe nguồn. Dừng bằng Ctrl-C "
        "hoặc SIGTERM.",
    )

    crawl = commands.add_parser(
        "crawl", help="thu thập một lượt từ các nguồn", description="Thu thập một lượt."
    )
    crawl.add_argument(
        "--source",
        action="append",
        metavar="TÊN",
        help="chỉ thu thập nguồn này (lặp lại để chọn nhiều nguồn)",
    )
    crawl.add_argument(
        "--since",
        metavar="NGÀY",
        help="lấy cả các bài trong sitemap từ ngày này (vd. 2026-11-01) thay vì theo "
        "crawl.sitemap_horizon",
    )

    commands.add_parser(
        "sources", help="tình trạng của từng nguồn", description="Tình trạng từng nguồn."
    )

    articles = commands.add_parser(
        "articles", help="các bài đã lưu", description="Liệt kê hoặc xem các bài đã lưu."
    )
    articles.add_argument("action", nargs="?", choices=["show"], help="show ID: xem một bài")
    articles.add_argument("id", nargs="?", type=int, help="mã số bài (với show)")
    articles.add_argument("--source", metavar="TÊN", help="chỉ các bài của nguồn này")
    articles.add_argument(
        "--limit", type=int, default=20, metavar="N", help="số bài tối đa (mặc định 20)"
    )

    tag = commands.add_parser(
        "tag",
        help="gắn nhãn địa danh, sắc thái, lĩnh vực cho các bài đã lưu",
        description="Gắn nhãn các bài chưa gắn (hoặc tất cả, với --retag).",
    )
    tag.add_argument("--retag", action="store_true", help="gắn lại cả các bài đã gắn nhãn")

    alert = commands.add_parser(
        "alert",
        help="gửi các cảnh báo đang chờ (Telegram, hoặc màn hình khi chưa có TELEGRAM_BOT_TOKEN)",
        description="Gửi những gì hàng đợi cảnh báo đang giữ; `alerts status`: tình trạng gửi.",
    )
    alert.add_argument("action", nargs="?", choices=["status"], help="status: tình trạng gửi")
    alerts = commands.add_parser(
        "alerts", help="tình trạng gửi cảnh báo theo nhóm", description="Tình trạng gửi cảnh báo."
    )
    alerts.add_argument("action", choices=["status"], help="status: tình trạng gửi theo nhóm")
    cycle = commands.add_parser(
        "cycle",
        help="một vòng: thu thập, gắn nhãn, gửi cảnh báo",
        description="Thu thập một lượt, gắn nhãn bài mới, gửi cảnh báo.",
    )
    cycle.add_argument("--source", action="append", metavar="TÊN", help="chỉ nguồn này")

    explain = commands.add_parser(
        "explain",
        help="giải thích vì sao một bài được hay không được gắn nhãn",
        description="In các địa danh tìm thấy, quy tắc đã quyết định và lý do sắc thái.",
    )
    explain.add_argument("id", type=int, help="mã số bài")

    locate = commands.add_parser(
        "locate",
        help="nhận diện địa danh trong một văn bản (không cần cơ sở dữ liệu)",
        description="Đọc một văn bản UTF-8 (dòng đầu là tiêu đề) hoặc, với --jsonl, mỗi dòng một "
        'đối tượng {"id": ..., "text": ..., "published": "2025-08-01"} (ngày đăng không bắt buộc: '
        "nó cho biết một tên vừa của xã cũ vừa của xã mới chỉ xã nào); in một đối tượng JSON "
        "cho mỗi văn bản.",
    )
    locate.add_argument("file", nargs="?", default="-", help="tệp văn bản, hoặc - để đọc stdin")
    locate.add_argument("--jsonl", action="store_true", help="mỗi dòng một đối tượng JSON")

    from duluan.commands import backup, digest, extract

    digest.add_parser(commands)
    extract.add_parser(commands)
    backup.add_parser(commands)

    web = commands.add_parser(
        "web",
        help="chạy riêng trang rà soát trên web (duluan start cũng phục vụ trang này)",
        description="Phục vụ trang rà soát (hàng tin, giao đơn vị, vụ việc, báo cáo) tại địa chỉ "
        "trong cấu hình web (mặc định 127.0.0.1:8080). Dừng bằng Ctrl-C hoặc SIGTERM.",
    )
    web.add_argument("--host", metavar="ĐỊA_CHỈ", help="địa chỉ nghe (mặc định web.host)")
    web.add_argument("--port", type=int, metavar="CỔNG", help="cổng nghe (mặc định web.port)")

    users = commands.add_parser(
        "users", help="tài khoản trang rà soát", description="Quản lý tài khoản trang rà soát."
    )
    user_commands = users.add_subparsers(dest="users_command", metavar="LỆNH", required=True)
    add_user = user_commands.add_parser(
        "add",
        help="tạo tài khoản; mật khẩu đọc từ đầu vào chuẩn",
        description="Tạo một tài khoản trang rà soát. Mật khẩu (ít nhất 10 ký tự) được hỏi hai "
        "lần trên màn hình, hoặc đọc một dòng từ đầu vào chuẩn khi chuyển qua ống (|).",
    )
    add_user.add_argument("name", metavar="TÊN", help="tên đăng nhập")
    add_user.add_argument(
        "--role",
        required=True,
        choices=["admin", "staff", "unit", "viewer"],
        help="vai trò: admin (quản trị), staff (cán bộ Trung tâm), unit (cán bộ đơn vị), "
        "viewer (chỉ xem)",
    )
    add_user.add_argument(
        "--unit", metavar="ĐƠN_VỊ", help="đơn vị của cán bộ đơn vị, đúng tên trong cấu hình"
    )
    user_commands.add_parser("list", help="liệt kê các tài khoản")
    passwd = user_commands.add_parser(
        "passwd",
        help="đặt lại mật khẩu một tài khoản; mật khẩu đọc từ đầu vào chuẩn",
        description="Đặt lại mật khẩu (ít nhất 10 ký tự), đọc như với lệnh users add.",
    )
    passwd.add_argument("name", metavar="TÊN", help="tên đăng nhập")
    unlock = user_commands.add_parser(
        "unlock",
        help="mở khóa đăng nhập: xóa các lần đăng nhập sai của một tài khoản",
        description="Sau nhiều lần đăng nhập sai, trang rà soát bắt chờ (tăng dần, tối đa 15 "
        "phút). Lệnh này xóa các lần sai của tài khoản (từ mọi địa chỉ) để đăng nhập được ngay; "
        "việc mở khóa được ghi vào nhật ký.",
    )
    unlock.add_argument("name", metavar="TÊN", help="tên đăng nhập")

    config = commands.add_parser(
        "config", help="kiểm tra cấu hình", description="Kiểm tra và in cấu hình."
    )
    config_commands = config.add_subparsers(dest="config_command", metavar="LỆNH", required=True)
    config_commands.add_parser(
        "check", help="kiểm tra config.yaml và in cấu hình đã giải (che bí mật)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from duluan.logs import setup_logging

    level = ("WARNING", "INFO", "DEBUG")[min(args.verbose, 2)]
    setup_logging(level)
    from duluan.clock import ClockError, check
    from storage import DatabaseUrlError, StorageError

    try:
        check()  # before anything runs, so no command stops half-way on a wrong DULUAN_NOW
        if args.command == "start":
            return cmd_start(level)
        if args.command == "crawl":
            return cmd_crawl(args, level)
        if args.command == "sources":
            return cmd_sources()
        if args.command == "articles":
            return cmd_articles(args)
        if args.command == "config":
            return cmd_config_check()
        if args.command == "locate":
            return cmd_locate(args)
        if args.command == "tag":
            return cmd_tag(args)
        if args.command == "alerts" or (args.command == "alert" and args.action == "status"):
            return cmd_alerts_status()
        if args.command == "alert":
            return cmd_alert()
        if args.command == "digest":
            from duluan.commands import digest

            return digest.run(args, level)
        if args.command in ("backup", "restore"):
            from duluan.commands import backup

            return backup.run(args, level)
        if args.command in ("extract", "try"):
            from duluan.commands import extract

            return extract.run(args, level)
        if args.command == "cycle":
            return cmd_cycle(args, level)
        if args.command == "explain":
            return cmd_explain(args)
        if args.command == "web":
            return cmd_web(args, level)
        if args.command == "users":
            return cmd_users(args)
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


def _load() -> LoadedConfig:
    from duluan.commands import load

    return load()


def _open_store() -> Store:
    """The store; a `StorageError` reaches `main` (exit 1, or 2 for a wrong database URL)."""
    from duluan.commands import open_store

    return open_store()


def cmd_config_check() -> int:
    loaded = _load()
    sys.stdout.write(masked_dump(loaded))
    enabled = sum(1 for s in loaded.config.sources if s.enabled)
    print(
        f"# Cấu hình hợp lệ: {len(loaded.config.sources)} nguồn ({enabled} đang bật), "
        f"{len(loaded.config.units)} đơn vị nhận cảnh báo.",
    )
    return EXIT_OK


def _locator(config: Config) -> Locator:
    from duluan.pipeline import locator_for

    return locator_for(config)


def cmd_tag(args: argparse.Namespace) -> int:
    from duluan.clock import now
    from duluan.pipeline import tag_pending

    config = _load().config
    locator = _locator(config)
    store = _open_store()
    with store:
        report = tag_pending(store, config, now, locator=locator, retag=args.retag)
    print(
        f"Đã gắn nhãn {report.tagged} bài; {report.relevant} bài liên quan đến địa bàn theo dõi; "
        f"{report.queued} cảnh báo vào hàng đợi."
    )
    return EXIT_OK


def cmd_alert() -> int:
    import asyncio

    from duluan.clock import now
    from duluan.pipeline import bot_token, console_sender, deliver, deliver_with_token

    store = _open_store()
    with store:
        token = bot_token()
        if not token:
            report = asyncio.run(deliver(store, console_sender(), now))
        else:
            report = asyncio.run(deliver_with_token(store, token, now, _load().config))
    uncertain = f"; {report.uncertain} chưa rõ đã đến" if report.uncertain else ""
    print(
        f"Đã gửi {report.sent} cảnh báo; {report.retried} sẽ gửi lại{uncertain}; "
        f"{report.failed} không gửi được."
    )
    for error in report.errors:
        print(f"- {error}", file=sys.stderr)
    return EXIT_OK


def cmd_start(level: str) -> int:
    from duluan.clock import now
    from duluan.daemon import run_daemon
    from duluan.logs import setup_logging
    from storage import database_url

    loaded = _load()
    url = database_url()
    _open_store().close()
    if level == "WARNING":
        setup_logging("INFO")  # the daemon says what each job did; the crawl child stays quiet
        logging.getLogger("alembic").setLevel(logging.WARNING)
    return run_daemon(loaded.config, url, now=now, log_level=level)


def cmd_web(args: argparse.Namespace, level: str) -> int:
    from duluan.clock import now
    from duluan.console.serve import run_web
    from duluan.logs import setup_logging

    config = _load().config
    if args.port is not None and not 0 < args.port < 65536:
        raise UsageError(f"cổng {args.port} không hợp lệ (1–65535)")
    store = _open_store()
    if level == "WARNING":
        setup_logging("INFO")  # each console action is logged, like the daemon's jobs
        logging.getLogger("alembic").setLevel(logging.WARNING)
    with store:
        return run_web(config, store, now, Path("data"), host=args.host, port=args.port)


MIN_PASSWORD = 10


def _read_password(stdin: TextIO) -> str:
    """Twice on a terminal (hidden), once from a pipe."""
    if stdin.isatty():
        import getpass

        first = getpass.getpass("Mật khẩu: ")
        if getpass.getpass("Nhập lại mật khẩu: ") != first:
            raise UsageError("hai lần nhập mật khẩu không khớp")
        return first
    return stdin.readline().rstrip("\r\n")


def cmd_users(args: argparse.Namespace) -> int:
    from duluan.clock import now
    from duluan.console.auth import ROLE_LABELS, hash_password

    if args.users_command == "list":
        store = _open_store()
        with store:
            found = store.list_web_users()
        if not found:
            print("Chưa có tài khoản nào. Tạo bằng: duluan users add TÊN --role staff")
            return EXIT_OK
        rows = [
            [u.name, ROLE_LABELS.get(u.role, u.role), u.unit or "", "có" if u.active else "khóa"]
            for u in found
        ]
        print(_table(["Tên", "Vai trò", "Đơn vị", "Đang dùng"], rows))
        return EXIT_OK
    if args.users_command == "unlock":
        return _unlock(args.name, now)
    if args.users_command == "passwd":
        password = _read_password(sys.stdin)
        if len(password) < MIN_PASSWORD:
            raise UsageError(f"mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự")
        store = _open_store()
        with store:
            if not store.set_web_password(args.name, hash_password(password)):
                print(f"duluan: không có tài khoản {args.name!r}", file=sys.stderr)
                return EXIT_FAILED
        print(
            f"Đã đặt lại mật khẩu của {args.name}; mọi phiên đăng nhập đang mở của tài khoản "
            "này đã kết thúc."
        )
        return EXIT_OK
    config = _load().config
    name = args.name.strip()
    if not name or len(name) > 100:
        raise UsageError("tên đăng nhập phải có từ 1 đến 100 ký tự")
    units = [u.name for u in config.units]
    if args.role == "unit" and args.unit not in units:
        known = ", ".join(units) or "chưa có đơn vị nào trong cấu hình"
        raise UsageError(
            f"cán bộ đơn vị cần --unit là một đơn vị trong cấu hình ({known}); "
            f"nhận được {args.unit!r}"
        )
    if args.role != "unit" and args.unit:
        raise UsageError("--unit chỉ dùng với --role unit")
    password = _read_password(sys.stdin)
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự")
    store = _open_store()
    with store:
        try:
            store.add_web_user(name, args.role, args.unit, hash_password(password), now())
        except ValueError:
            print(f"duluan: tài khoản {name!r} đã có", file=sys.stderr)
            return EXIT_FAILED
    unit = f", đơn vị {args.unit}" if args.unit else ""
    print(f"Đã tạo tài khoản {name} ({ROLE_LABELS[args.role]}{unit}).")
    return EXIT_OK


def _unlock(name: str, now: Callable[[], datetime]) -> int:
    """`duluan users unlock NAME`: forget the account's failed logins, audited."""
    store = _open_store()
    with store:
        known = store.web_user_by_name(name) is not None
        cleared = store.clear_failed_logins(name)
        if not known and not cleared:
            print(f"duluan: không có tài khoản {name!r}", file=sys.stderr)
            return EXIT_FAILED
        store.add_audit(
            at=now(),
            user_id=None,
            user_name="(dòng lệnh)",
            action="mở khóa đăng nhập",
            target=f"user:{name}",
            detail=f"xóa {cleared} lần đăng nhập sai",
        )
    log.info("Mở khóa đăng nhập %s: xóa %d lần sai", name, cleared)
    if cleared:
        print(f"Đã mở khóa {name}: xóa {cleared} lần đăng nhập sai; có thể đăng nhập ngay.")
    else:
        print(f"Tài khoản {name} không có lần đăng nhập sai nào; không cần mở khóa.")
    return EXIT_OK


def cmd_alerts_status() -> int:
    store = _open_store()
    with store:
        counts = store.outbox_counts()
    if not counts:
        print("Hàng đợi cảnh báo trống.")
        return EXIT_OK
    labels = {
        "pending": "đang chờ",
        "sending": "đang gửi",
        "uncertain": "chưa rõ đã đến",
        "sent": "đã gửi",
        "failed": "không gửi được",
    }
    rows = [
        [c.chat, labels.get(c.status, c.status), str(c.count), _cut(c.last_error or "", 70)]
        for c in counts
    ]
    print(_table(["Nhóm", "Tình trạng", "Số tin", "Lỗi gần nhất"], rows))
    if any(c.status in ("sending", "uncertain") for c in counts):
        print(UNCERTAIN_HELP)
    return EXIT_OK


UNCERTAIN_HELP = (
    "\n«Chưa rõ đã đến»: đã gửi nhưng Telegram không trả lời kịp, nên không biết nhóm đã nhận "
    "chưa. Tin sẽ tự gửi lại sau vài phút, mở đầu bằng «Gửi lại», để không mất tin; nếu nhóm đã "
    "có tin đó thì bỏ qua bản gửi lại. «Đang gửi» quá vài phút cũng được xử lý như vậy."
)


def cmd_cycle(args: argparse.Namespace, level: str) -> int:
    crawl_args = argparse.Namespace(source=args.source, since=None)
    crawled = cmd_crawl(crawl_args, level)
    if crawled == EXIT_USAGE:
        return crawled
    cmd_tag(argparse.Namespace(retag=False))
    return cmd_alert()


def cmd_explain(args: argparse.Namespace) -> int:
    store = _open_store()
    with store:
        article = store.get_article(args.id)
        tags = store.get_tags(args.id)
    if article is None:
        print(f"Không có bài mã {args.id}.", file=sys.stderr)
        return EXIT_FAILED
    print(f"Bài {article.id} ({article.source}): {article.title}")
    if tags is None:
        print("Bài chưa được gắn nhãn: chạy `duluan tag`.")
        return EXIT_OK
    verdict = "LIÊN QUAN" if tags.relevant else "không liên quan"
    print(f"Kết luận: {verdict} đến địa bàn theo dõi (điểm {tags.relevance:.2f}).")
    print(f"Sắc thái: {tags.tone}; lĩnh vực: {', '.join(tags.topics) or 'không rõ'}.")
    if tags.needs_verification:
        print("Cần xác minh: tin tiêu cực về địa bàn theo dõi.")
    if not tags.mentions:
        print("Không tìm thấy địa danh nào của tỉnh theo dõi trong bài.")
    for m in tags.mentions:
        print(
            f"- '{m.text}' ({m.field}, ký tự {m.start}–{m.end}) là {m.unit}: quy tắc {m.rule}, "
            f"độ tin cậy {m.confidence:.2f}"
        )
    for reason in tags.reasons:  # tone words are quoted; the tagger's caps say "Giới hạn: …"
        print(f"- sắc thái: {reason}" if reason.startswith("'") else f"- {reason}")
    return EXIT_OK


def cmd_locate(args: argparse.Namespace) -> int:
    import json

    from nlp.locate import publication_date

    locator = _locator(_load().config)
    try:
        raw = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"không đọc được {args.file}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{args.file} không phải văn bản UTF-8") from None
    if not args.jsonl:
        print(json.dumps(locator.locate(raw), ensure_ascii=False))
        return EXIT_OK
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            text = item["text"]
        except (ValueError, KeyError, TypeError):
            raise UsageError(
                f'dòng {number}: cần một đối tượng JSON có khóa "text", như '
                '{"id": "a1", "text": "..."}'
            ) from None
        try:
            published = publication_date(item.get("published"))
        except ValueError as exc:
            raise UsageError(f'dòng {number}: khóa "published": {exc}') from None
        result = locator.locate(text, item.get("id"), published=published)
        print(json.dumps(result, ensure_ascii=False))
    return EXIT_OK


def cmd_crawl(args: argparse.Namespace, level: str) -> int:
    from crawler.runner import CrawlFailed
    from duluan.pipeline import crawl
    from storage import Store, database_url

    loaded = _load()
    config = loaded.config
    names = [s.name for s in config.sources]
    chosen = args.source or [s.name for s in config.sources if s.enabled]
    unknown = [n for n in chosen if n not in names]
    if unknown:
        raise UsageError(
            f"không có nguồn {', '.join(unknown)} trong {loaded.path}; "
            f"các nguồn có: {', '.join(names)}"
        )
    since = None
    if args.since:
        since = parse_date(args.since, tz=config.schedule.zone)
        if since is None:
            raise UsageError(f"--since {args.since!r} không phải ngày như 2026-11-01")
    url = database_url()
    Store.open(url).close()
    progress = _Progress(sys.stderr)
    try:
        summary = crawl(config, url, chosen, since=since, progress=progress, log_level=level)
    except CrawlFailed as exc:
        progress.clear()
        print(f"Lượt thu thập thất bại / the crawl failed:\n{exc}", file=sys.stderr)
        return EXIT_FAILED
    progress.clear()
    rows = [
        [
            s.name,
            str(s.new),
            str(s.updated),
            str(s.unchanged),
            str(s.failed),
            f"{s.seconds:.1f}s",
            _note(s),
        ]
        for s in summary.sources
    ]
    elapsed = summary.seconds
    print(
        _table(
            ["Nguồn", "Mới", "Cập nhật", "Không đổi", "Lỗi", "Thời gian", "Ghi chú"],
            rows,
        )
    )
    print(
        f"Tổng: {summary.new} bài mới, {summary.failed} lỗi, "
        f"{len(summary.sources)} nguồn, {elapsed:.1f} giây."
    )
    if summary.sources and not any(s.ok for s in summary.sources):
        print(
            "Không nguồn nào trả lời: hãy kiểm tra kết nối mạng của máy (và proxy, tường lửa), "
            "rồi chạy lại; các bài đã lưu không bị ảnh hưởng.",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return EXIT_OK


def _note(source: SourceSummary) -> str:
    """The summary table's note: the first error, and links the fetch guard refused."""
    note = "" if source.ok else _first_error(source.errors)
    if source.refused:
        refused = f"{source.refused} liên kết bị từ chối (ngoài nguồn hoặc địa chỉ nội bộ)"
        note = f"{note}; {refused}" if note else refused
    return note


def _first_error(errors: Sequence[FetchError]) -> str:
    if not errors:
        return "không lấy được trang nào"
    more = f" (+{len(errors) - 1} lỗi khác)" if len(errors) > 1 else ""
    return _cut(f"{errors[0].message}: {errors[0].url}", 90) + more


def cmd_sources() -> int:
    loaded = _load()
    store = _open_store()
    with store:
        health = {h.name: h for h in store.health()}
    rows = []
    for source in loaded.config.sources:
        h = health.get(source.name)
        state = "tắt" if not source.enabled else "chưa chạy"
        if h is not None and h.last_run_at is not None:
            state = "tốt" if h.consecutive_failures == 0 else f"lỗi {h.consecutive_failures} lần"
        rows.append(
            [
                source.name,
                state,
                _when(h.last_run_at if h else None),
                _when(h.last_success_at if h else None),
                str(h.items_last_run) if h else "",
                str(h.articles_total) if h else "0",
                _when(h.last_article_at if h else None),
                (h.last_error or "") if h and h.consecutive_failures else "",
            ]
        )
    print(
        _table(
            [
                "Nguồn",
                "Tình trạng",
                "Chạy lần cuối",
                "Thành công cuối",
                "Bài lượt cuối",
                "Tổng số bài",
                "Bài mới nhất",
                "Lỗi gần nhất",
            ],
            rows,
        )
    )
    return EXIT_OK


def cmd_articles(args: argparse.Namespace) -> int:
    if args.action == "show":
        if args.id is None:
            raise UsageError("cần mã số bài: duluan articles show ID")
        return _show_article(args.id)
    if args.id is not None:
        raise UsageError("mã số chỉ dùng với show: duluan articles show ID")
    if args.limit < 1:
        raise UsageError("--limit phải là số dương")
    store = _open_store()
    with store:
        items = store.list_articles(source=args.source, limit=args.limit)
    if not items:
        print("Chưa có bài nào được lưu.")
        return EXIT_OK
    rows = [
        [
            str(a.id),
            a.source,
            _published(a.published_at, a.published_precision),
            ("[cũ] " if a.backfill else "") + _cut(a.title, 70),
        ]
        for a in items
    ]
    print(_table(["Mã", "Nguồn", "Đăng lúc", "Tiêu đề"], rows))
    return EXIT_OK


def _show_article(article_id: int) -> int:
    store = _open_store()
    with store:
        article = store.get_article(article_id)
    if article is None:
        print(f"Không có bài mã {article_id}.", file=sys.stderr)
        return EXIT_FAILED
    fields = [
        ("Mã", str(article.id)),
        ("Nguồn", article.source),
        ("Tiêu đề", article.title),
        ("Địa chỉ", article.url),
        ("Địa chỉ chuẩn", article.canonical_url),
        ("Tác giả", article.author or ""),
        ("Chuyên mục", article.section or ""),
        ("Ngôn ngữ", article.language or ""),
        ("Đăng lúc", _published(article.published_at, article.published_precision)),
        ("Thấy lần đầu", _when(article.first_seen_at)),
        ("Bài cũ (backfill)", "có" if article.backfill else "không"),
        ("Tìm thấy qua", article.via),
        ("Cụm tin", _cluster(article)),
    ]
    width = max(len(name) for name, _ in fields)
    for name, value in fields:
        print(f"{name.ljust(width)}  {value}")
    print()
    if article.lead:
        print(article.lead)
        print()
    print(article.text)
    return EXIT_OK


def _cluster(article: ArticleDetail) -> str:
    others = article.cluster_others
    cluster = article.cluster_id
    if not others:
        return f"{cluster} (chỉ bài này)"
    return f"{cluster} (cùng với bài {', '.join(str(i) for i in others)})"


def _published(value: datetime | None, precision: str) -> str:
    """A publication time; only its day when the page gave only the day."""
    return shown(value, precision, VIETNAM, "%d/%m/%Y %H:%M", none="")


def _when(value: datetime | None) -> str:
    if value is None:
        return ""
    return local(value, VIETNAM).strftime("%d/%m/%Y %H:%M")


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [line.rstrip(), "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(out)


class _Progress:
    """A one-line progress display on a terminal; silent when output is redirected."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.active = stream.isatty() and os.environ.get("TERM") != "dumb"
        self.shown = False

    def __call__(self, progress: object) -> None:
        if not self.active:
            return
        text = (
            f"\rĐang thu thập… {getattr(progress, 'source', '')}: "
            f"{getattr(progress, 'new', 0)} mới | tổng {getattr(progress, 'total_new', 0)} mới, "
            f"{getattr(progress, 'total_failed', 0)} lỗi"
        )
        self.stream.write(text.ljust(78)[:100])
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * 100 + "\r")
            self.stream.flush()
            self.shown = False


if __name__ == "__main__":
    sys.exit(main())
