"""Watch rules in the tests: the console tests' config with rules added, and articles naming
the commune chairman inside and outside the watch area."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from duluan.config import Config, parse_config
from storage import ArticleText, Store
from tests.kit.console import CONFIG, NOW, Clock, Console, add_users, seed

CHAIRMAN = "Nguyễn Văn A"
LOCAL = (
    "Phá rừng ở xã Đăk Pxi",
    f"Người dân xã Đăk Pxi, huyện Đăk Hà phản ánh việc phá rừng trái phép; ông {CHAIRMAN}, "
    "chủ tịch xã, đã kiểm tra.",
)
NATIONAL = ("Hội nghị toàn quốc", f"Tại Hà Nội, ông {CHAIRMAN} phát biểu về chuyển đổi số.")
RULE_CHAT = "-500"


def rules_yaml(*rules: dict[str, object]) -> str:
    """The console tests' config (`tests.kit.console.CONFIG`) with these `rules:`, as text."""
    listed = "".join(f"  - {json.dumps(r, ensure_ascii=False)}\n" for r in rules)
    return f"{CONFIG}rules:\n{listed}"


def rules_config(*rules: dict[str, object]) -> Config:
    """`rules_yaml` loaded."""
    return parse_config(rules_yaml(*rules), "t.yaml", {}).config


def chairman_rule(**changes: object) -> dict[str, object]:
    """A rule on the chairman's name, alerting `RULE_CHAT`."""
    return {"name": "Chủ tịch xã", "query": f'"{CHAIRMAN}"', "chats": [RULE_CHAT], **changes}


def article(
    title: str, lead: str, ident: int = 1, cluster: int | None = None, backfill: bool = False
) -> ArticleText:
    """A fresh article (published an hour ago), its own story unless `cluster` says."""
    fresh = NOW - timedelta(hours=1)
    return ArticleText(
        ident,
        "x",
        title,
        lead,
        "",
        fresh,
        f"https://x.vn/{ident}",
        "Báo X",
        fresh,
        backfill,
        cluster if cluster is not None else ident,
    )


def rules_console(store: Store, tmp: Path, *rules: dict[str, object]) -> Console:
    """The seeded console (`tests.kit.console`) with these config rules and one account per
    role."""
    seeded = seed(store)
    add_users(store)
    return Console(store, rules_config(*rules), Clock(), seeded, tmp)
