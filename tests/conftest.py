"""Shared pytest fixtures; each area keeps its own in a module imported here."""

from tests.kit.db import *  # noqa: F403
from tests.kit.passwords import *  # noqa: F403
from tests.kit.schema import *  # noqa: F403
