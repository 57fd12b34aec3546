"""Parsing of the human-written quantities of config.yaml: durations and sizes."""

from __future__ import annotations

import math
import re
from datetime import timedelta

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(d|h|m|s|ms)")
_DURATION_FULL = re.compile(r"^\s*(?:\d+(?:\.\d+)?\s*(?:d|h|m|s|ms)\s*)+$")
_MAX_SECONDS = 100 * 365 * 86400.0  # a century: longer is a typo, and timedelta has a limit
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
    """Read `10m`, `1h30m`, `2d`, `45s` (or a number of seconds) as a timedelta; ValueError for
    anything else, a negative duration, or one too long for a timedelta."""
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, bool):
        raise ValueError(value)
    elif isinstance(value, int | float):
        seconds = float(value)
    else:
        text = str(value).strip().lower()
        if not _DURATION_FULL.match(text):
            raise ValueError(value)
        seconds = sum(float(n) * _SECONDS[u] for n, u in _DURATION_PART.findall(text))
    if not 0 <= seconds <= _MAX_SECONDS:  # also NaN
        raise ValueError(value)
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The shortest `1h30m`-style spelling of a timedelta, to the millisecond (`1.5s`), so that
    `parse_duration` reads back what it wrote."""
    millis = round(value / timedelta(milliseconds=1))
    if millis == 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000)):
        count, millis = divmod(millis, size)
        if count:
            parts.append(f"{count}{unit}")
    whole, rest = divmod(millis, 1000)
    if rest:
        parts.append(f"{whole}.{rest:03d}".rstrip("0") + "s")
    elif whole:
        parts.append(f"{whole}s")
    return "".join(parts)


def parse_size(value: str | int) -> int:
    """Read `10MB`, `512KiB` or a plain number of bytes; ValueError for anything else or a
    negative size."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        if value < 0:
            raise ValueError(value)
        return value
    match = _SIZE.match(str(value))
    if not match:
        raise ValueError(value)
    size = float(match.group(1)) * _BYTES[(match.group(2) or "b").lower()]
    if not math.isfinite(size):  # 400 digits
        raise ValueError(value)
    return int(size)
