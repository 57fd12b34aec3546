"""Tagger throughput: `duluan locate --jsonl`'s work over generated news-length articles.

Generates N articles of about 5 KB (default 5,000): about one in twenty names a place of the
watched province, many name places elsewhere and streets called Quang Trung or Lê Lợi. Prints,
side by side on one core: articles per second for the full tagger (normalise, scan, resolve,
tone, topics), for the bare automaton scan over the same texts (the floor nothing can beat), the
ratio, and the peak memory. Then the time of one text of dense mentions (a sentence naming four
places after another) of 0.1, 1 and 10 MB: the tagger with its caps lifted, whose 10 MB / 1 MB
ratio is about 10 when every step is linear, and the tagger as the daemon runs it, capped
(`nlp.locate.MAX_TEXT_CHARS`, `MAX_MENTIONS`). First, the time to build the tagger for watch
areas from one new commune to a whole new province (`--build-only`: that alone). Asserts
nothing.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlp.area import resolve_places  # noqa: E402
from nlp.gazetteer import bare_name, mapping_data  # noqa: E402
from nlp.locate import Locator  # noqa: E402
from nlp.matcher import Matcher  # noqa: E402
from nlp.resolve import of_provinces  # noqa: E402

# Watch areas whose tagger build is timed: one new commune, an old district, an old province, a
# new province (old Kon Tum and old Quảng Ngãi), three communes of different old districts.
BUILD_AREAS = (
    ["Xã Đăk Pxi, Tỉnh Quảng Ngãi"],
    ["Huyện Đăk Hà, Tỉnh Kon Tum"],
    ["Tỉnh Kon Tum"],
    ["Tỉnh Quảng Ngãi"],
    ["Xã Đăk Pxi, Tỉnh Quảng Ngãi", "Xã Sa Thầy, Tỉnh Quảng Ngãi", "Xã Măng Đen"],
)

OURS = ("xã Đăk Pxi, huyện Đăk Hà, tỉnh Kon Tum", "xã Đăk Hà, tỉnh Quảng Ngãi", "huyện Đăk Hà")
ELSEWHERE = (
    "xã Tân Lập, tỉnh Phú Thọ",
    "phường Quang Trung, TP Quy Nhơn",
    "huyện Chư Păh, tỉnh Gia Lai",
    "TP Pleiku",
    "xã Hòa Bình, huyện Chơn Thành",
    "quận Hải Châu, TP Đà Nẵng",
    "huyện Krông Pắc, tỉnh Đắk Lắk",
)
STREETS = ("đường Quang Trung", "đường Lê Lợi", "phố Trần Hưng Đạo", "đường Hùng Vương")


def articles(n: int, locator: Locator, seed: int = 1) -> list[str]:
    """Press sentences that name no place of the watched province, with places elsewhere and
    streets mixed in, and one article in twenty naming a watched place."""
    from tests.site.generate import _press_sentences

    rng = random.Random(seed)
    provinces = locator.gazetteer.provinces
    pool = [
        s
        for s in _press_sentences()
        if not any(
            of_provinces(u, provinces) or u.in_watch_area
            for c in locator.matcher.find(s)
            for u in c.units
        )
    ]
    texts = []
    for i in range(n):
        sentences = [rng.choice(pool) for _ in range(28)]
        for _ in range(3):
            sentences.insert(
                rng.randrange(len(sentences)),
                f"Tại {rng.choice(ELSEWHERE)}, "
                f"người dân trên {rng.choice(STREETS)} cho biết như vậy.",
            )
        if i % 20 == 0:
            sentences.insert(
                rng.randrange(len(sentences)),
                f"Ở {rng.choice(OURS)}, việc này đang được chính quyền xem xét.",
            )
        texts.append(f"Tin thứ {i}\n" + " ".join(sentences))
    return texts


def dense_text(locator: Locator, size: int, seed: int = 1) -> str:
    """About `size` bytes of sentences each naming a commune of the watched province with its
    district and province, a commune elsewhere and a bare watched name, with tone words: the
    densest text the tagger meets, the worst case of every step that looks around a mention."""
    rng = random.Random(seed)
    gazetteer = locator.gazetteer
    ours = sorted(
        {bare_name(u.name) for u in gazetteer.units if u.level == "commune" and u.in_watch_area}
    )
    provinces = gazetteer.provinces
    province = sorted(
        {
            bare_name(u.name)
            for u in gazetteer.units
            if u.level == "district" and u.province in provinces
        }
    )
    elsewhere = sorted(
        bare_name(u.name)
        for u in gazetteer.units
        if u.level == "commune" and u.province not in provinces
    )[:3000]
    parts = ["Tin dày đặc địa danh"]
    length = len(parts[0].encode())
    while length < size:
        sentence = (
            f"Tại xã {rng.choice(ours)}, huyện {rng.choice(province)}, tỉnh Kon Tum và xã "
            f"{rng.choice(elsewhere)}, người dân phản ánh tình trạng phá rừng, không có sai "
            f"phạm; {rng.choice(ours)} đạt chuẩn nông thôn mới."
        )
        parts.append(sentence)
        length += len(sentence.encode()) + 1
    return "\n".join(parts)


def dense_figures(locator: Locator, sizes: tuple[float, ...] = (0.1, 1, 10)) -> None:
    """CPU seconds to tag one dense text of each size (MB), uncapped and capped, and the ratio
    of the largest to the one before it (CPU time: on a shared machine wall time drifts)."""
    free = replace(locator, max_text_chars=None, max_mentions=None, max_ner_readings=None)
    logging.getLogger("nlp.locate").setLevel(logging.ERROR)  # the caps' notes, once per text
    times: dict[str, list[float]] = {"uncapped": [], "capped": []}
    for mb in sizes:
        text = dense_text(locator, int(mb * 1024 * 1024))
        for name, tagger in (("uncapped", free), ("capped", locator)):
            started = time.process_time()
            result = tagger.locate(text)
            times[name].append(time.process_time() - started)
        print(
            f"dense {mb:>4} MB ({len(text):,} chars): uncapped {times['uncapped'][-1]:6.2f} CPU s, "
            f"capped {times['capped'][-1]:5.2f} CPU s ({len(result['mentions'])} mentions kept)"
        )
    for name, values in times.items():
        print(
            f"ratio {sizes[-1]:g} MB / {sizes[-2]:g} MB, {name}: {values[-1] / values[-2]:.1f}"
            f"{' (about 10 when linear)' if name == 'uncapped' else ''}"
        )


def build_figures() -> None:
    """Seconds to build the tagger (places resolved, gazetteer, automaton) for each of
    `BUILD_AREAS`, after the mapping is loaded once (timed apart): what a daemon pays at start."""
    started = time.perf_counter()
    mapping_data()
    print(f"build: underthesea's mapping loaded in {time.perf_counter() - started:.2f} s")
    for places in BUILD_AREAS:
        started = time.perf_counter()
        area = resolve_places(places)
        resolved = time.perf_counter() - started
        locator = Locator.for_area(area)
        built = time.perf_counter() - started
        watched = sum(u.in_watch_area for u in locator.gazetteer.units)
        print(
            f"build: {' + '.join(places)}: {built:.2f} s ({resolved:.2f} s resolving the "
            f"places; {watched} units in the area, {len(locator.gazetteer.scan_keys):,} keys)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--no-dense", action="store_true", help="skip the dense 0.1-10 MB texts")
    parser.add_argument(
        "--build-only", action="store_true", help="only time the tagger's build per watch area"
    )
    args = parser.parse_args()
    build_figures()
    if args.build_only:
        return
    locator = Locator.build("Tỉnh Kon Tum", "Huyện Đăk Hà")
    texts = articles(args.articles, locator)
    size = sum(len(t.encode()) for t in texts) / len(texts)
    matcher: Matcher = locator.matcher
    started = time.perf_counter()
    for text in texts:
        matcher.find(text)
    scan = time.perf_counter() - started
    started = time.perf_counter()
    relevant = 0
    for i, text in enumerate(texts):
        relevant += json.loads(json.dumps(locator.locate(text, i)))["relevant"]
    full = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(texts)} articles, {size / 1024:.1f} KB on average, {relevant} relevant")
    print(f"bare automaton scan: {len(texts) / scan:,.0f} articles/s")
    print(f"full tagger:         {len(texts) / full:,.0f} articles/s (aim >= 500)")
    print(f"ratio full / scan:   {scan / full:.2f}")
    print(f"peak memory:         {peak:,.0f} MB (aim < 500)")
    if not args.no_dense:
        dense_figures(locator)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory after the dense texts: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
