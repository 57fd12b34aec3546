"""Backups: a consistent copy while a writer commits, a restore only into empty places, hostile
and damaged archives refused before anything is written, the daily job's rotation, and a
PostgreSQL round trip through pg_dump / pg_restore where those tools exist."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from duluan.cli import main
from duluan.config import ConfigError, parse_config
from storage import Store
from storage.backup import (
    MANIFEST,
    BackupError,
    BackupUsageError,
    archive_name,
    make_backup,
    prune_backups,
    restore_backup,
    safe_member_name,
)
from storage.db import normalize_url
from tests.kit.console import NOW, seed
from tests.kit.db import DEFAULT_PG_URL, _admin_engine

CONFIG = """
locality: {province: Tỉnh Kon Tum, district: Huyện Đăk Hà}
sources:
  - {name: baoquangngai, title: Báo Quảng Ngãi, feeds: ['https://baoquangngai.vn/rss']}
  - {name: dantri, title: Dân trí, feeds: ['https://dantri.com.vn/rss']}
backup: {at: '02:30', keep: 2, dir: backups}
"""


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'duluan.sqlite3'}"


def data_folder(folder: Path) -> Path:
    """A data folder like a running deployment's: the web secret (0600), a digest, alerts."""
    data = folder / "data"
    (data / "digests").mkdir(parents=True)
    secret = data / "web-secret"
    secret.write_text("bí-mật\n", encoding="utf-8")
    secret.chmod(0o600)
    (data / "digests" / "bao-cao-2026-W48.docx").write_bytes(os.urandom(3000))
    (data / "alerts.jsonl").write_text('{"chat": "-1001"}\n', encoding="utf-8")
    return data


def seeded(folder: Path) -> str:
    url = sqlite_url(folder)
    with Store.open(url) as store:
        seed(store)
    return url


# --- the round trip -----------------------------------------------------------------------


