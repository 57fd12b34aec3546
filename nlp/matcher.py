"""Candidate mentions: one Aho-Corasick pass over the normalised text, with word boundaries.

The automaton holds the diacritic-free form of every scanned gazetteer key and runs over the
diacritic-free text, so one pass finds both "Đăk Hà" and "Dak Ha"; each hit is then kept only
if the text's own letters agree with a key ("Hạ" does not match "Hà", "Ha" matches it loosely).
Which unit a candidate is remains for the resolver: this module only gathers evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import ahocorasick

from nlp.gazetteer import Gazetteer, Unit
from nlp.normalize import Normalized, normalize, strip_diacritics, strip_text

# Diacritic-free prefix as scanned → its canonical spelling; "tp" is the usual abbreviation,
# and with their dot "h." (H.Sa Thầy), "tx." and "tt." (TT.Đăk Hà).
_PREFIXES = {
    "thi xa": "thị xã",
    "thi tran": "thị trấn",
    "thanh pho": "thành phố",
    "dac khu": "đặc khu",
    "xa": "xã",
    "phuong": "phường",
    "huyen": "huyện",
    "tinh": "tỉnh",
    "quan": "quận",
    "tp": "thành phố",
    "h": "huyện",
    "tx": "thị xã",
    "tt": "thị trấn",
}
_ABBREVIATIONS = ("tp", "h", "tx", "tt")
# What the (normalised) prefix must look like: the canonical word, or the abbreviation itself.
_PREFIX_FORM = {
    plain: (plain if plain in _ABBREVIATIONS else word) for plain, word in _PREFIXES.items()
}
_PREFIX = re.compile(
    r"(?<!\w)(thi xa|thi tran|thanh pho|dac khu|xa|phuong|huyen|tinh|quan"
    r"|tp\.?|t\.p\.?|h\.|tx\.|tt\.) ?$"
)
_PREFIX_WINDOW = 11
_NON_WORD = re.compile(r"[^\w ]|_")
_OLD = re.compile(r" ?\( ?(cu) ?\)")
# "xã Đăk Long cũ", without brackets: read in the accented text ("cu" alone is many words).
_OLD_BARE = re.compile(r" cũ(?!\w)")


@dataclass(frozen=True)
class Candidate:
    """A gazetteer name found in a text, with the evidence around it.

    `start`/`end`/`text` are in the original text, `norm_start`/`norm_end` in the normalised one.
    `exact` is false when the text's diacritics differ from the key's (typed without them).
    """

    start: int
    end: int
    text: str
    norm_start: int
    norm_end: int
    key: str
    units: tuple[Unit, ...]
    exact: bool
    prefix: str | None = None
    prefix_start: int | None = None
    prefix_exact: bool = False
    old_marker: bool = False


@dataclass(frozen=True)
class _Agreement:
    keys: tuple[str, ...]
    exact: bool


_UNSEEN = _Agreement((), False)
_AGREEMENT_CACHE = 200_000


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    keys: tuple[str, ...]
    exact: bool


class Matcher:
    """Finds candidate mentions of a gazetteer's names in texts."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self._automaton = _automaton(gazetteer)
        self._units: dict[tuple[str, ...], tuple[Unit, ...]] = {}
        self._agreements: dict[tuple[str, str], _Agreement | None] = {}

    def find(self, text: str | Normalized) -> list[Candidate]:
        """Non-overlapping candidates (leftmost, then longest), in text order."""
        norm = text if isinstance(text, Normalized) else normalize(text)
        plain = strip_diacritics(norm).text
        hits = self._hits(norm.text, plain, plain != norm.text)
        hits.sort(key=lambda h: (h.start, h.start - h.end))
        chosen: list[_Hit] = []
        last_end = -1
        for hit in hits:
            if hit.start >= last_end:
                chosen.append(hit)
                last_end = hit.end
        return [self._candidate(norm, plain, hit) for hit in chosen]

    def _hits(self, norm: str, plain: str, accented: bool) -> list[_Hit]:
        """Whole-word hits whose letters agree with a key.

        The automaton's keys are framed by spaces and the scanned text has every non-word
        character turned into a space, so only whole words can match. In a text written with
        diacritics, a one-word name typed without them ("cho" for "Chợ", "lam" for "Lâm") is an
        ordinary word, not a name: only longer names match loosely there.
        """
        hits: list[_Hit] = []
        scan = f" {_NON_WORD.sub(' ', plain)} "
        for last, (plain_key, keys) in self._automaton.iter(scan):
            start = last - len(plain_key) - 1
            end = start + len(plain_key)
            surface = norm[start:end]
            agreement = self._agreements.get((surface, plain_key), _UNSEEN)
            if agreement is _UNSEEN:
                if len(self._agreements) > _AGREEMENT_CACHE:
                    self._agreements.clear()
                agreement = _agree(surface, plain_key, keys)
                self._agreements[(surface, plain_key)] = agreement
            if agreement is None or not (agreement.exact or not accented or " " in plain_key):
                continue
            hits.append(_Hit(start, end, agreement.keys, agreement.exact))
        return hits

    def _candidate(self, norm: Normalized, plain: str, hit: _Hit) -> Candidate:
        start, end = norm.span(hit.start, hit.end)
        units = self._units.get(hit.keys)
        if units is None:
            units = self._units[hit.keys] = self._union(hit.keys)
        prefix, prefix_start, prefix_exact = _prefix(norm, plain, hit.start)
        return Candidate(
            start=start,
            end=end,
            text=norm.original[start:end],
            norm_start=hit.start,
            norm_end=hit.end,
            key=hit.keys[0],
            units=units,
            exact=hit.exact,
            prefix=prefix,
            prefix_start=prefix_start,
            prefix_exact=prefix_exact,
            old_marker=(
                _OLD.match(plain, hit.end) is not None
                or _OLD_BARE.match(norm.text, hit.end) is not None
            ),
        )

    def _union(self, keys: tuple[str, ...]) -> tuple[Unit, ...]:
        if len(keys) == 1:
            return self.gazetteer.exact[keys[0]]
        units: dict[Unit, None] = {}
        for key in keys:
            units.update(dict.fromkeys(self.gazetteer.exact[key]))
        return tuple(units)


