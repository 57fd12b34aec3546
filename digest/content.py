"""The content of a weekly report, built from the store: plain typed data every format renders.

The press tables (by outlet) count `news` alone; posts on social networks, forums and other
sites are counted per platform and listed in their own "Mạng xã hội" section, absent when there
is none (the report is then what it was before items had a platform).
An item is an article first seen in the window that the tagger found relevant and the centre did
not dismiss as irrelevant. Sections that follow stories (negative and to-verify, positive) show
one line per story (a cluster of syndicated copies) with the other outlets beside it; the figures
and the annex count articles. Everything is sorted, so the same database gives the same report.
"""

from __future__ import annotations

import logging
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from crawler.platform import PLATFORMS, platform_label
from digest.window import Window
from duluan.config import Area, Config, Report
from duluan.locality import watch_area
from nlp.area import NewUnit, WatchArea, area_title, new_units, old_frame
from storage.digests import DigestArticle, SourceCoverage
from storage.store import Store
from storage.vocabulary import ASSIGNMENT_TITLES as ASSIGNMENT_LABELS
from storage.vocabulary import REPORT_STATUS_LABELS as STATUS_LABELS
from storage.vocabulary import TONE_LABELS, TONES

log = logging.getLogger(__name__)

FOLLOWED = frozenset({"assigned", "false_info", "true", "false", "reported"})
DISTRICT_ONLY = "(chung toàn huyện, không nêu xã)"
AREA_ONLY = "(chung toàn địa bàn, không nêu xã, phường)"


@dataclass(frozen=True)
class Count:
    """One row of a figures table: this window's count and the previous window's."""

    label: str
    count: int
    previous: int

    @property
    def change(self) -> int:
        return self.count - self.previous


@dataclass(frozen=True)
class CommuneCount:
    """Items naming a commune: its old name and the post-2025 unit it became."""

    old: str
    new: str
    count: int
    previous: int

    @property
    def change(self) -> int:
        return self.count - self.previous


@dataclass(frozen=True)
class UnitCount:
    """Items about one post-2025 unit of the area (an area named in the new frame), with the old
    names the items used for it ("Xã Đăk Long", 2): this window's counts."""

    name: str
    count: int
    previous: int
    old_names: tuple[tuple[str, int], ...] = ()

    @property
    def change(self) -> int:
        return self.count - self.previous

    @property
    def label(self) -> str:
        """ "Xã Đăk Pxi (gồm xã Đăk Long cũ: 2 tin)"."""
        if not self.old_names:
            return self.name
        olds = "; ".join(f"{_lower_first(old)} cũ: {n} tin" for old, n in self.old_names)
        return f"{self.name} (gồm {olds})"


@dataclass(frozen=True)
class Item:
    """One story (or, in the annex, one article) as the report lists it; times are local."""

    article_id: int
    story: str
    outlet: str
    title: str
    url: str
    published_at: datetime | None
    first_seen_at: datetime
    places: tuple[str, ...]
    tone: str
    topics: tuple[str, ...]
    needs_verification: bool
    late: bool
    review_status: str
    also_in: tuple[str, ...] = ()
    unit: str | None = None
    deadline: date | None = None
    assignment_status: str | None = None
    overdue: bool = False
    report: str | None = None
    platform: str = "news"  # crawler.platform.Platform
    author: str | None = None
    lead: str = ""  # one line of the article's standfirst (`one_line`)

    @property
    def platform_label(self) -> str:
        return platform_label(self.platform)

    @property
    def tone_label(self) -> str:
        return TONE_LABELS.get(self.tone, self.tone)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.review_status, self.review_status)

    @property
    def assignment_label(self) -> str:
        if self.assignment_status is None:
            return ""
        return ASSIGNMENT_LABELS.get(self.assignment_status, self.assignment_status)

    @property
    def when(self) -> datetime:
        return self.published_at or self.first_seen_at


@dataclass(frozen=True)
class Coverage:
    """How completely one source was crawled over the window."""

    name: str
    title: str
    runs: int
    ok_runs: int
    articles: int
    state: str
    note: str
    complete: bool


@dataclass(frozen=True)
class OutletMonth:
    """One outlet's articles published in one month of the window, by tone, with the bylines
    found and how many articles each signed ("Nguyễn Văn A", 2): what the cooperation
    agreements with the provincial paper and broadcaster count."""

    outlet: str
    month: str  # "11/2026"
    positive: int
    neutral: int
    negative: int
    authors: tuple[tuple[str, int], ...] = ()

    @property
    def total(self) -> int:
        return self.positive + self.neutral + self.negative

    @property
    def bylines(self) -> str:
        """ "Nguyễn Văn A (2), Trần B (1)", or "—" when no article was signed."""
        return ", ".join(f"{name} ({n})" for name, n in self.authors) or "—"


