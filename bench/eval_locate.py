"""Precision, recall and F1 of the locality tagger on its labelled sets, at district level (old
districts, a new commune counting for the old districts it covers) and at commune level (old and
new communes). `tuned` is tests/data/locate_eval.jsonl, the set the tagger was tuned on;
`heldout` is tests/data/locate_heldout.jsonl, written later and never used for tuning, so its
figures are the honest ones. Prints figures; asserts nothing."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlp.locate import Locator  # noqa: E402

DATA = ROOT / "tests" / "data" / "locate_eval.jsonl"
HELDOUT = ROOT / "tests" / "data" / "locate_heldout.jsonl"
SETS = {"tuned": DATA, "heldout": HELDOUT}
LEVELS = ("district", "commune")


def got_and_wanted(locator: Locator, item: dict) -> dict[str, tuple[set[str], set[str]]]:
    """Per level, the names the tagger reports for one passage and the names labelled."""
    result = locator.locate(item["text"], item["id"])
    got_d = {u["name"] for u in result["units"] if u["level"] == "district"}
    for u in result["units"]:
        if u["level"] == "new_commune":
            got_d |= set(u["districts"])
    got_c = {u["name"] for u in result["units"] if u["level"] in ("commune", "new_commune")}
    want_d = set(item["districts"])
    want_c = set(item["communes"]) | set(item["new_communes"])
    return {"district": (got_d, want_d), "commune": (got_c, want_c)}


def evaluate(locator: Locator, items: list[dict]) -> dict[str, tuple[float, float, float]]:
    counts = {level: [0, 0, 0] for level in LEVELS}  # tp, fp, fn
    for item in items:
        for level, (got, want) in got_and_wanted(locator, item).items():
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


def errors(locator: Locator, items: list[dict]) -> list[tuple[str, str, set[str], set[str]]]:
    """(id, level, missed, extra) for every passage where the tagger and the labels differ."""
    found = []
    for item in items:
        for level, (got, want) in got_and_wanted(locator, item).items():
            if got != want:
                found.append((item["id"], level, want - got, got - want))
    return found


def load(path: Path = DATA) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="P, R và F1 của bộ gắn địa danh trên các tập đã gán nhãn."
    )
    parser.add_argument(
        "--set",
        choices=("heldout", "tuned", "both"),
        default="both",
        help="tập nào: heldout (chưa dùng để tinh chỉnh), tuned, hay cả hai (mặc định)",
    )
    parser.add_argument("--errors", action="store_true", help="liệt kê các đoạn bị gắn sai")
    args = parser.parse_args(argv)
    names = list(SETS) if args.set == "both" else [args.set]
    locator = Locator.build("Tỉnh Kon Tum", "Huyện Đăk Hà")
    loaded = {name: load(SETS[name]) for name in names}
    figures = {name: evaluate(locator, items) for name, items in loaded.items()}
    print(f"{'':9s}" + "".join(f" | {f'{n} ({len(loaded[n])})':^26s}" for n in names))
    for level in LEVELS:
        cells = "".join(
            " | P {:.3f} R {:.3f} F1 {:.3f}".format(*figures[name][level]) for name in names
        )
        print(f"{level:9s}{cells}")
    if args.errors:
        for name in names:
            for item_id, level, missed, extra in errors(locator, loaded[name]):
                print(f"{name} {item_id} {level}: thiếu {sorted(missed)}, thừa {sorted(extra)}")


if __name__ == "__main__":
    main()
