"""The configured watch area, as underthesea's administrative data names it (`nlp.area`).

The shell's view of it: the check at start that every configured place exists and names one
unit (a `LocalityError`, bilingual, naming each wrong place with the closest names), the
queries of keyword-search feeds, and the choices of the console's commune filter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from duluan.config import Area, Config, Locality
from nlp.area import (
    SUGGESTED_PROBLEMS,
    PlaceError,
    PlaceProblem,
    WatchArea,
    bare_name,
    district_area,
    mapping_data,
    new_units,
    resolve_places,
    union,
)
from nlp.normalize import fold_plain
from storage.queue import UnitKey

# Regional spellings of the same syllable, so that a search also finds the other spelling (the
# mapping writes both: "Huyện Đăk Hà", "Huyện Đắk Glei").
_VARIANTS = (("Đăk", "Đắk"), ("Đắk", "Đăk"), ("Ngọk", "Ngọc"))
# Google's search engine, which Google News' RSS search is, reads at most 32 words of a query and
# ignores the rest (Google Search says so under the results: "… was ignored because we limit
# queries to 32 words"; the word limit is parsed as `word_limitation` in SerpApi's Google Search
# API, https://github.com/serpapi/public-roadmap/issues/2029). Every word of a quoted phrase
# counts, and so, to be safe, does each OR.
QUERY_WORDS = 32
# Up to this many places, each has its query, as a district's always had: a query returns at most
# 100 items, so a place of its own never loses an item to a busier neighbour. Past it (a province
# has hundreds of old and new communes), places that share their provinces are packed with OR
# into queries of at most `QUERY_WORDS` words, so that a pass sends tens of requests, not hundreds.
SEPARATE_QUERIES = 20
# How many spellings an ambiguity message lists before counting the rest.
LISTED_SPELLINGS = 8


class LocalityError(LookupError):
    """The configured places do not all resolve; `problems` holds one bilingual line each."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def watch_area(locality: Locality, key: str = "locality.places") -> WatchArea:
    """The configured watch area: `locality.places`, or the old district of the shorthand
    `province` + `district`; a `LocalityError` naming each unknown, ambiguous or repeated place
    (at `key`, the config path of the places: `areas[2].places[0]`)."""
    try:
        if locality.places is not None:
            return resolve_places(locality.places)
        assert locality.province is not None and locality.district is not None
        return district_area(locality.province, locality.district)
    except PlaceError as exc:
        shorthand = locality.places is None
        lines = [_describe(p, shorthand, key) for p in exc.problems[:SUGGESTED_PROBLEMS]]
        more = len(exc.problems) - SUGGESTED_PROBLEMS
        if more > 0:
            lines.append(
                f"{key}: và {_count(more)} địa danh khác cũng sai / and {more:,} more wrong places"
            )
        raise LocalityError(lines) from None


def area_places(config: Config) -> tuple[tuple[Area, WatchArea], ...]:
    """Every configured area with its resolved places; one `LocalityError` naming the wrong
    places of every area."""
    out: list[tuple[Area, WatchArea]] = []
    problems: list[str] = []
    for area in config.watch_areas():
        try:
            out.append((area, watch_area(area.locality, area.key)))
        except LocalityError as exc:
            problems.extend(exc.problems)
    if problems:
        raise LocalityError(problems)
    return tuple(out)


def tagged_area(config: Config) -> WatchArea:
    """The one area the tagger reads for every configured area: their union (the area itself
    when there is one); a `LocalityError` as `area_places`."""
    return union([place for _, place in area_places(config)])


def _describe(problem: PlaceProblem, shorthand: bool, key: str) -> str:
    where = "locality.district" if shorthand else f"{key}[{problem.index}]"
    place = problem.place
    shown = ", ".join(repr(s) for s in problem.suggestions[:LISTED_SPELLINGS])
    left = len(problem.suggestions) - LISTED_SPELLINGS
    closest = f"; tên gần nhất / closest names: {shown}" if shown else ""
    if problem.kind == "ambiguous":
        extra_vi = f" (và {left} nơi khác)" if left > 0 else ""
        extra_en = f" (and {left} more)" if left > 0 else ""
        return (
            f"{where}: {place!r} có ở nhiều nơi; hãy ghi một trong: {shown}{extra_vi} / "
            f"{place!r} names several units; write one of them{extra_en}"
        )
    if problem.kind == "duplicate":
        return (
            f"{where}: {place!r} trùng với {problem.detail!r} (cùng một đơn vị) / "
            f"names the same unit as {problem.detail!r}"
        )
    if problem.kind == "qualifier":
        return (
            f"{where}: {problem.detail!r} trong {place!r} không phải huyện (cũ) hay tỉnh nào / "
            f"{problem.detail!r} is no district or province{closest}"
        )
    if problem.kind == "empty":
        return f"{where}: {place!r} thiếu tên đơn vị trước dấu phẩy / no unit name before a comma"
    return (
        f"{where}: không tìm thấy {place!r} trong dữ liệu đơn vị hành chính của underthesea / "
        f"{place!r} is not in underthesea's administrative data{closest}"
    )


