"""Reports of a month, a quarter or any range: window boundaries in local time, the first working
day the monthly job waits for, the content (good news best first, the per-outlet table with
bylines), the DOCX and HTML read back, `duluan digest --month/--quarter` and its usage errors,
and the daemon's monthly job with a frozen clock."""

from __future__ import annotations

import argparse
import asyncio
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from docx import Document

from digest.build import build_digest, run_monthly, run_scheduled
from digest.content import build_content
from digest.window import (
    due_month,
    first_working_day,
    month_window,
    parse_month,
    parse_quarter,
    range_window,
    week_window,
)
from duluan.clock import Clock
from duluan.commands.digest import add_parser, run
from duluan.config import Config, parse_config
from duluan.daemon import Daemon
from duluan.runtime import Runtime
from review.workdays import WorkCalendar
from storage import Store
from tests.kit.digest import BQN, CONFIG, DISTRICT, DT, VNE, Spec, at, config, save_specs

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=ZONE)
BINH, CUC = "Nguyễn Văn Bình", "Trần Thị Cúc"
SPECS = [
    Spec("m0", DT, "Trước tháng", at(31, 23, 59, 10), at(31, 23, 59, 10), 40, "neutral",
         (DISTRICT,)),
    Spec("m7", DT, "Lúc mở tháng", at(1, 0), at(1, 0), 37, "neutral", (DISTRICT,)),
    Spec("m1", BQN, "Đường mới về làng", at(30, 8, 0, 10), at(2, 9), 31, "positive", (DISTRICT,),
         author=BINH),
    Spec("m2", BQN, "Gương người tốt", at(5, 8), at(5, 9), 32, "positive", (DISTRICT,),
         author=BINH),
    Spec("m3", BQN, "Sạt lở đường", at(10, 8), at(10, 9), 33, "negative", (DISTRICT,),
         author=f"  {CUC} "),
    Spec("m4", VNE, "Gương người tốt ở Đăk Hà", at(11, 8), at(11, 9), 32, "positive",
         (DISTRICT,)),
    Spec("m5", DT, "=HYPERLINK(\"http://x\") Việc tốt", at(20, 8), at(20, 9), 35, "positive",
         (DISTRICT,)),
    Spec("m6", BQN, "Sau tháng", at(1, 0, 30, 12), at(1, 0, 30, 12), 36, "neutral", (DISTRICT,)),
]  # fmt: skip


def with_out(cfg: Config, out: Path, **schedule: object) -> Config:
    report = cfg.report.model_copy(update={"out_dir": str(out)})
    return cfg.model_copy(
        update={"report": report, "schedule": cfg.schedule.model_copy(update=schedule)}
    )


def test_month_and_quarter_windows_are_whole_local_days() -> None:
    november = parse_month("2026-11", ZONE)
    assert november.start == datetime(2026, 11, 1, tzinfo=ZONE)
    assert november.start.astimezone(UTC) == datetime(2026, 10, 31, 17, tzinfo=UTC)
    assert november.end == datetime(2026, 12, 1, tzinfo=ZONE)
    assert (november.label, november.stem, november.periodic) == (
        "2026-11",
        "duluan-bao-cao-thang-2026-11",
        True,
    )
    assert november.name == "tháng 11 năm 2026"
    assert november.title_phrase == "tháng 11 năm 2026 (từ ngày 01/11/2026 đến ngày 30/11/2026)"
    assert parse_month("11/2026", ZONE) == november
    q4 = parse_quarter("2026-Q4", ZONE)
    assert (q4.start, q4.end) == (
        datetime(2026, 10, 1, tzinfo=ZONE),
        datetime(2027, 1, 1, tzinfo=ZONE),
    )
    assert (q4.name, q4.stem_for("dak-pxi")) == (
        "quý IV năm 2026",
        "duluan-bao-cao-dak-pxi-quy-2026-Q4",
    )
    assert parse_quarter("2026q1", ZONE).previous().label == "2025-Q4"
    assert parse_month("2026-01", ZONE).previous() == month_window(date(2025, 12, 5), ZONE)
    assert parse_month("2028-02", ZONE).describe().endswith("đến ngày 29/02/2028")
    assert parse_month("2026-02", ZONE).describe().endswith("đến ngày 28/02/2026")
    assert parse_month("2026-03", ZONE).previous().end == datetime(2026, 3, 1, tzinfo=ZONE)
    weekly = week_window("2026-W48", "thu 14:00", ZONE)
    assert (weekly.periodic, weekly.name) == (False, "tuần 2026-W48")
    assert range_window(date(2026, 11, 1), date(2026, 11, 15), ZONE).periodic is False


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "11-2026", "", "2026-1x", "0999-01"])
def test_a_bad_month_is_refused_in_vietnamese(text: str) -> None:
    with pytest.raises(ValueError, match="không phải tháng như 2026-11"):
        parse_month(text, ZONE)


