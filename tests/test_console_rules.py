"""The watch rules page: admins add, edit, switch and delete console rules (audited, CSRF
checked), staff read them, a bad query comes back with its position and the text kept,
markup stays text, a query can be tried on stored articles, and the queue filters by rule."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from markupsafe import escape

from nlp.query import QueryError, parse
from storage import Store
from storage.records import RuleHit
from tests.kit.console import Console, token
from tests.kit.rules import chairman_rule, rules_console

BAD = '"không đóng'


@pytest.fixture
def site(store: Store, tmp_path: Path) -> Console:
    return rules_console(store, tmp_path, chairman_rule())


def add(client: object, **fields: object) -> object:
    data = {"name": "Rừng", "query": "rừng", "scope": "area", "chats": "-600, @kenh_xa", **fields}
    data["csrf_token"] = token(client, "/rules")  # type: ignore[arg-type]
    return client.post("/rules", data=data, follow_redirects=False)  # type: ignore[attr-defined]


def test_admin_sees_config_rules_read_only_and_adds_one(site: Console) -> None:
    client = site.client("quantri")
    page = client.get("/rules")
    assert page.status_code == 200
    assert 'data-rule="Chủ tịch xã"' in page.text and "từ tệp cấu hình" in page.text
    assert 'id="nav-rules"' in page.text
    done = add(client, units=["UBND xã Đăk Pxi"])
    assert done.status_code == 303
    (rule,) = site.store.watch_rules()
    assert (rule.name, rule.query, rule.chats, rule.units) == (
        "Rừng",
        "rừng",
        ("-600", "@kenh_xa"),
        ("UBND xã Đăk Pxi",),
    )
    assert rule.created_by == "quantri" and rule.enabled
    (entry,) = [e for e in site.store.list_audit() if e.action == "thêm quy tắc theo dõi"]
    assert entry.target == f"rule:{rule.id}" and entry.user_name == "quantri"
    assert f'data-id="{rule.id}"' in client.get("/rules").text


def test_a_bad_query_comes_back_with_its_position_and_the_text_kept(site: Console) -> None:
    with pytest.raises(QueryError) as caught:
        parse(BAD)
    client = site.client("quantri")
    refused = add(client, name="Hỏng", query=BAD)
    assert refused.status_code == 400
    assert f"Truy vấn sai ở vị trí {caught.value.position + 1}:" in refused.text
    assert f">{escape(BAD)}</textarea>" in refused.text
    assert 'value="Hỏng"' in refused.text
    assert site.store.watch_rules() == []


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"name": "Chủ tịch xã"}, "Đã có quy tắc tên"),
        ({"name": ""}, "Tên quy tắc phải có"),
        ({"name": "n" * 101}, "Tên quy tắc phải có"),
        ({"chats": ", ".join(str(-i) for i in range(1, 30))}, "Nhiều nhất 20 nhóm"),
        ({"query": "x" * 2500}, "Truy vấn dài quá"),
        ({"units": ["Không có"]}, "Không có đơn vị"),
        ({"chats": "abc<b>"}, "Mã nhóm Telegram không hợp lệ"),
        ({"scope": "world"}, "Phạm vi"),
    ],
)
def test_hostile_rules_are_refused_in_vietnamese(
    site: Console, fields: dict[str, object], expected: str
) -> None:
    refused = add(site.client("quantri"), **fields)
    assert refused.status_code == 400 and expected in refused.text
    assert "<b>" not in refused.text.split('id="rule-error"')[1].split("</p>")[0]
    assert site.store.watch_rules() == []


def test_markup_in_a_name_is_shown_as_text(site: Console) -> None:
    client = site.client("quantri")
    assert add(client, name="<script>alert(1)</script>").status_code == 303
    page = client.get("/rules").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_admin_edits_switches_and_deletes_a_rule_each_audited(site: Console) -> None:
    client = site.client("quantri")
    add(client)
    (rule,) = site.store.watch_rules()
    form = client.get(f"/rules/{rule.id}")
    assert form.status_code == 200 and 'value="Rừng"' in form.text
    edited = client.post(
        f"/rules/{rule.id}",
        data={"name": "Rừng 2", "query": "phá rừng", "scope": "anywhere", "chats": "",
              "csrf_token": token(client, "/rules")},
        follow_redirects=False,
    )  # fmt: skip
    assert edited.status_code == 303
    got = site.store.watch_rule(rule.id)
    assert got is not None and (got.name, got.scope, got.chats) == ("Rừng 2", "anywhere", ())
    off = client.post(
        f"/rules/{rule.id}/enabled",
        data={"enabled": "0", "csrf_token": token(client, "/rules")},
        follow_redirects=False,
    )
    assert off.status_code == 303 and site.store.watch_rules(enabled_only=True) == []
    gone = client.post(
        f"/rules/{rule.id}/delete",
        data={"csrf_token": token(client, "/rules")},
        follow_redirects=False,
    )
    assert gone.status_code == 303 and site.store.watch_rules() == []
    actions = [e.action for e in site.store.list_audit() if e.target == f"rule:{rule.id}"]
    assert sorted(actions) == sorted(
        [
            "thêm quy tắc theo dõi",
            "sửa quy tắc theo dõi",
            "tắt quy tắc theo dõi",
            "xóa quy tắc theo dõi",
        ]
    )
    assert client.get(f"/rules/{rule.id}").status_code == 404


def test_staff_read_the_rules_but_cannot_change_them(site: Console) -> None:
    add(site.client("quantri"))
    (rule,) = site.store.watch_rules()
    staff = site.client("canbo")
    page = staff.get("/rules")
    assert page.status_code == 200 and 'data-rule="Rừng"' in page.text
    assert 'id="rule-form"' not in page.text
    csrf = token(staff, "/rules")
    assert add(staff).status_code == 403
    for path in (f"/rules/{rule.id}/delete", f"/rules/{rule.id}/enabled", f"/rules/{rule.id}"):
        assert staff.post(path, data={"csrf_token": csrf}).status_code == 403, path
    assert len(site.store.watch_rules()) == 1
    for user in ("dakpxi", "xem"):
        assert site.client(user).get("/rules").status_code == 403, user


def test_a_post_without_the_csrf_token_changes_nothing(site: Console) -> None:
    client = site.client("quantri")
    client.get("/rules")
    refused = client.post("/rules", data={"name": "x", "query": "rừng"}, follow_redirects=False)
    assert refused.status_code == 400
    assert site.store.watch_rules() == []


def test_a_query_is_tried_on_the_newest_articles(site: Console) -> None:
    client = site.client("canbo")
    page = client.get("/rules", params={"thu": "rừng"})
    assert page.status_code == 200
    assert 'id="trial-count"' in page.text and "Phá rừng ở Đăk Pxi" in page.text
    assert "«rừng»" in page.text
    placed = client.get("/rules", params={"thu": 'place:"Đăk Pxi" topic:rừng'}).text
    assert "Phá rừng ở Đăk Pxi" in placed and "Chợ phiên Đăk Mar" not in placed
    assert "«Xã Đăk Pxi» (địa danh)" in placed
    bad = client.get("/rules", params={"thu": BAD})
    assert 'id="trial-error"' in bad.text and "vị trí" in bad.text
    long = client.get("/rules", params={"thu": "a" * 5000})
    assert "Truy vấn dài quá" in long.text


def test_the_queue_filters_by_rule_and_the_item_shows_it(site: Console) -> None:
    store, seeded = site.store, site.seeded
    tags = store.get_tags(seeded.forest_article)
    assert tags is not None
    hit = RuleHit("Chủ tịch xã", "mac-dinh", (("text", 0, 3, "Phá"),))
    store.save_tags([replace(tags, rules=(hit,))])
    client = site.client("canbo")
    page = client.get("/queue")
    assert 'id="f-rule"' in page.text
    filtered = client.get("/queue", params={"rule": "Chủ tịch xã"}).text
    assert f'data-story="cluster:{seeded.forest}"' in filtered
    assert f'data-story="cluster:{seeded.market}"' not in filtered
    none = client.get("/queue", params={"rule": "Không có"}).text
    assert "data-story=" not in none
    item = client.get(f"/items/{seeded.forest}").text
    assert "Quy tắc theo dõi Chủ tịch xã: «Phá» (nội dung)" in item


ZALO_A, ZALO_B = "e4ea2cd5189df1c3a88c", "nhom-xa.pxi_2"


def test_a_rule_takes_zalo_chats_shown_audited_and_filled_in_again(site: Console) -> None:
    client = site.client("quantri")
    # Commas, new lines and blanks separate ids; a repeated id is kept once.
    done = add(client, zalo_chats=f" {ZALO_A}\r\n{ZALO_B}, {ZALO_A}\n")
    assert done.status_code == 303
    (rule,) = site.store.watch_rules()
    assert rule.zalo_chats == (ZALO_A, ZALO_B) and rule.chats == ("-600", "@kenh_xa")
    page = client.get("/rules").text
    row = page.split(f'data-id="{rule.id}"')[1].split("</tr>")[0]
    assert f"Telegram: -600, @kenh_xa · Zalo: {ZALO_A}, {ZALO_B}" in row
    (entry,) = [e for e in site.store.list_audit() if e.action == "thêm quy tắc theo dõi"]
    assert f"Zalo {ZALO_A}, Zalo {ZALO_B}" in (entry.detail or "")
    form = client.get(f"/rules/{rule.id}").text
    assert f">{ZALO_A}\n{ZALO_B}</textarea>" in form
    edited = client.post(
        f"/rules/{rule.id}",
        data={"name": "Rừng", "query": "rừng", "scope": "area", "chats": "",
              "zalo_chats": ZALO_B, "csrf_token": token(client, "/rules")},
        follow_redirects=False,
    )  # fmt: skip
    assert edited.status_code == 303
    got = site.store.watch_rule(rule.id)
    assert got is not None and (got.chats, got.zalo_chats) == ((), (ZALO_B,))
    row = client.get("/rules").text.split(f'data-id="{rule.id}"')[1].split("</tr>")[0]
    assert f"Zalo: {ZALO_B}" in row and "Telegram:" not in row
    (change,) = [e for e in site.store.list_audit() if e.action == "sửa quy tắc theo dõi"]
    assert f"Zalo {ZALO_B}" in (change.detail or "")
    cleared = client.post(
        f"/rules/{rule.id}",
        data={"name": "Rừng", "query": "rừng", "scope": "area", "zalo_chats": " \n ",
              "csrf_token": token(client, "/rules")},
        follow_redirects=False,
    )  # fmt: skip
    assert cleared.status_code == 303
    got = site.store.watch_rule(rule.id)
    assert got is not None and got.zalo_chats == ()
    assert "nhóm rà soát" in client.get("/rules").text.split(f'data-id="{rule.id}"')[1]


@pytest.mark.parametrize(
    "ids",
    [
        "<b>x</b>",
        "Đăk-Pxi",  # not ASCII
        "a" * 65,
        "abc def/ghi",
        "ok1\x00<script>",  # NUL dropped, markup refused
        ", ".join(f"z{i}" for i in range(21)),
    ],
)
def test_bad_zalo_ids_are_refused_in_vietnamese_and_the_text_kept(site: Console, ids: str) -> None:
    refused = add(site.client("quantri"), name="Zalo hỏng", zalo_chats=ids)
    assert refused.status_code == 400
    error = refused.text.split('id="rule-error"')[1].split("</p>")[0]
    assert "Mã Zalo không hợp lệ" in error or "Nhiều nhất 20 nhóm hay người nhận Zalo" in error
    assert "<b>" not in error and "<script>" not in error
    kept = refused.text.split('id="rule-zalo-chats"')[1].split("</textarea>")[0]
    assert "<b>" not in kept and "<script>" not in kept
    first = ids.replace("\x00", "").split(",")[0].split()[0]
    assert str(escape(first)) in kept
    assert 'value="Zalo hỏng"' in refused.text
    assert site.store.watch_rules() == []


def test_a_config_rules_zalo_chats_are_listed(store: Store, tmp_path: Path) -> None:
    site = rules_console(store, tmp_path, chairman_rule(zalo_chats=[ZALO_A]))
    page = site.client("canbo").get("/rules").text
    row = page.split('data-rule="Chủ tịch xã"')[1].split("</tr>")[0]
    assert f"Telegram: -500 · Zalo: {ZALO_A}" in row
