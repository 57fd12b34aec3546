"""Evidence of flagged reporting: the page as fetched, kept so an edit or a takedown can be
shown later.

When a story is flagged (a case opened, or "Thông tin sai sự thật" pressed), each of its
articles (the story's copies on every outlet) is first kept as the crawler fetched it ("lúc thu
thập", from the pages the crawl keeps), then fetched again; each snapshot is stored
gzip-compressed with the SHA-256 of the body, the status code, the final URL and the time, so
an edit made between the crawl and the flag shows as a change. While its case is open the
story is fetched again daily; the article text is extracted (not the raw HTML, which changes
with every advert) and compared with the last readable snapshot: unchanged, changed, or removed
(404/410, a redirect to the home page, or a page that no longer holds an article). A network
error or a 5xx is recorded as such, never as a takedown.

Social items are read where their platform shows them publicly (`cases.public_copy`: a
Telegram post's widget, YouTube's and TikTok's oEmbed JSON, a forum page's shared title and
description), so a re-check tells whether the post is still there ("Còn trên mạng") or
removed ("Đã bị gỡ"); a Facebook or Zalo item is never fetched: its evidence is the screenshot
its reporter sent.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from cases.public_copy import NOT_PUBLIC, check_for, page_text
from crawler.extract import decode_html
from crawler.guard import Guard, Refused
from crawler.guard import fetch as guarded_fetch
from crawler.platform import platform_label
from duluan.config import Config
from storage import Store
from storage.cases import CaseRecord, EvidenceRecord, EvidenceSnapshot
from storage.submissions import REPORTED

log = logging.getLogger(__name__)

REFETCH_EVERY = timedelta(hours=20)
MAX_COPIES = 10
MAX_BYTES = 10 * 1000**2
CRAWLED = "crawled"

REASON_LABELS = {
    CRAWLED: "Lúc thu thập (bản trình thu thập đã tải)",
    "ok": "Đọc được bài",
    "summary": "Chỉ đọc được tiêu đề và mô tả trang (og:title, og:description)",
    "gone": "Bài đã bị gỡ (HTTP 404/410)",
    "post_missing": "Bài đăng không còn (nền tảng báo không tìm thấy)",
    "private": "Không còn xem công khai được (riêng tư hoặc chặn nhúng)",
    "redirected_home": "Chuyển hướng về trang chủ",
    "no_article": "Trang không còn nội dung bài",
    "error": "Không tải được",
    "reported": "Ảnh chụp màn hình do người báo tin gửi",
}
CHANGE_LABELS = {
    "first": "Lần lưu đầu tiên",
    "unchanged": "Nội dung không đổi",
    "changed": "Nội dung đã bị sửa",
    "removed": "Bài đã bị gỡ",
    "error": "Lỗi khi tải",
}
# Where an item stands after its latest check, as the case page says it.
STANDING_LABELS = {
    "online": "Còn trên mạng",
    "removed": "Đã bị gỡ",
    "unknown": "Chưa rõ (lần kiểm tra gần nhất bị lỗi)",
}
# What the case page says of an item nothing public shows (never fetched).
NOT_PUBLIC_NOTE = (
    "{platform} không cho xem công khai khi chưa đăng nhập, nên hệ thống không tải và không "
    "kiểm tra lại được bài này: bằng chứng là ảnh chụp màn hình người báo tin đã gửi."
)


@dataclass(frozen=True)
class Fetched:
    """What a fetch answered: `status` None and `error` set when no HTTP answer came;
    `truncated` when the body was cut at the size limit."""

    url: str
    status: int | None
    final_url: str | None
    body: bytes
    charset: str | None = None
    error: str | None = None
    truncated: bool = False


Fetch = Callable[[str], Fetched]


def http_fetcher(
    user_agent: str, guard: Guard, timeout: float = 30.0, max_bytes: int = MAX_BYTES
) -> Fetch:
    """A fetch through the fetch guard (`crawler.guard.fetch`: every redirect hop checked, no
    internal address but the sources' own); bodies beyond `max_bytes` are cut there (the
    snapshot is then an error: a cut page is not compared). A URL the guard refuses is
    recorded as an error, never fetched."""

    def fetch(url: str) -> Fetched:
        try:
            response = guarded_fetch(
                url, guard, user_agent=user_agent, timeout=timeout, max_bytes=max_bytes
            )
        except Refused as refusal:
            log.warning("[%s] %s", refusal.url, refusal.message)
            return Fetched(url, None, None, b"", error=f"{refusal.message}: {refusal.url}")
        except httpx.HTTPError as exc:
            return Fetched(url, None, None, b"", error=f"{type(exc).__name__}: {exc}")
        return Fetched(
            url,
            response.status,
            response.final_url,
            response.body,
            response.charset,
            truncated=response.truncated,
        )

    return fetch


def fetcher_for(config: Config) -> Fetch:
    """The fetch the daemon uses: the crawl's User-Agent, timeout and page size limit, and the
    configured sources' guard."""
    crawl = config.crawl
    return http_fetcher(
        crawl.agent,
        Guard.for_sources(config.sources),
        crawl.timeout.total_seconds(),
        crawl.max_page_size,
    )


