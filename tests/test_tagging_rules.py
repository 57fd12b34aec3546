"""Watch rules in the tag pass: `area` rules only on texts about the area, `anywhere` rules on
any text (which then concerns the area), one message per story and chat naming the rules,
backfill recorded but never alerted, console rules read at each pass."""

from __future__ import annotations

import json
from dataclasses import replace

from duluan.config import DEFAULT_AREA, Config, parse_config
from duluan.tagging import RULE_HIT, area_taggings, tag_article
from storage.records import Corrected
from storage.rules import RuleDraft, StoredRule
from tests.kit.areas import DAK_MAR, DAK_PXI, areas_yaml
from tests.kit.console import LAND_UNIT, NOW, PXI_UNIT, tagger
from tests.kit.rules import (
    CHAIRMAN,
    LOCAL,
    NATIONAL,
    RULE_CHAT,
    article,
    chairman_rule,
    rules_config,
    rules_yaml,
)

REVIEW, PXI_CHAT, LAND_CHAT = "-1009", "-1001", "-1002"
MARK = "Quy tắc theo dõi: Chủ tịch xã"


def test_an_area_rule_hit_alerts_its_chat_and_names_the_rule_in_every_message() -> None:
    config = rules_config(chairman_rule())
    tagged = tag_article(tagger(config), article(*LOCAL), NOW, "1", config)
    assert tagged.record.relevant
    (hit,) = tagged.record.rules
    assert (hit.rule, hit.area) == ("Chủ tịch xã", DEFAULT_AREA)
    assert [(f, w) for f, _, _, w in hit.spans] == [("text", CHAIRMAN)]
    _, start, end, words = hit.spans[0]
    assert f"{LOCAL[0]}\n{LOCAL[1]}"[start:end] == words  # title, lead and body
    sent = {a.chat: a.text for a in tagged.alerts}
    assert sorted(sent) == sorted([REVIEW, PXI_CHAT, RULE_CHAT])
    assert all(MARK in text for text in sent.values())


def test_an_area_rule_ignores_a_text_not_about_the_area() -> None:
    config = rules_config(chairman_rule())
    tagged = tag_article(tagger(config), article(*NATIONAL), NOW, "1", config)
    assert not tagged.record.relevant
    assert tagged.record.rules == ()
    assert tagged.alerts == ()


def test_an_anywhere_rule_makes_a_national_story_concern_the_area() -> None:
    config = rules_config(chairman_rule(scope="anywhere"))
    tagged = tag_article(tagger(config), article(*NATIONAL), NOW, "1", config)
    assert tagged.record.relevant
    assert tagged.record.areas == (DEFAULT_AREA,)
    assert RULE_HIT.format("Chủ tịch xã") in tagged.record.reasons
    sent = {a.chat: a.text for a in tagged.alerts}
    assert sorted(sent) == sorted([REVIEW, RULE_CHAT])
    # No place to quote: the words the rule found are.
    assert f"<b>{CHAIRMAN}</b>" in sent[RULE_CHAT]
    assert MARK in sent[REVIEW]


def test_a_chat_that_gets_the_area_alert_gets_one_message_naming_the_rules() -> None:
    config = rules_config(
        chairman_rule(chats=[REVIEW, PXI_CHAT]),
        chairman_rule(name="Rừng", query="rừng", chats=[REVIEW]),
    )
    tagged = tag_article(tagger(config), article(*LOCAL), NOW, "1", config)
    chats = [a.chat for a in tagged.alerts]
    assert sorted(chats) == sorted([REVIEW, PXI_CHAT])
    review = next(a.text for a in tagged.alerts if a.chat == REVIEW)
    assert "Quy tắc theo dõi: Chủ tịch xã, Rừng" in review


def test_a_rule_alerts_its_units_chats() -> None:
    config = rules_config(chairman_rule(chats=[], units=[LAND_UNIT]))
    tagged = tag_article(tagger(config), article(*LOCAL), NOW, "1", config)
    assert LAND_CHAT in {a.chat for a in tagged.alerts}


def test_a_rule_with_no_chats_nor_units_reaches_the_review_group_only() -> None:
    config = rules_config(chairman_rule(chats=[], scope="anywhere"))
    tagged = tag_article(tagger(config), article(*NATIONAL), NOW, "1", config)
    assert [a.chat for a in tagged.alerts] == [REVIEW]


