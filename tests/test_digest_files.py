"""The digest's files: the DOCX read back with python-docx (texts, fonts, page, margins, charts),
determinism, HTML escaping, the Telegram summary's limit, `duluan digest --send` queuing once,
and delivery through the real python-telegram-bot client to the fake Bot API."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import shutil
import subprocess
from dataclasses import replace
from datetime import timedelta
from html import escape
from pathlib import Path

import pytest
import telegram
from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml.ns import qn
from docx.shared import Pt
from PIL import Image
from telegram.constants import ParseMode

from alerts.delivery import Deliverer, TelegramSender, Throttle
from alerts.zalo import zalo_text
from digest.build import build_digest, digest_entries, run_scheduled, zalo_digest_entries
from digest.content import Item
from digest.docx import render_docx
from digest.html import render_html
from digest.markdown import TELEGRAM_LIMIT, summary_markdown, summary_telegram
from digest.window import week_window
from duluan.clock import Clock
from duluan.commands.digest import add_parser, run
from duluan.config import Config, ConfigError, parse_config
from duluan.runtime import Runtime
from storage import Store
from tests.kit.clock import FakeClock
from tests.kit.digest import CONFIG, NOW, SOURCES, config, seed, w48
from tests.telegram.fake_api import FakeTelegram

pytestmark = pytest.mark.sqlite_only  # no SQL of its own: see tests/kit/db.py

OFFICE = -1001112223334


def build(store: Store, out: Path, later: timedelta = timedelta(0)) -> dict[str, Path]:
    cfg = config()
    window = week_window("2026-W48", cfg.schedule.digest, cfg.schedule.zone)
    return build_digest(store, cfg, window, lambda: NOW + later, out).files


def text_of(doc: object) -> str:
    """Every paragraph of the body and of its tables, in document order."""
    lines = [p.text for p in doc.paragraphs]  # type: ignore[attr-defined]
    for table in doc.tables:  # type: ignore[attr-defined]
        for row in table.rows:
            for cell in row.cells:
                lines.extend(p.text for p in cell.paragraphs)
    return "\n".join(lines)


def test_docx_has_the_administrative_layout(store: Store, tmp_path: Path) -> None:
    seed(store)
    files = build(store, tmp_path)
    assert sorted(p.name for p in files.values()) == [
        "duluan-bao-cao-tuan-2026-W48.docx",
        "duluan-bao-cao-tuan-2026-W48.html",
        "duluan-bao-cao-tuan-2026-W48.md",
    ]
    doc = Document(str(files["docx"]))
    section = doc.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    assert 20 <= round(section.top_margin.mm) <= 25
    assert 20 <= round(section.bottom_margin.mm) <= 25
    assert 30 <= round(section.left_margin.mm) <= 35
    assert 15 <= round(section.right_margin.mm) <= 20
    normal = doc.styles["Normal"]
    assert (normal.font.name, normal.font.size) == ("Times New Roman", Pt(13))

    header = doc.tables[0].rows[0].cells
    left = [p.text for p in header[0].paragraphs]
    right = [p.text for p in header[1].paragraphs]
    assert left[:2] == ["UBND HUYỆN ĐĂK HÀ", "TRUNG TÂM VĂN HÓA, THỂ THAO VÀ TRUYỀN THÔNG"]
    assert left[-1].startswith("Số:") and left[-1].endswith("/BC-TTVHTT")
    assert right[:2] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert right[-1] == "Đăk Hà, ngày 26 tháng 11 năm 2026"
    assert header[0].paragraphs[1].runs[0].bold and not header[0].paragraphs[0].runs[0].bold

    body = [p.text for p in doc.paragraphs]
    title = body.index("BÁO CÁO")
    assert body[title + 1] == (
        "Tổng hợp thông tin báo chí, mạng xã hội phản ánh liên quan đến huyện Đăk Hà "
        "(từ 14 giờ 00 ngày 19/11/2026 đến 14 giờ 00 ngày 26/11/2026)"
    )
    headings = [t for t in body if t[:3] in ("I. ", "II.", "III", "IV.", "V. ")]
    assert headings == [
        "I. TÌNH HÌNH CHUNG",
        "II. THÔNG TIN TIÊU CỰC, CẦN XÁC MINH",
        "III. TIN GIAO XÁC MINH ĐÃ QUÁ HẠN, CHƯA CÓ BÁO CÁO",
        "IV. THÔNG TIN TÍCH CỰC (NGƯỜI TỐT, VIỆC TỐT, THÀNH TỰU)",
        "V. MỨC ĐỘ ĐẦY ĐỦ CỦA NGUỒN TIN",
    ]
    assert body.index("PHỤ LỤC") > body.index("V. MỨC ĐỘ ĐẦY ĐỦ CỦA NGUỒN TIN")
    assert any(
        t.startswith(
            "Trong kỳ báo cáo, hệ thống ghi nhận 8 tin, bài (7 vụ việc, sự kiện) liên quan đến "
            "huyện Đăk Hà, tăng 5 tin so với kỳ trước (3 tin)."
        )
        for t in body
    )
    everything = text_of(doc)
    for expected in (
        "Nơi nhận:",
        "- Văn phòng HĐND và UBND huyện (b/c);",
        "- Lưu: VT.",
        "GIÁM ĐỐC",
        "Nguyễn Văn A",
        "Dân phản ánh <lấn chiếm> đất & rừng [cần xác minh]",
        "QUÁ HẠN – Đã giao đơn vị xác minh (Chưa trả lời)",
        "10/11/2026 (đến muộn)",
        "Xã Đăk Long (nay xã Đăk Pxi)",
        "Báo Quảng Ngãi (cũng đăng: VnExpress)",
    ):
        assert expected in everything, expected

    # Annex: one row per relevant item; links are real hyperlinks.
    annex = doc.tables[-1]
    assert len(annex.rows) == 1 + 8
    assert annex.rows[1].cells[2].text == "Ngọk Wang được khen"
    links = {
        r.target_ref for r in doc.part.rels.values() if r.reltype == RELATIONSHIP_TYPE.HYPERLINK
    }
    assert "https://baoquangngai.vn/a1.htm" in links and "https://vnexpress.vn/a2.htm" in links

    # Fonts: Times New Roman throughout (runs inherit it from Normal), 13–14 pt in the body,
    # 12 pt in tables, 11 pt in the annex.
    fonts = normal.element.rPr.rFonts
    assert {fonts.get(qn(f"w:{k}")) for k in ("ascii", "hAnsi", "eastAsia", "cs")} == {
        "Times New Roman"
    }
    for name, size in (("Duluan Table", 12), ("Duluan Annex", 11)):
        style = doc.styles[name]
        assert (style.base_style.name, style.font.size, style.font.name) == (
            "Normal",
            Pt(size),
            None,
        )
    cells = [c for t in doc.tables for row in t.rows for c in row.cells]
    runs = [r for p in doc.paragraphs for r in p.runs]
    runs += [r for c in cells for p in c.paragraphs for r in p.runs]
    assert len(runs) > 100
    assert {r.font.name for r in runs} <= {"Times New Roman", None}
    assert {r.font.size.pt for r in runs if r.font.size} <= {11.0, 12.0, 13.0, 14.0}
    body_sizes = {r.font.size.pt for p in doc.paragraphs for r in p.runs if r.font.size}
    assert body_sizes <= {12.0, 13.0, 14.0} and 13.0 in body_sizes and 14.0 in body_sizes
    assert {p.style.name for c in annex.columns[2].cells[1:] for p in c.paragraphs} == {
        "Duluan Annex"
    }

    # Two charts, embedded as PNG without the "Software" metadata chunk.
    assert len(doc.inline_shapes) == 2
    images = [p for p in doc.part.package.parts if p.content_type == "image/png"]
    assert len(images) == 2
    for part in images:
        png = Image.open(io.BytesIO(part.blob))
        assert png.format == "PNG" and png.size == (960, 510)
        assert "Software" not in png.info


def test_same_database_gives_the_same_bytes(store: Store, tmp_path: Path) -> None:
    seed(store)
    first = build(store, tmp_path / "a")
    second = build(store, tmp_path / "b", later=timedelta(hours=5))
    assert first["docx"].read_bytes() == second["docx"].read_bytes()
    assert first["md"].read_bytes() == second["md"].read_bytes()
    one, two = first["html"].read_text(), second["html"].read_text()
    assert one != two  # the generation time is printed at the foot of the page
    differing = [(a, b) for a, b in zip(one.splitlines(), two.splitlines(), strict=True) if a != b]
    assert [a for a, _ in differing] == [
        '<p class="foot">Báo cáo do duluan lập tự động lúc 15:00 ngày 26/11/2026.</p>'
    ]
    # A re-run replaces the files and keeps one record of the window.
    again = build(store, tmp_path / "a", later=timedelta(hours=6))
    assert again["docx"].read_bytes() == first["docx"].read_bytes()
    assert [(d.label, len(d.files)) for d in store.list_digests()] == [("2026-W48", 3)]
    assert not list((tmp_path / "a").glob(".*.tmp"))


def test_empty_week_report(store: Store, tmp_path: Path) -> None:
    store.sync_sources(SOURCES)
    files = build(store, tmp_path)
    doc = Document(str(files["docx"]))
    everything = text_of(doc)
    assert "Trong kỳ báo cáo, hệ thống không ghi nhận tin, bài nào" in everything
    assert "Không có tin, bài nào trong kỳ." in everything
    assert len(doc.inline_shapes) == 0
    html = files["html"].read_text()
    assert "không ghi nhận tin, bài nào" in html and "<table>" in html  # coverage table only
    assert "<img" not in html
    assert "Trong kỳ không ghi nhận tin, bài nào" in files["md"].read_text()


def test_html_escapes_what_came_from_the_press(store: Store) -> None:
    seed(store)
    content = w48(store)
    hostile = replace(
        content.annex[0], title="<script>alert(1)</script>", url="javascript:alert(1)"
    )
    page = render_html(replace(content, annex=(hostile, *content.annex[1:])))
    assert "Dân phản ánh &lt;lấn chiếm&gt; đất &amp; rừng" in page
    assert "<lấn chiếm>" not in page and "<script>" not in page
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in page  # text, never a link
    assert "javascript:" not in page and 'href="#"' not in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert page.count('<img src="data:image/png;base64,') == 2


HOSTILE_URLS = [
    " JaVaScRiPt:alert(1)",
    "data:text/html;base64,PHNjcmlwdD4=",
    "vbscript:msgbox(1)",
    "java\tscript:alert(1)",
]


def test_no_digest_file_links_a_non_web_address(store: Store) -> None:
    seed(store)
    content = w48(store)
    assert content.attention and content.annex

    def hostile(items: tuple[Item, ...]) -> tuple[Item, ...]:
        return tuple(
            replace(i, url=HOSTILE_URLS[n % len(HOSTILE_URLS)]) for n, i in enumerate(items)
        )

    bad = replace(
        content,
        attention=hostile(content.attention),
        overdue=hostile(content.overdue),
        positive=hostile(content.positive),
        annex=hostile(content.annex),
    )
    title = bad.attention[0].title
    doc = Document(io.BytesIO(render_docx(bad, pictures=[])))
    targets = [
        r.target_ref for r in doc.part.rels.values() if r.reltype == RELATIONSHIP_TYPE.HYPERLINK
    ]
    assert targets == []
    assert title in text_of(doc)
    page = render_html(bad, pictures=[])
    assert "<a " not in page and "script:" not in page and "data:text" not in page
    summary = summary_telegram(bad)
    assert "<a " not in summary and escape(title) in summary
    markdown = summary_markdown(bad)
    assert "](" not in markdown and "script:" not in markdown


def test_telegram_summary_stays_under_4096_and_says_what_it_left_out(store: Store) -> None:
    seed(store)
    content = w48(store)
    small = summary_telegram(content)
    assert "Dân phản ánh &lt;lấn chiếm&gt; đất &amp; rừng" in small and "<lấn" not in small
    assert "<b>QUÁ HẠN</b>" in small and "khác trong báo cáo" not in small
    base = content.attention[0]
    many = tuple(
        replace(
            base,
            article_id=i,
            title=f"<b>Tin {i}</b> & " + "rất dài " * 40,
            places=tuple(f"Xã số {n} (nay xã Đăk Pxi)" for n in range(30)),
        )
        for i in range(300)
    )
    big = summary_telegram(replace(content, attention=many))
    assert len(big) <= TELEGRAM_LIMIT
    shown = big.count("<a href=")
    assert 0 < shown < 10 and big.count("</a>") == shown  # the places make each line long
    assert f"… và {300 - shown} tin khác trong báo cáo đầy đủ." in big
    assert "<b>Tin 0" not in big and "&lt;b&gt;Tin 0&lt;/b&gt; &amp;" in big
    assert big.endswith("📎 Báo cáo đầy đủ (Word) gửi kèm tin nhắn này.")
    astral = tuple(replace(item, title="𝐀😀" * 80, places=("Xã 😀",) * 8) for item in many[:10])
    emoji = summary_telegram(replace(content, attention=astral))
    assert len(emoji.encode("utf-16-le")) // 2 <= TELEGRAM_LIMIT < len(emoji) * 2


def _cli(tmp_path: Path, db_url: str, *argv: str) -> int:
    cfg = tmp_path / "config.yaml"
    cfg.write_text(CONFIG, encoding="utf-8")
    runtime = Runtime(config_path=str(cfg), database_url=db_url, clock=Clock(NOW))
    parser = argparse.ArgumentParser(prog="duluan")
    add_parser(parser.add_subparsers(dest="command"))
    return run(parser.parse_args(["digest", *argv]), runtime)


def test_digest_send_queues_once(
    store: Store,
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seed(store)
    out = str(tmp_path / "out")
    assert _cli(tmp_path, db_url, "--week", "2026-W48", "--out", out) == 0
    assert store.due_outbox(NOW + timedelta(minutes=1)) == []  # no --send: nothing queued
    assert _cli(tmp_path, db_url, "--out", out, "--send") == 0
    assert "Đã xếp hàng 2 tin nhắn" in capsys.readouterr().out
    assert _cli(tmp_path, db_url, "--week", "2026-W48", "--out", out, "--send") == 0
    assert "không gửi lại" in capsys.readouterr().out
    queued = store.due_outbox(NOW + timedelta(minutes=1))
    assert [(q.story, q.kind, q.chat) for q in queued] == [
        ("digest:2026-W48", "digest", str(OFFICE)),
        ("digest:2026-W48:docx", "document", str(OFFICE)),
    ]
    payload = json.loads(queued[1].text)
    assert Path(payload["document"]).is_file() and payload["filename"].endswith("W48.docx")
    (record,) = store.list_digests()
    assert record.sent_at == NOW
    assert sorted(Path(out).iterdir()) == sorted(Path(f) for f in record.files)


def test_digest_command_rejects_bad_usage(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli(tmp_path, db_url, "--week", "2026-48") == 2
    assert "tuần ISO" in capsys.readouterr().err
    assert _cli(tmp_path, db_url, "--from", "2026-11-01") == 2
    assert "--from và --to" in capsys.readouterr().err
    assert _cli(tmp_path, db_url, "--format", "pdf") == 2
    assert "định dạng không hỗ trợ: pdf" in capsys.readouterr().err
    code = _cli(
        tmp_path,
        db_url,
        "--from",
        "01/11/2026",
        "--to",
        "2026-11-15",
        "--format",
        "md",
        "--out",
        str(tmp_path / "o"),
    )
    assert code == 0
    assert [p.name for p in (tmp_path / "o").iterdir()] == [
        "duluan-bao-cao-2026-11-01_2026-11-15.md"
    ]


def test_summary_and_document_reach_the_fake_telegram(store: Store, tmp_path: Path) -> None:
    seed(store)
    cfg = config()
    window = week_window("2026-W48", cfg.schedule.digest, cfg.schedule.zone)
    built = build_digest(store, cfg, window, lambda: NOW, tmp_path)
    summary, document = digest_entries(built, str(OFFICE))
    store.enqueue([summary], NOW)
    payload = json.loads(document.text)
    with FakeTelegram(known_chats={OFFICE}) as fake:

        async def deliver() -> object:
            clock = FakeClock()
            async with telegram.Bot(fake.token, base_url=fake.base_url) as bot:
                report = await Deliverer(
                    store, TelegramSender(bot), lambda: NOW, Throttle(clock, clock.sleep)
                ).deliver_due()
                # What the outbox worker does with a "document" entry (see the report).
                await bot.send_document(
                    chat_id=document.chat,
                    document=Path(payload["document"]).read_bytes(),
                    filename=payload["filename"],
                    caption=payload["caption"],
                    parse_mode=ParseMode.HTML,
                )
                return report

        report = asyncio.run(deliver())
        assert report.sent == 1  # type: ignore[attr-defined]
        text, doc = fake.sent(OFFICE)
        assert text["text"].startswith("📰 Báo cáo tuần 2026-W48: huyện Đăk Hà")
        assert "Dân phản ánh <lấn chiếm> đất & rừng" in text["text"]
        assert any(e["type"] == "text_link" for e in text["entities"])
        assert doc["document"]["file_name"] == "duluan-bao-cao-tuan-2026-W48.docx"
        assert doc["document"]["file_size"] == built.files["docx"].stat().st_size
        assert doc["caption"].startswith("Báo cáo tuần 2026-W48")


@pytest.mark.skipif(
    shutil.which("soffice") is None and shutil.which("libreoffice") is None,
    reason="LibreOffice (soffice) không được cài trên máy này: bỏ qua bước chuyển DOCX sang PDF",
)
def test_docx_converts_to_pdf_with_libreoffice(store: Store, tmp_path: Path) -> None:
    seed(store)
    files = build(store, tmp_path)
    office = shutil.which("soffice") or shutil.which("libreoffice")
    assert office is not None
    subprocess.run(
        [
            office,
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(files["docx"]),
        ],
        check=True,
        timeout=120,
        capture_output=True,
    )
    pdf = files["docx"].with_suffix(".pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "PHỤ LỤC" in text


def test_scheduled_job_builds_each_due_week_once(store: Store, tmp_path: Path) -> None:
    seed(store)
    base = config()
    cfg = base.model_copy(
        update={"report": base.report.model_copy(update={"out_dir": str(tmp_path)})}
    )
    friday = NOW + timedelta(hours=18)  # the daemon was down at Thursday 14:00
    assert [d.window.label for d in run_scheduled(store, cfg, lambda: friday)] == ["2026-W48"]
    assert run_scheduled(store, cfg, lambda: friday + timedelta(hours=1)) == []
    queued = store.due_outbox(friday + timedelta(hours=2))
    assert [(q.story, q.kind) for q in queued] == [
        ("digest:2026-W48", "digest"),
        ("digest:2026-W48:docx", "document"),
    ]
    next_week = friday + timedelta(days=7)
    assert [d.window.label for d in run_scheduled(store, cfg, lambda: next_week)] == ["2026-W49"]
    assert (tmp_path / "duluan-bao-cao-tuan-2026-W49.docx").is_file()


def test_scheduled_job_without_a_chat_writes_the_files_once(store: Store, tmp_path: Path) -> None:
    store.sync_sources(SOURCES)
    base = config()
    report = base.report.model_copy(update={"out_dir": str(tmp_path), "chat": None})
    cfg = base.model_copy(update={"report": report})
    assert [d.window.label for d in run_scheduled(store, cfg, lambda: NOW)] == ["2026-W48"]
    assert run_scheduled(store, cfg, lambda: NOW + timedelta(hours=1)) == []
    assert store.due_outbox(NOW + timedelta(days=1)) == []
    assert [(d.label, d.sent_at) for d in store.list_digests()] == [("2026-W48", None)]


def test_report_config_is_validated() -> None:
    assert config().report.formats == ["docx", "html", "md"]
    with pytest.raises(ConfigError) as caught:
        parse_config(CONFIG + "  formats: [docx, pdf]\n", "test.yaml", {})
    assert "report.formats" in caught.value.problems[0] and "docx, html, md" in str(caught.value)
    env = parse_config(
        CONFIG.replace('chat: "-1001112223334"', "chat: env:OFFICE_CHAT"),
        "test.yaml",
        {"OFFICE_CHAT": "-100777"},
    )
    assert env.config.report.chat == "-100777" and "report.chat" in env.secret_paths


def test_summary_never_cuts_inside_a_tag(store: Store) -> None:
    seed(store)
    content = w48(store)
    text = summary_telegram(content, limit=200)
    assert len(text) <= 200
    assert text.count("<b>") == text.count("</b>") and text.count("<i>") == text.count("</i>")
    assert text.startswith("<b>📰 Báo cáo tuần 2026-W48")


def zalo_config(
    tmp_path: Path, chat: str | None, public_url: str | None, base_path: str = ""
) -> Config:
    """The digest tests' config with a Zalo report chat, its files in `tmp_path`."""
    base = config()
    report = base.report.model_copy(update={"out_dir": str(tmp_path), "chat": chat, "zalo": "zr"})
    web = base.web.model_copy(update={"public_url": public_url, "base_path": base_path})
    return base.model_copy(update={"report": report, "web": web})


