"""Precision, recall and F1 of the locality tagger on its labelled sets, at district level (old
districts, a new commune counting for the old districts it covers) and at commune level (old and
new communes). `tuned` is tests/data/locate_eval.jsonl, the set the tagger was tuned on;
`heldout` is tests/data/locate_heldout.jsonl, written later and never used for tuning, so its
figures are the honest ones. Prints figures; asserts nothing.

Tone and needs-verification are measured on the development set of real published text,
`../shared/eval/dev.jsonl` (outside the repository; see `dev_path`), in two fixed parts chosen
once, before any tuning, by id: a record whose `sha1(id)` starts with the hex digit 0, 1 or 2
(about 3/16 of the set) is in the held-out part, never looked at while tuning; the rest is the
tuning part. Records marked `uncertain` count in neither.

The watched-area decision is measured per area level too (`area_figures`): for each record, its
gold under three areas is derived from the places it is labelled with (`gold_places`,
`gold_in_area`), and the tagger built for that area says whether the text is about it
(`tagged_in_area`): the five new communes of the shipped district (each its own area, pooled),
the old district (the shipped config) and the new province, Tỉnh Quảng Ngãi."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlp.area import (  # noqa: E402
    WatchArea,
    district_area,
    mapping_data,
    new_units,
    resolve_places,
)
from nlp.locate import Locator  # noqa: E402
from nlp.tone import lexicon_tone, tone  # noqa: E402

DATA = ROOT / "tests" / "data" / "locate_eval.jsonl"
HELDOUT = ROOT / "tests" / "data" / "locate_heldout.jsonl"
SETS = {"tuned": DATA, "heldout": HELDOUT}
LEVELS = ("district", "commune")
DEV_LEVELS = ("district", "commune", "watched")
WATCHED = "Huyện Đăk Hà"
# The sets label the units of old Tỉnh Kon Tum (and their successors) only.
LABELLED = "Tỉnh Kon Tum"
NEW_PROVINCE = "Tỉnh Quảng Ngãi"
AREA_LEVELS = ("new commune", "old district", "province")
TONES = ("negative", "neutral", "positive")
HELD_OUT_DIGITS = "012"


def dev_path() -> Path | None:
    """The real-text development set: `$DULUAN_EVAL_DEV`, else `shared/eval/dev.jsonl` next to
    the checkout (`../shared`) or next to its parent (a worktree under `wt/`); None if absent."""
    if os.environ.get("DULUAN_EVAL_DEV"):
        path = Path(os.environ["DULUAN_EVAL_DEV"])
        return path if path.is_file() else None
    for base in (ROOT.parent, ROOT.parent.parent):
        path = base / "shared" / "eval" / "dev.jsonl"
        if path.is_file():
            return path
    return None


def held_out(item_id: str) -> bool:
    """The fixed held-out part: ids whose sha1 starts with 0, 1 or 2 (chosen before tuning)."""
    return hashlib.sha1(item_id.encode("utf-8")).hexdigest()[0] in HELD_OUT_DIGITS


def dev_parts(path: Path | None = None) -> dict[str, list[dict]] | None:
    """The development set's `tuning` and `held-out` parts, `uncertain` records left out."""
    path = path or dev_path()
    if path is None:
        return None
    items = [item for item in load(path) if not item.get("uncertain")]
    return {
        "tuning": [item for item in items if not held_out(item["id"])],
        "held-out": [item for item in items if held_out(item["id"])],
    }


@dataclass
class ToneFigures:
    """Tone confusion (labelled → predicted counts) and needs-verification counts."""

    confusion: dict[tuple[str, str], int] = field(default_factory=dict)
    verify: list[int] = field(default_factory=lambda: [0, 0, 0])  # tp, fp, fn
    errors: list[tuple[str, str, str, bool, bool]] = field(default_factory=list)

    def precision_recall(self, tone: str) -> tuple[float, float]:
        tp = self.confusion.get((tone, tone), 0)
        got = sum(n for (_, p), n in self.confusion.items() if p == tone)
        want = sum(n for (w, _), n in self.confusion.items() if w == tone)
        return (tp / got if got else 1.0, tp / want if want else 1.0)

    def verify_precision_recall(self) -> tuple[float, float]:
        tp, fp, fn = self.verify
        return (tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0)

    def accuracy(self) -> float:
        total = sum(self.confusion.values())
        return sum(n for (w, p), n in self.confusion.items() if w == p) / total if total else 1.0


