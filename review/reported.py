"""What the bots answer to an item report, for Telegram's intake (`review.intake`) and Zalo's
(`review.zalo_bot`) alike: Telegram HTML, which Zalo shows plain (`alerts.zalo.zalo_text`).
No messenger library is imported here."""

from __future__ import annotations

from html import escape

from alerts.message import html_link
from crawler.platform import platform_label
from duluan.config import Config
from duluan.submit import Submitted
from storage.vocabulary import TONE_LABELS

SORRY = (
    "Xin lỗi, bot gặp lỗi khi ghi nhận tin này; tin chưa được lưu. Vui lòng gửi lại sau ít "
    "phút hoặc báo Trung tâm."
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
