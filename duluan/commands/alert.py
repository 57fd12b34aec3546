"""`duluan alert` (deliver what the outbox holds) and `duluan alerts status` (the outbox per
chat; `alert status` says the same)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from duluan.commands import EXIT_OK, load, open_store
from duluan.commands.output import cut, table

if TYPE_CHECKING:
    from alerts.delivery import Report
    from duluan.runtime import Runtime

COMMANDS: tuple[str, ...] = ("alert", "alerts")

UNCERTAIN_HELP = (
    "\n«Chưa rõ đã đến»: đã gửi nhưng Telegram (hoặc Zalo) không trả lời kịp, nên không biết "
    "nhóm đã nhận chưa. Tin sẽ tự gửi lại sau vài phút, mở đầu bằng «Gửi lại», để không mất "
    "tin; nếu nhóm đã có tin đó thì bỏ qua bản gửi lại. «Đang gửi» quá vài phút cũng được xử "
    "lý như vậy."
)


def add_parser(commands: Any) -> None:
    """Add the `alert` and `alerts` subcommands to the `duluan` subparsers."""
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


def run(args: argparse.Namespace, runtime: Runtime) -> int:
    """Run `duluan alert`, or the status of either command."""
    if args.command == "alerts" or args.action == "status":
        return cmd_status(runtime)
    return cmd_alert(runtime)


def cmd_alert(runtime: Runtime) -> int:
    """Deliver the outbox: Telegram's messages (or the console and a file without a bot
    token), then Zalo's (likewise without a Zalo token), each messenger on its own."""
    import asyncio

    from duluan.pipeline import console_sender, deliver, deliver_with_token, deliver_zalo

    now = runtime.now
    store = open_store(runtime)
    with store:
        token = runtime.token
        config = load(runtime).config if token or runtime.zalo_token else None
        if not token:
            report = asyncio.run(deliver(store, console_sender(), now))
        else:
            report = asyncio.run(
                deliver_with_token(store, token, now, config, base_url=runtime.api_base_url)
            )
        if runtime.zalo_token is None:
            zalo = asyncio.run(deliver(store, console_sender(messenger="zalo"), now))
        else:
            zalo = asyncio.run(
                deliver_zalo(
                    store,
                    runtime.zalo_token.get_secret_value(),
                    now,
                    config,
                    base_url=runtime.zalo_api_base_url,
                )
            )
    _print_report(report, "")
    if zalo.sent or zalo.retried or zalo.failed or zalo.uncertain:
        _print_report(zalo, "Zalo: ")
    return EXIT_OK


def _print_report(report: Report, label: str) -> None:
    uncertain = f"; {report.uncertain} chưa rõ đã đến" if report.uncertain else ""
    print(
        f"{label}Đã gửi {report.sent} cảnh báo; {report.retried} sẽ gửi lại{uncertain}; "
        f"{report.failed} không gửi được."
    )
    for error in report.errors:
        print(f"- {label}{error}", file=sys.stderr)


def cmd_status(runtime: Runtime) -> int:
    """The outbox per chat and status, with the last error, and what «uncertain» means."""
    from storage.vocabulary import OUTBOX_CLI_LABELS as STATUS_LABELS

    store = open_store(runtime)
    with store:
        counts = store.outbox_counts()
    if not counts:
        print("Hàng đợi cảnh báo trống.")
        return EXIT_OK
    rows = [
        [
            f"Zalo {c.chat}" if c.messenger == "zalo" else c.chat,
            STATUS_LABELS.get(c.status, c.status),
            str(c.count),
            cut(c.last_error or "", 70),
        ]
        for c in counts
    ]
    print(table(["Nhóm", "Tình trạng", "Số tin", "Lỗi gần nhất"], rows))
    if any(c.status in ("sending", "uncertain") for c in counts):
        print(UNCERTAIN_HELP)
    return EXIT_OK