@pytest.mark.parametrize("text", ["2026-Q5", "2026-Q0", "Q4-2026", "2026-4"])
def test_a_bad_quarter_is_refused_in_vietnamese(text: str) -> None:
    with pytest.raises(ValueError, match="không phải quý như 2026-Q4"):
        parse_quarter(text, ZONE)


def test_first_working_day_skips_weekends_and_holidays() -> None:
    days = WorkCalendar()
    assert first_working_day(date(2026, 1, 20), days.is_working_day) == date(2026, 1, 2)
    # 1 and 2 September 2026 are the National Day holidays.
    assert first_working_day(date(2026, 9, 15), days.is_working_day) == date(2026, 9, 3)
    # August 2026 starts on a Saturday.
    assert first_working_day(date(2026, 8, 1), days.is_working_day) == date(2026, 8, 3)
    worked = WorkCalendar(workdays=[date(2026, 8, 1)])
    assert first_working_day(date(2026, 8, 9), worked.is_working_day) == date(2026, 8, 1)
    assert first_working_day(date(2026, 12, 9), days.is_working_day) == date(2026, 12, 1)


def test_the_previous_month_is_due_from_the_first_working_day_at_its_time() -> None:
    working = WorkCalendar().is_working_day
    jan2 = datetime(2026, 1, 2, 8, 0, tzinfo=ZONE)
    assert due_month(datetime(2026, 1, 1, 9, 0, tzinfo=ZONE), "08:00", ZONE, working) is None
    assert due_month(jan2 - timedelta(minutes=1), "08:00", ZONE, working) is None
    due = due_month(jan2, "08:00", ZONE, working)
    assert due is not None and due.label == "2025-12"
    late = due_month(datetime(2026, 1, 20, 1, 0, tzinfo=UTC), "08:00", ZONE, working)
    assert late == due
    assert due_month(datetime(2026, 9, 2, 23, 0, tzinfo=ZONE), "08:00", ZONE, working) is None
    september = due_month(datetime(2026, 9, 3, 8, 0, tzinfo=ZONE), "08:00", ZONE, working)
    assert september is not None and september.label == "2026-08"


def test_month_content_has_good_news_best_first_and_the_outlet_table(store: Store) -> None:
    ids = save_specs(store, SPECS)
    by_id = {v: k for k, v in ids.items()}
    cfg = config()
    content = build_content(store, cfg, parse_month("2026-11", ZONE), lambda: NOW)
    assert sorted(by_id[i.article_id] for i in content.annex) == [
        "m1",
        "m2",
        "m3",
        "m4",
        "m5",
        "m7",
    ]
    assert content.figures.previous_total == 1  # m0, the last minute of October
    # Carried by two outlets first, then by time.
    assert [by_id[i.article_id] for i in content.positive] == ["m2", "m1", "m5"]
    assert content.positive[0].also_in == ("VnExpress",)
    rows = [
        (r.outlet, r.month, r.positive, r.neutral, r.negative, r.total, r.bylines)
        for r in content.outlets
    ]
    assert rows == [
        ("Báo Quảng Ngãi", "10/2026", 1, 0, 0, 1, f"{BINH} (1)"),
        ("Báo Quảng Ngãi", "11/2026", 1, 0, 1, 2, f"{BINH} (1), {CUC} (1)"),
        ("Dân trí", "11/2026", 1, 1, 0, 2, "—"),
        ("VnExpress", "11/2026", 1, 0, 0, 1, "—"),
    ]
    weekly = build_content(
        store, cfg, week_window("2026-W46", "thu 14:00", ZONE), lambda: NOW
    )  # a week has no outlet table
    assert weekly.annex and weekly.outlets == ()


