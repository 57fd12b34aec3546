"""The tagger for watch areas other than one old district: a new commune, communes of several old
districts, an old province, a new province; and routing by commune within such an area."""

from __future__ import annotations

from functools import cache
from typing import Any

from alerts.routing import covered_places
from duluan.config import Unit as ConfigUnit
from nlp.area import resolve_places
from nlp.gazetteer import Gazetteer
from nlp.locate import Locator

DAK_LONG_OLD = (
    "Người dân xã Đăk Long (cũ) thiếu nước sinh hoạt\n"
    "Hơn 300 hộ dân ở thôn 1, xã Đăk Long (cũ), nay là xã Đăk Pxi, tỉnh Quảng Ngãi, thiếu nước "
    "sinh hoạt nhiều tháng nay."
)
DAK_PXI = "Sạt lở đất ở xã Đăk Pxi\nMưa lớn gây sạt lở tại xã Đăk Pxi, tỉnh Quảng Ngãi."
DAK_MAR = (
    "Xã Đăk Mar ra quân thu gom rác\n"
    "UBND xã Đăk Mar, tỉnh Quảng Ngãi tổ chức ra quân thu gom rác dọc Quốc lộ 14."
)
DAK_HA_DISTRICT = (
    "Huyện Đăk Hà tổng kết năm 2024\nUBND huyện Đăk Hà, tỉnh Kon Tum tổ chức hội nghị tổng kết."
)
DAK_LONG_GLEI = (
    "Xã Đăk Long, huyện Đắk Glei đón đoàn công tác\n"
    "Xã Đăk Long, huyện Đắk Glei, tỉnh Kon Tum đón đoàn công tác của tỉnh."
)
SA_THAY_FIRE = "Cháy rừng ở huyện Sa Thầy\nVụ cháy rừng xảy ra tại huyện Sa Thầy, tỉnh Kon Tum."
SA_THAY_TOWN = (
    "Thị trấn Sa Thầy (cũ) nâng cấp đường\n"
    "Thị trấn Sa Thầy (cũ), nay là xã Sa Thầy, tỉnh Quảng Ngãi, nâng cấp 3 km đường nội thị."
)
MO_RAI = "Xã Mô Rai có trường mới\nXã Mô Rai, tỉnh Quảng Ngãi khánh thành trường học."
KON_TUM_PROVINCE = "Tỉnh Kon Tum tăng trưởng khá\nNăm 2024, tỉnh Kon Tum tăng trưởng 9%."
GIA_LAI = "Mưa lớn ở Gia Lai\nMưa lớn tại xã Ia Dom, huyện Đức Cơ, tỉnh Gia Lai gây ngập."
BINH_SON = (
    "Huyện Bình Sơn phát triển công nghiệp\n"
    "Huyện Bình Sơn, tỉnh Quảng Ngãi thu hút thêm hai dự án vào Khu kinh tế Dung Quất."
)


@cache
def locator(*places: str) -> Locator:
    return Locator.for_area(resolve_places(list(places)))


def watched(result: dict[str, Any]) -> set[tuple[str, str]]:
    return {(u["level"], u["name"]) for u in result["units"] if u["in_watch_area"]}


def test_a_single_new_commune() -> None:
    pxi = locator("Xã Đăk Pxi, Tỉnh Quảng Ngãi")
    old = pxi.locate(DAK_LONG_OLD)
    assert old["relevant"]  # the old commune that became part of Đăk Pxi
    assert watched(old) == {("commune", "Xã Đăk Long"), ("new_commune", "Xã Đăk Pxi")}
    assert pxi.locate(DAK_PXI)["relevant"]
    for text in (DAK_MAR, DAK_LONG_GLEI, SA_THAY_FIRE, KON_TUM_PROVINCE, GIA_LAI):
        result = pxi.locate(text)
        assert not result["relevant"] and not watched(result), text
    district = pxi.locate(DAK_HA_DISTRICT)
    assert not district["relevant"]  # the old district is only partly the commune's
    (unit,) = [u for u in district["units"] if u["name"] == "Huyện Đăk Hà"]
    assert unit == {
        "level": "district",
        "name": "Huyện Đăk Hà",
        "province": "Tỉnh Kon Tum",
        "in_watch_area": False,
    }
    assert district["units"] and district["mentions"]  # still reported: our province


def test_communes_of_several_old_districts() -> None:
    two = locator("Xã Đăk Pxi, Tỉnh Quảng Ngãi", "Xã Sa Thầy, Tỉnh Quảng Ngãi")
    for text in (DAK_LONG_OLD, DAK_PXI, SA_THAY_TOWN):
        assert two.locate(text)["relevant"], text
    town = two.locate(SA_THAY_TOWN)
    assert {("commune", "Thị trấn Sa Thầy"), ("new_commune", "Xã Sa Thầy")} <= watched(town)
    assert ("district", "Huyện Sa Thầy") not in watched(town)
    for text in (MO_RAI, DAK_MAR, SA_THAY_FIRE, DAK_HA_DISTRICT):
        assert not two.locate(text)["relevant"], text


def test_an_old_province_whole() -> None:
    kon_tum = locator("Tỉnh Kon Tum")
    for text in (DAK_LONG_OLD, DAK_MAR, DAK_HA_DISTRICT, DAK_LONG_GLEI, SA_THAY_FIRE, MO_RAI):
        assert kon_tum.locate(text)["relevant"], text
    province = kon_tum.locate(KON_TUM_PROVINCE)
    assert province["relevant"]
    assert province["units"] == [
        {
            "level": "province",
            "name": "Tỉnh Kon Tum",
            "province": "Tỉnh Kon Tum",
            "in_watch_area": True,
        }
    ]
    fire = kon_tum.locate(SA_THAY_FIRE)
    assert {("province", "Tỉnh Kon Tum"), ("district", "Huyện Sa Thầy")} <= watched(fire)
    for text in (GIA_LAI, BINH_SON):
        assert not kon_tum.locate(text)["relevant"], text


