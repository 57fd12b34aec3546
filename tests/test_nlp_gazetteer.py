"""The gazetteer built from underthesea's mapping.json, for the watched district Đăk Hà."""

from __future__ import annotations

import pytest

from nlp.gazetteer import Gazetteer, Unit, bare_name

PROVINCE = "Tỉnh Kon Tum"
DISTRICT = "Huyện Đăk Hà"
DAK_HA_OLD = {
    "Thị trấn Đăk Hà",
    "Xã Hà Mòn",
    "Xã Đăk La",
    "Xã Đăk Hring",
    "Xã Đăk Mar",
    "Xã Đăk Pxi",
    "Xã Đăk Long",
    "Xã Đăk Ui",
    "Xã Đăk Ngọk",
    "Xã Ngọk Wang",
    "Xã Ngọk Réo",
}
DAK_HA_NEW = {"Xã Đăk Hà", "Xã Đăk Mar", "Xã Đăk Pxi", "Xã Đăk Ui", "Xã Ngọk Réo"}


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.build(
        PROVINCE,
        DISTRICT,
        {"Xã Đăk Pxi": ["Dak Pxi", "Đắk Pxi"], "Thành phố Kon Tum": ["TP Kon Tum"]},
    )


def _kon_tum(gaz: Gazetteer, level: str) -> list[Unit]:
    return [u for u in gaz.units if u.level == level and u.province == PROVINCE]


def test_kon_tum_old_districts(gaz: Gazetteer) -> None:
    names = {u.name for u in _kon_tum(gaz, "district")}
    assert len(names) == 10
    assert {"Huyện Đăk Hà", "Huyện Ia H'Drai", "Thành phố Kon Tum", "Huyện Kon Plông"} <= names


def test_kon_tum_old_communes(gaz: Gazetteer) -> None:
    communes = _kon_tum(gaz, "commune")
    assert len(communes) == 102
    assert len({(u.district, u.name) for u in communes}) == 102
    assert all(u.name.startswith(("Xã ", "Phường ", "Thị trấn ")) for u in communes)
    assert all(u.new_province == "Tỉnh Quảng Ngãi" and len(u.new_names) == 1 for u in communes)


def test_kon_tum_new_units_in_quang_ngai(gaz: Gazetteer) -> None:
    new = [u for u in gaz.units if u.level == "new_commune" and PROVINCE in u.old_provinces]
    assert len(new) == 40
    assert {u.province for u in new} == {"Tỉnh Quảng Ngãi"}
    assert gaz.new_provinces == ("Tỉnh Quảng Ngãi",)
    kon_tum_ward = next(u for u in new if u.name == "Phường Kon Tum")
    assert kon_tum_ward.districts == ("Thành phố Kon Tum",)


def test_dak_ha_eleven_old_communes_become_five(gaz: Gazetteer) -> None:
    old = [u for u in gaz.watch_units if u.level == "commune"]
    new = [u for u in gaz.watch_units if u.level == "new_commune"]
    assert {u.name for u in old} == DAK_HA_OLD
    assert all(u.district == DISTRICT and u.province == PROVINCE for u in old)
    assert {u.name for u in new} == DAK_HA_NEW
    assert all(u.districts == (DISTRICT,) for u in new)
    pxi = next(u for u in old if u.name == "Xã Đăk Long")
    assert pxi.new_name == "Xã Đăk Pxi"
    district = [u for u in gaz.watch_units if u.level == "district"]
    assert [u.name for u in district] == [DISTRICT]


def test_full_bare_and_plain_forms(gaz: Gazetteer) -> None:
    for name in ("Xã Đăk Pxi", "Đăk Pxi", "Đắk Pxi", "dak pxi", "XA DAK PXI"):
        assert any(u.in_watch_area and u.name == "Xã Đăk Pxi" for u in gaz.lookup(name)), name
    assert "đăk pxi" in gaz.scan_keys
    assert "xã đăk pxi" in gaz.exact


def test_name_in_two_provinces_lists_both(gaz: Gazetteer) -> None:
    units = gaz.lookup("Tân Lập")
    provinces = {u.province for u in units if u.level == "commune"}
    assert {"Tỉnh Kon Tum", "Tỉnh Phú Thọ"} <= provinces
    assert not any(u.in_watch_area for u in units)


