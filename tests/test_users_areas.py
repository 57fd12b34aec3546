"""`duluan users add … --area NAME`: a console account belongs to one watch area, or to all
(the console's per-area scoping is a later step; this is the command and the stored column)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from duluan.cli import main
from storage import Store
from tests.kit.areas import DAK_MAR, DAK_PXI, areas_yaml

AREAS = areas_yaml(
    [
        {
            "name": "dak-pxi",
            "title": "UBND xã Đăk Pxi",
            "places": [DAK_PXI],
            "units": [{"name": "Công an xã Đăk Pxi", "chat": "-1"}],
        },
        {
            "name": "dak-mar",
            "title": "UBND xã Đăk Mar",
            "places": [DAK_MAR],
            "units": [{"name": "Công an xã Đăk Mar", "chat": "-2"}],
        },
    ]
)


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    (tmp_path / "config.yaml").write_text(AREAS, encoding="utf-8")
    url = f"sqlite:///{tmp_path}/db.sqlite3"
    monkeypatch.setenv("DULUAN_CONFIG", str(tmp_path / "config.yaml"))
    monkeypatch.setenv("DULUAN_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    return url


def add(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO("mật khẩu rất dài\n"))
    return main(["users", "add", *args])


def test_an_account_belongs_to_one_area_or_to_all(
    cli_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert add(monkeypatch, "mar", "--role", "unit", "--unit", "Công an xã Đăk Mar",
               "--area", "dak-mar") == 0  # fmt: skip
    assert "địa bàn dak-mar" in capsys.readouterr().out
    assert add(monkeypatch, "tinh", "--role", "staff") == 0
    with Store.open(cli_env) as store:
        mar, tinh = store.web_user_by_name("mar"), store.web_user_by_name("tinh")
    assert mar is not None and (mar.area, mar.unit) == ("dak-mar", "Công an xã Đăk Mar")
    assert tinh is not None and tinh.area is None
    capsys.readouterr()
    assert main(["users", "list"]) == 0
    listed = capsys.readouterr().out
    assert "dak-mar" in listed and "mọi địa bàn" in listed
    assert add(monkeypatch, "pxi", "--role", "viewer", "--area", "dak-pxi") == 0
    capsys.readouterr()
    # --area: the accounts that work on the area, its own and those of every area.
    assert main(["users", "list", "--area", "dak-mar"]) == 0
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()[2:]]
    assert names == ["mar", "tinh"]
    assert main(["users", "list", "--area", "dak-ui"]) == 2
    assert "các địa bàn có: dak-pxi, dak-mar" in capsys.readouterr().err


def test_a_wrong_area_or_a_unit_of_another_area_is_refused(
    cli_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert add(monkeypatch, "x", "--role", "staff", "--area", "dak-ui") == 2
    expected = "không có địa bàn theo dõi 'dak-ui' trong cấu hình; các địa bàn có: dak-pxi, dak-mar"
    assert expected in capsys.readouterr().err
    assert add(monkeypatch, "y", "--role", "unit", "--unit", "Công an xã Đăk Pxi",
               "--area", "dak-mar") == 2  # fmt: skip
    assert "Công an xã Đăk Mar" in capsys.readouterr().err
    with Store.open(cli_env) as store:
        assert store.list_web_users() == []
