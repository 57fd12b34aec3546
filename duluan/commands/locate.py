"""`duluan locate`: the places in a text, as JSON, without a database."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from duluan.commands import EXIT_OK, UsageError, load

if TYPE_CHECKING:
    from duluan.runtime import Runtime

COMMANDS: tuple[str, ...] = ("locate",)


def add_parser(commands: Any) -> None:
    """Add the `locate` subcommand to the `duluan` subparsers."""
    locate = commands.add_parser(
        "locate",
        help="nhận diện địa danh trong một văn bản (không cần cơ sở dữ liệu)",
        description="Đọc một văn bản UTF-8 (dòng đầu là tiêu đề) hoặc, với --jsonl, mỗi dòng một "
        'đối tượng {"id": ..., "text": ..., "published": "2025-08-01"} (ngày đăng không bắt buộc: '
        "nó cho biết một tên vừa của xã cũ vừa của xã mới chỉ xã nào); in một đối tượng JSON "
        "cho mỗi văn bản.",
    )
    locate.add_argument("file", nargs="?", default="-", help="tệp văn bản, hoặc - để đọc stdin")
    locate.add_argument("--jsonl", action="store_true", help="mỗi dòng một đối tượng JSON")


def run(args: argparse.Namespace, runtime: Runtime) -> int:
    """Print one JSON object per text read from the file (or stdin)."""
    import json

    from duluan.pipeline import locator_for
    from duluan.tagging import area_taggings
    from nlp.locate import publication_date

    config = load(runtime).config
    locator = locator_for(config)
    # With `areas:`, each object also says which areas the text concerns (an added key: the
    # one-area output is unchanged).
    areas = area_taggings(config) if config.areas is not None else ()

    def locate(text: str, ident: object = None, published: object = None) -> dict[str, object]:
        found = locator.read(text, ident, published)
        result = found.as_json()
        if areas:
            result["areas"] = [a.area.name for a in areas if found.concerns(a.place)]
        return result

    try:
        raw = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"không đọc được {args.file}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{args.file} không phải văn bản UTF-8") from None
    if not args.jsonl:
        print(json.dumps(locate(raw), ensure_ascii=False))
        return EXIT_OK
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            text = item["text"]
        except (ValueError, KeyError, TypeError):
            raise UsageError(
                f'dòng {number}: cần một đối tượng JSON có khóa "text", như '
                '{"id": "a1", "text": "..."}'
            ) from None
        try:
            published = publication_date(item.get("published"))
        except ValueError as exc:
            raise UsageError(f'dòng {number}: khóa "published": {exc}') from None
        result = locate(text, item.get("id"), published)
        print(json.dumps(result, ensure_ascii=False))
    return EXIT_OK
