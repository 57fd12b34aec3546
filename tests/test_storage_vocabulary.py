"""The shared vocabulary: story keys round-trip, and every status the store can hold has a label
for every audience."""

from __future__ import annotations

import pytest

from storage import vocabulary as v


@pytest.mark.parametrize("cluster", [1, 42, 2**31 - 1])
def test_story_keys_round_trip(cluster: int) -> None:
    assert v.story_key(cluster) == f"cluster:{cluster}"
    assert v.story_cluster(v.story_key(cluster)) == cluster


@pytest.mark.parametrize(
    "story",
    ["edit:cluster:4:9", "digest:2026-W48", "cluster:", "cluster:4x", "cluster:0",
     f"cluster:{2**31}", "cluster:99999999999999999999999"],
)  # fmt: skip
def test_other_keys_are_no_story(story: str) -> None:
    assert v.story_cluster(story) is None


def test_every_status_has_a_label_per_audience() -> None:
    assert v.REPORT_STATUS_LABELS.keys() == v.STATUS_LABELS.keys()
    assert v.ASSIGNMENT_TITLES.keys() == v.ASSIGNMENT_LABELS.keys()
    assert v.OUTBOX_CLI_LABELS.keys() == v.OUTBOX_LABELS.keys()
    assert set(v.TONE_LABELS) == set(v.TONES)
    # The wording differs on purpose where the audience does.
    assert v.REPORT_STATUS_LABELS["true"] != v.STATUS_LABELS["true"]
    assert v.ASSIGNMENT_TITLES["open"] == "Chưa trả lời" != v.ASSIGNMENT_LABELS["open"]


def test_no_module_spells_a_story_key_by_hand() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    spelled = [
        str(path.relative_to(root))
        for package in (
            "alerts",
            "cases",
            "crawler",
            "digest",
            "duluan",
            "nlp",
            "review",
            "storage",
        )
        for path in (root / package).rglob("*.py")
        if path.name != "vocabulary.py" and 'f"cluster:' in path.read_text(encoding="utf-8")
    ]
    assert spelled == []
