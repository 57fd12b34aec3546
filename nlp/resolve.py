"""Resolution: which administrative unit each candidate mention is, or none, and why.

Evidence, strongest first: the administrative prefix (xã, huyện, tỉnh…), a district or province
named right after it ("xã Đăk Long, huyện Đăk Glei"), the provinces the article names anywhere,
and how many places in the country share the name. Names that are also streets, people or
common words never count on their own. (underthesea's NER on the sentences that still need it is
the next step; see the notes of the tagger issue.)
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from nlp.gazetteer import Gazetteer, Unit, bare_name
from nlp.matcher import Candidate
from nlp.ner import reading

PREFIX_LEVELS = {
    "xã": {"commune", "new_commune"},
    "phường": {"commune", "new_commune"},
    "thị trấn": {"commune"},
    "huyện": {"district"},
    "quận": {"district"},
    "thị xã": {"district"},
    "thành phố": {"district", "province", "new_province"},
    "tỉnh": {"province", "new_province"},
}
# Names of units that are also streets, people or common words: never a place on their own.
COMMON_NAMES = frozenset(
    {
        "quang trung", "lê lợi", "thống nhất", "đoàn kết", "hòa bình", "tân lập", "trần hưng đạo",
        "nguyễn huệ", "lê hồng phong", "hùng vương", "phan đình phùng", "độc lập", "tự do",
        "quyết thắng", "thắng lợi", "tân tiến", "hợp nhất", "an bình", "bình minh", "trung tâm",
        "chiến thắng", "hòa thuận", "hồng hà", "kim đồng", "lý thường kiệt", "hoàng văn thụ",
        "trường chinh", "tân bình", "phú hòa", "thành công", "duy tân", "ngô mây",
    }
)  # fmt: skip
_NOT_A_PLACE_BEFORE = re.compile(
    r"(?:đường|phố|ông|bà|anh|chị|em|cháu|cụ|em|tên|hiệu|chợ|cầu|trường|sông|suối|hồ|đèo|núi|"
    r"thôn|làng|bản|tổ|khu|dự án|công ty|nhà máy|thủy điện|tòa|bệnh viện)\s*$",
    re.IGNORECASE,
)
_TAIL_GAP = re.compile(r"^[\s,;(–-]*(?:thuộc|của|nay là|nay thuộc|trước đây thuộc)?[\s,(]*$")
NEAR_CHARS = 40
MAX_SHARED = 4
# NER costs about ten milliseconds a sentence: a text gets at most this many readings (real
# articles need three at most); the bare names past it keep the rules' verdict alone.
MAX_NER_READINGS = 10


@dataclass(frozen=True)
class Resolved:
    """A candidate resolved to units (one, or the old and new names of one place)."""

    candidate: Candidate
    units: tuple[Unit, ...]
    rule: str
    confidence: float


@dataclass(frozen=True)
class Resolution:
    """What `resolve_all` found, and how many bare names went without NER's reading because
    the text had already used its `MAX_NER_READINGS`."""

    found: list[Resolved]
    ner_skipped: int = 0


def resolve(text: str, candidates: Sequence[Candidate], gazetteer: Gazetteer) -> list[Resolved]:
    """The candidates that are places, each with its units and the rule that decided."""
    return resolve_all(text, candidates, gazetteer).found


def resolve_all(
    text: str,
    candidates: Sequence[Candidate],
    gazetteer: Gazetteer,
    ner_readings: int = MAX_NER_READINGS,
) -> Resolution:
    """`resolve`, with at most `ner_readings` NER readings, saying how many it went without.

    Every step is linear in the candidates (or n log n): a long text of dense names costs in
    proportion to its length."""
    named = _provinces_named(candidates)
    ours = {gazetteer.province, *gazetteer.new_provinces}
    context_ours = bool(named & ours)
    context_other = bool(named - ours)
    province = gazetteer.province
    districts = _districts_named(text, candidates)
    starts = [c.start for c in candidates]
    readings = skipped = 0
    found: list[Resolved] = []
    for index, candidate in enumerate(candidates):
        units = _by_prefix(candidate)
        if not units:
            continue
        rule, confidence = ("prefixed", 0.9) if candidate.prefix else ("bare", 0.7)
        before = text[max(0, candidate.start - 25) : candidate.start]
        if not candidate.prefix:
            if bare_name(candidate.units[0].name).casefold() in COMMON_NAMES:
                continue
            if _NOT_A_PLACE_BEFORE.search(before):
                continue
        narrowed = _by_following(text, candidates, index, units)
        if narrowed is not units:
            units, rule, confidence = narrowed, "qualified", 0.97
        if not units:
            continue
        units = _by_districts(units, districts)
        watched = tuple(u for u in units if of_province(u, province))
        others = tuple(u for u in units if not of_province(u, province))
        if watched and others:
            if context_ours or not context_other:
                units = watched
                confidence -= 0.0 if context_ours else 0.15
            else:
                units = others
        elif watched and not candidate.prefix and context_other and not context_ours:
            confidence -= 0.2
        if not candidate.prefix:
            units = _highest_level(units)
            # A bare name shared by an old and a post-2025 unit (or by two provinces) is too
            # uncertain alone: "Măng Đen" the town, the new commune, or the tourist area?
            if len({_place_province(u) for u in units}) > 1 or len(units) > MAX_SHARED:
                continue
            if not context_ours and len(gazetteer.lookup(candidate.text)) > 2:
                continue
            if not candidate.exact and not context_ours:
                continue  # typed without diacritics, bare, no province named: too weak
            if all(u.in_watch_area for u in units) and len(gazetteer.lookup(candidate.text)) <= 2:
                confidence += 0.05  # a name only the watched district has (old and new)
            if not context_ours and any(u.in_watch_area for u in units):
                if readings < ner_readings:
                    readings += 1
                    seen = reading(text, candidate.start, candidate.end)
                else:
                    skipped += 1
                    seen = "NONE"
                if seen == "PER":
                    continue
                rule, confidence = (
                    ("ner", confidence + 0.1) if seen == "LOC" else (rule, confidence)
                )
        if _in_long_list(starts, index):
            confidence -= 0.1
        units = _old_or_new(units, candidate, named, ours)
        if not candidate.exact:
            confidence -= 0.1
        found.append(Resolved(candidate, units, rule, round(max(confidence, 0.0), 2)))
    return Resolution(_by_company(found), skipped)


def _by_company(found: list[Resolved]) -> list[Resolved]:
    """A name still shared by units of several districts keeps those of the districts its
    unambiguous neighbours in the text belong to ("xã Đăk Long" beside "xã Đăk Pxi")."""
    settled: set[str] = set()
    for r in found:
        if len(r.units) == 1:
            unit = r.units[0]
            settled.update(d for d in (unit.district, *unit.districts) if d)
    return [
        Resolved(r.candidate, _by_districts(r.units, settled), r.rule, r.confidence)
        if len(r.units) > 1
        else r
        for r in found
    ]


LIST_SPAN = 200
LIST_SIZE = 8


def _in_long_list(starts: Sequence[int], index: int) -> bool:
    """A name among many others close by (a list of forty places) says less about the text.
    `starts` are the candidates' starts, in text order (two bisections, not a count of all)."""
    here = starts[index]
    close = bisect_right(starts, here + LIST_SPAN) - bisect_left(starts, here - LIST_SPAN)
    return close > LIST_SIZE


