"""A synthetic outlet in VnExpress-like markup, large enough to benchmark the crawl.

`generate_site` writes an RSS feed, a Google News sitemap and any number of article pages
with JSON-LD, navigation, related-news boxes and a footer, their text drawn from a seeded bank of
Vietnamese words and sentences. About a third of the articles are about communes of Huyện Đăk Hà,
so the benchmark also exercises tagging. Links carry ``{{BASE}}`` for `LocalSite` to fill in.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from html import escape
from pathlib import Path

OUTLET = "Báo Thử Nghiệm"
OUTLETS = Path(__file__).resolve().parent.parent / "outlets"
VIETNAM = timezone(timedelta(hours=7))
FIRST_DAY = datetime(2026, 11, 20, tzinfo=VIETNAM)
SPAN_SECONDS = 7 * 24 * 3600 - 60
WEEKDAYS = ("Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật")

CATEGORIES = (
    ("thoi-su", "Thời sự"),
    ("phap-luat", "Pháp luật"),
    ("kinh-doanh", "Kinh doanh"),
    ("giao-duc", "Giáo dục"),
    ("suc-khoe", "Sức khỏe"),
    ("doi-song", "Đời sống"),
    ("nong-nghiep", "Nông nghiệp"),
)

WATCH_PLACES = (
    "xã Đăk Pxi",
    "xã Đăk Mar",
    "xã Hà Mòn",
    "thị trấn Đăk Hà",
    "xã Đăk La",
    "xã Ngọk Wang",
    "xã Ngọk Réo",
    "xã Đăk Ui",
    "xã Đăk Hring",
    "xã Đăk Long",
    "xã Đăk Ngọk",
    "huyện Đăk Hà",
)
OTHER_PLACES = (
    "phường Quang Trung",
    "huyện Sa Thầy",
    "xã Ya Ly",
    "huyện Đăk Tô",
    "thị trấn Plei Kần",
    "huyện Kon Plông",
    "xã Măng Cành",
    "TP Quảng Ngãi",
    "huyện Ba Tơ",
    "TP Pleiku",
    "huyện Chư Păh",
    "quận Hải Châu",
)
PROVINCE_OF = {
    "huyện Đăk Tô": "Kon Tum",
    "TP Pleiku": "Gia Lai",
    "huyện Chư Păh": "Gia Lai",
    "quận Hải Châu": "Đà Nẵng",
    "TP Quảng Ngãi": "Quảng Ngãi",
    "huyện Ba Tơ": "Quảng Ngãi",
}

SUBJECTS = (
    "Ủy ban nhân dân {place}",
    "Chính quyền {place}",
    "Người dân {place}",
    "Hội Nông dân {place}",
    "Công an {place}",
    "Trạm y tế {place}",
    "Trường tiểu học ở {place}",
    "Hợp tác xã cà phê {place}",
    "Ban quản lý rừng phòng hộ",
    "Sở Nông nghiệp và Môi trường",
    "Đoàn kiểm tra liên ngành",
    "Một doanh nghiệp chế biến nông sản",
    "Nhiều hộ đồng bào Xơ Đăng",
    "Lực lượng kiểm lâm",
)
ACTIONS = (
    "vừa tổ chức hội nghị về",
    "đang khẩn trương triển khai",
    "đã kiến nghị cấp trên xem xét",
    "tiếp tục đẩy mạnh",
    "phối hợp kiểm tra",
    "bày tỏ lo lắng trước",
    "đề xuất bổ sung kinh phí cho",
    "hoàn thành sớm kế hoạch",
    "phát hiện nhiều sai phạm trong",
    "ghi nhận kết quả tích cực từ",
)
OBJECTS = (
    "dự án đường giao thông nông thôn",
    "việc cấp giấy chứng nhận quyền sử dụng đất",
    "công tác bảo vệ rừng",
    "chương trình xóa nhà tạm, nhà dột nát",
    "mô hình trồng sâm Ngọc Linh dưới tán rừng",
    "tình trạng khai thác cát trái phép trên sông Pô Kô",
    "vụ thu hoạch cà phê năm nay",
    "kế hoạch tiêm chủng cho trẻ em",
    "việc sáp nhập các thôn, tổ dân phố",
    "chương trình mục tiêu quốc gia phát triển vùng đồng bào dân tộc thiểu số",
    "hệ thống kênh mương thủy lợi",
    "việc chi trả tiền bồi thường giải phóng mặt bằng",
    "phong trào xây dựng nông thôn mới",
    "công tác phòng chống sốt xuất huyết",
)
CLAUSES = (
    "nhằm bảo đảm quyền lợi của người dân",
    "sau nhiều tháng chậm tiến độ",
    "theo chỉ đạo của Ủy ban nhân dân tỉnh",
    "trong bối cảnh giá nông sản biến động mạnh",
    "với tổng kinh phí hơn {number} tỷ đồng",
    "khi mùa mưa bão đang đến gần",
    "dù còn nhiều khó khăn về nguồn lực",
    "sau phản ánh của báo chí",
    "để kịp hoàn thành trước ngày {day}/12",
    "với sự tham gia của {number} hộ gia đình",
)
QUOTES = (
    "Chúng tôi sẽ kiểm tra, làm rõ và xử lý nghiêm nếu có sai phạm",
    "Bà con rất phấn khởi vì con đường đã được làm mới",
    "Địa phương đang thiếu cán bộ chuyên môn nên việc triển khai còn chậm",
    "Năm nay giá cà phê tốt, nhiều gia đình đã trả được nợ ngân hàng",
    "Chúng tôi mong các cơ quan chức năng sớm vào cuộc",
    "Mọi thông tin sai lệch sẽ được đính chính kịp thời",
)
ROLES = (
    "Chủ tịch Ủy ban nhân dân xã",
    "Phó chủ tịch Ủy ban nhân dân huyện",
    "trưởng thôn",
    "một người dân địa phương",
    "Giám đốc hợp tác xã",
    "cán bộ địa chính xã",
)
FACTS = (
    "Theo thống kê, toàn {place} có khoảng {number} hộ nghèo, chiếm gần {percent}% số hộ.",
    "Năm qua, {place} đã giải ngân được {percent}% kế hoạch vốn đầu tư công.",
    "Diện tích cà phê của {place} hiện đạt hơn {number} ha, phần lớn đã cho thu hoạch.",
    "Tuyến đường dài {number} m nối trung tâm {place} với các thôn vùng sâu.",
    "Từ đầu năm đến nay, lực lượng chức năng đã phát hiện {number} vụ vi phạm lâm luật.",
    "Trạm y tế {place} tiếp nhận trung bình {number} lượt khám mỗi tháng.",
    "Khoảng {percent}% trẻ em trong độ tuổi đã được tiêm đủ các mũi vắc xin.",
)
TITLES = (
    "{Place} {action_short} {object_short}",
    "Người dân {place} {concern}",
    "{object_cap} ở {place}: {outcome}",
    "Kiểm tra {object_short} tại {place}",
    "{Place} sau {event}",
)
ACTIONS_SHORT = ("đẩy nhanh", "kiểm tra", "tạm dừng", "hoàn thành", "khởi công", "rà soát")
OBJECTS_SHORT = (
    "đường liên thôn",
    "dự án thủy lợi",
    "cấp sổ đỏ",
    "trồng rừng thay thế",
    "nhà văn hóa thôn",
    "bãi khai thác cát",
    "điểm trường vùng sâu",
)
CONCERNS = (
    "lo mất mùa vì hạn hán",
    "chờ tiền bồi thường nhiều năm",
    "phấn khởi đón nước sạch",
    "phản ánh đường sá xuống cấp",
    "đề nghị làm rõ việc cấp đất",
)
OUTCOMES = (
    "nhiều vướng mắc chưa được gỡ",
    "vượt kế hoạch đề ra",
    "chậm tiến độ",
    "hiệu quả bước đầu",
)
EVENTS = (
    "đợt mưa lũ",
    "sáp nhập xã",
    "mùa thu hoạch cà phê",
    "đợt thanh tra",
    "hội nghị tiếp xúc cử tri",
)
SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi", "A", "Y")
MIDDLES = ("Văn", "Thị", "Minh", "Quốc", "Thanh", "Hữu", "Ngọc")
GIVEN = ("Hùng", "Lan", "Dũng", "Hoa", "Tuấn", "Blong", "H'Linh", "Thảo", "Sang", "Khánh")
CAPTIONS = (
    "Quang cảnh buổi làm việc tại {place}.",
    "Người dân {place} thu hoạch cà phê.",
    "Một đoạn đường tại {place}.",
)


@dataclass(frozen=True)
class _Meta:
    article_id: int
    slug: str
    category: tuple[str, str]
    place: str
    title: str
    published: datetime

    @property
    def path(self) -> str:
        return f"{self.slug}-{self.article_id}.html"


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _slugify(text: str) -> str:
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:80].rstrip("-")


def _fill(template: str, rng: random.Random, place: str) -> str:
    return template.format(
        place=place,
        Place=_capitalise(place),
        number=rng.choice((12, 35, 48, 120, 260, 540, 1_200, 3_400)),
        percent=rng.randint(3, 97),
        day=rng.randint(1, 28),
        action_short=rng.choice(ACTIONS_SHORT),
        object_short=rng.choice(OBJECTS_SHORT),
        object_cap=_capitalise(rng.choice(OBJECTS_SHORT)),
        concern=rng.choice(CONCERNS),
        outcome=rng.choice(OUTCOMES),
        event=rng.choice(EVENTS),
    )


def _person(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLES)} {rng.choice(GIVEN)}"


@functools.cache
def _press_sentences() -> tuple[str, ...]:
    """Sentences of the stored outlet pages (tests/outlets), so that generated articles differ
    from each other as much as real ones do: a small template grammar alone makes every pair
    share a third of its word shingles, which no real news corpus does."""
    import lxml.html

    pool: list[str] = []
    for page in sorted(OUTLETS.glob("*/page.html")):
        doc = lxml.html.fromstring(page.read_bytes())
        for paragraph in doc.iter("p"):
            text = " ".join(paragraph.text_content().split())
            pool += [s.strip() + "." for s in text.split(". ") if 60 <= len(s) <= 300]
    return tuple(dict.fromkeys(pool))


def _sentence(rng: random.Random, place: str) -> str:
    kind = rng.random()
    pool = _press_sentences()
    if pool and kind < 0.6:
        return rng.choice(pool)
    kind = rng.random()
    if kind < 0.5:
        subject = _fill(rng.choice(SUBJECTS), rng, place)
        clause = _fill(rng.choice(CLAUSES), rng, place)
        return f"{subject} {rng.choice(ACTIONS)} {rng.choice(OBJECTS)}, {clause}."
    if kind < 0.75:
        return _fill(rng.choice(FACTS), rng, place)
    quote = rng.choice(QUOTES)
    person = _person(rng)
    title = "bà" if " Thị " in person else "ông"
    return f"“{quote}”, {title} {person}, {rng.choice(ROLES)}, cho biết."


def _paragraphs(rng: random.Random, place: str, target_bytes: int) -> list[str]:
    paragraphs: list[str] = []
    size = 0
    while size < target_bytes:
        text = " ".join(_sentence(rng, place) for _ in range(rng.randint(2, 5)))
        paragraphs.append(text)
        size += len(text.encode())
    return paragraphs


def _date_line(moment: datetime) -> str:
    weekday = WEEKDAYS[moment.weekday()]
    return f"{weekday}, {moment.day}/{moment.month}/{moment.year}, {moment:%H:%M} (GMT+7)"


def _nav(name: str) -> str:
    items = "".join(
        f'<li class="{slug}"><a href="{{{{BASE}}}}/{name}/{slug}" title="{label}">{label}</a></li>'
        for slug, label in CATEGORIES
    )
    return (
        '<header class="section top-header"><div class="container">'
        f'<a class="logo" href="{{{{BASE}}}}/{name}/" title="{OUTLET}">{OUTLET}</a>'
        f'<nav class="main-nav"><ul class="parent">{items}</ul></nav></div></header>'
    )


def _footer(name: str) -> str:
    return (
        '<footer class="footer"><div class="container"><ul class="list-menu-footer">'
        f'<li><a href="{{{{BASE}}}}/{name}/lien-he">Liên hệ</a></li>'
        f'<li><a href="{{{{BASE}}}}/{name}/quang-cao">Quảng cáo</a></li>'
        f'<li><a href="{{{{BASE}}}}/{name}/rss/tin-moi-nhat.rss">RSS</a></li></ul>'
        f"<p>{OUTLET} - Giấy phép số 999/GP-BTTTT (trang thử nghiệm, không phải báo thật).</p>"
        "</div></footer>"
    )


def _related(name: str, others: list[_Meta]) -> str:
    items = "".join(
        '<article class="item-news"><h4 class="title-news">'
        f'<a href="{{{{BASE}}}}/{name}/{meta.path}" title="{escape(meta.title)}">'
        f"{escape(meta.title)}</a></h4></article>"
        for meta in others
    )
    return f'<div class="box-tinlienquanv2"><h3 class="title-box">Tin liên quan</h3>{items}</div>'


def _article_page(
    name: str, meta: _Meta, rng: random.Random, related: list[_Meta]
) -> tuple[str, str]:
    """The page's HTML and its lead (sapo)."""
    url = f"{{{{BASE}}}}/{name}/{meta.path}"
    paragraphs = _paragraphs(rng, meta.place, rng.randint(3000, 6800))
    sapo = paragraphs.pop(0)
    author = _person(rng)
    province = PROVINCE_OF.get(meta.place, "Kon Tum")
    iso = meta.published.isoformat()
    cat_slug, cat_label = meta.category
    body = [f'<p class="Normal">{escape(text)}</p>' for text in paragraphs]
    figure = (
        '<figure class="tplCaption"><div class="fig-picture">'
        f'<img alt="" data-src="{{{{BASE}}}}/{name}/img/{meta.article_id}.jpg"></div>'
        f'<figcaption><p class="Image">{escape(_fill(rng.choice(CAPTIONS), rng, meta.place))}'
        "</p></figcaption></figure>"
    )
    body.insert(min(2, len(body)), figure)
    body.append(f'<p class="Normal" style="text-align:right;"><strong>{author}</strong></p>')
    ld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "mainEntityOfPage": {"@type": "WebPage", "@id": url},
            "headline": meta.title,
            "description": sapo,
            "datePublished": iso,
            "dateModified": iso,
            "articleSection": cat_label,
            "author": {"@type": "Person", "name": author},
            "publisher": {"@type": "Organization", "name": OUTLET},
        },
        ensure_ascii=False,
    )
    title = escape(meta.title)
    page = (
        '<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8">'
        f"<title>{title} - {OUTLET}</title>"
        f'<meta name="description" content="{escape(sapo[:160])}">'
        f'<meta property="og:title" content="{title}">'
        f'<meta property="article:published_time" content="{iso}">'
        f'<meta property="article:section" content="{cat_label}">'
        f'<link rel="canonical" href="{url}">'
        f'<script type="application/ld+json">{ld}</script></head>'
        f"<body>{_nav(name)}"
        '<section class="section page-detail top-detail"><div class="container">'
        '<div class="sidebar-1"><div class="header-content width_common">'
        f'<ul class="breadcrumb"><li><a href="{{{{BASE}}}}/{name}/{cat_slug}" '
        f'title="{cat_label}">{cat_label}</a></li></ul>'
        f'<span class="date">{_date_line(meta.published)}</span></div>'
        f'<h1 class="title-detail">{title}</h1>'
        f'<p class="description"><span class="location-stamp">{province}</span>'
        f"{escape(sapo)}</p>"
        f'<article class="fck_detail ">{"".join(body)}</article>'
        f"{_related(name, related)}</div>"
        '<div class="sidebar-2"><div class="box-category"><h3>Xem nhiều</h3>'
        f"{_related(name, related[::-1])}</div></div></div></section>"
        f"{_footer(name)}</body></html>\n"
    )
    return page, sapo


