"""Property tests for the console's query and filter parameters: whatever a user types or a link
carries in them (huge pages, impossible dates, NUL, FTS syntax, foreign scripts), a page answers
with the page, a redirect or a 4xx, never a server error."""

from __future__ import annotations

from urllib.parse import urlsplit

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.kit.console import Console, console

__all__ = ["console"]

PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
VALUES = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30),
    st.sampled_from(
        [
            "9999-12-31",
            "0001-01-01",
            "2026-02-30",
            "2026-W48",
            "99999999999999999999999",
            "-1",
            "0",
            "1e9",
            "\x00",
            '"unterminated',
            "dak AND OR NOT NEAR(",
            "*",
            "Đăk Pxi",
            "//evil.example/",
            "https://evil.example/",
            "/\\evil.example",
        ]
    ),
    st.integers(-(10**30), 10**30).map(str),
)
QUEUE_KEYS = ("status", "tone", "commune", "unit", "outlet", "topic", "from", "to", "q", "page")


def _params(keys: tuple[str, ...]) -> st.SearchStrategy[dict[str, str]]:
    return st.dictionaries(st.sampled_from(keys), VALUES, max_size=len(keys))


def test_queue_filters_never_break_the_queue(console: Console) -> None:
    staff, unit = console.client("canbo"), console.client("dakpxi")

    @PROPERTY
    @given(_params(QUEUE_KEYS))
    @example({"page": "99999999999999999999999"})
    @example({"to": "9999-12-31"})
    @example({"from": "0001-01-01"})
    @example({"q": "\x00", "commune": "\x00"})
    def check(params: dict[str, str]) -> None:
        for client in (staff, unit):
            response = client.get("/queue", params=params)
            assert response.status_code == 200, (params, response.text[-500:])

    check()


def test_search_cases_and_evidence_parameters_never_break_a_page(console: Console) -> None:
    staff = console.client("canbo")

    @PROPERTY
    @given(_params(("q", "page")), _params(("open",)), _params(("story",)))
    @example({"q": "\x00"}, {}, {"story": "cluster:99999999999999999999999"})
    @example({"q": '"', "page": "-99999999999999999999"}, {"open": "1"}, {"story": "\x00"})
    def check(search: dict[str, str], cases: dict[str, str], evidence: dict[str, str]) -> None:
        for path, params in (("/search", search), ("/cases", cases), ("/evidence", evidence)):
            response = staff.get(path, params=params)
            assert response.status_code in (200, 400, 404), (path, params, response.text[-500:])

    check()


def test_login_next_never_leaves_the_console(console: Console) -> None:
    anonymous = console.client()

    @PROPERTY
    @given(VALUES)
    def check(target: str) -> None:
        response = anonymous.get("/login", params={"next": target})
        assert response.status_code == 200
        marker = 'name="next" value="'
        if marker in response.text:
            shown = response.text.split(marker, 1)[1].split('"', 1)[0]
            assert not urlsplit(shown).netloc and not shown.startswith(("//", "/\\"))

    check()
