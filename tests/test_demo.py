"""`duluan demo`: the sample outlets (a valid feed, pages the crawler extracts), the demo's config,
its folder (removed, kept), and one real run as a process with a frozen clock: articles stored,
in-area alerts only, copies in one story, a report, a case, then Ctrl-C (exit 0, folder gone)."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import feedparser
import pytest

from crawler.extract import extract_article
from duluan.cli import main
from duluan.commands import UsageError, load
from duluan.config import ConfigError
from duluan.demo import run as demo_run
from duluan.demo.outlet import COPY_ID_OFFSET, SampleOutlet, outlets, sample_pages, slug
from duluan.runtime import Runtime
from storage import Store

ROOT = Path(__file__).resolve().parent.parent
FROZEN = "2026-11-26T10:00:00+07:00"
NOW = datetime.fromisoformat(FROZEN)


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode("utf-8")


@pytest.fixture(scope="module")
def outlet() -> Iterator[SampleOutlet]:
    with SampleOutlet(NOW) as running:
        yield running


# --- the sample outlets ---------------------------------------------------------------------


def test_the_sample_has_originals_copies_and_other_places_dated_before_now() -> None:
    pages = sample_pages(NOW)
    assert 30 <= len(pages) <= 45
    assert len({p.path for p in pages}) == len(pages)
    assert all(NOW - timedelta(days=30) < p.published <= NOW for p in pages)
    assert sum(p.published > NOW - timedelta(hours=48) for p in pages) >= 10  # alerted
    assert sum(p.published < NOW - timedelta(hours=48) for p in pages) >= 5  # backfill
    copies = [p for p in pages if p.id > COPY_ID_OFFSET]
    assert len(copies) >= 3
    by_id = {p.id: p for p in pages}
    for copy in copies:
        original = by_id[copy.id - COPY_ID_OFFSET]
        assert copy.outlet != original.outlet and copy.body == original.body
    assert sum(p.elsewhere for p in pages) >= 5
    assert [p.case for p in pages].count(True) == 1
    assert [p.assign for p in pages].count(True) == 1
    assert {p.outlet for p in pages} == set(outlets())


def test_pages_are_dated_from_the_start_time() -> None:
    later = sample_pages(NOW + timedelta(days=3))
    assert [p.published - timedelta(days=3) for p in later] == [
        p.published for p in sample_pages(NOW)
    ]


def test_slugs_are_ascii() -> None:
    assert slug("Đường liên thôn ở xã Hà Mòn xuống cấp!") == "duong-lien-thon-o-xa-ha-mon-xuong-cap"


def test_each_outlet_serves_a_valid_rss_feed_of_its_pages(outlet: SampleOutlet) -> None:
    for path in outlets():
        status, text = get(outlet.feed_url(path))
        assert status == 200
        feed = feedparser.parse(text)
        assert not feed.bozo, feed.get("bozo_exception")
        ours = [p for p in outlet.pages if p.outlet == path]
        assert [e.link for e in feed.entries] == [outlet.base + p.path for p in ours]
        assert [e.title for e in feed.entries] == [p.title for p in ours]
        dates = [parsedate_to_datetime(e.published) for e in feed.entries]
        assert dates == [p.published for p in ours]


def test_every_page_extracts_with_title_date_author_and_body(outlet: SampleOutlet) -> None:
    for page in outlet.pages:
        status, html = get(outlet.base + page.path)
        assert status == 200
        found = extract_article(html, outlet.base + page.path)
        assert found is not None, page.path
        assert found.title == page.title
        assert found.published_at == page.published
        assert found.author == page.author
        assert found.lead == page.lead
        assert all(paragraph in found.text for paragraph in page.body), page.path


def test_the_outlet_answers_robots_homes_and_unknown_paths(outlet: SampleOutlet) -> None:
    assert get(outlet.base + "/robots.txt") == (200, "User-agent: *\nAllow: /\n")
    status, home = get(outlet.home_url("bao-mau"))
    newest = next(p for p in outlet.pages if p.outlet == "bao-mau")
    assert status == 200 and newest.title in home and outlet.base + newest.path in home
    assert get(outlet.base + "/bao-mau/khong-co-bai-nay-1.html")[0] == 404
    assert get(outlet.base + "/../../etc/passwd")[0] == 404
    assert get(outlet.base + "/bao-mau/rss/tin-moi-nhat.rss?x=<script>")[0] == 200


# --- the demo's config and folder ------------------------------------------------------------


def runtime_for(tmp_path: Path, config_text: str | None, token: str | None = None) -> Runtime:
    config = tmp_path / "user-config.yaml"
    if config_text is not None:
        config.write_text(config_text, encoding="utf-8")
    environ = {"DULUAN_CONFIG": str(config), "DULUAN_NOW": FROZEN}
    if token:
        environ["TELEGRAM_BOT_TOKEN"] = token
    return Runtime.from_environ(environ)


def test_the_demo_config_validates_with_the_shipped_area_and_no_token(
    tmp_path: Path, outlet: SampleOutlet
) -> None:
    shipped = (ROOT / "config.yaml").read_text(encoding="utf-8")
    runtime = runtime_for(tmp_path, shipped, token="123:secret")
    setup = demo_run.prepare(runtime, tmp_path / "demo", outlet, 18080)
    assert setup.own_area and setup.same_area and setup.runtime.bot_token is None
    said = demo_run.intro(setup, outlet, temporary=True)
    assert "Huyện Đăk Hà cũ" in said and "ít hoặc không có cảnh báo" not in said
    assert setup.password in said and outlet.home_url("dai-mau") in said
    config = load(setup.runtime).config
    assert config.locality.district == "Huyện Đăk Hà"
    assert [s.name for s in config.sources] == ["baomau", "daimau"]
    assert config.sources[0].feeds == [outlet.feed_url("bao-mau")]
    assert config.web.port == 18080 and not config.web.secure_cookies
    assert not config.backup.enabled
    assert Path(config.report.out_dir).is_relative_to(tmp_path / "demo")
    assert setup.runtime.database_url.endswith(f"{tmp_path}/demo/data/duluan.sqlite3")
    with Store.open(setup.runtime.database_url) as store:
        account = store.web_user_by_name(demo_run.ADMIN_NAME)
    assert account is not None and account.role == "admin" and len(setup.password) >= 10


@pytest.mark.parametrize(
    "text",
    [
        None,  # no config file
        "locality: {province: Tỉnh Không Có, district: Huyện Không Có}\nsources: []\n",
        "- một danh sách\n",
        "locality: [1, 2]\n",
        ": : không phải YAML\n\t",
        "areas: [{name: a, title: A, places: ['Xã Đăk Pxi, Tỉnh Quảng Ngãi']}]\n"
        "locality: {aliases: {}}\nsources: []\n",
    ],
)
def test_an_unusable_user_area_falls_back_to_the_samples(
    tmp_path: Path, outlet: SampleOutlet, text: str | None
) -> None:
    setup = demo_run.prepare(runtime_for(tmp_path, text), tmp_path / "demo", outlet, 18080)
    assert not setup.own_area
    assert load(setup.runtime).config.locality.district == "Huyện Đăk Hà"


def test_the_users_area_topics_and_tone_are_kept(tmp_path: Path, outlet: SampleOutlet) -> None:
    text = (
        "locality: {province: Tỉnh Kon Tum, district: Huyện Sa Thầy}\n"
        "extra_topics: {du lịch: [homestay]}\ntone: {negative: [nước đục]}\nsources: []\n"
        "units: [{name: X, chat: env:NOT_SET}]\n"
    )
    setup = demo_run.prepare(runtime_for(tmp_path, text), tmp_path / "demo", outlet, 18080)
    config = load(setup.runtime).config
    assert setup.own_area and config.locality.district == "Huyện Sa Thầy"
    assert not setup.same_area
    assert "ít hoặc không có cảnh báo" in demo_run.intro(setup, outlet, temporary=False)
    assert config.extra_topics == {"du lịch": ["homestay"]}
    assert [u.name for u in config.units] == ["Văn phòng UBND (đơn vị mẫu)"]


def test_the_console_port_is_free_or_refused() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(UsageError, match=f"cổng {port} đang bận"):
            demo_run.choose_port(port)
    assert demo_run.choose_port(None) > 0


def test_a_given_folder_must_be_empty(tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "config.yaml").write_text("x", encoding="utf-8")
    with pytest.raises(UsageError, match="đã có dữ liệu"):
        demo_run.make_folder(str(tmp_path / "full"))
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(UsageError):
        demo_run.make_folder(str(tmp_path / "file"))
    with pytest.raises(UsageError, match="không tạo được thư mục"):
        demo_run.make_folder(str(tmp_path / "file" / "below"))
    assert demo_run.make_folder(str(tmp_path / "new" / "demo")).is_dir()


def test_demo_folder_removed_unless_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[Path] = []

    def fake_start(runtime: Runtime, *, data_dir: Path, **options: Any) -> int:
        load(runtime)
        seen.append(data_dir.parent)
        return 0

    monkeypatch.setattr("duluan.commands.start.start_daemon", fake_start)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    runtime = runtime_for(tmp_path, None)
    assert demo_run.run_demo(runtime, out=sys.stdout) == 0
    assert seen[-1].parent == tmp_path and not seen[-1].exists()
    assert demo_run.run_demo(runtime, keep=True, out=sys.stdout) == 0
    assert (seen[-1] / "config.yaml").is_file()
    assert demo_run.run_demo(runtime, directory=str(tmp_path / "mine"), out=sys.stdout) == 0
    assert seen[-1] == tmp_path / "mine" and (seen[-1] / "data").is_dir()
    out = capsys.readouterr().out
    assert out.count("Đã xóa thư mục demo") == 1 and out.count("được giữ tại") == 2


def test_ctrl_c_while_setting_up_is_a_clean_stop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr("duluan.commands.start.start_daemon", interrupted)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    assert demo_run.run_demo(runtime_for(tmp_path, None), out=sys.stdout) == 0
    assert "Đã dừng theo yêu cầu." in capsys.readouterr().out
    assert not list(tmp_path.glob("duluan-demo-*"))


def test_a_config_error_still_removes_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> int:
        raise ConfigError("config.yaml", ["hỏng"])

    monkeypatch.setattr("duluan.commands.start.start_daemon", broken)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    with pytest.raises(ConfigError):
        demo_run.run_demo(runtime_for(tmp_path, None), out=sys.stdout)
    assert not list(tmp_path.glob("duluan-demo-*"))


def test_demo_help_and_bad_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["demo", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "--dir" in out and "--keep" in out and "--port" in out and "Internet" in out
    assert main(["demo", "--port", "0"]) == 2
    assert "cổng 0 không hợp lệ" in capsys.readouterr().err


# --- one real run -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for(check: Callable[[], object], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def base_of(output: str) -> str:
    """The sample outlets' host:port, as the demo printed it."""
    found = re.search(r"Báo Mẫu http://([^/]+)/bao-mau/", output)
    assert found is not None, output
    return found.group(1)


