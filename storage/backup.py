"""Backups: one archive holding a consistent copy of the database and the data folder's files.

The archive is a gzip'd tar: `manifest.json` first (format, version, when, the schema revision,
every file with its size and SHA-256), then the database copy (`database.sqlite3`, made with
SQLite's online backup API in one step, so it is one consistent snapshot while the daemon
writes; or `database.pgdump`, `pg_dump -Fc`), then the folders' files under their root's name
(`data/web-secret`, `data/digests/…`). A restore checks every member before writing anything:
only regular files the manifest lists, relative paths without `..`, matching sizes and
checksums; it never writes over an existing database or a non-empty folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from storage.db import mask_url, normalize_url

log = logging.getLogger(__name__)

FORMAT = "duluan-backup"
VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.pgdump"
ARCHIVE_PATTERN = re.compile(r"^duluan-\d{8}-\d{6}\.tar\.gz$")
CHUNK = 1024 * 1024
PG_COMMANDS = (
    "pg_dump -Fc -f duluan.pgdump 'postgresql://NGƯỜI_DÙNG@MÁY_CHỦ/TÊN_CSDL' (sao lưu) và "
    "pg_restore --no-owner --exit-on-error -d 'postgresql://NGƯỜI_DÙNG@MÁY_CHỦ/CSDL_TRỐNG' "
    "duluan.pgdump (khôi phục), như trong README"
)
_ROOT_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class BackupError(Exception):
    """A backup or restore that failed, explained in Vietnamese (exit code 1)."""


class BackupUsageError(BackupError):
    """A backup or restore asked of the wrong thing (exit code 2): a target that is not empty,
    a file that is not a duluan backup, a database of the other kind."""


@dataclass(frozen=True)
class BackupFile:
    """One file of an archive as its manifest lists it."""

    path: str
    size: int
    sha256: str
    mode: int = 0o600


@dataclass(frozen=True)
class BackupResult:
    """What `make_backup` wrote."""

    path: Path
    size: int
    database: str  # "sqlite" or "postgresql"
    revision: str | None
    files: int  # data files, beside the database
    tables: dict[str, int] = field(default_factory=dict)  # rows per table (SQLite copies)


@dataclass(frozen=True)
class RestoreResult:
    """What `restore_backup` put back."""

    database: str  # where, password masked
    revision: str | None
    created_at: str
    files: int
    tables: dict[str, int] = field(default_factory=dict)


def archive_name(moment: datetime) -> str:
    """`duluan-20261126-023000.tar.gz`: the name the daily job makes (and later deletes)."""
    return f"duluan-{moment.strftime('%Y%m%d-%H%M%S')}.tar.gz"


def prune_backups(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` archives named like `archive_name`; other files in the
    folder are never touched. Returns the deleted paths."""
    if keep < 1:
        raise ValueError(f"keep phải ≥ 1, nhận được {keep}")
    try:
        ours = sorted(
            p for p in directory.iterdir() if ARCHIVE_PATTERN.match(p.name) and p.is_file()
        )
    except FileNotFoundError:
        return []
    deleted = []
    for old in ours[:-keep]:
        with contextlib.suppress(FileNotFoundError):
            old.unlink()
            deleted.append(old)
    return deleted


# --- making an archive --------------------------------------------------------------------


def make_backup(
    database_url: str,
    roots: Mapping[str, Path],
    out: Path,
    now: datetime,
    *,
    exclude: Iterable[Path] = (),
) -> BackupResult:
    """Write one archive at `out` (created 0600: it holds the web secret) with a consistent copy
    of the database and every regular file under each root folder (symlinks and the database's
    own files are skipped, as are the paths in `exclude`)."""
    for name in roots:
        if not _ROOT_NAME.match(name):
            raise ValueError(f"tên thư mục gốc không hợp lệ: {name!r}")
    url = _parse(database_url)
    out = out.absolute()
    if out.exists():
        raise BackupUsageError(f"tệp {out} đã có; hãy chọn tên khác (không ghi đè bản sao lưu)")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"không tạo được thư mục {out.parent}: {exc.strerror}") from None
    kind = _kind(url)
    skipped = [p.absolute() for p in exclude]
    if kind == "sqlite":
        db = _sqlite_path(url)
        skipped += [Path(f"{db}{suffix}") for suffix in ("", "-wal", "-shm", "-journal")]
    try:
        with tempfile.TemporaryDirectory(prefix=".duluan-backup-", dir=out.parent) as tmp:
            staging = Path(tmp)
            skipped.append(staging)
            if kind == "sqlite":
                member = SQLITE_MEMBER
                revision, tables = _copy_sqlite(_sqlite_path(url), staging / member)
                os.chmod(staging / member, 0o600)
            else:
                member = PG_MEMBER
                revision, tables = _dump_postgres(url, staging / member), {}
            files = [_stage(staging / member, member, staging)]
            for name, root in roots.items():
                files += _stage_root(name, root, staging, skipped)
            manifest = {
                "format": FORMAT,
                "version": VERSION,
                "created_at": now.isoformat(),
                "duluan": _version(),
                "database": {
                    "kind": kind,
                    "file": member,
                    "schema_revision": revision,
                    "tables": tables,
                },
                "roots": sorted(roots),
                "files": [f.__dict__ for f in files],
            }
            partial = staging / "archive.part"
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
                body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
                info = _info(MANIFEST, len(body), 0o600, now)
                tar.addfile(info, io.BytesIO(body))
                for item in files:
                    with (staging / "files" / item.path).open("rb") as handle:
                        tar.addfile(_info(item.path, item.size, item.mode, now), handle)
            os.replace(partial, out)
    except OSError as exc:
        raise BackupError(f"không ghi được bản sao lưu {out}: {exc.strerror or exc}") from None
    return BackupResult(out, out.stat().st_size, kind, revision, len(files) - 1, tables)