def test_same_commune_name_in_two_districts_of_the_province(gaz: Gazetteer) -> None:
    units = gaz.lookup("xã Đăk Long")
    old = {(u.district, u.in_watch_area) for u in units if u.level == "commune"}
    assert old == {("Huyện Đăk Hà", True), ("Huyện Đắk Glei", False)}


def test_provinces_old_and_new(gaz: Gazetteer) -> None:
    levels = {(u.level, u.name) for u in gaz.lookup("Kon Tum")}
    assert ("province", "Tỉnh Kon Tum") in levels
    assert ("district", "Thành phố Kon Tum") in levels
    assert ("new_commune", "Phường Kon Tum") in levels
    kon_tum = next(u for u in gaz.lookup("tỉnh Kon Tum") if u.level == "province")
    assert kon_tum.new_province == "Tỉnh Quảng Ngãi"
    quang_ngai = next(u for u in gaz.lookup("Quảng Ngãi") if u.level == "new_province")
    assert PROVINCE in quang_ngai.old_provinces
    assert len([u for u in gaz.units if u.level == "new_province"]) == 34
    assert len([u for u in gaz.units if u.level == "province"]) == 63


def test_numbered_wards_are_not_scanned_bare(gaz: Gazetteer) -> None:
    assert "1" not in gaz.scan_keys
    assert "phường 1" in gaz.scan_keys


def test_aliases_add_spellings(gaz: Gazetteer) -> None:
    assert "tp kon tum" in gaz.scan_keys
    assert [u.name for u in gaz.lookup("TP. Kon Tum".replace(".", ""))] == ["Thành phố Kon Tum"]


def test_aliases_for_unknown_units_are_skipped() -> None:
    gaz = Gazetteer.build(PROVINCE, DISTRICT, {"Xã Không Có": ["Không Có Đâu"]})
    assert gaz.lookup("Không Có Đâu") == ()


def test_build_is_cached(gaz: Gazetteer) -> None:
    aliases = {"Xã Đăk Pxi": ["Đắk Pxi", "Dak Pxi"]}
    assert Gazetteer.build(PROVINCE, DISTRICT, aliases) is Gazetteer.build(
        PROVINCE, DISTRICT, aliases
    )
    assert Gazetteer.build(PROVINCE, DISTRICT, aliases) is not gaz


def test_unknown_district_is_an_error() -> None:
    with pytest.raises(LookupError, match="Không tìm thấy"):
        Gazetteer.build(PROVINCE, "Huyện Không Có")


def test_bare_name() -> None:
    assert bare_name("Thị trấn Đăk Hà") == "Đăk Hà"
    assert bare_name("Thành phố Kon Tum") == "Kon Tum"


@pytest.mark.parametrize(
    ("spelling", "name"),
    [
        ("Kom Tum", "Tỉnh Kon Tum"),
        ("Kom Tum", "Thành phố Kon Tum"),
        ("KonTum", "Tỉnh Kon Tum"),
        ("Đăk Pơ Ne", "Xã Đăk Pne"),
        ("KonPlông", "Huyện Kon Plông"),
        ("Kon Plong", "Huyện Kon Plông"),
        ("Đăk Tơ Re", "Xã Đăk Tờ Re"),
        ("Sa Thày", "Huyện Sa Thầy"),
        ("Bờ Y", "Xã Pờ Y"),
        ("Đăk Plô", "Xã Đăk Blô"),
        ("Đăk Psi", "Xã Đăk Pxi"),
    ],
)
def test_generated_spellings_of_the_province_names(
    gaz: Gazetteer, spelling: str, name: str
) -> None:
    """Spellings seen on real pages, generated for the whole province, none typed by hand."""
    assert name in {u.name for u in gaz.lookup(spelling) if u.level != "new_commune"}


@pytest.mark.parametrize("word", ["duy tâm", "Trầm Hưng Đạo", "Kom Braih"])
def test_final_n_m_swap_stays_with_province_and_district_names(gaz: Gazetteer, word: str) -> None:
    """Kon Tum ~ Kom Tum, but a ward's "Duy Tân" does not make the word "duy tâm" a place."""
    assert gaz.lookup(word) == ()
