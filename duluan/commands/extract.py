"""`duluan extract` and `duluan try`: what the crawler would make of one page, or of one source,
storing nothing. The centre checks an outlet with them before adding it; a stored test page is
turned into its expected JSON with `extract FILE --url URL --json`.

Both fetch through the fetch guard (`crawler.guard.fetch`) and extract exactly as the crawler
does (`crawler.extract.extract_article` with the source's overrides and its feed's hints)."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from duluan.commands import EXIT_FAILED, EXIT_OK, UsageError, load

if TYPE_CHECKING:
    from crawler.extract import Extracted
    from crawler.guard import Guard, Response
    from crawler.links import Link
    from duluan.config import Config, Source
    from duluan.runtime import Runtime

COMMANDS: tuple[str, ...] = ("extract", "try")
TRY_ARTICLES = 3
FIELD_LABELS = (
    ("title", "Tiêu đề"),
    ("alt_title", "Tiêu đề khác"),
    ("lead", "Sa-pô"),
    ("author", "Tác giả"),
    ("published_at", "Đăng lúc"),
    ("section", "Chuyên mục"),
    ("canonical_url", "Địa chỉ chuẩn"),
)
PRECISION_LABELS = {"minute": "đến phút", "day": "chỉ có ngày", "unknown": "không rõ"}


class ExtractError(Exception):
    """A page that could not be fetched or read: the message says which and why."""


def add_parser(commands: Any) -> None:
    """Add the `extract` and `try` subcommands to the `duluan` subparsers."""
    extract = commands.add_parser(
        "extract",
        help="xem trình thu thập sẽ lưu gì từ một trang bài",
        description="Tải (hoặc đọc từ tệp) một trang bài và in những gì trình thu thập sẽ lưu: "
        "tiêu đề, sa-pô, nội dung, ngày đăng và độ chính xác, tác giả, chuyên mục, địa chỉ chuẩn, "
        "cùng quy tắc đã quyết định từng trường. Không lưu gì.",
    )
    extract.add_argument(
        "target", metavar="URL|TỆP", help="địa chỉ trang, hoặc tệp HTML (- = stdin)"
    )
    extract.add_argument("--url", help="địa chỉ gốc của trang khi đọc từ tệp")
    extract.add_argument("--source", metavar="TÊN", help="áp dụng quy tắc riêng của nguồn này")
    extract.add_argument("--json", action="store_true", help="in JSON (để làm expected.json)")
    attempt = commands.add_parser(
        "try",
        help="chạy thử một nguồn, không lưu gì",
        description="Đọc các feed, sitemap, trang danh mục của một nguồn như trình thu thập, in "
        "các liên kết khớp và không khớp article_pattern, rồi bóc tách vài bài đầu, kèm cảnh báo "
        "(không có ngày, nội dung trống, tiêu đề còn thẻ HTML, mọi liên kết bị loại). "
        "Không lưu gì.",
    )
    attempt.add_argument("source", metavar="TÊN", help="tên nguồn trong config.yaml")
    attempt.add_argument(
        "--articles", type=int, default=TRY_ARTICLES, help="số bài bóc tách thử (mặc định 3)"
    )


def run(args: argparse.Namespace, runtime: Runtime) -> int:
    """Run `duluan extract` or `duluan try`: 1 when a page could not be had."""
    config = load(runtime).config
    try:
        if args.command == "extract":
            return cmd_extract(args, config)
        return cmd_try(args, config)
    except ExtractError as exc:
        print(f"duluan: {exc}", file=sys.stderr)
        return EXIT_FAILED


def cmd_extract(args: argparse.Namespace, config: Config, out: TextIO = sys.stdout) -> int:
    """`duluan extract`: one page, fetched or read, extracted as the crawler would."""
    from crawler.extract import extract_article
    from crawler.guard import Guard

    source = _source(config, args.source)
    rules = source.extract if source is not None else None
    target: str = args.target
    if target.startswith(("http://", "https://")):
        url = target
        guard = Guard.for_sources(config.sources)
        html, final = _fetch(url, guard, config, source)
    else:
        if not args.url:
            raise UsageError(f"đọc từ tệp {target!r} cần --url ĐỊA_CHỈ (địa chỉ gốc của trang)")
        url = final = args.url
        html = _read(target)
    article = extract_article(html, final, rules)
    if article is None:
        print(f"Không tìm thấy bài viết trên trang {final}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps({"url": url, **article.as_dict()}, ensure_ascii=False, indent=2), file=out)
    else:
        _print_article(article, final, out)
    for warning in warnings_of(article):
        print(f"Cảnh báo: {warning}", file=sys.stderr)
    return EXIT_OK


def _source(config: Config, name: str | None) -> Source | None:
    if name is None:
        return None
    for source in config.sources:
        if source.name == name:
            return source
    names = ", ".join(s.name for s in config.sources)
    raise UsageError(f"không có nguồn {name!r} trong config.yaml; các nguồn có: {names}")


def _read(path: str) -> str:
    from crawler.extract import decode_html

    try:
        body = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"không đọc được tệp {path!r}: {exc.strerror or exc}") from None
    return decode_html(body)


def _fetch(url: str, guard: Guard, config: Config, source: Source | None) -> tuple[str, str]:
    """The page's text and final URL, through the guard; `ExtractError` when it cannot be had."""
    from crawler.extract import decode_html

    got = _get(url, guard, config, source)
    return decode_html(got.body, got.charset), got.final_url