def _count(number: int) -> str:
    return f"{number:,}".replace(",", ".")


@dataclass(frozen=True)
class _Searched:
    """One place as a search names it: its spellings, and the provinces that must come with it
    (none for a province or a district, whose names the press rarely uses for anything else)."""

    spellings: tuple[str, ...]
    where: tuple[str, ...]


def search_queries_of(config: Config) -> list[str]:
    """The keyword-search queries of every configured area (their union)."""
    return _queries(tagged_area(config), config.locality)


def search_queries(locality: Locality) -> list[str]:
    """The keyword-search queries of the watch area: each place quoted, with its regional
    spelling variants and config aliases joined by OR; a commune with its provinces (old and new)
    beside it. Up to `SEPARATE_QUERIES` places, one query each; past that, places with the same
    provinces are packed with OR into queries of at most `QUERY_WORDS` words, never splitting one
    place's spellings (a place whose spellings alone pass the limit has a query of its own)."""
    return _queries(watch_area(locality), locality)


def _queries(area: WatchArea, locality: Locality) -> list[str]:
    places = _searched(area, locality)
    if len(places) <= SEPARATE_QUERIES:
        return [_query([p.spellings], p.where) for p in places]
    groups: dict[tuple[str, ...], list[_Searched]] = {}
    for place in places:
        groups.setdefault(place.where, []).append(place)
    queries: list[str] = []
    for where, members in groups.items():
        batch: list[tuple[str, ...]] = []
        for place in members:
            if batch and words(_query([*batch, place.spellings], where)) > QUERY_WORDS:
                queries.append(_query(batch, where))
                batch = []
            batch.append(place.spellings)
        queries.append(_query(batch, where))
    return queries


def words(query: str) -> int:
    """The words Google counts in a query: each word of each quoted phrase, and each OR."""
    return len(re.sub(r'[()"]', " ", query).split())


def _query(batch: Sequence[tuple[str, ...]], where: tuple[str, ...]) -> str:
    spelled = " OR ".join(f'"{name}"' for spellings in batch for name in spellings)
    if not where:
        return spelled
    return f"({spelled}) (" + " OR ".join(f'"{p}"' for p in where) + ")"


def _searched(area: WatchArea, locality: Locality) -> list[_Searched]:
    """The places of the area a search names, largest first: the provinces and districts that
    lie wholly in it, then its old communes and its new communes (in the mapping's order); a
    place spelled like one before it is left out."""
    rows = mapping_data()["ward_mapping"]
    old: dict[tuple[str, str], dict[str, None]] = {}  # (old province, commune) → new provinces
    new: dict[tuple[str, str], dict[str, None]] = {}  # (new province, commune) → old provinces
    for row in rows:
        if (row["old_province"], row["old_district"], row["old_ward"]) in area.old_communes:
            key = (row["old_province"], row["old_ward"])
            old.setdefault(key, {})[row["new_province"]] = None
        if (row["new_province"], row["new_ward"]) in area.new_communes:
            key = (row["new_province"], row["new_ward"])
            new.setdefault(key, {})[row["old_province"]] = None
    whole = [
        *(p for p in area.provinces if p in area.whole_provinces),
        *(p for p in area.new_provinces if p in area.whole_new_provinces),
    ]
    districts = [d for p, d in _in_order(area.districts, rows, "old_province", "old_district")]
    out: dict[tuple[tuple[str, ...], tuple[str, ...]], _Searched] = {}
    for name in [*whole, *districts]:
        spellings = _spellings(name, locality)
        out.setdefault((_key(spellings), ()), _Searched(spellings, ()))
    for units in (old, new):
        for (province, name), others in units.items():
            spellings = _spellings(name, locality)
            where = _where(province, others)
            if (_key(spellings), ()) not in out:
                out.setdefault((_key(spellings), where), _Searched(spellings, where))
    return list(out.values())