def _info(name: str, size: int, mode: int, now: datetime) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = mode
    info.mtime = int(now.timestamp())
    return info


def _stage(source: Path, name: str, staging: Path) -> BackupFile:
    """Move or copy `source` to staging/files/name, hashing it on the way."""
    target = staging / "files" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with source.open("rb") as src, target.open("wb") as dst:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            dst.write(chunk)
            size += len(chunk)
    mode = source.stat().st_mode & 0o777
    if source.is_relative_to(staging):
        source.unlink()
    return BackupFile(name, size, digest.hexdigest(), mode)


def _stage_root(name: str, root: Path, staging: Path, skipped: list[Path]) -> list[BackupFile]:
    root = root.absolute()
    if not root.is_dir():
        return []
    found: list[BackupFile] = []
    for folder, dirs, names in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not _excluded(here / d, skipped))
        for file_name in sorted(names):
            path = here / file_name
            if _excluded(path, skipped) or path.is_symlink() or not path.is_file():
                continue
            relative = path.relative_to(root).as_posix()
            try:
                found.append(_stage(path, f"{name}/{relative}", staging))
            except FileNotFoundError:  # deleted while we walked: nothing to keep
                continue
    return found


def _excluded(path: Path, skipped: list[Path]) -> bool:
    return any(path == s or path.is_relative_to(s) for s in skipped)


def _copy_sqlite(path: Path, target: Path) -> tuple[str | None, dict[str, int]]:
    """Copy the database in one step of the backup API: one read transaction, so one snapshot
    however busy the writers are (WAL lets them go on meanwhile). The copy is checked."""
    if not path.is_file():
        raise BackupUsageError(
            f"không có cơ sở dữ liệu {path}; hãy kiểm tra biến môi trường DULUAN_DATABASE_URL"
        )
    try:
        source = sqlite3.connect(path, timeout=30)
        try:
            copy = sqlite3.connect(target)
            try:
                source.backup(copy)
                copy.execute("PRAGMA journal_mode=DELETE")
                checked = copy.execute("PRAGMA integrity_check").fetchone()[0]
                if checked != "ok":
                    raise BackupError(f"bản sao cơ sở dữ liệu không toàn vẹn: {checked}")
                return _sqlite_revision(copy), _sqlite_counts(copy)
            finally:
                copy.close()
        finally:
            source.close()
    except sqlite3.Error as exc:
        raise BackupError(f"không sao chép được cơ sở dữ liệu {path}: {exc}") from None


def _sqlite_revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    return str(row[0]) if row else None


def _sqlite_counts(connection: sqlite3.Connection) -> dict[str, int]:
    names = [
        str(row[0])
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    counts = {}
    for name in names:
        quoted = '"' + name.replace('"', '""') + '"'
        with contextlib.suppress(sqlite3.OperationalError):  # e.g. an FTS module not loaded
            counts[name] = int(connection.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0])
    return counts


# --- PostgreSQL through pg_dump / pg_restore ----------------------------------------------


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"không tìm thấy chương trình {name} để sao lưu PostgreSQL; hãy cài gói "
            "postgresql-client cùng phiên bản máy chủ (hoặc mới hơn), hoặc dùng các lệnh "
            f"{PG_COMMANDS}"
        )
    return path


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The URL as libpq reads it, the password passed in the environment, not in argv."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool_major(path: str) -> int | None:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
    except OSError:
        return None
    match = re.search(r"(\d+)(?:\.\d+)?", out.stdout)
    return int(match.group(1)) if match else None


