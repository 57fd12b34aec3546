"""The watch area: any set of places of Vietnam, old or new, resolved against underthesea's mapping.

A place is written as the mapping names it ("Xã Đăk Pxi", "Huyện Sa Thầy", "Tỉnh Kon Tum"),
followed, where the name alone is ambiguous, by the district or province it lies in
("Xã Đăk Long, Huyện Đăk Hà", "Xã Đăk Pxi, Tỉnh Quảng Ngãi", "Huyện Sa Thầy, Tỉnh Kon Tum").

Every unit is a set of rows of the mapping (one row: an old commune, or the part of it, that went
into one new commune). The area is the union of its places' rows, so a new commune brings its
predecessors (the old communes that became it, wholly or in part) and an old unit its successors
(the new communes its communes became); a district, a province, old or new, is in the area when
all of it is.

How a name is read:
- a qualifier (after a comma) is an old district or a province, old or new, with or without its
  prefix; a province that is a post-2025 province and holds a new unit of that name means the
  new unit ("Xã Đăk Pxi, Tỉnh Quảng Ngãi"); otherwise the old units in that old province, or
  whose communes went to that new province ("Huyện Sa Thầy, Tỉnh Quảng Ngãi"). A district names
  old units only ("Xã Đăk Long, Huyện Đăk Hà");
- of several units left, one that holds all the others is the place ("Tỉnh Quảng Ngãi" is the
  post-2025 province, which holds the old one; "Xã Đăk Pxi" the new commune, which holds the old
  commune of that name); otherwise the name is ambiguous, and the error lists the spellings that
  name each unit no other one holds (watching a unit watches all it holds).

Names compare as `nlp.normalize.fold` reads them (case, spaces, tone placement, Đắk/Đăk); a name
typed without its diacritics, or without its prefix, is not taken but suggested.
"""

from __future__ import annotations

import difflib
import importlib.util
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from nlp.normalize import fold, fold_plain

# The name of a deployment's one watch area when it names none (no `areas:` in config.yaml), and
# of the area that stored rows written before areas existed belong to (migrations 0012, 0013).
DEFAULT_AREA = "mac-dinh"

PlaceLevel = Literal["province", "new_province", "district", "commune", "new_commune"]
_NEW_LEVELS = ("new_province", "new_commune")
# How many closest names a problem suggests, and how many problems get suggestions (the rest are
# counted): a list of 10,000 wrong names is answered in a second.
SUGGESTIONS = 5
SUGGESTED_PROBLEMS = 20

_PREFIX = re.compile(
    r"^(Tỉnh|Thành phố|Huyện|Quận|Thị xã|Thị trấn|Xã|Phường|Đặc khu)\s+", re.IGNORECASE
)


@cache
def mapping_data() -> dict[str, Any]:
    """underthesea's `address/data/mapping.json`: the old units and their post-2025 successors.
    Found through the package's spec, not `importlib.resources`, which would import underthesea
    itself (about 70 MB that the digest, the config check and the console never need)."""
    spec = importlib.util.find_spec("underthesea")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("underthesea is not installed")
    path = Path(spec.submodule_search_locations[0]) / "address" / "data" / "mapping.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def bare_name(name: str) -> str:
    """`Xã Đăk Pxi` → `Đăk Pxi`."""
    return _PREFIX.sub("", name).strip()


@dataclass(frozen=True)
class WatchArea:
    """The resolved watch area. Old units are keyed by (province, district, commune), post-2025
    ones by (province, commune), names exactly as in mapping.json.

    `old_communes`/`new_communes` are the communes in the area (wholly or in part: a new commune
    that took part of a watched old commune is in it); `districts`, `whole_provinces` and
    `whole_new_provinces` the larger units that lie wholly in it; `provinces`/`new_provinces`
    every old/new province the area touches, in mapping order."""

    places: tuple[str, ...] = field(compare=False)
    old_communes: frozenset[tuple[str, str, str]]
    new_communes: frozenset[tuple[str, str]]
    districts: frozenset[tuple[str, str]]
    provinces: tuple[str, ...]
    new_provinces: tuple[str, ...]
    whole_provinces: frozenset[str] = frozenset()
    whole_new_provinces: frozenset[str] = frozenset()
    # The units the places name, in their order (empty for an area built by hand): what the
    # area is called and whether it is named in the old frame or the new one.
    units: tuple[Place, ...] = field(default=(), compare=False)
    # The mapping's rows it is made of (what `union` joins); the fields above follow from them.
    rows: frozenset[int] = field(default=frozenset(), compare=False, repr=False)

    def has_district(self, province: str, district: str) -> bool:
        """Whether the old district lies wholly in the area."""
        return (province, district) in self.districts

    def holds(self, level: str, name: str, province: str, district: str | None = None) -> bool:
        """Whether a unit (as the gazetteer names it: an old commune with its district) is in
        the area: a commune in part or wholly, a district or province wholly."""
        if level == "commune":
            return (province, district or "", name) in self.old_communes
        if level == "new_commune":
            return (province, name) in self.new_communes
        if level == "district":
            return (province, name) in self.districts
        if level == "province":
            return name in self.whole_provinces
        if level == "new_province":
            return name in self.whole_new_provinces
        return False

    def touches(self, province: str) -> bool:
        """Whether the area lies (in part) in this old or new province."""
        return province in self.provinces or province in self.new_provinces


