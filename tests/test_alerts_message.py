"""Alert messages: Vietnamese, escaped Telegram HTML, never over 4,096 characters."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import escape

import pytest

from alerts.message import (
    LIMIT,
    AlertItem,
    article_message,
    burst_message,
    compose,
    cut_html,
    html_link,
    link_url,
)
from review.buttons import article_line
from storage import AlertBrief

TEXT = "Mở đầu bài. Người dân xã Đăk Pxi <phản ánh> rừng bị phá & đất bị lấn. Câu sau."
START = TEXT.index("Đăk Pxi")


def item(**changes: object) -> AlertItem:
    base: dict[str, object] = {
        "outlet": "Báo Quảng Ngãi",
        "title": 'Phá rừng ở "Đăk Pxi" <nóng>',
        "url": "https://baoquangngai.vn/pha-rung-123.htm?a=1&b=2",
        "published_at": datetime(2026, 11, 25, 8, 42, tzinfo=UTC),
        "places": ("Xã Đăk Pxi", "Huyện Đăk Hà"),
        "tone": "negative",
        "text": TEXT,
        "mention": (START, START + len("Đăk Pxi")),
        "topics": ("rừng",),
        "needs_verification": True,
    }
    base.update(changes)
    return AlertItem(**base)  # type: ignore[arg-type]


def test_article_message_fields_and_escaping() -> None:
    message = article_message(item())
    assert "<b>Báo Quảng Ngãi</b> · 15:42 25/11/2026" in message
    assert '<a href="https://baoquangngai.vn/pha-rung-123.htm?a=1&amp;b=2">' in message
    assert "Phá rừng ở &quot;Đăk Pxi&quot; &lt;nóng&gt;</a>" in message
    assert "📍 Xã Đăk Pxi, Huyện Đăk Hà" in message
    assert "Sắc thái: 🔴 tiêu cực" in message and "Lĩnh vực: rừng" in message
    assert "<b>Cần xác minh</b>" in message
    assert "<i>Người dân xã <b>Đăk Pxi</b> &lt;phản ánh&gt; rừng bị phá &amp; đất bị lấn.</i>" in (
        message
    )
    assert "Mở đầu bài" not in message and "Câu sau" not in message


def test_long_article_is_cut_cleanly() -> None:
    long_text = "Người dân xã Đăk Pxi " + "rất bức xúc & lo lắng " * 600 + "."
    message = article_message(item(text=long_text, mention=(13, 20), title="T" * 3000))
    assert len(message) <= LIMIT
    assert message.count("<i>") == message.count("</i>")
    assert not re.search(r"&[a-z]*…", message)


def test_cut_html_closes_tags_and_keeps_entities() -> None:
    cut = cut_html("<b>" + "a &amp; b " * 100 + "</b>", 50)
    assert len(cut) <= 50 and cut.endswith("…</b>")
    assert "&am…" not in cut


def test_burst_is_one_message_with_a_count() -> None:
    items = [item(title=f"Tin số {i}", url=f"https://x.vn/{i}") for i in range(30)]
    message = burst_message(items)
    assert message.startswith("📰 <b>30 tin mới</b>")
    assert message.count("<a href=") == 30
    many = burst_message([item(title="T" * 200, url=f"https://x.vn/{i}") for i in range(100)])
    assert len(many) <= LIMIT and many.endswith("tin khác")


def test_compose_keeps_the_copies_and_status_under_the_limit() -> None:
    from alerts.message import compose

    long = article_message(item(text="Xã Đăk Pxi " + "rất dài. " * 1000, mention=(0, 10)))
    text = compose(long, ["Tuổi Trẻ", "Dân trí <VN>"], "<b>Trạng thái:</b> Liên quan")
    assert len(text) <= LIMIT
    assert text.endswith(
        "📎 Cũng đăng trên: Tuổi Trẻ, Dân trí &lt;VN&gt;\n\n<b>Trạng thái:</b> Liên quan"
    )
    assert compose("<b>x</b>") == "<b>x</b>"


HOSTILE = [
    "javascript:alert(1)",
    " JaVaScRiPt:alert(1)",
    "\x01javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(document.cookie)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "//evil.example/x",
    "https:alert(1)",  # no host
    "ｊａｖａｓｃｒｉｐｔ:alert(1)",
    "",
]


@pytest.mark.parametrize("url", HOSTILE)
def test_only_http_and_https_become_links(url: str) -> None:
    assert link_url(url) is None
    assert html_link(url, "Tiêu đề <b>") == "Tiêu đề &lt;b&gt;"
    message = article_message(item(url=url))
    assert "<a " not in message and "Phá rừng ở &quot;Đăk Pxi&quot; &lt;nóng&gt;" in message
    assert "<a " not in burst_message([item(url=url), item(url=url)])
    brief = AlertBrief(1, "Báo Quảng Ngãi", "Phá rừng", url, True)
    assert article_line(brief, "cluster:1") == "Báo Quảng Ngãi: Phá rừng"


@pytest.mark.parametrize(
    ("url", "cleaned"),
    [
        ("https://baomoi.com/a.html?x=1&y=2", "https://baomoi.com/a.html?x=1&y=2"),
        ("  HTTP://Example.vn/tin\n ", "HTTP://Example.vn/tin"),
        ("https://vnexpress.net/pha-\trung.html", "https://vnexpress.net/pha-rung.html"),
    ],
)
def test_web_addresses_stay_links(url: str, cleaned: str) -> None:
    assert link_url(url) == cleaned
    assert html_link(url, "T") == f'<a href="{escape(cleaned, quote=True)}">T</a>'
    assert f'<a href="{escape(cleaned, quote=True)}">' in article_message(item(url=url))


ASTRAL = "𝐀😀"  # two characters outside the BMP: 2 UTF-16 code units each


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def test_limits_count_utf16_code_units() -> None:
    text = "Người dân xã Đăk Pxi " + (ASTRAL + " & ") * 1500 + "."
    message = article_message(item(text=text, mention=(13, 20), title="Tin " + ASTRAL * 400))
    assert units(message) <= LIMIT
    assert message.count("<i>") == message.count("</i>") and not re.search(r"&[a-z]*…", message)
    message.encode("utf-8")  # no half of a surrogate pair
    huge_title = article_message(item(title=ASTRAL * 3000))
    assert units(huge_title) <= LIMIT and huge_title.count("<a ") == huge_title.count("</a>")
    status = "🗂 <b>Rà soát</b> " + ASTRAL * 200
    composed = compose(message, ("Dân trí 😀",) * 50, status)
    assert units(composed) <= LIMIT and composed.endswith(status)
    burst = burst_message([item(title=ASTRAL * 60, url=f"https://x.vn/{i}") for i in range(60)])
    assert units(burst) <= LIMIT and "tin khác" in burst


@pytest.mark.parametrize("limit", [14, 17, 18, 19, 20, 50, 51, 1024])
def test_cut_html_never_splits_a_pair_an_entity_or_a_tag(limit: int) -> None:
    text = "<b>" + (ASTRAL + "&amp;") * 400 + "</b>"
    cut = cut_html(text, limit)
    assert units(cut) <= limit
    cut.encode("utf-8")
    assert cut.endswith("…</b>" if limit > 16 else "…") and not re.search(r"&[a-z]*…", cut)
    assert cut_html(ASTRAL * 5, 20) == ASTRAL * 5  # exactly at the limit: untouched
    assert units(cut_html(ASTRAL * 5 + "x", 20)) <= 20


def test_a_day_only_date_is_shown_as_a_day() -> None:
    """A page that gave only the day is never announced at a made-up 00:00."""
    day = datetime(2026, 3, 6, 17, 0, tzinfo=UTC)  # 07/03/2026 00:00 in Vietnam
    message = article_message(item(published_at=day, published_precision="day"))
    assert "07/03/2026" in message and "00:00" not in message
    exact = article_message(item(published_at=datetime(2026, 3, 6, 17, 5, tzinfo=UTC)))
    assert "00:05 07/03/2026" in exact  # a real five past midnight keeps its time
