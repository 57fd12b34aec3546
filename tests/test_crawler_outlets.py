"""Every configured outlet against its stored page and expected extraction (one test for all).

A new outlet is a config entry plus `tests/outlets/<name>/page.html` (or `feed.xml` for a
feed-only source) and `expected.json`; sub-folders hold further layouts of the same outlet.
`expected.json` may name the `platform` the crawler gives the item (a forum's threads: `forum`).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from crawler.dates import parse_date
from crawler.extract import extract_article
from crawler.feeds import parse_feed
from crawler.spider import item_platform
from duluan.config import Source, load_config

# What no stored field may hold: a character reference, or a tag.
LEFTOVER = re.compile(r"&#\d|&#x|&amp;|&apos;|&quot;|&lt;|&gt;|</?[a-zA-Z][a-zA-Z0-9]*[\s/>]")
ROOT = Path(__file__).resolve().parent.parent
OUTLETS = Path(__file__).resolve().parent / "outlets"
CONFIG = load_config(ROOT / "config.yaml", {}).config


def cases() -> list[tuple[Source, Path]]:
    found = []
    for source in CONFIG.sources:
        folder = OUTLETS / source.name
        found.append((source, folder))
        found += [(source, sub) for sub in sorted(folder.glob("*/")) if sub.is_dir()]
    return found


def extracted(source: Source, folder: Path, expected: dict[str, Any]) -> dict[str, Any]:
    page = folder / "page.html"
    if page.exists():
        article = extract_article(page.read_text(encoding="utf-8"), expected["url"], source.extract)
        assert article is not None, f"{folder}: no article extracted"
        return {
            "platform": item_platform(source, expected["url"]),
            "title": article.title,
            "lead": article.lead,
            "text": article.text,
            "author": article.author,
            "published_at": article.published_at,
            "section": article.section,
            "canonical_url": article.canonical_url,
            "alt_title": article.alt_title,
            "published_precision": article.published_precision,
        }
    feed = parse_feed((folder / "feed.xml").read_bytes(), expected["url"])
    link = feed.links[0]
    return {
        "platform": item_platform(source, link.url),
        "url": link.url,
        "title": link.title,
        "lead": link.lead or "",
        "text": link.lead or "",
        "author": link.author or link.publisher,
        "published_at": link.published_at,
        "section": link.section,
        "canonical_url": link.url,
        "publisher": link.publisher,
    }


@pytest.mark.parametrize(
    ("source", "folder"), cases(), ids=lambda v: v.name if hasattr(v, "name") else str(v)
)
def test_outlet_page(source: Source, folder: Path) -> None:
    expected_file = folder / "expected.json"
    if not source.enabled and not expected_file.exists():
        pytest.skip(f"{source.name} is disabled (unconfirmed) and has no stored page yet")
    assert expected_file.exists(), f"{source.name}: add a stored page and {expected_file}"
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    got = extracted(source, folder, expected)
    problems = []
    # Files that give `published_precision` (written since issue 11) mean null as "the page has
    # none" (an outlet's name is not an author); in older files null means "not checked".
    strict = "published_precision" in expected
    keys = ("title", "lead", "author", "section", "canonical_url", "publisher", "alt_title")
    for key in (*keys, "platform"):
        if key not in expected or key not in got or (expected[key] is None and not strict):
            continue
        want = expected[key]
        if (got[key] or "").casefold() != (want or "").casefold():
            problems.append(f"{key}: got {got[key]!r}, expected {expected[key]!r}")
    if "published_precision" in expected and "published_precision" in got:  # noqa: SIM102
        if got["published_precision"] != expected["published_precision"]:
            problems.append(
                f"published_precision: got {got['published_precision']!r}, "
                f"expected {expected['published_precision']!r}"
            )
    for key, value in got.items():
        if isinstance(value, str) and LEFTOVER.search(value):
            problems.append(f"{key} keeps a reference or markup: {LEFTOVER.search(value)}")
    if expected.get("published_at"):
        want: datetime | None = parse_date(expected["published_at"])
        if got["published_at"] != want:
            problems.append(f"published_at: got {got['published_at']}, expected {want}")
    text: str = got["text"]
    if not text.startswith(expected["body_starts"]):
        problems.append(f"body starts {text[:80]!r}, expected {expected['body_starts']!r}")
    if not text.endswith(expected["body_ends"]):
        problems.append(f"body ends {text[-80:]!r}, expected {expected['body_ends']!r}")
    problems += [f"body lacks {s!r}" for s in expected.get("body_contains", []) if s not in text]
    problems += [f"body has {s!r}" for s in expected.get("body_excludes", []) if s in text]
    assert not problems, f"{source.name} ({folder.name}):\n" + "\n".join(problems)


def feed_cases() -> list[Path]:
    return sorted(OUTLETS.glob("*/feed.expected.json")) + sorted(
        OUTLETS.glob("*/*/feed.expected.json")
    )


@pytest.mark.parametrize("expected_file", feed_cases(), ids=lambda p: p.parent.name)
def test_outlet_feed(expected_file: Path) -> None:
    """An outlet's feed quirks (titles escaped twice inside CDATA, US-style dates…): each item's
    URL, title and date, and no reference or markup left in any field."""
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    feed = parse_feed((expected_file.parent / "feed.xml").read_bytes(), expected["url"])
    got = {link.url: link for link in feed.links}
    problems = []
    for item in expected["items"]:
        link = got.get(item["url"])
        if link is None:
            problems.append(f"missing item {item['url']}")
            continue
        if item.get("title") is not None and link.title != item["title"]:
            problems.append(f"title: got {link.title!r}, expected {item['title']!r}")
        if item.get("published_at") and link.published_at != parse_date(item["published_at"]):
            problems.append(
                f"published_at: got {link.published_at}, expected {item['published_at']}"
            )
        for name in ("title", "lead", "author", "section"):
            value = getattr(link, name)
            if isinstance(value, str) and LEFTOVER.search(value):
                problems.append(f"{name} keeps a reference or markup: {value!r}")
    assert not problems, f"{expected_file.parent.name}:\n" + "\n".join(problems)