def _provinces_named(candidates: Sequence[Candidate]) -> set[str]:
    names: set[str] = set()
    for candidate in candidates:
        if candidate.prefix not in (None, "tỉnh", "thành phố"):
            continue
        for unit in candidate.units:
            if unit.level in ("province", "new_province"):
                names.add(unit.name)
    return names


def _by_prefix(candidate: Candidate) -> tuple[Unit, ...]:
    """Units the prefix allows: "thị trấn Đăk Hà" is the town, not "Xã Đăk Hà" elsewhere."""
    if candidate.prefix is None:
        return candidate.units
    levels = PREFIX_LEVELS.get(candidate.prefix, set())
    kept = tuple(u for u in candidate.units if u.level in levels)
    same = tuple(u for u in kept if u.name.casefold().startswith(candidate.prefix + " "))
    return same or kept


def _districts_named(text: str, candidates: Sequence[Candidate]) -> set[str]:
    """Old districts the text names with their prefix ("huyện Đăk Glei")."""
    return {
        u.name
        for c in candidates
        if c.prefix in ("huyện", "thành phố", "thị xã")
        for u in c.units
        if u.level == "district"
    }


def _by_districts(units: tuple[Unit, ...], districts: set[str]) -> tuple[Unit, ...]:
    """Of several same-named units, those in a district the text names, if any."""
    if len(units) < 2 or not districts:
        return units
    kept = tuple(
        u
        for u in units
        if u.name in districts or u.district in districts or bool(set(u.districts) & districts)
    )
    return kept or units


