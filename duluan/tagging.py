"""From a stored article to the tagger's record and the alerts it causes: the shell's glue
between nlp/, alerts/ and storage/."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from alerts.message import AlertItem, article_message
from alerts.routing import Hit, route
from duluan.config import Config
from nlp.locate import Located, Locator
from storage import ArticleText, MentionRecord, OutboxEntry, TagRecord, UnitRecord
from storage.vocabulary import story_key


@dataclass(frozen=True)
class Tagged:
    record: TagRecord
    alerts: tuple[OutboxEntry, ...]


def article_text(article: ArticleText) -> tuple[str, list[tuple[str, int]]]:
    """Title, lead and body as one text (title on the first line), with where each field starts."""
    parts = [("title", article.title), ("lead", article.lead), ("text", article.text)]
    text, starts = "", []
    for name, value in parts:
        if not value:
            continue
        if text:
            text += "\n"
        starts.append((name, len(text)))
        text += value
    return text, starts


def tag_article(
    locator: Locator,
    article: ArticleText,
    tagged_at: datetime,
    version: str,
    config: Config | None = None,
    review_chat: str | None = None,
) -> Tagged:
    """Tag one article; with a config, also the alerts to queue for it (none unless relevant)."""
    text, starts = article_text(article)
    result = locator.read(text, article.id)
    record = _record(article, result, starts, tagged_at, version)
    if config is None or not record.relevant:
        return Tagged(record, ())
    hit = Hit(
        places=tuple(u.name for u in record.units if u.in_watch_area),
        topics=record.topics,
        tone=record.tone,
        backfill=article.backfill,
        published_at=article.published_at,
        first_seen_at=article.first_seen_at or tagged_at,
    )
    # Quote the sentence naming a place of the watch area, not the province named elsewhere.
    first = next((m for m in result.mentions if m.unit in hit.places), None)
    message = article_message(
        AlertItem(
            outlet=article.source_title or article.source,
            title=article.title,
            url=article.url,
            published_at=article.published_at,
            places=hit.places,
            tone=record.tone,
            text=text,
            mention=(first.start, first.end) if first else None,
            topics=record.topics,
            needs_verification=record.needs_verification,
            published_precision=article.published_precision,
        )
    )
    story = story_key(article.cluster_id or article.id)
    alerts = tuple(
        OutboxEntry(story, d.chat, d.topic, "alert", message, article.id)
        for d in route(hit, config, locator.gazetteer, review_chat)
    )
    return Tagged(record, alerts)


def _record(
    article: ArticleText,
    result: Located,
    starts: list[tuple[str, int]],
    tagged_at: datetime,
    version: str,
) -> TagRecord:
    mentions = []
    levels: dict[str, str] = {}  # a unit's name → the level of its first entry
    for u in result.units:
        levels.setdefault(u.name, u.level)
    for m in result.mentions:
        field, offset = next((f, o) for f, o in reversed(starts) if o <= m.start)
        mentions.append(
            MentionRecord(
                field=field,
                start=m.start - offset,
                end=m.end - offset,
                text=m.text,
                unit=m.unit,
                level=levels.get(m.unit, "commune"),
                rule=m.rule,
                confidence=m.confidence,
            )
        )
    units = tuple(
        UnitRecord(
            level=u.level,
            name=u.name,
            province=u.province,
            district=u.district or ", ".join(u.districts) or None,
            new_name=u.new_name,
            new_province=u.new_province,
            in_watch_area=u.in_watch_area,
        )
        for u in result.units
    )
    return TagRecord(
        article_id=article.id,
        relevant=result.relevant,
        relevance=result.score,
        tone=result.tone,
        needs_verification=result.needs_verification,
        topics=result.topics,
        reasons=result.reasons,
        units=units,
        mentions=tuple(mentions),
        tagged_at=tagged_at,
        tagger_version=version,
    )
