"""`duluan rules test QUERY [FILE|-]`: exit 0 on a match, 1 without, 2 on a bad query, as grep."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from duluan.cli import main

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = "Lũ ở Đắk Hà\nHuyện Đăk Hà bị ngập, hai xã cô lập.\n"


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "bai.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["rules", "test", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_match_prints_where_and_exits_0(
    article: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, '"dak ha" ngap', str(article))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "khớp"
    assert lines[1] == "- nội dung, vị trí 6–11: Lũ ở «Đắk Hà» Huyện Đăk Hà bị ngập, hai xã …"
    assert "bị «ngập», hai xã cô lập." in lines[3]
    assert len(lines) == 4


def test_no_match_exits_1(article: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "ha -ngap", str(article))[:2] == (1, "không khớp\n")


def test_a_bad_query_exits_2_and_points_at_the_position(
    article: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "ha NEAR/99 xe", str(article))
    assert code == 2
    assert out == ""
    assert "truy vấn sai, vị trí 4: NEAR/n: n phải từ 1 đến 50" in err
    assert err.splitlines()[1:] == ["  ha NEAR/99 xe", "     ^"]


def test_stdin_and_the_document_flags(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(ARTICLE))
    code, out, _ = run(
        capsys,
        'title:lu source:"kon tum" place:"dak ha" topic:"thien tai"',
        "-",
        "--source",
        "baokontum Báo Kon Tum",
        "--place",
        "xã Đăk Mar",
        "--place",
        "huyện Đăk Hà",
        "--topic",
        "Thiên tai",
    )
    assert code == 0
    assert out.splitlines()[1:] == [
        "- tiêu đề, vị trí 1–2: «Lũ» ở Đắk Hà",
        "- nguồn, vị trí 15–21: baokontum Báo «Kon Tum»",
        "- địa danh, vị trí 1–12: «huyện Đăk Hà»",
        "- lĩnh vực, vị trí 1–9: «Thiên tai»",
    ]


def test_the_title_flag_replaces_the_first_line(
    article: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "title:lu", str(article), "--title", "Mưa lớn")[0] == 1
    assert run(capsys, "title:mua", str(article), "--title", "Mưa lớn")[0] == 0


def test_an_unreadable_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "ha", str(tmp_path / "khong-co.txt"))
    assert code == 2
    assert "không đọc được" in err
    binary = tmp_path / "anh.bin"
    binary.write_bytes(b"\xff\xfe\x00")
    code, _, err = run(capsys, "ha", str(binary))
    assert code == 2
    assert "không phải văn bản UTF-8" in err


def test_the_process_exit_codes(article: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def code(query: str) -> int:
        done = subprocess.run(
            [sys.executable, "-m", "duluan", "rules", "test", query, str(article)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        return done.returncode

    assert [code("ha"), code("xe"), code("(ha")] == [0, 1, 2]


def test_a_query_that_opens_with_a_minus_is_a_query(
    article: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "-xe ha", str(article))[0] == 0
    assert run(capsys, "-ngap ha", str(article))[0] == 1