def _get(url: str, guard: Guard, config: Config, source: Source | None) -> Response:
    """A fetch through the guard; `ExtractError` when no usable answer came."""
    import httpx

    from crawler.guard import Refused, fetch

    crawl = config.crawl
    try:
        got = fetch(
            url,
            guard,
            source=source.name if source is not None else None,
            user_agent=crawl.agent,
            timeout=crawl.timeout.total_seconds(),
            max_bytes=crawl.max_page_size,
        )
    except Refused as refusal:
        raise ExtractError(f"không tải {refusal.url}: {refusal.message}") from None
    except httpx.HTTPError as exc:
        raise ExtractError(f"không tải được {url}: {type(exc).__name__}: {exc}") from None
    if got.status >= 400:
        raise ExtractError(f"{got.final_url} trả lời HTTP {got.status}")
    if got.truncated:
        raise ExtractError(f"{got.final_url}: trang quá lớn (hơn {crawl.max_page_size} byte)")
    return got


def _print_article(article: Extracted, url: str, out: TextIO) -> None:
    values = article.as_dict()
    rules = article.rules
    print(f"Trang: {url}", file=out)
    for key, label in FIELD_LABELS:
        value = values.get(key)
        if key == "published_at" and value:
            value = f"{value} ({PRECISION_LABELS.get(article.published_precision, '')})"
        rule = rules.get("published" if key == "published_at" else key)
        shown = value if value else "—"
        print(f"{label + ':':<15} {shown}" + (f"   [{rule}]" if rule and value else ""), file=out)
    print(f"Nội dung ({len(article.text)} ký tự) [{rules.get('text', '')}]:", file=out)
    print(article.text, file=out)


def warnings_of(article: Extracted) -> list[str]:
    """What a reviewer of a new outlet should look at."""
    found = []
    if article.published_at is None:
        found.append("không tìm thấy ngày đăng")
    elif article.published_precision != "minute":
        found.append("ngày đăng không có giờ (chỉ có ngày)")
    if len(article.text) < 300:
        found.append(f"nội dung ngắn ({len(article.text)} ký tự): kiểm tra phần thân bài")
    for name, value in (("tiêu đề", article.title), ("sa-pô", article.lead)):
        if "<" in value and ">" in value:
            found.append(f"{name} còn thẻ HTML")
        if "&#" in value or "&amp;" in value:
            found.append(f"{name} còn mã ký tự (&#…;)")
    if not article.author:
        found.append("không có tác giả")
    return found


# `duluan try` ---------------------------------------------------------------------------------


@dataclass
class EntryReport:
    """One feed, sitemap or listing page of the source, as the dry run read it."""

    kind: str
    url: str
    error: str | None = None
    matched: list[Link] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    children: int = 0
    refused: list[str] = field(default_factory=list)  # a bridge's entries left out, and why


def cmd_try(args: argparse.Namespace, config: Config, out: TextIO = sys.stdout) -> int:
    """`duluan try SOURCE`: the source's entry points and first articles, storing nothing."""
    from crawler.guard import Guard

    source = _source(config, args.source)
    assert source is not None
    guard = Guard.for_sources(config.sources)
    kinds = [
        kind
        for kind, value in (
            ("telegram", source.telegram),
            ("youtube_search", source.youtube_search),
            ("facebook_page", source.facebook_page),
        )
        if value
    ]
    if kinds and not _entries(source, config):
        print(
            f"duluan try chưa chạy thử nguồn kiểu {', '.join(kinds)} (mỗi bài là một mục của "
            "kênh hay API, không có trang để trích; gọi API tốn hạn mức): chạy "
            f"`duluan crawl --source {source.name}` rồi xem `duluan sources`.",
            file=out,
        )
        return EXIT_FAILED
    if source.search is not None:
        print("Nguồn tìm kiếm (search): chạy thử với truy vấn đầu tiên.", file=out)
    reports = [_entry(kind, url, source, guard, config) for kind, url in _entries(source, config)]
    links: dict[str, Link] = {}
    for report in reports:
        _print_entry(report, out)
        for link in report.matched:
            links.setdefault(link.url, link)
    problems = 0
    if not links:
        print("Cảnh báo: không liên kết nào khớp article_pattern (mọi liên kết bị loại).", file=out)
        problems += 1
    if not source.fetches_pages:
        reason = f"bridge: {source.bridge}" if source.bridge else "fetch_pages: false"
        print(f"Nguồn chỉ đọc feed ({reason}): không tải trang bài.", file=out)
        return EXIT_OK if links else EXIT_FAILED
    for link in list(links.values())[: max(args.articles, 0)]:
        print("", file=out)
        problems += _try_article(link, source, guard, config, out)
    print(f"\nXong: {problems} cảnh báo; không lưu gì vào cơ sở dữ liệu.", file=out)
    answered = any(r.error is None for r in reports)
    return EXIT_OK if answered and links else EXIT_FAILED


