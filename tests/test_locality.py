"""`locality` in config.yaml: `places` or the shorthand `province` + `district`, the errors a wrong
place gives (bilingual, exit 2, with the closest names), and the keyword-search queries."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from duluan.config import ConfigError, Locality, load_config, parse_config
from duluan.locality import (
    QUERY_WORDS,
    SEPARATE_QUERIES,
    LocalityError,
    _searched,
    search_queries,
    watch_area,
    words,
)
from nlp.area import SUGGESTED_PROBLEMS, district_area

ROOT = Path(__file__).resolve().parent.parent
SOURCES = "sources: [{name: x, title: X, feeds: ['https://x.vn/rss']}]\n"


def locality(text: str) -> Locality:
    return parse_config(f"locality: {text}\n{SOURCES}", "t.yaml", {}).config.locality


def config_problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(f"locality: {text}\n{SOURCES}", "t.yaml", {})
    return caught.value.problems


def area_problems(places: list[str]) -> list[str]:
    with pytest.raises(LocalityError) as caught:
        watch_area(Locality(places=places))
    return caught.value.problems


def test_places_and_the_shorthand_give_the_same_area() -> None:
    shorthand = locality("{province: Tỉnh Kon Tum, district: Huyện Đăk Hà}")
    places = locality("{places: ['Huyện Đăk Hà, Tỉnh Kon Tum']}")
    assert shorthand.place_names == places.place_names == ("Huyện Đăk Hà, Tỉnh Kon Tum",)
    assert (
        watch_area(shorthand) == watch_area(places) == district_area("Tỉnh Kon Tum", "Huyện Đăk Hà")
    )
    assert search_queries(shorthand) == search_queries(places)


def test_the_shipped_config_keeps_its_district() -> None:
    config = load_config(ROOT / "config.yaml", {}).config
    assert config.locality.places is None
    area = watch_area(config.locality)
    assert area.districts == {("Tỉnh Kon Tum", "Huyện Đăk Hà")}
    queries = search_queries(config.locality)
    assert len(queries) == 13  # the district, its 11 old communes, new Xã Đăk Hà (one each)
    assert queries[0].startswith('"Đăk Hà" OR "Đắk Hà"') and "(" not in queries[0]
    assert queries[6] == (
        '("Đăk Pxi" OR "Đắk Pxi" OR "Đăk Psi" OR "Đắk Psi" OR "Dak Pxi" OR "Cây đa cười") '
        '("Kon Tum" OR "Quảng Ngãi")'
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{places: []}", "danh sách rỗng"),
        ("{places: 'Xã Đăk Pxi'}", "phải là danh sách"),
        ("{places: ['Xã Đăk Pxi', '  ']}", "places[1]: '  ' không phải tên đơn vị"),
        ("{places: [Xã Đăk Pxi], district: Huyện Đăk Hà}", "không cả hai"),
        ("{province: Tỉnh Kon Tum}", "locality.district: thiếu khóa bắt buộc"),
        ("{district: Huyện Đăk Hà}", "locality.province: thiếu khóa bắt buộc"),
    ],
)
def test_hostile_locality_is_one_clear_problem(text: str, expected: str) -> None:
    (message,) = config_problems(text)
    assert expected in message and " / " in message


def test_an_unknown_place_names_the_key_and_the_closest_names() -> None:
    (message,) = area_problems(["Xã Đăk Pxi, Tỉnh Quảng Ngãi", "Xa Mo Rai"])
    assert message.startswith("locality.places[1]: không tìm thấy 'Xa Mo Rai'")
    assert "is not in underthesea's administrative data" in message
    assert "closest names: 'Xã Mô Rai, Tỉnh Kon Tum', 'Xã Mô Rai'" in message


def test_an_ambiguous_place_lists_what_to_write() -> None:
    (message,) = area_problems(["Xã Đăk Long"])
    assert message.startswith("locality.places[0]: 'Xã Đăk Long' có ở nhiều nơi")
    assert "'Xã Đăk Long, Huyện Đăk Hà'" in message and "'Xã Đăk Long, Tỉnh Quảng Ngãi'" in message
    assert "names several units" in message
    (many,) = area_problems(["Xã Tân Lập"])
    assert re.search(r"\(và \d+ nơi khác\)", many) and re.search(r"\(and \d+ more\)", many)


def test_duplicates_and_unknown_qualifiers() -> None:
    duplicate, qualifier = area_problems(
        ["Xã Đăk Pxi", "Xã Đăk Pxi, Tỉnh Quảng Ngãi", "Xã Mô Rai, Tỉnh Kon Tumm"]
    )
    assert duplicate.startswith("locality.places[1]: 'Xã Đăk Pxi, Tỉnh Quảng Ngãi' trùng với")
    assert qualifier.startswith("locality.places[2]: 'Tỉnh Kon Tumm' trong")
    assert "closest names: 'Tỉnh Kon Tum'" in qualifier


def test_the_shorthand_names_its_district_key() -> None:
    with pytest.raises(LocalityError) as caught:
        watch_area(Locality(province="Tỉnh Kon Tum", district="Huyện Đak Hạ"))
    (message,) = caught.value.problems
    assert message.startswith("locality.district: không tìm thấy 'Huyện Đak Hạ, Tỉnh Kon Tum'")
    assert "'Huyện Đăk Hà'" in message


def test_ten_thousand_wrong_places_make_a_bounded_message() -> None:
    lines = area_problems([f"Xã Không Có Số {i}" for i in range(10_000)])
    assert len(lines) == SUGGESTED_PROBLEMS + 1
    assert lines[-1] == (
        f"locality.places: và {10_000 - SUGGESTED_PROBLEMS:,} địa danh khác cũng sai / "
        f"and {10_000 - SUGGESTED_PROBLEMS:,} more wrong places"
    ).replace(",", ".", 1)


def test_config_check_exits_2_with_the_suggestion(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(f"locality: {{places: ['Xã Đăk Pxy']}}\n{SOURCES}", encoding="utf-8")
    env = {
        "PATH": "/usr/bin:/bin",
        "DULUAN_CONFIG": str(config),
        "DULUAN_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
    }
    done = subprocess.run(
        [sys.executable, "-m", "duluan", "config", "check"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert "locality.places[0]: không tìm thấy 'Xã Đăk Pxy'" in done.stderr
    assert "'Xã Đăk Pxi'" in done.stderr


def test_words_are_counted_as_google_counts_them() -> None:
    assert words('("Đăk Pxi" OR "Đắk Pxi") ("Kon Tum" OR "Quảng Ngãi")') == 10
    assert words('"Sa Thầy"') == 2


def test_a_small_area_keeps_one_query_per_place() -> None:
    area = Locality(places=["Xã Đăk Pxi, Tỉnh Quảng Ngãi", "Xã Sa Thầy, Tỉnh Quảng Ngãi"])
    queries = search_queries(area)
    assert queries == [
        '("Đăk Pxi" OR "Đắk Pxi") ("Kon Tum" OR "Quảng Ngãi")',
        '("Đăk Long" OR "Đắk Long") ("Kon Tum" OR "Quảng Ngãi")',
        '("Sa Thầy") ("Kon Tum" OR "Quảng Ngãi")',
        '("Sa Nhơn") ("Kon Tum" OR "Quảng Ngãi")',
        '("Sa Sơn") ("Kon Tum" OR "Quảng Ngãi")',
    ]  # old Thị trấn Sa Thầy and new Xã Sa Thầy are one search


def test_a_province_is_packed_within_googles_word_limit() -> None:
    place = Locality(places=["Tỉnh Quảng Ngãi"])
    searched = _searched(watch_area(place), place)
    assert len(searched) > SEPARATE_QUERIES
    queries = search_queries(place)
    print(f"{len(searched)} places in {len(queries)} queries")
    assert len(queries) < len(searched) / 3
    assert all(words(q) <= QUERY_WORDS for q in queries)
    for one in searched:  # every place, its spellings together, in a query of its provinces
        spelled = " OR ".join(f'"{n}"' for n in one.spellings)
        where = " OR ".join(f'"{p}"' for p in one.where)
        assert any(
            re.search(rf"(^|\(| OR ){re.escape(spelled)}( OR |\)|$)", q)
            and (q.endswith(f") ({where})") if one.where else "(" not in q)
            for q in queries
        ), one
    assert '"Lý Sơn"' in queries[0] and '"Kon Tum"' in queries[0]  # provinces, districts first


def test_a_place_longer_than_the_limit_is_never_split() -> None:
    long = [f"Tên khác số {i}" for i in range(12)]  # 48 words of aliases alone
    place = Locality(places=["Tỉnh Kon Tum"], aliases={"Xã Mô Rai": long})
    queries = search_queries(place)
    (alone,) = [q for q in queries if "Tên khác số 0" in q]
    assert all(f'"{name}"' in alone for name in long)
    assert alone.startswith('("Mô Rai" OR "Tên khác số 0"') and words(alone) > QUERY_WORDS
    others = [q for q in queries if q != alone]
    assert all(words(q) <= QUERY_WORDS for q in others)
