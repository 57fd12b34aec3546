"""The console of a deployment of two watch areas, route by route: an account of one area never
sees nor acts on the other area's stories, reviews, cases, evidence, counts or search hits (each
answers 404, as for something that does not exist), and an account of every area sees and acts
on each, naming the area. A story about both areas is reviewed separately in each. Every route
of the app must be listed here, so a new route cannot skip its area test."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from starlette.routing import Route
from starlette.testclient import TestClient

from review.service import Actor, ReviewService
from storage import Store
from storage.submissions import Screenshot, SubmissionRecord
from tests.kit.console import (
    AREA_A,
    AREA_B,
    NOW,
    TITLE_A,
    TITLE_B,
    UNIT_A,
    UNIT_B,
    Console,
    console,
    page_snapshot,
    save_tagged,
    token,
    two_areas_console,
)

__all__ = ["console"]  # the single-area console, for the test that nothing changes there

ACTOR = Actor(1, "Chị Lan", "Telegram, Chị Lan")
HTML = b"<html><body><p>Sai</p></body></html>"


@dataclass
class World:
    """Three stories: `a` about area A only, `b` about B only, `both` about both. In A, `a` is
    relevant and `both` assigned to A's unit; in B, `b` is assigned to B's unit (`job_b`) then
    marked false (case `case_b`, with the snapshot `evidence_b`), and `both` marked false (case
    `case_both`)."""

    console: Console
    a: int
    b: int
    both: int
    job_a: int
    job_b: int
    case_b: int
    case_both: int
    evidence_b: int

    def client(self, user: str) -> TestClient:
        return self.console.client(user)

    def article(self, cluster: int) -> int:
        found = self.console.store.story_article(cluster)
        assert found is not None
        return found

    def status(self, cluster: int, area: str) -> str:
        return self.console.store.review_detail(f"cluster:{cluster}", area).state.status

    def version(self, cluster: int, area: str) -> int:
        return self.console.store.review_detail(f"cluster:{cluster}", area).state.version


def _verdict(service: ReviewService, store: Store, cluster: int, area: str, status: str) -> None:
    story = f"cluster:{cluster}"
    service.verdict(
        story=story,
        version=store.review_detail(story, area).state.version,
        status=status,
        actor=ACTOR,
        article_id=None,
        area=area,
    )


def _assign(service: ReviewService, store: Store, cluster: int, area: str, unit: str) -> int:
    story = f"cluster:{cluster}"
    return service.assign(
        story=story,
        version=store.review_detail(story, area).state.version,
        unit=service.unit(unit, area),
        actor=ACTOR,
        area=area,
    ).job.id


@pytest.fixture
def world(store: Store, tmp_path: Path) -> World:
    console = two_areas_console(store, tmp_path)
    a, b, both = save_tagged(
        store,
        [("a", ()), ("b", ()), ("both", ())],
        {"a": (AREA_A,), "b": (AREA_B,), "both": (AREA_A, AREA_B)},
    )
    store.index_articles()
    service = ReviewService(store, console.config, console.clock)
    _verdict(service, store, a, AREA_A, "relevant")
    job_a = _assign(service, store, both, AREA_A, UNIT_A)
    job_b = _assign(service, store, b, AREA_B, UNIT_B)
    _verdict(service, store, b, AREA_B, "false_info")
    _verdict(service, store, both, AREA_B, "false_info")
    case_b = store.case_for_story(f"cluster:{b}", AREA_B)
    case_both = store.case_for_story(f"cluster:{both}", AREA_B)
    assert case_b is not None and case_both is not None
    assert store.case_for_story(f"cluster:{both}", AREA_A) is None
    evidence = store.add_evidence(
        page_snapshot(
            b, store.story_article(b), case_b.id, "https://baoquangngai.vn/b.htm", HTML, "Sai"
        )
    )
    return World(console, a, b, both, job_a, job_b, case_b.id, case_both.id, evidence.id)


def _post(client: TestClient, path: str, **data: str) -> object:
    form = {"csrf_token": token(client, "/queue"), **data}
    return client.post(path, data=form, follow_redirects=False)


def _code(response: object) -> int:
    return int(getattr(response, "status_code", 0))


_ROW = re.compile(r'<tr data-story="cluster:(\d+)"(?: data-area="([^"]+)")?')


def _rows(html: str) -> set[tuple[int, str]]:
    """The queue's rows as (cluster, area); area "" where the page shows no area column."""
    return {(int(c), area) for c, area in _ROW.findall(html)}


