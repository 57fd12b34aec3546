"""What the bots answer to an item report, for Telegram's intake (`review.intake`) and Zalo's
(`review.zalo_bot`) alike: Telegram HTML, which Zalo shows plain (`alerts.zalo.zalo_text`).
No messenger library is imported here."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING

from alerts.message import html_link
from crawler.platform import platform_label
from duluan.config import Config
from duluan.submit import Report, Reporter, Submitted, submit
from storage.vocabulary import TONE_LABELS

if TYPE_CHECKING:
    from cases.evidence import Fetch
    from nlp.locate import Locator
    from storage import Store

SORRY = (
    "Xin lỗi, bot gặp lỗi khi ghi nhận tin này; tin chưa được lưu. Vui lòng gửi lại sau ít "
    "phút hoặc báo Trung tâm."
)


async def submit_in_turn(
    store: Store,
    config: Config,
    report: Report,
    reporter: Reporter,
    now: Callable[[], datetime],
    *,
    fetch: Fetch | None,
    locator: Locator | None,
    tag_lock: asyncio.Lock,
) -> Submitted:
    """`duluan.submit.submit` in a worker thread (the event loop keeps delivering), under the
    daemon's tag lock (its tag pass and a report's tagging one at a time): what both bots call."""
    async with tag_lock:
        return await asyncio.to_thread(
            submit, store, config, report, reporter, now, fetch=fetch, locator=locator
        )


def refusal_text(messenger: str, user_id: str, config_key: str) -> str:
    """The polite answer to someone who is not a reviewer nor a unit member: their id on
    `messenger`, to add under `config_key` (Telegram HTML, escaped)."""
    return (
        "Xin chào! Bot chỉ nhận tin báo từ người rà soát của Trung tâm và cán bộ các đơn vị đã "
        "được đăng ký, nên tin này <b>chưa được ghi nhận</b>.\n"
        f"Mã {escape(messenger)} của bạn là <code>{escape(user_id)}</code>. Nếu bạn là cán bộ "
        "của một đơn vị, đề nghị Trung tâm thêm mã này vào danh sách thành viên của đơn vị "
        f"trong cấu hình (<code>{escape(config_key)}</code>), rồi gửi lại tin."
    )


def answer(done: Submitted, config: Config) -> str:
    """What the bot understood of a report (Telegram HTML, escaped)."""
    if done.new:
        head = f"✅ <b>Đã nhận tin mới</b> (số {done.article_id})"
    else:
        head = f"ℹ️ <b>Tin này đã có</b> (số {done.article_id}): {len(done.reporters)} người báo"
        if not done.added:
            head += "; bạn đã báo tin này trước đó"
    lines = [
        head,
        f"Nền tảng: {escape(platform_label(done.platform))}",
        f"Tiêu đề: {html_link(done.url, done.title)}",
    ]
    if done.relevant is None:
        lines.append("Địa danh, sắc thái: sẽ được phân tích trong ít phút.")
    else:
        places = ", ".join(done.places) if done.places else "chưa thấy địa danh nào"
        lines.append(f"Địa danh: {escape(places)}")
        tone = TONE_LABELS.get(done.tone or "", done.tone or "chưa rõ")
        lines.append(f"Sắc thái: {escape(tone)}")
    titles = {a.name: a.title for a in config.watch_areas()}
    if done.areas:
        lines.append("Địa bàn: " + escape(", ".join(titles.get(a, a) for a in done.areas)))
    lines.append("➡️ Đã chuyển nhóm rà soát.")
    return "\n".join(lines)