def _agree(surface: str, plain_key: str, keys: tuple[str, ...]) -> _Agreement | None:
    """The keys whose letters the surface agrees with, the exact one first."""
    if surface == plain_key:
        return _Agreement(keys, surface in keys)
    agreeing = tuple(k for k in keys if _compatible(surface, k, plain_key))
    if not agreeing:
        return None
    if surface in agreeing:
        return _Agreement((surface, *(k for k in agreeing if k != surface)), True)
    return _Agreement(agreeing, False)


def _compatible(surface: str, key: str, plain: str) -> bool:
    """Each letter is the key's letter or that letter without its diacritics (`plain`)."""
    return all(a in (b, p) for a, b, p in zip(surface, key, plain, strict=True))


def _prefix(norm: Normalized, plain: str, start: int) -> tuple[str | None, int | None, bool]:
    begin = max(0, start - _PREFIX_WINDOW)
    m = _PREFIX.search(plain, begin, start)
    if m is None or (m.start() == begin and begin > 0 and plain[begin - 1].isalnum()):
        return None, None, False
    word = m.group(1).replace(".", "")
    canonical = _PREFIXES[word]
    surface = norm.text[m.start(1) : m.end(1)].replace(".", "")
    form = _PREFIX_FORM[word]
    exact = surface == form
    if not exact and not _compatible_prefix(surface, form):
        return None, None, False
    return canonical, norm.to_original(m.start(1)), exact


def _compatible_prefix(surface: str, canonical: str) -> bool:
    return len(surface) == len(canonical) and _compatible(surface, canonical, strip_text(canonical))


@cache
def _automaton(gazetteer: Gazetteer) -> ahocorasick.Automaton:
    by_plain: dict[str, list[str]] = {}
    for key in sorted(gazetteer.scan_keys):
        by_plain.setdefault(strip_text(key), []).append(key)
    automaton = ahocorasick.Automaton()
    for plain_key, keys in by_plain.items():
        automaton.add_word(f" {plain_key} ", (plain_key, tuple(keys)))
    automaton.make_automaton()
    return automaton
