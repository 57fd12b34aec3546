"""The digest of a watch area that is any set of places: its name in the title, and the table by
commune listing the area's post-2025 units (all of them, zero counts too) with the old names the
articles used, for an area of one new commune and for a province; the shipped district keeps its
table and its bytes."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from docx import Document

from digest.build import build_digest
from digest.content import AREA_ONLY, area_name
from digest.docx import render_docx
from digest.window import week_window
from duluan.locality import watch_area
from nlp.area import area_title, new_units, old_frame, resolve_places
from storage import Store, UnitRecord
from tests.kit.digest import (
    BQN,
    DT,
    NOW,
    VNE,
    Spec,
    area_config,
    at,
    commune,
    config,
    content_of,
    save_specs,
    seed,
)

QN, KT = "Tỉnh Quảng Ngãi", "Tỉnh Kon Tum"
PXI_NEW = "Xã Đăk Pxi, Tỉnh Quảng Ngãi"


def new(name: str, watched: bool = True) -> UnitRecord:
    """A post-2025 unit of Tỉnh Quảng Ngãi as the tagger stores it."""
    return UnitRecord("new_commune", name, QN, None, None, None, watched)


def old(name: str, district: str, watched: bool = True) -> UnitRecord:
    """An old commune of Tỉnh Kon Tum as the tagger stores it."""
    return UnitRecord("commune", name, KT, district, None, QN, watched)


DAK_HA = UnitRecord("district", "Huyện Đăk Hà", KT, None, None, None, False)


def test_an_area_of_one_new_commune_counts_its_predecessors_beside_it(store: Store) -> None:
    save_specs(
        store,
        [
            Spec(
                "w47",
                BQN,
                "Tuần trước",
                at(17, 8),
                at(17, 9),
                1,
                "neutral",
                (commune("Xã Đăk Pxi", "Xã Đăk Pxi"),),
            ),
            Spec("b1", BQN, "Xã mới", at(20, 8), at(20, 9), 2, "negative", (new("Xã Đăk Pxi"),)),
            Spec(
                "b2",
                VNE,
                "Đăk Long cũ",
                at(21, 8),
                at(21, 9),
                3,
                "neutral",
                (old("Xã Đăk Long", "Huyện Đăk Hà"), DAK_HA),
            ),
            Spec(
                "b3",
                DT,
                "Hai xã cũ",
                at(22, 8),
                at(22, 9),
                4,
                "positive",
                (old("Xã Đăk Long", "Huyện Đăk Hà"), commune("Xã Đăk Pxi", "Xã Đăk Pxi")),
            ),
            Spec(
                "b4",
                DT,
                "Xã bên cạnh",
                at(22, 10),
                at(22, 11),
                5,
                "neutral",
                (new("Xã Đăk Mar", watched=False),),
            ),
        ],
    )
    cfg = area_config(["Xã Đăk Pxi, Tỉnh Quảng Ngãi"])
    content = content_of(store, cfg)
    assert content.area == "xã Đăk Pxi"
    f = content.figures
    assert f.total == 3 and f.by_commune == ()
    assert [(u.label, u.count, u.previous) for u in f.by_unit] == [
        ("Xã Đăk Pxi (gồm xã Đăk Long cũ: 2 tin)", 3, 1)
    ]
    doc = Document(io.BytesIO(render_docx(content, [])))
    texts = [p.text for p in doc.paragraphs]
    assert any("liên quan đến xã Đăk Pxi (" in t for t in texts)
    assert "Bảng 2. Số tin theo xã, phường" in texts
    table = next(t for t in doc.tables if "Xã, phường (từ 01/7/2025)" in t.rows[0].cells[1].text)
    assert [[c.text for c in row.cells] for row in table.rows[1:]] == [
        ["1", "Xã Đăk Pxi (gồm xã Đăk Long cũ: 2 tin)", "3", "1"]
    ]


def test_a_province_lists_every_new_unit_with_zero_counts_and_old_names(
    store: Store, tmp_path: Path
) -> None:
    save_specs(
        store,
        [
            Spec("c1", BQN, "Đăk Pxi", at(20, 8), at(20, 9), 1, "negative", (new("Xã Đăk Pxi"),)),
            # Two old communes named Đăk Long: Đăk Hà's is now part of Đăk Pxi, Đắk Glei's is
            # the new Xã Đăk Long (the same name: no old name beside it).
            Spec(
                "c2",
                VNE,
                "Đăk Long của Đăk Hà",
                at(21, 8),
                at(21, 9),
                2,
                "neutral",
                (old("Xã Đăk Long", "Huyện Đăk Hà"),),
            ),
            Spec(
                "c3",
                VNE,
                "Đăk Long của Đắk Glei",
                at(21, 10),
                at(21, 11),
                3,
                "neutral",
                (old("Xã Đăk Long", "Huyện Đắk Glei"),),
            ),
            Spec(
                "c4",
                DT,
                "Phường cũ của Quảng Ngãi",
                at(22, 8),
                at(22, 9),
                4,
                "positive",
                (
                    UnitRecord(
                        "commune", "Phường Chánh Lộ", QN, "Thành phố Quảng Ngãi", None, QN, True
                    ),
                ),
            ),
            Spec(
                "c5",
                DT,
                "Cả tỉnh",
                at(23, 8),
                at(23, 9),
                5,
                "neutral",
                (UnitRecord("province", KT, KT, None, None, None, True),),
            ),
        ],
    )
    cfg = area_config(["Tỉnh Quảng Ngãi"])
    area = watch_area(cfg.locality)
    content = content_of(store, cfg)
    assert content.area == "tỉnh Quảng Ngãi"
    rows = content.figures.by_unit
    assert len(rows) == len(new_units(area)) + 1 and len(new_units(area)) > 90
    assert [(u.label, u.count) for u in rows[:4]] == [
        ("Xã Đăk Pxi (gồm xã Đăk Long cũ: 1 tin)", 2),
        ("Phường Cẩm Thành (gồm phường Chánh Lộ cũ: 1 tin)", 1),
        ("Xã Đăk Long", 1),
        ("Đặc khu Lý Sơn", 0),
    ]
    assert rows[-1].name == AREA_ONLY and rows[-1].count == 1
    assert all(u.count == 0 for u in rows[3:-1])
    # The DOCX lists every unit; time it for the record (printed, not asserted).
    window = week_window("2026-W48", cfg.schedule.digest, cfg.schedule.zone)
    started = time.perf_counter()
    built = build_digest(store, cfg, window, lambda: NOW, tmp_path)
    print(f"digest of {len(rows) - 1} units: {time.perf_counter() - started:.2f} s")
    doc = Document(str(built.files["docx"]))
    table = next(t for t in doc.tables if "Xã, phường (từ 01/7/2025)" in t.rows[0].cells[1].text)
    assert len(table.rows) == 1 + len(rows)
    assert "tỉnh Quảng Ngãi" in built.files["html"].read_text()
    assert "Phường Cẩm Thành (gồm phường Chánh Lộ cũ: 1 tin)" in built.files["html"].read_text()


def test_the_shipped_district_keeps_its_table_and_bytes_however_it_is_written(
    store: Store, tmp_path: Path
) -> None:
    seed(store)
    shorthand, places = config(), area_config(["Huyện Đăk Hà, Tỉnh Kon Tum"])
    assert area_name(shorthand) == area_name(places) == "huyện Đăk Hà"
    window = week_window("2026-W48", shorthand.schedule.digest, shorthand.schedule.zone)
    one = build_digest(store, shorthand, window, lambda: NOW, tmp_path / "a").files
    two = build_digest(store, places, window, lambda: NOW, tmp_path / "b").files
    assert one["docx"].read_bytes() == two["docx"].read_bytes()
    content = content_of(store, shorthand)
    assert content.figures.by_unit == () and content.figures.by_commune
    assert content.communes_word == "xã, thị trấn"


def test_report_area_names_the_area_when_set() -> None:
    cfg = area_config(["Tỉnh Quảng Ngãi"])
    named = cfg.model_copy(update={"report": cfg.report.model_copy(update={"area": "Tỉnh ABC"})})
    assert area_name(named) == "tỉnh ABC"


@pytest.mark.parametrize(
    ("places", "title", "old"),
    [
        (["Xã Đăk Pxi, Tỉnh Quảng Ngãi"], "xã Đăk Pxi", False),
        (["Huyện Đăk Hà, Tỉnh Kon Tum"], "huyện Đăk Hà", True),
        (["Tỉnh Quảng Ngãi"], "tỉnh Quảng Ngãi", False),
        (["Tỉnh Kon Tum"], "tỉnh Kon Tum", True),
        (["Xã Đăk Long, Huyện Đăk Hà"], "xã Đăk Long", True),
        ([PXI_NEW, "Xã Đăk Mar, Tỉnh Quảng Ngãi"], "các xã Đăk Pxi và Đăk Mar", False),
        (["Huyện Sa Thầy, Tỉnh Kon Tum", "Xã Măng Đen"], "huyện Sa Thầy và xã Măng Đen", False),
        (
            [PXI_NEW, "Xã Đăk Mar, Tỉnh Quảng Ngãi", "Xã Đăk Ui, Tỉnh Quảng Ngãi",
             "Xã Ngọk Réo", "Xã Đăk Hà, Tỉnh Quảng Ngãi"],
            "các xã Đăk Pxi, Đăk Mar, Đăk Ui và 2 xã khác",
            False,
        ),
        (
            ["Huyện Sa Thầy, Tỉnh Kon Tum", "Xã Măng Đen", "Tỉnh Gia Lai",
             "Phường Cẩm Thành, Tỉnh Quảng Ngãi"],
            "huyện Sa Thầy, xã Măng Đen, tỉnh Gia Lai và 1 đơn vị khác",
            False,
        ),
    ],
)  # fmt: skip
def test_an_area_is_named_from_its_places(places: list[str], title: str, old: bool) -> None:
    area = resolve_places(places)
    assert area_title(area) == title
    assert old_frame(area) is old