@dataclass(frozen=True)
class Place:
    """One unit of the mapping a place name can mean, with the rows it is made of."""

    level: PlaceLevel
    name: str
    province: str  # the old province of an old unit, the new province of a new one
    district: str | None  # an old commune's old district
    new_provinces: tuple[str, ...]  # an old unit's successor provinces
    rows: frozenset[int]


@dataclass(frozen=True)
class PlaceProblem:
    """Why one configured place name resolves to no unit, or to several."""

    index: int
    place: str
    kind: Literal["empty", "unknown", "qualifier", "ambiguous", "duplicate"]
    detail: str = ""  # the unknown qualifier, or the earlier place a duplicate repeats
    suggestions: tuple[str, ...] = ()


class PlaceError(LookupError):
    """Some configured places resolve to no unit or to several, or repeat one; `problems` says
    which and why (past `SUGGESTED_PROBLEMS`, without suggestions)."""

    def __init__(self, problems: Sequence[PlaceProblem]) -> None:
        self.problems = tuple(problems)
        names = ", ".join(repr(p.place) for p in self.problems[:5])
        super().__init__(
            f"Không tìm thấy hoặc chưa rõ {len(self.problems)} địa danh: {names} / "
            f"{len(self.problems)} unknown or ambiguous places"
        )


@dataclass(frozen=True)
class _Index:
    rows: tuple[dict[str, str], ...]
    by_name: dict[str, tuple[Place, ...]]  # fold(full name) → units
    qualifiers: dict[str, tuple[Place, ...]]  # fold(full or bare name) → districts, provinces
    # (level, province, detail) → unit; detail: None for a province, the name of a district or
    # new commune, "district\ncommune" for an old commune
    by_unit: dict[tuple[str, str, str | None], Place]


def resolve_places(places: Sequence[str]) -> WatchArea:
    """The watch area of `places`; a `PlaceError` naming each unknown, ambiguous or repeated
    place, with the closest names (accent-insensitive) or the qualified spellings to write."""
    index = _index()
    problems: list[PlaceProblem] = []
    found: list[Place] = []
    seen: dict[Place, int] = {}
    for i, text in enumerate(places):
        try:
            place = _resolve(index, text)
        except _Unresolved as exc:
            problems.append(
                PlaceProblem(i, text, exc.kind, exc.detail, ())
                if len(problems) >= SUGGESTED_PROBLEMS
                else PlaceProblem(i, text, exc.kind, exc.detail, exc.suggestions(index, text))
            )
            continue
        if place in seen:
            problems.append(PlaceProblem(i, text, "duplicate", places[seen[place]]))
            continue
        seen[place] = i
        found.append(place)
    if problems:
        raise PlaceError(problems)
    return area_of(found, tuple(places))


def district_area(province: str, district: str) -> WatchArea:
    """The watch area of one old district (`locality.province` + `locality.district`): exactly
    its old communes and the new communes they became. A `PlaceError` when it is not in the
    mapping, with the closest district names."""
    return _district_area(province, district)


@cache
def _district_area(province: str, district: str) -> WatchArea:
    index = _index()
    place = index.by_unit.get(("district", province, district))
    text = f"{district}, {province}"
    if place is None:
        suggestions = _Unresolved("unknown").suggestions(index, text)
        raise PlaceError([PlaceProblem(0, text, "unknown", "", suggestions)])
    return area_of([place], (text,))


