"""Daemon bookkeeping and health reads: when each job last ran, how extraction does."""

from __future__ import annotations


class JobQueries:
    """Mixed into `Store`."""
