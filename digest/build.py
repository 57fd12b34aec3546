"""Write a window's report files, record them, and queue the report for the office's chat.

Files are named `duluan-bao-cao-tuan-2026-W48.docx/.html/.md` in the out dir and replaced
whole (written beside, then renamed) on a re-run. Queuing is idempotent per window: the outbox
holds one summary message (kind "digest", story "digest:<label>") and one document (kind
"document", story "digest:<label>:docx", text = JSON {"document", "caption", "filename"}) per
chat, so a second `--send` queues nothing. A Zalo chat (`report.zalo`) gets the summary and,
as a Zalo bot cannot send files, a message (story "digest:<label>:link") saying where to
download the file: the console's link under `web.public_url`, else its "Báo cáo tuần" page.

A deployment of several watch areas (`areas:`) builds one report per area, each with its own
content, settings and record: its files and outbox stories carry the area's name
(`duluan-bao-cao-dak-pxi-tuan-2026-W48.docx`, "digest:dak-pxi:<label>"), so that two areas
sending to one chat each get theirs, once per area and window.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path
from urllib.parse import quote

from digest.charts import charts
from digest.content import DigestContent, Item, build_content, sole_area
from digest.docx import render_docx
from digest.excel import render_xlsx
from digest.html import render_html
from digest.markdown import summary_markdown, summary_telegram
from digest.positive import FILE_PREFIX as POSITIVE_PREFIX
from digest.positive import render_positive_docx, render_positive_html
from digest.window import FILE_PREFIX, Window, due_month, due_windows
from duluan.config import Area, Config, Web
from review.service import calendar
from storage.digests import DigestRecord
from storage.records import ZALO, OutboxEntry
from storage.store import Store

log = logging.getLogger(__name__)

FORMATS = ("docx", "html", "md")
SUMMARY_KIND = "digest"
FILE_KINDS = (("docx", "Word"), ("html", "HTML"))  # the file a Zalo chat is linked to, by choice
DOCUMENT_KIND = "document"


@dataclass(frozen=True)
class BuiltDigest:
    """A written report: its content, its files by format, and its Telegram summary; `area`
    names its watch area in a deployment of several (None: the one area)."""

    content: DigestContent
    files: dict[str, Path]
    summary: str
    record: DigestRecord
    area: str | None = None

    @property
    def window(self) -> Window:
        return self.content.window


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def build_digest(
    store: Store,
    config: Config,
    window: Window,
    now: Callable[[], datetime],
    out_dir: str | Path | None = None,
    formats: Sequence[str] | None = None,
    area: Area | None = None,
) -> BuiltDigest:
    """Build `area`'s report of `window` (default: the deployment's one area) and write it in
    `formats` (default: the area's `report.formats`) to `out_dir` (its `report.out_dir`)."""
    area = area or sole_area(config)
    scoped = area.name if len(config.watch_areas()) > 1 else None
    wanted = [f for f in FORMATS if f in (formats or area.report.formats)]
    unknown = sorted(set(formats or ()) - set(FORMATS))
    if unknown or not wanted:
        raise ValueError(
            f"định dạng không hỗ trợ: {', '.join(unknown) or '(trống)'} (chọn docx, html, md)"
        )
    content = build_content(store, config, window, now, area)
    folder = Path(out_dir or area.report.out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    pictures = charts(content) if {"docx", "html"} & set(wanted) else []
    renderers: dict[str, Callable[[DigestContent], bytes]] = {
        "docx": lambda c: render_docx(c, pictures),
        "html": lambda c: render_html(c, pictures).encode("utf-8"),
        "md": lambda c: summary_markdown(c).encode("utf-8"),
    }
    files: dict[str, Path] = {}
    for fmt in wanted:
        path = folder / f"{window.stem_for(scoped)}.{fmt}"
        _write(path, renderers[fmt](content))
        files[fmt] = path
        log.info("Báo cáo %s: đã ghi %s", window.label, path)
    record = store.save_digest(
        window.label,
        window.start,
        window.end,
        content.generated_at,
        [str(p) for p in files.values()],
        area.name,
    )
    summary = summary_telegram(content, with_document="docx" in files)
    return BuiltDigest(content, files, summary, record, scoped)


POSITIVE_FORMATS = ("docx", "html")


def positive_files(
    content: DigestContent, folder: str | Path, formats: Sequence[str] | None, scoped: str | None
) -> dict[str, Path]:
    """Write the one-page "tin tích cực" list of `content` (duluan-tin-tich-cuc-2026-11.docx)
    in `formats` (default: DOCX and HTML); its files by format."""
    wanted = [f for f in POSITIVE_FORMATS if f in (formats or POSITIVE_FORMATS)]
    unknown = sorted(set(formats or ()) - set(POSITIVE_FORMATS))
    if unknown or not wanted:
        raise ValueError(
            f"trang tin tích cực không có định dạng: {', '.join(unknown) or '(trống)'} "
            "(chọn docx, html)"
        )
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    stem = POSITIVE_PREFIX + content.window.stem_for(scoped)[len(FILE_PREFIX) :]
    files = {}
    for fmt in wanted:
        path = out / f"{stem}.{fmt}"
        data = (
            render_positive_docx(content)
            if fmt == "docx"
            else render_positive_html(content).encode("utf-8")
        )
        _write(path, data)
        files[fmt] = path
    return files


def build_positive(
    store: Store,
    config: Config,
    window: Window,
    now: Callable[[], datetime],
    out_dir: str | Path | None = None,
    formats: Sequence[str] | None = None,
    area: Area | None = None,
) -> tuple[DigestContent, dict[str, Path]]:
    """Build `area`'s one-page good-news list of `window` into `out_dir` (its
    `report.out_dir`); not recorded as a report, never sent."""
    area = area or sole_area(config)
    scoped = area.name if len(config.watch_areas()) > 1 else None
    content = build_content(store, config, window, now, area)
    folder = out_dir or area.report.out_dir
    return content, positive_files(content, folder, formats, scoped)


SELECTION_KINDS = {
    "docx": "Báo cáo (Word)",
    "html": "Báo cáo (HTML)",
    "positive-docx": "Tin tích cực (Word)",
    "positive-html": "Tin tích cực (HTML)",
}
XLSX_PREFIX = "duluan-tin-bai"


def selection_file(
    store: Store,
    config: Config,
    window: Window,
    now: Callable[[], datetime],
    area: Area,
    stories: Collection[str] | None,
    kind: str,
) -> tuple[str, bytes]:
    """The report (or the good-news page) of `area` over `window` restricted to `stories` (a
    selection of the console's queue; None: every story), as (file name, bytes); `kind` is one
    of `SELECTION_KINDS`. Nothing is recorded or sent."""
    if kind not in SELECTION_KINDS:
        raise ValueError(f"loại tệp không hỗ trợ: {kind} (chọn {', '.join(SELECTION_KINDS)})")
    scoped = area.name if len(config.watch_areas()) > 1 else None
    content = build_content(store, config, window, now, area, selection=stories)
    stem = window.stem_for(scoped)
    if kind == "docx":
        return f"{stem}.docx", render_docx(content)
    if kind == "html":
        return f"{stem}.html", render_html(content).encode("utf-8")
    stem = POSITIVE_PREFIX + stem[len(FILE_PREFIX) :]
    if kind == "positive-docx":
        return f"{stem}.docx", render_positive_docx(content)
    return f"{stem}.html", render_positive_html(content).encode("utf-8")


def selection_workbook(
    store: Store,
    config: Config,
    window: Window,
    now: Callable[[], datetime],
    selections: Sequence[tuple[Area, Collection[str] | None]],
) -> tuple[str, bytes]:
    """The stories of each (area, selection) over `window`, one row per story by time, as an
    XLSX (file name, bytes)."""
    rows: list[Item] = []
    for area, stories in selections:
        rows.extend(build_content(store, config, window, now, area, selection=stories).stories)
    rows.sort(key=lambda i: (i.when, i.article_id))
    return f"{XLSX_PREFIX}-{window.label}.xlsx", render_xlsx(rows)


def _story(built: BuiltDigest) -> str:
    label = built.window.label
    return f"digest:{label}" if built.area is None else f"digest:{built.area}:{label}"


def _title(built: BuiltDigest) -> str:
    title = f"Báo cáo {built.window.name}"
    if built.area is not None:
        title += f": {built.content.area}"
    return title


def digest_entries(built: BuiltDigest, chat: str) -> list[OutboxEntry]:
    """The outbox entries that deliver a report to `chat`: the summary, then the DOCX."""
    story = _story(built)
    entries = [OutboxEntry(story, chat, None, SUMMARY_KIND, built.summary)]
    docx = built.files.get("docx")
    if docx is not None:
        payload = {
            "document": str(docx.resolve()),
            "filename": docx.name,
            "caption": f"<b>{escape(_title(built))}</b> ({built.window.describe()})",
        }
        entries.append(
            OutboxEntry(
                f"{story}:docx",
                chat,
                None,
                DOCUMENT_KIND,
                json.dumps(payload, ensure_ascii=False, sort_keys=True),
            )
        )
    return entries


def zalo_digest_entries(built: BuiltDigest, chat: str, web: Web) -> list[OutboxEntry]:
    """The outbox entries that deliver a report to a Zalo `chat`: the summary, then, since a
    Zalo bot cannot send a file, where to download it: the console's link to the DOCX (the
    HTML without one) under `web.public_url`, else the console page that lists it. Telegram
    HTML like every message (the Zalo sender makes it plain text)."""
    story = _story(built)
    entries = [OutboxEntry(story, chat, None, SUMMARY_KIND, built.summary, None, ZALO)]
    found = [(kind, built.files[f]) for f, kind in FILE_KINDS if f in built.files]
    if not found:
        return entries
    kind, path = found[0]
    head = f"📎 <b>{escape(_title(built))}</b> ({built.window.describe()})"
    link = web.console_link(f"/digests/{built.record.id}/{quote(path.name)}")
    if link is not None:
        text = f"{head}: tải tệp {kind} tại\n{escape(link)}\n(đăng nhập trang rà soát nếu được hỏi)"
    else:
        text = (
            f"{head}: Zalo không gửi được tệp; tệp {kind} {escape(path.name)} có trên trang rà "
            "soát, mục «Báo cáo tuần»."
        )
    entries.append(OutboxEntry(f"{story}:link", chat, None, SUMMARY_KIND, text, None, ZALO))
    return entries


def queue_digest(
    store: Store,
    built: BuiltDigest,
    chat: str | None,
    at: datetime,
    zalo: str | None = None,
    web: Web | None = None,
) -> int:
    """Queue the report for the Telegram `chat` and the Zalo chat `zalo` (each that is set;
    `web` for the console's links) unless it already is; returns how many messages were
    new."""
    entries = digest_entries(built, chat) if chat else []
    if zalo:
        entries += zalo_digest_entries(built, zalo, web or Web())
    chats = ", ".join([*([chat] if chat else []), *([f"Zalo {zalo}"] if zalo else [])])
    queued = store.enqueue(entries, at)
    if queued:
        store.mark_digest_sent(built.window.start, built.window.end, at, built.record.area)
        log.info(
            "Báo cáo %s: đã xếp hàng %d tin nhắn cho nhóm %s", built.window.label, queued, chats
        )
    else:
        log.info(
            "Báo cáo %s: đã xếp hàng cho nhóm %s từ trước, không gửi lại", built.window.label, chats
        )
    return queued


def run_scheduled(
    store: Store, config: Config, now: Callable[[], datetime], area: Area | None = None
) -> list[BuiltDigest]:
    """The daemon's digest job of `area` (default: the one area): build every due window of its
    schedule once (a missed Thursday is built when the daemon is back) and queue it for its
    `report.chat` and `report.zalo`; then deliver the outbox as usual."""
    area = area or sole_area(config)
    chat, zalo = area.report.chat, area.report.zalo
    last = store.last_digest_end(sent_only=bool(chat or zalo), area=area.name, weekly=True)
    at = now()
    built = []
    for window in due_windows(last, at, config.digest_time(area), config.schedule.zone):
        digest = build_digest(store, config, window, now, area=area)
        if chat or zalo:
            queue_digest(store, digest, chat, at, zalo, config.web)
        else:
            log.warning(
                "Báo cáo %s%s đã lập nhưng chưa cấu hình report.chat hay report.zalo: không gửi "
                "cho ai",
                window.label,
                "" if digest.area is None else f" của địa bàn {area.name}",
            )
        built.append(digest)
    return built


def run_monthly(
    store: Store, config: Config, now: Callable[[], datetime], area: Area | None = None
) -> BuiltDigest | None:
    """The daemon's monthly job of `area` (default: the one area), run daily at
    `schedule.monthly`: from the first working day of a month (the area's working days), build
    the previous month's report and queue it for `report.chat` and `report.zalo`, once; None
    when nothing is due or it was done."""
    area = area or sole_area(config)
    at = config.schedule.monthly
    if at is None:
        return None
    window = due_month(now(), at, config.schedule.zone, calendar(area).is_working_day)
    if window is None:
        return None
    chat, zalo = area.report.chat, area.report.zalo
    done = store.get_digest(window.start, window.end, area.name)
    if done is not None and (done.sent_at is not None or not (chat or zalo)):
        return None
    digest = build_digest(store, config, window, now, area=area)
    if chat or zalo:
        queue_digest(store, digest, chat, now(), zalo, config.web)
    else:
        log.warning(
            "Báo cáo %s đã lập nhưng chưa cấu hình report.chat hay report.zalo: không gửi cho ai",
            window.label,
        )
    return digest