def test_month_docx_and_html_say_the_period_and_list_bylines(store: Store, tmp_path: Path) -> None:
    save_specs(store, SPECS)
    cfg = config()
    built = build_digest(store, cfg, parse_month("2026-11", ZONE), lambda: NOW, tmp_path)
    assert sorted(p.name for p in built.files.values()) == [
        "duluan-bao-cao-thang-2026-11.docx",
        "duluan-bao-cao-thang-2026-11.html",
        "duluan-bao-cao-thang-2026-11.md",
    ]
    doc = Document(io.BytesIO(built.files["docx"].read_bytes()))
    paragraphs = [p.text for p in doc.paragraphs]
    assert "BÁO CÁO" in paragraphs
    assert any(
        p.endswith("huyện Đăk Hà tháng 11 năm 2026 (từ ngày 01/11/2026 đến ngày 30/11/2026)")
        for p in paragraphs
    )
    assert "IV. THÔNG TIN TÍCH CỰC (NGƯỜI TỐT, VIỆC TỐT, THÀNH TỰU)" in paragraphs
    assert any(p.startswith("Bảng 5. Số tin, bài theo cơ quan báo chí, tháng") for p in paragraphs)
    outlet_table = next(t for t in doc.tables if t.rows[0].cells[-1].text == "Tác giả")
    body = [[c.text for c in row.cells] for row in outlet_table.rows[1:]]
    assert body[1] == [
        "2",
        "Báo Quảng Ngãi",
        "11/2026",
        "1",
        "0",
        "1",
        "2",
        f"{BINH} (1), {CUC} (1)",
    ]
    assert doc.core_properties.keywords == "duluan; báo cáo tháng 11 năm 2026"
    html = built.files["html"].read_text(encoding="utf-8")
    assert "<title>Báo cáo tháng 11 năm 2026 – huyện Đăk Hà</title>" in html
    assert f"{BINH} (1), {CUC} (1)" in html
    markdown = built.files["md"].read_text(encoding="utf-8")
    assert markdown.startswith("# Báo cáo tháng 11 năm 2026: huyện Đăk Hà")
    assert (
        "- Báo Quảng Ngãi, tháng 11/2026: 2 tin (tích cực 1, trung tính 0, tiêu cực 1); tác giả: "
        f"{BINH} (1), {CUC} (1)"
    ) in markdown


def _cli(tmp_path: Path, db_url: str, *argv: str) -> int:
    cfg = tmp_path / "config.yaml"
    cfg.write_text(CONFIG, encoding="utf-8")
    runtime = Runtime(config_path=str(cfg), database_url=db_url, clock=Clock(NOW))
    parser = argparse.ArgumentParser(prog="duluan")
    add_parser(parser.add_subparsers(dest="command"))
    return run(parser.parse_args(["digest", *argv]), runtime)