def _count(html: str, status: str) -> int:
    found = re.search(rf'data-status="{status}">[^<]*<span class="count">(\d+)', html)
    assert found, status
    return int(found.group(1))


def _not_found(response: object) -> bool:
    return _code(response) == 404 and "Không tìm thấy" in str(getattr(response, "text", ""))


# -- one probe per route: what an account of area A cannot do, and one of every area can ------


def probe_queue(w: World) -> None:
    pxi = w.client("pxi").get("/queue").text
    assert _rows(pxi) == {(w.a, ""), (w.both, "")}
    assert 'id="f-area"' not in pxi and "<th>Địa bàn</th>" not in pxi
    assert f'<span class="who">pxi · {TITLE_A}</span>' in pxi  # whose area the page is
    assert _count(pxi, "false_info") == 0 and _count(pxi, "assigned") == 1
    # A's account asking for B's area still sees only its own.
    assert _rows(w.client("pxi").get(f"/queue?area={AREA_B}").text) == _rows(pxi)
    assert _rows(w.client("pxi").get("/queue?status=false_info").text) == set()
    mar = w.client("mar").get("/queue").text
    assert _rows(mar) == {(w.b, ""), (w.both, "")} and _count(mar, "false_info") == 2

    tinh = w.client("tinh")
    every = tinh.get("/queue").text
    assert _rows(every) == {(w.a, AREA_A), (w.both, AREA_A), (w.both, AREA_B), (w.b, AREA_B)}
    assert 'id="f-area"' in every and "<th>Địa bàn</th>" in every and TITLE_B in every
    assert _count(every, "false_info") == 2 and _count(every, "relevant") == 1
    assert f'href="/items/{w.both}?area={AREA_B}"' in every
    assert _rows(tinh.get(f"/queue?area={AREA_B}").text) == {(w.both, AREA_B), (w.b, AREA_B)}
    assert _rows(tinh.get(f"/queue?unit={UNIT_B}").text) == {(w.b, AREA_B)}
    assert _rows(tinh.get("/queue?area=dak-ui").text) == set()
    # The unit and commune filters offer the listed areas' units and places only.
    assert UNIT_B not in pxi and UNIT_B in every
    assert _communes(pxi) == ["Xã Đăk Pxi"] and _communes(mar) == ["Xã Đăk Mar"]
    assert _communes(every) == ["Xã Đăk Mar", "Xã Đăk Pxi"]
    assert _communes(tinh.get(f"/queue?area={AREA_B}").text) == ["Xã Đăk Mar"]


def _communes(html: str) -> list[str]:
    """The commune filter's new units (its old names, in an optgroup, left out)."""
    start = html.index('id="f-commune"')
    select = html[start : html.index("</select>", start)].partition("<optgroup")[0]
    return re.findall(r'<option value="([^"]+)"', select)


def probe_item(w: World) -> None:
    pxi = w.client("pxi")
    for path in (f"/items/{w.b}", f"/items/{w.b}?area={AREA_B}", f"/items/{w.both}?area={AREA_B}"):
        assert _not_found(pxi.get(path)), path
    own = pxi.get(f"/items/{w.both}")
    assert own.status_code == 200 and "Đã giao đơn vị xác minh" in own.text
    assert UNIT_A in own.text and UNIT_B not in own.text and 'id="area"' not in own.text

    tinh = w.client("tinh")
    in_b = tinh.get(f"/items/{w.both}?area={AREA_B}").text
    assert "Thông tin sai sự thật – cần phản hồi" in in_b.split('id="status">')[1][:80]
    assert f'name="area" value="{AREA_B}"' in in_b and TITLE_B in in_b
    in_a = tinh.get(f"/items/{w.both}?area={AREA_A}").text
    assert "Đã giao đơn vị xác minh" in in_a.split('id="status">')[1][:80]
    # Each area's units and working-day deadline (Thursday 26/11: 2 days A, 5 days B).
    assert 'value="2026-11-30"' in in_a and 'value="2026-12-03"' in in_b
    assert f"<option>{UNIT_B}</option>" in in_b and f"<option>{UNIT_A}</option>" not in in_b
    assert f'href="/items/{w.both}?area={AREA_B}"' in in_a  # the other area's review
    # A story of one area opens in it without naming it.
    only_b = tinh.get(f"/items/{w.b}")
    assert only_b.status_code == 200 and f'name="area" value="{AREA_B}"' in only_b.text
    assert _not_found(tinh.get(f"/items/{w.b}?area={AREA_A}"))