def test_backfill_is_recorded_but_never_alerted() -> None:
    config = rules_config(chairman_rule(scope="anywhere"))
    tagged = tag_article(tagger(config), article(*NATIONAL, backfill=True), NOW, "1", config)
    assert [h.rule for h in tagged.record.rules] == ["Chủ tịch xã"]
    assert tagged.alerts == ()


def test_no_rule_hit_leaves_the_alerts_as_before() -> None:
    config = rules_config(chairman_rule(query='"Trần Văn B"'))
    with_rules = tag_article(tagger(config), article(*LOCAL), NOW, "1", config)
    assert with_rules.record.rules == ()
    assert all("Quy tắc theo dõi" not in a.text for a in with_rules.alerts)
    assert {a.chat for a in with_rules.alerts} == {REVIEW, PXI_CHAT}


def stored(rule_id: int, draft: RuleDraft, enabled: bool = True) -> StoredRule:
    return StoredRule(
        rule_id,
        draft.name,
        draft.query,
        draft.scope,
        draft.chats,
        draft.units,
        draft.area,
        enabled,
        "quantri",
        NOW,
        NOW,
    )


def test_console_rules_join_the_pass_when_enabled() -> None:
    config = rules_config(chairman_rule(query='"Trần Văn B"'))
    on = stored(1, RuleDraft("Chủ tịch (bảng điều khiển)", f'"{CHAIRMAN}"', "anywhere", ("-600",)))
    off = stored(2, RuleDraft("Tắt", "Hà Nội", "anywhere", ("-700",)), enabled=False)
    other = stored(3, RuleDraft("Địa bàn khác", "Hà Nội", "anywhere", ("-800",), area="khac"))
    areas = area_taggings(config, [on, off, other])
    tagged = tag_article(tagger(config), article(*NATIONAL), NOW, "1", config, None, areas)
    assert [h.rule for h in tagged.record.rules] == ["Chủ tịch (bảng điều khiển)"]
    assert "-600" in {a.chat for a in tagged.alerts}
    assert not {"-700", "-800"} & {a.chat for a in tagged.alerts}


def test_a_console_rule_named_like_a_config_rule_gives_way() -> None:
    config = rules_config(chairman_rule())
    clash = stored(1, RuleDraft("Chủ tịch xã", "rừng", "area", ("-600",)))
    (area,) = area_taggings(config, [clash])
    assert area.rules is not None
    assert area.rules.rules["Chủ tịch xã"].id is None


def test_a_stored_query_the_language_refuses_is_skipped_not_fatal() -> None:
    config = rules_config(chairman_rule())
    broken = stored(1, RuleDraft("Hỏng", '"không đóng', "anywhere", ("-600",)))
    (area,) = area_taggings(config, [broken])
    assert area.rules is not None and set(area.rules.rules) == {"Chủ tịch xã"}
    tagged = tag_article(tagger(config), article(*LOCAL), NOW, "1", config, None, [area])
    assert "-600" not in {a.chat for a in tagged.alerts}


def test_a_correction_outside_the_area_wins_over_an_anywhere_rule() -> None:
    config = rules_config(chairman_rule(scope="anywhere"))
    item = replace(article(*NATIONAL), corrected=Corrected(places=((DEFAULT_AREA, ""),)))
    tagged = tag_article(tagger(config), item, NOW, "1", config)
    assert not tagged.record.relevant
    assert tagged.alerts == ()


def two_areas(top_rule: dict[str, object], own_rule: dict[str, object]) -> Config:
    def area(name: str, place: str, chat: int, **extra: object) -> dict[str, object]:
        unit = {"name": f"Công an {name}", "chat": str(chat - 10), "communes": [place]}
        return {"name": name, "title": name, "places": [place], "review": {"chat": str(chat)},
                "units": [unit], **extra}  # fmt: skip

    text = areas_yaml(
        [area("dak-pxi", DAK_PXI, -101, rules=[own_rule]), area("dak-mar", DAK_MAR, -102)],
        top="rules:\n  - " + json.dumps(top_rule, ensure_ascii=False) + "\n",
    )
    return parse_config(text, "t.yaml", {}).config


