"""Property tests for config.yaml's human-written quantities: whatever stands where a duration or
a size is expected (text, huge or negative numbers, infinities, lists…), loading the config
gives a valid config or a ConfigError naming the key, never another exception; and what is
accepted is usable (not negative, convertible to seconds)."""

from __future__ import annotations

import contextlib
import math
from datetime import timedelta
from typing import Any

import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from duluan.config import ConfigError, parse_config
from duluan.units import format_duration, parse_duration, parse_size

FAST = settings(max_examples=200, deadline=None)

BASE = {
    "locality": {"province": "Tỉnh Kon Tum", "district": "Huyện Đăk Hà"},
    "sources": [{"name": "a", "title": "A", "feeds": ["https://a.vn/rss"]}],
}

_UNIT_TEXT = st.builds(
    lambda n, unit, space: f"{n}{space}{unit}",
    st.one_of(st.integers(0, 10**30), st.floats(allow_nan=True, allow_infinity=True)),
    st.sampled_from(["", "d", "h", "m", "s", "ms", "kb", "MB", "mib", "GB", "x", "phút"]),
    st.sampled_from(["", " "]),
)
SCALARS = st.one_of(
    st.text(max_size=30),
    _UNIT_TEXT,
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def _config(crawl: dict[str, Any], interval: Any) -> str:
    data = {**BASE, "crawl": crawl}
    data["sources"] = [{**BASE["sources"][0], "interval": interval}]
    return yaml.safe_dump(data, allow_unicode=True)


@FAST
@given(SCALARS, SCALARS, SCALARS, SCALARS)
@example(float("inf"), 1, "10m", "1h")
@example("99999999999999999999d", "10MB", "10m", "1h")
@example(10**20, "10MB", "10m", "1h")
@example(-5, -1, -1, "-1h")
def test_durations_and_sizes_load_or_raise_config_error(
    timeout: Any, size: Any, interval: Any, horizon: Any
) -> None:
    text = _config(
        {"timeout": timeout, "max_page_size": size, "sitemap_horizon": horizon}, interval
    )
    try:
        loaded = parse_config(text, "config.yaml", {})
    except ConfigError as exc:
        assert exc.problems and all(isinstance(p, str) and p for p in exc.problems)
        return
    crawl = loaded.config.crawl
    for value in (crawl.timeout, crawl.sitemap_horizon, loaded.config.sources[0].interval):
        assert value >= timedelta(0) and math.isfinite(value.total_seconds())
        format_duration(value)
    assert crawl.max_page_size >= 0


@FAST
@given(st.integers(0, 100 * 365 * 86_400_000))
@example(1500)  # crawl.delay's default, once printed as "1s"
@example(500)
def test_format_duration_reads_back_to_the_millisecond(millis: int) -> None:
    value = timedelta(milliseconds=millis)
    assert parse_duration(format_duration(value)) == value


@FAST
@given(st.one_of(st.text(max_size=40), _UNIT_TEXT, st.integers(-(10**30), 10**30), st.floats()))
def test_parse_duration_and_parse_size_raise_only_value_error(value: Any) -> None:
    for parse in (parse_duration, parse_size):
        try:
            result = parse(value)
        except ValueError:
            continue
        assert result >= (timedelta(0) if parse is parse_duration else 0)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
@example("crawl: {timeout: .inf}")
@example("a: !!python/object:os.system {}")
@example("- 1\n- 2")
@example("{1: 2}")
def test_any_text_as_config_loads_or_raises_config_error(text: str) -> None:
    with contextlib.suppress(ConfigError):
        parse_config(text, "config.yaml", {})