def area_of(found: Iterable[Place], places: tuple[str, ...]) -> WatchArea:
    """The area made of these units' rows."""
    found = tuple(found)
    rows: set[int] = set()
    for place in found:
        rows |= place.rows
    return _area_of_rows(frozenset(rows), places, found)


def union(areas: Sequence[WatchArea]) -> WatchArea:
    """One area holding all of these (a deployment's several areas, tagged once): its places
    are theirs, its rows their union; a district or province split between two areas lies
    wholly in the union. One area is returned as it is."""
    if len(areas) == 1:
        return areas[0]
    rows: frozenset[int] = frozenset().union(*(a.rows for a in areas))
    places = tuple(dict.fromkeys(p for a in areas for p in a.places))
    units = tuple(dict.fromkeys(u for a in areas for u in a.units))
    return _area_of_rows(rows, places, units)


def _area_of_rows(
    rows: frozenset[int], places: tuple[str, ...], units: tuple[Place, ...]
) -> WatchArea:
    index = _index()
    chosen = [index.rows[i] for i in sorted(rows)]
    old = {(r["old_province"], r["old_district"], r["old_ward"]) for r in chosen}
    new = {(r["new_province"], r["new_ward"]) for r in chosen if r["new_ward"]}
    districts = {(p, d) for p, d, _ in old}
    whole_districts = frozenset(
        key for key in districts if index.by_unit[("district", *key)].rows <= rows
    )
    provinces = tuple(dict.fromkeys(r["old_province"] for r in chosen))
    new_provinces = tuple(dict.fromkeys(r["new_province"] for r in chosen))
    return WatchArea(
        places=places,
        old_communes=frozenset(k for k in old if k[2]),
        new_communes=frozenset(new),
        districts=whole_districts,
        provinces=provinces,
        new_provinces=new_provinces,
        whole_provinces=frozenset(
            p for p in provinces if index.by_unit[("province", p, None)].rows <= rows
        ),
        whole_new_provinces=frozenset(
            p for p in new_provinces if index.by_unit[("new_province", p, None)].rows <= rows
        ),
        units=units,
        rows=rows,
    )


def spelling(place: Place) -> str:
    """The shortest way to write `place` that names it alone: its name, then with its province,
    its old district, or both."""
    index = _index()
    forms = [place.name, f"{place.name}, {place.province}"]
    if place.district:
        forms.append(f"{place.name}, {place.district}")
        forms.append(f"{place.name}, {place.district}, {place.province}")
    for form in forms:
        try:
            if _resolve(index, form) == place:
                return form
        except _Unresolved:
            continue
    return forms[-1]


class _Unresolved(Exception):
    def __init__(
        self, kind: Literal["empty", "unknown", "qualifier", "ambiguous"], detail: str = "",
        name: str = "", candidates: Sequence[Place] = (),
    ) -> None:  # fmt: skip
        super().__init__(kind)
        self.kind: Literal["empty", "unknown", "qualifier", "ambiguous"] = kind
        self.detail = detail
        self.name = name
        self.candidates = tuple(candidates)

    def suggestions(self, index: _Index, text: str | None = None) -> tuple[str, ...]:
        if self.kind == "ambiguous":
            return tuple(dict.fromkeys(spelling(p) for p in self.candidates))
        if self.kind == "qualifier":
            return _closest(index, self.detail, qualifiers=True)
        if self.kind == "unknown":
            name, *qualifiers = [p.strip() for p in (text or "").split(",")]
            kept = _with_qualifiers(index, _close_names(self.name or name), qualifiers)
            rest = _closest(index, self.name or name)
            return tuple(dict.fromkeys((*kept, *rest)))[:SUGGESTIONS]
        return ()


def _resolve(index: _Index, text: str) -> Place:
    parts = [p.strip() for p in str(text).split(",")]
    if not parts[0]:
        raise _Unresolved("empty")
    candidates = index.by_name.get(fold(parts[0]), ())
    if not candidates:
        raise _Unresolved("unknown", name=parts[0])
    for qualifier in parts[1:]:
        targets = index.qualifiers.get(fold(qualifier)) if qualifier else None
        if not targets:
            raise _Unresolved("qualifier", qualifier)
        candidates = _within(candidates, targets)
        if not candidates:
            raise _Unresolved("unknown", name=parts[0])
    widest: list[Place] = []  # the candidates no other one holds, largest first
    for place in sorted(candidates, key=lambda p: (len(p.rows), p.level in _NEW_LEVELS)):
        widest = [p for p in widest if not p.rows <= place.rows]
        widest.insert(0, place)
    if len(widest) == 1:
        return widest[0]
    raise _Unresolved("ambiguous", candidates=widest)


