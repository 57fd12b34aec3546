"""The suite's database fixtures (tests/kit/db.py): `db_url` on both backends unless a test is
marked `sqlite_only`."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url


@pytest.mark.sqlite_only
def test_a_sqlite_only_test_runs_on_sqlite_alone(db_url: str) -> None:
    assert make_url(db_url).get_backend_name() == "sqlite"


def test_an_unmarked_test_runs_on_each_backend(request: pytest.FixtureRequest, db_url: str) -> None:
    assert make_url(db_url).get_backend_name() == request.node.callspec.params["db_url"]