def test_the_report_reaches_the_zalo_chat_as_summary_and_download_link(
    store: Store, tmp_path: Path
) -> None:
    seed(store)
    cfg = zalo_config(tmp_path, str(OFFICE), "https://duluan.xa.gov.vn", "/duluan")
    friday = NOW + timedelta(hours=18)
    [built] = run_scheduled(store, cfg, lambda: friday)
    queued = store.due_outbox(friday + timedelta(hours=1))
    assert sorted((q.messenger, q.chat, q.kind, q.story) for q in queued) == [
        ("telegram", str(OFFICE), "digest", "digest:2026-W48"),
        ("telegram", str(OFFICE), "document", "digest:2026-W48:docx"),
        ("zalo", "zr", "digest", "digest:2026-W48"),
        ("zalo", "zr", "digest", "digest:2026-W48:link"),
    ]
    by = {(q.messenger, q.story): q.text for q in queued}
    assert by["zalo", "digest:2026-W48"] == by["telegram", "digest:2026-W48"] == built.summary
    link = (
        f"https://duluan.xa.gov.vn/duluan/digests/{built.record.id}/"
        "duluan-bao-cao-tuan-2026-W48.docx"
    )
    plain = zalo_text(by["zalo", "digest:2026-W48:link"])
    assert link in plain.split("\n")  # on a line of its own, intact
    assert plain.startswith("📎 Báo cáo tuần 2026-W48")
    assert [d.sent_at for d in store.list_digests()] == [friday]
    assert run_scheduled(store, cfg, lambda: friday + timedelta(hours=1)) == []  # once


