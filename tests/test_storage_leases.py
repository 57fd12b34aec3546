"""Leases (issue 18): one holder at a time, renewal, take-over after expiry, release; on SQLite
and PostgreSQL, with holders racing from threads (each its own connection)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from storage import Store

T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
TTL = timedelta(minutes=2)


def test_a_free_lease_is_taken_and_held_against_others(store: Store) -> None:
    assert store.lease_holder("deliver:x", T0) is None
    assert store.take_lease("deliver:x", "a", T0, TTL)
    assert store.lease_holder("deliver:x", T0) == "a"
    assert not store.take_lease("deliver:x", "b", T0 + timedelta(seconds=119), TTL)
    assert store.lease_holder("deliver:x", T0 + timedelta(seconds=119)) == "a"
    # Another name is another lease.
    assert store.take_lease("job:digest", "b", T0, TTL)


def test_the_holder_renews_and_the_other_waits_until_expiry(store: Store) -> None:
    assert store.take_lease("job:digest", "a", T0, TTL)
    # Renewed at +100 s: now held until +220 s, so b at +150 s (past the first expiry) loses.
    assert store.take_lease("job:digest", "a", T0 + timedelta(seconds=100), TTL)
    assert not store.take_lease("job:digest", "b", T0 + timedelta(seconds=150), TTL)
    # Once expired, b takes it over and a has lost it.
    assert store.take_lease("job:digest", "b", T0 + timedelta(seconds=221), TTL)
    assert store.lease_holder("job:digest", T0 + timedelta(seconds=221)) == "b"
    assert not store.take_lease("job:digest", "a", T0 + timedelta(seconds=222), TTL)


def test_release_frees_only_ones_own_lease(store: Store) -> None:
    assert store.take_lease("deliver:x", "a", T0, TTL)
    store.release_lease("deliver:x", "b")  # not b's: untouched
    assert store.lease_holder("deliver:x", T0) == "a"
    store.release_lease("deliver:x", "a")
    assert store.lease_holder("deliver:x", T0) is None
    assert store.take_lease("deliver:x", "b", T0, TTL)


def test_bad_arguments_are_refused(store: Store) -> None:
    with pytest.raises(ValueError):
        store.take_lease("x", "a", T0.replace(tzinfo=None), TTL)
    with pytest.raises(ValueError):
        store.take_lease("x", "a", T0, timedelta(0))


def test_holders_racing_for_a_free_lease_exactly_one_wins(store: Store) -> None:
    """Sixteen holders ask at the same moment, each from its own thread and connection."""
    holders = [f"h{i}" for i in range(16)]
    barrier = threading.Barrier(len(holders))
    won: dict[str, bool] = {}

    def ask(holder: str) -> None:
        barrier.wait()
        won[holder] = store.take_lease("deliver:race", holder, T0, TTL)

    threads = [threading.Thread(target=ask, args=(h,)) for h in holders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [h for h, ok in won.items() if ok]
    assert len(winners) == 1
    assert store.lease_holder("deliver:race", T0) == winners[0]


def test_holders_racing_for_an_expired_lease_exactly_one_takes_it_over(store: Store) -> None:
    assert store.take_lease("job:backup", "dead", T0, TTL)
    later = T0 + TTL + timedelta(seconds=1)
    holders = [f"h{i}" for i in range(16)]
    barrier = threading.Barrier(len(holders))
    won: dict[str, bool] = {}

    def ask(holder: str) -> None:
        barrier.wait()
        won[holder] = store.take_lease("job:backup", holder, later, TTL)

    threads = [threading.Thread(target=ask, args=(h,)) for h in holders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(won.values()) == 1
    assert store.lease_holder("job:backup", later) not in (None, "dead")