def _by_following(
    text: str, candidates: Sequence[Candidate], index: int, units: tuple[Unit, ...]
) -> tuple[Unit, ...]:
    """Narrow by the district or province named right after ("…, huyện Đăk Glei")."""
    current = candidates[index]
    end = current.end
    narrowed = units
    for nxt in candidates[index + 1 : index + 3]:
        gap = text[end : nxt.prefix_start if nxt.prefix_start is not None else nxt.start]
        if len(gap) > NEAR_CHARS or not _TAIL_GAP.match(gap):
            break
        lowest = min(_RANK[u.level] for u in narrowed)
        parents = [u for u in nxt.units if _RANK[u.level] < lowest]
        if nxt.prefix in ("xã", "phường", "thị trấn") or not parents:
            break  # the next name is a sibling in a list ("huyện A, huyện B"), not a parent
        kept = tuple(u for u in narrowed if any(_within(u, p) for p in parents))
        if not kept:
            return ()
        narrowed = kept
        end = nxt.end
    return narrowed


def _place_province(unit: Unit) -> str:
    """A watched commune and its post-2025 successor of the same name are one place ("Đăk Pxi"):
    the new unit counts under the old province it covers. Elsewhere old and new stay apart."""
    if unit.in_watch_area and unit.level == "new_commune" and len(unit.old_provinces) == 1:
        return unit.old_provinces[0]
    return unit.province


def _within(unit: Unit, parent: Unit) -> bool:
    if parent.level == "district":
        return unit.district == parent.name or parent.name in unit.districts
    return (
        unit.province == parent.name
        or unit.new_province == parent.name
        or parent.name in unit.old_provinces
    )


def of_province(unit: Unit, province: str) -> bool:
    """Whether a unit is (or, for a post-2025 unit, covers part of) the watched old province."""
    return unit.province == province or province in unit.old_provinces


_RANK = {"province": 0, "new_province": 0, "district": 1, "new_commune": 2, "commune": 2}


def _highest_level(units: tuple[Unit, ...]) -> tuple[Unit, ...]:
    """A bare name means the largest unit so called ("Đăk Hà" is the district)."""
    best = min(_RANK[u.level] for u in units)
    return tuple(u for u in units if _RANK[u.level] == best)


def _old_or_new(
    units: tuple[Unit, ...], candidate: Candidate, named: set[str], ours: set[str]
) -> tuple[Unit, ...]:
    """An old commune and a new one of the same name: the old one when marked "(cũ)" or when
    the article names the old province only, the new one when it names the new province."""
    levels = Counter(u.level for u in units)
    if not (levels["commune"] and levels["new_commune"]):
        return units
    old_named = any(p for p in named if p in ours and p.startswith("Tỉnh Kon"))
    new_named = any(p for p in named if p in ours and not p.startswith("Tỉnh Kon"))
    if candidate.old_marker or (old_named and not new_named):
        return tuple(u for u in units if u.level == "commune")
    if new_named and not old_named:
        return tuple(u for u in units if u.level == "new_commune")
    return units
