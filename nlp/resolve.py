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
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date

from nlp.gazetteer import Gazetteer, Unit, bare_name
from nlp.matcher import Candidate
from nlp.ner import reading

PREFIX_LEVELS = {
    "xã": {"commune", "new_commune"},
    "phường": {"commune", "new_commune"},
    "đặc khu": {"new_commune"},
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
    r"(?<!\w)(?:đường|phố|ông|bà|anh|chị|em|cháu|cụ|em|tên|hiệu|chợ|cầu|trường|sông|suối|hồ|"
    r"đèo|núi|thôn|làng|bản|tổ|khu|dự án|công ty|nhà máy|thủy điện|tòa|bệnh viện|thác|đập|đồi|"
    r"dốc|vườn quốc gia|khu bảo tồn|ngã ba|ngã tư|bến|pơlê|plơi|palei)\s*$",
    re.IGNORECASE,
)
# A name right after the first syllable of a longer name is part of it: "sông Đăk Pô Kô" holds
# "Pô Kô" (a commune), "Ia Tơi" holds nothing of "Tơi".
_PART_OF_A_NAME = re.compile(r"(?<!\w)(?:Đăk|Đắk|Đak|Dak|Ia|Kon|Plei|Măng)\s+$")
# Products and projects carry a commune's name without being about the commune ("Cà phê đặc
# sản Đăk Mar", "Coffee Đăk Mar", "Dự án giãn dân nội vùng Đăk Hring"): a bare name after them
# is no commune (a district's or province's name still counts: "cà phê Đăk Hà").
_PRODUCT_WORDS = (
    r"cà phê|coffee|đặc sản|sản phẩm|thương hiệu|nhãn hiệu|sâm|rượu|mật ong|gạo|chè|trà|dự án"
)
# Words of a name's own sentence that say the name is the place where something is, or where
# it goes, not part of that thing's name ("Công ty X có trụ sở tại Đăk Hà", "dự án đường từ
# trung tâm huyện đi Đăk Pxi").
_LOCATIVE = re.compile(
    r"(?<!\w)(?:tại|ở|thuộc|địa bàn|của|cho|với|và|từ|đến|tới|đi|qua|về|trên)(?!\w)",
    re.IGNORECASE,
)
# A route named by its ends ("tuyến Ngọc Hoàng - Măng Bút - Tu Mơ Rông - Ngọc Linh"): its names
# are the road's, not places the text is about.
_ROUTE_HEAD = re.compile(
    r"(?:tuyến|đường|quốc lộ|tỉnh lộ|cao tốc)(?:\s+(?:đường|giao thông|liên xã|liên huyện))?\s+"
    r"(?:[^\W\d_][^\s.,;:()]*\s+){1,4}(?:[-–]\s*(?:[^\W\d_][^\s.,;:()]*\s+){1,4})*[-–]\s*$",
    re.IGNORECASE,
)
_ROUTE_WORD = re.compile(
    r"(?:tuyến|đường|quốc lộ|tỉnh lộ|cao tốc)(?:\s+(?:đường|giao thông|liên xã|liên huyện))?\s+$",
    re.IGNORECASE,
)
_DASH_AFTER = re.compile(r"\s*[-–]\s")
# Inside the name of a company, a border gate, a power station or a battle, a place name is
# part of that name ("Công ty Cao su Sa Thầy", "Cửa khẩu Quốc tế Bờ Y", "Chiến thắng Đăk Tô"),
# when the nearest such word is at most `NAME_REACH` characters before it, in the same clause.
_NAME_WORDS = (
    r"công ty|htx|hợp tác xã|nông trường|cửa khẩu|ckqt|đồn biên phòng|trạm cắt|trạm biến áp|"
    r"chiến thắng|chiến dịch"
)
# Both kinds of words in one pattern, so that a bare name costs one search for them.
_NAME_HEAD = re.compile(
    rf"(?<!\w)(?:(?P<name>{_NAME_WORDS})|(?P<product>{_PRODUCT_WORDS}))(?!\w)", re.IGNORECASE
)
NAME_REACH = 60
_CLAUSE_BREAK = re.compile(r"[\n.,;:!?()\"“”]")
# A list after one prefix ("các xã A, B, C và D", "phường X và Y"): the members take it.
_LIST_GAP = re.compile(r"^\s*(?:,|;|và|,\s*và|hoặc)\s*$")
# A prefix before a colon ("6 xã: A, B, …"), and the words other languages put after or before
# a name ("Dak Ha commune", "Tu Mo Rong district", "Bezirk Dak Ha").
_HEAD_COLON = re.compile(r"(xã|phường|thị trấn|huyện)\s*:\s*$", re.IGNORECASE)
# A table of communes, as directory pages print it ("Danh sách xã, phường |" then rows "1 | Ia
# Tơi |"): a name alone in a cell of a row under such a header takes its prefix.
_TABLE_HEADER = re.compile(r"^[^\n\d]*?\b(xã|phường|thị trấn)\b[^\n]*\|", re.IGNORECASE | re.M)
_CELL_BEFORE = re.compile(r"(?:^|\n)[^\S\n]*(?:\d+[^\S\n]*\|)?[^\S\n]*$")
_CELL_AFTER = re.compile(r"[^\n|]{0,20}\|")
TABLE_REACH = 400
_FOREIGN_AFTER = re.compile(
    r"\s+(commune|ward|township|town|district|province|city|river|stream|waterfall|lake|"
    r"mountain|pass|bridge|hydropower|primary|secondary|high school|school)\b",
    re.IGNORECASE,
)
_FOREIGN_BEFORE = re.compile(
    r"(?<!\w)(bezirk|gemeinde|provinz|district of|commune of|province of|downtown|"
    r"cheăm|tơring|kong pơlê|nkuăl|n[’']gor|kơnhoàl|kơnhòal|càr)\s+$",
    re.IGNORECASE,
)
_FOREIGN_PREFIX = {
    "commune": "xã",
    "gemeinde": "xã",
    "commune of": "xã",
    "ward": "phường",
    "township": "thị trấn",
    "town": "thị trấn",
    "district": "huyện",
    "bezirk": "huyện",
    "district of": "huyện",
    "province": "tỉnh",
    "provinz": "tỉnh",
    "province of": "tỉnh",
    "city": "thành phố",
    "downtown": "thành phố",
    # The unit words of the ethnic-language bulletins (VOV4): Xơ Đăng cheăm (xã), tơring
    # (huyện), kong pơlê (tỉnh); M'nông nkuăl (huyện), n'gor (tỉnh); K'Ho kơnhoàl (huyện),
    # càr (tỉnh).
    "cheăm": "xã",
    "tơring": "huyện",
    "kong pơlê": "tỉnh",
    "nkuăl": "huyện",
    "n’gor": "tỉnh",
    "n'gor": "tỉnh",
    "kơnhoàl": "huyện",
    "kơnhòal": "huyện",
    "càr": "tỉnh",
}
COMMUNE_PREFIXES = ("xã", "phường", "thị trấn")
# "X được thành lập trên cơ sở sáp nhập (toàn bộ diện tích … của) các xã A, B và C", "hợp nhất
# xã A, xã B thành xã X", "sắp xếp các xã A và B": A, B, C are the predecessors, old units even
# in a text of after 2025; the clause ends at the sentence or at "thành"/"vào" (the unit made).
_MERGE_CUE = re.compile(
    r"(?<!\w)(?:[Ss]áp nhập|[Hh]ợp nhất|[Ss]ắp xếp|(?<![Tt]hu )(?<![Xx]uất )[Nn]hập|"
    r"[Tt]rên cơ sở)\s+"
)
_MERGED = re.compile(
    r"(?:toàn bộ[^.;:\n]{0,80}?\scủa\s+)?(?:các\s+)?(?:xã|phường|thị trấn)\s"
    r"[^.;\n]*?(?=\s(?:thành|vào)\s|[.;\n]|$)",
    re.IGNORECASE,
)
# Substrings without which a text has no `_MERGE_CUE` (a quick test, case and all).
_MERGE_HINTS = ("nhập", "ợp nhất", "cơ sở", "ắp xếp")
# The day the 2025 reorganisation took effect: districts were abolished, new communes began.
REORGANISED = date(2025, 7, 1)
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


