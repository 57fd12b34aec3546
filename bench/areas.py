"""Tagging with several watch areas: the tag pass's speed and memory with 1, 5, 40 and 92 areas.

The same articles (bench/locate.py's generator: about 5 KB each, one in twenty naming a place of
former Đăk Hà, many naming places elsewhere) are tagged as `duluan tag` tags them
(`duluan.pipeline.locator_for`, `duluan.tagging.area_taggings` and `tag_article` with the
config: the reading, which areas each article concerns, and each concerned area's alerts), with
one new commune per area: 1 area (Xã Đăk Pxi), 5 (the new communes of former Đăk Hà), 40 (of
former Kon Tum: examples/quang-ngai.yaml) and 92 (every unit of new Quảng Ngãi that
underthesea's mapping names; the province has 96, four have no new name in the mapping). Each
count runs in a fresh child process, so that its build and its peak memory are its own.

Prints, per count: the tagger's build time; articles per CPU second (and per wall second) over
all the articles, and over the twentieth that name a watched place (where each area's score,
routing and message are computed); the peak resident memory of the child and the peak of what
the tag pass allocates (tracemalloc, over a sample, after the build); the relevant articles,
the (article, area) pairs and the alerts; and each ratio to one area (aim: 92-96 areas cost
< 2x one area). Timings are noisy on a shared machine: compare the ratios of one run. Then the
digest time of every area (`bench/digest.py --areas`, 20,000 articles). Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlp.area import new_units, resolve_places  # noqa: E402

PROVINCE = "Tỉnh Quảng Ngãi"
NOW = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
SOURCES = "sources: [{name: bao, title: Báo, feeds: ['https://bao.vn/rss']}]\n"
# The articles whose allocations tracemalloc follows (it slows Python down several times).
TRACED = 300


def units_of(place: str) -> list[str]:
    """The post-2025 units of a place, each qualified with its province ("Xã X, Tỉnh Y"), in
    the mapping's order."""
    return [f"{u.name}, {u.province}" for u in new_units(resolve_places([place]))]


def area_sets() -> dict[str, list[str]]:
    """The places of each run, one unit per area."""
    province, kon_tum = units_of(PROVINCE), units_of("Tỉnh Kon Tum")
    return {
        "1 area": ["Xã Đăk Pxi, Tỉnh Quảng Ngãi"],
        "5 areas": units_of("Huyện Đăk Hà, Tỉnh Kon Tum"),
        f"{len(kon_tum)} areas": kon_tum,
        f"{len(province)} areas": province,
    }


def config_text(places: list[str]) -> str:
    """A deployment of one area per place, each with its review group and a police unit that
    follows public order (so that routing has chats to find), the YAML as the tests write it."""
    areas = [
        {
            "name": f"a{i}",
            "title": f"UBND {place.split(',')[0]}",
            "places": [place],
            "review": {"chat": f"-100{i}"},
            "units": [{"name": "Công an", "chat": f"-200{i}", "topics": ["an ninh trật tự"]}],
        }
        for i, place in enumerate(places)
    ]
    lines = "".join(f"  - {json.dumps(a, ensure_ascii=False)}\n" for a in areas)
    return f"locality: {{aliases: {{}}}}\n{SOURCES}areas:\n{lines}"


@dataclass(frozen=True)
class Figures:
    areas: int
    build: float  # seconds to resolve the places and build the tagger
    cpu: float  # CPU seconds of the tag pass
    wall: float
    articles: int
    rss_mb: float  # the child's peak resident memory
    traced_mb: float  # the peak the tag pass allocates, over `TRACED` articles
    named: int  # articles that name a place of former Đăk Hà (every twentieth)
    named_cpu: float  # CPU seconds to tag just those again
    relevant: int
    concerned: int  # (article, area) pairs
    alerts: int


