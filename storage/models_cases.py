"""SQLAlchemy models of the review console (cases); imported by `storage.models`."""

from __future__ import annotations
