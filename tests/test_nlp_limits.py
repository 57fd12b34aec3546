"""The tagger on hostile texts: caps on what one text may cost (characters, names, NER readings),
said in `reasons` and the log, and the linear scans that replace quadratic regexes. Speed itself
is measured by bench/locate.py, never here."""

from __future__ import annotations

import logging
import random
import re
from dataclasses import replace

import pytest

import nlp.resolve
from bench.locate import dense_text
from nlp import tone
from nlp.locate import MAX_MENTIONS, MAX_TEXT_CHARS, Locator
from nlp.ner import SENTENCE_REACH, sentence_around


@pytest.fixture(scope="module")
def locator() -> Locator:
    return Locator.build("Tỉnh Kon Tum", "Huyện Đăk Hà")


def test_a_long_dense_text_is_examined_up_to_the_caps(
    locator: Locator, caplog: pytest.LogCaptureFixture
) -> None:
    text = dense_text(locator, 3 * MAX_TEXT_CHARS)
    with caplog.at_level(logging.WARNING, logger="nlp.locate"):
        result = locator.locate(text, 7)
    assert result["relevant"] and result["tone"] == "negative"
    assert max(m["end"] for m in result["mentions"]) <= MAX_TEXT_CHARS
    notes = [r for r in result["reasons"] if r.startswith("Giới hạn")]
    assert len(notes) == 2
    assert f"bài dài {len(text):,} ký tự".replace(",", ".") in notes[0]
    assert f"chỉ xét {MAX_MENTIONS:,} địa danh đầu".replace(",", ".") in notes[1]
    assert "Bài 7: Giới hạn: chỉ xét" in caplog.text


def test_caps_keep_the_first_part_and_say_what_was_left(locator: Locator) -> None:
    small = replace(locator, max_text_chars=400, max_mentions=5)
    text = dense_text(locator, 2000)
    result = small.locate(text)
    assert max(m["end"] for m in result["mentions"]) <= 400
    notes = [r for r in result["reasons"] if r.startswith("Giới hạn")]
    assert notes[0].startswith("Giới hạn: chỉ xét ") and "ký tự đầu" in notes[0]
    assert "chỉ xét 5 địa danh đầu trong" in notes[1]
    assert len(result["mentions"]) <= 5
    assert not [r for r in locator.locate(text)["reasons"] if r.startswith("Giới hạn")]


def test_ner_reads_at_most_the_cap_of_sentences(
    locator: Locator, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = nlp.resolve.reading

    def counting(text: str, start: int, end: int) -> nlp.resolve.Reading:
        calls.append(start)
        return real(text, start, end)

    monkeypatch.setattr(nlp.resolve, "reading", counting)
    text = "Tin vùng cao\n" + " ".join(
        f"Cháy rẫy cà phê ở Hà Mòn lần thứ {i}, thiệt hại lớn." for i in range(12)
    )
    result = replace(locator, max_ner_readings=3).locate(text)
    assert len(calls) == 3
    assert any("9 địa danh không kèm tên tỉnh" in r for r in result["reasons"])
    assert {m["rule"] for m in result["mentions"]} == {"ner", "bare"}


def test_ner_sees_a_bounded_window_of_a_sentence_without_full_stops() -> None:
    text = "mưa " * 3000 + "ở Hà Mòn " + "gió " * 3000
    start = text.index("Hà Mòn")
    offset, sentence = sentence_around(text, start, start + 6)
    assert text[offset : offset + len(sentence)] == sentence
    assert "Hà Mòn" in sentence and len(sentence) <= 2 * SENTENCE_REACH + 6
    assert sentence.startswith("mưa ") and sentence.endswith("gió")
    short = "Trời mưa. Cháy ở Hà Mòn, thiệt hại lớn! Sau đó"
    at = short.index("Hà Mòn")
    assert sentence_around(short, at, at + 6) == (9, " Cháy ở Hà Mòn, thiệt hại lớn!")


_QUOTED = re.compile(r"“[^”¶]*”|\"[^\"¶]*\"|«[^»¶]*»")  # what tone's quote scanner must find
_SENTENCE_END = re.compile(r"[.!?…;]+(?=\s|¶|$)|¶")  # the old pattern, quadratic on "....."


def test_quote_and_sentence_scanners_find_what_the_regexes_find() -> None:
    rng = random.Random(3)
    marks = list('“”"«»¶.!?…; a')
    for _ in range(5000):
        text = "".join(rng.choice(marks) for _ in range(rng.randrange(40)))
        assert tone._quoted(text) == [(m.start(), m.end()) for m in _QUOTED.finditer(text)]
        assert [m.span() for m in tone._SENTENCE_END.finditer(text)] == [
            m.span() for m in _SENTENCE_END.finditer(text)
        ]


TITLE = "Phá rừng ở xã Đăk Pxi, huyện Đăk Hà\n"  # a watched place: tone is read too


@pytest.mark.parametrize(
    "body",
    [
        "“mở ngoặc " * 30_000,  # quotes never closed, on one long line
        "." * 300_000 + "x",  # a run of dots not ending a sentence
        "Đăk Hà phá rừng " * 20_000,  # every tone word near a mention
    ],
)
def test_hostile_texts_are_tagged(locator: Locator, body: str) -> None:
    """Each ran for minutes before the caps and the linear scans (quadratic in the length)."""
    result = locator.locate(TITLE + body)
    assert result["relevant"] and result["tone"] == "negative"
    assert any(r.startswith("Giới hạn: chỉ xét") for r in result["reasons"])
