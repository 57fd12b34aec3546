"""Candidate mentions: automaton hits with word boundaries, prefixes, "(cũ)" and offsets."""

from __future__ import annotations

import unicodedata

import pytest

from nlp.gazetteer import Gazetteer
from nlp.matcher import Candidate, Matcher
from nlp.normalize import normalize


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(
        Gazetteer.build("Tỉnh Kon Tum", "Huyện Đăk Hà", {"Thành phố Kon Tum": ["TP Kon Tum"]})
    )


def _by_key(candidates: list[Candidate], key: str) -> Candidate:
    found = [c for c in candidates if c.key == key]
    assert len(found) == 1, [c.key for c in candidates]
    return found[0]


def _watched(candidate: Candidate) -> set[str]:
    return {u.name for u in candidate.units if u.in_watch_area}


def test_prefixed_mentions_with_original_offsets(matcher: Matcher) -> None:
    text = "Sáng 3/5, UBND xã Đăk Pxi, huyện Đắk Hà đã họp."
    found = matcher.find(text)
    assert [c.text for c in found] == ["Đăk Pxi", "Đắk Hà"]
    pxi, district = found
    assert (pxi.start, pxi.end) == (18, 25)
    assert text[pxi.start : pxi.end] == "Đăk Pxi"
    assert pxi.prefix == "xã" and pxi.prefix_exact
    assert text[pxi.prefix_start or 0 :].startswith("xã Đăk Pxi")
    assert _watched(pxi) == {"Xã Đăk Pxi"}
    assert district.prefix == "huyện"
    assert district.key == "đăk hà" and district.exact
    assert {u.name for u in district.units if u.in_watch_area} == {
        "Huyện Đăk Hà",
        "Thị trấn Đăk Hà",
        "Xã Đăk Hà",
    }


def test_offsets_in_nfd_original(matcher: Matcher) -> None:
    text = unicodedata.normalize("NFD", "Người dân  thị trấn Đắk Hà (cũ) phản ánh")
    (candidate,) = matcher.find(text)
    assert candidate.text == text[candidate.start : candidate.end]
    assert unicodedata.normalize("NFC", candidate.text) == "Đắk Hà"
    assert candidate.prefix == "thị trấn"
    assert text[candidate.prefix_start or 0 :].startswith(unicodedata.normalize("NFD", "thị trấn"))
    assert candidate.old_marker


def test_accepts_a_normalized_text(matcher: Matcher) -> None:
    norm = normalize("xã Hà Mòn")
    (candidate,) = matcher.find(norm)
    assert (candidate.start, candidate.end, candidate.norm_start) == (3, 9, 3)


@pytest.mark.parametrize(
    "text",
    ["Ông đi Đăk Hàn", "Đăk Hàx", "ỡĐăk Hà", "Đăk Hà2", "xHà Mòn", "Hà Mònờ"],
)
def test_word_boundaries(matcher: Matcher, text: str) -> None:
    assert not any(c.key in ("đăk hà", "hà mòn") for c in matcher.find(text))


@pytest.mark.parametrize("text", ["Đăk Hà.", "(Đăk Hà)", "“Đăk Hà”", "Đăk Hà,x", "Đăk Hà"])
def test_punctuation_is_a_boundary(matcher: Matcher, text: str) -> None:
    assert [c.key for c in matcher.find(text)] == ["đăk hà"]


def test_no_diacritics_matching(matcher: Matcher) -> None:
    text = "Nguoi dan xa Dak Long, huyen Dak Ha phan anh"
    found = matcher.find(text)
    long_, district = (c for c in found if c.text in ("Dak Long", "Dak Ha"))
    assert not long_.exact and not district.exact
    assert long_.prefix == "xã" and not long_.prefix_exact
    assert district.prefix == "huyện"
    assert "Xã Đăk Long" in _watched(long_)
    assert "Huyện Đăk Hà" in _watched(district)
    assert text[district.start : district.end] == "Dak Ha"


def test_mixed_diacritics_match_loosely(matcher: Matcher) -> None:
    (candidate,) = [c for c in matcher.find("ở Dak Hà hôm qua") if c.text == "Dak Hà"]
    assert not candidate.exact
    assert "Huyện Đăk Hà" in _watched(candidate)


def test_other_diacritics_do_not_match(matcher: Matcher) -> None:
    assert not any(c.key == "đăk hà" for c in matcher.find("Đăk Hạ và Đắk Hả"))


