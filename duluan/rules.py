"""Watch rules (issue 16): the rules of each area, from config.yaml and from the console,
compiled once per tag pass; the text a rule reads of an article; who a hit alerts; and the
checks of a rule an admin writes in the console (the config's are `duluan.config.Rule`'s)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from duluan.config import MAX_RULE_QUERY, RULE_SCOPES, ZALO_ID, Area, Config, Rule, query_error
from storage.records import TELEGRAM, ZALO

if TYPE_CHECKING:
    from nlp.query import Document, RuleSet, Span
    from storage.records import ArticleText
    from storage.rules import RuleDraft, RuleQueries, StoredRule

log = logging.getLogger(__name__)

MAX_RULE_NAME = 100
MAX_CHATS = 20
SCOPE_LABELS = {"area": "chỉ tin về địa bàn", "anywhere": "mọi tin (cả tin ngoài địa bàn)"}


@dataclass(frozen=True)
class WatchRule:
    """One rule as the tag pass and the console read it, wherever it was written: `area`
    None for every area; `id` the console rule's (None: config.yaml)."""

    name: str
    query: str
    scope: str = "area"
    chats: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    area: str | None = None
    id: int | None = None
    enabled: bool = True
    zalo_chats: tuple[str, ...] = ()  # Zalo chat ids (strings), alerted like `chats`


def config_rules(config: Config) -> list[WatchRule]:
    """The rules written in config.yaml: the top-level ones (every area), then each area's."""
    out = [_from_config(r, None) for r in config.rules]
    for area in config.areas or ():
        out += [_from_config(r, area.name) for r in area.rules]
    return out


def _from_config(rule: Rule, area: str | None) -> WatchRule:
    return WatchRule(
        rule.name,
        rule.query,
        rule.scope,
        tuple(rule.chats),
        tuple(rule.units),
        area,
        zalo_chats=tuple(rule.zalo_chats),
    )


def console_rules(stored: Iterable[StoredRule]) -> list[WatchRule]:
    return [
        WatchRule(r.name, r.query, r.scope, r.chats, r.units, r.area, r.id, r.enabled, r.zalo_chats)
        for r in stored
    ]


def area_rules(area: Area, stored: Iterable[StoredRule] = ()) -> list[WatchRule]:
    """The rules an area evaluates: its config rules (top-level and its own), then the enabled
    console rules of every area or of it. A console rule named like an earlier one is left out
    (the config wins)."""
    rules = [_from_config(r, area.name) for r in area.rules]
    names = {r.name for r in rules}
    for rule in console_rules(stored):
        if rule.enabled and rule.area in (None, area.name) and rule.name not in names:
            names.add(rule.name)
            rules.append(rule)
    return rules


@dataclass(frozen=True)
class CompiledRules:
    """An area's rules, compiled once per tag pass: each rule by name, over one rule set that
    every area of the pass shares (keyed by query text), so a text is matched once whatever
    the number of areas."""

    ruleset: RuleSet
    rules: dict[str, WatchRule]

    def matches(
        self, found: Mapping[str, tuple[Span, ...]]
    ) -> list[tuple[WatchRule, tuple[Span, ...]]]:
        """The area's rules among `found` (the shared rule set's matches, by query text)."""
        return [(rule, found[rule.query]) for rule in self.rules.values() if rule.query in found]


def compile_rules(per_area: Sequence[Sequence[WatchRule]]) -> list[CompiledRules | None]:
    """Each area's rules over one shared rule set (None for an area without any): each query
    parsed once. A stored query the language no longer accepts is left out with a warning, not
    a failed tag pass."""
    from nlp.query import Query, QueryError, RuleSet, parse

    parsed: dict[str, Query] = {}
    refused: set[str] = set()
    for rules in per_area:
        for rule in rules:
            if rule.query in parsed or rule.query in refused:
                continue
            try:
                parsed[rule.query] = parse(rule.query)
            except QueryError as exc:
                refused.add(rule.query)
                log.warning("Bỏ qua quy tắc theo dõi %r: truy vấn sai ở %s", rule.name, exc)
    shared = RuleSet(parsed.items())
    out: list[CompiledRules | None] = []
    for rules in per_area:
        kept = {r.name: r for r in rules if r.query in parsed}
        out.append(CompiledRules(shared, kept) if kept else None)
    return out


def rule_document(
    article: ArticleText, text: str, places: Iterable[str] = (), topics: Iterable[str] = ()
) -> Document:
    """What a rule reads of an article: `text` (title, lead and body as
    `duluan.tagging.article_text` joins them), its title, its source (name and title), the
    places the tagger found (old and new names) and its topics."""
    from nlp.query import Document

    source = " ".join(part for part in (article.source, article.source_title) if part)
    return Document(
        text,
        title=article.title,
        source=source,
        places=tuple(dict.fromkeys(p for p in places if p)),
        topics=tuple(topics),
    )


