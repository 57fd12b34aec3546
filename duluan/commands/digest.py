"""`duluan digest`: write the weekly report of a window, and optionally queue it for the office."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from duluan.commands import EXIT_OK, EXIT_USAGE, add_area_option, chosen_area, open_store

if TYPE_CHECKING:
    from duluan.runtime import Runtime

log = logging.getLogger("duluan.digest")

COMMANDS: tuple[str, ...] = ("digest",)


def add_parser(commands: Any) -> None:
    """Add the `digest` subcommand to the `duluan` subparsers."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "digest",
        help="lập báo cáo tuần, tháng, quý hoặc một khoảng ngày (Word, HTML, tóm tắt) và gửi "
        "cho Văn phòng",
        description="Lập báo cáo tổng hợp thông tin báo chí của một kỳ: mặc định 7 ngày kết "
        "thúc đúng giờ gửi theo lịch (report.schedule hoặc schedule.digest, vd. thứ Năm 14:00); "
        "--month, --quarter: báo cáo tháng, quý (kèm bảng số tin theo cơ quan báo chí, tháng, sắc "
        "thái và tác giả). Chạy lại sẽ ghi đè tệp của kỳ đó; chỉ gửi khi có --send, và mỗi kỳ "
        "chỉ gửi một lần. Cấu hình nhiều địa bàn theo dõi (areas:): mỗi địa bàn một báo cáo, gửi "
        "đến nhóm report.chat (và report.zalo) của địa bàn.",
    )
    add_area_option(parser)
    parser.add_argument(
        "--week", metavar="TUẦN", help="tuần ISO, vd. 2026-W48 (kỳ kết thúc trong tuần đó)"
    )
    parser.add_argument(
        "--month", metavar="THÁNG", help="báo cáo tháng, vd. 2026-11 (cả tháng theo giờ địa phương)"
    )
    parser.add_argument("--quarter", metavar="QUÝ", help="báo cáo quý, vd. 2026-Q4")
    parser.add_argument(
        "--from", dest="date_from", metavar="NGÀY", help="từ ngày (vd. 2026-11-01), dùng với --to"
    )
    parser.add_argument(
        "--to",
        dest="date_to",
        metavar="NGÀY",
        help="đến hết ngày (vd. 2026-11-15)",
    )
    parser.add_argument(
        "--format",
        metavar="DẠNG",
        help="các định dạng, cách nhau bởi dấu phẩy: docx,html,md (mặc định theo report.formats)",
    )
    parser.add_argument(
        "--out", metavar="THƯ_MỤC", help="thư mục ghi tệp (mặc định theo report.out_dir)"
    )
    parser.add_argument(
        "--positive",
        action="store_true",
        help="chỉ lập trang “tin tích cực” của kỳ (tin tốt, gương người tốt, việc tốt; Word và "
        "HTML), dùng cho công tác tuyên truyền; không gửi",
    )
    parser.add_argument(
        "--send",
        action="store_true",
        help="xếp hàng gửi tóm tắt và tệp Word đến nhóm report.chat của địa bàn, tóm tắt và "
        "đường tải tệp đến nhóm report.zalo (gửi bằng `duluan alert`)",
    )


def _day(text: str, option: str) -> date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{option} {text!r}: không phải ngày như 2026-11-01 hoặc 01/11/2026")


