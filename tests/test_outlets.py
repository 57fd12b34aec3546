"""Every configured outlet against its stored page and expected extraction (one test for all).

A new outlet is a config entry plus `tests/outlets/<name>/page.html` (or `feed.xml` for a
feed-only source) and `expected.json`; sub-folders hold further layouts of the same outlet.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from crawler.dates import parse_date
from crawler.extract import extract_article
from crawler.feeds import parse_feed
from duluan.config import Source, load_config

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
            "title": article.title,
            "lead": article.lead,
            "text": article.text,
            "author": article.author,
            "published_at": article.published_at,
            "section": article.section,
            "canonical_url": article.canonical_url,
        }
    feed = parse_feed((folder / "feed.xml").read_bytes(), expected["url"])
    link = feed.links[0]
    return {
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
    for key in ("title", "lead", "author", "section", "canonical_url", "publisher"):
        want = expected.get(key)
        if want is not None and key in got and (got[key] or "").casefold() != want.casefold():
            problems.append(f"{key}: got {got[key]!r}, expected {expected[key]!r}")
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
