"""Reads for the weekly digest, and the record of digests written and sent."""

from __future__ import annotations


class DigestQueries:
    """Mixed into `Store`."""
