"""Console accounts, login attempts and the audit log."""

from __future__ import annotations


class WebQueries:
    """Mixed into `Store`."""