def watched_anchors(locator: Locator, text: str) -> list[tuple[int, int]]:
    """Spans of the watch area's mentions, as `Locator.locate` gives them to the tone."""
    result = locator.locate(text)
    watched = {u["name"] for u in result["units"] if u["in_watch_area"]}
    return [(m["start"], m["end"]) for m in result["mentions"] if m["unit"] in watched]


def judge(locator: Locator, text: str) -> tuple[str, bool]:
    """The tagger's tone and needs-verification for one text, read for every text (the labels
    are): the tone model, anchored on the mentions of the watch area as `Locator.locate` does."""
    verdict = tone(text, watched_anchors(locator, text), locator.lexicon, locator.tone_model)
    return verdict.label, verdict.verify


def judge_by_lexicon(locator: Locator, text: str) -> tuple[str, bool]:
    """The same with the lexicon alone (what the model is measured against)."""
    verdict = lexicon_tone(text, watched_anchors(locator, text), locator.lexicon)
    return verdict.label, verdict.verify


def tone_figures(
    locator: Locator,
    items: list[dict],
    judged: Callable[[Locator, str], tuple[str, bool]] = judge,
) -> ToneFigures:
    figures = ToneFigures()
    for item in items:
        label, verify = judged(locator, item["text"])
        key = (item["tone"], label)
        figures.confusion[key] = figures.confusion.get(key, 0) + 1
        want = bool(item["needs_verification"])
        figures.verify[0] += verify and want
        figures.verify[1] += verify and not want
        figures.verify[2] += want and not verify
        if label != item["tone"] or verify != want:
            figures.errors.append((item["id"], item["tone"], label, want, verify))
    return figures


def print_tone(parts: dict[str, list[dict]], figures: dict[str, ToneFigures]) -> None:
    for name, fig in figures.items():
        neg_p, neg_r = fig.precision_recall("negative")
        pos_p, pos_r = fig.precision_recall("positive")
        ver_p, ver_p_r = fig.verify_precision_recall()
        print(
            f"{name} ({len(parts[name])}): tone accuracy {fig.accuracy():.3f}; "
            f"negative P {neg_p:.3f} R {neg_r:.3f}; positive P {pos_p:.3f} R {pos_r:.3f}; "
            f"needs verification P {ver_p:.3f} R {ver_p_r:.3f}"
        )
        print("  labelled \\ tagger " + " ".join(f"{t:>8s}" for t in TONES))
        for want in TONES:
            row = " ".join(f"{fig.confusion.get((want, got), 0):8d}" for got in TONES)
            print(f"  {want:18s} {row}")
        tp, fp, fn = fig.verify
        print(f"  needs verification: tp {tp} fp {fp} fn {fn}")


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


def dev_got_and_wanted(locator: Locator, item: dict) -> dict[str, tuple[set[str], set[str]]]:
    """Per level, what the tagger reports for one real-text record and what is labelled, in
    the labels' terms: old districts (a new commune counting for the old districts it covers,
    as in `got_and_wanted`), communes as "<old district>/<old commune>" or a new unit's name,
    and the watched district alone. The record's `published` date, if any, goes to the tagger."""
    result = locator.locate(item["text"], item["id"], published=item.get("published"))
    got_d = {u["name"] for u in result["units"] if u["level"] == "district"}
    got_c = set()
    for u in result["units"]:
        if u["level"] == "new_commune":
            got_d |= set(u["districts"])
            got_c.add(u["name"])
        elif u["level"] == "commune":
            got_c.add(f"{u['district']}/{u['name']}")
    want_d = set(item["districts"])
    want_c = set(item["communes"]) | set(item["new_units"])
    return {
        "district": (got_d, want_d),
        "commune": (got_c, want_c),
        "watched": (got_d & {WATCHED}, want_d & {WATCHED}),
    }


