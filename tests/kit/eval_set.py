"""The checker of the labelled locality set (tests/data/locate_eval.jsonl): `gazetteer()`, the
old Kon Tum units and their successors from underthesea's mapping, and `problems(item, gaz)`,
what is wrong with one labelled item."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

PROVINCE = "Tỉnh Kon Tum"
KEYS = {"id", "text", "districts", "communes", "new_communes", "relevant_for", "tone", "note"}
LIST_KEYS = ("districts", "communes", "new_communes", "relevant_for")
TONES = {"negative", "neutral", "positive"}
KINDS = {"pos", "neg", "unr"}


@dataclass(frozen=True)
class Gazetteer:
    """The old Kon Tum units and their successors, each with the old districts it covers."""

    districts: frozenset[str]
    old_communes: dict[str, frozenset[str]]
    new_communes: dict[str, frozenset[str]]


@cache
def gazetteer() -> Gazetteer:
    """The old Kon Tum units and their successors, read once from underthesea's mapping."""
    path = resources.files("underthesea") / "address" / "data" / "mapping.json"
    rows = [
        r
        for r in json.loads(path.read_text(encoding="utf-8"))["ward_mapping"]
        if r["old_province"] == PROVINCE
    ]
    old: dict[str, set[str]] = {}
    new: dict[str, set[str]] = {}
    for r in rows:
        old.setdefault(r["old_ward"], set()).add(r["old_district"])
        new.setdefault(r["new_ward"], set()).add(r["old_district"])
    return Gazetteer(
        frozenset(r["old_district"] for r in rows),
        {k: frozenset(v) for k, v in old.items()},
        {k: frozenset(v) for k, v in new.items()},
    )


def problems(item: dict[str, Any], gaz: Gazetteer) -> list[str]:
    """What is wrong with one labelled item (empty when it is well formed)."""
    found: list[str] = []
    if set(item) != KEYS:
        return [f"keys {sorted(set(item) ^ KEYS)}"]
    text, districts = item["text"], set(item["districts"])
    if unicodedata.normalize("NFC", text) != text:
        found.append("text not NFC")
    title, _, body = text.partition("\n")
    if not title.strip() or not body.strip():
        found.append("needs a title line and a body")
    for key in LIST_KEYS:
        if len(set(item[key])) != len(item[key]):
            found.append(f"duplicate in {key}")
    found += [f"not an old district: {d}" for d in districts - gaz.districts]
    for name in item["communes"]:
        if name not in gaz.old_communes:
            found.append(f"not an old commune: {name}")
        elif not gaz.old_communes[name] & districts:
            found.append(f"commune without its district: {name}")
    for name in item["new_communes"]:
        if name not in gaz.new_communes:
            found.append(f"not a successor unit: {name}")
        elif not gaz.new_communes[name] & districts:
            found.append(f"new commune without an old district it covers: {name}")
    if not set(item["relevant_for"]) <= districts:
        found.append("relevant_for outside districts")
    if item["tone"] not in TONES:
        found.append(f"tone {item['tone']!r}")
    if not item["note"].strip():
        found.append("empty note")
    kind = item["id"].split("-")[0]
    if kind not in KINDS:
        found.append(f"id kind {kind!r}")
    elif (kind == "pos") != bool(districts):
        found.append("only 'pos' items have districts")
    return found