def _entries(source: Source, config: Config) -> list[tuple[str, str]]:
    from urllib.parse import quote_plus

    from duluan.locality import search_queries_of

    found = [("feed", url) for url in source.feeds]
    found += [("sitemap", url) for url in source.sitemaps]
    found += [("listing", listing.url) for listing in source.listings]
    if source.search is not None:
        queries = source.search.queries
        if queries == "auto":
            queries = search_queries_of(config)
        if queries:
            found.append(("search", source.search.url.replace("{query}", quote_plus(queries[0]))))
    return found


def _entry(kind: str, url: str, source: Source, guard: Guard, config: Config) -> EntryReport:
    from crawler.bridges import BridgeError
    from crawler.extract import decode_html
    from crawler.feeds import FeedError, parse_feed
    from crawler.links import wanted
    from crawler.listings import parse_listing
    from crawler.sitemaps import SitemapError, parse_sitemap

    report = EntryReport(kind, url)
    try:
        got = _get(url, guard, config, source)
    except ExtractError as exc:
        report.error = str(exc)
        return report
    body, final = got.body, got.final_url
    html = decode_html(body, got.charset)
    try:
        if kind == "feed" and source.bridge is not None:
            found, report.refused = _bridge_links(body, source)
        elif kind in ("feed", "search"):
            found = parse_feed(body, final, via=kind).links
        elif kind == "sitemap":
            sitemap = parse_sitemap(body)
            report.children = len(sitemap.children)
            found = sitemap.links
        else:
            listing = next(x for x in source.listings if x.url == url)
            found, _ = parse_listing(html, final, ".", source.exclude_pattern)
            pattern = listing.article_pattern
            report.matched = [x for x in found if wanted(x.url, pattern, source.exclude_pattern)]
            report.unmatched = [x.url for x in found if x not in report.matched]
            return report
    except (FeedError, SitemapError, BridgeError) as exc:
        report.error = str(exc)
        return report
    if kind == "search":
        report.matched = found
        return report
    for link in found:
        if wanted(link.url, source.article_pattern, source.exclude_pattern):
            report.matched.append(link)
        else:
            report.unmatched.append(link.url)
    return report


def _bridge_links(body: bytes, source: Source) -> tuple[list[Link], list[str]]:
    """The posts of a bridge's feed as the crawl would store them (title, date), and the
    entries it would leave out."""
    from crawler.bridges import parse_bridge_feed
    from crawler.links import Link
    from crawler.posts import post_title

    feed = parse_bridge_feed(body, source.configured_urls())
    links = [
        Link(
            url=post.url,
            via=source.bridge or "feed",
            title=post_title(post.text) or None,
            published_at=post.published_at,
        )
        for post in feed.posts
    ]
    return links, [f"{r.url or '(không có liên kết)'}: {r.message}" for r in feed.refused]


def _print_entry(report: EntryReport, out: TextIO) -> None:
    print(f"[{report.kind}] {report.url}", file=out)
    if report.error:
        print(f"  LỖI: {report.error}", file=out)
        return
    if report.children:
        print(f"  {report.children} sitemap con", file=out)
    print(
        f"  {len(report.matched)} liên kết khớp, {len(report.unmatched)} không khớp "
        "article_pattern",
        file=out,
    )
    for link in report.matched[:5]:
        when = link.published_at.isoformat() if link.published_at else "không có ngày"
        print(f"  + {link.url}  ({when})", file=out)
    for url in report.unmatched[:3]:
        print(f"  - {url}", file=out)
    for refused in report.refused[:5]:
        print(f"  bỏ qua {refused}", file=out)


def _try_article(link: Link, source: Source, guard: Guard, config: Config, out: TextIO) -> int:
    from crawler.extract import Hints, extract_article

    try:
        html, final = _fetch(link.url, guard, config, source)
    except ExtractError as exc:
        print(f"Bài {link.url}\n  LỖI: {exc}", file=out)
        return 1
    article = extract_article(html, final, source.extract, Hints.from_link(link))
    if article is None:
        print(f"Bài {final}\n  Cảnh báo: không tìm thấy bài viết trên trang", file=out)
        return 1
    _print_article(article, final, out)
    found = warnings_of(article)
    for warning in found:
        print(f"Cảnh báo: {warning}", file=out)
    return 1 if found else 0
