"""The storage queries the console lists areas with: the queue's rows per story and area, the
areas of a story, and assignments, cases and search hits of some areas; without areas, the
queue is as before (one row per story, the default area's review)."""

from __future__ import annotations

from datetime import timedelta

from nlp.area import DEFAULT_AREA
from storage import Store
from storage.queue import QueueFilters
from tests.kit.console import NOW, save_tagged

A, B, C = "dak-pxi", "dak-mar", "dak-ui"


def _act(store: Store, cluster: int, area: str, status: str) -> None:
    story = f"cluster:{cluster}"
    version = store.review_detail(story, area).state.version
    store.review_action(
        story,
        expected_version=version,
        action=status,
        user_id=1,
        user_name="Lan",
        at=NOW,
        article_id=None,
        area=area,
    )


def _assign(store: Store, cluster: int, area: str, unit: str) -> int:
    story = f"cluster:{cluster}"
    _, job = store.assign(
        story,
        expected_version=store.review_detail(story, area).state.version,
        unit=unit,
        chat="-1",
        topic=None,
        deadline=(NOW + timedelta(days=3)).date(),
        user_id=1,
        user_name="Lan",
        at=NOW,
        message="giao",
        article_id=None,
        area=area,
    )
    return job.id


def test_queue_rows_are_per_story_and_area(store: Store) -> None:
    a, b, both = save_tagged(
        store, [("a", ()), ("b", ()), ("both", ())], {"a": (A,), "b": (B,), "both": (A, B)}
    )
    _act(store, both, A, "relevant")
    _act(store, both, B, "false_info")
    _assign(store, b, B, "Công an xã Đăk Mar")

    def rows(filters: QueueFilters) -> set[tuple[int, str, str]]:
        return {(i.cluster_id, i.area, i.status) for i in store.review_queue(filters).items}

    assert rows(QueueFilters(areas=(A, B))) == {
        (a, A, "new"),
        (both, A, "relevant"),
        (both, B, "false_info"),
        (b, B, "assigned"),
    }
    page = store.review_queue(QueueFilters(areas=(A,)))
    assert {(i.cluster_id, i.status) for i in page.items} == {(a, "new"), (both, "relevant")}
    assert page.counts == {"new": 1, "relevant": 1}
    assert rows(QueueFilters(areas=(B,), unit="Công an xã Đăk Mar")) == {(b, B, "assigned")}
    assert rows(QueueFilters(areas=())) == set()
    # Without areas: every story once, with the default area's review (none here).
    assert rows(QueueFilters()) == {(c, DEFAULT_AREA, "new") for c in (a, b, both)}


def test_a_story_s_areas_count_its_reviews_and_cases_too(store: Store) -> None:
    (cluster,) = save_tagged(store, [("a", ())], {"a": (A,)})
    assert store.story_areas(cluster) == (A,)
    _act(store, cluster, C, "false_info")  # reviewed in C (its tagging changed since)
    store.open_case(f"cluster:{cluster}", "Lan", NOW, area=B)
    assert store.story_areas(cluster) == tuple(sorted((A, B, C)))
    assert store.story_areas(cluster + 100) == ()


def test_assignments_and_cases_of_some_areas(store: Store) -> None:
    (both,) = save_tagged(store, [("both", ())], {"both": (A, B)})
    job_a = _assign(store, both, A, "Công an")
    job_b = _assign(store, both, B, "Công an")
    assert {j.id for j in store.list_assignments(areas=(A,))} == {job_a}
    assert {j.id for j in store.list_assignments()} == {job_a, job_b}
    _act(store, both, B, "false_info")
    case_b = store.open_case(f"cluster:{both}", "Lan", NOW, area=B)
    assert [c.id for c in store.list_cases(areas=(B,))] == [case_b.id]
    assert store.list_cases(areas=(A,)) == []
    # A unit asked in A only finds no case of B, though B asked a unit of the same name.
    _act(store, both, A, "false_info")
    case_a = store.open_case(f"cluster:{both}", "Lan", NOW, area=A)
    assert {c.id for c in store.list_cases(unit="Công an")} == {case_a.id, case_b.id}
    assert [c.id for c in store.list_cases(unit="Công an", areas=(A,))] == [case_a.id]


def test_search_keeps_the_stories_of_some_areas(store: Store) -> None:
    a, b, _ = save_tagged(store, [("a", ()), ("b", ()), ("none", ())], {"a": (A,), "b": (B,)})
    store.index_articles()
    article = {c: store.story_article(c) for c in (a, b)}

    def hits(areas: tuple[str, ...] | None) -> set[int]:
        page = store.search_articles("noi dung", areas=areas)
        assert page.total == len(page.hits)
        return {h.article_id for h in page.hits}

    assert len(hits(None)) == 3
    assert hits((A,)) == {article[a]}
    assert hits((A, B)) == {article[a], article[b]}
    assert hits(()) == set()  # an unknown area filter (the console's `scope`)