def probe_verdict(w: World) -> None:
    pxi = w.client("pxi")
    version = str(w.version(w.b, AREA_B))
    assert _not_found(_post(pxi, f"/items/{w.b}/relevant", version=version))
    assert _not_found(_post(pxi, f"/items/{w.b}/relevant", version=version, area=AREA_B))
    both = str(w.version(w.both, AREA_B))
    assert _not_found(_post(pxi, f"/items/{w.both}/irrelevant", version=both, area=AREA_B))
    assert w.status(w.b, AREA_B) == "false_info" == w.status(w.both, AREA_B)

    tinh = w.client("tinh")
    ambiguous = _post(tinh, f"/items/{w.both}/relevant", version=both)
    assert _code(ambiguous) == 400 and w.status(w.both, AREA_B) == "false_info"
    done = _post(tinh, f"/items/{w.b}/relevant", version=version, area=AREA_B)
    assert _code(done) == 303
    assert getattr(done, "headers", {})["location"] == f"/items/{w.b}?area={AREA_B}"
    assert w.status(w.b, AREA_B) == "relevant" and w.version(w.b, AREA_A) == 0
    # An account of one area acts on its own without naming it.
    mine = _post(pxi, f"/items/{w.both}/irrelevant", version=str(w.version(w.both, AREA_A)))
    assert _code(mine) == 303 and w.status(w.both, AREA_A) == "irrelevant"
    assert w.status(w.both, AREA_B) == "false_info"


def probe_assign(w: World) -> None:
    version = str(w.version(w.b, AREA_B))
    form = {"version": version, "unit": UNIT_B, "deadline": "2026-12-01"}
    assert _not_found(_post(w.client("pxi"), f"/items/{w.b}/assign", **form, area=AREA_B))
    tinh = w.client("tinh")
    foreign = _post(tinh, f"/items/{w.b}/assign", **{**form, "unit": UNIT_A}, area=AREA_B)
    assert _code(foreign) == 400 and "Không có đơn vị" in str(getattr(foreign, "text", ""))
    assert _code(_post(tinh, f"/items/{w.b}/assign", **form, area=AREA_B)) == 303
    jobs = w.console.store.review_detail(f"cluster:{w.b}", AREA_B).assignments
    assert [j.unit for j in jobs] == [UNIT_B, UNIT_B]
    # B's staff assigns in B, its own area; A's review of the story is untouched.
    both = {"version": str(w.version(w.both, AREA_B)), "unit": UNIT_B, "deadline": ""}
    assert _code(_post(w.client("mar"), f"/items/{w.both}/assign", **both)) == 303
    assert w.status(w.both, AREA_B) == "assigned"
    a_jobs = w.console.store.review_detail(f"cluster:{w.both}", AREA_A).assignments
    assert [j.unit for j in a_jobs] == [UNIT_A]


