"""`duluan crawl` (one pass over the sources, with a summary table) and `duluan sources` (each
source's health)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from duluan.commands import EXIT_FAILED, EXIT_OK, UsageError, load, open_store
from duluan.commands.output import cut, table, when

if TYPE_CHECKING:
    from crawler.runner import SourceSummary
    from duluan.runtime import Runtime
    from storage import FetchError

COMMANDS: tuple[str, ...] = ("crawl", "sources")


def add_parser(commands: Any) -> None:
    """Add the `crawl` and `sources` subcommands to the `duluan` subparsers."""
    crawl = commands.add_parser(
        "crawl", help="thu thập một lượt từ các nguồn", description="Thu thập một lượt."
    )
    crawl.add_argument(
        "--source",
        action="append",
        metavar="TÊN",
        help="chỉ thu thập nguồn này (lặp lại để chọn nhiều nguồn)",
    )
    crawl.add_argument(
        "--since",
        metavar="NGÀY",
        help="lấy cả các bài trong sitemap từ ngày này (vd. 2026-11-01) thay vì theo "
        "crawl.sitemap_horizon",
    )

    commands.add_parser(
        "sources", help="tình trạng của từng nguồn", description="Tình trạng từng nguồn."
    )


def run(args: argparse.Namespace, runtime: Runtime) -> int:
    """Run `duluan crawl` or `duluan sources`."""
    if args.command == "sources":
        return cmd_sources(runtime)
    return cmd_crawl(args, runtime)


def cmd_crawl(args: argparse.Namespace, runtime: Runtime) -> int:
    """One crawl of the chosen sources (all enabled ones by default): 0 when any answered."""
    from crawler.dates import parse_date
    from crawler.runner import CrawlFailed
    from duluan.pipeline import crawl

    loaded = load(runtime)
    config = loaded.config
    names = [s.name for s in config.sources]
    chosen = args.source or [s.name for s in config.sources if s.enabled]
    unknown = [n for n in chosen if n not in names]
    if unknown:
        raise UsageError(
            f"không có nguồn {', '.join(unknown)} trong {loaded.path}; "
            f"các nguồn có: {', '.join(names)}"
        )
    since = None
    if args.since:
        since = parse_date(args.since, tz=config.schedule.zone)
        if since is None:
            raise UsageError(f"--since {args.since!r} không phải ngày như 2026-11-01")
    open_store(runtime).close()  # a wrong or unreachable database is said before any fetch
    progress = ProgressLine(sys.stderr)
    try:
        summary = crawl(
            config,
            runtime.database_url,
            chosen,
            clock=runtime.clock,
            since=since,
            progress=progress,
            log_level=runtime.log_level,
        )
    except CrawlFailed as exc:
        progress.clear()
        print(f"Lượt thu thập thất bại / the crawl failed:\n{exc}", file=sys.stderr)
        return EXIT_FAILED
    progress.clear()
    rows = [
        [
            s.name,
            str(s.new),
            str(s.updated),
            str(s.unchanged),
            str(s.failed),
            f"{s.seconds:.1f}s",
            _note(s),
        ]
        for s in summary.sources
    ]
    elapsed = summary.seconds
    print(
        table(
            ["Nguồn", "Mới", "Cập nhật", "Không đổi", "Lỗi", "Thời gian", "Ghi chú"],
            rows,
        )
    )
    print(
        f"Tổng: {summary.new} bài mới, {summary.failed} lỗi, "
        f"{len(summary.sources)} nguồn, {elapsed:.1f} giây."
    )
    if summary.sources and not any(s.ok for s in summary.sources):
        print(
            "Không nguồn nào trả lời: hãy kiểm tra kết nối mạng của máy (và proxy, tường lửa), "
            "rồi chạy lại; các bài đã lưu không bị ảnh hưởng.",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return EXIT_OK


def _note(source: SourceSummary) -> str:
    """The summary table's note: the first error, and links the fetch guard refused."""
    note = "" if source.ok else _first_error(source.errors)
    if source.refused:
        refused = f"{source.refused} liên kết bị từ chối (ngoài nguồn hoặc địa chỉ nội bộ)"
        note = f"{note}; {refused}" if note else refused
    return note


def _first_error(errors: Sequence[FetchError]) -> str:
    if not errors:
        return "không lấy được trang nào"
    more = f" (+{len(errors) - 1} lỗi khác)" if len(errors) > 1 else ""
    return cut(f"{errors[0].message}: {errors[0].url}", 90) + more


def cmd_sources(runtime: Runtime) -> int:
    """Each configured source's state, last runs, article counts and last error."""
    loaded = load(runtime)
    store = open_store(runtime)
    with store:
        health = {h.name: h for h in store.health()}
    rows = []
    for source in loaded.config.sources:
        h = health.get(source.name)
        state = "tắt" if not source.enabled else "chưa chạy"
        if h is not None and h.last_run_at is not None:
            state = "tốt" if h.consecutive_failures == 0 else f"lỗi {h.consecutive_failures} lần"
        rows.append(
            [
                source.name,
                state,
                when(h.last_run_at if h else None),
                when(h.last_success_at if h else None),
                str(h.items_last_run) if h else "",
                str(h.articles_total) if h else "0",
                when(h.last_article_at if h else None),
                (h.last_error or "") if h and h.consecutive_failures else "",
            ]
        )
    print(
        table(
            [
                "Nguồn",
                "Tình trạng",
                "Chạy lần cuối",
                "Thành công cuối",
                "Bài lượt cuối",
                "Tổng số bài",
                "Bài mới nhất",
                "Lỗi gần nhất",
            ],
            rows,
        )
    )
    return EXIT_OK


class ProgressLine:
    """A one-line progress display on a terminal; silent when output is redirected."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.active = stream.isatty() and os.environ.get("TERM") != "dumb"
        self.shown = False

    def __call__(self, progress: object) -> None:
        if not self.active:
            return
        text = (
            f"\rĐang thu thập… {getattr(progress, 'source', '')}: "
            f"{getattr(progress, 'new', 0)} mới | tổng {getattr(progress, 'total_new', 0)} mới, "
            f"{getattr(progress, 'total_failed', 0)} lỗi"
        )
        self.stream.write(text.ljust(78)[:100])
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        """Wipe the line, so what is printed next starts on a clean line."""
        if self.shown:
            self.stream.write("\r" + " " * 100 + "\r")
            self.stream.flush()
            self.shown = False
