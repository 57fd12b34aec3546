"""Several watch areas tagged at once: one locator over their union, per area whether an
article concerns it (stored in `article_areas`), and each concerned area's alerts in its own
chats, one message per story and chat."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from duluan.config import DEFAULT_AREA, Config, ConfigError, parse_config
from duluan.pipeline import locator_for, tag_pending
from duluan.tagging import NO_AREA, area_taggings, tag_article
from storage import ArticleText, Store
from tests.kit.areas import DAK_MAR, DAK_PXI, SOURCES, areas_yaml
from tests.kit.articles import record

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
BOTH = (
    "Sạt lở ở xã Đăk Pxi và xã Đăk Mar",
    "Mưa lớn gây sạt lở nghiêm trọng ở xã Đăk Pxi và xã Đăk Mar, tỉnh Quảng Ngãi, nhiều nhà bị"
    " sập, người dân bức xúc.",
)
PXI = ("Sạt lở ở xã Đăk Pxi", "Mưa lớn gây sạt lở ở xã Đăk Pxi, tỉnh Quảng Ngãi.")
GOLD = ("Giá vàng tăng", "Giá vàng tăng mạnh.")

AREA_A = {
    "name": "dak-pxi",
    "title": "UBND xã Đăk Pxi",
    "places": [DAK_PXI],
    "review": {"chat": "-101", "leadership_chat": "-131"},
    "units": [{"name": "Công an xã Đăk Pxi", "chat": "-111", "communes": ["Xã Đăk Pxi"]}],
}
AREA_B = {
    "name": "dak-mar",
    "title": "UBND xã Đăk Mar",
    "places": [DAK_MAR],
    "review": {"chat": "-102"},
    "units": [
        {"name": "Công an xã Đăk Mar", "chat": "-112", "communes": ["Xã Đăk Mar"]},
        {"name": "Phòng Nông nghiệp", "chat": "-122", "topics": ["du lịch"]},
    ],
    "extra_topics": {"du lịch": ["homestay"]},
}


def config_of(*areas: dict[str, object], top: str = "") -> Config:
    return parse_config(areas_yaml(list(areas), top=top), "t.yaml", {}).config


def article(ident: int, title: str, lead: str) -> ArticleText:
    fresh = NOW - timedelta(hours=1)
    return ArticleText(
        ident, "x", title, lead, "", fresh, f"https://x.vn/{ident}", "X", fresh, False, ident
    )


def chats(config: Config, title: str, lead: str) -> tuple[tuple[str, ...], list[str]]:
    tagged = tag_article(locator_for(config), article(1, title, lead), NOW, "1", config)
    assert len({(a.chat, a.topic) for a in tagged.alerts}) == len(tagged.alerts)
    assert {a.story for a in tagged.alerts} <= {"cluster:1"}
    return tagged.record.areas, sorted(a.chat for a in tagged.alerts)


def test_a_story_about_two_areas_alerts_both_in_their_own_chats() -> None:
    config = config_of(AREA_A, AREA_B)
    areas, sent = chats(config, *BOTH)
    assert areas == ("dak-pxi", "dak-mar")
    assert sent == ["-101", "-102", "-111", "-112", "-131"]


def test_a_story_about_one_area_alerts_only_that_area() -> None:
    config = config_of(AREA_A, AREA_B)
    assert chats(config, *PXI) == (("dak-pxi",), ["-101", "-111", "-131"])
    assert chats(config, *GOLD) == ((), [])


def test_a_story_about_the_areas_together_but_none_alone_is_not_relevant() -> None:
    # Huyện Đăk Hà (old) lies wholly in the two areas' union only if they cover it; here a
    # third area makes the old district whole, and a story naming only it concerns no commune.
    dak_ha = ["Xã Đăk Hà, Tỉnh Quảng Ngãi", "Xã Đăk Ui", "Xã Ngọk Réo"]
    config = config_of(
        AREA_A,
        AREA_B,
        {
            "name": "con-lai",
            "title": "Các xã còn lại",
            "places": dak_ha,
            "review": {"chat": "-103"},
        },
    )
    title, lead = "Sạt lở ở huyện Đăk Hà", "Mưa lớn gây sạt lở ở huyện Đăk Hà, tỉnh Kon Tum."
    locator = locator_for(config)
    assert locator.read(f"{title}\n{lead}").relevant  # the union holds the old district
    tagged = tag_article(locator, article(1, title, lead), NOW, "1", config)
    assert (tagged.record.relevant, tagged.record.areas, tagged.alerts) == (False, (), ())
    assert NO_AREA in tagged.record.reasons
    # One area is judged as before.
    one = config_of({**AREA_A, "places": [DAK_PXI, DAK_MAR, *dak_ha]})
    assert tag_article(locator_for(one), article(1, title, lead), NOW, "1", one).record.relevant


def test_an_area_routes_by_its_own_topics() -> None:
    config = config_of(AREA_A, AREA_B)
    title, lead = BOTH
    _, sent = chats(config, title, lead + " Nhiều homestay bị hư hại.")
    assert "-122" in sent  # du lịch is a topic of dak-mar only
    _, sent = chats(config, PXI[0], PXI[1] + " Nhiều homestay bị hư hại.")
    assert "-122" not in sent


def test_areas_sharing_a_chat_send_one_message_there() -> None:
    police = {"name": "Công an huyện", "chat": "-100", "communes": ["Xã Đăk Pxi", "Xã Đăk Mar"]}
    shared_a = {**AREA_A, "units": [police]}
    shared_b = {**AREA_B, "units": [police]}
    areas, sent = chats(config_of(shared_a, shared_b), *BOTH)
    assert areas == ("dak-pxi", "dak-mar")
    assert sent == ["-100", "-101", "-102", "-131"]


def test_two_areas_may_not_share_a_review_chat() -> None:
    with pytest.raises(ConfigError) as caught:
        config_of({**AREA_A, "review": {}}, {**AREA_B, "review": {}}, top="review: {chat: '-9'}\n")
    (message,) = caught.value.problems
    assert "areas[1]: địa bàn 'dak-mar' dùng chung nhóm rà soát với địa bàn 'dak-pxi'" in message


def test_per_area_scores_come_from_one_reading() -> None:
    config = config_of(AREA_A, AREA_B)
    locator = locator_for(config)
    a, b = area_taggings(config)
    both = locator.read("\n".join(BOTH))
    assert both.concerns(a.place) and both.concerns(b.place)
    assert both.score_in(a.place) <= both.score
    one = locator.read("\n".join(PXI))
    assert one.concerns(a.place) and not one.concerns(b.place)
    assert one.score_in(b.place) == 0.0
    assert "areas" not in one.as_json()  # the locate contract is unchanged


def test_one_area_is_the_whole_tagged_area() -> None:
    config = parse_config(
        "locality: {province: Tỉnh Kon Tum, district: Huyện Đăk Hà}\n" + SOURCES, "t.yaml", {}
    ).config
    locator = locator_for(config)
    ((each),) = area_taggings(config)
    for title, lead in (BOTH, PXI, GOLD):
        located = locator.read(f"{title}\n{lead}")
        assert located.score_in(each.place) == located.score
        tagged = tag_article(locator, article(1, title, lead), NOW, "1", config)
        assert tagged.record.areas == ((DEFAULT_AREA,) if located.relevant else ())


@pytest.mark.parametrize("retag", [False, True])
def test_the_areas_are_stored_with_the_tags(store: Store, retag: bool) -> None:
    config = config_of(AREA_A, AREA_B)
    store.sync_sources([("x", "X")])
    fresh = NOW - timedelta(hours=1)
    for ident, (title, lead) in enumerate((BOTH, PXI, GOLD), start=1):
        store.save_article(
            replace(
                record(ident, published_at=fresh, fetched_at=fresh),
                title=title,
                lead=lead,
                text="",
            )
        )
    tag_pending(store, config, lambda: NOW, console=False)
    if retag:
        only_b = config_of({**AREA_B, "places": [DAK_PXI, DAK_MAR]})
        tag_pending(store, only_b, lambda: NOW, retag=True, console=False)
        expected = [("dak-mar",), ("dak-mar",), ()]
    else:
        expected = [("dak-mar", "dak-pxi"), ("dak-pxi",), ()]
    stored = [store.get_tags(i) for i in (1, 2, 3)]
    assert [t.areas if t else None for t in stored] == expected


def duluan(
    tmp_path: Path, config: str, *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "c.yaml"
    path.write_text(config, encoding="utf-8")
    env = {
        "PATH": "/usr/bin:/bin",
        "DULUAN_CONFIG": str(path),
        "DULUAN_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
    }
    return subprocess.run(
        [sys.executable, "-m", "duluan", *args],
        input=stdin, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
    )  # fmt: skip


def test_locate_says_which_areas_a_text_concerns(tmp_path: Path) -> None:
    lines = "\n".join(
        json.dumps({"id": i, "text": f"{t}\n{lead}"}, ensure_ascii=False)
        for i, (t, lead) in enumerate((BOTH, PXI, GOLD))
    )
    done = duluan(tmp_path, areas_yaml([AREA_A, AREA_B]), "locate", "--jsonl", stdin=lines)
    assert done.returncode == 0, done.stderr
    found = [json.loads(line) for line in done.stdout.splitlines()]
    assert [f["areas"] for f in found] == [["dak-pxi", "dak-mar"], ["dak-pxi"], []]


def test_config_check_names_the_wrong_place_of_an_area(tmp_path: Path) -> None:
    wrong = {**AREA_B, "places": [DAK_MAR, "Xã Đăk Pxy"]}
    done = duluan(tmp_path, areas_yaml([AREA_A, wrong]), "config", "check")
    assert done.returncode == 2
    assert "areas[1].places[1]: không tìm thấy 'Xã Đăk Pxy'" in done.stderr