@dataclass(frozen=True)
class Figures:
    """The summary figures of the window, beside those of the previous one."""

    total: int
    previous_total: int
    stories: int
    negative: int
    positive: int
    neutral: int
    needs_verification: int
    late: int
    dismissed: int
    untagged: int
    by_outlet: tuple[Count, ...]
    by_commune: tuple[CommuneCount, ...]
    by_tone: tuple[Count, ...]
    by_topic: tuple[Count, ...]
    # An area named in the new frame: every post-2025 unit of it, zero counts too, and the
    # items naming no commune last; `by_commune` is then empty (and this empty in the old frame).
    by_unit: tuple[UnitCount, ...] = ()
    # Items that are not the press, per platform (label), platforms with none in both left out.
    by_platform: tuple[Count, ...] = ()


@dataclass(frozen=True)
class DigestContent:
    """Everything a weekly report says, in the order it says it."""

    window: Window
    previous: Window
    as_of: date
    generated_at: datetime
    area: str
    report: Report
    figures: Figures
    attention: tuple[Item, ...]
    overdue: tuple[Item, ...]
    positive: tuple[Item, ...]
    coverage: tuple[Coverage, ...]
    annex: tuple[Item, ...]
    social: tuple[Item, ...] = ()  # the items that are not the press, each article once
    stories: tuple[Item, ...] = ()  # every story of the window once, by time
    outlets: tuple[OutletMonth, ...] = ()  # per outlet and month: in a periodic report only

    @property
    def empty(self) -> bool:
        return self.figures.total == 0

    @property
    def has_social(self) -> bool:
        """Whether the report has its "Mạng xã hội" section: items not from the press in this
        window or the previous one."""
        return bool(self.social or self.figures.by_platform)

    @property
    def communes_word(self) -> str:
        """What the table by commune counts: the old frame's "xã, thị trấn", the new frame's
        "xã, phường"."""
        return "xã, phường" if self.figures.by_unit else "xã, thị trấn"


def sole_area(config: Config) -> Area:
    """The deployment's one watch area; a `ValueError` (a bug) when it has several, whose
    digests are each built for its own area."""
    areas = config.watch_areas()
    if len(areas) != 1:
        raise ValueError(f"cấu hình có {len(areas)} địa bàn theo dõi: cần nêu địa bàn của báo cáo")
    return areas[0]


def area_name(config: Config, area: Area | None = None) -> str:
    """How the title names the watch area: `report.area` (with `areas:`, the area's own key
    only: one top-level name cannot name every area), else the name `nlp.area.area_title`
    derives from its places ("huyện Đăk Hà", "xã Đăk Pxi", "tỉnh Quảng Ngãi", "các xã Đăk Pxi
    và Đăk Mar")."""
    area = area or sole_area(config)
    named = config.report.area
    if config.areas is not None:
        own = next(a.report for a in config.areas if a.name == area.name)
        named = own.area if own is not None else None
    if named:
        return _lower_first(named)
    return area_title(_watch_area(area))


