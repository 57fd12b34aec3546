"""What every console request reads from its app: one typed object instead of Starlette's
untyped `app.state` bag, built once by `build_app` (`app.state.console`)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request

from cases.evidence import Fetch
from duluan.config import Area, Config
from review.service import ReviewService
from storage import AssignmentRecord, Store

if TYPE_CHECKING:
    from nlp.locate import Locator

# Called after a console review action: the story, the assignment made (if any), who acted, and
# the watch area whose review it was. The daemon sets it to edit that area's review group
# message in Telegram.
ReviewHook = Callable[[str, AssignmentRecord | None, str, Area], Awaitable[None]]


@dataclass
class ConsoleState:
    """The console's store, config, clock, data folder, URL prefix, templates, review service
    and page fetcher; the review hook the daemon may set; the background tasks in flight; the
    tagger a reported item is tagged with ("Thêm tin"), built once per process (the daemon
    hands over its own); `console_mode` (no bot token: review alerts go to the console when
    no review chat is configured, as `duluan cycle` does)."""

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
    locator: Locator | None = None
    console_mode: bool = True
    _locator_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def tagger(self) -> Locator:
        """The tagger of the configured watch areas, built on first use and kept for every later
        request (building takes seconds: call this from a worker thread, never on the loop)."""
        with self._locator_lock:
            if self.locator is None:
                from duluan.pipeline import locator_for

                self.locator = locator_for(self.config)
            return self.locator


def state_of(where: Request | Starlette) -> ConsoleState:
    """The console state of a request's app, or of an app."""
    app = where.app if isinstance(where, Request) else where
    state: ConsoleState = app.state.console
    return state