def _key(spellings: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(n.casefold() for n in spellings)


def _in_order(
    keys: Iterable[tuple[str, str]], rows: list[dict[str, str]], first: str, second: str
) -> list[tuple[str, str]]:
    wanted = set(keys)
    return list(dict.fromkeys(k for r in rows if (k := (r[first], r[second])) in wanted))


def _where(province: str, others: Iterable[str]) -> tuple[str, ...]:
    """A commune's provinces as a search names them: its own and, across the 2025
    reorganisation, the old ones it came from or the new one it went to ("Kon Tum", "Quảng
    Ngãi")."""
    return tuple(sorted({bare_name(province), *(bare_name(p) for p in others)}))


def _spellings(unit: str, locality: Locality) -> tuple[str, ...]:
    """The unit's bare name, its aliases and their regional variants, once each (a search
    ignores case: "Ya ly" is "Ya Ly")."""
    names = [bare_name(unit), *locality.aliases.get(unit, [])]
    for plain, other in _VARIANTS:
        names += [n.replace(plain, other) for n in names if plain in n]
    once: dict[str, str] = {}
    for name in names:
        once.setdefault(name.casefold(), name)
    return tuple(once.values())


@dataclass(frozen=True)
class CommuneChoices:
    """The console's commune filter for an area: `options` (value, label), the area's post-2025
    units by name, and `aliases`, the old names of their predecessors ("Xã Đăk Long (cũ, nay
    xã Đăk Pxi)"); `units` maps each value to the stored units it finds, the new unit and every
    old commune of the area it was made of, so a new commune also finds the stories that named
    its predecessors. An old name spelled as its successor ("Xã Đăk Pxi") is no alias; an old
    name another choice already holds is written with its district ("Xã Đăk Long, Huyện Đăk
    Hà")."""

    options: tuple[tuple[str, str], ...]
    aliases: tuple[tuple[str, str], ...]
    units: dict[str, tuple[UnitKey, ...]]

    def find(self, value: str) -> tuple[UnitKey, ...] | None:
        """What a filter value finds: None for no filter (""), nothing for an unknown value."""
        if not value:
            return None
        return self.units.get(value, ())


def commune_choices(area: WatchArea) -> CommuneChoices:
    """The console's commune filter of `area` (see `CommuneChoices`)."""
    return _commune_choices(area)


@cache
def _commune_choices(area: WatchArea) -> CommuneChoices:
    units = sorted(new_units(area), key=lambda u: (_collate(u.name), u.province))
    repeated = {u.name for u in units if sum(v.name == u.name for v in units) > 1}
    options: list[tuple[str, str]] = []
    found: dict[str, tuple[UnitKey, ...]] = {}
    successors: dict[tuple[str, str, str], list[str]] = {}
    for unit in units:
        value = f"{unit.name}, {unit.province}" if unit.name in repeated else unit.name
        keys: list[UnitKey] = [("new_commune", unit.province, None, unit.name)]
        keys += [("commune", p, d, n) for p, d, n in unit.predecessors]
        options.append((value, value))
        found[value] = tuple(keys)
        for old in unit.predecessors:
            successors.setdefault(old, []).append(value)
    aliases: list[tuple[str, str]] = []
    for (province, district, name), news in sorted(
        successors.items(), key=lambda kv: (_collate(kv[0][2]), kv[0][1], kv[0][0])
    ):
        if news == [name]:
            continue  # the old unit of the same name as its one successor: the choice itself
        spellings = (name, f"{name}, {district}", f"{name}, {district}, {province}")
        alias = next((v for v in spellings if v not in found), None)
        if alias is None:
            continue
        now = ", ".join(n[:1].lower() + n[1:] for n in news)
        aliases.append((alias, f"{alias} (cũ, nay {now})"))
        found[alias] = tuple(dict.fromkeys(k for n in news for k in found[n]))
    return CommuneChoices(tuple(options), tuple(aliases), found)


def _collate(text: str) -> tuple[str, str]:
    """Vietnamese names in a reader's order (Đ with D, tones aside first)."""
    return (fold_plain(text), text)
