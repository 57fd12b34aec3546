"""Zalo beside Telegram in the config (issue 17): chat and user ids, `env:` names, the token."""

from __future__ import annotations

import pytest

from duluan.config import ConfigError, parse_config
from duluan.runtime import Runtime

MINIMAL = """
locality: {province: Tỉnh Kon Tum, district: Huyện Đăk Hà}
sources:
  - name: vnexpress
    title: VnExpress
    feeds: [https://vnexpress.net/rss/tin-moi-nhat.rss]
"""

ZALO = (
    MINIMAL
    + """
review:
  chat: "-1001"
  zalo: e4ea2cd5189df1c3a88c
  zalo_reviewers: [a1b2c3, 1234567890]
  leadership_zalo: 'env:LEAD_ZALO'
units:
  - name: UBND xã Đăk Pxi
    communes: [Xã Đăk Pxi]
    zalo: 'env:ZALO_CHAT_DAK_PXI'
    zalo_members: [f00d]
report: {zalo: 99aa}
rules:
  - {name: chu-tich, query: '"Nguyễn Văn A"', zalo_chats: [bb11, 'env:RULE_ZALO']}
"""
)

ENV = {"LEAD_ZALO": "cc22", "ZALO_CHAT_DAK_PXI": "dd33", "RULE_ZALO": "ee44"}


def test_every_destination_may_have_a_zalo_chat() -> None:
    config = parse_config(ZALO, "t.yaml", {**ENV, "ZALO_BOT_TOKEN": "1:x"}).config
    assert config.review.zalo == "e4ea2cd5189df1c3a88c"
    assert config.review.zalo_reviewers == ["a1b2c3", "1234567890"]  # a number is kept as text
    assert config.review.leadership_zalo == "cc22"
    (unit,) = config.units
    assert (unit.zalo, unit.zalo_members) == ("dd33", ["f00d"])
    assert config.report.zalo == "99aa"
    assert config.rules[0].zalo_chats == ["bb11", "ee44"]


def test_an_unset_zalo_chat_without_a_zalo_token_is_a_warning() -> None:
    loaded = parse_config(ZALO, "t.yaml", {"TELEGRAM_BOT_TOKEN": "1:x"})
    assert loaded.config.units[0].zalo is None
    assert loaded.config.rules[0].zalo_chats == ["bb11"]
    assert any("ZALO_CHAT_DAK_PXI" in w and "ZALO_BOT_TOKEN" in w for w in loaded.warnings)


def test_an_unset_zalo_chat_with_a_zalo_token_is_an_error() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(ZALO, "t.yaml", {"ZALO_BOT_TOKEN": "1:x", "LEAD_ZALO": "cc22"})
    assert any(p.startswith("units[0].zalo: biến môi trường") for p in caught.value.problems)


@pytest.mark.parametrize("bad", ["'có dấu'", "'a b'", "12.5", "'" + "a" * 65 + "'"])
def test_a_wrong_zalo_id_is_refused_in_vietnamese(bad: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(MINIMAL + f"review: {{zalo: {bad}}}\n", "t.yaml", {})
    (problem,) = caught.value.problems
    assert problem.startswith("review.zalo:") and "không phải mã Zalo" in problem


def test_runtime_reads_the_zalo_token_and_never_shows_it() -> None:
    runtime = Runtime.from_environ(
        {"ZALO_BOT_TOKEN": "123:bi-mat-zalo", "ZALO_API_BASE_URL": "http://127.0.0.1:9"}
    )
    assert runtime.zalo_token is not None
    assert runtime.zalo_token.get_secret_value() == "123:bi-mat-zalo"
    assert runtime.zalo_api_base_url == "http://127.0.0.1:9"
    assert "bi-mat-zalo" not in repr(runtime) + str(runtime.describe())
    assert Runtime.from_environ({}).zalo_api_base_url == "https://bot-api.zaloplatforms.com"
