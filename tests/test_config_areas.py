"""`areas:`: several watch areas in one deployment, their settings merged over the top level, and
the bilingual errors of a wrong list (duplicate names, empty or unknown places, repeated units)."""

from __future__ import annotations

import pytest

from duluan.config import DEFAULT_AREA, ConfigError, parse_config
from duluan.locality import LocalityError, area_places, search_queries_of, tagged_area
from tests.kit.areas import DAK_MAR, DAK_PXI, SOURCES, areas_yaml, new_communes

SHORTHAND = "locality: {province: Tỉnh Kon Tum, district: Huyện Đăk Hà}\n" + SOURCES
TOP = """review: {chat: "-100", reviewers: [1, 2], leadership_chat: "-300"}
report: {signer_name: Nguyễn Văn A, chat: "-500"}
units: [{name: Phòng Văn hóa, chat: "-700", topics: [đất đai]}]
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "t.yaml", {})
    return caught.value.problems


def test_without_areas_the_top_level_is_one_area() -> None:
    config = parse_config(SHORTHAND + TOP, "t.yaml", {}).config
    (area,) = config.watch_areas()
    assert area.name == DEFAULT_AREA
    assert area.title == "Huyện Đăk Hà"
    assert area.places == ("Huyện Đăk Hà, Tỉnh Kon Tum",)
    assert area.review == config.review and area.report == config.report
    assert area.units == tuple(config.units)
    assert area.topic_keywords() == config.topic_keywords()
    assert area.locality is config.locality
    assert config.area(DEFAULT_AREA) == area
    # A row stored under an earlier area name still reads the one area.
    assert config.stored_area("dak-pxi") == area


def test_an_area_sets_its_own_keys_and_takes_the_rest_from_the_top() -> None:
    text = areas_yaml(
        [
            {
                "name": "dak-pxi",
                "title": "UBND xã Đăk Pxi",
                "places": [DAK_PXI],
                "review": {"chat": "-101"},
                "report": {"issuer": ["UBND XÃ ĐĂK PXI"]},
                "units": [{"name": "Công an xã", "chat": "-102", "communes": ["Xã Đăk Pxi"]}],
                "extra_topics": {"du lịch": ["homestay"]},
            },
            {"name": "dak-mar", "title": "UBND xã Đăk Mar", "places": [DAK_MAR]},
        ],
        top=TOP,
    )
    config = parse_config(text, "t.yaml", {}).config
    pxi, mar = config.watch_areas()
    assert (pxi.name, pxi.title, pxi.places) == ("dak-pxi", "UBND xã Đăk Pxi", (DAK_PXI,))
    assert pxi.review.chat == "-101" and pxi.review.reviewers == [1, 2]
    assert pxi.review.leadership_chat == "-300"
    assert pxi.report.issuer == ["UBND XÃ ĐĂK PXI"] and pxi.report.signer_name == "Nguyễn Văn A"
    assert [u.name for u in pxi.units] == ["Công an xã"]
    assert pxi.topic_keywords()["du lịch"] == ["homestay"]
    assert pxi.locality.aliases == {"Xã Đăk Pxi": ["Đắk Pxi"]}
    assert mar.review == config.review and mar.report == config.report
    assert [u.name for u in mar.units] == ["Phòng Văn hóa"]
    assert "du lịch" not in mar.topic_keywords()
    assert pxi.key == "areas[0].places" and mar.key == "areas[1].places"
    # A stored row's area: the configured one, or the top level for one no longer configured.
    assert config.stored_area("dak-pxi") == pxi
    gone = config.stored_area("dak-ui")
    assert gone.name == "dak-ui" and gone.review == config.review
    assert gone.report == config.report and gone.units == tuple(config.units)


def test_one_tagger_reads_the_union_of_the_areas() -> None:
    text = areas_yaml(
        [
            {"name": "a", "title": "A", "places": [DAK_PXI]},
            {"name": "b", "title": "B", "places": [DAK_MAR, "Huyện Sa Thầy, Tỉnh Kon Tum"]},
        ]
    )
    config = parse_config(text, "t.yaml", {}).config
    (_, a), (_, b) = area_places(config)
    union = tagged_area(config)
    assert union.old_communes == a.old_communes | b.old_communes
    assert union.new_communes == a.new_communes | b.new_communes
    assert ("Tỉnh Kon Tum", "Huyện Sa Thầy") in union.districts
    queries = search_queries_of(config)
    assert any("Đăk Pxi" in q for q in queries) and any("Sa Thầy" in q for q in queries)


def test_the_locality_must_name_places_without_areas() -> None:
    province, district = problems("locality: {aliases: {}}\n" + SOURCES)
    assert province.startswith("locality.province: thiếu khóa bắt buộc")
    assert district.startswith("locality.district: thiếu khóa bắt buộc")


def test_duplicate_area_names_are_refused() -> None:
    text = areas_yaml(
        [
            {"name": "a", "title": "A", "places": [DAK_PXI]},
            {"name": "a", "title": "A again", "places": [DAK_MAR]},
        ]
    )
    (message,) = problems(text)
    assert "areas[1].name: tên địa bàn 'a' trùng với areas[0]" in message
    assert "is repeated" in message


@pytest.mark.parametrize(
    ("area", "expected"),
    [
        ({"name": "a", "title": "A", "places": []}, "areas[0].places: danh sách rỗng"),
        ({"name": "a", "title": "A", "places": "Xã Đăk Pxi"}, "phải là danh sách tên đơn vị"),
        (
            {"name": "a", "title": "A", "places": [""]},
            "areas[0].places: [0]: '' không phải tên đơn vị",
        ),
        ({"name": "A B", "title": "A", "places": [DAK_PXI]}, "areas[0].name: 'A B' chỉ gồm"),
        ({"title": "A", "places": [DAK_PXI]}, "areas[0].name: thiếu khóa bắt buộc"),
        ({"name": "a", "title": "A", "places": [DAK_PXI], "x": 1}, "areas[0].x: 1 khóa không"),
    ],
)
def test_hostile_areas_are_one_clear_problem(area: dict[str, object], expected: str) -> None:
    (message,) = problems(areas_yaml([area]))
    assert expected in message
    assert " / " in message


def test_an_empty_list_of_areas_is_refused() -> None:
    (message,) = problems("locality: {aliases: {}}\n" + SOURCES + "areas: []\n")
    assert message.startswith("areas: danh sách rỗng")


def test_a_unit_repeated_within_an_area_is_refused_but_not_across_areas() -> None:
    unit = {"name": "Công an", "chat": "-1"}
    text = areas_yaml(
        [
            {"name": "a", "title": "A", "places": [DAK_PXI], "units": [unit]},
            {"name": "b", "title": "B", "places": [DAK_MAR], "units": [unit, unit]},
        ]
    )
    (message,) = problems(text)
    assert "areas[1]: tên đơn vị 'Công an' bị trùng trong địa bàn 'b'" in message


def test_a_unit_of_an_area_follows_only_the_areas_topics() -> None:
    unit = {"name": "Du lịch", "chat": "-1", "topics": ["du lịch"]}
    ok = {"name": "a", "title": "A", "places": [DAK_PXI], "units": [unit]}
    ok["extra_topics"] = {"du lịch": ["homestay"]}
    parse_config(areas_yaml([ok]), "t.yaml", {})
    wrong = {"name": "b", "title": "B", "places": [DAK_MAR], "units": [unit]}
    (message,) = problems(areas_yaml([ok, wrong]))
    assert "areas[1]: đơn vị 'Du lịch' nhận lĩnh vực chưa khai báo: du lịch" in message


def test_unknown_places_name_their_area_and_index() -> None:
    text = areas_yaml(
        [
            {"name": "a", "title": "A", "places": [DAK_PXI]},
            {"name": "b", "title": "B", "places": [DAK_MAR, "Xã Đăk Pxy"]},
            {"name": "c", "title": "C", "places": ["Xã Đăk Long"]},
        ]
    )
    config = parse_config(text, "t.yaml", {}).config
    with pytest.raises(LocalityError) as caught:
        area_places(config)
    unknown, ambiguous = caught.value.problems
    assert unknown.startswith("areas[1].places[1]: không tìm thấy 'Xã Đăk Pxy'")
    assert "Xã Đăk Pxi" in unknown
    assert ambiguous.startswith("areas[2].places[0]: 'Xã Đăk Long' có ở nhiều nơi")


def test_two_areas_may_share_a_place() -> None:
    text = areas_yaml(
        [
            {"name": "xa", "title": "Xã", "places": [DAK_PXI]},
            {"name": "huyen", "title": "Huyện", "places": ["Huyện Đăk Hà, Tỉnh Kon Tum"]},
        ]
    )
    (_, xa), (_, huyen) = area_places(parse_config(text, "t.yaml", {}).config)
    assert xa.new_communes <= huyen.new_communes


def test_a_hundred_areas_load_and_resolve() -> None:
    places = new_communes("Tỉnh Quảng Ngãi", 92) + new_communes("Tỉnh Gia Lai", 8)
    assert len(set(places)) == 100
    areas = [{"name": f"xa-{i}", "title": p, "places": [p]} for i, p in enumerate(places)]
    config = parse_config(areas_yaml(areas), "t.yaml", {}).config
    resolved = area_places(config)
    union = tagged_area(config)
    assert len(resolved) == 100 and len(config.watch_areas()) == 100
    assert {c for _, a in resolved for c in a.new_communes} == set(union.new_communes)
    assert set(union.new_provinces) == {"Tỉnh Quảng Ngãi", "Tỉnh Gia Lai"}
