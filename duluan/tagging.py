"""From a stored article to the tagger's record and the alerts it causes: the shell's glue
between nlp/, alerts/ and storage/."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache

from alerts.message import AlertItem, article_message
from alerts.routing import Hit, is_backfill, route
from duluan.config import Area, Config
from duluan.rules import CompiledRules, area_rules, compile_rules, rule_chats, rule_document
from nlp.area import WatchArea
from nlp.locate import Located, Locator
from nlp.query import Span
from nlp.topics import Topics
from storage import ArticleText, MentionRecord, OutboxEntry, TagRecord, UnitRecord
from storage.records import Corrected, RuleHit
from storage.rules import StoredRule
from storage.vocabulary import story_key

# Why a text about the areas together but about none of them alone is not relevant.
NO_AREA = (
    "không thuộc riêng địa bàn theo dõi nào: bài chỉ nêu đơn vị lớn hơn mỗi địa bàn "
    "(huyện, tỉnh cũ); thêm một địa bàn gồm đơn vị đó nếu cần theo dõi"
)


# Why an item is not of an area although its text or a report put it there.
OUTSIDE = "cán bộ đã sửa: không thuộc địa bàn"
# Why the tone is not the tagger's.
TONE_FIXED = "cán bộ đã sửa sắc thái"

# Why an item is of an area by its `anywhere` watch rules (no place of the area needed).
RULE_HIT = "khớp quy tắc theo dõi (mọi nguồn): {}"

# Why a reported item is relevant although the tagger found no place of the area in it.
REPORTED = "do cán bộ báo tin về địa bàn (không cần nêu địa danh trong bài)"


@dataclass(frozen=True)
class Tagged:
    record: TagRecord
    alerts: tuple[OutboxEntry, ...]


@dataclass(frozen=True)
class AreaTagging:
    """One watch area as a tag pass reads it: its settings, its resolved places, and its own
    topic lists where they differ from the tagger's (None: the tagger's topics)."""

    area: Area
    place: WatchArea
    topics: Topics | None = None
    rules: CompiledRules | None = None  # its watch rules, compiled once per pass


def area_taggings(config: Config, stored: Sequence[StoredRule] = ()) -> tuple[AreaTagging, ...]:
    """Every configured area for a tag pass (cheap: the places resolve in milliseconds), with
    its watch rules: the config's and the console's enabled ones (`stored`), read at each pass
    so a rule made in the console works from the next one; a `duluan.locality.LocalityError`
    when a place is wrong."""
    from duluan.locality import area_places

    tagger_topics = config.topic_keywords()
    places = area_places(config)
    compiled = compile_rules([area_rules(area, stored) for area, _ in places])
    return tuple(
        AreaTagging(
            area,
            place,
            None if area.topic_keywords() == tagger_topics else _topics(area.topics),
            rules,
        )
        for (area, place), rules in zip(places, compiled, strict=True)
    )


@cache
def _topics(keywords: tuple[tuple[str, tuple[str, ...]], ...]) -> Topics:
    return Topics.from_config(dict(keywords))


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
    areas: Sequence[AreaTagging] | None = None,
) -> Tagged:
    """Tag one article once for every watch area (the locator reads their union), and say
    which areas it concerns; with a config, also the alerts to queue for it, each concerned
    area's in its own chats (none unless relevant). `review_chat` is the review chat of an area
    that has none ("console" without a bot token); `areas` saves resolving them per article."""
    text, starts = article_text(article)
    result = locator.read(text, article.id)
    if areas is None:
        areas = area_taggings(config) if config is not None else ()
    concerned = [a for a in areas if result.relevant and result.concerns(a.place)]
    reported = _reported_areas(article, areas)
    fixed = article.corrected or Corrected()
    placed = [a for a in areas if fixed.place(a.area.name)]  # a person named its commune
    outside = {a.area.name for a in areas if fixed.place(a.area.name) == ""}
    reported = _union(reported, placed)
    record = _record(article, result, starts, tagged_at, version, _union(concerned, reported))
    if reported and not (record.relevant and concerned):
        # A person the centre knows reported it for their area: reviewed there whatever the
        # text says (a screenshot's caption rarely names the commune).
        record = replace(record, relevant=True, reasons=(*record.reasons, REPORTED))
        concerned = _union(concerned, reported)
    elif len(areas) > 1 and record.relevant and not concerned:
        # Relevant to the areas together (it names a district or the province they share) but
        # to none of them: as each area alone would judge it, so no story is left unowned.
        record = replace(record, relevant=False, reasons=(*record.reasons, NO_AREA))
    record, concerned, hits = _apply_rules(article, text, result, record, concerned, areas)
    if outside:
        # A person said it is not of these areas: neither the text nor a report keeps it there.
        concerned = [a for a in concerned if a.area.name not in outside]
        kept = tuple(a for a in record.areas if a not in outside)
        record = replace(record, areas=kept, reasons=(*record.reasons, OUTSIDE))
        if not concerned:
            record = replace(record, relevant=False)
    if fixed.tone is not None and fixed.tone != record.tone:
        record = replace(record, tone=fixed.tone, reasons=(*record.reasons, TONE_FIXED))
    if config is None or not record.relevant:
        return Tagged(record, ())
    story = story_key(article.cluster_id or article.id)
    alerts: dict[tuple[str, str, int | None], OutboxEntry] = {}
    for each in concerned:
        for entry in _area_alerts(
            each,
            story,
            locator,
            article,
            result,
            record,
            text,
            tagged_at,
            review_chat,
            fixed.place(each.area.name),
            hits.get(each.area.name, ()),
        ):
            alerts.setdefault((entry.messenger, entry.chat, entry.topic), entry)
    return Tagged(record, tuple(alerts.values()))


def _apply_rules(
    article: ArticleText,
    text: str,
    result: Located,
    record: TagRecord,
    concerned: list[AreaTagging],
    areas: Sequence[AreaTagging],
) -> tuple[TagRecord, list[AreaTagging], dict[str, tuple[RuleHit, ...]]]:
    """The watch rules that hit the article, per area: an `area` rule when the article
    concerns the area, an `anywhere` rule whatever the text (a national story naming the
    chairman), which then makes it concern the area. Returns the record with its hits, the
    concerned areas, and each area's hits (for its alerts)."""
    if not any(a.rules for a in areas):
        return record, concerned, {}
    places = [name for u in result.units for name in (u.name, u.new_name) if name]
    document = rule_document(article, text, places, record.topics)
    names = {a.area.name for a in concerned if record.relevant}
    found: list[RuleHit] = []
    by_area: dict[str, tuple[RuleHit, ...]] = {}
    reasons = list(record.reasons)
    added: list[AreaTagging] = []
    matched: dict[int, dict[str, tuple[Span, ...]]] = {}  # per shared rule set: one match
    for each in areas:
        if each.rules is None:
            continue
        ruleset = each.rules.ruleset
        if id(ruleset) not in matched:
            matched[id(ruleset)] = dict(ruleset.matches(document))
        hit = [
            (rule, spans)
            for rule, spans in each.rules.matches(matched[id(ruleset)])
            if rule.scope == "anywhere" or each.area.name in names
        ]
        if not hit:
            continue
        here = tuple(
            RuleHit(
                rule.name, each.area.name, tuple((s.field, s.start, s.end, s.text) for s in spans)
            )
            for rule, spans in hit
        )
        by_area[each.area.name] = here
        found += here
        if each.area.name not in names:
            added.append(each)
            reasons.append(RULE_HIT.format(", ".join(h.rule for h in here)))
    if added:
        concerned = _union([a for a in concerned if a.area.name in names], added)
        record = replace(
            record,
            relevant=True,
            areas=tuple(dict.fromkeys((*record.areas, *(a.area.name for a in added)))),
        )
    return replace(record, reasons=tuple(reasons), rules=tuple(found)), concerned, by_area