def run(args: argparse.Namespace, runtime: Runtime) -> int:
    """Run `duluan digest`: the report of the area `--area` names, or of every area (one set
    of files each); 0 on success, 2 on bad usage or config."""
    from digest.build import build_digest, build_positive, queue_digest
    from digest.window import (
        Window,
        default_window,
        parse_month,
        parse_quarter,
        range_window,
        week_window,
    )
    from duluan.config import ConfigError, load_config

    now = runtime.now
    try:
        config = load_config(runtime.config_path, runtime.variables).config
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    zone = config.schedule.zone
    one = chosen_area(config, args.area)  # a UsageError: exit 2
    areas = [one] if one is not None else list(config.watch_areas())
    several = len(config.watch_areas()) > 1
    windows: dict[str, Window] = {}
    try:
        chosen = [
            name
            for name, value in (
                ("--week", args.week),
                ("--month", args.month),
                ("--quarter", args.quarter),
                ("--from/--to", args.date_from or args.date_to),
            )
            if value
        ]
        if len(chosen) > 1:
            raise ValueError(
                f"chỉ chọn một kỳ: --week, --month, --quarter, hoặc --from và --to (đang dùng "
                f"{', '.join(chosen)})"
            )
        if bool(args.date_from) != bool(args.date_to):
            raise ValueError("--from và --to phải đi cùng nhau")
        for area in areas:
            schedule = config.digest_time(area)
            if args.week:
                windows[area.name] = week_window(args.week, schedule, zone)
            elif args.month:
                windows[area.name] = parse_month(args.month, zone)
            elif args.quarter:
                windows[area.name] = parse_quarter(args.quarter, zone)
            elif args.date_from:
                windows[area.name] = range_window(
                    _day(args.date_from, "--from"), _day(args.date_to, "--to"), zone
                )
            else:
                windows[area.name] = default_window(now(), schedule, zone)
        formats = [f.strip() for f in args.format.split(",") if f.strip()] if args.format else None
        silent = [a.name for a in areas if not a.report.chat and not a.report.zalo]
        if args.send and silent and not several:
            raise ValueError(
                "chưa cấu hình report.chat hay report.zalo (nhóm Telegram, Zalo nhận báo cáo) "
                "nên không gửi được"
            )
        if args.send and silent:
            raise ValueError(
                f"địa bàn {', '.join(silent)} chưa cấu hình report.chat hay report.zalo (nhóm "
                "Telegram, Zalo nhận báo cáo) nên không gửi được; đặt areas[].report.chat "
                "(hoặc .zalo) hoặc chọn địa bàn khác bằng --area"
            )
        if args.send and args.positive:
            raise ValueError("trang tin tích cực không gửi qua Telegram: bỏ --send")
        if args.send and formats is not None and "docx" not in formats:
            formats.append("docx")
    except ValueError as exc:
        print(f"duluan digest: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if several and one is None:
        print(f"Lập báo cáo cho {len(areas)} địa bàn theo dõi: {', '.join(a.name for a in areas)}.")
    store = open_store(runtime)  # a StorageError reaches main: exit 1 (2 for a bad URL)
    with store:
        for area in areas:
            window = windows[area.name]
            if args.positive:
                try:
                    content, files = build_positive(
                        store, config, window, now, args.out, formats, area
                    )
                except ValueError as exc:
                    print(f"duluan digest: {exc}", file=sys.stderr)
                    return EXIT_USAGE
                whose = f" của địa bàn {area.name} ({area.title})" if several else ""
                print(
                    f"Đã lập trang tin tích cực {window.label}{whose} ({window.describe()}): "
                    f"{len(content.positive)} tin."
                )
                for path in files.values():
                    print(f"  {path}")
                continue
            try:
                built = build_digest(store, config, window, now, args.out, formats, area)
            except ValueError as exc:
                print(f"duluan digest: {exc}", file=sys.stderr)
                return EXIT_USAGE
            f = built.content.figures
            whose = f" của địa bàn {area.name} ({area.title})" if several else ""
            print(
                f"Đã lập báo cáo {window.label}{whose} ({window.describe()}): {f.total} tin, bài; "
                f"{len(built.content.attention)} tin tiêu cực hoặc cần xác minh; "
                f"{len(built.content.overdue)} tin giao xác minh quá hạn."
            )
            for path in built.files.values():
                print(f"  {path}")
            chat, zalo = area.report.chat, area.report.zalo
            if args.send and (chat or zalo):
                queued = queue_digest(store, built, chat, now(), zalo, config.web)
                if queued:
                    print(
                        f"Đã xếp hàng {queued} tin nhắn gửi báo cáo; chạy `duluan alert` (hoặc "
                        "chương trình chạy nền) để gửi."
                    )
                else:
                    print("Báo cáo kỳ này đã được xếp hàng gửi từ trước: không gửi lại.")
    return EXIT_OK
