"""From a text to what `duluan locate` prints: the units it is about, with evidence, tone, topics.

Title (first line) and lead weigh more than the body; the relevance score grows with the
confidence and the place of the mentions of the watch area.

A text is examined up to `MAX_TEXT_CHARS` characters and `MAX_MENTIONS` candidate names (and
`nlp.resolve.MAX_NER_READINGS` NER readings): far above any real article, so that a hostile or
broken page costs a bounded time. What a cap leaves out is said in `reasons` and logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from nlp.area import WatchArea
from nlp.gazetteer import Gazetteer, Unit
from nlp.matcher import Matcher
from nlp.resolve import MAX_NER_READINGS, Resolved, of_provinces, resolve_all
from nlp.tone import Lexicon, default_lexicon, tone
from nlp.tone_model import Label, ToneModel
from nlp.topics import Topics

log = logging.getLogger(__name__)

RELEVANT_AT = 0.6
# Real articles are under 50 KB of text and name under a hundred places; past these a text is
# a dump, a list or an attack, and its first part says what it is about.
MAX_TEXT_CHARS = 100_000
MAX_MENTIONS = 1_000
TITLE_WEIGHT = 1.0
BODY_WEIGHT = 0.8


@dataclass(frozen=True)
class FoundUnit:
    """A unit of the provinces the watch area lies in that a text is about: an old district, an
    old commune (with its district and the 2025 unit it became), a 2025 commune (with the old
    districts it lies in), or a province, old or new, that lies wholly in the watch area (only
    then: a province is reported only where it is the area or part of it)."""

    level: Literal["province", "new_province", "district", "commune", "new_commune"]
    name: str
    province: str
    in_watch_area: bool
    district: str | None = None
    new_name: str | None = None
    new_province: str | None = None
    districts: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """The DESIGN.md form: the keys of its level, in their order (a province has a
        district's keys)."""
        if self.level in ("province", "new_province", "district"):
            return {
                "level": self.level,
                "name": self.name,
                "province": self.province,
                "in_watch_area": self.in_watch_area,
            }
        if self.level == "commune":
            return {
                "level": "commune",
                "name": self.name,
                "district": self.district,
                "province": self.province,
                "new_name": self.new_name,
                "new_province": self.new_province,
                "in_watch_area": self.in_watch_area,
            }
        return {
            "level": "new_commune",
            "name": self.name,
            "province": self.province,
            "districts": list(self.districts),
            "in_watch_area": self.in_watch_area,
        }


@dataclass(frozen=True)
class Mention:
    """Where a text names a unit: the span from its prefix ("xã Đăk Pxi"), the unit, the rule that
    resolved it and how sure that is."""

    start: int
    end: int
    text: str
    unit: str
    rule: str
    confidence: float

    def as_json(self) -> dict[str, Any]:
        """The DESIGN.md form."""
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "unit": self.unit,
            "rule": self.rule,
            "confidence": self.confidence,
        }


@dataclass(frozen=True)
class Watched:
    """A mention of the watch area as the relevance score counts it: the units it resolved to
    and its confidence weighed by where it stands (title or body). Kept so that one tagging of a
    deployment's areas (their union) says, per area, whether the text concerns it."""

    units: tuple[Unit, ...]
    weight: float


@dataclass(frozen=True)
class Located:
    """What the tagger says of one text: relevance to the watch area, tone, the units and their
    mentions, topics, reasons, needs-verification. `as_json()` is `duluan locate`'s object."""

    id: Any
    relevant: bool
    score: float
    tone: Label
    units: tuple[FoundUnit, ...]
    mentions: tuple[Mention, ...]
    topics: tuple[str, ...]
    reasons: tuple[str, ...]
    needs_verification: bool
    watched: tuple[Watched, ...] = ()

    def score_in(self, area: WatchArea) -> float:
        """The relevance score counting only the mentions of units in `area` (part of the
        tagged area): the score itself when `area` is all of it."""
        return round(_score([w.weight for w in self.watched if _in(w.units, area)]), 2)

    def concerns(self, area: WatchArea) -> bool:
        """Whether the text is relevant to `area`, as `relevant` is to the tagged area."""
        return self.score_in(area) >= RELEVANT_AT

    def as_json(self) -> dict[str, Any]:
        """The DESIGN.md `locate` JSON object."""
        return {
            "id": self.id,
            "relevant": self.relevant,
            "score": self.score,
            "tone": self.tone,
            "units": [u.as_json() for u in self.units],
            "mentions": [m.as_json() for m in self.mentions],
            "topics": list(self.topics),
            "reasons": list(self.reasons),
            "needs_verification": self.needs_verification,
        }