def _digest(value: bytes) -> str:
    return hashlib.sha256(value).hexdigest()


def capture(
    store: Store,
    story: str,
    url: str,
    fetch: Fetch,
    now: Callable[[], datetime],
    *,
    article_id: int | None = None,
    case_id: int | None = None,
    platform: str = "news",
) -> EvidenceRecord | None:
    """Fetch the public copy of `url` (an item of `platform`, as stored with its article:
    `cases.public_copy`) once and store the snapshot, compared with the last readable one; None,
    fetching nothing, for a platform that shows nothing publicly."""
    check = check_for(url, platform)
    if check is None:
        log.info("[%s] %s: không xem công khai được, không tải (bằng chứng: ảnh chụp)", story, url)
        return None
    fetched = fetch(check.fetch_url)
    at = now()
    before = store.last_readable_evidence(story, url)
    error = fetched.error
    if fetched.status is None:
        reason, text = "error", None
    elif fetched.truncated:
        # Half a page read would show as an edit: what was cut is kept, but not compared.
        reason, text = "error", None
        error = f"lớn hơn {len(fetched.body)} byte: chỉ giữ phần đầu, không so sánh"
    else:
        reading = check.read(fetched.status, fetched.final_url, fetched.body, fetched.charset)
        reason, text, error = reading.reason, reading.text, error or reading.error
    text_hash = _digest(text.encode()) if text is not None else None
    if reason == "error":
        change = "error"
    elif before is None:
        change = "first"
    elif text_hash is None:
        change = "removed"
    else:
        change = "unchanged" if text_hash == before.text_sha256 else "changed"
    body = fetched.body
    record = store.add_evidence(
        EvidenceSnapshot(
            story=story,
            article_id=article_id,
            case_id=case_id,
            url=url,
            final_url=fetched.final_url,
            status_code=fetched.status,
            fetched_at=at,
            reason=reason,
            change=change,
            sha256=_digest(body) if fetched.status is not None else None,
            size=len(body),
            content=gzip.compress(body, mtime=0) if fetched.status is not None else None,
            text_sha256=text_hash,
            text=text,
            error=error,
        )
    )
    level = logging.WARNING if change in ("changed", "removed") else logging.INFO
    log.log(
        level,
        "[%s] bằng chứng %s: %s, %s",
        story,
        url,
        REASON_LABELS[reason],
        CHANGE_LABELS[change].lower(),
    )
    return record


def keep_crawled(
    store: Store,
    story: str,
    article_id: int,
    url: str,
    *,
    case_id: int | None = None,
    platform: str = "news",
) -> list[EvidenceRecord]:
    """Store the pages the crawler kept of an article as snapshots "lúc thu thập" (with the
    crawl's fetch time), those not kept for `story` yet, oldest first; read as a page of
    `platform` is (`cases.public_copy.page_text`)."""
    pages = store.article_pages(article_id)
    if not pages:
        return []
    kept = {e.sha256 for e in store.list_evidence(story) if e.reason == CRAWLED and e.url == url}
    records = []
    for page in pages:
        if page.sha256 in kept:
            continue
        body = gzip.decompress(page.content)
        text = page_text(decode_html(body, page.encoding), page.final_url, platform).text
        text_hash = _digest(text.encode()) if text is not None else None
        before = store.last_readable_evidence(story, url)
        if before is None or text_hash is None:
            change = "first"
        else:
            change = "unchanged" if text_hash == before.text_sha256 else "changed"
        records.append(
            store.add_evidence(
                EvidenceSnapshot(
                    story=story,
                    article_id=article_id,
                    case_id=case_id,
                    url=url,
                    final_url=page.final_url,
                    status_code=page.status,
                    fetched_at=page.fetched_at,
                    reason=CRAWLED,
                    change=change,
                    sha256=_digest(body),
                    size=len(body),
                    content=page.content,
                    text_sha256=text_hash,
                    text=text,
                )
            )
        )
        kept.add(page.sha256)
        log.info(
            "[%s] bằng chứng %s: trang lúc thu thập (%s), %s",
            story,
            url,
            page.fetched_at.isoformat(),
            CHANGE_LABELS[change].lower(),
        )
    return records


def capture_story(
    store: Store,
    story: str,
    article_id: int | None,
    fetch: Fetch,
    now: Callable[[], datetime],
    *,
    case_id: int | None = None,
) -> list[EvidenceRecord]:
    """Snapshot the article and its syndicated copies (at most `MAX_COPIES`): first the pages
    as the crawler fetched them (not kept yet), then a fresh fetch, compared with them."""
    if article_id is None:
        log.warning("[%s] không có bài gốc: không lưu được bằng chứng", story)
        return []
    article = store.get_article(article_id)
    if article is None:
        log.warning("[%s] không còn bài %d: không lưu được bằng chứng", story, article_id)
        return []
    targets = [(article.id, article.url, article.platform)]
    for other in article.cluster_others[: MAX_COPIES - 1]:
        copy = store.get_article(other)
        if copy is not None:
            targets.append((copy.id, copy.url, copy.platform))
    records: list[EvidenceRecord] = []
    for a_id, url, platform in targets:
        records.extend(keep_crawled(store, story, a_id, url, case_id=case_id, platform=platform))
        record = capture(
            store, story, url, fetch, now, article_id=a_id, case_id=case_id, platform=platform
        )
        if record is not None:
            records.append(record)
    return records


