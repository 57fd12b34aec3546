"""The queue's commune filter for a watch area that is any set of places: its choices are the
area's post-2025 units, with the old names as aliases that map to them, and a new commune also
finds the stories that named its predecessors; for an area of one new commune and a province."""

from __future__ import annotations

import re
from pathlib import Path

from storage import Store, UnitRecord
from tests.kit.console import area_console, save_tagged

QN, KT = "Tỉnh Quảng Ngãi", "Tỉnh Kon Tum"


def new(name: str, watched: bool = True) -> UnitRecord:
    return UnitRecord("new_commune", name, QN, None, None, None, watched)


def old(name: str, district: str, watched: bool = True) -> UnitRecord:
    return UnitRecord("commune", name, KT, district, None, QN, watched)


STORIES = [
    ("pxi-new", (new("Xã Đăk Pxi"),)),
    ("long-dak-ha", (old("Xã Đăk Long", "Huyện Đăk Hà"),)),
    ("pxi-old", (old("Xã Đăk Pxi", "Huyện Đăk Hà"),)),
    ("long-new", (new("Xã Đăk Long"),)),  # Đắk Glei's, unchanged in 2025
    ("long-dak-glei", (old("Xã Đăk Long", "Huyện Đắk Glei"),)),
]


def _stories(html: str) -> set[str]:
    return set(re.findall(r'data-story="([^"]+)"', html))


def _choices(html: str) -> tuple[list[str], list[str]]:
    """The commune select's values: the units, then the old names (the optgroup)."""
    select = html[
        html.index('id="f-commune"') : html.index("</select>", html.index('id="f-commune"'))
    ]
    units, _, aliases = select.partition("<optgroup")
    values = re.compile(r'<option value="([^"]+)"')
    return values.findall(units), values.findall(aliases)


def test_an_area_of_one_new_commune_filters_by_it_and_its_old_names(
    store: Store, tmp_path: Path
) -> None:
    console = area_console(store, tmp_path, ["Xã Đăk Pxi, Tỉnh Quảng Ngãi"])
    ids = dict(zip([k for k, _ in STORIES], save_tagged(store, STORIES), strict=True))
    client = console.client("canbo")
    html = client.get("/queue").text
    assert _choices(html) == (["Xã Đăk Pxi"], ["Xã Đăk Long"])
    assert "Xã Đăk Long (cũ, nay xã Đăk Pxi)" in html
    pxi = {f"cluster:{ids[k]}" for k in ("pxi-new", "long-dak-ha", "pxi-old")}
    assert _stories(client.get("/queue?commune=Xã Đăk Pxi").text) == pxi
    # The old name stands for the new commune it became.
    assert _stories(client.get("/queue?commune=Xã Đăk Long").text) == pxi
    assert _stories(client.get("/queue?commune=Xã Đăk Mar").text) == set()
    assert len(_stories(client.get("/queue").text)) == len(STORIES)


def test_a_province_lists_every_new_unit_and_tells_same_named_communes_apart(
    store: Store, tmp_path: Path
) -> None:
    console = area_console(store, tmp_path, ["Tỉnh Quảng Ngãi"])
    ids = dict(zip([k for k, _ in STORIES], save_tagged(store, STORIES), strict=True))
    client = console.client("xem")
    html = client.get("/queue").text
    units, aliases = _choices(html)
    assert len(units) > 90 and {"Xã Đăk Pxi", "Xã Đăk Long", "Phường Cẩm Thành"} <= set(units)
    # Đăk Hà's old Xã Đăk Long is written with its district: Đắk Glei's kept its name.
    assert "Xã Đăk Long, Huyện Đăk Hà" in aliases and "Xã Đăk Long" not in aliases
    assert "Phường Chánh Lộ" in aliases
    pxi = {f"cluster:{ids[k]}" for k in ("pxi-new", "long-dak-ha", "pxi-old")}
    long = {f"cluster:{ids[k]}" for k in ("long-new", "long-dak-glei")}
    assert _stories(client.get("/queue?commune=Xã Đăk Pxi").text) == pxi
    assert _stories(client.get("/queue?commune=Xã Đăk Long").text) == long
    assert _stories(client.get("/queue?commune=Xã Đăk Long, Huyện Đăk Hà").text) == pxi
    assert _stories(client.get("/queue?commune=Không có").text) == set()