def test_a_new_province_is_both_old_ones() -> None:
    quang_ngai = locator("Tỉnh Quảng Ngãi")
    for text in (DAK_LONG_OLD, DAK_MAR, SA_THAY_FIRE, KON_TUM_PROVINCE, MO_RAI, BINH_SON):
        assert quang_ngai.locate(text)["relevant"], text
    binh_son = quang_ngai.locate(BINH_SON)
    assert ("district", "Huyện Bình Sơn") in watched(binh_son)
    assert not quang_ngai.locate(GIA_LAI)["relevant"]


def test_the_shorthand_district_never_reports_its_province() -> None:
    district = Locator.build("Tỉnh Kon Tum", "Huyện Đăk Hà")
    assert district.gazetteer is locator("Huyện Đăk Hà, Tỉnh Kon Tum").gazetteer
    result = district.locate(KON_TUM_PROVINCE)
    assert not result["relevant"] and result["units"] == []
    assert district.locate(DAK_HA_DISTRICT)["relevant"]


def test_a_gazetteer_for_two_provinces_spells_both() -> None:
    """Spelling variants are made for the names of every province the area lies in: a name of
    old Quảng Ngãi gets its variants in the new province's gazetteer, not in Kon Tum's."""
    both = Gazetteer.for_area(resolve_places(["Tỉnh Quảng Ngãi"]))
    kon_tum = Gazetteer.for_area(resolve_places(["Tỉnh Kon Tum"]))
    extra = both.scan_keys - kon_tum.scan_keys
    assert extra  # variants of old Quảng Ngãi's names
    assert {u.name for u in both.watch_units if u.level == "province"} == {
        "Tỉnh Kon Tum",
        "Tỉnh Quảng Ngãi",
    }
    assert [u.name for u in both.watch_units if u.level == "new_province"] == ["Tỉnh Quảng Ngãi"]
    assert both.provinces == ("Tỉnh Quảng Ngãi", "Tỉnh Kon Tum")


def test_routing_by_commune_within_a_new_commune_area() -> None:
    gazetteer = locator("Xã Đăk Pxi, Tỉnh Quảng Ngãi").gazetteer
    pxi = ConfigUnit(name="UBND xã Đăk Pxi", chat="-1001", communes=["Xã Đăk Pxi"])
    assert covered_places(pxi, gazetteer) == {"Xã Đăk Pxi", "Xã Đăk Long"}
    outside = ConfigUnit(name="UBND xã Đăk Mar", chat="-1002", communes=["Xã Đăk Mar"])
    assert covered_places(outside, gazetteer) == frozenset()


def test_the_special_zone_is_named_with_its_own_prefix() -> None:
    # Lý Sơn became "Đặc khu Lý Sơn" in 2025; the press writes "đặc khu Lý Sơn".
    zone = locator("Đặc khu Lý Sơn")
    text = (
        "Tàu cá gặp nạn gần đặc khu Lý Sơn\n"
        "Một tàu cá của ngư dân đặc khu Lý Sơn, tỉnh Quảng Ngãi bị chìm, ngư dân bức xúc."
    )
    result = zone.locate(text)
    assert result["relevant"]
    assert ("new_commune", "Đặc khu Lý Sơn") in watched(result)
    assert any(
        m["text"] == "đặc khu Lý Sơn" and m["rule"] == "prefixed" for m in result["mentions"]
    )
    # A commune elsewhere is not the zone.
    assert not zone.locate(MO_RAI)["relevant"]


def test_the_special_zone_after_a_commune_is_a_sibling_not_its_parent() -> None:
    pxi = locator("Xã Đăk Pxi, Tỉnh Quảng Ngãi")
    text = (
        "Các xã hoàn thành chuyển đổi số\n"
        "Danh sách gồm: xã Sơn Tây, xã Đăk Pxi, đặc khu Lý Sơn và xã Ba Vinh, tỉnh Quảng Ngãi."
    )
    assert ("new_commune", "Xã Đăk Pxi") in watched(pxi.locate(text))


def test_a_commune_qualified_by_the_new_province_is_its_new_commune() -> None:
    # "xã Đăk Hà, tỉnh Quảng Ngãi" is the new Xã Đăk Hà, not the old Xã Đăk Hà of Tu Mơ Rông
    # (old Kon Tum) that also went to Quảng Ngãi, even among other provinces' places.
    dak_ha = locator("Huyện Đăk Hà, Tỉnh Kon Tum")
    text = (
        "Tin địa phương\n"
        "Tại xã Tân Lập, tỉnh Phú Thọ, người dân cho biết như vậy. Ở xã Đăk Hà, tỉnh Quảng Ngãi, "
        "việc này đang được chính quyền xem xét. Tại TP Pleiku người dân cũng nói vậy."
    )
    result = dak_ha.locate(text)
    assert result["relevant"]
    assert ("new_commune", "Xã Đăk Hà") in watched(result)
    assert not any(u["name"] == "Huyện Tu Mơ Rông" for u in result["units"])
    # Marked old, the old commune stays possible.
    old = dak_ha.locate("Tin\nỞ xã Đăk Hà (cũ), huyện Tu Mơ Rông, tỉnh Kon Tum, người dân vui.")
    assert ("new_commune", "Xã Đăk Hà") not in watched(old)