def probe_report(w: World) -> None:
    officer = w.client("pxi-donvi")
    staff = w.client("pxi")
    for client in (officer, staff):
        for named in ({}, {"area": AREA_B}):
            path = f"/items/{w.b}/report"
            assert _not_found(_post(client, path, assignment=str(w.job_b), report="x", **named))
    # B's job named on a story of both areas: not a job of A's review.
    stray = _post(staff, f"/items/{w.both}/report", assignment=str(w.job_b), report="x")
    assert _code(stray) == 400 and "Không có giao việc này" in str(getattr(stray, "text", ""))
    own = _post(officer, f"/items/{w.both}/report", assignment=str(w.job_a), report="Đã xác minh")
    assert _code(own) == 303 and w.status(w.both, AREA_A) == "reported"
    tinh = w.client("tinh")
    done = _post(tinh, f"/items/{w.b}/report", assignment=str(w.job_b), answer="true", area=AREA_B)
    assert _code(done) == 303
    job = w.console.store.get_assignment(w.job_b)
    assert job is not None and job.status == "true"


def _units(html: str) -> set[tuple[str, str]]:
    return set(re.findall(r'<tr data-unit="([^"]+)"(?: data-area="([^"]+)")?', html))


def probe_units(w: World) -> None:
    pxi = w.client("pxi").get("/units").text
    assert _units(pxi) == {(UNIT_A, "")} and UNIT_B not in pxi
    assert _units(w.client("pxi-donvi").get("/units").text) == {(UNIT_A, "")}
    tinh = w.client("tinh")
    every = tinh.get("/units").text
    assert _units(every) == {(UNIT_A, AREA_A), (UNIT_B, AREA_B)} and 'id="f-area"' in every
    assert _units(tinh.get(f"/units?area={AREA_B}").text) == {(UNIT_B, AREA_B)}
    assert f'/items/{w.b}?area={AREA_B}"' in every


def _cases(html: str) -> set[int]:
    return {int(c) for c in re.findall(r'data-case="(\d+)"', html)}


def _figure(page: str, key: str) -> int:
    found = re.search(rf'id="fig-{key}">(\d+)</a>', page)
    assert found, f"không thấy ô {key}"
    return int(found.group(1))


def probe_dashboard(w: World) -> None:
    pxi = w.client("pxi").get("/dashboard").text
    assert _figure(pxi, "stories") == 2 and _figure(pxi, "cases") == 0
    assert 'id="f-area"' not in pxi and "area=" not in pxi
    # A's account asking for B's area still sees only its own.
    assert _figure(w.client("pxi").get(f"/dashboard?area={AREA_B}").text, "stories") == 2
    mar = w.client("mar").get("/dashboard").text
    assert _figure(mar, "stories") == 2 and _figure(mar, "cases") == 2
    tinh = w.client("tinh")
    every = tinh.get("/dashboard").text
    assert _figure(every, "stories") == 4 and 'id="f-area"' in every
    only_a = tinh.get(f"/dashboard?area={AREA_A}").text
    assert _figure(only_a, "stories") == 2 and _figure(only_a, "cases") == 0
    assert f"/queue?area={AREA_A}&amp;from=" in only_a
    assert _figure(tinh.get("/dashboard?area=dak-ui").text, "stories") == 0


def probe_cases(w: World) -> None:
    assert _cases(w.client("pxi").get("/cases").text) == set()
    assert _cases(w.client("mar").get("/cases").text) == {w.case_b, w.case_both}
    tinh = w.client("tinh")
    every = tinh.get("/cases").text
    assert _cases(every) == {w.case_b, w.case_both} and TITLE_B in every
    assert _cases(tinh.get(f"/cases?area={AREA_A}").text) == set()


def probe_case(w: World) -> None:
    assert _not_found(w.client("pxi").get(f"/cases/{w.case_b}"))
    page = w.client("tinh").get(f"/cases/{w.case_b}")
    assert page.status_code == 200 and TITLE_B in page.text
    assert f'/items/{w.b}?area={AREA_B}"' in page.text
    assert w.client("mar").get(f"/cases/{w.case_both}").status_code == 200


def probe_case_step(w: World) -> None:
    form = {"kind": "verified", "unit": UNIT_B, "note": "Sai"}
    assert _not_found(_post(w.client("pxi"), f"/cases/{w.case_b}/step", **form))
    assert _code(_post(w.client("tinh"), f"/cases/{w.case_b}/step", **form)) == 303
    case = w.console.store.get_case(w.case_b)
    assert case is not None and case.status == "verified"


