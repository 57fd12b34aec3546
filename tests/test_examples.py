"""The shipped example `examples/quang-ngai.yaml`: a provincial deployment whose 40 areas are the
new communes and wards of former Kon Tum, checked by `duluan config check` as a user runs it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from duluan.cli import main
from duluan.config import load_config
from duluan.locality import area_places
from duluan.pipeline import TAGGER_VERSION, locator_for
from duluan.tagging import area_taggings, tag_article
from nlp.area import mapping_data, union
from storage import ArticleText

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "quang-ngai.yaml"
PROVINCE, FORMER = "Tỉnh Quảng Ngãi", "Tỉnh Kon Tum"


def env_names(node: Any) -> set[str]:
    """Every variable the example's `env:NAME` values name (comments aside)."""
    if isinstance(node, dict):
        return set().union(*(env_names(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(env_names(v) for v in node))
    if isinstance(node, str) and node.startswith("env:"):
        return {node.removeprefix("env:")}
    return set()


VARIABLES = sorted(env_names(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))))


def chats() -> dict[str, str]:
    """A distinct Telegram chat id for every variable of the example."""
    return {name: f"-100{7000 + i}" for i, name in enumerate(VARIABLES)}


@pytest.fixture
def deployment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The process environment of a deployment running the example, with a bot token (so a
    missing chat variable is an error, not a warning) and every chat variable set."""
    for name in ("TELEGRAM_BOT_TOKEN", "DULUAN_NOW", *VARIABLES):
        monkeypatch.delenv(name, raising=False)
    env = {
        "DULUAN_CONFIG": str(EXAMPLE),
        "DULUAN_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "TELEGRAM_BOT_TOKEN": "123456:" + "A" * 35,
        **chats(),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    return env


def test_config_check_accepts_the_example_with_its_40_areas(
    deployment: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "check"]) == 0
    out = capsys.readouterr().out
    assert "# Cấu hình hợp lệ: 26 nguồn (24 đang bật), 40 địa bàn theo dõi, 80 đơn vị" in out
    assert "-1007000" not in out  # chat ids read from env: are masked


def test_the_areas_are_the_new_units_of_former_kon_tum_one_each(
    deployment: dict[str, str],
) -> None:
    config = load_config(EXAMPLE, deployment).config
    resolved = area_places(config)
    rows = mapping_data()["ward_mapping"]
    former = [r for r in rows if r["old_province"] == FORMER]
    expected_units = {(r["new_province"], r["new_ward"]) for r in former}
    assert len(resolved) == len(expected_units) == 40
    # One new unit per area, each written as the mapping names it and titled after it.
    for area, place in resolved:
        ((province, name),) = place.new_communes
        assert province == PROVINCE and area.places[0].split(",")[0] == name
        assert area.title == f"UBND {name[:1].lower()}{name[1:]}"
        assert area.review.chat == area.report.chat == deployment[f"CHAT_{_env(area.name)}"]
    assert {u for _, p in resolved for u in p.new_communes} == expected_units
    # Together exactly the former Kon Tum part of the province, each row in one area only.
    whole = union([p for _, p in resolved])
    assert sum(len(p.rows) for _, p in resolved) == len(whole.rows)
    assert whole.old_communes == {
        (r["old_province"], r["old_district"], r["old_ward"]) for r in former
    }
    assert whole.provinces == (FORMER,) and whole.new_provinces == (PROVINCE,)
    assert whole.whole_provinces == {FORMER} and not whole.whole_new_provinces


def test_an_old_name_reaches_the_area_of_the_new_unit(deployment: dict[str, str]) -> None:
    """As the example's header says: the old xã Đăk Long of huyện Đăk Hà is now part of xã Đăk
    Pxi, while the new xã Đăk Long (of old Đắk Glei) is another area; each area's units get
    the stories of their fields (forests: the economy office; theft: the police)."""
    config = load_config(EXAMPLE, deployment).config
    locator, areas = locator_for(config), area_taggings(config)
    now = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
    found = {}
    for i, text in enumerate(
        (
            "Người dân xã Đăk Long, huyện Đăk Hà phản ánh việc phá rừng.",
            "Tại xã Đăk Long, tỉnh Quảng Ngãi, xảy ra vụ trộm cắp tài sản.",
        )
    ):
        article = ArticleText(i + 1, "baoquangngai", "Tin địa phương", text, "", now)
        tagged = tag_article(locator, article, now, TAGGER_VERSION, config, None, areas)
        found[tagged.record.areas] = {a.chat for a in tagged.alerts}
    assert found == {
        ("dak-pxi",): {deployment["CHAT_DAK_PXI"], deployment["CHAT_KINH_TE_DAK_PXI"]},  # rừng
        ("dak-long",): {deployment["CHAT_DAK_LONG"], deployment["CHAT_CONG_AN_DAK_LONG"]},
    }


def test_the_example_reads_the_shipped_sources(deployment: dict[str, str]) -> None:
    example = load_config(EXAMPLE, deployment).config
    shipped = load_config(ROOT / "config.yaml", {}).config
    assert [s.name for s in example.sources] == [s.name for s in shipped.sources]
    assert all(s == shipped.source(s.name) for s in example.sources)


def test_a_missing_chat_variable_is_named_in_vietnamese(
    deployment: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("CHAT_DAK_PXI")
    assert main(["config", "check"]) == 2
    err = capsys.readouterr().err
    index = next(i for i, (a, _) in enumerate(_areas(deployment)) if a == "dak-pxi")
    assert (
        f"areas[{index}].review.chat: biến môi trường CHAT_DAK_PXI chưa được đặt / "
        "environment variable CHAT_DAK_PXI is not set"
    ) in err
    # Without a bot token the same gap is only a warning: alerts go to the console.
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    assert main(["config", "check"]) == 0


def _env(name: str) -> str:
    return re.sub(r"[^A-Z0-9]", "_", name.upper())


def _areas(env: dict[str, str]) -> list[tuple[str, str]]:
    return [(a.name, a.title) for a in load_config(EXAMPLE, env).config.watch_areas()]
