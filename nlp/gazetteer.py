"""The gazetteer: every name of an administrative unit, built from underthesea's mapping.json.

It knows every old province, district and commune of the country and the post-2025 units each
became, with the watch area's units marked (`in_watch_area`, `nlp.area`), so that a "xã Hòa
Bình" elsewhere is recognised as not ours; spelling variants are added for the names of the
provinces the area lies in. Never a hand-typed list.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from nlp.area import PlaceError, WatchArea, bare_name, district_area, mapping_data
from nlp.normalize import fold, fold_plain, has_diacritics, strip_text

log = logging.getLogger(__name__)

Level = Literal["province", "new_province", "district", "commune", "new_commune"]

_ROMAN = re.compile(r"[ivxl]+")


@dataclass(frozen=True)
class Unit:
    """One administrative unit, named exactly as in mapping.json.

    Old units (`province`, `district`, `commune`) carry their successors (`new_names`,
    `new_province`); post-2025 units (`new_province`, `new_commune`) carry the old districts and
    provinces they cover.
    """

    level: Level
    name: str
    province: str
    district: str | None = None
    new_names: tuple[str, ...] = ()
    new_province: str | None = None
    districts: tuple[str, ...] = ()
    old_provinces: tuple[str, ...] = ()
    in_watch_area: bool = False

    @property
    def new_name(self) -> str | None:
        """The successor of an old commune when there is exactly one."""
        return self.new_names[0] if len(self.new_names) == 1 else None


@dataclass(frozen=True, eq=False)
class Gazetteer:
    """Names (normalised keys) → units, with the keys the matcher scans for, for one watch area."""

    area: WatchArea
    units: tuple[Unit, ...]
    exact: Mapping[str, tuple[Unit, ...]]
    plain: Mapping[str, tuple[str, ...]]
    scan_keys: frozenset[str]

    @classmethod
    def build(
        cls, province: str, district: str, aliases: Mapping[str, Iterable[str]] | None = None
    ) -> Gazetteer:
        """The gazetteer for a watched old district (names as in mapping.json); cached. A
        `LookupError` when the mapping has no such district."""
        try:
            area = district_area(province, district)
        except PlaceError:
            raise LookupError(
                f"Không tìm thấy {district}, {province} trong dữ liệu đơn vị hành chính của "
                "underthesea"
            ) from None
        return cls.for_area(area, aliases)

    @classmethod
    def for_area(
        cls, area: WatchArea, aliases: Mapping[str, Iterable[str]] | None = None
    ) -> Gazetteer:
        """The gazetteer for a watch area (`nlp.area`); cached."""
        frozen = tuple(sorted((k, tuple(v)) for k, v in (aliases or {}).items()))
        return _build(area, frozen)

    @property
    def provinces(self) -> tuple[str, ...]:
        """The old provinces the watch area lies in (wholly or in part)."""
        return self.area.provinces

    @property
    def new_provinces(self) -> tuple[str, ...]:
        """The post-2025 provinces the watch area lies in."""
        return self.area.new_provinces

    @property
    def watch_units(self) -> tuple[Unit, ...]:
        """The units of the watch area: its old and new communes, and the districts and provinces
        that lie wholly in it."""
        return tuple(u for u in self.units if u.in_watch_area)

    def lookup(self, name: str) -> tuple[Unit, ...]:
        """Units called `name` (with or without prefix or diacritics)."""
        key = fold(name)
        if key in self.exact and has_diacritics(unicodedata.normalize("NFC", name)):
            return self.exact[key]
        found: dict[Unit, None] = {}
        for exact_key in self.plain.get(fold_plain(name), ()):
            found.update(dict.fromkeys(self.exact[exact_key]))
        return tuple(found)


@cache
def _build(area: WatchArea, aliases: tuple[tuple[str, tuple[str, ...]], ...]) -> Gazetteer:
    data = mapping_data()
    rows: list[dict[str, str]] = data["ward_mapping"]
    provinces = frozenset(area.provinces)
    units = _units(rows, data, area)
    exact: dict[str, dict[Unit, None]] = defaultdict(dict)
    scan: set[str] = set()
    folded = cache(fold)
    for unit in units:
        full, bare = folded(unit.name), folded(bare_name(unit.name))
        exact[full][unit] = None
        if _scannable(bare):
            exact[bare][unit] = None
            scan.add(bare)
        else:
            scan.add(full)
    by_name: dict[str, list[Unit]] = defaultdict(list)
    for unit in units:
        by_name[unit.name].append(unit)
    for short in _province_short_names(data):
        key = fold(short.alias)
        for unit in by_name.get(short.name, ()):
            if unit.level in ("province", "new_province"):
                exact[key][unit] = None
                scan.add(key)
    for key, spelled in _variants(units, exact, provinces).items():
        exact[key].update(dict.fromkeys(spelled))
        scan.add(key)
    for name, spellings in aliases:
        targets = [u for u in by_name.get(name, ()) if _in_provinces(u, provinces)]
        if not targets:
            where = ", ".join(area.provinces)
            log.warning("Bí danh cho '%s': không có đơn vị nào tên này trong %s", name, where)
            continue
        for spelling in spellings:
            key = fold(spelling)
            if _scannable(key):
                exact[key].update(dict.fromkeys(targets))
                scan.add(key)
    plain: dict[str, dict[str, None]] = defaultdict(dict)
    for key in exact:
        plain[strip_text(key)][key] = None
    return Gazetteer(
        area=area,
        units=tuple(units),
        exact={k: tuple(v) for k, v in exact.items()},
        plain={k: tuple(v) for k, v in plain.items()},
        scan_keys=frozenset(scan),
    )


_TONES = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng
_HATS = "\u0302\u0306\u031b"  # â ê ô, ă, ơ ư
_CONSONANTS = "bcdđghklmnpqrtv"
_CLUSTER = re.compile(r"^([bpktdđhmr])([bcdfghklmnpqrstvxz]\w*)$")


def _variants(
    units: Iterable[Unit], exact: Mapping[str, Mapping[Unit, None]], provinces: frozenset[str]
) -> dict[str, tuple[Unit, ...]]:
    """Spellings of the watched provinces' names of two syllables or more, as real text writes
    minority-language names: P and B initials swapped (Pờ Y ~ Bờ Y, Đăk Blô ~ Đăk Plô), a tone
    mark or a hat dropped (Tờ Re ~ Tơ Re, Sa Thầy ~ Sa Thày), syllables joined or split (Kon
    Tum ~ KonTum, Pne ~ Pơ Ne), s and x swapped after an initial consonant (Đăk Pxi ~ Đăk Psi),
    and in the names of the province and its districts, the ones the press writes most, a
    final n or m swapped (Kon Tum ~ Kom Tum; not in communes, where "Duy Tân" would give the
    word "duy tâm"). (Đắc/Đác for Đăk is `nlp.normalize`'s fold.) A spelling counts only
    where it is unambiguous nationwide: no other name of the country reads so, except the
    post-2025 unit the same place became, and no two of our names give it."""
    found: dict[str, dict[Unit, None]] = defaultdict(dict)
    clash: set[str] = set()
    by_key: dict[str, list[Unit]] = defaultdict(list)
    large: set[str] = set()
    for unit in units:
        if _in_provinces(unit, provinces) and unit.level != "new_province":
            by_key[fold(bare_name(unit.name))].append(unit)
            if unit.level in ("province", "district"):
                large.add(fold(bare_name(unit.name)))
    for key, owners in by_key.items():
        if " " not in key or not _scannable(key):
            continue
        for variant in _spellings(key, final_nasal=key in large):
            if variant == key or not _scannable(variant):
                continue
            if variant in exact and not _same_place(exact[variant], owners):
                continue
            if variant in found and not _same_place(found[variant], owners):
                clash.add(variant)
            found[variant].update(dict.fromkeys(owners))
    return {k: tuple(v) for k, v in found.items() if k not in clash}


def _same_place(these: Iterable[Unit], owners: Iterable[Unit]) -> bool:
    """Whether every unit of `these` is one of `owners` or the post-2025 unit one became."""
    names = {n for o in owners for n in (o.name, *o.new_names)}
    return all(u.name in names for u in these)


def _spellings(key: str, final_nasal: bool = False) -> set[str]:
    words = key.split(" ")
    out = {"".join(words)} if len(words) == 2 else set()
    for i, word in enumerate(words):
        changed: list[str | list[str]] = []
        if word[:1] in "pb" and not word.startswith("ph"):
            changed.append(("b" if word[0] == "p" else "p") + word[1:])
        decomposed = unicodedata.normalize("NFD", word)
        for marks in (_TONES, _HATS):
            stripped = "".join(c for c in decomposed if c not in marks)
            if stripped != decomposed:
                changed.append(unicodedata.normalize("NFC", stripped))
        if final_nasal and len(word) > 2 and word[-1] in "nm" and word[-2] not in "nm":
            changed.append(word[:-1] + ("m" if word[-1] == "n" else "n"))
        if len(word) > 2 and word[0] in _CONSONANTS and word[1] in "sx":
            changed.append(word[0] + ("x" if word[1] == "s" else "s") + word[2:])
        cluster = _CLUSTER.match(word)
        if cluster:
            changed.append([f"{cluster.group(1)}ơ", cluster.group(2)])
        if word.endswith("ơ") and len(word) == 2 and i + 1 < len(words):
            out.add(" ".join([*words[:i], word[0] + words[i + 1], *words[i + 2 :]]))
        for new in changed:
            parts = new if isinstance(new, list) else [new]
            out.add(" ".join([*words[:i], *parts, *words[i + 1 :]]))
    return {fold(v) for v in out}


def _scannable(key: str) -> bool:
    """Whether a name can be scanned alone: not a number ("Phường 1" → "1", "Phường IV" → "iv")."""
    return len(key) > 1 and any(c.isalpha() for c in key) and not _ROMAN.fullmatch(key)


def _in_provinces(unit: Unit, provinces: frozenset[str]) -> bool:
    """Whether a unit is (or, for a post-2025 unit, covers part of) one of these old provinces."""
    return unit.province in provinces or not provinces.isdisjoint(unit.old_provinces)


@dataclass(frozen=True)
class _Short:
    name: str
    alias: str


def _province_short_names(data: Mapping[str, Any]) -> list[_Short]:
    shorts = [*data["old_province_names"].values(), *data["province_names"].values()]
    return [_Short(s["name"], s["short"]) for s in shorts if s.get("short")]


def _units(rows: list[dict[str, str]], data: Mapping[str, Any], area: WatchArea) -> list[Unit]:
    new_of_old: dict[tuple[str, str, str], dict[str, None]] = defaultdict(dict)
    new_province_of: dict[tuple[str, str, str], str] = {}
    covers: dict[tuple[str, str], dict[str, None]] = defaultdict(dict)
    covers_prov: dict[tuple[str, str], dict[str, None]] = defaultdict(dict)
    districts: dict[tuple[str, str], str] = {}
    provinces: dict[str, str] = {}
    for r in rows:
        old = (r["old_province"], r["old_district"], r["old_ward"])
        new = (r["new_province"], r["new_ward"])
        new_of_old[old][r["new_ward"]] = None
        new_province_of[old] = r["new_province"]
        covers[new][r["old_district"]] = None
        covers_prov[new][r["old_province"]] = None
        districts[(r["old_province"], r["old_district"])] = r["new_province"]
        provinces[r["old_province"]] = r["new_province"]
    units: list[Unit] = []
    for old_prov, new_prov in provinces.items():
        watched = old_prov in area.whole_provinces
        units.append(
            Unit("province", old_prov, old_prov, new_province=new_prov, in_watch_area=watched)
        )
    for new_prov in sorted({s["name"] for s in data["province_names"].values()}):
        olds = tuple(o for o, n in provinces.items() if n == new_prov)
        watched = new_prov in area.whole_new_provinces
        units.append(
            Unit("new_province", new_prov, new_prov, old_provinces=olds, in_watch_area=watched)
        )
    for (old_prov, dist), new_prov in districts.items():
        watched = area.has_district(old_prov, dist)
        units.append(Unit("district", dist, old_prov, new_province=new_prov, in_watch_area=watched))
    for (old_prov, dist, ward), news in new_of_old.items():
        if not ward:
            continue
        units.append(
            Unit(
                "commune",
                ward,
                old_prov,
                district=dist,
                new_names=tuple(n for n in news if n),
                new_province=new_province_of[(old_prov, dist, ward)],
                in_watch_area=(old_prov, dist, ward) in area.old_communes,
            )
        )
    for (new_prov, ward), dists in covers.items():
        if not ward:
            continue
        units.append(
            Unit(
                "new_commune",
                ward,
                new_prov,
                districts=tuple(dists),
                old_provinces=tuple(covers_prov[(new_prov, ward)]),
                in_watch_area=(new_prov, ward) in area.new_communes,
            )
        )
    return units
