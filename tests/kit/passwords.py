"""Console password hashing at argon2's cheapest parameters for the whole session.

The suite hashes and checks a password at nearly every console login (and an unknown name checks
a dummy hash): at argon2's defaults, 64 MiB and three passes, that is close to half a second
each on a shared core. The hashing and its checks are the same code at any cost, which is
what the tests check; production, and every process a test starts, keeps the defaults.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher, profiles

import duluan.console.auth

__all__ = ["_cheap_passwords"]


@pytest.fixture(scope="session", autouse=True)
def _cheap_passwords() -> Iterator[None]:
    """For the whole session, console passwords are hashed with argon2's cheapest profile."""
    cheap = PasswordHasher.from_parameters(profiles.CHEAPEST)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(duluan.console.auth, "_hasher", cheap)
        patch.setattr(duluan.console.auth, "_DUMMY", cheap.hash("duluan-dummy-password"))
        yield
