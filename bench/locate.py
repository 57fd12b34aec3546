"""Tagger throughput: `duluan locate --jsonl`'s work over generated news-length articles.

Generates N articles of about 5 KB (default 5,000): about one in twenty names a place of the
watched province, many name places elsewhere and streets called Quang Trung or Lê Lợi. Prints,
side by side on one core: articles per second for the full tagger (normalise, scan, resolve,
tone, topics), for the bare automaton scan over the same texts (the floor nothing can beat), the
ratio, and the peak memory. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlp.locate import Locator  # noqa: E402
from nlp.matcher import Matcher  # noqa: E402

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
    province = locator.gazetteer.province
    pool = [
        s
        for s in _press_sentences()
        if not any(
            u.province == province or province in u.old_provinces or u.in_watch_area
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    args = parser.parse_args()
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


if __name__ == "__main__":
    main()
