"""`duluan rules test`: whether and where a watch-rule query matches a text, as grep answers.

A command group (`rules`), so that other subcommands about watch rules can join `test`. No
config and no database: the query language is `nlp.query`, the text is a file or stdin.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from duluan.commands import EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError

if TYPE_CHECKING:
    from duluan.runtime import Runtime
    from nlp.query import Document, Span

COMMANDS: tuple[str, ...] = ("rules",)
CONTEXT = 30


def add_parser(commands: Any) -> None:
    """Add the `rules` subcommand and its own subcommands to the `duluan` subparsers."""
    rules = commands.add_parser(
        "rules",
        help="quy tắc theo dõi (truy vấn từ khóa)",
        description="Các lệnh về quy tắc theo dõi viết bằng truy vấn từ khóa.",
    )
    rule_commands = rules.add_subparsers(dest="rules_command", metavar="LỆNH", required=True)
    test = rule_commands.add_parser(
        "test",
        help="thử một truy vấn trên một văn bản: khớp hay không, khớp ở đâu",
        description="Thử một truy vấn trên một văn bản UTF-8 (dòng đầu là tiêu đề). In «khớp» "
        "và từng chỗ khớp, hoặc «không khớp». Mã thoát như grep: 0 khớp, 1 không khớp, 2 truy "
        'vấn sai. Cú pháp: từ, "cụm từ", AND (mặc định), OR, NOT hoặc -từ, (nhóm), '
        "a NEAR/5 b, tiền tố*, title:, source:, place:, topic:.",
    )
    test.add_argument("query", metavar="TRUY_VẤN", help='truy vấn, vd. "dak ha" (lu OR ngap)')
    test.add_argument("file", nargs="?", default="-", help="tệp văn bản, hoặc - để đọc stdin")
    test.add_argument("--title", help="tiêu đề (mặc định: dòng đầu của văn bản)")
    test.add_argument("--source", default="", help="tên và tiêu đề nguồn, cho source:")
    test.add_argument(
        "--place",
        action="append",
        default=[],
        metavar="ĐỊA_DANH",
        help="một địa danh của bài, cho place: (lặp lại được)",
    )
    test.add_argument(
        "--topic",
        action="append",
        default=[],
        metavar="CHỦ_ĐỀ",
        help="một lĩnh vực của bài, cho topic: (lặp lại được)",
    )


def run(args: argparse.Namespace, runtime: Runtime) -> int:
    """Run `rules test` (the only subcommand so far)."""
    from nlp.query import Document, QueryError, parse

    try:
        query = parse(args.query)
    except QueryError as exc:
        print(f"duluan: truy vấn sai, {exc}", file=sys.stderr)
        print(f"  {exc.query}", file=sys.stderr)
        print(f"  {' ' * exc.position}^", file=sys.stderr)
        return EXIT_USAGE
    try:
        raw = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"không đọc được {args.file}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{args.file} không phải văn bản UTF-8") from None
    title = args.title if args.title is not None else raw.split("\n", 1)[0].strip()
    doc = Document(
        text=raw,
        title=title,
        source=args.source,
        places=tuple(args.place),
        topics=tuple(args.topic),
    )
    spans = query.match(doc)
    if spans is None:
        print("không khớp")
        return EXIT_FAILED
    print("khớp")
    for span in spans:
        print(describe(span, doc))
    return EXIT_OK


def describe(span: Span, doc: Document) -> str:
    """One line for a span: its field, its 1-based character positions, the words around it
    with the matched ones between « »."""
    from duluan.rules import FIELD_LABELS

    whole = {"text": doc.text, "title": doc.title, "source": doc.source}.get(span.field, span.text)
    start, end = span.start, span.end
    before = whole[max(0, start - CONTEXT) : start]
    after = whole[end : end + CONTEXT]
    around = (
        ("…" if start > CONTEXT else "")
        + before
        + f"«{whole[start:end]}»"
        + after
        + ("…" if end + CONTEXT < len(whole) else "")
    )
    around = " ".join(around.split())
    return f"- {FIELD_LABELS[span.field]}, vị trí {start + 1}–{end}: {around}"
