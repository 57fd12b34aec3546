"""Checks the labelled evaluation set of the locality tagger (tests/data/locate_eval.jsonl).

The labels are only worth something if every name is a real unit of underthesea's mapping at the
right level and the per-district counts in the README are the file's.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.kit.eval_set import KINDS, gazetteer, problems

DATA = Path(__file__).parent / "data"
EVAL = DATA / "locate_eval.jsonl"
README = DATA / "README.md"


@cache
def items() -> tuple[dict[str, Any], ...]:
    lines = EVAL.read_text(encoding="utf-8").splitlines()
    return tuple(json.loads(line) for line in lines if line.strip())


def test_every_line_is_a_json_object_with_unique_ids() -> None:
    ids = [item["id"] for item in items()]
    assert len(items()) >= 150
    assert len(ids) == len(set(ids))


def test_every_item_is_well_formed_and_named_as_in_the_mapping() -> None:
    gaz = gazetteer()
    bad = {item["id"]: problems(item, gaz) for item in items()}
    assert {k: v for k, v in bad.items() if v} == {}


def test_every_old_district_has_five_positives() -> None:
    gaz = gazetteer()
    assert len(gaz.districts) == 10
    counts = Counter(d for item in items() for d in item["districts"])
    assert {d: counts[d] for d in gaz.districts if counts[d] < 5} == {}


def test_the_mix_is_about_45_35_20() -> None:
    kinds = Counter(item["id"].split("-")[0] for item in items())
    total = sum(kinds.values())
    assert 0.40 <= kinds["pos"] / total <= 0.50
    assert 0.30 <= kinds["neg"] / total <= 0.40
    assert 0.15 <= kinds["unr"] / total <= 0.25


def test_the_hard_cases_the_tagger_must_get_right_are_present() -> None:
    by_id = {item["id"]: item for item in items()}
    texts = {i: item["text"] for i, item in by_id.items()}

    def labelled(pattern: str) -> set[str]:
        return {i for i, t in texts.items() if re.search(pattern, t, re.IGNORECASE)}

    assert any(by_id[i]["districts"] == [] for i in labelled(r"xã Tân Lập, huyện Thanh Sơn"))
    assert any(by_id[i]["districts"] == ["Huyện Đắk Glei"] for i in labelled("xã Đăk Long"))
    assert any(by_id[i]["districts"] == ["Huyện Tu Mơ Rông"] for i in labelled("xã Đăk Hà,"))
    assert any("Xã Đăk Hà" in by_id[i]["new_communes"] for i in labelled(r"trước đây là"))
    assert labelled(r"\bDak Ha\b"), "a passage typed without diacritics"
    assert labelled("H’Drai") and labelled("H' Drai") and labelled("Ia HDrai")
    assert labelled(r"Kon Tum \(cũ\)") and labelled("Măng Đen") and labelled("Ngọk Hồi")


def test_readme_counts_are_the_files() -> None:
    readme = README.read_text(encoding="utf-8")
    counts = Counter(d for item in items() for d in item["districts"])
    for district in gazetteer().districts:
        assert f"| {district} | {counts[district]} |" in readme
    kinds = Counter(item["id"].split("-")[0] for item in items())
    assert f"{len(items())} passages" in readme
    for kind in KINDS:
        assert f"| `{kind}` | {kinds[kind]} |" in readme


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"districts": ["Huyện Đắk Hà"]}, "not an old district: Huyện Đắk Hà"),
        ({"communes": ["Xã Đắk Pxi"]}, "not an old commune: Xã Đắk Pxi"),
        ({"communes": ["Xã Mô Rai"]}, "commune without its district: Xã Mô Rai"),
        ({"new_communes": ["Xã Hà Mòn"]}, "not a successor unit: Xã Hà Mòn"),
        ({"relevant_for": ["Huyện Sa Thầy"]}, "relevant_for outside districts"),
        ({"text": "Tiêu đề không có thân bài"}, "needs a title line and a body"),
        ({"text": unicodedata.normalize("NFD", "Đăk Hà\nthân bài")}, "text not NFC"),
        ({"tone": "tiêu cực"}, "tone 'tiêu cực'"),
    ],
)
def test_the_checker_catches_bad_labels(change: dict[str, Any], expected: str) -> None:
    good = {
        "id": "pos-999",
        "text": "Đăk Pxi\nNgười dân xã Đăk Pxi, huyện Đăk Hà phản ánh đường hỏng.",
        "districts": ["Huyện Đăk Hà"],
        "communes": ["Xã Đăk Pxi"],
        "new_communes": [],
        "relevant_for": ["Huyện Đăk Hà"],
        "tone": "negative",
        "note": "mẫu",
    }
    assert problems(good, gazetteer()) == []
    assert expected in problems({**good, **change}, gazetteer())