def _feed(name: str, metas: list[_Meta], sapos: dict[int, str]) -> str:
    items = []
    for meta in metas:
        link = f"{{{{BASE}}}}/{name}/{meta.path}"
        image = f"{{{{BASE}}}}/{name}/img/{meta.article_id}.jpg"
        description = f'<a href="{link}"><img src="{image}"></a></br>{sapos[meta.article_id]}'
        items.append(
            f"<item><title>{escape(meta.title)}</title>"
            f"<description><![CDATA[{description}]]></description>"
            f"<pubDate>{format_datetime(meta.published)}</pubDate>"
            f"<link>{link}</link><guid>{link}</guid>"
            f'<enclosure type="image/jpeg" length="1" url="{image}"/></item>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>Tin mới nhất - {OUTLET}</title><link>{{{{BASE}}}}/{name}/</link>"
        f"<description>{OUTLET} - tin mới nhất</description><language>vi</language>"
        + "".join(items)
        + "</channel></rss>\n"
    )


def _news_sitemap(name: str, metas: list[_Meta]) -> str:
    urls = "".join(
        f"<url><loc>{{{{BASE}}}}/{name}/{meta.path}</loc><news:news><news:publication>"
        f"<news:name>{OUTLET}</news:name><news:language>vi</news:language>"
        f"</news:publication><news:publication_date>{meta.published.isoformat()}"
        f"</news:publication_date><news:title>{escape(meta.title)}</news:title>"
        "</news:news></url>"
        for meta in metas
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        f"{urls}</urlset>\n"
    )


