"""Units, sources and digests pages over HTTP, digest downloads kept inside the digest folder."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from storage import SourceRun
from tests.kit.console import NOW, PXI_UNIT, Console, console, token

__all__ = ["console"]


def _assign(console: Console, cluster: int, deadline: str) -> None:
    client = console.client("canbo")
    version = console.store.review_detail(f"cluster:{cluster}").state.version
    response = client.post(
        f"/items/{cluster}/assign",
        data={
            "unit": PXI_UNIT,
            "deadline": deadline,
            "version": str(version),
            "csrf_token": token(client, "/queue"),
        },
    )
    assert response.status_code == 200


def _unit_row(html: str, unit: str) -> list[str]:
    row = re.search(rf'<tr data-unit="{re.escape(unit)}">(.*?)</tr>', html, re.S)
    assert row, unit
    return re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))[1:]


def test_units_page_counts_open_and_overdue(console: Console) -> None:
    _assign(console, console.seeded.forest, "2026-11-27")
    client = console.client("xem")
    assert _unit_row(client.get("/units").text, PXI_UNIT) == ["1", "1", "0"]
    console.clock.value = NOW + timedelta(days=2)
    html = client.get("/units").text
    assert _unit_row(html, PXI_UNIT) == ["1", "1", "1"]
    assert "Phá rừng ở Đăk Pxi" in html and "(quá hạn)" in html


def test_unit_officer_sees_only_its_unit_on_units_page(console: Console) -> None:
    _assign(console, console.seeded.forest, "2026-11-27")
    html = console.client("phongtn").get("/units").text
    assert 'data-unit="Phòng Tài nguyên và Môi trường"' in html
    assert PXI_UNIT not in html and "Phá rừng" not in html


def test_sources_page_shows_health(console: Console) -> None:
    console.store.record_run(
        SourceRun("dantri", NOW - timedelta(minutes=5), NOW, 1, 0, 0, 0, [], False)
    )
    html = console.client("xem").get("/sources").text
    row = re.search(r'<tr data-source="dantri">(.*?)</tr>', html, re.S)
    assert row and "Dân trí" in row.group(1)
    assert 'data-source="baoquangngai"' in html


def _with_out_dir(console: Console, folder: Path) -> None:
    report = console.config.report.model_copy(update={"out_dir": str(folder)})
    console.config = console.config.model_copy(update={"report": report})


def test_digest_files_download_only_from_the_digest_folder(console: Console) -> None:
    folder = console.tmp / "digests"
    folder.mkdir()
    (folder / "2026-W48.md").write_text("# Báo cáo tuần 48", encoding="utf-8")
    (console.tmp / "secret.txt").write_text("bí mật", encoding="utf-8")
    _with_out_dir(console, folder)
    record = console.store.save_digest(
        "2026-W48",
        NOW - timedelta(days=7),
        NOW,
        NOW,
        [str(folder / "2026-W48.md"), str(console.tmp / "secret.txt")],
    )
    client = console.client("xem")
    html = client.get("/digests").text
    assert f'href="/digests/{record.id}/2026-W48.md"' in html
    ok = client.get(f"/digests/{record.id}/2026-W48.md")
    assert ok.status_code == 200 and ok.text == "# Báo cáo tuần 48"
    assert "attachment" in ok.headers["content-disposition"]
    for path in (
        f"/digests/{record.id}/secret.txt",
        f"/digests/{record.id}/..%2Fsecret.txt",
        f"/digests/{record.id}/%2E%2E%2Fsecret.txt",
        f"/digests/{record.id + 1}/2026-W48.md",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "bí mật" not in response.text


def test_unit_officers_read_digests_only_when_allowed(console: Console) -> None:
    folder = console.tmp / "digests"
    folder.mkdir()
    (folder / "2026-W48.md").write_text("# Báo cáo tuần 48: nội dung", encoding="utf-8")
    _with_out_dir(console, folder)
    record = console.store.save_digest(
        "2026-W48", NOW - timedelta(days=7), NOW, NOW, [str(folder / "2026-W48.md")]
    )
    pages = ["/digests", f"/digests/{record.id}/2026-W48.md"]
    unit = console.client("dakpxi")
    assert 'href="/digests"' not in unit.get("/queue").text
    for path in pages:
        refused = unit.get(path)
        assert refused.status_code == 403, path
        assert "web.unit_digests: true" in refused.text and "nội dung" not in refused.text
    for name in ("canbo", "xem", "quantri"):
        client = console.client(name)
        assert 'href="/digests"' in client.get("/queue").text
        assert [client.get(path).status_code for path in pages] == [200, 200]
    web = console.config.web.model_copy(update={"unit_digests": True})
    console.config = console.config.model_copy(update={"web": web})
    unit = console.client("dakpxi")
    assert 'href="/digests"' in unit.get("/queue").text
    assert [unit.get(path).status_code for path in pages] == [200, 200]


def test_the_zalo_report_link_downloads_the_docx_from_the_console(console: Console) -> None:
    """The link a Zalo report chat gets (digest.build.zalo_digest_entries) is the console's
    own download of the built DOCX."""
    from digest.build import build_digest, zalo_digest_entries
    from digest.window import week_window

    folder = console.tmp / "digests"
    _with_out_dir(console, folder)
    cfg = console.config
    window = week_window("2026-W48", cfg.schedule.digest, cfg.schedule.zone)
    built = build_digest(console.store, cfg, window, lambda: NOW, formats=["docx"])
    web = cfg.web.model_copy(update={"public_url": "https://duluan.xa.gov.vn"})
    [_, link] = zalo_digest_entries(built, "zr", web)
    url = next(w for w in link.text.split("\n") if w.startswith("https://"))
    path = url.removeprefix("https://duluan.xa.gov.vn")
    got = console.client("xem").get(path)
    assert got.status_code == 200
    assert got.content == built.files["docx"].read_bytes()
