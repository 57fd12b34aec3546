"""The daemon's roles (issue 18): `duluan start --role crawl|tag|deliver|web|schedule|all`,
several processes on one PostgreSQL database, and the leases that keep one deliverer per bot
token and one runner of each scheduled job among them."""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from storage import Store

log = logging.getLogger("duluan.roles")

CRAWL, TAG, DELIVER, WEB, SCHEDULE, ALL = "crawl", "tag", "deliver", "web", "schedule", "all"
ROLES: tuple[str, ...] = (CRAWL, TAG, DELIVER, WEB, SCHEDULE)
EVERY_ROLE = frozenset(ROLES)
# A deliverer renews its lease at every pass (every half minute): two minutes is four passes.
DELIVER_TTL = timedelta(minutes=2)
# A scheduled job's lease outlives the few seconds between two schedulers firing the same
# trigger (and their clocks' drift), and ends before the job's next run (the shortest, the
# evidence job, runs every 10 minutes).
JOB_TTL = timedelta(minutes=5)


class RoleError(ValueError):
    """A role that does not exist, or roles asked for on SQLite; said in Vietnamese."""


def parse_roles(values: Iterable[str] | None) -> frozenset[str]:
    """The roles `--role` gave (repeated or comma-separated; none: all of them)."""
    names = [n.strip().lower() for v in values or () for n in v.split(",") if n.strip()]
    if not names or ALL in names:
        return EVERY_ROLE
    unknown = sorted({n for n in names if n not in ROLES})
    if unknown:
        raise RoleError(
            f"vai trò không có: {', '.join(unknown)}; các vai trò: {', '.join(ROLES)}, {ALL} "
            "/ unknown role"
        )
    return frozenset(names)


def check_roles(roles: frozenset[str], database_url: str) -> None:
    """Roles other than `all` share work between processes through the database: PostgreSQL
    only (SQLite is the one-process embedded default)."""
    if roles == EVERY_ROLE:
        return
    if make_url(database_url).get_backend_name() != "postgresql":
        raise RoleError(
            f"vai trò {', '.join(sorted(roles))} cần PostgreSQL "
            "(DULUAN_DATABASE_URL=postgresql://…); với SQLite chỉ chạy được --role all "
            "/ roles need PostgreSQL"
        )


def describe(roles: frozenset[str]) -> str:
    """`all`, or the roles in their usual order."""
    return ALL if roles == EVERY_ROLE else ", ".join(r for r in ROLES if r in roles)


def deliver_lease(token: str | None, messenger: str = "telegram") -> str:
    """The delivery lease of one bot: `deliver:<first 12 hex of the token's sha256>`, the
    console's `deliver:console`; Zalo's bot has its own (`deliver:zalo:…`). The token itself
    is never stored."""
    prefix = "deliver:" if messenger == "telegram" else f"deliver:{messenger}:"
    if token is None:
        return f"{prefix}console"
    return prefix + hashlib.sha256(token.encode()).hexdigest()[:12]


def job_lease(name: str) -> str:
    """The lease a scheduled job's runner takes at the job's time."""
    return f"job:{name}"


def wall_clock() -> datetime:
    """Leases run on the machines' real time, never on a frozen or simulated news clock
    (`DULUAN_NOW`): a killed holder must be replaced after its ttl of real time."""
    return datetime.now(UTC)


def new_holder() -> str:
    """This process's name as a lease holder: host, pid and a random tail (a pid is reused)."""
    return f"{socket.gethostname()[:120]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class LeaseKeeper:
    """One lease this process wants to hold (a bot's delivery): `hold()` before each pass takes
    or renews it, `keep()` within a long pass renews it in time; a process that does not get it
    says once that it waits, and once that it took over."""

    def __init__(
        self,
        store: Store,
        name: str,
        holder: str,
        ttl: timedelta,
        what: str,
        now: Callable[[], datetime] = wall_clock,
    ) -> None:
        self.store = store
        self.name = name
        self.holder = holder
        self.ttl = ttl
        self.now = now
        self.what = what
        self.held: bool | None = None  # unknown until the first `hold`
        self._renewed: datetime | None = None

    def hold(self) -> bool:
        """Take or renew the lease: True while this process has it."""
        moment = self.now()
        held = self.store.take_lease(self.name, self.holder, moment, self.ttl)
        self._renewed = moment if held else None
        if held and self.held is False:
            log.info("Đã nhận quyền %s (lease %s): bắt đầu làm", self.what, self.name)
        elif not held and self.held is not False:
            log.warning(
                "Một tiến trình khác đang giữ quyền %s (lease %s): chờ, và thử lại mỗi lượt",
                self.what,
                self.name,
            )
        self.held = held
        return held

    def keep(self) -> bool:
        """Still held, renewed once a quarter of the ttl has passed since the last renewal
        (asked before each call of a long delivery pass: a pass outlasting the ttl keeps it)."""
        renewed = self._renewed
        if self.held and renewed is not None and self.now() - renewed < self.ttl / 4:
            return True
        return self.hold()

    def release(self) -> None:
        """Give the lease up (a clean stop): the next holder need not wait for its expiry."""
        if self.held:
            self.store.release_lease(self.name, self.holder)
            self.held = False
