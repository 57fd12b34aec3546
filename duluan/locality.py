"""The watch area as underthesea's administrative data names it (old and post-2025 units).

Only what the shell needs before the tagger exists: the names to put in keyword-search feeds.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from duluan.config import Locality

_PREFIX = re.compile(r"^(Tỉnh|Thành phố|Huyện|Quận|Thị xã|Thị trấn|Xã|Phường)\s+", re.IGNORECASE)
# Regional spellings of the same syllable, so that a search also finds the other spelling.
_VARIANTS = (("Đăk", "Đắk"), ("Ngọk", "Ngọc"))


@dataclass(frozen=True)
class WatchArea:
    province: str
    district: str
    old_communes: tuple[str, ...]
    new_communes: tuple[str, ...]


@cache
def _mapping() -> list[dict[str, Any]]:
    path = resources.files("underthesea") / "address" / "data" / "mapping.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return list(data["ward_mapping"])


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


def bare_name(name: str) -> str:
    """`Xã Đăk Pxi` → `Đăk Pxi`."""
    return _PREFIX.sub("", name).strip()


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