def _server_major(url: URL) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url, connect_args={"connect_timeout": 10})
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000
    except Exception as exc:
        raise BackupError(f"không kết nối được PostgreSQL {mask_url(url)}: {exc}") from None
    finally:
        engine.dispose()


def _pg_tables(url: URL) -> tuple[list[str], str | None]:
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(url, connect_args={"connect_timeout": 10})
    try:
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
            revision = None
            if "alembic_version" in tables:
                revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            return tables, revision
    except Exception as exc:
        raise BackupError(f"không kết nối được PostgreSQL {mask_url(url)}: {exc}") from None
    finally:
        engine.dispose()


def _check_versions(tool: str, url: URL) -> None:
    major, server = _tool_major(tool), _server_major(url)
    if major is not None and major < server:
        raise BackupError(
            f"{tool} là phiên bản {major}, cũ hơn máy chủ PostgreSQL {server}; hãy cài "
            f"postgresql-client-{server} (hoặc mới hơn)"
        )


def _dump_postgres(url: URL, target: Path) -> str | None:
    tool = _pg_tool("pg_dump")
    _check_versions(tool, url)
    _, revision = _pg_tables(url)
    conninfo, env = _libpq(url)
    done = subprocess.run(
        [tool, "--format=custom", "--no-owner", f"--file={target}", conninfo],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_dump thất bại (mã {done.returncode}): {done.stderr.strip()[-500:]}")
    return revision


def _restore_postgres(url: URL, dump: Path) -> None:
    tool = _pg_tool("pg_restore")
    _check_versions(tool, url)
    conninfo, env = _libpq(url)
    done = subprocess.run(
        [tool, "--no-owner", "--exit-on-error", "--single-transaction", "-d", conninfo, str(dump)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(
            f"pg_restore thất bại (mã {done.returncode}): {done.stderr.strip()[-500:]}"
        )


# --- restoring ----------------------------------------------------------------------------


def restore_backup(archive: Path, database_url: str, roots: Mapping[str, Path]) -> RestoreResult:
    """Put an archive back: the database into `database_url` (a SQLite file that does not exist
    yet, or a PostgreSQL database without tables) and each root's files into its folder (absent
    or empty). Nothing is written until every member has been checked."""
    url = _parse(database_url)
    kind = _kind(url)
    try:
        tar = tarfile.open(archive, mode="r:gz")  # noqa: SIM115 (closed below, after the checks)
    except FileNotFoundError:
        raise BackupUsageError(f"không có tệp {archive}") from None
    except IsADirectoryError:
        raise BackupUsageError(f"{archive} là một thư mục, không phải tệp sao lưu") from None
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupUsageError(
            f"{archive} không phải bản sao lưu của duluan (tệp .tar.gz do `duluan backup` tạo): "
            f"{exc}"
        ) from None
    with tar:
        members = _members(tar, archive)
        manifest, files = _manifest(tar, members, archive)
        database = manifest["database"]
        if database["kind"] != kind:
            raise BackupUsageError(
                f"bản sao lưu chứa cơ sở dữ liệu {database['kind']}, nhưng DULUAN_DATABASE_URL "
                f"chỉ tới {kind}; hãy khôi phục vào cùng loại cơ sở dữ liệu"
            )
        revision = database.get("schema_revision")
        _check_revision(revision)
        _check_targets(url, kind, manifest["roots"], roots)
        if kind == "sqlite":
            _check_collisions(files, roots, _sqlite_path(url), database["file"])
        first = next(iter(roots.values()), Path("."))
        staging_parent = first.absolute().parent
        staging_parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".duluan-restore-", dir=staging_parent) as tmp:
            staging = Path(tmp)
            _extract(tar, members, files, staging, archive)
            tables: dict[str, int] = {}
            if kind == "sqlite":
                tables = _check_sqlite_copy(staging / database["file"], database.get("tables"))
                target = _sqlite_path(url)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(staging / database["file"], target)
            else:
                _restore_postgres(url, staging / database["file"])
            count = 0
            for item in files.values():
                if item.path == database["file"]:
                    continue
                root, _, relative = item.path.partition("/")
                destination = roots[root].absolute() / relative
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(staging / item.path, destination)
                os.chmod(destination, item.mode)
                count += 1
    return RestoreResult(
        mask_url(url), revision, str(manifest.get("created_at", "")), count, tables
    )


def _parse(database_url: str) -> URL:
    try:
        return make_url(normalize_url(database_url))
    except ArgumentError:
        raise BackupUsageError(
            f"địa chỉ cơ sở dữ liệu không hợp lệ: {database_url!r}; hãy sửa DULUAN_DATABASE_URL"
        ) from None


def _kind(url: URL) -> str:
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupUsageError(f"không sao lưu được cơ sở dữ liệu loại {backend}")
    if backend == "sqlite" and (not url.database or url.database == ":memory:"):
        raise BackupUsageError("cơ sở dữ liệu SQLite trong bộ nhớ không sao lưu được")
    return backend


def _sqlite_path(url: URL) -> Path:
    return Path(str(url.database)).expanduser().absolute()


def _version() -> str:
    from duluan import __version__

    return __version__


def _members(tar: tarfile.TarFile, archive: Path) -> dict[str, tarfile.TarInfo]:
    """Every member, refused unless a regular file at a safe relative path, named once."""
    found: dict[str, tarfile.TarInfo] = {}
    try:
        listed = tar.getmembers()
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"{archive} bị hỏng (không đọc hết được): {exc}") from None
    for member in listed:
        if not member.isreg():
            raise BackupError(
                f"{archive} bị từ chối: {member.name!r} không phải tệp thường (liên kết, thư "
                "mục hay thiết bị không có trong bản sao lưu của duluan)"
            )
        if not safe_member_name(member.name) or member.name in found:
            raise BackupError(
                f"{archive} bị từ chối: đường dẫn {member.name!r} không an toàn hoặc bị lặp"
            )
        found[member.name] = member
    return found


def safe_member_name(name: str) -> bool:
    """A relative POSIX path of plain parts: no `..`, no `.`, no absolute path, no backslash
    or control character, nothing empty."""
    if not name or len(name) > 1000 or "\\" in name or any(ord(c) < 32 for c in name):
        return False
    path = PurePosixPath(name)
    if path.is_absolute() or name.startswith("/") or str(path) != name:
        return False
    return all(part not in ("", ".", "..") for part in path.parts)


def _manifest(
    tar: tarfile.TarFile, members: dict[str, tarfile.TarInfo], archive: Path
) -> tuple[dict[str, Any], dict[str, BackupFile]]:
    damaged = f"{archive} không phải bản sao lưu hợp lệ của duluan"
    info = members.get(MANIFEST)
    if info is None or info.size > 50 * 1024 * 1024:
        raise BackupUsageError(f"{damaged}: thiếu {MANIFEST}")
    handle = tar.extractfile(info)
    try:
        manifest = json.loads(handle.read() if handle else b"")
    except (ValueError, OSError, EOFError, tarfile.TarError):
        raise BackupError(f"{damaged}: {MANIFEST} hỏng") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupUsageError(f"{damaged}: {MANIFEST} không phải của duluan")
    if manifest.get("version") != VERSION:
        raise BackupError(
            f"{archive} có định dạng phiên bản {manifest.get('version')!r}; phiên bản duluan này "
            f"đọc được định dạng {VERSION}: hãy dùng phiên bản duluan đã tạo ra nó"
        )
    database = manifest.get("database")
    roots = manifest.get("roots")
    listed = manifest.get("files")
    if (
        not isinstance(database, dict)
        or database.get("kind") not in ("sqlite", "postgresql")
        or database.get("file") != (SQLITE_MEMBER if database["kind"] == "sqlite" else PG_MEMBER)
        or not isinstance(roots, list)
        or not all(isinstance(r, str) and _ROOT_NAME.match(r) for r in roots)
        or not isinstance(listed, list)
    ):
        raise BackupError(f"{damaged}: {MANIFEST} thiếu hoặc sai trường")
    files: dict[str, BackupFile] = {}
    for entry in listed:
        try:
            item = BackupFile(
                str(entry["path"]), int(entry["size"]), str(entry["sha256"]), int(entry["mode"])
            )
        except (KeyError, TypeError, ValueError):
            raise BackupError(f"{damaged}: một mục trong {MANIFEST} sai trường") from None
        root = item.path.partition("/")[0]
        if (
            not safe_member_name(item.path)
            or (item.path != database["file"] and (root not in roots or "/" not in item.path))
            or item.path in files
            or not _SHA256.match(item.sha256)
            or not 0 <= item.mode <= 0o777
        ):
            raise BackupError(f"{archive} bị từ chối: mục {item.path!r} không hợp lệ")
        files[item.path] = item
    expected = {MANIFEST, *files}
    if database["file"] not in files or set(members) != expected:
        extra = sorted(set(members) - expected) or sorted(expected - set(members))
        raise BackupError(f"{damaged}: tệp không khớp danh mục ({', '.join(extra[:5])})")
    for name, member in members.items():
        if name != MANIFEST and member.size != files[name].size:
            raise BackupError(f"{archive} bị hỏng: {name} sai kích thước")
    return manifest, files


def _check_revision(revision: Any) -> None:
    if revision is None:
        return
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    from storage.migrate import alembic_config

    try:
        known = ScriptDirectory.from_config(alembic_config()).get_revision(str(revision))
    except CommandError:
        known = None
    if known is None:
        raise BackupError(
            f"bản sao lưu có lược đồ cơ sở dữ liệu {revision}, mới hơn phiên bản duluan này; "
            "hãy cài phiên bản duluan đã tạo ra nó rồi khôi phục"
        )


def _check_targets(url: URL, kind: str, archived: list[str], roots: Mapping[str, Path]) -> None:
    """The database and every folder must be empty: a restore never overwrites."""
    missing = [r for r in archived if r not in roots]
    if missing:
        raise BackupUsageError(f"không biết chỗ khôi phục các thư mục {', '.join(missing)}")
    if kind == "sqlite":
        path = _sqlite_path(url)
        if any(Path(f"{path}{suffix}").exists() for suffix in ("", "-wal", "-journal")):
            raise BackupUsageError(
                f"đã có cơ sở dữ liệu {path}; khôi phục chỉ ghi vào chỗ trống: hãy đặt "
                "DULUAN_DATABASE_URL tới một tệp chưa có, hoặc chuyển tệp cũ đi chỗ khác"
            )
    else:
        tables, _ = _pg_tables(url)
        if tables:
            raise BackupUsageError(
                f"cơ sở dữ liệu {mask_url(url)} đã có {len(tables)} bảng; khôi phục chỉ ghi vào "
                "cơ sở dữ liệu trống: hãy tạo một cơ sở dữ liệu mới (createdb) rồi chạy lại"
            )
    for name in archived:
        folder = roots[name].absolute()
        if folder.exists() and not folder.is_dir():
            raise BackupUsageError(f"{folder} không phải thư mục")
        if folder.is_dir() and any(folder.iterdir()):
            raise BackupUsageError(
                f"thư mục {folder} không trống; khôi phục chỉ ghi vào thư mục trống hoặc chưa có: "
                "hãy chuyển thư mục cũ đi chỗ khác rồi chạy lại"
            )


def _check_collisions(
    files: Mapping[str, BackupFile], roots: Mapping[str, Path], database: Path, member: str
) -> None:
    """A data file must not land on the restored database (a stray copy under data/)."""
    taken = {Path(f"{database}{suffix}") for suffix in ("", "-wal", "-shm", "-journal")}
    for name in files:
        root, _, relative = name.partition("/")
        if name != member and roots[root].absolute() / relative in taken:
            raise BackupUsageError(
                f"tệp {name} trong bản sao lưu trùng chỗ với cơ sở dữ liệu {database}; hãy đặt "
                "DULUAN_DATABASE_URL tới một tệp khác rồi chạy lại"
            )


def _extract(
    tar: tarfile.TarFile,
    members: dict[str, tarfile.TarInfo],
    files: dict[str, BackupFile],
    staging: Path,
    archive: Path,
) -> None:
    """Write every listed file under `staging`, checking its SHA-256 as it streams."""
    for name, item in files.items():
        target = staging / name
        if not target.absolute().is_relative_to(staging.absolute()):  # checked above; twice
            raise BackupError(f"{archive} bị từ chối: {name!r}")
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        try:
            source = tar.extractfile(members[name])
            if source is None:
                raise BackupError(f"{archive} bị từ chối: {name!r} không phải tệp")
            with source, target.open("xb") as out:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise BackupError(f"{archive} bị hỏng khi đọc {name}: {exc}") from None
        if digest.hexdigest() != item.sha256:
            raise BackupError(
                f"{archive} bị hỏng: {name} sai mã kiểm tra SHA-256; không khôi phục gì cả"
            )


def _check_sqlite_copy(path: Path, expected: Any) -> dict[str, int]:
    try:
        connection = sqlite3.connect(path)
        try:
            checked = connection.execute("PRAGMA integrity_check").fetchone()[0]
            counts = _sqlite_counts(connection)
        finally:
            connection.close()
    except sqlite3.Error as exc:
        raise BackupError(f"cơ sở dữ liệu trong bản sao lưu không đọc được: {exc}") from None
    if checked != "ok":
        raise BackupError(f"cơ sở dữ liệu trong bản sao lưu không toàn vẹn: {checked}")
    if isinstance(expected, dict) and expected and counts != expected:
        raise BackupError("số dòng của cơ sở dữ liệu khác với danh mục của bản sao lưu")
    return counts
