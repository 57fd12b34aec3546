"""The `duluan` command groups: every subcommand the parser knows has exactly one `run`, and
building the parser imports none of the heavy modules (they load inside `run`)."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from duluan.cli import DISPATCH, GROUPS, build_parser

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("sqlalchemy", "scrapy", "telegram", "trafilatura", "docx", "starlette", "storage")


def _subcommands(parser: argparse.ArgumentParser) -> list[str]:
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return list(actions[0].choices)


def test_every_subcommand_has_one_run() -> None:
    names = [name for group in GROUPS for name in group.COMMANDS]
    assert len(names) == len(set(names))
    assert _subcommands(build_parser()) == names
    assert set(DISPATCH) == set(names)


def test_help_imports_no_heavy_module() -> None:
    code = (
        "import sys; from duluan.cli import build_parser; build_parser(); "
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
