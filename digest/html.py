"""The report as one self-contained HTML page (Jinja2, autoescaped), readable on a phone."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import date, datetime

from jinja2 import DictLoader, Environment, select_autoescape
from markupsafe import Markup

from alerts.message import link_url
from digest.charts import Chart, charts
from digest.content import DigestContent
from digest.docx import overview
from duluan.office_document import vn_date

TEMPLATE = """<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Báo cáo {{ c.window.name }} – {{ c.area }}</title>
<style>
body{font-family:"Times New Roman",Times,serif;font-size:17px;line-height:1.45;margin:0 auto;
max-width:60rem;padding:0 .8rem 2rem;color:#111}
header{display:flex;flex-wrap:wrap;justify-content:space-between;gap:.5rem;text-align:center}
header div{flex:1 1 16rem}
h1{font-size:1.25rem;text-align:center;margin:1.2rem 0 .2rem}
h1 small{display:block;font-size:1rem;font-weight:bold}
h2{font-size:1.05rem;margin-top:1.6rem}
.wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.92rem;margin:.4rem 0 1rem}
th,td{border:1px solid #999;padding:.25rem .4rem;vertical-align:top;text-align:left}
th{background:#eee}
td.n{text-align:center;white-space:nowrap}
.overdue{color:#a00;font-weight:bold}
.late,.flag{font-style:italic;color:#555}
.neg{color:#a00}.pos{color:#070}
.foot{color:#666;font-size:.85rem;margin-top:2rem}
figure{margin:1rem 0;text-align:center}figure img{max-width:100%;height:auto}
figcaption{font-style:italic;font-size:.9rem}
</style>
</head>
<body>
<header>
<div>
{%- for line in c.report.issuer %}
{% if loop.last %}<b>{{ line|upper }}</b>{% else %}{{ line|upper }}{% endif %}<br>
{%- endfor %}
Số: &nbsp;&nbsp;&nbsp;&nbsp;/{{ c.report.symbol }}</div>
<div><b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b><br><b>Độc lập - Tự do - Hạnh phúc</b><br>
<i>{{ c.report.place }}, {{ vn_date(c.as_of) }}</i></div>
</header>
<h1>BÁO CÁO<small>Tổng hợp thông tin báo chí, mạng xã hội phản ánh liên quan đến
{{ c.area }} {{ c.window.title_phrase }}</small></h1>

<h2>I. TÌNH HÌNH CHUNG</h2>
{% for line in overview %}<p>{{ line }}</p>
{% endfor %}
{% if not c.empty %}
{{ counts("Số tin theo cơ quan báo chí", c.figures.by_outlet) }}
<div class="wrap"><table><caption>Số tin theo {{ c.communes_word }}</caption>
{% if c.figures.by_unit %}<tr><th>Xã, phường (từ 01/7/2025), tên cũ trong tin</th>
<th>Kỳ này</th><th>Kỳ trước</th></tr>
{% for r in c.figures.by_unit %}<tr><td>{{ r.label }}</td>
<td class="n">{{ r.count }}</td><td class="n">{{ r.previous }}</td></tr>
{% endfor %}{% else %}<tr><th>Xã, thị trấn (tên cũ)</th><th>Đơn vị mới (từ 01/7/2025)</th>
<th>Kỳ này</th><th>Kỳ trước</th></tr>
{% for r in c.figures.by_commune %}<tr><td>{{ r.old }}</td><td>{{ r.new }}</td>
<td class="n">{{ r.count }}</td><td class="n">{{ r.previous }}</td></tr>
{% endfor %}{% endif %}</table></div>
{{ counts("Số tin theo sắc thái", c.figures.by_tone) }}
{{ counts("Số tin theo lĩnh vực", c.figures.by_topic) }}
{% for caption, data in images %}<figure><img src="data:image/png;base64,{{ data }}"
alt="{{ caption }}"><figcaption>{{ caption }}</figcaption></figure>
{% endfor %}
{% endif %}

{% if c.has_social %}{{ social(c) }}
{% endif %}{% if c.outlets %}<div class="wrap"><table><caption>Số tin, bài theo cơ quan báo chí,
tháng và sắc thái (kèm tác giả)</caption>
<tr><th>Cơ quan báo chí</th><th>Tháng</th><th>Tích cực</th><th>Trung tính</th><th>Tiêu cực</th>
<th>Tổng</th><th>Tác giả</th></tr>
{% for r in c.outlets %}<tr><td>{{ r.outlet }}</td><td class="n">{{ r.month }}</td>
<td class="n">{{ r.positive }}</td><td class="n">{{ r.neutral }}</td>
<td class="n">{{ r.negative }}</td><td class="n">{{ r.total }}</td><td>{{ r.bylines }}</td></tr>
{% endfor %}</table></div>
{% endif %}<h2>II. THÔNG TIN TIÊU CỰC, CẦN XÁC MINH</h2>
{{ items(c.attention, true) }}
<h2>III. TIN GIAO XÁC MINH ĐÃ QUÁ HẠN, CHƯA CÓ BÁO CÁO</h2>
{{ items(c.overdue, true) }}
<h2>IV. THÔNG TIN TÍCH CỰC (NGƯỜI TỐT, VIỆC TỐT, THÀNH TỰU)</h2>
{{ items(c.positive, false) }}

<h2>V. MỨC ĐỘ ĐẦY ĐỦ CỦA NGUỒN TIN</h2>
{% if c.coverage %}<div class="wrap"><table>
<tr><th>Nguồn tin</th><th>Lượt thu thập</th><th>Lượt lỗi</th><th>Bài mới</th>
<th>Tình trạng</th></tr>
{% for s in c.coverage %}<tr><td>{{ s.title }}</td><td class="n">{{ s.runs }}</td>
<td class="n">{{ s.runs - s.ok_runs }}</td><td class="n">{{ s.articles }}</td>
<td{% if not s.complete %} class="overdue"{% endif %}>{{ s.state }}
{%- if s.note %} ({{ s.note }}){% endif %}</td></tr>
{% endfor %}</table></div>
{% else %}<p><i>Chưa có nguồn tin nào được khai báo.</i></p>{% endif %}

<h2>PHỤ LỤC: DANH SÁCH TIN, BÀI LIÊN QUAN TRONG KỲ</h2>
{% if c.annex %}<div class="wrap"><table>
<tr><th>STT</th><th>Cơ quan báo chí</th><th>Tiêu đề</th><th>Ngày đăng</th><th>Địa bàn</th>
<th>Sắc thái</th><th>Rà soát</th></tr>
{% for i in c.annex %}<tr><td class="n">{{ loop.index }}</td><td>{{ i.outlet }}</td>
<td>{{ link(i.url, i.title) }}</td>
<td class="n">{{ day(i.published_at) }}
{%- if i.late %} <span class="late">(đến muộn)</span>{% endif %}</td>
<td>{{ i.places|join("; ") or "—" }}</td>
<td class="{{ tone_class(i.tone) }}">{{ i.tone_label }}</td><td>{{ i.status_label }}</td></tr>
{% endfor %}</table></div>
{% else %}<p><i>Không có tin, bài nào trong kỳ.</i></p>{% endif %}

<p><b>Nơi nhận:</b>
{%- for r in c.report.recipients %}<br>- {{ r }}{% if loop.last %}.{% else %};{% endif %}
{%- endfor %}</p>
<p style="text-align:right"><b>{{ c.report.signer_title|upper }}</b><br><br>
<b>{{ c.report.signer_name }}</b></p>
<p class="foot">Báo cáo do duluan lập tự động lúc {{ stamp(c.generated_at) }}.</p>
</body>
</html>
"""

MACROS = """{% macro counts(title, rows) -%}
<div class="wrap"><table><caption>{{ title }}</caption>
<tr><th>Nội dung</th><th>Kỳ này</th><th>Kỳ trước</th><th>Tăng/giảm</th></tr>
{% for r in rows %}<tr><td>{{ r.label }}</td><td class="n">{{ r.count }}</td>
<td class="n">{{ r.previous }}</td><td class="n">{{ signed(r.change) }}</td></tr>
{% endfor %}</table></div>
{%- endmacro %}
{% macro social(c) -%}
<h3>Mạng xã hội</h3>
{{ counts("Số tin theo mạng xã hội", c.figures.by_platform) }}
{% if c.social %}<div class="wrap"><table>
<tr><th>STT</th><th>Nền tảng</th><th>Nguồn</th><th>Tiêu đề</th><th>Ngày đăng</th>
<th>Sắc thái</th></tr>
{% for i in c.social %}<tr><td class="n">{{ loop.index }}</td><td>{{ i.platform_label }}</td>
<td>{{ i.outlet }}</td><td>{{ link(i.url, i.title) }}</td>
<td class="n">{{ day(i.published_at) }}</td>
<td class="{{ tone_class(i.tone) }}">{{ i.tone_label }}</td></tr>
{% endfor %}</table></div>
{% else %}<p><i>Không có tin, bài nào trên mạng xã hội trong kỳ.</i></p>{% endif %}
{%- endmacro %}
{% macro items(rows, follow) -%}
{% if rows %}<div class="wrap"><table>
<tr><th>STT</th><th>Cơ quan báo chí</th><th>Tiêu đề</th><th>Ngày đăng</th><th>Địa bàn</th>
{%- if follow %}<th>Đơn vị xác minh, hạn</th><th>Tình trạng</th>{% endif %}</tr>
{% for i in rows %}<tr><td class="n">{{ loop.index }}</td>
<td>{{ i.outlet }}{% if i.also_in %}
<span class="flag">(cũng đăng: {{ i.also_in|join(", ") }})</span>{% endif %}</td>
<td>{{ link(i.url, i.title) }}
{%- if i.needs_verification %} <span class="flag">[cần xác minh]</span>{% endif %}</td>
<td class="n">{{ day(i.published_at) }}
{%- if i.late %} <span class="late">(đến muộn)</span>{% endif %}</td>
<td>{{ i.places|join("; ") or "—" }}</td>
{%- if follow %}
<td>{% if i.unit %}{{ i.unit }}, hạn {{ day(i.deadline) }}{% else %}Chưa giao{% endif %}</td>
<td{% if i.overdue %} class="overdue"{% endif %}>{% if i.overdue %}QUÁ HẠN – {% endif %}
{{- i.status_label }}{% if i.assignment_status %} ({{ i.assignment_label }}){% endif %}</td>
{%- endif %}</tr>
{% endfor %}</table></div>{% else %}<p><i>Không có.</i></p>{% endif %}
{%- endmacro %}
"""


def _day(value: date | datetime | None) -> str:
    return "—" if value is None else f"{value:%d/%m/%Y}"


def _signed(value: int) -> str:
    return f"{value:+d}" if value else "0"


def _link(url: str, text: str) -> Markup:
    """`text` as a link when `link_url` allows the address, else as plain text."""
    target = link_url(url)
    if target is None:
        return Markup("{}").format(text)
    return Markup('<a href="{}">{}</a>').format(target, text)


def _tone_class(tone: str) -> str:
    return {"negative": "neg", "positive": "pos"}.get(tone, "")


def _environment() -> Environment:
    env = Environment(
        loader=DictLoader(
            {
                "report.html": "{% from 'macros.html' import counts, items, social %}" + TEMPLATE,
                "macros.html": MACROS,
            }
        ),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=False,
        keep_trailing_newline=True,
    )
    env.globals.update(
        day=_day,
        signed=_signed,
        tone_class=_tone_class,
        link=_link,
        vn_date=vn_date,
        stamp=lambda when: f"{when:%H:%M} ngày {when:%d/%m/%Y}",
    )
    return env


def render_html(content: DigestContent, pictures: Sequence[Chart] | None = None) -> str:
    """The report as an HTML page with its charts inline; every text from the database is
    escaped."""
    drawn = charts(content) if pictures is None else pictures
    images = [(caption, base64.b64encode(png).decode("ascii")) for caption, png in drawn]
    template = _environment().get_template("report.html")
    return template.render(c=content, overview=overview(content), images=images)