def rule_chats(rule: WatchRule, area: Area) -> list[tuple[str, str, int | None]]:
    """The chats a hit of `rule` in `area` alerts besides the area's own alert, as (messenger,
    chat, forum topic): its Telegram and Zalo chats, and its units' chats of both. None of
    them: the area's review group alone."""
    units = [u for u in area.units if u.name in rule.units]
    out: list[tuple[str, str, int | None]] = [(TELEGRAM, chat, None) for chat in rule.chats]
    out += [(TELEGRAM, u.chat, u.topic) for u in units if u.chat]
    out += [(ZALO, chat, None) for chat in rule.zalo_chats]
    out += [(ZALO, u.zalo, None) for u in units if u.zalo]
    return list(dict.fromkeys(out))


def spans_text(spans: Iterable[tuple[str, int, int, str]]) -> str:
    """Where a rule matched, as people read it: «words» (field), …"""
    return ", ".join(
        f"«{words}» ({FIELD_LABELS.get(field, field)})" for field, _, _, words in spans
    )


FIELD_LABELS = {
    "title": "tiêu đề",
    "text": "nội dung",
    "source": "nguồn",
    "place": "địa danh",
    "topic": "lĩnh vực",
}


def rule_names(config: Config, store: RuleQueries) -> list[str]:
    """Every rule name the queue may filter on: config and console rules, and the names of
    rules since deleted that articles still carry."""
    names = {r.name for r in config_rules(config)}
    names |= {r.name for r in store.watch_rules()}
    names |= set(store.hit_rule_names())
    return sorted(names)


def draft_problem(
    config: Config, draft: RuleDraft, stored: Sequence[StoredRule], editing: int | None = None
) -> str:
    """Why a console rule cannot be saved, in Vietnamese (a bad query with its position), or
    "" when it can: a name not used by another rule of its areas, a query the language
    accepts, a known scope, area and units, Telegram chat ids that look like chat ids and Zalo
    ids as `duluan.config.ZALO_ID` accepts them."""
    if not draft.name or len(draft.name) > MAX_RULE_NAME:
        return f"Tên quy tắc phải có từ 1 đến {MAX_RULE_NAME} ký tự."
    if not draft.query.strip():
        return "Truy vấn không được để trống."
    if len(draft.query) > MAX_RULE_QUERY:
        return f"Truy vấn dài quá {MAX_RULE_QUERY} ký tự."
    error = query_error(draft.query)
    if error is not None:
        return f"Truy vấn sai ở {error}."
    if draft.scope not in RULE_SCOPES:
        return f"Phạm vi {draft.scope!r} không hợp lệ."
    areas = config.watch_areas()
    if draft.area is not None and not any(a.name == draft.area for a in areas):
        return f"Không có địa bàn {draft.area!r} trong cấu hình."
    chosen = [a for a in areas if draft.area is None or a.name == draft.area]
    known = {u.name for a in chosen for u in a.units}
    unknown = [u for u in draft.units if u not in known]
    if unknown:
        return f"Không có đơn vị {', '.join(unknown)} trong địa bàn của quy tắc."
    if len(draft.chats) > MAX_CHATS:
        return f"Nhiều nhất {MAX_CHATS} nhóm Telegram cho một quy tắc."
    bad = [c for c in draft.chats if not _chat_like(c)]
    if bad:
        return (
            f"Mã nhóm Telegram không hợp lệ: {', '.join(bad)} (một số như -1001234567890 "
            "hoặc @tên_kênh)."
        )
    if len(draft.zalo_chats) > MAX_CHATS:
        return f"Nhiều nhất {MAX_CHATS} nhóm hay người nhận Zalo cho một quy tắc."
    bad = [c for c in draft.zalo_chats if not ZALO_ID.fullmatch(c)]
    if bad:
        return (
            f"Mã Zalo không hợp lệ: {', '.join(c[:70] for c in bad)} (chữ, số, dấu - _ . ; tối "
            "đa 64 ký tự; xem mục Zalo trong README để lấy mã)."
        )
    taken = {r.name for a in chosen for r in a.rules}
    taken |= {
        r.name
        for r in stored
        if r.id != editing and (r.area is None or draft.area is None or r.area == draft.area)
    }
    if draft.name in taken:
        return f"Đã có quy tắc tên {draft.name!r}; hãy chọn tên khác."
    return ""


def _chat_like(chat: str) -> bool:
    if chat.startswith("@"):
        return 5 <= len(chat) <= 33 and chat[1:].replace("_", "").isalnum() and chat.isascii()
    return chat.isascii() and chat.removeprefix("-").isdigit() and len(chat) <= 20
