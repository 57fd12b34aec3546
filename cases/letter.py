"""The draft response letter of a case: an official letter (công văn) asking the outlet to
correct its article, in the administrative layout of Nghị định 30/2020/NĐ-CP, for the centre's
staff to edit and sign.

It cites the article (outlet, headline, date, link), what the verifying unit reported, and the
request to correct under Điều 42 Luật Báo chí 2016 and Nghị định 09/2017/NĐ-CP. The number,
date and signer come from the case's "response document" step when recorded, else from
`config.report` with the number left blank. The bytes depend only on the case and `as_of`.
"""

from __future__ import annotations

import io
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.shared import Mm, Pt
from docx.table import Table

from duluan.config import Report
from duluan.office_document import (
    BODY_PT,
    add_link,
    add_paragraph,
    add_run,
    blank_document,
    fixed_zip,
    no_borders,
    signature_block,
    vn_date,
)
from storage.cases import CaseRecord

SUBJECT = "V/v đề nghị cải chính thông tin"
PLACEHOLDER = "[…]"


def letter_symbol(report: Report) -> str:
    """The letter's symbol: the report's (e.g. BC-TTVHTT) without its document-type prefix,
    since an official letter carries only the issuer's abbreviation (TTVHTT)."""
    symbol = report.symbol
    return symbol.split("-", 1)[1] if symbol.startswith("BC-") else symbol


def addressee(outlet: str | None) -> str:
    """ "Tòa soạn Báo Quảng Ngãi"; an outlet not named Báo/Tạp chí gets "Ban Biên tập"."""
    if not outlet:
        return f"Tòa soạn {PLACEHOLDER}"
    lowered = outlet.lower()
    if lowered.startswith(("báo", "tạp chí")):
        return f"Tòa soạn {outlet}"
    return f"Ban Biên tập {outlet}"


def _issuer_name(report: Report) -> str:
    name = report.issuer[-1] if report.issuer else "Đơn vị"
    lowered = name.lower()
    return lowered[:1].upper() + lowered[1:]


def letter_filename(case: CaseRecord) -> str:
    return f"cong-van-cai-chinh-ho-so-{case.id}.docx"


def body_paragraphs(case: CaseRecord, report: Report, zone: ZoneInfo) -> list[str]:
    """The letter's body, one string per paragraph (the link is added to the first)."""
    outlet = case.source_title or PLACEHOLDER
    when = (
        vn_date(case.published_at.astimezone(zone).date())
        if case.published_at
        else f"ngày {PLACEHOLDER}"
    )
    headline = case.title or PLACEHOLDER
    verified = case.last("verified")
    unit = verified.unit if verified and verified.unit else PLACEHOLDER
    finding = (verified.note or "").strip() if verified else ""
    issuer = _issuer_name(report)
    return [
        f"{when.capitalize()}, {outlet} đăng bài viết “{headline}” tại địa chỉ:",
        f"Qua kiểm tra, xác minh, {unit} đã báo cáo: nội dung bài viết nêu trên phản ánh "
        f"không đúng sự thật, cụ thể: {finding or PLACEHOLDER}",
        "Căn cứ Điều 42 Luật Báo chí năm 2016 về cải chính, xin lỗi và Nghị định số "
        "09/2017/NĐ-CP ngày 09 tháng 02 năm 2017 của Chính phủ quy định chi tiết việc phát "
        "ngôn và cung cấp thông tin cho báo chí của các cơ quan hành chính nhà nước, "
        f"{issuer} đề nghị Quý cơ quan xem xét, đăng cải chính thông tin nêu trên theo quy "
        "định của pháp luật và thông tin kết quả xử lý về đơn vị.",
        f"{issuer} trân trọng đề nghị và mong nhận được sự phối hợp của Quý cơ quan./.",
    ]