@dataclass(frozen=True)
class Locator:
    """Tags texts for one watch area; build once, reuse for every text. The caps (None: none)
    are the module's constants; only the benches lift them, to time the tagger itself."""

    gazetteer: Gazetteer
    matcher: Matcher
    topics: Topics
    lexicon: Lexicon = field(default_factory=default_lexicon)
    max_text_chars: int | None = MAX_TEXT_CHARS
    max_mentions: int | None = MAX_MENTIONS
    max_ner_readings: int | None = MAX_NER_READINGS
    tone_model: ToneModel | None = None  # None: the shipped one

    @classmethod
    def build(
        cls,
        province: str,
        district: str,
        aliases: dict[str, list[str]] | None = None,
        topics: dict[str, list[str]] | None = None,
        lexicon: Lexicon | None = None,
    ) -> Locator:
        """The tagger for one old district (`locality.province` + `locality.district`)."""
        gazetteer = Gazetteer.build(province, district, aliases or {})
        return cls(
            gazetteer, Matcher(gazetteer), Topics.from_config(topics), lexicon or default_lexicon()
        )

    @classmethod
    def for_area(
        cls,
        area: WatchArea,
        aliases: dict[str, list[str]] | None = None,
        topics: dict[str, list[str]] | None = None,
        lexicon: Lexicon | None = None,
    ) -> Locator:
        """The tagger for a watch area (`nlp.area.resolve_places`)."""
        gazetteer = Gazetteer.for_area(area, aliases or {})
        return cls(
            gazetteer, Matcher(gazetteer), Topics.from_config(topics), lexicon or default_lexicon()
        )

    def locate(self, text: str, ident: Any = None, published: Any = None) -> dict[str, Any]:
        """The DESIGN.md `locate` JSON object for one text (see `read`)."""
        return self.read(text, ident, published).as_json()

    def read(self, text: str, ident: Any = None, published: Any = None) -> Located:
        """What the tagger says of one text (title on its first line). `published` (a date, or
        an ISO date string) is the article's publication date, if known: it says whether a name
        both an old and a new unit carry means the old one."""
        text, notes = capped(text, self.max_text_chars)
        candidates = self.matcher.find(text)
        if self.max_mentions is not None and len(candidates) > self.max_mentions:
            notes.append(
                f"Giới hạn: chỉ xét {_count(self.max_mentions)} địa danh đầu trong "
                f"{_count(len(candidates))} địa danh tìm thấy"
            )
            candidates = candidates[: self.max_mentions]
        readings = len(candidates) if self.max_ner_readings is None else self.max_ner_readings
        resolution = resolve_all(
            text, candidates, self.gazetteer, readings, published=publication_date(published)
        )
        resolved = resolution.found
        if resolution.ner_skipped:
            notes.append(
                f"Giới hạn: {_count(resolution.ner_skipped)} địa danh không kèm tên tỉnh được xét "
                f"không qua nhận dạng thực thể (NER)"
            )
        if notes:
            what = "Văn bản" if ident is None else f"Bài {ident}"
            log.warning("%s: %s", what, "; ".join(notes))
        title_end = text.find("\n") if "\n" in text else len(text)
        ours = [r for r in resolved if any(u.in_watch_area for u in r.units)]
        watched = [
            Watched(
                r.units,
                r.confidence * (TITLE_WEIGHT if r.candidate.start < title_end else BODY_WEIGHT),
            )
            for r in ours
        ]
        score = _score([w.weight for w in watched])
        units = _units(resolved, self.gazetteer)
        relevant = score >= RELEVANT_AT
        provinces = self.gazetteer.provinces
        mentions = [r for r in resolved if of_provinces(r.units[0], provinces)]
        # Tone, needs-verification and topics are read for every text naming a place of the
        # watched province (the province itself too); the other nineteen in twenty articles
        # skip them (they are half of the tagger's time).
        label: Label = "neutral"
        reasons: list[str] = []
        topics: list[str] = []
        verify = False
        if mentions:
            anchors = [(r.candidate.start, r.candidate.end) for r in ours]
            verdict = tone(text, anchors, self.lexicon, self.tone_model)
            label, reasons, verify = verdict.label, verdict.explain(text)[:5], verdict.verify
            topics = self.topics.labels(text)
        return Located(
            id=ident,
            relevant=relevant,
            score=round(score, 2),
            tone=label,
            units=units,
            mentions=tuple(
                Mention(
                    start=_start(r),
                    end=r.candidate.end,
                    text=text[_start(r) : r.candidate.end],
                    unit=r.units[0].name,
                    rule=r.rule,
                    confidence=r.confidence,
                )
                for r in mentions
            ),
            topics=tuple(topics),
            reasons=tuple(reasons + notes),
            needs_verification=verify,
            watched=tuple(watched),
        )


