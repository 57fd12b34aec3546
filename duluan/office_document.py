"""Administrative documents in the layout of Nghị định 30/2020/NĐ-CP, the primitives the weekly
report (`digest.docx`) and a case's response letter (`cases.letter`) share: the A4 page with
the decree's margins and Times New Roman, paragraphs and runs, links that only ever point to
web addresses, borderless tables, the signature block, Vietnamese dates, and the zip stamped
with one time so that the same content gives the same bytes."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import date
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from alerts.message import link_url

FONT = "Times New Roman"
BODY_PT = 13
TABLE_PT = 12
SMALL_PT = 11
PAGE = (Mm(210), Mm(297))
MARGINS = {"top": Mm(20), "bottom": Mm(20), "left": Mm(30), "right": Mm(15)}
LINK_COLOUR = "1F4E99"


def vn_date(day: date) -> str:
    """ "ngày 05 tháng 02 năm 2026": days below 10 and months 1-2 take a leading zero (NĐ 30)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def set_font(run_or_style: object, size: int | None = None) -> None:
    """Set the font of a run or style in every script slot (Word reads `w:eastAsia` too)."""
    font = run_or_style.font  # type: ignore[attr-defined]
    font.name = FONT
    if size is not None:
        font.size = Pt(size)
    element = run_or_style.element  # type: ignore[attr-defined]
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for key in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(key), FONT)


def add_paragraph(
    container: object,
    text: str = "",
    *,
    size: int = BODY_PT,
    bold: bool = False,
    italic: bool = False,
    align: WD_ALIGN_PARAGRAPH | None = None,
    indent: bool = False,
    after: int = 3,
) -> Paragraph:
    """A paragraph added to `container` (document or cell), with the given text and layout."""
    paragraph: Paragraph = container.add_paragraph()  # type: ignore[attr-defined]
    if align is not None:
        paragraph.alignment = align
    fmt = paragraph.paragraph_format
    fmt.space_after = Pt(after)
    fmt.space_before = Pt(0)
    if indent:
        fmt.first_line_indent = Mm(10)
    if text:
        add_run(paragraph, text, size=size, bold=bold, italic=italic)
    return paragraph


def run_xml(
    text: str,
    size: int | None,
    *,
    bold: bool = False,
    italic: bool = False,
    link: bool = False,
) -> Any:
    """A `w:r` built directly (python-docx's setters cost too much over thousands of cells).
    The font comes from the paragraph's style; `size` None keeps the style's size too."""
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    flags = [("w:b", bold), ("w:i", italic)]
    for tag in [tag for tag, on in flags if on]:
        props.append(OxmlElement(tag))
    if link:
        colour = OxmlElement("w:color")
        colour.set(qn("w:val"), LINK_COLOUR)
        props.append(colour)
    if size is not None:
        for tag in ("w:sz", "w:szCs"):
            element = OxmlElement(tag)
            element.set(qn("w:val"), str(size * 2))
            props.append(element)
    if link:
        underline = OxmlElement("w:u")
        underline.set(qn("w:val"), "single")
        props.append(underline)
    if len(props):
        run.append(props)
    body = OxmlElement("w:t")
    body.text = text
    body.set(qn("xml:space"), "preserve")
    run.append(body)
    return run


def add_run(
    paragraph: Paragraph,
    text: str,
    *,
    size: int | None = None,
    bold: bool = False,
    italic: bool = False,
) -> None:
    """Text appended to `paragraph` in its style's font."""
    paragraph._p.append(run_xml(text, size, bold=bold, italic=italic))


def add_link(paragraph: Paragraph, url: str, text: str, links: dict[str, str]) -> None:
    """An external hyperlink (blue, underlined) that Word and LibreOffice follow; `links` keeps
    the relationship id of each URL already linked. An address `link_url` refuses (not http or
    https) is written as plain text."""
    target = link_url(url)
    if target is None:
        paragraph._p.append(run_xml(text, None))
        return
    rid = links.get(target)
    if rid is None:
        rid = f"rIdLink{len(links) + 1}"
        paragraph.part.rels.add_relationship(
            RELATIONSHIP_TYPE.HYPERLINK, target, rid, is_external=True
        )
        links[target] = rid
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rid)
    link.append(run_xml(text, None, link=True))
    paragraph._p.append(link)


def no_borders(table: Table) -> None:
    """A table without borders (header blocks, the signature block)."""
    props = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    props.append(borders)


def cell_text(
    cell: _Cell,
    text: str,
    *,
    size: int = TABLE_PT,
    bold: bool = False,
    italic: bool = False,
    align: WD_ALIGN_PARAGRAPH | None = None,
) -> Paragraph:
    """The first paragraph of `cell`, with `text` in it."""
    paragraph = cell.paragraphs[0]
    if align is not None:
        paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(0)
    if text:
        add_run(paragraph, text, size=size, bold=bold, italic=italic)
    return paragraph


def signature_block(
    doc: object, recipients: Sequence[str], signer_title: str, signer_name: str
) -> None:
    """ "Nơi nhận" on the left, the signer's title, room to sign and name on the right."""
    table: Table = doc.add_table(rows=1, cols=2)  # type: ignore[attr-defined]
    no_borders(table)
    table.autofit = False
    left, right = table.rows[0].cells
    for column, cell, width in zip(table.columns, (left, right), (Mm(80), Mm(85)), strict=True):
        column.width = cell.width = width
    cell_text(left, "Nơi nhận:", size=12, bold=True, italic=True)
    for i, name in enumerate(recipients):
        end = "." if i == len(recipients) - 1 else ";"
        paragraph = left.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(0)
        add_run(paragraph, f"- {name}{end}", size=SMALL_PT)
    centre = WD_ALIGN_PARAGRAPH.CENTER
    cell_text(right, signer_title.upper(), size=BODY_PT, bold=True, align=centre)
    for _ in range(4):
        right.add_paragraph()
    name = right.add_paragraph()
    name.alignment = centre
    add_run(name, signer_name, size=BODY_PT, bold=True)


def _defaults(doc: Any) -> None:
    """Document defaults without the template's theme fonts (which Word prefers over a style's
    font) and in Vietnamese, so spelling and hyphenation use the right language."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    props = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    fonts = props.find(qn("w:rFonts"))
    for key in list(fonts.attrib):
        del fonts.attrib[key]
    for key in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(key), FONT)
    for tag in ("w:sz", "w:szCs"):
        props.find(qn(tag)).set(qn("w:val"), str(BODY_PT * 2))
    lang = props.find(qn("w:lang"))
    lang.set(qn("w:val"), "vi-VN")
    lang.set(qn("w:eastAsia"), "vi-VN")


def blank_document() -> Any:
    """An empty A4 portrait document with the decree's margins, Times New Roman 13 pt, black:
    the page every administrative document of duluan starts from."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE
    section.top_margin = MARGINS["top"]
    section.bottom_margin = MARGINS["bottom"]
    section.left_margin = MARGINS["left"]
    section.right_margin = MARGINS["right"]
    _defaults(doc)
    normal = doc.styles["Normal"]
    set_font(normal, BODY_PT)
    normal.font.color.rgb = RGBColor(0, 0, 0)
    return doc


def fixed_zip(data: bytes, when: tuple[int, ...]) -> bytes:
    """The same archive with every member stamped `when` (zip keeps local wall time)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=when)  # type: ignore[arg-type]
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            fixed.create_system = 0
            dst.writestr(fixed, src.read(info.filename), compresslevel=6)
    return out.getvalue()
