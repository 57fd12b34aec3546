"""Watch rules in the store, on SQLite and PostgreSQL: the console's rules (add, edit, enable,
delete) and the hits the tag pass records with its tags, replaced on a retag, alerting once per
story and chat; a rule made between two passes works from the next one."""

from __future__ import annotations

from duluan.pipeline import tag_pending
from storage import Store
from storage.rules import RuleDraft
from tests.kit.articles import record
from tests.kit.console import NOW, Clock, tagger
from tests.kit.rules import CHAIRMAN, LOCAL, NATIONAL, RULE_CHAT, chairman_rule, rules_config


def test_console_rules_are_added_edited_enabled_and_deleted(store: Store) -> None:
    draft = RuleDraft("Chủ tịch", f'"{CHAIRMAN}"', "anywhere", ("-500", "@kenh_xa"), ("Phòng",))
    rule_id = store.add_watch_rule(draft, "quantri", NOW)
    (rule,) = store.watch_rules()
    assert (rule.id, rule.name, rule.query, rule.scope) == (
        rule_id,
        "Chủ tịch",
        f'"{CHAIRMAN}"',
        "anywhere",
    )
    assert (rule.chats, rule.units, rule.area, rule.enabled) == (
        draft.chats,
        ("Phòng",),
        None,
        True,
    )
    assert rule.created_at == NOW and rule.created_by == "quantri"
    edited = RuleDraft("Chủ tịch xã", "rừng", "area", (), (), "dak-pxi")
    assert store.update_watch_rule(rule_id, edited, NOW)
    got = store.watch_rule(rule_id)
    assert got is not None and (got.name, got.query, got.scope, got.area) == (
        "Chủ tịch xã",
        "rừng",
        "area",
        "dak-pxi",
    )
    assert store.set_watch_rule_enabled(rule_id, False, NOW)
    assert store.watch_rules(enabled_only=True) == []
    assert [r.id for r in store.watch_rules()] == [rule_id]
    assert store.delete_watch_rule(rule_id)
    assert store.watch_rules() == [] and store.watch_rule(rule_id) is None
    assert not store.delete_watch_rule(rule_id)
    assert not store.update_watch_rule(rule_id, edited, NOW)
    assert not store.set_watch_rule_enabled(rule_id, True, NOW)


def _articles(store: Store) -> list[int]:
    store.sync_sources([("baoquangngai", "Báo Quảng Ngãi")])
    return [
        store.save_article(record(n, title=title, lead="", text=text)).article_id
        for n, (title, text) in enumerate([LOCAL, NATIONAL], start=1)
    ]


def _pending_chats(store: Store) -> list[str]:
    return sorted(item.chat for item in store.due_outbox(NOW, limit=100))


def test_a_pass_records_hits_with_the_tags_and_alerts_once_per_story(store: Store) -> None:
    config = rules_config(chairman_rule())
    local, national = _articles(store)
    first = tag_pending(store, config, Clock(), locator=tagger(config), console=False)
    assert first.tagged == 2
    hits = store.rule_hits([local, national])
    assert [(h.rule, h.spans[0][3]) for h in hits[local]] == [("Chủ tịch xã", CHAIRMAN)]
    assert national not in hits  # an `area` rule: the national story is not about the area
    tags = store.get_tags(local)
    assert tags is not None and [h.rule for h in tags.rules] == ["Chủ tịch xã"]
    assert RULE_CHAT in _pending_chats(store)
    assert store.hit_rule_names() == ["Chủ tịch xã"]
    again = tag_pending(store, config, Clock(), locator=tagger(config), retag=True, console=False)
    assert again.queued == 0  # the story was alerted to each chat already
    assert len(store.rule_hits([local])[local]) == 1  # replaced, not added


def test_a_console_rule_works_from_the_next_pass(store: Store) -> None:
    config = rules_config(chairman_rule(query='"Trần Văn B"'))
    _, national = _articles(store)
    tag_pending(store, config, Clock(), locator=tagger(config), console=False)
    assert store.rule_hits([national]) == {}
    draft = RuleDraft("Toàn quốc", f'"{CHAIRMAN}"', "anywhere", ("-600",))
    store.add_watch_rule(draft, "quantri", NOW)
    tag_pending(store, config, Clock(), locator=tagger(config), retag=True, console=False)
    assert [h.rule for h in store.rule_hits([national])[national]] == ["Toàn quốc"]
    assert "-600" in _pending_chats(store)
    tags = store.get_tags(national)
    assert tags is not None and tags.relevant


def test_a_console_rules_zalo_chats_are_alerted_like_a_config_rules(store: Store) -> None:
    """A console rule's Zalo chats get the hit's alert on Zalo (once per story and chat), as a
    config rule's `zalo_chats` do; a Zalo id written like a Telegram chat stays a Zalo row."""
    config = rules_config(chairman_rule(query='"Trần Văn B"', zalo_chats=["cfg-zalo"]))
    _, national = _articles(store)
    draft = RuleDraft(
        "Toàn quốc", f'"{CHAIRMAN}"', "anywhere", ("-600",), zalo_chats=("zalo-xa", "-600")
    )
    store.add_watch_rule(draft, "quantri", NOW)
    tag_pending(store, config, Clock(), locator=tagger(config), console=False)
    due = store.due_outbox(NOW, limit=100)
    rows = sorted((i.messenger, i.chat) for i in due if i.story == _story(store, national))
    assert ("zalo", "zalo-xa") in rows and ("zalo", "-600") in rows
    assert ("telegram", "-600") in rows and ("zalo", "cfg-zalo") not in rows  # no config hit
    again = tag_pending(store, config, Clock(), locator=tagger(config), retag=True, console=False)
    assert again.queued == 0


def _story(store: Store, article_id: int) -> str:
    article = store.get_article(article_id)
    assert article is not None
    return f"cluster:{article.cluster_id}"


def test_migration_0024_adds_the_zalo_chats_of_rules_stored_before(
    store: Store, db_url: str
) -> None:
    """The column comes and goes in place; a rule stored before it alerts no Zalo chat."""
    from alembic import command
    from sqlalchemy import inspect

    from storage.db import make_engine
    from storage.migrate import alembic_config

    rule_id = store.add_watch_rule(
        RuleDraft("Rừng", "rừng", "area", ("-600",), zalo_chats=("z1",)), "quantri", NOW
    )
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0023")
            columns = {c["name"] for c in inspect(conn).get_columns("watch_rules")}
            assert "zalo_chats" not in columns and "chats" in columns
            command.upgrade(alembic_config(conn), "head")
    finally:
        engine.dispose()
    got = store.watch_rule(rule_id)
    assert got is not None and (got.chats, got.zalo_chats) == (("-600",), ())
