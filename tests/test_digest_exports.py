"""The one-page "tin tích cực" list (DOCX and HTML read back, `duluan digest --positive`) and the
Excel export of a selection's stories (openpyxl read back: rows, types, hyperlinks, and no
formula out of a hostile title)."""

from __future__ import annotations

import argparse
import io
import zipfile
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from openpyxl import load_workbook

from digest.build import build_positive
from digest.content import build_content, one_line
from digest.excel import COLUMNS, render_xlsx
from digest.window import parse_month
from duluan.clock import Clock
from duluan.commands.digest import add_parser, run
from duluan.runtime import Runtime
from storage import Store
from tests.kit.digest import BQN, CONFIG, DISTRICT, DT, VNE, Spec, at, config, save_specs

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=ZONE)
HOSTILE = ['=HYPERLINK("http://x","y")', "+1+2", "-3+4", "@SUM(A1)", "\t=1", "=cmd|' /C calc'!A0"]
SPECS = [
    Spec("g1", BQN, "Gương người tốt", at(5, 8), at(5, 9), 51, "positive", (DISTRICT,)),
    Spec("g2", VNE, "Gương người tốt ở Đăk Hà", at(6, 8), at(6, 9), 51, "positive", (DISTRICT,)),
    Spec("g3", DT, "<b>Việc tốt</b> & nghĩa tình", at(7, 8), at(7, 9), 53, "positive",
         (DISTRICT,)),
    Spec("n1", BQN, "Sạt lở", at(8, 8), at(8, 9), 54, "negative", (DISTRICT,)),
    *(
        Spec(f"h{n}", DT, title, at(10 + n, 8), at(10 + n, 9), 60 + n, "neutral", (DISTRICT,))
        for n, title in enumerate(HOSTILE)
    ),
]  # fmt: skip


def test_one_line_keeps_the_first_sentence_under_the_limit() -> None:
    assert one_line("Câu một.  Câu\nhai.") == "Câu một."
    assert one_line("a " * 300).endswith("…") and len(one_line("a " * 300)) <= 201
    assert one_line("") == ""


def test_positive_page_lists_good_news_best_first(store: Store, tmp_path: Path) -> None:
    save_specs(store, SPECS)
    content, files = build_positive(
        store, config(), parse_month("2026-11", ZONE), lambda: NOW, tmp_path
    )
    assert sorted(p.name for p in files.values()) == [
        "duluan-tin-tich-cuc-thang-2026-11.docx",
        "duluan-tin-tich-cuc-thang-2026-11.html",
    ]
    assert [i.title for i in content.positive] == [
        "Gương người tốt",
        "<b>Việc tốt</b> & nghĩa tình",
    ]
    doc = Document(io.BytesIO(files["docx"].read_bytes()))
    text = [p.text for p in doc.paragraphs]
    assert "TIN TÍCH CỰC" in text
    assert any("huyện Đăk Hà tháng 11 năm 2026 (từ ngày 01/11/2026" in p for p in text)
    assert "1. Gương người tốt" in text
    assert "Báo Quảng Ngãi, VnExpress · 05/11/2026" in text
    assert "Sạt lở" not in "\n".join(text)
    assert len(doc.tables) == 0 and len(text) < 40  # one page: a short list, no annex
    html = files["html"].read_text(encoding="utf-8")
    assert "&lt;b&gt;Việc tốt&lt;/b&gt; &amp; nghĩa tình" in html and "<b>Việc tốt" not in html
    assert '<a href="https://baoquangngai.vn/g1.htm">Gương người tốt</a>' in html


def _cli(tmp_path: Path, db_url: str, *argv: str) -> int:
    cfg = tmp_path / "config.yaml"
    cfg.write_text(CONFIG, encoding="utf-8")
    runtime = Runtime(config_path=str(cfg), database_url=db_url, clock=Clock(NOW))
    parser = argparse.ArgumentParser(prog="duluan")
    add_parser(parser.add_subparsers(dest="command"))
    return run(parser.parse_args(["digest", *argv]), runtime)


def test_digest_positive_writes_the_page_and_nothing_else(
    store: Store, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save_specs(store, SPECS)
    out = tmp_path / "out"
    assert _cli(tmp_path, db_url, "--month", "2026-11", "--positive", "--out", str(out)) == 0
    assert "Đã lập trang tin tích cực 2026-11" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == [
        "duluan-tin-tich-cuc-thang-2026-11.docx",
        "duluan-tin-tich-cuc-thang-2026-11.html",
    ]
    assert store.list_digests() == []  # not a report: not recorded, never sent
    assert _cli(tmp_path, db_url, "--positive", "--send") == 2
    assert "bỏ --send" in capsys.readouterr().err
    assert _cli(tmp_path, db_url, "--positive", "--format", "md", "--out", str(out)) == 2
    assert "trang tin tích cực không có định dạng: md" in capsys.readouterr().err


def test_excel_has_one_typed_row_per_story_and_no_formula(store: Store) -> None:
    save_specs(store, SPECS)
    content = build_content(store, config(), parse_month("2026-11", ZONE), lambda: NOW)
    stories = list(content.stories)
    late = replace(stories[-1], unit="UBND xã Đăk Pxi", deadline=date(2026, 11, 20))
    hostile_url = replace(stories[0], url="javascript:alert(1)")
    items = [hostile_url, *stories[1:-1], replace(late, report="=1+1", overdue=True)]
    data = render_xlsx(items)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet and "<f " not in sheet
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == tuple(name for name, _ in COLUMNS)
    assert all(c.font.bold for c in ws[1]) and ws.freeze_panes == "A2"
    assert ws.column_dimensions["C"].width == 60
    assert len(rows) == 1 + len(content.stories) == 1 + 3 + len(HOSTILE)  # g1 and g2: one story
    assert rows[1][1] == "Báo Quảng Ngãi, VnExpress"
    titles = {r[2] for r in rows[1:]}
    assert set(HOSTILE) - {"\t=1"} <= titles  # stored as the text it was
    for cell in ws["C"][1:]:
        assert cell.data_type == "s"
    assert isinstance(rows[1][0], datetime) and rows[1][0].date() == date(2026, 11, 5)
    assert ws.cell(row=2, column=1).number_format == "DD/MM/YYYY"
    assert ws.cell(row=2, column=4).hyperlink is None  # javascript: never becomes a link
    second = ws.cell(row=3, column=4)
    assert second.hyperlink is not None and second.hyperlink.target == second.value
    last = rows[-1]
    assert last[7] == "UBND xã Đăk Pxi" and last[8].date() == date(2026, 11, 20)
    assert last[9] == "=1+1" and ws.cell(row=len(rows), column=10).data_type == "s"
    assert last[6].startswith("QUÁ HẠN – ")


def test_excel_of_nothing_is_the_header_alone() -> None:
    ws = load_workbook(io.BytesIO(render_xlsx([]))).active
    assert ws is not None and ws.max_row == 1
