"""The steps of one cycle (crawl, tag, deliver) as functions, shared by the CLI and the daemon."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from duluan.clock import Clock
from duluan.runtime import DEFAULT_API_BASE, DEFAULT_ZALO_API_BASE

if TYPE_CHECKING:
    from alerts.delivery import ConsoleSender, Decorate, Report, TelegramSender, ZaloSender
    from crawler.runner import PassSummary
    from duluan.config import Config
    from nlp.locate import Locator
    from storage import Store
    from storage.backup import BackupResult

log = logging.getLogger(__name__)

TAGGER_VERSION = "1"
TAG_BATCH = 200
# A daemon's tag pass stops after this many seconds of work and saves what it tagged, so that
# the alerts it queued go out before it tags the rest (one article takes a second at worst:
# see nlp.locate's caps).
TAG_PASS_SECONDS = 10.0
DATA_DIR = Path("data")
ALERTS_FILE = DATA_DIR / "alerts.jsonl"


@dataclass(frozen=True)
class TagReport:
    """What one tag pass did; `more` when it stopped at its time budget with articles left."""

    tagged: int
    relevant: int
    queued: int
    more: bool = False


def locator_for(config: Config) -> Locator:
    """The tagger for the configured watch area (a few seconds to build: build it once). A
    `duluan.locality.LocalityError` when a place is unknown or ambiguous."""
    from duluan.locality import tagged_area
    from nlp.locate import Locator
    from nlp.tone import lexicon_from_config

    words = config.tone
    lexicon = lexicon_from_config(words.negative, words.positive, words.verify)
    return Locator.for_area(
        tagged_area(config),
        dict(config.locality.aliases),
        config.topic_keywords(),
        lexicon,
    )


def review_chat(config: Config, console: bool) -> str | None:
    """The review group's chat; without one, "console" in console mode."""
    return config.review.chat or ("console" if console else None)


def search_queries_for(config: Config, sources: list[str]) -> dict[str, list[str]]:
    """The automatic search queries of the chosen sources that ask for them."""
    from duluan.locality import search_queries_of

    wanted = [
        s.name
        for s in config.sources
        if s.name in sources
        and any(
            search is not None and search.queries == "auto"
            for search in (s.search, s.youtube_search)
        )
    ]
    queries = search_queries_of(config) if wanted else []
    return {name: list(queries) for name in wanted}


def crawl(
    config: Config,
    database_url: str,
    sources: list[str],
    *,
    clock: Clock,
    since: datetime | None = None,
    progress: Callable[[Any], None] | None = None,
    log_level: str = "WARNING",
) -> PassSummary:
    """One crawl pass of `sources` in a child process on `clock` (see
    `crawler.runner.run_pass`)."""
    from crawler.runner import run_pass

    return run_pass(
        config,
        database_url,
        sources=sources,
        since=since,
        clock=clock,
        search_queries=search_queries_for(config, sources),
        progress=progress,
        log_level=log_level,
    )


def tag_pending(
    store: Store,
    config: Config,
    now: Callable[[], datetime],
    *,
    locator: Locator | None = None,
    retag: bool = False,
    console: bool = True,
    stop: Callable[[], bool] | None = None,
    budget: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    ids: Sequence[int] | None = None,
    claim: bool = False,
) -> TagReport:
    """Tag the stored articles not tagged yet (all with `retag`) and queue their alerts in the
    same transaction, batch by batch; `stop` ends it between batches. With a `budget` (seconds
    of `clock`), the pass also ends after the article that spends it, saving what it tagged,
    and reports `more`: the next pass goes on. Then index the new and changed articles for
    search. `console` (no bot token) sends review alerts to the console when no review chat is
    configured. `ids` tags those articles only, tagged before or not (a reported item).
    `claim` (several tag processes on PostgreSQL, issue 18): each batch is locked while it is
    tagged, so that another tagger takes other articles (`Store.tag_claimed`)."""
    from duluan.tagging import Tagged, area_taggings, tag_article
    from storage import ArticleText, OutboxEntry, TagRecord

    locator = locator or locator_for(config)
    areas = area_taggings(config, store.watch_rules(enabled_only=True))
    chat = "console" if console else None
    tagged = relevant = queued = 0
    after = 0
    more = False
    started = clock()

    def tag_batch(batch: list[ArticleText]) -> tuple[list[TagRecord], list[OutboxEntry]]:
        nonlocal more
        moment = now()
        results: list[Tagged] = []
        for article in batch:
            results.append(
                tag_article(locator, article, moment, TAGGER_VERSION, config, chat, areas)
            )
            if budget is not None and clock() - started >= budget:
                more = True
                break
        return [r.record for r in results], [a for r in results for a in r.alerts]

    claiming = claim and not retag and ids is None
    while True:
        if claiming:
            records, count = store.tag_claimed(TAG_BATCH, tag_batch)
        else:
            batch = store.articles_to_tag(
                TAG_BATCH, retag=retag or ids is not None, after_id=after, ids=ids
            )
            records, alerts = tag_batch(batch)
            count = store.save_tags(records, alerts) if records else 0
        if not records:
            break
        queued += count
        tagged += len(records)
        relevant += sum(r.relevant for r in records)
        after = records[-1].article_id
        if more or (stop is not None and stop()):
            break
    store.index_articles(at=now())  # the console's full-text search sees what was just stored
    return TagReport(tagged, relevant, queued, more)


