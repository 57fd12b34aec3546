"""Jinja filters and globals of the console: local times, dates and Vietnamese labels."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from alerts.message import link_url
from crawler.dates import MINUTE, shown
from crawler.platform import PLATFORM_LABELS
from duluan.config import Config
from duluan.console.areas import AREA_PARAM, area_query, several
from duluan.rules import spans_text
from duluan.submit import VIA_LABELS
from storage.vocabulary import (
    ACTION_LABELS,
    MESSENGER_LABELS,
    OUTBOX_LABELS,
    STATUS_LABELS,
    TONE_LABELS,
)
from storage.vocabulary import ASSIGNMENT_TITLES as ASSIGNMENT_LABELS

NOT_A_LINK = "Địa chỉ không phải http/https nên không mở được"


def install(env: Environment, config: Config) -> None:
    zone = config.schedule.zone

    def local(value: datetime | None, fmt: str = "%H:%M %d/%m/%Y") -> str:
        return value.astimezone(zone).strftime(fmt) if value is not None else "—"

    def published(value: datetime | None, precision: str = MINUTE) -> str:
        """A publication time, or only its day when the page gave only the day."""
        return shown(value, precision, zone)

    def day(value: date | None) -> str:
        return value.strftime("%d/%m/%Y") if value is not None else "—"

    def label(value: Any, table: str) -> str:
        tables = {
            "status": STATUS_LABELS,
            "assignment": ASSIGNMENT_LABELS,
            "tone": TONE_LABELS,
            "outbox": OUTBOX_LABELS,
            "messenger": MESSENGER_LABELS,
            "action": ACTION_LABELS,
            "platform": PLATFORM_LABELS,
            "via": VIA_LABELS,
        }
        return tables[table].get(str(value), str(value))

    def link(url: str | None, text: str) -> Markup:
        """`text` as a link opening the outlet's page in a new tab when `link_url` allows its
        address (http or https only), else as plain text: a crawled `javascript:` address
        never becomes a link."""
        target = link_url(url)
        if target is None:
            return Markup('<span class="no-link" title="{}">{}</span>').format(NOT_A_LINK, text)
        return Markup('<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>').format(
            target, text
        )

    titles = {a.name: a.title for a in config.watch_areas()}

    def area_link(area: str) -> str:
        return area_query(config, area)

    def area_field(area: str) -> Markup:
        """The hidden `area` field of a form acting on an area's review, with `areas:` only."""
        if not several(config):
            return Markup("")
        return Markup('<input type="hidden" name="{}" value="{}">').format(AREA_PARAM, area)

    def area_title(area: str) -> str:
        return titles.get(area, area)

    env.globals["area_query"] = area_link
    env.globals["several_areas"] = several(config)
    env.globals["area_field"] = area_field
    env.globals["area_title"] = area_title
    env.filters["local"] = local
    env.filters["day"] = day
    env.filters["published"] = published
    env.filters["label"] = label
    env.globals["link"] = link
    env.globals["rule_spans"] = spans_text
    env.globals["unit_digests"] = config.web.unit_digests
    env.globals["STATUS_LABELS"] = STATUS_LABELS
    env.globals["TONE_LABELS"] = TONE_LABELS
