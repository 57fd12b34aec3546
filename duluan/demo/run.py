"""One demo run: a data folder (temporary unless kept), a config whose sources are the sample
outlets, a console account, then the daemon and the console (`duluan start`'s entry) with a
companion that acts as a first user would once the articles are tagged: it builds the report of
the last seven days and reviews one story as false information, which opens a case, through the
review operation the console uses. Ctrl-C stops it all and removes a temporary folder."""

from __future__ import annotations

import asyncio
import logging
import secrets
import shutil
import socket
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import yaml

from duluan.commands import UsageError
from duluan.demo.outlet import SampleOutlet, outlets, sample_locality

if TYPE_CHECKING:
    from duluan.config import Config
    from duluan.runtime import Runtime
    from review.service import Actor
    from storage import Store
    from storage.queue import QueueItem

log = logging.getLogger("duluan.demo")

ADMIN_NAME = "demo"
DEFAULT_PORT = 8080
READY_TIMEOUT = 240.0  # seconds to wait for the sample articles to be crawled and tagged
POLL = 0.5
CAPTURE_WAIT = 20.0  # seconds to wait for the case's evidence to be kept before saying "ready"
SOURCE_NAMES = {"bao-mau": "baomau", "dai-mau": "daimau"}
# What the demo takes from the user's config: the watch area and how it is tagged.
KEPT_KEYS = ("locality", "topics", "extra_topics", "tone")
READY_LINE = "=== Demo đã sẵn sàng ==="


@dataclass(frozen=True)
class DemoSetup:
    """What a demo run uses: its folder, config, runtime and console account."""

    folder: Path
    runtime: Runtime
    console_url: str
    password: str
    own_area: bool  # the user's area (True) or the sample's (False)
    same_area: bool  # the area the sample articles are about
    origin: str  # the user's config file


def choose_port(wanted: int | None) -> int:
    """The console's port: `wanted` (`UsageError` when it is taken); without one, 8080 when
    free, else any free port."""
    for port in (wanted,) if wanted is not None else (DEFAULT_PORT, 0):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            chosen: int = probe.getsockname()[1]
            return chosen
    if wanted is not None:
        raise UsageError(f"cổng {wanted} đang bận: hãy chọn cổng khác với --port")
    raise UsageError("không tìm được cổng trống cho trang rà soát; hãy dùng --port")


def user_area(config_path: Path) -> dict[str, Any] | None:
    """The watch area (and its topics and tone words) of the user's config file, or None when
    the file is missing, unreadable or has several areas (the demo then uses the sample's)."""
    try:
        data = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("locality"), dict):
        return None
    if data.get("areas"):
        return None
    return {key: data[key] for key in KEPT_KEYS if data.get(key)}


def demo_config(
    area: Mapping[str, Any], outlet: SampleOutlet, folder: Path, port: int
) -> dict[str, Any]:
    """The demo's config: `area`, the sample outlets as sources, console alerts, the report and
    the console in `folder`, no backup."""
    return {
        **area,
        "crawl": {
            "contact": "demo@example.invalid",
            "delay": "0s",
            "autothrottle": False,
            "retries": 1,
            "retry_backoff": "0.2s",
            "timeout": "10s",
            "concurrency_per_domain": 4,
        },
        "sources": [
            {
                "name": SOURCE_NAMES[path],
                "title": title,
                "homepage": outlet.home_url(path),
                "feeds": [outlet.feed_url(path)],
                "article_pattern": r"-\d+\.html$",
                "interval": "2m",
            }
            for path, title in outlets().items()
        ],
        "units": [
            {
                "name": "Văn phòng UBND (đơn vị mẫu)",
                "chat": "demo-van-phong",
                "communes": [],
                "topics": [],
            }
        ],
        "review": {},
        "report": {"out_dir": str(folder / "data" / "digests"), "formats": ["docx", "html", "md"]},
        "web": {"enabled": True, "host": "127.0.0.1", "port": port, "secure_cookies": False},
        "backup": {"enabled": False},
    }


def make_folder(directory: str | None) -> Path:
    """The demo's folder: `directory` (created; it must be empty), else a new temporary one."""
    if directory is None:
        return Path(tempfile.mkdtemp(prefix="duluan-demo-")).resolve()
    folder = Path(directory).resolve()
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise UsageError(
            f"thư mục {folder} đã có dữ liệu: hãy chọn một thư mục trống hoặc chưa có cho demo"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"không tạo được thư mục {folder}: {exc.strerror or exc}") from None
    return folder