def test_a_zalo_only_report_chat_without_a_public_url_names_the_console_page(
    store: Store, tmp_path: Path
) -> None:
    seed(store)
    cfg = zalo_config(tmp_path, None, None)
    [built] = run_scheduled(store, cfg, lambda: NOW + timedelta(hours=18))
    queued = store.due_outbox(NOW + timedelta(days=1))
    assert [(q.messenger, q.chat, q.story) for q in queued] == [
        ("zalo", "zr", "digest:2026-W48"),
        ("zalo", "zr", "digest:2026-W48:link"),
    ]
    plain = zalo_text(queued[1].text)
    assert "http" not in plain and "«Báo cáo tuần»" in plain
    assert "duluan-bao-cao-tuan-2026-W48.docx" in plain
    assert store.list_digests()[0].sent_at is not None
    # Without DOCX the link goes to the HTML; with neither, the summary alone.
    for formats, kind in ((["html", "md"], "HTML"), (["md"], None)):
        md = replace(built, files={f: p for f, p in built.files.items() if f in formats})
        entries = zalo_digest_entries(
            md, "zr", cfg.web.model_copy(update={"public_url": "https://a.vn"})
        )
        if kind is None:
            assert [e.story for e in entries] == ["digest:2026-W48"]
        else:
            assert f"tải tệp {kind} tại\nhttps://a.vn/digests/" in entries[1].text
            assert entries[1].text.endswith(".html\n(đăng nhập trang rà soát nếu được hỏi)")


