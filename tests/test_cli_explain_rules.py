"""`duluan explain ID` names the watch rules an article matched and the words they found."""

from __future__ import annotations

from pathlib import Path

import pytest

from duluan.cli import main
from storage import Store
from storage.records import RuleHit
from tests.kit.articles import record, tag
from tests.kit.rules import rules_yaml

HIT = RuleHit("Chủ tịch <xã>", "mac-dinh", (("text", 4, 16, "Nguyễn Văn A"), ("title", 0, 3, "Lũ")))


def explained(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *hits: RuleHit,
) -> str:
    (tmp_path / "config.yaml").write_text(rules_yaml(), encoding="utf-8")
    url = f"sqlite:///{tmp_path}/db.sqlite3"
    monkeypatch.setenv("DULUAN_CONFIG", str(tmp_path / "config.yaml"))
    monkeypatch.setenv("DULUAN_DATABASE_URL", url)
    with Store.open(url) as store:
        store.sync_sources([("baoquangngai", "Báo Quảng Ngãi")])
        article_id = store.save_article(record(1)).article_id
        store.save_tags([tag(article_id, rules=hits)])
    assert main(["explain", str(article_id)]) == 0
    return capsys.readouterr().out


def test_explain_names_the_rules_and_their_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = explained(tmp_path, monkeypatch, capsys, HIT)
    assert "- quy tắc theo dõi 'Chủ tịch <xã>': «Nguyễn Văn A» (nội dung), «Lũ» (tiêu đề)" in out
    assert "Không khớp quy tắc" not in out


def test_explain_says_when_no_rule_matched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "Không khớp quy tắc theo dõi nào." in explained(tmp_path, monkeypatch, capsys)