def _within(candidates: Sequence[Place], targets: Sequence[Place]) -> tuple[Place, ...]:
    """The candidates a qualifier allows: the new units in a post-2025 province it names if there
    are any; else the old units in an old district or province it names, or whose communes went
    to a post-2025 province it names."""
    new_provinces = {t.name for t in targets if t.level == "new_province"}
    kept = tuple(c for c in candidates if c.level in _NEW_LEVELS and c.province in new_provinces)
    if kept:
        return kept
    provinces = {t.name for t in targets if t.level == "province"}
    districts = {(t.province, t.name) for t in targets if t.level == "district"}
    return tuple(
        c
        for c in candidates
        if c.level not in _NEW_LEVELS
        and (
            (c.province in provinces and c.level != "province")
            or bool(new_provinces.intersection(c.new_provinces))
            or (c.province, c.district) in districts
        )
    )


def _closest(index: _Index, name: str, qualifiers: bool = False) -> tuple[str, ...]:
    """The names closest to `name`, diacritics, case and prefix aside, written so that each
    names one unit."""
    out: list[str] = []
    for full in _close_names(name):
        units = index.by_name[fold(full)]
        if qualifiers:
            out += [u.name for u in units if u.level in ("district", "province", "new_province")]
        else:
            out += [spelling(u) for u in units]
    return tuple(dict.fromkeys(out))[:SUGGESTIONS]


def _close_names(name: str) -> tuple[str, ...]:
    """The mapping's names closest to `name`, diacritics, case and prefix aside."""
    key = fold_plain(name)
    if not key:
        return ()
    plain = _plain_names()
    matches = plain.get(key) or ()
    if not matches:
        close = difflib.get_close_matches(key, list(plain), n=SUGGESTIONS, cutoff=0.75)
        matches = tuple(dict.fromkeys(n for k in close for n in plain[k]))
    return tuple(matches)


def _with_qualifiers(
    index: _Index, names: Sequence[str], qualifiers: Sequence[str]
) -> tuple[str, ...]:
    """The close names written with the user's own qualifiers ("Xã Dak Pxi, Tỉnh Quảng Ngãi" →
    "Xã Đăk Pxi, Tỉnh Quảng Ngãi"), where that names one unit."""
    if not qualifiers:
        return ()
    out = []
    for full in names:
        written = ", ".join((full, *qualifiers))
        try:
            _resolve(index, written)
        except _Unresolved:
            continue
        out.append(written)
    return tuple(out)


@cache
def _index() -> _Index:
    data: dict[str, Any] = mapping_data()
    rows: tuple[dict[str, str], ...] = tuple(data["ward_mapping"])
    parts: dict[tuple[str, str, str | None], set[int]] = defaultdict(set)
    successors: dict[tuple[str, str, str | None], dict[str, None]] = defaultdict(dict)
    for i, r in enumerate(rows):
        old_p, old_d, old_w = r["old_province"], r["old_district"], r["old_ward"]
        keys: list[tuple[str, str, str | None]] = [
            ("province", old_p, None),
            ("district", old_p, old_d),
            ("new_province", r["new_province"], None),
        ]
        if old_w:
            keys.append(("commune", old_p, f"{old_d}\n{old_w}"))
        if r["new_ward"]:
            keys.append(("new_commune", r["new_province"], r["new_ward"]))
        for key in keys:
            parts[key].add(i)
            if key[0] in ("province", "district", "commune"):
                successors[key][r["new_province"]] = None
    by_unit: dict[tuple[str, str, str | None], Place] = {}
    for (level, province, detail), members in parts.items():
        district: str | None = None
        if level in ("province", "new_province"):
            name = province
        elif level == "commune":
            assert detail is not None
            district, name = detail.split("\n")
        else:
            assert detail is not None
            name = detail
        place = Place(
            level,  # type: ignore[arg-type]
            name,
            province,
            district,
            tuple(successors.get((level, province, detail), {})),
            frozenset(members),
        )
        by_unit[(level, province, detail)] = place
    by_name: dict[str, list[Place]] = defaultdict(list)
    qualifiers: dict[str, list[Place]] = defaultdict(list)
    for (level, _, _), place in by_unit.items():
        by_name[fold(place.name)].append(place)
        if level in ("district", "province", "new_province"):
            for form in (place.name, bare_name(place.name)):
                qualifiers[fold(form)].append(place)
    return _Index(
        rows=rows,
        by_name={k: tuple(v) for k, v in by_name.items()},
        qualifiers={k: tuple(v) for k, v in qualifiers.items()},
        by_unit=by_unit,
    )


