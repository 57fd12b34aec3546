"""Each watch area of a deployment gets its own weekly digest: only the articles about it, its
own reviews and assignments, its units in the table by commune, its report settings (issuer,
signer, recipients, chat, time); stored and sent once per area and window, its files named with
the area; `duluan digest --area`; the console lists the account's area's digests; an existing
database's digests become the default area's (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from docx import Document

from digest.build import build_digest, digest_entries, queue_digest, run_scheduled
from digest.content import DigestContent, build_content
from digest.window import week_window
from duluan.cli import main
from duluan.config import DEFAULT_AREA, Config, parse_config
from duluan.console.auth import hash_password
from duluan.pipeline import data_roots
from storage import Store, UnitRecord
from storage.db import make_engine
from storage.migrate import alembic_config
from storage.models import UTCDateTime
from tests.kit.areas import DAK_MAR, DAK_PXI, areas_yaml
from tests.kit.console import PASSWORD, Clock, Console, Seeded
from tests.kit.digest import BQN, DT, NOW, VNE, Spec, at, save_specs

QN, KT = "Tỉnh Quảng Ngãi", "Tỉnh Kon Tum"
PXI_CHAT, MAR_CHAT = "-1001", "-1002"
PXI_NEW = UnitRecord("new_commune", "Xã Đăk Pxi", QN, None, None, None, True)
MAR_NEW = UnitRecord("new_commune", "Xã Đăk Mar", QN, None, None, None, True)
LONG_OLD = UnitRecord("commune", "Xã Đăk Long", KT, "Huyện Đăk Hà", "Xã Đăk Pxi", QN, True)
HRING_OLD = UnitRecord("commune", "Xã Đăk Hring", KT, "Huyện Đăk Hà", "Xã Đăk Mar", QN, True)
BOTH = ("dak-pxi", "dak-mar")
# fmt: off
SPECS = [
    # One story about both areas (two outlets), two about Đăk Pxi alone (one by an old name),
    # one about Đăk Mar alone by an old name.
    Spec("both", BQN, "Sạt lở ở Đăk Pxi và Đăk Mar", at(20, 8), at(20, 9), 1, "negative",
         (PXI_NEW, MAR_NEW), (), False, BOTH),
    Spec("both2", VNE, "Sạt lở hai xã", at(20, 11), at(20, 12), 1, "negative",
         (PXI_NEW, MAR_NEW), (), False, BOTH),
    Spec("pxi", DT, "Khánh thành cầu Đăk Pxi", at(21, 8), at(21, 9), 2, "positive", (PXI_NEW,),
         (), False, ("dak-pxi",)),
    Spec("long", BQN, "Đường về Đăk Long", at(22, 8), at(22, 9), 3, "neutral", (LONG_OLD,),
         (), False, ("dak-pxi",)),
    Spec("hring", DT, "Mùa cà phê Đăk Hring", at(23, 8), at(23, 9), 4, "neutral", (HRING_OLD,),
         (), False, ("dak-mar",)),
]
# fmt: on


def areas_text(out: Path) -> str:
    """Two areas with their own report settings; Đăk Mar's digest is due at 10:00, and the
    top-level report names a district no area may take as its title."""
    top = (
        "schedule: {timezone: Asia/Ho_Chi_Minh, digest: 'thu 14:00'}\n"
        f"report: {{signer_name: Nguyễn Văn A, area: huyện Đăk Hà, out_dir: '{out}'}}\n"
    )
    return areas_yaml(
        [
            {
                "name": "dak-pxi",
                "title": "UBND xã Đăk Pxi",
                "places": [DAK_PXI],
                "report": {
                    "issuer": ["UBND XÃ ĐĂK PXI"],
                    "recipients": ["Đảng ủy xã Đăk Pxi", "Lưu: VP"],
                    "signer_name": "Trần Thị B",
                    "chat": PXI_CHAT,
                },
            },
            {
                "name": "dak-mar",
                "title": "UBND xã Đăk Mar",
                "places": [DAK_MAR],
                "report": {
                    "issuer": ["UBND XÃ ĐĂK MAR"],
                    "recipients": ["Đảng ủy xã Đăk Mar"],
                    "chat": MAR_CHAT,
                    "schedule": "thu 10:00",
                },
            },
        ],
        top,
    )


def two_areas(out: Path) -> Config:
    return parse_config(areas_text(out), "test.yaml", {}).config


def seed(store: Store) -> dict[str, int]:
    """The articles, and each area's own review of the story about both: Đăk Pxi marks it
    false, Đăk Mar hands it to a unit whose deadline has passed."""
    ids = save_specs(store, SPECS)
    story = _story(store, ids["both"])
    store.review_action(
        story, expected_version=0, action="false_info", user_id=1, user_name="Lan",
        at=at(20, 13), article_id=ids["both"], area="dak-pxi",
    )  # fmt: skip
    store.assign(
        story, expected_version=0, unit="Công an xã Đăk Mar", chat=None, topic=None,
        deadline=date(2026, 11, 23), user_id=2, user_name="Hùng", at=at(20, 14),
        message="giao", article_id=ids["both"], area="dak-mar",
    )  # fmt: skip
    return ids


def _story(store: Store, article_id: int) -> str:
    detail = store.get_article(article_id)
    assert detail is not None
    return f"cluster:{detail.cluster_id}"


def content(store: Store, config: Config, name: str) -> DigestContent:
    area = config.area(name)
    window = week_window("2026-W48", config.digest_time(area), config.schedule.zone)
    return build_content(store, config, window, lambda: NOW, area)


def test_each_area_counts_its_own_articles_reviews_and_units(store: Store, tmp_path: Path) -> None:
    config = two_areas(tmp_path)
    seed(store)
    pxi, mar = content(store, config, "dak-pxi"), content(store, config, "dak-mar")
    assert (pxi.figures.total, pxi.figures.stories, pxi.figures.negative) == (4, 3, 2)
    assert (mar.figures.total, mar.figures.stories, mar.figures.negative) == (3, 2, 2)
    assert pxi.figures.positive == 1 and mar.figures.positive == 0
    # The table by commune lists the area's own unit, with the old names its items used.
    assert [(u.label, u.count) for u in pxi.figures.by_unit] == [
        ("Xã Đăk Pxi (gồm xã Đăk Long cũ: 1 tin)", 4)
    ]
    assert [(u.label, u.count) for u in mar.figures.by_unit] == [
        ("Xã Đăk Mar (gồm xã Đăk Hring cũ: 1 tin)", 3)
    ]
    # The story about both: each area lists its own place and its own review of it.
    [both_pxi] = [i for i in pxi.attention if i.title.startswith("Sạt lở ở")]
    [both_mar] = [i for i in mar.attention if i.title.startswith("Sạt lở ở")]
    assert both_pxi.places == ("Xã Đăk Pxi (mới)",) and both_mar.places == ("Xã Đăk Mar (mới)",)
    assert (both_pxi.review_status, both_pxi.unit) == ("false_info", None)
    assert (both_mar.review_status, both_mar.unit) == ("assigned", "Công an xã Đăk Mar")
    assert [i.story for i in mar.overdue] == [both_mar.story] and pxi.overdue == ()
    # Its title and report settings; the top-level report.area names no area.
    assert (pxi.area, mar.area) == ("xã Đăk Pxi", "xã Đăk Mar")
    assert pxi.report.issuer == ["UBND XÃ ĐĂK PXI"] and mar.report.issuer == ["UBND XÃ ĐĂK MAR"]
    assert pxi.report.recipients == ["Đảng ủy xã Đăk Pxi", "Lưu: VP"]
    assert (pxi.report.signer_name, mar.report.signer_name) == ("Trần Thị B", "Nguyễn Văn A")
    # Each window ends at the area's own time.
    assert (pxi.window.end.hour, mar.window.end.hour) == (14, 10)


def test_each_area_has_its_own_files_record_and_sending(store: Store, tmp_path: Path) -> None:
    config = two_areas(tmp_path / "out")
    seed(store)
    built = {}
    for area in config.watch_areas():
        window = week_window("2026-W48", config.digest_time(area), config.schedule.zone)
        built[area.name] = build_digest(store, config, window, lambda: NOW, area=area)
    pxi, mar = built["dak-pxi"], built["dak-mar"]
    assert pxi.files["docx"].name == "duluan-bao-cao-dak-pxi-tuan-2026-W48.docx"
    assert mar.files["md"].name == "duluan-bao-cao-dak-mar-tuan-2026-W48.md"
    html = pxi.files["html"].read_text(encoding="utf-8")
    assert "UBND XÃ ĐĂK PXI" in html and "Đảng ủy xã Đăk Pxi" in html
    assert "Đảng ủy xã Đăk Mar" not in html and "huyện Đăk Hà" not in html
    word = Document(str(mar.files["docx"]))
    cells = [c.text for t in word.tables for row in t.rows for c in row.cells]
    doc = "\n".join([p.text for p in word.paragraphs] + cells)
    assert "liên quan đến xã Đăk Mar" in doc and "Đảng ủy xã Đăk Mar" in doc
    assert "UBND XÃ ĐĂK MAR" in doc and "Mùa cà phê Đăk Hring" in doc
    assert "Khánh thành cầu Đăk Pxi" not in doc and "Đảng ủy xã Đăk Pxi" not in doc
    assert {(d.area, d.label) for d in store.list_digests()} == {
        ("dak-pxi", "2026-W48"),
        ("dak-mar", "2026-W48"),
    }
    assert [d.area for d in store.list_digests(area="dak-mar")] == ["dak-mar"]
    # Two areas' digests reach one chat each, and a shared chat gets both.
    stories = [e.story for e in digest_entries(mar, MAR_CHAT)]
    assert stories == ["digest:dak-mar:2026-W48", "digest:dak-mar:2026-W48:docx"]
    at_ = NOW + timedelta(hours=1)
    assert queue_digest(store, pxi, PXI_CHAT, at_) == 2
    assert queue_digest(store, mar, PXI_CHAT, at_) == 2
    assert queue_digest(store, mar, PXI_CHAT, at_) == 0
    record = store.get_digest(mar.window.start, mar.window.end, "dak-mar")
    assert record is not None and record.sent_at == at_


def test_the_schedule_sends_each_area_once_per_window_at_its_own_time(
    store: Store, tmp_path: Path
) -> None:
    config = two_areas(tmp_path)
    seed(store)
    noon = datetime(2026, 11, 26, 5, 0, tzinfo=UTC)  # Thursday 12:00: after 10:00, before 14:00
    pxi, mar = config.area("dak-pxi"), config.area("dak-mar")
    assert [b.window.label for b in run_scheduled(store, config, lambda: noon, mar)] == ["2026-W48"]
    assert [b.window.label for b in run_scheduled(store, config, lambda: noon, pxi)] == ["2026-W47"]
    assert run_scheduled(store, config, lambda: noon, mar) == []
    later = noon + timedelta(hours=3)  # 15:00: Đăk Pxi's W48 is due, Đăk Mar has sent its own
    assert [b.window.label for b in run_scheduled(store, config, lambda: later, pxi)] == [
        "2026-W48"
    ]
    assert run_scheduled(store, config, lambda: later, mar) == []
    sent = {(i.chat, i.story) for i in store.due_outbox(later)}
    assert ("-1002", "digest:dak-mar:2026-W48") in sent
    assert ("-1001", "digest:dak-pxi:2026-W48") in sent
    assert ("-1001", "digest:dak-mar:2026-W48") not in sent


def test_a_backup_holds_each_areas_digest_folder(tmp_path: Path) -> None:
    text = areas_text(tmp_path / "out").replace(
        '"schedule": "thu 10:00"', f'"schedule": "thu 10:00", "out_dir": "{tmp_path / "mar"}"'
    )
    config = parse_config(text, "test.yaml", {}).config
    assert data_roots(config, tmp_path / "data") == {
        "data": tmp_path / "data",
        "reports": tmp_path / "out",  # Đăk Pxi's too
        "reports-dak-mar": tmp_path / "mar",
    }


@pytest.mark.parametrize("wrong", ["thứ năm 10 giờ", "thu 24:00", "thu 10:75"])
def test_report_schedule_is_checked_like_schedule_digest(tmp_path: Path, wrong: str) -> None:
    text = areas_text(tmp_path).replace("thu 10:00", wrong)
    with pytest.raises(Exception, match="không phải lịch tuần như 'thu 14:00'"):
        parse_config(text, "test.yaml", {})


# --- duluan digest --area --------------------------------------------------------------------


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    (tmp_path / "config.yaml").write_text(areas_text(tmp_path / "out"), encoding="utf-8")
    url = f"sqlite:///{tmp_path}/db.sqlite3"
    monkeypatch.setenv("DULUAN_CONFIG", str(tmp_path / "config.yaml"))
    monkeypatch.setenv("DULUAN_DATABASE_URL", url)
    monkeypatch.setenv("DULUAN_NOW", "2026-11-26T15:00:00+07:00")
    monkeypatch.chdir(tmp_path)
    with Store.open(url) as store:
        seed(store)
    return url


def test_digest_area_builds_that_areas_report(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["digest", "--area", "dak-mar", "--format", "md"]) == 0
    out = capsys.readouterr().out
    assert "Đã lập báo cáo 2026-W48 của địa bàn dak-mar (UBND xã Đăk Mar)" in out
    assert "3 tin, bài" in out
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "duluan-bao-cao-dak-mar-tuan-2026-W48.md"
    ]


def test_digest_without_area_builds_and_sends_every_areas_report(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["digest", "--send", "--format", "md"]) == 0
    out = capsys.readouterr().out
    assert "Lập báo cáo cho 2 địa bàn theo dõi: dak-pxi, dak-mar." in out
    assert "địa bàn dak-pxi (UBND xã Đăk Pxi)" in out and "4 tin, bài" in out
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "duluan-bao-cao-dak-mar-tuan-2026-W48.docx",
        "duluan-bao-cao-dak-mar-tuan-2026-W48.md",
        "duluan-bao-cao-dak-pxi-tuan-2026-W48.docx",
        "duluan-bao-cao-dak-pxi-tuan-2026-W48.md",
    ]
    with Store.open(cli_env) as store:
        queued = {(i.chat, i.story) for i in store.due_outbox(NOW + timedelta(days=1))}
    assert queued == {
        (PXI_CHAT, "digest:dak-pxi:2026-W48"),
        (PXI_CHAT, "digest:dak-pxi:2026-W48:docx"),
        (MAR_CHAT, "digest:dak-mar:2026-W48"),
        (MAR_CHAT, "digest:dak-mar:2026-W48:docx"),
    }
    assert main(["digest", "--send", "--format", "md"]) == 0
    assert capsys.readouterr().out.count("đã được xếp hàng gửi từ trước") == 2


def test_an_unknown_area_is_a_vietnamese_usage_error(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["digest", "--area", "dak-ha"]) == 2
    err = capsys.readouterr().err
    expected = "không có địa bàn theo dõi 'dak-ha' trong cấu hình; các địa bàn có: dak-pxi, dak-mar"
    assert expected in err
    assert not (tmp_path / "out").exists()


# --- the console's digest archive ------------------------------------------------------------


def test_the_console_lists_and_serves_the_accounts_areas_digests(
    store: Store, tmp_path: Path
) -> None:
    config = two_areas(tmp_path / "out")
    hashed = hash_password(PASSWORD)
    for name, area in (("pxi", "dak-pxi"), ("mar", "dak-mar"), ("tinh", None)):
        store.add_web_user(name, "staff", None, hashed, NOW, area=area)
    records = {}
    folder = tmp_path / "out"
    folder.mkdir()
    for name in ("dak-pxi", "dak-mar"):
        path = folder / f"{name}.md"
        path.write_text(f"# Báo cáo {name}", encoding="utf-8")
        records[name] = store.save_digest(
            "2026-W48", NOW - timedelta(days=7), NOW, NOW, [str(path)], name
        )
    console = Console(store, config, Clock(), Seeded(0, 0, 0, 0), tmp_path)
    pxi_id, mar_id = records["dak-pxi"].id, records["dak-mar"].id
    pxi = console.client("pxi")
    html = pxi.get("/digests").text
    assert f"/digests/{pxi_id}/dak-pxi.md" in html and f"/digests/{mar_id}/" not in html
    assert "<th>Địa bàn</th>" not in html
    assert pxi.get(f"/digests/{pxi_id}/dak-pxi.md").text == "# Báo cáo dak-pxi"
    refused = pxi.get(f"/digests/{mar_id}/dak-mar.md")
    assert refused.status_code == 404
    assert "# Báo cáo dak-mar" not in refused.text
    everyone = console.client("tinh").get("/digests").text
    assert f"/digests/{pxi_id}/dak-pxi.md" in everyone
    assert f"/digests/{mar_id}/dak-mar.md" in everyone
    assert "<th>Địa bàn</th>" in everyone and "UBND xã Đăk Mar" in everyone


# --- migration of a database written before areas --------------------------------------------

T = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)


def test_existing_digests_become_the_default_areas(db_url: str) -> None:
    engine = make_engine(db_url)
    digests = sa.table(
        "digests",
        sa.column("id"),
        sa.column("label"),
        sa.column("files", sa.JSON()),
        *(sa.column(c, UTCDateTime()) for c in ("window_start", "window_end", "generated_at")),
        sa.column("sent_at", UTCDateTime()),
    )
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "0014")
            conn.execute(
                sa.insert(digests),
                [
                    {
                        "id": 3,
                        "label": "2026-W48",
                        "files": ["data/digests/duluan-bao-cao-tuan-2026-W48.docx"],
                        "window_start": T - timedelta(days=7),
                        "window_end": T,
                        "generated_at": T,
                        "sent_at": T,
                    }
                ],
            )
    finally:
        engine.dispose()
    with Store.open(db_url) as store:  # upgrades to head
        [old] = store.list_digests()
        assert (old.id, old.area, old.label, old.sent_at) == (3, DEFAULT_AREA, "2026-W48", T)
        assert store.last_digest_end() == T
        assert store.last_digest_end(area="dak-pxi") is None
        # Another area's digest of the same window is its own row; the same area's replaces.
        store.save_digest("2026-W48", T - timedelta(days=7), T, T, ["b.md"], "dak-pxi")
        store.save_digest("2026-W48", T - timedelta(days=7), T, T, ["c.md"], DEFAULT_AREA)
        assert sorted((d.area, d.files) for d in store.list_digests()) == [
            ("dak-pxi", ("b.md",)),
            (DEFAULT_AREA, ("c.md",)),
        ]
        kept = store.get_digest(T - timedelta(days=7), T)
        assert kept is not None and kept.sent_at == T