@pytest.mark.parametrize(
    ("public_url", "base_path", "expected"),
    [
        ("https://a.vn/", "", "https://a.vn/digests/1/x.docx"),
        ("https://a.vn/duluan", "/duluan", "https://a.vn/duluan/digests/1/x.docx"),
        ("https://a.vn", "/duluan", "https://a.vn/duluan/digests/1/x.docx"),
        (None, "", None),
    ],
)
def test_console_links_under_the_public_url(
    public_url: str | None, base_path: str, expected: str | None
) -> None:
    web = config().web.model_copy(update={"base_path": base_path})
    web = web.model_validate({**web.model_dump(), "public_url": public_url})
    assert web.console_link("/digests/1/x.docx") == expected


@pytest.mark.parametrize(
    "bad", ["duluan.xa.gov.vn", "https://a.vn/x?y=1", "https://a.vn/#x", "https://a.vn/a b"]
)
def test_a_public_url_that_cannot_carry_links_is_refused(bad: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(CONFIG + f"web: {{public_url: '{bad}'}}\n", "t.yaml", {})
    assert any(p.startswith("web.public_url:") for p in caught.value.problems)


def test_digest_send_reaches_a_zalo_only_report_chat(
    store: Store, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(store)
    text = CONFIG.replace('  chat: "-1001112223334"\n', "  zalo: zr\n")
    text += "web: {public_url: 'https://duluan.xa.gov.vn/'}\n"
    (tmp_path / "config.yaml").write_text(text, encoding="utf-8")
    runtime = Runtime(
        config_path=str(tmp_path / "config.yaml"), database_url=db_url, clock=Clock(NOW)
    )
    parser = argparse.ArgumentParser(prog="duluan")
    add_parser(parser.add_subparsers(dest="command"))
    argv = ["digest", "--week", "2026-W48", "--out", str(tmp_path / "out"), "--send"]
    assert run(parser.parse_args(argv), runtime) == 0
    assert "Đã xếp hàng 2 tin nhắn" in capsys.readouterr().out
    queued = store.due_outbox(NOW + timedelta(minutes=1))
    assert [(q.messenger, q.chat, q.story) for q in queued] == [
        ("zalo", "zr", "digest:2026-W48"),
        ("zalo", "zr", "digest:2026-W48:link"),
    ]
    assert "https://duluan.xa.gov.vn/digests/" in queued[1].text
    # Neither chat: --send is refused, saying what to set.
    (tmp_path / "config.yaml").write_text(text.replace("  zalo: zr\n", ""), encoding="utf-8")
    assert run(parser.parse_args(argv), runtime) == 2
    assert "report.chat hay report.zalo" in capsys.readouterr().err
