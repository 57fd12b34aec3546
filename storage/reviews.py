"""The review of stories from Telegram: verdicts, history, assignments to units."""

from __future__ import annotations


class ReviewQueries:
    """Mixed into `Store`."""
