"""`--area NAME` on the commands that list stories (`duluan articles`): only the stories that
concern that watch area (`article_areas`), the area per row when several areas are listed, an
unknown name refused in Vietnamese with the configured names; `duluan explain` names the areas."""

from __future__ import annotations

from pathlib import Path

import pytest

from duluan.cli import main
from storage import Store
from tests.kit.areas import DAK_MAR, DAK_PXI, areas_yaml
from tests.kit.articles import record, tag

AREAS = areas_yaml(
    [
        {"name": "dak-pxi", "title": "UBND xã Đăk Pxi", "places": [DAK_PXI]},
        {"name": "dak-mar", "title": "UBND xã Đăk Mar", "places": [DAK_MAR]},
    ]
)
ONE_AREA = (
    "locality: {province: Tỉnh Kon Tum, district: Huyện Đăk Hà}\n"
    "sources: [{name: x, title: X, feeds: ['https://x.vn/rss']}]\n"
)


def seed(store: Store, areas: dict[int, tuple[str, ...]]) -> None:
    """Articles 1..n, each tagged as concerning its areas (none: not relevant)."""
    store.sync_sources([("baoquangngai", "Báo Quảng Ngãi")])
    for n in areas:
        store.save_article(record(n, title=f"Bài {n}"))
    store.save_tags([tag(n, relevant=bool(a), areas=a) for n, a in areas.items()])


def test_articles_of_one_area(store: Store) -> None:
    seed(store, {1: ("dak-pxi",), 2: ("dak-mar", "dak-pxi"), 3: (), 4: ("dak-mar",)})
    assert [a.id for a in store.list_articles(area="dak-mar")] == [4, 2]
    assert [a.id for a in store.list_articles(area="dak-pxi", limit=1)] == [2]
    assert store.list_articles(area="dak-ui") == []
    assert [(a.id, a.areas) for a in store.list_articles()] == [
        (4, ("dak-mar",)),
        (3, ()),
        (2, ("dak-mar", "dak-pxi")),
        (1, ("dak-pxi",)),
    ]


def use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: str) -> Store:
    (tmp_path / "config.yaml").write_text(config, encoding="utf-8")
    url = f"sqlite:///{tmp_path}/db.sqlite3"
    monkeypatch.setenv("DULUAN_CONFIG", str(tmp_path / "config.yaml"))
    monkeypatch.setenv("DULUAN_DATABASE_URL", url)
    return Store.open(url)


def listed(capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    """The rows `duluan articles …` prints (after the header and its dashes)."""
    assert main(["articles", *args]) == 0
    return capsys.readouterr().out.splitlines()[2:]


def test_duluan_articles_area(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with use(tmp_path, monkeypatch, AREAS) as store:
        seed(store, {1: ("dak-pxi",), 2: ("dak-mar", "dak-pxi"), 3: ()})
    rows = listed(capsys, "--area", "dak-mar")
    assert [r.split()[0] for r in rows] == ["2"]
    assert "dak-mar" not in rows[0]  # one area chosen: no area column
    rows = listed(capsys)
    assert [r.split()[0] for r in rows] == ["3", "2", "1"]
    assert "dak-mar, dak-pxi" in rows[1] and "dak-pxi  " in rows[2]
    assert main(["articles", "--area", "dak-ui"]) == 2
    expected = "không có địa bàn theo dõi 'dak-ui' trong cấu hình; các địa bàn có: dak-pxi, dak-mar"
    assert expected in capsys.readouterr().err
    assert main(["articles", "show", "1", "--area", "dak-mar"]) == 2
    assert "--area chỉ dùng khi liệt kê" in capsys.readouterr().err


def test_duluan_articles_area_with_nothing_to_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with use(tmp_path, monkeypatch, AREAS) as store:
        seed(store, {1: ("dak-pxi",)})
    assert main(["articles", "--area", "dak-mar"]) == 0
    assert "Chưa có bài nào liên quan đến địa bàn dak-mar (UBND xã Đăk Mar)." in (
        capsys.readouterr().out
    )


def test_one_area_deployment_takes_the_default_area_and_lists_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with use(tmp_path, monkeypatch, ONE_AREA) as store:
        seed(store, {1: ("mac-dinh",), 2: ()})
    assert [r.split()[0] for r in listed(capsys, "--area", "mac-dinh")] == ["1"]
    rows = listed(capsys)
    assert [r.split()[0] for r in rows] == ["2", "1"]
    assert not any("mac-dinh" in r for r in rows)
    assert main(["articles", "--area", "dak-pxi"]) == 2
    assert "các địa bàn có: mac-dinh" in capsys.readouterr().err


def test_explain_names_the_areas(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with use(tmp_path, monkeypatch, AREAS) as store:
        seed(store, {1: ("dak-mar", "dak-pxi"), 2: ("mac-dinh",)})
    assert main(["explain", "1"]) == 0
    assert "Địa bàn theo dõi liên quan: dak-mar, dak-pxi." in capsys.readouterr().out
    assert main(["explain", "2"]) == 0
    assert "Địa bàn theo dõi" not in capsys.readouterr().out


def test_config_check_lists_the_areas(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = areas_yaml(
        [
            {
                "name": "dak-pxi",
                "title": "UBND xã Đăk Pxi",
                "places": [DAK_PXI, DAK_MAR],
                "review": {"chat": "env:CHAT_DAK_PXI"},
                "units": [{"name": "Công an xã Đăk Pxi", "chat": "-1"}],
            },
            {"name": "dak-mar", "title": "UBND xã Đăk Mar", "places": [DAK_MAR]},
        ],
        top='review: {chat: "-1009"}\n',
    )
    monkeypatch.setenv("CHAT_DAK_PXI", "-1001234567890")
    use(tmp_path, monkeypatch, config).close()
    assert main(["config", "check"]) == 0
    out = capsys.readouterr().out
    assert "-1001234567890" not in out
    lines = out[out.index("# Địa bàn theo dõi (2):") :].splitlines()
    assert lines[1].split() == ["#", "Tên", "Tiêu", "đề", "Địa", "danh", "Đơn", "vị", "Nhóm",
                                "rà", "soát"]  # fmt: skip
    assert lines[3].split() == ["#", "dak-pxi", "UBND", "xã", "Đăk", "Pxi", "2", "1", "-1***90"]
    assert lines[4].split() == ["#", "dak-mar", "UBND", "xã", "Đăk", "Mar", "1", "0", "-1009"]


def test_config_check_of_one_area_is_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use(tmp_path, monkeypatch, ONE_AREA).close()
    assert main(["config", "check"]) == 0
    assert "Địa bàn theo dõi" not in capsys.readouterr().out
