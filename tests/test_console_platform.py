"""The platform in the console: the queue's "Nền tảng" filter (query parameter `platform`),
a post that is not the press marked with its platform on its row and on its page, the press
unmarked; the filter keeps each account's area scope (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from storage import Store
from tests.kit.articles import record, tag
from tests.kit.console import AREA_A, AREA_B, NOW, PXI, Console, console, two_areas_console

__all__ = ["console"]

POST_URL = "https://t.me/tindakha/12"


def save_post(store: Store, n: int, title: str, areas: tuple[str, ...] = ()) -> int:
    """A relevant Telegram post about Xã Đăk Pxi, first seen an hour before `NOW`; its cluster."""
    store.sync_sources([("baoquangngai", "Báo Quảng Ngãi")])
    saved = store.save_article(
        record(
            n,
            url=f"{POST_URL}{n}",
            canonical_url=f"{POST_URL}{n}",
            title=title,
            published_at=NOW - timedelta(hours=1),
            fetched_at=NOW - timedelta(hours=1),
            platform="telegram",
        )
    )
    store.save_tags([tag(saved.article_id, units=(PXI,), tagged_at=NOW, areas=areas)])
    detail = store.get_article(saved.article_id)
    assert detail is not None
    return detail.cluster_id


def rows(html: str) -> dict[str, str]:
    """Each queue row's story key → its HTML."""
    return dict(re.findall(r'<tr data-story="([^"]+)"[^>]*>(.*?)</tr>', html, re.S))


def test_queue_filters_by_platform_and_marks_social_rows(console: Console) -> None:
    cluster = save_post(console.store, 77, "Dân báo đường hỏng")
    client = console.client("canbo")
    everything = client.get("/queue").text
    assert '<select name="platform" id="f-platform">' in everything
    assert '<option value="forum" >Diễn đàn</option>' in everything
    shown = rows(everything)
    assert '<small class="platform">(Telegram)</small>' in shown[f"cluster:{cluster}"]
    assert 'class="platform"' not in shown[f"cluster:{console.seeded.forest}"]
    only = client.get("/queue", params={"platform": "telegram"}).text
    assert set(rows(only)) == {f"cluster:{cluster}"}
    assert '<option value="telegram" selected>Telegram</option>' in only
    press = rows(client.get("/queue", params={"platform": "news"}).text)
    assert f"cluster:{cluster}" not in press and f"cluster:{console.seeded.forest}" in press
    assert rows(client.get("/queue", params={"platform": "tiktok"}).text) == {}


def test_item_page_names_the_platform_of_a_post_only(console: Console) -> None:
    cluster = save_post(console.store, 78, "Dân báo đường hỏng")
    client = console.client("canbo")
    assert '<span class="platform">Telegram</span> · ' in client.get(f"/items/{cluster}").text
    press = client.get(f"/items/{console.seeded.forest}").text
    assert 'class="platform"' not in press


def test_platform_filter_keeps_the_area_scope(store: Store, tmp_path: Path) -> None:
    console = two_areas_console(store, tmp_path)
    in_a = save_post(store, 81, "Bài ở Đăk Pxi", areas=(AREA_A,))
    in_b = save_post(store, 82, "Bài ở Đăk Mar", areas=(AREA_B,))
    params = {"platform": "telegram"}
    assert set(rows(console.client("pxi").get("/queue", params=params).text)) == {f"cluster:{in_a}"}
    assert set(rows(console.client("mar").get("/queue", params=params).text)) == {f"cluster:{in_b}"}
    assert set(rows(console.client("tinh").get("/queue", params=params).text)) == {
        f"cluster:{in_a}",
        f"cluster:{in_b}",
    }