def _plan(rng: random.Random, n_articles: int) -> list[_Meta]:
    ids = rng.sample(range(4_800_000, 5_999_999), n_articles)
    metas = []
    for article_id in ids:
        place = rng.choice(WATCH_PLACES if rng.random() < 0.35 else OTHER_PLACES)
        title = _capitalise(_fill(rng.choice(TITLES), rng, place))
        published = FIRST_DAY + timedelta(seconds=rng.randrange(SPAN_SECONDS))
        metas.append(
            _Meta(
                article_id=article_id,
                slug=_slugify(title),
                category=rng.choice(CATEGORIES),
                place=place,
                title=title,
                published=published,
            )
        )
    return metas


def generate_site(root: Path, n_articles: int, *, seed: int = 0, name: str = "bench") -> list[str]:
    """Write a synthetic outlet into ``root/<name>/`` and return its article URL paths.

    Writes ``rss/tin-moi-nhat.rss`` and ``google-news-sitemap.xml`` (both listing every
    article, newest first) and one page per article; the same seed gives the same site.
    """
    rng = random.Random(seed)
    metas = _plan(rng, n_articles)
    outlet = Path(root) / name
    (outlet / "rss").mkdir(parents=True, exist_ok=True)
    sapos: dict[int, str] = {}
    for index, meta in enumerate(metas):
        page_rng = random.Random(f"{seed}:{meta.article_id}")
        related = [metas[(index + step) % len(metas)] for step in (1, 2, 3) if len(metas) > step]
        page, sapo = _article_page(name, meta, page_rng, related)
        (outlet / meta.path).write_text(page, encoding="utf-8")
        sapos[meta.article_id] = escape(sapo)
    newest_first = sorted(metas, key=lambda meta: meta.published, reverse=True)
    (outlet / "rss" / "tin-moi-nhat.rss").write_text(
        _feed(name, newest_first, sapos), encoding="utf-8"
    )
    (outlet / "google-news-sitemap.xml").write_text(
        _news_sitemap(name, newest_first), encoding="utf-8"
    )
    return [f"/{name}/{meta.path}" for meta in metas]


def main(argv: list[str] | None = None) -> int:
    """Write a synthetic outlet from the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.site.generate",
        description="Tạo một trang báo giả lập để đo tốc độ thu thập.",
    )
    parser.add_argument("root", type=Path, help="thư mục dữ liệu của máy chủ thử nghiệm")
    parser.add_argument("n_articles", type=int, help="số bài viết")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--name", default="bench", help="tên thư mục của trang (mặc định bench)")
    args = parser.parse_args(argv)
    paths = generate_site(args.root, args.n_articles, seed=args.seed, name=args.name)
    print(f"Đã tạo {len(paths)} bài trong {args.root / args.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
