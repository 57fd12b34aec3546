"""One crawl pass, run in a child process.

Scrapy's Twisted reactor cannot be restarted inside a process, and the daemon crawls again and
again: each pass therefore runs in a fresh child process (spawned, so no threads or connections are
inherited), which reports progress and its summary back through a queue.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue as queue_module
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crawler.frontier import (
    LEASED_HANDLERS,
    Frontier,
    FrontierUnavailable,
    frontier_of,
    frontier_settings,
)
from crawler.guard import origin
from duluan.clock import Clock
from duluan.config import Config, CrawlSettings, Source
from storage import FetchError

log = logging.getLogger(__name__)

POLL_SECONDS = 0.2


class CrawlFailed(RuntimeError):
    """The crawl process itself died (not one source failing: that is in the summary)."""


@dataclass(frozen=True)
class SourceSummary:
    name: str
    title: str
    new: int
    updated: int
    unchanged: int
    failed: int
    seconds: float
    ok: bool
    errors: list[FetchError] = field(default_factory=list)
    refused: int = 0


@dataclass(frozen=True)
class PassSummary:
    started_at: datetime
    finished_at: datetime
    seconds: float
    sources: list[SourceSummary]

    @property
    def new(self) -> int:
        return sum(s.new for s in self.sources)

    @property
    def failed(self) -> int:
        return sum(s.failed for s in self.sources)


def scrapy_settings(crawl: CrawlSettings, log_level: str = "WARNING") -> dict[str, Any]:
    """Scrapy settings built from the `crawl:` section of config.yaml."""
    delay = crawl.delay.total_seconds()
    return {
        "BOT_NAME": "duluan",
        "USER_AGENT": crawl.agent,
        "ROBOTSTXT_OBEY": crawl.obey_robots,
        "CONCURRENT_REQUESTS": crawl.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrency_per_domain,
        # Scrapy starts this many asyncio tasks for the output of every response; the store
        # pipeline is synchronous (it batches), so more than one buys nothing and the ~100
        # tasks per page were the largest share of Scrapy's own machinery.
        "CONCURRENT_ITEMS": 1,
        "DOWNLOAD_DELAY": delay,
        "DOWNLOAD_DELAY_JITTER": 0.5,
        "AUTOTHROTTLE_ENABLED": crawl.autothrottle,
        "AUTOTHROTTLE_START_DELAY": max(delay, 0.1),
        "AUTOTHROTTLE_MAX_DELAY": 60.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(crawl.concurrency_per_domain),
        "DOWNLOAD_TIMEOUT": crawl.timeout.total_seconds(),
        "DNS_TIMEOUT": min(crawl.timeout.total_seconds(), 30.0),
        "DOWNLOAD_MAXSIZE": crawl.max_page_size,
        "DOWNLOAD_WARNSIZE": crawl.max_page_size // 2,
        "RETRY_ENABLED": crawl.retries > 0,
        "RETRY_TIMES": crawl.retries,
        "RETRY_GIVE_UP_LOG_LEVEL": "DEBUG",  # the spider logs each failure once, with its source
        "DULUAN_RETRY_BACKOFF": crawl.retry_backoff.total_seconds(),
        "REDIRECT_MAX_TIMES": 5,
        "COOKIES_ENABLED": True,
        "DEFAULT_REQUEST_HEADERS": {
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5",
        },
        # Middlewares and extensions duluan has no use for cost time on every request.
        "SPIDER_MIDDLEWARES": {
            "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
            "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
        },
        "EXTENSIONS": {
            "scrapy.extensions.memusage.MemoryUsage": None,
            "scrapy.extensions.logstats.LogStats": None,
        },
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
            "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
            "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            # The fetch guard first: before robots.txt is fetched for a host, before retries.
            "crawler.middlewares.GuardMiddleware": 50,
            "crawler.middlewares.BackoffRetryMiddleware": 550,
            "crawler.middlewares.ChallengeMiddleware": 560,
            "crawler.middlewares.ConditionalGetMiddleware": 580,
        },
        # Only http and https: no file://, ftp://, s3:// or data: from a hostile link.
        "DOWNLOAD_HANDLERS": {"file": None, "ftp": None, "s3": None, "data": None},
        "TWISTED_DNS_RESOLVER": "crawler.middlewares.GuardedResolver",
        "ITEM_PIPELINES": {"crawler.pipelines.StorePipeline": 300},
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "LOG_INSTALL_ROOT_HANDLER": False,
        "LOG_LEVEL": log_level,
        "LOG_ENABLED": True,
        "STATS_DUMP": False,
        "LOGSTATS_INTERVAL": 0,
    }


def own_hosts(sources: list[Source]) -> list[str]:
    """Hosts of the sources' configured URLs: the only names the resolver lets resolve to an
    internal address (a local outlet, the tests' server); their ports are checked per source."""
    return sorted(
        {o[1] for s in sources for o in (origin(u) for u in s.configured_urls()) if o is not None}
    )


@dataclass(frozen=True)
class PassRequest:
    """Everything the child process needs; picklable."""

    config: Config
    sources: list[str]
    database_url: str
    clock: Clock
    since: datetime | None
    search_queries: dict[str, list[str]]
    log_level: str
    frontier: Frontier | None = None


def run_pass(
    config: Config,
    database_url: str,
    *,
    clock: Clock,
    sources: list[str] | None = None,
    since: datetime | None = None,
    search_queries: dict[str, list[str]] | None = None,
    progress: Callable[[Any], None] | None = None,
    log_level: str = "WARNING",
) -> PassSummary:
    """Crawl the enabled (or the named) sources once, in a child process that runs on `clock`;
    returns the summary."""
    names = sources or [s.name for s in config.sources if s.enabled]
    frontier = frontier_of(config, database_url)
    if frontier is not None:
        try:
            frontier.check().close()
        except FrontierUnavailable as exc:
            raise CrawlFailed(str(exc)) from None
    request = PassRequest(
        config, names, database_url, clock, since, search_queries or {}, log_level, frontier
    )
    context = multiprocessing.get_context("spawn")
    messages: Any = context.Queue()
    process = context.Process(target=_child, args=(request, messages), name="duluan-crawl")
    process.start()
    summary: PassSummary | None = None
    failure: str | None = None
    while summary is None and failure is None:
        try:
            kind, payload = messages.get(timeout=POLL_SECONDS)
        except queue_module.Empty:
            if not process.is_alive():
                try:
                    kind, payload = messages.get(timeout=1.0)
                except queue_module.Empty:
                    failure = f"tiến trình thu thập dừng với mã {process.exitcode}"
                    break
            else:
                continue
        if kind == "progress" and progress is not None:
            progress(payload)
        elif kind == "done":
            summary = payload
        elif kind == "error":
            failure = payload
    process.join(timeout=30)
    if process.is_alive():
        process.kill()
    if summary is None:
        raise CrawlFailed(failure or "tiến trình thu thập không trả kết quả")
    return summary


def _child(request: PassRequest, messages: Any) -> None:
    try:
        messages.put(("done", _crawl(request, messages)))
    except BaseException:
        messages.put(("error", traceback.format_exc()))
        raise


def _offline_public_suffixes() -> None:
    """Scrapy's cookie middleware would download the public suffix list on first use; use the
    snapshot tldextract ships instead (nothing is downloaded at run time)."""
    from scrapy.downloadermiddlewares import cookies
    from tldextract import TLDExtract

    if hasattr(cookies, "_split_domain"):
        cookies._split_domain = TLDExtract(suffix_list_urls=(), include_psl_private_domains=True)
    else:
        log.warning(
            "Scrapy không còn cookies._split_domain: kiểm tra việc tải danh sách hậu tố tên miền"
        )


def _crawl(request: PassRequest, messages: Any) -> PassSummary:
    from scrapy.crawler import CrawlerProcess

    from crawler.spider import OutletSpider
    from crawler.tally import Progress, Tally
    from duluan.logs import setup_logging
    from storage import Store

    setup_logging(request.log_level)
    _offline_public_suffixes()
    config = request.config
    chosen: list[Source] = [config.source(name) for name in request.sources]
    # With a frontier, articles of any enabled source may come back from the shared queue.
    known = [s for s in config.sources if s.enabled] if request.frontier else []
    last_sent = [0.0]

    def report(progress: Progress) -> None:
        moment = time.monotonic()
        if moment - last_sent[0] >= POLL_SECONDS:
            last_sent[0] = moment
            messages.put(("progress", progress))

    tally = Tally(on_change=report)
    now = request.clock.now
    started = now()
    began = time.monotonic()
    with Store.open(request.database_url) as store:
        store.sync_sources([(s.name, s.title) for s in chosen])
        settings = scrapy_settings(config.crawl, request.log_level)
        settings["DULUAN_OWN_HOSTS"] = own_hosts([*known, *chosen])
        if request.frontier is not None:
            settings.update(frontier_settings(request.frontier, config.crawl.delay.total_seconds()))
            settings["DOWNLOAD_HANDLERS"] = {**settings["DOWNLOAD_HANDLERS"], **LEASED_HANDLERS}
        process = CrawlerProcess(settings)
        process.crawl(
            OutletSpider,
            sources=chosen,
            settings=config.crawl,
            store=store,
            tally=tally,
            now=now,
            since=request.since,
            search_queries=request.search_queries,
            known=known,
            frontier=request.frontier,
        )
        crawlers = list(process.crawlers)
        process.start()
        spider = crawlers[0].spider if crawlers else None
        finished = now()
        titles = {s.name: s.title for s in chosen}
        for run in tally.runs(started, finished):
            if run.source in titles:  # another process polls the others: its run records them
                store.record_run(run)
            else:
                log.info(
                    "[%s] đã tải hộ từ hàng đợi chung: %d mới, %d cập nhật, %d lỗi",
                    run.source,
                    run.new,
                    run.updated,
                    run.failed,
                )
        if isinstance(spider, OutletSpider):
            store.save_validators(spider.validators_to_keep())
            store.save_validators(spider.validators_to_drop())
    return PassSummary(
        started_at=started,
        finished_at=finished,
        seconds=round(time.monotonic() - began, 2),
        sources=[
            SourceSummary(
                name=name,
                title=titles.get(name, name),
                new=t.new,
                updated=t.updated,
                unchanged=t.unchanged,
                failed=t.failed + t.entries_failed,
                refused=t.refused,
                seconds=round(t.seconds, 2),
                ok=t.ok,
                errors=list(t.errors),
            )
            for name, t in tally.sources.items()
            if name in titles
        ],
    )