def console_pages(site: str, password: str) -> dict[str, str]:
    """Log in to the console as the demo's account; the queue, cases and reports pages."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    with opener.open(site + "/login", timeout=10) as response:
        form = response.read().decode("utf-8")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None, form
    data = urllib.parse.urlencode(
        {"csrf_token": token.group(1), "next": "/", "username": "demo", "password": password}
    ).encode()
    with opener.open(site + "/login", data=data, timeout=10) as response:
        assert response.status == 200 and "/login" not in response.url
    found = {}
    for path in ("/dashboard", "/queue", "/cases", "/digests"):
        with opener.open(site + path, timeout=10) as response:
            found[path] = response.read().decode("utf-8")
    return found


def start_demo(tmp_path: Path, port: int) -> subprocess.Popen[bytes]:
    """`duluan demo` as a process, its temporary folder under `tmp_path`, with a bot token in
    the environment (the demo must ignore it); output in demo.out and demo.err."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DULUAN_CONFIG": str(ROOT / "config.yaml"),
        "DULUAN_NOW": FROZEN,
        "TELEGRAM_BOT_TOKEN": "123456:not-a-real-token",
        "TMPDIR": str(tmp_path),
    }
    with (tmp_path / "demo.out").open("wb") as out, (tmp_path / "demo.err").open("wb") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "duluan", "demo", "--port", str(port)],
            stdout=out,
            stderr=err,
            env=env,
            cwd=tmp_path,
        )