def _watch_area(area: Area) -> WatchArea:
    return watch_area(area.locality, area.key)


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def build_content(
    store: Store,
    config: Config,
    window: Window,
    now: Callable[[], datetime],
    area: Area | None = None,
    selection: Collection[str] | None = None,
) -> DigestContent:
    """Read the window (and the one before it) from the store and arrange the report of `area`
    (default: the deployment's one area): with `areas:`, only the articles about it, its own
    reviews, assignments and units, and its `report` settings. `selection`: only the stories
    of those keys (a filter of the console's queue), in both windows and in the overdue list."""
    zone = config.schedule.zone
    area = area or sole_area(config)
    places = _watch_area(area)
    concerning = config.areas is not None
    previous = window.previous()
    as_of = window.end.astimezone(zone).date()

    def read(start: datetime, end: datetime) -> list[DigestArticle]:
        found = store.digest_articles(start, end, area.name, concerning=concerning)
        if selection is not None:
            found = [a for a in found if a.story in selection]
        return [_within(a, places) for a in found] if concerning else found

    current = read(window.start, window.end)
    kept = [a for a in current if a.review_status != "irrelevant"]
    before = [a for a in read(previous.start, previous.end) if a.review_status != "irrelevant"]
    items = [_item(a, window, zone, as_of) for a in kept]
    stories = _stories(items)
    attention = sorted(
        (s for s in stories if _needs_attention(s)),
        key=lambda s: (
            not s.overdue,
            s.deadline or date.max if s.overdue else date.min,
            *_order(s),
        ),
    )
    attention_ids = {s.story for s in attention}
    positive = sorted(
        (s for s in stories if s.tone == "positive" and s.story not in attention_ids), key=_best
    )
    overdue_items = [
        _item(_within(a, places) if concerning else a, window, zone, as_of)
        for a in store.digest_overdue(as_of, area.name)
        if selection is None or a.story in selection
    ]
    overdue = sorted(
        {i.story: i for i in overdue_items if i.overdue}.values(),
        key=lambda i: (i.deadline or date.max, *_order(i)),
    )
    coverage = sorted(
        (_coverage(c) for c in store.source_coverage(window.start, window.end)),
        key=lambda c: (c.complete, c.name),
    )
    figures = replace(
        _figures(kept, before, items, len(current) - len(kept), places),
        untagged=store.digest_untagged(window.start, window.end),
    )
    content = DigestContent(
        window=window,
        previous=previous,
        as_of=as_of,
        generated_at=now().astimezone(zone),
        area=area_name(config, area),
        report=area.report,
        figures=figures,
        attention=tuple(attention),
        overdue=tuple(overdue),
        positive=tuple(positive),
        coverage=tuple(coverage),
        annex=tuple(sorted(items, key=_order)),
        social=tuple(sorted((i for i in items if i.platform != "news"), key=_order)),
        stories=tuple(stories),
        outlets=outlet_months(items) if window.periodic else (),
    )
    log.info(
        "Báo cáo %s%s: %d tin, %d cần chú ý, %d quá hạn, %d tích cực",
        window.label,
        f" ({area.name})" if concerning else "",
        figures.total,
        len(attention),
        len(overdue),
        len(positive),
    )
    return content


def _within(article: DigestArticle, area: WatchArea) -> DigestArticle:
    """The article with only `area`'s units marked in the watch area: the tagger marks those of
    every area of the deployment, and one area's digest lists and counts its own."""
    units = tuple(
        replace(
            u,
            in_watch_area=u.in_watch_area
            and area.holds(u.level, u.name, u.province or "", u.district),
        )
        for u in article.units
    )
    return replace(article, units=units)


def _order(item: Item) -> tuple[datetime, int]:
    return (item.when, item.article_id)


def _best(item: Item) -> tuple[int, datetime, int]:
    """Good news first that most outlets carried, then by time."""
    return (-len(item.also_in), item.when, item.article_id)


def outlet_months(items: Iterable[Item]) -> tuple[OutletMonth, ...]:
    """Press articles (each copy counts for its outlet) per outlet and month of publication
    (of first sighting when the page gave no date), by tone, with their bylines; outlets by
    name, months in order."""
    groups: dict[tuple[str, date], list[Item]] = {}
    for item in items:
        if item.platform == "news":
            month = item.when.date().replace(day=1)
            groups.setdefault((item.outlet, month), []).append(item)
    out = []
    for (outlet, month), group in sorted(groups.items(), key=lambda g: (collate(g[0][0]), g[0][1])):
        tones = Counter(i.tone for i in group)
        authors = Counter(i.author for i in group if i.author)
        out.append(
            OutletMonth(
                outlet,
                f"{month:%m/%Y}",
                tones["positive"],
                tones["neutral"],
                tones["negative"],
                tuple(sorted(authors.items(), key=lambda a: (-a[1], collate(a[0])))),
            )
        )
    return tuple(out)


def _needs_attention(item: Item) -> bool:
    return (
        item.tone == "negative"
        or item.needs_verification
        or item.review_status in FOLLOWED
        or item.assignment_status is not None
    )


def places(article: DigestArticle) -> tuple[str, ...]:
    """The watched places an article names: communes with their new unit, else the district."""
    out: list[str] = []
    for u in article.units:
        if not u.in_watch_area:
            continue
        if u.level == "commune":
            if u.new_name and u.new_name != u.name:
                out.append(f"{u.name} (nay {u.new_name[:1].lower()}{u.new_name[1:]})")
            else:
                out.append(u.name)
        elif u.level == "new_commune":
            out.append(f"{u.name} (mới)")
    if not out:
        out = [u.name for u in article.units if u.in_watch_area and u.level == "district"]
    return tuple(dict.fromkeys(out))


