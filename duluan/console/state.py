"""What every console request reads from its app: one typed object instead of Starlette's
untyped `app.state` bag, built once by `build_app` (`app.state.console`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request

from cases.evidence import Fetch
from duluan.config import Area, Config
from review.service import ReviewService
from storage import AssignmentRecord, Store

# Called after a console review action: the story, the assignment made (if any), who acted, and
# the watch area whose review it was. The daemon sets it to edit that area's review group
# message in Telegram.
ReviewHook = Callable[[str, AssignmentRecord | None, str, Area], Awaitable[None]]


@dataclass
class ConsoleState:
    """The console's store, config, clock, data folder, URL prefix, templates, review service
    and page fetcher; the review hook the daemon may set; the background tasks in flight."""

    config: Config
    store: Store
    now: Callable[[], datetime]
    data_dir: Path
    base_path: str
    templates: Any  # starlette.templating.Jinja2Templates, imported only when the app is built
    review: ReviewService
    fetch: Fetch | None = None
    on_review_change: ReviewHook | None = None
    background: set[asyncio.Task[None]] = field(default_factory=set)


def state_of(where: Request | Starlette) -> ConsoleState:
    """The console state of a request's app, or of an app."""
    app = where.app if isinstance(where, Request) else where
    state: ConsoleState = app.state.console
    return state
