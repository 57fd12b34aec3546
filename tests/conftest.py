"""Shared pytest fixtures; each area keeps its own in a module imported here."""

from tests.dbfixtures import *  # noqa: F403
