"""`duluan submit`: report an item by hand (a link, a text, a screenshot), as the bot and the
console's "Thêm tin" do; prints the item's id."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from duluan.commands import EXIT_OK, UsageError, add_area_option, chosen_area, load, open_store

if TYPE_CHECKING:
    from duluan.runtime import Runtime

COMMANDS: tuple[str, ...] = ("submit",)


def add_parser(commands: Any) -> None:
    """Add the `submit` subcommand to the `duluan` subparsers."""
    submit = commands.add_parser(
        "submit",
        help="báo một tin (liên kết, nội dung, ảnh chụp màn hình) để rà soát như bài báo",
        description=(
            "Thêm một tin do cán bộ báo: nhận diện nền tảng từ liên kết, đọc tiêu đề và mô tả "
            "công khai của trang (qua bộ lọc địa chỉ), gắn nhãn và gửi cảnh báo như bài báo. "
            "In ra số của tin (dòng đầu ra chuẩn), mô tả ra đầu ra lỗi."
        ),
    )
    submit.add_argument("url", nargs="?", metavar="LIÊN_KẾT", help="liên kết của bài đăng")
    submit.add_argument("--text", default="", metavar="NỘI_DUNG", help="nội dung, ghi chú")
    submit.add_argument(
        "--file", type=Path, metavar="ẢNH", help="ảnh chụp màn hình (PNG, JPEG, WebP; ≤ 10 MB)"
    )
    submit.add_argument(
        "--by", metavar="TÊN", help="người báo tin (mặc định: tên người dùng máy này)"
    )
    submit.add_argument(
        "--no-fetch", action="store_true", help="không tải trang của liên kết (chỉ dùng --text)"
    )
    add_area_option(submit)


def run(args: argparse.Namespace, runtime: Runtime) -> int:
    """Run `duluan submit`: the id on stdout, what was understood on stderr."""
    import getpass

    from cases.evidence import fetcher_for
    from crawler.platform import platform_label
    from duluan.pipeline import locator_for
    from duluan.submit import Report, Reporter, SubmitError, check_image, submit

    config = load(runtime).config
    area = chosen_area(config, args.area)
    screenshot = None
    if args.file is not None:
        try:
            content = args.file.read_bytes()
        except OSError as exc:
            raise UsageError(f"không đọc được tệp ảnh {args.file}: {exc.strerror}") from None
        try:
            screenshot = check_image(args.file.name, content)
        except SubmitError as exc:
            raise UsageError(str(exc)) from None
    by = args.by or getpass.getuser()
    reporter = Reporter(by, "cli", area=area.name if area else None)
    report = Report(url=args.url, text=args.text, screenshot=screenshot)
    store = open_store(runtime)
    with store:
        try:
            done = submit(
                store,
                config,
                report,
                reporter,
                runtime.now,
                fetch=None if args.no_fetch else fetcher_for(config),
                locator=locator_for(config),
                console=runtime.console,
            )
        except SubmitError as exc:
            raise UsageError(str(exc)) from None
    print(done.article_id)
    state = "tin mới" if done.new else "đã có trong kho, thêm người báo"
    if not done.added:
        state = "bạn đã báo tin này trước đó"
    where = ", ".join(done.places) or "không nêu địa danh"
    print(
        f"Tin số {done.article_id} ({state}): {done.title}\n"
        f"  Nền tảng: {platform_label(done.platform)}; địa danh: {where}; "
        f"liên quan: {'có' if done.relevant else 'không'}; người báo: "
        f"{', '.join(done.reporters)}",
        file=sys.stderr,
    )
    return EXIT_OK