def resolve(
    text: str,
    candidates: Sequence[Candidate],
    gazetteer: Gazetteer,
    published: date | None = None,
) -> list[Resolved]:
    """The candidates that are places, each with its units and the rule that decided."""
    return resolve_all(text, candidates, gazetteer, published=published).found


def resolve_all(
    text: str,
    candidates: Sequence[Candidate],
    gazetteer: Gazetteer,
    ner_readings: int = MAX_NER_READINGS,
    published: date | None = None,
) -> Resolution:
    """`resolve`, with at most `ner_readings` NER readings, saying how many it went without.
    `published` (the article's date, if known) says whether a name both an old and a new unit
    carry means the old unit (before 1 July 2025) or the new one.

    Every step is linear in the candidates (or n log n): a long text of dense names costs in
    proportion to its length."""
    candidates, dropped = _read_around(text, candidates)
    named = _provinces_named(candidates)
    provinces = frozenset(gazetteer.provinces)
    ours = provinces | set(gazetteer.new_provinces)
    districts = _districts_named(text, candidates)
    district_units = _district_units(candidates)
    ours_districts = {u.name for u in district_units if u.province in provinces}
    others_named = (named - ours) | {
        u.province
        for u in district_units
        if u.province not in provinces and u.name not in ours_districts
    }
    context_ours = bool(named & ours) or bool(ours_districts)
    context_other = bool(others_named)
    era = _era(published, districts, named, gazetteer.provinces, gazetteer.new_provinces)
    starts = [c.start for c in candidates]
    readings = skipped = 0
    found: list[Resolved] = []
    for index, candidate in enumerate(candidates):
        if index in dropped:
            continue
        units = _by_prefix(candidate)
        if not units:
            continue
        rule, confidence = ("prefixed", 0.9) if candidate.prefix else ("bare", 0.7)
        if candidate.prefix in COMMUNE_PREFIXES and candidate.prefix_start is None:
            rule = "listed"  # the prefix of the list it is in
        if not candidate.prefix:
            if bare_name(candidate.units[0].name).casefold() in COMMON_NAMES:
                continue
            head = _head_before(text, candidate.start)
            if (
                head == "name"
                or _not_a_place(text, candidate)
                or (
                    index - 1 in dropped
                    and _LIST_GAP.match(text[candidates[index - 1].end : candidate.start])
                )
            ):
                dropped.add(index)  # the next member of a list of such names is one too
                continue
            if " " not in candidate.key and all(u.level in _COMMUNE_LEVELS for u in units):
                continue  # one syllable alone ("Hiếu", "Xốp") is a person's name or a word
            if head == "product":
                units = tuple(u for u in units if u.level not in _COMMUNE_LEVELS)
                if not units:
                    dropped.add(index)
                    continue
            # "Tỉnh đoàn Đắk Nông", "5 tỉnh Kon Tum, Gia Lai, Đắk Lắk, Đắk Nông": a province's
            # name is the province, not a commune that shares it.
            if any(u.level in ("province", "new_province") for u in units):
                units = tuple(u for u in units if u.level in ("province", "new_province"))
        narrowed = _by_following(text, candidates, index, units)
        qualified = narrowed is not units
        if qualified:
            units, rule, confidence = narrowed, "qualified", 0.97
        if not units:
            continue
        units = _by_districts(units, districts)
        watched = tuple(u for u in units if of_provinces(u, provinces))
        others = tuple(u for u in units if not of_provinces(u, provinces))
        low = [u for u in watched if u.level in ("commune", "new_commune")]
        if low and not qualified and context_other and not context_ours:
            # Another province's story: a unit of ours needs its district or province by it.
            watched, units = (), others
            if not units:
                continue
        if (
            len({u.district for u in watched if u.level == "commune"}) > 1
            and all(u.level in _COMMUNE_LEVELS for u in watched)
            and ours_districts
            and not any(u.district in ours_districts for u in watched)
        ):
            # Same-named communes of two other districts than the ones the text is about: an
            # abolished unit of a named district ("xã Đăk Long" of Kon Plông, gone in 2019).
            continue
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
        units = _old_or_new(units, candidate, named, ours, era, qualified)
        if not candidate.exact:
            confidence -= 0.1
        found.append(Resolved(candidate, units, rule, round(max(confidence, 0.0), 2)))
    return Resolution(_by_company(found), skipped)


