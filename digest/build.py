"""Write a window's report files, record them, and queue the report for the office's chat.

Files are named `duluan-bao-cao-tuan-2026-W48.docx/.html/.md` in the out dir and replaced
whole (written beside, then renamed) on a re-run. Queuing is idempotent per window: the outbox
holds one summary message (kind "digest", story "digest:<label>") and one document (kind
"document", story "digest:<label>:docx", text = JSON {"document", "caption", "filename"}) per
chat, so a second `--send` queues nothing.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from digest.charts import charts
from digest.content import DigestContent, build_content
from digest.docx import render_docx
from digest.html import render_html
from digest.markdown import summary_markdown, summary_telegram
from digest.window import Window, due_windows
from duluan.config import Config
from storage.digests import DigestRecord
from storage.records import OutboxEntry
from storage.store import Store

log = logging.getLogger(__name__)

FORMATS = ("docx", "html", "md")
SUMMARY_KIND = "digest"
DOCUMENT_KIND = "document"


@dataclass(frozen=True)
class BuiltDigest:
    """A written report: its content, its files by format, and its Telegram summary."""

    content: DigestContent
    files: dict[str, Path]
    summary: str
    record: DigestRecord

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
) -> BuiltDigest:
    """Build the report of `window` and write it in `formats` (default: the config's)."""
    wanted = [f for f in FORMATS if f in (formats or config.report.formats)]
    unknown = sorted(set(formats or ()) - set(FORMATS))
    if unknown or not wanted:
        raise ValueError(
            f"định dạng không hỗ trợ: {', '.join(unknown) or '(trống)'} (chọn docx, html, md)"
        )
    content = build_content(store, config, window, now)
    folder = Path(out_dir or config.report.out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    pictures = charts(content) if {"docx", "html"} & set(wanted) else []
    renderers: dict[str, Callable[[DigestContent], bytes]] = {
        "docx": lambda c: render_docx(c, pictures),
        "html": lambda c: render_html(c, pictures).encode("utf-8"),
        "md": lambda c: summary_markdown(c).encode("utf-8"),
    }
    files: dict[str, Path] = {}
    for fmt in wanted:
        path = folder / f"{window.stem}.{fmt}"
        _write(path, renderers[fmt](content))
        files[fmt] = path
        log.info("Báo cáo %s: đã ghi %s", window.label, path)
    record = store.save_digest(
        window.label,
        window.start,
        window.end,
        content.generated_at,
        [str(p) for p in files.values()],
    )
    summary = summary_telegram(content, with_document="docx" in files)
    return BuiltDigest(content, files, summary, record)


def digest_entries(built: BuiltDigest, chat: str) -> list[OutboxEntry]:
    """The outbox entries that deliver a report to `chat`: the summary, then the DOCX."""
    label = built.window.label
    entries = [OutboxEntry(f"digest:{label}", chat, None, SUMMARY_KIND, built.summary)]
    docx = built.files.get("docx")
    if docx is not None:
        payload = {
            "document": str(docx.resolve()),
            "filename": docx.name,
            "caption": f"<b>Báo cáo tuần {label}</b> ({built.window.describe()})",
        }
        entries.append(
            OutboxEntry(
                f"digest:{label}:docx",
                chat,
                None,
                DOCUMENT_KIND,
                json.dumps(payload, ensure_ascii=False, sort_keys=True),
            )
        )
    return entries


def queue_digest(store: Store, built: BuiltDigest, chat: str, at: datetime) -> int:
    """Queue the report for `chat` unless it already is; returns how many messages were new."""
    queued = store.enqueue(digest_entries(built, chat), at)
    if queued:
        store.mark_digest_sent(built.window.start, built.window.end, at)
        log.info(
            "Báo cáo %s: đã xếp hàng %d tin nhắn cho nhóm %s", built.window.label, queued, chat
        )
    else:
        log.info(
            "Báo cáo %s: đã xếp hàng cho nhóm %s từ trước, không gửi lại", built.window.label, chat
        )
    return queued


def run_scheduled(store: Store, config: Config, now: Callable[[], datetime]) -> list[BuiltDigest]:
    """The daemon's digest job: build every due window once (a missed Thursday is built when
    the daemon is back) and queue it for `report.chat`; then deliver the outbox as usual."""
    chat = config.report.chat
    last = store.last_digest_end(sent_only=bool(chat))
    at = now()
    built = []
    for window in due_windows(last, at, config.schedule.digest, config.schedule.zone):
        digest = build_digest(store, config, window, now)
        if chat:
            queue_digest(store, digest, chat, at)
        else:
            log.warning(
                "Báo cáo %s đã lập nhưng chưa cấu hình report.chat: không gửi cho ai",
                window.label,
            )
        built.append(digest)
    return built