def prepare(runtime: Runtime, folder: Path, outlet: SampleOutlet, port: int) -> DemoSetup:
    """Write the demo's config into `folder` (the user's area when it loads, else the sample's),
    create its database and console account; the runtime has no bot token (alerts go to the
    console) whatever the environment says."""
    from duluan.commands import load, open_store
    from duluan.config import ConfigError
    from duluan.console.auth import ADMIN, hash_password

    data_dir = folder / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    config_path = folder / "config.yaml"
    demo = replace(
        runtime,
        config_path=str(config_path),
        database_url=f"sqlite:///{data_dir / 'duluan.sqlite3'}",
        bot_token=None,
    )

    def write(area: Mapping[str, Any]) -> Config:
        text = yaml.safe_dump(
            demo_config(area, outlet, folder, port), allow_unicode=True, sort_keys=False
        )
        config_path.write_text(
            "# Cấu hình của duluan demo (tạo tự động, nguồn là hai trang báo mẫu trên máy).\n"
            + text,
            encoding="utf-8",
        )
        return load(demo).config

    config = None
    area = user_area(Path(runtime.config_path))
    if area is not None:
        try:
            config = write(area)
        except ConfigError as exc:
            log.warning("Không dùng được địa bàn của %s cho demo: %s", runtime.config_path, exc)
    own_area = config is not None
    if config is None:
        config = write({"locality": sample_locality()})
    password = secrets.token_urlsafe(12)
    with open_store(demo) as store:
        store.add_web_user(ADMIN_NAME, ADMIN, None, hash_password(password), runtime.now())
    sample = sample_locality()
    place = (config.locality.province, config.locality.district)
    same = place == (sample["province"], sample["district"])
    return DemoSetup(
        folder, demo, f"http://127.0.0.1:{port}", password, own_area, same, runtime.config_path
    )


async def wait_until_tagged(store: Store, expected: int) -> int:
    """Wait until `expected` articles are stored and none waits to be tagged (or the timeout);
    how many are stored. Each look is short, so a stop never waits for this."""

    def progress() -> tuple[int, bool]:
        stored = len(store.list_articles(limit=expected + 100))
        return stored, not store.articles_to_tag(1)

    deadline = asyncio.get_running_loop().time() + READY_TIMEOUT
    while True:
        stored, all_tagged = await asyncio.to_thread(progress)
        if stored >= expected and all_tagged:
            return stored
        if asyncio.get_running_loop().time() > deadline:
            log.warning("Sau %.0f giây mới có %d/%d bài mẫu", READY_TIMEOUT, stored, expected)
            return stored
        await asyncio.sleep(POLL)


def build_week_digest(store: Store, config: Config, now: Callable[[], datetime]) -> list[Path]:
    """The report of the last seven days (today included), as `duluan digest --from --to`
    writes it."""
    from digest.build import build_digest
    from digest.window import range_window

    today = now().astimezone(config.schedule.zone).date()
    window = range_window(today - timedelta(days=6), today, config.schedule.zone)
    return list(build_digest(store, config, window, now).files.values())


def _queued(store: Store, url: str) -> QueueItem | None:
    """The review queue's item of the article at `url`."""
    from storage.queue import QueueFilters

    items = store.review_queue(QueueFilters(), limit=500).items
    return next((i for i in items if i.url == url), None)


def _actor(store: Store) -> Actor:
    """The demo's console account as the review service names a console user."""
    from review.service import Actor

    account = store.web_user_by_name(ADMIN_NAME)
    return Actor(-(account.id if account else 0), f"{ADMIN_NAME} (trang web)", "web, demo")


def open_case(
    store: Store, config: Config, now: Callable[[], datetime], url: str
) -> tuple[str, int, threading.Thread | None] | None:
    """Review the story of the article at `url` as false information, as the demo's account
    would in the console: that opens its case and starts keeping its page as evidence. The
    story's title, its case number and the thread keeping the evidence, or None when the story
    is not in the queue."""
    from cases.evidence import fetcher_for
    from review.service import ReviewService

    item = _queued(store, url)
    if item is None:
        return None
    done = ReviewService(store, config, now, fetcher_for(config)).verdict(
        story=item.story,
        version=item.version,
        status="false_info",
        actor=_actor(store),
        article_id=item.article_id,
        area=item.area,
    )
    return (item.title, done.case.id, done.capture) if done.case is not None else None


def assign_story(
    store: Store, config: Config, now: Callable[[], datetime], url: str
) -> tuple[str, str] | None:
    """Hand the story of the article at `url` to the demo's unit, with the default deadline,
    as the demo's account would in the console (the unit's message is queued). The story's
    title and the unit's name, or None when the story is not in the queue."""
    from review.service import ReviewService

    item = _queued(store, url)
    if item is None or not config.units:
        return None
    service = ReviewService(store, config, now)
    unit = service.unit(config.units[0].name, item.area)
    service.assign(
        story=item.story,
        version=item.version,
        unit=unit,
        actor=_actor(store),
        article_id=item.article_id,
        area=item.area,
    )
    return item.title, unit.name


