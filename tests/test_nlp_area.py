"""Watch areas made of any places of Vietnam (`nlp.area`): what each kind of place brings in, how
a name is qualified, and what is wrong with an unknown, ambiguous or repeated place."""

from __future__ import annotations

import time

import pytest

from nlp.area import (
    SUGGESTED_PROBLEMS,
    PlaceError,
    PlaceProblem,
    WatchArea,
    district_area,
    mapping_data,
    resolve_places,
)

KON_TUM, QUANG_NGAI = "Tỉnh Kon Tum", "Tỉnh Quảng Ngãi"
DAK_HA = "Huyện Đăk Hà"


def rows() -> list[dict[str, str]]:
    return list(mapping_data()["ward_mapping"])


def problem(places: list[str]) -> PlaceProblem:
    with pytest.raises(PlaceError) as caught:
        resolve_places(places)
    (only,) = caught.value.problems
    return only


def test_a_new_commune_brings_its_predecessors() -> None:
    area = resolve_places(["Xã Đăk Pxi, Tỉnh Quảng Ngãi"])
    assert area.old_communes == {
        (KON_TUM, DAK_HA, "Xã Đăk Pxi"),
        (KON_TUM, DAK_HA, "Xã Đăk Long"),  # now part of Đăk Pxi
    }
    assert area.new_communes == {(QUANG_NGAI, "Xã Đăk Pxi")}
    assert area.districts == frozenset()  # Đăk Hà's other communes are not in it
    assert (area.provinces, area.new_provinces) == ((KON_TUM,), (QUANG_NGAI,))
    assert not area.whole_provinces and not area.whole_new_provinces


def test_an_old_commune_brings_its_successor_only() -> None:
    area = resolve_places(["Xã Đăk Long, Huyện Đăk Hà"])
    assert area.old_communes == {(KON_TUM, DAK_HA, "Xã Đăk Long")}
    assert area.new_communes == {(QUANG_NGAI, "Xã Đăk Pxi")}


def test_an_old_district_brings_its_communes_and_their_successors() -> None:
    area = resolve_places(["Huyện Sa Thầy, Tỉnh Kon Tum"])
    expected_old = {
        (r["old_province"], r["old_district"], r["old_ward"])
        for r in rows()
        if r["old_district"] == "Huyện Sa Thầy"
    }
    assert len(expected_old) == 11 and area.old_communes == expected_old
    assert {name for _, name in area.new_communes} == {
        "Xã Mô Rai", "Xã Rờ Kơi", "Xã Sa Bình", "Xã Sa Thầy", "Xã Ya Ly"
    }  # fmt: skip
    assert area.districts == {(KON_TUM, "Huyện Sa Thầy")}
    assert area.has_district(KON_TUM, "Huyện Sa Thầy") and not area.has_district(KON_TUM, DAK_HA)


def test_an_old_province_whole() -> None:
    area = resolve_places([KON_TUM])
    assert len(area.old_communes) == 102 and len(area.new_communes) == 40
    assert len(area.districts) == 10
    assert area.whole_provinces == {KON_TUM}
    assert area.whole_new_provinces == frozenset()  # Quảng Ngãi is more than Kon Tum
    assert area.touches(QUANG_NGAI) and not area.touches("Tỉnh Gia Lai")


def test_a_new_province_is_both_old_provinces() -> None:
    area = resolve_places([QUANG_NGAI])
    mine = [r for r in rows() if r["new_province"] == QUANG_NGAI]
    assert {r["old_province"] for r in mine} == {KON_TUM, QUANG_NGAI}
    assert area.new_communes == {(QUANG_NGAI, r["new_ward"]) for r in mine if r["new_ward"]}
    assert area.old_communes == {
        (r["old_province"], r["old_district"], r["old_ward"]) for r in mine if r["old_ward"]
    }
    assert area.whole_provinces == {KON_TUM, QUANG_NGAI}
    assert area.whole_new_provinces == {QUANG_NGAI}
    assert set(area.provinces) == {KON_TUM, QUANG_NGAI} and area.new_provinces == (QUANG_NGAI,)