@cache
def _plain_names() -> dict[str, tuple[str, ...]]:
    """Every unit name by its diacritic-free form, with and without its prefix (`Xã Đăk Pxi` under
    "xa dak pxi" and "dak pxi"): what suggestions are looked up in, built at the first error."""
    plain: dict[str, dict[str, None]] = defaultdict(dict)
    for place in _index().by_unit.values():
        for form in (place.name, bare_name(place.name)):
            plain[fold_plain(form)][place.name] = None
    return {k: tuple(v) for k, v in plain.items()}


# How many units a title names before counting the rest ("… và 3 xã khác").
TITLED_UNITS = 3


@dataclass(frozen=True)
class NewUnit:
    """One post-2025 unit of the area (by its new province and name) and the old communes of
    the area it was made of, wholly or in part, in the mapping's order."""

    province: str
    name: str
    predecessors: tuple[tuple[str, str, str], ...]


def new_units(area: WatchArea) -> tuple[NewUnit, ...]:
    """Every post-2025 unit of the area, with its predecessors in the area, in the mapping's
    order: the rows of the digest's table by commune and the choices of the console's filter."""
    return _new_units(area)


@cache
def _new_units(area: WatchArea) -> tuple[NewUnit, ...]:
    olds: dict[tuple[str, str], dict[tuple[str, str, str], None]] = {}
    for row in mapping_data()["ward_mapping"]:
        key = (row["new_province"], row["new_ward"])
        if key not in area.new_communes:
            continue
        old = (row["old_province"], row["old_district"], row["old_ward"])
        olds.setdefault(key, {})
        if old in area.old_communes:
            olds[key][old] = None
    return tuple(NewUnit(p, n, tuple(o)) for (p, n), o in olds.items())


def old_frame(area: WatchArea) -> bool:
    """Whether every place of the area is a pre-2025 unit (an old district, as the shorthand
    names it, old communes, an old province): its report then counts the old communes the press
    named, each beside the unit it became, as its office has always read them. An area with a
    post-2025 unit among its places (or built by hand, without them) is read in the new frame."""
    return bool(area.units) and all(u.level not in _NEW_LEVELS for u in area.units)


def area_title(area: WatchArea) -> str:
    """How a report names the area in a sentence: one unit with its prefix in lower case ("xã
    Đăk Pxi", "huyện Đăk Hà", "tỉnh Quảng Ngãi"); several of one kind after "các" ("các xã Đăk
    Pxi, Đăk Mar và Đăk Hà"), else each with its prefix ("huyện Sa Thầy và xã Măng Đen"); past
    `TITLED_UNITS` names, the rest counted ("các xã A, B, C và 4 xã khác")."""
    names = [u.name for u in area.units] or [p.split(",")[0].strip() for p in area.places]
    names = list(dict.fromkeys(names))
    kinds = {_kind(n) for n in names}
    shown, left = names[:TITLED_UNITS], len(names) - TITLED_UNITS
    if len(names) == 1:
        return _lower_first(names[0])
    if len(kinds) == 1 and "" not in kinds:
        kind = kinds.pop()
        listed = [bare_name(n) for n in shown]
        rest = f"{left} {kind} khác" if left > 0 else ""
        return f"các {kind} {_joined(listed, rest)}"
    listed = [_lower_first(n) for n in shown]
    return _joined(listed, f"{left} đơn vị khác" if left > 0 else "")


def _kind(name: str) -> str:
    """The prefix of a unit's name in lower case ("xã", "thị trấn"), or "" without one."""
    match = _PREFIX.match(name)
    return match.group(1).lower() if match else ""


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _joined(names: Sequence[str], rest: str) -> str:
    """ "A, B và C"; with `rest`, "A, B, C và <rest>"."""
    items = [*names, rest] if rest else list(names)
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} và {items[-1]}"