class Writer(threading.Thread):
    """Commits pairs of job_runs rows (a-N, b-N) in one transaction each, until stopped: a
    consistent copy holds both rows of every pair or neither."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.pairs = 0
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            while not self.stop.is_set():
                connection.execute("BEGIN IMMEDIATE")
                for side in "ab":
                    connection.execute(
                        "INSERT INTO job_runs (name, last_run_at, last_result) VALUES (?, ?, ?)",
                        (f"{side}-{self.pairs}", "2026-11-26 03:00:00", "x" * 2000),
                    )
                connection.execute("COMMIT")
                self.pairs += 1
            connection.close()
        except BaseException as exc:
            self.error = exc


def test_backup_while_a_writer_commits_then_restore_elsewhere(tmp_path: Path) -> None:
    live = tmp_path / "live"
    url = seeded(live)
    data = data_folder(live)
    with Store.open(url) as store:
        before = [(a.id, a.title) for a in store.list_articles(limit=100)]
    writer = Writer(live / "duluan.sqlite3")
    writer.start()
    try:
        while writer.pairs < 200 and writer.error is None:
            threading.Event().wait(0.01)
        started = writer.pairs
        done = make_backup(url, {"data": data}, tmp_path / "out" / "b.tar.gz", NOW)
        during = writer.pairs
    finally:
        writer.stop.set()
        writer.join()
    assert writer.error is None
    assert during > started  # the writer went on committing while the copy was made
    assert done.database == "sqlite" and done.revision is not None and done.files == 3
    assert done.path.stat().st_mode & 0o777 == 0o600  # the archive holds the web secret

    fresh = tmp_path / "fresh"
    restored = restore_backup(
        done.path, f"sqlite:///{fresh / 'db' / 'copy.sqlite3'}", {"data": fresh / "data"}
    )
    assert restored.files == 3 and restored.revision == done.revision
    assert restored.tables == done.tables and restored.tables["articles"] == 4
    copy = sqlite3.connect(fresh / "db" / "copy.sqlite3")
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        pairs = dict(
            copy.execute(
                "SELECT substr(name, 1, 1), count(*) FROM job_runs "
                "WHERE name LIKE 'a-%' OR name LIKE 'b-%' GROUP BY 1"
            ).fetchall()
        )
    finally:
        copy.close()
    assert pairs["a"] == pairs["b"] and started <= pairs["a"] <= writer.pairs
    for name in ("web-secret", "digests/bao-cao-2026-W48.docx", "alerts.jsonl"):
        assert (fresh / "data" / name).read_bytes() == (data / name).read_bytes()
    assert (fresh / "data" / "web-secret").stat().st_mode & 0o777 == 0o600
    with Store.open(f"sqlite:///{fresh / 'db' / 'copy.sqlite3'}") as store:
        assert [(a.id, a.title) for a in store.list_articles(limit=100)] == before
    assert not list(fresh.glob(".duluan-restore-*")) and not list(
        (tmp_path / "out").glob(".duluan-backup-*")
    )


def test_the_archive_lists_every_file_with_its_checksum(tmp_path: Path) -> None:
    url = seeded(tmp_path)
    data = data_folder(tmp_path)
    (tmp_path / "data" / "link").symlink_to("/etc/passwd")  # a symlink is not followed
    done = make_backup(url, {"data": data}, tmp_path / "b.tar.gz", NOW)
    with tarfile.open(done.path) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile(MANIFEST).read())  # type: ignore[union-attr]
        sums = {
            m.name: hashlib.sha256(tar.extractfile(m).read()).hexdigest()  # type: ignore[union-attr]
            for m in tar.getmembers()
            if m.name != MANIFEST
        }
    assert names[0] == MANIFEST
    assert sorted(names[1:]) == [
        "data/alerts.jsonl",
        "data/digests/bao-cao-2026-W48.docx",
        "data/web-secret",
        "database.sqlite3",
    ]  # the database itself (in data/ here) is copied once, through the backup API
    assert {f["path"]: f["sha256"] for f in manifest["files"]} == sums
    assert manifest["format"] == "duluan-backup" and manifest["version"] == 1
    assert manifest["database"]["schema_revision"] == done.revision
    assert manifest["created_at"] == NOW.isoformat()


# --- restore refuses ----------------------------------------------------------------------


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    live = tmp_path / "live"
    return make_backup(seeded(live), {"data": data_folder(live)}, tmp_path / "b.tar.gz", NOW).path


def test_restore_never_writes_over_a_database_or_a_non_empty_folder(
    archive: Path, tmp_path: Path
) -> None:
    target = tmp_path / "target"
    (target / "data").mkdir(parents=True)
    (target / "db.sqlite3").write_bytes(b"")
    with pytest.raises(BackupUsageError, match="đã có cơ sở dữ liệu"):
        restore_backup(archive, f"sqlite:///{target / 'db.sqlite3'}", {"data": target / "data"})
    (target / "db.sqlite3").unlink()
    (target / "data" / "ghi-chu.txt").write_text("của người dùng", encoding="utf-8")
    with pytest.raises(BackupUsageError, match="không trống"):
        restore_backup(archive, f"sqlite:///{target / 'db.sqlite3'}", {"data": target / "data"})
    assert not (target / "db.sqlite3").exists()
    assert [p.name for p in (target / "data").iterdir()] == ["ghi-chu.txt"]


def test_a_data_file_never_lands_on_the_restored_database(tmp_path: Path) -> None:
    live = tmp_path / "live"
    url = seeded(live / "db")
    data = data_folder(live)
    (data / "duluan.sqlite3").write_bytes(b"a stray file, not the database")
    done = make_backup(url, {"data": data}, tmp_path / "b.tar.gz", NOW)
    target = tmp_path / "target"
    with pytest.raises(BackupUsageError, match="trùng chỗ với cơ sở dữ liệu"):
        restore_backup(done.path, sqlite_url(target / "data"), {"data": target / "data"})
    assert not (target / "data").exists()


def rebuild(
    source: Path,
    out: Path,
    *,
    extra: list[tuple[tarfile.TarInfo, bytes]] = (),  # type: ignore[assignment]
    listed: list[dict[str, object]] = (),  # type: ignore[assignment]
    change: Callable[[str, bytes], bytes] = lambda _name, body: body,
) -> Path:
    """A copy of archive `source` with members added (and listed in its manifest), or a
    member's bytes changed after its checksum was written."""
    with tarfile.open(source) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]  # type: ignore[union-attr]
    manifest = json.loads(members[0][1])
    manifest["files"] += listed
    body = json.dumps(manifest).encode()
    head = tarfile.TarInfo(MANIFEST)
    head.size = len(body)
    with tarfile.open(out, "w:gz") as tar:
        tar.addfile(head, io.BytesIO(body))
        for member, data in members[1:]:
            data = change(member.name, data)
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
        for member, data in extra:
            tar.addfile(member, io.BytesIO(data) if member.isreg() else None)
    return out