_COMMUNE_LEVELS = ("commune", "new_commune")


def _not_a_place(text: str, candidate: Candidate) -> bool:
    """Whether the words around a bare name make it part of another thing's name: a street, a
    person, a river or a village (`_NOT_A_PLACE_BEFORE`), a longer minority-language name
    ("sông Đăk Pô Kô"), a route named by its ends. (Companies, border gates and battles:
    `_head_before`.)"""
    start = candidate.start
    before = text[max(0, start - 25) : start]
    if _NOT_A_PLACE_BEFORE.search(before) or _PART_OF_A_NAME.search(before):
        return True
    if _DASH_AFTER.match(text, candidate.end) and _ROUTE_WORD.search(before):
        return True
    window = text[max(0, start - 80) : start]
    return window.rstrip().endswith(("-", "–")) and bool(_ROUTE_HEAD.search(window))


def _head_before(text: str, start: int) -> str | None:
    """What a bare name ends the name of: `name` for a company, border gate or battle (the
    nearest `_NAME_WORDS` before it, within `NAME_REACH` characters, and nothing between that
    breaks the clause or says "tại"), `product` for a product or a project (`_PRODUCT_WORDS`,
    likewise), else None."""
    heads = list(_NAME_HEAD.finditer(text, max(0, start - NAME_REACH), start))
    if not heads:
        return None
    gap = text[heads[-1].end() : start]
    if _CLAUSE_BREAK.search(gap) or _LOCATIVE.search(gap):
        return None
    return heads[-1].lastgroup


