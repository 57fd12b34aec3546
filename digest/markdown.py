"""The short summary of a report: counts and the top negative items.

`summary_telegram` is the message the outbox sends (Telegram HTML, escaped, at most 4,096
UTF-16 code units as Telegram counts them, items dropped from the end with a "và N tin khác"
line when it would be longer);
`summary_markdown` is the same summary as a Markdown file beside the report."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape

from alerts.message import html_link, link_url, utf16_len
from digest.content import DigestContent, Item

TELEGRAM_LIMIT = 4096
TOP_ITEMS = 10
TITLE_CHARS = 160


def _cut(text: str, width: int = TITLE_CHARS) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _signed(value: int) -> str:
    return f"{value:+d}" if value else "không đổi"


def _facts(content: DigestContent) -> list[str]:
    """The count lines, as plain text (escaped by the caller)."""
    f = content.figures
    if content.empty:
        lines = [f"Trong kỳ không ghi nhận tin, bài nào liên quan đến {content.area}."]
    else:
        lines = [
            f"Tổng số: {f.total} tin, bài ({f.stories} vụ việc), "
            f"{_signed(f.total - f.previous_total)} so với kỳ trước ({f.previous_total}).",
            f"Tiêu cực {f.negative} · Trung tính {f.neutral} · Tích cực {f.positive} · "
            f"Cần xác minh {f.needs_verification}.",
        ]
        if f.late:
            lines.append(f"Đăng trước kỳ, đến kỳ này mới thu thập: {f.late}.")
        social = [f"{c.label} {c.count}" for c in f.by_platform if c.count]
        if social:
            lines.append(f"Trên mạng xã hội: {' · '.join(social)}.")
    if content.overdue:
        lines.append(f"Tin giao xác minh quá hạn chưa báo cáo: {len(content.overdue)}.")
    if f.untagged:
        lines.append(f"Bài chưa được phân tích: {f.untagged}.")
    if content.coverage:
        bad = [c.title for c in content.coverage if not c.complete]
        line = f"Nguồn tin đầy đủ: {len(content.coverage) - len(bad)}/{len(content.coverage)}"
        lines.append(line + (f"; gián đoạn hoặc lỗi: {', '.join(bad)}." if bad else "."))
    return lines


def _item_facts(item: Item) -> str:
    parts = [item.outlet]
    if item.published_at is not None:
        parts[0] += f", {item.published_at:%d/%m}"
    if item.places:
        parts.append("; ".join(item.places))
    if item.unit:
        parts.append(f"giao {item.unit}, hạn {item.deadline:%d/%m}" if item.deadline else item.unit)
    parts.append(item.status_label)
    return " · ".join(parts)


def _social_facts(item: Item) -> str:
    """A social item's line: platform and channel, day, tone."""
    parts = [f"{item.platform_label} · {item.outlet}"]
    if item.published_at is not None:
        parts[0] += f", {item.published_at:%d/%m}"
    parts.append(item.tone_label)
    return " · ".join(parts)


def _fit(head: list[str], items: list[str], tail: list[str], limit: int) -> str:
    """Head, as many items (at most `TOP_ITEMS`) as fit, a count of those left out, the tail."""
    for shown in range(min(len(items), TOP_ITEMS), -1, -1):
        rest = len(items) - shown
        more = [f"… và {rest} tin khác trong báo cáo đầy đủ."] if rest else []
        text = "\n".join([*head, *items[:shown], *more, *tail])
        if utf16_len(text) <= limit:
            return text
    kept: list[str] = []
    for line in head:  # whole lines only, so no tag or entity is cut
        if utf16_len("\n".join([*kept, line])) > limit:
            break
        kept.append(line)
    return "\n".join(kept)


def summary_telegram(
    content: DigestContent, with_document: bool = True, limit: int = TELEGRAM_LIMIT
) -> str:
    """The summary message in Telegram HTML."""
    head = [
        f"<b>📰 Báo cáo {escape(content.window.name)}: {escape(content.area)}</b>",
        f"<i>{escape(content.window.describe())}</i>",
        "",
        *(escape(line) for line in _facts(content)),
    ]
    items = []
    if content.attention:
        head += ["", "<b>Tin tiêu cực, cần xác minh:</b>"]
        for n, item in enumerate(content.attention, 1):
            overdue = " <b>QUÁ HẠN</b>" if item.overdue else ""
            late = " <i>(đến muộn)</i>" if item.late else ""
            items.append(
                f"{n}. {html_link(item.url, _cut(item.title))}{late}"
                f" — {escape(_item_facts(item))}{overdue}"
            )
    tail: list[str] = []
    if with_document:
        tail += ["", "📎 Báo cáo đầy đủ (Word) gửi kèm tin nhắn này."]
    return _fit(head, items, tail, limit)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>])")


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_link(url: str, title: str) -> str:
    """A Markdown link when `link_url` allows the address, else the title alone."""
    target = link_url(url)
    if target is None:
        return _md(title)
    return f"[{_md(title)}](<{target.replace('<', '%3C').replace('>', '%3E')}>)"


def summary_markdown(content: DigestContent) -> str:
    """The summary as Markdown (the .md file of a report)."""
    lines = [
        f"# Báo cáo {_md(content.window.name)}: {_md(content.area)}",
        "",
        f"_{_md(content.window.describe())}_",
        "",
        *(f"- {_md(line)}" for line in _facts(content)),
    ]
    sections: list[tuple[str, tuple[Item, ...], Callable[[Item], str]]] = [
        ("Tin tiêu cực, cần xác minh", content.attention, _item_facts),
        ("Tin giao xác minh quá hạn, chưa có báo cáo", content.overdue, _item_facts),
        ("Thông tin tích cực", content.positive, lambda i: i.outlet),
    ]
    if content.social:
        sections.append(("Mạng xã hội", content.social, _social_facts))
    for title, items, facts in sections:
        lines += ["", f"## {title}", ""]
        if not items:
            lines.append("Không có.")
        for n, item in enumerate(items, 1):
            mark = " **QUÁ HẠN**" if item.overdue else ""
            late = " _(đến muộn)_" if item.late else ""
            lines.append(f"{n}. {_md_link(item.url, item.title)}{late} — {_md(facts(item))}{mark}")
    if content.outlets:
        lines += ["", "## Theo cơ quan báo chí và tháng", ""]
        for row in content.outlets:
            lines.append(
                f"- {_md(row.outlet)}, tháng {row.month}: {row.total} tin (tích cực "
                f"{row.positive}, trung tính {row.neutral}, tiêu cực {row.negative}); tác giả: "
                f"{_md(row.bylines)}"
            )
    return "\n".join(lines) + "\n"
