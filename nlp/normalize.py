"""Vietnamese text normalisation for gazetteer matching, with offsets back to the original text.

The matcher scans the normalised text; callers get spans in the text they passed in. Every step
but two keeps the length (lowercase, translate tables, length-preserving regex folds); the two
that do not (NFC composition of decomposed input, collapsing whitespace) record breakpoints, so
the offset map stays tiny for ordinary text.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field

_COMBINING = "\u0300-\u036f\u1dc0-\u1dff\u20d0-\u20ff"
_ZERO_WIDTH = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_SEPARATORS = "'’‘ʼʻ`´′-‐‑‒–—―−"

# Whitespace of every kind but " ", and the apostrophe/hyphen variants (H'Drai, H’Drai, H-Drai):
# each becomes one space (same length); runs of spaces are collapsed afterwards.
_WHITESPACE = "\t\n\r\v\f\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_SPACE_LIKE = re.compile(rf"[{_WHITESPACE}{re.escape(_SEPARATORS)}]")
_NEEDS_RESHAPE = re.compile(rf"[{_COMBINING}{_ZERO_WIDTH}]")
_RESHAPE = re.compile(rf"(?P<mark>.[{_COMBINING}]+)|(?P<space>  +)|(?P<zw>[{_ZERO_WIDTH}]+)", re.S)
_COLLAPSE = re.compile(r"(?P<space>  +)")

_TONED_A = "àáảãạ"
_TONED_E = "èéẻẽẹ"
_TONED_O = "òóỏõọ"
_TONED_U = "ùúủũụ"
_TONED_Y = "ỳýỷỹỵ"
# New-style placement (hoà, thuý, thuỵ) → old style (hòa, thúy, thụy), only at a syllable's end:
# "hoàng" and "quý" are spelled the same way in both styles.
_TONE_FOLD = {f"o{a}": f"{o}a" for a, o in zip(_TONED_A, _TONED_O, strict=True)}
_TONE_FOLD |= {f"o{e}": f"{o}e" for e, o in zip(_TONED_E, _TONED_O, strict=True)}
_TONE_FOLD |= {f"u{y}": f"{u}y" for y, u in zip(_TONED_Y, _TONED_U, strict=True)}
_TONE = re.compile(rf"(?:o[{_TONED_A}{_TONED_E}]|u[{_TONED_Y}])(?!\w)")

# Regional spellings of the same syllable (Đắk/Đak/Đắc/Đác → đăk, Ngọk → ngọc), same length, for
# every name of the country alike. "Dak" stays: it is the diacritic-free form, which
# strip_diacritics and the matcher handle as such. ("đắc cử" folds too, harmlessly: no name
# reads "Đăk Cử".)
_REGIONAL_FOLD = {
    "đắk": "đăk", "đak": "đăk", "dăk": "đăk", "đắc": "đăk", "đác": "đăk", "đăc": "đăk",
    "ngọk": "ngọc", "ngok": "ngoc",
}  # fmt: skip
_REGIONAL = re.compile(r"(?:đ[ắa]k|dăk|đ[ắáă]c|ng[ọo]k)(?!\w)")


def _strip_char(c: str) -> str:
    base = unicodedata.normalize("NFD", c)[0]
    return base if base.isascii() else c


_STRIP = str.maketrans(
    {
        c: _strip_char(c)
        for c in map(chr, [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)])
        if c.isalpha() and _strip_char(c) != c
    }
    | {"đ": "d", "Đ": "D"}
)


@dataclass(frozen=True)
class Normalized:
    """A normalised text and the map from its positions back to the original text.

    `breaks_norm[k]` → `breaks_orig[k]` are the points where the shift between the two texts
    changes; between breakpoints positions move together.
    """

    original: str
    text: str
    breaks_norm: tuple[int, ...] = field(default=(), repr=False)
    breaks_orig: tuple[int, ...] = field(default=(), repr=False)

    def to_original(self, pos: int) -> int:
        """Position in the original text of normalised position `pos` (0 … len(text))."""
        k = bisect_right(self.breaks_norm, pos) - 1
        if k < 0:
            return pos
        return self.breaks_orig[k] + pos - self.breaks_norm[k]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of normalised span [start, end)."""
        return self.to_original(start), self.to_original(end)

    def original_text(self, start: int, end: int) -> str:
        """The original text under normalised span [start, end)."""
        a, b = self.span(start, end)
        return self.original[a:b]


def normalize(text: str) -> Normalized:
    """NFC, lowercase, unified tone placement and regional spellings, one space between words.

    The Icelandic eth (Ð/ð), which legacy encoders put in place of Đ/đ, reads as đ.
    """
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    work = _SPACE_LIKE.sub(" ", lowered)
    if "ð" in work:
        work = work.replace("ð", "đ")
    breaks_norm: list[int] = []
    breaks_orig: list[int] = []
    if _NEEDS_RESHAPE.search(work):
        work = _reshape(_RESHAPE, work, breaks_norm, breaks_orig)
    elif "  " in work:
        work = _reshape(_COLLAPSE, work, breaks_norm, breaks_orig)
    work = _TONE.sub(_fold_tone, work)
    work = _REGIONAL.sub(_fold_regional, work)
    return Normalized(text, work, tuple(breaks_norm), tuple(breaks_orig))


def _fold_tone(m: re.Match[str]) -> str:
    start = m.start()
    if start > 0 and m.string[start - 1] == "q":
        return m.group()
    return _TONE_FOLD[m.group()]


def _fold_regional(m: re.Match[str]) -> str:
    start = m.start()
    if start > 0 and m.string[start - 1].isalnum():
        return m.group()
    return _REGIONAL_FOLD[m.group()]


def _reshape(
    pattern: re.Pattern[str], work: str, breaks_norm: list[int], breaks_orig: list[int]
) -> str:
    pieces: list[str] = []
    last = 0
    out_len = 0
    for m in pattern.finditer(work):
        pieces.append(work[last : m.start()])
        out_len += m.start() - last
        if m.lastgroup == "mark":
            new = unicodedata.normalize("NFC", m.group())
        elif m.lastgroup == "space":
            new = " "
        else:
            new = ""
        pieces.append(new)
        out_len += len(new)
        last = m.end()
        if len(new) != m.end() - m.start():
            breaks_norm.append(out_len)
            breaks_orig.append(m.end())
    pieces.append(work[last:])
    return "".join(pieces)


def strip_diacritics(text: str | Normalized) -> Normalized:
    """The normalised text without diacritics (đ → d), same length, same offsets."""
    norm = text if isinstance(text, Normalized) else normalize(text)
    plain = norm.text.translate(_STRIP)
    return Normalized(norm.original, plain, norm.breaks_norm, norm.breaks_orig)


def strip_text(text: str) -> str:
    """`text` without diacritics (đ → d), same length; no other change."""
    return text.translate(_STRIP)


def has_diacritics(text: str) -> bool:
    """Whether `text` (NFC) carries any Vietnamese diacritic or đ."""
    return text.translate(_STRIP) != text


def fold(name: str) -> str:
    """The normalised form of a short name, as gazetteer keys store it."""
    return normalize(name).text.strip()


def fold_plain(name: str) -> str:
    """The diacritic-free normalised form of a short name."""
    return strip_diacritics(name).text.strip()
