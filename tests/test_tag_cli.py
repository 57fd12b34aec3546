"""`duluan tag` tags stored articles once (again with --retag); `duluan explain` says why."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from storage import Store
from tests.test_storage import record

ROOT = Path(__file__).resolve().parent.parent


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "duluan", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
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