@pytest.mark.parametrize(
    "variant", ["Ia H'Drai", "Ia H’Drai", "Ia H’ Drai", "Ia H-Drai", "IA H'DRAI"]
)
def test_hdrai_variants(matcher: Matcher, variant: str) -> None:
    text = f"huyện {variant} giáp Campuchia"
    (candidate,) = [c for c in matcher.find(text) if c.key == "ia h drai"]
    assert candidate.text == variant
    assert candidate.prefix == "huyện"
    assert "Huyện Ia H'Drai" in {u.name for u in candidate.units}


@pytest.mark.parametrize(
    ("text", "prefix"),
    [
        ("TP. Kon Tum", "thành phố"),
        ("TP.Kon Tum", "thành phố"),
        ("tp Buôn Ma Thuột", "thành phố"),
        ("Thành phố Kon Tum", "thành phố"),
        ("tỉnh Kon Tum", "tỉnh"),
        ("thị xã Buôn Hồ", "thị xã"),
        ("quận Kon Tum", "quận"),
        ("phường Kon Tum", "phường"),
        ("Kon Tum", None),
        ("ấpxã Kon Tum", None),
    ],
)
def test_prefixes(matcher: Matcher, text: str, prefix: str | None) -> None:
    candidate = matcher.find(text)[-1]
    assert candidate.prefix == prefix
    if prefix is not None:
        assert candidate.prefix_start == 0


def test_far_word_is_not_xa_prefix_with_other_diacritics(matcher: Matcher) -> None:
    (candidate,) = matcher.find("xá Kon Tum")
    assert candidate.prefix is None


def test_old_marker(matcher: Matcher) -> None:
    text = "xã Đăk La, huyện Đăk Hà ( cũ ), nay là xã Đăk Hà"
    marks = [(c.text, c.old_marker) for c in matcher.find(text)]
    assert marks == [("Đăk La", False), ("Đăk Hà", True), ("Đăk Hà", False)]


def test_name_in_two_provinces_is_one_candidate_with_both(matcher: Matcher) -> None:
    (candidate, province) = matcher.find("xã Tân Lập, tỉnh Phú Thọ")
    provinces = {u.province for u in candidate.units if u.level == "commune"}
    assert {"Tỉnh Kon Tum", "Tỉnh Phú Thọ"} <= provinces
    assert province.prefix == "tỉnh"
    assert any(u.name == "Tỉnh Phú Thọ" for u in province.units)


def test_longest_match_wins(matcher: Matcher) -> None:
    found = matcher.find("Kon Plông")
    assert [c.key for c in found] == ["kon plông"]


def test_alias_is_scanned(matcher: Matcher) -> None:
    candidates = matcher.find("Người dân TP Kon Tum")
    assert candidates[0].key == "tp kon tum"
    assert {u.name for u in candidates[0].units} == {"Thành phố Kon Tum"}


def test_tone_placement_matches(matcher: Matcher) -> None:
    found = matcher.find("phường Hoà Bình và xã Hòa Bình")
    assert [c.key for c in found] == ["hòa bình", "hòa bình"]
    assert found[0].text == "Hoà Bình"


def test_new_and_old_names_both_found(matcher: Matcher) -> None:
    found = matcher.find("xã Ngọk Wang (cũ) nay thuộc xã Ngọk Réo, tỉnh Quảng Ngãi")
    assert [c.text for c in found] == ["Ngọk Wang", "Ngọk Réo", "Quảng Ngãi"]
    assert found[0].old_marker
    assert {u.level for u in found[1].units if u.in_watch_area} == {"commune", "new_commune"}


def test_empty_text(matcher: Matcher) -> None:
    assert matcher.find("") == []


def test_one_word_names_without_diacritics_only_in_plain_texts(matcher: Matcher) -> None:
    assert not any(c.text == "cho" for c in matcher.find("Tỉnh hỗ trợ cho người dân"))
    assert any(c.text == "cho" and not c.exact for c in matcher.find("tinh ho tro cho nguoi dan"))
    assert [c.text for c in matcher.find("Người dân xã Dak Pxi")] == ["Dak Pxi"]


def test_exact_diacritics_exclude_other_names_with_the_same_letters(matcher: Matcher) -> None:
    (candidate,) = matcher.find("huyện Đăk Hà")
    assert "Xã Đắk Ha" not in {u.name for u in candidate.units}
    (loose,) = matcher.find("huyen Dak Ha")
    assert {"Xã Đắk Ha", "Huyện Đăk Hà"} <= {u.name for u in loose.units}
