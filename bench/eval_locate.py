"""Precision, recall and F1 of the locality tagger on the labelled set tests/data/locate_eval.jsonl,
at district level (old districts, a new commune counting for the old districts it covers) and at
commune level (old and new communes). Prints figures; asserts nothing."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlp.locate import Locator  # noqa: E402

DATA = ROOT / "tests" / "data" / "locate_eval.jsonl"


def evaluate(locator: Locator, items: list[dict]) -> dict[str, tuple[float, float, float]]:
    counts = {"district": [0, 0, 0], "commune": [0, 0, 0]}  # tp, fp, fn
    for item in items:
        result = locator.locate(item["text"], item["id"])
        got_d = {u["name"] for u in result["units"] if u["level"] == "district"}
        for u in result["units"]:
            if u["level"] == "new_commune":
                got_d |= set(u["districts"])
        got_c = {u["name"] for u in result["units"] if u["level"] in ("commune", "new_commune")}
        want_d = set(item["districts"])
        want_c = set(item["communes"]) | set(item["new_communes"])
        for level, got, want in (("district", got_d, want_d), ("commune", got_c, want_c)):
            counts[level][0] += len(got & want)
            counts[level][1] += len(got - want)
            counts[level][2] += len(want - got)
    figures = {}
    for level, (tp, fp, fn) in counts.items():
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        figures[level] = (p, r, f)
    return figures


def load() -> list[dict]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line]


def main() -> None:
    locator = Locator.build("Tỉnh Kon Tum", "Huyện Đăk Hà")
    items = load()
    for level, (p, r, f) in evaluate(locator, items).items():
        print(f"{level:9s} P {p:.3f}  R {r:.3f}  F1 {f:.3f}  ({len(items)} passages)")


if __name__ == "__main__":
    main()