def test_the_shorthand_is_the_district_as_a_place() -> None:
    shorthand = district_area(KON_TUM, DAK_HA)
    assert shorthand == resolve_places([f"{DAK_HA}, {KON_TUM}"]) == resolve_places([DAK_HA])
    assert shorthand.places == (f"{DAK_HA}, {KON_TUM}",)
    assert len(shorthand.old_communes) == 11 and len(shorthand.new_communes) == 5
    assert shorthand.districts == {(KON_TUM, DAK_HA)}


def test_a_unit_that_holds_the_others_of_its_name_needs_no_qualifier() -> None:
    """ "Tỉnh Quảng Ngãi" is the post-2025 province (it holds the old one), "Xã Đăk Pxi" the new
    commune (it holds the old commune of that name)."""
    assert resolve_places([QUANG_NGAI]) == resolve_places([f"{QUANG_NGAI}, {QUANG_NGAI}"])
    assert resolve_places(["Xã Đăk Pxi"]) == resolve_places(["Xã Đăk Pxi, Tỉnh Quảng Ngãi"])
    old_only = resolve_places(["Xã Đăk Pxi, Tỉnh Kon Tum"])
    assert old_only.old_communes == {(KON_TUM, DAK_HA, "Xã Đăk Pxi")}


def test_qualifiers_old_or_new_with_or_without_prefix() -> None:
    sa_thay = resolve_places(["Huyện Sa Thầy, Tỉnh Kon Tum"])
    assert resolve_places(["Huyện Sa Thầy, Tỉnh Quảng Ngãi"]) == sa_thay  # where it went
    assert resolve_places(["Huyện Sa Thầy, Kon Tum"]) == sa_thay
    assert resolve_places(["huyện  sa thầy"]) == sa_thay  # case and spaces aside
    assert resolve_places(["Huyện Sa Thầy,Tỉnh Kon Tum"]) == sa_thay
    new = resolve_places(["Xã Đăk Long, Quảng Ngãi"])  # the new Đăk Long (of old Đắk Glei)
    assert new.new_communes == {(QUANG_NGAI, "Xã Đăk Long")}
    assert {d for _, d, _ in new.old_communes} == {"Huyện Đắk Glei"}


def test_an_ambiguous_name_lists_the_spellings_to_write() -> None:
    found = problem(["Xã Đăk Long"])
    assert found.kind == "ambiguous"
    # The old Đăk Long of Đắk Glei became the new Xã Đăk Long alone: naming the new one names
    # both, so it is not listed apart.
    assert set(found.suggestions) == {"Xã Đăk Long, Huyện Đăk Hà", "Xã Đăk Long, Tỉnh Quảng Ngãi"}
    old, new = (resolve_places([s]) for s in sorted(found.suggestions))
    assert old.new_communes == {(QUANG_NGAI, "Xã Đăk Pxi")}
    assert new.new_communes == {(QUANG_NGAI, "Xã Đăk Long")}
    qualified = problem(["Xã Đăk Long, Tỉnh Kon Tum"])  # still two old districts
    assert qualified.kind == "ambiguous"
    assert set(qualified.suggestions) == {
        "Xã Đăk Long, Huyện Đắk Glei",
        "Xã Đăk Long, Huyện Đăk Hà",
    }


def test_a_name_in_many_provinces_suggests_each_unit_once() -> None:
    found = problem(["Xã Tân Lập"])
    assert found.kind == "ambiguous" and len(found.suggestions) > 10
    resolved = [resolve_places([s]) for s in found.suggestions]
    assert len({frozenset(a.old_communes) for a in resolved}) == len(found.suggestions)
    assert "Xã Tân Lập, Tỉnh Kon Tum" in found.suggestions


def test_an_unknown_name_suggests_the_closest_ones() -> None:
    found = problem(["Xã Đăk Pxy"])
    assert found.kind == "unknown"
    assert "Xã Đăk Pxi" in found.suggestions
    assert len(found.suggestions) <= 5
    assert problem(["Xã Đăk Pxi, Tỉnh Gia Lai"]).kind == "unknown"  # not there


