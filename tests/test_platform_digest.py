"""The platform downstream, in the weekly report: the press table by outlet counts `news`
alone; posts on social networks get a "Mạng xã hội" part (counts per platform beside the
previous week, and the items) in the HTML, the DOCX, the Markdown and the Telegram summary; a
week without them renders without that part (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
from dataclasses import replace

from docx import Document

from digest.charts import outlets_by_tone
from digest.content import Count
from digest.docx import render_docx
from digest.html import render_html
from digest.markdown import summary_markdown, summary_telegram
from storage import Store
from tests.kit.digest import PXI, Spec, at, save_specs, seed, w48

CHANNEL = ("tindakha", "Kênh Tin Đăk Hà")
FANPAGE = ("fbdakha", "Trang Đăk Hà <24h>")
SOCIAL = [
    Spec("s0", FANPAGE[0], "Bài cũ", at(14, 8), at(14, 9), 40, "neutral", (PXI,),
         platform="facebook"),
    Spec("s1", CHANNEL[0], "Đường hỏng ở Đăk Pxi", at(21, 7), at(21, 10), 41, "negative", (PXI,),
         platform="telegram"),
    Spec("s2", FANPAGE[0], "Dân khen cán bộ & xã", at(22, 7), at(22, 10), 42, "positive", (PXI,),
         platform="facebook"),
]  # fmt: skip


def social_week(store: Store) -> None:
    seed(store)
    store.sync_sources([CHANNEL, FANPAGE])
    save_specs(store, SOCIAL)


def test_the_press_table_keeps_the_press_and_social_items_have_their_part(store: Store) -> None:
    social_week(store)
    content = w48(store)
    labels = {c.label for c in content.figures.by_outlet}
    assert labels.isdisjoint({CHANNEL[1], FANPAGE[1]})
    assert sum(c.count for c in content.figures.by_outlet) == content.figures.total - 2
    assert content.figures.by_platform == (Count("Facebook", 1, 1), Count("Telegram", 1, 0))
    assert [(i.title, i.platform_label, i.outlet) for i in content.social] == [
        ("Đường hỏng ở Đăk Pxi", "Telegram", CHANNEL[1]),
        ("Dân khen cán bộ & xã", "Facebook", FANPAGE[1]),
    ]
    assert content.has_social


def test_every_format_shows_the_social_part(store: Store) -> None:
    social_week(store)
    content = w48(store)
    html = render_html(content, pictures=[])
    assert "<h3>Mạng xã hội</h3>" in html and "Số tin theo mạng xã hội" in html
    assert "<td>Telegram</td>\n<td>Kênh Tin Đăk Hà</td>" in html
    assert "Trang Đăk Hà &lt;24h&gt;" in html and "Dân khen cán bộ &amp; xã" in html
    assert html.index("Mạng xã hội</h3>") < html.index("<h2>II.")
    markdown = summary_markdown(content)
    assert "## Mạng xã hội" in markdown
    assert "— Telegram · Kênh Tin Đăk Hà, 21/11 · Tiêu cực" in markdown
    assert "Trên mạng xã hội: Facebook 1 · Telegram 1." in summary_telegram(content)
    doc = Document(io.BytesIO(render_docx(content, pictures=[])))
    paragraphs = [p.text for p in doc.paragraphs]
    assert "Bảng 5. Số tin trên mạng xã hội theo nền tảng" in paragraphs
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert {"Telegram", "Facebook", "Kênh Tin Đăk Hà"} <= set(cells)


def test_a_week_without_social_items_has_no_social_part(store: Store) -> None:
    seed(store)
    content = w48(store)
    assert content.social == () and content.figures.by_platform == ()
    assert "Mạng xã hội</h3>" not in render_html(content, pictures=[])
    assert "Mạng xã hội" not in summary_markdown(content)
    assert "mạng xã hội:" not in summary_telegram(content)
    doc = Document(io.BytesIO(render_docx(content, pictures=[])))
    assert not any(p.text.startswith("Bảng 5") for p in doc.paragraphs)


def test_social_items_only_last_week_still_show_the_counts(store: Store) -> None:
    seed(store)
    store.sync_sources([FANPAGE])
    save_specs(store, SOCIAL[:1])
    content = w48(store)
    assert content.figures.by_platform == (Count("Facebook", 0, 1),) and content.social == ()
    assert "Không có tin, bài nào trên mạng xã hội trong kỳ." in render_html(content, pictures=[])


def test_the_outlet_chart_counts_the_press_alone(store: Store) -> None:
    seed(store)
    store.sync_sources([("fbbqn", "Báo Quảng Ngãi")])  # the paper's fan page, titled the same
    save_specs(
        store,
        [Spec("s3", "fbbqn", "Bài trên trang", at(21, 7), at(21, 10), 43, "negative", (PXI,),
              platform="facebook")],
    )  # fmt: skip
    content = w48(store)
    assert any(i.outlet == "Báo Quảng Ngãi" and i.platform == "facebook" for i in content.annex)
    press = replace(content, annex=tuple(i for i in content.annex if i.platform == "news"))
    assert outlets_by_tone(content) == outlets_by_tone(press)