def probe_case_capture(w: World) -> None:
    assert _not_found(_post(w.client("pxi"), f"/cases/{w.case_b}/capture"))
    # Past the area check: this console has no page fetcher, so it says so.
    assert _code(_post(w.client("tinh"), f"/cases/{w.case_b}/capture")) == 503


def probe_case_letter(w: World) -> None:
    for user in ("pxi", "pxi-xem"):
        assert _not_found(w.client(user).get(f"/cases/{w.case_b}/letter.docx")), user
    letter = w.client("tinh").get(f"/cases/{w.case_b}/letter.docx")
    assert letter.status_code == 200 and letter.content[:2] == b"PK"


def probe_evidence_list(w: World) -> None:
    path = f"/evidence?story=cluster:{w.b}"
    assert _not_found(w.client("pxi").get(path))
    page = w.client("tinh").get(path)
    assert page.status_code == 200 and f'data-evidence="{w.evidence_b}"' in page.text


def probe_evidence_download(w: World) -> None:
    assert _not_found(w.client("pxi").get(f"/evidence/{w.evidence_b}"))
    download = w.client("tinh").get(f"/evidence/{w.evidence_b}")
    assert download.status_code == 200 and download.content == HTML


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def probe_evidence_image(w: World) -> None:
    store = w.console.store
    article = w.article(w.b)
    report = SubmissionRecord(article, "Cán bộ B", "console", w.console.clock(), area=AREA_B)
    store.add_submission(report, f"cluster:{w.b}", Screenshot("b.png", "image/png", PNG))
    [shot] = [e for e in store.list_evidence(f"cluster:{w.b}") if e.reason == "reported"]
    assert _not_found(w.client("pxi").get(f"/evidence/{shot.id}/image"))
    image = w.client("tinh").get(f"/evidence/{shot.id}/image")
    assert image.status_code == 200 and image.content == PNG
    assert image.headers["content-type"] == "image/png"


def _hits(html: str) -> set[int]:
    return {int(a) for a in re.findall(r'data-article="(\d+)"', html)}


def probe_search(w: World) -> None:
    a, b, both = (w.article(c) for c in (w.a, w.b, w.both))
    pxi = w.client("pxi").get("/search?q=Nội dung").text
    assert _hits(pxi) == {a, both} and 'id="total">2 bài' in pxi
    assert _hits(w.client("pxi").get(f"/search?q=Nội dung&area={AREA_B}").text) == {a, both}
    tinh = w.client("tinh")
    every = tinh.get("/search?q=Nội dung").text
    assert _hits(every) == {a, b, both} and f'data-area="{AREA_B}"' in every
    assert _hits(tinh.get(f"/search?q=Nội dung&area={AREA_B}").text) == {b, both}
    unknown = tinh.get("/search?q=Nội dung&area=dak-ui")
    assert unknown.status_code == 200 and _hits(unknown.text) == set()


def probe_users(w: World) -> None:
    page = w.client("quantri").get("/users").text
    assert 'id="new-area"' in page and "<th>Địa bàn</th>" in page
    assert TITLE_A in page and "Mọi địa bàn" in page  # pxi's area, tinh's every area


def probe_user_add(w: World) -> None:
    admin = w.client("quantri")
    base = {"role": "unit", "password": "mật khẩu đủ dài 123"}
    foreign = _post(admin, "/users", name="x", unit=UNIT_A, area=AREA_B, **base)
    assert _code(foreign) == 400 and "Cán bộ đơn vị phải thuộc" in str(getattr(foreign, "text", ""))
    unknown = _post(admin, "/users", name="x", unit=UNIT_A, area="dak-ui", **base)
    assert _code(unknown) == 400 and "Không có địa bàn &#39;dak-ui&#39;" in str(
        getattr(unknown, "text", "")
    )
    assert _code(_post(admin, "/users", name="mar2", unit=UNIT_B, area=AREA_B, **base)) == 303
    made = w.console.store.web_user_by_name("mar2")
    assert made is not None and (made.area, made.unit) == (AREA_B, UNIT_B)
    # The new account is limited to its area and unit.
    assert _rows(w.client("mar2").get("/queue").text) == {(w.b, "")}