async def act_as_first_user(setup: DemoSetup, outlet: SampleOutlet, out: TextIO) -> None:
    """Once the sample articles are tagged: build the week's report, open a case, assign a
    story to the unit, say so."""
    from duluan.config import load_config
    from storage import Store

    runtime = setup.runtime
    config = load_config(runtime.config_path, runtime.variables).config
    target = next(p for p in outlet.pages if p.case)
    assignee = next(p for p in outlet.pages if p.assign)
    with Store.open(runtime.database_url) as store:
        stored = await wait_until_tagged(store, len(outlet.pages))
        files = await asyncio.to_thread(build_week_digest, store, config, runtime.now)
        case = await asyncio.to_thread(
            open_case, store, config, runtime.now, outlet.base + target.path
        )
        assigned = await asyncio.to_thread(
            assign_story, store, config, runtime.now, outlet.base + assignee.path
        )
        capture = case[2] if case is not None else None
        waited = 0.0
        while capture is not None and capture.is_alive() and waited < CAPTURE_WAIT:
            await asyncio.sleep(POLL)  # the evidence kept before saying "ready"
            waited += POLL
    alerts = setup.folder / "data" / "alerts.jsonl"
    count = len(alerts.read_text(encoding="utf-8").splitlines()) if alerts.exists() else 0
    site = setup.console_url
    lines = [
        "",
        READY_LINE,
        f"- Đã thu thập và gắn nhãn {stored} bài; cảnh báo đã in ở trên ({count} tin nhắn, lưu "
        f"trong {alerts}). Bài về tỉnh khác không có cảnh báo; bài đăng lại trên hai báo gộp "
        "thành một tin.",
        f"- Tổng quan (trang đầu): {site}/dashboard",
        f"- Hàng đợi rà soát: {site}/queue (nút Lập báo cáo, Xuất Excel dưới bộ lọc)",
    ]
    if case is not None:
        lines.append(
            f'- Vụ việc: {site}/cases/{case[1]} (tin "{case[0]}" được đánh giá "sai sự '
            'thật" để mở hồ sơ)'
        )
    if assigned is not None:
        lines.append(
            f'- Tin "{assigned[0]}" được giao {assigned[1]} xác minh (tin nhắn giao việc in ra màn '
            "hình ở lượt gửi tiếp theo)"
        )
    lines += [
        f"- Báo cáo 7 ngày qua: {site}/digests (tệp "
        + ", ".join(f.suffix.lstrip(".") for f in files)
        + (f" trong {files[0].parent})" if files else ")"),
        f"- Đăng nhập: {ADMIN_NAME} / {setup.password}. Dừng: Ctrl-C.",
        "",
    ]
    print("\n".join(lines), file=out, flush=True)


def intro(setup: DemoSetup, outlet: SampleOutlet, temporary: bool) -> str:
    """What the demo says at start, in Vietnamese."""
    where = "thư mục tạm, tự xóa khi dừng" if temporary else "được giữ lại khi dừng"
    area = "Huyện Đăk Hà cũ, nay thuộc tỉnh Quảng Ngãi" + (
        f" (theo {setup.origin})" if setup.own_area else " (địa bàn của bài mẫu)"
    )
    if not setup.same_area:
        area = (
            f"địa bàn trong {setup.origin} (bài mẫu viết về Huyện Đăk Hà cũ nên địa bàn khác "
            "có thể ít hoặc không có cảnh báo)"
        )
    papers = ", ".join(f"{title} {outlet.home_url(path)}" for path, title in outlets().items())
    return "\n".join(
        [
            "=== duluan: chạy thử (demo), không cần Internet ===",
            f"Thư mục dữ liệu: {setup.folder} ({where})",
            f"Địa bàn theo dõi: {area}",
            f"Hai báo mẫu trên máy này ({len(outlet.pages)} bài): {papers}",
            f"Trang rà soát: {setup.console_url}/",
            f"  Tên đăng nhập: {ADMIN_NAME}",
            f"  Mật khẩu:      {setup.password}",
            "Trong khoảng một phút: thu thập, gắn nhãn, cảnh báo in ra màn hình (không gửi "
            "Telegram), hàng đợi rà soát, một vụ việc mở sẵn và báo cáo 7 ngày qua.",
            "Dừng: Ctrl-C.",
            "",
        ]
    )


def run_demo(
    runtime: Runtime,
    *,
    directory: str | None = None,
    port: int | None = None,
    keep: bool = False,
    out: TextIO,
) -> int:
    """Run the demo until Ctrl-C or SIGTERM; the daemon's exit code. A temporary folder is
    removed at the end unless `keep`; a `directory` given is always kept."""
    from duluan.commands.start import start_daemon

    chosen = choose_port(port)
    folder = make_folder(directory)
    temporary = directory is None and not keep
    try:
        with SampleOutlet(runtime.now()) as outlet:
            setup = prepare(runtime, folder, outlet, chosen)
            print(intro(setup, outlet, temporary), file=out, flush=True)
            code = start_daemon(
                setup.runtime,
                data_dir=folder / "data",
                companion=partial(act_as_first_user, setup, outlet, out),
                startup_spread=timedelta(0),  # two small local outlets: one first pass
            )
    except KeyboardInterrupt:  # Ctrl-C before the daemon took over its signals: a clean stop
        print("\nĐã dừng theo yêu cầu.", file=out, flush=True)
        code = 0
    finally:
        if temporary:
            shutil.rmtree(folder, ignore_errors=True)
            print(f"Đã xóa thư mục demo {folder}.", file=out, flush=True)
        else:
            print(f"Dữ liệu demo được giữ tại {folder}.", file=out, flush=True)
    return code