def regular(name: str, body: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(body)
    return info, body


def link(name: str, kind: bytes, target: str) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info, b""


def entry(name: str, body: bytes) -> dict[str, object]:
    return {
        "path": name,
        "size": len(body),
        "sha256": hashlib.sha256(body).hexdigest(),
        "mode": 420,
    }


EVIL = b"owned\n"
HOSTILE = {
    "parent": [regular("../evil.txt", EVIL)],
    "parent-inside": [regular("data/../../evil.txt", EVIL)],
    "absolute": [regular("/tmp/duluan-evil-absolute.txt", EVIL)],
    "symlink": [link("data/evil.txt", tarfile.SYMTYPE, "/etc/passwd")],
    "hardlink": [link("data/evil.txt", tarfile.LNKTYPE, "/etc/passwd")],
    "symlinked-folder-then-file": [
        link("data/sub", tarfile.SYMTYPE, ".."),
        regular("data/sub/evil.txt", EVIL),
    ],
    "unlisted": [regular("data/unlisted.txt", EVIL)],
    "unknown-root": [regular("elsewhere/evil.txt", EVIL)],
    "duplicate": [regular("data/web-secret", EVIL)],
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_a_hostile_archive_is_refused_before_anything_is_written(
    kind: str, archive: Path, tmp_path: Path
) -> None:
    members = HOSTILE[kind]
    listed = [entry(m.name, body) for m, body in members if m.isreg() and kind != "unlisted"]
    hostile = rebuild(archive, tmp_path / "hostile.tar.gz", extra=members, listed=listed)
    target = tmp_path / "deep" / "target"
    target.mkdir(parents=True)
    with pytest.raises(BackupError):
        restore_backup(hostile, f"sqlite:///{target / 'db.sqlite3'}", {"data": target / "data"})
    assert not (target / "db.sqlite3").exists() and not (target / "data").exists()
    assert not list(tmp_path.rglob("evil.txt"))
    assert not Path("/tmp/duluan-evil-absolute.txt").exists()


@pytest.mark.parametrize(
    "listed",
    [
        {"path": "../x", "size": 1, "sha256": "0" * 64, "mode": 420},
        {"path": "data/x", "size": 1, "sha256": "not a checksum", "mode": 420},
        {"path": "data/x", "size": 1, "sha256": "0" * 64, "mode": 0o4755},  # setuid
        {"path": "data/x"},
    ],
)
def test_a_manifest_entry_out_of_shape_is_refused(
    listed: dict[str, object], archive: Path, tmp_path: Path
) -> None:
    bad = rebuild(
        archive, tmp_path / "bad.tar.gz", extra=[regular("data/x", b"1")], listed=[listed]
    )
    with pytest.raises(BackupError):
        restore_backup(bad, f"sqlite:///{tmp_path / 't' / 'db.sqlite3'}", {"data": tmp_path / "t"})
    assert not (tmp_path / "t").exists()


def test_a_damaged_file_fails_its_checksum_and_nothing_is_restored(
    archive: Path, tmp_path: Path
) -> None:
    def flip(name: str, body: bytes) -> bytes:
        return body[:-1] + bytes([body[-1] ^ 1]) if name == "data/alerts.jsonl" else body

    damaged = rebuild(archive, tmp_path / "damaged.tar.gz", change=flip)
    target = tmp_path / "target"
    with pytest.raises(BackupError, match="SHA-256"):
        restore_backup(damaged, f"sqlite:///{target / 'db.sqlite3'}", {"data": target / "data"})
    assert not (target / "db.sqlite3").exists() and not (target / "data").exists()


def test_a_schema_newer_than_this_duluan_is_refused(archive: Path, tmp_path: Path) -> None:
    with tarfile.open(archive) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]  # type: ignore[union-attr]
    manifest = json.loads(members[0][1])
    manifest["database"]["schema_revision"] = "9999"
    body = json.dumps(manifest).encode()
    newer = tmp_path / "newer.tar.gz"
    with tarfile.open(newer, "w:gz") as tar:
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
        for member, data in members[1:]:
            tar.addfile(member, io.BytesIO(data))
    with pytest.raises(BackupError, match="mới hơn phiên bản duluan này"):
        restore_backup(newer, f"sqlite:///{tmp_path / 't.sqlite3'}", {"data": tmp_path / "d"})


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("data/web-secret", True),
        ("database.sqlite3", True),
        ("../x", False),
        ("data/../x", False),
        ("data/./x", False),
        ("/etc/passwd", False),
        ("data//x", False),
        ("data\\..\\x", False),
        ("data/x\n", False),
        ("", False),
    ],
)
def test_member_names(name: str, safe: bool) -> None:
    assert safe_member_name(name) is safe


# --- the command line ---------------------------------------------------------------------


