"""Extraction details that real outlet pages showed wrong: character references left in fields,
outlets stored as authors, a day stored as midnight, which headline, and where each field came
from. Each page here is a small page of our own in the shape the outlet really uses."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from crawler.dates import DAY, MINUTE, UNKNOWN, VIETNAM, precision_of, url_date
from crawler.extract import Hints, clean, decode_references, extract_article
from crawler.feeds import parse_feed

BODY = "".join(
    f"<p>{i}. Chiều 6/3, UBND xã Đăk Pxi (tỉnh Quảng Ngãi) tổ chức bàn giao công trình nước "
    "sạch cho bốn thôn vùng sâu, giúp hơn 300 hộ dân có nước dùng trong mùa khô năm nay.</p>"
    for i in range(5)
)


def page(head: str = "", top: str = "", h1: str = "Xã Đăk Pxi có nước sạch") -> str:
    return (
        f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">{head}</head><body>'
        f'<header><a class="logo" href="/">Báo Thử</a></header><h1 class="detail-title">{h1}</h1>'
        f"{top}<div class='detail-content'>{BODY}</div><footer>© Báo Thử</footer></body></html>"
    )


def ld(**fields: object) -> str:
    data = {"@context": "https://schema.org", "@type": "NewsArticle", **fields}
    return f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("Chi&amp;#7871;n s&amp;#7921; m&#7899;i", "Chiến sự mới"),  # Tuổi Trẻ: escaped twice
        ("Ch&#237;nh s&#225;ch", "Chính sách"),  # Báo Chính phủ: numeric references
        ("&amp;apos;Nóng&amp;apos; &#x110;&#x103;k", "'Nóng' Đăk"),  # VietNamNet's RSS
        ("AT&T, R&D và 5 & 6", "AT&T, R&D và 5 & 6"),  # a bare & is text
    ],
)
def test_character_references_are_decoded_until_none_is_left(raw: str, want: str) -> None:
    assert clean(raw) == want
    assert decode_references(clean(raw)) == clean(raw)


def test_no_field_keeps_a_reference_and_a_referenced_byline_is_not_cut() -> None:
    head = ld(
        headline="Chi&amp;#7871;n d&#7883;ch n&#432;&#7899;c s&#7841;ch",
        author={"@type": "Person", "name": "NH&#7852;T XUÂN, NGHI VŨ"},
        datePublished="2026-03-07T08:47:00+07:00",
        description="Ng&#432;&#7901;i d&#226;n vui m&#7915;ng",
    )
    got = extract_article(page(head), "https://tuoitre.vn/x-100260307084700123.htm")
    assert got is not None
    assert got.alt_title == "Chiến dịch nước sạch" and got.lead == "Người dân vui mừng"
    assert got.author == "NHẬT XUÂN, NGHI VŨ"
    for value in json.dumps(got.as_dict(), ensure_ascii=False), got.text:
        assert "&#" not in value and "&amp;" not in value and "&apos;" not in value


@pytest.mark.parametrize("name", ["Baochinhphu Vn", "NLD COM VN", "Báo Thử", "baochinhphu.vn"])
def test_an_outlet_is_not_an_author(name: str) -> None:
    head = ld(headline="Xã Đăk Pxi có nước sạch", author={"@type": "Person", "name": name})
    head += f'<meta property="og:site_name" content="Báo Thử"><meta name="author" content="{name}">'
    got = extract_article(page(head), "https://baochinhphu.vn/xa-dak-pxi-102260307084712345.htm")
    assert got is not None and got.author is None


def test_the_visible_headline_wins_and_the_other_is_kept() -> None:
    head = ld(headline="Quảng Ngãi: nước sạch về bốn thôn vùng sâu")
    head += '<meta property="og:title" content="Quảng Ngãi: nước sạch về bốn thôn - Báo Thử">'
    got = extract_article(page(head), "https://nld.com.vn/x-196260307084712345.htm")
    assert got is not None
    assert got.title == "Xã Đăk Pxi có nước sạch"
    assert got.alt_title == "Quảng Ngãi: nước sạch về bốn thôn vùng sâu"
    assert got.rules["title"] == "h1" and got.rules["alt_title"] == "json-ld"
    same = extract_article(page(ld(headline="Xã Đăk Pxi có nước sạch")), "https://a.vn/x-1.htm")
    assert same is not None and same.alt_title is None


def test_a_date_line_gives_the_minute() -> None:
    top = '<div class="meta"><span>Nguyên Minh - 07/03/2026 08:47</span></div>'
    got = extract_article(page(top=top), "https://cafef.vn/x-188260307.chn")
    assert got is not None
    assert got.published_at == datetime(2026, 3, 7, 8, 47, tzinfo=VIETNAM)
    assert (got.published_precision, got.rules["published"]) == (MINUTE, "date-line")


def test_time_datetime_and_a_day_only_date() -> None:
    top = '<time datetime="2026-03-07 08:07">07/03/2026 - 08:07</time>'
    got = extract_article(page(top=top), "https://dantri.com.vn/x/y-1.htm")
    assert got is not None and got.published_precision == MINUTE
    assert got.published_at == datetime(2026, 3, 7, 8, 7, tzinfo=VIETNAM)
    day = extract_article(page(ld(datePublished="2026-03-07")), "https://vnexpress.net/x-1.html")
    assert day is not None and day.published_precision == DAY
    assert day.as_dict()["published_at"] == "2026-03-07"


def test_a_day_only_date_takes_the_time_from_the_feed_on_that_day() -> None:
    hints = Hints(published_at=datetime(2026, 3, 7, 0, 5, tzinfo=VIETNAM))
    got = extract_article(
        page(ld(datePublished="2026-03-07")), "https://vnexpress.net/x.html", None, hints
    )
    assert got is not None and got.published_precision == MINUTE
    assert got.published_at == datetime(2026, 3, 7, 0, 5, tzinfo=VIETNAM)  # a real 00:05
    assert got.rules["published"] == "feed"


def test_the_url_id_dates_a_page_that_shows_none() -> None:
    got = extract_article(page(), "https://dantri.com.vn/xa-hoi/x-20260307080712345.htm")
    assert got is not None and got.rules["published"] == "url-id"
    assert got.published_at == datetime(2026, 3, 7, 8, 7, 12, tzinfo=VIETNAM)


def test_htmldate_is_not_taken_against_the_url() -> None:
    """A page showing no date, whose only date string (an old image path) contradicts the month
    the URL names, gets no date rather than an invented one."""
    top = '<img src="/files/2019/05/12/anh.jpg">'
    url = "https://baoquangngai.vn/kinh-te/202505/nong-dan-xuong-giong-5e81b3f/"
    got = extract_article(page(top=top), url)
    assert got is not None
    assert (got.published_at, got.published_precision) == (None, UNKNOWN)


@pytest.mark.parametrize(
    ("url", "want"),
    [
        ("https://dantri.com.vn/xa-hoi/a-20261125104206871.htm", "2026-11-25T10:42:06"),
        ("https://tuoitre.vn/a-100261125140736512.htm", "2026-11-25T14:07:36"),
        ("https://thanhnien.vn/a-185251006154630904.htm", "2025-10-06T15:46:30"),
        ("https://vtv.vn/xa-hoi/a-20261126071530418.htm", "2026-11-26T07:15:30"),
        ("https://baodantoc.vn/a-1795562918437.htm", "2026-11-25T06:28:38"),
    ],
)
def test_article_ids_carry_their_time(url: str, want: str) -> None:
    found = url_date(url)
    assert found is not None
    assert found[0].replace(tzinfo=None).isoformat() == want and found[1] == MINUTE


def test_ids_that_carry_no_date() -> None:
    assert url_date("https://vnexpress.net/a-5150214.html") is None
    assert url_date("https://dantri.com.vn/a-20261399104206871.htm") is None  # month 13


def test_precision_of_date_strings() -> None:
    assert precision_of("2026-03-07") == DAY and precision_of("07/03/2026") == DAY
    assert precision_of("2026-03-07T00:05:00+07:00") == MINUTE
    assert precision_of("Thứ hai, 29/12/2025, 15:50 (GMT+7)") == MINUTE
    assert precision_of("") == UNKNOWN and precision_of("không rõ") == UNKNOWN


def test_feed_titles_escaped_in_cdata_are_decoded() -> None:
    feed = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>V</title>'
        "<item><title><![CDATA[Xã Đăk Pxi &amp;apos;khát&amp;apos; nước]]></title>"
        "<link>https://vietnamnet.vn/a-2961487.html</link>"
        "<description><![CDATA[Ng&#432;&#7901;i d&#226;n]]></description>"
        "<pubDate>Sat, 07 Mar 2026 08:47:00 +0700</pubDate></item></channel></rss>"
    ).encode()
    (link,) = parse_feed(feed, "https://vietnamnet.vn/thoi-su.rss").links
    assert link.title == "Xã Đăk Pxi 'khát' nước" and link.lead == "Người dân"


def _forum_item(content: str, link: str = "https://voz.vn/t/sat-lo-dak-pxi.1318842/") -> bytes:
    """One XenForo 2 feed item whose first post is `content` (inside its CDATA)."""
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Điểm báo</title>'
        f"<item><title>Sạt lở ở Đăk Pxi</title><link>{link}</link>"
        f'<content:encoded><![CDATA[<div class="bbWrapper">{content}</div>]]></content:encoded>'
        "</item></channel></rss>"
    ).encode()


@pytest.mark.parametrize(
    ("content", "lead"),
    [
        # XenForo cuts the first post and closes it with a link to the thread itself.
        (
            'Đường vào thôn sạt lở...<br />\n<a href="https://voz.vn/t/sat-lo-dak-pxi.1318842/"'
            ' class="link link--internal">Read more</a>',
            "Đường vào thôn sạt lở...",
        ),
        # The same link written relative, with a fragment.
        (
            'Đường sạt lở... <a href="/t/sat-lo-dak-pxi.1318842/#post-1">Xem thêm</a>',
            "Đường sạt lở...",
        ),
        # A closing link elsewhere (the article the post quotes) is content.
        (
            'Đường vào thôn Kon Gu 2 sạt lở, học sinh lội bùn. Nguồn: <a href="https://baoquangn'
            'gai.vn/bai-71533.htm">Báo Quảng Ngãi</a>',
            "Đường vào thôn Kon Gu 2 sạt lở, học sinh lội bùn. Nguồn: Báo Quảng Ngãi",
        ),
        # A link to the thread that text follows stays (Google News: title, then publisher).
        (
            '<a href="https://voz.vn/t/sat-lo-dak-pxi.1318842/">Sạt lở ở xã Đăk Pxi làm hư đường'
            "</a> vào sáng nay, thôn Kon Gu 2",
            "Sạt lở ở xã Đăk Pxi làm hư đường vào sáng nay, thôn Kon Gu 2",
        ),
        # A summary that is only the link is kept whole.
        (
            '<a href="https://voz.vn/t/sat-lo-dak-pxi.1318842/">Sạt lở ở Đăk Pxi</a>',
            None,
        ),
        # Hostile: a broken href neither raises nor drops anything.
        ('Đường sạt lở <a href="http://[bad">Read more</a>', "Đường sạt lở Read more"),
    ],
)
def test_feed_summary_loses_only_its_closing_read_more_link(content: str, lead: str | None) -> None:
    (link,) = parse_feed(_forum_item(content), "https://voz.vn/f/diem-bao.33/index.rss").links
    assert link.lead == lead


def test_photo_captions_written_as_paragraphs_leave_the_body() -> None:
    """CKEditor bodies (government portals) write a caption as a plain paragraph "… Ảnh: X";
    a long paragraph that only mentions a photo stays, and a closing "Ảnh: X" is a byline."""
    body = (
        "<p>Sáng 2/12, UBND xã Đăk Pxi tổ chức hội nghị đối thoại với hơn 120 hộ dân có đất bị ảnh"
        " hưởng bởi dự án cao tốc, nghe ý kiến về đơn giá bồi thường và tái định cư.</p>"
        "<p><em>Quang cảnh hội nghị. Ảnh: Thanh Hồng</em></p>"
        "<p>Người dân đề nghị đo đạc lại các thửa đất có sai lệch, xã hứa trả lời bằng văn bản "
        "trước ngày 15/12 cho từng hộ có ý kiến tại hội nghị.</p>"
        "<p>(Ảnh: TL)</p>"
        "<p>Ông A Thuận kể lại chuyện cũ, khi đó phóng viên chụp cảnh đường sạt lở và ghi chú "
        "dưới tấm hình rằng đây là đoạn đường khó đi nhất xã, rồi hỏi người dân nghĩ gì về dự án;"
        " ông trả lời rằng đã chờ con đường này nhiều năm. Ảnh: Hồng</p>"
        "<p>Ảnh: Thanh Hồng</p>"
    )
    page = (
        "<html><head><title>Đối thoại ở Đăk Pxi</title></head><body><h1>Đối thoại ở Đăk Pxi</h1>"
        f"<div class='article-content'>{body}</div></body></html>"
    )
    article = extract_article(page, "https://quangngai.gov.vn/tin-tuc/doi-thoai.html")
    assert article is not None
    assert "Quang cảnh hội nghị" not in article.text and "(Ảnh: TL)" not in article.text
    assert "đã chờ con đường này nhiều năm. Ảnh: Hồng" in article.text
    assert article.text.startswith("Sáng 2/12, UBND xã Đăk Pxi")
    assert article.author == "Thanh Hồng"
