"""`duluan articles`: list the stored articles, or show one (`articles show ID`)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from duluan.commands import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    add_area_option,
    chosen_area,
    load,
    open_store,
)
from duluan.commands.output import cut, published, table, when

if TYPE_CHECKING:
    from duluan.runtime import Runtime
    from storage import ArticleDetail

COMMANDS: tuple[str, ...] = ("articles",)


def add_parser(commands: Any) -> None:
    """Add the `articles` subcommand to the `duluan` subparsers."""
    articles = commands.add_parser(
        "articles", help="các bài đã lưu", description="Liệt kê hoặc xem các bài đã lưu."
    )
    articles.add_argument("action", nargs="?", choices=["show"], help="show ID: xem một bài")
    articles.add_argument("id", nargs="?", type=int, help="mã số bài (với show)")
    articles.add_argument("--source", metavar="TÊN", help="chỉ các bài của nguồn này")
    articles.add_argument(
        "--limit", type=int, default=20, metavar="N", help="số bài tối đa (mặc định 20)"
    )
    add_area_option(articles)


def run(args: argparse.Namespace, runtime: Runtime) -> int:
    """Run `duluan articles`: the newest stored articles, or one of them in full."""
    if args.action == "show":
        if args.id is None:
            raise UsageError("cần mã số bài: duluan articles show ID")
        if args.area is not None:
            raise UsageError("--area chỉ dùng khi liệt kê: duluan articles --area ĐỊA_BÀN")
        return _show_article(args.id, runtime)
    if args.id is not None:
        raise UsageError("mã số chỉ dùng với show: duluan articles show ID")
    if args.limit < 1:
        raise UsageError("--limit phải là số dương")
    from nlp.area import DEFAULT_AREA

    # The config is read only to check --area: listing needs none.
    area = chosen_area(load(runtime).config, args.area) if args.area is not None else None
    store = open_store(runtime)
    with store:
        items = store.list_articles(
            source=args.source, limit=args.limit, area=area.name if area else None
        )
    if not items:
        if area is not None:
            print(f"Chưa có bài nào liên quan đến địa bàn {area.name} ({area.title}).")
        else:
            print("Chưa có bài nào được lưu.")
        return EXIT_OK
    headers = ["Mã", "Nguồn", "Đăng lúc", "Tiêu đề"]
    rows = [
        [
            str(a.id),
            a.source,
            published(a.published_at, a.published_precision),
            ("[cũ] " if a.backfill else "") + cut(a.title, 70),
        ]
        for a in items
    ]
    # Several areas and no --area: each row says which areas it concerns. A deployment of one
    # area stores only the default area's name, so its listing stays as it was.
    if area is None and any(n != DEFAULT_AREA for a in items for n in a.areas):
        headers.insert(3, "Địa bàn")
        for row, a in zip(rows, items, strict=True):
            row.insert(3, ", ".join(a.areas))
    print(table(headers, rows))
    return EXIT_OK


def _show_article(article_id: int, runtime: Runtime) -> int:
    from crawler.platform import platform_label
    from duluan.submit import VIA_LABELS

    store = open_store(runtime)
    with store:
        article = store.get_article(article_id)
        reports = store.submissions_of([article_id]).get(article_id, [])
    if article is None:
        print(f"Không có bài mã {article_id}.", file=sys.stderr)
        return EXIT_FAILED
    fields = [
        ("Mã", str(article.id)),
        ("Nguồn", article.source),
        ("Tiêu đề", article.title),
        ("Địa chỉ", article.url),
        ("Địa chỉ chuẩn", article.canonical_url),
        ("Tác giả", article.author or ""),
        ("Chuyên mục", article.section or ""),
        ("Ngôn ngữ", article.language or ""),
        ("Đăng lúc", published(article.published_at, article.published_precision)),
        ("Thấy lần đầu", when(article.first_seen_at)),
        ("Bài cũ (backfill)", "có" if article.backfill else "không"),
        ("Tìm thấy qua", article.via),
        ("Cụm tin", _cluster(article)),
        ("Nền tảng", platform_label(article.platform)),
    ]
    fields += [
        (
            "Người báo tin",
            f"{r.reporter} ({VIA_LABELS.get(r.via, r.via)}, {when(r.submitted_at)})"
            + (f": {r.note.splitlines()[0][:80]}" if r.note else ""),
        )
        for r in reports
    ]
    width = max(len(name) for name, _ in fields)
    for name, value in fields:
        print(f"{name.ljust(width)}  {value}")
    print()
    if article.lead:
        print(article.lead)
        print()
    print(article.text)
    return EXIT_OK


def _cluster(article: ArticleDetail) -> str:
    others = article.cluster_others
    cluster = article.cluster_id
    if not others:
        return f"{cluster} (chỉ bài này)"
    return f"{cluster} (cùng với bài {', '.join(str(i) for i in others)})"