def render_letter(case: CaseRecord, report: Report, as_of: date, timezone: str) -> bytes:
    """The draft letter as DOCX bytes (A4, Times New Roman 13 pt, the decree's margins)."""
    zone = ZoneInfo(timezone)
    document = case.last("document")
    number = document.number if document and document.number else ""
    signed = document.on_date if document and document.on_date else as_of
    signer = document.signer if document and document.signer else report.signer_name

    doc = blank_document()

    _header(doc, report, number, signed)
    add_paragraph(doc, "", after=6)
    kinh_gui = add_paragraph(doc, align=WD_ALIGN_PARAGRAPH.CENTER, after=12)
    add_run(kinh_gui, "Kính gửi: ", size=14)
    add_run(kinh_gui, addressee(case.source_title), size=14)

    justify = WD_ALIGN_PARAGRAPH.JUSTIFY
    paragraphs = body_paragraphs(case, report, zone)
    first = add_paragraph(doc, paragraphs[0] + " ", indent=True, align=justify)
    links: dict[str, str] = {}
    if case.url:
        add_link(first, case.url, case.url, links)
        add_run(first, ".")
    else:
        add_run(first, PLACEHOLDER + ".")
    for text in paragraphs[1:]:
        add_paragraph(doc, text, indent=True, align=justify, after=6)
    _signature(doc, report, signer)

    stamp = datetime.combine(signed, time(8, 0))
    props = doc.core_properties
    props.title = f"{SUBJECT} (hồ sơ {case.id})"
    props.subject = case.title or ""
    props.author = report.issuer[-1] if report.issuer else "duluan"
    props.last_modified_by = "duluan"
    props.created = stamp
    props.modified = props.created
    props.last_printed = props.created
    props.revision = 1
    props.keywords = "duluan; cải chính"
    props.comments = ""
    package = doc.part.package
    for rid in [r.rId for r in package.rels.values() if r.reltype == RELATIONSHIP_TYPE.THUMBNAIL]:
        del package.rels[rid]
    buffer = io.BytesIO()
    doc.save(buffer)
    return fixed_zip(buffer.getvalue(), stamp.timetuple()[:6])


def _header(doc: object, report: Report, number: str, signed: date) -> None:
    table: Table = doc.add_table(rows=1, cols=2)  # type: ignore[attr-defined]
    no_borders(table)
    table.autofit = False
    left, right = table.rows[0].cells
    for column, cell, width in zip(table.columns, (left, right), (Mm(68), Mm(97)), strict=True):
        column.width = cell.width = width
    centre = WD_ALIGN_PARAGRAPH.CENTER
    lines = list(report.issuer) or [""]
    for i, line in enumerate(lines):
        paragraph = left.paragraphs[0] if i == 0 else left.add_paragraph()
        paragraph.alignment = centre
        paragraph.paragraph_format.space_after = Pt(0)
        add_run(paragraph, line.upper(), size=BODY_PT, bold=i == len(lines) - 1)
    rule = left.add_paragraph()
    rule.alignment = centre
    rule.paragraph_format.space_after = Pt(6)
    add_run(rule, "────────", size=BODY_PT)
    numbered = left.add_paragraph()
    numbered.alignment = centre
    numbered.paragraph_format.space_after = Pt(0)
    add_run(numbered, f"Số: {number or '        '}/{letter_symbol(report)}", size=BODY_PT)
    subject = left.add_paragraph()
    subject.alignment = centre
    add_run(subject, SUBJECT, size=12)

    for i, (text, size, bold) in enumerate(
        (
            ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 12, True),
            ("Độc lập - Tự do - Hạnh phúc", BODY_PT, True),
            ("────────────────", BODY_PT, False),
        )
    ):
        paragraph = right.paragraphs[0] if i == 0 else right.add_paragraph()
        paragraph.alignment = centre
        paragraph.paragraph_format.space_after = Pt(6 if i == 2 else 0)
        add_run(paragraph, text, size=size, bold=bold)
    place = right.add_paragraph()
    place.alignment = centre
    add_run(place, f"{report.place}, {vn_date(signed)}", size=BODY_PT, italic=True)


def _signature(doc: object, report: Report, signer: str) -> None:
    signature_block(doc, ["Như trên", *report.recipients], report.signer_title, signer)
