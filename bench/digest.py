"""Weekly digest build time: the report of one week from a database of 50,000 articles.

Generates (once, in a child process, so its memory does not count) a SQLite database of N
articles (default 50,000) over a year and a half from 12 outlets, of which W (default 2,000) were
first seen in the reported week (2026-W48) and as many in the week before; every week article
is tagged relevant with its units, topics and tone, a tenth are reviewed and assigned; each
source has crawl runs. Then builds the DOCX, HTML and summary of the week as `duluan digest`
does, and prints the seconds of each step and the peak memory. Asserts nothing.

`--province`: the watch area is Tỉnh Quảng Ngãi (its 92 post-2025 units in underthesea's
mapping), and a third of the relevant articles name one of its new units instead of an old
commune of Đăk Hà, so the table by commune lists every unit of the province.

`--areas`: the province as 92 watch areas (`areas:`, one per post-2025 unit), every relevant
article naming one unit and concerning its area (`article_areas`), reviews in that area; then
every area's digest is built as the daemon builds it, and the seconds of all of them, of the
slowest one and the peak memory are printed next to the province's one digest of the same week.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CONFIG = """
locality: {province: Tỉnh Kon Tum, district: Huyện Đăk Hà}
sources:
%s
report: {signer_name: Nguyễn Văn A}
"""
WEEK_END = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)  # Thursday 14:00 in Đăk Hà
COMMUNES = [
    ("Xã Đăk Pxi", "Xã Đăk Pxi"),
    ("Xã Đăk Long", "Xã Đăk Pxi"),
    ("Xã Hà Mòn", "Xã Đăk Mar"),
    ("Xã Đăk Mar", "Xã Đăk Mar"),
    ("Thị trấn Đăk Hà", "Xã Đăk Hà"),
    ("Xã Đăk La", "Xã Đăk Hà"),
    ("Xã Đăk Ui", "Xã Đăk Ui"),
    ("Xã Ngọk Wang", "Xã Ngọk Réo"),
]
TOPICS = ["đất đai", "môi trường", "rừng", "giáo dục", "y tế", "giao thông"]
TONES = ["negative", "neutral", "neutral", "positive"]
SOURCES = [f"bao{n:02d}" for n in range(12)]


PROVINCE = "locality: {places: [Tỉnh Quảng Ngãi]}"


def config_text(province: bool = False) -> str:
    lines = [
        f"  - {{name: {s}, title: Báo số {s[3:]}, feeds: ['https://{s}.vn/rss']}}" for s in SOURCES
    ]
    text = CONFIG % "\n".join(lines)
    if province:
        text = text.replace("locality: {province: Tỉnh Kon Tum, district: Huyện Đăk Hà}", PROVINCE)
    return text


def areas_text(units: list[str]) -> str:
    """One watch area per unit (`areas:`), named a00, a01… with the province's locality kept
    for the aliases."""
    lines = [
        f"  - {{name: a{i:02d}, title: 'UBND {u}', places: ['{u}, Tỉnh Quảng Ngãi']}}"
        for i, u in enumerate(units)
    ]
    return "areas:\n" + "\n".join(lines) + "\n"


def province_units() -> list[str]:
    """The post-2025 units of Tỉnh Quảng Ngãi, in the mapping's order."""
    from nlp.area import new_units, resolve_places

    return [u.name for u in new_units(resolve_places(["Tỉnh Quảng Ngãi"]))]


