"""Normalisation: NFC, tone placement, spelling variants, and offsets into the original text."""

from __future__ import annotations

import unicodedata

import pytest

from nlp.normalize import Normalized, fold, has_diacritics, normalize, strip_diacritics


def _nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def test_nfd_input_becomes_nfc_lowercase() -> None:
    text = _nfd("Xã Đăk Pxi, Huyện Đăk Hà")
    assert len(text) > len("Xã Đăk Pxi, Huyện Đăk Hà")
    assert normalize(text).text == "xã đăk pxi, huyện đăk hà"


@pytest.mark.parametrize(
    ("new_style", "old_style"),
    [
        ("hoà", "hòa"),
        ("Thuý", "thúy"),
        ("Thuỵ", "thụy"),
        ("khoẻ", "khỏe"),
        ("HOÀ BÌNH", "hòa bình"),
    ],
)
def test_tone_placement_is_unified(new_style: str, old_style: str) -> None:
    assert normalize(new_style).text == normalize(old_style).text == old_style


@pytest.mark.parametrize("word", ["hoàng", "quý", "thuyết", "hoàn"])
def test_tone_placement_left_alone_where_both_styles_agree(word: str) -> None:
    assert normalize(word).text == word


@pytest.mark.parametrize(
    "variant", ["Ia H'Drai", "Ia H’Drai", "Ia H’ Drai", "Ia H-Drai", "IA H ' DRAI"]
)
def test_apostrophe_and_hyphen_variants(variant: str) -> None:
    assert normalize(variant).text == "ia h drai"


@pytest.mark.parametrize("variant", ["Đăk Hà", "Đắk Hà", "Đak Hà", "ĐẮK HÀ", _nfd("Đắk Hà")])
def test_dak_spellings_fold_together(variant: str) -> None:
    assert normalize(variant).text == "đăk hà"


def test_dak_without_diacritics_matches_after_stripping() -> None:
    assert strip_diacritics("Dak Ha").text == strip_diacritics("Đắk Hà").text == "dak ha"


def test_regional_spellings() -> None:
    assert normalize("Ngọk Réo").text == normalize("Ngọc Réo").text == "ngọc réo"
    assert normalize("Kon PLông").text == normalize("Kon Plông").text == "kon plông"
    assert strip_diacritics("Ngok Reo").text == "ngoc reo"


def test_regional_fold_respects_word_boundaries() -> None:
    assert normalize("Đắkxyz").text == "đắkxyz"
    assert normalize("Dakota").text == "dakota"


def test_whitespace_collapsed() -> None:
    assert normalize("Đăk \t\n  Hà\u00a0 huyện").text == "đăk hà huyện"


def test_zero_width_characters_removed() -> None:
    norm = normalize("Đăk\u200b Hà")
    assert norm.text == "đăk hà"
    start = norm.text.index("hà")
    assert norm.original_text(start, start + 2) == "Hà"


def _span_of(norm: Normalized, needle: str) -> str:
    start = norm.text.index(needle)
    return norm.original_text(start, start + len(needle))


def test_offsets_point_into_original_after_nfd_and_spaces() -> None:
    original = _nfd("Người dân   xã Hoà   Bình phản ánh,  huyện Đắk Hà (cũ)")
    norm = normalize(original)
    assert norm.text == "người dân xã hòa bình phản ánh, huyện đăk hà (cũ)"
    assert _span_of(norm, "hòa bình") == _nfd("Hoà   Bình")
    assert _span_of(norm, "đăk hà") == _nfd("Đắk Hà")
    assert norm.to_original(len(norm.text)) == len(original)
    assert norm.to_original(0) == 0


def test_offsets_identity_for_clean_text() -> None:
    original = "Xã Đăk Pxi, huyện Đăk Hà"
    norm = normalize(original)
    assert norm.breaks_norm == ()
    assert norm.span(3, 10) == (3, 10)
    assert original[3:10] == "Đăk Pxi"


def test_trailing_collapsed_spaces_map_to_original_end() -> None:
    norm = normalize("Đăk Hà   ")
    assert norm.text == "đăk hà "
    assert norm.to_original(len(norm.text)) == 9


def test_strip_diacritics_keeps_length_and_offsets() -> None:
    original = _nfd("Đồng bào ở  Đắk Tô")
    plain = strip_diacritics(original)
    norm = normalize(original)
    assert plain.text == "dong bao o dak to"
    assert len(plain.text) == len(norm.text)
    assert _span_of(plain, "dak to") == _nfd("Đắk Tô")


def test_strip_diacritics_accepts_normalized() -> None:
    assert strip_diacritics(normalize("Thuỵ Phương")).text == "thuy phuong"


def test_fold_and_has_diacritics() -> None:
    assert fold("  Xã  Đắk Pxi ") == "xã đăk pxi"
    assert has_diacritics("Đăk Hà")
    assert not has_diacritics("Dak Ha")


def test_eth_read_as_d_stroke() -> None:
    assert normalize("ÐĂK HÀ").text == normalize("ðăk hà").text == "đăk hà"
