"""`duluan tag` tags stored articles once (again with --retag); `duluan explain` says why."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage import Store
from tests.kit.articles import record

ROOT = Path(__file__).resolve().parent.parent


def run(env: dict[str, str], *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "duluan", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


def test_tag_then_explain(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/db.sqlite3"
    with Store.open(url) as store:
        store.sync_sources([("baoquangngai", "Báo Quảng Ngãi")])
        ours = store.save_article(
            replace(
                record(1),
                title="Người dân xã Đăk Pxi phản ánh phá rừng",
                lead="Nhiều hộ dân ở xã Đăk Pxi, huyện Đăk Hà phản ánh rừng bị chặt phá.",
                text="Chính quyền huyện Đăk Hà đã lập đoàn kiểm tra vụ phá rừng.",
            )
        ).article_id
        other = store.save_article(
            replace(record(2), title="Giá vàng tăng", lead="Giá vàng tăng mạnh.", text="Vàng.")
        ).article_id
    env = {**os.environ, "DULUAN_DATABASE_URL": url, "DULUAN_CONFIG": str(ROOT / "config.yaml")}
    first = run(env, "tag")
    assert first.returncode == 0, first.stderr
    assert "Đã gắn nhãn 2 bài; 1 bài liên quan" in first.stdout
    assert "Đã gắn nhãn 0 bài" in run(env, "tag").stdout
    assert "Đã gắn nhãn 2 bài" in run(env, "tag", "--retag").stdout
    with Store.open(url) as store:
        tags = store.get_tags(ours)
        assert tags is not None and tags.relevant and tags.tone == "negative"
        assert tags.needs_verification
        pxi = next(m for m in tags.mentions if m.unit == "Xã Đăk Pxi")
        assert pxi.field == "title"
        title = store.get_article(ours)
        assert title is not None and title.title[pxi.start : pxi.end] == "xã Đăk Pxi"
        not_ours = store.get_tags(other)
        assert not_ours is not None and not not_ours.relevant and not_ours.mentions == ()
    explained = run(env, "explain", str(ours))
    assert explained.returncode == 0
    assert "Kết luận: LIÊN QUAN" in explained.stdout
    assert "là Xã Đăk Pxi" in explained.stdout
    missing = run(env, "explain", "999")
    assert missing.returncode == 1 and "Không có bài mã 999" in missing.stderr


def seed(url: str) -> int:
    with Store.open(url) as store:
        store.sync_sources([("baoquangngai", "Báo Quảng Ngãi")])
        return store.save_article(
            replace(
                record(3, published_at=datetime.now(UTC) - timedelta(hours=1)),
                title="Sạt lở ở xã Đăk Pxi",
                lead="Người dân phản ánh sạt lở ở xã Đăk Pxi, huyện Đăk Hà, tỉnh Kon Tum.",
                text="Nhiều hộ dân bức xúc vì sạt lở chưa được xử lý.",
                fetched_at=datetime.now(UTC),
            )
        ).article_id


CONFIG = """
locality: {province: Tỉnh Kon Tum, district: Huyện Đăk Hà}
sources:
  - {name: baoquangngai, title: Báo Quảng Ngãi, feeds: ['https://baoquangngai.vn/rss']}
review: {chat: '-1001234567890', reviewers: [1]}
units: [{name: UBND xã Đăk Pxi, chat: '-1009876543210', communes: [Xã Đăk Pxi]}]
"""


def test_tag_queues_and_alert_prints_without_a_token(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/db.sqlite3"
    seed(url)
    env = {
        **os.environ,
        "DULUAN_DATABASE_URL": url,
        "DULUAN_CONFIG": str(ROOT / "config.yaml"),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("TELEGRAM_BOT_TOKEN", None)
    tagged = run(env, "tag", cwd=tmp_path)
    assert "1 cảnh báo vào hàng đợi" in tagged.stdout, tagged.stderr
    sent = run(env, "alert", cwd=tmp_path)
    assert sent.returncode == 0 and "Đã gửi 1 cảnh báo" in sent.stdout
    assert "<b>xã Đăk Pxi</b>" in sent.stdout and "Cần xác minh" in sent.stdout
    lines = (tmp_path / "data" / "alerts.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["chat"] == "console"
    assert "Đã gửi 0 cảnh báo" in run(env, "alert", cwd=tmp_path).stdout
    status = run(env, "alerts", "status", cwd=tmp_path).stdout.splitlines()
    assert status[0].split()[:2] == ["Nhóm", "Tình"]
    assert status[2].split()[:4] == ["console", "đã", "gửi", "1"]


def test_alerts_reach_the_fake_telegram(tmp_path: Path) -> None:
    from tests.telegram.fake_api import FakeTelegram

    url = f"sqlite:///{tmp_path}/db.sqlite3"
    seed(url)
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    with FakeTelegram(known_chats={-1001234567890, -1009876543210}) as fake:
        env = {
            **os.environ,
            "DULUAN_DATABASE_URL": url,
            "DULUAN_CONFIG": str(config),
            "PYTHONPATH": str(ROOT),
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_API_BASE_URL": fake.base_url,
        }
        assert "2 cảnh báo vào hàng đợi" in run(env, "tag", cwd=tmp_path).stdout
        delivered = run(env, "alert", cwd=tmp_path)
        assert delivered.returncode == 0 and "Đã gửi 2 cảnh báo" in delivered.stdout
        assert fake.token not in delivered.stdout + delivered.stderr
        review, unit = fake.sent(-1001234567890), fake.sent(-1009876543210)
        assert len(review) == len(unit) == 1
        assert "Sạt lở ở xã Đăk Pxi" in review[0]["text"]
        labels = [b["text"] for row in review[0]["reply_markup"]["inline_keyboard"] for b in row]
        assert labels[:2] == ["Liên quan", "Không liên quan"]
        assert "reply_markup" not in unit[0]  # buttons are for the review group