def _item(a: DigestArticle, window: Window, zone: ZoneInfo, as_of: date) -> Item:
    job = a.assignment
    return Item(
        article_id=a.id,
        story=a.story,
        outlet=a.outlet,
        title=a.title,
        url=a.url,
        published_at=a.published_at.astimezone(zone) if a.published_at else None,
        first_seen_at=a.first_seen_at.astimezone(zone),
        places=places(a),
        tone=a.tone,
        topics=tuple(sorted(a.topics)),
        needs_verification=a.needs_verification,
        late=window.contains(a.first_seen_at) and window.is_late(a.published_at),
        review_status=a.review_status,
        unit=job.unit if job else None,
        deadline=job.deadline if job else None,
        assignment_status=job.status if job else None,
        overdue=bool(job and job.status == "open" and job.deadline < as_of),
        report=job.report if job else None,
        platform=a.platform,
        author=a.author,
        lead=one_line(a.lead),
    )


LEAD_CHARS = 200


def one_line(text: str, limit: int = LEAD_CHARS) -> str:
    """The first sentence of `text` on one line, cut at a word under `limit` characters."""
    flat = " ".join(text.split())
    for end in (". ", "! ", "? "):
        at = flat.find(end)
        if 0 < at < limit:
            flat = flat[: at + 1]
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def _stories(items: Sequence[Item]) -> list[Item]:
    """One item per story: its earliest article, with the other outlets and the strongest
    signals of all its copies (negative wins over positive, any copy flagged is flagged)."""
    groups: dict[str, list[Item]] = {}
    for item in sorted(items, key=_order):
        groups.setdefault(item.story, []).append(item)
    out = []
    for group in groups.values():
        first = group[0]
        tones = {i.tone for i in group}
        tone = next((t for t in ("negative", "positive") if t in tones), first.tone)
        others = tuple(dict.fromkeys(i.outlet for i in group[1:] if i.outlet != first.outlet))
        merged_places = tuple(dict.fromkeys(p for i in group for p in i.places))
        out.append(
            replace(
                first,
                tone=tone,
                needs_verification=any(i.needs_verification for i in group),
                also_in=others,
                places=merged_places,
            )
        )
    return sorted(out, key=_order)


def _coverage(c: SourceCoverage) -> Coverage:
    failed = c.runs - c.ok_runs
    if c.runs == 0:
        state, complete = "Không thu thập trong kỳ", False
    elif c.ok_runs == 0:
        state, complete = "Lỗi cả kỳ", False
    elif failed:
        state, complete = f"Gián đoạn ({failed}/{c.runs} lượt lỗi)", False
    else:
        state, complete = "Đầy đủ", True
    notes = []
    if c.runs and c.articles == 0:
        notes.append("không có bài mới")
    if failed and c.last_error:
        notes.append(f"lỗi gần nhất: {c.last_error}")
    return Coverage(
        c.name, c.title, c.runs, c.ok_runs, c.articles, state, "; ".join(notes), complete
    )


def collate(text: str) -> str:
    """A sort key that orders Vietnamese names as a reader expects (Đ with D, tones ignored
    first)."""
    plain = "".join(
        ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch)
    )
    return plain.replace("Đ", "D").replace("đ", "d").casefold() + "\0" + text


def _counts(
    now: Iterable[str], before: Iterable[str], order: Sequence[str] | None = None
) -> tuple[Count, ...]:
    current, previous = Counter(now), Counter(before)
    labels = order or sorted(set(current) | set(previous), key=lambda k: (-current[k], collate(k)))
    return tuple(Count(label, current[label], previous[label]) for label in labels)


def _commune_keys(article: DigestArticle) -> list[tuple[str, str]]:
    keys = []
    for u in article.units:
        if not u.in_watch_area:
            continue
        if u.level == "commune":
            keys.append((u.name, u.new_name or "—"))
        elif u.level == "new_commune":
            keys.append(("—", u.name))
    if not keys and any(u.in_watch_area for u in article.units):
        keys.append((DISTRICT_ONLY, "—"))
    return list(dict.fromkeys(keys))


def _figures(
    kept: Sequence[DigestArticle],
    before: Sequence[DigestArticle],
    items: Sequence[Item],
    dismissed: int,
    area: WatchArea,
) -> Figures:
    by_commune: tuple[CommuneCount, ...] = ()
    by_unit: tuple[UnitCount, ...] = ()
    if old_frame(area):
        by_commune = _by_commune(kept, before)
    else:
        by_unit = _by_unit(kept, before, new_units(area))
    tones = Counter(a.tone for a in kept)
    return Figures(
        total=len(kept),
        previous_total=len(before),
        stories=len({a.cluster_id for a in kept}),
        negative=tones["negative"],
        positive=tones["positive"],
        neutral=tones["neutral"],
        needs_verification=sum(1 for a in kept if a.needs_verification),
        late=sum(1 for i in items if i.late),
        dismissed=dismissed,
        untagged=0,
        by_outlet=_counts(
            (a.outlet for a in kept if a.platform == "news"),
            (a.outlet for a in before if a.platform == "news"),
        ),
        by_commune=by_commune,
        by_tone=tuple(
            Count(TONE_LABELS[c.label], c.count, c.previous)
            for c in _counts((a.tone for a in kept), (a.tone for a in before), TONES)
        ),
        by_topic=_counts(
            (t for a in kept for t in set(a.topics)), (t for a in before for t in set(a.topics))
        ),
        by_unit=by_unit,
        by_platform=_by_platform(kept, before),
    )