def generate(url: str, total: int, week: int, province: bool = False, areas: bool = False) -> None:
    """Fill the database directly through the models (a bulk load, not the crawler's path)."""
    from sqlalchemy import insert

    from storage import Store
    from storage.models import (
        Article,
        ArticleArea,
        ArticleUnit,
        Assignment,
        Review,
        Source,
        SourceRunRow,
    )

    rng = random.Random(7)
    news = province_units() if province else []
    store = Store.open(url)
    store.sync_sources([(s, f"Báo số {s[3:]}") for s in SOURCES])
    engine = store._engine
    with engine.begin() as conn:
        ids = {
            name: sid
            for sid, name in conn.execute(
                Source.__table__.select().with_only_columns(Source.id, Source.name)
            )
        }
    body = "Nội dung bài báo về địa phương. " * 30
    week_start = WEEK_END - timedelta(days=7)
    articles, units, concerns = [], [], []
    area_of = {u: f"a{i:02d}" for i, u in enumerate(news)}
    for n in range(1, total + 1):
        if n <= week:
            seen = week_start + timedelta(seconds=rng.randrange(7 * 86400))
        elif n <= 2 * week:
            seen = week_start - timedelta(seconds=rng.randrange(1, 7 * 86400))
        else:
            seen = week_start - timedelta(days=7, seconds=rng.randrange(1, 540 * 86400))
        relevant = n <= 2 * week or rng.random() < 0.08
        published = seen - timedelta(hours=rng.choice([1, 2, 5, 30, 200]))
        articles.append(
            {
                "id": n,
                "source_id": ids[SOURCES[n % len(SOURCES)]],
                "url": f"https://{SOURCES[n % len(SOURCES)]}.vn/bai-{n}.htm",
                "canonical_url": f"https://{SOURCES[n % len(SOURCES)]}.vn/bai-{n}.htm",
                "title": f"Tin số {n} về huyện Đăk Hà",
                "lead": "",
                "text": body,
                "published_at": published,
                "first_seen_at": seen,
                "last_fetched_at": seen,
                "updated_at": seen,
                "content_hash": f"h{n}",
                "fingerprint": b"",
                "cluster_id": n if rng.random() < 0.85 else max(1, n - 1),
                "backfill": False,
                "via": "feed",
                "extraction": "page",
                "tagged_at": seen,
                "relevant": relevant,
                "relevance": 0.9 if relevant else 0.1,
                "tone": rng.choice(TONES),
                "needs_verification": rng.random() < 0.05,
                "topics": rng.sample(TOPICS, rng.randrange(0, 3)),
                "reasons": [],
                "tagger_version": "bench",
            }
        )
        if relevant and news and (areas or n % 3 == 0):
            unit = rng.choice(news)
            if areas:
                concerns.append({"article_id": n, "area": area_of[unit]})
            units.append(
                {
                    "article_id": n,
                    "position": 0,
                    "level": "new_commune",
                    "name": unit,
                    "province": "Tỉnh Quảng Ngãi",
                    "district": None,
                    "new_name": None,
                    "new_province": None,
                    "in_watch_area": True,
                }
            )
        elif relevant:
            old, new = rng.choice(COMMUNES)
            units.append(
                {
                    "article_id": n,
                    "position": 0,
                    "level": "commune",
                    "name": old,
                    "province": "Tỉnh Kon Tum",
                    "district": "Huyện Đăk Hà",
                    "new_name": new,
                    "new_province": "Tỉnh Quảng Ngãi",
                    "in_watch_area": True,
                }
            )
            units.append(
                {
                    "article_id": n,
                    "position": 1,
                    "level": "district",
                    "name": "Huyện Đăk Hà",
                    "province": "Tỉnh Kon Tum",
                    "district": None,
                    "new_name": None,
                    "new_province": None,
                    "in_watch_area": True,
                }
            )
    with engine.begin() as conn:
        for start in range(0, len(articles), 5000):
            conn.execute(insert(Article), articles[start : start + 5000])
        for start in range(0, len(units), 5000):
            conn.execute(insert(ArticleUnit), units[start : start + 5000])
        if concerns:
            conn.execute(insert(ArticleArea), concerns)
        area_by_article = {c["article_id"]: c["area"] for c in concerns}
        reviews, jobs = [], []
        for n in range(1, 2 * week + 1, 10):
            reviews.append(
                {
                    "id": n,
                    "story": f"cluster:{n}",
                    "area": area_by_article.get(n, "mac-dinh"),
                    "article_id": n,
                    "status": "assigned",
                    "version": 1,
                    "created_at": WEEK_END,
                    "updated_at": WEEK_END,
                }
            )
            jobs.append(
                {
                    "review_id": n,
                    "unit": "UBND xã Đăk Pxi",
                    "chat": None,
                    "topic_key": 0,
                    "deadline": date(2026, 11, 20) + timedelta(days=rng.randrange(10)),
                    "status": "open",
                    "assigned_by": 1,
                    "assigned_at": WEEK_END,
                }
            )
        conn.execute(insert(Review), reviews)
        conn.execute(insert(Assignment), jobs)
        runs = [
            {
                "source_id": sid,
                "started_at": week_start + timedelta(minutes=10 * k),
                "finished_at": week_start + timedelta(minutes=10 * k + 1),
                "new": 1,
                "updated": 0,
                "unchanged": 5,
                "failed": 0,
                "ok": k % 50 != 0 or sid % 3 != 0,
                "error_count": 0,
                "errors": [{"url": "x", "kind": "http", "message": "HTTP 500"}],
            }
            for sid in ids.values()
            for k in range(0, 7 * 144, 3)
        ]
        conn.execute(insert(SourceRunRow), runs)
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=50_000)
    parser.add_argument("--week", type=int, default=2_000, help="articles in the reported week")
    parser.add_argument("--db", help="an existing database built by an earlier run")
    parser.add_argument("--keep", action="store_true", help="keep the database and the files")
    parser.add_argument(
        "--province", action="store_true", help="the watch area is Tỉnh Quảng Ngãi (92 units)"
    )
    parser.add_argument(
        "--areas",
        action="store_true",
        help="the province as 92 watch areas: every area's digest, next to the province's one",
    )
    parser.add_argument("--generate", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.areas:
        args.province = True
    if args.generate:
        generate(args.generate, args.articles, args.week, args.province, args.areas)
        return

    from digest.build import build_digest
    from digest.content import build_content
    from digest.docx import render_docx
    from digest.html import render_html
    from digest.markdown import summary_telegram
    from digest.window import week_window
    from duluan.config import parse_config
    from storage import Store

    workdir = Path(tempfile.mkdtemp(prefix="duluan-bench-digest-"))
    url = args.db or f"sqlite:///{workdir / 'bench.sqlite3'}"
    if not args.db:
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--generate",
                url,
                "--articles",
                str(args.articles),
                "--week",
                str(args.week),
                *(["--province"] if args.province else []),
                *(["--areas"] if args.areas else []),
            ],
            check=True,
        )
        print(f"generated {args.articles:,} articles in {time.perf_counter() - started:.1f} s")
    config = parse_config(config_text(args.province), "bench.yaml", {}).config
    window = week_window("2026-W48", config.schedule.digest, config.schedule.zone)
    store = Store.open(url)
    clock = lambda: WEEK_END + timedelta(hours=1)  # noqa: E731

    started = time.perf_counter()
    built = build_digest(store, config, window, clock, workdir / "out")
    total = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The same steps one by one, for where the time goes (after the peak was taken).
    started = time.perf_counter()
    content = build_content(store, config, window, clock)
    read = time.perf_counter() - started
    started = time.perf_counter()
    docx = render_docx(content)
    docx_s = time.perf_counter() - started
    started = time.perf_counter()
    html = render_html(content)
    summary = summary_telegram(content)
    html_s = time.perf_counter() - started
    store.close()
    print(
        f"week {window.label}: {content.figures.total:,} items, {len(content.attention):,} "
        f"negative or to verify, {len(content.overdue):,} overdue; table by commune: "
        f"{len(content.figures.by_unit or content.figures.by_commune)} rows"
    )
    print(f"whole build:        {total:6.2f} s (aim < 10), {len(built.files)} files")
    print(f"peak memory:        {peak:6.0f} MB (aim < 300)")
    print(f"  read and arrange: {read:6.2f} s")
    print(f"  DOCX ({len(docx) / 1024:,.0f} KB): {docx_s:6.2f} s")
    print(
        f"  HTML ({len(html) / 1024:,.0f} KB) and summary ({len(summary)} chars): {html_s:6.2f} s"
    )
    if args.areas:
        areas_figures(url, workdir, total)
    if args.keep:
        print(f"kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)


def areas_figures(url: str, workdir: Path, one: float) -> None:
    """Every area's digest of the week, as the daemon builds them one after the other, from the
    same database; `one` is the province's single digest for the ratio."""
    from digest.build import build_digest
    from digest.window import week_window
    from duluan.config import parse_config
    from storage import Store

    config = parse_config(config_text(True) + areas_text(province_units()), "bench.yaml", {}).config
    areas = config.watch_areas()
    window = week_window("2026-W48", config.schedule.digest, config.schedule.zone)
    store = Store.open(url)
    clock = lambda: WEEK_END + timedelta(hours=1)  # noqa: E731
    times = []
    for area in areas:
        started = time.perf_counter()
        build_digest(store, config, window, clock, workdir / "areas" / area.name, area=area)
        times.append(time.perf_counter() - started)
    store.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    total = sum(times)
    print(
        f"{len(areas)} areas, every digest: {total:6.2f} s ({total / one:.1f}x the province's "
        f"one digest), slowest {max(times):.2f} s, mean {total / len(times):.2f} s; "
        f"peak memory {peak:.0f} MB"
    )


if __name__ == "__main__":
    main()
