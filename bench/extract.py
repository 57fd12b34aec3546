"""Extraction benchmark: duluan against trafilatura alone, field by field, on stored pages.

For every `page.html` with its `expected.json` (the format of `tests/outlets/`, one folder per
page, sub-folders included) it measures, side by side in one run:

- the share of pages each gets right: title, date to the minute (to the day where the page
  shows only a day), first paragraph, last paragraph, no boilerplate (none of `body_excludes`);
- extraction speed (pages per second) of each on the same pages.

Usage: `python bench/extract.py [--pages DIR] [--repeat N] [--errors]`. `--pages` defaults to
`tests/outlets`; a folder of real pages kept outside the repository (never tuned on) is measured
the same way: its `expected.json` may name the config source in `"source"`, else the folder name
up to the first `-` is tried. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from crawler.dates import VIETNAM, parse_date  # noqa: E402
from crawler.extract import extract_article  # noqa: E402
from duluan.config import Extract, load_config  # noqa: E402

FIELDS = ("title", "day", "date", "first", "last", "clean")
LABELS = {
    "title": "title",
    "day": "date (day)",
    "date": "date (minute, or day)",
    "first": "first paragraph",
    "last": "last paragraph",
    "clean": "no boilerplate",
}


@dataclass
class Page:
    folder: Path
    html: str
    expected: dict[str, Any]
    rules: Extract | None


@dataclass
class Score:
    right: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    total: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    misses: list[str] = field(default_factory=list)


def pages(folder: Path) -> list[Page]:
    config = load_config(ROOT / "config.yaml", {}).config
    rules = {s.name: s.extract for s in config.sources}
    found = []
    for expected_file in sorted(folder.glob("**/expected.json")):
        page = expected_file.parent / "page.html"
        if not page.exists():
            continue
        expected = json.loads(expected_file.read_text(encoding="utf-8"))
        name = expected.get("source") or _source_name(expected_file.parent, folder)
        found.append(
            Page(expected_file.parent, page.read_text(encoding="utf-8"), expected, rules.get(name))
        )
    return found


def _source_name(page_folder: Path, root: Path) -> str:
    first = page_folder.relative_to(root).parts[0]
    return first.split("-")[0]


def duluan(page: Page) -> dict[str, Any]:
    got = extract_article(page.html, page.expected["url"], page.rules)
    if got is None:
        return {}
    return {"title": got.title, "date": got.published_at, "text": got.text}


def trafilatura_alone(page: Page) -> dict[str, Any]:
    doc = trafilatura.bare_extraction(page.html, url=page.expected["url"], with_metadata=True)
    if doc is None:
        return {}
    date = parse_date(doc.date, tz=VIETNAM) if doc.date else None
    return {"title": doc.title, "date": date, "text": doc.text or ""}


def judge(page: Page, got: dict[str, Any], score: Score, name: str) -> None:
    expected = page.expected
    text = " ".join((got.get("text") or "").split())
    checks: dict[str, bool | None] = {
        "title": _same(got.get("title"), expected.get("title")),
        "day": _same_day(got.get("date"), expected.get("published_at")),
        "date": _same_time(got.get("date"), expected.get("published_at")),
        "first": _has(text, expected.get("body_starts")),
        "last": _has(text, expected.get("body_ends")),
        "clean": (
            not any(" ".join(x.split()) in text for x in expected.get("body_excludes", []))
            if text and expected.get("body_excludes")
            else None
        ),
    }
    for key, ok in checks.items():
        if ok is None:
            continue
        score.total[key] += 1
        score.right[key] += int(ok)
        if not ok:
            score.misses.append(f"{name}: {page.folder.name}: {key}")


def _same(got: str | None, want: str | None) -> bool | None:
    if not want:
        return None
    return " ".join((got or "").split()).casefold() == " ".join(want.split()).casefold()


def _same_time(got: datetime | None, want: str | None) -> bool | None:
    if not want:
        return None
    expected = parse_date(want)
    if got is None or expected is None:
        return False
    if len(want.strip()) == 10:  # YYYY-MM-DD: the page shows only a day
        return got.astimezone(VIETNAM).date() == expected.date()
    return got.astimezone(VIETNAM).replace(second=0) == expected.astimezone(VIETNAM).replace(
        second=0
    )


def _same_day(got: datetime | None, want: str | None) -> bool | None:
    if not want:
        return None
    expected = parse_date(want)
    if got is None or expected is None:
        return False
    return got.astimezone(VIETNAM).date() == expected.astimezone(VIETNAM).date()


def _has(text: str, part: str | None) -> bool | None:
    if not part:
        return None
    return " ".join(part.split()) in text


def speed(items: list[Page], extract: Any, repeat: int) -> float:
    began = time.perf_counter()
    for _ in range(repeat):
        for page in items:
            extract(page)
    return len(items) * repeat / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=Path, default=ROOT / "tests" / "outlets")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--errors", action="store_true", help="list every miss")
    args = parser.parse_args()
    items = pages(args.pages)
    scores = {"duluan": Score(), "trafilatura": Score()}
    for page in items:
        judge(page, duluan(page), scores["duluan"], "duluan")
        judge(page, trafilatura_alone(page), scores["trafilatura"], "trafilatura")
    print(f"{len(items)} pages from {args.pages}")
    print(f"{'field':<24}{'duluan':>12}{'trafilatura':>14}")
    for key in FIELDS:
        ours, theirs = scores["duluan"], scores["trafilatura"]
        if not ours.total[key]:
            continue
        print(
            f"{LABELS[key]:<24}{ours.right[key]:>6}/{ours.total[key]:<5}"
            f"{theirs.right[key]:>8}/{theirs.total[key]:<5}"
        )
    ours_speed = speed(items, duluan, args.repeat)
    theirs_speed = speed(items, trafilatura_alone, args.repeat)
    print(
        f"speed: duluan {ours_speed:.1f} pages/s, trafilatura alone {theirs_speed:.1f} pages/s "
        f"(ratio {ours_speed / theirs_speed:.2f})"
    )
    if args.errors:
        for score in scores.values():
            for miss in score.misses:
                print("  miss", miss)


if __name__ == "__main__":
    main()
