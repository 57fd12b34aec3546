"""Stories of a watch area in a store, for spread and spike tests: `add_copy` saves one copy
of story `n` (copies of one `n` cluster together) by one outlet, tagged in the area."""

from __future__ import annotations

from datetime import datetime

from nlp.area import DEFAULT_AREA
from storage import Store
from tests.kit.articles import record, signature, tag

OUTLETS = [(f"bao{i}", f"Báo số {i}") for i in range(1, 7)]


def add_copy(
    store: Store,
    n: int,
    outlet: int,
    at: datetime,
    *,
    published_at: datetime | None = None,
    tone: str = "neutral",
    topics: tuple[str, ...] = (),
    area: str = DEFAULT_AREA,
    backfill: bool = False,
    relevant: bool = True,
    title: str | None = None,
) -> int:
    """Save and tag a copy of story `n` run by outlet `outlet` (1–6), first seen at `at`
    (published then too unless `published_at`); returns its article id."""
    store.sync_sources(OUTLETS)
    source = OUTLETS[outlet - 1][0]
    url = f"https://{source}.vn/tin-{n}.html"
    saved = store.save_article(
        record(
            n,
            source=source,
            url=url,
            canonical_url=url,
            content_hash=f"{source}-{n}",
            title=title or f"Tin số {n}",
            published_at=published_at or at,
            fetched_at=at,
            fingerprint=signature(n),
            backfill=backfill,
        )
    )
    store.save_tags(
        [
            tag(
                saved.article_id,
                tone=tone,
                topics=topics,
                relevant=relevant,
                areas=(area,) if relevant else (),
                tagged_at=at,
            )
        ]
    )
    return saved.article_id