def probe_digests(w: World) -> None:
    """The digest archive and its files: an account of A lists and downloads A's digest only."""
    folder = Path(w.console.config.area(AREA_A).report.out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    ids = {}
    for area in (AREA_A, AREA_B):
        path = folder / f"{area}.md"
        path.write_text(f"# {area}", encoding="utf-8")
        week = NOW - timedelta(days=7)
        ids[area] = w.console.store.save_digest("2026-W48", week, NOW, NOW, [str(path)], area).id
    mine, other = f"/digests/{ids[AREA_A]}/{AREA_A}.md", f"/digests/{ids[AREA_B]}/{AREA_B}.md"
    pxi = w.client("pxi")
    listing = pxi.get("/digests").text
    assert mine in listing and other not in listing
    assert pxi.get(mine).text == f"# {AREA_A}"
    assert _not_found(pxi.get(other))
    tinh = w.client("tinh")
    every = tinh.get("/digests").text
    assert mine in every and other in every and TITLE_B in every
    assert tinh.get(other).text == f"# {AREA_B}"


def probe_submit_form(w: World) -> None:
    """An account of one area reports for its own area (no choice); one of every area chooses
    among all; a viewer cannot report."""
    pxi = w.client("pxi").get("/submit").text
    assert 'id="submit-area"' not in pxi and f'id="submit-own-area">{TITLE_A}<' in pxi
    tinh = w.client("tinh").get("/submit").text
    choices = re.findall(r'<option value="([^"]+)"', tinh.split('id="submit-area"')[1])
    assert choices == [AREA_A, AREA_B]
    assert w.client("pxi-xem").get("/submit").status_code == 403


def _submit(client: TestClient, text: str, **data: str) -> object:
    form = {"csrf_token": token(client, "/submit"), "text": text, "link": "", **data}
    return client.post("/submit", data=form, follow_redirects=False)


def _reported(w: World, text: str) -> tuple[int, str | None] | None:
    """The cluster of the item reported with `text` and the area its report was for."""
    for article_id, rows in w.console.store.submissions_of(range(1, 100)).items():
        for row in rows:
            if row.note == text:
                article = w.console.store.get_article(article_id)
                assert article is not None
                return article.cluster_id, row.area
    return None


def probe_submit(w: World) -> None:
    w.console.tagged = True
    pxi = w.client("pxi")
    # Another area named by an account of one area: refused, the text kept, nothing stored.
    foreign = _submit(pxi, "Tin của xã khác", area=AREA_B)
    assert _code(foreign) == 400 and "Tin của xã khác</textarea>" in str(
        getattr(foreign, "text", "")
    )
    assert _reported(w, "Tin của xã khác") is None
    # Its report goes to its own area, which alone sees it.
    own = _submit(pxi, "Đường thôn 3 sạt lở")
    assert _code(own) == 303
    found = _reported(w, "Đường thôn 3 sạt lở")
    assert found is not None and found[1] == AREA_A
    cluster = found[0]
    assert getattr(own, "headers", {})["location"] == f"/items/{cluster}?area={AREA_A}"
    assert w.console.store.story_areas(cluster) == (AREA_A,)
    assert _not_found(w.client("mar").get(f"/items/{cluster}"))
    # An account of every area must choose, and reports for the area chosen.
    tinh = w.client("tinh")
    unchosen = _submit(tinh, "Cầu tràn ngập nước")
    assert _code(unchosen) == 400 and "Hãy chọn địa bàn" in str(getattr(unchosen, "text", ""))
    assert _code(_submit(tinh, "Cầu tràn ngập nước", area="dak-ui")) == 400
    chosen = _submit(tinh, "Cầu tràn ngập nước", area=AREA_B)
    assert _code(chosen) == 303
    found = _reported(w, "Cầu tràn ngập nước")
    assert found is not None and found[1] == AREA_B
    assert getattr(chosen, "headers", {})["location"] == f"/items/{found[0]}?area={AREA_B}"
    assert _not_found(pxi.get(f"/items/{found[0]}"))
    page = w.client("mar").get(f"/items/{found[0]}").text
    assert 'data-reporter="tinh"' in page and TITLE_B in page  # the report names its area


def _xlsx_links(response: object) -> list[str]:
    """The links of an exported workbook's rows, sorted."""
    assert _code(response) == 200, getattr(response, "text", "")
    sheet = load_workbook(io.BytesIO(getattr(response, "content", b""))).active
    assert sheet is not None
    return sorted(str(row[3]) for row in sheet.iter_rows(min_row=2, values_only=True))


def probe_exports(w: World) -> None:
    """The queue's report and Excel buttons: an account of A gets A's stories only, whatever
    area it names; one of every area gets each area's, and must name one for a report."""
    a, b, both = (f"https://baoquangngai.vn/{k}.htm" for k in ("a", "b", "both"))
    pxi = w.client("pxi")
    assert _xlsx_links(pxi.get(f"/queue/excel?area={AREA_B}")) == [a, both]
    report = pxi.get(f"/queue/report?kind=html&area={AREA_B}")
    assert _code(report) == 200 and a in report.text and b not in report.text
    assert _xlsx_links(w.client("mar").get("/queue/excel")) == [b, both]
    assert w.client("pxi-donvi").get("/queue/excel").status_code == 403
    tinh = w.client("tinh")
    assert _xlsx_links(tinh.get("/queue/excel")) == [a, b, both, both]
    unchosen = tinh.get("/queue/report?kind=html")
    assert _code(unchosen) == 400 and "Hãy chọn một địa bàn" in unchosen.text
    chosen = tinh.get(f"/queue/report?kind=html&area={AREA_B}")
    assert _code(chosen) == 200 and b in chosen.text and a not in chosen.text


def probe_rules(w: World) -> None:
    from storage.rules import RuleDraft

    store = w.console.store
    store.add_watch_rule(RuleDraft("Chung", "lũ"), "quantri", NOW)
    store.add_watch_rule(RuleDraft("Riêng Mar", "lũ", area=AREA_B), "quantri", NOW)
    pxi = w.client("pxi").get("/rules").text
    assert 'data-rule="Chung"' in pxi and 'data-rule="Riêng Mar"' not in pxi
    for user in ("mar", "tinh"):
        page = w.client(user).get("/rules").text
        assert 'data-rule="Chung"' in page and 'data-rule="Riêng Mar"' in page, user


def probe_rule_add(w: World) -> None:
    admin = w.client("quantri")
    foreign = _post(admin, "/rules", name="x", query="lũ", units=UNIT_A, area=AREA_B)
    assert _code(foreign) == 400 and "Không có đơn vị" in str(getattr(foreign, "text", ""))
    assert _code(_post(admin, "/rules", name="y", query="lũ", units=UNIT_B, area=AREA_B)) == 303
    (made,) = w.console.store.watch_rules()
    assert (made.area, made.units) == (AREA_B, (UNIT_B,))


PROBES: dict[tuple[str, str], Callable[[World], None]] = {
    ("GET", "/queue/report"): probe_exports,
    ("GET", "/queue/excel"): probe_exports,
    ("GET", "/rules"): probe_rules,
    ("POST", "/rules"): probe_rule_add,
    ("GET", "/submit"): probe_submit_form,
    ("POST", "/submit"): probe_submit,
    ("GET", "/digests"): probe_digests,
    ("GET", "/digests/{digest:int}/{name:str}"): probe_digests,
    ("GET", "/queue"): probe_queue,
    ("GET", "/dashboard"): probe_dashboard,
    ("GET", "/items/{cluster:int}"): probe_item,
    ("POST", "/items/{cluster:int}/{action:str}"): probe_verdict,
    ("POST", "/items/{cluster:int}/assign"): probe_assign,
    ("POST", "/items/{cluster:int}/report"): probe_report,
    ("GET", "/units"): probe_units,
    ("GET", "/cases"): probe_cases,
    ("GET", "/cases/{case:int}"): probe_case,
    ("POST", "/cases/{case:int}/step"): probe_case_step,
    ("POST", "/cases/{case:int}/capture"): probe_case_capture,
    ("GET", "/cases/{case:int}/letter.docx"): probe_case_letter,
    ("GET", "/evidence"): probe_evidence_list,
    ("GET", "/evidence/{evidence:int}"): probe_evidence_download,
    ("GET", "/evidence/{evidence:int}/image"): probe_evidence_image,
    ("GET", "/search"): probe_search,
    ("GET", "/users"): probe_users,
    ("POST", "/users"): probe_user_add,
}
# Routes that show nothing of an area, each with why.
UNSCOPED = {
    ("GET", "/"): "redirects to the dashboard (a unit officer: the queue)",
    ("GET", "/login"): "the login form",
    ("POST", "/login"): "logging in",
    ("POST", "/logout"): "logging out",
    ("GET", "/sources"): "the sources' health: one crawl serves every area",
    ("POST", "/users/{user:int}/active"): "admin: locking an account, whatever its area",
    ("GET", "/audit"): "admin: the deployment's audit log, left as is (issue 14)",
    ("GET", "/rules/{rule:int}"): "admin: a rule's form, its area chosen there (probe_rule_add)",
    ("POST", "/rules/{rule:int}"): "admin: saving a rule, checked as probe_rule_add's",
    ("POST", "/rules/{rule:int}/enabled"): "admin: switching a rule, whatever its area",
    ("POST", "/rules/{rule:int}/delete"): "admin: deleting a rule, whatever its area",
}


def test_every_route_has_an_area_test(world: World) -> None:
    app = world.client("tinh").app
    routes = {
        (method, route.path)
        for route in getattr(app, "routes", [])
        if isinstance(route, Route)
        for method in (route.methods or set()) - {"HEAD"}
    }
    assert routes == set(PROBES) | set(UNSCOPED)


@pytest.mark.parametrize("route", sorted(PROBES), ids=" ".join)
def test_a_route_keeps_each_account_to_its_area(world: World, route: tuple[str, str]) -> None:
    PROBES[route](world)


def test_a_story_of_two_areas_is_reviewed_in_each_from_the_console(
    store: Store, tmp_path: Path
) -> None:
    console = two_areas_console(store, tmp_path)
    (both,) = save_tagged(store, [("both", ())], {"both": (AREA_A, AREA_B)})
    tinh = console.client("tinh")
    for area, action in ((AREA_A, "relevant"), (AREA_B, "false")):
        done = _post(tinh, f"/items/{both}/{action}", version="0", area=area)
        assert _code(done) == 303, getattr(done, "text", "")
    story = f"cluster:{both}"
    assert store.review_detail(story, AREA_A).state.status == "relevant"
    assert store.review_detail(story, AREA_B).state.status == "false_info"
    assert store.case_for_story(story, AREA_A) is None
    assert store.case_for_story(story, AREA_B) is not None
    assert _rows(tinh.get("/queue").text) == {(both, AREA_A), (both, AREA_B)}
    statuses = re.findall(
        r'data-area="([^"]+)">.*?class="status">([^<]+)<', tinh.get("/queue").text, re.S
    )
    assert dict(statuses) == {AREA_A: "Liên quan", AREA_B: "Thông tin sai sự thật – cần phản hồi"}
    # Each area's account sees its own status only.
    assert (
        "Liên quan"
        in console.client("pxi").get(f"/items/{both}").text.split('id="status">')[1][:30]
    )
    mar = console.client("mar").get(f"/items/{both}").text
    assert "Thông tin sai sự thật" in mar.split('id="status">')[1][:60]


def test_without_areas_pages_show_no_area(console: Console) -> None:
    client = console.client("canbo")
    queue = client.get("/queue").text
    assert (
        'id="f-area"' not in queue and "data-area" not in queue and "<th>Địa bàn</th>" not in queue
    )
    item = client.get(f"/items/{console.seeded.forest}").text
    assert 'name="area"' not in item and 'id="area"' not in item
    users = console.client("quantri").get("/users").text
    assert 'id="new-area"' not in users and "<th>Địa bàn</th>" not in users