@pytest.fixture
def deployment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A deployment folder with config.yaml, ./data and a seeded database, as the cwd."""
    live = tmp_path / "live"
    live.mkdir()
    (live / "config.yaml").write_text(CONFIG, encoding="utf-8")
    data_folder(live)
    seeded(live / "data")
    monkeypatch.chdir(live)
    monkeypatch.setenv("DULUAN_CONFIG", str(live / "config.yaml"))
    monkeypatch.setenv("DULUAN_DATABASE_URL", sqlite_url(live / "data"))
    monkeypatch.setenv("DULUAN_NOW", "2026-11-26T10:00:00+07:00")
    return live


def test_cli_backup_then_restore_on_another_machine(
    deployment: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["backup"]) == 0
    out = capsys.readouterr().out
    made = deployment / "backups" / "duluan-20261126-100000.tar.gz"
    assert made.is_file() and str(made) in out and "4 bài" in out
    assert main(["backup", "--out", str(made)]) == 2  # never overwrites an archive
    assert "đã có" in capsys.readouterr().err
    assert main(["backup", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "duluan-20261126-100000.tar.gz").is_file()

    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(deployment / "config.yaml", other / "config.yaml")
    monkeypatch.chdir(other)
    monkeypatch.setenv("DULUAN_CONFIG", str(other / "config.yaml"))
    monkeypatch.setenv("DULUAN_DATABASE_URL", sqlite_url(other / "data"))
    capsys.readouterr()
    assert main(["restore", str(made)]) == 0
    out = capsys.readouterr().out
    assert "Đã khôi phục bản sao lưu lúc 10:00 26/11/2026" in out and "3 tệp" in out
    assert (other / "data" / "web-secret").read_text(encoding="utf-8") == "bí-mật\n"
    assert main(["restore", str(made)]) == 2  # the second time the place is not empty
    assert "khôi phục chỉ ghi vào chỗ trống" in capsys.readouterr().err
    (other / "junk.tar.gz").write_bytes(b"not a backup")
    assert main(["restore", str(other / "junk.tar.gz")]) == 2
    assert "không phải bản sao lưu của duluan" in capsys.readouterr().err
    assert main(["restore", str(other / "absent.tar.gz")]) == 2
    assert "không có tệp" in capsys.readouterr().err


def test_cli_help_of_backup_and_restore(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("backup", "restore"):
        with pytest.raises(SystemExit) as exited:
            main([command, "--help"])
        assert exited.value.code == 0
        assert "sao lưu" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exited:
        main(["restore"])
    assert exited.value.code == 2


def test_backup_config_is_validated_in_vietnamese() -> None:
    assert parse_config(CONFIG, "t", {}).config.backup.keep == 2
    for bad, message in (
        ("{at: '25:00'}", "backup.at: '25:00' không phải giờ như '08:00'"),
        ("{keep: 0}", "backup.keep: 0 quá nhỏ"),
        ("{dir: ' '}", "backup.dir: cần đường dẫn thư mục"),
        ("{every: 1d}", "backup.every: '1d' khóa không được hỗ trợ"),
    ):
        text = CONFIG.replace("{at: '02:30', keep: 2, dir: backups}", bad)
        with pytest.raises(ConfigError) as raised:
            parse_config(text, "t", {})
        assert message in str(raised.value)


# --- the daily job and its rotation -------------------------------------------------------


def test_prune_keeps_the_newest_archives_and_nothing_else_is_touched(tmp_path: Path) -> None:
    names = [archive_name(datetime(2026, 11, d, 2, 30, tzinfo=UTC)) for d in range(20, 26)]
    for name in [*names, "duluan-thu-cong.tar.gz", "ghi-chu.txt", "duluan-20261101-0230.tar.gz"]:
        (tmp_path / name).write_bytes(b"x")
    deleted = prune_backups(tmp_path, keep=2)
    assert sorted(p.name for p in deleted) == names[:4]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [*names[4:], "duluan-thu-cong.tar.gz", "ghi-chu.txt", "duluan-20261101-0230.tar.gz"]
    )
    assert prune_backups(tmp_path / "absent", keep=2) == []


def test_daemon_backs_up_daily_at_backup_at_and_keeps_backup_keep(deployment: Path) -> None:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from duluan.daemon import BACKUP_JOB, Daemon

    config = parse_config(CONFIG, "t", {}).config
    url = sqlite_url(deployment / "data")
    zone = config.schedule.zone
    days = [datetime(2026, 11, d, 2, 30, tzinfo=zone) for d in (24, 25, 26)]
    (deployment / "backups").mkdir()
    (deployment / "backups" / "duluan-thu-cong.tar.gz").write_bytes(b"a manual copy")

    async def run() -> datetime:
        clock = {"now": days[0]}
        daemon = Daemon(config, url, now=lambda: clock["now"], data_dir=Path("data"))
        daemon._store = Store.open(url)
        scheduler = AsyncIOScheduler(timezone=zone)
        try:
            daemon._schedule(scheduler)
            scheduler.start(paused=True)
            when: datetime = scheduler.get_job(BACKUP_JOB).next_run_time
            for day in days:
                clock["now"] = day
                await daemon._backup_job()
            return when
        finally:
            scheduler.shutdown(wait=False)
            daemon._store.close()

    when = asyncio.run(run()).astimezone(zone)
    assert (when.hour, when.minute) == (2, 30)
    assert sorted(p.name for p in (deployment / "backups").iterdir()) == [
        "duluan-20261125-023000.tar.gz",
        "duluan-20261126-023000.tar.gz",
        "duluan-thu-cong.tar.gz",
    ]
    with Store.open(url) as store:
        run_info = store.job_runs()[BACKUP_JOB]
    assert run_info.last_run_at == days[-1]
    assert run_info.last_result == "duluan-20261126-023000.tar.gz, xóa 1 bản cũ"
    with tarfile.open(deployment / "backups" / "duluan-20261126-023000.tar.gz") as tar:
        names = tar.getnames()
    assert not any(n.startswith(("data/duluan.sqlite3", "backups")) for n in names)


def test_a_disabled_backup_is_not_scheduled(tmp_path: Path) -> None:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from duluan.daemon import BACKUP_JOB, Daemon

    text_ = CONFIG.replace("keep: 2,", "keep: 2, enabled: false,")
    config = parse_config(text_, "t", {}).config
    url = sqlite_url(tmp_path)

    async def jobs() -> list[str]:
        daemon = Daemon(config, url, now=lambda: NOW)
        daemon._store = Store.open(url)
        scheduler = AsyncIOScheduler(timezone=config.schedule.zone)
        try:
            daemon._schedule(scheduler)
            return [job.id for job in scheduler.get_jobs()]
        finally:
            daemon._store.close()

    assert BACKUP_JOB not in asyncio.run(jobs())


# --- PostgreSQL ---------------------------------------------------------------------------


@pytest.fixture
def pg_pair() -> Iterator[tuple[str, str]]:
    """Two throwaway databases on the test server: a source and an empty target."""
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump và pg_restore không có trên máy này: bỏ qua vòng PostgreSQL")
    admin_url = normalize_url(os.environ.get("DULUAN_TEST_POSTGRES_URL") or DEFAULT_PG_URL)
    admin = _admin_engine(admin_url)
    names = [f"duluan_backup_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    try:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        pytest.skip(
            f"PostgreSQL không truy cập được: bỏ qua vòng PostgreSQL ({type(exc).__name__})"
        )
    base = make_url(admin_url)
    urls = [base.set(database=n).render_as_string(hide_password=False) for n in names]
    try:
        yield urls[0], urls[1]
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
def test_postgresql_round_trip_through_pg_dump_and_pg_restore(
    pg_pair: tuple[str, str], tmp_path: Path
) -> None:
    source, target = pg_pair
    with Store.open(source) as store:
        seed(store)
        before = [(a.id, a.title, a.cluster_id) for a in store.list_articles(limit=100)]
    data = data_folder(tmp_path / "live")
    done = make_backup(source, {"data": data}, tmp_path / "pg.tar.gz", NOW)
    assert done.database == "postgresql" and done.revision is not None
    with tarfile.open(done.path) as tar:
        assert "database.pgdump" in tar.getnames()
    restored = restore_backup(done.path, target, {"data": tmp_path / "fresh"})
    assert restored.files == 3 and restored.revision == done.revision
    with Store.open(target) as store:
        assert [(a.id, a.title, a.cluster_id) for a in store.list_articles(limit=100)] == before
        assert store.search_articles("dak pxi")  # the search index came back too
    with pytest.raises(BackupUsageError, match="đã có"):
        restore_backup(done.path, target, {"data": tmp_path / "again"})


def test_a_sqlite_archive_is_not_restored_into_postgresql(archive: Path, tmp_path: Path) -> None:
    with pytest.raises(BackupUsageError, match="cùng loại"):
        restore_backup(archive, DEFAULT_PG_URL, {"data": tmp_path / "d"})


def test_without_pg_dump_the_message_names_the_commands(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    with pytest.raises(BackupError, match="pg_dump -Fc") as raised:
        make_backup(DEFAULT_PG_URL, {}, tmp_path / "x.tar.gz", NOW)
    assert "postgresql-client" in str(raised.value)
    assert not (tmp_path / "x.tar.gz").exists()