def _by_platform(
    kept: Sequence[DigestArticle], before: Sequence[DigestArticle]
) -> tuple[Count, ...]:
    """Items that are not the press per platform, in `PLATFORMS` order, by Vietnamese label."""
    now = Counter(a.platform for a in kept if a.platform != "news")
    previous = Counter(a.platform for a in before if a.platform != "news")
    order: list[str] = [p for p in PLATFORMS if p != "news"]
    order += sorted((set(now) | set(previous)) - set(order))  # a later version's value
    return tuple(
        Count(platform_label(p), now[p], previous[p]) for p in order if now[p] or previous[p]
    )


def _by_commune(
    kept: Sequence[DigestArticle], before: Sequence[DigestArticle]
) -> tuple[CommuneCount, ...]:
    """The old frame's rows: each (old commune, new unit) the items named, most named first."""
    communes_now = Counter(k for a in kept for k in _commune_keys(a))
    communes_before = Counter(k for a in before for k in _commune_keys(a))
    keys = sorted(
        set(communes_now) | set(communes_before),
        key=lambda k: (k[0] == DISTRICT_ONLY, -communes_now[k], collate(k[0]), collate(k[1])),
    )
    return tuple(
        CommuneCount(old, new, communes_now[(old, new)], communes_before[(old, new)])
        for old, new in keys
    )


def _by_unit(
    kept: Sequence[DigestArticle], before: Sequence[DigestArticle], units: Sequence[NewUnit]
) -> tuple[UnitCount, ...]:
    """The new frame's rows: every post-2025 unit of the area, most named first (then by name),
    with the old names this window's items used for it; then the items naming no commune."""
    shown = _unit_names(units)
    successors: dict[tuple[str, str, str], list[str]] = {}
    by_name: dict[str, list[str]] = {}
    for unit in units:
        label = shown[(unit.province, unit.name)]
        by_name.setdefault(unit.name, []).append(label)
        for old in unit.predecessors:
            successors.setdefault(old, []).append(label)

    def keys(article: DigestArticle) -> dict[str, set[str]]:
        """The units (as the table names them) an article is about, each with the old names it
        used for it."""
        found: dict[str, set[str]] = {}
        for u in article.units:
            if not u.in_watch_area:
                continue
            if u.level == "new_commune":
                label = shown.get((u.province or "", u.name))
                for name in [label] if label else by_name.get(u.name, []):
                    found.setdefault(name, set())
            elif u.level == "commune":
                old = (u.province or "", u.district or "", u.name)
                fallback = by_name.get(u.new_name or "", [])
                for name in successors.get(old, fallback):
                    olds = found.setdefault(name, set())
                    if u.name.casefold() != name.split(",")[0].casefold():
                        olds.add(u.name)
        if not found and any(u.in_watch_area for u in article.units):
            found[AREA_ONLY] = set()
        return found

    now: Counter[str] = Counter()
    olds: dict[str, Counter[str]] = {}
    for article in kept:
        for name, used in keys(article).items():
            now[name] += 1
            olds.setdefault(name, Counter()).update(used)
    previous = Counter(name for a in before for name in keys(a))
    names = sorted(shown.values(), key=lambda n: (-now[n], collate(n)))
    if now[AREA_ONLY] or previous[AREA_ONLY]:
        names.append(AREA_ONLY)
    return tuple(
        UnitCount(
            name,
            now[name],
            previous[name],
            tuple(sorted(olds.get(name, Counter()).items(), key=lambda o: (-o[1], collate(o[0])))),
        )
        for name in names
    )


def _unit_names(units: Sequence[NewUnit]) -> dict[tuple[str, str], str]:
    """How the table names each unit: its name, with its province where two provinces of the
    area have a unit of that name."""
    count = Counter(unit.name for unit in units)
    return {
        (u.province, u.name): u.name if count[u.name] == 1 else f"{u.name}, {u.province}"
        for u in units
    }