def dev_places(
    locator: Locator, items: list[dict]
) -> tuple[dict[str, tuple[float, float, float]], list[tuple[str, str, set[str], set[str]]]]:
    """Place P, R, F1 per level (district, commune, watched district) on a part of the
    real-text set, and (id, level, missed, extra) for every record the tagger gets wrong."""
    counts = {level: [0, 0, 0] for level in DEV_LEVELS}
    wrong = []
    for item in items:
        for level, (got, want) in dev_got_and_wanted(locator, item).items():
            counts[level][0] += len(got & want)
            counts[level][1] += len(got - want)
            counts[level][2] += len(want - got)
            if got != want and level != "watched":
                wrong.append((item["id"], level, want - got, got - want))
    return {level: _prf(*c) for level, c in counts.items()}, wrong


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class GoldPlaces:
    """The places a record is labelled with, keyed as `nlp.area.WatchArea` keys them: old
    districts (province, district), old communes (province, district, commune), post-2025 units
    (new province, name)."""

    districts: frozenset[tuple[str, str]]
    communes: frozenset[tuple[str, str, str]]
    new_units: frozenset[tuple[str, str]]


def gold_places(item: dict) -> GoldPlaces:
    """A record's labelled places. The real-text set writes communes as "<district>/<commune>"
    and new units in `new_units`; the written sets write a commune's name alone (it is the
    commune of that name in a labelled district, every such commune if the text labels several
    districts holding one) and new units in `new_communes`. Every new unit is the one of
    `NEW_PROVINCE` that took (part of) an old commune of `LABELLED`."""
    rows = mapping_data()["ward_mapping"]
    districts = frozenset((LABELLED, d) for d in item.get("districts", ()))
    communes: set[tuple[str, str, str]] = set()
    for commune in item.get("communes", ()):
        if "/" in commune:
            district, name = commune.split("/", 1)
            communes.add((LABELLED, district, name))
            continue
        communes |= {
            (LABELLED, r["old_district"], commune)
            for r in rows
            if r["old_province"] == LABELLED
            and r["old_ward"] == commune
            and (LABELLED, r["old_district"]) in districts
        }
    names = set(item.get("new_units", ())) | set(item.get("new_communes", ()))
    return GoldPlaces(districts, frozenset(communes), frozenset((NEW_PROVINCE, n) for n in names))


def gold_in_area(gold: GoldPlaces, area: WatchArea) -> bool:
    """Whether a record labelled with `gold` is about `area`: it names an old commune or a new
    unit of the area (wholly or in part, as the tagger's `in_watch_area` reads them), or an old
    district lying wholly in it. A text naming only the province (`province_only`) counts in no
    area: the written sets do not label it, nor Quảng Ngãi's coastal units."""
    return (
        bool(gold.communes & area.old_communes)
        or bool(gold.new_units & area.new_communes)
        or any(area.has_district(*d) for d in gold.districts)
    )


def _labelled_new_units() -> frozenset[tuple[str, str]]:
    return frozenset(
        (r["new_province"], r["new_ward"])
        for r in mapping_data()["ward_mapping"]
        if r["old_province"] == LABELLED and r["new_ward"]
    )


def tagged_in_area(result: dict, labelled_new: frozenset[tuple[str, str]]) -> bool | None:
    """The tagger's decision, in the labels' terms: relevant, with a unit of the area below the
    province among the labelled units (old Kon Tum's and their successors); None when it is
    relevant only through units the sets do not label (a province, a coastal commune)."""
    if not result["relevant"]:
        return False
    for u in result["units"]:
        if not u["in_watch_area"]:
            continue
        if u["level"] in ("district", "commune") and u["province"] == LABELLED:
            return True
        if u["level"] == "new_commune" and (u["province"], u["name"]) in labelled_new:
            return True
    return None


def area_levels() -> dict[str, list[WatchArea]]:
    """The areas measured per level: each new commune of the shipped district, the district,
    the new province."""
    district = district_area(LABELLED, WATCHED)
    return {
        "new commune": [resolve_places([f"{u.name}, {u.province}"]) for u in new_units(district)],
        "old district": [district],
        "province": [resolve_places([NEW_PROVINCE])],
    }