@dataclass(frozen=True)
class WatchReport:
    """What one look for spreading stories and daily spikes queued."""

    spread: int
    spikes: int


def watch_spread_and_spikes(
    store: Store, config: Config, now: Callable[[], datetime], *, console: bool = True
) -> WatchReport:
    """Queue the alerts of stories that spread and of days far above the usual (each once,
    see `alerts.spread` and `alerts.spikes`): after a tag pass and on the daemon's hourly job.
    `console` (no bot token): an area without a review chat gets them on the console."""
    from alerts.spikes import check_spikes
    from alerts.spread import check_spread

    return WatchReport(
        check_spread(store, config, now, console), check_spikes(store, config, now, console)
    )


def console_sender(path: Path = ALERTS_FILE, messenger: str = "telegram") -> ConsoleSender:
    """Console delivery: print, and append to `data/alerts.jsonl` (Zalo's messages, without a
    Zalo token: `data/alerts-zalo.jsonl` beside it)."""
    from alerts.delivery import ConsoleSender

    if messenger == "zalo":
        path = path.with_name(f"{path.stem}-zalo{path.suffix}")
    return ConsoleSender(path, messenger=messenger)


async def deliver(
    store: Store,
    sender: ConsoleSender | TelegramSender | ZaloSender,
    now: Callable[[], datetime],
    decorate: Decorate | None = None,
    stopping: Callable[[], bool] | None = None,
) -> Report:
    """Deliver everything the outbox holds for the sender's messenger that is due now (or
    until `stopping()`: no new call starts, the one in flight finishes)."""
    from alerts.delivery import Deliverer

    deliverer = Deliverer(store, sender, now, decorate=decorate, stopping=stopping)
    return await deliverer.deliver_due()


def zalo_decorator(store: Store, config: Config | None, now: Callable[[], datetime]) -> Decorate:
    """The short codes and status under Zalo review and assignment messages (issue 17 §2)."""
    from alerts.delivery import plain

    if config is None:
        return plain
    from review.zalo import ZaloDecorator

    return ZaloDecorator(store, config, now)


async def deliver_zalo(
    store: Store,
    token: str,
    now: Callable[[], datetime],
    config: Config | None = None,
    *,
    base_url: str = DEFAULT_ZALO_API_BASE,
) -> Report:
    """Deliver Zalo's messages through a short-lived client (the `duluan alert` command)."""
    from alerts.delivery import ZaloSender
    from alerts.zalo import ZaloBot

    async with ZaloBot(token, base_url) as bot:
        return await deliver(store, ZaloSender(bot), now, zalo_decorator(store, config, now))


async def deliver_with_token(
    store: Store,
    token: str,
    now: Callable[[], datetime],
    config: Config | None = None,
    *,
    base_url: str = DEFAULT_API_BASE,
) -> Report:
    """Deliver through a short-lived `telegram.Bot` (the `duluan alert` command); with the
    config, review-group alerts carry their review buttons."""
    import telegram

    from alerts.delivery import TelegramSender
    from review.buttons import Decorator, signing_key

    decorate = Decorator(store, config, signing_key(token), now) if config else None
    async with telegram.Bot(token, base_url=base_url) as bot:
        return await deliver(store, TelegramSender(bot), now, decorate)


def data_roots(config: Config, data_dir: Path = DATA_DIR) -> dict[str, Path]:
    """The folders a backup holds: data/, and the digests' folder when it is elsewhere; with
    `areas:`, each area's own folder too (`reports-<area>`)."""
    roots = {"data": data_dir}
    folders = [("reports", Path(config.report.out_dir))]
    if config.areas is not None:
        folders += [(f"reports-{a.name}", Path(a.report.out_dir)) for a in config.watch_areas()]
    for name, reports in folders:
        held = [data_dir, *roots.values()]
        if not any(reports.absolute().is_relative_to(r.absolute()) for r in held):
            roots[name] = reports
    return roots


def backup(
    config: Config,
    database_url: str,
    out: Path | None,
    moment: datetime,
    data_dir: Path = DATA_DIR,
) -> BackupResult:
    """One archive at `out` (a file, or a folder to put it in; default `backup.dir`), named
    like the daily job's when not given; the backup folder itself is never copied (`duluan
    backup` and the daemon's daily job)."""
    from storage.backup import archive_name, make_backup

    folder = Path(config.backup.dir)
    name = archive_name(moment.astimezone(config.schedule.zone))
    target = folder / name if out is None else out / name if out.is_dir() else out
    return make_backup(
        database_url, data_roots(config, data_dir), target, moment, exclude=[folder, target]
    )
