"""Cases of false or inaccurate reporting, the evidence kept for them, and article search."""

from __future__ import annotations


class CaseQueries:
    """Mixed into `Store`."""
