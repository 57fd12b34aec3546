"""The Word report, laid out as a Vietnamese administrative report (Nghị định 30/2020/NĐ-CP):
issuing body and national motto, number and symbol, place and date, title, body, recipients and
signature; Times New Roman 13 pt on A4 with the decree's margins; an annex of every item.

The bytes depend only on the content: document properties and zip timestamps come from the
window's end, parts keep python-docx's order."""

from __future__ import annotations

import copy
import io
from collections.abc import Sequence
from datetime import UTC, date, datetime

from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

from digest.charts import Chart, charts
from digest.content import DigestContent, Item
from duluan.office_document import (
    BODY_PT,
    SMALL_PT,
    TABLE_PT,
    add_link,
    add_paragraph,
    add_run,
    blank_document,
    cell_text,
    fixed_zip,
    no_borders,
    signature_block,
    vn_date,
)

TITLE_PT = 14
TABLE_STYLE = "Duluan Table"
ANNEX_STYLE = "Duluan Annex"
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII")


def _fmt_date(value: datetime | date | None) -> str:
    return "—" if value is None else f"{value:%d/%m/%Y}"


class _Grid:
    """A bordered table with a header row that repeats on each page; `row()` appends a copy of
    a prepared empty row (widths, alignment, spacing) and returns its cells' paragraphs."""

    def __init__(
        self,
        doc: object,
        headers: Sequence[str],
        widths: Sequence[float],
        centred: Sequence[int] = (0,),
        style: str = TABLE_STYLE,
    ) -> None:
        table: Table = doc.add_table(rows=1, cols=len(headers))  # type: ignore[attr-defined]
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False  # fixed layout: LibreOffice then keeps the widths too
        for i, width in enumerate(widths):
            table.columns[i].width = Mm(width)
        header = table.rows[0]
        for i, (text, width) in enumerate(zip(headers, widths, strict=True)):
            cell = header.cells[i]
            cell.width = Mm(width)
            cell_text(cell, text, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        template = copy.deepcopy(header._tr)
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        header._tr.get_or_add_trPr().append(repeat)
        style_id = doc.styles[style].style_id  # type: ignore[attr-defined]
        for i, tc in enumerate(template.tc_lst):
            paragraph = tc.p_lst[0]
            for child in list(paragraph):
                if child.tag != qn("w:pPr"):
                    paragraph.remove(child)
            props = paragraph.get_or_add_pPr()
            pstyle = OxmlElement("w:pStyle")
            pstyle.set(qn("w:val"), style_id)
            props.insert(0, pstyle)
            jc = props.find(qn("w:jc"))
            if i not in centred and jc is not None:
                props.remove(jc)
        self.table = table
        self._template = template

    def row(self) -> list[Paragraph]:
        tr = copy.deepcopy(self._template)
        self.table._tbl.append(tr)
        return [Paragraph(tc.p_lst[0], self.table) for tc in tr.tc_lst]


def _number(value: int) -> str:
    return f"{value:+d}" if value else "0"


def _header(doc: object, content: DigestContent) -> None:
    report = content.report
    table: Table = doc.add_table(rows=1, cols=2)  # type: ignore[attr-defined]
    no_borders(table)
    table.autofit = False
    left, right = table.rows[0].cells
    for column, cell, width in zip(table.columns, (left, right), (Mm(68), Mm(97)), strict=True):
        column.width = cell.width = width  # Word reads the cells, LibreOffice the grid
    centre = WD_ALIGN_PARAGRAPH.CENTER
    lines = list(report.issuer) or [""]
    for i, line in enumerate(lines):
        last = i == len(lines) - 1
        paragraph = left.paragraphs[0] if i == 0 else left.add_paragraph()
        paragraph.alignment = centre
        paragraph.paragraph_format.space_after = Pt(0)
        add_run(paragraph, line.upper(), size=BODY_PT, bold=last)
    rule = left.add_paragraph()
    rule.alignment = centre
    rule.paragraph_format.space_after = Pt(6)
    add_run(rule, "────────", size=BODY_PT)
    number = left.add_paragraph()
    number.alignment = centre
    add_run(number, f"Số:        /{report.symbol}", size=BODY_PT)

    motto = right.paragraphs[0]
    motto.alignment = centre
    motto.paragraph_format.space_after = Pt(0)
    add_run(motto, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", size=12, bold=True)
    motto2 = right.add_paragraph()
    motto2.alignment = centre
    motto2.paragraph_format.space_after = Pt(0)
    add_run(motto2, "Độc lập - Tự do - Hạnh phúc", size=BODY_PT, bold=True)
    rule2 = right.add_paragraph()
    rule2.alignment = centre
    rule2.paragraph_format.space_after = Pt(6)
    add_run(rule2, "────────────────", size=BODY_PT)
    place = right.add_paragraph()
    place.alignment = centre
    add_run(place, f"{report.place}, {vn_date(content.as_of)}", size=BODY_PT, italic=True)


def _title(doc: object, content: DigestContent) -> None:
    centre = WD_ALIGN_PARAGRAPH.CENTER
    add_paragraph(doc, "", after=6)
    add_paragraph(doc, "BÁO CÁO", size=TITLE_PT, bold=True, align=centre, after=0)
    add_paragraph(
        doc,
        "Tổng hợp thông tin báo chí, mạng xã hội phản ánh liên quan đến "
        f"{content.area} {content.window.title_phrase}",
        size=TITLE_PT,
        bold=True,
        align=centre,
        after=0,
    )
    add_paragraph(doc, "──────────", align=centre, after=6)


def _issuer_name(content: DigestContent) -> str:
    name = content.report.issuer[-1] if content.report.issuer else "Đơn vị"
    lowered = name.lower()
    return lowered[:1].upper() + lowered[1:]


def overview(content: DigestContent) -> list[str]:
    """The opening paragraphs of section I, shared by every format."""
    f = content.figures
    if content.empty:
        lines = [
            f"Trong kỳ báo cáo, hệ thống không ghi nhận tin, bài nào trên báo chí, mạng xã hội "
            f"liên quan đến {content.area}."
        ]
    else:
        change = f.total - f.previous_total
        trend = (
            f"tăng {change} tin"
            if change > 0
            else f"giảm {-change} tin"
            if change < 0
            else "không thay đổi"
        )
        lines = [
            f"Trong kỳ báo cáo, hệ thống ghi nhận {f.total} tin, bài ({f.stories} vụ việc, sự "
            f"kiện) liên quan đến {content.area}, {trend} so với kỳ trước ({f.previous_total} "
            f"tin). Trong đó: {f.negative} tin tiêu cực, {f.neutral} tin trung tính, "
            f"{f.positive} tin tích cực; {f.needs_verification} tin cần xác minh."
        ]
        if f.late:
            lines.append(
                f"Có {f.late} tin đăng trước kỳ nhưng đến kỳ này mới thu thập được (đánh dấu "
                "“đến muộn”)."
            )
    if f.dismissed:
        lines.append(
            f"{f.dismissed} tin được cán bộ rà soát xác định không liên quan, không tính vào "
            "báo cáo."
        )
    if f.untagged:
        lines.append(
            f"{f.untagged} bài thu thập trong kỳ chưa được phân tích, chưa có trong báo cáo."
        )
    incomplete = [c for c in content.coverage if not c.complete]
    if content.coverage:
        lines.append(
            f"Nguồn tin: {len(content.coverage) - len(incomplete)}/{len(content.coverage)} nguồn "
            "được thu thập đầy đủ trong kỳ"
            + (f"; {len(incomplete)} nguồn gián đoạn hoặc lỗi (xem mục V)." if incomplete else ".")
        )
    return lines


def _section(doc: object, number: int, title: str) -> None:
    add_paragraph(doc, f"{ROMAN[number - 1]}. {title}", bold=True, after=3)


def _item_table(doc: object, items: Sequence[Item], links: dict[str, str], *, follow: bool) -> None:
    if not items:
        add_paragraph(doc, "Không có.", indent=True, italic=True)
        return
    headers = ["STT", "Cơ quan báo chí", "Tiêu đề", "Ngày đăng", "Địa bàn"]
    widths = [12, 28, 62, 26, 37]
    if follow:
        headers += ["Đơn vị xác minh, hạn", "Tình trạng"]
        widths = [12, 22, 34, 26, 22, 25, 24]
    grid = _Grid(doc, headers, widths, centred=(0, 3))
    for n, item in enumerate(items, 1):
        cells = grid.row()
        add_run(cells[0], str(n))
        outlet = item.outlet + (f" (cũng đăng: {', '.join(item.also_in)})" if item.also_in else "")
        add_run(cells[1], outlet)
        add_link(cells[2], item.url, item.title, links)
        if item.needs_verification:
            add_run(cells[2], " [cần xác minh]", italic=True)
        when = _fmt_date(item.published_at) + (" (đến muộn)" if item.late else "")
        add_run(cells[3], when)
        add_run(cells[4], "; ".join(item.places) or "—")
        if follow:
            assigned = f"{item.unit}, hạn {_fmt_date(item.deadline)}" if item.unit else "Chưa giao"
            add_run(cells[5], assigned)
            status = item.status_label
            if item.assignment_status is not None:
                status = f"{status} ({item.assignment_label})"
            if item.overdue:
                status = f"QUÁ HẠN – {status}"
            add_run(cells[6], status, bold=item.overdue)


def _counts_table(doc: object, title: str, rows: Sequence[tuple[str, int, int]]) -> None:
    add_paragraph(doc, title, italic=True, after=2)
    if not rows:
        add_paragraph(doc, "Không có.", indent=True, italic=True)
        return
    headers = ["STT", "Nội dung", "Kỳ này", "Kỳ trước", "Tăng/giảm"]
    grid = _Grid(doc, headers, [12, 88, 22, 22, 21], centred=(0, 2, 3, 4))
    for n, (label, now, before) in enumerate(rows, 1):
        cells = grid.row()
        for cell, text in zip(
            cells, (str(n), label, str(now), str(before), _number(now - before)), strict=True
        ):
            add_run(cell, text)
    add_paragraph(doc, "", after=3)


def _figures(
    doc: object, content: DigestContent, pictures: Sequence[Chart], links: dict[str, str]
) -> None:
    f = content.figures
    _counts_table(
        doc,
        "Bảng 1. Số tin theo cơ quan báo chí",
        [(c.label, c.count, c.previous) for c in f.by_outlet],
    )
    add_paragraph(doc, f"Bảng 2. Số tin theo {content.communes_word}", italic=True, after=2)
    if f.by_unit:
        grid = _Grid(
            doc,
            ["STT", "Xã, phường (từ 01/7/2025), tên cũ trong tin", "Kỳ này", "Kỳ trước"],
            [12, 103, 25, 25],
            centred=(0, 2, 3),
        )
        for n, u in enumerate(f.by_unit, 1):
            cells = (str(n), u.label, str(u.count), str(u.previous))
            for cell, text in zip(grid.row(), cells, strict=True):
                add_run(cell, text)
        add_paragraph(doc, "", after=3)
    elif f.by_commune:
        grid = _Grid(
            doc,
            ["STT", "Xã, thị trấn (tên cũ)", "Đơn vị mới (từ 01/7/2025)", "Kỳ này", "Kỳ trước"],
            [12, 50, 53, 25, 25],
            centred=(0, 3, 4),
        )
        for n, c in enumerate(f.by_commune, 1):
            texts = (str(n), c.old, c.new, str(c.count), str(c.previous))
            for cell, text in zip(grid.row(), texts, strict=True):
                add_run(cell, text)
        add_paragraph(doc, "", after=3)
    else:
        add_paragraph(doc, "Không có.", indent=True, italic=True)
    _counts_table(
        doc, "Bảng 3. Số tin theo sắc thái", [(c.label, c.count, c.previous) for c in f.by_tone]
    )
    _counts_table(
        doc, "Bảng 4. Số tin theo lĩnh vực", [(c.label, c.count, c.previous) for c in f.by_topic]
    )
    for caption, png in pictures:
        picture = add_paragraph(doc, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
        picture.add_run().add_picture(io.BytesIO(png), width=Mm(150))
        add_paragraph(doc, caption, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=TABLE_PT)
    if content.has_social:
        _social(doc, content, links)
    if content.outlets:
        _outlets(doc, content)


OUTLET_HEADERS = (
    "STT",
    "Cơ quan báo chí",
    "Tháng",
    "Tích cực",
    "Trung tính",
    "Tiêu cực",
    "Tổng",
    "Tác giả",
)
OUTLETS_CAPTION = "Bảng {n}. Số tin, bài theo cơ quan báo chí, tháng và sắc thái (kèm tác giả)"


def _outlets(doc: object, content: DigestContent) -> None:
    """Per outlet and month, articles by tone with their bylines: the coverage the cooperation
    agreements with the provincial paper and broadcaster count."""
    n = 6 if content.has_social else 5
    add_paragraph(doc, OUTLETS_CAPTION.format(n=n), italic=True, after=2)
    grid = _Grid(
        doc,
        [
            "STT",
            "Cơ quan báo chí",
            "Tháng",
            "Tích cực",
            "Trung tính",
            "Tiêu cực",
            "Tổng",
            "Tác giả",
        ],
        [12, 29, 21, 15, 16, 15, 15, 42],
        centred=(0, 2, 3, 4, 5, 6),
    )
    for i, row in enumerate(content.outlets, 1):
        texts = (
            str(i),
            row.outlet,
            row.month,
            str(row.positive),
            str(row.neutral),
            str(row.negative),
            str(row.total),
            row.bylines,
        )
        for cell, text in zip(grid.row(), texts, strict=True):
            add_run(cell, text)
    add_paragraph(doc, "", after=3)


def _social(doc: object, content: DigestContent, links: dict[str, str]) -> None:
    """The "Mạng xã hội" part: counts per platform, then the items that are not the press."""
    add_paragraph(doc, "Mạng xã hội", bold=True, after=3)
    _counts_table(
        doc,
        "Bảng 5. Số tin trên mạng xã hội theo nền tảng",
        [(c.label, c.count, c.previous) for c in content.figures.by_platform],
    )
    if not content.social:
        add_paragraph(
            doc, "Không có tin, bài nào trên mạng xã hội trong kỳ.", indent=True, italic=True
        )
        return
    grid = _Grid(
        doc,
        ["STT", "Nền tảng", "Nguồn", "Tiêu đề", "Ngày đăng", "Sắc thái"],
        [12, 24, 32, 62, 24, 24],
        centred=(0, 4),
    )
    for n, item in enumerate(content.social, 1):
        cells = grid.row()
        add_run(cells[0], str(n))
        add_run(cells[1], item.platform_label)
        add_run(cells[2], item.outlet)
        add_link(cells[3], item.url, item.title, links)
        add_run(cells[4], _fmt_date(item.published_at))
        add_run(cells[5], item.tone_label)
    add_paragraph(doc, "", after=3)


def _coverage(doc: object, content: DigestContent) -> None:
    if not content.coverage:
        add_paragraph(doc, "Chưa có nguồn tin nào được khai báo.", indent=True, italic=True)
        return
    grid = _Grid(
        doc,
        ["STT", "Nguồn tin", "Lượt thu thập", "Lượt lỗi", "Bài mới", "Tình trạng"],
        [10, 45, 22, 18, 18, 52],
        centred=(0, 2, 3, 4),
    )
    for n, c in enumerate(content.coverage, 1):
        cells = grid.row()
        texts = (str(n), c.title, str(c.runs), str(c.runs - c.ok_runs), str(c.articles))
        for cell, text in zip(cells, texts, strict=False):
            add_run(cell, text)
        note = c.state + (f" ({c.note})" if c.note else "")
        add_run(cells[5], note, bold=not c.complete)


def _signature(doc: object, content: DigestContent) -> None:
    report = content.report
    add_paragraph(
        doc,
        f"Trên đây là báo cáo tổng hợp thông tin báo chí, mạng xã hội phản ánh liên quan đến "
        f"{content.area} trong kỳ./.",
        indent=True,
        after=6,
    )
    signature_block(doc, report.recipients, report.signer_title, report.signer_name)


def _annex(doc: object, content: DigestContent, links: dict[str, str]) -> None:
    paragraph = add_paragraph(doc, after=0)
    paragraph.add_run().add_break(WD_BREAK.PAGE)
    centre = WD_ALIGN_PARAGRAPH.CENTER
    add_paragraph(doc, "PHỤ LỤC", size=TITLE_PT, bold=True, align=centre, after=0)
    add_paragraph(doc, "DANH SÁCH TIN, BÀI LIÊN QUAN TRONG KỲ", bold=True, align=centre, after=0)
    add_paragraph(
        doc,
        f"(Kèm theo Báo cáo số        /{content.report.symbol} {vn_date(content.as_of)})",
        italic=True,
        align=centre,
        after=6,
    )
    if not content.annex:
        add_paragraph(doc, "Không có tin, bài nào trong kỳ.", indent=True, italic=True)
        return
    grid = _Grid(
        doc,
        ["STT", "Cơ quan báo chí", "Tiêu đề", "Ngày đăng", "Địa bàn", "Sắc thái", "Rà soát"],
        [12, 22, 42, 26, 24, 18, 21],
        centred=(0, 3),
        style=ANNEX_STYLE,
    )
    for n, item in enumerate(content.annex, 1):
        cells = grid.row()
        add_run(cells[0], str(n))
        add_run(cells[1], item.outlet)
        add_link(cells[2], item.url, item.title, links)
        when = _fmt_date(item.published_at) + (" (đến muộn)" if item.late else "")
        for cell, text in (
            (cells[3], when),
            (cells[4], "; ".join(item.places) or "—"),
            (cells[5], item.tone_label),
            (cells[6], item.status_label),
        ):
            add_run(cell, text)
    # Word wants a paragraph between a final table and the section end.
    add_paragraph(doc, "", after=0)


def render_docx(content: DigestContent, pictures: Sequence[Chart] | None = None) -> bytes:
    """The report as DOCX bytes, identical for identical content; `pictures` are the charts
    (drawn here when not given)."""
    doc = blank_document()
    normal = doc.styles["Normal"]
    for name, size in ((TABLE_STYLE, TABLE_PT), (ANNEX_STYLE, SMALL_PT)):
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.font.size = Pt(size)
        style.paragraph_format.space_after = Pt(0)

    _header(doc, content)
    _title(doc, content)
    justify = WD_ALIGN_PARAGRAPH.JUSTIFY
    add_paragraph(
        doc,
        f"Thực hiện nhiệm vụ theo dõi, tổng hợp thông tin báo chí, mạng xã hội phản ánh liên "
        f"quan đến {content.area}, {_issuer_name(content)} báo cáo kết quả trong kỳ "
        f"({content.window.describe()}) như sau:",
        indent=True,
        align=justify,
    )
    _section(doc, 1, "TÌNH HÌNH CHUNG")
    for line in overview(content):
        add_paragraph(doc, line, indent=True, align=justify)
    links: dict[str, str] = {}
    if not content.empty:
        _figures(doc, content, charts(content) if pictures is None else pictures, links)
    _section(doc, 2, "THÔNG TIN TIÊU CỰC, CẦN XÁC MINH")
    _item_table(doc, content.attention, links, follow=True)
    add_paragraph(doc, "", after=3)
    _section(doc, 3, "TIN GIAO XÁC MINH ĐÃ QUÁ HẠN, CHƯA CÓ BÁO CÁO")
    _item_table(doc, content.overdue, links, follow=True)
    add_paragraph(doc, "", after=3)
    _section(doc, 4, "THÔNG TIN TÍCH CỰC (NGƯỜI TỐT, VIỆC TỐT, THÀNH TỰU)")
    _item_table(doc, content.positive, links, follow=False)
    add_paragraph(doc, "", after=3)
    _section(doc, 5, "MỨC ĐỘ ĐẦY ĐỦ CỦA NGUỒN TIN")
    _coverage(doc, content)
    add_paragraph(doc, "", after=3)
    _signature(doc, content)
    _annex(doc, content, links)

    stamp = content.window.end.astimezone(UTC).replace(tzinfo=None)
    props = doc.core_properties
    props.title = f"Báo cáo tổng hợp thông tin báo chí {content.window.label}"
    props.subject = f"{content.area} ({content.window.describe()})"
    props.author = content.report.issuer[-1] if content.report.issuer else "duluan"
    props.last_modified_by = "duluan"
    props.created = stamp
    props.modified = stamp
    props.last_printed = stamp
    props.revision = 1
    props.keywords = (
        "duluan; báo cáo tuần"
        if content.window.weekly
        else f"duluan; báo cáo {content.window.name}"
    )
    props.comments = ""
    package = doc.part.package
    for rid in [r.rId for r in package.rels.values() if r.reltype == RELATIONSHIP_TYPE.THUMBNAIL]:
        del package.rels[rid]  # the template's thumbnail shows a blank page, not this report
    buffer = io.BytesIO()
    doc.save(buffer)
    return fixed_zip(buffer.getvalue(), content.window.end.timetuple()[:6])
