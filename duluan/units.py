"""Parsing of the human-written quantities of config.yaml: durations and sizes."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(d|h|m|s|ms)")
_DURATION_FULL = re.compile(r"^\s*(?:\d+(?:\.\d+)?\s*(?:d|h|m|s|ms)\s*)+$")
_SECONDS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?\s*$", re.IGNORECASE)
_BYTES = {
    "b": 1,
    "kb": 1000,
    "kib": 1024,
    "mb": 1000**2,
    "mib": 1024**2,
    "gb": 1000**3,
    "gib": 1024**3,
}


def parse_duration(value: str | int | float | timedelta) -> timedelta:
    """Read `10m`, `1h30m`, `2d`, `45s` (or a number of seconds) as a timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        return timedelta(seconds=float(value))
    text = str(value).strip().lower()
    if not _DURATION_FULL.match(text):
        raise ValueError(value)
    return timedelta(seconds=sum(float(n) * _SECONDS[u] for n, u in _DURATION_PART.findall(text)))


def format_duration(value: timedelta) -> str:
    """The shortest `1h30m`-style spelling of a timedelta."""
    seconds = int(value.total_seconds())
    if seconds == 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def parse_size(value: str | int) -> int:
    """Read `10MB`, `512KiB` or a plain number of bytes."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    match = _SIZE.match(str(value))
    if not match:
        raise ValueError(value)
    return int(float(match.group(1)) * _BYTES[(match.group(2) or "b").lower()])
