"""SQLAlchemy models of the review console (web); imported by `storage.models`."""

from __future__ import annotations