def capture_case(
    store: Store, case: CaseRecord, fetch: Fetch, now: Callable[[], datetime]
) -> list[EvidenceRecord]:
    """Snapshot a case's story (called when the case is opened)."""
    return capture_story(store, case.story, case.article_id, fetch, now, case_id=case.id)


def refetch_open_cases(
    store: Store,
    now: Callable[[], datetime],
    fetch: Fetch,
    *,
    every: timedelta = REFETCH_EVERY,
) -> list[EvidenceRecord]:
    """Snapshot what was flagged and not kept yet (a story marked false from Telegram or the
    console, a case just opened), and fetch again the story of every open case not snapshotted
    within `every`. Run it every few minutes: first snapshots are then prompt, and each open
    case is still fetched only about once a day."""
    done: list[EvidenceRecord] = []
    for story, article_id in store.flagged_without_evidence(skip_platforms=NOT_PUBLIC):
        try:
            done.extend(capture_story(store, story, article_id, fetch, now))
        except Exception:
            log.exception("[%s] lỗi khi lưu bằng chứng của tin bị đánh dấu sai sự thật", story)
    for case in store.list_cases(open_only=True, limit=10_000):
        latest = store.latest_evidence(case.story, checks_only=True)
        if latest is not None and now() - latest.fetched_at < every:
            continue
        try:
            done.extend(capture_case(store, case, fetch, now))
        except Exception:
            log.exception("[%s] hồ sơ %d: lỗi khi tải lại bằng chứng", case.story, case.id)
    changed = sum(1 for r in done if r.change in ("changed", "removed"))
    log.info("Tải lại bằng chứng: %d trang, %d trang đã sửa hoặc gỡ", len(done), changed)
    return done


def before_after(records: list[EvidenceRecord]) -> list[tuple[EvidenceRecord, EvidenceRecord]]:
    """For each snapshot that found a change or a takedown, the readable one before it (same
    URL), oldest first."""
    pairs = []
    last: dict[str, EvidenceRecord] = {}
    for record in sorted(records, key=lambda r: (r.fetched_at, r.id)):
        previous = last.get(record.url)
        if previous is not None and record.change in ("changed", "removed"):
            pairs.append((previous, record))
        if record.text_sha256 is not None:
            last[record.url] = record
    return pairs


@dataclass(frozen=True)
class Standing:
    """Where one URL stands after its latest check: `online` (read), `removed` (gone, not found,
    no longer public, no article), `unknown` (the latest check failed)."""

    url: str
    state: str
    checked: EvidenceRecord

    @property
    def label(self) -> str:
        return STANDING_LABELS[self.state]


def standing(records: list[EvidenceRecord]) -> list[Standing]:
    """Each URL's standing after its latest check (the crawler's copies and the reporters'
    screenshots are no check), in the order the URLs were first checked."""
    latest: dict[str, EvidenceRecord] = {}
    for record in sorted(records, key=lambda r: (r.fetched_at, r.id)):
        if record.reason not in (CRAWLED, REPORTED):
            latest[record.url] = record
    out = []
    for url, record in latest.items():
        if record.reason == "error":
            state = "unknown"
        else:
            state = "online" if record.text_sha256 is not None else "removed"
        out.append(Standing(url, state, record))
    return out


def not_public_note(platform: str) -> str | None:
    """What a case page says of an item of `platform` when nothing of it can be seen publicly
    (never fetched: its evidence is the reporter's screenshot); None for any other platform."""
    if platform not in NOT_PUBLIC:
        return None
    return NOT_PUBLIC_NOTE.format(platform=platform_label(platform))


def capture_soon(
    store: Store, case: CaseRecord, fetch: Fetch, now: Callable[[], datetime], who: str
) -> threading.Thread:
    """Keep the pages of `case`'s story now, in a daemon thread, so the bot answers the press
    without waiting for the outlet; a failure is logged with the story and never raised."""

    def work() -> None:
        try:
            kept = capture_case(store, case, fetch, now)
        except Exception:
            log.exception(
                "[%s] hồ sơ %d: lỗi khi lưu ngay trang bài (%s)", case.story, case.id, who
            )
            return
        log.info(
            "[%s] hồ sơ %d: đã lưu ngay %d trang bài (%s)", case.story, case.id, len(kept), who
        )

    thread = threading.Thread(target=work, name=f"duluan-evidence-{case.id}", daemon=True)
    log.info("[%s] hồ sơ %d: bắt đầu lưu trang bài (%s)", case.story, case.id, who)
    thread.start()
    return thread
