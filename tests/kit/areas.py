"""Configs of several watch areas (`areas:`) for the tests: YAML text and real place names."""

from __future__ import annotations

import json
from collections.abc import Sequence

from nlp.area import mapping_data

SOURCES = "sources: [{name: x, title: X, feeds: ['https://x.vn/rss']}]\n"
ALIASES = "locality: {aliases: {Xã Đăk Pxi: [Đắk Pxi]}}\n"
DAK_PXI = "Xã Đăk Pxi, Tỉnh Quảng Ngãi"
DAK_MAR = "Xã Đăk Mar, Tỉnh Quảng Ngãi"


def new_communes(province: str, count: int) -> list[str]:
    """`count` post-2025 communes of a new province, qualified with it ("Xã X, Tỉnh Y")."""
    rows = mapping_data()["ward_mapping"]
    names = dict.fromkeys(
        r["new_ward"] for r in rows if r["new_province"] == province and r["new_ward"]
    )
    return [f"{name}, {province}" for name in list(names)[:count]]


def areas_yaml(areas: Sequence[dict[str, object]], top: str = "", locality: str = ALIASES) -> str:
    """A config of these areas (each a mapping, written as JSON, which YAML reads), with the
    top-level keys `top` and a locality that only has aliases."""
    lines = "".join(f"  - {json.dumps(a, ensure_ascii=False)}\n" for a in areas)
    return f"{locality}{SOURCES}{top}areas:\n{lines}"