def _read_around(text: str, candidates: Sequence[Candidate]) -> tuple[list[Candidate], set[int]]:
    """Evidence around a bare name that the matcher does not read: the prefix of the list it
    is in ("các xã A, B và C" gives B and C their "xã"), a prefix before a colon ("6 xã: A"),
    and the words of other languages ("Dak Ha commune" is a prefix; "Dak Pxi River" is not a
    place). Returns the candidates, some with a prefix taken from around them, and the indexes
    of those that are not places."""
    out: list[Candidate] = []
    dropped: set[int] = set()
    merged: list[tuple[int, int]] | None = None  # read only for a name old and new units share
    has_table = "|" in text  # once: per name it made a dense text quadratic
    for index, candidate in enumerate(candidates):
        if not candidate.old_marker and _old_and_new(candidate.units):
            merged = _merged_spans(text) if merged is None else merged
            if merged and _inside(merged, candidate.start):
                candidate = replace(candidate, old_marker=True)
        if candidate.prefix is None:
            prefix = None
            after = _FOREIGN_AFTER.match(text, candidate.end)
            before = _FOREIGN_BEFORE.search(text, max(0, candidate.start - 15), candidate.start)
            head = _HEAD_COLON.search(text, max(0, candidate.start - 15), candidate.start)
            if after is not None:
                prefix = _FOREIGN_PREFIX.get(after.group(1).casefold())
                if prefix is None:
                    dropped.add(index)
            elif before is not None:
                prefix = _FOREIGN_PREFIX[before.group(1).casefold()]
            elif head is not None:
                prefix = head.group(1).casefold()
            elif has_table and (table := _table_prefix(text, candidate)) is not None:
                prefix = table
            elif out and out[-1].prefix in COMMUNE_PREFIXES:
                gap = text[out[-1].end : candidate.start]
                if _LIST_GAP.match(gap) and not _parent(text, candidates, index, out[-1]):
                    prefix = out[-1].prefix
            if prefix is not None:
                candidate = replace(candidate, prefix=prefix, prefix_start=None)
        out.append(candidate)
    for index in range(len(out) - 1, 0, -1):
        # "các xã A, B và C (cũ)": the marker after the last member is the whole list's.
        last, member = out[index], out[index - 1]
        if (
            last.old_marker
            and not member.old_marker
            and last.prefix_start is None
            and last.prefix in COMMUNE_PREFIXES
            and _LIST_GAP.match(text[member.end : last.start])
        ):
            out[index - 1] = replace(member, old_marker=True)
    return out, dropped


def _table_prefix(text: str, candidate: Candidate) -> str | None:
    """The prefix a table's header gives a name alone in a cell of one of its rows (a header
    line with "|" naming xã, phường or thị trấn, at most `TABLE_REACH` characters above)."""
    start = candidate.start
    if not _CELL_BEFORE.search(text, max(0, start - 12), start):
        return None
    if not _CELL_AFTER.match(text, candidate.end):
        return None
    # The row's line start, looked for only within reach (a long line would be read whole for
    # each name on it); a row longer than that has no header within reach either.
    newline = text.rfind("\n", max(0, start - TABLE_REACH), start)
    if newline < 0 and start > TABLE_REACH:
        return None
    line_start = newline + 1
    headers = list(_TABLE_HEADER.finditer(text, max(0, line_start - TABLE_REACH), line_start))
    return headers[-1].group(1).casefold() if headers else None


def _parent(text: str, candidates: Sequence[Candidate], index: int, previous: Candidate) -> bool:
    """Whether a bare name after a commune is its district or province ("xã Sa Loong, Ngọc Hồi,
    Kon Tum", "xã Ia Dom, Đức Cơ, Gia Lai"), not the next member of a list: it names a unit
    that holds the commune, and no commune follows it in the list ("các xã Măng Ri, Tu Mơ Rông
    và xã Ngọc Lây" is a list)."""
    candidate = candidates[index]
    holds = any(
        _within(unit, parent)
        for parent in candidate.units
        if parent.level in ("district", "province", "new_province")
        for unit in previous.units
        if unit.level in _COMMUNE_LEVELS
    )
    if not holds or index + 1 >= len(candidates):
        return holds
    following = candidates[index + 1]
    start = following.start if following.prefix_start is None else following.prefix_start
    if not _LIST_GAP.match(text[candidate.end : start]):
        return True
    sibling = following.prefix in COMMUNE_PREFIXES or (
        following.prefix is None and all(u.level in _COMMUNE_LEVELS for u in following.units)
    )
    return not sibling


