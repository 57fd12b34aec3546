"""Per-source counts of one crawl pass: what the summary table and the health record show."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from storage import FetchError, SourceRun

MAX_ERRORS = 50
COUNTS = ("new", "updated", "unchanged", "failed", "refused")


@dataclass
class SourceTally:
    name: str
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    refused: int = 0  # links and redirects the fetch guard refused (offsite, internal)
    entries: int = 0
    entries_ok: int = 0
    entries_failed: int = 0
    errors: list[FetchError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every entry point (feed, sitemap, listing, search) answered."""
        return self.entries_failed == 0 and self.entries_ok > 0

    @property
    def seconds(self) -> float:
        return (self.finished or time.monotonic()) - self.started


@dataclass(frozen=True)
class Progress:
    source: str
    new: int
    updated: int
    unchanged: int
    failed: int
    total_new: int
    total_failed: int


class Tally:
    """Counts by source, with an optional callback on every change (for a progress display)."""

    def __init__(self, on_change: Callable[[Progress], None] | None = None) -> None:
        self.sources: dict[str, SourceTally] = {}
        self.on_change = on_change

    def begin(self, source: str) -> None:
        self.sources.setdefault(source, SourceTally(source))

    def _get(self, source: str) -> SourceTally:
        self.begin(source)
        return self.sources[source]

    def entry(self, source: str) -> None:
        self._get(source).entries += 1

    def entry_ok(self, source: str) -> None:
        self._get(source).entries_ok += 1

    def entry_failed(self, source: str) -> None:
        self._get(source).entries_failed += 1

    def count(self, source: str, what: str) -> None:
        if what not in COUNTS:
            raise ValueError(what)
        tally = self._get(source)
        setattr(tally, what, getattr(tally, what) + 1)
        tally.finished = time.monotonic()
        self._changed(tally)

    def error(self, source: str, error: FetchError) -> None:
        tally = self._get(source)
        if len(tally.errors) < MAX_ERRORS:
            tally.errors.append(error)
        tally.finished = time.monotonic()

    def _changed(self, tally: SourceTally) -> None:
        if self.on_change is None:
            return
        self.on_change(
            Progress(
                source=tally.name,
                new=tally.new,
                updated=tally.updated,
                unchanged=tally.unchanged,
                failed=tally.failed,
                total_new=sum(t.new for t in self.sources.values()),
                total_failed=sum(t.failed for t in self.sources.values()),
            )
        )

    def runs(self, started_at: datetime, finished_at: datetime) -> list[SourceRun]:
        return [
            SourceRun(
                source=t.name,
                started_at=started_at,
                finished_at=finished_at,
                new=t.new,
                updated=t.updated,
                unchanged=t.unchanged,
                failed=t.failed + t.entries_failed,
                refused=t.refused,
                errors=list(t.errors),
                ok=t.ok,
            )
            for t in self.sources.values()
        ]
