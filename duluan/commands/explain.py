"""`duluan explain ID`: why an article was or was not tagged (places, rules, tone reasons)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from duluan.commands import EXIT_FAILED, EXIT_OK, open_store

if TYPE_CHECKING:
    from duluan.runtime import Runtime

COMMANDS: tuple[str, ...] = ("explain",)


def add_parser(commands: Any) -> None:
    """Add the `explain` subcommand to the `duluan` subparsers."""
    explain = commands.add_parser(
        "explain",
        help="giải thích vì sao một bài được hay không được gắn nhãn",
        description="In các địa danh tìm thấy, quy tắc đã quyết định và lý do sắc thái.",
    )
    explain.add_argument("id", type=int, help="mã số bài")


def run(args: argparse.Namespace, runtime: Runtime) -> int:
    """Print the stored tags of one article with the reason for each, and the watch rules it
    matched with where."""
    from duluan.rules import spans_text
    from nlp.area import DEFAULT_AREA

    store = open_store(runtime)
    with store:
        article = store.get_article(args.id)
        tags = store.get_tags(args.id)
    if article is None:
        print(f"Không có bài mã {args.id}.", file=sys.stderr)
        return EXIT_FAILED
    print(f"Bài {article.id} ({article.source}): {article.title}")
    if tags is None:
        print("Bài chưa được gắn nhãn: chạy `duluan tag`.")
        return EXIT_OK
    verdict = "LIÊN QUAN" if tags.relevant else "không liên quan"
    print(f"Kết luận: {verdict} đến địa bàn theo dõi (điểm {tags.relevance:.2f}).")
    if set(tags.areas) - {DEFAULT_AREA}:  # several areas: say which ones (one area: as before)
        print(f"Địa bàn theo dõi liên quan: {', '.join(tags.areas)}.")
    print(f"Sắc thái: {tags.tone}; lĩnh vực: {', '.join(tags.topics) or 'không rõ'}.")
    if tags.needs_verification:
        print("Cần xác minh: tin tiêu cực về địa bàn theo dõi.")
    if not tags.mentions:
        print("Không tìm thấy địa danh nào của tỉnh theo dõi trong bài.")
    for m in tags.mentions:
        print(
            f"- '{m.text}' ({m.field}, ký tự {m.start}–{m.end}) là {m.unit}: quy tắc {m.rule}, "
            f"độ tin cậy {m.confidence:.2f}"
        )
    for reason in tags.reasons:  # tone words are quoted; the tagger's caps say "Giới hạn: …"
        print(f"- sắc thái: {reason}" if reason.startswith("'") else f"- {reason}")
    if not tags.rules:
        print("Không khớp quy tắc theo dõi nào.")
    several = set(tags.areas) - {DEFAULT_AREA}
    for hit in tags.rules:
        where = f" (địa bàn {hit.area})" if several else ""
        print(f"- quy tắc theo dõi {hit.rule!r}{where}: {spans_text(hit.spans)}")
    return EXIT_OK