def test_with_areas_a_top_level_rule_hits_in_each_area_and_an_own_rule_in_its_own() -> None:
    config = two_areas(
        chairman_rule(scope="anywhere", chats=[], units=["Công an dak-mar"]),
        {"name": "Riêng", "query": "chuyển đổi số", "scope": "anywhere", "chats": ["-900"]},
    )
    areas = area_taggings(config)
    assert areas[0].rules is not None and areas[1].rules is not None
    assert areas[0].rules.ruleset is areas[1].rules.ruleset  # one rule set per pass
    tagged = tag_article(tagger(config), article(*NATIONAL), NOW, "1", config, None, areas)
    assert tagged.record.areas == ("dak-pxi", "dak-mar")
    hits = sorted((h.area, h.rule) for h in tagged.record.rules)
    assert hits == [("dak-mar", "Chủ tịch xã"), ("dak-pxi", "Chủ tịch xã"), ("dak-pxi", "Riêng")]
    sent = {a.chat: a.text for a in tagged.alerts}
    assert sorted(sent) == ["-101", "-102", "-112", "-900"]
    assert "Quy tắc theo dõi: Chủ tịch xã, Riêng" in sent["-900"]
    assert "Quy tắc theo dõi: Chủ tịch xã" in sent["-112"]


def test_markup_in_a_rule_name_stays_text_in_the_alert() -> None:
    config = rules_config(chairman_rule(name='<a href="x">Chủ tịch</a> & <b>'))
    tagged = tag_article(tagger(config), article(*LOCAL), NOW, "1", config)
    text = next(a.text for a in tagged.alerts if a.chat == RULE_CHAT)
    assert (
        "Quy tắc theo dõi: &lt;a href=&quot;x&quot;&gt;Chủ tịch&lt;/a&gt; &amp; &lt;b&gt;" in text
    )


def zalo_config(*rules: dict[str, object]) -> Config:
    """`rules_config` with Zalo chats for the review group and the Đăk Pxi unit."""
    text = rules_yaml(*rules)
    text = text.replace('review: {chat: "-1009",', 'review: {chat: "-1009", zalo: z-review,')
    text = text.replace('chat: "-1001",', 'chat: "-1001", zalo: z-pxi,')
    return parse_config(text, "t.yaml", {}).config


def test_zalo_chats_get_the_alert_beside_telegram_one_message_per_chat_naming_the_rules() -> None:
    config = zalo_config(
        chairman_rule(zalo_chats=["z-review", "z-rule"]),
        chairman_rule(name="Rừng", query="rừng", chats=[], zalo_chats=["z-review", "z-pxi"]),
    )
    tagged = tag_article(tagger(config), article(*LOCAL), NOW, "1", config)
    rows = sorted((a.messenger, a.chat, a.kind) for a in tagged.alerts)
    assert rows == [
        ("telegram", PXI_CHAT, "alert"),
        ("telegram", REVIEW, "alert"),
        ("telegram", RULE_CHAT, "alert"),
        ("zalo", "z-pxi", "alert"),
        ("zalo", "z-review", "alert"),
        ("zalo", "z-rule", "alert"),
    ]
    by = {(a.messenger, a.chat): a for a in tagged.alerts}
    # The text stays Telegram's HTML (the Zalo sender makes it plain), the same on both.
    assert by["zalo", "z-review"].text == by["telegram", REVIEW].text
    assert "Quy tắc theo dõi: Chủ tịch xã, Rừng" in by["zalo", "z-review"].text
    assert by["zalo", "z-pxi"].topic is None
    assert len({a.story for a in tagged.alerts}) == 1


def test_a_rule_with_only_zalo_chats_alerts_them_and_its_units_zalo_chats() -> None:
    config = zalo_config(
        chairman_rule(scope="anywhere", chats=[], zalo_chats=["z-rule"], units=[PXI_UNIT])
    )
    tagged = tag_article(tagger(config), article(*NATIONAL), NOW, "1", config)
    rows = sorted((a.messenger, a.chat) for a in tagged.alerts)
    assert rows == [
        ("telegram", PXI_CHAT),
        ("telegram", REVIEW),
        ("zalo", "z-pxi"),
        ("zalo", "z-review"),
        ("zalo", "z-rule"),
    ]


def test_no_zalo_id_queues_nothing_for_zalo() -> None:
    config = rules_config(chairman_rule(units=[LAND_UNIT]))
    tagged = tag_article(tagger(config), article(*LOCAL), NOW, "1", config)
    assert tagged.alerts and {a.messenger for a in tagged.alerts} == {"telegram"}