def test_digest_command_builds_a_month_and_a_quarter(
    store: Store, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save_specs(store, SPECS)
    out = tmp_path / "out"
    assert _cli(tmp_path, db_url, "--month", "2026-11", "--format", "docx", "--out", str(out)) == 0
    assert (
        "Đã lập báo cáo 2026-11 (tháng 11 năm 2026, từ ngày 01/11/2026" in capsys.readouterr().out
    )
    assert _cli(tmp_path, db_url, "--quarter", "2026-Q4", "--format", "md", "--out", str(out)) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "duluan-bao-cao-quy-2026-Q4.md",
        "duluan-bao-cao-thang-2026-11.docx",
    ]
    assert _cli(tmp_path, db_url, "--month", "2026-11", "--out", str(out), "--send") == 0
    assert "Đã xếp hàng 2 tin nhắn" in capsys.readouterr().out
    assert _cli(tmp_path, db_url, "--month", "2026-11", "--out", str(out), "--send") == 0
    assert "không gửi lại" in capsys.readouterr().out
    queued = store.due_outbox(NOW + timedelta(minutes=1))
    assert [q.story for q in queued] == ["digest:2026-11", "digest:2026-11:docx"]
    assert "Báo cáo tháng 11 năm 2026" in queued[1].text


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--month", "2026-13"], "không phải tháng như 2026-11"),
        (["--quarter", "2026-Q9"], "không phải quý như 2026-Q4"),
        (["--month", "2026-11", "--week", "2026-W48"], "chỉ chọn một kỳ"),
        (["--quarter", "2026-Q4", "--from", "2026-11-01", "--to", "2026-11-02"], "chỉ chọn một kỳ"),
        (["--month", "2026-11", "--quarter", "2026-Q4"], "--month, --quarter"),
    ],
)
def test_digest_command_refuses_bad_periods(
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    said: str,
) -> None:
    assert _cli(tmp_path, db_url, *argv) == 2
    assert said in capsys.readouterr().err


def test_monthly_job_builds_the_previous_month_once_on_the_first_working_day(
    store: Store, tmp_path: Path
) -> None:
    save_specs(store, SPECS)
    cfg = with_out(config(), tmp_path, monthly="08:00")
    assert run_monthly(store, with_out(config(), tmp_path), lambda: NOW) is None  # not set
    tuesday = datetime(2026, 12, 1, 8, 0, tzinfo=ZONE)
    assert run_monthly(store, cfg, lambda: tuesday - timedelta(seconds=1)) is None
    built = run_monthly(store, cfg, lambda: tuesday)
    assert built is not None and built.window.label == "2026-11"
    assert built.content.outlets  # a periodic report: the outlet table
    assert run_monthly(store, cfg, lambda: tuesday + timedelta(days=1)) is None
    queued = store.due_outbox(tuesday + timedelta(minutes=1))
    assert [q.story for q in queued] == ["digest:2026-11", "digest:2026-11:docx"]
    assert (tmp_path / "duluan-bao-cao-thang-2026-11.docx").is_file()
    # The monthly report never stands for a missed week: Thursday 26/11's is still built.
    weeks = run_scheduled(store, cfg, lambda: tuesday + timedelta(hours=1))
    assert [d.window.label for d in weeks] == ["2026-W48"]
    # New Year's Day 2027 is a Friday and a holiday: December's report waits for Monday.
    assert run_monthly(store, cfg, lambda: datetime(2027, 1, 1, 9, tzinfo=ZONE)) is None
    january = run_monthly(store, cfg, lambda: datetime(2027, 1, 4, 8, tzinfo=ZONE))
    assert january is not None and january.window.label == "2026-12"


def test_monthly_job_without_a_chat_writes_once(store: Store, tmp_path: Path) -> None:
    save_specs(store, SPECS)
    base = with_out(config(), tmp_path, monthly="08:00")
    cfg = base.model_copy(update={"report": base.report.model_copy(update={"chat": None})})
    assert run_monthly(store, cfg, lambda: NOW) is not None
    assert run_monthly(store, cfg, lambda: NOW + timedelta(hours=1)) is None
    assert store.due_outbox(NOW + timedelta(days=1)) == []