@pytest.mark.parametrize(
    ("written", "suggested"),
    [
        ("xa dak pxi", "Xã Đăk Pxi"),  # no diacritics
        ("XA DAK PXI, TINH QUANG NGAI", "Xã Đăk Pxi"),
        ("Đăk Pxi", "Xã Đăk Pxi"),  # no prefix
        ("Tinh Kon Tum", KON_TUM),
        ("Sa Thay", "Huyện Sa Thầy"),
        ("Huyen Dak Ha", DAK_HA),
    ],
)
def test_suggestions_ignore_diacritics_and_prefixes(written: str, suggested: str) -> None:
    found = problem([written])
    assert found.kind == "unknown"
    assert suggested in found.suggestions


def test_a_suggestion_keeps_the_qualifier_written() -> None:
    found = problem(["Xã Dak Pxi, Tỉnh Quảng Ngãi"])
    assert found.suggestions[0] == "Xã Đăk Pxi, Tỉnh Quảng Ngãi"  # the new commune asked for
    assert resolve_places([found.suggestions[0]]).new_communes == {
        ("Tỉnh Quảng Ngãi", "Xã Đăk Pxi")
    }
    assert problem(["Huyện Sa Thay, Tỉnh Kon Tum"]).suggestions[0] == "Huyện Sa Thầy, Tỉnh Kon Tum"


def test_an_unknown_qualifier_is_named() -> None:
    found = problem(["Xã Đăk Pxi, Tỉnh Kon Tumm"])
    assert (found.kind, found.detail) == ("qualifier", "Tỉnh Kon Tumm")
    assert KON_TUM in found.suggestions
    assert problem([", Tỉnh Kon Tum"]).kind == "empty"


def test_the_same_unit_twice_is_named() -> None:
    found = problem(["Xã Đăk Pxi", "Xã Mô Rai", "Xã Đăk Pxi, Tỉnh Quảng Ngãi"])
    assert (found.kind, found.index, found.detail) == ("duplicate", 2, "Xã Đăk Pxi")


def test_overlapping_places_are_one_area() -> None:
    district = district_area(KON_TUM, DAK_HA)
    both = resolve_places([DAK_HA, "Xã Đăk Pxi, Tỉnh Quảng Ngãi"])
    assert both == district  # Đăk Pxi and its predecessors lie in Đăk Hà
    several = resolve_places(["Xã Đăk Pxi, Tỉnh Quảng Ngãi", "Xã Sa Thầy, Tỉnh Quảng Ngãi"])
    assert {d for _, d, _ in several.old_communes} == {DAK_HA, "Huyện Sa Thầy"}
    assert several.new_communes == {(QUANG_NGAI, "Xã Đăk Pxi"), (QUANG_NGAI, "Xã Sa Thầy")}


def test_ten_thousand_places_resolve() -> None:
    """Every old commune of the country, qualified: the whole country, resolved in about a
    second (the time is printed, not asserted)."""
    written = list(
        dict.fromkeys(
            f"{r['old_ward']}, {r['old_district']}, {r['old_province']}"
            for r in rows()
            if r["old_ward"]
        )
    )
    assert len(written) > 9_900
    started = time.perf_counter()
    area = resolve_places(written)
    print(f"{len(written)} places resolved in {time.perf_counter() - started:.2f} s")
    assert len(area.old_communes) == len(written)
    assert len(area.whole_provinces) > 40


def test_ten_thousand_wrong_places_are_counted_not_all_suggested() -> None:
    started = time.perf_counter()
    with pytest.raises(PlaceError) as caught:
        resolve_places([f"Xã Không Có Số {i}" for i in range(10_000)])
    print(f"10,000 wrong places answered in {time.perf_counter() - started:.2f} s")
    problems = caught.value.problems
    assert len(problems) == 10_000 and {p.kind for p in problems} == {"unknown"}
    assert all(p.suggestions == () for p in problems[SUGGESTED_PROBLEMS:])


def test_watch_area_is_a_frozen_value() -> None:
    area = resolve_places(["Xã Đăk Pxi"])
    assert isinstance(area, WatchArea) and hash(area) == hash(resolve_places(["Xã Đăk Pxi"]))
    with pytest.raises(AttributeError):
        area.places = ()  # type: ignore[misc]