def _old_and_new(units: Sequence[Unit]) -> bool:
    """Whether an old commune and a post-2025 one share the name (`_old_or_new` decides)."""
    levels = {u.level for u in units}
    return "commune" in levels and "new_commune" in levels


def _merged_spans(text: str) -> list[tuple[int, int]]:
    """Where the text names the predecessors of a merged unit (`_MERGE_CUE` then `_MERGED`),
    in text order."""
    if not any(hint in text for hint in _MERGE_HINTS):
        return []  # most texts merge nothing: four substring tests, no regex
    spans = []
    for cue in _MERGE_CUE.finditer(text):
        clause = _MERGED.match(text, cue.end())
        if clause is not None:
            spans.append((cue.start(), clause.end()))
    return spans


def _inside(spans: Sequence[tuple[int, int]], pos: int) -> bool:
    at = bisect_right(spans, (pos, 1 << 62)) - 1
    return at >= 0 and spans[at][0] <= pos < spans[at][1]


def _era(
    published: date | None,
    districts: set[str],
    named: set[str],
    provinces: Collection[str],
    new_provinces: Collection[str],
) -> str | None:
    """ "old" or "new": which side of the 2025 reorganisation the text is on, if it says. The
    publication date first; else a district named (they were abolished in 2025) or only old
    provinces of the area that no longer exist ("tỉnh Kon Tum") mean "old", only its post-2025
    provinces that are no old province of it ("tỉnh Quảng Ngãi" for Kon Tum's units) "new"."""
    if published is not None:
        return "old" if published < REORGANISED else "new"
    old_named = any(p in provinces and p not in new_provinces for p in named)
    new_named = any(p in new_provinces and p not in provinces for p in named)
    if districts or (old_named and not new_named):
        return "old"
    if new_named and not old_named:
        return "new"
    return None


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
    return {u.name for u in _district_units(candidates)}


def _district_units(candidates: Sequence[Candidate]) -> set[Unit]:
    return {
        u
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
        if nxt.prefix in ("xã", "phường", "thị trấn", "đặc khu") or not parents:
            break  # the next name is a sibling in a list ("huyện A, huyện B"), not a parent
        kept = tuple(u for u in narrowed if any(_within(u, p) for p in parents))
        if not kept:
            return ()
        own = {p.name for p in parents if p.level in ("province", "new_province")}
        if not current.old_marker and any(
            u.level == "new_commune" and u.province in own for u in kept
        ):
            # "xã Đăk Hà, tỉnh Quảng Ngãi": the new commune of that province, not an old commune
            # of another old province (Kon Tum's Đăk Hà of Tu Mơ Rông) that merely went to it.
            kept = tuple(u for u in kept if u.level == "new_commune" or u.province in own)
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


def of_provinces(unit: Unit, provinces: Collection[str]) -> bool:
    """Whether a unit is (or, for a post-2025 unit, covers part of) one of the old provinces the
    watch area lies in."""
    return unit.province in provinces or any(p in provinces for p in unit.old_provinces)


_RANK = {"province": 0, "new_province": 0, "district": 1, "new_commune": 2, "commune": 2}


def _highest_level(units: tuple[Unit, ...]) -> tuple[Unit, ...]:
    """A bare name means the largest unit so called ("Đăk Hà" is the district)."""
    best = min(_RANK[u.level] for u in units)
    return tuple(u for u in units if _RANK[u.level] == best)


def _old_or_new(
    units: tuple[Unit, ...],
    candidate: Candidate,
    named: set[str],
    ours: Collection[str],
    era: str | None = None,
    qualified: bool = False,
) -> tuple[Unit, ...]:
    """An old commune and a new one of the same name: the old one when marked "(cũ)", when
    followed by its district ("xã Bờ Y, huyện Ngọc Hồi"), or when the text is of before the
    2025 reorganisation (`_era`: published before 1 July 2025, or naming a district or the old
    province only); the new one when it is of after (published since, or naming the new
    province only)."""
    levels = Counter(u.level for u in units)
    if not (levels["commune"] and levels["new_commune"]):
        return units
    if candidate.old_marker or era == "old" or (qualified and era is None):
        return tuple(u for u in units if u.level == "commune")
    if era == "new":
        return tuple(u for u in units if u.level == "new_commune")
    return units
