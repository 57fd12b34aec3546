"""bench/eval_locate.py's watched-area figures per area level: the gold of a record under an area
of one new commune, the old district and the new province, derived from the places the sets
label (both label formats), and the tagger's decision read in the labels' terms."""

from __future__ import annotations

import pytest

from bench.eval_locate import (
    _labelled_new_units,
    area_levels,
    gold_in_area,
    gold_places,
    tagged_in_area,
)
from nlp.area import district_area, resolve_places

PXI = resolve_places(["Xã Đăk Pxi, Tỉnh Quảng Ngãi"])
MAR = resolve_places(["Xã Đăk Mar, Tỉnh Quảng Ngãi"])
DAK_HA = district_area("Tỉnh Kon Tum", "Huyện Đăk Hà")
PROVINCE = resolve_places(["Tỉnh Quảng Ngãi"])


@pytest.mark.parametrize(
    ("item", "areas"),
    [
        # The real-text set: "<district>/<commune>"; Đăk Hà's Đăk Long went into Đăk Pxi.
        ({"districts": ["Huyện Đăk Hà"], "communes": ["Huyện Đăk Hà/Xã Đăk Long"],
          "new_units": []}, {"pxi", "district", "province"}),
        # The written sets: a commune's name alone is the one of its labelled district.
        ({"districts": ["Huyện Đắk Glei"], "communes": ["Xã Đăk Long"], "new_communes": []},
         {"province"}),
        ({"districts": ["Huyện Đăk Hà"], "communes": ["Xã Đăk Long"], "new_communes": []},
         {"pxi", "district", "province"}),
        ({"districts": ["Huyện Đăk Hà"], "communes": [], "new_communes": ["Xã Đăk Mar"]},
         {"mar", "district", "province"}),
        ({"districts": ["Huyện Đăk Hà"], "communes": [], "new_units": ["Xã Đăk Pxi"]},
         {"pxi", "district", "province"}),
        # A district alone is no commune of it; it is the district, and in the province.
        ({"districts": ["Huyện Đăk Hà"], "communes": [], "new_communes": []},
         {"district", "province"}),
        ({"districts": ["Huyện Sa Thầy"], "communes": ["Huyện Sa Thầy/Xã Ya ly"], "new_units": []},
         {"province"}),
        # No labels (a trap, the province named alone, Quảng Ngãi's coast): in no area.
        ({"districts": [], "communes": [], "new_units": [], "province_only": True}, set()),
    ],
)  # fmt: skip
def test_gold_follows_the_area(item: dict, areas: set[str]) -> None:
    gold = gold_places(item)
    named = {"pxi": PXI, "mar": MAR, "district": DAK_HA, "province": PROVINCE}
    assert {name for name, area in named.items() if gold_in_area(gold, area)} == areas


def test_gold_places_keys_units_as_the_area_does() -> None:
    gold = gold_places(
        {"districts": ["Huyện Đăk Hà"], "communes": ["Xã Đăk Pxi"], "new_communes": ["Xã Đăk Ui"]}
    )
    assert gold.communes == {("Tỉnh Kon Tum", "Huyện Đăk Hà", "Xã Đăk Pxi")}
    assert gold.new_units == {("Tỉnh Quảng Ngãi", "Xã Đăk Ui")}
    assert gold.districts == {("Tỉnh Kon Tum", "Huyện Đăk Hà")}


def test_the_taggers_decision_in_the_labels_terms() -> None:
    labelled = _labelled_new_units()
    commune = {"level": "commune", "name": "Xã Đăk Pxi", "province": "Tỉnh Kon Tum",
               "in_watch_area": True}  # fmt: skip
    province = {"level": "new_province", "name": "Tỉnh Quảng Ngãi",
                "province": "Tỉnh Quảng Ngãi", "in_watch_area": True}  # fmt: skip
    coast = {"level": "new_commune", "name": "Phường Cẩm Thành", "province": "Tỉnh Quảng Ngãi",
             "in_watch_area": True}  # fmt: skip
    highland = {**coast, "name": "Xã Đăk Pxi"}
    assert tagged_in_area({"relevant": True, "units": [province, commune]}, labelled) is True
    assert tagged_in_area({"relevant": True, "units": [highland]}, labelled) is True
    assert tagged_in_area({"relevant": False, "units": [commune]}, labelled) is False
    # Relevant only through what the sets do not label: not judged.
    assert tagged_in_area({"relevant": True, "units": [province, coast]}, labelled) is None
    outside = {**commune, "in_watch_area": False}
    assert tagged_in_area({"relevant": True, "units": [outside]}, labelled) is None


def test_the_levels_are_the_districts_new_communes_the_district_and_the_province() -> None:
    levels = area_levels()
    assert sorted(n for a in levels["new commune"] for _, n in a.new_communes) == [
        "Xã Ngọk Réo", "Xã Đăk Hà", "Xã Đăk Mar", "Xã Đăk Pxi", "Xã Đăk Ui"
    ]  # fmt: skip
    assert levels["old district"] == [DAK_HA]
    assert levels["province"] == [PROVINCE]