@dataclass
class AreaCounts:
    """Watched-area decisions of one level on one part: tp, fp, fn, and the records left
    unjudged (relevant only through units the sets do not label)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    unjudged: int = 0

    def figures(self) -> tuple[float, float, float]:
        return _prf(self.tp, self.fp, self.fn)


def area_figures(
    locators: dict[str, list[tuple[WatchArea, Locator]]], items: list[dict], dated: bool
) -> dict[str, AreaCounts]:
    """Per area level, the pooled watched-area decisions of its areas' taggers on `items`
    (`dated`: pass each record's `published` to the tagger, as for the real-text set)."""
    labelled_new = _labelled_new_units()
    out = {level: AreaCounts() for level in locators}
    for item in items:
        gold = gold_places(item)
        published = item.get("published") if dated else None
        for level, pairs in locators.items():
            counts = out[level]
            for area, locator in pairs:
                want = gold_in_area(gold, area)
                got = tagged_in_area(
                    locator.locate(item["text"], item["id"], published), labelled_new
                )
                if got is None:
                    counts.unjudged += 1
                    continue
                counts.tp += got and want
                counts.fp += got and not want
                counts.fn += want and not got
    return out


def print_areas(parts: dict[str, list[dict]], dated: dict[str, bool]) -> None:
    """The watched-area P / R per area level on each part, side by side."""
    levels = area_levels()
    locators = {
        level: [(area, Locator.for_area(area)) for area in areas] for level, areas in levels.items()
    }
    counts = {name: area_figures(locators, items, dated[name]) for name, items in parts.items()}
    print(f"{'':13s}" + "".join(f" | {f'{n} ({len(parts[n])})':^34s}" for n in parts))
    for level in AREA_LEVELS:
        cells = "".join(
            " | P {:.3f} R {:.3f} F1 {:.3f}".format(*counts[n][level].figures())
            + f" ({counts[n][level].tp + counts[n][level].fn:3d}, {counts[n][level].unjudged:2d})"
            for n in parts
        )
        print(f"{level:13s}{cells}")


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
    parser.add_argument(
        "--part",
        choices=("tuning", "held-out", "both"),
        default="both",
        help="phần nào của tập văn bản thật ../shared/eval/dev.jsonl (mặc định: cả hai)",
    )
    parser.add_argument(
        "--areas",
        action="store_true",
        help="thêm P, R của vùng theo dõi theo cấp: xã mới, huyện cũ, tỉnh mới",
    )
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
    parts = dev_parts()
    if parts is None:
        print("Không có tập văn bản thật ../shared/eval/dev.jsonl: bỏ qua sắc thái, cần xác minh.")
        return
    if args.part != "both":
        parts = {args.part: parts[args.part]}
    if args.areas:
        print(
            "\nVùng theo dõi theo cấp (5 xã mới của huyện Đăk Hà, mỗi xã một vùng; huyện Đăk Hà;"
            " tỉnh Quảng Ngãi): P, R, F1 và (trong ngoặc) số quyết định 'thuộc vùng' theo nhãn,"
            " số quyết định chỉ liên quan qua đơn vị không được gán nhãn (không tính):"
        )
        area_parts = {**loaded, **{f"dev {n}": items for n, items in parts.items()}}
        print_areas(area_parts, {n: n.startswith("dev ") for n in area_parts})
    print("\nĐịa danh trên văn bản thật (dev.jsonl, bỏ các bản ghi uncertain):")
    places = {name: dev_places(locator, items) for name, items in parts.items()}
    print(f"{'':9s}" + "".join(f" | {f'{n} ({len(parts[n])})':^26s}" for n in parts))
    for level in DEV_LEVELS:
        cells = "".join(
            " | P {:.3f} R {:.3f} F1 {:.3f}".format(*places[name][0][level]) for name in parts
        )
        print(f"{level:9s}{cells}")
    if args.errors:
        for name, (_, wrong) in places.items():
            for item_id, level, missed, extra in wrong:
                print(f"{name} {item_id} {level}: thiếu {sorted(missed)}, thừa {sorted(extra)}")
    print("\nSắc thái và cần xác minh trên văn bản thật (dev.jsonl, bỏ các bản ghi uncertain):")
    tones = {name: tone_figures(locator, items) for name, items in parts.items()}
    print("Mô hình sắc thái (nlp/data/tone_model.json, học trên phần tuning):")
    print_tone(parts, tones)
    print("Chỉ bộ từ điển (lexicon_tone), để so sánh:")
    print_tone(parts, {n: tone_figures(locator, i, judge_by_lexicon) for n, i in parts.items()})
    if args.errors:
        for name, fig in tones.items():
            for item_id, want, got, want_v, got_v in fig.errors:
                print(f"{name} {item_id}: sắc thái {want} → {got}; xác minh {want_v} → {got_v}")


if __name__ == "__main__":
    main()