def interrupt(process: subprocess.Popen[bytes]) -> int:
    """Ctrl-C; the exit code (-999 when it did not stop within 30 s)."""
    process.send_signal(signal.SIGINT)
    try:
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return -999


def test_ctrl_c_during_the_first_crawl_stops_cleanly(tmp_path: Path) -> None:
    process = start_demo(tmp_path, free_port())
    out_path = tmp_path / "demo.out"
    crawling = "Bắt đầu lượt thu thập"
    try:
        assert wait_for(lambda: crawling in (tmp_path / "demo.err").read_text("utf-8"), 60)
    finally:
        code = interrupt(process)
    assert code == 0, (tmp_path / "demo.err").read_text("utf-8")[-3000:]
    assert demo_run.READY_LINE not in out_path.read_text("utf-8")
    assert "Đã xóa thư mục demo" in out_path.read_text("utf-8")
    assert not list(tmp_path.glob("duluan-demo-*"))


def test_a_demo_run_alerts_reviews_reports_and_cleans_up(tmp_path: Path) -> None:
    port = free_port()
    process = start_demo(tmp_path, port)
    out_path, err_path = tmp_path / "demo.out", tmp_path / "demo.err"
    try:
        ready = wait_for(lambda: demo_run.READY_LINE in out_path.read_text("utf-8"), 150)
        output = out_path.read_text("utf-8")
        assert ready, output + err_path.read_text("utf-8")[-3000:]
        said = re.search(r"Thư mục dữ liệu: (\S+)[\s\S]*Mật khẩu:\s+(\S+)", output)
        assert said is not None, output
        folder, password = Path(said.group(1)), said.group(2)
        assert folder.parent == tmp_path and (folder / "config.yaml").is_file()
        assert f"demo / {password}" in output
        pages_seen = console_pages(f"http://127.0.0.1:{port}", password)
        target = next(p for p in sample_pages(NOW) if p.case)
        assert target.title in pages_seen["/queue"]
        assert target.title in pages_seen["/cases"]
        assert "2026-11-20_2026-11-26" in pages_seen["/digests"]
        dashboard = pages_seen["/dashboard"]
        assert "Tổng quan" in dashboard and "Tin tiêu cực" in dashboard
        assert f"127.0.0.1:{port}/dashboard" in output

        pages = sample_pages(NOW)
        with Store.open(f"sqlite:///{folder}/data/duluan.sqlite3") as store:
            stored = {a.url: a.id for a in store.list_articles(limit=500)}
            assert len(stored) == len(pages)
            by_path = {url.split("/", 3)[3]: id_ for url, id_ in stored.items()}
            for copy in (p for p in pages if p.id > COPY_ID_OFFSET):
                original = next(p for p in pages if p.id == copy.id - COPY_ID_OFFSET)
                one = store.get_article(by_path[copy.path.lstrip("/")])
                other = store.get_article(by_path[original.path.lstrip("/")])
                assert one is not None and other is not None
                assert one.cluster_id == other.cluster_id, copy.title
            cases = store.list_cases()
            assert len(cases) == 1
            assignee = next(p for p in pages if p.assign)
            item = demo_run._queued(store, f"http://{base_of(output)}{assignee.path}")
            assert item is not None and item.status == "assigned", item
            messages = store.story_messages(item.story, item.area)
            assert [m.chat for m in messages if m.kind == "assign"] == ["demo-van-phong"]
        assert f'Tin "{assignee.title}" được giao Văn phòng UBND (đơn vị mẫu)' in output
        assert f'tin "{target.title}"' in output and "/cases/" in output

        alerts = "\n".join(
            json.loads(line)["text"]
            for line in (folder / "data" / "alerts.jsonl").read_text("utf-8").splitlines()
        )
        recent = [p for p in pages if p.published > NOW - timedelta(hours=48)]
        assert [p.title for p in recent if not p.elsewhere and p.title in alerts]
        assert target.title in alerts
        assert [p.title for p in pages if p.elsewhere and p.title in alerts] == []
        for copy in (p for p in pages if p.id > COPY_ID_OFFSET):  # one alert per story
            original = next(p for p in pages if p.id == copy.id - COPY_ID_OFFSET)
            assert (copy.title in alerts) + (original.title in alerts) <= 1, copy.title
        assert f"(tệp docx, html, md trong {folder}/data/digests)" in output
        digests = list((folder / "data" / "digests").iterdir())
        assert {d.suffix for d in digests} == {".docx", ".html", ".md"}
        assert "Bắt quả tang nhóm đối tượng đánh bạc" in next(
            d for d in digests if d.suffix == ".html"
        ).read_text("utf-8")
    finally:
        code = interrupt(process)
    assert code == 0, err_path.read_text("utf-8")[-3000:]
    assert "Đã xóa thư mục demo" in out_path.read_text("utf-8")
    assert not list(tmp_path.glob("duluan-demo-*"))