def publication_date(value: Any) -> date | None:
    """A publication date from a date, a datetime or an ISO string ("2025-08-01T07:00:00+07:00");
    None when absent. A string that is not a date is the caller's error (ValueError, in
    Vietnamese)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ValueError(
            f"Ngày đăng '{value}' không đúng dạng: hãy ghi năm-tháng-ngày, ví dụ 2025-07-01"
        ) from None


def capped(text: str, limit: int | None = MAX_TEXT_CHARS) -> tuple[str, list[str]]:
    """The part of `text` the tagger examines: its first `limit` characters, cut at a space;
    with a note saying what was left out, if anything."""
    if limit is None or len(text) <= limit:
        return text, []
    cut = text.rfind(" ", 0, limit + 1)
    cut = cut if cut > limit // 2 else limit
    note = f"Giới hạn: chỉ xét {_count(cut)} ký tự đầu của bài dài {_count(len(text))} ký tự"
    return text[:cut], [note]


def _count(number: int) -> str:
    """13000000 → "13.000.000", as Vietnamese writes it."""
    return f"{number:,}".replace(",", ".")


def _start(r: Resolved) -> int:
    """A mention starts at its prefix ("xã Đăk Pxi"), as DESIGN.md's example shows."""
    prefix = r.candidate.prefix_start
    return prefix if prefix is not None and prefix <= r.candidate.start else r.candidate.start


def _score(weights: list[float]) -> float:
    """The best weighed mention, and a small bonus for each other one."""
    if not weights:
        return 0.0
    bonus = min(0.1, 0.02 * (len(weights) - 1))
    return min(1.0, max(weights) + bonus)


def _in(units: tuple[Unit, ...], area: WatchArea) -> bool:
    return any(area.holds(u.level, u.name, u.province, u.district) for u in units)


def _units(resolved: list[Resolved], gazetteer: Gazetteer) -> tuple[FoundUnit, ...]:
    """Every unit of the provinces the watch area lies in that the text is about, provinces (of
    the area) first, then districts, once each."""
    seen: dict[tuple[str, str], FoundUnit] = {}
    provinces = gazetteer.provinces
    for r in resolved:
        for unit in r.units:
            if not of_provinces(unit, provinces):
                continue
            for found in _found(unit, gazetteer.area):
                seen.setdefault((found.level, found.name), found)
    order = {"province": 0, "new_province": 0, "district": 1, "commune": 2, "new_commune": 3}
    return tuple(sorted(seen.values(), key=lambda f: (order[f.level], f.name)))


def _found(unit: Unit, area: WatchArea) -> list[FoundUnit]:
    """A resolved unit as the units the text is about: a commune brings its district too. A
    province counts only when it lies wholly in the watch area."""
    if unit.level in ("province", "new_province"):
        return [FoundUnit(unit.level, unit.name, unit.province, True)] if unit.in_watch_area else []
    if unit.level == "district":
        watched = area.has_district(unit.province, unit.name)
        return [FoundUnit("district", unit.name, unit.province, watched)]
    if unit.level == "commune":
        assert unit.district is not None, f"commune without a district: {unit.name}"
        return [
            FoundUnit(
                "commune",
                unit.name,
                unit.province,
                unit.in_watch_area,
                district=unit.district,
                new_name=unit.new_name,
                new_province=unit.new_province,
            ),
            FoundUnit(
                "district",
                unit.district,
                unit.province,
                area.has_district(unit.province, unit.district),
            ),
        ]
    if unit.level == "new_commune":
        return [
            FoundUnit(
                "new_commune",
                unit.name,
                unit.province,
                unit.in_watch_area,
                districts=tuple(unit.districts),
            )
        ]
    return []
