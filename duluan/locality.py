"""The watch area as underthesea's administrative data names it (old and post-2025 units).

The shell's view of it: the names to put in keyword-search feeds, and the check at start that
the configured district exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from duluan.config import Locality
from nlp.gazetteer import bare_name, mapping_data

# Regional spellings of the same syllable, so that a search also finds the other spelling.
_VARIANTS = (("Đăk", "Đắk"), ("Ngọk", "Ngọc"))


@dataclass(frozen=True)
class WatchArea:
    province: str
    district: str
    old_communes: tuple[str, ...]
    new_communes: tuple[str, ...]


def _mapping() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = mapping_data()["ward_mapping"]
    return rows


def watch_area(locality: Locality) -> WatchArea:
    """The configured district's old communes and the new units they became."""
    rows = [
        row
        for row in _mapping()
        if row["old_province"] == locality.province and row["old_district"] == locality.district
    ]
    if not rows:
        raise LookupError(
            f"locality: không tìm thấy {locality.district}, {locality.province} trong dữ liệu "
            "đơn vị hành chính của underthesea / not found in underthesea's administrative data"
        )
    old = tuple(dict.fromkeys(row["old_ward"] for row in rows))
    new = tuple(dict.fromkeys(row["new_ward"] for row in rows))
    return WatchArea(locality.province, locality.district, old, new)


def search_queries(locality: Locality) -> list[str]:
    """One keyword-search query per watched place: district, old and new communes, quoted, with
    regional spelling variants and config aliases joined by OR."""
    area = watch_area(locality)
    provinces = {bare_name(area.province)} | {
        bare_name(row["new_province"]) for row in _mapping() if row["old_province"] == area.province
    }
    where = " OR ".join(f'"{p}"' for p in sorted(provinces))
    district = _spellings(area.district, locality)
    queries = [district]
    for unit in (*area.old_communes, *area.new_communes):
        spelled = _spellings(unit, locality)
        query = f"({spelled}) ({where})"
        if spelled != district and query not in queries:
            queries.append(query)
    return queries


def _spellings(unit: str, locality: Locality) -> str:
    names = [bare_name(unit), *locality.aliases.get(unit, [])]
    for plain, other in _VARIANTS:
        names += [n.replace(plain, other) for n in names if plain in n]
    return " OR ".join(f'"{n}"' for n in dict.fromkeys(names))
