"""`duluan users add|list|passwd|unlock`: the review console's accounts."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import TYPE_CHECKING, Any, TextIO

from duluan.commands import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    add_area_option,
    chosen_area,
    load,
    open_store,
)
from duluan.commands.output import table

if TYPE_CHECKING:
    from duluan.runtime import Runtime

log = logging.getLogger("duluan")

COMMANDS: tuple[str, ...] = ("users",)
MIN_PASSWORD = 10


def add_parser(commands: Any) -> None:
    """Add the `users` subcommand and its own subcommands to the `duluan` subparsers."""
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
    add_user.add_argument(
        "--area",
        metavar="ĐỊA_BÀN",
        help="địa bàn của tài khoản, đúng tên (name) trong areas của cấu hình; bỏ trống: mọi "
        "địa bàn (cán bộ cấp tỉnh)",
    )
    list_users = user_commands.add_parser(
        "list",
        help="liệt kê các tài khoản",
        description="Liệt kê các tài khoản; với --area, các tài khoản làm việc với địa bàn đó "
        "(của địa bàn và của mọi địa bàn).",
    )
    add_area_option(list_users)
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


def _read_password(stdin: TextIO) -> str:
    """Twice on a terminal (hidden), once from a pipe."""
    if stdin.isatty():
        import getpass

        first = getpass.getpass("Mật khẩu: ")
        if getpass.getpass("Nhập lại mật khẩu: ") != first:
            raise UsageError("hai lần nhập mật khẩu không khớp")
        return first
    return stdin.readline().rstrip("\r\n")


def run(args: argparse.Namespace, runtime: Runtime) -> int:
    """Run one of `duluan users add|list|passwd|unlock`."""
    from duluan.console.auth import ROLE_LABELS, hash_password

    now = runtime.now
    if args.users_command == "list":
        # The config is read only to check --area: listing needs none.
        only = chosen_area(load(runtime).config, args.area) if args.area is not None else None
        store = open_store(runtime)
        with store:
            found = store.list_web_users(only.name if only else None)
        if not found:
            print("Chưa có tài khoản nào. Tạo bằng: duluan users add TÊN --role staff")
            return EXIT_OK
        rows = [
            [
                u.name,
                ROLE_LABELS.get(u.role, u.role),
                u.unit or "",
                u.area or "mọi địa bàn",
                "có" if u.active else "khóa",
            ]
            for u in found
        ]
        print(table(["Tên", "Vai trò", "Đơn vị", "Địa bàn", "Đang dùng"], rows))
        return EXIT_OK
    if args.users_command == "unlock":
        return _unlock(args.name, runtime)
    if args.users_command == "passwd":
        password = _read_password(sys.stdin)
        if len(password) < MIN_PASSWORD:
            raise UsageError(f"mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự")
        store = open_store(runtime)
        with store:
            if not store.set_web_password(args.name, hash_password(password)):
                print(f"duluan: không có tài khoản {args.name!r}", file=sys.stderr)
                return EXIT_FAILED
        print(
            f"Đã đặt lại mật khẩu của {args.name}; mọi phiên đăng nhập đang mở của tài khoản "
            "này đã kết thúc."
        )
        return EXIT_OK
    config = load(runtime).config
    name = args.name.strip()
    if not name or len(name) > 100:
        raise UsageError("tên đăng nhập phải có từ 1 đến 100 ký tự")
    own = chosen_area(config, args.area)
    units = config.account_units(None if own is None else own.name)
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
    store = open_store(runtime)
    with store:
        try:
            store.add_web_user(
                name, args.role, args.unit, hash_password(password), now(), area=args.area
            )
        except ValueError:
            print(f"duluan: tài khoản {name!r} đã có", file=sys.stderr)
            return EXIT_FAILED
    unit = f", đơn vị {args.unit}" if args.unit else ""
    area = f", địa bàn {args.area}" if args.area else ""
    print(f"Đã tạo tài khoản {name} ({ROLE_LABELS[args.role]}{unit}{area}).")
    return EXIT_OK


def _unlock(name: str, runtime: Runtime) -> int:
    """`duluan users unlock NAME`: forget the account's failed logins, audited."""
    store = open_store(runtime)
    with store:
        known = store.web_user_by_name(name) is not None
        cleared = store.clear_failed_logins(name)
        if not known and not cleared:
            print(f"duluan: không có tài khoản {name!r}", file=sys.stderr)
            return EXIT_FAILED
        store.add_audit(
            at=runtime.now(),
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