def measure(places: list[str], texts: list[str]) -> Figures:
    """Build the tagger for these areas and tag every text as `duluan tag` does (in a child)."""
    from duluan.config import parse_config
    from duluan.pipeline import TAGGER_VERSION, locator_for
    from duluan.tagging import area_taggings, tag_article
    from storage import ArticleText

    started = time.perf_counter()
    config = parse_config(config_text(places), "bench.yaml", {}).config
    locator = locator_for(config)
    areas = area_taggings(config)
    build = time.perf_counter() - started
    articles = [
        ArticleText(i, "bao", t.split("\n", 1)[0], "", t.split("\n", 1)[1], NOW, source_title="Báo")
        for i, t in enumerate(texts, 1)
    ]
    relevant = concerned = alerts = 0
    cpu, wall = time.process_time(), time.perf_counter()
    for article in articles:
        tagged = tag_article(locator, article, NOW, TAGGER_VERSION, config, None, areas)
        relevant += tagged.record.relevant
        concerned += len(tagged.record.areas)
        alerts += len(tagged.alerts)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    # The articles that name a watched place, the same ones in every run: where each area's
    # score, routing and message are computed.
    named = articles[::20]
    named_cpu = time.process_time()
    for article in named:
        tag_article(locator, article, NOW, TAGGER_VERSION, config, None, areas)
    named_cpu = time.process_time() - named_cpu
    tracemalloc.start()
    for article in articles[:TRACED]:
        tag_article(locator, article, NOW, TAGGER_VERSION, config, None, areas)
    traced = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return Figures(
        len(places), build, cpu, wall, len(articles), rss, traced, len(named), named_cpu,
        relevant, concerned, alerts,
    )  # fmt: skip


def texts_for(count: int, places: list[str]) -> list[str]:
    """bench/locate.py's articles, drawn with the widest area's tagger, so that no filler
    sentence names a place of any run's area."""
    from bench.locate import articles
    from nlp.locate import Locator

    return articles(count, Locator.for_area(resolve_places(places)))


def digest_figures() -> None:
    """Digest time for the province's 92 areas: `bench/digest.py --areas` (its own database
    and process), every area's digest next to the province's one digest of the same week."""
    import subprocess

    print("digest time, bench/digest.py --areas --articles 20000:")
    subprocess.run(
        [
            sys.executable,
            str(Path(__file__).with_name("digest.py")),
            "--areas",
            "--articles",
            "20000",
        ],
        check=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    args = parser.parse_args()
    runs = area_sets()
    started = time.perf_counter()
    texts = texts_for(args.articles, list(runs.values())[-1])
    size = sum(len(t.encode()) for t in texts) / len(texts) / 1024
    print(
        f"{len(texts)} articles, {size:.1f} KB on average "
        f"(generated in {time.perf_counter() - started:.1f} s)"
    )
    results: dict[str, Figures] = {}
    for name, places in runs.items():
        spawn = get_context("spawn")
        with ProcessPoolExecutor(1, mp_context=spawn) as child:
            results[name] = child.submit(measure, places, texts).result()
    base = next(iter(results.values()))
    print(
        f"{'areas':>5} {'build s':>7} | {'all art/CPU s':>13} {'x one':>5} {'art/s wall':>10} | "
        f"{'named art/CPU s':>15} {'x one':>5} | {'RSS MB':>6} {'x one':>5} {'pass MB':>7} | "
        f"{'relevant':>8} {'concerned':>9} {'alerts':>6}"
    )
    for f in results.values():
        print(
            f"{f.areas:>5} {f.build:>7.2f} | {f.articles / f.cpu:>13.0f} {f.cpu / base.cpu:>5.2f} "
            f"{f.articles / f.wall:>10.0f} | {f.named / f.named_cpu:>15.0f} "
            f"{f.named_cpu / base.named_cpu:>5.2f} | {f.rss_mb:>6.0f} "
            f"{f.rss_mb / base.rss_mb:>5.2f} {f.traced_mb:>7.1f} | {f.relevant:>8} "
            f"{f.concerned:>9} {f.alerts:>6}"
        )
    print(
        "x one: the CPU time of the pass (all articles; the ones naming a watched place), and "
        "the peak RSS, over one area's (aim: < 2 at 96 areas). concerned: (article, area) pairs."
    )
    digest_figures()


if __name__ == "__main__":
    main()