def test_schedule_monthly_is_a_time_of_day() -> None:
    assert config().schedule.monthly is None
    text = CONFIG.replace("digest: 'thu 14:00'}", "digest: 'thu 14:00', monthly: 480}")
    assert parse_config(text, "t.yaml", {}).config.schedule.monthly == "08:00"
    with pytest.raises(Exception, match="không phải giờ như '08:00'"):
        parse_config(text.replace("480", "'25:00'"), "t.yaml", {})


def test_daemon_schedules_and_runs_the_monthly_job(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/db.sqlite3"
    cfg = with_out(config(), tmp_path / "out", monthly="08:00")
    moment = datetime(2026, 12, 1, 9, 0, tzinfo=ZONE)
    with Store.open(url) as store:
        store.record_job_run("monthly", moment - timedelta(days=1))  # missed today's 08:00

    async def scheduled() -> dict[str, tuple[datetime, str]]:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        daemon = Daemon(cfg, url, now=lambda: moment, alerts_path=tmp_path / "alerts.jsonl")
        daemon._store = Store.open(url)
        scheduler = AsyncIOScheduler(timezone=ZONE)
        try:
            daemon._schedule(scheduler)
            scheduler.start(paused=True)
            jobs = {job.id: (job.next_run_time, str(job.trigger)) for job in scheduler.get_jobs()}
            await daemon._start_delivery()
            await daemon._monthly_job()
            return jobs
        finally:
            scheduler.shutdown(wait=False)
            daemon._store.close()

    real = datetime.now(ZONE)
    jobs = asyncio.run(scheduled())
    when, trigger = jobs["monthly"]
    assert "hour='8', minute='0'" in trigger and "day_of_week" not in trigger
    assert when - real < timedelta(seconds=10)  # missed: caught up at once
    with Store.open(url) as store:
        assert store.job_runs()["monthly"].last_result == "báo cáo tháng 2026-11"
        assert [d.label for d in store.list_digests()] == ["2026-11"]


def test_monthly_job_follows_the_areas_extra_days_off(store: Store, tmp_path: Path) -> None:
    save_specs(store, SPECS)
    base = with_out(config(), tmp_path, monthly="08:00")
    review = base.review.model_copy(update={"holidays": [date(2026, 12, 1)]})
    cfg = base.model_copy(update={"review": review})
    assert run_monthly(store, cfg, lambda: datetime(2026, 12, 1, 9, tzinfo=ZONE)) is None
    built = run_monthly(store, cfg, lambda: datetime(2026, 12, 2, 8, tzinfo=ZONE))
    assert built is not None and built.window.label == "2026-11"


@pytest.mark.parametrize("chat", ["-1001112223334", None])
def test_monthly_job_also_reaches_the_zalo_report_chat_once(
    store: Store, tmp_path: Path, chat: str | None
) -> None:
    save_specs(store, SPECS)
    base = with_out(config(), tmp_path, monthly="08:00")
    report = base.report.model_copy(update={"chat": chat, "zalo": "zr"})
    cfg = base.model_copy(update={"report": report})
    tuesday = datetime(2026, 12, 1, 8, 0, tzinfo=ZONE)
    built = run_monthly(store, cfg, lambda: tuesday)
    assert built is not None and built.window.label == "2026-11"
    assert run_monthly(store, cfg, lambda: tuesday + timedelta(hours=1)) is None  # once
    queued = store.due_outbox(tuesday + timedelta(minutes=1))
    telegram = [
        ("telegram", "digest:2026-11", "digest"),
        ("telegram", "digest:2026-11:docx", "document"),
    ]
    assert sorted((q.messenger, q.story, q.kind) for q in queued) == [
        *(telegram if chat else []),
        ("zalo", "digest:2026-11", "digest"),
        ("zalo", "digest:2026-11:link", "digest"),
    ]
    link = next(q for q in queued if q.story.endswith(":link"))
    assert "Báo cáo tháng" in link.text and "duluan-bao-cao-thang-2026-11.docx" in link.text
