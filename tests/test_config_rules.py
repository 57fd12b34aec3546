"""Watch rules in config.yaml: checked queries (a bad one names its rule and position, exit 2),
unique names, known units, chats from `env:`, and per-area rules added to the top level's."""

from __future__ import annotations

from pathlib import Path

import pytest

from duluan.cli import main
from duluan.config import ConfigError, parse_config
from nlp.query import QueryError, parse
from tests.kit.areas import DAK_MAR, DAK_PXI, areas_yaml
from tests.kit.console import LAND_UNIT, PXI_UNIT
from tests.kit.rules import CHAIRMAN, chairman_rule, rules_config, rules_yaml

BAD = '"không đóng'


def problems(text: str, environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "t.yaml", environ or {})
    return caught.value.problems


def position(query: str) -> int:
    with pytest.raises(QueryError) as caught:
        parse(query)
    return caught.value.position + 1


def test_rules_load_with_their_defaults() -> None:
    config = rules_config(chairman_rule(), {"name": "Rừng", "query": "rừng", "units": [LAND_UNIT]})
    first, second = config.watch_areas()[0].rules
    assert (first.name, first.query, first.scope, first.chats) == (
        "Chủ tịch xã",
        f'"{CHAIRMAN}"',
        "area",
        ["-500"],
    )
    assert (second.scope, second.chats, second.units) == ("area", [], [LAND_UNIT])


def test_a_bad_query_names_the_rule_and_the_position() -> None:
    (message,) = problems(rules_yaml(chairman_rule(query=BAD)))
    assert message.startswith("rules[0].query: quy tắc 'Chủ tịch xã': truy vấn sai ở vị trí ")
    assert f"vị trí {position(BAD)}:" in message
    assert f"bad query at position {position(BAD)}" in message


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"name": "", "query": "a"}, "rules[0].name"),
        ({"name": "   ", "query": "a"}, "tên quy tắc trống"),
        ({"name": "x"}, "rules[0].query: thiếu khóa bắt buộc"),
        ({"name": "x", "query": "a", "scope": "world"}, "rules[0].scope"),
        ({"name": "x", "query": "a", "units": ["Không có"]}, "nêu đơn vị không có"),
        ({"name": "x", "query": "a" * 3000}, "rules[0].query"),
        ({"name": "x", "query": "a", "extra": 1}, "rules[0].extra"),
    ],
)
def test_hostile_rules_are_one_clear_problem(rule: dict[str, object], expected: str) -> None:
    (message,) = problems(rules_yaml(rule))
    assert expected in message


def test_rule_names_are_unique() -> None:
    (message,) = problems(rules_yaml(chairman_rule(), chairman_rule(query="rừng")))
    assert "tên quy tắc 'Chủ tịch xã' bị trùng" in message


def test_rule_chats_come_from_the_environment() -> None:
    text = rules_yaml(chairman_rule(chats=["env:CHU_TICH_CHAT", -100123]))
    config = parse_config(text, "t.yaml", {"CHU_TICH_CHAT": "-42"}).config
    assert config.rules[0].chats == ["-42", "-100123"]
    (message,) = problems(text, {"TELEGRAM_BOT_TOKEN": "1:x"})
    assert message.startswith("rules[0].chats[0]: biến môi trường CHU_TICH_CHAT chưa được đặt")
    loaded = parse_config(text, "t.yaml", {})  # no bot: alerts on the console, a warning
    assert loaded.config.rules[0].chats == ["-100123"]
    assert any("CHU_TICH_CHAT" in w for w in loaded.warnings)


def area(name: str, place: str, unit: str, **extra: object) -> dict[str, object]:
    return {
        "name": name,
        "title": name,
        "places": [place],
        "review": {"chat": f"-{len(name)}{ord(name[-1])}"},
        "units": [{"name": unit, "chat": "-7"}],
        **extra,
    }


def test_an_areas_rules_add_to_the_top_levels() -> None:
    own = {"name": "Riêng", "query": "rừng", "units": ["Công an Pxi"]}
    text = areas_yaml(
        [
            area("dak-pxi", DAK_PXI, "Công an Pxi", rules=[own]),
            area("dak-mar", DAK_MAR, "Công an Mar"),
        ],
        top='rules: [{name: Chung, query: "lũ", units: ["Công an Mar"]}]\n',
    )
    pxi, mar = parse_config(text, "t.yaml", {}).config.watch_areas()
    assert [r.name for r in pxi.rules] == ["Chung", "Riêng"]
    assert [r.name for r in mar.rules] == ["Chung"]


def test_an_areas_own_rule_names_its_own_units() -> None:
    own = {"name": "Riêng", "query": "rừng", "units": ["Công an Mar"]}
    text = areas_yaml(
        [
            area("dak-pxi", DAK_PXI, "Công an Pxi", rules=[own]),
            area("dak-mar", DAK_MAR, "Công an Mar"),
        ]
    )
    (message,) = problems(text)
    assert "areas[0]: quy tắc 'Riêng' nêu đơn vị không có trong địa bàn 'dak-pxi'" in message


def test_an_areas_rule_may_not_reuse_a_top_level_name() -> None:
    text = areas_yaml(
        [area("dak-pxi", DAK_PXI, "Công an Pxi", rules=[{"name": "Chung", "query": "a"}])],
        top='rules: [{name: Chung, query: "lũ"}]\n',
    )
    (message,) = problems(text)
    assert "tên quy tắc 'Chung' bị trùng trong địa bàn 'dak-pxi'" in message


def test_config_check_exits_2_on_a_bad_query(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "config.yaml").write_text(
        rules_yaml(chairman_rule(query=BAD, units=[PXI_UNIT])), encoding="utf-8"
    )
    monkeypatch.setenv("DULUAN_CONFIG", str(tmp_path / "config.yaml"))
    monkeypatch.setenv("DULUAN_DATABASE_URL", f"sqlite:///{tmp_path}/db.sqlite3")
    assert main(["config", "check"]) == 2
    assert f"truy vấn sai ở vị trí {position(BAD)}" in capsys.readouterr().err