def _reported_areas(article: ArticleText, areas: Sequence[AreaTagging]) -> list[AreaTagging]:
    """The areas an item was reported for (a report for every area of its reporter: all)."""
    if not article.reported_areas:
        return []
    if None in article.reported_areas:
        return list(areas)
    return [a for a in areas if a.area.name in article.reported_areas]


def _union(first: Sequence[AreaTagging], second: Sequence[AreaTagging]) -> list[AreaTagging]:
    names = {a.area.name for a in first}
    return [*first, *(a for a in second if a.area.name not in names)]


def _area_alerts(
    each: AreaTagging,
    story: str,
    locator: Locator,
    article: ArticleText,
    result: Located,
    record: TagRecord,
    text: str,
    tagged_at: datetime,
    review_chat: str | None,
    commune: str | None = None,
    rules: Sequence[RuleHit] = (),
) -> list[OutboxEntry]:
    """The alerts of one concerned area: its places (the commune a person named, when one
    did) and topics, routed to its chats (Telegram and Zalo); with the watch rules that hit it
    in the area named in the message, which also goes to the rules' chats (one message per
    chat of each messenger)."""
    place = each.place
    topics = record.topics if each.topics is None else tuple(each.topics.labels(text))
    places = tuple(
        u.name
        for u in result.units
        if u.in_watch_area and place.holds(u.level, u.name, u.province, u.district)
    )
    if commune:
        found = [p.name for p in locator.gazetteer.lookup(commune) if p.in_watch_area]
        places = tuple(dict.fromkeys(found)) or (commune,)
    hit = Hit(
        places=places,
        topics=topics,
        tone=record.tone,
        backfill=article.backfill,
        published_at=article.published_at,
        first_seen_at=article.first_seen_at or tagged_at,
    )
    # Quote the sentence naming a place of the watch area, not the province named elsewhere.
    first = next((m for m in result.mentions if m.unit in hit.places), None)
    quoted = (first.start, first.end) if first else _rule_span(rules)
    message = article_message(
        AlertItem(
            outlet=article.source_title or article.source,
            title=article.title,
            url=article.url,
            published_at=article.published_at,
            places=hit.places,
            tone=record.tone,
            text=text,
            mention=quoted,
            topics=topics,
            needs_verification=record.needs_verification,
            published_precision=article.published_precision,
            platform=article.platform,
            rules=tuple(dict.fromkeys(h.rule for h in rules)),
        )
    )
    chats = [
        (d.messenger, d.chat, d.topic)
        for d in route(hit, each.area, locator.gazetteer, review_chat)
    ]
    if rules and each.rules is not None and not is_backfill(hit):
        chats += [c for h in rules for c in rule_chats(each.rules.rules[h.rule], each.area)]
    return [
        OutboxEntry(story, chat, topic, "alert", message, article.id, messenger)
        for messenger, chat, topic in dict.fromkeys(chats)
    ]


def _rule_span(hits: Sequence[RuleHit]) -> tuple[int, int] | None:
    """Where the first rule hit lies in the alert's text (title, lead and body: the rule's
    `text` field, the title its first line), to quote it when no place of the area is named."""
    for hit in hits:
        for field, start, end, _ in hit.spans:
            if field in ("text", "title"):
                return start, end
    return None


def _record(
    article: ArticleText,
    result: Located,
    starts: list[tuple[str, int]],
    tagged_at: datetime,
    version: str,
    concerned: Sequence[AreaTagging] = (),
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
        areas=tuple(a.area.name for a in concerned),
    )
