"""From a stored article to the tagger's record: the shell's glue between nlp/ and storage/."""

from __future__ import annotations

from datetime import datetime

from nlp.locate import Locator
from storage import ArticleText, MentionRecord, TagRecord, UnitRecord


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


def tag_record(
    locator: Locator, article: ArticleText, tagged_at: datetime, version: str
) -> TagRecord:
    text, starts = article_text(article)
    result = locator.locate(text, article.id)
    mentions = []
    for m in result["mentions"]:
        field, offset = next((f, o) for f, o in reversed(starts) if o <= m["start"])
        level = next((u["level"] for u in result["units"] if u["name"] == m["unit"]), "commune")
        mentions.append(
            MentionRecord(
                field=field,
                start=m["start"] - offset,
                end=m["end"] - offset,
                text=m["text"],
                unit=m["unit"],
                level=level,
                rule=m["rule"],
                confidence=m["confidence"],
            )
        )
    units = tuple(
        UnitRecord(
            level=u["level"],
            name=u["name"],
            province=u.get("province"),
            district=u.get("district")
            or (", ".join(u["districts"]) if u.get("districts") else None),
            new_name=u.get("new_name"),
            new_province=u.get("new_province"),
            in_watch_area=bool(u["in_watch_area"]),
        )
        for u in result["units"]
    )
    return TagRecord(
        article_id=article.id,
        relevant=result["relevant"],
        relevance=result["score"],
        tone=result["tone"],
        needs_verification=result["needs_verification"],
        topics=tuple(result["topics"]),
        reasons=tuple(result["reasons"]),
        units=units,
        mentions=tuple(mentions),
        tagged_at=tagged_at,
        tagger_version=version,
    )
