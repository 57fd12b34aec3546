"""Watch-rule throughput: 200 generated rules against 10,000 generated articles.

The rules mix words, phrases, NEAR, prefixes, fields and NOT over real vocabulary (the names of
former Kon Tum's units, the default topic keywords); the articles are sentences of the stored
outlet pages with those names and keywords mixed in, a title, a source, places and topics.
Prints, in one run and side by side, articles per second for `RuleSet.matches` (one automaton
pass, only the rules whose terms occur) and for the naive loop of `Query.match` over every rule,
the ratio, and checks that both give the same answer. Each article's text is normalised once
beforehand and passed in to both, as the tagger's `Normalized` would be. Asserts nothing but
the agreement.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlp.area import resolve_places  # noqa: E402
from nlp.gazetteer import bare_name  # noqa: E402
from nlp.locate import Locator  # noqa: E402
from nlp.normalize import Normalized, normalize  # noqa: E402
from nlp.query import Document, Query, RuleSet, parse  # noqa: E402
from nlp.topics import DEFAULT_TOPICS  # noqa: E402

SOURCES = ("baokontum Báo Kon Tum", "vnexpress VnExpress", "dantri Dân trí", "tuoitre Tuổi Trẻ")


def vocabulary() -> tuple[list[str], list[str], list[str]]:
    """Place names (former Kon Tum's units, bare), topic keywords, topic labels."""
    locator = Locator.for_area(resolve_places(["Tỉnh Kon Tum"]))
    places = sorted({bare_name(u.name) for u in locator.gazetteer.units if u.in_watch_area})
    keywords = sorted({k for words in DEFAULT_TOPICS.values() for k in words})
    return places, keywords, sorted(DEFAULT_TOPICS)


def rules(n: int, places: list[str], keywords: list[str], labels: list[str]) -> list[Query]:
    """`n` rules, each one of eight shapes, over the vocabulary."""
    rng = random.Random(2)

    def word(pool: list[str]) -> str:
        return f'"{rng.choice(pool)}"'

    def prefix() -> str:
        first = rng.choice(keywords).split()[0]
        return first[: max(2, len(first) - 1)] + "*" if len(first) > 2 else first

    shapes = [
        lambda: f"{word(places)} {word(keywords)}",
        lambda: f"({word(places)} OR {word(places)}) {word(keywords)} -{word(keywords)}",
        lambda: f"{word(places)} NEAR/10 {word(keywords)}",
        lambda: f"{prefix()} {word(places)}",
        lambda: f"title:{word(keywords)} OR title:{word(places)}",
        lambda: f'place:{word(places)} topic:"{rng.choice(labels)}"',
        lambda: f"{word(keywords)} NOT ({word(keywords)} OR {word(keywords)}) source:baokontum",
        lambda: f"{word(keywords)} {word(keywords)} {word(places)}",
    ]
    return [parse(shapes[i % len(shapes)]()) for i in range(n)]


def articles(n: int, places: list[str], keywords: list[str], labels: list[str]) -> list[Document]:
    """`n` articles of about 28 press sentences, three with a place and a keyword mixed in."""
    from tests.site.generate import _press_sentences

    rng = random.Random(1)
    pool = list(_press_sentences())
    docs = []
    for i in range(n):
        sentences = [rng.choice(pool) for _ in range(28)]
        named = rng.sample(places, 2)
        for _ in range(3):
            sentences.insert(
                rng.randrange(len(sentences)),
                f"Tại xã {rng.choice(named)}, tình trạng {rng.choice(keywords)} được ghi nhận.",
            )
        title = f"Tin {i}: {rng.choice(keywords)} ở {named[0]}"
        docs.append(
            Document(
                text=title + "\n" + " ".join(sentences),
                title=title,
                source=rng.choice(SOURCES),
                places=tuple(named),
                topics=tuple(rng.sample(labels, 2)),
            )
        )
    return docs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=200)
    parser.add_argument("--articles", type=int, default=10_000)
    args = parser.parse_args()

    started = time.perf_counter()
    places, keywords, labels = vocabulary()
    queries = rules(args.rules, places, keywords, labels)
    docs = articles(args.articles, places, keywords, labels)
    average = sum(len(d.text) for d in docs) // len(docs)
    print(
        f"{len(queries)} rules, {len(docs):,} articles ({average:,}"
        f" characters on average; {len(places)} place names, {len(keywords)} keywords); "
        f"generated in {time.perf_counter() - started:.1f} s"
    )
    normalized: list[Normalized] = [normalize(d.text) for d in docs]

    started = time.process_time()
    ruleset = RuleSet((str(n), q) for n, q in enumerate(queries))
    built = time.process_time() - started
    started = time.process_time()
    found = [ruleset.matches(d, norm) for d, norm in zip(docs, normalized, strict=True)]
    fast = time.process_time() - started

    started = time.process_time()
    naive = [
        [(str(n), spans) for n, q in enumerate(queries) if (spans := q.match(d, norm)) is not None]
        for d, norm in zip(docs, normalized, strict=True)
    ]
    slow = time.process_time() - started

    hits = sum(len(f) for f in found)
    print(f"RuleSet built in {built * 1000:.0f} ms (CPU); {hits:,} (article, rule) matches")
    print(
        f"RuleSet: {len(docs) / fast:,.0f} articles/s | naive Query.match loop: "
        f"{len(docs) / slow:,.0f} articles/s | ratio {slow / fast:.1f}× (CPU time)"
    )
    print("same answers: " + ("yes" if found == naive else "NO"))
    if found != naive:
        sys.exit(1)


if __name__ == "__main__":
    main()
