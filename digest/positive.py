"""The one-page "tin tích cực" list: the good news of a period (people and deeds worth telling,
achievements), best first, each with its outlet, date, link and one line of its lead, for the
centre's own propaganda work. DOCX and HTML from the same content as the report."""

from __future__ import annotations

import io
from datetime import UTC

from docx.enum.text import WD_ALIGN_PARAGRAPH
from jinja2 import Environment, select_autoescape

from digest.content import DigestContent, Item
from digest.html import _day, _link
from duluan.office_document import (
    SMALL_PT,
    add_link,
    add_paragraph,
    add_run,
    blank_document,
    fixed_zip,
    vn_date,
)

FILE_PREFIX = "duluan-tin-tich-cuc"
MAX_ITEMS = 15  # one page: the best fifteen
TITLE = "TIN TÍCH CỰC"


def heading(content: DigestContent) -> str:
    """ "Thông tin tích cực về huyện Đăk Hà tháng 11 năm 2026 (từ … đến …)"."""
    return (
        f"Thông tin tích cực, gương người tốt, việc tốt liên quan đến {content.area} "
        f"{content.window.title_phrase}"
    )


def chosen(content: DigestContent) -> tuple[Item, ...]:
    """The stories the page lists: the report's good news, best first, at most `MAX_ITEMS`."""
    return content.positive[:MAX_ITEMS]


def _source_line(item: Item) -> str:
    outlets = ", ".join((item.outlet, *item.also_in))
    return f"{outlets} · {_day(item.published_at or item.first_seen_at)}"


def render_positive_docx(content: DigestContent) -> bytes:
    """The list as DOCX bytes, identical for identical content."""
    doc = blank_document()
    centre = WD_ALIGN_PARAGRAPH.CENTER
    issuer = content.report.issuer[-1] if content.report.issuer else ""
    if issuer:
        add_paragraph(doc, issuer.upper(), bold=True, align=centre, after=0)
    add_paragraph(doc, TITLE, size=14, bold=True, align=centre, after=0)
    add_paragraph(doc, heading(content), italic=True, align=centre, after=6)
    items = chosen(content)
    links: dict[str, str] = {}
    if not items:
        add_paragraph(doc, "Không có tin tích cực nào trong kỳ.", italic=True, indent=True)
    for n, item in enumerate(items, 1):
        title = add_paragraph(doc, after=0)
        add_run(title, f"{n}. ", bold=True)
        add_link(title, item.url, item.title, links)
        add_paragraph(doc, _source_line(item), size=SMALL_PT, italic=True, after=0)
        if item.lead:
            add_paragraph(doc, item.lead, size=SMALL_PT, after=4)
    more = len(content.positive) - len(items)
    if more > 0:
        add_paragraph(
            doc, f"(Còn {more} tin tích cực khác trong báo cáo đầy đủ.)", italic=True, after=0
        )
    add_paragraph(
        doc,
        f"{content.report.place}, {vn_date(content.as_of)}",
        italic=True,
        align=WD_ALIGN_PARAGRAPH.RIGHT,
    )
    stamp = content.window.end.astimezone(UTC).replace(tzinfo=None)
    props = doc.core_properties
    props.title = f"Tin tích cực {content.window.label}"
    props.author = issuer or "duluan"
    props.last_modified_by = "duluan"
    props.created = props.modified = props.last_printed = stamp
    props.revision = 1
    buffer = io.BytesIO()
    doc.save(buffer)
    return fixed_zip(buffer.getvalue(), content.window.end.timetuple()[:6])


TEMPLATE = """<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tin tích cực {{ c.window.name }} – {{ c.area }}</title>
<style>
body{font-family:"Times New Roman",Times,serif;font-size:17px;line-height:1.45;margin:0 auto;
max-width:48rem;padding:0 .8rem 2rem;color:#111}
h1{font-size:1.25rem;text-align:center;margin:1.2rem 0 .2rem}
p.sub{text-align:center;font-style:italic}
li{margin-bottom:.7rem}.src{font-style:italic;color:#555;font-size:.9rem}
</style>
</head>
<body>
{% if issuer %}<p style="text-align:center"><b>{{ issuer|upper }}</b></p>{% endif %}
<h1>TIN TÍCH CỰC</h1>
<p class="sub">{{ heading }}</p>
{% if items %}<ol>
{% for i in items %}<li><b>{{ link(i.url, i.title) }}</b><br>
<span class="src">{{ source(i) }}</span>{% if i.lead %}<br>{{ i.lead }}{% endif %}</li>
{% endfor %}</ol>
{% else %}<p><i>Không có tin tích cực nào trong kỳ.</i></p>{% endif %}
{% if more > 0 %}<p><i>(Còn {{ more }} tin tích cực khác trong báo cáo đầy đủ.)</i></p>{% endif %}
</body>
</html>
"""


def render_positive_html(content: DigestContent) -> str:
    """The list as one HTML page; every text from the database is escaped."""
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    env.globals.update(link=_link, source=_source_line)
    items = chosen(content)
    return env.from_string(TEMPLATE).render(
        c=content,
        items=items,
        heading=heading(content),
        issuer=content.report.issuer[-1] if content.report.issuer else "",
        more=len(content.positive) - len(items),
    )
